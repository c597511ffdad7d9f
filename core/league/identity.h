/*
 * identity.h — the people behind governors: identities, browser sessions
 * and invites (spec 40-server, "Identity").
 *
 * A governor is a person with one identity per season. An identity is a
 * person as an identity provider knows them, keyed by (provider, subject):
 *
 *   "open"    joined here in open enrolment (a browser session, or a script)
 *   "invite"  joined here with an invite code
 *   "token"   a governor who joined before identities existed and signed in
 *             with their bearer token
 *   "discord" a Discord user (server/discord/): the bot's interactions and
 *             Sign in with Discord's OAuth2 callback both call
 *             identity_find_or_create("discord", <user id>, <name>);
 *             joining then follows the enrolment mode like any other
 *             identity.
 *
 * Each identity has at most one governor per season; a second join is
 * refused (PW_E_CONFLICT naming the governor it already is). None of this
 * is governance: the join itself is a governor.joined event (gov_join_with
 * runs the checks below inside that event's transaction), while identities,
 * sessions and invites are plain tables (store.h), never events.
 *
 * Secrets are stored only as SHA-256 hex digests: a session id (the cookie
 * holds the id itself), an invite code (shown once when created), a bearer
 * token. A session's CSRF token is stored as is: it is worth nothing without
 * the session cookie, and every form of the session carries it.
 *
 * Functions return 0 (or 1/0 for "found") or a negative PW_E_* code with
 * a sentence in err (when not NULL).
 */
#ifndef PW_IDENTITY_H
#define PW_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/league/errors.h"
#include "core/league/governance.h"
#include "core/league/store.h"

struct cJSON;

/* How people join (PINWHEEL_ENROLLMENT). */
typedef enum pw_enrollment {
	PW_ENROLL_OPEN,   /* anyone; one governor per identity (browser session) per season */
	PW_ENROLL_INVITE, /* only with an invite code of the admin's */
} pw_enrollment_t;

/* "open" / "invite"; parse: 0 and *out, or -1 for another name. */
const char *identity_enrollment_name(pw_enrollment_t e);
int identity_enrollment_parse(const char *name, pw_enrollment_t *out);

#define IDENTITY_SECRET_HEX 64        /* session ids, CSRF tokens, bearer tokens */
#define IDENTITY_INVITE_HEX 32        /* invite codes: 128 random bits */
#define IDENTITY_SESSION_DEFAULT (30 * 86400) /* PINWHEEL_SESSION_SECONDS */
/* A session nobody has signed into (it only carries a form's CSRF token)
 * lives at most this long, so visitors who never sign in leave little. */
#define IDENTITY_ANON_SECONDS (2 * 3600)
#define IDENTITY_INVITE_MAX_USES 1000
#define IDENTITY_INVITE_MAX_SECONDS (366 * 86400)
#define IDENTITY_NOTE_MAX 200

/* 2*nbytes random hex digits from the system's generator into out
 * (2*nbytes+1 bytes, nbytes ≤ 64). 0, or -1 when no randomness is there. */
int identity_random_hex(char *out, size_t nbytes);

/* ---- identities ---- */

/* The identity (provider, subject), created with display_name when new.
 * provider: 1-16 lowercase letters; subject: 1-200 bytes. */
int identity_find_or_create(pw_store_t *s, const char *provider, const char *subject,
			    const char *display_name, int64_t now, int64_t *id, pw_err_t *err);

/*
 * The governor an identity governs as now: the one enrolled in the current
 * season (*enrolled true), else the latest it had (*enrolled false); 0
 * when it never joined. g is synced first.
 */
int64_t identity_governor(pw_gov_t *g, int64_t identity_id, bool *enrolled);

/*
 * The identity of governor gid; with create, one is made for a governor
 * who has none (provider "token": joined before identities, or signs in
 * with the token a script was given). 0 when there is none (and not
 * create) or on failure.
 */
int64_t identity_of_governor(pw_gov_t *g, int64_t gid, bool create, int64_t now);

/* ---- joining ---- */

typedef struct pw_identity_join {
	const char *name;         /* the governor's name (gov_check_name) */
	int64_t team_id;          /* 0: the invite's team (with an invite only) */
	const char *invite_code;  /* NULL or "": none */
	bool require_invite;      /* invite enrolment: no code, no join */
	int64_t identity_id;      /* the person, when known; 0: a new identity */
	const char *provider;     /* for a new identity: "open" or "invite" */
	int64_t now;              /* unix seconds */
} pw_identity_join_t;

/*
 * Joins as one person: in the join's own transaction, refuses an identity
 * that already governs in the current season (PW_E_CONFLICT, naming the
 * governor), a missing invite when one is required (PW_E_FORBIDDEN), an
 * unknown, expired, revoked or used-up invite or one for another team
 * (PW_E_FORBIDDEN / PW_E_INVALID, saying which); then adds the governor
 * (governor.joined), links it to the identity (a new one when
 * in->identity_id is 0) and counts the invite's use. *out is gov_join's
 * answer plus "identity_id" (caller owns); *identity_id (may be NULL) the
 * identity. A refusal changes nothing.
 */
int identity_join(pw_gov_t *g, const pw_identity_join_t *in, int64_t *identity_id, struct cJSON **out,
		  pw_err_t *err);

/* A new bearer token for gid into token (IDENTITY_SECRET_HEX + 1 bytes);
 * the old one stops working at once. */
int identity_rotate_token(pw_gov_t *g, int64_t gid, char *token, pw_err_t *err);

/* ---- browser sessions ---- */

typedef struct pw_session {
	char csrf[IDENTITY_SECRET_HEX + 1]; /* what every form of the session carries */
	int64_t identity_id;                /* 0: nobody signed in */
	bool admin;                         /* signed in with the admin token */
	int64_t expires_at;                 /* unix seconds */
} pw_session_t;

/*
 * A new session for identity_id (0: anonymous, which lives at most
 * IDENTITY_ANON_SECONDS) and admin, lasting lifetime seconds: its id into
 * id (IDENTITY_SECRET_HEX + 1 bytes; the cookie's value), its row into out
 * (may be NULL). Expired sessions are removed first. Signing in always
 * makes a new session (never upgrades the one a visitor arrived with), so
 * a session id planted before sign-in is worth nothing after.
 */
int identity_session_new(pw_store_t *s, int64_t identity_id, bool admin, int64_t now, int lifetime,
			 char *id, pw_session_t *out, pw_err_t *err);
/* 1 with out filled when id names a session alive at now, 0 when it is
 * unknown, malformed or expired, negative on failure. */
int identity_session_get(pw_store_t *s, const char *id, int64_t now, pw_session_t *out);
/* Sign out: the session is gone. 0 or negative. */
int identity_session_end(pw_store_t *s, const char *id);
/* Whether token is the session's CSRF token (compared in constant time). */
bool identity_csrf_ok(const pw_session_t *sess, const char *token);

/* ---- invites ---- */

/*
 * A new invite to team_id usable max_uses times (1..IDENTITY_INVITE_MAX_USES)
 * until expires_at (after now, at most IDENTITY_INVITE_MAX_SECONDS ahead),
 * with an optional note (≤ IDENTITY_NOTE_MAX bytes, gov_check_name's rules
 * when not empty). Its code into code (IDENTITY_INVITE_HEX + 1 bytes): shown
 * once, stored hashed. *id (may be NULL) its id. Errors name the field.
 */
int identity_invite_create(pw_store_t *s, int64_t team_id, int max_uses, int64_t expires_at,
			   const char *note, int64_t now, char *code, int64_t *id, pw_err_t *err);
/* 1 with out filled when code names an invite (usable or not), 0 when it
 * names none (or is malformed), negative on failure. */
int identity_invite_find(pw_store_t *s, const char *code, pw_invite_row_t *out);
/* Why inv cannot be used at now (a sentence for people), or NULL when it can. */
const char *identity_invite_unusable(const pw_invite_row_t *inv, int64_t now);
/* Revokes invite id: PW_E_NOT_FOUND when there is none. */
int identity_invite_revoke(pw_store_t *s, int64_t id, pw_err_t *err);

#endif
