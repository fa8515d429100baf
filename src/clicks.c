/*
 * clicks.c - visits held in memory and written in batches, so that a
 * redirect never waits for the disk.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clicks.h"
#include "log.h"
#include "store.h"

struct clicks {
	struct click	*buf;
	size_t		 n, cap;
	size_t		 batch;
	unsigned	 flush_ms;
	int64_t		 oldest_ms;	/* time of buf[0] */
	size_t		 lost;		/* dropped past CLICKS_HELD_MAX */
};

struct clicks *
clicks_create(size_t batch, unsigned flush_ms)
{
	struct clicks	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->buf = calloc(batch, sizeof(*c->buf))) == NULL) {
		free(c);
		return NULL;
	}
	c->cap = c->batch = batch;
	c->flush_ms = flush_ms;
	return c;
}

void
clicks_free(struct clicks *c)
{
	if (c == NULL)
		return;
	free(c->buf);
	free(c);
}

/* Copy at most max bytes of s, never cutting a UTF-8 sequence in two. */
static void
copy_trunc(char *dst, const char *s, size_t max)
{
	size_t	n;

	if (s == NULL) {
		dst[0] = '\0';
		return;
	}
	n = strnlen(s, max + 1);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void
clicks_add(struct clicks *c, int64_t link_id, bool bump, bool bot,
    const char *referrer, const char *user_agent, int64_t now_ms)
{
	struct click	*k, *nbuf;
	size_t		 ncap;

	if (c->n == c->cap) {
		/* The database refused a flush: hold more, up to a bound. */
		ncap = c->cap * 2;
		if (ncap > CLICKS_HELD_MAX)
			ncap = CLICKS_HELD_MAX;
		if (ncap == c->cap ||
		    (nbuf = realloc(c->buf, ncap * sizeof(*nbuf))) == NULL) {
			if (c->lost++ % 1000 == 0)
				log_error("click buffer full (%zu held); "
				    "clicks are being lost", c->n);
			return;
		}
		c->buf = nbuf;
		c->cap = ncap;
	}
	if (c->n == 0)
		c->oldest_ms = now_ms;
	k = &c->buf[c->n++];
	k->link_id = link_id;
	k->ts_ms = now_ms;
	k->bump = bump;
	k->bot = bot;
	copy_trunc(k->referrer, referrer, KZ_REFERRER_MAX);
	copy_trunc(k->user_agent, user_agent, KZ_UA_MAX);
}

int
clicks_due(const struct clicks *c, int64_t now_ms)
{
	int64_t	left;

	if (c->n == 0)
		return -1;
	if (c->n >= c->batch)
		return 0;
	left = c->oldest_ms + c->flush_ms - now_ms;
	return left <= 0 ? 0 : (int)left;
}

size_t
clicks_pending(const struct clicks *c)
{
	return c->n;
}

enum kz_err
clicks_flush(struct clicks *c, struct store *s)
{
	enum kz_err	err;

	if (c->n == 0)
		return KZ_OK;
	if ((err = store_clicks_write(s, c->buf, c->n)) != KZ_OK)
		return err;
	c->n = 0;
	return KZ_OK;
}

/*
 * Crawlers and the fetchers that chat apps send to draw a preview. They
 * are stored, flagged, and not counted as visits.
 */
static const char *const bot_marks[] = {
	"bot", "crawl", "spider", "slurp", "facebookexternalhit",
	"facebookcatalog", "embedly", "whatsapp", "skypeuripreview",
	"bitlypreview", "preview", "mastodon", "pinterest", "quora link",
	"vkshare", "w3c_validator", "lighthouse",
};

bool
clicks_is_bot(const char *ua)
{
	size_t	i;

	if (ua == NULL)
		return false;
	for (i = 0; i < KZ_ARRAY_SIZE(bot_marks); i++)
		if (strcasestr(ua, bot_marks[i]) != NULL)
			return true;
	return false;
}
