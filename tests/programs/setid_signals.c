/*
 * setid_signals.c: one thread hammers raw setgroups, setresgid, setresuid
 * and setfsuid, toggling between two states (all root; and uid/gid 1000
 * with saved uid and gid 0, so that every call succeeds), while another
 * thread signals it in a loop: SIGUSR1 has an SA_RESTART handler, SIGUSR2
 * one without. The kernel's rule for each call: it happened once, or (EINTR)
 * not at all. So after every call the thread reads its credentials back
 * and checks them (and setfsuid's return value, the previous fsuid, which a
 * call that ran twice would get wrong) against the state it expects.
 *
 * The kernel never interrupts these calls: as real root no call fails with
 * EINTR, and under credshim none may either.
 *
 * Run as root. stdout is deterministic; the signal counts go to stderr.
 * Exit 0 when every check passes, 1 (and "iteration N: ..." lines) if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

#ifdef __i386__
#undef SYS_setfsuid
#define SYS_setfsuid SYS_setfsuid32
#undef SYS_setfsgid
#define SYS_setfsgid SYS_setfsgid32
#endif

#define ITERATIONS 2000
#define MAXGROUPS 8
/* The signaller's bound, should the setter never finish. */
#define MAX_SIGNALS 2000000

struct state {
	unsigned uid[3], gid[3], fsuid, fsgid;
	int ngroups;
	unsigned groups[MAXGROUPS];
};

static volatile sig_atomic_t restarting, plain;
static atomic_int done;
static atomic_int setter_tid, signalling;
static long calls, eintr, step_eintr, mismatches;

static void on_usr1(int s) { (void)s; restarting++; }
static void on_usr2(int s) { (void)s; plain++; }

/* A getter: retried on EINTR (the kernel never gives it; should a signal
 * interrupt a call under an emulator, the call must have done nothing). */
static long retry(long nr, long a, long b, long c)
{
	for (int i = 0; i < 1000; i++) {
		long r = syscall(nr, a, b, c);
		if (r != -1 || errno != EINTR)
			return r;
		eintr++;
	}
	return -1;
}

static void read_state(struct state *s)
{
	memset(s, 0, sizeof *s);
	retry(SYS_getresuid, (long)&s->uid[0], (long)&s->uid[1], (long)&s->uid[2]);
	retry(SYS_getresgid, (long)&s->gid[0], (long)&s->gid[1], (long)&s->gid[2]);
	/* setfsuid(-1) changes nothing and returns the fsuid. */
	s->fsuid = (unsigned)retry(SYS_setfsuid, -1, 0, 0);
	s->fsgid = (unsigned)retry(SYS_setfsgid, -1, 0, 0);
	s->ngroups = (int)retry(SYS_getgroups, MAXGROUPS, (long)s->groups, 0);
}

static void show(char *buf, size_t n, const struct state *s)
{
	int o = snprintf(buf, n, "uid=%u,%u,%u gid=%u,%u,%u fsuid=%u fsgid=%u groups=", s->uid[0], s->uid[1], s->uid[2],
			 s->gid[0], s->gid[1], s->gid[2], s->fsuid, s->fsgid);
	for (int i = 0; i < s->ngroups && i < MAXGROUPS && o > 0 && (size_t)o < n; i++)
		o += snprintf(buf + o, n - o, i ? ",%u" : "%u", s->groups[i]);
}

static int same(const struct state *a, const struct state *b)
{
	if (memcmp(a->uid, b->uid, sizeof a->uid) || memcmp(a->gid, b->gid, sizeof a->gid) || a->fsuid != b->fsuid ||
	    a->fsgid != b->fsgid || a->ngroups != b->ngroups)
		return 0;
	for (int i = 0; i < a->ngroups && i < MAXGROUPS; i++)
		if (a->groups[i] != b->groups[i])
			return 0;
	return 1;
}

static void expect(int it, const char *what, const struct state *want)
{
	struct state got;
	read_state(&got);
	if (same(&got, want))
		return;
	if (++mismatches <= 5) {
		char g[256], w[256];
		show(g, sizeof g, &got);
		show(w, sizeof w, want);
		printf("iteration %d: after %s: %s, expected %s\n", it, what, g, w);
	}
}

/* One setter call: on success the state must be `after`; on EINTR it must
 * still be `before` (and the call is made again). `ret` is what success
 * returns. */
static void step(int it, const char *what, long nr, long a, long b, long c, long ret, struct state *cur,
		 const struct state *after)
{
	for (int i = 0; i < 1000; i++) {
		long r = syscall(nr, a, b, c);
		if (r == -1 && errno == EINTR) {
			step_eintr++;
			expect(it, "an interrupted call", cur);
			continue;
		}
		calls++;
		if (r != ret) {
			if (++mismatches <= 5)
				printf("iteration %d: %s returned %ld (%s), expected %ld\n", it, what, r,
				       r == -1 ? errname(errno) : "-", ret);
		}
		*cur = *after;
		expect(it, what, cur);
		return;
	}
	printf("iteration %d: %s interrupted 1000 times\n", it, what);
	mismatches++;
}

static void *setter(void *arg)
{
	(void)arg;
	setter_tid = (int)syscall(SYS_gettid);
	/* Start once the signals flow (bounded: alarm(100) ends a hang). */
	while (!atomic_load(&signalling))
		sched_yield();
	struct state cur, s;
	read_state(&cur);
	unsigned g_b[2] = { 1000, 2000 }, g_a[1] = { 0 };
	for (int it = 0; it < ITERATIONS; it++) {
		/* A -> B */
		s = cur;
		s.ngroups = 2;
		memcpy(s.groups, g_b, sizeof g_b);
		step(it, "setgroups(1000,2000)", SYS_setgroups, 2, (long)g_b, 0, 0, &cur, &s);
		s.gid[0] = s.gid[1] = s.fsgid = 1000;
		s.gid[2] = 0;
		step(it, "setresgid(1000,1000,0)", SYS_setresgid, 1000, 1000, 0, 0, &cur, &s);
		s.uid[0] = s.uid[1] = s.fsuid = 1000;
		s.uid[2] = 0;
		step(it, "setresuid(1000,1000,0)", SYS_setresuid, 1000, 1000, 0, 0, &cur, &s);
		/* In B: fsuid to the saved uid and back; each returns the old one. */
		s.fsuid = 0;
		step(it, "setfsuid(0) in B", SYS_setfsuid, 0, 0, 0, 1000, &cur, &s);
		s.fsuid = 1000;
		step(it, "setfsuid(1000) in B", SYS_setfsuid, 1000, 0, 0, 0, &cur, &s);
		/* B -> A, through the saved uid 0. */
		s.uid[0] = s.uid[1] = s.fsuid = 0;
		step(it, "setresuid(0,0,0)", SYS_setresuid, 0, 0, 0, 0, &cur, &s);
		s.gid[0] = s.gid[1] = s.fsgid = 0;
		step(it, "setresgid(0,0,0)", SYS_setresgid, 0, 0, 0, 0, &cur, &s);
		s.ngroups = 1;
		memcpy(s.groups, g_a, sizeof g_a);
		step(it, "setgroups(0)", SYS_setgroups, 1, (long)g_a, 0, 0, &cur, &s);
		s.fsuid = 1000;
		step(it, "setfsuid(1000) in A", SYS_setfsuid, 1000, 0, 0, 0, &cur, &s);
		s.fsgid = 1000;
		step(it, "setfsgid(1000) in A", SYS_setfsgid, 1000, 0, 0, 0, &cur, &s);
		s.fsuid = 0;
		step(it, "setfsuid(0) in A", SYS_setfsuid, 0, 0, 0, 1000, &cur, &s);
		s.fsgid = 0;
		step(it, "setfsgid(0) in A", SYS_setfsgid, 0, 0, 0, 1000, &cur, &s);
	}
	/* The last word: to B once more, and stay there. */
	s = cur;
	s.ngroups = 2;
	memcpy(s.groups, g_b, sizeof g_b);
	step(ITERATIONS, "setgroups(1000,2000)", SYS_setgroups, 2, (long)g_b, 0, 0, &cur, &s);
	s.gid[0] = s.gid[1] = s.fsgid = 1000;
	s.gid[2] = 0;
	step(ITERATIONS, "setresgid(1000,1000,0)", SYS_setresgid, 1000, 1000, 0, 0, &cur, &s);
	s.uid[0] = s.uid[1] = s.fsuid = 1000;
	s.uid[2] = 0;
	step(ITERATIONS, "setresuid(1000,1000,0)", SYS_setresuid, 1000, 1000, 0, 0, &cur, &s);
	atomic_store(&done, 1);
	struct state fin;
	read_state(&fin);
	char buf[256];
	show(buf, sizeof buf, &fin);
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	retry(SYS_capget, (long)&h, (long)d, 0);
	printf("final %s eff=%08x%08x prm=%08x%08x\n", buf, d[1].effective, d[0].effective, d[1].permitted, d[0].permitted);
	return NULL;
}

static void *signaller(void *arg)
{
	pid_t pid = getpid();
	(void)arg;
	while (atomic_load(&setter_tid) == 0)
		sched_yield();
	for (long i = 0; i < MAX_SIGNALS && !atomic_load(&done); i++) {
		syscall(SYS_tgkill, pid, atomic_load(&setter_tid), i & 1 ? SIGUSR2 : SIGUSR1);
		atomic_store(&signalling, 1);
		/* Paced, at times that vary (0 to 255 us), so that the setter
		 * makes progress and signals land at every point of its calls. */
		struct timespec t = { 0, (i * 37 % 256) * 1000 };
		nanosleep(&t, NULL);
	}
	atomic_store(&signalling, 1);
	return NULL;
}

int main(void)
{
	alarm(100);
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	pthread_t s, k;
	if (pthread_create(&s, NULL, setter, NULL) || pthread_create(&k, NULL, signaller, NULL)) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	pthread_join(s, NULL);
	pthread_join(k, NULL);
	/* The setter's calls were its own: the main thread is still root. */
	unsigned u[3];
	syscall(SYS_getresuid, &u[0], &u[1], &u[2]);
	printf("main thread uid=%u,%u,%u\n", u[0], u[1], u[2]);
	printf("iterations %d, calls made %ld, mismatches %ld, failed with EINTR %ld\n", ITERATIONS, calls, mismatches,
	       step_eintr);
	printf("both handlers ran: %s\n", restarting > 0 && plain > 0 ? "yes" : "no");
	fprintf(stderr, "setid_signals: %d SA_RESTART signals, %d plain signals handled; getters retried after EINTR %ld times\n",
		(int)restarting, (int)plain, eintr);
	return mismatches || step_eintr ? 1 : 0;
}
