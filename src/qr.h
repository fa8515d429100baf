/*
 * qr.h - QR codes of short URLs for the admin page, as SVG for the page
 * itself and as PNG for download. This is the only file that meets
 * libqrencode and libpng. Both take any bytes: text that cannot be
 * encoded gives NULL, never a crash.
 */
#ifndef KZ_QR_H
#define KZ_QR_H

#include <stddef.h>

struct arena;

/* Light modules around the symbol, as the QR standard asks for. */
#define QR_QUIET	4
/* Longest text tried: what version 40 holds at level M, all digits. */
#define QR_TEXT_MAX	5596
/* Pixels per module of a PNG; the largest gives a 5920-pixel image. */
#define QR_SCALE_MAX	32

/*
 * The QR code (level M, the smallest version that fits) of text, up to
 * its NUL, as a standalone SVG document in a: a viewBox of one unit per
 * module with the quiet zone, a white background, the dark modules as
 * one <path>, a <title> that is text escaped by html_escape(). Colours
 * are fill= attributes, so that a style-less CSP holds. No XML
 * declaration, so that the same bytes can also be put inline in a page.
 * The length goes to *len when len is not NULL. NULL when text is NULL
 * or cannot be encoded (too long for any version).
 */
char		*qr_svg(struct arena *, const char *text, size_t *len);

/*
 * The QR code of text, as qr_svg(), as a 1-bit grayscale PNG in a: each
 * module scale by scale pixels, with the quiet zone. The byte count goes
 * to *len (not optional: PNG holds NULs). NULL when text is NULL or
 * cannot be encoded, when scale is 0 or past QR_SCALE_MAX, or when
 * libpng fails; nothing is left allocated then.
 */
unsigned char	*qr_png(struct arena *, const char *text, unsigned scale,
		    size_t *len);

#endif
