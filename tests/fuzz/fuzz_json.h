/*
 * fuzz_json.h - checks shared by the JSON harnesses. Every string the
 * parsers hand back must live in the arena, not in the json-c object they
 * have freed by then: reading each one in full lets ASan see a pointer
 * that outlived its object.
 */
#ifndef KZ_FUZZ_JSON_H
#define KZ_FUZZ_JSON_H

#include <stdbool.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "kz.h"

#include "fuzz.h"

/* A string member: NULL with length 0, or len bytes of UTF-8 and a NUL. */
static inline void
fuzz_json_string(const char *s, size_t len)
{
	if (s == NULL) {
		FUZZ_CHECK(len == 0);
		return;
	}
	FUZZ_CHECK(s[len] == '\0');
	FUZZ_CHECK(strlen(s) <= len);
	/* json-c turns lone surrogates into U+FFFD: always well-formed. */
	FUZZ_CHECK(fuzz_utf8_ok(s, len));
}

/* What a failed parse says: a known code, and text that is still there. */
static inline void
fuzz_json_fail(enum kz_err err, const struct json_fail *f)
{
	FUZZ_CHECK(err == KZ_BADREQ || err == KZ_INVALID);
	FUZZ_CHECK(f->err == err);
	FUZZ_CHECK(f->code != NULL && f->detail != NULL);
	FUZZ_CHECK(strlen(f->detail) > 0);
	FUZZ_CHECK(strcmp(f->code, "invalid_json") == 0 ||
	    strcmp(f->code, "unknown_field") == 0 ||
	    strcmp(f->code, "invalid_field") == 0 ||
	    strcmp(f->code, "batch_too_large") == 0);
	if (strcmp(f->code, "invalid_json") == 0)
		FUZZ_CHECK(err == KZ_BADREQ && f->field == NULL);
	else
		FUZZ_CHECK(err == KZ_INVALID);
	if (f->field != NULL)
		FUZZ_CHECK(strlen(f->field) <= KZ_CODE_MAX + 16);
}

/* One parsed link body. */
static inline void
fuzz_json_link_input(const struct link_input *in)
{
	const unsigned	 all = (1u << 11) - 1;	/* LF_URL .. LF_PASSWORD */
	size_t		 i;

	FUZZ_CHECK((in->have & ~all) == 0);
	FUZZ_CHECK((in->nulls & ~in->have) == 0);
	fuzz_json_string(in->url, in->url_len);
	fuzz_json_string(in->code, in->code_len);
	fuzz_json_string(in->domain, in->domain_len);
	fuzz_json_string(in->title, in->title_len);
	fuzz_json_string(in->expires_at, in->expires_len);
	fuzz_json_string(in->notes, in->notes_len);
	fuzz_json_string(in->password, in->password_len);
	/* A member that was absent or null is NULL; one that was set is not. */
	FUZZ_CHECK((in->url != NULL) ==
	    ((in->have & ~in->nulls & LF_URL) != 0));
	FUZZ_CHECK((in->code != NULL) ==
	    ((in->have & ~in->nulls & LF_CODE) != 0));
	FUZZ_CHECK((in->title != NULL) ==
	    ((in->have & ~in->nulls & LF_TITLE) != 0));
	FUZZ_CHECK(in->ntags <= KZ_TAGS_MAX);
	if (!(in->have & LF_TAGS) || (in->nulls & LF_TAGS))
		FUZZ_CHECK(in->ntags == 0);
	for (i = 0; i < in->ntags; i++) {
		FUZZ_CHECK(in->tags[i] != NULL);
		fuzz_json_string(in->tags[i], in->tag_lens[i]);
	}
	if (!(in->have & LF_MAX_CLICKS) || (in->nulls & LF_MAX_CLICKS))
		FUZZ_CHECK(in->max_clicks == 0);
	if (!(in->have & LF_REDIRECT_STATUS) ||
	    (in->nulls & LF_REDIRECT_STATUS))
		FUZZ_CHECK(in->redirect_status == 0);
	if (!(in->have & LF_FORWARD_QUERY) || (in->nulls & LF_FORWARD_QUERY))
		FUZZ_CHECK(in->forward_query);
}

/*
 * The arena is still sound: it grew by what the parse used, and a fresh
 * allocation can be written in full.
 */
static inline void
fuzz_json_arena(struct arena *a, size_t before)
{
	size_t	used = arena_used(a);
	char	*p;

	FUZZ_CHECK(used >= before);
	p = arena_alloc(a, 4096);
	memset(p, 0xa5, 4096);
	FUZZ_CHECK(arena_used(a) >= used + 4096);
}

#endif
