/* strings_branches: the string instructions (movs, stos, lods, scas, cmps with and without
 * rep/repe/repne, all sizes, both directions, the 67 prefix, an FS override, zero counts) and
 * the branch instructions (jcc on every condition and flag combination, loop/loope/loopne
 * including the rcx = 0 wrap, jrcxz/jecxz, call/jmp through registers and memory addressed by
 * rsp, ret imm16), printed so native and ferry runs can be compared. Only defined flags are
 * printed (after scas/cmps all six arithmetic flags are defined). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FLAGS_MASK 0x8d5ull     /* OF SF ZF AF PF CF */
#define DF_BIT 0x400ull

static uint8_t buf[512] __attribute__((aligned(64)));
static uint8_t buf2[512] __attribute__((aligned(64)));

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)('A' + (i * 7 + seed) % 26);
}

static void show(const char *label, const uint8_t *p, size_t n)
{
    printf("%s: ", label);
    for (size_t i = 0; i < n; i++)
        putchar(p[i] >= 32 && p[i] < 127 ? p[i] : '.');
    putchar('\n');
}

static unsigned long long off(const void *p, const void *base)
{
    return (unsigned long long)((const uint8_t *)p - (const uint8_t *)base);
}

/* ---------------------------------------------------------------- rep movs */

static void test_movs(void)
{
    uint8_t *s, *d;
    uint64_t n;

    /* Overlap, dst = src + 1, DF = 0: the byte loop repeats the first byte (not memmove). */
    fill(buf, 64, 0);
    s = buf; d = buf + 1; n = 20;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    show("movsb fwd overlap+1", buf, 24);
    printf("  rsi=%llu rdi=%llu rcx=%llu\n", off(s, buf), off(d, buf), (unsigned long long)n);

    /* Overlap, dst = src + 3 with movsw: element-wise, period 3 bytes read 2 at a time. */
    fill(buf, 64, 1);
    s = buf; d = buf + 3; n = 9;
    __asm__ volatile("rep movsw" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    show("movsw fwd overlap+3", buf, 24);

    /* Overlap, dst = src - 1, DF = 0: same as memmove. */
    fill(buf, 64, 2);
    s = buf + 1; d = buf; n = 20;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    show("movsb fwd overlap-1", buf, 24);

    /* DF = 1, dst = src - 1 (pointers at the last byte): repeats the last byte downwards. */
    fill(buf, 64, 3);
    s = buf + 30; d = buf + 29; n = 20;
    __asm__ volatile("std; rep movsb; cld" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    show("movsb bwd overlap-1", buf, 32);
    printf("  rsi=%llu rdi=%llu rcx=%llu\n", off(s, buf), off(d, buf), (unsigned long long)n);

    /* DF = 1, dst = src + 1: same as memmove. */
    fill(buf, 64, 4);
    s = buf + 30; d = buf + 31; n = 20;
    __asm__ volatile("std; rep movsb; cld" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    show("movsb bwd overlap+1", buf, 32);

    /* Disjoint, each size, both directions. */
    for (int df = 0; df < 2; df++) {
        fill(buf, 256, 5);
        memset(buf2, '.', 256);
        n = 5;
        s = df ? buf + 128 : buf; d = df ? buf2 + 128 : buf2;
        if (df) __asm__ volatile("std; rep movsq; cld" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        else __asm__ volatile("rep movsq" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        printf("movsq df=%d rsi=%llu rdi=%llu rcx=%llu\n", df, off(s, buf), off(d, buf2), (unsigned long long)n);
        n = 7;
        if (df) __asm__ volatile("std; rep movsl; cld" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        else __asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        n = 3;
        if (df) __asm__ volatile("std; rep movsw; cld" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        else __asm__ volatile("rep movsw" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        show("  movs q/l/w", df ? buf2 + 56 : buf2, 80);
    }

    /* Count zero: nothing moves, registers unchanged. */
    fill(buf, 64, 6);
    s = buf; d = buf + 8; n = 0;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    printf("movsb n=0 rsi=%llu rdi=%llu rcx=%llu\n", off(s, buf), off(d, buf), (unsigned long long)n);

    /* Single element forms, both directions. */
    fill(buf, 64, 7);
    memset(buf2, '.', 64);
    s = buf + 8; d = buf2 + 8;
    __asm__ volatile("movsq; movsb; std; movsl; movsw; cld" : "+S"(s), "+D"(d) : : "memory");
    show("movs single", buf2, 24);
    printf("  rsi=%llu rdi=%llu\n", off(s, buf), off(d, buf2));
}

/* ---------------------------------------------------------------- stos, lods */

static void test_stos_lods(void)
{
    uint8_t *d, *s;
    uint64_t n, a;

    memset(buf, '.', 128);
    d = buf; n = 10; a = 0x4847464544434241ull;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    n = 3;
    __asm__ volatile("rep stosw" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    n = 3;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    n = 2;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    show("stos fwd", buf, 56);
    printf("  rdi=%llu rcx=%llu\n", off(d, buf), (unsigned long long)n);

    memset(buf, '.', 128);
    d = buf + 40; n = 3; a = 0x3837363534333231ull;
    __asm__ volatile("std; rep stosq; cld" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    n = 5;
    __asm__ volatile("std; rep stosb; stosw; cld" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    show("stos bwd", buf, 56);
    printf("  rdi=%llu rcx=%llu\n", off(d, buf), (unsigned long long)n);

    /* A long memset-like stosb and stosq. */
    memset(buf, 0, 512);
    d = buf + 3; n = 400;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x5a) : "memory");
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += buf[i];
    printf("stosb 400: sum=%u rdi=%llu\n", sum, off(d, buf));

    fill(buf, 64, 8);
    s = buf; n = 5; a = 0xffffffffffffffffull;
    __asm__ volatile("rep lodsb" : "+S"(s), "+c"(n), "+a"(a) : : "memory");
    printf("lodsb x5: rax=%016llx rsi=%llu rcx=%llu\n", (unsigned long long)a, off(s, buf), (unsigned long long)n);
    a = 0xffffffffffffffffull;
    __asm__ volatile("lodsw" : "+S"(s), "+a"(a) : : "memory");
    printf("lodsw: rax=%016llx\n", (unsigned long long)a);
    __asm__ volatile("lodsl" : "+S"(s), "+a"(a) : : "memory");
    printf("lodsl: rax=%016llx\n", (unsigned long long)a);
    n = 2;
    __asm__ volatile("std; rep lodsq; cld" : "+S"(s), "+c"(n), "+a"(a) : : "memory");
    printf("lodsq bwd x2: rax=%016llx rsi=%lld\n", (unsigned long long)a, (long long)off(s, buf));
    n = 0; a = 77;
    __asm__ volatile("rep lodsq" : "+S"(s), "+c"(n), "+a"(a) : : "memory");
    printf("lodsq n=0: rax=%llu rsi=%lld\n", (unsigned long long)a, (long long)off(s, buf));
}

/* ---------------------------------------------------------------- scas, cmps */

/* Run one scas/cmps form with flags preset to `fl` (so a zero count shows them unchanged). */
#define STRCMP_ASM(insn, s, d, n, a, fl)                                                    \
    __asm__ volatile("push %[f]; popfq; " insn "; pushfq; pop %[f]; cld"                   \
                     : "+S"(s), "+D"(d), "+c"(n), [f] "+r"(fl) : "a"(a) : "memory", "cc")

static void report(const char *what, const void *s, const void *d, uint64_t n, uint64_t fl)
{
    printf("%-22s rsi=%llu rdi=%llu rcx=%llu flags=%03llx\n", what, off(s, buf), off(d, buf),
           (unsigned long long)n, (unsigned long long)(fl & FLAGS_MASK));
}

static void test_scas_cmps(void)
{
    uint8_t *s, *d;
    uint64_t n, fl;

    memcpy(buf, "hello, world\0tail", 18);
    /* strlen idiom: repne scasb for 0. */
    s = buf; d = buf; n = ~0ull; fl = 0x202;
    STRCMP_ASM("repne scasb", s, d, n, 0, fl);
    report("repne scasb find 0", s, d, n, fl);
    printf("  strlen=%llu\n", (unsigned long long)(~n - 1));
    /* Not found within the count. */
    s = buf; d = buf; n = 5; fl = 0x202;
    STRCMP_ASM("repne scasb", s, d, n, 'z', fl);
    report("repne scasb miss", s, d, n, fl);
    /* Found on the last element allowed. */
    s = buf; d = buf; n = 5; fl = 0x202;
    STRCMP_ASM("repne scasb", s, d, n, 'o', fl);
    report("repne scasb last", s, d, n, fl);
    /* repe scasb: skip leading 'l's from buf+2. */
    s = buf; d = buf + 2; n = 10; fl = 0x202;
    STRCMP_ASM("repe scasb", s, d, n, 'l', fl);
    report("repe scasb", s, d, n, fl);
    /* Backwards. */
    s = buf; d = buf + 11; n = 20; fl = 0x202;
    STRCMP_ASM("std; repne scasb", s, d, n, ',', fl);
    report("std repne scasb", s, d, n, fl);
    /* Zero count: flags as preset (all six set, then none). */
    s = buf; d = buf; n = 0; fl = 0x202 | FLAGS_MASK;
    STRCMP_ASM("repne scasb", s, d, n, 'h', fl);
    report("repne scasb n=0 (set)", s, d, n, fl);
    n = 0; fl = 0x202;
    STRCMP_ASM("repe cmpsb", s, d, n, 0, fl);
    report("repe cmpsb n=0 (clr)", s, d, n, fl);
    /* Wider scas. */
    for (int i = 0; i < 64; i++) ((uint16_t *)buf)[i] = (uint16_t)(i * 0x1111);
    s = buf; d = buf; n = 64; fl = 0x202;
    STRCMP_ASM("repne scasw", s, d, n, 0x5555, fl);
    report("repne scasw", s, d, n, fl);
    s = buf; d = buf; n = 16; fl = 0x202;
    STRCMP_ASM("repne scasl", s, d, n, 0x77776666u, fl);
    report("repne scasl", s, d, n, fl);
    s = buf; d = buf; n = 8; fl = 0x202;
    STRCMP_ASM("repne scasq", s, d, n, 0x1234ull, fl);
    report("repne scasq miss", s, d, n, fl);
    s = buf + 8; d = buf; n = 1; fl = 0x202;
    STRCMP_ASM("scasq", s, d, n, 0x8000000000000000ull, fl);
    report("scasq single", s, d, n, fl);

    /* cmps: equal, differing (each ordering), sizes. */
    fill(buf, 128, 9);
    memcpy(buf + 256, buf, 128);
    buf[256 + 37] = 'a';            /* lower case > upper case */
    s = buf; d = buf + 256; n = 100; fl = 0x202;
    STRCMP_ASM("repe cmpsb", s, d, n, 0, fl);
    report("repe cmpsb diff@37", s, d, n, fl);
    s = buf + 256; d = buf; n = 100; fl = 0x202;
    STRCMP_ASM("repe cmpsb", s, d, n, 0, fl);
    report("repe cmpsb swapped", s, d, n, fl);
    s = buf; d = buf + 256; n = 30; fl = 0x202;
    STRCMP_ASM("repe cmpsb", s, d, n, 0, fl);
    report("repe cmpsb equal", s, d, n, fl);
    s = buf; d = buf + 256; n = 16; fl = 0x202;
    STRCMP_ASM("repe cmpsq", s, d, n, 0, fl);
    report("repe cmpsq", s, d, n, fl);
    s = buf; d = buf + 256; n = 4; fl = 0x202;
    STRCMP_ASM("repe cmpsq", s, d, n, 0, fl);
    report("repe cmpsq equal", s, d, n, fl);
    s = buf; d = buf + 256; n = 30; fl = 0x202;
    STRCMP_ASM("repe cmpsw", s, d, n, 0, fl);
    report("repe cmpsw", s, d, n, fl);
    s = buf; d = buf + 256; n = 30; fl = 0x202;
    STRCMP_ASM("repe cmpsl", s, d, n, 0, fl);
    report("repe cmpsl", s, d, n, fl);
    /* repne cmpsb: find the first equal position. */
    memset(buf2, 'x', 64);
    buf2[20] = buf[20];
    s = buf; d = buf2; n = 64; fl = 0x202;
    STRCMP_ASM("repne cmpsb", s, d, n, 0, fl);
    printf("repne cmpsb            rsi=%llu rdi=%llu rcx=%llu flags=%03llx\n", off(s, buf),
           off(d, buf2), (unsigned long long)n, (unsigned long long)(fl & FLAGS_MASK));
    /* Backwards repe cmpsb from the end of the two copies. */
    s = buf + 99; d = buf + 256 + 99; n = 100; fl = 0x202;
    STRCMP_ASM("std; repe cmpsb", s, d, n, 0, fl);
    report("std repe cmpsb", s, d, n, fl);
    /* Single cmps of each size, signed/unsigned orderings visible in the flags. */
    uint64_t x = 0x8000000000000001ull, y = 0x7fffffffffffffffull;
    memcpy(buf, &x, 8); memcpy(buf + 8, &y, 8);
    static const char *const names[4] = { "cmpsb", "cmpsw", "cmpsl", "cmpsq" };
    for (int k = 0; k < 4; k++) {
        s = buf + (8 - (1 << k)); d = buf + 16 - (1 << k); n = 0; fl = 0x202;
        switch (k) {
        case 0: STRCMP_ASM("cmpsb", s, d, n, 0, fl); break;
        case 1: STRCMP_ASM("cmpsw", s, d, n, 0, fl); break;
        case 2: STRCMP_ASM("cmpsl", s, d, n, 0, fl); break;
        default: STRCMP_ASM("cmpsq", s, d, n, 0, fl); break;
        }
        report(names[k], s, d, n, fl);
    }
}

/* ---------------------------------------------------------------- 67 prefix, FS override */

static void test_addr32_fs(void)
{
    uint64_t base = (uint64_t)(uintptr_t)buf;
    if (base >> 32 || ((uint64_t)(uintptr_t)buf2) >> 32) {
        printf("addr32: buffers above 4 GiB, skipped\n");
    } else {
        /* Upper halves of rsi/rdi/rcx are ignored and zeroed by the 32-bit writes. */
        fill(buf, 64, 10);
        memset(buf2, '.', 64);
        uint64_t s = base | 0xdead000000000000ull, d = (uint64_t)(uintptr_t)buf2 | 0xbeef00000000000ull;
        uint64_t n = 0x1234000000000005ull;
        __asm__ volatile(".byte 0x67; rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        show("a32 rep movsb", buf2, 8);
        printf("  rsi=%llu rdi=%llu rcx=%llx\n", (unsigned long long)(s - base),
               (unsigned long long)(d - (uint64_t)(uintptr_t)buf2), (unsigned long long)n);
        s = base | 0xffff000000000000ull;
        uint64_t a = 0;
        __asm__ volatile(".byte 0x67; lodsl" : "+S"(s), "+a"(a) : : "memory");
        printf("a32 lodsl: rax=%08llx rsi=%llu\n", (unsigned long long)a, (unsigned long long)(s - base));
        memcpy(buf, "abcdefgh", 9);
        d = base | 0x7700000000000000ull; n = 0x100000000ull | 20;
        __asm__ volatile(".byte 0x67; repne scasb" : "+D"(d), "+c"(n) : "a"('e') : "memory", "cc");
        printf("a32 repne scasb: rdi=%llu rcx=%llx\n", (unsigned long long)(d - base), (unsigned long long)n);
        uint64_t c = 0x500000000ull, taken = 0;
        __asm__ volatile(".byte 0x67; jecxz 1f; jmp 2f; 1: mov $1, %0; 2:" : "+r"(taken) : "c"(c));
        printf("jecxz with upper half set: taken=%llu\n", (unsigned long long)taken);
    }

    /* fs:0 holds the thread pointer itself in both glibc and musl. */
    uint64_t tp, got = 0, copy = 0;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    uint64_t s = 0;
    __asm__ volatile("fs lodsq" : "+S"(s), "=a"(got) : : "memory");
    uint64_t *dp = &copy, n = 8;
    s = 0;
    __asm__ volatile("fs rep movsb" : "+S"(s), "+D"(dp), "+c"(n) : : "memory");
    uint64_t fl = 0x202;
    uint64_t *ep = &tp;
    s = 0; n = 1;
    __asm__ volatile("push %[f]; popfq; fs cmpsq; pushfq; pop %[f]"
                     : "+S"(s), "+D"(ep), [f] "+r"(fl) : : "memory", "cc");
    printf("fs lodsq==tp %d, fs rep movsb==tp %d, fs cmpsq ZF=%d rsi=%llu\n", got == tp,
           copy == tp, (int)((fl >> 6) & 1), (unsigned long long)s);
}

/* ---------------------------------------------------------------- jcc */

/* For each condition 0..15, whether jcc jumps with EFLAGS = fl. Built from top-level asm so
 * the compiler cannot fold anything. */
unsigned jcc_mask(uint64_t fl);
unsigned jcc_mask32(uint64_t fl);
__asm__(
    ".text\n"
    ".globl jcc_mask\n"
    "jcc_mask:\n"
    "  xor %eax, %eax\n"
#define J8(cc, bit) \
    "  push %rdi\n  popfq\n  " #cc " 1f\n  jmp 2f\n1: or $" #bit ", %eax\n2:\n"
    J8(jo, 1) J8(jno, 2) J8(jb, 4) J8(jae, 8) J8(je, 16) J8(jne, 32) J8(jbe, 64) J8(ja, 128)
    J8(js, 256) J8(jns, 512) J8(jp, 1024) J8(jnp, 2048) J8(jl, 4096) J8(jge, 8192)
    J8(jle, 16384) J8(jg, 32768)
    "  ret\n"
    ".globl jcc_mask32\n"
    "jcc_mask32:\n"
    "  xor %eax, %eax\n"
    /* rel32 forms: a 128-byte gap forces the long encoding */
#define J32(cc, bit) \
    "  push %rdi\n  popfq\n  " #cc " 1f\n  jmp 2f\n  .skip 128, 0x90\n1: or $" #bit ", %eax\n2:\n"
    J32(jo, 1) J32(jno, 2) J32(jb, 4) J32(jae, 8) J32(je, 16) J32(jne, 32) J32(jbe, 64)
    J32(ja, 128) J32(js, 256) J32(jns, 512) J32(jp, 1024) J32(jnp, 2048) J32(jl, 4096)
    J32(jge, 8192) J32(jle, 16384) J32(jg, 32768)
    "  ret\n");

static void test_jcc(void)
{
    static const uint64_t bits[5] = { 0x1, 0x4, 0x40, 0x80, 0x800 };   /* CF PF ZF SF OF */
    unsigned long long acc = 0;
    int mismatches = 0;
    for (unsigned m = 0; m < 32; m++) {
        uint64_t fl = 0x202;
        for (int b = 0; b < 5; b++)
            if (m & (1u << b)) fl |= bits[b];
        unsigned j8 = jcc_mask(fl), j32 = jcc_mask32(fl);
        if (j8 != j32) mismatches++;
        acc = acc * 31 + j8;
        if (m % 8 == 0) printf("jcc flags=%03llx mask=%04x\n", (unsigned long long)fl, j8);
    }
    printf("jcc all: hash=%llx rel8/rel32 mismatches=%d\n", acc, mismatches);
}

/* ---------------------------------------------------------------- loop family */

/* loop with rcx = 0 wraps to all ones: the body sees rcx = -1 on its second pass, then
 * sets rcx = 3 so the loop ends after three more passes. Returns the pass count; *seen gets
 * the rcx of the second pass. */
static uint64_t loop_wrap(uint64_t *seen)
{
    uint64_t passes = 0, rcx = 0, sv = 0;
    __asm__ volatile(
        "1: inc %[p]\n"
        "   cmp $2, %[p]\n"
        "   jne 2f\n"
        "   mov %%rcx, %[sv]\n"
        "   mov $3, %%ecx\n"
        "2: loop 1b\n"
        : [p] "+r"(passes), "+c"(rcx), [sv] "+r"(sv) : : "cc");
    *seen = sv;
    return passes;
}

static void test_loop(void)
{
    uint64_t seen, p = loop_wrap(&seen);
    printf("loop rcx=0: passes=%llu rcx on 2nd pass=%llx\n", (unsigned long long)p,
           (unsigned long long)seen);

    /* loop counts rcx down without touching flags: CF = 1 and ZF = 0 from the body survive
     * the last loop, which brings rcx to 0. */
    uint64_t rcx = 10, passes = 0, cf = 0, zf = 1;
    __asm__ volatile("1: inc %[p]\n   stc\n   loop 1b\n   setc %b[cf]\n   setz %b[zf]\n"
                     : [p] "+r"(passes), "+c"(rcx), [cf] "+q"(cf), [zf] "+q"(zf) : : "cc");
    printf("loop 10: passes=%llu rcx=%llu cf=%llu zf=%llu\n", (unsigned long long)passes,
           (unsigned long long)rcx, (unsigned long long)(cf & 1), (unsigned long long)(zf & 1));

    /* loope: continue while the compared bytes are equal; loopne: while different. */
    static const char a[] = "abcdefgh", b[] = "abcdXfgh";
    uint64_t i = 0;
    rcx = 8;
    __asm__ volatile("1: movzbl (%[a],%[i]), %%eax\n   cmpb (%[b],%[i]), %%al\n   lea 1(%[i]), %[i]\n"
                     "   loope 1b\n"
                     : [i] "+r"(i), "+c"(rcx) : [a] "r"(a), [b] "r"(b) : "rax", "cc");
    printf("loope: i=%llu rcx=%llu\n", (unsigned long long)i, (unsigned long long)rcx);
    i = 0; rcx = 8;
    static const char c2[] = "zzzdzzzz";
    __asm__ volatile("1: movzbl (%[a],%[i]), %%eax\n   cmpb (%[b],%[i]), %%al\n   lea 1(%[i]), %[i]\n"
                     "   loopne 1b\n"
                     : [i] "+r"(i), "+c"(rcx) : [a] "r"(a), [b] "r"(c2) : "rax", "cc");
    printf("loopne: i=%llu rcx=%llu\n", (unsigned long long)i, (unsigned long long)rcx);

    /* 67 loop: ECX is the counter, and its write clears the upper half of rcx. */
    rcx = 0xabcd000000000003ull; passes = 0;
    __asm__ volatile("1: inc %[p]\n   .byte 0x67\n   loop 1b\n" : [p] "+r"(passes), "+c"(rcx) : : "cc");
    printf("a32 loop: passes=%llu rcx=%llx\n", (unsigned long long)passes, (unsigned long long)rcx);

    /* jrcxz: taken only when all of rcx is zero. */
    uint64_t t[3] = { 0, 0, 0 };
    static const uint64_t vals[3] = { 0, 1, 0x100000000ull };
    for (int k = 0; k < 3; k++)
        __asm__ volatile("jrcxz 1f\n   jmp 2f\n1: mov $1, %0\n2:" : "+r"(t[k]) : "c"(vals[k]));
    printf("jrcxz: %llu %llu %llu\n", (unsigned long long)t[0], (unsigned long long)t[1],
           (unsigned long long)t[2]);
}

/* ---------------------------------------------------------------- calls and returns */

/* call_tests(out): calls and jumps through registers and through memory addressed by rsp,
 * and ret $16 (callee_pop16 returns the sum of two stack arguments and releases them); out[]
 * gets the results and two stack-balance checks (0). */
uint64_t call_tests(uint64_t *out);
__asm__(
    ".text\n"
    "callee_a:\n"
    "  mov $0x11, %eax\n"
    "  ret\n"
    "callee_b:\n"
    "  lea 8(%rsp), %rax\n"             /* the caller's rsp before the call */
    "  ret\n"
    "callee_pop16:\n"
    "  mov 8(%rsp), %rax\n"
    "  add 16(%rsp), %rax\n"
    "  ret $16\n"
    "jmp_target:\n"
    "  mov $0x33, %eax\n"
    "  jmp *%rdx\n"
    ".globl call_tests\n"
    "call_tests:\n"                     /* rdi = out[8] */
    "  push %rbx\n"
    "  push %r12\n"
    "  mov %rsp, %r12\n"
    /* call *reg */
    "  lea callee_a(%rip), %rbx\n"
    "  call *%rbx\n"
    "  mov %rax, 0(%rdi)\n"
    /* call *(%rsp): the target is read with the old rsp */
    "  lea callee_b(%rip), %rax\n"
    "  push %rax\n"
    "  call *(%rsp)\n"
    "  sub %rsp, %rax\n"                /* 0 if callee_b saw our rsp */
    "  mov %rax, 8(%rdi)\n"
    "  pop %rax\n"
    /* call *-8(%rsp): the slot the push overwrites; it must be read first */
    "  lea callee_a(%rip), %rax\n"
    "  mov %rax, -8(%rsp)\n"
    "  call *-8(%rsp)\n"
    "  mov %rax, 16(%rdi)\n"
    /* call *8(%rsp) through a two-slot table on the stack */
    "  lea callee_a(%rip), %rax\n"
    "  push %rax\n"
    "  lea callee_b(%rip), %rax\n"
    "  push %rax\n"
    "  call *8(%rsp)\n"
    "  mov %rax, 24(%rdi)\n"
    "  add $16, %rsp\n"
    /* ret $16: callee releases two stack arguments */
    "  push $0x100\n"
    "  push $0x23\n"
    "  call callee_pop16\n"
    "  mov %rax, 32(%rdi)\n"
    "  mov %r12, %rax\n"
    "  sub %rsp, %rax\n"                /* 0: the stack is balanced */
    "  mov %rax, 40(%rdi)\n"
    /* jmp *reg and jmp *mem, returning through rdx */
    "  lea 1f(%rip), %rdx\n"
    "  lea jmp_target(%rip), %rax\n"
    "  jmp *%rax\n"
    "1: mov %rax, 48(%rdi)\n"
    "  lea jmp_target(%rip), %rax\n"
    "  push %rax\n"
    "  lea 2f(%rip), %rdx\n"
    "  jmp *(%rsp)\n"
    "2: add $8, %rsp\n"
    "  add $0x11, %rax\n"
    "  mov %rax, 56(%rdi)\n"
    "  mov %r12, %rsp\n"
    "  pop %r12\n"
    "  pop %rbx\n"
    "  ret\n");

static unsigned depth_calls(unsigned n) { return n == 0 ? 0 : 1 + depth_calls(n - 1); }

static void test_calls(void)
{
    uint64_t out[8];
    memset(out, 0xee, sizeof out);
    call_tests(out);
    for (int i = 0; i < 8; i++)
        printf("call_tests[%d]=%llx\n", i, (unsigned long long)out[i]);
    unsigned (*volatile fp)(unsigned) = depth_calls;
    printf("depth=%u\n", fp(1000));
}

int main(void)
{
    test_movs();
    test_stos_lods();
    test_scas_cmps();
    test_addr32_fs();
    test_jcc();
    test_loop();
    test_calls();
    return 0;
}
