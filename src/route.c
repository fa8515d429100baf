/*
 * route.c - routing as data. Entries with the same pattern stand
 * together: a path that matches a pattern but none of its methods is a
 * 405 with the methods it has in Allow.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "conf.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "store.h"

enum auth {
	AUTH_NONE = SCOPE_NONE,
	AUTH_READ = SCOPE_READ,
	AUTH_WRITE = SCOPE_WRITE,
	AUTH_ADMIN = SCOPE_ADMIN
};

#define M_ANY	(~0u)

struct route {
	const char	*pattern;
	unsigned	 methods;
	enum auth	 auth;
	handler_fn	 fn;
	unsigned	 body_scale;	/* bodies up to this many KURZ_BODY_MAX */
};

/* pattern, methods, key scope, handler, body limit in KURZ_BODY_MAX */
#define BATCH	ROUTE_BODY_SCALE_MAX
static const struct route routes[] = {
	{ "/healthz",			M_GET | M_HEAD,	AUTH_NONE,
	    h_health, 1 },
	{ "/api/v1/links",		M_POST,		AUTH_WRITE,
	    h_links_create, 1 },
	{ "/api/v1/links",		M_GET | M_HEAD,	AUTH_READ,
	    h_links_list, 1 },
	{ "/api/v1/links/batch",	M_POST,		AUTH_WRITE,
	    h_links_batch, BATCH },
	{ "/api/v1/links/*",		M_GET | M_HEAD,	AUTH_READ,
	    h_links_get, 1 },
	{ "/api/v1/links/*",		M_PATCH,	AUTH_WRITE,
	    h_links_patch, 1 },
	{ "/api/v1/links/*",		M_DELETE,	AUTH_WRITE,
	    h_links_delete, 1 },
	{ "/api/v1/links/*/restore",	M_POST,		AUTH_WRITE,
	    h_links_restore, 1 },
	{ "/api/v1/links/*/stats",	M_GET | M_HEAD,	AUTH_READ,
	    h_links_stats, 1 },
	{ "/api/v1/links/*/clicks",	M_GET | M_HEAD,	AUTH_READ,
	    h_links_clicks, 1 },
	{ "/api/v1/stats",		M_GET | M_HEAD,	AUTH_READ,
	    h_stats, 1 },
	{ "/api/v1/export",		M_GET | M_HEAD,	AUTH_ADMIN,
	    h_export, 1 },
	{ "/api/**",			M_ANY,		AUTH_NONE,
	    h_not_found, 1 },
	/* The admin page checks its own session cookie and methods. */
	{ "/admin",			M_ANY,		AUTH_NONE,
	    h_admin, 1 },
	{ "/admin/**",			M_ANY,		AUTH_NONE,
	    h_admin, 1 },
	{ "/",				M_GET | M_HEAD,	AUTH_NONE,
	    h_not_found, 1 },
	{ "/**",			M_GET | M_HEAD,	AUTH_NONE,
	    h_redirect, 1 },
	{ "/**",			M_POST,		AUTH_NONE,
	    h_password_post, 1 },
};

int
route_match(const char *pattern, const char *path, struct arena *a,
    const char **arg)
{
	const char	*p = pattern, *s = path;
	size_t		 n;

	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '*')
			return 1;
		if (*p == '*') {
			n = strcspn(s, "/");
			if (n == 0)
				return 0;
			if (arg != NULL)
				*arg = arena_strndup(a, s, n);
			s += n;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

static const char *
allow_header(struct arena *a, unsigned methods)
{
	static const struct {
		unsigned	 m;
		const char	*name;
	} names[] = {
		{ M_GET, "GET" }, { M_HEAD, "HEAD" }, { M_POST, "POST" },
		{ M_PUT, "PUT" }, { M_PATCH, "PATCH" }, { M_DELETE, "DELETE" },
	};
	char	*out = arena_alloc(a, 64);
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < KZ_ARRAY_SIZE(names); i++) {
		if (!(methods & names[i].m))
			continue;
		if (out[0] != '\0')
			strcat(out, ", ");
		strcat(out, names[i].name);
	}
	return out;
}

/* Check the request's key against the scope the route needs. */
static enum kz_err
route_auth(struct hctx *c, enum auth need)
{
	unsigned char	 hash[AUTH_HASH_LEN];
	const char	*key;
	size_t		 len;
	enum kz_err	 err;

	if (need == AUTH_NONE)
		return KZ_OK;
	key = auth_key_from_headers(c->req->authorization, c->req->x_api_key,
	    &len);
	if (key == NULL)
		return resp_fail(c->resp, c->a, KZ_UNAUTH, "unauthorized", NULL,
		    c->req->authorization != NULL || c->req->x_api_key != NULL ?
		    "the API key is not valid" : NULL);
	auth_key_hash(key, len, hash);
	err = store_key_find(c->store, hash, &c->key_id, &c->scope);
	if (err == KZ_UNAUTH)
		return resp_fail(c->resp, c->a, KZ_UNAUTH, "unauthorized", NULL,
		    "the API key is not valid or has been revoked");
	if (err != KZ_OK)
		return err;
	if ((int)c->scope < (int)need)
		return resp_fail(c->resp, c->a, KZ_FORBIDDEN, "forbidden",
		    NULL, "this needs a key with the %s scope; this key has %s",
		    auth_scope_name((enum scope)need),
		    auth_scope_name(c->scope));
	return KZ_OK;
}

void
route_dispatch(struct hctx *c)
{
	const struct route	*r = NULL;
	enum kz_err		 err;
	unsigned		 allowed = 0;
	size_t			 i;

	for (i = 0; i < KZ_ARRAY_SIZE(routes); i++) {
		c->arg = NULL;
		if (!route_match(routes[i].pattern, c->req->path, c->a,
		    &c->arg))
			continue;
		/* This pattern and the entries that repeat it. */
		for (; i < KZ_ARRAY_SIZE(routes) && (r == NULL ||
		    strcmp(routes[i].pattern, r->pattern) == 0); i++) {
			if (r == NULL)
				r = &routes[i];
			allowed |= routes[i].methods;
			if (routes[i].methods & (unsigned)c->req->method) {
				r = &routes[i];
				goto found;
			}
		}
		break;
	}
	if (r == NULL) {
		err = resp_fail(c->resp, c->a, KZ_NOTFOUND, NULL, NULL, NULL);
		goto fail;
	}
	resp_header(c->resp, "Allow", allow_header(c->a, allowed));
	err = resp_fail(c->resp, c->a, KZ_METHOD, "method_not_allowed", NULL,
	    "this address allows %s", allow_header(c->a, allowed));
	goto fail;
found:
	if ((err = route_auth(c, r->auth)) != KZ_OK)
		goto fail;
	if (c->req->body_len > c->conf->body_max * r->body_scale) {
		err = resp_fail(c->resp, c->a, KZ_TOOLARGE, "body_too_large",
		    NULL, "the request body is larger than %zu bytes",
		    c->conf->body_max * r->body_scale);
		goto fail;
	}
	if ((err = r->fn(c)) == KZ_OK)
		return;
fail:
	if (err == KZ_SYSTEM)
		log_error("%s: failed with a server error", c->req->raw_path);
	resp_problem(c->resp, c->a, err);
}
