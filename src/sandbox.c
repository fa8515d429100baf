/*
 * sandbox.c - the worker's system call filter: libseccomp, met here only.
 *
 * Once the database, the listening socket and the epoll set are open,
 * the worker needs few system calls: read FastCGI records, write
 * answers, read and write its SQLite files, take locks, allocate memory,
 * wait and sleep. Everything else -- running a program, making a socket,
 * connecting out, tracing or signalling another process -- fails with
 * EPERM. The filter asks the kernel to log each refusal too (seccomp's
 * log flag): "audit: type=1326 ... syscall=N" in the kernel log where
 * audit is on and kernel.seccomp.actions_logged holds "errno" (the
 * default).
 *
 * The filter covers both of the worker's threads (TSYNC): the flush
 * thread is started before it, so that creating threads (clone) need not
 * be allowed; the two meet on a mutex and a condition variable (futex).
 *
 * EPERM rather than killing the process: a refused call is an ordinary
 * error at its call site (logged by the worker, answered 500), multiwatch
 * does not restart a worker in a loop, and the buffered clicks are still
 * written at exit. A call that a future libc or SQLite makes and this
 * list lacks thus shows up as a logged error, not as a crash.
 *
 * The list was found by tracing the worker (strace -f) through every
 * integration test and keeping what it calls after sandbox_enter(); to
 * that are added the calls that the same code makes through other libc
 * versions or architectures (open, poll, select, accept4, ...) and on
 * the way to a crash (abort(3): rt_sigaction, tgkill, writev). See
 * contrib/systemd/README.md for how to repeat the trace.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include <seccomp.h>

#include "kz.h"
#include "sandbox.h"

/* AddressSanitizer's runtime (and LeakSanitizer's exit-time check). */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN	1
#endif
#endif

enum sandbox_arg {
	ARG_ANY,	/* any arguments */
	ARG_NOEXEC,	/* third argument (prot) without PROT_EXEC */
	ARG_SELF	/* first argument is this process's id */
};

struct sandbox_call {
	const char		*name;
	enum sandbox_arg	 arg;
};

/*
 * The calls allowed, each with why. Names, not numbers, so that one list
 * serves every architecture: a call that the native one lacks (poll and
 * open on arm64) is skipped.
 */
static const struct sandbox_call sandbox_calls[] = {
	/* FastCGI: connections on the socket that spawn-fcgi left on fd 0 */
	{ "accept",		ARG_ANY },	/* libfcgi takes a connection */
	{ "accept4",		ARG_ANY },	/* accept(3) on arm64 */
	{ "read",		ARG_ANY },	/* FastCGI records; /dev/urandom */
	{ "write",		ARG_ANY },	/* answers; log lines to stderr */
	{ "writev",		ARG_ANY },	/* glibc's last words before abort */
	{ "poll",		ARG_ANY },	/* libfcgi waits for a request's data */
	{ "ppoll",		ARG_ANY },	/* poll(3) on arm64 */
	{ "select",		ARG_ANY },	/* libfcgi builds that use select */
	{ "pselect6",		ARG_ANY },	/* select(3) on arm64 */
	{ "shutdown",		ARG_ANY },	/* libfcgi ends a connection */
	{ "close",		ARG_ANY },	/* connections, SQLite's short fds */
	{ "epoll_wait",		ARG_ANY },	/* older libcs' epoll_pwait(3) */
	{ "epoll_pwait",	ARG_ANY },	/* the main loop's wait */

	/* SQLite: the database, its -wal and -shm, the directory */
	{ "pread64",		ARG_ANY },	/* pages of the database and WAL */
	{ "pwrite64",		ARG_ANY },	/* WAL frames, checkpoints, -shm */
	{ "fdatasync",		ARG_ANY },	/* the WAL synced after each commit */
	{ "fsync",		ARG_ANY },	/* the same where fdatasync is off */
	{ "fcntl",		ARG_ANY },	/* F_SETLK locks on the db and -shm */
	{ "ftruncate",		ARG_ANY },	/* journal_size_limit cuts the WAL */
	{ "openat",		ARG_ANY },	/* dir sync, /dev/urandom, temp files */
	{ "open",		ARG_ANY },	/* the same in older libcs */
	{ "fstat",		ARG_ANY },	/* file sizes and identities */
	{ "newfstatat",		ARG_ANY },	/* fstat(3) and stat(3) in glibc 2.33+ */
	{ "statfs",		ARG_ANY },	/* is the database's file system read-only? */
	{ "stat",		ARG_ANY },	/* the db path is still the same file */
	{ "lstat",		ARG_ANY },	/* the same for symbolic links */
	{ "access",		ARG_ANY },	/* the temp directory, -wal present */
	{ "faccessat",		ARG_ANY },	/* access(3) on arm64 */
	{ "faccessat2",		ARG_ANY },	/* access(3) in newer glibc */
	{ "unlink",		ARG_ANY },	/* -wal and -shm at the last close */
	{ "unlinkat",		ARG_ANY },	/* unlink(3) on arm64 */
	{ "geteuid",		ARG_ANY },	/* whether to chown a new WAL */

	/* memory: malloc, SQLite's map of the -shm, Argon2 */
	{ "brk",		ARG_ANY },	/* malloc's main heap */
	{ "mmap",		ARG_NOEXEC },	/* big blocks, the -shm */
	{ "munmap",		ARG_ANY },	/* their release */
	{ "mremap",		ARG_ANY },	/* realloc */
	{ "mprotect",		ARG_NOEXEC },	/* malloc's heaps, never executable */
	{ "madvise",		ARG_ANY },	/* free(3) gives pages back */

	/* signals: SIGTERM, SIGUSR2, and abort(3) */
	{ "rt_sigtimedwait",	ARG_ANY },	/* pending stops between requests */
	{ "rt_sigreturn",	ARG_ANY },	/* back from on_stop, on_flush */
	{ "rt_sigprocmask",	ARG_ANY },	/* abort(3), sigtimedwait(3) */
	{ "rt_sigaction",	ARG_ANY },	/* abort(3) resets SIGABRT */
	{ "restart_syscall",	ARG_ANY },	/* a sleep resumed after SIGCONT */
	{ "getpid",		ARG_ANY },	/* log lines; SQLite's fork check */
	{ "gettid",		ARG_ANY },	/* raise(3) */
	{ "tgkill",		ARG_SELF },	/* abort(3), to this process only */
	{ "kill",		ARG_SELF },	/* the same, older libcs */

	/* time and randomness */
	{ "clock_gettime",	ARG_ANY },	/* when the vDSO cannot answer */
	{ "gettimeofday",	ARG_ANY },	/* the same */
	{ "time",		ARG_ANY },	/* the same */
	{ "clock_nanosleep",	ARG_ANY },	/* SQLite's busy waits */
	{ "nanosleep",		ARG_ANY },	/* the same, older libcs */
	{ "getrandom",		ARG_ANY },	/* codes, salts, keys (libsodium) */
	{ "sysinfo",		ARG_ANY },	/* qsort(3) asks the memory size */

	/* the flush thread (clicks.c) */
	{ "futex",		ARG_ANY },	/* its mutex and condition variable */

	{ "exit_group",		ARG_ANY },	/* the end */
	{ "exit",		ARG_ANY },	/* the same, one thread */
};

#ifdef SANDBOX_ASAN
/*
 * Sanitizer builds only, never shipped. LeakSanitizer's check at exit
 * clones a tracer task that lists /proc/self/task and stops each thread
 * with ptrace; without these calls it fails, and a leak goes unseen.
 * Each was shown to be needed by removing it (a leak, a use after free
 * must still be reported with symbols).
 */
static const struct sandbox_call sandbox_asan_calls[] = {
	{ "clone",		ARG_ANY },	/* LeakSanitizer's tracer task */
	{ "ptrace",		ARG_ANY },	/* it attaches to the threads */
	{ "wait4",		ARG_ANY },	/* and waits for them and the tracer */
	{ "getppid",		ARG_ANY },	/* the tracer checks its parent */
	{ "getdents",		ARG_ANY },	/* /proc/self/task, on x86-64 */
	{ "getdents64",		ARG_ANY },	/* the same elsewhere */
	{ "prctl",		ARG_ANY },	/* PR_SET_PTRACER under Yama */
	{ "sigaltstack",	ARG_ANY },	/* the tracer's signal stack */
	{ "sched_yield",	ARG_ANY },	/* waits for the tracer */
};
#endif

static int
sandbox_add(scmp_filter_ctx ctx, const struct sandbox_call *c, pid_t self,
    char *err, size_t errsz)
{
	struct scmp_arg_cmp	cmp;
	int			nr, rc;

	if ((nr = seccomp_syscall_resolve_name(c->name)) < 0)
		return 0;	/* not a call of this architecture */
	switch (c->arg) {
	case ARG_NOEXEC:
		cmp = (struct scmp_arg_cmp){ .arg = 2,
		    .op = SCMP_CMP_MASKED_EQ, .datum_a = PROT_EXEC,
		    .datum_b = 0 };
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
		break;
	case ARG_SELF:
		cmp = (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ,
		    .datum_a = (scmp_datum_t)self, .datum_b = 0 };
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
		break;
	default:
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		break;
	}
	if (rc < 0) {
		snprintf(err, errsz, "seccomp: cannot allow %s: %s", c->name,
		    strerror(-rc));
		return -1;
	}
	return 0;
}

int
sandbox_enter(char *err, size_t errsz)
{
	scmp_filter_ctx		 ctx = NULL;
	const char		*s;
	enum sandbox_mode	 mode;
	pid_t			 self = getpid();
	size_t			 i;
	int			 rc = -1, e;

	/* Read here, not in conf.c: nothing else in kurz needs it. */
	s = getenv("KURZ_SECCOMP");
	if (s == NULL || *s == '\0' || strcmp(s, "1") == 0)
		mode = SANDBOX_ENFORCE;
	else if (strcmp(s, "0") == 0)
		return SANDBOX_OFF;
	else if (strcmp(s, "log") == 0)
		mode = SANDBOX_LOG;
	else {
		snprintf(err, errsz, "KURZ_SECCOMP: \"%s\" is not one of 1 "
		    "(the default), 0, log", s);
		return -1;
	}

	if (mode == SANDBOX_LOG && seccomp_api_get() < 3) {
		snprintf(err, errsz, "KURZ_SECCOMP=log: this kernel or "
		    "libseccomp cannot log (API level %u < 3)",
		    seccomp_api_get());
		return -1;
	}
	ctx = seccomp_init(mode == SANDBOX_LOG ? SCMP_ACT_LOG :
	    SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL) {
		snprintf(err, errsz, "seccomp: cannot create a filter");
		return -1;
	}
	/* Errors of seccomp_load() as the kernel gave them, not ECANCELED. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/*
	 * Every thread of the process, not only the caller: the flush
	 * thread runs already. Loading fails if one cannot be synchronised.
	 */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
		snprintf(err, errsz, "seccomp: cannot filter all threads");
		goto out;
	}
	/* Have the kernel log each refused call too, where it can. */
	if (mode == SANDBOX_ENFORCE && seccomp_api_get() >= 3)
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);

	for (i = 0; i < KZ_ARRAY_SIZE(sandbox_calls); i++)
		if (sandbox_add(ctx, &sandbox_calls[i], self, err, errsz) == -1)
			goto out;
#ifdef SANDBOX_ASAN
	for (i = 0; i < KZ_ARRAY_SIZE(sandbox_asan_calls); i++)
		if (sandbox_add(ctx, &sandbox_asan_calls[i], self, err,
		    errsz) == -1)
			goto out;
#endif
	/* libseccomp sets no_new_privs first, so no privilege is needed. */
	if ((e = seccomp_load(ctx)) < 0) {
		snprintf(err, errsz, "seccomp: cannot load the filter: %s "
		    "(set KURZ_SECCOMP=0 to run without it)", strerror(-e));
		goto out;
	}
	rc = (int)mode;
out:
	seccomp_release(ctx);
	return rc;
}
