/* access() and faccessat(AT_EACCESS) of argv[1] for read and write: a
 * set-user-ID root copy run by another user changes only the effective
 * id, so access() (the real ids) and AT_EACCESS (the effective) differ. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(const char *what, int r) {
    printf("%s=%s ", what, r == 0 ? "ok" : strerror(errno));
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    printf("ruid=%d euid=%d ", (int)getuid(), (int)geteuid());
    show("access(R)", access(argv[1], R_OK));
    show("access(W)", access(argv[1], W_OK));
    show("eaccess(R)", faccessat(AT_FDCWD, argv[1], R_OK, AT_EACCESS));
    show("eaccess(W)", faccessat(AT_FDCWD, argv[1], W_OK, AT_EACCESS));
    printf("\n");
    return 0;
}
