/* ir_core.c — the op table, type and condition names, block storage, and the helper registry.
 *
 * Contract:
 *   - ir_op_info[] is generated from ir_ops.def and is the only source of op names, arities and
 *     properties.
 *   - A block's insn[0] is a reserved NOP, so IR_NONE (0) never names a value; new and reset
 *     blocks hold just that one instruction (n == 1).
 *   - The helper registry is process state: a fixed table filled at start-up (fe_init) before
 *     any thread runs guest code, and only read afterwards. Registration is not thread-safe;
 *     lookups are, once registration is over.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/ir_internal.h"

/* ---------------------------------------------------------------- op table */

/* The text form wants lower-case names while ir_ops.def spells them in upper case. Lower-case
 * them at compile time, character by character, from the same X-macro, so there is no second
 * hand-kept list of names. IR_NAME_MAX bounds a name's length (checked below). */
#define IR_NAME_MAX 16
#define LC_AT(s, i) ((s)[(i) < sizeof(s) ? (i) : 0])
#define LC1(s, i) (char)((i) < sizeof(s) ? \
    (LC_AT(s, i) >= 'A' && LC_AT(s, i) <= 'Z' ? LC_AT(s, i) + ('a' - 'A') : LC_AT(s, i)) : 0)
#define LC(s) { LC1(s, 0), LC1(s, 1), LC1(s, 2), LC1(s, 3), LC1(s, 4), LC1(s, 5), LC1(s, 6), \
    LC1(s, 7), LC1(s, 8), LC1(s, 9), LC1(s, 10), LC1(s, 11), LC1(s, 12), LC1(s, 13), \
    LC1(s, 14), LC1(s, 15) }

#define IR_OP(name, nout, nin, nimm, props, sem) \
    _Static_assert(sizeof(#name) <= IR_NAME_MAX, "op name too long: " #name);
#include "ir/ir_ops.def"
#undef IR_OP

static const char op_names_lower[IR_OP_COUNT][IR_NAME_MAX] = {
#define IR_OP(name, nout, nin, nimm, props, sem) [IR_##name] = LC(#name),
#include "ir/ir_ops.def"
#undef IR_OP
};

const IrOpInfo ir_op_info[IR_OP_COUNT] = {
#define IR_OP(name, nout, nin, nimm, props, sem) \
    [IR_##name] = { op_names_lower[IR_##name], nout, nin, nimm, props, sem },
#include "ir/ir_ops.def"
#undef IR_OP
};

/* ---------------------------------------------------------------- types */

const uint8_t ir_type_sizes[IR_TYPE_COUNT] = {
    [IR_VOID] = 0, [IR_I8] = 1, [IR_I16] = 2, [IR_I32] = 4, [IR_I64] = 8, [IR_I128] = 16,
    [IR_F32] = 4, [IR_F64] = 8, [IR_F80] = 10, [IR_V128] = 16, [IR_V256] = 32,
};

static const char *const type_names[IR_TYPE_COUNT] = {
    [IR_VOID] = "void", [IR_I8] = "i8", [IR_I16] = "i16", [IR_I32] = "i32", [IR_I64] = "i64",
    [IR_I128] = "i128", [IR_F32] = "f32", [IR_F64] = "f64", [IR_F80] = "f80",
    [IR_V128] = "v128", [IR_V256] = "v256",
};

const char *ir_type_name(IrType t)
{
    return (unsigned)t < IR_TYPE_COUNT ? type_names[t] : "?";
}

IrType ir_int_type(unsigned bytes)
{
    switch (bytes) {
    case 1: return IR_I8;
    case 2: return IR_I16;
    case 4: return IR_I32;
    case 8: return IR_I64;
    default: return IR_VOID;
    }
}

/* ---------------------------------------------------------------- conditions */

static const char *const cond_names[IR_COND_COUNT] = {
    [IR_EQ] = "eq", [IR_NE] = "ne", [IR_LTU] = "ltu", [IR_GEU] = "geu", [IR_LEU] = "leu",
    [IR_GTU] = "gtu", [IR_LTS] = "lts", [IR_GES] = "ges", [IR_LES] = "les", [IR_GTS] = "gts",
};

const char *ir_cond_name(IrCond c)
{
    return (unsigned)c < IR_COND_COUNT ? cond_names[c] : "?";
}

static const char *const fcond_names[IR_FCOND_COUNT] = {
    [IR_FEQ] = "eq", [IR_FLT] = "lt", [IR_FLE] = "le", [IR_FUNORD] = "unord",
    [IR_FNEQ] = "neq", [IR_FNLT] = "nlt", [IR_FNLE] = "nle", [IR_FORD] = "ord",
};

const char *ir_fcond_name(unsigned c)
{
    return c < IR_FCOND_COUNT ? fcond_names[c] : NULL;
}

bool ir_exit_word_valid(int64_t w)
{
    uint64_t u = (uint64_t)w;
    if (u >> 32)
        return false;
    if (IR_EXIT_WORD_KIND(u) >= IR_EXIT_KIND_COUNT)
        return false;
    if (IR_EXIT_WORD_KIND(u) != IR_EXIT_TRAP && (u >> 8) != 0)
        return false;
    return true;
}

/* ---------------------------------------------------------------- blocks */

#define IR_BLOCK_INITIAL_CAP 64

static void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) {
        fputs("ferry: out of memory in ir/\n", stderr);
        abort();
    }
    return q;
}

IrBlock *ir_block_new(uint64_t guest_pc)
{
    IrBlock *blk = xrealloc(NULL, sizeof *blk);
    memset(blk, 0, sizeof *blk);
    blk->cap = IR_BLOCK_INITIAL_CAP;
    blk->insn = xrealloc(NULL, blk->cap * sizeof *blk->insn);
    ir_block_reset(blk, guest_pc);
    return blk;
}

void ir_block_free(IrBlock *blk)
{
    if (!blk)
        return;
    free(blk->insn);
    free(blk->alt);
    free(blk->cse_table);
    for (unsigned i = 0; i < IR_WORK_COUNT; i++)
        free(blk->work[i]);
    free(blk);
}

_Static_assert(IR_WORK_COUNT == sizeof ((IrBlock *)0)->work / sizeof(void *),
               "one work slot per IR_WORK_* name");

void *ir_block_work(IrBlock *blk, unsigned slot, size_t bytes)
{
    if (bytes > blk->work_size[slot]) {
        size_t size = blk->work_size[slot] ? blk->work_size[slot] : 256;
        while (size < bytes)
            size *= 2;
        free(blk->work[slot]);
        blk->work[slot] = xrealloc(NULL, size);
        blk->work_size[slot] = size;
    }
    return blk->work[slot];
}

IrInsn *ir_block_alt(IrBlock *blk, uint32_t cap)
{
    if (cap > blk->alt_cap) {
        uint32_t c = blk->alt_cap ? blk->alt_cap : IR_BLOCK_INITIAL_CAP;
        while (c < cap)
            c *= 2;
        free(blk->alt);
        blk->alt = xrealloc(NULL, (size_t)c * sizeof *blk->alt);
        blk->alt_cap = c;
    }
    return blk->alt;
}

void ir_block_swap_alt(IrBlock *blk, IrInsn *insn, uint32_t n, uint32_t cap)
{
    IrInsn *old = blk->insn;
    uint32_t old_cap = blk->cap;
    blk->insn = insn;
    blk->n = n;
    blk->cap = cap;
    blk->alt = old;
    blk->alt_cap = old_cap;
}

void ir_block_reset(IrBlock *blk, uint64_t guest_pc)
{
    blk->guest_pc = guest_pc;
    blk->guest_len = 0;
    blk->guest_insns = 0;
    memset(&blk->insn[0], 0, sizeof blk->insn[0]);  /* the reserved NOP */
    blk->n = 1;
}

IrRef ir_block_push(IrBlock *blk, const IrInsn *in)
{
    if (blk->n == blk->cap) {
        if (blk->cap >= UINT32_MAX / 2) {
            fputs("ferry: IR block too large\n", stderr);
            abort();
        }
        blk->cap *= 2;
        blk->insn = xrealloc(blk->insn, (size_t)blk->cap * sizeof *blk->insn);
    }
    blk->insn[blk->n] = *in;
    return blk->n++;
}

IrType ir_value_type(const IrBlock *blk, IrRef v)
{
    if (v == IR_NONE || v >= blk->n)
        return IR_VOID;
    return (IrType)blk->insn[v].type;
}

bool ir_is_const(const IrBlock *blk, IrRef v, uint64_t *value)
{
    if (v == IR_NONE || v >= blk->n || blk->insn[v].op != IR_CONST)
        return false;
    if (value)
        *value = (uint64_t)blk->insn[v].imm[0];
    return true;
}

/* ---------------------------------------------------------------- helper registry */

/* Process state (see the file header): enough for every helper the frontend has, with room. */
#define IR_HELPER_MAX 256
#define IR_HELPER_NAME_MAX 48

static struct {
    IrHelperFn fn;
    char name[IR_HELPER_NAME_MAX];
    bool reader;            /* registered with ir_helper_register_reader */
    bool gprs_kept;         /* marked with ir_helper_keeps_gprs */
} helpers[IR_HELPER_MAX];
static unsigned n_helpers;

/* Names appear in the text form, so they must lex as one identifier. */
static bool helper_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= IR_HELPER_NAME_MAX || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

void ir_helper_register(IrHelperFn fn, const char *name)
{
    if (!fn || !name || !helper_name_ok(name)) {
        fprintf(stderr, "ferry: ir_helper_register: bad helper name \"%s\"\n",
                name ? name : "(null)");
        abort();
    }
    for (unsigned i = 0; i < n_helpers; i++) {
        bool same_fn = helpers[i].fn == fn, same_name = strcmp(helpers[i].name, name) == 0;
        if (same_fn && same_name)
            return;                     /* registering twice is harmless */
        if (same_fn || same_name) {
            fprintf(stderr, "ferry: ir_helper_register: \"%s\" conflicts with \"%s\"\n", name,
                    helpers[i].name);
            abort();
        }
    }
    if (n_helpers == IR_HELPER_MAX) {
        fputs("ferry: ir_helper_register: table full\n", stderr);
        abort();
    }
    helpers[n_helpers].fn = fn;
    strcpy(helpers[n_helpers].name, name);
    n_helpers++;
}

void ir_helper_register_reader(IrHelperFn fn, const char *name)
{
    ir_helper_register(fn, name);
    for (unsigned i = 0; i < n_helpers; i++)
        if (helpers[i].fn == fn)
            helpers[i].reader = true;
}

void ir_helper_keeps_gprs(IrHelperFn fn)
{
    for (unsigned i = 0; i < n_helpers; i++)
        if (helpers[i].fn == fn)
            helpers[i].gprs_kept = true;
}

bool ir_helper_gprs_kept(IrHelperFn fn)
{
    for (unsigned i = 0; i < n_helpers; i++)
        if (helpers[i].fn == fn)
            return helpers[i].gprs_kept || helpers[i].reader;
    return false;
}

bool ir_helper_is_reader(IrHelperFn fn)
{
    for (unsigned i = 0; i < n_helpers; i++)
        if (helpers[i].fn == fn)
            return helpers[i].reader;
    return false;
}

const char *ir_helper_name(IrHelperFn fn)
{
    for (unsigned i = 0; i < n_helpers; i++)
        if (helpers[i].fn == fn)
            return helpers[i].name;
    return NULL;
}

IrHelperFn ir_helper_lookup(const char *name)
{
    for (unsigned i = 0; i < n_helpers; i++)
        if (strcmp(helpers[i].name, name) == 0)
            return helpers[i].fn;
    return NULL;
}
