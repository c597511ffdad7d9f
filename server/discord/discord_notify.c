/*
 * discord_notify.c — the bus subscriber: league events become messages in
 * the channels `pinwheel discord setup` made (docs/DISCORD.md, "What each
 * channel receives"), through the outbox so none is lost to a restart.
 *
 * Runs on the loop thread for every event: it only formats and queues.
 * Game results arrive when the presenter reveals them (no spoilers), so
 * Discord never tells a score before the arena shows it.
 */
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/governance.h"
#include "core/league/store_discord.h"

/* A game this close is a thriller, one this far apart a blowout: both go
 * to big-plays as well. */
#define CLOSE_GAME_MARGIN 3
#define BLOWOUT_MARGIN 20

static double num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void post(struct discord *d, const char *channel, const char *text)
{
	char ch[32], path[96];
	if (!discord_channel(d, channel, ch, sizeof ch))
		return; /* setup has not made it: nowhere to say it */
	snprintf(path, sizeof path, "/channels/%s/messages", ch);
	discord_enqueue(d, "POST", path, discord_message(text, NULL));
}

void discord_team_name(const cJSON *teams, int64_t id, char *out, size_t cap)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, teams) {
		if ((int64_t)num(t, "id") == id) {
			const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
			if (n) {
				snprintf(out, cap, "%s", n);
				return;
			}
		}
	}
	snprintf(out, cap, "Team %" PRId64, id);
}

static void on_game(struct discord *d, const cJSON *g)
{
	cJSON *teams = store_teams_json(d->app->store, d->app->league_id);
	char home[80], away[80], text[300];
	discord_team_name(teams, (int64_t)num(g, "home_team_id"), home, sizeof home);
	discord_team_name(teams, (int64_t)num(g, "away_team_id"), away, sizeof away);
	cJSON_Delete(teams);
	int hs = (int)num(g, "home_score"), as = (int)num(g, "away_score");
	snprintf(text, sizeof text, "Final, round %d: %s %d – %d %s", (int)num(g, "round"), home, hs, as, away);
	post(d, "play-by-play", text);
	/* Each team's room hears its own game. */
	char team[40];
	snprintf(team, sizeof team, "team-%lld", (long long)num(g, "home_team_id"));
	post(d, team, text);
	snprintf(team, sizeof team, "team-%lld", (long long)num(g, "away_team_id"));
	post(d, team, text);
	int margin = hs > as ? hs - as : as - hs;
	if (margin <= CLOSE_GAME_MARGIN || margin >= BLOWOUT_MARGIN) {
		char big[340];
		snprintf(big, sizeof big, "%s %s", margin <= CLOSE_GAME_MARGIN ? "Down to the wire!" : "A blowout!", text);
		post(d, "big-plays", big);
	}
}

/* "The Floor Has Spoken": every proposal the tally judged. */
static void on_tally(struct discord *d, const cJSON *sum)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(sum, "proposals");
	if (cJSON_GetArraySize(list) == 0)
		return;
	pw_buf_t b = {0};
	buf_printf(&b, "**The Floor Has Spoken** (round %d)\n", (int)num(sum, "round"));
	const cJSON *p;
	cJSON_ArrayForEach(p, list) {
		int64_t pid = (int64_t)num(p, "proposal_id");
		cJSON *prop = gov_proposal_json(d->app->gov, pid);
		const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prop, "status"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prop, "text"));
		buf_printf(&b, "• #%" PRId64 " %s: %.0f%% yes (needed more than %.0f%%), %d votes — %.150s\n", pid,
			   status ? status : "decided", 100.0 * num(p, "share"), 100.0 * num(p, "threshold"),
			   (int)num(p, "votes"), text ? text : "");
		cJSON_Delete(prop);
	}
	post(d, "play-by-play", b.data ? b.data : "");
	buf_free(&b);
}

/* The awards of a season's archive, as one message. */
static void on_awards(struct discord *d)
{
	pw_season_row_t cur;
	if (store_season_current(d->app->store, d->app->league_id, &cur) != 1)
		return;
	char *text = store_archive_get(d->app->store, cur.id);
	cJSON *a = text ? cJSON_Parse(text) : NULL;
	free(text);
	static const char *const names[][2] = {
		{"mvp", "MVP"}, {"defensive", "Defensive Player"}, {"most_efficient", "Most Efficient"},
		{"most_active_governor", "Most Active Governor"}, {"coalition_builder", "Coalition Builder"},
		{"rule_architect", "Rule Architect"}};
	const cJSON *aw = cJSON_GetObjectItemCaseSensitive(a, "awards");
	pw_buf_t b = {0};
	buf_printf(&b, "**The season's awards** (%s)\n", cur.name);
	int n = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *who = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(aw, names[i][0]), "name"));
		if (who) {
			buf_printf(&b, "• %s: %s\n", names[i][1], who);
			n++;
		}
	}
	if (n)
		post(d, "play-by-play", b.data);
	buf_free(&b);
	cJSON_Delete(a);
}

/* A wild proposal to review (proposal.flagged_for_review, however it was
 * confirmed or amended): to the admin by DM, with Clear and Veto, while
 * its vote runs. */
static void on_flagged(struct discord *d, const cJSON *p)
{
	char ch[32], ids[2][48], path[96];
	if (!discord_channel(d, "admin-dm", ch, sizeof ch))
		return;
	int64_t pid = (int64_t)num(p, "id");
	pw_buf_t b = {0};
	buf_puts(&b, "A wild proposal needs your review (voting runs meanwhile).\n");
	discord_describe_proposal(&b, p);
	snprintf(ids[0], sizeof ids[0], "clear:%" PRId64, pid);
	snprintf(ids[1], sizeof ids[1], "veto:%" PRId64, pid);
	const char *labels[] = {"Clear", "Veto"};
	const char *idp[] = {ids[0], ids[1]};
	const int styles[] = {3, 4};
	snprintf(path, sizeof path, "/channels/%s/messages", ch);
	discord_enqueue(d, "POST", path, discord_message(b.data ? b.data : "", discord_buttons(labels, idp, styles, 2)));
	buf_free(&b);
}

/* A governor's private report, by DM — to governors who are Discord users. */
static void on_report(struct discord *d, const cJSON *r)
{
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kind"));
	int64_t gid = (int64_t)num(r, "governor_id"), rid = (int64_t)num(r, "id");
	if (!kind || strcmp(kind, "private") || gid <= 0)
		return;
	char user[32];
	int64_t iid = store_governor_identity(d->app->store, gid);
	if (iid <= 0 || store_identity_subject(d->app->store, iid, "discord", user, sizeof user) != 1)
		return; /* not a Discord user: the report is on the web */
	cJSON *list = store_reports_json(d->app->store, (int64_t)num(r, "season_id"), (int)num(r, "round"), gid, true);
	const cJSON *o;
	cJSON_ArrayForEach(o, list) {
		if ((int64_t)num(o, "id") != rid)
			continue;
		pw_buf_t b = {0};
		buf_printf(&b, "**Your private report, round %d**\n%s", (int)num(r, "round"),
			   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "text")));
		discord_enqueue(d, "DM", user, discord_message(b.data ? b.data : "", NULL));
		buf_free(&b);
	}
	cJSON_Delete(list);
}

void discord_on_event(void *ud, uint64_t id, const char *type, const char *json)
{
	struct discord *d = ud;
	if (strcmp(type, "game.completed") && strcmp(type, "governance.window_closed") &&
	    strcmp(type, "round.completed") && strcmp(type, "season.phase_changed") &&
	    strcmp(type, "report.generated") && strcmp(type, "proposal.flagged_for_review"))
		return; /* the rest (possessions, votes) is too fine-grained for a channel */
	cJSON *o = cJSON_Parse(json);
	if (!o)
		return;
	char text[200];
	if (!strcmp(type, "game.completed")) {
		on_game(d, o);
	} else if (!strcmp(type, "governance.window_closed")) {
		on_tally(d, o);
	} else if (!strcmp(type, "proposal.flagged_for_review")) {
		on_flagged(d, o);
	} else if (!strcmp(type, "report.generated")) {
		on_report(d, o);
	} else if (!strcmp(type, "round.completed")) {
		snprintf(text, sizeof text, "Round %d is over: %d games played. Standings: /standings.", (int)num(o, "round"),
			 (int)num(o, "games"));
		post(d, "play-by-play", text);
	} else {
		const char *to = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "to"));
		snprintf(text, sizeof text, "The season enters a new phase: **%.40s**.", to ? to : "?");
		post(d, "play-by-play", text);
		int64_t champ = (int64_t)num(o, "champion_team_id");
		if (champ > 0) {
			cJSON *teams = store_teams_json(d->app->store, d->app->league_id);
			char name[80];
			discord_team_name(teams, champ, name, sizeof name);
			cJSON_Delete(teams);
			snprintf(text, sizeof text, "**%s are the champions!**", name);
			post(d, "play-by-play", text);
			post(d, "big-plays", text);
		}
		if (to && !strcmp(to, "complete"))
			on_awards(d);
	}
	cJSON_Delete(o);
}
