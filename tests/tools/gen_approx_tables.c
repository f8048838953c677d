/* gen_approx_tables.c — measure the host CPU's rcpss and rsqrtss and write their tables as
 * frontend-x86/x86_approx_tables.c. Not part of the normal build: `make approx-tables` builds
 * it into $(BUILD)/tools/ and runs it, on an x86-64 Intel host, when the tables must be
 * (re)made. The output is data that was measured, not computed: ferry has no formula for
 * these approximations (the SDM promises only a relative error of at most 1.5 * 2^-12, and
 * each CPU family has its own), so it looks the results up in what the hardware answered.
 *
 * What is measured (MXCSR = 1F80h; rounding, DAZ and FTZ do not change these instructions):
 *   x86_rcp_table[i]   = rcpss(x) for x = 1 + i/2048, i = 0..2047: x's bits 3F800000h | i << 12,
 *                        so i is the top 11 mantissa bits, x's bits 22..12;
 *   x86_rsqrt_table[i] = rsqrtss(x) for x with bits (i >> 10 ? 127 : 128) << 23 | (i & 3FFh) << 13,
 *                        so i is x's bits 23..13: the low exponent bit (1: x in [1,2),
 *                        0: x in [2,4)) and the top 10 mantissa bits.
 * Before writing, the program checks that its host is one these tables can describe: for the
 * sampled exponents, every input whose index bits agree gets the same result (the lower
 * mantissa bits do not matter), and every entry lies where the exponent rules of
 * frontend-x86/x86_approx_helpers.c expect it (rcp of [1,2) in (1/2, 1], rsqrt of [1,4) in
 * (1/2, 1]). tests/unit/test_sse_approx.c checks the whole model against the host.
 *
 *   gen_approx_tables OUT.c        writes OUT.c (refuses on a non-Intel host)
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/common/approx_host.h"

#define N_RCP   2048u
#define N_RSQRT 2048u

/* Input bits of each table index. */
static uint32_t rcp_input(uint32_t i) { return 0x3f800000u | i << 12; }
static uint32_t rsqrt_input(uint32_t i) { return (i >> 10 ? 127u : 128u) << 23 | (i & 0x3ffu) << 13; }

/* ---------------------------------------------------------------- the host */

typedef struct Host {
    char vendor[13];
    char brand[49];
    char model_name[256];   /* /proc/cpuinfo */
    uint32_t signature;     /* CPUID.1:EAX */
} Host;

static void host_describe(Host *h)
{
    unsigned a, b, c, d;
    memset(h, 0, sizeof *h);
    __cpuid(0, a, b, c, d);
    memcpy(h->vendor, &b, 4);
    memcpy(h->vendor + 4, &d, 4);
    memcpy(h->vendor + 8, &c, 4);
    __cpuid(1, a, b, c, d);
    h->signature = a;
    __cpuid(0x80000000u, a, b, c, d);
    if (a >= 0x80000004u)
        for (unsigned k = 0; k < 3; k++) {
            __cpuid(0x80000002u + k, a, b, c, d);
            uint32_t w[4] = { a, b, c, d };
            memcpy(h->brand + 16 * k, w, 16);
        }
    size_t lead = strspn(h->brand, " ");        /* Intel pads the brand string on the left */
    memmove(h->brand, h->brand + lead, sizeof h->brand - lead);
    strcpy(h->model_name, "(unknown)");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10)) continue;
        char *v = strchr(line, ':');
        if (!v) continue;
        v += 1 + (v[1] == ' ');
        v[strcspn(v, "\n")] = 0;
        snprintf(h->model_name, sizeof h->model_name, "%s", v);
        break;
    }
    if (f) fclose(f);
}

static unsigned sig_family(uint32_t s)
{
    unsigned f = (s >> 8) & 0xf;
    return f == 0xf ? f + ((s >> 20) & 0xff) : f;
}

static unsigned sig_model(uint32_t s)
{
    unsigned f = (s >> 8) & 0xf, m = (s >> 4) & 0xf;
    return f == 6 || f == 0xf ? m | ((s >> 16) & 0xf) << 4 : m;
}

/* ---------------------------------------------------------------- checks */

static int fail(const char *what, uint32_t x, uint32_t got, uint32_t want)
{
    fprintf(stderr, "gen_approx_tables: %s: input %08x gives %08x, the table says %08x; this "
            "host's approximations are not what x86_approx_helpers.c models\n",
            what, x, got, want);
    return 1;
}

/* Every mantissa of a sampled exponent (those whose rcp is normal) against its index's entry,
 * rescaled by the exponent rules (the helper's own, restated for normal results only). */
static int check(const uint32_t *rcp, const uint32_t *rsq)
{
    for (uint32_t i = 0; i < N_RCP; i++) {
        uint32_t te = rcp[i] >> 23;
        if (te != 126 && !(te == 127 && (rcp[i] & 0x7fffff) == 0))
            return fail("rcp entry out of (1/2, 1]", rcp_input(i), rcp[i], rcp[i]);
    }
    for (uint32_t i = 0; i < N_RSQRT; i++) {
        uint32_t te = rsq[i] >> 23;
        if (te != 126 && !(te == 127 && (rsq[i] & 0x7fffff) == 0))
            return fail("rsqrt entry out of (1/2, 1]", rsqrt_input(i), rsq[i], rsq[i]);
    }
    static const uint32_t exps[] = { 1, 2, 63, 100, 126, 127, 128, 129, 200, 251, 252 };
    for (unsigned k = 0; k < sizeof exps / sizeof exps[0]; k++) {
        uint32_t e = exps[k];
        for (uint32_t m = 0; m < (1u << 23); m++) {
            uint32_t x = e << 23 | m;
            uint32_t t = rcp[m >> 12];
            uint32_t want = (uint32_t)((int)(t >> 23) + 127 - (int)e) << 23 | (t & 0x7fffff);
            uint32_t got = host_rcpss(x);
            if (got != want) return fail("rcpss", x, got, want);
            t = rsq[(x >> 13) & 0x7ff];
            int se = 128 - (int)(e & 1);
            want = (uint32_t)((int)(t >> 23) - ((int)e - se) / 2) << 23 | (t & 0x7fffff);
            got = host_rsqrtss(x);
            if (got != want) return fail("rsqrtss", x, got, want);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- output */

static void put_table(FILE *f, const char *name, const uint32_t *t, unsigned n,
                      const char *comment)
{
    fprintf(f, "/* %s */\nconst uint32_t %s[%u] = {\n", comment, name, n);
    for (unsigned i = 0; i < n; i += 8) {
        fprintf(f, "    /* %4u */", i);
        for (unsigned k = i; k < i + 8; k++) fprintf(f, " 0x%08x,", t[k]);
        fputc('\n', f);
    }
    fputs("};\n", f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.c\n", argv[0]);
        return 2;
    }
    Host h;
    host_describe(&h);
    if (strcmp(h.vendor, "GenuineIntel")) {
        fprintf(stderr, "gen_approx_tables: the host is %s, not GenuineIntel: ferry models an "
                "Intel CPU's approximations, so the tables must come from one\n", h.vendor);
        return 1;
    }
    set_mxcsr(0x1f80);
    static uint32_t rcp[N_RCP], rsq[N_RSQRT];
    for (uint32_t i = 0; i < N_RCP; i++) rcp[i] = host_rcpss(rcp_input(i));
    for (uint32_t i = 0; i < N_RSQRT; i++) rsq[i] = host_rsqrtss(rsqrt_input(i));
    if (check(rcp, rsq)) return 1;

    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f,
        "/* x86_approx_tables.c — the results of rcpss and rsqrtss as an Intel CPU computes them,\n"
        " * measured from hardware. GENERATED FILE: do not edit; remake it with `make approx-tables`\n"
        " * (tests/tools/gen_approx_tables.c) on an x86-64 Intel host.\n"
        " *\n"
        " * These are facts measured on one CPU, not values computed from a formula: the SDM gives\n"
        " * only an error bound (relative error at most 1.5 * 2^-12) and leaves the exact results to\n"
        " * the implementation. Measured on:\n"
        " *   /proc/cpuinfo model name: %s\n"
        " *   CPUID brand string:       %s\n"
        " *   CPUID.1:EAX signature:    %08xh (family %u, model %02xh, stepping %u)\n"
        " * with MXCSR = 1F80h (rounding, DAZ and FTZ do not change these instructions).\n"
        " *\n"
        " *   x86_rcp_table[i]   = rcpss(x), x = 1 + i/2048 (bits 3F800000h | i << 12): i is the top\n"
        " *                        11 mantissa bits of any normal input, its bits 22..12;\n"
        " *   x86_rsqrt_table[i] = rsqrtss(x), x's bits (i >> 10 ? 127 : 128) << 23 | (i & 3FFh) << 13:\n"
        " *                        i is bits 23..13 of any normal input, the low exponent bit (1: x in\n"
        " *                        [1,2), 0: x in [2,4)) and the top 10 mantissa bits.\n"
        " * x86_approx_helpers.c scales an entry by the input's exponent and handles zeros, denormals,\n"
        " * infinities and NaNs.\n"
        " */\n"
        "#include <stdint.h>\n\n"
        "#include \"frontend-x86/x86_approx.h\"\n\n",
        h.model_name, h.brand[0] ? h.brand : "(none)", h.signature, sig_family(h.signature),
        sig_model(h.signature), h.signature & 0xf);
    put_table(f, "x86_rcp_table", rcp, N_RCP, "rcpss of 1 + i/2048.");
    fputc('\n', f);
    put_table(f, "x86_rsqrt_table", rsq, N_RSQRT,
              "rsqrtss of 2 * (1 + (i & 1023)/1024) for i < 1024, of 1 + (i & 1023)/1024 above.");
    if (fclose(f)) {
        perror(argv[1]);
        return 1;
    }
    fprintf(stderr, "gen_approx_tables: wrote %s (measured on %s)\n", argv[1], h.model_name);
    return 0;
}
