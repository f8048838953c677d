/* sig_altstack.c — sigaltstack and SA_ONSTACK: the handler runs on the alternate stack and
 * sigaltstack reports SS_ONSTACK there (and refuses changes with EPERM); a second signal
 * raised inside it nests on the same stack; a handler without SA_ONSTACK stays on the normal
 * stack; SS_AUTODISARM disarms the stack while the handler runs and sigreturn re-arms it;
 * a too small stack is ENOMEM, SS_DISABLE removes it.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char alt[64 * 1024] __attribute__((aligned(16)));
static int depth;

static const char *which_stack(void)
{
    char here;
    uintptr_t a = (uintptr_t)&here;
    return a >= (uintptr_t)alt && a < (uintptr_t)alt + sizeof alt ? "alternate" : "normal";
}

static void on_sig(int sig)
{
    stack_t cur;
    sigaltstack(NULL, &cur);
    stack_t again = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
    int r = sigaltstack(&again, NULL);
    printf("handler %d (depth %d): %s stack, ss_flags 0x%x, change %s\n", sig, depth,
           which_stack(), (unsigned)cur.ss_flags,
           r == 0 ? "allowed" : errno == EPERM ? "EPERM" : "other error");
    if (sig == SIGUSR1 && depth++ == 0)
        raise(SIGUSR2);
}

static void install(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    stack_t ss = { .ss_sp = alt, .ss_size = 1024, .ss_flags = 0 }, old;
    int r = sigaltstack(&ss, NULL);
    printf("too small: %d (%s)\n", r, errno == ENOMEM ? "ENOMEM" : "?");
    sigaltstack(NULL, &old);
    printf("initially: ss_flags 0x%x, size %zu\n", (unsigned)old.ss_flags, old.ss_size);

    ss.ss_size = sizeof alt;
    sigaltstack(&ss, NULL);
    sigaltstack(NULL, &old);
    printf("installed: ss_flags 0x%x, size %zu, sp %s\n", (unsigned)old.ss_flags, old.ss_size,
           old.ss_sp == alt ? "ours" : "other");

    install(SIGUSR1, SA_ONSTACK);
    install(SIGUSR2, SA_ONSTACK);
    install(SIGHUP, 0);
    raise(SIGUSR1);
    raise(SIGHUP);
    printf("main: %s stack\n", which_stack());

    /* SS_AUTODISARM */
    depth = 1;
    ss.ss_flags = SS_AUTODISARM;
    sigaltstack(&ss, NULL);
    raise(SIGUSR1);
    sigaltstack(NULL, &old);
    printf("after the handler: ss_flags 0x%x, size %zu\n", (unsigned)old.ss_flags, old.ss_size);

    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    sigaltstack(NULL, &old);
    printf("disabled: ss_flags 0x%x, size %zu\n", (unsigned)old.ss_flags, old.ss_size);
    raise(SIGUSR1);
    return 0;
}
