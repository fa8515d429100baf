/*
 * t_clicks.c - the click buffer: when it is due, what it keeps of a
 * referrer and a user agent, referrer hosts, and what a flush writes.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "arena.h"
#include "clicks.h"
#include "kz.h"
#include "store.h"
#include "valid.h"

#include "tap.h"

static char	tmpdir[64];

static const char *
path(const char *name)
{
	static char	buf[sizeof(tmpdir) + 256 + 2];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static void
cleanup(void)
{
	struct dirent	*e;
	DIR		*d;

	if (tmpdir[0] == '\0' || (d = opendir(tmpdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(path(e->d_name));
	closedir(d);
	rmdir(tmpdir);
}

/* Seconds on the monotonic clock since t0. */
static double
since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Add a click with the fields the tests vary. bump false: counted
 * already (as a capped link's visit is). bot: a crawler's user agent
 * when none is given; the buffer tells bots by their user agent.
 */
static void
add(struct clicks *c, int64_t link_id, bool bump, bool bot,
    const char *referrer, const char *user_agent, int64_t ts_ms)
{
	struct click_in	in;

	memset(&in, 0, sizeof(in));
	in.link_id = link_id;
	in.ts_ms = ts_ms;
	in.counted = !bump;
	in.referrer = referrer;
	in.user_agent = user_agent != NULL || !bot ? user_agent :
	    "Googlebot/2.1 (+http://www.google.com/bot.html)";
	clicks_add(c, &in);
}

static void
test_due(struct store *s, int64_t link_id)
{
	struct clicks	*c;
	int		 i;

	c = clicks_create(3, 1000);
	tap_ok(c != NULL, "clicks_create(3, 1000)");
	tap_ok(clicks_due(c, 0) == -1 && clicks_pending(c) == 0,
	    "empty: due -1, none pending");
	tap_ok(clicks_flush(c, s, 0) == KZ_OK, "flush of nothing");

	add(c, link_id, false, false, NULL, NULL, 5000);
	tap_ok(clicks_pending(c) == 1, "one pending");
	tap_ok(clicks_due(c, 5000) == 1000, "due in 1000 at once");
	tap_ok(clicks_due(c, 5400) == 600, "due in 600 after 400");
	tap_ok(clicks_due(c, 5999) == 1, "due in 1 after 999");
	tap_ok(clicks_due(c, 6000) == 0, "due now after 1000");
	tap_ok(clicks_due(c, 60000) == 0, "due now long after");
	add(c, link_id, false, false, NULL, NULL, 5500);
	tap_ok(clicks_due(c, 5500) == 500,
	    "a second click: due counts from the oldest");
	add(c, link_id, false, false, NULL, NULL, 5600);
	tap_ok(clicks_due(c, 5600) == 0, "a full batch is due now");
	tap_ok(clicks_pending(c) == 3, "three pending");
	tap_ok(clicks_flush(c, s, 0) == KZ_OK, "clicks_flush");
	tap_ok(clicks_pending(c) == 0 && clicks_due(c, 5600) == -1,
	    "  empty again");
	add(c, link_id, false, false, NULL, NULL, 10000);
	tap_ok(clicks_due(c, 10250) == 750,
	    "after a flush, due counts from the next click");
	clicks_flush(c, s, 0);
	clicks_free(c);

	/* A flush that fails keeps the clicks, and the buffer grows. */
	c = clicks_create(2, 1000);
	for (i = 0; i < 5; i++)
		add(c, 99999999, false, false, NULL, NULL, 1000 + i);
	tap_ok(clicks_pending(c) == 5, "five held past a batch of two");
	tap_ok(clicks_flush(c, s, 0) != KZ_OK, "a flush to a missing link fails");
	tap_ok(clicks_pending(c) == 5, "  the clicks stay");
	tap_ok(clicks_due(c, 1000) == 0, "  and are due");
	tap_ok(clicks_lost(c) == 0, "  none lost");
	clicks_free(c);
	clicks_free(NULL);

	/* Held past CLICKS_HELD_MAX, clicks are lost and counted. */
	c = clicks_create(1000, 1000);
	for (i = 0; i < CLICKS_HELD_MAX + 5; i++)
		add(c, link_id, false, false, NULL, NULL, 1000);
	tap_ok(clicks_pending(c) == CLICKS_HELD_MAX,
	    "%d held at most", CLICKS_HELD_MAX);
	tap_ok(clicks_lost(c) == 5, "5 past it lost");
	clicks_free(c);
}

/*
 * Truncation cases: a prefix of n ASCII bytes, then a multibyte
 * character repeated well past the limit.
 */
static const struct {
	size_t		 ascii;
	const char	*ch;		/* NULL: ASCII only */
} trunc_tests[] = {
	{ 10, NULL },
	{ 1023, NULL },
	{ 1024, NULL },
	{ 1025, NULL },
	{ 5000, NULL },
	{ 1020, "\xf0\x9f\x98\x80" },
	{ 1021, "\xf0\x9f\x98\x80" },
	{ 1022, "\xf0\x9f\x98\x80" },
	{ 1023, "\xf0\x9f\x98\x80" },
	{ 1024, "\xf0\x9f\x98\x80" },
	{ 0, "\xf0\x9f\x98\x80" },
	{ 1021, "\xe2\x82\xac" },
	{ 1022, "\xe2\x82\xac" },
	{ 1023, "\xe2\x82\xac" },
	{ 1, "\xe2\x82\xac" },
	{ 1022, "\xc3\xa9" },
	{ 1023, "\xc3\xa9" },
	{ 0, "\xc3\xa9" },
	{ 509, "\xf0\x9f\x98\x80" },
	{ 510, "\xf0\x9f\x98\x80" },
	{ 511, "\xe2\x82\xac" },
	{ 511, "\xc3\xa9" },
};

/* What a copy of at most max bytes keeps of the case. */
static size_t
trunc_want(size_t ascii, const char *ch, size_t total, size_t max)
{
	size_t	w;

	if (total <= max)
		return total;
	if (ascii >= max || ch == NULL)
		return max;
	w = strlen(ch);
	return ascii + (max - ascii) / w * w;
}

static char *
trunc_input(size_t ascii, const char *ch, size_t *total)
{
	size_t	 n = ascii + (ch != NULL ? 2000 : 0), i, w;
	char	*s = malloc(n + 1);

	memset(s, 'r', ascii);
	if (ch != NULL) {
		w = strlen(ch);
		for (i = ascii; i + w <= n; i += w)
			memcpy(s + i, ch, w);
		n = i;
	}
	s[n] = '\0';
	*total = n;
	return s;
}

static void
test_trunc(struct store *s, const char *file, int64_t link_id)
{
	struct clicks	*c;
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*in[KZ_ARRAY_SIZE(trunc_tests)];
	size_t		 total[KZ_ARRAY_SIZE(trunc_tests)], i, n, want;
	const char	*got;
	int		 rc;

	c = clicks_create(256, 1000);
	for (i = 0; i < KZ_ARRAY_SIZE(trunc_tests); i++) {
		in[i] = trunc_input(trunc_tests[i].ascii, trunc_tests[i].ch,
		    &total[i]);
		/* The same text as referrer and as user agent. */
		add(c, link_id, false, false, in[i], in[i], 100 + i);
	}
	add(c, link_id, false, true, NULL, NULL, 999);
	add(c, link_id, false, false, "", "", 1000);
	tap_ok(clicks_flush(c, s, 0) == KZ_OK, "flush %zu clicks",
	    KZ_ARRAY_SIZE(trunc_tests) + 2);
	clicks_free(c);

	if (sqlite3_open(file, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT referrer, user_agent, bot FROM "
	    "clicks WHERE link_id = ?1 AND ts BETWEEN 100 AND 1000 "
	    "ORDER BY ts", -1, &st, NULL) != SQLITE_OK) {
		tap_ok(0, "read the clicks back: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return;
	}
	sqlite3_bind_int64(st, 1, link_id);
	for (i = 0; i < KZ_ARRAY_SIZE(trunc_tests); i++) {
		if (!tap_ok(sqlite3_step(st) == SQLITE_ROW, "row %zu", i))
			break;
		got = (const char *)sqlite3_column_text(st, 0);
		n = (size_t)sqlite3_column_bytes(st, 0);
		want = trunc_want(trunc_tests[i].ascii, trunc_tests[i].ch,
		    total[i], KZ_REFERRER_MAX);
		if (!tap_ok(got != NULL && n == want &&
		    memcmp(got, in[i], n) == 0 && valid_utf8(got, n),
		    "referrer of %zu ascii + %zu-byte characters (%zu bytes): "
		    "%zu kept", trunc_tests[i].ascii, trunc_tests[i].ch ?
		    strlen(trunc_tests[i].ch) : 0, total[i], want))
			printf("#   kept %zu\n", n);
		got = (const char *)sqlite3_column_text(st, 1);
		n = (size_t)sqlite3_column_bytes(st, 1);
		want = trunc_want(trunc_tests[i].ascii, trunc_tests[i].ch,
		    total[i], KZ_UA_MAX);
		if (!tap_ok(got != NULL && n == want &&
		    memcmp(got, in[i], n) == 0 && valid_utf8(got, n),
		    "user agent of the same: %zu kept", want))
			printf("#   kept %zu\n", n);
		free(in[i]);
	}
	rc = sqlite3_step(st);
	tap_ok(rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL &&
	    sqlite3_column_int(st, 2) == 1,
	    "NULL referrer kept, a crawler's user agent flagged bot");
	rc = sqlite3_step(st);
	tap_ok(rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 0 &&
	    sqlite3_column_int(st, 2) == 0, "empty referrer kept empty");
	tap_ok(sqlite3_step(st) == SQLITE_DONE, "no more rows");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static const struct {
	const char	*ref;
	const char	*host;		/* NULL: none */
} host_tests[] = {
	{ "https://example.com/path?q=1", "example.com" },
	{ "https://Example.COM/", "example.com" },
	{ "HTTPS://WWW.EXAMPLE.COM", "www.example.com" },
	{ "http://a.b:8080/x", "a.b" },
	{ "https://a.b?x", "a.b" },
	{ "https://a.b#x", "a.b" },
	{ "https://user:pw@a.b/", "a.b" },
	{ "https://a.b@evil.example/", "evil.example" },
	{ "android-app://com.google.android.gm/", "com.google.android.gm" },
	{ "https://[2001:db8::1]/", "[2001:db8::1]" },
	{ "https://[2001:db8::1]:8443/", "[2001:db8::1]" },
	{ "https://[<script>]/", NULL },
	{ "https://[::1", NULL },
	{ "https://", NULL },
	{ "https:///x", NULL },
	{ "https://:80/", NULL },
	{ "example.com/x", NULL },
	{ "", NULL },
	{ "about:blank", NULL },
	{ "https://a b/", NULL },
	{ "https://a..b/", NULL },
	{ "https://b\xc3\xbc" "cher.example/", NULL },
	{ "https://<script>/", NULL },
	{ NULL, NULL },
};

static void
test_referrer_host(void)
{
	char	out[KZ_DOMAIN_MAX + 1], big[400];
	size_t	i;
	bool	ok;

	for (i = 0; i < KZ_ARRAY_SIZE(host_tests); i++) {
		memset(out, 0, sizeof(out));
		ok = clicks_referrer_host(host_tests[i].ref, out);
		if (host_tests[i].host == NULL)
			tap_ok(!ok, "clicks_referrer_host %s: none",
			    host_tests[i].ref ? host_tests[i].ref : "(null)");
		else if (!tap_ok(ok && strcmp(out, host_tests[i].host) == 0,
		    "clicks_referrer_host %s: %s", host_tests[i].ref,
		    host_tests[i].host))
			printf("#   got %s \"%s\"\n", ok ? "true" : "false",
			    out);
	}
	/* A host longer than any name. */
	snprintf(big, sizeof(big), "https://%0300d/", 0);
	tap_ok(!clicks_referrer_host(big, out),
	    "clicks_referrer_host of a 300-byte host: none");
}

/* Hostile bytes in a visitor's headers are kept as '?'. */
static const struct {
	const char	*in;
	const char	*want;
} clean_tests[] = {
	{ "plain", "plain" },
	{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
	{ "a\tb", "a?b" },
	{ "a\r\nb", "a??b" },
	{ "a\x1b[31m", "a?[31m" },
	{ "a\x7f", "a?" },
	{ "a\xff" "b", "a?b" },
	{ "a\xc0\x80" "b", "a??b" },
	{ "a\xed\xa0\x80" "b", "a???b" },
	{ "\x80\x80", "??" },
	{ "a\xc3" "b", "a?b" },
};

/* Read one click's referrer and user agent back, by its ts. */
static int
read_click(sqlite3 *db, int64_t ts, char *ref, char *ua, size_t sz)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT referrer, user_agent FROM clicks "
	    "WHERE ts = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, ts);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ref, sz, "%s", sqlite3_column_type(st, 0) ==
		    SQLITE_NULL ? "(null)" : (const char *)
		    sqlite3_column_text(st, 0));
		snprintf(ua, sz, "%s", sqlite3_column_type(st, 1) ==
		    SQLITE_NULL ? "(null)" : (const char *)
		    sqlite3_column_text(st, 1));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static long long
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("#   %s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#define FIREFOX	"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 " \
		"Firefox/121.0"
#define DAY_MS	86400000LL
#define T0	(20000 * DAY_MS + 3600000)	/* a day, 01:00 */

static void
test_enrich(struct store *s, const char *file, int64_t link_id)
{
	struct clicks	*c;
	struct click_in	 in;
	sqlite3		*db;
	char		 ref[256], ua[256], sql[256];
	size_t		 i;

	c = clicks_create(64, 1000);
	for (i = 0; i < KZ_ARRAY_SIZE(clean_tests); i++)
		add(c, link_id, false, false, clean_tests[i].in,
		    clean_tests[i].in, 2000 + (int64_t)i);

	/* Three people, one twice, and a bot, on one day; one the next. */
	memset(&in, 0, sizeof(in));
	in.link_id = link_id;
	in.user_agent = FIREFOX;
	in.referrer = "https://News.Example/item?id=1";
	in.country = "DE";
	in.ip = "192.0.2.1";
	in.ts_ms = T0;
	clicks_add(c, &in);
	in.ts_ms = T0 + 1;
	in.country = "de";
	clicks_add(c, &in);
	in.ip = "192.0.2.2";
	in.ts_ms = T0 + 2;
	in.country = "AUT";
	clicks_add(c, &in);
	in.ip = "2001:db8::7";
	in.ts_ms = T0 + 3;
	in.referrer = NULL;
	in.country = NULL;
	clicks_add(c, &in);
	in.ip = "192.0.2.9";
	in.ts_ms = T0 + 4;
	in.user_agent = "Googlebot/2.1 (+http://www.google.com/bot.html)";
	clicks_add(c, &in);
	in.ip = "192.0.2.1";
	in.user_agent = FIREFOX;
	in.ts_ms = T0 + DAY_MS;
	clicks_add(c, &in);

	/* Two visits to codes that name no link. */
	memset(&in, 0, sizeof(in));
	in.code = "missing";
	in.ts_ms = T0;
	clicks_add(c, &in);
	in.ts_ms = T0 + 5;
	clicks_add(c, &in);

	if (!tap_ok(clicks_flush(c, s, 0) == KZ_OK, "flush enriched clicks")) {
		clicks_free(c);
		return;
	}
	clicks_free(c);

	if (sqlite3_open(file, &db) != SQLITE_OK) {
		tap_ok(0, "open %s", file);
		sqlite3_close(db);
		return;
	}
	for (i = 0; i < KZ_ARRAY_SIZE(clean_tests); i++) {
		if (read_click(db, 2000 + (int64_t)i, ref, ua,
		    sizeof(ref)) == -1) {
			tap_ok(0, "click %zu read back", i);
			continue;
		}
		tap_str(ref, clean_tests[i].want, "referrer kept clean");
		tap_str(ua, clean_tests[i].want, "user agent kept clean");
	}

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "ts = %lld AND referrer_host = 'news.example' AND country = 'DE' "
	    "AND browser = 'Firefox' AND os = 'Linux' AND device = 'desktop'",
	    (long long)T0);
	tap_ok(one_int(db, sql) == 1,
	    "referrer host, country, browser, os, device stored");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "ts BETWEEN %lld AND %lld AND country IS NULL", (long long)T0 + 1,
	    (long long)T0 + 3);
	tap_ok(one_int(db, sql) == 3, "country \"de\", \"AUT\", none: NULL");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "ts BETWEEN %lld AND %lld AND length(visitor) = %d",
	    (long long)T0, (long long)T0 + DAY_MS, STORE_VISITOR_LEN);
	tap_ok(one_int(db, sql) == 5, "people have a visitor hash");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "ts = %lld AND visitor IS NULL AND bot = 1", (long long)T0 + 4);
	tap_ok(one_int(db, sql) == 1, "a bot has none");
	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT visitor) FROM "
	    "clicks WHERE ts BETWEEN %lld AND %lld", (long long)T0,
	    (long long)T0 + 3);
	tap_ok(one_int(db, sql) == 3, "one address, one hash; three in all");
	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT visitor) FROM "
	    "clicks WHERE ts IN (%lld, %lld)", (long long)T0,
	    (long long)T0 + DAY_MS);
	tap_ok(one_int(db, sql) == 2, "the same address differs the next day");
	tap_ok(one_int(db, "SELECT count(*) FROM clicks WHERE "
	    "visitor LIKE '%192.0.2%' OR referrer LIKE '%192.0.2%'") == 0,
	    "no address is stored");

	snprintf(sql, sizeof(sql), "SELECT visits * 10000 + uniques * 100 + "
	    "bots FROM link_days WHERE link_id = %lld AND day = 20000",
	    (long long)link_id);
	tap_ok(one_int(db, sql) == 40301,
	    "link_days: 4 visits, 3 uniques, 1 bot");
	snprintf(sql, sizeof(sql), "SELECT visits FROM link_dims WHERE "
	    "link_id = %lld AND day = 20000 AND dim = 'referrer' AND "
	    "value = 'news.example'", (long long)link_id);
	tap_ok(one_int(db, sql) == 3, "link_dims: 3 from news.example");
	snprintf(sql, sizeof(sql), "SELECT visits FROM link_dims WHERE "
	    "link_id = %lld AND day = 20000 AND dim = 'country' AND "
	    "value = 'DE'", (long long)link_id);
	tap_ok(one_int(db, sql) == 1, "link_dims: 1 from DE");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM link_dims WHERE "
	    "link_id = %lld AND dim = 'country'", (long long)link_id);
	tap_ok(one_int(db, sql) == 1, "link_dims: no other country");
	tap_ok(one_int(db, "SELECT visits FROM misses WHERE code = 'missing' "
	    "AND day = 20000") == 2, "misses: 2 for \"missing\"");
	tap_ok(one_int(db, "SELECT count(*) FROM clicks WHERE link_id = 0") ==
	    0, "  no raw click for a miss");
	sqlite3_close(db);
}

/* Rows in clicks, read on a connection of its own; -1 when it fails. */
static long long
clicks_rows(const char *file)
{
	sqlite3		*db;
	long long	 n = -1;

	if (sqlite3_open(file, &db) == SQLITE_OK)
		n = one_int(db, "SELECT count(*) FROM clicks");
	sqlite3_close(db);
	return n;
}

/* Threads of this process at the given nice value, from /proc. */
static int
threads_at_nice(int nice)
{
	struct dirent	*e;
	DIR		*d;
	FILE		*f;
	char		 p[300], buf[512], *q;
	int		 n = 0, k, v;

	if ((d = opendir("/proc/self/task")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/task/%s/stat", e->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		/* Field 19 is the nice value; the name in () may hold spaces. */
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (q = strrchr(buf, ')')) != NULL) {
			for (k = 3, q++; k < 19 && q != NULL; k++)
				q = strchr(q + 1, ' ');
			if (q != NULL && sscanf(q, "%d", &v) == 1 && v == nice)
				n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * The flush thread. Clicks that come faster than it writes them wait
 * for it, past CLICKS_HELD_MAX too: none is lost while the database
 * takes them. Clicks the database refuses are held to that bound and
 * then lost, and the serving thread never waits for them.
 */
static void
test_threaded(const char *file, int64_t link_id)
{
	struct store	*fs;
	struct clicks	*c;
	struct timespec	 t0;
	char		 err[512];
	long long	 before, after;
	size_t		 i, n = CLICKS_HELD_MAX + CLICKS_HELD_MAX / 2;
	size_t		 big = CLICKS_HELD_MAX;
	double		 secs;

	fs = store_open(file, 5000, err, sizeof(err));
	if (!tap_ok(fs != NULL && store_clicks_only(fs) == 0,
	    "a flush connection"))
		return;
	before = clicks_rows(file);
	c = clicks_create(4096, 1000);
	if (!tap_ok(c != NULL && clicks_start(c, fs, 100) == 0,
	    "the flush thread starts")) {
		clicks_free(c);
		store_close(fs);
		return;
	}
	tap_ok(threads_at_nice(10) == 1, "  at nice 10, redirects first");
	for (i = 0; i < n; i++)
		add(c, link_id, true, false, NULL, "Mozilla/5.0", 5000 + i);
	clicks_stop(c);
	tap_ok(clicks_lost(c) == 0, "%zu clicks at once: none lost", n);
	tap_ok(clicks_flush(c, fs, 0) == KZ_OK && clicks_pending(c) == 0,
	    "  the rest written at the stop");
	after = clicks_rows(file);
	tap_ok(after - before == (long long)n, "  all %zu stored (%lld)", n,
	    after - before);
	clicks_free(c);

	/*
	 * One batch that takes the thread seconds: the stop gives it up
	 * instead of waiting for it, and the caller writes it, once.
	 */
	before = clicks_rows(file);
	c = clicks_create(big, 60000);
	if (c == NULL || clicks_start(c, fs, 100) != 0) {
		tap_ok(0, "the flush thread starts for a big batch");
		clicks_free(c);
		store_close(fs);
		return;
	}
	/* Clicks of now: the batch is due when full, not by its age. */
	clock_gettime(CLOCK_REALTIME, &t0);
	for (i = 0; i < big; i++)
		add(c, link_id, true, false, NULL, "Mozilla/5.0",
		    (int64_t)t0.tv_sec * 1000 + t0.tv_nsec / 1000000);
	nanosleep(&(struct timespec){ 0, 200 * 1000000L }, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clicks_stop(c);
	secs = since(&t0);
	tap_ok(clicks_pending(c) == big && clicks_rows(file) == before,
	    "stopped in a write of %zu: all held, none stored (%zu, %lld)",
	    big, clicks_pending(c), clicks_rows(file) - before);
	tap_ok(secs < 0.5, "  the stop did not wait for the write (%.3f s)",
	    secs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tap_ok(clicks_flush(c, fs, 0) == KZ_OK && clicks_pending(c) == 0,
	    "  the caller writes them");
	secs = since(&t0);
	after = clicks_rows(file);
	tap_ok(after - before == (long long)big, "  all %zu stored, once (%lld, "
	    "in %.2f s)", big, after - before, secs);
	clicks_free(c);

	/* A link that does not exist: every write is refused. */
	c = clicks_create(4096, 1000);
	if (c == NULL || clicks_start(c, fs, 100) != 0) {
		tap_ok(0, "the flush thread starts again");
		clicks_free(c);
		store_close(fs);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		add(c, 99999999, true, false, NULL, "Mozilla/5.0", 5000 + i);
	secs = since(&t0);
	clicks_stop(c);
	tap_ok(clicks_lost(c) > 0 && clicks_lost(c) < n,
	    "refused: %zu of %zu lost past the bound", clicks_lost(c), n);
	tap_ok(secs < 5.0, "  and adding them did not wait (%.2f s)", secs);
	clicks_free(c);
	store_close(fs);
}

int
main(void)
{
	struct store	*s;
	struct arena	*a;
	struct link	 l, out;
	char		 err[512];
	const char	*file;

	if (!tap_ok(sodium_init() >= 0, "sodium_init"))
		return tap_done();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kurz-t_clicks.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		tap_ok(0, "mkdtemp");
		return tap_done();
	}
	file = path("kurz.db");
	s = store_open(file, 5000, err, sizeof(err));
	if (!tap_ok(s != NULL, "store_open")) {
		printf("#   %s\n", err);
		cleanup();
		return tap_done();
	}
	a = arena_create();
	memset(&l, 0, sizeof(l));
	l.domain = "";
	l.code = "clicked";
	l.url = "https://example.com/";
	l.redirect_status = 302;
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_OK,
	    "a link to click");

	test_due(s, out.id);
	test_trunc(s, file, out.id);
	test_referrer_host();
	test_enrich(s, file, out.id);
	test_threaded(file, out.id);

	store_close(s);
	arena_free(a);
	cleanup();
	tap_ok(access(tmpdir, F_OK) == -1, "temporary directory removed");
	return tap_done();
}
