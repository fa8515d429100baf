/*
 * ua.h - classify a visitor's User-Agent for click analytics: browser
 * family, operating system, kind of device, and whether it is a bot. Pure:
 * no allocation, no state, nothing looked at but the arguments.
 */
#ifndef KZ_UA_H
#define KZ_UA_H

#include <stdbool.h>
#include <stddef.h>

struct ua_info {
	const char	*browser;	/* static strings, never NULL */
	const char	*os;
	/* "desktop", "mobile", "tablet", "bot" or "other" */
	const char	*device;
};

/*
 * Classify the user agent s of length len (any bytes, NUL allowed, may be
 * huge: look at most at the first UA_SCAN_MAX bytes). Never allocates.
 *
 * browser is one of "Edge", "Opera", "Samsung Internet", "Firefox",
 * "Chrome", "Safari", "Internet Explorer", "curl", "Wget", "Python",
 * "Go", "Java", "HTTPie", "bot" or "Other"; os one of "Windows", "macOS",
 * "iOS", "Android", "ChromeOS", "Linux", "FreeBSD", "OpenBSD" or "Other".
 * A bot gets browser and device "bot"; its os is what it claims. The
 * strings are static and the same pointers every time.
 */
#define UA_SCAN_MAX	1024
void	ua_parse(const char *s, size_t len, struct ua_info *out);

/* Whether the agent is a crawler, a link-preview fetcher or a monitor. */
bool	ua_is_bot(const char *s, size_t len);

#endif
