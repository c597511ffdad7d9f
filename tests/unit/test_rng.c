#include "tests/test.h"

#include "core/sim/rng.h"

TEST(rng_same_seed_same_stream)
{
	pw_rng_t a, b;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		CHECK(rng_next(&a) == rng_next(&b));
}

TEST(rng_known_first_values)
{
	/* Pin the generator: a change of algorithm or seeding would silently
	 * change every stored game's hash, so it must fail loudly here. */
	pw_rng_t r;
	rng_seed(&r, 0);
	uint64_t first = rng_next(&r);
	uint64_t second = rng_next(&r);
	CHECK(first == 0x99ec5f36cb75f2b4ULL);
	CHECK(second == 0xbf6e1f784956452aULL);
}

TEST(rng_streams_differ)
{
	pw_rng_t a, b, c;
	rng_seed_stream(&a, 7, 1);
	rng_seed_stream(&b, 7, 2);
	rng_seed(&c, 7);
	uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);
	CHECK(x != y);
	CHECK(x != z);
	CHECK(y != z);
}

TEST(rng_uniform_range_and_mean)
{
	pw_rng_t r;
	rng_seed(&r, 123);
	double sum = 0;
	int n = 200000;
	for (int i = 0; i < n; i++) {
		double u = rng_uniform(&r);
		CHECK(u >= 0.0 && u < 1.0);
		sum += u;
	}
	CHECK_NEAR(sum / n, 0.5, 0.005);
}

TEST(rng_below_is_unbiased_and_in_range)
{
	pw_rng_t r;
	rng_seed(&r, 99);
	int counts[7] = {0};
	int n = 70000;
	for (int i = 0; i < n; i++) {
		uint32_t v = rng_below(&r, 7);
		CHECK(v < 7);
		counts[v < 7 ? v : 0]++;
	}
	for (int i = 0; i < 7; i++)
		CHECK_MSG(counts[i] > 9500 && counts[i] < 10500, "bucket %d has %d", i, counts[i]);
	for (int i = 0; i < 1000; i++) {
		int v = rng_range(&r, -3, 3);
		CHECK(v >= -3 && v <= 3);
	}
}
