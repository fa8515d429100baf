/*
 * fcgi.h - the FastCGI side: requests from libfcgi into struct req,
 * struct resp back out. The only file that includes fcgiapp.h.
 */
#ifndef KZ_FCGI_H
#define KZ_FCGI_H

#include <stddef.h>

#include "kz.h"

struct arena;
struct fcgi;
struct req;
struct resp;

/*
 * Set up libfcgi on the listening socket that spawn-fcgi left on fd 0,
 * made non-blocking so that workers sharing it can poll. NULL with a
 * message in err when this process was not started as a responder.
 */
struct fcgi	*fcgi_open(char *err, size_t errsz);
void		 fcgi_close(struct fcgi *);

/* The descriptor to poll for new connections. */
int		 fcgi_listen_fd(const struct fcgi *);

/*
 * Accept a waiting request. 0 when none was waiting (another worker
 * took it), 1 when one was accepted: then r is filled, its body read
 * into a when it is within body_max, and *err is KZ_OK or the reason the
 * request cannot be served (with *why). -1 on a fatal error.
 */
int		 fcgi_accept(struct fcgi *, struct arena *a, struct req *r,
		    size_t body_max, enum kz_err *err, const char **why);

/* Send the response to the request in hand and end it. */
void		 fcgi_respond(struct fcgi *, const struct req *,
		    const struct resp *);

#endif
