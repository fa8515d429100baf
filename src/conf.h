/*
 * conf.h - configuration from the environment, read once at start.
 */
#ifndef KZ_CONF_H
#define KZ_CONF_H

#include <stddef.h>

#include "log.h"

/* Where an installed kurz keeps its database unless KURZ_DB says. */
#ifndef KZ_DEFAULT_DB
#define KZ_DEFAULT_DB	"/var/lib/kurz/kurz.db"
#endif

struct conf {
	const char	*db;		/* KURZ_DB */
	const char	*base_url;	/* KURZ_BASE_URL, no trailing '/'; NULL: from Host */
	const char	*base_host;	/* host part of base_url, lower case; NULL likewise */
	size_t		 click_batch;	/* KURZ_CLICK_BATCH */
	unsigned	 click_flush_ms;/* KURZ_CLICK_FLUSH_MS */
	size_t		 code_length;	/* KURZ_CODE_LENGTH */
	size_t		 url_max;	/* KURZ_URL_MAX */
	size_t		 body_max;	/* KURZ_BODY_MAX */
	unsigned	 busy_ms;	/* KURZ_BUSY_TIMEOUT_MS */
	enum log_level	 log_level;	/* KURZ_LOG_LEVEL */
};

/*
 * Fill c from the environment (getenv) or from the lookup function when
 * it is not NULL (for tests). On a bad value, write a message naming the
 * variable into err and return -1; 0 on success. Strings in c point into
 * the environment or into storage owned by conf.c; they live as long as
 * the process.
 */
int	conf_load(struct conf *c, const char *(*lookup)(const char *),
	    char *err, size_t errsz);

#endif
