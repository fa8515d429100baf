/*
 * t_html.c - HTML escaping and pages: hostile strings in, nothing that
 * a browser could take for markup out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "html.h"
#include "kz.h"

#include "tap.h"

#define S(x)		x, sizeof(x) - 1

static const struct {
	const char	*in;
	size_t		 len;
	const char	*out;
} escape_tests[] = {
	{ S(""), "" },
	{ S("plain text"), "plain text" },
	{ S("\"><script>alert(1)</script>"),
	    "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ S("'><img src=x onerror=alert(1)>"),
	    "&#39;&gt;&lt;img src=x onerror=alert(1)&gt;" },
	{ S("\" onfocus=\"alert(1)\" autofocus=\""),
	    "&quot; onfocus=&quot;alert(1)&quot; autofocus=&quot;" },
	{ S("a & b && c"), "a &amp; b &amp;&amp; c" },
	{ S("&amp;"), "&amp;amp;" },
	{ S("&#39;&lt;"), "&amp;#39;&amp;lt;" },
	{ S("<!-- x -->"), "&lt;!-- x --&gt;" },
	{ S("]]><![CDATA["), "]]&gt;&lt;![CDATA[" },
	{ S("javascript:alert(1)"), "javascript:alert(1)" },
	{ S("`backtick` = ok"), "`backtick` = ok" },
	/* Controls are dropped, all of them. */
	{ S("a\tb\nc\rd"), "abcd" },
	{ S("\x01\x02\x1b[31mred\x1b[0m\x7f"), "[31mred[0m" },
	{ S("line\r\nSet-Cookie: x=1"), "lineSet-Cookie: x=1" },
	{ S("C1 \xc2\x80\xc2\x85\xc2\x9f end"), "C1  end" },
	/* UTF-8 is kept. */
	{ S("\xc3\xa4\xc3\xb6\xc3\xbc \xc3\x9f"), "\xc3\xa4\xc3\xb6\xc3\xbc \xc3\x9f" },
	{ S("\xc2\xa0nbsp"), "\xc2\xa0nbsp" },
	{ S("\xe2\x82\xac 5"), "\xe2\x82\xac 5" },
	{ S("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac" },
	{ S("\xf0\x9f\x94\x91 key"), "\xf0\x9f\x94\x91 key" },
	{ S("\xe2\x80\xae<rtl>"), "\xe2\x80\xae&lt;rtl&gt;" },
	/* Broken UTF-8 becomes U+FFFD, byte by byte. */
	{ S("\xff"), "\xef\xbf\xbd" },
	{ S("a\x80z"), "a\xef\xbf\xbdz" },
	{ S("\xc0\xbc"), "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong '<' */
	{ S("\xe0\x80\xbc"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ S("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ S("\xf4\x90\x80\x80"),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ S("cut \xe2\x82"), "cut \xef\xbf\xbd\xef\xbf\xbd" },
	{ S("\xc3<"), "\xef\xbf\xbd&lt;" },
};

static const struct {
	const char	*in;
	const char	*out;
} url_tests[] = {
	{ "/docs", "/docs" },
	{ "/docs/a/b?x=1&y=2", "/docs/a/b?x=1&amp;y=2" },
	{ "/docs?q=%22%3E%3Cscript%3E", "/docs?q=%22%3E%3Cscript%3E" },
	{ "/docs?q=\"><script>", "/docs?q=%22%3E%3Cscript%3E" },
	{ "/docs?q='x'", "/docs?q=&#39;x&#39;" },
	{ "/d\xc3\xa4", "/d%C3%A4" },
	{ "/a b\t", "/a%20b%09" },
	{ "/x\\y^z`|", "/x%5Cy%5Ez%60%7C" },
	{ "/\xff", "/%FF" },
};

static void
test_escape(struct arena *a)
{
	size_t	i;
	char	name[64];

	for (i = 0; i < KZ_ARRAY_SIZE(escape_tests); i++) {
		snprintf(name, sizeof(name), "html_escape_n #%zu", i);
		tap_str(html_escape_n(a, escape_tests[i].in,
		    escape_tests[i].len), escape_tests[i].out, name);
	}
	for (i = 0; i < KZ_ARRAY_SIZE(escape_tests); i++) {
		if (memchr(escape_tests[i].in, '\0', escape_tests[i].len))
			continue;
		snprintf(name, sizeof(name), "html_escape #%zu", i);
		tap_str(html_escape(a, escape_tests[i].in),
		    escape_tests[i].out, name);
	}
	tap_str(html_escape(a, NULL), "", "html_escape(NULL) is \"\"");
	/* Only len bytes are read. */
	tap_str(html_escape_n(a, "ab<cd", 2), "ab", "html_escape_n stops at len");
	tap_str(html_escape_n(a, "\xe2\x82\xac", 2), "\xef\xbf\xbd\xef\xbf\xbd",
	    "html_escape_n: a sequence cut by len is not read past it");
}

/* No output of the escaper holds a byte that could open markup. */
static void
test_every_byte(struct arena *a)
{
	char	in[2], *out;
	int	c, clean = 1;

	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		out = html_escape(a, in);
		if (strpbrk(out, "<>\"'") != NULL ||
		    (strchr(out, '&') != NULL && out[0] != '&') ||
		    (c < 0x20 && out[0] != '\0'))
			clean = 0;
	}
	tap_ok(clean, "html_escape: no single byte gives < > \" ' or a "
	    "control");
}

static void
test_url(struct arena *a)
{
	size_t	i;
	char	name[64];

	for (i = 0; i < KZ_ARRAY_SIZE(url_tests); i++) {
		snprintf(name, sizeof(name), "html_url #%zu %s", i,
		    url_tests[i].out);
		tap_str(html_url(a, url_tests[i].in), url_tests[i].out, name);
	}
	tap_str(html_url(a, NULL), "", "html_url(NULL) is \"\"");
}

static void
test_page(struct arena *a)
{
	const char	*p;
	size_t		 len = 0;

	p = html_page(a, "<title>&\"", "<p>body</p>\n", &len);
	tap_ok(p != NULL && len == strlen(p), "html_page: *len is its length");
	tap_ok(strncmp(p, "<!DOCTYPE html>\n", 16) == 0,
	    "html_page: starts with the HTML5 doctype");
	tap_ok(strstr(p, "<meta charset=\"utf-8\">") != NULL,
	    "html_page: declares UTF-8");
	tap_ok(strstr(p, "<meta name=\"viewport\"") != NULL,
	    "html_page: has a viewport");
	tap_ok(strstr(p, "<title>&lt;title&gt;&amp;&quot;</title>") != NULL,
	    "html_page: the title is escaped");
	tap_ok(strstr(p, "<main>\n<p>body</p>\n</main>") != NULL,
	    "html_page: the body is put in <main> as given");
	tap_ok(strstr(p, "<script") == NULL && strstr(p, "<style") == NULL &&
	    strstr(p, "style=") == NULL,
	    "html_page: no script, no style (the CSP allows none)");
	tap_ok(strstr(p, "</html>\n") != NULL &&
	    p[len - 1] == '\n', "html_page: a whole document");
	p = html_page(a, "t", NULL, NULL);
	tap_ok(p != NULL && strstr(p, "<main>\n</main>") != NULL,
	    "html_page: NULL body, NULL len");
}

int
main(void)
{
	struct arena	*a;

	if ((a = arena_create()) == NULL)
		return 1;
	test_escape(a);
	test_every_byte(a);
	test_url(a);
	test_page(a);
	arena_free(a);
	return tap_done();
}
