/* test_system.c — the frontend's system mode (frontend.h "System mode", gen_system.c), block
 * by block through the reference interpreter, on a small RAM with fake port handlers: the
 * block prologue and icount charging, in/out at each size and ins/outs with rep and DF, hlt,
 * cli/sti with the shadow and pushf, int n, lgdt/sgdt, mov to CR3, rdmsr/wrmsr (and
 * IA32_SYSENTER_*), sysenter/sysexit to sys_ctl, rdtsc from icount, the MMU's inline TLB
 * probe (hits, misses that leave at the instruction with exact state) and its slow path, device memory through the slow path's bounce buffers, #GP for
 * privileged instructions at CPL 3, 32-bit code (with the instructions left to the runtime),
 * and the clamping of C helpers' addresses at the RAM limit. User mode must not change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontend-x86/frontend.h"
#include "frontend-x86/x86_state.h"
#include "ir/ir.h"

#define RAM_SIZE 0x10000u
#define CODE 0x1000u

/* RAM, then one more RAM-sized area where clamped accesses land (a marker instead of the
 * runtime's inaccessible guard, so the test sees where they went). */
static uint8_t ram[2 * RAM_SIZE];

/* Port accesses the fake handlers saw. */
typedef struct Access { bool out; uint16_t port; unsigned size; uint32_t value; } Access;
static Access acc[16];
static unsigned n_acc;

/* What a fake port reads: the low byte port ^ 0xa5, then the size, then 0x5a5a. */
static uint32_t port_value(uint64_t port, uint64_t size)
{
    return 0x5a5a0000u | (uint32_t)size << 8 | (uint32_t)((port ^ 0xa5) & 0xff);
}

static uint64_t fake_in(void *state, uint64_t port, uint64_t size, uint64_t a2)
{
    (void)state; (void)a2;
    uint32_t v = port_value(port, size);
    v = size == 1 ? v & 0xff : size == 2 ? v & 0xffff : v;
    if (n_acc < 16)
        acc[n_acc++] = (Access){ false, (uint16_t)port, (unsigned)size, v };
    return v;
}

static uint64_t fake_out(void *state, uint64_t port, uint64_t size, uint64_t value)
{
    (void)state;
    if (n_acc < 16)
        acc[n_acc++] = (Access){ true, (uint16_t)port, (unsigned)size, (uint32_t)value };
    return 0;
}

static size_t fetch(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    (void)opaque;
    if (pc >= RAM_SIZE)
        return 0;
    if (n > RAM_SIZE - pc)
        n = RAM_SIZE - pc;
    memcpy(buf, ram + pc, n);
    return n;
}

static X86State st;

/* The TLB: RAM's pages mapped to themselves (the runtime fills it on demand). */
static X86TlbEntry tlb[X86_TLB_SIZE];

static void tlb_identity(void)
{
    for (unsigned i = 0; i < X86_TLB_SIZE; i++)
        tlb[i] = (X86TlbEntry){ X86_TLB_INVALID, X86_TLB_INVALID, 0, 0 };
    for (uint64_t p = 0; p < RAM_SIZE; p += 4096)
        tlb[p >> 12] = (X86TlbEntry){ p, p, p, 0 };
}

/* A fake machine: sys_ctl records what it was asked (and writes CR3 as the runtime does);
 * the slow path's xlate maps RAM to itself and faults elsewhere. */
static uint64_t ctl_op, ctl_value;
static unsigned n_ctl;

static uint64_t fake_ctl(void *state, uint64_t op, uint64_t value, uint64_t a2)
{
    (void)a2;
    X86State *s = state;
    ctl_op = op;
    ctl_value = value;
    n_ctl++;
    if (op == FE_CTL_CR3)
        s->cr3 = value;
    return 0;
}

static uint64_t fake_xlate(void *state, uint64_t la, uint64_t kind, uint64_t a2)
{
    (void)a2;
    X86State *s = state;
    unsigned size = (unsigned)(kind & FE_MMU_SIZE_MASK);
    if (la < RAM_SIZE && size <= RAM_SIZE - la)
        return la;
    s->exc_vector = 14;
    s->exc_err = 1ull << 32 | ((kind & FE_MMU_WRITE) ? 2 : 0);
    s->cr2 = la;
    return FE_MMU_FAULT;
}

static uint64_t fake_finish(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)state; (void)a0; (void)a1; (void)a2;
    return 0;
}

static FeOptions sys_opt(void)
{
    return (FeOptions){ .system = true, .mem_limit = RAM_SIZE, .port_in = fake_in,
                        .port_out = fake_out, .sys_ctl = fake_ctl, .mmu_xlate = fake_xlate,
                        .mmu_finish = fake_finish };
}

/* Code at CODE, a fresh system-mode state: IF clear, RSP at the top of RAM. */
static void load(const void *code, size_t n)
{
    memset(ram, 0, sizeof ram);
    memset(ram + RAM_SIZE, 0xee, RAM_SIZE);
    memcpy(ram + CODE, code, n);
    x86_state_init(&st);
    x86_set_eflags(&st, 0x2);
    st.mem_base = (uint64_t)(uintptr_t)ram;
    st.mem_limit = RAM_SIZE;
    st.rip = CODE;
    st.gpr[X86_RSP] = 0x8000;
    st.icount_limit = UINT64_MAX;
    tlb_identity();
    st.mmu_tlb = (uint64_t)(uintptr_t)tlb;
    n_acc = 0;
    n_ctl = 0;
}

/* Translate (optimised, as the runtime does) and interpret one block at rip. */
static uint64_t step(const FeOptions *opt)
{
    IrBlock *blk = ir_block_new(st.rip);
    FeResult res;
    fe_translate_block(blk, st.rip, fetch, NULL, opt, &res);
    opt_run_folded(blk);
    char err[256];
    if (!ir_verify(blk, err, sizeof err))
        fail_msg("IR does not verify: %s", err);
    IrGuestInfo gi = fe_guest_info((uint64_t)(uintptr_t)ram);
    uint64_t w = ir_interp_run(blk, &st, &gi) & IR_EXIT_WORD_MASK;
    ir_block_free(blk);
    return w;
}

/* Blocks until one leaves other than by a jump (at most `max`). */
static uint64_t run(unsigned max)
{
    FeOptions opt = sys_opt();
    uint64_t w = 0;
    for (unsigned i = 0; i < max; i++) {
        w = step(&opt);
        if (IR_EXIT_WORD_KIND(w) != IR_EXIT_JUMP && IR_EXIT_WORD_KIND(w) != IR_EXIT_INDIRECT)
            break;
    }
    return w;
}

#define KIND(w) IR_EXIT_WORD_KIND(w)

/* ---------------------------------------------------------------- tests */

static void test_prologue_and_icount(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0x90, 0x90, 0x90, 0xeb, 0x00, 0xf4 };  /* nop x3; jmp; hlt */
    load(code, sizeof code);
    FeOptions opt = sys_opt();
    assert_int_equal(KIND(step(&opt)), IR_EXIT_JUMP);
    assert_true(st.icount == 4);
    assert_int_equal(KIND(step(&opt)), IR_EXIT_HALT);
    assert_true(st.rip == CODE + 6 && st.icount == 5);
    /* With the limit reached the block leaves at once, before its first instruction. */
    load(code, sizeof code);
    st.icount = 7;
    st.icount_limit = 7;
    assert_int_equal(KIND(step(&opt)), IR_EXIT_EVENT);
    assert_true(st.rip == CODE && st.icount == 7);
    /* User mode: hlt is #GP, no icount. */
    load(code + 5, 1);
    FeOptions user = { 0 };
    uint64_t w = step(&user);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(w), SIGSEGV);
    assert_true(st.icount == 0);
}

static void test_in_out(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0x66, 0xba, 0xf8, 0x03,             /* mov dx, 0x3f8 */
        0xb0, 0x41,                         /* mov al, 0x41 */
        0xee,                               /* out dx, al */
        0xe4, 0x60,                         /* in al, 0x60 */
        0x66, 0xe7, 0x80,                   /* out 0x80, ax */
        0xed,                               /* in eax, dx */
        0x66, 0xed,                         /* in ax, dx */
        0xf4,
    };
    load(code, sizeof code);
    st.gpr[X86_RAX] = 0x1122334455667700ull;
    FeOptions opt = sys_opt();
    assert_int_equal(KIND(step(&opt)), IR_EXIT_JUMP);   /* the out ends its block */
    assert_true(st.rip == CODE + 7);
    assert_int_equal(n_acc, 1);
    assert_true(acc[0].out && acc[0].port == 0x3f8 && acc[0].size == 1 && acc[0].value == 0x41);
    assert_int_equal(KIND(step(&opt)), IR_EXIT_JUMP);   /* in al merges into RAX */
    assert_true(st.rip == CODE + 9);
    assert_true(st.gpr[X86_RAX] == 0x11223344556677c5ull);
    assert_int_equal(KIND(run(8)), IR_EXIT_HALT);
    assert_int_equal(n_acc, 5);
    assert_true(acc[2].out && acc[2].port == 0x80 && acc[2].size == 2 && acc[2].value == 0x77c5);
    assert_true(!acc[3].out && acc[3].port == 0x3f8 && acc[3].size == 4);
    assert_true(!acc[4].out && acc[4].port == 0x3f8 && acc[4].size == 2);
    /* in eax zero-extended into RAX, then in ax merged into it. */
    assert_true(st.gpr[X86_RAX] == 0x5a5a025dull);
}

/* One rep string I/O instruction then hlt: each element is a pass through its own block. */
static void test_string_io(void **state)
{
    (void)state;
    static const uint8_t outsb[] = { 0xf3, 0x6e, 0xf4 };             /* rep outsb */
    load(outsb, sizeof outsb);
    memcpy(ram + 0x4000, "abc", 3);
    st.gpr[X86_RSI] = 0x4000;
    st.gpr[X86_RCX] = 3;
    st.gpr[X86_RDX] = 0x3f8;
    assert_int_equal(KIND(run(8)), IR_EXIT_HALT);
    assert_int_equal(n_acc, 3);
    assert_true(acc[0].value == 'a' && acc[1].value == 'b' && acc[2].value == 'c');
    assert_true(acc[0].port == 0x3f8 && acc[0].size == 1);
    assert_true(st.gpr[X86_RSI] == 0x4003 && st.gpr[X86_RCX] == 0);
    assert_true(st.icount == 4);                    /* 3 passes of rep outsb, then hlt */
    /* A zero count touches nothing. */
    load(outsb, sizeof outsb);
    st.gpr[X86_RSI] = 0x4000;
    assert_int_equal(KIND(run(8)), IR_EXIT_HALT);
    assert_int_equal(n_acc, 0);
    assert_true(st.gpr[X86_RSI] == 0x4000);
    /* std; rep outsw: downwards from 0x5004. */
    static const uint8_t outsw[] = { 0xfd, 0xf3, 0x66, 0x6f, 0xf4 };
    load(outsw, sizeof outsw);
    memcpy(ram + 0x5002, "\x01\x02\x03\x04", 4);
    st.gpr[X86_RSI] = 0x5004;
    st.gpr[X86_RCX] = 2;
    assert_int_equal(KIND(run(8)), IR_EXIT_HALT);
    assert_int_equal(n_acc, 2);
    assert_true(acc[0].size == 2 && acc[0].value == 0x0403 && acc[1].value == 0x0201);
    assert_true(st.gpr[X86_RSI] == 0x5000);
    /* rep insb: two bytes from the port into RAM at ES:RDI. */
    static const uint8_t insb[] = { 0xf3, 0x6c, 0xf4 };
    load(insb, sizeof insb);
    st.gpr[X86_RDI] = 0x6000;
    st.gpr[X86_RCX] = 2;
    st.gpr[X86_RDX] = 0x3f8;
    assert_int_equal(KIND(run(8)), IR_EXIT_HALT);
    assert_int_equal(n_acc, 2);
    assert_true(ram[0x6000] == 0x5d && ram[0x6001] == 0x5d && ram[0x6002] == 0);
    assert_true(st.gpr[X86_RDI] == 0x6002);
}

static void test_if_and_shadow(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0xfb,                               /* sti */
        0x90,                               /* nop: in the shadow */
        0x90,                               /* nop: the next block */
        0x9c, 0x58,                         /* pushfq; pop rax */
        0xfa,                               /* cli */
        0x9c, 0x5b,                         /* pushfq; pop rbx */
        0xf4,
    };
    load(code, sizeof code);
    FeOptions opt = sys_opt();
    assert_int_equal(KIND(step(&opt)), IR_EXIT_JUMP);
    assert_true(st.rip == CODE + 2);                    /* ended after the shadowed nop */
    assert_true(st.icount_limit == 0);                  /* and asked for the runtime */
    assert_true(st.eflags_fixed & X86_IF);
    assert_int_equal(KIND(step(&opt)), IR_EXIT_EVENT);
    st.icount_limit = UINT64_MAX;
    assert_int_equal(KIND(run(4)), IR_EXIT_HALT);
    assert_true(st.gpr[X86_RAX] & X86_IF);
    assert_false(st.gpr[X86_RBX] & X86_IF);
    assert_true((st.gpr[X86_RBX] & 0x2) && !(st.eflags_fixed & X86_IF));
}

static void test_int_and_stops(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0xcd, 0x30, 0xf4 };                 /* int 0x30 */
    load(code, sizeof code);
    uint64_t w = run(2);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(w), 0);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_INT + 0x30);
    assert_true(st.rip == CODE + 2);
    /* int3 is the one-byte form. */
    static const uint8_t int3[] = { 0xcc, 0xf4 };
    load(int3, sizeof int3);
    w = run(2);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_INT_SHORT + 3);
    assert_true(st.rip == CODE + 1);
    /* mov to CR3 goes to the machine, then the block ends so translations can be dropped. */
    static const uint8_t cr3[] = { 0x0f, 0x20, 0xd8,                    /* mov rax, cr3 */
                                   0x48, 0x0d, 0x00, 0x10, 0x00, 0x00,  /* or rax, 0x1000 */
                                   0x0f, 0x22, 0xd8, 0xf4 };            /* mov cr3, rax */
    load(cr3, sizeof cr3);
    st.cr3 = 0x4000;
    w = run(4);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_FLUSH);
    assert_true(st.rip == CODE + 12 && st.cr3 == 0x5000 && st.icount == 3);
    assert_true(n_ctl == 1 && ctl_op == FE_CTL_CR3 && ctl_value == 0x5000);
    assert_non_null(fe_sys_stop_message(FE_STOP_RING3));
    /* mov to CR0 changing PG is a mode switch: the runtime's (FE_SYS_EMULATE at it, the
     * instructions before it retired and it counted, CR0 not written yet). */
    static const uint8_t cr0[] = { 0x0f, 0x20, 0xc0,                    /* mov rax, cr0 */
                                   0x48, 0x0f, 0xba, 0xf0, 0x1f,        /* btr rax, 31 (PG) */
                                   0x0f, 0x22, 0xc0, 0xf4 };            /* mov cr0, rax */
    load(cr0, sizeof cr0);
    st.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
    w = run(4);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_EMULATE);
    assert_true(st.rip == CODE + 8 && st.icount == 3 && n_ctl == 0);
    assert_true(st.gpr[X86_RAX] == (X86_CR0_PE | X86_CR0_ET));
    assert_true(st.cr0 == (X86_CR0_PE | X86_CR0_ET | X86_CR0_PG));
}

static void test_cpl3_gp(void **state)
{
    (void)state;
    /* At CPL 3, privileged instructions are #GP(0) at the instruction, after the ones before
     * it retired (icount, flags). */
    static const uint8_t code[] = { 0x48, 0x83, 0xc0, 0x01,       /* add rax, 1 */
                                    0xfa, 0xf4 };                 /* cli; hlt */
    load(code, sizeof code);
    st.seg[1] = 0x23;
    st.gpr[X86_RAX] = UINT64_MAX;
    uint64_t w = run(2);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(w), SIGSEGV);
    assert_true(st.rip == CODE + 4 && st.icount == 1 && st.gpr[X86_RAX] == 0);
    assert_true(x86_get_eflags(&st) & X86_CF);
    /* ... and at CPL 0 they run. */
    load(code, sizeof code);
    assert_int_equal(KIND(run(2)), IR_EXIT_HALT);
}

/* 32-bit code (FeOptions.mode = X86_MODE_32): one-byte inc/dec, ESP pushes and pops that wrap
 * at 4 GiB, call and ret of 4 bytes, pusha/popa, 16-bit addressing, and the instructions left
 * to the runtime (far jumps, iretd, segment loads). */
static uint64_t run32(unsigned max)
{
    FeOptions opt = sys_opt();
    opt.mode = X86_MODE_32;
    uint64_t w = 0;
    for (unsigned i = 0; i < max; i++) {
        w = step(&opt);
        if (IR_EXIT_WORD_KIND(w) != IR_EXIT_JUMP && IR_EXIT_WORD_KIND(w) != IR_EXIT_INDIRECT)
            break;
    }
    return w;
}

static void test_code32(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0x40, 0x40, 0x4b,                   /* inc eax; inc eax; dec ebx */
        0x50,                               /* push eax */
        0xe8, 0x05, 0x00, 0x00, 0x00,       /* call +5 */
        0x5e,                               /* pop esi (the pushed eax) */
        0x60, 0x61,                         /* pusha; popa */
        0xf4,                               /* hlt */
        0x90,
        0x8b, 0x0c, 0x24,                   /* (+5) mov ecx, [esp]: the return address */
        0x67, 0x8b, 0x17,                   /* mov edx, [bx] (16-bit addressing) */
        0xc3,                               /* ret */
    };
    load(code, sizeof code);
    st.gpr[X86_RAX] = 0xffffffffull;        /* inc wraps within 32 bits */
    st.gpr[X86_RBX] = 0x12340100;           /* after dec ebx, [bx] is 0x00ff */
    memcpy(ram + 0xff, "\x78\x56\x34\x12", 4);
    uint64_t w = run32(8);
    assert_int_equal(KIND(w), IR_EXIT_HALT);
    assert_int_equal(st.gpr[X86_RAX], 1);
    assert_int_equal(st.gpr[X86_RBX], 0x123400ff);
    assert_int_equal(st.gpr[X86_RSI], 1);
    assert_int_equal(st.gpr[X86_RCX], CODE + 9);
    assert_int_equal(st.gpr[X86_RDX], 0x12345678);
    assert_int_equal(st.gpr[X86_RSP], 0x8000);
    assert_int_equal(st.rip, CODE + 13);

    /* A push at ESP 0 wraps to 0xfffffffc: the TLB probe looks up that linear page (mapped
     * here to physical 0x3000). */
    static const uint8_t wrap[] = { 0x6a, 0x07, 0xf4 };         /* push 7 */
    load(wrap, sizeof wrap);
    tlb[0xfffff & (X86_TLB_SIZE - 1)] = (X86TlbEntry){ 0xfffff000u, 0xfffff000u, 0x3000,
                                                       0x3000 - 0xfffff000ull };
    st.gpr[X86_RSP] = 0;
    run32(2);
    assert_int_equal(st.gpr[X86_RSP], 0xfffffffcull);
    assert_int_equal(ram[0x3ffc], 7);

    /* Far jumps, iretd and segment loads go to the runtime, with rip at the instruction. */
    static const uint8_t far[][7] = {
        { 0xea, 0x00, 0x20, 0x00, 0x00, 0x08, 0x00 },           /* jmp 0x08:0x2000 */
        { 0xcf },                                               /* iretd */
        { 0x8e, 0xd8 },                                         /* mov ds, eax */
        { 0x1f },                                               /* pop ds */
    };
    for (unsigned k = 0; k < 4; k++) {
        load(far[k], sizeof far[k]);
        w = run32(1);
        assert_int_equal(KIND(w), IR_EXIT_TRAP);
        assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_EMULATE);
        assert_int_equal(st.rip, CODE);
    }
}

static void test_descriptors_msrs_tsc(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0x0f, 0x01, 0x14, 0x25, 0x00, 0x30, 0x00, 0x00,     /* lgdt [0x3000] */
        0x0f, 0x01, 0x04, 0x25, 0x10, 0x30, 0x00, 0x00,     /* sgdt [0x3010] */
        0xb9, 0x80, 0x00, 0x00, 0xc0,                       /* mov ecx, EFER */
        0x0f, 0x32,                                         /* rdmsr */
        0x0f, 0x31,                                         /* rdtsc */
        0xf4,
    };
    load(code, sizeof code);
    static const uint8_t desc[10] = { 0x17, 0x00, 0x00, 0x20, 0, 0, 0, 0, 0, 0 };
    memcpy(ram + 0x3000, desc, sizeof desc);
    st.efer = X86_EFER_LME | X86_EFER_LMA;
    st.icount = 1000;
    st.tsc_offset = 5;
    assert_int_equal(KIND(run(4)), IR_EXIT_HALT);
    assert_true(st.gdt_base == 0x2000 && st.gdt_limit == 0x17);
    assert_memory_equal(ram + 0x3010, desc, sizeof desc);
    /* rdmsr's block ended nowhere: rdtsc is the 5th instruction of the first block. */
    assert_true((uint32_t)st.gpr[X86_RAX] == 1000 + 5 + 5);
    assert_true(st.gpr[X86_RDX] == 0);
}

/* IA32_SYSENTER_CS/ESP/EIP through wrmsr/rdmsr (a non-canonical ESP is #GP), sysenter and
 * sysexit handed to sys_ctl (REX.W in the value), sysexit #GP(0) at CPL 3. */
static void test_sysenter(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0xb9, 0x74, 0x01, 0x00, 0x00,                       /* mov ecx, 0x174 */
        0xb8, 0x08, 0x00, 0x00, 0x00,                       /* mov eax, 8 */
        0x31, 0xd2,                                         /* xor edx, edx */
        0x0f, 0x30,                                         /* wrmsr */
        0xb9, 0x76, 0x01, 0x00, 0x00,                       /* mov ecx, 0x176 */
        0xb8, 0x00, 0x50, 0x00, 0x00,                       /* mov eax, 0x5000 */
        0x0f, 0x30,                                         /* wrmsr */
        0x0f, 0x32,                                         /* rdmsr */
        0x0f, 0x34,                                         /* sysenter */
    };
    load(code, sizeof code);
    FeOptions opt = sys_opt();
    uint64_t w;
    for (int i = 0; i < 2; i++) {                           /* each wrmsr ends its block */
        w = step(&opt);
        assert_int_equal(KIND(w), IR_EXIT_TRAP);
        assert_int_equal(IR_EXIT_WORD_SIG(w), 0);
    }
    w = step(&opt);
    assert_int_equal(KIND(w), IR_EXIT_INDIRECT);
    assert_true(st.sysenter_cs == 8 && st.sysenter_eip == 0x5000);
    assert_true((uint32_t)st.gpr[X86_RAX] == 0x5000 && (uint32_t)st.gpr[X86_RDX] == 0);
    assert_int_equal(ctl_op, FE_CTL_SYSENTER);

    static const uint8_t bad[] = {
        0xb9, 0x75, 0x01, 0x00, 0x00,                       /* mov ecx, 0x175 */
        0xba, 0x00, 0x80, 0x00, 0x00,                       /* mov edx, 0x8000: bit 47 */
        0x0f, 0x30,                                         /* wrmsr */
    };
    load(bad, sizeof bad);
    w = run(4);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(w), SIGSEGV);
    assert_true(st.rip == CODE + 10 && st.sysenter_esp == 0);

    static const uint8_t exitq[] = { 0x48, 0x0f, 0x35 };     /* sysexitq */
    load(exitq, sizeof exitq);
    assert_int_equal(KIND(run(1)), IR_EXIT_INDIRECT);
    assert_true(ctl_op == FE_CTL_SYSEXIT && ctl_value == 1);
    load(exitq, sizeof exitq);
    st.seg[1] = 0x23;                                       /* CPL 3: #GP(0) */
    w = run(1);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(w), SIGSEGV);
    assert_true(st.rip == CODE);
}

static void test_tlb_probe(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0x48, 0x83, 0xc2, 0x01,       /* add rdx, 1 */
                                    0x48, 0x8b, 0x03,             /* mov rax, [rbx] */
                                    0x48, 0x89, 0x0e,             /* mov [rsi], rcx */
                                    0xf4 };
    /* Hits: accesses inside RAM go straight to it. */
    load(code, sizeof code);
    ram[0x2000] = 0x77;
    st.gpr[X86_RCX] = 0x1234;
    st.gpr[X86_RBX] = 0x2000;
    st.gpr[X86_RSI] = 0x2100;
    assert_int_equal(KIND(run(2)), IR_EXIT_HALT);
    assert_true((st.gpr[X86_RAX] & 0xff) == 0x77 && ram[0x2100] == 0x34);
    /* A page the TLB does not hold: the block leaves at the load, before it, with the add
     * retired and its flags stored. */
    load(code, sizeof code);
    st.gpr[X86_RBX] = 0xdead000000ull;
    st.gpr[X86_RDX] = UINT64_MAX;
    uint64_t w = run(2);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_TLB_MISS);
    assert_true(st.rip == CODE + 4 && st.icount == 1 && st.gpr[X86_RDX] == 0);
    assert_true(x86_get_eflags(&st) & X86_CF);
    /* An access that crosses into the next page misses too, and so does a store to a page
     * whose write tag is invalid (read-only, clean, or holding code). */
    load(code, sizeof code);
    st.gpr[X86_RBX] = 0x2ffc;
    assert_int_equal(IR_EXIT_WORD_CODE(run(2)), FE_SYS_TLB_MISS);
    assert_true(st.rip == CODE + 4);
    load(code, sizeof code);
    st.gpr[X86_RBX] = 0x2000;
    st.gpr[X86_RSI] = 0x3000;
    tlb[3].write = X86_TLB_INVALID;
    assert_int_equal(IR_EXIT_WORD_CODE(run(2)), FE_SYS_TLB_MISS);
    assert_true(st.rip == CODE + 7 && st.icount == 2);
    /* The slow path: every access through mmu_xlate; a fault is FE_SYS_EXC at the
     * instruction. */
    FeOptions slow = sys_opt();
    slow.mmu_slow = true;
    slow.max_insns = 1;
    load(code, sizeof code);
    st.gpr[X86_RBX] = 0x2ff8;
    st.gpr[X86_RSI] = 0xdead000000ull;
    assert_int_equal(KIND(step(&slow)), IR_EXIT_JUMP);        /* add */
    assert_int_equal(KIND(step(&slow)), IR_EXIT_JUMP);        /* the load */
    w = step(&slow);                                          /* the store faults */
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_EXC);
    assert_true(st.rip == CODE + 7 && st.exc_vector == 14 && st.cr2 == 0xdead000000ull);
    /* C helpers without the machine's translation clamp at the RAM limit. */
    assert_ptr_equal(x86_host_ptr(&st, RAM_SIZE - 8, 8), ram + RAM_SIZE - 8);
    assert_ptr_equal(x86_host_ptr(&st, RAM_SIZE - 7, 8), ram + RAM_SIZE);
    assert_ptr_equal(x86_host_ptr(&st, UINT64_MAX, 2), ram + RAM_SIZE);
}

/* Device memory as the runtime's slow path serves it (machine_mmu.c): mmu_xlate answers a
 * page past RAM with a bounce buffer, filled for a load (the address's low 32 bits
 * ^ 0x5a5a5a5a, zeros after them), and mmu_finish writes a store's bytes from there to the
 * device. Here both record in acc what they did (port = the address's low 16 bits). */
#define DEV_PAGE 0xfee00000ull
#define BOUNCE (RAM_SIZE + 0x800u)
static bool dev_store_pending;
static uint64_t dev_store_addr;

static uint64_t fake_dev_xlate(void *state, uint64_t la, uint64_t kind, uint64_t a2)
{
    unsigned size = (unsigned)(kind & FE_MMU_SIZE_MASK);
    bool write = (kind & FE_MMU_WRITE) != 0;
    if (la - DEV_PAGE >= 4096)
        return fake_xlate(state, la, kind, a2);
    uint32_t v = (uint32_t)la ^ 0x5a5a5a5au;
    if (n_acc < 16)
        acc[n_acc++] = (Access){ false, (uint16_t)la, size, write ? 0 : v };
    if (write) {
        dev_store_pending = true;
        dev_store_addr = la;
    } else {
        memset(ram + BOUNCE, 0, 16);
        memcpy(ram + BOUNCE, &v, 4);
    }
    return BOUNCE;
}

static uint64_t fake_dev_finish(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)state; (void)a0; (void)a1; (void)a2;
    if (dev_store_pending && n_acc < 16) {
        uint32_t v;
        memcpy(&v, ram + BOUNCE, 4);
        acc[n_acc++] = (Access){ true, (uint16_t)dev_store_addr, 4, v };
    }
    dev_store_pending = false;
    return 0;
}

static void test_device_memory(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0x90,                                               /* nop */
        0x48, 0x89, 0x0e,                                   /* mov [rsi], rcx */
        0x8b, 0x03,                                         /* mov eax, [rbx] */
        0x83, 0x03, 0x05,                                   /* add dword [rbx], 5 */
        0xf4,
    };
    load(code, sizeof code);
    FeOptions opt = sys_opt();
    opt.mmu_xlate = fake_dev_xlate;
    opt.mmu_finish = fake_dev_finish;
    FeOptions slow = opt;
    slow.mmu_slow = true;
    slow.single_step = true;
    slow.max_insns = 1;
    st.gpr[X86_RSI] = 0x2000;                               /* RAM */
    st.gpr[X86_RBX] = DEV_PAGE + 0xb0;                      /* device memory: never in the TLB */
    st.gpr[X86_RCX] = 0x1234;
    st.gpr[X86_RAX] = 0x1111111111111111ull;
    /* The load leaves the block at its own pc, the state as before it. */
    uint64_t w = step(&opt);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(w), 0);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_TLB_MISS);
    assert_true(st.rip == CODE + 4 && st.icount == 2);
    assert_true(ram[0x2000] == 0x34 && st.gpr[X86_RAX] == 0x1111111111111111ull);
    assert_int_equal(n_acc, 0);
    /* The instruction alone through the slow path: a 4-byte read, zero-extending into RAX. */
    assert_int_equal(KIND(step(&slow)), IR_EXIT_JUMP);
    assert_true(st.rip == CODE + 6 && st.icount == 3);
    assert_int_equal(n_acc, 1);
    assert_true(!acc[0].out && acc[0].size == 4 && acc[0].port == 0x00b0);
    assert_true(st.gpr[X86_RAX] == ((uint32_t)(DEV_PAGE + 0xb0) ^ 0x5a5a5a5au));
    /* A read-modify-write: the read, the store's translation, then mmu_finish writes the sum
     * to the device. */
    w = step(&opt);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_TLB_MISS);
    assert_true(st.rip == CODE + 6);
    assert_int_equal(KIND(step(&slow)), IR_EXIT_JUMP);
    assert_int_equal(n_acc, 4);
    assert_true(!acc[1].out && acc[1].size == 4 && acc[2].size == 4);
    assert_true(acc[3].out && acc[3].port == 0x00b0 &&
                acc[3].value == ((uint32_t)(DEV_PAGE + 0xb0) ^ 0x5a5a5a5au) + 5);
    assert_int_equal(KIND(step(&opt)), IR_EXIT_HALT);
    /* An SSE load takes the same path: one 16-byte access. */
    static const uint8_t sse[] = { 0xf3, 0x0f, 0x6f, 0x03, 0xf4 };   /* movdqu xmm0, [rbx] */
    load(sse, sizeof sse);
    st.gpr[X86_RBX] = DEV_PAGE + 0x30;
    assert_int_equal(IR_EXIT_WORD_CODE(step(&opt)), FE_SYS_TLB_MISS);
    assert_int_equal(KIND(step(&slow)), IR_EXIT_JUMP);
    assert_true(n_acc == 1 && acc[0].size == 16 && st.rip == CODE + 4);
    assert_true(st.xmm[0].q[0] == ((uint32_t)(DEV_PAGE + 0x30) ^ 0x5a5a5a5au) && st.xmm[0].q[1] == 0);
}

int main(void)
{
    fe_init();
    ir_helper_register(fake_in, "fake_in");
    ir_helper_register(fake_out, "fake_out");
    ir_helper_register(fake_ctl, "fake_ctl");
    ir_helper_register(fake_xlate, "fake_xlate");
    ir_helper_register(fake_finish, "fake_finish");
    ir_helper_register(fake_dev_xlate, "fake_dev_xlate");
    ir_helper_register(fake_dev_finish, "fake_dev_finish");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prologue_and_icount),
        cmocka_unit_test(test_in_out),
        cmocka_unit_test(test_string_io),
        cmocka_unit_test(test_if_and_shadow),
        cmocka_unit_test(test_int_and_stops),
        cmocka_unit_test(test_code32),
        cmocka_unit_test(test_descriptors_msrs_tsc),
        cmocka_unit_test(test_cpl3_gp),
        cmocka_unit_test(test_sysenter),
        cmocka_unit_test(test_tlb_probe),
        cmocka_unit_test(test_device_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
