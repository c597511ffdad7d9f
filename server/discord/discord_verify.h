/*
 * discord_verify.h — is this request from Discord? (spec 50, "Wire facts")
 *
 * Discord signs every interaction it sends: Ed25519 over the bytes of the
 * X-Signature-Timestamp header followed by the raw body, checked against
 * the application's public key (DISCORD_PUBLIC_KEY, 64 hex digits). The
 * signature comes hex-encoded in X-Signature-Ed25519. Ed25519 is OpenSSL's
 * (libcrypto, already beneath libcurl): EVP_PKEY_new_raw_public_key and a
 * one-shot EVP_DigestVerify, since Ed25519 hashes inside the signature.
 */
#ifndef PW_DISCORD_VERIFY_H
#define PW_DISCORD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISCORD_KEY_BYTES 32
#define DISCORD_SIG_BYTES 64
/* A timestamp further than this from our clock (either way) is stale: a
 * captured request cannot be replayed later. */
#define DISCORD_MAX_SKEW_S 300

/* Decodes exactly n bytes of hex (2n digits, either case) into out; -1 for
 * anything else. */
int discord_hex_decode(const char *hex, size_t hexlen, unsigned char *out, size_t n);

typedef enum discord_verdict {
	DISCORD_SIG_OK = 0,
	DISCORD_SIG_MISSING,   /* a header is absent */
	DISCORD_SIG_MALFORMED, /* not hex of the right length, or a timestamp that is not a number */
	DISCORD_SIG_STALE,     /* the timestamp is too far from now */
	DISCORD_SIG_BAD,       /* the signature does not verify */
} discord_verdict_t;

/*
 * Checks one request: sig_hex and ts (either may be NULL: missing) with
 * their lengths, the raw body, the public key and the time now. The
 * signature is checked before the time, so a forged request learns nothing
 * of the clock.
 */
discord_verdict_t discord_verify(const unsigned char key[DISCORD_KEY_BYTES], const char *sig_hex,
				 size_t sig_len, const char *ts, size_t ts_len, const char *body,
				 size_t body_len, int64_t now);

/* A sentence for a verdict (why the 401). */
const char *discord_verdict_text(discord_verdict_t v);

#endif
