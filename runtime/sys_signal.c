/* sys_signal.c — the signal system calls: dispositions, masks, the alternate stack, waiting
 * for signals, sending them, the timers that raise them, and rt_sigreturn.
 *
 * Arguments are checked as Linux checks them (sigsetsize 8, signal numbers 1..64, SIGKILL and
 * SIGSTOP neither caught, ignored nor blocked) and guest memory is reached through the safe
 * copies. What the calls record is mirrored in the host (signal.c explains the model):
 * rt_sigaction sets the host disposition, rt_sigprocmask the host mask, and sending a signal
 * (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo) is the host's call, which reaches
 * ferry's host handler when it names this process. One shortcut: an unblocked signal with
 * SIG_DFL that kills, sent to this thread, kills here, so the -d logs and statistics are
 * written first. alarm, setitimer and getitimer are the host's timers (ITIMER_REAL raises
 * SIGALRM at ferry, on the guest's behalf; the virtual and profiling timers count ferry's
 * time, translation included).
 *
 * Waiting (pause, rt_sigsuspend, rt_sigtimedwait) is signal.c's: it must close the window
 * between looking at the pending signals and sleeping in the host.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "runtime/syscall.h"

#define SIGBIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* ---------------------------------------------------------------- dispositions */

int64_t rt_sys_rt_sigaction(RtThread *t, const uint64_t *a)
{
    RtProcess *p = t->proc;
    int sig = rt_arg_int(a[0]);
    if (a[3] != 8 || sig < 1 || sig > GUEST_NSIG)
        return -EINVAL;
    GuestSigaction act;
    if (a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (rt_copy_from_guest(p, &act, a[1], sizeof act) < 0)
            return -EFAULT;
    }
    /* The dispositions are shared by every thread: read and written under p->lock. */
    pthread_mutex_lock(&p->lock);
    RtSigAction *rec = &p->sigact[sig];
    GuestSigaction old = { rec->handler, rec->flags, rec->restorer, rec->mask };
    if (a[1]) {
        *rec = (RtSigAction){ act.handler, act.flags, act.restorer, act.mask & ~UNBLOCKABLE };
        /* Ignoring a signal discards its pending instances (the host drops its own when the
         * host disposition becomes SIG_IGN; so does SIG_DFL for a signal ignored by
         * default). */
        if (act.handler == GUEST_SIG_IGN ||
            (act.handler == GUEST_SIG_DFL && !rt_signal_default_fatal(sig) && sig != SIGSTOP &&
             sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU))
            for (RtThread *th = p->threads; th; th = th->next)
                __atomic_fetch_and(&th->sigpending, ~SIGBIT(sig), __ATOMIC_RELAXED);
        rt_signal_mirror_action(p, sig);
    }
    pthread_mutex_unlock(&p->lock);
    if (a[2] && rt_copy_to_guest(p, a[2], &old, sizeof old) < 0)
        return -EFAULT;
    return 0;
}

/* ---------------------------------------------------------------- the mask */

int64_t rt_sys_rt_sigprocmask(RtThread *t, const uint64_t *a)
{
    int how = rt_arg_int(a[0]);
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = t->sigmask;
    if (a[1]) {
        uint64_t set;
        if (rt_copy_from_guest(t->proc, &set, a[1], sizeof set) < 0)
            return -EFAULT;
        set &= ~UNBLOCKABLE;
        if (how == SIG_BLOCK)
            t->sigmask |= set;
        else if (how == SIG_UNBLOCK)
            t->sigmask &= ~set;
        else if (how == SIG_SETMASK)
            t->sigmask = set;
        else
            return -EINVAL;
        rt_signal_sync_host_mask(t);
        t->interrupt = 1;           /* a pending signal may have become deliverable */
    }
    if (a[2] && rt_copy_to_guest(t->proc, a[2], &old, sizeof old) < 0)
        return -EFAULT;
    return 0;
}

int64_t rt_sys_rt_sigpending(RtThread *t, const uint64_t *a)
{
    if (a[1] > 8)
        return -EINVAL;
    uint64_t set = (__atomic_load_n(&t->sigpending, __ATOMIC_RELAXED) | rt_host_sigpending()) &
                   t->sigmask;
    if (rt_copy_to_guest(t->proc, a[0], &set, (size_t)a[1]) < 0)
        return -EFAULT;
    return 0;
}

/* ---------------------------------------------------------------- waiting */

int64_t rt_sys_pause(RtThread *t, const uint64_t *a)
{
    (void)a;
    return rt_signal_suspend(t, t->sigmask);
}

int64_t rt_sys_rt_sigsuspend(RtThread *t, const uint64_t *a)
{
    if (a[1] != 8)
        return -EINVAL;
    uint64_t mask;
    if (rt_copy_from_guest(t->proc, &mask, a[0], sizeof mask) < 0)
        return -EFAULT;
    return rt_signal_suspend(t, mask);
}

int64_t rt_sys_rt_sigtimedwait(RtThread *t, const uint64_t *a)
{
    RtProcess *p = t->proc;
    if (a[3] != 8)
        return -EINVAL;
    uint64_t set;
    if (rt_copy_from_guest(p, &set, a[0], sizeof set) < 0)
        return -EFAULT;
    struct timespec ts;
    int64_t g[2];
    if (a[2]) {
        if (rt_copy_from_guest(p, g, a[2], sizeof g) < 0)
            return -EFAULT;
        if (g[0] < 0 || g[1] < 0 || g[1] >= 1000000000)
            return -EINVAL;
        ts.tv_sec = g[0];
        ts.tv_nsec = g[1];
    }
    GuestSiginfo info;
    int64_t sig = rt_signal_timedwait(t, set, &info, a[2] ? &ts : NULL);
    if (sig > 0 && a[1] && rt_copy_to_guest(p, a[1], &info, sizeof info) < 0)
        return -EFAULT;
    return sig;
}

/* ---------------------------------------------------------------- rt_sigreturn */

int64_t rt_sys_rt_sigreturn(RtThread *t, const uint64_t *a)
{
    (void)a;
    X86State *s = &t->state;
    t->restart_nr = -1;
    t->regs_replaced = true;
    t->interrupt = 1;               /* the restored mask may unblock a pending signal */
    if (rt_sigframe_pop(t) == 0)
        return (int64_t)s->gpr[X86_RAX];
    /* badframe: SIGSEGV, with the registers of the system call's return. */
    s->gpr[X86_RAX] = 0;
    s->gpr[X86_RCX] = s->rip;
    s->gpr[X86_R11] = x86_get_eflags(s);
    if (t->proc->log.mask)
        rt_log_printf(t->proc, "ferry: rt_sigreturn: unreadable frame at 0x%llx: SIGSEGV\n",
                      (unsigned long long)(s->gpr[X86_RSP] - 8));
    if (!rt_signal_trap(t, SIGSEGV, GUEST_SI_KERNEL, 0, t->trap_nr, t->trap_err))
        rt_die_by_signal(t->proc, SIGSEGV);
    return 0;
}

/* ---------------------------------------------------------------- the alternate stack */

int64_t rt_sys_sigaltstack(RtThread *t, const uint64_t *a)
{
    uint64_t sp = t->state.gpr[X86_RSP];
    bool on_stack = !(t->altstack_flags & GUEST_SS_AUTODISARM) && sp > t->altstack_sp &&
                    sp - t->altstack_sp <= t->altstack_size;
    GuestStack ss;
    if (a[0] && rt_copy_from_guest(t->proc, &ss, a[0], sizeof ss) < 0)
        return -EFAULT;
    GuestStack old = {
        .ss_sp = t->altstack_sp, .ss_size = t->altstack_size,
        .ss_flags = (int32_t)((!t->altstack_size ? GUEST_SS_DISABLE : on_stack ? GUEST_SS_ONSTACK : 0) |
                              (t->altstack_flags & GUEST_SS_AUTODISARM)),
    };
    if (a[0]) {
        if (on_stack)
            return -EPERM;
        uint32_t flags = (uint32_t)ss.ss_flags, mode = flags & ~GUEST_SS_AUTODISARM;
        if (mode != 0 && mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK)
            return -EINVAL;
        if (mode == GUEST_SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
        } else {
            if (ss.ss_size < GUEST_MINSIGSTKSZ)
                return -ENOMEM;
            t->altstack_sp = ss.ss_sp;
            t->altstack_size = ss.ss_size;
        }
        t->altstack_flags = flags;
    }
    if (a[1] && rt_copy_to_guest(t->proc, a[1], &old, sizeof old) < 0)
        return -EFAULT;
    return 0;
}

/* ---------------------------------------------------------------- sending */

/* A signal for this thread that would kill it by its default action: die here, logs first. */
static void die_if_fatal(RtThread *t, int sig)
{
    RtProcess *p = t->proc;
    if (sig == SIGKILL ||
        (sig > 0 && p->sigact[sig].handler == GUEST_SIG_DFL && !(t->sigmask & SIGBIT(sig)) &&
         rt_signal_default_fatal(sig)))
        rt_die_by_signal(p, sig);
}

int64_t rt_sys_kill(RtThread *t, const uint64_t *a)
{
    int pid = rt_arg_int(a[0]), sig = rt_arg_int(a[1]);
    if (sig < 0 || sig > GUEST_NSIG)
        return -EINVAL;
    if (pid == getpid())
        die_if_fatal(t, sig);
    return rt_sysret(kill(pid, sig));
}

int64_t rt_sys_tkill(RtThread *t, const uint64_t *a)
{
    int tid = rt_arg_int(a[0]), sig = rt_arg_int(a[1]);
    if (tid <= 0 || sig < 0 || sig > GUEST_NSIG)
        return -EINVAL;
    if (tid == t->tid)
        die_if_fatal(t, sig);
    return rt_sysret(syscall(SYS_tkill, tid, sig));
}

int64_t rt_sys_tgkill(RtThread *t, const uint64_t *a)
{
    int tgid = rt_arg_int(a[0]), tid = rt_arg_int(a[1]), sig = rt_arg_int(a[2]);
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > GUEST_NSIG)
        return -EINVAL;
    if (tgid == getpid() && tid == t->tid)
        die_if_fatal(t, sig);
    return rt_sysret(syscall(SYS_tgkill, tgid, tid, sig));
}

int64_t rt_sys_rt_sigqueueinfo(RtThread *t, const uint64_t *a)
{
    int pid = rt_arg_int(a[0]), sig = rt_arg_int(a[1]);
    GuestSiginfo info;
    if (rt_copy_from_guest(t->proc, &info, a[2], sizeof info) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_rt_sigqueueinfo, pid, sig, &info));
}

int64_t rt_sys_rt_tgsigqueueinfo(RtThread *t, const uint64_t *a)
{
    int tgid = rt_arg_int(a[0]), tid = rt_arg_int(a[1]), sig = rt_arg_int(a[2]);
    GuestSiginfo info;
    if (rt_copy_from_guest(t->proc, &info, a[3], sizeof info) < 0)
        return -EFAULT;
    return rt_sysret(syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &info));
}

/* ---------------------------------------------------------------- timers */

int64_t rt_sys_alarm(RtThread *t, const uint64_t *a)
{
    (void)t;
    return alarm((unsigned)a[0]);
}

/* struct itimerval: two timevals of two 64-bit integers, on the guest and the hosts. */
_Static_assert(sizeof(struct itimerval) == 32, "64-bit struct itimerval");

int64_t rt_sys_getitimer(RtThread *t, const uint64_t *a)
{
    struct itimerval v;
    if (syscall(SYS_getitimer, rt_arg_int(a[0]), &v) < 0)
        return -errno;
    if (rt_copy_to_guest(t->proc, a[1], &v, sizeof v) < 0)
        return -EFAULT;
    return 0;
}

int64_t rt_sys_setitimer(RtThread *t, const uint64_t *a)
{
    struct itimerval v, old;
    memset(&v, 0, sizeof v);
    if (a[1] && rt_copy_from_guest(t->proc, &v, a[1], sizeof v) < 0)
        return -EFAULT;
    if (syscall(SYS_setitimer, rt_arg_int(a[0]), &v, &old) < 0)
        return -errno;
    if (a[2] && rt_copy_to_guest(t->proc, a[2], &old, sizeof old) < 0)
        return -EFAULT;
    return 0;
}
