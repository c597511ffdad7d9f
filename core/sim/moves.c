/*
 * moves.c — the table of signature moves (spec 10-simulation, "Moves").
 *
 * Only the data lives here; the engine (possession.c) decides when a move's
 * trigger is met and applies its effect, checking the gate against the
 * hooper's attributes *in force*, so a governed attribute drop can switch a
 * move off for a game.
 */
#include "core/sim/moves.h"

#include <strings.h>

#include "core/sim/teams.h"

static const pw_move_def_t defs[PW_MOVE_COUNT] = {
	{PW_MOVE_HEAT_CHECK, "Heat Check", "made a three last possession",
	 "+15% on the next three; IQ modifier ignored", 0.01,
	 {PW_ATTR_EGO, -1}, {60, 0}},
	{PW_MOVE_KILLER_CROSSOVER, "Killer Crossover", "drive",
	 "+20% drive success, +10% chance to draw a foul", 0.015,
	 {PW_ATTR_SPEED, -1}, {65, 0}},
	{PW_MOVE_NO_LOOK_PASS, "No-Look Pass", "pass with help defense",
	 "pass ignores the contest modifier", 0.005,
	 {PW_ATTR_PASSING, PW_ATTR_IQ}, {70, 50}},
	{PW_MOVE_LOCKDOWN_STANCE, "Lockdown Stance", "defending the ball handler",
	 "contest modifier doubled", 0.015,
	 {PW_ATTR_DEFENSE, -1}, {75, 0}},
	{PW_MOVE_CHAOS_DUNK, "Chaos Dunk", "drive",
	 "outcome variance tripled", 0.02,
	 {PW_ATTR_CHAOTIC, -1}, {70, 0}},
	{PW_MOVE_CLUTCH_GENE, "Clutch Gene", "score within 3 late / in Elam",
	 "all shots +10%", 0.0,
	 {PW_ATTR_EGO, PW_ATTR_SCORING}, {70, 50}},
	{PW_MOVE_IRON_LEGS, "Iron Legs", "second half, stamina < 50%",
	 "stamina penalty halved", 0.0,
	 {PW_ATTR_STAMINA, -1}, {70, 0}},
	{PW_MOVE_COURT_VISION, "Court Vision", "half-court set",
	 "assist chance doubled", 0.0,
	 {PW_ATTR_IQ, PW_ATTR_PASSING}, {75, 60}},
};

const pw_move_def_t *moves_def(pw_move_id_t id)
{
	if ((int)id < 0 || id >= PW_MOVE_COUNT)
		return 0;
	return &defs[id];
}

int moves_find(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < PW_MOVE_COUNT; i++)
		if (strcasecmp(defs[i].name, name) == 0)
			return i;
	return -1;
}

bool moves_gate_open(const pw_move_def_t *m, const int *attr)
{
	for (int i = 0; i < 2; i++) {
		int a = m->gate_attr[i];
		if (a >= 0 && a < PW_ATTR_COUNT && attr[a] < m->gate_min[i])
			return false;
	}
	return true;
}
