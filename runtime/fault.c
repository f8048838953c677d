/* fault.c — the host signal handler: every host signal ferry catches comes here. Faults
 * (SIGSEGV, SIGBUS, SIGFPE raised by the kernel for an instruction: si_code > 0) are a guest
 * fault or a bug in ferry; everything else (the guest's signals, and fault signals sent with
 * kill or sigqueue: si_code <= 0) goes to signal.c, which records it for the guest.
 *
 * The handler runs on an alternate signal stack (a guest stack overflow or a ferry stack
 * overflow must still be reported). A fault whose host pc lies in the code cache, or that
 * happens while the thread runs guest code (a C helper called from generated code, such as a
 * rep-movs helper touching a bad guest address, or the reference interpreter), is the
 * guest's.
 *
 * Precise faults (DESIGN.md section 6): a SIGSEGV or SIGBUS at a host pc inside a compiled
 * block with a host pc -> guest instruction map (RtBlock.insn_map) is a guest load or store
 * of the instruction whose entry is the last at or before the pc. The IR rule of ir/ir.h
 * ("Precise faults") makes X86State exact there apart from rip and the entry's keeps: every
 * PUT and KEEP of the earlier instructions is in the state, none of this one's, once the
 * KEEPs the code had not stored yet are copied in from the registers, spill slots and
 * constants the entry names (ir_keep_apply, reading the signal context). So the handler
 * sets rip and those, queues the signal as a trap (si_addr = the host fault
 * address minus the guest base, which is 0; si_code as the host kernel gave it; trapno #PF,
 * err and cr2 as Linux reports them) and siglongjmps to rt_run, which delivers it as for a
 * trap exit. Without a handler (or with the signal ignored or blocked: the kernel would kill)
 * the guest dies by the signal as a native run would.
 *
 * The guest limit (space.c): a fault in the guard above it is the guest's access to an
 * unmapped address (SEGV_MAPERR): at the sentinel, the address a failed check stored in
 * X86State.fault_addr (non-canonical: SI_KERNEL and address 0, #GP, as hardware), elsewhere
 * in the guard its own address (guard_fault). A fault in the limit probe's span (ir.h
 * IrGuestInfo.limit_probe: the aarch64 backend's checks) is a failed check whose address the
 * probe's own map entry keeps into X86State.fault_addr: reported the same way, or, when that
 * address lies below the limit after all (a base above it, a negative displacement), the
 * access goes ahead: the handler resumes after the probe without touching the state.
 *
 * Helpers that touch guest memory (rep string instructions, fnstenv/fldenv/fnsave/frstor,
 * fxsave/fxrstor, the compare-and-swap of LOCKed instructions) are called with
 * X86State.helper_pc set to the instruction's pc and the state exact (fe_call_mem): a fault
 * in one is precise as well, with the registers the helper left (a rep's as far as it got).
 * So are faults at a guest LOAD or STORE in the reference interpreter (--interp, blocks the
 * backend could not compile, instructions run alone): it records the access it performs in
 * RtThread.iframe, and ir_interp_fault makes the state what a backend's fault map would
 * (interp_state), with the same signal details.
 *
 * Self-modifying code (smc.c): a write to a code page ferry write-protected is not the
 * guest's fault; it is handled first (smc_write) and the store goes ahead.
 *
 * Not precise: faults inside other C helpers (t->in_guest, host pc outside the cache),
 * in a block without a map (a backend that keeps none), and
 * SIGFPE (guest divides trap through exits before they divide). For those, under any -d
 * channel ferry prints the guest pc of the block and the fault address, then the process dies
 * by that signal; a guest handler for the signal is not run (ferry says so in one line):
 * delivering it would hand the handler wrong registers. Anything else is a ferry bug: one
 * line "ferry: internal error: SIGSEGV at host pc ..." and abort().
 *
 * System mode (machine.h): every guest fault of the machine is a stop, never a guest signal.
 * A fault in generated code, a helper or the interpreter at the guard past guest RAM (where
 * clamped addresses land) stops the machine with one line (rt_machine_fault); any other is
 * ferry's bug, reported as below.
 *
 * Process state (the one mutable global of the runtime, documented here): the handler needs
 * the process and the current thread, and a signal handler has no other way to reach them:
 * `fault_process` is set once at start-up, `fault_thread` once per thread.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "runtime/host_ctx.h"
#include "runtime/machine.h"
#include "runtime/rt.h"

#define RT_ALTSTACK_SIZE (64 * 1024)

static RtProcess *fault_process;            /* the process (set by rt_fault_install) */
static _Thread_local RtThread *fault_thread;/* this thread (set by rt_fault_thread_init) */

#if defined(__aarch64__)
/* Whether the A64 load/store instruction word w writes memory: the classes generated code
 * uses for guest accesses (load/store register in every addressing form, integer and
 * SIMD&FP; pairs; exclusive and acquire/release forms). */
static bool a64_insn_writes(uint32_t w)
{
    if ((w & 0x0a000000u) != 0x08000000u)
        return false;                               /* not a load or store */
    if (((w >> 27) & 7) == 7) {                     /* load/store register */
        if (w >> 26 & 1)                            /* SIMD&FP: opc<0> is the load bit */
            return !(w >> 22 & 1);
        return ((w >> 22) & 3) == 0;                /* STR*: opc 00; LDR/LDRS*: 01, 1x */
    }
    if (((w >> 27) & 7) == 3)
        return false;                               /* load register (literal) */
    return !(w >> 22 & 1);                          /* pairs, exclusives: L is bit 22 */
}
#endif

#if !defined(__x86_64__)
/* The present bit of a protection fault: x86 Linux keeps PROT_NONE pages not present, and a
 * page nothing touched yet has no page-table entry either (a store to a fresh read-only
 * page is a not-present fault there); mincore's residency is the closest the host tells. */
static bool fault_present(const RtProcess *p, int code, uint64_t addr)
{
    if (code != SEGV_ACCERR || rt_guest_prot(p, addr) <= 0)
        return false;
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t host = (uintptr_t)(addr + p->gi.guest_base) & ~(uintptr_t)(ps - 1);
    unsigned char vec = 0;
    return mincore((void *)host, (size_t)ps, &vec) == 0 && (vec & 1);
}
#endif

/* The page-fault error code Linux reports for the fault (uc_mcontext err): the host's on an
 * x86-64 host (user, write, present bits of the same access); else user, write (from the
 * ESR, or the faulting instruction) and present as fault_present guesses it.
 * pc is the faulting host instruction in generated code, addr the guest address. */
static uint64_t fault_err(const RtProcess *p, const void *ucv, int code, uint64_t addr,
                          uintptr_t pc)
{
#if defined(__x86_64__)
    (void)p;
    (void)code;
    (void)addr;
    (void)pc;
    const ucontext_t *uc = ucv;
    return (uint64_t)uc->uc_mcontext.gregs[REG_ERR] & 0x1f;
#elif defined(__aarch64__)
    /* The kernel's esr_context record among the frame's __reserved records holds ESR_EL1 of
     * the fault: a data abort (EC 0x24/0x25) with WnR (bit 6) set was a write. A frame
     * without one (qemu-user 7.2 writes none) leaves the faulting instruction to say. */
    uint64_t err = 0x4 | (fault_present(p, code, addr) ? 1 : 0);
    const uint8_t *rec = ir_host_ctx_record(ucv, 0x45535201u, 16);   /* ESR_MAGIC */
    if (rec) {
        uint64_t esr;
        memcpy(&esr, rec + 8, 8);
        unsigned ec = (unsigned)(esr >> 26) & 0x3f;
        if ((ec == 0x24 || ec == 0x25) && (esr >> 6 & 1))
            err |= 2;
    } else {
        uint32_t w;
        memcpy(&w, (const void *)pc, 4);
        if (a64_insn_writes(w))
            err |= 2;
    }
    return err;
#else
    (void)ucv;
    (void)pc;
    return 0x4 | (fault_present(p, code, addr) ? 1 : 0);
#endif
}

/* The FP environment's sticky flags live in the host's FP unit while generated code runs
 * (ir.h); the trampoline that would store them back is skipped by the siglongjmp, so take
 * them from the interrupted context. (aarch64: the FPSR record of the signal frame is not
 * read yet; flags raised since the block was entered are lost on a fault there.) */
static void fault_keep_fp_flags(RtProcess *p, RtThread *t, const void *ucv)
{
#if defined(__x86_64__)
    const ucontext_t *uc = ucv;
    if (!p->gi.fenv || !uc->uc_mcontext.fpregs)
        return;
    uint32_t *w = (uint32_t *)((char *)&t->state + p->gi.fenv_offset);
    *w = (*w & ~IR_FENV_FLAGS) | (uc->uc_mcontext.fpregs->mxcsr & IR_FENV_FLAGS);
#else
    (void)p; (void)t; (void)ucv;
#endif
}

/* The entry of b's host pc -> guest map for host pc `pc`: its index + 1, or 0 if none. */
static uint32_t insn_map_entry(const RtBlock *b, uintptr_t pc)
{
    uint32_t off = (uint32_t)(pc - (uintptr_t)b->code);
    uint32_t lo = 0, hi = b->n_insn_map;        /* first entry with host_off > off */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b->insn_map[mid].host_off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t rt_fault_guest_pc(const RtProcess *p, uintptr_t pc)
{
    const RtBlock *b = rt_block_by_host_pc(p, pc);
    if (!b || !b->n_insn_map)
        return 0;
    uint32_t e = insn_map_entry(b, pc);
    return e ? b->pc + b->insn_map[e - 1].guest_off : 0;
}

/* Make t's state exact at the guest instruction whose load or store faulted at host pc `pc`
 * in generated code: rip and the keeps the block had not stored yet (ir.h). Returns false,
 * changing nothing, when the block keeps no map for pc (or rt_run is not there to go back
 * to): the fault is then not precise. */
static bool exact_state(RtProcess *p, RtThread *t, const void *ucv, uintptr_t pc,
                        const RtBlock **blk)
{
    if (!t || !t->fault_jmp_set || t->in_guest != RT_IN_CODE)
        return false;
    const RtBlock *b = rt_block_by_host_pc(p, pc);
    if (!b || !b->n_insn_map)
        return false;
    uint32_t lo = insn_map_entry(b, pc);
    if (lo == 0)
        return false;
    const RtInsnMap *m = &b->insn_map[lo - 1];
    /* The guest registers the backend pins to host registers (ir/backend.h, "Pinned
     * registers"): the state's copies are stale inside generated code. First, so that the
     * keeps below overwrite the fields they name. */
    if (p->backend && p->backend->pinned) {
        BackendKeep pins[BACKEND_MAX_PINNED];
        unsigned n = p->backend->pinned(&p->gi, pins);
        ir_keep_apply(pins, n, ucv, &t->state);
    }
    /* The KEEPs the block had not stored yet, from where the code held them (ir.h), before
     * rip changes: a keep may read the state. */
    if ((uint32_t)m->keep_first + m->n_keep <= b->n_keeps)
        ir_keep_apply(b->keeps + m->keep_first, m->n_keep, ucv, &t->state);
    t->state.rip = b->pc + m->guest_off;
    fault_keep_fp_flags(p, t, ucv);
    *blk = b;
    return true;
}

/* A fault inside a C helper that generated code called through fe_call_mem: the state is
 * exact at the instruction (X86State.helper_pc, frontend-x86/fe_internal.h). False when the
 * helper is not one of those (helper_pc 0) or the thread is not in generated code. */
static bool helper_state(RtProcess *p, RtThread *t, const void *ucv)
{
    if (!t || !t->fault_jmp_set || t->in_guest == RT_IN_RUNTIME || !t->state.helper_pc)
        return false;
    t->state.rip = t->state.helper_pc;
    t->state.helper_pc = 0;
    fault_keep_fp_flags(p, t, ucv);
    return true;
}

/* A fault in the reference interpreter (--interp, a block the backend could not compile,
 * an instruction run alone) at one of its LOADs or STOREs: the state is made exact at the
 * instruction as the IR rule says (ir_interp_fault: the pending FKEEPs written; the PUTs and
 * KEEPs are in order already). False, changing nothing, when the fault is not at the access
 * the interpreter is performing (a helper without helper_pc, or ferry's bug). An address at
 * or above the guest limit went to the guard's sentinel: fault_addr names it, as after a
 * failed check in generated code (guard_fault). */
static bool interp_state(RtProcess *p, RtThread *t, const siginfo_t *si, const void *ucv,
                         uint64_t *addr, bool *store)
{
    if (!t || !t->fault_jmp_set || t->in_guest != RT_IN_INTERP || t->state.helper_pc)
        return false;
    IrInterpFault f;
    if (!ir_interp_fault(&t->iframe, &t->state, &p->gi, (uintptr_t)si->si_addr, &f))
        return false;
    t->state.rip = f.pc;
    *store = f.store;
    if (p->gi.guest_limit && f.addr >= p->gi.guest_limit) {
        t->state.fault_addr = f.addr;   /* *addr is at the sentinel */
    } else {
        /* The interpreter copies with memcpy, whose loads and stores within the access come
         * in any order; hardware reports the access's first byte, or the first byte of the
         * page that faulted when the access crosses into it. */
        uint64_t page = RT_PAGE_DOWN(*addr);
        *addr = page > f.addr ? page : f.addr;
    }
    fault_keep_fp_flags(p, t, ucv);
    return true;
}

/* Where a guest fault came from, once the state is exact at its instruction. */
typedef enum FaultSite { SITE_NONE, SITE_CODE, SITE_HELPER, SITE_INTERP } FaultSite;

/* Make the state exact for a fault at host pc `pc` (in the code cache: in_cache), from
 * whichever of generated code, a helper called through fe_call_mem, or the interpreter it
 * came from; SITE_NONE, changing nothing, when it cannot be. *blk: the block (code only);
 * *addr: the guest fault address (host fault address minus guest base), which an
 * interpreter fault corrects; *store: an interpreter fault's access was a STORE. */
static FaultSite exact_at_fault(RtProcess *p, RtThread *t, const siginfo_t *si,
                                const void *ucv, uintptr_t pc, bool in_cache,
                                const RtBlock **blk, uint64_t *addr, bool *store)
{
    *blk = NULL;
    if (in_cache)
        return exact_state(p, t, ucv, pc, blk) ? SITE_CODE : SITE_NONE;
    if (interp_state(p, t, si, ucv, addr, store))
        return SITE_INTERP;
    return helper_state(p, t, ucv) ? SITE_HELPER : SITE_NONE;
}

/* si_addr of a fault in a rep string helper, as hardware reports it: the address of the
 * faulting element of the operand (rSI's or rDI's, as the helper left them) on the page that
 * faulted, or that page's first byte for an element that straddles into it. The host fault
 * address itself lies anywhere in the page (the helpers copy a page's piece with memmove).
 * Other helpers report the host fault address, which lies in the right page (for fxsave and
 * the x87 environment, hardware reports an address of the operand that may differ). The
 * instruction's bytes are read directly: it is running, so its page is readable. */
static uint64_t helper_fault_addr(const RtProcess *p, const X86State *s, uint64_t addr)
{
    const uint8_t *c = (const uint8_t *)(uintptr_t)(s->rip + p->gi.guest_base);  /* helper_pc */
    unsigned size = 1, i = 0;
    bool rep = false, a32 = false;
    uint64_t seg_base = 0;
    for (; i < 14; i++) {                       /* legacy prefixes, then REX */
        uint8_t b = c[i];
        if (b == 0xf2 || b == 0xf3) rep = true;
        else if (b == 0x66) size = 2;
        else if (b == 0x67) a32 = true;
        else if (b == 0x64) seg_base = s->fs_base;
        else if (b == 0x65) seg_base = s->gs_base;
        else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0xf0) break;
    }
    if (c[i] >= 0x40 && c[i] <= 0x4f) {
        if (c[i] & 8)
            size = 8;
        i++;
    }
    uint8_t op = c[i];
    if (!rep || op < 0xa4 || op > 0xaf || op == 0xa8 || op == 0xa9)
        return addr;
    if (!(op & 1))
        size = 1;
    else if (size == 1)
        size = 4;
    uint64_t mask = a32 ? 0xffffffffull : ~0ull;
    uint64_t page = addr & ~(RT_PAGE_SIZE - 1);
    bool uses_si = op <= 0xa7 || op == 0xac || op == 0xad;      /* movs cmps lods */
    bool uses_di = op <= 0xa7 || op >= 0xaa;                    /* movs cmps stos scas */
    uint64_t e[2] = { (s->gpr[6] & mask) + seg_base, s->gpr[7] & mask };
    /* An operand in ferry's memory below the limit (an ASan build's shadow gap): the fault
     * may come from ASan's own check of the copy, at a shadow address, not the operand's. */
    if (rt_space_is_ferry(addr))
        for (int k = 0; k < 2; k++)
            if ((k == 0 ? uses_si : uses_di) && rt_space_is_ferry(e[k]))
                return e[k];
    for (int k = 0; k < 2; k++) {
        if (!(k == 0 ? uses_si : uses_di))
            continue;
        if ((e[k] & ~(RT_PAGE_SIZE - 1)) == page)
            return e[k];
        if (e[k] < page && e[k] + size > page)
            return page;
    }
    return addr;
}

/* Whether host address a lies in the span after the limit probe (ir.h, space.c). */
static bool in_probe(const RtProcess *p, uint64_t a)
{
    uint64_t pr = p->gi.limit_probe;
    return pr && a - (pr + 1) < IR_PROBE_SPAN(p->gi.guest_limit) - 1;
}

/* A failed probe at host pc `pc` (ir.h IrGuestInfo.limit_probe): its own map entry, the one
 * at exactly pc, ends with the keep of X86State.fault_addr, the access's guest address (base
 * register plus displacement). Reads it from the signal context into *addr without changing
 * the state; false when pc has no such entry. */
static bool probe_addr(const RtProcess *p, const RtThread *t, const void *ucv, uintptr_t pc,
                       uint64_t *addr)
{
    if (!t || t->in_guest != RT_IN_CODE)
        return false;
    const RtBlock *b = rt_block_by_host_pc(p, pc);
    uint32_t e = b && b->n_insn_map ? insn_map_entry(b, pc) : 0;
    if (!e || (uintptr_t)b->code + b->insn_map[e - 1].host_off != pc)
        return false;
    const RtInsnMap *m = &b->insn_map[e - 1];
    if (!m->n_keep || (uint32_t)m->keep_first + m->n_keep > b->n_keeps)
        return false;
    BackendKeep k = b->keeps[m->keep_first + m->n_keep - 1];
    if (k.off != (uint32_t)p->gi.fault_addr_offset || k.size != 8)
        return false;
    k.off = 0;                  /* into *addr, not the state */
    *addr = 0;
    ir_keep_apply(&k, 1, ucv, addr);
    return true;
}

/* Whether the failed probe at pc was a STORE's check (ir.h: the load's kind says it). */
static bool probe_store(uintptr_t pc)
{
#if defined(__aarch64__)
    uint32_t w;
    memcpy(&w, (const void *)pc, 4);
    return (w & 0xffe0fc00u) == 0x38e06800u;        /* LDRSB Wt, [Xn, Xm] */
#else
    (void)pc;
    return false;
#endif
}

/* An unchecked access (ir.h, "The stack window") may fault in the top 4 GiB of the 64-bit
 * space, the host kernel's. An x86_64 host reports it as natively (its own si_code and error
 * code); other hosts' kernels may call it a permission fault: it is the guest's access to an
 * unmapped address, as in the guard. */
static bool top_fault(uint64_t addr)
{
#if defined(__x86_64__)
    (void)addr;
    return false;
#else
    return addr >= (uint64_t)0 - IR_GUARD_SIZE;
#endif
}

/* A fault in the guard above the guest limit (space.c) is an access the guest sees as one
 * to unmapped memory: at the sentinel or the probe's span, of the guest address a failed
 * check stored in (or its map entry keeps to) X86State.fault_addr (a non-canonical one is #GP
 * as on hardware: SI_KERNEL, address 0), elsewhere in the guard of its own address. *addr
 * and *code become what Linux reports. */
static bool guard_fault(const RtProcess *p, const RtThread *t, uint64_t *addr, int *code)
{
    uint64_t lim = p->gi.guest_limit;
    if (!lim)
        return false;
    if (in_probe(p, *addr) || *addr - IR_GUARD_SENTINEL(lim) < 4096)
        *addr = t->state.fault_addr;
    else if ((*addr < lim || *addr - lim >= IR_GUARD_SIZE) && !top_fault(*addr))
        return false;
    *code = SEGV_MAPERR;
    if ((uint64_t)(((int64_t)*addr >> 47) + 1) > 1) {
        *code = GUEST_SI_KERNEL;
        *addr = 0;
    }
    return true;
}

/* A guest load or store faulted at host pc `pc`, in generated code (in_cache) or in a helper:
 * if the state can be made exact at the guest instruction, do it, queue the signal and return
 * to rt_run (does not return); else return and the caller handles the fault as not
 * precise. */
static void precise_fault(RtProcess *p, RtThread *t, int sig, const siginfo_t *si,
                          const void *ucv, uintptr_t pc, bool in_cache)
{
    const RtBlock *b = NULL;
    if (sig != SIGSEGV && sig != SIGBUS)
        return;
    uint64_t addr = (uint64_t)(uintptr_t)si->si_addr - p->gi.guest_base;
    bool store = false;
    FaultSite site = exact_at_fault(p, t, si, ucv, pc, in_cache, &b, &addr, &store);
    if (site == SITE_NONE)
        return;
    uint64_t guest_pc = t->state.rip;
    int code = si->si_code;
    unsigned trapno = GUEST_TRAP_PF;
    uint64_t err;
    bool probe = in_cache && in_probe(p, addr);
    if (guard_fault(p, t, &addr, &code)) {
        if (site == SITE_HELPER && code != GUEST_SI_KERNEL)
            addr = helper_fault_addr(p, &t->state, addr);
        trapno = code == GUEST_SI_KERNEL ? GUEST_TRAP_GP : GUEST_TRAP_PF;
        err = code == GUEST_SI_KERNEL ? 0 : (fault_err(p, ucv, code, addr, pc) & ~1ull);
        if (probe && code != GUEST_SI_KERNEL)   /* the probe itself is a load */
            err = (err & ~2ull) | (probe_store(pc) ? 2 : 0);
    } else {
        if (site == SITE_HELPER)
            addr = helper_fault_addr(p, &t->state, addr);
        /* ferry's own memory below the limit (PROT_NONE parts of ASan's shadow) is not the
         * guest's: unmapped to it, as natively. */
        if (code == SEGV_ACCERR && rt_space_is_ferry(addr))
            code = SEGV_MAPERR;
        err = fault_err(p, ucv, code, addr, pc);
    }
    /* The interpreter knows whether it stored; fault_err may have had to guess from the host
     * instruction (aarch64 without an ESR record), which is a memcpy's there. */
    if (site == SITE_INTERP && trapno == GUEST_TRAP_PF)
        err = (err & ~2ull) | (store ? 2 : 0);
    if (p->log.mask)
        rt_log_printf(p, "ferry: guest %s at 0x%llx (%s 0x%llx, host pc 0x%llx), fault "
                      "address 0x%llx, si_code %d\n", rt_signal_name(sig),
                      (unsigned long long)guest_pc,
                      b ? "block" : site == SITE_INTERP ? "interpreted at" : "helper called at",
                      (unsigned long long)(b ? b->pc : guest_pc),
                      (unsigned long long)pc, (unsigned long long)addr, code);
    if (!rt_signal_trap(t, sig, code, addr, trapno, err))
        rt_die_by_signal(p, sig);
    siglongjmp(t->fault_jmp, 1);
}

/* A write to a code page ferry protects (smc.c), which is writable again. From generated code
 * with a map, or a helper called through fe_call_mem: back to rt_run with the state exact at
 * the store, which flushes and runs that instruction alone (does not return; a rep goes on
 * from the element that faulted). Else the store is retried when the handler returns, and
 * the thread flushes at its next interrupt check. */
static void smc_write(RtProcess *p, RtThread *t, const siginfo_t *si, const void *ucv,
                      uintptr_t pc, bool in_cache)
{
    const RtBlock *b;
    uint64_t addr = (uint64_t)(uintptr_t)si->si_addr - p->gi.guest_base;
    bool store;
    if (exact_at_fault(p, t, si, ucv, pc, in_cache, &b, &addr, &store) != SITE_NONE) {
        t->smc_step = true;
        t->smc_step_pc = t->state.rip;
        siglongjmp(t->fault_jmp, 1);
    }
    if (t)
        t->interrupt = 1;
}

void rt_host_signal_handler(int sig, siginfo_t *si, void *ucv)
{
    RtProcess *p = fault_process;
    RtThread *t = fault_thread;
    bool fault = (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE) && si->si_code > 0;
    if (!fault) {
        if (p)
            rt_signal_host(p, t, sig, si, ucv);
        return;
    }
    uintptr_t pc = rt_host_pc(ucv);
    bool in_cache = p && rt_cache_contains(p, pc);
    if (sig == SIGSEGV && si->si_code == SEGV_ACCERR && p && !p->machine) {
        RtSmcFault f = rt_smc_write_fault(p, (uint64_t)(uintptr_t)si->si_addr - p->gi.guest_base);
        if (f == SMC_FAULT_OPENED)
            smc_write(p, t, si, ucv, pc, in_cache);
        if (f != SMC_FAULT_NONE)
            return;         /* the store is retried */
    }
    if ((sig == SIGSEGV || sig == SIGBUS) && rt_guarded_copy_recover(ucv))
        return;             /* a guarded copy (guarded_copy.c) returns -EFAULT */
    /* A failed limit probe (ir.h IrGuestInfo.limit_probe): one without its map entry is
     * ferry's bug; one whose access lies below the limit after all (a base above it and a
     * negative displacement) lets the access go ahead, after the probe (aarch64: 4 bytes). */
    bool probe = sig == SIGSEGV && in_cache && !p->machine &&
                 in_probe(p, (uint64_t)(uintptr_t)si->si_addr);
    uint64_t probe_a = 0;
    bool probe_ok = probe && probe_addr(p, t, ucv, pc, &probe_a);
    if (probe_ok && probe_a < p->gi.guest_limit && RT_HOST_INSN_FIXED) {
        rt_set_host_pc(ucv, pc + RT_HOST_INSN_FIXED);
        return;
    }
    const char *name = rt_signal_name(sig);
    if (p && p->machine && (in_cache || (t && t->in_guest))) {
        rt_machine_fault(p, t, si, pc, in_cache);   /* returns only for ferry's own faults */
    } else if (p && (in_cache || (t && t->in_guest)) && (!probe || probe_ok)) {
        precise_fault(p, t, sig, si, ucv, pc, in_cache);
        if (p->sigact[sig].handler > GUEST_SIG_IGN) {
            /* Written with write(2): stdio's locks may be held by the interrupted code. */
            char msg[200];
            int n = snprintf(msg, sizeof msg, "ferry: guest %s at fault address 0x%llx: the "
                             "guest's handler is not run (this fault is not precise)\n", name,
                             (unsigned long long)(uintptr_t)si->si_addr);
            if (n > 0 && write(2, msg, (size_t)n) < 0)
                n = 0;
        }
        if (p->log.mask) {
            const RtBlock *b = in_cache ? rt_block_by_host_pc(p, pc) : NULL;
            if (!b && t)
                b = t->cur_block;
            rt_log_printf(p, "ferry: guest %s in block 0x%llx (%s, host pc 0x%llx), "
                          "fault address 0x%llx\n", name, b ? (unsigned long long)b->pc : 0ull,
                          in_cache ? "generated code" : "helper or interpreter",
                          (unsigned long long)pc, (unsigned long long)(uintptr_t)si->si_addr);
        }
        rt_die_by_signal(p, sig);
    }
    /* ferry's own bug: report without stdio (its locks may be held) and abort. */
    char msg[160];
    int n = snprintf(msg, sizeof msg, "ferry: internal error: %s at host pc 0x%llx "
                     "(fault address 0x%llx)\n", name, (unsigned long long)pc,
                     (unsigned long long)(uintptr_t)si->si_addr);
    if (n > 0 && write(2, msg, (size_t)n) < 0)
        n = 0;
    signal(SIGABRT, SIG_DFL);
    abort();
}

void rt_fault_install(RtProcess *p)
{
    fault_process = p;
    /* The handler blocks the guest's signals while it runs (signal.c's state is per thread),
     * all 64 of them (glibc's sigfillset leaves out 32 and 33); a fault in the handler itself
     * is still reported. */
    uintptr_t h = (uintptr_t)rt_host_signal_handler;
    rt_host_sigaction(SIGSEGV, h, SA_SIGINFO | SA_ONSTACK);
    rt_host_sigaction(SIGBUS, h, SA_SIGINFO | SA_ONSTACK);
    rt_host_sigaction(SIGFPE, h, SA_SIGINFO | SA_ONSTACK);
}

void rt_fault_thread_init(RtThread *t)
{
    fault_thread = t;
    void *mem = mmap(NULL, RT_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return;                 /* faults are still caught, just not on stack overflow */
    stack_t ss = { .ss_sp = mem, .ss_size = RT_ALTSTACK_SIZE, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
}
