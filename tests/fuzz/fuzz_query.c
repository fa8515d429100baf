/*
 * fuzz_query.c - http_query_get(). The input is "NAME\nQUERY": the
 * name asked for, then the query string (each cut at a NUL, as C strings
 * are). The answer agrees with a plain reading of the header: the first
 * '&'-separated pair whose key is NAME, its value with '+' as a space
 * and %XX decoded; "" for a bare key; NULL when absent, or when the
 * value has a bad escape or decodes to NUL.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http.h"

#include "fuzz.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode n bytes of v into out; false for a bad escape or a NUL. */
static bool
decode(const char *v, size_t n, char *out, size_t *outlen)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)v[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3 || hexval(v[i + 1]) < 0 ||
			    hexval(v[i + 2]) < 0)
				return false;
			c = hexval(v[i + 1]) << 4 | hexval(v[i + 2]);
			i += 2;
		}
		if (c == 0)
			return false;
		out[o++] = (char)c;
	}
	*outlen = o;
	return true;
}

/* 1 and the value in out, 0 when absent, -1 when undecodable. */
static int
oracle(const char *query, const char *name, char *out, size_t *outlen)
{
	size_t		 qlen = strlen(query), nlen = strlen(name), i, start;

	if (qlen == 0)
		return 0;
	for (start = 0, i = 0; i <= qlen; i++) {
		const char	*pair = query + start, *eq;
		size_t		 plen;

		if (i < qlen && query[i] != '&')
			continue;
		plen = i - start;
		start = i + 1;
		eq = memchr(pair, '=', plen);
		if ((size_t)((eq != NULL ? eq : pair + plen) - pair) != nlen ||
		    memcmp(pair, name, nlen) != 0)
			continue;
		if (eq == NULL) {
			*outlen = 0;
			return 1;
		}
		return decode(eq + 1, plen - nlen - 1, out, outlen) ? 1 : -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_create();
	char		*name, *query, *want;
	const char	*got;
	size_t		 wantlen = 0;
	int		 o;

	if (a == NULL)
		abort();
	fuzz_split(data, size, '\n', &name, &query);
	/* Callers ask for names such as "limit"; never for "". */
	if (name[0] == '\0')
		goto out;
	got = http_query_get(a, query, name);
	if ((want = malloc(strlen(query) + 1)) == NULL)
		abort();
	o = oracle(query, name, want, &wantlen);
	if (o == 1) {
		FUZZ_CHECK(got != NULL);
		FUZZ_CHECK(strlen(got) == wantlen &&
		    memcmp(got, want, wantlen) == 0);
	} else
		FUZZ_CHECK(got == NULL);
	/* The arena still works after whatever the call left in it. */
	memset(arena_alloc(a, 64), 0xa5, 64);
	free(want);
out:
	free(name);
	free(query);
	arena_free(a);
	return 0;
}
