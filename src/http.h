/*
 * http.h - one HTTP exchange: the request as the handlers see it, the
 * response they build, and the mapping of errors to problem details.
 * Nothing here knows FastCGI; fcgi.c fills and drains these.
 */
#ifndef KZ_HTTP_H
#define KZ_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "kz.h"

struct arena;

enum method {
	M_OTHER = 0,
	M_GET = 1 << 0,
	M_HEAD = 1 << 1,
	M_POST = 1 << 2,
	M_PUT = 1 << 3,
	M_PATCH = 1 << 4,
	M_DELETE = 1 << 5,
	M_OPTIONS = 1 << 6
};

struct req {
	struct arena	*arena;
	enum method	 method;
	const char	*path;		/* percent-decoded, NUL-free */
	size_t		 path_len;
	const char	*raw_path;	/* as sent, still encoded */
	const char	*query;		/* as sent, "" when none */
	const char	*host;		/* lower case, no port; "" when none */
	const char	*host_port;	/* the Host header as sent, checked */
	bool		 https;
	const char	*content_type;	/* NULL when none */
	size_t		 content_length;
	const char	*authorization;
	const char	*x_api_key;
	const char	*if_match;
	const char	*idempotency_key;
	const char	*referer;
	const char	*user_agent;
	const char	*remote_addr;
	const char	*country;	/* GEOIP_COUNTRY_CODE, when nginx has it */
	const char	*accept;
	const char	*cookie;	/* the Cookie header, for the admin page */
	const char	*sec_fetch_site; /* "same-origin", "cross-site", ... */
	const char	*origin;
	const char	*body;		/* content_length bytes, NUL after */
	size_t		 body_len;
};

struct resp_header {
	const char	*name;
	const char	*value;
};

/* Where a streamed body goes: write(ctx, buf, len) as often as needed. */
struct resp_writer {
	void	(*write)(void *ctx, const char *buf, size_t len);
	void	*ctx;
};

struct resp {
	int			 status;
	const char		*ctype;
	struct resp_header	 hdr[KZ_RESP_HEADERS];
	size_t			 nhdr;
	const char		*body;
	size_t			 body_len;
	/* A body made while it is sent, with no Content-Length. */
	void			(*stream)(void *arg, struct resp_writer *);
	void			*stream_arg;
	/* Set by resp_fail() for resp_problem() to render. */
	enum kz_err		 err;
	const char		*code;
	const char		*detail;
	const char		*field;
};

/*
 * Fill r from CGI-style parameters, which param() looks up by name
 * (REQUEST_METHOD, REQUEST_URI, QUERY_STRING, CONTENT_TYPE,
 * CONTENT_LENGTH, HTTPS, REMOTE_ADDR and HTTP_*), as nginx's stock
 * fastcgi_params passes them. Strings point into what param() returns or
 * into a; body is left empty for the caller to read. KZ_BADREQ for a
 * path or header that cannot be right, KZ_TOOLARGE for a declared body
 * over body_max; *why says which.
 */
enum kz_err	 http_req_init(struct req *r, struct arena *a,
		    const char *(*param)(const char *name, void *arg),
		    void *arg, size_t body_max, const char **why);

/*
 * Percent-decode len bytes of s into out (len + 1 bytes), NUL-terminated,
 * length in *outlen. -1 for a '%' without two hex digits, or a decoded
 * control character or NUL: such a path is never passed on.
 */
int		 http_path_decode(const char *s, size_t len, char *out,
		    size_t *outlen);

/*
 * The decoded value of the query parameter name ("a=1&b=x+y"), in a, or
 * NULL when absent or undecodable.
 */
const char	*http_query_get(struct arena *a, const char *query,
		    const char *name);

/*
 * s percent-encoded for a query value, in a: everything but letters,
 * digits and "-._~" becomes %XX, so that http_query_get() gives s back.
 */
char		*http_query_escape(struct arena *a, const char *s);

/* The type of an HTML form's body. */
#define HTTP_FORM_TYPE	"application/x-www-form-urlencoded"

/*
 * Whether a Content-Type header (NULL: none) names the media type type,
 * in any case, with or without parameters.
 */
bool		 http_type_is(const char *ct, const char *type);

/*
 * The headers of a page that people see: never cached, not framed, not
 * sniffed, under the given Content-Security-Policy and Referrer-Policy.
 */
void		 resp_page_headers(struct resp *, const char *csp,
		    const char *referrer_policy);

/* Start the response: status and content type, no headers, no body. */
void		 resp_init(struct resp *);

/*
 * Add a header. Values are copied by reference; they must live until the
 * response is sent. A name or value holding CR or LF is dropped and
 * logged: no client input ever splits a header.
 */
void		 resp_header(struct resp *, const char *name,
		    const char *value);

/* Set the body (not copied) and its type. */
void		 resp_body(struct resp *, int status, const char *ctype,
		    const char *body, size_t len);

/*
 * Answer status with a body that fn writes, after the headers, through
 * the writer it is given; arg is passed on. Not called for HEAD.
 */
void		 resp_stream(struct resp *, int status, const char *ctype,
		    void (*fn)(void *arg, struct resp_writer *), void *arg);

/*
 * Record a failure for resp_problem(): err picks the status, code is the
 * stable word for machines, field the offending input (or NULL), detail
 * the sentence for people. Returns err, so that handlers can write
 * "return resp_fail(...)".
 */
enum kz_err	 resp_fail(struct resp *, struct arena *a, enum kz_err err,
		    const char *code, const char *field, const char *fmt, ...)
		    KZ_PRINTF(6, 7);

/* The HTTP status for err. */
int		 http_status(enum kz_err);

/*
 * Turn the failure recorded in resp (or err itself, when none was) into
 * a problem+json response, with WWW-Authenticate, Allow or Retry-After
 * where the status asks for one.
 */
void		 resp_problem(struct resp *, struct arena *a, enum kz_err err);

#endif
