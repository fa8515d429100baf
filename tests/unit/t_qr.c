/*
 * t_qr.c - QR codes: the matrix drawn in the SVG and in the PNG is the
 * one libqrencode made, pixel for pixel, and hostile or oversized text
 * gives NULL.
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
#include "kz.h"
#include "qr.h"

#include "tap.h"

/* A module matrix with the quiet zone: side * side, 1 for dark. */
struct grid {
	int		 side;
	unsigned char	*m;
};

static const char *const texts[] = {
	"https://kurz.example/abc",
	"HTTP://KURZ.EXAMPLE/ABC123",	/* alphanumeric mode */
	"0123456789012345678901234567890123456789",	/* numeric mode */
	"https://k.example/\xc3\xa4\xe2\x82\xac\xf0\x9f\x94\x91",
	"x",
};

/* What libqrencode says, with the quiet zone around it. */
static int
grid_want(const char *text, struct grid *g)
{
	QRcode	*q;
	int	 x, y;

	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL)
		return -1;
	g->side = q->width + 2 * QR_QUIET;
	if ((g->m = calloc((size_t)g->side, (size_t)g->side)) == NULL)
		abort();
	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			g->m[(y + QR_QUIET) * g->side + x + QR_QUIET] =
			    q->data[y * q->width + x] & 1;
	QRcode_free(q);
	return 0;
}

/*
 * The matrix the SVG's path draws, or -1 when the path is not made of
 * "Mx yhNv1h-Nz" runs inside the viewBox, or a run touches the next on
 * its row (runs are meant to be as long as they can be).
 */
static int
grid_from_svg(const char *svg, struct grid *g)
{
	const char	*p;
	int		 side, side2, x, y, n, n2, k, i, lastx = -2, lasty = -1;

	if ((p = strstr(svg, "viewBox=\"0 0 ")) == NULL ||
	    sscanf(p, "viewBox=\"0 0 %d %d\"", &side, &side2) != 2 ||
	    side != side2 || side < 21 + 2 * QR_QUIET || side > 177 + 2 * QR_QUIET)
		return -1;
	if ((p = strstr(svg, " d=\"")) == NULL)
		return -1;
	p += 4;
	g->side = side;
	if ((g->m = calloc((size_t)side, (size_t)side)) == NULL)
		abort();
	while (*p == 'M') {
		if (sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &k) != 4 ||
		    n != n2 || n < 1 || x < 0 || y < 0 || x + n > side ||
		    y >= side)
			return -1;
		if (y == lasty && x <= lastx)
			return -1;
		for (i = 0; i < n; i++) {
			if (g->m[y * side + x + i])
				return -1;	/* drawn twice */
			g->m[y * side + x + i] = 1;
		}
		lastx = x + n;
		lasty = y;
		p += k;
	}
	return *p == '"' ? 0 : -1;
}

struct png_src {
	const unsigned char	*p;
	size_t			 len, off;
};

static void
png_src_read(png_structp png, png_bytep out, size_t n)
{
	struct png_src	*s = png_get_io_ptr(png);

	if (n > s->len - s->off)
		png_error(png, "read past the end");
	memcpy(out, s->p + s->off, n);
	s->off += n;
}

/*
 * Decode a 1-bit gray PNG of modules scale pixels square into a matrix,
 * checking that every pixel of a module is the same. -1 when it is not
 * such a PNG; the whole of it must be read.
 */
static int
grid_from_png(const unsigned char *buf, size_t len, unsigned scale,
    struct grid *g)
{
	struct png_src	 src = { buf, len, 0 };
	png_structp	 png;
	png_infop	 info;
	/* Set after setjmp() and freed after a longjmp: volatile. */
	png_bytep volatile img = NULL;
	png_bytep	 row;
	png_uint_32	 w, h, x, y;
	size_t		 stride;
	int		 depth, type, inter;
	volatile int	 ok = -1;
	unsigned	 px, want;

	if (len < 8 || png_sig_cmp(buf, 0, 8) != 0)
		return -1;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png_create_info_struct(png);
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		free(img);
		return -1;
	}
	png_set_read_fn(png, &src, png_src_read);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &type, &inter, NULL, NULL);
	if (w != h || depth != 1 || type != PNG_COLOR_TYPE_GRAY ||
	    inter != PNG_INTERLACE_NONE || w % scale != 0)
		goto out;
	stride = png_get_rowbytes(png, info);
	if ((img = malloc(stride * h)) == NULL)
		abort();
	for (y = 0; y < h; y++)
		png_read_row(png, img + y * stride, NULL);
	png_read_end(png, NULL);
	if (src.off != len)
		goto out;
	g->side = (int)(w / scale);
	if ((g->m = calloc((size_t)g->side, (size_t)g->side)) == NULL)
		abort();
	for (y = 0; y < h; y++) {
		row = img + y * stride;
		for (x = 0; x < w; x++) {
			/* 0 is black in a gray image. */
			px = !((row[x / 8] >> (7 - x % 8)) & 1);
			if (x % scale == 0 && y % scale == 0)
				g->m[(y / scale) * g->side + x / scale] =
				    (unsigned char)px;
			want = g->m[(y / scale) * g->side + x / scale];
			if (px != want)
				goto out;
		}
	}
	ok = 0;
out:
	png_destroy_read_struct(&png, &info, NULL);
	free(img);
	return ok;
}

static int
grid_same(const struct grid *a, const struct grid *b)
{
	return a->side == b->side &&
	    memcmp(a->m, b->m, (size_t)a->side * (size_t)a->side) == 0;
}

static size_t
count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_svg(struct arena *a)
{
	struct grid	 want, got;
	const char	*svg;
	size_t		 i, len;
	char		 vb[64];

	for (i = 0; i < KZ_ARRAY_SIZE(texts); i++) {
		len = 0;
		svg = qr_svg(a, texts[i], &len);
		if (!tap_ok(svg != NULL && len == strlen(svg),
		    "qr_svg #%zu: a document, *len its length", i))
			continue;
		if (grid_want(texts[i], &want) == -1)
			abort();
		snprintf(vb, sizeof(vb), "viewBox=\"0 0 %d %d\"", want.side,
		    want.side);
		tap_ok(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
		    39) == 0 && strstr(svg, vb) != NULL &&
		    strstr(svg, "role=\"img\"") != NULL &&
		    strstr(svg, "shape-rendering=\"crispEdges\"") != NULL &&
		    strcmp(svg + len - 7, "</svg>\n") == 0,
		    "qr_svg #%zu: root element, %s, role, crispEdges", i, vb);
		tap_ok(count(svg, "<path") == 1 && count(svg, "<title>") == 1 &&
		    strstr(svg, "<rect width=\"") != NULL &&
		    strstr(svg, "fill=\"#fff\"") != NULL &&
		    strstr(svg, "fill=\"#000\"") != NULL,
		    "qr_svg #%zu: one path, one title, black on white", i);
		tap_ok(strstr(svg, "style") == NULL &&
		    strstr(svg, "<script") == NULL,
		    "qr_svg #%zu: no style, no script", i);
		got.m = NULL;
		tap_ok(grid_from_svg(svg, &got) == 0 && grid_same(&got, &want),
		    "qr_svg #%zu: the path draws libqrencode's modules, in "
		    "maximal runs, inside the quiet zone", i);
		free(want.m);
		free(got.m);
	}
	svg = qr_svg(a, texts[0], NULL);
	tap_ok(svg != NULL, "qr_svg: len may be NULL");

	svg = qr_svg(a, "\"><script>alert(1)</script>&'", NULL);
	tap_ok(svg != NULL && strstr(svg, "<script") == NULL &&
	    strstr(svg, "<title>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&amp;&#39;</title>") != NULL,
	    "qr_svg: the title is escaped");
	svg = qr_svg(a, "a\x01\x1b[0m\xff<", NULL);
	tap_ok(svg != NULL && strstr(svg, "<title>a[0m\xef\xbf\xbd&lt;"
	    "</title>") != NULL,
	    "qr_svg: controls dropped, broken UTF-8 replaced in the title");
}

static void
test_png(struct arena *a)
{
	static const unsigned	 scales[] = { 1, 3, 8, QR_SCALE_MAX };
	struct grid		 want, got;
	const unsigned char	*png;
	size_t			 i, j, len;

	for (i = 0; i < KZ_ARRAY_SIZE(texts); i++) {
		if (grid_want(texts[i], &want) == -1)
			abort();
		for (j = 0; j < KZ_ARRAY_SIZE(scales); j++) {
			len = 0;
			png = qr_png(a, texts[i], scales[j], &len);
			if (!tap_ok(png != NULL && len > 8 &&
			    memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0,
			    "qr_png #%zu scale %u: PNG signature", i,
			    scales[j]))
				continue;
			/* IHDR: width and height, big-endian, after the tag. */
			tap_ok(memcmp(png + 12, "IHDR", 4) == 0 &&
			    png_get_uint_32(png + 16) ==
			    (png_uint_32)want.side * scales[j] &&
			    png_get_uint_32(png + 20) ==
			    (png_uint_32)want.side * scales[j] &&
			    png[24] == 1 && png[25] == 0,
			    "qr_png #%zu scale %u: %u pixels square, 1-bit gray",
			    i, scales[j], want.side * scales[j]);
			got.m = NULL;
			tap_ok(grid_from_png(png, len, scales[j], &got) == 0 &&
			    grid_same(&got, &want),
			    "qr_png #%zu scale %u: decoded, libqrencode's "
			    "modules with the quiet zone", i, scales[j]);
			free(got.m);
		}
		free(want.m);
	}
	tap_ok(qr_png(a, texts[0], 0, &len) == NULL &&
	    qr_png(a, texts[0], QR_SCALE_MAX + 1, &len) == NULL &&
	    qr_png(a, texts[0], UINT32_MAX, &len) == NULL,
	    "qr_png: scale 0 and past QR_SCALE_MAX give NULL");
}

/* Text of n copies of c. */
static char *
fill(int c, size_t n)
{
	char	*s = malloc(n + 1);

	if (s == NULL)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_hostile(struct arena *a)
{
	char		*s, bytes[256];
	size_t		 len, used, i, k;
	int		 ok;
	unsigned	 seed = 12345;

	used = arena_used(a);
	tap_ok(qr_svg(a, NULL, &len) == NULL &&
	    qr_png(a, NULL, 8, &len) == NULL, "NULL text gives NULL");
	tap_ok(qr_svg(a, "", &len) == NULL && qr_png(a, "", 8, &len) == NULL,
	    "empty text gives NULL (libqrencode: EINVAL)");

	/* 2331 bytes fill version 40 at level M in 8-bit mode. */
	s = fill('a', 2331);
	tap_ok(qr_svg(a, s, NULL) != NULL, "2331 bytes: version 40 holds them");
	free(s);
	used = arena_used(a);
	s = fill('a', 2332);
	tap_ok(qr_svg(a, s, &len) == NULL && qr_png(a, s, 8, &len) == NULL,
	    "2332 bytes: too long, NULL");
	tap_ok(arena_used(a) == used,
	    "what cannot be encoded takes nothing from the arena");
	free(s);
	s = fill('7', QR_TEXT_MAX);
	tap_ok(qr_svg(a, s, NULL) != NULL,
	    "QR_TEXT_MAX digits: version 40 holds them");
	free(s);
	s = fill('7', QR_TEXT_MAX + 1);
	tap_ok(qr_svg(a, s, NULL) == NULL, "QR_TEXT_MAX + 1 digits: NULL");
	free(s);
	s = fill('x', 1 << 24);
	tap_ok(qr_svg(a, s, NULL) == NULL && qr_png(a, s, 8, &len) == NULL,
	    "16 MB of text: NULL");
	free(s);

	for (i = 0; i < 255; i++)
		bytes[i] = (char)(i + 1);
	bytes[255] = '\0';
	tap_ok(qr_svg(a, bytes, NULL) != NULL &&
	    qr_png(a, bytes, 2, &len) != NULL,
	    "every byte from 1 to 255: encoded");

	/* Random bytes of random lengths: NULL or a document, nothing else. */
	ok = 1;
	for (i = 0; i < 200; i++) {
		char	buf[3000];
		size_t	n;
		char	*svg;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = (char)((seed >> 16) | 1);
		}
		buf[n] = '\0';
		svg = qr_svg(a, buf, NULL);
		if (svg != NULL && strstr(svg, "</svg>") == NULL)
			ok = 0;
		if ((svg != NULL) != (qr_png(a, buf, 1, &len) != NULL))
			ok = 0;
		arena_reset(a);
	}
	tap_ok(ok, "200 random texts: a document or NULL, SVG and PNG agree");
}

int
main(void)
{
	struct arena	*a;

	if ((a = arena_create()) == NULL)
		return 1;
	test_svg(a);
	test_png(a);
	test_hostile(a);
	arena_free(a);
	return tap_done();
}
