/*
 * conf.c - every setting a KURZ_* variable with a safe default.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kz.h"
#include "valid.h"

static char	conf_base_url[KZ_DOMAIN_MAX + 64];
static char	conf_base_host[KZ_DOMAIN_MAX + 1];

static const char *
conf_getenv(const char *name)
{
	return getenv(name);
}

/* Parse a whole decimal number in [min, max]; -1 when it is not one. */
static int
conf_number(const char *s, uintmax_t min, uintmax_t max, uintmax_t *out)
{
	char		*end;
	uintmax_t	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

struct conf_num {
	const char	*name;
	uintmax_t	 def, min, max;
};

static const struct conf_num conf_nums[] = {
	{ "KURZ_CLICK_BATCH",		16384,	1,		100000 },
	{ "KURZ_CLICK_FLUSH_MS",	1000,	10,		60000 },
	{ "KURZ_CODE_LENGTH",		7,	KZ_CODE_GEN_MIN, KZ_CODE_GEN_MAX },
	{ "KURZ_URL_MAX",		2048,	KZ_URL_MIN,	KZ_URL_MAX },
	{ "KURZ_BODY_MAX",		65536,	1024,		16777216 },
	{ "KURZ_BUSY_TIMEOUT_MS",	5000,	1,		600000 },
};

/*
 * KURZ_BASE_URL is an origin: http or https, a host, an optional port,
 * nothing after it but an optional '/'.
 */
static int
conf_base(const char *s, char *err, size_t errsz)
{
	const char	*host;
	size_t		 len, hlen, i;

	len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		len--;
	if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		goto bad;
	if (len >= sizeof(conf_base_url) || (size_t)(host - s) >= len)
		goto bad;
	if (host[0] == '[') {
		/* An IPv6 literal, kept with its brackets, as valid_url keeps it. */
		const char	*close = memchr(host, ']', len - (size_t)(host - s));
		unsigned char	 addr[16];
		char		 inner[64];

		if (close == NULL || (size_t)(close - host) - 1 >= sizeof(inner))
			goto bad;
		memcpy(inner, host + 1, (size_t)(close - host) - 1);
		inner[close - host - 1] = '\0';
		if (inet_pton(AF_INET6, inner, addr) != 1)
			goto bad;
		hlen = (size_t)(close - host) + 1;
		for (i = 0; i < hlen; i++)
			conf_base_host[i] = (char)tolower((unsigned char)host[i]);
		conf_base_host[hlen] = '\0';
	} else {
		hlen = strcspn(host, ":/");
		if (hlen == 0 || hlen > KZ_DOMAIN_MAX ||
		    host + hlen > s + len)
			goto bad;
		for (i = 0; i < hlen; i++)
			conf_base_host[i] = (char)tolower((unsigned char)host[i]);
		conf_base_host[hlen] = '\0';
		if (!valid_domain(conf_base_host, hlen))
			goto bad;
	}
	i = (size_t)(host - s) + hlen;
	if (i < len) {
		unsigned long	port = 0;
		size_t		digits = 0;

		if (s[i++] != ':')
			goto bad;
		for (; i < len; i++, digits++) {
			if (s[i] < '0' || s[i] > '9' || digits == 5)
				goto bad;
			port = port * 10 + (unsigned long)(s[i] - '0');
		}
		if (digits == 0 || port == 0 || port > 65535)
			goto bad;
	}
	memcpy(conf_base_url, s, len);
	conf_base_url[len] = '\0';
	return 0;
bad:
	snprintf(err, errsz, "KURZ_BASE_URL: \"%s\" is not an origin such "
	    "as https://s.example.com", s);
	return -1;
}

int
conf_load(struct conf *c, const char *(*lookup)(const char *), char *err,
    size_t errsz)
{
	uintmax_t	 v[KZ_ARRAY_SIZE(conf_nums)];
	const char	*s;
	size_t		 i;
	int		 lvl;

	if (lookup == NULL)
		lookup = conf_getenv;
	memset(c, 0, sizeof(*c));

	for (i = 0; i < KZ_ARRAY_SIZE(conf_nums); i++) {
		v[i] = conf_nums[i].def;
		if ((s = lookup(conf_nums[i].name)) == NULL || *s == '\0')
			continue;
		if (conf_number(s, conf_nums[i].min, conf_nums[i].max,
		    &v[i]) == -1) {
			snprintf(err, errsz, "%s: \"%s\" is not a whole number "
			    "from %ju to %ju", conf_nums[i].name, s,
			    conf_nums[i].min, conf_nums[i].max);
			return -1;
		}
	}
	c->click_batch = (size_t)v[0];
	c->click_flush_ms = (unsigned)v[1];
	c->code_length = (size_t)v[2];
	c->url_max = (size_t)v[3];
	c->body_max = (size_t)v[4];
	c->busy_ms = (unsigned)v[5];

	c->db = KZ_DEFAULT_DB;
	if ((s = lookup("KURZ_DB")) != NULL && *s != '\0')
		c->db = s;

	if ((s = lookup("KURZ_BASE_URL")) != NULL && *s != '\0') {
		if (conf_base(s, err, errsz) == -1)
			return -1;
		c->base_url = conf_base_url;
		c->base_host = conf_base_host;
	}

	c->log_level = LOG_LVL_INFO;
	if ((s = lookup("KURZ_LOG_LEVEL")) != NULL && *s != '\0') {
		if ((lvl = log_level_parse(s)) == -1) {
			snprintf(err, errsz, "KURZ_LOG_LEVEL: \"%s\" is not one "
			    "of error, warn, info, debug", s);
			return -1;
		}
		c->log_level = (enum log_level)lvl;
	}
	return 0;
}
