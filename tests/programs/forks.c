/*
 * forks.c: the return value of fork(), vfork() and a raw clone(SIGCHLD) is
 * 0 in the child and the child's pid in the parent.  1000 forks; every 100th
 * iteration also one vfork and one raw clone.  The child reports its pid
 * (raw getpid) through a pipe and exits 0 if its return value was 0, 3 if
 * not; the parent compares the returned value with that pid and reaps the
 * child.  Which side is the child is decided by comparing raw getpid with
 * the parent's pid, not by the return value under test.
 *
 * Output is deterministic (no pids); exit 0 when every check passes.
 * Build: gcc -O2 -Wall -Wextra -Werror -pthread -o forks forks.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define ITERATIONS 1000
#define EVERY 100

enum kind { K_FORK, K_VFORK, K_CLONE };
static const char *const kind_name[] = { "fork", "vfork", "clone" };


/*
 * Creates the child with the given primitive.  The child writes its pid to
 * wfd and exits here (a vfork child must not return from this function).
 * Returns the primitive's return value in the parent.
 */
static __attribute__((noinline)) long spawn(int kind, int wfd, long parent_pid)
{
	long r, me;

	if (kind == K_FORK)
		r = fork();
	else if (kind == K_VFORK)
		r = vfork();
	else
		r = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	me = syscall(SYS_getpid);
	if (me != parent_pid) {
		/* the child: only async-signal-safe raw calls from here */
		long ok = (r == 0);
		ssize_t w = write(wfd, &me, sizeof me);

		_exit(ok && w == (ssize_t)sizeof me ? 0 : 3);
	}
	return r;
}

/* One iteration; returns 0 if all checks pass, else prints why and returns 1. */
static int one(int kind, int iteration, long parent_pid)
{
	const char *what = kind_name[kind];
	int fds[2], status = 0, failed = 0;
	long r, child = 0;
	size_t got = 0;
	pid_t w;

	if (pipe(fds) != 0) {
		printf("iteration %d: pipe failed %s\n", iteration, errname(errno));
		return 1;
	}
	fflush(stdout);
	errno = 0;
	r = spawn(kind, fds[1], parent_pid);
	close(fds[1]);
	if (r == -1) {
		printf("iteration %d: %s failed %s\n", iteration, what,
		       errname(errno));
		close(fds[0]);
		return 1;
	}
	while (got < sizeof child) {
		ssize_t n = read(fds[0], (char *)&child + got, sizeof child - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	if (got != sizeof child) {
		printf("iteration %d: the %s child did not report its pid\n",
		       iteration, what);
		if (r > 0)
			waitpid((pid_t)r, &status, 0);
		return 1;
	}
	do
		w = waitpid((pid_t)child, &status, 0);
	while (w == -1 && errno == EINTR);
	if (r != child) {
		printf("iteration %d: %s returned something else than the child's pid\n",
		       iteration, what);
		failed = 1;
	}
	if (w != (pid_t)child) {
		printf("iteration %d: waitpid for the %s child failed %s\n",
		       iteration, what, errname(errno));
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		printf("iteration %d: %s did not return 0 in the child\n",
		       iteration, what);
		failed = 1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		printf("iteration %d: the %s child exited with status %d\n",
		       iteration, what, WEXITSTATUS(status));
		failed = 1;
	} else if (WIFSIGNALED(status)) {
		printf("iteration %d: the %s child was killed by signal %d\n",
		       iteration, what, WTERMSIG(status));
		failed = 1;
	}
	return failed;
}

int main(void)
{
	int ok[3] = { 0, 0, 0 }, i;
	long parent_pid;

	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGCHLD, SIG_DFL);
	parent_pid = syscall(SYS_getpid);

	for (i = 0; i < ITERATIONS; i++) {
		if (one(K_FORK, i, parent_pid))
			return 1;
		ok[K_FORK]++;
		if (i % EVERY == 0) {
			if (one(K_VFORK, i, parent_pid))
				return 1;
			ok[K_VFORK]++;
			if (one(K_CLONE, i, parent_pid))
				return 1;
			ok[K_CLONE]++;
		}
	}
	printf("forks ok %d\n", ok[K_FORK]);
	printf("vfork ok %d\n", ok[K_VFORK]);
	printf("clone ok %d\n", ok[K_CLONE]);
	return 0;
}
