/* signal.c — guest signals: what the host does on the guest's behalf, pending signals, and
 * delivery to guest handlers at block boundaries.
 *
 * The host kernel keeps the guest's signals. ferry mirrors the guest's dispositions and mask
 * in the host's: a guest handler becomes ferry's host handler (fault.c), SIG_IGN and SIG_DFL
 * stay themselves, and the host mask is the guest's. So signals another process sends, timer
 * signals (alarm, setitimer) and signals the guest sends itself (kill, tgkill: passed to the
 * host) behave natively: blocked ones wait in the kernel (rt_sigpending, rt_sigtimedwait ask
 * it), default actions are the kernel's own (the process dies by the signal, or stops), and
 * ignored ones vanish. SIGSEGV, SIGBUS and SIGFPE are the exception: ferry always catches
 * them and never blocks them on the host (the kernel kills outright a process that faults
 * with the fault signal blocked), so a guest that blocks one and receives it from kill keeps
 * it pending here instead. Signal numbers are the same for the guest and the hosts (x86 and
 * asm-generic agree on 1..64), and so is siginfo_t's layout.
 *
 * Taking a signal (rt_signal_host, in the host handler): copy its siginfo into
 * RtThread.siginfo, set its bit in RtThread.sigpending, and block it in the mask the handler
 * returns to, so that further instances queue in the kernel (real-time signals keep every
 * instance, in order) until this one is delivered. Then make the guest come back to the
 * dispatcher: t->interrupt is set, which the dispatcher reads before running each block and
 * generated code reads at every backward exit and indirect jump (ir/backend.h), so even a
 * chained loop that never returns by itself comes back within one iteration.
 * A blocking host system call is interrupted (ferry's host handler has no SA_RESTART) and
 * returns -EINTR to rt_syscall.
 *
 * Delivering (rt_signal_deliver, in the dispatcher between blocks, so the guest state is
 * exact): pending signals the guest does not block go out one at a time, synchronous ones
 * (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS) first, then by number, as the kernel
 * dequeues them. SIG_IGN drops one, SIG_DFL takes the default action (ignore, stop, or die by
 * the signal), a handler gets a frame (sigframe.c): the mask becomes mask | sa_mask | the
 * signal (not with SA_NODEFER), SA_RESETHAND restores SIG_DFL, SS_AUTODISARM disarms the
 * alternate stack. Several signals stack several frames, the last delivered running first.
 * A frame that cannot be written becomes SIGSEGV (forced; when that frame was for SIGSEGV,
 * death by SIGSEGV), as force_sigsegv does.
 *
 * Interrupted system calls (a guest call returned -EINTR: RtThread.restart_nr): the first
 * handler delivered decides, as the kernel does with -ERESTARTSYS: with SA_RESTART the call
 * runs again after the handler (the frame holds rip - 2, the syscall instruction, and the
 * call number in rax), without it the guest sees -EINTR. Calls Linux never restarts after a
 * handler (sleeps, poll, select, epoll_wait, sigsuspend, sigtimedwait, ...) return -EINTR
 * either way, close never restarts. When no handler runs at all (the signal was ignored, or
 * taken from the host but still blocked for the guest), the others restart transparently
 * (nanosleep then sleeps its whole duration again: the kernel would restart it with the time
 * left).
 *
 * Synchronous signals of guest instructions (rt_signal_trap, the trap exits: ud2, int3,
 * divide errors, privileged instructions) are forced, as force_sig_fault does: a handler gets
 * them before any other guest instruction runs; ignored or blocked, or without a handler,
 * they kill the process. Faults of guest loads and stores in generated code are queued the
 * same way by fault.c (precise: state exact at the instruction) and delivered when rt_run's
 * sigsetjmp brings the thread back; faults in helpers and the interpreter are not (fault.c).
 *
 * Threads: each guest thread is a host thread whose host mask is its guest mask, so the host
 * kernel picks the thread of a process-directed signal (one that does not block it) and
 * delivers tgkill/tkill to the named thread, exactly as for a native process; the handler
 * runs on that thread and records the signal in its own RtThread. Dispositions are shared
 * (CLONE_SIGHAND): written under p->lock, read as a copy at delivery.
 *
 * No global state: everything lives in RtProcess and RtThread (the host handler finds them
 * through fault.c's pointers).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/rt.h"

#define SIGBIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
/* Never blocked on the host: ferry's own fault handling needs them (see the header). */
#define HOST_RESERVED (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGFPE))
/* The kernel's SYNCHRONOUS_MASK: dequeued before the others. */
#define SYNCHRONOUS (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | \
                     SIGBIT(SIGFPE) | SIGBIT(SIGSYS))
#define ALL_SIGNALS (~0ull)

/* ---------------------------------------------------------------- host primitives */

#if defined(__x86_64__)
/* x86-64 kernels need a user restorer (SA_RESTORER) to return from a handler; glibc's own is
 * not reachable when ferry bypasses its sigaction (needed for signals 32 and 33). */
void rt_host_restorer(void);
__asm__(".text\n"
        ".align 16\n"
        ".type rt_host_restorer, @function\n"
        "rt_host_restorer:\n"
        "    mov $15, %eax\n"           /* rt_sigreturn */
        "    syscall\n"
        "    hlt\n"
        ".size rt_host_restorer, . - rt_host_restorer\n");
#define HOST_SA_RESTORER 0x04000000ul
#endif

/* The kernel's struct sigaction (x86-64 and the asm-generic 64-bit hosts). */
typedef struct HostKsigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
} HostKsigaction;

int rt_host_sigaction(int sig, uintptr_t handler, unsigned long flags)
{
    HostKsigaction ka = { (void *)handler, flags, NULL, 0 };
    if (handler > 1) {
        /* A ferry handler: it must not be interrupted by another guest signal (it reads and
         * writes per-thread state); faults stay possible, to report ferry's own bugs. */
        ka.mask = ALL_SIGNALS & ~HOST_RESERVED;
#if defined(__x86_64__)
        ka.flags |= HOST_SA_RESTORER;
        ka.restorer = (void *)rt_host_restorer;
#endif
    }
    return syscall(SYS_rt_sigaction, sig, &ka, NULL, 8) < 0 ? -errno : 0;
}

void rt_host_sigmask(int how, uint64_t set, uint64_t *old)
{
    uint64_t o = 0;
    syscall(SYS_rt_sigprocmask, how, &set, &o, 8);
    if (old)
        *old = o;
}

uint64_t rt_host_sigpending(void)
{
    uint64_t set = 0;
    syscall(SYS_rt_sigpending, &set, 8);
    return set;
}

/* ---------------------------------------------------------------- dispositions and mask */

void rt_signal_sync_host_mask(RtThread *t)
{
    /* Block everything first: a signal taken between reading sigpending and setting the
     * mask would otherwise be unblocked again while its siginfo is still held. */
    uint64_t prev;
    rt_host_sigmask(SIG_SETMASK, ALL_SIGNALS & ~HOST_RESERVED, &prev);
    uint64_t m = (t->sigmask | __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED)) & ~HOST_RESERVED;
    uint64_t unblocked = prev & ~m;
    if (unblocked) {
        /* A signal waiting in the kernel that kills by its default action would kill ferry
         * as soon as the mask changes: die here instead, so the -d logs are written. */
        uint64_t fatal = rt_host_sigpending() & unblocked;
        for (int sig = 1; fatal; sig++, fatal >>= 1)
            if ((fatal & 1) && t->proc->sigact[sig].handler == GUEST_SIG_DFL &&
                rt_signal_default_fatal(sig))
                rt_die_by_signal(t->proc, sig);
    }
    rt_host_sigmask(SIG_SETMASK, m, NULL);
}

void rt_signal_mirror_action(RtProcess *p, int sig)
{
    if (sig == SIGKILL || sig == SIGSTOP || (SIGBIT(sig) & HOST_RESERVED))
        return;                 /* fault.c's handler stays; it looks at the disposition */
    const RtSigAction *a = &p->sigact[sig];
    unsigned long keep = a->flags & (GUEST_SA_NOCLDSTOP | GUEST_SA_NOCLDWAIT);
    if (a->handler <= GUEST_SIG_IGN)        /* SIG_DFL and SIG_IGN have the same values */
        rt_host_sigaction(sig, (uintptr_t)a->handler, keep);
    else
        rt_host_sigaction(sig, (uintptr_t)rt_host_signal_handler, SA_SIGINFO | SA_ONSTACK | keep);
}

void rt_signal_init(RtThread *t)
{
    RtProcess *p = t->proc;
    t->restart_nr = -1;
    t->altstack_sp = t->altstack_size = 0;
    t->altstack_flags = GUEST_SS_DISABLE;
    /* execve keeps the mask and the ignored signals: so does ferry's start (it may be the
     * guest's own execve running ferry again). */
    for (int sig = 1; sig <= GUEST_NSIG; sig++) {
        HostKsigaction old;
        if (sig == SIGKILL || sig == SIGSTOP ||
            syscall(SYS_rt_sigaction, sig, NULL, &old, 8) < 0)
            continue;
        if (old.handler == (void *)SIG_IGN)
            p->sigact[sig].handler = GUEST_SIG_IGN;
    }
    uint64_t m;
    rt_host_sigmask(SIG_BLOCK, 0, &m);
    t->sigmask = m & ~UNBLOCKABLE;
    rt_signal_sync_host_mask(t);
}

bool rt_signal_default_fatal(int sig)
{
    switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:         /* ignored */
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:         /* stop */
        return false;
    default:
        return true;
    }
}

/* The default action of sig, taken by ferry (the signal reached it with SIG_DFL recorded). */
static void default_action(RtThread *t, int sig)
{
    RtProcess *p = t->proc;
    switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
        return;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        rt_log_flush(p);
        kill(getpid(), SIGSTOP);        /* SIGCONT resumes ferry, and the guest */
        return;
    default:
        rt_die_by_signal(p, sig);
    }
}

/* ---------------------------------------------------------------- taking signals */

static void make_pending(RtThread *t, int sig, const void *info)
{
    memcpy(&t->siginfo[sig], info, sizeof(GuestSiginfo));
    __atomic_fetch_or(&t->sigpending, SIGBIT(sig), __ATOMIC_RELAXED);
    t->interrupt = 1;
}

void rt_signal_host(RtProcess *p, RtThread *t, int sig, const siginfo_t *si, void *ucv)
{
    _Static_assert(sizeof(siginfo_t) == sizeof(GuestSiginfo), "host and guest siginfo_t agree");
    if (!t || sig < 1 || sig > GUEST_NSIG)
        return;
    if (p->sigact[sig].handler == GUEST_SIG_IGN)
        return;                 /* a fault signal the guest ignores, sent by kill */
    make_pending(t, sig, si);
    if (ucv && !(SIGBIT(sig) & HOST_RESERVED)) {
        /* Stays blocked on the host after this handler returns, until delivered. The first
         * word of the mask is the kernel's 64 signals (glibc's sigaddset refuses 32, 33). */
        ucontext_t *uc = ucv;
        uint64_t m;
        memcpy(&m, &uc->uc_sigmask, sizeof m);
        m |= SIGBIT(sig);
        memcpy(&uc->uc_sigmask, &m, sizeof m);
    }
}

bool rt_signal_trap(RtThread *t, int sig, int code, uint64_t addr, unsigned trapno,
                    uint64_t err)
{
    const RtSigAction *a = &t->proc->sigact[sig];
    if (a->handler <= GUEST_SIG_IGN || (t->sigmask & SIGBIT(sig)))
        return false;
    GuestSiginfo info;
    memset(&info, 0, sizeof info);
    info.signo = sig;
    info.code = code;
    info.addr = addr;
    t->trap_nr = trapno;
    t->trap_err = err;
    if (trapno == GUEST_TRAP_PF)
        t->trap_cr2 = addr;
    make_pending(t, sig, &info);
    return true;
}

/* force_sigsegv after a frame for sig could not be written. */
static void force_sigsegv(RtThread *t, int sig)
{
    RtProcess *p = t->proc;
    if (p->log.mask)
        rt_log_printf(p, "ferry: cannot write the signal frame for signal %d at rsp 0x%llx: "
                      "SIGSEGV\n", sig, (unsigned long long)t->state.gpr[X86_RSP]);
    if (sig == SIGSEGV || !rt_signal_trap(t, SIGSEGV, GUEST_SI_KERNEL, 0, t->trap_nr, t->trap_err))
        rt_die_by_signal(p, SIGSEGV);
}

/* ---------------------------------------------------------------- delivery */

/* How Linux restarts an interrupted call (its -ERESTART* code): ALWAYS (-ERESTARTNOINTR: the
 * process calls, which ferry may interrupt itself, see rt_signal_exec_check), SYS
 * (-ERESTARTSYS: again after a handler with SA_RESTART, or when no handler runs), NOHAND
 * (only when no handler runs: the waits and sleeps of signal(7)'s "never restarted" list),
 * NEVER (close: the descriptor is gone by the time it reports EINTR). */
enum { RESTART_NEVER, RESTART_NOHAND, RESTART_SYS, RESTART_ALWAYS };

static int restart_class(int64_t nr)
{
    switch (nr) {
    case 3:   /* close */
        return RESTART_NEVER;
    case 7:   /* poll */          case 23:  /* select */       case 34:  /* pause */
    case 35:  /* nanosleep */     case 65:  /* semop */        case 69:  /* msgsnd */
    case 70:  /* msgrcv */        case 128: /* rt_sigtimedwait */
    case 130: /* rt_sigsuspend */ case 208: /* io_getevents */ case 220: /* semtimedop */
    case 230: /* clock_nanosleep */ case 232: /* epoll_wait */ case 270: /* pselect6 */
    case 271: /* ppoll */         case 281: /* epoll_pwait */  case 441: /* epoll_pwait2 */
        return RESTART_NOHAND;
    case 56:  /* clone */  case 57:  /* fork */  case 58:  /* vfork */  case 59:  /* execve */
    case 322: /* execveat */  case 435: /* clone3 */
        return RESTART_ALWAYS;
    default:
        return RESTART_SYS;
    }
}

/* Run the interrupted call again: back to its syscall instruction with its number. */
static void restart_syscall(RtThread *t)
{
    t->state.gpr[X86_RAX] = (uint64_t)t->restart_nr;
    t->state.rip -= 2;
}

static int pick(uint64_t ready)
{
    uint64_t sync = ready & SYNCHRONOUS;
    return __builtin_ctzll(sync ? sync : ready) + 1;
}

void rt_signal_deliver(RtThread *t)
{
    RtProcess *p = t->proc;
    t->interrupt = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    for (;;) {
        uint64_t ready = __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED) & ~t->sigmask;
        if (!ready)
            break;
        int sig = pick(ready);
        GuestSiginfo info = t->siginfo[sig];
        __atomic_fetch_and(&t->sigpending, ~SIGBIT(sig), __ATOMIC_RELAXED);
        /* The dispositions are the process's: another thread may change them (under
         * p->lock); work on a copy. */
        pthread_mutex_lock(&p->lock);
        RtSigAction act = p->sigact[sig];
        if (act.handler > GUEST_SIG_IGN && (act.flags & GUEST_SA_RESETHAND)) {
            p->sigact[sig].handler = GUEST_SIG_DFL;
            rt_signal_mirror_action(p, sig);
        }
        pthread_mutex_unlock(&p->lock);
        const RtSigAction *a = &act;
        if (a->handler == GUEST_SIG_IGN)
            continue;
        if (a->handler == GUEST_SIG_DFL) {
            default_action(t, sig);
            continue;
        }
        if (t->restart_nr >= 0) {
            int rc = restart_class(t->restart_nr);
            if (rc == RESTART_ALWAYS || (rc == RESTART_SYS && (a->flags & GUEST_SA_RESTART)))
                restart_syscall(t);
            t->restart_nr = -1;
        }
        /* The frame restores the mask from before rt_sigsuspend; the handler's mask builds
         * on the current one (the wait's). */
        uint64_t cur = t->sigmask, oldmask = t->sigmask_saved ? t->saved_sigmask : cur;
        t->sigmask_saved = false;
        if (p->log.mask)
            rt_log_printf(p, "ferry: signal %d (%s) to the guest handler 0x%llx at pc 0x%llx\n",
                          sig, rt_signal_name(sig) ? rt_signal_name(sig) : "?",
                          (unsigned long long)a->handler, (unsigned long long)t->state.rip);
        if (rt_sigframe_push(t, sig, &info, a, oldmask) < 0) {
            t->sigmask = oldmask;
            force_sigsegv(t, sig);
            continue;
        }
        t->sigmask = cur | a->mask;
        if (!(a->flags & GUEST_SA_NODEFER))
            t->sigmask |= SIGBIT(sig);
        t->sigmask &= ~UNBLOCKABLE;
        if (t->altstack_flags & GUEST_SS_AUTODISARM) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = GUEST_SS_DISABLE;
        }
    }
    if (t->sigmask_saved) {         /* rt_sigsuspend ended without a handler */
        t->sigmask = t->saved_sigmask;
        t->sigmask_saved = false;
    }
    if (t->restart_nr >= 0) {       /* interrupted, and no handler ran */
        if (restart_class(t->restart_nr) != RESTART_NEVER)
            restart_syscall(t);
        t->restart_nr = -1;
    }
    rt_signal_sync_host_mask(t);
}

/* ---------------------------------------------------------------- waiting */

int64_t rt_signal_suspend(RtThread *t, uint64_t mask)
{
    t->saved_sigmask = t->sigmask;
    t->sigmask_saved = true;
    t->sigmask = mask & ~UNBLOCKABLE;
    /* With every signal blocked nothing can be taken between looking and sleeping; the host
     * rt_sigsuspend unblocks atomically. A signal already taken and deliverable under the new
     * mask ends the wait at once. */
    rt_host_sigmask(SIG_SETMASK, ALL_SIGNALS & ~HOST_RESERVED, NULL);
    uint64_t pend = __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED);
    if (!(pend & ~t->sigmask)) {
        uint64_t m = (t->sigmask | pend) & ~HOST_RESERVED;
        syscall(SYS_rt_sigsuspend, &m, 8);
    }
    t->interrupt = 1;               /* rt_signal_deliver restores the host mask */
    return -EINTR;
}

int64_t rt_signal_timedwait(RtThread *t, uint64_t set, GuestSiginfo *info,
                            const struct timespec *ts)
{
    set &= ~UNBLOCKABLE;
    /* Block the set on the host so that the handler cannot take a member while ferry looks
     * at the ones already taken; the host call then dequeues the kernel's. */
    rt_host_sigmask(SIG_BLOCK, set & ~HOST_RESERVED, NULL);
    uint64_t taken = __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED) & set;
    int64_t r;
    if (taken) {
        r = pick(taken);
        *info = t->siginfo[r];
        __atomic_fetch_and(&t->sigpending, ~SIGBIT(r), __ATOMIC_RELAXED);
    } else {
        siginfo_t si;
        uint64_t hs = set;
        long n = syscall(SYS_rt_sigtimedwait, &hs, &si, ts, 8);
        r = n < 0 ? -errno : n;
        if (n > 0)
            memcpy(info, &si, sizeof *info);
    }
    rt_signal_sync_host_mask(t);
    return r;
}

bool rt_signal_wait_begin(RtThread *t, uint64_t mask, uint64_t *host_mask)
{
    t->saved_sigmask = t->sigmask;
    t->sigmask_saved = true;
    t->sigmask = mask & ~UNBLOCKABLE;
    /* As in rt_signal_suspend: nothing is taken between looking and the host call, which
     * installs *host_mask atomically for the wait. */
    rt_host_sigmask(SIG_SETMASK, ALL_SIGNALS & ~HOST_RESERVED, NULL);
    uint64_t pend = __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED);
    if (pend & ~t->sigmask) {
        *host_mask = ALL_SIGNALS & ~HOST_RESERVED;
        return true;
    }
    *host_mask = (t->sigmask | pend) & ~HOST_RESERVED;
    return false;
}

int64_t rt_signal_wait_end(RtThread *t, int64_t ret)
{
    if (ret == -EINTR) {
        t->interrupt = 1;           /* rt_signal_deliver restores the mask and the host's */
        return ret;
    }
    t->sigmask = t->saved_sigmask;
    t->sigmask_saved = false;
    rt_signal_sync_host_mask(t);
    return ret;
}

/* ---------------------------------------------------------------- execve */

bool rt_signal_exec_check(RtThread *t)
{
    if (__atomic_load_n(&t->sigpending, __ATOMIC_RELAXED) & ~t->sigmask) {
        t->interrupt = 1;
        return true;
    }
    return false;
}
