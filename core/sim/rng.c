/*
 * rng.c — xoshiro256** seeded by splitmix64. See rng.h for why.
 */
#include "core/sim/rng.h"

uint64_t rng_mix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(pw_rng_t *r, uint64_t seed)
{
	uint64_t sm = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_mix64(&sm);
	/* An all-zero state would be a fixed point; splitmix64 cannot produce
	 * four zero words in a row, but keep the guarantee explicit. */
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

void rng_seed_stream(pw_rng_t *r, uint64_t seed, uint64_t stream)
{
	uint64_t sm = stream ^ 0x5851f42d4c957f2dULL;
	rng_seed(r, seed ^ rng_mix64(&sm));
}

uint64_t rng_next(pw_rng_t *r)
{
	return rng_step(r);
}

double rng_uniform(pw_rng_t *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint32_t rng_below(pw_rng_t *r, uint32_t n)
{
	/* Lemire's multiply-shift with rejection of the short range. */
	uint64_t m = (uint64_t)(uint32_t)(rng_next(r) >> 32) * n;
	uint32_t lo = (uint32_t)m;
	if (lo < n) {
		uint32_t threshold = (uint32_t)(-n) % n;
		while (lo < threshold) {
			m = (uint64_t)(uint32_t)(rng_next(r) >> 32) * n;
			lo = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

int rng_range(pw_rng_t *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (uint32_t)(hi - lo) + 1u);
}

uint64_t rng_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}
