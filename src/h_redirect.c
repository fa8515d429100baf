/*
 * h_redirect.c - GET and HEAD /{code}[/rest]: the hot path. One indexed
 * lookup, a click into memory, a 3xx out. Nothing here waits for a disk
 * write except the visit of a capped link, which must be exact. A link
 * with a password answers with h_password.c's form instead, and
 * h_password.c comes back here, through h_redirect_target() and
 * h_redirect_go(), once the password is right.
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

char *
h_redirect_location(struct arena *a, const struct target *t,
    const char *rest, const char *query)
{
	const char	*url = t->url, *ph, *frag, *q;
	size_t		 ulen, rlen = strlen(rest), qlen, cut, o = 0;
	char		*out;

	if (!t->forward_query)
		query = "";
	ulen = strlen(url);
	qlen = strlen(query);
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
 * Hand a visit to the click buffer: link_id 0 for a code that names no
 * link. HEAD is never a visit; a GET is, and so is the POST of a right
 * password. Whether the visitor is a bot is worked out when the buffer
 * is written, off the hot path.
 */
static void
record(struct hctx *c, int64_t link_id, const char *code, bool counted)
{
	const struct req	*r = c->req;
	struct click_in		 in;

	if (r->method == M_HEAD)
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
h_redirect_target(struct hctx *c, struct target *t, const char **code,
    const char **rest)
{
	const struct req	*r = c->req;
	const char		*raw = r->raw_path + 1;
	char			 dec[3 * KZ_CODE_MAX + 1];
	size_t			 n, clen;
	enum kz_err		 err;

	n = strcspn(raw, "/");
	*rest = raw + n;
	*code = NULL;
	/* Codes are plain ASCII: decode the segment, then judge it. */
	if (n > 3 * KZ_CODE_MAX || http_path_decode(raw, n, dec, &clen) == -1 ||
	    clen > KZ_CODE_MAX || valid_code(dec, clen) != CODE_OK)
		goto notfound;
	*code = arena_strndup(c->a, dec, clen);

	err = store_target(c->store, c->a, r->host, *code, t);
	if (err == KZ_NOTFOUND) {
		/* A miss is a visit of a GET only, like a hit. */
		if (r->method == M_GET)
			record(c, 0, *code, false);
		goto notfound;
	}
	if (err != KZ_OK)
		return err;
	if (t->deleted)
		return resp_fail(c->resp, c->a, KZ_GONE, "gone", NULL,
		    "this link has been deleted");
	if (t->expires_at != 0 && c->now_ms / 1000 >= t->expires_at)
		return resp_fail(c->resp, c->a, KZ_GONE, "expired", NULL,
		    "this link has expired");
	/* Every visit used: HEAD says so too (a GET takes its own, atomically). */
	if (t->max_clicks != 0 && t->clicks >= t->max_clicks)
		return resp_fail(c->resp, c->a, KZ_GONE, "used_up", NULL,
		    "this link has reached its visit limit");
	return KZ_OK;
notfound:
	return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
	    "there is no link with this code");
}

enum kz_err
h_redirect_go(struct hctx *c, const struct target *t, const char *code,
    const char *rest)
{
	const struct req	*r = c->req;
	const char		*loc;
	enum kz_err		 err;
	bool			 bot, visit = r->method != M_HEAD;

	/* A capped link counts its visits now, exactly; bots use up none. */
	bot = t->max_clicks != 0 && r->user_agent != NULL &&
	    ua_is_bot(r->user_agent, strlen(r->user_agent));
	if (t->max_clicks != 0 && visit && !bot) {
		if ((err = store_link_take_visit(c->store, t->id)) == KZ_GONE)
			return resp_fail(c->resp, c->a, KZ_GONE, "used_up",
			    NULL, "this link has reached its visit limit");
		if (err != KZ_OK)
			return err;
	}

	loc = h_redirect_location(c->a, t, rest, r->query);
	resp_header(c->resp, "Location", loc);
	/* Never cached, so that counts stay exact and edits show at once. */
	resp_header(c->resp, "Cache-Control", "private, no-store");
	resp_body(c->resp, t->redirect_status, NULL, "", 0);

	record(c, t->id, code, t->max_clicks != 0 && !bot);
	return KZ_OK;
}

enum kz_err
h_redirect(struct hctx *c)
{
	struct target	 t;
	const char	*code, *rest;
	enum kz_err	 err;

	if ((err = h_redirect_target(c, &t, &code, &rest)) != KZ_OK)
		return err;
	/* The password comes first; its form is no visit. */
	if (t.password_hash != NULL)
		return h_password_form(c, &t, code);
	return h_redirect_go(c, &t, code, rest);
}
