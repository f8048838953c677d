/* mov_misc: the data movement and miscellaneous instructions (gen_mov.c, gen_misc.c) at their
 * edges — partial registers and AH..BH, sign/zero extension, xchg, 16-bit push/pop, enter and
 * leave, cmov's 32-bit zeroing, all 16 setcc conditions, pushf/popf/lahf/sahf and the flag
 * instructions, segment register reads, lea and moffs forms, xlat, the NOP space — printed so
 * the run can be compared with a native one. Nothing printed depends on addresses; cpuid and
 * rdtsc results differ from the host's by design, so only their consistency is printed.
 *
 * Inline asm that pushes first moves rsp below the red zone (gcc may keep locals there).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define P(name, v) printf("%-34s %016" PRIx64 "\n", name, (uint64_t)(v))

uint64_t g_moffs = 0x8877665544332211ull;   /* addressed absolutely (moffs forms) */
uint64_t g_moffs_dst;

/* ------------------------------------------------------------------ partial registers */
static void t_partial(void)
{
    uint64_t a = 0x8877665544332211ull, b = 0x1122334455667788ull, c = 0, d = 0;
    __asm__ volatile("mov $0xaa, %%ah\n\t"
            "mov $0xbb, %%bh\n\t"
            "mov %%ah, %%bl\n\t"
            "mov %%bh, %%cl\n\t"
            "mov %%al, %%ch\n\t"
            "mov $0x1234, %%dx\n\t"
            "mov %%dh, %%dl\n\t"
            : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
    P("mov ah/bh/bl/cl/ch: rax", a);
    P("mov ah/bh/bl/cl/ch: rbx", b);
    P("mov ah/bh/bl/cl/ch: rcx", c);
    P("mov dx, dh->dl: rdx", d);

    uint64_t r = 0x8877665544332211ull, s = 0xffffffffffffffffull;
    __asm__ volatile("mov $0x5, %%sil\n\t"              /* REX: sil, not dh */
            "movw $0x7777, %w0\n\t"
            : "+r"(r), "+S"(s));
    P("mov r16 imm merges", r);
    P("mov sil imm", s);
    r = 0x8877665544332211ull;
    __asm__ volatile("movl $0xfffffffe, %k0" : "+r"(r));
    P("mov r32 imm zero-extends", r);
    __asm__ volatile("movabs $0x0123456789abcdef, %0" : "=r"(r));
    P("mov r64 imm64", r);
    __asm__ volatile("mov $-3, %0" : "=r"(r));
    P("mov r/m64 imm32 sign-extends", r);

    uint64_t m[2] = { ~0ull, ~0ull };
    a = 0x1122334455667788ull;
    __asm__ volatile("mov %%ah, 1(%1)\n\t"
            "movw $0xbeef, 4(%1)\n\t"
            "movb $0x42, 8(%1)\n\t"
            "movl $-1, 12(%1)\n\t"
            : "+a"(a) : "D"(m) : "memory");
    P("stores m[0]", m[0]);
    P("stores m[1]", m[1]);
    b = 0x1111111111111111ull;
    __asm__ volatile("mov 1(%1), %%bh\n\t" : "+b"(b) : "D"(m) : "memory");
    P("load bh from memory", b);
}

/* ------------------------------------------------------------------ extension */
static void t_extend(void)
{
    uint64_t a = 0x80f0e0d0c0b0a090ull, r;
    __asm__ volatile("movzbl %%ah, %k0" : "=r"(r) : "a"(a)); P("movzx r32, ah", r);
    __asm__ volatile("movsbl %%ah, %k0" : "=r"(r) : "a"(a)); P("movsx r32, ah", r);
    r = ~0ull;
    __asm__ volatile("movsbw %%ah, %w0" : "+Q"(r) : "a"(a)); P("movsx r16, ah (merge)", r);
    r = ~0ull;
    __asm__ volatile("movzbw %%al, %w0" : "+r"(r) : "a"(a)); P("movzx r16, al (merge)", r);
    __asm__ volatile("movsbq %b1, %0" : "=r"(r) : "r"(a)); P("movsx r64, r8", r);
    __asm__ volatile("movzwl %w1, %k0" : "=r"(r) : "r"(a)); P("movzx r32, r16", r);
    __asm__ volatile("movswq %w1, %0" : "=r"(r) : "r"(a)); P("movsx r64, r16", r);
    __asm__ volatile("movzwq %w1, %0" : "=r"(r) : "r"(a)); P("movzx r64, r16", r);
    __asm__ volatile("movslq %k1, %0" : "=r"(r) : "r"(a)); P("movsxd r64, r32", r);
    r = ~0ull;
    __asm__ volatile(".byte 0x63, 0xc8" : "+c"(r) : "a"(a)); P("movsxd without REX.W", r);
    r = ~0ull;
    __asm__ volatile(".byte 0x66, 0x63, 0xc8" : "+c"(r) : "a"(a)); P("movsxd with 66", r);
    int8_t b8 = -7; int16_t b16 = -300; int32_t b32 = -70000;
    __asm__ volatile("movsbq %1, %0" : "=r"(r) : "m"(b8)); P("movsx r64, m8", r);
    __asm__ volatile("movswl %1, %k0" : "=r"(r) : "m"(b16)); P("movsx r32, m16", r);
    __asm__ volatile("movslq %1, %0" : "=r"(r) : "m"(b32)); P("movsxd r64, m32", r);
    __asm__ volatile("movzbl %1, %k0" : "=r"(r) : "m"(b8)); P("movzx r32, m8", r);

    uint64_t x, d;
    x = 0x11223344556677f0ull;
    __asm__ volatile("cbtw" : "+a"(x)); P("cbw", x);
    __asm__ volatile("cwtl" : "+a"(x)); P("cwde", x);
    x = 0x11223344f5667700ull;
    __asm__ volatile("cltq" : "+a"(x)); P("cdqe", x);
    x = 0x1122334455668000ull; d = 0x1111111111111111ull;
    __asm__ volatile("cwtd" : "+a"(x), "+d"(d)); P("cwd", d);
    x = 0x1122334485668000ull; d = 0x1111111111111111ull;
    __asm__ volatile("cltd" : "+a"(x), "+d"(d)); P("cdq negative", d);
    x = 0x1122334405668000ull; d = 0x1111111111111111ull;
    __asm__ volatile("cltd" : "+a"(x), "+d"(d)); P("cdq positive", d);
    x = 0x8000000000000000ull;
    __asm__ volatile("cqto" : "+a"(x), "=d"(d)); P("cqo negative", d);
    x = 0x7fffffffffffffffull;
    __asm__ volatile("cqto" : "+a"(x), "=d"(d)); P("cqo positive", d);
}

/* ------------------------------------------------------------------ lea, moffs, xlat, sreg */
static void t_address(void)
{
    uint64_t base = 0x100, idx = 0x10, r;
    __asm__ volatile("lea 0x10(%1,%2,8), %0" : "=r"(r) : "r"(base), "r"(idx)); P("lea r64", r);
    r = ~0ull;
    __asm__ volatile("lea 0x10(%1,%2,8), %k0" : "+r"(r) : "r"(base), "r"(idx)); P("lea r32", r);
    r = ~0ull;
    __asm__ volatile("lea 0x10(%1,%2,8), %w0" : "+r"(r) : "r"(base), "r"(idx)); P("lea r16 (merge)", r);
    base = 0x100000000ull;
    __asm__ volatile("lea -1(%k1), %0" : "=r"(r) : "r"(base)); P("lea 67 wraps at 32 bits", r);
    base = 0xfffffffff0000000ull;
    __asm__ volatile("lea 0x20000000(%1), %k0" : "=r"(r) : "r"(base)); P("lea r32 of a 64-bit sum", r);
    __asm__ volatile("lea 0x12345678(,%1,4), %0" : "=r"(r) : "r"(idx)); P("lea index only", r);
    __asm__ volatile(".byte 0x64, 0x48, 0x8d, 0x04, 0x0b" : "=a"(r) : "b"(base), "c"(idx));
    P("lea fs:(rbx,rcx): no base", r);

    r = 0x1111111111111111ull;
    __asm__ volatile("movabs g_moffs, %%al" : "+a"(r)); P("mov al, moffs", r);
    __asm__ volatile("movabs g_moffs, %%ax" : "+a"(r)); P("mov ax, moffs", r);
    __asm__ volatile("movabs g_moffs, %%eax" : "+a"(r)); P("mov eax, moffs", r);
    r = 0;
    __asm__ volatile("movabs g_moffs, %%rax" : "+a"(r)); P("mov rax, moffs", r);
    r = 0xcafebabedeadbeefull;
    g_moffs_dst = 0;
    __asm__ volatile("movabs %%eax, g_moffs_dst" : : "a"(r) : "memory"); P("mov moffs, eax", g_moffs_dst);
    __asm__ volatile("movabs %%al, g_moffs_dst+7" : : "a"(r) : "memory"); P("mov moffs, al", g_moffs_dst);
    __asm__ volatile("movabs %%rax, g_moffs_dst" : : "a"(r) : "memory"); P("mov moffs, rax", g_moffs_dst);

    static const uint8_t table[256] = { [0] = 0x10, [3] = 0x13, [0x7f] = 0x7f, [0xfe] = 0xfe };
    r = 0x11223344556677feull;
    __asm__ volatile("xlat" : "+a"(r) : "b"(table)); P("xlat", r);
    r = 0x1122334455667703ull;
    __asm__ volatile("xlat" : "+a"(r) : "b"(table)); P("xlat 3", r);

    r = ~0ull; __asm__ volatile("mov %%cs, %k0" : "+r"(r)); P("mov r32, cs", r);
    r = ~0ull; __asm__ volatile("mov %%ss, %0" : "+r"(r)); P("mov r64, ss", r);
    r = ~0ull; __asm__ volatile("mov %%ds, %w0" : "+r"(r)); P("mov r16, ds (merge)", r);
    r = ~0ull; __asm__ volatile("mov %%es, %k0" : "+r"(r)); P("mov r32, es", r);
    r = ~0ull; __asm__ volatile("mov %%fs, %k0" : "+r"(r)); P("mov r32, fs", r);
    r = ~0ull; __asm__ volatile("mov %%gs, %k0" : "+r"(r)); P("mov r32, gs", r);
    uint64_t m = ~0ull;
    __asm__ volatile("mov %%ss, %0" : "+m"(m)); P("mov m16, ss", m);
    uint16_t sel = 0;
    __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" : : "r"(sel));   /* unchanged: allowed */
    sel = 0x2b;
    __asm__ volatile("mov %0, %%ss" : : "r"(sel));
    P("segment loads of the same value", 1);
}

/* ------------------------------------------------------------------ xchg */
static void t_xchg(void)
{
    uint64_t a = 0x1122334455667788ull, b = 0x99aabbccddeeff00ull;
    __asm__ volatile("xchg %%ah, %%al" : "+a"(a)); P("xchg ah, al", a);
    __asm__ volatile("xchg %%bh, %%al" : "+a"(a), "+b"(b)); P("xchg bh, al: rax", a); P("xchg bh, al: rbx", b);
    __asm__ volatile("xchg %w0, %w1" : "+r"(a), "+r"(b)); P("xchg r16: a", a); P("xchg r16: b", b);
    __asm__ volatile("xchg %k0, %k1" : "+r"(a), "+r"(b)); P("xchg r32: a", a); P("xchg r32: b", b);
    a = 0x1122334455667788ull;
    __asm__ volatile(".byte 0x87, 0xc0" : "+a"(a)); P("xchg eax, eax zero-extends", a);
    a = 0x1122334455667788ull;
    __asm__ volatile("nop\n\t.byte 0x66, 0x90\n\t.byte 0x48, 0x90" : "+a"(a)); P("90 forms are nops", a);
    uint64_t x = 0x99aabbccddeeff00ull;
    a = 0x1122334455667788ull;
#define WITH_R8(insn) "mov %1, %%r8\n\t" insn "\n\tmov %%r8, %1"
    __asm__ volatile(WITH_R8(".byte 0x41, 0x90") : "+a"(a), "+r"(x) : : "r8");
    P("41 90 xchg r8d, eax: rax", a);
    P("41 90 xchg r8d, eax: r8", x);
    __asm__ volatile(WITH_R8(".byte 0x49, 0x90") : "+a"(a), "+r"(x) : : "r8");
    P("49 90 xchg r8, rax: rax", a);
    __asm__ volatile(WITH_R8(".byte 0xf3, 0x41, 0x90") : "+a"(a), "+r"(x) : : "r8");
    P("f3 41 90 is pause: r8", x);
    uint64_t m = 0xcafebabedeadbeefull;
    a = 0x1122334455667788ull;
    __asm__ volatile("xchg %k0, %1" : "+r"(a), "+m"(m)); P("xchg r32, m: reg", a); P("xchg r32, m: mem", m);
    __asm__ volatile("lock xchg %0, %1" : "+r"(a), "+m"(m)); P("lock xchg r64, m: reg", a);
    P("lock xchg r64, m: mem", m);
    a = 0x1122334455667788ull;
    __asm__ volatile("xchg %%ah, %1" : "+a"(a), "+m"(m)); P("xchg ah, m8: reg", a); P("xchg ah, m8: mem", m);
}

/* ------------------------------------------------------------------ push/pop */
static void t_stack(void)
{
    uint64_t o[16];
    memset(o, 0, sizeof o);
    __asm__ volatile(
        "lea -128(%%rsp), %%rsp\n\t"
        "mov %%rsp, %%r8\n\t"
        "push %%rsp\n\t"                    /* pushes the old value */
        "pop %%rax\n\t"
        "sub %%r8, %%rax\n\t"
        "mov %%rax, 0(%0)\n\t"
        "pushw $0x1234\n\t"
        "mov $0x5678, %%eax\n\t"
        "pushw %%ax\n\t"
        "mov %%rsp, %%rax\n\t"
        "sub %%r8, %%rax\n\t"
        "mov %%rax, 8(%0)\n\t"              /* -4 */
        "mov $-1, %%rcx\n\t"
        "popw %%cx\n\t"
        "mov %%rcx, 16(%0)\n\t"
        "mov $-1, %%rcx\n\t"
        ".byte 0x66, 0x8f, 0xc1\n\t"        /* popw %cx through 8F /0 */
        "mov %%rcx, 24(%0)\n\t"
        "push $-2\n\t"                      /* imm8 sign-extended to 64 */
        "push $0x12345678\n\t"
        "pushq 8(%%rsp)\n\t"                /* the -2 */
        "pop %%rax\n\t"
        "mov %%rax, 32(%0)\n\t"
        "pop %%rax\n\t"
        "mov %%rax, 40(%0)\n\t"
        "push $5\n\t"
        "push $7\n\t"
        "pop (%%rsp)\n\t"                   /* address computed after the increment */
        "pop %%rax\n\t"
        "mov %%rax, 48(%0)\n\t"
        "pop %%rax\n\t"                     /* the -2 */
        "lea -8(%%rsp), %%rax\n\t"
        "push %%rax\n\t"
        "pop %%rsp\n\t"                     /* rsp = the popped value */
        "mov %%rsp, %%rax\n\t"
        "sub %%r8, %%rax\n\t"
        "mov %%rax, 56(%0)\n\t"             /* -8 */
        "mov %%r8, %%rsp\n\t"
        ".byte 0x66, 0x6a, 0xfe\n\t"        /* pushw $-2 */
        "mov $0, %%eax\n\t"
        "popw %%ax\n\t"
        "mov %%rax, 64(%0)\n\t"
        "push $0x4242\n\t"
        "pushw 0(%%rsp)\n\t"                /* push m16 */
        "popw %%ax\n\t"
        "pop %%rcx\n\t"
        "mov %%rax, 72(%0)\n\t"
        "mov %%r8, %%rsp\n\t"
        "lea 128(%%rsp), %%rsp\n\t"
        : : "r"(o) : "rax", "rcx", "r8", "memory");
    const char *names[] = { "push rsp pushes the old rsp", "pushw twice: rsp delta",
                            "popw cx", "popw cx via 8f /0", "push m64 (rsp-relative)",
                            "push imm32", "pop (rsp)", "pop rsp: rsp delta", "pushw imm8",
                            "pushw m16" };
    for (unsigned i = 0; i < 10; i++) P(names[i], o[i]);
}

/* enter/leave, including nesting levels and the 16-bit forms; rbp is saved and restored by
 * hand, and every result goes through rsi (never rbp-relative). */
static void t_enter_leave(void)
{
    uint64_t o[16];
    memset(o, 0, sizeof o);
    __asm__ volatile(
        "lea -512(%%rsp), %%rsp\n\t"
        "push %%rbp\n\t"
        "mov %%rsp, %%r8\n\t"
        "lea 256(%%rsp), %%rbp\n\t"          /* an outer frame above us */
        "mov %%rbp, %%r9\n\t"
        "movq $0x1111, -8(%%rbp)\n\t"
        "movq $0x2222, -16(%%rbp)\n\t"
        "movq $0x3333, -24(%%rbp)\n\t"
        "enter $0x20, $0\n\t"
        "mov %%rsp, %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 0(%0)\n\t"
        "mov %%rbp, %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 8(%0)\n\t"
        "leave\n\t"
        "mov %%rsp, %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 16(%0)\n\t"
        "mov %%rbp, %%rax\n\t sub %%r9, %%rax\n\t mov %%rax, 24(%0)\n\t"
        "enter $0x18, $4\n\t"
        "mov %%rsp, %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 32(%0)\n\t"
        "mov -8(%%rbp), %%rax\n\t mov %%rax, 40(%0)\n\t"
        "mov -16(%%rbp), %%rax\n\t mov %%rax, 48(%0)\n\t"
        "mov -24(%%rbp), %%rax\n\t mov %%rax, 56(%0)\n\t"
        "mov -32(%%rbp), %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 64(%0)\n\t"
        "leave\n\t"
        "mov %%rbp, %%rax\n\t sub %%r9, %%rax\n\t mov %%rax, 72(%0)\n\t"
        "enter $0x8, $33\n\t"                /* level mod 32 = 1 */
        "mov %%rsp, %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 80(%0)\n\t"
        "mov %%r8, %%rsp\n\t"
        "mov %%r9, %%rbp\n\t"
        ".byte 0x66, 0xc8, 0x10, 0x00, 0x00\n\t"   /* enterw $0x10, $0 */
        "mov %%rsp, %%rax\n\t sub %%r8, %%rax\n\t mov %%rax, 88(%0)\n\t"
        "lea -2(%%r8), %%rcx\n\t"
        "xor %%rbp, %%rcx\n\t"               /* low 16 bits: frame; upper: unchanged */
        "mov %%rbp, %%rax\n\t xor %%r9, %%rax\n\t shr $16, %%rax\n\t"
        "movzwl %%cx, %%ecx\n\t or %%rcx, %%rax\n\t mov %%rax, 96(%0)\n\t"
        "mov %%r9, %%rbp\n\t"
        "movabs $0x5555666677778888, %%rax\n\t mov %%rax, (%%rbp)\n\t"
        ".byte 0x66, 0xc9\n\t"               /* leavew: rsp = rbp + 2, bp = popped word */
        "mov %%rsp, %%rax\n\t sub %%r9, %%rax\n\t mov %%rax, 104(%0)\n\t"
        "mov %%rbp, %%rax\n\t xor %%r9, %%rax\n\t shr $16, %%rax\n\t shl $16, %%rax\n\t"
        "movzwl %%bp, %%ecx\n\t or %%rcx, %%rax\n\t mov %%rax, 112(%0)\n\t"
        "mov %%r8, %%rsp\n\t"
        "pop %%rbp\n\t"
        "lea 512(%%rsp), %%rsp\n\t"
        : : "S"(o) : "rax", "rcx", "r8", "r9", "memory");
    const char *names[] = { "enter 0x20,0: rsp", "enter 0x20,0: rbp", "leave: rsp",
                            "leave: rbp", "enter 0x18,4: rsp", "enter 4: copy 1",
                            "enter 4: copy 2", "enter 4: copy 3", "enter 4: frame ptr",
                            "leave after enter 4: rbp", "enter 8,33: rsp",
                            "enterw 0x10,0: rsp", "enterw: bp low16 / upper xor",
                            "leavew: rsp", "leavew: bp / upper xor" };
    for (unsigned i = 0; i < 15; i++) P(names[i], o[i]);
}

/* ------------------------------------------------------------------ cmov, setcc */
static void t_cmov(void)
{
    uint64_t a = 0x1122334455667788ull, b = 0x99aabbccddeeff00ull, r;
    uint64_t m = 0x0badc0de0badc0deull;
    r = a; __asm__ volatile("cmp %1, %1\n\tcmove %2, %0" : "+r"(r) : "r"(a), "r"(b)); P("cmove true r64", r);
    r = a; __asm__ volatile("cmp %1, %1\n\tcmovne %2, %0" : "+r"(r) : "r"(a), "r"(b)); P("cmovne false r64", r);
    r = a; __asm__ volatile("cmp %1, %1\n\tcmovne %k2, %k0" : "+r"(r) : "r"(a), "r"(b));
    P("cmovne false r32 zero-extends", r);
    r = a; __asm__ volatile("cmp %1, %1\n\tcmove %k2, %k0" : "+r"(r) : "r"(a), "r"(b)); P("cmove true r32", r);
    r = a; __asm__ volatile("cmp %1, %1\n\tcmovne %w2, %w0" : "+r"(r) : "r"(a), "r"(b)); P("cmovne false r16", r);
    r = a; __asm__ volatile("cmp %1, %1\n\tcmove %w2, %w0" : "+r"(r) : "r"(a), "r"(b)); P("cmove true r16", r);
    r = a; __asm__ volatile("cmp %2, %1\n\tcmovb %3, %0" : "+r"(r) : "r"(a), "r"(b), "m"(m)); P("cmovb m64 true", r);
    r = a; __asm__ volatile("cmp %2, %1\n\tcmova %k3, %k0" : "+r"(r) : "r"(a), "r"(b), "m"(m));
    P("cmova m32 false zero-extends", r);
    int64_t x = -5, y = 3;
    r = 0;  __asm__ volatile("cmp %2, %1\n\tcmovl %3, %0" : "+r"(r) : "r"(x), "r"(y), "r"(a)); P("cmovl signed", r);
    r = 0;  __asm__ volatile("cmp %2, %1\n\tcmovb %3, %0" : "+r"(r) : "r"(x), "r"(y), "r"(a)); P("cmovb unsigned", r);
}

/* All 16 conditions as a 16-bit mask (bit cc), after the flags the caller's asm set. */
#define SETCC_ALL(mask, flags_asm, ...)                                                        \
    do {                                                                                       \
        uint8_t s_[16];                                                                        \
        __asm__ volatile(flags_asm "\n\t"                                                               \
                "seto 0(%[o])\n\tsetno 1(%[o])\n\tsetb 2(%[o])\n\tsetae 3(%[o])\n\t"           \
                "sete 4(%[o])\n\tsetne 5(%[o])\n\tsetbe 6(%[o])\n\tseta 7(%[o])\n\t"           \
                "sets 8(%[o])\n\tsetns 9(%[o])\n\tsetp 10(%[o])\n\tsetnp 11(%[o])\n\t"         \
                "setl 12(%[o])\n\tsetge 13(%[o])\n\tsetle 14(%[o])\n\tsetg 15(%[o])"          \
                : : [o] "r"(s_), __VA_ARGS__ : "rcx", "memory", "cc");                        \
        mask = 0;                                                                              \
        for (int k_ = 0; k_ < 16; k_++) mask |= (unsigned)s_[k_] << k_;                        \
    } while (0)

static void t_setcc(void)
{
    static const int64_t vals[] = { 0, 1, -1, 2, 0x7f, 0x80, 0x7fffffff, (int64_t)0x80000000u,
                                    INT64_MAX, INT64_MIN, 0x100, -0x80 };
    unsigned n = sizeof vals / sizeof vals[0];
    char name[64];
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < n; j += 3) {
            int64_t a = vals[i], b = vals[j];
            unsigned m8, m32, m64;
            SETCC_ALL(m8, "cmp %b[b], %b[a]", [a] "r"(a), [b] "r"(b));
            SETCC_ALL(m32, "cmp %k[b], %k[a]", [a] "r"(a), [b] "r"(b));
            SETCC_ALL(m64, "cmp %[b], %[a]", [a] "r"(a), [b] "r"(b));
            snprintf(name, sizeof name, "setcc cmp %u,%u (8/32/64)", i, j);
            P(name, (uint64_t)m8 << 32 | (uint64_t)m32 << 16 | m64);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        int64_t a = vals[i];
        unsigned madd, mtest, minc;
        SETCC_ALL(madd, "mov %[a], %%rcx\n\tadd %[a], %%rcx", [a] "r"(a));
        SETCC_ALL(mtest, "test %k[a], %k[a]", [a] "r"(a));
        SETCC_ALL(minc, "mov %[a], %%rcx\n\tinc %%cx", [a] "r"(a));
        snprintf(name, sizeof name, "setcc add/test/inc %u", i);
        P(name, (uint64_t)madd << 32 | (uint64_t)mtest << 16 | minc);
    }
    uint64_t r = 0x1122334455667788ull;
    __asm__ volatile("cmp %%rax, %%rax\n\tsete %%ah\n\tsetne %%al" : "+a"(r) : : "cc");
    P("sete ah / setne al", r);
    r = 0x1122334455667788ull;
    __asm__ volatile("cmp %%rax, %%rax\n\t.byte 0x0f, 0x94, 0xf0" : "+a"(r) : : "cc");   /* reg field 6 */
    P("sete al (ModRM.reg ignored)", r);
}

/* ------------------------------------------------------------------ flags instructions */
static uint64_t popf_pushf(uint64_t v)
{
    uint64_t r;
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                     "push %1\n\tpopf\n\tpushf\n\tpop %0\n\t"
                     "push $0x202\n\tpopf\n\t"
                     "lea 128(%%rsp), %%rsp"
                     : "=r"(r) : "r"(v) : "cc", "memory");
    return r;
}

static void t_flags(void)
{
    /* TF (single-step) and AC (alignment checks) are left alone: see gen_misc.c. */
    static const uint64_t imgs[] = { 0, 0x8d5, 0x202, 0x4000, 0x200000, 0x3000, 0x10000,
                                     0x400, 0xfffffffffffbfeffull };
    char name[64];
    for (unsigned i = 0; i < sizeof imgs / sizeof imgs[0]; i++) {
        snprintf(name, sizeof name, "popf/pushf %016" PRIx64, imgs[i]);
        uint64_t r = popf_pushf(imgs[i]);
        __asm__ volatile("cld");
        P(name, r);
    }
    uint64_t r, ah;
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                     "push $0x200ad5\n\tpopf\n\t"
                     "pushfw\n\tpopw %w0\n\t"        /* low 16 bits only */
                     "pushw $0x0401\n\tpopfw\n\t"    /* DF CF; ID kept */
                     "pushf\n\tpop %1\n\t"
                     "push $0x202\n\tpopf\n\t"
                     "lea 128(%%rsp), %%rsp"
                     : "=r"(ah), "=r"(r) : : "cc", "memory");
    P("pushfw", ah & 0xffff);
    P("popfw keeps the upper bits", r);

    /* lahf after compares (AH only), sahf keeps OF */
    r = 0x1122334455667788ull;
    __asm__ volatile("cmp %%rax, %%rax\n\tlahf" : "+a"(r) : : "cc"); P("lahf after cmp equal", r);
    int64_t big = INT64_MAX;
    r = 0;
    __asm__ volatile("mov %1, %%rcx\n\tadd $1, %%rcx\n\tlahf" : "+a"(r) : "r"(big) : "rcx", "cc");
    P("lahf after signed overflow", r);
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
            "mov %1, %%rcx\n\tadd $1, %%rcx\n\t"      /* OF=1 */
            "mov $0xd500, %%eax\n\tsahf\n\t"
            "pushf\n\tpop %0\n\t"
            "lea 128(%%rsp), %%rsp"
            : "=r"(r) : "r"(big) : "rax", "rcx", "cc", "memory");
    P("sahf d5, OF kept", r);
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tmov $0x0200, %%eax\n\tsahf\n\tpushf\n\tpop %0\n\t"
            "lea 128(%%rsp), %%rsp" : "=r"(r) : : "rax", "cc", "memory");
    P("sahf 02", r);
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tmov $0x0100, %%eax\n\t.byte 0x48, 0x9e\n\t"
            "pushf\n\tpop %0\n\tlea 128(%%rsp), %%rsp" : "=r"(r) : : "rax", "cc", "memory");
    P("rex.w sahf still reads ah", r);
    __asm__ volatile("cmp %%rax, %%rax\n\tmov $0, %%eax\n\t.byte 0x48, 0x9f" : "=a"(r) : : "cc");
    P("rex.w lahf writes ah", r);

    uint64_t o[6];
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                     "stc\n\tpushf\n\tpopq 0(%0)\n\t"
                     "clc\n\tpushf\n\tpopq 8(%0)\n\t"
                     "cmc\n\tpushf\n\tpopq 16(%0)\n\t"
                     "cmc\n\tpushf\n\tpopq 24(%0)\n\t"
                     "std\n\tpushf\n\tpopq 32(%0)\n\t"
                     "cld\n\tpushf\n\tpopq 40(%0)\n\t"
                     "lea 128(%%rsp), %%rsp"
                     : : "r"(o) : "cc", "memory");
    /* The flags other than CF and DF come from whatever came before: mask to those two. */
    const char *names[] = { "stc", "clc", "cmc", "cmc again", "std", "cld" };
    for (unsigned i = 0; i < 6; i++) P(names[i], o[i] & 0x401);
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tcmp %%rax, %%rax\n\tstc\n\tpushf\n\tpop %0\n\t"
            "lea 128(%%rsp), %%rsp" : "=r"(r) : : "cc", "memory");
    P("stc keeps ZF", r);

    /* std reaches the string instructions: an overlapping copy downwards. */
    char buf[9] = "abcdefgh";
    char *ps = buf + 5, *pd = buf + 6;
    uint64_t cnt = 6;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+S"(ps), "+D"(pd), "+c"(cnt) : : "memory");
    printf("%-34s %s\n", "std; rep movsb; cld", buf);

    /* The classic cpuid test: ID can be flipped. */
    uint64_t f0, f1;
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                     "pushf\n\tpop %0\n\tmov %0, %1\n\txor $0x200000, %1\n\t"
                     "push %1\n\tpopf\n\tpushf\n\tpop %1\n\t"
                     "push %0\n\tpopf\n\t"
                     "lea 128(%%rsp), %%rsp"
                     : "=&r"(f0), "=&r"(f1) : : "cc", "memory");
    P("ID flips", (f0 ^ f1) & 0x200000);
}

/* ------------------------------------------------------------------ misc */
static void t_misc(void)
{
    uint64_t r = 0x1122334455667788ull;
    __asm__ volatile("nop\n\t"
                     "nopl (%%rax)\n\t"
                     "nopw 0x0(%%rax,%%rax,1)\n\t"
                     ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0\n\t"
                     "endbr64\n\t"
                     ".byte 0xf3, 0x0f, 0x1e, 0xfb\n\t"        /* endbr32 */
                     ".byte 0x0f, 0x19, 0x04, 0x24\n\t"        /* hint nops 0F 19-1E */
                     ".byte 0x0f, 0x1c, 0x04, 0x24\n\t"
                     ".byte 0x0f, 0x1d, 0xc0\n\t"
                     "prefetcht0 (%%rsp)\n\t"
                     "prefetchnta (%%rsp)\n\t"
                     "pause\n\t"
                     : "+a"(r) : : "memory");
    P("nops change nothing", r);

    /* cpuid: the same answers each time; leaf 0 names a vendor of 12 printable characters. */
    uint32_t a0, b0, c0, d0, a1, b1, c1, d1;
    __asm__ volatile("cpuid" : "=a"(a0), "=b"(b0), "=c"(c0), "=d"(d0) : "a"(0), "c"(0));
    __asm__ volatile("cpuid" : "=a"(a1), "=b"(b1), "=c"(c1), "=d"(d1) : "a"(0), "c"(0));
    char vendor[13];
    memcpy(vendor, &b0, 4); memcpy(vendor + 4, &d0, 4); memcpy(vendor + 8, &c0, 4);
    vendor[12] = 0;
    int printable = 1;
    for (int i = 0; i < 12; i++) printable &= vendor[i] >= 0x20 && vendor[i] < 0x7f;
    P("cpuid leaf 0 repeats", a0 == a1 && b0 == b1 && c0 == c1 && d0 == d1);
    P("cpuid vendor printable", printable);
    P("cpuid max leaf >= 1", a0 >= 1);
    uint64_t ra = ~0ull, rb = ~0ull, rc = ~0ull, rd = ~0ull;
    __asm__ volatile("cpuid" : "+a"(ra), "+b"(rb), "+c"(rc), "+d"(rd));
    /* eax was all ones: some leaf past the maximum; whatever it returns, upper halves are 0. */
    P("cpuid zero-extends", (ra | rb | rc | rd) >> 32);
    ra = 1; rc = 0;
    __asm__ volatile("cpuid" : "+a"(ra), "=b"(rb), "+c"(rc), "=d"(rd));
    P("cpuid leaf 1: tsc, cmov, sse2", (rd >> 4 & 1) && (rd >> 15 & 1) && (rd >> 26 & 1));

    uint64_t lo0, hi0, lo1, hi1;
    __asm__ volatile("mov $-1, %%rax\n\tmov $-1, %%rdx\n\trdtsc" : "=a"(lo0), "=d"(hi0));
    __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
    P("rdtsc zero-extends", (lo0 | hi0 | lo1 | hi1) >> 32);
    P("rdtsc increases", (hi1 << 32 | lo1) > (hi0 << 32 | lo0));
}

int main(void)
{
    t_partial();
    t_extend();
    t_address();
    t_xchg();
    t_stack();
    t_enter_leave();
    t_cmov();
    t_setcc();
    t_flags();
    t_misc();
    return 0;
}
