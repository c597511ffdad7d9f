/*
 * sha256.h — SHA-256 (FIPS 180-4), for game hashes and effect-script digests.
 *
 * Our own small implementation so the core needs no crypto library (it
 * uses the processor's SHA instructions where x86-64 has them). Streaming
 * interface plus a one-shot helper that writes lowercase hex.
 */
#ifndef PW_SHA256_H
#define PW_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pw_sha256 {
	uint32_t h[8];
	uint64_t len;       /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
} pw_sha256_t;

void sha256_init(pw_sha256_t *c);
void sha256_update(pw_sha256_t *c, const void *data, size_t len);
void sha256_final(pw_sha256_t *c, uint8_t out[32]);

/* Whether sha256_update runs on the processor's SHA instructions (x86-64
 * SHA-NI) rather than the portable block function; the digest is the
 * same either way. */
bool sha256_accelerated(void);
/* sha256_update on the portable block function whatever the processor
 * has (for tests that compare the two). */
void sha256_update_portable(pw_sha256_t *c, const void *data, size_t len);

/* Hashes len bytes and writes 64 hex digits and a NUL into hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[65]);

/* Writes the 64-digit lowercase hex of a 32-byte digest into hex[65]. */
void sha256_to_hex(const uint8_t digest[32], char hex[65]);

#endif
