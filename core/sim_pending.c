/*
 * sim_pending.c — placeholders until core/sim.c lands on main.
 *
 * The round runner links against sim.h; until the simulation core is merged
 * these fail plainly (sim_game returns -1) so the binary links and nothing
 * pretends to play a game. Deleted when core/sim.c arrives.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"

void sim_result_init(pw_game_result_t *r)
{
	memset(r, 0, sizeof *r);
}

void sim_result_free(pw_game_result_t *r)
{
	if (!r)
		return;
	free(r->plays);
	free(r->narratives);
	free(r->effects);
	memset(r, 0, sizeof *r);
}

int sim_game(const pw_game_input_t *in, pw_game_result_t *out)
{
	(void)in;
	(void)out;
	return -1;
}

const char *sim_play_narrative(const pw_game_result_t *r, const pw_play_t *p)
{
	if (!r || !p || p->narrative < 0 || (size_t)p->narrative >= r->len_narratives)
		return NULL;
	return r->narratives + p->narrative;
}

int sim_result_add_effect_stat(pw_game_result_t *r, const pw_effect_stat_t *s)
{
	if (r->n_effects == r->cap_effects) {
		size_t nc = r->cap_effects ? r->cap_effects * 2 : 8;
		pw_effect_stat_t *n = realloc(r->effects, nc * sizeof *n);
		if (!n)
			return -1;
		r->effects = n;
		r->cap_effects = nc;
	}
	r->effects[r->n_effects++] = *s;
	return 0;
}

/* Name tables of hooks.h, also to come with the simulation core. */
#include "core/hooks.h"

static const char *const hook_names[PW_SIM_HOOK_COUNT] = {
	"sim.game.pre", "sim.quarter.pre", "sim.possession.pre", "sim.shot.pre",
	"sim.shot.post", "sim.turnover.post", "sim.foul.post", "sim.rebound.post",
	"sim.quarter.end", "sim.halftime", "sim.elam.start", "sim.game.end",
};

const char *hooks_name(pw_sim_hook_t h)
{
	return (int)h >= 0 && h < PW_SIM_HOOK_COUNT ? hook_names[h] : NULL;
}

int hooks_find(const char *name)
{
	for (int i = 0; name && i < PW_SIM_HOOK_COUNT; i++)
		if (!strcmp(hook_names[i], name))
			return i;
	return -1;
}

const char *hooks_shot_type_name(pw_shot_type_t t)
{
	static const char *const n[] = {"at_rim", "mid_range", "three_point"};
	return (int)t >= 0 && t < PW_SHOT_TYPES ? n[t] : NULL;
}

const char *hooks_scheme_name(pw_scheme_t s)
{
	static const char *const n[] = {"man_tight", "man_switch", "zone", "press"};
	return (int)s >= 0 && s < PW_SCHEME_COUNT ? n[s] : NULL;
}
