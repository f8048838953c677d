/* test_system.c — the frontend's system mode (frontend.h "System mode", gen_system.c), block
 * by block through the reference interpreter, on a small RAM with fake port handlers: the
 * block prologue and icount charging, in/out at each size and ins/outs with rep and DF, hlt,
 * cli/sti with the shadow and pushf, int n, lgdt/sgdt, mov to CR3, rdmsr/wrmsr, rdtsc from
 * icount, 32-bit code, and the clamping of guest addresses at the RAM limit. User mode must
 * not change.
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

static FeOptions sys_opt(void)
{
    return (FeOptions){ .system = true, .mem_limit = RAM_SIZE, .port_in = fake_in,
                        .port_out = fake_out };
}

static X86State st;

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
    n_acc = 0;
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
    /* mov cr3 with the same tables is fine; other tables are the runtime's to check (it
     * carries out the instruction: FE_SYS_EMULATE at it, nothing written yet). */
    static const uint8_t cr3[] = { 0x0f, 0x20, 0xd8,                    /* mov rax, cr3 */
                                   0x0f, 0x22, 0xd8,                    /* mov cr3, rax */
                                   0x48, 0x83, 0xc0, 0x01,              /* add rax, 1 */
                                   0x48, 0x0d, 0x00, 0x10, 0x00, 0x00,  /* or rax, 0x1000 */
                                   0x0f, 0x22, 0xd8, 0xf4 };
    load(cr3, sizeof cr3);
    st.cr3 = 0x4000;
    w = run(4);
    assert_int_equal(KIND(w), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_CODE(w), FE_SYS_EMULATE);
    assert_true(st.rip == CODE + 16 && st.cr3 == 0x4000);
    assert_true(st.icount == 5);            /* the emulated instruction included */
    assert_non_null(fe_sys_stop_message(FE_STOP_CR3));
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

    /* A push at ESP 0 wraps to 0xfffffffc, which lies past RAM: clamped to the marker. */
    static const uint8_t wrap[] = { 0x6a, 0x07, 0xf4 };         /* push 7 */
    load(wrap, sizeof wrap);
    st.gpr[X86_RSP] = 0;
    run32(2);
    assert_int_equal(st.gpr[X86_RSP], 0xfffffffcull);

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

static void test_address_clamp(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0x48, 0x8b, 0x03,       /* mov rax, [rbx] */
                                    0x48, 0x89, 0x0e,       /* mov [rsi], rcx */
                                    0xf4 };
    load(code, sizeof code);
    st.gpr[X86_RBX] = 0xdead000000ull;                      /* far past RAM */
    st.gpr[X86_RSI] = 0xfffffffffffffff0ull;
    st.gpr[X86_RCX] = 0x1234;
    assert_int_equal(KIND(run(2)), IR_EXIT_HALT);
    assert_true(st.gpr[X86_RAX] == 0xeeeeeeeeeeeeeeeeull);  /* read at the limit */
    assert_true(ram[RAM_SIZE] == 0x34 && ram[RAM_SIZE + 1] == 0x12);
    /* An access inside RAM is untouched. */
    load(code, sizeof code);
    ram[0x2000] = 0x77;
    st.gpr[X86_RCX] = 0x1234;
    st.gpr[X86_RBX] = 0x2000;
    st.gpr[X86_RSI] = 0x2100;
    assert_int_equal(KIND(run(2)), IR_EXIT_HALT);
    assert_true((st.gpr[X86_RAX] & 0xff) == 0x77 && ram[0x2100] == 0x34);
    /* C helpers clamp the same way. */
    assert_ptr_equal(x86_host_ptr(&st, RAM_SIZE - 8, 8), ram + RAM_SIZE - 8);
    assert_ptr_equal(x86_host_ptr(&st, RAM_SIZE - 7, 8), ram + RAM_SIZE);
    assert_ptr_equal(x86_host_ptr(&st, UINT64_MAX, 2), ram + RAM_SIZE);
}

int main(void)
{
    fe_init();
    ir_helper_register(fake_in, "fake_in");
    ir_helper_register(fake_out, "fake_out");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prologue_and_icount),
        cmocka_unit_test(test_in_out),
        cmocka_unit_test(test_string_io),
        cmocka_unit_test(test_if_and_shadow),
        cmocka_unit_test(test_int_and_stops),
        cmocka_unit_test(test_code32),
        cmocka_unit_test(test_descriptors_msrs_tsc),
        cmocka_unit_test(test_address_clamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
