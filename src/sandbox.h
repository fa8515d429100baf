/*
 * sandbox.h - the worker's system call filter (seccomp, via libseccomp).
 * The only file that includes seccomp.h is sandbox.c.
 */
#ifndef KZ_SANDBOX_H
#define KZ_SANDBOX_H

#include <stddef.h>

/* What sandbox_enter() did. */
enum sandbox_mode {
	SANDBOX_OFF = 0,	/* KURZ_SECCOMP=0: no filter (debugging) */
	SANDBOX_ENFORCE,	/* the default: other calls fail with EPERM */
	SANDBOX_LOG		/* KURZ_SECCOMP=log: other calls run, logged */
};

/*
 * Restrict this process, for the rest of its life, to the system calls
 * that serving requests needs (the list and the reason for each is in
 * sandbox.c). Call it once, after the database, the listening socket and
 * the epoll set are open and before the first request; it covers every
 * thread that runs then (TSYNC), it cannot be undone, and it is
 * inherited by any child (there are none).
 *
 * KURZ_SECCOMP, read here from the environment: unset or "1" enforces;
 * "0" loads no filter; "log" loads the filter with "log" as the action
 * for the calls outside the list, so that a missing one shows up in the
 * kernel's log without breaking anything.
 *
 * Returns the mode in force, or -1 with a message in err (naming
 * KURZ_SECCOMP when its value is bad): the caller must not serve then.
 */
int	sandbox_enter(char *err, size_t errsz);

#endif
