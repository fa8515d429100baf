/*
 * route.h - the route table: method and path to handler and key scope.
 */
#ifndef KZ_ROUTE_H
#define KZ_ROUTE_H

#include <stdint.h>

#include "auth.h"
#include "kz.h"

struct arena;
struct clicks;
struct conf;
struct req;
struct resp;
struct store;

/* What a handler sees of the world. */
struct hctx {
	struct req		*req;
	struct resp		*resp;
	struct arena		*a;
	struct store		*store;
	const struct conf	*conf;
	struct clicks		*clicks;
	int64_t			 now_ms;
	int64_t			 key_id;	/* 0 when no key was needed */
	enum scope		 scope;
	const char		*arg;		/* the segment '*' matched */
};

typedef enum kz_err (*handler_fn)(struct hctx *);

/*
 * The largest body a route takes, in KURZ_BODY_MAX: a batch of a
 * thousand links. The worker reads bodies up to this and each route
 * refuses what is over its own share.
 */
#define ROUTE_BODY_SCALE_MAX	16

/*
 * Find the handler for the request's method and path, check its key,
 * run it, and on failure turn resp into a problem. Never fails: resp
 * always holds something to send.
 */
void	route_dispatch(struct hctx *);

/*
 * Match path against pattern: '*' is one non-empty segment (copied to
 * *arg, which may be NULL), a trailing "**" anything at all. For tests.
 */
int	route_match(const char *pattern, const char *path, struct arena *a,
	    const char **arg);

#endif
