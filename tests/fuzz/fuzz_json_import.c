/*
 * fuzz_json_import.c - json_link_import() on any line of an export:
 * never a crash; a link it accepts has a code and a URL, strings that
 * live in the arena, times that valid_time() allows, a redirect status
 * and a version of at least 1; and its numbers are the numbers the line
 * holds (fields are checked for type only: judging the values is the
 * caller's job, which it cannot do on a number that was cut short).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "json.h"
#include "store.h"

#include "fuzz.h"
#include "fuzz_json.h"

/* 10000-01-01T00:00:00Z */
#define TIME_END	INT64_C(253402300800)

static void
check_str(const char *s)
{
	if (s != NULL)
		FUZZ_CHECK(fuzz_utf8_ok(s, strlen(s)));
}

/*
 * The integer member name of the accepted line, read by json-c alone;
 * false when it is absent or null.
 */
static bool
line_int(const uint8_t *data, size_t size, const char *name, int64_t *v)
{
	json_tokener	*tok = json_tokener_new();
	json_object	*o, *m;
	bool		 ok = false;

	if (tok == NULL)
		abort();
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	FUZZ_CHECK(o != NULL);	/* json_link_import took it */
	if (json_object_object_get_ex(o, name, &m) && m != NULL) {
		FUZZ_CHECK(json_object_is_type(m, json_type_int));
		*v = json_object_get_int64(m);
		ok = true;
	}
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a = arena_create();
	struct link		 l;
	struct json_fail	 f;
	enum kz_err		 err;
	size_t			 i, before;
	int64_t			 v;

	if (a == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	before = arena_used(a);
	err = json_link_import(a, (const char *)data, size, &l, &f);
	if (err == KZ_OK) {
		FUZZ_CHECK(l.code != NULL && l.url != NULL && l.domain != NULL);
		check_str(l.code);
		check_str(l.url);
		check_str(l.domain);
		check_str(l.title);
		check_str(l.notes);
		check_str(l.password_hash);
		FUZZ_CHECK(l.ntags <= KZ_TAGS_MAX);
		for (i = 0; i < l.ntags; i++) {
			FUZZ_CHECK(l.tags[i] != NULL);
			check_str(l.tags[i]);
		}
		FUZZ_CHECK(l.redirect_status != 0);
		FUZZ_CHECK(l.version >= 1);
		FUZZ_CHECK(l.expires_at >= 0 && l.expires_at < TIME_END);
		FUZZ_CHECK(l.created_at >= 0 && l.created_at < TIME_END);
		FUZZ_CHECK(l.updated_at >= 0 && l.updated_at < TIME_END);
		FUZZ_CHECK(l.deleted_at >= 0 && l.deleted_at < TIME_END);
		if (line_int(data, size, "redirect_status", &v) && v != 0)
			FUZZ_CHECK(l.redirect_status == v);
		if (line_int(data, size, "max_clicks", &v))
			FUZZ_CHECK(l.max_clicks == v);
		if (line_int(data, size, "clicks", &v))
			FUZZ_CHECK(l.clicks == v);
		if (line_int(data, size, "version", &v) && v >= 1)
			FUZZ_CHECK(l.version == v);
	} else {
		fuzz_json_fail(err, &f);
		FUZZ_CHECK(strcmp(f.code, "batch_too_large") != 0);
	}
	fuzz_json_arena(a, before);
	arena_free(a);
	return 0;
}
