/* ir_parse.c — the parser of the IR text form (the printer's inverse; grammar in ir.h and
 * ir_print.c).
 *
 * Contract: ir_parse_block reads one block: a header line "block pc=N [len=N] [insns=N]", then
 * one instruction per line. Blank lines and everything from '#' to the end of a line are
 * ignored. Value names vN may use any numbers (each defined once, used only after its
 * definition); instructions are numbered by position, so parsing printer output reproduces the
 * block exactly, NOPs included. Numbers are hex (0x...) or decimal, optionally negative.
 * Immediates also accept a number where a name is printed (condition, exit word), so invalid
 * blocks can be written down for the verifier to reject; a CALL helper must be a registered
 * name. The parser checks syntax, arity and names only — types and ranges are the verifier's —
 * and appends instructions exactly as written (no folding). On error it returns NULL with
 * "line N: problem" in err. It never reads past the terminating NUL and never crashes, whatever
 * the input.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir_internal.h"

/* ---------------------------------------------------------------- value names */

/* Open-addressing map from the N of "vN" to the instruction that defines it. */
typedef struct NameMap {
    struct { uint64_t key; IrRef ref; } *slot;  /* ref 0 = empty */
    uint32_t cap, used;
} NameMap;

static uint32_t name_hash(uint64_t key, uint32_t mask)
{
    key *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(key >> 32) & mask;
}

static IrRef name_find(const NameMap *m, uint64_t key)
{
    if (!m->cap)
        return IR_NONE;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = name_hash(key, mask); m->slot[i].ref; i = (i + 1) & mask)
        if (m->slot[i].key == key)
            return m->slot[i].ref;
    return IR_NONE;
}

static bool name_insert(NameMap *m, uint64_t key, IrRef ref)
{
    if (2 * (m->used + 1) > m->cap) {
        NameMap nm = { NULL, m->cap ? 2 * m->cap : 64, 0 };
        nm.slot = calloc(nm.cap, sizeof *nm.slot);
        if (!nm.slot)
            return false;
        for (uint32_t i = 0; i < m->cap; i++)
            if (m->slot[i].ref)
                name_insert(&nm, m->slot[i].key, m->slot[i].ref);
        free(m->slot);
        *m = nm;
    }
    uint32_t mask = m->cap - 1, i = name_hash(key, mask);
    while (m->slot[i].ref)
        i = (i + 1) & mask;
    m->slot[i].key = key;
    m->slot[i].ref = ref;
    m->used++;
    return true;
}

/* ---------------------------------------------------------------- lexing one line */

typedef struct Parser {
    const char *p, *end;    /* the rest of the current line (comment stripped) */
    unsigned line;          /* 1-based line number, for messages */
    char *err;
    size_t errlen;
    bool failed;
    IrBlock *blk;
    NameMap names;
} Parser;

__attribute__((format(printf, 2, 3)))
static bool perr(Parser *ps, const char *fmt, ...)
{
    if (ps->failed)
        return false;
    ps->failed = true;
    if (!ps->err || ps->errlen == 0)
        return false;
    int len = snprintf(ps->err, ps->errlen, "line %u: ", ps->line);
    if (len < 0 || (size_t)len >= ps->errlen)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + len, ps->errlen - (size_t)len, fmt, ap);
    va_end(ap);
    return false;
}

static void skip_ws(Parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' ||
                               *ps->p == '\v' || *ps->p == '\f'))
        ps->p++;
}

static bool at_end(Parser *ps)
{
    skip_ws(ps);
    return ps->p == ps->end;
}

static bool accept(Parser *ps, char c)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* The next identifier as [start, start+len); false (no error) if there is none. */
static bool ident(Parser *ps, const char **start, size_t *len)
{
    skip_ws(ps);
    const char *s = ps->p;
    while (ps->p < ps->end && is_ident_char(*ps->p))
        ps->p++;
    *start = s;
    *len = (size_t)(ps->p - s);
    return *len > 0;
}

static bool ident_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* A short printable excerpt of the input at the cursor, for messages. */
static const char *excerpt(Parser *ps, char *buf, size_t size)
{
    size_t n = 0;
    for (const char *q = ps->p; q < ps->end && n + 1 < size && n < 16; q++)
        buf[n++] = (*q >= 0x20 && *q < 0x7f) ? *q : '?';
    buf[n] = 0;
    return n ? buf : "end of line";
}

/* Number: [-] (0x hex | decimal), fitting 64 bits. */
static bool number(Parser *ps, uint64_t *out)
{
    char ex[20];
    skip_ws(ps);
    bool neg = ps->p < ps->end && *ps->p == '-';
    if (neg)
        ps->p++;
    unsigned base = 10;
    if (ps->end - ps->p >= 2 && ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X')) {
        base = 16;
        ps->p += 2;
    }
    uint64_t v = 0;
    unsigned digits = 0;
    while (ps->p < ps->end) {
        char c = *ps->p;
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return perr(ps, "number too large");
        v = v * base + d;
        digits++;
        ps->p++;
    }
    if (digits == 0)
        return perr(ps, "expected a number at '%s'", excerpt(ps, ex, sizeof ex));
    if (ps->p < ps->end && is_ident_char(*ps->p))
        return perr(ps, "bad character in number at '%s'", excerpt(ps, ex, sizeof ex));
    *out = neg ? 0 - v : v;
    return true;
}

/* "vN" with N decimal; false with no error if the cursor is not at one. */
static bool value_name(Parser *ps, uint64_t *n)
{
    skip_ws(ps);
    if (ps->end - ps->p < 2 || ps->p[0] != 'v' || ps->p[1] < '0' || ps->p[1] > '9')
        return false;
    const char *save = ps->p;
    ps->p++;
    uint64_t v = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        if (v > (UINT32_MAX - 9) / 10) {
            perr(ps, "value number too large");
            return false;
        }
        v = v * 10 + (uint64_t)(*ps->p - '0');
        ps->p++;
    }
    if (ps->p < ps->end && is_ident_char(*ps->p)) {
        ps->p = save;       /* an identifier such as an op name, not a value */
        return false;
    }
    *n = v;
    return true;
}

/* ---------------------------------------------------------------- operands */

static bool parse_arg(Parser *ps, IrRef *out)
{
    char ex[20];
    uint64_t n;
    if (accept(ps, '-')) {
        *out = IR_NONE;
        return true;
    }
    if (!value_name(ps, &n))
        return ps->failed ? false
                          : perr(ps, "expected a value or '-' at '%s'", excerpt(ps, ex, sizeof ex));
    IrRef r = name_find(&ps->names, n);
    if (!r)
        return perr(ps, "v%llu is not defined", (unsigned long long)n);
    *out = r;
    return true;
}

static bool parse_named_imm(Parser *ps, const char *const *names, unsigned count, int64_t *out,
                            const char *what)
{
    const char *s;
    size_t len;
    skip_ws(ps);
    if (ps->p < ps->end && (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))) {
        uint64_t v;
        if (!number(ps, &v))
            return false;
        *out = (int64_t)v;
        return true;
    }
    if (!ident(ps, &s, &len))
        return perr(ps, "expected %s", what);
    for (unsigned i = 0; i < count; i++) {
        if (names[i] && ident_is(s, len, names[i])) {
            *out = i;
            return true;
        }
    }
    return perr(ps, "unknown %s '%.*s'", what, (int)(len > 32 ? 32 : len), s);
}

static bool parse_exit_word(Parser *ps, int64_t *out)
{
    static const char *const kinds[IR_EXIT_KIND_COUNT] = {
        [IR_EXIT_JUMP] = "jump", [IR_EXIT_INDIRECT] = "indirect",
        [IR_EXIT_SYSCALL] = "syscall", [IR_EXIT_TRAP] = "trap", [IR_EXIT_HALT] = "halt", [IR_EXIT_EVENT] = "event",
        [IR_EXIT_STACK] = "stack",
    };
    skip_ws(ps);
    bool by_name = ps->p < ps->end && *ps->p != '-' && (*ps->p < '0' || *ps->p > '9');
    int64_t kind;
    if (!parse_named_imm(ps, kinds, IR_EXIT_KIND_COUNT, &kind, "exit kind"))
        return false;
    *out = kind;    /* a bare number is taken as the whole exit word */
    if (by_name && kind == IR_EXIT_TRAP) {
        uint64_t sig, code;
        if (!accept(ps, ':'))
            return perr(ps, "expected trap:SIG:CODE");
        if (!number(ps, &sig))
            return false;
        if (!accept(ps, ':'))
            return perr(ps, "expected ':' in trap:SIG:CODE");
        if (!number(ps, &code))
            return false;
        if (sig > 255)
            return perr(ps, "signal %llu out of range", (unsigned long long)sig);
        if ((int64_t)code < -32768 || (int64_t)code > 65535)
            return perr(ps, "si_code out of range");
        *out = IR_EXIT_WORD(IR_EXIT_TRAP, sig, (int)(int64_t)code);
    }
    return true;
}

static bool parse_imm(Parser *ps, IrOp op, unsigned i, int64_t *out)
{
    static const char *const conds[IR_COND_COUNT] = {
        "eq", "ne", "ltu", "geu", "leu", "gtu", "lts", "ges", "les", "gts",
    };
    static const char *const fconds[IR_FCOND_COUNT] = {
        "eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord",
    };
    if (op == IR_CMP && i == 0)
        return parse_named_imm(ps, conds, IR_COND_COUNT, out, "condition");
    if (op == IR_FCMP && i == 0)
        return parse_named_imm(ps, fconds, IR_FCOND_COUNT, out, "float condition");
    if ((op == IR_EXIT || op == IR_EXIT_IF || op == IR_RETPUSH) && i == 1)
        return parse_exit_word(ps, out);
    if ((op == IR_LOAD || op == IR_STORE) && i == 0) {
        skip_ws(ps);
        const char *s;
        size_t len;
        if (ps->p < ps->end && (*ps->p < '0' || *ps->p > '9')) {
            if (!ident(ps, &s, &len) || !ident_is(s, len, "nocheck"))
                return perr(ps, "expected nocheck or a number");
            *out = IR_MEM_NOCHECK;
            return true;
        }
    }
    if (op == IR_CALL && i == 0) {
        const char *s;
        size_t len;
        char name[64];
        if (!ident(ps, &s, &len))
            return perr(ps, "expected a helper name");
        if (len >= sizeof name)
            return perr(ps, "unknown helper '%.32s...'", s);
        memcpy(name, s, len);
        name[len] = 0;
        IrHelperFn fn = ir_helper_lookup(name);
        if (!fn)
            return perr(ps, "unknown helper '%s'", name);
        *out = (int64_t)(uintptr_t)fn;
        return true;
    }
    uint64_t v;
    if (!number(ps, &v))
        return false;
    *out = (int64_t)v;
    return true;
}

/* ---------------------------------------------------------------- lines */

static bool parse_header(Parser *ps)
{
    bool seen[3] = { false, false, false };
    static const char *const keys[3] = { "pc", "len", "insns" };
    while (!at_end(ps)) {
        const char *s;
        size_t len;
        unsigned k;
        if (!ident(ps, &s, &len))
            return perr(ps, "expected pc=, len= or insns= in the block header");
        for (k = 0; k < 3 && !ident_is(s, len, keys[k]); k++)
            ;
        if (k == 3 || seen[k])
            return perr(ps, "bad or repeated block header field '%.*s'",
                        (int)(len > 32 ? 32 : len), s);
        seen[k] = true;
        if (!accept(ps, '='))
            return perr(ps, "expected '=' after %s", keys[k]);
        uint64_t v;
        if (!number(ps, &v))
            return false;
        if (k == 0) {
            ps->blk->guest_pc = v;
        } else if (v > UINT32_MAX) {
            return perr(ps, "%s too large", keys[k]);
        } else if (k == 1) {
            ps->blk->guest_len = (uint32_t)v;
        } else {
            ps->blk->guest_insns = (uint32_t)v;
        }
    }
    if (!seen[0])
        return perr(ps, "block header without pc=");
    return true;
}

static bool parse_insn(Parser *ps)
{
    char ex[20];
    uint64_t result = 0;
    bool named = false;
    const char *save = ps->p;

    if (value_name(ps, &result)) {
        if (accept(ps, '=')) {
            named = true;
        } else {
            ps->p = save;
        }
    }
    if (ps->failed)
        return false;

    const char *s;
    size_t len;
    if (!ident(ps, &s, &len))
        return perr(ps, "expected an instruction at '%s'", excerpt(ps, ex, sizeof ex));
    IrOp op = IR_OP_COUNT;
    for (unsigned i = 0; i < IR_OP_COUNT; i++)
        if (ident_is(s, len, ir_op_info[i].name))
            op = (IrOp)i;
    if (op == IR_OP_COUNT)
        return perr(ps, "unknown op '%.*s'", (int)(len > 32 ? 32 : len), s);
    const IrOpInfo *info = &ir_op_info[op];

    IrType type = IR_VOID;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!ident(ps, &s, &len))
            return perr(ps, "expected a type after '.'");
        for (unsigned t = IR_I8; t < IR_TYPE_COUNT; t++)
            if (ident_is(s, len, ir_type_name((IrType)t)))
                type = (IrType)t;
        if (type == IR_VOID)
            return perr(ps, "unknown type '%.*s'", (int)(len > 32 ? 32 : len), s);
    }
    if (info->nout == 0 && type != IR_VOID)
        return perr(ps, "%s has no result type", info->name);
    if (named && type == IR_VOID)
        return perr(ps, "v%llu = %s needs a result type", (unsigned long long)result, info->name);
    if (!named && type != IR_VOID)
        return perr(ps, "the result of %s.%s needs a name", info->name, ir_type_name(type));
    if (named && name_find(&ps->names, result))
        return perr(ps, "v%llu defined twice", (unsigned long long)result);

    IrInsn in = { .op = (uint16_t)op, .type = (uint8_t)type };
    unsigned total = info->nin + info->nimm;
    for (unsigned k = 0; k < total; k++) {
        if (k == info->nin && (op == IR_LOAD || op == IR_STORE) && at_end(ps))
            break;              /* the flags word is optional (0) */
        if (k > 0 && !accept(ps, ','))
            return perr(ps, "%s takes %u operands; expected ',' at '%s'", info->name, total,
                        excerpt(ps, ex, sizeof ex));
        bool ok = k < info->nin ? parse_arg(ps, &in.arg[k])
                                : parse_imm(ps, op, k - info->nin, &in.imm[k - info->nin]);
        if (!ok)
            return false;
    }
    if (!at_end(ps))
        return perr(ps, "%s takes %u operands; unexpected '%s'", info->name, total,
                    excerpt(ps, ex, sizeof ex));

    IrRef r = ir_block_push(ps->blk, &in);
    if (named && !name_insert(&ps->names, result, r))
        return perr(ps, "out of memory");
    return true;
}

/* ---------------------------------------------------------------- entry point */

IrBlock *ir_parse_block(const char *text, char *err, size_t errlen)
{
    Parser ps = { .err = err, .errlen = errlen };
    bool header = false;
    const char *line = text ? text : "";

    if (err && errlen)
        err[0] = 0;
    for (ps.line = 1;; ps.line++) {
        const char *eol = strchr(line, '\n');
        const char *end = eol ? eol : line + strlen(line);
        const char *hash = memchr(line, '#', (size_t)(end - line));
        ps.p = line;
        ps.end = hash ? hash : end;

        if (!at_end(&ps)) {
            const char *s, *save = ps.p;
            size_t len;
            if (ident(&ps, &s, &len) && ident_is(s, len, "block")) {
                if (header) {
                    perr(&ps, "second block header");
                    break;
                }
                header = true;
                ps.blk = ir_block_new(0);
                if (!parse_header(&ps))
                    break;
            } else if (!header) {
                perr(&ps, "expected 'block pc=...' before instructions");
                break;
            } else {
                ps.p = save;
                if (!parse_insn(&ps))
                    break;
            }
        }
        if (!eol)
            break;
        line = eol + 1;
    }
    if (!ps.failed && !header)
        perr(&ps, "no block header");
    free(ps.names.slot);
    if (ps.failed) {
        ir_block_free(ps.blk);
        return NULL;
    }
    return ps.blk;
}
