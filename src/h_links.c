/*
 * h_links.c - the links API: create and read.
 */
#include "config.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "conf.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "store.h"
#include "valid.h"

const char *
h_short_base(struct hctx *c, const char *domain)
{
	const char	*scheme;

	if (domain == NULL || domain[0] == '\0') {
		if (c->conf->base_url != NULL)
			return c->conf->base_url;
		domain = c->req->host_port != NULL ? c->req->host_port :
		    "localhost";
	}
	if (c->conf->base_url != NULL)
		scheme = strncmp(c->conf->base_url, "https:", 6) == 0 ?
		    "https" : "http";
	else
		scheme = c->req->https ? "https" : "http";
	return arena_printf(c->a, "%s://%s", scheme, domain);
}

/* JSON or nothing: "application/json", parameters allowed. */
static bool
json_type(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return true;
	n = strcspn(ct, "; \t");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

static char *
lower_dup(struct arena *a, const char *s, size_t len)
{
	char	*d = arena_strndup(a, s, len);
	size_t	 i;

	for (i = 0; i < len; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] + ('a' - 'A'));
	return d;
}

/*
 * Judge a parsed body's values and fill l. Every refusal names its
 * field; nothing has been written when one comes.
 */
static enum kz_err
link_from_input(struct hctx *c, const struct link_input *in, struct link *l)
{
	const char	*self[3] = { NULL, NULL, NULL };
	enum valid_url	 vu;
	enum valid_code	 vc;
	char		*url;
	size_t		 i, j, n = 0, ulen;
	int64_t		 t;

	memset(l, 0, sizeof(*l));
	if (in->url == NULL)
		return resp_fail(c->resp, c->a, KZ_INVALID, "invalid_url",
		    "url", "url is required");
	if (c->conf->base_host != NULL)
		self[n++] = c->conf->base_host;
	if (c->req->host[0] != '\0')
		self[n++] = c->req->host;
	url = arena_alloc(c->a, VALID_URL_OUT(in->url_len));
	vu = valid_url(in->url, in->url_len, c->conf->url_max, self, url,
	    &ulen);
	if (vu != URL_OK)
		return resp_fail(c->resp, c->a, KZ_INVALID, "invalid_url",
		    "url", "%s", valid_url_msg(vu));
	l->url = url;

	if (in->code != NULL) {
		vc = valid_code(in->code, in->code_len);
		if (vc != CODE_OK)
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    vc == CODE_RESERVED ? "reserved_code" :
			    "invalid_code", "code", "%s", valid_code_msg(vc));
		l->code = in->code;
	}

	l->domain = "";
	if (in->domain != NULL && in->domain_len > 0) {
		if (!valid_domain(in->domain, in->domain_len))
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "domain",
			    "domain must be a host name such as s.example.com");
		l->domain = lower_dup(c->a, in->domain, in->domain_len);
		if (l->domain[in->domain_len - 1] == '.')
			((char *)l->domain)[in->domain_len - 1] = '\0';
	}

	if (in->title != NULL) {
		if (!valid_title(in->title, in->title_len))
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "title", "title must be at most "
			    "%d bytes without control characters",
			    KZ_TITLE_MAX);
		l->title = in->title;
	}

	l->tags = arena_alloc(c->a, (in->ntags + 1) * sizeof(*l->tags));
	for (i = 0; i < in->ntags; i++) {
		if (!valid_tag(in->tags[i], in->tag_lens[i]))
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "tags", "each tag must be 1 to %d "
			    "bytes without control characters", KZ_TAG_MAX);
		for (j = 0; j < l->ntags; j++)
			if (strcmp(l->tags[j], in->tags[i]) == 0)
				break;
		if (j == l->ntags)
			l->tags[l->ntags++] = in->tags[i];
	}

	if (in->expires_at != NULL) {
		if (!valid_time(in->expires_at, in->expires_len, &t))
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "expires_at", "expires_at must be "
			    "an RFC 3339 time such as 2026-12-31T23:59:59Z");
		if (t <= c->now_ms / 1000)
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "expires_at",
			    "expires_at is in the past");
		l->expires_at = t;
	}

	if ((in->have & LF_MAX_CLICKS) && !(in->nulls & LF_MAX_CLICKS)) {
		if (in->max_clicks < 1)
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "max_clicks",
			    "max_clicks must be at least 1");
		l->max_clicks = in->max_clicks;
	}

	l->redirect_status = 302;
	if ((in->have & LF_REDIRECT_STATUS) &&
	    !(in->nulls & LF_REDIRECT_STATUS)) {
		if (in->redirect_status != 301 && in->redirect_status != 302 &&
		    in->redirect_status != 307 && in->redirect_status != 308)
			return resp_fail(c->resp, c->a, KZ_INVALID,
			    "invalid_field", "redirect_status",
			    "redirect_status must be one of 301, 302, 307, 308");
		l->redirect_status = (int)in->redirect_status;
	}
	return KZ_OK;
}

static enum kz_err
link_respond(struct hctx *c, const struct link *l, int status)
{
	const char	*body;
	size_t		 len;

	body = json_link(c->a, l, h_short_base(c, l->domain), &len);
	resp_header(c->resp, "ETag", arena_printf(c->a, "\"%lld\"",
	    (long long)l->version));
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_body(c->resp, status, "application/json", body, len);
	return KZ_OK;
}

enum kz_err
h_links_create(struct hctx *c)
{
	struct link_input	 in;
	struct json_fail	 f;
	struct link		 l, out;
	enum kz_err		 err;

	if (!json_type(c->req->content_type))
		return resp_fail(c->resp, c->a, KZ_MEDIATYPE,
		    "unsupported_media_type", NULL,
		    "send the link as Content-Type: application/json");
	err = json_link_input(c->a, c->req->body, c->req->body_len, &in, &f);
	if (err != KZ_OK)
		return resp_fail(c->resp, c->a, f.err, f.code, f.field, "%s",
		    f.detail);
	if ((err = link_from_input(c, &in, &l)) != KZ_OK)
		return err;
	err = store_link_create(c->store, c->a, &l, c->key_id,
	    c->conf->code_length, &out);
	if (err == KZ_CONFLICT)
		return resp_fail(c->resp, c->a, KZ_CONFLICT, "code_taken",
		    "code", "the code \"%s\" is taken%s", l.code,
		    l.domain[0] != '\0' ? " in this domain" : "");
	if (err != KZ_OK)
		return err;
	resp_header(c->resp, "Location", arena_printf(c->a,
	    "/api/v1/links/%s", out.code));
	return link_respond(c, &out, 201);
}

enum kz_err
h_links_get(struct hctx *c)
{
	struct link	 l;
	const char	*domain;
	enum kz_err	 err;

	domain = http_query_get(c->a, c->req->query, "domain");
	if (domain == NULL)
		domain = "";
	if (valid_code(c->arg, strlen(c->arg)) == CODE_OK)
		err = store_link_get(c->store, c->a, domain, c->arg, &l);
	else
		err = KZ_NOTFOUND;
	if (err == KZ_NOTFOUND)
		return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
		    "there is no link with this code");
	if (err != KZ_OK)
		return err;
	return link_respond(c, &l, 200);
}
