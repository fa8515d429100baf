/*
 * fuzz_html.c - html_escape(), html_escape_n(), html_url() and
 * html_page() on any bytes. The output is well-formed UTF-8 with no raw
 * < > " ', no control character (C0, DEL, C1), every '&' the start of
 * one of the five entities; un-escaped, it is the input with controls
 * dropped and each byte that starts no UTF-8 character made U+FFFD.
 * html_url()'s output is printable ASCII with no space: the input with
 * the documented bytes percent-encoded, then escaped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "html.h"

#include "fuzz.h"

static const char *const entities[] = {
	"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"
};
static const char raw[] = "&<>\"'";

/* The length of the well-formed character at s (n bytes left), or 0. */
static size_t
char_len(const unsigned char *s, size_t n)
{
	size_t	k;

	for (k = 1; k <= 4 && k <= n; k++)
		if (fuzz_utf8_ok((const char *)s, k))
			return k;
	return 0;
}

/* What the escaped text must say, before escaping: into out. */
static size_t
sanitise(const unsigned char *s, size_t n, char *out)
{
	size_t	i = 0, o = 0, k;

	while (i < n) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			i++;
			continue;
		}
		if ((k = char_len(s + i, n - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		if (!(k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	return o;
}

/* Check escaped text and undo its entities into out; the length. */
static size_t
check_escaped(const char *e, char *out)
{
	size_t	i, j, o = 0, n = strlen(e);

	FUZZ_CHECK(fuzz_utf8_ok(e, n));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
		FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
		if (c == 0xc2 && i + 1 < n)
			FUZZ_CHECK((unsigned char)e[i + 1] >= 0xa0);
		if (c != '&') {
			out[o++] = (char)c;
			continue;
		}
		for (j = 0; j < 5; j++)
			if (strncmp(e + i, entities[j], strlen(entities[j])) == 0)
				break;
		FUZZ_CHECK(j < 5);
		out[o++] = raw[j];
		i += strlen(entities[j]) - 1;
	}
	return o;
}

static void
check_url(const char *got, const char *s)
{
	static const char	 hexd[] = "0123456789ABCDEF";
	const unsigned char	*u = (const unsigned char *)s;
	char			*want = malloc(6 * 3 * strlen(s) + 1);
	size_t			 i, o = 0;

	if (want == NULL)
		abort();
	for (i = 0; u[i] != '\0'; i++) {
		if (u[i] <= 0x20 || u[i] >= 0x7f ||
		    strchr("\"<>\\^`|", u[i]) != NULL) {
			want[o++] = '%';
			want[o++] = hexd[u[i] >> 4];
			want[o++] = hexd[u[i] & 15];
		} else if (u[i] == '&') {
			memcpy(want + o, "&amp;", 5);
			o += 5;
		} else if (u[i] == '\'') {
			memcpy(want + o, "&#39;", 5);
			o += 5;
		} else
			want[o++] = (char)u[i];
	}
	want[o] = '\0';
	FUZZ_CHECK(strcmp(got, want) == 0);
	for (i = 0; got[i] != '\0'; i++)
		FUZZ_CHECK(got[i] > 0x20 && got[i] < 0x7f);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_create();
	char		*s, *e, *want, *got, *page;
	size_t		 wn, gn, plen = 0;

	if (a == NULL)
		abort();
	s = fuzz_strndup(data, size);
	if ((want = malloc(3 * size + 1)) == NULL ||
	    (got = malloc(6 * size + 1)) == NULL)
		abort();

	e = html_escape_n(a, (const char *)data, size);
	wn = sanitise(data, size, want);
	gn = check_escaped(e, got);
	FUZZ_CHECK(gn == wn && memcmp(got, want, wn) == 0);

	/* The C-string form: the same, up to the first NUL. */
	FUZZ_CHECK(strcmp(html_escape(a, s),
	    html_escape_n(a, s, strlen(s))) == 0);
	FUZZ_CHECK(strcmp(html_escape(a, NULL), "") == 0);

	e = html_url(a, s);
	check_escaped(e, got);
	check_url(e, s);

	page = html_page(a, s, NULL, &plen);
	FUZZ_CHECK(strlen(page) == plen);
	FUZZ_CHECK(strncmp(page, "<!DOCTYPE html>\n", 16) == 0);
	FUZZ_CHECK(strstr(page, "<title>") != NULL &&
	    strstr(strstr(page, "<title>") + 7, "</title>") != NULL);

	free(want);
	free(got);
	free(s);
	arena_free(a);
	return 0;
}
