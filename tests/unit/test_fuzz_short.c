/*
 * test_fuzz_short.c — the suite's short libFuzzer passes: the HTTP parser
 * (`make fuzz-short`, 15 s) and effect loading (`make fuzz-short-effects`,
 * 12 s). The fuzz binary carries its own ASan/UBSan, so
 * the sanitizer pass of the suite does not run it a second time.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(fuzz_http_parser_short_run)
{
	if (test_sanitized())
		TEST_SKIP("the fuzz binary carries its own sanitizers; it runs in the plain pass");
	char *out = NULL;
	int st = test_run("make -s fuzz-short FUZZ_TIME=15", &out, true);
	CHECK_MSG(st == 0, "fuzzer failed (exit %d); see build/fuzz/ for the crashing input", st);
	CHECK_CONTAINS(out, "Done ");
	if (st != 0 && out)
		printf("%s\n", out + (strlen(out) > 4000 ? strlen(out) - 4000 : 0));
	free(out);
}

/* Effect loading (tests/fuzz/fuzz_effect_load.c): arbitrary bytes as a
 * script through fx_script_load, and a short game when it loads. 12 s. */
TEST(fuzz_effect_load_short_run)
{
	if (test_sanitized())
		TEST_SKIP("the fuzz binary carries its own sanitizers; it runs in the plain pass");
	char *out = NULL;
	int st = test_run("make -s fuzz-short-effects FUZZ_TIME=12", &out, true);
	CHECK_MSG(st == 0, "fuzzer failed (exit %d); see build/fuzz/ for the crashing input", st);
	CHECK_CONTAINS(out, "Done ");
	if (st != 0 && out)
		printf("%s\n", out + (strlen(out) > 4000 ? strlen(out) - 4000 : 0));
	free(out);
}
