/* gen_string.c — translation of the string instructions movs, cmps, stos, lods and scas
 * (A4-A7, AA-AF) with and without REP/REPE/REPNE, and the C helpers that run the rep loops.
 *
 * Contract: fe_gen_string(c) translates c->insn and returns true, or returns false without
 * emitting anything when the opcode is not one of its own. The helpers follow IrHelperFn and
 * are registered by fe_register_helpers_string.
 *
 * Operands (SDM Vol. 1 §7.3.9, Vol. 2 MOVS/CMPS/STOS/LODS/SCAS): the source is DS:rSI, the
 * destination ES:rDI. In 64-bit mode DS and ES have base 0; a segment override applies to the
 * source only (FS/GS add their base; CS/DS/ES/SS change nothing) and never to ES:rDI. The
 * element size is the operand size (byte forms 1, else 2/4/8 by 66/REX.W). The 67 prefix
 * makes rSI, rDI and the rep count rCX the 32-bit registers: addresses wrap at 4 GiB and every
 * write to them is a 32-bit write (upper half zeroed). Each element moves the pointers by the
 * size, down when EFLAGS.DF (X86State.eflags_fixed bit 10) is set. cmps compares [rSI] - [rDI]
 * and scas rAX - [rDI]; both set the flags as CMP does.
 *
 * Non-rep forms are inline IR: one element, memory first and registers after, so a fault
 * leaves the state as it was before the instruction.
 *
 * Rep forms (any of F2/F3 on movs/stos/lods is REP, as hardware treats it; F3 is REPE and F2
 * REPNE on cmps/scas) call one helper per kind, which runs the whole loop on guest memory
 * (guest address g at host g + state->mem_base, x86_host_ptr) and updates RCX/RSI/RDI/RAX in the state.
 * rCX = 0 means no element is touched and the flags stay as they were. Register write-back
 * under 67 follows what an Intel CPU does even for a zero count (checked on hardware): ECX is
 * always written (so the upper half of RCX is cleared), and movs/stos also always write their
 * pointer registers, while lods/scas/cmps write theirs only when an element was processed.
 * rep cmps/scas return the arithmetic flags of the last comparison (or the unchanged flags
 * for a zero count) and leave that comparison in the state as an X86_CCK_SUB producer; the
 * translator makes the returned bits the block's known X86_CCK_EFLAGS producer, so a reader
 * later in the block (repe cmpsb; ja) needs no second helper call.
 *
 * Overlapping rep movs must give what the element-by-element loop gives. memmove gives the
 * same result except when the loop reads bytes it has already written (DF = 0 with the
 * destination above the source, or DF = 1 with it below, and the regions overlapping): that
 * case runs the element loop, which repeats the pattern as hardware does.
 *
 * Faults: the helpers are called through fe_call_mem, so a bad guest address inside one is a
 * precise fault at the instruction (runtime/fault.c), with rCX/rSI/rDI as far as the loop got
 * (see "helpers: the loops"). A long rep is not interruptible by asynchronous signals until
 * it ends.
 */
#include <signal.h>
#include <string.h>

#include "frontend-x86/fe_internal.h"

typedef enum StrKind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS } StrKind;

/* The helpers' mode word (a0): element size, 67 prefix, REPNE, source segment override. */
#define STR_MODE_SIZE   0x0fu
#define STR_MODE_A32    0x10u
#define STR_MODE_REPNE  0x20u
#define STR_MODE_SEG(m) (((m) >> 8) & 0xffu)

uint64_t x86_rep_movs(void *state, uint64_t mode, uint64_t a1, uint64_t a2);
uint64_t x86_rep_cmps(void *state, uint64_t mode, uint64_t a1, uint64_t a2);
uint64_t x86_rep_stos(void *state, uint64_t mode, uint64_t a1, uint64_t a2);
uint64_t x86_rep_lods(void *state, uint64_t mode, uint64_t a1, uint64_t a2);
uint64_t x86_rep_scas(void *state, uint64_t mode, uint64_t a1, uint64_t a2);

/* ================================================================ translation: operands */

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }

/* Guest address of the element rSI (src, with the override's base) or rDI points at. */
static IrRef str_addr(FeCtx *c, int reg, bool src)
{
    const X86Insn *i = c->insn;
    IrRef a = fe_get_gpr(c, reg, i->addrsize);
    if (i->addrsize == 4)
        a = ir_op1(&c->b, IR_ZEXT, IR_I64, a);
    if (src && (i->seg == X86_SEG_FS || i->seg == X86_SEG_GS)) {
        uint32_t off = i->seg == X86_SEG_FS ? X86_OFF_FS_BASE : X86_OFF_GS_BASE;
        a = ir_op2(&c->b, IR_ADD, IR_I64, a, ir_get(&c->b, IR_I64, off));
    }
    return a;
}

/* +size or -size by DF, in the address-size type. A cld/std earlier in the block makes DF a
 * forwarded constant, and the select folds. */
static IrRef str_step(FeCtx *c, unsigned size)
{
    IrType t = fe_type(c->insn->addrsize);
    IrRef fixed = ir_get(&c->b, IR_I64, X86_OFF_EFLAGS_FIXED);
    IrRef df = ir_cmp(&c->b, IR_NE, ir_op2(&c->b, IR_AND, IR_I64, fixed, k64(c, X86_DF)),
                      k64(c, 0));
    return ir_select(&c->b, t, df, ir_const(&c->b, t, -(uint64_t)size), ir_const(&c->b, t, size));
}

/* reg += step, as a write of the address size (32-bit writes zero-extend). */
static void str_advance(FeCtx *c, int reg, IrRef step)
{
    unsigned as = c->insn->addrsize;
    fe_put_gpr(c, reg, as, ir_op2(&c->b, IR_ADD, fe_type(as), fe_get_gpr(c, reg, as), step));
}

/* ================================================================ translation: one element */

static bool gen_MOVS(FeCtx *c, unsigned size)
{
    IrRef v = fe_load(c, fe_type(size), str_addr(c, X86_RSI, true));
    fe_store(c, str_addr(c, X86_RDI, false), v);
    IrRef step = str_step(c, size);
    str_advance(c, X86_RSI, step);
    str_advance(c, X86_RDI, step);
    return true;
}

static bool gen_CMPS(FeCtx *c, unsigned size)
{
    IrType t = fe_type(size);
    IrRef a = fe_load(c, t, str_addr(c, X86_RSI, true));
    IrRef b = fe_load(c, t, str_addr(c, X86_RDI, false));
    fe_set_flags(c, X86_CCK_SUB, size, a, b, ir_op2(&c->b, IR_SUB, t, a, b));
    IrRef step = str_step(c, size);
    str_advance(c, X86_RSI, step);
    str_advance(c, X86_RDI, step);
    return true;
}

static bool gen_STOS(FeCtx *c, unsigned size)
{
    fe_store(c, str_addr(c, X86_RDI, false), fe_get_gpr(c, X86_RAX, size));
    str_advance(c, X86_RDI, str_step(c, size));
    return true;
}

static bool gen_LODS(FeCtx *c, unsigned size)
{
    IrRef v = fe_load(c, fe_type(size), str_addr(c, X86_RSI, true));
    fe_put_gpr(c, X86_RAX, size, v);
    str_advance(c, X86_RSI, str_step(c, size));
    return true;
}

static bool gen_SCAS(FeCtx *c, unsigned size)
{
    IrType t = fe_type(size);
    IrRef a = fe_get_gpr(c, X86_RAX, size);
    IrRef b = fe_load(c, t, str_addr(c, X86_RDI, false));
    fe_set_flags(c, X86_CCK_SUB, size, a, b, ir_op2(&c->b, IR_SUB, t, a, b));
    str_advance(c, X86_RDI, str_step(c, size));
    return true;
}

/* ================================================================ translation: rep forms */

static const IrHelperFn rep_helper[] = {
    [STR_MOVS] = x86_rep_movs, [STR_CMPS] = x86_rep_cmps, [STR_STOS] = x86_rep_stos,
    [STR_LODS] = x86_rep_lods, [STR_SCAS] = x86_rep_scas,
};

static bool gen_REP(FeCtx *c, StrKind kind, unsigned size)
{
    const X86Insn *i = c->insn;
    uint64_t mode = size | (i->addrsize == 4 ? STR_MODE_A32 : 0) |
                    (i->rep == 0xf2 ? STR_MODE_REPNE : 0) | ((uint64_t)i->seg << 8);
    IrRef bits = fe_call_mem(c, rep_helper[kind], k64(c, mode), IR_NONE, IR_NONE);
    if (kind == STR_CMPS || kind == STR_SCAS)
        fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, bits);
    return true;
}

/* System mode: one element per pass, every access through the MMU (a #PF between elements
 * leaves rCX/rSI/rDI as hardware does, and a long rep is interruptible): the instruction
 * repeats through a direct exit to itself while rCX != 0 (and the REPE/REPNE condition
 * holds for cmps/scas). */
static bool gen_REP_system(FeCtx *c, StrKind kind, unsigned size)
{
    const X86Insn *i = c->insn;
    unsigned as = i->addrsize;
    IrRef count = fe_get_gpr(c, X86_RCX, as);
    if (as == 4)
        count = ir_op1(&c->b, IR_ZEXT, IR_I64, count);
    fe_exit_cond(c, ir_cmp(&c->b, IR_EQ, count, k64(c, 0)), c->next_pc);
    switch (kind) {
    case STR_MOVS: gen_MOVS(c, size); break;
    case STR_CMPS: gen_CMPS(c, size); break;
    case STR_STOS: gen_STOS(c, size); break;
    case STR_LODS: gen_LODS(c, size); break;
    case STR_SCAS: gen_SCAS(c, size); break;
    }
    IrRef left = ir_op2(&c->b, IR_SUB, IR_I64, count, k64(c, 1));
    fe_put_gpr(c, X86_RCX, as, as == 4 ? ir_op1(&c->b, IR_TRUNC, IR_I32, left) : left);
    IrRef again = ir_cmp(&c->b, IR_NE, left, k64(c, 0));
    if (kind == STR_CMPS || kind == STR_SCAS) {
        /* REPE goes on while ZF = 1, REPNE while ZF = 0 (x86 condition 4: E, 5: NE). */
        IrRef zf = fe_cond(c, i->rep == 0xf2 ? 5 : 4);
        again = ir_op2(&c->b, IR_AND, IR_I8, again, zf);
    }
    fe_exit_cond(c, again, c->pc);
    fe_exit_jump(c, c->next_pc);
    return true;
}

/* ================================================================ dispatch */

bool fe_gen_string(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map != X86_MAP_1B || i->addrsize == 2)   /* 16-bit addressing: not implemented */
        return false;
    StrKind kind;
    switch (i->opcode) {
    case 0xa4: case 0xa5: kind = STR_MOVS; break;
    case 0xa6: case 0xa7: kind = STR_CMPS; break;
    case 0xaa: case 0xab: kind = STR_STOS; break;
    case 0xac: case 0xad: kind = STR_LODS; break;
    case 0xae: case 0xaf: kind = STR_SCAS; break;
    default: return false;
    }
    if (i->lock) {                  /* the decoder rejects it already; #UD if it ever gets here */
        fe_trap(c, SIGILL, ILL_ILLOPN);
        return true;
    }
    unsigned size = i->opsize;
    if (i->rep)
        return c->system ? gen_REP_system(c, kind, size) : gen_REP(c, kind, size);
    switch (kind) {
    case STR_MOVS: return gen_MOVS(c, size);
    case STR_CMPS: return gen_CMPS(c, size);
    case STR_STOS: return gen_STOS(c, size);
    case STR_LODS: return gen_LODS(c, size);
    case STR_SCAS: return gen_SCAS(c, size);
    }
    return false;
}

/* ================================================================ helpers: common */

/* One rep instruction's parameters, decoded from the mode word and the state. */
typedef struct StrRun {
    X86State *s;
    unsigned size;          /* element size in bytes */
    bool a32;               /* 67 prefix: 32-bit rSI/rDI/rCX */
    uint64_t amask;         /* address-size mask */
    bool down;              /* DF set: pointers move down */
    uint64_t src_base;      /* FS/GS base for a source override, else 0 */
} StrRun;

/* Counts at or above this are never taken by a fast path (n * size must not overflow). In
 * 64-bit mode such a count runs off the end of the address space and faults anyway. */
#define STR_FAST_MAX (1ull << 48)

static StrRun str_run(void *state, uint64_t mode)
{
    X86State *s = state;
    StrRun r = { .s = s, .size = (unsigned)(mode & STR_MODE_SIZE),
                 .a32 = (mode & STR_MODE_A32) != 0 };
    r.amask = r.a32 ? 0xffffffffull : ~0ull;
    r.down = (s->eflags_fixed & X86_DF) != 0;
    unsigned seg = STR_MODE_SEG(mode);
    r.src_base = seg == X86_SEG_FS ? s->fs_base : seg == X86_SEG_GS ? s->gs_base : 0;
    return r;
}

static uint64_t str_get(const StrRun *r, int reg) { return r->s->gpr[reg] & r->amask; }
static void str_put(const StrRun *r, int reg, uint64_t v) { r->s->gpr[reg] = v & r->amask; }

/* Pointer after `n` elements. */
static uint64_t str_next(const StrRun *r, uint64_t p, uint64_t n)
{
    uint64_t d = n * r->size;
    return (r->down ? p - d : p + d) & r->amask;
}

/* Host address of the n guest bytes at g (x86_state.h: clamped to the guard in system mode). */
static void *str_host(const StrRun *r, uint64_t g, uint64_t n) { return x86_host_ptr(r->s, g, n); }

static uint64_t size_mask(unsigned size) { return size == 8 ? ~0ull : (1ull << (8 * size)) - 1; }

static uint64_t str_rd(const StrRun *r, uint64_t g)
{
    const void *p = str_host(r, g, r->size);
    switch (r->size) {
    case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void str_wr(const StrRun *r, uint64_t g, uint64_t v)
{
    void *p = str_host(r, g, r->size);
    switch (r->size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* If the n elements starting at pointer p lie in one piece of the address space (no wrap at
 * the address size), store their lowest address in *lo and return true. */
static bool str_span(const StrRun *r, uint64_t p, uint64_t n, uint64_t *lo)
{
    if (n == 0 || n >= STR_FAST_MAX)
        return false;
    uint64_t before = (n - 1) * r->size;    /* bytes from the lowest element to p's */
    if (r->down) {
        if (before > p || p > r->amask - (r->size - 1))
            return false;
        *lo = p - before;
    } else {
        if (before + r->size - 1 > r->amask - p)
            return false;
        *lo = p;
    }
    return true;
}

/* Flags of the last comparison a - b: left in the state as a SUB producer, returned as the
 * arithmetic EFLAGS bits. */
static uint64_t str_flags(const StrRun *r, uint64_t a, uint64_t b)
{
    X86State *s = r->s;
    s->cc_op = X86_CC_OP(X86_CCK_SUB, r->size);
    s->cc_a = a;
    s->cc_b = b;
    s->cc_res = (a - b) & size_mask(r->size);
    return x86_get_eflags(s) & X86_ARITH_FLAGS;
}

/* ================================================================ helpers: the loops */

/* Faults (fe_call_mem): the helpers leave rCX, rSI and rDI (and rAX for lods) in the state
 * as hardware leaves them when an element faults: the elements before it done, the pointers
 * at it, the count including it. So they work in pieces that stay within one page of each
 * operand (a page is accessible as a whole or not at all, so a piece that faults has done
 * nothing) and write the registers back after each piece; an element that straddles two pages
 * is a piece of its own. */

/* How many whole elements, from pointer p in the direction of travel, lie in p's page. */
static uint64_t str_in_page(const StrRun *r, uint64_t base, uint64_t p)
{
    uint64_t a = base + p, off = a & 4095;
    if (off + r->size > 4096)
        return 0;                           /* this element straddles the page end */
    return r->down ? off / r->size + 1 : (4096 - off) / r->size;
}

/* Elements of the next piece: at most n, within one page of each pointer, at least one. */
static uint64_t str_piece(const StrRun *r, uint64_t n, uint64_t si_base, uint64_t si,
                          bool use_si, uint64_t di, bool use_di)
{
    uint64_t k = n;
    if (use_si) {
        uint64_t m = str_in_page(r, si_base, si);
        k = m < k ? m : k;
    }
    if (use_di) {
        uint64_t m = str_in_page(r, 0, di);
        k = m < k ? m : k;
    }
    return k ? k : 1;
}

/* rep movs. */
uint64_t x86_rep_movs(void *state, uint64_t mode, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    StrRun r = str_run(state, mode);
    uint64_t n = str_get(&r, X86_RCX), si = str_get(&r, X86_RSI), di = str_get(&r, X86_RDI);
    while (n) {
        uint64_t k = str_piece(&r, n, r.src_base, si, true, di, true), slo, dlo;
        /* memmove gives what the element loop gives unless the loop rereads what it wrote:
         * the destination ahead of the source in the direction of travel, overlapping. */
        if (k > 1 && str_span(&r, si, k, &slo) && str_span(&r, di, k, &dlo)) {
            uint64_t bytes = k * r.size, src = r.src_base + slo;
            bool rereads = r.down ? (dlo < src && src - dlo < bytes)
                                  : (dlo > src && dlo - src < bytes);
            if (!rereads) {
                memmove(str_host(&r, dlo, bytes), str_host(&r, src, bytes), bytes);
                si = str_next(&r, si, k);
                di = str_next(&r, di, k);
                n -= k;
                k = 0;
            }
        }
        for (; k; k--, n--) {
            str_wr(&r, di, str_rd(&r, r.src_base + si));
            si = str_next(&r, si, 1);
            di = str_next(&r, di, 1);
        }
        str_put(&r, X86_RSI, si);
        str_put(&r, X86_RDI, di);
        str_put(&r, X86_RCX, n);
    }
    str_put(&r, X86_RSI, si);
    str_put(&r, X86_RDI, di);
    str_put(&r, X86_RCX, 0);
    return 0;
}

/* rep stos: every element of a piece gets the same value, so a piece is filled from its low
 * end whatever the direction. */
uint64_t x86_rep_stos(void *state, uint64_t mode, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    StrRun r = str_run(state, mode);
    uint64_t n = str_get(&r, X86_RCX), di = str_get(&r, X86_RDI);
    uint64_t v = r.s->gpr[X86_RAX], lo;
    while (n) {
        uint64_t k = str_piece(&r, n, 0, 0, false, di, true);
        if (k > 1 && str_span(&r, di, k, &lo)) {
            uint8_t *p = str_host(&r, lo, k * r.size);
            switch (r.size) {
            case 1: memset(p, (int)(v & 0xff), k); break;
            case 2: { uint16_t x = (uint16_t)v; for (uint64_t j = 0; j < k; j++) memcpy(p + 2 * j, &x, 2); break; }
            case 4: { uint32_t x = (uint32_t)v; for (uint64_t j = 0; j < k; j++) memcpy(p + 4 * j, &x, 4); break; }
            default: for (uint64_t j = 0; j < k; j++) memcpy(p + 8 * j, &v, 8); break;
            }
            di = str_next(&r, di, k);
            n -= k;
        } else {
            for (; k; k--, n--) {
                str_wr(&r, di, v);
                di = str_next(&r, di, 1);
            }
        }
        str_put(&r, X86_RDI, di);
        str_put(&r, X86_RCX, n);
    }
    str_put(&r, X86_RDI, di);
    str_put(&r, X86_RCX, 0);
    return 0;
}

/* rep lods: only the last element stays in rAX (each is still read, in order). */
uint64_t x86_rep_lods(void *state, uint64_t mode, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    StrRun r = str_run(state, mode);
    uint64_t n = str_get(&r, X86_RCX), si = str_get(&r, X86_RSI);
    uint64_t *rax = &r.s->gpr[X86_RAX];
    for (; n; n--) {
        uint64_t v = str_rd(&r, r.src_base + si);
        si = str_next(&r, si, 1);
        /* 8- and 16-bit writes merge; a 32-bit write zero-extends. */
        *rax = r.size >= 4 ? v : (*rax & ~size_mask(r.size)) | v;
        str_put(&r, X86_RSI, si);
        str_put(&r, X86_RCX, n - 1);
    }
    str_put(&r, X86_RCX, 0);
    return 0;
}

/* rep scas: compare rAX with [rDI] until rCX runs out or the comparison ends the repeat
 * (REPE: not equal; REPNE: equal). Returns the arithmetic flags. */
uint64_t x86_rep_scas(void *state, uint64_t mode, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    StrRun r = str_run(state, mode);
    bool repne = (mode & STR_MODE_REPNE) != 0;
    uint64_t n = str_get(&r, X86_RCX), di = str_get(&r, X86_RDI), lo;
    uint64_t a = r.s->gpr[X86_RAX] & size_mask(r.size), b = 0;
    if (n == 0) {
        str_put(&r, X86_RCX, 0);
        return x86_get_eflags(r.s) & X86_ARITH_FLAGS;
    }
    for (;;) {
        uint64_t k = str_piece(&r, n, 0, 0, false, di, true);
        if (repne && r.size == 1 && !r.down && k > 1 && str_span(&r, di, k, &lo)) {
            /* repne scasb forward is memchr: the strlen and memchr idiom of older code. */
            const uint8_t *p = str_host(&r, lo, k), *hit = memchr(p, (int)a, k);
            uint64_t j = hit ? (uint64_t)(hit - p) + 1 : k;
            b = hit ? a : p[k - 1];
            di = str_next(&r, di, j);
            n -= j;
            if (!hit)
                k = 0;                      /* go on with the next piece */
        } else {
            for (; k; k--) {
                b = str_rd(&r, di);
                di = str_next(&r, di, 1);
                n--;
                if (n == 0 || (a == b) == repne)
                    break;
            }
        }
        str_put(&r, X86_RDI, di);
        str_put(&r, X86_RCX, n);
        if (n == 0 || k)                    /* ran out, or the comparison ended it */
            break;
    }
    return str_flags(&r, a, b);
}

/* rep cmps: compare [rSI] with [rDI], ending as rep scas does. Returns the arithmetic flags. */
uint64_t x86_rep_cmps(void *state, uint64_t mode, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    StrRun r = str_run(state, mode);
    bool repne = (mode & STR_MODE_REPNE) != 0;
    uint64_t n = str_get(&r, X86_RCX), si = str_get(&r, X86_RSI), di = str_get(&r, X86_RDI);
    uint64_t a = 0, b = 0;
    if (n == 0) {
        str_put(&r, X86_RCX, 0);
        return x86_get_eflags(r.s) & X86_ARITH_FLAGS;
    }
    for (;;) {
        a = str_rd(&r, r.src_base + si);
        b = str_rd(&r, di);
        si = str_next(&r, si, 1);
        di = str_next(&r, di, 1);
        n--;
        str_put(&r, X86_RSI, si);
        str_put(&r, X86_RDI, di);
        str_put(&r, X86_RCX, n);
        if (n == 0 || (a == b) == repne)
            break;
    }
    return str_flags(&r, a, b);
}

/* ================================================================ registration */

void fe_register_helpers_string(void)
{
    ir_helper_register(x86_rep_movs, "rep_movs");
    ir_helper_register(x86_rep_cmps, "rep_cmps");
    ir_helper_register(x86_rep_stos, "rep_stos");
    ir_helper_register(x86_rep_lods, "rep_lods");
    ir_helper_register(x86_rep_scas, "rep_scas");
}
