/*
 * valid.c - validators. Input is untrusted and may hold any byte,
 * NUL included; lengths are checked before anything is read.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kz.h"
#include "valid.h"

static const char *const url_msgs[] = {
	[URL_OK] = "ok",
	[URL_EMPTY] = "the URL is empty",
	[URL_TOO_LONG] = "the URL is longer than the limit",
	[URL_CONTROL] = "the URL contains a control character",
	[URL_SPACE] = "the URL contains a space",
	[URL_SCHEME] = "only http and https URLs are accepted",
	[URL_SCHEME_RELATIVE] = "a scheme-relative URL (//host) is not "
	    "accepted; give http:// or https://",
	[URL_NO_HOST] = "the URL has no host",
	[URL_BAD_HOST] = "the URL's host is not a valid host name or "
	    "address (international names go in their xn-- form)",
	[URL_BAD_PORT] = "the URL's port is not a number from 1 to 65535",
	[URL_CREDENTIALS] = "the URL must not contain a user name or password",
	[URL_BAD_PERCENT] = "the URL has a '%' that is not followed by two "
	    "hex digits",
	[URL_LOOP] = "the URL points at this link service itself",
};

const char *
valid_url_msg(enum valid_url v)
{
	return url_msgs[v];
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes that are legal in a URL but must be escaped in a Location. */
static bool
url_needs_escape(unsigned char c)
{
	return c >= 0x80 || c == '"' || c == '<' || c == '>' || c == '\\' ||
	    c == '^' || c == '`' || c == '|';
}

bool
valid_domain(const char *s, size_t len)
{
	size_t	i, label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;		/* the root's dot */
	if (len == 0 || len > KZ_DOMAIN_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

/* Parse a port of one to five digits into 1..65535. */
static bool
url_port(const char *s, size_t len, unsigned *out)
{
	unsigned	v = 0;
	size_t		i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = v;
	return true;
}

/*
 * Where the text looks like "scheme:", decide whether it is a scheme or
 * the "host:port" of a URL typed without one ("localhost:8080/x").
 */
static bool
url_is_host_port(const char *s, size_t len, size_t colon)
{
	size_t	i = colon + 1, n = 0;

	while (i < len && is_digit(s[i]))
		i++, n++;
	return n > 0 && (i == len || s[i] == '/' || s[i] == '?' ||
	    s[i] == '#');
}

enum valid_url
valid_url(const char *s, size_t len, size_t max,
    const char *const *self_hosts, char *out, size_t *outlen)
{
	static const char hexd[] = "0123456789ABCDEF";
	const char	*rest, *auth, *host, *p;
	size_t		 i, n, restlen, authlen, hostlen, o = 0;
	unsigned	 port = 0;
	bool		 https = true, has_port = false;
	char		 hostbuf[KZ_DOMAIN_MAX + 3];

	*outlen = 0;
	out[0] = '\0';
	if (len == 0)
		return URL_EMPTY;
	if (len > max)
		return URL_TOO_LONG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return URL_CONTROL;
		if (c == ' ')
			return URL_SPACE;
	}
	if (len >= 2 && s[0] == '/' && s[1] == '/')
		return URL_SCHEME_RELATIVE;

	/* The scheme, if there is one. */
	rest = s;
	restlen = len;
	if (is_alpha(s[0])) {
		for (i = 1; i < len && (is_alpha(s[i]) || is_digit(s[i]) ||
		    s[i] == '+' || s[i] == '-' || s[i] == '.'); i++)
			;
		if (i < len && s[i] == ':' && !url_is_host_port(s, len, i)) {
			if (i == 4 && strncasecmp(s, "http", 4) == 0)
				https = false;
			else if (!(i == 5 && strncasecmp(s, "https", 5) == 0))
				return URL_SCHEME;
			if (len - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
				return URL_NO_HOST;
			rest = s + i + 3;
			restlen = len - i - 3;
		}
	}

	/* The authority: host and port, never credentials. */
	auth = rest;
	for (authlen = 0; authlen < restlen; authlen++)
		if (auth[authlen] == '/' || auth[authlen] == '?' ||
		    auth[authlen] == '#')
			break;
	if (memchr(auth, '@', authlen) != NULL)
		return URL_CREDENTIALS;
	if (authlen == 0)
		return URL_NO_HOST;
	host = auth;
	if (host[0] == '[') {
		unsigned char	addr[16];

		if ((p = memchr(host, ']', authlen)) == NULL)
			return URL_BAD_HOST;
		hostlen = (size_t)(p - host) + 1;
		if (hostlen - 2 >= sizeof(hostbuf) - 1)
			return URL_BAD_HOST;
		memcpy(hostbuf, host + 1, hostlen - 2);
		hostbuf[hostlen - 2] = '\0';
		if (inet_pton(AF_INET6, hostbuf, addr) != 1)
			return URL_BAD_HOST;
	} else {
		p = memchr(host, ':', authlen);
		hostlen = p != NULL ? (size_t)(p - host) : authlen;
		if (hostlen == 0)
			return URL_NO_HOST;
		for (i = 0; i < hostlen; i++)
			if ((unsigned char)host[i] >= 0x80)
				return URL_BAD_HOST;
		if (!valid_domain(host, hostlen))
			return URL_BAD_HOST;
	}
	if (hostlen < authlen) {
		if (host[hostlen] != ':' ||
		    !url_port(host + hostlen + 1, authlen - hostlen - 1, &port))
			return URL_BAD_PORT;
		has_port = !(https ? port == 443 : port == 80);
	}
	/* Trailing dot of a fully qualified name goes: one host, one name. */
	n = hostlen;
	if (host[0] != '[' && host[n - 1] == '.')
		n--;
	if (n >= sizeof(hostbuf))
		return URL_BAD_HOST;
	for (i = 0; i < n; i++)
		hostbuf[i] = (char)lower((unsigned char)host[i]);
	hostbuf[n] = '\0';
	for (i = 0; self_hosts != NULL && self_hosts[i] != NULL; i++)
		if (strcmp(hostbuf, self_hosts[i]) == 0)
			return URL_LOOP;

	o = (size_t)(https ? 8 : 7);
	memcpy(out, https ? "https://" : "http://", o);
	memcpy(out + o, hostbuf, n);
	o += n;
	if (has_port)
		o += (size_t)sprintf(out + o, ":%u", port);

	/* Path, query and fragment, escaped where a header needs it. */
	p = auth + authlen;
	n = restlen - authlen;
	if (n == 0 || p[0] != '/')
		out[o++] = '/';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%') {
			if (i + 2 >= n || !is_hex(p[i + 1]) ||
			    !is_hex(p[i + 2]))
				return URL_BAD_PERCENT;
		}
		if (url_needs_escape(c)) {
			out[o++] = '%';
			out[o++] = hexd[c >> 4];
			out[o++] = hexd[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	if (o > max)
		return URL_TOO_LONG;
	*outlen = o;
	return URL_OK;
}

static const char *const code_msgs[] = {
	[CODE_OK] = "ok",
	[CODE_EMPTY] = "the code is empty",
	[CODE_TOO_LONG] = "the code is longer than 64 characters",
	[CODE_CHARS] = ("a code may contain only letters A-Z and a-z, digits, "
	    "'_' and '-'"),
	[CODE_RESERVED] = "the code is a reserved word",
};

const char *
valid_code_msg(enum valid_code v)
{
	return code_msgs[v];
}

/*
 * Words that name the service's own pages, now or later. Sorted; matched
 * without regard to case, as codes are.
 */
static const char *const reserved[] = {
	"_", "admin", "api", "assets", "batch", "favicon", "health", "healthz",
	"login", "logout", "metrics", "robots", "static", "well-known",
};

bool
valid_reserved(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(reserved); i++)
		if (strlen(reserved[i]) == len &&
		    strncasecmp(reserved[i], s, len) == 0)
			return true;
	return false;
}

enum valid_code
valid_code(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return CODE_EMPTY;
	if (len > KZ_CODE_MAX)
		return CODE_TOO_LONG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '-')
			return CODE_CHARS;
	}
	if (valid_reserved(s, len))
		return CODE_RESERVED;
	return CODE_OK;
}

bool
valid_utf8(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n, k;
	unsigned long		 cp;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static bool
has_control(const char *s, size_t len, bool tab_ok)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f)
			return true;
	}
	return false;
}

bool
valid_tag(const char *s, size_t len)
{
	return len > 0 && len <= KZ_TAG_MAX && !has_control(s, len, false) &&
	    valid_utf8(s, len);
}

bool
valid_title(const char *s, size_t len)
{
	return len <= KZ_TITLE_MAX && !has_control(s, len, true) &&
	    valid_utf8(s, len);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
digits(const char *s, size_t n, unsigned *out)
{
	unsigned	v = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool
valid_time(const char *s, size_t len, int64_t *out)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned	Y, M, D, h, m, sec, oh, om;
	size_t		i = 19;
	int64_t		t;
	bool		leap;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (!digits(s, 4, &Y) || !digits(s + 5, 2, &M) ||
	    !digits(s + 8, 2, &D) || !digits(s + 11, 2, &h) ||
	    !digits(s + 14, 2, &m) || !digits(s + 17, 2, &sec))
		return false;
	leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] ||
	    (M == 2 && D == 29 && !leap) || h > 23 || m > 59 || sec > 60)
		return false;
	if (sec == 60)
		sec = 59;	/* a leap second rounds down */
	if (s[i] == '.') {
		size_t	f = ++i;

		while (i < len && is_digit(s[i]))
			i++;
		if (i == f || i - f > 9)
			return false;
	}
	t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
	if (i < len && (s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		*out = t;
		return true;
	}
	if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' ||
	    !digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) ||
	    oh > 23 || om > 59)
		return false;
	t += (s[i] == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	/* The offset may carry the instant out of the years we keep. */
	if (t < 0 || t >= days_from_civil(10000, 1, 1) * 86400)
		return false;
	*out = t;
	return true;
}

void
valid_time_format(int64_t t, char *buf)
{
	int64_t		z, era, days = t / 86400, rem = t % 86400;
	unsigned	doe, yoe, doy, mp, d, m;
	int64_t		y;
	char		tmp[64];

	if (rem < 0)
		rem += 86400, days--;
	/* civil_from_days, the inverse of days_from_civil. */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	/* Years past 9999 cannot be stored: valid_time() refuses them. */
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02u:%02u:%02uZ",
	    (int)y, m, d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
	    (unsigned)(rem % 60));
	memcpy(buf, tmp, VALID_TIME_LEN + 1);
}
