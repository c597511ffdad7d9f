/*
 * tuning.h — every constant of the simulation engine, named, in one place.
 *
 * Rule parameters (what governance can change) live in rules.h; these are
 * the engine's own dials: how attributes turn into probabilities. They were
 * set so that default games land in the middle of the calibration table of
 * spec 10-simulation (`pinwheel calibrate` checks it). Change one, run
 * calibrate, and update docs/SIMULATION.md.
 */
#ifndef PW_TUNING_H
#define PW_TUNING_H

/* ---- Clock --------------------------------------------------------------- */

/* A possession uses dead_ball_time_seconds plus a share of the shot clock
 * drawn uniformly in [MIN, MIN+SPAN]: most offenses shoot late in the clock. */
#define TUNE_CLOCK_SHARE_MIN        0.65
#define TUNE_CLOCK_SHARE_SPAN       0.40
/* A second chance after an offensive rebound runs a shorter reset. */
#define TUNE_CLOCK_OREB_SHARE_MIN   0.15
#define TUNE_CLOCK_OREB_SHARE_SPAN  0.35
/* A fast break (after a steal) uses a smaller share of the clock. */
#define TUNE_CLOCK_TRANSITION_SHARE 0.45
/* A side-out (non-shooting foul outside the bonus) restarts with this share. */
#define TUNE_CLOCK_SIDEOUT_SHARE    0.20
/* Team strategy pace (-1..1) scales the shot-clock share by 1 - pace*this. */
#define TUNE_PACE_EFFECT            0.20
/* A possession never loops for ever: offensive rebounds and side-outs stop
 * after this many trips down the floor. */
#define TUNE_MAX_TRIPS              8

/* ---- Ball handler -------------------------------------------------------- */

/* Weight = passing + iq (+ ego in the clutch, a hero wants the ball). */
#define TUNE_HANDLER_CLUTCH_EGO     0.50
/* max_shot_share: a hooper above the share is damped by (share/actual)^this. */
#define TUNE_SHOT_SHARE_DAMP_POWER  3.0
/* ...but only once the team has this many attempts (early noise is not hogging). */
#define TUNE_SHOT_SHARE_MIN_FGA     6

/* ---- Passes and assists -------------------------------------------------- */

/* Chance of each extra pass: base, plus the holder's passing above 50. */
#define TUNE_PASS_BASE              0.50
#define TUNE_PASS_PER_PASSING       0.004
/* Voluntary passes per trip stop at this many. */
#define TUNE_PASS_MAX               3
/* Receiver weight: scoring + speed*this. */
#define TUNE_RECEIVER_SPEED         0.3
/* Chance a pass meets help defense, by scheme (man_tight, man_switch, zone,
 * press); No-Look Pass fires on such passes. */
#define TUNE_HELP_MAN_TIGHT         0.15
#define TUNE_HELP_MAN_SWITCH        0.30
#define TUNE_HELP_ZONE              0.45
#define TUNE_HELP_PRESS             0.25
/* Interception chance per pass: base × turnover_rate_modifier, less for a
 * good passer, more against help defense. */
#define TUNE_PASS_STEAL_BASE        0.060
#define TUNE_PASS_STEAL_PASSING     0.00025 /* per passing point above 50 */
#define TUNE_PASS_STEAL_HELP        0.010
/* A made shot after a pass is assisted with this chance (+ passer passing). */
#define TUNE_ASSIST_BASE            0.55
#define TUNE_ASSIST_PER_PASSING     0.004
/* Man_switch: chance a pass causes a switch (the passer's defender picks up
 * the receiver). */
#define TUNE_SWITCH_CHANCE          0.35

/* ---- Turnovers ----------------------------------------------------------- */

#define TUNE_TO_BASE                0.08    /* × turnover_rate_modifier */
#define TUNE_TO_IQ_DIVISOR          1000.0  /* − iq/1000 */
#define TUNE_TO_FATIGUE_MAX         0.05    /* at zero stamina */
#define TUNE_TO_MIN                 0.01
#define TUNE_TO_MAX                 0.25
/* Share of turnovers that are steals: base + (defender defense − 50)/this. */
#define TUNE_STEAL_SHARE            0.50
#define TUNE_STEAL_DEF_DIVISOR      200.0
/* Defensive intensity (-1..1) adds this to the turnover chance. */
#define TUNE_INTENSITY_TO           0.015

/* ---- Shot selection ------------------------------------------------------ */

/* Weights per class before normalising: rim ← speed, mid ← scoring and iq,
 * three ← scoring. A floor keeps every class possible. */
#define TUNE_SEL_RIM_SPEED          1.00
#define TUNE_SEL_RIM_BASE           35.0
#define TUNE_SEL_MID_SCORING        0.45
#define TUNE_SEL_MID_IQ             0.45
#define TUNE_SEL_MID_BASE           8.0
#define TUNE_SEL_THREE_SCORING      1.60
#define TUNE_SEL_THREE_BASE         -10.0
#define TUNE_SEL_FLOOR              4.0
/* Every foot of three_point_distance beyond the default lowers the three
 * weight by this fraction (and a shorter line raises it), floor 0.05. */
#define TUNE_THREE_DEFAULT_FT       22.15
#define TUNE_THREE_WEIGHT_PER_FT    0.08
#define TUNE_THREE_WEIGHT_MIN       0.05
/* ...and moves the three's logistic midpoint by this many scoring points. */
#define TUNE_THREE_MID_PER_FT       2.5
/* A three worth more than two points (three_point_value − two_point_value
 * beyond 1) tempts shooters: weight × (1 + this per extra point). */
#define TUNE_THREE_VALUE_PULL       0.35
/* Strategy biases (−1..1) scale a class weight by 1 + bias*this. */
#define TUNE_STRATEGY_BIAS          0.5
/* Elam: far from the target, more threes (per point needed beyond 6). */
#define TUNE_ELAM_FAR_NEED          6
#define TUNE_ELAM_THREE_PER_POINT   0.04
#define TUNE_ELAM_THREE_MAX         0.6
/* A fast break goes to the rim. */
#define TUNE_TRANSITION_RIM         1.8
/* Zones give up threes and protect the rim. */
#define TUNE_ZONE_THREE             1.20
#define TUNE_ZONE_RIM               0.85

/* ---- Shot resolution ----------------------------------------------------- */

/* Logistic base on scoring per class: 1 / (1 + exp(-k (scoring - mid))). */
#define TUNE_RIM_MID                40.0
#define TUNE_RIM_K                  0.08
#define TUNE_MIDR_MID               50.0
#define TUNE_MIDR_K                 0.08
#define TUNE_THREE_MID              60.0
#define TUNE_THREE_K                0.07
/* The logistic is mapped onto [FLOOR, CEIL] per class: even a 1-scoring
 * hooper hits the odd open layup, and nobody is automatic. Contest (~0.8),
 * stamina (~0.9) and IQ then multiply this base, so the floors sit high
 * enough that a league-average shooter lands near real percentages. */
#define TUNE_RIM_FLOOR              0.62
#define TUNE_MIDR_FLOOR             0.40
#define TUNE_THREE_FLOOR            0.32
#define TUNE_SHOT_CEIL              0.88
/* Contest = scheme add + defender defense/100 × this (a 100-defense
 * defender takes up to half). */
#define TUNE_CONTEST_DEF            0.50
#define TUNE_CONTEST_MAX            0.50
/* The defender's stamina scales their contest: tired legs contest late. */
#define TUNE_CONTEST_STAMINA_MIN    0.60
/* Transition shots face a lighter contest. */
#define TUNE_CONTEST_TRANSITION     0.50
#define TUNE_INTENSITY_CONTEST      0.02
/* IQ factor 0.9..1.1, stamina factor 0.7..1.0. */
#define TUNE_IQ_FACTOR_MIN          0.90
#define TUNE_IQ_FACTOR_SPAN         0.20
#define TUNE_STAMINA_FACTOR_MIN     0.70
/* Home crowd: + home_crowd_boost × min(1, capacity / FULL) × REACH. REACH is
 * the share of a full house's roar that reaches an average shot; it sets
 * the home win rate near the middle of its calibration range. */
#define TUNE_FULL_CAPACITY          50000.0
#define TUNE_CROWD_REACH            0.6
/* Chaotic alignment widens the spread: p += (u − ½)·2 · chaotic/100 · this. */
#define TUNE_CHAOS_SPREAD           0.12
/* Close game: margin at most this many points, late in the last timed
 * quarter (clock below LATE_SECONDS) or in the Elam period. */
#define TUNE_CLOSE_MARGIN           5
#define TUNE_LATE_SECONDS           120.0
/* Fate: in a close game, chance fate/100 × this of a lucky swing... */
#define TUNE_FATE_CLUTCH_CHANCE     0.25
#define TUNE_FATE_CLUTCH_BONUS      0.10
/* Ego check in the clutch: passes with chance ego/100 ± crowd pressure
 * scaled by (1 − ego/100); success adds, failure subtracts. */
#define TUNE_EGO_SUCCESS_BONUS      0.05
#define TUNE_EGO_FAILURE_PENALTY    0.05
#define TUNE_CROWD_PRESSURE_SCALE   3.0
#define TUNE_PROB_MIN               0.01
#define TUNE_PROB_MAX               0.99

/* ---- Fouls and free throws ----------------------------------------------- */

#define TUNE_FOUL_BASE              0.08    /* × foul_rate_modifier */
#define TUNE_FOUL_LOW_IQ_BELOW      50      /* defenders below this iq... */
#define TUNE_FOUL_LOW_IQ_PER_POINT  0.001   /* ...add this per point below */
#define TUNE_FOUL_MAX               0.25
#define TUNE_INTENSITY_FOUL         0.02
/* Share of fouls that come on the shot, by shot class. */
#define TUNE_SHOOTING_FOUL_RIM      0.80
#define TUNE_SHOOTING_FOUL_MID      0.55
#define TUNE_SHOOTING_FOUL_THREE    0.30
/* A fouled shot is harder to make (and-ones are rare). */
#define TUNE_FOULED_SHOT_FACTOR     0.45
/* Free throws: logistic on scoring with a high base (about 75%). */
#define TUNE_FT_MID                 15.0
#define TUNE_FT_K                   0.028
#define TUNE_FT_FLOOR               0.36
#define TUNE_FT_CEIL                0.95
/* Tired legs cost a little at the line: × (MIN + (1 − MIN) × stamina). */
#define TUNE_FT_STAMINA_MIN         0.90

/* ---- Rebounds ------------------------------------------------------------ */

#define TUNE_REB_DEFENSE_WEIGHT     10.0    /* the defense's base weight */
/* Each side adds Σ(defense×0.2 + speed×0.1) over its floor × this scale,
 * so attributes tilt the spec's 5:10 split without swamping it. */
#define TUNE_REB_DEF_ATTR           0.2
#define TUNE_REB_SPD_ATTR           0.1
#define TUNE_REB_ATTR_SCALE         0.05
/* Fate luck for the offense: Σ fate/100 × this. */
#define TUNE_REB_FATE               0.6
/* Inside a team the rebounder is drawn by defense×0.2 + speed×0.1 + this. */
#define TUNE_REB_PICK_BASE          2.0

/* ---- Stamina ------------------------------------------------------------- */

/* Drain per possession = stamina_drain_rate × (1 + (1 − stamina/100) × this). */
#define TUNE_DRAIN_LOW_STAMINA      0.5
/* Defender cost per scheme is scaled by this (spec values are per possession
 * at full intensity). */
#define TUNE_DEF_COST_SCALE         0.30
#define TUNE_INTENSITY_DRAIN        0.30
/* Away drain: travel_fatigue_per_mile × miles / this. */
#define TUNE_TRAVEL_MILES_DIVISOR   40.0
/* A hooper on the bench recovers this much per possession. */
#define TUNE_BENCH_RECOVERY         0.012

/* ---- Defense ------------------------------------------------------------- */

/* Scheme constants (spec): contest add, defender stamina cost per
 * possession, forced turnover bonus, foul add. */
#define TUNE_CONTEST_MAN_TIGHT      0.08
#define TUNE_CONTEST_MAN_SWITCH     0.05
#define TUNE_CONTEST_ZONE           0.03
#define TUNE_CONTEST_PRESS          0.06
#define TUNE_DCOST_MAN_TIGHT        0.025
#define TUNE_DCOST_MAN_SWITCH       0.015
#define TUNE_DCOST_ZONE             0.010
#define TUNE_DCOST_PRESS            0.030
#define TUNE_FORCED_TO_MAN_TIGHT    0.02
#define TUNE_FORCED_TO_MAN_SWITCH   0.01
#define TUNE_FORCED_TO_ZONE         0.005
#define TUNE_FORCED_TO_PRESS        0.04
#define TUNE_FOUL_ADD_MAN_TIGHT     0.03
#define TUNE_FOUL_ADD_MAN_SWITCH    0.01
#define TUNE_FOUL_ADD_ZONE          0.0
#define TUNE_FOUL_ADD_PRESS         0.04

/* Scheme weights. Base weight of each scheme... */
#define TUNE_SCH_BASE_TIGHT         1.0
#define TUNE_SCH_BASE_SWITCH        1.2
#define TUNE_SCH_BASE_ZONE          0.8
#define TUNE_SCH_BASE_PRESS         0.25
/* ...smart teams play man (per iq point above 50)... */
#define TUNE_SCH_IQ_MAN             0.02
/* ...fresh teams play tight and press, tired ones zone (per 0.1 of stamina
 * above/below 0.6)... */
#define TUNE_SCH_STAMINA_PIVOT      0.6
#define TUNE_SCH_STAMINA            0.25
/* ...trailing teams press (per point behind, capped), leading teams zone... */
#define TUNE_SCH_TRAIL_PRESS        0.12
#define TUNE_SCH_LEAD_ZONE          0.10
#define TUNE_SCH_SCORE_CAP          15
/* ...fast offenses get zoned (per speed point above 45)... */
#define TUNE_SCH_SPEED_ZONE         0.03
#define TUNE_SCH_SPEED_PIVOT        45.0
/* ...in the Elam everyone tightens up... */
#define TUNE_SCH_ELAM_TIGHT         0.5
/* ...defensive intensity (-1..1) shifts toward tight/press... */
#define TUNE_SCH_INTENSITY          0.6
/* ...and a preferred scheme, when it applies, gets this much extra. */
#define TUNE_SCH_PREFERRED          3.0

/* Matchups: threat of an attacker = scoring + speed×this; containment of a
 * defender = defense/100 + speed/100 × this. Pair cost = threat ×
 * (1 − containment) + threat × (1 − stamina) × STAMINA_COST. Noise of
 * amplitude (1 − iq/100) × NOISE × mean threat keeps dull teams dull. */
#define TUNE_MATCH_THREAT_SPEED     0.5
#define TUNE_MATCH_CONTAIN_SPEED    0.3
#define TUNE_MATCH_STAMINA_COST     0.3
#define TUNE_MATCH_NOISE            0.8

/* ---- Moves --------------------------------------------------------------- */

#define TUNE_HEAT_CHECK_MULT        1.15    /* next three */
#define TUNE_CROSSOVER_MULT         1.20    /* drive success */
#define TUNE_CROSSOVER_FOUL_MULT    1.10    /* foul chance on the drive */
#define TUNE_LOCKDOWN_CONTEST_MULT  2.0
#define TUNE_CHAOS_DUNK_SPREAD_MULT 3.0
#define TUNE_CLUTCH_GENE_MULT       1.10
#define TUNE_CLUTCH_GENE_MARGIN     3
#define TUNE_IRON_LEGS_STAMINA      0.5     /* fires below this stamina */
#define TUNE_COURT_VISION_MULT      2.0

/* Clamps v to [lo, hi]; the engine's one clamp. Written so the compiler
 * emits maxsd/minsd, not branches, on the hot path. */
static inline double tune_clamp(double v, double lo, double hi)
{
	v = v > lo ? v : lo;
	return v < hi ? v : hi;
}

#endif
