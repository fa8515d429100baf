/*
 * t_conf.c - configuration from a table standing in for the environment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kz.h"
#include "log.h"

#include "tap.h"

/* The environment of one test: a few NAME=value pairs. */
static const char *const	*env;

static const char *
lookup(const char *name)
{
	size_t	n = strlen(name), i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* Load with one variable set; the return value of conf_load. */
static int
load1(struct conf *c, const char *var, char *err, size_t errsz)
{
	const char	*one[2] = { var, NULL };

	env = one;
	err[0] = '\0';
	return conf_load(c, lookup, err, errsz);
}

static void
test_defaults(void)
{
	static const char *const	 empty[] = { NULL };
	static const char *const	 blank[] = { "KURZ_CLICK_BATCH=",
	    "KURZ_BASE_URL=", "KURZ_LOG_LEVEL=", "KURZ_DB=", NULL };
	struct conf			 c;
	char				 err[256];
	int				 pass;

	for (pass = 0; pass < 2; pass++) {
		env = pass == 0 ? empty : blank;
		memset(&c, 0xa5, sizeof(c));
		tap_ok(conf_load(&c, lookup, err, sizeof(err)) == 0,
		    "conf_load %s", pass == 0 ? "nothing set" : "all empty");
		tap_ok(c.click_batch == 16384, "  click_batch 16384");
		tap_ok(c.click_flush_ms == 1000, "  click_flush_ms 1000");
		tap_ok(c.code_length == 7, "  code_length 7");
		tap_ok(c.url_max == 2048, "  url_max 2048");
		tap_ok(c.body_max == 65536, "  body_max 65536");
		tap_ok(c.busy_ms == 5000, "  busy_ms 5000");
		tap_str(c.db, KZ_DEFAULT_DB, "  db");
		tap_ok(c.base_url == NULL && c.base_host == NULL,
		    "  no base_url");
		tap_ok(c.log_level == LOG_LVL_INFO, "  log_level info");
	}
}

static const struct {
	const char	*name;
	const char	*min, *max;		/* in range */
	const char	*below, *above;		/* out of it */
} nums[] = {
	{ "KURZ_CLICK_BATCH", "1", "100000", "0", "100001" },
	{ "KURZ_CLICK_FLUSH_MS", "10", "60000", "9", "60001" },
	{ "KURZ_CODE_LENGTH", "4", "32", "3", "33" },
	{ "KURZ_URL_MAX", "64", "32768", "63", "32769" },
	{ "KURZ_BODY_MAX", "1024", "16777216", "1023", "16777217" },
	{ "KURZ_BUSY_TIMEOUT_MS", "1", "600000", "0", "600001" },
};

/* The value conf_load stored for variable i. */
static unsigned long long
num_value(const struct conf *c, size_t i)
{
	switch (i) {
	case 0:
		return c->click_batch;
	case 1:
		return c->click_flush_ms;
	case 2:
		return c->code_length;
	case 3:
		return c->url_max;
	case 4:
		return c->body_max;
	default:
		return c->busy_ms;
	}
}

static void
test_numbers(void)
{
	static const char *const bad[] = { "abc", "-1", "12x", " 12", "12 ",
	    "+12", "0x20", "1e3", "12.0", "99999999999999999999999999" };
	struct conf	 c;
	char		 var[128], err[256];
	size_t		 i, j;
	int		 rc;

	for (i = 0; i < KZ_ARRAY_SIZE(nums); i++) {
		snprintf(var, sizeof(var), "%s=%s", nums[i].name, nums[i].min);
		rc = load1(&c, var, err, sizeof(err));
		tap_ok(rc == 0 && num_value(&c, i) == strtoull(nums[i].min,
		    NULL, 10), "%s at its minimum", var);
		snprintf(var, sizeof(var), "%s=%s", nums[i].name, nums[i].max);
		rc = load1(&c, var, err, sizeof(err));
		tap_ok(rc == 0 && num_value(&c, i) == strtoull(nums[i].max,
		    NULL, 10), "%s at its maximum", var);
		snprintf(var, sizeof(var), "%s=%s", nums[i].name,
		    nums[i].below);
		rc = load1(&c, var, err, sizeof(err));
		tap_ok(rc == -1 && strstr(err, nums[i].name) != NULL,
		    "%s below the minimum: refused, named", var);
		snprintf(var, sizeof(var), "%s=%s", nums[i].name,
		    nums[i].above);
		rc = load1(&c, var, err, sizeof(err));
		tap_ok(rc == -1 && strstr(err, nums[i].name) != NULL,
		    "%s above the maximum: refused, named", var);
		for (j = 0; j < KZ_ARRAY_SIZE(bad); j++) {
			snprintf(var, sizeof(var), "%s=%s", nums[i].name,
			    bad[j]);
			rc = load1(&c, var, err, sizeof(err));
			if (!tap_ok(rc == -1 && strstr(err, nums[i].name) !=
			    NULL, "%s: refused, named", var))
				printf("#   rc %d, err \"%s\"\n", rc, err);
		}
	}
}

static const struct {
	const char	*value;
	const char	*url;		/* NULL: refused */
	const char	*host;
} base_tests[] = {
	{ "https://s.example.com", "https://s.example.com", "s.example.com" },
	{ "https://s.example.com/", "https://s.example.com",
	    "s.example.com" },
	{ "https://s.example.com//", "https://s.example.com",
	    "s.example.com" },
	{ "http://localhost:8080", "http://localhost:8080", "localhost" },
	{ "http://localhost:8080/", "http://localhost:8080", "localhost" },
	{ "https://S.Example.COM:8443", "https://S.Example.COM:8443",
	    "s.example.com" },
	{ "https://go", "https://go", "go" },
	/* IPv6 literals: the fuzzer found '[' hosts taken unchecked. */
	{ "http://[::1]", "http://[::1]", "[::1]" },
	{ "http://[::1]:8080", "http://[::1]:8080", "[::1]" },
	{ "https://[2001:DB8::1]/", "https://[2001:DB8::1]", "[2001:db8::1]" },
	{ "https://[not-an-address]", NULL, NULL },
	{ "http://[", NULL, NULL },
	{ "http://[x]:99", NULL, NULL },
	{ "http://[::1]x", NULL, NULL },
	{ "ftp://x", NULL, NULL },
	{ "https://", NULL, NULL },
	{ "https:///", NULL, NULL },
	{ "http://", NULL, NULL },
	{ "s.example.com", NULL, NULL },
	{ "//s.example.com", NULL, NULL },
	{ "HTTPS//s.example.com", NULL, NULL },
	{ "https://a.b/path", NULL, NULL },
	{ "https://a.b/path/", NULL, NULL },
	{ "https://a.b?x=1", NULL, NULL },
	{ "https://a.b#x", NULL, NULL },
	{ "https://a.b:port", NULL, NULL },
	{ "https://a.b:80:80", NULL, NULL },
	{ "https://a.b:", NULL, NULL },
	{ "https://a.b:99999", NULL, NULL },
	{ "https://a.b:0", NULL, NULL },
	{ "https://user@a.b", NULL, NULL },
	{ "https://a..b", NULL, NULL },
	{ "https://-a.b", NULL, NULL },
	{ "https://a b", NULL, NULL },
	{ "https://a.b\r\nX: y", NULL, NULL },
	{ "https://b\xc3\xbc" "cher.de", NULL, NULL },
	{ "javascript:alert(1)", NULL, NULL },
};

/* A printable rendering of a value for the TAP line. */
static const char *
show(const char *s)
{
	static char	buf[128];
	size_t		o = 0;

	for (; *s != '\0' && o < sizeof(buf) - 5; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '#' || c == '\\')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static void
test_base(void)
{
	struct conf	 c;
	char		 var[512], err[512];
	size_t		 i;
	int		 rc;

	for (i = 0; i < KZ_ARRAY_SIZE(base_tests); i++) {
		snprintf(var, sizeof(var), "KURZ_BASE_URL=%s",
		    base_tests[i].value);
		rc = load1(&c, var, err, sizeof(err));
		if (base_tests[i].url == NULL) {
			if (!tap_ok(rc == -1 && strstr(err, "KURZ_BASE_URL") !=
			    NULL, "KURZ_BASE_URL %s refused, named",
			    show(base_tests[i].value)))
				printf("#   rc %d, base_url \"%s\"\n", rc,
				    rc == 0 && c.base_url ? c.base_url : "");
			continue;
		}
		tap_ok(rc == 0, "KURZ_BASE_URL %s", show(base_tests[i].value));
		if (rc != 0) {
			printf("#   %s\n", err);
			continue;
		}
		tap_str(c.base_url, base_tests[i].url, "  base_url");
		tap_str(c.base_host, base_tests[i].host, "  base_host");
	}
}

static void
test_rest(void)
{
	static const struct {
		const char	*value;
		int		 level;		/* -1: refused */
	} levels[] = {
		{ "error", LOG_LVL_ERROR }, { "warn", LOG_LVL_WARN },
		{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
		{ "verbose", -1 }, { "warning", -1 }, { "3", -1 },
		{ "info ", -1 }, { "trace", -1 },
	};
	static const char *const	 several[] = { "KURZ_DB=/tmp/k.db",
	    "KURZ_CODE_LENGTH=9", "KURZ_BASE_URL=https://go.example",
	    "KURZ_LOG_LEVEL=debug", "KURZ_CLICK_BATCH=5", NULL };
	static const char *const	 late_bad[] = { "KURZ_DB=/tmp/k.db",
	    "KURZ_BUSY_TIMEOUT_MS=0", NULL };
	struct conf			 c;
	char				 var[128], err[256];
	size_t				 i;
	int				 rc;

	for (i = 0; i < KZ_ARRAY_SIZE(levels); i++) {
		snprintf(var, sizeof(var), "KURZ_LOG_LEVEL=%s",
		    levels[i].value);
		rc = load1(&c, var, err, sizeof(err));
		if (levels[i].level == -1)
			tap_ok(rc == -1 && strstr(err, "KURZ_LOG_LEVEL") !=
			    NULL, "%s refused, named", var);
		else
			tap_ok(rc == 0 && (int)c.log_level == levels[i].level,
			    "%s", var);
	}

	env = several;
	rc = conf_load(&c, lookup, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(c.db, "/tmp/k.db") == 0 &&
	    c.code_length == 9 && c.click_batch == 5 &&
	    c.log_level == LOG_LVL_DEBUG &&
	    strcmp(c.base_url, "https://go.example") == 0 &&
	    strcmp(c.base_host, "go.example") == 0 &&
	    c.url_max == 2048, "several variables at once");

	env = late_bad;
	err[0] = '\0';
	rc = conf_load(&c, lookup, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "KURZ_BUSY_TIMEOUT_MS") != NULL &&
	    strstr(err, "KURZ_DB") == NULL, "the message names the bad one");
}

int
main(void)
{
	test_defaults();
	test_numbers();
	test_base();
	test_rest();
	return tap_done();
}
