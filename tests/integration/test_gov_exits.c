/*
 * test_gov_exits.c — every way a governance write can fail leaves the log
 * as it was and the service's cache consistent with it, and the store
 * ready for the next write. One test per shape of failure: refused before
 * the transaction, refused inside it before anything was appended, failing
 * after events were appended and folded in, and failing at COMMIT. The last
 * two are provoked with SQLite triggers the test adds to the database.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/dbtest.h"
#include "tests/integration/league_helpers.h"

/* The cache holds no event the log does not, and once caught up it is what
 * a fold of the log from scratch gives. */
static void check_consistent(pw_gov_t *g, pw_store_t *s)
{
	CHECK(gov_state(g)->last_seq <= store_events_count(s));
	CHECK_EQ(gov_sync(g), 0);
	pw_gstate_t fresh;
	gstate_init(&fresh);
	CHECK_EQ(gstate_sync(&fresh, s), 0);
	char *a = lt_state_dump(gov_state(g)), *b = lt_state_dump(&fresh);
	CHECK_STR(a, b);
	free(a);
	free(b);
	gstate_free(&fresh);
}

static int tokens(pw_gov_t *g, int64_t gid, int kind)
{
	gov_sync(g);
	const pw_governor_t *gv = gstate_governor(gov_state(g), gid);
	return gv ? gv->tokens[kind] : -99;
}

/* A league of four teams in x.db, governance over it and governor A of
 * team 1 (its id in *a). */
static pw_gov_t *league(pw_store_t **s, int64_t *a)
{
	*s = lt_open("x.db");
	pw_gov_t *g = lt_league(*s, 4);
	*a = lt_join(g, "A", 1, NULL);
	return g;
}

/* A's proposal, submitted but not confirmed. */
static int64_t draft(pw_gov_t *g, int64_t a)
{
	pw_err_t e = {0};
	cJSON *o = NULL;
	CHECK_EQ(gov_propose(g, a, "make threes worth 4", NULL, &o, &e), 0);
	int64_t p = o ? (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble : 0;
	cJSON_Delete(o);
	return p;
}

TEST(gov_exit_refused_before_the_transaction)
{
	pw_store_t *s;
	int64_t a;
	pw_gov_t *g = league(&s, &a);
	int64_t n = store_events_count(s), seq = gov_state(g)->last_seq;
	pw_err_t e = {0};
	CHECK_EQ(gov_propose(g, a, NULL, NULL, NULL, &e), PW_E_INVALID);
	CHECK_STR(e.msg, "text is required");
	int none[PW_TOKEN_KINDS] = {0, 0, 0};
	CHECK_EQ(gov_trade_offer(g, a, a + 1, none, none, NULL, &e), PW_E_INVALID);
	CHECK_STR(e.msg, "a trade must move at least one token");
	CHECK_EQ(gov_strategy_set(g, a, "", NULL, &e), PW_E_INVALID);
	CHECK_EQ(store_events_count(s), n);
	/* Nothing was begun, so nothing was dropped. */
	CHECK_EQ(gov_state(g)->last_seq, seq);
	check_consistent(g, s);
	CHECK(lt_propose(g, a, "make threes worth 4") > 0);
	gov_close(g);
	store_close(s);
}

TEST(gov_exit_refused_inside_the_transaction_before_any_append)
{
	pw_store_t *s;
	int64_t a;
	pw_gov_t *g = league(&s, &a);
	int64_t b = lt_join(g, "B", 2, NULL), p = draft(g, a);
	pw_err_t e = {0};
	int64_t n = store_events_count(s), seq = gov_state(g)->last_seq;
	/* Each check of the write's body, refused with its own code. */
	CHECK_EQ(gov_confirm(g, b, p, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(gov_confirm(g, a, p + 1, NULL, &e), PW_E_NOT_FOUND);
	CHECK_STR(e.msg, "proposal 2 does not exist");
	CHECK_EQ(gov_vote(g, b, p, true, false, NULL, &e), PW_E_CONFLICT);
	CHECK_STR(e.msg, "proposal 1 is draft, not open");
	CHECK_EQ(gov_hooper_trade_approve(g, a, 7, NULL, &e), PW_E_NOT_FOUND);
	CHECK_EQ(gov_admin_clear(g, p, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(store_events_count(s), n);
	/* Nothing was folded in, so the cache is kept as it was. */
	CHECK_EQ(gov_state(g)->last_seq, seq);
	check_consistent(g, s);
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	gov_close(g);
	store_close(s);
}

TEST(gov_exit_failing_after_events_were_appended_rolls_them_back)
{
	pw_store_t *s;
	int64_t a;
	pw_gov_t *g = league(&s, &a);
	int64_t p = draft(g, a);
	pw_err_t e = {0};
	/* Confirming appends token.spent (folded in: the balance drops) and
	 * then proposal.confirmed, which the database now refuses. */
	CHECK_EQ(dbt_refuse(lt_db("x.db"), "refuse_confirm", "INSERT", "governance_events",
			    "NEW.event_type = 'proposal.confirmed'", "refused by the test"),
		 0);
	int64_t n = store_events_count(s);
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), PW_E_INTERNAL);
	CHECK_CONTAINS(e.msg, "writing proposal.confirmed failed: ");
	CHECK_CONTAINS(e.msg, "refused by the test");
	CHECK_EQ(store_events_count(s), n);
	check_consistent(g, s);
	CHECK_EQ(tokens(g, a, PW_TOK_PROPOSE), 2);
	CHECK_STR(gstate_status_name(gstate_proposal(gov_state(g), p)->status), "draft");
	/* The store is ready for the next write. */
	CHECK_EQ(dbt_allow(lt_db("x.db"), "refuse_confirm", "governance_events"), 0);
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	CHECK_EQ(tokens(g, a, PW_TOK_PROPOSE), 1);
	check_consistent(g, s);
	gov_close(g);
	store_close(s);
}

TEST(gov_exit_failing_at_commit_rolls_back)
{
	pw_store_t *s;
	int64_t a;
	pw_gov_t *g = league(&s, &a);
	int64_t p = lt_propose(g, a, "make threes worth 4");
	const char *db = lt_db("x.db");
	/* A deferred foreign key broken by every vote: the database refuses
	 * it only at COMMIT, after the body succeeded. */
	CHECK_EQ(dbt_exec(db, "CREATE TABLE test_parent(id INTEGER PRIMARY KEY);"
			      "CREATE TABLE test_child(p INTEGER REFERENCES test_parent(id)"
			      "  DEFERRABLE INITIALLY DEFERRED);"),
		 0);
	if (dbt_is_postgres(db))
		CHECK_EQ(dbt_exec(db, "CREATE FUNCTION break_commit_fn() RETURNS trigger LANGUAGE plpgsql AS "
				      "$f$BEGIN INSERT INTO test_child VALUES(99); RETURN NULL; END$f$;"
				      "CREATE TRIGGER break_commit AFTER INSERT ON governance_events FOR EACH ROW"
				      " WHEN (NEW.event_type = 'vote.cast') EXECUTE FUNCTION break_commit_fn();"),
			 0);
	else
		CHECK_EQ(dbt_exec(db, "CREATE TRIGGER break_commit AFTER INSERT ON governance_events"
				      " WHEN NEW.event_type = 'vote.cast'"
				      " BEGIN INSERT INTO test_child VALUES(99); END;"),
			 0);
	int64_t n = store_events_count(s);
	pw_err_t e = {0};
	CHECK_EQ(gov_vote(g, a, p, true, true, NULL, &e), PW_E_INTERNAL);
	CHECK_CONTAINS(e.msg, "saving failed: ");
	CHECK_EQ(store_events_count(s), n);
	check_consistent(g, s);
	/* The boost's token.spent went with the vote. */
	CHECK_EQ(tokens(g, a, PW_TOK_BOOST), 2);
	CHECK_EQ(dbt_exec(db, dbt_is_postgres(db) ? "DROP TRIGGER break_commit ON governance_events"
						  : "DROP TRIGGER break_commit"),
		 0);
	CHECK_EQ(gov_vote(g, a, p, true, true, NULL, &e), 0);
	CHECK_EQ(tokens(g, a, PW_TOK_BOOST), 1);
	check_consistent(g, s);
	gov_close(g);
	store_close(s);
}
