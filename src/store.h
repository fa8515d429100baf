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

struct link {
	int64_t		 id;
	const char	*domain;	/* "" for the default domain */
	const char	*code;
	const char	*url;
	const char	*title;		/* NULL when unset */
	const char	**tags;
	size_t		 ntags;
	int		 redirect_status;
	int64_t		 expires_at;	/* 0: never */
	int64_t		 max_clicks;	/* 0: no cap */
	int64_t		 clicks;
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 deleted_at;	/* 0: not deleted */
	int64_t		 version;
};

/* What a redirect needs to know, and nothing more. */
struct target {
	int64_t		 id;
	const char	*url;
	int		 redirect_status;
	int64_t		 expires_at;
	int64_t		 max_clicks;
	bool		 deleted;
};

/* One visit, as the click buffer hands it to the store. */
struct click {
	int64_t		 link_id;
	int64_t		 ts_ms;
	bool		 bump;		/* raise links.clicks when written */
	bool		 bot;
	char		 referrer[KZ_REFERRER_MAX + 1];
	char		 user_agent[KZ_UA_MAX + 1];
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

/* Finalize the statements and close the database. Accepts NULL. */
void		 store_close(struct store *);

/* The schema version in the file (PRAGMA user_version). */
int		 store_schema_version(struct store *);

/* KZ_OK when the database answers a read. */
enum kz_err	 store_health(struct store *);

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
 * allowed it (and links.clicks went up), KZ_GONE when it is used up.
 */
enum kz_err	 store_link_take_visit(struct store *, int64_t link_id);

/* Write n clicks and raise the links' counters in one transaction. */
enum kz_err	 store_clicks_write(struct store *, const struct click *c,
		    size_t n);

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

#endif
