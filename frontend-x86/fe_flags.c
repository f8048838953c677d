/* fe_flags.c — lazy x86 flags inside a translated block.
 *
 * The producer of the flags (kind, size and its IR operands) is remembered in FeCtx.cc;
 * nothing is computed until a reader asks. Readers get exactly the bits they need, derived
 * from the producer: after `cmp a, b` the condition L is one IR compare (a <s b), after an add
 * CF is res <u a, and so on. When the producer is not known in this block (it came from an
 * earlier block or a helper, and lives in X86State.cc_*), one helper call materialises EFLAGS
 * and the block goes on with those bits as a known producer. Exits store only the fields the
 * kind needs (x86_cc_fields): after `cmp a, b` that is cc_op, a and b, and the subtraction is
 * left to DCE unless this block reads SF, ZF or PF itself.
 *
 * The formulas, shared with x86_flags.c (which must compute the same bits, undefined flags
 * included; see its header for the undefined-flag policy). w = operand width, all values w bits:
 *   ZF = res == 0     SF = res <s 0     PF = even number of set bits in res's low byte
 *   ADD  CF = res <u a          OF = sign((a^res) & (b^res))   AF = bit 4 of a^b^res
 *   ADC  cin = (res-a-b) & 1; CF = cin ? res <=u a : res <u a; OF, AF as ADD
 *   SUB  CF = a <u b            OF = sign((a^b) & (a^res))     AF as ADD
 *   SBB  cin = (a-b-res) & 1; CF = cin ? a <=u b : a <u b; OF, AF as SUB
 *   LOGIC CF = OF = AF = 0
 *   INC  CF = b; OF = res == 1<<(w-1); AF = bit 4 of a^res;  DEC as INC with OF = res == (1<<(w-1))-1
 *   SHL  CF = bit ((w-b) mod w) of a; OF = SF ^ CF; AF = 0
 *   SHR  CF = bit ((b-1) mod w) of a; OF = sign(a);  AF = 0
 *   SAR  CF = bit ((b-1) mod w) of a shifted arithmetically; OF = AF = 0
 *   MUL  CF = OF = b; AF = 0
 *   PCMPSTR CF = res != 0; ZF = a != 0; SF = b != 0; OF = res & 1; AF = PF = 0
 *   EFLAGS the bits of res
 */
#include "frontend-x86/fe_internal.h"
#ifdef FE_CHECK_PRECISE
#include <stdio.h>
#endif

uint64_t x86_flags_compute(uint64_t cc_op, uint64_t a, uint64_t b, uint64_t res);

/* ---------------------------------------------------------------- the helper */

/* EFLAGS' arithmetic bits of the producer held in the state. */
static uint64_t helper_eflags(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)a0; (void)a1; (void)a2;
    const X86State *s = state;
    return x86_flags_compute(s->cc_op, s->cc_a, s->cc_b, s->cc_res);
}

/* ---------------------------------------------------------------- setting */

void fe_set_flags(FeCtx *c, X86CcKind kind, unsigned size, IrRef a, IrRef b, IrRef res)
{
    c->cc.known = true;
    c->cc.dirty = true;
    c->cc.op = X86_CC_OP(kind, size);
    c->cc.a = a;
    c->cc.b = b;
    c->cc.res = res;
}

void fe_flags_invalidate(FeCtx *c)
{
    c->cc.known = false;
    c->cc.dirty = false;
}

static IrRef to64(FeCtx *c, IrRef v)
{
    return ir_value_type(c->b.blk, v) == IR_I64 ? v : ir_op1(&c->b, IR_ZEXT, IR_I64, v);
}

static bool same_producer(const FeFlags *x, const FeFlags *y)
{
    return x->known && y->known && x->op == y->op && x->a == y->a && x->b == y->b &&
           x->res == y->res;
}

/* The producer's fields as the state holds them: v[i] to store at off[i], IR_NONE for a field
 * its kind does not store (x86_cc_fields: readers of the state derive it, so a result that
 * exists only for the flags, as a CMP's, need not be computed for an exit). */
static const uint32_t cc_off[4] = { X86_OFF_CC_OP, X86_OFF_CC_A, X86_OFF_CC_B, X86_OFF_CC_RES };

static void stored_fields(FeCtx *c, const FeFlags *f, IrRef v[4])
{
    unsigned keep = x86_cc_fields(X86_CC_KIND(f->op));
    v[0] = ir_const(&c->b, IR_I64, f->op);
    v[1] = keep & X86_CCF_A ? f->a : IR_NONE;
    v[2] = keep & X86_CCF_B ? f->b : IR_NONE;
    v[3] = keep & X86_CCF_RES ? f->res : IR_NONE;
}

static void put_flags(FeCtx *c, FeFlags *f)
{
    c->cc_fault.known = false;      /* these PUTs end the ranges of the flags' FKEEPs */
    IrRef v[4];
    stored_fields(c, f, v);
    for (int i = 0; i < 4; i++)
        if (v[i])
            ir_put(&c->b, cc_off[i], to64(c, v[i]));
    f->dirty = false;
}

void fe_flush_flags(FeCtx *c)
{
    if (!c->cc.known || !c->cc.dirty)
        return;
    put_flags(c, &c->cc);
    if (same_producer(&c->cc_start, &c->cc))
        c->cc_start.dirty = false;
}

#ifdef FE_CHECK_PRECISE
/* The audit of the rule (ir/ir.h, "Precise faults"), built with -DFE_CHECK_PRECISE: no PUT
 * of this instruction before its load or store, except flushes of cc_start's producer. */
static void check_precise(FeCtx *c)
{
    const IrBlock *blk = c->b.blk;
    for (IrRef r = c->insn_ir; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if (in->op != IR_PUT)
            continue;
        uint64_t off = (uint64_t)in->imm[0];
        if (off == X86_OFF_CC_OP || off == X86_OFF_CC_A || off == X86_OFF_CC_B ||
            off == X86_OFF_CC_RES)
            continue;   /* cc_start is written again below if anything else was stored */
        fprintf(stderr, "ferry: FE_CHECK_PRECISE: PUT +%llu before a memory access in the "
                "instruction at 0x%llx (opcode %02x map %u)\n", (unsigned long long)off,
                (unsigned long long)c->pc, c->insn ? c->insn->opcode : 0,
                c->insn ? (unsigned)c->insn->map : 0);
    }
}
#endif

void fe_flags_before_access(FeCtx *c)
{
#ifdef FE_CHECK_PRECISE
    check_precise(c);
#endif
    /* Not when a helper of this instruction left its flags in the state (cc not known):
     * they must stay there for the rest of the block. */
    if (!c->cc_start.known || !c->cc_start.dirty || !c->cc.known || c->cc_start_done)
        return;
    c->cc_start_done = true;
    if (same_producer(&c->cc_start, &c->cc_fault))
        return;         /* the FKEEPs of an earlier instruction still say it */
    /* FKEEPs (ir.h, "Precise faults"): a fault here finds cc_start in the state, from
     * wherever its values are, and nothing is stored: the exits store the flags they need
     * (the producer stays dirty), and where the flags are dead at an exit's target, none
     * are. */
    FeFlags *f = &c->cc_start;
    IrRef v[4];
    stored_fields(c, f, v);
    for (int i = 0; i < 4; i++)
        if (v[i])
            ir_emit(&c->b, IR_FKEEP, IR_VOID, to64(c, v[i]), IR_NONE, IR_NONE, cc_off[i], 0);
    c->cc_fault = *f;
}

void fe_flags_keep_start(FeCtx *c)
{
    if (!c->cc_start.known || !c->cc_start.dirty)
        return;
    IrRef v[4];
    stored_fields(c, &c->cc_start, v);
    for (int i = 0; i < 4; i++)
        if (v[i])
            ir_emit(&c->b, IR_KEEP, IR_VOID, to64(c, v[i]), IR_NONE, IR_NONE, cc_off[i], 0);
}

void fe_flags_store_start(FeCtx *c)
{
    if (!c->cc_start.known || !c->cc_start.dirty)
        return;
    put_flags(c, &c->cc_start);
    c->cc.dirty = !same_producer(&c->cc_start, &c->cc);
}

/* Make the producer known: when it lives in the state, materialise EFLAGS once. */
static void make_known(FeCtx *c)
{
    if (c->cc.known)
        return;
    c->cc_fault.known = false;      /* a CALL ends the ranges of FKEEPs */
    IrRef bits = ir_call(&c->b, IR_I64, helper_eflags, IR_NONE, IR_NONE, IR_NONE);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, bits);
    c->cc.dirty = false;    /* the state holds an equivalent producer already */
}

/* ---------------------------------------------------------------- single flags (I8) */

typedef struct FlagCtx {
    FeCtx *c;
    X86CcKind kind;
    IrType t;
    unsigned w;
    IrRef a, b, res;
} FlagCtx;

static IrRef kt(FlagCtx *f, uint64_t v) { return ir_const(&f->c->b, f->t, v); }
static IrRef k8(FlagCtx *f, uint64_t v) { return ir_const(&f->c->b, IR_I8, v); }
static IrRef op2(FlagCtx *f, IrOp op, IrRef x, IrRef y) { return ir_op2(&f->c->b, op, f->t, x, y); }
static IrRef b8(FlagCtx *f, IrOp op, IrRef x, IrRef y) { return ir_op2(&f->c->b, op, IR_I8, x, y); }
static IrRef cmp(FlagCtx *f, IrCond cc, IrRef x, IrRef y) { return ir_cmp(&f->c->b, cc, x, y); }
static IrRef sign(FlagCtx *f, IrRef x) { return cmp(f, IR_LTS, x, kt(f, 0)); }

/* Bit `bit` (an IR value of type t, or a constant) of x as I8. */
static IrRef bit_of(FlagCtx *f, IrRef x, IrRef bit)
{
    IrRef v = op2(f, IR_AND, op2(f, IR_SHR, x, bit), kt(f, 1));
    return f->t == IR_I8 ? v : ir_op1(&f->c->b, IR_TRUNC, IR_I8, v);
}

/* Bit n of an EFLAGS-kind producer (I64) as I8. */
static IrRef eflag_bit(FlagCtx *f, unsigned mask)
{
    unsigned n = (unsigned)__builtin_ctz(mask);
    return bit_of(f, f->res, kt(f, n));
}

static IrRef flag_zf(FlagCtx *f)
{
    if (f->kind == X86_CCK_EFLAGS) return eflag_bit(f, X86_ZF);
    if (f->kind == X86_CCK_PCMPSTR) return cmp(f, IR_NE, f->a, kt(f, 0));
    return cmp(f, IR_EQ, f->res, kt(f, 0));
}

static IrRef flag_sf(FlagCtx *f)
{
    if (f->kind == X86_CCK_EFLAGS) return eflag_bit(f, X86_SF);
    if (f->kind == X86_CCK_PCMPSTR) return cmp(f, IR_NE, f->b, kt(f, 0));
    return sign(f, f->res);
}

static IrRef flag_pf(FlagCtx *f)
{
    if (f->kind == X86_CCK_EFLAGS) return eflag_bit(f, X86_PF);
    if (f->kind == X86_CCK_PCMPSTR) return k8(f, 0);
    IrRef lo = f->t == IR_I8 ? f->res : ir_op1(&f->c->b, IR_TRUNC, IR_I8, f->res);
    IrRef n = ir_op1(&f->c->b, IR_POPCNT, IR_I8, lo);
    return b8(f, IR_XOR, b8(f, IR_AND, n, k8(f, 1)), k8(f, 1));
}

static IrRef carry_in(FlagCtx *f)
{
    IrRef d = f->kind == X86_CCK_ADC ? op2(f, IR_SUB, op2(f, IR_SUB, f->res, f->a), f->b)
                                     : op2(f, IR_SUB, op2(f, IR_SUB, f->a, f->b), f->res);
    return cmp(f, IR_NE, op2(f, IR_AND, d, kt(f, 1)), kt(f, 0));
}

static IrRef flag_cf(FlagCtx *f)
{
    switch (f->kind) {
    case X86_CCK_EFLAGS: return eflag_bit(f, X86_CF);
    case X86_CCK_ADD:    return cmp(f, IR_LTU, f->res, f->a);
    case X86_CCK_SUB:    return cmp(f, IR_LTU, f->a, f->b);
    case X86_CCK_ADC:
        return ir_select(&f->c->b, IR_I8, carry_in(f), cmp(f, IR_LEU, f->res, f->a),
                         cmp(f, IR_LTU, f->res, f->a));
    case X86_CCK_SBB:
        return ir_select(&f->c->b, IR_I8, carry_in(f), cmp(f, IR_LEU, f->a, f->b),
                         cmp(f, IR_LTU, f->a, f->b));
    case X86_CCK_LOGIC:  return k8(f, 0);
    case X86_CCK_PCMPSTR: return cmp(f, IR_NE, f->res, kt(f, 0));
    case X86_CCK_INC:
    case X86_CCK_DEC:
    case X86_CCK_MUL:
        return cmp(f, IR_NE, f->b, kt(f, 0));
    case X86_CCK_SHL:    return bit_of(f, f->a, op2(f, IR_SUB, kt(f, f->w), f->b));
    case X86_CCK_SHR:    return bit_of(f, f->a, op2(f, IR_SUB, f->b, kt(f, 1)));
    case X86_CCK_SAR: {
        IrRef v = op2(f, IR_SAR, f->a, op2(f, IR_SUB, f->b, kt(f, 1)));
        return bit_of(f, v, kt(f, 0));
    }
    default:             return k8(f, 0);
    }
}

static IrRef flag_of(FlagCtx *f)
{
    switch (f->kind) {
    case X86_CCK_EFLAGS: return eflag_bit(f, X86_OF);
    case X86_CCK_ADD:
    case X86_CCK_ADC:
        return sign(f, op2(f, IR_AND, op2(f, IR_XOR, f->a, f->res), op2(f, IR_XOR, f->b, f->res)));
    case X86_CCK_SUB:
    case X86_CCK_SBB:
        return sign(f, op2(f, IR_AND, op2(f, IR_XOR, f->a, f->b), op2(f, IR_XOR, f->a, f->res)));
    case X86_CCK_INC:    return cmp(f, IR_EQ, f->res, kt(f, 1ull << (f->w - 1)));
    case X86_CCK_DEC:    return cmp(f, IR_EQ, f->res, kt(f, (1ull << (f->w - 1)) - 1));
    case X86_CCK_SHL:    return b8(f, IR_XOR, flag_sf(f), flag_cf(f));
    case X86_CCK_SHR:    return sign(f, f->a);
    case X86_CCK_MUL:    return cmp(f, IR_NE, f->b, kt(f, 0));
    case X86_CCK_PCMPSTR: return bit_of(f, f->res, kt(f, 0));
    default:             return k8(f, 0);
    }
}

static IrRef flag_af(FlagCtx *f)
{
    switch (f->kind) {
    case X86_CCK_EFLAGS: return eflag_bit(f, X86_AF);
    case X86_CCK_ADD: case X86_CCK_ADC: case X86_CCK_SUB: case X86_CCK_SBB:
        return bit_of(f, op2(f, IR_XOR, op2(f, IR_XOR, f->a, f->b), f->res), kt(f, 4));
    case X86_CCK_INC: case X86_CCK_DEC:
        return bit_of(f, op2(f, IR_XOR, f->a, f->res), kt(f, 4));
    default:
        return k8(f, 0);
    }
}

static FlagCtx flag_ctx(FeCtx *c)
{
    make_known(c);
    FlagCtx f = { .c = c, .kind = X86_CC_KIND(c->cc.op), .a = c->cc.a, .b = c->cc.b,
                  .res = c->cc.res };
    unsigned size = f.kind == X86_CCK_EFLAGS ? 8 : X86_CC_SIZE(c->cc.op);
    f.t = fe_type(size);
    f.w = 8 * size;
    return f;
}

/* ---------------------------------------------------------------- readers */

IrRef fe_get_cf(FeCtx *c)
{
    FlagCtx f = flag_ctx(c);
    return flag_cf(&f);
}

IrRef fe_cond(FeCtx *c, unsigned x86cc)
{
    FlagCtx f = flag_ctx(c);
    IrRef v;
    bool sub = f.kind == X86_CCK_SUB, pcmp = f.kind == X86_CCK_PCMPSTR;
    switch (x86cc >> 1) {
    case 0: v = flag_of(&f); break;                                         /* O */
    case 1: v = flag_cf(&f); break;                                         /* B */
    case 2: v = sub ? cmp(&f, IR_EQ, f.a, f.b) : flag_zf(&f); break;        /* E */
    case 3: v = sub ? cmp(&f, IR_LEU, f.a, f.b)                             /* BE */
              : pcmp ? cmp(&f, IR_NE, op2(&f, IR_OR, f.res, f.a), kt(&f, 0))
                    : b8(&f, IR_OR, flag_cf(&f), flag_zf(&f)); break;
    case 4: v = flag_sf(&f); break;                                         /* S */
    case 5: v = flag_pf(&f); break;                                         /* P */
    case 6: v = sub ? cmp(&f, IR_LTS, f.a, f.b)                             /* L */
                    : b8(&f, IR_XOR, flag_sf(&f), flag_of(&f)); break;
    default: v = sub ? cmp(&f, IR_LES, f.a, f.b)                            /* LE */
                     : b8(&f, IR_OR, flag_zf(&f), b8(&f, IR_XOR, flag_sf(&f), flag_of(&f)));
        break;
    }
    if (x86cc & 1) {
        /* Negate a compare by inverting its condition, so a branch stays one host compare. */
        const IrInsn *in = &c->b.blk->insn[v];
        if (in->op == IR_CMP)
            v = ir_cmp(&c->b, (IrCond)(in->imm[0] ^ 1), in->arg[0], in->arg[1]);
        else
            v = b8(&f, IR_XOR, v, k8(&f, 1));
    }
    return v;
}

/* ---------------------------------------------------------------- flags dead at a successor */

/* Does the instruction write CF PF AF ZF SF OF without reading any flag, and without any way to
 * fault first? Register forms of add/or/and/sub/xor/cmp (not adc/sbb, which read CF), the
 * accumulator-immediate forms, group 1 on a register, and test on registers. */
static bool kills_flags(const X86Insn *in)
{
    if (in->map == X86_MAP_0F && !in->lock)         /* ucomis/comis on registers */
        return (in->opcode == 0x2E || in->opcode == 0x2F) && in->mod == 3;
    if (in->map != X86_MAP_1B || in->lock)
        return false;
    unsigned op = in->opcode;
    if (op < 0x40 && (op & 7) < 6) {
        unsigned alu = op >> 3;                     /* add or adc sbb and sub xor cmp */
        if (alu == 2 || alu == 3)
            return false;
        return (op & 7) >= 4 || in->mod == 3;       /* AL/rAX,imm or register operands */
    }
    switch (op) {
    case 0x80: case 0x81: case 0x83:
        return in->mod == 3 && (in->reg & 7) != 2 && (in->reg & 7) != 3;
    case 0x84: case 0x85:
        return in->mod == 3;
    case 0xA8: case 0xA9:
        return true;
    default:
        return false;
    }
}

/* Does the instruction neither read nor write flags, nor touch memory (so it cannot fault)?
 * mov between registers or from an immediate, lea, and SSE moves, logic and arithmetic
 * between registers (SIMD exceptions are masked for Linux programs, so they do not trap). */
static bool flag_neutral(const X86Insn *in)
{
    if (in->lock)
        return false;
    if (in->map == X86_MAP_0F) {
        unsigned op = in->opcode;
        return in->mod == 3 && (op == 0x10 || op == 0x11 || op == 0x28 || op == 0x29 ||
                                (op >= 0x51 && op <= 0x5F) ||
                                ((op == 0x6F || op == 0x7F) && (in->opsize_prefix || in->rep == 0xF3)));
    }
    if (in->map != X86_MAP_1B)
        return false;
    unsigned op = in->opcode;
    if (op >= 0xB0 && op <= 0xBF)
        return true;                                /* mov r, imm */
    if ((op >= 0x88 && op <= 0x8B) || op == 0xC6 || op == 0xC7)
        return in->mod == 3;                        /* mov r, r / mov r, imm */
    return op == 0x8D;                              /* lea: no memory access */
}

/* Flags an instruction overwrites without reading any and without touching memory (a fault
 * would show the old flags to a signal handler), beyond kills_flags' "all" and flag_neutral's
 * "none": the partial writers and the register-only forms that commonly sit between a flag
 * producer and the next one. An undefined result counts as written (no reader may rely on
 * the old value). Returns -1 for anything else (reads flags, may fault, or not classified). */
static int partial_flag_writes(const X86Insn *in)
{
    const int all = X86_ARITH_FLAGS;
    if (in->lock || in->mod != 3)
        return -1;
    unsigned op = in->opcode, ext = in->reg & 7;
    if (in->map == X86_MAP_0F) {
        if (op >= 0xC8 && op <= 0xCF) return 0;                     /* bswap */
        if (op == 0xB6 || op == 0xB7 || op == 0xBE || op == 0xBF) return 0;  /* movzx/movsx */
        if (op == 0xAF) return all;                                 /* imul r, r */
        if (op == 0xA3 || (op == 0xBA && ext == 4)) return all & ~X86_ZF;   /* bt */
        if ((op == 0xBC || op == 0xBD || op == 0xB8) && in->rep == 0xF3)
            return all;                                             /* tzcnt lzcnt popcnt */
        return -1;
    }
    if (in->map != X86_MAP_1B)
        return -1;
    if (op == 0x63)                                                 /* movsxd r, r; arpl (ZF) */
        return in->mode == X86_MODE_64 ? 0 : -1;                    /* outside 64-bit mode */
    if (op == 0x87 || (op >= 0x91 && op <= 0x97)) return 0;         /* xchg r, r */
    if (op == 0x69 || op == 0x6B) return all;                       /* imul r, r, imm */
    if ((op == 0xF6 || op == 0xF7) && ext == 2) return 0;           /* not */
    if ((op == 0xF6 || op == 0xF7) && ext == 3) return all;         /* neg */
    if ((op == 0xFE || op == 0xFF) && ext <= 1) return all & ~X86_CF;   /* inc dec */
    if (op == 0xC0 || op == 0xC1 || op == 0xD0 || op == 0xD1) {     /* shifts by a constant */
        unsigned mask = (op & 1) && (in->rex & 8) ? 63 : 31;
        unsigned n = (op >= 0xD0 ? 1 : (unsigned)in->imm) & mask;
        if (n == 0) return 0;                                       /* count 0: no change */
        if (ext <= 1) return X86_CF | X86_OF;                       /* rol ror */
        if (ext == 4 || ext == 5 || ext == 7 || ext == 6) return all;   /* shl shr sar (sal) */
        return -1;                                                  /* rcl rcr read CF */
    }
    return -1;
}

bool fe_flags_dead_at(FeCtx *c, uint64_t pc)
{
    /* Only code on the page being translated: a write there invalidates this block too, so
     * the assumption cannot outlive the code it was made from. Up to 16 instructions, each
     * neutral or overwriting some flags, until every arithmetic flag has been overwritten. */
    uint64_t page = c->b.blk->guest_pc & ~0xfffull;
    if (!c->fetch)
        return false;
    unsigned pending = X86_ARITH_FLAGS;
    for (int i = 0; i < 16; i++) {
        uint8_t bytes[15];
        if ((pc & ~0xfffull) != page)
            return false;
        size_t got = c->fetch(c->fetch_opaque, pc, bytes, sizeof bytes);
        X86Insn in;
        if (x86_decode_mode(bytes, got, pc, (X86Mode)c->opt->mode, &in) != X86_DEC_OK ||
            ((pc + in.len - 1) & ~0xfffull) != page)
            return false;
        if (kills_flags(&in))
            return true;
        if (!flag_neutral(&in)) {
            int w = partial_flag_writes(&in);
            if (w < 0)
                return false;
            pending &= ~(unsigned)w;
            if (!pending)
                return true;
        }
        pc += in.len;
    }
    return false;
}

IrRef fe_get_eflags(FeCtx *c)
{
    FlagCtx f = flag_ctx(c);
    if (f.kind == X86_CCK_EFLAGS)
        return ir_op2(&c->b, IR_AND, IR_I64, f.res, ir_const(&c->b, IR_I64, X86_ARITH_FLAGS));
    const struct { IrRef v; unsigned pos; } bits[] = {
        { flag_cf(&f), 0 }, { flag_pf(&f), 2 }, { flag_af(&f), 4 },
        { flag_zf(&f), 6 }, { flag_sf(&f), 7 }, { flag_of(&f), 11 },
    };
    IrRef acc = ir_const(&c->b, IR_I64, 0);
    for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        IrRef x = ir_op1(&c->b, IR_ZEXT, IR_I64, bits[i].v);
        x = ir_op2(&c->b, IR_SHL, IR_I64, x, ir_const(&c->b, IR_I64, bits[i].pos));
        acc = ir_op2(&c->b, IR_OR, IR_I64, acc, x);
    }
    return acc;
}

/* ---------------------------------------------------------------- registration */

void fe_register_helpers_core(void)
{
    ir_helper_register_reader(helper_eflags, "eflags");   /* reads the state only */
}
