/*
 * fuzz_time.c - valid_time() and valid_time_format(). A time that parses
 * lies in the years 1970 to 9999, formats as "YYYY-MM-DDTHH:MM:SSZ", and
 * that text parses to the same second. A canonical time formats back to
 * itself. Any int64 formats to exactly VALID_TIME_LEN bytes, and every
 * second in range makes the round trip.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "valid.h"

#include "fuzz.h"

/* 10000-01-01T00:00:00Z: the first second that cannot be kept. */
#define TIME_END	INT64_C(253402300800)

static void
check_format(int64_t t)
{
	char	buf[VALID_TIME_LEN + 8];
	int64_t	back = -1;
	size_t	i;

	memset(buf, 'x', sizeof(buf));
	valid_time_format(t, buf);
	FUZZ_CHECK(buf[VALID_TIME_LEN] == '\0' && buf[VALID_TIME_LEN + 1] == 'x');
	FUZZ_CHECK(strlen(buf) == VALID_TIME_LEN);
	for (i = 0; i < VALID_TIME_LEN; i++) {
		switch (i) {
		case 4: case 7:
			FUZZ_CHECK(buf[i] == '-');
			break;
		case 10:
			FUZZ_CHECK(buf[i] == 'T');
			break;
		case 13: case 16:
			FUZZ_CHECK(buf[i] == ':');
			break;
		case 19:
			FUZZ_CHECK(buf[i] == 'Z');
			break;
		default:
			FUZZ_CHECK(buf[i] >= '0' && buf[i] <= '9');
		}
	}
	if (t >= 0 && t < TIME_END) {
		FUZZ_CHECK(valid_time(buf, VALID_TIME_LEN, &back));
		FUZZ_CHECK(back == t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		 buf[VALID_TIME_LEN + 1];
	int64_t		 t = -1, t2 = -1;
	uint64_t	 raw = 0;

	if (valid_time(s, size, &t)) {
		FUZZ_CHECK(t >= 0 && t < TIME_END);
		check_format(t);
		valid_time_format(t, buf);
		FUZZ_CHECK(valid_time(buf, VALID_TIME_LEN, &t2) && t2 == t);
		/* Canonical input (no fraction, offset or leap second). */
		if (size == VALID_TIME_LEN && s[10] == 'T' && s[19] == 'Z' &&
		    !(s[17] == '6' && s[18] == '0'))
			FUZZ_CHECK(memcmp(buf, s, VALID_TIME_LEN) == 0);
	}
	/* The same bytes as a number: any second formats without harm. */
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	check_format((int64_t)raw);
	check_format((int64_t)(raw % (uint64_t)TIME_END));
	return 0;
}
