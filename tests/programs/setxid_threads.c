/*
 * setxid_threads.c: glibc's set*id/setgroups wrappers change the
 * credentials of every thread (glibc signals each thread with SIGSETXID and
 * has it make the same system call).  16 threads spin on their own raw
 * getresuid while the main thread calls setgroups, setresgid and setresuid
 * through glibc; afterwards each thread reports its own credentials.
 *
 * Run as root.  Output is deterministic; exit 0 when every check passes.
 * Build: gcc -O2 -Wall -Wextra -Werror -pthread -o setxid_threads setxid_threads.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include "common.h"


#define NTHREADS 16
#define MAXGROUPS 64
#define TARGET 1000u

struct creds {
	int err;                  /* 0, or the errno of the first failed call */
	const char *failed;       /* name of the first failed call */
	unsigned uid[3], gid[3];
	int ngroups;
	unsigned groups[MAXGROUPS];
	uint64_t caps[3];         /* effective, permitted, inheritable */
};

struct slot {
	int index;
	int saw_target;           /* saw uid 1000 while spinning */
	struct creds c;
};

static pthread_barrier_t start_barrier, done_barrier;
static struct slot slots[NTHREADS];


/* Reads the calling thread's own credentials with raw system calls. */
static void read_creds(struct creds *c)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	long n;

	memset(c, 0, sizeof *c);
	if (syscall(SYS_getresuid, &c->uid[0], &c->uid[1], &c->uid[2]) != 0) {
		c->err = errno;
		c->failed = "getresuid";
		return;
	}
	if (syscall(SYS_getresgid, &c->gid[0], &c->gid[1], &c->gid[2]) != 0) {
		c->err = errno;
		c->failed = "getresgid";
		return;
	}
	n = syscall(SYS_getgroups, MAXGROUPS, c->groups);
	if (n < 0) {
		c->err = errno;
		c->failed = "getgroups";
		return;
	}
	c->ngroups = (int)n;
	memset(data, 0, sizeof data);
	if (syscall(SYS_capget, &hdr, data) != 0) {
		c->err = errno;
		c->failed = "capget";
		return;
	}
	c->caps[0] = (uint64_t)data[1].effective << 32 | data[0].effective;
	c->caps[1] = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	c->caps[2] = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
}

static void format_creds(char *buf, size_t len, const struct creds *c)
{
	size_t off;
	int i;

	if (c->err) {
		snprintf(buf, len, "%s failed: %s", c->failed, errname(c->err));
		return;
	}
	off = (size_t)snprintf(buf, len, "uid=%u,%u,%u gid=%u,%u,%u groups=",
			       c->uid[0], c->uid[1], c->uid[2],
			       c->gid[0], c->gid[1], c->gid[2]);
	for (i = 0; i < c->ngroups && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u",
					i ? "," : "", c->groups[i]);
	if (off < len)
		snprintf(buf + off, len - off, " caps=0x%llx/0x%llx/0x%llx",
			 (unsigned long long)c->caps[0],
			 (unsigned long long)c->caps[1],
			 (unsigned long long)c->caps[2]);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *thread_main(void *arg)
{
	struct slot *s = arg;
	struct timespec ms = { 0, 1000000 };
	double deadline;
	int i;

	pthread_barrier_wait(&start_barrier);
	/* bounded spin: at most ~5 s and at most 5000 rounds */
	deadline = now() + 5.0;
	for (i = 0; i < 5000; i++) {
		unsigned r = 0, e = 0, sv = 0;

		if (syscall(SYS_getresuid, &r, &e, &sv) == 0 &&
		    r == TARGET && e == TARGET && sv == TARGET) {
			s->saw_target = 1;
			break;
		}
		if (now() > deadline)
			break;
		if (i % 2)
			nanosleep(&ms, NULL);
		else
			sched_yield();
	}
	pthread_barrier_wait(&done_barrier);
	read_creds(&s->c);
	return NULL;
}

static void print_ret(const char *name, int ret, int err)
{
	if (ret == 0)
		printf("%s = 0\n", name);
	else
		printf("%s = %d %s\n", name, ret, errname(err));
}

int main(void)
{
	static const gid_t groups[3] = { 1000, 5, 27 };
	static const unsigned want_groups[3] = { 5, 27, 1000 };
	pthread_t tids[NTHREADS];
	int ret[3], err[3], started = 0, failures = 0, i, j;
	struct creds mine;
	char line[1024], mainline[1024];

	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (pthread_barrier_init(&start_barrier, NULL, NTHREADS + 1) ||
	    pthread_barrier_init(&done_barrier, NULL, NTHREADS + 1)) {
		printf("FAIL: pthread_barrier_init\n");
		return 1;
	}
	for (i = 0; i < NTHREADS; i++) {
		slots[i].index = i;
		if (pthread_create(&tids[i], NULL, thread_main, &slots[i]) != 0) {
			printf("FAIL: pthread_create %d\n", i);
			return 1;
		}
		started++;
	}
	pthread_barrier_wait(&start_barrier);

	/* the glibc wrappers, which broadcast to all threads */
	errno = 0;
	ret[0] = setgroups(3, groups);
	err[0] = errno;
	errno = 0;
	ret[1] = setresgid(TARGET, TARGET, TARGET);
	err[1] = errno;
	errno = 0;
	ret[2] = setresuid(TARGET, TARGET, TARGET);
	err[2] = errno;

	pthread_barrier_wait(&done_barrier);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	read_creds(&mine);

	print_ret("setgroups", ret[0], err[0]);
	print_ret("setresgid", ret[1], err[1]);
	print_ret("setresuid", ret[2], err[2]);
	format_creds(mainline, sizeof mainline, &mine);
	for (i = 0; i < NTHREADS; i++) {
		format_creds(line, sizeof line, &slots[i].c);
		printf("thread %d %s\n", i, line);
	}
	printf("main %s\n", mainline);

	/* self-checks */
	for (i = 0; i < 3; i++)
		if (ret[i] != 0) {
			printf("FAIL: call %d returned %d\n", i, ret[i]);
			failures++;
		}
	if (mine.err) {
		printf("FAIL: main could not read its credentials\n");
		failures++;
	} else {
		for (j = 0; j < 3; j++)
			if (mine.uid[j] != TARGET || mine.gid[j] != TARGET) {
				printf("FAIL: main uid/gid are not all %u\n", TARGET);
				failures++;
				break;
			}
		if (mine.ngroups != 3 ||
		    memcmp(mine.groups, want_groups, sizeof want_groups) != 0) {
			printf("FAIL: main groups are not 5,27,1000\n");
			failures++;
		}
		if (mine.caps[0] != 0 || mine.caps[1] != 0) {
			printf("FAIL: main kept effective/permitted capabilities\n");
			failures++;
		}
	}
	for (i = 0; i < NTHREADS; i++) {
		format_creds(line, sizeof line, &slots[i].c);
		if (strcmp(line, mainline) != 0) {
			printf("FAIL: thread %d credentials differ from main's\n", i);
			failures++;
		}
		if (!slots[i].saw_target) {
			printf("FAIL: thread %d never saw uid %u while spinning\n",
			       i, TARGET);
			failures++;
		}
	}
	if (failures)
		printf("%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
