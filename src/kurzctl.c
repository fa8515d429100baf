/*
 * kurzctl.c - the command line: schema, keys, links, export and import,
 * backup, restore and check.
 * Same core as the worker: links are judged by the rules the API keeps.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "valid.h"

#define CTL_LIST_PAGE		1000	/* links read per page of a list */
#define CTL_LIST_MAX		1000	/* largest --limit */
#define CTL_IMPORT_LINE_MAX	(1024 * 1024)	/* longest line of an import */

/* What every command may need: the settings, and the store once opened. */
struct ctl {
	const struct conf	*conf;
	const char		*db;
	struct store		*s;
	struct arena		*a;
};

static void
usage(void)
{
	fputs("usage: kurzctl [-d database] command [arguments]\n"
	    "\n"
	    "  migrate                         create the database or bring "
	    "its schema up to date\n"
	    "  key create NAME [--scope S]     make an API key (S: read, "
	    "write, admin; default admin)\n"
	    "                                  and print it, alone, on "
	    "standard output\n"
	    "  key list                        list keys (never the keys "
	    "themselves)\n"
	    "  key revoke NAME                 revoke a key at once\n"
	    "  link add URL [--code C] [--domain D] [--title T] [--tag T]...\n"
	    "      [--expires TIME] [--max-clicks N] [--status 301|302|307|308]\n"
	    "                                  make a link and print its code\n"
	    "  link get CODE [--domain D]      print a link as JSON\n"
	    "  link list [--domain D] [--tag T] [--q TEXT] [--deleted] "
	    "[--limit N]\n"
	    "                                  print CODE URL CLICKS CREATED, "
	    "newest first\n"
	    "  link edit CODE [--domain D] [--url U] [--title T | --no-title]\n"
	    "      [--tag T... | --no-tags] [--expires TIME | --no-expires]\n"
	    "      [--max-clicks N | --no-max-clicks] [--status S]\n"
	    "                                  change a link and print its new "
	    "version\n"
	    "  link rm CODE [--domain D]       delete a link (its code stays "
	    "taken)\n"
	    "  link restore CODE [--domain D]  bring a deleted link back\n"
	    "  export [FILE]                   write every link as NDJSON to "
	    "FILE or stdout\n"
	    "  import [FILE]                   add the links of an export "
	    "(FILE or stdin)\n"
	    "  clicks prune --older-than AGE   delete raw clicks older than "
	    "AGE (90d, 36h);\n"
	    "                                  the per-link rollups and stats "
	    "stay\n"
	    "  backup PATH                     copy the database, while the "
	    "workers serve, into\n"
	    "                                  the new file PATH, and check "
	    "the copy\n"
	    "  restore PATH                    replace the database with the "
	    "backup PATH;\n"
	    "                                  refused while the workers run: "
	    "stop them first\n"
	    "  check [--quick]                 check integrity, schema, WAL "
	    "and pages;\n"
	    "                                  exit 1 when the database is "
	    "damaged\n"
	    "  version                         print the version\n"
	    "\n"
	    "TIME is RFC 3339 (2026-12-31T23:59:59Z). The database is -d, "
	    "else $KURZ_DB,\nelse " KZ_DEFAULT_DB ".\n",
	    stderr);
}

/* Open the store on first use; NULL (and a message) when it cannot be. */
static struct store *
ctl_store(struct ctl *c)
{
	char	err[512];

	if (c->s == NULL && (c->s = store_open(c->db, c->conf->busy_ms, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "kurzctl: %s\n", err);
	return c->s;
}

/* Say why a store call failed, for errors that are not the caller's. */
static int
store_failed(const char *what, enum kz_err err)
{
	const char	*why;

	switch (err) {
	case KZ_BUSY:
		why = "the database stayed locked past KURZ_BUSY_TIMEOUT_MS";
		break;
	case KZ_READONLY:
		why = "the database cannot be written";
		break;
	default:
		why = "a database error (see above)";
		break;
	}
	fprintf(stderr, "kurzctl: %s: %s\n", what, why);
	return 1;
}

static int
key_name_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > KZ_KEY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '@'))
			return 0;
	}
	return 1;
}

static int
cmd_key_create(struct store *s, int argc, char *argv[])
{
	unsigned char	 hash[AUTH_HASH_LEN];
	char		 key[AUTH_KEY_LEN + 1], shown[AUTH_SHOWN_LEN + 1];
	enum scope	 scope = SCOPE_ADMIN;
	const char	*name;
	enum kz_err	 err;

	if (argc < 1) {
		usage();
		return 2;
	}
	name = argv[0];
	if (argc == 3 && strcmp(argv[1], "--scope") == 0) {
		if ((scope = auth_scope_parse(argv[2])) == SCOPE_NONE) {
			fprintf(stderr, "kurzctl: scope \"%s\" is not read, "
			    "write or admin\n", argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		usage();
		return 2;
	}
	if (!key_name_ok(name)) {
		fprintf(stderr, "kurzctl: a key name is 1 to %d of A-Z a-z "
		    "0-9 . _ - @\n", KZ_KEY_NAME_MAX);
		return 2;
	}
	auth_key_generate(key);
	auth_key_hash(key, strlen(key), hash);
	memcpy(shown, key, AUTH_SHOWN_LEN);
	shown[AUTH_SHOWN_LEN] = '\0';
	err = store_key_create(s, name, scope, hash, shown);
	if (err == KZ_CONFLICT) {
		fprintf(stderr, "kurzctl: a key named \"%s\" exists\n", name);
		return 1;
	}
	if (err != KZ_OK) {
		fprintf(stderr, "kurzctl: cannot store the key\n");
		return 1;
	}
	puts(key);
	sodium_memzero(key, sizeof(key));
	return fflush(stdout) == 0 ? 0 : 1;
}

static void
key_print(const struct key_info *k, void *arg)
{
	char	created[VALID_TIME_LEN + 1], revoked[VALID_TIME_LEN + 1];

	(void)arg;
	valid_time_format(k->created_at, created);
	if (k->revoked_at != 0)
		valid_time_format(k->revoked_at, revoked);
	printf("%s\t%s\t%s…\t%s\t%s\n", k->name, auth_scope_name(k->scope),
	    k->shown, created, k->revoked_at != 0 ? revoked : "-");
}

static int
cmd_key(struct store *s, int argc, char *argv[])
{
	enum kz_err	err;

	if (argc >= 1 && strcmp(argv[0], "create") == 0)
		return cmd_key_create(s, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		printf("NAME\tSCOPE\tKEY\tCREATED\tREVOKED\n");
		return store_key_each(s, key_print, NULL) == KZ_OK ? 0 : 1;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		err = store_key_revoke(s, argv[1]);
		if (err == KZ_NOTFOUND) {
			fprintf(stderr, "kurzctl: no key \"%s\" in force\n",
			    argv[1]);
			return 1;
		}
		return err == KZ_OK ? 0 : 1;
	}
	usage();
	return 2;
}

/* "90d" or "36h" into milliseconds; -1 when it is neither. */
static int64_t
age_ms(const char *s)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (v < 0 || v > 100000 || end[0] == '\0' || end[1] != '\0')
		return -1;
	if (end[0] == 'd')
		return (int64_t)v * 86400000;
	if (end[0] == 'h')
		return (int64_t)v * 3600000;
	return -1;
}

static int
cmd_clicks(struct store *s, int argc, char *argv[])
{
	struct timespec	ts;
	int64_t		age, deleted;

	if (argc != 3 || strcmp(argv[0], "prune") != 0 ||
	    strcmp(argv[1], "--older-than") != 0) {
		usage();
		return 2;
	}
	if ((age = age_ms(argv[2])) < 0) {
		fprintf(stderr, "kurzctl: \"%s\" is not an age such as 90d or "
		    "36h\n", argv[2]);
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (store_clicks_prune(s, (int64_t)ts.tv_sec * 1000 - age,
	    &deleted) != KZ_OK) {
		fprintf(stderr, "kurzctl: pruning failed\n");
		return 1;
	}
	printf("%lld clicks deleted\n", (long long)deleted);
	return 0;
}

/* --------------------------------------------------------------------
 * link: add, get, list, edit, rm, restore
 */

enum lopt {
	LO_CODE, LO_DOMAIN, LO_URL, LO_TITLE, LO_NO_TITLE, LO_TAG, LO_NO_TAGS,
	LO_EXPIRES, LO_NO_EXPIRES, LO_MAX_CLICKS, LO_NO_MAX_CLICKS, LO_STATUS,
	LO_Q, LO_DELETED, LO_LIMIT, LO__N
};

#define LO_BIT(o)	(1u << (o))

static const struct {
	const char	*name;
	bool		 flag;		/* takes no value */
} lopt_names[LO__N] = {
	[LO_CODE] = { "code", false },
	[LO_DOMAIN] = { "domain", false },
	[LO_URL] = { "url", false },
	[LO_TITLE] = { "title", false },
	[LO_NO_TITLE] = { "no-title", true },
	[LO_TAG] = { "tag", false },
	[LO_NO_TAGS] = { "no-tags", true },
	[LO_EXPIRES] = { "expires", false },
	[LO_NO_EXPIRES] = { "no-expires", true },
	[LO_MAX_CLICKS] = { "max-clicks", false },
	[LO_NO_MAX_CLICKS] = { "no-max-clicks", true },
	[LO_STATUS] = { "status", false },
	[LO_Q] = { "q", false },
	[LO_DELETED] = { "deleted", true },
	[LO_LIMIT] = { "limit", false },
};

/* The arguments of a link command as given, not yet judged. */
struct lopts {
	const char	*pos;		/* the one positional argument */
	bool		 given[LO__N];
	const char	*val[LO__N];
	const char	*tags[KZ_TAGS_MAX];
	size_t		 ntags;
};

/*
 * Split argv into the one positional argument (when want_pos) and the
 * options that allowed (LO_BIT mask) lets through; "--name value" and
 * "--name=value" both work, "--" ends the options. -1, with a message,
 * for anything else.
 */
static int
lopts_parse(const char *cmd, int argc, char *argv[], unsigned allowed,
    bool want_pos, struct lopts *o)
{
	const char	*arg, *name, *eq;
	size_t		 len;
	int		 i, k;
	bool		 ended = false;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (!ended && strcmp(arg, "--") == 0) {
			ended = true;
			continue;
		}
		if (ended || strncmp(arg, "--", 2) != 0) {
			if (!want_pos || o->pos != NULL) {
				fprintf(stderr, "kurzctl: link %s: unexpected "
				    "argument \"%s\"\n", cmd, arg);
				return -1;
			}
			o->pos = arg;
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		for (k = 0; k < LO__N; k++)
			if ((allowed & LO_BIT(k)) &&
			    strlen(lopt_names[k].name) == len &&
			    strncmp(lopt_names[k].name, name, len) == 0)
				break;
		if (k == LO__N) {
			fprintf(stderr, "kurzctl: link %s: unknown option "
			    "--%.*s\n", cmd, (int)len, name);
			return -1;
		}
		if (o->given[k] && k != LO_TAG) {
			fprintf(stderr, "kurzctl: link %s: --%s is given twice\n",
			    cmd, lopt_names[k].name);
			return -1;
		}
		o->given[k] = true;
		if (lopt_names[k].flag) {
			if (eq != NULL) {
				fprintf(stderr, "kurzctl: link %s: --%s takes "
				    "no value\n", cmd, lopt_names[k].name);
				return -1;
			}
			continue;
		}
		if (eq != NULL)
			o->val[k] = eq + 1;
		else if (i + 1 < argc)
			o->val[k] = argv[++i];
		else {
			fprintf(stderr, "kurzctl: link %s: --%s needs a value\n",
			    cmd, lopt_names[k].name);
			return -1;
		}
		if (k == LO_TAG) {
			if (o->ntags == KZ_TAGS_MAX) {
				fprintf(stderr, "kurzctl: link %s: at most %d "
				    "tags\n", cmd, KZ_TAGS_MAX);
				return -1;
			}
			o->tags[o->ntags++] = o->val[k];
		}
	}
	if (want_pos && o->pos == NULL) {
		fprintf(stderr, "kurzctl: link %s: the %s is missing\n", cmd,
		    strcmp(cmd, "add") == 0 ? "URL" : "CODE");
		return -1;
	}
	return 0;
}

/* Refuse both of an option and its "--no-" form. */
static int
lopts_either(const struct lopts *o, enum lopt set, enum lopt clear)
{
	if (o->given[set] && o->given[clear]) {
		fprintf(stderr, "kurzctl: give --%s or --%s, not both\n",
		    lopt_names[set].name, lopt_names[clear].name);
		return -1;
	}
	return 0;
}

/*
 * The judges: each checks one value by the API's rules and, when it is
 * refused, prints a message that names the problem and returns -1.
 */
static int
judge_url(struct ctl *c, const char *s, const char **out)
{
	const char	*self[2] = { c->conf->base_host, NULL };
	enum valid_url	 vu;
	size_t		 len = strlen(s), outlen;
	char		*buf;

	buf = arena_alloc(c->a, VALID_URL_OUT(len));
	if ((vu = valid_url(s, len, c->conf->url_max, self, buf, &outlen)) !=
	    URL_OK) {
		fprintf(stderr, "kurzctl: url \"%s\": %s\n", s,
		    valid_url_msg(vu));
		return -1;
	}
	*out = buf;
	return 0;
}

static int
judge_code(const char *s)
{
	enum valid_code	vc;

	if ((vc = valid_code(s, strlen(s))) != CODE_OK) {
		fprintf(stderr, "kurzctl: code \"%s\": %s\n", s,
		    valid_code_msg(vc));
		return -1;
	}
	return 0;
}

/* A domain as the API keeps it: lower case, no root dot; "" the default. */
static const char *
domain_canon(struct arena *a, const char *s)
{
	char	*d = arena_strdup(a, s);
	size_t	 i, n = strlen(d);

	for (i = 0; i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] + ('a' - 'A'));
	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	return d;
}

static int
judge_domain(struct ctl *c, const char *s, const char **out)
{
	if (s == NULL || s[0] == '\0') {
		*out = "";
		return 0;
	}
	if (!valid_domain(s, strlen(s))) {
		fprintf(stderr, "kurzctl: domain \"%s\" is not a host name "
		    "such as s.example.com\n", s);
		return -1;
	}
	*out = domain_canon(c->a, s);
	return 0;
}

static int
judge_title(const char *s)
{
	if (!valid_title(s, strlen(s))) {
		fprintf(stderr, "kurzctl: the title must be at most %d bytes "
		    "of UTF-8 without control characters\n", KZ_TITLE_MAX);
		return -1;
	}
	return 0;
}

/* The tags of o, each checked, duplicates dropped, into l. */
static int
judge_tags(struct ctl *c, const struct lopts *o, struct link *l)
{
	size_t	i, j;

	l->tags = arena_alloc(c->a, (o->ntags + 1) * sizeof(*l->tags));
	l->ntags = 0;
	for (i = 0; i < o->ntags; i++) {
		if (!valid_tag(o->tags[i], strlen(o->tags[i]))) {
			fprintf(stderr, "kurzctl: tag \"%s\": a tag is 1 to %d "
			    "bytes of UTF-8 without control characters\n",
			    o->tags[i], KZ_TAG_MAX);
			return -1;
		}
		for (j = 0; j < l->ntags; j++)
			if (strcmp(l->tags[j], o->tags[i]) == 0)
				break;
		if (j == l->ntags)
			l->tags[l->ntags++] = o->tags[i];
	}
	return 0;
}

/* An expiry: RFC 3339 and in the future, as a new one must be. */
static int
judge_expires(const char *s, int64_t *out)
{
	if (!valid_time(s, strlen(s), out)) {
		fprintf(stderr, "kurzctl: expires \"%s\" is not an RFC 3339 "
		    "time such as 2026-12-31T23:59:59Z\n", s);
		return -1;
	}
	if (*out <= (int64_t)time(NULL)) {
		fprintf(stderr, "kurzctl: expires \"%s\" is in the past\n", s);
		return -1;
	}
	return 0;
}

/* A whole number from min to max, in decimal digits alone. */
static int
judge_number(const char *opt, const char *s, int64_t min, int64_t max,
    int64_t *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(stderr, "kurzctl: --%s \"%s\" is not a whole number "
		    "from %lld to %lld\n", opt, s, (long long)min,
		    (long long)max);
		return -1;
	}
	*out = (int64_t)v;
	return 0;
}

static int
judge_status(const char *s, int *out)
{
	if (strcmp(s, "301") != 0 && strcmp(s, "302") != 0 &&
	    strcmp(s, "307") != 0 && strcmp(s, "308") != 0) {
		fprintf(stderr, "kurzctl: --status \"%s\": a redirect status "
		    "is one of 301, 302, 307, 308\n", s);
		return -1;
	}
	*out = atoi(s);
	return 0;
}

/* " in domain D", or "" for the default domain: for messages. */
static const char *
in_domain(struct ctl *c, const char *domain)
{
	return domain[0] == '\0' ? "" : arena_printf(c->a, " in domain %s",
	    domain);
}

/* The origin that short URLs of domain start with, as the API makes it. */
static const char *
ctl_short_base(struct ctl *c, const char *domain)
{
	const char	*base = c->conf->base_url;

	if (domain == NULL || domain[0] == '\0')
		return base != NULL ? base : "";
	return arena_printf(c->a, "%s://%s", base != NULL &&
	    strncmp(base, "http:", 5) == 0 ? "http" : "https", domain);
}

static int
cmd_link_add(struct ctl *c, int argc, char *argv[])
{
	struct lopts	 o;
	struct link	 l, out;
	enum kz_err	 err;

	if (lopts_parse("add", argc, argv, LO_BIT(LO_CODE) |
	    LO_BIT(LO_DOMAIN) | LO_BIT(LO_TITLE) | LO_BIT(LO_TAG) |
	    LO_BIT(LO_EXPIRES) | LO_BIT(LO_MAX_CLICKS) | LO_BIT(LO_STATUS),
	    true, &o) == -1)
		return 2;
	memset(&l, 0, sizeof(l));
	l.redirect_status = 302;
	l.forward_query = true;
	if (judge_url(c, o.pos, &l.url) == -1)
		return 2;
	if (o.given[LO_CODE]) {
		if (judge_code(o.val[LO_CODE]) == -1)
			return 2;
		l.code = o.val[LO_CODE];
	}
	if (judge_domain(c, o.val[LO_DOMAIN], &l.domain) == -1)
		return 2;
	if (o.given[LO_TITLE]) {
		if (judge_title(o.val[LO_TITLE]) == -1)
			return 2;
		l.title = o.val[LO_TITLE];
	}
	if (judge_tags(c, &o, &l) == -1)
		return 2;
	if (o.given[LO_EXPIRES] &&
	    judge_expires(o.val[LO_EXPIRES], &l.expires_at) == -1)
		return 2;
	if (o.given[LO_MAX_CLICKS] && judge_number("max-clicks",
	    o.val[LO_MAX_CLICKS], 1, INT64_MAX, &l.max_clicks) == -1)
		return 2;
	if (o.given[LO_STATUS] &&
	    judge_status(o.val[LO_STATUS], &l.redirect_status) == -1)
		return 2;

	if (ctl_store(c) == NULL)
		return 1;
	err = store_link_create(c->s, c->a, &l, 0, c->conf->code_length, &out);
	if (err == KZ_CONFLICT) {
		fprintf(stderr, "kurzctl: the code \"%s\" is taken%s (a "
		    "deleted link keeps its code)\n", l.code,
		    in_domain(c, l.domain));
		return 1;
	}
	if (err != KZ_OK)
		return store_failed("link add", err);
	puts(out.code);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Parse CODE [--domain D] plus the options in more; 2 when refused. */
static int
link_target(struct ctl *c, const char *cmd, int argc, char *argv[],
    unsigned more, struct lopts *o, const char **domain)
{
	if (lopts_parse(cmd, argc, argv, LO_BIT(LO_DOMAIN) | more, true,
	    o) == -1)
		return 2;
	if (judge_code(o->pos) == -1 ||
	    judge_domain(c, o->val[LO_DOMAIN], domain) == -1)
		return 2;
	return 0;
}

static int
no_link(struct ctl *c, const char *code, const char *domain,
    const char *what)
{
	fprintf(stderr, "kurzctl: there is no %slink \"%s\"%s\n", what, code,
	    in_domain(c, domain));
	return 1;
}

static int
cmd_link_get(struct ctl *c, int argc, char *argv[])
{
	struct lopts	 o;
	struct link	 l;
	const char	*domain, *body;
	enum kz_err	 err;
	size_t		 len;
	int		 rc;

	if ((rc = link_target(c, "get", argc, argv, 0, &o, &domain)) != 0)
		return rc;
	if (ctl_store(c) == NULL)
		return 1;
	err = store_link_get(c->s, c->a, domain, o.pos, &l);
	if (err == KZ_NOTFOUND)
		return no_link(c, o.pos, domain, "");
	if (err != KZ_OK)
		return store_failed("link get", err);
	body = json_link(c->a, &l, ctl_short_base(c, l.domain), &len);
	fwrite(body, 1, len, stdout);
	putchar('\n');
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

static int
cmd_link_list(struct ctl *c, int argc, char *argv[])
{
	struct lopts	 o;
	struct link_query q;
	struct link	*links;
	struct arena	*pa;
	char		 created[VALID_TIME_LEN + 1];
	size_t		 i, n;
	int64_t		 next, limit = 0;
	enum kz_err	 err;
	int		 rc = 0;

	if (lopts_parse("list", argc, argv, LO_BIT(LO_DOMAIN) |
	    LO_BIT(LO_TAG) | LO_BIT(LO_Q) | LO_BIT(LO_DELETED) |
	    LO_BIT(LO_LIMIT), false, &o) == -1)
		return 2;
	memset(&q, 0, sizeof(q));
	if (o.given[LO_DOMAIN] &&
	    judge_domain(c, o.val[LO_DOMAIN], &q.domain) == -1)
		return 2;
	if (o.ntags > 1) {
		fprintf(stderr, "kurzctl: link list: one --tag at most\n");
		return 2;
	}
	if (o.ntags == 1) {
		if (!valid_tag(o.tags[0], strlen(o.tags[0]))) {
			fprintf(stderr, "kurzctl: tag \"%s\": a tag is 1 to %d "
			    "bytes of UTF-8 without control characters\n",
			    o.tags[0], KZ_TAG_MAX);
			return 2;
		}
		q.tag = o.tags[0];
	}
	q.q = o.val[LO_Q];
	q.deleted = o.given[LO_DELETED];
	if (o.given[LO_LIMIT] && judge_number("limit", o.val[LO_LIMIT], 1,
	    CTL_LIST_MAX, &limit) == -1)
		return 2;
	q.limit = limit != 0 ? (size_t)limit : CTL_LIST_PAGE;

	if (ctl_store(c) == NULL)
		return 1;
	if ((pa = arena_create()) == NULL) {
		fprintf(stderr, "kurzctl: out of memory\n");
		return 1;
	}
	/* Page after page by the cursor, unless --limit asked for one. */
	do {
		arena_reset(pa);
		err = store_link_list(c->s, pa, &q, &links, &n, &next, NULL);
		if (err != KZ_OK) {
			rc = store_failed("link list", err);
			break;
		}
		for (i = 0; i < n; i++) {
			valid_time_format(links[i].created_at, created);
			printf("%s\t%s\t%" PRId64 "\t%s\n", links[i].code,
			    links[i].url, links[i].clicks, created);
		}
		q.before_id = next;
	} while (limit == 0 && next != 0 && n > 0);
	arena_free(pa);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = 1;
	return rc;
}

static int
cmd_link_edit(struct ctl *c, int argc, char *argv[])
{
	struct lopts	 o;
	struct link_patch p;
	struct link	 out;
	const char	*domain;
	enum kz_err	 err;
	int		 rc;

	if ((rc = link_target(c, "edit", argc, argv, LO_BIT(LO_URL) |
	    LO_BIT(LO_TITLE) | LO_BIT(LO_NO_TITLE) | LO_BIT(LO_TAG) |
	    LO_BIT(LO_NO_TAGS) | LO_BIT(LO_EXPIRES) | LO_BIT(LO_NO_EXPIRES) |
	    LO_BIT(LO_MAX_CLICKS) | LO_BIT(LO_NO_MAX_CLICKS) |
	    LO_BIT(LO_STATUS), &o, &domain)) != 0)
		return rc;
	if (lopts_either(&o, LO_TITLE, LO_NO_TITLE) == -1 ||
	    lopts_either(&o, LO_TAG, LO_NO_TAGS) == -1 ||
	    lopts_either(&o, LO_EXPIRES, LO_NO_EXPIRES) == -1 ||
	    lopts_either(&o, LO_MAX_CLICKS, LO_NO_MAX_CLICKS) == -1)
		return 2;
	memset(&p, 0, sizeof(p));
	if (o.given[LO_URL]) {
		if (judge_url(c, o.val[LO_URL], &p.v.url) == -1)
			return 2;
		p.set |= LF_URL;
	}
	if (o.given[LO_TITLE] || o.given[LO_NO_TITLE]) {
		if (o.given[LO_TITLE] && judge_title(o.val[LO_TITLE]) == -1)
			return 2;
		p.v.title = o.val[LO_TITLE];	/* NULL for --no-title */
		p.set |= LF_TITLE;
	}
	if (o.given[LO_TAG] || o.given[LO_NO_TAGS]) {
		if (judge_tags(c, &o, &p.v) == -1)
			return 2;
		p.set |= LF_TAGS;
	}
	if (o.given[LO_EXPIRES] || o.given[LO_NO_EXPIRES]) {
		if (o.given[LO_EXPIRES] &&
		    judge_expires(o.val[LO_EXPIRES], &p.v.expires_at) == -1)
			return 2;
		p.set |= LF_EXPIRES_AT;
	}
	if (o.given[LO_MAX_CLICKS] || o.given[LO_NO_MAX_CLICKS]) {
		if (o.given[LO_MAX_CLICKS] && judge_number("max-clicks",
		    o.val[LO_MAX_CLICKS], 1, INT64_MAX, &p.v.max_clicks) == -1)
			return 2;
		p.set |= LF_MAX_CLICKS;
	}
	if (o.given[LO_STATUS]) {
		if (judge_status(o.val[LO_STATUS], &p.v.redirect_status) == -1)
			return 2;
		p.set |= LF_REDIRECT_STATUS;
	}
	if (p.set == 0) {
		fprintf(stderr, "kurzctl: link edit: nothing to change\n");
		return 2;
	}

	if (ctl_store(c) == NULL)
		return 1;
	err = store_link_update(c->s, c->a, domain, o.pos, &p, 0, &out);
	if (err == KZ_NOTFOUND)
		return no_link(c, o.pos, domain, "");
	if (err == KZ_GONE) {
		fprintf(stderr, "kurzctl: the link \"%s\"%s is deleted; "
		    "restore it first\n", o.pos, in_domain(c, domain));
		return 1;
	}
	if (err != KZ_OK)
		return store_failed("link edit", err);
	printf("%" PRId64 "\n", out.version);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmd_link_rm(struct ctl *c, int argc, char *argv[])
{
	struct lopts	 o;
	const char	*domain;
	enum kz_err	 err;
	int		 rc;

	if ((rc = link_target(c, "rm", argc, argv, 0, &o, &domain)) != 0)
		return rc;
	if (ctl_store(c) == NULL)
		return 1;
	err = store_link_delete(c->s, domain, o.pos, 0);
	if (err == KZ_NOTFOUND)
		return no_link(c, o.pos, domain, "");
	if (err == KZ_GONE) {
		fprintf(stderr, "kurzctl: the link \"%s\"%s is deleted "
		    "already\n", o.pos, in_domain(c, domain));
		return 1;
	}
	return err == KZ_OK ? 0 : store_failed("link rm", err);
}

static int
cmd_link_restore(struct ctl *c, int argc, char *argv[])
{
	struct lopts	 o;
	struct link	 out;
	const char	*domain;
	enum kz_err	 err;
	int		 rc;

	if ((rc = link_target(c, "restore", argc, argv, 0, &o, &domain)) != 0)
		return rc;
	if (ctl_store(c) == NULL)
		return 1;
	err = store_link_restore(c->s, c->a, domain, o.pos, &out);
	if (err == KZ_NOTFOUND)
		return no_link(c, o.pos, domain, "deleted ");
	return err == KZ_OK ? 0 : store_failed("link restore", err);
}

static int
cmd_link(struct ctl *c, int argc, char *argv[])
{
	static const struct {
		const char	*name;
		int		(*fn)(struct ctl *, int, char *[]);
	} cmds[] = {
		{ "add", cmd_link_add },
		{ "get", cmd_link_get },
		{ "list", cmd_link_list },
		{ "edit", cmd_link_edit },
		{ "rm", cmd_link_rm },
		{ "restore", cmd_link_restore },
	};
	size_t	i;

	for (i = 0; argc >= 1 && i < KZ_ARRAY_SIZE(cmds); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(c, argc - 1, argv + 1);
	usage();
	return 2;
}

/* --------------------------------------------------------------------
 * export and import
 */

struct export_out {
	FILE		*f;
	struct arena	*la;		/* the line in hand, reset after each */
	bool		 failed;
};

static void
export_line(const struct link *l, void *arg)
{
	struct export_out	*x = arg;
	const char		*line;
	size_t			 len;

	if (x->failed)
		return;
	line = json_link_export(x->la, l, &len);
	if (fwrite(line, 1, len, x->f) != len)
		x->failed = true;
	arena_reset(x->la);
}

/*
 * Write every link to FILE, or to standard output without one (or with
 * "-"). A file is written beside its name and renamed into place when
 * complete, so that a failed export leaves no half file; it is made
 * mode 0600, as it holds the password hashes.
 */
static int
cmd_export(struct ctl *c, int argc, char *argv[])
{
	struct export_out	 x;
	const char		*path = NULL;
	char			*tmp = NULL;
	enum kz_err		 err;
	int			 fd, rc = 1;

	if (argc > 1) {
		usage();
		return 2;
	}
	if (argc == 1 && strcmp(argv[0], "-") != 0)
		path = argv[0];
	if (ctl_store(c) == NULL)
		return 1;
	memset(&x, 0, sizeof(x));
	if ((x.la = arena_create()) == NULL) {
		fprintf(stderr, "kurzctl: out of memory\n");
		return 1;
	}
	x.f = stdout;
	if (path != NULL) {
		tmp = arena_printf(c->a, "%s.XXXXXX", path);
		if ((fd = mkstemp(tmp)) == -1) {
			fprintf(stderr, "kurzctl: %s: cannot write beside it: "
			    "%s\n", path, strerror(errno));
			goto out;
		}
		if ((x.f = fdopen(fd, "w")) == NULL) {
			fprintf(stderr, "kurzctl: %s: %s\n", tmp,
			    strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
	}
	err = store_link_each(c->s, export_line, &x);
	if (err != KZ_OK)
		store_failed("export", err);
	if (fflush(x.f) != 0 || ferror(x.f))
		x.failed = true;
	if (path != NULL && fsync(fileno(x.f)) == -1)
		x.failed = true;
	if (x.failed)
		fprintf(stderr, "kurzctl: export: cannot write %s: %s\n",
		    path != NULL ? tmp : "standard output", strerror(errno));
	if (path != NULL) {
		if (fclose(x.f) != 0)
			x.failed = true;
		if (err != KZ_OK || x.failed) {
			unlink(tmp);
			goto out;
		}
		if (rename(tmp, path) == -1) {
			fprintf(stderr, "kurzctl: %s: %s\n", path,
			    strerror(errno));
			unlink(tmp);
			goto out;
		}
	}
	if (err == KZ_OK && !x.failed)
		rc = 0;
out:
	arena_free(x.la);
	return rc;
}

/* Whether s looks like a password hash in libsodium's string form. */
static bool
pwhash_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n >= crypto_pwhash_STRBYTES || (strncmp(s, "$argon2id$", 10) != 0 &&
	    strncmp(s, "$argon2i$", 9) != 0))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/*
 * Judge a parsed line by the API's rules, as a new link would be but
 * for times: an export holds expired links, deleted ones and their
 * counts. Values are kept as given, so that an export imported and
 * exported again is the same file; only a domain in upper case or with
 * its root dot, or a URL not in the API's normal form, is written as
 * the API would have written it, and missing creation times are now.
 * NULL when the link may be stored, else why not (in c->a).
 */
static const char *
import_judge(struct ctl *c, struct link *l)
{
	const char	*self[2] = { c->conf->base_host, NULL };
	enum valid_url	 vu;
	enum valid_code	 vc;
	size_t		 i, j, ulen;
	char		*url;

	if ((vc = valid_code(l->code, strlen(l->code))) != CODE_OK)
		return arena_printf(c->a, "code \"%s\": %s", l->code,
		    valid_code_msg(vc));
	if (l->domain[0] != '\0') {
		if (!valid_domain(l->domain, strlen(l->domain)))
			return arena_printf(c->a, "domain \"%s\" is not a host "
			    "name", l->domain);
		l->domain = domain_canon(c->a, l->domain);
	}
	url = arena_alloc(c->a, VALID_URL_OUT(strlen(l->url)));
	if ((vu = valid_url(l->url, strlen(l->url), c->conf->url_max, self,
	    url, &ulen)) != URL_OK)
		return arena_printf(c->a, "url: %s", valid_url_msg(vu));
	l->url = url;
	if (l->title != NULL && !valid_title(l->title, strlen(l->title)))
		return arena_printf(c->a, "title: at most %d bytes of UTF-8 "
		    "without control characters", KZ_TITLE_MAX);
	if (l->notes != NULL && !valid_title(l->notes, strlen(l->notes)))
		return arena_printf(c->a, "notes: at most %d bytes of UTF-8 "
		    "without control characters", KZ_TITLE_MAX);
	if (l->ntags > KZ_TAGS_MAX)
		return arena_printf(c->a, "tags: at most %d", KZ_TAGS_MAX);
	for (i = 0; i < l->ntags; i++) {
		if (!valid_tag(l->tags[i], strlen(l->tags[i])))
			return arena_printf(c->a, "tags: a tag is 1 to %d bytes "
			    "of UTF-8 without control characters", KZ_TAG_MAX);
		for (j = 0; j < i; j++)
			if (strcmp(l->tags[i], l->tags[j]) == 0)
				return arena_printf(c->a, "tags: \"%s\" twice",
				    l->tags[i]);
	}
	if (l->redirect_status != 301 && l->redirect_status != 302 &&
	    l->redirect_status != 307 && l->redirect_status != 308)
		return "redirect_status: one of 301, 302, 307, 308";
	if (l->max_clicks < 0)
		return "max_clicks: at least 1, or null";
	if (l->clicks < 0)
		return "clicks: a count cannot be negative";
	if (l->password_hash != NULL && !pwhash_ok(l->password_hash))
		return "password_hash: not an Argon2 hash in libsodium's "
		    "string form";
	if (l->created_at == 0)
		l->created_at = (int64_t)time(NULL);
	if (l->updated_at == 0)
		l->updated_at = l->created_at;
	return NULL;
}

static bool
blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/*
 * Add the links of an export (FILE, else standard input), one a line,
 * each in its own transaction. A link whose code is taken is skipped; a
 * line that is not a link the API would keep is refused and named on
 * standard error. 1 when any was refused or a write failed.
 */
static int
cmd_import(struct ctl *c, int argc, char *argv[])
{
	struct link	 l;
	struct json_fail f;
	FILE		*in = stdin;
	const char	*why, *name = "standard input";
	char		*line = NULL;
	size_t		 cap = 0, lineno = 0, imported = 0, skipped = 0,
			 refused = 0;
	ssize_t		 n;
	enum kz_err	 err;
	bool		 fatal = false;

	if (argc > 1) {
		usage();
		return 2;
	}
	if (argc == 1 && strcmp(argv[0], "-") != 0) {
		name = argv[0];
		if ((in = fopen(name, "r")) == NULL) {
			fprintf(stderr, "kurzctl: %s: %s\n", name,
			    strerror(errno));
			return 1;
		}
	}
	if (ctl_store(c) == NULL) {
		if (in != stdin)
			fclose(in);
		return 1;
	}
	while ((n = getline(&line, &cap, in)) != -1) {
		lineno++;
		if (blank(line, (size_t)n))
			continue;
		arena_reset(c->a);
		why = NULL;
		if ((size_t)n > CTL_IMPORT_LINE_MAX)
			why = "longer than 1 MiB";
		else if (memchr(line, '\0', (size_t)n) != NULL)
			why = "holds a NUL byte";
		else if (json_link_import(c->a, line, (size_t)n, &l, &f) !=
		    KZ_OK)
			why = f.detail != NULL ? f.detail : "not a link";
		else
			why = import_judge(c, &l);
		if (why != NULL) {
			fprintf(stderr, "kurzctl: %s: line %zu refused: %s\n",
			    name, lineno, why);
			refused++;
			continue;
		}
		err = store_link_import(c->s, &l);
		if (err == KZ_OK)
			imported++;
		else if (err == KZ_CONFLICT)
			skipped++;
		else {
			store_failed(arena_printf(c->a, "import: line %zu",
			    lineno), err);
			fatal = true;
			break;
		}
	}
	if (ferror(in)) {
		fprintf(stderr, "kurzctl: %s: %s\n", name, strerror(errno));
		fatal = true;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	printf("%zu imported, %zu skipped (taken), %zu refused\n", imported,
	    skipped, refused);
	if (fflush(stdout) != 0)
		fatal = true;
	return fatal || refused > 0 ? 1 : 0;
}

/* --------------------------------------------------------------------
 * backup, restore, check
 */

/* The database must be there: these commands never create it. */
static int
db_exists(const char *db)
{
	if (access(db, F_OK) == 0)
		return 1;
	fprintf(stderr, "kurzctl: %s: %s\n", db, strerror(errno));
	return 0;
}

/*
 * Copy the live database to the new file PATH; the workers may go on
 * serving and writing meanwhile.
 */
static int
cmd_backup(struct ctl *c, int argc, char *argv[])
{
	struct stat	 sb;
	char		 err[1024];
	enum kz_err	 e;

	if (argc != 1) {
		usage();
		return 2;
	}
	if (!db_exists(c->db) || ctl_store(c) == NULL)
		return 1;
	if ((e = store_backup(c->s, argv[0], err, sizeof(err))) != KZ_OK) {
		fprintf(stderr, "kurzctl: backup: %s\n", err);
		return 1;
	}
	printf("%s: backup of %s, schema version %d, %jd bytes, integrity "
	    "ok\n", argv[0], c->db, store_schema_version(c->s),
	    stat(argv[0], &sb) == 0 ? (intmax_t)sb.st_size : (intmax_t)-1);
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * Replace the database with a backup. Never through ctl_store(): an
 * open connection of our own would count as a user of the file, and
 * the file to be replaced may be too damaged to open.
 */
static int
cmd_restore(struct ctl *c, int argc, char *argv[])
{
	char		 err[1024];
	enum kz_err	 e;

	if (argc != 1) {
		usage();
		return 2;
	}
	if ((e = store_restore(c->db, argv[0], err, sizeof(err))) != KZ_OK) {
		fprintf(stderr, "kurzctl: restore: %s\n", err);
		if (e == KZ_BUSY)
			fprintf(stderr, "kurzctl: restore: stop the workers "
			    "first (contrib/dev down, systemctl stop, or kill "
			    "-TERM multiwatch) and any kurzctl at work, then "
			    "restore again\n");
		return 1;
	}
	printf("%s: restored from %s\n", c->db, argv[0]);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmd_check(struct ctl *c, int argc, char *argv[])
{
	struct store_check	 k;
	bool			 quick = false;

	if (argc == 1 && strcmp(argv[0], "--quick") == 0)
		quick = true;
	else if (argc != 0) {
		usage();
		return 2;
	}
	if (!db_exists(c->db) || ctl_store(c) == NULL)
		return 1;
	if (store_check(c->s, quick, &k) != KZ_OK)
		return store_failed("check", KZ_SYSTEM);
	if (k.ok)
		printf("integrity: ok (%s)\n", quick ? "quick_check" :
		    "integrity_check");
	else
		printf("integrity: FAILED (%s: %zu%s problems; the first: "
		    "%s)\n", quick ? "quick_check" : "integrity_check",
		    k.problems, k.problems >= STORE_CHECK_MAX ? " or more" :
		    "", k.first);
	printf("schema version: %d (this kurz knows %d)%s\n", k.schema,
	    k.schema_known, k.kurz ? "" : ", application_id not kurz's");
	printf("wal: %jd bytes\n", (intmax_t)k.wal_bytes);
	printf("pages: %jd of %jd bytes (%jd bytes), %jd free\n",
	    (intmax_t)k.pages, (intmax_t)k.page_size,
	    (intmax_t)(k.pages * k.page_size), (intmax_t)k.freelist);
	if (fflush(stdout) != 0)
		return 1;
	return k.ok && k.kurz ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct conf	 conf;
	struct ctl	 ctl;
	const char	*db;
	char		 err[512];
	int		 ch, rc;

	if (conf_load(&conf, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "kurzctl: %s\n", err);
		return 1;
	}
	log_init("kurzctl", LOG_LVL_WARN);
	db = conf.db;
	while ((ch = getopt(argc, argv, "+d:h")) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
		return 2;
	}
	if (strcmp(argv[0], "version") == 0) {
		puts("kurzctl " PACKAGE_VERSION);
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "kurzctl: libsodium failed to initialise\n");
		return 1;
	}
	memset(&ctl, 0, sizeof(ctl));
	ctl.conf = &conf;
	ctl.db = db;
	if ((ctl.a = arena_create()) == NULL) {
		fprintf(stderr, "kurzctl: out of memory\n");
		return 1;
	}
	if (strcmp(argv[0], "link") == 0)
		rc = cmd_link(&ctl, argc - 1, argv + 1);
	else if (strcmp(argv[0], "export") == 0)
		rc = cmd_export(&ctl, argc - 1, argv + 1);
	else if (strcmp(argv[0], "import") == 0)
		rc = cmd_import(&ctl, argc - 1, argv + 1);
	else if (strcmp(argv[0], "backup") == 0)
		rc = cmd_backup(&ctl, argc - 1, argv + 1);
	else if (strcmp(argv[0], "restore") == 0)
		rc = cmd_restore(&ctl, argc - 1, argv + 1);
	else if (strcmp(argv[0], "check") == 0)
		rc = cmd_check(&ctl, argc - 1, argv + 1);
	else if (strcmp(argv[0], "migrate") != 0 &&
	    strcmp(argv[0], "key") != 0 && strcmp(argv[0], "clicks") != 0) {
		usage();
		rc = 2;
	} else if (ctl_store(&ctl) == NULL)
		rc = 1;
	else if (strcmp(argv[0], "migrate") == 0) {
		printf("%s: schema version %d\n", db,
		    store_schema_version(ctl.s));
		rc = 0;
	} else if (strcmp(argv[0], "clicks") == 0)
		rc = cmd_clicks(ctl.s, argc - 1, argv + 1);
	else
		rc = cmd_key(ctl.s, argc - 1, argv + 1);
	store_close(ctl.s);
	arena_free(ctl.a);
	return rc;
}
