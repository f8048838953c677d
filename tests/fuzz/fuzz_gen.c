/* fuzz_gen.c — start states, random instruction sequences, and the analysis that keeps them
 * safe to run natively and says which flags are defined.
 *
 * A case (seed, index) is a pure function of its two numbers, the classes and --max-len, so
 * --replay SEED:INDEX rebuilds it exactly. Everything comes from one splitmix64 stream.
 *
 * Register roles. The sequence runs natively inside the fuzzer's own process, so every memory
 * access must land in the scratch area. Memory operands are formed from a base register B that
 * holds FZ_DATA + FZ_OFF_BASE, an index register X holding 0..FZ_X_MAX, rsp (which points at
 * the scratch stack), RIP-relative displacements aimed at the scratch area, or absolute
 * 32-bit addresses (the region is below 2 GiB). No instruction may write B, X or rsp (except
 * the stack instructions, whose movement is bounded), nor rsi/rdi in sequences where string
 * instructions use them as pointers; rep counts come from an rcx the analysis knows to be at
 * most FZ_REP_MAX. Register writes are taken from the table (fuzz_ops.c) and from Capstone's
 * register-access detail, whichever says more.
 *
 * Encoding. A row is encoded as prefixes, REX, escape bytes, opcode, ModRM/SIB/displacement,
 * then eight biased random bytes; x86_decode decides how many of them are the immediate (the
 * decoder's own tables: Ib/Iw/Iz/Iv/moffs, the F6/F7 test immediates, ENTER's two). Absolute
 * addresses and RIP-relative displacements are patched once the length is known. Capstone
 * must agree on the length, or the candidate is dropped (the decoder mode reports such
 * disagreements on their own), except for rows marked F_CSLEN where Capstone 4 is known wrong.
 *
 * The x87 start state (x87 class) is an FXSAVE image loaded natively with FXRSTOR: a random
 * TOP and stack depth, special and random 80-bit values, every exception masked, random
 * precision and rounding control. GS has base FZ_GS_BASE while a sequence runs, so gs:
 * operands are generated too (FS is the harness's own TLS and is never used).
 *
 * Branches go forward to an instruction boundary of the sequence or to its end; their targets
 * are chosen after the whole sequence exists, among those that keep the analysis valid. The
 * one backward branch allowed is a loop construct: mov ecx, N (1..4), a body of 1-3
 * instructions that neither write rcx nor branch, and loop/loope/loopne back to the body, with
 * no other branch into the body, so it ends after at most N iterations.
 *
 * Analysis (analyze): a forward data-flow over the sequence's control-flow graph, iterated to
 * a fixed point, tracking which arithmetic flags may be undefined (fz_flag_effect), whether rcx
 * is known exactly (for shift counts and rep) or bounded, and whether rbp is a frame pointer
 * into the stack (for leave). An instruction that reads a flag that may be undefined, writes a
 * protected register, or uses rep with an unbounded count makes the sequence invalid.
 */
#include <string.h>

#include "tests/fuzz/fuzz.h"

/* ================================================================ random numbers */

typedef struct Gen {
    uint64_t s;
    const FzGenOpts *o;
    FzCase *c;
    int64_t rsp_off;        /* linear estimate of rsp - initial rsp at the next instruction */
    int64_t rbp_off;        /* rbp - initial rsp when rbp is a frame pointer */
    bool rbp_frame;         /* rbp starts as a frame pointer */
    bool in_body;           /* generating a loop body */
} Gen;

static uint64_t next(Gen *g)
{
    uint64_t z = (g->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static unsigned rnd(Gen *g, unsigned n) { return n ? (unsigned)(next(g) % n) : 0; }

/* Integers worth starting from. */
static uint64_t pick_value(Gen *g)
{
    switch (rnd(g, 18)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~0ull;
    case 3: return rnd(g, 65);
    case 4: return 0x80000000u;
    case 5: return 0x7fffffff;
    case 6: return 0xffffffffu;
    case 7: return 1ull << 63;
    case 8: return 0x8000 | (next(g) & ~0xffffull);
    case 9: return 0xff;
    case 10: return 0x80 | (next(g) & ~0xffull);
    case 11: return (uint32_t)next(g);
    case 12: return -(uint64_t)rnd(g, 65);
    case 13: return 0x7fffffffffffffffull;
    case 14: return next(g) & 0xffff;
    default: return next(g);
    }
}

/* Shift counts at the interesting edges. */
static uint8_t pick_count(Gen *g)
{
    static const uint8_t edge[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64,
                                    65, 0xff, 0x80, 0x21 };
    return rnd(g, 4) ? edge[rnd(g, sizeof edge)] : (uint8_t)next(g);
}

/* ================================================================ start state */

static bool has_class(const Gen *g, FzClass k) { return g->o->classes & (1u << k); }

static void fill16(Gen *g, uint8_t *p, bool fp)
{
    uint64_t q[2] = { next(g), next(g) };
    unsigned kind = fp ? rnd(g, 4) : 3;
    if (kind == 0) {
        uint32_t d[4];
        for (int k = 0; k < 4; k++) d[k] = native_f32_special[rnd(g, native_n_f32_special)];
        memcpy(q, d, 16);
    } else if (kind == 1) {
        for (int k = 0; k < 2; k++) q[k] = native_f64_special[rnd(g, native_n_f64_special)];
    } else if (kind == 2) {
        int32_t d[4];
        for (int k = 0; k < 4; k++) d[k] = (int32_t)rnd(g, 41) - 20;
        memcpy(q, d, 16);
    } else {
        uint8_t *b = (uint8_t *)q;      /* some zero and 'a' bytes (scas, cmps, pcmpeqb) */
        uint64_t marks = next(g);       /* 4 bits a byte */
        for (int k = 0; k < 16; k++, marks >>= 4) {
            if ((marks & 15) == 0) b[k] = 0;
            else if ((marks & 15) == 1) b[k] = 'a';
        }
    }
    memcpy(p, q, 16);
}

/* An 80-bit value worth starting from: zeros, infinities, NaNs (quiet, signalling, the
 * indefinite), denormals and pseudo-denormals, unnormals, extremes, small integers, random. */
static void pick_f80(Gen *g, uint8_t *p)
{
    static const struct { uint16_t se; uint64_t sig; } sp[] = {
        { 0x0000, 0 }, { 0x8000, 0 }, { 0x3fff, 1ull << 63 }, { 0xbfff, 1ull << 63 },
        { 0x7fff, 1ull << 63 }, { 0xffff, 1ull << 63 }, { 0x7fff, 0xc000000000000000ull },
        { 0xffff, 0xc000000000000000ull }, { 0x7fff, 0xa000000000000001ull },
        { 0x0000, 0x0000000000000001ull }, { 0x0000, 0x8000000000000000ull },
        { 0x4000, 0x4000000000000000ull }, { 0x7ffe, ~0ull }, { 0x0001, 1ull << 63 },
        { 0x4000, 0xc90fdaa22168c235ull }, { 0x3ffe, 0xaaaaaaaaaaaaaaabull },
        { 0x403d, 0xfffffffffffffffeull }, { 0xc03e, 1ull << 63 }, { 0x401d, 1ull << 63 },
        { 0x3ffe, 1ull << 63 }, { 0x4002, 0xa000000000000000ull },
    };
    uint16_t se;
    uint64_t sig;
    unsigned k = rnd(g, sizeof sp / sizeof sp[0] + 6);
    if (k < sizeof sp / sizeof sp[0]) {
        se = sp[k].se;
        sig = sp[k].sig;
    } else {
        se = (uint16_t)((rnd(g, 2) << 15) | (0x3fff - 70 + rnd(g, 140)));
        sig = next(g) | 1ull << 63;
    }
    memcpy(p, &sig, 8);
    memcpy(p + 8, &se, 2);
}

/* The x87 start state as an FXSAVE image: a stack of random depth from a random TOP, every
 * exception masked (ferry treats them as masked), random precision and rounding control,
 * random sticky exception flags and condition codes. */
static void init_x87(Gen *g, TState *t)
{
    uint8_t *fx = t->fx;
    memset(fx, 0, sizeof t->fx);
    unsigned pc = rnd(g, 4) ? 3 : rnd(g, 2) ? 2 : 0, rc = rnd(g, 3) ? 0 : rnd(g, 4);
    uint16_t fcw = (uint16_t)(0x40 | 0x3f | pc << 8 | rc << 10);
    unsigned top = rnd(g, 8), depth = rnd(g, 9);
    uint16_t fsw = (uint16_t)((next(g) & 0x473f & (rnd(g, 2) ? 0x4700 : 0x473f)) | top << 11);
    if (!(fsw & 1)) fsw &= (uint16_t)~0x40;     /* SF only with IE */
    uint8_t ftw = 0;
    for (unsigned i = 0; i < depth; i++) ftw |= (uint8_t)(1u << ((top + i) & 7));
    if (rnd(g, 8) == 0) ftw = (uint8_t)next(g);
    memcpy(fx + 0, &fcw, 2);
    memcpy(fx + 2, &fsw, 2);
    fx[4] = ftw;
    uint32_t mx = 0x1f80;
    memcpy(fx + 24, &mx, 4);
    for (unsigned i = 0; i < 8; i++) pick_f80(g, fx + 32 + 16 * i);
    t->load_fx = 1;
}

static void init_case(Gen *g)
{
    FzCase *c = g->c;
    FzSeq *s = &c->seq;
    TState *t = &c->start;
    memset(t, 0, sizeof *t);
    bool fp = has_class(g, FC_SSE) || has_class(g, FC_SSEFP) || has_class(g, FC_SSEENV) ||
              has_class(g, FC_SSE3) || has_class(g, FC_SSSE3) || has_class(g, FC_SSE41) ||
              has_class(g, FC_SSE42) || has_class(g, FC_AES) || has_class(g, FC_APPROX);

    /* Roles: B and X from registers that no instruction writes implicitly. */
    bool only_string = g->o->classes == (1u << FC_STRING);
    s->str_role = only_string || (has_class(g, FC_STRING) && rnd(g, 2)) ||
                  ((has_class(g, FC_SSE) || has_class(g, FC_MMX)) && rnd(g, 8) == 0);
    int pool[12], np = 0;
    static const int cand[] = { X86_RBX, X86_RBP, X86_RSI, X86_RDI, X86_R8, X86_R9, X86_R10,
                                X86_R11, X86_R12, X86_R13, X86_R14, X86_R15 };
    for (unsigned i = 0; i < sizeof cand / sizeof cand[0]; i++)
        if (!s->str_role || (cand[i] != X86_RSI && cand[i] != X86_RDI)) pool[np++] = cand[i];
    /* xlat needs rbx as its base: make that common when mov is generated */
    s->base = has_class(g, FC_MOV) && rnd(g, 3) == 0 ? X86_RBX : pool[rnd(g, (unsigned)np)];
    do s->index = pool[rnd(g, (unsigned)np)]; while (s->index == s->base);
    g->rbp_frame = has_class(g, FC_STACK) && s->base != X86_RBP && s->index != X86_RBP &&
                   rnd(g, 3) == 0;

    for (int r = 0; r < 16; r++) t->gpr[r] = pick_value(g);
    t->gpr[X86_RSP] = FZ_DATA + FZ_OFF_STACK;
    t->gpr[s->base] = FZ_DATA + FZ_OFF_BASE;
    t->gpr[s->index] = rnd(g, FZ_X_MAX + 1);
    g->rbp_off = 0x40;
    if (g->rbp_frame) t->gpr[X86_RBP] = FZ_DATA + FZ_OFF_STACK + (uint64_t)g->rbp_off;
    if (s->str_role) {
        t->gpr[X86_RSI] = FZ_DATA + FZ_OFF_STR - 0x100 + 8 * rnd(g, 64) + rnd(g, 8);
        t->gpr[X86_RDI] = FZ_DATA + FZ_OFF_STR - 0x100 + 8 * rnd(g, 64) + rnd(g, 8);
    }
    if (has_class(g, FC_STRING) && rnd(g, 4))
        t->gpr[X86_RCX] = rnd(g, FZ_REP_MAX + 1);
    else if (rnd(g, 2))     /* a shift count in CL */
        t->gpr[X86_RCX] = (t->gpr[X86_RCX] & ~0xffull) | pick_count(g);
    t->rflags = 0x202 | (next(g) & X86_ARITH_FLAGS);
    if (rnd(g, has_class(g, FC_STRING) ? 2 : 8) == 0) t->rflags |= X86_DF;
    /* MXCSR: exceptions masked (ferry delivers no unmasked SIMD exception yet); rounding
     * control, DAZ, FTZ and the sticky flags random in FP cases, so every FP op is checked
     * in every mode and for the flags it raises. */
    t->mxcsr = 0x1f80;
    if (fp && rnd(g, 2)) {
        t->mxcsr |= rnd(g, 4) << 13;
        if (rnd(g, 4) == 0) t->mxcsr |= 0x40;           /* DAZ */
        if (rnd(g, 4) == 0) t->mxcsr |= 0x8000;         /* FTZ */
        if (rnd(g, 4) == 0) t->mxcsr |= (uint32_t)next(g) & 0x3f;
    }
    for (int r = 0; r < 16; r++) fill16(g, t->xmm[r].b, fp);
    bool x87 = has_class(g, FC_X87) || has_class(g, FC_MMX) || has_class(g, FC_SSSE3);
    for (unsigned off = 0; off < FZ_DATA_SIZE; off += 16) {
        fill16(g, c->mem + off, fp || x87);
        if (x87 && rnd(g, 3) == 0) pick_f80(g, c->mem + off + 2 * rnd(g, 4));   /* 10 bytes */
    }
    if (x87) init_x87(g, t);

    /* Code: sometimes right before the page boundary, so blocks split there. */
    unsigned off = rnd(g, 4) == 0 ? 0x1000 - 1 - rnd(g, 100) : rnd(g, 0xe00);
    s->code = FZ_CODE + off;
}

/* ================================================================ Capstone */

static CsCtx g_cs;
static bool g_cs_open;

CsCtx *fz_cs(void)
{
    if (!g_cs_open) g_cs_open = cs_ctx_open(&g_cs);
    return g_cs_open ? &g_cs : NULL;
}

/* GPR number of a Capstone register of any width (-1 if not a GPR). */
static int cs_any_gpr(unsigned r)
{
    static const x86_reg tab[16][4] = {
        { X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL },
        { X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL },
        { X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL },
        { X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL },
        { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL },
        { X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL },
        { X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL },
        { X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL },
        { X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B },
        { X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B },
        { X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B },
        { X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B },
        { X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B },
        { X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B },
        { X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B },
        { X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B },
    };
    static const x86_reg high[4] = { X86_REG_AH, X86_REG_CH, X86_REG_DH, X86_REG_BH };
    for (int i = 0; i < 16; i++)
        for (int k = 0; k < 4; k++)
            if (tab[i][k] == r) return i;
    for (int i = 0; i < 4; i++)
        if (high[i] == r) return i;
    return -1;
}

/* Disassemble one instruction; returns its length (0 if Capstone rejects it) and the GPRs
 * Capstone says it writes. */
static unsigned cs_look(const uint8_t *b, unsigned n, uint64_t pc, char *text, size_t tlen,
                        uint16_t *writes)
{
    CsCtx *cs = fz_cs();
    *writes = 0;
    if (!cs) return 0;
    const uint8_t *p = b;
    size_t size = n;
    uint64_t addr = pc;
    if (!cs_disasm_iter(cs->h, &p, &size, &addr, cs->insn)) {
        snprintf(text, tlen, "(bad)");
        return 0;
    }
    snprintf(text, tlen, "%s %s", cs->insn->mnemonic, cs->insn->op_str);
    cs_regs rr, rw;
    uint8_t nr = 0, nw = 0;
    if (cs_regs_access(cs->h, cs->insn, rr, &nr, rw, &nw) == CS_ERR_OK)
        for (unsigned i = 0; i < nw; i++) {
            int r = cs_any_gpr(rw[i]);
            if (r >= 0) *writes |= (uint16_t)(1u << r);
        }
    return cs->insn->size;
}

/* GPR written through a register operand field: byte registers 4..7 without REX are AH..BH. */
static int gpr_of(const X86Insn *d, unsigned r, bool byte_op)
{
    if (byte_op && !d->rex && r >= 4 && r < 8) return (int)r - 4;
    return (int)r;
}

/* Every GPR the instruction may write, from the table. */
static uint16_t table_writes(const FzOp *op, const X86Insn *d)
{
    uint16_t w = op->iw;
    bool byte_op = d->opsize == 1;
    if ((op->f & F_WREG) && d->has_modrm)
        w |= (uint16_t)(1u << gpr_of(d, d->reg, byte_op && !(op->f & F_GREG)));
    if ((op->f & F_WRM) && d->has_modrm && d->mod == 3)
        w |= (uint16_t)(1u << gpr_of(d, d->rm, byte_op));
    if ((op->f & F_WVVVV) && d->vex) w |= (uint16_t)(1u << d->vex_vvvv);
    if (op->f & F_WOP)
        w |= (uint16_t)(1u << gpr_of(d, (d->opcode & 7) | (d->rex & 1 ? 8 : 0), byte_op));
    if (op->f & F_STACK) w |= 1u << X86_RSP;
    if ((op->f & F_REP) && d->rep) w |= 1u << X86_RCX;
    return w;
}

/* ================================================================ analysis */

typedef struct Flow {
    bool reached;
    uint32_t undef;         /* arithmetic flags that may be undefined */
    bool rcx_exact;
    uint64_t rcx;           /* rcx, when exact */
    uint64_t rcx_max;       /* an upper bound of rcx (UINT64_MAX: none) */
    bool rbp_frame;         /* rbp points into the scratch stack */
} Flow;

static bool merge(Flow *a, const Flow *b)
{
    if (!b->reached) return false;
    if (!a->reached) {
        *a = *b;
        return true;
    }
    Flow old = *a;
    a->undef |= b->undef;
    if (!(a->rcx_exact && b->rcx_exact && a->rcx == b->rcx)) a->rcx_exact = false;
    if (b->rcx_max > a->rcx_max) a->rcx_max = b->rcx_max;
    a->rbp_frame = a->rbp_frame && b->rbp_frame;
    return memcmp(&old, a, sizeof old) != 0;
}

static bool is_mov_ecx_imm(const FzInsn *in)
{
    const X86Insn *d = &in->d;
    return d->map == X86_MAP_1B && d->opcode == 0xb9 && !(d->rex & 1) && d->opsize >= 4;
}

/* Transfer of instruction i; with check set, also the validity rules (returns a reason). */
static const char *transfer(const FzCase *c, unsigned i, const Flow *in, Flow *out, bool check)
{
    const FzSeq *s = &c->seq;
    const FzInsn *ins = &s->in[i];
    const FzOp *op = ins->op;
    const X86Insn *d = &ins->d;
    *out = *in;
    if (!op) return "not in the fuzzer's table";
    uint16_t w = ins->gpr_w;
    FzFlagFx fx;
    fz_flag_effect(op, d, in->rcx_exact ? (int64_t)(in->rcx & 0x7fffffffffffffffull) : -1, &fx);
    if (check) {
        if ((w & (1u << X86_RSP)) && !(op->f & F_STACK)) return "writes rsp";
        if (w & (1u << s->base)) return "writes the base register";
        if (w & (1u << s->index)) return "writes the index register";
        if (s->str_role && (w & ((1u << X86_RSI) | (1u << X86_RDI))) && !(op->f & F_REP))
            return "writes a string pointer";
        if ((op->f & (F_REP | F_RDIPTR)) && !s->str_role) return "string operation without pointers";
        if ((op->f & F_REP) && d->rep && in->rcx_max > FZ_REP_MAX) return "rep count unbounded";
        if ((op->f & F_POPRM) && ((op->f & F_WOP) ? ((d->opcode & 7) | (d->rex & 1 ? 8 : 0))
                                                  : (d->mod == 3 ? d->rm : 0xff)) == X86_RSP)
            return "pop rsp";
        if ((op->f & F_LEAVE) && !in->rbp_frame) return "leave without a frame pointer";
        if ((op->f & F_XLAT) && s->base != X86_RBX) return "xlat without rbx as the base";
        if ((op->f & F_BTOFF) && d->mod != 3 && d->reg != s->index) return "bit offset register";
        if ((op->f & F_ENTER) && ((d->imm & 0xffff) > 256 || (d->imm2 & 0xff) != 0))
            return "enter with a large frame or nesting level";
        if ((op->f & F_INTN) && (d->imm & 0xff) == 0x80) return "int 0x80";
        if (d->seg == X86_SEG_FS) return "fs override";
        if (has_mem(d)) {
            if (d->base != X86_REG_NONE && d->base != s->base && d->base != X86_RSP &&
                d->base != X86_REG_RIP)
                return "memory operand with an unknown base";
            if (d->index != X86_REG_NONE && d->index != s->index)
                return "memory operand with an unknown index";
        }
        if (fx.read & in->undef) return "reads a flag that may be undefined";
        if (fx.bad) return "result undefined";
    }
    if (fx.may_skip) out->undef |= fx.undef;
    else out->undef = (in->undef & ~(fx.def | fx.undef)) | fx.undef;
    if (w & (1u << X86_RCX)) {
        bool rep_clears = (op->f & F_REP) && d->rep && op->fl != FL_STRCMP;
        if (is_mov_ecx_imm(ins)) {
            out->rcx_exact = true;
            out->rcx = d->opsize == 4 ? (uint32_t)d->imm : (uint64_t)d->imm;
            out->rcx_max = out->rcx;
        } else if (rep_clears) {
            out->rcx_exact = true;
            out->rcx = d->addrsize == 4 ? in->rcx & ~0xffffffffull : 0;
            out->rcx_max = out->rcx;
        } else if ((op->f & F_REP) && d->rep) {
            out->rcx_exact = false;         /* repe/repne: stops early, count bounded */
        } else if ((op->f & F_LOOPI) && ins->target >= 0 && ins->target <= (int)i) {
            out->rcx_exact = false;         /* closes a bounded loop: rcx stays <= N */
        } else if ((op->f & F_LOOPI) && in->rcx_exact && in->rcx != 0 && d->addrsize == 8) {
            out->rcx = in->rcx - 1;
            out->rcx_max = out->rcx;
        } else {
            out->rcx_exact = false;
            out->rcx_max = UINT64_MAX;
        }
    }
    if (op->f & F_ENTER) out->rbp_frame = d->opsize == 8;    /* 66 enter sets only bp */
    else if (w & (1u << X86_RBP)) out->rbp_frame = false;
    return NULL;
}

/* The one backward branch shape allowed (see the header). */
static const char *check_loop(const FzSeq *s, unsigned i, unsigned n)
{
    const FzInsn *l = &s->in[i];
    int t = l->target;
    if (!(l->op->f & F_LOOPI)) return "backward branch";
    if (t < 1 || !is_mov_ecx_imm(&s->in[t - 1])) return "loop without a counter";
    uint64_t cnt = s->in[t - 1].d.imm;
    if (cnt < 1 || cnt > 8) return "loop counter out of range";
    for (int k = t; k < (int)i; k++)
        if ((s->in[k].gpr_w & (1u << X86_RCX)) || (s->in[k].op && (s->in[k].op->f & F_BR)))
            return "loop body writes rcx or branches";
    for (unsigned j = 0; j < n; j++)
        if (j != i && s->in[j].target >= t && s->in[j].target <= (int)i)
            return "branch into a loop body";
    return NULL;
}

/* Analyse the first n instructions. Branch targets < 0 other than -1 (not chosen yet) are
 * treated as the end. Sets undef_in / undef_end. Returns NULL or why the sequence is invalid. */
static const char *analyze(FzCase *c, unsigned n)
{
    FzSeq *s = &c->seq;
    Flow fl[FZ_MAX_INSNS + 1];
    memset(fl, 0, sizeof fl);
    fl[0].reached = true;
    fl[0].rcx_exact = true;
    fl[0].rcx = fl[0].rcx_max = c->start.gpr[X86_RCX];
    if (fl[0].rcx_max > FZ_REP_MAX) fl[0].rcx_max = UINT64_MAX;
    fl[0].rbp_frame = c->start.gpr[X86_RBP] == FZ_DATA + FZ_OFF_STACK + 0x40;
    for (unsigned i = 0; i < n; i++)
        if (s->in[i].target >= 0 && s->in[i].target <= (int)i) {
            const char *why = check_loop(s, i, n);
            if (why) return why;
        }
    for (int pass = 0; pass < 8; pass++) {
        bool changed = false;
        for (unsigned i = 0; i < n; i++) {
            if (!fl[i].reached) continue;
            Flow out;
            transfer(c, i, &fl[i], &out, false);
            const FzOp *op = s->in[i].op;
            if (!op || !(op->f & F_UNCOND)) changed |= merge(&fl[i + 1], &out);
            if (op && (op->f & F_BR)) {
                int t = s->in[i].target;
                unsigned to = t >= 0 && t <= (int)n ? (unsigned)t : n;
                changed |= merge(&fl[to], &out);
            }
        }
        if (!changed) break;
    }
    for (unsigned i = 0; i < n; i++) {
        s->in[i].undef_in = fl[i].undef;
        if (!fl[i].reached) continue;
        Flow out;
        const char *why = transfer(c, i, &fl[i], &out, true);
        if (why) return why;
    }
    s->undef_end = fl[n].undef;
    return NULL;
}

/* ================================================================ layout */

static void layout(FzSeq *s)
{
    uint64_t addr[FZ_MAX_INSNS + 1];
    unsigned off = 0;
    for (unsigned i = 0; i < s->n; i++) {
        addr[i] = s->code + off;
        off += s->in[i].len;
    }
    addr[s->n] = s->code + off;
    s->len = off;
    off = 0;
    for (unsigned i = 0; i < s->n; i++) {
        FzInsn *in = &s->in[i];
        if (in->rel_size) {
            int t = in->target >= 0 && in->target <= (int)s->n ? in->target : (int)s->n;
            int64_t rel = (int64_t)addr[t] - (int64_t)(addr[i] + in->len);
            for (unsigned k = 0; k < in->rel_size; k++)
                in->b[in->rel_off + k] = (uint8_t)((uint64_t)rel >> (8 * k));
        }
        memcpy(s->bytes + off, in->b, in->len);
        x86_decode(in->b, in->len, addr[i], &in->d);
        off += in->len;
    }
}

/* ================================================================ the encoder */

typedef struct Enc {
    uint8_t b[40];
    unsigned n;
    int rip_at;             /* offset of a RIP-relative disp32, or -1 */
    uint64_t rip_target;
} Enc;

static void put(Enc *e, uint8_t v) { e->b[e->n++] = v; }
static void put32(Enc *e, uint32_t v)
{
    for (int k = 0; k < 4; k++) put(e, (uint8_t)(v >> (8 * k)));
}

/* A memory operand: ModRM (reg field `regf`), SIB, displacement, and the REX.X/B bits. The
 * address lands in the scratch area; align 16: 16-aligned but sometimes misaligned on purpose
 * (SSE #GP), align 32: always 16-aligned (locked accesses). rsp_val is rsp's value at the
 * instruction. */
static void gen_mem(Gen *g, Enc *e, unsigned regf, unsigned align, uint64_t rsp_val,
                    uint8_t *rex)
{
    const FzSeq *s = &g->c->seq;
    int B = s->base, X = s->index;
    uint64_t bv = FZ_DATA + FZ_OFF_BASE, xv = g->c->start.gpr[X];
    unsigned form = rnd(g, 10), sc = rnd(g, 4);
    uint64_t lo, hi;                            /* reachable offsets for the form */
    switch (form) {
    case 0: case 3: lo = FZ_OFF_BASE - 0x70; hi = FZ_OFF_BASE + 0x70; break;       /* disp8 */
    case 8: lo = rsp_val - FZ_DATA - 0x70; hi = rsp_val - FZ_DATA + 0x70; break;
    default: lo = 0x100; hi = 0x1e00 - 0x200; break;
    }
    uint64_t want = FZ_DATA + lo + rnd(g, (unsigned)(hi - lo));    /* the address */
    if (align) {
        want &= ~15ull;
        if (align == 16 && rnd(g, 12) == 0) want += 1 + rnd(g, 15);   /* #GP tests */
    }
    uint8_t r3 = (uint8_t)((regf & 7) << 3);
    if (regf & 8) *rex |= 4;
    int64_t disp;
    switch (form) {
    case 0: case 1: case 2:             /* [B + disp] */
        disp = (int64_t)(want - bv);
        if (form == 2 && (B & 7) != 5) want = bv, disp = 0;
        if (B & 8) *rex |= 1;
        if ((B & 7) == 4) {             /* r12: SIB with no index */
            bool d8 = disp >= -128 && disp < 128;
            put(e, (uint8_t)((disp == 0 && form == 2 ? 0x00 : d8 ? 0x40 : 0x80) | r3 | 4));
            put(e, 0x24);
            if (!(disp == 0 && form == 2)) {
                if (d8) put(e, (uint8_t)disp);
                else put32(e, (uint32_t)disp);
            }
        } else if (form == 2 && disp == 0 && (B & 7) != 5) {    /* rbp/r13 need a disp */
            put(e, (uint8_t)(r3 | (B & 7)));
        } else if (disp >= -128 && disp < 128) {
            put(e, (uint8_t)(0x40 | r3 | (B & 7)));
            put(e, (uint8_t)disp);
        } else {
            put(e, (uint8_t)(0x80 | r3 | (B & 7)));
            put32(e, (uint32_t)disp);
        }
        break;
    case 3: case 4: {                   /* [B + X*s + disp] */
        disp = (int64_t)(want - bv - (xv << sc));
        if (B & 8) *rex |= 1;
        if (X & 8) *rex |= 2;
        bool d8 = disp >= -128 && disp < 128;
        put(e, (uint8_t)((d8 ? 0x40 : 0x80) | r3 | 4));
        put(e, (uint8_t)(sc << 6 | (X & 7) << 3 | (B & 7)));
        if (d8) put(e, (uint8_t)disp);
        else put32(e, (uint32_t)disp);
        break;
    }
    case 5:                             /* [X*s + disp32] */
        disp = (int64_t)(want - (xv << sc));
        if (X & 8) *rex |= 2;
        put(e, (uint8_t)(r3 | 4));
        put(e, (uint8_t)(sc << 6 | (X & 7) << 3 | 5));
        put32(e, (uint32_t)disp);
        break;
    case 6:                             /* [disp32] */
        put(e, (uint8_t)(r3 | 4));
        put(e, 0x25);
        put32(e, (uint32_t)want);
        break;
    case 7:                             /* [rip + disp32], patched when the length is known */
        put(e, (uint8_t)(r3 | 5));
        e->rip_at = (int)e->n;
        e->rip_target = want;
        put32(e, 0);
        break;
    default: {      /* [rsp + disp]: near rsp (form 8) or anywhere in the area (form 9) */
        disp = (int64_t)(want - rsp_val);
        bool d8 = disp >= -128 && disp < 128;
        put(e, (uint8_t)((d8 ? 0x40 : 0x80) | r3 | 4));
        put(e, 0x24);
        if (d8) put(e, (uint8_t)disp);
        else put32(e, (uint32_t)disp);
        break;
    }
    }
}

/* Encode row r at address addr into *out (decoded, looked up, Capstone-checked). */
static bool encode(Gen *g, const FzOp *r, uint64_t addr, FzInsn *out)
{
    memset(out, 0, sizeof *out);
    out->target = -1;
    unsigned opc = r->op + rnd(g, (unsigned)(r->op_hi - r->op + 1));
    int opreg = -1;
    if (r->f & F_OPREG) {
        opreg = (int)rnd(g, 16);
        opc = (opc & ~7u) | ((unsigned)opreg & 7);
        if (opc < r->op || opc > r->op_hi) return false;
    }
    const X86OpDesc *od = (r->f & F_VEX) ? &x86_vex_optab[r->map][opc]
                                         : &x86_optab[r->map][opc];
    if (!(od->flags & X86F_VALID)) return false;
    bool has_modrm = od->flags & X86F_MODRM, mem = false;
    if (has_modrm) {
        int mf = r->modf;
        if (od->flags & X86F_REGONLY) mf = MF_REG;
        if (od->flags & X86F_MEMONLY) mf = MF_MEM;
        mem = mf == MF_MEM || (mf == MF_ANY && rnd(g, 2));
    }
    Enc e = { .n = 0, .rip_at = -1 };
    /* legacy prefixes (a VEX row takes only a segment override and 67: 66 F2 F3 LOCK REX
     * before VEX are #UD) */
    uint8_t pre[6];
    unsigned np = 0;
    if ((mem || (r->f & F_REP) || (r->f & F_MOFFS) || (r->f & F_XLAT)) && rnd(g, 6) == 0) {
        static const uint8_t segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x65, 0x65 };
        pre[np++] = segs[rnd(g, fz_have_gsbase() ? 6 : 4)];
    }
    if ((mem || (r->f & (F_REP | F_LOOPI)) || (r->map == X86_MAP_1B && opc == 0xe3)) &&
        rnd(g, 10) == 0)
        pre[np++] = 0x67;
    bool vex = r->f & F_VEX;
    if (!vex && (((r->f & F_LOCKABLE) && mem && rnd(g, 3) == 0) || rnd(g, 200) == 0))
        pre[np++] = 0xf0;
    switch (vex ? 255 : r->pfx) {
    case FP_66: pre[np++] = 0x66; break;
    case FP_F3: case FP_F2:
        if (rnd(g, 10) == 0) pre[np++] = 0x66;
        pre[np++] = r->pfx == FP_F3 ? 0xf3 : 0xf2;
        break;
    case FP_ANY: case FP_NOTF3:
        if (!(r->f & F_NO66) && rnd(g, 4) == 0) pre[np++] = 0x66;
        if ((r->f & F_REP) && rnd(g, 2)) pre[np++] = rnd(g, 3) ? 0xf3 : 0xf2;
        break;
    default: break;
    }
    if (np > 1 && rnd(g, 8) == 0) {             /* any order is legal */
        unsigned a = rnd(g, np), b = rnd(g, np);
        uint8_t t = pre[a]; pre[a] = pre[b]; pre[b] = t;
    }
    for (unsigned k = 0; k < np; k++) put(&e, pre[k]);
    /* REX, escapes, opcode, ModRM */
    uint8_t rex = 0x40;
    if (r->w == 1 || (r->w == -1 && rnd(g, 3) == 0)) rex |= 8;
    if (opreg >= 8) rex |= 1;
    unsigned rex_at = e.n;
    /* VEX: C4 R.X.B.mmmmm W.vvvv.L.pp with VEX.vvvv a random GPR (1111b where the opcode
     * does not use it), L = 0, pp from the row; R X B are filled in with the REX bits below */
    unsigned vvvv = (od->flags & X86F_VEX_NOV) ? 0 : rnd(g, 16);
    if (vex) {
        static const uint8_t pp[] = { [FP_NP] = 0, [FP_66] = 1, [FP_F3] = 2, [FP_F2] = 3 };
        put(&e, 0xc4);
        put(&e, (uint8_t)r->map);               /* X86Map 1-3 = VEX.mmmmm */
        put(&e, (uint8_t)((rex & 8) << 4 | (~vvvv & 15) << 3 | pp[r->pfx]));
    } else {
        put(&e, 0);                             /* REX placeholder */
        if (r->map != X86_MAP_1B) put(&e, 0x0f);
        if (r->map == X86_MAP_0F38) put(&e, 0x38);
        if (r->map == X86_MAP_0F3A) put(&e, 0x3a);
    }
    put(&e, (uint8_t)opc);
    if (has_modrm) {
        unsigned regf = r->reg >= 0 ? (unsigned)r->reg | (rnd(g, 16) == 0 ? 8 : 0)
                                    : (r->f & F_SEGREG) ? rnd(g, 6) : rnd(g, 16);
        if (mem && (r->f & F_BTOFF)) regf = (unsigned)g->c->seq.index;
        if (mem) {
            uint64_t rsp_val = FZ_DATA + FZ_OFF_STACK + (uint64_t)g->rsp_off;
            /* A locked access that crosses a cache line is a split lock: this host's kernel
             * traps it (bus-lock #DB) and throttles the task, which only costs time. xchg with
             * memory is locked without the prefix. */
            bool locked = memchr(pre, 0xf0, np) ||
                          (r->map == X86_MAP_1B && (opc == 0x86 || opc == 0x87));
            gen_mem(g, &e, regf, locked ? 32 : (r->f & F_A16) ? 16 : 0, rsp_val, &rex);
        } else {
            unsigned rm = rnd(g, 16);
            if (r->rm_mask)
                do rm = (rm & 8) | rnd(g, 8); while (!(r->rm_mask & (1u << (rm & 7))));
            if (regf & 8) rex |= 4;
            if (rm & 8) rex |= 1;
            put(&e, (uint8_t)(0xc0 | (regf & 7) << 3 | (rm & 7)));
        }
    }
    /* eight immediate bytes; the decoder says how many count */
    unsigned imm_at = e.n;
    uint64_t iv = pick_value(g);
    if (r->f & F_CNT) iv = pick_count(g);
    if (r->f & F_INTN) iv = rnd(g, 4) ? (uint64_t)(rnd(g, 2) ? 3 : 4) : next(g) & 0x7f;
    if (r->f & F_ENTER) iv = (rnd(g, 17) * 8) & 0xffff;     /* iw = frame size, ib = 0 */
    if (r->f & F_BR) iv = 0;
    if (r->f & F_MOFFS) iv = FZ_DATA + 0x100 + rnd(g, 0x1c00);
    for (int k = 0; k < 8; k++) put(&e, (uint8_t)(iv >> (8 * k)));
    /* REX: drop the placeholder when not needed (and sometimes keep an empty one); VEX: the
     * inverted R X B bits */
    if (vex) {
        e.b[rex_at + 1] |= (uint8_t)((~rex & 7) << 5);
    } else if (rex == 0x40 && rnd(g, 6)) {
        memmove(e.b + rex_at, e.b + rex_at + 1, e.n - rex_at - 1);
        e.n--;
        imm_at--;
        if (e.rip_at >= 0) e.rip_at--;
    } else {
        e.b[rex_at] = rex;
    }
    X86Insn d;
    if (x86_decode(e.b, e.n, addr, &d) != X86_DEC_OK) return false;
    unsigned len = d.len;
    if (e.rip_at >= 0) {
        uint64_t disp = e.rip_target - (addr + len);
        for (int k = 0; k < 4; k++) e.b[e.rip_at + k] = (uint8_t)(disp >> (8 * k));
    }
    if ((r->f & F_MOFFS) && d.imm_size == 4)
        for (int k = 0; k < 4; k++) e.b[len - 4 + k] = (uint8_t)(iv >> (8 * k));
    if (x86_decode(e.b, len, addr, &d) != X86_DEC_OK || d.len != len || len > 15) return false;
    (void)imm_at;
    out->len = (uint8_t)len;
    memcpy(out->b, e.b, len);
    out->d = d;
    out->op = fz_lookup(&d);
    if (!out->op) return false;
    if (d.is_rel_branch) {
        out->rel_size = d.imm_size;
        out->rel_off = (uint8_t)(len - d.imm_size);
    }
    uint16_t csw;
    if (cs_look(out->b, len, addr, out->text, sizeof out->text, &csw) != len &&
        !(out->op->f & F_CSLEN))
        return false;
    out->gpr_w = table_writes(out->op, &d) | csw;
    return true;
}

/* ================================================================ sequences */

static const FzOp *pick_row(Gen *g)
{
    unsigned k, tries = 0, n = 0;
again:
    do k = rnd(g, FC_COUNT); while (!has_class(g, (FzClass)k) && ++tries < 1000);
    for (unsigned i = 0; i < fz_n_ops; i++) n += fz_ops[i].cls == k && !g->o->excluded[i];
    if (!n && ++tries < 1000) goto again;
    if (!n) return NULL;
    unsigned want = rnd(g, n);
    for (unsigned i = 0; i < fz_n_ops; i++)
        if (fz_ops[i].cls == k && !g->o->excluded[i] && want-- == 0) return &fz_ops[i];
    return NULL;
}

static uint64_t next_addr(const FzSeq *s)
{
    uint64_t a = s->code;
    for (unsigned i = 0; i < s->n; i++) a += s->in[i].len;
    return a;
}

/* Keep the stack estimate for rsp-based operands. */
static void track_stack(Gen *g, const FzInsn *in)
{
    const X86Insn *d = &in->d;
    const FzOp *op = in->op;
    if (!(op->f & F_STACK)) return;
    int64_t sz = d->opsize_prefix ? 2 : 8;
    if (op->f & F_LEAVE) g->rsp_off = g->rbp_off + 8;
    else if (op->f & F_ENTER) {
        g->rsp_off -= sz;
        g->rbp_off = g->rsp_off;
        g->rsp_off -= d->imm & 0xffff;
    } else if (op->f & F_POPRM) g->rsp_off += sz;
    else if (op->f & F_CALL) g->rsp_off -= 8;
    else g->rsp_off -= sz;
}

/* Append one instruction of row r (or a random row); false if nothing fit. */
static bool append(Gen *g, const FzOp *r, int target)
{
    FzSeq *s = &g->c->seq;
    for (int attempt = 0; attempt < 40; attempt++) {
        const FzOp *row = r ? r : pick_row(g);
        if (!row) return false;
        if (g->in_body && (row->f & F_BR)) continue;
        FzInsn *in = &s->in[s->n];
        if (!encode(g, row, next_addr(s), in) || g->o->excluded[in->op - fz_ops]) continue;
        if (g->in_body && (in->gpr_w & (1u << X86_RCX))) continue;
        if (in->op->f & F_BR) in->target = (int8_t)(target >= 0 ? target : -2);
        s->n++;
        if (analyze(g->c, s->n)) {
            s->n--;
            continue;
        }
        track_stack(g, in);
        return true;
    }
    return false;
}

/* Choose forward targets, lay out, and check the whole sequence. */
static bool finish(Gen *g)
{
    FzSeq *s = &g->c->seq;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->in[i].target != -2) continue;
        bool ok = false;
        for (int t = 0; t < 6 && !ok; t++) {
            /* mostly skip at least one instruction (a branch to the next one is dull) */
            unsigned span = s->n - i, first = span > 1 && rnd(g, 4) ? 2 : 1;
            s->in[i].target = (int8_t)(i + first + rnd(g, span - first + 1));
            ok = analyze(g->c, s->n) == NULL;
        }
        if (!ok) s->in[i].target = (int8_t)s->n;
    }
    layout(s);
    s->classes = 0;
    for (unsigned i = 0; i < s->n; i++) s->classes |= 1u << s->in[i].op->cls;
    return analyze(g->c, s->n) == NULL;
}

bool fz_generate(const FzGenOpts *o, uint64_t seed, uint64_t index, FzCase *c)
{
    Gen g = { .o = o, .c = c };
    g.s = seed * 0xD1342543DE82EF95ull ^ (index + 0x632BE59BD9B4E019ull) * 0x9E3779B97F4A7C15ull;
    for (int attempt = 0; attempt < 8; attempt++) {
        memset(c, 0, sizeof *c);
        c->seed = seed;
        c->index = index;
        g.rsp_off = 0;
        g.in_body = false;
        init_case(&g);
        FzSeq *s = &c->seq;
        unsigned want = 1 + rnd(&g, o->max_len ? o->max_len : FZ_MAX_LEN);
        bool looped = false, ok = true;
        while (ok && s->n < want) {
            if (has_class(&g, FC_BRANCH) && !looped && want - s->n >= 3 && rnd(&g, 6) == 0) {
                /* mov ecx, N; body; loop body */
                looped = true;
                FzInsn *m = &s->in[s->n];
                memset(m, 0, sizeof *m);
                uint32_t cnt = 1 + rnd(&g, 4);
                m->b[0] = 0xb9;
                memcpy(m->b + 1, &cnt, 4);
                m->len = 5;
                m->target = -1;
                x86_decode(m->b, 5, next_addr(s), &m->d);
                m->op = fz_lookup(&m->d);
                cs_look(m->b, 5, next_addr(s), m->text, sizeof m->text, &m->gpr_w);
                m->gpr_w |= 1u << X86_RCX;
                s->n++;
                int head = (int)s->n;
                unsigned body = 1 + rnd(&g, want - s->n - 1 < 3 ? want - s->n - 1 : 3);
                g.in_body = true;
                for (unsigned k = 0; k < body && ok; k++) ok = append(&g, NULL, -1);
                g.in_body = false;
                static const uint8_t loops[] = { 0xe2, 0xe2, 0xe1, 0xe0 };
                const FzOp *lr = NULL;
                uint8_t lop = loops[rnd(&g, 4)];
                for (unsigned i = 0; i < fz_n_ops; i++)
                    if (fz_ops[i].map == X86_MAP_1B && fz_ops[i].op == lop) lr = &fz_ops[i];
                if (ok) ok = append(&g, lr, head);
                continue;
            }
            ok = append(&g, NULL, -1);
        }
        if (ok && s->n && finish(&g)) return true;
    }
    return false;
}

/* ================================================================ replays */

static bool finish_replay(FzCase *c, char *err, size_t errlen)
{
    FzSeq *s = &c->seq;
    s->classes = 0;
    for (unsigned i = 0; i < s->n; i++) s->classes |= 1u << s->in[i].op->cls;
    const char *why = analyze(c, s->n);
    if (why) snprintf(err, errlen, "%s", why);
    return why == NULL;
}

static bool decode_all(FzCase *c, char *err, size_t errlen)
{
    FzSeq *s = &c->seq;
    uint64_t addr = s->code;
    uint64_t starts[FZ_MAX_INSNS + 1];
    for (unsigned i = 0; i < s->n; i++) {
        FzInsn *in = &s->in[i];
        starts[i] = addr;
        if (x86_decode(in->b, in->len, addr, &in->d) != X86_DEC_OK || in->d.len != in->len) {
            snprintf(err, errlen, "instruction %u does not decode", i);
            return false;
        }
        in->op = fz_lookup(&in->d);
        if (!in->op) {
            snprintf(err, errlen, "instruction %u is not in the fuzzer's table", i);
            return false;
        }
        uint16_t csw;
        cs_look(in->b, in->len, addr, in->text, sizeof in->text, &csw);
        in->gpr_w = table_writes(in->op, &in->d) | csw;
        if (is_mov_ecx_imm(in)) in->gpr_w |= 1u << X86_RCX;
        addr += in->len;
    }
    starts[s->n] = addr;
    for (unsigned i = 0; i < s->n; i++) {
        FzInsn *in = &s->in[i];
        in->target = -1;
        in->rel_size = 0;
        if (!in->d.is_rel_branch) continue;
        in->rel_size = in->d.imm_size;
        in->rel_off = (uint8_t)(in->len - in->d.imm_size);
        int t = -3;
        for (unsigned k = 0; k <= s->n; k++)
            if (starts[k] == in->d.target) t = (int)k;
        if (t == -3) {
            snprintf(err, errlen, "instruction %u branches out of the sequence", i);
            return false;
        }
        in->target = (int8_t)t;
    }
    return true;
}

bool fz_set_bytes(FzCase *c, const uint8_t *b, unsigned n, char *err, size_t errlen)
{
    FzSeq *s = &c->seq;
    s->n = 0;
    unsigned off = 0;
    while (off < n) {
        if (s->n == FZ_MAX_INSNS) {
            snprintf(err, errlen, "more than %d instructions", FZ_MAX_INSNS);
            return false;
        }
        X86Insn d;
        if (x86_decode(b + off, n - off, s->code + off, &d) != X86_DEC_OK) {
            snprintf(err, errlen, "bytes at offset %u do not decode", off);
            return false;
        }
        FzInsn *in = &s->in[s->n++];
        memset(in, 0, sizeof *in);
        memcpy(in->b, b + off, d.len);
        in->len = d.len;
        off += d.len;
    }
    memcpy(s->bytes, b, n);
    s->len = n;
    return decode_all(c, err, errlen) && finish_replay(c, err, errlen);
}

bool fz_relayout(FzCase *c, char *err, size_t errlen)
{
    FzSeq *s = &c->seq;
    layout(s);      /* branch displacements from the (index) targets */
    return decode_all(c, err, errlen) && finish_replay(c, err, errlen);
}
