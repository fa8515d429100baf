/*
 * fuzz_auth.c - auth_key_from_headers() and auth_scope_parse(). The input
 * is "AUTHORIZATION\nX-API-KEY": an empty first part is no Authorization
 * header, no '\n' is no X-API-Key header. A key found is a pointer into
 * the header it came from, exactly AUTH_KEY_LEN bytes of "kz_" and
 * base64url; an Authorization header, good or bad, is the only one
 * looked at.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

#include "fuzz.h"

static bool
within(const char *p, size_t len, const char *s)
{
	return s != NULL && p >= s && p + len <= s + strlen(s);
}

static bool
shape(const char *k, size_t len)
{
	size_t	i;

	if (len != AUTH_KEY_LEN || memcmp(k, AUTH_KEY_PREFIX, 3) != 0)
		return false;
	for (i = 3; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') ||
		    (k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= '0' && k[i] <= '9') || k[i] == '-' || k[i] == '_'))
			return false;
	return true;
}

static const char *
trim(const char *s, size_t *len)
{
	size_t	n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

/* The key the header rule finds, or NULL. */
static const char *
oracle(const char *authz, const char *xkey, size_t *len)
{
	const char	*k;

	if (authz != NULL) {
		k = trim(authz, len);
		if (*len <= 7 || strncasecmp(k, "bearer ", 7) != 0)
			return NULL;
		k = trim(k + 7, len);
		return shape(k, *len) ? k : NULL;
	}
	if (xkey == NULL)
		return NULL;
	k = trim(xkey, len);
	return shape(k, *len) ? k : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*a, *x, *all;
	const char	*authz, *xkey, *k, *want;
	size_t		 len = (size_t)-1, wantlen = 0;
	unsigned char	 hash[AUTH_HASH_LEN];
	enum scope	 sc;

	fuzz_split(data, size, '\n', &a, &x);
	authz = a[0] != '\0' ? a : NULL;
	xkey = memchr(data, '\n', size) != NULL ? x : NULL;
	k = auth_key_from_headers(authz, xkey, &len);
	want = oracle(authz, xkey, &wantlen);
	FUZZ_CHECK(k == want);
	if (k != NULL) {
		FUZZ_CHECK(len == AUTH_KEY_LEN && shape(k, len));
		FUZZ_CHECK(authz != NULL ? within(k, len, authz) :
		    within(k, len, xkey));
		auth_key_hash(k, len, hash);
	}
	/* Scopes: the three names and nothing else, and back again. */
	all = fuzz_strndup(data, size);
	sc = auth_scope_parse(all);
	FUZZ_CHECK(sc >= SCOPE_NONE && sc <= SCOPE_ADMIN);
	if (sc != SCOPE_NONE)
		FUZZ_CHECK(strcmp(auth_scope_name(sc), all) == 0);
	for (sc = SCOPE_READ; sc <= SCOPE_ADMIN; sc++)
		FUZZ_CHECK(auth_scope_parse(auth_scope_name(sc)) == sc);
	free(all);
	free(a);
	free(x);
	return 0;
}
