/* chownargs: the chown family's argument checks, raw, as fs/open.c orders
 * them (do_fchownat: the flags, then the path lookup, then mnt_want_write
 * and chown_common's permission checks; ksys_fchown: the fd): empty paths
 * with and without AT_EMPTY_PATH, bad fds and an O_PATH fd, bad flags (also
 * with a bad path pointer: the flags come first), nonexistent paths, paths
 * through a regular file, symlinks followed or not, ids the namespace does
 * not map (33, 1234) and -1. Run as root in an empty directory it may
 * change; after every call it prints the owners (and f's mode) it sees.
 * On i386 the 32-bit-id calls. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

#ifdef __i386__
#undef SYS_chown
#define SYS_chown SYS_chown32
#undef SYS_lchown
#define SYS_lchown SYS_lchown32
#undef SYS_fchown
#define SYS_fchown SYS_fchown32
#endif

static void owners(void)
{
	const char *names[] = { ".", "f", "d", "l", "dangling" };
	printf("   ");
	for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
		struct stat st;
		if (lstat(names[i], &st) != 0) {
			printf(" %s=%s", names[i], errname(errno));
			continue;
		}
		printf(" %s=%u:%u", names[i], (unsigned)st.st_uid, (unsigned)st.st_gid);
		if (i == 1)
			printf("/%o", (unsigned)st.st_mode & 07777);
	}
	printf("\n");
}

static void show(const char *what, long r)
{
	if (r == -1)
		printf("%s = -1 %s\n", what, errname(errno));
	else
		printf("%s = %ld\n", what, r);
	owners();
}

#define CALL(...) show(#__VA_ARGS__, syscall(__VA_ARGS__))

int main(void)
{
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open("f", O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || mkdir("d", 0755) != 0 || symlink("f", "l") != 0 || symlink("nowhere", "dangling") != 0) {
		printf("FAIL: setup: %s\n", errname(errno));
		return 1;
	}
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int pfd = open("f", O_PATH);
	char abs[PATH_MAX + 2];
	if (dfd < 0 || pfd < 0 || !getcwd(abs, PATH_MAX)) {
		printf("FAIL: setup\n");
		return 1;
	}
	strcat(abs, "/f");
	const char *absf = abs;
	char *bad = (char *)1;
	owners();

	/* Empty paths: ENOENT without AT_EMPTY_PATH. */
	CALL(SYS_chown, "", 33, 33);
	CALL(SYS_lchown, "", 33, 33);
	CALL(SYS_fchownat, AT_FDCWD, "", 33, 33, 0);
	CALL(SYS_fchownat, dfd, "", 33, 33, 0);
	/* Flags: EINVAL first, before the path is even read. */
	CALL(SYS_fchownat, AT_FDCWD, "f", 33, 33, 9999);
	CALL(SYS_fchownat, AT_FDCWD, "f", 33, 33, AT_REMOVEDIR);
	CALL(SYS_fchownat, AT_FDCWD, "", 33, 33, AT_EMPTY_PATH | 0x4000);
	CALL(SYS_fchownat, AT_FDCWD, bad, 33, 33, 9999);
	CALL(SYS_fchownat, 9999, "f", 33, 33, 9999);
	CALL(SYS_fchownat, AT_FDCWD, "nowhere", 33, 33, 9999);
	/* Bad pointers. */
	CALL(SYS_chown, bad, 33, 33);
	CALL(SYS_fchownat, AT_FDCWD, bad, 33, 33, AT_EMPTY_PATH);
	/* Bad fds. */
	CALL(SYS_fchown, 9999, 33, 33);
	CALL(SYS_fchown, -1, 33, 33);
	CALL(SYS_fchown, pfd, 33, 33);
	CALL(SYS_fchownat, 9999, "", 33, 33, AT_EMPTY_PATH);
	CALL(SYS_fchownat, -1, "", 33, 33, AT_EMPTY_PATH);
	CALL(SYS_fchownat, 9999, "f", 33, 33, 0);
	CALL(SYS_fchownat, fd, "x", 33, 33, 0);
	CALL(SYS_fchownat, 9999, absf, 1234, -1, 0);
	/* Lookups that fail. */
	CALL(SYS_chown, "nowhere", 33, 33);
	CALL(SYS_lchown, "nowhere", 33, 33);
	CALL(SYS_chown, "f/x", 33, 33);
	CALL(SYS_chown, "f/", 33, 33);
	CALL(SYS_fchownat, AT_FDCWD, "f/", 33, 33, AT_SYMLINK_NOFOLLOW);
	CALL(SYS_chown, "dangling", 33, 33);
	CALL(SYS_chown, "d/../nowhere/..", 33, 33);
	/* AT_EMPTY_PATH on fds and the cwd. */
	CALL(SYS_fchownat, fd, "", 1234, 1234, AT_EMPTY_PATH);
	CALL(SYS_fchownat, dfd, "", -1, 44, AT_EMPTY_PATH);
	CALL(SYS_fchownat, pfd, "", 33, -1, AT_EMPTY_PATH);
	CALL(SYS_fchownat, AT_FDCWD, "", 55, 55, AT_EMPTY_PATH);
	CALL(SYS_fchownat, AT_FDCWD, "f", 44, 44, AT_EMPTY_PATH);
	/* Symlinks. */
	CALL(SYS_lchown, "dangling", 33, 33);
	CALL(SYS_chown, "l", 1234, -1);
	CALL(SYS_fchownat, AT_FDCWD, "l", 33, 33, AT_SYMLINK_NOFOLLOW);
	CALL(SYS_fchownat, AT_FDCWD, "l", 44, 44, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
	/* -1: nothing changes but the set-user-ID bit, which chown clears. */
	fchmod(fd, 04755);
	CALL(SYS_chown, "f", -1, -1);
	fchmod(fd, 04755);
	CALL(SYS_fchown, fd, -1, -1);
	CALL(SYS_fchown, dfd, 1234, 1234);
	CALL(SYS_fchown, dfd, -1, -1);
	/* Back to ids the namespace maps. */
	CALL(SYS_chown, "f", 0, 0);
	CALL(SYS_fchown, dfd, 0, -1);
	CALL(SYS_lchown, "l", 0, 0);
	CALL(SYS_fchownat, AT_FDCWD, "dangling", 0, 0, AT_SYMLINK_NOFOLLOW);
	CALL(SYS_fchownat, AT_FDCWD, ".", 0, 0, 0);
	return 0;
}
