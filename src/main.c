/*
 * main.c - kurz-fcgi: configuration, the store, signals, the accept loop.
 *
 * One request at a time. Signals that stop the worker are blocked except
 * while it waits in epoll_pwait(2), so SIGTERM always lands between requests:
 * the request in hand is finished, the buffered clicks are written, and
 * the worker exits 0. Clicks are written by a second thread with its own
 * connection (see clicks.c), so that no redirect waits behind a flush;
 * the signals are blocked in that thread for good, and only this one
 * takes them.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>

#include <sodium.h>

#include "arena.h"
#include "clicks.h"
#include "conf.h"
#include "fcgi.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "sandbox.h"
#include "store.h"

#define MAIN_BURST	64	/* requests served before looking at signals */
#define MAIN_EXIT_TRIES	20	/* flushes tried at shutdown, MAIN_EXIT_PAUSE apart */
#define MAIN_EXIT_PAUSE	250	/* ms */
#define MAIN_RETRY_MS	1000	/* a refused flush, a read-only store: try again after */

static volatile sig_atomic_t	stop, flush_now;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGUSR2, which multiwatch passes on: write the buffered clicks now. */
static void
on_flush(int sig)
{
	(void)sig;
	flush_now = 1;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * When epoll_pwait(2) returns because the socket is ready, a signal that came
 * meanwhile stays pending under the restored mask: a worker that is
 * never idle would never see it. Take such signals here, between
 * requests.
 */
static void
take_pending(const sigset_t *blocked)
{
	const struct timespec	zero = { 0, 0 };
	int			sig;

	while ((sig = sigtimedwait(blocked, NULL, &zero)) > 0) {
		if (sig == SIGUSR2)
			flush_now = 1;
		else
			stop = 1;
	}
}

static void
signals(sigset_t *waitmask, sigset_t *blocked)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGUSR1 };
	struct sigaction	 sa;
	sigset_t		 block;
	size_t			 i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&block);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < KZ_ARRAY_SIZE(sigs); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sa.sa_handler = on_flush;
	sigaction(SIGUSR2, &sa, NULL);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	*blocked = block;
	for (i = 0; i < KZ_ARRAY_SIZE(sigs); i++)
		sigdelset(waitmask, sigs[i]);
	sigdelset(waitmask, SIGUSR2);
}

/* Serve one request that is waiting; 0 when none was, -1 on a fatal error. */
static int
serve(struct fcgi *f, struct hctx *c, const struct conf *conf)
{
	struct req	 r;
	struct resp	 rs;
	const char	*why;
	enum kz_err	 err;
	int		 rc;

	arena_reset(c->a);
	rc = fcgi_accept(f, c->a, &r, conf->body_max * ROUTE_BODY_SCALE_MAX,
	    &err, &why);
	if (rc <= 0)
		return rc;
	resp_init(&rs);
	c->req = &r;
	c->resp = &rs;
	c->now_ms = now_ms();
	c->key_id = 0;
	c->scope = SCOPE_NONE;
	c->arg = NULL;
	if (err == KZ_OK)
		route_dispatch(c);
	else {
		resp_fail(&rs, c->a, err, NULL, NULL, "%s", why);
		resp_problem(&rs, c->a, err);
	}
	fcgi_respond(f, &r, &rs);
	return 1;
}

/*
 * Write the held clicks at exit, waiting the whole busy timeout for the
 * lock; false when the database refused them.
 */
static bool
flush(struct clicks *clicks, struct store *s)
{
	enum kz_err	err;

	if ((err = clicks_flush(clicks, s, 0)) != KZ_OK) {
		log_warn("%zu clicks held: the database refused them (%d); "
		    "retrying", clicks_pending(clicks), (int)err);
		return false;
	}
	return true;
}

int
main(int argc, char *argv[])
{
	struct conf	 conf;
	struct hctx	 c;
	struct fcgi	*f = NULL;
	struct store	*s = NULL, *fs = NULL;
	struct clicks	*clicks = NULL;
	struct arena	*a = NULL;
	struct epoll_event ev;
	int		 ep = -1;
	sigset_t	 waitmask, blocked;
	char		 err[512];
	int64_t		 reopen_at = 0;
	int		 due, i, rc, status = 1;

	if (argc > 1 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		puts("kurz-fcgi " PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: kurz-fcgi [-V]\n"
		    "configured by KURZ_* environment variables; started by "
		    "spawn-fcgi (see kurz-fcgi(8))\n");
		return 2;
	}
	if (conf_load(&conf, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "kurz-fcgi: %s\n", err);
		return 1;
	}
	log_init("kurz-fcgi", conf.log_level);
	signals(&waitmask, &blocked);
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	if ((f = fcgi_open(err, sizeof(err))) == NULL) {
		log_error("%s", err);
		return 1;
	}
	/* Opened here, after multiwatch's fork: one connection per process. */
	if ((s = store_open(conf.db, conf.busy_ms, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		goto out;
	}
	/* The flush thread's own: one connection per thread. */
	if ((fs = store_open(conf.db, conf.busy_ms, err, sizeof(err))) ==
	    NULL) {
		log_error("%s", err);
		goto out;
	}
	if (store_clicks_only(fs) == -1)
		goto out;
	if ((clicks = clicks_create(conf.click_batch, conf.click_flush_ms)) ==
	    NULL || (a = arena_create()) == NULL) {
		log_error("out of memory");
		goto out;
	}
	/* Before the filter, which then covers both threads. */
	if ((rc = clicks_start(clicks, fs, MAIN_RETRY_MS)) != 0) {
		log_error("cannot start the flush thread: %s", strerror(rc));
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.store = s;
	c.conf = &conf;
	c.clicks = clicks;
	log_info("ready on schema %d", store_schema_version(s));

	/*
	 * EPOLLEXCLUSIVE: a new connection wakes one idle worker, not all of
	 * them to race for it (and all but one to find nothing).
	 */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = fcgi_listen_fd(f);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1) {
		log_error("epoll: %s", strerror(errno));
		goto out;
	}
	/*
	 * Everything the worker opens at start is open now: from here on
	 * it may only serve (see sandbox.c).
	 */
	switch (sandbox_enter(err, sizeof(err))) {
	case SANDBOX_ENFORCE:
		log_debug("system calls restricted (seccomp)");
		break;
	case SANDBOX_LOG:
		log_warn("KURZ_SECCOMP=log: system calls outside the list are "
		    "allowed and logged by the kernel");
		break;
	case SANDBOX_OFF:
		log_warn("KURZ_SECCOMP=0: running without the system call "
		    "filter");
		break;
	default:
		log_error("%s", err);
		goto out;
	}
	while (!stop) {
		if (store_readonly(s) && now_ms() >= reopen_at) {
			/* A read-only file system may have become writable. */
			(void)store_reopen(s);
			reopen_at = now_ms() + MAIN_RETRY_MS;
		}
		if (flush_now) {
			flush_now = 0;
			clicks_kick(clicks);
		}
		due = store_readonly(s) ? MAIN_RETRY_MS : -1;
		rc = epoll_pwait(ep, &ev, 1, due, &waitmask);
		if (rc < 0 && errno != EINTR) {
			log_error("epoll_pwait: %s", strerror(errno));
			goto out;
		}
		if (rc <= 0)
			continue;
		for (i = 0; i < MAIN_BURST && !stop; i++) {
			if ((rc = serve(f, &c, &conf)) < 0)
				goto out;
			if (rc == 0)
				break;
		}
		take_pending(&blocked);
	}
	status = 0;
out:
	/* What the thread holds, and what came since, is written here. */
	if (clicks != NULL)
		clicks_stop(clicks);
	for (i = 0; clicks != NULL && clicks_pending(clicks) > 0 &&
	    i < MAIN_EXIT_TRIES; i++) {
		/* Nothing left to serve: wait the whole busy timeout. */
		if (!flush(clicks, s)) {
			struct timespec	pause = { 0, MAIN_EXIT_PAUSE * 1000000L };

			nanosleep(&pause, NULL);
		}
	}
	if (clicks != NULL && clicks_pending(clicks) > 0) {
		log_error("%zu clicks could not be written at exit",
		    clicks_pending(clicks));
		status = 1;
	}
	if (status == 0)
		log_info("stopping");
	clicks_free(clicks);
	arena_free(a);
	store_close(fs);
	store_close(s);
	fcgi_close(f);
	if (ep != -1)
		close(ep);
	return status;
}
