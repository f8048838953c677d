/* regs.h — aarch64 host registers as the backend uses them: numbering, the pinned registers,
 * the scratch registers every op may clobber, the registers the allocator hands out, and the
 * host condition codes.
 *
 * Contract with the rest of the backend (AAPCS64 names in brackets):
 *   x28  guest state pointer, pinned for the whole time generated code runs (set by the
 *        trampoline; GET/PUT/EXIT address it directly). Callee-saved, so helpers keep it.
 *   x27  guest base (host address of guest address 0), pinned, set by the trampoline only when
 *        IrGuestInfo.guest_base != 0; LOAD/STORE then address [x27 + addr]. When the base is 0
 *        guest addresses are host addresses and x27 is never read.
 *   x30  [LR] holds nothing while block code runs: helper calls (blr) and exits (bl of the
 *        shared exit routine, abi.c) overwrite it; the epilogue address is at [sp].
 *   sp   16-byte aligned inside a block: [sp] holds the epilogue address, [sp + 8] the host
 *        FPCR, [sp + 16 + 16*k] is spill slot k (codegen.h).
 *   x29  [FP] the trampoline's frame pointer; never written by block code.
 *   x18  [platform register; an ordinary caller-saved register to gcc on Linux] with a guest
 *        limit (IrGuestInfo.guest_limit, no guest base), the limit probe's address
 *        (IrGuestInfo.limit_probe), which the limit checks load from: set by the trampoline
 *        and again after each helper call (a64_probe_live). Never written otherwise.
 *   x13-x17 and v0-v5 are scratch: any op may clobber them (x16/x17 [IP0/IP1] for results,
 *        constants and addresses), so the allocator never gives them out.
 *   Allocatable: x19-x26 (callee-saved: they survive helper calls), then x0-x12; v6-v31.
 *        While GPRs are pinned: x29 and (without a guest base) x27, then x0-x4. x29 is then
 *        no frame pointer inside generated code (the trampoline saved the host's).
 *        The caller-saved ones (x0-x12, every vector register: AAPCS64 keeps only the low 64
 *        bits of v8-v15, and V128 values need all 128) are saved around CALL.
 *   Pinned (IrGuestInfo.n_gprs != 0; DESIGN.md section 3): guest GPR i lives in
 *        a64_pin_gprs[i] while generated code runs: x19-x26 for GPRs 0-7 (callee-saved: a
 *        helper that only reads the state leaves them), x5-x12 for GPRs 8-15. Those are then
 *        not allocatable, which leaves x0-x4 (codegen_pin.c has the rest of the contract).
 */
#ifndef FERRY_A64_REGS_H
#define FERRY_A64_REGS_H

/* GPR numbers as the encodings name them. 31 is SP or XZR/WZR, by instruction. */
typedef enum A64Reg {
    A64_X0 = 0, A64_X1, A64_X2, A64_X3, A64_X4, A64_X5, A64_X6, A64_X7,
    A64_X8, A64_X9, A64_X10, A64_X11, A64_X12, A64_X13, A64_X14, A64_X15,
    A64_X16, A64_X17, A64_X18, A64_X19, A64_X20, A64_X21, A64_X22, A64_X23,
    A64_X24, A64_X25, A64_X26, A64_X27, A64_X28, A64_X29, A64_X30,
    A64_SP = 31, A64_ZR = 31,
} A64Reg;

#define A64_REG_STATE       A64_X28
#define A64_REG_GUEST_BASE  A64_X27
#define A64_REG_FP          A64_X29
#define A64_REG_LR          A64_X30
#define A64_REG_PROBE       A64_X18

/* Scratch GPRs (codegen.c gives each a role: results, operands, addresses). */
#define A64_TMP0 A64_X16
#define A64_TMP1 A64_X17

/* Scratch vector registers. */
enum { A64_V0 = 0, A64_V1, A64_V2, A64_V3, A64_V4, A64_V5 };

/* Registers the allocator hands out, in order of preference. Callee-saved ones come first:
 * they survive helper calls without save/restore code. */
static const A64Reg a64_alloc_gprs[] = {
    A64_X29, A64_X27,   /* [FP] and the guest base: only while pinned, x27 only without a
                           guest base (codegen.c, reg_usable) */
    A64_X19, A64_X20, A64_X21, A64_X22, A64_X23, A64_X24, A64_X25, A64_X26,
    A64_X9, A64_X10, A64_X11, A64_X12, A64_X8, A64_X7, A64_X6, A64_X5, A64_X4,
    A64_X3, A64_X2, A64_X1, A64_X0,
};
#define A64_N_ALLOC_GPRS ((unsigned)(sizeof a64_alloc_gprs / sizeof a64_alloc_gprs[0]))
/* Vector registers v6..v31 are allocatable. */
#define A64_FIRST_ALLOC_VREG 6
#define A64_N_VREGS 32

/* Host register of guest GPR i while pinned (the trampoline's STP/LDP pairs take GPRs 2k and
 * 2k + 1 together, so pairs are consecutive registers). */
#define A64_MAX_PINS 16
static const A64Reg a64_pin_gprs[A64_MAX_PINS] = {
    A64_X19, A64_X20, A64_X21, A64_X22, A64_X23, A64_X24, A64_X25, A64_X26,
    A64_X5, A64_X6, A64_X7, A64_X8, A64_X9, A64_X10, A64_X11, A64_X12,
};

static inline int a64_is_pin_reg(unsigned r)
{
    return (r >= A64_X5 && r <= A64_X12) || (r >= A64_X19 && r <= A64_X26);
}

/* AAPCS64: GPRs a called C function may clobber (x0-x17; x18 is never used). */
static inline int a64_gpr_caller_saved(unsigned r) { return r <= A64_X17; }

/* Condition codes in encoding order. ORDER: inverse pairs, so (cc ^ 1) negates cc. */
typedef enum A64Cond {
    A64_CC_EQ = 0, A64_CC_NE, A64_CC_HS, A64_CC_LO, A64_CC_MI, A64_CC_PL, A64_CC_VS, A64_CC_VC,
    A64_CC_HI, A64_CC_LS, A64_CC_GE, A64_CC_LT, A64_CC_GT, A64_CC_LE, A64_CC_AL, A64_CC_NV,
} A64Cond;

#endif /* FERRY_A64_REGS_H */
