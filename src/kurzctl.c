/*
 * kurzctl.c - the command line: schema, keys. Same core as the worker.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "conf.h"
#include "log.h"
#include "store.h"
#include "valid.h"

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
	    "  clicks prune --older-than AGE   delete raw clicks older than "
	    "AGE (90d, 36h);\n"
	    "                                  the per-link rollups and stats "
	    "stay\n"
	    "  version                         print the version\n"
	    "\n"
	    "The database is -d, else $KURZ_DB, else " KZ_DEFAULT_DB ".\n",
	    stderr);
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

int
main(int argc, char *argv[])
{
	struct conf	 conf;
	struct store	*s;
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
	if (strcmp(argv[0], "migrate") != 0 && strcmp(argv[0], "key") != 0 &&
	    strcmp(argv[0], "clicks") != 0) {
		usage();
		return 2;
	}
	if ((s = store_open(db, conf.busy_ms, err, sizeof(err))) == NULL) {
		fprintf(stderr, "kurzctl: %s\n", err);
		return 1;
	}
	if (strcmp(argv[0], "migrate") == 0) {
		printf("%s: schema version %d\n", db, store_schema_version(s));
		rc = 0;
	} else if (strcmp(argv[0], "clicks") == 0)
		rc = cmd_clicks(s, argc - 1, argv + 1);
	else
		rc = cmd_key(s, argc - 1, argv + 1);
	store_close(s);
	return rc;
}
