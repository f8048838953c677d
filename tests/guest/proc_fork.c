/* proc_fork: fork, vfork, wait4/waitpid/waitid, exit statuses and deaths by signal as the
 * parent sees them, a pipe between parent and child, dup2, setsid/setpgid. No pids printed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d (%s)\n", what, WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        printf("%s: status 0x%x\n", what, st);
    fflush(stdout);
}

static int counter = 10;

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int st;

    /* Exit statuses. */
    int codes[] = { 0, 3, 42, 255 };
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            counter++;          /* the parent's copy must not change */
            _exit(codes[i]);
        }
        if (pid < 0) { perror("fork"); return 1; }
        pid_t w = waitpid(pid, &st, 0);
        char what[32];
        snprintf(what, sizeof what, "exit(%d)", codes[i]);
        printf("waitpid returned the child: %d\n", w == pid);
        report(what, st);
    }
    printf("counter after forks: %d\n", counter);

    /* exit() from main flushes stdio in the child only. */
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: hello through stdio\n");
        exit(7);
    }
    waitpid(pid, &st, 0);
    report("child exit(7)", st);

    /* Deaths by signal: a fault, abort(), a signal from the parent. */
    pid = fork();
    if (pid == 0) {
        int *volatile bad = (int *)16;
        *bad = 1;
        _exit(0);
    }
    waitpid(pid, &st, 0);
    report("null write", st);

    pid = fork();
    if (pid == 0) {
        abort();
    }
    waitpid(pid, &st, 0);
    report("abort", st);

    int sync[2];
    if (pipe(sync) != 0) return 1;
    pid = fork();
    if (pid == 0) {
        close(sync[1]);
        char c;
        while (read(sync[0], &c, 1) != 0)   /* blocks until the parent kills us */
            ;
        _exit(0);
    }
    close(sync[0]);
    kill(pid, SIGTERM);
    struct rusage ru;
    pid_t w = wait4(pid, &st, 0, &ru);
    printf("wait4 returned the child: %d\n", w == pid);
    report("SIGTERM from parent", st);
    close(sync[1]);

    pid = fork();
    if (pid == 0) {
        raise(SIGKILL);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    report("raise(SIGKILL)", st);

    /* waitid: CLD_EXITED and CLD_KILLED. */
    pid = fork();
    if (pid == 0) _exit(9);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, pid, &si, WEXITED);
    printf("waitid=%d signo=%d code=%s status=%d pid ok=%d\n", r, si.si_signo,
           si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status, si.si_pid == pid);
    pid = fork();
    if (pid == 0) { raise(SIGUSR1); _exit(0); }
    memset(&si, 0, sizeof si);
    r = waitid(P_ALL, 0, &si, WEXITED);
    printf("waitid=%d code=%s status=%d\n", r, si.si_code == CLD_KILLED ? "CLD_KILLED" : "other",
           si.si_status);

    /* No children left. */
    errno = 0;
    w = waitpid(-1, &st, WNOHANG);
    printf("waitpid with no children=%d errno=%s\n", (int)w, strerror(errno));

    /* A pipe: the child writes through stdout redirected with dup2, the parent reads. */
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        close(fds[1]);
        for (int i = 0; i < 3; i++)
            printf("line %d from the child\n", i);
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fds[0]);
    waitpid(pid, &st, 0);
    printf("parent read %zu bytes:\n%s", got, buf);
    report("pipe writer", st);

    /* A pipe the other way, with a large transfer (more than the pipe buffer). */
    if (pipe(fds) != 0) return 1;
    pid = fork();
    if (pid == 0) {
        close(fds[1]);
        long sum = 0;
        unsigned char b[4096];
        while ((n = read(fds[0], b, sizeof b)) > 0)
            for (ssize_t i = 0; i < n; i++)
                sum += b[i];
        _exit((int)(sum % 251));
    }
    close(fds[0]);
    unsigned char big[200000];
    long sum = 0;
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (unsigned char)(i * 7);
        sum += big[i];
    }
    size_t off = 0;
    while (off < sizeof big && (n = write(fds[1], big + off, sizeof big - off)) > 0)
        off += (size_t)n;
    close(fds[1]);
    waitpid(pid, &st, 0);
    printf("reader child saw sum %% 251 = %d, expected %ld\n", WEXITSTATUS(st), sum % 251);

    /* vfork: the child shares memory until it exits. */
    volatile int shared = 1;
    pid = vfork();
    if (pid == 0) {
        shared = 2;
        _exit(5);
    }
    waitpid(pid, &st, 0);
    report("vfork child", st);
    printf("vfork child's write seen by the parent: %d\n", shared);

    /* Sessions and process groups. */
    pid = fork();
    if (pid == 0) {
        pid_t s = setsid();
        int ok = s == getpid() && getsid(0) == getpid() && getpgid(0) == getpid();
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    report("setsid child (0 = own session and group)", st);
    pid = fork();
    if (pid == 0) {
        int ok = setpgid(0, 0) == 0 && getpgid(0) == getpid() && getpgrp() == getpid();
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    report("setpgid child (0 = own group)", st);
    errno = 0;
    r = setpgid(0, 999999);
    printf("setpgid to a missing group=%d errno=%s\n", r, strerror(errno));
    return 0;
}
