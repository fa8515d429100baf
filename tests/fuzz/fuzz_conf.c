/*
 * fuzz_conf.c - conf_load() with a lookup made from the input: lines of
 * NAME=VALUE, the first line with a name wins. A configuration it
 * accepts keeps every number in its range, and KURZ_BASE_URL is an
 * origin: http or https, a host (a DNS name or a bracketed IPv6
 * address), an optional port, and base_host is that host in lower case.
 * A refusal names the variable, in an error buffer of any size.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "kz.h"
#include "valid.h"

#include "fuzz.h"

#define CONF_VARS_MAX	32

static size_t	 nvars;
static char	*var_name[CONF_VARS_MAX];
static char	*var_value[CONF_VARS_MAX];

static const char *
lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < nvars; i++)
		if (strcmp(var_name[i], name) == 0)
			return var_value[i];
	return NULL;
}

static void
vars_parse(char *text)
{
	char	*line, *eq, *next;

	nvars = 0;
	for (line = text; line != NULL && nvars < CONF_VARS_MAX; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		var_name[nvars] = line;
		var_value[nvars] = eq + 1;
		nvars++;
	}
}

static bool
host_ok(const char *h)
{
	unsigned char	addr[16];
	char		buf[KZ_DOMAIN_MAX + 1];
	size_t		n = strlen(h);

	if (h[0] != '[')
		return valid_domain(h, n);
	if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(buf))
		return false;
	memcpy(buf, h + 1, n - 2);
	buf[n - 2] = '\0';
	return inet_pton(AF_INET6, buf, addr) == 1;
}

static void
check(const struct conf *c)
{
	const char	*u, *h, *rest;
	size_t		 i, hl;

	FUZZ_CHECK(c->db != NULL && c->db[0] != '\0');
	FUZZ_CHECK(c->click_batch >= 1 && c->click_batch <= 100000);
	FUZZ_CHECK(c->click_flush_ms >= 10 && c->click_flush_ms <= 60000);
	FUZZ_CHECK(c->code_length >= KZ_CODE_GEN_MIN &&
	    c->code_length <= KZ_CODE_GEN_MAX);
	FUZZ_CHECK(c->url_max >= KZ_URL_MIN && c->url_max <= KZ_URL_MAX);
	FUZZ_CHECK(c->body_max >= 1024 && c->body_max <= 16777216);
	FUZZ_CHECK(c->busy_ms >= 1 && c->busy_ms <= 600000);
	FUZZ_CHECK(c->log_level >= LOG_LVL_ERROR &&
	    c->log_level <= LOG_LVL_DEBUG);
	FUZZ_CHECK((c->base_url == NULL) == (c->base_host == NULL));
	if ((u = c->base_url) == NULL)
		return;
	FUZZ_CHECK(strncmp(u, "http://", 7) == 0 ||
	    strncmp(u, "https://", 8) == 0);
	h = strstr(u, "://") + 3;
	FUZZ_CHECK(u[strlen(u) - 1] != '/');
	/* base_host is the host part, lower case, and a host. */
	hl = strlen(c->base_host);
	FUZZ_CHECK(hl > 0 && strncasecmp(h, c->base_host, hl) == 0);
	for (i = 0; i < hl; i++)
		FUZZ_CHECK(!(c->base_host[i] >= 'A' && c->base_host[i] <= 'Z'));
	FUZZ_CHECK(host_ok(c->base_host));
	/* After the host, nothing but ":PORT". */
	rest = h + hl;
	if (*rest != '\0') {
		FUZZ_CHECK(rest[0] == ':' && rest[1] != '\0');
		FUZZ_CHECK(strspn(rest + 1, "0123456789") == strlen(rest + 1));
		FUZZ_CHECK(strlen(rest + 1) <= 5);
		FUZZ_CHECK(atol(rest + 1) >= 1 && atol(rest + 1) <= 65535);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	 c;
	char		*text, err[256], tiny[8];
	int		 r;

	text = fuzz_strndup(data, size);
	vars_parse(text);
	memset(err, 0, sizeof(err));
	r = conf_load(&c, lookup, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0)
		check(&c);
	else {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		FUZZ_CHECK(strncmp(err, "KURZ_", 5) == 0);
		/* A small buffer takes a cut message and nothing more. */
		memset(tiny, 'x', sizeof(tiny));
		FUZZ_CHECK(conf_load(&c, lookup, tiny, sizeof(tiny) - 2) == -1);
		FUZZ_CHECK(tiny[sizeof(tiny) - 3] == '\0');
		FUZZ_CHECK(tiny[sizeof(tiny) - 2] == 'x');
	}
	free(text);
	return 0;
}
