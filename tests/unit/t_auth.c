/*
 * t_auth.c - API keys: their shape, their hash, finding them in headers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "kz.h"

#include "tap.h"

/* A key of the right shape, and the same with one thing wrong. */
#define KEY	"kz_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcDe"

static const struct {
	const char	*authorization;
	const char	*x_api_key;
	int		 found;
	size_t		 offset;	/* of the key, in whichever header */
} hdr_tests[] = {
	{ "Bearer " KEY, NULL, 1, 7 },
	{ "bearer " KEY, NULL, 1, 7 },
	{ "BEARER " KEY, NULL, 1, 7 },
	{ "BeArEr " KEY, NULL, 1, 7 },
	{ "Bearer   " KEY, NULL, 1, 9 },
	{ "Bearer " KEY "   ", NULL, 1, 7 },
	{ "  Bearer " KEY, NULL, 1, 9 },
	{ "Bearer \t" KEY "\t", NULL, 1, 8 },
	{ "Bearer " KEY, "garbage", 1, 7 },
	{ "Bearer " KEY, KEY, 1, 7 },
	{ NULL, KEY, 1, 0 },
	{ NULL, "  " KEY " ", 1, 2 },
	{ "Basic " KEY, NULL, 0, 0 },
	{ "Basic xxx", NULL, 0, 0 },
	{ "Basic dXNlcjpwYXNz", KEY, 0, 0 },
	{ "Bearer", NULL, 0, 0 },
	{ "Bearer ", NULL, 0, 0 },
	{ "Bearer x", KEY, 0, 0 },
	{ "", KEY, 0, 0 },
	{ "Bearer" KEY, NULL, 0, 0 },
	{ "Bearer:" KEY, NULL, 0, 0 },
	{ KEY, NULL, 0, 0 },
	{ "Token " KEY, NULL, 0, 0 },
	{ "Bearer " KEY "x", NULL, 0, 0 },
	{ "Bearer " KEY KEY, NULL, 0, 0 },
	{ "Bearer kz_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcD", NULL, 0,
	    0 },
	{ "Bearer kz_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/aBcDe", NULL, 0,
	    0 },
	{ "Bearer kz_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcD=", NULL, 0,
	    0 },
	{ "Bearer kz_AbCdEfGhIjKlMnOpQrStUvWxYz01234567 9-_aBcDe", NULL, 0,
	    0 },
	{ "Bearer kz_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBc\xc3\xa9", NULL,
	    0, 0 },
	{ "Bearer KZ_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcDe", NULL, 0,
	    0 },
	{ "Bearer xx_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcDe", NULL, 0,
	    0 },
	{ "Bearer kz-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcDe", NULL, 0,
	    0 },
	{ "Bearer " KEY ",Bearer " KEY, NULL, 0, 0 },
	{ NULL, "Bearer " KEY, 0, 0 },
	{ NULL, KEY "x", 0, 0 },
	{ NULL, "kz_short", 0, 0 },
	{ NULL, "", 0, 0 },
	{ NULL, NULL, 0, 0 },
};

static int
base64url(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", s[i]) == NULL ||
		    s[i] == '\0')
			return 0;
	return 1;
}

static void
test_generate(void)
{
	char		 k1[AUTH_KEY_LEN + 2], k2[AUTH_KEY_LEN + 2];
	const char	*found;
	size_t		 len, i;
	int		 ok;

	memset(k1, '#', sizeof(k1));
	auth_key_generate(k1);
	tap_ok(strlen(k1) == AUTH_KEY_LEN, "key length %d", AUTH_KEY_LEN);
	tap_ok(k1[AUTH_KEY_LEN + 1] == '#', "key writes AUTH_KEY_LEN + 1");
	tap_ok(strncmp(k1, "kz_", 3) == 0, "key starts kz_");
	tap_ok(base64url(k1 + 3, AUTH_KEY_LEN - 3), "key is base64url");
	auth_key_generate(k2);
	tap_ok(strcmp(k1, k2) != 0, "two keys differ");
	found = auth_key_from_headers(NULL, k1, &len);
	tap_ok(found == k1 && len == AUTH_KEY_LEN,
	    "a generated key has the shape the headers want");

	/* 32 random bytes: over many keys every position varies. */
	ok = 1;
	for (i = 0; i < 200 && ok; i++) {
		auth_key_generate(k2);
		if (strlen(k2) != AUTH_KEY_LEN ||
		    !base64url(k2 + 3, AUTH_KEY_LEN - 3) ||
		    strcmp(k1, k2) == 0)
			ok = 0;
	}
	tap_ok(ok, "200 more keys: right shape, all new");
}

static void
test_hash(void)
{
	static const unsigned char abc[AUTH_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char	h1[AUTH_HASH_LEN], h2[AUTH_HASH_LEN];
	char		 k[AUTH_KEY_LEN + 1];

	auth_key_hash("abc", 3, h1);
	tap_ok(memcmp(h1, abc, AUTH_HASH_LEN) == 0, "hash is SHA-256");
	auth_key_hash("abcdef", 3, h2);
	tap_ok(memcmp(h2, abc, AUTH_HASH_LEN) == 0, "hash reads len bytes");
	auth_key_generate(k);
	auth_key_hash(k, AUTH_KEY_LEN, h1);
	auth_key_hash(k, AUTH_KEY_LEN, h2);
	tap_ok(memcmp(h1, h2, AUTH_HASH_LEN) == 0, "hash is deterministic");
	k[AUTH_KEY_LEN - 1] = k[AUTH_KEY_LEN - 1] == 'A' ? 'B' : 'A';
	auth_key_hash(k, AUTH_KEY_LEN, h2);
	tap_ok(memcmp(h1, h2, AUTH_HASH_LEN) != 0,
	    "hash differs for a key one character apart");
}

static void
test_headers(void)
{
	const char	*got, *from;
	size_t		 i, len;

	for (i = 0; i < KZ_ARRAY_SIZE(hdr_tests); i++) {
		len = 999;
		got = auth_key_from_headers(hdr_tests[i].authorization,
		    hdr_tests[i].x_api_key, &len);
		if (!hdr_tests[i].found) {
			tap_ok(got == NULL, "auth_key_from_headers case %zu: "
			    "none", i);
			continue;
		}
		from = hdr_tests[i].authorization != NULL ?
		    hdr_tests[i].authorization : hdr_tests[i].x_api_key;
		tap_ok(got == from + hdr_tests[i].offset &&
		    len == AUTH_KEY_LEN && memcmp(got, KEY, len) == 0,
		    "auth_key_from_headers case %zu: found at %zu", i,
		    hdr_tests[i].offset);
	}
}

static void
test_scope(void)
{
	static const struct {
		const char	*s;
		enum scope	 sc;
	} t[] = {
		{ "read", SCOPE_READ }, { "write", SCOPE_WRITE },
		{ "admin", SCOPE_ADMIN }, { "none", SCOPE_NONE },
		{ "", SCOPE_NONE }, { "READ", SCOPE_NONE },
		{ "Admin", SCOPE_NONE }, { "admins", SCOPE_NONE },
		{ "adm", SCOPE_NONE }, { "read ", SCOPE_NONE },
		{ "root", SCOPE_NONE },
	};
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(t); i++)
		tap_ok(auth_scope_parse(t[i].s) == t[i].sc,
		    "auth_scope_parse \"%s\" = %d", t[i].s, t[i].sc);
	tap_str(auth_scope_name(SCOPE_READ), "read", "auth_scope_name read");
	tap_str(auth_scope_name(SCOPE_WRITE), "write",
	    "auth_scope_name write");
	tap_str(auth_scope_name(SCOPE_ADMIN), "admin",
	    "auth_scope_name admin");
	for (i = SCOPE_READ; i <= SCOPE_ADMIN; i++)
		tap_ok(auth_scope_parse(auth_scope_name((enum scope)i)) ==
		    (enum scope)i, "scope %zu round-trips", i);
}

int
main(void)
{
	if (!tap_ok(sodium_init() >= 0, "sodium_init"))
		return tap_done();
	test_generate();
	test_hash();
	test_headers();
	test_scope();
	return tap_done();
}
