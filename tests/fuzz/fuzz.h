/*
 * fuzz.h - what every harness shares: a check that aborts with a reason,
 * so that libFuzzer keeps the input, and a NUL-terminated copy of it.
 */
#ifndef KZ_FUZZ_H
#define KZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A property that must hold for every input: abort when it does not. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * A malloc'd, NUL-terminated copy of the size bytes at data (which may
 * hold NULs of their own). The caller frees it.
 */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Split the input at its first byte sep: the part before goes to *a, the
 * rest to *b, each a malloc'd NUL-terminated string (the caller frees
 * both). Without sep, *a is all of it and *b is "".
 */
static inline void
fuzz_split(const uint8_t *data, size_t size, int sep, char **a, char **b)
{
	const uint8_t	*p = size > 0 ? memchr(data, sep, size) : NULL;
	size_t		 n = p != NULL ? (size_t)(p - data) : size;

	*a = fuzz_strndup(data, n);
	*b = p != NULL ? fuzz_strndup(p + 1, size - n - 1) :
	    fuzz_strndup(data, 0);
}

/* Whether the n bytes at s are well-formed UTF-8 (RFC 3629, table 3-7). */
static inline int
fuzz_utf8_ok(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0;

	while (i < n) {
		unsigned char	c = s[i], lo = 0x80, hi = 0xbf;
		size_t		k, need;

		if (c <= 0x7f) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			unsigned char	b = s[i + k];

			if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
				return 0;
		}
		i += need + 1;
	}
	return 1;
}

#endif
