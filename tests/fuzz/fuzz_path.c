/*
 * fuzz_path.c - http_path_decode(): it succeeds exactly when every '%'
 * has two hex digits and nothing decodes to a control character or NUL;
 * then the output is the decoded bytes, NUL-terminated, no longer than
 * the input, with no byte below 0x20 and no DEL.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#include "fuzz.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The decoding as the header states it; -1 when it must be refused. */
static long
oracle(const uint8_t *s, size_t len, uint8_t *out)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		int c = s[i];

		if (c == '%') {
			if (len - i < 3 ||
			    hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[o++] = (uint8_t)c;
	}
	return (long)o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = malloc(size + 1);
	uint8_t	*want = malloc(size + 1);
	size_t	 outlen = (size_t)-1, i;
	long	 n;
	int	 r;

	if (out == NULL || want == NULL)
		abort();
	r = http_path_decode((const char *)data, size, out, &outlen);
	n = oracle(data, size, want);
	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK((r == 0) == (n >= 0));
	if (r == 0) {
		FUZZ_CHECK(outlen <= size && outlen == (size_t)n);
		FUZZ_CHECK(out[outlen] == '\0');
		FUZZ_CHECK(memcmp(out, want, outlen) == 0);
		for (i = 0; i < outlen; i++)
			FUZZ_CHECK((unsigned char)out[i] >= 0x20 &&
			    out[i] != 0x7f);
		if (memchr(data, '%', size) == NULL)
			FUZZ_CHECK(outlen == size &&
			    memcmp(out, data, size) == 0);
	}
	free(out);
	free(want);
	return 0;
}
