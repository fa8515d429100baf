/*
 * t_http.c - path and query decoding, requests from CGI parameters,
 * responses and problem details.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http.h"
#include "kz.h"

#include "tap.h"

#define S(x)		x, sizeof(x) - 1

static const struct {
	const char	*in;
	size_t		 len;
	int		 rc;
	const char	*out;
	size_t		 outlen;
} path_tests[] = {
	{ S("/plain/path"), 0, S("/plain/path") },
	{ S(""), 0, S("") },
	{ S("/%41"), 0, S("/A") },
	{ S("/%61%62c"), 0, S("/abc") },
	{ S("/a%2fb"), 0, S("/a/b") },
	{ S("/a%2Fb"), 0, S("/a/b") },
	{ S("/a%20b"), 0, S("/a b") },
	{ S("/%c3%a4"), 0, S("/\xc3\xa4") },
	{ S("/\xc3\xa4"), 0, S("/\xc3\xa4") },
	{ S("/a+b"), 0, S("/a+b") },
	{ S("/%25"), 0, S("/%") },
	{ S("/%2525"), 0, S("/%25") },
	{ S("/a%0d%0aSet-Cookie:x"), -1, NULL, 0 },
	{ S("/a%0D%0A"), -1, NULL, 0 },
	{ S("/a%0a"), -1, NULL, 0 },
	{ S("/a%09"), -1, NULL, 0 },
	{ S("/a%00b"), -1, NULL, 0 },
	{ S("/a%7f"), -1, NULL, 0 },
	{ S("/a%1b"), -1, NULL, 0 },
	{ S("/%zz"), -1, NULL, 0 },
	{ S("/%g0"), -1, NULL, 0 },
	{ S("/%0g"), -1, NULL, 0 },
	{ S("/x%"), -1, NULL, 0 },
	{ S("/x%4"), -1, NULL, 0 },
	{ S("%"), -1, NULL, 0 },
	{ S("/%%41"), -1, NULL, 0 },
	{ S("/a\rb"), -1, NULL, 0 },
	{ S("/a\nb"), -1, NULL, 0 },
	{ S("/a\tb"), -1, NULL, 0 },
	{ S("/a\0b"), -1, NULL, 0 },
	{ S("/a\x7f"), -1, NULL, 0 },
};

static void
test_path_decode(void)
{
	char	 out[64];
	size_t	 i, outlen;
	int	 rc;

	for (i = 0; i < KZ_ARRAY_SIZE(path_tests); i++) {
		outlen = 999;
		rc = http_path_decode(path_tests[i].in, path_tests[i].len, out,
		    &outlen);
		if (path_tests[i].rc == -1) {
			tap_ok(rc == -1, "http_path_decode #%zu refused", i);
			continue;
		}
		tap_ok(rc == 0 && outlen == path_tests[i].outlen &&
		    memcmp(out, path_tests[i].out, outlen) == 0 &&
		    out[outlen] == '\0', "http_path_decode #%zu \"%s\"", i,
		    path_tests[i].out);
	}
	/* Only len bytes are read. */
	tap_ok(http_path_decode("/ab%41", 4, out, &outlen) == -1,
	    "http_path_decode: a '%%' cut by len is refused");
	tap_ok(http_path_decode("/ab%41", 3, out, &outlen) == 0 &&
	    outlen == 3 && strcmp(out, "/ab") == 0,
	    "http_path_decode: reads len bytes only");
}

static const struct {
	const char	*query;
	const char	*name;
	const char	*want;		/* NULL: absent or undecodable */
} query_tests[] = {
	{ "a=1&b=x+y", "a", "1" },
	{ "a=1&b=x+y", "b", "x y" },
	{ "a=1&b=x+y", "c", NULL },
	{ "a=1&b=2&c=3", "c", "3" },
	{ "a=1&b=2&c=3", "b", "2" },
	{ "a=1&a=2", "a", "1" },
	{ "a=", "a", "" },
	{ "a=&b=1", "a", "" },
	{ "a", "a", "" },
	{ "a&b=1", "a", "" },
	{ "q=hello%20world", "q", "hello world" },
	{ "q=%41%62", "q", "Ab" },
	{ "q=a%2Bb", "q", "a+b" },
	{ "q=a%26b%3Dc", "q", "a&b=c" },
	{ "q=%c3%a4", "q", "\xc3\xa4" },
	{ "q=%zz", "q", NULL },
	{ "q=%4", "q", NULL },
	{ "q=%", "q", NULL },
	{ "q=a%00b", "q", NULL },
	{ "q=%zz&r=1", "r", "1" },
	{ "tag=x&t=y", "t", "y" },
	{ "tags=x&tag=y", "tag", "y" },
	{ "tagx=1", "tag", NULL },
	{ "xtag=1", "tag", NULL },
	{ "tag=1", "tags", NULL },
	{ "=1&a=2", "a", "2" },
	{ "&&a=2&", "a", "2" },
	{ "a=b=c", "a", "b=c" },
	{ "A=1", "a", NULL },
	{ "", "a", NULL },
};

static void
test_query(void)
{
	struct arena	*a = arena_create();
	const char	*got;
	size_t		 i;
	char		 name[128];

	for (i = 0; i < KZ_ARRAY_SIZE(query_tests); i++) {
		got = http_query_get(a, query_tests[i].query,
		    query_tests[i].name);
		snprintf(name, sizeof(name), "http_query_get \"%s\" %s",
		    query_tests[i].query, query_tests[i].name);
		tap_str(got, query_tests[i].want, name);
	}
	tap_ok(http_query_get(a, NULL, "a") == NULL, "http_query_get NULL");
	arena_free(a);
}

/* CGI parameters for one request, as nginx would pass them. */
struct params {
	const char	*method;
	const char	*uri;
	const char	*host;
	const char	*clen;
	const char	*ctype;
	const char	*https;
};

static const char *
param(const char *name, void *arg)
{
	const struct params	*p = arg;

	if (strcmp(name, "REQUEST_METHOD") == 0)
		return p->method;
	if (strcmp(name, "REQUEST_URI") == 0)
		return p->uri;
	if (strcmp(name, "HTTP_HOST") == 0)
		return p->host;
	if (strcmp(name, "CONTENT_LENGTH") == 0)
		return p->clen;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return p->ctype;
	if (strcmp(name, "HTTPS") == 0)
		return p->https;
	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return "Bearer x";
	if (strcmp(name, "HTTP_X_API_KEY") == 0)
		return "k";
	if (strcmp(name, "HTTP_USER_AGENT") == 0)
		return "UA/1";
	if (strcmp(name, "HTTP_REFERER") == 0)
		return "https://ref.example/";
	if (strcmp(name, "REMOTE_ADDR") == 0)
		return "192.0.2.1";
	return NULL;
}

#define BODY_MAX	65536

/* A printable rendering of a parameter for the TAP line. */
static const char *
show(const char *s, char *buf, size_t bufsz)
{
	size_t	o = 0;

	if (s == NULL)
		return "(none)";
	for (; *s != '\0' && o + 5 < bufsz; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '#' || c == '\\')
			o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static const struct {
	struct params	 p;
	enum kz_err	 err;
	const char	*path;		/* when KZ_OK */
	const char	*query;
	const char	*host;
	enum method	 method;
} req_tests[] = {
	{ { "GET", "/abc", "s.example.com", NULL, NULL, NULL },
	    KZ_OK, "/abc", "", "s.example.com", M_GET },
	{ { "GET", "/api/v1/links?q=x&limit=5", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/api/v1/links", "q=x&limit=5", "a.b", M_GET },
	{ { "GET", "/x?", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_GET },
	{ { "GET", "/a%20b?c=%20", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/a b", "c=%20", "a.b", M_GET },
	{ { "GET", "/x", "Example.COM:8080", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "example.com", M_GET },
	{ { "GET", "/x", "EXAMPLE.com.", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "example.com", M_GET },
	{ { "GET", "/x", "[::1]:8080", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "[::1]", M_GET },
	{ { "GET", "/x", NULL, NULL, NULL, NULL },
	    KZ_OK, "/x", "", "", M_GET },
	{ { "HEAD", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_HEAD },
	{ { "POST", "/x", "a.b", "10", "application/json", NULL },
	    KZ_OK, "/x", "", "a.b", M_POST },
	{ { "PUT", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_PUT },
	{ { "PATCH", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_PATCH },
	{ { "DELETE", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_DELETE },
	{ { "OPTIONS", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_OPTIONS },
	{ { "BREW", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_OTHER },
	{ { "get", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_OTHER },
	{ { "GETX", "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_OTHER },
	{ { NULL, "/x", "a.b", NULL, NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_OTHER },
	{ { "POST", "/x", "a.b", "", NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_POST },
	{ { "POST", "/x", "a.b", "65536", NULL, NULL },
	    KZ_OK, "/x", "", "a.b", M_POST },

	{ { "GET", NULL, "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "x", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "http://a.b/x", "a.b", NULL, NULL, NULL }, KZ_BADREQ,
	    NULL, NULL, NULL, 0 },
	{ { "GET", "*", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "/a%0d%0aSet-Cookie:x", "a.b", NULL, NULL, NULL },
	    KZ_BADREQ, NULL, NULL, NULL, 0 },
	{ { "GET", "/a%0a", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "/a%00", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "/a%zz", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "/a%", "a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "POST", "/x", "a.b", "65537", NULL, NULL }, KZ_TOOLARGE, NULL,
	    NULL, NULL, 0 },
	{ { "POST", "/x", "a.b", "18446744073709551615", NULL, NULL },
	    KZ_TOOLARGE, NULL, NULL, NULL, 0 },
	{ { "POST", "/x", "a.b", "abc", NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "POST", "/x", "a.b", "-1", NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "POST", "/x", "a.b", "+5", NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "POST", "/x", "a.b", " 5", NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "POST", "/x", "a.b", "5 ", NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "POST", "/x", "a.b", "12abc", NULL, NULL }, KZ_BADREQ, NULL,
	    NULL, NULL, 0 },
	{ { "POST", "/x", "a.b", "0x10", NULL, NULL }, KZ_BADREQ, NULL,
	    NULL, NULL, 0 },
	{ { "GET", "/x", "exa mple.com", NULL, NULL, NULL }, KZ_BADREQ, NULL,
	    NULL, NULL, 0 },
	{ { "GET", "/x", "a.b\r\nX-Evil: 1", NULL, NULL, NULL }, KZ_BADREQ,
	    NULL, NULL, NULL, 0 },
	{ { "GET", "/x", "a.b/x", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "/x", "user@a.b", NULL, NULL, NULL }, KZ_BADREQ, NULL,
	    NULL, NULL, 0 },
	{ { "GET", "/x", "a.b\"", NULL, NULL, NULL }, KZ_BADREQ, NULL, NULL,
	    NULL, 0 },
	{ { "GET", "/x", "<script>", NULL, NULL, NULL }, KZ_BADREQ, NULL,
	    NULL, NULL, 0 },
	{ { "GET", "/x", "b\xc3\xbc" "cher.de", NULL, NULL, NULL }, KZ_BADREQ,
	    NULL, NULL, NULL, 0 },
};

static void
test_req(void)
{
	struct arena	*a = arena_create();
	struct req	 r;
	struct params	 p;
	const char	*why;
	char		*big, b1[64], b2[64];
	size_t		 i;
	enum kz_err	 err;

	for (i = 0; i < KZ_ARRAY_SIZE(req_tests); i++) {
		why = NULL;
		err = http_req_init(&r, a, param, (void *)&req_tests[i].p,
		    BODY_MAX, &why);
		if (!tap_ok(err == req_tests[i].err, "http_req_init #%zu "
		    "%s %s host %s length %s: %d", i,
		    req_tests[i].p.method ? req_tests[i].p.method : "(none)",
		    show(req_tests[i].p.uri, b1, sizeof(b1)),
		    show(req_tests[i].p.host, b2, sizeof(b2)),
		    req_tests[i].p.clen ? req_tests[i].p.clen : "(none)",
		    req_tests[i].err))
			printf("#   got %d (%s)\n", err, why ? why : "");
		if (req_tests[i].err != KZ_OK) {
			tap_ok(why != NULL && why[0] != '\0', "  says why");
			continue;
		}
		if (err != KZ_OK)
			continue;
		tap_str(r.path, req_tests[i].path, "  path");
		tap_ok(r.path_len == strlen(req_tests[i].path), "  path_len");
		tap_str(r.query, req_tests[i].query, "  query");
		tap_str(r.host, req_tests[i].host, "  host");
		tap_ok(r.method == req_tests[i].method, "  method %d",
		    req_tests[i].method);
	}

	/* The headers a handler sees. */
	memset(&p, 0, sizeof(p));
	p.method = "POST";
	p.uri = "/api/v1/links%2Fx?a=1";
	p.host = "Example.COM:8080";
	p.clen = "123";
	p.ctype = "application/json";
	p.https = "on";
	err = http_req_init(&r, a, param, &p, BODY_MAX, &why);
	tap_ok(err == KZ_OK, "http_req_init full request");
	tap_str(r.raw_path, "/api/v1/links%2Fx", "  raw_path still encoded");
	tap_str(r.path, "/api/v1/links/x", "  path decoded");
	tap_str(r.host_port, "Example.COM:8080", "  host_port as sent");
	tap_str(r.host, "example.com", "  host lower case, no port");
	tap_ok(r.content_length == 123, "  content_length");
	tap_str(r.content_type, "application/json", "  content_type");
	tap_ok(r.https, "  https on");
	tap_str(r.authorization, "Bearer x", "  authorization");
	tap_str(r.x_api_key, "k", "  x_api_key");
	tap_str(r.user_agent, "UA/1", "  user_agent");
	tap_str(r.referer, "https://ref.example/", "  referer");
	tap_str(r.remote_addr, "192.0.2.1", "  remote_addr");
	tap_ok(r.arena == a, "  arena");
	tap_ok(r.body != NULL && r.body_len == 0, "  body left empty");

	p.https = "off";
	p.ctype = "";
	p.clen = NULL;
	err = http_req_init(&r, a, param, &p, BODY_MAX, &why);
	tap_ok(err == KZ_OK && !r.https, "http_req_init HTTPS off");
	tap_ok(r.content_type == NULL, "http_req_init empty CONTENT_TYPE");
	tap_ok(r.content_length == 0, "http_req_init no CONTENT_LENGTH");
	p.https = "1";
	err = http_req_init(&r, a, param, &p, BODY_MAX, &why);
	tap_ok(err == KZ_OK && r.https, "http_req_init HTTPS 1");
	p.https = NULL;
	err = http_req_init(&r, a, param, &p, BODY_MAX, &why);
	tap_ok(err == KZ_OK && !r.https, "http_req_init no HTTPS");

	/* Body limit: the one given, not a fixed one. */
	p.clen = "11";
	tap_ok(http_req_init(&r, a, param, &p, 10, &why) == KZ_TOOLARGE,
	    "http_req_init 11 over body_max 10");
	p.clen = "10";
	tap_ok(http_req_init(&r, a, param, &p, 10, &why) == KZ_OK &&
	    r.content_length == 10, "http_req_init 10 at body_max 10");
	p.clen = NULL;

	/* Path limit. */
	big = malloc(KZ_PATH_MAX + 2);
	memset(big, 'a', KZ_PATH_MAX + 1);
	big[0] = '/';
	big[KZ_PATH_MAX + 1] = '\0';
	p.uri = big;
	tap_ok(http_req_init(&r, a, param, &p, BODY_MAX, &why) == KZ_BADREQ,
	    "http_req_init path of 8193 bytes");
	big[KZ_PATH_MAX] = '\0';
	tap_ok(http_req_init(&r, a, param, &p, BODY_MAX, &why) == KZ_OK &&
	    r.path_len == KZ_PATH_MAX, "http_req_init path of 8192 bytes");
	free(big);
	p.uri = "/x";

	/* A Host too long for any host name. */
	big = malloc(600);
	memset(big, 'h', 599);
	big[599] = '\0';
	p.host = big;
	tap_ok(http_req_init(&r, a, param, &p, BODY_MAX, &why) == KZ_BADREQ,
	    "http_req_init Host of 599 bytes");
	free(big);
	arena_free(a);
}

static void
test_resp(void)
{
	struct arena	*a = arena_create();
	struct resp	 rs;
	size_t		 i;
	char		 name[32];

	resp_init(&rs);
	tap_ok(rs.status == 200 && rs.nhdr == 0, "resp_init");
	resp_header(&rs, "Location", "https://a.b/\r\nSet-Cookie: x=1");
	tap_ok(rs.nhdr == 0, "resp_header drops a value with CR LF");
	resp_header(&rs, "Location", "https://a.b/\nx");
	tap_ok(rs.nhdr == 0, "resp_header drops a value with LF");
	resp_header(&rs, "Location", "https://a.b/\rx");
	tap_ok(rs.nhdr == 0, "resp_header drops a value with CR");
	resp_header(&rs, "X-A\r\nX-B", "1");
	tap_ok(rs.nhdr == 0, "resp_header drops a name with CR LF");
	resp_header(&rs, "Location", "https://a.b/x?y=1");
	tap_ok(rs.nhdr == 1 && strcmp(rs.hdr[0].name, "Location") == 0 &&
	    strcmp(rs.hdr[0].value, "https://a.b/x?y=1") == 0,
	    "resp_header keeps a normal one");
	for (i = 1; i < KZ_RESP_HEADERS + 4; i++) {
		snprintf(name, sizeof(name), "X-%zu", i);
		resp_header(&rs, arena_strdup(a, name), "v");
	}
	tap_ok(rs.nhdr == KZ_RESP_HEADERS, "resp_header stops at %d",
	    KZ_RESP_HEADERS);

	resp_init(&rs);
	resp_body(&rs, 201, "application/json", "{}", 2);
	tap_ok(rs.status == 201 && strcmp(rs.ctype, "application/json") == 0 &&
	    rs.body_len == 2 && strcmp(rs.body, "{}") == 0, "resp_body");

	/* A validation failure. */
	resp_init(&rs);
	tap_ok(resp_fail(&rs, a, KZ_INVALID, "invalid_url", "url",
	    "the URL is %s", "wrong") == KZ_INVALID, "resp_fail returns err");
	resp_problem(&rs, a, KZ_INVALID);
	tap_ok(rs.status == 422, "resp_problem 422 status");
	tap_str(rs.ctype, "application/problem+json", "  content type");
	tap_ok(rs.body != NULL && rs.body_len == strlen(rs.body),
	    "  body_len");
	tap_ok(strstr(rs.body, "\"status\":422") != NULL, "  \"status\":422");
	tap_ok(strstr(rs.body, "\"code\":\"invalid_url\"") != NULL,
	    "  the code");
	tap_ok(strstr(rs.body, "\"detail\":\"the URL is wrong\"") != NULL,
	    "  the detail");
	tap_ok(strstr(rs.body, "\"errors\":{\"url\":") != NULL,
	    "  errors names the field");
	if (tap_ok(rs.nhdr >= 1, "  a header"))
		tap_ok(strcmp(rs.hdr[rs.nhdr - 1].name, "Cache-Control") == 0 &&
		    strcmp(rs.hdr[rs.nhdr - 1].value, "no-store") == 0,
		    "  Cache-Control: no-store");

	/* KZ_UNAUTH with no details: a default sentence, WWW-Authenticate. */
	resp_init(&rs);
	resp_problem(&rs, a, KZ_UNAUTH);
	tap_ok(rs.status == 401, "resp_problem 401");
	tap_ok(strstr(rs.body, "\"status\":401") != NULL &&
	    strstr(rs.body, "\"code\":\"unauthorized\"") != NULL,
	    "  body");
	tap_ok(strstr(rs.body, "\"errors\"") == NULL, "  no errors member");
	for (i = 0; i < rs.nhdr; i++)
		if (strcmp(rs.hdr[i].name, "WWW-Authenticate") == 0)
			break;
	tap_ok(i < rs.nhdr && strncmp(rs.hdr[i].value, "Bearer", 6) == 0,
	    "  WWW-Authenticate: Bearer");

	resp_init(&rs);
	resp_problem(&rs, a, KZ_BUSY);
	tap_ok(rs.status == 503, "resp_problem 503");
	for (i = 0; i < rs.nhdr; i++)
		if (strcmp(rs.hdr[i].name, "Retry-After") == 0)
			break;
	tap_ok(i < rs.nhdr && atoi(rs.hdr[i].value) > 0, "  Retry-After");
	for (i = 0; i < rs.nhdr; i++)
		tap_ok(strcmp(rs.hdr[i].name, "WWW-Authenticate") != 0,
		    "  no WWW-Authenticate (%s)", rs.hdr[i].name);

	resp_init(&rs);
	resp_problem(&rs, a, KZ_READONLY);
	for (i = 0; i < rs.nhdr; i++)
		if (strcmp(rs.hdr[i].name, "Retry-After") == 0)
			break;
	tap_ok(rs.status == 503 && i < rs.nhdr,
	    "resp_problem KZ_READONLY: 503 with Retry-After");

	/* A failure from below the handler does not show its details. */
	resp_init(&rs);
	resp_fail(&rs, a, KZ_INVALID, "secret_code", "secret_field",
	    "secret detail");
	resp_problem(&rs, a, KZ_SYSTEM);
	tap_ok(rs.status == 500, "resp_problem 500 after another failure");
	tap_ok(strstr(rs.body, "secret") == NULL, "  no details of it");
	tap_ok(strstr(rs.body, "\"status\":500") != NULL, "  \"status\":500");

	/* A detail with quotes and control characters stays JSON. */
	resp_init(&rs);
	resp_fail(&rs, a, KZ_CONFLICT, "code_taken", "code",
	    "\"%s\" is taken\n", "a\"b");
	resp_problem(&rs, a, KZ_CONFLICT);
	tap_ok(rs.status == 409 && strstr(rs.body,
	    "\"detail\":\"\\\"a\\\"b\\\" is taken\\n\"") != NULL,
	    "resp_problem escapes the detail");
	arena_free(a);
}

static const struct {
	enum kz_err	err;
	int		status;
} status_tests[] = {
	{ KZ_OK, 200 },
	{ KZ_BADREQ, 400 },
	{ KZ_UNAUTH, 401 },
	{ KZ_FORBIDDEN, 403 },
	{ KZ_NOTFOUND, 404 },
	{ KZ_METHOD, 405 },
	{ KZ_CONFLICT, 409 },
	{ KZ_GONE, 410 },
	{ KZ_PRECOND, 412 },
	{ KZ_TOOLARGE, 413 },
	{ KZ_MEDIATYPE, 415 },
	{ KZ_INVALID, 422 },
	{ KZ_BUSY, 503 },
	{ KZ_READONLY, 503 },
	{ KZ_SYSTEM, 500 },
};

static void
test_status(void)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(status_tests); i++)
		tap_ok(http_status(status_tests[i].err) ==
		    status_tests[i].status, "http_status %d = %d",
		    status_tests[i].err, status_tests[i].status);
}

static const struct {
	const char	*ct;
	bool		 form;
} type_tests[] = {
	{ "application/x-www-form-urlencoded", true },
	{ "application/x-www-form-urlencoded; charset=UTF-8", true },
	{ "Application/X-WWW-Form-URLencoded", true },
	{ "application/x-www-form-urlencoded ;q=1", true },
	{ "application/x-www-form-urlencodedx", false },
	{ "application/x-www-form", false },
	{ "multipart/form-data; boundary=x", false },
	{ "text/plain", false },
	{ "", false },
	{ NULL, false },
};

static void
test_type_is(void)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(type_tests); i++)
		tap_ok(http_type_is(type_tests[i].ct, HTTP_FORM_TYPE) ==
		    type_tests[i].form, "http_type_is \"%s\" a form: %s",
		    type_tests[i].ct != NULL ? type_tests[i].ct : "(none)",
		    type_tests[i].form ? "yes" : "no");
}

int
main(void)
{
	test_path_decode();
	test_query();
	test_req();
	test_resp();
	test_status();
	test_type_is();
	return tap_done();
}
