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

int cmd_effect(int argc, char **argv)
{
	return pending(argv[0], "effect check");
}
