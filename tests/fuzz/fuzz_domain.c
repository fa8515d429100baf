/*
 * fuzz_domain.c - valid_domain(): true exactly for a DNS host name as
 * the header defines it (labels of [A-Za-z0-9_-], 1 to 63 bytes, no
 * hyphen at either end of a label, 253 bytes in all, one optional root
 * dot), checked against a second, independent reading of that rule.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kz.h"
#include "valid.h"

#include "fuzz.h"

static bool
oracle(const uint8_t *s, size_t len)
{
	size_t	start = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > KZ_DOMAIN_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		size_t	 k, n;

		if (i < len && s[i] != '.')
			continue;
		n = i - start;
		if (n < 1 || n > 63 || s[start] == '-' || s[i - 1] == '-')
			return false;
		for (k = start; k < i; k++) {
			uint8_t c = s[k];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return false;
		}
		start = i + 1;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool	v = valid_domain((const char *)data, size);

	FUZZ_CHECK(v == oracle(data, size));
	return 0;
}
