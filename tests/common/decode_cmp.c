/* decode_cmp.c — x86_decode against Capstone 4 (see decode_cmp.h): Capstone's view, the
 * allow-list of understood differences with their SDM justification, random strings. */
#include <string.h>
#include <capstone/capstone.h>

/* x86_decode.h (through decode_cmp.h) defines X86_REG_RIP as a macro (16), which hides
 * Capstone's enumerator of the same name once included; take Capstone's values first. */
static const x86_reg CS_RIP = X86_REG_RIP, CS_EIP = X86_REG_EIP;

#include "tests/common/decode_cmp.h"

/* ---- helpers ---- */

void format_hex(const uint8_t *b, unsigned n, char *out)
{
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 3 * i, "%02x ", b[i]);
    out[n ? 3 * n - 1 : 0] = 0;
}

bool has_mem(const X86Insn *in) { return in->has_modrm && in->mod != 3; }

/* ---- Capstone's view of the same bytes ---- */

int cs_gpr(x86_reg r)
{
    static const x86_reg r64[16] = {
        X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP,
        X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
        X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
    static const x86_reg r32[16] = {
        X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP, X86_REG_EBP,
        X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D,
        X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
    if (r == X86_REG_INVALID || r == X86_REG_RIZ || r == X86_REG_EIZ)
        return X86_REG_NONE;
    if (r == CS_RIP || r == CS_EIP)
        return X86_REG_RIP;
    for (int i = 0; i < 16; i++)
        if (r == r64[i] || r == r32[i])
            return i;
    return -2;
}

void cs_view(CsCtx *cs, const uint8_t *b, size_t n, uint64_t pc, CsView *v)
{
    memset(v, 0, sizeof *v);
    v->base = v->index = X86_REG_NONE;
    const uint8_t *code = b;
    size_t size = n;
    uint64_t addr = pc;
    if (!cs_disasm_iter(cs->h, &code, &size, &addr, cs->insn)) {
        snprintf(v->text, sizeof v->text, "(invalid)");
        return;
    }
    cs_insn *in = cs->insn;
    v->ok = true;
    v->len = in->size;
    snprintf(v->text, sizeof v->text, "%s %s", in->mnemonic, in->op_str);
    const char *mn = in->mnemonic;
    static const char *const words[] = { "lock ", "rep ", "repne ", "repe ", "bnd ",
                                         "notrack " };
    for (bool again = true; again;) {
        again = false;
        for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strncmp(mn, words[i], strlen(words[i])) == 0) {
                mn += strlen(words[i]);
                again = true;
            }
    }
    snprintf(v->mnem, sizeof v->mnem, "%s", mn);
    const cs_x86 *x = &in->detail->x86;
    v->mem_first = x->op_count > 0 && x->operands[0].type == X86_OP_MEM;
    for (unsigned i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type == X86_OP_MEM && !v->mem) {
            v->mem = true;
            v->base = cs_gpr(op->mem.base);
            v->index = cs_gpr(op->mem.index);
            v->scale = op->mem.scale;
            v->disp = op->mem.disp;
        } else if (op->type == X86_OP_IMM && v->nimm < 2) {
            v->imm[v->nimm++] = op->imm;
        }
    }
}

bool cs_ctx_open(CsCtx *cs)
{
    memset(cs, 0, sizeof *cs);
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs->h) != CS_ERR_OK)
        return false;
    cs_option(cs->h, CS_OPT_DETAIL, CS_OPT_ON);
    cs->insn = cs_malloc(cs->h);
    return cs->insn != NULL;
}

void cs_ctx_close(CsCtx *cs)
{
    if (cs->insn)
        cs_free(cs->insn, 1);
    cs_close(&cs->h);
}

/* ---- a decoder-independent look at the bytes, for classifying disagreements ---- */

Peek peek(const uint8_t *b, unsigned n)
{
    Peek p = { .map = -1, .opcode = -1, .modrm = -1 };
    unsigned i = 0;
    for (; i < n; i++) {
        uint8_t c = b[i];
        if (c >= 0x40 && c <= 0x4F) { p.rex = c; continue; }
        if (c == 0x66) p.p66 = true;
        else if (c == 0x67) p.p67 = true;
        else if (c == 0xF2 || c == 0xF3) p.rep = c;
        else if (c == 0xF0) p.lock = true;
        else if (!(c == 0x67 || c == 0x26 || c == 0x2E || c == 0x36 || c == 0x3E ||
                   c == 0x64 || c == 0x65))
            break;
        p.rex = 0;
    }
    if (i >= n)
        return p;
    p.map = X86_MAP_1B;
    if ((b[i] == 0xC4 || b[i] == 0xC5) && i + 2 < n) {
        /* VEX (always, in 64-bit mode): C5 R.vvvv.L.pp implies map 0F; C4 R.X.B.mmmmm then
         * W.vvvv.L.pp, mmmmm 1-3 naming 0F, 0F 38, 0F 3A */
        p.vex = true;
        unsigned mm = b[i] == 0xC5 ? 1 : b[i + 1] & 0x1F;
        i += b[i] == 0xC5 ? 2 : 3;
        p.map = mm >= 1 && mm <= 3 ? (int)mm : -1;
        if (i >= n)
            return p;
        p.opcode = b[i];
        if (i + 1 < n)
            p.modrm = b[i + 1];
        return p;
    }
    if (b[i] == 0x0F && i + 1 < n) {
        i++;
        p.map = X86_MAP_0F;
        if ((b[i] == 0x38 || b[i] == 0x3A) && i + 1 < n) {
            p.map = b[i] == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
            i++;
        }
    }
    p.opcode = b[i];
    if (i + 1 < n)
        p.modrm = b[i + 1];
    return p;
}

/* ---- the allow-list: known, understood differences from Capstone 4 ----
 * classify() returns the name of the category a disagreement belongs to, or NULL. Two kinds:
 *
 * Counterfactual categories rewrite the prefixes and decode again with both decoders. They
 * prove that one prefix rule alone makes the difference: e.g. Capstone mishandles prefix
 * order, and once the prefixes are put in a canonical order (which ferry decodes the same way)
 * the two decoders agree.
 *
 * Opcode categories name encodings where the SDM and Capstone 4 disagree, or that ferry
 * rejects on purpose; each comment gives the SDM reference that makes ferry's answer right. */
bool mem_agrees(const X86Insn *in, const CsView *v)
{
    if (!has_mem(in))
        return true;
    return v->mem && v->base == in->base && v->index == in->index && v->disp == in->disp
           && (in->index == X86_REG_NONE || v->scale == in->scale);
}

enum { DROP_67 = 1, DROP_66 = 2, DROP_REP = 4, DROP_LOCK = 8 };

/* The same instruction with its prefixes in one canonical order, each once: last segment,
 * 67, F0, 66, last of F2/F3, the REX that counts; minus the `drop`ped ones. 66 goes before
 * F2/F3 so that a decoder taking the last of them as the mandatory prefix picks F2/F3, as
 * ferry does. Returns the new length; *removed is how many bytes went away. */
static unsigned canonical(const uint8_t *b, unsigned n, unsigned drop, uint8_t *out,
                          unsigned *removed)
{
    uint8_t seg = 0, rep = 0, rex = 0;
    bool p66 = false, p67 = false, lock = false;
    unsigned i = 0;
    for (; i < n; i++) {
        uint8_t c = b[i];
        if (c >= 0x40 && c <= 0x4F) { rex = c; continue; }
        if (!(x86_optab[X86_MAP_1B][c].flags & X86F_PREFIX))
            break;
        rex = 0;
        if (c == 0x66) p66 = true;
        else if (c == 0x67) p67 = true;
        else if (c == 0xF0) lock = true;
        else if (c == 0xF2 || c == 0xF3) rep = c;
        else seg = c;
    }
    unsigned m = 0;
    if (seg) out[m++] = seg;
    if (p67 && !(drop & DROP_67)) out[m++] = 0x67;
    if (lock && !(drop & DROP_LOCK)) out[m++] = 0xF0;
    if (p66 && !(drop & DROP_66)) out[m++] = 0x66;
    if (rep && !(drop & DROP_REP)) out[m++] = rep;
    if (rex) out[m++] = rex;
    *removed = i - m;
    memcpy(out + m, b + i, n - i);
    return m + n - i;
}

static const char *classify_depth(const Diff *d, unsigned depth);

static bool same_decoding(const X86Insn *a, const X86Insn *b)
{
    return has_mem(a) == has_mem(b) && (!has_mem(a) || (a->base == b->base
           && a->index == b->index && a->scale == b->scale && a->disp == b->disp));
}

/* The instructions LOCK may prefix, with a memory destination (SDM Vol. 2, LOCK). Written
 * from the manual, independently of the decoder, so that a wrong "#UD" in the decoder cannot
 * hide behind the LOCK category. */
static bool lockable(const CsView *v)
{
    static const char *const names[] = {
        "add", "adc", "and", "btc", "btr", "bts", "cmpxchg", "cmpxchg8b", "cmpxchg16b", "dec",
        "inc", "neg", "not", "or", "sbb", "sub", "xor", "xadd", "xchg" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(v->mnem, names[i]) == 0)
            return v->mem_first;
    return false;
}

/* Rewrite the prefixes as `canonical` does and decode again with both.
 * same = true: the rewrite must not change ferry's decoding (the dropped prefix means
 *   nothing for this instruction's length and operands); the rewritten bytes must then agree,
 *   or differ for another allow-listed reason (several causes can meet in one string).
 * same = false: ferry rejected the original only because of the dropped prefix (it accepts
 *   the rewritten bytes) and Capstone ignored that prefix (the same mnemonic either way); for
 *   LOCK, the instruction must also not be one the SDM lets LOCK prefix. */
static const char *rewrite_explains(const Diff *d, unsigned drop, bool same, unsigned depth,
                                    const char *name)
{
    uint8_t b[16] = { 0 };
    unsigned removed, m = canonical(d->b, d->n, drop, b, &removed);
    if (same && m == d->n && memcmp(b, d->b, m) == 0)
        return NULL;                            /* nothing rewritten */
    if (d->n == 15)
        m = 15;     /* random strings: the bytes removed would have been followed by more
                       random bytes, so pad with zeros rather than cut the tail short */
    X86Insn f;
    X86DecodeStatus f_st = x86_decode(b, m, DCMP_PC, &f);
    bool f_ok = f_st == X86_DEC_OK;
    CsView v;
    cs_view(d->cs, b, m, DCMP_PC, &v);
    if (!same) {
        if (d->st != X86_DEC_INVALID || !f_ok || !d->cs_ok || !v.ok
            || strcmp(d->cv->mnem, v.mnem) != 0)
            return NULL;
        return (drop & DROP_LOCK) && lockable(&v) ? NULL : name;
    }
    if (f_ok != d->ours_ok || (f_ok && (f.len + removed != d->ours_len
                                        || !same_decoding(&f, d->in))))
        return NULL;
    if (f_ok == v.ok && (!f_ok || (f.len == v.len && mem_agrees(&f, &v))))
        return name;
    if (depth >= 2)
        return NULL;
    /* several causes met in one string: report the one left after the rewrite */
    Diff r = { d->cs, b, m, peek(b, m), f_st, f_ok, v.ok, f.len, v.len, &f, &v };
    return classify_depth(&r, depth + 1);
}

const char *classify(const Diff *d) { return classify_depth(d, 0); }

/* The VEX-encoded instructions ferry implements (BMI1, BMI2), by Capstone's mnemonic: written
 * from the SDM independently of the decoder's tables. */
static bool bmi_mnemonic(const char *m)
{
    static const char *const names[] = { "andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi",
                                         "mulx", "pdep", "pext", "rorx", "sarx", "shlx",
                                         "shrx" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i]) == 0)
            return true;
    return false;
}

static const char *classify_depth(const Diff *d, unsigned depth)
{
    const Peek *p = &d->p;
    int op = p->opcode, reg = p->modrm >= 0 ? (p->modrm >> 3) & 7 : -1;
    bool mod3 = p->modrm >= 0 && (p->modrm >> 6) == 3;
    bool only_cs = !d->ours_ok && d->cs_ok;
    bool only_ours = d->ours_ok && !d->cs_ok;

    /* -- prefix rules, shown by rewriting the prefixes -- */
    const char *cat;

    /* SDM Vol. 2 §2.1.1: the four prefix groups may come in any order; §2.2.1: a REX
     * prefix that does not immediately precede the opcode is ignored. Capstone 4 gets some
     * orders, repeats and cancelled REX bytes wrong. */
    if ((cat = rewrite_explains(d, 0, true, depth, "prefix order, repeats or a cancelled REX")))
        return cat;
    /* SDM Vol. 2 LOCK: "#UD if the LOCK prefix is used with an instruction not listed" or
     * with a register destination; Capstone 4 checks this only for some opcodes.
     * Mandatory prefixes: where the prefix selects the form (the per-prefix rows of Tables
     * ), a prefix with no form of its own is #UD: SDM Vol. 2 §3.1.1.1 defines
     * "NP" as "66/F2/F3 prefixes ... are not allowed ... will either cause #UD or result in
     * the encoding for a different instruction". Capstone 4 ignores such a prefix (F3 0F 60
     * decodes as punpcklbw, 66 0F 38 C8 as sha1nexte). */
    if (only_cs && !p->vex) {                   /* VEX: see "legacy prefix before VEX" */
        static const unsigned drops[] = { DROP_LOCK, DROP_REP, DROP_66, DROP_REP | DROP_66,
                                          DROP_LOCK | DROP_REP, DROP_LOCK | DROP_66,
                                          DROP_LOCK | DROP_REP | DROP_66 };
        for (unsigned i = 0; i < sizeof drops / sizeof drops[0]; i++) {
            unsigned dr = drops[i];
            if ((dr & DROP_LOCK) && !p->lock)
                continue;
            if ((dr & DROP_REP) && !p->rep)
                continue;
            if ((dr & DROP_66) && !p->p66)
                continue;
            if ((dr & (DROP_REP | DROP_66)) && p->map < X86_MAP_0F)
                continue;                       /* only mandatory-prefix maps */
            if ((cat = rewrite_explains(d, dr, false, depth,
                                        dr & DROP_LOCK ? "LOCK on a non-lockable form"
                                                       : "prefix without a form of its own")))
                return cat;
        }
    }

    /* SDM Vol. 2 §2.1.1: 67 is the address-size prefix only. Capstone 4 reads 67 (mostly
     * when a REX follows) as an operand-size (66) prefix: rel16 calls, 66-only SSE4 forms. */
    if (p->p67 && (cat = rewrite_explains(d, DROP_67, true, depth,
                                          "67 read as 66 by Capstone")))
        return cat;
    /* SDM Vol. 2 §2.1.1: F2/F3 on a non-string instruction of the one-byte map is reserved
     * and changes neither operand size nor length (66 still gives 16 bits); ferry ignores
     * it as CPUs do. Capstone 4 then drops the 66 or rejects moffs moves. */
    if (p->map == X86_MAP_1B && p->rep
        && (cat = rewrite_explains(d, DROP_REP, true, depth,
                                   "F2/F3 on a non-string instruction")))
        return cat;
    /* SDM Vol. 2 RET: "C2 iw" / "CA iw": the immediate is 16 bits whatever the prefixes;
     * Capstone 4 reads 4 bytes with some 66/REX combinations. */
    if ((op == 0xC2 || op == 0xCA) && p->map == X86_MAP_1B && p->p66
        && (cat = rewrite_explains(d, DROP_66, true, depth, "ret iw is always 2 bytes")))
        return cat;
    /* -- opcode categories -- */

    /* SDM Vol. 2 CALL/JMP/Jcc and the f64 superscripts of Tables: in 64-bit mode
     * near branches have a fixed 64-bit operand size and 66 does not shrink rel32 to rel16
     * (Intel; AMD honours 66, as Capstone does). So ferry's length is Capstone's + 2, and
     * past 15 bytes it is TOO_LONG where Capstone still decodes. */
    bool near_jz = (p->map == X86_MAP_1B && (op == 0xE8 || op == 0xE9))
                   || (p->map == X86_MAP_0F && op >= 0x80 && op <= 0x8F);
    if (near_jz && p->p66 && d->cs_ok && ((d->ours_ok && d->ours_len == d->cs_len + 2)
                                          || (d->st == X86_DEC_TOO_LONG && d->cs_len + 2 > 15)))
        return "near branch with 66 (Intel: rel32, f64)";
    /* The same with 67, which Capstone 4 reads as 66 (see above): with rel32 the instruction
     * is over 15 bytes, so the rewrite without 67 cannot show it (SDM Vol. 2 §2.1.1: 67 is the
     * address-size prefix; a near branch takes rel32 in 64-bit mode). */
    if (near_jz && p->p67 && !p->p66 && d->cs_ok && d->st == X86_DEC_TOO_LONG &&
        d->cs_len + 2 > 15)
        return "67 read as 66 by Capstone";
    /* SDM Vol. 2 UD: "UD0 0F FF /r" and "UD1 0F B9 /r" take a ModRM byte; Capstone 4
     * decodes them as 2-byte ud0/ud2b, or not at all. */
    if (p->map == X86_MAP_0F && (op == 0xFF || op == 0xB9)
        && (d->ours_ok || d->st == X86_DEC_TOO_LONG))
        return "ud0/ud1 take ModRM";

    if (p->vex) {
        /* VEX instructions are #UD while their CPUID feature flag is 0 (SDM Vol. 2 §2.4 and
         * §2.5, the exception classes of every VEX instruction): ferry's CPU model has BMI1 and
         * BMI2 but no AVX, AVX2, FMA, F16C, AVX-512 (VEX mask instructions), AMX, AVX-VNNI
         * and so on, so the only VEX encodings it decodes are the BMI ones. */
        if (only_cs && !bmi_mnemonic(d->cv->mnem))
            return "VEX beyond BMI1/BMI2 unsupported";
        /* SDM Vol. 2 §2.3.2-2.3.4 (VEX and the LOCK, 66H and REX prefixes) and §2.5 (the
         * VEX-encoded GPR instructions: #UD if a REX, F2, F3 or 66 prefix precedes VEX); the
         * host agrees. Capstone 4 decodes 66 and F2/F3 there. */
        if (only_cs && (p->p66 || p->rep || p->lock || p->rex))
            return "legacy prefix before VEX";
        return NULL;
    }
    if (p->map == X86_MAP_1B) {
        /* ferry does not support EVEX (62): with CPUID AVX-512 clear it is #UD (SDM Vol. 2
         * §2.7). 8F with ModRM.reg != 0 is AMD XOP, which Intel does not have (Table A-6
         * Group 1A lists only /0 pop). VEX (C4/C5) is above. */
        if (only_cs && (op == 0x62 || (op == 0x8F && reg != 0)))
            return "EVEX/XOP unsupported";
        /* SDM Table A-6 Group 2: /6 is empty (SAL is /4); Capstone accepts /6 as sal. */
        if (only_cs && (op == 0xC0 || op == 0xC1 || (op >= 0xD0 && op <= 0xD3)) && reg == 6)
            return "grp2 /6 reserved";
        /* SDM Vol. 2 MOV: "#UD if an attempt is made to load the CS register". */
        if (only_cs && op == 0x8E && reg == 1)
            return "mov to CS is #UD";
        /* XBEGIN/XABORT: #UD when CPUID.(EAX=7,ECX=0):EBX.RTM[bit 11] = 0 (SDM Vol. 2);
         * ferry reports no RTM, so C6/C7 /7 are invalid like the rest of grp11 /1-/7. */
        if (only_cs && (op == 0xC6 || op == 0xC7) && p->modrm == 0xF8)
            return "RTM xbegin/xabort unsupported";
        /* x87: ferry accepts every ModRM form of D8-DF so lengths are right and the
         * translator rejects with a message (SDM Tables A-7..A-22 leave some cells empty,
         * e.g. DD /5 memory, D9 D1-D7, which Capstone rejects). */
        if (only_ours && op >= 0xD8 && op <= 0xDF)
            return "x87 form decoded for the translator";
        /* MOV Sreg (8C/8E): the SDM encodes Sreg in ModRM.reg alone ("8C /r", "REX.W 8C /r");
         * REX.R is not part of it and is ignored, while Capstone 4 rejects it. */
        if (only_ours && (op == 0x8C || op == 0x8E) && (p->rex & 4))
            return "REX.R ignored for a segment register";
    }
    if (p->map == X86_MAP_0F) {
        /* Hint NOPs: SDM Vol. 2 NOP "0F 1F /0 NOP r/m32" and Table A-3 0F 19-1E (reserved
         * NOP, Ev): register forms are valid; Capstone 4 accepts only some of them. */
        if (only_ours && op >= 0x19 && op <= 0x1F && mod3)
            return "hint NOP register form";
        /* AMD-only encodings, #UD on the Intel model: 3DNow! (0F 0F, femms 0F 0E), SSE4a
         * extrq/insertq (66/F2 0F 78/79) and movntss/movntsd (F3/F2 0F 2B), SVM 0F 01 D8-DF;
         * VIA padlock (0F A6/A7). SDM Table have no such entries. */
        if (only_cs && (op == 0x0F || op == 0x0E || op == 0x78 || op == 0x79 || op == 0x2B ||
                        op == 0xA6 || op == 0xA7 || (op == 0x01 && p->modrm >= 0xD8 &&
                                                     p->modrm <= 0xDF)))
            return "AMD/VIA-only encoding";
        /* Group 15 register forms (SDM Table A-6, 0F AE mod=11B): /5 lfence, /6 mfence,
         * /7 sfence whatever the r/m bits; Capstone 4 accepts only E8/F0/F8. */
        if (only_ours && op == 0xAE && mod3 && reg >= 5)
            return "fence r/m bits ignored";
        /* RDPKRU/WRPKRU (NP 0F 01 EE/EF) are in the SDM; Capstone 4 does not know them. */
        if (only_ours && op == 0x01 && (p->modrm == 0xEE || p->modrm == 0xEF))
            return "rdpkru/wrpkru missing in Capstone 4";
    }
    return NULL;
}

/* ---- one random string through both decoders ---- */

void dcmp_one(CsCtx *cs, const uint8_t b[15], DcmpResult *r)
{
    r->st = x86_decode(b, 15, DCMP_PC, &r->in);
    cs_view(cs, b, 15, DCMP_PC, &r->v);
    bool ok = r->st == X86_DEC_OK;
    Diff d = { cs, b, 15, peek(b, 15), r->st, ok, r->v.ok, r->in.len, r->v.len, &r->in, &r->v };
    r->why = NULL;
    r->category = NULL;
    if (ok && r->v.ok) {
        if (r->in.len != r->v.len)
            r->why = "lengths differ";
        else if (!mem_agrees(&r->in, &r->v))
            r->why = "memory operands differ";
    } else if (ok != r->v.ok) {
        r->why = ok ? "only ferry accepts" : "only Capstone accepts";
    }
    if (r->why)
        r->category = classify(&d);
}

void dcmp_describe(FILE *f, const uint8_t b[15], const DcmpResult *r)
{
    char hex[64];
    format_hex(b, 15, hex);
    const X86Insn *in = &r->in;
    const CsView *v = &r->v;
    fprintf(f, "%s: %s\n  ferry: status %d len %u", r->why, hex, r->st, in->len);
    if (r->st == X86_DEC_OK)
        fprintf(f, " map %u op %02x modrm %02x mem %d b%d i%d s%u d%d imm %lld", in->map,
                in->opcode, in->modrm, has_mem(in), in->base, in->index, in->scale, in->disp,
                (long long)in->imm);
    fprintf(f, "\n  capstone: %s len %u mem %d b%d i%d s%d d%lld\n", v->text, v->len, v->mem,
            v->base, v->index, v->scale, (long long)v->disp);
}

/* ---- random strings ---- */

uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

unsigned rng_below(Rng *r, unsigned n) { return (unsigned)(rng_next(r) % n); }

void op_pool_init(OpPool *p)
{
    for (unsigned m = 0; m < 4; m++) {
        p->n[m] = p->vn[m] = 0;
        for (unsigned op = 0; op < 256; op++) {
            if (x86_optab[m][op].flags & X86F_VALID)
                p->op[m][p->n[m]++] = (uint8_t)op;
            if (x86_vex_optab[m][op].flags & X86F_VALID)
                p->vop[m][p->vn[m]++] = (uint8_t)op;
        }
    }
}

/* A VEX prefix and opcode at b[i..], fields random but mostly valid for the BMI opcodes;
 * returns the new i. */
static unsigned gen_vex(Rng *r, const OpPool *pool, uint8_t b[15], unsigned i)
{
    unsigned k = rng_below(r, 8);               /* mostly 0F38/0F3A, where BMI lives */
    unsigned m = k < 6 ? 2 + k % 2 : k == 6 ? 1 : rng_below(r, 32);
    bool two = m == 1 && rng_below(r, 2);
    uint8_t rxb = (uint8_t)(rng_below(r, 4) ? 0xE0 : rng_below(r, 8) << 5);  /* inverted */
    uint8_t wvlp = (uint8_t)rng_next(r);
    if (rng_below(r, 8))
        wvlp &= (uint8_t)~4;                    /* mostly VEX.L = 0 */
    if (rng_below(r, 4) == 0)
        wvlp |= 0x78;                           /* vvvv = 1111b (rorx needs it) */
    if (i < 15) b[i++] = two ? 0xC5 : 0xC4;
    if (two) {
        if (i < 15) b[i++] = (uint8_t)((rxb & 0x80) | (wvlp & 0x7F));
    } else {
        if (i < 15) b[i++] = (uint8_t)(rxb | (m & 0x1F));
        if (i < 15) b[i++] = wvlp;
    }
    unsigned map = m >= 1 && m <= 3 ? m : 0;
    if (i < 15)
        b[i++] = pool->vn[map] && rng_below(r, 4) ? pool->vop[map][rng_below(r, pool->vn[map])]
                                                   : (uint8_t)rng_next(r);
    return i;
}

/* One 15-byte string: mostly prefixes + an opcode from the tables + random tail. */
void gen_bytes(Rng *r, const OpPool *pool, uint8_t b[15])
{
    static const uint8_t legacy[] = { 0x66, 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x3E, 0x26,
                                      0x36, 0x64, 0x65 };
    for (unsigned i = 0; i < 15; i++)
        b[i] = (uint8_t)rng_next(r);
    unsigned mode = rng_below(r, 32);
    if (mode == 0)
        return;                                 /* fully random */
    unsigned i = 0, np = rng_below(r, 8);
    np = np < 4 ? 0 : np - 3;                   /* half without legacy prefixes */
    if (mode == 1)
        np = 8 + rng_below(r, 8);               /* long prefix runs, towards TOO_LONG */
    for (unsigned k = 0; k < np && i < 15; k++) {
        if (rng_below(r, 8) == 0)
            b[i++] = (uint8_t)(0x40 | rng_below(r, 16));   /* a REX that gets cancelled */
        else
            b[i++] = legacy[rng_below(r, sizeof legacy)];
    }
    if (rng_below(r, 12) == 0) {                /* VEX: legacy prefixes only sometimes */
        if (i && rng_below(r, 4))
            i = 0, b[i++] = (uint8_t)(rng_below(r, 2) ? 0x67 : 0x2E);   /* allowed ones */
        gen_vex(r, pool, b, i);
        return;
    }
    if (i < 15 && rng_below(r, 2))
        b[i++] = (uint8_t)(0x40 | rng_below(r, 16));
    unsigned m = rng_below(r, 10);
    m = m < 5 ? X86_MAP_1B : m < 8 ? X86_MAP_0F : m < 9 ? X86_MAP_0F38 : X86_MAP_0F3A;
    if (m != X86_MAP_1B && i < 15)
        b[i++] = 0x0F;
    if ((m == X86_MAP_0F38 || m == X86_MAP_0F3A) && i < 15)
        b[i++] = m == X86_MAP_0F38 ? 0x38 : 0x3A;
    if (i < 15)
        b[i] = rng_below(r, 8) ? pool->op[m][rng_below(r, pool->n[m])] : (uint8_t)rng_next(r);
}

void tally_add(Tally *t, const char *name)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->name[i] == name || strcmp(t->name[i], name) == 0) {
            t->count[i]++;
            return;
        }
    if (t->n < 32) {
        t->name[t->n] = name;
        t->count[t->n++] = 1;
    }
}
