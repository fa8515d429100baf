/*
 * clicks.h - the click buffer. A redirect adds a click in memory and
 * leaves; a thread of the worker writes the buffer in one transaction
 * when it holds a batch, when its oldest click reaches the flush age,
 * and the worker writes the rest on shutdown.
 * Writing is when a click is enriched: bot or person, browser, OS,
 * device, referrer host and the visitor hash are worked out then, not
 * in the redirect. A bot's visit is stored, flagged, and not counted;
 * a bot's miss is not stored.
 */
#ifndef KZ_CLICKS_H
#define KZ_CLICKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kz.h"

struct clicks;
struct store;

/* Most clicks held while the database refuses them; past it they are lost. */
#define CLICKS_HELD_MAX		100000

/* One visit as the redirect saw it. Strings may be NULL; all are copied. */
struct click_in {
	int64_t		 link_id;	/* 0: a visit to a code with no link */
	const char	*code;		/* the code visited, for misses */
	int64_t		 ts_ms;
	bool		 counted;	/* its count already raised (capped links) */
	const char	*referrer;	/* truncated to KZ_REFERRER_MAX */
	const char	*user_agent;	/* truncated to KZ_UA_MAX */
	const char	*ip;		/* only hashed, never stored */
	const char	*country;	/* ISO 3166 alpha-2 from nginx, or NULL */
};

/* A buffer that flushes at batch clicks or flush_ms. NULL: no memory. */
struct clicks	*clicks_create(size_t batch, unsigned flush_ms);

/* Free the buffer; what it holds is lost (flush first). Accepts NULL. */
void		 clicks_free(struct clicks *);

/* Add one visit. */
void		 clicks_add(struct clicks *, const struct click_in *);

/* Milliseconds until a flush is due: 0 now, -1 when empty. */
int		 clicks_due(const struct clicks *, int64_t now_ms);

/* Clicks waiting to be written. */
size_t		 clicks_pending(const struct clicks *);

/* Clicks dropped since start because the buffer was full. */
size_t		 clicks_lost(const struct clicks *);

/*
 * Write everything held, waiting at most wait_ms for the write lock (0:
 * the store's busy timeout). On failure the clicks stay for the next
 * try and the error is returned. Not while the flush thread runs.
 */
enum kz_err	 clicks_flush(struct clicks *, struct store *, unsigned wait_ms);

/*
 * Start the flush thread: from now on it writes each batch that is due
 * through s, which it alone uses until clicks_stop(); a batch the
 * database refuses is tried again every retry_ms. clicks_add() may then
 * be called from one other thread; clicks_due(), clicks_pending(),
 * clicks_lost() and clicks_flush() only after clicks_stop(). 0, or the
 * error number of pthread_create(3).
 */
int		 clicks_start(struct clicks *, struct store *s, unsigned retry_ms);

/* Have the flush thread write what is held now (SIGUSR2). */
void		 clicks_kick(struct clicks *);

/*
 * Stop the flush thread; a write in hand is given up (rolled back)
 * unless it is committing. What it did not write stays held, for
 * clicks_flush(). Accepts a buffer that has no thread.
 */
void		 clicks_stop(struct clicks *);

/*
 * The host of a referrer URL, lower case, into out (KZ_DOMAIN_MAX + 1
 * bytes); false when it has none.
 */
bool		 clicks_referrer_host(const char *referrer, char *out);

#endif
