/*
 * codes.c - random codes from libsodium's generator (getrandom(2) below).
 */
#include "config.h"

#include <sodium.h>

#include "codes.h"

void
codes_generate(char *out, size_t len)
{
	static const char	alphabet[] = CODES_ALPHABET;
	size_t			i;

	for (i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}
