#include "tests/test.h"

#include "core/sim/sha256.h"

TEST(sha256_known_vectors)
{
	char hex[65];
	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(two, strlen(two), hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_streaming_matches_one_shot)
{
	char buf[1000];
	for (int i = 0; i < 1000; i++)
		buf[i] = (char)(i * 7);
	char one[65], two[65];
	sha256_hex(buf, sizeof buf, one);
	pw_sha256_t c;
	uint8_t d[32];
	sha256_init(&c);
	for (size_t off = 0; off < sizeof buf; off += 13)
		sha256_update(&c, buf + off, sizeof buf - off < 13 ? sizeof buf - off : 13);
	sha256_final(&c, d);
	sha256_to_hex(d, two);
	CHECK_STR(one, two);
}

/* The million-'a' vector (FIPS 180-2): many whole blocks in one update,
 * which the accelerated path takes in one run. */
TEST(sha256_million_a)
{
	static char a[1000000];
	memset(a, 'a', sizeof a);
	char hex[65];
	sha256_hex(a, sizeof a, hex);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Digests of the block function in use (on x86-64 with SHA-NI, the
 * processor's SHA instructions) and of the portable one agree for every
 * length across several blocks and for every way of splitting the input. */
TEST(sha256_accelerated_and_portable_agree)
{
	if (!sha256_accelerated())
		TEST_SKIP("this processor has no SHA instructions: only the portable block function runs");
	static uint8_t buf[1200];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t len = 0; len <= sizeof buf; len += (len < 200 ? 1 : 37)) {
		size_t step = 1 + len % 97;
		pw_sha256_t fast, slow;
		uint8_t df[32], ds[32];
		sha256_init(&fast);
		sha256_init(&slow);
		for (size_t off = 0; off < len; off += step) {
			size_t n = len - off < step ? len - off : step;
			sha256_update(&fast, buf + off, n);
			sha256_update_portable(&slow, buf + off, n);
		}
		sha256_final(&fast, df);
		sha256_final(&slow, ds);
		CHECK_MSG(!memcmp(df, ds, 32), "length %zu in steps of %zu: the two digests differ", len, step);
	}
}
