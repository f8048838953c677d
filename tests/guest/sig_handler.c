/* sig_handler.c — guest signal handlers: sigaction with SA_SIGINFO, raise and kill to self
 * (si_signo, si_code, si_pid), a handler that changes a variable and returns, the mask while a
 * handler runs (the signal itself and sa_mask blocked, not with SA_NODEFER), a signal raised
 * inside a handler that sa_mask blocks (delivered after sigreturn), SA_NODEFER nesting,
 * SA_RESETHAND, SIG_IGN, the old action returned by sigaction, and floating point in a
 * handler (printf of a double needs the 16-byte stack alignment of the frame).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t counter;
static volatile int depth, max_depth;
static int order[8], n_order;

static int blocked(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    printf("info_handler: sig %d signo %d code %d pid %s, self %s blocked, SIGUSR2 %s blocked\n",
           sig, si->si_signo, si->si_code, si->si_pid == getpid() ? "self" : "other",
           blocked(sig) ? "is" : "not", blocked(SIGUSR2) ? "is" : "not");
    counter += 10;
}

static void plain_handler(int sig)
{
    counter++;
    printf("plain_handler: sig %d, %.3f\n", sig, 1.0 / 8);
}

static void order_handler(int sig)
{
    order[n_order++] = sig;
    if (sig == SIGUSR1)
        raise(SIGUSR2);     /* blocked by sa_mask: runs after this handler returns */
    order[n_order++] = -sig;
}

static void nodefer_handler(int sig)
{
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (depth < 3)
        raise(sig);         /* SA_NODEFER: nests right away */
    depth--;
}

int main(void)
{
    struct sigaction sa, old;
    setvbuf(stdout, NULL, _IONBF, 0);

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("counter %d, SIGUSR1 %s blocked after the handlers\n", (int)counter,
           blocked(SIGUSR1) ? "is" : "not");

    sigaction(SIGUSR1, NULL, &old);
    printf("old action: SA_SIGINFO %d, handler %s, SIGUSR2 in mask %d\n",
           (old.sa_flags & SA_SIGINFO) != 0, old.sa_sigaction == info_handler ? "ours" : "other",
           sigismember(&old.sa_mask, SIGUSR2));

    /* A plain handler, several times. */
    signal(SIGHUP, plain_handler);
    for (int i = 0; i < 3; i++)
        raise(SIGHUP);
    printf("counter %d\n", (int)counter);

    /* Order: SIGUSR2 raised inside the SIGUSR1 handler waits for its sigreturn. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = order_handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    printf("order:");
    for (int i = 0; i < n_order; i++)
        printf(" %d", order[i]);
    printf("\n");

    /* SA_NODEFER: the handler interrupts itself. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nodefer_handler;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("SA_NODEFER: max depth %d\n", max_depth);

    /* SA_RESETHAND: one delivery, then SIG_DFL. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain_handler;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGTERM, &sa, NULL);
    raise(SIGTERM);
    sigaction(SIGTERM, NULL, &old);
    printf("SA_RESETHAND: handler now %s\n", old.sa_handler == SIG_DFL ? "SIG_DFL" : "other");

    /* SIG_IGN: nothing happens. */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("ignored; counter %d\n", (int)counter);

    /* And SIG_DFL of SIGTERM ends the program, as natively. */
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
