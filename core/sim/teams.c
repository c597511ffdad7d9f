/*
 * league.c — archetypes, attribute names, and deterministic league
 * generation from a league seed (spec 10-simulation, "Hoopers").
 *
 * Everything is drawn from one rng stream seeded by the league seed, in a
 * fixed order, from built-in word lists: the same seed always gives the same
 * league, with no network and no files.
 */
#include "core/sim/teams.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sim/rng.h"

static const char *const attr_names[PW_ATTR_COUNT] = {
	"scoring", "passing", "defense", "speed", "stamina",
	"iq", "ego", "chaotic_alignment", "fate",
};

static const char *const archetype_names[PW_ARCH_COUNT] = {
	"sharpshooter", "floor_general", "lockdown", "slasher", "iron_horse",
	"savant", "closer", "wildcard", "oracle",
};

/* Base lines from the spec; every row sums to PW_ATTR_BUDGET. */
static const int archetype_base[PW_ARCH_COUNT][PW_ATTR_COUNT] = {
	/*            scr pas def spd sta iq  ego cha fate */
	[PW_ARCH_SHARPSHOOTER]  = {80, 40, 25, 35, 35, 55, 30, 25, 35},
	[PW_ARCH_FLOOR_GENERAL] = {45, 80, 30, 40, 35, 55, 25, 25, 25},
	[PW_ARCH_LOCKDOWN]      = {25, 35, 80, 50, 45, 40, 25, 30, 30},
	[PW_ARCH_SLASHER]       = {50, 30, 25, 80, 40, 35, 40, 30, 30},
	[PW_ARCH_IRON_HORSE]    = {35, 35, 45, 35, 80, 35, 25, 35, 35},
	[PW_ARCH_SAVANT]        = {40, 50, 40, 30, 30, 80, 20, 35, 35},
	[PW_ARCH_CLOSER]        = {55, 25, 25, 35, 30, 30, 80, 30, 50},
	[PW_ARCH_WILDCARD]      = {35, 30, 30, 40, 30, 25, 40, 80, 50},
	[PW_ARCH_ORACLE]        = {30, 35, 30, 25, 35, 45, 35, 45, 80},
};

/* Signature moves each archetype starts with (1–2; -1 ends the list). */
static const int archetype_moves[PW_ARCH_COUNT][2] = {
	[PW_ARCH_SHARPSHOOTER]  = {PW_MOVE_HEAT_CHECK, -1},
	[PW_ARCH_FLOOR_GENERAL] = {PW_MOVE_NO_LOOK_PASS, PW_MOVE_COURT_VISION},
	[PW_ARCH_LOCKDOWN]      = {PW_MOVE_LOCKDOWN_STANCE, -1},
	[PW_ARCH_SLASHER]       = {PW_MOVE_KILLER_CROSSOVER, -1},
	[PW_ARCH_IRON_HORSE]    = {PW_MOVE_IRON_LEGS, -1},
	[PW_ARCH_SAVANT]        = {PW_MOVE_COURT_VISION, -1},
	[PW_ARCH_CLOSER]        = {PW_MOVE_CLUTCH_GENE, PW_MOVE_HEAT_CHECK},
	[PW_ARCH_WILDCARD]      = {PW_MOVE_CHAOS_DUNK, -1},
	[PW_ARCH_ORACLE]        = {PW_MOVE_CLUTCH_GENE, -1},
};

/* Roster shape: one scorer, one defender, one playmaker, and a fourth of
 * any kind — "roughly one of each" per the spec. */
static const pw_archetype_t scorers[] = {PW_ARCH_SHARPSHOOTER, PW_ARCH_SLASHER, PW_ARCH_CLOSER};
static const pw_archetype_t defenders[] = {PW_ARCH_LOCKDOWN, PW_ARCH_IRON_HORSE};
static const pw_archetype_t playmakers[] = {PW_ARCH_FLOOR_GENERAL, PW_ARCH_SAVANT};

struct place {
	const char *name;
	double lat, lon;
	int altitude_ft;
};

/* Fictional cities, placed on a map so travel and altitude mean something. */
static const struct place places[] = {
	{"Portland", 45.52, -122.68, 50},     {"Denver", 39.74, -104.99, 5280},
	{"Austin", 30.27, -97.74, 489},       {"Boston", 42.36, -71.06, 141},
	{"Tucson", 32.22, -110.97, 2389},     {"Duluth", 46.79, -92.10, 702},
	{"Savannah", 32.08, -81.09, 49},      {"Boise", 43.62, -116.20, 2730},
	{"Memphis", 35.15, -90.05, 337},      {"Santa Fe", 35.69, -105.94, 7199},
	{"Halifax", 44.65, -63.57, 476},      {"Oakland", 37.80, -122.27, 43},
	{"Asheville", 35.60, -82.55, 2134},   {"Anchorage", 61.22, -149.90, 102},
	{"New Orleans", 29.95, -90.07, 3},    {"Flagstaff", 35.20, -111.65, 6910},
	{"Chattanooga", 35.05, -85.31, 676},  {"Spokane", 47.66, -117.43, 1843},
	{"Madison", 43.07, -89.40, 873},      {"Reno", 39.53, -119.81, 4505},
};

static const char *const mascots[] = {
	"Pinwheels", "Herons", "Comets", "Foxes", "Lanterns", "Tides", "Owls",
	"Thunder", "Glaciers", "Hornets", "Mirage", "Sparks", "Wolves",
	"Cyclones", "Kestrels", "Marauders", "Voyagers", "Quasars", "Ravens",
	"Embers",
};

static const char *const colours[][2] = {
	{"#e4572e", "#29335c"}, {"#2e86ab", "#f6f5ae"}, {"#3bb273", "#1b1b3a"},
	{"#7768ae", "#f3d34a"}, {"#e1bc29", "#2d3047"}, {"#d7263d", "#f4f4f9"},
	{"#1b998b", "#2e294e"}, {"#ff8c42", "#0c0f0a"}, {"#8cb369", "#5b8e7d"},
	{"#bc4b51", "#f4e285"}, {"#3a86ff", "#ffbe0b"}, {"#06d6a0", "#073b4c"},
	{"#ef476f", "#118ab2"}, {"#9b5de5", "#00bbf9"}, {"#f15bb5", "#fee440"},
	{"#264653", "#e9c46a"},
};

static const char *const venue_words[] = {
	"Arena", "Fieldhouse", "Pavilion", "Gardens", "Coliseum", "Dome",
	"Center", "Hall",
};

static const char *const venue_patrons[] = {
	"Lighthouse", "Granite", "Riverside", "Old Mill", "Union", "Harbor",
	"Summit", "Foundry", "Meridian", "Cedar", "Northstar", "Copperline",
};

static const char *const mottos[] = {
	"Spin until the wind changes.",
	"Every possession is a promise.",
	"We vote, then we run.",
	"Three on three, all for one.",
	"Fortune favours the bold cut.",
	"The rules bend; we do not.",
	"Play fast, govern slow.",
	"Nothing is settled until the Elam.",
	"Defense wins votes.",
	"Our crowd is our sixth hooper.",
	"Chaos is a ladder, and we climb it.",
	"Hold the line, share the ball.",
	"Luck is a skill we practise.",
	"Built in the offseason, proven in the clutch.",
	"One more pass.",
	"From the rafters to the rulebook.",
};

static const char *const first_names[] = {
	"Ada", "Bex", "Cato", "Dara", "Eli", "Fen", "Gus", "Hana", "Ira", "Juno",
	"Kai", "Lior", "Mika", "Nico", "Odo", "Pia", "Quin", "Rae", "Sol", "Tev",
	"Uma", "Vik", "Wren", "Xan", "Yara", "Zed", "Abe", "Bo", "Cyd", "Dex",
	"Esme", "Finn", "Gia", "Hal", "Isla", "Jax", "Kit", "Lux", "Max", "Nia",
	"Oak", "Pax", "Rio", "Sage", "Tam", "Vale", "Wynn", "Zora",
};

static const char *const last_names[] = {
	"Abernathy", "Bramble", "Castellan", "Drummond", "Everly", "Fairweather",
	"Galloway", "Holloway", "Ingram", "Jubilee", "Kestrel", "Lockhart",
	"Merriweather", "Northcott", "Oyelaran", "Pembrook", "Quartermain",
	"Ravensworth", "Stormberg", "Thistlewood", "Underhill", "Vantablack",
	"Whitlock", "Yarrow", "Zephyrine", "Ashdown", "Blackwood", "Cinderby",
	"Dunmore", "Ellsworth", "Foxglove", "Greaves", "Hartigan", "Ivory",
	"Jessup", "Kingsley", "Larkspur", "Mallory", "Nettlefield", "Okonkwo",
	"Pike", "Quill", "Rosewater", "Saltonstall", "Tamarind", "Umberfield",
	"Voss", "Wainwright", "Xiong", "Yellowhammer", "Zamora", "Achterberg",
	"Bellweather", "Coldiron", "Delacroix", "Emberly", "Farrowmere",
	"Goldthwaite", "Hawksley", "Inverness", "Juniper", "Kettering",
	"Lindqvist", "Moorcroft", "Nakamura", "Ostrander", "Penhaligon", "Rookwood",
};

static const char *const origins[] = {
	"a ferry town", "the high desert", "a river delta", "a mining village",
	"a lighthouse island", "the city's east side", "a mountain pass",
	"a farm co-op", "a harbour market", "a university town",
};

static const char *const quirks[] = {
	"still ties their shoes twice before every game",
	"once hit a half-court shot on a dare",
	"keeps a notebook of every rule change ever proposed",
	"learned the game on a court with no nets",
	"insists the rim is friendlier on Tuesdays",
	"hums through every free throw",
	"never takes the same route to the arena twice",
	"was a chess prodigy before the first dunk",
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *teams_attr_name(int attr)
{
	return attr >= 0 && attr < PW_ATTR_COUNT ? attr_names[attr] : NULL;
}

/* The index of name in names[0..n), or -1 (name NULL too). */
static int find_name(const char *const *names, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int teams_attr_find(const char *name)
{
	return find_name(attr_names, PW_ATTR_COUNT, name);
}

const char *teams_archetype_name(pw_archetype_t a)
{
	return (int)a >= 0 && a < PW_ARCH_COUNT ? archetype_names[a] : NULL;
}

int teams_archetype_find(const char *name)
{
	return find_name(archetype_names, PW_ARCH_COUNT, name);
}

const int *teams_archetype_base(pw_archetype_t a)
{
	return (int)a >= 0 && a < PW_ARCH_COUNT ? archetype_base[a] : NULL;
}

void teams_strategy_default(pw_strategy_t *s)
{
	memset(s, 0, sizeof *s);
	s->preferred_scheme = -1;
	s->scheme_when = PW_WHEN_ALWAYS;
}

/* Draws k distinct indices from [0, n) into out, in draw order. */
static void draw_distinct(pw_rng_t *r, int n, int k, int *out)
{
	int pool[64];
	for (int i = 0; i < n; i++)
		pool[i] = i;
	for (int i = 0; i < k; i++) {
		int j = i + (int)rng_below(r, (uint32_t)(n - i));
		int t = pool[i];
		pool[i] = pool[j];
		pool[j] = t;
		out[i] = pool[i];
	}
}

static int clamp_attr(int v)
{
	return v < 1 ? 1 : v > 100 ? 100 : v;
}

/*
 * Base ±10 per attribute, clamped, then scaled back to the 360 budget.
 * Rounding leaves a small remainder; it is handed out one point at a time
 * to the attributes furthest from their rounding, in attribute order on
 * ties, never pushing a value outside 1..100.
 */
static void roll_attributes(pw_rng_t *r, pw_archetype_t a, int out[PW_ATTR_COUNT])
{
	double raw[PW_ATTR_COUNT], total = 0;
	for (int i = 0; i < PW_ATTR_COUNT; i++) {
		raw[i] = clamp_attr(archetype_base[a][i] + rng_range(r, -10, 10));
		total += raw[i];
	}
	int sum = 0;
	double frac[PW_ATTR_COUNT];
	for (int i = 0; i < PW_ATTR_COUNT; i++) {
		double scaled = raw[i] * PW_ATTR_BUDGET / total;
		out[i] = clamp_attr((int)floor(scaled));
		frac[i] = scaled - floor(scaled);
		sum += out[i];
	}
	while (sum != PW_ATTR_BUDGET) {
		int step = sum < PW_ATTR_BUDGET ? 1 : -1, best = -1;
		for (int i = 0; i < PW_ATTR_COUNT; i++) {
			int v = out[i] + step;
			if (v < 1 || v > 100)
				continue;
			double score = step > 0 ? frac[i] : -frac[i];
			if (best < 0 || score > (step > 0 ? frac[best] : -frac[best]))
				best = i;
		}
		if (best < 0)
			break; /* cannot happen with 9 attributes and a 360 budget */
		out[best] += step;
		frac[best] -= step;
		sum += step;
	}
}

static void make_hooper(pw_rng_t *r, pw_hooper_t *h, int id, int team_id,
			pw_archetype_t a, bool starter, bool *surname_used)
{
	memset(h, 0, sizeof *h);
	h->id = id;
	h->team_id = team_id;
	h->archetype = a;
	h->is_starter = starter;
	roll_attributes(r, a, h->attr);

	/* Surnames are unique within a league (the list is longer than the
	 * largest league's roster), so a play-by-play never has to tell two
	 * Greaves apart. */
	int nl = COUNT(last_names), last;
	do {
		last = (int)rng_below(r, (uint32_t)nl);
	} while (surname_used[last]);
	surname_used[last] = true;
	snprintf(h->name, sizeof h->name, "%s %s",
		 first_names[rng_below(r, (uint32_t)COUNT(first_names))], last_names[last]);

	for (int i = 0; i < 2 && archetype_moves[a][i] >= 0; i++)
		h->moves[h->n_moves++] = (pw_move_id_t)archetype_moves[a][i];

	snprintf(h->backstory, sizeof h->backstory,
		 "A %s from %s who %s.", archetype_names[a],
		 origins[rng_below(r, (uint32_t)COUNT(origins))],
		 quirks[rng_below(r, (uint32_t)COUNT(quirks))]);
	for (char *p = h->backstory; *p; p++)
		if (*p == '_')
			*p = ' ';
}

int teams_generate(pw_league_t *out, uint64_t league_seed, int n_teams)
{
	if (n_teams < 4 || n_teams > PW_MAX_TEAMS)
		return -1;
	memset(out, 0, sizeof *out);
	out->seed = league_seed;
	out->n_teams = n_teams;

	pw_rng_t r;
	rng_seed_stream(&r, league_seed, rng_hash_str("league"));

	int place_idx[PW_MAX_TEAMS], mascot_idx[PW_MAX_TEAMS], colour_idx[PW_MAX_TEAMS];
	int motto_idx[PW_MAX_TEAMS], patron_idx[PW_MAX_TEAMS];
	draw_distinct(&r, COUNT(places), n_teams, place_idx);
	draw_distinct(&r, COUNT(mascots), n_teams, mascot_idx);
	draw_distinct(&r, COUNT(colours), n_teams, colour_idx);
	draw_distinct(&r, COUNT(mottos), n_teams, motto_idx);
	draw_distinct(&r, COUNT(venue_patrons), n_teams < COUNT(venue_patrons) ? n_teams : COUNT(venue_patrons), patron_idx);

	_Static_assert(COUNT(last_names) >= PW_MAX_TEAMS * PW_ROSTER_SIZE,
		       "every hooper of the largest league needs a surname of their own");
	bool surname_used[COUNT(last_names)];
	memset(surname_used, 0, sizeof surname_used);

	for (int t = 0; t < n_teams; t++) {
		pw_team_t *team = &out->teams[t];
		const struct place *pl = &places[place_idx[t]];
		team->id = t + 1;
		snprintf(team->name, sizeof team->name, "%s %s", pl->name, mascots[mascot_idx[t]]);
		snprintf(team->color, sizeof team->color, "%s", colours[colour_idx[t]][0]);
		snprintf(team->color2, sizeof team->color2, "%s", colours[colour_idx[t]][1]);
		snprintf(team->motto, sizeof team->motto, "%s", mottos[motto_idx[t]]);
		teams_strategy_default(&team->strategy);

		pw_venue_t *v = &team->venue;
		const char *patron = venue_patrons[t < COUNT(venue_patrons) ? patron_idx[t]
				     : (int)rng_below(&r, (uint32_t)COUNT(venue_patrons))];
		snprintf(v->name, sizeof v->name, "%s %s", patron,
			 venue_words[rng_below(&r, (uint32_t)COUNT(venue_words))]);
		/* Capacities cluster around small arenas with a few big houses. */
		v->capacity = 500 + (int)rng_below(&r, 12) * 1000 + (int)rng_below(&r, 4) * 9000;
		if (v->capacity > 50000)
			v->capacity = 50000;
		v->altitude_ft = pl->altitude_ft;
		snprintf(v->surface, sizeof v->surface, "hardwood");
		v->lat = pl->lat;
		v->lon = pl->lon;

		pw_archetype_t roster[PW_ROSTER_SIZE];
		roster[0] = scorers[rng_below(&r, (uint32_t)COUNT(scorers))];
		roster[1] = defenders[rng_below(&r, (uint32_t)COUNT(defenders))];
		roster[2] = playmakers[rng_below(&r, (uint32_t)COUNT(playmakers))];
		roster[3] = (pw_archetype_t)rng_below(&r, PW_ARCH_COUNT);
		/* Shuffle so the bench hooper is not always the wild one. */
		for (int i = PW_ROSTER_SIZE - 1; i > 0; i--) {
			int j = (int)rng_below(&r, (uint32_t)(i + 1));
			pw_archetype_t tmp = roster[i];
			roster[i] = roster[j];
			roster[j] = tmp;
		}
		for (int k = 0; k < PW_ROSTER_SIZE; k++)
			make_hooper(&r, &team->hoopers[k], t * PW_ROSTER_SIZE + k + 1, team->id,
				    roster[k], k < PW_ON_FLOOR, surname_used);
	}
	return 0;
}

const pw_team_t *teams_team(const pw_league_t *l, int team_id)
{
	for (int i = 0; i < l->n_teams; i++)
		if (l->teams[i].id == team_id)
			return &l->teams[i];
	return NULL;
}

const pw_team_t *teams_team_lookup(const pw_league_t *l, const char *name_or_id)
{
	if (!name_or_id || !*name_or_id)
		return NULL;
	char *end;
	long id = strtol(name_or_id, &end, 10);
	if (*end == '\0')
		return teams_team(l, (int)id);
	for (int i = 0; i < l->n_teams; i++) {
		const pw_team_t *t = &l->teams[i];
		if (strcasecmp(t->name, name_or_id) == 0)
			return t;
		/* "Cyclones" finds "New Orleans Cyclones" (the nickname is the
		 * last word); so does the city, "new orleans". */
		const char *space = strrchr(t->name, ' ');
		if (space && strcasecmp(space + 1, name_or_id) == 0)
			return t;
		if (strncasecmp(t->name, name_or_id, strlen(name_or_id)) == 0 &&
		    t->name[strlen(name_or_id)] == ' ')
			return t;
	}
	return NULL;
}

double teams_travel_miles(const pw_venue_t *a, const pw_venue_t *b)
{
	const double earth_miles = 3958.8, rad = 3.14159265358979323846 / 180.0;
	double dlat = (b->lat - a->lat) * rad, dlon = (b->lon - a->lon) * rad;
	double h = sin(dlat / 2) * sin(dlat / 2) +
		   cos(a->lat * rad) * cos(b->lat * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * earth_miles * asin(sqrt(h > 1 ? 1 : h));
}
