/*
 * auth.h - API keys: making them, hashing them, finding them in headers.
 */
#ifndef KZ_AUTH_H
#define KZ_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* "kz_" and 32 random bytes in unpadded base64url. */
#define AUTH_KEY_PREFIX		"kz_"
#define AUTH_KEY_LEN		(3 + 43)
#define AUTH_HASH_LEN		32	/* SHA-256 */
#define AUTH_SHOWN_LEN		8	/* leading characters kept to tell keys apart */

enum scope {
	SCOPE_NONE = 0,
	SCOPE_READ,
	SCOPE_WRITE,
	SCOPE_ADMIN
};

/* "read", "write", "admin"; SCOPE_NONE for anything else. */
enum scope	 auth_scope_parse(const char *);
const char	*auth_scope_name(enum scope);

/* A new key, NUL-terminated, into out (AUTH_KEY_LEN + 1 bytes). */
void		 auth_key_generate(char *out);

/*
 * The stored form of a key: its SHA-256. Keys carry 256 random bits, so
 * a fast hash is enough; there is nothing to guess.
 */
void		 auth_key_hash(const char *key, size_t len,
		    unsigned char out[AUTH_HASH_LEN]);

/*
 * The key a request carries: "Authorization: Bearer KEY" (scheme in any
 * case) or else "X-API-Key: KEY". Either header may be NULL. Returns a
 * pointer into the header and its length in *len, or NULL when neither
 * holds a key of the right shape.
 */
const char	*auth_key_from_headers(const char *authorization,
		    const char *x_api_key, size_t *len);

#endif
