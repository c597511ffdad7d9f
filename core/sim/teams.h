/*
 * league.h — hoopers, teams, venues, strategies, and league generation.
 *
 * Plain data: the simulation reads these, the store saves them, the server
 * shows them. A league is generated deterministically from a league seed
 * (spec 10-simulation, "Hoopers" and "League generation").
 */
#ifndef PW_LEAGUE_H
#define PW_LEAGUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sim/moves.h"

enum {
	PW_ATTR_SCORING,
	PW_ATTR_PASSING,
	PW_ATTR_DEFENSE,
	PW_ATTR_SPEED,
	PW_ATTR_STAMINA,
	PW_ATTR_IQ,
	PW_ATTR_EGO,
	PW_ATTR_CHAOTIC,
	PW_ATTR_FATE,
	PW_ATTR_COUNT
};

typedef enum pw_archetype {
	PW_ARCH_SHARPSHOOTER,
	PW_ARCH_FLOOR_GENERAL,
	PW_ARCH_LOCKDOWN,
	PW_ARCH_SLASHER,
	PW_ARCH_IRON_HORSE,
	PW_ARCH_SAVANT,
	PW_ARCH_CLOSER,
	PW_ARCH_WILDCARD,
	PW_ARCH_ORACLE,
	PW_ARCH_COUNT
} pw_archetype_t;

#define PW_ATTR_BUDGET   360 /* every archetype and every hooper sums to this */
#define PW_ROSTER_SIZE   4   /* hoopers per team */
#define PW_ON_FLOOR      3   /* hoopers on the floor per team */
#define PW_MAX_TEAMS     16  /* teams_count's maximum */
#define PW_MAX_MOVES     6   /* moves one hooper can hold */
#define PW_NAME_MAX      48
#define PW_TEXT_MAX      240 /* mottos, backstories */

typedef struct pw_hooper {
	int id;
	int team_id;
	char name[PW_NAME_MAX];
	pw_archetype_t archetype;
	int attr[PW_ATTR_COUNT]; /* 1..100 each */
	bool is_starter;
	int n_moves;
	pw_move_id_t moves[PW_MAX_MOVES];
	char backstory[PW_TEXT_MAX];
} pw_hooper_t;

typedef struct pw_venue {
	char name[PW_NAME_MAX];
	int capacity;    /* 500..50,000 */
	int altitude_ft; /* 0..10,000 */
	char surface[16];/* "hardwood" unless governance changed it */
	double lat, lon;
} pw_venue_t;

/* When a team's preferred scheme applies. */
typedef enum pw_scheme_when {
	PW_WHEN_ALWAYS,
	PW_WHEN_LEADING,
	PW_WHEN_TRAILING,
	PW_WHEN_ELAM,
} pw_scheme_when_t;

/* Team strategy set through governance: small biases read by the engine.
 * All zero (and preferred_scheme -1) is "no strategy". */
typedef struct pw_strategy {
	double three_bias;          /* -1..1, added to three-point selection */
	double rim_bias;            /* -1..1 */
	double mid_bias;            /* -1..1 */
	double pace;                /* -1..1: faster (+) or slower (-) possessions */
	double defensive_intensity; /* -1..1: tighter defense, more fouls, more fatigue */
	int preferred_scheme;       /* a pw_scheme_t, or -1 for none */
	pw_scheme_when_t scheme_when;
} pw_strategy_t;

typedef struct pw_team {
	int id;
	char name[PW_NAME_MAX];
	char color[8];      /* "#rrggbb" */
	char color2[8];
	char motto[PW_TEXT_MAX];
	pw_venue_t venue;
	pw_hooper_t hoopers[PW_ROSTER_SIZE]; /* starters first */
	pw_strategy_t strategy;
} pw_team_t;

typedef struct pw_league {
	uint64_t seed;
	int n_teams;
	pw_team_t teams[PW_MAX_TEAMS];
} pw_league_t;

/* "scoring", "passing", ... as the spec names them; NULL out of range. */
const char *teams_attr_name(int attr);
/* The attribute index for a name spelled exactly as teams_attr_name
 * spells it (effect results name attributes this way), or -1. */
int teams_attr_find(const char *name);
/* "sharpshooter", ...; NULL out of range. */
const char *teams_archetype_name(pw_archetype_t a);
int teams_archetype_find(const char *name);
/* The base attribute line of an archetype (sums to PW_ATTR_BUDGET). */
const int *teams_archetype_base(pw_archetype_t a);

/* A strategy with no biases. */
void teams_strategy_default(pw_strategy_t *s);

/*
 * Generates n_teams teams (4..PW_MAX_TEAMS) from league_seed into out:
 * names, colours, mottos, venues, four hoopers each with archetype,
 * attributes (archetype base ±10, clamped, re-normalised to 360), moves and
 * backstory. Same seed → identical league. Team ids are 1..n, hooper ids
 * are 1..4n. Returns 0, or -1 if n_teams is out of range.
 */
int teams_generate(pw_league_t *out, uint64_t league_seed, int n_teams);

/* The team with this id, or NULL. */
const pw_team_t *teams_team(const pw_league_t *l, int team_id);
/* The team whose name matches (case-insensitive) or whose id is the text. */
const pw_team_t *teams_team_lookup(const pw_league_t *l, const char *name_or_id);

/* Great-circle distance in miles between two venues. */
double teams_travel_miles(const pw_venue_t *a, const pw_venue_t *b);

#endif
