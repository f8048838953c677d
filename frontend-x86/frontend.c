/* frontend.c — the frontend's entry points: block translation, the CPU model, the guest
 * description (frontend.h).
 *
 * fe_translate_block runs the decode -> translate loop. For each instruction it emits
 * INSN_START and asks the families in turn (mov, alu, branch, string, misc, sse); the first
 * that recognises the instruction translates it. Nothing in here knows an opcode.
 *
 * Block boundaries: a block ends at an instruction that leaves it (the family says so through
 * FeCtx.block_end), at the instruction limit, and before an instruction that would reach into
 * another page than the block's first byte (so a block's code lies on one page, which is what
 * invalidation on writes will track); the first instruction may straddle a page. With
 * FeOptions.superblocks a forward jcc or jmp does not end the block (gen_branch.c): a block is
 * then a run of code with side exits, and its guest bytes (guest_len) run from its first
 * instruction to the end of its last, jumped-over bytes included.
 *
 * Failures never stop translation: an undecodable or untranslatable instruction becomes a
 * trap exit at its pc (SIGILL; SIGSEGV for unreadable code or an instruction over 15 bytes),
 * reported in FeResult so the runtime can say why under -d. State is exact at the trap because
 * every earlier instruction of the block is complete.
 */
#include <signal.h>
#include <string.h>

#include "frontend-x86/fe_internal.h"

#define FE_DEFAULT_MAX_INSNS 64
#define FE_PAGE_SIZE 4096ull

/* ---------------------------------------------------------------- status messages */

static const char *const status_message[FE_STATUS_COUNT] = {
    [FE_OK]            = "ok",
    [FE_UNDECODABLE]   = "undecodable instruction (#UD)",
    [FE_UNIMPLEMENTED] = "instruction not implemented by ferry",
    [FE_FETCH_FAULT]   = "instruction bytes not readable",
};

const char *fe_status_message(FeStatus s)
{
    return (unsigned)s < FE_STATUS_COUNT ? status_message[s] : "unknown frontend status";
}

/* ---------------------------------------------------------------- set-up */

void fe_init(void)
{
    fe_register_helpers_core();
    fe_register_helpers_alu();
    fe_register_helpers_string();
    fe_register_helpers_misc();
    fe_register_helpers_sse();
    fe_register_helpers_x87();
    fe_register_helpers_bmi();
    fe_register_helpers_ssse3();
    fe_register_helpers_sse41();
    fe_register_helpers_sse42();
    fe_register_helpers_aes();
    fe_register_helpers_approx();
    fe_register_helpers_system();
    fe_register_helpers_lock();
}

IrGuestInfo fe_guest_info(uint64_t guest_base)
{
    return (IrGuestInfo){ .pc_offset = X86_OFF_RIP, .state_size = sizeof(X86State),
                          .guest_base = guest_base, .fenv = true, .fenv_offset = X86_OFF_MXCSR,
                          .gpr_offset = 0, .n_gprs = 16 };
}

/* ---------------------------------------------------------------- translation */

typedef bool (*FeFamily)(FeCtx *c);

/* Most frequent first. Families never claim each other's opcodes, so the order only costs
 * time, never meaning. */
static const FeFamily families[] = {
    fe_gen_mov, fe_gen_alu, fe_gen_branch, fe_gen_misc, fe_gen_string, fe_gen_bmi,
    fe_gen_sse_approx, fe_gen_sse,
    fe_gen_mmx, fe_gen_ssse3, fe_gen_x87, fe_gen_sse41, fe_gen_sse42,
};

/* End the block with a trap for the instruction at c->pc. */
static void fail(FeCtx *c, FeResult *res, FeStatus st, const X86Insn *in, int sig, int code)
{
    res->status = st;
    res->bad_pc = c->pc;
    if (in)
        res->bad_insn = *in;
    fe_trap(c, sig, code);
}

void fe_translate_block(IrBlock *blk, uint64_t pc, FeFetchFn fetch, void *opaque,
                        const FeOptions *opt, FeResult *res)
{
    ir_block_reset(blk, pc);
    memset(res, 0, sizeof *res);
    unsigned max = opt && opt->max_insns ? opt->max_insns : FE_DEFAULT_MAX_INSNS;
    if (opt && opt->single_step)
        max = 1;

    static const FeOptions user_mode;
    FeCtx c;
    memset(&c, 0, sizeof c);
    ir_builder_init(&c.b, blk);
    c.b.forward = true;     /* the passes then need not fold the block again */
    c.fetch = fetch;
    c.fetch_opaque = opaque;
    c.opt = opt ? opt : &user_mode;
    c.system = c.opt->system;
    c.mode32 = c.opt->mode == X86_MODE_32;
    uint64_t page = pc & ~(FE_PAGE_SIZE - 1);
    unsigned n = 0;
    if (c.system) {
        /* Back to the runtime first when it asked for control (frontend.h). */
        c.icount0 = ir_get(&c.b, IR_I64, X86_OFF_SYS(icount));
        IrRef limit = ir_get(&c.b, IR_I64, X86_OFF_SYS(icount_limit));
        ir_exit_if(&c.b, ir_cmp(&c.b, IR_GEU, c.icount0, limit), pc,
                   IR_EXIT_WORD(IR_EXIT_EVENT, 0, 0));
    }

    for (;;) {
        c.pc = pc;
        c.insn = NULL;
        uint8_t bytes[15];
        size_t got = fetch(opaque, pc, bytes, sizeof bytes);
        X86Insn in;
        X86DecodeStatus ds = x86_decode_mode(bytes, got, pc, (X86Mode)c.opt->mode, &in);
        bool first = n == 0;
        uint64_t end = ds == X86_DEC_OK ? pc + in.len - 1 : pc;
        /* The instruction in an interrupt shadow stays in the block, whatever the limits. */
        bool shadowed = c.shadow == 1 && ds == X86_DEC_OK;
        if (!first && !shadowed &&
            (n >= max || (end & ~(FE_PAGE_SIZE - 1)) != page || ds != X86_DEC_OK)) {
            /* Leave the next instruction to a block of its own: it starts there with exact
             * state (and, if it is bad, traps there with its own status). */
            fe_exit_jump(&c, pc);
            break;
        }
        c.next_pc = pc + (ds == X86_DEC_OK ? in.len : 1);
        n++;
        c.insns = n;
        if (ds != X86_DEC_OK) {
            ir_insn_start(&c.b, pc, got ? 1 : 0);
            if (ds == X86_DEC_TRUNCATED && got < sizeof bytes)
                fail(&c, res, FE_FETCH_FAULT, NULL, SIGSEGV, SEGV_MAPERR);
            else if (ds == X86_DEC_TOO_LONG)
                fail(&c, res, FE_UNDECODABLE, NULL, SIGSEGV, SI_KERNEL);
            else
                fail(&c, res, FE_UNDECODABLE, NULL, SIGILL, ILL_ILLOPN);
            break;
        }
        c.insn = &in;
        c.insn_ir = blk->n;
        ir_insn_start(&c.b, pc, in.len);
        c.cc_start = c.cc;
        c.cc_start_done = false;
        fe_lock_begin(&c, in.lock);
        bool done = c.system && fe_gen_system(&c);
        if (!done && c.mode32)
            done = fe_gen_legacy(&c);
        for (size_t i = 0; i < sizeof families / sizeof families[0] && !done; i++)
            done = families[i](&c);
        if (!done) {        /* families that decline emit nothing */
            fail(&c, res, FE_UNIMPLEMENTED, &in, SIGILL, ILL_ILLOPN);
            break;
        }
        if (c.block_end)
            break;
        if (c.shadow && --c.shadow == 0) {
            /* The shadow is over: leave, so the runtime can take a pending interrupt. */
            fe_exit_jump(&c, c.next_pc);
            break;
        }
        pc = c.next_pc;
    }
    blk->guest_insns = n;
    blk->guest_len = (uint32_t)(c.next_pc - blk->guest_pc);
    ir_builder_fini(&c.b);
}

/* ---------------------------------------------------------------- system mode stops */

static const char *const sys_stop_message[FE_STOP_COUNT] = {
    [FE_STOP_RING3]   = "a far return or jump to another privilege level: not supported yet",
    [FE_STOP_SYSCALL] = "sysret to compatibility mode (without REX.W): not supported yet",
    [FE_STOP_TASK]    = "lldt or a task return (NT): local descriptor tables and task switches are not "
                        "supported yet",
};

const char *fe_sys_stop_message(unsigned reason)
{
    return reason < FE_STOP_COUNT ? sys_stop_message[reason] : "unknown machine stop";
}

/* ---------------------------------------------------------------- the CPU model */

/* The CPU ferry presents: an Intel-style family 6 CPU with the x86-64 baseline features that
 * ferry implements, plus the scalar extensions it implements too (POPCNT, LZCNT, BMI1, BMI2,
 * ADX, MOVBE, CX16, RDRAND, RDSEED, RDTSCP), and nothing else, so programs never pick code
 * paths ferry cannot run.
 * MMX is advertised although its instructions are not implemented yet (they raise SIGILL):
 * it is part of the x86-64 baseline, and glibc's ld.so refuses to load a shared libc.so.6
 * marked "ISA needed: x86-64-baseline" ("CPU ISA level is lower than required") on a CPU
 * without it; compilers never emit MMX for x86-64 code on their own. Leaf 2 says "see leaf 4"
 * and leaf 4 describes a plausible cache hierarchy, which glibc uses to size its copy loops. */
#define CPUID_MAX_BASIC    7u
#define CPUID_MAX_EXTENDED 0x80000008u

static void put_str(uint32_t *regs, const char *s12)
{
    memcpy(regs, s12, 12);
}

void fe_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    uint32_t a = 0, b = 0, c = 0, d = 0;
    static const char brand[48] = "ferry x86-64 virtual CPU";
    switch (leaf) {
    case 0: {
        a = CPUID_MAX_BASIC;
        uint32_t v[3];
        put_str(v, "GenuineIntel");
        b = v[0]; d = v[1]; c = v[2];
        break;
    }
    case 1:
        a = 0x000306a9;                         /* family 6, model 0x3a, stepping 9 */
        b = 1u << 16;                           /* 1 logical cpu; no clflush line size:
                                                   CLFSH is not advertised */
        c = (1u << 0)   /* SSE3 */ | (1u << 1) /* PCLMULQDQ */ | (1u << 9) /* SSSE3 */ |
            (1u << 13)  /* CX16 (cmpxchg16b) */ | (1u << 19) /* SSE4.1 */ |
            (1u << 20)  /* SSE4.2 */ | (1u << 22) /* MOVBE */ | (1u << 23) /* POPCNT */ |
            (1u << 25)  /* AES */ | (1u << 30) /* RDRAND */;
        d = (1u << 0)   /* FPU */  |
            (1u << 4)   /* TSC */  | (1u << 8)  /* CX8 */  | (1u << 15) /* CMOV */ |
            (1u << 23)  /* MMX */  |
            (1u << 24)  /* FXSR */ | (1u << 25) /* SSE */  | (1u << 26) /* SSE2 */;
        break;
    case 2:
        a = 0x0000ff01;                         /* one round, descriptor 0xff: use leaf 4 */
        break;
    case 4: {
        /* type (1 data, 2 code, 3 unified), level, ways, line, sets */
        static const uint32_t caches[4][5] = {
            { 1, 1, 8, 64, 64 }, { 2, 1, 8, 64, 64 }, { 3, 2, 8, 64, 512 }, { 3, 3, 16, 64, 8192 },
        };
        if (subleaf < 4) {
            const uint32_t *k = caches[subleaf];
            a = k[0] | (k[1] << 5) | (1u << 8);  /* self-initialising */
            b = (k[2] - 1) << 22 | (k[3] - 1);
            c = k[4] - 1;
        }
        break;
    }
    case 7:                                     /* structured extended features */
        if (subleaf == 0)                       /* EAX = 0: no further subleaves */
            b = (1u << 3)  /* BMI1 */ | (1u << 6) /* FDP_EXCPTN_ONLY */ | (1u << 8) /* BMI2 */ |
                (1u << 13) /* FCS/FDS deprecated */ | (1u << 18) /* RDSEED */ |
                (1u << 19) /* ADX */;
        break;
    case 0x80000000:
        a = CPUID_MAX_EXTENDED;
        break;
    case 0x80000001:
        c = (1u << 0)  /* LAHF/SAHF in 64-bit mode */ | (1u << 5) /* ABM: lzcnt */;
        d = (1u << 11) /* SYSCALL */ | (1u << 20) /* NX */ | (1u << 27) /* RDTSCP */ |
            (1u << 29) /* LM */;
        break;
    case 0x80000002: case 0x80000003: case 0x80000004: {
        uint32_t v[4];
        memcpy(v, brand + 16 * (leaf - 0x80000002), 16);
        a = v[0]; b = v[1]; c = v[2]; d = v[3];
        break;
    }
    case 0x80000008:
        a = 0x3030;                             /* 48 physical and 48 linear address bits */
        break;
    default:
        break;                                  /* unsupported leaves read as zero */
    }
    out[0] = a; out[1] = b; out[2] = c; out[3] = d;
}

void fe_cpuid_system(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    fe_cpuid(leaf, subleaf, out);
    if (leaf == 1) {
        out[3] |= (1u << 3) /* PSE */ | (1u << 5) /* MSR */ | (1u << 6) /* PAE */ |
                  (1u << 9) /* APIC */ |
                  (1u << 11) /* SEP: sysenter, sysexit */ | (1u << 13) /* PGE */ | (1u << 16) /* PAT */;
        out[2] |= (1u << 21) /* x2APIC */ | (1u << 24) /* TSC-deadline */;
    }
}
