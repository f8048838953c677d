/* sys_clone.c — new processes and waiting for them: fork, vfork, clone, clone3, wait4,
 * waitid.
 *
 * One guest process is one host process, so a guest fork is a host fork of ferry: the child
 * is ferry running the same guest, with the same translation state except the code cache,
 * which is MAP_SHARED and would otherwise be shared (codecache.c gives the child a fresh
 * region). Exit statuses and deaths by signal need nothing more: the child ferry exits with
 * the guest's status or dies by the guest's signal (dispatch.c), so wait4/waitid pass the
 * host's answer through unchanged.
 *
 * What clone accepts:
 *   - without CLONE_VM: a fork. CLONE_SETTLS, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID and
 *     CLONE_PARENT_SETTID act on the guest; a new stack pointer becomes the child's rsp.
 *     The plain case (exit signal SIGCHLD, no other host-visible flag) uses libc's fork(),
 *     which keeps ferry's own libc consistent in the child; anything else (another exit
 *     signal, CLONE_VFORK, CLONE_PARENT, CLONE_FS/FILES, namespaces, ...) goes to the host's
 *     clone with the same flags, so the kernel gives those their exact meaning.
 *   - CLONE_VM | CLONE_VFORK (vfork(), and posix_spawn/system in glibc and musl): a real
 *     vfork. The child shares the guest's memory (and ferry's: same blocks, same code cache)
 *     and the parent is suspended until the child calls execve or exits, as on Linux, so the
 *     child's writes (posix_spawn's error report) reach the parent. The child runs the
 *     dispatcher on a host stack of its own, with the parent's RtThread as its thread (so
 *     the fault handler, which finds the thread through thread-local storage shared with the
 *     suspended parent, sees the right one); when the parent resumes, everything the child
 *     may have changed that is not memory is put back: the thread (registers, tid, signal
 *     mask; not the jump cache, whose entries are valid blocks either way) and the recorded
 *     signal dispositions. A vfork child killed asynchronously in the middle of translation
 *     would leave ferry's shared structures half updated, as a native vfork child killed in
 *     malloc would: not handled.
 *   - CLONE_VM | CLONE_SIGHAND | CLONE_THREAD (pthread_create): a guest thread on a host
 *     thread of its own (threads.c). CLONE_THREAD with CLONE_VFORK: -ENOSYS. CLONE_PIDFD:
 *     -EINVAL (not supported yet).
 *   - CLONE_VM without CLONE_THREAD or CLONE_VFORK (a second process in the same address
 *     space, running alongside its parent): -ENOSYS, because ferry cannot give it what it
 *     needs without a redesign:
 *       1. its own thread-local storage. ferry and its libc keep per-thread state in TLS
 *          (errno, malloc's per-thread cache, fault.c's current thread, translate.c's code
 *          window), and a host clone(CLONE_VM) child that is not a pthread keeps the TLS of
 *          the thread that cloned it: both would use it at once. (vfork gets away with this
 *          only because the parent is suspended meanwhile.) A pthread that lends its TLS and
 *          stays blocked, all signals masked, for the child's life would do, but needs 2;
 *       2. RtProcess split in two: what CLONE_VM shares (the mapping table, brk, the code
 *          cache, the block table, tb_lock/mm_lock, the write-protected code pages) and what
 *          a separate process must own (the recorded dispositions sigact[], which its
 *          rt_sigaction must not change in the parent; its thread list; its exit path, which
 *          must not end the parent's thread group). Every use of RtProcess would have to say
 *          which half it means;
 *       3. stop-the-world flushes (threads.c) and signals directed at a thread (tgkill with
 *          ferry's own pid) reach only ferry's thread group; the child is in another one.
 *     Running it as a host thread instead would be dishonest: the kernel would know no such
 *     process, so its pid, wait4/waitid and SIGCHLD in the parent, kill() from other
 *     processes, /proc/<pid> and separate signal dispositions could not be right.
 *   - fork with other threads running: every ferry lock is taken around the fork, so the
 *     child (one thread) never inherits one held (rt_fork_lock).
 * vfork (58) is clone(CLONE_VM | CLONE_VFORK | SIGCHLD); fork (57) is clone(SIGCHLD).
 * clone3 converts its struct clone_args to the same path (set_tid and cgroup: -EINVAL).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

/* The vfork child's host stack: ferry's dispatcher and translator need room. */
#define RT_VFORK_STACK (8u << 20)

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* The child's frames leave their poison in the (shared) shadow memory of its stack: clear it
 * before and after, or the next stack mapped there reports false overflows. */
#define UNPOISON_STACK(s, n) __asan_unpoison_memory_region((s), (n))
#else
#define UNPOISON_STACK(s, n) ((void)(s), (void)(n))
#endif

/* Flags the host's clone gets unchanged when there is no CLONE_VM (they mean the same to a
 * forked ferry as to the guest). */
#define HOST_CLONE_FLAGS (GUEST_CLONE_FS | GUEST_CLONE_FILES | GUEST_CLONE_PTRACE | \
    GUEST_CLONE_VFORK | GUEST_CLONE_PARENT | GUEST_CLONE_NEWNS | GUEST_CLONE_SYSVSEM | \
    GUEST_CLONE_UNTRACED | GUEST_CLONE_NEWCGROUP | GUEST_CLONE_NEWUTS | GUEST_CLONE_NEWIPC | \
    GUEST_CLONE_NEWUSER | GUEST_CLONE_NEWPID | GUEST_CLONE_NEWNET | GUEST_CLONE_IO)
/* Flags ferry carries out on the guest's side (for threads, threads.c). */
#define GUEST_SIDE_FLAGS (GUEST_CLONE_SETTLS | GUEST_CLONE_PARENT_SETTID | \
    GUEST_CLONE_CHILD_SETTID | GUEST_CLONE_CHILD_CLEARTID | GUEST_CLONE_DETACHED)

_Static_assert(GUEST_CLONE_VM == CLONE_VM && GUEST_CLONE_VFORK == CLONE_VFORK &&
               GUEST_CLONE_FILES == CLONE_FILES && GUEST_CLONE_NEWUSER == CLONE_NEWUSER &&
               GUEST_CLONE_IO == CLONE_IO, "clone flags: the host uses the generic values");

typedef struct CloneReq {
    uint64_t flags;             /* without the exit signal */
    int exit_signal;
    uint64_t newsp;             /* child's rsp, 0: the parent's */
    uint64_t ptid, ctid, tls;
} CloneReq;

/* The guest-side effects in the child (its own copy of memory, or the shared memory). */
static void child_setup(RtThread *t, const CloneReq *r)
{
    t->tid = (int)syscall(SYS_gettid);
    /* A new process starts with no pending signals (the parent keeps those it had taken):
     * the host mask then goes back to the guest's (signal.c blocks taken signals on the host
     * until they are delivered). */
    __atomic_store_n(&t->sigpending, 0, __ATOMIC_RELAXED);
    rt_signal_sync_host_mask(t);
    if (r->newsp)
        t->state.gpr[X86_RSP] = r->newsp;
    if (r->flags & GUEST_CLONE_SETTLS)
        t->state.fs_base = r->tls;
    if (r->flags & GUEST_CLONE_CHILD_CLEARTID)
        t->clear_child_tid = r->ctid;
    if (r->flags & GUEST_CLONE_CHILD_SETTID) {
        int32_t tid = t->tid;
        rt_copy_to_guest(t->proc, r->ctid, &tid, sizeof tid);  /* a bad pointer: ignored */
    }
}

/* ---------------------------------------------------------------- fork */

static int64_t do_fork(RtThread *t, const CloneReq *r)
{
    RtProcess *p = t->proc;
    int fd;
    int e = rt_cache_fork_prepare(p, &fd);
    if (e < 0)
        return e == -EMFILE || e == -ENFILE ? -EAGAIN : -ENOMEM;
    rt_log_flush(p);
    fflush(NULL);               /* nothing buffered may be written twice */
    uint64_t host = r->flags & HOST_CLONE_FLAGS;
    pid_t pid;
    /* No other thread may hold one of ferry's locks in the child's copy. */
    rt_fork_lock(p);
    if (host == 0 && r->exit_signal == SIGCHLD)
        pid = fork();
    else
        pid = (pid_t)syscall(SYS_clone, (unsigned long)(host | (uint64_t)r->exit_signal), 0ul,
                             NULL, NULL, 0ul);
    if (pid != 0)
        rt_fork_unlock(p);
    if (pid < 0) {
        int err = errno;
        rt_cache_fork_parent(p, fd);
        return -err;
    }
    if (pid == 0) {
        /* Only the forking thread exists in the child. */
        rt_fork_child(p, t);
        memset(&p->stats, 0, sizeof p->stats);     /* -d stats: this process's own */
        t->n_blocks = t->n_syscalls = 0;
        rt_cache_fork_child(p, fd);
        child_setup(t, r);
        return 0;
    }
    rt_cache_fork_parent(p, fd);
    if (r->flags & GUEST_CLONE_PARENT_SETTID) {
        int32_t v = pid;
        rt_copy_to_guest(p, r->ptid, &v, sizeof v);
    }
    return pid;
}

/* ---------------------------------------------------------------- vfork */

/* Whether the host's vfork shares memory. An emulator may run it as a fork (qemu-user does,
 * for CLONE_VM | CLONE_VFORK): the child would then translate into the code cache, which is
 * MAP_SHARED, while the parent, not suspended, does too. ferry then makes a guest vfork a
 * fork (a fresh code cache for the child), which is what the emulator gives native programs:
 * the child's writes are not seen by the parent. Probed once at start-up, before ferry has a
 * SIGCHLD handler, so the probe's SIGCHLD never reaches the guest. */
#if !defined(__x86_64__)    /* ferry on an x86_64 host runs natively */
static volatile int vfork_probe_flag;

static int vfork_probe_child(void *arg)
{
    (void)arg;
    vfork_probe_flag = 1;
    syscall(SYS_exit, 0);
    return 0;
}
#endif

void rt_vfork_probe(RtProcess *p)
{
    p->vfork_is_fork = false;
#if !defined(__x86_64__)
    size_t size = 64u << 10;
    uint8_t *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return;
    vfork_probe_flag = 0;
    /* SIGCHLD: qemu-user refuses a vfork with another exit signal (EINVAL). With SIGCHLD
     * ignored the child is reaped by itself; the flag says all the same. */
    pid_t pid = clone(vfork_probe_child, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (pid > 0) {
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
            ;
        p->vfork_is_fork = vfork_probe_flag == 0;
    }
    munmap(stack, size);
#endif
}

typedef struct VforkArgs {
    RtThread *t;
    const CloneReq *r;
} VforkArgs;

static int vfork_child(void *arg)
{
    VforkArgs *v = arg;
    RtThread *t = v->t;
    RtProcess *p = t->proc;
    X86State *st = &t->state;
    /* What rt_syscall does after a handler returns, for the child's 0 (and its -strace line,
     * with the arguments still in the registers). */
    if (p->opt.strace) {
        uint64_t nr = st->gpr[X86_RAX];
        const uint64_t a[6] = { st->gpr[X86_RDI], st->gpr[X86_RSI], st->gpr[X86_RDX],
                                st->gpr[X86_R10], st->gpr[X86_R8], st->gpr[X86_R9] };
        char line[512];
        rt_strace_format(p, line, sizeof line, rt_syscall_lookup(nr), nr, a, 0, true);
        fprintf(p->log.f, "%d %s\n", (int)getpid(), line);
    }
    child_setup(t, v->r);       /* also unblocks the host signals the parent blocked */
    st->gpr[X86_RAX] = 0;
    st->gpr[X86_RCX] = st->rip;
    st->gpr[X86_R11] = x86_get_eflags(st);
    rt_run(t);                  /* ends with execve (the parent resumes) or the child's death */
}

static int64_t do_vfork(RtThread *t, const CloneReq *r)
{
    RtProcess *p = t->proc;
    size_t tsize = (sizeof(RtThread) + 63) & ~(size_t)63;
    RtThread *saved = aligned_alloc(64, tsize);
    RtSigAction *saved_act = malloc(sizeof p->sigact);
    uint8_t *stack = mmap(NULL, RT_VFORK_STACK, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (!saved || !saved_act || stack == MAP_FAILED) {
        free(saved);
        free(saved_act);
        if (stack != MAP_FAILED)
            munmap(stack, RT_VFORK_STACK);
        return -ENOMEM;
    }
    /* No host signal handler may run in the parent until its thread is restored: it would
     * record a signal in the RtThread the restore overwrites. Blocked signals wait in the
     * kernel (the child unblocks its own in child_setup). */
    sigset_t all, old_mask;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    pthread_sigmask(SIG_SETMASK, &all, &old_mask);
    memcpy(saved, t, sizeof *t);
    memcpy(saved_act, p->sigact, sizeof p->sigact);
    rt_log_flush(p);
    VforkArgs v = { t, r };
    /* The lowest page is a guard: a ferry stack overflow in the child faults there. */
    mprotect(stack, RT_PAGE_SIZE, PROT_NONE);
    UNPOISON_STACK(stack, RT_VFORK_STACK);
    int flags = CLONE_VM | CLONE_VFORK | r->exit_signal |
                (int)(r->flags & (GUEST_CLONE_FS | GUEST_CLONE_FILES | GUEST_CLONE_SYSVSEM |
                                  GUEST_CLONE_IO | GUEST_CLONE_UNTRACED));
    pid_t pid = clone(vfork_child, stack + RT_VFORK_STACK, flags, &v);
    int err = errno;
    /* The child has called execve or is gone: restore what is not shared memory. */
    size_t jc_lo = offsetof(RtThread, jc), jc_hi = jc_lo + sizeof t->jc;
    memcpy(t, saved, jc_lo);
    memcpy((uint8_t *)t + jc_hi, (uint8_t *)saved + jc_hi, sizeof *t - jc_hi);
    t->cur_block = NULL;        /* the child may have flushed the block it pointed to */
    memset(&t->ras, 0, sizeof t->ras);  /* the parent's entries may name flushed code */
    /* The child ran this thread: it may have died running (and a flusher may wait on it). */
    rt_thread_leave(t);
    t->interrupt = 1;
    memcpy(p->sigact, saved_act, sizeof p->sigact);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    free(saved);
    free(saved_act);
    UNPOISON_STACK(stack, RT_VFORK_STACK);
    munmap(stack, RT_VFORK_STACK);
    free(p->exec_pending);      /* the child's execve arguments, if it got that far */
    p->exec_pending = NULL;
    if (pid < 0)
        return -err;
    if (r->flags & GUEST_CLONE_PARENT_SETTID) {
        int32_t pv = pid;
        rt_copy_to_guest(p, r->ptid, &pv, sizeof pv);
    }
    return pid;
}

/* ---------------------------------------------------------------- clone */

static int64_t do_clone(RtThread *t, const CloneReq *r)
{
    uint64_t f = r->flags;
    if (r->exit_signal < 0 || r->exit_signal > 64)
        return -EINVAL;
    if ((f & GUEST_CLONE_THREAD) && !(f & GUEST_CLONE_SIGHAND))
        return -EINVAL;
    if ((f & GUEST_CLONE_SIGHAND) && !(f & GUEST_CLONE_VM))
        return -EINVAL;
    if (f & GUEST_CLONE_PIDFD)
        return -EINVAL;
    if (f & ~(HOST_CLONE_FLAGS | GUEST_SIDE_FLAGS | GUEST_CLONE_VM | GUEST_CLONE_THREAD |
              GUEST_CLONE_SIGHAND))
        return -EINVAL;
    if ((f & GUEST_CLONE_SETTLS) && r->tls >= RT_USER_TOP)
        return -EPERM;
    if (f & GUEST_CLONE_THREAD) {
        /* A thread (pthread_create: VM FS FILES SIGHAND THREAD SYSVSEM SETTLS PARENT_SETTID
         * CHILD_CLEARTID, and musl's DETACHED). Namespaces cannot be new for a thread;
         * CLONE_PTRACE, CLONE_UNTRACED, CLONE_IO, CLONE_PARENT and the exit signal change
         * nothing for one. */
        uint64_t ns = GUEST_CLONE_NEWNS | GUEST_CLONE_NEWCGROUP | GUEST_CLONE_NEWUTS |
                      GUEST_CLONE_NEWIPC | GUEST_CLONE_NEWUSER | GUEST_CLONE_NEWPID |
                      GUEST_CLONE_NEWNET;
        if (f & ns)
            return -EINVAL;
        if (f & GUEST_CLONE_VFORK) {
            if (t->proc->log.mask)
                rt_log_printf(t->proc, "ferry: clone(0x%llx): CLONE_VFORK with CLONE_THREAD is "
                              "not supported\n", (unsigned long long)f);
            return -ENOSYS;
        }
        return rt_thread_clone(t, f, r->newsp, r->ptid, r->ctid, r->tls);
    }
    if ((f & GUEST_CLONE_VM) && !(f & GUEST_CLONE_VFORK)) {
        /* A process sharing the memory (CLONE_VM without CLONE_THREAD): not supported, for
         * the reasons in the header. */
        if (t->proc->log.mask)
            rt_log_printf(t->proc, "ferry: clone(0x%llx): CLONE_VM without CLONE_THREAD or "
                          "CLONE_VFORK is not supported\n", (unsigned long long)f);
        return -ENOSYS;
    }
    if (f & GUEST_CLONE_VM) {
        /* The other host flags need their own address space, or mean nothing for a vfork. */
        uint64_t vfork_ok = GUEST_CLONE_VFORK | GUEST_CLONE_FS | GUEST_CLONE_FILES |
                            GUEST_CLONE_SYSVSEM | GUEST_CLONE_IO | GUEST_CLONE_UNTRACED;
        if (f & HOST_CLONE_FLAGS & ~vfork_ok)
            return -EINVAL;
        if (t->proc->vfork_is_fork) {       /* see rt_vfork_probe */
            CloneReq fr = *r;
            fr.flags &= ~(uint64_t)(GUEST_CLONE_VM | GUEST_CLONE_VFORK);
            return do_fork(t, &fr);
        }
        return do_vfork(t, r);
    }
    return do_fork(t, r);
}

int64_t rt_sys_clone(RtThread *t, const uint64_t *a)
{
    /* x86-64 order: flags, newsp, parent_tid, child_tid, tls. */
    CloneReq r = { .flags = a[0] & ~(uint64_t)GUEST_CSIGNAL,
                   .exit_signal = (int)(a[0] & GUEST_CSIGNAL),
                   .newsp = a[1], .ptid = a[2], .ctid = a[3], .tls = a[4] };
    r.flags &= 0xffffffffull;   /* clone's flags are an int in the kernel */
    return do_clone(t, &r);
}

int64_t rt_sys_clone3(RtThread *t, const uint64_t *a)
{
    GuestCloneArgs ca;
    uint64_t size = a[1];
    if (size < GUEST_CLONE_ARGS_SIZE_VER0 || size > 4096)
        return -EINVAL;
    memset(&ca, 0, sizeof ca);
    if (rt_copy_from_guest(t->proc, &ca, a[0], size < sizeof ca ? size : sizeof ca) < 0)
        return -EFAULT;
    if (size > sizeof ca) {     /* a newer struct: the extra bytes must be zero */
        uint8_t extra[64];
        for (uint64_t off = sizeof ca; off < size; off += sizeof extra) {
            size_t n = size - off < sizeof extra ? (size_t)(size - off) : sizeof extra;
            if (rt_copy_from_guest(t->proc, extra, a[0] + off, n) < 0)
                return -EFAULT;
            for (size_t i = 0; i < n; i++)
                if (extra[i])
                    return -E2BIG;
        }
    }
    if (ca.set_tid || ca.set_tid_size || ca.cgroup || (ca.flags >> 32) ||
        (ca.flags & GUEST_CSIGNAL) || ca.exit_signal > 64)
        return -EINVAL;
    if ((ca.stack == 0) != (ca.stack_size == 0))
        return -EINVAL;
    CloneReq r = { .flags = ca.flags, .exit_signal = (int)ca.exit_signal,
                   .newsp = ca.stack ? ca.stack + ca.stack_size : 0,
                   .ptid = ca.parent_tid, .ctid = ca.child_tid, .tls = ca.tls };
    return do_clone(t, &r);
}

int64_t rt_sys_fork(RtThread *t, const uint64_t *a)
{
    (void)a;
    CloneReq r = { .exit_signal = SIGCHLD };
    return do_clone(t, &r);
}

int64_t rt_sys_vfork(RtThread *t, const uint64_t *a)
{
    (void)a;
    CloneReq r = { .flags = GUEST_CLONE_VM | GUEST_CLONE_VFORK, .exit_signal = SIGCHLD };
    return do_clone(t, &r);
}

/* ---------------------------------------------------------------- waiting */

/* The wait status and struct rusage (144 bytes of longs and timevals) have the same layout
 * on x86-64 and on the asm-generic hosts, and so does the SIGCHLD part of siginfo_t. */

int64_t rt_sys_wait4(RtThread *t, const uint64_t *a)
{
    if (a[1] && !rt_guest_range_ok(t->proc, a[1], 4))
        return -EFAULT;
    if (a[3] && !rt_guest_range_ok(t->proc, a[3], sizeof(struct rusage)))
        return -EFAULT;
    int status = 0;
    struct rusage ru;
    long r = syscall(SYS_wait4, rt_arg_int(a[0]), a[1] ? &status : NULL, rt_arg_int(a[2]),
                     a[3] ? &ru : NULL);
    if (r < 0)
        return -errno;
    if (r > 0 && a[1] && rt_copy_to_guest(t->proc, a[1], &status, sizeof status) < 0)
        return -EFAULT;
    if (a[3] && rt_copy_to_guest(t->proc, a[3], &ru, sizeof ru) < 0)
        return -EFAULT;
    return r;
}

int64_t rt_sys_waitid(RtThread *t, const uint64_t *a)
{
    if (a[2] && !rt_guest_range_ok(t->proc, a[2], 128))
        return -EFAULT;
    if (a[4] && !rt_guest_range_ok(t->proc, a[4], sizeof(struct rusage)))
        return -EFAULT;
    siginfo_t si;
    struct rusage ru;
    _Static_assert(sizeof si == 128, "siginfo_t is 128 bytes");
    memset(&si, 0, sizeof si);
    long r = syscall(SYS_waitid, rt_arg_int(a[0]), rt_arg_int(a[1]), a[2] ? &si : NULL,
                     rt_arg_int(a[3]), a[4] ? &ru : NULL);
    if (r < 0)
        return -errno;
    if (a[2] && rt_copy_to_guest(t->proc, a[2], &si, sizeof si) < 0)
        return -EFAULT;
    if (a[4] && rt_copy_to_guest(t->proc, a[4], &ru, sizeof ru) < 0)
        return -EFAULT;
    return r;
}
