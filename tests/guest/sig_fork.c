/* sig_fork.c — signals between processes: a forked child sends SIGUSR1 (with sigqueue's
 * value) to its parent, which spins in a tight loop until the handler has run; the child's
 * exit then reaches the parent as SIGCHLD with si_code CLD_EXITED and the status. The child
 * inherits the parent's handler and mask, and a signal blocked in the parent stays blocked
 * in the child; pending signals are not inherited.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_chld, usr1_value, chld_code, chld_status, from_child;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    usr1_value = si->si_value.sival_int;
    from_child = si->si_pid != getpid() && si->si_code == SI_QUEUE;
    got_usr1 = 1;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    chld_code = si->si_code;
    chld_status = si->si_status;
    got_chld = 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);                     /* pending in the parent only */

    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        sigset_t pend, cur;
        sigpending(&pend);
        sigprocmask(SIG_BLOCK, NULL, &cur);
        struct sigaction old;
        sigaction(SIGUSR1, NULL, &old);
        printf("child: SIGUSR2 blocked %d, pending %d, handler inherited %d\n",
               sigismember(&cur, SIGUSR2), sigismember(&pend, SIGUSR2),
               old.sa_sigaction == on_usr1);
        usleep(20000);
        union sigval v = { .sival_int = 77 };
        sigqueue(parent, SIGUSR1, v);
        _exit(5);
    }
    unsigned long spins = 0;
    while (!got_usr1 || !got_chld)
        spins++;
    int st;
    pid_t w = waitpid(child, &st, 0);
    printf("parent: SIGUSR1 value %d from the child %d; SIGCHLD code %s status %d; "
           "waitpid %s, exit %d\n", (int)usr1_value, (int)from_child,
           chld_code == CLD_EXITED ? "CLD_EXITED" : "other", (int)chld_status,
           w == child ? "ok" : "failed", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    sigset_t pend;
    sigpending(&pend);
    printf("parent: SIGUSR2 still pending %d\n", sigismember(&pend, SIGUSR2));
    return 0;
}
