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

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

enum st {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_HEALTH,
	ST_LINK_INSERT,
	ST_TAG_INSERT,
	ST_LINK_GET,
	ST_TARGET,
	ST_TAKE_VISIT,
	ST_CLICK_INSERT,
	ST_CLICK_COUNT,
	ST_KEY_INSERT,
	ST_KEY_FIND,
	ST_KEY_REVOKE,
	ST_KEY_EACH,
	ST__MAX
};

#define LINK_COLS \
	"l.id, l.domain, l.code, l.url, l.title, " \
	"(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM " \
	"link_tags t WHERE t.link_id = l.id ORDER BY pos)), " \
	"l.redirect_status, l.expires_at, l.max_clicks, l.clicks, " \
	"l.created_at, l.updated_at, l.deleted_at, l.version"

static const char *const st_sql[ST__MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_HEALTH] = "SELECT count(*) FROM (SELECT 1 FROM links LIMIT 1)",
	[ST_LINK_INSERT] =
	    "INSERT INTO links (domain, code, url, title, redirect_status, "
	    "expires_at, max_clicks, created_at, updated_at, key_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
	[ST_TAG_INSERT] =
	    "INSERT INTO link_tags (link_id, pos, tag) VALUES (?1, ?2, ?3)",
	[ST_LINK_GET] =
	    "SELECT " LINK_COLS " FROM links l "
	    "WHERE l.domain = ?1 AND l.code = ?2 COLLATE NOCASE",
	/* The host's own link first, then the default domain's. */
	[ST_TARGET] =
	    "SELECT id, url, redirect_status, expires_at, max_clicks, "
	    "deleted_at IS NOT NULL FROM links "
	    "WHERE domain IN (?1, '') AND code = ?2 COLLATE NOCASE "
	    "ORDER BY domain = '' LIMIT 1",
	[ST_TAKE_VISIT] =
	    "UPDATE links SET clicks = clicks + 1 "
	    "WHERE id = ?1 AND (max_clicks IS NULL OR clicks < max_clicks)",
	[ST_CLICK_INSERT] =
	    "INSERT INTO clicks (link_id, ts, referrer, user_agent, bot) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_CLICK_COUNT] =
	    "UPDATE links SET clicks = clicks + 1 WHERE id = ?1",
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
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST__MAX];
	unsigned	 busy_ms;
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
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warn("%s: database busy past %u ms", what, s->busy_ms);
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

struct store *
store_open(const char *path, unsigned busy_ms, char *err, size_t errsz)
{
	struct store	*s;
	char		 msg[512];
	size_t		 i;
	int		 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		return NULL;
	}
	s->busy_ms = busy_ms;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, sizeof(msg), "cannot open: %s", s->db != NULL ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, (int)busy_ms);
	if (store_wal(s, msg, sizeof(msg)) != SQLITE_OK)
		goto fail;
	/*
	 * FULL: a commit that a response acknowledges is on disk before the
	 * response leaves, power loss included.
	 */
	if (store_exec(s->db, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF",
	    msg, sizeof(msg)) != SQLITE_OK)
		goto fail;
	if (store_migrate(s, msg, sizeof(msg)) != SQLITE_OK)
		goto fail;
	for (i = 0; i < ST__MAX; i++) {
		rc = sqlite3_prepare_v3(s->db, st_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(msg, sizeof(msg), "cannot prepare statement "
			    "%zu: %s", i, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	return s;
fail:
	snprintf(err, errsz, "%s: %s", path, msg);
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < ST__MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
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

/* Insert l under code; SQLITE_CONSTRAINT_UNIQUE when it is taken. */
static int
link_insert(struct store *s, const struct link *l, const char *code,
    int64_t key_id, int64_t now, int64_t *id)
{
	sqlite3_stmt	*st = stmt(s, ST_LINK_INSERT);
	size_t		 i;
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
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);

	st = stmt(s, ST_TAG_INSERT);
	for (i = 0; i < l->ntags; i++) {
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_text(st, 3, l->tags[i]);
		rc = sqlite3_step(st);
		done(st);
		if (rc != SQLITE_DONE)
			return rc;
	}
	return SQLITE_OK;
}

enum kz_err
store_link_create(struct store *s, struct arena *a, const struct link *l,
    int64_t key_id, size_t gen_len, struct link *out)
{
	char		 gen[KZ_CODE_GEN_MAX + 1];
	const char	*code = l->code;
	int64_t		 now = now_s(), id = 0;
	enum kz_err	 err;
	int		 rc, tries = 0;

	assert(gen_len >= KZ_CODE_GEN_MIN && gen_len <= KZ_CODE_GEN_MAX);
	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "create link");
	for (;;) {
		if (l->code == NULL) {
			codes_generate(gen, gen_len);
			code = gen;
		}
		rc = link_insert(s, l, code, key_id, now, &id);
		if (rc != SQLITE_CONSTRAINT_UNIQUE)
			break;
		if (l->code != NULL || ++tries == STORE_GEN_TRIES) {
			tx_rollback(s);
			if (l->code == NULL)
				log_error("create link: %d generated codes of "
				    "length %zu collided; raise "
				    "KURZ_CODE_LENGTH", tries, gen_len);
			return l->code != NULL ? KZ_CONFLICT : KZ_SYSTEM;
		}
	}
	if (rc != SQLITE_OK || (rc = tx_commit(s)) != SQLITE_OK) {
		err = store_err(s, rc, "create link");
		tx_rollback(s);
		return err;
	}
	*out = *l;
	out->id = id;
	out->code = arena_strdup(a, code);
	out->clicks = 0;
	out->created_at = out->updated_at = now;
	out->deleted_at = 0;
	out->version = 1;
	return KZ_OK;
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

enum kz_err
store_clicks_write(struct store *s, const struct click *c, size_t n)
{
	sqlite3_stmt	*st;
	enum kz_err	 err;
	size_t		 i;
	int		 rc;

	if (n == 0)
		return KZ_OK;
	if ((rc = tx_begin(s)) != SQLITE_OK)
		return store_err(s, rc, "write clicks");
	for (i = 0; i < n; i++) {
		st = stmt(s, ST_CLICK_INSERT);
		sqlite3_bind_int64(st, 1, c[i].link_id);
		sqlite3_bind_int64(st, 2, c[i].ts_ms);
		bind_text(st, 3, c[i].referrer[0] != '\0' ? c[i].referrer :
		    NULL);
		bind_text(st, 4, c[i].user_agent[0] != '\0' ?
		    c[i].user_agent : NULL);
		sqlite3_bind_int(st, 5, c[i].bot);
		rc = sqlite3_step(st);
		done(st);
		if (rc != SQLITE_DONE)
			goto fail;
		if (!c[i].bump)
			continue;
		st = stmt(s, ST_CLICK_COUNT);
		sqlite3_bind_int64(st, 1, c[i].link_id);
		rc = sqlite3_step(st);
		done(st);
		if (rc != SQLITE_DONE)
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
