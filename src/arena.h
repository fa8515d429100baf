/*
 * arena.h - per-request memory: many small allocations freed in one go.
 */
#ifndef KZ_ARENA_H
#define KZ_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "kz.h"

struct arena;

/* A new, empty arena, or NULL when out of memory. Free with arena_free(). */
struct arena	*arena_create(void);

/* Free the arena and everything allocated from it. Accepts NULL. */
void		 arena_free(struct arena *);

/*
 * Forget every allocation but keep the first block for reuse, so that a
 * worker's steady state allocates nothing per request.
 */
void		 arena_reset(struct arena *);

/*
 * Allocate n bytes aligned for any type. Never NULL: running out of
 * memory in a request aborts the worker, which multiwatch restarts.
 */
void		*arena_alloc(struct arena *, size_t n);

/* A NUL-terminated copy of the n bytes at s (which need not be). */
char		*arena_strndup(struct arena *, const char *s, size_t n);

/* A NUL-terminated copy of s; NULL when s is NULL. */
char		*arena_strdup(struct arena *, const char *s);

/* printf into the arena. */
char		*arena_printf(struct arena *, const char *fmt, ...)
		    KZ_PRINTF(2, 3);
char		*arena_vprintf(struct arena *, const char *fmt, va_list)
		    KZ_PRINTF(2, 0);

/* Bytes handed out since the last reset (for tests and limits). */
size_t		 arena_used(const struct arena *);

#endif
