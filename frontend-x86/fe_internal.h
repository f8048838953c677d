/* fe_internal.h — what the x86 translators share: the translation context, operand access,
 * lazy flags and block exits. Private to frontend-x86/.
 *
 * Translation functions are split by family (gen_alu.c, gen_mov.c, gen_branch.c,
 * gen_string.c, gen_misc.c, gen_sse.c). Each family exports one entry `fe_gen_<family>` that
 * returns true if it translated the instruction and false if the opcode is not its own (or not
 * implemented), in which case the next family is asked; if none takes it the guest gets SIGILL.
 * Inside a family, functions are named after mnemonics (gen_ADD, gen_PCMPEQB, ...).
 *
 * Flags: x86 instructions report their flag effect with fe_set_flags (producer kind, size and
 * IR operands); nothing is computed until a reader asks. fe_cond derives a condition straight
 * from the producer when it is known in this block (cmp a,b; jl -> one IR compare), otherwise
 * from the materialised EFLAGS. Before anything that leaves the block or calls a helper, the
 * producer is written to X86State.cc_* (fe_flush_flags) so the next block can read it.
 */
#ifndef FERRY_FE_INTERNAL_H
#define FERRY_FE_INTERNAL_H

#include "ir/ir.h"
#include "frontend-x86/frontend.h"
#include "frontend-x86/x86_decode.h"
#include "frontend-x86/x86_state.h"

/* The lazy flag producer as the translator currently knows it. */
typedef struct FeFlags {
    bool known;         /* op/a/b/res are IR values of this block; false: they are in X86State */
    bool dirty;         /* known and not yet written to X86State */
    unsigned op;        /* X86_CC_OP(kind, size), valid when known */
    IrRef a, b, res;    /* operands and result, of the producer's integer type (IR_NONE if the
                           kind does not use them) */
} FeFlags;

typedef struct FeCtx {
    IrBuilder b;            /* builder on the block being translated */
    const X86Insn *insn;    /* the instruction being translated */
    uint64_t pc;            /* its guest address */
    uint64_t next_pc;       /* pc + len */
    FeFlags cc;             /* lazy flags */
    FeFlags cc_start;       /* the producer as this instruction began: what X86State must hold
                               if one of its loads or stores faults (fe_flags_before_access) */
    FeFlags cc_fault;       /* the producer the last FKEEPs of the cc_* fields describe, while
                               their ranges last (no PUT of the fields or CALL since) */
    uint32_t insn_ir;       /* index of this instruction's INSN_START in the IR */
    bool cc_start_done;     /* a fault in this instruction finds cc_start stored */
    bool block_end;         /* set by translators that leave the block (branches, traps, ...) */
    FeFetchFn fetch;        /* the block's code fetcher, for looking at successors */
    void *fetch_opaque;
    /* System mode (frontend.h "System mode"). */
    const FeOptions *opt;   /* the options of this translation (never NULL) */
    bool system;            /* opt->system */
    bool mode32;            /* opt->mode == X86_MODE_32: 32-bit code segment, ESP stack */
    IrRef icount0;          /* X86State.icount as the block began */
    unsigned insns;         /* guest instructions of the block so far, this one included */
    unsigned shadow;        /* 2 after sti / mov ss: the block ends after the next one */
    /* Atomic read-modify-write (fe_lock.c): the instruction is locked and its memory operand's
     * load and store are not seen yet (lock), then the operand's address and loaded value. */
    bool lock;
    IrRef lock_addr, lock_old;
} FeCtx;

/* ---- integer registers (sizes in bytes: 1, 2, 4, 8) ---- */

/* Value of GPR `reg` at `size`; for size 1 without REX, regs 4-7 are AH, CH, DH, BH. */
IrRef fe_get_gpr(FeCtx *c, int reg, unsigned size);
/* Write with x86 rules: size 4 zero-extends into the full register; sizes 1 and 2 merge. */
void fe_put_gpr(FeCtx *c, int reg, unsigned size, IrRef v);

/* ---- ModRM operands of the current instruction ---- */

/* Effective address (I64) of the memory operand: base + index*scale + disp (RIP-relative
 * resolved), truncated to 32 bits under the 67 prefix, plus the FS/GS base on an override. */
IrRef fe_ea(FeCtx *c);
/* Its parts: the offset base + index*scale + disp wrapped to the address size, without a
 * segment base (what LEA computes; `rsp`, when not IR_NONE, stands in for RSP as the base, as
 * pop m needs); the FS/GS base added to an offset; an offset wrapped to the address size. */
IrRef fe_ea_offset(FeCtx *c, IrRef rsp);
IrRef fe_seg_linear(FeCtx *c, IrRef offset);
IrRef fe_addr_size(FeCtx *c, IrRef a);
/* The r/m operand (register or memory) at `size`. */
IrRef fe_load_rm(FeCtx *c, unsigned size);
void fe_store_rm(FeCtx *c, unsigned size, IrRef v);
/* The ModRM.reg operand at `size` (a GPR). */
IrRef fe_load_reg(FeCtx *c, unsigned size);
void fe_store_reg(FeCtx *c, unsigned size, IrRef v);
/* Guest memory access at `addr` (I64) of integer or vector type t. */
IrRef fe_load(FeCtx *c, IrType t, IrRef addr);
void fe_store(FeCtx *c, IrRef addr, IrRef v);

/* ---- the stack (64-bit stack pointer, ESP in 32-bit mode; 16-bit pushes with 66) ---- */

/* The stack pointer as I64 (ESP zero-extended in 32-bit mode, where the machine allows only
 * 32-bit stack segments), a new value written back (wrapped to 32 bits there), and
 * sp + delta at the stack-pointer size. */
IrRef fe_get_sp(FeCtx *c);
void fe_put_sp(FeCtx *c, IrRef sp);
IrRef fe_sp_add(FeCtx *c, IrRef sp, int64_t delta);
/* The size of a near return address, of call's push and ret's pop: 8, or the operand size
 * (4, 2 with 66) in 32-bit mode. */
unsigned fe_near_size(const FeCtx *c);

/* Push v at its own width (2 or 8 bytes): the store comes before the RSP update, so a fault
 * leaves RSP intact. */
void fe_push(FeCtx *c, IrRef v);
/* Load the top of the stack at `size`; *new_sp receives RSP + size. Nothing is written: the
 * caller writes RSP and then the destination (so pop rsp ends with the popped value). */
IrRef fe_pop_load(FeCtx *c, unsigned size, IrRef *new_sp);

/* ---- constants and helpers ---- */
static inline IrRef fe_imm(FeCtx *c, unsigned size, uint64_t v)
{
    return ir_const(&c->b, ir_int_type(size), v);
}
static inline IrType fe_type(unsigned size) { return ir_int_type(size); }

/* Call a C helper (flushes lazy flags first, since helpers may read or change them). */
IrRef fe_call(FeCtx *c, IrHelperFn fn, IrRef a0, IrRef a1, IrRef a2);
/* fe_call for a helper that accesses guest memory: X86State.helper_pc holds the instruction's
 * pc during the call, so a fault in the helper is precise (the state is exact at a CALL: the
 * flags and KEEPs of the earlier instructions are stored). The helper must leave the state as
 * the instruction found it up to the access that faults (rep: as far as it got). In system
 * mode icount is stored too (the instructions before this one), since the machine may leave
 * the block from the helper to deliver a #PF (machine_mmu.c helper_ptr). */
IrRef fe_call_mem(FeCtx *c, IrHelperFn fn, IrRef a0, IrRef a1, IrRef a2);

/* ---- flags ---- */

void fe_set_flags(FeCtx *c, X86CcKind kind, unsigned size, IrRef a, IrRef b, IrRef res);
/* x86 condition code 0..15 (O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G) -> I8. */
IrRef fe_cond(FeCtx *c, unsigned x86cc);
/* Current CF as I8 0/1. */
IrRef fe_get_cf(FeCtx *c);
/* All arithmetic flag bits (X86_ARITH_FLAGS positions) as I64. */
IrRef fe_get_eflags(FeCtx *c);
/* Write the producer to X86State if dirty (called by exits and fe_call). */
void fe_flush_flags(FeCtx *c);
/* Before a guest load or store (fe_load, fe_store): a fault there must find in X86State the
 * producer of the instructions before this one, so describe cc_start with FKEEPs if it is
 * dirty (ir.h, "Precise faults"). At most once per instruction, and not again while earlier
 * FKEEPs of the same producer still hold. */
void fe_flags_before_access(FeCtx *c);
/* Forget the producer: the flags are whatever X86State.cc_* holds now (after a helper that
 * wrote them there). The caller must have flushed before the helper ran (fe_call does). */
void fe_flags_invalidate(FeCtx *c);
/* True if the code at pc (on the page being translated) overwrites every arithmetic flag
 * before it reads any or can fault: a direct exit to pc then need not store the flags. */
bool fe_flags_dead_at(FeCtx *c, uint64_t pc);

/* Store the producer the instruction started with if it is dirty (a retry exit to the
 * instruction itself must find it in the state, not only in fix-ups). */
void fe_flags_store_start(FeCtx *c);
/* The same as KEEPs (deferred: stored only by a taken exit before the next PUT of the
 * fields), for the MMU's exits to the instruction itself (fe_ops.c). */
void fe_flags_keep_start(FeCtx *c);
/* System mode: leave at the start of this instruction when cond holds, with exit word
 * `word`, the state as the instruction found it (fe_ops.c). */
void fe_exit_restart(FeCtx *c, IrRef cond, int64_t word);
#define FE_SYS_TRAP(code) IR_EXIT_WORD(IR_EXIT_TRAP, 0, (code))

/* ---- atomic read-modify-write (fe_lock.c) ---- */

/* At each instruction: is it atomic (LOCK, or xchg with memory)? */
void fe_lock_begin(FeCtx *c, bool locked);
/* From fe_load / fe_store: true if they took the access (the locked load is recorded, the
 * locked store becomes a compare-and-swap that retries the instruction when it fails). */
bool fe_lock_load(FeCtx *c, IrRef addr, IrRef v);
bool fe_lock_store(FeCtx *c, IrRef addr, IrRef v);
/* cmpxchg8b's 16-byte form, atomically: RAX/RDX updated in the state; returns ZF (I64). */
IrRef fe_lock_cmpxchg16b(FeCtx *c, IrRef addr);

/* ---- leaving the block ---- */

void fe_exit_jump(FeCtx *c, uint64_t target);         /* ends the block */
void fe_exit_indirect(FeCtx *c, IrRef target);        /* ends the block */
/* A RET's exit: indirect, hinted so the return stack may predict it (ir/backend.h). */
void fe_exit_return(FeCtx *c, IrRef target);          /* ends the block */
/* A CALL's return site at pc (IR RETPUSH), emitted just before the CALL's exit; sp is the
 * stack pointer before the push (the one the RET leaves: the return stack's key). */
void fe_return_site(FeCtx *c, uint64_t pc, IrRef sp);
void fe_exit_cond(FeCtx *c, IrRef cond, uint64_t target); /* side exit; the block goes on */
void fe_exit_syscall(FeCtx *c);                       /* ends the block; resumes at next_pc */
void fe_trap(FeCtx *c, int signo, int si_code);       /* ends the block; guest pc = this insn */
/* System mode: icount = the block's start + the instructions so far (every exit does it; an
 * I/O helper needs it current before it runs). No-op in user mode. */
void fe_charge(FeCtx *c);

/* ---- instruction families ---- */

bool fe_gen_alu(FeCtx *c);      /* add..cmp, test, inc/dec/neg/not, shifts, mul/div, ... */
bool fe_gen_mov(FeCtx *c);      /* mov, movzx/movsx, lea, xchg, push/pop, cbw family, cmov, setcc */
bool fe_gen_branch(FeCtx *c);   /* jmp, jcc, call, ret, loop family */
bool fe_gen_string(FeCtx *c);   /* movs, stos, lods, scas, cmps with rep prefixes */
bool fe_gen_misc(FeCtx *c);     /* nop, syscall, cpuid, rdtsc, flags insns, ud2, int3, hlt */
bool fe_gen_sse(FeCtx *c);      /* SSE/SSE2 moves, logic, integer and scalar FP */
bool fe_gen_sse_approx(FeCtx *c); /* rcpps/rcpss/rsqrtps/rsqrtss (measured tables) */
bool fe_gen_mmx(FeCtx *c);      /* MMX, and the SSE moves/conversions between mm and xmm */
bool fe_gen_x87(FeCtx *c);      /* x87 FPU: escapes D8-DF and fwait */
bool fe_gen_bmi(FeCtx *c);      /* BMI1/BMI2 (VEX-encoded GPR instructions), adcx/adox */
bool fe_gen_ssse3(FeCtx *c);    /* SSE3, SSSE3 (xmm and mm forms), maskmovdqu */
bool fe_gen_sse41(FeCtx *c);    /* SSE4.1 (66 0F 38 / 66 0F 3A) */
bool fe_gen_sse42(FeCtx *c);    /* SSE4.2 (pcmpXstrX, pcmpgtq, crc32), AES-NI, pclmulqdq */
bool fe_gen_system(FeCtx *c);   /* system mode only, asked first: privileged instructions */
bool fe_gen_legacy(FeCtx *c);   /* 32-bit mode only, asked next: the opcodes that are i64 */

/* Register helpers with names for logs (each family file that has helpers provides one). */
void fe_register_helpers_core(void);    /* fe_flags.c, frontend.c */
void fe_register_helpers_alu(void);     /* gen_alu.c */
void fe_register_helpers_string(void);  /* gen_string.c */
void fe_register_helpers_misc(void);    /* gen_misc.c */
void fe_register_helpers_sse(void);     /* x86_sse_helpers.c */
void fe_register_helpers_x87(void);     /* x87_helpers.c */
void fe_register_helpers_bmi(void);     /* gen_bmi.c */
void fe_register_helpers_ssse3(void);   /* x86_ssse3_helpers.c */
void fe_register_helpers_sse41(void);   /* x86_sse41_helpers.c */
void fe_register_helpers_sse42(void);   /* x86_sse42_helpers.c */
void fe_register_helpers_aes(void);     /* x86_aes_helpers.c */
void fe_register_helpers_approx(void);  /* x86_approx_helpers.c */
void fe_register_helpers_system(void);  /* gen_system.c */
void fe_register_helpers_lock(void);    /* fe_lock.c */

#endif /* FERRY_FE_INTERNAL_H */
