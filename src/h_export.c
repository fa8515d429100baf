/*
 * h_export.c - GET /api/v1/export: every link, deleted ones too, as the
 * NDJSON that "kurzctl export" writes and "kurzctl import" reads.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "store.h"

/* The export in flight: lives in the request's arena until it is sent. */
struct export_all {
	struct store		*store;
	struct resp_writer	*w;
	struct arena		*la;	/* the line in hand, reset after each */
	size_t			 n;
};

static void
export_link(const struct link *l, void *arg)
{
	struct export_all	*x = arg;
	const char		*line;
	size_t			 len;

	line = json_link_export(x->la, l, &len);
	x->w->write(x->w->ctx, line, len);
	arena_reset(x->la);
	x->n++;
}

/*
 * Written after the headers, so a failure can only cut the body short:
 * it is logged. The lines have an arena of their own, made here, so
 * that the request's arena, which holds the response, is left alone,
 * and memory stays that of a line however many links there are.
 */
static void
export_stream(void *arg, struct resp_writer *w)
{
	struct export_all	*x = arg;
	enum kz_err		 err;

	x->w = w;
	if ((x->la = arena_create()) == NULL) {
		log_error("export: out of memory; the body is empty");
		return;
	}
	if ((err = store_link_each(x->store, export_link, x)) != KZ_OK)
		log_error("export: stopped after %zu links by a store error "
		    "(%d); the body is cut short", x->n, (int)err);
	arena_free(x->la);
}

/*
 * GET /api/v1/export (admin): 200 application/x-ndjson, one link a
 * line, oldest first, password hashes included, as an attachment that
 * no cache keeps.
 */
enum kz_err
h_export(struct hctx *c)
{
	struct export_all	*x;

	x = arena_alloc(c->a, sizeof(*x));
	memset(x, 0, sizeof(*x));
	x->store = c->store;
	resp_header(c->resp, "Content-Disposition",
	    "attachment; filename=\"kurz-export.ndjson\"");
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_stream(c->resp, 200, "application/x-ndjson", export_stream, x);
	return KZ_OK;
}
