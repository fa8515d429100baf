/*
 * handlers.h - one function per endpoint. Each sees struct hctx and
 * returns KZ_OK with the response filled, or an error recorded with
 * resp_fail().
 */
#ifndef KZ_HANDLERS_H
#define KZ_HANDLERS_H

#include <stdbool.h>

#include "kz.h"
#include "route.h"

enum kz_err	h_health(struct hctx *);
enum kz_err	h_not_found(struct hctx *);
enum kz_err	h_links_create(struct hctx *);
enum kz_err	h_links_list(struct hctx *);
enum kz_err	h_links_batch(struct hctx *);
enum kz_err	h_links_get(struct hctx *);
enum kz_err	h_links_patch(struct hctx *);
enum kz_err	h_links_delete(struct hctx *);
enum kz_err	h_links_restore(struct hctx *);
enum kz_err	h_export(struct hctx *);
enum kz_err	h_password_post(struct hctx *);
enum kz_err	h_redirect(struct hctx *);
enum kz_err	h_links_stats(struct hctx *);
enum kz_err	h_links_clicks(struct hctx *);
enum kz_err	h_stats(struct hctx *);
enum kz_err	h_admin(struct hctx *);

struct arena;
struct target;

/*
 * GET /{code} of a link with a password: the page that asks for it
 * (h_password.c). code is the decoded code.
 */
enum kz_err	h_password_form(struct hctx *, const struct target *,
		    const char *code);

/*
 * The live link that the request's path /{code}[/rest] names (h_redirect.c).
 * On KZ_OK *t holds it, *code is the decoded code and *rest the rest of
 * the path as sent (still encoded; "" or starting with '/'), all in
 * c->a. Otherwise the failure is recorded with resp_fail(): KZ_NOTFOUND
 * (a GET of a code with no link is counted as a miss), KZ_GONE when the
 * link is deleted or expired, or the store's error.
 */
enum kz_err	h_redirect_target(struct hctx *c, struct target *t,
		    const char **code, const char **rest);

/*
 * Answer with t's redirect, as GET /{code}[/rest] does: Location from
 * h_redirect_location(), never cached. GET and POST are visits and are
 * counted (a capped link takes its visit first: KZ_GONE "used_up" when
 * none is left); HEAD is not.
 */
enum kz_err	h_redirect_go(struct hctx *c, const struct target *t,
		    const char *code, const char *rest);

/*
 * The Location of a visit to t through a short URL with rest (as sent,
 * "" or from its '/') and query (as sent, "" when none): rest in place
 * of the target's {path} or appended to its path, and query merged into
 * the target's unless t->forward_query is off. In a, or t->url itself.
 */
char		*h_redirect_location(struct arena *a, const struct target *t,
		    const char *rest, const char *query);

struct link;
struct link_input;

/* Why a link's values were refused: the problem's code, field and sentence. */
struct verdict {
	enum kz_err	 err;		/* KZ_INVALID, or KZ_SYSTEM */
	const char	*code;
	const char	*field;
	const char	*detail;
};

/*
 * Judge the values of a parsed body and fill l: every field the body
 * carries, with the rules of creation (patch false: url required,
 * defaults for the rest) or of a change (patch true: code and domain
 * cannot change; null clears). Nothing is written here. The API and the
 * admin page's forms both come through here, so a value is refused
 * with the same words wherever it was typed.
 */
enum kz_err	h_link_judge(struct hctx *c, const struct link_input *in,
		    bool patch, struct link *l, struct verdict *v);

/* The origin that short URLs of a link in domain start with, in c->a. */
const char	*h_short_base(struct hctx *c, const char *domain);

#endif
