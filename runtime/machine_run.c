/* machine_run.c — the system-mode dispatcher: blocks, virtual time, devices and interrupts.
 *
 * Each turn of the loop, between two blocks (or chains of blocks):
 *   1. a reset the guest asked for is carried out (or ends the machine under -no-reboot);
 *   2. the board's clock is brought to the CPU's time (machine.h: instructions + halted time)
 *      and the device timers due by then run;
 *   3. every POLL_INSNS instructions, host input is taken into the serial port;
 *   4. with IF set and INTR up (dev_board_intr: the local APIC's, or the 8259's through
 *      LINT0), the interrupt is acknowledged and delivered through the IDT (machine_intr.c),
 *      but never twice without a block run in between (interrupt storms, README);
 *   5. icount_limit is set to the next device deadline (at most POLL_INSNS away), or to now
 *      when another interrupt could be taken at once, so generated code comes back in time;
 *   6. the block at rip runs, and its exit word is acted on: JUMP, INDIRECT, EVENT go round
 *      again; HALT waits (below); TRAP is an exception, a software interrupt, an instruction
 *      for the runtime to carry out (machine_seg.c), a stop, a change of mappings
 *      (translations are dropped), or a TLB miss: the instruction runs again through the
 *      MMU's slow path (machine_mmu.c), which also reaches device memory.
 *
 * hlt: with IF clear nothing can wake the CPU (no NMI source exists), so the machine ends
 * (QEMU would wait forever); otherwise virtual time jumps to the next device deadline until an
 * interrupt is pending. When no deadline can bring one, the machine waits for host input on
 * the serial port, or ends when there can be none (stdin closed, -serial none).
 *
 * Port I/O comes from generated code through rt_machine_port_in/out, with icount current
 * (the frontend charges the block's instructions first), so a device sees the exact virtual
 * time of the access. After the access, an interrupt that became deliverable (or a reset
 * request) lowers icount_limit to 0: the I/O instruction ended its block, so the next block
 * start returns here.
 */
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/machine.h"

/* Instructions between looks at host input (10 ms of virtual time). */
#define POLL_INSNS 10000000ull
/* Device deadlines a halt may skip through without an interrupt before ferry concludes that
 * none of them can wake the CPU (every timer masked or disabled). */
#define MAX_IDLE_EVENTS 1000000u

static RtMachine *machine_of(void *state)
{
    return rt_thread_of_state(state)->proc->machine;
}

static uint64_t now_ns(const RtMachine *m)
{
    return m->cpu->state.icount + m->idle_ns;
}

static void sync_clock(RtMachine *m)
{
    dev_clock_advance(&m->board.clock, now_ns(m));
}

/* CR8 is the local APIC's TPR (machine_cpu.c, MSRs): whichever side changed it last wins. */
static void cr8_to_apic(RtMachine *m)
{
    X86State *s = &m->cpu->state;
    if (s->cr8 != m->cr8_seen) {
        dev_lapic_set_cr8(&m->board.lapic, (uint8_t)s->cr8);
        m->cr8_seen = s->cr8;
    }
}

static void apic_to_cr8(RtMachine *m)
{
    m->cpu->state.cr8 = m->cr8_seen = dev_lapic_cr8(&m->board.lapic);
}

static bool if_set(const RtMachine *m)
{
    return (m->cpu->state.eflags_fixed & X86_IF) != 0;
}

static bool interrupt_ready(const RtMachine *m)
{
    return if_set(m) && dev_board_intr(&m->board);
}

/* ---------------------------------------------------------------- ending the machine */

_Noreturn void rt_machine_exit(RtMachine *m, int status)
{
    rt_exit(m->p, status);
}

_Noreturn void rt_machine_stop(RtMachine *m, int status, const char *what)
{
    fprintf(stderr, "ferry-system: %s at rip 0x%llx: machine stopped\n", what,
            (unsigned long long)m->cpu->state.rip);
    rt_machine_exit(m, status);
}

/* The board's hooks. */
static void hook_exit(void *opaque, int status)
{
    rt_machine_exit(opaque, status);
}

static void hook_reset(void *opaque)
{
    RtMachine *m = opaque;
    m->reset_pending = true;
    m->cpu->state.icount_limit = 0;
}

DevBoardHooks rt_machine_hooks(RtMachine *m)
{
    return (DevBoardHooks){ hook_reset, hook_exit, m };
}

static void machine_reset(RtMachine *m)
{
    m->reset_pending = false;
    if (m->opt.no_reboot)
        rt_machine_exit(m, RT_MACHINE_EXIT_OFF);
    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: machine reset\n");
    dev_board_reset(&m->board);
    rt_cache_flush(m->p);               /* the kernel is loaded again */
    rt_machine_boot(m);
}

/* ---------------------------------------------------------------- port I/O */

static void after_io(RtMachine *m)
{
    if (m->reset_pending || interrupt_ready(m))
        m->cpu->state.icount_limit = 0;
}

void rt_machine_sync_devices(RtMachine *m)
{
    sync_clock(m);
    cr8_to_apic(m);
    /* TSC = icount + tsc_offset, the clock = icount + idle_ns (machine.h). */
    m->board.lapic.tsc_minus_now = (int64_t)(m->cpu->state.tsc_offset - m->idle_ns);
}

void rt_machine_after_device(RtMachine *m)
{
    apic_to_cr8(m);
    after_io(m);
}

uint64_t rt_machine_port_in(void *state, uint64_t port, uint64_t size, uint64_t unused)
{
    (void)unused;
    RtMachine *m = machine_of(state);
    rt_machine_sync_devices(m);
    uint32_t v = dev_bus_in(&m->board.bus, (uint16_t)port, (unsigned)size);
    rt_machine_after_device(m);
    return v;
}

uint64_t rt_machine_port_out(void *state, uint64_t port, uint64_t size, uint64_t value)
{
    RtMachine *m = machine_of(state);
    rt_machine_sync_devices(m);
    dev_bus_out(&m->board.bus, (uint16_t)port, (unsigned)size, (uint32_t)value);
    rt_machine_after_device(m);
    return 0;
}

/* ---------------------------------------------------------------- hlt */

static void poll_input(RtMachine *m)
{
    dev_board_poll_input(&m->board);
    m->next_poll = m->cpu->state.icount + POLL_INSNS;
}

static void machine_halt(RtMachine *m)
{
    if (!if_set(m))
        rt_machine_stop(m, RT_MACHINE_EXIT_OFF,
                        "the CPU halted with interrupts disabled (nothing can wake it)");
    for (unsigned idle = 0;;) {
        rt_machine_sync_devices(m);
        bool room = dev_board_poll_input(&m->board);
        if (dev_board_intr(&m->board))
            return;
        uint64_t deadline = dev_clock_next_deadline(&m->board.clock);
        if (deadline != DEV_CLOCK_NEVER && idle++ < MAX_IDLE_EVENTS) {
            uint64_t d = deadline - now_ns(m);      /* after sync_clock, deadline > now */
            m->idle_ns += d;
            m->cpu->state.tsc_offset += d;          /* the TSC counts halted time too */
            continue;
        }
        if (room && m->serial.ops->wait) {
            m->serial.ops->wait(&m->serial, -1);    /* host input is the only way out */
            idle = 0;
            continue;
        }
        rt_machine_stop(m, RT_MACHINE_EXIT_OFF, "the CPU halted and nothing can wake it "
                        "(no timer interrupt can come, no serial input)");
    }
}

/* ---------------------------------------------------------------- traps */

/* A trap exit (frontend.h "System mode"): the exception it stands for, a software interrupt,
 * or a stop. */
static void machine_exit_word(RtMachine *m, const RtBlock *b, uint64_t w);

static void machine_trap(RtMachine *m, const RtBlock *b, int sig, int code)
{
    X86State *st = &m->cpu->state;
    if (sig == 0) {
        if (code == FE_SYS_EMULATE) {
            rt_machine_emulate(m);
            return;
        }
        if (code < FE_SYS_STOP || (code >= FE_SYS_INT_SHORT && code < FE_SYS_INT_SHORT + 256)) {
            m->int_len = code < FE_SYS_STOP ? 2 : 1;
            rt_machine_interrupt(m, (unsigned)code & 0xff, RT_INT_SOFTWARE, false, 0);
            return;
        }
        if (code == FE_SYS_EXC) {
            rt_machine_interrupt(m, (unsigned)st->exc_vector, RT_INT_EXCEPTION,
                                 (st->exc_err >> 32) & 1, (uint32_t)st->exc_err);
            return;
        }
        if (code == FE_SYS_TLB_MISS) {
            /* A block's probe missed: the instruction again, alone, through the slow path
             * (the slow path's own block has no probe, so b is never NULL here). */
            if (b)
                machine_exit_word(m, NULL, rt_mmu_run_slow(m));
            return;
        }
        if (code == FE_SYS_FLUSH)
            return;                     /* the loop drops the translations */
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, fe_sys_stop_message((unsigned)code - FE_SYS_STOP));
    }
    switch (sig) {
    case SIGILL:
        if (b && b->fe_status == FE_UNIMPLEMENTED && b->bad_pc == st->rip) {
            uint8_t bytes[16];
            size_t n = rt_machine_fetch_code(m, st->rip, bytes, sizeof bytes);
            char dis[128];
            rt_disasm_one(m->p, st->rip, bytes, n, dis, sizeof dis);
            fprintf(stderr, "ferry-system: instruction not implemented by ferry at rip 0x%llx "
                    "(%s): #UD to the guest\n", (unsigned long long)st->rip, dis);
        }
        rt_machine_interrupt(m, 6, RT_INT_EXCEPTION, false, 0);         /* #UD */
        return;
    case SIGFPE:
        rt_machine_interrupt(m, 0, RT_INT_EXCEPTION, false, 0);         /* #DE */
        return;
    case SIGTRAP:
        if (code == SI_KERNEL) {
            m->int_len = 1;
            rt_machine_interrupt(m, 3, RT_INT_SOFTWARE, false, 0);      /* #BP */
        }
        else
            rt_machine_interrupt(m, 1, RT_INT_EXCEPTION, false, 0);     /* #DB */
        return;
    case SIGSEGV:
        if (code == SEGV_MAPERR) {
            rt_mmu_fetch_fault(m, st->rip);             /* #PF, or outside RAM: a stop */
            return;
        }
        rt_machine_interrupt(m, 13, RT_INT_EXCEPTION, true, 0);         /* #GP(0) */
        return;
    default:
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "unexpected trap");
    }
}

/* ---------------------------------------------------------------- the loop */

/* After a delivery (just_delivered) the next block runs at least one instruction. */
static uint64_t next_limit(const RtMachine *m, bool just_delivered)
{
    uint64_t icount = m->cpu->state.icount;
    if (m->reset_pending || (interrupt_ready(m) && !just_delivered))
        return icount;
    if (interrupt_ready(m))
        return icount + 1;
    uint64_t budget = POLL_INSNS;
    uint64_t deadline = dev_clock_next_deadline(&m->board.clock), now = now_ns(m);
    if (deadline != DEV_CLOCK_NEVER) {
        uint64_t d = deadline > now ? deadline - now : 1;   /* one instruction = one ns */
        if (d < budget)
            budget = d;
    }
    uint64_t poll = m->next_poll > icount ? m->next_poll - icount : 1;
    return icount + (poll < budget ? poll : budget);
}

/* Act on the exit word of block b (NULL: the slow path's one-instruction block). */
static void machine_exit_word(RtMachine *m, const RtBlock *b, uint64_t w)
{
    switch (IR_EXIT_WORD_KIND(w & IR_EXIT_WORD_MASK)) {
    case IR_EXIT_JUMP:
    case IR_EXIT_INDIRECT:
    case IR_EXIT_EVENT:
        break;
    case IR_EXIT_HALT:
        machine_halt(m);
        break;
    case IR_EXIT_TRAP:
        machine_trap(m, b, IR_EXIT_WORD_SIG(w), IR_EXIT_WORD_CODE(w));
        break;
    default:
        fprintf(stderr, "ferry-system: internal error: block 0x%llx returned exit word "
                "0x%llx\n", (unsigned long long)(b ? b->pc : m->cpu->state.rip),
                (unsigned long long)w);
        abort();
    }
}

_Noreturn void rt_machine_run(RtMachine *m)
{
    RtProcess *p = m->p;
    RtThread *t = m->cpu;
    X86State *st = &t->state;
    /* An external interrupt was just delivered: run at least one block (the handler's first)
     * before taking another, so a source that requests forever (a level-triggered line
     * nobody clears, a 1-tick timer) cannot keep the CPU from running instructions, and
     * virtual time, which instructions advance, goes on. */
    volatile bool delivered = false;    /* (volatile: it lives across the setjmp) */
    if (setjmp(m->helper_fault)) {
        /* rt_machine_helper_fault: out of the block, the state exact at the instruction. */
        t->in_guest = RT_IN_RUNTIME;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        st->rip = st->helper_pc;
        st->helper_pc = 0;
        rt_machine_interrupt(m, (unsigned)st->exc_vector, RT_INT_EXCEPTION,
                             (st->exc_err >> 32) & 1, (uint32_t)st->exc_err);
        delivered = false;
    }
    for (;;) {
        if (m->reset_pending)
            machine_reset(m);
        rt_machine_sync_devices(m);
        if (st->icount >= m->next_poll)
            poll_input(m);
        if (!delivered && interrupt_ready(m)) {
            uint8_t vector = dev_board_inta(&m->board);
            rt_machine_interrupt(m, vector, RT_INT_EXTERNAL, false, 0);
            delivered = true;
            continue;                   /* a reset may be pending now; look again */
        }
        st->icount_limit = next_limit(m, delivered);
        delivered = false;

        RtBlock *b = rt_block_find(t, st->rip);
        if (!b->user_exec && rt_machine_cpl(m) == 3) {
            /* Code fetched at CPL 0 from pages user mode may not run: the #PF a fetch at
             * CPL 3 gives (machine_mmu.c), or, if the mapping allows it now, a new
             * translation. Either way the jump cache must not offer the block again. */
            rt_jc_clear(t);
            uint64_t pa;
            uint32_t err;
            if (rt_mmu_translate(m, st->rip, RT_ACC_EXEC | RT_ACC_USER, &pa, &err) == RT_MMU_OK)
                rt_mmu_flush_code(m);
            else
                rt_mmu_fetch_fault(m, st->rip);
            continue;
        }
        p->stats.blocks_executed++;
        if (rt_log_on(p, RT_LOG_EXEC))
            rt_log_printf(p, "Trace: block 0x%016llx (%u insns, %s)\n",
                          (unsigned long long)b->pc, b->guest_insns,
                          b->code ? "compiled" : "interpreted");
        t->cur_block = b;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        t->in_guest = b->code ? RT_IN_CODE : RT_IN_INTERP;
        uint64_t w = b->code ? p->cache.enter(st, b->code) : ir_interp_run(b->ir, st, &p->gi);
        t->in_guest = RT_IN_RUNTIME;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        machine_exit_word(m, b, w);
        if (m->mmu.flush_code)
            rt_mmu_flush_code(m);               /* code changed, or its mappings did */
    }
}

_Noreturn void rt_machine_helper_fault(RtMachine *m)
{
    /* Generated code keeps nothing on the host stack that must be unwound (user mode's
     * faults leave it by siglongjmp the same way). */
    longjmp(m->helper_fault, 1);
}

/* ---------------------------------------------------------------- host faults */

void rt_machine_fault(RtProcess *p, RtThread *t, const siginfo_t *si, uintptr_t host_pc,
                      bool in_cache)
{
    RtMachine *m = p->machine;
    uintptr_t a = (uintptr_t)si->si_addr, ram = (uintptr_t)m->ram;
    if (a < ram + m->ram_size || a >= ram + m->map_size)
        return;                                 /* not the guard: ferry's own bug */
    uint64_t rip = t ? t->state.rip : 0;
    if (in_cache) {
        uint64_t g = rt_fault_guest_pc(p, host_pc);
        if (g)
            rip = g;
    } else if (t && t->cur_block) {
        rip = t->cur_block->pc;                 /* a helper: its block is as close as known */
    }
    /* Written with write(2): the interrupted code may hold stdio's locks. */
    char msg[240];
    int n = snprintf(msg, sizeof msg, "ferry-system: guest access outside RAM (%llu MiB) at "
                     "rip 0x%llx: machine stopped\n", (unsigned long long)(m->ram_size >> 20),
                     (unsigned long long)rip);
    if (n > 0 && write(2, msg, (size_t)n) < 0)
        n = 0;
    _exit(RT_MACHINE_EXIT_STOPPED);
}
