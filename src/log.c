/*
 * log.c - plain lines on stderr: "prog[pid]: level: message".
 *
 * Nothing that a client sent is logged raw: callers pass lengths and
 * codes, never keys, bodies or SQL with values.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "kurz";
static enum log_level	 log_threshold = LOG_LVL_INFO;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *prog, enum log_level level)
{
	log_prog = prog;
	log_threshold = level;
}

int
log_level_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < KZ_ARRAY_SIZE(log_names); i++)
		if (strcmp(s, log_names[i]) == 0)
			return (int)i;
	return -1;
}

static void log_emit(enum log_level, const char *, va_list) KZ_PRINTF(2, 0);

static void
log_emit(enum log_level level, const char *fmt, va_list ap)
{
	char	line[1024];
	int	n;

	if (level > log_threshold)
		return;
	n = snprintf(line, sizeof(line), "%s[%ld]: %s: ", log_prog,
	    (long)getpid(), log_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line, so lines of several workers do not mix. */
	n = (int)strlen(line);
	if ((size_t)n < sizeof(line) - 1)
		line[n++] = '\n';
	else
		line[sizeof(line) - 2] = '\n', n = sizeof(line) - 1;
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	log_emit(level, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)
