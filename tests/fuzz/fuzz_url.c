/*
 * fuzz_url.c - valid_url(): any bytes in; a verdict out, and for URL_OK a
 * normalised URL that is safe for a Location header, no longer than the
 * limit, not one of ours, and a fixed point: normalising it again gives
 * URL_OK and the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kz.h"
#include "valid.h"

#include "fuzz.h"

static const char *const self_hosts[] = {
	"kurz.example", "s.example.com", "[::1]", "127.0.0.1", NULL
};

static bool
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* The checks on one normalised URL of outlen bytes, made with max. */
static void
check_ok(const char *out, size_t outlen, size_t max)
{
	const char	*host, *end;
	size_t		 i, hlen;

	FUZZ_CHECK(outlen > 0 && outlen <= max);
	FUZZ_CHECK(strlen(out) == outlen);
	FUZZ_CHECK(strncmp(out, "https://", 8) == 0 ||
	    strncmp(out, "http://", 7) == 0);
	for (i = 0; i < outlen; i++) {
		unsigned char c = (unsigned char)out[i];

		/* Nothing that could end or split a header, or be mangled. */
		FUZZ_CHECK(c > 0x20 && c < 0x7f);
		FUZZ_CHECK(strchr("\"<>\\^`|", c) == NULL);
		if (c == '%')
			FUZZ_CHECK(i + 2 < outlen && is_hex(out[i + 1]) &&
			    is_hex(out[i + 2]));
	}
	host = strstr(out, "://") + 3;
	end = host + strcspn(host, "/?#");
	FUZZ_CHECK(*end == '/');	/* an empty path became "/" */
	FUZZ_CHECK(memchr(host, '@', (size_t)(end - host)) == NULL);
	hlen = host[0] == '[' ? (size_t)(strchr(host, ']') - host) + 1 :
	    strcspn(host, ":/");
	FUZZ_CHECK(hlen > 0);
	for (i = 0; i < hlen; i++)
		FUZZ_CHECK(!(host[i] >= 'A' && host[i] <= 'Z'));
	FUZZ_CHECK(host[hlen - 1] != '.');
	for (i = 0; self_hosts[i] != NULL; i++)
		FUZZ_CHECK(strlen(self_hosts[i]) != hlen ||
		    memcmp(self_hosts[i], host, hlen) != 0);
	/* A default port is dropped; a port is 1 to 65535, no zeros first. */
	if (host[hlen] == ':') {
		const char	*port = host + hlen + 1;
		size_t		 plen = (size_t)(end - port);

		FUZZ_CHECK(plen >= 1 && plen <= 5 && port[0] != '0');
		FUZZ_CHECK(strtoul(port, NULL, 10) <= 65535);
		FUZZ_CHECK(!(out[4] == 's' && plen == 3 &&
		    memcmp(port, "443", 3) == 0));
		FUZZ_CHECK(!(out[4] == ':' && plen == 2 &&
		    memcmp(port, "80", 2) == 0));
	} else
		FUZZ_CHECK(host + hlen == end);
}

/* Run valid_url with max and check what it says; the verdict. */
static enum valid_url
run(const char *s, size_t len, size_t max, char **outp, size_t *outlenp)
{
	/* Exactly the promised room, so that ASan sees a byte past it. */
	char		*out = malloc(VALID_URL_OUT(len));
	size_t		 outlen = (size_t)-1, i;
	enum valid_url	 r;
	bool		 ctl = false, sp = false;

	if (out == NULL)
		abort();
	r = valid_url(s, len, max, self_hosts, out, &outlen);
	FUZZ_CHECK(r >= URL_OK && r <= URL_LOOP);
	FUZZ_CHECK(valid_url_msg(r) != NULL);
	for (i = 0; i < len; i++) {
		ctl |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
		sp |= s[i] == ' ';
	}
	if (len == 0)
		FUZZ_CHECK(r == URL_EMPTY);
	else if (len > max)
		FUZZ_CHECK(r == URL_TOO_LONG);
	else if (ctl || sp)
		FUZZ_CHECK(r == URL_CONTROL || r == URL_SPACE);
	if (r == URL_OK)
		check_ok(out, outlen, max);
	else
		FUZZ_CHECK(outlen == 0);
	*outp = out;
	*outlenp = outlen;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		*out, *again, *small;
	size_t		 outlen, againlen, smalllen;
	enum valid_url	 r, rs;

	r = run(s, size, 2048, &out, &outlen);
	if (r == URL_OK) {
		/* Idempotent: the normal form is its own normal form. */
		FUZZ_CHECK(run(out, outlen, 2048, &again, &againlen) ==
		    URL_OK);
		FUZZ_CHECK(againlen == outlen &&
		    memcmp(again, out, outlen) == 0);
		free(again);
	}
	/* The smallest limit KURZ_URL_MAX allows: the same, or too long. */
	rs = run(s, size, KZ_URL_MIN, &small, &smalllen);

	if (rs == URL_OK)
		FUZZ_CHECK(r == URL_OK && smalllen == outlen &&
		    memcmp(small, out, outlen) == 0);
	else if (r == URL_OK && size <= KZ_URL_MIN && outlen <= KZ_URL_MIN)
		FUZZ_CHECK(rs == URL_OK);
	else if (r != URL_OK && size <= KZ_URL_MIN)
		FUZZ_CHECK(rs == r);
	free(small);
	free(out);
	return 0;
}
