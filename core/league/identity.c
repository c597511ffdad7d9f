/*
 * identity.c — identities, sessions and invites (see identity.h).
 */
#include "core/league/identity.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sim/sha256.h"

const char *identity_enrollment_name(pw_enrollment_t e)
{
	return e == PW_ENROLL_INVITE ? "invite" : "open";
}

int identity_enrollment_parse(const char *name, pw_enrollment_t *out)
{
	if (name && !strcmp(name, "open"))
		*out = PW_ENROLL_OPEN;
	else if (name && !strcmp(name, "invite"))
		*out = PW_ENROLL_INVITE;
	else
		return -1;
	return 0;
}

int identity_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	if (nbytes > sizeof buf)
		return -1;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < nbytes) {
		ssize_t n = read(fd, buf + got, nbytes - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != nbytes)
		return -1;
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", buf[i]);
	return 0;
}

/* A secret as the client holds it: exactly want lowercase hex digits.
 * Anything else names nothing, so it is never hashed or looked up. */
static bool hex_secret(const char *s, size_t want)
{
	if (!s || strlen(s) != want)
		return false;
	for (size_t i = 0; i < want; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- identities ---- */

int identity_find_or_create(pw_store_t *s, const char *provider, const char *subject,
			    const char *display_name, int64_t now, int64_t *id, pw_err_t *e)
{
	size_t pl = provider ? strlen(provider) : 0;
	bool ok = pl >= 1 && pl <= 16;
	for (size_t i = 0; ok && i < pl; i++)
		ok = provider[i] >= 'a' && provider[i] <= 'z';
	if (!ok)
		return err_set(e, PW_E_INVALID, "provider must be 1 to 16 lowercase letters");
	if (!subject || !*subject || strlen(subject) > 200)
		return err_set(e, PW_E_INVALID, "subject must be 1 to 200 bytes");
	int64_t found = store_identity_find(s, provider, subject);
	if (found == 0)
		found = store_identity_insert(s, provider, subject, display_name, now);
	if (found < 0)
		return err_set(e, PW_E_INTERNAL, "recording the identity failed: %s", store_errmsg(s));
	*id = found;
	return 0;
}

/* The governor of identity_id enrolled in the state's current season, else
 * the latest it had (0: none). */
static int64_t governor_of(pw_gov_t *g, int64_t identity_id, bool *enrolled)
{
	int64_t gids[32];
	int n = store_identity_governors(gov_store(g), identity_id, gids, 32);
	const pw_gstate_t *st = gov_state(g);
	*enrolled = false;
	for (int i = 0; i < n; i++) {
		const pw_governor_t *gv = gstate_governor(st, gids[i]);
		if (gv && st->season.id && gv->season_id == st->season.id) {
			*enrolled = true;
			return gv->id;
		}
	}
	return n > 0 ? gids[0] : 0;
}

int64_t identity_governor(pw_gov_t *g, int64_t identity_id, bool *enrolled)
{
	bool en = false;
	int64_t gid = 0;
	if (identity_id > 0 && gov_sync(g) == 0)
		gid = governor_of(g, identity_id, &en);
	if (enrolled)
		*enrolled = en;
	return gid;
}

int64_t identity_of_governor(pw_gov_t *g, int64_t gid, bool create, int64_t now)
{
	pw_store_t *s = gov_store(g);
	int64_t id = store_governor_identity(s, gid);
	if (id != 0 || !create)
		return id > 0 ? id : 0;
	gov_sync(g);
	const pw_governor_t *gv = gstate_governor(gov_state(g), gid);
	if (!gv)
		return 0;
	/* The governor keeps the season it joined in: the link says which
	 * season that was. */
	char subject[32];
	snprintf(subject, sizeof subject, "%lld", (long long)gid);
	if (store_begin(s) < 0)
		return 0;
	int64_t made = store_identity_insert(s, "token", subject, gv->name, now);
	if (made <= 0 || store_identity_link(s, made, gv->season_id, gid, 0, now) < 0 ||
	    store_commit(s) < 0) {
		store_rollback(s);
		return 0;
	}
	return made;
}

int identity_rotate_token(pw_gov_t *g, int64_t gid, char *token, pw_err_t *e)
{
	char hash[65];
	if (identity_random_hex(token, IDENTITY_SECRET_HEX / 2) < 0)
		return err_set(e, PW_E_INTERNAL, "no randomness available for a token");
	sha256_hex(token, strlen(token), hash);
	int r = store_player_set_token_hash(gov_store(g), gid, hash);
	if (r < 0)
		return err_set(e, PW_E_INTERNAL, "saving the new token failed: %s", store_errmsg(gov_store(g)));
	if (r == 0)
		return err_set(e, PW_E_NOT_FOUND, "governor %lld does not exist", (long long)gid);
	return 0;
}

/* ---- joining ---- */

typedef struct join_ctx {
	const pw_identity_join_t *in;
	pw_invite_row_t invite;
	bool has_invite;
	int64_t identity_id;
} join_ctx_t;

/* Inside the join's transaction, before the governor is added. */
static int join_before(void *ud, pw_gov_t *g, int64_t *team_id, pw_err_t *e)
{
	join_ctx_t *j = ud;
	const pw_identity_join_t *in = j->in;
	pw_store_t *s = gov_store(g);
	if (j->identity_id > 0) {
		bool enrolled;
		int64_t gid = governor_of(g, j->identity_id, &enrolled);
		const pw_governor_t *gv = gid ? gstate_governor(gov_state(g), gid) : NULL;
		if (enrolled && gv)
			return err_set(e, PW_E_CONFLICT, "you already joined this season: you are governor %lld "
				       "(%s) of team %lld, and a person governs once a season",
				       (long long)gv->id, gv->name, (long long)gv->team_id);
	}
	bool has_code = in->invite_code && *in->invite_code;
	if (!has_code) {
		if (in->require_invite)
			return err_set(e, PW_E_FORBIDDEN, "joining needs an invite: ask the admin for an invite "
				       "link to your team");
		if (*team_id <= 0)
			return err_set(e, PW_E_INVALID, "team_id is required");
		return 0;
	}
	int r = identity_invite_find(s, in->invite_code, &j->invite);
	if (r < 0)
		return err_set(e, PW_E_INTERNAL, "reading the invite failed: %s", store_errmsg(s));
	if (r == 0)
		return err_set(e, PW_E_FORBIDDEN, "the invite code is not one of this league's invites");
	const char *why = identity_invite_unusable(&j->invite, in->now);
	if (why)
		return err_set(e, PW_E_FORBIDDEN, "%s", why);
	if (*team_id > 0 && *team_id != j->invite.team_id)
		return err_set(e, PW_E_INVALID, "the invite is for team %lld, not team %lld",
			       (long long)j->invite.team_id, (long long)*team_id);
	*team_id = j->invite.team_id;
	j->has_invite = true;
	return 0;
}

/* Inside the join's transaction, after the governor is added. */
static int join_after(void *ud, pw_gov_t *g, int64_t gid, int64_t season_id, pw_err_t *e)
{
	join_ctx_t *j = ud;
	pw_store_t *s = gov_store(g);
	if (j->identity_id <= 0) {
		/* A person new here: the subject is random, the identity is
		 * whoever holds the session (or the token) it is tied to. */
		char subject[IDENTITY_SECRET_HEX + 1];
		if (identity_random_hex(subject, IDENTITY_SECRET_HEX / 2) < 0)
			return err_set(e, PW_E_INTERNAL, "no randomness available for an identity");
		const char *prov = j->in->provider ? j->in->provider : j->has_invite ? "invite" : "open";
		j->identity_id = store_identity_insert(s, prov, subject, j->in->name, j->in->now);
		if (j->identity_id <= 0)
			return err_set(e, PW_E_INTERNAL, "recording the identity failed: %s", store_errmsg(s));
	}
	if (store_identity_link(s, j->identity_id, season_id, gid, j->has_invite ? j->invite.id : 0,
				j->in->now) < 0)
		return err_set(e, PW_E_INTERNAL, "linking the identity failed: %s", store_errmsg(s));
	if (j->has_invite && store_invite_use(s, j->invite.id) < 0)
		return err_set(e, PW_E_INTERNAL, "counting the invite's use failed: %s", store_errmsg(s));
	return 0;
}

int identity_join(pw_gov_t *g, const pw_identity_join_t *in, int64_t *identity_id, cJSON **out, pw_err_t *e)
{
	join_ctx_t j = {.in = in, .identity_id = in->identity_id};
	pw_gov_join_hook_t hook = {.before = join_before, .after = join_after, .ud = &j};
	int rc = gov_join_with(g, in->name, in->team_id, &hook, out, e);
	if (rc == 0) {
		if (identity_id)
			*identity_id = j.identity_id;
		if (out && *out)
			cJSON_AddNumberToObject(*out, "identity_id", (double)j.identity_id);
	}
	return rc;
}

/* ---- sessions ---- */

int identity_session_new(pw_store_t *s, int64_t identity_id, bool admin, int64_t now, int lifetime,
			 char *id, pw_session_t *out, pw_err_t *e)
{
	pw_session_t row = {.identity_id = identity_id, .admin = admin};
	char hash[65];
	if (identity_random_hex(id, IDENTITY_SECRET_HEX / 2) < 0 ||
	    identity_random_hex(row.csrf, IDENTITY_SECRET_HEX / 2) < 0)
		return err_set(e, PW_E_INTERNAL, "no randomness available for a session");
	if (lifetime <= 0)
		lifetime = IDENTITY_SESSION_DEFAULT;
	if (identity_id <= 0 && !admin && lifetime > IDENTITY_ANON_SECONDS)
		lifetime = IDENTITY_ANON_SECONDS;
	row.expires_at = now + lifetime;
	sha256_hex(id, strlen(id), hash);
	if (store_sessions_purge(s, now) < 0 ||
	    store_session_insert(s, hash, row.csrf, identity_id, admin, now, row.expires_at) < 0)
		return err_set(e, PW_E_INTERNAL, "saving the session failed: %s", store_errmsg(s));
	if (out)
		*out = row;
	return 0;
}

int identity_session_get(pw_store_t *s, const char *id, int64_t now, pw_session_t *out)
{
	if (!hex_secret(id, IDENTITY_SECRET_HEX))
		return 0;
	char hash[65];
	sha256_hex(id, strlen(id), hash);
	pw_session_row_t row;
	int r = store_session_get(s, hash, &row);
	if (r <= 0)
		return r;
	if (row.expires_at <= now)
		return 0;
	snprintf(out->csrf, sizeof out->csrf, "%s", row.csrf);
	out->identity_id = row.identity_id;
	out->admin = row.admin;
	out->expires_at = row.expires_at;
	return 1;
}

int identity_session_end(pw_store_t *s, const char *id)
{
	if (!hex_secret(id, IDENTITY_SECRET_HEX))
		return 0;
	char hash[65];
	sha256_hex(id, strlen(id), hash);
	return store_session_delete(s, hash);
}

bool identity_csrf_ok(const pw_session_t *sess, const char *token)
{
	if (!sess || !token || !sess->csrf[0])
		return false;
	size_t a = strlen(sess->csrf), b = strlen(token);
	unsigned char diff = (unsigned char)(a != b);
	for (size_t i = 0; i < a; i++)
		diff |= (unsigned char)(sess->csrf[i] ^ token[i < b ? i : 0]);
	return diff == 0;
}

/* ---- invites ---- */

int identity_invite_create(pw_store_t *s, int64_t team_id, int max_uses, int64_t expires_at,
			   const char *note, int64_t now, char *code, int64_t *id, pw_err_t *e)
{
	int ex = store_team_exists(s, team_id);
	if (ex < 0)
		return err_set(e, PW_E_INTERNAL, "reading the teams failed: %s", store_errmsg(s));
	if (ex == 0)
		return err_set(e, PW_E_NOT_FOUND, "team_id: team %lld does not exist", (long long)team_id);
	if (max_uses < 1 || max_uses > IDENTITY_INVITE_MAX_USES)
		return err_set(e, PW_E_INVALID, "uses must be from 1 to %d", IDENTITY_INVITE_MAX_USES);
	if (expires_at <= now || expires_at - now > IDENTITY_INVITE_MAX_SECONDS)
		return err_set(e, PW_E_INVALID, "the expiry must be in the future and at most %d days ahead",
			       IDENTITY_INVITE_MAX_SECONDS / 86400);
	/* The note shows on the admin page: a name's rules, longer. */
	int rc = note && *note ? gov_check_text("note", note, IDENTITY_NOTE_MAX, e) : 0;
	if (rc < 0)
		return rc;
	char hash[65];
	if (identity_random_hex(code, IDENTITY_INVITE_HEX / 2) < 0)
		return err_set(e, PW_E_INTERNAL, "no randomness available for an invite");
	sha256_hex(code, strlen(code), hash);
	int64_t made = store_invite_insert(s, hash, team_id, max_uses, expires_at, note, now);
	if (made <= 0)
		return err_set(e, PW_E_INTERNAL, "saving the invite failed: %s", store_errmsg(s));
	if (id)
		*id = made;
	return 0;
}

int identity_invite_find(pw_store_t *s, const char *code, pw_invite_row_t *out)
{
	if (!hex_secret(code, IDENTITY_INVITE_HEX))
		return 0;
	char hash[65];
	sha256_hex(code, strlen(code), hash);
	return store_invite_by_hash(s, hash, out);
}

const char *identity_invite_unusable(const pw_invite_row_t *inv, int64_t now)
{
	if (inv->revoked)
		return "this invite was revoked by the admin";
	if (inv->expires_at <= now)
		return "this invite has expired: ask the admin for a new one";
	if (inv->uses >= inv->max_uses)
		return "this invite has been used as many times as it allows: ask the admin for a new one";
	return NULL;
}

int identity_invite_revoke(pw_store_t *s, int64_t id, pw_err_t *e)
{
	int r = store_invite_revoke(s, id);
	if (r < 0)
		return err_set(e, PW_E_INTERNAL, "revoking the invite failed: %s", store_errmsg(s));
	if (r == 0)
		return err_set(e, PW_E_NOT_FOUND, "there is no invite %lld", (long long)id);
	return 0;
}
