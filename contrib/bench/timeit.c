/* timeit SECS CMD...: run CMD in its own process group, print its wall-clock
 * time in seconds and its exit status as "SECONDS STATUS" to file
 * descriptor 3 (CMD does not inherit it). After SECS seconds the whole
 * process group is killed (SIGKILL) and STATUS is "timeout".
 * Used inside the user namespace, so only CMD (wrapper + workload) is timed,
 * not the setpriv/unshare that enter the namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) { (void)sig; timed_out = 1; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: timeit SECS CMD...\n"); return 2; }
    FILE *out = fdopen(3, "w");
    if (!out) { perror("timeit: fd 3"); return 2; }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    unsigned secs = (unsigned)atoi(argv[1]);

    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;          /* no SA_RESTART: waitpid returns EINTR */
    sigaction(SIGALRM, &sa, NULL);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) { perror("timeit: fork"); return 2; }
    if (pid == 0) {
        setpgid(0, 0);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "timeit: exec %s: %m\n", argv[2]);
        _exit(127);
    }
    setpgid(pid, pid);
    alarm(secs);
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, 0);
        if (r == pid) break;
        if (r < 0 && errno == EINTR && timed_out) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            fprintf(out, "nan timeout\n");
            return 124;
        }
        if (r < 0 && errno != EINTR) { perror("timeit: waitpid"); return 2; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    kill(-pid, SIGKILL);               /* leftovers of CMD's group, if any */
    double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    fprintf(out, "%.6f %d\n", dt, code);
    return code == 0 ? 0 : 1;
}
