/*
 * h_password.c - links with a password: the page that asks for it
 * (GET /{code}, from h_redirect) and its answer (POST /{code}).
 *
 * Wrong tries are counted per link and client, the client being a keyed
 * hash of its address (never the address itself). Past PW_TRIES in
 * PW_WINDOW the password is not even looked at: Argon2id is slow on
 * purpose, and must be no way to keep the workers busy. nginx limits
 * the POSTs per address as well (nginx/kurz.conf).
 *
 * The right password is answered as GET would be (h_redirect_go), but a
 * 307 or 308 link with 303, so that the form is not posted on.
 * Passwords are never logged, and are wiped from memory once checked.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "handlers.h"
#include "html.h"
#include "http.h"
#include "route.h"
#include "store.h"

#define PW_WINDOW	(15 * 60)	/* seconds that a wrong try counts */
#define PW_TRIES	5		/* wrong tries per link and client in it */
#define PW_CLIENT_LEN	16		/* bytes of the client's hash */

/*
 * The page loads nothing and runs nothing. form-action also allows
 * http: and https: because Chrome checks every redirect that follows a
 * form's submission against it: with 'self' alone the right password's
 * redirect to the target (another origin) is blocked. Naming the
 * target's origin instead would tell it to whoever lacks the password.
 */
#define PW_CSP		"default-src 'none'; form-action 'self' https: http:; " \
			"frame-ancestors 'none'; base-uri 'none'"

/* What every page here carries: not cached, not framed, not sniffed. */
static void
pw_headers(struct resp *rs)
{
	resp_page_headers(rs, PW_CSP, "no-referrer");
}

/* Answer status with the page of title and body_html. */
static enum kz_err
pw_page(struct hctx *c, int status, const char *title, const char *body_html)
{
	const char	*page;
	size_t		 len;

	page = html_page(c->a, title, body_html, &len);
	pw_headers(c->resp);
	resp_body(c->resp, status, "text/html; charset=utf-8", page, len);
	return KZ_OK;
}

/*
 * The form, posting to the address it was asked for, query and go-link
 * rest included, so that the redirect after it goes where the plain one
 * would. error: a sentence put next to the field, or NULL.
 */
static enum kz_err
pw_form(struct hctx *c, int status, const char *code, const char *error)
{
	const struct req	*r = c->req;
	const char		*action, *body;

	action = r->query[0] != '\0' ? arena_printf(c->a, "%s?%s",
	    r->raw_path, r->query) : r->raw_path;
	body = arena_printf(c->a,
	    "<h1>Password required</h1>\n"
	    "<p>The link <code>/%s</code> is protected. "
	    "Enter its password to continue.</p>\n"
	    "<form method=\"post\" action=\"%s\">\n"
	    "<p><label for=\"password\">Password</label>\n"
	    "<input type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required autofocus%s>\n"
	    "%s%s%s</p>\n"
	    "<p><button type=\"submit\">Continue</button></p>\n"
	    "</form>\n",
	    html_escape(c->a, code), html_url(c->a, action),
	    error != NULL ? " aria-invalid=\"true\" "
	    "aria-describedby=\"password-error\"" : "",
	    error != NULL ? "<strong id=\"password-error\">" : "",
	    error != NULL ? html_escape(c->a, error) : "",
	    error != NULL ? "</strong>" : "");
	return pw_page(c, status, "Password required", body);
}

/* Too many wrong tries: 429, and when to come back. */
static enum kz_err
pw_wait(struct hctx *c)
{
	/* The oldest try leaves the window within it; no sooner is sure. */
	resp_header(c->resp, "Retry-After",
	    arena_printf(c->a, "%d", PW_WINDOW));
	return pw_page(c, 429, "Too many tries",
	    "<h1>Too many tries</h1>\n"
	    "<p>This link's password was entered wrongly too often from your "
	    "address. Wait 15 minutes, then try again.</p>\n");
}

/*
 * The client of the request: BLAKE2b keyed with the day's salt (as the
 * visitor hash in clicks.c) over its address. An IPv6 address counts by
 * its /64, which one host commonly holds whole; anything that does not
 * parse is hashed as it came.
 */
static enum kz_err
pw_client(struct hctx *c, unsigned char out[PW_CLIENT_LEN])
{
	unsigned char	 cand[STORE_SALT_LEN], salt[STORE_SALT_LEN];
	unsigned char	 bin[16];
	const char	*ip = c->req->remote_addr != NULL ?
			    c->req->remote_addr : "";
	const unsigned char *in = (const unsigned char *)ip;
	size_t		 inlen = strlen(ip);
	enum kz_err	 err;

	randombytes_buf(cand, sizeof(cand));
	err = store_salt(c->store, c->now_ms / 86400000, cand, salt);
	if (err != KZ_OK)
		return err;
	if (inet_pton(AF_INET6, ip, bin) == 1) {
		memset(bin + 8, 0, 8);
		in = bin;
		inlen = sizeof(bin);
	}
	crypto_generichash(out, PW_CLIENT_LEN, in, inlen, salt, sizeof(salt));
	sodium_memzero(salt, sizeof(salt));
	return KZ_OK;
}

enum kz_err
h_password_form(struct hctx *c, const struct target *t, const char *code)
{
	(void)t;
	return pw_form(c, 200, code, NULL);
}

enum kz_err
h_password_post(struct hctx *c)
{
	struct target	 t;
	unsigned char	 client[PW_CLIENT_LEN];
	const char	*code, *rest, *pw;
	int64_t		 now = c->now_ms / 1000, n, recent = 0;
	enum kz_err	 err;
	bool		 right;

	if (!http_type_is(c->req->content_type, HTTP_FORM_TYPE))
		return resp_fail(c->resp, c->a, KZ_MEDIATYPE,
		    "unsupported_media_type", NULL,
		    "send the password as Content-Type: " HTTP_FORM_TYPE);
	if ((err = h_redirect_target(c, &t, &code, &rest)) != KZ_OK)
		return err;
	if (t.password_hash == NULL)
		return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
		    "there is no link with a password at this address");

	if ((err = pw_client(c, client)) != KZ_OK)
		return err;
	err = store_pw_failures(c->store, t.id, client, now - PW_WINDOW, &n);
	if (err != KZ_OK)
		return err;
	if (n >= PW_TRIES)
		return pw_wait(c);

	pw = http_query_get(c->a, c->req->body, "password");
	right = pw != NULL && crypto_pwhash_str_verify(t.password_hash, pw,
	    strlen(pw)) == 0;
	/* The arena is only reset, never cleared: no password stays in it. */
	if (pw != NULL)
		sodium_memzero((char *)pw, strlen(pw));
	if (c->req->body_len > 0)
		sodium_memzero((char *)c->req->body, c->req->body_len);
	if (right) {
		/*
		 * A 307 or 308 would have the browser post the form again,
		 * password and all, to the target: 303 turns it into a GET.
		 */
		if (t.redirect_status == 307 || t.redirect_status == 308)
			t.redirect_status = 303;
		return h_redirect_go(c, &t, code, rest);
	}

	err = store_pw_fail(c->store, t.id, client, now, PW_WINDOW, &recent);
	if (err != KZ_OK)
		return err;
	return pw_form(c, 401, code, recent + 1 >= PW_TRIES ?
	    "Wrong password. That was the last try for now: wait 15 minutes "
	    "before the next." : "Wrong password.");
}
