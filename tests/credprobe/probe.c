/*
 * credprobe: run a credprobe script (see SCRIPT.md) with raw system calls
 * and print the step and snapshot lines.
 *
 * Build:
 *   gcc -O2 -Wall -Wextra -Werror -pthread -o credprobe probe.c
 *   gcc -m32 -O2 -Wall -Wextra -Werror -pthread -o credprobe32 probe.c
 *
 * Choices made where SCRIPT.md is ambiguous (simplest reading):
 *
 *  1. Numbers: `-?(0x[0-9a-fA-F]+|[0-9]+)`, lowercase `0x` only, leading
 *     zeros allowed in decimal ("007" is 7). A value that does not fit in
 *     u64 (before negation) is malformed (`!bad`), it does not wrap.
 *  2. The prctl names (PR_GET_KEEPCAPS, ...) are accepted wherever a number
 *     is accepted, in any step (setuid, LIST elements, VER, PID, SIZE, ...),
 *     not only in prctl steps. Names are case-sensitive and cannot be
 *     negated (`-PR_SET_KEEPCAPS` is malformed).
 *  3. Pointer spec `eK`: `e` followed by one or more decimal digits (leading
 *     zeros allowed, no sign), value 0..1024; anything else is malformed.
 *  4. Each step needs exactly its argument count (optional ones may be
 *     left out); extra or missing arguments are `!bad`. A step with an
 *     unknown name is `!bad`. A `!bad` step still uses up its number.
 *  5. setgroups SRC: `null`, `LIST`, or `eK:LIST`. `v` and a bare `eK` are
 *     malformed. LIST elements must be non-empty (`1,,2` and `1,` are
 *     malformed). For `eK:LIST` with a list longer than K, only the first
 *     K elements are stored (the list is truncated to the buffer).
 *  6. The 64-bit build answers the 16 listed `*16` step names with
 *     `-1 ENOSYS` whatever their arguments (they are not parsed), with no
 *     EXTRA (no `[..]`), without calling anything. Other names ending in
 *     `16` (e.g. `capget16`) are unknown names: `!bad`.
 *  7. `thread STEP`: if STEP is empty or its first word is `thread`, `fork`
 *     or `exec`, the step prints `N TEXT = !bad` and only the main
 *     snapshot (no thread is made). Otherwise a thread is always made; if
 *     STEP is malformed its RESULT is `!bad` (nothing is called) and the
 *     `[thread]` snapshot line is still printed.
 *     The `[thread]` snapshot line is `  [thread] uid=...` (two spaces,
 *     `[thread]`, one space), as in the example in SCRIPT.md. If the
 *     thread dies before finishing (only possible if it kills itself, e.g.
 *     prctl seccomp strict), the unfinished parts print as `?` (result
 *     `?`, thread snapshot line `  [thread] ?`).
 *  8. PID `self` is resolved at call time by the calling thread
 *     (gettid), so inside `thread` it is the new thread's tid.
 *  9. capset `eK` with K > 6: slots 6..K-1 keep the sentinel.
 * 10. A failing snapshot call replaces each value it would have produced
 *     by `?`, keeping the shape: `uid=?,?,?,F`, `caps=?/?/?`, `groups=?`,
 *     `bnd=?` / `amb=?` (a failure other than EINVAL in the loop),
 *     `sb=0x?`, `keep=?`, `nnp=?`, `dump=?`. The bnd/amb loops run c = 0..63 and stop
 *     at the first EINVAL (if none, 64 bits are read).
 * 11. Batch: lines are split on `\n` only (a `\r` is an ordinary character);
 *     if the file ends in `\n` the empty string after it is not a line.
 *     The status line is `!! status 0x%x` (lowercase hex with 0x).
 *     If fork fails in batch mode: `!! fork -1 ENAME`.
 * 12. `fork`: the parent waits for the child and exits 0 if the child
 *     exited 0, else 1. If fork fails: `N fork = -1 ENAME` + snapshot.
 * 13. `exec [KIND]`: argv[0] is the path DIR/KIND; REST is the remaining
 *     non-empty steps, each re-written as its TEXT, joined by "; ".
 * 14. `--dir` defaults to "." when not given. A bad command line prints a
 *     usage message on stderr and exits 2.
 * 15. On i386, a raw return value in -4095..-1 (e.g. getuid32 for uid
 *     0xfffffffe) is an error for glibc's syscall() and prints as `-1 E..`;
 *     results are printed with %ld of a 32-bit long (so negative for values
 *     >= 2^31). Arguments are truncated to 32-bit registers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __i386__
#define NR32(n) SYS_##n##32
#define NR16(n) SYS_##n
#define HAVE16 1
#else
#define NR32(n) SYS_##n
#define NR16(n) (-1L)
#define HAVE16 0
#endif

#define CAP_V3 0x20080522u
#define GROUPS_V_SLOTS 65537u

/* ------------------------------------------------------------------ */
/* string builder                                                      */

typedef struct {
	char *p;
	size_t len, cap;
} sb_t;

static void sb_reserve(sb_t *s, size_t extra)
{
	if (s->len + extra + 1 <= s->cap)
		return;
	size_t nc = s->cap ? s->cap : 256;
	while (nc < s->len + extra + 1)
		nc *= 2;
	char *np = realloc(s->p, nc);
	if (!np)
		_exit(99);
	s->p = np;
	s->cap = nc;
}

static void sb_addn(sb_t *s, const char *str, size_t n)
{
	sb_reserve(s, n);
	memcpy(s->p + s->len, str, n);
	s->len += n;
	s->p[s->len] = 0;
}

static void sb_add(sb_t *s, const char *str)
{
	sb_addn(s, str, strlen(str));
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(sb_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(s, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

static void sb_free(sb_t *s)
{
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
}

/* one line, one write(2) (looping on partial writes) */
static void emit(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(1, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		len -= (size_t)w;
	}
}

static void emit_sb(sb_t *s)
{
	emit(s->p ? s->p : "", s->len);
}

static void add_ename(sb_t *s, int e)
{
	static const struct {
		int e;
		const char *n;
	} tab[] = {
		{EPERM, "EPERM"},     {ENOENT, "ENOENT"},   {ESRCH, "ESRCH"},
		{EINTR, "EINTR"},     {EIO, "EIO"},         {E2BIG, "E2BIG"},
		{ENOEXEC, "ENOEXEC"}, {EBADF, "EBADF"},     {ECHILD, "ECHILD"},
		{EAGAIN, "EAGAIN"},   {ENOMEM, "ENOMEM"},   {EACCES, "EACCES"},
		{EFAULT, "EFAULT"},   {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},
		{ETXTBSY, "ETXTBSY"}, {EINVAL, "EINVAL"},   {ERANGE, "ERANGE"},
		{ENOSYS, "ENOSYS"},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (tab[i].e == e) {
			sb_add(s, tab[i].n);
			return;
		}
	}
	sb_printf(s, "E%d", e);
}

static void add_result(sb_t *s, long r, int e)
{
	if (r == -1) {
		sb_add(s, "-1 ");
		add_ename(s, e);
	} else {
		sb_printf(s, "%ld", r);
	}
}

/* the file steps (files.c) */
struct fop;
static const struct fop *file_lookup(const char *name, int *is16);
static void fs_snapshot(sb_t *o);
static int g_fs;

/* ------------------------------------------------------------------ */
/* snapshot                                                            */

static void snapshot(sb_t *o, const char *prefix)
{
	long r;
	uint32_t ids[3];

	sb_add(o, prefix);

	/* uid */
	sb_add(o, "uid=");
	r = syscall(NR32(getresuid), (unsigned long)(uintptr_t)&ids[0],
		    (unsigned long)(uintptr_t)&ids[1],
		    (unsigned long)(uintptr_t)&ids[2]);
	if (r == 0)
		sb_printf(o, "%" PRIu32 ",%" PRIu32 ",%" PRIu32, ids[0], ids[1], ids[2]);
	else
		sb_add(o, "?,?,?");
	r = syscall(NR32(setfsuid), (unsigned long)-1L);
	if (r == -1)
		sb_add(o, ",?");
	else
		sb_printf(o, ",%" PRIu32, (uint32_t)r);

	/* gid */
	sb_add(o, " gid=");
	r = syscall(NR32(getresgid), (unsigned long)(uintptr_t)&ids[0],
		    (unsigned long)(uintptr_t)&ids[1],
		    (unsigned long)(uintptr_t)&ids[2]);
	if (r == 0)
		sb_printf(o, "%" PRIu32 ",%" PRIu32 ",%" PRIu32, ids[0], ids[1], ids[2]);
	else
		sb_add(o, "?,?,?");
	r = syscall(NR32(setfsgid), (unsigned long)-1L);
	if (r == -1)
		sb_add(o, ",?");
	else
		sb_printf(o, ",%" PRIu32, (uint32_t)r);

	/* groups */
	sb_add(o, " groups=");
	r = syscall(NR32(getgroups), 0UL, 0UL);
	if (r < 0) {
		sb_add(o, "?");
	} else {
		long n = r;
		uint32_t *g = malloc(((size_t)n + 1) * sizeof *g);
		if (!g) {
			sb_add(o, "?");
		} else {
			r = syscall(NR32(getgroups), (unsigned long)n,
				    (unsigned long)(uintptr_t)g);
			if (r < 0) {
				sb_add(o, "?");
			} else if (r == 0) {
				sb_add(o, "-");
			} else {
				long shown = r > 32 ? 32 : r;
				for (long i = 0; i < shown; i++)
					sb_printf(o, "%s%" PRIu32, i ? "," : "", g[i]);
				if (r > 32)
					sb_printf(o, ",+%ld", r - 32);
			}
			free(g);
		}
	}

	/* caps */
	sb_add(o, " caps=");
	{
		struct {
			uint32_t version;
			int32_t pid;
		} hdr = {CAP_V3, 0};
		uint32_t d[6];
		memset(d, 0, sizeof d);
		r = syscall(SYS_capget, (unsigned long)(uintptr_t)&hdr,
			    (unsigned long)(uintptr_t)d);
		if (r == 0) {
			uint64_t e = (uint64_t)d[0] | ((uint64_t)d[3] << 32);
			uint64_t p = (uint64_t)d[1] | ((uint64_t)d[4] << 32);
			uint64_t i = (uint64_t)d[2] | ((uint64_t)d[5] << 32);
			sb_printf(o, "%" PRIx64 "/%" PRIx64 "/%" PRIx64, e, p, i);
		} else {
			sb_add(o, "?/?/?");
		}
	}

	/* bnd, amb */
	for (int which = 0; which < 2; which++) {
		uint64_t bits = 0;
		int bad = 0;
		sb_add(o, which ? " amb=" : " bnd=");
		for (unsigned long c = 0; c < 64; c++) {
			if (which)
				r = syscall(SYS_prctl, 47UL, 1UL, c, 0UL, 0UL);
			else
				r = syscall(SYS_prctl, 23UL, c, 0UL, 0UL, 0UL);
			if (r == -1) {
				if (errno != EINVAL)
					bad = 1;
				break;
			}
			if (r == 1)
				bits |= (uint64_t)1 << c;
		}
		if (bad)
			sb_add(o, "?");
		else
			sb_printf(o, "%" PRIx64, bits);
	}

	/* sb, keep, nnp */
	r = syscall(SYS_prctl, 27UL, 0UL, 0UL, 0UL, 0UL);
	if (r == -1)
		sb_add(o, " sb=0x?");
	else
		sb_printf(o, " sb=0x%lx", (unsigned long)r);
	r = syscall(SYS_prctl, 7UL, 0UL, 0UL, 0UL, 0UL);
	if (r == -1)
		sb_add(o, " keep=?");
	else
		sb_printf(o, " keep=%ld", r);
	r = syscall(SYS_prctl, 39UL, 0UL, 0UL, 0UL, 0UL);
	if (r == -1)
		sb_add(o, " nnp=?");
	else
		sb_printf(o, " nnp=%ld", r);
	r = syscall(SYS_prctl, 3UL, 0UL, 0UL, 0UL, 0UL);
	if (r == -1)
		sb_add(o, " dump=?");
	else
		sb_printf(o, " dump=%ld", r);
	sb_add(o, "\n");
}

static void emit_snapshot(const char *prefix)
{
	sb_t s = {0};
	snapshot(&s, prefix);
	if (g_fs)
		fs_snapshot(&s);
	emit_sb(&s);
	sb_free(&s);
}

/* ------------------------------------------------------------------ */
/* parsing                                                             */

static const struct {
	const char *name;
	uint64_t val;
} numnames[] = {
	{"PR_GET_DUMPABLE", 3},        {"PR_SET_DUMPABLE", 4},
	{"PR_GET_KEEPCAPS", 7},        {"PR_SET_KEEPCAPS", 8},
	{"PR_CAPBSET_READ", 23},       {"PR_CAPBSET_DROP", 24},
	{"PR_GET_SECUREBITS", 27},     {"PR_SET_SECUREBITS", 28},
	{"PR_SET_NO_NEW_PRIVS", 38},   {"PR_GET_NO_NEW_PRIVS", 39},
	{"PR_CAP_AMBIENT", 47},        {"PR_CAP_AMBIENT_IS_SET", 1},
	{"PR_CAP_AMBIENT_RAISE", 2},   {"PR_CAP_AMBIENT_LOWER", 3},
	{"PR_CAP_AMBIENT_CLEAR_ALL", 4},
	{"CLONE_VM", 0x100},           {"CLONE_FS", 0x200},
	{"CLONE_FILES", 0x400},        {"CLONE_SIGHAND", 0x800},
	{"CLONE_THREAD", 0x10000},     {"CLONE_NEWNS", 0x20000},
	{"CLONE_SYSVSEM", 0x40000},    {"CLONE_NEWTIME", 0x80},
	{"CLONE_NEWCGROUP", 0x2000000}, {"CLONE_NEWUTS", 0x4000000},
	{"CLONE_NEWIPC", 0x8000000},   {"CLONE_NEWUSER", 0x10000000},
	{"CLONE_NEWPID", 0x20000000},  {"CLONE_NEWNET", 0x40000000},
};

static int parse_num(const char *s, uint64_t *out)
{
	for (size_t i = 0; i < sizeof numnames / sizeof numnames[0]; i++) {
		if (strcmp(s, numnames[i].name) == 0) {
			*out = numnames[i].val;
			return 1;
		}
	}
	int neg = 0;
	uint64_t v = 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (s[0] == '0' && s[1] == 'x') {
		s += 2;
		if (!*s)
			return 0;
		for (; *s; s++) {
			unsigned d;
			if (*s >= '0' && *s <= '9')
				d = (unsigned)(*s - '0');
			else if (*s >= 'a' && *s <= 'f')
				d = (unsigned)(*s - 'a' + 10);
			else if (*s >= 'A' && *s <= 'F')
				d = (unsigned)(*s - 'A' + 10);
			else
				return 0;
			if (v >> 60)
				return 0;
			v = v * 16 + d;
		}
	} else {
		if (!*s)
			return 0;
		for (; *s; s++) {
			if (*s < '0' || *s > '9')
				return 0;
			unsigned d = (unsigned)(*s - '0');
			if (v > (UINT64_MAX - d) / 10)
				return 0;
			v = v * 10 + d;
		}
	}
	*out = neg ? (uint64_t)0 - v : v;
	return 1;
}

enum pkind { P_V, P_NULL, P_E };

typedef struct {
	enum pkind kind;
	unsigned k;
} pspec;

static int parse_eK(const char *s, unsigned *k)
{
	if (s[0] != 'e' || !s[1])
		return 0;
	unsigned v = 0;
	for (s++; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 1024)
			return 0;
	}
	*k = v;
	return 1;
}

static int parse_pspec(const char *s, pspec *p)
{
	if (strcmp(s, "v") == 0) {
		p->kind = P_V;
		p->k = 0;
		return 1;
	}
	if (strcmp(s, "null") == 0) {
		p->kind = P_NULL;
		p->k = 0;
		return 1;
	}
	if (parse_eK(s, &p->k)) {
		p->kind = P_E;
		return 1;
	}
	return 0;
}

enum kind {
	K_ID1, K_ID2, K_ID3, K_GET0, K_GETRES, K_GETGROUPS, K_SETGROUPS,
	K_CAPGET, K_CAPSET, K_PRCTL, K_THREAD, K_FORK, K_EXEC,
	/* the capability checks of other calls (SCRIPT.md "Other calls") */
	K_KILL, K_TGKILL, K_CHROOT, K_UNSHARE, K_SETNS, K_MOUNT, K_PIVOT,
	K_SECCOMP, K_SETHOSTNAME, K_PTRACE,
	K_FILE, /* the file steps (files.c) */
};

struct opdef {
	const char *name;
	enum kind kind;
	long nr;
	long nr16;
	int has16;
};

static const struct opdef ops[] = {
	{"setuid", K_ID1, NR32(setuid), NR16(setuid), 1},
	{"setgid", K_ID1, NR32(setgid), NR16(setgid), 1},
	{"setfsuid", K_ID1, NR32(setfsuid), NR16(setfsuid), 1},
	{"setfsgid", K_ID1, NR32(setfsgid), NR16(setfsgid), 1},
	{"setreuid", K_ID2, NR32(setreuid), NR16(setreuid), 1},
	{"setregid", K_ID2, NR32(setregid), NR16(setregid), 1},
	{"setresuid", K_ID3, NR32(setresuid), NR16(setresuid), 1},
	{"setresgid", K_ID3, NR32(setresgid), NR16(setresgid), 1},
	{"getuid", K_GET0, NR32(getuid), NR16(getuid), 1},
	{"geteuid", K_GET0, NR32(geteuid), NR16(geteuid), 1},
	{"getgid", K_GET0, NR32(getgid), NR16(getgid), 1},
	{"getegid", K_GET0, NR32(getegid), NR16(getegid), 1},
	{"getresuid", K_GETRES, NR32(getresuid), NR16(getresuid), 1},
	{"getresgid", K_GETRES, NR32(getresgid), NR16(getresgid), 1},
	{"getgroups", K_GETGROUPS, NR32(getgroups), NR16(getgroups), 1},
	{"setgroups", K_SETGROUPS, NR32(setgroups), NR16(setgroups), 1},
	{"capget", K_CAPGET, SYS_capget, -1L, 0},
	{"capset", K_CAPSET, SYS_capset, -1L, 0},
	{"prctl", K_PRCTL, SYS_prctl, -1L, 0},
	{"kill", K_KILL, SYS_kill, -1L, 0},
	{"tkill", K_KILL, SYS_tkill, -1L, 0},
	{"sigqueue", K_KILL, SYS_rt_sigqueueinfo, -1L, 0},
	{"tgkill", K_TGKILL, SYS_tgkill, -1L, 0},
	{"tgsigqueue", K_TGKILL, SYS_rt_tgsigqueueinfo, -1L, 0},
	{"pidfd_kill", K_KILL, SYS_pidfd_send_signal, -1L, 0},
	{"chroot", K_CHROOT, SYS_chroot, -1L, 0},
	{"unshare", K_UNSHARE, SYS_unshare, -1L, 0},
	{"setns", K_SETNS, SYS_setns, -1L, 0},
	{"mount", K_MOUNT, SYS_mount, -1L, 0},
	{"umount", K_MOUNT, SYS_umount2, -1L, 0},
	{"pivot_root", K_PIVOT, SYS_pivot_root, -1L, 0},
	{"seccomp", K_SECCOMP, SYS_seccomp, -1L, 0},
	{"prctl_seccomp", K_SECCOMP, SYS_prctl, -1L, 0},
	{"sethostname", K_SETHOSTNAME, SYS_sethostname, -1L, 0},
	{"ptrace", K_PTRACE, SYS_ptrace, -1L, 0},
	{"thread", K_THREAD, -1L, -1L, 0},
	{"fork", K_FORK, -1L, -1L, 0},
	{"exec", K_EXEC, -1L, -1L, 0},
};

enum pidkind { PID_NUM, PID_SELF, PID_PARENT, PID_NOSUCH };
enum srckind { SRC_NULL, SRC_LIST, SRC_E };

typedef struct step {
	const struct opdef *op;
	int is16;
	uint64_t n[5];
	pspec p[3];
	int hdr_null;
	enum pidkind pidkind;
	int32_t pidval;
	enum srckind srckind;
	unsigned srck;
	uint64_t *list;
	size_t listlen;
	const char *execkind;
	struct step *inner;
	int inner_ok;
	char **words; /* the arguments, for the K_KILL.. kinds and K_FILE */
	int nwords;
	const struct fop *fop;
} step_t;

static void step_free(step_t *st)
{
	free(st->list);
	st->list = NULL;
	if (st->inner) {
		step_free(st->inner);
		free(st->inner);
		st->inner = NULL;
	}
}

static const struct opdef *lookup_op(const char *name, int *is16)
{
	size_t n = sizeof ops / sizeof ops[0];
	for (size_t i = 0; i < n; i++) {
		if (strcmp(name, ops[i].name) == 0) {
			*is16 = 0;
			return &ops[i];
		}
	}
	size_t len = strlen(name);
	if (len > 2 && strcmp(name + len - 2, "16") == 0) {
		for (size_t i = 0; i < n; i++) {
			if (ops[i].has16 && strlen(ops[i].name) == len - 2 &&
			    strncmp(name, ops[i].name, len - 2) == 0) {
				*is16 = 1;
				return &ops[i];
			}
		}
	}
	return NULL;
}

static int parse_pid(const char *s, step_t *st)
{
	uint64_t v;
	st->pidval = 0;
	if (strcmp(s, "self") == 0) {
		st->pidkind = PID_SELF;
		return 1;
	}
	if (strcmp(s, "parent") == 0) {
		st->pidkind = PID_PARENT;
		return 1;
	}
	if (strcmp(s, "nosuch") == 0) {
		st->pidkind = PID_NOSUCH;
		return 1;
	}
	if (!parse_num(s, &v))
		return 0;
	st->pidkind = PID_NUM;
	st->pidval = (int32_t)(uint32_t)v;
	return 1;
}

/* LIST: "-" or comma separated numbers */
static int parse_list(const char *s, step_t *st)
{
	st->list = NULL;
	st->listlen = 0;
	if (strcmp(s, "-") == 0)
		return 1;
	size_t cnt = 1;
	for (const char *q = s; *q; q++)
		if (*q == ',')
			cnt++;
	st->list = malloc(cnt * sizeof *st->list);
	if (!st->list)
		return 0;
	const char *q = s;
	for (size_t i = 0; i < cnt; i++) {
		const char *c = strchr(q, ',');
		size_t l = c ? (size_t)(c - q) : strlen(q);
		if (l == 0)
			return 0;
		char *tmp = strndup(q, l);
		if (!tmp)
			return 0;
		int ok = parse_num(tmp, &st->list[i]);
		free(tmp);
		if (!ok)
			return 0;
		q = c ? c + 1 : q + l;
	}
	st->listlen = cnt;
	return 1;
}

static int parse_src(const char *s, step_t *st)
{
	if (strcmp(s, "null") == 0) {
		st->srckind = SRC_NULL;
		return 1;
	}
	if (s[0] == 'e') {
		const char *colon = strchr(s, ':');
		if (!colon)
			return 0;
		char *tmp = strndup(s, (size_t)(colon - s));
		if (!tmp)
			return 0;
		int ok = parse_eK(tmp, &st->srck);
		free(tmp);
		if (!ok)
			return 0;
		st->srckind = SRC_E;
		return parse_list(colon + 1, st);
	}
	st->srckind = SRC_LIST;
	return parse_list(s, st);
}

/* returns 1 if the step is well formed */
static int parse_step(char **w, int nw, step_t *st)
{
	memset(st, 0, sizeof *st);
	if (nw < 1)
		return 0;
	st->op = lookup_op(w[0], &st->is16);
	if (!st->op) {
		static const struct opdef file_op = {"file", K_FILE, -1L, -1L, 0};
		st->fop = file_lookup(w[0], &st->is16);
		if (!st->fop)
			return 0;
		st->op = &file_op;
		st->words = w + 1;
		st->nwords = nw - 1;
		return 1; /* the arguments are parsed when the step runs */
	}
	if (st->is16 && !HAVE16)
		return 1; /* answered -1 ENOSYS, arguments not looked at */
	int na = nw - 1;
	char **a = w + 1;
	switch (st->op->kind) {
	case K_ID1:
	case K_ID2:
	case K_ID3: {
		int want = st->op->kind == K_ID1 ? 1 : st->op->kind == K_ID2 ? 2 : 3;
		if (na != want)
			return 0;
		for (int i = 0; i < want; i++)
			if (!parse_num(a[i], &st->n[i]))
				return 0;
		return 1;
	}
	case K_GET0:
		return na == 0;
	case K_GETRES:
		if (na != 3)
			return 0;
		for (int i = 0; i < 3; i++)
			if (!parse_pspec(a[i], &st->p[i]))
				return 0;
		return 1;
	case K_GETGROUPS:
		return na == 2 && parse_num(a[0], &st->n[0]) &&
		       parse_pspec(a[1], &st->p[0]);
	case K_SETGROUPS:
		return na == 2 && parse_num(a[0], &st->n[0]) && parse_src(a[1], st);
	case K_CAPGET:
		if (na != 3 && na != 4)
			return 0;
		if (!parse_num(a[0], &st->n[0]) || !parse_pid(a[1], st) ||
		    !parse_pspec(a[2], &st->p[0]))
			return 0;
		if (na == 4) {
			if (strcmp(a[3], "null") == 0)
				st->hdr_null = 1;
			else if (strcmp(a[3], "v") != 0)
				return 0;
		}
		return 1;
	case K_CAPSET:
		if (na != 5 && na != 6)
			return 0;
		if (!parse_num(a[0], &st->n[0]) || !parse_pid(a[1], st) ||
		    !parse_num(a[2], &st->n[1]) || !parse_num(a[3], &st->n[2]) ||
		    !parse_num(a[4], &st->n[3]))
			return 0;
		st->p[0].kind = P_V;
		if (na == 6 && !parse_pspec(a[5], &st->p[0]))
			return 0;
		return 1;
	case K_PRCTL:
		if (na < 1 || na > 5)
			return 0;
		for (int i = 0; i < na; i++)
			if (!parse_num(a[i], &st->n[i]))
				return 0;
		return 1;
	case K_THREAD:
		if (na < 1 || strcmp(a[0], "thread") == 0 ||
		    strcmp(a[0], "fork") == 0 || strcmp(a[0], "exec") == 0)
			return 0;
		st->inner = calloc(1, sizeof *st->inner);
		if (!st->inner)
			return 0;
		/* a malformed inner step is `!bad` inside the thread */
		st->inner_ok = parse_step(a, na, st->inner);
		return 1;
	case K_KILL:
	case K_TGKILL: {
		int want = st->op->kind == K_KILL ? 2 : 3;
		if (na != want)
			return 0;
		for (int i = 0; i < want - 1; i++)
			if (!parse_pid(strcmp(a[i], "main") ? a[i] : "0", st))
				return 0;
		st->words = a;
		return parse_num(a[want - 1], &st->n[0]);
	}
	case K_CHROOT:
		st->words = a;
		return na == 1;
	case K_UNSHARE:
		return na == 1 && parse_num(a[0], &st->n[0]);
	case K_SETNS:
		st->words = a;
		return na == 2 && parse_num(a[1], &st->n[0]) &&
		       (strcmp(a[0], "badfd") == 0 || strchr(a[0], '/') == NULL);
	case K_MOUNT:
		st->words = a;
		return na == 2 && parse_num(a[1], &st->n[0]);
	case K_PIVOT:
	case K_SETHOSTNAME:
		return na == 0;
	case K_PTRACE:
		/* REQ (attach, seize or a number) PID ADDR DATA; never the
		 * parent, which an allowed attach would stop */
		st->words = a;
		if (na != 4 || !strcmp(a[1], "parent"))
			return 0;
		if (!strcmp(a[0], "attach"))
			st->n[0] = 16;
		else if (!strcmp(a[0], "seize"))
			st->n[0] = 0x4206;
		else if (!parse_num(a[0], &st->n[0]))
			return 0;
		return parse_num(a[2], &st->n[1]) && parse_num(a[3], &st->n[2]);
	case K_SECCOMP:
		st->words = a;
		return na == 2 && parse_num(a[0], &st->n[0]) &&
		       (!strcmp(a[1], "allow") || !strcmp(a[1], "bad") ||
			!strcmp(a[1], "empty") || !strcmp(a[1], "long") ||
			!strcmp(a[1], "null"));
	case K_FILE:
	case K_FORK:
		return na == 0;
	case K_EXEC:
		if (na > 1)
			return 0;
		st->execkind = na ? a[0] : "plain";
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* buffers                                                             */

typedef struct {
	void *map;
	size_t maplen;
	unsigned char *ptr;
	unsigned slots;
	unsigned slotsz;
} buf_t;

static size_t pagesz(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

/* kind v: vslots slots; kind e: K slots before a PROT_NONE page.
 * Filled with the 0xAA.. sentinel. Returns 0 on failure (errno set). */
static int buf_alloc(buf_t *b, enum pkind kind, unsigned k, unsigned slotsz,
		     unsigned vslots)
{
	memset(b, 0, sizeof *b);
	b->slotsz = slotsz;
	if (kind == P_NULL)
		return 1;
	size_t pg = pagesz();
	if (kind == P_V) {
		size_t bytes = (size_t)vslots * slotsz;
		size_t len = (bytes + pg - 1) / pg * pg;
		if (len == 0)
			len = pg;
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return 0;
		b->map = m;
		b->maplen = len;
		b->ptr = m;
		b->slots = vslots;
		memset(m, 0xAA, bytes);
		return 1;
	}
	size_t bytes = (size_t)k * slotsz;
	size_t datapages = (bytes + pg - 1) / pg;
	if (datapages == 0)
		datapages = 1;
	size_t len = (datapages + 1) * pg;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	unsigned char *guard = (unsigned char *)m + datapages * pg;
	if (mprotect(guard, pg, PROT_NONE) != 0) {
		int e = errno;
		munmap(m, len);
		errno = e;
		return 0;
	}
	b->map = m;
	b->maplen = len;
	b->ptr = guard - bytes;
	b->slots = k;
	memset(b->ptr, 0xAA, bytes);
	return 1;
}

static void buf_free(buf_t *b)
{
	if (b->map)
		munmap(b->map, b->maplen);
	b->map = NULL;
}

static uint32_t buf_get(const buf_t *b, unsigned i)
{
	if (b->slotsz == 2) {
		uint16_t v;
		memcpy(&v, b->ptr + (size_t)i * 2, 2);
		return v;
	}
	uint32_t v;
	memcpy(&v, b->ptr + (size_t)i * 4, 4);
	return v;
}

static void buf_set(buf_t *b, unsigned i, uint64_t val)
{
	if (b->slotsz == 2) {
		uint16_t v = (uint16_t)val;
		memcpy(b->ptr + (size_t)i * 2, &v, 2);
	} else {
		uint32_t v = (uint32_t)val;
		memcpy(b->ptr + (size_t)i * 4, &v, 4);
	}
}

static unsigned long uptr(const buf_t *b)
{
	return (unsigned long)(uintptr_t)b->ptr;
}

/* ------------------------------------------------------------------ */
/* executing one call step (not thread/fork/exec): appends RESULT[ EXTRA] */

static int32_t resolve_pid(const step_t *st)
{
	switch (st->pidkind) {
	case PID_SELF:
		return (int32_t)syscall(SYS_gettid);
	case PID_PARENT:
		return (int32_t)getppid();
	case PID_NOSUCH:
		return 0x3ffffff0;
	case PID_NUM:
		break;
	}
	return st->pidval;
}

static const char *g_dir;

/* a PID word of the K_KILL kinds, resolved by the calling thread */
static int32_t pid_word(const char *w)
{
	uint64_t v = 0;
	if (strcmp(w, "self") == 0)
		return (int32_t)syscall(SYS_gettid);
	if (strcmp(w, "main") == 0)
		return (int32_t)getpid();
	if (strcmp(w, "parent") == 0)
		return (int32_t)getppid();
	if (strcmp(w, "nosuch") == 0)
		return 0x3ffffff0;
	parse_num(w, &v);
	return (int32_t)(uint32_t)v;
}

/* a PATH word: `null`, `/`, or a name in DIR (malloc'd, or NULL) */
static char *path_word(const char *w)
{
	if (strcmp(w, "null") == 0)
		return NULL;
	if (strcmp(w, "/") == 0)
		return strdup("/");
	sb_t p = {0};
	sb_printf(&p, "%s/%s", g_dir, strcmp(w, "dir") ? w : ".");
	return p.p;
}

static const char *ns_word(const char *w)
{
	static const char *const names[] = {"mnt", "uts", "ipc", "net", "cgroup", "user", "pid", "time"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(w, names[i]) == 0)
			return names[i];
	return NULL;
}

#include "files.c"

static void run_priv(const step_t *st, sb_t *o)
{
	long nr = st->op->nr, r = -1;
	int e = 0;
	switch (st->op->kind) {
	case K_KILL:
	case K_TGKILL: {
		int two = st->op->kind == K_TGKILL;
		int32_t p0 = pid_word(st->words[0]);
		int32_t p1 = two ? pid_word(st->words[1]) : 0;
		int sig = (int)(uint32_t)st->n[0];
		siginfo_t si;
		memset(&si, 0, sizeof si);
		si.si_signo = sig;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		si.si_uid = getuid();
		if (nr == SYS_pidfd_send_signal) {
			/* a pidfd of PID (pidfd_open's error if it has none) */
			long fd = syscall(SYS_pidfd_open, (long)p0, 0L);
			r = fd < 0 ? fd : syscall(nr, fd, (long)sig, NULL, 0L);
			e = errno;
			if (fd >= 0)
				close((int)fd);
			break;
		}
		if (nr == SYS_rt_sigqueueinfo)
			r = syscall(nr, (long)p0, (long)sig, &si);
		else if (nr == SYS_rt_tgsigqueueinfo)
			r = syscall(nr, (long)p0, (long)p1, (long)sig, &si);
		else if (two)
			r = syscall(nr, (long)p0, (long)p1, (long)sig);
		else
			r = syscall(nr, (long)p0, (long)sig);
		e = errno;
		break;
	}
	case K_PTRACE:
		r = syscall(nr, (long)st->n[0], (long)pid_word(st->words[1]), (unsigned long)st->n[1], (unsigned long)st->n[2]);
		e = errno;
		break;
	case K_CHROOT:
	case K_MOUNT: {
		char *path = path_word(st->words[0]);
		if (nr == SYS_chroot)
			r = syscall(nr, path);
		else if (nr == SYS_mount)
			r = syscall(nr, "none", path, "credshim-nofs", (unsigned long)st->n[0], NULL);
		else
			r = syscall(nr, path, (unsigned long)st->n[0]);
		e = errno;
		free(path);
		break;
	}
	case K_UNSHARE:
		r = syscall(nr, (unsigned long)st->n[0]);
		e = errno;
		break;
	case K_SETNS: {
		int fd = -1;
		const char *ns = ns_word(st->words[0]);
		if (ns) {
			sb_t p = {0};
			sb_printf(&p, "/proc/thread-self/ns/%s", ns);
			fd = open(p.p, O_RDONLY | O_CLOEXEC);
			sb_free(&p);
			if (fd < 0) {
				add_result(o, -1, errno);
				return;
			}
		}
		r = syscall(nr, (long)fd, (long)(int)(uint32_t)st->n[0]);
		e = errno;
		if (fd >= 0)
			close(fd);
		break;
	}
	case K_PIVOT:
		r = syscall(nr, g_dir, g_dir);
		e = errno;
		break;
	case K_SECCOMP: {
		/* allow: BPF_RET|BPF_K SECCOMP_RET_ALLOW; bad: an unknown opcode */
		static struct { uint16_t code; uint8_t jt, jf; uint32_t k; } prog[1];
		struct { unsigned short len; void *filter; } fprog = {1, prog};
		const char *w = st->words[1];
		prog[0].code = strcmp(w, "bad") ? 0x06 : 0xffff;
		prog[0].k = 0x7fff0000u;
		if (strcmp(w, "empty") == 0)
			fprog.len = 0;
		if (strcmp(w, "long") == 0)
			fprog.len = 4097;
		void *arg = strcmp(w, "null") ? (void *)&fprog : NULL;
		if (nr == SYS_seccomp)
			r = syscall(nr, 1L /* SECCOMP_SET_MODE_FILTER */, (unsigned long)st->n[0], arg);
		else
			r = syscall(nr, 22L /* PR_SET_SECCOMP */, (unsigned long)st->n[0], arg, 0L, 0L);
		e = errno;
		break;
	}
	case K_SETHOSTNAME:
		r = syscall(nr, "credshim", -1L);
		e = errno;
		break;
	default:
		sb_add(o, "!bad");
		return;
	}
	add_result(o, r, e);
}

static void run_step(const step_t *st, sb_t *o)
{
	const struct opdef *op = st->op;
	unsigned ss = st->is16 ? 2 : 4;
	long nr = st->is16 ? op->nr16 : op->nr;
	long r;
	int e = 0;
	buf_t b[3];

	if (st->is16 && !HAVE16) {
		sb_add(o, "-1 ENOSYS");
		return;
	}

	switch (op->kind) {
	case K_ID1:
		r = syscall(nr, (unsigned long)st->n[0]);
		e = errno;
		add_result(o, r, e);
		return;
	case K_ID2:
		r = syscall(nr, (unsigned long)st->n[0], (unsigned long)st->n[1]);
		e = errno;
		add_result(o, r, e);
		return;
	case K_ID3:
		r = syscall(nr, (unsigned long)st->n[0], (unsigned long)st->n[1],
			    (unsigned long)st->n[2]);
		e = errno;
		add_result(o, r, e);
		return;
	case K_GET0:
		r = syscall(nr);
		e = errno;
		add_result(o, r, e);
		return;
	case K_GETRES:
		for (int i = 0; i < 3; i++) {
			if (!buf_alloc(&b[i], st->p[i].kind, st->p[i].k, ss, 16)) {
				e = errno;
				for (int j = 0; j < i; j++)
					buf_free(&b[j]);
				add_result(o, -1, e);
				return;
			}
		}
		r = syscall(nr, uptr(&b[0]), uptr(&b[1]), uptr(&b[2]));
		e = errno;
		add_result(o, r, e);
		sb_add(o, " [");
		for (int i = 0; i < 3; i++) {
			if (i)
				sb_add(o, ",");
			if (b[i].ptr == NULL || b[i].slots == 0)
				sb_add(o, "x");
			else
				sb_printf(o, "%" PRIu32, buf_get(&b[i], 0));
			buf_free(&b[i]);
		}
		sb_add(o, "]");
		return;
	case K_GETGROUPS: {
		if (!buf_alloc(&b[0], st->p[0].kind, st->p[0].k, ss, GROUPS_V_SLOTS)) {
			add_result(o, -1, errno);
			return;
		}
		r = syscall(nr, (unsigned long)st->n[0], uptr(&b[0]));
		e = errno;
		add_result(o, r, e);
		int32_t size = (int32_t)(uint32_t)st->n[0];
		unsigned n = size > 0 ? (unsigned)size : 0;
		if (n > b[0].slots)
			n = b[0].slots;
		if (n > 16)
			n = 16;
		sb_add(o, " [");
		for (unsigned i = 0; i < n; i++)
			sb_printf(o, "%s%" PRIu32, i ? "," : "", buf_get(&b[0], i));
		sb_add(o, "]");
		buf_free(&b[0]);
		return;
	}
	case K_SETGROUPS: {
		int ok = 1;
		if (st->srckind == SRC_NULL) {
			ok = buf_alloc(&b[0], P_NULL, 0, ss, 0);
		} else if (st->srckind == SRC_LIST) {
			uint32_t sz = (uint32_t)st->n[0];
			size_t slots = sz < GROUPS_V_SLOTS ? sz : GROUPS_V_SLOTS;
			if (st->listlen > slots)
				slots = st->listlen;
			ok = buf_alloc(&b[0], P_V, 0, ss, (unsigned)slots);
			if (ok) {
				memset(b[0].ptr, 0, slots * ss);
				for (size_t i = 0; i < st->listlen; i++)
					buf_set(&b[0], (unsigned)i, st->list[i]);
			}
		} else {
			ok = buf_alloc(&b[0], P_E, st->srck, ss, 0);
			if (ok) {
				memset(b[0].ptr, 0, (size_t)st->srck * ss);
				for (size_t i = 0; i < st->listlen && i < st->srck; i++)
					buf_set(&b[0], (unsigned)i, st->list[i]);
			}
		}
		if (!ok) {
			add_result(o, -1, errno);
			return;
		}
		r = syscall(nr, (unsigned long)st->n[0], uptr(&b[0]));
		e = errno;
		add_result(o, r, e);
		buf_free(&b[0]);
		return;
	}
	case K_CAPGET: {
		struct {
			uint32_t version;
			int32_t pid;
		} hdr;
		hdr.version = (uint32_t)st->n[0];
		hdr.pid = resolve_pid(st);
		if (!buf_alloc(&b[0], st->p[0].kind, st->p[0].k, 4, 6)) {
			add_result(o, -1, errno);
			return;
		}
		r = syscall(SYS_capget,
			    st->hdr_null ? 0UL : (unsigned long)(uintptr_t)&hdr,
			    uptr(&b[0]));
		e = errno;
		add_result(o, r, e);
		if (st->hdr_null)
			sb_add(o, " hv=x");
		else
			sb_printf(o, " hv=0x%08" PRIx32, hdr.version);
		unsigned n = b[0].slots < 6 ? b[0].slots : 6;
		sb_add(o, " [");
		for (unsigned i = 0; i < n; i++)
			sb_printf(o, "%s0x%" PRIx32, i ? "," : "", buf_get(&b[0], i));
		sb_add(o, "]");
		buf_free(&b[0]);
		return;
	}
	case K_CAPSET: {
		struct {
			uint32_t version;
			int32_t pid;
		} hdr;
		hdr.version = (uint32_t)st->n[0];
		hdr.pid = resolve_pid(st);
		uint64_t vals[3] = {st->n[1], st->n[2], st->n[3]};
		uint32_t d[6];
		for (int i = 0; i < 3; i++) {
			d[i] = (uint32_t)vals[i];
			d[i + 3] = (uint32_t)(vals[i] >> 32);
		}
		if (!buf_alloc(&b[0], st->p[0].kind, st->p[0].k, 4, 6)) {
			add_result(o, -1, errno);
			return;
		}
		for (unsigned i = 0; i < 6 && i < b[0].slots; i++)
			buf_set(&b[0], i, d[i]);
		r = syscall(SYS_capset, (unsigned long)(uintptr_t)&hdr, uptr(&b[0]));
		e = errno;
		add_result(o, r, e);
		sb_printf(o, " hv=0x%08" PRIx32, hdr.version);
		buf_free(&b[0]);
		return;
	}
	case K_PRCTL:
		r = syscall(SYS_prctl, (unsigned long)st->n[0],
			    (unsigned long)st->n[1], (unsigned long)st->n[2],
			    (unsigned long)st->n[3], (unsigned long)st->n[4]);
		e = errno;
		add_result(o, r, e);
		return;
	case K_KILL:
	case K_TGKILL:
	case K_CHROOT:
	case K_UNSHARE:
	case K_SETNS:
	case K_MOUNT:
	case K_PIVOT:
	case K_SECCOMP:
	case K_SETHOSTNAME:
	case K_PTRACE:
		run_priv(st, o);
		return;
	case K_FILE:
		run_file(st->fop, st->is16, st->words, st->nwords, o);
		return;
	case K_THREAD:
	case K_FORK:
	case K_EXEC:
		break;
	}
	sb_add(o, "!bad");
}

/* ------------------------------------------------------------------ */
/* thread                                                              */

struct thr {
	const step_t *st;
	int ok;
	sb_t res;
	sb_t snap;
	int res_done;
	int snap_done;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	/* reserve up front so that nothing needs to allocate mid-way */
	sb_reserve(&t->res, 1024);
	sb_reserve(&t->snap, 2048);
	if (t->ok)
		run_step(t->st, &t->res);
	else
		sb_add(&t->res, "!bad");
	t->res_done = 1;
	snapshot(&t->snap, "  [thread] ");
	t->snap_done = 1;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* scripts                                                             */

static const char *g_dir = ".";

typedef struct {
	char *text; /* words joined by single spaces */
	char **w;
	int nw;
} rstep;

typedef struct {
	rstep *s;
	int n;
	char *store;
} script_t;

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void script_split(const char *src, script_t *sc)
{
	size_t len = strlen(src);
	sc->store = malloc(len + 1);
	sc->s = NULL;
	sc->n = 0;
	if (!sc->store)
		_exit(99);
	memcpy(sc->store, src, len + 1);
	size_t nsteps = 1;
	for (size_t i = 0; i < len; i++)
		if (src[i] == ';')
			nsteps++;
	sc->s = calloc(nsteps, sizeof *sc->s);
	if (!sc->s)
		_exit(99);
	char *p = sc->store;
	for (;;) {
		char *semi = strchr(p, ';');
		if (semi)
			*semi = 0;
		/* tokenize p in place */
		size_t maxw = strlen(p) / 2 + 1;
		char **w = calloc(maxw + 1, sizeof *w);
		if (!w)
			_exit(99);
		int nw = 0;
		char *q = p;
		while (*q) {
			while (*q && is_blank(*q))
				q++;
			if (!*q)
				break;
			w[nw++] = q;
			while (*q && !is_blank(*q))
				q++;
			if (*q)
				*q++ = 0;
		}
		if (nw > 0) {
			sb_t t = {0};
			for (int i = 0; i < nw; i++) {
				if (i)
					sb_add(&t, " ");
				sb_add(&t, w[i]);
			}
			sc->s[sc->n].text = t.p;
			sc->s[sc->n].w = w;
			sc->s[sc->n].nw = nw;
			sc->n++;
		} else {
			free(w);
		}
		if (!semi)
			break;
		p = semi + 1;
	}
}

static void emit_step_line(long num, const char *text, const char *res)
{
	sb_t l = {0};
	sb_printf(&l, "%ld %s = %s\n", num, text, res);
	emit_sb(&l);
	sb_free(&l);
}

static void do_exec(const script_t *sc, int idx, const step_t *st, long num)
{
	const rstep *rs = &sc->s[idx];
	sb_t path = {0}, rest = {0};
	sb_printf(&path, "%s/%s", g_dir, st->execkind);
	sb_add(&rest, "");
	for (int i = idx + 1; i < sc->n; i++) {
		if (i > idx + 1)
			sb_add(&rest, "; ");
		sb_add(&rest, sc->s[i].text);
	}
	char nbuf[32];
	snprintf(nbuf, sizeof nbuf, "%ld", num);
	char *argv[] = {path.p, (char *)"--dir", (char *)g_dir,
			(char *)"--resume", nbuf, rs->text,
			(char *)"--script", rest.p, g_fs ? (char *)"--fs" : NULL, NULL};
	execv(path.p, argv);
	int e = errno;
	sb_t res = {0};
	add_result(&res, -1, e);
	emit_step_line(num, rs->text, res.p);
	emit_snapshot("  ");
	sb_free(&res);
	sb_free(&path);
	sb_free(&rest);
}

static void do_fork(const rstep *rs, long num)
{
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		sb_t res = {0};
		add_result(&res, -1, e);
		emit_step_line(num, rs->text, res.p);
		emit_snapshot("  ");
		sb_free(&res);
		return;
	}
	if (pid == 0) {
		emit_step_line(num, rs->text, "0");
		emit_snapshot("  ");
		return;
	}
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			_exit(1);
	}
	_exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
}

static void do_thread(const rstep *rs, const step_t *st, long num)
{
	struct thr t = {st->inner, st->inner_ok, {0}, {0}, 0, 0};
	pthread_t th;
	int err = pthread_create(&th, NULL, thr_main, &t);
	if (err != 0) {
		sb_t res = {0};
		add_result(&res, -1, err);
		emit_step_line(num, rs->text, res.p);
		emit_snapshot("  ");
		sb_free(&res);
		return;
	}
	pthread_join(th, NULL);
	/* the thread can only stop early if it was killed by itself (e.g.
	 * seccomp strict mode): print `?` for what it did not finish */
	emit_step_line(num, rs->text, t.res_done && t.res.p ? t.res.p : "?");
	if (t.snap_done)
		emit_sb(&t.snap);
	else
		emit("  [thread] ?\n", 13);
	emit_snapshot("  ");
	sb_free(&t.res);
	sb_free(&t.snap);
}

/* run the steps of sc, the first one being number first */
static void run_steps(const script_t *sc, long first)
{
	for (int i = 0; i < sc->n; i++) {
		long num = first + i;
		const rstep *rs = &sc->s[i];
		step_t st;
		if (!parse_step(rs->w, rs->nw, &st)) {
			step_free(&st);
			emit_step_line(num, rs->text, "!bad");
			emit_snapshot("  ");
			continue;
		}
		switch (st.op->kind) {
		case K_FORK:
			do_fork(rs, num);
			break;
		case K_EXEC:
			do_exec(sc, i, &st, num);
			break;
		case K_THREAD:
			do_thread(rs, &st, num);
			break;
		default: {
			sb_t res = {0};
			run_step(&st, &res);
			emit_step_line(num, rs->text, res.p ? res.p : "");
			emit_snapshot("  ");
			sb_free(&res);
			break;
		}
		}
		step_free(&st);
	}
}

static void run_script(const char *text)
{
	script_t sc;
	script_split(text, &sc);
	for (int i = 0; i < sc.n && !g_fs; i++)
		g_fs = is_file_step(sc.s[i].w, sc.s[i].nw);
	for (int i = 0; i < sc.n && !g_perm; i++)
		g_perm = is_perm_step(sc.s[i].w, sc.s[i].nw);
	if (g_fs)
		fixture();
	emit("0 start\n", 8);
	emit_snapshot("  ");
	run_steps(&sc, 1);
}

static int run_batch(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(file);
		return 2;
	}
	sb_t data = {0};
	char tmp[65536];
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof tmp);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror(file);
			close(fd);
			return 2;
		}
		if (r == 0)
			break;
		sb_addn(&data, tmp, (size_t)r);
	}
	close(fd);
	size_t pos = 0;
	long lineno = 0;
	while (pos < data.len) {
		char *nl = memchr(data.p + pos, '\n', data.len - pos);
		size_t end = nl ? (size_t)(nl - data.p) : data.len;
		data.p[end] = 0; /* data.p has a NUL at data.len */
		const char *line = data.p + pos;
		sb_t h = {0};
		sb_printf(&h, "== %ld\n", lineno);
		emit_sb(&h);
		sb_free(&h);
		pid_t pid = fork();
		if (pid < 0) {
			sb_t l = {0};
			sb_add(&l, "!! fork ");
			add_result(&l, -1, errno);
			sb_add(&l, "\n");
			emit_sb(&l);
			sb_free(&l);
		} else if (pid == 0) {
			run_script(line);
			_exit(0);
		} else {
			int status = 0;
			for (;;) {
				pid_t w = waitpid(pid, &status, 0);
				if (w == pid)
					break;
				if (w < 0 && errno != EINTR) {
					status = -1;
					break;
				}
			}
			if (status != 0) {
				sb_t l = {0};
				sb_printf(&l, "!! status 0x%x\n", (unsigned)status);
				emit_sb(&l);
				sb_free(&l);
			}
		}
		pos = end + 1;
		lineno++;
	}
	sb_free(&data);
	return 0;
}

static int usage(void)
{
	static const char msg[] =
		"usage: credprobe --dir DIR (--script S | --batch FILE |"
		" --resume N TEXT --script REST)\n";
	if (write(2, msg, sizeof msg - 1) < 0)
		return 2;
	return 2;
}

int main(int argc, char **argv)
{
	const char *script = NULL, *batch = NULL, *rtext = NULL;
	long rnum = -1;
	int resume = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			g_dir = argv[++i];
		} else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) {
			script = argv[++i];
		} else if (strcmp(argv[i], "--fs") == 0) {
			/* exec's new image: the fixture is the working directory */
			g_fs = 1;
			if (!getcwd(g_root, sizeof g_root))
				return usage();
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			batch = argv[++i];
		} else if (strcmp(argv[i], "--resume") == 0 && i + 2 < argc) {
			char *end;
			errno = 0;
			rnum = strtol(argv[i + 1], &end, 10);
			if (errno || end == argv[i + 1] || *end || rnum < 0)
				return usage();
			rtext = argv[i + 2];
			resume = 1;
			i += 2;
		} else {
			return usage();
		}
	}
	if ((script != NULL) == (batch != NULL))
		return usage();
	if (batch) {
		if (resume)
			return usage();
		return run_batch(batch);
	}
	if (resume) {
		script_t sc;
		script_split(script, &sc);
		emit_step_line(rnum, rtext, "0");
		emit_snapshot("  ");
		run_steps(&sc, rnum + 1);
		return 0;
	}
	run_script(script);
	return 0;
}
