/*
 * rng.h — the seeded pseudo-random generator every game draws from.
 *
 * xoshiro256** (Blackman & Vigna): 256 bits of state, a period of 2^256 - 1,
 * fast, and its output passes the usual statistical batteries. The state is
 * filled from a 64-bit seed with splitmix64 so that nearby seeds give unrelated
 * streams. There is no global generator: each game owns one pw_rng_t, which is
 * what makes the simulation re-entrant and games replayable bit for bit.
 *
 * Floating-point draws use the top 53 bits, so they are exact doubles and the
 * same on every IEEE-754 machine.
 */
#ifndef PW_RNG_H
#define PW_RNG_H

#include <stdint.h>

typedef struct pw_rng {
	uint64_t s[4];
} pw_rng_t;

/* One step of splitmix64; also a good 64-bit mixing function for seeds. */
uint64_t rng_mix64(uint64_t *state);

/* Seeds r from seed. */
void rng_seed(pw_rng_t *r, uint64_t seed);

/*
 * Seeds r with an independent stream derived from (seed, stream): the same
 * pair always gives the same sequence; different streams do not overlap in
 * practice. Used for per-effect streams (seed = game seed, stream = a hash of
 * the effect id) and for league generation.
 */
void rng_seed_stream(pw_rng_t *r, uint64_t seed, uint64_t stream);

/* One xoshiro256** step: the next 64 bits. Inline in the header so that
 * the game's hot path (simstate.h's sim_next) draws without a call and
 * still from this one definition; rng_next is the same step, called. */
static inline uint64_t rng_step(pw_rng_t *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t result = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

uint64_t rng_next(pw_rng_t *r);

/* A double uniformly in [0, 1). */
double rng_uniform(pw_rng_t *r);

/* An integer uniformly in [0, n), without modulo bias; n must be > 0. */
uint32_t rng_below(pw_rng_t *r, uint32_t n);

/* An integer uniformly in [lo, hi] (inclusive); lo <= hi. */
int rng_range(pw_rng_t *r, int lo, int hi);

/* 64-bit FNV-1a of a string: stable across builds, used to turn ids into
 * stream numbers. */
uint64_t rng_hash_str(const char *s);

#endif
