/*
 * http.c - requests in, responses out, each input with its limit.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "http.h"
#include "json.h"
#include "log.h"

static const struct {
	const char	*name;
	enum method	 m;
} methods[] = {
	{ "GET", M_GET }, { "HEAD", M_HEAD }, { "POST", M_POST },
	{ "PUT", M_PUT }, { "PATCH", M_PATCH }, { "DELETE", M_DELETE },
	{ "OPTIONS", M_OPTIONS },
};

static const struct {
	int		 status;
	const char	*title;
	const char	*code;
} problems[KZ_ERR_MAX] = {
	[KZ_OK] =	{ 200, "OK", "ok" },
	[KZ_BADREQ] =	{ 400, "Bad Request", "bad_request" },
	[KZ_UNAUTH] =	{ 401, "Unauthorized", "unauthorized" },
	[KZ_FORBIDDEN] = { 403, "Forbidden", "forbidden" },
	[KZ_NOTFOUND] =	{ 404, "Not Found", "not_found" },
	[KZ_METHOD] =	{ 405, "Method Not Allowed", "method_not_allowed" },
	[KZ_CONFLICT] =	{ 409, "Conflict", "conflict" },
	[KZ_GONE] =	{ 410, "Gone", "gone" },
	[KZ_PRECOND] =	{ 412, "Precondition Failed", "precondition_failed" },
	[KZ_TOOLARGE] =	{ 413, "Content Too Large", "body_too_large" },
	[KZ_MEDIATYPE] = { 415, "Unsupported Media Type",
			    "unsupported_media_type" },
	[KZ_INVALID] =	{ 422, "Unprocessable Content", "invalid_field" },
	[KZ_BUSY] =	{ 503, "Service Unavailable", "unavailable" },
	[KZ_READONLY] =	{ 503, "Service Unavailable", "storage_unavailable" },
	[KZ_SYSTEM] =	{ 500, "Internal Server Error", "internal" },
};

static const char *const default_detail[KZ_ERR_MAX] = {
	[KZ_BADREQ] = "the request is malformed",
	[KZ_UNAUTH] = "an API key is required: send Authorization: Bearer "
	    "KEY or X-API-Key: KEY",
	[KZ_FORBIDDEN] = "the API key's scope does not allow this",
	[KZ_NOTFOUND] = "there is nothing at this address",
	[KZ_METHOD] = "the method is not allowed here",
	[KZ_TOOLARGE] = "the request body is larger than the limit",
	[KZ_BUSY] = "the database is busy; try again shortly",
	[KZ_READONLY] = "the database cannot be written at the moment; "
	    "reads still work",
	[KZ_SYSTEM] = "something went wrong on the server; it has been logged",
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
http_path_decode(const char *s, size_t len, char *out, size_t *outlen)
{
	size_t	i, o = 0;
	int	hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Decode a query component: '+' is a space, escapes as in a path. */
static char *
query_decode(struct arena *a, const char *s, size_t len)
{
	char	*out = arena_alloc(a, len + 1);
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return NULL;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0)
			return NULL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

const char *
http_query_get(struct arena *a, const char *query, const char *name)
{
	size_t		 nlen = strlen(name), klen, vlen;
	const char	*p = query, *amp, *eq;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		vlen = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', vlen);
		klen = eq != NULL ? (size_t)(eq - p) : vlen;
		if (klen == nlen && memcmp(p, name, nlen) == 0)
			return eq != NULL ? query_decode(a, eq + 1,
			    vlen - klen - 1) : "";
		p = amp != NULL ? amp + 1 : NULL;
	}
	return NULL;
}

char *
http_query_escape(struct arena *a, const char *s)
{
	static const char	 hexd[] = "0123456789ABCDEF";
	const unsigned char	*u = (const unsigned char *)s;
	char			*out;
	size_t			 i, o = 0;

	out = arena_alloc(a, 3 * strlen(s) + 1);
	for (i = 0; u[i] != '\0'; i++) {
		if ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' &&
		    u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9') ||
		    strchr("-._~", u[i]) != NULL)
			out[o++] = (char)u[i];
		else {
			out[o++] = '%';
			out[o++] = hexd[u[i] >> 4];
			out[o++] = hexd[u[i] & 15];
		}
	}
	out[o] = '\0';
	return out;
}

bool
http_type_is(const char *ct, const char *type)
{
	size_t	n;

	if (ct == NULL)
		return false;
	n = strcspn(ct, "; \t");
	return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

/* A header value we keep: present, not absurdly long. */
static const char *
header(const char *(*param)(const char *, void *), void *arg,
    const char *name)
{
	const char	*v = param(name, arg);

	if (v == NULL || strlen(v) > KZ_HEADER_MAX)
		return NULL;
	return v;
}

/* Split "host:port" or "[v6]:port" into the lower-cased host alone. */
static int
host_parse(struct arena *a, const char *v, const char **host)
{
	size_t	 i, n;
	char	*h;

	for (i = 0; v[i] != '\0'; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' || c == ':' || c == '[' || c == ']'))
			return -1;
	}
	if (i > KZ_DOMAIN_MAX + 8)
		return -1;
	if (v[0] == '[')
		n = strcspn(v, "]") + (strchr(v, ']') != NULL);
	else
		n = strcspn(v, ":");
	h = arena_strndup(a, v, n);
	for (i = 0; i < n; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] + ('a' - 'A'));
	if (n > 0 && h[n - 1] == '.')
		h[n - 1] = '\0';
	*host = h;
	return 0;
}

enum kz_err
http_req_init(struct req *r, struct arena *a,
    const char *(*param)(const char *, void *), void *arg, size_t body_max,
    const char **why)
{
	const char	*m, *uri, *q, *v;
	char		*path, *end;
	size_t		 i, plen;
	unsigned long long cl;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->host = r->query = "";

	m = param("REQUEST_METHOD", arg);
	for (i = 0; m != NULL && i < KZ_ARRAY_SIZE(methods); i++)
		if (strcmp(m, methods[i].name) == 0)
			r->method = methods[i].m;

	if ((uri = param("REQUEST_URI", arg)) == NULL || uri[0] != '/') {
		*why = "the request target must be a path beginning with '/'";
		return KZ_BADREQ;
	}
	q = strchr(uri, '?');
	plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (plen > KZ_PATH_MAX) {
		*why = "the path is longer than 8192 bytes";
		return KZ_BADREQ;
	}
	r->raw_path = arena_strndup(a, uri, plen);
	r->query = q != NULL ? q + 1 : "";
	path = arena_alloc(a, plen + 1);
	if (http_path_decode(uri, plen, path, &r->path_len) == -1) {
		*why = "the path holds a malformed escape or an escaped "
		    "control character";
		return KZ_BADREQ;
	}
	r->path = path;

	if ((v = header(param, arg, "HTTP_HOST")) != NULL) {
		if (host_parse(a, v, &r->host) == -1) {
			*why = "the Host header is not a host name";
			return KZ_BADREQ;
		}
		r->host_port = v;
	}
	v = param("HTTPS", arg);
	r->https = v != NULL && (strcmp(v, "on") == 0 || strcmp(v, "1") == 0);

	r->content_type = header(param, arg, "CONTENT_TYPE");
	if (r->content_type != NULL && r->content_type[0] == '\0')
		r->content_type = NULL;
	if ((v = param("CONTENT_LENGTH", arg)) != NULL && v[0] != '\0') {
		errno = 0;
		cl = strtoull(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0) {
			*why = "Content-Length is not a number";
			return KZ_BADREQ;
		}
		if (cl > body_max) {
			*why = "the request body is larger than the limit";
			return KZ_TOOLARGE;
		}
		r->content_length = (size_t)cl;
	}
	r->authorization = header(param, arg, "HTTP_AUTHORIZATION");
	r->x_api_key = header(param, arg, "HTTP_X_API_KEY");
	r->if_match = header(param, arg, "HTTP_IF_MATCH");
	r->idempotency_key = header(param, arg, "HTTP_IDEMPOTENCY_KEY");
	/* Visitors' headers are kept whatever their size: clicks truncate. */
	r->referer = param("HTTP_REFERER", arg);
	r->user_agent = param("HTTP_USER_AGENT", arg);
	r->remote_addr = param("REMOTE_ADDR", arg);
	r->country = param("GEOIP_COUNTRY_CODE", arg);
	r->accept = header(param, arg, "HTTP_ACCEPT");
	r->cookie = header(param, arg, "HTTP_COOKIE");
	r->sec_fetch_site = header(param, arg, "HTTP_SEC_FETCH_SITE");
	r->origin = header(param, arg, "HTTP_ORIGIN");
	r->body = "";
	return KZ_OK;
}

void
resp_page_headers(struct resp *rs, const char *csp,
    const char *referrer_policy)
{
	resp_header(rs, "Cache-Control", "no-store");
	resp_header(rs, "Content-Security-Policy", csp);
	resp_header(rs, "X-Content-Type-Options", "nosniff");
	resp_header(rs, "Referrer-Policy", referrer_policy);
	resp_header(rs, "X-Frame-Options", "DENY");
}

void
resp_init(struct resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 200;
	rs->body = "";
}

static bool
header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

void
resp_header(struct resp *rs, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value)) {
		log_error("dropped response header %s: it holds CR or LF",
		    header_safe(name) ? name : "(bad name)");
		return;
	}
	if (rs->nhdr == KZ_RESP_HEADERS) {
		log_error("dropped response header %s: too many", name);
		return;
	}
	rs->hdr[rs->nhdr].name = name;
	rs->hdr[rs->nhdr].value = value;
	rs->nhdr++;
}

void
resp_body(struct resp *rs, int status, const char *ctype, const char *body,
    size_t len)
{
	rs->status = status;
	rs->ctype = ctype;
	rs->body = body;
	rs->body_len = len;
}

void
resp_stream(struct resp *rs, int status, const char *ctype,
    void (*fn)(void *, struct resp_writer *), void *arg)
{
	resp_body(rs, status, ctype, "", 0);
	rs->stream = fn;
	rs->stream_arg = arg;
}

enum kz_err
resp_fail(struct resp *rs, struct arena *a, enum kz_err err,
    const char *code, const char *field, const char *fmt, ...)
{
	va_list	ap;

	rs->err = err;
	rs->code = code;
	rs->field = field;
	if (fmt != NULL) {
		va_start(ap, fmt);
		rs->detail = arena_vprintf(a, fmt, ap);
		va_end(ap);
	}
	return err;
}

int
http_status(enum kz_err err)
{
	return problems[err].status;
}

void
resp_problem(struct resp *rs, struct arena *a, enum kz_err err)
{
	const char	*code, *detail, *body;
	size_t		 len;

	if (rs->err != err) {
		/* The failure came from below the handler: no details. */
		rs->code = rs->detail = rs->field = NULL;
	}
	code = rs->code != NULL ? rs->code : problems[err].code;
	detail = rs->detail != NULL ? rs->detail : default_detail[err];
	if (detail == NULL)
		detail = problems[err].title;
	rs->stream = NULL;
	body = json_problem(a, problems[err].status, problems[err].title,
	    detail, code, rs->field, &len);
	resp_body(rs, problems[err].status, "application/problem+json", body,
	    len);
	switch (err) {
	case KZ_UNAUTH:
		resp_header(rs, "WWW-Authenticate", "Bearer realm=\"kurz\"");
		break;
	case KZ_BUSY:
	case KZ_READONLY:
		resp_header(rs, "Retry-After", "1");
		break;
	default:
		break;
	}
	resp_header(rs, "Cache-Control", "no-store");
}
