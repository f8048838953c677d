/* bmi_adx: the bit-manipulation extensions through inline assembly, compared with a native
 * run. BMI1 (andn bextr blsi blsmsk blsr tzcnt), BMI2 (bzhi mulx pdep pext rorx sarx shlx
 * shrx), ADX (adcx adox), popcnt, lzcnt, movbe, in 32 and 64-bit (and where they exist
 * 16-bit) forms with register and memory operands; rdrand, rdseed and rdtscp as far as a
 * native run can agree with them (their values differ by design); the CPUID bits that
 * advertise all of them; and encodings next to them that are #UD (VEX.L = 1, 66/F2/F3/REX/LOCK
 * before VEX, reserved VEX fields, wrong mandatory prefixes, LOCK, movbe on registers), which
 * must raise SIGILL/ILL_ILLOPN at the instruction.
 *
 * Each case starts from a known EFLAGS (all six arithmetic flags clear, then all set) and
 * prints the result and the flags the SDM defines for the instruction (the ones it leaves
 * unchanged included), masking the undefined ones. Edge values are printed one per line;
 * pseudo-random operands are folded into one hash per instruction form. The output is
 * deterministic, so the run under ferry must print exactly what the native run prints.
 *
 * Memory operands are static variables (RIP-relative) and the flag set-up steps over the red
 * zone before pushing, so the asm is safe at any optimisation level.
 */
#define _GNU_SOURCE         /* REG_RIP */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ALL (CF | PF | AF | ZF | SF | OF)

/* Set EFLAGS to fin (arithmetic bits), run INSN, read EFLAGS into f. */
#define PRE  "lea -128(%%rsp), %%rsp\n\tpush %[fin]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"

static u64 m64, m64b;
static u32 m32, m32b;
static u16 m16, m16b;

static const u64 edge[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x100000000ull, 0x8000000000000000ull, 0x7fffffffffffffffull, ~0ull,
    0xdeadbeefcafebabeull, 0x0123456789abcdefull, 0xf0f0f0f00f0f0f0full, 0x1f, 0x20, 0x3f,
    0x40, 0x41, 0x0820, 0x1004, 0x2008, 0xff00, 0x4020, 0x0830,
};
#define NEDGE (sizeof edge / sizeof edge[0])

static u64 rng_s = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
    u64 z = (rng_s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    switch (z & 7) {            /* bias towards small fields: bextr/bzhi controls, counts */
    case 0: return z >> 56;
    case 1: return (z >> 48) & 0x3f3f;
    default: return z;
    }
}

static u64 hash;
static void mix(u64 v) { hash = (hash ^ v) * 0x100000001b3ull; }

static const u64 fins[2] = { 0x202, 0x202 | ALL };

/* ---------------------------------------------------------------- one-result forms */

/* kinds of operand shapes */
enum { K2, K3 };   /* K2: op src, dst (dst in/out); K3: op s2, s1, dst */

typedef struct Res { u64 r, f; } Res;

#define DEF3(fn, insn, T, REG)                                                           \
static Res fn##_r(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r, x = (T)a, y = (T)b; u64 f;                                                      \
    __asm__ volatile(PRE insn " %[y], %[x], %[r]" POST                                   \
                     : [r] "=&r"(r), [f] "=&r"(f) : [x] "r"(x), [y] "r"(y), [fin] "r"(fin) \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}                                                                                        \
static Res fn##_m(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r, x = (T)a; u64 f;                                                                \
    REG = (T)b;                                                                          \
    __asm__ volatile(PRE insn " %[y], %[x], %[r]" POST                                   \
                     : [r] "=&r"(r), [f] "=&r"(f) : [x] "r"(x), [y] "m"(REG), [fin] "r"(fin) \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}

/* op s2, s1, dst where s1 is the r/m operand (bextr, bzhi, sarx, shlx, shrx): the memory
 * form replaces s1. */
#define DEF3M1(fn, insn, T, REG)                                                         \
static Res fn##_r(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r, x = (T)a, y = (T)b; u64 f;                                                      \
    __asm__ volatile(PRE insn " %[y], %[x], %[r]" POST                                   \
                     : [r] "=&r"(r), [f] "=&r"(f) : [x] "r"(x), [y] "r"(y), [fin] "r"(fin) \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}                                                                                        \
static Res fn##_m(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r, y = (T)b; u64 f;                                                                \
    REG = (T)a;                                                                          \
    __asm__ volatile(PRE insn " %[y], %[x], %[r]" POST                                   \
                     : [r] "=&r"(r), [f] "=&r"(f) : [x] "m"(REG), [y] "r"(y), [fin] "r"(fin) \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}

/* op src, dst with dst written only (blsi, popcnt, ...): a = src. */
#define DEF2W(fn, insn, T, REG)                                                          \
static Res fn##_r(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r = (T)b, x = (T)a; u64 f;                                                         \
    __asm__ volatile(PRE insn " %[x], %[r]" POST                                         \
                     : [r] "+&r"(r), [f] "=&r"(f) : [x] "r"(x), [fin] "r"(fin)           \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}                                                                                        \
static Res fn##_m(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r = (T)b; u64 f;                                                                   \
    REG = (T)a;                                                                          \
    __asm__ volatile(PRE insn " %[x], %[r]" POST                                         \
                     : [r] "+&r"(r), [f] "=&r"(f) : [x] "m"(REG), [fin] "r"(fin)         \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}

/* adcx/adox src, dst: dst is read too; a = dst, b = src. */
#define DEF2RW(fn, insn, T, REG)                                                         \
static Res fn##_r(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r = (T)a, x = (T)b; u64 f;                                                         \
    __asm__ volatile(PRE insn " %[x], %[r]" POST                                         \
                     : [r] "+&r"(r), [f] "=&r"(f) : [x] "r"(x), [fin] "r"(fin)           \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}                                                                                        \
static Res fn##_m(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    T r = (T)a; u64 f;                                                                   \
    REG = (T)b;                                                                          \
    __asm__ volatile(PRE insn " %[x], %[r]" POST                                         \
                     : [r] "+&r"(r), [f] "=&r"(f) : [x] "m"(REG), [fin] "r"(fin)         \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}

DEF3(andn64, "andn", u64, m64)              /* dst = ~s1 & s2 (s2 is r/m) */
DEF3(andn32, "andn", u32, m32)
DEF3M1(bextr64, "bextr", u64, m64)          /* AT&T: bextr ctl, src, dst */
DEF3M1(bextr32, "bextr", u32, m32)
DEF3M1(bzhi64, "bzhi", u64, m64)            /* bzhi idx, src, dst */
DEF3M1(bzhi32, "bzhi", u32, m32)
DEF3(pdep64, "pdep", u64, m64)              /* pdep mask(r/m), src, dst */
DEF3(pdep32, "pdep", u32, m32)
DEF3(pext64, "pext", u64, m64)
DEF3(pext32, "pext", u32, m32)
DEF3M1(sarx64, "sarx", u64, m64)            /* sarx cnt, src(r/m), dst */
DEF3M1(sarx32, "sarx", u32, m32)
DEF3M1(shlx64, "shlx", u64, m64)
DEF3M1(shlx32, "shlx", u32, m32)
DEF3M1(shrx64, "shrx", u64, m64)
DEF3M1(shrx32, "shrx", u32, m32)
DEF2W(blsi64, "blsi", u64, m64)
DEF2W(blsi32, "blsi", u32, m32)
DEF2W(blsmsk64, "blsmsk", u64, m64)
DEF2W(blsmsk32, "blsmsk", u32, m32)
DEF2W(blsr64, "blsr", u64, m64)
DEF2W(blsr32, "blsr", u32, m32)
DEF2W(tzcnt64, "tzcnt", u64, m64)
DEF2W(tzcnt32, "tzcnt", u32, m32)
DEF2W(tzcnt16, "tzcnt", u16, m16)
DEF2W(lzcnt64, "lzcnt", u64, m64)
DEF2W(lzcnt32, "lzcnt", u32, m32)
DEF2W(lzcnt16, "lzcnt", u16, m16)
DEF2W(popcnt64, "popcnt", u64, m64)
DEF2W(popcnt32, "popcnt", u32, m32)
DEF2W(popcnt16, "popcnt", u16, m16)
DEF2RW(adcx64, "adcx", u64, m64)
DEF2RW(adcx32, "adcx", u32, m32)
DEF2RW(adox64, "adox", u64, m64)
DEF2RW(adox32, "adox", u32, m32)

/* rorx by an immediate: a few counts, each its own instruction. */
#define DEFRORX(fn, T, REG, N)                                                           \
static Res fn##_r(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    (void)b; T r, x = (T)a; u64 f;                                                       \
    __asm__ volatile(PRE "rorx $" #N ", %[x], %[r]" POST                                 \
                     : [r] "=&r"(r), [f] "=&r"(f) : [x] "r"(x), [fin] "r"(fin)         \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}                                                                                        \
static Res fn##_m(u64 a, u64 b, u64 fin)                                                 \
{                                                                                        \
    (void)b; T r; u64 f;                                                                 \
    REG = (T)a;                                                                          \
    __asm__ volatile(PRE "rorx $" #N ", %[x], %[r]" POST                                 \
                     : [r] "=&r"(r), [f] "=&r"(f) : [x] "m"(REG), [fin] "r"(fin)       \
                     : "cc", "memory");                                                  \
    return (Res){ r, f };                                                                \
}
DEFRORX(rorx64_0, u64, m64, 0)
DEFRORX(rorx64_1, u64, m64, 1)
DEFRORX(rorx64_13, u64, m64, 13)
DEFRORX(rorx64_63, u64, m64, 63)
DEFRORX(rorx64_64, u64, m64, 64)            /* the count is taken mod 64 */
DEFRORX(rorx32_0, u32, m32, 0)
DEFRORX(rorx32_7, u32, m32, 7)
DEFRORX(rorx32_31, u32, m32, 31)
DEFRORX(rorx32_33, u32, m32, 33)            /* mod 32 */

typedef Res (*Fn)(u64, u64, u64);
typedef struct Case { const char *name; Fn r, m; unsigned defined; unsigned bits; } Case;

#define C(n, d, w) { #n, n##_r, n##_m, d, w }
static const Case cases[] = {
    C(andn64, SF | ZF | CF | OF, 64), C(andn32, SF | ZF | CF | OF, 32),
    C(bextr64, ZF | CF | OF, 64), C(bextr32, ZF | CF | OF, 32),
    C(blsi64, SF | ZF | CF | OF, 64), C(blsi32, SF | ZF | CF | OF, 32),
    C(blsmsk64, SF | ZF | CF | OF, 64), C(blsmsk32, SF | ZF | CF | OF, 32),
    C(blsr64, SF | ZF | CF | OF, 64), C(blsr32, SF | ZF | CF | OF, 32),
    C(tzcnt64, ZF | CF, 64), C(tzcnt32, ZF | CF, 32), C(tzcnt16, ZF | CF, 16),
    C(lzcnt64, ZF | CF, 64), C(lzcnt32, ZF | CF, 32), C(lzcnt16, ZF | CF, 16),
    C(popcnt64, ALL, 64), C(popcnt32, ALL, 32), C(popcnt16, ALL, 16),
    C(bzhi64, SF | ZF | CF | OF, 64), C(bzhi32, SF | ZF | CF | OF, 32),
    C(pdep64, ALL, 64), C(pdep32, ALL, 32), C(pext64, ALL, 64), C(pext32, ALL, 32),
    C(sarx64, ALL, 64), C(sarx32, ALL, 32), C(shlx64, ALL, 64), C(shlx32, ALL, 32),
    C(shrx64, ALL, 64), C(shrx32, ALL, 32),
    C(rorx64_0, ALL, 64), C(rorx64_1, ALL, 64), C(rorx64_13, ALL, 64), C(rorx64_63, ALL, 64),
    C(rorx64_64, ALL, 64), C(rorx32_0, ALL, 32), C(rorx32_7, ALL, 32), C(rorx32_31, ALL, 32),
    C(rorx32_33, ALL, 32),
    C(adcx64, ALL, 64), C(adcx32, ALL, 32), C(adox64, ALL, 64), C(adox32, ALL, 32),
};

/* The register keeps its upper bits for 16-bit destinations and loses them for 32-bit ones;
 * the Res values are already the C type's, so print them at their width. */
static void run_case(const Case *k)
{
    hash = 0xcbf29ce484222325ull;
    /* edge values: every pair for the reg form from the first half of the table */
    for (unsigned i = 0; i < NEDGE; i++)
        for (unsigned j = 0; j < NEDGE; j += (i < 8 ? 1 : 5)) {
            for (unsigned fi = 0; fi < 2; fi++) {
                Res a = k->r(edge[i], edge[j], fins[fi]);
                Res b = k->m(edge[i], edge[j], fins[fi]);
                if (i % 3 == 0 && j % 4 == 0)
                    printf("%s(%llx,%llx,f%u) = %llx fl %03x | mem %llx fl %03x\n", k->name,
                           (unsigned long long)edge[i], (unsigned long long)edge[j], fi,
                           (unsigned long long)a.r, (unsigned)(a.f & k->defined),
                           (unsigned long long)b.r, (unsigned)(b.f & k->defined));
                else {
                    mix(a.r); mix(a.f & k->defined); mix(b.r); mix(b.f & k->defined);
                }
            }
        }
    for (unsigned n = 0; n < 3000; n++) {
        u64 x = rnd(), y = rnd(), fin = fins[n & 1];
        Res a = k->r(x, y, fin), b = k->m(x, y, fin);
        mix(a.r); mix(a.f & k->defined); mix(b.r); mix(b.f & k->defined);
    }
    printf("%s: hash %016llx\n", k->name, (unsigned long long)hash);
}

/* ---------------------------------------------------------------- mulx (two results) */

static void mulx_tests(void)
{
    hash = 0xcbf29ce484222325ull;
    for (unsigned n = 0; n < 2000 + NEDGE * NEDGE; n++) {
        u64 a = n < NEDGE * NEDGE ? edge[n / NEDGE] : rnd();
        u64 b = n < NEDGE * NEDGE ? edge[n % NEDGE] : rnd();
        u64 fin = fins[n & 1];
        u64 hi, lo, f, hi2, lo2, f2;
        __asm__ volatile(PRE "mulx %[b], %[lo], %[hi]" POST
                         : [hi] "=&r"(hi), [lo] "=&r"(lo), [f] "=&r"(f)
                         : "d"(a), [b] "r"(b), [fin] "r"(fin) : "cc", "memory");
        m64 = b;
        __asm__ volatile(PRE "mulx %[b], %[lo], %[hi]" POST
                         : [hi] "=&r"(hi2), [lo] "=&r"(lo2), [f] "=&r"(f2)
                         : "d"(a), [b] "m"(m64), [fin] "r"(fin) : "cc", "memory");
        u32 h32, l32, h32m, l32m;
        u64 f3, f4;
        __asm__ volatile(PRE "mulx %[b], %[lo], %[hi]" POST
                         : [hi] "=&r"(h32), [lo] "=&r"(l32), [f] "=&r"(f3)
                         : "d"((u32)a), [b] "r"((u32)b), [fin] "r"(fin) : "cc", "memory");
        m32 = (u32)b;
        __asm__ volatile(PRE "mulx %[b], %[lo], %[hi]" POST
                         : [hi] "=&r"(h32m), [lo] "=&r"(l32m), [f] "=&r"(f4)
                         : "d"((u32)a), [b] "m"(m32), [fin] "r"(fin) : "cc", "memory");
        if (n < NEDGE * NEDGE && n % 37 == 0)
            printf("mulx(%llx,%llx) = %llx:%llx fl %03x | mem %llx:%llx | 32: %x:%x %x:%x "
                   "fl %03x %03x\n", (unsigned long long)a, (unsigned long long)b,
                   (unsigned long long)hi, (unsigned long long)lo, (unsigned)(f & ALL),
                   (unsigned long long)hi2, (unsigned long long)lo2, h32, l32, h32m, l32m,
                   (unsigned)(f3 & ALL), (unsigned)(f4 & ALL));
        mix(hi); mix(lo); mix(f & ALL); mix(hi2); mix(lo2); mix(f2 & ALL);
        mix(h32); mix(l32); mix(h32m); mix(l32m); mix(f3 & ALL); mix(f4 & ALL);
    }
    printf("mulx: random hash %016llx\n", (unsigned long long)hash);

    /* the same register as both destinations: it gets the high half (SDM) */
    u64 r = 0x1234, a = 0x100000000ull;
    __asm__ volatile("mulx %[r], %[r], %[r]" : [r] "+r"(r) : "d"(a) : "cc");
    printf("mulx same dest: %llx\n", (unsigned long long)r);
    /* 32-bit destinations zero-extend the 64-bit registers */
    u64 hi = ~0ull, lo = ~0ull;
    __asm__ volatile("mulx %k[b], %k[lo], %k[hi]"
                     : [hi] "+&r"(hi), [lo] "+&r"(lo) : "d"(0xffffffffull), [b] "r"(3ull)
                     : "cc");
    printf("mulx32 zero-extends: %llx %llx\n", (unsigned long long)hi,
           (unsigned long long)lo);
}

/* ---------------------------------------------------------------- register-width rules */

static void width_tests(void)
{
    /* 32-bit destinations zero-extend; 16-bit ones (tzcnt/lzcnt/popcnt with 66) merge */
    u64 r = ~0ull;
    __asm__ volatile("andn %k[s], %k[s], %k[r]" : [r] "+&r"(r) : [s] "r"(0ull) : "cc");
    printf("andn32 zero-extends: %llx\n", (unsigned long long)r);
    r = ~0ull;
    __asm__ volatile("blsr %k[s], %k[r]" : [r] "+&r"(r) : [s] "r"(6ull) : "cc");
    printf("blsr32 zero-extends: %llx\n", (unsigned long long)r);
    r = 0x1111222233334444ull;
    __asm__ volatile("tzcnt %w[s], %w[r]" : [r] "+&r"(r) : [s] "r"(0ull) : "cc");
    printf("tzcnt16 merges: %llx\n", (unsigned long long)r);
    r = 0x1111222233334444ull;
    __asm__ volatile("lzcnt %w[s], %w[r]" : [r] "+&r"(r) : [s] "r"(1ull) : "cc");
    printf("lzcnt16 merges: %llx\n", (unsigned long long)r);
    r = 0x1111222233334444ull;
    __asm__ volatile("popcnt %w[s], %w[r]" : [r] "+&r"(r) : [s] "r"(0xffffull) : "cc");
    printf("popcnt16 merges: %llx\n", (unsigned long long)r);
    r = ~0ull;
    __asm__ volatile("tzcnt %k[s], %k[r]" : [r] "+&r"(r) : [s] "r"(0ull) : "cc");
    printf("tzcnt32 of 0 writes 32, zero-extended: %llx\n", (unsigned long long)r);
    r = ~0ull;
    __asm__ volatile("adcx %k[s], %k[r]" : [r] "+&r"(r) : [s] "r"(1ull) : "cc");
    printf("adcx32 zero-extends: %llx\n", (unsigned long long)r);
    r = ~0ull;
    __asm__ volatile("shlx %k[c], %k[s], %k[r]" : [r] "=&r"(r) : [s] "r"(~0ull), [c] "r"(36ull));
    printf("shlx32 count mod 32: %llx\n", (unsigned long long)r);
    /* F3 0F BC with F2 after F3 is bsf (the last of F2/F3 counts), before it tzcnt */
    u64 d = 5;
    __asm__ volatile(".byte 0xf3, 0xf2, 0x0f, 0xbc, 0xc1" : "+a"(d) : "c"(0ull) : "cc");
    printf("f3 f2 0f bc (bsf) of 0 keeps: %llx\n", (unsigned long long)d);
    d = 5;
    __asm__ volatile(".byte 0xf2, 0xf3, 0x0f, 0xbc, 0xc1" : "+a"(d) : "c"(0ull) : "cc");
    printf("f2 f3 0f bc (tzcnt) of 0: %llx\n", (unsigned long long)d);
    /* adcx with the extra 66 before F3 is adox (32-bit, the 66 is not an operand size) */
    u64 x = ~0ull, fl;
    __asm__ volatile(PRE ".byte 0x66, 0xf3, 0x0f, 0x38, 0xf6, 0xc1" POST
                     : "+a"(x), [f] "=&r"(fl) : "c"(1ull), [fin] "r"(0x202ull | OF) : "cc");
    printf("66 f3 0f 38 f6 (adox32): %llx fl %03x\n", (unsigned long long)x,
           (unsigned)(fl & ALL));
}

/* ---------------------------------------------------------------- movbe */

static void movbe_tests(void)
{
    hash = 0xcbf29ce484222325ull;
    for (unsigned n = 0; n < 500 + NEDGE; n++) {
        u64 v = n < NEDGE ? edge[n] : rnd(), fin = fins[n & 1], f1, f2, f3, f4, f5, f6;
        u64 r64, r32 = ~0ull, r16 = 0xaaaaaaaaaaaaaaaaull;
        m64 = v; m32 = (u32)v; m16 = (u16)v;
        __asm__ volatile(PRE "movbe %[m], %[r]" POST : [r] "=&r"(r64), [f] "=&r"(f1)
                         : [m] "m"(m64), [fin] "r"(fin) : "cc", "memory");
        __asm__ volatile(PRE "movbe %[m], %k[r]" POST : [r] "+&r"(r32), [f] "=&r"(f2)
                         : [m] "m"(m32), [fin] "r"(fin) : "cc", "memory");
        __asm__ volatile(PRE "movbe %[m], %w[r]" POST : [r] "+&r"(r16), [f] "=&r"(f3)
                         : [m] "m"(m16), [fin] "r"(fin) : "cc", "memory");
        __asm__ volatile(PRE "movbe %[r], %[m]" POST : [m] "=m"(m64b), [f] "=&r"(f4)
                         : [r] "r"(v), [fin] "r"(fin) : "cc", "memory");
        __asm__ volatile(PRE "movbe %k[r], %[m]" POST : [m] "=m"(m32b), [f] "=&r"(f5)
                         : [r] "r"(v), [fin] "r"(fin) : "cc", "memory");
        __asm__ volatile(PRE "movbe %w[r], %[m]" POST : [m] "=m"(m16b), [f] "=&r"(f6)
                         : [r] "r"(v), [fin] "r"(fin) : "cc", "memory");
        if (n < NEDGE && n % 4 == 0)
            printf("movbe(%llx) = %llx %llx %llx | st %llx %x %x | fl %03x %03x\n",
                   (unsigned long long)v, (unsigned long long)r64, (unsigned long long)r32,
                   (unsigned long long)r16, (unsigned long long)m64b, m32b, m16b,
                   (unsigned)(f1 & ALL), (unsigned)((f2 | f3 | f4 | f5 | f6) & ALL));
        mix(r64); mix(r32); mix(r16); mix(m64b); mix(m32b); mix(m16b);
        mix((f1 ^ f2 ^ f3 ^ f4 ^ f5 ^ f6) & ALL);
    }
    printf("movbe: random hash %016llx\n", (unsigned long long)hash);
}

/* ---------------------------------------------------------------- adx carry chains */

/* A 256-bit multiply-accumulate the way bignum code uses mulx/adcx/adox: two carry chains
 * interleaved, one in CF and one in OF. */
static void adx_chain(void)
{
    u64 a[4], b[4], acc[8];
    for (unsigned round = 0; round < 200; round++) {
        for (int k = 0; k < 4; k++) { a[k] = rnd(); b[k] = rnd(); }
        if (round < 4) for (int k = 0; k < 4; k++) a[k] = b[k] = ~0ull;
        memset(acc, 0, sizeof acc);
        for (int i = 0; i < 4; i++) {
            u64 carry = 0;
            for (int j = 0; j < 4; j++) {
                u64 hi, lo, t0 = acc[i + j], t1 = acc[i + j + 1], z = 0;
                __asm__ volatile("xor %k[z], %k[z]\n\t"      /* clears CF and OF */
                                 "mulx %[b], %[lo], %[hi]\n\t"
                                 "adcx %[lo], %[t0]\n\t"
                                 "adox %[c], %[t0]\n\t"
                                 "adcx %[z], %[hi]\n\t"
                                 "adox %[z], %[hi]\n\t"
                                 : [hi] "=&r"(hi), [lo] "=&r"(lo), [t0] "+&r"(t0), [z] "+&r"(z)
                                 : "d"(a[i]), [b] "r"(b[j]), [c] "r"(carry) : "cc");
                acc[i + j] = t0;
                carry = hi;
                (void)t1;
            }
            u64 t = acc[i + 4];
            __asm__ volatile("add %[c], %[t]" : [t] "+r"(t) : [c] "r"(carry) : "cc");
            acc[i + 4] = t;
        }
        for (int k = 0; k < 8; k++) mix(acc[k]);
        if (round < 2)
            printf("chain: %llx %llx %llx %llx %llx %llx %llx %llx\n",
                   (unsigned long long)acc[0], (unsigned long long)acc[1],
                   (unsigned long long)acc[2], (unsigned long long)acc[3],
                   (unsigned long long)acc[4], (unsigned long long)acc[5],
                   (unsigned long long)acc[6], (unsigned long long)acc[7]);
    }
    printf("adx chain hash %016llx\n", (unsigned long long)hash);
}

/* ---------------------------------------------------------------- rdrand rdseed rdtscp */

static void random_tests(void)
{
    /* A success sets CF and clears OF SF ZF AF PF; retry a few times as the SDM advises.
     * Two 64-bit values in a row being equal would be a broken source. */
    for (int kind = 0; kind < 2; kind++) {
        u64 v[2] = { 0, 0 }, f = 0;
        int ok = 0;
        for (int k = 0; k < 2; k++)
            for (int tries = 0; tries < 100; tries++) {
                u64 fin = 0x202 | ALL;
                if (kind == 0)
                    __asm__ volatile(PRE "rdrand %[v]" POST : [v] "=&r"(v[k]), [f] "=&r"(f)
                                     : [fin] "r"(fin) : "cc", "memory");
                else
                    __asm__ volatile(PRE "rdseed %[v]" POST : [v] "=&r"(v[k]), [f] "=&r"(f)
                                     : [fin] "r"(fin) : "cc", "memory");
                if (f & CF) { ok += (f & ALL) == CF; break; }
            }
        printf("%s: %s, flags CF only %s, values differ %s\n", kind ? "rdseed" : "rdrand",
               ok == 2 ? "ok" : "failed", ok == 2 ? "yes" : "no", v[0] != v[1] ? "yes" : "no");
        /* 16 and 32-bit forms: the upper bits of the register */
        u64 r16 = 0x5555555555555555ull, r32 = 0x5555555555555555ull;
        for (int tries = 0; tries < 100; tries++) {
            __asm__ volatile("rdrand %w[v]\n\tsetc %b[f]" : [v] "+r"(r16), [f] "=&q"(f) :: "cc");
            if (f & 1) break;
        }
        for (int tries = 0; tries < 100; tries++) {
            __asm__ volatile("rdrand %k[v]\n\tsetc %b[f]" : [v] "+r"(r32), [f] "=&q"(f) :: "cc");
            if (f & 1) break;
        }
        printf("rdrand16 keeps the upper bits: %s; rdrand32 zero-extends: %s\n",
               (r16 >> 16) == 0x555555555555ull ? "yes" : "no", (r32 >> 32) == 0 ? "yes" : "no");
    }
    u32 lo, hi, lo2, hi2;
    u64 aux = ~0ull;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    __asm__ volatile("rdtscp" : "=a"(lo2), "=d"(hi2), "+c"(aux));
    u64 t1 = (u64)hi << 32 | lo, t2 = (u64)hi2 << 32 | lo2;
    printf("rdtscp: after rdtsc %s, rcx upper half zero %s\n", t2 >= t1 ? "yes" : "no",
           (aux >> 32) == 0 ? "yes" : "no");
}

/* ---------------------------------------------------------------- cpuid */

static void cpuid_tests(void)
{
    u32 a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    printf("cpuid 1: popcnt %u movbe %u cx16 %u rdrand %u\n", c >> 23 & 1, c >> 22 & 1,
           c >> 13 & 1, c >> 30 & 1);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    printf("cpuid 7: bmi1 %u bmi2 %u adx %u rdseed %u\n", b >> 3 & 1, b >> 8 & 1, b >> 19 & 1,
           b >> 18 & 1);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001), "c"(0));
    printf("cpuid 80000001: lzcnt %u rdtscp %u\n", c >> 5 & 1, d >> 27 & 1);
}

/* ---------------------------------------------------------------- #UD encodings */

/* Each is #UD on hardware (checked on the host) and must be SIGILL/ILL_ILLOPN at its first
 * byte. rax points at a readable buffer for the memory forms. */
#define UD(n, bytes) \
    __asm__ volatile(".globl ud_" #n "\nud_" #n ": .byte " bytes :: "a"(ud_buf) : "memory", "cc")
extern char ud_0[], ud_1[], ud_2[], ud_3[], ud_4[], ud_5[], ud_6[], ud_7[], ud_8[], ud_9[],
    ud_10[], ud_11[], ud_12[], ud_13[], ud_14[], ud_15[], ud_16[], ud_17[];
static char *const ud_at[] = { ud_0, ud_1, ud_2, ud_3, ud_4, ud_5, ud_6, ud_7, ud_8, ud_9,
                               ud_10, ud_11, ud_12, ud_13, ud_14, ud_15, ud_16, ud_17 };
static const char *const ud_name[] = {
    "andn VEX.L=1", "66 before VEX", "f3 before VEX", "REX before VEX", "LOCK before VEX",
    "rorx vvvv!=1111b", "group 17 /0", "VEX.mmmmm=0", "VEX 0f38 f4", "andn VEX.pp=66",
    "f3 rdrand", "f2 rdseed", "f2 popcnt", "lock tzcnt", "f3 movbe", "movbe reg",
    "lock adcx", "bzhi VEX.L=1 W1",
};
static u64 ud_buf[4];
static sigjmp_buf ud_env;
static volatile int ud_k;

static void on_ud(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    char *rip = (char *)uc->uc_mcontext.gregs[REG_RIP];
    printf("%-18s: signal %d si_code %d at the instruction %s\n", ud_name[ud_k], sig,
           si->si_code, rip == ud_at[ud_k] ? "yes" : "no");
    siglongjmp(ud_env, 1);
}

static void ud_tests(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ud;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, &old);
    for (ud_k = 0; ud_k < 18; ud_k++) {
        if (sigsetjmp(ud_env, 1))
            continue;
        switch (ud_k) {
        case 0: UD(0, "0xc4,0xe2,0x7c,0xf2,0xc1"); break;
        case 1: UD(1, "0x66,0xc4,0xe2,0x78,0xf2,0xc1"); break;
        case 2: UD(2, "0xf3,0xc4,0xe2,0x78,0xf2,0xc1"); break;
        case 3: UD(3, "0x48,0xc4,0xe2,0x78,0xf2,0xc1"); break;
        case 4: UD(4, "0xf0,0xc4,0xe2,0x78,0xf2,0xc1"); break;
        case 5: UD(5, "0xc4,0xe3,0x3b,0xf0,0xc1,0x05"); break;
        case 6: UD(6, "0xc4,0xe2,0x70,0xf3,0xc1"); break;
        case 7: UD(7, "0xc4,0xe0,0x78,0xf2,0xc1"); break;
        case 8: UD(8, "0xc4,0xe2,0x78,0xf4,0xc1"); break;
        case 9: UD(9, "0xc4,0xe2,0x79,0xf2,0xc1"); break;
        case 10: UD(10, "0xf3,0x0f,0xc7,0xf0"); break;
        case 11: UD(11, "0xf2,0x0f,0xc7,0xf8"); break;
        case 12: UD(12, "0xf2,0x0f,0xb8,0xc1"); break;
        case 13: UD(13, "0xf0,0xf3,0x0f,0xbc,0x00"); break;
        case 14: UD(14, "0xf3,0x0f,0x38,0xf0,0x00"); break;
        case 15: UD(15, "0x0f,0x38,0xf0,0xc1"); break;
        case 16: UD(16, "0xf0,0x66,0x0f,0x38,0xf6,0x00"); break;
        case 17: UD(17, "0xc4,0xe2,0xfc,0xf5,0x00"); break;
        }
        printf("%-18s: no signal\n", ud_name[ud_k]);
    }
    sigaction(SIGILL, &old, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    cpuid_tests();
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    mulx_tests();
    width_tests();
    movbe_tests();
    adx_chain();
    random_tests();
    ud_tests();
    return 0;
}
