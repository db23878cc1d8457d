/* statown PATH...: every stat-family system call of the ABI it is built
 * for, raw, on each path: prints owner, mode, link count and size, the
 * padding bytes the kernel leaves alone, and whether the struct agrees
 * with statx on every other field. On i386: stat64, lstat64, fstat64,
 * fstatat64; on x86_64: stat, lstat, fstat, newfstatat. Both: statx. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/stat.h>

#ifdef __i386__
/* arch/x86/include/uapi/asm/stat.h */
struct kstat64 {
	unsigned long long st_dev;
	unsigned char __pad0[4];
	unsigned long __st_ino;
	unsigned int st_mode;
	unsigned int st_nlink;
	unsigned long st_uid;
	unsigned long st_gid;
	unsigned long long st_rdev;
	unsigned char __pad3[4];
	long long st_size;
	unsigned long st_blksize;
	unsigned long long st_blocks;
	unsigned long st_atime_, st_atime_nsec, st_mtime_, st_mtime_nsec, st_ctime_, st_ctime_nsec;
	unsigned long long st_ino;
} __attribute__((packed));
#define NR_STAT SYS_stat64
#define NR_LSTAT SYS_lstat64
#define NR_FSTAT SYS_fstat64
#define NR_FSTATAT SYS_fstatat64
#define PADS(b) (b).__pad0[0], (b).__pad0[3], (b).__pad3[0], (b).__pad3[3]
#else
struct kstat64 {
	unsigned long st_dev, st_ino, st_nlink;
	unsigned int st_mode, st_uid, st_gid, __pad0;
	unsigned long st_rdev;
	long st_size, st_blksize, st_blocks;
	unsigned long st_atime_, st_atime_nsec, st_mtime_, st_mtime_nsec, st_ctime_, st_ctime_nsec;
	long __unused[3];
};
#define NR_STAT SYS_stat
#define NR_LSTAT SYS_lstat
#define NR_FSTAT SYS_fstat
#define NR_FSTATAT SYS_newfstatat
#define PADS(b) 0, 0, 0, 0
#endif

static void alarm_guard(void) { alarm(20); }

static int check(const char *what, const char *path, long r, struct kstat64 *b, struct statx *x)
{
	unsigned long long dev = ((unsigned long long)x->stx_dev_major << 8) | x->stx_dev_minor;
	int agree = r == 0 && b->st_ino == x->stx_ino && b->st_size == (long long)x->stx_size &&
		    (unsigned long long)b->st_blocks == x->stx_blocks && b->st_mtime_ == (unsigned long)x->stx_mtime.tv_sec &&
		    b->st_mtime_nsec == x->stx_mtime.tv_nsec && (b->st_dev & 0xfffff) == (dev & 0xfffff) &&
		    (b->st_mode & 0xffff) == x->stx_mode && b->st_nlink == x->stx_nlink &&
		    (long long)b->st_blksize == (long long)x->stx_blksize;
	printf("%s %s: r=%ld %lu:%lu %o nlink=%lu size=%lld pads=%x%x%x%x %s\n", what, path, r,
	       (unsigned long)b->st_uid, (unsigned long)b->st_gid, (unsigned)b->st_mode, (unsigned long)b->st_nlink,
	       (long long)b->st_size, PADS(*b), agree ? "agrees with statx" : "DIFFERS FROM STATX");
	return agree;
}

int main(int argc, char **argv)
{
	alarm_guard();
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		const char *p = argv[i];
		struct statx x, xl;
		memset(&x, 0, sizeof x);
		long rx = syscall(SYS_statx, AT_FDCWD, p, 0, STATX_BASIC_STATS, &x);
		long rxl = syscall(SYS_statx, AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &xl);
		printf("statx %s: r=%ld %u:%u %o; nofollow r=%ld %u:%u %o\n", p, rx, x.stx_uid, x.stx_gid, x.stx_mode, rxl, xl.stx_uid,
		       xl.stx_gid, xl.stx_mode);
		struct kstat64 b;
		memset(&b, 0xaa, sizeof b);
		bad += !check("stat", p, syscall(NR_STAT, p, &b), &b, &x);
		memset(&b, 0xaa, sizeof b);
		bad += !check("lstat", p, syscall(NR_LSTAT, p, &b), &b, &xl);
		int fd = open(p, O_RDONLY);
		memset(&b, 0xaa, sizeof b);
		bad += !check("fstat", p, syscall(NR_FSTAT, fd, &b), &b, &x);
		close(fd);
		memset(&b, 0xaa, sizeof b);
		bad += !check("fstatat", p, syscall(NR_FSTATAT, AT_FDCWD, p, &b, AT_SYMLINK_NOFOLLOW), &b, &xl);
	}
	return bad ? 1 : 0;
}
