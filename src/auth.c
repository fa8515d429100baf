/*
 * auth.c - keys are random, shown once, and kept only as a hash.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "auth.h"

static const char *const scope_names[] = {
	[SCOPE_NONE] = "none",
	[SCOPE_READ] = "read",
	[SCOPE_WRITE] = "write",
	[SCOPE_ADMIN] = "admin",
};

enum scope
auth_scope_parse(const char *s)
{
	int	i;

	for (i = SCOPE_READ; i <= SCOPE_ADMIN; i++)
		if (strcmp(s, scope_names[i]) == 0)
			return (enum scope)i;
	return SCOPE_NONE;
}

const char *
auth_scope_name(enum scope sc)
{
	return scope_names[sc];
}

void
auth_key_generate(char *out)
{
	unsigned char	raw[32];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, AUTH_KEY_PREFIX, 3);
	sodium_bin2base64(out + 3, AUTH_KEY_LEN - 3 + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
auth_key_hash(const char *key, size_t len, unsigned char out[AUTH_HASH_LEN])
{
	crypto_hash_sha256(out, (const unsigned char *)key, len);
}

/* The shape of a key; anything else is refused before it is hashed. */
static bool
auth_key_shape(const char *s, size_t len)
{
	size_t	i;

	if (len != AUTH_KEY_LEN || strncmp(s, AUTH_KEY_PREFIX, 3) != 0)
		return false;
	for (i = 3; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static const char *
auth_trim(const char *s, size_t *len)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

const char *
auth_key_from_headers(const char *authorization, const char *x_api_key,
    size_t *len)
{
	const char	*k;

	if (authorization != NULL) {
		k = auth_trim(authorization, len);
		if (*len > 7 && strncasecmp(k, "Bearer ", 7) == 0) {
			k = auth_trim(k + 7, len);
			if (auth_key_shape(k, *len))
				return k;
		}
		return NULL;
	}
	if (x_api_key != NULL) {
		k = auth_trim(x_api_key, len);
		if (auth_key_shape(k, *len))
			return k;
	}
	return NULL;
}
