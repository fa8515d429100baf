/*
 * fuzz_json_link.c - json_link_input() on any body: it never crashes,
 * refuses with a known problem code, and what it accepts is type-checked
 * and copied into the arena (see fuzz_json.h).
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "json.h"

#include "fuzz.h"
#include "fuzz_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a = arena_create();
	struct link_input	 in;
	struct json_fail	 f;
	enum kz_err		 err;
	size_t			 before;

	if (a == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	before = arena_used(a);
	err = json_link_input(a, (const char *)data, size, &in, &f);
	if (err == KZ_OK) {
		fuzz_json_link_input(&in);
		/* What it took is one NUL-free, UTF-8 JSON object. */
		FUZZ_CHECK(size > 0 && memchr(data, '\0', size) == NULL);
		FUZZ_CHECK(fuzz_utf8_ok((const char *)data, size));
	} else {
		fuzz_json_fail(err, &f);
		FUZZ_CHECK(strcmp(f.code, "batch_too_large") != 0);
	}
	fuzz_json_arena(a, before);
	arena_free(a);
	return 0;
}
