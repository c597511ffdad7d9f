/*
 * cli.h — the `pinwheel` commands and the small helpers they share.
 *
 * Each command is `int cmd_NAME(int argc, char **argv)` with argv[0] being the
 * command name; it returns the process exit code: 0 success, 1 failure,
 * 2 usage error (spec 40-server, "Command line"). Errors go to stderr as one
 * sentence naming the bad input.
 */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PW_VERSION "0.1.0"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_season(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_effect(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_discord(int argc, char **argv);

/* Prints "pinwheel CMD: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Parses text as an unsigned 64-bit integer (decimal). Returns 0, or -1
 * after printing a usage error that names opt.
 */
int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);

/* Parses a decimal int in [lo, hi]; -1 after a usage error naming opt. */
int cli_parse_int(const char *cmd, const char *opt, const char *text, int lo, int hi, int *out);

/*
 * The value after option argv[*i], advancing *i; NULL after printing
 * "OPT needs a value" when the option is the last argument.
 */
const char *cli_need_value(const char *cmd, int argc, char **argv, int *i);

/* The option's value if given, else the environment variable env if set and
 * non-empty, else def. */
const char *cli_value(const char *given, const char *env, const char *def);

/*
 * Finds a folder of the source tree that the binary needs at run time
 * (rel, e.g. "scripts/effects"): ./rel when run from the tree, else
 * ../rel beside the executable, so build/pinwheel works from any directory.
 * Writes the path into out and returns true; false (out = rel) if neither
 * exists.
 */
bool cli_asset_dir(const char *rel, char *out, size_t cap);

#endif
