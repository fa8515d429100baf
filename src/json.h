/*
 * json.h - json-c glue: request bodies into C, C into response bodies.
 * The only file that includes json-c.
 */
#ifndef KZ_JSON_H
#define KZ_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kz.h"
#include "store.h"

struct arena;
struct click_row;
struct instance_stats;
struct link;
struct stats_point;
struct stats_top;

/* The dimensions a stats report lists, in the order json_stats gives them. */
#define STATS_DIMS	5
extern const char *const json_stats_dims[STATS_DIMS];	/* store names */

/* A link's stats, as h_stats gathers them for json_stats(). */
struct stats_report {
	const char		*code;
	const char		*domain;
	int64_t			 from, to;	/* seconds, inclusive range */
	bool			 hourly;
	bool			 bots;		/* bots counted in visits */
	int64_t			 visits;
	int64_t			 uniques;
	int64_t			 bot_visits;
	const struct stats_point *series;	/* dense, one per bucket */
	size_t			 nseries;
	const struct stats_top	*top[STATS_DIMS];
	size_t			 ntop[STATS_DIMS];
};

/*
 * A link body with each member type-checked and copied into the arena,
 * its values not yet judged. A string member that was null is NULL.
 */
struct link_input {
	unsigned	 have;		/* enum link_field bits */
	unsigned	 nulls;		/* of those, the ones that were null */
	const char	*url;
	size_t		 url_len;
	const char	*code;
	size_t		 code_len;
	const char	*domain;
	size_t		 domain_len;
	const char	*title;
	size_t		 title_len;
	const char	**tags;
	size_t		*tag_lens;
	size_t		 ntags;
	const char	*expires_at;
	size_t		 expires_len;
	int64_t		 max_clicks;	/* 0 when null */
	int64_t		 redirect_status; /* 0 when null */
	const char	*notes;
	size_t		 notes_len;
	bool		 forward_query;	/* true when null */
	const char	*password;	/* plain text, to be hashed at once */
	size_t		 password_len;
};

/* Why a body was refused: a problem code, the member, a sentence. */
struct json_fail {
	enum kz_err	 err;
	const char	*code;
	const char	*field;
	const char	*detail;
};

/*
 * Parse body (len bytes) as one JSON object of link members. Strict
 * JSON, valid UTF-8, at most KZ_JSON_DEPTH deep, nothing after it.
 * KZ_BADREQ (invalid_json) when it is not such a document; KZ_INVALID
 * for an unknown member (unknown_field) or a member of the wrong type
 * (invalid_field); *f says which.
 */
enum kz_err	 json_link_input(struct arena *a, const char *body, size_t len,
		    struct link_input *in, struct json_fail *f);

/*
 * Parse a batch body {"links": [link, ...]} of 1 to max links into
 * *items (in a). On a link that is refused, *failed is its index and *f
 * says why; batch_too_large for an empty or oversized batch.
 */
enum kz_err	 json_batch_input(struct arena *a, const char *body,
		    size_t len, size_t max, struct link_input **items,
		    size_t *n, size_t *failed, struct json_fail *f);

/* One item of a batch answer: the link, or why it was refused. */
struct batch_item {
	const struct link	*link;		/* NULL when refused */
	const char		*short_base;
	int			 status;	/* of this item */
	const char		*code;		/* problem code when refused */
	const char		*field;
	const char		*detail;
};

/*
 * A batch answer: {"links": [...]} when every item was created, else a
 * problem of status with an "items" array naming each refused one.
 */
char		*json_batch(struct arena *a, const struct batch_item *it,
		    size_t n, int status, const char *detail, size_t *len);

/*
 * The link as a JSON object, in a; short_base is the origin that
 * short_url starts with ("https://s.example.com").
 */
char		*json_link(struct arena *a, const struct link *l,
		    const char *short_base, size_t *len);

/*
 * The link as one line of an export (NDJSON, with its newline): every
 * stored field, the id and short_url left out, the password hash in.
 * *len bytes, not NUL-terminated.
 */
char		*json_link_export(struct arena *a, const struct link *l,
		    size_t *len);

/*
 * Parse one line of an export back into l (strings in a), for import.
 * Fields are checked for type only; the caller judges values.
 */
enum kz_err	 json_link_import(struct arena *a, const char *line,
		    size_t len, struct link *l, struct json_fail *f);

/* A JSON array of link objects, as a list answers: {"links":[…],…}. */
char		*json_link_list(struct arena *a, const struct link *l,
		    size_t n, const char *const *short_bases,
		    const char *next_cursor, int64_t total, bool with_total,
		    size_t *len);

/* The stats report as JSON, in a. */
char		*json_stats(struct arena *a, const struct stats_report *r,
		    size_t *len);

/* The instance's totals as JSON, in a. */
char		*json_instance(struct arena *a, const struct instance_stats *s,
		    size_t *len);

/* One raw click as a line of NDJSON (with its newline), in a. */
char		*json_click(struct arena *a, const struct click_row *c,
		    size_t *len);

/* An RFC 9457 problem body, in a. field may be NULL. */
char		*json_problem(struct arena *a, int status, const char *title,
		    const char *detail, const char *code, const char *field,
		    size_t *len);

#endif
