/*
 * fixed_time.c — time() that answers what PW_FIXED_TIME says (or one fixed
 * second), preloaded into the programs tests/bench/fx/callgrind.sh counts
 * instructions of.
 *
 * Lua seeds its string hashes from time(NULL) and a few addresses when a
 * state is made, so where each string lands in a table, and the
 * instructions a lookup takes, change from one run to the next: by some
 * 0.3% of a game with effects. With the clock fixed, the same program
 * repeats its count to a few dozen instructions; two builds still differ
 * in their addresses, so callgrind.sh runs each with a few fixed clocks
 * (seeds) and gives the range. Nothing else in the programs reads time().
 */
#include <stdlib.h>
#include <time.h>

time_t time(time_t *t)
{
	const char *v = getenv("PW_FIXED_TIME");
	time_t now = v ? (time_t)strtoll(v, NULL, 10) : 1700000000;
	if (t)
		*t = now;
	return now;
}
