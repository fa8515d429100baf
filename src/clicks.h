/*
 * clicks.h - the click buffer. A redirect adds a click in memory and
 * leaves; the worker writes the buffer in one transaction when it holds
 * a batch, when its oldest click reaches the flush age, and on shutdown.
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

/* A buffer that flushes at batch clicks or flush_ms. NULL: no memory. */
struct clicks	*clicks_create(size_t batch, unsigned flush_ms);

/* Free the buffer; what it holds is lost (flush first). Accepts NULL. */
void		 clicks_free(struct clicks *);

/*
 * Add one visit at now_ms. bump: raise links.clicks when written (false
 * when the visit was already counted, or is a bot's). Referrer and user
 * agent are truncated to their limits and may be NULL.
 */
void		 clicks_add(struct clicks *, int64_t link_id, bool bump,
		    bool bot, const char *referrer, const char *user_agent,
		    int64_t now_ms);

/* Milliseconds until a flush is due: 0 now, -1 when empty. */
int		 clicks_due(const struct clicks *, int64_t now_ms);

/* Clicks waiting to be written. */
size_t		 clicks_pending(const struct clicks *);

/*
 * Write everything held. On failure the clicks stay for the next try
 * and the error is returned.
 */
enum kz_err	 clicks_flush(struct clicks *, struct store *);

/* Whether a user agent is a crawler or a link-preview fetcher. */
bool		 clicks_is_bot(const char *user_agent);

#endif
