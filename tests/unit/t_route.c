/*
 * t_route.c - route patterns: literal, '*' for one segment, "**" for
 * the rest.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "kz.h"
#include "route.h"

#include "tap.h"

static const struct {
	const char	*pattern;
	const char	*path;
	int		 match;
	const char	*arg;		/* what '*' took, when it matched */
} tests[] = {
	/* Exact. */
	{ "/healthz", "/healthz", 1, NULL },
	{ "/healthz", "/healthz/", 0, NULL },
	{ "/healthz", "/health", 0, NULL },
	{ "/healthz", "/healthzz", 0, NULL },
	{ "/healthz", "/Healthz", 0, NULL },
	{ "/healthz", "healthz", 0, NULL },
	{ "/healthz", "", 0, NULL },
	{ "/api/v1/links", "/api/v1/links", 1, NULL },
	{ "/api/v1/links", "/api/v1/links/", 0, NULL },
	{ "/api/v1/links", "/api/v1/link", 0, NULL },
	{ "/api/v1/links/", "/api/v1/links", 0, NULL },
	{ "/", "/", 1, NULL },
	{ "/", "/x", 0, NULL },
	{ "/", "", 0, NULL },
	/* One segment. */
	{ "/api/v1/links/*", "/api/v1/links/abc", 1, "abc" },
	{ "/api/v1/links/*", "/api/v1/links/A-b_9", 1, "A-b_9" },
	{ "/api/v1/links/*", "/api/v1/links/a.b%c", 1, "a.b%c" },
	{ "/api/v1/links/*", "/api/v1/links/", 0, NULL },
	{ "/api/v1/links/*", "/api/v1/links", 0, NULL },
	{ "/api/v1/links/*", "/api/v1/links/a/b", 0, NULL },
	{ "/api/v1/links/*", "/api/v1/links/a/", 0, NULL },
	{ "/api/v1/links/*", "/api/v1/links//", 0, NULL },
	{ "/api/v1/links/*", "/api/v1/linksabc", 0, NULL },
	{ "/*", "/abc", 1, "abc" },
	{ "/*", "/", 0, NULL },
	{ "/*", "/abc/", 0, NULL },
	{ "/*", "/abc/def", 0, NULL },
	{ "/*/stats", "/abc/stats", 1, "abc" },
	{ "/*/stats", "/abc/stat", 0, NULL },
	{ "/*/stats", "/abc/stats/", 0, NULL },
	{ "/*/stats", "//stats", 0, NULL },
	{ "/*/stats", "/a/b/stats", 0, NULL },
	/* The rest of the path. */
	{ "/api/**", "/api/", 1, NULL },
	{ "/api/**", "/api/x", 1, NULL },
	{ "/api/**", "/api/x/y/z", 1, NULL },
	{ "/api/**", "/api/v1/links/", 1, NULL },
	{ "/api/**", "/api", 0, NULL },
	{ "/api/**", "/apix", 0, NULL },
	{ "/api/**", "/ap", 0, NULL },
	{ "/api/**", "/x/api/", 0, NULL },
	{ "/**", "/", 1, NULL },
	{ "/**", "/abc", 1, NULL },
	{ "/**", "/abc/def/", 1, NULL },
	{ "/**", "", 0, NULL },
};

int
main(void)
{
	struct arena	*a = arena_create();
	const char	*arg;
	size_t		 i;
	int		 m;

	for (i = 0; i < KZ_ARRAY_SIZE(tests); i++) {
		arg = NULL;
		m = route_match(tests[i].pattern, tests[i].path, a, &arg);
		tap_ok((m != 0) == tests[i].match, "route_match %s %s: %s",
		    tests[i].pattern, tests[i].path[0] ? tests[i].path : "\"\"",
		    tests[i].match ? "yes" : "no");
		if (tests[i].match && m && tests[i].arg != NULL)
			tap_str(arg, tests[i].arg, "  arg");
		/* The same without a place for the argument. */
		m = route_match(tests[i].pattern, tests[i].path, a, NULL);
		tap_ok((m != 0) == tests[i].match, "  arg NULL: same verdict");
	}
	arena_free(a);
	return tap_done();
}
