/*
 * t_ua.c - User-Agent classification against real agents, hostile bytes
 * and the edges of the scan window. Every input is copied into a buffer
 * of exactly its length, not NUL-terminated, so that AddressSanitizer
 * catches a read past the end.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kz.h"
#include "ua.h"

#include "tap.h"

/* A literal and its length, NULs inside included. */
#define S(x)		x, sizeof(x) - 1

/* Common tails, to keep the table readable. */
#define WIN		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
#define MAC		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
#define X11		"Mozilla/5.0 (X11; Linux x86_64) "
#define ANDROID		"Mozilla/5.0 (Linux; Android 10; K) "
#define KHTML		"AppleWebKit/537.36 (KHTML, like Gecko) "
#define WEBKIT		"AppleWebKit/605.1.15 (KHTML, like Gecko) "
#define CHROME		"Chrome/131.0.0.0 Safari/537.36"
#define CHROME_M	"Chrome/131.0.0.0 Mobile Safari/537.36"

static const struct {
	const char	*in;
	size_t		 len;
	const char	*browser;
	const char	*os;
	const char	*device;
} tests[] = {
	/* Chrome. */
	{ S(WIN KHTML CHROME), "Chrome", "Windows", "desktop" },
	{ S(MAC KHTML CHROME), "Chrome", "macOS", "desktop" },
	{ S(X11 KHTML CHROME), "Chrome", "Linux", "desktop" },
	{ S(ANDROID KHTML CHROME_M), "Chrome", "Android", "mobile" },
	{ S(ANDROID KHTML CHROME), "Chrome", "Android", "tablet" },
	{ S("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) " KHTML CHROME),
	    "Chrome", "ChromeOS", "desktop" },
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) " WEBKIT
	    "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"),
	    "Chrome", "iOS", "mobile" },
	{ S("Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) " WEBKIT
	    "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"),
	    "Chrome", "iOS", "tablet" },
	{ S("Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; "
	    "wv) " KHTML "Version/4.0 Chrome/131.0.6778.39 Mobile "
	    "Safari/537.36"), "Chrome", "Android", "mobile" },
	/* Our own browser tests: a visit, not a bot. */
	{ S(X11 KHTML "HeadlessChrome/131.0.0.0 Safari/537.36"),
	    "Chrome", "Linux", "desktop" },

	/* Firefox. */
	{ S("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) "
	    "Gecko/20100101 Firefox/133.0"), "Firefox", "Windows", "desktop" },
	{ S("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) "
	    "Gecko/20100101 Firefox/133.0"), "Firefox", "macOS", "desktop" },
	{ S("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) "
	    "Gecko/20100101 Firefox/133.0"), "Firefox", "Linux", "desktop" },
	{ S("Mozilla/5.0 (Android 15; Mobile; rv:133.0) Gecko/133.0 "
	    "Firefox/133.0"), "Firefox", "Android", "mobile" },
	{ S("Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 "
	    "Firefox/133.0"), "Firefox", "Android", "tablet" },
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) " WEBKIT
	    "FxiOS/133.0 Mobile/15E148 Safari/605.1.15"),
	    "Firefox", "iOS", "mobile" },
	{ S("Mozilla/5.0 (X11; FreeBSD amd64; rv:128.0) Gecko/20100101 "
	    "Firefox/128.0"), "Firefox", "FreeBSD", "desktop" },
	{ S("Mozilla/5.0 (X11; OpenBSD amd64; rv:128.0) Gecko/20100101 "
	    "Firefox/128.0"), "Firefox", "OpenBSD", "desktop" },

	/* Safari. */
	{ S(MAC WEBKIT "Version/18.1 Safari/605.1.15"),
	    "Safari", "macOS", "desktop" },
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) " WEBKIT
	    "Version/18.1 Mobile/15E148 Safari/604.1"),
	    "Safari", "iOS", "mobile" },
	{ S("Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) " WEBKIT
	    "Version/18.1 Mobile/15E148 Safari/604.1"),
	    "Safari", "iOS", "tablet" },
	{ S("Mozilla/5.0 (iPod touch; CPU iPhone OS 15_8 like Mac OS X) "
	    WEBKIT "Version/15.6.6 Mobile/15E148 Safari/604.1"),
	    "Safari", "iOS", "mobile" },
	/* iOS web view in an app: no Safari, still an iPhone. */
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) " WEBKIT
	    "Mobile/15E148 [FBAN/FBIOS;FBAV/490.0.0.48.108;FBBV/664125186]"),
	    "Other", "iOS", "mobile" },
	/* The Google app's web view says Safari/ but not Version/. */
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) " WEBKIT
	    "GSA/343.0.695551749 Mobile/15E148 Safari/604.1"),
	    "Other", "iOS", "mobile" },
	/* Pinterest's in-app browser is a person, not its fetcher. */
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) " WEBKIT
	    "Mobile/15E148 [Pinterest/iOS]"), "Other", "iOS", "mobile" },
	{ S("Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; "
	    "wv) " KHTML "Version/4.0 Chrome/119.0.6045.163 Mobile "
	    "Safari/537.36 [Pinterest/Android]"), "Chrome", "Android",
	    "mobile" },
	/* The old Android browser says "Version/… Safari/" and is not. */
	{ S("Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L "
	    "Build/IML74K) AppleWebkit/534.30 (KHTML, like Gecko) Version/4.0 "
	    "Mobile Safari/534.30"), "Other", "Android", "mobile" },

	/* Edge: says Chrome and Safari, or Version and Safari on iOS. */
	{ S(WIN KHTML CHROME " Edg/131.0.0.0"), "Edge", "Windows", "desktop" },
	{ S(MAC KHTML CHROME " Edg/131.0.0.0"), "Edge", "macOS", "desktop" },
	{ S(ANDROID KHTML CHROME_M " EdgA/131.0.0.0"),
	    "Edge", "Android", "mobile" },
	{ S("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) " WEBKIT
	    "Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15"),
	    "Edge", "iOS", "mobile" },
	{ S(WIN KHTML "Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582"),
	    "Edge", "Windows", "desktop" },
	/* Windows Phone claims Android and iPhone too. */
	{ S("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; "
	    "Lumia 950) " KHTML "Chrome/52.0.2743.116 Mobile Safari/537.36 "
	    "Edge/15.15063"), "Edge", "Windows", "mobile" },

	/* Opera. */
	{ S(WIN KHTML "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0"),
	    "Opera", "Windows", "desktop" },
	{ S(MAC KHTML "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0"),
	    "Opera", "macOS", "desktop" },
	{ S(ANDROID KHTML "Chrome/130.0.0.0 Mobile Safari/537.36 "
	    "OPR/86.0.0.0"), "Opera", "Android", "mobile" },
	{ S("Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 "
	    "Version/12.18"), "Opera", "Windows", "desktop" },

	/* Samsung Internet. */
	{ S("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) " KHTML
	    "SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36"),
	    "Samsung Internet", "Android", "mobile" },
	{ S("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X710) " KHTML
	    "SamsungBrowser/27.0 Chrome/125.0.0.0 Safari/537.36"),
	    "Samsung Internet", "Android", "tablet" },
	/* "CUBOT" makes phones: not a bot. */
	{ S("Mozilla/5.0 (Linux; Android 10; CUBOT_X30) " KHTML CHROME_M),
	    "Chrome", "Android", "mobile" },

	/* Internet Explorer. */
	{ S("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) "
	    "like Gecko"), "Internet Explorer", "Windows", "desktop" },
	{ S("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; "
	    "Trident/6.0)"), "Internet Explorer", "Windows", "desktop" },
	/* "Tablet PC" is said by desktops with a touch driver. */
	{ S("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; "
	    "SLCC2; .NET CLR 2.0.50727; Media Center PC 6.0; Tablet PC 2.0)"),
	    "Internet Explorer", "Windows", "desktop" },
	{ S("Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; "
	    "Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920)"),
	    "Internet Explorer", "Windows", "mobile" },

	/* Crawlers, link previews, monitors. */
	{ S("Mozilla/5.0 (compatible; Googlebot/2.1; "
	    "+http://www.google.com/bot.html)"), "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) "
	    KHTML "Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; "
	    "Googlebot/2.1; +http://www.google.com/bot.html)"),
	    "bot", "Android", "bot" },
	{ S("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
	    "bingbot/2.0; +http://www.bing.com/bingbot.htm) "
	    "Chrome/116.0.1938.76 Safari/537.36"), "bot", "Other", "bot" },
	{ S("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"),
	    "bot", "Other", "bot" },
	{ S("Twitterbot/1.0"), "bot", "Other", "bot" },
	{ S("facebookexternalhit/1.1 "
	    "(+http://www.facebook.com/externalhit_uatext.php)"),
	    "bot", "Other", "bot" },
	{ S("facebookcatalog/1.0"), "bot", "Other", "bot" },
	{ S("WhatsApp/2.23.20.0 A"), "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (compatible; Discordbot/2.0; "
	    "+https://discordapp.com)"), "bot", "Other", "bot" },
	{ S("TelegramBot (like TwitterBot)"), "bot", "Other", "bot" },
	{ S("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient "
	    "+http://www.linkedin.com)"), "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) " WEBKIT
	    "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; "
	    "+http://www.apple.com/go/applebot)"), "bot", "macOS", "bot" },
	{ S("Mozilla/5.0 (compatible; Baiduspider/2.0; "
	    "+http://www.baidu.com/search/spider.html)"),
	    "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (compatible; Yahoo! Slurp; "
	    "http://help.yahoo.com/help/us/ysearch/slurp)"),
	    "bot", "Other", "bot" },
	{ S("http.rb/5.1.1 (Mastodon/4.2.1; +https://mastodon.social/)"),
	    "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview "
	    "Preview/0.5"), "bot", "Windows", "bot" },
	{ S("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
	    "like Gecko; Google Web Preview) Chrome/41.0.2272.118 "
	    "Safari/537.36"), "bot", "Linux", "bot" },
	{ S("Pinterest/0.2 (+http://www.pinterest.com/)"),
	    "bot", "Other", "bot" },
	{ S("crawler4j (https://github.com/yasserg/crawler4j/)"),
	    "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (compatible; GoogleOther)"), "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (compatible; Uptime/1.0; http://uptime.com)"),
	    "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (compatible; monitis - premium monitoring service; "
	    "http://www.monitis.com)"), "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/534.34 (KHTML, "
	    "like Gecko) PingdomTMS/0.8.5 Safari/534.34"),
	    "bot", "Linux", "bot" },
	{ S("Mozilla/5.0 (compatible; Embedly/0.2; "
	    "+http://support.embed.ly/)"), "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)"),
	    "bot", "Other", "bot" },
	{ S("Quora Link Preview/1.0 (http://www.quora.com)"),
	    "bot", "Other", "bot" },
	{ S("W3C_Validator/1.3 http://validator.w3.org/services"),
	    "bot", "Other", "bot" },
	{ S("Mozilla/5.0 (Linux; Android 11; moto g power (2022)) " KHTML
	    "Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"),
	    "bot", "Android", "bot" },
	{ S("Mozilla/5.0+(compatible; UptimeRobot/2.0; "
	    "http://www.uptimerobot.com/)"), "bot", "Other", "bot" },
	{ S("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)"),
	    "bot", "Other", "bot" },
	{ S(WIN KHTML "Chrome/51.0.2704.103 Safari/537.36 StatusCake"),
	    "bot", "Windows", "bot" },
	{ S("Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)"),
	    "bot", "Other", "bot" },
	{ S("GOOGLEBOT"), "bot", "Other", "bot" },

	/* Tools and libraries. */
	{ S("curl/8.5.0"), "curl", "Other", "other" },
	{ S("Wget/1.21.4"), "Wget", "Other", "other" },
	{ S("Wget/1.21.2 (linux-gnu)"), "Wget", "Other", "other" },
	{ S("python-requests/2.32.3"), "Python", "Other", "other" },
	{ S("Python-urllib/3.12"), "Python", "Other", "other" },
	{ S("Python/3.12 aiohttp/3.9.5"), "Python", "Other", "other" },
	{ S("Go-http-client/1.1"), "Go", "Other", "other" },
	{ S("Go-http-client/2.0"), "Go", "Other", "other" },
	{ S("Java/17.0.9"), "Java", "Other", "other" },
	{ S("Apache-HttpClient/4.5.14 (Java/17.0.9)"), "Java", "Other",
	    "other" },
	{ S("HTTPie/3.2.4"), "HTTPie", "Other", "other" },
	/* A tool that names its host is still nobody at a screen. */
	{ S("python-requests/2.32.3 (Windows NT 10.0; Win64)"), "Python",
	    "Windows", "other" },
	/* Not a token start. */
	{ S("PHP-libcurl/7.81.0"), "Other", "Other", "other" },

	/* Nothing, garbage, truncation. */
	{ S(""), "Other", "Other", "other" },
	{ S("-"), "Other", "Other", "other" },
	{ S("Mozilla/5.0"), "Other", "Other", "other" },
	{ S("\0\0\0\xff\xfe\x80\x01 \xff\0bo\0t Chrome\0/1 \xc3\x28"),
	    "Other", "Other", "other" },
	{ S("\xff\xff\xff\xff\xff\xff\xff\xff"), "Other", "Other", "other" },
	/* A NUL is an ordinary byte: scanning goes on past it. */
	{ S("Mozilla/5.0 (X11; Linux x86_64)\0 Firefox/133.0"),
	    "Firefox", "Linux", "desktop" },
	{ S("\0Googlebot/2.1"), "bot", "Other", "bot" },
	/* Cut mid-token, as a header limit would. */
	{ S(WIN KHTML CHROME " Ed"), "Chrome", "Windows", "desktop" },
	{ S(WIN KHTML "Chr"), "Other", "Windows", "desktop" },
	{ S(MAC WEBKIT "Version/18.1 Safa"), "Other", "macOS", "desktop" },
	{ S("Mozilla/5.0 (iPh"), "Other", "Other", "other" },
	{ S("Mozilla/5.0 (compatible; Googleb"), "Other", "Other", "other" },
	{ S("cur"), "Other", "Other", "other" },
};

static const char *const browsers[] = {
	"Edge", "Opera", "Samsung Internet", "Firefox", "Chrome", "Safari",
	"Internet Explorer", "curl", "Wget", "Python", "Go", "Java", "HTTPie",
	"bot", "Other",
};
static const char *const oses[] = {
	"Windows", "macOS", "iOS", "Android", "ChromeOS", "Linux", "FreeBSD",
	"OpenBSD", "Other",
};
static const char *const devices[] = {
	"desktop", "mobile", "tablet", "bot", "other",
};

static bool
in_set(const char *s, const char *const *set, size_t n)
{
	size_t	i;

	if (s == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

/* A copy of s in a buffer of exactly len bytes; never NULL-terminated. */
static char *
dup_exact(const char *s, size_t len)
{
	char	*p;

	if ((p = malloc(len > 0 ? len : 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, s, len);
	return p;
}

static void
check(const char *name, const char *s, size_t len, const char *browser,
    const char *os, const char *device)
{
	struct ua_info	 ui;
	char		*p, buf[64];

	p = dup_exact(s, len);
	memset(&ui, 0, sizeof(ui));
	ua_parse(p, len, &ui);
	snprintf(buf, sizeof(buf), "%.40s: browser", name);
	tap_str(ui.browser, browser, buf);
	snprintf(buf, sizeof(buf), "%.40s: os", name);
	tap_str(ui.os, os, buf);
	snprintf(buf, sizeof(buf), "%.40s: device", name);
	tap_str(ui.device, device, buf);
	tap_ok(ua_is_bot(p, len) == (strcmp(device, "bot") == 0),
	    "%.40s: ua_is_bot is %s", name,
	    strcmp(device, "bot") == 0 ? "true" : "false");
	free(p);
}

/* A printable name for a table row. */
static void
row_name(const char *s, size_t len, char *buf, size_t size)
{
	size_t	i, o = 0;

	for (i = 0; i < len && o + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	buf[o] = '\0';
	if (len == 0)
		snprintf(buf, size, "(empty)");
}

/* The edges of the scan window: what lies past UA_SCAN_MAX is unseen. */
static void
test_window(void)
{
	static const char	 ff[] = "Firefox/133.0";
	char			*buf;
	size_t			 len, at;

	len = 4096;
	buf = malloc(len);
	if (buf == NULL)
		exit(2);
	memset(buf, 'A', len);
	check("4 KiB of A", buf, len, "Other", "Other", "other");

	/* A token that ends on the last byte looked at counts. */
	at = UA_SCAN_MAX - (sizeof(ff) - 1);
	memcpy(buf + at, ff, sizeof(ff) - 1);
	check("Firefox/ ending at UA_SCAN_MAX", buf, len, "Firefox", "Other",
	    "other");
	/* One byte later, "Firefox/" straddles the edge and is not seen. */
	memset(buf, 'A', len);
	at = UA_SCAN_MAX - 7;
	memcpy(buf + at, ff, sizeof(ff) - 1);
	check("Firefox/ across UA_SCAN_MAX", buf, len, "Other", "Other",
	    "other");

	memset(buf, 'A', len);
	memcpy(buf + UA_SCAN_MAX - 3, "bot", 3);
	tap_ok(ua_is_bot(buf, len), "bot in the last bytes looked at");
	memset(buf, 'A', len);
	memcpy(buf + UA_SCAN_MAX - 2, "bot", 3);
	tap_ok(!ua_is_bot(buf, len), "bot across UA_SCAN_MAX is unseen");
	memset(buf, 'A', len);
	memcpy(buf + 3000, "Googlebot", 9);
	tap_ok(!ua_is_bot(buf, len), "bot at 3000 is unseen");
	free(buf);
}

/* The length bounds the search, even where the bytes go on. */
static void
test_bounds(void)
{
	static const char	 gb[] =
	    "Mozilla/5.0 (compatible; Googlebot/2.1)";
	static const char	 sf[] =
	    MAC WEBKIT "Version/18.1 Safari/605.1.15";
	struct ua_info		 ui;
	size_t			 cut;
	char			*p;

	cut = (size_t)(strstr(gb, "bot") - gb) + 2;	/* "...Googlebo" */
	p = dup_exact(gb, cut);
	tap_ok(!ua_is_bot(p, cut), "ua_is_bot stops at len");
	tap_ok(ua_is_bot(gb, cut + 1), "ua_is_bot sees the last byte");
	free(p);

	cut = sizeof(sf) - 1 - strlen("605.1.15") - 1;	/* "...Safari" */
	p = dup_exact(sf, cut);
	ua_parse(p, cut, &ui);
	tap_str(ui.browser, "Other", "ua_parse stops at len");
	free(p);
	ua_parse(sf, cut + 1, &ui);
	tap_str(ui.browser, "Safari", "ua_parse sees the last byte");

	ua_parse(sf, 0, &ui);
	tap_ok(strcmp(ui.browser, "Other") == 0 &&
	    strcmp(ui.os, "Other") == 0 && strcmp(ui.device, "other") == 0,
	    "len 0 of a real agent is nothing");
	ua_parse(NULL, 0, &ui);
	tap_ok(strcmp(ui.browser, "Other") == 0 &&
	    strcmp(ui.os, "Other") == 0 && strcmp(ui.device, "other") == 0,
	    "NULL with len 0 is nothing");
	tap_ok(!ua_is_bot(NULL, 0), "ua_is_bot(NULL, 0) is false");
}

static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bool
same_info(const struct ua_info *a, const struct ua_info *b)
{
	return strcmp(a->browser, b->browser) == 0 &&
	    strcmp(a->os, b->os) == 0 && strcmp(a->device, b->device) == 0;
}

/*
 * Random agents up to UA_SCAN_MAX + 512 bytes, of random bytes and the
 * tokens that matter, sparse or dense: the answer is always from the
 * lists, the three views of "bot" agree, and nothing past UA_SCAN_MAX
 * changes it.
 */
#define RND_MAX		(UA_SCAN_MAX + 512)
static void
test_random(void)
{
	static const char *const toks[] = {
		"Mozilla/5.0 ", "(", ")", "; ", "Windows", "Windows Phone",
		"Macintosh", "iPhone", "iPad", "iPod", "Android", "CrOS",
		"Linux", "FreeBSD", "OpenBSD", "Mobile", "Tablet", "Tablet PC",
		"Chrome/", "CriOS/", "Safari/", "Version/", "Edg/", "EdgA/",
		"OPR/", "Opera", "SamsungBrowser/", "Firefox/", "FxiOS/",
		"MSIE ", "Trident/", "curl/", "Wget/", "python-", "Java/",
		"HTTPie/", "Go-http-client/", "bot", "BOT", "cubot", "crawl",
		"Preview", "HeadlessChrome/", "\0", "\xff",
	};
	struct ua_info	 ui, win;
	const char	*tok;
	uint32_t	 x = 2463534242u, rate;
	size_t		 len, want, tl, iter, bad = 0, long_ones = 0;
	char		*buf;
	bool		 bot;

	if ((buf = malloc(RND_MAX)) == NULL)
		exit(2);
	for (iter = 0; iter < 5000; iter++) {
		want = rnd(&x) % (RND_MAX + 1);
		rate = 1 + rnd(&x) % 200;	/* one token in rate steps */
		len = 0;
		while (len < want) {
			if (rnd(&x) % rate != 0) {
				buf[len++] = (char)(rnd(&x) >> 16);
				continue;
			}
			tok = toks[rnd(&x) % KZ_ARRAY_SIZE(toks)];
			if ((tl = strlen(tok)) == 0)
				tl = 1;		/* the NUL token */
			if (tl > want - len)
				break;
			memcpy(buf + len, tok, tl);
			len += tl;
		}
		if (len > UA_SCAN_MAX)
			long_ones++;
		ui.browser = ui.os = ui.device = NULL;
		ua_parse(buf, len, &ui);
		bot = ua_is_bot(buf, len);
		if (!in_set(ui.browser, browsers, KZ_ARRAY_SIZE(browsers)) ||
		    !in_set(ui.os, oses, KZ_ARRAY_SIZE(oses)) ||
		    !in_set(ui.device, devices, KZ_ARRAY_SIZE(devices)) ||
		    bot != (strcmp(ui.browser, "bot") == 0) ||
		    bot != (strcmp(ui.device, "bot") == 0)) {
			bad++;
			continue;
		}
		if (len > UA_SCAN_MAX) {
			ua_parse(buf, UA_SCAN_MAX, &win);
			if (!same_info(&ui, &win) ||
			    bot != ua_is_bot(buf, UA_SCAN_MAX))
				bad++;
		}
	}
	free(buf);
	tap_ok(bad == 0, "5000 random agents: answers from the lists, bot "
	    "agrees, only the window counts (%zu bad)", bad);
	tap_ok(long_ones > 1000, "random agents past the window: %zu",
	    long_ones);
}

int
main(void)
{
	char	name[48];
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(tests); i++) {
		row_name(tests[i].in, tests[i].len, name, sizeof(name));
		check(name, tests[i].in, tests[i].len, tests[i].browser,
		    tests[i].os, tests[i].device);
	}
	test_window();
	test_bounds();
	test_random();
	return tap_done();
}
