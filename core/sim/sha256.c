/*
 * sha256.c — SHA-256 per FIPS 180-4: the game hash covers every play of
 * every game a tick plays (about nine kilobytes a game).
 */
#include "core/sim/sha256.h"

#include <stdbool.h>
#include <string.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
#define BS0(a) (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22))
#define BS1(e) (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25))

/* One round with the eight working variables in these roles; the next
 * round takes them shifted by one (h becomes a), so eight rounds in a row
 * name them in turn and nothing is copied between rounds. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                  \
	do {                                                              \
		uint32_t t1_ = (h) + BS1(e) + CH(e, f, g) + K[i] + w[i]; \
		(d) += t1_;                                               \
		(h) = t1_ + BS0(a) + MAJ(a, b, c);                        \
	} while (0)

/*
 * The block function. A game's hash covers some 140 blocks of plays, and
 * written as one loop whose body shifted the eight variables by copying
 * them, this cost about 4,000 instructions a block: a fifth of a tick.
 * Eight rounds per pass, each naming the variables in their turn, and the
 * usual three-operation forms of Ch and Maj do the same work in about
 * half of that.
 */
static void compress(uint32_t st[8], const uint8_t p[64])
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
	uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
	for (int i = 0; i < 64; i += 8) {
		ROUND(a, b, c, d, e, f, g, h, i);
		ROUND(h, a, b, c, d, e, f, g, i + 1);
		ROUND(g, h, a, b, c, d, e, f, i + 2);
		ROUND(f, g, h, a, b, c, d, e, i + 3);
		ROUND(e, f, g, h, a, b, c, d, i + 4);
		ROUND(d, e, f, g, h, a, b, c, i + 5);
		ROUND(c, d, e, f, g, h, a, b, i + 6);
		ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	st[0] += a; st[1] += b; st[2] += c; st[3] += d;
	st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

/*
 * The same block function on the SHA extensions of x86-64 (SHA-NI: Intel
 * since Goldmont and Ice Lake, AMD since Zen), chosen at run time when the
 * processor has them. A tick hashes every play of its games, and this does
 * a block in some 30 instructions where compress() needs about 2,000. It
 * is an exact replacement: sha256_update_portable() stays for processors
 * without them, and test_sha256 checks the two agree byte for byte.
 *
 * The instructions keep the state as two registers, {A,B,E,F} and
 * {C,D,G,H}; sha256rnds2 does two rounds with the message words and
 * constants in its third operand's low half, and sha256msg1/msg2 extend
 * the message schedule four words at a time.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define SHA_NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* Four rounds: words w (schedule) plus the constants of group g, then two
 * rnds2 (the second on the high half, moved down). */
#define ROUNDS4(w, g)                                                              \
	do {                                                                       \
		__m128i m_ = _mm_add_epi32((w), _mm_loadu_si128((const __m128i *)&K[4 * (g)])); \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m_);                      \
		m_ = _mm_shuffle_epi32(m_, 0x0e);                                  \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, m_);                      \
	} while (0)

/* The next four schedule words from the four groups before them
 * (w0 oldest): W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]. */
#define NEXT4(w0, w1, w2, w3) \
	_mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), _mm_alignr_epi8((w3), (w2), 4)), (w3))

SHA_NI_TARGET static void compress_ni(uint32_t st[8], const uint8_t *p, size_t blocks)
{
	/* Big-endian words: reverse the bytes of each 32-bit lane. */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)&st[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&st[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
	for (; blocks > 0; blocks--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh;
		__m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
		__m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		__m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		__m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
		ROUNDS4(w0, 0);
		ROUNDS4(w1, 1);
		ROUNDS4(w2, 2);
		ROUNDS4(w3, 3);
		for (int g = 4; g < 16; g += 4) {
			w0 = NEXT4(w0, w1, w2, w3);
			ROUNDS4(w0, g);
			w1 = NEXT4(w1, w2, w3, w0);
			ROUNDS4(w1, g + 1);
			w2 = NEXT4(w2, w3, w0, w1);
			ROUNDS4(w2, g + 2);
			w3 = NEXT4(w3, w0, w1, w2);
			ROUNDS4(w3, g + 3);
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(feba, dchg, 0xf0));
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* 1 when the processor has SHA-NI, SSSE3 and SSE4.1, 0 when not; asked
 * once (a race between first callers writes the same answer). */
static int have_ni(void)
{
	static int known; /* 0 not asked, 1 no, 2 yes */
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
	if (!k) {
		unsigned a, b, c, d;
		bool sse = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1);
		bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
		k = sse && sha ? 2 : 1;
		__atomic_store_n(&known, k, __ATOMIC_RELAXED);
	}
	return k == 2;
}
#define HAVE_NI_PATH 1
#else
#define HAVE_NI_PATH 0
#endif

/* Hashes whole blocks with the fastest block function this processor has
 * (or, force_portable, with compress()). */
static void compress_blocks(uint32_t st[8], const uint8_t *p, size_t blocks, bool force_portable)
{
#if HAVE_NI_PATH
	if (!force_portable && have_ni()) {
		compress_ni(st, p, blocks);
		return;
	}
#endif
	for (; blocks > 0; blocks--, p += 64)
		compress(st, p);
}

bool sha256_accelerated(void)
{
#if HAVE_NI_PATH
	return have_ni();
#else
	return false;
#endif
}

void sha256_init(pw_sha256_t *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
				       0xa54ff53a, 0x510e527f, 0x9b05688c,
				       0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
	c->nbuf = 0;
}

static void update(pw_sha256_t *c, const void *data, size_t len, bool portable)
{
	const uint8_t *p = data;
	c->len += len;
	if (c->nbuf) {
		size_t take = 64 - c->nbuf < len ? 64 - c->nbuf : len;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		len -= take;
		if (c->nbuf < 64)
			return;
		compress_blocks(c->h, c->buf, 1, portable);
		c->nbuf = 0;
	}
	if (len >= 64) {
		compress_blocks(c->h, p, len / 64, portable);
		p += len - len % 64;
		len %= 64;
	}
	memcpy(c->buf, p, len);
	c->nbuf = len;
}

void sha256_update(pw_sha256_t *c, const void *data, size_t len)
{
	update(c, data, len, false);
}

void sha256_update_portable(pw_sha256_t *c, const void *data, size_t len)
{
	update(c, data, len, true);
}

void sha256_final(pw_sha256_t *c, uint8_t out[32])
{
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80;
	sha256_update(c, &pad, 1);
	uint8_t zero = 0;
	while (c->nbuf != 56)
		sha256_update(c, &zero, 1);
	uint8_t lenbuf[8];
	for (int i = 0; i < 8; i++)
		lenbuf[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, lenbuf, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void sha256_to_hex(const uint8_t digest[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
	pw_sha256_t c;
	uint8_t d[32];
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, d);
	sha256_to_hex(d, hex);
}
