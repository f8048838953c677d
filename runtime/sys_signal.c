/* sys_signal.c — the signal system calls, recorded only (signals are a later issue):
 * rt_sigaction, rt_sigprocmask and sigaltstack validate their arguments as Linux does,
 * record what the guest asks in RtProcess/RtThread and return 0. ferry never installs a host
 * handler for the guest.
 *
 * Signals the guest sends to itself (kill, tkill, tgkill naming this process or thread) take
 * their default action right away: terminate or dump core (the process dies by that very
 * signal, so the exit status matches a native run), stop, or nothing for the signals ignored
 * by default. A recorded SIG_IGN is honoured, and a signal blocked in the recorded mask stays
 * pending until rt_sigprocmask unblocks it (glibc's raise and abort block signals around
 * tgkill). A guest handler is never run; under -d ferry says so before acting.
 * Signals for other processes go to the host kernel unchanged.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

#define GUEST_NSIG 64
#define SIGBIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

int64_t rt_signal_self(RtThread *t, int sig)
{
    RtProcess *p = t->proc;
    if (sig == 0)
        return 0;
    bool uncatchable = sig == SIGKILL || sig == SIGSTOP;
    if (!uncatchable && p->sigact[sig].handler == GUEST_SIG_IGN)
        return 0;
    if (!uncatchable && (t->sigmask & SIGBIT(sig))) {
        t->sigpending |= SIGBIT(sig);
        return 0;
    }
    switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
        return 0;                               /* ignored by default */
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        rt_log_flush(p);
        kill(getpid(), SIGSTOP);                /* stop ferry; SIGCONT resumes the guest */
        return 0;
    default:
        break;
    }
    if (!uncatchable && p->sigact[sig].handler > GUEST_SIG_IGN && p->log.mask) {
        const char *name = rt_signal_name(sig);
        rt_log_printf(p, "ferry: guest handler for signal %d (%s) not run: signal delivery "
                      "is not implemented yet; default action\n", sig, name ? name : "?");
    }
    rt_die_by_signal(p, sig);
}

/* Deliver what became unblocked. */
static void deliver_pending(RtThread *t)
{
    uint64_t ready = t->sigpending & ~t->sigmask;
    for (int s = 1; s <= GUEST_NSIG && ready; s++) {
        if (ready & SIGBIT(s)) {
            t->sigpending &= ~SIGBIT(s);
            ready &= ~SIGBIT(s);
            rt_signal_self(t, s);
        }
    }
}

int64_t rt_sys_rt_sigaction(RtThread *t, const uint64_t *a)
{
    int sig = rt_arg_int(a[0]);
    if (a[3] != 8 || sig < 1 || sig > GUEST_NSIG)
        return -EINVAL;
    GuestSigaction act;
    if (a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (rt_copy_from_guest(t->proc, &act, a[1], sizeof act) < 0)
            return -EFAULT;
    }
    RtSigAction *rec = &t->proc->sigact[sig];
    if (a[2]) {
        GuestSigaction old = { rec->handler, rec->flags, rec->restorer, rec->mask };
        if (rt_copy_to_guest(t->proc, a[2], &old, sizeof old) < 0)
            return -EFAULT;
    }
    if (a[1]) {
        *rec = (RtSigAction){ act.handler, act.flags, act.restorer, act.mask & ~UNBLOCKABLE };
        if (act.handler == GUEST_SIG_IGN)   /* setting SIG_IGN discards pending instances */
            for (RtThread *th = t->proc->threads; th; th = th->next)
                th->sigpending &= ~SIGBIT(sig);
    }
    return 0;
}

int64_t rt_sys_rt_sigprocmask(RtThread *t, const uint64_t *a)
{
    int how = rt_arg_int(a[0]);
    if (a[3] != 8)
        return -EINVAL;
    uint64_t set = 0;
    if (a[1]) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
            return -EINVAL;
        if (rt_copy_from_guest(t->proc, &set, a[1], sizeof set) < 0)
            return -EFAULT;
    }
    uint64_t old = t->sigmask;
    if (a[2] && rt_copy_to_guest(t->proc, a[2], &old, sizeof old) < 0)
        return -EFAULT;
    if (a[1]) {
        if (how == SIG_BLOCK)
            t->sigmask |= set;
        else if (how == SIG_UNBLOCK)
            t->sigmask &= ~set;
        else
            t->sigmask = set;
        t->sigmask &= ~UNBLOCKABLE;
        deliver_pending(t);
    }
    return 0;
}

int64_t rt_sys_sigaltstack(RtThread *t, const uint64_t *a)
{
    GuestStack ss;
    if (a[0] && rt_copy_from_guest(t->proc, &ss, a[0], sizeof ss) < 0)
        return -EFAULT;
    if (a[1]) {
        GuestStack old = { .ss_sp = t->altstack_sp, .ss_flags = t->altstack_flags,
                           .ss_size = t->altstack_size };
        if (rt_copy_to_guest(t->proc, a[1], &old, sizeof old) < 0)
            return -EFAULT;
    }
    if (a[0]) {
        uint32_t mode = (uint32_t)ss.ss_flags & ~GUEST_SS_AUTODISARM;
        if (mode != 0 && mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK)
            return -EINVAL;
        if (mode == GUEST_SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = GUEST_SS_DISABLE;
        } else {
            if (ss.ss_size < GUEST_MINSIGSTKSZ)
                return -ENOMEM;
            t->altstack_sp = ss.ss_sp;
            t->altstack_size = ss.ss_size;
            t->altstack_flags = ss.ss_flags & (int32_t)GUEST_SS_AUTODISARM;
        }
    }
    return 0;
}

int64_t rt_sys_kill(RtThread *t, const uint64_t *a)
{
    int pid = rt_arg_int(a[0]), sig = rt_arg_int(a[1]);
    if (sig < 0 || sig > GUEST_NSIG)
        return -EINVAL;
    if (pid == getpid())
        return rt_signal_self(t, sig);
    return rt_sysret(kill(pid, sig));
}

int64_t rt_sys_tkill(RtThread *t, const uint64_t *a)
{
    int tid = rt_arg_int(a[0]), sig = rt_arg_int(a[1]);
    if (tid <= 0 || sig < 0 || sig > GUEST_NSIG)
        return -EINVAL;
    if (tid == t->tid)
        return rt_signal_self(t, sig);
    return rt_sysret(syscall(SYS_tkill, tid, sig));
}

int64_t rt_sys_tgkill(RtThread *t, const uint64_t *a)
{
    int tgid = rt_arg_int(a[0]), tid = rt_arg_int(a[1]), sig = rt_arg_int(a[2]);
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > GUEST_NSIG)
        return -EINVAL;
    if (tgid == getpid() && tid == t->tid)
        return rt_signal_self(t, sig);
    return rt_sysret(syscall(SYS_tgkill, tgid, tid, sig));
}
