/* regs.h — x86_64 host registers as the backend uses them: numbering, the pinned registers,
 * the scratch registers every op may clobber, the registers the allocator hands out, and the
 * host condition codes.
 *
 * Contract with the rest of the backend:
 *   r14  guest state pointer, pinned for the whole time generated code runs (set by the
 *        trampoline; GET/PUT/EXIT address it directly). Callee-saved, so helpers keep it.
 *   r15  guest base (host address of guest address 0), pinned, set by the trampoline only when
 *        IrGuestInfo.guest_base != 0; LOAD/STORE then address [r15 + addr]. When the base is 0
 *        guest addresses are host addresses and r15 is one more allocatable register.
 *   rsp  16-byte aligned inside a block: [rsp] is the trampoline's return address (the exit
 *        path), [rsp + 16 + 16*k] is spill slot k. Helper calls need no adjustment.
 *   rax, rcx, rdx and xmm0-xmm3 are scratch: any op may clobber them (rcx for shift counts,
 *        rdx:rax for MUL/IMUL), so the allocator never gives them out.
 *   rbx, rbp, r12, r13 hold pinned guest GPRs (x64_pins) when IrGuestInfo has them.
 *   Everything else except rsp is allocatable; the caller-saved ones (rsi, rdi, r8-r11,
 *        xmm4-xmm15) are saved around CALL.
 */
#ifndef FERRY_X64_REGS_H
#define FERRY_X64_REGS_H

#include <stdint.h>

/* GPR numbers in encoding order (ModRM/SIB fields with the REX extension bit). */
typedef enum X64Reg {
    X64_RAX = 0, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
    X64_NOREG = 0xff,
} X64Reg;

/* XMM registers use the same 0-15 numbering in the ModRM fields. */
enum { X64_XMM0 = 0, X64_XMM1, X64_XMM2, X64_XMM3, X64_XMM4 };

#define X64_REG_STATE       X64_R14
#define X64_REG_GUEST_BASE  X64_R15

/* Pinned guest GPRs (codegen_pin.c): guest register number (IrGuestInfo's GPR fields, the
 * guest's numbering) -> host register, for the guest registers below n_gprs. Callee-saved
 * host registers, so a helper call leaves them alone. Chosen by a count over the bench
 * programs run natively (perf samples per instruction, weighted by the registers each
 * names, push/pop/call/ret counting as rsp): rax 17.6, rdx 10.9, rsp 9.5, rdi 8.0, rsi 7.1,
 * rbx 7.0, rcx 6.6, rbp 4.9, r12 2.8, the rest below 2.6. */
typedef struct X64PinMap { uint8_t guest, host; } X64PinMap;
static const X64PinMap x64_pins[] = {
    { 0, X64_RBX },     /* guest rax */
    { 2, X64_RBP },     /* guest rdx */
    { 4, X64_R12 },     /* guest rsp */
    { 7, X64_R13 },     /* guest rdi */
};
#define X64_N_PINS ((unsigned)(sizeof x64_pins / sizeof x64_pins[0]))

/* Registers the allocator hands out, in order of preference. Callee-saved ones come first:
 * they survive helper calls without save/restore code. r15 only when the guest base is 0, and
 * none that holds a pinned guest register (x64_gpr_allocatable). */
static const X64Reg x64_alloc_gprs[] = {
    X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R15, X64_RSI, X64_RDI, X64_R8, X64_R9, X64_R10,
    X64_R11,
};
#define X64_N_ALLOC_GPRS ((unsigned)(sizeof x64_alloc_gprs / sizeof x64_alloc_gprs[0]))
/* XMM registers xmm4..xmm15 are allocatable; all XMM registers are caller-saved in SysV. */
#define X64_FIRST_ALLOC_XMM 4
#define X64_N_XMM 16

/* SysV: registers a called C function may clobber. */
static inline int x64_gpr_caller_saved(unsigned r)
{
    return r == X64_RAX || r == X64_RCX || r == X64_RDX || r == X64_RSI || r == X64_RDI ||
           (r >= X64_R8 && r <= X64_R11);
}

/* Condition codes in encoding order (Jcc = 0x70 + cc, SETcc/CMOVcc = 0x0F 0x90/0x40 + cc).
 * ORDER: inverse pairs, so (cc ^ 1) negates cc. */
typedef enum X64Cond {
    X64_CC_O = 0, X64_CC_NO, X64_CC_B, X64_CC_AE, X64_CC_E, X64_CC_NE, X64_CC_BE, X64_CC_A,
    X64_CC_S, X64_CC_NS, X64_CC_P, X64_CC_NP, X64_CC_L, X64_CC_GE, X64_CC_LE, X64_CC_G,
} X64Cond;

#endif /* FERRY_X64_REGS_H */
