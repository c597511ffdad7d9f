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
