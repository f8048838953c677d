/* sigframe.c — the x86-64 Linux signal frame: built on the guest stack for a handler, read
 * back by rt_sigreturn. The layout and every rule follow arch/x86/kernel/signal.c,
 * signal_64.c and fpu/signal.c; guest_abi.h has the structures.
 *
 * Placement (get_sigframe): from the interrupted rsp, skip the 128-byte red zone; with
 * SA_ONSTACK and an alternate stack the thread is not already on, start at its top instead.
 * The 512-byte FXSAVE image goes below, 64-byte aligned; the frame below that, placed so that
 * rsp + 8 is 16-byte aligned at the handler's first instruction (as after a call). A frame
 * that would leave the alternate stack it is on or enters is not written: -EFAULT, the
 * kernel's "overflowed sigaltstack".
 *
 * Contents (__setup_rt_frame): pretcode = sa_restorer (x86-64 has no kernel fallback: without
 * SA_RESTORER the frame fails), uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS (an FXSAVE
 * image, no XSAVE header), uc_stack = the alternate stack as recorded, uc_mcontext = every
 * register in the kernel's order with EFLAGS materialised from the lazy flags, cs/ss of user
 * mode, the last trap's number, error code and cr2, oldmask and uc_sigmask = the mask to
 * restore, then siginfo. Handler entry: rdi = signo, rsi = &info, rdx = &uc, rax = 0,
 * rsp = frame, rip = handler; DF and TF cleared; the FPU and SSE state reset to the
 * initial state (fpu__clear_user_states: XMM zero, MXCSR 0x1f80, x87 as after FNINIT).
 *
 * rt_sigreturn (signal_64.c): the frame is at rsp - 8 (the handler's ret popped pretcode).
 * Every general register and rip come back as the handler left them in the ucontext (it may
 * change any, rip included); of EFLAGS only the bits user code may change (AC OF DF TF SF ZF
 * AF PF CF RF); the FPU from the image (none: the initial state), MXCSR with its reserved bits
 * cleared; the mask from uc_sigmask; the alternate stack from uc_stack (errors ignored, as
 * restore_altstack does). fs_base and gs_base are not part of the frame and stay.
 */
#include <errno.h>
#include <string.h>
#include "frontend-x86/x87_helpers.h"       /* the FXSAVE image's x87 part, FNINIT */
#include "runtime/rt.h"

#define SIGBIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(9) | SIGBIT(19))        /* SIGKILL, SIGSTOP */

/* EFLAGS bits rt_sigreturn takes from the frame (FIX_EFLAGS). */
#define FIX_EFLAGS (X86_AC | X86_OF | X86_DF | X86_TF | X86_SF | X86_ZF | X86_AF | X86_PF | \
                    X86_CF | (1u << 16) /* RF */)
/* MXCSR bits that may be set (the MXCSR_MASK fxsave reports). */
#define MXCSR_FEATURE_MASK 0xffffu

enum { FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_XMM0 = 160 };

/* Where each X86State GPR goes in uc_mcontext.gregs. */
static const uint8_t greg_of[16] = {
    [X86_RAX] = GUEST_REG_RAX, [X86_RCX] = GUEST_REG_RCX, [X86_RDX] = GUEST_REG_RDX,
    [X86_RBX] = GUEST_REG_RBX, [X86_RSP] = GUEST_REG_RSP, [X86_RBP] = GUEST_REG_RBP,
    [X86_RSI] = GUEST_REG_RSI, [X86_RDI] = GUEST_REG_RDI, [X86_R8] = GUEST_REG_R8,
    [X86_R9] = GUEST_REG_R9, [X86_R10] = GUEST_REG_R10, [X86_R11] = GUEST_REG_R11,
    [X86_R12] = GUEST_REG_R12, [X86_R13] = GUEST_REG_R13, [X86_R14] = GUEST_REG_R14,
    [X86_R15] = GUEST_REG_R15,
};

/* ---------------------------------------------------------------- alternate stack */

/* on_sig_stack: sp lies in the alternate stack (never with SS_AUTODISARM, which disarms it
 * while a handler runs on it). */
static bool on_alt_stack(const RtThread *t, uint64_t sp)
{
    if (t->altstack_flags & GUEST_SS_AUTODISARM)
        return false;
    return sp > t->altstack_sp && sp - t->altstack_sp <= t->altstack_size;
}

/* sas_ss_flags: SS_DISABLE without an alternate stack, SS_ONSTACK on it, else 0. */
static int alt_stack_state(const RtThread *t, uint64_t sp)
{
    if (!t->altstack_size)
        return GUEST_SS_DISABLE;
    return on_alt_stack(t, sp) ? GUEST_SS_ONSTACK : 0;
}

/* ---------------------------------------------------------------- FPU image */

static void fpu_save(const X86State *s, uint8_t *fx)
{
    memset(fx, 0, GUEST_FXSAVE_SIZE);
    /* The helper writes at guest address + mem_base: hand it the host buffer that way, with
     * the guest limit lifted (the buffer is ferry's, above it). */
    X86State *w = (X86State *)s;
    uint64_t lim = w->guest_limit;
    w->guest_limit = 0;
    x87_h_fxsave(w, (uint64_t)(uintptr_t)fx - s->mem_base, 1, 0);
    w->guest_limit = lim;
    uint32_t mx = s->mxcsr, mask = MXCSR_FEATURE_MASK;
    memcpy(fx + FX_MXCSR, &mx, 4);
    memcpy(fx + FX_MXCSR_MASK, &mask, 4);
    memcpy(fx + FX_XMM0, s->xmm, sizeof s->xmm);
}

static void fpu_load(X86State *s, const uint8_t *fx)
{
    uint64_t lim = s->guest_limit;    /* ferry's buffer: as in fpu_save */
    s->guest_limit = 0;
    x87_h_fxrstor(s, (uint64_t)(uintptr_t)fx - s->mem_base, 1, 0);
    s->guest_limit = lim;
    uint32_t mx;
    memcpy(&mx, fx + FX_MXCSR, 4);
    s->mxcsr = mx & MXCSR_FEATURE_MASK;
    memcpy(s->xmm, fx + FX_XMM0, sizeof s->xmm);
}

/* The state a handler starts with, and rt_sigreturn without an image: x87 as after FNINIT,
 * MXCSR 0x1f80, every XMM register zero. */
static void fpu_init(X86State *s)
{
    memset(s->fpr, 0, sizeof s->fpr);
    x87_h_misc(s, X87U_FNINIT, 0, 0);
    s->mxcsr = 0x1f80;
    memset(s->xmm, 0, sizeof s->xmm);
}

/* ---------------------------------------------------------------- delivery */

int rt_sigframe_push(RtThread *t, int sig, const GuestSiginfo *info, const RtSigAction *act,
                     uint64_t oldmask)
{
    RtProcess *p = t->proc;
    X86State *s = &t->state;
    if (!(act->flags & GUEST_SA_RESTORER))
        return -EFAULT;

    uint64_t rsp = s->gpr[X86_RSP];
    bool nested = on_alt_stack(t, rsp), entering = false;
    uint64_t sp = rsp - GUEST_REDZONE;
    if ((act->flags & GUEST_SA_ONSTACK) && alt_stack_state(t, sp) == 0) {
        sp = t->altstack_sp + t->altstack_size;
        entering = true;
    }
    uint64_t fp = (sp - GUEST_FXSAVE_SIZE) & ~63ull;
    uint64_t frame = ((fp - sizeof(GuestRtSigframe)) & ~15ull) - 8;
    bool frame_on_alt = frame > t->altstack_sp && frame - t->altstack_sp <= t->altstack_size;
    if ((nested || entering) && !frame_on_alt)
        return -EFAULT;

    _Alignas(16) uint8_t fx[GUEST_FXSAVE_SIZE];
    fpu_save(s, fx);

    GuestRtSigframe f;
    memset(&f, 0, sizeof f);
    f.pretcode = act->restorer;
    f.uc.uc_flags = GUEST_UC_SIGCONTEXT_SS | GUEST_UC_STRICT_RESTORE_SS;
    f.uc.uc_stack.ss_sp = t->altstack_sp;
    f.uc.uc_stack.ss_flags = (int32_t)t->altstack_flags;
    f.uc.uc_stack.ss_size = t->altstack_size;
    GuestMcontext *mc = &f.uc.uc_mcontext;
    for (unsigned r = 0; r < 16; r++)
        mc->gregs[greg_of[r]] = s->gpr[r];
    mc->gregs[GUEST_REG_RIP] = s->rip;
    mc->gregs[GUEST_REG_EFL] = x86_get_eflags(s);
    mc->gregs[GUEST_REG_CSGSFS] = GUEST_USER_CS | (uint64_t)GUEST_USER_DS << 48;
    mc->gregs[GUEST_REG_ERR] = t->trap_err;
    mc->gregs[GUEST_REG_TRAPNO] = t->trap_nr;
    mc->gregs[GUEST_REG_OLDMASK] = oldmask;
    mc->gregs[GUEST_REG_CR2] = t->trap_cr2;
    mc->fpstate = fp;
    f.uc.uc_sigmask = oldmask;
    f.info = *info;

    if (rt_copy_to_guest(p, fp, fx, sizeof fx) < 0 || rt_copy_to_guest(p, frame, &f, sizeof f) < 0)
        return -EFAULT;

    s->gpr[X86_RDI] = (uint64_t)sig;
    s->gpr[X86_RSI] = frame + offsetof(GuestRtSigframe, info);
    s->gpr[X86_RDX] = frame + offsetof(GuestRtSigframe, uc);
    s->gpr[X86_RAX] = 0;
    s->gpr[X86_RSP] = frame;
    s->rip = act->handler;
    x86_set_eflags(s, x86_get_eflags(s) & ~(uint64_t)(X86_DF | X86_TF | (1u << 16)));
    fpu_init(s);
    return 0;
}

/* ---------------------------------------------------------------- rt_sigreturn */

int rt_sigframe_pop(RtThread *t)
{
    RtProcess *p = t->proc;
    X86State *s = &t->state;
    uint64_t handler_sp = s->gpr[X86_RSP], frame = handler_sp - 8;
    GuestRtSigframe f;
    if (rt_copy_from_guest(p, &f, frame, sizeof f) < 0)
        return -EFAULT;
    const GuestMcontext *mc = &f.uc.uc_mcontext;
    _Alignas(16) uint8_t fx[GUEST_FXSAVE_SIZE];
    if (mc->fpstate && rt_copy_from_guest(p, fx, mc->fpstate, sizeof fx) < 0)
        return -EFAULT;

    for (unsigned r = 0; r < 16; r++)
        s->gpr[r] = mc->gregs[greg_of[r]];
    s->rip = mc->gregs[GUEST_REG_RIP];
    uint64_t fl = x86_get_eflags(s);
    x86_set_eflags(s, (fl & ~(uint64_t)FIX_EFLAGS) | (mc->gregs[GUEST_REG_EFL] & FIX_EFLAGS));
    if (mc->fpstate)
        fpu_load(s, fx);
    else
        fpu_init(s);

    t->sigmask = f.uc.uc_sigmask & ~UNBLOCKABLE;

    /* restore_altstack: do_sigaltstack's rules, errors squashed. Linux refuses (silently)
     * when the alternate stack the handler left in place holds the handler's stack pointer
     * (measured on Linux 6.18: the check sees the handler's rsp, not the restored one). */
    const GuestStack *ss = &f.uc.uc_stack;
    uint32_t mode = (uint32_t)ss->ss_flags & ~GUEST_SS_AUTODISARM;
    if (!on_alt_stack(t, handler_sp) &&
        (mode == 0 || mode == GUEST_SS_ONSTACK || mode == GUEST_SS_DISABLE)) {
        if (mode == GUEST_SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = (uint32_t)ss->ss_flags;
        } else if (ss->ss_size >= GUEST_MINSIGSTKSZ) {
            t->altstack_sp = ss->ss_sp;
            t->altstack_size = ss->ss_size;
            t->altstack_flags = (uint32_t)ss->ss_flags;
        }
    }
    return 0;
}
