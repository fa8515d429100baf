/*
 * codes.h - generated short codes.
 */
#ifndef KZ_CODES_H
#define KZ_CODES_H

#include <stddef.h>

/*
 * The alphabet of generated codes: lower-case letters and digits without
 * the look-alikes 0, 1, i, l and o. Codes match without regard to case,
 * so upper case would add nothing.
 */
#define CODES_ALPHABET	"23456789abcdefghjkmnpqrstuvwxyz"

/*
 * Write len characters drawn uniformly from CODES_ALPHABET with the
 * operating system's random source, and a NUL, to out (len + 1 bytes).
 * sodium_init() must have succeeded.
 */
void	codes_generate(char *out, size_t len);

#endif
