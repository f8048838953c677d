/* long_double.c — guest program: long double arithmetic, conversions, strtold, printf of long
 * double and double, the libm long double functions, and the x87 instructions themselves
 * (inline assembly), with deterministic output compared native vs ferry by tests/guest/run.sh.
 *
 * Exact results are printed in hex (%La) so every bit shows; results of the transcendental
 * instructions and of libm functions built on them are printed with 15 significant digits,
 * since the x87 is not correctly rounded and ferry's software x87 may differ from a given CPU
 * in the last bit (frontend-x86/x87_trans.c). The guest builds link -lm, so the libm section
 * runs with glibc and musl alike.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

static void show(const char *name, long double v)
{
    printf("%-14s %La %.21Lg\n", name, v, v);
}

static void show15(const char *name, long double v)
{
    printf("%-14s %.15Lg\n", name, v);
}

static void bits(const char *name, long double v)
{
    unsigned char b[10];
    memcpy(b, &v, 10);
    printf("%-14s %02x%02x:", name, b[9], b[8]);
    for (int i = 7; i >= 0; i--) printf("%02x", b[i]);
    printf("\n");
}

/* Keep the compiler from folding: values pass through memory. */
static long double opaque(long double v)
{
    volatile long double t = v;
    return t;
}

/* ================================================================ arithmetic */

static void arithmetic(void)
{
    long double h = 0, p = 1, alt = 0;
    for (int k = 1; k <= 1000; k++) {
        h += opaque(1.0L) / k;
        p *= opaque(1.0L) + 1.0L / (k * (long double)k);
        alt += (k & 1 ? 1.0L : -1.0L) / (2 * k - 1);
    }
    show("harmonic", h);
    show("wallis-ish", p);
    show("leibniz", alt * 4);
    long double a = opaque(1.0L) / 3, b = opaque(2.0L) / 7;
    show("1/3", a);
    show("a+b", a + b);
    show("a-b", a - b);
    show("a*b", a * b);
    show("a/b", a / b);
    show("tiny", opaque(1e-4930L) / 1e10L);
    show("huge", opaque(1e4930L) * 10);
    show("overflow", opaque(1e4930L) * 1e10L);
    show("neg zero", opaque(-1.0L) * 0);
    show("nan", opaque(0.0L) / opaque(0.0L));
    show("inf-inf", opaque(__builtin_infl()) - opaque(__builtin_infl()));
    long double x = opaque(0.1L);
    printf("%-14s %d %d %d %d\n", "compare", x < 0.2L, x > 0.2L, x == 0.1L, x != x);
    long double nan = opaque(__builtin_nanl(""));
    printf("%-14s %d %d %d %d\n", "nan compare", nan < 1, nan > 1, nan == nan, nan != nan);
    printf("%-14s %d %d %d\n", "classify", __builtin_isnan(nan), __builtin_isinf(opaque(1e4930L) * 10),
           __builtin_signbit(opaque(-0.0L)));
}

/* ================================================================ conversions */

static void conversions(void)
{
    static const long long ints[] = { 0, 1, -1, 123456789012345678LL, -9223372036854775807LL - 1,
                                      9223372036854775807LL, 1LL << 53 | 1, -(1LL << 62) - 3 };
    for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        long double v = opaque((long double)ints[i]);
        printf("%-14s %lld -> %La -> %lld\n", "int64", ints[i], v, (long long)v);
    }
    static const unsigned long long us[] = { 0, 18446744073709551615ull, 9223372036854775808ull,
                                             12345678901234567890ull };
    for (unsigned i = 0; i < sizeof us / sizeof us[0]; i++) {
        long double v = opaque((long double)us[i]);
        printf("%-14s %llu -> %La -> %llu\n", "uint64", us[i], v, (unsigned long long)v);
    }
    static const long double ld[] = { 2.5L, -2.5L, 3.5L, 1e19L, -1e19L, 0.49999999999999999999L,
                                      1e-4940L, 123456.789L };
    for (unsigned i = 0; i < sizeof ld / sizeof ld[0]; i++) {
        long double v = opaque(ld[i]);
        double d = (double)v;
        float f = (float)v;
        int n = (int)v;
        printf("%-14s %La -> double %a float %a int %d back %La\n", "narrow", v, d, (double)f,
               n, (long double)d);
    }
    double ds[] = { 0.1, 1e-310, -1e308, 5e-324, 3.0 };
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++)
        show("from double", opaque((long double)ds[i]));
    show("from float", opaque((long double)1e-40f));
}

/* ================================================================ strtold, printf */

static void strings(void)
{
    static const char *const in[] = { "3.14159265358979323846264338327950288",
                                      "1e4932", "1e-4951", "-0", "0x1.8p-16445", "inf", "nan",
                                      "2.718281828459045235360287471352662497757",
                                      "1.18973149535723176502e+4932", "0.1", "123456789e-20" };
    for (unsigned i = 0; i < sizeof in / sizeof in[0]; i++) {
        long double v = strtold(in[i], NULL);
        printf("%-14s %La %.25Lg %Le %.3Lf\n", in[i], v, v, v, v);
    }
    long double v = opaque(1.0L) / 7;
    printf("%Lf|%30.20Lf|%-+12.4Le|%Lg|%#Lg\n", v, v, v, v * 1e30L, v);
    static const double dv[] = { 0.0, 1.0 / 3, 2.0 / 3, 1e300, 1e-300, 123.456, 4.9e-324 };
    for (unsigned i = 0; i < sizeof dv / sizeof dv[0]; i++)
        printf("double %.17g %a %e %.0f\n", dv[i], dv[i], dv[i], dv[i] < 1e20 ? dv[i] : 0.0);
}

/* ================================================================ libm */

static void libm(void)
{
    long double x = opaque(0.7L), y = opaque(2.5L);
    show("sqrtl", sqrtl(y));
    show("fmodl", fmodl(opaque(1e30L), opaque(7.25L)));
    show("remainderl", remainderl(opaque(1e20L), opaque(3.0L)));
    show("floorl", floorl(-y));
    show("ceill", ceill(-y));
    show("truncl", truncl(-y));
    show("roundl", roundl(-y));
    show("rintl", rintl(y));
    printf("%-14s %ld %lld\n", "lrintl", lrintl(y), llrintl(opaque(-3.5L)));
    show("ldexpl", ldexpl(x, -16000));
    int e;
    show("frexpl", frexpl(opaque(1e300L), &e));
    printf("%-14s %d\n", "frexpl exp", e);
    show("cbrtl", cbrtl(opaque(27.0L)));
    show("hypotl", hypotl(opaque(3.0L), opaque(4.0L)));
    show15("sinl", sinl(x));
    show15("cosl", cosl(x));
    show15("tanl", tanl(x));
    show15("asinl", asinl(x));
    show15("acosl", acosl(x));
    show15("atanl", atanl(x));
    show15("atan2l", atan2l(-x, -y));
    show15("expl", expl(x));
    show15("exp2l", exp2l(y));
    show15("expm1l", expm1l(opaque(1e-5L)));
    show15("logl", logl(y));
    show15("log2l", log2l(y));
    show15("log10l", log10l(y));
    show15("log1pl", log1pl(opaque(1e-5L)));
    show15("powl", powl(y, x));
    show15("powl big", powl(opaque(1.0001L), opaque(1e6L)));
    show15("sinhl", sinhl(x));
    show15("coshl", coshl(x));
    show15("tanhl", tanhl(x));
    show15("sinl 1e10", sinl(opaque(1e10L)));
    show15("erfl", erfl(x));
    show15("lgammal", lgammal(y));
}

/* ================================================================ the instructions */

#if defined(__x86_64__)

/* st0 = a, run one instruction, st0 back. */
#define X87_UN(name, insn)                                                                  \
    static long double name(long double a)                                                  \
    {                                                                                       \
        long double r;                                                                      \
        __asm__ volatile("fldt %1\n\t" insn "\n\tfstpt %0" : "=m"(r) : "m"(a));             \
        return r;                                                                           \
    }
/* st0 = a, st1 = b, run, st0 back after the instruction pops or not (pops: extra fstp). */
#define X87_BIN(name, insn, extra_pop)                                                      \
    static long double name(long double a, long double b)                                   \
    {                                                                                       \
        long double r;                                                                      \
        __asm__ volatile("fldt %2\n\tfldt %1\n\t" insn "\n\tfstpt %0" extra_pop              \
                         : "=m"(r) : "m"(a), "m"(b));                                       \
        return r;                                                                           \
    }

X87_UN(i_fsin, "fsin")
X87_UN(i_fcos, "fcos")
X87_UN(i_fptan, "fptan\n\tfstp %%st(0)")
X87_UN(i_f2xm1, "f2xm1")
X87_UN(i_fsqrt, "fsqrt")
X87_UN(i_frndint, "frndint")
X87_UN(i_fabs, "fabs")
X87_UN(i_fchs, "fchs")
X87_UN(i_fxtract_sig, "fxtract")
X87_UN(i_fxtract_exp, "fxtract\n\tfstp %%st(0)")
X87_BIN(i_fpatan, "fpatan", "")                        /* atan(b / a) */
X87_BIN(i_fyl2x, "fyl2x", "")                          /* b * log2(a) */
X87_BIN(i_fyl2xp1, "fyl2xp1", "")
X87_BIN(i_fscale, "fscale", "\n\tfstp %%st(0)")         /* a * 2^trunc(b) */
X87_BIN(i_fprem, "1: fprem\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b", "\n\tfstp %%st(0)")
X87_BIN(i_fprem1, "1: fprem1\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b", "\n\tfstp %%st(0)")
X87_BIN(i_fsubr_raw, ".byte 0xd8, 0xe9", "\n\tfstp %%st(0)")   /* st0 = st1 - st0 = b - a */
X87_BIN(i_fdivr_raw, ".byte 0xd8, 0xf9", "\n\tfstp %%st(0)")   /* st0 = st1 / st0 = b / a */
X87_BIN(i_fsubp_raw, ".byte 0xde, 0xe9", "")           /* st1 = st1 - st0, pop: b - a */
X87_BIN(i_fdivp_raw, ".byte 0xde, 0xf9", "")           /* st1 = st1 / st0, pop: b / a */

static uint16_t fnstsw(void)
{
    uint16_t s;
    __asm__ volatile("fnstsw %0" : "=m"(s));
    return s;
}

static void set_cw(uint16_t cw) { __asm__ volatile("fldcw %0" : : "m"(cw)); }

static uint16_t get_cw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static void instructions(void)
{
    long double x = opaque(0.7L), y = opaque(-2.25L), big = opaque(1e10L);
    show15("fsin", i_fsin(x));
    show15("fcos", i_fcos(x));
    show15("fptan", i_fptan(x));
    show15("fsin big", i_fsin(big));
    show15("fpatan", i_fpatan(y, x));
    show15("fyl2x", i_fyl2x(opaque(10.0L), x));
    show15("fyl2xp1", i_fyl2xp1(opaque(0.01L), x));
    show15("f2xm1", i_f2xm1(opaque(-0.3L)));
    show("fyl2x exact", i_fyl2x(opaque(1024.0L), y));
    show("fsqrt", i_fsqrt(opaque(2.0L)));
    show("frndint", i_frndint(opaque(2.5L)));
    show("fabs", i_fabs(y));
    show("fchs", i_fchs(y));
    show("fxtract sig", i_fxtract_sig(opaque(-1e100L)));
    show("fxtract exp", i_fxtract_exp(opaque(-1e100L)));
    show("fscale", i_fscale(x, opaque(-100.7L)));
    show("fprem", i_fprem(opaque(1e300L), opaque(3.3L)));
    show("fprem1", i_fprem1(opaque(1e300L), opaque(3.3L)));
    show("fsubr", i_fsubr_raw(x, y));
    show("fdivr", i_fdivr_raw(x, y));
    show("fsubp", i_fsubp_raw(x, y));
    show("fdivp", i_fdivp_raw(x, y));

    /* Precision and rounding control. */
    uint16_t cw0 = get_cw();
    printf("%-14s %04x\n", "fnstcw", cw0);
    static const char *const rc[4] = { "nearest", "down", "up", "zero" };
    for (int r = 0; r < 4; r++) {
        set_cw((uint16_t)((cw0 & ~0x0c00) | r << 10));
        long double q = opaque(1.0L) / opaque(3.0L), m = opaque(-1.0L) / opaque(3.0L);
        long long n = 0;
        long double h = opaque(2.5L);
        __asm__ volatile("fldt %1\n\tfistpll %0" : "=m"(n) : "m"(h));
        printf("%-14s %La %La %lld\n", rc[r], q, m, n);
    }
    for (int p = 0; p < 4; p++) {
        set_cw((uint16_t)((cw0 & ~0x0300) | p << 8));
        show("precision", opaque(1.0L) / opaque(3.0L));
    }
    __asm__ volatile("fnclex");
    set_cw(0xffff);     /* reserved bits: which read back (every exception stays masked) */
    printf("%-14s %04x\n", "fldcw ffff", get_cw());
    set_cw(cw0);

    /* Exception flags, fnclex, fnstenv/fldenv. */
    __asm__ volatile("fnclex");
    volatile long double t = opaque(1.0L) / opaque(0.0L);
    (void)t;
    printf("%-14s %04x\n", "after 1/0", fnstsw() & 0x3fff);
    t = opaque(1e-4940L) * opaque(1e-10L);
    printf("%-14s %04x\n", "underflow", fnstsw() & 0x3fff);
    unsigned char env[28];
    __asm__ volatile("fnstenv %0" : "=m"(env));
    printf("%-14s %02x%02x %02x%02x %02x%02x cw after %04x\n", "fnstenv", env[1], env[0], env[5],
           env[4], env[9], env[8], get_cw());
    __asm__ volatile("fldenv %0" : : "m"(env));
    printf("%-14s %04x %04x\n", "fldenv", get_cw(), fnstsw() & 0x3fff);
    __asm__ volatile("fnclex");
    printf("%-14s %04x\n", "fnclex", fnstsw());

    /* Compares into EFLAGS and the condition bits, fcmov. */
    long double a = opaque(1.0L), b = opaque(2.0L), n = opaque(__builtin_nanl(""));
    const long double *pairs[4][2] = { { &a, &b }, { &b, &a }, { &a, &a }, { &a, &n } };
    for (int i = 0; i < 4; i++) {
        unsigned char cf, zf, pf;
        uint16_t sw;
        long double sel;
        __asm__ volatile("fldt %6\n\tfldt %5\n\tfucomi %%st(1), %%st\n\tsetc %0\n\tsetz %1\n\t"
                         "setp %2\n\tfcom %%st(1)\n\tfnstsw %3\n\tfcmovb %%st(1), %%st\n\t"
                         "fstpt %4\n\tfstp %%st(0)"
                         : "=q"(cf), "=q"(zf), "=q"(pf), "=m"(sw), "=m"(sel)
                         : "m"(*pairs[i][0]), "m"(*pairs[i][1]));
        printf("%-14s cf=%d zf=%d pf=%d c=%04x sel=%Lg\n", "fucomi/fcom", cf, zf, pf,
               sw & 0x4700, sel);
    }
    __asm__ volatile("fnclex");
    static const long double classes[] = { 0.0L, -1.5L, 1e-4940L, __builtin_infl(), -__builtin_nanl("") };
    for (int i = 0; i < 5; i++) {
        uint16_t sw;
        __asm__ volatile("fldt %1\n\tfxam\n\tfnstsw %0\n\tftst\n\tfstp %%st(0)"
                         : "=m"(sw) : "m"(classes[i]));
        printf("%-14s %04x\n", "fxam", sw & 0x4700);
    }
    uint16_t sw;
    __asm__ volatile("ffree %%st(0)\n\tfxam\n\tfnstsw %0" : "=m"(sw));
    printf("%-14s %04x\n", "fxam empty", sw & 0x4700);

    /* The register stack: fxch, fincstp/fdecstp, ffree, overflow and underflow. */
    long double s0, s1;
    __asm__ volatile("fld1\n\tfldpi\n\tfxch\n\tfstpt %0\n\tfstpt %1" : "=m"(s0), "=m"(s1));
    show("fxch st0", s0);
    show("fxch st1", s1);
    __asm__ volatile("fninit");
    long double over;
    __asm__ volatile("fld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\t"
                     "fldpi\n\tfnstsw %0\n\tfstpt %1\n\tfninit" : "=m"(sw), "=m"(over));
    printf("%-14s %04x\n", "overflow sw", sw);
    bits("overflow val", over);
    long double underv;
    __asm__ volatile("fninit\n\tfld1\n\tfaddp\n\tfnstsw %0\n\tfstpt %1\n\tfninit"
                     : "=m"(sw), "=m"(underv));
    printf("%-14s %04x\n", "underflow sw", sw);
    bits("underflow val", underv);
    __asm__ volatile("fninit\n\tfldz\n\tfincstp\n\tfnstsw %0\n\tfdecstp\n\tfstpt %1"
                     : "=m"(sw), "=m"(underv));
    printf("%-14s %04x\n", "fincstp", sw);
    bits("fdecstp val", underv);

    /* Constants with each rounding mode. */
    for (int r = 0; r < 4; r++) {
        long double k[5];
        set_cw((uint16_t)((cw0 & ~0x0c00) | r << 10));
        __asm__ volatile("fldpi\n\tfstpt %0\n\tfldl2e\n\tfstpt %1\n\tfldl2t\n\tfstpt %2\n\t"
                         "fldlg2\n\tfstpt %3\n\tfldln2\n\tfstpt %4"
                         : "=m"(k[0]), "=m"(k[1]), "=m"(k[2]), "=m"(k[3]), "=m"(k[4]));
        for (int i = 0; i < 5; i++) bits(rc[r], k[i]);
    }
    set_cw(cw0);

    /* BCD, integer loads and stores of every size. */
    unsigned char bcd[10];
    long double bv = opaque(-123456789012345678.0L), back;
    __asm__ volatile("fldt %2\n\tfbstp %0\n\tfbld %0\n\tfstpt %1" : "=m"(bcd), "=m"(back) : "m"(bv));
    printf("%-14s ", "fbstp");
    for (int i = 9; i >= 0; i--) printf("%02x", bcd[i]);
    printf("\n");
    show("fbld", back);
    short s16 = -1234;
    int s32 = 0;
    long long s64 = 0;
    short r16 = 0;
    __asm__ volatile("filds %3\n\tfld %%st(0)\n\tfistpl %0\n\tfld %%st(0)\n\tfistpll %1\n\t"
                     "fistps %2" : "=m"(s32), "=m"(s64), "=m"(r16) : "m"(s16));
    printf("%-14s %d %lld %d\n", "fild/fist", s32, s64, r16);
    long double huge = opaque(1e10L);
    __asm__ volatile("fldt %1\n\tfistps %0" : "=m"(r16) : "m"(huge));
    printf("%-14s %d %04x\n", "fist ovf", r16, fnstsw() & 0x3fff);
    __asm__ volatile("fnclex");
    float f32;
    double f64;
    long double third = opaque(1.0L) / 3;
    __asm__ volatile("fldt %2\n\tfsts %0\n\tfstpl %1" : "=m"(f32), "=m"(f64) : "m"(third));
    printf("%-14s %a %a\n", "fst m32/m64", (double)f32, f64);
    __asm__ volatile("flds %1\n\tfaddl %2\n\tfmuls %1\n\tfstpt %0"
                     : "=m"(back) : "m"(f32), "m"(f64));
    show("m32/m64 ops", back);
    int i32 = 7;
    __asm__ volatile("fldt %1\n\tfiaddl %2\n\tfimull %2\n\tfisubrl %2\n\tfidivl %2\n\tfstpt %0"
                     : "=m"(back) : "m"(third), "m"(i32));
    show("int ops", back);

    /* fnsave/frstor and fxsave/fxrstor round trips. */
    unsigned char save[108];
    __asm__ volatile("fninit\n\tfldpi\n\tfld1\n\tfnsave %0\n\tfldz\n\tfrstor %0\n\tfstpt %1\n\t"
                     "fstpt %2" : "+m"(save), "=m"(s0), "=m"(s1));
    show("frstor st0", s0);
    show("frstor st1", s1);
    printf("%-14s %02x%02x %02x%02x %02x%02x\n", "fnsave env", save[1], save[0], save[5], save[4],
           save[9], save[8]);
    static unsigned char fx[512] __attribute__((aligned(16)));
    __asm__ volatile("fninit\n\tfldl2e\n\tfldz\n\tfxsave %0\n\tfninit\n\tfxrstor %0\n\t"
                     "fstpt %1\n\tfstpt %2" : "+m"(fx), "=m"(s0), "=m"(s1));
    show("fxrstor st0", s0);
    show("fxrstor st1", s1);
    printf("%-14s %02x%02x %02x%02x %02x\n", "fxsave hdr", fx[1], fx[0], fx[3], fx[2], fx[4]);
    __asm__ volatile("fninit");
    __asm__ volatile("fwait");
}

/* ================================================================ x87 corner cases */

/* Where the manual says little or Intel CPUs differ from it: exception priorities, stack
 * faults, the choice between NaNs, reserved control-word bits. Each block starts and ends
 * with fninit, so the compiler's own x87 use is not disturbed; status words are printed
 * whole (TOP included). */

typedef struct __attribute__((packed)) Ext { uint64_t m; uint16_t e; } Ext;

static void ext(const char *name, Ext v)
{
    printf("%-14s %04x:%016llx\n", name, v.e, (unsigned long long)v.m);
}

static void corner_cases(void)
{
    static const uint64_t qnan64 = 0x7ff8000000000123ull, den64 = 1;
    static const uint64_t snan64 = 0x7ff4000000000000ull, snan64b = 0x7ff300000a000000ull;
    static const uint32_t den32 = 1, three32 = 0x40400000u;     /* 3.0f */
    static const Ext snan80 = { 0xa000000000000001ull, 0x7fff };
    uint16_t sw, sw2, cw;
    Ext r;

    /* DE ranks below a QNaN operand, a stack underflow and a stack overflow. */
    __asm__ volatile("fninit\n\tfldl %1\n\tfadds %2\n\tfnstsw %0\n\tfninit"
                     : "=m"(sw) : "m"(qnan64), "m"(den32));
    printf("%-14s %04x\n", "qnan+den", sw);
    __asm__ volatile("fninit\n\tfld1\n\tfadds %1\n\tfnstsw %0\n\tfninit"
                     : "=m"(sw) : "m"(den32));
    printf("%-14s %04x\n", "1+den", sw);
    __asm__ volatile("fninit\n\tfcoml %1\n\tfnstsw %0\n\tfninit" : "=m"(sw) : "m"(den64));
    printf("%-14s %04x\n", "fcom empty", sw);
    __asm__ volatile("fninit\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\t"
                     "fld1\n\tflds %1\n\tfnstsw %0\n\tfninit" : "=m"(sw) : "m"(den32));
    printf("%-14s %04x\n", "fld den full", sw);

    /* Two NaNs (SDM Vol. 1 table 4-7): a float64 SNaN operand is still an SNaN for the
     * choice, so two SNaNs give the larger significand and a QNaN beats an SNaN. */
    __asm__ volatile("fninit\n\tfldt %2\n\tfsubrl %3\n\tfnstsw %1\n\tfstpt %0\n\tfninit"
                     : "=m"(r), "=m"(sw) : "m"(snan80), "m"(snan64));
    ext("snan-snan", r);
    printf("%-14s %04x\n", "snan-snan sw", sw);
    __asm__ volatile("fninit\n\tfldz\n\tfdiv %%st(0), %%st\n\tfdivrl %1\n\tfstpt %0\n\tfninit"
                     : "=m"(r) : "m"(snan64b));
    ext("qnan/snan", r);

    /* fcmov: an empty ST(i) is a stack underflow even when the condition is false; without
     * a fault C1 is kept; ffree clears it; fcomi keeps it. */
    __asm__ volatile("fninit\n\tfld1\n\tclc\n\tfcmovb %%st(3), %%st\n\tfnstsw %1\n\t"
                     "fstpt %0\n\tfninit" : "=m"(r), "=m"(sw) : : "cc");
    ext("fcmovb empty", r);
    printf("%-14s %04x\n", "fcmovb sw", sw);
    __asm__ volatile("fninit\n\tfldz\n\tfld1\n\tfdivs %2\n\tstc\n\tfcmovb %%st(1), %%st\n\t"
                     "fnstsw %0\n\tffree %%st(7)\n\tfnstsw %1\n\tfninit"
                     : "=m"(sw), "=m"(sw2) : "m"(three32) : "cc");
    printf("%-14s %04x %04x\n", "fcmov/ffree C1", sw, sw2);
    __asm__ volatile("fninit\n\tfldz\n\tfld1\n\tfdivs %1\n\tfcomi %%st(1), %%st\n\t"
                     "fnstsw %0\n\tfninit" : "=m"(sw) : "m"(three32) : "cc");
    printf("%-14s %04x\n", "fcomi C1", sw);

    /* fprem/fprem1 with an invalid operand (x rem 0) or a NaN keep C0 and C3. */
    unsigned char env[28];
    __asm__ volatile("fninit\n\tfldz\n\tfld1\n\tfnstenv %1\n\torw $0x4700, 4+%1\n\t"
                     "fldenv %1\n\tfprem\n\tfnstsw %0\n\tfninit" : "=m"(sw), "=m"(env));
    printf("%-14s %04x\n", "fprem 1 rem 0", sw);
    __asm__ volatile("fninit\n\tfld1\n\tfldl %2\n\tfnstenv %1\n\torw $0x4700, 4+%1\n\t"
                     "fldenv %1\n\tfprem1\n\tfnstsw %0\n\tfninit"
                     : "=m"(sw), "=m"(env) : "m"(qnan64));
    printf("%-14s %04x\n", "fprem1 nan", sw);

    /* fstp st(i) as D9 D8+i with an empty ST(0) pops, with no fault and no store. */
    __asm__ volatile("fninit\n\tfld1\n\tfldz\n\tffree %%st(0)\n\t.byte 0xd9, 0xd9\n\t"
                     "fnstsw %1\n\tfnstenv %2\n\tfstpt %0\n\tfninit"
                     : "=m"(r), "=m"(sw), "=m"(env));
    ext("fstp1 empty", r);
    printf("%-14s %04x tags %02x%02x\n", "fstp1 sw", sw, env[9], env[8]);

    /* fld st(i) of an empty register with ST(7) in use: underflow (C1 = 0), not overflow. */
    __asm__ volatile("fninit\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\t"
                     "fld1\n\tffree %%st(3)\n\tfld %%st(3)\n\tfnstsw %1\n\tfstpt %0\n\tfninit"
                     : "=m"(r), "=m"(sw));
    ext("fld empty", r);
    printf("%-14s %04x\n", "fld empty sw", sw);

    /* Control-word bits 6 (reads 1), 7 and 13-15 (read 0) through every loader. */
    static const uint16_t odd_cw = 0xf3bf;
    __asm__ volatile("fninit\n\tfnstenv %1\n\tmovw %2, %1\n\tfldenv %1\n\tfnstcw %0\n\tfninit"
                     : "=m"(cw), "=m"(env) : "r"(odd_cw));
    printf("%-14s %04x\n", "fldenv cw", cw);
    unsigned char save[108];
    __asm__ volatile("fninit\n\tfnsave %1\n\tmovw %2, %1\n\tfrstor %1\n\tfnstcw %0\n\tfninit"
                     : "=m"(cw), "=m"(save) : "r"(odd_cw));
    printf("%-14s %04x\n", "frstor cw", cw);
    static unsigned char fx[512] __attribute__((aligned(16)));
    __asm__ volatile("fninit\n\tfxsave %1\n\tmovw %2, %1\n\tfxrstor %1\n\tfnstcw %0\n\t"
                     "fxsave %1\n\tfninit" : "=m"(cw), "+m"(fx) : "r"(odd_cw));
    printf("%-14s %04x %02x%02x\n", "fxrstor cw", cw, fx[1], fx[0]);
}

#endif /* __x86_64__ */

int main(void)
{
    arithmetic();
    conversions();
    strings();
    libm();
#if defined(__x86_64__)
    instructions();
    corner_cases();
#endif
    return 0;
}
