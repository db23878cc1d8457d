/* forkmany N SECS: fork N children that each sleep SECS seconds (all alive
 * at once), then wait for all of them. For the tracer's peak memory. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: forkmany N SECS\n"); return 2; }
    long n = atol(argv[1]);
    double secs = atof(argv[2]);
    struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };
    long started = 0;
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); break; }
        if (pid == 0) { nanosleep(&ts, NULL); _exit(0); }
        started++;
    }
    int st, bad = 0;
    for (long i = 0; i < started; i++)
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
    if (started != n || bad) {
        fprintf(stderr, "forkmany: started %ld of %ld, %d failed\n", started, n, bad);
        return 1;
    }
    return 0;
}
