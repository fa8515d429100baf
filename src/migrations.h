/*
 * migrations.h - the schema, built in from sql/NNN_name.sql.
 */
#ifndef KZ_MIGRATIONS_H
#define KZ_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int		 version;	/* NNN, from 1 without gaps */
	const char	*name;
	const char	*sql;
};

extern const struct migration	migrations[];
extern const size_t		migrations_count;

#endif
