/*
 * cli_pending.c — commands whose subsystem has not been built yet.
 *
 * Each says so plainly and fails; none pretends. When a subsystem lands, its
 * command moves to its own cli_*.c file and leaves this one.
 */
#include <stdio.h>

#include "server/cli.h"

static int pending(const char *cmd, const char *what)
{
	cli_error(cmd, "not built yet: %s is still to come", what);
	return 1;
}

int cmd_serve(int argc, char **argv)
{
	return pending(argv[0], "the HTTP server");
}

int cmd_migrate(int argc, char **argv)
{
	return pending(argv[0], "the event store");
}

int cmd_season(int argc, char **argv)
{
	return pending(argv[0], "the league and round runner");
}

int cmd_rebuild(int argc, char **argv)
{
	return pending(argv[0], "the event store");
}

int cmd_backup(int argc, char **argv)
{
	return pending(argv[0], "the event store");
}

