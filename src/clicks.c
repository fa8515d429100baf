/*
 * clicks.c - visits held in memory and written in batches, so that a
 * redirect never waits for the disk.
 *
 * A held click keeps its strings in one pool, by offset, so that a
 * buffer of short user agents costs what they hold, not their limits.
 *
 * In the worker a thread of its own writes the clicks (clicks_start),
 * on a connection of its own: a flush of a few thousand clicks spread
 * over many links takes a few hundred milliseconds (B-tree work, the
 * WAL's fsync, the checkpoint that follows), and a redirect must not
 * wait for it. There are two batches: the serving thread adds to one
 * while the flush thread writes the other; they swap under the mutex
 * when the one being filled is due. The mutex is held only to add a
 * click or to swap, never across a write.
 */
#include "config.h"

#include <sys/resource.h>

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clicks.h"
#include "kz.h"
#include "log.h"
#include "store.h"
#include "ua.h"
#include "valid.h"

#define NO_STR		((uint32_t)-1)
#define IP_MAX		64		/* an IPv6 text form fits */
#define FLUSH_NICE	10		/* the flush thread's, against serving */

struct held {
	int64_t		 link_id;
	int64_t		 ts_ms;
	bool		 counted;
	uint32_t	 code, referrer, user_agent, ip, country;
};

/* Clicks held, with their strings. */
struct batch {
	struct held	*buf;
	size_t		 n, cap;
	char		*pool;
	size_t		 pool_len, pool_cap;
	/*
	 * batch_write()'s room for the enriched clicks, kept from one write
	 * to the next (see store.c's rolls).
	 */
	struct click	*out;
	char		(*hosts)[KZ_DOMAIN_MAX + 1];
	size_t		 room;
};

struct clicks {
	struct batch	 b[2];
	struct batch	*in;		/* clicks_add fills it */
	struct batch	*out;		/* the flush thread writes it */
	size_t		 batch;
	unsigned	 flush_ms;
	size_t		 lost;		/* dropped past CLICKS_HELD_MAX */

	/* The flush thread; all below is under mu once it runs. */
	bool		 threaded;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a click came, a kick, the stop */
	pthread_cond_t	 swapped;	/* in is a new, empty batch */
	struct store	*store;		/* the thread's own connection */
	unsigned	 retry_ms;
	bool		 running, kick, stop;
	bool		 refused;	/* the last write failed */
};

static bool
batch_init(struct batch *b, size_t batch)
{
	b->cap = batch;
	b->pool_cap = batch * 256;
	return (b->buf = calloc(b->cap, sizeof(*b->buf))) != NULL &&
	    (b->pool = malloc(b->pool_cap)) != NULL;
}

struct clicks *
clicks_create(size_t batch, unsigned flush_ms)
{
	struct clicks	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (!batch_init(&c->b[0], batch) || !batch_init(&c->b[1], batch)) {
		clicks_free(c);
		return NULL;
	}
	c->in = &c->b[0];
	c->out = &c->b[1];
	c->batch = batch;
	c->flush_ms = flush_ms;
	return c;
}

void
clicks_free(struct clicks *c)
{
	size_t	i;

	if (c == NULL)
		return;
	assert(!c->threaded);
	for (i = 0; i < KZ_ARRAY_SIZE(c->b); i++) {
		free(c->b[i].buf);
		free(c->b[i].pool);
		free(c->b[i].out);
		free(c->b[i].hosts);
	}
	free(c);
}

/* The length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t	len;

	if (s[0] < 0x80)
		return 1;
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (len == 0 || len > n || !valid_utf8((const char *)s, len))
		return 0;
	return len;
}

/*
 * Copy at most max bytes of s into the pool, never cutting a UTF-8
 * sequence in two, with control characters and bytes that are not
 * UTF-8 replaced by '?': a visitor's headers are kept, whatever they
 * hold, and never break the JSON or CSV they are exported in. NO_STR
 * for NULL or when memory runs out.
 */
static uint32_t
pool_put(struct batch *c, const char *s, size_t max)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n, i, k, need, ncap;
	char			*np, *d;
	uint32_t		 off;

	if (s == NULL)
		return NO_STR;
	n = strnlen(s, max);
	need = c->pool_len + n + 1;
	if (need > UINT32_MAX - 1)
		return NO_STR;
	if (need > c->pool_cap) {
		for (ncap = c->pool_cap * 2; ncap < need; ncap *= 2)
			;
		if ((np = realloc(c->pool, ncap)) == NULL)
			return NO_STR;
		c->pool = np;
		c->pool_cap = ncap;
	}
	off = (uint32_t)c->pool_len;
	d = c->pool + off;
	for (i = 0; i < n; i += k) {
		if ((k = utf8_seq(u + i, n - i)) == 0) {
			/* A sequence cut by the limit ends the copy. */
			if (u[i] >= 0xc0 && n == max && n - i < 4)
				break;
			*d++ = '?';
			k = 1;
		} else if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f))
			*d++ = '?';
		else {
			memcpy(d, u + i, k);
			d += k;
		}
	}
	*d++ = '\0';
	c->pool_len = (size_t)(d - c->pool);
	return off;
}

static const char *
pool_get(const struct batch *c, uint32_t off)
{
	return off == NO_STR ? NULL : c->pool + off;
}

/* Room for one more click: grow while the database refuses, to a bound. */
static bool
room(struct batch *c)
{
	struct held	*nbuf;
	size_t		 ncap;

	if (c->n < c->cap)
		return true;
	ncap = c->cap * 2 > CLICKS_HELD_MAX ? CLICKS_HELD_MAX : c->cap * 2;
	if (ncap == c->cap ||
	    (nbuf = realloc(c->buf, ncap * sizeof(*nbuf))) == NULL)
		return false;
	c->buf = nbuf;
	c->cap = ncap;
	return true;
}

/* Two capital letters, as nginx's GeoIP module gives them. */
static const char *
country(const char *s)
{
	if (s == NULL || strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' ||
	    s[1] < 'A' || s[1] > 'Z')
		return NULL;
	return s;
}

void
clicks_add(struct clicks *c, const struct click_in *in)
{
	struct batch	*b;
	struct held	*h;

	if (c->threaded)
		pthread_mutex_lock(&c->mu);
	b = c->in;
	while (!room(b)) {
		/*
		 * While the database takes them, only slower than they
		 * come, wait for the flush thread to take this batch: a
		 * full buffer is written, not dropped. Only clicks that
		 * the database refuses are lost past the bound.
		 */
		if (c->threaded && !c->refused && !c->stop) {
			pthread_cond_wait(&c->swapped, &c->mu);
			b = c->in;
			continue;
		}
		if (c->lost++ % 1000 == 0)
			log_error("click buffer full (%zu held); clicks are "
			    "being lost", b->n);
		goto out;
	}
	h = &b->buf[b->n++];
	h->link_id = in->link_id;
	h->ts_ms = in->ts_ms;
	h->counted = in->counted;
	h->code = in->link_id == 0 ? pool_put(b, in->code, KZ_CODE_MAX) :
	    NO_STR;
	h->referrer = pool_put(b, in->referrer, KZ_REFERRER_MAX);
	h->user_agent = pool_put(b, in->user_agent, KZ_UA_MAX);
	h->ip = pool_put(b, in->ip, IP_MAX);
	h->country = pool_put(b, country(in->country), 2);
	/*
	 * The flush thread sleeps without a deadline while nothing is held:
	 * the first click gives it one, a full batch ends it.
	 */
	if (c->threaded && (b->n == 1 || b->n == c->batch))
		pthread_cond_signal(&c->cv);
out:
	if (c->threaded)
		pthread_mutex_unlock(&c->mu);
}

/* clicks_due() of the batch being filled; under mu when threaded. */
static int
due(const struct clicks *c, int64_t now_ms)
{
	int64_t	left;

	if (c->in->n == 0)
		return -1;
	if (c->in->n >= c->batch)
		return 0;
	left = c->in->buf[0].ts_ms + c->flush_ms - now_ms;
	return left <= 0 ? 0 : (int)left;
}

int
clicks_due(const struct clicks *c, int64_t now_ms)
{
	assert(!c->threaded);
	return due(c, now_ms);
}

size_t
clicks_pending(const struct clicks *c)
{
	assert(!c->threaded);
	return c->in->n + c->out->n;
}

size_t
clicks_lost(const struct clicks *c)
{
	assert(!c->threaded);
	return c->lost;
}

bool
clicks_referrer_host(const char *ref, char *out)
{
	unsigned char	 addr[16];
	const char	*p, *h, *end;
	size_t		 n, i;

	if (ref == NULL || (p = strstr(ref, "://")) == NULL)
		return false;
	h = p + 3;
	n = strcspn(h, "/?#");
	/* Credentials are not part of the host, and are not kept. */
	for (i = n; i > 0; i--)
		if (h[i - 1] == '@') {
			h += i;
			n -= i;
			break;
		}
	if (h[0] == '[') {
		/* An IPv6 literal, kept with its brackets, without the port. */
		if ((end = memchr(h, ']', n)) == NULL)
			return false;
		n = (size_t)(end - h) + 1;
		if (n - 2 > KZ_DOMAIN_MAX - 2 || n < 3)
			return false;
		memcpy(out, h + 1, n - 2);
		out[n - 2] = '\0';
		if (inet_pton(AF_INET6, out, addr) != 1)
			return false;
	} else if (strcspn(h, ":") < n)
		n = strcspn(h, ":");
	if (n == 0 || n > KZ_DOMAIN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char ch = h[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + ('a' - 'A'));
		out[i] = ch;
	}
	out[n] = '\0';
	return h[0] == '[' || valid_domain(out, n);
}

/* The salt of a day, asked of the store once a batch and day. */
struct salt {
	int64_t		day;		/* -1: none yet */
	unsigned char	key[STORE_SALT_LEN];
};

/*
 * The visitor hash: BLAKE2b keyed with the day's salt over address and
 * user agent. Unique per day; unlinkable once the salt is gone.
 */
static enum kz_err
visitor(struct store *s, struct salt *salt, int64_t day, const char *ip,
    const char *ua, unsigned char out[STORE_VISITOR_LEN])
{
	crypto_generichash_state	st;
	unsigned char			cand[STORE_SALT_LEN];
	enum kz_err			err;

	if (salt->day != day) {
		/* The candidate is kept only if the day has no salt yet. */
		randombytes_buf(cand, sizeof(cand));
		if ((err = store_salt(s, day, cand, salt->key)) != KZ_OK)
			return err;
		salt->day = day;
	}
	crypto_generichash_init(&st, salt->key, sizeof(salt->key),
	    STORE_VISITOR_LEN);
	crypto_generichash_update(&st, (const unsigned char *)ip, strlen(ip));
	crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
	if (ua != NULL)
		crypto_generichash_update(&st, (const unsigned char *)ua,
		    strlen(ua));
	crypto_generichash_final(&st, out, STORE_VISITOR_LEN);
	return KZ_OK;
}

/*
 * Enrich and write the clicks of b in one transaction, waiting at most
 * wait_ms for the lock (0: the busy timeout); b is emptied on KZ_OK.
 */
static enum kz_err
batch_write(struct batch *c, struct store *s, unsigned wait_ms)
{
	struct click	*out;
	struct ua_info	 ua;
	struct salt	 salt = { .day = -1 };
	char		(*hosts)[KZ_DOMAIN_MAX + 1];
	const char	*ip;
	enum kz_err	 err = KZ_OK;
	size_t		 i, n;

	if (c->n == 0)
		return KZ_OK;
	if (c->n > c->room) {
		/* Each write fills them anew: their content is not kept. */
		if ((out = reallocarray(c->out, c->n, sizeof(*out))) == NULL)
			return KZ_SYSTEM;
		c->out = out;
		if ((hosts = reallocarray(c->hosts, c->n,
		    sizeof(*hosts))) == NULL)
			return KZ_SYSTEM;
		c->hosts = hosts;
		c->room = c->n;
	}
	out = c->out;
	store_busy_wait(s, wait_ms);
	for (i = 0, n = 0; i < c->n; i++) {
		const struct held	*h = &c->buf[i];
		struct click		*k = &out[n];
		const char		*agent = pool_get(c, h->user_agent);

		if (store_clicks_cancelled(s)) {
			err = KZ_BUSY;
			goto done;
		}
		memset(k, 0, sizeof(*k));
		ua_parse(agent != NULL ? agent : "", agent != NULL ?
		    strlen(agent) : 0, &ua);
		k->bot = strcmp(ua.device, "bot") == 0;
		if (h->link_id == 0 && k->bot)
			continue;	/* crawlers' misses say nothing */
		n++;
		k->link_id = h->link_id;
		k->code = pool_get(c, h->code);
		k->ts_ms = h->ts_ms;
		k->bump = !h->counted && !k->bot;
		k->referrer = pool_get(c, h->referrer);
		k->user_agent = agent;
		k->country = pool_get(c, h->country);
		if (clicks_referrer_host(k->referrer, c->hosts[i]))
			k->referrer_host = c->hosts[i];
		k->browser = ua.browser;
		k->os = ua.os;
		k->device = ua.device;
		if (k->link_id != 0 && !k->bot &&
		    (ip = pool_get(c, h->ip)) != NULL) {
			if ((err = visitor(s, &salt, k->ts_ms / 86400000, ip,
			    k->user_agent, k->visitor)) != KZ_OK)
				goto done;
			k->has_visitor = true;
		}
	}
	if ((err = store_clicks_write(s, out, n)) == KZ_OK) {
		c->n = 0;
		c->pool_len = 0;
	}
done:
	sodium_memzero(&salt, sizeof(salt));
	store_busy_wait(s, 0);
	return err;
}

enum kz_err
clicks_flush(struct clicks *c, struct store *s, unsigned wait_ms)
{
	enum kz_err	err;

	assert(!c->threaded);
	/* The older clicks first: a batch the thread could not write. */
	if ((err = batch_write(c->out, s, wait_ms)) != KZ_OK)
		return err;
	return batch_write(c->in, s, wait_ms);
}

static void
log_refused(size_t n, enum kz_err err)
{
	if (err == KZ_BUSY)
		log_info("%zu clicks held: the database is busy; retrying", n);
	else
		log_warn("%zu clicks held: the database refused them (%d); "
		    "retrying", n, (int)err);
}

/* Wait on cv until ms from now, or without end for ms < 0; under mu. */
static void
wait_for(struct clicks *c, int ms)
{
	struct timespec	ts;

	if (ms < 0) {
		pthread_cond_wait(&c->cv, &c->mu);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

static int64_t
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The flush thread: wait until the batch being filled is due (full,
 * old enough, or kicked), swap it for the empty one, write that outside
 * the mutex. A batch the database refuses stays in out and is tried
 * again every retry_ms, while the serving thread goes on filling in;
 * both are written, oldest first, before the next swap.
 */
static void *
clicks_run(void *arg)
{
	struct clicks	*c = arg;
	struct batch	*t;
	enum kz_err	 err;
	int64_t		 retry_at;
	int		 ms;

	/*
	 * Redirects first: when the CPUs are busy the flush gets less of
	 * them and its batches grow, which makes each click cheaper to
	 * write (a batch rewrites the rollup pages it touches once). On
	 * Linux a thread has a nice value of its own. Not SCHED_IDLE: the
	 * flush holds the write lock, and a create waiting for it behind
	 * a thread that gets no CPU waits long (mix p99 167 -> 514 ms).
	 */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), FLUSH_NICE) == -1)
		log_warn("flush thread: setpriority: %s", strerror(errno));
	pthread_mutex_lock(&c->mu);
	c->running = true;
	pthread_cond_broadcast(&c->cv);
	while (!c->stop) {
		if (c->out->n == 0) {
			if (!c->kick && (ms = due(c, wall_ms())) != 0) {
				wait_for(c, ms);
				continue;
			}
			c->kick = false;
			t = c->in;
			c->in = c->out;
			c->out = t;
			pthread_cond_broadcast(&c->swapped);
		}
		if (c->out->n == 0)
			continue;	/* a kick with nothing held */
		pthread_mutex_unlock(&c->mu);
		if (store_readonly(c->store))
			(void)store_reopen(c->store);
		err = batch_write(c->out, c->store, 0);
		pthread_mutex_lock(&c->mu);
		if (err != KZ_OK && c->stop)
			break;		/* cancelled: clicks_flush() writes it */
		c->refused = err != KZ_OK;
		if (err != KZ_OK) {
			/* A serving thread waiting for room drops instead. */
			pthread_cond_broadcast(&c->swapped);
			log_refused(c->out->n + c->in->n, err);
			/* Clicks that come meanwhile wake it too early. */
			retry_at = wall_ms() + c->retry_ms;
			while (!c->stop && (ms = (int)(retry_at - wall_ms())) > 0)
				wait_for(c, ms);
		}
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
clicks_start(struct clicks *c, struct store *s, unsigned retry_ms)
{
	pthread_condattr_t	ca;
	int			e;

	assert(!c->threaded);

	c->store = s;
	c->retry_ms = retry_ms;
	c->kick = c->stop = c->refused = false;
	if ((e = pthread_mutex_init(&c->mu, NULL)) != 0)
		return e;
	/* Deadlines on the monotonic clock: a clock step does not move them. */
	if ((e = pthread_condattr_init(&ca)) != 0 ||
	    (e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (e = pthread_cond_init(&c->cv, &ca)) != 0) {
		pthread_mutex_destroy(&c->mu);
		return e;
	}
	pthread_condattr_destroy(&ca);
	if ((e = pthread_cond_init(&c->swapped, NULL)) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		return e;
	}
	c->threaded = true;
	c->running = false;
	if ((e = pthread_create(&c->thread, NULL, clicks_run, c)) != 0) {
		c->threaded = false;
		pthread_cond_destroy(&c->swapped);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		return e;
	}
	/*
	 * Return once the thread runs: the system calls that start a thread
	 * (rseq, set_robust_list) are then behind it, and a filter loaded
	 * after this need not allow them.
	 */
	pthread_mutex_lock(&c->mu);
	while (!c->running)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

void
clicks_kick(struct clicks *c)
{
	if (!c->threaded)
		return;
	pthread_mutex_lock(&c->mu);
	c->kick = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void
clicks_stop(struct clicks *c)
{
	if (!c->threaded)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	/*
	 * The batch in hand is given up, not finished: the flush thread runs
	 * at nice 10, and on busy CPUs it takes a second or more over a
	 * second's clicks while this worker, stopping, serves no one (on idle
	 * CPUs a stop in a batch of 100,000 took 0.58 s this way and 1 ms
	 * given up; t_clicks). The caller's clicks_flush() writes it, at the
	 * caller's priority.
	 */
	store_clicks_cancel(c->store, true);
	pthread_join(c->thread, NULL);
	store_clicks_cancel(c->store, false);
	pthread_cond_destroy(&c->swapped);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	c->threaded = false;
	c->store = NULL;
}
