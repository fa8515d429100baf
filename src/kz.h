/*
 * kz.h - what every part of kurz shares: the error enum and the limits.
 */
#ifndef KZ_H
#define KZ_H

#include <stddef.h>

/*
 * The result of every operation that a request can fail in. One function,
 * resp_problem(), maps each to an HTTP status and a problem+json body.
 */
enum kz_err {
	KZ_OK = 0,
	KZ_BADREQ,		/* 400: malformed request or body */
	KZ_UNAUTH,		/* 401: no key or a bad one */
	KZ_FORBIDDEN,		/* 403: key lacks the scope */
	KZ_NOTFOUND,		/* 404 */
	KZ_METHOD,		/* 405 */
	KZ_CONFLICT,		/* 409: code taken */
	KZ_GONE,		/* 410: deleted, expired or used up */
	KZ_PRECOND,		/* 412: If-Match failed */
	KZ_TOOLARGE,		/* 413 */
	KZ_MEDIATYPE,		/* 415 */
	KZ_INVALID,		/* 422: well-formed but wrong */
	KZ_BUSY,		/* 503: database locked past the deadline */
	KZ_READONLY,		/* 503: database cannot be written */
	KZ_SYSTEM,		/* 500: our fault, logged */
	KZ_ERR_MAX
};

/* Limits. Each one a name, so that a reader can find where it bites. */
#define KZ_CODE_MAX		64	/* longest custom code */
#define KZ_CODE_GEN_MIN		4	/* KURZ_CODE_LENGTH range */
#define KZ_CODE_GEN_MAX		32
#define KZ_URL_MIN		64	/* KURZ_URL_MAX range */
#define KZ_URL_MAX		32768
#define KZ_TITLE_MAX		512	/* bytes of a link's title */
#define KZ_TAG_MAX		64	/* bytes of one tag */
#define KZ_TAGS_MAX		32	/* tags on one link */
#define KZ_DOMAIN_MAX		253	/* a DNS name */
#define KZ_JSON_DEPTH		8	/* nesting of a request body */
#define KZ_HEADER_MAX		8192	/* longest header value we read */
#define KZ_PATH_MAX		8192	/* longest request path */
#define KZ_RESP_HEADERS		16	/* extra headers in one response */
#define KZ_REFERRER_MAX		1024	/* bytes of a referrer kept per click */
#define KZ_UA_MAX		512	/* bytes of a user agent kept per click */
#define KZ_KEY_NAME_MAX		64	/* API key name */

#define KZ_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define KZ_PRINTF(f, a)		__attribute__((format(printf, f, a)))
#else
#define KZ_PRINTF(f, a)
#endif

#endif
