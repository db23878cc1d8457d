/* exec from a non-leader thread (DESIGN.md lesson 7): a second thread drops
 * its own ids with a raw setresuid (per-thread), then execs; the new image
 * must carry that thread's credentials, under the leader's pid. Other
 * threads keep making credential calls meanwhile. Deterministic output. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"


static const char *self;
static volatile int stop;

static void *spin(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000000 && !stop; i++)
		syscall(SYS_getuid);
	return NULL;
}

static void *execer(void *arg)
{
	(void)arg;
	usleep(20000);
	if (syscall(SYS_setresuid, 1000, 1000, 1000) != 0) {
		perror("setresuid");
		_exit(1);
	}
	char *argv[] = { (char *)self, "after", NULL };
	execv(self, argv);
	perror("execv");
	_exit(1);
}

int main(int argc, char **argv)
{
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "after") == 0) {
		unsigned r, e, s;
		syscall(SYS_getresuid, &r, &e, &s);
		printf("after exec: uid=%u,%u,%u same-pid=%s\n", r, e, s,
		       getenv("EXEC_THREAD_PID") && atoi(getenv("EXEC_THREAD_PID")) == getpid() ? "yes" : "no");
		return 0;
	}
	self = argv[0];
	char pid[32];
	snprintf(pid, sizeof pid, "%d", getpid());
	setenv("EXEC_THREAD_PID", pid, 1);
	pthread_t t[5];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	pthread_create(&t[4], NULL, execer, NULL);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("exec did not happen\n");
	return 1;
}
