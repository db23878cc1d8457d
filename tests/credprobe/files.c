/*
 * credprobe file steps (SCRIPT.md "File steps"): the ownership and
 * creation calls, run on a fixture tree the probe makes afresh for each
 * script that has a file step, and the `fs` snapshot line that shows the
 * tree's owners and modes as the task sees them.
 *
 * Included by probe.c. To add a step: one row in fops[]; a new kind of
 * argument is one letter in file_args(). A new fixture entry: fixture().
 */

#include <dirent.h>
#include <sys/stat.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#ifdef __i386__
#define NR_STAT SYS_stat64
#define NR_LSTAT SYS_lstat64
#define NR_FSTAT SYS_fstat64
#define NR_FSTATAT SYS_fstatat64
typedef struct stat64 kstat_t;
#else
#define NR_STAT SYS_stat
#define NR_LSTAT SYS_lstat
#define NR_FSTAT SYS_fstat
#define NR_FSTATAT SYS_newfstatat
typedef struct stat kstat_t;
#endif

/* The fixture's descriptors (SCRIPT.md "File steps"): fixed numbers,
 * not close-on-exec, so that `exec` keeps them. */
#define FD_ROOT 20 /* D: the fixture's directory */
#define FD_SUB 21  /* DD: d */
#define FD_FILE 22 /* F: a, read-only */
#define FD_PATH 23 /* P: a, O_PATH */
#define FD_LINK 24 /* L: s itself, O_PATH|O_NOFOLLOW */
#define FD_OWNED 25 /* O: o, read-only */
#define FD_NEW 26  /* N: what the last successful open step opened */

/* R_FD: the call returns a new descriptor; it becomes N and prints `fd`. */
enum { R_PLAIN, R_FD };

struct fop {
	const char *name;
	long nr;
	long nr16; /* the i386 16-bit-id call (-1 in the 64-bit build) */
	int has16; /* the step has a NAME16 form */
	const char *args; /* one letter per argument, see file_args() */
	int ret;
};

static const struct fop fops[] = {
	{"chown", NR32(chown), NR16(chown), 1, "PNN", R_PLAIN},
	{"lchown", NR32(lchown), NR16(lchown), 1, "PNN", R_PLAIN},
	{"fchown", NR32(fchown), NR16(fchown), 1, "DNN", R_PLAIN},
	{"fchownat", SYS_fchownat, -1L, 0, "DPNNN", R_PLAIN},
	{"stat", NR_STAT, -1L, 0, "PS", R_PLAIN},
	{"lstat", NR_LSTAT, -1L, 0, "PS", R_PLAIN},
	{"fstat", NR_FSTAT, -1L, 0, "DS", R_PLAIN},
	{"fstatat", NR_FSTATAT, -1L, 0, "DPSN", R_PLAIN},
	{"statx", SYS_statx, -1L, 0, "DPNNX", R_PLAIN},
	{"open", SYS_open, -1L, 0, "PNN", R_FD},
	{"openat", SYS_openat, -1L, 0, "DPNN", R_FD},
	{"openat2", SYS_openat2, -1L, 0, "DPH", R_FD},
	{"creat", SYS_creat, -1L, 0, "PN", R_FD},
	{"mkdir", SYS_mkdir, -1L, 0, "PN", R_PLAIN},
	{"mkdirat", SYS_mkdirat, -1L, 0, "DPN", R_PLAIN},
	{"mknod", SYS_mknod, -1L, 0, "PNN", R_PLAIN},
	{"mknodat", SYS_mknodat, -1L, 0, "DPNN", R_PLAIN},
	{"symlink", SYS_symlink, -1L, 0, "PP", R_PLAIN},
	{"symlinkat", SYS_symlinkat, -1L, 0, "PDP", R_PLAIN},
	{"rename", SYS_rename, -1L, 0, "PP", R_PLAIN},
	{"renameat", SYS_renameat, -1L, 0, "DPDP", R_PLAIN},
	{"renameat2", SYS_renameat2, -1L, 0, "DPDPN", R_PLAIN},
	{"link", SYS_link, -1L, 0, "PP", R_PLAIN},
	{"linkat", SYS_linkat, -1L, 0, "DPDPN", R_PLAIN},
	/* The permission checks (credshim --permissions emulate). */
	{"access", SYS_access, -1L, 0, "PN", R_PLAIN},
	{"faccessat", SYS_faccessat, -1L, 0, "DPN", R_PLAIN},
	{"faccessat2", 439, -1L, 0, "DPNN", R_PLAIN},
	{"unlink", SYS_unlink, -1L, 0, "P", R_PLAIN},
	{"unlinkat", SYS_unlinkat, -1L, 0, "DPN", R_PLAIN},
	{"rmdir", SYS_rmdir, -1L, 0, "P", R_PLAIN},
	{"chmod", SYS_chmod, -1L, 0, "PN", R_PLAIN},
	{"fchmod", SYS_fchmod, -1L, 0, "DN", R_PLAIN},
	{"fchmodat", SYS_fchmodat, -1L, 0, "DPN", R_PLAIN},
#ifdef __i386__
	{"utimensat", 412 /* utimensat_time64 */, -1L, 0, "DPTN", R_PLAIN},
#else
	{"utimensat", SYS_utimensat, -1L, 0, "DPTN", R_PLAIN},
#endif
	{"truncate", SYS_truncate, -1L, 0, "PN", R_PLAIN},
};

/* A file step by name: NAME, or NAME16 for a row with a 16-bit call
 * (which the 64-bit build answers with -1 ENOSYS, as probe.c's). */
static const struct fop *file_lookup(const char *name, int *is16)
{
	size_t n = sizeof fops / sizeof fops[0], len = strlen(name);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(fops[i].name);
		if (strcmp(name, fops[i].name) == 0) {
			*is16 = 0;
			return &fops[i];
		}
		if (fops[i].has16 && len == l + 2 && strncmp(name, fops[i].name, l) == 0 &&
		    strcmp(name + l, "16") == 0) {
			*is16 = 1;
			return &fops[i];
		}
	}
	return NULL;
}

static const struct {
	const char *name;
	uint64_t val;
} fnames[] = {
	{"AT_SYMLINK_NOFOLLOW", 0x100}, {"AT_REMOVEDIR", 0x200},
	{"AT_SYMLINK_FOLLOW", 0x400},   {"AT_NO_AUTOMOUNT", 0x800},
	{"AT_EMPTY_PATH", 0x1000},      {"AT_STATX_FORCE_SYNC", 0x2000},
	{"AT_STATX_DONT_SYNC", 0x4000}, {"AT_RECURSIVE", 0x8000},
	{"O_RDONLY", 0},                {"O_WRONLY", 01},
	{"O_RDWR", 02},                 {"O_CREAT", 0100},
	{"O_EXCL", 0200},               {"O_NOCTTY", 0400},
	{"O_TRUNC", 01000},             {"O_APPEND", 02000},
	{"O_NONBLOCK", 04000},          {"O_DIRECTORY", 0200000},
	{"O_NOFOLLOW", 0400000},        {"O_CLOEXEC", 02000000},
	{"O_PATH", 010000000},          {"O_TMPFILE", 020200000},
	{"S_IFIFO", 010000},            {"S_IFCHR", 020000},
	{"S_IFDIR", 040000},            {"S_IFBLK", 060000},
	{"S_IFREG", 0100000},           {"S_IFSOCK", 0140000},
	{"RENAME_NOREPLACE", 1},        {"RENAME_EXCHANGE", 2},
	{"RENAME_WHITEOUT", 4},         {"STATX_BASIC_STATS", 0x7ff},
	{"STATX_ALL", 0xfff},           {"STATX__RESERVED", 0x80000000u},
	{"RESOLVE_NO_XDEV", 1},         {"RESOLVE_NO_MAGICLINKS", 2},
	{"RESOLVE_NO_SYMLINKS", 4},     {"RESOLVE_BENEATH", 8},
	{"RESOLVE_IN_ROOT", 0x10},
	{"AT_EACCESS", 0x200},          {"F_OK", 0},
	{"R_OK", 4},                    {"W_OK", 2},
	{"X_OK", 1},
};

/* A number word of a file step: parts joined by `|`, each a number
 * (also `0oNNN`, octal) or a name of fnames[]. */
static int file_num(const char *w, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = w;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		char part[64];
		uint64_t x = 0;
		int ok = 0;
		if (l == 0 || l >= sizeof part)
			return 0;
		memcpy(part, p, l);
		part[l] = 0;
		for (size_t i = 0; i < sizeof fnames / sizeof fnames[0]; i++)
			if (strcmp(part, fnames[i].name) == 0) {
				x = fnames[i].val;
				ok = 1;
			}
		if (!ok && part[0] == '0' && part[1] == 'o' && part[2]) {
			ok = 1;
			for (const char *q = part + 2; *q; q++) {
				if (*q < '0' || *q > '7' || x >> 60)
					return 0;
				x = x * 8 + (uint64_t)(*q - '0');
			}
		}
		if (!ok && !parse_num(part, &x))
			return 0;
		v |= x;
		if (!bar)
			break;
		p = bar + 1;
	}
	*out = v;
	return 1;
}

static int g_fs;          /* this script has file steps: the fixture exists */
static int g_perm;        /* it has permission steps: the fixture has their entries */
static char g_root[4096]; /* the fixture's absolute path (never printed) */

/* A page that faults on every access, and one that faults on writes. */
static void *fault_page(int prot)
{
	static void *pages[2];
	int i = prot == PROT_NONE ? 0 : 1;
	if (!pages[i]) {
		void *p = mmap(NULL, pagesz(), prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pages[i] = p == MAP_FAILED ? NULL : p;
	}
	return pages[i];
}

/* A PATH word (malloc'd into *keep, or a fixed pointer). */
static const char *file_path(const char *w, char **keep)
{
	*keep = NULL;
	if (strcmp(w, "null") == 0)
		return NULL;
	if (strcmp(w, "fault") == 0)
		return fault_page(PROT_NONE);
	if (strcmp(w, "empty") == 0)
		return "";
	sb_t p = {0};
	if (strncmp(w, "abs:", 4) == 0) {
		sb_printf(&p, "%s/%s", g_root, w + 4);
	} else if (strcmp(w, "long") == 0) {
		/* longer than PATH_MAX: ENAMETOOLONG from getname */
		for (int i = 0; i < 2100; i++)
			sb_add(&p, "a/");
	} else if (strcmp(w, "longname") == 0) {
		/* one name longer than NAME_MAX */
		for (int i = 0; i < 300; i++)
			sb_add(&p, "n");
	} else {
		sb_add(&p, w);
	}
	*keep = p.p;
	return p.p;
}

/* An FD word. */
static int file_fd(const char *w, long *fd)
{
	static const struct {
		const char *w;
		long fd;
	} t[] = {
		{"cwd", -100 /* AT_FDCWD */}, {"D", FD_ROOT}, {"DD", FD_SUB},
		{"F", FD_FILE}, {"P", FD_PATH}, {"L", FD_LINK}, {"O", FD_OWNED},
		{"N", FD_NEW}, {"bad", -1}, {"closed", 99},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(w, t[i].w) == 0) {
			*fd = t[i].fd;
			return 1;
		}
	uint64_t v;
	if (!parse_num(w, &v))
		return 0;
	*fd = (long)(int32_t)(uint32_t)v;
	return 1;
}

static char ftype(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	}
	return '?';
}

/* A stat buffer: `v`, `null` or `ro` (read-only: the write faults). */
static void *stat_buf(const char *w, void *valid, size_t len, int *ok)
{
	*ok = 1;
	if (strcmp(w, "v") == 0) {
		memset(valid, 0xAA, len);
		return valid;
	}
	if (strcmp(w, "null") == 0)
		return NULL;
	if (strcmp(w, "ro") == 0)
		return fault_page(PROT_READ);
	*ok = 0;
	return NULL;
}

/*
 * Runs a file step: its words after the name in w[0..nw). Prints RESULT
 * and EXTRA (SCRIPT.md "File steps"). Argument letters:
 *   P  a PATH word            D  an FD word          N  a number word
 *   S  a stat buffer word (the struct stat the ABI's call fills; printed)
 *   X  a statx buffer word (printed)
 *   H  openat2's how: three number words FLAGS MODE RESOLVE (pointer and size)
 *   T  utimensat's times: `null`, `now` (UTIME_NOW twice), `given` (two
 *      fixed times), `omit` (UTIME_OMIT twice), `nowgiven`
 */
static void run_file(const struct fop *op, int is16, char **w, int nw, sb_t *o)
{
	long a[6] = {0};
	int na = 0, wi = 0;
	char *keep[6] = {0};
	kstat_t st;
	struct statx stx;
	void *sbuf = NULL, *xbuf = NULL;
	struct { uint64_t flags, mode, resolve; } how;
	struct { int64_t sec, nsec; } times[2];
	int ok = 1;

	if (is16 && !HAVE16) {
		sb_add(o, "-1 ENOSYS");
		return;
	}
	for (const char *l = op->args; *l && ok; l++) {
		uint64_t v;
		if (wi >= nw) {
			ok = 0;
			break;
		}
		switch (*l) {
		case 'P':
			a[na] = (long)file_path(w[wi++], &keep[na]);
			na++;
			break;
		case 'D':
			ok = file_fd(w[wi++], &a[na++]);
			break;
		case 'N':
			ok = file_num(w[wi++], &v);
			a[na++] = (long)v;
			break;
		case 'S':
			sbuf = stat_buf(w[wi++], &st, sizeof st, &ok);
			a[na++] = (long)sbuf;
			break;
		case 'X':
			xbuf = stat_buf(w[wi++], &stx, sizeof stx, &ok);
			a[na++] = (long)xbuf;
			break;
		case 'T': {
			/* include/uapi/linux/stat.h UTIME_NOW, UTIME_OMIT */
			const int64_t now = (1L << 30) - 1, omit = (1L << 30) - 2;
			const char *t = w[wi++];
			times[0].sec = 1000000000;
			times[1].sec = 1000000001;
			times[0].nsec = times[1].nsec = 0;
			a[na++] = (long)times;
			if (strcmp(t, "null") == 0)
				a[na - 1] = 0;
			else if (strcmp(t, "now") == 0)
				times[0].nsec = times[1].nsec = now;
			else if (strcmp(t, "omit") == 0)
				times[0].nsec = times[1].nsec = omit;
			else if (strcmp(t, "nowgiven") == 0)
				times[0].nsec = now;
			else if (strcmp(t, "given") != 0)
				ok = 0;
			break;
		}
		case 'H':
			if (wi + 3 > nw) {
				ok = 0;
				break;
			}
			ok = file_num(w[wi], &how.flags) && file_num(w[wi + 1], &how.mode) &&
			     file_num(w[wi + 2], &how.resolve);
			wi += 3;
			a[na++] = (long)&how;
			a[na++] = (long)sizeof how;
			break;
		default:
			ok = 0;
		}
	}
	if (!ok || wi != nw) {
		for (int i = 0; i < 6; i++)
			free(keep[i]);
		sb_add(o, "!bad");
		return;
	}
	long r = syscall(is16 ? op->nr16 : op->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	int e = errno;
	if (r >= 0 && op->ret == R_FD) {
		/* descriptor numbers are the run's own: the new one becomes N */
		if (r != FD_NEW) {
			dup2((int)r, FD_NEW);
			close((int)r);
		}
		sb_add(o, "fd");
	} else {
		add_result(o, r, e);
	}
	if (r == 0 && sbuf == &st)
		sb_printf(o, " [%c 0%o %u %u %u]", ftype((unsigned)st.st_mode), (unsigned)st.st_mode & 07777,
			  (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)st.st_nlink);
	if (r == 0 && xbuf == &stx)
		sb_printf(o, " [%c 0%o %u %u %u m=0x%x]", ftype(stx.stx_mode), (unsigned)stx.stx_mode & 07777,
			  stx.stx_uid, stx.stx_gid, stx.stx_nlink, stx.stx_mask);
	for (int i = 0; i < 6; i++)
		free(keep[i]);
}

static int names_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The `fs` line's entries below directory fd `dir` (named `prefix`),
 * sorted by name, each `NAME:T:MODE:UID:GID:NLINK` by newfstatat
 * without following symlinks; directories that anyone may read and
 * search (r-x for owner, group and others) are listed too, to depth 3. */
static void fs_list(sb_t *o, int dir, const char *prefix, int depth)
{
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		sb_printf(o, " %s?", prefix);
		return;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				_exit(99);
		}
		names[n++] = strdup(de->d_name);
	}
	qsort(names, n, sizeof *names, names_cmp);
	for (size_t i = 0; i < n; i++) {
		kstat_t st;
		long r = syscall(NR_FSTATAT, (long)dirfd(d), names[i], &st, (long)AT_SYMLINK_NOFOLLOW);
		if (r != 0) {
			sb_printf(o, " %s%s:?", prefix, names[i]);
		} else {
			sb_printf(o, " %s%s:%c:0%o:%u:%u:%u", prefix, names[i], ftype((unsigned)st.st_mode),
				  (unsigned)st.st_mode & 07777, (unsigned)st.st_uid, (unsigned)st.st_gid,
				  (unsigned)st.st_nlink);
			/* only where anyone may read and search: what is listed
			 * does not depend on the caller's permissions */
			if (S_ISDIR(st.st_mode) && (st.st_mode & 0555) == 0555 && depth < 3) {
				int sub = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0) {
					sb_t p = {0};
					sb_printf(&p, "%s%s/", prefix, names[i]);
					fs_list(o, sub, p.p, depth + 1);
					sb_free(&p);
					close(sub);
				}
			}
		}
		free(names[i]);
	}
	free(names);
	closedir(d);
}

/* The snapshot's `fs` line: the fixture's directory, then its entries. */
static void fs_snapshot(sb_t *o)
{
	kstat_t st;
	sb_add(o, "  fs");
	if (syscall(NR_FSTAT, (long)FD_ROOT, &st) != 0)
		sb_add(o, " .:?");
	else
		sb_printf(o, " .:%c:0%o:%u:%u:%u", ftype((unsigned)st.st_mode), (unsigned)st.st_mode & 07777,
			  (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)st.st_nlink);
	fs_list(o, FD_ROOT, "", 1);
	sb_add(o, "\n");
}

/* The permission steps (from `access` on in fops[]). */
static int is_perm_step(char **w, int nw)
{
	static const char *names[] = {"access", "faccessat", "faccessat2", "unlink", "unlinkat", "rmdir",
				      "chmod", "fchmod", "fchmodat", "utimensat", "truncate"};
	if (nw >= 2 && strcmp(w[0], "thread") == 0)
		w++, nw--;
	for (size_t i = 0; nw >= 1 && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(w[0], names[i]) == 0)
			return 1;
	return 0;
}

/* Whether a step (its first word, or a thread's inner step) is a file step. */
static int is_file_step(char **w, int nw)
{
	int is16;
	if (nw >= 2 && strcmp(w[0], "thread") == 0)
		return file_lookup(w[1], &is16) != NULL;
	return nw >= 1 && file_lookup(w[0], &is16) != NULL;
}

static void fixture_fail(const char *what)
{
	sb_t l = {0};
	sb_printf(&l, "!! fixture %s: ", what);
	add_ename(&l, errno);
	sb_add(&l, "\n");
	emit_sb(&l);
	_exit(3);
}

/* The descriptor `fd` on `path`, at a fixed number. */
static void fixture_fd(const char *path, int flags, int fd)
{
	int f = open(path, flags);
	if (f < 0)
		fixture_fail(path);
	if (f != fd) {
		if (dup2(f, fd) < 0)
			fixture_fail("dup2");
		close(f);
	}
}

/*
 * The fixture (SCRIPT.md "File steps"), made in DIR/fx/PID, which becomes
 * the working directory:
 *   .     0777 root      a  file 0644      b  file 06755     o  file 0640 1234:5678
 *   d/    0755           d/x file 0644     sg/ 02777 0:5678
 *   s -> a   sd -> d   dang -> nosuch   so -> o (the link itself 33:33)
 * and, in a script with a permission step (g_perm):
 *   p  file 0600   k/ 0700 with k/y 0644   m/ 0711 with m/w 0644
 *   t/ 01777 with t/z 0666 1234:5678 and t/q 0666 33:33
 *   g  file 0640 0:33   w  file 0666
 */
static void fixture(void)
{
	sb_t p = {0};
	umask(022);
	sb_printf(&p, "%s/fx/%d", g_dir, (int)getpid());
	if (mkdir(p.p, 0777) || chmod(p.p, 0777) || chdir(p.p))
		fixture_fail("root");
	sb_free(&p);
	if (!getcwd(g_root, sizeof g_root))
		fixture_fail("getcwd");
	static const struct { const char *name; unsigned mode; } files[] = {
		{"a", 0644}, {"b", 06755}, {"o", 0640}, {"d", 040755}, {"d/x", 0644}, {"sg", 042777},
		{"p", 0600}, {"k", 040700}, {"k/y", 0644}, {"m", 040711}, {"m/w", 0644},
		{"t", 041777}, {"t/z", 0666}, {"t/q", 0666}, {"g", 0640}, {"w", 0666},
	};
	/* the entries from p on are the permission steps' */
	size_t nfiles = g_perm ? sizeof files / sizeof files[0] : 6;
	for (size_t i = 0; i < nfiles; i++) {
		const char *n = files[i].name;
		if (files[i].mode & 040000) {
			if (mkdir(n, 0755))
				fixture_fail(n);
		} else {
			int f = open(n, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
			if (f < 0)
				fixture_fail(n);
			close(f);
		}
	}
	if (chown("o", 1234, 5678) || chown("sg", 0, 5678))
		fixture_fail("chown");
	if (g_perm && (chown("t/z", 1234, 5678) || chown("t/q", 33, 33) || chown("g", 0, 33)))
		fixture_fail("chown");
	for (size_t i = 0; i < nfiles; i++)
		if (chmod(files[i].name, files[i].mode & 07777))
			fixture_fail("chmod");
	if (symlink("a", "s") || symlink("d", "sd") || symlink("nosuch", "dang") || symlink("o", "so"))
		fixture_fail("symlink");
	if (lchown("so", 33, 33))
		fixture_fail("lchown");
	fixture_fd(".", O_RDONLY | O_DIRECTORY, FD_ROOT);
	fixture_fd("d", O_RDONLY | O_DIRECTORY, FD_SUB);
	fixture_fd("a", O_RDONLY, FD_FILE);
	fixture_fd("a", O_PATH, FD_PATH);
	fixture_fd("s", O_PATH | O_NOFOLLOW, FD_LINK);
	fixture_fd("o", O_RDONLY, FD_OWNED);
}
