/*
 * qr.c - QR codes as SVG and PNG. libqrencode makes the module matrix;
 * the SVG is written here by hand, the PNG by libpng into memory.
 */
#include "config.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "arena.h"
#include "html.h"
#include "qr.h"

/* The first allocation of a PNG's buffer; it doubles from there. */
#define QR_PNG_INIT	1024

/* A PNG as libpng writes it: heap memory, so that a longjmp loses none. */
struct qr_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

/*
 * The symbol of text, or NULL when there is none. The caller frees it
 * with QRcode_free().
 */
static QRcode *
qr_encode(const char *text)
{
	QRcode	*q;

	/* Longer text cannot fit: spare libqrencode the work of finding out. */
	if (text == NULL || strnlen(text, QR_TEXT_MAX + 1) > QR_TEXT_MAX)
		return NULL;
	/* NULL with errno ERANGE (too long), EINVAL ("") or ENOMEM. */
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return NULL;
	/* Versions 1 to 40 are 21 to 177 modules wide; trust nothing else. */
	if (q->width < 21 || q->width > 177 || q->data == NULL) {
		QRcode_free(q);
		return NULL;
	}
	return q;
}

static int
qr_dark(const QRcode *q, int x, int y)
{
	return q->data[(size_t)y * (size_t)q->width + (size_t)x] & 1;
}

/*
 * The path data of q's dark modules, one closed rectangle per horizontal
 * run, offset by the quiet zone, into buf when it is not NULL. Returns
 * the length, so that a first pass with NULL can size the second.
 */
static size_t
qr_svg_path(const QRcode *q, char *buf)
{
	char	seg[64];
	size_t	n = 0;
	int	x, y, run, k;

	for (y = 0; y < q->width; y++) {
		for (x = 0; x < q->width; x += run) {
			run = 1;
			if (!qr_dark(q, x, y))
				continue;
			while (x + run < q->width && qr_dark(q, x + run, y))
				run++;
			k = snprintf(seg, sizeof(seg), "M%d %dh%dv1h-%dz",
			    x + QR_QUIET, y + QR_QUIET, run, run);
			if (buf != NULL)
				memcpy(buf + n, seg, (size_t)k);
			n += (size_t)k;
		}
	}
	return n;
}

char *
qr_svg(struct arena *a, const char *text, size_t *len)
{
	QRcode		*q;
	const char	*head, *tail = "\"/></svg>\n";
	char		*title, *out;
	size_t		 hn, pn, tn = strlen(tail);
	int		 side;

	if ((q = qr_encode(text)) == NULL)
		return NULL;
	side = q->width + 2 * QR_QUIET;
	title = html_escape(a, text);
	head = arena_printf(a,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" shape-rendering=\"crispEdges\">"
	    "<title>%s</title>"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", side, side, title, side, side);
	hn = strlen(head);
	pn = qr_svg_path(q, NULL);
	out = arena_alloc(a, hn + pn + tn + 1);
	memcpy(out, head, hn);
	qr_svg_path(q, out + hn);
	memcpy(out + hn + pn, tail, tn + 1);
	QRcode_free(q);
	if (len != NULL)
		*len = hn + pn + tn;
	return out;
}

/* libpng's sink: append to the heap buffer, or fail the whole image. */
static void
qr_png_write(png_structp png, png_bytep data, size_t n)
{
	struct qr_buf	*b = png_get_io_ptr(png);
	unsigned char	*p;
	size_t		 cap;

	if (n > SIZE_MAX / 2 - b->len)
		png_error(png, "image too large");
	if (b->len + n > b->cap) {
		cap = b->cap == 0 ? QR_PNG_INIT : b->cap;
		while (cap < b->len + n)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			png_error(png, "out of memory");
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void
qr_png_flush(png_structp png)
{
	(void)png;
}

/* Errors go back through the longjmp, not to stderr: the caller says. */
static void
qr_png_error(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void
qr_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/*
 * Write q as a PNG into b, using row (one row's bytes) as scratch. 0 on
 * success; -1 when libpng failed, b then holding whatever it wrote. The
 * png structs are freed on both paths. Nothing local to this function
 * changes between setjmp() and a longjmp that is used afterwards: the
 * buffer and the row belong to the caller.
 */
static int
qr_png_encode(const QRcode *q, unsigned scale, struct qr_buf *b,
    png_bytep row)
{
	png_structp	png;
	png_infop	info;
	png_uint_32	side;
	unsigned	px, i;
	int		x, y;

	side = (png_uint_32)(q->width + 2 * QR_QUIET) * scale;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    qr_png_error, qr_png_warning);
	if (png == NULL)
		return -1;
	if ((info = png_create_info_struct(png)) == NULL) {
		png_destroy_write_struct(&png, NULL);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_set_write_fn(png, b, qr_png_write, qr_png_flush);
	png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	/* Rows of bits compress best as they are. */
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_write_info(png, info);

	/* The quiet rows: all white, which is 1 in a gray image. */
	memset(row, 0xff, (side + 7) / 8);
	for (i = 0; i < QR_QUIET * scale; i++)
		png_write_row(png, row);
	for (y = 0; y < q->width; y++) {
		memset(row, 0xff, (side + 7) / 8);
		for (x = 0; x < q->width; x++) {
			if (!qr_dark(q, x, y))
				continue;
			px = (unsigned)(x + QR_QUIET) * scale;
			for (i = 0; i < scale; i++, px++)
				row[px / 8] &= (png_byte)~(0x80u >> (px % 8));
		}
		for (i = 0; i < scale; i++)
			png_write_row(png, row);
	}
	memset(row, 0xff, (side + 7) / 8);
	for (i = 0; i < QR_QUIET * scale; i++)
		png_write_row(png, row);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

unsigned char *
qr_png(struct arena *a, const char *text, unsigned scale, size_t *len)
{
	QRcode		*q;
	struct qr_buf	 b = { NULL, 0, 0 };
	png_bytep	 row = NULL;
	unsigned char	*out = NULL;
	size_t		 side;

	if (scale == 0 || scale > QR_SCALE_MAX)
		return NULL;
	if ((q = qr_encode(text)) == NULL)
		return NULL;
	side = (size_t)(q->width + 2 * QR_QUIET) * scale;
	if ((row = malloc((side + 7) / 8)) == NULL)
		goto out;
	if (qr_png_encode(q, scale, &b, row) == -1)
		goto out;
	/* Only now into the arena: a failed image takes none of it. */
	out = arena_alloc(a, b.len);
	memcpy(out, b.data, b.len);
	*len = b.len;
out:
	free(row);
	free(b.data);
	QRcode_free(q);
	return out;
}
