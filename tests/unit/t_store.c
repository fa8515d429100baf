/*
 * t_store.c - the database: opening, migrating, racing, links, visits,
 * clicks and keys, backup, check and restore, in a temporary directory
 * of its own.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "arena.h"
#include "auth.h"
#include "codes.h"
#include "kz.h"
#include "migrations.h"
#include "store.h"

#include "tap.h"

#define BUSY_MS		10000
#define NPROC		8
#define ROUNDS		3

/* The tables of 001_init, which every later schema keeps. */
#define TABLES_SQL	"SELECT count(*) FROM sqlite_schema WHERE " \
			"type = 'table' AND name IN ('links', 'clicks', " \
			"'api_keys', 'link_tags')"

static char	tmpdir[64];

/* A path in the temporary directory; each call gets its own buffer. */
static const char *
path(const char *name)
{
	static char	buf[8][sizeof(tmpdir) + 256 + 2];
	static int	n;
	char		*p = buf[n++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
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

/* Run SQL on a file with sqlite3 itself, bypassing the store. */
static int
raw_exec(const char *file, const char *sql)
{
	sqlite3	*db;
	int	 rc;

	if (sqlite3_open(file, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* One integer from a query on a file, or -1. */
static long long
raw_int(const char *file, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -1;

	if (sqlite3_open(file, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static void
test_open(void)
{
	struct store	*s;
	char		 err[1024];
	const char	*p;
	FILE		*f;
	int		 i;

	p = path("new.db");
	err[0] = '\0';
	s = store_open(p, BUSY_MS, err, sizeof(err));
	if (!tap_ok(s != NULL, "store_open creates a new file"))
		printf("#   %s\n", err);
	tap_ok(migrations_count >= 1, "at least one migration built in");
	tap_ok(s != NULL && store_schema_version(s) == (int)migrations_count,
	    "  schema version %zu, the latest", migrations_count);
	tap_ok(s != NULL && store_health(s) == KZ_OK, "  healthy");
	store_close(s);
	tap_ok(access(p, F_OK) == 0, "  the file exists");
	tap_ok(raw_int(p, "PRAGMA user_version") == (long long)migrations_count,
	    "  user_version %zu", migrations_count);
	tap_ok(raw_int(p, TABLES_SQL) == 4, "  the tables are there");

	s = store_open(p, BUSY_MS, err, sizeof(err));
	tap_ok(s != NULL && store_schema_version(s) == (int)migrations_count,
	    "store_open again: same version");
	store_close(s);
	store_close(NULL);

	/* Garbage. */
	p = path("garbage.db");
	f = fopen(p, "w");
	for (i = 0; i < 200; i++)
		fputs("this is not an SQLite database, just text. ", f);
	fclose(f);
	err[0] = '\0';
	s = store_open(p, BUSY_MS, err, sizeof(err));
	tap_ok(s == NULL, "store_open on garbage fails");
	if (!tap_ok(strstr(err, p) != NULL, "  the message names the file"))
		printf("#   %s\n", err);
	store_close(s);

	/* Another program's database. */
	p = path("other.db");
	raw_exec(p, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name "
	    "TEXT); INSERT INTO accounts VALUES (1, 'x')");
	err[0] = '\0';
	s = store_open(p, BUSY_MS, err, sizeof(err));
	tap_ok(s == NULL, "store_open on another program's database fails");
	if (!tap_ok(strstr(err, "not a kurz database") != NULL &&
	    strstr(err, p) != NULL, "  \"not a kurz database\", the file"))
		printf("#   %s\n", err);
	tap_ok(raw_int(p, "SELECT count(*) FROM accounts") == 1 &&
	    raw_int(p, "SELECT count(*) FROM sqlite_schema") == 1,
	    "  its tables are untouched");
	tap_ok(raw_int(p, "SELECT journal_mode = 'delete' FROM "
	    "pragma_journal_mode") == 1, "  its journal mode is untouched");
	store_close(s);

	/* A database of a later kurz. */
	p = path("newer.db");
	s = store_open(p, BUSY_MS, err, sizeof(err));
	store_close(s);
	tap_ok(raw_exec(p, "PRAGMA user_version = 99") == 0,
	    "set user_version 99");
	err[0] = '\0';
	s = store_open(p, BUSY_MS, err, sizeof(err));
	tap_ok(s == NULL, "store_open on schema 99 fails");
	if (!tap_ok(strstr(err, "newer") != NULL && strstr(err, p) != NULL,
	    "  \"newer\", the file"))
		printf("#   %s\n", err);
	tap_ok(raw_int(p, "PRAGMA user_version") == 99, "  left at 99");
	store_close(s);

	/* A directory that is not there. */
	p = path("missing/dir/kurz.db");
	err[0] = '\0';
	s = store_open(p, BUSY_MS, err, sizeof(err));
	tap_ok(s == NULL && strstr(err, p) != NULL,
	    "store_open in a missing directory fails, names the file");
	store_close(s);
}

/*
 * NPROC processes open the same new file at once: each after the fork,
 * released together by the closing of a pipe.
 */
static void
test_race(void)
{
	char		 name[32], err[512];
	const char	*p;
	pid_t		 pid[NPROC];
	int		 fds[2], i, round, status, ok;
	char		 c;

	for (round = 0; round < ROUNDS; round++) {
		snprintf(name, sizeof(name), "race%d.db", round);
		p = path(name);
		if (pipe(fds) == -1)
			abort();
		fflush(stdout);
		for (i = 0; i < NPROC; i++) {
			if ((pid[i] = fork()) == -1)
				abort();
			if (pid[i] == 0) {
				struct store	*s;
				int		 rc;

				close(fds[1]);
				(void)!read(fds[0], &c, 1);
				s = store_open(p, BUSY_MS, err, sizeof(err));
				rc = s != NULL &&
				    store_schema_version(s) ==
				    (int)migrations_count &&
				    store_health(s) == KZ_OK ? 0 : 1;
				if (s == NULL)
					fprintf(stderr, "child %d: %s\n", i,
					    err);
				store_close(s);
				_exit(rc);
			}
		}
		close(fds[0]);
		close(fds[1]);
		ok = 0;
		for (i = 0; i < NPROC; i++)
			if (waitpid(pid[i], &status, 0) == pid[i] &&
			    WIFEXITED(status) && WEXITSTATUS(status) == 0)
				ok++;
		tap_ok(ok == NPROC, "round %d: %d processes open one new file "
		    "at once: %d succeed", round, NPROC, ok);
		tap_ok(raw_int(p, "PRAGMA user_version") ==
		    (long long)migrations_count && raw_int(p, TABLES_SQL) == 4,
		    "  migrated: version %zu, the tables there",
		    migrations_count);
	}
}

static int
in_alphabet(const char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(CODES_ALPHABET, *s) == NULL)
			return 0;
	return 1;
}

static void
link_init(struct link *l, const char *domain, const char *code,
    const char *url)
{
	memset(l, 0, sizeof(*l));
	l->domain = domain;
	l->code = code;
	l->url = url;
	l->redirect_status = 302;
}

static void
test_links(struct store *s, struct arena *a)
{
	static const char	*tags[] = { "zeta", "alpha", "mid dle",
	    "caf\xc3\xa9", "a,b" };
	struct link		 l, out, got;
	char			 seen[50][8];
	int64_t			 now = (int64_t)time(NULL), id;
	size_t			 i, j;
	int			 ok;

	link_init(&l, "", "Docs", "https://example.com/handbook");
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_OK,
	    "store_link_create Docs");
	tap_ok(out.id > 0, "  id");
	tap_str(out.code, "Docs", "  code as given");
	tap_ok(out.version == 1 && out.clicks == 0 && out.deleted_at == 0,
	    "  version 1, no clicks, not deleted");
	tap_ok(out.created_at >= now - 5 && out.created_at <= now + 5 &&
	    out.updated_at == out.created_at, "  created_at, updated_at");
	id = out.id;

	memset(&got, 0, sizeof(got));
	tap_ok(store_link_get(s, a, "", "docs", &got) == KZ_OK,
	    "store_link_get docs finds Docs");
	tap_ok(got.id == id, "  same id");
	tap_str(got.code, "Docs", "  code as stored");
	tap_str(got.domain, "", "  domain \"\"");
	tap_str(got.url, "https://example.com/handbook", "  url");
	tap_ok(got.title == NULL, "  title NULL");
	tap_ok(got.ntags == 0, "  no tags");
	tap_ok(got.redirect_status == 302 && got.expires_at == 0 &&
	    got.max_clicks == 0 && got.clicks == 0 && got.deleted_at == 0 &&
	    got.version == 1 && got.created_at == out.created_at,
	    "  the other columns");
	tap_ok(store_link_get(s, a, "", "DOCS", &got) == KZ_OK &&
	    got.id == id, "store_link_get DOCS");
	tap_ok(store_link_get(s, a, "", "doc", &got) == KZ_NOTFOUND,
	    "store_link_get doc: not found");
	tap_ok(store_link_get(s, a, "", "docsx", &got) == KZ_NOTFOUND,
	    "store_link_get docsx: not found");

	link_init(&l, "", "DOCS", "https://other.example/");
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_CONFLICT,
	    "store_link_create DOCS: conflict");
	link_init(&l, "", "docs", "https://other.example/");
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_CONFLICT,
	    "store_link_create docs: conflict");
	tap_ok(store_link_get(s, a, "", "docs", &got) == KZ_OK &&
	    strcmp(got.url, "https://example.com/handbook") == 0,
	    "  the first link is unchanged");
	link_init(&l, "go.example.com", "docs", "https://go.example/docs");
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_OK &&
	    out.id != id, "store_link_create docs in another domain");
	tap_ok(store_link_get(s, a, "go.example.com", "DOCS", &got) == KZ_OK &&
	    got.id == out.id && strcmp(got.domain, "go.example.com") == 0,
	    "  found there");
	tap_ok(store_link_get(s, a, "other.example", "docs", &got) ==
	    KZ_NOTFOUND, "store_link_get in a third domain: not found");

	/* Generated codes. */
	link_init(&l, "", NULL, "https://example.com/gen");
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_OK &&
	    out.code != NULL && strlen(out.code) == 7 && in_alphabet(out.code),
	    "generated code of 7");
	tap_ok(out.code != NULL && store_link_get(s, a, "", out.code, &got) ==
	    KZ_OK && got.id == out.id, "  stored under it");
	ok = 1;
	for (i = 0; i < 50; i++) {
		if (store_link_create(s, a, &l, 0, KZ_CODE_GEN_MIN, &out) !=
		    KZ_OK || strlen(out.code) != KZ_CODE_GEN_MIN ||
		    !in_alphabet(out.code)) {
			ok = 0;
			break;
		}
		snprintf(seen[i], sizeof(seen[i]), "%s", out.code);
		for (j = 0; j < i; j++)
			if (strcmp(seen[i], seen[j]) == 0)
				ok = 0;
	}
	tap_ok(ok, "50 generated codes of 4, distinct");
	tap_ok(store_link_create(s, a, &l, 0, KZ_CODE_GEN_MAX, &out) ==
	    KZ_OK && strlen(out.code) == KZ_CODE_GEN_MAX,
	    "generated code of 32");

	/* Every column, tags in order. */
	link_init(&l, "", "full", "https://example.com/full");
	l.title = "Caf\xc3\xa9 menu";
	l.tags = tags;
	l.ntags = KZ_ARRAY_SIZE(tags);
	l.redirect_status = 308;
	l.expires_at = 1795435200;
	l.max_clicks = 7;
	tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_OK,
	    "store_link_create with every field");
	tap_ok(store_link_get(s, a, "", "FULL", &got) == KZ_OK,
	    "store_link_get full");
	tap_str(got.title, "Caf\xc3\xa9 menu", "  title");
	tap_ok(got.redirect_status == 308 && got.expires_at == 1795435200 &&
	    got.max_clicks == 7, "  redirect_status, expires_at, max_clicks");
	if (tap_ok(got.ntags == KZ_ARRAY_SIZE(tags), "  %zu tags",
	    KZ_ARRAY_SIZE(tags))) {
		for (i = 0; i < got.ntags; i++)
			tap_str(got.tags[i], tags[i], "  tag in order");
	}
}

static void
test_target(struct store *s, struct arena *a)
{
	struct link	 l, out;
	struct target	 t;
	int64_t		 id_default, id_host;

	link_init(&l, "", "go", "https://default.example/");
	store_link_create(s, a, &l, 0, 7, &out);
	id_default = out.id;
	link_init(&l, "h.example", "go", "https://host.example/");
	l.redirect_status = 301;
	l.max_clicks = 9;
	l.expires_at = 1795435200;
	store_link_create(s, a, &l, 0, 7, &out);
	id_host = out.id;
	link_init(&l, "h.example", "only", "https://only.example/");
	store_link_create(s, a, &l, 0, 7, &out);

	memset(&t, 0, sizeof(t));
	tap_ok(store_target(s, a, "h.example", "go", &t) == KZ_OK &&
	    t.id == id_host, "store_target prefers the host's link");
	tap_str(t.url, "https://host.example/", "  url");
	tap_ok(t.redirect_status == 301 && t.max_clicks == 9 &&
	    t.expires_at == 1795435200 && !t.deleted, "  its fields");
	tap_ok(store_target(s, a, "h.example", "GO", &t) == KZ_OK &&
	    t.id == id_host, "store_target GO under the host");
	tap_ok(store_target(s, a, "other.example", "go", &t) == KZ_OK &&
	    t.id == id_default, "store_target falls back to domain \"\"");
	tap_str(t.url, "https://default.example/", "  url");
	tap_ok(t.redirect_status == 302 && t.max_clicks == 0 &&
	    t.expires_at == 0, "  its fields");
	tap_ok(store_target(s, a, "", "go", &t) == KZ_OK &&
	    t.id == id_default, "store_target with host \"\"");
	tap_ok(store_target(s, a, "h.example", "only", &t) == KZ_OK &&
	    strcmp(t.url, "https://only.example/") == 0,
	    "store_target of a code only the host has");
	tap_ok(store_target(s, a, "other.example", "only", &t) ==
	    KZ_NOTFOUND, "  another host does not see it");
	tap_ok(store_target(s, a, "h.example", "unknown", &t) == KZ_NOTFOUND,
	    "store_target unknown: not found");
	tap_ok(store_target(s, a, "h.example", "g", &t) == KZ_NOTFOUND,
	    "store_target g: not found");
}

static void	test_stats(struct store *, struct arena *, int64_t);

static void
test_visits(struct store *s, struct arena *a, const char *file)
{
	struct link	 l, out, got;
	struct click	 c[3];
	int64_t		 capped, free_id;
	int		 i;
	long long	 rows;
	enum kz_err	 err;
	char		 sql[128];

	link_init(&l, "", "capped", "https://example.com/c");
	l.max_clicks = 3;
	store_link_create(s, a, &l, 0, 7, &out);
	capped = out.id;
	for (i = 0; i < 3; i++)
		tap_ok(store_link_take_visit(s, capped) == KZ_OK,
		    "store_link_take_visit %d of 3", i + 1);
	tap_ok(store_link_take_visit(s, capped) == KZ_GONE,
	    "store_link_take_visit 4 of 3: gone");
	tap_ok(store_link_take_visit(s, capped) == KZ_GONE,
	    "store_link_take_visit 5 of 3: gone");
	tap_ok(store_link_get(s, a, "", "capped", &got) == KZ_OK &&
	    got.clicks == 3, "  clicks 3");

	link_init(&l, "", "uncapped", "https://example.com/u");
	store_link_create(s, a, &l, 0, 7, &out);
	free_id = out.id;
	for (i = 0; i < 5; i++)
		if (store_link_take_visit(s, free_id) != KZ_OK)
			break;
	tap_ok(i == 5, "store_link_take_visit without a cap: 5 of 5");

	/* Clicks: only bump raises the counter. */
	link_init(&l, "", "clicked", "https://example.com/k");
	store_link_create(s, a, &l, 0, 7, &out);
	memset(c, 0, sizeof(c));
	for (i = 0; i < 3; i++) {
		c[i].link_id = out.id;
		c[i].ts_ms = 1795435200000LL + i;
	}
	c[0].bump = true;
	c[1].bump = false;
	c[1].bot = true;
	c[2].bump = true;
	c[0].referrer = "https://ref/";
	c[0].user_agent = "UA";
	tap_ok(store_clicks_write(s, c, 3) == KZ_OK, "store_clicks_write 3");
	tap_ok(store_link_get(s, a, "", "clicked", &got) == KZ_OK &&
	    got.clicks == 2, "  link_counts.clicks raised for the 2 with bump");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "link_id = %lld", (long long)out.id);
	tap_ok(raw_int(file, sql) == 3, "  3 rows in clicks");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "link_id = %lld AND bot = 1", (long long)out.id);
	tap_ok(raw_int(file, sql) == 1, "  1 of them a bot");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks WHERE "
	    "link_id = %lld AND referrer IS NULL AND user_agent IS NULL",
	    (long long)out.id);
	tap_ok(raw_int(file, sql) == 2, "  NULL referrer and UA are NULL");
	snprintf(sql, sizeof(sql), "SELECT ts FROM clicks WHERE "
	    "link_id = %lld AND referrer = 'https://ref/' AND "
	    "user_agent = 'UA'", (long long)out.id);
	tap_ok(raw_int(file, sql) == 1795435200000LL, "  ts in ms, strings");
	tap_ok(store_clicks_write(s, c, 0) == KZ_OK, "store_clicks_write 0");

	/* One bad click: the batch is one transaction, none of it lands. */
	c[1].link_id = 99999999;
	err = store_clicks_write(s, c, 3);
	tap_ok(err != KZ_OK, "store_clicks_write with a missing link fails");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM clicks");
	rows = raw_int(file, sql);
	tap_ok(store_link_get(s, a, "", "clicked", &got) == KZ_OK &&
	    got.clicks == 2 && rows == 3, "  nothing of it written");
	/* And the store still works. */
	c[1].link_id = out.id;
	tap_ok(store_clicks_write(s, c, 3) == KZ_OK &&
	    store_link_get(s, a, "", "clicked", &got) == KZ_OK &&
	    got.clicks == 4, "store_clicks_write after a failure");

	/* The rollups: two writes of 2 people and a bot, one hour. */
	snprintf(sql, sizeof(sql), "SELECT visits * 100 + bots FROM "
	    "link_hours WHERE link_id = %lld AND hour = 498732",
	    (long long)out.id);
	tap_ok(raw_int(file, sql) == 402, "link_hours: 4 visits, 2 bots");
	snprintf(sql, sizeof(sql), "SELECT visits * 10000 + uniques * 100 + "
	    "bots FROM link_days WHERE link_id = %lld AND day = 20780",
	    (long long)out.id);
	tap_ok(raw_int(file, sql) == 40002,
	    "link_days: 4 visits, no visitor hashes, 2 bots");
	snprintf(sql, sizeof(sql), "SELECT visits * 100 + bots FROM "
	    "link_dims WHERE link_id = %lld AND dim = 'referrer' AND "
	    "value = '(direct)'", (long long)out.id);
	tap_ok(raw_int(file, sql) == 402, "link_dims: referrer (direct)");
	test_stats(s, a, out.id);

	/* A miss: a code with no link, kept by code and day. */
	memset(c, 0, sizeof(c));
	c[0].code = "ghost";
	c[0].ts_ms = 1795435200000LL;
	c[1] = c[0];
	tap_ok(store_clicks_write(s, c, 2) == KZ_OK,
	    "store_clicks_write of 2 misses");
	tap_ok(raw_int(file, "SELECT visits FROM misses WHERE "
	    "code = 'ghost' AND day = 20780") == 2, "  misses: 2");
	tap_ok(raw_int(file, "SELECT count(*) FROM clicks WHERE "
	    "link_id = 0") == 0, "  no raw row");
}

static void
test_stats(struct store *s, struct arena *a, int64_t link_id)
{
	struct stats_point	*p = NULL;
	struct stats_top	 top[STATS_TOP_MAX];
	size_t			 n = 99;

	tap_ok(store_stats_series(s, a, link_id, false, 20770, 20790, &p,
	    &n) == KZ_OK && n == 1 && p[0].t == 20780 && p[0].visits == 4 &&
	    p[0].bots == 2, "store_stats_series by day");
	tap_ok(store_stats_series(s, a, link_id, true, 498700, 498800, &p,
	    &n) == KZ_OK && n == 1 && p[0].t == 498732 && p[0].visits == 4 &&
	    p[0].bots == 2, "store_stats_series by hour");
	tap_ok(store_stats_series(s, a, link_id, false, 20781, 20790, &p,
	    &n) == KZ_OK && n == 0, "store_stats_series outside: none");
	tap_ok(store_stats_top(s, a, link_id, "referrer", 20780, 20780, false,
	    top, &n) == KZ_OK && n == 1 && strcmp(top[0].value, "(direct)") ==
	    0 && top[0].n == 4, "store_stats_top referrer, people");
	tap_ok(store_stats_top(s, a, link_id, "referrer", 20780, 20780, true,
	    top, &n) == KZ_OK && n == 1 && top[0].n == 6,
	    "store_stats_top referrer, with bots");
	tap_ok(store_stats_top(s, a, link_id, "browser", 20780, 20780, true,
	    top, &n) == KZ_OK && n == 0, "store_stats_top browser: none");
}

/* The rows of a top-values query on a file as "value:n," text, or NULL. */
static char *
raw_top(const char *file, const char *sql, int64_t link_id, int64_t from,
    int64_t to, bool bots)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*out = NULL;
	size_t		 len = 0, cap = 0;
	int		 n;

	if (sqlite3_open(file, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_text(st, 2, "referrer", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	sqlite3_bind_int(st, 5, bots);
	out = calloc(1, 1);
	while (out != NULL && sqlite3_step(st) == SQLITE_ROW) {
		n = snprintf(NULL, 0, "%s:%lld,", sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1));
		if (len + (size_t)n + 1 > cap) {
			cap = 2 * (len + (size_t)n + 1);
			out = realloc(out, cap);
			if (out == NULL)
				break;
		}
		len += (size_t)sprintf(out + len, "%s:%lld,",
		    sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The query before link_dims_months (002_analytics). */
static const char	 daily_top[] =
    "SELECT value, sum(visits) + ?5 * sum(bots) AS n FROM link_dims "
    "WHERE link_id = ?1 AND dim = ?2 AND day BETWEEN ?3 AND ?4 "
    "GROUP BY value HAVING n > 0 ORDER BY n DESC, value LIMIT 10";

/*
 * How many of the ranges' referrers, people and with bots, differ from
 * the answers of the daily rollups alone (each difference printed).
 */
static size_t
months_differ(struct store *s, struct arena *a, const char *file,
    int64_t link_id)
{
	static const int64_t	 days[][2] = {
	    { 20400, 20800 }, { 20454, 20819 }, { 20454, 20454 },
	    { 20454, 20484 }, { 20454, 20485 }, { 20453, 20484 },
	    { 20455, 20514 }, { 20000, 30000 }, { 20790, 20850 },
	    { 20500, 20500 }, { 20485, 20515 }, { 20456, 20700 },
	    { 20820, 20880 }, { 20850, 20877 }, { 20851, 20880 },
	};
	struct stats_top	 top[STATS_TOP_MAX];
	char			*want, got[2048];
	size_t			 i, k, n, len, bad = 0;
	int			 b;

	for (i = 0; i < KZ_ARRAY_SIZE(days); i++)
		for (b = 0; b < 2; b++) {
			want = raw_top(file, daily_top, link_id, days[i][0],
			    days[i][1], b);
			if (store_stats_top(s, a, link_id, "referrer",
			    days[i][0], days[i][1], b, top, &n) != KZ_OK ||
			    want == NULL) {
				bad++;
				free(want);
				continue;
			}
			for (k = 0, len = 0, got[0] = '\0'; k < n; k++)
				len += (size_t)snprintf(got + len,
				    sizeof(got) - len, "%s:%lld,", top[k].value,
				    (long long)top[k].n);
			if (strcmp(want, got) != 0) {
				printf("# days %lld-%lld bots %d:\n#  want %s\n"
				    "#  got  %s\n", (long long)days[i][0],
				    (long long)days[i][1], b, want, got);
				bad++;
			}
			free(want);
		}
	return bad;
}

/* Rows where the folded months and their days do not add up to the same. */
#define MONTHS_OFF_SQL \
	"SELECT count(*) FROM (SELECT * FROM (SELECT d.link_id, dim, value, " \
	"sum(visits), sum(bots) FROM link_dims d JOIN link_folds f " \
	"USING (link_id) WHERE (CAST(strftime('%Y', day * 86400, " \
	"'unixepoch') AS INTEGER) - 1970) * 12 + CAST(strftime('%m', " \
	"day * 86400, 'unixepoch') AS INTEGER) - 1 <= f.month " \
	"GROUP BY 1, 2, 3 EXCEPT SELECT link_id, dim, value, sum(visits), " \
	"sum(bots) FROM link_dims_months GROUP BY 1, 2, 3) UNION ALL " \
	"SELECT m.link_id, 0, 0, 0, 0 FROM link_dims_months m " \
	"LEFT JOIN link_folds f USING (link_id) " \
	"WHERE f.month IS NULL OR m.month > f.month)"

/*
 * Top values read from monthly rollups where a range holds whole months
 * are the very answers of the daily rollups alone: clicks over 14
 * months, with bots, asked for ranges that start and end anywhere. The
 * months are folded from the days when a link's next month begins
 * (008_folds): also when a batch runs from one month into the next, and
 * when a click comes for a month folded already.
 */
static void
test_months(struct store *s, struct arena *a, const char *file)
{
	struct click		 c[256];
	struct link		 l, out;
	char			 hosts[16][32];
	size_t			 i, n, k;
	int64_t			 day, d;

	tap_ok(store_month(0) == 0 && store_month(30) == 0 &&
	    store_month(31) == 1 && store_month(20454) == 672 &&
	    store_month(20453) == 671 && store_month_first(672) == 20454 &&
	    store_month_first(0) == 0 && store_month_first(1) == 31,
	    "store_month, store_month_first (2026-01-01 is day 20454)");
	for (d = 0, k = 0; d < 40000; d++)
		if (store_month_first(store_month(d)) > d ||
		    store_month_first(store_month(d) + 1) <= d)
			k++;
	tap_ok(k == 0, "every day lies in its month (%zu wrong)", k);
	tap_ok(raw_int(file, "SELECT (CAST(strftime('%Y', 20819 * 86400, "
	    "'unixepoch') AS INTEGER) - 1970) * 12 + CAST(strftime('%m', "
	    "20819 * 86400, 'unixepoch') AS INTEGER) - 1") ==
	    store_month(20819), "the months of migrations 005 and 008");

	link_init(&l, "", "months", "https://example.com/m");
	if (!tap_ok(store_link_create(s, a, &l, 0, 7, &out) == KZ_OK,
	    "a link for months"))
		return;
	for (i = 0; i < 16; i++)
		snprintf(hosts[i], sizeof(hosts[i]), "r%zu.example", i);
	/* Day by day from 2025-12-01 for 430 days, a batch a day. */
	for (day = 20423; day < 20423 + 430; day += 1) {
		memset(c, 0, sizeof(c));
		n = (size_t)(day * 7 % 23) + 1;
		for (i = 0; i < n; i++) {
			c[i].link_id = out.id;
			c[i].ts_ms = day * 86400000 + (int64_t)i * 1000;
			c[i].bot = (day + (int64_t)i) % 5 == 0;
			c[i].bump = !c[i].bot;
			c[i].referrer_host = hosts[(size_t)(day * 3 + (int64_t)i *
			    5) % 16];
			c[i].browser = "Firefox";
		}
		if (store_clicks_write(s, c, n) != KZ_OK)
			break;
	}
	tap_ok(day == 20423 + 430, "clicks on 430 days written");
	tap_ok(months_differ(s, a, file, out.id) == 0,
	    "stats_top over 30 ranges: the daily answers");
	tap_ok(raw_int(file, "SELECT month FROM link_folds WHERE link_id = "
	    "(SELECT id FROM links WHERE code = 'months')") ==
	    store_month(20852) - 1, "  folded up to the month before the "
	    "last click's");
	tap_ok(raw_int(file, MONTHS_OFF_SQL) == 0,
	    "  the folded months sum to their days; none after them");

	/*
	 * One batch: a click late by seven months, then clicks from the
	 * last two days of the last month (day 20852 is 2027-02-03, so
	 * 2027-02-27 and -28 are days 20876 and 20877) into the next.
	 */
	memset(c, 0, sizeof(c));
	for (i = 0; i < 9; i++) {
		c[i].link_id = out.id;
		c[i].ts_ms = (i == 0 ? 20640 : 20876 + (int64_t)i / 3) *
		    86400000 + (int64_t)i * 1000;
		c[i].bot = i == 4;
		c[i].bump = !c[i].bot;
		c[i].referrer_host = i % 2 == 0 ? "late.example" : hosts[i];
	}
	tap_ok(store_month(20877) == store_month(20852) &&
	    store_month(20878) == store_month(20852) + 1,
	    "  (days 20876-20877 are the last month's, 20878 the next's)");
	tap_ok(store_clicks_write(s, c, 9) == KZ_OK,
	    "a batch with a late click, from one month into the next");
	tap_ok(months_differ(s, a, file, out.id) == 0,
	    "  stats_top over 30 ranges: the daily answers");
	tap_ok(raw_int(file, "SELECT month FROM link_folds WHERE link_id = "
	    "(SELECT id FROM links WHERE code = 'months')") ==
	    store_month(20852), "  the last month folded");
	tap_ok(raw_int(file, MONTHS_OFF_SQL) == 0,
	    "  the folded months sum to their days; none after them");
}

/*
 * The flush thread's connection checks no row's foreign key; the write
 * still refuses clicks of a link that does not exist, counted or not.
 */
static void
test_clicks_only(const char *file)
{
	struct store	*s;
	struct click	 c;
	char		 err[512];
	long long	 rows;

	if (!tap_ok((s = store_open(file, BUSY_MS, err, sizeof(err))) !=
	    NULL && store_clicks_only(s) == 0, "store_clicks_only"))
		return;
	rows = raw_int(file, "SELECT count(*) FROM clicks");
	memset(&c, 0, sizeof(c));
	c.link_id = 99999999;
	c.ts_ms = 1795435200000LL;
	c.bump = true;
	tap_ok(store_clicks_write(s, &c, 1) != KZ_OK,
	    "  a counted click of a missing link fails");
	c.bump = false;
	c.bot = true;
	tap_ok(store_clicks_write(s, &c, 1) != KZ_OK,
	    "  a bot's click of a missing link fails");
	tap_ok(raw_int(file, "SELECT count(*) FROM clicks") == rows,
	    "  nothing of them written");
	store_close(s);
}

static void
test_salt(struct store *s, const char *file)
{
	unsigned char	a[STORE_SALT_LEN], b[STORE_SALT_LEN];
	unsigned char	c[STORE_SALT_LEN], out[STORE_SALT_LEN];
	struct store	*s2;
	char		 err[512];

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(c, 'c', sizeof(c));
	tap_ok(store_salt(s, 100, a, out) == KZ_OK &&
	    memcmp(out, a, sizeof(a)) == 0, "store_salt: the first candidate");
	tap_ok(store_salt(s, 100, b, out) == KZ_OK &&
	    memcmp(out, a, sizeof(a)) == 0, "store_salt: then the stored one");
	tap_ok(store_salt(s, 101, b, out) == KZ_OK &&
	    memcmp(out, b, sizeof(b)) == 0, "store_salt: another day");
	tap_ok(store_salt(s, 100, c, out) == KZ_OK &&
	    memcmp(out, a, sizeof(a)) == 0, "store_salt: the first day again");
	s2 = store_open(file, BUSY_MS, err, sizeof(err));
	tap_ok(s2 != NULL && store_salt(s2, 101, c, out) == KZ_OK &&
	    memcmp(out, b, sizeof(b)) == 0,
	    "store_salt from another connection: the stored one");
	store_close(s2);
	tap_ok(store_salt(s, 103, c, out) == KZ_OK &&
	    memcmp(out, c, sizeof(c)) == 0, "store_salt: day 103");
	tap_ok(raw_int(file, "SELECT group_concat(day) FROM salts") == 103,
	    "  days before 102 pruned");
}

struct seen_keys {
	int		 n;
	char		 names[8][16];
	enum scope	 scopes[8];
	char		 shown[8][16];
	int64_t		 revoked[8];
	int64_t		 ids[8];
	int		 created_ok;
};

static void
key_cb(const struct key_info *k, void *arg)
{
	struct seen_keys	*sk = arg;
	int64_t			 now = (int64_t)time(NULL);

	if (sk->n == 8)
		return;
	snprintf(sk->names[sk->n], sizeof(sk->names[0]), "%s", k->name);
	snprintf(sk->shown[sk->n], sizeof(sk->shown[0]), "%s", k->shown);
	sk->scopes[sk->n] = k->scope;
	sk->revoked[sk->n] = k->revoked_at;
	sk->ids[sk->n] = k->id;
	if (k->created_at < now - 5 || k->created_at > now + 5)
		sk->created_ok = 0;
	sk->n++;
}

static void
test_keys(struct store *s)
{
	unsigned char		 h1[AUTH_HASH_LEN], h2[AUTH_HASH_LEN];
	unsigned char		 h3[AUTH_HASH_LEN], h4[AUTH_HASH_LEN];
	struct seen_keys	 sk;
	int64_t			 id1 = 0, id2 = 0;
	enum scope		 sc = SCOPE_NONE;

	auth_key_hash("kz_one", 6, h1);
	auth_key_hash("kz_two", 6, h2);
	auth_key_hash("kz_three", 8, h3);
	auth_key_hash("kz_four", 7, h4);

	tap_ok(store_key_create(s, "ci", SCOPE_WRITE, h1, "kz_one") == KZ_OK,
	    "store_key_create ci");
	tap_ok(store_key_create(s, "ci", SCOPE_READ, h2, "kz_two") ==
	    KZ_CONFLICT, "store_key_create ci again: conflict");
	tap_ok(store_key_create(s, "ro", SCOPE_READ, h2, "kz_two") == KZ_OK,
	    "store_key_create ro");
	tap_ok(store_key_create(s, "root", SCOPE_ADMIN, h4, "kz_four") ==
	    KZ_OK, "store_key_create root");

	tap_ok(store_key_find(s, h1, &id1, &sc) == KZ_OK && id1 > 0 &&
	    sc == SCOPE_WRITE, "store_key_find ci: write");
	sc = SCOPE_NONE;
	tap_ok(store_key_find(s, h2, &id2, &sc) == KZ_OK && id2 > 0 &&
	    id2 != id1 && sc == SCOPE_READ, "store_key_find ro: read");
	tap_ok(store_key_find(s, h4, &id2, &sc) == KZ_OK &&
	    sc == SCOPE_ADMIN, "store_key_find root: admin");
	tap_ok(store_key_find(s, h3, &id2, &sc) == KZ_UNAUTH,
	    "store_key_find unknown: unauth");

	tap_ok(store_key_revoke(s, "ci") == KZ_OK, "store_key_revoke ci");
	tap_ok(store_key_find(s, h1, &id1, &sc) == KZ_UNAUTH,
	    "  store_key_find ci: unauth");
	tap_ok(store_key_find(s, h2, &id2, &sc) == KZ_OK,
	    "  ro still works");
	tap_ok(store_key_revoke(s, "ci") == KZ_NOTFOUND,
	    "store_key_revoke ci again: not found");
	tap_ok(store_key_revoke(s, "nobody") == KZ_NOTFOUND,
	    "store_key_revoke nobody: not found");

	memset(&sk, 0, sizeof(sk));
	sk.created_ok = 1;
	tap_ok(store_key_each(s, key_cb, &sk) == KZ_OK, "store_key_each");
	if (tap_ok(sk.n == 3, "  3 keys")) {
		tap_ok(strcmp(sk.names[0], "ci") == 0 &&
		    strcmp(sk.names[1], "ro") == 0 &&
		    strcmp(sk.names[2], "root") == 0, "  oldest first");
		tap_ok(sk.scopes[0] == SCOPE_WRITE &&
		    sk.scopes[1] == SCOPE_READ && sk.scopes[2] == SCOPE_ADMIN,
		    "  scopes");
		tap_ok(strcmp(sk.shown[1], "kz_two") == 0, "  shown");
		tap_ok(sk.revoked[0] > 0 && sk.revoked[1] == 0 &&
		    sk.revoked[2] == 0, "  revoked_at");
		tap_ok(sk.ids[0] < sk.ids[1] && sk.ids[1] < sk.ids[2],
		    "  ids rise");
		tap_ok(sk.created_ok, "  created_at is now");
	}
}

/* Copy a file byte for byte; 0 on success. */
static int
copy_file(const char *from, const char *to)
{
	char	 buf[8192];
	FILE	*in, *out;
	size_t	 n;
	int	 rc = 0;

	if ((in = fopen(from, "rb")) == NULL)
		return -1;
	if ((out = fopen(to, "wb")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* Overwrite n pages of 4096 bytes from page first (1-based) with 0xff. */
static int
smash_pages(const char *file, long first, long n)
{
	char	 junk[4096];
	FILE	*f;
	long	 i;
	int	 rc = 0;

	memset(junk, 0xff, sizeof(junk));
	if ((f = fopen(file, "r+b")) == NULL)
		return -1;
	if (fseek(f, (first - 1) * 4096L, SEEK_SET) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++)
		if (fwrite(junk, 1, sizeof(junk), f) != sizeof(junk))
			rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/*
 * A writer in a process of its own: creates links w0, w1, ... and after
 * each commit writes how many it has made to fd. Never returns.
 */
static void
backup_writer(const char *file, int fd)
{
	struct store	*w;
	struct arena	*a;
	struct link	 l, out;
	char		 code[32], err[512];
	int		 n;

	if ((w = store_open(file, BUSY_MS, err, sizeof(err))) == NULL ||
	    (a = arena_create()) == NULL)
		_exit(1);
	for (n = 0;;) {
		snprintf(code, sizeof(code), "w%d", n);
		link_init(&l, "", code, "https://example.com/written");
		arena_reset(a);
		if (store_link_create(w, a, &l, 0, 7, &out) != KZ_OK)
			_exit(1);
		n++;
		if (write(fd, &n, sizeof(n)) != sizeof(n))
			_exit(1);
	}
}

#define BACKUP_PRELOAD	40000	/* links: some hundred pages, many steps */
#define BACKUP_ACKED	100	/* links the writer commits before the backup */

static void
test_backup(void)
{
	struct store_check	 k;
	struct store		*s;
	struct stat		 sb;
	const char		*live, *bk, *bk2, *bad, *fresh;
	char			 err[1024], sql[256], tmp[512];
	pid_t			 pid;
	int			 fds[2], n, acked = 0, status;
	long long		 pages;
	FILE			*f;

	live = path("bk-live.db");
	bk = path("bk-copy.db");
	bk2 = path("bk-second.db");
	bad = path("bk-bad.db");
	fresh = path("bk-fresh.db");
	s = store_open(live, BUSY_MS, err, sizeof(err));
	store_close(s);
	snprintf(sql, sizeof(sql), "WITH RECURSIVE n(i) AS (SELECT 1 UNION "
	    "ALL SELECT i + 1 FROM n WHERE i < %d) INSERT INTO links (code, "
	    "url, created_at, updated_at) SELECT 'p' || i, "
	    "'https://example.com/preloaded/' || i, 0, 0 FROM n",
	    BACKUP_PRELOAD);
	tap_ok(s != NULL && raw_exec(live, sql) == 0,
	    "backup: a database of %d links", BACKUP_PRELOAD);

	/* The writer is forked before this process opens the file. */
	if (pipe(fds) == -1)
		abort();
	fflush(stdout);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		close(fds[0]);
		backup_writer(live, fds[1]);
	}
	close(fds[1]);
	s = store_open(live, BUSY_MS, err, sizeof(err));
	if (!tap_ok(s != NULL, "backup: store_open while a writer runs")) {
		printf("#   %s\n", err);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(fds[0]);
		return;
	}

	tap_ok(store_check(s, false, &k) == KZ_OK && k.ok && k.problems == 0,
	    "store_check: integrity ok");
	tap_ok(k.kurz && k.schema == (int)migrations_count &&
	    k.schema_known == (int)migrations_count,
	    "  kurz's, schema version %zu of %zu", migrations_count,
	    migrations_count);
	tap_ok(k.page_size >= 512 && k.pages * k.page_size > 256 * 4096 &&
	    k.freelist >= 0 && k.wal_bytes >= 0,
	    "  %lld pages of %lld bytes, more than one step's",
	    (long long)k.pages, (long long)k.page_size);
	tap_ok(store_check(s, true, &k) == KZ_OK && k.ok,
	    "store_check quick: ok");

	/* Every link acknowledged before the backup begins is in the copy. */
	while (acked < BACKUP_ACKED && read(fds[0], &n, sizeof(n)) ==
	    sizeof(n))
		acked = n;
	err[0] = '\0';
	if (!tap_ok(store_backup(s, bk, err, sizeof(err)) == KZ_OK,
	    "store_backup while another process writes"))
		printf("#   %s\n", err);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(fds[0]);
	tap_ok(acked >= BACKUP_ACKED, "  %d links acknowledged before it",
	    acked);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM links WHERE code "
	    "GLOB 'w*' AND CAST(substr(code, 2) AS INTEGER) < %d", acked);
	tap_ok(raw_int(bk, sql) == acked, "  the copy holds every one of "
	    "them");
	tap_ok(raw_int(bk, "SELECT count(*) FROM links WHERE code GLOB "
	    "'p*'") == BACKUP_PRELOAD, "  and the %d preloaded",
	    BACKUP_PRELOAD);
	tap_ok(raw_int(bk, "SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check = 'ok'") == 1, "  integrity_check ok");
	tap_ok(raw_int(bk, "PRAGMA application_id") == 1802859130 &&
	    raw_int(bk, "PRAGMA user_version") == (long long)migrations_count,
	    "  application_id and user_version kept");
	tap_ok(raw_int(bk, "SELECT journal_mode = 'delete' FROM "
	    "pragma_journal_mode") == 1, "  a rollback-journal file, no WAL");
	tap_ok(stat(bk, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "  mode 0600");
	snprintf(tmp, sizeof(tmp), "%s.tmp", bk);
	tap_ok(access(tmp, F_OK) == -1, "  no temporary file left");
	tap_ok(store_health(s) == KZ_OK, "  the store still answers");

	/* A backup never replaces a file. */
	pages = raw_int(bk, "PRAGMA page_count");
	err[0] = '\0';
	tap_ok(store_backup(s, bk, err, sizeof(err)) == KZ_CONFLICT &&
	    strstr(err, "exists") != NULL, "store_backup to an existing "
	    "file: conflict, \"exists\"");
	tap_ok(raw_int(bk, "PRAGMA page_count") == pages &&
	    access(tmp, F_OK) == -1, "  the file is untouched");
	snprintf(tmp, sizeof(tmp), "%s.tmp", bk2);
	f = fopen(tmp, "w");
	if (f != NULL)
		fclose(f);
	tap_ok(store_backup(s, bk2, err, sizeof(err)) == KZ_CONFLICT &&
	    access(bk2, F_OK) == -1 && access(tmp, F_OK) == 0,
	    "store_backup when PATH.tmp exists: conflict, it is left alone");
	unlink(tmp);

	/* Restore refuses while any connection has the file open. */
	err[0] = '\0';
	tap_ok(store_restore(live, bk, err, sizeof(err)) == KZ_BUSY &&
	    strstr(err, "in use") != NULL,
	    "store_restore while a store is open: busy, \"in use\"");
	if (err[0] != '\0')
		printf("#   %s\n", err);
	store_close(s);
	tap_ok(raw_exec(live, "DELETE FROM links WHERE code GLOB 'p1*'") == 0 &&
	    raw_int(live, "SELECT count(*) FROM links WHERE code GLOB "
	    "'p*'") < BACKUP_PRELOAD, "links deleted from the live file");
	err[0] = '\0';
	if (!tap_ok(store_restore(live, bk, err, sizeof(err)) == KZ_OK,
	    "store_restore once it is closed"))
		printf("#   %s\n", err);
	tap_ok(raw_int(live, "SELECT count(*) FROM links WHERE code GLOB "
	    "'p*'") == BACKUP_PRELOAD && raw_int(live, sql) == acked,
	    "  the backup's links are back");
	s = store_open(live, BUSY_MS, err, sizeof(err));
	tap_ok(s != NULL && store_check(s, false, &k) == KZ_OK && k.ok,
	    "  store_open and store_check on it: ok");
	store_close(s);

	/* What restore refuses. */
	tap_ok(store_restore(fresh, path("other.db"), err, sizeof(err)) ==
	    KZ_INVALID && strstr(err, "not a kurz database") != NULL &&
	    access(fresh, F_OK) == -1, "store_restore from another program's "
	    "database: invalid, nothing made");
	tap_ok(store_restore(fresh, path("no-such.db"), err, sizeof(err)) ==
	    KZ_NOTFOUND, "store_restore from a missing file: not found");
	tap_ok(store_restore(live, live, err, sizeof(err)) == KZ_INVALID,
	    "store_restore of the database onto itself: invalid");
	tap_ok(store_restore(path("other.db"), bk, err, sizeof(err)) ==
	    KZ_INVALID && raw_int(path("other.db"), "SELECT count(*) FROM "
	    "accounts") == 1, "store_restore over another program's "
	    "database: invalid, untouched");
	tap_ok(copy_file(bk, bad) == 0 && smash_pages(bad, pages / 2, 8) == 0,
	    "a copy of the backup with 8 pages smashed");
	err[0] = '\0';
	tap_ok(store_restore(fresh, bad, err, sizeof(err)) == KZ_INVALID &&
	    strstr(err, "integrity") != NULL && access(fresh, F_OK) == -1,
	    "store_restore from it: invalid, \"integrity\", nothing made");
	if (err[0] != '\0')
		printf("#   %s\n", err);
	s = store_open(bad, BUSY_MS, err, sizeof(err));
	tap_ok(s != NULL && store_check(s, false, &k) == KZ_OK && !k.ok &&
	    k.problems > 0 && k.first[0] != '\0' && strchr(k.first, '\n') ==
	    NULL, "store_check on it: not ok, the first problem on one line");
	if (s != NULL)
		printf("#   %zu problems, the first: %s\n", k.problems,
		    k.first);
	tap_ok(s != NULL && store_check(s, true, &k) == KZ_OK && !k.ok,
	    "store_check quick on it: not ok");
	store_close(s);
	err[0] = '\0';
	tap_ok(store_restore(fresh, bk, err, sizeof(err)) == KZ_OK &&
	    raw_int(fresh, sql) == acked, "store_restore into a new file");
}

/*
 * Schemas 006 and 007 on a database of schema 005: the counts move out
 * of links into link_counts, unchanged; a link made afterwards, even by
 * a plain INSERT, reads a count of 0 without a row, and its first visit
 * makes the row; a link that does not exist gets none.
 */
static void
test_migrate_counts(void)
{
	struct arena	*a = arena_create();
	struct store	*s;
	struct link	 got;
	struct target	 t = { 0 };
	char		 err[1024];
	const char	*p = path("v5.db");
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < 5 && i < migrations_count; i++)
		ok &= raw_exec(p, migrations[i].sql) == 0;
	ok &= raw_exec(p, "PRAGMA user_version = 5; "
	    "INSERT INTO links (code, url, clicks, max_clicks, created_at, "
	    "updated_at) VALUES ('old', 'https://example.com/', 41, NULL, 1, "
	    "1), ('capped', 'https://example.com/c', 3, 3, 1, 1)") == 0;
	tap_ok(a != NULL && ok && migrations_count >= 6,
	    "a database of schema 5 with two counted links");
	s = store_open(p, BUSY_MS, err, sizeof(err));
	if (!tap_ok(s != NULL && store_schema_version(s) >= 6,
	    "store_open migrates it"))
		printf("#   %s\n", err);
	tap_ok(s != NULL && store_link_get(s, a, "", "old", &got) == KZ_OK &&
	    got.clicks == 41, "  the count of 41 kept");
	tap_ok(s != NULL && store_target(s, a, "", "capped", &t) == KZ_OK &&
	    t.max_clicks == 3 && t.clicks == 3, "  a capped link's count is "
	    "read for its redirect");
	tap_ok(s != NULL && t.id != 0 &&
	    store_link_take_visit(s, t.id) == KZ_GONE,
	    "  and it is used up");
	tap_ok(raw_int(p, "SELECT count(*) FROM pragma_table_info('links') "
	    "WHERE name = 'clicks'") == 0, "  links has no clicks column");
	tap_ok(raw_int(p, "SELECT sum(clicks) FROM link_counts") == 44,
	    "  link_counts holds 41 + 3");
	tap_ok(raw_exec(p, "INSERT INTO links (code, url, max_clicks, "
	    "created_at, updated_at) VALUES ('plain', 'https://example.com/p', "
	    "2, 1, 1)") == 0 &&
	    raw_int(p, "SELECT count(*) FROM link_counts WHERE link_id = "
	    "(SELECT id FROM links WHERE code = 'plain')") == 0,
	    "  a link made by a plain INSERT has no row in link_counts");
	memset(&t, 0, sizeof(t));
	tap_ok(s != NULL && store_link_get(s, a, "", "plain", &got) == KZ_OK &&
	    got.clicks == 0 && store_target(s, a, "", "plain", &t) == KZ_OK &&
	    t.clicks == 0, "  its count reads 0");
	tap_ok(s != NULL && t.id != 0 &&
	    store_link_take_visit(s, t.id) == KZ_OK &&
	    store_link_take_visit(s, t.id) == KZ_OK &&
	    store_link_take_visit(s, t.id) == KZ_GONE &&
	    raw_int(p, "SELECT clicks FROM link_counts WHERE link_id = "
	    "(SELECT id FROM links WHERE code = 'plain')") == 2,
	    "  its first visit makes the row; its cap of 2 holds");
	tap_ok(s != NULL && store_link_take_visit(s, t.id + 1000) == KZ_GONE &&
	    raw_int(p, "SELECT count(*) FROM link_counts WHERE link_id = "
	    "(SELECT max(id) FROM links) + 1000") == 0,
	    "  a visit to a link that does not exist makes no row");
	store_close(s);
	arena_free(a);
}

/*
 * Schema 008 on a database of schema 007, whose months are all whole: a
 * link's last month is left to its days, the months before it are kept
 * as they were, and the next fold makes the last month from its days.
 */
static void
test_migrate_folds(void)
{
	struct arena	*a = arena_create();
	struct store	*s;
	struct stats_top top[STATS_TOP_MAX];
	struct click	 c;
	char		 err[1024];
	const char	*p = path("v7.db");
	size_t		 i, n = 0;
	int		 ok = 1;

	for (i = 0; i < 7 && i < migrations_count; i++)
		ok &= raw_exec(p, migrations[i].sql) == 0;
	/* 2026-01-30 to 2026-02-02 (days 20483-20486): months 672 and 673. */
	ok &= raw_exec(p, "PRAGMA user_version = 7; "
	    "INSERT INTO links (id, code, url, created_at, updated_at) VALUES "
	    "(5, 'folds', 'https://example.com/f', 1, 1); "
	    "INSERT INTO link_dims (link_id, dim, day, value, visits, bots) "
	    "VALUES (5, 'referrer', 20483, 'a.example', 3, 1), "
	    "(5, 'referrer', 20484, 'b.example', 2, 0), "
	    "(5, 'referrer', 20485, 'a.example', 4, 0), "
	    "(5, 'referrer', 20486, 'b.example', 6, 2); "
	    "INSERT INTO link_dims_months (link_id, dim, month, value, visits, "
	    "bots) VALUES (5, 'referrer', 672, 'a.example', 3, 1), "
	    "(5, 'referrer', 672, 'b.example', 2, 0), "
	    "(5, 'referrer', 673, 'a.example', 4, 0), "
	    "(5, 'referrer', 673, 'b.example', 6, 2)") == 0;
	tap_ok(a != NULL && ok && migrations_count >= 8,
	    "a database of schema 7 with two whole months");
	s = store_open(p, BUSY_MS, err, sizeof(err));
	if (!tap_ok(s != NULL && store_schema_version(s) >= 8,
	    "store_open migrates it"))
		printf("#   %s\n", err);
	tap_ok(raw_int(p, "SELECT month FROM link_folds WHERE link_id = 5") ==
	    672 && raw_int(p, "SELECT count(*) FROM link_dims_months") == 2,
	    "  folded through month 672; the rows of 673 left to the days");
	tap_ok(raw_int(p, MONTHS_OFF_SQL) == 0,
	    "  the folded months sum to their days");
	tap_ok(s != NULL && store_stats_top(s, a, 5, "referrer", 20454, 20513,
	    true, top, &n) == KZ_OK && n == 2 &&
	    strcmp(top[0].value, "b.example") == 0 && top[0].n == 10 &&
	    strcmp(top[1].value, "a.example") == 0 && top[1].n == 8,
	    "  two whole months read as before: b 10, a 8");
	memset(&c, 0, sizeof(c));
	c.link_id = 5;
	c.ts_ms = 20520 * 86400000LL;	/* 2026-03-08 */
	c.bump = true;
	c.referrer_host = "a.example";
	tap_ok(s != NULL && store_clicks_write(s, &c, 1) == KZ_OK &&
	    raw_int(p, "SELECT month FROM link_folds WHERE link_id = 5") ==
	    673 && raw_int(p, MONTHS_OFF_SQL) == 0,
	    "  a click in March folds February from its days");
	tap_ok(s != NULL && store_stats_top(s, a, 5, "referrer", 20454, 20540,
	    false, top, &n) == KZ_OK && n == 2 &&
	    strcmp(top[0].value, "a.example") == 0 && top[0].n == 8 &&
	    strcmp(top[1].value, "b.example") == 0 && top[1].n == 8,
	    "  and the stats count it once: a 8, b 8");
	store_close(s);
	arena_free(a);
}

/*
 * Power loss, simulated: a VFS over the default one that remembers, for
 * the database and its WAL, every write and truncation not yet synced,
 * with what it overwrote. lossy_image() builds the files a power cut at
 * that moment would leave: the current ones with every unsynced change
 * undone, newest first.
 */
struct undo {
	char		 path[512];
	sqlite3_int64	 off, size;	/* what was at off, the size before */
	unsigned char	*old;
	int		 len;
};

static struct {
	sqlite3_vfs	 vfs;
	sqlite3_vfs	*real;
	struct undo	*u;
	size_t		 n, cap;
} lossy;

struct lossy_file {
	sqlite3_file	 base;
	char		 path[512];
	bool		 tracked;	/* the database or its WAL */
	sqlite3_file	 real[];	/* the default VFS's, szOsFile bytes */
};

#define REAL(f)	(((struct lossy_file *)(f))->real)

static void
lossy_forget(const char *p)
{
	size_t	i, k = 0;

	for (i = 0; i < lossy.n; i++) {
		if (strcmp(lossy.u[i].path, p) == 0)
			free(lossy.u[i].old);
		else
			lossy.u[k++] = lossy.u[i];
	}
	lossy.n = k;
}

/* Remember [off, off + len) of f and its size, before a change. */
static int
lossy_remember(sqlite3_file *f, sqlite3_int64 off, sqlite3_int64 len)
{
	struct lossy_file	*lf = (struct lossy_file *)f;
	struct undo		*u;
	sqlite3_int64		 size;
	int			 rc;

	if ((rc = REAL(f)->pMethods->xFileSize(REAL(f), &size)) != SQLITE_OK)
		return rc;
	if (lossy.n == lossy.cap) {
		lossy.cap = lossy.cap ? lossy.cap * 2 : 64;
		if ((u = reallocarray(lossy.u, lossy.cap, sizeof(*u))) == NULL)
			return SQLITE_NOMEM;
		lossy.u = u;
	}
	u = &lossy.u[lossy.n];
	snprintf(u->path, sizeof(u->path), "%s", lf->path);
	u->off = off;
	u->size = size;
	u->len = (int)(off >= size ? 0 : (off + len > size ? size - off : len));
	if ((u->old = malloc((size_t)u->len + 1)) == NULL)
		return SQLITE_NOMEM;
	if (u->len > 0 && (rc = REAL(f)->pMethods->xRead(REAL(f), u->old,
	    u->len, off)) != SQLITE_OK) {
		free(u->old);
		return rc;
	}
	lossy.n++;
	return SQLITE_OK;
}

static int
lossy_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
lossy_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
lossy_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	int	rc;

	if (((struct lossy_file *)f)->tracked &&
	    (rc = lossy_remember(f, off, n)) != SQLITE_OK)
		return rc;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int
lossy_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	sqlite3_int64	now;
	int		rc;

	if (((struct lossy_file *)f)->tracked) {
		if ((rc = REAL(f)->pMethods->xFileSize(REAL(f), &now)) !=
		    SQLITE_OK)
			return rc;
		if (now > size && (rc = lossy_remember(f, size, now - size)) !=
		    SQLITE_OK)
			return rc;
	}
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
lossy_sync(sqlite3_file *f, int flags)
{
	int	rc;

	if ((rc = REAL(f)->pMethods->xSync(REAL(f), flags)) == SQLITE_OK)
		lossy_forget(((struct lossy_file *)f)->path);
	return rc;
}

static int
lossy_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
lossy_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
lossy_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
lossy_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
lossy_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
lossy_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
lossy_caps(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
lossy_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}

static int
lossy_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
lossy_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
lossy_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* No memory mapping: every write goes through lossy_write. */
static int
lossy_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	(void)f, (void)off, (void)n;
	*p = NULL;
	return SQLITE_OK;
}

static int
lossy_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	(void)f, (void)off, (void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods lossy_methods = {
	3, lossy_close, lossy_read, lossy_write, lossy_truncate, lossy_sync,
	lossy_size, lossy_lock, lossy_unlock, lossy_reserved, lossy_fcntl,
	lossy_sector, lossy_caps, lossy_shm_map, lossy_shm_lock,
	lossy_shm_barrier, lossy_shm_unmap, lossy_fetch, lossy_unfetch
};

static int
lossy_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	struct lossy_file	*lf = (struct lossy_file *)f;
	int			 rc;

	(void)vfs;
	memset(lf, 0, sizeof(*lf));
	snprintf(lf->path, sizeof(lf->path), "%s", name ? name : "");
	lf->tracked = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
	rc = lossy.real->xOpen(lossy.real, name, lf->real, flags, out);
	/* SQLite calls xClose only when pMethods is set. */
	if (rc == SQLITE_OK && lf->real->pMethods != NULL)
		lf->base.pMethods = &lossy_methods;
	return rc;
}

static int
lossy_delete(sqlite3_vfs *v, const char *name, int dirsync)
{
	(void)v;
	lossy_forget(name);
	return lossy.real->xDelete(lossy.real, name, dirsync);
}

static int
lossy_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return lossy.real->xAccess(lossy.real, name, flags, out);
}

static int
lossy_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return lossy.real->xFullPathname(lossy.real, name, n, out);
}

static int
lossy_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return lossy.real->xRandomness(lossy.real, n, out);
}

static int
lossy_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return lossy.real->xSleep(lossy.real, us);
}

static int
lossy_time(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return lossy.real->xCurrentTimeInt64(lossy.real, out);
}

static int
lossy_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return lossy.real->xGetLastError(lossy.real, n, out);
}

/* Make the lossy VFS the default; 0 on success. */
static int
lossy_install(void)
{
	if ((lossy.real = sqlite3_vfs_find(NULL)) == NULL ||
	    lossy.real->iVersion < 2)
		return -1;
	memset(&lossy.vfs, 0, sizeof(lossy.vfs));
	lossy.vfs.iVersion = 2;
	lossy.vfs.szOsFile = (int)sizeof(struct lossy_file) +
	    lossy.real->szOsFile;
	lossy.vfs.mxPathname = lossy.real->mxPathname;
	lossy.vfs.zName = "lossy";
	lossy.vfs.xOpen = lossy_open;
	lossy.vfs.xDelete = lossy_delete;
	lossy.vfs.xAccess = lossy_access;
	lossy.vfs.xFullPathname = lossy_full;
	lossy.vfs.xRandomness = lossy_random;
	lossy.vfs.xSleep = lossy_sleep;
	lossy.vfs.xCurrentTimeInt64 = lossy_time;
	lossy.vfs.xGetLastError = lossy_error;
	return sqlite3_vfs_register(&lossy.vfs, 1) == SQLITE_OK ? 0 : -1;
}

static void
lossy_remove(void)
{
	(void)sqlite3_vfs_unregister(&lossy.vfs);
	while (lossy.n > 0)
		free(lossy.u[--lossy.n].old);
	free(lossy.u);
	memset(&lossy, 0, sizeof(lossy));
}

/* Unsynced changes to the file at p. */
static size_t
lossy_pending(const char *p)
{
	size_t	i, n = 0;

	for (i = 0; i < lossy.n; i++)
		n += strcmp(lossy.u[i].path, p) == 0;
	return n;
}

/*
 * Copy the file at from to to as a power cut would leave it; a file
 * that does not exist is not made. 0 on success.
 */
static int
lossy_copy(const char *from, const char *to)
{
	FILE		*in, *out;
	struct undo	*u;
	char		 buf[65536];
	size_t		 n, i;
	int		 ok = 1;

	if ((in = fopen(from, "rb")) == NULL)
		return 0;
	if ((out = fopen(to, "w+b")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok &= fwrite(buf, 1, n, out) == n;
	fclose(in);
	for (i = lossy.n; ok && i-- > 0; ) {
		u = &lossy.u[i];
		if (strcmp(u->path, from) != 0)
			continue;
		ok &= fseeko(out, (off_t)u->off, SEEK_SET) == 0 &&
		    fwrite(u->old, 1, (size_t)u->len, out) == (size_t)u->len &&
		    fflush(out) == 0 &&
		    ftruncate(fileno(out), (off_t)u->size) == 0;
	}
	ok &= fclose(out) == 0;
	return ok ? 0 : -1;
}

/* The database at p as a power cut now would leave it, at img. */
static int
lossy_image(const char *p, const char *img)
{
	char	from[512], to[512];

	snprintf(from, sizeof(from), "%s-wal", p);
	snprintf(to, sizeof(to), "%s-wal", img);
	lossy_forget(img);
	lossy_forget(to);
	unlink(img);
	unlink(to);
	return lossy_copy(p, img) == 0 && lossy_copy(from, to) == 0 ? 0 : -1;
}

/*
 * An acknowledged write survives power loss: after store_link_create()
 * returns, nothing written to the database or its WAL is unsynced, and
 * the file a power cut would leave holds the link. And the check can
 * fail: a plain connection at synchronous = NORMAL leaves its commit
 * unsynced, and the image lacks it.
 */
static void
test_power_loss(void)
{
	struct arena	*a = arena_create();
	struct store	*s;
	struct link	 l, out;
	sqlite3		*db;
	char		 err[512], wal[512];
	const char	*p = path("lossy.db"), *img = path("lossy-img.db");
	size_t		 i;
	int		 created = 0, synced = 0, kept = 0;

	if (!tap_ok(lossy_install() == 0, "a VFS that forgets unsynced writes"))
		return;
	snprintf(wal, sizeof(wal), "%s-wal", p);
	s = store_open(p, BUSY_MS, err, sizeof(err));
	tap_ok(s != NULL, "store_open through it");
	for (i = 0; s != NULL && i < 20; i++) {
		char	code[16], url[64];

		snprintf(code, sizeof(code), "pl%zu", i);
		snprintf(url, sizeof(url), "https://example.com/pl/%zu", i);
		link_init(&l, "", code, url);
		if (store_link_create(s, a, &l, 0, 7, &out) != KZ_OK)
			break;
		created++;
		synced += lossy_pending(p) == 0 && lossy_pending(wal) == 0;
		if (lossy_image(p, img) == 0 && raw_int(img,
		    "SELECT count(*) FROM links WHERE code LIKE 'pl%'") ==
		    (int64_t)created)
			kept++;
	}
	tap_ok(created == 20, "20 links created");
	tap_ok(synced == created, "  after each, no unsynced write to the "
	    "database or its WAL (%d of %d)", synced, created);
	tap_ok(kept == created, "  after each, a power cut would keep every "
	    "link so far (%d of %d)", kept, created);
	store_close(s);

	/* The control: without a sync after the commit, the image loses it. */
	if (sqlite3_open(p, &db) == SQLITE_OK &&
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; "
	    "INSERT INTO links (code, url, created_at, updated_at) "
	    "VALUES ('unsynced', 'https://example.com/u', 1, 1)", NULL, NULL,
	    NULL) == SQLITE_OK) {
		tap_ok(lossy_pending(wal) > 0, "a plain commit at NORMAL leaves "
		    "%zu unsynced writes to the WAL", lossy_pending(wal));
		tap_ok(lossy_image(p, img) == 0 && raw_int(img,
		    "SELECT count(*) FROM links WHERE code = 'unsynced'") == 0,
		    "  and a power cut would lose it");
	} else
		tap_ok(0, "a plain connection: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	lossy_remove();
	arena_free(a);
}

/*
 * A reader that always has a read open on a snapshot taken a moment
 * ago, as the redirects of a busy instance have: each read lasts 20 ms,
 * the next begins at once.
 */
struct reader {
	const char	*file;
	volatile int	 stop;
	long		 reads;
};

static void *
reader_run(void *arg)
{
	struct reader		*r = arg;
	struct timespec		 hold = { 0, 20 * 1000 * 1000 };
	sqlite3			*db;
	sqlite3_stmt		*st;

	if (sqlite3_open(r->file, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM links", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	while (!r->stop) {
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			break;
		if (sqlite3_step(st) == SQLITE_ROW)
			r->reads++;
		nanosleep(&hold, NULL);
		sqlite3_reset(st);
		(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

static long long
file_size(const char *file)
{
	struct stat	sb;

	return stat(file, &sb) == 0 ? (long long)sb.st_size : -1;
}

/*
 * Under constant traffic the WAL must not grow without end: the flush
 * connection empties it once it holds 64 MiB, though a reader is in it
 * at every commit. 240 MiB of clicks are written (user agents of 12,000
 * bytes, three pages a click); without that the WAL grows with them (to
 * 135 MiB, measured), as no checkpoint after a commit copies it all.
 * The reader begins again the moment it ends, on the same slot: one
 * long try of the checkpoint waited on it in vain, and the WAL reached
 * 77-95 MiB; a commit adds 1.25 MiB, so 72 leaves room for six misses.
 */
static void
test_wal_restart(void)
{
	struct arena	*a = arena_create();
	struct store	*s, *fs;
	struct link	 l, out;
	struct click	 c[100];
	struct reader	 r;
	pthread_t	 th;
	char		 err[512], wal[512], ua[12001];
	const char	*file = path("restart.db");
	long long	 before, after, max = 0, rows;
	size_t		 i, k;
	bool		 ok, started;

	snprintf(wal, sizeof(wal), "%s-wal", file);
	s = store_open(file, BUSY_MS, err, sizeof(err));
	fs = store_open(file, BUSY_MS, err, sizeof(err));
	link_init(&l, "", "busy", "https://example.com/busy");
	if (!tap_ok(s != NULL && fs != NULL && store_clicks_only(fs) == 0 &&
	    store_link_create(s, a, &l, 0, 7, &out) == KZ_OK,
	    "a flush connection and a link")) {
		store_close(fs);
		store_close(s);
		arena_free(a);
		return;
	}
	memset(ua, 'u', sizeof(ua) - 1);
	ua[sizeof(ua) - 1] = '\0';
	memset(&r, 0, sizeof(r));
	r.file = file;
	started = ok = tap_ok(pthread_create(&th, NULL, reader_run, &r) == 0,
	    "a reader thread");
	before = raw_int(file, "SELECT count(*) FROM clicks");
	for (k = 0; ok && k < 200; k++) {
		memset(c, 0, sizeof(c));
		for (i = 0; i < KZ_ARRAY_SIZE(c); i++) {
			c[i].link_id = out.id;
			c[i].ts_ms = 1795435200000LL + (int64_t)(k * 100 + i);
			c[i].bump = true;
			c[i].user_agent = ua;
			c[i].browser = "Firefox";
		}
		ok = store_clicks_write(fs, c, KZ_ARRAY_SIZE(c)) == KZ_OK;
		if (file_size(wal) > max)
			max = file_size(wal);
	}
	r.stop = 1;
	if (started)
		pthread_join(th, NULL);
	after = raw_int(file, "SELECT count(*) FROM clicks");
	rows = after - before;
	tap_ok(ok && rows == 20000, "20,000 clicks of 12 KB written (%lld)",
	    rows);
	tap_ok(r.reads >= 10, "the reader read all along (%ld reads)",
	    r.reads);
	tap_ok(max > 0 && max <= 72 * 1048576,
	    "the WAL stayed within 72 MiB: at most %.1f MiB",
	    (double)max / 1048576);
	store_close(fs);
	store_close(s);
	arena_free(a);
}

int
main(void)
{
	struct store	*s;
	struct arena	*a;
	struct link	 got;
	char		 err[512];
	const char	*file;

	if (!tap_ok(sodium_init() >= 0, "sodium_init"))
		return tap_done();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kurz-t_store.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		tap_ok(0, "mkdtemp");
		return tap_done();
	}

	test_open();
	test_race();

	file = path("kurz.db");
	a = arena_create();
	s = store_open(file, BUSY_MS, err, sizeof(err));
	if (!tap_ok(s != NULL, "store_open %s", file)) {
		printf("#   %s\n", err);
		cleanup();
		return tap_done();
	}
	test_links(s, a);
	test_target(s, a);
	test_visits(s, a, file);
	test_months(s, a, file);
	test_clicks_only(file);
	test_salt(s, file);
	test_keys(s);
	store_close(s);

	/* Everything is still there after a reopen. */
	s = store_open(file, BUSY_MS, err, sizeof(err));
	tap_ok(s != NULL && store_link_get(s, a, "", "docs", &got) == KZ_OK &&
	    strcmp(got.url, "https://example.com/handbook") == 0,
	    "reopened: the link is there");
	store_close(s);
	arena_free(a);

	test_backup();
	test_migrate_counts();
	test_migrate_folds();
	test_power_loss();
	test_wal_restart();

	cleanup();
	tap_ok(access(tmpdir, F_OK) == -1, "temporary directory removed");
	return tap_done();
}
