/* Syscall loops for contrib/bench/run. Every call is a raw syscall(2) so
 * that LD_PRELOAD-based peers (fakeroot) see exactly what the kernel sees.
 *
 *   loops getppid N        N x getppid()           (not intercepted)
 *   loops read N           N one-byte reads of /dev/zero
 *   loops getuid N         N x getuid()            (intercepted by credshim)
 *   loops setresuid N      N x (setresuid(0,0,0) + getresuid())
 *   loops threads T N      T threads, each N x getppid()
 *   loops stat N FILE [OTHER]  N x newfstatat(FILE, AT_SYMLINK_NOFOLLOW),
 *                          after chown(OTHER, 5, 5) (FILE may be OTHER):
 *                          under credshim's ownership store OTHER then has
 *                          a recorded owner; natively the chown fails
 *                          (5 is not mapped) and that is ignored
 *
 * Exits 1 (and says why) if a call fails, so a broken variant is reported
 * as such instead of timing an error path.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long n_iter;

static void *getppid_thread(void *arg) {
    (void)arg;
    for (long i = 0; i < n_iter; i++) syscall(SYS_getppid);
    return NULL;
}

static void die(const char *what, long i) {
    fprintf(stderr, "loops: %s failed at iteration %ld: %m\n", what, i);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: loops getppid|read|getuid|setresuid N | loops threads T N | loops stat N FILE [OTHER]\n");
        return 2;
    }
    const char *mode = argv[1];
    n_iter = atol(argv[argc - 1]);

    if (!strcmp(mode, "getppid")) {
        for (long i = 0; i < n_iter; i++) syscall(SYS_getppid);
    } else if (!strcmp(mode, "read")) {
        int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("open /dev/zero", 0);
        char c;
        for (long i = 0; i < n_iter; i++)
            if (syscall(SYS_read, fd, &c, 1) != 1) die("read", i);
    } else if (!strcmp(mode, "getuid")) {
        for (long i = 0; i < n_iter; i++)
            if (syscall(SYS_getuid) != 0) die("getuid() == 0", i);
    } else if (!strcmp(mode, "setresuid")) {
        uid_t r, e, s;
        for (long i = 0; i < n_iter; i++) {
            if (syscall(SYS_setresuid, 0, 0, 0) != 0) die("setresuid(0,0,0)", i);
            if (syscall(SYS_getresuid, &r, &e, &s) != 0) die("getresuid", i);
        }
        if (r != 0 || e != 0 || s != 0) die("getresuid == 0,0,0", n_iter);
    } else if (!strcmp(mode, "stat") && (argc == 4 || argc == 5)) {
        n_iter = atol(argv[2]);
        if (argc == 5) syscall(SYS_chown, argv[4], 5, 5);
        struct stat st;
        for (long i = 0; i < n_iter; i++)
            if (syscall(SYS_newfstatat, AT_FDCWD, argv[3], &st, AT_SYMLINK_NOFOLLOW) != 0) die("newfstatat", i);
        if (argc == 5 && !strcmp(argv[3], argv[4]) && st.st_uid != 5 && st.st_uid != 0) die("st_uid == 5 or 0", n_iter);
    } else if (!strcmp(mode, "threads") && argc == 4) {
        int t = atoi(argv[2]);
        pthread_t th[256];
        if (t < 1 || t > 256) return 2;
        for (int i = 0; i < t; i++)
            if (pthread_create(&th[i], NULL, getppid_thread, NULL)) die("pthread_create", i);
        for (int i = 0; i < t; i++) pthread_join(th[i], NULL);
    } else {
        fprintf(stderr, "loops: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
