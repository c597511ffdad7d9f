/*
 * discord_verify.c — Ed25519 verification of interactions (see discord_verify.h).
 */
#include "server/discord/discord_verify.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

int discord_hex_decode(const char *hex, size_t hexlen, unsigned char *out, size_t n)
{
	if (!hex || hexlen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The timestamp as seconds: 1 to 12 digits, nothing else. */
static int parse_ts(const char *ts, size_t n, int64_t *out)
{
	if (n == 0 || n > 12)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (ts[i] < '0' || ts[i] > '9')
			return -1;
		v = v * 10 + (ts[i] - '0');
	}
	*out = v;
	return 0;
}

static bool ed25519_ok(const unsigned char key[DISCORD_KEY_BYTES], const unsigned char sig[DISCORD_SIG_BYTES],
		       const char *ts, size_t ts_len, const char *body, size_t body_len)
{
	/* The signed message is the timestamp's bytes and then the body's. */
	unsigned char *msg = malloc(ts_len + body_len + 1);
	if (!msg)
		return false;
	memcpy(msg, ts, ts_len);
	if (body_len)
		memcpy(msg + ts_len, body, body_len);
	bool ok = false;
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, DISCORD_KEY_BYTES);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (pk && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1)
		ok = EVP_DigestVerify(md, sig, DISCORD_SIG_BYTES, msg, ts_len + body_len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	free(msg);
	return ok;
}

discord_verdict_t discord_verify(const unsigned char key[DISCORD_KEY_BYTES], const char *sig_hex,
				 size_t sig_len, const char *ts, size_t ts_len, const char *body,
				 size_t body_len, int64_t now)
{
	if (!sig_hex || !ts || !sig_len || !ts_len)
		return DISCORD_SIG_MISSING;
	unsigned char sig[DISCORD_SIG_BYTES];
	int64_t when;
	if (discord_hex_decode(sig_hex, sig_len, sig, sizeof sig) < 0 || parse_ts(ts, ts_len, &when) < 0)
		return DISCORD_SIG_MALFORMED;
	if (!ed25519_ok(key, sig, ts, ts_len, body, body_len))
		return DISCORD_SIG_BAD;
	if (when > now + DISCORD_MAX_SKEW_S || when < now - DISCORD_MAX_SKEW_S)
		return DISCORD_SIG_STALE;
	return DISCORD_SIG_OK;
}

const char *discord_verdict_text(discord_verdict_t v)
{
	switch (v) {
	case DISCORD_SIG_OK:
		return "The signature is valid.";
	case DISCORD_SIG_MISSING:
		return "X-Signature-Ed25519 and X-Signature-Timestamp are both required.";
	case DISCORD_SIG_MALFORMED:
		return "X-Signature-Ed25519 must be 128 hex digits and X-Signature-Timestamp a number of seconds.";
	case DISCORD_SIG_STALE:
		return "X-Signature-Timestamp is too far from the server's clock.";
	case DISCORD_SIG_BAD:
		break;
	}
	return "The signature does not verify with the application's public key.";
}
