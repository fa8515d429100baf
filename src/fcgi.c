/*
 * fcgi.c - libfcgi's fcgiapp interface. The listening socket is shared
 * by all workers; it is non-blocking, so a worker that loses the race
 * for a connection gets EAGAIN and goes back to poll(2), free to flush
 * its clicks, instead of sleeping in accept(2).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "arena.h"
#include "fcgi.h"
#include "http.h"
#include "log.h"

#define FCGI_LISTEN_FD	0		/* where spawn-fcgi leaves the socket */
#define FCGI_DRAIN_MAX	(16u << 20)	/* unread body we swallow before replying */
#define FCGI_TAIL_MAX	4096		/* what may follow the body, read at the end */

struct fcgi {
	FCGX_Request	req;
	int		in_request;
};

static const char *
fcgi_param(const char *name, void *arg)
{
	FCGX_Request	*r = arg;

	return FCGX_GetParam(name, r->envp);
}

struct fcgi *
fcgi_open(char *err, size_t errsz)
{
	struct fcgi	*f;
	int		 fl;

	if (FCGX_Init() != 0) {
		snprintf(err, errsz, "libfcgi failed to initialise");
		return NULL;
	}
	if (FCGX_IsCGI()) {
		snprintf(err, errsz, "not started as a FastCGI responder: run "
		    "it under spawn-fcgi, which passes the listening socket on "
		    "descriptor 0 (see kurz-fcgi(8))");
		return NULL;
	}
	if ((fl = fcntl(FCGI_LISTEN_FD, F_GETFL)) == -1 ||
	    fcntl(FCGI_LISTEN_FD, F_SETFL, fl | O_NONBLOCK) == -1) {
		snprintf(err, errsz, "cannot make the listening socket "
		    "non-blocking: %s", strerror(errno));
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (FCGX_InitRequest(&f->req, FCGI_LISTEN_FD,
	    FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		free(f);
		snprintf(err, errsz, "cannot set up a FastCGI request");
		return NULL;
	}
	return f;
}

void
fcgi_close(struct fcgi *f)
{
	if (f == NULL)
		return;
	if (f->in_request)
		FCGX_Finish_r(&f->req);
	FCGX_Free(&f->req, 1);
	free(f);
}

int
fcgi_listen_fd(const struct fcgi *f)
{
	(void)f;
	return FCGI_LISTEN_FD;
}

/* Read and drop what is left of the body, so nginx is never cut off. */
static void
fcgi_drain(struct fcgi *f, size_t n)
{
	char	buf[8192];
	int	got;

	if (n > FCGI_DRAIN_MAX)
		n = FCGI_DRAIN_MAX;
	while (n > 0) {
		got = FCGX_GetStr(buf, n < sizeof(buf) ? (int)n :
		    (int)sizeof(buf), f->req.in);
		if (got <= 0)
			break;
		n -= (size_t)got;
	}
}

int
fcgi_accept(struct fcgi *f, struct arena *a, struct req *r, size_t body_max,
    enum kz_err *err, const char **why)
{
	char	*body;
	int	 rc, got;

	rc = FCGX_Accept_r(&f->req);
	if (rc < 0) {
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR ||
		    rc == -ECONNABORTED)
			return 0;
		log_error("FastCGI accept failed: %s", rc > -1000 ?
		    strerror(-rc) : "libfcgi error");
		return -1;
	}
	f->in_request = 1;
	*why = NULL;
	*err = http_req_init(r, a, fcgi_param, &f->req, body_max, why);
	if (*err != KZ_OK) {
		fcgi_drain(f, r->content_length != 0 ? r->content_length :
		    FCGI_DRAIN_MAX);
		return 1;
	}
	if (r->content_length > 0) {
		body = arena_alloc(a, r->content_length + 1);
		got = FCGX_GetStr(body, (int)r->content_length, f->req.in);
		if (got < 0 || (size_t)got != r->content_length) {
			*err = KZ_BADREQ;
			*why = "the request body ended before Content-Length";
			return 1;
		}
		body[got] = '\0';
		r->body = body;
		r->body_len = (size_t)got;
	}
	return 1;
}

static void
fcgi_write(void *ctx, const char *buf, size_t len)
{
	while (len > 0) {
		int	n = len > INT32_MAX ? INT32_MAX : (int)len;

		if (FCGX_PutStr(buf, n, ctx) != n)
			return;		/* the client went away */
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * End the request and close its connection. libfcgi's close is a
 * lingering one: shutdown(2), then poll(2) until nginx has read the
 * answer and closed its end, so that data nginx sent and nobody read
 * does not reset the connection under the answer. That wait is a sleep
 * per request, while other connections queue. Once the request's input
 * has been read to its end, nothing is left to reset it, and a plain
 * close(2) does (FCGX_Detach is how libfcgi is told); otherwise the
 * lingering close stays.
 */
static void
fcgi_finish(struct fcgi *f)
{
	char	buf[512];
	size_t	n = 0;
	int	got;

	while (FCGX_HasSeenEOF(f->req.in) != EOF && n < FCGI_TAIL_MAX) {
		if ((got = FCGX_GetStr(buf, (int)sizeof(buf), f->req.in)) <= 0)
			break;
		n += (size_t)got;
	}
	if (FCGX_HasSeenEOF(f->req.in) == EOF)
		(void)FCGX_Detach(&f->req);
	FCGX_Finish_r(&f->req);
	f->in_request = 0;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void
fcgi_respond(struct fcgi *f, const struct req *r, const struct resp *rs)
{
	struct arena	*a = r->arena;
	const char	*part[2 + 2 * KZ_RESP_HEADERS + 2];
	size_t		 i, n = 0, len = 0, off = 0;
	char		*head;

	/* One buffer, one write: libfcgi's printf knows no %zu. */
	part[n++] = arena_printf(a, "Status: %d %s\r\n", rs->status,
	    reason(rs->status));
	if (rs->ctype != NULL)
		part[n++] = arena_printf(a, "Content-Type: %s\r\n", rs->ctype);
	for (i = 0; i < rs->nhdr; i++)
		part[n++] = arena_printf(a, "%s: %s\r\n", rs->hdr[i].name,
		    rs->hdr[i].value);
	part[n++] = rs->stream != NULL ? "\r\n" : arena_printf(a,
	    "Content-Length: %zu\r\n\r\n", rs->body_len);
	for (i = 0; i < n; i++)
		len += strlen(part[i]);
	head = arena_alloc(a, len + 1);
	for (i = 0; i < n; i++) {
		size_t	 pl = strlen(part[i]);

		memcpy(head + off, part[i], pl);
		off += pl;
	}
	FCGX_PutStr(head, (int)len, f->req.out);
	if (r->method != M_HEAD && rs->stream != NULL) {
		struct resp_writer	w = { fcgi_write, f->req.out };

		rs->stream(rs->stream_arg, &w);
	} else if (r->method != M_HEAD && rs->body_len > 0)
		FCGX_PutStr(rs->body, (int)rs->body_len, f->req.out);
	fcgi_finish(f);
}
