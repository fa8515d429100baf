/*
 * tap.h - the Test Anything Protocol in a few macros, for the unit
 * tests. Each check prints "ok N - name" or "not ok N - name"; tap_done()
 * prints the plan and returns the exit status.
 */
#ifndef KZ_TAP_H
#define KZ_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int	tap_n, tap_failed;

static int __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* Compare strings, printing both on failure. NULL is allowed. */
static int __attribute__((unused))
tap_str(const char *got, const char *want, const char *name)
{
	int	same;

	same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!tap_ok(same, "%s", name))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",
		    got != NULL ? got : "(null)", want != NULL ? want : "(null)");
	return same;
}

static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#endif
