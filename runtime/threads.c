/* threads.c — guest threads: each one a host thread with its own RtThread; thread exit,
 * CLONE_CHILD_CLEARTID and robust lists; and the protocol that lets one thread change what
 * every thread runs (flushing the code cache) while the others are stopped.
 *
 * Host threads are pthreads, not raw clones: ferry's own code needs its libc to know every
 * thread it runs on (thread-local storage for errno, fault.c's thread pointer, the
 * translator's code window; malloc's arenas; stdio's locks), which a raw clone sharing
 * ferry's memory would break. The guest sees the host thread's kernel tid, so gettid, tgkill,
 * futexes holding tids (robust and PI mutexes) and /proc are the host's. The host thread's
 * stack, TLS and libc state are ferry's memory, invisible to the guest (never in the mapping
 * table).
 *
 * clone(CLONE_VM | CLONE_THREAD | ...): the parent prepares the child's RtThread (its
 * registers as clone leaves them: rax 0, rsp the new stack, FS base from CLONE_SETTLS; the
 * parent's guest mask; no pending signal; no alternate stack, as Linux resets it for CLONE_VM
 * without CLONE_VFORK) and starts the host thread with every host signal blocked; the child
 * sets up its fault handling, stores CLONE_PARENT_SETTID and CLONE_CHILD_SETTID (before any
 * guest code runs, as Linux does), reports its tid, takes its guest mask on the host and
 * runs the dispatcher. Without CLONE_FILES or CLONE_FS the host thread unshares them, which is
 * what those flags mean.
 *
 * exit (the thread): the robust list is walked as Linux's exit_robust_list does (each futex
 * still owned by the thread gets FUTEX_OWNER_DIED, and a waiter is woken), then the
 * CLEARTID word is zeroed and woken (pthread_join waits on it), the thread leaves the list,
 * and its host thread ends: the main thread with a raw exit (the process lives on while other
 * threads do, and reports the main thread's status at the end, as on Linux), the others by
 * returning from their start function. The last thread's exit writes the logs and -d stats
 * first. exit_group (rt_exit) ends every host thread at once, as Linux does.
 *
 * Running and exclusive sections (QEMU's cpu_exec_start/start_exclusive idea, made simple):
 * RtThread.running says a thread may be using blocks, jump caches or the code cache. It is
 * set while the thread dispatches and runs guest code and clear in system calls, so a thread
 * blocked in the kernel never holds anything up. rt_exclusive_begin sets excl_pending, sets
 * the interrupt word of every running thread (generated code then leaves at its next backward
 * exit, the dispatcher stops at rt_thread_safepoint) and waits until no other thread runs;
 * threads coming out of system calls wait in rt_thread_enter. The section holds p->lock until
 * rt_exclusive_end, so the thread list cannot change under it. A thread holds no lock when it
 * stops (tb_lock and mm_lock are never held across a safe point), so the wait always ends.
 * excl_pending and running form a Dekker pair (sequentially consistent stores then loads):
 * a thread entering either sees the request or is seen running.
 */
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/rt.h"

/* Host stack of a guest thread's host thread: the dispatcher, the translator and signal
 * frames of ferry's own handler need room (the same as vfork's child). */
#define RT_THREAD_STACK (8u << 20)

/* ---------------------------------------------------------------- process state */

void rt_process_init(RtProcess *p)
{
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->excl_cond, NULL);
    pthread_mutex_init(&p->tb_lock, NULL);
    pthread_rwlock_init(&p->mm_lock, NULL);
    p->excl_pending = 0;
    p->excl_active = false;
}

/* ---------------------------------------------------------------- running */

void rt_thread_enter(RtThread *t)
{
    RtProcess *p = t->proc;
    __atomic_store_n(&t->running, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&p->excl_pending, __ATOMIC_SEQ_CST))
        return;
    pthread_mutex_lock(&p->lock);
    while (p->excl_pending) {
        __atomic_store_n(&t->running, 0, __ATOMIC_SEQ_CST);
        pthread_cond_broadcast(&p->excl_cond);
        pthread_cond_wait(&p->excl_cond, &p->lock);
    }
    __atomic_store_n(&t->running, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&p->lock);
}

void rt_thread_leave(RtThread *t)
{
    RtProcess *p = t->proc;
    __atomic_store_n(&t->running, 0, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&p->excl_pending, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->excl_cond);
        pthread_mutex_unlock(&p->lock);
    }
}

void rt_thread_safepoint(RtThread *t)
{
    t->interrupt = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&t->proc->excl_pending, __ATOMIC_SEQ_CST)) {
        rt_thread_leave(t);
        rt_thread_enter(t);
    }
    rt_signal_deliver(t);
}

void rt_exclusive_begin(RtProcess *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->excl_active)
        pthread_cond_wait(&p->excl_cond, &p->lock);
    p->excl_active = true;
    __atomic_store_n(&p->excl_pending, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        bool any = false;
        for (RtThread *th = p->threads; th; th = th->next)
            if (__atomic_load_n(&th->running, __ATOMIC_SEQ_CST)) {
                th->interrupt = 1;
                any = true;
            }
        if (!any)
            break;
        /* Timed: a vfork child that dies running its parent's thread never says it stopped
         * (sys_clone.c puts the flag back when the parent resumes). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->excl_cond, &p->lock, &ts);
    }
    /* p->lock stays held until rt_exclusive_end. */
}

void rt_exclusive_end(RtProcess *p)
{
    __atomic_store_n(&p->excl_pending, 0, __ATOMIC_SEQ_CST);
    p->excl_active = false;
    pthread_cond_broadcast(&p->excl_cond);
    pthread_mutex_unlock(&p->lock);
}

void rt_flush_exclusive(RtProcess *p, RtThread *t)
{
    if (t)
        rt_thread_leave(t);
    rt_exclusive_begin(p);
    rt_cache_flush(p);
    rt_exclusive_end(p);
    if (t)
        rt_thread_enter(t);
}

/* ---------------------------------------------------------------- fork */

void rt_fork_lock(RtProcess *p)
{
    pthread_mutex_lock(&p->tb_lock);
    pthread_rwlock_wrlock(&p->mm_lock);
    pthread_mutex_lock(&p->lock);
}

void rt_fork_unlock(RtProcess *p)
{
    pthread_mutex_unlock(&p->lock);
    pthread_rwlock_unlock(&p->mm_lock);
    pthread_mutex_unlock(&p->tb_lock);
}

void rt_fork_child(RtProcess *p, RtThread *t)
{
    /* The locks were held by this thread at the fork: new ones (the child has no other
     * thread to hold them). The other threads' RtThreads are dropped; their counters are
     * the parent's. */
    rt_process_init(p);
    p->threads = t;
    p->n_threads = 1;
    t->next = NULL;
}

/* ---------------------------------------------------------------- creating a thread */

typedef struct ThreadStart {
    RtThread *t;                /* the child, prepared by the parent */
    uint64_t flags, ptid, ctid;
    sem_t started;              /* posted by the child once its tid is known */
    int tid;
} ThreadStart;

static void *thread_main(void *arg)
{
    ThreadStart *s = arg;
    RtThread *t = s->t;
    RtProcess *p = t->proc;
    uint64_t flags = s->flags;
    t->tid = (int)syscall(SYS_gettid);
    rt_fault_thread_init(t);
    if (!(flags & GUEST_CLONE_FILES))
        unshare(CLONE_FILES);   /* errors: the thread shares the table, as before */
    if (!(flags & GUEST_CLONE_FS))
        unshare(CLONE_FS);
    int32_t tid = t->tid;
    if (flags & GUEST_CLONE_PARENT_SETTID)
        rt_copy_to_guest(p, s->ptid, &tid, sizeof tid);     /* a bad pointer: ignored */
    if (flags & GUEST_CLONE_CHILD_SETTID)
        rt_copy_to_guest(p, s->ctid, &tid, sizeof tid);
    s->tid = tid;
    sem_post(&s->started);      /* s is the parent's: not touched after this */
    if (setjmp(t->exit_jmp) == 0) {
        rt_signal_sync_host_mask(t);
        rt_run(t);
    }
    /* rt_thread_exit has taken t out of the list; every host signal is blocked. */
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE)) {
        stack_t off = { .ss_flags = SS_DISABLE };
        sigaltstack(&off, NULL);
        munmap(ss.ss_sp, ss.ss_size);          /* rt_fault_thread_init's */
    }
    if (t->step_ir)
        ir_block_free(t->step_ir);
    free(t);
    return NULL;
}

int64_t rt_thread_clone(RtThread *t, uint64_t flags, uint64_t newsp, uint64_t ptid,
                        uint64_t ctid, uint64_t tls)
{
    RtProcess *p = t->proc;
    /* Before the child exists: its first block must already keep x86's memory order. */
    rt_memorder_shared(p, "a second thread");
    RtThread *c = rt_thread_new(p);     /* listed, not running: the flusher ignores it */
    c->state = t->state;
    X86State *st = &c->state;
    st->gpr[X86_RAX] = 0;
    st->gpr[X86_RCX] = st->rip;         /* what the syscall instruction's return leaves */
    st->gpr[X86_R11] = x86_get_eflags(st);
    if (newsp)
        st->gpr[X86_RSP] = newsp;
    if (flags & GUEST_CLONE_SETTLS)
        st->fs_base = tls;
    c->sigmask = t->sigmask;
    c->clear_child_tid = (flags & GUEST_CLONE_CHILD_CLEARTID) ? ctid : 0;
    c->robust_list = 0;

    ThreadStart s = { .t = c, .flags = flags, .ptid = ptid, .ctid = ctid };
    sem_init(&s.started, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, RT_THREAD_STACK);
    /* The child starts with every host signal blocked but the faults: no guest signal may
     * reach it before its thread pointer is set. */
    uint64_t old;
    rt_host_sigmask(SIG_SETMASK, ~(1ull << (SIGSEGV - 1) | 1ull << (SIGBUS - 1) |
                                   1ull << (SIGFPE - 1)), &old);
    pthread_t th;
    int e = pthread_create(&th, &attr, thread_main, &s);
    rt_host_sigmask(SIG_SETMASK, old, NULL);
    pthread_attr_destroy(&attr);
    if (e != 0) {
        pthread_mutex_lock(&p->lock);
        for (RtThread **pp = &p->threads; *pp; pp = &(*pp)->next)
            if (*pp == c) {
                *pp = c->next;
                break;
            }
        p->n_threads--;
        pthread_mutex_unlock(&p->lock);
        free(c);
        sem_destroy(&s.started);
        return e == EAGAIN ? -EAGAIN : -ENOMEM;
    }
    while (sem_wait(&s.started) != 0)
        ;                       /* EINTR: a signal for this thread; it waits for delivery */
    sem_destroy(&s.started);
    if (p->log.mask)
        rt_log_printf(p, "ferry: thread %d created thread %d (flags 0x%llx)\n", t->tid, s.tid,
                      (unsigned long long)flags);
    return s.tid;
}

/* ---------------------------------------------------------------- exit */

#define FUTEX_WAITERS    0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK   0x3fffffffu
#define ROBUST_LIST_LIMIT 2048      /* Linux's bound on a (possibly circular) list */

static void futex_wake_one(uint64_t addr)
{
    syscall(SYS_futex, (void *)(uintptr_t)addr, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
}

/* Linux's handle_futex_death: a futex word the dying thread still owns gets OWNER_DIED
 * (keeping WAITERS), and one waiter is woken (PI futexes: the host kernel hands a PI futex
 * on when the owning host thread exits). */
static void futex_death(RtProcess *p, uint64_t addr, int tid, bool pi)
{
    if ((addr & 3) || !rt_guest_range_ok(p, addr, 4) ||
        !(rt_guest_prot(p, addr) & GUEST_PROT_WRITE))
        return;
    uint32_t *w = (uint32_t *)(uintptr_t)addr;     /* guest base 0 */
    uint32_t v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    for (;;) {
        if ((v & FUTEX_TID_MASK) != (uint32_t)tid)
            return;
        uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (__atomic_compare_exchange_n(w, &v, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            break;
    }
    if (!pi && (v & FUTEX_WAITERS))
        futex_wake_one(addr);
}

/* Linux's exit_robust_list: struct robust_list_head { next; long futex_offset;
 * list_op_pending; } at t->robust_list; entries' bit 0 marks PI futexes. */
static void walk_robust_list(RtThread *t)
{
    RtProcess *p = t->proc;
    uint64_t head[3];
    if (!t->robust_list || rt_copy_from_guest(p, head, t->robust_list, sizeof head) < 0)
        return;
    int64_t off = (int64_t)head[1];
    uint64_t entry = head[0], pending = head[2];
    for (int limit = ROBUST_LIST_LIMIT; (entry & ~1ull) != t->robust_list && limit > 0; limit--) {
        uint64_t e = entry & ~1ull, next;
        if (rt_copy_from_guest(p, &next, e, sizeof next) < 0)
            return;
        if (e != (pending & ~1ull))
            futex_death(p, e + (uint64_t)off, t->tid, entry & 1);
        entry = next;
    }
    if (pending)
        futex_death(p, (pending & ~1ull) + (uint64_t)off, t->tid, pending & 1);
}

_Noreturn void rt_thread_exit(RtThread *t, int status)
{
    RtProcess *p = t->proc;
    pthread_mutex_lock(&p->lock);
    bool alone = p->n_threads == 1;
    pthread_mutex_unlock(&p->lock);
    if (alone && t->main_thread)
        rt_exit(p, status);         /* the whole process: logs, stats, its exit status */
    /* No handler may run on this thread from here on: its RtThread goes away. Signals taken
     * but not delivered are dropped, as a thread's private pending signals are. */
    rt_host_sigmask(SIG_SETMASK, ~0ull, NULL);
    walk_robust_list(t);
    if (t->clear_child_tid && rt_guest_range_ok(p, t->clear_child_tid, 4)) {
        int32_t zero = 0;
        if (rt_copy_to_guest(p, t->clear_child_tid, &zero, sizeof zero) == 0)
            futex_wake_one(t->clear_child_tid);
    }
    pthread_mutex_lock(&p->lock);
    for (RtThread **pp = &p->threads; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    bool last = --p->n_threads == 0;
    p->stats.blocks_executed += t->n_blocks;
    p->stats.syscalls += t->n_syscalls;
    pthread_mutex_unlock(&p->lock);
    if (last) {
        /* The process ends with this thread; its status is the main thread's (Linux
         * reports the group leader's), which the host kernel keeps for us. */
        if (rt_log_on(p, RT_LOG_STATS))
            rt_log_stats(p);
        rt_log_flush(p);
        fflush(NULL);
    }
    if (t->main_thread) {
        /* ferry's initial thread: its host thread ends with the guest's status; the others
         * go on. */
        free(t);
        for (;;)
            syscall(SYS_exit, status & 0xff);
    }
    t->exit_status = status;
    longjmp(t->exit_jmp, 1);
}
