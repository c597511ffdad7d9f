/*
 * rules.h — the one table of rule parameters.
 *
 * Every parameter that governance can change is one row of PW_RULES below:
 * name, type, minimum, maximum, default, tier and a one-line description.
 * The struct pw_rules_t, validation, `--set`, JSON, the interpreter's list,
 * the pages and the docs are all generated from that row. Adding a parameter
 * is one row here plus the code that reads it.
 *
 * Names, types, ranges, defaults and tiers are a contract (spec 10-simulation).
 */
#ifndef PW_RULES_H
#define PW_RULES_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/*     name                             type   min     max     default tier description */
#define PW_RULES(X)                                                                            \
	X(quarter_minutes,                INT,   3,      20,     10,     1, "Minutes of game clock in each timed quarter.") \
	X(shot_clock_seconds,             INT,   10,     60,     15,     1, "Seconds the offense has to shoot.") \
	X(three_point_value,              INT,   1,      10,     3,      1, "Points for a made three-pointer.") \
	X(two_point_value,                INT,   1,      10,     2,      1, "Points for a made shot inside the arc.") \
	X(free_throw_value,               INT,   1,      5,      1,      1, "Points for a made free throw.") \
	X(personal_foul_limit,            INT,   3,      10,     5,      1, "Personal fouls before a hooper fouls out.") \
	X(team_foul_bonus_threshold,      INT,   3,      10,     4,      1, "Team fouls in a half after which every defensive foul shoots two.") \
	X(three_point_distance,           FLOAT, 15.0,   30.0,   22.15,  1, "Distance of the three-point line in feet.") \
	X(elam_trigger_quarter,           INT,   1,      4,      3,      1, "The Elam ending starts after this quarter.") \
	X(elam_margin,                    INT,   5,      40,     15,     1, "Points added to the leading score to set the Elam target.") \
	X(halftime_stamina_recovery,      FLOAT, 0.0,    0.6,    0.40,   1, "Stamina every hooper recovers at halftime.") \
	X(quarter_break_stamina_recovery, FLOAT, 0.0,    0.3,    0.15,   1, "Stamina every hooper recovers at a quarter break.") \
	X(safety_cap_possessions,         INT,   50,     500,    300,    1, "Possessions after which a runaway game is stopped.") \
	X(substitution_stamina_threshold, FLOAT, 0.1,    0.8,    0.35,   1, "A starter below this stamina is subbed out at a break.") \
	X(turnover_rate_modifier,         FLOAT, 0.2,    3.0,    1.0,    1, "Multiplies the base turnover chance.") \
	X(foul_rate_modifier,             FLOAT, 0.2,    3.0,    1.0,    1, "Multiplies the base foul chance.") \
	X(offensive_rebound_weight,       FLOAT, 1.0,    15.0,   5.0,    1, "Weight of the offense in a rebound (the defense has 10).") \
	X(stamina_drain_rate,             FLOAT, 0.001,  0.03,   0.007,  1, "Stamina every hooper on the floor loses per possession.") \
	X(dead_ball_time_seconds,         FLOAT, 2.0,    20.0,   9.0,    1, "Clock seconds lost between possessions.") \
	X(max_shot_share,                 FLOAT, 0.2,    1.0,    1.0,    2, "Share of a team's shots above which a hooper is less likely to get the ball.") \
	X(min_pass_per_possession,        INT,   0,      5,      0,      2, "Passes every possession must make before a shot.") \
	X(home_court_enabled,             BOOL,  0,      1,      1,      2, "Whether home teams get crowd, travel and altitude advantages.") \
	X(home_crowd_boost,               FLOAT, 0.0,    0.15,   0.05,   2, "Make-probability bonus for the home team at a full venue.") \
	X(away_fatigue_factor,            FLOAT, 0.0,    0.10,   0.02,   2, "Extra stamina drain for the away team, as a fraction.") \
	X(crowd_pressure,                 FLOAT, 0.0,    0.10,   0.03,   2, "How much the crowd lifts home egos and rattles away ones.") \
	X(altitude_stamina_penalty,       FLOAT, 0.0,    0.05,   0.01,   2, "Extra away drain per 1,000 ft of altitude difference.") \
	X(travel_fatigue_enabled,         BOOL,  0,      1,      1,      2, "Whether travel distance tires the away team.") \
	X(travel_fatigue_per_mile,        FLOAT, 0.0,    0.005,  0.001,  2, "Extra away drain per mile travelled, per 1,000 miles.") \
	X(teams_count,                    INT,   4,      16,     8,      3, "Teams in the league; a change takes effect at the next season.") \
	X(round_robins_per_season,        INT,   1,      5,      3,      3, "Round-robins in the regular season; a change takes effect at the next season.") \
	X(playoff_teams,                  INT,   2,      8,      4,      3, "Teams that reach the playoffs; fixed when the bracket is drawn, so a change applies to the next season's bracket.") \
	X(playoff_semis_best_of,          INT,   1,      7,      3,      3, "Games in every series before the final (best of; odd only); fixed when the bracket is drawn.") \
	X(playoff_finals_best_of,         INT,   1,      7,      5,      3, "Games in the final series (best of; odd only); fixed when the bracket is drawn.") \
	X(proposals_per_window,           INT,   1,      10,     3,      4, "Open proposals a governor may have per governance window.") \
	X(vote_threshold,                 FLOAT, 0.3,    0.8,    0.5,    4, "Share of weighted yes votes a proposal must exceed.")

/*
 * Parameters that take odd values only: a best-of series is decided by a
 * majority of its games, so "best of 4" has no meaning (it would play out
 * as best of 5). rules_check refuses an even value with a sentence naming
 * the parameter; rules_describe_range says "an odd integer".
 */
#define PW_RULES_ODD_ONLY(X) X(playoff_semis_best_of) X(playoff_finals_best_of)

#define PW_RULE_CTYPE_INT   int
#define PW_RULE_CTYPE_FLOAT double
#define PW_RULE_CTYPE_BOOL  bool

/* The ruleset in force: one field per row of PW_RULES, named as the row. */
typedef struct pw_rules {
#define PW_RULE_FIELD(name, type, lo, hi, def, tier, desc) PW_RULE_CTYPE_##type name;
	PW_RULES(PW_RULE_FIELD)
#undef PW_RULE_FIELD
} pw_rules_t;

typedef enum pw_rule_type { PW_RULE_INT, PW_RULE_FLOAT, PW_RULE_BOOL } pw_rule_type_t;

typedef struct pw_rule_def {
	const char *name;
	pw_rule_type_t type;
	double min, max, def;
	int tier;
	const char *description;
	size_t offset; /* of the field in pw_rules_t */
} pw_rule_def_t;

/* The table, in declaration order, and its length. */
extern const pw_rule_def_t rules_defs[];
extern const size_t rules_count;

/* The row named name, or NULL. */
const pw_rule_def_t *rules_find(const char *name);

/* Fills r with every default. */
void rules_default(pw_rules_t *r);

/* The value of d in r, as a double (bools are 0/1). */
double rules_get(const pw_rules_t *r, const pw_rule_def_t *d);

/* True when d is one of PW_RULES_ODD_ONLY. */
bool rules_odd_only(const pw_rule_def_t *d);

/*
 * Checks v against d: an integer for int rules (an odd one for
 * PW_RULES_ODD_ONLY), 0/1 for bools, inside [min, max]. Returns 0, or -1
 * with a sentence naming the parameter and the allowed range in err.
 */
int rules_check(const pw_rule_def_t *d, double v, char *err, size_t errlen);

/* Checks then stores v. Returns 0, or -1 with err set and r unchanged. */
int rules_set(pw_rules_t *r, const pw_rule_def_t *d, double v, char *err, size_t errlen);

/*
 * Parses text as a value of d ("7", "22.5", "true"/"false"/"on"/"off"/"1"/"0")
 * and checks it. Returns 0 with *out set, or -1 with err set.
 */
int rules_parse_value(const pw_rule_def_t *d, const char *text, double *out,
		      char *err, size_t errlen);

/* Applies "name=value" (the `--set` syntax). Returns 0, or -1 with err set
 * (unknown parameter, malformed text, out of range) and r unchanged. */
int rules_apply_assignment(pw_rules_t *r, const char *assignment, char *err, size_t errlen);

/* Writes v as d's type would print it ("10", "22.15", "true"). */
void rules_format(const pw_rule_def_t *d, double v, char *buf, size_t len);

/* The rule's name as people read it: "Three point value" for
 * three_point_value (reports and pages name rules this way). */
void rules_words(const pw_rule_def_t *d, char *buf, size_t len);

/* A range for messages: "an integer from 1 to 10", "an odd integer from 1
 * to 7", "a number from 15 to 30", "true or false". */
void rules_describe_range(const pw_rule_def_t *d, char *buf, size_t len);

/* True when a and b hold the same value for every parameter. */
bool rules_equal(const pw_rules_t *a, const pw_rules_t *b);

/* {"quarter_minutes": 10, ..., "home_court_enabled": true}; caller owns it. */
struct cJSON *rules_to_json(const pw_rules_t *r);
/* The same object as JSON text appended to b, byte for byte as cJSON prints
 * rules_to_json's (core/sim/jsonw.h): for writers that never build a tree. */
struct pw_buf;
void rules_write_json(const pw_rules_t *r, struct pw_buf *b);

/*
 * Reads an object like rules_to_json's. Parameters absent from obj keep
 * their value in r; an unknown name, a wrong type or an out-of-range value
 * is an error naming it (-1, err set, r unchanged).
 */
int rules_from_json(pw_rules_t *r, const struct cJSON *obj, char *err, size_t errlen);

#endif
