/*
 * ua.c - User-Agent classification. The input is untrusted, may hold any
 * byte, NUL included, and is not NUL-terminated: every search is bounded
 * by the length, and only the first UA_SCAN_MAX bytes are looked at, so
 * that a huge header costs no more than a long one.
 *
 * Browsers lie about each other for compatibility (Edge, Opera and
 * Samsung Internet all say "Chrome/" and "Safari/", Chrome says
 * "Safari/", everything says "Mozilla/"), so the order of the tests is
 * the substance of this file: the most specific token first.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "kz.h"
#include "ua.h"

static const char B_EDGE[] = "Edge";
static const char B_OPERA[] = "Opera";
static const char B_SAMSUNG[] = "Samsung Internet";
static const char B_FIREFOX[] = "Firefox";
static const char B_CHROME[] = "Chrome";
static const char B_SAFARI[] = "Safari";
static const char B_IE[] = "Internet Explorer";
static const char B_BOT[] = "bot";
static const char B_OTHER[] = "Other";

static const char OS_WINDOWS[] = "Windows";
static const char OS_MACOS[] = "macOS";
static const char OS_IOS[] = "iOS";
static const char OS_ANDROID[] = "Android";
static const char OS_CHROMEOS[] = "ChromeOS";
static const char OS_LINUX[] = "Linux";
static const char OS_FREEBSD[] = "FreeBSD";
static const char OS_OPENBSD[] = "OpenBSD";
static const char OS_OTHER[] = "Other";

static const char D_DESKTOP[] = "desktop";
static const char D_MOBILE[] = "mobile";
static const char D_TABLET[] = "tablet";
static const char D_BOT[] = "bot";
static const char D_OTHER[] = "other";

/*
 * Substrings, in lower case and matched without regard to case, that
 * mark an agent which is not a person: crawlers, link-preview fetchers,
 * monitors. A word is not a bot when it follows not_after ("CUBOT" is a
 * maker of phones). HeadlessChrome is deliberately absent: our own
 * browser tests use it and must count as visits. "preview" covers
 * SkypeUriPreview and BitlyPreview. Pinterest's fetchers say
 * "Pinterest/0.x" or "Pinterestbot"; its in-app browser says
 * "[Pinterest/iOS]" and is a person, so the bare name is not enough.
 */
static const struct {
	const char	*word;
	const char	*not_after;
} bot_words[] = {
	{ "bot", "cu" },
	{ "crawl", NULL },
	{ "spider", NULL },
	{ "slurp", NULL },
	{ "facebookexternalhit", NULL },
	{ "facebookcatalog", NULL },
	{ "embedly", NULL },
	{ "whatsapp", NULL },
	{ "preview", NULL },
	{ "mastodon", NULL },
	{ "pinterest/0.", NULL },
	{ "quora link", NULL },
	{ "vkshare", NULL },
	{ "w3c_validator", NULL },
	{ "lighthouse", NULL },
	{ "uptime", NULL },
	{ "monitor", NULL },
	{ "pingdom", NULL },
	{ "statuscake", NULL },
	{ "google-inspectiontool", NULL },
	{ "googleother", NULL },
};

/*
 * Command-line tools and HTTP libraries, matched without regard to case
 * at the start of a token, so that "libcurl/" is not curl.
 */
static const struct {
	const char	*token;
	const char	*name;
} tools[] = {
	{ "curl/", "curl" },
	{ "wget/", "Wget" },
	{ "httpie/", "HTTPie" },
	{ "python-", "Python" },
	{ "python/", "Python" },
	{ "go-http-client/", "Go" },
	{ "java/", "Java" },
	{ "apache-httpclient/", "Java" },
};

static int
ua_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
ua_is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* The number of bytes of s that are looked at. */
static size_t
ua_window(const char *s, size_t len)
{
	if (s == NULL)
		return 0;
	return len < UA_SCAN_MAX ? len : UA_SCAN_MAX;
}

/* Whether the lower-case word w is at s + i, in any case, within n bytes. */
static bool
ua_at_ci(const char *s, size_t n, size_t i, const char *w, size_t wl)
{
	size_t	k;

	if (i > n || n - i < wl)
		return false;
	for (k = 0; k < wl; k++)
		if (ua_lower((unsigned char)s[i + k]) != (unsigned char)w[k])
			return false;
	return true;
}

/* The first place of w in the n bytes of s, matching case; NULL if none. */
static const char *
ua_find(const char *s, size_t n, const char *w)
{
	size_t	i, wl = strlen(w);

	if (wl == 0 || wl > n)
		return NULL;
	for (i = 0; i <= n - wl; i++)
		if (s[i] == w[0] && memcmp(s + i, w, wl) == 0)
			return s + i;
	return NULL;
}

static bool
ua_has(const char *s, size_t n, const char *w)
{
	return ua_find(s, n, w) != NULL;
}

/*
 * Whether the lower-case word w is in the n bytes of s, in any case, at
 * a place not just after the lower-case not_after (which may be NULL).
 */
static bool
ua_has_ci(const char *s, size_t n, const char *w, const char *not_after)
{
	size_t	i, wl = strlen(w), al;

	if (wl == 0 || wl > n)
		return false;
	al = not_after != NULL ? strlen(not_after) : 0;
	for (i = 0; i <= n - wl; i++) {
		if (!ua_at_ci(s, n, i, w, wl))
			continue;
		if (al > 0 && i >= al && ua_at_ci(s, n, i - al, not_after, al))
			continue;
		return true;
	}
	return false;
}

/* Whether the lower-case w starts a token of s: at 0 or after a non-alnum. */
static bool
ua_has_token_ci(const char *s, size_t n, const char *w)
{
	size_t	i, wl = strlen(w);

	if (wl == 0 || wl > n)
		return false;
	for (i = 0; i <= n - wl; i++)
		if ((i == 0 || !ua_is_alnum((unsigned char)s[i - 1])) &&
		    ua_at_ci(s, n, i, w, wl))
			return true;
	return false;
}

static bool
ua_is_bot_n(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(bot_words); i++)
		if (ua_has_ci(s, n, bot_words[i].word, bot_words[i].not_after))
			return true;
	return false;
}

bool
ua_is_bot(const char *s, size_t len)
{
	return ua_is_bot_n(s, ua_window(s, len));
}

/* The tool family, or NULL when the agent is none of them. */
static const char *
ua_tool(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(tools); i++)
		if (ua_has_token_ci(s, n, tools[i].token))
			return tools[i].name;
	return NULL;
}

static const char *
ua_browser(const char *s, size_t n)
{
	if (ua_has(s, n, "Edg/") || ua_has(s, n, "EdgA/") ||
	    ua_has(s, n, "EdgiOS/") || ua_has(s, n, "Edge/"))
		return B_EDGE;
	/* Presto Opera ("Opera/9.80"), and old ones that claimed MSIE. */
	if (ua_has(s, n, "OPR/") || ua_has(s, n, "OPiOS/") ||
	    ua_has(s, n, "Opera"))
		return B_OPERA;
	if (ua_has(s, n, "SamsungBrowser/"))
		return B_SAMSUNG;
	if (ua_has(s, n, "MSIE ") || ua_has(s, n, "Trident/"))
		return B_IE;
	if (ua_has(s, n, "Firefox/") || ua_has(s, n, "FxiOS/"))
		return B_FIREFOX;
	/* "HeadlessChrome/" too: a visit, not a bot. */
	if (ua_has(s, n, "Chrome/") || ua_has(s, n, "CriOS/") ||
	    ua_has(s, n, "Chromium/"))
		return B_CHROME;
	/*
	 * Safari says "Version/"; the old Android browser said it too, with
	 * "Safari/", but is not Safari.
	 */
	if (ua_has(s, n, "Version/") && ua_has(s, n, "Safari/") &&
	    !ua_has(s, n, "Android"))
		return B_SAFARI;
	return NULL;
}

static const char *
ua_os(const char *s, size_t n)
{
	/* Windows Phone claims Android, iPhone and Mac OS X as well. */
	if (ua_has(s, n, "Windows Phone"))
		return OS_WINDOWS;
	/* iOS says "like Mac OS X". */
	if (ua_has(s, n, "iPhone") || ua_has(s, n, "iPad") ||
	    ua_has(s, n, "iPod"))
		return OS_IOS;
	/* Android and ChromeOS say "Linux" or "X11". */
	if (ua_has(s, n, "Android"))
		return OS_ANDROID;
	if (ua_has(s, n, "CrOS"))
		return OS_CHROMEOS;
	if (ua_has(s, n, "Windows"))
		return OS_WINDOWS;
	if (ua_has(s, n, "Macintosh") || ua_has(s, n, "Mac OS X"))
		return OS_MACOS;
	if (ua_has(s, n, "FreeBSD"))
		return OS_FREEBSD;
	if (ua_has(s, n, "OpenBSD"))
		return OS_OPENBSD;
	if (ua_has(s, n, "Linux"))
		return OS_LINUX;
	return OS_OTHER;
}

/* Whether "Tablet" is said, other than in Windows' "Tablet PC". */
static bool
ua_says_tablet(const char *s, size_t n)
{
	const char	*p;
	size_t		 rest;

	while ((p = ua_find(s, n, "Tablet")) != NULL) {
		rest = n - (size_t)(p - s) - 6;
		if (rest < 3 || memcmp(p + 6, " PC", 3) != 0)
			return true;
		n = rest;
		s = p + 6;
	}
	return false;
}

static const char *
ua_device(const char *s, size_t n, const char *os)
{
	if (ua_has(s, n, "iPad"))
		return D_TABLET;
	if (ua_has(s, n, "iPhone") || ua_has(s, n, "iPod") ||
	    ua_has(s, n, "Windows Phone"))
		return D_MOBILE;
	if (ua_says_tablet(s, n))
		return D_TABLET;
	if (ua_has(s, n, "Mobi"))
		return D_MOBILE;
	/* Chrome on an Android tablet leaves out "Mobile". */
	if (os == OS_ANDROID)
		return D_TABLET;
	if (os == OS_WINDOWS || os == OS_MACOS || os == OS_LINUX ||
	    os == OS_CHROMEOS || os == OS_FREEBSD || os == OS_OPENBSD)
		return D_DESKTOP;
	return D_OTHER;
}

void
ua_parse(const char *s, size_t len, struct ua_info *out)
{
	const char	*tool;
	size_t		 n = ua_window(s, len);

	out->os = ua_os(s, n);
	if (ua_is_bot_n(s, n)) {
		out->browser = B_BOT;
		out->device = D_BOT;
		return;
	}
	if ((out->browser = ua_browser(s, n)) != NULL) {
		out->device = ua_device(s, n, out->os);
		return;
	}
	/* A tool runs on some machine, but nobody is looking at a screen. */
	if ((tool = ua_tool(s, n)) != NULL) {
		out->browser = tool;
		out->device = D_OTHER;
		return;
	}
	out->browser = B_OTHER;
	out->device = ua_device(s, n, out->os);
}
