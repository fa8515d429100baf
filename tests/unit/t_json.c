/*
 * t_json.c - link bodies in, links and problems out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "kz.h"
#include "store.h"

#include "tap.h"

#define S(x)		x, sizeof(x) - 1

static const struct {
	const char	*body;
	size_t		 len;
	enum kz_err	 err;
	const char	*code;
	const char	*field;
} bad_tests[] = {
	{ S(""), KZ_BADREQ, "invalid_json", NULL },
	{ S(" "), KZ_BADREQ, "invalid_json", NULL },
	{ S("{"), KZ_BADREQ, "invalid_json", NULL },
	{ S("}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"https://a.b\""), KZ_BADREQ, "invalid_json", NULL },
	{ S("[]"), KZ_BADREQ, "invalid_json", NULL },
	{ S("[{\"url\":\"x\"}]"), KZ_BADREQ, "invalid_json", NULL },
	{ S("\"s\""), KZ_BADREQ, "invalid_json", NULL },
	{ S("42"), KZ_BADREQ, "invalid_json", NULL },
	{ S("42 "), KZ_BADREQ, "invalid_json", NULL },
	{ S("null"), KZ_BADREQ, "invalid_json", NULL },
	{ S("true"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{}{}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"https://a.b\"}x"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"https://a.b\"},"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"https://a.b\",}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{'url':'https://a.b'}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{url:\"https://a.b\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"https://a.b\" /* c */}"), KZ_BADREQ, "invalid_json",
	    NULL },
	{ S("{\"max_clicks\":NaN}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"max_clicks\":0x10}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"max_clicks\":01}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"a\tb\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"title\":\"a\nb\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"title\":\"a\x01" "b\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"\\x41\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"\xc3\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"\xc0\x80\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"\xed\xa0\x80\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"\xff\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"title\":\"ok\xf4\x90\x80\x80\"}"), KZ_BADREQ, "invalid_json",
	    NULL },
	{ S("{\"url\":\"a\0b\"}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("{\"url\":\"https://a.b\"}\0"), KZ_BADREQ, "invalid_json", NULL },
	{ S("\0{\"url\":\"https://a.b\"}"), KZ_BADREQ, "invalid_json", NULL },
	/* Nine deep. */
	{ S("{\"tags\":[[[[[[[[\"x\"]]]]]]]]}"), KZ_BADREQ, "invalid_json",
	    NULL },
	{ S("{\"tags\":[[[[[[[[]]]]]]]]}"), KZ_BADREQ, "invalid_json", NULL },
	{ S("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
	    KZ_BADREQ, "invalid_json", NULL },
	/* Well-formed, but not a link. */
	{ S("{\"url\":\"https://a.b\",\"owner\":\"me\"}"), KZ_INVALID,
	    "unknown_field", "owner" },
	{ S("{\"URL\":\"https://a.b\"}"), KZ_INVALID, "unknown_field",
	    "URL" },
	{ S("{\"\":1}"), KZ_INVALID, "unknown_field", "" },
	{ S("{\"url\":5}"), KZ_INVALID, "invalid_field", "url" },
	{ S("{\"url\":true}"), KZ_INVALID, "invalid_field", "url" },
	{ S("{\"url\":[\"https://a.b\"]}"), KZ_INVALID, "invalid_field",
	    "url" },
	{ S("{\"code\":5}"), KZ_INVALID, "invalid_field", "code" },
	{ S("{\"domain\":[]}"), KZ_INVALID, "invalid_field", "domain" },
	{ S("{\"title\":{}}"), KZ_INVALID, "invalid_field", "title" },
	{ S("{\"tags\":\"x\"}"), KZ_INVALID, "invalid_field", "tags" },
	{ S("{\"tags\":{}}"), KZ_INVALID, "invalid_field", "tags" },
	{ S("{\"tags\":[1]}"), KZ_INVALID, "invalid_field", "tags" },
	{ S("{\"tags\":[\"a\",null]}"), KZ_INVALID, "invalid_field", "tags" },
	{ S("{\"tags\":[[\"a\"]]}"), KZ_INVALID, "invalid_field", "tags" },
	{ S("{\"tags\":[[[[[[\"x\"]]]]]]}"), KZ_INVALID, "invalid_field",
	    "tags" },
	{ S("{\"expires_at\":5}"), KZ_INVALID, "invalid_field",
	    "expires_at" },
	{ S("{\"max_clicks\":\"3\"}"), KZ_INVALID, "invalid_field",
	    "max_clicks" },
	{ S("{\"max_clicks\":1.5}"), KZ_INVALID, "invalid_field",
	    "max_clicks" },
	{ S("{\"max_clicks\":3.0}"), KZ_INVALID, "invalid_field",
	    "max_clicks" },
	{ S("{\"max_clicks\":1e3}"), KZ_INVALID, "invalid_field",
	    "max_clicks" },
	{ S("{\"max_clicks\":true}"), KZ_INVALID, "invalid_field",
	    "max_clicks" },
	{ S("{\"redirect_status\":\"301\"}"), KZ_INVALID, "invalid_field",
	    "redirect_status" },
	{ S("{\"redirect_status\":[301]}"), KZ_INVALID, "invalid_field",
	    "redirect_status" },
};

/* A printable rendering of a body for the TAP line. */
static const char *
show(const char *s, size_t len)
{
	static char	buf[80];
	size_t		i, o = 0;

	for (i = 0; i < len && o < sizeof(buf) - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '#' || c == '\\')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "...");
	buf[o] = '\0';
	return buf;
}

static void
test_bad(void)
{
	struct arena		*a = arena_create();
	struct link_input	 in;
	struct json_fail	 f;
	enum kz_err		 err;
	size_t			 i;
	char			*body;

	for (i = 0; i < KZ_ARRAY_SIZE(bad_tests); i++) {
		memset(&f, 0, sizeof(f));
		err = json_link_input(a, bad_tests[i].body, bad_tests[i].len,
		    &in, &f);
		if (!tap_ok(err == bad_tests[i].err && f.err == err,
		    "json_link_input %s: %d %s", show(bad_tests[i].body,
		    bad_tests[i].len), bad_tests[i].err, bad_tests[i].code))
			printf("#   got %d (%s: %s)\n", err,
			    f.code ? f.code : "", f.detail ? f.detail : "");
		tap_str(f.code, bad_tests[i].code, "  code");
		tap_str(f.field, bad_tests[i].field, "  field");
		tap_ok(f.detail != NULL && f.detail[0] != '\0', "  detail");
	}

	/* 33 tags are too many; 32 are not. */
	body = arena_printf(a, "{\"tags\":[%s\"t33\"]}",
	    "\"t1\",\"t2\",\"t3\",\"t4\",\"t5\",\"t6\",\"t7\",\"t8\","
	    "\"t9\",\"t10\",\"t11\",\"t12\",\"t13\",\"t14\",\"t15\",\"t16\","
	    "\"t17\",\"t18\",\"t19\",\"t20\",\"t21\",\"t22\",\"t23\",\"t24\","
	    "\"t25\",\"t26\",\"t27\",\"t28\",\"t29\",\"t30\",\"t31\",\"t32\",");
	memset(&f, 0, sizeof(f));
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_INVALID, "json_link_input 33 tags");
	tap_str(f.field, "tags", "  field tags");
	tap_str(f.code, "invalid_field", "  invalid_field");
	body = arena_printf(a, "{\"tags\":[%s\"t32\"]}",
	    "\"t1\",\"t2\",\"t3\",\"t4\",\"t5\",\"t6\",\"t7\",\"t8\","
	    "\"t9\",\"t10\",\"t11\",\"t12\",\"t13\",\"t14\",\"t15\",\"t16\","
	    "\"t17\",\"t18\",\"t19\",\"t20\",\"t21\",\"t22\",\"t23\",\"t24\","
	    "\"t25\",\"t26\",\"t27\",\"t28\",\"t29\",\"t30\",\"t31\",");
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK && in.ntags == 32 &&
	    strcmp(in.tags[31], "t32") == 0, "json_link_input 32 tags");

	/* A very long unknown name is not echoed whole. */
	body = arena_alloc(a, 5000);
	memset(body, 'n', 5000);
	memcpy(body, "{\"", 2);
	memcpy(body + 4990, "\":1}", 4);
	err = json_link_input(a, body, 4994, &in, &f);
	tap_ok(err == KZ_INVALID && f.field != NULL && strlen(f.field) < 100,
	    "json_link_input long unknown name");
	arena_free(a);
}

static void
test_good(void)
{
	struct arena		*a = arena_create();
	struct link_input	 in;
	struct json_fail	 f;
	enum kz_err		 err;
	const char		*body;

	body = "{\"url\":\"https://example.com/handbook\",\"code\":\"docs\","
	    "\"domain\":\"go.example.com\",\"title\":\"The \\\"handbook\\\"\","
	    "\"tags\":[\"b\",\"a\",\"caf\\u00e9\"],"
	    "\"expires_at\":\"2026-11-23T12:00:00Z\",\"max_clicks\":3,"
	    "\"redirect_status\":301}";
	memset(&f, 0, sizeof(f));
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK, "json_link_input every field");
	tap_ok(in.have == (LF_URL | LF_CODE | LF_DOMAIN | LF_TITLE | LF_TAGS |
	    LF_EXPIRES_AT | LF_MAX_CLICKS | LF_REDIRECT_STATUS), "  have");
	tap_ok(in.nulls == 0, "  nulls");
	tap_str(in.url, "https://example.com/handbook", "  url");
	tap_ok(in.url_len == 28, "  url_len");
	tap_str(in.code, "docs", "  code");
	tap_ok(in.code_len == 4, "  code_len");
	tap_str(in.domain, "go.example.com", "  domain");
	tap_ok(in.domain_len == 14, "  domain_len");
	tap_str(in.title, "The \"handbook\"", "  title unescaped");
	tap_ok(in.title_len == 14, "  title_len");
	tap_ok(in.ntags == 3, "  ntags");
	if (in.ntags == 3) {
		tap_str(in.tags[0], "b", "  tags[0]");
		tap_str(in.tags[1], "a", "  tags[1]");
		tap_str(in.tags[2], "caf\xc3\xa9", "  tags[2] from \\u00e9");
		tap_ok(in.tag_lens[0] == 1 && in.tag_lens[2] == 5,
		    "  tag_lens");
	}
	tap_str(in.expires_at, "2026-11-23T12:00:00Z", "  expires_at");
	tap_ok(in.expires_len == 20, "  expires_len");
	tap_ok(in.max_clicks == 3, "  max_clicks");
	tap_ok(in.redirect_status == 301, "  redirect_status");

	/* Whitespace around the document is JSON too. */
	body = " \t\r\n{ \"url\" : \"https://a.b\" } \n";
	err = json_link_input(a, body, strlen(body), &in, &f);
	if (!tap_ok(err == KZ_OK, "json_link_input whitespace around"))
		printf("#   got %d: %s\n", err, f.detail ? f.detail : "");
	body = "{\"url\":\"https://a.b\"}\n";
	err = json_link_input(a, body, strlen(body), &in, &f);
	if (!tap_ok(err == KZ_OK, "json_link_input trailing newline"))
		printf("#   got %d: %s\n", err, f.detail ? f.detail : "");
	tap_ok(in.have == LF_URL && in.url_len == 11, "  url only");

	/* Members that are null: carried, NULL, flagged. */
	body = "{\"url\":\"https://a.b\",\"title\":null}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK, "json_link_input title null");
	tap_ok(in.have == (LF_URL | LF_TITLE), "  have url and title");
	tap_ok(in.nulls == LF_TITLE, "  nulls title");
	tap_ok(in.title == NULL && in.title_len == 0, "  title NULL");

	body = "{\"code\":null,\"expires_at\":null,\"max_clicks\":null,"
	    "\"redirect_status\":null,\"tags\":null,\"domain\":null}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK, "json_link_input nulls");
	tap_ok(in.have == (LF_CODE | LF_EXPIRES_AT | LF_MAX_CLICKS |
	    LF_REDIRECT_STATUS | LF_TAGS | LF_DOMAIN) && in.nulls == in.have,
	    "  have == nulls");
	tap_ok(in.code == NULL && in.expires_at == NULL &&
	    in.max_clicks == 0 && in.redirect_status == 0 && in.ntags == 0,
	    "  values empty");
	tap_ok(!(in.have & LF_URL) && in.url == NULL, "  url absent");

	/* An empty object and an empty tag list. */
	body = "{}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK && in.have == 0 && in.nulls == 0,
	    "json_link_input {}");
	body = "{\"tags\":[]}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK && in.have == LF_TAGS && in.ntags == 0,
	    "json_link_input tags []");

	/* An escaped NUL is kept, with its length. */
	body = "{\"code\":\"a\\u0000b\",\"title\":\"\\u0000\"}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK, "json_link_input \\u0000");
	tap_ok(in.code_len == 3 && in.code != NULL &&
	    memcmp(in.code, "a\0b", 4) == 0, "  code a NUL b, length 3");
	tap_ok(in.title_len == 1 && in.title != NULL && in.title[0] == '\0',
	    "  title NUL, length 1");

	/* Numbers at their edges. */
	body = "{\"max_clicks\":-1,\"redirect_status\":0}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK && in.max_clicks == -1 &&
	    in.redirect_status == 0, "json_link_input -1 and 0 pass to judge");
	body = "{\"max_clicks\":9007199254740993}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK && in.max_clicks == 9007199254740993LL,
	    "json_link_input 2^53+1 kept exact");

	/* Seven deep is allowed. */
	body = "{\"title\":\"t\",\"tags\":[[[[[[\"x\"]]]]]]}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_INVALID && f.field != NULL &&
	    strcmp(f.field, "tags") == 0,
	    "json_link_input seven deep parses (then the type is wrong)");

	/* A surrogate pair is one 4-byte character. */
	body = "{\"title\":\"\\ud83d\\ude00\"}";
	err = json_link_input(a, body, strlen(body), &in, &f);
	tap_ok(err == KZ_OK && in.title_len == 4 &&
	    memcmp(in.title, "\xf0\x9f\x98\x80", 4) == 0,
	    "json_link_input \\ud83d\\ude00");
	arena_free(a);
}

static void
test_link_out(void)
{
	struct arena	*a = arena_create();
	struct link	 l;
	const char	*tags[] = { "b", "a\"q" };
	char		*out;
	size_t		 len = 0;

	memset(&l, 0, sizeof(l));
	l.id = 7;
	l.domain = "";
	l.code = "docs";
	l.url = "https://example.com/handbook?a=1&b=<2>";
	l.redirect_status = 302;
	l.clicks = 12;
	l.created_at = 1795435200;
	l.updated_at = 1795435201;
	l.version = 3;
	l.forward_query = true;
	out = json_link(a, &l, "https://s.example.com", &len);
	tap_str(out, "{\"code\":\"docs\",\"domain\":\"\","
	    "\"url\":\"https://example.com/handbook?a=1&b=<2>\","
	    "\"short_url\":\"https://s.example.com/docs\",\"title\":null,"
	    "\"notes\":null,\"tags\":[],\"redirect_status\":302,"
	    "\"forward_query\":true,\"password_protected\":false,"
	    "\"expires_at\":null,"
	    "\"max_clicks\":null,\"clicks\":12,"
	    "\"created_at\":\"2026-11-23T12:00:00Z\","
	    "\"updated_at\":\"2026-11-23T12:00:01Z\",\"deleted_at\":null,"
	    "\"version\":3}", "json_link with nothing optional");
	tap_ok(out != NULL && len == strlen(out), "  len");

	l.domain = "go.example.com";
	l.title = "Caf\xc3\xa9 \"menu\"";
	l.tags = tags;
	l.ntags = 2;
	l.redirect_status = 301;
	l.expires_at = 951782400;
	l.max_clicks = 5;
	l.clicks = 0;
	l.deleted_at = 1767225599;
	l.notes = "line";
	l.forward_query = false;
	l.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$x$y";
	out = json_link(a, &l, "http://go", &len);
	tap_str(out, "{\"code\":\"docs\",\"domain\":\"go.example.com\","
	    "\"url\":\"https://example.com/handbook?a=1&b=<2>\","
	    "\"short_url\":\"http://go/docs\","
	    "\"title\":\"Caf\xc3\xa9 \\\"menu\\\"\",\"notes\":\"line\","
	    "\"tags\":[\"b\",\"a\\\"q\"],\"redirect_status\":301,"
	    "\"forward_query\":false,\"password_protected\":true,"
	    "\"expires_at\":\"2000-02-29T00:00:00Z\",\"max_clicks\":5,"
	    "\"clicks\":0,\"created_at\":\"2026-11-23T12:00:00Z\","
	    "\"updated_at\":\"2026-11-23T12:00:01Z\","
	    "\"deleted_at\":\"2025-12-31T23:59:59Z\",\"version\":3}",
	    "json_link with everything");
	tap_ok(out != NULL && len == strlen(out), "  len");
	arena_free(a);
}

static void
test_problem(void)
{
	struct arena	*a = arena_create();
	char		*out;
	size_t		 len = 0;

	out = json_problem(a, 409, "Conflict", "the code \"docs\" is taken",
	    "code_taken", "code", &len);
	tap_str(out, "{\"type\":\"about:blank\",\"title\":\"Conflict\","
	    "\"status\":409,\"detail\":\"the code \\\"docs\\\" is taken\","
	    "\"code\":\"code_taken\","
	    "\"errors\":{\"code\":\"the code \\\"docs\\\" is taken\"}}",
	    "json_problem with a field");
	tap_ok(out != NULL && len == strlen(out), "  len");
	out = json_problem(a, 404, "Not Found", "nothing here", "not_found",
	    NULL, &len);
	tap_str(out, "{\"type\":\"about:blank\",\"title\":\"Not Found\","
	    "\"status\":404,\"detail\":\"nothing here\","
	    "\"code\":\"not_found\"}", "json_problem without a field");
	tap_ok(out != NULL && len == strlen(out), "  len");
	arena_free(a);
}

/*
 * Lines of an export read back. The first case is the fuzzer's find: a
 * redirect_status of 2^32 + 301 was narrowed to 301.
 */
static void
test_import(void)
{
	static const struct {
		const char	*line;
		enum kz_err	 err;
		const char	*field;
		int		 status;	/* redirect_status when KZ_OK */
	} t[] = {
		{ "{\"code\":\"a\",\"url\":\"https://example.com/\","
		    "\"redirect_status\":4294967597}", KZ_INVALID,
		    "redirect_status", 0 },
		{ "{\"code\":\"a\",\"url\":\"https://example.com/\","
		    "\"redirect_status\":-301}", KZ_INVALID, "redirect_status",
		    0 },
		{ "{\"code\":\"a\",\"url\":\"https://example.com/\","
		    "\"redirect_status\":308}", KZ_OK, NULL, 308 },
		{ "{\"code\":\"a\",\"url\":\"https://example.com/\"}\n",
		    KZ_OK, NULL, 302 },
		{ "{\"code\":\"a\\u0000b\",\"url\":\"https://example.com/\"}",
		    KZ_INVALID, "code", 0 },
		{ "{\"code\":\"a\",\"url\":\"https://e.com/\\u0000x\"}",
		    KZ_INVALID, "url", 0 },
		{ "{\"url\":\"https://example.com/\"}", KZ_INVALID, "code", 0 },
		{ "{\"code\":\"a\",\"url\":\"https://example.com/\","
		    "\"short_url\":\"x\"}", KZ_INVALID, NULL, 0 },
	};
	struct arena		*a = arena_create();
	struct json_fail	 f;
	struct link		 l;
	enum kz_err		 err;
	size_t			 i;

	for (i = 0; i < KZ_ARRAY_SIZE(t); i++) {
		memset(&f, 0, sizeof(f));
		err = json_link_import(a, t[i].line, strlen(t[i].line), &l, &f);
		tap_ok(err == t[i].err && (t[i].field == NULL ||
		    (f.field != NULL && strcmp(f.field, t[i].field) == 0)) &&
		    (err != KZ_OK || l.redirect_status == t[i].status),
		    "json_link_import %zu: %s", i, t[i].line);
	}
	arena_free(a);
}

int
main(void)
{
	test_import();
	test_bad();
	test_good();
	test_link_out();
	test_problem();
	return tap_done();
}
