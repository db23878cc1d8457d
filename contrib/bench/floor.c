/* floor [--no-ptrace] CMD...: the cost of credshim's mechanism with nothing
 * of credshim's work, for contrib/bench/run's "floor" column.
 *
 * CMD runs under a seccomp filter that stops the calls credshim's default
 * filter always stops on x86_64 (the credential calls, capget/capset, exec,
 * the chown and stat families, the creating calls, kill and friends, mount,
 * ptrace, chdir and fchdir: table.rs's Rule::Always rows), as user notifications, and every
 * task is followed with ptrace as credshim follows it (PTRACE_SEIZE with
 * fork, vfork, clone and exec events; signal-delivery stops passed on).
 * Each notification is answered at once, in credshim's loop shape (poll on
 * the listener and a signalfd, RECV, SEND, poll(0) for the next call):
 * the chown family and the calls that set ids answer 0 (as if they had
 * worked, so that nginx starts and drops), everything else continues
 * natively (SECCOMP_USER_NOTIF_FLAG_CONTINUE). The listener has
 * SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, as credshim's has.
 *
 * What credshim costs above this column is credshim's own work; what this
 * column costs above native is the kernel's mechanism: one notification
 * round trip per stopped call and the ptrace stops of fork, exec and
 * signals. --no-ptrace leaves out the ptrace following.
 *
 * Exit status: CMD's, or 128+signal; 125 if floor itself fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Answered 0 without running: they would fail in a single-id namespace. */
static const int FAKED[] = {
    SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid,
    SYS_setgroups, SYS_setfsuid, SYS_setfsgid, SYS_chown, SYS_fchown, SYS_lchown, SYS_fchownat,
};
/* Continued: the rest of credshim's always-stopped x86_64 rows. */
static const int CONTINUED[] = {
    SYS_getuid, SYS_getgid, SYS_geteuid, SYS_getegid, SYS_getgroups, SYS_getresuid, SYS_getresgid,
    SYS_capget, SYS_capset, SYS_execve, SYS_execveat, SYS_stat, SYS_fstat, SYS_lstat, SYS_newfstatat,
    SYS_statx, SYS_openat2, SYS_creat, SYS_mkdir, SYS_mkdirat, SYS_mknod, SYS_mknodat, SYS_symlink,
    SYS_symlinkat, SYS_rename, SYS_renameat, SYS_renameat2, SYS_link, SYS_linkat, SYS_kill, SYS_tkill,
    SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_pidfd_send_signal, SYS_mount,
    SYS_umount2, SYS_pivot_root, SYS_ptrace, SYS_chdir, SYS_fchdir,
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void die(const char *what) {
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    exit(125);
}

static int faked(int nr) {
    for (size_t i = 0; i < N(FAKED); i++)
        if (FAKED[i] == nr) return 1;
    return 0;
}

static void install_filter_and_send(int sock) {
    struct sock_filter f[4 + N(FAKED) + N(CONTINUED) + 2];
    size_t n = 0, total = N(FAKED) + N(CONTINUED);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (size_t i = 0; i < total; i++) {
        int nr = i < N(FAKED) ? FAKED[i] : CONTINUED[i - N(FAKED)];
        /* match: jump to the NOTIFY return after the remaining compares */
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, (unsigned char)(total - i), 0);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
    /* The namespace's root may install a filter without no_new_privs. */
    int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0 && errno == EACCES) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    }
    if (fd < 0) die("seccomp");
    char byte = 'x', ctl[CMSG_SPACE(sizeof(int))];
    struct iovec io = {.iov_base = &byte, .iov_len = 1};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &m, 0) != 1) die("sendmsg");
    close(fd);
}

static int recv_fd(int sock) {
    char byte, ctl[CMSG_SPACE(sizeof(int))];
    struct iovec io = {.iov_base = &byte, .iov_len = 1};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    if (recvmsg(sock, &m, 0) != 1) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* One notification: answered without looking at it. */
static int answer(int lfd) {
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return errno == ENOENT || errno == EINTR ? 0 : -1;
    struct seccomp_notif_resp resp = {.id = req.id};
    if (!faked(req.data.nr)) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* ENOENT: the caller went away */
    return 0;
}

int main(int argc, char **argv) {
    int use_ptrace = 1, a = 1;
    if (a < argc && !strcmp(argv[a], "--no-ptrace")) use_ptrace = 0, a++;
    if (a < argc && !strcmp(argv[a], "--")) a++;
    if (a >= argc) {
        fprintf(stderr, "usage: floor [--no-ptrace] [--] CMD [ARG...]\n");
        return 125;
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL)) die("sigprocmask");
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) die("signalfd");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) die("socketpair");
    pid_t main_pid = fork();
    if (main_pid < 0) die("fork");
    if (main_pid == 0) {
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        char go;
        if (read(sv[1], &go, 1) != 1) _exit(125); /* until the parent has seized it */
        install_filter_and_send(sv[1]);
        execvp(argv[a], argv + a);
        fprintf(stderr, "floor: %s: %s\n", argv[a], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (use_ptrace && ptrace(PTRACE_SEIZE, main_pid, 0, opts)) die("PTRACE_SEIZE");
    if (write(sv[0], "g", 1) != 1) die("write");
    int lfd = recv_fd(sv[0]);
    if (lfd < 0) {
        fprintf(stderr, "floor: no seccomp listener from the child\n");
        return 125;
    }
    ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
    int status = -1, tasks_left = 1;
    for (;;) {
        struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
        int r = poll(p, lfd >= 0 ? 2 : 1, 1000);
        if (r < 0 && errno != EINTR) die("poll");
        if (lfd >= 0 && (p[1].revents & POLLIN)) {
            for (int i = 0; i < 64; i++) {
                if (answer(lfd)) die("SECCOMP_IOCTL_NOTIF_RECV");
                struct pollfd q = {.fd = lfd, .events = POLLIN};
                if (poll(&q, 1, 0) != 1 || !(q.revents & POLLIN)) break;
            }
        } else if (lfd >= 0 && (p[1].revents & (POLLHUP | POLLERR))) {
            close(lfd);
            lfd = -1;
        }
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si) {
        }
        /* Reap and resume whatever is there (bounded: one pass per wakeup). */
        for (int i = 0; i < 4096; i++) {
            int st;
            pid_t pid = waitpid(-1, &st, WNOHANG | __WALL);
            if (pid < 0 && errno == ECHILD) tasks_left = 0;
            if (pid <= 0) break;
            if (WIFEXITED(st) || WIFSIGNALED(st)) {
                if (pid == main_pid) status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                continue;
            }
            if (!WIFSTOPPED(st)) continue;
            int sig = WSTOPSIG(st), event = (unsigned)st >> 16, pass = 0;
            if (event == 0 && sig != SIGTRAP) pass = sig; /* signal-delivery stop */
            if (event == PTRACE_EVENT_STOP && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
                ptrace(PTRACE_LISTEN, pid, 0, 0); /* group-stop */
                continue;
            }
            ptrace(PTRACE_CONT, pid, 0, pass);
        }
        if (!tasks_left) break;
    }
    return status < 0 ? 125 : status;
}
