/*
 * arena.c - a bump allocator over a list of blocks.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_BLOCK	(16 * 1024)
#define ARENA_ALIGN	(sizeof(max_align_t))

struct block {
	struct block	*next;
	size_t		 size;	/* usable bytes in data */
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct block	*head;	/* current block; the first one is last */
	size_t		 total;
};

static struct block *
block_new(size_t size)
{
	struct block	*b;

	if (size > SIZE_MAX - sizeof(*b))
		abort();
	if ((b = malloc(sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *
arena_create(void)
{
	struct arena	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->head = block_new(ARENA_BLOCK)) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
arena_free(struct arena *a)
{
	struct block	*b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct block	*b;

	while (a->head->next != NULL) {
		b = a->head;
		a->head = b->next;
		free(b);
	}
	a->head->used = 0;
	a->total = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct block	*b = a->head;
	void		*p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		abort();
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (b->size - b->used < n) {
		/* A large request gets a block of its own. */
		b = block_new(n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK);
		if (b == NULL) {
			fputs("kurz: out of memory\n", stderr);
			abort();
		}
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	a->total += n;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;
	char	*p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		abort();
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
