/*
 * discord.c — the Discord module's settings, life and outbound queue (see
 * discord.h).
 */
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/store_discord.h"

/* A snowflake: 1 to 20 digits. */
static bool snowflake(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Copies setting name into out; false when unset or empty, -1 when too long. */
static int setting(const char *name, char *out, size_t cap, char *err, size_t errlen)
{
	const char *v = getenv(name);
	out[0] = 0;
	if (!v || !*v)
		return 0;
	if (strlen(v) >= cap) {
		snprintf(err, errlen, "%s is longer than %zu characters.", name, cap - 1);
		return -1;
	}
	snprintf(out, cap, "%s", v);
	return 1;
}

int discord_config_from_env(pw_discord_cfg_t *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	int a = setting("DISCORD_APPLICATION_ID", cfg->app_id, sizeof cfg->app_id, err, errlen);
	int k = a < 0 ? -1 : setting("DISCORD_PUBLIC_KEY", cfg->public_key, sizeof cfg->public_key, err, errlen);
	int t = k < 0 ? -1 : setting("DISCORD_BOT_TOKEN", cfg->bot_token, sizeof cfg->bot_token, err, errlen);
	if (a < 0 || k < 0 || t < 0 ||
	    setting("DISCORD_GUILD_ID", cfg->guild_id, sizeof cfg->guild_id, err, errlen) < 0 ||
	    setting("DISCORD_CLIENT_SECRET", cfg->client_secret, sizeof cfg->client_secret, err, errlen) < 0 ||
	    setting("DISCORD_API_BASE", cfg->api_base, sizeof cfg->api_base, err, errlen) < 0)
		return -1;
	if (!cfg->api_base[0])
		snprintf(cfg->api_base, sizeof cfg->api_base, "%s", DISCORD_API_DEFAULT);
	if (!a && !k && !t)
		return 0;
	if (!a || !k || !t) {
		snprintf(err, errlen, "Discord needs DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY and DISCORD_BOT_TOKEN "
				      "together; %s is missing.",
			 !a ? "DISCORD_APPLICATION_ID" : !k ? "DISCORD_PUBLIC_KEY" : "DISCORD_BOT_TOKEN");
		return -1;
	}
	unsigned char key[DISCORD_KEY_BYTES];
	if (discord_hex_decode(cfg->public_key, strlen(cfg->public_key), key, sizeof key) < 0) {
		snprintf(err, errlen, "DISCORD_PUBLIC_KEY must be the application's public key: 64 hex digits.");
		return -1;
	}
	if (!snowflake(cfg->app_id) || (cfg->guild_id[0] && !snowflake(cfg->guild_id))) {
		snprintf(err, errlen, "%s must be a Discord id (digits only).",
			 !snowflake(cfg->app_id) ? "DISCORD_APPLICATION_ID" : "DISCORD_GUILD_ID");
		return -1;
	}
	if (strncmp(cfg->api_base, "http://", 7) && strncmp(cfg->api_base, "https://", 8)) {
		snprintf(err, errlen, "DISCORD_API_BASE must start with http:// or https://.");
		return -1;
	}
	return 1;
}

int discord_open(pw_app_t *app)
{
	char err[300];
	pw_discord_cfg_t cfg;
	int on = discord_config_from_env(&cfg, err, sizeof err);
	if (on < 0) {
		log_event(&app->log, PW_LOG_ERROR, "discord.config", "%s", err);
		return -1;
	}
	if (!on) {
		log_event(&app->log, PW_LOG_INFO, "discord.disabled", "no DISCORD_* settings: the bot is off");
		return 0;
	}
	struct discord *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	d->app = app;
	d->cfg = cfg;
	discord_hex_decode(cfg.public_key, strlen(cfg.public_key), d->key, sizeof d->key);
	d->rest = discord_rest_new(cfg.api_base, cfg.bot_token);
	if (!d->rest || discord_sender_start(&d->sender, app->cfg.db_path, d->rest, &app->log, err, sizeof err) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "discord.start_failed", "%s", d->rest ? err : "out of memory");
		discord_rest_free(d->rest);
		free(d);
		return -1;
	}
	app->discord = d;
	/* Announcements are made once, by the instance where the event
	 * happened, however many instances share the database. */
	if (srv_bus_add_sink_of(app->bus, SRV_BUS_OWN, discord_on_event, d) < 0)
		log_event(&app->log, PW_LOG_WARN, "discord.no_sink", "the bus has no room for Discord's announcements");
	log_event(&app->log, PW_LOG_INFO, "discord.enabled", "application=%s api=%s guild=%s", cfg.app_id,
		  cfg.api_base, cfg.guild_id[0] ? cfg.guild_id : "(none)");
	return 0;
}

void discord_set_sending(pw_app_t *app, bool on)
{
	if (app->discord)
		discord_sender_set_active(app->discord->sender, on);
}

void discord_close(pw_app_t *app)
{
	struct discord *d = app->discord;
	if (!d)
		return;
	discord_sender_stop(d->sender);
	discord_rest_free(d->rest);
	free(d);
	app->discord = NULL;
}

bool discord_sign_in_on(const pw_app_t *app)
{
	return app->discord && app->discord->cfg.client_secret[0];
}

const char *discord_health(const pw_app_t *app)
{
	return app->discord ? "connected" : "disabled";
}

const char *discord_api_health(const pw_app_t *app)
{
	if (!app->discord)
		return NULL;
	return discord_rest_connected(app->discord->rest) ? "ok" : "waiting";
}

int discord_enqueue(struct discord *d, const char *method, const char *path, cJSON *body)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	if (body && !text)
		return -1;
	int rc = store_outbox_add(d->app->store, method, path, text, (int64_t)time(NULL), NULL);
	cJSON_free(text);
	if (rc < 0) {
		log_event(&d->app->log, PW_LOG_ERROR, "discord.outbox", "%s %s not queued: %s", method, path,
			  store_errmsg(d->app->store));
		return -1;
	}
	discord_sender_wake(d->sender);
	return 0;
}

int discord_followup(struct discord *d, const char *token, cJSON *msg)
{
	char path[STORE_OUTBOX_PATH_MAX];
	if (snprintf(path, sizeof path, "/webhooks/%s/%s/messages/@original", d->cfg.app_id, token) >= (int)sizeof path) {
		cJSON_Delete(msg);
		return -1;
	}
	return discord_enqueue(d, "PATCH", path, msg);
}

cJSON *discord_message(const char *content, cJSON *components)
{
	cJSON *m = cJSON_CreateObject();
	/* Discord refuses content over 2000 characters: cut at a UTF-8 boundary. */
	size_t n = strlen(content);
	if (n > 1900) {
		n = 1900;
		while (n && ((unsigned char)content[n] & 0xC0) == 0x80)
			n--;
	}
	char *c = strndup(content, n);
	cJSON_AddStringToObject(m, "content", c ? c : "");
	free(c);
	/* Never let a governor's text ping @everyone or a role. */
	cJSON *am = cJSON_AddObjectToObject(m, "allowed_mentions");
	cJSON_AddItemToObject(am, "parse", cJSON_CreateArray());
	if (components)
		cJSON_AddItemToObject(m, "components", components);
	return m;
}

bool discord_channel(struct discord *d, const char *name, char *out, size_t cap)
{
	char key[96];
	snprintf(key, sizeof key, "discord.channel.%s", name);
	char *v = store_kv_get(d->app->store, key);
	bool ok = v && *v && strlen(v) < cap;
	if (ok)
		snprintf(out, cap, "%s", v);
	free(v);
	return ok;
}
