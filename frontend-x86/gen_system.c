/* gen_system.c — the privileged instructions of system mode (frontend.h "System mode"), at
 * privilege levels 0 and 3 of the runtime's machine.
 *
 * Contract: fe_gen_system(c) is asked before every other family when FeOptions.system is set;
 * it translates c->insn and returns true, or returns false without emitting anything, and the
 * user-mode families go on as usual. Nothing here runs in user mode.
 *
 * Privilege is checked when the instruction runs (a block may run at either level): CPL is
 * CS.RPL in the state. "CPL 0" below means #GP(0) at CPL 3; "IOPL" means #GP(0) when
 * CPL > IOPL. What needs the machine (descriptor tables, the TLB, privilege changes) is a call
 * of FeOptions.sys_ctl (runtime/machine_cpu.c), whose exception leaves at the instruction.
 *
 * Coverage:
 *   F4 hlt (CPL 0; IR_EXIT_HALT at the next instruction); FA cli, FB sti (IOPL; IF, and the
 *     interrupt shadow: the next instruction stays in the block, then the block ends);
 *     9C/9D pushf/popf with IF, IOPL and NT (at CPL 3 popf leaves IOPL, and IF when
 *     CPL > IOPL; TF, RF, VM, VIF, VIP read as 0 and are not set); CF iretq/iretd: the five
 *     values popped here, the checks and the privilege change in sys_ctl (NT set, a task
 *     return, stops the machine);
 *   E4-E7, EC-EF in/out (IOPL); 6C-6F ins/outs with rep (one element per pass: a rep form
 *     loops through a direct exit to itself, so it is interruptible between elements, as on
 *     hardware); the operand size of in/out is 1, 2 or 4 (REX.W acts as 4);
 *   CC int3, F1 int1, CD int n: FE_SYS_INT(_SHORT) traps with the vector, rip the next
 *     instruction (a fault in the delivery is reported at the instruction itself);
 *   0F 01 /0-/3 sgdt sidt, lgdt lidt (CPL 0; 10-byte pseudo-descriptors), /4 smsw, /6 lmsw
 *     (CPL 0; PE cannot be cleared), /7 invlpg (CPL 0; sys_ctl, then the block ends so
 *     translations can be dropped), F8 swapgs (CPL 0);
 *   0F 00 /0 sldt (0: no LDT), /1 str, /3 ltr (CPL 0; sys_ctl), /2 lldt (stop);
 *   0F 06 clts; 0F 08 invd, 0F 09 wbinvd (CPL 0; no caches: nothing to do);
 *   0F 20/22 mov from/to CR0, CR2, CR3, CR4, CR8 (CPL 0): reserved bits set are #GP; CR0
 *     keeps ET=1; a write that would change PE or PG, or CR4's PSE, PAE, LA57 or PCIDE, is
 *     the runtime's (FE_SYS_EMULATE: mode switches); the other CR0, CR3 and CR4 writes go
 *     to sys_ctl (TLB flushes) and end the block;
 *   0F 30/32 wrmsr/rdmsr (CPL 0) through a C helper (unknown MSR, or a bad value: #GP), or
 *     the machine's (FeOptions.msr: the local APIC's MSRs, then this one's); after wrmsr,
 *     sys_ctl sees whether EFER.NXE changed, and the block ends (an APIC write may also have
 *     made an interrupt ready);
 *   0F 31 rdtsc, 0F 01 F9 rdtscp: TSC = icount + tsc_offset, one tick per instruction, the
 *     same on every run; 0F A2 cpuid: fe_cpuid_system;
 *   8C/8E mov from/to Sreg, 0F A0/A1/A8/A9 push/pop fs/gs: selectors are recorded (no
 *     descriptor checks yet; FS/GS bases come from the MSRs only); mov ss opens a shadow;
 *   CA/CB retf, FF /3 call far, FF /5 jmp far, and in 32-bit code 9A/EA (ptr16:32), iretd,
 *     mov/pop to a segment register, les/lds/lss/lfs/lgs: FE_SYS_EMULATE (the runtime loads
 *     the descriptor, and the mode may change); so do mov to CR0 changing PE or PG, to CR4
 *     changing paging-mode bits, and wrmsr to EFER changing LME (machine_mode.c);
 *   32-bit code (FeCtx.mode32): CRs move 32-bit registers, lgdt/lidt/sgdt/sidt 4-byte bases
 *     (3 bytes loaded with 66), the stack is ESP (fe_ops.c); swapgs, syscall and sysret are
 *     #UD there (64-bit mode only, as on Intel CPUs);
 *   0F 05 syscall, 0F 07 sysret (CPL 0; with REX.W, to 64-bit code; without it, stop):
 *     sys_ctl, then an indirect exit to the new rip;
 *   0F 34 sysenter, 0F 35 sysexit (CPL 0; REX.W: to 64-bit code) in every mode, with the
 *     IA32_SYSENTER_CS/ESP/EIP MSRs (0x174-0x176) that rdmsr/wrmsr reach: sys_ctl, then an
 *     indirect exit to the new rip.
 *
 * The instructions that may set IF (sti, popf, iretq, sysret) or lower the APIC's priority
 * (mov to CR8) set icount_limit to 0, so the runtime looks at pending interrupts at the next
 * block start.
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"

/* EFLAGS bits kept in eflags_fixed that code at privilege level 0 can change. */
#define SYS_FIXED_BITS ((uint64_t)(X86_DF | X86_IF | X86_IOPL | X86_NT | X86_AC | X86_ID))

/* MSR numbers (SDM Vol. 4). */
enum {
    MSR_TSC = 0x10, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176, MSR_PAT = 0x277, MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081,
    MSR_LSTAR = 0xc0000082, MSR_CSTAR = 0xc0000083, MSR_SFMASK = 0xc0000084,
    MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102,
    MSR_TSC_AUX = 0xc0000103,
};

/* What the MSR helpers answer (frontend.h). */
enum { MSR_OK = FE_MSR_OK, MSR_GP = FE_MSR_GP, MSR_STOP_EFER = FE_MSR_STOP_EFER };

/* ================================================================ helpers (C) */

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* rdmsr: EDX:EAX = MSR[ECX]; MSR_OK or MSR_GP. */
static uint64_t x86_helper_rdmsr(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)a0; (void)a1; (void)a2;
    X86State *s = state;
    uint64_t v;
    switch ((uint32_t)s->gpr[X86_RCX]) {
    case MSR_TSC:            v = s->icount + s->tsc_offset; break;
    case MSR_PAT:            v = s->pat; break;
    case MSR_SYSENTER_CS:    v = s->sysenter_cs; break;
    case MSR_SYSENTER_ESP:   v = s->sysenter_esp; break;
    case MSR_SYSENTER_EIP:   v = s->sysenter_eip; break;
    case MSR_EFER:           v = s->efer; break;
    case MSR_STAR:           v = s->star; break;
    case MSR_LSTAR:          v = s->lstar; break;
    case MSR_CSTAR:          v = s->cstar; break;
    case MSR_SFMASK:         v = s->sfmask; break;
    case MSR_FS_BASE:        v = s->fs_base; break;
    case MSR_GS_BASE:        v = s->gs_base; break;
    case MSR_KERNEL_GS_BASE: v = s->kernel_gs_base; break;
    case MSR_TSC_AUX:        v = s->tsc_aux; break;
    default:                 return MSR_GP;
    }
    s->gpr[X86_RAX] = (uint32_t)v;
    s->gpr[X86_RDX] = v >> 32;
    return MSR_OK;
}

/* wrmsr: MSR[ECX] = EDX:EAX; MSR_OK, MSR_GP, or MSR_STOP_EFER (nothing written). */
static uint64_t x86_helper_wrmsr(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)a0; (void)a1; (void)a2;
    X86State *s = state;
    uint64_t v = (s->gpr[X86_RDX] << 32) | (uint32_t)s->gpr[X86_RAX];
    switch ((uint32_t)s->gpr[X86_RCX]) {
    case MSR_TSC:
        s->tsc_offset = v - s->icount;
        break;
    case MSR_PAT:
        for (int i = 0; i < 8; i++) {       /* memory types 2 and 3 are reserved */
            unsigned t = (v >> (8 * i)) & 0xff;
            if (t > 7 || t == 2 || t == 3)
                return MSR_GP;
        }
        s->pat = v;
        break;
    case MSR_EFER:
        if (v & ~(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE))
            return MSR_GP;
        if ((v ^ s->efer) & X86_EFER_LME)
            return MSR_STOP_EFER;
        s->efer = (v & ~X86_EFER_LMA) | (s->efer & X86_EFER_LMA);   /* LMA is read-only */
        break;
    case MSR_STAR:   s->star = v; break;
    case MSR_SYSENTER_CS:
        s->sysenter_cs = v & 0xffff;        /* bits 63:16 are reserved and read as 0 */
        break;
    case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP:   /* addresses: canonical (SDM WRMSR) */
        if (!canonical(v))
            return MSR_GP;
        if ((uint32_t)s->gpr[X86_RCX] == MSR_SYSENTER_ESP)
            s->sysenter_esp = v;
        else
            s->sysenter_eip = v;
        break;
    case MSR_SFMASK: s->sfmask = v & 0xffffffffu; break;
    case MSR_LSTAR: case MSR_CSTAR: case MSR_FS_BASE: case MSR_GS_BASE:
    case MSR_KERNEL_GS_BASE:
        if (!canonical(v))
            return MSR_GP;
        switch ((uint32_t)s->gpr[X86_RCX]) {
        case MSR_LSTAR:   s->lstar = v; break;
        case MSR_CSTAR:   s->cstar = v; break;
        case MSR_FS_BASE: s->fs_base = v; break;
        case MSR_GS_BASE: s->gs_base = v; break;
        default:          s->kernel_gs_base = v; break;
        }
        break;
    case MSR_TSC_AUX:
        if (v >> 32)
            return MSR_GP;
        s->tsc_aux = v;
        break;
    default:
        return MSR_GP;
    }
    return MSR_OK;
}

uint64_t fe_msr_access(void *state, uint64_t write)
{
    return write ? x86_helper_wrmsr(state, 0, 0, 0) : x86_helper_rdmsr(state, 0, 0, 0);
}

/* cpuid with the system model: EBX:EAX (half 0) or EDX:ECX (half 1). */
static uint64_t x86_helper_cpuid_system(void *state, uint64_t leaf, uint64_t sub, uint64_t half)
{
    (void)state;
    uint32_t out[4];
    fe_cpuid_system((uint32_t)leaf, (uint32_t)sub, out);
    return half ? ((uint64_t)out[3] << 32 | out[2]) : ((uint64_t)out[1] << 32 | out[0]);
}

void fe_register_helpers_system(void)
{
    ir_helper_register(x86_helper_rdmsr, "x86_rdmsr");
    ir_helper_register(x86_helper_wrmsr, "x86_wrmsr");
    ir_helper_register(x86_helper_cpuid_system, "x86_cpuid_system");
}

/* ================================================================ small helpers (IR) */

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }
static IrRef and64(FeCtx *c, IrRef a, IrRef b) { return ir_op2(&c->b, IR_AND, IR_I64, a, b); }
static IrRef or64(FeCtx *c, IrRef a, IrRef b) { return ir_op2(&c->b, IR_OR, IR_I64, a, b); }
static IrRef add64(FeCtx *c, IrRef a, IrRef b) { return ir_op2(&c->b, IR_ADD, IR_I64, a, b); }
static IrRef get64(FeCtx *c, uint32_t off) { return ir_get(&c->b, IR_I64, off); }
static IrRef zext64(FeCtx *c, IrRef v)
{
    return ir_value_type(c->b.blk, v) == IR_I64 ? v : ir_op1(&c->b, IR_ZEXT, IR_I64, v);
}
static IrRef trunc_to(FeCtx *c, unsigned size, IrRef v)
{
    return size == 8 ? v : ir_op1(&c->b, IR_TRUNC, fe_type(size), v);
}
static IrRef nonzero(FeCtx *c, IrRef v) { return ir_cmp(&c->b, IR_NE, v, k64(c, 0)); }

/* Make the runtime look at interrupts before the next block (IF may have been set). */
static void request_event(FeCtx *c)
{
    ir_put(&c->b, X86_OFF_SYS(icount_limit), k64(c, 0));
}

/* The same only when the flags image v (I64) has IF set: popf and iretq that keep interrupts
 * off (irqsave/irqrestore pairs) cost nothing. */
static void request_event_if(FeCtx *c, IrRef v)
{
    IrRef on = nonzero(c, and64(c, v, k64(c, X86_IF)));
    IrRef limit = get64(c, X86_OFF_SYS(icount_limit));
    ir_put(&c->b, X86_OFF_SYS(icount_limit), ir_select(&c->b, IR_I64, on, k64(c, 0), limit));
}

static void exit_word(FeCtx *c, uint64_t pc, int64_t word)
{
    fe_flush_flags(c);
    fe_charge(c);
    ir_exit(&c->b, IR_NONE, pc, word);
    c->block_end = true;
}

/* Stop the machine at this instruction: something ferry does not support yet. */
static bool stop(FeCtx *c, FeSysStop why)
{
    exit_word(c, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, 0, FE_SYS_STOP + why));
    return true;
}

static void stop_if(FeCtx *c, IrRef cond, FeSysStop why)
{
    fe_exit_restart(c, cond, FE_SYS_TRAP(FE_SYS_STOP + why));
}

/* Leave the instruction to the runtime (FE_SYS_EMULATE), always or when cond holds: the
 * state is the one the instruction found, but icount already counts the instruction (the
 * runtime carries it out and does not charge it again). */
static bool emulate(FeCtx *c)
{
    exit_word(c, c->pc, FE_SYS_TRAP(FE_SYS_EMULATE));
    return true;
}

static void emulate_if(FeCtx *c, IrRef cond)
{
    fe_flush_flags(c);
    fe_charge(c);                           /* the fall-through path charges again, later */
    ir_exit_if(&c->b, cond, c->pc, FE_SYS_TRAP(FE_SYS_EMULATE));
}

/* A GPR operand of mov CR / lgdt-style bases: 8 bytes, or 4 zero-extended in 32-bit code. */
static IrRef get_wide(FeCtx *c, int reg)
{
    if (!c->mode32)
        return fe_get_gpr(c, reg, 8);
    return ir_op1(&c->b, IR_ZEXT, IR_I64, fe_get_gpr(c, reg, 4));
}

/* #GP(0) at this instruction when cond holds (the runtime turns SIGSEGV/SI_KERNEL into it). */
static void gp_if(FeCtx *c, IrRef cond)
{
    fe_exit_restart(c, cond, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
}

/* The privilege level (CS.RPL) and IOPL, as I64 values. */
static IrRef cpl(FeCtx *c) { return and64(c, get64(c, X86_OFF_SEG(1)), k64(c, 3)); }
static IrRef iopl(FeCtx *c)
{
    IrRef f = get64(c, X86_OFF_EFLAGS_FIXED);
    return and64(c, ir_op2(&c->b, IR_SHR, IR_I64, f, k64(c, 12)), k64(c, 3));
}

/* Instructions only CPL 0 may run: #GP(0) elsewhere. */
static void need_cpl0(FeCtx *c)
{
    gp_if(c, nonzero(c, cpl(c)));
}

/* cli, sti, in, out: #GP(0) when CPL > IOPL (no I/O permission bitmap is consulted). */
static void need_iopl(FeCtx *c)
{
    gp_if(c, ir_cmp(&c->b, IR_GTU, cpl(c), iopl(c)));
}

/* The machine's part of a privileged instruction (machine_cpu.c); an exception it raises is
 * delivered at this instruction, nothing of it done. The flags are stored for it. */
static void sys_ctl(FeCtx *c, FeCtl op, IrRef value)
{
    IrRef r = fe_call(c, c->opt->sys_ctl, k64(c, op), value ? value : k64(c, 0), IR_NONE);
    fe_exit_restart(c, nonzero(c, r), FE_SYS_TRAP(FE_SYS_EXC));
}

/* End the block after an instruction that changed mappings: the runtime drops what
 * translations it must before the next one. */
static bool flush_exit(FeCtx *c)
{
    exit_word(c, c->next_pc, IR_EXIT_WORD(IR_EXIT_TRAP, 0, FE_SYS_FLUSH));
    return true;
}

static bool gen_UD(FeCtx *c)
{
    fe_trap(c, SIGILL, ILL_ILLOPN);
    return true;
}

/* ================================================================ EFLAGS */

static void set_fixed(FeCtx *c, uint64_t mask, IrRef v)
{
    IrRef keep = and64(c, get64(c, X86_OFF_EFLAGS_FIXED), k64(c, ~mask));
    ir_put(&c->b, X86_OFF_EFLAGS_FIXED, or64(c, keep, and64(c, v, k64(c, mask))));
}

/* EFLAGS as code at privilege level 0 reads it. */
static IrRef eflags_image(FeCtx *c)
{
    IrRef fixed = and64(c, get64(c, X86_OFF_EFLAGS_FIXED), k64(c, SYS_FIXED_BITS));
    return or64(c, or64(c, fe_get_eflags(c), fixed), k64(c, 0x2));
}

/* Load EFLAGS from an image of `size` bytes (zero-extended in v), as popf/iret do at CPL 0. */
static void load_eflags(FeCtx *c, IrRef v, unsigned size)
{
    uint64_t fixed = SYS_FIXED_BITS;
    if (size == 2)
        fixed &= 0xffff;
    /* IOPL changes only at CPL 0, IF only at CPL <= IOPL (popf at CPL 3 leaves them). */
    IrRef p = cpl(c);
    IrRef mask = ir_select(&c->b, IR_I64, nonzero(c, p), k64(c, fixed & ~(uint64_t)X86_IOPL),
                           k64(c, fixed));
    mask = ir_select(&c->b, IR_I64, ir_cmp(&c->b, IR_GTU, p, iopl(c)),
                     and64(c, mask, k64(c, ~(uint64_t)X86_IF)), mask);
    IrRef keep = and64(c, get64(c, X86_OFF_EFLAGS_FIXED), ir_op1(&c->b, IR_NOT, IR_I64, mask));
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, and64(c, v, k64(c, X86_ARITH_FLAGS)));
    ir_put(&c->b, X86_OFF_EFLAGS_FIXED, or64(c, keep, and64(c, v, mask)));
    request_event_if(c, v);
}

static bool gen_PUSHF(FeCtx *c)
{
    fe_push(c, trunc_to(c, c->insn->opsize, eflags_image(c)));
    return true;
}

static bool gen_POPF(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef sp;
    IrRef v = zext64(c, fe_pop_load(c, size, &sp));
    fe_put_sp(c, sp);
    load_eflags(c, v, size);
    return true;
}

static bool gen_CLI(FeCtx *c)
{
    need_iopl(c);
    set_fixed(c, X86_IF, k64(c, 0));
    return true;
}

static bool gen_STI(FeCtx *c)
{
    need_iopl(c);
    set_fixed(c, X86_IF, k64(c, X86_IF));
    request_event(c);
    c->shadow = 2;
    return true;
}

static bool gen_HLT(FeCtx *c)
{
    need_cpl0(c);
    exit_word(c, c->next_pc, IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
    return true;
}

/* CF: iretq / iretd: pop RIP, CS, RFLAGS, RSP, SS (64-bit mode always pops all five); the
 * machine checks the segments and changes privilege (machine_cpu.c). */
static bool gen_IRET(FeCtx *c)
{
    unsigned size = c->insn->opsize;        /* 4 or 8: the 16-bit form stays gen_misc.c's */
    if (c->mode32)
        return emulate(c);                  /* 3 or 5 slots, and maybe another mode */
    IrRef sp = fe_get_gpr(c, X86_RSP, 8);
    IrRef v[5];
    for (unsigned n = 0; n < 5; n++)
        v[n] = zext64(c, fe_load(c, fe_type(size), add64(c, sp, k64(c, (uint64_t)n * size))));
    stop_if(c, nonzero(c, and64(c, get64(c, X86_OFF_EFLAGS_FIXED), k64(c, X86_NT))),
            FE_STOP_TASK);
    for (unsigned n = 0; n < 5; n++)
        ir_put(&c->b, X86_OFF_SYS(iret_frame) + 8 * n, v[n]);
    sys_ctl(c, FE_CTL_IRET, IR_NONE);       /* checks, privilege change, the new state */
    fe_exit_indirect(c, get64(c, X86_OFF_RIP));
    return true;
}

/* 0F 05 syscall; 0F 07 sysret (REX.W: to 64-bit code; without it, compatibility mode: a
 * stop). */
static bool gen_SYSCALL(FeCtx *c)
{
    if (c->mode32)
        return gen_UD(c);                   /* CS.L = 0: #UD (SDM SYSCALL, SYSRET) */
    if (c->insn->opcode == 0x07) {
        need_cpl0(c);
        if (!(c->insn->rex & 8))
            return stop(c, FE_STOP_SYSCALL);
        sys_ctl(c, FE_CTL_SYSRET, IR_NONE);
    } else {
        sys_ctl(c, FE_CTL_SYSCALL, k64(c, c->next_pc));
    }
    fe_exit_indirect(c, get64(c, X86_OFF_RIP));
    return true;
}

/* 0F 34 sysenter, 0F 35 sysexit (CPL 0; REX.W: back to 64-bit code): the checks and the new
 * CS, SS, rSP and rIP are sys_ctl's (machine_cpu.c); then an indirect exit to the new rip. */
static bool gen_SYSENTER(FeCtx *c)
{
    if (c->insn->opcode == 0x35) {
        need_cpl0(c);
        sys_ctl(c, FE_CTL_SYSEXIT, k64(c, (c->insn->rex & 8) ? 1 : 0));
    } else {
        sys_ctl(c, FE_CTL_SYSENTER, IR_NONE);
    }
    fe_exit_indirect(c, get64(c, X86_OFF_RIP));
    return true;
}

/* ================================================================ port I/O */

static unsigned io_size(const X86Insn *i)
{
    if (!(i->opcode & 1))
        return 1;
    return i->opsize == 2 ? 2 : 4;
}

/* E4-E7 (port imm8), EC-EF (port DX): in and out. */
static bool gen_INOUT(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = io_size(i);
    bool imm = i->opcode < 0xe8, out = (i->opcode & 2) != 0;
    need_iopl(c);
    IrRef port = imm ? k64(c, (uint64_t)i->imm & 0xff) : zext64(c, fe_get_gpr(c, X86_RDX, 2));
    fe_charge(c);                           /* the devices see the time of this access */
    if (out) {
        IrRef v = zext64(c, fe_get_gpr(c, X86_RAX, size));
        fe_call(c, c->opt->port_out, port, k64(c, size), v);
    } else {
        IrRef v = fe_call(c, c->opt->port_in, port, k64(c, size), IR_NONE);
        fe_put_gpr(c, X86_RAX, size, trunc_to(c, size, v));
    }
    fe_exit_jump(c, c->next_pc);            /* a raised interrupt is taken right after */
    return true;
}

/* The pointer register of a string element at the address size, zero-extended. */
static IrRef str_ptr(FeCtx *c, int reg)
{
    return zext64(c, fe_get_gpr(c, reg, c->insn->addrsize));
}

/* 6C/6D ins, 6E/6F outs, one element; with rep, rCX counts and the instruction repeats
 * through a direct exit to itself. */
static bool gen_INSOUTS(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = io_size(i), as = i->addrsize;
    bool out = (i->opcode & 2) != 0, rep = i->rep != 0;
    need_iopl(c);
    IrRef count = IR_NONE;
    if (rep) {
        count = str_ptr(c, X86_RCX);
        fe_exit_cond(c, ir_cmp(&c->b, IR_EQ, count, k64(c, 0)), c->next_pc);
    }
    IrRef port = zext64(c, fe_get_gpr(c, X86_RDX, 2));
    IrRef df = nonzero(c, and64(c, get64(c, X86_OFF_EFLAGS_FIXED), k64(c, X86_DF)));
    IrRef delta = ir_select(&c->b, IR_I64, df, k64(c, (uint64_t)-(int64_t)size), k64(c, size));
    fe_charge(c);
    if (out) {
        IrRef addr = fe_seg_linear(c, str_ptr(c, X86_RSI));
        IrRef v = zext64(c, fe_load(c, fe_type(size), addr));
        fe_call(c, c->opt->port_out, port, k64(c, size), v);
        fe_put_gpr(c, X86_RSI, as, trunc_to(c, as, add64(c, str_ptr(c, X86_RSI), delta)));
    } else {
        IrRef addr = str_ptr(c, X86_RDI);   /* ES:rDI, never overridden */
        IrRef v = fe_call(c, c->opt->port_in, port, k64(c, size), IR_NONE);
        fe_store(c, addr, trunc_to(c, size, v));
        fe_put_gpr(c, X86_RDI, as, trunc_to(c, as, add64(c, addr, delta)));
    }
    if (rep) {
        IrRef left = ir_op2(&c->b, IR_SUB, IR_I64, count, k64(c, 1));
        fe_put_gpr(c, X86_RCX, as, trunc_to(c, as, left));
        fe_exit_cond(c, nonzero(c, as == 4 ? and64(c, left, k64(c, 0xffffffffu)) : left), c->pc);
    }
    fe_exit_jump(c, c->next_pc);
    return true;
}

/* ================================================================ interrupts */

static bool gen_INT(FeCtx *c)
{
    unsigned vector;
    switch (c->insn->opcode) {
    case 0xcc: vector = 3; break;
    case 0xf1: vector = 1; break;
    default:   vector = (unsigned)c->insn->imm & 0xff; break;
    }
    unsigned base = c->insn->opcode == 0xcd ? FE_SYS_INT : FE_SYS_INT_SHORT;
    exit_word(c, c->next_pc, IR_EXIT_WORD(IR_EXIT_TRAP, 0, base + vector));
    return true;
}

/* ================================================================ descriptor tables, CRs */

/* 0F 01 memory forms /0-/3: sgdt sidt lgdt lidt. */
static bool gen_DESC(FeCtx *c)
{
    unsigned r = c->insn->reg & 7;
    uint32_t base = r & 1 ? X86_OFF_SYS(idt_base) : X86_OFF_SYS(gdt_base);
    uint32_t limit = r & 1 ? X86_OFF_SYS(idt_limit) : X86_OFF_SYS(gdt_limit);
    IrRef ea = fe_ea(c);
    IrRef ea2 = fe_addr_size(c, add64(c, ea, k64(c, 2)));
    if (r >= 2) {
        need_cpl0(c);
        IrRef l = zext64(c, fe_load(c, IR_I16, ea));
        IrRef b;
        if (!c->mode32) {
            b = fe_load(c, IR_I64, ea2);
        } else {                            /* 32-bit base; 24 bits with 66 */
            b = zext64(c, fe_load(c, IR_I32, ea2));
            if (c->insn->opsize == 2)
                b = and64(c, b, k64(c, 0xffffff));
        }
        ir_put(&c->b, limit, l);
        ir_put(&c->b, base, b);
    } else {
        fe_store(c, ea, trunc_to(c, 2, get64(c, limit)));
        fe_store(c, ea2, c->mode32 ? trunc_to(c, 4, get64(c, base)) : get64(c, base));
    }
    return true;
}

/* Write CR0 from v (I64), with the checks of mov to CR0 / lmsw. */
static void write_cr0(FeCtx *c, IrRef v)
{
    gp_if(c, nonzero(c, ir_op2(&c->b, IR_SHR, IR_I64, v, k64(c, 32))));
    IrRef old = get64(c, X86_OFF_SYS(cr0));
    IrRef changed = ir_op2(&c->b, IR_XOR, IR_I64, v, old);
    emulate_if(c, nonzero(c, and64(c, changed, k64(c, X86_CR0_PE | X86_CR0_PG))));
    ir_put(&c->b, X86_OFF_SYS(cr0), or64(c, v, k64(c, X86_CR0_ET)));
    sys_ctl(c, FE_CTL_CR0, old);            /* WP: the TLB's rights change */
}

/* 0F 01 /4 smsw, /6 lmsw, /7 invlpg, and F8 swapgs. */
static bool gen_GRP7(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned r = i->reg & 7;
    if (i->mod != 3 && r <= 3)
        return gen_DESC(c);
    switch (r) {
    case 4: {                                               /* smsw */
        IrRef cr0 = get64(c, X86_OFF_SYS(cr0));
        if (i->mod == 3)
            fe_put_gpr(c, i->rm, i->opsize, trunc_to(c, i->opsize, cr0));
        else
            fe_store(c, fe_ea(c), trunc_to(c, 2, cr0));
        return true;
    }
    case 6: {                                               /* lmsw: PE MP EM TS */
        need_cpl0(c);
        IrRef v = zext64(c, fe_load_rm(c, 2));
        IrRef old = get64(c, X86_OFF_SYS(cr0));
        IrRef low = and64(c, or64(c, v, and64(c, old, k64(c, X86_CR0_PE))), k64(c, 0xf));
        ir_put(&c->b, X86_OFF_SYS(cr0), or64(c, and64(c, old, k64(c, ~0xfull)), low));
        return true;
    }
    case 7:
        if (i->mod != 3) {                                  /* invlpg */
            need_cpl0(c);
            sys_ctl(c, FE_CTL_INVLPG, fe_ea(c));
            return flush_exit(c);
        }
        if (i->modrm == 0xf8) {                             /* swapgs */
            if (c->mode32)
                return gen_UD(c);                           /* 64-bit mode only */
            need_cpl0(c);
            IrRef gs = get64(c, X86_OFF_GS_BASE), k = get64(c, X86_OFF_SYS(kernel_gs_base));
            ir_put(&c->b, X86_OFF_GS_BASE, k);
            ir_put(&c->b, X86_OFF_SYS(kernel_gs_base), gs);
            return true;
        }
        if (i->modrm == 0xf9) {                             /* rdtscp */
            IrRef tsc = add64(c, add64(c, c->icount0, k64(c, c->insns)),
                              get64(c, X86_OFF_SYS(tsc_offset)));
            fe_put_gpr(c, X86_RAX, 4, trunc_to(c, 4, tsc));
            fe_put_gpr(c, X86_RDX, 4, trunc_to(c, 4, ir_op2(&c->b, IR_SHR, IR_I64, tsc, k64(c, 32))));
            fe_put_gpr(c, X86_RCX, 4, trunc_to(c, 4, get64(c, X86_OFF_SYS(tsc_aux))));
            return true;
        }
        return false;
    default:
        return false;
    }
}

/* 0F 00: sldt (0: no LDT), str, ltr (machine_cpu.c); lldt stops; verr/verw are not this
 * family's. */
static bool gen_GRP6(FeCtx *c)
{
    const X86Insn *i = c->insn;
    switch (i->reg & 7) {
    case 0: case 1: {
        IrRef sel = (i->reg & 7) == 1 ? get64(c, X86_OFF_SYS(tr_sel)) : k64(c, 0);
        if (i->mod == 3)
            fe_put_gpr(c, i->rm, i->opsize, trunc_to(c, i->opsize, sel));
        else
            fe_store(c, fe_ea(c), trunc_to(c, 2, sel));
        return true;
    }
    case 3:
        need_cpl0(c);
        sys_ctl(c, FE_CTL_LTR, zext64(c, fe_load_rm(c, 2)));
        return true;
    case 2:
        need_cpl0(c);
        return stop(c, FE_STOP_TASK);
    default:
        return false;
    }
}

/* 0F 20: mov r64, CRn; 0F 22: mov CRn, r64 (CR0 CR2 CR3 CR4 CR8; the rest are #UD, left to
 * gen_misc.c). */
static bool gen_MOVCR(FeCtx *c)
{
    const X86Insn *i = c->insn;
    uint32_t off;
    switch (i->reg) {
    case 0: off = X86_OFF_SYS(cr0); break;
    case 2: off = X86_OFF_SYS(cr2); break;
    case 3: off = X86_OFF_SYS(cr3); break;
    case 4: off = X86_OFF_SYS(cr4); break;
    case 8: off = X86_OFF_SYS(cr8); break;
    default: return false;
    }
    need_cpl0(c);
    if (i->opcode == 0x20) {
        if (c->mode32)
            fe_put_gpr(c, i->rm, 4, trunc_to(c, 4, get64(c, off)));
        else
            fe_put_gpr(c, i->rm, 8, get64(c, off));
        return true;
    }
    IrRef v = get_wide(c, i->rm);
    IrRef old = get64(c, off);
    IrRef changed = ir_op2(&c->b, IR_XOR, IR_I64, v, old);
    switch (i->reg) {
    case 0:
        write_cr0(c, v);
        return flush_exit(c);
    case 3:                         /* new tables: the machine flushes the TLB */
        sys_ctl(c, FE_CTL_CR3, v);
        return flush_exit(c);
    case 4: {
        const uint64_t known = 0x3f7fffull;                 /* bits 0-21 but 19 (KL) */
        gp_if(c, nonzero(c, and64(c, v, k64(c, ~known))));
        /* Another paging mode: the runtime's checks (machine_mode.c) */
        emulate_if(c, nonzero(c, and64(c, changed, k64(c, X86_CR4_PSE | X86_CR4_PAE |
                                                          X86_CR4_LA57 | X86_CR4_PCIDE))));
        ir_put(&c->b, off, v);
        sys_ctl(c, FE_CTL_CR4, old);                        /* PGE: globals go too */
        return flush_exit(c);
    }
    case 8:                         /* the local APIC's TPR: a lower one may unblock */
        gp_if(c, nonzero(c, and64(c, v, k64(c, ~0xfull))));
        request_event(c);
        break;
    default:
        break;
    }
    ir_put(&c->b, off, v);
    return true;
}

/* 0F 06: clts. */
static bool gen_CLTS(FeCtx *c)
{
    need_cpl0(c);
    IrRef cr0 = get64(c, X86_OFF_SYS(cr0));
    ir_put(&c->b, X86_OFF_SYS(cr0), and64(c, cr0, k64(c, ~(uint64_t)X86_CR0_TS)));
    return true;
}

/* 0F 30 wrmsr, 0F 32 rdmsr. */
static bool gen_MSR(FeCtx *c)
{
    bool wr = c->insn->opcode == 0x30;
    need_cpl0(c);
    fe_charge(c);                           /* the TSC MSR reads icount */
    IrRef st = c->opt->msr ? fe_call(c, c->opt->msr, k64(c, wr), IR_NONE, IR_NONE)
                           : fe_call(c, wr ? x86_helper_wrmsr : x86_helper_rdmsr, IR_NONE,
                                     IR_NONE, IR_NONE);
    gp_if(c, ir_cmp(&c->b, IR_EQ, st, k64(c, MSR_GP)));
    emulate_if(c, ir_cmp(&c->b, IR_EQ, st, k64(c, MSR_STOP_EFER)));   /* a mode change */
    if (!wr)
        return true;
    sys_ctl(c, FE_CTL_EFER, IR_NONE);       /* NXE: the TLB's rights change */
    return flush_exit(c);
}

/* 0F 31: rdtsc. */
static bool gen_RDTSC(FeCtx *c)
{
    IrRef tsc = add64(c, add64(c, c->icount0, k64(c, c->insns)), get64(c, X86_OFF_SYS(tsc_offset)));
    fe_put_gpr(c, X86_RAX, 4, trunc_to(c, 4, tsc));
    fe_put_gpr(c, X86_RDX, 4, trunc_to(c, 4, ir_op2(&c->b, IR_SHR, IR_I64, tsc, k64(c, 32))));
    return true;
}

/* 0F A2: cpuid with the system model. */
static bool gen_CPUID(FeCtx *c)
{
    IrRef leaf = fe_get_gpr(c, X86_RAX, 8), sub = fe_get_gpr(c, X86_RCX, 8);
    IrRef ab = fe_call(c, x86_helper_cpuid_system, leaf, sub, k64(c, 0));
    IrRef cd = fe_call(c, x86_helper_cpuid_system, leaf, sub, k64(c, 1));
    fe_put_gpr(c, X86_RAX, 4, trunc_to(c, 4, ab));
    fe_put_gpr(c, X86_RBX, 4, trunc_to(c, 4, ir_op2(&c->b, IR_SHR, IR_I64, ab, k64(c, 32))));
    fe_put_gpr(c, X86_RCX, 4, trunc_to(c, 4, cd));
    fe_put_gpr(c, X86_RDX, 4, trunc_to(c, 4, ir_op2(&c->b, IR_SHR, IR_I64, cd, k64(c, 32))));
    return true;
}

/* ================================================================ segments, far transfers */

/* 8C: mov r/m, Sreg. */
static bool gen_MOV_from_sreg(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned n = i->reg & 7;
    if (n > 5)
        return gen_UD(c);
    IrRef sel = get64(c, X86_OFF_SEG(n));
    if (i->mod == 3)
        fe_put_gpr(c, i->rm, i->opsize, trunc_to(c, i->opsize, sel));
    else
        fe_store(c, fe_ea(c), trunc_to(c, 2, sel));
    return true;
}

/* 8E: mov Sreg, r/m16 (not CS). */
static bool gen_MOV_to_sreg(FeCtx *c)
{
    unsigned n = c->insn->reg & 7;
    if (n == 1 || n > 5)
        return gen_UD(c);
    if (c->mode32)
        return emulate(c);                  /* the descriptor's base and attributes */
    ir_put(&c->b, X86_OFF_SEG(n), zext64(c, fe_load_rm(c, 2)));
    if (n == 2)
        c->shadow = 2;                      /* mov ss: the next instruction sets RSP */
    return true;
}

/* 0F A0/A8 push fs/gs, 0F A1/A9 pop fs/gs. */
static bool gen_PUSHPOP_sreg(FeCtx *c)
{
    uint8_t op = c->insn->opcode;
    unsigned n = op >= 0xa8 ? 5 : 4, size = c->insn->opsize;
    if (!(op & 1)) {
        fe_push(c, trunc_to(c, size, get64(c, X86_OFF_SEG(n))));
        return true;
    }
    if (c->mode32)
        return emulate(c);
    IrRef sp;
    IrRef v = zext64(c, fe_pop_load(c, size, &sp));
    fe_put_sp(c, sp);
    ir_put(&c->b, X86_OFF_SEG(n), and64(c, v, k64(c, 0xffff)));
    return true;
}

/* CA/CB retf, FF /3 call far, FF /5 jmp far, and 9A/EA (ptr16:32, 32-bit code), 07/17/1F
 * pop es/ss/ds (32-bit code): the new CS is a descriptor to read and check, and may be
 * another mode; the runtime does it all (machine_seg.c). */
static bool gen_FAR(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->opcode == 0xff && i->mod == 3)
        return gen_UD(c);
    return emulate(c);
}

/* ================================================================ dispatch */

typedef bool (*SysGen)(FeCtx *c);

static SysGen system_gen(const X86Insn *i)
{
    uint8_t op = i->opcode;
    if (i->vex)
        return NULL;
    if (i->map == X86_MAP_1B) {
        switch (op) {
        case 0xf4: return gen_HLT;
        case 0xfa: return gen_CLI;
        case 0xfb: return gen_STI;
        case 0x9c: return gen_PUSHF;
        case 0x9d: return gen_POPF;
        case 0xcf: return i->opsize == 2 ? NULL : gen_IRET;
        case 0xe4: case 0xe5: case 0xe6: case 0xe7:
        case 0xec: case 0xed: case 0xee: case 0xef:
            return gen_INOUT;
        case 0x6c: case 0x6d: case 0x6e: case 0x6f:
            return gen_INSOUTS;
        case 0xcc: case 0xcd: case 0xf1:
            return gen_INT;
        case 0x8c: return gen_MOV_from_sreg;
        case 0x8e: return gen_MOV_to_sreg;
        case 0xca: case 0xcb: return gen_FAR;
        case 0xff: return (i->reg & 7) == 3 || (i->reg & 7) == 5 ? gen_FAR : NULL;
        case 0x9a: case 0xea: case 0x07: case 0x17: case 0x1f:
        case 0xc4: case 0xc5:                               /* les, lds (not VEX here) */
            return i->mode == X86_MODE_32 ? gen_FAR : NULL;
        default:   return NULL;
        }
    }
    if (i->map == X86_MAP_0F) {
        switch (op) {
        case 0x00: return gen_GRP6;
        case 0x01: return gen_GRP7;
        case 0x05: case 0x07: return NULL;  /* see fe_gen_system */
        case 0x06: return gen_CLTS;
        case 0x08: case 0x09: return NULL;  /* see fe_gen_system */
        case 0x20: case 0x22: return gen_MOVCR;
        case 0x30: case 0x32: return gen_MSR;
        case 0x31: return gen_RDTSC;
        case 0xa2: return gen_CPUID;
        case 0xa0: case 0xa1: case 0xa8: case 0xa9: return gen_PUSHPOP_sreg;
        case 0xb2: case 0xb4: case 0xb5:                    /* lss, lfs, lgs */
            return i->mode == X86_MODE_32 ? gen_FAR : NULL;
        default:   return NULL;
        }
    }
    return NULL;
}

bool fe_gen_system(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map == X86_MAP_0F && !i->vex && !i->lock) {
        switch (i->opcode) {
        case 0x05: case 0x07: return gen_SYSCALL(c);
        case 0x34: case 0x35: return gen_SYSENTER(c);
        case 0x08: case 0x09:               /* invd, wbinvd: no caches to write back */
            need_cpl0(c);
            return true;
        default: break;
        }
    }
    SysGen gen = system_gen(i);
    if (!gen)
        return false;
    if (i->lock)
        return gen_UD(c);
    return gen(c);
}
