/*
 * fuzz_text.c - valid_utf8(), valid_tag() and valid_title(): valid_utf8
 * agrees with an independent decoder (RFC 3629 table 3-7); a tag or a
 * title is exactly the UTF-8 of the right length with no control but,
 * for a title, tab.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kz.h"
#include "valid.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	bool		 utf8 = valid_utf8(s, size), ctl = false, ctl_tab = false;
	size_t		 i;

	FUZZ_CHECK(utf8 == (bool)fuzz_utf8_ok(s, size));
	for (i = 0; i < size; i++) {
		if (data[i] < 0x20 || data[i] == 0x7f) {
			ctl = true;
			if (data[i] != '\t')
				ctl_tab = true;
		}
	}
	FUZZ_CHECK(valid_tag(s, size) == (size > 0 && size <= KZ_TAG_MAX &&
	    !ctl && utf8));
	FUZZ_CHECK(valid_title(s, size) == (size <= KZ_TITLE_MAX &&
	    !ctl_tab && utf8));
	/* Every prefix that ends on a character boundary is UTF-8 too. */
	if (utf8 && size <= 512)
		for (i = 0; i <= size; i++)
			if (i == size || (data[i] & 0xc0) != 0x80)
				FUZZ_CHECK(valid_utf8(s, i));
	return 0;
}
