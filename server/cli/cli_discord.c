/*
 * cli_discord.c — `pinwheel discord register [--global]` and `pinwheel
 * discord setup [--db PATH]`: thin over server/discord/discord_setup.h,
 * with the DISCORD_* settings from the environment (docs/DISCORD.md).
 */
#include <stdio.h>
#include <string.h>

#include "server/cli/cli.h"
#include "server/discord/discord_setup.h"

static int usage(FILE *out, int code)
{
	fprintf(out, "usage: pinwheel discord register [--global]\n"
		     "       pinwheel discord setup [--db PATH]\n\n"
		     "register  registers the slash commands: in DISCORD_GUILD_ID when it is set (at once),\n"
		     "          else (or with --global) for every server the bot is in (may take an hour)\n"
		     "setup     creates, once, the league's category, channels and team roles in\n"
		     "          DISCORD_GUILD_ID and records their ids in the database\n\n"
		     "Both need DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY and DISCORD_BOT_TOKEN;\n"
		     "DISCORD_API_BASE points them at another API root (tests).\n");
	return code;
}

int cmd_discord(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 2);
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h"))
		return usage(stdout, 0);
	bool global = false;
	const char *db = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, 0);
		if (!strcmp(sub, "register") && !strcmp(argv[i], "--global")) {
			global = true;
		} else if (!strcmp(sub, "setup") && !strcmp(argv[i], "--db")) {
			if (!(db = cli_need_value("discord", argc, argv, &i)))
				return 2;
		} else {
			cli_error("discord", "unknown option \"%s\" (see pinwheel discord --help)", argv[i]);
			return 2;
		}
	}
	if (strcmp(sub, "register") && strcmp(sub, "setup")) {
		cli_error("discord", "unknown subcommand \"%s\": register or setup", sub);
		return 2;
	}
	char err[600];
	pw_discord_cfg_t cfg;
	int on = discord_config_from_env(&cfg, err, sizeof err);
	if (on <= 0) {
		cli_error("discord", "%s", on < 0 ? err : "DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY and DISCORD_BOT_TOKEN are not set.");
		return 2;
	}
	if (!strcmp(sub, "register")) {
		bool guild = !global && cfg.guild_id[0];
		int n = discord_register(&cfg, guild, err, sizeof err);
		if (n < 0) {
			cli_error("discord", "%s", err);
			return 1;
		}
		printf("registered %d commands %s\n", n, guild ? "in the guild" : "globally");
		return 0;
	}
	db = cli_value(db, "PINWHEEL_DB", "data/pinwheel.db");
	pw_store_t *s = store_open(db, err, sizeof err);
	if (!s) {
		cli_error("discord", "%s", err);
		return 1;
	}
	int made = 0;
	int rc = discord_setup(&cfg, s, &made, err, sizeof err);
	store_close(s);
	if (rc < 0) {
		cli_error("discord", "%s", err);
		return 1;
	}
	printf("setup done: %d new channels and roles (ids recorded in %s)\n", made, db);
	return 0;
}
