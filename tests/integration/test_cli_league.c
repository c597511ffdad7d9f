#include "core/league/store.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/league/store.h"

TEST(cli_season_json_contract_and_determinism)
{
	char cmd[512], *a = NULL, *b = NULL;
	snprintf(cmd, sizeof cmd, "%s season --league-seed 7 --format json", test_bin());
	CHECK_EQ(test_run(cmd, &a, false), 0);
	CHECK_EQ(test_run(cmd, &b, false), 0);
	CHECK_STR(a, b); /* two processes, the same season */
	cJSON *o = cJSON_Parse(a);
	CHECK(o != NULL);
	const cJSON *st = cJSON_GetObjectItem(o, "standings");
	CHECK_EQ(cJSON_GetArraySize(st), 8);
	const char *keys[] = {"team_id", "name", "wins", "losses", "points_for", "points_against"};
	for (int i = 0; i < 6; i++)
		CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(st, 0), keys[i]) != NULL);
	int wins = 0, losses = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, st) {
		wins += cJSON_GetObjectItem(r, "wins")->valueint;
		losses += cJSON_GetObjectItem(r, "losses")->valueint;
	}
	CHECK_EQ(wins, 84);
	CHECK_EQ(losses, 84);
	CHECK(cJSON_IsArray(cJSON_GetObjectItem(o, "playoffs")));
	const cJSON *ch = cJSON_GetObjectItem(o, "champion");
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(ch, "team_id")));
	CHECK(cJSON_IsString(cJSON_GetObjectItem(ch, "name")));
	int games = cJSON_GetObjectItem(o, "games")->valueint;
	CHECK(games >= 84 + 7 && games <= 84 + 11);
	cJSON_Delete(o);
	free(a);
	free(b);
	snprintf(cmd, sizeof cmd, "%s season --league-seed 8 --format json", test_bin());
	CHECK_EQ(test_run(cmd, &b, false), 0);
	snprintf(cmd, sizeof cmd, "%s season --league-seed 7 --format json", test_bin());
	test_run(cmd, &a, false);
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
}

TEST(cli_season_rebuild_backup_migrate)
{
	char cmd[1024], *out = NULL;
	const char *d = test_tmpdir();
	snprintf(cmd, sizeof cmd, "%s season --db %s/s.db --propose 'three pointers worth 4' "
		 "--propose 'turn off home court' --format json", test_bin(), d);
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "three_point_value");
	free(out);
	snprintf(cmd, sizeof cmd, "%s rebuild --db %s/s.db", test_bin(), d);
	CHECK_EQ(test_run(cmd, &out, true), 0);
	CHECK_CONTAINS(out, "0 mismatches");
	free(out);
	snprintf(cmd, sizeof cmd, "%s backup --db %s/s.db --out %s/b.db && %s rebuild --db %s/b.db",
		 test_bin(), d, d, test_bin(), d);
	CHECK_EQ(test_run(cmd, &out, true), 0);
	free(out);
	/* A tampered score makes rebuild fail. */
	if (test_run("command -v sqlite3 >/dev/null", NULL, false) == 0) {
		snprintf(cmd, sizeof cmd, "sqlite3 %s/b.db \"UPDATE game_results SET hash='00' WHERE id=3\" && "
			 "%s rebuild --db %s/b.db", d, test_bin(), d);
		CHECK_EQ(test_run(cmd, &out, true), 1);
		CHECK_CONTAINS(out, "mismatch");
		free(out);
	}
	snprintf(cmd, sizeof cmd, "%s migrate --db %s/m.db", test_bin(), d);
	CHECK_EQ(test_run(cmd, &out, false), 0);
	char want[48];
	snprintf(want, sizeof want, "schema version %d", store_latest_version());
	CHECK_CONTAINS(out, want);
	free(out);
	snprintf(cmd, sizeof cmd, "%s season --format xml", test_bin());
	CHECK_EQ(test_run(cmd, NULL, false), 2);
	snprintf(cmd, sizeof cmd, "%s rebuild", test_bin());
	CHECK_EQ(test_run(cmd, NULL, false), 2);
	snprintf(cmd, sizeof cmd, "%s season --bogus", test_bin());
	CHECK_EQ(test_run(cmd, NULL, false), 2);
}

TEST(cli_season_plays_the_league_size_asked_for)
{
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, false, "season --teams 6 --format json"), 0);
	cJSON *o = cJSON_Parse(out);
	CHECK(o != NULL);
	const cJSON *st = cJSON_GetObjectItem(o, "standings"), *r;
	CHECK_EQ(cJSON_GetArraySize(st), 6);
	int wins = 0;
	cJSON_ArrayForEach(r, st)
		wins += cJSON_GetObjectItem(r, "wins")->valueint;
	CHECK_EQ(wins, 6 * 5 / 2 * 3); /* three round-robins */
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(o, "champion")));
	cJSON_Delete(o);
	free(out);
	out = NULL;
	/* Out of range: a usage error naming the option. */
	CHECK_EQ(test_pinwheel(&out, true, "season --teams 3"), 2);
	CHECK_CONTAINS(out, "--teams");
	CHECK_CONTAINS(out, "4 to 16");
	free(out);
}
