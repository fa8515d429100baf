/*
 * t_codes.c - generated codes: length, alphabet, no repeats.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codes.h"
#include "kz.h"

#include "tap.h"

#define NCODES		10000
#define CODE_LEN	7

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Whether s holds only CODES_ALPHABET characters. */
static int
in_alphabet(const char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(CODES_ALPHABET, *s) == NULL)
			return 0;
	return 1;
}

int
main(void)
{
	char	 buf[KZ_CODE_GEN_MAX + 8], (*codes)[12 + 1];
	size_t	 i, len, seen[256];
	int	 ok;

	if (!tap_ok(sodium_init() >= 0, "sodium_init"))
		return tap_done();

	/* The alphabet itself: no look-alikes, no upper case. */
	tap_ok(strlen(CODES_ALPHABET) == 31, "alphabet of 31");
	tap_ok(strpbrk(CODES_ALPHABET, "01ilo") == NULL &&
	    strpbrk(CODES_ALPHABET, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == NULL,
	    "alphabet without 0, 1, i, l, o and upper case");

	for (len = KZ_CODE_GEN_MIN; len <= KZ_CODE_GEN_MAX; len++) {
		memset(buf, '#', sizeof(buf));
		codes_generate(buf, len);
		tap_ok(strlen(buf) == len && buf[len + 1] == '#' &&
		    in_alphabet(buf), "codes_generate %zu: \"%s\"", len, buf);
	}
	memset(buf, '#', sizeof(buf));
	codes_generate(buf, 0);
	tap_ok(buf[0] == '\0' && buf[1] == '#', "codes_generate 0");

	codes = calloc(NCODES, sizeof(*codes));
	memset(seen, 0, sizeof(seen));
	ok = 1;
	for (i = 0; i < NCODES; i++) {
		codes_generate(codes[i], CODE_LEN);
		if (strlen(codes[i]) != CODE_LEN || !in_alphabet(codes[i]))
			ok = 0;
		for (len = 0; len < CODE_LEN; len++)
			seen[(unsigned char)codes[i][len]]++;
	}
	tap_ok(ok, "%d codes of %d, each from the alphabet", NCODES,
	    CODE_LEN);
	/*
	 * Distinctness is checked on 12-character codes: among 10000 codes
	 * of 7 a repeat has a chance of 0.2%, of 12 one of 1e-10.
	 */
	for (i = 0; i < NCODES; i++)
		codes_generate(codes[i], 12);
	qsort(codes, NCODES, sizeof(*codes), cmp);
	ok = 1;
	for (i = 1; i < NCODES; i++)
		if (strcmp(codes[i - 1], codes[i]) == 0) {
			printf("#   \"%s\" twice\n", codes[i]);
			ok = 0;
		}
	tap_ok(ok, "%d codes of 12, all distinct", NCODES);

	/*
	 * 70000 draws from 31: each character is expected 2258 times. A
	 * fair draw stays within a third of that (p < 1e-100 otherwise).
	 */
	for (i = 0; i < strlen(CODES_ALPHABET); i++) {
		size_t	n = seen[(unsigned char)CODES_ALPHABET[i]];

		tap_ok(n > 1500 && n < 3000, "'%c' drawn %zu times",
		    CODES_ALPHABET[i], n);
	}
	free(codes);
	return tap_done();
}
