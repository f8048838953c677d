/* sig_mask.c — blocked signals: sigprocmask blocking, raising twice (one pending instance of
 * a standard signal, every instance of a real-time one, in order), sigpending, unblocking
 * (delivered once, before sigprocmask returns), sigsuspend (the handler runs with the
 * temporary mask, the old mask comes back), sigtimedwait and sigwaitinfo taking blocked
 * signals without their handler, a timeout, sigqueue's value, the mask that siglongjmp
 * restores, and SIGSEGV sent with raise while blocked (ferry never blocks SIGSEGV on the
 * host: it keeps that one pending itself).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits_usr1, hits_usr2;
static int rt_seen[8], n_rt;
static sigjmp_buf env;

static int blocked(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void on_usr1(int sig) { (void)sig; hits_usr1++; }
static void on_usr2(int sig)
{
    (void)sig;
    hits_usr2++;
    printf("  usr2 handler: SIGUSR1 %s blocked\n", blocked(SIGUSR1) ? "is" : "not");
}
static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    rt_seen[n_rt++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
}
static void on_hup(int sig) { (void)sig; siglongjmp(env, 1); }
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    printf("  SIGSEGV handler: signo %d, code %d\n", sig, si->si_code);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("blocked: hits %d, pending %d, SIGUSR2 pending %d\n", (int)hits_usr1,
           sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: hits %d (one instance)\n", (int)hits_usr1);
    sigpending(&pend);
    printf("pending now %d\n", sigismember(&pend, SIGUSR1));

    /* Real-time signals queue: three instances with values, delivered in order. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigaction(SIGRTMIN + 2, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (int i = 1; i <= 3; i++) {
        union sigval v = { .sival_int = i };
        sigqueue(getpid(), SIGRTMIN + 2, v);
        v.sival_int = 10 + i;
        sigqueue(getpid(), SIGRTMIN + 1, v);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("real-time:");
    for (int i = 0; i < n_rt; i++)
        printf(" %d", rt_seen[i]);
    printf("\n");

    /* sigsuspend: wait with SIGUSR2 unblocked, SIGUSR1 blocked while it runs. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR2);
    printf("before sigsuspend: usr2 hits %d\n", (int)hits_usr2);
    sigset_t wait_mask;
    sigfillset(&wait_mask);
    sigdelset(&wait_mask, SIGUSR2);
    int r = sigsuspend(&wait_mask);
    printf("sigsuspend returned %d (%s), usr2 hits %d, SIGUSR2 %s blocked again\n", r,
           errno == EINTR ? "EINTR" : "?", (int)hits_usr2, blocked(SIGUSR2) ? "is" : "not");

    /* sigtimedwait / sigwaitinfo take blocked signals; the handler does not run. */
    raise(SIGUSR2);
    siginfo_t si;
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    int s = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait: %d (signo %d, code %d), usr2 hits %d\n", s, si.si_signo, si.si_code,
           (int)hits_usr2);
    s = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait again: %d (%s)\n", s, errno == EAGAIN ? "EAGAIN" : "?");
    kill(getpid(), SIGUSR2);
    s = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: %d (code %d)\n", s, si.si_code);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* siglongjmp out of a handler restores the mask saved by sigsetjmp. */
    signal(SIGHUP, on_hup);
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0) {
            raise(SIGHUP);
            printf("not reached\n");
        } else {
            printf("longjmp %d: SIGHUP %s blocked\n", i, blocked(SIGHUP) ? "is" : "not");
        }
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGSEGV);
    sigpending(&pend);
    printf("SIGSEGV raised while blocked: pending %d\n", sigismember(&pend, SIGSEGV));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("SIGSEGV unblocked\n");
    return 0;
}
