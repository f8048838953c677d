/* gen_misc.c — translation of the x86-64 miscellaneous instructions into IR: NOPs and hints,
 * syscall, cpuid, rdtsc, the flag instructions, and the instructions that trap in user mode.
 *
 * Contract: fe_gen_misc(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own, so the caller can ask another
 * family or deliver SIGILL. fe_register_helpers_misc() names this file's C helpers for logs.
 *
 * Coverage (64-bit mode):
 *   nops: 90 (without REX.B; with it, it is xchg r8, rAX in gen_mov.c), F3 90 pause (with any
 *     REX, as on hardware), 0F 19-1F the hint-NOP space (0F 1F /0 multi-byte nop, F3 0F 1E FA/FB
 *     endbr64/endbr32, and the CET/MPX/cldemote encodings that are NOPs while those features are
 *     off or absent), 0F 0D /1 prefetchw (a hint); 0F 18 and the fences are gen_sse.c's;
 *   0F 05 syscall (the runtime sets RCX and R11), 0F A2 cpuid (fe_cpuid's CPU model), 0F 31
 *     rdtsc (CLOCK_MONOTONIC nanoseconds, strictly increasing), 0F 01 F9 rdtscp (the same
 *     counter, and ECX = IA32_TSC_AUX = 0: one CPU, number 0);
 *   0F C7 /6 rdrand and /7 rdseed, register forms, 16/32/64-bit: random bits from the host's
 *     getrandom(2) (portable to every host), CF = 1; if the host has none to give right away
 *     (GRND_NONBLOCK fails) the destination is 0 and CF = 0, which is what the instructions
 *     report when their hardware source is exhausted. OF SF ZF AF PF are cleared either way.
 *     With F2 or F3 they are #UD, as on the host (F3 0F C7 /7 is rdpid, not in the CPU model);
 *   flags: 9C/9D pushf/popf (and the 66 forms), 9E/9F sahf/lahf, F5 cmc, F8/F9 clc/stc,
 *     FC/FD cld/std, CF iretq/iretd back to the same (user) privilege level;
 *   traps: 0F 0B ud2, 0F B9 ud1, 0F FF ud0, 0F 37 getsec, 0F AA rsm -> #UD;
 *     CC int3, F1 int1, CD ib int n; and the privileged ones (#GP in user mode; system mode
 *     translates them in gen_system.c, asked first): F4 hlt, FA/FB cli/sti,
 *     E4-E7/EC-EF in/out, 6C-6F ins/outs, 0F 00 grp6, 0F 01 descriptor-table/msw/invlpg/swapgs
 *     forms, 0F 06 clts, 0F 07 sysret, 0F 08/09 invd/wbinvd, 0F 20-23 mov cr/dr, 0F 30/32/33
 *     wrmsr/rdmsr/rdpmc, 0F 34/35 sysenter/sysexit.
 * Left out (the guest gets SIGILL, since the CPU model does not advertise them, unless another
 * family takes them): xgetbv/xsetbv, rdpid, monitor/mwait, clac/stac, VMX, RTM, PKU, SGX;
 * lar/lsl/verr/verw are not implemented (SIGILL). cmpxchg16b is gen_alu.c's.
 *
 * Signals, as Linux x86-64 reports them (checked against the host kernel):
 *   #UD -> SIGILL/ILL_ILLOPN at the instruction. #GP -> SIGSEGV/SI_KERNEL at the instruction.
 *   int3 (CC, and CD 03 whose gate is open to user mode) -> SIGTRAP/SI_KERNEL with the pc after
 *   the instruction. int1/icebp (F1) -> SIGTRAP/TRAP_BRKPT, pc after it. int 4 (CD 04, the
 *   overflow gate, open to user mode) -> SIGSEGV/SI_KERNEL, pc after it. Every other int n ->
 *   #GP -> SIGSEGV/SI_KERNEL at the instruction. That includes int 0x80: on Linux it is the
 *   32-bit system call entry when the kernel has IA32 emulation; ferry does not provide it and
 *   behaves as a kernel built without it. sysenter from 64-bit code is the same story.
 *   Privileged descriptor instructions: ferry models a CPU with UMIP on, so sgdt/sidt/sldt/
 *   str/smsw fault too (a Linux kernel may emulate some of them with dummy results).
 *
 * EFLAGS: the six arithmetic flags are lazy (fe_get_eflags / fe_set_flags); DF, NT, AC and ID
 * live in X86State.eflags_fixed, whose other bits are left as they are. An image of EFLAGS as
 * the guest reads it always has bit 1 and IF set, IOPL 0, and TF, RF, VM, VIF, VIP clear.
 * popf/iret change only what user mode may change: CF PF AF ZF SF OF DF NT AC ID (the 16-bit
 * forms only the low 16 bits of those). TF is not supported (single-stepping would need a trap
 * after the next instruction): it always reads 0 and setting it is ignored. AC is kept and read
 * back, but alignment checking is not enforced. No instruction here leaves a flag undefined.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>

#include "frontend-x86/fe_internal.h"

/* EFLAGS bits kept in eflags_fixed that user mode can change, and the bits that always read 1
 * (bit 1 and IF). */
#define FLAG_NT         (1u << 14)
#define USER_FIXED_BITS ((uint64_t)(X86_DF | FLAG_NT | X86_AC | X86_ID))
#define EFLAGS_ONES     ((uint64_t)(0x2 | X86_IF))
/* The flags SAHF writes and LAHF reads (SF ZF AF PF CF). */
#define AH_FLAGS        ((uint64_t)(X86_SF | X86_ZF | X86_AF | X86_PF | X86_CF))

/* Segment selectors of a Linux x86-64 user process (for iret's checks). */
#define SEL_USER_CS 0x33
#define SEL_USER_SS 0x2b

/* ================================================================ helpers (C) */

/* cpuid: fe_cpuid(leaf, subleaf); returns EBX:EAX when half is 0, EDX:ECX when it is 1. Two
 * calls with plain results keep every register write visible in the IR. */
static uint64_t x86_helper_cpuid(void *state, uint64_t leaf, uint64_t subleaf, uint64_t half)
{
    (void)state;
    uint32_t out[4];
    fe_cpuid((uint32_t)leaf, (uint32_t)subleaf, out);
    return half ? ((uint64_t)out[3] << 32 | out[2]) : ((uint64_t)out[1] << 32 | out[0]);
}

/* The last value rdtsc returned, shared by every guest thread of the process so the counter
 * never goes backwards or repeats, even between threads (documented process state). */
static _Atomic uint64_t tsc_last;

/* rdtsc: CLOCK_MONOTONIC in nanoseconds (about the rate of a real TSC), forced to be strictly
 * increasing. Portable C so it works on every host. */
static uint64_t x86_helper_rdtsc(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)state; (void)a0; (void)a1; (void)a2;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    uint64_t last = atomic_load_explicit(&tsc_last, memory_order_relaxed), v;
    do {
        v = now > last ? now : last + 1;
    } while (!atomic_compare_exchange_weak_explicit(&tsc_last, &last, v, memory_order_relaxed,
                                                    memory_order_relaxed));
    return v;
}

/* rdrand/rdseed: writes `size` random bytes to GPR `reg` with the x86 rules (16 bits merge,
 * 32 zero-extend) and returns CF: 1, or 0 with a destination of 0 when the host has no random
 * bytes ready. */
static uint64_t x86_helper_rdrand(void *state, uint64_t reg, uint64_t size, uint64_t a2)
{
    (void)a2;
    X86State *s = state;
    uint64_t v = 0;
    ssize_t got;
    do
        got = getrandom(&v, sizeof v, GRND_NONBLOCK);
    while (got < 0 && errno == EINTR);
    bool ok = got == (ssize_t)sizeof v;
    if (!ok)
        v = 0;
    uint64_t *r = &s->gpr[reg & 15];
    if (size == 2)
        *r = (*r & ~0xffffull) | (v & 0xffff);
    else
        *r = size == 4 ? (uint32_t)v : v;
    return ok;
}

void fe_register_helpers_misc(void)
{
    ir_helper_register(x86_helper_cpuid, "x86_cpuid");
    ir_helper_register(x86_helper_rdtsc, "x86_rdtsc");
    ir_helper_register(x86_helper_rdrand, "x86_rdrand");
    /* results as return values only: the state's registers stay (ir_sp_window) */
    ir_helper_keeps_gprs(x86_helper_cpuid);
    ir_helper_keeps_gprs(x86_helper_rdtsc);
}

/* ================================================================ small helpers (IR) */

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }
static IrRef and64(FeCtx *c, IrRef a, IrRef b) { return ir_op2(&c->b, IR_AND, IR_I64, a, b); }
static IrRef or64(FeCtx *c, IrRef a, IrRef b) { return ir_op2(&c->b, IR_OR, IR_I64, a, b); }

/* Leave the block with a signal whose reported pc is the next instruction (traps such as
 * int3, as opposed to faults, which fe_trap reports at the instruction itself). */
static void trap_after(FeCtx *c, int signo, int si_code)
{
    fe_flush_flags(c);
    ir_exit(&c->b, IR_NONE, c->next_pc, IR_EXIT_WORD(IR_EXIT_TRAP, signo, si_code));
    c->block_end = true;
}

static bool gen_GP(FeCtx *c)
{
    fe_trap(c, SIGSEGV, SI_KERNEL);
    return true;
}

static bool gen_UD(FeCtx *c)
{
    fe_trap(c, SIGILL, ILL_ILLOPN);
    return true;
}

static bool gen_NOP(FeCtx *c)
{
    (void)c;
    return true;
}

/* ================================================================ EFLAGS */

/* The arithmetic flags become `bits` (I64, only X86_ARITH_FLAGS set). */
static void set_arith(FeCtx *c, IrRef bits)
{
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, bits);
}

/* The bits of eflags_fixed under `mask` become those of v (I64); the others stay. */
static void set_fixed(FeCtx *c, uint64_t mask, IrRef v)
{
    IrRef old = ir_get(&c->b, IR_I64, X86_OFF_EFLAGS_FIXED);
    IrRef keep = and64(c, old, k64(c, ~mask));
    ir_put(&c->b, X86_OFF_EFLAGS_FIXED, or64(c, keep, and64(c, v, k64(c, mask))));
}

/* EFLAGS as the guest reads it (I64). */
static IrRef eflags_image(FeCtx *c)
{
    IrRef fixed = and64(c, ir_get(&c->b, IR_I64, X86_OFF_EFLAGS_FIXED), k64(c, USER_FIXED_BITS));
    return or64(c, or64(c, fe_get_eflags(c), fixed), k64(c, EFLAGS_ONES));
}

/* Load EFLAGS from an image of `size` bytes (zero-extended in v) as popf/iret do. */
static void load_eflags(FeCtx *c, IrRef v, unsigned size)
{
    uint64_t fixed = USER_FIXED_BITS;
    if (size == 2) fixed &= 0xffff;
    set_arith(c, and64(c, v, k64(c, X86_ARITH_FLAGS)));
    set_fixed(c, fixed, v);
}

/* 9C: pushf (8 bytes, or the low 16 bits with 66). */
static bool gen_PUSHF(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef v = eflags_image(c);
    if (size != 8) v = ir_op1(&c->b, IR_TRUNC, fe_type(size), v);
    IrRef sp = fe_sp_add(c, fe_get_sp(c), -(int64_t)size);
    fe_store(c, sp, v);
    fe_put_sp(c, sp);
    return true;
}

/* 9D: popf. */
static bool gen_POPF(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef sp = fe_get_sp(c);
    IrRef v = fe_load(c, fe_type(size), sp);
    if (size != 8) v = ir_op1(&c->b, IR_ZEXT, IR_I64, v);
    fe_put_sp(c, fe_sp_add(c, sp, size));
    load_eflags(c, v, size);
    return true;
}

/* 9E: sahf — SF ZF AF PF CF from AH (AH even with a REX prefix); OF is kept. */
static bool gen_SAHF(FeCtx *c)
{
    IrRef old = fe_get_eflags(c);
    IrRef ah = ir_op2(&c->b, IR_SHR, IR_I64, fe_get_gpr(c, X86_RAX, 8), k64(c, 8));
    IrRef bits = or64(c, and64(c, old, k64(c, X86_OF)), and64(c, ah, k64(c, AH_FLAGS)));
    set_arith(c, bits);
    return true;
}

/* 9F: lahf — AH = SF ZF 0 AF 0 PF 1 CF. */
static bool gen_LAHF(FeCtx *c)
{
    IrRef fl = or64(c, and64(c, fe_get_eflags(c), k64(c, AH_FLAGS)), k64(c, 0x2));
    IrRef rax = and64(c, fe_get_gpr(c, X86_RAX, 8), k64(c, ~(uint64_t)0xff00));
    rax = or64(c, rax, ir_op2(&c->b, IR_SHL, IR_I64, fl, k64(c, 8)));
    fe_put_gpr(c, X86_RAX, 8, rax);
    return true;
}

/* F5 cmc, F8 clc, F9 stc: only CF changes. */
static bool gen_CF_op(FeCtx *c)
{
    IrRef fl = fe_get_eflags(c), cf = k64(c, X86_CF);
    switch (c->insn->opcode) {
    case 0xf5: fl = ir_op2(&c->b, IR_XOR, IR_I64, fl, cf); break;
    case 0xf8: fl = and64(c, fl, k64(c, X86_ARITH_FLAGS & ~(uint64_t)X86_CF)); break;
    default:   fl = or64(c, fl, cf); break;
    }
    set_arith(c, fl);
    return true;
}

/* FC cld, FD std. */
static bool gen_DF_op(FeCtx *c)
{
    set_fixed(c, X86_DF, k64(c, c->insn->opcode == 0xfd ? X86_DF : 0));
    return true;
}

/* CF: iretq (REX.W) / iretd. In 64-bit mode both pop RIP, CS, RFLAGS, RSP and SS. Returning to
 * the same privilege level with the user selectors is what user code can do; any other
 * selector (a far return to 32-bit code, a bad one) is #GP here, as is NT = 1 (a task return).
 * The 16-bit form is #GP too (not supported). All loads happen before anything changes. */
static bool gen_IRET(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    if (size == 2) return gen_GP(c);
    IrRef sp = fe_get_gpr(c, X86_RSP, 8);
    IrRef v[5];
    for (unsigned n = 0; n < 5; n++) {
        IrRef addr = ir_op2(&c->b, IR_ADD, IR_I64, sp, k64(c, (uint64_t)n * size));
        v[n] = fe_load(c, fe_type(size), addr);
        if (size != 8) v[n] = ir_op1(&c->b, IR_ZEXT, IR_I64, v[n]);
    }
    IrRef sel = k64(c, 0xffff);
    IrRef bad_cs = ir_cmp(&c->b, IR_NE, and64(c, v[1], sel), k64(c, SEL_USER_CS));
    IrRef bad_ss = ir_cmp(&c->b, IR_NE, and64(c, v[4], sel), k64(c, SEL_USER_SS));
    IrRef nt = and64(c, ir_get(&c->b, IR_I64, X86_OFF_EFLAGS_FIXED), k64(c, FLAG_NT));
    IrRef bad_nt = ir_cmp(&c->b, IR_NE, nt, k64(c, 0));
    IrRef bad = ir_op2(&c->b, IR_OR, IR_I8, ir_op2(&c->b, IR_OR, IR_I8, bad_cs, bad_ss), bad_nt);
    fe_flush_flags(c);
    ir_exit_if(&c->b, bad, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
    load_eflags(c, v[2], size);
    fe_put_gpr(c, X86_RSP, 8, v[3]);
    fe_exit_indirect(c, v[0]);
    return true;
}

/* ================================================================ system instructions */

/* 0F 05: syscall. The runtime performs the call and sets RCX (return address) and R11. */
static bool gen_SYSCALL(FeCtx *c)
{
    fe_exit_syscall(c);
    return true;
}

/* 0F A2: cpuid — leaf EAX, subleaf ECX; writes EAX EBX ECX EDX, upper halves zeroed. */
static bool gen_CPUID(FeCtx *c)
{
    IrRef leaf = fe_get_gpr(c, X86_RAX, 8), sub = fe_get_gpr(c, X86_RCX, 8);
    IrRef ab = fe_call(c, x86_helper_cpuid, leaf, sub, k64(c, 0));
    IrRef cd = fe_call(c, x86_helper_cpuid, leaf, sub, k64(c, 1));
    IrRef hi_ab = ir_op2(&c->b, IR_SHR, IR_I64, ab, k64(c, 32));
    IrRef hi_cd = ir_op2(&c->b, IR_SHR, IR_I64, cd, k64(c, 32));
    fe_put_gpr(c, X86_RAX, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, ab));
    fe_put_gpr(c, X86_RBX, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, hi_ab));
    fe_put_gpr(c, X86_RCX, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, cd));
    fe_put_gpr(c, X86_RDX, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, hi_cd));
    return true;
}

/* 0F 31: rdtsc — EDX:EAX = the counter, each half zero-extended. */
static bool gen_RDTSC(FeCtx *c)
{
    IrRef t = fe_call(c, x86_helper_rdtsc, IR_NONE, IR_NONE, IR_NONE);
    IrRef hi = ir_op2(&c->b, IR_SHR, IR_I64, t, k64(c, 32));
    fe_put_gpr(c, X86_RAX, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, t));
    fe_put_gpr(c, X86_RDX, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, hi));
    return true;
}

/* 0F 01 F9: rdtscp — rdtsc, and ECX = TSC_AUX (0). */
static bool gen_RDTSCP(FeCtx *c)
{
    gen_RDTSC(c);
    fe_put_gpr(c, X86_RCX, 4, ir_const(&c->b, IR_I32, 0));
    return true;
}

/* 0F C7 /6 rdrand, /7 rdseed (register forms, no F2/F3): the helper writes the register; CF
 * is its answer, the other arithmetic flags 0. */
static bool gen_RDRAND(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->rep)
        return gen_UD(c);
    IrRef cf = fe_call(c, x86_helper_rdrand, k64(c, i->rm), k64(c, i->opsize), IR_NONE);
    set_arith(c, cf);
    return true;
}

/* CD ib: int n (see the file header for what Linux does with each vector). */
static bool gen_INT(FeCtx *c)
{
    switch (c->insn->imm & 0xff) {
    case 3:  trap_after(c, SIGTRAP, SI_KERNEL); return true;   /* #BP, as int3 */
    case 4:  trap_after(c, SIGSEGV, SI_KERNEL); return true;   /* #OF */
    default: return gen_GP(c);                                 /* closed gate: #GP */
    }
}

static bool gen_INT3(FeCtx *c)
{
    trap_after(c, SIGTRAP, SI_KERNEL);
    return true;
}

static bool gen_INT1(FeCtx *c)
{
    trap_after(c, SIGTRAP, TRAP_BRKPT);
    return true;
}

/* 0F 01 (group 7). Memory forms sgdt sidt lgdt lidt smsw lmsw invlpg, and the register forms
 * smsw/lmsw and swapgs, are #GP in user mode (UMIP on: see the header); rdtscp is translated.
 * The other register forms are not this family's. */
static bool gen_GRP7(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->mod != 3) return gen_GP(c);
    if (i->modrm == 0xf9) return gen_RDTSCP(c);                 /* rdtscp */
    if (i->modrm == 0xf8) return gen_GP(c);                     /* swapgs */
    unsigned r = i->reg & 7;
    if (r == 4 || r == 6) return gen_GP(c);                     /* smsw, lmsw */
    return false;
}

/* ================================================================ dispatch */

typedef bool (*MiscGen)(FeCtx *c);

/* The translator for c->insn, or NULL if it is not in this family. */
static MiscGen misc_gen(const X86Insn *i)
{
    uint8_t op = i->opcode;
    if (i->vex) return NULL;            /* VEX forms are gen_bmi.c's (or #UD) */
    if (i->map == X86_MAP_1B) {
        switch (op) {
        case 0x90:          /* nop; pause (F3 90) whatever REX says; xchg r8 is gen_mov's */
            return (i->rep == 0xf3 || !(i->rex & 1)) ? gen_NOP : NULL;
        case 0x9c: return gen_PUSHF;
        case 0x9d: return gen_POPF;
        case 0x9e: return gen_SAHF;
        case 0x9f: return gen_LAHF;
        case 0xcc: return gen_INT3;
        case 0xcd: return gen_INT;
        case 0xcf: return gen_IRET;
        case 0xf1: return gen_INT1;
        case 0xf5: case 0xf8: case 0xf9: return gen_CF_op;
        case 0xfc: case 0xfd: return gen_DF_op;
        case 0xf4:                                  /* hlt */
        case 0xfa: case 0xfb:                       /* cli, sti */
        case 0xe4: case 0xe5: case 0xe6: case 0xe7: /* in/out imm8 */
        case 0xec: case 0xed: case 0xee: case 0xef: /* in/out dx */
        case 0x6c: case 0x6d: case 0x6e: case 0x6f: /* ins, outs */
            return gen_GP;
        default:
            return NULL;
        }
    }
    if (i->map == X86_MAP_0F) {
        if (op >= 0x19 && op <= 0x1f) return gen_NOP;  /* hint NOPs, endbr64/32 */
        switch (op) {
        case 0x00: return gen_GP;                   /* sldt str lldt ltr verr verw */
        case 0x01: return gen_GRP7;
        case 0x05: return gen_SYSCALL;
        case 0x06: case 0x07: case 0x08: case 0x09: /* clts sysret invd wbinvd */
            return gen_GP;
        case 0x0b: return gen_UD;                   /* ud2 */
        case 0x0d: return gen_NOP;                  /* prefetchw (the decoder admits /1 m) */
        case 0x20: case 0x22:                       /* mov cr: a CR that does not exist */
            return (i->reg == 0 || i->reg == 2 || i->reg == 3 || i->reg == 4 || i->reg == 8)
                   ? gen_GP : gen_UD;               /* is #UD before the privilege check */
        case 0x21: case 0x23:                       /* mov dr: DR8-DR15 do not exist (#UD) */
            return i->reg < 8 ? gen_GP : gen_UD;
        case 0x30: case 0x32: case 0x33:            /* wrmsr rdmsr rdpmc */
        case 0x34: case 0x35:                       /* sysenter sysexit */
            return gen_GP;
        case 0x31: return gen_RDTSC;
        case 0x37: return gen_UD;                   /* getsec: SMX off */
        case 0xa2: return gen_CPUID;
        case 0xaa: return gen_UD;                   /* rsm outside SMM */
        case 0xb9: case 0xff: return gen_UD;        /* ud1, ud0 */
        case 0xc7:                                  /* grp9: rdrand, rdseed (rdpid: F3) */
            return i->mod == 3 && (i->reg & 7) >= 6 ? gen_RDRAND : NULL;
        default:   return NULL;
        }
    }
    return NULL;
}

bool fe_gen_misc(FeCtx *c)
{
    const X86Insn *i = c->insn;
    MiscGen gen = misc_gen(i);
    if (!gen) return false;
    /* LOCK is #UD on every instruction here (the decoder already says so). */
    if (i->lock) return gen_UD(c);
    return gen(c);
}
