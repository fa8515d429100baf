/*
 * html.c - HTML escaping and pages. Nothing here knows requests or
 * responses: strings in, strings out, all in the caller's arena.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "html.h"

/* The most bytes one input byte becomes: ' is "&#39;", " is "&quot;". */
#define HTML_GROWTH	6

static const char	html_replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/*
 * The length of the well-formed UTF-8 sequence at s (n bytes left), or
 * 0 when there is none: no overlong forms, no surrogates, nothing past
 * U+10FFFF (RFC 3629).
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t	k, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) ||	/* overlong */
	    (s[0] == 0xed && s[1] >= 0xa0) ||	/* surrogate */
	    (s[0] == 0xf0 && s[1] < 0x90) ||	/* overlong */
	    (s[0] == 0xf4 && s[1] >= 0x90))	/* past U+10FFFF */
		return 0;
	return k;
}

char *
html_escape_n(struct arena *a, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out, *o;
	const char		*ent;
	size_t			 i, k;

	o = out = arena_alloc(a, HTML_GROWTH * len + 1);
	for (i = 0; i < len; i += k) {
		k = 1;
		ent = NULL;
		switch (u[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			break;
		}
		if (ent != NULL) {
			memcpy(o, ent, strlen(ent));
			o += strlen(ent);
			continue;
		}
		/* Controls would only confuse a reader or a parser: gone. */
		if (u[i] < 0x20 || u[i] == 0x7f)
			continue;
		if (u[i] < 0x80) {
			*o++ = (char)u[i];
			continue;
		}
		if ((k = utf8_len(u + i, len - i)) == 0) {
			memcpy(o, html_replacement, 3);
			o += 3;
			k = 1;
			continue;
		}
		if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
			continue;		/* C1 control */
		memcpy(o, u + i, k);
		o += k;
	}
	*o = '\0';
	return out;
}

char *
html_escape(struct arena *a, const char *s)
{
	if (s == NULL)
		s = "";
	return html_escape_n(a, s, strlen(s));
}

char *
html_url(struct arena *a, const char *s)
{
	static const char	 hexd[] = "0123456789ABCDEF";
	const unsigned char	*u;
	char			*enc;
	size_t			 i, o = 0, len;

	if (s == NULL)
		s = "";
	u = (const unsigned char *)s;
	len = strlen(s);
	enc = arena_alloc(a, 3 * len + 1);
	for (i = 0; i < len; i++) {
		if (u[i] <= 0x20 || u[i] >= 0x7f || strchr("\"<>\\^`|",
		    u[i]) != NULL) {
			enc[o++] = '%';
			enc[o++] = hexd[u[i] >> 4];
			enc[o++] = hexd[u[i] & 15];
		} else
			enc[o++] = (char)u[i];
	}
	enc[o] = '\0';
	return html_escape_n(a, enc, o);
}

char *
html_page(struct arena *a, const char *title, const char *body_html,
    size_t *len)
{
	char	*page;

	page = arena_printf(a,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"en\">\n"
	    "<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
	    "<title>%s</title>\n"
	    "</head>\n"
	    "<body>\n"
	    "<main>\n"
	    "%s"
	    "</main>\n"
	    "</body>\n"
	    "</html>\n",
	    html_escape(a, title), body_html != NULL ? body_html : "");
	if (len != NULL)
		*len = strlen(page);
	return page;
}
