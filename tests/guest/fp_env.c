/* fp_env.c — the SSE floating-point environment as C programs see it through <fenv.h>:
 * rounding modes (fesetround) for arithmetic, conversions (lrint, llrint, rint, nearbyint,
 * (float) of doubles and of 64-bit integers), printf and strtod of decimal strings; the sticky
 * exception flags (fetestexcept after each kind of operation, feclearexcept); fegetenv /
 * fesetenv / feholdexcept / feupdateenv round trips; flush-to-zero and denormals-are-zero
 * through the MXCSR bits (_mm_setcsr); the flags of a compare before a taken branch
 * (side exit). Every line printed is compared with the native run. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmmintrin.h>

static volatile double vd[] = { 1.0, 3.0, -2.5, 2.5, 0.1, 1e308, 1e-310, -0.0, 7.0, 1e-300 };
static volatile float vf[] = { 1.0f, 3.0f, 16777217.0f, 1e-40f, 3.4e38f };
static volatile int64_t vi[] = { 9007199254740993LL, -9007199254740995LL, 123456789012345678LL };

static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
static const char *const mode_names[] = { "nearest", "down", "up", "zero" };

static void print_flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("  %-22s flags:%s%s%s%s%s\n", what, f & FE_INVALID ? " invalid" : "",
           f & FE_DIVBYZERO ? " divbyzero" : "", f & FE_OVERFLOW ? " overflow" : "",
           f & FE_UNDERFLOW ? " underflow" : "", f & FE_INEXACT ? " inexact" : "");
}

static void bits(const char *what, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    printf("  %-22s %016llx %.17g\n", what, (unsigned long long)u, d);
}

static void fbits(const char *what, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    printf("  %-22s %08x %.9g\n", what, u, (double)f);
}

static void rounding(void)
{
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("mode %s (fegetround %s)\n", mode_names[m],
               fegetround() == modes[m] ? "ok" : "wrong");
        bits("1/3", vd[0] / vd[1]);
        bits("-1/3", -vd[0] / vd[1]);
        bits("0.1*3", vd[4] * vd[1]);
        bits("sqrt(2)", sqrt(vd[0] + vd[0]));
        bits("1e308*7", vd[5] * vd[8]);
        bits("1e-300*1e-300", vd[9] * vd[9]);
        bits("(double)int64", (double)vi[0]);
        bits("(double)-int64", (double)vi[1]);
        fbits("(float)1/3", (float)(vd[0] / vd[1]));
        fbits("(float)int64", (float)vi[2]);
        fbits("f 16777217+1", vf[2] + vf[0]);
        printf("  lrint(2.5) %ld lrint(-2.5) %ld llrint(1/3*7) %lld\n", lrint(vd[3]), lrint(vd[2]),
               llrint(vd[0] / vd[1] * vd[8]));
        bits("rint(-2.5)", rint(vd[2]));
        bits("nearbyint(2.5)", nearbyint(vd[3]));
        printf("  (int)-2.5 %d (long)2.5 %ld\n", (int)vd[2], (long)vd[3]);
        printf("  printf %.3f %.0f %.20g\n", vd[0] / vd[1], vd[3], vd[4]);
        bits("strtod 0.1", strtod("0.1", NULL));
        bits("strtod 2.5e-310", strtod("2.5e-310", NULL));
        fbits("strtof 0.1", strtof("0.1", NULL));
    }
    fesetround(FE_TONEAREST);
}

static void flags(void)
{
    printf("flags\n");
    volatile double zero = 0.0, r;
    feclearexcept(FE_ALL_EXCEPT);
    print_flags("start");
    r = vd[0] / vd[1];
    print_flags("1/3");
    feclearexcept(FE_ALL_EXCEPT);
    r = vd[0] / zero;
    print_flags("1/0");
    feclearexcept(FE_ALL_EXCEPT);
    r = zero / zero;
    print_flags("0/0");
    feclearexcept(FE_ALL_EXCEPT);
    r = vd[5] * vd[5];
    print_flags("1e308^2");
    feclearexcept(FE_ALL_EXCEPT);
    r = vd[9] * vd[9];
    print_flags("1e-300^2");
    feclearexcept(FE_ALL_EXCEPT);
    r = sqrt(-vd[0]);
    print_flags("sqrt(-1)");
    feclearexcept(FE_ALL_EXCEPT);
    r = vd[0] + vd[0];
    print_flags("1+1");
    feclearexcept(FE_ALL_EXCEPT);
    volatile long l = lrint(1e30);
    print_flags("lrint(1e30)");
    feclearexcept(FE_ALL_EXCEPT);
    l = (long)vd[3];
    print_flags("(long)2.5");
    feclearexcept(FE_ALL_EXCEPT);
    volatile int cmp = vd[0] < NAN;
    print_flags("1 < NaN");
    feclearexcept(FE_ALL_EXCEPT);
    cmp = isless(vd[0], NAN);
    print_flags("isless(1, NaN)");
    feclearexcept(FE_ALL_EXCEPT);
    volatile float f = (float)vd[5];
    print_flags("(float)1e308");
    feclearexcept(FE_ALL_EXCEPT);
    f = vf[3] * vf[0];
    print_flags("1e-40f*1");
    (void)r; (void)l; (void)cmp; (void)f;
    feraiseexcept(FE_OVERFLOW | FE_INEXACT);
    print_flags("feraiseexcept");
    feclearexcept(FE_ALL_EXCEPT);
}

static void environments(void)
{
    printf("environments\n");
    fenv_t env, held;
    fesetround(FE_UPWARD);
    fegetenv(&env);
    fesetround(FE_TOWARDZERO);
    volatile double r = vd[0] / vd[1];
    print_flags("after 1/3 (zero)");
    fesetenv(&env);
    printf("  restored mode up: %s\n", fegetround() == FE_UPWARD ? "yes" : "no");
    print_flags("restored");
    feholdexcept(&held);
    r = vd[0] / 0.0;
    print_flags("held 1/0");
    feupdateenv(&held);
    print_flags("updated");
    fesetenv(FE_DFL_ENV);
    print_flags("default");
    printf("  default mode nearest: %s\n", fegetround() == FE_TONEAREST ? "yes" : "no");
    (void)r;
}

static void flush_modes(void)
{
    printf("ftz/daz\n");
    unsigned int saved = _mm_getcsr();
    volatile double tiny = vd[6], small = 1e-300;
    volatile float ftiny = vf[3];
    static const unsigned int csr[] = { 0x1f80, 0x9f80, 0x1fc0, 0x9fc0 };
    static const char *const names[] = { "none", "ftz", "daz", "ftz+daz" };
    for (int i = 0; i < 4; i++) {
        _mm_setcsr(csr[i]);
        printf(" %s: csr %#x\n", names[i], _mm_getcsr());
        bits("denormal+0", tiny + 0.0);
        bits("denormal*2", tiny * 2.0);
        bits("1e-300*1e-10", small * 1e-10);
        fbits("1e-40f*1", ftiny * 1.0f);
        printf("  denormal>0 %d\n", tiny > 0.0);
        unsigned int after = _mm_getcsr();
        printf("  csr after %#x\n", after);
    }
    _mm_setcsr(saved);
}

/* A compare whose flags (EFLAGS) nobody reads still raises its exceptions: ucomisd of a
 * signalling NaN sets IE even when a side exit between it and a later comisd of the same
 * values is taken (the comisd would raise IE too, but only on the fall-through path). Called
 * often enough for the block to be retranslated hot, where the jnz is a side exit. */
__attribute__((noinline)) static unsigned compare_exit_flags(double x, double y, int take)
{
    unsigned clear = _mm_getcsr() & ~0x3fu, out;
    __asm__ volatile("ldmxcsr %[c]\n\t"
                     "ucomisd %[y], %[x]\n\t"
                     "test %[t], %[t]\n\t"
                     "jnz 1f\n\t"
                     "comisd %[y], %[x]\n\t"
                     "1: stmxcsr %[o]"
                     : [o] "=m"(out)
                     : [c] "m"(clear), [x] "x"(x), [y] "x"(y), [t] "r"(take)
                     : "cc");
    return out & 0x3f;
}

static void compare_exits(void)
{
    double snan;
    uint64_t u = 0x7ff4000000000000ull;
    memcpy(&snan, &u, 8);
    unsigned any[2] = { 0, 0 }, all[2] = { 0x3f, 0x3f };
    for (int i = 0; i < 600; i++) {
        unsigned f = compare_exit_flags(vd[0], snan, i & 1);
        any[i & 1] |= f;
        all[i & 1] &= f;
    }
    printf("compare exits: fall-through mxcsr flags %#x..%#x, taken %#x..%#x\n", all[0], any[0],
           all[1], any[1]);
}

int main(void)
{
    rounding();
    flags();
    environments();
    flush_modes();
    compare_exits();
    return 0;
}
