/*
 * fuzz_ua.c - ua_parse() and ua_is_bot() on any bytes: every answer is
 * one of the documented static strings, a bot is "bot" in browser and
 * device and nowhere else, ua_is_bot() agrees with ua_parse(), the same
 * input gives the same pointers, and nothing past UA_SCAN_MAX bytes
 * counts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ua.h"

#include "fuzz.h"

static const char *const browsers[] = {
	"Edge", "Opera", "Samsung Internet", "Firefox", "Chrome", "Safari",
	"Internet Explorer", "curl", "Wget", "Python", "Go", "Java", "HTTPie",
	"bot", "Other", NULL
};
static const char *const oses[] = {
	"Windows", "macOS", "iOS", "Android", "ChromeOS", "Linux", "FreeBSD",
	"OpenBSD", "Other", NULL
};
static const char *const devices[] = {
	"desktop", "mobile", "tablet", "bot", "other", NULL
};

static bool
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static void
check(const struct ua_info *u, bool bot)
{
	FUZZ_CHECK(u->browser != NULL && u->os != NULL && u->device != NULL);
	FUZZ_CHECK(one_of(u->browser, browsers));
	FUZZ_CHECK(one_of(u->os, oses));
	FUZZ_CHECK(one_of(u->device, devices));
	FUZZ_CHECK(bot == (strcmp(u->browser, "bot") == 0));
	FUZZ_CHECK(bot == (strcmp(u->device, "bot") == 0));
}

static bool
same(const struct ua_info *a, const struct ua_info *b)
{
	return a->browser == b->browser && a->os == b->os &&
	    a->device == b->device;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	struct ua_info	 u, v;
	char		*big;
	bool		 bot = ua_is_bot(s, size);

	ua_parse(s, size, &u);
	check(&u, bot);
	ua_parse(s, size, &v);
	FUZZ_CHECK(same(&u, &v));
	FUZZ_CHECK(ua_is_bot(s, size) == bot);

	/* Only the window counts: what follows it changes nothing. */
	if (size > UA_SCAN_MAX) {
		ua_parse(s, UA_SCAN_MAX, &v);
		FUZZ_CHECK(same(&u, &v));
		FUZZ_CHECK(ua_is_bot(s, UA_SCAN_MAX) == bot);
	} else if (size % 16 == 0) {
		/*
		 * Pad past the window with a bot's and a browser's words (for
		 * one input length in 16: scanning a full window under the
		 * fuzzer's instrumentation costs a millisecond).
		 */
		static const char pad[] = " Googlebot/2.1 Firefox/1 iPad ";
		size_t		  n = UA_SCAN_MAX + 64, i;

		if ((big = malloc(n)) == NULL)
			abort();
		memcpy(big, s, size);
		memset(big + size, ' ', UA_SCAN_MAX - size);
		for (i = UA_SCAN_MAX; i < n; i++)
			big[i] = pad[(i - UA_SCAN_MAX) % (sizeof(pad) - 1)];
		ua_parse(big, n, &v);
		check(&v, ua_is_bot(big, n));
		ua_parse(big, UA_SCAN_MAX, &u);
		FUZZ_CHECK(same(&u, &v));
		free(big);
	}
	/* NULL is an agent that says nothing. */
	ua_parse(NULL, 0, &v);
	check(&v, false);
	FUZZ_CHECK(!ua_is_bot(NULL, size));
	return 0;
}
