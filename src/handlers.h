/*
 * handlers.h - one function per endpoint. Each sees struct hctx and
 * returns KZ_OK with the response filled, or an error recorded with
 * resp_fail().
 */
#ifndef KZ_HANDLERS_H
#define KZ_HANDLERS_H

#include "kz.h"
#include "route.h"

enum kz_err	h_health(struct hctx *);
enum kz_err	h_not_found(struct hctx *);
enum kz_err	h_links_create(struct hctx *);
enum kz_err	h_links_get(struct hctx *);
enum kz_err	h_redirect(struct hctx *);
enum kz_err	h_links_stats(struct hctx *);
enum kz_err	h_links_clicks(struct hctx *);
enum kz_err	h_stats(struct hctx *);

/* The origin that short URLs of a link in domain start with, in c->a. */
const char	*h_short_base(struct hctx *c, const char *domain);

#endif
