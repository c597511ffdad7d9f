/*
 * pages_session.h — who is at the browser: the session cookie, the
 * governor or admin it stands for, the CSRF check every form post passes,
 * and the account part of the site header.
 *
 * The browser holds `pw_session`, an HttpOnly, SameSite=Lax cookie (Secure
 * when PINWHEEL_ENV=production) naming a server-side session
 * (core/league/identity.h): never a bearer token. Every form carries the
 * session's CSRF token in a hidden field `csrf`; the request gate in
 * server/app.c lets a form post through only with a live session and its
 * token (pages_form_allowed), so a page of another site can make a browser
 * send a form here but never one that does anything.
 */
#ifndef PW_PAGES_SESSION_H
#define PW_PAGES_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/identity.h"
#include "server/http/http_parser.h"
#include "server/http/response.h"

typedef struct pw_app pw_app_t;

#define PAGES_SESSION_COOKIE "pw_session"
/* Where pages_begin leaves room for the account part of the header. */
#define PAGES_ACCOUNT_SLOT "<!--pw:account-->"

/* Who is asking. */
typedef struct pages_who {
	bool session;                   /* a live session came with the request (or was made) */
	char id[IDENTITY_SECRET_HEX + 1]; /* its id, the cookie's value */
	pw_session_t s;
	int64_t gid;                    /* the governor the person is this season; 0: none */
	int64_t last_gid;               /* the latest governor they were, enrolled or not */
	bool admin;                     /* an admin session, or admin open (loopback, no token) */
	bool admin_session;             /* signed in as admin in this browser */
} pages_who_t;

/* The value of cookie name in req's Cookie header into out; false when
 * there is none (or it is longer than cap - 1). */
bool pages_cookie(const pw_http_request_t *req, const char *name, char *out, size_t cap);

/* Reads the session cookie of req into who (zeroed when there is none). */
void pages_who(pw_app_t *app, const pw_http_request_t *req, pages_who_t *who);

/* Makes sure who has a session, starting an anonymous one (its cookie set
 * on res) when it has none. 0, or -1 when the store failed. */
int pages_session_ensure(pw_app_t *app, pages_who_t *who, pw_response_t *res);

/* Signs in: a new session for identity_id (or the admin), replacing the
 * one who had; its cookie on res. 0 or -1. */
int pages_sign_in(pw_app_t *app, pages_who_t *who, int64_t identity_id, bool admin, pw_response_t *res);
/* Signs out: the session ends and the cookie is cleared. */
void pages_sign_out(pw_app_t *app, pages_who_t *who, pw_response_t *res);

/*
 * The request gate's form check (server/app.c, guard_write), for a POST to
 * a page: it must be a form (application/x-www-form-urlencoded), come with
 * a live session's cookie and carry that session's CSRF token in `csrf`.
 * True when it does; otherwise res holds a page saying what was wrong (403,
 * or 415 for another content type).
 */
bool pages_form_allowed(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res);

/* Fills the account slot of an HTML page in res (once; a page without the
 * slot is left alone) for who: their name, team and tokens, or the links
 * to join and sign in. */
void pages_account_fill(pw_app_t *app, const pages_who_t *who, pw_response_t *res);
/* The same for a request whose who is not known yet (the dispatcher, after
 * any page): the session is looked up only when the slot is there. */
void pages_account_fill_req(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res);

#endif
