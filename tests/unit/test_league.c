#include "tests/test.h"

#include <stdio.h>

#include "core/sim/teams.h"
#include "core/sim/moves.h"

TEST(league_archetypes_sum_to_budget)
{
	for (int a = 0; a < PW_ARCH_COUNT; a++) {
		const int *base = teams_archetype_base((pw_archetype_t)a);
		int sum = 0;
		for (int i = 0; i < PW_ATTR_COUNT; i++)
			sum += base[i];
		CHECK_MSG(sum == PW_ATTR_BUDGET, "%s sums to %d",
			  teams_archetype_name((pw_archetype_t)a), sum);
	}
	CHECK_EQ(teams_archetype_base(PW_ARCH_SHARPSHOOTER)[0], 80);
	CHECK_EQ(teams_archetype_base(PW_ARCH_ORACLE)[PW_ATTR_FATE], 80);
	CHECK_STR(teams_attr_name(PW_ATTR_CHAOTIC), "chaotic_alignment");
	CHECK_EQ(teams_attr_find("fate"), PW_ATTR_FATE);
	CHECK_EQ(teams_attr_find("nope"), -1);
	CHECK_EQ(teams_attr_find("chaotic_alignment"), PW_ATTR_CHAOTIC);
	CHECK_EQ(teams_attr_find("chaotic"), -1); /* effects name the nine in full */
	CHECK_EQ(teams_attr_find(NULL), -1);
	CHECK_EQ(teams_archetype_find("iron_horse"), PW_ARCH_IRON_HORSE);
}

TEST(league_generation_is_deterministic)
{
	static pw_league_t a, b, c;
	CHECK_EQ(teams_generate(&a, 7, 8), 0);
	CHECK_EQ(teams_generate(&b, 7, 8), 0);
	CHECK_EQ(teams_generate(&c, 8, 8), 0);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	CHECK(memcmp(&a.teams, &c.teams, sizeof a.teams) != 0);
	CHECK_EQ(teams_generate(&a, 1, 3), -1);
	CHECK_EQ(teams_generate(&a, 1, PW_MAX_TEAMS + 1), -1);
}

TEST(league_hoopers_respect_budget_and_ranges)
{
	static pw_league_t l;
	for (uint64_t seed = 0; seed < (uint64_t)test_iters(200, 20); seed++) {
		int n = 4 + (int)(seed % 13);
		CHECK_EQ(teams_generate(&l, seed, n), 0);
		CHECK_EQ(l.n_teams, n);
		for (int t = 0; t < n; t++) {
			const pw_team_t *team = &l.teams[t];
			CHECK_EQ(team->id, t + 1);
			CHECK(team->name[0] != '\0');
			CHECK(team->color[0] == '#');
			CHECK(team->venue.capacity >= 500 && team->venue.capacity <= 50000);
			CHECK(team->venue.altitude_ft >= 0 && team->venue.altitude_ft <= 10000);
			CHECK_STR(team->venue.surface, "hardwood");
			int starters = 0;
			bool scorer = false, defender = false, playmaker = false;
			for (int k = 0; k < PW_ROSTER_SIZE; k++) {
				const pw_hooper_t *h = &team->hoopers[k];
				int sum = 0;
				for (int i = 0; i < PW_ATTR_COUNT; i++) {
					CHECK(h->attr[i] >= 1 && h->attr[i] <= 100);
					sum += h->attr[i];
					/* ±10, then rescaled by 360/total with total in
					 * [270, 450]: an 80 can move by at most
					 * 10 + 90*(360/270 - 1) ≈ 40, and in practice by
					 * far less; a generator bug moves it further. */
					int d = h->attr[i] - teams_archetype_base(h->archetype)[i];
					CHECK_MSG(d >= -30 && d <= 30, "attr %d drifted %d", i, d);
				}
				CHECK_EQ(sum, PW_ATTR_BUDGET);
				CHECK_EQ(h->team_id, team->id);
				CHECK_EQ(h->id, t * PW_ROSTER_SIZE + k + 1);
				CHECK(h->n_moves >= 1 && h->n_moves <= 2);
				CHECK(h->backstory[0] != '\0');
				starters += h->is_starter;
				pw_archetype_t a = h->archetype;
				scorer |= a == PW_ARCH_SHARPSHOOTER || a == PW_ARCH_SLASHER || a == PW_ARCH_CLOSER;
				defender |= a == PW_ARCH_LOCKDOWN || a == PW_ARCH_IRON_HORSE;
				playmaker |= a == PW_ARCH_FLOOR_GENERAL || a == PW_ARCH_SAVANT;
			}
			CHECK_EQ(starters, PW_ON_FLOOR);
			CHECK(scorer && defender && playmaker);
		}
	}
}

TEST(league_names_unique)
{
	static pw_league_t l;
	CHECK_EQ(teams_generate(&l, 99, 16), 0);
	for (int i = 0; i < 16; i++)
		for (int j = i + 1; j < 16; j++)
			CHECK(strcmp(l.teams[i].name, l.teams[j].name) != 0);
	for (int i = 0; i < 64; i++)
		for (int j = i + 1; j < 64; j++) {
			const pw_hooper_t *a = &l.teams[i / 4].hoopers[i % 4];
			const pw_hooper_t *b = &l.teams[j / 4].hoopers[j % 4];
			CHECK(strcmp(a->name, b->name) != 0);
			CHECK_MSG(strcmp(strchr(a->name, ' '), strchr(b->name, ' ')) != 0,
				  "%s and %s share a surname", a->name, b->name);
		}
}

TEST(league_team_lookup_and_travel)
{
	static pw_league_t l;
	teams_generate(&l, 3, 8);
	const pw_team_t *t = &l.teams[2];
	CHECK(teams_team(&l, t->id) == t);
	CHECK(teams_team(&l, 99) == NULL);
	CHECK(teams_team_lookup(&l, "3") == t);
	CHECK(teams_team_lookup(&l, t->name) == t);
	const char *mascot = strrchr(t->name, ' ') + 1;
	CHECK(teams_team_lookup(&l, mascot) == t);
	/* Two-word cities: the nickname and the city both find the team. */
	static pw_league_t big;
	teams_generate(&big, 1, 16);
	int two_word = 0;
	for (int i = 0; i < big.n_teams; i++) {
		const pw_team_t *u = &big.teams[i];
		const char *last = strrchr(u->name, ' ');
		if (last == strchr(u->name, ' '))
			continue;
		two_word++;
		CHECK_MSG(teams_team_lookup(&big, last + 1) == u, "nickname of %s", u->name);
		char city[PW_NAME_MAX];
		snprintf(city, sizeof city, "%.*s", (int)(last - u->name), u->name);
		CHECK_MSG(teams_team_lookup(&big, city) == u, "city of %s", u->name);
	}
	CHECK(two_word > 0);
	CHECK(teams_team_lookup(&l, "no such team") == NULL);
	pw_venue_t boston = {.lat = 42.36, .lon = -71.06}, denver = {.lat = 39.74, .lon = -104.99};
	CHECK_NEAR(teams_travel_miles(&boston, &denver), 1770, 30);
	CHECK_NEAR(teams_travel_miles(&boston, &boston), 0, 1e-9);
}

TEST(moves_table_and_gates)
{
	CHECK_EQ(moves_find("heat check"), PW_MOVE_HEAT_CHECK);
	CHECK_EQ(moves_find("Court Vision"), PW_MOVE_COURT_VISION);
	CHECK_EQ(moves_find("windmill"), -1);
	const pw_move_def_t *cv = moves_def(PW_MOVE_COURT_VISION);
	int attr[PW_ATTR_COUNT] = {0};
	attr[PW_ATTR_IQ] = 80;
	attr[PW_ATTR_PASSING] = 59;
	CHECK(!moves_gate_open(cv, attr));
	attr[PW_ATTR_PASSING] = 60;
	CHECK(moves_gate_open(cv, attr));
	CHECK(moves_def(PW_MOVE_COUNT) == NULL);
}
