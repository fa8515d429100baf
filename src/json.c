/*
 * json.c - json-c meets kurz here and nowhere else.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "json.h"
#include "store.h"
#include "valid.h"

#define JSON_OUT_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const struct {
	const char	*name;
	enum link_field	 bit;
} link_members[] = {
	{ "url", LF_URL },
	{ "code", LF_CODE },
	{ "domain", LF_DOMAIN },
	{ "title", LF_TITLE },
	{ "tags", LF_TAGS },
	{ "expires_at", LF_EXPIRES_AT },
	{ "max_clicks", LF_MAX_CLICKS },
	{ "redirect_status", LF_REDIRECT_STATUS },
	{ "notes", LF_NOTES },
	{ "forward_query", LF_FORWARD_QUERY },
	{ "password", LF_PASSWORD },
};

static enum kz_err
fail(struct json_fail *f, enum kz_err err, const char *code,
    const char *field, const char *detail)
{
	f->err = err;
	f->code = code;
	f->field = field;
	f->detail = detail;
	return err;
}

/* Copy a string member (or NULL for null). -1 when it is another type. */
static int
member_string(struct arena *a, json_object *v, const char **out,
    size_t *len)
{
	if (v == NULL) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*len = (size_t)json_object_get_string_len(v);
	*out = arena_strndup(a, json_object_get_string(v), *len);
	return 0;
}

static int
member_int(json_object *v, int64_t *out)
{
	if (v == NULL) {
		*out = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static int
member_tags(struct arena *a, json_object *v, struct link_input *in)
{
	size_t	i, n;

	in->ntags = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return -1;
	n = json_object_array_length(v);
	if (n > KZ_TAGS_MAX)
		return -2;
	in->tags = arena_alloc(a, (n + 1) * sizeof(*in->tags));
	in->tag_lens = arena_alloc(a, (n + 1) * sizeof(*in->tag_lens));
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(v, i);

		if (t == NULL || !json_object_is_type(t, json_type_string))
			return -1;
		if (member_string(a, t, &in->tags[i], &in->tag_lens[i]) == -1)
			return -1;
	}
	in->ntags = n;
	return 0;
}

/*
 * Whether a string in the document holds a raw control character, which
 * JSON forbids and json-c lets through.
 */
static bool
raw_control_in_string(const char *s, size_t len)
{
	bool	in = false, esc = false;
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!in) {
			in = c == '"';
			continue;
		}
		if (esc)
			esc = false;
		else if (c == '\\')
			esc = true;
		else if (c == '"')
			in = false;
		else if (c < 0x20)
			return true;
	}
	return false;
}

/* Whether a value holds NaN or an infinity, which are not JSON. */
static bool
has_nonfinite(json_object *o)
{
	size_t	i, n;
	double	d;

	switch (json_object_get_type(o)) {
	case json_type_double:
		d = json_object_get_double(o);
		return d != d || d > 1.7976931348623157e308 ||
		    d < -1.7976931348623157e308;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (has_nonfinite(json_object_array_get_idx(o, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (has_nonfinite(v))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/* Parse one strict JSON document; NULL with *f set when it is not one. */
static json_object *
json_parse(const char *body, size_t len, struct json_fail *f)
{
	json_tokener	*tok;
	json_object	*o = NULL;
	enum json_tokener_error	 jerr;

	if (len == 0) {
		fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the request body is empty; send a JSON object");
		return NULL;
	}
	if (len > (size_t)INT32_MAX ||
	    (tok = json_tokener_new_ex(KZ_JSON_DEPTH)) == NULL) {
		fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the request body cannot be parsed");
		return NULL;
	}
	if (!valid_utf8(body, len)) {
		json_tokener_free(tok);
		fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the request body is not valid UTF-8");
		return NULL;
	}
	if (raw_control_in_string(body, len)) {
		json_tokener_free(tok);
		fail(f, KZ_BADREQ, "invalid_json", NULL, "a string in the "
		    "request body holds a raw control character; escape it");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		const char *why = "the request body is not valid JSON";

		if (jerr == json_tokener_error_depth)
			why = "the request body is nested too deeply";
		else if (jerr == json_tokener_error_parse_utf8_string)
			why = "the request body is not valid UTF-8";
		else if (jerr == json_tokener_continue)
			why = "the request body ends in the middle of a value";
		json_object_put(o);
		o = NULL;
		fail(f, KZ_BADREQ, "invalid_json", NULL, why);
	} else if (json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		o = NULL;
		fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the request body has data after the JSON value");
	} else if (has_nonfinite(o)) {
		json_object_put(o);
		o = NULL;
		fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "NaN and Infinity are not JSON numbers");
	}
	json_tokener_free(tok);
	return o;
}

/* The members of one link object, type-checked, into in. */
static enum kz_err
link_object_input(struct arena *a, json_object *o, struct link_input *in,
    struct json_fail *f)
{
	json_object	*v[KZ_ARRAY_SIZE(link_members)] = { NULL };
	enum kz_err	 err = KZ_OK;
	size_t		 i;
	int		 rc;

	memset(in, 0, sizeof(*in));
	in->forward_query = true;
	if (!json_object_is_type(o, json_type_object))
		return fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "a link must be a JSON object");
	json_object_object_foreach(o, key, val) {
		for (i = 0; i < KZ_ARRAY_SIZE(link_members); i++)
			if (strcmp(key, link_members[i].name) == 0)
				break;
		if (i == KZ_ARRAY_SIZE(link_members)) {
			return fail(f, KZ_INVALID, "unknown_field",
			    strlen(key) <= KZ_CODE_MAX ? arena_strdup(a, key) :
			    "(long name)", strlen(key) <= KZ_CODE_MAX ?
			    arena_printf(a, "\"%s\" is not a field of a link",
			    key) : "a field name is longer than any field of a "
			    "link");
		}
		in->have |= link_members[i].bit;
		if (val == NULL)
			in->nulls |= link_members[i].bit;
		v[i] = val;
	}
	if (member_string(a, v[0], &in->url, &in->url_len) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "url",
		    "url must be a string");
	else if (member_string(a, v[1], &in->code, &in->code_len) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "code",
		    "code must be a string or null");
	else if (member_string(a, v[2], &in->domain, &in->domain_len) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "domain",
		    "domain must be a string");
	else if (member_string(a, v[3], &in->title, &in->title_len) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "title",
		    "title must be a string or null");
	else if ((rc = member_tags(a, v[4], in)) != 0)
		err = fail(f, KZ_INVALID, "invalid_field", "tags", rc == -2 ?
		    "a link has at most 32 tags" :
		    "tags must be an array of strings");
	else if (member_string(a, v[5], &in->expires_at, &in->expires_len) ==
	    -1)
		err = fail(f, KZ_INVALID, "invalid_field", "expires_at",
		    "expires_at must be an RFC 3339 time string or null");
	else if (member_int(v[6], &in->max_clicks) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "max_clicks",
		    "max_clicks must be a whole number or null");
	else if (member_int(v[7], &in->redirect_status) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "redirect_status",
		    "redirect_status must be one of 301, 302, 307, 308");
	else if (member_string(a, v[8], &in->notes, &in->notes_len) == -1)
		err = fail(f, KZ_INVALID, "invalid_field", "notes",
		    "notes must be a string or null");
	else if (v[9] != NULL && !json_object_is_type(v[9], json_type_boolean))
		err = fail(f, KZ_INVALID, "invalid_field", "forward_query",
		    "forward_query must be true or false");
	else if (member_string(a, v[10], &in->password, &in->password_len) ==
	    -1)
		err = fail(f, KZ_INVALID, "invalid_field", "password",
		    "password must be a string or null");
	if (err == KZ_OK && v[9] != NULL)
		in->forward_query = json_object_get_boolean(v[9]);
	return err;
}

/* Parse a body; NULL with *f set when it is not one JSON document. */
static json_object *
body_parse(const char *body, size_t len, struct json_fail *f)
{
	/* The body is what nginx sent; a NUL in it is not JSON. */
	if (memchr(body, '\0', len) != NULL) {
		fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the request body holds a NUL byte");
		return NULL;
	}
	return json_parse(body, len, f);
}

enum kz_err
json_link_input(struct arena *a, const char *body, size_t len,
    struct link_input *in, struct json_fail *f)
{
	json_object	*o;
	enum kz_err	 err;

	memset(in, 0, sizeof(*in));
	if ((o = body_parse(body, len, f)) == NULL)
		return f->err;
	if (!json_object_is_type(o, json_type_object))
		err = fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the request body must be a JSON object");
	else
		err = link_object_input(a, o, in, f);
	json_object_put(o);
	return err;
}

enum kz_err
json_batch_input(struct arena *a, const char *body, size_t len,
    size_t max, struct link_input **items, size_t *n, size_t *failed,
    struct json_fail *f)
{
	json_object	*o, *arr = NULL;
	enum kz_err	 err = KZ_OK;
	size_t		 i;

	*n = 0;
	*failed = (size_t)-1;
	if ((o = body_parse(body, len, f)) == NULL)
		return f->err;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "links", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    json_object_object_length(o) != 1) {
		err = fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "the body must be {\"links\": [ ... ]}");
		goto out;
	}
	*n = json_object_array_length(arr);
	if (*n == 0 || *n > max) {
		err = fail(f, KZ_INVALID, "batch_too_large", "links",
		    arena_printf(a, "a batch holds 1 to %zu links", max));
		goto out;
	}
	*items = arena_alloc(a, *n * sizeof(**items));
	for (i = 0; i < *n && err == KZ_OK; i++) {
		err = link_object_input(a, json_object_array_get_idx(arr, i),
		    &(*items)[i], f);
		if (err != KZ_OK)
			*failed = i;
	}
out:
	json_object_put(o);
	return err;
}

static json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static json_object *
time_or_null(int64_t t)
{
	char	buf[VALID_TIME_LEN + 1];

	if (t == 0)
		return NULL;
	valid_time_format(t, buf);
	return json_object_new_string(buf);
}

static json_object *
int_or_null(int64_t v)
{
	return v != 0 ? json_object_new_int64(v) : NULL;
}

/* Serialise o into the arena and drop it. */
static char *
json_finish(struct arena *a, json_object *o, size_t *len)
{
	const char	*s;
	size_t		 n;
	char		*out;

	s = json_object_to_json_string_length(o, JSON_OUT_FLAGS, &n);
	out = arena_strndup(a, s, n);
	json_object_put(o);
	*len = n;
	return out;
}

/*
 * A link as an object: as the API shows it (short_base set), or as an
 * export keeps it (short_base NULL: no short_url, the password hash in).
 */
static json_object *
link_object(struct arena *a, const struct link *l, const char *short_base)
{
	json_object	*o = json_object_new_object(), *tags;
	size_t		 i;

	json_object_object_add(o, "code", json_object_new_string(l->code));
	json_object_object_add(o, "domain", json_object_new_string(
	    l->domain != NULL ? l->domain : ""));
	json_object_object_add(o, "url", json_object_new_string(l->url));
	if (short_base != NULL)
		json_object_object_add(o, "short_url", json_object_new_string(
		    arena_printf(a, "%s/%s", short_base, l->code)));
	json_object_object_add(o, "title", str_or_null(l->title));
	json_object_object_add(o, "notes", str_or_null(l->notes));
	tags = json_object_new_array_ext((int)l->ntags);
	for (i = 0; i < l->ntags; i++)
		json_object_array_add(tags, json_object_new_string(l->tags[i]));
	json_object_object_add(o, "tags", tags);
	json_object_object_add(o, "redirect_status",
	    json_object_new_int(l->redirect_status));
	json_object_object_add(o, "forward_query",
	    json_object_new_boolean(l->forward_query));
	if (short_base != NULL)
		json_object_object_add(o, "password_protected",
		    json_object_new_boolean(l->password_hash != NULL));
	else
		json_object_object_add(o, "password_hash",
		    str_or_null(l->password_hash));
	json_object_object_add(o, "expires_at", time_or_null(l->expires_at));
	json_object_object_add(o, "max_clicks", int_or_null(l->max_clicks));
	json_object_object_add(o, "clicks", json_object_new_int64(l->clicks));
	json_object_object_add(o, "created_at", time_or_null(l->created_at));
	json_object_object_add(o, "updated_at", time_or_null(l->updated_at));
	json_object_object_add(o, "deleted_at", time_or_null(l->deleted_at));
	json_object_object_add(o, "version", json_object_new_int64(l->version));
	return o;
}

char *
json_link(struct arena *a, const struct link *l, const char *short_base,
    size_t *len)
{
	return json_finish(a, link_object(a, l, short_base), len);
}

char *
json_link_export(struct arena *a, const struct link *l, size_t *len)
{
	char	*line = json_finish(a, link_object(a, l, NULL), len);

	line[(*len)++] = '\n';	/* over the NUL json_finish left room for */
	return line;
}

char *
json_link_list(struct arena *a, const struct link *l, size_t n,
    const char *const *short_bases, const char *next_cursor, int64_t total,
    bool with_total, size_t *len)
{
	json_object	*o = json_object_new_object(), *arr;
	size_t		 i;

	arr = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++)
		json_object_array_add(arr, link_object(a, &l[i],
		    short_bases[i]));
	json_object_object_add(o, "links", arr);
	json_object_object_add(o, "next_cursor", str_or_null(next_cursor));
	if (with_total)
		json_object_object_add(o, "total", json_object_new_int64(total));
	return json_finish(a, o, len);
}

char *
json_batch(struct arena *a, const struct batch_item *it, size_t n,
    int status, const char *detail, size_t *len)
{
	json_object	*o = json_object_new_object(), *arr, *e;
	size_t		 i;

	arr = json_object_new_array();
	if (status < 300) {
		for (i = 0; i < n; i++)
			json_object_array_add(arr, link_object(a, it[i].link,
			    it[i].short_base));
		json_object_object_add(o, "links", arr);
		return json_finish(a, o, len);
	}
	json_object_object_add(o, "type", json_object_new_string("about:blank"));
	json_object_object_add(o, "title", json_object_new_string(
	    status == 409 ? "Conflict" : "Unprocessable Content"));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "code", json_object_new_string(
	    status == 409 ? "code_taken" : "invalid_batch"));
	for (i = 0; i < n; i++) {
		if (it[i].code == NULL)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "index", json_object_new_int64(
		    (int64_t)i));
		json_object_object_add(e, "status",
		    json_object_new_int(it[i].status));
		json_object_object_add(e, "code",
		    json_object_new_string(it[i].code));
		json_object_object_add(e, "field", str_or_null(it[i].field));
		json_object_object_add(e, "detail",
		    json_object_new_string(it[i].detail));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "items", arr);
	return json_finish(a, o, len);
}

/* A string member with no NUL inside (or null). -1: anything else. */
static int
member_text(struct arena *a, json_object *v, const char **out, size_t *len)
{
	if (member_string(a, v, out, len) == -1 ||
	    (*out != NULL && strlen(*out) != *len))
		return -1;
	return 0;
}

/* A time member of an export: RFC 3339 or null (0). -1: neither. */
static int
member_time(json_object *v, int64_t *out)
{
	const char	*s;

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	return valid_time(s, (size_t)json_object_get_string_len(v), out) ?
	    0 : -1;
}

enum kz_err
json_link_import(struct arena *a, const char *line, size_t len,
    struct link *l, struct json_fail *f)
{
	static const char *const names[] = {
		"code", "domain", "url", "title", "notes", "tags",
		"redirect_status", "forward_query", "password_hash",
		"expires_at", "max_clicks", "clicks", "created_at",
		"updated_at", "deleted_at", "version",
	};
	json_object	*o, *v[KZ_ARRAY_SIZE(names)] = { NULL };
	struct link_input in = { 0 };
	enum kz_err	 err = KZ_OK;
	const char	*bad = NULL;
	size_t		 i, n;
	int64_t		 rs = 0;

	memset(l, 0, sizeof(*l));
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if ((o = json_parse(line, len, f)) == NULL)
		return f->err;
	if (!json_object_is_type(o, json_type_object)) {
		err = fail(f, KZ_BADREQ, "invalid_json", NULL,
		    "a line must be a JSON object");
		goto out;
	}
	json_object_object_foreach(o, key, val) {
		for (i = 0; i < KZ_ARRAY_SIZE(names); i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i == KZ_ARRAY_SIZE(names)) {
			err = fail(f, KZ_INVALID, "unknown_field", NULL,
			    "a line holds a field that is not one of a link");
			goto out;
		}
		v[i] = val;
	}
	if (member_text(a, v[0], &l->code, &n) == -1 || l->code == NULL)
		bad = "code";
	else if (member_text(a, v[1], &l->domain, &n) == -1)
		bad = "domain";
	else if (member_text(a, v[2], &l->url, &n) == -1 || l->url == NULL)
		bad = "url";
	else if (member_text(a, v[3], &l->title, &n) == -1)
		bad = "title";
	else if (member_text(a, v[4], &l->notes, &n) == -1)
		bad = "notes";
	else if (member_tags(a, v[5], &in) != 0)
		bad = "tags";
	else if (member_int(v[6], &rs) == -1 || rs < 0 || rs > 999)
		bad = "redirect_status";
	else if (v[7] != NULL && !json_object_is_type(v[7], json_type_boolean))
		bad = "forward_query";
	else if (member_text(a, v[8], &l->password_hash, &n) == -1)
		bad = "password_hash";
	else if (member_time(v[9], &l->expires_at) == -1)
		bad = "expires_at";
	else if (member_int(v[10], &l->max_clicks) == -1)
		bad = "max_clicks";
	else if (member_int(v[11], &l->clicks) == -1)
		bad = "clicks";
	else if (member_time(v[12], &l->created_at) == -1)
		bad = "created_at";
	else if (member_time(v[13], &l->updated_at) == -1)
		bad = "updated_at";
	else if (member_time(v[14], &l->deleted_at) == -1)
		bad = "deleted_at";
	else if (member_int(v[15], &l->version) == -1)
		bad = "version";
	if (bad != NULL) {
		err = fail(f, KZ_INVALID, "invalid_field", bad,
		    arena_printf(a, "%s is missing or of the wrong type", bad));
		goto out;
	}
	if (l->domain == NULL)
		l->domain = "";
	l->tags = in.tags;
	l->ntags = in.ntags;
	l->redirect_status = rs != 0 ? (int)rs : 302;
	l->forward_query = v[7] == NULL || json_object_get_boolean(v[7]);
	if (l->version < 1)
		l->version = 1;
out:
	json_object_put(o);
	return err;
}

const char *const json_stats_dims[STATS_DIMS] = {
	"referrer", "browser", "os", "device", "country"
};

/* Members of the report named for people, in the order of the dims. */
static const char *const stats_members[STATS_DIMS] = {
	"referrers", "browsers", "os", "devices", "countries"
};

static json_object *
top_array(const struct stats_top *t, size_t n)
{
	json_object	*arr = json_object_new_array_ext((int)n), *o;
	size_t		 i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "value",
		    json_object_new_string(t[i].value));
		json_object_object_add(o, "visits",
		    json_object_new_int64(t[i].n));
		json_object_array_add(arr, o);
	}
	return arr;
}

char *
json_stats(struct arena *a, const struct stats_report *r, size_t *len)
{
	json_object	*o = json_object_new_object(), *series, *p;
	size_t		 i;

	json_object_object_add(o, "code", json_object_new_string(r->code));
	json_object_object_add(o, "domain", json_object_new_string(r->domain));
	json_object_object_add(o, "from", time_or_null(r->from));
	json_object_object_add(o, "to", time_or_null(r->to));
	json_object_object_add(o, "granularity",
	    json_object_new_string(r->hourly ? "hour" : "day"));
	json_object_object_add(o, "bots_included",
	    json_object_new_boolean(r->bots));
	json_object_object_add(o, "visits", json_object_new_int64(r->visits));
	json_object_object_add(o, "unique_visitors",
	    json_object_new_int64(r->uniques));
	json_object_object_add(o, "bots", json_object_new_int64(r->bot_visits));
	series = json_object_new_array_ext((int)r->nseries);
	for (i = 0; i < r->nseries; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "t", time_or_null(r->series[i].t *
		    (r->hourly ? 3600 : 86400)));
		json_object_object_add(p, "visits",
		    json_object_new_int64(r->series[i].visits));
		if (!r->hourly)
			json_object_object_add(p, "unique_visitors",
			    json_object_new_int64(r->series[i].uniques));
		json_object_object_add(p, "bots",
		    json_object_new_int64(r->series[i].bots));
		json_object_array_add(series, p);
	}
	json_object_object_add(o, "series", series);
	for (i = 0; i < STATS_DIMS; i++)
		json_object_object_add(o, stats_members[i],
		    top_array(r->top[i], r->ntop[i]));
	return json_finish(a, o, len);
}

char *
json_instance(struct arena *a, const struct instance_stats *s, size_t *len)
{
	json_object	*o = json_object_new_object(), *arr, *e;
	size_t		 i;

	json_object_object_add(o, "links", json_object_new_int64(s->links));
	json_object_object_add(o, "visits", json_object_new_int64(s->visits));
	e = json_object_new_object();
	json_object_object_add(e, "visits",
	    json_object_new_int64(s->today_visits));
	json_object_object_add(e, "unique_visitors",
	    json_object_new_int64(s->today_uniques));
	json_object_object_add(e, "bots",
	    json_object_new_int64(s->today_bots));
	json_object_object_add(o, "today", e);
	arr = json_object_new_array();
	for (i = 0; i < s->ntop_links; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "link",
		    json_object_new_string(s->top_links[i].value));
		json_object_object_add(e, "visits",
		    json_object_new_int64(s->top_links[i].n));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "top_links", arr);
	arr = json_object_new_array();
	for (i = 0; i < s->ntop_misses; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "code",
		    json_object_new_string(s->top_misses[i].value));
		json_object_object_add(e, "visits",
		    json_object_new_int64(s->top_misses[i].n));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "top_missed_codes", arr);
	return json_finish(a, o, len);
}

char *
json_click(struct arena *a, const struct click_row *c, size_t *len)
{
	json_object	*o = json_object_new_object();
	char		 ts[32], *line;

	valid_time_format(c->ts_ms / 1000, ts);
	/* Milliseconds kept: "2026-11-23T12:00:00.123Z". */
	snprintf(ts + 19, sizeof(ts) - 19, ".%03dZ", (int)(c->ts_ms % 1000));
	json_object_object_add(o, "id", json_object_new_int64(c->id));
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "referrer", str_or_null(c->referrer));
	json_object_object_add(o, "referrer_host",
	    str_or_null(c->referrer_host));
	json_object_object_add(o, "user_agent", str_or_null(c->user_agent));
	json_object_object_add(o, "browser", str_or_null(c->browser));
	json_object_object_add(o, "os", str_or_null(c->os));
	json_object_object_add(o, "device", str_or_null(c->device));
	json_object_object_add(o, "country", str_or_null(c->country));
	json_object_object_add(o, "bot", json_object_new_boolean(c->bot));
	json_object_object_add(o, "visitor", str_or_null(c->visitor));
	line = json_finish(a, o, len);
	line[*len] = '\n';	/* json_finish left room: its NUL */
	(*len)++;
	return line;
}

char *
json_problem(struct arena *a, int status, const char *title,
    const char *detail, const char *code, const char *field, size_t *len)
{
	json_object	*o = json_object_new_object(), *errors;

	json_object_object_add(o, "type", json_object_new_string("about:blank"));
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "code", json_object_new_string(code));
	if (field != NULL) {
		errors = json_object_new_object();
		json_object_object_add(errors, field,
		    json_object_new_string(detail));
		json_object_object_add(o, "errors", errors);
	}
	return json_finish(a, o, len);
}
