/*
 * h_redirect.c - GET and HEAD /{code}[/rest]: the hot path. One indexed
 * lookup, a click into memory, a 3xx out. Nothing here waits for a disk
 * write except the visit of a capped link, which must be exact.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "clicks.h"
#include "conf.h"
#include "handlers.h"
#include "http.h"
#include "store.h"
#include "ua.h"
#include "valid.h"

#define PATH_PLACEHOLDER	"{path}"

/*
 * Append len bytes of s to out at *o, escaping what a Location header
 * must not carry raw. The request line cannot hold CR, LF or spaces, but
 * it can hold bytes past ASCII.
 */
static void
append_escaped(char *out, size_t *o, const char *s, size_t len)
{
	static const char	hexd[] = "0123456789ABCDEF";
	size_t			i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' ||
		    ch == '>' || ch == '\\' || ch == '^' || ch == '`' ||
		    ch == '|') {
			out[(*o)++] = '%';
			out[(*o)++] = hexd[ch >> 4];
			out[(*o)++] = hexd[ch & 15];
		} else
			out[(*o)++] = (char)ch;
	}
}

/*
 * The Location for a go-link: the target with rest (still encoded, with
 * its leading '/') put in place of {path} or appended to the target's
 * path, and the short URL's query merged into the target's.
 */
static char *
location(struct arena *a, const char *url, const char *rest,
    const char *query)
{
	size_t		 ulen = strlen(url), rlen = strlen(rest);
	size_t		 qlen = strlen(query), cut, o = 0;
	const char	*ph, *frag, *q;
	char		*out;

	if (rlen == 0 && qlen == 0 && strstr(url, PATH_PLACEHOLDER) == NULL)
		return (char *)url;
	out = arena_alloc(a, ulen + 3 * (rlen + qlen) + 4);
	frag = strchr(url, '#');
	cut = frag != NULL ? (size_t)(frag - url) : ulen;
	if ((ph = strstr(url, PATH_PLACEHOLDER)) != NULL &&
	    (size_t)(ph - url) < cut) {
		memcpy(out, url, (size_t)(ph - url));
		o = (size_t)(ph - url);
		if (rlen > 0)
			append_escaped(out, &o, rest + 1, rlen - 1);
		memcpy(out + o, ph + 6, cut - (size_t)(ph - url) - 6);
		o += cut - (size_t)(ph - url) - 6;
	} else {
		q = memchr(url, '?', cut);
		cut = q != NULL ? (size_t)(q - url) : cut;
		memcpy(out, url, cut);
		o = cut;
		if (rlen > 0 && o > 0 && out[o - 1] == '/')
			o--;
		append_escaped(out, &o, rest, rlen);
		cut = frag != NULL ? (size_t)(frag - url) : ulen;
		if (q != NULL) {
			memcpy(out + o, q, cut - (size_t)(q - url));
			o += cut - (size_t)(q - url);
		}
	}
	if (qlen > 0) {
		char	sep = memchr(out, '?', o) != NULL ? '&' : '?';

		out[o++] = sep;
		append_escaped(out, &o, query, qlen);
	}
	if (frag != NULL) {
		memcpy(out + o, frag, ulen - (size_t)(frag - url));
		o += ulen - (size_t)(frag - url);
	}
	out[o] = '\0';
	return out;
}

/*
 * Hand a GET's visit to the click buffer: link_id 0 for a code that
 * names no link. HEAD is never a visit. Whether the visitor is a bot is
 * worked out when the buffer is written, off the hot path.
 */
static void
record(struct hctx *c, int64_t link_id, const char *code, bool counted)
{
	const struct req	*r = c->req;
	struct click_in		 in;

	if (r->method != M_GET)
		return;
	in.link_id = link_id;
	in.code = code;
	in.ts_ms = c->now_ms;
	in.counted = counted;
	in.referrer = r->referer;
	in.user_agent = r->user_agent;
	in.ip = r->remote_addr;
	in.country = r->country;
	clicks_add(c->clicks, &in);
}

enum kz_err
h_redirect(struct hctx *c)
{
	const struct req	*r = c->req;
	struct target		 t;
	const char		*raw = r->raw_path + 1, *rest, *loc;
	char			 dec[3 * KZ_CODE_MAX + 1];
	size_t			 n, clen;
	enum kz_err		 err;
	bool			 bot;

	n = strcspn(raw, "/");
	rest = raw + n;
	/* Codes are plain ASCII: decode the segment, then judge it. */
	if (n > 3 * KZ_CODE_MAX || http_path_decode(raw, n, dec, &clen) == -1 ||
	    clen > KZ_CODE_MAX || valid_code(dec, clen) != CODE_OK)
		goto notfound;

	err = store_target(c->store, c->a, r->host, dec, &t);
	if (err == KZ_NOTFOUND) {
		record(c, 0, dec, false);
		goto notfound;
	}
	if (err != KZ_OK)
		return err;
	if (t.deleted)
		return resp_fail(c->resp, c->a, KZ_GONE, "gone", NULL,
		    "this link has been deleted");
	if (t.expires_at != 0 && c->now_ms / 1000 >= t.expires_at)
		return resp_fail(c->resp, c->a, KZ_GONE, "expired", NULL,
		    "this link has expired");

	/* A capped link counts its visits now, exactly; bots use up none. */
	bot = t.max_clicks != 0 && r->user_agent != NULL &&
	    ua_is_bot(r->user_agent, strlen(r->user_agent));
	if (t.max_clicks != 0 && r->method == M_GET && !bot) {
		if ((err = store_link_take_visit(c->store, t.id)) == KZ_GONE)
			return resp_fail(c->resp, c->a, KZ_GONE, "used_up",
			    NULL, "this link has reached its visit limit");
		if (err != KZ_OK)
			return err;
	}

	loc = location(c->a, t.url, rest, r->query);
	resp_header(c->resp, "Location", loc);
	/* Never cached, so that counts stay exact and edits show at once. */
	resp_header(c->resp, "Cache-Control", "private, no-store");
	resp_body(c->resp, t.redirect_status, NULL, "", 0);

	record(c, t.id, dec, t.max_clicks != 0 && !bot);
	return KZ_OK;
notfound:
	return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
	    "there is no link with this code");
}
