/* Shared by the test programs: errno names, and on i386 the 32-bit-id
 * system calls in place of the legacy 16-bit ones the plain numbers name. */
#ifndef CREDSHIM_TEST_COMMON_H
#define CREDSHIM_TEST_COMMON_H
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>

#ifdef __i386__
#undef SYS_getuid
#define SYS_getuid SYS_getuid32
#undef SYS_getgroups
#define SYS_getgroups SYS_getgroups32
#undef SYS_setgroups
#define SYS_setgroups SYS_setgroups32
#undef SYS_getresuid
#define SYS_getresuid SYS_getresuid32
#undef SYS_getresgid
#define SYS_getresgid SYS_getresgid32
#undef SYS_setresuid
#define SYS_setresuid SYS_setresuid32
#undef SYS_setresgid
#define SYS_setresgid SYS_setresgid32
#endif

static inline const char *errname(int e)
{
	static char buf[16];
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case ECHILD: return "ECHILD";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EBADF: return "EBADF";
	case ENOTDIR: return "ENOTDIR";
	case EROFS: return "EROFS";
	case ELOOP: return "ELOOP";
	}
	snprintf(buf, sizeof buf, "E%d", e);
	return buf;
}
#endif
