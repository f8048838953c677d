/* native_harness.c — the native execution stub and fault catcher (see native_harness.h). */
#include "tests/common/native_harness.h"

#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

/* ================================================================ the stub */

/* Slots the stub keeps between entering the code and coming back (the code owns every
 * register meanwhile). Not reentrant: one native run at a time per process. */
uint64_t nh_state, nh_code, nh_host_rsp, nh_guest_rsp;
extern char nh_return[];

/* The guest RDI is loaded last and parked on the host stack while the other registers are
 * stored; RFLAGS is taken by the first pushfq after the code, and nothing between the code's
 * last instruction and that pushfq changes the flags (mov only). */
__asm__(
    ".text\n"
    ".globl native_run\n"
    ".type native_run, @function\n"
    "native_run:\n"
    "  push %rbp\n  push %rbx\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  sub $8, %rsp\n  stmxcsr (%rsp)\n"
    "  mov %rdi, nh_state(%rip)\n  mov %rsi, nh_code(%rip)\n"
    "  cmpl $0, 140(%rdi)\n"
    "  je 2f\n"
    "  fxrstor 400(%rdi)\n"
    "  jmp 3f\n"
    "2:\n"
    "  fninit\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fninit\n"
    "3:\n"
    "  movdqu 144(%rdi), %xmm0\n  movdqu 160(%rdi), %xmm1\n  movdqu 176(%rdi), %xmm2\n"
    "  movdqu 192(%rdi), %xmm3\n  movdqu 208(%rdi), %xmm4\n  movdqu 224(%rdi), %xmm5\n"
    "  movdqu 240(%rdi), %xmm6\n  movdqu 256(%rdi), %xmm7\n  movdqu 272(%rdi), %xmm8\n"
    "  movdqu 288(%rdi), %xmm9\n  movdqu 304(%rdi), %xmm10\n  movdqu 320(%rdi), %xmm11\n"
    "  movdqu 336(%rdi), %xmm12\n  movdqu 352(%rdi), %xmm13\n  movdqu 368(%rdi), %xmm14\n"
    "  movdqu 384(%rdi), %xmm15\n"
    "  ldmxcsr 136(%rdi)\n"
    "  mov 32(%rdi), %rax\n"
    "  test %rax, %rax\n"
    "  jnz 1f\n"
    "  mov %rsp, %rax\n"
    "1:\n"
    "  mov %rax, nh_guest_rsp(%rip)\n"
    "  pushq 128(%rdi)\n  popfq\n"
    "  mov %rsp, nh_host_rsp(%rip)\n"
    "  mov nh_guest_rsp(%rip), %rsp\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
    "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
    "  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 56(%rdi), %rdi\n"
    "  jmp *nh_code(%rip)\n"
    ".globl nh_return\n"
    ".hidden nh_return\n"
    "nh_return:\n"
    "  mov %rsp, nh_guest_rsp(%rip)\n"
    "  mov nh_host_rsp(%rip), %rsp\n"
    "  pushfq\n"
    "  push %rdi\n"
    "  mov nh_state(%rip), %rdi\n"
    "  mov %rax, 0(%rdi)\n  mov %rcx, 8(%rdi)\n  mov %rdx, 16(%rdi)\n  mov %rbx, 24(%rdi)\n"
    "  mov %rbp, 40(%rdi)\n  mov %rsi, 48(%rdi)\n  mov %r8, 64(%rdi)\n  mov %r9, 72(%rdi)\n"
    "  mov %r10, 80(%rdi)\n  mov %r11, 88(%rdi)\n  mov %r12, 96(%rdi)\n  mov %r13, 104(%rdi)\n"
    "  mov %r14, 112(%rdi)\n  mov %r15, 120(%rdi)\n"
    "  pop %rax\n  mov %rax, 56(%rdi)\n"
    "  pop %rax\n  mov %rax, 128(%rdi)\n"
    "  mov nh_guest_rsp(%rip), %rax\n  mov %rax, 32(%rdi)\n"
    "  stmxcsr 136(%rdi)\n"
    "  movdqu %xmm0, 144(%rdi)\n  movdqu %xmm1, 160(%rdi)\n  movdqu %xmm2, 176(%rdi)\n"
    "  movdqu %xmm3, 192(%rdi)\n  movdqu %xmm4, 208(%rdi)\n  movdqu %xmm5, 224(%rdi)\n"
    "  movdqu %xmm6, 240(%rdi)\n  movdqu %xmm7, 256(%rdi)\n  movdqu %xmm8, 272(%rdi)\n"
    "  movdqu %xmm9, 288(%rdi)\n  movdqu %xmm10, 304(%rdi)\n  movdqu %xmm11, 320(%rdi)\n"
    "  movdqu %xmm12, 336(%rdi)\n  movdqu %xmm13, 352(%rdi)\n  movdqu %xmm14, 368(%rdi)\n"
    "  movdqu %xmm15, 384(%rdi)\n"
    "  fxsave 400(%rdi)\n"
    "  cld\n"
    "  fninit\n"
    "  ldmxcsr (%rsp)\n  add $8, %rsp\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbx\n  pop %rbp\n"
    "  ret\n"
    ".size native_run, .-native_run\n");

void native_terminator(uint8_t *p)
{
    static const uint8_t jmp_rip0[6] = { 0xff, 0x25, 0, 0, 0, 0 };
    uint64_t ret = (uint64_t)(uintptr_t)nh_return;
    memcpy(p, jmp_rip0, sizeof jmp_rip0);
    memcpy(p + 6, &ret, 8);
}

/* ================================================================ faults */

sigjmp_buf native_jb;
volatile sig_atomic_t native_armed;
NativeFault native_fault;

static const int caught[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM };
#define N_CAUGHT (sizeof caught / sizeof caught[0])
static struct sigaction old_action[N_CAUGHT];

static void restore(int sig)
{
    for (unsigned i = 0; i < N_CAUGHT; i++)
        if (caught[i] == sig) sigaction(sig, &old_action[i], NULL);
}

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
    if (!native_armed) {
        /* Not ours: let the previous handler see it when the instruction runs again. A stray
         * timer tick has no instruction to re-run and is dropped. */
        if (sig != SIGALRM) restore(sig);
        return;
    }
    const ucontext_t *uc = uctx;
    const greg_t *g = uc->uc_mcontext.gregs;
    static const int gmap[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                  REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11,
                                  REG_R12, REG_R13, REG_R14, REG_R15 };
    TState *t = &native_fault.state;
    for (int r = 0; r < 16; r++) t->gpr[r] = (uint64_t)g[gmap[r]];
    t->rflags = (uint64_t)g[REG_EFL];
    native_fault.rip = (uint64_t)g[REG_RIP];
    if (uc->uc_mcontext.fpregs) {
        t->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        memcpy(t->xmm, uc->uc_mcontext.fpregs->_xmm, sizeof t->xmm);
        memcpy(t->fx, uc->uc_mcontext.fpregs, sizeof t->fx);
    }
    native_fault.sig = sig;
    native_fault.code = si->si_code;
    native_fault.addr = (uint64_t)(uintptr_t)si->si_addr;
    native_armed = 0;
    siglongjmp(native_jb, 1);
}

void native_catch(bool on)
{
    static bool have_altstack;
    if (on && !have_altstack) {
        /* The guest RSP may point at scratch memory being compared, or nowhere. */
        static uint8_t altstack[128 * 1024] __attribute__((aligned(64)));
        stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
        if (sigaltstack(&ss, NULL) == 0) have_altstack = true;
    }
    for (unsigned i = 0; i < N_CAUGHT; i++) {
        if (on) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_signal;
            sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
            sigaction(caught[i], &sa, &old_action[i]);
        } else {
            sigaction(caught[i], &old_action[i], NULL);
        }
    }
}

/* ================================================================ start values */

const uint32_t native_f32_special[] = {
    0x3fc00000, /* 1.5 */        0x80000000, /* -0 */          0x00000000, /* +0 */
    0x7f800000, /* +inf */       0xff800000, /* -inf */        0x7fc00000, /* qNaN */
    0x7fa00000, /* sNaN */       0x00000001, /* min denormal */0x807fffff, /* -denormal */
    0x7f7fffff, /* max */        0x00800000, /* min normal */  0xc0200000, /* -2.5 */
    0x4f400000, /* 3.2e9 */      0x3f000000, /* 0.5 */         0x40200000, /* 2.5 */
    0xbfc00000, /* -1.5 */       0xffc12345, /* -qNaN payload */ 0x7f812345, /* sNaN payload */
    0x40400000, /* 3 */          0xdf000000, /* -2^63 */       0x5f000000, /* 2^63 */
    0xcf000000, /* -2^31 */      0x3f800000, /* 1 */           0x40490fdb, /* pi */
    0x3eaaaaab, /* 1/3 */        0xbf800000, /* -1 */          0x4f000000, /* 2^31 */
};
const unsigned native_n_f32_special = sizeof native_f32_special / sizeof native_f32_special[0];

const uint64_t native_f64_special[] = {
    0x3ff8000000000000, /* 1.5 */    0x8000000000000000, /* -0 */   0x0000000000000000,
    0x7ff0000000000000, /* +inf */   0xfff0000000000000, /* -inf */ 0x7ff8000000000000,
    0x7ff4000000000000, /* sNaN */   0x0000000000000001, /* min denormal */
    0x800fffffffffffff, /* -denormal */ 0x7fefffffffffffff, /* max */
    0x0010000000000000, /* min normal */ 0xc004000000000000, /* -2.5 */
    0x41e0000000000000, /* 2^31 */   0x3fe0000000000000, /* 0.5 */ 0x4004000000000000, /* 2.5 */
    0xbff8000000000000, /* -1.5 */   0xfff8000000012345, /* -qNaN payload */
    0x7ff0000012345678, /* sNaN payload */ 0x4008000000000000, /* 3 */
    0xc3e0000000000000, /* -2^63 */  0x43e0000000000000, /* 2^63 */ 0xc1e0000000000000,
    0x3ff0000000000000, /* 1 */      0x400921fb54442d18, /* pi */   0x3fd5555555555555,
    0x47efffffe0000000, /* > FLT_MAX */ 0x36a0000000000000, /* < FLT_MIN */
    0xc1dfffffffc00000, /* -2147483647 */ 0x41dfffffffe00000, /* 2147483647.5 */
};
const unsigned native_n_f64_special = sizeof native_f64_special / sizeof native_f64_special[0];
