/*
 * season.c — league setup, season creation, standings, bracket, archive.
 */
#include "core/league/season.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sim/rng.h"
#include "core/league/roster.h"
#include "core/league/round.h"

uint64_t season_game_seed(uint64_t league_seed, int number, int round, int index)
{
	uint64_t st = league_seed ^ 0x9e3779b97f4a7c15ull;
	uint64_t a = rng_mix64(&st);
	st = a ^ ((uint64_t)(unsigned)number << 40) ^ ((uint64_t)(unsigned)round << 16) ^ (uint64_t)(unsigned)index;
	return rng_mix64(&st);
}

int season_setup_league(pw_store_t *s, const char *name, uint64_t league_seed, int n_teams,
			int64_t *league_id, pw_err_t *e)
{
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	uint64_t seed;
	int64_t id = store_league_first(s, &seed);
	if (id > 0) {
		store_rollback(s);
		*league_id = id;
		return 0;
	}
	pw_league_t *lg = malloc(sizeof *lg);
	if (!lg || teams_generate(lg, league_seed, n_teams) < 0) {
		free(lg);
		store_rollback(s);
		return err_set(e, PW_E_INVALID, "cannot generate a league of %d teams", n_teams);
	}
	id = store_league_insert(s, name, league_seed);
	int rc = id > 0 ? 0 : -1;
	for (int i = 0; rc == 0 && i < lg->n_teams; i++) {
		cJSON *t = roster_team_to_json(&lg->teams[i]);
		rc = t ? store_team_insert(s, id, t) : -1;
		cJSON_Delete(t);
	}
	free(lg);
	if (rc < 0 || store_commit(s) < 0) {
		char keep[256];
		snprintf(keep, sizeof keep, "%s", store_errmsg(s));
		store_rollback(s);
		return err_set(e, PW_E_INTERNAL, "storing the league failed: %s", keep);
	}
	*league_id = id;
	return 0;
}

int season_current(pw_store_t *s, pw_season_row_t *out)
{
	int64_t lid = store_league_first(s, NULL);
	if (lid <= 0)
		return lid < 0 ? -1 : 0;
	return store_season_current(s, lid, out);
}

static int64_t league_of(pw_store_t *s, int64_t season_id)
{
	pw_season_row_t r;
	return store_season_get(s, season_id, &r) == 1 ? r.league_id : 0;
}

/* Most teams a season's arrays hold: the rules allow 16; older or edited
 * databases get room to spare rather than a silent cut. */
#define SEASON_MAX_TEAMS 64

cJSON *season_teams_json(pw_store_t *s, int64_t sid)
{
	int64_t lid = league_of(s, sid);
	cJSON *all = lid > 0 ? store_teams_json(s, lid) : NULL;
	int64_t ids[SEASON_MAX_TEAMS];
	int n = all ? store_season_team_ids(s, sid, ids, SEASON_MAX_TEAMS) : -1;
	if (n < 0) {
		cJSON_Delete(all);
		return NULL;
	}
	if (n == 0)
		return all; /* a season without a schedule: every team of the league */
	cJSON *t = all->child;
	while (t) {
		cJSON *next = t->next;
		int64_t id = (int64_t)cJSON_GetObjectItem(t, "id")->valuedouble;
		bool plays = false;
		for (int i = 0; i < n && !plays; i++)
			plays = ids[i] == id;
		if (!plays)
			cJSON_Delete(cJSON_DetachItemViaPointer(all, t));
		t = next;
	}
	return all;
}

static cJSON *teams_of(pw_store_t *s, int64_t season_id)
{
	return season_teams_json(s, season_id);
}

static const char *team_name(const cJSON *teams, int64_t id)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
		if ((int64_t)cJSON_GetObjectItem(t, "id")->valuedouble == id)
			return cJSON_GetObjectItem(t, "name")->valuestring;
	return "?";
}

/* ---- phases ---- */

int season_phase_in_tx(pw_gov_t *g, int64_t sid, const char *from, const char *to, int round,
		       int64_t now, cJSON *extra, cJSON *published)
{
	cJSON *pl = extra ? extra : cJSON_CreateObject();
	cJSON_AddStringToObject(pl, "from", from);
	cJSON_AddStringToObject(pl, "to", to);
	cJSON_AddNumberToObject(pl, "round", round);
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)sid);
	int rc = gov_append_in_tx(g, PW_EV_SEASON_PHASE_CHANGED, id, 0, 0, round, pl);
	if (rc == 0)
		rc = store_season_set_phase(gov_store(g), sid, to, now);
	if (rc == 0 && published) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "type", event_name(PW_EV_SEASON_PHASE_CHANGED));
		cJSON_AddItemToObject(p, "data", cJSON_Duplicate(pl, 1));
		cJSON_AddItemToArray(published, p);
	}
	cJSON_Delete(pl);
	return rc;
}

int season_complete_in_tx(pw_gov_t *g, int64_t sid, int round, int64_t now, cJSON *published,
			  pw_err_t *e)
{
	pw_store_t *s = gov_store(g);
	if (season_phase_in_tx(g, sid, "offseason", "complete", round, now, NULL, published) < 0)
		return err_set(e, PW_E_INTERNAL, "completing the season failed: %s", store_errmsg(s));
	cJSON *arch = season_archive_build(g, sid);
	char *txt = arch ? cJSON_PrintUnformatted(arch) : NULL;
	cJSON_Delete(arch);
	int rc = 0;
	if (!txt)
		rc = err_set(e, PW_E_INTERNAL, "building the season's archive failed (its games or teams "
			     "could not be read)");
	else if (store_archive_insert(s, sid, txt) < 0)
		rc = err_set(e, PW_E_INTERNAL, "storing the season's archive failed: %s", store_errmsg(s));
	free(txt);
	return rc;
}

/* ---- the teams a season is played by ---- */

/* The last word of a team's name: its mascot ("Reno Mirage" → "Mirage"). */
static const char *mascot_of(const char *name)
{
	const char *sp = strrchr(name, ' ');
	return sp ? sp + 1 : name;
}

/* Whether a generated team would be confused with one of the league's:
 * the same city (its venue's coordinates), the same mascot, or a hooper
 * of the same name. */
static bool clashes(const pw_team_t *t, const cJSON *teams)
{
	const cJSON *x, *h;
	cJSON_ArrayForEach(x, teams) {
		const cJSON *v = cJSON_GetObjectItem(x, "venue");
		if (cJSON_GetObjectItem(v, "lat")->valuedouble == t->venue.lat &&
		    cJSON_GetObjectItem(v, "lon")->valuedouble == t->venue.lon)
			return true;
		if (!strcmp(mascot_of(cJSON_GetObjectItem(x, "name")->valuestring), mascot_of(t->name)))
			return true;
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(x, "hoopers"))
			for (int k = 0; k < PW_ROSTER_SIZE; k++)
				if (!strcmp(cJSON_GetObjectItem(h, "name")->valuestring, t->hoopers[k].name))
					return true;
	}
	return false;
}

/* Highest team and hooper ids of the league so far. */
static void max_ids(const cJSON *teams, int64_t *team, int64_t *hooper)
{
	*team = *hooper = 0;
	const cJSON *x, *h;
	cJSON_ArrayForEach(x, teams) {
		int64_t id = (int64_t)cJSON_GetObjectItem(x, "id")->valuedouble;
		*team = id > *team ? id : *team;
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(x, "hoopers")) {
			int64_t hid = (int64_t)cJSON_GetObjectItem(h, "id")->valuedouble;
			*hooper = hid > *hooper ? hid : *hooper;
		}
	}
}

/*
 * Grows the league to `want` teams (it never shrinks: teams beyond a
 * season's count sit out and keep their history). New teams come from
 * generated leagues of derived seeds, taken in order and skipped when they
 * clash with a team already there, so the same league grows the same way
 * every time; they get the next free team and hooper ids.
 */
static int league_grow(pw_store_t *s, int64_t lid, uint64_t lseed, int want, pw_err_t *e)
{
	cJSON *teams = store_teams_json(s, lid);
	if (!teams)
		return err_set(e, PW_E_INTERNAL, "reading the league's teams failed: %s", store_errmsg(s));
	int have = cJSON_GetArraySize(teams);
	if (have >= want) {
		cJSON_Delete(teams);
		return 0;
	}
	int64_t max_team, max_hooper;
	max_ids(teams, &max_team, &max_hooper);
	pw_league_t *cand = malloc(sizeof *cand);
	int rc = cand ? 0 : err_set(e, PW_E_INTERNAL, "out of memory");
	for (int attempt = 0; rc == 0 && have < want && attempt < 64; attempt++) {
		uint64_t st = lseed ^ 0x657870616e64ull; /* "expand" */
		st += (uint64_t)attempt * 0x9e3779b97f4a7c15ull;
		if (teams_generate(cand, rng_mix64(&st), PW_MAX_TEAMS) < 0)
			continue;
		for (int i = 0; rc == 0 && have < want && i < cand->n_teams; i++) {
			pw_team_t *t = &cand->teams[i];
			if (clashes(t, teams))
				continue;
			t->id = (int)++max_team;
			for (int k = 0; k < PW_ROSTER_SIZE; k++) {
				t->hoopers[k].id = (int)++max_hooper;
				t->hoopers[k].team_id = t->id;
			}
			cJSON *tj = roster_team_to_json(t);
			if (!tj || store_team_insert(s, lid, tj) < 0) {
				cJSON_Delete(tj);
				rc = err_set(e, PW_E_INTERNAL, "adding team %s failed: %s", t->name, store_errmsg(s));
				break;
			}
			cJSON_AddItemToArray(teams, tj); /* later candidates must not clash with it */
			have++;
		}
	}
	free(cand);
	cJSON_Delete(teams);
	if (rc == 0 && have < want)
		rc = err_set(e, PW_E_INTERNAL, "could not generate %d distinct teams", want);
	return rc;
}

/* The ids of the first n teams of the league (the season's teams). */
static int first_teams(pw_store_t *s, int64_t lid, int n, int64_t *ids, pw_err_t *e)
{
	cJSON *teams = store_teams_json(s, lid);
	if (!teams)
		return err_set(e, PW_E_INTERNAL, "reading the league's teams failed: %s", store_errmsg(s));
	int k = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
		if (k < n)
			ids[k++] = (int64_t)cJSON_GetObjectItem(t, "id")->valuedouble;
	cJSON_Delete(teams);
	if (k < n)
		return err_set(e, PW_E_INTERNAL, "the league has %d teams, not %d", k, n);
	return 0;
}

static bool id_in(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* ---- the end of a season ---- */

/*
 * Nothing of the ending season sid stays open (spec "Season boundaries"):
 * its open proposals are tallied — their tokens were spent and are never
 * lost without a tally — and its drafts, which cost nothing until
 * confirmed, are cancelled. Runs inside season_create's transaction while
 * sid is still the current season, so the tally is sid's.
 */
static int close_governance(pw_gov_t *g, int64_t sid, int round, pw_err_t *e)
{
	const pw_gstate_t *gs = gov_state(g);
	bool open = false;
	for (int i = 0; i < gs->n_props && !open; i++)
		open = gs->props[i].season_id == sid && gs->props[i].status == PW_PROP_OPEN;
	/* The final tally: however recently confirmed, and the season's trades end. */
	int rc = open ? gov_tally_final_in_tx(g, round, NULL, e) : 0;
	gs = gov_state(g);
	for (int i = 0; rc == 0 && i < gs->n_props; i++) {
		const pw_proposal_t *p = &gs->props[i];
		if (p->season_id != sid || p->status != PW_PROP_DRAFT)
			continue;
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)p->id);
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddNumberToObject(pl, "proposal_id", (double)p->id);
		rc = gov_append_in_tx(g, PW_EV_PROPOSAL_CANCELLED, id, p->governor_id, p->team_id, round, pl);
		cJSON_Delete(pl);
		if (rc < 0)
			err_set(e, PW_E_INTERNAL, "cancelling draft %s failed: %s", id, store_errmsg(gov_store(g)));
		gs = gov_state(g);
	}
	return rc;
}

/*
 * Refuses a new season while the current one has games to play or a round
 * of it is being played; completes (and archives) one whose games are done
 * but whose championship window or offseason is still running.
 */
static int end_season(pw_gov_t *g, const pw_season_row_t *cur, int64_t now, pw_err_t *e)
{
	pw_store_t *s = gov_store(g);
	bool done = !strcmp(cur->phase, "complete");
	bool games_done = done || !strcmp(cur->phase, "championship") || !strcmp(cur->phase, "offseason");
	if (!games_done)
		return err_set(e, PW_E_CONFLICT, "season %d is still %s; a new season can start once its "
			       "games are done (in its championship window, offseason or when complete)",
			       cur->number, cur->phase);
	/* A tick that has begun finishes first: its progress is read inside
	 * this transaction. (The tick lock says nothing here: a server holds
	 * it between ticks. A tick that took it and has not begun yet checks
	 * the season again inside its first stage's transaction.) */
	int stage = 0;
	char *snap = NULL;
	int got = store_progress_get(s, cur->id, cur->current_round + 1, &stage, &snap);
	free(snap);
	if (got < 0)
		return err_set(e, PW_E_INTERNAL, "reading the round in progress failed: %s", store_errmsg(s));
	if (got == 1)
		return err_set(e, PW_E_CONFLICT, "a tick of season %d is being played; try again when it ends",
			       cur->number);
	int rc = close_governance(g, cur->id, cur->current_round, e);
	if (rc == 0 && !strcmp(cur->phase, "championship") &&
	    season_phase_in_tx(g, cur->id, "championship", "offseason", cur->current_round, now, NULL,
			       NULL) < 0)
		rc = err_set(e, PW_E_INTERNAL, "ending the championship failed: %s", store_errmsg(s));
	if (rc == 0 && !done)
		rc = season_complete_in_tx(g, cur->id, cur->current_round, now, NULL, e);
	return rc;
}

/* A private report at round 0 of the new season for each governor of the
 * old one whose team sits it out: they are not enrolled, and are told. */
static int tell_benched(pw_gov_t *g, int64_t sid, int number, int n_teams, const int64_t *gids,
			const int64_t *teams, int n, pw_err_t *e)
{
	pw_store_t *s = gov_store(g);
	cJSON *all = n ? store_teams_json(s, store_league_first(s, NULL)) : NULL;
	int rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		const char *name = "Your team";
		const cJSON *t;
		cJSON_ArrayForEach(t, all)
			if ((int64_t)cJSON_GetObjectItem(t, "id")->valuedouble == teams[i])
				name = cJSON_GetObjectItem(t, "name")->valuestring;
		char text[512];
		snprintf(text, sizeof text,
			 "%s does not play in Season %d: the league plays it with %d teams (teams_count), "
			 "and the teams with the highest ids sit out. The team keeps its history and "
			 "returns first when the league grows. You are not enrolled this season; "
			 "governors of the teams that play can propose and vote, and you may join one.",
			 name, number, n_teams);
		if (store_report_insert(s, sid, 0, "private", gids[i], 0, text) < 0)
			rc = err_set(e, PW_E_INTERNAL, "telling governor %lld failed: %s", (long long)gids[i],
				     store_errmsg(s));
	}
	cJSON_Delete(all);
	return rc;
}

int season_create(pw_gov_t *g, const char *name, bool carry_rules, const pw_rules_t *rules,
		  uint64_t seed, int64_t *season_id, pw_err_t *e)
{
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	uint64_t lseed;
	int64_t lid = store_league_first(s, &lseed);
	pw_season_row_t cur;
	int have = lid > 0 ? store_season_current(s, lid, &cur) : 0;
	int64_t now = (int64_t)time(NULL);
	int rc = 0;
	if (lid <= 0)
		rc = err_set(e, PW_E_CONFLICT, "there is no league yet");
	else if (have < 0)
		rc = err_set(e, PW_E_INTERNAL, "reading the current season failed: %s", store_errmsg(s));
	else if (have == 1)
		rc = end_season(g, &cur, now, e);
	if (rc < 0) {
		store_rollback(s);
		gov_reset(g);
		return rc;
	}
	const pw_gstate_t *gs = gov_state(g);
	pw_rules_t start;
	if (rules)
		start = *rules;
	else if (carry_rules && have == 1)
		start = gs->rules;
	else
		rules_default(&start);
	/* The first season is played by the league as it was set up. */
	if (!rules && have == 0) {
		cJSON *all = store_teams_json(s, lid);
		int n = cJSON_GetArraySize(all);
		cJSON_Delete(all);
		const pw_rule_def_t *d = rules_find("teams_count");
		if (n >= d->min && n <= d->max)
			start.teams_count = n;
	}
	/* The teams that play: the league's first teams_count, grown if short. */
	int n_teams = start.teams_count;
	int64_t ids[PW_MAX_TEAMS];
	rc = n_teams >= 2 && n_teams <= PW_MAX_TEAMS ? 0
		: err_set(e, PW_E_INVALID, "teams_count must be 2 to %d, got %d", PW_MAX_TEAMS, n_teams);
	if (rc == 0)
		rc = league_grow(s, lid, lseed, n_teams, e);
	if (rc == 0)
		rc = first_teams(s, lid, n_teams, ids, e);
	int number = have == 1 ? cur.number + 1 : 1;
	char nm[64];
	snprintf(nm, sizeof nm, "%s", name && *name ? name : "");
	if (!nm[0])
		snprintf(nm, sizeof nm, "Season %d", number);
	cJSON *rj = rules_to_json(&start);
	char *rtext = cJSON_PrintUnformatted(rj);
	uint64_t sseed = seed ? seed : season_game_seed(lseed, number, 0, 0);
	int64_t sid = rc == 0 && rtext ? store_season_insert(s, lid, number, nm, sseed, rtext, now) : -1;
	free(rtext);
	if (rc == 0 && sid <= 0)
		rc = err_set(e, PW_E_INTERNAL, "creating the season failed: %s", store_errmsg(s));
	/* Which governors carry over: those enrolled in the previous season
	 * whose team plays this one; the others are told (tell_benched). */
	int ncarry = 0, nbench = 0;
	int64_t *carry = calloc((size_t)gs->n_govs + 1, sizeof *carry);
	int64_t *carry_team = calloc((size_t)gs->n_govs + 1, sizeof *carry_team);
	char (*carry_name)[64] = calloc((size_t)gs->n_govs + 1, sizeof *carry_name);
	int64_t *bench = calloc((size_t)gs->n_govs + 1, sizeof *bench);
	int64_t *bench_team = calloc((size_t)gs->n_govs + 1, sizeof *bench_team);
	if (rc == 0 && !(carry && carry_team && carry_name && bench && bench_team))
		rc = err_set(e, PW_E_INTERNAL, "out of memory");
	for (int i = 0; rc == 0 && have == 1 && i < gs->n_govs; i++) {
		const pw_governor_t *gv = &gs->govs[i];
		if (gv->season_id != cur.id)
			continue;
		if (!id_in(ids, n_teams, gv->team_id)) {
			bench[nbench] = gv->id;
			bench_team[nbench++] = gv->team_id;
			continue;
		}
		carry[ncarry] = gv->id;
		carry_team[ncarry] = gv->team_id;
		snprintf(carry_name[ncarry], 64, "%s", gv->name);
		ncarry++;
	}
	/* Effects that do not carry end before the new season starts. */
	if (!carry_rules && have == 1) {
		for (int i = 0; rc == 0 && i < gs->n_effects; i++) {
			if (gs->effects[i].status != PW_FX_ACTIVE)
				continue;
			cJSON *pl = cJSON_CreateObject();
			cJSON_AddStringToObject(pl, "effect_id", gs->effects[i].id);
			cJSON_AddStringToObject(pl, "reason", "new season without carry_rules");
			char fid[64];
			snprintf(fid, sizeof fid, "%s", gs->effects[i].id);
			rc = gov_append_in_tx(g, PW_EV_EFFECT_EXPIRED, fid, 0, 0, cur.current_round, pl);
			cJSON_Delete(pl);
			gs = gov_state(g);
		}
	}
	char sidtxt[32];
	snprintf(sidtxt, sizeof sidtxt, "%lld", (long long)sid);
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "season_id", (double)sid);
	cJSON_AddNumberToObject(pl, "number", number);
	cJSON_AddStringToObject(pl, "name", nm);
	cJSON_AddBoolToObject(pl, "carry_rules", carry_rules);
	cJSON_AddItemToObject(pl, "rules", rj);
	cJSON *tids = cJSON_AddArrayToObject(pl, "team_ids");
	for (int i = 0; rc == 0 && i < n_teams; i++)
		cJSON_AddItemToArray(tids, cJSON_CreateNumber((double)ids[i]));
	if (rc == 0 && store_event_append(s, PW_EV_SEASON_CREATED, sidtxt, sid, 0, 0, 0, pl) < 0)
		rc = err_set(e, PW_E_INTERNAL, "recording the season failed: %s", store_errmsg(s));
	cJSON_Delete(pl);
	if (rc == 0 && gov_sync(g) < 0)
		rc = err_set(e, PW_E_INTERNAL, "reading the event log failed");
	for (int i = 0; rc == 0 && i < ncarry; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", carry_name[i]);
		cJSON_AddNumberToObject(j, "team_id", (double)carry_team[i]);
		cJSON_AddBoolToObject(j, "carried", true);
		cJSON *t = cJSON_AddObjectToObject(j, "tokens");
		cJSON_AddNumberToObject(t, "propose", PW_TOKEN_START);
		cJSON_AddNumberToObject(t, "amend", PW_TOKEN_START);
		cJSON_AddNumberToObject(t, "boost", PW_TOKEN_START);
		char gtxt[32];
		snprintf(gtxt, sizeof gtxt, "%lld", (long long)carry[i]);
		rc = gov_append_in_tx(g, PW_EV_GOVERNOR_JOINED, gtxt, carry[i], carry_team[i], 0, j);
		cJSON_Delete(j);
	}
	if (rc == 0)
		rc = tell_benched(g, sid, number, n_teams, bench, bench_team, nbench, e);
	free(carry);
	free(carry_team);
	free(carry_name);
	free(bench);
	free(bench_team);
	/* The regular season's schedule. */
	pw_fixture_t *fx = NULL;
	int nf = rc == 0 ? schedule_round_robin(ids, n_teams, start.round_robins_per_season, &fx) : 0;
	if (nf < 0)
		rc = err_set(e, PW_E_INTERNAL, "scheduling %d teams failed", n_teams);
	for (int i = 0; rc == 0 && i < nf; i++) {
		pw_schedule_row_t r = {.round = fx[i].round, .game_index = fx[i].index,
				    .home_team_id = fx[i].home, .away_team_id = fx[i].away};
		snprintf(r.stage, sizeof r.stage, "regular");
		if (store_schedule_insert(s, sid, &r) < 0)
			rc = err_set(e, PW_E_INTERNAL, "storing the schedule failed: %s", store_errmsg(s));
	}
	free(fx);
	if (rc == 0 && store_commit(s) < 0)
		rc = err_set(e, PW_E_INTERNAL, "creating the season failed: %s", store_errmsg(s));
	if (rc < 0) {
		/* A message set above is kept; a bare failure gets the store's. */
		if (!e || e->code != rc || !e->msg[0])
			rc = err_set(e, PW_E_INTERNAL, "creating the season failed: %s", store_errmsg(s));
		store_rollback(s);
		gov_reset(g);
		return rc;
	}
	gov_sync(g);
	if (season_id)
		*season_id = sid;
	return 0;
}

/* The regular-season games among rows (in the order played) as standings
 * input; with before_round > 0 only those of earlier rounds. Room is left
 * for `spare` more; *n set; caller frees (NULL on OOM). */
static pw_stand_game_t *regular_of(const pw_game_row_t *g, int ng, int before_round, int spare, int *n)
{
	pw_stand_game_t *out = calloc((size_t)ng + (size_t)spare + 1, sizeof *out);
	int k = 0;
	for (int i = 0; out && i < ng; i++) {
		if (strcmp(g[i].stage, "regular") || (before_round > 0 && g[i].round >= before_round))
			continue;
		out[k++] = (pw_stand_game_t){g[i].home_team_id, g[i].away_team_id, g[i].home_score,
					     g[i].away_score};
	}
	*n = k;
	return out;
}

/* regular_of over the season's stored games. */
static pw_stand_game_t *regular_games_before(pw_store_t *s, int64_t sid, int before_round,
					     int spare, int *n)
{
	int ng = 0;
	pw_game_row_t *g = store_games(s, sid, 0, &ng);
	pw_stand_game_t *out = regular_of(g, g ? ng : 0, before_round, spare, n);
	free(g);
	return out;
}

cJSON *season_standings_at(pw_store_t *s, int64_t sid, int before_round,
			   const pw_stand_game_t *extra, int n_extra)
{
	int ng;
	pw_stand_game_t *g = regular_games_before(s, sid, before_round, n_extra, &ng);
	pw_team_name_t tn[SEASON_MAX_TEAMS];
	int n = g ? store_season_team_names(s, sid, false, tn, SEASON_MAX_TEAMS) : -1;
	if (n < 0) {
		free(g);
		return NULL;
	}
	for (int i = 0; i < n_extra; i++)
		g[ng++] = extra[i];
	int64_t ids[SEASON_MAX_TEAMS];
	const char *names[SEASON_MAX_TEAMS];
	for (int i = 0; i < n; i++)
		ids[i] = tn[i].id;
	pw_standing_t st[SEASON_MAX_TEAMS];
	stand_compute(ids, n, g, ng, st);
	int64_t sorted[SEASON_MAX_TEAMS];
	for (int i = 0; i < n; i++) {
		sorted[i] = st[i].team_id;
		names[i] = "?";
		for (int k = 0; k < n; k++)
			if (tn[k].id == st[i].team_id)
				names[i] = tn[k].name;
	}
	cJSON *o = stand_to_json(st, n, sorted, names);
	free(g);
	return o;
}

int season_standings_of(pw_store_t *s, int64_t sid, const pw_game_row_t *games, int n_games,
			pw_standing_t *out, int max)
{
	pw_team_name_t tn[SEASON_MAX_TEAMS];
	int n = store_season_team_names(s, sid, false, tn, SEASON_MAX_TEAMS);
	int64_t ids[SEASON_MAX_TEAMS];
	if (n < 0)
		n = 0; /* as before: an unreadable list is a table of no teams */
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++)
		ids[i] = tn[i].id;
	int ng;
	pw_stand_game_t *g = regular_of(games, n_games, 0, 0, &ng);
	if (!g)
		return -1;
	stand_compute(ids, n, g, ng, out);
	free(g);
	return n;
}

int season_standings(pw_store_t *s, int64_t sid, pw_standing_t *out, int max)
{
	int ng = 0;
	pw_game_row_t *games = store_games(s, sid, 0, &ng);
	if (!games)
		return -1;
	int n = season_standings_of(s, sid, games, ng, out, max);
	free(games);
	return n;
}

/* ---- the playoff bracket ---- */

static const char *const stage_names[] = {"quarterfinal", "semifinal", "final"};

static cJSON *format_to_json(const pw_bracket_format_t *f)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "playoff_teams", f->playoff_teams);
	cJSON_AddNumberToObject(o, "bracket_teams", f->bracket_teams);
	cJSON_AddNumberToObject(o, "semis_best_of", f->semis_best_of);
	cJSON_AddNumberToObject(o, "finals_best_of", f->finals_best_of);
	cJSON *sd = cJSON_AddArrayToObject(o, "seeds");
	for (int i = 0; i < f->bracket_teams; i++)
		cJSON_AddItemToArray(sd, cJSON_CreateNumber((double)f->seeds[i]));
	cJSON_AddNumberToObject(o, "round", f->round);
	cJSON_AddStringToObject(o, "source", f->source);
	return o;
}

static int jint(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valueint : 0;
}

/* A stored draw back into f; -1 when it does not describe a bracket. */
static int format_from_json(const cJSON *o, pw_bracket_format_t *f)
{
	memset(f, 0, sizeof *f);
	f->playoff_teams = jint(o, "playoff_teams");
	f->bracket_teams = jint(o, "bracket_teams");
	f->semis_best_of = jint(o, "semis_best_of");
	f->finals_best_of = jint(o, "finals_best_of");
	f->round = jint(o, "round");
	const cJSON *src = cJSON_GetObjectItem(o, "source");
	snprintf(f->source, sizeof f->source, "%s", cJSON_IsString(src) ? src->valuestring : "draw");
	const cJSON *sd = cJSON_GetObjectItem(o, "seeds"), *x;
	int n = 0;
	cJSON_ArrayForEach(x, sd)
		if (n < 8 && cJSON_IsNumber(x))
			f->seeds[n++] = (int64_t)x->valuedouble;
	bool size_ok = f->bracket_teams == 2 || f->bracket_teams == 4 || f->bracket_teams == 8;
	return size_ok && n == f->bracket_teams && f->semis_best_of > 0 && f->finals_best_of > 0 ? 0 : -1;
}

/* The format rules give a season's final standings: its size, lengths and
 * seeds. -1 when the standings cannot be read or are too short. */
static int format_from_rules(pw_store_t *s, int64_t sid, const pw_rules_t *r, pw_bracket_format_t *f)
{
	memset(f, 0, sizeof *f);
	pw_standing_t st[SEASON_MAX_TEAMS];
	int n = season_standings(s, sid, st, SEASON_MAX_TEAMS);
	if (n < 2)
		return -1;
	f->playoff_teams = r->playoff_teams;
	f->bracket_teams = schedule_bracket_size(r->playoff_teams, n);
	f->semis_best_of = r->playoff_semis_best_of;
	f->finals_best_of = r->playoff_finals_best_of;
	for (int i = 0; i < f->bracket_teams; i++)
		f->seeds[i] = st[i].team_id;
	int max_regular = store_schedule_max_round(s, sid, "regular");
	f->round = max_regular > 0 ? max_regular : 0;
	snprintf(f->source, sizeof f->source, "draw");
	return 0;
}

/* The season's playoff games in the order played (series and winner);
 * *n set; NULL on error. Caller frees. */
static pw_playoff_game_t *playoff_games(pw_store_t *s, int64_t sid, int *n)
{
	int ng = 0;
	pw_game_row_t *g = store_games(s, sid, 0, &ng);
	pw_playoff_game_t *pg = calloc((size_t)ng + 1, sizeof *pg);
	int k = 0;
	for (int i = 0; pg && i < ng; i++)
		if (!strcmp(g[i].stage, "playoff")) {
			snprintf(pg[k].series, sizeof pg[k].series, "%s", g[i].series);
			pg[k].winner = g[i].winner_team_id;
			k++;
		}
	free(g);
	*n = k;
	return pg;
}

static int bracket_of(pw_bracket_t *b, const pw_bracket_format_t *f, const pw_playoff_game_t *pg, int n)
{
	return schedule_bracket(b, f->seeds, f->bracket_teams, f->bracket_teams, f->semis_best_of,
				f->finals_best_of, pg, n);
}

/* The rules a season started with (its season.created event), over the
 * defaults. */
static void start_rules(pw_store_t *s, int64_t sid, pw_rules_t *r)
{
	rules_default(r);
	char *txt = NULL, msg[160];
	if (store_event_latest(s, PW_EV_SEASON_CREATED, sid, &txt) == 1) {
		cJSON *pl = cJSON_Parse(txt);
		rules_from_json(r, cJSON_GetObjectItem(pl, "rules"), msg, sizeof msg);
		cJSON_Delete(pl);
	}
	free(txt);
}

/*
 * A season of an older database, drawn before formats were stored: its
 * bracket is derived from the rules its playoff games were played under
 * (the first game's snapshot that fits every game played, then the
 * season's starting rules), so a past season reads as it was played.
 */
static int legacy_format(pw_store_t *s, int64_t sid, pw_bracket_format_t *f)
{
	int n = 0;
	pw_playoff_game_t *pg = playoff_games(s, sid, &n);
	int ng = 0;
	pw_game_row_t *g = pg ? store_games(s, sid, 0, &ng) : NULL;
	int rc = -1;
	pw_bracket_format_t first;
	bool have_first = false;
	for (int i = 0; pg && i <= ng && rc < 0; i++) {
		pw_rules_t r;
		if (i < ng) {
			if (strcmp(g[i].stage, "playoff"))
				continue;
			char *rt = NULL, msg[160];
			store_game_snapshots(s, g[i].id, &rt, NULL, NULL, NULL, NULL);
			cJSON *rj = rt ? cJSON_Parse(rt) : NULL;
			free(rt);
			rules_default(&r);
			int bad = rules_from_json(&r, rj, msg, sizeof msg);
			cJSON_Delete(rj);
			if (bad < 0)
				continue;
		} else {
			start_rules(s, sid, &r);
		}
		pw_bracket_format_t cand;
		if (format_from_rules(s, sid, &r, &cand) < 0)
			break;
		if (!have_first) {
			first = cand;
			have_first = true;
		}
		pw_bracket_t b;
		if (bracket_of(&b, &cand, pg, n) == 0) {
			*f = cand;
			rc = 0;
		}
	}
	if (rc < 0 && have_first) {
		*f = first; /* reading its games will say what does not fit */
		rc = 0;
	}
	if (rc == 0)
		snprintf(f->source, sizeof f->source, "legacy");
	free(pg);
	free(g);
	return rc;
}

int season_bracket_format(pw_store_t *s, int64_t sid, pw_bracket_format_t *f, pw_err_t *e)
{
	memset(f, 0, sizeof *f);
	char *txt = NULL;
	int got = store_event_latest(s, PW_EV_SEASON_BRACKET_DRAWN, sid, &txt);
	if (got < 0)
		return err_set(e, PW_E_INTERNAL, "reading the playoff bracket of season %lld failed: %s",
			       (long long)sid, store_errmsg(s));
	if (got == 1) {
		cJSON *o = cJSON_Parse(txt);
		free(txt);
		int rc = o && format_from_json(o, f) == 0 ? 1 : -1;
		cJSON_Delete(o);
		if (rc < 0)
			return err_set(e, PW_E_INTERNAL, "the drawn playoff bracket of season %lld is unreadable",
				       (long long)sid);
		return rc;
	}
	/* Not stored: not drawn yet, or drawn before formats were stored. */
	pw_season_row_t r;
	int have = store_season_get(s, sid, &r);
	int po = have == 1 ? store_schedule_max_round(s, sid, "playoff") : 0;
	if (have < 0 || po < 0)
		return err_set(e, PW_E_INTERNAL, "reading season %lld failed: %s", (long long)sid,
			       store_errmsg(s));
	if (have == 0)
		return 0;
	bool past_regular = po > 0 || !strcmp(r.phase, "playoffs") || !strcmp(r.phase, "championship") ||
			    !strcmp(r.phase, "offseason") || !strcmp(r.phase, "complete");
	if (!past_regular)
		return 0;
	return legacy_format(s, sid, f) == 0 ? 2 : 0;
}

int season_bracket_draw_in_tx(pw_gov_t *g, int64_t sid, int round, const pw_rules_t *rules, pw_err_t *e)
{
	pw_store_t *s = gov_store(g);
	if (gov_state(g)->season.id != sid)
		return err_set(e, PW_E_INTERNAL, "only the current season's bracket can be drawn");
	pw_bracket_format_t f;
	int have = season_bracket_format(s, sid, &f, e);
	if (have < 0)
		return have;
	if (have == 1)
		return 0; /* drawn once, never again */
	/* A legacy season with no playoff game yet was drawn by the old runner
	 * at its first playoff tick, from the rules then in force: these. */
	int po = have == 2 ? store_schedule_max_round(s, sid, "playoff") : 0;
	if (po < 0)
		return err_set(e, PW_E_INTERNAL, "reading the playoff schedule failed: %s", store_errmsg(s));
	bool from_rules = have == 0 || po == 0;
	if (from_rules && format_from_rules(s, sid, rules, &f) < 0)
		return err_set(e, PW_E_INTERNAL, "the playoff bracket cannot be drawn: the standings of "
			       "season %lld are unreadable or have fewer than 2 teams", (long long)sid);
	if (have == 0)
		f.round = round;
	if (have == 2)
		snprintf(f.source, sizeof f.source, "legacy");
	cJSON *pl = format_to_json(&f);
	cJSON_AddNumberToObject(pl, "season_id", (double)sid);
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)sid);
	int rc = gov_append_in_tx(g, PW_EV_SEASON_BRACKET_DRAWN, id, 0, 0, round, pl);
	cJSON_Delete(pl);
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "recording the playoff bracket failed: %s", store_errmsg(s));
	return 0;
}

int season_bracket(pw_store_t *s, int64_t sid, pw_bracket_t *b, pw_err_t *e)
{
	memset(b, 0, sizeof *b);
	pw_bracket_format_t f;
	int have = season_bracket_format(s, sid, &f, e);
	if (have <= 0)
		return have;
	int n = 0;
	pw_playoff_game_t *pg = playoff_games(s, sid, &n);
	if (!pg)
		return err_set(e, PW_E_INTERNAL, "reading the playoff games of season %lld failed: %s",
			       (long long)sid, store_errmsg(s));
	int rc = bracket_of(b, &f, pg, n);
	free(pg);
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "the playoff games of season %lld do not fit its bracket "
			       "as drawn (%d teams, semifinals best of %d, final best of %d)", (long long)sid,
			       f.bracket_teams, f.semis_best_of, f.finals_best_of);
	return 1;
}

/* ---- read models ---- */

cJSON *season_current_json(pw_gov_t *g)
{
	gov_sync(g);
	return season_summary_json(gov_store(g));
}

cJSON *season_summary_json(pw_store_t *s)
{
	pw_season_row_t r;
	if (season_current(s, &r) != 1)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r.id);
	cJSON_AddNumberToObject(o, "number", r.number);
	cJSON_AddStringToObject(o, "name", r.name);
	cJSON_AddStringToObject(o, "phase", r.phase);
	cJSON_AddNumberToObject(o, "round", r.current_round);
	cJSON_AddNumberToObject(o, "regular_season_rounds", store_schedule_max_round(s, r.id, "regular"));
	int64_t ids[SEASON_MAX_TEAMS];
	int nt = store_season_team_ids(s, r.id, ids, SEASON_MAX_TEAMS);
	cJSON_AddNumberToObject(o, "teams_count", nt > 0 ? nt : 0);
	cJSON_AddNumberToObject(o, "games_played", store_game_count(s, r.id));
	cJSON_AddNumberToObject(o, "phase_started", (double)r.phase_started);
	return o;
}

cJSON *season_standings_json(pw_store_t *s, int64_t sid)
{
	pw_standing_t st[SEASON_MAX_TEAMS];
	int n = season_standings(s, sid, st, SEASON_MAX_TEAMS);
	if (n < 0)
		return NULL;
	cJSON *teams = teams_of(s, sid);
	int64_t ids[SEASON_MAX_TEAMS];
	const char *names[SEASON_MAX_TEAMS];
	for (int i = 0; i < n; i++) {
		ids[i] = st[i].team_id;
		names[i] = team_name(teams, st[i].team_id);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "regular", stand_to_json(st, n, ids, names));
	cJSON_Delete(teams);
	cJSON_AddItemToObject(o, "playoffs", season_bracket_json(s, sid));
	return o;
}

static cJSON *team_ref(const cJSON *teams, int64_t id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "team_id", (double)id);
	cJSON_AddStringToObject(o, "name", team_name(teams, id));
	return o;
}

cJSON *season_bracket_json(pw_store_t *s, int64_t sid)
{
	pw_season_row_t r;
	if (store_season_get(s, sid, &r) != 1)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	pw_bracket_format_t f;
	int drawn = season_bracket_format(s, sid, &f, NULL);
	bool started = store_schedule_max_round(s, sid, "playoff") > 0;
	cJSON_AddBoolToObject(o, "drawn", drawn > 0);
	cJSON_AddBoolToObject(o, "started", started);
	cJSON_AddItemToObject(o, "format", drawn > 0 ? format_to_json(&f) : cJSON_CreateNull());
	cJSON *series = cJSON_AddArrayToObject(o, "series");
	pw_bracket_t b;
	if (drawn <= 0 || season_bracket(s, sid, &b, NULL) != 1) {
		cJSON_AddNullToObject(o, "champion");
		return o;
	}
	cJSON *teams = teams_of(s, sid);
	int ng = 0;
	pw_game_row_t *g = store_games(s, sid, 0, &ng);
	for (int i = 0; i < b.n_series; i++) {
		const pw_series_t *x = &b.series[i];
		cJSON *sj = cJSON_CreateObject();
		cJSON_AddStringToObject(sj, "id", x->id);
		cJSON_AddStringToObject(sj, "stage", stage_names[x->stage]);
		cJSON_AddNumberToObject(sj, "best_of", x->best_of);
		if (x->high) {
			cJSON *h = team_ref(teams, x->high);
			cJSON_AddNumberToObject(h, "seed", x->high_seed);
			cJSON_AddNumberToObject(h, "wins", x->high_wins);
			cJSON_AddItemToObject(sj, "high", h);
			cJSON *l = team_ref(teams, x->low);
			cJSON_AddNumberToObject(l, "seed", x->low_seed);
			cJSON_AddNumberToObject(l, "wins", x->low_wins);
			cJSON_AddItemToObject(sj, "low", l);
		}
		cJSON *games = cJSON_AddArrayToObject(sj, "games");
		for (int k = 0; g && k < ng; k++) {
			if (strcmp(g[k].stage, "playoff") || strcmp(g[k].series, x->id))
				continue;
			cJSON *gj = cJSON_CreateObject();
			cJSON_AddNumberToObject(gj, "game_id", (double)g[k].id);
			cJSON_AddNumberToObject(gj, "game", g[k].series_game);
			cJSON_AddNumberToObject(gj, "round", g[k].round);
			cJSON_AddNumberToObject(gj, "home_team_id", (double)g[k].home_team_id);
			cJSON_AddNumberToObject(gj, "away_team_id", (double)g[k].away_team_id);
			cJSON_AddNumberToObject(gj, "home_score", g[k].home_score);
			cJSON_AddNumberToObject(gj, "away_score", g[k].away_score);
			cJSON_AddNumberToObject(gj, "winner_team_id", (double)g[k].winner_team_id);
			cJSON_AddItemToArray(games, gj);
		}
		cJSON_AddItemToObject(sj, "winner", x->winner ? team_ref(teams, x->winner) : cJSON_CreateNull());
		cJSON_AddItemToArray(series, sj);
	}
	free(g);
	cJSON_AddItemToObject(o, "champion", b.champion ? team_ref(teams, b.champion) : cJSON_CreateNull());
	cJSON_Delete(teams);
	return o;
}

cJSON *season_games_json(pw_store_t *s, int64_t sid, int round)
{
	int ng = 0;
	pw_game_row_t *g = store_games(s, sid, round, &ng);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; g && i < ng; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)g[i].id);
		cJSON_AddNumberToObject(o, "round", g[i].round);
		cJSON_AddNumberToObject(o, "home_team_id", (double)g[i].home_team_id);
		cJSON_AddNumberToObject(o, "away_team_id", (double)g[i].away_team_id);
		cJSON_AddNumberToObject(o, "home_score", g[i].home_score);
		cJSON_AddNumberToObject(o, "away_score", g[i].away_score);
		cJSON_AddNumberToObject(o, "winner_team_id", (double)g[i].winner_team_id);
		cJSON_AddStringToObject(o, "stage", g[i].stage);
		if (g[i].series[0]) {
			cJSON_AddStringToObject(o, "series", g[i].series);
			cJSON_AddNumberToObject(o, "series_game", g[i].series_game);
		}
		cJSON_AddStringToObject(o, "hash", g[i].hash);
		char *rules = NULL;
		store_game_snapshots(s, g[i].id, &rules, NULL, NULL, NULL, NULL);
		cJSON *rj = rules ? cJSON_Parse(rules) : NULL;
		free(rules);
		cJSON_AddItemToObject(o, "rules", rj ? rj : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, o);
	}
	free(g);
	return arr;
}

cJSON *season_team_json(pw_store_t *s, int64_t sid, int64_t team_id)
{
	/* Any team of the league: one that sits the season out keeps its page,
	 * with "plays": false and no record. */
	cJSON *teams = store_teams_json(s, league_of(s, sid)), *found = NULL, *t;
	cJSON_ArrayForEach(t, teams)
		if ((int64_t)cJSON_GetObjectItem(t, "id")->valuedouble == team_id)
			found = t;
	if (!found) {
		cJSON_Delete(teams);
		return NULL;
	}
	cJSON *o = cJSON_DetachItemViaPointer(teams, found);
	cJSON_Delete(teams);
	int64_t ids[SEASON_MAX_TEAMS];
	int nt = store_season_team_ids(s, sid, ids, SEASON_MAX_TEAMS);
	cJSON_AddBoolToObject(o, "plays", nt <= 0 || id_in(ids, nt, team_id));
	pw_standing_t st[64];
	int n = season_standings(s, sid, st, 64);
	for (int i = 0; i < n; i++)
		if (st[i].team_id == team_id) {
			cJSON *r = cJSON_AddObjectToObject(o, "record");
			cJSON_AddNumberToObject(r, "wins", st[i].wins);
			cJSON_AddNumberToObject(r, "losses", st[i].losses);
			cJSON_AddNumberToObject(r, "points_for", st[i].points_for);
			cJSON_AddNumberToObject(r, "points_against", st[i].points_against);
			cJSON_AddNumberToObject(r, "rank", st[i].rank);
		}
	return o;
}

cJSON *season_hooper_json(pw_store_t *s, int64_t sid, int64_t hooper_id)
{
	static const char *const stats[] = {"points", "rebounds", "assists", "steals", "turnovers",
					     "fouls", "fgm", "fga", "tpm", "tpa", "ftm", "fta"};
	enum { NSTATS = sizeof stats / sizeof stats[0] };
	cJSON *box = store_season_box_json(s, sid);
	int ng = 0;
	pw_game_row_t *g = box ? store_games(s, sid, 0, &ng) : NULL;
	if (!g) {
		cJSON_Delete(box);
		return NULL;
	}
	double tot[NSTATS] = {0};
	int games = 0;
	cJSON *o = cJSON_CreateObject(), *log = cJSON_CreateArray();
	const cJSON *b;
	cJSON_ArrayForEach(b, box)
	{
		if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "hooper_id")) != hooper_id)
			continue;
		int64_t gid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "game_id"));
		const pw_game_row_t *row = NULL;
		for (int i = 0; i < ng && !row; i++)
			if (g[i].id == gid)
				row = &g[i];
		if (!row)
			continue;
		int64_t team = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "team_id"));
		bool home = row->home_team_id == team;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "game_id", (double)gid);
		cJSON_AddNumberToObject(x, "round", row->round);
		cJSON_AddStringToObject(x, "stage", row->stage);
		if (row->series[0]) {
			cJSON_AddStringToObject(x, "series", row->series);
			cJSON_AddNumberToObject(x, "series_game", row->series_game);
		}
		cJSON_AddNumberToObject(x, "team_id", (double)team);
		cJSON_AddNumberToObject(x, "opponent_id", (double)(home ? row->away_team_id : row->home_team_id));
		cJSON_AddBoolToObject(x, "home", home);
		cJSON_AddNumberToObject(x, "team_score", home ? row->home_score : row->away_score);
		cJSON_AddNumberToObject(x, "opponent_score", home ? row->away_score : row->home_score);
		cJSON_AddBoolToObject(x, "won", row->winner_team_id == team);
		for (int k = 0; k < NSTATS; k++) {
			double v = cJSON_GetNumberValue(cJSON_GetObjectItem(b, stats[k]));
			tot[k] += v;
			cJSON_AddNumberToObject(x, stats[k], v);
		}
		cJSON_AddItemToArray(log, x);
		games++;
	}
	cJSON_AddNumberToObject(o, "games", games);
	cJSON *t = cJSON_AddObjectToObject(o, "totals"), *pg = cJSON_AddObjectToObject(o, "per_game");
	for (int k = 0; k < NSTATS; k++) {
		cJSON_AddNumberToObject(t, stats[k], tot[k]);
		cJSON_AddNumberToObject(pg, stats[k], games ? round(tot[k] * 10 / games) / 10 : 0);
	}
	cJSON_AddItemToObject(o, "log", log);
	free(g);
	cJSON_Delete(box);
	return o;
}

/* ---- archive ---- */

/* One hooper's season from the box scores. */
typedef struct hstat {
	int64_t hooper, team;
	int games, points, fgm, fga, rebounds, assists, steals;
} hstat_t;

#define HSTAT(field) offsetof(hstat_t, field)

static int hstat_get(const hstat_t *h, size_t off)
{
	return *(const int *)((const char *)h + off);
}

/* Sums the season's box-score rows per hooper, in order of first
 * appearance. Returns them (caller frees; *n set), NULL when out of memory
 * or there are none. */
static hstat_t *hstats(const cJSON *box, int *n)
{
	*n = 0;
	int cap = cJSON_GetArraySize(box), k = 0;
	hstat_t *h = cap ? calloc((size_t)cap, sizeof *h) : NULL;
	if (!h)
		return NULL;
	const cJSON *b;
	cJSON_ArrayForEach(b, box) {
		int64_t id = (int64_t)cJSON_GetObjectItem(b, "hooper_id")->valuedouble;
		int i;
		for (i = 0; i < k; i++)
			if (h[i].hooper == id)
				break;
		if (i == k) {
			h[k].hooper = id;
			h[k].team = (int64_t)cJSON_GetObjectItem(b, "team_id")->valuedouble;
			k++;
		}
		h[i].games++;
		h[i].points += cJSON_GetObjectItem(b, "points")->valueint;
		h[i].fgm += cJSON_GetObjectItem(b, "fgm")->valueint;
		h[i].fga += cJSON_GetObjectItem(b, "fga")->valueint;
		h[i].rebounds += cJSON_GetObjectItem(b, "rebounds")->valueint;
		h[i].assists += cJSON_GetObjectItem(b, "assists")->valueint;
		h[i].steals += cJSON_GetObjectItem(b, "steals")->valueint;
	}
	*n = k;
	return h;
}

/* The hooper with the highest num/den among those not yet used (used may
 * be NULL) with den >= min_den, the first of equals; -1 if none. */
static int best_ratio(const hstat_t *h, int nh, const bool *used, size_t num, size_t den, int min_den)
{
	int best = -1;
	double bv = 0;
	for (int i = 0; i < nh; i++) {
		int d = hstat_get(&h[i], den);
		if ((used && used[i]) || d < min_den || d <= 0)
			continue;
		double v = (double)hstat_get(&h[i], num) / d;
		if (best < 0 || v > bv) {
			best = i;
			bv = v;
		}
	}
	return best;
}

static const char *hooper_name(const cJSON *teams, int64_t id)
{
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams)
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
			if ((int64_t)cJSON_GetObjectItem(h, "id")->valuedouble == id)
				return cJSON_GetObjectItem(h, "name")->valuestring;
	return "?";
}

/* One award under key in aw: {id_key: id, name, team_id (hoopers only:
 * team_id > 0), stat: value to three places}, or {id_key: null} when
 * nobody qualified (won false). */
static void award(cJSON *aw, const char *key, bool won, const char *id_key, int64_t id,
		  const char *name, int64_t team_id, const char *stat, double value)
{
	cJSON *a = cJSON_AddObjectToObject(aw, key);
	if (!won) {
		cJSON_AddNullToObject(a, id_key);
		return;
	}
	cJSON_AddNumberToObject(a, id_key, (double)id);
	cJSON_AddStringToObject(a, "name", name);
	if (team_id > 0)
		cJSON_AddNumberToObject(a, "team_id", (double)team_id);
	cJSON_AddNumberToObject(a, stat, round(value * 1000) / 1000);
}

/* Rule timeline: the parameter changes and effects enacted this season. */
static void archive_rule_timeline(cJSON *tl, const pw_gstate_t *gs, int64_t sid)
{
	for (int i = 0; i < gs->n_changes; i++) {
		const pw_rule_change_t *c = &gs->changes[i];
		if (c->season_id != sid)
			continue;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "kind", "parameter");
		cJSON_AddStringToObject(x, "name", c->name);
		cJSON_AddNumberToObject(x, "old", c->old_value);
		cJSON_AddNumberToObject(x, "new", c->new_value);
		cJSON_AddNumberToObject(x, "proposal_id", (double)c->proposal_id);
		cJSON_AddNumberToObject(x, "round", c->round);
		cJSON_AddItemToArray(tl, x);
	}
	for (int i = 0; i < gs->n_effects; i++) {
		const pw_effect_rec_t *f = &gs->effects[i];
		if (f->season_id != sid)
			continue;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "kind", "effect");
		cJSON_AddStringToObject(x, "effect_id", f->id);
		cJSON_AddStringToObject(x, "name", f->name);
		cJSON_AddNumberToObject(x, "proposal_id", (double)f->proposal_id);
		cJSON_AddNumberToObject(x, "round", f->start_round - 1);
		cJSON_AddItemToArray(tl, x);
	}
}

/* Hooper awards from the box scores: best points and steals per game, best
 * field-goal percentage over at least 20 attempts. */
static void archive_hooper_awards(cJSON *aw, const cJSON *teams, const hstat_t *h, int nh)
{
	static const struct {
		const char *key, *stat;
		size_t num, den;
		int min_den;
	} kinds[] = {
		{"mvp", "points_per_game", HSTAT(points), HSTAT(games), 1},
		{"defensive", "steals_per_game", HSTAT(steals), HSTAT(games), 1},
		{"most_efficient", "fg_pct", HSTAT(fgm), HSTAT(fga), 20},
	};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		int i = best_ratio(h, nh, NULL, kinds[k].num, kinds[k].den, kinds[k].min_den);
		double v = i < 0 ? 0 : (double)hstat_get(&h[i], kinds[k].num) / hstat_get(&h[i], kinds[k].den);
		award(aw, kinds[k].key, i >= 0, "hooper_id", i < 0 ? 0 : h[i].hooper,
		      i < 0 ? NULL : hooper_name(teams, h[i].hooper), i < 0 ? 0 : h[i].team, kinds[k].stat, v);
	}
}

/* Governor awards from governance: most proposals and votes, most trades,
 * best pass rate (the first of equals each). */
static void archive_governor_awards(cJSON *aw, const pw_gstate_t *gs, int64_t sid)
{
	const pw_governor_t *active = NULL, *coal = NULL, *arch = NULL;
	for (int i = 0; i < gs->n_govs; i++) {
		const pw_governor_t *x = &gs->govs[i];
		if (x->season_id != sid)
			continue;
		if (x->proposals + x->votes > 0 &&
		    (!active || x->proposals + x->votes > active->proposals + active->votes))
			active = x;
		if (x->trades > 0 && (!coal || x->trades > coal->trades))
			coal = x;
		if (x->proposals > 0 && (!arch || (double)x->passed / x->proposals >
						     (double)arch->passed / arch->proposals))
			arch = x;
	}
	const struct {
		const char *key;
		const pw_governor_t *gv;
		const char *stat;
		double v;
	} gaw[] = {
		{"most_active_governor", active, "proposals_and_votes", active ? active->proposals + active->votes : 0},
		{"coalition_builder", coal, "trades", coal ? coal->trades : 0},
		{"rule_architect", arch, "pass_rate", arch ? (double)arch->passed / arch->proposals : 0},
	};
	for (size_t i = 0; i < sizeof gaw / sizeof gaw[0]; i++)
		award(aw, gaw[i].key, gaw[i].gv != NULL, "governor_id", gaw[i].gv ? gaw[i].gv->id : 0,
		      gaw[i].gv ? gaw[i].gv->name : NULL, 0, gaw[i].stat, gaw[i].v);
}

/* Leaders: the top five per stat by per-game average, best first (the
 * first of equals first). */
static void archive_leaders(cJSON *lead, const cJSON *teams, const hstat_t *h, int nh)
{
	static const struct {
		const char *name;
		size_t off;
	} stats[] = {
		{"points", HSTAT(points)}, {"rebounds", HSTAT(rebounds)},
		{"assists", HSTAT(assists)}, {"steals", HSTAT(steals)},
	};
	bool *used = nh ? malloc((size_t)nh * sizeof *used) : NULL;
	for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++) {
		cJSON *arr = cJSON_AddArrayToObject(lead, stats[k].name);
		if (!used)
			continue;
		memset(used, 0, (size_t)nh * sizeof *used);
		for (int rank = 0; rank < 5; rank++) {
			int best = best_ratio(h, nh, used, stats[k].off, HSTAT(games), 1);
			if (best < 0)
				break;
			used[best] = true;
			double per_game = (double)hstat_get(&h[best], stats[k].off) / h[best].games;
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "hooper_id", (double)h[best].hooper);
			cJSON_AddStringToObject(x, "name", hooper_name(teams, h[best].hooper));
			cJSON_AddNumberToObject(x, "per_game", round(per_game * 100) / 100);
			cJSON_AddItemToArray(arr, x);
		}
	}
	free(used);
}

static int cmp_margin(const void *a, const void *b)
{
	const pw_game_row_t *x = a, *y = b;
	int mx = abs(x->home_score - x->away_score), my = abs(y->home_score - y->away_score);
	if (mx != my)
		return mx - my;
	return x->id < y->id ? -1 : x->id > y->id;
}

static cJSON *game_brief(const pw_game_row_t *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "game_id", (double)g->id);
	cJSON_AddNumberToObject(o, "round", g->round);
	cJSON_AddStringToObject(o, "stage", g->stage);
	if (g->series[0])
		cJSON_AddStringToObject(o, "series", g->series);
	cJSON_AddNumberToObject(o, "home_team_id", (double)g->home_team_id);
	cJSON_AddNumberToObject(o, "away_team_id", (double)g->away_team_id);
	cJSON_AddNumberToObject(o, "home_score", g->home_score);
	cJSON_AddNumberToObject(o, "away_score", g->away_score);
	cJSON_AddNumberToObject(o, "margin", abs(g->home_score - g->away_score));
	return o;
}

/* Key games: every playoff game in the order played, then the three
 * closest and the three widest. Sorts g by margin. */
static void archive_key_games(cJSON *kg, pw_game_row_t *g, int ng)
{
	cJSON *po = cJSON_AddArrayToObject(kg, "playoffs");
	for (int i = 0; i < ng; i++)
		if (!strcmp(g[i].stage, "playoff"))
			cJSON_AddItemToArray(po, game_brief(&g[i]));
	if (!ng)
		return;
	qsort(g, (size_t)ng, sizeof *g, cmp_margin);
	cJSON *cl = cJSON_AddArrayToObject(kg, "closest");
	cJSON *bl = cJSON_AddArrayToObject(kg, "blowouts");
	for (int i = 0; i < 3 && i < ng; i++) {
		cJSON_AddItemToArray(cl, game_brief(&g[i]));
		cJSON_AddItemToArray(bl, game_brief(&g[ng - 1 - i]));
	}
}

/* Head to head: each pair of teams once (lower id first) with its wins. */
static void archive_head_to_head(cJSON *h2h, const cJSON *teams, const pw_game_row_t *g, int ng)
{
	const cJSON *ta, *tb;
	cJSON_ArrayForEach(ta, teams) {
		int64_t a = (int64_t)cJSON_GetObjectItem(ta, "id")->valuedouble;
		cJSON_ArrayForEach(tb, teams) {
			int64_t b = (int64_t)cJSON_GetObjectItem(tb, "id")->valuedouble;
			if (b <= a)
				continue;
			int a_wins = 0, b_wins = 0;
			for (int i = 0; i < ng; i++) {
				bool pair = (g[i].home_team_id == a && g[i].away_team_id == b) ||
					    (g[i].home_team_id == b && g[i].away_team_id == a);
				if (!pair)
					continue;
				if (g[i].winner_team_id == a)
					a_wins++;
				else
					b_wins++;
			}
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "team_a", (double)a);
			cJSON_AddNumberToObject(x, "team_b", (double)b);
			cJSON_AddNumberToObject(x, "a_wins", a_wins);
			cJSON_AddNumberToObject(x, "b_wins", b_wins);
			cJSON_AddItemToArray(h2h, x);
		}
	}
}

cJSON *season_archive_build(pw_gov_t *gv, int64_t sid)
{
	pw_store_t *s = gov_store(gv);
	pw_season_row_t r;
	if (store_season_get(s, sid, &r) != 1)
		return NULL;
	gov_sync(gv);
	const pw_gstate_t *gs = gov_state(gv);
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "season_id", (double)sid);
	cJSON_AddNumberToObject(o, "number", r.number);
	cJSON_AddStringToObject(o, "name", r.name);
	/* Final standings and the bracket, from the standings read model. */
	cJSON *stj = season_standings_json(s, sid);
	cJSON_AddItemToObject(o, "final_standings", cJSON_DetachItemFromObject(stj, "regular"));
	cJSON *br = cJSON_DetachItemFromObject(stj, "playoffs");
	cJSON_Delete(stj);
	cJSON_AddItemToObject(o, "champion", br ? cJSON_Duplicate(cJSON_GetObjectItem(br, "champion"), 1)
						: cJSON_CreateNull());
	cJSON_AddItemToObject(o, "playoffs", br ? br : cJSON_CreateNull());

	archive_rule_timeline(cJSON_AddArrayToObject(o, "rule_timeline"), gs, sid);

	cJSON *teams = teams_of(s, sid);
	cJSON *box = store_season_box_json(s, sid);
	int nh = 0;
	hstat_t *h = hstats(box, &nh);
	cJSON_Delete(box);
	cJSON *aw = cJSON_AddObjectToObject(o, "awards");
	archive_hooper_awards(aw, teams, h, nh);
	archive_governor_awards(aw, gs, sid);
	archive_leaders(cJSON_AddObjectToObject(o, "leaders"), teams, h, nh);
	free(h);

	int ng = 0;
	pw_game_row_t *g = store_games(s, sid, 0, &ng);
	if (!g)
		ng = 0;
	archive_key_games(cJSON_AddObjectToObject(o, "key_games"), g, ng);
	archive_head_to_head(cJSON_AddArrayToObject(o, "head_to_head"), teams, g, ng);
	free(g);
	cJSON_Delete(teams);
	return o;
}
