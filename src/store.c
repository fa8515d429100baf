/*
 * store.c - SQLite: the only file that includes sqlite3.h.
 *
 * One connection per process, opened after start (never across fork).
 * Every statement is prepared once in store_open() and reset after each
 * use, so that no reader pins the WAL. Every transaction that writes
 * begins IMMEDIATE and so waits for the write lock under busy_timeout
 * instead of failing half-way with SQLITE_BUSY_SNAPSHOT.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "arena.h"
#include "codes.h"
#include "log.h"
#include "migrations.h"
#include "store.h"

#define STORE_APP_ID	1802859130	/* 'kurz', PRAGMA application_id */
#define STORE_GEN_TRIES	16		/* generated codes tried per create */
#define TAG_SEP		"\x1f"		/* tags cannot hold control characters */
#define BACKUP_STEP_PAGES 256	/* pages a backup copies per step */
#define BACKUP_PAUSE_MS	2	/* between steps: the workers' disk too */
#define BUSY_PAUSE_MS	10	/* between tries of a busy backup step */
#define BUSY_TRY_MAX_US	1000	/* the longest pause of a waiting write */
#define CHECKPOINT_PAGES 1000	/* SQLite's automatic checkpoint, kept */
#define TRUNCATE_PAGES 16384	/* 64 MiB of 4 KiB pages */
#define TRUNCATE_WAIT_MS 50	/* how long it waits for the lock, for readers */
#define TRUNCATE_TRY_MS 2	/* of that, what one try of it waits */
#define CLOSE_WAIT_MS	250	/* the checkpoint at close, for the others */

enum st {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_HEALTH,
	ST_LINK_INSERT,
	ST_TAG_INSERT,
	ST_LINK_GET,
	ST_LINK_BY_ID,
	ST_LINK_UPDATE,
	ST_LINK_TAGS_CLEAR,
	ST_LINK_DELETE,
	ST_LINK_RESTORE,
	ST_LINK_LIST,
	ST_LINK_COUNT,
	ST_LINK_PAGE,
	ST_LINK_IMPORT,
	ST_IDEM_GET,
	ST_IDEM_PUT,
	ST_IDEM_PRUNE,
	ST_PW_FAIL,
	ST_PW_COUNT,
	ST_PW_PRUNE,
	ST_TARGET,
	ST_TAKE_VISIT,
	ST_CLICK_INSERT,
	ST_LINK_BUMP,
	ST_VISITOR_ADD,
	ST_HOUR_ADD,
	ST_DAY_ADD,
	ST_DIM_ADD,
	ST_DIM_MONTH_ADD,
	ST_FOLD_GET,
	ST_FOLD_CLEAR,
	ST_FOLD_DIMS,
	ST_FOLD_SET,
	ST_LINK_EXISTS,
	ST_MISS_ADD,
	ST_SALT_PUT,
	ST_SALT_GET,
	ST_SALT_PRUNE,
	ST_STATS_DAYS,
	ST_STATS_HOURS,
	ST_STATS_DIM,
	ST_CLICKS_PAGE,
	ST_CLICKS_NEXT,
	ST_INST_LINKS,
	ST_INST_TODAY,
	ST_INST_TOP_LINKS,
	ST_INST_TOP_MISSES,
	ST_PRUNE_CLICKS,
	ST_PRUNE_VISITORS,
	ST_KEY_INSERT,
	ST_KEY_FIND,
	ST_KEY_REVOKE,
	ST_KEY_EACH,
	ST_SESSION_INSERT,
	ST_SESSION_FIND,
	ST_SESSION_DELETE,
	ST_SESSION_EXPIRE,
	ST__MAX
};

#define LINK_COLS \
	"l.id, l.domain, l.code, l.url, l.title, " \
	"(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM " \
	"link_tags t WHERE t.link_id = l.id ORDER BY pos)), " \
	"l.redirect_status, l.expires_at, l.max_clicks, " \
	"coalesce((SELECT clicks FROM link_counts n WHERE n.link_id = l.id), " \
	"0), " \
	"l.created_at, l.updated_at, l.deleted_at, l.version, l.notes, " \
	"l.forward_query, l.password_hash"

static const char *const st_sql[ST__MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_HEALTH] = "SELECT count(*) FROM (SELECT 1 FROM links LIMIT 1)",
	[ST_LINK_INSERT] =
	    "INSERT INTO links (domain, code, url, title, redirect_status, "
	    "expires_at, max_clicks, created_at, updated_at, key_id, notes, "
	    "forward_query, password_hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12)",
	[ST_LINK_BY_ID] =
	    "SELECT " LINK_COLS " FROM links l WHERE l.id = ?1",
	/* Each field changes only when its flag is set; NULL clears. */
	[ST_LINK_UPDATE] =
	    "UPDATE links SET "
	    "url = CASE WHEN ?2 THEN ?3 ELSE url END, "
	    "title = CASE WHEN ?4 THEN ?5 ELSE title END, "
	    "notes = CASE WHEN ?6 THEN ?7 ELSE notes END, "
	    "redirect_status = CASE WHEN ?8 THEN ?9 ELSE redirect_status END, "
	    "forward_query = CASE WHEN ?10 THEN ?11 ELSE forward_query END, "
	    "password_hash = CASE WHEN ?12 THEN ?13 ELSE password_hash END, "
	    "expires_at = CASE WHEN ?14 THEN ?15 ELSE expires_at END, "
	    "max_clicks = CASE WHEN ?16 THEN ?17 ELSE max_clicks END, "
	    "updated_at = ?18, version = version + 1 WHERE id = ?1",
	[ST_LINK_TAGS_CLEAR] =
	    "DELETE FROM link_tags WHERE link_id = ?1",
	[ST_LINK_DELETE] =
	    "UPDATE links SET deleted_at = ?2, updated_at = ?2, "
	    "version = version + 1 WHERE id = ?1",
	[ST_LINK_RESTORE] =
	    "UPDATE links SET deleted_at = NULL, updated_at = ?2, "
	    "version = version + 1 WHERE id = ?1",
	/* Newest first, below the cursor; every filter optional. */
	[ST_LINK_LIST] =
	    "SELECT " LINK_COLS " FROM links l WHERE l.id < ?1 "
	    "AND (?2 IS NULL OR l.domain = ?2) "
	    "AND (CASE WHEN ?3 THEN l.deleted_at IS NOT NULL "
	    "ELSE l.deleted_at IS NULL END) "
	    "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM link_tags t "
	    "WHERE t.tag = ?4 AND t.link_id = l.id)) "
	    "AND (?5 IS NULL OR l.code LIKE ?5 ESCAPE '\\' "
	    "OR l.url LIKE ?5 ESCAPE '\\' OR l.title LIKE ?5 ESCAPE '\\') "
	    "ORDER BY l.id DESC LIMIT ?6",
	[ST_LINK_COUNT] =
	    "SELECT count(*) FROM links l WHERE "
	    "(?2 IS NULL OR l.domain = ?2) "
	    "AND (CASE WHEN ?3 THEN l.deleted_at IS NOT NULL "
	    "ELSE l.deleted_at IS NULL END) "
	    "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM link_tags t "
	    "WHERE t.tag = ?4 AND t.link_id = l.id)) "
	    "AND (?5 IS NULL OR l.code LIKE ?5 ESCAPE '\\' "
	    "OR l.url LIKE ?5 ESCAPE '\\' OR l.title LIKE ?5 ESCAPE '\\')",
	[ST_LINK_PAGE] =
	    "SELECT " LINK_COLS " FROM links l WHERE l.id > ?1 "
	    "ORDER BY l.id LIMIT ?2",
	[ST_LINK_IMPORT] =
	    "INSERT INTO links (domain, code, url, title, notes, "
	    "redirect_status, forward_query, password_hash, expires_at, "
	    "max_clicks, created_at, updated_at, deleted_at, version) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14)",
	[ST_IDEM_GET] =
	    "SELECT request_hash, status, location, body FROM idempotency_keys "
	    "WHERE key_id = ?1 AND idem_key = ?2 AND created_at > ?3",
	[ST_IDEM_PUT] =
	    "INSERT OR REPLACE INTO idempotency_keys (key_id, idem_key, "
	    "request_hash, status, location, body, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_IDEM_PRUNE] =
	    "DELETE FROM idempotency_keys WHERE created_at <= ?1",
	[ST_PW_FAIL] =
	    "INSERT INTO password_failures (link_id, client, ts) "
	    "VALUES (?1, ?2, ?3)",
	[ST_PW_COUNT] =
	    "SELECT count(*) FROM password_failures "
	    "WHERE link_id = ?1 AND client = ?2 AND ts > ?3",
	[ST_PW_PRUNE] =
	    "DELETE FROM password_failures WHERE link_id = ?1 AND ts <= ?2",
	[ST_TAG_INSERT] =
	    "INSERT INTO link_tags (link_id, pos, tag) VALUES (?1, ?2, ?3)",
	[ST_LINK_GET] =
	    "SELECT " LINK_COLS " FROM links l "
	    "WHERE l.domain = ?1 AND l.code = ?2 COLLATE NOCASE",
	/*
	 * The Host's link first, then the default domain's: UNION ALL runs
	 * its halves in order and LIMIT stops it at the first row. An IN
	 * list with ORDER BY would sort in a temporary B-tree, which SQLite
	 * opens and closes (its own pager and page cache) on every redirect.
	 * The count is read only for a capped link, which needs it.
	 */
#define TARGET_COLS \
	    "SELECT id, url, redirect_status, expires_at, max_clicks, " \
	    "deleted_at IS NOT NULL, forward_query, password_hash, " \
	    "CASE WHEN max_clicks IS NULL THEN 0 ELSE coalesce((SELECT " \
	    "clicks FROM link_counts n WHERE n.link_id = links.id), 0) END " \
	    "FROM links "
	[ST_TARGET] =
	    TARGET_COLS "WHERE domain = ?1 AND code = ?2 COLLATE NOCASE "
	    "UNION ALL "
	    TARGET_COLS "WHERE domain = '' AND code = ?2 COLLATE NOCASE "
	    "LIMIT 1",
#undef TARGET_COLS
	/*
	 * A link's row in link_counts comes with its first visit (schema 7);
	 * made from the link's own row, so that one that does not exist
	 * gets none, and changes() tells.
	 */
	[ST_TAKE_VISIT] =
	    "INSERT INTO link_counts (link_id, clicks) "
	    "SELECT id, 1 FROM links WHERE id = ?1 "
	    "ON CONFLICT (link_id) DO UPDATE SET clicks = clicks + 1 "
	    "WHERE clicks < coalesce((SELECT max_clicks FROM links "
	    "WHERE id = ?1), clicks + 1)",
	[ST_CLICK_INSERT] =
	    "INSERT INTO clicks (link_id, ts, referrer, user_agent, bot, "
	    "visitor, referrer_host, browser, os, device, country) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_LINK_BUMP] =
	    "INSERT INTO link_counts (link_id, clicks) "
	    "SELECT id, ?2 FROM links WHERE id = ?1 "
	    "ON CONFLICT (link_id) DO UPDATE SET clicks = clicks + ?2",
	[ST_VISITOR_ADD] =
	    "INSERT OR IGNORE INTO link_visitors (link_id, day, visitor) "
	    "VALUES (?1, ?2, ?3)",
	[ST_HOUR_ADD] =
	    "INSERT INTO link_hours (link_id, hour, visits, bots) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET "
	    "visits = visits + excluded.visits, bots = bots + excluded.bots",
	[ST_DAY_ADD] =
	    "INSERT INTO link_days (link_id, day, visits, bots, uniques) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET "
	    "visits = visits + excluded.visits, bots = bots + excluded.bots, "
	    "uniques = uniques + excluded.uniques",
	[ST_DIM_ADD] =
	    "INSERT INTO link_dims (link_id, day, dim, value, visits, bots) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET "
	    "visits = visits + excluded.visits, bots = bots + excluded.bots",
	[ST_DIM_MONTH_ADD] =
	    "INSERT INTO link_dims_months (link_id, month, dim, value, visits, "
	    "bots) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET "
	    "visits = visits + excluded.visits, bots = bots + excluded.bots",
	/* Months of a link's dimensions: see fold() and 008_folds. */
	[ST_FOLD_GET] =
	    "SELECT month FROM link_folds WHERE link_id = ?1",
	[ST_FOLD_CLEAR] =
	    "DELETE FROM link_dims_months WHERE link_id = ?1 AND "
	    "month BETWEEN ?2 AND ?3",
	/*
	 * The months of 005_rollups, which store_month() computes too; the
	 * dimensions of store_clicks_write(), each sought by the key.
	 */
	[ST_FOLD_DIMS] =
	    "INSERT INTO link_dims_months (link_id, dim, month, value, visits, "
	    "bots) SELECT link_id, dim, "
	    "(CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) - 1970) "
	    "* 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) "
	    "- 1, value, sum(visits), sum(bots) FROM link_dims "
	    "WHERE link_id = ?1 AND dim IN ('referrer', 'browser', 'os', "
	    "'device', 'country') AND day BETWEEN ?2 AND ?3 GROUP BY 2, 3, 4",
	[ST_FOLD_SET] =
	    "INSERT INTO link_folds (link_id, month) VALUES (?1, ?2) "
	    "ON CONFLICT DO UPDATE SET month = excluded.month",
	[ST_LINK_EXISTS] =
	    "SELECT 1 FROM links WHERE id = ?1",
	[ST_MISS_ADD] =
	    "INSERT INTO misses (code, day, visits) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT DO UPDATE SET visits = visits + excluded.visits",
	[ST_SALT_PUT] =
	    "INSERT OR IGNORE INTO salts (day, salt) VALUES (?1, ?2)",
	[ST_SALT_GET] =
	    "SELECT salt FROM salts WHERE day = ?1",
	[ST_SALT_PRUNE] =
	    "DELETE FROM salts WHERE day < ?1",
	[ST_STATS_DAYS] =
	    "SELECT day, visits, uniques, bots FROM link_days "
	    "WHERE link_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
	[ST_STATS_HOURS] =
	    "SELECT hour, visits, 0, bots FROM link_hours "
	    "WHERE link_id = ?1 AND hour BETWEEN ?2 AND ?3 ORDER BY hour",
	/*
	 * The rows of a dimension in a range: the days before the first
	 * whole month of the range (?3-?4), the whole months (?6-?7), the
	 * days after the last (?8-?9); an empty part is bound as 1-0. They
	 * are added up by value in C (store_stats_top): SQLite's GROUP BY
	 * sorted them first, 40% of the time of a year's stats of a link
	 * with 300 referrers a day.
	 */
	[ST_STATS_DIM] =
	    "SELECT value, visits + ?5 * bots FROM link_dims "
	    "WHERE link_id = ?1 AND dim = ?2 AND day BETWEEN ?3 AND ?4 "
	    "UNION ALL SELECT value, visits + ?5 * bots FROM link_dims_months "
	    "WHERE link_id = ?1 AND dim = ?2 AND month BETWEEN ?6 AND ?7 "
	    "UNION ALL SELECT value, visits + ?5 * bots FROM link_dims "
	    "WHERE link_id = ?1 AND dim = ?2 AND day BETWEEN ?8 AND ?9",
	[ST_CLICKS_PAGE] =
	    "SELECT id, ts, bot, referrer, referrer_host, user_agent, browser, "
	    "os, device, country, hex(visitor) FROM clicks "
	    "WHERE link_id = ?1 AND (ts, id) > (?2, ?3) ORDER BY ts, id "
	    "LIMIT ?4",
	/* The last click of the page and the first after it, if any. */
	[ST_CLICKS_NEXT] =
	    "SELECT ts, id FROM clicks WHERE link_id = ?1 AND (ts, id) > "
	    "(?2, ?3) ORDER BY ts, id LIMIT 2 OFFSET ?4 - 1",
	[ST_INST_LINKS] =
	    "SELECT count(*), coalesce(sum(n.clicks), 0) FROM links l "
	    "LEFT JOIN link_counts n ON n.link_id = l.id "
	    "WHERE l.deleted_at IS NULL",
	[ST_INST_TODAY] =
	    "SELECT coalesce(sum(visits), 0), coalesce(sum(uniques), 0), "
	    "coalesce(sum(bots), 0) FROM link_days WHERE day = ?1",
	[ST_INST_TOP_LINKS] =
	    "SELECT CASE l.domain WHEN '' THEN l.code "
	    "ELSE l.domain || '/' || l.code END, n.clicks FROM link_counts n "
	    "JOIN links l ON l.id = n.link_id "
	    "WHERE l.deleted_at IS NULL AND n.clicks > 0 "
	    "ORDER BY n.clicks DESC LIMIT 10",
	[ST_INST_TOP_MISSES] =
	    "SELECT code, sum(visits) AS n FROM misses WHERE day >= ?1 "
	    "GROUP BY code ORDER BY n DESC, code LIMIT 10",
	[ST_PRUNE_CLICKS] =
	    "DELETE FROM clicks WHERE ts < ?1",
	[ST_PRUNE_VISITORS] =
	    "DELETE FROM link_visitors WHERE day < ?1",
	[ST_KEY_INSERT] =
	    "INSERT INTO api_keys (name, hash, shown, scope, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_KEY_FIND] =
	    "SELECT id, scope FROM api_keys "
	    "WHERE hash = ?1 AND revoked_at IS NULL",
	[ST_KEY_REVOKE] =
	    "UPDATE api_keys SET revoked_at = ?2 "
	    "WHERE name = ?1 AND revoked_at IS NULL",
	[ST_KEY_EACH] =
	    "SELECT id, name, shown, scope, created_at, revoked_at "
	    "FROM api_keys ORDER BY id",
	[ST_SESSION_INSERT] =
	    "INSERT INTO admin_sessions (hash, key_id, csrf, created_at, "
	    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	/* A revoked key's sessions end with it. */
	[ST_SESSION_FIND] =
	    "SELECT s.key_id, k.scope, k.name, s.csrf "
	    "FROM admin_sessions s JOIN api_keys k ON k.id = s.key_id "
	    "WHERE s.hash = ?1 AND s.expires_at > ?2 AND k.revoked_at IS NULL",
	[ST_SESSION_DELETE] =
	    "DELETE FROM admin_sessions WHERE hash = ?1",
	[ST_SESSION_EXPIRE] =
	    "DELETE FROM admin_sessions WHERE expires_at <= ?1",
};

struct store {
	char		*path;
	bool		 readonly;	/* opened read-only: its file system is */
	sqlite3		*db;
	sqlite3_stmt	*st[ST__MAX];
	unsigned	 busy_ms;
	unsigned	 wait_ms;	/* the busy timeout in force */
	int64_t		 salt_day;	/* the day salt is for; -1: none */
	unsigned char	 salt[STORE_SALT_LEN];
	bool		 clicks_only;	/* store_clicks_only() */
	atomic_bool	 cancel;	/* store_clicks_cancel() */
	int64_t		 busy_since_us;	/* the first refusal of a wait */
	/*
	 * store_clicks_write()'s room, kept from batch to batch: megabytes
	 * that malloc would take from and give back to the kernel each time,
	 * page faults and TLB shootdowns that reach the serving thread too.
	 */
	struct roll	*rolls;
	const struct click **order;
	size_t		 room;		/* clicks that rolls and order hold */
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/*
 * Map an SQLite result to what a client can be told. Details go to the
 * log, never to the client.
 */
static enum kz_err
store_err(struct store *s, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_INTERRUPT:
		/* store_clicks_cancel(): whoever asked knows. */
		log_debug("%s: cancelled", what);
		return KZ_BUSY;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		/* A short wait (the click buffer's) is expected to lose at times. */
		if (s->wait_ms < s->busy_ms)
			log_debug("%s: database busy past %u ms", what,
			    s->wait_ms);
		else
			log_warn("%s: database busy past %u ms", what,
			    s->wait_ms);
		return KZ_BUSY;
	case SQLITE_READONLY:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		log_error("%s: cannot write: %s", what, sqlite3_errmsg(s->db));
		return KZ_READONLY;
	default:
		log_error("%s: %s (%d)", what, sqlite3_errmsg(s->db), rc);
		return KZ_SYSTEM;
	}
}

/* A statement ready to bind: reset, bindings cleared. */
static sqlite3_stmt *
stmt(struct store *s, enum st id)
{
	return s->st[id];
}

static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run a statement that returns no rows. */
static int
exec_st(struct store *s, enum st id)
{
	sqlite3_stmt	*st = stmt(s, id);
	int		 rc;

	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
tx_begin(struct store *s)
{
	return exec_st(s, ST_BEGIN);
}

static int
tx_commit(struct store *s)
{
	return exec_st(s, ST_COMMIT);
}

static void
tx_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)exec_st(s, ST_ROLLBACK);
}

static const char *
col_text(struct arena *a, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	return arena_strndup(a, (const char *)sqlite3_column_text(st, i),
	    (size_t)sqlite3_column_bytes(st, i));
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Split the tags column (joined with TAG_SEP) into l->tags. */
static void
link_tags_split(struct arena *a, const char *joined, struct link *l)
{
	const char	*p;
	char		*copy, *tok, *save = NULL;
	size_t		 n = 1;

	l->tags = NULL;
	l->ntags = 0;
	if (joined == NULL || *joined == '\0')
		return;
	for (p = joined; (p = strchr(p, TAG_SEP[0])) != NULL; p++)
		n++;
	l->tags = arena_alloc(a, n * sizeof(*l->tags));
	copy = arena_strdup(a, joined);
	for (tok = strtok_r(copy, TAG_SEP, &save); tok != NULL;
	    tok = strtok_r(NULL, TAG_SEP, &save))
		l->tags[l->ntags++] = tok;
}

static void
link_from_row(struct arena *a, sqlite3_stmt *st, struct link *l)
{
	l->id = sqlite3_column_int64(st, 0);
	l->domain = col_text(a, st, 1);
	l->code = col_text(a, st, 2);
	l->url = col_text(a, st, 3);
	l->title = col_text(a, st, 4);
	link_tags_split(a, col_text(a, st, 5), l);
	l->redirect_status = sqlite3_column_int(st, 6);
	l->expires_at = sqlite3_column_int64(st, 7);
	l->max_clicks = sqlite3_column_int64(st, 8);
	l->clicks = sqlite3_column_int64(st, 9);
	l->created_at = sqlite3_column_int64(st, 10);
	l->updated_at = sqlite3_column_int64(st, 11);
	l->deleted_at = sqlite3_column_int64(st, 12);
	l->version = sqlite3_column_int64(st, 13);
	l->notes = col_text(a, st, 14);
	l->forward_query = sqlite3_column_int(st, 15) != 0;
	l->password_hash = col_text(a, st, 16);
}

/* Run one pragma or statement, ignoring rows; the message into err. */
static int
store_exec(sqlite3 *db, const char *sql, char *err, size_t errsz)
{
	char	*msg = NULL;
	int	 rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		snprintf(err, errsz, "%s", msg != NULL ? msg :
		    sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

static int
store_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * SQLite calls this after each commit of a connection that writes, once
 * the commit has released the write lock, with the frames in the WAL.
 *
 * The connections run with synchronous = NORMAL: a commit writes its
 * frames and does not sync them, so that the write lock is not held
 * across an fsync and the workers' syncs overlap. This makes the commit
 * durable before anything is told of it: the caller's statement returns
 * only after the WAL has been synced, which covers every frame written
 * before, this commit's and the earlier ones its checksums chain to.
 * Then it checkpoints as SQLite's own hook would (setting a hook takes
 * that one's place). The WAL header is synced by SQLite itself when
 * the WAL restarts, and a checkpoint syncs the WAL before it copies and
 * the database after, at NORMAL too; a restart comes only after a
 * complete checkpoint, so it cannot lose a commit whose sync is still
 * to come here.
 *
 * A PASSIVE checkpoint copies back only the frames that no reader may
 * still need, and the WAL restarts from its beginning only after one
 * has copied them all with no reader left in it. Right after a commit
 * there is nearly always a redirect still reading the snapshot before
 * it, so under constant traffic no checkpoint completes and the WAL
 * grows without end (570 MB in the benchmark, and on). So the flush
 * thread's connection, once the WAL holds TRUNCATE_PAGES, makes a
 * TRUNCATE checkpoint instead: it takes the write lock, copies what is
 * left, waits for those readers to leave the WAL (at most
 * TRUNCATE_WAIT_MS in all) and empties the file; the next commit writes
 * from its start. It does so before the sync, while the lock its commit
 * let go of is free: after the sync the other workers' flushes had it,
 * and a truncate waiting for it failed for seconds. Writers wait for
 * it, 100-300 ms, once in a few flushes under full load; that is why it
 * is not done at every commit. RESTART would leave the restart to the
 * next writer, which makes it only if its own snapshot began on a
 * copied-back WAL with no reader in it; the WAL still reached 232 MB so.
 * Only that connection: a serving thread must not wait for it.
 *
 * On a failed sync the statement fails: the commit is in the WAL, but
 * nobody is told it is safe.
 */
static int
store_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store	*s = arg;
	sqlite3_file	*f = NULL;
	unsigned	 wait_ms, tries;
	int		 rc = SQLITE_OK, truncated = 0;

	if (s->clicks_only && frames >= TRUNCATE_PAGES) {
		/*
		 * At once, while the write lock that this commit let go of
		 * is still free: after the sync the other workers' writes
		 * have taken it. The checkpoint syncs the WAL before it
		 * copies it, and the database before it empties the WAL.
		 *
		 * In short tries, not one long wait. A checkpoint that
		 * finds a reader on a snapshot older than this commit
		 * waits for that reader's slot, and does not look again at
		 * what the slot holds: a reader that ends and begins again
		 * at once takes the same slot back, for the new snapshot,
		 * and one long try waits on it to its end (50 ms, and so
		 * again at the next commits: the WAL reached 95 MiB in the
		 * test, 64 meant). A new try sees that the slot needs no
		 * copy any more; once all is copied back, the readers that
		 * begin read the database, and the try waits only for the
		 * ones still in the WAL.
		 */
		wait_ms = s->wait_ms;
		s->wait_ms = TRUNCATE_TRY_MS;
		for (tries = 0; tries < TRUNCATE_WAIT_MS / TRUNCATE_TRY_MS;
		    tries++) {
			rc = sqlite3_wal_checkpoint_v2(db, name,
			    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
			if (rc != SQLITE_BUSY)
				break;
		}
		truncated = rc == SQLITE_OK;
		s->wait_ms = wait_ms;
	}
	rc = sqlite3_file_control(db, name, SQLITE_FCNTL_JOURNAL_POINTER, &f);
	if (rc == SQLITE_OK && (f == NULL || f->pMethods == NULL))
		rc = SQLITE_IOERR_FSYNC;
	if (rc == SQLITE_OK)
		rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK) {
		log_error("sync of the WAL after a commit failed: %s",
		    sqlite3_errstr(rc));
		return rc;
	}
	if (!truncated && frames >= CHECKPOINT_PAGES)
		(void)sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/*
 * Switch to WAL. When several workers open a new file at once, all but
 * one may see SQLITE_BUSY here without the busy handler being asked, so
 * retry until the busy timeout has passed.
 */
static int
store_wal(struct store *s, char *err, size_t errsz)
{
	struct timespec	 pause = { 0, 10 * 1000 * 1000 };
	sqlite3_stmt	*st;
	unsigned	 waited = 0;
	const char	*mode;
	int		 rc;

	for (;;) {
		rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1,
		    &st, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				mode = (const char *)sqlite3_column_text(st, 0);
				rc = mode != NULL && strcmp(mode, "wal") == 0 ?
				    SQLITE_OK : SQLITE_ERROR;
			}
			sqlite3_finalize(st);
		}
		if ((rc & 0xff) != SQLITE_BUSY || waited >= s->busy_ms)
			break;
		nanosleep(&pause, NULL);
		waited += 10;
	}
	if (rc != SQLITE_OK)
		snprintf(err, errsz, "cannot switch to WAL mode: %s",
		    sqlite3_errmsg(s->db));
	return rc;
}

/*
 * Refuse a file that belongs to another program before anything is
 * changed in it, its journal mode included.
 */
static int
store_check_owner(struct store *s, char *err, size_t errsz)
{
	int64_t	foreign;
	int	rc;

	/*
	 * One statement, one snapshot: another worker may be committing the
	 * first migration meanwhile, and a user_version read before it with
	 * a table count read after it would look like another program's.
	 */
	rc = store_int(s->db, "SELECT (a.application_id NOT IN (0, "
	    "1802859130)) OR (v.user_version = 0 AND (SELECT count(*) FROM "
	    "sqlite_schema) > 0) FROM pragma_application_id AS a, "
	    "pragma_user_version AS v", &foreign);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "cannot read the schema: %s",
		    sqlite3_errmsg(s->db));
		return rc;
	}
	if (foreign) {
		snprintf(err, errsz, "not a kurz database (it holds tables of "
		    "another program)");
		return SQLITE_NOTADB;
	}
	return SQLITE_OK;
}

/*
 * Bring the schema up to date in one IMMEDIATE transaction, so that of N
 * workers starting together one migrates and the others wait, then see
 * the new user_version and do nothing.
 */
static int
store_migrate(struct store *s, char *err, size_t errsz)
{
	char	 msg[256];
	int64_t	 app, ver, tables;
	size_t	 i;
	int	 rc;

	if ((rc = store_exec(s->db, "BEGIN IMMEDIATE", msg,
	    sizeof(msg))) != SQLITE_OK) {
		snprintf(err, errsz, "cannot lock for migration: %s", msg);
		return rc;
	}
	if ((rc = store_int(s->db, "PRAGMA application_id", &app)) != SQLITE_OK ||
	    (rc = store_int(s->db, "PRAGMA user_version", &ver)) != SQLITE_OK ||
	    (rc = store_int(s->db, "SELECT count(*) FROM sqlite_schema",
	    &tables)) != SQLITE_OK) {
		snprintf(err, errsz, "cannot read the schema: %s",
		    sqlite3_errmsg(s->db));
		goto out;
	}
	if ((app != 0 && app != STORE_APP_ID) || (ver == 0 && tables > 0)) {
		snprintf(err, errsz, "not a kurz database (it holds tables of "
		    "another program)");
		rc = SQLITE_NOTADB;
		goto out;
	}
	if (ver > (int64_t)migrations_count) {
		snprintf(err, errsz, "schema version %jd is newer than this "
		    "kurz knows (%zu); run a newer kurz", (intmax_t)ver,
		    migrations_count);
		rc = SQLITE_ERROR;
		goto out;
	}
	for (i = (size_t)ver; i < migrations_count; i++) {
		char	pragma[64];

		assert(migrations[i].version == (int)i + 1);
		if ((rc = store_exec(s->db, migrations[i].sql, msg,
		    sizeof(msg))) != SQLITE_OK) {
			snprintf(err, errsz, "migration %03d_%s failed: %s",
			    migrations[i].version, migrations[i].name, msg);
			goto out;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    migrations[i].version);
		if ((rc = store_exec(s->db, pragma, msg, sizeof(msg))) !=
		    SQLITE_OK) {
			snprintf(err, errsz, "cannot record migration: %s",
			    msg);
			goto out;
		}
		log_info("database migrated to schema %d (%s)",
		    migrations[i].version, migrations[i].name);
	}
	if ((rc = store_exec(s->db, "COMMIT", msg, sizeof(msg))) != SQLITE_OK)
		snprintf(err, errsz, "cannot commit migration: %s", msg);
out:
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Finalize the statements and close the connection of s, keeping s. */
static void
store_disconnect(struct store *s)
{
	size_t	i;

	for (i = 0; i < ST__MAX; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
}

/* "file:PATH?immutable=1", with PATH escaped for a URI; NULL: no memory. */
static char *
store_uri_immutable(const char *path)
{
	static const char	 hexd[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*uri, *o;

	if ((uri = malloc(3 * strlen(path) + 32)) == NULL)
		return NULL;
	o = uri + sprintf(uri, "file:");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p) != NULL)
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hexd[*p >> 4];
			*o++ = hexd[*p & 15];
		}
	}
	strcpy(o, "?immutable=1");
	return uri;
}

/* Whether path lies on a file system mounted read-only. */
static bool
store_on_ro_fs(const char *path)
{
	struct statvfs	sv;

	return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

/*
 * Once per process, before the first connection: no memory statistics.
 * They are kept under one mutex for the whole process, taken by every
 * sqlite3_malloc() and sqlite3_free(); a worker's flush thread, which
 * allocates a great deal, then made its redirects wait on that mutex
 * (up to 40 ms, measured). Nothing here reads the statistics.
 */
static pthread_once_t	store_once = PTHREAD_ONCE_INIT;

static void
store_init(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Open s->path, set the pragmas, migrate and prepare. readonly: open it
 * only to read (its file system is read-only), with no migration: its
 * schema must be the one this kurz knows. The message goes to msg.
 */
static int
store_connect(struct store *s, bool readonly, char *msg, size_t msgsz)
{
	int64_t	ver;
	size_t	i;
	int	rc;

	(void)pthread_once(&store_once, store_init);
	if (readonly) {
		/*
		 * On a read-only file system nobody can change the file, so
		 * it may be read as immutable: no -shm, which could not be
		 * made there, and no locks.
		 */
		char	*uri = store_uri_immutable(s->path);

		if (uri == NULL) {
			snprintf(msg, msgsz, "out of memory");
			return SQLITE_NOMEM;
		}
		rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
		free(uri);
	} else
		rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, msgsz, "cannot open: %s", s->db != NULL ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return rc;
	}
	sqlite3_extended_result_codes(s->db, 1);
	store_busy_wait(s, 0);
	if ((rc = store_check_owner(s, msg, msgsz)) != SQLITE_OK)
		return rc;
	if (!readonly && (rc = store_wal(s, msg, msgsz)) != SQLITE_OK)
		return rc;
	if (!readonly)
		(void)sqlite3_wal_hook(s->db, store_wal_commit, s);
	/*
	 * NORMAL, and store_wal_commit() syncs after each commit: a commit
	 * that a response acknowledges is on disk before the response
	 * leaves, power loss included, as with FULL, but the sync is not
	 * made under the write lock. With FULL the workers' commits queued
	 * behind each other's fsync (creates: 1,400 a second with 2 or 4
	 * workers; 1,700 with 2 and 2,400 with 4 this way, measured). No
	 * mmap: whenever another connection has written since this one last
	 * read, which with click flushes and creates is nearly always, SQLite
	 * drops its cache and unmaps the whole database, and mapping it again
	 * costs a page fault per page and a TLB shootdown on every CPU at the
	 * unmap. Reading with pread instead, creates went from 1,760-1,860 a
	 * second to 2,250-2,320 (contrib/bench, 2 workers, 100,000 links);
	 * redirects stayed at 16,000 a second. The WAL is cut back to
	 * journal_size_limit after each checkpoint. A batch of clicks spread
	 * over many links dirties thousands of pages (about 1.5 a click over
	 * 100,000 links); with the default 2 MB cache they spill to the WAL
	 * in the middle of the transaction and are written again when
	 * touched again (9,700 pages for 4,096 clicks instead of 5,900).
	 */
	if ((rc = store_exec(s->db, "PRAGMA synchronous = NORMAL; "
	    "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; "
	    "PRAGMA mmap_size = 0; PRAGMA cache_size = -65536; "
	    "PRAGMA journal_size_limit = 16777216",
	    msg, msgsz)) != SQLITE_OK)
		return rc;
	if (!readonly && (rc = store_migrate(s, msg, msgsz)) != SQLITE_OK)
		return rc;
	if (s->clicks_only && (rc = store_exec(s->db,
	    "PRAGMA foreign_keys = OFF", msg, msgsz)) != SQLITE_OK)
		return rc;
	if (readonly && ((rc = store_int(s->db, "PRAGMA user_version",
	    &ver)) != SQLITE_OK || ver != (int64_t)migrations_count)) {
		snprintf(msg, msgsz, "read-only, and its schema (%jd) is not "
		    "this kurz's (%zu)", (intmax_t)ver, migrations_count);
		return rc != SQLITE_OK ? rc : SQLITE_READONLY;
	}
	for (i = 0; i < ST__MAX; i++) {
		rc = sqlite3_prepare_v3(s->db, st_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(msg, msgsz, "cannot prepare statement %zu: %s",
			    i, sqlite3_errmsg(s->db));
			return rc;
		}
	}
	s->readonly = readonly;
	return SQLITE_OK;
}

/* Whether a failed open says the file or its file system is read-only. */
static bool
store_is_ro_failure(int rc)
{
	return (rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN ||
	    (rc & 0xff) == SQLITE_PERM;
}

struct store *
store_open(const char *path, unsigned busy_ms, char *err, size_t errsz)
{
	struct store	*s;
	char		 msg[512], msg2[256];
	int		 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(err, errsz, "%s: out of memory", path);
		return NULL;
	}
	s->busy_ms = busy_ms;
	s->salt_day = -1;
	atomic_init(&s->cancel, false);
	rc = store_connect(s, false, msg, sizeof(msg));
	/*
	 * SQLite opens a file it may not write read-only without a word,
	 * and when the -wal and -shm of a clean stop are still there
	 * everything above succeeds on a read-only file system: the store
	 * would refuse every write and never look for the file system to
	 * come back. Such a connection is treated as the failure it is.
	 */
	if (rc == SQLITE_OK && sqlite3_db_readonly(s->db, "main") == 1 &&
	    store_on_ro_fs(path)) {
		snprintf(msg, sizeof(msg), "opened read-only");
		rc = SQLITE_READONLY;
	}
	if (rc == SQLITE_OK)
		return s;
	/*
	 * A database on a file system that is read-only still serves
	 * redirects and reads; writes answer 503 until it can be written.
	 */
	if (store_is_ro_failure(rc) && store_on_ro_fs(path)) {
		store_disconnect(s);
		if (store_connect(s, true, msg2, sizeof(msg2)) == SQLITE_OK) {
			log_warn("%s: its file system is read-only: serving "
			    "reads, refusing writes until it can be written",
			    path);
			return s;
		}
		snprintf(msg, sizeof(msg), "its file system is read-only, and "
		    "it cannot be read either: %.200s", msg2);
	}
	snprintf(err, errsz, "%s: %s", path, msg);
	store_close(s);
	return NULL;
}

bool
store_readonly(const struct store *s)
{
	return s->readonly;
}

enum kz_err
store_reopen(struct store *s)
{
	struct store	 t;
	char		 msg[512];

	if (!s->readonly)
		return KZ_OK;
	if (store_on_ro_fs(s->path))
		return KZ_READONLY;
	memset(&t, 0, sizeof(t));
	t.path = s->path;
	t.busy_ms = s->busy_ms;
	t.salt_day = -1;
	t.clicks_only = s->clicks_only;
	if (store_connect(&t, false, msg, sizeof(msg)) != SQLITE_OK) {
		log_info("%s: still not writable: %s", s->path, msg);
		store_disconnect(&t);
		return KZ_READONLY;
	}
	store_disconnect(s);
	memcpy(s->st, t.st, sizeof(s->st));
	s->db = t.db;
	s->readonly = false;
	s->salt_day = -1;
	/* The handler's and the hook's argument was &t. */
	store_busy_wait(s, 0);
	(void)sqlite3_wal_hook(s->db, store_wal_commit, s);
	log_info("%s: writable again", s->path);
	return KZ_OK;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	/*
	 * Leave the WAL empty behind: with several workers stopping at once
	 * none may be the last to close, which is when SQLite does it. Only
	 * a store that opened (its statements are prepared): a file that was
	 * refused is left as it was. Not for the whole busy timeout: while
	 * other workers serve, their readers and writes may keep it from
	 * the WAL all that time, and this worker, stopping, serves no one
	 * (twice: the flush thread's connection and the serving one). The
	 * workers that go on checkpoint it as they write.
	 */
	if (s->db != NULL && s->st[ST__MAX - 1] != NULL && !s->readonly) {
		store_busy_wait(s, CLOSE_WAIT_MS);
		(void)sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)",
		    NULL, NULL, NULL);
	}
	store_disconnect(s);
	free(s->rolls);
	free(s->order);
	free(s->path);
	free(s);
}

int
store_clicks_only(struct store *s)
{
	char	msg[256];

	s->clicks_only = true;
	if (store_exec(s->db, "PRAGMA foreign_keys = OFF", msg,
	    sizeof(msg)) != SQLITE_OK) {
		log_error("%s: %s", s->path, msg);
		return -1;
	}
	return 0;
}

/*
 * The busy handler: try again until wait_ms have passed since the first
 * refusal. SQLite's own (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15,
 * 20, 25 ... 100 ms between tries: a create that finds the other worker
 * committing (half a millisecond) slept at least 1 ms and often lost the
 * lock again to that worker's next create, so creates were served out
 * of turn, 100-200 ms at p99. Here a try follows 50 us after a refusal,
 * growing to 1 ms.
 */
static int
store_busy(void *arg, int count)
{
	struct store	*s = arg;
	struct timespec	 now, pause;
	int64_t		 us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	if (count == 0)
		s->busy_since_us = us;
	else if (us - s->busy_since_us >= (int64_t)s->wait_ms * 1000)
		return 0;
	pause.tv_sec = 0;
	pause.tv_nsec = (count < 5 ? 50L << count : BUSY_TRY_MAX_US) * 1000L;
	nanosleep(&pause, NULL);
	return 1;
}

void
store_busy_wait(struct store *s, unsigned ms)
{
	s->wait_ms = ms != 0 ? ms : s->busy_ms;
	sqlite3_busy_handler(s->db, store_busy, s);
}

int
store_schema_version(struct store *s)
{
	int64_t	v = 0;

	(void)store_int(s->db, "PRAGMA user_version", &v);
	return (int)v;
}

enum kz_err
store_health(struct store *s)
{
	sqlite3_stmt	*st = stmt(s, ST_HEALTH);
	int		 rc;

	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_ROW ? KZ_OK : store_err(s, rc, "health");
}

/* --------------------------------------------------------------------
 * Backup, check and restore of the whole file
 */

static void
pause_ms(unsigned ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* What integrity_check puts before the complaints of a file. */
#define IC_MAIN		"*** in database main ***\n"

/*
 * Run PRAGMA integrity_check, or quick_check when quick, on the main
 * database of db. *problems: how many rows were not "ok" (at most
 * STORE_CHECK_MAX); the first of them into first, on one line. A file
 * too damaged for the check to run counts as one problem, not as a
 * failure to check.
 */
static int
check_integrity(sqlite3 *db, bool quick, size_t *problems, char *first,
    size_t firstsz)
{
	sqlite3_stmt	*st = NULL;
	const char	*row;
	char		 sql[64], *nl;
	int		 rc;

	*problems = 0;
	first[0] = '\0';
	snprintf(sql, sizeof(sql), "PRAGMA %s(%d)", quick ? "quick_check" :
	    "integrity_check", STORE_CHECK_MAX);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			row = (const char *)sqlite3_column_text(st, 0);
			if (row != NULL && strcmp(row, "ok") == 0)
				continue;
			if (row != NULL && strncmp(row, IC_MAIN,
			    strlen(IC_MAIN)) == 0)
				row += strlen(IC_MAIN);
			if ((*problems)++ == 0)
				snprintf(first, firstsz, "%s",
				    row != NULL ? row : "(null)");
		}
		sqlite3_finalize(st);
	}
	/* One complaint may span lines. */
	for (nl = first; (nl = strchr(nl, '\n')) != NULL; )
		*nl = ' ';
	if (rc == SQLITE_DONE)
		return SQLITE_OK;
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
		if ((*problems)++ == 0)
			snprintf(first, firstsz, "%s", sqlite3_errstr(rc));
		return SQLITE_OK;
	}
	return rc;
}

/*
 * Judge the file at path, opened read-only, as a copy of kurz's
 * database: its application_id is kurz's, its schema one this kurz
 * knows, and integrity_check finds nothing. SQLITE_OK, else why in err.
 */
static int
store_verify(const char *path, char *err, size_t errsz)
{
	sqlite3	*db = NULL;
	char	 first[256];
	size_t	 problems;
	int64_t	 app = 0, ver = 0;
	int	 rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot open: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	if ((rc = store_int(db, "PRAGMA application_id", &app)) != SQLITE_OK ||
	    (rc = store_int(db, "PRAGMA user_version", &ver)) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot read: %s", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	if (app != STORE_APP_ID) {
		snprintf(err, errsz, "%s: not a kurz database (application_id "
		    "%jd)", path, (intmax_t)app);
		rc = SQLITE_NOTADB;
		goto out;
	}
	if (ver < 1 || ver > (int64_t)migrations_count) {
		snprintf(err, errsz, "%s: schema version %jd is not one this "
		    "kurz knows (1 to %zu)", path, (intmax_t)ver,
		    migrations_count);
		rc = SQLITE_ERROR;
		goto out;
	}
	if ((rc = check_integrity(db, false, &problems, first,
	    sizeof(first))) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot check: %s", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	if (problems > 0) {
		snprintf(err, errsz, "%s: integrity_check failed (%zu%s "
		    "problems; the first: %s)", path, problems,
		    problems >= STORE_CHECK_MAX ? " or more" : "", first);
		rc = SQLITE_CORRUPT;
	}
out:
	sqlite3_close(db);
	return rc;
}

/* Set the journal mode of db's main database; SQLITE_OK when it took. */
static int
journal_mode(sqlite3 *db, const char *mode)
{
	sqlite3_stmt	*st;
	const char	*now;
	char		 sql[64];
	int		 rc;

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", mode);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		now = (const char *)sqlite3_column_text(st, 0);
		rc = now != NULL && strcasecmp(now, mode) == 0 ? SQLITE_OK :
		    SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	return rc;
}

/* fsync the file or directory at path; -1 with errno on failure. */
static int
fsync_path(const char *path)
{
	int	fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The directory that holds path, into out. */
static void
dir_of(const char *path, char *out, size_t outsz)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, outsz, ".");
	else if (slash == path)
		snprintf(out, outsz, "/");
	else
		snprintf(out, outsz, "%.*s", (int)(slash - path), path);
}

/* Remove the database file path and whatever SQLite made beside it. */
static void
unlink_db(const char *path)
{
	static const char *const	 suffix[] = { "", "-journal", "-wal",
	    "-shm" };
	char				 f[PATH_MAX + 16];
	size_t				 i;

	for (i = 0; i < KZ_ARRAY_SIZE(suffix); i++) {
		snprintf(f, sizeof(f), "%s%s", path, suffix[i]);
		(void)unlink(f);
	}
}

/*
 * Put the finished file tmp at path unless something is there: link(2)
 * fails with EEXIST where rename(2) would replace. Where the file system
 * has no hard links, rename after a last look.
 */
static int
place_new(const char *tmp, const char *path)
{
	struct stat	sb;

	if (link(tmp, path) == 0)
		return unlink(tmp);
	if (errno == EEXIST)
		return -1;
	if (lstat(path, &sb) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, path);
}

enum kz_err
store_backup(struct store *s, const char *path, char *err, size_t errsz)
{
	struct stat	 sb;
	sqlite3		*dst = NULL;
	sqlite3_backup	*b;
	char		 tmp[PATH_MAX], dir[PATH_MAX], msg[PATH_MAX + 256];
	enum kz_err	 kerr = KZ_SYSTEM;
	unsigned	 waited = 0;
	int64_t		 n;
	int		 fd, rc, frc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		snprintf(err, errsz, "%s: the name is too long", path);
		return KZ_INVALID;
	}
	if (lstat(path, &sb) == 0) {
		snprintf(err, errsz, "%s exists; a backup never replaces a "
		    "file", path);
		return KZ_CONFLICT;
	}
	if (errno != ENOENT) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return KZ_SYSTEM;
	}
	/* O_EXCL: two backups to one path cannot share the temporary file. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		if (errno == EEXIST) {
			snprintf(err, errsz, "%s exists: another backup to %s "
			    "is running, or one was interrupted (then remove "
			    "it)", tmp, path);
			return KZ_CONFLICT;
		}
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return KZ_SYSTEM;
	}
	close(fd);
	if ((rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE,
	    NULL)) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot open: %s", tmp, dst != NULL ?
		    sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(dst, 1);

	/*
	 * One read transaction on the source from the first page to the
	 * last, so the copy is the snapshot of its first read and holds
	 * every commit acknowledged before it. In WAL mode a reader blocks
	 * no writer: the workers go on writing between the steps and during
	 * them. Without it each step would begin a new read, find their
	 * commits, and start the copy over, for ever under steady writes.
	 */
	if ((rc = store_exec(s->db, "BEGIN DEFERRED", msg, sizeof(msg))) !=
	    SQLITE_OK || (rc = store_int(s->db, "SELECT count(*) FROM "
	    "sqlite_schema", &n)) != SQLITE_OK) {
		kerr = store_err(s, rc, "backup");
		snprintf(err, errsz, "cannot read the database: %s",
		    sqlite3_errmsg(s->db));
		tx_rollback(s);
		goto fail;
	}
	if ((b = sqlite3_backup_init(dst, "main", s->db, "main")) == NULL) {
		snprintf(err, errsz, "cannot start the backup: %s",
		    sqlite3_errmsg(dst));
		tx_rollback(s);
		goto fail;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (rc == SQLITE_OK) {
			waited = 0;
			pause_ms(BACKUP_PAUSE_MS);
		} else if (((rc & 0xff) == SQLITE_BUSY ||
		    (rc & 0xff) == SQLITE_LOCKED) && waited < s->busy_ms) {
			pause_ms(BUSY_PAUSE_MS);
			waited += BUSY_PAUSE_MS;
		} else
			break;
	}
	frc = sqlite3_backup_finish(b);
	tx_rollback(s);		/* it only read: ends the snapshot */
	if (rc == SQLITE_DONE)
		rc = frc;
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
			kerr = KZ_BUSY;
		snprintf(err, errsz, "cannot copy: %s", sqlite3_errstr(rc));
		goto fail;
	}

	/*
	 * The copy arrives in WAL mode, as its header came from a WAL file.
	 * Made a rollback-journal file it is whole by itself: no -wal beside
	 * it to be lost when it is copied or moved. store_open() turns a
	 * restored file back to WAL.
	 */
	if ((rc = journal_mode(dst, "delete")) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot leave WAL mode: %s", tmp,
		    sqlite3_errmsg(dst));
		goto fail;
	}
	if ((rc = sqlite3_close(dst)) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot close: %s", tmp,
		    sqlite3_errstr(rc));
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if (fsync_path(tmp) == -1) {
		snprintf(err, errsz, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (store_verify(tmp, msg, sizeof(msg)) != SQLITE_OK) {
		snprintf(err, errsz, "the copy failed its check: %s", msg);
		goto fail;
	}
	if (place_new(tmp, path) == -1) {
		if (errno == EEXIST) {
			snprintf(err, errsz, "%s exists; a backup never "
			    "replaces a file", path);
			kerr = KZ_CONFLICT;
		} else
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	dir_of(path, dir, sizeof(dir));
	if (fsync_path(dir) == -1) {
		snprintf(err, errsz, "%s: fsync: %s", dir, strerror(errno));
		return KZ_SYSTEM;
	}
	return KZ_OK;
fail:
	sqlite3_close(dst);
	unlink_db(tmp);
	return kerr;
}

enum kz_err
store_check(struct store *s, bool quick, struct store_check *out)
{
	struct stat	 sb;
	const char	*file;
	char		 wal[PATH_MAX];
	int64_t		 app = 0, ver = 0;
	int		 rc;

	memset(out, 0, sizeof(*out));
	out->schema_known = (int)migrations_count;
	if ((rc = check_integrity(s->db, quick, &out->problems, out->first,
	    sizeof(out->first))) != SQLITE_OK)
		return store_err(s, rc, "check");
	out->ok = out->problems == 0;
	/* A damaged file may not answer these; what the check said stands. */
	if ((rc = store_int(s->db, "PRAGMA application_id", &app)) !=
	    SQLITE_OK ||
	    (rc = store_int(s->db, "PRAGMA user_version", &ver)) != SQLITE_OK ||
	    (rc = store_int(s->db, "PRAGMA page_size", &out->page_size)) !=
	    SQLITE_OK ||
	    (rc = store_int(s->db, "PRAGMA page_count", &out->pages)) !=
	    SQLITE_OK ||
	    (rc = store_int(s->db, "PRAGMA freelist_count", &out->freelist)) !=
	    SQLITE_OK)
		return out->ok ? store_err(s, rc, "check") : KZ_OK;
	out->kurz = app == STORE_APP_ID;
	out->schema = (int)ver;
	file = sqlite3_db_filename(s->db, "main");
	if (file != NULL && file[0] != '\0' &&
	    (size_t)snprintf(wal, sizeof(wal), "%s-wal", file) < sizeof(wal) &&
	    stat(wal, &sb) == 0)
		out->wal_bytes = (int64_t)sb.st_size;
	return KZ_OK;
}

enum kz_err
store_restore(const char *db, const char *backup, char *err, size_t errsz)
{
	struct stat	 sd, sb;
	sqlite3		*src = NULL, *dst = NULL;
	sqlite3_backup	*b;
	char		 msg[PATH_MAX + 256], first[256];
	enum kz_err	 kerr = KZ_SYSTEM;
	size_t		 problems;
	int64_t		 app = 0, ver = 0, tables = 0;
	int		 rc, frc;

	if (stat(backup, &sb) == -1) {
		snprintf(err, errsz, "%s: %s", backup, strerror(errno));
		return KZ_NOTFOUND;
	}
	if (stat(db, &sd) == 0 && sd.st_dev == sb.st_dev &&
	    sd.st_ino == sb.st_ino) {
		snprintf(err, errsz, "%s is the database itself", backup);
		return KZ_INVALID;
	}
	if (store_verify(backup, msg, sizeof(msg)) != SQLITE_OK) {
		snprintf(err, errsz, "%s", msg);
		return KZ_INVALID;
	}
	if ((rc = sqlite3_open_v2(db, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL)) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot open: %s", db, dst != NULL ?
		    sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(dst, 1);
	sqlite3_busy_timeout(dst, 0);

	/*
	 * A connection to a WAL database holds a shared lock on the file
	 * for as long as it is open, idle or not. BEGIN EXCLUSIVE alone
	 * takes only WAL's write lock and would not see an idle worker; in
	 * locking_mode EXCLUSIVE it takes the file's exclusive lock, which
	 * any other open connection denies at once (busy timeout 0), and
	 * keeps it until close, so that no worker starts meanwhile. The WAL
	 * index then lives in this process, not in -shm; the close
	 * checkpoints into the file and removes the -wal.
	 */
	if ((rc = store_exec(dst, "PRAGMA locking_mode = EXCLUSIVE; "
	    "PRAGMA synchronous = FULL", msg, sizeof(msg))) != SQLITE_OK ||
	    (rc = store_exec(dst, "BEGIN EXCLUSIVE", msg, sizeof(msg))) !=
	    SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_BUSY ||
		    (rc & 0xff) == SQLITE_LOCKED) {
			snprintf(err, errsz, "%s is in use by another process",
			    db);
			kerr = KZ_BUSY;
		} else if ((rc & 0xff) == SQLITE_NOTADB) {
			snprintf(err, errsz, "%s is not an SQLite database; "
			    "move it aside, then restore", db);
			kerr = KZ_INVALID;
		} else
			snprintf(err, errsz, "%s: cannot lock: %s", db, msg);
		goto out;
	}
	if ((rc = store_int(dst, "PRAGMA application_id", &app)) !=
	    SQLITE_OK ||
	    (rc = store_int(dst, "PRAGMA user_version", &ver)) != SQLITE_OK ||
	    (rc = store_int(dst, "SELECT count(*) FROM sqlite_schema",
	    &tables)) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot read: %s", db,
		    sqlite3_errmsg(dst));
		goto out;
	}
	/* As store_open() judges: a file new, or kurz's. */
	if ((app != 0 && app != STORE_APP_ID) || (ver == 0 && tables > 0)) {
		snprintf(err, errsz, "%s is another program's database; "
		    "restore will not replace it", db);
		kerr = KZ_INVALID;
		goto out;
	}
	if ((rc = store_exec(dst, "COMMIT", msg, sizeof(msg))) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", db, msg);
		goto out;
	}
	if ((rc = sqlite3_open_v2(backup, &src, SQLITE_OPEN_READONLY,
	    NULL)) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot open: %s", backup, src !=
		    NULL ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
		goto out;
	}
	/* Through SQLite, not over its head: the WAL stays true to the file. */
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(err, errsz, "cannot start the restore: %s",
		    sqlite3_errmsg(dst));
		goto out;
	}
	rc = sqlite3_backup_step(b, -1);
	frc = sqlite3_backup_finish(b);
	if (rc == SQLITE_DONE)
		rc = frc;
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot copy into it: %s", db,
		    sqlite3_errstr(rc));
		goto out;
	}
	if ((rc = check_integrity(dst, true, &problems, first,
	    sizeof(first))) != SQLITE_OK || problems > 0) {
		snprintf(err, errsz, "%s: the restored file fails quick_check: "
		    "%s", db, problems > 0 ? first : sqlite3_errmsg(dst));
		rc = SQLITE_CORRUPT;
		goto out;
	}
	rc = sqlite3_close(dst);
	dst = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot close: %s", db,
		    sqlite3_errstr(rc));
		goto out;
	}
	kerr = KZ_OK;
out:
	if (dst != NULL && !sqlite3_get_autocommit(dst))
		(void)sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(src);
	sqlite3_close(dst);
	return kerr;
}

/* Insert the tags of link id, in order. */
static int
tags_insert(struct store *s, int64_t id, const char **tags, size_t n)
{
	sqlite3_stmt	*st = stmt(s, ST_TAG_INSERT);
	size_t		 i;
	int		 rc;

	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_text(st, 3, tags[i]);
		rc = sqlite3_step(st);
		done(st);
		if (rc != SQLITE_DONE)
			return rc;
	}
	return SQLITE_OK;
}

/* Insert l under code; SQLITE_CONSTRAINT_UNIQUE when it is taken. */
static int
link_insert(struct store *s, const struct link *l, const char *code,
    int64_t key_id, int64_t now, int64_t *id)
{
	sqlite3_stmt	*st = stmt(s, ST_LINK_INSERT);
	int		 rc;

	bind_text(st, 1, l->domain);
	bind_text(st, 2, code);
	bind_text(st, 3, l->url);
	bind_text(st, 4, l->title);
	sqlite3_bind_int(st, 5, l->redirect_status);
	bind_opt_int(st, 6, l->expires_at);
	bind_opt_int(st, 7, l->max_clicks);
	sqlite3_bind_int64(st, 8, now);
	bind_opt_int(st, 9, key_id);
	bind_text(st, 10, l->notes);
	sqlite3_bind_int(st, 11, l->forward_query);
	bind_text(st, 12, l->password_hash);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	return tags_insert(s, *id, l->tags, l->ntags);
}

/*
 * Insert l inside an open transaction, generating its code when it has
 * none; *out as store_link_create() says. SQLITE_CONSTRAINT_UNIQUE when
 * a given code is taken.
 */
static int
link_create_tx(struct store *s, struct arena *a, const struct link *l,
    int64_t key_id, size_t gen_len, int64_t now, struct link *out)
{
	char		 gen[KZ_CODE_GEN_MAX + 1];
	const char	*code = l->code;
	int64_t		 id = 0;
	int		 rc, tries = 0;

	assert(gen_len >= KZ_CODE_GEN_MIN && gen_len <= KZ_CODE_GEN_MAX);
	for (;;) {
		if (l->code == NULL) {
			codes_generate(gen, gen_len);
			code = gen;
		}
		rc = link_insert(s, l, code, key_id, now, &id);
		if (rc != SQLITE_CONSTRAINT_UNIQUE || l->code != NULL)
			break;
		if (++tries == STORE_GEN_TRIES) {
			log_error("create link: %d generated codes of length "
			    "%zu collided; raise KURZ_CODE_LENGTH", tries,
			    gen_len);
			return SQLITE_FULL;
		}
	}
	if (rc != SQLITE_OK)
		return rc;
	*out = *l;
	out->id = id;
	out->code = arena_strdup(a, code);
	out->clicks = 0;
	out->created_at = out->updated_at = now;
	out->deleted_at = 0;
	out->version = 1;
	return SQLITE_OK;
}

/* Finish a transaction that wrote: commit on rc OK, else roll back. */
static enum kz_err
tx_end(struct store *s, int rc, const char *what)
{
	enum kz_err	err;

	if (rc == SQLITE_OK && (rc = tx_commit(s)) == SQLITE_OK)
		return KZ_OK;
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		tx_rollback(s);
		return KZ_CONFLICT;
	}
	err = store_err(s, rc, what);
	tx_rollback(s);
	return err;
}

enum kz_err
store_link_create(struct store *s, struct arena *a, const struct link *l,
    int64_t key_id, size_t gen_len, struct link *out)
{
	int	rc;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "create link");
	rc = link_create_tx(s, a, l, key_id, gen_len, now_s(), out);
	return tx_end(s, rc, "create link");
}

enum kz_err
store_link_create_batch(struct store *s, struct arena *a,
    const struct link *l, size_t n, int64_t key_id, size_t gen_len,
    struct link *out, size_t *failed)
{
	int64_t	now = now_s();
	size_t	i;
	int	rc = SQLITE_OK;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "create links");
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		rc = link_create_tx(s, a, &l[i], key_id, gen_len, now, &out[i]);
		*failed = i;
	}
	return tx_end(s, rc, "create links");
}

enum kz_err
store_idem_get(struct store *s, struct arena *a, int64_t key_id,
    const char *idem_key, struct idem *out)
{
	sqlite3_stmt	*st = stmt(s, ST_IDEM_GET);
	enum kz_err	 err = KZ_NOTFOUND;
	int		 rc;

	sqlite3_bind_int64(st, 1, key_id);
	bind_text(st, 2, idem_key);
	sqlite3_bind_int64(st, 3, now_s() - 86400);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) ==
	    (int)sizeof(out->request_hash)) {
		memcpy(out->request_hash, sqlite3_column_blob(st, 0),
		    sizeof(out->request_hash));
		out->status = sqlite3_column_int(st, 1);
		out->location = col_text(a, st, 2);
		out->body = col_text(a, st, 3);
		err = KZ_OK;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_err(s, rc, "idempotency key");
	done(st);
	return err;
}

enum kz_err
store_link_create_idem(struct store *s, struct arena *a,
    const struct link *l, int64_t key_id, size_t gen_len,
    const char *idem_key, const unsigned char request_hash[32],
    char *(*render)(void *, const struct link *, int *, const char **),
    void *arg, struct link *out, bool *raced)
{
	sqlite3_stmt	*st;
	struct idem	 seen;
	const char	*location = NULL;
	char		*body;
	int64_t		 now = now_s();
	int		 rc, status = 0;

	*raced = false;
	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "create link");
	/* Under the write lock: a twin request may have just finished. */
	if (store_idem_get(s, a, key_id, idem_key, &seen) == KZ_OK) {
		*raced = true;
		tx_rollback(s);
		return KZ_CONFLICT;
	}
	if ((rc = link_create_tx(s, a, l, key_id, gen_len, now, out)) !=
	    SQLITE_OK)
		return tx_end(s, rc, "create link");
	body = render(arg, out, &status, &location);
	st = stmt(s, ST_IDEM_PRUNE);
	sqlite3_bind_int64(st, 1, now - 86400);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return tx_end(s, rc, "idempotency key");
	st = stmt(s, ST_IDEM_PUT);
	sqlite3_bind_int64(st, 1, key_id);
	bind_text(st, 2, idem_key);
	sqlite3_bind_blob(st, 3, request_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, status);
	bind_text(st, 5, location);
	bind_text(st, 6, body);
	sqlite3_bind_int64(st, 7, now);
	rc = sqlite3_step(st);
	done(st);
	return tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc, "idempotency key");
}

/*
 * Find the link (domain, code) for a change, inside the transaction:
 * its id, version and whether it is deleted. KZ_NOTFOUND when none.
 */
static enum kz_err
link_lock(struct store *s, struct arena *a, const char *domain,
    const char *code, struct link *l)
{
	sqlite3_stmt	*st = stmt(s, ST_LINK_GET);
	enum kz_err	 err = KZ_OK;
	int		 rc;

	bind_text(st, 1, domain);
	bind_text(st, 2, code);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		link_from_row(a, st, l);
	else if (rc == SQLITE_DONE)
		err = KZ_NOTFOUND;
	else
		err = store_err(s, rc, "find link");
	done(st);
	return err;
}

static enum kz_err
link_by_id(struct store *s, struct arena *a, int64_t id, struct link *out)
{
	sqlite3_stmt	*st = stmt(s, ST_LINK_BY_ID);
	enum kz_err	 err = KZ_OK;
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		link_from_row(a, st, out);
	else
		err = rc == SQLITE_DONE ? KZ_NOTFOUND :
		    store_err(s, rc, "read link");
	done(st);
	return err;
}

/*
 * Begin a change to (domain, code): lock, find, check. Leaves the
 * transaction open on KZ_OK only.
 */
static enum kz_err
change_begin(struct store *s, struct arena *a, const char *domain,
    const char *code, int64_t if_version, bool want_deleted, struct link *l)
{
	enum kz_err	err;
	int		rc;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "change link");
	if ((err = link_lock(s, a, domain, code, l)) == KZ_OK) {
		if (want_deleted != (l->deleted_at != 0))
			err = want_deleted ? KZ_NOTFOUND : KZ_GONE;
		else if (if_version != 0 && l->version != if_version)
			err = KZ_PRECOND;
	}
	if (err != KZ_OK)
		tx_rollback(s);
	return err;
}

enum kz_err
store_link_update(struct store *s, struct arena *a, const char *domain,
    const char *code, const struct link_patch *p, int64_t if_version,
    struct link *out)
{
	sqlite3_stmt	*st;
	struct link	 cur;
	const struct link *v = &p->v;
	enum kz_err	 err;
	int		 rc;

	if ((err = change_begin(s, a, domain, code, if_version, false,
	    &cur)) != KZ_OK)
		return err;
	st = stmt(s, ST_LINK_UPDATE);
	sqlite3_bind_int64(st, 1, cur.id);
	sqlite3_bind_int(st, 2, (p->set & LF_URL) != 0);
	bind_text(st, 3, v->url);
	sqlite3_bind_int(st, 4, (p->set & LF_TITLE) != 0);
	bind_text(st, 5, v->title);
	sqlite3_bind_int(st, 6, (p->set & LF_NOTES) != 0);
	bind_text(st, 7, v->notes);
	sqlite3_bind_int(st, 8, (p->set & LF_REDIRECT_STATUS) != 0);
	sqlite3_bind_int(st, 9, v->redirect_status);
	sqlite3_bind_int(st, 10, (p->set & LF_FORWARD_QUERY) != 0);
	sqlite3_bind_int(st, 11, v->forward_query);
	sqlite3_bind_int(st, 12, (p->set & LF_PASSWORD) != 0);
	bind_text(st, 13, v->password_hash);
	sqlite3_bind_int(st, 14, (p->set & LF_EXPIRES_AT) != 0);
	bind_opt_int(st, 15, v->expires_at);
	sqlite3_bind_int(st, 16, (p->set & LF_MAX_CLICKS) != 0);
	bind_opt_int(st, 17, v->max_clicks);
	sqlite3_bind_int64(st, 18, now_s());
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_DONE && (p->set & LF_TAGS)) {
		st = stmt(s, ST_LINK_TAGS_CLEAR);
		sqlite3_bind_int64(st, 1, cur.id);
		rc = sqlite3_step(st);
		done(st);
		if (rc == SQLITE_DONE)
			rc = tags_insert(s, cur.id, v->tags, v->ntags) ==
			    SQLITE_OK ? SQLITE_DONE : SQLITE_ERROR;
	}
	if (rc == SQLITE_DONE &&
	    (err = link_by_id(s, a, cur.id, out)) != KZ_OK) {
		tx_rollback(s);
		return err;
	}
	return tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc, "update link");
}

enum kz_err
store_link_delete(struct store *s, const char *domain, const char *code,
    int64_t if_version)
{
	struct arena	*a;
	sqlite3_stmt	*st;
	struct link	 cur;
	enum kz_err	 err;
	int		 rc;

	if ((a = arena_create()) == NULL)
		return KZ_SYSTEM;
	if ((err = change_begin(s, a, domain, code, if_version, false,
	    &cur)) == KZ_OK) {
		st = stmt(s, ST_LINK_DELETE);
		sqlite3_bind_int64(st, 1, cur.id);
		sqlite3_bind_int64(st, 2, now_s());
		rc = sqlite3_step(st);
		done(st);
		err = tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc,
		    "delete link");
	}
	arena_free(a);
	return err;
}

enum kz_err
store_link_restore(struct store *s, struct arena *a, const char *domain,
    const char *code, struct link *out)
{
	sqlite3_stmt	*st;
	struct link	 cur;
	enum kz_err	 err;
	int		 rc;

	if ((err = change_begin(s, a, domain, code, 0, true, &cur)) != KZ_OK)
		return err;
	st = stmt(s, ST_LINK_RESTORE);
	sqlite3_bind_int64(st, 1, cur.id);
	sqlite3_bind_int64(st, 2, now_s());
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_DONE && (err = link_by_id(s, a, cur.id, out)) !=
	    KZ_OK) {
		tx_rollback(s);
		return err;
	}
	return tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc, "restore link");
}

/* "%text%" with LIKE's own characters escaped by '\'. */
static char *
like_pattern(struct arena *a, const char *q)
{
	char	*p = arena_alloc(a, 2 * strlen(q) + 3), *o = p;

	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

static void
list_bind(sqlite3_stmt *st, struct arena *a, const struct link_query *q)
{
	bind_text(st, 2, q->domain);
	sqlite3_bind_int(st, 3, q->deleted);
	bind_text(st, 4, q->tag);
	bind_text(st, 5, q->q != NULL ? like_pattern(a, q->q) : NULL);
}

enum kz_err
store_link_list(struct store *s, struct arena *a, const struct link_query *q,
    struct link **out, size_t *n, int64_t *next_before, int64_t *total)
{
	sqlite3_stmt	*st = stmt(s, ST_LINK_LIST);
	struct link	*l;
	int		 rc;

	*n = 0;
	*next_before = 0;
	l = arena_alloc(a, (q->limit + 1) * sizeof(*l));
	sqlite3_bind_int64(st, 1, q->before_id > 0 ? q->before_id : INT64_MAX);
	list_bind(st, a, q);
	sqlite3_bind_int64(st, 6, (int64_t)q->limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == q->limit) {
			*next_before = l[*n - 1].id;
			continue;
		}
		link_from_row(a, st, &l[(*n)++]);
	}
	done(st);
	if (rc != SQLITE_DONE)
		return store_err(s, rc, "list links");
	*out = l;
	if (!q->count)
		return KZ_OK;
	st = stmt(s, ST_LINK_COUNT);
	list_bind(st, a, q);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	done(st);
	return rc == SQLITE_ROW ? KZ_OK : store_err(s, rc, "count links");
}

#define STORE_PAGE	256	/* links read per page by store_link_each */

enum kz_err
store_link_each(struct store *s, void (*fn)(const struct link *, void *),
    void *arg)
{
	struct arena	*a;
	struct link	 l[STORE_PAGE];
	sqlite3_stmt	*st = stmt(s, ST_LINK_PAGE);
	int64_t		 after = 0;
	size_t		 i, n;
	int		 rc;

	if ((a = arena_create()) == NULL)
		return KZ_SYSTEM;
	do {
		/* Read a page, end the read, then hand it out. */
		arena_reset(a);
		n = 0;
		sqlite3_bind_int64(st, 1, after);
		sqlite3_bind_int(st, 2, STORE_PAGE);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			link_from_row(a, st, &l[n++]);
		done(st);
		if (rc != SQLITE_DONE) {
			arena_free(a);
			return store_err(s, rc, "read links");
		}
		for (i = 0; i < n; i++)
			fn(&l[i], arg);
		if (n > 0)
			after = l[n - 1].id;
	} while (n == STORE_PAGE);
	arena_free(a);
	return KZ_OK;
}

enum kz_err
store_link_import(struct store *s, const struct link *l)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "import link");
	st = stmt(s, ST_LINK_IMPORT);
	bind_text(st, 1, l->domain);
	bind_text(st, 2, l->code);
	bind_text(st, 3, l->url);
	bind_text(st, 4, l->title);
	bind_text(st, 5, l->notes);
	sqlite3_bind_int(st, 6, l->redirect_status);
	sqlite3_bind_int(st, 7, l->forward_query);
	bind_text(st, 8, l->password_hash);
	bind_opt_int(st, 9, l->expires_at);
	bind_opt_int(st, 10, l->max_clicks);
	sqlite3_bind_int64(st, 11, l->created_at);
	sqlite3_bind_int64(st, 12, l->updated_at);
	bind_opt_int(st, 13, l->deleted_at);
	sqlite3_bind_int64(st, 14, l->version);
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(s->db);
	if (rc == SQLITE_DONE && l->clicks > 0) {
		/* Its row in link_counts, which a link without visits lacks. */
		st = stmt(s, ST_LINK_BUMP);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, l->clicks);
		rc = sqlite3_step(st);
		done(st);
	}
	if (rc == SQLITE_DONE)
		rc = tags_insert(s, id, l->tags, l->ntags);
	return tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc, "import link");
}

enum kz_err
store_pw_failures(struct store *s, int64_t link_id,
    const unsigned char client[16], int64_t since, int64_t *n)
{
	sqlite3_stmt	*st = stmt(s, ST_PW_COUNT);
	int		 rc;

	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_blob(st, 2, client, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(st);
	return rc == SQLITE_ROW ? KZ_OK : store_err(s, rc, "password tries");
}

enum kz_err
store_pw_fail(struct store *s, int64_t link_id,
    const unsigned char client[16], int64_t now, int64_t window,
    int64_t *recent)
{
	sqlite3_stmt	*st;
	enum kz_err	 err;
	int		 rc;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "password tries");
	st = stmt(s, ST_PW_PRUNE);
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, now - window);
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_DONE &&
	    (err = store_pw_failures(s, link_id, client, now - window,
	    recent)) != KZ_OK) {
		tx_rollback(s);
		return err;
	}
	if (rc == SQLITE_DONE) {
		st = stmt(s, ST_PW_FAIL);
		sqlite3_bind_int64(st, 1, link_id);
		sqlite3_bind_blob(st, 2, client, 16, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		rc = sqlite3_step(st);
		done(st);
	}
	return tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc, "password tries");
}

enum kz_err
store_link_get(struct store *s, struct arena *a, const char *domain,
    const char *code, struct link *out)
{
	sqlite3_stmt	*st = stmt(s, ST_LINK_GET);
	enum kz_err	 err = KZ_OK;
	int		 rc;

	bind_text(st, 1, domain);
	bind_text(st, 2, code);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		link_from_row(a, st, out);
	else if (rc == SQLITE_DONE)
		err = KZ_NOTFOUND;
	else
		err = store_err(s, rc, "get link");
	done(st);
	return err;
}

enum kz_err
store_target(struct store *s, struct arena *a, const char *host,
    const char *code, struct target *out)
{
	sqlite3_stmt	*st = stmt(s, ST_TARGET);
	enum kz_err	 err = KZ_OK;
	int		 rc;

	bind_text(st, 1, host);
	bind_text(st, 2, code);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->url = col_text(a, st, 1);
		out->redirect_status = sqlite3_column_int(st, 2);
		out->expires_at = sqlite3_column_int64(st, 3);
		out->max_clicks = sqlite3_column_int64(st, 4);
		out->deleted = sqlite3_column_int(st, 5) != 0;
		out->forward_query = sqlite3_column_int(st, 6) != 0;
		out->password_hash = col_text(a, st, 7);
		out->clicks = sqlite3_column_int64(st, 8);
	} else if (rc == SQLITE_DONE)
		err = KZ_NOTFOUND;
	else
		err = store_err(s, rc, "redirect lookup");
	done(st);
	return err;
}

enum kz_err
store_link_take_visit(struct store *s, int64_t link_id)
{
	sqlite3_stmt	*st = stmt(s, ST_TAKE_VISIT);
	int		 rc;

	/* One statement is its own transaction, and atomic. */
	sqlite3_bind_int64(st, 1, link_id);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return store_err(s, rc, "count visit");
	return sqlite3_changes(s->db) == 1 ? KZ_OK : KZ_GONE;
}

/*
 * Calendar months (UTC) from days since the epoch and back, after
 * Howard Hinnant's civil_from_days and days_from_civil: the same months
 * as SQLite's strftime('%Y-%m', day * 86400, 'unixepoch'), which
 * migration 005 used to fill link_dims_months.
 */
int64_t
store_month(int64_t day)
{
	int64_t		z = day + 719468, era, doe, yoe, y, doy, mp, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	return (y - 1970) * 12 + m - 1;
}

int64_t
store_month_first(int64_t month)
{
	int64_t		y, m, era, yoe, doy, doe;

	y = 1970 + (month >= 0 ? month / 12 : (month - 11) / 12);
	m = month - (y - 1970) * 12 + 1;
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Rollups are summed in memory first: a batch of clicks on one popular
 * link becomes one upsert per bucket, not one per click.
 */
enum roll_kind {
	R_LINK,			/* link_counts.clicks, and that the link exists */
	R_HOUR,
	R_DAY,
	R_DIM,
	R_DIM_MONTH,
	R_MISS
};

struct roll {
	enum roll_kind	 kind;
	int64_t		 link_id;
	int64_t		 t;
	const char	*dim;
	const char	*value;
	int64_t		 visits, bots, uniques;
};

static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
roll_cmp(const void *pa, const void *pb)
{
	const struct roll	*a = pa, *b = pb;
	int			 c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->link_id != b->link_id)
		return a->link_id < b->link_id ? -1 : 1;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if ((c = strcmp_null(a->dim, b->dim)) != 0)
		return c;
	return strcmp_null(a->value, b->value);
}

static void
roll_add(struct roll *r, size_t *n, enum roll_kind kind, int64_t link_id,
    int64_t t, const char *dim, const char *value, bool bot,
    int64_t uniques)
{
	struct roll	*x = &r[(*n)++];

	x->kind = kind;
	x->link_id = link_id;
	x->t = t;
	x->dim = dim;
	x->value = value;
	x->visits = bot ? 0 : 1;
	x->bots = bot ? 1 : 0;
	x->uniques = uniques;
}

/* Run one upsert for a merged rollup row. */
static int
roll_write(struct store *s, const struct roll *x)
{
	sqlite3_stmt	*st;
	int		 rc;

	switch (x->kind) {
	case R_LINK:
		/*
		 * The one check that the link exists for all the rows of its
		 * clicks: the flush connection does not check each row's
		 * foreign key (store_clicks_only).
		 */
		st = stmt(s, x->visits > 0 ? ST_LINK_BUMP : ST_LINK_EXISTS);
		sqlite3_bind_int64(st, 1, x->link_id);
		if (x->visits > 0)
			sqlite3_bind_int64(st, 2, x->visits);
		rc = sqlite3_step(st);
		done(st);
		if (rc == SQLITE_DONE && x->visits > 0 &&
		    sqlite3_changes(s->db) == 1)
			return SQLITE_OK;
		if (rc == SQLITE_ROW && x->visits == 0)
			return SQLITE_OK;
		if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
			log_error("write clicks: link %jd does not exist",
			    (intmax_t)x->link_id);
			return SQLITE_CONSTRAINT_FOREIGNKEY;
		}
		return rc;
	case R_HOUR:
		st = stmt(s, ST_HOUR_ADD);
		sqlite3_bind_int64(st, 1, x->link_id);
		sqlite3_bind_int64(st, 2, x->t);
		sqlite3_bind_int64(st, 3, x->visits);
		sqlite3_bind_int64(st, 4, x->bots);
		break;
	case R_DAY:
		st = stmt(s, ST_DAY_ADD);
		sqlite3_bind_int64(st, 1, x->link_id);
		sqlite3_bind_int64(st, 2, x->t);
		sqlite3_bind_int64(st, 3, x->visits);
		sqlite3_bind_int64(st, 4, x->bots);
		sqlite3_bind_int64(st, 5, x->uniques);
		break;
	case R_DIM:
	case R_DIM_MONTH:
		st = stmt(s, x->kind == R_DIM ? ST_DIM_ADD : ST_DIM_MONTH_ADD);
		sqlite3_bind_int64(st, 1, x->link_id);
		sqlite3_bind_int64(st, 2, x->t);
		bind_text(st, 3, x->dim);
		bind_text(st, 4, x->value);
		sqlite3_bind_int64(st, 5, x->visits);
		sqlite3_bind_int64(st, 6, x->bots);
		break;
	case R_MISS:
	default:
		st = stmt(s, ST_MISS_ADD);
		bind_text(st, 1, x->value);
		sqlite3_bind_int64(st, 2, x->t);
		sqlite3_bind_int64(st, 3, x->visits + x->bots);
		break;
	}
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Insert the raw row of a click; uniques: 1 when its visitor is new today. */
static int
click_insert(struct store *s, const struct click *c, int64_t day,
    int64_t *uniques)
{
	sqlite3_stmt	*st = stmt(s, ST_CLICK_INSERT);
	int		 rc;

	sqlite3_bind_int64(st, 1, c->link_id);
	sqlite3_bind_int64(st, 2, c->ts_ms);
	bind_text(st, 3, c->referrer);
	bind_text(st, 4, c->user_agent);
	sqlite3_bind_int(st, 5, c->bot);
	if (c->has_visitor)
		sqlite3_bind_blob(st, 6, c->visitor, STORE_VISITOR_LEN,
		    SQLITE_STATIC);
	bind_text(st, 7, c->referrer_host);
	bind_text(st, 8, c->browser);
	bind_text(st, 9, c->os);
	bind_text(st, 10, c->device);
	bind_text(st, 11, c->country);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	*uniques = 0;
	if (c->bot || !c->has_visitor)
		return SQLITE_OK;
	st = stmt(s, ST_VISITOR_ADD);
	sqlite3_bind_int64(st, 1, c->link_id);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_blob(st, 3, c->visitor, STORE_VISITOR_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	*uniques = sqlite3_changes(s->db);
	return SQLITE_OK;
}

#define ROLLS_PER_CLICK	13	/* link, hour, day, five dimensions by day and month */
#define DIMS_PER_CLICK	5

/*
 * Add a dimension's value to its day, and to its month when that month
 * is folded already (a click that comes late, or a batch that folds it).
 */
static void
roll_dim(struct roll *r, size_t *n, const struct click *c, int64_t day,
    bool month, const char *dim, const char *value)
{
	roll_add(r, n, R_DIM, c->link_id, day, dim, value, c->bot, 0);
	if (month)
		roll_add(r, n, R_DIM_MONTH, c->link_id, store_month(day), dim,
		    value, c->bot, 0);
}

/* The last month of link_id's dimensions folded into months; -1: none. */
static int
fold_get(struct store *s, int64_t link_id, int64_t *month)
{
	sqlite3_stmt	*st = stmt(s, ST_FOLD_GET);
	int		 rc;

	sqlite3_bind_int64(st, 1, link_id);
	rc = sqlite3_step(st);
	*month = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * Fold the months after *folded up to month of link_id's dimensions,
 * from the days written so far, into link_dims_months: a month's rows
 * are made anew, whatever it held. *folded becomes month.
 */
static int
fold(struct store *s, int64_t link_id, int64_t *folded, int64_t month)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (month <= *folded)
		return SQLITE_OK;
	st = stmt(s, ST_FOLD_CLEAR);
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, *folded + 1);
	sqlite3_bind_int64(st, 3, month);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	st = stmt(s, ST_FOLD_DIMS);
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, store_month_first(*folded + 1));
	sqlite3_bind_int64(st, 3, store_month_first(month + 1) - 1);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	st = stmt(s, ST_FOLD_SET);
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, month);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	*folded = month;
	return SQLITE_OK;
}

/* Clicks by link, then time: see store_clicks_write(). */
static int
click_cmp(const void *pa, const void *pb)
{
	const struct click	*a = *(const struct click *const *)pa;
	const struct click	*b = *(const struct click *const *)pb;

	if (a->link_id != b->link_id)
		return a->link_id < b->link_id ? -1 : 1;
	if (a->ts_ms != b->ts_ms)
		return a->ts_ms < b->ts_ms ? -1 : 1;
	return a < b ? -1 : a > b;
}

void
store_clicks_cancel(struct store *s, bool on)
{
	atomic_store_explicit(&s->cancel, on, memory_order_relaxed);
}

bool
store_clicks_cancelled(struct store *s)
{
	return atomic_load_explicit(&s->cancel, memory_order_relaxed);
}

enum kz_err
store_clicks_write(struct store *s, const struct click *clicks, size_t n)
{
	struct roll		*r, *x;
	const struct click	**o, *c;
	enum kz_err		 err;
	bool			 month;
	size_t			 i, k, nr = 0;
	int64_t			 day, uniques = 0, folded = -1;
	int			 rc;

	if (n == 0)
		return KZ_OK;
	if (n > s->room) {
		/* What they held is not kept: each batch fills them anew. */
		if ((r = reallocarray(s->rolls, n * ROLLS_PER_CLICK,
		    sizeof(*r))) == NULL)
			return KZ_SYSTEM;
		s->rolls = r;
		if ((o = reallocarray(s->order, n, sizeof(*o))) == NULL)
			return KZ_SYSTEM;
		s->order = o;
		s->room = n;
	}
	r = s->rolls;
	o = s->order;
	/*
	 * Raw rows in order of link: the clicks (link_id, ts) index and the
	 * visitors are then written page after page, not at random.
	 */
	for (i = 0; i < n; i++)
		o[i] = &clicks[i];
	qsort(o, n, sizeof(*o), click_cmp);
	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "write clicks");
	for (i = 0; i < n; i++) {
		if (store_clicks_cancelled(s)) {
			rc = SQLITE_INTERRUPT;
			goto fail;
		}
		c = o[i];
		day = c->ts_ms / 86400000;
		if (c->link_id == 0) {
			roll_add(r, &nr, R_MISS, 0, day, NULL, c->code, false,
			    0);
			continue;
		}
		if (i == 0 || o[i - 1]->link_id != c->link_id) {
			/*
			 * The link's first click of the batch: its months
			 * before that of its last click are whole from now
			 * on. They are folded from the days written before
			 * this batch; this batch's clicks in them are added
			 * to their months as well (roll_dim).
			 */
			for (k = i; k + 1 < n && o[k + 1]->link_id ==
			    c->link_id; k++)
				;
			if ((rc = fold_get(s, c->link_id, &folded)) !=
			    SQLITE_OK || (rc = fold(s, c->link_id, &folded,
			    store_month(o[k]->ts_ms / 86400000) - 1)) !=
			    SQLITE_OK)
				goto fail;
		}
		month = store_month(day) <= folded;
		if ((rc = click_insert(s, c, day, &uniques)) != SQLITE_OK)
			goto fail;
		/* Every click's link, counted or not (a bot), is checked. */
		roll_add(r, &nr, R_LINK, c->link_id, 0, NULL, NULL,
		    !c->bump, 0);
		roll_add(r, &nr, R_HOUR, c->link_id, c->ts_ms / 3600000,
		    NULL, NULL, c->bot, 0);
		roll_add(r, &nr, R_DAY, c->link_id, day, NULL, NULL,
		    c->bot, uniques);
		roll_dim(r, &nr, c, day, month, "referrer",
		    c->referrer_host != NULL ? c->referrer_host :
		    "(direct)");
		if (c->browser != NULL)
			roll_dim(r, &nr, c, day, month, "browser", c->browser);
		if (c->os != NULL)
			roll_dim(r, &nr, c, day, month, "os", c->os);
		if (c->device != NULL)
			roll_dim(r, &nr, c, day, month, "device", c->device);
		if (c->country != NULL)
			roll_dim(r, &nr, c, day, month, "country", c->country);
	}
	qsort(r, nr, sizeof(*r), roll_cmp);
	for (i = 0; i < nr; i = k) {
		if (store_clicks_cancelled(s)) {
			rc = SQLITE_INTERRUPT;
			goto fail;
		}
		x = &r[i];
		for (k = i + 1; k < nr && roll_cmp(x, &r[k]) == 0; k++) {
			x->visits += r[k].visits;
			x->bots += r[k].bots;
			x->uniques += r[k].uniques;
		}
		if ((rc = roll_write(s, x)) != SQLITE_OK)
			goto fail;
	}
	if ((rc = tx_commit(s)) == SQLITE_OK)
		return KZ_OK;
fail:
	err = store_err(s, rc, "write clicks");
	tx_rollback(s);
	return err;
}

enum kz_err
store_salt(struct store *s, int64_t day,
    const unsigned char candidate[STORE_SALT_LEN],
    unsigned char out[STORE_SALT_LEN])
{
	sqlite3_stmt	*st;
	int		 rc;

	if (day == s->salt_day) {
		memcpy(out, s->salt, STORE_SALT_LEN);
		return KZ_OK;
	}
	st = stmt(s, ST_SALT_PUT);
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_blob(st, 2, candidate, STORE_SALT_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return store_err(s, rc, "store salt");
	if (sqlite3_changes(s->db) == 1) {
		st = stmt(s, ST_SALT_PRUNE);
		sqlite3_bind_int64(st, 1, day - 1);
		rc = sqlite3_step(st);
		done(st);
		if (rc != SQLITE_DONE)
			return store_err(s, rc, "prune salts");
	}
	st = stmt(s, ST_SALT_GET);
	sqlite3_bind_int64(st, 1, day);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == STORE_SALT_LEN) {
		memcpy(s->salt, sqlite3_column_blob(st, 0), STORE_SALT_LEN);
		s->salt_day = day;
		memcpy(out, s->salt, STORE_SALT_LEN);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_CORRUPT;
	done(st);
	return rc == SQLITE_OK ? KZ_OK : store_err(s, rc, "read salt");
}

enum kz_err
store_stats_series(struct store *s, struct arena *a, int64_t link_id,
    bool hourly, int64_t from, int64_t to, struct stats_point **out,
    size_t *n)
{
	sqlite3_stmt	*st = stmt(s, hourly ? ST_STATS_HOURS : ST_STATS_DAYS);
	size_t		 cap = 64;
	struct stats_point *p, *np;
	int		 rc;

	*n = 0;
	p = arena_alloc(a, cap * sizeof(*p));
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			np = arena_alloc(a, 2 * cap * sizeof(*p));
			memcpy(np, p, cap * sizeof(*p));
			p = np;
			cap *= 2;
		}
		p[*n].t = sqlite3_column_int64(st, 0);
		p[*n].visits = sqlite3_column_int64(st, 1);
		p[*n].uniques = sqlite3_column_int64(st, 2);
		p[*n].bots = sqlite3_column_int64(st, 3);
		(*n)++;
	}
	done(st);
	*out = p;
	return rc == SQLITE_DONE ? KZ_OK : store_err(s, rc, "stats series");
}

/* Collect up to STATS_TOP_MAX (value, n) rows of a prepared query. */
static int
top_rows(struct arena *a, sqlite3_stmt *st, struct stats_top *out, size_t *n)
{
	int	rc;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < STATS_TOP_MAX) {
		out[*n].value = col_text(a, st, 0);
		out[*n].n = sqlite3_column_int64(st, 1);
		if (out[*n].value != NULL)
			(*n)++;
	}
	done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* A value's sum in store_stats_top(). */
struct tally {
	const char	*value;		/* NULL: an empty slot */
	size_t		 len;
	uint64_t	 hash;
	int64_t		 n;
};

struct tallies {
	struct tally	*t;
	size_t		 cap, used;	/* cap: a power of two */
};

static uint64_t
tally_hash(const char *v, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)v[i]) * 1099511628211ULL;
	return h;
}

/* The slot of (v, len) in t: its own, or the empty one it would take. */
static struct tally *
tally_slot(struct tally *t, size_t cap, const char *v, size_t len,
    uint64_t h)
{
	size_t	i = (size_t)h & (cap - 1);

	while (t[i].value != NULL && (t[i].hash != h || t[i].len != len ||
	    memcmp(t[i].value, v, len) != 0))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

/* Add n to the value (v, len). */
static void
tally_add(struct arena *a, struct tallies *ts, const char *v, size_t len,
    int64_t n)
{
	struct tally	*t, *old = ts->t;
	uint64_t	 h = tally_hash(v, len);
	size_t		 i, cap;

	if (2 * (ts->used + 1) > ts->cap) {
		cap = ts->cap != 0 ? 2 * ts->cap : 256;
		t = arena_alloc(a, cap * sizeof(*t));
		memset(t, 0, cap * sizeof(*t));
		for (i = 0; i < ts->cap; i++)
			if (old[i].value != NULL)
				*tally_slot(t, cap, old[i].value, old[i].len,
				    old[i].hash) = old[i];
		ts->t = t;
		ts->cap = cap;
	}
	t = tally_slot(ts->t, ts->cap, v, len, h);
	if (t->value == NULL) {
		t->value = arena_strndup(a, v, len);
		t->len = len;
		t->hash = h;
		ts->used++;
	}
	t->n += n;
}

/* x before y in the top: more first, then by value as SQLite's BINARY. */
static bool
tally_before(const struct tally *x, const struct tally *y)
{
	int	c;

	if (x->n != y->n)
		return x->n > y->n;
	c = memcmp(x->value, y->value, x->len < y->len ? x->len : y->len);
	return c != 0 ? c < 0 : x->len < y->len;
}

enum kz_err
store_stats_top(struct store *s, struct arena *a, int64_t link_id,
    const char *dim, int64_t from, int64_t to, bool bots,
    struct stats_top *out, size_t *n)
{
	sqlite3_stmt	*st = stmt(s, ST_STATS_DIM);
	struct tallies	 ts = { NULL, 0, 0 };
	struct tally	*t, *top[STATS_TOP_MAX];
	int64_t		 m1, m2, folded;
	size_t		 i, j, k = 0;
	int		 rc;

	/*
	 * The whole months within [from, to] that are folded (008_folds);
	 * none when m1 > m2. A fold that commits meanwhile changes no month
	 * up to folded, and the days have every month.
	 */
	if ((rc = fold_get(s, link_id, &folded)) != SQLITE_OK)
		return store_err(s, rc, "stats top");
	m1 = store_month(from);
	if (store_month_first(m1) < from)
		m1++;
	m2 = store_month(to);
	if (store_month_first(m2 + 1) - 1 > to)
		m2--;
	if (m2 > folded)
		m2 = folded;
	sqlite3_bind_int64(st, 1, link_id);
	bind_text(st, 2, dim);
	sqlite3_bind_int(st, 5, bots ? 1 : 0);
	if (m1 > m2) {
		sqlite3_bind_int64(st, 3, from);
		sqlite3_bind_int64(st, 4, to);
		sqlite3_bind_int64(st, 6, 1);
		sqlite3_bind_int64(st, 7, 0);
		sqlite3_bind_int64(st, 8, 1);
		sqlite3_bind_int64(st, 9, 0);
	} else {
		sqlite3_bind_int64(st, 3, from);
		sqlite3_bind_int64(st, 4, store_month_first(m1) - 1);
		sqlite3_bind_int64(st, 6, m1);
		sqlite3_bind_int64(st, 7, m2);
		sqlite3_bind_int64(st, 8, store_month_first(m2 + 1));
		sqlite3_bind_int64(st, 9, to);
	}
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char	*v = (const char *)sqlite3_column_text(st, 0);

		if (v != NULL)
			tally_add(a, &ts, v,
			    (size_t)sqlite3_column_bytes(st, 0),
			    sqlite3_column_int64(st, 1));
	}
	done(st);
	if (rc != SQLITE_DONE)
		return store_err(s, rc, "stats top");
	/* The STATS_TOP_MAX first, by insertion into top[]. */
	for (i = 0; i < ts.cap; i++) {
		t = &ts.t[i];
		if (t->value == NULL || t->n <= 0 || (k == STATS_TOP_MAX &&
		    !tally_before(t, top[k - 1])))
			continue;
		j = k < STATS_TOP_MAX ? k++ : k - 1;
		for (; j > 0 && tally_before(t, top[j - 1]); j--)
			top[j] = top[j - 1];
		top[j] = t;
	}
	for (*n = 0; *n < k; (*n)++) {
		out[*n].value = top[*n]->value;
		out[*n].n = top[*n]->n;
	}
	return KZ_OK;
}

enum kz_err
store_clicks_page(struct store *s, int64_t link_id, int64_t after_ts,
    int64_t after_id, size_t limit,
    void (*fn)(const struct click_row *, void *), void *arg, size_t *n)
{
	sqlite3_stmt		*st = stmt(s, ST_CLICKS_PAGE);
	struct click_row	 r;
	int			 rc;

	*n = 0;
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, after_ts);
	sqlite3_bind_int64(st, 3, after_id);
	sqlite3_bind_int64(st, 4, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.ts_ms = sqlite3_column_int64(st, 1);
		r.bot = sqlite3_column_int(st, 2) != 0;
		r.referrer = (const char *)sqlite3_column_text(st, 3);
		r.referrer_host = (const char *)sqlite3_column_text(st, 4);
		r.user_agent = (const char *)sqlite3_column_text(st, 5);
		r.browser = (const char *)sqlite3_column_text(st, 6);
		r.os = (const char *)sqlite3_column_text(st, 7);
		r.device = (const char *)sqlite3_column_text(st, 8);
		r.country = (const char *)sqlite3_column_text(st, 9);
		r.visitor = (const char *)sqlite3_column_text(st, 10);
		if (r.visitor != NULL && r.visitor[0] == '\0')
			r.visitor = NULL;
		fn(&r, arg);
		(*n)++;
	}
	done(st);
	return rc == SQLITE_DONE ? KZ_OK : store_err(s, rc, "clicks page");
}

enum kz_err
store_clicks_page_next(struct store *s, int64_t link_id, int64_t after_ts,
    int64_t after_id, size_t limit, bool *more, int64_t *next_ts,
    int64_t *next_id)
{
	sqlite3_stmt	*st = stmt(s, ST_CLICKS_NEXT);
	int		 rc, rows = 0;

	*more = false;
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_int64(st, 2, after_ts);
	sqlite3_bind_int64(st, 3, after_id);
	sqlite3_bind_int64(st, 4, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows++ == 0) {
			*next_ts = sqlite3_column_int64(st, 0);
			*next_id = sqlite3_column_int64(st, 1);
		} else
			*more = true;
	}
	done(st);
	return rc == SQLITE_DONE ? KZ_OK : store_err(s, rc, "clicks page");
}

enum kz_err
store_instance_stats(struct store *s, struct arena *a, int64_t today,
    struct instance_stats *o)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(o, 0, sizeof(*o));
	st = stmt(s, ST_INST_LINKS);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o->links = sqlite3_column_int64(st, 0);
		o->visits = sqlite3_column_int64(st, 1);
	}
	done(st);
	if (rc != SQLITE_ROW)
		return store_err(s, rc, "instance stats");
	st = stmt(s, ST_INST_TODAY);
	sqlite3_bind_int64(st, 1, today);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o->today_visits = sqlite3_column_int64(st, 0);
		o->today_uniques = sqlite3_column_int64(st, 1);
		o->today_bots = sqlite3_column_int64(st, 2);
	}
	done(st);
	if (rc != SQLITE_ROW)
		return store_err(s, rc, "instance stats");
	if ((rc = top_rows(a, stmt(s, ST_INST_TOP_LINKS), o->top_links,
	    &o->ntop_links)) != SQLITE_OK)
		return store_err(s, rc, "instance stats");
	st = stmt(s, ST_INST_TOP_MISSES);
	sqlite3_bind_int64(st, 1, today - 29);
	if ((rc = top_rows(a, st, o->top_misses, &o->ntop_misses)) !=
	    SQLITE_OK)
		return store_err(s, rc, "instance stats");
	return KZ_OK;
}

enum kz_err
store_clicks_prune(struct store *s, int64_t before_ms, int64_t *deleted)
{
	sqlite3_stmt	*st;
	enum kz_err	 err;
	int		 rc;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "prune clicks");
	st = stmt(s, ST_PRUNE_CLICKS);
	sqlite3_bind_int64(st, 1, before_ms);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	*deleted = sqlite3_changes(s->db);
	st = stmt(s, ST_PRUNE_VISITORS);
	sqlite3_bind_int64(st, 1, before_ms / 86400000);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if ((rc = tx_commit(s)) == SQLITE_OK)
		return KZ_OK;
fail:
	err = store_err(s, rc, "prune clicks");
	tx_rollback(s);
	return err;
}

enum kz_err
store_key_create(struct store *s, const char *name, enum scope scope,
    const unsigned char hash[AUTH_HASH_LEN], const char *shown)
{
	sqlite3_stmt	*st = stmt(s, ST_KEY_INSERT);
	int		 rc;

	bind_text(st, 1, name);
	sqlite3_bind_blob(st, 2, hash, AUTH_HASH_LEN, SQLITE_STATIC);
	bind_text(st, 3, shown);
	bind_text(st, 4, auth_scope_name(scope));
	sqlite3_bind_int64(st, 5, now_s());
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return KZ_CONFLICT;
	return rc == SQLITE_DONE ? KZ_OK : store_err(s, rc, "create key");
}

enum kz_err
store_key_find(struct store *s, const unsigned char hash[AUTH_HASH_LEN],
    int64_t *id, enum scope *scope)
{
	sqlite3_stmt	*st = stmt(s, ST_KEY_FIND);
	enum kz_err	 err = KZ_UNAUTH;
	int		 rc;

	sqlite3_bind_blob(st, 1, hash, AUTH_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*scope = auth_scope_parse(
		    (const char *)sqlite3_column_text(st, 1));
		err = *scope == SCOPE_NONE ? KZ_UNAUTH : KZ_OK;
	} else if (rc != SQLITE_DONE)
		err = store_err(s, rc, "find key");
	done(st);
	return err;
}

enum kz_err
store_key_revoke(struct store *s, const char *name)
{
	sqlite3_stmt	*st = stmt(s, ST_KEY_REVOKE);
	int		 rc;

	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, now_s());
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return store_err(s, rc, "revoke key");
	return sqlite3_changes(s->db) == 1 ? KZ_OK : KZ_NOTFOUND;
}

enum kz_err
store_key_each(struct store *s, void (*fn)(const struct key_info *, void *),
    void *arg)
{
	sqlite3_stmt	*st = stmt(s, ST_KEY_EACH);
	struct key_info	 k;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k.id = sqlite3_column_int64(st, 0);
		k.name = (const char *)sqlite3_column_text(st, 1);
		k.shown = (const char *)sqlite3_column_text(st, 2);
		k.scope = auth_scope_parse(
		    (const char *)sqlite3_column_text(st, 3));
		k.created_at = sqlite3_column_int64(st, 4);
		k.revoked_at = sqlite3_column_int64(st, 5);
		fn(&k, arg);
	}
	done(st);
	return rc == SQLITE_DONE ? KZ_OK : store_err(s, rc, "list keys");
}

enum kz_err
store_session_create(struct store *s, const unsigned char hash[AUTH_HASH_LEN],
    int64_t key_id, const char *csrf, int64_t now, int64_t expires_at)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "begin session");
	/* Sessions that ran out go when a new one comes: no timer needed. */
	st = stmt(s, ST_SESSION_EXPIRE);
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_DONE) {
		st = stmt(s, ST_SESSION_INSERT);
		sqlite3_bind_blob(st, 1, hash, AUTH_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, key_id);
		bind_text(st, 3, csrf);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int64(st, 5, expires_at);
		rc = sqlite3_step(st);
		done(st);
	}
	return tx_end(s, rc == SQLITE_DONE ? SQLITE_OK : rc, "create session");
}

enum kz_err
store_session_find(struct store *s, struct arena *a,
    const unsigned char hash[AUTH_HASH_LEN], int64_t now,
    struct session_info *out)
{
	sqlite3_stmt	*st = stmt(s, ST_SESSION_FIND);
	enum kz_err	 err = KZ_UNAUTH;
	int		 rc;

	sqlite3_bind_blob(st, 1, hash, AUTH_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->key_id = sqlite3_column_int64(st, 0);
		out->scope = auth_scope_parse(
		    (const char *)sqlite3_column_text(st, 1));
		out->key_name = col_text(a, st, 2);
		out->csrf = col_text(a, st, 3);
		err = out->scope == SCOPE_NONE || out->csrf == NULL ?
		    KZ_UNAUTH : KZ_OK;
	} else if (rc != SQLITE_DONE)
		err = store_err(s, rc, "find session");
	done(st);
	return err;
}

enum kz_err
store_session_delete(struct store *s, const unsigned char hash[AUTH_HASH_LEN])
{
	sqlite3_stmt	*st = stmt(s, ST_SESSION_DELETE);
	int		 rc;

	sqlite3_bind_blob(st, 1, hash, AUTH_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? KZ_OK : store_err(s, rc, "end session");
}
