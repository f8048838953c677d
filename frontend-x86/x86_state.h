/* x86_state.h — the guest CPU state of one x86-64 thread, as generated code sees it.
 *
 * Generated code reaches this struct through one pinned host register; IR GET/PUT name its
 * byte offsets (use offsetof / the X86_OFF_* macros). Flags are kept lazily: the last flag
 * producer's kind and operands (cc_op, cc_a, cc_b, cc_res) rather than EFLAGS bits, and are
 * turned into bits only when something reads them (x86_flags.c). DF and the other EFLAGS bits
 * that ALU instructions never change live apart in `eflags_fixed`.
 */
#ifndef FERRY_X86_STATE_H
#define FERRY_X86_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GPR numbers, in x86 encoding order (ModRM reg/rm with REX extension). */
enum {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* EFLAGS bits. */
enum {
    X86_CF = 1u << 0, X86_PF = 1u << 2, X86_AF = 1u << 4, X86_ZF = 1u << 6,
    X86_SF = 1u << 7, X86_TF = 1u << 8, X86_IF = 1u << 9, X86_DF = 1u << 10,
    X86_OF = 1u << 11, X86_AC = 1u << 18, X86_ID = 1u << 21,
};
#define X86_ARITH_FLAGS (X86_CF | X86_PF | X86_AF | X86_ZF | X86_SF | X86_OF)

/* Kinds of lazy flag producers (X86State.cc_op). Each kind names what cc_a, cc_b and cc_res
 * hold; SZ is the operand size in bytes (1, 2, 4, 8), encoded as X86_CC_<KIND>(size).
 *   ADD  a + b = res                   SUB  a - b = res (also CMP, NEG as 0 - b)
 *   ADC  a + b + cf = res              SBB  a - b - cf = res   (cf recovered from res)
 *   LOGIC res (a, b unused; CF=OF=0)   INC/DEC a -> res, b = previous CF (0 or 1)
 *   SHL/SHR/SAR a = value before, b = count (1..w-1 or more, never 0), res = result
 *   MUL  res = low half, b = 1 if the high half is significant (CF=OF=b), SF/ZF/PF from res
 *   EFLAGS  res holds the arithmetic flag bits themselves (after POPF, SAHF, rotates, ...)
 *   PCMPSTR pcmpistri's inline form (gen_pcmpistri.c): res = IntRes2, a = the string's
 *           zero-element mask, b = the set's; CF = res != 0, ZF = a != 0, SF = b != 0,
 *           OF = res bit 0, AF = PF = 0
 * Not every field is stored: x86_cc_fields below says which, x86_flags_compute derives the rest.
 * ORDER: size-less kinds are multiplied by 4 and the size index (0..3) added. */
typedef enum X86CcKind {
    X86_CCK_EFLAGS = 0, X86_CCK_ADD, X86_CCK_SUB, X86_CCK_ADC, X86_CCK_SBB, X86_CCK_LOGIC,
    X86_CCK_INC, X86_CCK_DEC, X86_CCK_SHL, X86_CCK_SHR, X86_CCK_SAR, X86_CCK_MUL, X86_CCK_PCMPSTR,
    X86_CCK_COUNT
} X86CcKind;
#define X86_CC_OP(kind, size) ((kind) * 4 + ((size) == 1 ? 0 : (size) == 2 ? 1 : (size) == 4 ? 2 : 3))
#define X86_CC_KIND(op)       ((X86CcKind)((op) / 4))
#define X86_CC_SIZE(op)       (1u << ((op) % 4))

/* The fields a producer of each kind stores in X86State (X86_CCF_* bits); the others are not
 * written and hold whatever an earlier producer left: every reader of the state's flags goes
 * through x86_flags_compute (x86_flags.c), which derives them from the stored ones.
 *   ADD, SUB: res = a +/- b        SHL, SHR, SAR: res = a shifted by b (as the instruction did)
 *   INC, DEC: a = res -/+ 1        LOGIC, EFLAGS: a and b unused     MUL: a unused
 * (A CMP's result then exists only in a block that reads its flags itself.) ADC and SBB need
 * all three: their carry-in is recovered from res. */
enum { X86_CCF_A = 1u << 0, X86_CCF_B = 1u << 1, X86_CCF_RES = 1u << 2 };
static inline unsigned x86_cc_fields(X86CcKind kind)
{
    switch (kind) {
    case X86_CCK_ADD: case X86_CCK_SUB:
    case X86_CCK_SHL: case X86_CCK_SHR: case X86_CCK_SAR:
        return X86_CCF_A | X86_CCF_B;
    case X86_CCK_INC: case X86_CCK_DEC: case X86_CCK_MUL:
        return X86_CCF_B | X86_CCF_RES;
    case X86_CCK_LOGIC: case X86_CCK_EFLAGS:
        return X86_CCF_RES;
    default:            /* ADC, SBB, PCMPSTR */
        return X86_CCF_A | X86_CCF_B | X86_CCF_RES;
    }
}

typedef union X86Xmm {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
    float s[4];
    double f[2];
} X86Xmm;

/* One x87 data register: the 80-bit value as in memory, padded to an FXSAVE slot. */
typedef struct X86Fpr {
    uint64_t sig;           /* significand with explicit integer bit */
    uint16_t se;            /* sign (bit 15) and biased exponent */
    uint16_t _pad[3];
} X86Fpr;

typedef struct X86State {
    uint64_t gpr[16];       /* RAX..R15 */
    uint64_t rip;           /* guest pc: the next instruction to run */
    uint64_t cc_op;         /* X86_CC_OP(kind, size) of the last flag producer */
    uint64_t cc_a, cc_b, cc_res; /* its operands and result (see X86CcKind) */
    uint64_t eflags_fixed;  /* EFLAGS bits outside X86_ARITH_FLAGS: DF, IF, ID, AC, bit 1 */
    uint64_t fs_base, gs_base;
    uint64_t mem_base;      /* host address of guest address 0, for C helpers */
    uint64_t mem_limit;     /* system mode: guest addresses from here up are outside RAM (C
                               helpers go through x86_host_ptr); 0 in user mode: no limit */
    X86Xmm xmm[16];         /* 16-byte aligned */
    uint32_t mxcsr;
    uint32_t _pad1;
    uint64_t insn_count;    /* guest instructions retired in helpers' view (stats only) */

    /* ---- x87 FPU (x87_helpers.c, gen_x87.c; arithmetic in x87_float.c) ----
     * fpr[p] is physical register Rp; ST(i) is fpr[(fpu_top + i) & 7]. Each slot is the m80
     * image (significand, then sign+exponent) padded to 16 bytes, the layout of an FXSAVE
     * register slot. The tag word is kept abridged (FXSAVE's form): the full tag of a
     * non-empty register follows from its contents whenever fnstenv/fnsave need it. */
    X86Fpr fpr[8];
    uint16_t fpu_cw;        /* control word (reset 0x037F) */
    uint16_t fpu_sw;        /* status word flags and C0-C3; TOP, ES and B are kept apart or
                               derived (ES = an unmasked exception flag is set) */
    uint8_t fpu_top;        /* TOP, 0..7 */
    uint8_t fpu_tag;        /* abridged tag word: bit p set = fpr[p] is not empty */
    uint16_t fpu_fop;       /* last opcode and FDP: updated only on unmasked exceptions (the
                               CPU model: FDP_EXCPTN_ONLY, no FOP compatibility), so they keep
                               what fldenv/frstor/fxrstor loaded (0 after reset or fninit) */
    uint64_t fpu_fip;       /* address of the last non-control x87 instruction (gen_x87.c) */
    uint64_t fpu_fdp;
    uint64_t fpu_scratch;   /* high 16 bits of an m80 store, from the helper to the IR store */

    /* ---- system mode (gen_system.c, frontend.h "System mode"; zero in user mode) ---- */
    uint64_t icount;        /* guest instructions retired, charged at each block exit */
    uint64_t icount_limit;  /* a block entered with icount >= icount_limit returns to the
                               runtime first (IR_EXIT_EVENT) */
    uint64_t tsc_offset;    /* TSC = icount + tsc_offset (wrmsr 0x10 moves it) */
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t gdt_base, idt_base;
    uint64_t gdt_limit, idt_limit;  /* 16-bit values */
    uint64_t seg[6];        /* selectors, by ModRM sreg number: ES CS SS DS FS GS */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux, pat;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;  /* MSRs 0x174-0x176 */
    uint64_t tr_sel, tr_base, tr_limit;     /* the task register (ltr): the 64-bit TSS */
    /* The soft MMU (frontend.h "System mode", runtime/machine_mmu.c). */
    uint64_t mmu_tlb;       /* host address of the X86TlbEntry[X86_TLB_SIZE] for the current
                               privilege level (supervisor or user), which generated code
                               probes before each guest access */
    uint64_t exc_vector;    /* an exception a helper raised (FE_SYS_EXC): vector, error code */
    uint64_t exc_err;       /* (bit 32 set: the vector has an error code) */
    uint64_t iret_frame[5]; /* iretq's popped RIP CS RFLAGS RSP SS, for its helper */
    /* C helpers' guest accesses in system mode (x86_host_ptr): the host address of n guest
     * bytes at linear address g, or the guard; NULL in user mode. */
    void *(*host_ptr)(struct X86State *s, uint64_t g, uint64_t n, bool write);

    /* ---- faults inside C helpers (fe_call_mem) ---- */
    uint64_t helper_pc;     /* while a helper that touches guest memory runs: the pc of the
                               instruction calling it, with every other register of the state
                               as the instruction found it, or as far as the helper got (rep);
                               0 otherwise. A host fault in the helper is then the guest's
                               fault at that instruction (runtime/fault.c) */

    /* ---- the guest limit (user mode; ir.h IrGuestInfo.guest_limit; zero: none) ---- */
    uint64_t guest_limit;   /* guest addresses from here up fault (helpers: x86_host_ptr) */
    uint64_t guest_bound;   /* guest_limit + IR_GUARD_BOUND: generated code's base check */
    uint64_t guest_sentinel;/* host address a failed check touches (IR_GUARD_SENTINEL) */
    uint64_t fault_addr;    /* the guest address of the fault at the sentinel */
} X86State;

/* The soft MMU's TLB, as generated code reads it (frontend.h "System mode"). Entry i holds
 * the translation of a 4 KiB page whose linear address has bits 12-19 = i: the page's linear
 * address in read (and in write, when writes may go straight to RAM), X86_TLB_INVALID where
 * not, and the addend that turns a linear address in the page into its physical one. */
#define X86_TLB_BITS 8
#define X86_TLB_SIZE (1u << X86_TLB_BITS)
#define X86_TLB_INVALID 1ull        /* never equal to a page address */
typedef struct X86TlbEntry {
    uint64_t read;          /* page linear address, or X86_TLB_INVALID */
    uint64_t write;         /* the same when a write may go straight to RAM (writable, dirty,
                               no translated code in the page) */
    uint64_t phys;          /* the page's physical address (the runtime's) */
    uint64_t addend;        /* physical = linear + addend */
} X86TlbEntry;
_Static_assert(sizeof(X86TlbEntry) == 32, "the frontend indexes the TLB with a shift of 5");
#define X86_TLB_OFF_READ   0
#define X86_TLB_OFF_WRITE  8
#define X86_TLB_OFF_ADDEND 24

#define X86_OFF_GPR(r)   ((uint32_t)(offsetof(X86State, gpr) + 8 * (r)))
#define X86_OFF_RIP      ((uint32_t)offsetof(X86State, rip))
#define X86_OFF_CC_OP    ((uint32_t)offsetof(X86State, cc_op))
#define X86_OFF_CC_A     ((uint32_t)offsetof(X86State, cc_a))
#define X86_OFF_CC_B     ((uint32_t)offsetof(X86State, cc_b))
#define X86_OFF_CC_RES   ((uint32_t)offsetof(X86State, cc_res))
#define X86_OFF_EFLAGS_FIXED ((uint32_t)offsetof(X86State, eflags_fixed))
#define X86_OFF_FS_BASE  ((uint32_t)offsetof(X86State, fs_base))
#define X86_OFF_GS_BASE  ((uint32_t)offsetof(X86State, gs_base))
#define X86_OFF_XMM(r, half) ((uint32_t)(offsetof(X86State, xmm) + 16 * (r) + 8 * (half)))
#define X86_OFF_MXCSR    ((uint32_t)offsetof(X86State, mxcsr))
#define X86_OFF_FPU_CW   ((uint32_t)offsetof(X86State, fpu_cw))
#define X86_OFF_FPU_FIP  ((uint32_t)offsetof(X86State, fpu_fip))
#define X86_OFF_FPU_SCRATCH ((uint32_t)offsetof(X86State, fpu_scratch))
#define X86_OFF_SYS(field) ((uint32_t)offsetof(X86State, field))
#define X86_OFF_HELPER_PC ((uint32_t)offsetof(X86State, helper_pc))
#define X86_OFF_SEG(n)   ((uint32_t)(offsetof(X86State, seg) + 8 * (n)))

/* EFLAGS.IF and the other system bits kept in eflags_fixed in system mode. */
enum { X86_IOPL = 3u << 12, X86_NT = 1u << 14 };
/* CR0 and CR4 bits the machine looks at. */
enum {
    X86_CR0_PE = 1u << 0, X86_CR0_MP = 1u << 1, X86_CR0_EM = 1u << 2, X86_CR0_TS = 1u << 3,
    X86_CR0_ET = 1u << 4, X86_CR0_NE = 1u << 5, X86_CR0_WP = 1u << 16, X86_CR0_PG = 1u << 31,
    X86_CR4_PSE = 1u << 4, X86_CR4_PAE = 1u << 5, X86_CR4_PGE = 1u << 7,
    X86_CR4_OSFXSR = 1u << 9, X86_CR4_OSXMMEXCPT = 1u << 10, X86_CR4_LA57 = 1u << 12,
    X86_CR4_PCIDE = 1u << 17,
};
#define X86_EFER_SCE (1ull << 0)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)

/* User mode: NULL when the n guest bytes at g lie below the guest limit (or there is none),
 * else the sentinel, with the first byte at or above the limit as the guest address of the
 * fault in fault_addr (ir.h IrGuestInfo.guest_limit; the runtime reports that address). */
static inline void *x86_limit_fault(const X86State *s, uint64_t g, uint64_t n)
{
    if (!s->guest_limit || (n <= s->guest_limit && g <= s->guest_limit - n))
        return NULL;
    ((X86State *)s)->fault_addr = g >= s->guest_limit ? g : s->guest_limit;
    return (void *)(uintptr_t)s->guest_sentinel;
}

/* The host address of the n guest bytes at g for a C helper: mem_base + g, or, in system mode
 * when any of them lies at or above mem_limit, the guard at mem_base + mem_limit, whose access
 * faults (frontend.h "System mode": no guest address reaches host memory outside RAM); in
 * user mode when any lies at or above guest_limit, the sentinel, with the guest address of
 * the fault in fault_addr (which the runtime reports). */
static inline void *x86_host_ptr_rw(const X86State *s, uint64_t g, uint64_t n, bool write)
{
    if (s->host_ptr)
        return s->host_ptr((X86State *)s, g, n, write);
    void *f = x86_limit_fault(s, g, n);
    if (f)
        return f;
    if (s->mem_limit && (n > s->mem_limit || g > s->mem_limit - n))
        g = s->mem_limit;
    return (void *)(uintptr_t)(s->mem_base + g);
}
/* For bytes the helper only reads; x86_host_ptr_rw(..., true) for bytes it (also) writes, so
 * that system mode checks write permission and reports a #PF with the W bit. */
static inline void *x86_host_ptr(const X86State *s, uint64_t g, uint64_t n)
{
    return x86_host_ptr_rw(s, g, n, false);
}

_Static_assert(offsetof(X86State, xmm) % 16 == 0, "XMM registers must be 16-byte aligned");

/* Full EFLAGS of a state (materialises the lazy flags). Defined in x86_flags.c. */
uint64_t x86_get_eflags(const X86State *s);
/* Set EFLAGS (arithmetic bits become an X86_CCK_EFLAGS producer, DF etc. go to eflags_fixed). */
void x86_set_eflags(X86State *s, uint64_t eflags);
/* Initialise a state as Linux does at execve: all zero, EFLAGS = 0x202, MXCSR = 0x1f80,
 * x87 as after FNINIT (FCW = 0x037F, every register empty, TOP = 0). */
void x86_state_init(X86State *s);

#endif /* FERRY_X86_STATE_H */
