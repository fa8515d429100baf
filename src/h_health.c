/*
 * h_health.c - liveness for load balancers, and the not-found answer.
 */
#include "config.h"

#include "handlers.h"
#include "http.h"
#include "store.h"

enum kz_err
h_health(struct hctx *c)
{
	static const char	ok[] = "{\"status\":\"ok\"}";
	enum kz_err		err;

	if ((err = store_health(c->store)) != KZ_OK)
		return resp_fail(c->resp, c->a, KZ_BUSY, "unavailable", NULL,
		    "the database does not answer");
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_body(c->resp, 200, "application/json", ok, sizeof(ok) - 1);
	return KZ_OK;
}

enum kz_err
h_not_found(struct hctx *c)
{
	return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
	    "there is nothing at this address");
}
