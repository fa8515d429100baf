/*
 * html.h - the only way user data reaches a page. Every string that
 * came from a client or the database goes through html_escape() before
 * it is put into HTML; pages are small, self-contained HTML5 documents
 * with no script and no inline style, so that the strictest
 * Content-Security-Policy (default-src 'none') holds for them.
 */
#ifndef KZ_HTML_H
#define KZ_HTML_H

#include <stddef.h>

struct arena;

/*
 * A copy of s in a, safe as element text and as a quoted attribute
 * value: & < > " ' become entities, control characters (C0, DEL and
 * C1) are dropped, and a byte that does not start a well-formed UTF-8
 * sequence becomes U+FFFD. Other UTF-8 is kept as it is. NULL gives "".
 */
char		*html_escape(struct arena *, const char *s);

/* As html_escape(), for the len bytes at s (which need not end in NUL). */
char		*html_escape_n(struct arena *, const char *s, size_t len);

/*
 * A URL as a quoted attribute value: bytes that a URL must not carry
 * raw (controls, space, non-ASCII and " < > \ ^ ` |) are
 * percent-encoded, so that the browser sends exactly the bytes it was
 * given, and the result is then escaped as by html_escape(). For URLs
 * that are already in their sent form (a request's path and query);
 * the scheme is not checked: callers pass only paths.
 */
char		*html_url(struct arena *, const char *s);

/*
 * A complete HTML5 document in a: UTF-8, a viewport for phones, no
 * indexing, no script, no style. title is plain text (escaped here);
 * body_html is HTML that the caller built with html_escape() for every
 * piece it did not write itself; it goes inside <main>. The length of
 * the result goes to *len when len is not NULL.
 */
char		*html_page(struct arena *, const char *title,
		    const char *body_html, size_t *len);

#endif
