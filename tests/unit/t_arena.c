/*
 * t_arena.c - the per-request arena: alignment, growth, copies, reuse.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#include "tap.h"

#define NALLOC		5000
#define MIB		(1024 * 1024)

static int
aligned(const void *p)
{
	return (uintptr_t)p % _Alignof(max_align_t) == 0;
}

/* Sizes that cross block boundaries at odd places. */
static size_t
size_of(size_t i)
{
	static const size_t	sizes[] = { 1, 0, 7, 16, 17, 100, 255, 4096,
	    8191, 9000, 3, 12000 };

	return sizes[i % (sizeof(sizes) / sizeof(sizes[0]))] + i % 13;
}

static void
test_many(struct arena *a)
{
	unsigned char	**p;
	size_t		  i, j, used = 0, n;
	int		  all_aligned = 1, intact = 1, counted = 1;

	p = calloc(NALLOC, sizeof(*p));
	for (i = 0; i < NALLOC; i++) {
		n = size_of(i);
		p[i] = arena_alloc(a, n);
		if (p[i] == NULL || !aligned(p[i]))
			all_aligned = 0;
		if (p[i] != NULL)
			memset(p[i], (int)(i & 0xff), n);
		/* Each allocation counts at least what was asked. */
		if (arena_used(a) < used + n || arena_used(a) == used)
			counted = 0;
		used = arena_used(a);
	}
	tap_ok(all_aligned, "%d allocations, each aligned to max_align_t",
	    NALLOC);
	tap_ok(counted, "arena_used grows with every allocation");
	for (i = 0; i < NALLOC && intact; i++)
		for (j = 0; j < size_of(i); j++)
			if (p[i][j] != (unsigned char)(i & 0xff)) {
				intact = 0;
				printf("#   allocation %zu byte %zu "
				    "overwritten\n", i, j);
				break;
			}
	tap_ok(intact, "no allocation overlaps another");
	free(p);
}

int
main(void)
{
	struct arena	*a, *b;
	unsigned char	*big, *p, *q;
	char		*s, src[] = "mutable";
	size_t		 i;
	int		 ok;

	tap_ok((a = arena_create()) != NULL, "arena_create");
	tap_ok(arena_used(a) == 0, "a new arena has used nothing");

	test_many(a);

	/* One allocation larger than any block. */
	big = arena_alloc(a, MIB);
	tap_ok(big != NULL && aligned(big), "1 MiB allocation, aligned");
	memset(big, 0xa5, MIB);
	ok = 1;
	for (i = 0; i < MIB; i++)
		if (big[i] != 0xa5)
			ok = 0;
	tap_ok(ok, "1 MiB allocation holds its bytes");
	p = arena_alloc(a, 10);
	tap_ok(p != NULL && aligned(p) && (p + 10 <= big || p >= big + MIB),
	    "an allocation after 1 MiB lies outside it");

	/* Zero bytes still give distinct pointers. */
	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	tap_ok(p != NULL && q != NULL && p != q,
	    "arena_alloc(0) gives distinct pointers");

	/* Copies. */
	s = arena_strndup(a, "ab\0cd\0ef", 8);
	tap_ok(memcmp(s, "ab\0cd\0ef", 8) == 0 && s[8] == '\0',
	    "arena_strndup keeps embedded NULs and ends with one");
	s = arena_strndup(a, "abcdef", 3);
	tap_str(s, "abc", "arena_strndup copies n bytes only");
	s = arena_strndup(a, "xyz", 0);
	tap_str(s, "", "arena_strndup of 0 bytes");
	s = arena_strndup(a, NULL, 0);
	tap_str(s, "", "arena_strndup of NULL and 0");
	tap_str(arena_strdup(a, "hello"), "hello", "arena_strdup");
	tap_ok(arena_strdup(a, NULL) == NULL, "arena_strdup NULL is NULL");
	s = arena_strdup(a, src);
	src[0] = 'X';
	tap_str(s, "mutable", "arena_strdup copies");

	/* printf, short and longer than a block. */
	tap_str(arena_printf(a, "%s/%d/%05.1f/%c", "x", -42, 3.14159, 'z'),
	    "x/-42/003.1/z", "arena_printf");
	tap_str(arena_printf(a, "%s", ""), "", "arena_printf empty");
	s = arena_printf(a, "%*s|", 40000, "r");
	tap_ok(s != NULL && strlen(s) == 40001 && s[39999] == 'r' &&
	    s[40000] == '|' && s[0] == ' ', "arena_printf of 40001 bytes");

	/* Reset forgets everything, and the arena works again. */
	arena_reset(a);
	tap_ok(arena_used(a) == 0, "arena_reset: used is 0");
	p = arena_alloc(a, 100);
	tap_ok(p != NULL && aligned(p), "alloc after reset");
	tap_ok(arena_used(a) >= 100 && arena_used(a) < 100 + 64,
	    "arena_used after one allocation of 100");
	memset(p, 1, 100);
	test_many(a);
	arena_reset(a);
	tap_ok(arena_used(a) == 0, "second reset");
	tap_str(arena_strdup(a, "again"), "again", "strdup after reset");

	/* Two arenas do not share memory. */
	b = arena_create();
	p = arena_alloc(a, 64);
	q = arena_alloc(b, 64);
	memset(p, 'a', 64);
	memset(q, 'b', 64);
	tap_ok(p[63] == 'a' && q[0] == 'b', "two arenas are apart");
	arena_free(b);
	arena_free(a);
	arena_free(NULL);
	return tap_done();
}
