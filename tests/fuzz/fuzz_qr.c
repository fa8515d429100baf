/*
 * fuzz_qr.c - qr_svg() and qr_png() on any bytes. Both give NULL exactly
 * when libqrencode cannot encode the text (or it is past QR_TEXT_MAX);
 * otherwise the SVG's path draws libqrencode's dark modules, each once,
 * inside the quiet zone, its title holds no markup, and the PNG starts
 * with the signature and an IHDR of the symbol's size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "arena.h"
#include "qr.h"

#include "fuzz.h"

/* Read the path's runs back and compare them with q's dark modules. */
static void
check_path(const char *svg, const QRcode *q)
{
	const char	*p, *t;
	unsigned char	*m;
	int		 side = q->width + 2 * QR_QUIET, x, y, n, n2, k, i;

	FUZZ_CHECK((t = strstr(svg, "<title>")) != NULL);
	FUZZ_CHECK((p = strstr(t, "</title>")) != NULL);
	FUZZ_CHECK(memchr(t + 7, '<', (size_t)(p - t - 7)) == NULL);
	FUZZ_CHECK((p = strstr(p, " d=\"")) != NULL);
	p += 4;
	if ((m = calloc((size_t)side, (size_t)side)) == NULL)
		abort();
	while (*p == 'M') {
		FUZZ_CHECK(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2,
		    &k) == 4);
		FUZZ_CHECK(n == n2 && n >= 1);
		FUZZ_CHECK(x >= QR_QUIET && y >= QR_QUIET &&
		    x + n <= side - QR_QUIET && y < side - QR_QUIET);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(m[y * side + x + i] == 0);
			m[y * side + x + i] = 1;
		}
		p += k;
	}
	FUZZ_CHECK(strcmp(p, "\"/></svg>\n") == 0);
	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			FUZZ_CHECK(m[(y + QR_QUIET) * side + x + QR_QUIET] ==
			    (q->data[y * q->width + x] & 1));
	free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a = arena_create();
	char			*s, *svg;
	const unsigned char	*png;
	QRcode			*q = NULL;
	size_t			 slen = 0, plen = 0;
	uint32_t		 side;

	if (a == NULL)
		abort();
	s = fuzz_strndup(data, size);
	if (strlen(s) <= QR_TEXT_MAX)
		q = QRcode_encodeString(s, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	svg = qr_svg(a, s, &slen);
	png = qr_png(a, s, 1, &plen);
	FUZZ_CHECK((svg != NULL) == (q != NULL));
	FUZZ_CHECK((png != NULL) == (q != NULL));
	if (q != NULL) {
		FUZZ_CHECK(strlen(svg) == slen);
		check_path(svg, q);
		side = (uint32_t)(q->width + 2 * QR_QUIET);
		FUZZ_CHECK(plen > 33 &&
		    memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0 &&
		    memcmp(png + 12, "IHDR", 4) == 0);
		FUZZ_CHECK(((uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 |
		    (uint32_t)png[18] << 8 | png[19]) == side);
	}
	if (q != NULL)
		QRcode_free(q);
	free(s);
	arena_free(a);
	return 0;
}
