/* mmx.c — guest program: every MMX instruction (inline assembly) with edge values, the
 * SSE/SSE2 moves and conversions between mm and xmm registers, and the aliasing of the mm
 * registers onto the x87 registers (tag word and TOP after MMX and after emms, an mm register
 * read as an x87 value). Output is deterministic and compared native vs ferry by
 * tests/guest/run.sh.
 *
 * Each operation runs twice, with a register and with a memory source operand, and both
 * results are printed (they must agree on hardware, so a difference shows as a diff). Every
 * asm block ends with emms so the C code around it (printf) finds an empty x87 stack.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const uint64_t vals[] = {
    0, ~0ull, 0x8000000000000000ull, 0x7fff7fff7fff7fffull, 0x8000800080008000ull,
    0x0123456789abcdefull, 0xfedcba9876543210ull, 0x80ff7f0001fe807full, 0x00ff00ff7fff8000ull,
    0x7f7f80807f7f8080ull, 0x00000001ffffffffull, 0x7fffffff80000000ull,
};
#define NV (sizeof vals / sizeof vals[0])

/* mm0 = op(mm0 = a, mm1 = b) and op(mm0 = a, m64 = b). */
#define BIN(fn, insn)                                                                    \
    static void fn(uint64_t a, uint64_t b, uint64_t *r, uint64_t *m)                     \
    {                                                                                    \
        __asm__ volatile("movq %2, %%mm0\n\tmovq %3, %%mm1\n\t" insn " %%mm1, %%mm0\n\t" \
                         "movq %%mm0, %0\n\tmovq %2, %%mm2\n\t" insn " %3, %%mm2\n\t"    \
                         "movq %%mm2, %1\n\temms"                                        \
                         : "=m"(*r), "=m"(*m)                                            \
                         : "m"(a), "m"(b)                                                \
                         : "mm0", "mm1", "mm2");                                         \
    }

BIN(op_paddb, "paddb") BIN(op_paddw, "paddw") BIN(op_paddd, "paddd") BIN(op_paddq, "paddq")
BIN(op_psubb, "psubb") BIN(op_psubw, "psubw") BIN(op_psubd, "psubd") BIN(op_psubq, "psubq")
BIN(op_paddsb, "paddsb") BIN(op_paddsw, "paddsw") BIN(op_paddusb, "paddusb")
BIN(op_paddusw, "paddusw") BIN(op_psubsb, "psubsb") BIN(op_psubsw, "psubsw")
BIN(op_psubusb, "psubusb") BIN(op_psubusw, "psubusw")
BIN(op_pmullw, "pmullw") BIN(op_pmulhw, "pmulhw") BIN(op_pmulhuw, "pmulhuw")
BIN(op_pmuludq, "pmuludq") BIN(op_pmaddwd, "pmaddwd")
BIN(op_pcmpeqb, "pcmpeqb") BIN(op_pcmpeqw, "pcmpeqw") BIN(op_pcmpeqd, "pcmpeqd")
BIN(op_pcmpgtb, "pcmpgtb") BIN(op_pcmpgtw, "pcmpgtw") BIN(op_pcmpgtd, "pcmpgtd")
BIN(op_pand, "pand") BIN(op_pandn, "pandn") BIN(op_por, "por") BIN(op_pxor, "pxor")
BIN(op_packsswb, "packsswb") BIN(op_packssdw, "packssdw") BIN(op_packuswb, "packuswb")
BIN(op_punpcklbw, "punpcklbw") BIN(op_punpcklwd, "punpcklwd") BIN(op_punpckldq, "punpckldq")
BIN(op_punpckhbw, "punpckhbw") BIN(op_punpckhwd, "punpckhwd") BIN(op_punpckhdq, "punpckhdq")
BIN(op_pavgb, "pavgb") BIN(op_pavgw, "pavgw") BIN(op_pminub, "pminub") BIN(op_pmaxub, "pmaxub")
BIN(op_pminsw, "pminsw") BIN(op_pmaxsw, "pmaxsw") BIN(op_psadbw, "psadbw")
BIN(op_psllw, "psllw") BIN(op_pslld, "pslld") BIN(op_psllq, "psllq")
BIN(op_psrlw, "psrlw") BIN(op_psrld, "psrld") BIN(op_psrlq, "psrlq")
BIN(op_psraw, "psraw") BIN(op_psrad, "psrad")

typedef void (*BinFn)(uint64_t, uint64_t, uint64_t *, uint64_t *);
static const struct { const char *name; BinFn fn; } bins[] = {
    { "paddb", op_paddb }, { "paddw", op_paddw }, { "paddd", op_paddd }, { "paddq", op_paddq },
    { "psubb", op_psubb }, { "psubw", op_psubw }, { "psubd", op_psubd }, { "psubq", op_psubq },
    { "paddsb", op_paddsb }, { "paddsw", op_paddsw }, { "paddusb", op_paddusb },
    { "paddusw", op_paddusw }, { "psubsb", op_psubsb }, { "psubsw", op_psubsw },
    { "psubusb", op_psubusb }, { "psubusw", op_psubusw },
    { "pmullw", op_pmullw }, { "pmulhw", op_pmulhw }, { "pmulhuw", op_pmulhuw },
    { "pmuludq", op_pmuludq }, { "pmaddwd", op_pmaddwd },
    { "pcmpeqb", op_pcmpeqb }, { "pcmpeqw", op_pcmpeqw }, { "pcmpeqd", op_pcmpeqd },
    { "pcmpgtb", op_pcmpgtb }, { "pcmpgtw", op_pcmpgtw }, { "pcmpgtd", op_pcmpgtd },
    { "pand", op_pand }, { "pandn", op_pandn }, { "por", op_por }, { "pxor", op_pxor },
    { "packsswb", op_packsswb }, { "packssdw", op_packssdw }, { "packuswb", op_packuswb },
    { "punpcklbw", op_punpcklbw }, { "punpcklwd", op_punpcklwd }, { "punpckldq", op_punpckldq },
    { "punpckhbw", op_punpckhbw }, { "punpckhwd", op_punpckhwd }, { "punpckhdq", op_punpckhdq },
    { "pavgb", op_pavgb }, { "pavgw", op_pavgw }, { "pminub", op_pminub },
    { "pmaxub", op_pmaxub }, { "pminsw", op_pminsw }, { "pmaxsw", op_pmaxsw },
    { "psadbw", op_psadbw },
};
static const struct { const char *name; BinFn fn; } shifts[] = {
    { "psllw", op_psllw }, { "pslld", op_pslld }, { "psllq", op_psllq },
    { "psrlw", op_psrlw }, { "psrld", op_psrld }, { "psrlq", op_psrlq },
    { "psraw", op_psraw }, { "psrad", op_psrad },
};
static const uint64_t counts[] = { 0, 1, 4, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255,
                                   0x100000000ull, 0x8000000000000001ull };

static void test_binary(void)
{
    for (unsigned k = 0; k < sizeof bins / sizeof bins[0]; k++) {
        uint64_t h = 0;
        for (unsigned i = 0; i < NV; i++)
            for (unsigned j = 0; j < NV; j++) {
                uint64_t r, m;
                bins[k].fn(vals[i], vals[j], &r, &m);
                if (r != m) printf("%s reg/mem differ: %016llx %016llx\n", bins[k].name,
                                   (unsigned long long)r, (unsigned long long)m);
                h = h * 0x100000001b3ull ^ r;
                if ((i + j) % 5 == 0)
                    printf("%-9s %016llx %016llx = %016llx\n", bins[k].name,
                           (unsigned long long)vals[i], (unsigned long long)vals[j],
                           (unsigned long long)r);
            }
        printf("%-9s hash %016llx\n", bins[k].name, (unsigned long long)h);
    }
    for (unsigned k = 0; k < sizeof shifts / sizeof shifts[0]; k++)
        for (unsigned i = 0; i < NV; i += 2)
            for (unsigned j = 0; j < sizeof counts / sizeof counts[0]; j++) {
                uint64_t r, m;
                shifts[k].fn(vals[i], counts[j], &r, &m);
                printf("%-6s %016llx by %llu = %016llx%s\n", shifts[k].name,
                       (unsigned long long)vals[i], (unsigned long long)counts[j],
                       (unsigned long long)r, r == m ? "" : " (mem differs)");
            }
}

/* Shifts by an immediate (0F 71/72/73). */
#define SHI(insn, n)                                                                     \
    do {                                                                                 \
        uint64_t r;                                                                      \
        __asm__ volatile("movq %1, %%mm3\n\t" insn " $" #n ", %%mm3\n\tmovq %%mm3, %0\n\t" \
                         "emms" : "=m"(r) : "m"(v) : "mm3");                             \
        printf("%-6s $%-3s %016llx = %016llx\n", insn, #n, (unsigned long long)v,          \
               (unsigned long long)r);                                                   \
    } while (0)
#define SHI_ALL(insn) SHI(insn, 0); SHI(insn, 1); SHI(insn, 7); SHI(insn, 15); SHI(insn, 16); \
                      SHI(insn, 31); SHI(insn, 32); SHI(insn, 63); SHI(insn, 64); SHI(insn, 200)

static void test_shift_imm(void)
{
    for (unsigned i = 0; i < NV; i += 3) {
        uint64_t v = vals[i];
        SHI_ALL("psllw"); SHI_ALL("pslld"); SHI_ALL("psllq");
        SHI_ALL("psrlw"); SHI_ALL("psrld"); SHI_ALL("psrlq");
        SHI_ALL("psraw"); SHI_ALL("psrad");
    }
}

#define PSHUFW(n)                                                                        \
    do {                                                                                 \
        uint64_t r, m;                                                                   \
        __asm__ volatile("movq %2, %%mm4\n\tpshufw $" #n ", %%mm4, %%mm5\n\t"             \
                         "movq %%mm5, %0\n\tpshufw $" #n ", %2, %%mm6\n\tmovq %%mm6, %1\n\t" \
                         "emms" : "=m"(r), "=m"(m) : "m"(v) : "mm4", "mm5", "mm6");       \
        printf("pshufw $%-4s %016llx = %016llx %016llx\n", #n, (unsigned long long)v,      \
               (unsigned long long)r, (unsigned long long)m);                            \
    } while (0)

#define PINSR(n)                                                                         \
    do {                                                                                 \
        uint64_t r, m;                                                                   \
        uint32_t x = 0xdead1234u;                                                        \
        uint16_t w = 0xbeef;                                                             \
        __asm__ volatile("movq %2, %%mm7\n\tpinsrw $" #n ", %3, %%mm7\n\tmovq %%mm7, %0\n\t" \
                         "movq %2, %%mm1\n\tpinsrw $" #n ", %4, %%mm1\n\tmovq %%mm1, %1\n\t"  \
                         "emms" : "=m"(r), "=m"(m) : "m"(v), "r"(x), "m"(w)               \
                         : "mm7", "mm1");                                                \
        printf("pinsrw $%s %016llx = %016llx %016llx\n", #n, (unsigned long long)v,        \
               (unsigned long long)r, (unsigned long long)m);                            \
    } while (0)

#define PEXTR(n)                                                                         \
    do {                                                                                 \
        uint64_t x = ~0ull;                                                              \
        __asm__ volatile("movq %1, %%mm2\n\tpextrw $" #n ", %%mm2, %k0\n\temms"           \
                         : "+r"(x) : "m"(v) : "mm2");                                     \
        printf("pextrw $%s %016llx = %016llx\n", #n, (unsigned long long)v,                \
               (unsigned long long)x);                                                   \
    } while (0)

static void test_shuffle_insert(void)
{
    for (unsigned i = 5; i < NV; i += 2) {
        uint64_t v = vals[i];
        PSHUFW(0x00); PSHUFW(0x1b); PSHUFW(0xe4); PSHUFW(0x4e); PSHUFW(0xff); PSHUFW(0x39);
        PINSR(0); PINSR(1); PINSR(2); PINSR(3); PINSR(7);
        PEXTR(0); PEXTR(1); PEXTR(2); PEXTR(3); PEXTR(6);
        uint64_t x = ~0ull;
        __asm__ volatile("movq %1, %%mm3\n\tpmovmskb %%mm3, %k0\n\temms" : "+r"(x) : "m"(v)
                         : "mm3");
        printf("pmovmskb %016llx = %016llx\n", (unsigned long long)v, (unsigned long long)x);
    }
}

static void test_moves(void)
{
    for (unsigned i = 0; i < NV; i += 2) {
        uint64_t v = vals[i], q = 0, qm = 0, nt = 0;
        uint32_t d = 0, dm = 0, lo = (uint32_t)v;
        uint64_t r64 = 0x5555555555555555ull, r32 = 0x5555555555555555ull;
        /* movd r32 -> mm (zero-extends), movd mm -> r32 (zero-extends the GPR), REX.W forms */
        __asm__ volatile("movd %k3, %%mm0\n\tmovq %%mm0, %0\n\tmovq %4, %%rax\n\t"
                         "movq %%rax, %%mm1\n\tmovq %%mm1, %%rdx\n\tmovq %%rdx, %1\n\t"
                         "movd %%mm1, %%ecx\n\tmovq %%rcx, %2\n\temms"
                         : "=m"(q), "=m"(r64), "=m"(r32)
                         : "r"(v), "m"(v) : "rax", "rcx", "rdx", "mm0", "mm1");
        __asm__ volatile("movd %3, %%mm2\n\tmovq %%mm2, %0\n\tmovq %4, %%mm3\n\tmovd %%mm3, %1\n\t"
                         "movntq %%mm3, %2\n\tmovq %%mm3, %%mm4\n\tmovq %%mm4, %%mm5\n\t"
                         "emms"
                         : "=m"(qm), "=m"(dm), "=m"(nt)
                         : "m"(lo), "m"(v) : "mm2", "mm3", "mm4", "mm5");
        d = (uint32_t)q;
        printf("movd/movq %016llx: %016llx %08x %016llx %016llx | %016llx %08x %016llx\n",
               (unsigned long long)v, (unsigned long long)q, d, (unsigned long long)r64,
               (unsigned long long)r32, (unsigned long long)qm, dm, (unsigned long long)nt);
    }
    /* maskmovq: the bytes of mm0 whose mask byte in mm1 has its top bit set go to [rdi] */
    static const uint64_t masks[] = { 0, ~0ull, 0x8000000000000080ull, 0x7f80ff017f80ff01ull,
                                      0x00ff00ff00ff00ffull };
    for (unsigned k = 0; k < sizeof masks / sizeof masks[0]; k++) {
        uint8_t buf[24];
        memset(buf, 0xaa, sizeof buf);
        uint64_t data = 0x1122334455667788ull;
        __asm__ volatile("movq %1, %%mm0\n\tmovq %2, %%mm1\n\tmaskmovq %%mm1, %%mm0\n\temms"
                         : : "D"(buf + 5), "m"(data), "m"(masks[k]) : "mm0", "mm1", "memory");
        printf("maskmovq %016llx:", (unsigned long long)masks[k]);
        for (unsigned j = 0; j < sizeof buf; j++) printf(" %02x", buf[j]);
        printf("\n");
    }
}

/* mm <-> xmm: cvtpi2ps cvtps2pi cvttps2pi cvtpi2pd cvtpd2pi cvttpd2pi movq2dq movdq2q. */
static void test_convert(void)
{
    static const float fs[][2] = { { 1.5f, -1.5f }, { 2.5f, -2.5f }, { 0.49999997f, -0.5f },
                                   { 3e9f, -3e9f }, { __builtin_nanf(""), 1e-30f },
                                   { 2147483520.0f, -2147483648.0f }, { -0.0f, 7.75f } };
    for (unsigned i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        uint64_t r, t, rm, tm;
        uint64_t src;
        memcpy(&src, fs[i], 8);
        __asm__ volatile("movq %4, %%xmm1\n\tcvtps2pi %%xmm1, %%mm0\n\t"
                         "cvttps2pi %%xmm1, %%mm1\n\t"
                         "movq %%mm0, %0\n\tmovq %%mm1, %1\n\tcvtps2pi %4, %%mm2\n\t"
                         "cvttps2pi %4, %%mm3\n\tmovq %%mm2, %2\n\tmovq %%mm3, %3\n\temms"
                         : "=m"(r), "=m"(t), "=m"(rm), "=m"(tm) : "m"(src)
                         : "xmm1", "mm0", "mm1", "mm2", "mm3");
        printf("cvt(t)ps2pi %016llx = %016llx %016llx | %016llx %016llx\n",
               (unsigned long long)src, (unsigned long long)r, (unsigned long long)t,
               (unsigned long long)rm, (unsigned long long)tm);
    }
    static const double ds[][2] __attribute__((aligned(16))) = {
        { 1.5, -1.5 }, { 2.5, -2.5 }, { 0.5, -0.49999999999999994 }, { 3e9, -3e9 },
        { __builtin_nan(""), 1e300 }, { 2147483647.0, -2147483648.5 }, { -0.0, 1e-300 } };
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        uint64_t r, t, rm, tm;
        __asm__ volatile("movupd %4, %%xmm2\n\tcvtpd2pi %%xmm2, %%mm0\n\t"
                         "cvttpd2pi %%xmm2, %%mm1\n\t"
                         "movq %%mm0, %0\n\tmovq %%mm1, %1\n\tcvtpd2pi %4, %%mm2\n\t"
                         "cvttpd2pi %4, %%mm3\n\tmovq %%mm2, %2\n\tmovq %%mm3, %3\n\temms"
                         : "=m"(r), "=m"(t), "=m"(rm), "=m"(tm) : "m"(ds[i])
                         : "xmm2", "mm0", "mm1", "mm2", "mm3");
        printf("cvt(t)pd2pi %g %g = %016llx %016llx | %016llx %016llx\n", ds[i][0], ds[i][1],
               (unsigned long long)r, (unsigned long long)t, (unsigned long long)rm,
               (unsigned long long)tm);
    }
    static const uint64_t is[] = { 0, 0x7fffffff80000000ull, 0x0000000100ffffffull,
                                   0xffffffff01000001ull };
    for (unsigned i = 0; i < sizeof is / sizeof is[0]; i++) {
        uint64_t ps[2], psm[2], pd[2], pdm[2];
        uint64_t fill = 0x0123456789abcdefull;
        /* cvtpi2ps keeps the high half of the destination; cvtpi2pd writes all of it */
        __asm__ volatile("movq %4, %%mm0\n\tmovq %5, %%xmm3\n\tpunpcklqdq %%xmm3, %%xmm3\n\t"
                         "movdqa %%xmm3, %%xmm4\n\tcvtpi2ps %%mm0, %%xmm3\n\t"
                         "cvtpi2ps %4, %%xmm4\n\t"
                         "movdqu %%xmm3, %0\n\tmovdqu %%xmm4, %1\n\t"
                         "cvtpi2pd %%mm0, %%xmm3\n\tcvtpi2pd %4, %%xmm4\n\t"
                         "movdqu %%xmm3, %2\n\tmovdqu %%xmm4, %3\n\temms"
                         : "=m"(ps), "=m"(psm), "=m"(pd), "=m"(pdm) : "m"(is[i]), "m"(fill)
                         : "xmm3", "xmm4", "mm0");
        printf("cvtpi2ps %016llx = %016llx:%016llx %016llx:%016llx\n", (unsigned long long)is[i],
               (unsigned long long)ps[1], (unsigned long long)ps[0],
               (unsigned long long)psm[1], (unsigned long long)psm[0]);
        printf("cvtpi2pd %016llx = %016llx:%016llx %016llx:%016llx\n", (unsigned long long)is[i],
               (unsigned long long)pd[1], (unsigned long long)pd[0],
               (unsigned long long)pdm[1], (unsigned long long)pdm[0]);
    }
    uint64_t x[2] = { 0x1111222233334444ull, 0x5555666677778888ull }, y[2], q;
    uint64_t m = 0x99aabbccddeeff00ull;
    __asm__ volatile("movdqu %2, %%xmm5\n\tmovq %3, %%mm6\n\tmovq2dq %%mm6, %%xmm5\n\t"
                     "movdqu %%xmm5, %0\n\tmovdqu %2, %%xmm6\n\tmovdq2q %%xmm6, %%mm7\n\t"
                     "movq %%mm7, %1\n\temms"
                     : "=m"(y), "=m"(q) : "m"(x), "m"(m) : "xmm5", "xmm6", "mm6", "mm7");
    printf("movq2dq %016llx:%016llx movdq2q %016llx\n", (unsigned long long)y[1],
           (unsigned long long)y[0], (unsigned long long)q);
}

/* ---- x87 aliasing ---- */

struct env { uint16_t cw, r0, sw, r1, tw, r2; uint32_t ip, cs_op, dp, ds; };

static void print_env(const char *what, const struct env *e)
{
    printf("%-28s fsw %04x (top %u) ftw %04x\n", what, e->sw, (e->sw >> 11) & 7, e->tw);
}

static void test_x87_alias(void)
{
    struct env e;
    uint64_t v = 0x8123456789abcdefull, w = 0x0000000000000001ull;
    /* fill R0-R7 with +0 (tag "zero"), TOP back at 0; write mm3 only: TOP 0, R3 special */
    __asm__ volatile("fninit\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\t"
                     "movq %1, %%mm3\n\tfnstenv %0"
                     : "=m"(e) : "m"(v) : "mm3", "st", "st(1)", "st(2)", "st(3)", "st(4)",
                       "st(5)", "st(6)", "st(7)");
    print_env("after fldz*8, movq mm3", &e);
    /* TOP = 5 with one value, then an MMX op: TOP 0, all tags non-empty */
    __asm__ volatile("fninit\n\tfld1\n\tfld1\n\tfld1\n\tpxor %%mm0, %%mm0\n\tfnstenv %0"
                     : "=m"(e) : : "mm0", "st", "st(1)", "st(2)");
    print_env("after fld1*3, pxor mm0", &e);
    __asm__ volatile("emms\n\tfnstenv %0" : "=m"(e));
    print_env("after emms", &e);
    __asm__ volatile("fninit\n\tfld1\n\tfld1\n\tmovq %1, %%mm5\n\temms\n\tfnstenv %0"
                     : "=m"(e) : "m"(v) : "mm5", "st", "st(1)");
    print_env("after fld1*2, movq mm5, emms", &e);

    /* fnsave after MMX: tag word and every register as an 80-bit value */
    unsigned char save[108];
    __asm__ volatile("fninit\n\tfldpi\n\tmovq %1, %%mm0\n\tmovq %2, %%mm1\n\t"
                     "paddb %%mm1, %%mm1\n\tfnsave %0"
                     : "=m"(save) : "m"(v), "m"(w) : "mm0", "mm1", "st");
    uint16_t sw, tw;
    memcpy(&sw, save + 4, 2);
    memcpy(&tw, save + 8, 2);
    printf("fnsave after mmx: fsw %04x ftw %04x\n", sw, tw);
    for (unsigned i = 0; i < 8; i++) {
        uint16_t se;
        uint64_t sig;
        memcpy(&sig, save + 28 + 10 * i, 8);
        memcpy(&se, save + 36 + 10 * i, 2);
        if (i < 3) printf("  st%u %04x %016llx\n", i, se, (unsigned long long)sig);
    }
    __asm__ volatile("fninit");

    /* fxsave after MMX: the abridged tag word and the register slots */
    static unsigned char fx[512] __attribute__((aligned(16)));
    __asm__ volatile("fninit\n\tmovq %1, %%mm2\n\tfxsave %0\n\temms" : "=m"(fx) : "m"(v)
                     : "mm2");
    memcpy(&sw, fx + 2, 2);
    printf("fxsave after movq mm2: fsw %04x abridged ftw %02x mm2 %04x %016llx\n", sw, fx[4],
           *(uint16_t *)(fx + 32 + 16 * 2 + 8), (unsigned long long)*(uint64_t *)(fx + 64));
    __asm__ volatile("fxsave %0" : "=m"(fx));
    printf("fxsave after emms: fsw %04x abridged ftw %02x\n", *(uint16_t *)(fx + 2), fx[4]);

    /* an mm register read as an x87 value: exponent all ones, so a NaN (or, without the
     * integer bit, an unsupported encoding: the invalid-operation default NaN) */
    static const uint64_t sigs[] = { 0x8123456789abcdefull, 0xc000000000000000ull,
                                     0x8000000000000000ull, 0x0123456789abcdefull, 0 };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        unsigned char t80[10], u80[10];
        double d;
        uint16_t fsw;
        /* ST(0) = R0 = mm0 after the MMX transition (TOP = 0); ffree st(7) makes room for a
         * push, and fld st(1) loads R1 = mm1 */
        __asm__ volatile("fninit\n\tmovq %4, %%mm0\n\tmovq %4, %%mm1\n\tffree %%st(7)\n\t"
                         "fld %%st(1)\n\tfstpt %0\n\tfldt %0\n\tfstpl %2\n\tfstpt %1\n\t"
                         "fnstsw %3\n\tfninit"
                         : "=m"(t80), "=m"(u80), "=m"(d), "=m"(fsw) : "m"(sigs[i])
                         : "mm0", "mm1", "st", "st(1)");
        uint64_t db;
        memcpy(&db, &d, 8);
        printf("fld mm %016llx: m80 %02x%02x %02x%02x%02x%02x%02x%02x%02x%02x m64 %016llx "
               "m80 %02x%02x fsw %04x\n", (unsigned long long)sigs[i], t80[9], t80[8], t80[7],
               t80[6], t80[5], t80[4], t80[3], t80[2], t80[1], t80[0], (unsigned long long)db,
               u80[9], u80[8], fsw & 0x3fff);
    }
}

int main(void)
{
    test_binary();
    test_shift_imm();
    test_shuffle_insert();
    test_moves();
    test_convert();
    test_x87_alias();
    printf("done\n");
    return 0;
}
