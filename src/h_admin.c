/*
 * h_admin.c - the admin page at /admin/: sign in with an API key, list,
 * create, edit, delete and restore links, their QR codes and their stats.
 *
 * Every page is made here, on the server, from the same store calls and
 * the same judge (h_link_judge) as the JSON API, so a value is refused
 * with the same words in both. Every string that did not come from this
 * file reaches the page through html.c. The pages load one stylesheet
 * and one small script (the copy buttons) from /admin/static/, which
 * nginx serves; nothing else, and nothing inline, so the
 * Content-Security-Policy below can forbid everything else.
 *
 * A session is a random token in an HttpOnly, SameSite=Strict cookie;
 * the database keeps only its hash (store_session_*). Every form
 * carries the session's CSRF token, and a POST is refused when the
 * browser says it came from another site (Sec-Fetch-Site) or names
 * another origin (Origin). The sign-in form, which has no session yet,
 * carries a token that must match a cookie set with the form.
 *
 * Errors are pages for browsers (Accept: text/html) and problem+json
 * for everything else, with the same status either way.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "arena.h"
#include "auth.h"
#include "chart.h"
#include "conf.h"
#include "handlers.h"
#include "html.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "qr.h"
#include "route.h"
#include "store.h"
#include "valid.h"

#define ADMIN_COOKIE		"kurz_session"
#define ADMIN_LOGIN_COOKIE	"kurz_login"
#define ADMIN_SESSION_SECS	(12 * 3600)	/* a session lasts a working day */
#define ADMIN_LOGIN_SECS	3600		/* a sign-in form lasts an hour */
#define ADMIN_TOKEN_BYTES	32
#define ADMIN_TOKEN_LEN		43		/* 32 bytes in base64url */
#define ADMIN_PAGE_LINKS	50
#define ADMIN_DAYS		30		/* days on the stats page */
#define ADMIN_QR_SCALE		8		/* PNG pixels per module */
#define ADMIN_Q_MAX		256

/*
 * Scripts, styles and images only from this origin, forms only to it, no
 * framing. The inline SVG chart needs nothing: it is markup, not a
 * resource, and carries no style attribute.
 */
#define ADMIN_CSP	"default-src 'none'; script-src 'self'; " \
			"style-src 'self'; img-src 'self'; form-action 'self'; " \
			"frame-ancestors 'none'; base-uri 'none'"

/* A string that grows in the request's arena. */
struct sb {
	struct arena	*a;
	char		*s;
	size_t		 len, cap;
};

/* What one admin request knows about who sent it. */
struct admin {
	struct hctx		*c;
	bool			 signed_in;
	bool			 answered;	/* a page or redirect is made */
	struct session_info	 sess;
	unsigned char		 hash[AUTH_HASH_LEN];	/* of the session token */
};

/* A link form's values as typed, to show them again next to an error. */
struct form_vals {
	const char	*url, *code, *domain, *title, *tags, *expires;
	const char	*max_clicks, *redirect_status, *version;
	bool		 has_password;
};

static void
sb_init(struct sb *b, struct arena *a)
{
	b->a = a;
	b->cap = 1024;
	b->len = 0;
	b->s = arena_alloc(a, b->cap);
	b->s[0] = '\0';
}

static void KZ_PRINTF(2, 3)
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*n;
	int	 need;

	va_start(ap, fmt);
	need = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (need < 0)
		return;
	if ((size_t)need >= b->cap - b->len) {
		while ((size_t)need >= b->cap - b->len)
			b->cap *= 2;
		n = arena_alloc(b->a, b->cap);
		memcpy(n, b->s, b->len);
		b->s = n;
		va_start(ap, fmt);
		(void)vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)need;
}

/* Shorthands: escaped text and escaped URLs, in the request's arena. */
#define E(s)	html_escape(ad->c->a, (s))

/* Whether the client reads HTML: a browser, as opposed to curl or a script. */
static bool
wants_html(const struct req *r)
{
	return r->accept != NULL && strstr(r->accept, "text/html") != NULL;
}

static void
admin_headers(struct resp *rs)
{
	resp_page_headers(rs, ADMIN_CSP, "same-origin");
}

/* Answer status with a whole page: the header and nav, then body. */
static enum kz_err
admin_page(struct admin *ad, int status, const char *title, const char *body)
{
	struct hctx	*c = ad->c;
	struct sb	 b;

	sb_init(&b, c->a);
	sb_add(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
	    "<title>%s · kurz</title>\n"
	    "<link rel=\"stylesheet\" href=\"/admin/static/admin.css\">\n"
	    "<script src=\"/admin/static/admin.js\" defer></script>\n"
	    "</head>\n<body>\n<header>\n"
	    "<a class=\"brand\" href=\"/admin/\">kurz</a>\n", E(title));
	if (ad->signed_in)
		sb_add(&b, "<nav aria-label=\"Main\">\n"
		    "<a href=\"/admin/\">Links</a>\n"
		    "<a href=\"/admin/new\">New link</a>\n"
		    "</nav>\n"
		    "<form id=\"logout\" method=\"post\" action=\"/admin/logout\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<span class=\"who\">%s</span> "
		    "<button type=\"submit\">Sign out</button></form>\n",
		    E(ad->sess.csrf), E(ad->sess.key_name));
	sb_add(&b, "</header>\n<main>\n%s</main>\n</body>\n</html>\n", body);
	admin_headers(c->resp);
	resp_body(c->resp, status, "text/html; charset=utf-8", b.s, b.len);
	ad->answered = true;
	return KZ_OK;
}

/*
 * Refuse the request: a page with title and the sentence msg for a
 * browser, else the problem (err, code) with msg as its detail.
 */
static enum kz_err
admin_fail(struct admin *ad, enum kz_err err, const char *code,
    const char *title, const char *msg)
{
	struct hctx	*c = ad->c;

	if (!wants_html(c->req))
		return resp_fail(c->resp, c->a, err, code, NULL, "%s", msg);
	if (err == KZ_BUSY || err == KZ_READONLY)
		resp_header(c->resp, "Retry-After", "1");
	return admin_page(ad, http_status(err), title, arena_printf(c->a,
	    "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/admin/\">Back to the "
	    "links</a></p>\n", E(title), E(msg)));
}

/* A failure of the store: the same words the API would use, as a page. */
static enum kz_err
admin_store_fail(struct admin *ad, enum kz_err err)
{
	switch (err) {
	case KZ_BUSY:
		return admin_fail(ad, err, "busy", "Busy",
		    "The database is busy. Try again in a moment.");
	case KZ_READONLY:
		return admin_fail(ad, err, "storage_unavailable",
		    "Read-only", "The database cannot be written just now; "
		    "links can be read but not changed. Try again later.");
	default:
		/* Logged by the store; the browser gets no more than curl. */
		return err;
	}
}

static enum kz_err
admin_redirect(struct admin *ad, const char *location)
{
	struct hctx	*c = ad->c;

	admin_headers(c->resp);
	resp_header(c->resp, "Location", location);
	resp_body(c->resp, 303, "text/html; charset=utf-8", "", 0);
	ad->answered = true;
	return KZ_OK;
}

/* The value of cookie name in a Cookie header, in a; NULL when absent. */
static const char *
cookie_get(struct arena *a, const char *header, const char *name)
{
	const char	*p = header;
	size_t		 n = strlen(name), v;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t;");
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			p += n + 1;
			v = strcspn(p, ";");
			while (v > 0 && (p[v - 1] == ' ' || p[v - 1] == '\t'))
				v--;
			return arena_strndup(a, p, v);
		}
		p = strchr(p, ';');
	}
	return NULL;
}

/* A fresh random token in base64url, in a. */
static char *
token_new(struct arena *a)
{
	unsigned char	 raw[ADMIN_TOKEN_BYTES];
	char		*t = arena_alloc(a, ADMIN_TOKEN_LEN + 1);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(t, ADMIN_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return t;
}

/* Two tokens equal, in time that does not depend on where they differ. */
static bool
token_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strlen(a) == ADMIN_TOKEN_LEN &&
	    strlen(b) == ADMIN_TOKEN_LEN && sodium_memcmp(a, b,
	    ADMIN_TOKEN_LEN) == 0;
}

static void
set_cookie(struct hctx *c, const char *name, const char *value,
    const char *path, long max_age)
{
	resp_header(c->resp, "Set-Cookie", arena_printf(c->a,
	    "%s=%s; Path=%s; Max-Age=%ld; HttpOnly; SameSite=Strict%s", name,
	    value, path, max_age, c->req->https ? "; Secure" : ""));
}

/* Find the session that the request's cookie names, if any. */
static enum kz_err
admin_session(struct admin *ad)
{
	struct hctx	*c = ad->c;
	const char	*tok;
	enum kz_err	 err;

	tok = cookie_get(c->a, c->req->cookie, ADMIN_COOKIE);
	if (tok == NULL || strlen(tok) != ADMIN_TOKEN_LEN)
		return KZ_OK;
	auth_key_hash(tok, ADMIN_TOKEN_LEN, ad->hash);
	err = store_session_find(c->store, c->a, ad->hash, c->now_ms / 1000,
	    &ad->sess);
	if (err == KZ_UNAUTH)
		return KZ_OK;
	if (err != KZ_OK)
		return err;
	ad->signed_in = true;
	c->key_id = ad->sess.key_id;
	c->scope = ad->sess.scope;
	return KZ_OK;
}

/*
 * Whether a POST came from a page of this origin. Browsers say where a
 * request came from in Sec-Fetch-Site (and Origin); a form on another
 * site, even a sibling subdomain, is refused whatever cookies it
 * carries. Clients that send neither (curl) pass here, and need the
 * CSRF token all the same.
 */
static bool
same_origin(const struct req *r)
{
	const char	*o = r->origin, *h;
	size_t		 n;

	if (r->sec_fetch_site != NULL &&
	    strcmp(r->sec_fetch_site, "same-origin") != 0 &&
	    strcmp(r->sec_fetch_site, "none") != 0)
		return false;
	if (o == NULL)
		return true;
	if (strncmp(o, "https://", 8) == 0)
		h = o + 8;
	else if (strncmp(o, "http://", 7) == 0)
		h = o + 7;
	else
		return false;		/* "null": a sandboxed or opaque origin */
	if (r->host_port != NULL && strcasecmp(h, r->host_port) == 0)
		return true;
	/*
	 * Debian's fastcgi_params passes nginx's $host as HTTP_HOST: the
	 * name without the port. Then only the name can be compared; a
	 * page on another port of the same host is told apart by
	 * Sec-Fetch-Site ("same-site"), and cookies never were.
	 */
	if (r->host_port != NULL && (r->host_port[0] == '[' ?
	    strstr(r->host_port, "]:") != NULL :
	    strchr(r->host_port, ':') != NULL))
		return false;
	n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":");
	return n == strlen(r->host) && strncasecmp(h, r->host, n) == 0 &&
	    (h[n] == '\0' || h[n] == ':');
}

/* A form field, decoded; "" when absent. */
static const char *
field(struct admin *ad, const char *name)
{
	const char	*v;

	v = http_query_get(ad->c->a, ad->c->req->body, name);
	return v != NULL ? v : "";
}

/* A query parameter, decoded; NULL when absent. */
static const char *
param(struct admin *ad, const char *name)
{
	return http_query_get(ad->c->a, ad->c->req->query, name);
}

/*
 * Whether a POST is a form sent from a page of this origin: KZ_OK with
 * nothing answered to go on; otherwise the refusal is made.
 */
static enum kz_err
form_here(struct admin *ad)
{
	if (!same_origin(ad->c->req))
		return admin_fail(ad, KZ_FORBIDDEN, "cross_site", "Refused",
		    "This form was sent from another site, so it was not "
		    "carried out.");
	if (!http_type_is(ad->c->req->content_type, HTTP_FORM_TYPE))
		return admin_fail(ad, KZ_MEDIATYPE, "unsupported_media_type",
		    "Refused", "Send the form as " HTTP_FORM_TYPE ".");
	return KZ_OK;
}

/*
 * Check a POST before it changes anything: a form body, from this
 * origin, with the session's CSRF token. KZ_OK to go on; otherwise the
 * answer is made.
 */
static enum kz_err
admin_post_ok(struct admin *ad, bool need_write)
{
	struct hctx	*c = ad->c;
	enum kz_err	 err;

	if ((err = form_here(ad)) != KZ_OK || ad->answered)
		return err;
	if (!token_eq(field(ad, "csrf"), ad->sess.csrf))
		return admin_fail(ad, KZ_FORBIDDEN, "csrf", "Refused",
		    "This form is out of date or was not made by this page. "
		    "Go back, reload the page and try again.");
	if (need_write && c->scope < SCOPE_WRITE)
		return admin_fail(ad, KZ_FORBIDDEN, "forbidden", "Refused",
		    "You signed in with a read-only key; sign in with a key "
		    "that may write to change links.");
	return KZ_OK;
}

/* The short URL of a link. */
static const char *
short_url(struct admin *ad, const struct link *l)
{
	return arena_printf(ad->c->a, "%s/%s", h_short_base(ad->c, l->domain),
	    l->code);
}

/*
 * The admin address of a link, plus suffix ("", "/stats", ...) and a
 * flash word ("saved", ...) or NULL. Unescaped: the caller escapes.
 */
static const char *
link_path(struct admin *ad, const char *code, const char *domain,
    const char *suffix, const char *flash)
{
	bool	 d = domain != NULL && domain[0] != '\0';

	return arena_printf(ad->c->a, "/admin/links/%s%s%s%s%s%s%s", code,
	    suffix, d ? "?domain=" : "", d ? domain : "",
	    flash != NULL ? (d ? "&" : "?") : "", flash != NULL ? flash : "",
	    flash != NULL ? "=1" : "");
}

/* active, expired, capped or deleted. */
static const char *
link_status(const struct link *l, int64_t now)
{
	if (l->deleted_at != 0)
		return "deleted";
	if (l->expires_at != 0 && l->expires_at <= now)
		return "expired";
	if (l->max_clicks != 0 && l->clicks >= l->max_clicks)
		return "capped";
	return "active";
}

/* A time as "2026-11-23 12:00 UTC", in a. */
static const char *
when(struct arena *a, int64_t t)
{
	char	buf[VALID_TIME_LEN + 1];

	valid_time_format(t, buf);
	return arena_printf(a, "%.10s %.5s UTC", buf, buf + 11);
}

static const char *
tags_joined(struct arena *a, const struct link *l)
{
	struct sb	b;
	size_t		i;

	sb_init(&b, a);
	for (i = 0; i < l->ntags; i++)
		sb_add(&b, "%s%s", i > 0 ? ", " : "", l->tags[i]);
	return b.s;
}

static void
copy_button(struct admin *ad, struct sb *b, const char *url)
{
	sb_add(b, "<button type=\"button\" class=\"copy\" data-copy=\"%s\" "
	    "aria-label=\"Copy %s\">Copy</button>", E(url), E(url));
}

/* ---- sign in and out ---- */

static enum kz_err
login_form(struct admin *ad, int status, const char *error)
{
	struct hctx	*c = ad->c;
	const char	*tok = token_new(c->a);

	set_cookie(c, ADMIN_LOGIN_COOKIE, tok, "/admin/login",
	    ADMIN_LOGIN_SECS);
	return admin_page(ad, status, "Sign in", arena_printf(c->a,
	    "<h1>Sign in</h1>\n"
	    "<form id=\"login\" method=\"post\" action=\"/admin/login\">\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<div class=\"field\"><label for=\"key\">API key</label>\n"
	    "<input id=\"key\" name=\"key\" type=\"password\" "
	    "autocomplete=\"current-password\" required autofocus "
	    "spellcheck=\"false\"%s>\n%s%s%s</div>\n"
	    "<p><button type=\"submit\">Sign in</button></p>\n"
	    "</form>\n"
	    "<p class=\"hint\">Keys are made with "
	    "<code>kurzctl key create NAME</code>.</p>\n",
	    tok, error != NULL ? " aria-invalid=\"true\" "
	    "aria-describedby=\"key-error\"" : "",
	    error != NULL ? "<p class=\"error\" id=\"key-error\">" : "",
	    error != NULL ? E(error) : "", error != NULL ? "</p>" : ""));
}

static enum kz_err
login_post(struct admin *ad)
{
	struct hctx	*c = ad->c;
	unsigned char	 hash[AUTH_HASH_LEN], khash[AUTH_HASH_LEN];
	const char	*key, *tok, *csrf;
	char		*kk, *kc;
	size_t		 klen;
	int64_t		 key_id, now = c->now_ms / 1000;
	enum scope	 scope;
	enum kz_err	 err;

	if ((err = form_here(ad)) != KZ_OK || ad->answered)
		return err;
	if (!token_eq(field(ad, "csrf"), cookie_get(c->a, c->req->cookie,
	    ADMIN_LOGIN_COOKIE)))
		return login_form(ad, 403, "The sign-in form was out of date. "
		    "Enter the key again.");

	/* Pasted keys often bring a space or a newline along. */
	kk = (char *)field(ad, "key");
	key = kk + strspn(kk, " \t\r\n");
	klen = strcspn(key, " \t\r\n");
	kc = arena_strndup(c->a, key, klen);
	err = KZ_UNAUTH;
	if (auth_key_from_headers(NULL, kc, &klen) != NULL) {
		auth_key_hash(kc, klen, khash);
		err = store_key_find(c->store, khash, &key_id, &scope);
	}
	sodium_memzero(kc, strlen(kc));
	sodium_memzero(kk, strlen(kk));
	if (c->req->body_len > 0)
		sodium_memzero((char *)c->req->body, c->req->body_len);
	if (err == KZ_UNAUTH)
		return login_form(ad, 401, "That API key is not valid or has "
		    "been revoked.");
	if (err != KZ_OK)
		return admin_store_fail(ad, err);

	tok = token_new(c->a);
	csrf = token_new(c->a);
	auth_key_hash(tok, ADMIN_TOKEN_LEN, hash);
	if ((err = store_session_create(c->store, hash, key_id, csrf, now,
	    now + ADMIN_SESSION_SECS)) != KZ_OK)
		return admin_store_fail(ad, err);
	set_cookie(c, ADMIN_COOKIE, tok, "/admin/", ADMIN_SESSION_SECS);
	set_cookie(c, ADMIN_LOGIN_COOKIE, "", "/admin/login", 0);
	return admin_redirect(ad, "/admin/");
}

static enum kz_err
logout_post(struct admin *ad)
{
	enum kz_err	err;

	if (ad->signed_in) {
		if ((err = admin_post_ok(ad, false)) != KZ_OK ||
		    ad->answered)
			return err;
		if ((err = store_session_delete(ad->c->store, ad->hash)) !=
		    KZ_OK)
			return admin_store_fail(ad, err);
	}
	set_cookie(ad->c, ADMIN_COOKIE, "", "/admin/", 0);
	ad->signed_in = false;
	return admin_redirect(ad, "/admin/login");
}

/* ---- the list ---- */

static void
list_row(struct admin *ad, struct sb *b, const struct link *l)
{
	const char	*su = short_url(ad, l), *st;
	char		 buf[VALID_TIME_LEN + 1];
	size_t		 i;

	st = link_status(l, ad->c->now_ms / 1000);
	valid_time_format(l->created_at, buf);
	sb_add(b, "<tr data-code=\"%s\">\n"
	    "<td class=\"code\" data-label=\"Code\"><a href=\"%s\">%s</a></td>\n"
	    "<td class=\"short\" data-label=\"Short URL\"><a href=\"%s\">%s"
	    "<wbr>/%s</a> ",
	    E(l->code), E(link_path(ad, l->code, l->domain, "", NULL)),
	    E(l->code), E(su), E(h_short_base(ad->c, l->domain)), E(l->code));
	copy_button(ad, b, su);
	sb_add(b, "</td>\n<td class=\"target\" data-label=\"Target\"><a href=\"%s\" "
	    "rel=\"noreferrer noopener\">%s</a></td>\n"
	    "<td class=\"title\" data-label=\"Title\">%s</td>\n"
	    "<td class=\"tags\" data-label=\"Tags\">",
	    E(l->url), E(l->url), E(l->title));
	for (i = 0; i < l->ntags; i++)
		sb_add(b, "<a class=\"tag\" href=\"/admin/?tag=%s\">%s</a> ",
		    html_url(ad->c->a, http_query_escape(ad->c->a,
		    l->tags[i])), E(l->tags[i]));
	sb_add(b, "</td>\n<td class=\"clicks\" data-label=\"Clicks\">%" PRId64 "</td>\n"
	    "<td class=\"created\" data-label=\"Created\"><time datetime=\"%s\">%.10s</time></td>\n"
	    "<td class=\"status\" data-label=\"Status\"><span class=\"status status-%s\">%s</span>"
	    "</td>\n</tr>\n", l->clicks, buf, buf, st, st);
}

static enum kz_err
list_page(struct admin *ad)
{
	struct hctx		*c = ad->c;
	struct link_query	 q;
	struct link		*links;
	struct sb		 b, next;
	const char		*qs, *tag, *dom, *before, *error = NULL;
	char			*end;
	size_t			 n, i;
	int64_t			 next_before = 0, total = 0;
	long long		 v;
	enum kz_err		 err;

	memset(&q, 0, sizeof(q));
	q.limit = ADMIN_PAGE_LINKS;
	q.count = true;
	qs = param(ad, "q");
	tag = param(ad, "tag");
	dom = param(ad, "domain");
	before = param(ad, "before");
	q.deleted = param(ad, "deleted") != NULL;
	if (qs != NULL && *qs != '\0') {
		if (strlen(qs) > ADMIN_Q_MAX || !valid_title(qs, strlen(qs)))
			error = "Search for at most 256 characters of text.";
		else
			q.q = qs;
	}
	if (tag != NULL && *tag != '\0') {
		if (!valid_tag(tag, strlen(tag)))
			error = "A tag is 1 to 64 characters of text.";
		else
			q.tag = tag;
	}
	if (dom != NULL && *dom != '\0') {
		if (!valid_domain(dom, strlen(dom)))
			error = "A domain is a host name such as s.example.com.";
		else
			q.domain = dom;
	}
	if (before != NULL) {
		v = strtoll(before, &end, 10);
		if (*before < '1' || *before > '9' || *end != '\0' || v < 1)
			error = "That page address is not one this page made.";
		else
			q.before_id = v;
	}

	sb_init(&b, c->a);
	sb_add(&b, "<h1>Links</h1>\n"
	    "<form id=\"search\" method=\"get\" action=\"/admin/\" "
	    "role=\"search\">\n"
	    "<div class=\"field\"><label for=\"q\">Search</label>"
	    "<input id=\"q\" name=\"q\" type=\"search\" value=\"%s\"></div>\n"
	    "<div class=\"field\"><label for=\"tag\">Tag</label>"
	    "<input id=\"tag\" name=\"tag\" value=\"%s\"></div>\n"
	    "<div class=\"field\"><label for=\"domain\">Domain</label>"
	    "<input id=\"domain\" name=\"domain\" value=\"%s\"></div>\n"
	    "<div class=\"field check\"><input id=\"deleted\" name=\"deleted\" "
	    "type=\"checkbox\" value=\"1\"%s>"
	    "<label for=\"deleted\">Deleted links</label></div>\n"
	    "<button type=\"submit\">Search</button>\n</form>\n",
	    E(qs), E(tag), E(dom), q.deleted ? " checked" : "");
	if (error != NULL) {
		sb_add(&b, "<p class=\"error\" id=\"search-error\">%s</p>\n",
		    E(error));
		return admin_page(ad, 400, "Links", b.s);
	}
	if ((err = store_link_list(c->store, c->a, &q, &links, &n,
	    &next_before, &total)) != KZ_OK)
		return admin_store_fail(ad, err);
	if (n == 0) {
		sb_add(&b, "<p id=\"empty\">%s</p>\n", q.q != NULL ||
		    q.tag != NULL || q.domain != NULL || q.before_id != 0 ||
		    q.deleted ? "No links match." : "No links yet. "
		    "<a href=\"/admin/new\">Create the first one</a>.");
		return admin_page(ad, 200, "Links", b.s);
	}
	sb_add(&b, "<p class=\"count\">%" PRId64 " link%s</p>\n"
	    "<div class=\"table-wrap\">\n<table id=\"links\">\n<thead><tr>"
	    "<th scope=\"col\">Code</th><th scope=\"col\">Short URL</th>"
	    "<th scope=\"col\">Target</th><th scope=\"col\">Title</th>"
	    "<th scope=\"col\">Tags</th><th scope=\"col\">Clicks</th>"
	    "<th scope=\"col\">Created</th><th scope=\"col\">Status</th>"
	    "</tr></thead>\n<tbody>\n", total, total == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		list_row(ad, &b, &links[i]);
	sb_add(&b, "</tbody>\n</table>\n</div>\n");
	if (next_before != 0) {
		sb_init(&next, c->a);
		sb_add(&next, "/admin/?before=%" PRId64, next_before);
		if (q.q != NULL)
			sb_add(&next, "&q=%s", http_query_escape(c->a, q.q));
		if (q.tag != NULL)
			sb_add(&next, "&tag=%s", http_query_escape(c->a, q.tag));
		if (q.domain != NULL)
			sb_add(&next, "&domain=%s", http_query_escape(c->a,
			    q.domain));
		if (q.deleted)
			sb_add(&next, "&deleted=1");
		sb_add(&b, "<p><a id=\"next\" href=\"%s\">Next page</a></p>\n",
		    html_url(c->a, next.s));
	}
	return admin_page(ad, 200, "Links", b.s);
}

/* ---- the link form ---- */

/*
 * The API's message as a sentence for a page: a capital letter first
 * and a full stop last ("url is required" becomes "Url is required.").
 */
static const char *
sentence(struct arena *a, const char *msg)
{
	size_t	 n = strlen(msg);
	char	*s = arena_printf(a, "%s%s", msg, n > 0 &&
		    strchr(".!?", msg[n - 1]) == NULL ? "." : "");

	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - ('a' - 'A'));
	return s;
}

/* One labelled input, with the error beside it when it is its field. */
static void
input(struct admin *ad, struct sb *b, const char *id, const char *label,
    const char *type, const char *value, const char *extra,
    const struct verdict *v)
{
	bool	bad = v != NULL && v->field != NULL && strcmp(v->field, id) == 0;

	sb_add(b, "<div class=\"field\"><label for=\"%s\">%s</label>\n"
	    "<input id=\"%s\" name=\"%s\" type=\"%s\" value=\"%s\"%s%s%s%s>\n",
	    id, label, id, id, type, E(value), extra != NULL ? " " : "",
	    extra != NULL ? extra : "", bad ? " aria-invalid=\"true\" "
	    "aria-describedby=\"" : "", bad ? arena_printf(ad->c->a,
	    "%s-error\"", id) : "");
	if (bad)
		sb_add(b, "<p class=\"error\" id=\"%s-error\">%s</p>\n", id,
		    E(sentence(ad->c->a, v->detail)));
	sb_add(b, "</div>\n");
}

static void
link_form(struct admin *ad, struct sb *b, const char *action,
    const struct form_vals *f, const struct verdict *v, bool edit)
{
	static const char *const st[] = { "302", "301", "307", "308" };
	static const char *const st_name[] = {
		"302 Found (temporary)", "301 Moved Permanently",
		"307 Temporary Redirect", "308 Permanent Redirect"
	};
	bool	bad_st = v != NULL && v->field != NULL &&
		    strcmp(v->field, "redirect_status") == 0;
	size_t	i;

	if (v != NULL && (v->field == NULL || strcmp(v->field, "version") ==
	    0))
		sb_add(b, "<p class=\"error\" id=\"form-error\" role=\"alert\">"
		    "%s</p>\n", E(sentence(ad->c->a, v->detail)));
	sb_add(b, "<form id=\"link-form\" method=\"post\" action=\"%s\" "
	    "novalidate>\n<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n",
	    html_url(ad->c->a, action), E(ad->sess.csrf));
	if (edit)
		sb_add(b, "<input type=\"hidden\" name=\"version\" "
		    "value=\"%s\">\n", E(f->version));
	input(ad, b, "url", "Target URL", "url", f->url,
	    "required autocomplete=\"off\" placeholder=\"https://\"", v);
	if (!edit) {
		input(ad, b, "code", "Code", "text", f->code,
		    "autocomplete=\"off\" spellcheck=\"false\" "
		    "aria-describedby=\"code-hint\"", v);
		sb_add(b, "<p class=\"hint\" id=\"code-hint\">Leave empty for a "
		    "generated code.</p>\n");
		input(ad, b, "domain", "Domain", "text", f->domain,
		    "autocomplete=\"off\" spellcheck=\"false\"", v);
	}
	input(ad, b, "title", "Title", "text", f->title, NULL, v);
	input(ad, b, "tags", "Tags", "text", f->tags,
	    "aria-describedby=\"tags-hint\"", v);
	sb_add(b, "<p class=\"hint\" id=\"tags-hint\">Separate tags with "
	    "commas.</p>\n");
	input(ad, b, "expires_at", "Expires (UTC)", "datetime-local",
	    f->expires, NULL, v);
	input(ad, b, "max_clicks", "Visit limit", "number", f->max_clicks,
	    "min=\"1\" step=\"1\" inputmode=\"numeric\"", v);
	sb_add(b, "<div class=\"field\"><label for=\"redirect_status\">"
	    "Redirect type</label>\n<select id=\"redirect_status\" "
	    "name=\"redirect_status\"%s>\n", bad_st ? " aria-invalid=\"true\" "
	    "aria-describedby=\"redirect_status-error\"" : "");
	for (i = 0; i < KZ_ARRAY_SIZE(st); i++)
		sb_add(b, "<option value=\"%s\"%s>%s</option>\n", st[i],
		    strcmp(f->redirect_status, st[i]) == 0 ? " selected" : "",
		    st_name[i]);
	sb_add(b, "</select>\n");
	if (bad_st)
		sb_add(b, "<p class=\"error\" id=\"redirect_status-error\">%s"
		    "</p>\n", E(sentence(ad->c->a, v->detail)));
	sb_add(b, "</div>\n");
	input(ad, b, "password", "Password", "password", "",
	    "autocomplete=\"new-password\" aria-describedby=\"password-hint\"",
	    v);
	sb_add(b, "<p class=\"hint\" id=\"password-hint\">%s</p>\n", edit ?
	    (f->has_password ? "This link has a password. Leave empty to "
	    "keep it." : "Set one to ask visitors for it.") :
	    "Optional: visitors must enter it before they are sent on.");
	if (edit && f->has_password)
		sb_add(b, "<div class=\"field check\"><input "
		    "id=\"remove_password\" name=\"remove_password\" "
		    "type=\"checkbox\" value=\"1\"><label for=\"remove_password\">"
		    "Remove password</label></div>\n");
	sb_add(b, "<p><button type=\"submit\">%s</button></p>\n</form>\n",
	    edit ? "Save changes" : "Create link");
}

/* The form's values as typed. */
static void
form_read(struct admin *ad, struct form_vals *f)
{
	f->url = field(ad, "url");
	f->code = field(ad, "code");
	f->domain = field(ad, "domain");
	f->title = field(ad, "title");
	f->tags = field(ad, "tags");
	f->expires = field(ad, "expires_at");
	f->max_clicks = field(ad, "max_clicks");
	f->redirect_status = field(ad, "redirect_status");
	f->version = field(ad, "version");
}

/* A stored link's values, for the edit form. */
static void
form_from_link(struct admin *ad, const struct link *l, struct form_vals *f)
{
	char	buf[VALID_TIME_LEN + 1];

	memset(f, 0, sizeof(*f));
	f->url = l->url;
	f->code = l->code;
	f->domain = l->domain;
	f->title = l->title != NULL ? l->title : "";
	f->tags = tags_joined(ad->c->a, l);
	f->expires = "";
	if (l->expires_at != 0) {
		valid_time_format(l->expires_at, buf);
		f->expires = arena_printf(ad->c->a, "%.16s", buf);
	}
	f->max_clicks = l->max_clicks != 0 ? arena_printf(ad->c->a,
	    "%" PRId64, l->max_clicks) : "";
	f->redirect_status = arena_printf(ad->c->a, "%d", l->redirect_status);
	f->version = arena_printf(ad->c->a, "%" PRId64, l->version);
	f->has_password = l->password_hash != NULL;
}

static enum kz_err
form_refuse(struct verdict *v, const char *field, const char *detail)
{
	v->err = KZ_INVALID;
	v->code = "invalid_field";
	v->field = field;
	v->detail = detail;
	return KZ_INVALID;
}

/*
 * Turn the form's values into what a JSON body would carry, so that
 * h_link_judge() rules on them. edit: every field of the form is set,
 * and an empty one clears. A value that no JSON body could hold (a
 * visit limit that is not a number) is refused here, in the same words.
 */
static enum kz_err
form_input(struct admin *ad, const struct form_vals *f, bool edit,
    struct link_input *in, struct verdict *v)
{
	struct arena	*a = ad->c->a;
	const char	*p, *pw;
	char		*t, *end;
	size_t		 n, len;
	long long	 x;

	memset(in, 0, sizeof(*in));
	in->forward_query = true;
	if (*f->url != '\0' || edit) {
		in->have |= LF_URL;
		if (*f->url != '\0') {
			in->url = f->url;
			in->url_len = strlen(f->url);
		}
	}
	if (!edit && *f->code != '\0') {
		in->have |= LF_CODE;
		in->code = f->code;
		in->code_len = strlen(f->code);
	}
	if (!edit && *f->domain != '\0') {
		in->have |= LF_DOMAIN;
		in->domain = f->domain;
		in->domain_len = strlen(f->domain);
	}
	if (*f->title != '\0' || edit) {
		in->have |= LF_TITLE;
		if (*f->title != '\0') {
			in->title = f->title;
			in->title_len = strlen(f->title);
		} else
			in->nulls |= LF_TITLE;
	}

	/* Tags: "a, b,c" is three; empty pieces are skipped. */
	in->tags = arena_alloc(a, (KZ_TAGS_MAX + 1) * sizeof(*in->tags));
	in->tag_lens = arena_alloc(a, (KZ_TAGS_MAX + 1) *
	    sizeof(*in->tag_lens));
	for (p = f->tags; *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		t = arena_strndup(a, p, len);
		while (*t == ' ' || *t == '\t')
			t++;
		n = strlen(t);
		while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		if (n == 0)
			continue;
		if (in->ntags == KZ_TAGS_MAX)
			return form_refuse(v, "tags", arena_printf(a,
			    "a link has at most %d tags", KZ_TAGS_MAX));
		in->tags[in->ntags] = t;
		in->tag_lens[in->ntags++] = n;
	}
	if (in->ntags > 0 || edit)
		in->have |= LF_TAGS;

	/* datetime-local sends "2026-12-31T23:59": a UTC time, as labelled. */
	if (*f->expires != '\0') {
		n = strlen(f->expires);
		in->expires_at = n == 16 ? arena_printf(a, "%s:00Z", f->expires) :
		    n == 19 ? arena_printf(a, "%sZ", f->expires) : f->expires;
		in->expires_len = strlen(in->expires_at);
		in->have |= LF_EXPIRES_AT;
	} else if (edit) {
		in->have |= LF_EXPIRES_AT;
		in->nulls |= LF_EXPIRES_AT;
	}

	if (*f->max_clicks != '\0') {
		x = strtoll(f->max_clicks, &end, 10);
		if (*f->max_clicks < '0' || *f->max_clicks > '9' || *end != '\0')
			return form_refuse(v, "max_clicks",
			    "max_clicks must be a whole number");
		in->have |= LF_MAX_CLICKS;
		in->max_clicks = x;
	} else if (edit) {
		in->have |= LF_MAX_CLICKS;
		in->nulls |= LF_MAX_CLICKS;
	}

	if (*f->redirect_status != '\0') {
		x = strtoll(f->redirect_status, &end, 10);
		if (*end != '\0')
			x = 0;
		in->have |= LF_REDIRECT_STATUS;
		in->redirect_status = x;
	}

	pw = field(ad, "password");
	if (*pw != '\0') {
		in->have |= LF_PASSWORD;
		in->password = pw;
		in->password_len = strlen(pw);
	} else if (edit && *field(ad, "remove_password") != '\0') {
		in->have |= LF_PASSWORD;
		in->nulls |= LF_PASSWORD;
	}
	return KZ_OK;
}

/* Forget a typed password once it is hashed. */
static void
form_wipe(struct admin *ad)
{
	const char	*pw = field(ad, "password");

	if (*pw != '\0')
		sodium_memzero((char *)pw, strlen(pw));
	if (ad->c->req->body_len > 0)
		sodium_memzero((char *)ad->c->req->body, ad->c->req->body_len);
}

static enum kz_err
new_page(struct admin *ad, int status, const struct form_vals *f,
    const struct verdict *v)
{
	struct sb	b;

	sb_init(&b, ad->c->a);
	sb_add(&b, "<h1>New link</h1>\n");
	link_form(ad, &b, "/admin/new", f, v, false);
	return admin_page(ad, status, "New link", b.s);
}

static enum kz_err
new_post(struct admin *ad)
{
	struct hctx		*c = ad->c;
	struct form_vals	 f;
	struct link_input	 in;
	struct link		 l, out;
	struct verdict		 v;
	enum kz_err		 err;

	memset(&f, 0, sizeof(f));
	form_read(ad, &f);
	memset(&v, 0, sizeof(v));
	err = form_input(ad, &f, false, &in, &v);
	if (err == KZ_OK)
		err = h_link_judge(c, &in, false, &l, &v);
	form_wipe(ad);
	if (err == KZ_INVALID)
		return new_page(ad, 422, &f, &v);
	if (err != KZ_OK)
		return err;
	err = store_link_create(c->store, c->a, &l, c->key_id,
	    c->conf->code_length, &out);
	if (err == KZ_CONFLICT) {
		form_refuse(&v, "code", arena_printf(c->a,
		    "the code \"%s\" is taken%s", l.code, l.domain[0] != '\0' ?
		    " in this domain" : ""));
		return new_page(ad, 409, &f, &v);
	}
	if (err != KZ_OK)
		return admin_store_fail(ad, err);
	return admin_redirect(ad, link_path(ad, out.code, out.domain, "",
	    "created"));
}

/* ---- one link ---- */

/* The link of the path (its code) and ?domain=; on failure a 404 page. */
static enum kz_err
path_link(struct admin *ad, struct link *l, const char **domain)
{
	struct hctx	*c = ad->c;
	enum kz_err	 err;

	*domain = param(ad, "domain");
	if (*domain == NULL)
		*domain = "";
	if (c->arg == NULL || valid_code(c->arg, strlen(c->arg)) != CODE_OK)
		err = KZ_NOTFOUND;
	else
		err = store_link_get(c->store, c->a, *domain, c->arg, l);
	if (err == KZ_NOTFOUND)
		return admin_fail(ad, KZ_NOTFOUND, "not_found", "Not found",
		    "There is no link with this code.");
	if (err != KZ_OK)
		return admin_store_fail(ad, err);
	return KZ_OK;
}

static enum kz_err
link_page(struct admin *ad, const struct link *l, int status,
    const struct form_vals *fv, const struct verdict *v)
{
	struct hctx		*c = ad->c;
	struct form_vals	 f;
	struct sb		 b;
	const char		*su = short_url(ad, l), *st, *notice = NULL;
	size_t			 i;

	st = link_status(l, c->now_ms / 1000);
	if (param(ad, "created") != NULL)
		notice = "Created.";
	else if (param(ad, "saved") != NULL)
		notice = "Saved.";
	else if (param(ad, "deleted") != NULL)
		notice = "Deleted. The short URL now answers 410 Gone.";
	else if (param(ad, "restored") != NULL)
		notice = "Restored.";

	sb_init(&b, c->a);
	if (notice != NULL && v == NULL)
		sb_add(&b, "<p class=\"notice\" role=\"status\">%s</p>\n", notice);
	/* On a phone the URL may break before the code, not inside it. */
	sb_add(&b, "<h1><span class=\"short-url\">%s<wbr>/%s</span></h1>\n<p>",
	    E(h_short_base(c, l->domain)), E(l->code));
	copy_button(ad, &b, su);
	sb_add(&b, " <a id=\"stats\" href=\"%s\">Stats</a>", E(link_path(ad,
	    l->code, l->domain, "/stats", NULL)));
	if (l->deleted_at == 0)
		sb_add(&b, " <a id=\"delete\" class=\"danger\" href=\"%s\">"
		    "Delete</a>", E(link_path(ad, l->code, l->domain, "/delete",
		    NULL)));
	sb_add(&b, "</p>\n");
	if (l->deleted_at != 0)
		sb_add(&b, "<form id=\"restore\" method=\"post\" action=\"%s\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<p>This link is deleted. <button type=\"submit\">Restore"
		    "</button></p></form>\n", E(link_path(ad, l->code,
		    l->domain, "/restore", NULL)), E(ad->sess.csrf));

	sb_add(&b, "<div class=\"link-top\">\n<dl id=\"details\">\n"
	    "<dt>Target</dt><dd><a href=\"%s\" rel=\"noreferrer noopener\">%s"
	    "</a></dd>\n<dt>Title</dt><dd>%s</dd>\n<dt>Tags</dt><dd>",
	    E(l->url), E(l->url), l->title != NULL ? E(l->title) : "—");
	for (i = 0; i < l->ntags; i++)
		sb_add(&b, "<span class=\"tag\">%s</span> ", E(l->tags[i]));
	sb_add(&b, "%s</dd>\n<dt>Status</dt><dd><span class=\"status "
	    "status-%s\">%s</span></dd>\n<dt>Clicks</dt><dd id=\"clicks\">%"
	    PRId64 "</dd>\n<dt>Created</dt><dd>%s</dd>\n",
	    l->ntags == 0 ? "—" : "", st, st, l->clicks,
	    when(c->a, l->created_at));
	sb_add(&b, "<dt>Expires</dt><dd>%s</dd>\n<dt>Visit limit</dt><dd>",
	    l->expires_at != 0 ? when(c->a, l->expires_at) : "never");
	if (l->max_clicks != 0)
		sb_add(&b, "%" PRId64, l->max_clicks);
	else
		sb_add(&b, "none");
	sb_add(&b, "</dd>\n<dt>Redirect</dt><dd>%d</dd>\n<dt>Password</dt>"
	    "<dd>%s</dd>\n</dl>\n", l->redirect_status,
	    l->password_hash != NULL ? "yes" : "no");
	sb_add(&b, "<figure class=\"qr\"><img id=\"qr\" src=\"%s\" alt=\"QR code "
	    "for %s\" width=\"200\" height=\"200\">\n<figcaption>"
	    "<a id=\"qr-svg\" href=\"%s\" download>SVG</a> "
	    "<a id=\"qr-png\" href=\"%s\" download>PNG</a></figcaption>"
	    "</figure>\n</div>\n",
	    E(link_path(ad, l->code, l->domain, "/qr.svg", NULL)), E(su),
	    E(link_path(ad, l->code, l->domain, "/qr.svg", "download")),
	    E(link_path(ad, l->code, l->domain, "/qr.png", "download")));

	if (l->deleted_at == 0) {
		if (fv == NULL) {
			form_from_link(ad, l, &f);
			fv = &f;
		}
		sb_add(&b, "<h2>Edit</h2>\n");
		link_form(ad, &b, link_path(ad, l->code, l->domain, "/edit",
		    NULL), fv, v, true);
	}
	return admin_page(ad, status, su, b.s);
}

static enum kz_err
edit_post(struct admin *ad)
{
	struct hctx		*c = ad->c;
	struct form_vals	 f;
	struct link_input	 in;
	struct link_patch	 p;
	struct link		 l, out;
	struct verdict		 v;
	const char		*domain;
	char			*end;
	int64_t			 version;
	enum kz_err		 err;

	if ((err = path_link(ad, &l, &domain)) != KZ_OK ||
	    ad->answered)
		return err;
	memset(&f, 0, sizeof(f));
	form_read(ad, &f);
	f.has_password = l.password_hash != NULL;
	version = strtoll(f.version, &end, 10);
	if (*f.version == '\0' || *end != '\0')
		version = 0;
	memset(&v, 0, sizeof(v));
	memset(&p, 0, sizeof(p));
	err = form_input(ad, &f, true, &in, &v);
	if (err == KZ_OK)
		err = h_link_judge(c, &in, true, &p.v, &v);
	form_wipe(ad);
	if (err == KZ_INVALID)
		return link_page(ad, &l, 422, &f, &v);
	if (err != KZ_OK)
		return err;
	p.set = in.have;
	err = store_link_update(c->store, c->a, domain, l.code, &p, version,
	    &out);
	if (err == KZ_PRECOND) {
		/* Someone saved first: show theirs, keep ours in the form. */
		if ((err = path_link(ad, &l, &domain)) != KZ_OK ||
		    ad->answered)
			return err;
		f.version = arena_printf(c->a, "%" PRId64, l.version);
		form_refuse(&v, "version", "This link was changed elsewhere "
		    "after you opened it. Its details above are the new ones; "
		    "save again to put yours over them.");
		return link_page(ad, &l, 409, &f, &v);
	}
	if (err == KZ_GONE || err == KZ_NOTFOUND)
		return admin_fail(ad, err, "gone", "Deleted",
		    "This link was deleted meanwhile; restore it first.");
	if (err != KZ_OK)
		return admin_store_fail(ad, err);
	return admin_redirect(ad, link_path(ad, out.code, out.domain, "",
	    "saved"));
}

static enum kz_err
delete_page(struct admin *ad, const struct link *l)
{
	const char	*su = short_url(ad, l);

	return admin_page(ad, 200, arena_printf(ad->c->a, "Delete %s?", su),
	    arena_printf(ad->c->a,
	    "<h1>Delete %s?</h1>\n"
	    "<p>It will answer <strong>410 Gone</strong> to visitors. Its code "
	    "stays taken and its clicks are kept; it can be restored.</p>\n"
	    "<form id=\"confirm-delete\" method=\"post\" action=\"%s\">\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<p><button type=\"submit\" class=\"danger\">Delete link</button> "
	    "<a href=\"%s\">Cancel</a></p>\n</form>\n", E(su),
	    E(link_path(ad, l->code, l->domain, "/delete", NULL)),
	    E(ad->sess.csrf), E(link_path(ad, l->code, l->domain, "", NULL))));
}

static enum kz_err
delete_post(struct admin *ad)
{
	struct link	 l;
	const char	*domain;
	enum kz_err	 err;

	if ((err = path_link(ad, &l, &domain)) != KZ_OK ||
	    ad->answered)
		return err;
	err = store_link_delete(ad->c->store, domain, l.code, 0);
	if (err != KZ_OK && err != KZ_GONE)
		return admin_store_fail(ad, err);
	return admin_redirect(ad, link_path(ad, l.code, domain, "",
	    "deleted"));
}

static enum kz_err
restore_post(struct admin *ad)
{
	struct link	 l, out;
	const char	*domain;
	enum kz_err	 err;

	if ((err = path_link(ad, &l, &domain)) != KZ_OK ||
	    ad->answered)
		return err;
	err = store_link_restore(ad->c->store, ad->c->a, domain, l.code, &out);
	if (err != KZ_OK && err != KZ_NOTFOUND)
		return admin_store_fail(ad, err);
	return admin_redirect(ad, link_path(ad, l.code, domain, "",
	    "restored"));
}

/* ---- QR codes ---- */

static enum kz_err
qr_get(struct admin *ad, bool png)
{
	struct hctx	*c = ad->c;
	struct link	 l;
	const char	*domain, *su, *body;
	size_t		 len;
	enum kz_err	 err;

	if ((err = path_link(ad, &l, &domain)) != KZ_OK ||
	    ad->answered)
		return err;
	su = short_url(ad, &l);
	body = png ? (const char *)qr_png(c->a, su, ADMIN_QR_SCALE, &len) :
	    qr_svg(c->a, su, &len);
	if (body == NULL)
		return admin_fail(ad, KZ_INVALID, "qr_too_long", "No QR code",
		    "This short URL is too long for a QR code.");
	admin_headers(c->resp);
	if (param(ad, "download") != NULL)
		resp_header(c->resp, "Content-Disposition", arena_printf(c->a,
		    "attachment; filename=\"%s.%s\"", l.code,
		    png ? "png" : "svg"));
	resp_body(c->resp, 200, png ? "image/png" : "image/svg+xml", body,
	    len);
	return KZ_OK;
}

/* ---- stats ---- */

static void
top_table(struct admin *ad, struct sb *b, const char *id, const char *title,
    const struct stats_top *top, size_t n)
{
	size_t	i;

	sb_add(b, "<section class=\"top\">\n<h2 id=\"%s-h\">%s</h2>\n", id,
	    title);
	if (n == 0) {
		sb_add(b, "<p class=\"none\">None yet.</p>\n</section>\n");
		return;
	}
	sb_add(b, "<table id=\"%s\" aria-labelledby=\"%s-h\">\n<tbody>\n", id,
	    id);
	for (i = 0; i < n; i++)
		sb_add(b, "<tr><td>%s</td><td class=\"n\">%" PRId64 "</td>"
		    "</tr>\n", top[i].value != NULL && *top[i].value != '\0' ?
		    E(top[i].value) : "(none)", top[i].n);
	sb_add(b, "</tbody>\n</table>\n</section>\n");
}

static enum kz_err
stats_page(struct admin *ad)
{
	static const char *const names[STATS_DIMS] = {
		"Referrers", "Browsers", "Operating systems", "Devices",
		"Countries"
	};
	static const char *const ids[STATS_DIMS] = {
		"referrers", "browsers", "os", "devices", "countries"
	};
	struct hctx		*c = ad->c;
	struct link		 l;
	struct stats_point	*rows;
	struct stats_top	 top[STATS_TOP_MAX];
	struct sb		 b;
	const char		*domain, *su, *chart;
	int64_t			 visits[ADMIN_DAYS], today, from;
	int64_t			 total = 0, uniques = 0, bots = 0;
	size_t			 n, i, k;
	enum kz_err		 err;

	if ((err = path_link(ad, &l, &domain)) != KZ_OK ||
	    ad->answered)
		return err;
	today = c->now_ms / 86400000;
	from = today - (ADMIN_DAYS - 1);
	if ((err = store_stats_series(c->store, c->a, l.id, false, from, today,
	    &rows, &n)) != KZ_OK)
		return admin_store_fail(ad, err);
	memset(visits, 0, sizeof(visits));
	for (i = 0; i < n; i++) {
		if (rows[i].t < from || rows[i].t > today)
			continue;
		visits[rows[i].t - from] = rows[i].visits;
		total += rows[i].visits;
		uniques += rows[i].uniques;
		bots += rows[i].bots;
	}
	su = short_url(ad, &l);
	chart = chart_days_svg(c->a, visits, ADMIN_DAYS, from,
	    "Visits per day, last 30 days", NULL);
	sb_init(&b, c->a);
	sb_add(&b, "<h1>Stats for <a href=\"%s\">%s<wbr>/%s</a></h1>\n"
	    "%s%s%s"
	    "<p>The last %d days, in UTC. Bots and link previews are counted "
	    "apart.</p>\n<dl class=\"figures\">\n"
	    "<div><dt>Visits</dt><dd id=\"visits\">%" PRId64 "</dd></div>\n"
	    "<div><dt>Unique visitors</dt><dd id=\"uniques\">%" PRId64
	    "</dd></div>\n"
	    "<div><dt>Bots</dt><dd id=\"bots\">%" PRId64 "</dd></div>\n"
	    "<div><dt>All time</dt><dd id=\"all-time\">%" PRId64 "</dd></div>\n"
	    "</dl>\n<figure class=\"chart\">\n%s\n</figure>\n",
	    E(link_path(ad, l.code, l.domain, "", NULL)),
	    E(h_short_base(c, l.domain)), E(l.code),
	    l.title != NULL ? "<p class=\"subtitle\">" : "",
	    l.title != NULL ? E(l.title) : "", l.title != NULL ? "</p>\n" : "",
	    ADMIN_DAYS,
	    total, uniques, bots, l.clicks, chart != NULL ? chart : "");
	sb_add(&b, "<div class=\"tops\">\n");
	for (k = 0; k < STATS_DIMS; k++) {
		if ((err = store_stats_top(c->store, c->a, l.id,
		    json_stats_dims[k], from, today, false, top, &n)) != KZ_OK)
			return admin_store_fail(ad, err);
		top_table(ad, &b, ids[k], names[k], top, n);
	}
	sb_add(&b, "</div>\n");
	return admin_page(ad, 200, arena_printf(c->a, "Stats for %s", su), b.s);
}

/* ---- dispatch ---- */

enum kz_err
h_admin(struct hctx *c)
{
	struct admin		 ad;
	struct form_vals	 f;
	struct link		 l;
	const char		*path = c->req->path, *domain;
	enum method		 m = c->req->method;
	bool			 get = m == M_GET || m == M_HEAD;
	enum kz_err		 err;

	memset(&ad, 0, sizeof(ad));
	ad.c = c;
	c->arg = NULL;
	if (strcmp(path, "/admin") == 0)
		return admin_redirect(&ad, "/admin/");
	if ((err = admin_session(&ad)) != KZ_OK)
		return admin_store_fail(&ad, err);

	if (strcmp(path, "/admin/login") == 0) {
		if (get)
			return ad.signed_in ? admin_redirect(&ad, "/admin/") :
			    login_form(&ad, 200, NULL);
		if (m == M_POST)
			return login_post(&ad);
		goto method;
	}
	if (strcmp(path, "/admin/logout") == 0) {
		if (m == M_POST)
			return logout_post(&ad);
		goto method;
	}
	/*
	 * A POST from another site is refused as such, session or not: with
	 * SameSite=Strict it carries none, and "sign in first" would hide
	 * what happened.
	 */
	if (m == M_POST && !same_origin(c->req))
		return form_here(&ad);
	if (!ad.signed_in) {
		if (!wants_html(c->req) && !get)
			return resp_fail(c->resp, c->a, KZ_UNAUTH,
			    "unauthorized", NULL, "sign in at /admin/login");
		return admin_redirect(&ad, "/admin/login");
	}
	/* A POST is checked before anything of it is looked at. */
	if (m == M_POST && ((err = admin_post_ok(&ad, true)) != KZ_OK ||
	    ad.answered))
		return err;

	if (strcmp(path, "/admin/") == 0) {
		if (get)
			return list_page(&ad);
		goto method;
	}
	if (strcmp(path, "/admin/new") == 0) {
		if (get) {
			memset(&f, 0, sizeof(f));
			f.url = f.code = f.domain = f.title = f.tags = "";
			f.expires = f.max_clicks = f.version = "";
			f.redirect_status = "302";
			return new_page(&ad, 200, &f, NULL);
		}
		if (m == M_POST)
			return new_post(&ad);
		goto method;
	}
	if (route_match("/admin/links/*", path, c->a, &c->arg)) {
		if (!get)
			goto method;
		if ((err = path_link(&ad, &l, &domain)) != KZ_OK ||
		    ad.answered)
			return err;
		return link_page(&ad, &l, 200, NULL, NULL);
	}
	if (route_match("/admin/links/*/edit", path, c->a, &c->arg)) {
		if (m == M_POST)
			return edit_post(&ad);
		goto method;
	}
	if (route_match("/admin/links/*/delete", path, c->a, &c->arg)) {
		if (get) {
			if ((err = path_link(&ad, &l, &domain)) != KZ_OK ||
			    ad.answered)
				return err;
			return delete_page(&ad, &l);
		}
		if (m == M_POST)
			return delete_post(&ad);
		goto method;
	}
	if (route_match("/admin/links/*/restore", path, c->a, &c->arg)) {
		if (m == M_POST)
			return restore_post(&ad);
		goto method;
	}
	if (route_match("/admin/links/*/qr.svg", path, c->a, &c->arg) ||
	    route_match("/admin/links/*/qr.png", path, c->a, &c->arg)) {
		if (get)
			return qr_get(&ad, strcmp(path + strlen(path) - 4,
			    ".png") == 0);
		goto method;
	}
	if (route_match("/admin/links/*/stats", path, c->a, &c->arg)) {
		if (get)
			return stats_page(&ad);
		goto method;
	}
	return admin_fail(&ad, KZ_NOTFOUND, "not_found", "Not found",
	    "There is no such page.");
method:
	return admin_fail(&ad, KZ_METHOD, "method_not_allowed",
	    "Not allowed", "This page does not take that method.");
}
