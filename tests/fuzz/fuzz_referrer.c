/*
 * fuzz_referrer.c - clicks_referrer_host() on any Referer header: it
 * never writes past its KZ_DOMAIN_MAX + 1 bytes, and a host it gives is
 * lower case, without credentials or port, and a DNS name or an IPv6
 * address in brackets.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clicks.h"
#include "kz.h"
#include "valid.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*ref = fuzz_strndup(data, size);
	/* Exactly the room promised, so that ASan sees a byte past it. */
	char		*out = malloc(KZ_DOMAIN_MAX + 1);
	unsigned char	 addr[16];
	size_t		 n, i;

	if (out == NULL)
		abort();
	if (clicks_referrer_host(ref, out)) {
		n = strlen(out);
		FUZZ_CHECK(n > 0 && n <= KZ_DOMAIN_MAX);
		FUZZ_CHECK(strstr(ref, "://") != NULL);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(!(out[i] >= 'A' && out[i] <= 'Z'));
			FUZZ_CHECK(out[i] != '@' && out[i] != '/');
		}
		/* An IPv6 literal keeps its brackets. */
		if (out[0] == '[') {
			FUZZ_CHECK(n >= 3 && out[n - 1] == ']');
			out[n - 1] = '\0';
			FUZZ_CHECK(inet_pton(AF_INET6, out + 1, addr) == 1);
		} else
			FUZZ_CHECK(valid_domain(out, n));
	}
	FUZZ_CHECK(!clicks_referrer_host(NULL, out));
	free(out);
	free(ref);
	return 0;
}
