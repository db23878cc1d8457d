/* forkexec N PATH: N times fork + execv(PATH) + waitpid; fails if a child does. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: forkexec N PATH\n"); return 2; }
    long n = atol(argv[1]);
    char *args[] = { argv[2], NULL };
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) { execv(argv[2], args); _exit(127); }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "forkexec: child %ld failed (status 0x%x)\n", i, st);
            return 1;
        }
    }
    return 0;
}
