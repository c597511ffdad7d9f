/*
 * discord_int.h — what the Discord module's own files share (internal:
 * tests/layers.sh lets only server/discord/ include it).
 */
#ifndef PW_DISCORD_INT_H
#define PW_DISCORD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/app.h"
#include "server/discord/discord.h"
#include "server/discord/discord_outbox.h"
#include "server/discord/discord_replay.h"
#include "server/discord/discord_rest.h"

struct cJSON;

struct discord {
	pw_app_t *app;
	pw_discord_cfg_t cfg;
	unsigned char key[DISCORD_KEY_BYTES];
	discord_rest_t *rest;
	discord_sender_t *sender;
	discord_replay_t seen; /* interactions answered within the signature window */
};

/* Interaction types and response types (spec 50, "Wire facts"). */
enum {
	DISCORD_IX_PING = 1,
	DISCORD_IX_COMMAND = 2,
	DISCORD_IX_COMPONENT = 3,
	DISCORD_IX_AUTOCOMPLETE = 4,
	DISCORD_IX_MODAL = 5,
};
enum {
	DISCORD_RESP_PONG = 1,
	DISCORD_RESP_MESSAGE = 4,
	DISCORD_RESP_DEFERRED = 5,
	DISCORD_RESP_DEFERRED_UPDATE = 6,
	DISCORD_RESP_UPDATE = 7,
	DISCORD_RESP_MODAL = 9,
};
#define DISCORD_FLAG_EPHEMERAL 64
#define DISCORD_ADMINISTRATOR (1ULL << 3)

/* One interaction, read from its JSON (strings valid while root lives). */
typedef struct discord_ix {
	struct cJSON *root;
	int type;
	const char *token;       /* the interaction's webhook token */
	const char *channel_id;  /* may be NULL */
	const char *user_id;     /* who acted */
	char user_name[64];      /* their name, made fit for a governor's name */
	bool admin;              /* the member has the Administrator permission */
	const char *name;        /* a command's name */
	const struct cJSON *options; /* a command's options (array) or NULL */
	const char *custom_id;   /* a button's or a modal's */
	const struct cJSON *data;
} discord_ix_t;

/* ---- answers (discord_interact.c) ---- */

/* A message answer of type (4 or 7) into res; components taken (may be NULL). */
void discord_answer(pw_response_t *res, int type, const char *content, bool ephemeral,
		    struct cJSON *components);
/* An answer with no message (PONG, deferred: type 1, 5, 6). */
void discord_answer_type(pw_response_t *res, int type, bool ephemeral);
/* A modal: custom_id, title, one or two paragraph inputs ("text" labelled
 * label, and "lua" when with_lua), text prefilled with value (may be NULL). */
void discord_answer_modal(pw_response_t *res, const char *custom_id, const char *title, const char *label,
			  const char *value, bool with_lua);
/* A row of buttons [{label, custom_id, style}], n of them (style 1 blue,
 * 2 grey, 3 green, 4 red). */
struct cJSON *discord_buttons(const char *const labels[], const char *const ids[], const int styles[], int n);

/* ---- outbound (discord.c) ---- */

/* Queues a REST call (body taken, may be NULL) and wakes the sender. 0 or -1. */
int discord_enqueue(struct discord *d, const char *method, const char *path, struct cJSON *body);
/* Replaces the deferred answer of interaction token with msg (taken). */
int discord_followup(struct discord *d, const char *token, struct cJSON *msg);
/* A message {content, components?} (components taken, may be NULL). */
struct cJSON *discord_message(const char *content, struct cJSON *components);
/* The id `setup` recorded for a shared channel ("play-by-play", ...), into
 * out; false when none was recorded. */
bool discord_channel(struct discord *d, const char *name, char *out, size_t cap);

/* ---- acting for the caller (discord_act.c) ---- */

#define DISCORD_TEXT_MAX 4000 /* a proposal's text or Lua, as a form takes it */
#define DISCORD_RULE_LABEL "Your rule, in words"

/* A message (printf) to the caller, ephemeral or not, into res: HTTP_HANDLED. */
int discord_say(pw_response_t *res, bool ephemeral, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A service's refusal (its sentence), to the caller only: HTTP_HANDLED. */
int discord_refuse(pw_response_t *res, const pw_err_t *err);
/* The caller's identity ("discord", user id), made on first sight; 0 on failure. */
int64_t discord_identity(struct discord *d, const discord_ix_t *ix);
/* The governor the caller is this season; 0 with the answer in res when
 * they have not joined. */
int64_t discord_governor(struct discord *d, const discord_ix_t *ix, pw_response_t *res);
/* Sends text (and lua) to the check workers as governor gid's proposal
 * (pid 0) or amendment of pid: answers "deferred" now, the interpretation
 * with Confirm / Revise / Cancel follows through ix's webhook (a refusal
 * before any check is answered at once). HTTP_HANDLED. */
int discord_check(struct discord *d, const discord_ix_t *ix, int64_t gid, int64_t pid, const char *text,
		  const char *lua, pw_response_t *res);
/* The caller's vote on pid (gov_vote). HTTP_HANDLED. */
int discord_vote(struct discord *d, const discord_ix_t *ix, int64_t pid, bool yes, bool boost, pw_response_t *res);

/* ---- commands (discord_cmd.c), buttons and forms (discord_press.c) ---- */

/* Each answers ix into res: HTTP_HANDLED. */
int discord_on_command(struct discord *d, const discord_ix_t *ix, pw_response_t *res);
int discord_on_component(struct discord *d, const discord_ix_t *ix, pw_response_t *res);
int discord_on_modal(struct discord *d, const discord_ix_t *ix, pw_response_t *res);

/* A proposal (gov_proposal_json) in words: number, tier, cost, threshold,
 * text, its parameter changes and effects, the interpretation's note. */
void discord_describe_proposal(pw_buf_t *b, const struct cJSON *p);

/* ---- sign-in (discord_oauth.c) ---- */

/* GET /auth/discord and its callback. */
int discord_oauth_routes(pw_app_t *app);

/* ---- announcements (discord_notify.c) ---- */

/* The name of team id in teams (store_teams_json) into out ("Team <id>"
 * when unknown). */
void discord_team_name(const struct cJSON *teams, int64_t id, char *out, size_t cap);

/* The bus sink: events become messages in the outbox. */
void discord_on_event(void *ud, uint64_t id, const char *type, const char *json);

#endif
