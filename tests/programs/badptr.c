/*
 * badptr.c: credential system calls given bad user pointers.  Every call is
 * a raw syscall(); the result is printed as "NAME(args) = RET" or
 * "NAME(args) = -1 ENAME", followed by what the call wrote where it could.
 *
 * Pointers: NULL, (void *)1, into a PROT_NONE page, into a PROT_READ page
 * (only for calls that write through the pointer), a kernel address, and
 * "partial": 4 bytes before a PROT_NONE page, so one u32 fits and the rest
 * faults.  Valid output buffers and the valid part of "partial" are filled
 * with the sentinel 0xAAAAAAAA before each call ("untouched" in the output).
 *
 * Run as real root; the kernel's answers are the reference.  It first sets
 * distinct ids (gid 11,12,13; uid 31,0,32: euid 0 keeps the capabilities)
 * and the groups 7,9, so that every value written can be told apart.
 * Output is deterministic; exit 0 when every check passes.
 * Build: gcc -O2 -Wall -Wextra -Werror -pthread -o badptr badptr.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"


#define SENTINEL 0xAAAAAAAAu
#define KERNEL_ADDR ((void *)0xffffffff81000000UL)

static int failures;
static long pagesize;
static unsigned char *pages;    /* page 0 rw, 1 none, 2 read-only, 3 none */

enum { P_NULL, P_ONE, P_NONE, P_RO, P_KERNEL, P_PARTIAL, NPTR };
static const char *const pname[NPTR] = {
	"NULL", "(void*)1", "prot_none", "prot_read", "kernel", "partial"
};
static void *ptrs[NPTR];


/* the u32 that fits before the PROT_NONE page */
static uint32_t *partial_word(void)
{
	return (uint32_t *)ptrs[P_PARTIAL];
}

static void fill_partial(uint32_t v)
{
	*partial_word() = v;
}

/* "7" or "untouched" */
static const char *word(uint32_t v)
{
	static char bufs[8][24];
	static int next;
	char *b = bufs[next++ % 8];

	if (v == SENTINEL)
		return "untouched";
	snprintf(b, sizeof bufs[0], "%u", v);
	return b;
}

/* "0xfeffffff" or "untouched" */
static const char *hexword(uint32_t v)
{
	static char buf[24];

	if (v == SENTINEL)
		return "untouched";
	snprintf(buf, sizeof buf, "0x%x", v);
	return buf;
}

static long sys(long nr, long a, long b, long c, int *err)
{
	long r;

	errno = 0;
	r = syscall(nr, a, b, c);
	*err = r < 0 ? errno : 0;
	return r;
}

/*
 * Prints "desc = RET" or "desc = -1 ENAME", then extra (if any); checks the
 * result against the expected one (exp_err 0: expected return exp_ret).
 */
static void report(const char *desc, long r, int err, long exp_ret, int exp_err,
		   const char *extra)
{
	if (r < 0)
		printf("%s = %ld %s", desc, r, errname(err));
	else
		printf("%s = %ld", desc, r);
	if (extra && *extra)
		printf("  %s", extra);
	printf("\n");
	if (exp_err ? (r != -1 || err != exp_err) : (r != exp_ret)) {
		if (exp_err)
			printf("FAIL: expected -1 %s\n", errname(exp_err));
		else
			printf("FAIL: expected %ld\n", exp_ret);
		failures++;
	}
}

static void fatal_check(const char *what, long r, int err)
{
	if (r < 0) {
		printf("FAIL: setup %s = %ld %s\n", what, r, errname(err));
		exit(1);
	}
}

static int group_string(char *buf, size_t len)
{
	uint32_t g[64];
	long n;
	size_t off = 0;
	int i, err;

	n = sys(SYS_getgroups, 64, (long)g, 0, &err);
	if (n < 0) {
		snprintf(buf, len, "getgroups failed: %s", errname(err));
		return -1;
	}
	buf[0] = 0;
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "", g[i]);
	return 0;
}

static void check_groups_unchanged(void)
{
	char g[512];

	group_string(g, sizeof g);
	if (strcmp(g, "7,9") != 0) {
		printf("FAIL: groups are now %s, not 7,9\n", g);
		failures++;
	}
}

static void caps_string(char *buf, size_t len,
			const struct __user_cap_data_struct d[2])
{
	snprintf(buf, len, "caps=0x%llx/0x%llx/0x%llx",
		 (unsigned long long)((uint64_t)d[1].effective << 32 | d[0].effective),
		 (unsigned long long)((uint64_t)d[1].permitted << 32 | d[0].permitted),
		 (unsigned long long)((uint64_t)d[1].inheritable << 32 | d[0].inheritable));
}

static int data_untouched(const struct __user_cap_data_struct d[2])
{
	const uint32_t *w = (const uint32_t *)d;
	size_t i;

	for (i = 0; i < 2 * sizeof d[0] / 4; i++)
		if (w[i] != SENTINEL)
			return 0;
	return 1;
}

static void fill_sentinel(void *p, size_t bytes)
{
	uint32_t *w = p;
	size_t i;

	for (i = 0; i < bytes / 4; i++)
		w[i] = SENTINEL;
}

static void test_getgroups(void)
{
	uint32_t g[100];
	char desc[128], extra[128], gs[512];
	long r;
	int err, k;

	fill_sentinel(g, sizeof g);
	r = sys(SYS_getgroups, 100, (long)g, 0, &err);
	snprintf(extra, sizeof extra, "wrote %s,%s then %s", word(g[0]),
		 word(g[1]), word(g[2]));
	report("getgroups(100, valid)", r, err, 2, 0, extra);

	for (k = 0; k < NPTR; k++) {
		snprintf(desc, sizeof desc, "getgroups(0, %s)", pname[k]);
		if (k == P_PARTIAL)
			fill_partial(SENTINEL);
		r = sys(SYS_getgroups, 0, (long)ptrs[k], 0, &err);
		extra[0] = 0;
		if (k == P_PARTIAL)
			snprintf(extra, sizeof extra, "valid part: %s",
				 word(*partial_word()));
		report(desc, r, err, 2, 0, extra);
	}
	for (k = 0; k < NPTR; k++) {
		snprintf(desc, sizeof desc, "getgroups(100, %s)", pname[k]);
		if (k == P_PARTIAL)
			fill_partial(SENTINEL);
		r = sys(SYS_getgroups, 100, (long)ptrs[k], 0, &err);
		extra[0] = 0;
		if (k == P_PARTIAL)
			snprintf(extra, sizeof extra, "valid part: %s",
				 word(*partial_word()));
		report(desc, r, err, 0, EFAULT, extra);
	}
	/* the size check comes before any access */
	for (k = 0; k < NPTR; k++) {
		if (k != P_NULL && k != P_KERNEL && k != P_PARTIAL)
			continue;
		snprintf(desc, sizeof desc, "getgroups(1, %s)", pname[k]);
		if (k == P_PARTIAL)
			fill_partial(SENTINEL);
		r = sys(SYS_getgroups, 1, (long)ptrs[k], 0, &err);
		extra[0] = 0;
		if (k == P_PARTIAL)
			snprintf(extra, sizeof extra, "valid part: %s",
				 word(*partial_word()));
		report(desc, r, err, 0, EINVAL, extra);
	}
	group_string(gs, sizeof gs);
	printf("groups now %s\n", gs);
	check_groups_unchanged();
}

static void test_getres(const char *name, long nr)
{
	static const char *const slot[3] = { "r", "e", "s" };
	uint32_t v[3];
	char desc[160], extra[160];
	long r, a[3];
	int err, pos, k, i, exp_err;
	size_t off;

	for (pos = 0; pos < 3; pos++) {
		for (k = 0; k < NPTR; k++) {
			fill_sentinel(v, sizeof v);
			fill_partial(SENTINEL);
			for (i = 0; i < 3; i++)
				a[i] = (long)&v[i];
			a[pos] = (long)ptrs[k];
			snprintf(desc, sizeof desc, "%s(%s, %s, %s)", name,
				 pos == 0 ? pname[k] : "valid",
				 pos == 1 ? pname[k] : "valid",
				 pos == 2 ? pname[k] : "valid");
			r = sys(nr, a[0], a[1], a[2], &err);
			off = 0;
			extra[0] = 0;
			for (i = 0; i < 3; i++) {
				uint32_t got = i == pos ? *partial_word() : v[i];

				if (i == pos && k != P_PARTIAL)
					continue;
				off += (size_t)snprintf(extra + off, sizeof extra - off,
							"%s%s=%s", off ? " " : "",
							slot[i], word(got));
			}
			exp_err = k == P_PARTIAL ? 0 : EFAULT;
			report(desc, r, err, 0, exp_err, extra);
		}
	}
}

static void test_setgroups(void)
{
	char desc[128], extra[128];
	long r;
	int err, k;

	for (k = 0; k < NPTR; k++) {
		if (k == P_RO)          /* readable: not a bad pointer for input */
			continue;
		snprintf(desc, sizeof desc, "setgroups(2, %s)", pname[k]);
		if (k == P_PARTIAL) {
			fill_partial(42);
			snprintf(desc, sizeof desc, "setgroups(2, partial {42, <fault>})");
		}
		r = sys(SYS_setgroups, 2, (long)ptrs[k], 0, &err);
		extra[0] = 0;
		report(desc, r, err, 0, EFAULT, extra);
		check_groups_unchanged();
	}
	/* an invalid first gid is reported before the second one faults */
	fill_partial(0xffffffffu);
	r = sys(SYS_setgroups, 2, (long)ptrs[P_PARTIAL], 0, &err);
	report("setgroups(2, partial {-1, <fault>})", r, err, 0, EINVAL, "");
	check_groups_unchanged();
	{
		char gs[512];

		group_string(gs, sizeof gs);
		printf("groups now %s\n", gs);
	}
}

static void set_ro_header(uint32_t version, int32_t pid)
{
	struct __user_cap_header_struct *h = ptrs[P_RO];

	mprotect(pages + 2 * pagesize, (size_t)pagesize, PROT_READ | PROT_WRITE);
	h->version = version;
	h->pid = pid;
	mprotect(pages + 2 * pagesize, (size_t)pagesize, PROT_READ);
}

static void test_capget(const char *reference_caps)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	char desc[160], extra[160], cs[128];
	long r;
	int err, k, exp_err;

	/* valid v3 header, bad data */
	for (k = 0; k < NPTR; k++) {
		hdr.version = _LINUX_CAPABILITY_VERSION_3;
		hdr.pid = 0;
		fill_partial(SENTINEL);
		snprintf(desc, sizeof desc, "capget(v3 pid 0, %s)", pname[k]);
		r = sys(SYS_capget, (long)&hdr, (long)ptrs[k], 0, &err);
		snprintf(extra, sizeof extra, "header version 0x%x", hdr.version);
		if (k == P_PARTIAL)
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
				 ", valid part: %s", hexword(*partial_word()));
		/* NULL data with a valid header: the kernel answers 0 */
		exp_err = k == P_NULL ? 0 : EFAULT;
		report(desc, r, err, 0, exp_err, extra);
	}

	/* bad header, valid data */
	for (k = 0; k < NPTR; k++) {
		fill_sentinel(data, sizeof data);
		exp_err = EFAULT;
		if (k == P_RO) {
			set_ro_header(_LINUX_CAPABILITY_VERSION_3, 0);
			snprintf(desc, sizeof desc, "capget(prot_read {v3, pid 0}, valid)");
			exp_err = 0;
		} else if (k == P_PARTIAL) {
			fill_partial(_LINUX_CAPABILITY_VERSION_3);
			snprintf(desc, sizeof desc, "capget(partial {v3, <fault>}, valid)");
		} else {
			snprintf(desc, sizeof desc, "capget(%s, valid)", pname[k]);
		}
		r = sys(SYS_capget, (long)ptrs[k], (long)data, 0, &err);
		if (data_untouched(data)) {
			snprintf(extra, sizeof extra, "data untouched");
		} else {
			caps_string(cs, sizeof cs, data);
			snprintf(extra, sizeof extra, "%s", cs);
			if (strcmp(cs, reference_caps) != 0) {
				printf("FAIL: capget wrote %s, not %s\n", cs,
				       reference_caps);
				failures++;
			}
		}
		if (k == P_PARTIAL)
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
				 ", valid part: 0x%x", *partial_word());
		report(desc, r, err, 0, exp_err, extra);
	}

	/* an unknown version is answered by writing the preferred one back */
	fill_sentinel(data, sizeof data);
	fill_partial(0);
	r = sys(SYS_capget, (long)ptrs[P_PARTIAL], (long)data, 0, &err);
	snprintf(extra, sizeof extra, "%s, valid part: 0x%x",
		 data_untouched(data) ? "data untouched" : "data written",
		 *partial_word());
	report("capget(partial {0, <fault>}, valid)", r, err, 0, EINVAL, extra);

	set_ro_header(0, 0);
	fill_sentinel(data, sizeof data);
	r = sys(SYS_capget, (long)ptrs[P_RO], (long)data, 0, &err);
	snprintf(extra, sizeof extra, "%s, header version 0x%x",
		 data_untouched(data) ? "data untouched" : "data written",
		 ((struct __user_cap_header_struct *)ptrs[P_RO])->version);
	report("capget(prot_read {0, pid 0}, valid)", r, err, 0, EFAULT, extra);

	hdr.version = 0;
	hdr.pid = 0;
	r = sys(SYS_capget, (long)&hdr, 0, 0, &err);
	snprintf(extra, sizeof extra, "header version 0x%x", hdr.version);
	report("capget(valid {0, pid 0}, NULL)", r, err, 0, 0, extra);

	r = sys(SYS_capget, 0, 0, 0, &err);
	report("capget(NULL, NULL)", r, err, 0, EFAULT, "");
}

static void test_capset(const char *reference_caps)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	char desc[160], cs[128];
	long r;
	int err, k;

	for (k = 0; k < NPTR; k++) {
		if (k == P_RO)          /* readable: not a bad pointer for input */
			continue;
		hdr.version = _LINUX_CAPABILITY_VERSION_3;
		hdr.pid = 0;
		if (k == P_PARTIAL)
			fill_partial(0);
		snprintf(desc, sizeof desc, "capset(v3 pid 0, %s)", pname[k]);
		if (k == P_PARTIAL)
			snprintf(desc, sizeof desc, "capset(v3 pid 0, partial {E0=0, <fault>})");
		r = sys(SYS_capset, (long)&hdr, (long)ptrs[k], 0, &err);
		report(desc, r, err, 0, EFAULT, "");
	}
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	fill_sentinel(data, sizeof data);
	r = sys(SYS_capget, (long)&hdr, (long)data, 0, &err);
	caps_string(cs, sizeof cs, data);
	report("capget(v3 pid 0, valid)", r, err, 0, 0, cs);
	if (strcmp(cs, reference_caps) != 0) {
		printf("FAIL: capabilities changed from %s\n", reference_caps);
		failures++;
	}
}

int main(void)
{
	static const uint32_t groups[2] = { 7, 9 };
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	char reference_caps[128];
	long r;
	int err;

	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);

	pagesize = sysconf(_SC_PAGESIZE);
	pages = mmap(NULL, (size_t)(4 * pagesize), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED) {
		printf("FAIL: mmap\n");
		return 1;
	}
	if (mprotect(pages + pagesize, (size_t)pagesize, PROT_NONE) ||
	    mprotect(pages + 2 * pagesize, (size_t)pagesize, PROT_READ) ||
	    mprotect(pages + 3 * pagesize, (size_t)pagesize, PROT_NONE)) {
		printf("FAIL: mprotect\n");
		return 1;
	}
	ptrs[P_NULL] = NULL;
	ptrs[P_ONE] = (void *)1;
	ptrs[P_NONE] = pages + pagesize + 16;
	ptrs[P_RO] = pages + 2 * pagesize + 16;
	ptrs[P_KERNEL] = KERNEL_ADDR;
	ptrs[P_PARTIAL] = pages + pagesize - 4;

	r = sys(SYS_setresgid, 11, 12, 13, &err);
	fatal_check("setresgid(11, 12, 13)", r, err);
	r = sys(SYS_setresuid, 31, 0, 32, &err);
	fatal_check("setresuid(31, 0, 32)", r, err);
	r = sys(SYS_setgroups, 2, (long)groups, 0, &err);
	report("setgroups(2, valid {7, 9})", r, err, 0, 0, "");
	if (r != 0)
		return 1;
	fill_sentinel(data, sizeof data);
	r = sys(SYS_capget, (long)&hdr, (long)data, 0, &err);
	fatal_check("capget", r, err);
	caps_string(reference_caps, sizeof reference_caps, data);
	printf("setup uid=31,0,32 gid=11,12,13 %s\n", reference_caps);

	test_getgroups();
	test_getres("getresuid", SYS_getresuid);
	test_getres("getresgid", SYS_getresgid);
	test_setgroups();
	test_capget(reference_caps);
	test_capset(reference_caps);

	if (failures)
		printf("%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
