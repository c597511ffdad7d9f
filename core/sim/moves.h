/*
 * moves.h — signature moves: named abilities with a trigger, an effect, a
 * stamina cost and an attribute gate (spec 10-simulation, "Moves").
 *
 * Moves are data: the table in moves.c describes each one, a hooper holds a
 * list of move ids, and governance or effects can grant more.
 */
#ifndef PW_MOVES_H
#define PW_MOVES_H

#include <stdbool.h>

typedef enum pw_move_id {
	PW_MOVE_HEAT_CHECK,
	PW_MOVE_KILLER_CROSSOVER,
	PW_MOVE_NO_LOOK_PASS,
	PW_MOVE_LOCKDOWN_STANCE,
	PW_MOVE_CHAOS_DUNK,
	PW_MOVE_CLUTCH_GENE,
	PW_MOVE_IRON_LEGS,
	PW_MOVE_COURT_VISION,
	PW_MOVE_COUNT
} pw_move_id_t;

typedef enum pw_move_source {
	PW_MOVE_SRC_ARCHETYPE,
	PW_MOVE_SRC_EARNED,
	PW_MOVE_SRC_GOVERNED,
} pw_move_source_t;

typedef struct pw_move_def {
	pw_move_id_t id;
	const char *name;        /* "Heat Check" */
	const char *trigger;     /* for docs and pages */
	const char *effect;
	double stamina_cost;     /* stamina spent when it fires */
	int gate_attr[2];        /* attribute indices, -1 when unused */
	int gate_min[2];
} pw_move_def_t;

/* The move's definition; NULL out of range. */
const pw_move_def_t *moves_def(pw_move_id_t id);
/* The id of a move by name (case-insensitive), or -1. */
int moves_find(const char *name);

/* True when attributes attr[PW_ATTR_COUNT] (those in force in a game, so
 * a governed drop can switch a move off) meet the move's gate. */
bool moves_gate_open(const pw_move_def_t *m, const int *attr);

#endif
