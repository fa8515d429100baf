/*
 * valid.h - pure validators for what clients send: URLs, codes, domains,
 * tags, titles, times. Each takes (const char *, size_t) and gives a
 * verdict; none allocates, none looks at anything but its arguments.
 */
#ifndef KZ_VALID_H
#define KZ_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum valid_url {
	URL_OK = 0,
	URL_EMPTY,
	URL_TOO_LONG,
	URL_CONTROL,		/* a control character, CR or LF */
	URL_SPACE,
	URL_SCHEME,		/* a scheme other than http or https */
	URL_SCHEME_RELATIVE,	/* "//host/..." */
	URL_NO_HOST,
	URL_BAD_HOST,
	URL_BAD_PORT,
	URL_CREDENTIALS,	/* user:pass@ */
	URL_BAD_PERCENT,	/* '%' not followed by two hex digits */
	URL_LOOP		/* points at this service */
};

/* The sentence a client sees for a verdict. */
const char	*valid_url_msg(enum valid_url);

/*
 * Validate and normalise the URL s of length len. A missing scheme
 * becomes https; scheme and host are lower-cased; a default port is
 * dropped; an empty path becomes "/"; bytes outside printable ASCII and
 * the characters " < > \ ^ ` | are percent-encoded. The result, at most
 * max bytes, is written NUL-terminated to out, which must hold
 * VALID_URL_OUT(len) bytes; its length goes to *outlen. A URL whose host
 * is one of self_hosts (a NULL-terminated list, itself may be NULL;
 * lower case) is a loop.
 */
#define VALID_URL_OUT(len)	(3 * (len) + 16)
enum valid_url	 valid_url(const char *s, size_t len, size_t max,
		    const char *const *self_hosts, char *out, size_t *outlen);

enum valid_code {
	CODE_OK = 0,
	CODE_EMPTY,
	CODE_TOO_LONG,
	CODE_CHARS,		/* outside [A-Za-z0-9_-] */
	CODE_RESERVED
};

const char	*valid_code_msg(enum valid_code);

/* A code: 1 to KZ_CODE_MAX of [A-Za-z0-9_-], not a reserved word. */
enum valid_code	 valid_code(const char *s, size_t len);

/* Whether s is a reserved word (any case), such as "api" or "admin". */
bool		 valid_reserved(const char *s, size_t len);

/* A DNS host name: labels of [A-Za-z0-9_-], 1-63 each, 253 in all. */
bool		 valid_domain(const char *s, size_t len);

/* A tag: 1 to KZ_TAG_MAX bytes of UTF-8 with no control character. */
bool		 valid_tag(const char *s, size_t len);

/* A title: up to KZ_TITLE_MAX bytes of UTF-8, no control but tab. */
bool		 valid_title(const char *s, size_t len);

/* Well-formed UTF-8: no overlong forms, surrogates or values past U+10FFFF. */
bool		 valid_utf8(const char *s, size_t len);

/*
 * Parse an RFC 3339 time ("2026-11-23T12:00:00Z", fractions and offsets
 * allowed) into seconds since the epoch. False when it is not one or
 * falls outside the years 1970 to 9999.
 */
bool		 valid_time(const char *s, size_t len, int64_t *out);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (VALID_TIME_LEN + 1 bytes). */
#define VALID_TIME_LEN	20
void		 valid_time_format(int64_t t, char *buf);

#endif
