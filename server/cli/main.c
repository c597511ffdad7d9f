/*
 * main.c — `pinwheel`: dispatches to one command per file (cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/cli/cli.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"serve", cmd_serve, "run the league server (HTTP API, live stream, pages)"},
	{"migrate", cmd_migrate, "apply database migrations and exit"},
	{"sim", cmd_sim, "simulate one game"},
	{"season", cmd_season, "simulate a whole season headless"},
	{"bench", cmd_bench, "measure simulation speed"},
	{"calibrate", cmd_calibrate, "check the engine against basketball's numbers"},
	{"effect", cmd_effect, "work with Lua effects (effect check FILE.lua)"},
	{"rebuild", cmd_rebuild, "replay the event log and verify every stored game"},
	{"backup", cmd_backup, "take a consistent online copy of the database"},
	{"discord", cmd_discord, "register the slash commands, set up the guild (discord --help)"},
};

static void usage(FILE *out)
{
	fprintf(out, "Pinwheel Fates %s — a 3-on-3 basketball league whose rules its players write.\n\n"
		     "usage: pinwheel COMMAND [OPTIONS]\n\ncommands:\n", PW_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`pinwheel COMMAND --help` lists a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("pinwheel %s\n", PW_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pinwheel: unknown command \"%s\" (try pinwheel --help)\n", argv[1]);
	return 2;
}
