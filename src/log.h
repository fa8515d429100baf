/*
 * log.h - one line per event on stderr, which the service manager keeps.
 */
#ifndef KZ_LOG_H
#define KZ_LOG_H

#include "kz.h"

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

/* Set the threshold and the program name that starts each line. */
void	log_init(const char *prog, enum log_level);

/* Parse "error", "warn", "info" or "debug"; -1 for anything else. */
int	log_level_parse(const char *);

void	log_error(const char *fmt, ...) KZ_PRINTF(1, 2);
void	log_warn(const char *fmt, ...) KZ_PRINTF(1, 2);
void	log_info(const char *fmt, ...) KZ_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) KZ_PRINTF(1, 2);

#endif
