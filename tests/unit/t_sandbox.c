/*
 * t_sandbox.c - the system call filter: KURZ_SECCOMP is read as
 * documented, and once sandbox_enter() has run, what the worker never
 * does (run a program, make a socket, fork, trace, signal another
 * process, map executable memory) fails with EPERM while what it does
 * (files, memory, time, randomness, signals to itself) still works.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "sandbox.h"

#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN	1
#endif
#endif

/* "Seccomp:" (mode) and "Seccomp_filters:" of /proc/self/status. */
static void
seccomp_status(int *mode, int *filters)
{
	char	 buf[4096], *p;
	ssize_t	 n;
	int	 fd;

	*mode = *filters = -1;
	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nSeccomp:")) != NULL)
		*mode = atoi(p + 9);
	if ((p = strstr(buf, "\nSeccomp_filters:")) != NULL)
		*filters = atoi(p + 17);
}

/* tap_ok(rc == -1 && errno == EPERM), saying what happened otherwise. */
static void
refused(long rc, const char *what)
{
	int	e = errno;

	if (!tap_ok(rc == -1 && e == EPERM, "%s is refused with EPERM", what))
		printf("#   returned %ld, errno %d (%s)\n", rc, e, strerror(e));
}

static void
test_env(void)
{
	char	err[256];
	int	mode, filters, m2, f2;

	seccomp_status(&mode, &filters);
	setenv("KURZ_SECCOMP", "yes", 1);
	err[0] = '\0';
	tap_ok(sandbox_enter(err, sizeof(err)) == -1,
	    "KURZ_SECCOMP=yes is refused");
	tap_ok(strstr(err, "KURZ_SECCOMP") != NULL,
	    "  the message names the variable: %s", err);
	setenv("KURZ_SECCOMP", "0", 1);
	tap_ok(sandbox_enter(err, sizeof(err)) == SANDBOX_OFF,
	    "KURZ_SECCOMP=0 turns the filter off");
	seccomp_status(&m2, &f2);
	tap_ok(m2 == mode && f2 == filters, "  and loads none (%d/%d, "
	    "before %d/%d)", m2, f2, mode, filters);
}

/* In a child: "log" lets everything run (the kernel logs it). */
static void
test_log(void)
{
	pid_t	pid;
	int	st;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		tap_ok(0, "fork for KURZ_SECCOMP=log");
		return;
	}
	if (pid == 0) {
		char	err[256];
		int	fd;

		setenv("KURZ_SECCOMP", "log", 1);
		if (sandbox_enter(err, sizeof(err)) != SANDBOX_LOG)
			_exit(2);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			_exit(3);
		close(fd);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		st = -1;
	tap_ok(st == 0, "KURZ_SECCOMP=log: socket(2) still works (child: "
	    "%s %d; 2: no log mode, 3: socket refused)", WIFEXITED(st) ?
	    "exit" : "status", WIFEXITED(st) ? WEXITSTATUS(st) : st);
}

static void
test_enforce(void)
{
	char		 err[256], path[] = "t_sandbox.XXXXXX";
	char		*const argv[] = { (char *)"true", NULL };
	char		*const envp[] = { NULL };
	unsigned char	 rnd[16];
	struct timespec	 ts, nap = { 0, 1000000 };
	void		*p;
	int		 mode, filters, m2, f2, fd, rc;

	/* Made before: the worker opens its files before the filter too. */
	if ((fd = mkstemp(path)) == -1) {
		tap_ok(0, "mkstemp: %s", strerror(errno));
		return;
	}
	seccomp_status(&mode, &filters);
	unsetenv("KURZ_SECCOMP");
	rc = sandbox_enter(err, sizeof(err));
	if (!tap_ok(rc == SANDBOX_ENFORCE, "sandbox_enter enforces by default"))
		printf("#   %s\n", err);
	seccomp_status(&m2, &f2);
	tap_ok(m2 == 2, "/proc/self/status: Seccomp: 2 (filter), got %d", m2);
	tap_ok(f2 == filters + 1, "/proc/self/status: one more filter "
	    "(%d, before %d)", f2, filters);

	/* What the worker never does. */
	errno = 0;
	refused(execve("/bin/true", argv, envp), "execve(/bin/true)");
	errno = 0;
	refused(socket(AF_INET, SOCK_STREAM, 0), "socket(AF_INET)");
	errno = 0;
	refused(socket(AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
	errno = 0;
	refused(syscall(SYS_connect, 0, NULL, 0), "connect");
	errno = 0;
	refused(kill(getppid(), 0), "kill(parent)");
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	refused(p == MAP_FAILED ? -1 : 0, "mmap(PROT_EXEC)");
	errno = 0;
	refused(syscall(SYS_pipe2, (int *)rnd, 0), "pipe2");
	errno = 0;
	refused(syscall(SYS_unshare, 0), "unshare");
	errno = 0;
	refused(rename(path, "t_sandbox.renamed"), "rename");
#ifndef T_ASAN
	/* A sanitizer build lets clone and ptrace through for LeakSanitizer. */
	errno = 0;
	refused(fork(), "fork");
	errno = 0;
	refused(ptrace(PTRACE_TRACEME, 0, NULL, NULL), "ptrace(TRACEME)");
#else
	tap_ok(1, "fork # SKIP a sanitizer build allows clone(2)");
	tap_ok(1, "ptrace # SKIP a sanitizer build allows ptrace(2)");
#endif

	/* What it does. */
	tap_ok(write(fd, "kurz", 4) == 4 && fdatasync(fd) == 0 &&
	    pread(fd, rnd, 4, 0) == 4 && memcmp(rnd, "kurz", 4) == 0,
	    "write, fdatasync, pread still work");
	tap_ok(ftruncate(fd, 0) == 0 && close(fd) == 0, "ftruncate, close");
	tap_ok((fd = open(path, O_RDWR | O_CLOEXEC)) != -1 && close(fd) == 0,
	    "open(2) an existing file");
	tap_ok(unlink(path) == 0, "unlink");
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	tap_ok(p != MAP_FAILED && munmap(p, 1 << 20) == 0,
	    "mmap(PROT_READ|PROT_WRITE), munmap");
	p = malloc(64 << 20);	/* Argon2's size: an mmap of its own */
	tap_ok(p != NULL, "malloc(64 MiB)");
	free(p);
	tap_ok(getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd),
	    "getrandom");
	tap_ok(clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
	    nanosleep(&nap, NULL) == 0, "clock_gettime, nanosleep");
	tap_ok(kill(getpid(), 0) == 0, "kill(self, 0)");
	tap_ok(fcntl(1, F_GETFL) != -1, "fcntl");
}

int
main(void)
{
	test_env();
	test_log();
	test_enforce();
	return tap_done();
}
