/*
 * h_links.c - the links API: create (one, a batch, idempotently), read,
 * list, change, delete and restore.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

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

/* A host name in lower case without the root's dot, in a. */
static char *
lower_dup(struct arena *a, const char *s, size_t len)
{
	char	*d = arena_strndup(a, s, len);
	size_t	 i;

	for (i = 0; i < len; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] + ('a' - 'A'));
	if (len > 0 && d[len - 1] == '.')
		d[len - 1] = '\0';
	return d;
}

#define LINKS_LIMIT_DEF		50
#define LINKS_LIMIT_MAX		1000
#define BATCH_MAX		1000
#define PASSWORD_MAX		256	/* bytes */
#define IDEM_KEY_MAX		255
#define LIST_CURSOR_LEN		11	/* 8 bytes in unpadded base64url */

static enum kz_err
refuse(struct verdict *v, const char *code, const char *field,
    const char *detail)
{
	v->err = KZ_INVALID;
	v->code = code;
	v->field = field;
	v->detail = detail;
	return KZ_INVALID;
}

enum kz_err
h_link_judge(struct hctx *c, const struct link_input *in, bool patch,
    struct link *l, struct verdict *v)
{
	const char	*self[3] = { NULL, NULL, NULL };
	enum valid_url	 vu;
	enum valid_code	 vc;
	char		*url, *hash;
	size_t		 i, j, n = 0, ulen;
	int64_t		 t;

	if (!patch) {
		memset(l, 0, sizeof(*l));
		l->domain = "";
		l->redirect_status = 302;
		l->forward_query = true;
	}
	if (patch && (in->have & (LF_CODE | LF_DOMAIN)))
		return refuse(v, "invalid_field", in->have & LF_CODE ? "code" :
		    "domain", "a link's code and domain cannot be changed; "
		    "create a new link");
	if (patch && in->have == 0)
		return refuse(v, "invalid_field", NULL,
		    "the body changes nothing");

	if (in->url != NULL) {
		if (c->conf->base_host != NULL)
			self[n++] = c->conf->base_host;
		if (c->req->host[0] != '\0')
			self[n++] = c->req->host;
		url = arena_alloc(c->a, VALID_URL_OUT(in->url_len));
		vu = valid_url(in->url, in->url_len, c->conf->url_max, self,
		    url, &ulen);
		if (vu != URL_OK)
			return refuse(v, "invalid_url", "url",
			    valid_url_msg(vu));
		l->url = url;
	} else if (!patch || (in->have & LF_URL))
		return refuse(v, "invalid_url", "url", patch ?
		    "url cannot be cleared" : "url is required");

	if (in->code != NULL) {
		vc = valid_code(in->code, in->code_len);
		if (vc != CODE_OK)
			return refuse(v, vc == CODE_RESERVED ? "reserved_code" :
			    "invalid_code", "code", valid_code_msg(vc));
		l->code = in->code;
	}

	if (in->domain != NULL && in->domain_len > 0) {
		if (!valid_domain(in->domain, in->domain_len))
			return refuse(v, "invalid_field", "domain",
			    "domain must be a host name such as s.example.com");
		l->domain = lower_dup(c->a, in->domain, in->domain_len);
	}

	if (in->title != NULL && !valid_title(in->title, in->title_len))
		return refuse(v, "invalid_field", "title", arena_printf(c->a,
		    "title must be at most %d bytes without control "
		    "characters", KZ_TITLE_MAX));
	l->title = in->title;
	if (in->notes != NULL && !valid_title(in->notes, in->notes_len))
		return refuse(v, "invalid_field", "notes", arena_printf(c->a,
		    "notes must be at most %d bytes without control "
		    "characters", KZ_TITLE_MAX));
	l->notes = in->notes;

	l->tags = arena_alloc(c->a, (in->ntags + 1) * sizeof(*l->tags));
	l->ntags = 0;
	for (i = 0; i < in->ntags; i++) {
		if (!valid_tag(in->tags[i], in->tag_lens[i]))
			return refuse(v, "invalid_field", "tags",
			    arena_printf(c->a, "each tag must be 1 to %d bytes "
			    "without control characters", KZ_TAG_MAX));
		for (j = 0; j < l->ntags; j++)
			if (strcmp(l->tags[j], in->tags[i]) == 0)
				break;
		if (j == l->ntags)
			l->tags[l->ntags++] = in->tags[i];
	}

	l->expires_at = 0;
	if (in->expires_at != NULL) {
		if (!valid_time(in->expires_at, in->expires_len, &t))
			return refuse(v, "invalid_field", "expires_at",
			    "expires_at must be an RFC 3339 time such as "
			    "2026-12-31T23:59:59Z");
		if (t <= c->now_ms / 1000)
			return refuse(v, "invalid_field", "expires_at",
			    "expires_at is in the past");
		l->expires_at = t;
	}

	l->max_clicks = 0;
	if ((in->have & LF_MAX_CLICKS) && !(in->nulls & LF_MAX_CLICKS)) {
		if (in->max_clicks < 1)
			return refuse(v, "invalid_field", "max_clicks",
			    "max_clicks must be at least 1");
		l->max_clicks = in->max_clicks;
	}

	if ((in->have & LF_REDIRECT_STATUS) &&
	    !(in->nulls & LF_REDIRECT_STATUS)) {
		if (in->redirect_status != 301 && in->redirect_status != 302 &&
		    in->redirect_status != 307 && in->redirect_status != 308)
			return refuse(v, "invalid_field", "redirect_status",
			    "redirect_status must be one of 301, 302, 307, "
			    "308");
		l->redirect_status = (int)in->redirect_status;
	} else
		l->redirect_status = 302;
	l->forward_query = in->forward_query;

	l->password_hash = NULL;
	if (in->password != NULL) {
		if (in->password_len == 0 || in->password_len > PASSWORD_MAX ||
		    memchr(in->password, '\0', in->password_len) != NULL)
			return refuse(v, "invalid_field", "password",
			    "password must be 1 to 256 bytes");
		/* Argon2id, libsodium's interactive cost: slow to guess. */
		hash = arena_alloc(c->a, crypto_pwhash_STRBYTES);
		if (crypto_pwhash_str(hash, in->password, in->password_len,
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			v->err = KZ_SYSTEM;
			return KZ_SYSTEM;
		}
		l->password_hash = hash;
	}
	return KZ_OK;
}

/* Record a verdict in the response. */
static enum kz_err
verdict_fail(struct hctx *c, const struct verdict *v)
{
	if (v->err != KZ_INVALID)
		return v->err;
	return resp_fail(c->resp, c->a, KZ_INVALID, v->code, v->field, "%s",
	    v->detail);
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

/* Parse and judge a one-link body for creation or change. */
static enum kz_err
link_body(struct hctx *c, bool patch, struct link_input *in, struct link *l)
{
	struct json_fail	 f;
	struct verdict		 v;
	enum kz_err		 err;

	if (!json_type(c->req->content_type))
		return resp_fail(c->resp, c->a, KZ_MEDIATYPE,
		    "unsupported_media_type", NULL, "send the link as "
		    "Content-Type: application/json");
	err = json_link_input(c->a, c->req->body, c->req->body_len, in, &f);
	if (err != KZ_OK)
		return resp_fail(c->resp, c->a, f.err, f.code, f.field, "%s",
		    f.detail);
	if (h_link_judge(c, in, patch, l, &v) != KZ_OK)
		return verdict_fail(c, &v);
	return KZ_OK;
}

static enum kz_err
code_taken(struct hctx *c, const struct link *l)
{
	return resp_fail(c->resp, c->a, KZ_CONFLICT, "code_taken", "code",
	    "the code \"%s\" is taken%s", l->code,
	    l->domain[0] != '\0' ? " in this domain" : "");
}

/* What an idempotent create keeps and replays. */
struct idem_render {
	struct hctx	*c;
};

static char *
idem_render(void *arg, const struct link *l, int *status,
    const char **location)
{
	struct idem_render	*r = arg;
	size_t			 len;

	*status = 201;
	*location = arena_printf(r->c->a, "/api/v1/links/%s", l->code);
	return json_link(r->c->a, l, h_short_base(r->c, l->domain), &len);
}

/* The request's fingerprint: the same key must come with the same body. */
static void
request_hash(const struct req *r, unsigned char out[32])
{
	crypto_hash_sha256_state	st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)r->raw_path,
	    strlen(r->raw_path));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)r->body,
	    r->body_len);
	crypto_hash_sha256_final(&st, out);
}

static enum kz_err
idem_replay(struct hctx *c, const struct idem *seen,
    const unsigned char hash[32])
{
	if (sodium_memcmp(seen->request_hash, hash, 32) != 0)
		return resp_fail(c->resp, c->a, KZ_INVALID,
		    "idempotency_key_reused", NULL, "this Idempotency-Key was "
		    "used for another request; use a new key");
	if (seen->location != NULL)
		resp_header(c->resp, "Location", seen->location);
	resp_header(c->resp, "Idempotent-Replayed", "true");
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_body(c->resp, seen->status, "application/json", seen->body,
	    strlen(seen->body));
	return KZ_OK;
}

static bool
idem_key_ok(const char *k)
{
	size_t	n = strlen(k), i;

	if (n == 0 || n > IDEM_KEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

enum kz_err
h_links_create(struct hctx *c)
{
	struct link_input	 in;
	struct link		 l, out;
	struct idem		 seen;
	struct idem_render	 r = { c };
	const char		*ik = c->req->idempotency_key;
	unsigned char		 hash[32];
	enum kz_err		 err;
	bool			 raced;

	if (ik != NULL) {
		if (!idem_key_ok(ik))
			return resp_fail(c->resp, c->a, KZ_BADREQ,
			    "invalid_idempotency_key", NULL, "an "
			    "Idempotency-Key is 1 to 255 printable characters");
		request_hash(c->req, hash);
		err = store_idem_get(c->store, c->a, c->key_id, ik, &seen);
		if (err == KZ_OK)
			return idem_replay(c, &seen, hash);
		if (err != KZ_NOTFOUND)
			return err;
	}
	if ((err = link_body(c, false, &in, &l)) != KZ_OK)
		return err;
	if (ik != NULL) {
		err = store_link_create_idem(c->store, c->a, &l, c->key_id,
		    c->conf->code_length, ik, hash, idem_render, &r, &out,
		    &raced);
		if (err == KZ_CONFLICT && raced) {
			/* A twin got there first: answer as it was answered. */
			if ((err = store_idem_get(c->store, c->a, c->key_id, ik,
			    &seen)) != KZ_OK)
				return err;
			return idem_replay(c, &seen, hash);
		}
	} else
		err = store_link_create(c->store, c->a, &l, c->key_id,
		    c->conf->code_length, &out);
	if (err == KZ_CONFLICT)
		return code_taken(c, &l);
	if (err != KZ_OK)
		return err;
	resp_header(c->resp, "Location", arena_printf(c->a,
	    "/api/v1/links/%s", out.code));
	return link_respond(c, &out, 201);
}

enum kz_err
h_links_batch(struct hctx *c)
{
	struct link_input	*in;
	struct json_fail	 f;
	struct batch_item	*it;
	struct verdict		 v;
	struct link		*l, *out;
	const char		*body;
	size_t			 i, n, failed, len, bad = 0;
	enum kz_err		 err;
	int			 status;

	if (!json_type(c->req->content_type))
		return resp_fail(c->resp, c->a, KZ_MEDIATYPE,
		    "unsupported_media_type", NULL, "send the links as "
		    "Content-Type: application/json");
	err = json_batch_input(c->a, c->req->body, c->req->body_len,
	    BATCH_MAX, &in, &n, &failed, &f);
	if (err != KZ_OK && failed == (size_t)-1)
		return resp_fail(c->resp, c->a, f.err, f.code, f.field, "%s",
		    f.detail);
	it = arena_alloc(c->a, (n + 1) * sizeof(*it));
	memset(it, 0, (n + 1) * sizeof(*it));
	l = arena_alloc(c->a, (n + 1) * sizeof(*l));
	out = arena_alloc(c->a, (n + 1) * sizeof(*out));
	if (err != KZ_OK) {
		/* A body whose item is not even a link: that item alone. */
		it[failed].status = http_status(f.err);
		it[failed].code = f.code;
		it[failed].field = f.field;
		it[failed].detail = f.detail;
		bad = 1;
	} else {
		/* Judge every item, so that one answer names every fault. */
		for (i = 0; i < n; i++) {
			if (h_link_judge(c, &in[i], false, &l[i], &v) == KZ_OK)
				continue;
			if (v.err != KZ_INVALID)
				return v.err;
			it[i].status = 422;
			it[i].code = v.code;
			it[i].field = v.field;
			it[i].detail = v.detail;
			bad++;
		}
		/* The same code twice in one batch is taken by the first. */
		for (i = 0; i < n && bad == 0; i++) {
			size_t	j;

			for (j = 0; j < i && l[i].code != NULL; j++)
				if (l[j].code != NULL &&
				    strcasecmp(l[j].code, l[i].code) == 0 &&
				    strcmp(l[j].domain, l[i].domain) == 0) {
					it[i].status = 409;
					it[i].code = "code_taken";
					it[i].field = "code";
					it[i].detail = "this code is also "
					    "given to an earlier item";
					bad++;
					break;
				}
		}
	}
	if (bad > 0) {
		/* 409 only when every refusal is a taken code. */
		status = 409;
		for (i = 0; i < n; i++)
			if (it[i].code != NULL && it[i].status != 409)
				status = 422;
		body = json_batch(c->a, it, n, status == 409 ? 409 : 422,
		    arena_printf(c->a, "%zu of %zu links were refused; none "
		    "was created", bad, n), &len);
		resp_body(c->resp, status == 409 ? 409 : 422,
		    "application/problem+json", body, len);
		return KZ_OK;
	}
	err = store_link_create_batch(c->store, c->a, l, n, c->key_id,
	    c->conf->code_length, out, &failed);
	if (err == KZ_CONFLICT) {
		it[failed].status = 409;
		it[failed].code = "code_taken";
		it[failed].field = "code";
		it[failed].detail = arena_printf(c->a, "the code \"%s\" is "
		    "taken", l[failed].code);
		body = json_batch(c->a, it, n, 409, "a code is taken; none "
		    "was created", &len);
		resp_body(c->resp, 409, "application/problem+json", body, len);
		return KZ_OK;
	}
	if (err != KZ_OK)
		return err;
	for (i = 0; i < n; i++) {
		it[i].link = &out[i];
		it[i].short_base = h_short_base(c, out[i].domain);
		it[i].status = 201;
	}
	body = json_batch(c->a, it, n, 201, NULL, &len);
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_body(c->resp, 201, "application/json", body, len);
	return KZ_OK;
}

/* The ?domain= of a request on one link: "" when absent. */
static enum kz_err
domain_param(struct hctx *c, const char **out)
{
	const char	*d = http_query_get(c->a, c->req->query, "domain");
	size_t		 n;

	*out = "";
	if (d == NULL || *d == '\0')
		return KZ_OK;
	n = strlen(d);
	if (!valid_domain(d, n))
		return resp_fail(c->resp, c->a, KZ_BADREQ, "invalid_parameter",
		    "domain", "domain must be a host name");
	*out = lower_dup(c->a, d, n);
	return KZ_OK;
}

static enum kz_err
no_link(struct hctx *c)
{
	return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
	    "there is no link with this code");
}

enum kz_err
h_links_get(struct hctx *c)
{
	struct link	 l;
	const char	*domain;
	enum kz_err	 err;

	if ((err = domain_param(c, &domain)) != KZ_OK)
		return err;
	if (valid_code(c->arg, strlen(c->arg)) != CODE_OK)
		return no_link(c);
	err = store_link_get(c->store, c->a, domain, c->arg, &l);
	if (err == KZ_NOTFOUND)
		return no_link(c);
	if (err != KZ_OK)
		return err;
	return link_respond(c, &l, 200);
}

/*
 * If-Match: "N" (our ETags), W/"N", or *. *version 0 when absent or *.
 * KZ_BADREQ for anything else.
 */
static enum kz_err
if_match(struct hctx *c, int64_t *version)
{
	const char	*s = c->req->if_match, *p;
	char		*end;
	long long	 v;

	*version = 0;
	if (s == NULL)
		return KZ_OK;
	while (*s == ' ')
		s++;
	if (strcmp(s, "*") == 0)
		return KZ_OK;
	p = strncmp(s, "W/", 2) == 0 ? s + 2 : s;
	if (*p == '"' && p[1] >= '1' && p[1] <= '9') {
		errno = 0;
		v = strtoll(p + 1, &end, 10);
		if (*end++ == '"' && v > 0 && errno == 0) {
			while (*end == ' ')
				end++;
			if (*end == '\0') {
				*version = v;
				return KZ_OK;
			}
		}
	}
	return resp_fail(c->resp, c->a, KZ_BADREQ, "invalid_if_match", NULL,
	    "If-Match must be an ETag this API gave, such as \"3\", or *");
}

/* Answer a failed change: 404, 410, 412 with words for each. */
static enum kz_err
change_failed(struct hctx *c, enum kz_err err)
{
	switch (err) {
	case KZ_NOTFOUND:
		return no_link(c);
	case KZ_GONE:
		return resp_fail(c->resp, c->a, KZ_GONE, "gone", NULL,
		    "this link is deleted; restore it first");
	case KZ_PRECOND:
		return resp_fail(c->resp, c->a, KZ_PRECOND, "version_mismatch",
		    NULL, "the link has changed since the version in "
		    "If-Match; read it again");
	default:
		return err;
	}
}

enum kz_err
h_links_patch(struct hctx *c)
{
	struct link_input	 in;
	struct link_patch	 p;
	struct link		 out;
	const char		*domain;
	enum kz_err		 err;
	int64_t			 version;

	if ((err = domain_param(c, &domain)) != KZ_OK ||
	    (err = if_match(c, &version)) != KZ_OK)
		return err;
	if (valid_code(c->arg, strlen(c->arg)) != CODE_OK)
		return no_link(c);
	memset(&p, 0, sizeof(p));
	if ((err = link_body(c, true, &in, &p.v)) != KZ_OK)
		return err;
	p.set = in.have;
	err = store_link_update(c->store, c->a, domain, c->arg, &p, version,
	    &out);
	if (err != KZ_OK)
		return change_failed(c, err);
	return link_respond(c, &out, 200);
}

enum kz_err
h_links_delete(struct hctx *c)
{
	const char	*domain;
	enum kz_err	 err;
	int64_t		 version;

	if ((err = domain_param(c, &domain)) != KZ_OK ||
	    (err = if_match(c, &version)) != KZ_OK)
		return err;
	if (valid_code(c->arg, strlen(c->arg)) != CODE_OK)
		return no_link(c);
	err = store_link_delete(c->store, domain, c->arg, version);
	if (err != KZ_OK)
		return change_failed(c, err);
	resp_body(c->resp, 204, NULL, "", 0);
	return KZ_OK;
}

enum kz_err
h_links_restore(struct hctx *c)
{
	struct link	 out;
	const char	*domain;
	enum kz_err	 err;

	if ((err = domain_param(c, &domain)) != KZ_OK)
		return err;
	if (valid_code(c->arg, strlen(c->arg)) != CODE_OK)
		return no_link(c);
	err = store_link_restore(c->store, c->a, domain, c->arg, &out);
	if (err == KZ_NOTFOUND)
		return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
		    "there is no deleted link with this code");
	if (err != KZ_OK)
		return err;
	return link_respond(c, &out, 200);
}

static void
list_cursor_encode(int64_t id, char *out)
{
	unsigned char	raw[8];
	int		i;

	for (i = 0; i < 8; i++)
		raw[i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
	sodium_bin2base64(out, LIST_CURSOR_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool
list_cursor_decode(const char *s, int64_t *id)
{
	unsigned char	raw[8];
	uint64_t	v = 0;
	size_t		len;
	int		i;

	if (strlen(s) != LIST_CURSOR_LEN || sodium_base642bin(raw,
	    sizeof(raw), s, LIST_CURSOR_LEN, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(raw))
		return false;
	for (i = 0; i < 8; i++)
		v = v << 8 | raw[i];
	if (v == 0 || v > INT64_MAX)
		return false;
	*id = (int64_t)v;
	return true;
}

static enum kz_err
bad_param(struct hctx *c, const char *code, const char *name,
    const char *detail)
{
	return resp_fail(c->resp, c->a, KZ_BADREQ, code, name, "%s", detail);
}

enum kz_err
h_links_list(struct hctx *c)
{
	struct link_query	 q;
	struct link		*links;
	const char		*v, **bases, *body;
	char			 next[LIST_CURSOR_LEN + 1];
	char			*end;
	size_t			 n, i, len;
	int64_t			 next_before = 0, total = 0;
	long long		 lim;
	enum kz_err		 err;

	memset(&q, 0, sizeof(q));
	q.limit = LINKS_LIMIT_DEF;
	if ((v = http_query_get(c->a, c->req->query, "limit")) != NULL) {
		lim = strtoll(v, &end, 10);
		if (*v < '0' || *v > '9' || *end != '\0' || lim < 1 ||
		    lim > LINKS_LIMIT_MAX)
			return bad_param(c, "invalid_parameter", "limit",
			    "limit must be a whole number from 1 to 1000");
		q.limit = (size_t)lim;
	}
	if ((v = http_query_get(c->a, c->req->query, "cursor")) != NULL &&
	    !list_cursor_decode(v, &q.before_id))
		return bad_param(c, "invalid_cursor", "cursor",
		    "the cursor is not one that this API gave out");
	if ((v = http_query_get(c->a, c->req->query, "domain")) != NULL) {
		if ((err = domain_param(c, &q.domain)) != KZ_OK)
			return err;
	}
	if ((v = http_query_get(c->a, c->req->query, "tag")) != NULL) {
		if (!valid_tag(v, strlen(v)))
			return bad_param(c, "invalid_parameter", "tag",
			    "tag must be 1 to 64 bytes without control "
			    "characters");
		q.tag = v;
	}
	if ((v = http_query_get(c->a, c->req->query, "q")) != NULL) {
		if (strlen(v) > 256 || !valid_title(v, strlen(v)))
			return bad_param(c, "invalid_parameter", "q",
			    "q must be at most 256 bytes of text");
		if (*v != '\0')
			q.q = v;
	}
	if ((v = http_query_get(c->a, c->req->query, "count")) != NULL) {
		if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
			return bad_param(c, "invalid_parameter", "count",
			    "count must be 0 or 1");
		q.count = v[0] == '1';
	}
	if ((v = http_query_get(c->a, c->req->query, "deleted")) != NULL) {
		if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
			return bad_param(c, "invalid_parameter", "deleted",
			    "deleted must be 0 or 1");
		q.deleted = v[0] == '1';
	}
	if ((err = store_link_list(c->store, c->a, &q, &links, &n,
	    &next_before, &total)) != KZ_OK)
		return err;
	bases = arena_alloc(c->a, (n + 1) * sizeof(*bases));
	for (i = 0; i < n; i++)
		bases[i] = h_short_base(c, links[i].domain);
	if (next_before != 0)
		list_cursor_encode(next_before, next);
	body = json_link_list(c->a, links, n, bases, next_before != 0 ?
	    next : NULL, total, q.count, &len);
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_body(c->resp, 200, "application/json", body, len);
	return KZ_OK;
}
