/*
 * fuzz_code.c - valid_code() and valid_reserved(): the verdict agrees
 * with the rule as the header states it, for any bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

#include "kz.h"
#include "valid.h"

#include "fuzz.h"

/* The words the header promises are reserved; the list may grow. */
static const char *const must_reserve[] = { "api", "admin" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	enum valid_code	 r = valid_code(s, size);
	bool		 chars = true;
	size_t		 i;

	FUZZ_CHECK(r >= CODE_OK && r <= CODE_RESERVED);
	FUZZ_CHECK(valid_code_msg(r) != NULL);
	for (i = 0; i < size; i++) {
		unsigned char c = data[i];

		chars &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-';
	}
	if (size == 0)
		FUZZ_CHECK(r == CODE_EMPTY);
	else if (size > KZ_CODE_MAX)
		FUZZ_CHECK(r == CODE_TOO_LONG);
	else if (!chars)
		FUZZ_CHECK(r == CODE_CHARS);
	else
		FUZZ_CHECK(r == (valid_reserved(s, size) ? CODE_RESERVED :
		    CODE_OK));
	for (i = 0; i < KZ_ARRAY_SIZE(must_reserve); i++)
		if (size == strlen(must_reserve[i]) &&
		    strncasecmp(s, must_reserve[i], size) == 0)
			FUZZ_CHECK(valid_reserved(s, size) &&
			    r == CODE_RESERVED);
	/* A reserved word is a code in every other way. */
	if (valid_reserved(s, size))
		FUZZ_CHECK(size > 0 && size <= KZ_CODE_MAX);
	return 0;
}
