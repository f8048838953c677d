/* libm_modes.c — guest program: the libm functions compiled C calls most (sqrt sin cos tan exp
 * exp2 log log2 log10 pow cbrt hypot atan2 fma fmod remainder, the rounding family lrint llrint
 * rint nearbyint floor ceil trunc round, frexp/ldexp/modf), in float and double, under each of
 * the four rounding modes, plus printf and strtod/strtof/strtold of decimal strings in each
 * mode. Results are printed in hex (%a) so every bit is compared with the native run; libm is
 * deterministic code, so any difference is ferry's (an SSE result, a rounding mode, a flag a
 * branch in libm reads). tests/guest/run.sh hides the host's FMA and AVX from glibc in both
 * runs: its FMA variants of log2 and friends round differently in the directed modes. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double in_d[] = { 0.5, 1.0, 2.5, -2.5, 3.14159265358979, 1e-5, 123456.789,
                                  -0.75, 1e10, 0.1, 7.0 / 3.0, 1e-310 };
static volatile float in_f[] = { 0.5f, 1.0f, 2.5f, -2.5f, 3.14159265f, 1e-5f, 1234.567f,
                                 -0.75f, 1e10f, 0.1f };
#define ND (sizeof in_d / sizeof in_d[0])
#define NF (sizeof in_f / sizeof in_f[0])

static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
static const char *const mode_names[] = { "nearest", "down", "up", "zero" };

static void doubles(void)
{
    for (unsigned i = 0; i < ND; i++) {
        double x = in_d[i], y = in_d[(i + 3) % ND];
        double a = fabs(x);
        printf(" d[%u] sqrt %a sin %a cos %a tan %a\n", i, sqrt(a), sin(x), cos(x), tan(x));
        printf("      exp %a exp2 %a log %a log2 %a log10 %a\n", exp(x / 8), exp2(x / 8),
               log(a), log2(a), log10(a));
        printf("      pow %a cbrt %a hypot %a atan2 %a fma %a\n", pow(a, y / 4), cbrt(x),
               hypot(x, y), atan2(x, y), fma(x, y, 0.1));
        printf("      fmod %a remainder %a lrint %ld llrint %lld rint %a nearbyint %a\n",
               fmod(x, 0.3), remainder(x, 0.3), lrint(x * 3), llrint(x * 1e3), rint(x * 3),
               nearbyint(x * 3));
        int e;
        double ip, fr = frexp(x, &e), mf = modf(x, &ip);
        printf("      floor %a ceil %a trunc %a round %a frexp %a %d ldexp %a modf %a %a\n",
               floor(x), ceil(x), trunc(x), round(x), fr, e, ldexp(x, 7), mf, ip);
    }
}

static void floats(void)
{
    for (unsigned i = 0; i < NF; i++) {
        float x = in_f[i], y = in_f[(i + 3) % NF];
        float a = fabsf(x);
        printf(" f[%u] sqrtf %a sinf %a cosf %a expf %a logf %a powf %a fmaf %a\n", i,
               (double)sqrtf(a), (double)sinf(x), (double)cosf(x), (double)expf(x / 8),
               (double)logf(a), (double)powf(a, y / 4), (double)fmaf(x, y, 0.1f));
        printf("      lrintf %ld rintf %a floorf %a roundf %a (float)(double) %a\n",
               lrintf(x * 3), (double)rintf(x * 3), (double)floorf(x), (double)roundf(x),
               (double)(float)(in_d[i] * 3));
    }
}

static void decimal(void)
{
    static const char *const text[] = { "0.1", "2.5e-310", "1.7976931348623157e308",
                                         "3.14159265358979323846", "1e23", "-0.0000123" };
    for (unsigned i = 0; i < sizeof text / sizeof text[0]; i++) {
        double d = strtod(text[i], NULL);
        float f = strtof(text[i], NULL);
        long double l = strtold(text[i], NULL);
        printf(" %s: strtod %a strtof %a strtold %La\n", text[i], d, (double)f, l);
        printf("      printf %.17g %.3e %f %.20Lg\n", d, d, d / 3, l / 3);
    }
}

int main(void)
{
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("mode %s\n", mode_names[m]);
        doubles();
        floats();
        decimal();
    }
    fesetround(FE_TONEAREST);
    return 0;
}
