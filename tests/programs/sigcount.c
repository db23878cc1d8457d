/* Counts SIGUSR1s sent from another process, one at a time: prints its pid,
 * then "got N" after each signal its handler saw, until 1000. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void on_usr1(int s)
{
	(void)s;
	count++;
}

int main(void)
{
	alarm(60);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	printf("pid %d\n", getpid());
	int seen = 0;
	while (seen < 1000) {
		sigsuspend(&old); /* returns after the handler ran */
		while (seen < count)
			printf("got %d\n", ++seen);
	}
	return 0;
}
