/* dispatch.c — the dispatcher: find the block for the guest pc, run it, act on the exit word;
 * and how a guest process ends (exit status or death by signal).
 *
 * Lookup: the thread's jump cache, then the block table (with the guest bytes re-hashed, so
 * changed code is retranslated), then translation. Running: the trampoline enters generated
 * code, or the reference interpreter runs the block's IR (--interp, or a block the backend
 * could not compile). Exit words:
 *   JUMP, INDIRECT  continue at the guest pc the block stored (chained exits never get here)
 *   SYSCALL         perform the system call, continue after the instruction
 *   TRAP            the guest gets the signal with no handler (signals are a later issue):
 *                   it dies as Linux would kill it. SIGILL always prints one line, with the
 *                   frontend's reason for an instruction ferry could not translate; the
 *                   other traps print under any -d channel
 *   HALT            hlt is privileged in user mode: the guest gets SIGSEGV, as on Linux
 * t->in_guest brackets guest execution so that the host fault handler (fault.c) can tell a
 * guest fault in a helper or the interpreter from a ferry bug.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/rt.h"

RtThread *rt_thread_new(RtProcess *p)
{
    size_t size = (sizeof(RtThread) + 63) & ~(size_t)63;
    RtThread *t = aligned_alloc(64, size);
    if (!t)
        abort();
    memset(t, 0, size);
    t->proc = p;
    t->tid = (int)syscall(SYS_gettid);
    t->altstack_flags = 2;          /* SS_DISABLE: no guest alternate stack yet */
    x86_state_init(&t->state);
    t->state.mem_base = 0;          /* guest base 0, for the frontend's C helpers */
    t->next = p->threads;
    p->threads = t;
    return t;
}

RtBlock *rt_block_find(RtThread *t, uint64_t pc)
{
    RtProcess *p = t->proc;
    RtBlock *b = rt_jc_lookup(t, pc);
    if (b)
        return b;
    b = rt_block_lookup(p, pc);
    if (b && !rt_block_valid(p, b)) {
        /* The guest changed code it ran before: every translation may be stale. */
        rt_cache_flush(p);
        b = NULL;
    }
    if (!b)
        b = rt_translate(p, pc);
    rt_jc_insert(t, b);
    return b;
}

/* ---------------------------------------------------------------- ending the process */

static void flush_for_exit(RtProcess *p)
{
    if (rt_log_on(p, RT_LOG_STATS))
        rt_log_stats(p);
    rt_log_flush(p);
    fflush(NULL);
}

_Noreturn void rt_exit(RtProcess *p, int status)
{
    flush_for_exit(p);
    _exit(status & 0xff);
}

_Noreturn void rt_die_by_signal(RtProcess *p, int sig)
{
    flush_for_exit(p);
    /* Die by the signal itself, so the parent sees the same status (and core dump) as for
     * a native run: default disposition, unblocked, raised at this thread. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);  /* fails harmlessly for the signals libc reserves */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
    _exit(128 + sig);           /* a signal whose default is not to terminate */
}

/* ---------------------------------------------------------------- traps */

static _Noreturn void guest_trap(RtThread *t, const RtBlock *b, int sig, int code)
{
    RtProcess *p = t->proc;
    uint64_t pc = t->state.rip;
    const char *name = rt_signal_name(sig);
    if (sig == SIGILL || p->log.mask) {
        uint8_t bytes[16];
        size_t n = rt_fetch_code(p, pc, bytes, sizeof bytes);
        char dis[128];
        rt_disasm_one(p, pc, bytes, n, dis, sizeof dis);
        const char *why = sig == SIGILL ? "illegal instruction" : "trap";
        if (b && b->fe_status != FE_OK && b->bad_pc == pc)
            why = fe_status_message(b->fe_status);
        FILE *f = sig == SIGILL ? stderr : p->log.f;
        fprintf(f, "ferry: guest %s at 0x%llx: %s (%s)", name ? name : "signal",
                (unsigned long long)pc, why, dis);
        if (p->log.mask)
            fprintf(f, " [signal %d, si_code %d]", sig, code);
        fputc('\n', f);
    }
    rt_die_by_signal(p, sig);
}

/* ---------------------------------------------------------------- the loop */

_Noreturn void rt_run(RtThread *t)
{
    RtProcess *p = t->proc;
    X86State *st = &t->state;
    for (;;) {
        RtBlock *b = rt_block_find(t, st->rip);
        p->stats.blocks_executed++;
        if (rt_log_on(p, RT_LOG_EXEC))
            rt_log_printf(p, "Trace: block 0x%016llx (%u insns, %s)\n",
                          (unsigned long long)b->pc, b->guest_insns,
                          b->code ? "compiled" : "interpreted");
        t->cur_block = b;
        t->in_guest = 1;
        uint64_t w = b->code ? p->cache.enter(st, b->code) : ir_interp_run(b->ir, st, &p->gi);
        t->in_guest = 0;
        switch (IR_EXIT_WORD_KIND(w & IR_EXIT_WORD_MASK)) {
        case IR_EXIT_JUMP:
        case IR_EXIT_INDIRECT:
            break;
        case IR_EXIT_SYSCALL:
            rt_syscall(t);
            break;
        case IR_EXIT_TRAP:
            guest_trap(t, b, IR_EXIT_WORD_SIG(w), IR_EXIT_WORD_CODE(w));
        case IR_EXIT_HALT:
            guest_trap(t, b, SIGSEGV, 0x80 /* SI_KERNEL, as Linux reports #GP */);
        default:
            fprintf(stderr, "ferry: internal error: block 0x%llx returned exit word 0x%llx\n",
                    (unsigned long long)b->pc, (unsigned long long)w);
            abort();
        }
    }
}
