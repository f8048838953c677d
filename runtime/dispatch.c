/* dispatch.c — the dispatcher: find the block for the guest pc, run it, act on the exit word;
 * and how a guest process ends (exit status or death by signal).
 *
 * Lookup: the thread's jump cache, then the block table (with the guest bytes re-hashed, so
 * changed code is retranslated), then translation. Running: the trampoline enters generated
 * code, or the reference interpreter runs the block's IR (--interp, or a block the backend
 * could not compile). Exit words:
 *   JUMP, INDIRECT  continue at the guest pc the block stored (chained exits never get here)
 *   STACK           the same, for an exit whose rsp may lie outside the stack window (ir.h):
 *                   before entering generated code the loop checks rsp and, outside the
 *                   window, runs one instruction in the interpreter instead
 *   SYSCALL         perform the system call, continue after the instruction
 *   TRAP            the guest gets the signal (bits 8-15) with the state exact at the
 *                   instruction (the exit stored the pc and the flags): its handler runs,
 *                   with si_code and si_addr as Linux sets them; without one (or ignored,
 *                   or blocked) it dies as Linux would kill it. Dying by SIGILL always
 *                   prints one line, with the frontend's reason for an instruction ferry
 *                   could not translate; so does a handler run for an instruction ferry
 *                   does not implement; the rest prints under any -d channel
 *   HALT            hlt is privileged in user mode: the guest gets SIGSEGV, as on Linux
 * A guest load or store that faults in generated code or in the interpreter (fault.c) comes
 * back to rt_run's sigsetjmp with the signal queued as a trap's (state exact at the
 * instruction).
 * t->in_guest brackets guest execution so that the host fault handler (fault.c) can tell a
 * guest fault in a helper or the interpreter from a ferry bug.
 *
 * Signals are delivered at block boundaries: before each block the loop looks at
 * t->interrupt (set by the host handler, by trap exits, by an interrupted system call, by
 * the calls that change the mask, and by a thread that wants an exclusive section) and stops
 * at rt_thread_safepoint, which waits out an exclusive section and lets rt_signal_deliver
 * build the guest's frames. Generated code reads the same word at every backward exit and
 * indirect jump (ir/backend.h), so a signal taken while the thread spins in a chained loop
 * brings it back within one iteration; the word is looked at again just before entering a
 * block, so one set in between is not missed either.
 *
 * Threads: each guest thread runs this loop on its own host thread (threads.c). The loop
 * runs with t->running set, except around system calls (rt_thread_leave/enter), so a thread
 * blocked in the kernel never delays a flush.
 */
#include <fenv.h>
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
    /* Entries without code hold the miss routine. A flush between this and the listing
     * below (the creating thread is in a system call, so not waited for) re-emits the
     * trampoline at the same place with the same code (it depends only on IrGuestInfo
     * fields fixed at start-up), so the address stays valid. */
    rt_jc_clear(t);
    t->tid = (int)syscall(SYS_gettid);
    t->altstack_flags = GUEST_SS_DISABLE;   /* no guest alternate stack yet */
    t->restart_nr = -1;
    x86_state_init(&t->state);
    t->state.mem_base = 0;          /* guest base 0, for the frontend's C helpers */
    rt_space_thread_init(p, &t->state);
    pthread_mutex_lock(&p->lock);
    t->next = p->threads;
    p->threads = t;
    p->n_threads++;
    pthread_mutex_unlock(&p->lock);
    return t;
}

RtBlock *rt_block_find(RtThread *t, uint64_t pc)
{
    RtProcess *p = t->proc;
    RtBlock *b = rt_jc_lookup(t, pc);
    if (b)
        return b->cold ? rt_block_heat(t, b) : b;
    b = rt_block_lookup(p, pc);
    if (b && !rt_block_valid(p, b)) {
        /* The guest changed code it ran before: every translation may be stale. */
        rt_flush_exclusive(p, t);
        b = NULL;
    }
    if (!b)
        b = rt_translate(t, pc);
    else if (b->cold)
        return rt_block_heat(t, b);     /* which fills the jump cache */
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
    rt_host_sigaction(sig, 0 /* SIG_DFL */, 0);
    rt_host_sigmask(SIG_UNBLOCK, 1ull << (sig - 1), NULL);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
    _exit(128 + sig);           /* a signal whose default is not to terminate */
}

/* ---------------------------------------------------------------- traps */

/* What Linux reports for the trap exit (sig, code) at pc: si_addr, the trap number and error
 * code of uc_mcontext. #UD and #DE give the instruction's address; #BP (int3) and #GP give
 * 0; #DB (int1) the address after it (the exit's pc); a code fetch fault the first byte that
 * cannot be fetched, with SEGV_ACCERR when it is mapped (not executable). */
static void trap_details(RtThread *t, int sig, int *code, uint64_t *addr, unsigned *trapno,
                         uint64_t *err)
{
    RtProcess *p = t->proc;
    uint64_t pc = t->state.rip;
    *addr = 0;
    *err = 0;
    switch (sig) {
    case SIGILL:  *trapno = GUEST_TRAP_UD; *addr = pc; break;
    case SIGFPE:  *trapno = GUEST_TRAP_DE; *addr = pc; break;
    case SIGTRAP:
        *trapno = *code == GUEST_SI_KERNEL ? GUEST_TRAP_BP : GUEST_TRAP_DB;
        *addr = *code == GUEST_SI_KERNEL ? 0 : pc;
        break;
    case SIGSEGV:
        if (*code == GUEST_SEGV_MAPERR) {
            uint8_t bytes[16];
            uint64_t fault = pc + rt_fetch_code(p, pc, bytes, sizeof bytes);
            int prot = rt_guest_prot(p, fault);
            *code = prot >= 0 ? GUEST_SEGV_ACCERR : GUEST_SEGV_MAPERR;
            *addr = fault;
            *trapno = GUEST_TRAP_PF;
            /* user, instruction fetch; present unless unmapped or PROT_NONE */
            *err = 0x14 | (prot > 0 ? 1 : 0);
            break;
        }
        *trapno = GUEST_TRAP_GP;
        break;
    default:      *trapno = 0; break;
    }
}

/* A trap exit: the guest's handler gets the signal, or the guest dies by it. */
static void guest_trap(RtThread *t, const RtBlock *b, int sig, int code)
{
    RtProcess *p = t->proc;
    uint64_t pc = t->state.rip;
    const char *name = rt_signal_name(sig);
    bool unimplemented = b && b->fe_status == FE_UNIMPLEMENTED && b->bad_pc == pc;
    uint64_t addr, err;
    unsigned trapno;
    int si_code = code;
    trap_details(t, sig, &si_code, &addr, &trapno, &err);
    if (rt_signal_trap(t, sig, si_code, addr, trapno, err)) {
        if (unimplemented || p->log.mask) {
            FILE *f = unimplemented ? stderr : p->log.f;
            fprintf(f, "ferry: guest %s at 0x%llx%s: to the guest's handler\n",
                    name ? name : "signal", (unsigned long long)pc,
                    unimplemented ? " (instruction not implemented by ferry)" : "");
        }
        return;
    }
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
            fprintf(f, " [signal %d, si_code %d]", sig, si_code);
        fputc('\n', f);
    }
    rt_die_by_signal(p, sig);
}

/* ---------------------------------------------------------------- the loop */

_Noreturn void rt_run(RtThread *t)
{
    RtProcess *p = t->proc;
    X86State *st = &t->state;
    /* A guest load or store that faults in generated code comes back here from the host
     * handler (fault.c), with the state completed at the faulting instruction and the signal
     * queued: the host's floating-point environment (the trampoline's epilogue that restores
     * MXCSR was skipped) and the host mask (the handler's: savemask 0, no system call at each
     * entry) are put back, and the loop delivers the signal as for a
     * trap exit. */
    static _Thread_local fenv_t host_fenv;
    fegetenv(&host_fenv);
    if (sigsetjmp(t->fault_jmp, 0)) {
        fesetenv(&host_fenv);
        t->in_guest = RT_IN_RUNTIME;
        ir_interp_frame_drop(&t->iframe);   /* the interpreter's run, if it faulted */
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        rt_signal_sync_host_mask(t);
    } else {
        rt_thread_enter(t);
    }
    t->fault_jmp_set = 1;
    for (;;) {
        if (t->interrupt)
            rt_thread_safepoint(t);
        if (__atomic_load_n(&p->smc_dirty, __ATOMIC_ACQUIRE))
            rt_flush_exclusive(p, t);   /* a protected code page was written (smc.c) */
        uint64_t w;
        RtBlock *b = NULL;
        if (t->smc_step) {
            /* The store that wrote it, alone (unless a signal handler runs first: then the
             * store faults again when the handler returns to it). */
            t->smc_step = false;
            if (st->rip == t->smc_step_pc) {
                t->cur_block = NULL;
                w = rt_step_insn(t);
                goto exited;
            }
        }
        if (p->gi.sp_window && p->backend && !p->opt.interp &&
            !ir_sp_in_window(st->gpr[X86_RSP], p->gi.guest_limit)) {
            /* Generated code may only be entered with rsp in the window (ir.h, "The stack
             * window"): until it is back, one instruction at a time in the interpreter.
             * Looked at before the lookup, so no block is translated at a pc only stepped. */
            t->cur_block = NULL;
            __atomic_fetch_add(&p->stats.sp_steps, 1, __ATOMIC_RELAXED);
            w = rt_step_insn(t);
            goto exited;
        }
        b = rt_block_find(t, st->rip);
        t->n_blocks++;
        if (rt_log_on(p, RT_LOG_EXEC))
            rt_log_printf(p, "Trace: block 0x%016llx (%u insns, %s)\n",
                          (unsigned long long)b->pc, b->guest_insns,
                          b->code ? "compiled" : "interpreted");
        t->cur_block = b;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);    /* jump cache writes before in_guest */
        t->in_guest = b->code ? RT_IN_CODE : RT_IN_INTERP;
        if (t->interrupt) {                         /* set since the loop looked */
            t->in_guest = RT_IN_RUNTIME;
            continue;
        }
        w = b->code ? p->cache.enter(st, b->code)
                    : ir_interp_run_frame(b->ir, st, &p->gi, &t->iframe);
        t->in_guest = RT_IN_RUNTIME;
    exited:
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        switch (IR_EXIT_WORD_KIND(w & IR_EXIT_WORD_MASK)) {
        case IR_EXIT_JUMP:
        case IR_EXIT_INDIRECT:
        case IR_EXIT_STACK:     /* rsp may be outside the window: the loop looks */
            break;
        case IR_EXIT_SYSCALL:
            /* Not running while in the system call: it may block, or wait for the others
             * (a flush, a new thread); no block pointer is kept across it. */
            t->cur_block = NULL;
            rt_thread_leave(t);
            rt_syscall(t);
            rt_thread_enter(t);
            break;
        case IR_EXIT_TRAP:
            guest_trap(t, b, IR_EXIT_WORD_SIG(w), IR_EXIT_WORD_CODE(w));
            break;
        case IR_EXIT_HALT:
            guest_trap(t, b, SIGSEGV, GUEST_SI_KERNEL);     /* #GP, as Linux reports it */
            break;
        default:
            fprintf(stderr, "ferry: internal error: block 0x%llx returned exit word 0x%llx\n",
                    (unsigned long long)b->pc, (unsigned long long)w);
            abort();
        }
    }
}
