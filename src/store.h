/*
 * store.h - the database. The only interface to SQL in kurz: handlers,
 * the click buffer and kurzctl call these functions and never see a
 * statement, so that another backend can take SQLite's place.
 */
#ifndef KZ_STORE_H
#define KZ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "kz.h"

struct arena;
struct store;

/* The fields of a link, as a body carries them and a patch sets them. */
enum link_field {
	LF_URL = 1 << 0,
	LF_CODE = 1 << 1,
	LF_DOMAIN = 1 << 2,
	LF_TITLE = 1 << 3,
	LF_TAGS = 1 << 4,
	LF_EXPIRES_AT = 1 << 5,
	LF_MAX_CLICKS = 1 << 6,
	LF_REDIRECT_STATUS = 1 << 7,
	LF_NOTES = 1 << 8,
	LF_FORWARD_QUERY = 1 << 9,
	LF_PASSWORD = 1 << 10
};


struct link {
	int64_t		 id;
	const char	*domain;	/* "" for the default domain */
	const char	*code;
	const char	*url;
	const char	*title;		/* NULL when unset */
	const char	*notes;		/* NULL when unset */
	const char	**tags;
	size_t		 ntags;
	int		 redirect_status;
	bool		 forward_query;	/* merge the short URL's query */
	int64_t		 expires_at;	/* 0: never */
	int64_t		 max_clicks;	/* 0: no cap */
	int64_t		 clicks;
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 deleted_at;	/* 0: not deleted */
	int64_t		 version;
	/*
	 * Argon2id hash in libsodium's string form; NULL: no password. Never
	 * shown: json_link() says only "password_protected".
	 */
	const char	*password_hash;
};

/*
 * A change to a link (PATCH): the LF_* bits (json.h) of the fields it
 * sets; a set string field that is NULL, or a number that is 0, clears.
 */
struct link_patch {
	unsigned	 set;
	struct link	 v;		/* the new values */
};

/* What a list asks for. */
struct link_query {
	const char	*q;		/* substring of code, URL or title; NULL: any */
	const char	*tag;		/* NULL: any */
	const char	*domain;	/* NULL: every domain */
	bool		 deleted;	/* list deleted links instead of live ones */
	size_t		 limit;		/* 1 to 1000 */
	int64_t		 before_id;	/* the cursor: ids below it; 0: from the newest */
	bool		 count;		/* also count all matches into *total */
};

/* What a redirect needs to know, and nothing more. */
struct target {
	int64_t		 id;
	const char	*url;
	int		 redirect_status;
	int64_t		 expires_at;
	int64_t		 max_clicks;
	int64_t		 clicks;	/* visits counted so far */
	bool		 deleted;
	bool		 forward_query;
	const char	*password_hash;	/* NULL: none */
};

/* One visit, enriched, as the click buffer hands it to the store. */
#define STORE_VISITOR_LEN	16
#define STORE_SALT_LEN		32
struct click {
	int64_t		 link_id;	/* 0: a miss, counted under code */
	const char	*code;
	int64_t		 ts_ms;
	bool		 bump;		/* raise its link_counts.clicks */
	bool		 bot;
	bool		 has_visitor;
	unsigned char	 visitor[STORE_VISITOR_LEN];
	const char	*referrer;	/* each NULL when unknown */
	const char	*referrer_host;
	const char	*user_agent;
	const char	*browser;
	const char	*os;
	const char	*device;
	const char	*country;
};

/* A raw click as the export reads it back. */
struct click_row {
	int64_t		 id;
	int64_t		 ts_ms;
	bool		 bot;
	const char	*referrer;	/* each NULL when unknown */
	const char	*referrer_host;
	const char	*user_agent;
	const char	*browser;
	const char	*os;
	const char	*device;
	const char	*country;
	const char	*visitor;	/* hex */
};

/* One bucket of a time series: an hour or a day since the epoch. */
struct stats_point {
	int64_t		 t;
	int64_t		 visits;
	int64_t		 uniques;	/* days only */
	int64_t		 bots;
};

/* One row of a "top N" list. */
struct stats_top {
	const char	*value;
	int64_t		 n;
};

#define STATS_TOP_MAX	10

struct instance_stats {
	int64_t		 links;		/* not deleted */
	int64_t		 visits;	/* all time, people */
	int64_t		 today_visits;
	int64_t		 today_uniques;
	int64_t		 today_bots;
	struct stats_top top_links[STATS_TOP_MAX];	/* value: "domain/code" or "code" */
	size_t		 ntop_links;
	struct stats_top top_misses[STATS_TOP_MAX];
	size_t		 ntop_misses;
};

struct key_info {
	int64_t		 id;
	const char	*name;
	const char	*shown;
	enum scope	 scope;
	int64_t		 created_at;
	int64_t		 revoked_at;	/* 0: in force */
};

/*
 * Open (creating if need be) the database at path, set its pragmas,
 * bring its schema up to date and prepare the statements. Safe when many
 * processes open the same new file at once. On failure write a message
 * that names the file to err and return NULL. Close with store_close().
 */
struct store	*store_open(const char *path, unsigned busy_ms, char *err,
		    size_t errsz);

/*
 * Whether the database was opened read-only because it could not be
 * written (a read-only file system): reads work, writes get KZ_READONLY.
 */
bool		 store_readonly(const struct store *);

/*
 * For a read-only store: try to open the database for writing again and
 * switch to that connection. KZ_OK when writable (or it was already),
 * KZ_READONLY when still not.
 */
enum kz_err	 store_reopen(struct store *);

/* Finalize the statements and close the database. Accepts NULL. */
void		 store_close(struct store *);

/*
 * Set how long a write waits for the lock, in milliseconds; 0 brings
 * back the busy timeout given to store_open().
 */
void		 store_busy_wait(struct store *, unsigned ms);

/*
 * Make s a connection that writes clicks and nothing else (the flush
 * thread's): it does not check the foreign key of each row it writes,
 * which was a sixth of a flush's time; store_clicks_write() checks each
 * link of a batch once instead. 0, or -1 logged.
 */
int		 store_clicks_only(struct store *);

/* The schema version in the file (PRAGMA user_version). */
int		 store_schema_version(struct store *);

/* KZ_OK when the database answers a read. */
enum kz_err	 store_health(struct store *);

/* What store_check() found. */
#define STORE_CHECK_MAX	100	/* complaints an integrity check reports */
struct store_check {
	bool		 ok;		/* the integrity check found nothing */
	size_t		 problems;	/* complaints, up to STORE_CHECK_MAX */
	char		 first[256];	/* the first of them */
	bool		 kurz;		/* application_id is kurz's */
	int		 schema;	/* user_version */
	int		 schema_known;	/* the newest schema this kurz knows */
	int64_t		 wal_bytes;	/* size of the -wal file; 0: none */
	int64_t		 page_size;
	int64_t		 pages;		/* in the file, free ones too */
	int64_t		 freelist;	/* pages free for reuse */
};

/*
 * Copy the open database into a new file at path while the workers go
 * on writing: SQLite's online backup, 256 pages a step, all steps in one
 * read transaction, so the copy is one consistent snapshot taken when
 * the call begins and holds every commit acknowledged before that. The
 * copy is written to path.tmp (mode 0600), made a rollback-journal file
 * (whole by itself, no -wal), fsynced, checked with integrity_check,
 * and only then linked to path. KZ_CONFLICT when path or path.tmp
 * exists (a backup never replaces a file); KZ_BUSY when the database
 * stayed locked past the busy timeout; else KZ_SYSTEM. On failure a
 * message in err and nothing left behind.
 */
enum kz_err	 store_backup(struct store *, const char *path, char *err,
		    size_t errsz);

/*
 * Check the database: integrity_check (quick: quick_check, which skips
 * the index contents), its schema version against the newest known, the
 * size of its WAL, its pages. KZ_OK when the check ran, whatever it
 * found: see out->ok.
 */
enum kz_err	 store_check(struct store *, bool quick,
		    struct store_check *out);

/*
 * Replace the database at db (created if missing) with the backup at
 * backup, through SQLite's backup API, so that WAL and -shm stay true
 * to the file. Needs no struct store: the target is never migrated or
 * opened by store_open(), so a damaged one can be replaced. First the
 * backup is judged (application_id, a known schema, integrity_check:
 * else KZ_INVALID); then db is locked exclusively without waiting:
 * KZ_BUSY when any other process has it open, as every running worker
 * does. KZ_INVALID also when db is another program's database or not a
 * database at all. A message in err on every failure.
 */
enum kz_err	 store_restore(const char *db, const char *backup, char *err,
		    size_t errsz);

/*
 * Insert a link. l->code NULL asks for a generated code of gen_len
 * characters, retried on collision. created_at, updated_at and version
 * are set here. On KZ_OK *out holds the stored link, its strings in a.
 * KZ_CONFLICT when a given code is taken in its domain (deleted links
 * included). Durable when it returns.
 */
enum kz_err	 store_link_create(struct store *, struct arena *a,
		    const struct link *l, int64_t key_id, size_t gen_len,
		    struct link *out);

/*
 * Change the live link (domain, code) as p says, in one IMMEDIATE
 * transaction, and raise its version. if_version: the version the
 * client saw (0: any). KZ_NOTFOUND when there is no such link,
 * KZ_GONE when it is deleted, KZ_PRECOND when its version is another.
 * On KZ_OK *out holds the link as stored.
 */
enum kz_err	 store_link_update(struct store *, struct arena *a,
		    const char *domain, const char *code,
		    const struct link_patch *p, int64_t if_version,
		    struct link *out);

/*
 * Mark the live link deleted (its code stays taken) and raise its
 * version; as store_link_update for if_version and the errors.
 */
enum kz_err	 store_link_delete(struct store *, const char *domain,
		    const char *code, int64_t if_version);

/* Bring a deleted link back. KZ_NOTFOUND when none is deleted. */
enum kz_err	 store_link_restore(struct store *, struct arena *a,
		    const char *domain, const char *code, struct link *out);

/*
 * Up to q->limit links, newest first, matching q. *next_before: the
 * cursor of the next page, 0 when this is the last. *total only when
 * q->count. Strings in a.
 */
enum kz_err	 store_link_list(struct store *, struct arena *a,
		    const struct link_query *q, struct link **out, size_t *n,
		    int64_t *next_before, int64_t *total);

/*
 * Call fn for every link, deleted ones too, oldest first, read in pages
 * so that no read transaction stays open while fn runs (fn may write to
 * a slow client). A link lives during its call.
 */
enum kz_err	 store_link_each(struct store *,
		    void (*fn)(const struct link *, void *), void *arg);

/*
 * Insert a link exactly as given (export/import): its code, domain,
 * times, version, clicks and deleted_at are kept. KZ_CONFLICT when the
 * code is taken in its domain.
 */
enum kz_err	 store_link_import(struct store *, const struct link *l);

/*
 * Create n links in one transaction: all or none. On KZ_CONFLICT
 * *failed is the index of the item whose code is taken. out holds n.
 */
enum kz_err	 store_link_create_batch(struct store *, struct arena *a,
		    const struct link *l, size_t n, int64_t key_id,
		    size_t gen_len, struct link *out, size_t *failed);

/* The answer kept for an Idempotency-Key. */
struct idem {
	unsigned char	 request_hash[32];
	int		 status;
	const char	*location;	/* NULL: none */
	const char	*body;
};

/*
 * The answer kept for (key_id, idem_key) within the last day, in a.
 * KZ_NOTFOUND when there is none.
 */
enum kz_err	 store_idem_get(struct store *, struct arena *a,
		    int64_t key_id, const char *idem_key, struct idem *out);

/*
 * Like store_link_create, and in the same transaction keep the answer
 * that render() makes of the stored link under (key_id, idem_key), so
 * that a retry replays it. KZ_CONFLICT also when another request took
 * the idempotency key meanwhile (*raced set).
 */
enum kz_err	 store_link_create_idem(struct store *, struct arena *a,
		    const struct link *l, int64_t key_id, size_t gen_len,
		    const char *idem_key, const unsigned char request_hash[32],
		    char *(*render)(void *arg, const struct link *, int *status,
		    const char **location), void *arg, struct link *out,
		    bool *raced);

/*
 * Count a wrong password for (link_id, client) at now and say how many
 * there were in the window before it; the failures older than the
 * window are deleted.
 */
enum kz_err	 store_pw_fail(struct store *, int64_t link_id,
		    const unsigned char client[16], int64_t now,
		    int64_t window, int64_t *recent);

/* How many wrong passwords (link_id, client) had since since. */
enum kz_err	 store_pw_failures(struct store *, int64_t link_id,
		    const unsigned char client[16], int64_t since,
		    int64_t *n);

/* The link (domain, code), deleted or not. KZ_NOTFOUND when none. */
enum kz_err	 store_link_get(struct store *, struct arena *a,
		    const char *domain, const char *code, struct link *out);

/*
 * The redirect target for code under host, else under the default
 * domain. Strings in a. KZ_NOTFOUND when neither has it.
 */
enum kz_err	 store_target(struct store *, struct arena *a,
		    const char *host, const char *code, struct target *out);

/*
 * Count one visit against a capped link, atomically: KZ_OK when the cap
 * allowed it (and its count went up), KZ_GONE when it is used up.
 */
enum kz_err	 store_link_take_visit(struct store *, int64_t link_id);

/*
 * Write n clicks in one transaction: the raw rows, the links' counters,
 * the hourly and daily rollups with unique visitors, the per-dimension
 * rollups (referrer, browser, os, device, country) and the misses.
 */
enum kz_err	 store_clicks_write(struct store *, const struct click *c,
		    size_t n);

/*
 * From any thread: while on, a store_clicks_write() on s stops between
 * two rows, rolls back and returns KZ_BUSY, its clicks not written (a
 * commit under way is finished). For a flush thread that must stop now
 * and leave its batch to a faster thread.
 */
void		 store_clicks_cancel(struct store *, bool on);
bool		 store_clicks_cancelled(struct store *);

/*
 * The visitor-hash salt of day (days since the epoch): the stored one,
 * else candidate, which is then stored. Salts of days before day - 1
 * are deleted when a new one is stored.
 */
enum kz_err	 store_salt(struct store *, int64_t day,
		    const unsigned char candidate[STORE_SALT_LEN],
		    unsigned char out[STORE_SALT_LEN]);

/*
 * The series of link_id from from to to (inclusive; hours or days since
 * the epoch), only buckets with visits, in a. Read from the rollups.
 */
enum kz_err	 store_stats_series(struct store *, struct arena *a,
		    int64_t link_id, bool hourly, int64_t from, int64_t to,
		    struct stats_point **out, size_t *n);

/*
 * The STATS_TOP_MAX most frequent values of dim ("referrer", "browser",
 * "os", "device", "country") for link_id over days from..to, people
 * only or with bots too. out holds STATS_TOP_MAX; strings in a.
 */
/*
 * The month (since 1970-01, UTC) that a day since the epoch falls in,
 * and the first day of a month: the months of link_dims_months.
 */
int64_t		 store_month(int64_t day);
int64_t		 store_month_first(int64_t month);

enum kz_err	 store_stats_top(struct store *, struct arena *a,
		    int64_t link_id, const char *dim, int64_t from, int64_t to,
		    bool bots, struct stats_top *out, size_t *n);

/*
 * Call fn for up to limit raw clicks of link_id after (after_ts,
 * after_id) in time order. Strings live during the call. *n: how many.
 */
enum kz_err	 store_clicks_page(struct store *, int64_t link_id,
		    int64_t after_ts, int64_t after_id, size_t limit,
		    void (*fn)(const struct click_row *, void *), void *arg,
		    size_t *n);

/*
 * Where the page of limit clicks after (after_ts, after_id) ends, when
 * more clicks follow it: *more, and the cursor of the next page in
 * *next_ts, *next_id.
 */
enum kz_err	 store_clicks_page_next(struct store *, int64_t link_id,
		    int64_t after_ts, int64_t after_id, size_t limit,
		    bool *more, int64_t *next_ts, int64_t *next_id);

/* Totals of the whole instance; today is days since the epoch. */
enum kz_err	 store_instance_stats(struct store *, struct arena *a,
		    int64_t today, struct instance_stats *out);

/*
 * Delete raw clicks older than before_ms, and the visitor sets of the
 * days before it; the rollups stay. *deleted: clicks removed.
 */
enum kz_err	 store_clicks_prune(struct store *, int64_t before_ms,
		    int64_t *deleted);

/*
 * Store a new key's hash under name. KZ_CONFLICT when the name exists.
 */
enum kz_err	 store_key_create(struct store *, const char *name,
		    enum scope, const unsigned char hash[AUTH_HASH_LEN],
		    const char *shown);

/* The key in force with this hash: KZ_UNAUTH when none or revoked. */
enum kz_err	 store_key_find(struct store *,
		    const unsigned char hash[AUTH_HASH_LEN], int64_t *id,
		    enum scope *scope);

/* Revoke the key name. KZ_NOTFOUND when there is none in force. */
enum kz_err	 store_key_revoke(struct store *, const char *name);

/* Call fn for every key, oldest first. Strings live during the call. */
enum kz_err	 store_key_each(struct store *,
		    void (*fn)(const struct key_info *, void *), void *arg);

/* A signed-in session of the admin page, as store_session_find() sees it. */
struct session_info {
	int64_t		 key_id;
	enum scope	 scope;		/* the key's */
	const char	*key_name;
	const char	*csrf;		/* the token its forms carry */
};

/*
 * Keep a new session: the SHA-256 of its cookie's token, the key that
 * signed in, its CSRF token, until expires_at. Expired sessions are
 * deleted in the same transaction.
 */
enum kz_err	 store_session_create(struct store *,
		    const unsigned char hash[AUTH_HASH_LEN], int64_t key_id,
		    const char *csrf, int64_t now, int64_t expires_at);

/*
 * The session whose token hashes to hash, alive at now and of a key in
 * force: KZ_UNAUTH when none. Strings in a.
 */
enum kz_err	 store_session_find(struct store *, struct arena *a,
		    const unsigned char hash[AUTH_HASH_LEN], int64_t now,
		    struct session_info *out);

/* End a session (sign out). KZ_OK also when there was none. */
enum kz_err	 store_session_delete(struct store *,
		    const unsigned char hash[AUTH_HASH_LEN]);

#endif
