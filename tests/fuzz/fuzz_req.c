/*
 * fuzz_req.c - http_req_init() on CGI parameters made from the input:
 * lines of NAME=VALUE (the first line with a name wins; a name that no
 * line gives is absent). What it accepts must be what the handlers are
 * promised: a decoded path that starts with '/' and holds no control
 * byte, a lower-case host without a port, a Content-Length within the
 * limit, header values within KZ_HEADER_MAX.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http.h"
#include "kz.h"

#include "fuzz.h"

#define REQ_BODY_MAX	65536
#define REQ_PARAMS_MAX	64

struct params {
	size_t	 n;
	char	*name[REQ_PARAMS_MAX];
	char	*value[REQ_PARAMS_MAX];
};

static const char *
param(const char *name, void *arg)
{
	struct params	*p = arg;
	size_t		 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->name[i], name) == 0)
			return p->value[i];
	return NULL;
}

/* Split text (which the params then own) into NAME=VALUE lines. */
static void
params_parse(struct params *p, char *text)
{
	char	*line, *eq, *next;

	p->n = 0;
	for (line = text; line != NULL && p->n < REQ_PARAMS_MAX; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		p->name[p->n] = line;
		p->value[p->n] = eq + 1;
		p->n++;
	}
}

static bool
header_ok(const char *v, const char *name, struct params *p)
{
	if (v == NULL)
		return true;
	return v == param(name, p) && strlen(v) <= KZ_HEADER_MAX;
}

static void
check(const struct req *r, struct arena *a, struct params *p)
{
	const char	*uri = param("REQUEST_URI", p), *q, *h;
	size_t		 i;

	FUZZ_CHECK(r->arena == a);
	FUZZ_CHECK(uri != NULL && uri[0] == '/');
	FUZZ_CHECK(r->path != NULL && r->path[0] == '/');
	FUZZ_CHECK(strlen(r->path) == r->path_len);
	FUZZ_CHECK(r->path_len <= KZ_PATH_MAX);
	for (i = 0; i < r->path_len; i++)
		FUZZ_CHECK((unsigned char)r->path[i] >= 0x20 &&
		    r->path[i] != 0x7f);
	/* raw_path is the URI up to '?', the query what follows it. */
	q = strchr(uri, '?');
	FUZZ_CHECK(strlen(r->raw_path) == (q != NULL ? (size_t)(q - uri) :
	    strlen(uri)));
	FUZZ_CHECK(strncmp(r->raw_path, uri, strlen(r->raw_path)) == 0);
	FUZZ_CHECK(strcmp(r->query, q != NULL ? q + 1 : "") == 0);

	FUZZ_CHECK(r->host != NULL);
	h = r->host;
	for (i = 0; h[i] != '\0'; i++)
		FUZZ_CHECK(!(h[i] >= 'A' && h[i] <= 'Z'));
	FUZZ_CHECK(strlen(h) <= KZ_DOMAIN_MAX + 8);
	/* No port: a ':' only inside an IPv6 literal's brackets. */
	if (h[0] != '[')
		FUZZ_CHECK(strchr(h, ':') == NULL);
	else if (strchr(h, ']') != NULL)
		FUZZ_CHECK(strchr(h, ']')[1] == '\0');
	if (h[0] != '\0')
		FUZZ_CHECK(r->host_port != NULL);

	if (r->method != M_OTHER)
		FUZZ_CHECK(param("REQUEST_METHOD", p) != NULL);
	FUZZ_CHECK(r->content_length <= REQ_BODY_MAX);
	FUZZ_CHECK(header_ok(r->host_port, "HTTP_HOST", p));
	FUZZ_CHECK(header_ok(r->content_type, "CONTENT_TYPE", p));
	FUZZ_CHECK(header_ok(r->authorization, "HTTP_AUTHORIZATION", p));
	FUZZ_CHECK(header_ok(r->x_api_key, "HTTP_X_API_KEY", p));
	FUZZ_CHECK(header_ok(r->if_match, "HTTP_IF_MATCH", p));
	FUZZ_CHECK(header_ok(r->idempotency_key, "HTTP_IDEMPOTENCY_KEY", p));
	FUZZ_CHECK(header_ok(r->accept, "HTTP_ACCEPT", p));
	FUZZ_CHECK(r->body != NULL && r->body_len == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_create();
	struct params	 p;
	struct req	 r;
	const char	*why = NULL;
	char		*text;
	enum kz_err	 err;

	if (a == NULL)
		abort();
	text = fuzz_strndup(data, size);
	params_parse(&p, text);
	err = http_req_init(&r, a, param, &p, REQ_BODY_MAX, &why);
	FUZZ_CHECK(err == KZ_OK || err == KZ_BADREQ || err == KZ_TOOLARGE);
	if (err == KZ_OK)
		check(&r, a, &p);
	else
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	memset(arena_alloc(a, 64), 0xa5, 64);
	free(text);
	arena_free(a);
	return 0;
}
