/* test_sse_approx.c — rcpps, rcpss, rsqrtps, rsqrtss (frontend-x86/gen_sse_approx.c, the
 * model in x86_approx_helpers.c and its measured tables x86_approx_tables.c) against the host.
 *
 * Oracle 1, the model against the host instructions (inline assembly; x86-64 Intel hosts):
 *   - every table entry is what the host answers for its index's input;
 *   - every table index under every exponent and both signs, with the index's lowest, highest
 *     and a pseudo-random pattern of the mantissa bits below it (3.1 million inputs), through
 *     the packed and the scalar instructions;
 *   - the special regions in full or dense strides: zeros, denormals, the largest and smallest
 *     exponents (where rcp's results leave the normal range and are flushed), infinities, NaNs
 *     with many payloads, quiet and signalling;
 *   - the same inputs under MXCSR images with every rounding mode, DAZ, FTZ, sticky flags
 *     preset and every exception unmasked: the results must not change and MXCSR must come
 *     back as it was (no flag is raised, no exception delivered);
 *   - with FERRY_APPROX_FULL=1 in the environment, all 2^32 inputs of the four instructions
 *     (half a minute of CPU time; not part of make test).
 * Oracle 2, the translation against the host: snippets run natively (the stub of
 * tests/common/native_harness.c) and through fe_translate_block + ir_interp_run, raw and after
 * opt_run, from the same state and memory under several start profiles (random bits, float
 * specials, positive values, denormals; MXCSR with each rounding mode, DAZ and FTZ): XMM
 * registers, GPRs, flags, MXCSR and memory must match bit for bit, and the misaligned m128 of
 * the packed forms must raise #GP (SIGSEGV, SI_KERNEL) at the same instruction.
 * Host-independent (also run on the aarch64 build, where the host oracles are skipped): known
 * answers measured on the host the tables come from, a digest of the model over a million
 * inputs (its constant measured from the host instructions, and checked against them here on
 * x86-64), and encodings that are not these instructions (66, F2, F3 F2, LOCK) must trap with
 * SIGILL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ir/ir.h"
#include "frontend-x86/frontend.h"
#include "frontend-x86/x86_approx.h"
#include "frontend-x86/x86_state.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ================================================================ host-independent checks */

/* Measured on the host x86_approx_tables.c names (and checked against the host below). */
static const struct { uint32_t x, rcp, rsqrt; } known[] = {
    { 0x00000000, 0x7f800000, 0x7f800000 }, { 0x80000000, 0xff800000, 0xff800000 },
    { 0x00000001, 0x7f800000, 0x7f800000 }, { 0x807fffff, 0xff800000, 0xff800000 },
    { 0x00800000, 0x7e7ff000, 0x5efff000 }, { 0x80800000, 0xfe7ff000, 0xffc00000 },
    { 0x00ffffff, 0x7e000800, 0x5eb50800 }, { 0x01000000, 0x7dfff000, 0x5eb4f800 },
    { 0x3f800000, 0x3f7ff000, 0x3f7ff000 }, { 0xbf800000, 0xbf7ff000, 0xffc00000 },
    { 0x40000000, 0x3efff000, 0x3f34f800 }, { 0x3effffff, 0x40000800, 0x3fb50800 },
    { 0x3e800000, 0x407ff000, 0x3ffff000 }, { 0x7e7fffff, 0x00800800, 0x20000800 },
    { 0x7e800000, 0x00000000, 0x1ffff000 }, { 0x7f000000, 0x00000000, 0x1fb4f800 },
    { 0x7f7fffff, 0x00000000, 0x1f800800 }, { 0xff7fffff, 0x80000000, 0xffc00000 },
    { 0x7f800000, 0x00000000, 0x00000000 }, { 0xff800000, 0x80000000, 0xffc00000 },
    { 0x7fc00000, 0x7fc00000, 0x7fc00000 }, { 0xffc00000, 0xffc00000, 0xffc00000 },
    { 0x7f800001, 0x7fc00001, 0x7fc00001 }, { 0xff800001, 0xffc00001, 0xffc00001 },
    { 0x7fa12345, 0x7fe12345, 0x7fe12345 }, { 0xffbfffff, 0xffffffff, 0xffffffff },
};

static void test_known_answers(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t k = 0; k < COUNT(known); k++) {
        uint32_t r = x86_rcp32(known[k].x), q = x86_rsqrt32(known[k].x);
        if (r != known[k].rcp || q != known[k].rsqrt) {
            print_error("x %08x: rcp %08x (want %08x), rsqrt %08x (want %08x)\n", known[k].x,
                        r, known[k].rcp, q, known[k].rsqrt);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Inputs of the digest: every sign, exponent and 11-bit index, with varying low bits. */
static uint32_t digest_input(uint32_t n)
{
    return n << 12 | ((n * 0x9e3779b1u) >> 20);
}
#define DIGEST_N (1u << 20)

/* FNV-1a over the results of rcp(x) and rsqrt(x) of every digest input. */
static uint64_t digest(uint32_t (*rcp)(uint32_t), uint32_t (*rsqrt)(uint32_t))
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t n = 0; n < DIGEST_N; n++) {
        uint32_t x = digest_input(n), r[2] = { rcp(x), rsqrt(x) };
        const uint8_t *p = (const uint8_t *)r;
        for (int k = 0; k < 8; k++) h = (h ^ p[k]) * 0x100000001b3ull;
    }
    return h;
}

/* The digest the host instructions give (test_model_digest checks it against them). */
#define HOST_DIGEST 0x27d7668d42037cb1ull

static void test_model_digest(void **state)
{
    (void)state;
    uint64_t d = digest(x86_rcp32, x86_rsqrt32);
    if (d != HOST_DIGEST) fail_msg("model digest %#018llx, want %#018llx",
                                   (unsigned long long)d, (unsigned long long)HOST_DIGEST);
}

/* ---- encodings that are not these instructions */

typedef struct Fetch {
    uint64_t pc;
    uint8_t bytes[256];     /* the snippet, then jmp +0 to end the block */
    size_t len;
} Fetch;

static size_t fetch_code(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    const Fetch *f = opaque;
    if (pc < f->pc || pc >= f->pc + f->len) return 0;
    size_t off = (size_t)(pc - f->pc), k = f->len - off;
    if (k > n) k = n;
    memcpy(buf, f->bytes + off, k);
    return k;
}

/* 66 0F 52/53 and F2 0F 52/53 are reserved (#UD; the VEX forms are AVX, not in the CPU
 * model), F3 F2 makes F2 the mandatory prefix, LOCK is #UD: each must trap with SIGILL (each
 * was checked to raise SIGILL on the host). */
static void test_rejected_encodings(void **state)
{
    (void)state;
    static const struct { const char *what, *bytes; unsigned len; } bad[] = {
        { "66 0F 53 (rcppd does not exist)", "\x66\x0f\x53\xc1", 4 },
        { "66 0F 52", "\x66\x0f\x52\xc1", 4 },
        { "F2 0F 53", "\xf2\x0f\x53\xc1", 4 },
        { "F3 F2 0F 52 (F2 last)", "\xf3\xf2\x0f\x52\xc1", 5 },
        { "lock rcpps", "\xf0\x0f\x53\xc1", 4 },
        { "lock rsqrtss", "\xf0\xf3\x0f\x52\xc1", 5 },
        { "vrcpps (VEX)", "\xc5\xf8\x53\xc1", 4 },
    };
    for (size_t n = 0; n < COUNT(bad); n++) {
        Fetch f = { .pc = 0x400000, .len = bad[n].len };
        memcpy(f.bytes, bad[n].bytes, bad[n].len);
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        if (res.status == FE_OK) fail_msg("%s: translated", bad[n].what);
        X86State st;
        x86_state_init(&st);
        st.rip = f.pc;
        IrGuestInfo gi = fe_guest_info(0);
        uint64_t ew = ir_interp_run(blk, &st, &gi);
        if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_TRAP || IR_EXIT_WORD_SIG(ew) != SIGILL ||
            st.rip != f.pc)
            fail_msg("%s: exit word %#llx at %#llx, want SIGILL", bad[n].what,
                     (unsigned long long)ew, (unsigned long long)st.rip);
        ir_block_free(blk);
    }
}

#if defined(__x86_64__)
#include <ucontext.h>

#include "tests/common/approx_host.h"
#include "tests/common/native_harness.h"

/* ================================================================ the host instructions */

/* Four lanes at once, both instructions. */
static void host_packed(const uint32_t x[4], uint32_t rcp[4], uint32_t rsq[4])
{
    __asm__ volatile("movdqu (%2), %%xmm0\n\trcpps %%xmm0, %%xmm1\n\trsqrtps %%xmm0, %%xmm2\n\t"
                     "movdqu %%xmm1, (%0)\n\tmovdqu %%xmm2, (%1)"
                     : : "r"(rcp), "r"(rsq), "r"(x) : "xmm0", "xmm1", "xmm2", "memory");
}

static bool host_is_intel(void)
{
    uint32_t a = 0, b, c, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;     /* GenuineIntel */
}

/* The tables are one Intel CPU's answers: on another vendor's host the host oracles say
 * nothing, so those tests pass with a message (make test reads a cmocka skip as a failure). */
static bool other_vendor(void)
{
    if (host_is_intel()) return false;
    print_message("host is not an Intel CPU (its approximations differ by design): not "
                  "compared\n");
    return true;
}

/* ================================================================ model vs host */

/* Inputs are batched four at a time through the packed instructions; `scalar` also runs each
 * through rcpss/rsqrtss. Mismatches are reported (the first few) and counted. */
typedef struct Batch {
    uint32_t x[4];
    unsigned n;
    bool scalar;
    uint64_t inputs, bad;
} Batch;

static void report(Batch *b, const char *insn, uint32_t x, uint32_t host, uint32_t model)
{
    if (b->bad++ < 12)
        print_error("%s %08x: host %08x, ferry %08x\n", insn, x, host, model);
}

static void batch_flush(Batch *b)
{
    if (!b->n) return;
    while (b->n < 4) b->x[b->n++] = 0x3f800000u;
    uint32_t r[4], q[4];
    host_packed(b->x, r, q);
    for (unsigned k = 0; k < 4; k++) {
        uint32_t x = b->x[k], mr = x86_rcp32(x), mq = x86_rsqrt32(x);
        if (r[k] != mr) report(b, "rcpps", x, r[k], mr);
        if (q[k] != mq) report(b, "rsqrtps", x, q[k], mq);
        if (b->scalar) {
            uint32_t sr = host_rcpss(x), sq = host_rsqrtss(x);
            if (sr != mr) report(b, "rcpss", x, sr, mr);
            if (sq != mq) report(b, "rsqrtss", x, sq, mq);
        }
    }
    b->inputs += 4;
    b->n = 0;
}

static void batch_add(Batch *b, uint32_t x)
{
    b->x[b->n++] = x;
    if (b->n == 4) batch_flush(b);
}

static void batch_done(Batch *b)
{
    batch_flush(b);
    if (b->bad)
        fail_msg("%llu of %llu inputs differ from the host", (unsigned long long)b->bad,
                 (unsigned long long)b->inputs);
}

static void test_tables_are_the_hosts(void **state)
{
    (void)state;
    if (other_vendor()) return;
    int bad = 0;
    for (uint32_t i = 0; i < 2048; i++) {
        uint32_t x = 0x3f800000u | i << 12, h = host_rcpss(x);
        if (h != x86_rcp_table[i]) {
            print_error("x86_rcp_table[%u] = %08x, host %08x\n", i, x86_rcp_table[i], h);
            bad++;
        }
        x = (i >> 10 ? 127u : 128u) << 23 | (i & 0x3ffu) << 13;
        h = host_rsqrtss(x);
        if (h != x86_rsqrt_table[i]) {
            print_error("x86_rsqrt_table[%u] = %08x, host %08x\n", i, x86_rsqrt_table[i], h);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    uint64_t d = digest(host_rcpss, host_rsqrtss);
    if (d != HOST_DIGEST) fail_msg("host digest %#018llx, the test says %#018llx",
                                   (unsigned long long)d, (unsigned long long)HOST_DIGEST);
}

/* Every sign, exponent and 11-bit index (which holds rsqrt's 10-bit one), with the bits below
 * the index all clear, all set, and mixed. */
static void every_index(Batch *b)
{
    for (uint32_t hi = 0; hi < (1u << 20); hi++) {
        uint32_t base = hi << 12;
        batch_add(b, base);
        batch_add(b, base | 0xfff);
        batch_add(b, base | ((hi * 0x9e3779b1u) >> 20));
    }
}

static void test_every_index_and_exponent(void **state)
{
    (void)state;
    if (other_vendor()) return;
    Batch b = { .scalar = true };
    every_index(&b);
    batch_done(&b);
}

/* Zeros and denormals (all of the first 2^16 mantissas, then a stride), the exponents at both
 * ends (253 in full: there every rcp result falls below the normals and is flushed; 252 is
 * the last whose results stay normal), infinities and NaNs (a stride of payloads, quiet and
 * signalling), both signs. */
static void special_regions(Batch *b, uint32_t stride)
{
    static const uint32_t ends[] = { 1, 2, 252, 253, 254 };
    for (uint32_t s = 0; s < 2; s++) {
        uint32_t sign = s << 31;
        for (uint32_t m = 0; m < (1u << 16); m++) batch_add(b, sign | m);
        for (uint32_t m = 0; m < (1u << 23); m += stride) batch_add(b, sign | m);
        for (unsigned k = 0; k < COUNT(ends); k++) {
            uint32_t step = ends[k] == 253 && stride < 16 ? 1 : stride;
            for (uint32_t m = 0; m < (1u << 23); m += step) batch_add(b, sign | ends[k] << 23 | m);
        }
        for (uint32_t m = 0; m < (1u << 23); m += stride) batch_add(b, sign | 0x7f800000u | m);
        batch_add(b, sign | 0x7fc00000u);
        batch_add(b, sign | 0x7f800001u);
        batch_add(b, sign | 0x7fffffffu);
        batch_add(b, sign | 0x7fbfffffu);
    }
}

static void test_special_regions(void **state)
{
    (void)state;
    if (other_vendor()) return;
    Batch b = { .scalar = true };
    special_regions(&b, 3);
    batch_done(&b);
}

/* rcpps/rsqrtps read no MXCSR bit and raise no exception: the same results under every
 * rounding mode, DAZ, FTZ, preset flags and all exceptions unmasked (an exception would be a
 * SIGFPE), and MXCSR unchanged afterwards. */
static void test_mxcsr_has_no_effect(void **state)
{
    (void)state;
    if (other_vendor()) return;
    static const uint32_t images[] = {
        0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1fc0, 0x9f80, 0x9fc0, 0xffc0, 0x1fbf, 0x0000, 0x0040,
        0x8000,
    };
    uint32_t saved = get_mxcsr();
    for (size_t k = 0; k < COUNT(images); k++) {
        Batch b = { .scalar = true };
        set_mxcsr(images[k]);
        special_regions(&b, 1021);
        for (uint32_t hi = 0; hi < (1u << 20); hi += 7) batch_add(&b, hi << 12 | 0x5a5);
        batch_flush(&b);
        uint32_t after = get_mxcsr();
        set_mxcsr(saved);
        if (after != images[k]) fail_msg("MXCSR %#06x became %#06x", images[k], after);
        if (b.bad) fail_msg("under MXCSR %#06x: %llu of %llu inputs differ", images[k],
                            (unsigned long long)b.bad, (unsigned long long)b.inputs);
    }
}

/* All 2^32 inputs (registered only with FERRY_APPROX_FULL=1). */
static void test_full_sweep(void **state)
{
    (void)state;
    if (other_vendor()) return;
    Batch b = { .scalar = true };
    uint32_t x = 0;
    do batch_add(&b, x); while (++x);
    batch_done(&b);
    print_message("all %llu inputs of rcpps, rcpss, rsqrtps and rsqrtss agree with the host\n",
                  (unsigned long long)b.inputs);
}

/* ================================================================ translation vs host */

typedef struct Snippet {
    const char *name;
    bool faults;        /* must raise #GP (a misaligned m128) */
    unsigned len;       /* bytes of code */
    const char *asm_text;
    const char *bytes;
} Snippet;

/* rsi = g_mem, r12 = g_mem + 128, r13 = g_mem + 64, rdi = 16 in every profile. */
static const Snippet cases[] = {
    { "rcpps reg", false, 14,
      "rcpps xmm1, xmm2; rcpps xmm9, xmm14; rcpps xmm3, xmm3; rcpps xmm15, xmm0",
      "\x0f\x53\xca\x45\x0f\x53\xce\x0f\x53\xdb\x44\x0f\x53\xf8" },
    { "rcpps mem", false, 15,
      "rcpps xmm4, [rsi+16]; rcpps xmm12, [rsi+rdi*2]; rcpps xmm5, [r12+48]",
      "\x0f\x53\x66\x10\x44\x0f\x53\x24\x7e\x41\x0f\x53\x6c\x24\x30" },
    { "rcpps misaligned", true, 7,
      "rcpps xmm1, xmm2; rcpps xmm4, [rsi+8]",
      "\x0f\x53\xca\x0f\x53\x66\x08" },
    { "rsqrtps reg", false, 14,
      "rsqrtps xmm1, xmm2; rsqrtps xmm9, xmm14; rsqrtps xmm3, xmm3; rsqrtps xmm15, xmm0",
      "\x0f\x52\xca\x45\x0f\x52\xce\x0f\x52\xdb\x44\x0f\x52\xf8" },
    { "rsqrtps mem", false, 14,
      "rsqrtps xmm4, [rsi+16]; rsqrtps xmm12, [rsi+rdi*4]; rsqrtps xmm5, [r13]",
      "\x0f\x52\x66\x10\x44\x0f\x52\x24\xbe\x41\x0f\x52\x6d\x00" },
    { "rsqrtps misaligned", true, 4,
      "rsqrtps xmm6, [rsi+4]",
      "\x0f\x52\x76\x04" },
    { "rcpss reg merges lane 0", false, 18,
      "rcpss xmm1, xmm2; rcpss xmm10, xmm3; rcpss xmm5, xmm5; rcpss xmm0, xmm15",
      "\xf3\x0f\x53\xca\xf3\x44\x0f\x53\xd3\xf3\x0f\x53\xed\xf3\x41\x0f\x53\xc7" },
    { "rcpss mem unaligned keeps lanes 1-3", false, 17,
      "rcpss xmm6, [rsi+3]; rcpss xmm7, [rsi+61]; rcpss xmm13, [r12+rdi-5]",
      "\xf3\x0f\x53\x76\x03\xf3\x0f\x53\x7e\x3d\xf3\x45\x0f\x53\x6c\x3c\xfb" },
    { "rsqrtss reg merges lane 0", false, 18,
      "rsqrtss xmm1, xmm2; rsqrtss xmm10, xmm3; rsqrtss xmm5, xmm5; rsqrtss xmm0, xmm15",
      "\xf3\x0f\x52\xca\xf3\x44\x0f\x52\xd3\xf3\x0f\x52\xed\xf3\x41\x0f\x52\xc7" },
    { "rsqrtss mem unaligned keeps lanes 1-3", false, 17,
      "rsqrtss xmm6, [rsi+3]; rsqrtss xmm7, [rsi+61]; rsqrtss xmm13, [r12+rdi-5]",
      "\xf3\x0f\x52\x76\x03\xf3\x0f\x52\x7e\x3d\xf3\x45\x0f\x52\x6c\x3c\xfb" },
    { "mandatory prefix: 66 F3 and F2 F3 select the ss forms", false, 10,
      ".byte 0x66,0xf3,0x0f,0x53,0xca; .byte 0xf2,0xf3,0x0f,0x52,0xdc",
      "\x66\xf3\x0f\x53\xca\xf2\xf3\x0f\x52\xdc" },
    { "chained with IR-cached registers", false, 29,
      "movaps xmm2, xmm0; addps xmm0, xmm0; rcpps xmm1, xmm0; mulps xmm2, xmm1; rsqrtss xmm2, xmm1; addps xmm1, xmm2; rsqrtps xmm0, xmm1; movaps xmm3, xmm0; rcpss xmm3, xmm2",
      "\x0f\x28\xd0\x0f\x58\xc0\x0f\x53\xc8\x0f\x59\xd1\xf3\x0f\x52\xd1\x0f\x58"
      "\xca\x0f\x52\xc1\x0f\x28\xd8\xf3\x0f\x53\xda" },
    { "newton step", false, 33,
      "movaps xmm0, [rsi+32]; rsqrtps xmm1, xmm0; movaps xmm2, xmm1; mulps xmm2, xmm1; mulps xmm2, xmm0; mulps xmm1, [rsi+256]; subps xmm2, [rsi+272]; mulps xmm1, xmm2",
      "\x0f\x28\x46\x20\x0f\x52\xc8\x0f\x28\xd1\x0f\x59\xd1\x0f\x59\xd0\x0f\x59"
      "\x8e\x00\x01\x00\x00\x0f\x5c\x96\x10\x01\x00\x00\x0f\x59\xca" },
};

enum { MEM_SIZE = 1024, N_PROFILES = 6, FETCH_TAIL = 5 };

/* Guest memory, at the same address natively and under the interpreter. */
static uint8_t g_mem[MEM_SIZE] __attribute__((aligned(64)));
static int g_page_size;
static uint8_t *g_code;     /* one page: the snippet then native_terminator, executable */

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s ^ (*s >> 29);
}

/* One float of the profile's kind: random bits (0), specials (1), positive normals around 1
 * (2), positive floats of every exponent (3), denormals and the extreme exponents (4), a mix
 * (5). */
static uint32_t pick(int profile, uint64_t *rng)
{
    uint32_t r = (uint32_t)rng_next(rng);
    switch (profile == 5 ? (int)(r % 5) : profile) {
    case 1: return native_f32_special[rng_next(rng) % native_n_f32_special];
    case 2: return (126u + r % 3) << 23 | (r >> 9 & 0x7fffff);
    case 3: return r & 0x7fffffff;
    case 4: {
        static const uint32_t e[] = { 0, 0, 1, 253, 254, 0xff };
        return (r & 0x807fffffu) | e[rng_next(rng) % COUNT(e)] << 23;
    }
    default: return r;
    }
}

static void fill16(uint8_t *p, int profile, uint64_t *rng)
{
    for (int k = 0; k < 4; k++) {
        uint32_t v = pick(profile, rng);
        memcpy(p + 4 * k, &v, 4);
    }
}

static void init_memory(int profile)
{
    uint64_t rng = 0x5eed0000u + (uint64_t)profile * 7919u;
    for (int off = 0; off < MEM_SIZE; off += 16) fill16(g_mem + off, profile, &rng);
    /* The Newton step's constants: 0.5 at 256, 3.0 at 272. */
    for (int k = 0; k < 4; k++) {
        uint32_t half = 0x3f000000u, three = 0x40400000u;
        memcpy(g_mem + 256 + 4 * k, &half, 4);
        memcpy(g_mem + 272 + 4 * k, &three, 4);
    }
}

static void init_state(TState *s, int profile)
{
    uint64_t rng = 0xabcdef12u + (uint64_t)profile * 104729u;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = rng_next(&rng);
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)g_mem;
    s->gpr[X86_RDI] = 16;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(g_mem + 128);
    s->gpr[X86_R13] = (uint64_t)(uintptr_t)(g_mem + 64);
    s->rflags = 0x202 | (profile & 1 ? 0 : X86_ARITH_FLAGS);
    /* Every exception masked; rounding modes, DAZ/FTZ and preset sticky flags by profile. */
    static const uint32_t mx[N_PROFILES] = { 0x1f80, 0x3fbf, 0x5f80, 0x7f80, 0x9fc0, 0x1fc1 };
    s->mxcsr = mx[profile];
    for (int r = 0; r < 16; r++) fill16(s->xmm[r].b, profile, &rng);
}

static void to_x86(X86State *st, const TState *t, uint64_t pc)
{
    x86_state_init(st);
    memcpy(st->gpr, t->gpr, sizeof st->gpr);
    x86_set_eflags(st, t->rflags);
    st->mxcsr = t->mxcsr;
    memcpy(st->xmm, t->xmm, sizeof st->xmm);
    st->mem_base = 0;
    st->rip = pc;
}

/* Translate at f->pc (optimised or not) and run under the interpreter. */
static bool run_translated(const Fetch *f, const TState *t, bool optimise, X86State *st,
                           uint64_t *exit_word, IrBlock **blk_out)
{
    IrBlock *blk = ir_block_new(f->pc);
    FeOptions opt = { 0 };
    FeResult res;
    fe_translate_block(blk, f->pc, fetch_code, (void *)f, &opt, &res);
    if (optimise) opt_run(blk);
    *blk_out = blk;
    char err[256];
    if (!ir_verify(blk, err, sizeof err)) {
        print_error("IR does not verify (%s): %s\n", optimise ? "optimised" : "raw", err);
        return false;
    }
    to_x86(st, t, f->pc);
    IrGuestInfo gi = fe_guest_info(0);
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        print_error("host signal %d while interpreting\n", native_fault.sig);
        return false;
    }
    *exit_word = ir_interp_run(blk, st, &gi);
    native_armed = 0;
    return true;
}

static int compare(const char *what, const X86State *st, const TState *want,
                   const uint8_t *want_mem)
{
    int bad = 0;
    for (int r = 0; r < 16; r++) {
        if (r == X86_RSP || st->gpr[r] == want->gpr[r]) continue;
        print_error("  %s: gpr %d = %#llx, native %#llx\n", what, r,
                    (unsigned long long)st->gpr[r], (unsigned long long)want->gpr[r]);
        bad++;
    }
    uint64_t fl = x86_get_eflags(st) & X86_ARITH_FLAGS;
    if (fl != (want->rflags & X86_ARITH_FLAGS)) {
        print_error("  %s: flags = %#llx, native %#llx\n", what, (unsigned long long)fl,
                    (unsigned long long)(want->rflags & X86_ARITH_FLAGS));
        bad++;
    }
    if (st->mxcsr != want->mxcsr) {
        print_error("  %s: mxcsr = %#x, native %#x\n", what, st->mxcsr, want->mxcsr);
        bad++;
    }
    for (int r = 0; r < 16; r++) {
        if (!memcmp(&st->xmm[r], &want->xmm[r], 16)) continue;
        print_error("  %s: xmm%d = %016llx:%016llx, native %016llx:%016llx\n", what, r,
                    (unsigned long long)st->xmm[r].q[1], (unsigned long long)st->xmm[r].q[0],
                    (unsigned long long)want->xmm[r].q[1], (unsigned long long)want->xmm[r].q[0]);
        bad++;
    }
    if (memcmp(g_mem, want_mem, MEM_SIZE)) {
        print_error("  %s: memory differs\n", what);
        bad++;
    }
    return bad;
}

/* One snippet under one profile; returns the number of differences. */
static int run_case(const Snippet *tc, int profile)
{
    static uint8_t want_mem[MEM_SIZE];
    TState start, want;
    init_state(&start, profile);

    mprotect(g_code, (size_t)g_page_size, PROT_READ | PROT_WRITE);
    memcpy(g_code, tc->bytes, tc->len);
    native_terminator(g_code + tc->len);
    mprotect(g_code, (size_t)g_page_size, PROT_READ | PROT_EXEC);
    uint64_t pc = (uint64_t)(uintptr_t)g_code;
    init_memory(profile);
    want = start;
    bool faulted = false;
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        faulted = true;
        want = native_fault.state;
    } else {
        native_run(&want, g_code);
        native_armed = 0;
    }
    memcpy(want_mem, g_mem, MEM_SIZE);
    if (faulted != tc->faults) {
        print_error("%s: the host %s\n", tc->name, faulted ? "faulted" : "did not fault");
        return 1;
    }
    if (faulted && (native_fault.sig != SIGSEGV || native_fault.code != SI_KERNEL)) {
        print_error("%s: host fault is signal %d code %#x\n", tc->name, native_fault.sig,
                    native_fault.code);
        return 1;
    }

    Fetch f = { .pc = pc, .len = tc->len + FETCH_TAIL };
    memcpy(f.bytes, tc->bytes, tc->len);
    memcpy(f.bytes + tc->len, "\xe9\x00\x00\x00\x00", FETCH_TAIL);
    int bad = 0;
    for (int optimise = 0; optimise < 2; optimise++) {
        const char *what = optimise ? "optimised" : "raw";
        X86State st;
        uint64_t ew = 0;
        IrBlock *blk = NULL;
        init_memory(profile);
        int n = 0;
        if (!run_translated(&f, &start, optimise, &st, &ew, &blk)) {
            n = 1;
        } else {
            bool trap = IR_EXIT_WORD_KIND(ew) == IR_EXIT_TRAP && IR_EXIT_WORD_SIG(ew) == SIGSEGV &&
                        IR_EXIT_WORD_CODE(ew) == SI_KERNEL && st.rip == native_fault.rip;
            bool jump = IR_EXIT_WORD_KIND(ew) == IR_EXIT_JUMP && st.rip == pc + f.len;
            if (faulted ? !trap : !jump) {
                print_error("  %s: exit word %#llx rip %#llx\n", what, (unsigned long long)ew,
                            (unsigned long long)st.rip);
                n++;
            }
            n += compare(what, &st, &want, want_mem);
        }
        if (n) {
            print_error("%s [profile %d] %s\n", tc->name, profile, tc->asm_text);
            ir_print_block(stderr, blk);
        }
        ir_block_free(blk);
        bad += n;
    }
    return bad;
}

static void test_snippet(void **state)
{
    const Snippet *tc = *state;
    if (other_vendor()) return;
    int bad = 0;
    native_catch(true);
    for (int p = 0; p < N_PROFILES; p++) bad += run_case(tc, p);
    native_catch(false);
    assert_int_equal(bad, 0);
}

#endif /* __x86_64__ */

/* ================================================================ main */

int main(void)
{
    fe_init();
    static const struct CMUnitTest portable[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_model_digest),
        cmocka_unit_test(test_rejected_encodings),
    };
    size_t n = COUNT(portable);
#if defined(__x86_64__)
    static const struct CMUnitTest host[] = {
        cmocka_unit_test(test_tables_are_the_hosts),
        cmocka_unit_test(test_every_index_and_exponent),
        cmocka_unit_test(test_special_regions),
        cmocka_unit_test(test_mxcsr_has_no_effect),
    };
    const char *full = getenv("FERRY_APPROX_FULL");
    bool sweep = full && !strcmp(full, "1");
    g_page_size = (int)sysconf(_SC_PAGESIZE);
    g_code = mmap(NULL, (size_t)g_page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (g_code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    n += COUNT(host) + COUNT(cases) + sweep;
#endif
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    if (!tests) return 1;
    size_t k = 0;
    for (size_t i = 0; i < COUNT(portable); i++) tests[k++] = portable[i];
#if defined(__x86_64__)
    for (size_t i = 0; i < COUNT(host); i++) tests[k++] = host[i];
    if (sweep) tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_full_sweep);
    for (size_t i = 0; i < COUNT(cases); i++) {
        tests[k].name = cases[i].name;
        tests[k].test_func = test_snippet;
        tests[k].initial_state = (void *)&cases[i];
        k++;
    }
#endif
    int failed = _cmocka_run_group_tests("sse_approx", tests, n, NULL, NULL);
    free(tests);
    return failed;
}
