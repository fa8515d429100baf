/*
 * fuzz_json_batch.c - json_batch_input() on any body, with a batch limit
 * of 8 so that small inputs reach batch_too_large: never a crash; on
 * success 1 to 8 links, each as json_link_input would give it; on a
 * refused link, its index.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "json.h"

#include "fuzz.h"
#include "fuzz_json.h"

#define BATCH_FUZZ_MAX	8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a = arena_create();
	struct link_input	*items = NULL;
	struct json_fail	 f;
	enum kz_err		 err;
	size_t			 n = (size_t)-1, failed = 0, i, before;

	if (a == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	before = arena_used(a);
	err = json_batch_input(a, (const char *)data, size, BATCH_FUZZ_MAX,
	    &items, &n, &failed, &f);
	if (err == KZ_OK) {
		FUZZ_CHECK(n >= 1 && n <= BATCH_FUZZ_MAX);
		FUZZ_CHECK(failed == (size_t)-1);
		FUZZ_CHECK(items != NULL);
		for (i = 0; i < n; i++)
			fuzz_json_link_input(&items[i]);
	} else {
		fuzz_json_fail(err, &f);
		if (failed != (size_t)-1) {
			/* One link was refused: the ones before it passed. */
			FUZZ_CHECK(failed < n && n <= BATCH_FUZZ_MAX);
			FUZZ_CHECK(strcmp(f.code, "batch_too_large") != 0);
			for (i = 0; i < failed; i++)
				fuzz_json_link_input(&items[i]);
		}
		if (strcmp(f.code, "batch_too_large") == 0)
			FUZZ_CHECK(n == 0 || n > BATCH_FUZZ_MAX);
	}
	fuzz_json_arena(a, before);
	arena_free(a);
	return 0;
}
