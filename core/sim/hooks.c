/*
 * hooks.c — names of the simulation's hook points, shot types and schemes.
 *
 * These strings are a contract (spec 20-effects): effect scripts name hooks
 * by them and GameResult JSON prints shot types and schemes with them.
 */
#include "core/sim/hooks.h"

static const char *const hook_names[PW_SIM_HOOK_COUNT] = {
	[PW_HOOK_GAME_PRE] = "sim.game.pre",
	[PW_HOOK_QUARTER_PRE] = "sim.quarter.pre",
	[PW_HOOK_POSSESSION_PRE] = "sim.possession.pre",
	[PW_HOOK_SHOT_PRE] = "sim.shot.pre",
	[PW_HOOK_SHOT_POST] = "sim.shot.post",
	[PW_HOOK_TURNOVER_POST] = "sim.turnover.post",
	[PW_HOOK_FOUL_POST] = "sim.foul.post",
	[PW_HOOK_REBOUND_POST] = "sim.rebound.post",
	[PW_HOOK_QUARTER_END] = "sim.quarter.end",
	[PW_HOOK_HALFTIME] = "sim.halftime",
	[PW_HOOK_ELAM_START] = "sim.elam.start",
	[PW_HOOK_GAME_END] = "sim.game.end",
};

static const char *const shot_names[PW_SHOT_TYPES] = {
	[PW_SHOT_AT_RIM] = "at_rim",
	[PW_SHOT_MID_RANGE] = "mid_range",
	[PW_SHOT_THREE] = "three_point",
};

static const char *const scheme_names[PW_SCHEME_COUNT] = {
	[PW_SCHEME_MAN_TIGHT] = "man_tight",
	[PW_SCHEME_MAN_SWITCH] = "man_switch",
	[PW_SCHEME_ZONE] = "zone",
	[PW_SCHEME_PRESS] = "press",
};

const char *hooks_name(pw_sim_hook_t h)
{
	return (unsigned)h < PW_SIM_HOOK_COUNT ? hook_names[h] : NULL;
}

const char *hooks_shot_type_name(pw_shot_type_t t)
{
	return (unsigned)t < PW_SHOT_TYPES ? shot_names[t] : NULL;
}

const char *hooks_scheme_name(pw_scheme_t s)
{
	return (unsigned)s < PW_SCHEME_COUNT ? scheme_names[s] : NULL;
}
