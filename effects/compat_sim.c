/*
 * compat_sim.c — stand-ins for three functions of core/sim.c until the
 * simulation lands on main. Weak, so the real ones replace them the moment
 * core/sim.o is linked. Delete this file after merging the simulation.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"

__attribute__((weak)) void sim_result_init(pw_game_result_t *r)
{
	memset(r, 0, sizeof *r);
}

__attribute__((weak)) void sim_result_free(pw_game_result_t *r)
{
	if (!r)
		return;
	free(r->plays);
	free(r->narratives);
	free(r->effects);
	memset(r, 0, sizeof *r);
}

__attribute__((weak)) int sim_result_add_effect_stat(pw_game_result_t *r, const pw_effect_stat_t *s)
{
	if (r->n_effects == r->cap_effects) {
		size_t cap = r->cap_effects ? r->cap_effects * 2 : 8;
		pw_effect_stat_t *p = realloc(r->effects, cap * sizeof *p);
		if (!p)
			return -1;
		r->effects = p;
		r->cap_effects = cap;
	}
	r->effects[r->n_effects++] = *s;
	return 0;
}
