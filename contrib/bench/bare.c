/*
 * bare.c - the ceiling of this architecture: a libfcgi responder that does
 * nothing but answer every request with a fixed 302. Deliberately not part
 * of the build (no Makefile.am mentions it); contrib/bench/run compiles it
 * itself with `cc -O2 -o $tmp/bare bare.c -lfcgi` and runs it under the same
 * spawn-fcgi + multiwatch, with the same worker count, as kurz-fcgi.
 */
#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request	r;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutS("Status: 302 Found\r\n"
		    "Location: https://example.com/\r\n"
		    "Content-Length: 0\r\n\r\n", r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
