/*
 * t_valid.c - the validators against long tables of hostile input.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kz.h"
#include "valid.h"

#include "tap.h"

/* A literal and its length, NULs inside included. */
#define S(x)		x, sizeof(x) - 1

#define URL_MAXLEN	2048

static const char *const url_names[] = {
	"URL_OK", "URL_EMPTY", "URL_TOO_LONG", "URL_CONTROL", "URL_SPACE",
	"URL_SCHEME", "URL_SCHEME_RELATIVE", "URL_NO_HOST", "URL_BAD_HOST",
	"URL_BAD_PORT", "URL_CREDENTIALS", "URL_BAD_PERCENT", "URL_LOOP",
};

static const struct {
	const char	*in;
	size_t		 len;
	enum valid_url	 want;
	const char	*norm;		/* when URL_OK */
} url_tests[] = {
	/* Normalisation. */
	{ S("https://example.com/x"), URL_OK, "https://example.com/x" },
	{ S("example.com/x"), URL_OK, "https://example.com/x" },
	{ S("example.com"), URL_OK, "https://example.com/" },
	{ S("HTTP://Example.COM"), URL_OK, "http://example.com/" },
	{ S("HtTpS://EXAMPLE.com/Path/KEEPS/Case"), URL_OK,
	    "https://example.com/Path/KEEPS/Case" },
	{ S("https://a.b:443/"), URL_OK, "https://a.b/" },
	{ S("http://a.b:80"), URL_OK, "http://a.b/" },
	{ S("http://a.b:443/"), URL_OK, "http://a.b:443/" },
	{ S("https://a.b:80/"), URL_OK, "https://a.b:80/" },
	{ S("https://a.b:8443/x"), URL_OK, "https://a.b:8443/x" },
	{ S("http://a.b:1/"), URL_OK, "http://a.b:1/" },
	{ S("http://a.b:65535/"), URL_OK, "http://a.b:65535/" },
	{ S("localhost:8080/x"), URL_OK, "https://localhost:8080/x" },
	{ S("localhost:8080"), URL_OK, "https://localhost:8080/" },
	{ S("a.b:8080?q=1"), URL_OK, "https://a.b:8080/?q=1" },
	{ S("http://[::1]:8080/"), URL_OK, "http://[::1]:8080/" },
	{ S("http://[::1]/"), URL_OK, "http://[::1]/" },
	{ S("https://[2001:DB8::1]/x"), URL_OK, "https://[2001:db8::1]/x" },
	{ S("http://127.0.0.1:3000/"), URL_OK, "http://127.0.0.1:3000/" },
	{ S("https://a.b/\xc3\xa4"), URL_OK, "https://a.b/%C3%A4" },
	{ S("https://a.b/?q=\xe2\x82\xac#\xf0\x9f\x98\x80"), URL_OK,
	    "https://a.b/?q=%E2%82%AC#%F0%9F%98%80" },
	{ S("https://a.b/\"<>\\^`|"), URL_OK,
	    "https://a.b/%22%3C%3E%5C%5E%60%7C" },
	{ S("https://a.b/%41%2f%c3%A4"), URL_OK, "https://a.b/%41%2f%c3%A4" },
	{ S("https://a.b?x=1"), URL_OK, "https://a.b/?x=1" },
	{ S("https://a.b#frag"), URL_OK, "https://a.b/#frag" },
	{ S("https://a.b/x?y=1&z=2#f"), URL_OK, "https://a.b/x?y=1&z=2#f" },
	{ S("https://Sub.Example.COM./p"), URL_OK,
	    "https://sub.example.com/p" },
	{ S("https://_srv.a-b.c_d.example/"), URL_OK,
	    "https://_srv.a-b.c_d.example/" },
	{ S("https://xn--bcher-kva.example/"), URL_OK,
	    "https://xn--bcher-kva.example/" },
	{ S("https://a.b/~user/a;b,c=d+e!$'()*"), URL_OK,
	    "https://a.b/~user/a;b,c=d+e!$'()*" },

	/* Schemes that are not http or https. */
	{ S("javascript:alert(1)"), URL_SCHEME, NULL },
	{ S("JAVASCRIPT:alert(1)"), URL_SCHEME, NULL },
	{ S("JavaScript://%0aalert(1)"), URL_SCHEME, NULL },
	{ S("data:text/html,<script>alert(1)</script>"), URL_SCHEME, NULL },
	{ S("file:///etc/passwd"), URL_SCHEME, NULL },
	{ S("ftp://example.com/x"), URL_SCHEME, NULL },
	{ S("mailto:a@example.com"), URL_SCHEME, NULL },
	{ S("vbscript:msgbox"), URL_SCHEME, NULL },
	{ S("httpx://a.b/"), URL_SCHEME, NULL },
	{ S("http+unix://a.b/"), URL_SCHEME, NULL },
	{ S("localhost:abc/x"), URL_SCHEME, NULL },

	/* No host. */
	{ S("//evil.com"), URL_SCHEME_RELATIVE, NULL },
	{ S("//evil.com/x"), URL_SCHEME_RELATIVE, NULL },
	{ S("http:example.com"), URL_NO_HOST, NULL },
	{ S("https:/example.com"), URL_NO_HOST, NULL },
	{ S("https:\\\\evil.com"), URL_NO_HOST, NULL },
	{ S("https://"), URL_NO_HOST, NULL },
	{ S("https:///x"), URL_NO_HOST, NULL },
	{ S("https://?x"), URL_NO_HOST, NULL },
	{ S("https://:8080/"), URL_NO_HOST, NULL },
	{ S("/just/a/path"), URL_NO_HOST, NULL },
	{ S("http:"), URL_NO_HOST, NULL },

	/* Whitespace and control characters anywhere. */
	{ S("https://a.b/x y"), URL_SPACE, NULL },
	{ S(" https://a.b/"), URL_SPACE, NULL },
	{ S("https://a.b/ "), URL_SPACE, NULL },
	{ S("https://a.b/\tx"), URL_CONTROL, NULL },
	{ S("https://a.b/\rx"), URL_CONTROL, NULL },
	{ S("https://a.b/\nSet-Cookie:x=1"), URL_CONTROL, NULL },
	{ S("https://a.b/\r\nLocation: //evil"), URL_CONTROL, NULL },
	{ S("https://a.b/\0evil"), URL_CONTROL, NULL },
	{ S("https://a.b\0.evil.com/"), URL_CONTROL, NULL },
	{ S("\0"), URL_CONTROL, NULL },
	{ S("https://a.b/\x7f"), URL_CONTROL, NULL },
	{ S("https://a.b/\x1b[2J"), URL_CONTROL, NULL },
	{ S("java\tscript:alert(1)"), URL_CONTROL, NULL },

	/* Credentials. */
	{ S("https://user:pw@a.b/"), URL_CREDENTIALS, NULL },
	{ S("https://user@a.b/"), URL_CREDENTIALS, NULL },
	{ S("https://a.b@evil.com/"), URL_CREDENTIALS, NULL },
	{ S("https://@a.b/"), URL_CREDENTIALS, NULL },
	{ S("a.b@evil.com"), URL_CREDENTIALS, NULL },

	/* Ports. */
	{ S("https://a.b:0/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:65536/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:99999/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:100000/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:000443/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:abc/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:"), URL_BAD_PORT, NULL },
	{ S("https://a.b:-1/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:+80/"), URL_BAD_PORT, NULL },
	{ S("https://a.b:80:80/"), URL_BAD_PORT, NULL },
	{ S("http://[::1]x/"), URL_BAD_PORT, NULL },

	/* Hosts. */
	{ S("https://-a.b/"), URL_BAD_HOST, NULL },
	{ S("https://a-.b/"), URL_BAD_HOST, NULL },
	{ S("https://a.b-/"), URL_BAD_HOST, NULL },
	{ S("https://a..b/"), URL_BAD_HOST, NULL },
	{ S("https://.a.b/"), URL_BAD_HOST, NULL },
	{ S("https://./"), URL_BAD_HOST, NULL },
	{ S("https://a.b../"), URL_BAD_HOST, NULL },
	{ S("https://b\xc3\xbc" "cher.example/"), URL_BAD_HOST, NULL },
	{ S("https://\xe2\x80\xae" "evil.com/"), URL_BAD_HOST, NULL },
	{ S("https://a%2eb/"), URL_BAD_HOST, NULL },
	{ S("https://a!b/"), URL_BAD_HOST, NULL },
	{ S("https://a\\b/"), URL_BAD_HOST, NULL },
	{ S("https://[::zz]/"), URL_BAD_HOST, NULL },
	{ S("https://[::1/"), URL_BAD_HOST, NULL },
	{ S("https://[::1"), URL_BAD_HOST, NULL },
	{ S("https://[]/"), URL_BAD_HOST, NULL },
	{ S("https://[127.0.0.1]/"), URL_BAD_HOST, NULL },

	/* Percent signs. */
	{ S("https://a.b/%"), URL_BAD_PERCENT, NULL },
	{ S("https://a.b/%4"), URL_BAD_PERCENT, NULL },
	{ S("https://a.b/%zz"), URL_BAD_PERCENT, NULL },
	{ S("https://a.b/%4g/x"), URL_BAD_PERCENT, NULL },
	{ S("https://a.b/x?q=%"), URL_BAD_PERCENT, NULL },
	{ S("https://a.b/#%%"), URL_BAD_PERCENT, NULL },

	/* Nothing at all. */
	{ S(""), URL_EMPTY, NULL },
};

/* Hosts that are this service; a URL at them is a loop. */
static const char *const self[] = { "s.example.com", "go", NULL };

static const struct {
	const char	*in;
	size_t		 len;
	enum valid_url	 want;
	const char	*norm;
} loop_tests[] = {
	{ S("https://s.example.com/x"), URL_LOOP, NULL },
	{ S("HTTP://S.Example.COM:8080/x"), URL_LOOP, NULL },
	{ S("s.example.com/abc"), URL_LOOP, NULL },
	{ S("https://s.example.com./"), URL_LOOP, NULL },
	{ S("http://go/docs"), URL_LOOP, NULL },
	{ S("go:80/docs"), URL_LOOP, NULL },
	{ S("https://x.s.example.com/"), URL_OK, "https://x.s.example.com/" },
	{ S("https://s.example.com.evil/"), URL_OK,
	    "https://s.example.com.evil/" },
	{ S("https://example.com/s.example.com"), URL_OK,
	    "https://example.com/s.example.com" },
	{ S("https://gone/"), URL_OK, "https://gone/" },
};

static const char *
url_name(enum valid_url v)
{
	if ((size_t)v < KZ_ARRAY_SIZE(url_names))
		return url_names[v];
	return "(out of range)";
}

/* Run one URL case and check verdict, output and length. */
static void
url_check(const char *in, size_t len, size_t max, const char *const *hosts,
    enum valid_url want, const char *norm, const char *name)
{
	char		*out;
	size_t		 outlen = 12345;
	enum valid_url	 got;

	if ((out = malloc(VALID_URL_OUT(len))) == NULL)
		abort();
	got = valid_url(in, len, max, hosts, out, &outlen);
	if (!tap_ok(got == want, "valid_url %s: %s", name, url_name(want)))
		printf("#   got %s\n", url_name(got));
	if (want == URL_OK && got == URL_OK) {
		tap_str(out, norm, "  normalised");
		tap_ok(outlen == strlen(norm), "  length %zu", strlen(norm));
	}
	free(out);
}

/* A printable rendering of a test input for the TAP line. */
static const char *
show(const char *s, size_t len)
{
	static char	buf[128];
	size_t		i, o = 0;

	for (i = 0; i < len && o < sizeof(buf) - 5; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '#' || c == '\\')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static char *
repeat(char c, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_url(void)
{
	char	 buf[1024], *s;
	size_t	 i;

	for (i = 0; i < KZ_ARRAY_SIZE(url_tests); i++)
		url_check(url_tests[i].in, url_tests[i].len, URL_MAXLEN, NULL,
		    url_tests[i].want, url_tests[i].norm,
		    show(url_tests[i].in, url_tests[i].len));
	for (i = 0; i < KZ_ARRAY_SIZE(loop_tests); i++)
		url_check(loop_tests[i].in, loop_tests[i].len, URL_MAXLEN,
		    self, loop_tests[i].want, loop_tests[i].norm,
		    show(loop_tests[i].in, loop_tests[i].len));

	/* Labels of 63 and 64 characters. */
	s = repeat('a', 63);
	snprintf(buf, sizeof(buf), "https://%s.example/", s);
	url_check(buf, strlen(buf), URL_MAXLEN, NULL, URL_OK, buf,
	    "label of 63");
	snprintf(buf, sizeof(buf), "https://%sa.example/", s);
	url_check(buf, strlen(buf), URL_MAXLEN, NULL, URL_BAD_HOST, NULL,
	    "label of 64");
	free(s);

	/* Hosts of 253 and 254 characters: 63.63.63.61 and 63.63.63.62. */
	s = repeat('a', 63);
	snprintf(buf, sizeof(buf), "https://%s.%s.%s.%.61s/", s, s, s, s);
	url_check(buf, strlen(buf), URL_MAXLEN, NULL, URL_OK, buf,
	    "host of 253");
	snprintf(buf, sizeof(buf), "https://%s.%s.%s.%.62s/", s, s, s, s);
	url_check(buf, strlen(buf), URL_MAXLEN, NULL, URL_BAD_HOST, NULL,
	    "host of 254");
	free(s);

	/* Length against max, before and after escaping. */
	s = repeat('x', 64);
	memcpy(s, "https://a.b/", 12);
	url_check(s, 64, 64, NULL, URL_OK, s, "64 bytes, max 64");
	url_check(s, 64, 63, NULL, URL_TOO_LONG, NULL, "64 bytes, max 63");
	free(s);
	s = repeat('x', 60);
	memcpy(s, "a.b/", 4);
	/* 60 bytes in, "https://" makes 68 out. */
	url_check(s, 60, 64, NULL, URL_TOO_LONG, NULL,
	    "60 bytes scheme-less, max 64");
	free(s);
	snprintf(buf, sizeof(buf), "https://a.b/%s", "\xc3\xa4\xc3\xa4\xc3\xa4"
	    "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4");
	/* 28 bytes in, 12 + 16 * 3 = 60 out. */
	url_check(buf, strlen(buf), 59, NULL, URL_TOO_LONG, NULL,
	    "escaping past max");
	url_check(buf, strlen(buf), 60, NULL, URL_OK, "https://a.b/%C3%A4%C3%A4"
	    "%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4", "escaping up to max");
	s = repeat('a', 40000);
	memcpy(s, "https://a.b/", 12);
	url_check(s, 40000, KZ_URL_MAX, NULL, URL_TOO_LONG, NULL,
	    "40000 bytes, max 32768");
	free(s);

	/* A verdict is not ok without a sentence. */
	for (i = 0; i < KZ_ARRAY_SIZE(url_names); i++)
		tap_ok(valid_url_msg((enum valid_url)i) != NULL &&
		    strlen(valid_url_msg((enum valid_url)i)) > 1,
		    "valid_url_msg %s", url_names[i]);
}

static const struct {
	const char	*in;
	size_t		 len;
	enum valid_code	 want;
} code_tests[] = {
	{ S("docs"), CODE_OK },
	{ S("Docs"), CODE_OK },
	{ S("x7kq2mz"), CODE_OK },
	{ S("a"), CODE_OK },
	{ S("A-Z_a-z_0-9"), CODE_OK },
	{ S("-"), CODE_OK },
	{ S("__"), CODE_OK },
	{ S("apis"), CODE_OK },
	{ S("my-api"), CODE_OK },
	{ S("admin2"), CODE_OK },
	{ S(""), CODE_EMPTY },
	{ S("a b"), CODE_CHARS },
	{ S(" a"), CODE_CHARS },
	{ S("a%20b"), CODE_CHARS },
	{ S("a.b"), CODE_CHARS },
	{ S("favicon.ico"), CODE_CHARS },
	{ S("a/b"), CODE_CHARS },
	{ S("../x"), CODE_CHARS },
	{ S("a?b"), CODE_CHARS },
	{ S("a#b"), CODE_CHARS },
	{ S("a+b"), CODE_CHARS },
	{ S("a~b"), CODE_CHARS },
	{ S("a:b"), CODE_CHARS },
	{ S("a@b"), CODE_CHARS },
	{ S("a\\b"), CODE_CHARS },
	{ S("a\"b"), CODE_CHARS },
	{ S("a'b"), CODE_CHARS },
	{ S("a<b>"), CODE_CHARS },
	{ S("a\tb"), CODE_CHARS },
	{ S("a\r\nb"), CODE_CHARS },
	{ S("a\x7f"), CODE_CHARS },
	{ S("a\0b"), CODE_CHARS },
	{ S("api\0"), CODE_CHARS },
	{ S("\xc3\xa4"), CODE_CHARS },
	{ S("caf\xc3\xa9"), CODE_CHARS },
	{ S("\xff"), CODE_CHARS },
	{ S("api"), CODE_RESERVED },
	{ S("API"), CODE_RESERVED },
	{ S("Api"), CODE_RESERVED },
	{ S("admin"), CODE_RESERVED },
	{ S("Admin"), CODE_RESERVED },
	{ S("ADMIN"), CODE_RESERVED },
	{ S("healthz"), CODE_RESERVED },
	{ S("HealthZ"), CODE_RESERVED },
	{ S("static"), CODE_RESERVED },
	{ S("STATIC"), CODE_RESERVED },
	{ S("favicon"), CODE_RESERVED },
	{ S("robots"), CODE_RESERVED },
	{ S("well-known"), CODE_RESERVED },
	{ S("_"), CODE_RESERVED },
};

static void
test_code(void)
{
	char		*s;
	size_t		 i;
	enum valid_code	 got;

	for (i = 0; i < KZ_ARRAY_SIZE(code_tests); i++) {
		got = valid_code(code_tests[i].in, code_tests[i].len);
		if (!tap_ok(got == code_tests[i].want, "valid_code %s: %d",
		    show(code_tests[i].in, code_tests[i].len),
		    code_tests[i].want))
			printf("#   got %d\n", got);
	}
	s = repeat('a', KZ_CODE_MAX + 1);
	tap_ok(valid_code(s, KZ_CODE_MAX) == CODE_OK, "valid_code 64 chars");
	tap_ok(valid_code(s, KZ_CODE_MAX + 1) == CODE_TOO_LONG,
	    "valid_code 65 chars");
	free(s);
	/* The length given is what counts, not a NUL. */
	tap_ok(valid_code("apixyz", 3) == CODE_RESERVED,
	    "valid_code reads only len bytes");
	tap_ok(valid_reserved("ADMIN", 5), "valid_reserved ADMIN");
	tap_ok(!valid_reserved("admi", 4), "valid_reserved admi");
	tap_ok(!valid_reserved("adminx", 6), "valid_reserved adminx");
	for (i = CODE_OK; i <= CODE_RESERVED; i++)
		tap_ok(valid_code_msg((enum valid_code)i) != NULL,
		    "valid_code_msg %zu", i);
}

static const struct {
	const char	*in;
	size_t		 len;
	bool		 want;
} domain_tests[] = {
	{ S("example.com"), true },
	{ S("a"), true },
	{ S("go"), true },
	{ S("s.example.com."), true },
	{ S("Sub.EXAMPLE.com"), true },
	{ S("a-b.c--d.example"), true },
	{ S("xn--bcher-kva.example"), true },
	{ S("_dmarc.example.com"), true },
	{ S("127.0.0.1"), true },
	{ S(""), false },
	{ S("."), false },
	{ S(".."), false },
	{ S(".example.com"), false },
	{ S("example..com"), false },
	{ S("example.com.."), false },
	{ S("-a.b"), false },
	{ S("a-.b"), false },
	{ S("a.-b"), false },
	{ S("a.b-"), false },
	{ S("a b"), false },
	{ S("a\0b"), false },
	{ S("a\tb"), false },
	{ S("a:80"), false },
	{ S("a/b"), false },
	{ S("a@b"), false },
	{ S("[::1]"), false },
	{ S("b\xc3\xbc" "cher.example"), false },
	{ S("a*b"), false },
};

static void
test_domain(void)
{
	char	 buf[512], *s;
	size_t	 i;

	for (i = 0; i < KZ_ARRAY_SIZE(domain_tests); i++)
		tap_ok(valid_domain(domain_tests[i].in, domain_tests[i].len) ==
		    domain_tests[i].want, "valid_domain %s: %s",
		    show(domain_tests[i].in, domain_tests[i].len),
		    domain_tests[i].want ? "yes" : "no");
	s = repeat('a', 64);
	tap_ok(valid_domain(s, 63), "valid_domain label of 63");
	tap_ok(!valid_domain(s, 64), "valid_domain label of 64");
	snprintf(buf, sizeof(buf), "%.63s.%.63s.%.63s.%.61s", s, s, s, s);
	tap_ok(strlen(buf) == 253 && valid_domain(buf, 253),
	    "valid_domain 253 in all");
	snprintf(buf, sizeof(buf), "%.63s.%.63s.%.63s.%.61s.", s, s, s, s);
	tap_ok(valid_domain(buf, 254), "valid_domain 253 and the root's dot");
	snprintf(buf, sizeof(buf), "%.63s.%.63s.%.63s.%.62s", s, s, s, s);
	tap_ok(!valid_domain(buf, 254), "valid_domain 254 in all");
	free(s);
}

static const struct {
	const char	*in;
	size_t		 len;
	bool		 want;
} utf8_tests[] = {
	{ S(""), true },
	{ S("plain ascii"), true },
	{ S("\x7f"), true },
	{ S("\0"), true },
	{ S("\xc2\x80"), true },		/* U+0080 */
	{ S("\xc3\xa9t\xc3\xa9"), true },	/* été */
	{ S("\xdf\xbf"), true },		/* U+07FF */
	{ S("\xe0\xa0\x80"), true },		/* U+0800 */
	{ S("\xe2\x82\xac"), true },		/* € */
	{ S("\xed\x9f\xbf"), true },		/* U+D7FF */
	{ S("\xee\x80\x80"), true },		/* U+E000 */
	{ S("\xef\xbf\xbf"), true },		/* U+FFFF */
	{ S("\xf0\x90\x80\x80"), true },	/* U+10000 */
	{ S("\xf0\x9f\x98\x80"), true },	/* 😀 */
	{ S("\xf4\x8f\xbf\xbf"), true },	/* U+10FFFF */
	{ S("a\xf0\x9f\x98\x80" "b\xc3\xa4" "c"), true },
	/* Overlong forms. */
	{ S("\xc0\x80"), false },
	{ S("\xc0\xaf"), false },
	{ S("\xc1\xbf"), false },
	{ S("\xe0\x80\x80"), false },
	{ S("\xe0\x80\xaf"), false },
	{ S("\xe0\x9f\xbf"), false },
	{ S("\xf0\x80\x80\x80"), false },
	{ S("\xf0\x8f\xbf\xbf"), false },
	/* Surrogates. */
	{ S("\xed\xa0\x80"), false },
	{ S("\xed\xbf\xbf"), false },
	{ S("\xed\xa0\xbd\xed\xb8\x80"), false },
	/* Past U+10FFFF. */
	{ S("\xf4\x90\x80\x80"), false },
	{ S("\xf5\x80\x80\x80"), false },
	{ S("\xf7\xbf\xbf\xbf"), false },
	{ S("\xf8\x88\x80\x80\x80"), false },
	{ S("\xfc\x84\x80\x80\x80\x80"), false },
	{ S("\xfe"), false },
	{ S("\xff"), false },
	/* Truncated sequences. */
	{ S("\xc3"), false },
	{ S("a\xc3"), false },
	{ S("\xe2\x82"), false },
	{ S("\xe2"), false },
	{ S("\xf0\x9f\x98"), false },
	{ S("\xf0\x9f"), false },
	{ S("\xc3" "a"), false },
	{ S("\xe2\x82" "a"), false },
	{ S("\xf0\x9f\x98" "a"), false },
	/* Lone continuation bytes. */
	{ S("\x80"), false },
	{ S("\xbf"), false },
	{ S("a\x80" "b"), false },
	{ S("\xc3\xa9\xa9"), false },
	{ S("\xe2\x82\xac\x80"), false },
};

static void
test_utf8(void)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(utf8_tests); i++)
		tap_ok(valid_utf8(utf8_tests[i].in, utf8_tests[i].len) ==
		    utf8_tests[i].want, "valid_utf8 %s: %s",
		    show(utf8_tests[i].in, utf8_tests[i].len),
		    utf8_tests[i].want ? "yes" : "no");
	/* A sequence cut by len, not by the string's end. */
	tap_ok(!valid_utf8("\xe2\x82\xac", 2), "valid_utf8 cut by len");
	tap_ok(valid_utf8("\xe2\x82\xac", 3), "valid_utf8 whole by len");
}

static const struct {
	const char	*in;
	size_t		 len;
	bool		 want;
} tag_tests[] = {
	{ S("docs"), true },
	{ S("with space"), true },
	{ S("caf\xc3\xa9"), true },
	{ S("\xe6\x97\xa5\xe6\x9c\xac"), true },
	{ S("\xf0\x9f\x98\x80"), true },
	{ S("a,b;c/d"), true },
	{ S(""), false },
	{ S("a\tb"), false },
	{ S("a\nb"), false },
	{ S("a\rb"), false },
	{ S("a\0b"), false },
	{ S("\x1f"), false },
	{ S("a\x7f"), false },
	{ S("\xc3"), false },
	{ S("\xc0\x80"), false },
	{ S("\xed\xa0\x80"), false },
	{ S("\xff" "abc"), false },
	{ S("a\x80"), false },
};

static const struct {
	const char	*in;
	size_t		 len;
	bool		 want;
} title_tests[] = {
	{ S(""), true },
	{ S("The handbook"), true },
	{ S("Col 1\tCol 2"), true },
	{ S("Gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x91\x8b"), true },
	{ S("<script>alert(1)</script>"), true },
	{ S("line\nbreak"), false },
	{ S("a\rb"), false },
	{ S("a\0b"), false },
	{ S("bell\a"), false },
	{ S("del\x7f"), false },
	{ S("\xc3\x28"), false },
	{ S("\xe0\x80\x80"), false },
	{ S("\xed\xbf\xbf"), false },
};

static void
test_tag_title(void)
{
	char	*s;
	size_t	 i;

	for (i = 0; i < KZ_ARRAY_SIZE(tag_tests); i++)
		tap_ok(valid_tag(tag_tests[i].in, tag_tests[i].len) ==
		    tag_tests[i].want, "valid_tag %s: %s",
		    show(tag_tests[i].in, tag_tests[i].len),
		    tag_tests[i].want ? "yes" : "no");
	s = repeat('t', KZ_TAG_MAX + 1);
	tap_ok(valid_tag(s, KZ_TAG_MAX), "valid_tag 64 bytes");
	tap_ok(!valid_tag(s, KZ_TAG_MAX + 1), "valid_tag 65 bytes");
	free(s);
	/* 32 two-byte characters are 64 bytes; a 33rd is too many. */
	s = malloc(2 * 33 + 1);
	for (i = 0; i < 33; i++)
		memcpy(s + 2 * i, "\xc3\xa4", 2);
	tap_ok(valid_tag(s, 64), "valid_tag 32 x U+00E4 (64 bytes)");
	tap_ok(!valid_tag(s, 66), "valid_tag 33 x U+00E4 (66 bytes)");
	free(s);

	for (i = 0; i < KZ_ARRAY_SIZE(title_tests); i++)
		tap_ok(valid_title(title_tests[i].in, title_tests[i].len) ==
		    title_tests[i].want, "valid_title %s: %s",
		    show(title_tests[i].in, title_tests[i].len),
		    title_tests[i].want ? "yes" : "no");
	s = repeat('T', KZ_TITLE_MAX + 1);
	tap_ok(valid_title(s, KZ_TITLE_MAX), "valid_title 512 bytes");
	tap_ok(!valid_title(s, KZ_TITLE_MAX + 1), "valid_title 513 bytes");
	free(s);
}

#define T_NO	INT64_MIN

static const struct {
	const char	*in;
	int64_t		 want;		/* T_NO: refused */
} time_tests[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:01Z", 1 },
	{ "2000-02-29T00:00:00Z", 951782400 },
	{ "2024-02-29T12:00:00Z", 1709208000 },
	{ "2026-11-23T12:00:00Z", 1795435200 },
	{ "2026-11-23t12:00:00z", 1795435200 },
	{ "2026-11-23T12:00:00.5Z", 1795435200 },
	{ "2026-11-23T12:00:00.123456789Z", 1795435200 },
	{ "2026-11-23T13:00:00+01:00", 1795435200 },
	{ "2026-11-23T06:30:00-05:30", 1795435200 },
	{ "2026-11-24T01:00:00+13:00", 1795435200 },
	{ "2026-11-23T12:00:00+00:00", 1795435200 },
	{ "2026-11-23T12:00:00-00:00", 1795435200 },
	{ "2026-11-23T12:00:00.25+00:00", 1795435200 },
	{ "2026-01-01T00:30:00+01:00", 1767223800 },
	{ "2016-12-31T23:59:60Z", 1483228799 },
	{ "9999-12-31T23:59:59Z", 253402300799 },
	{ "1970-01-01T00:30:00+01:00", T_NO },	/* 1969 in UTC */
	{ "9999-12-31T23:00:00-05:00", T_NO },	/* 10000 in UTC */
	{ "1969-12-31T23:59:59Z", T_NO },
	{ "0000-01-01T00:00:00Z", T_NO },
	{ "2023-02-29T00:00:00Z", T_NO },
	{ "2100-02-29T00:00:00Z", T_NO },
	{ "2026-02-30T00:00:00Z", T_NO },
	{ "2026-04-31T00:00:00Z", T_NO },
	{ "2026-13-01T00:00:00Z", T_NO },
	{ "2026-00-01T00:00:00Z", T_NO },
	{ "2026-01-32T00:00:00Z", T_NO },
	{ "2026-01-00T00:00:00Z", T_NO },
	{ "2026-01-01T24:00:00Z", T_NO },
	{ "2026-01-01T00:60:00Z", T_NO },
	{ "2026-01-01T00:00:61Z", T_NO },
	{ "2026-01-01T00:00:00", T_NO },
	{ "2026-01-01T00:00:00+0100", T_NO },
	{ "2026-01-01T00:00:00+01", T_NO },
	{ "2026-01-01T00:00:00+24:00", T_NO },
	{ "2026-01-01T00:00:00+01:60", T_NO },
	{ "2026-01-01T00:00:00ZZ", T_NO },
	{ "2026-01-01T00:00:00Z ", T_NO },
	{ "2026-01-01T00:00:00Zjunk", T_NO },
	{ "2026-01-01T00:00:00+01:00x", T_NO },
	{ "2026-01-01T00:00:00.Z", T_NO },
	{ "2026-01-01T00:00:00.1234567890Z", T_NO },
	{ "2026-01-01T00:00:00.5", T_NO },
	{ "2026-01-01 00:00:00", T_NO },
	{ "2026-1-01T00:00:00Z", T_NO },
	{ "2026/01/01T00:00:00Z", T_NO },
	{ "2026-01-01X00:00:00Z", T_NO },
	{ "2026-01-01T00.00.00Z", T_NO },
	{ "+2026-01-01T00:00:00Z", T_NO },
	{ "-001-01-01T00:00:00Z", T_NO },
	{ "2026-0a-01T00:00:00Z", T_NO },
	{ "2026-01-01T0a:00:00Z", T_NO },
	{ "tomorrow at noon, please", T_NO },
	{ "", T_NO },
	{ "Z", T_NO },
	{ "1795435200", T_NO },
	{ "2026-11-23", T_NO },
};

static void
test_time(void)
{
	char	 buf[VALID_TIME_LEN + 8];
	int64_t	 t;
	size_t	 i;
	bool	 ok;

	for (i = 0; i < KZ_ARRAY_SIZE(time_tests); i++) {
		t = T_NO;
		ok = valid_time(time_tests[i].in, strlen(time_tests[i].in), &t);
		if (time_tests[i].want == T_NO) {
			if (!tap_ok(!ok, "valid_time \"%s\" refused",
			    time_tests[i].in))
				printf("#   got %lld\n", (long long)t);
		} else if (!tap_ok(ok && t == time_tests[i].want,
		    "valid_time \"%s\" = %lld", time_tests[i].in,
		    (long long)time_tests[i].want))
			printf("#   got %s %lld\n", ok ? "ok" : "refused",
			    (long long)t);
	}
	/* Input with a NUL inside, and input cut short by len. */
	tap_ok(!valid_time(S("2026-01-01T00:00:00\0Z"), &t),
	    "valid_time NUL before Z");
	tap_ok(!valid_time("2026-01-01T00:00:00Z", 19, &t),
	    "valid_time cut before Z by len");

	memset(buf, 'X', sizeof(buf));
	valid_time_format(0, buf);
	tap_str(buf, "1970-01-01T00:00:00Z", "valid_time_format 0");
	tap_ok(buf[VALID_TIME_LEN + 1] == 'X',
	    "valid_time_format writes VALID_TIME_LEN + 1 bytes");
	valid_time_format(951782400, buf);
	tap_str(buf, "2000-02-29T00:00:00Z", "valid_time_format 951782400");
	valid_time_format(1795435200, buf);
	tap_str(buf, "2026-11-23T12:00:00Z", "valid_time_format 1795435200");
	valid_time_format(1767225599, buf);
	tap_str(buf, "2025-12-31T23:59:59Z", "valid_time_format 1767225599");
	valid_time_format(253402300799, buf);
	tap_str(buf, "9999-12-31T23:59:59Z", "valid_time_format 253402300799");

	/* Round trips, every few days over the years kurz will see. */
	ok = true;
	for (t = 0; t < 4102444800; t += 86400 * 7 + 3601) {
		int64_t	back = -1;

		valid_time_format(t, buf);
		if (!valid_time(buf, strlen(buf), &back) || back != t) {
			printf("#   %lld -> %s -> %lld\n", (long long)t, buf,
			    (long long)back);
			ok = false;
			break;
		}
	}
	tap_ok(ok, "valid_time_format round-trips 1970..2100");
}

int
main(void)
{
	test_url();
	test_code();
	test_domain();
	test_utf8();
	test_tag_title();
	test_time();
	return tap_done();
}
