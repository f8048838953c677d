/* ir_keep.c — KEEP and FKEEP for backends and the fault handler: where each one's range
 * ends and whether the state holds its value anyway (ir_keep_ranges), and how a fault point's
 * keeps are written into the state from a signal context (ir_keep_apply).
 *
 * Contract (ir.h "Precise faults", ir/backend.h): ir_keep_ranges is one forward scan over the
 * block with the list of KEEPs whose range is still open, then for each KEEP a look at the
 * instructions of its range for a state field that holds its value; it allocates that list
 * (aborting on failure, like the rest of ir/). ir_keep_apply runs in a signal handler: no
 * allocation, no locks, only reads of the context, the interrupted code's stack and the state.
 */
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "ir/backend.h"
#include "ir/ir_internal.h"

static void keep_bytes(const IrBlock *blk, IrRef k, uint64_t *off, uint64_t *size)
{
    const IrInsn *in = &blk->insn[k];
    *off = (uint64_t)in->imm[0];
    *size = ir_type_size((IrType)blk->insn[in->arg[0]].type);
}

/* ---------------------------------------------------------------- values the state holds */

/* Whether the 8 bytes at g keep what they hold after instruction s up to `last`: no PUT or
 * CALL in (s, last] writes them, and no other KEEP or FKEEP of them is pending anywhere in
 * [s, last] (a fault point must not write the field another keep reads). */
static bool state_holds(const IrBlock *blk, const IrKeepRange *out, const IrRef *keeps,
                        unsigned nk, IrRef self, IrRef s, IrRef last, uint64_t g)
{
    for (IrRef i = s + 1; i <= last; i++) {
        const IrInsn *in = &blk->insn[i];
        uint64_t o, z;
        if (in->op == IR_CALL)
            return false;
        if (in->op == IR_PUT) {
            keep_bytes(blk, i, &o, &z);
            if (o < g + 8 && g < o + z)
                return false;
        }
    }
    for (unsigned j = 0; j < nk; j++) {
        IrRef k = keeps[j];
        uint64_t o, z;
        keep_bytes(blk, k, &o, &z);
        if (k != self && o < g + 8 && g < o + z && k <= last && out[k].end > s)
            return false;
    }
    return true;
}

/* Where the state holds I64 value v just before instruction r: the field v was read from
 * (v a GET), or the one the last PUT of v before r wrote. *s is the GET or PUT. */
static bool state_source(const IrBlock *blk, IrRef v, IrRef r, uint64_t *g, IrRef *s)
{
    const IrInsn *d = &blk->insn[v];
    if (d->type != IR_I64)
        return false;
    if (d->op == IR_GET) {
        *g = (uint64_t)d->imm[0];
        *s = v;
        return true;
    }
    for (IrRef i = r; i-- > v;)
        if (blk->insn[i].op == IR_PUT && blk->insn[i].arg[0] == v) {
            *g = (uint64_t)blk->insn[i].imm[0];
            *s = i;
            return true;
        }
    return false;
}

/* The constant k of ADD.i64(x, k) (the folder puts constants second), if v is one. */
static bool add_const(const IrBlock *blk, IrRef v, IrRef *x, int64_t *k)
{
    const IrInsn *d = &blk->insn[v];
    if (d->op != IR_ADD || d->type != IR_I64 || blk->insn[d->arg[1]].op != IR_CONST ||
        blk->insn[d->arg[0]].op == IR_CONST)
        return false;
    *x = d->arg[0];
    *k = blk->insn[d->arg[1]].imm[0];
    return true;
}

/* Fill out[r].in_state/src/addend for KEEP or FKEEP r if the state holds its value (I64) all
 * through its range, as a field, a field minus k (v + k is in it: the old value of a register
 * an add wrote, as the old fix-ups had it) or a field plus k (v = x + k, x in it). */
static void find_in_state(const IrBlock *blk, IrKeepRange *out, const IrRef *keeps,
                          unsigned nk, IrRef r)
{
    IrRef v = blk->insn[r].arg[0], x, s;
    uint64_t g;
    int64_t k;
    IrRef last = out[r].last_obs;
    IrRef cand[3];
    int64_t addend[3];
    unsigned nc = 0;
    cand[nc] = v, addend[nc++] = 0;
    if (add_const(blk, v, &x, &k))
        cand[nc] = x, addend[nc++] = k;
    for (IrRef y = v + 1; y < r && nc < 3; y++)     /* y = v + k, in the state */
        if (add_const(blk, y, &x, &k) && x == v)
            cand[nc] = y, addend[nc++] = (int64_t)(0 - (uint64_t)k);
    for (unsigned i = 0; i < nc; i++) {
        if (!state_source(blk, cand[i], r, &g, &s) || g > UINT16_MAX ||
            !state_holds(blk, out, keeps, nk, r, s, last, g))
            continue;
        out[r].in_state = true;
        out[r].src = (uint32_t)g;
        out[r].addend = addend[i];
        return;
    }
}

/* ---------------------------------------------------------------- ranges */

/* An open KEEP or FKEEP with its bytes, so the scan need not look them up again at every
 * instruction of its range (that lookup was most of the pass's time). */
typedef struct OpenKeep {
    IrRef r;
    bool fkeep;
    uint64_t off, size;
} OpenKeep;

void ir_keep_ranges(const IrBlock *blk, IrKeepRange *out)
{
    OpenKeep *open = malloc((blk->n ? blk->n : 1) * sizeof *open);
    if (!open) {
        fputs("ferry: out of memory in ir/\n", stderr);
        abort();
    }
    unsigned n = 0, n_keeps = 0;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        IrOp op = (IrOp)in->op;
        bool fault = op == IR_LOAD || op == IR_STORE;
        bool all = op == IR_CALL || op == IR_EXIT;  /* observe the whole state */
        bool writes = op == IR_PUT || op == IR_KEEP;
        uint64_t off = 0, size = 0;
        if (writes || op == IR_FKEEP)
            keep_bytes(blk, r, &off, &size);
        else if (op == IR_GET)
            off = (uint64_t)in->imm[0], size = ir_type_size((IrType)in->type);
        /* Only these end a range or move its last observation: the rest pass every open
         * keep unchanged but for `store`, which only its last instruction's value matters
         * for (set below at the end of the range). */
        bool touches = fault || all || size || op == IR_EXIT_IF;
        for (unsigned i = 0; touches && i < n;) {
            const OpenKeep *o = &open[i];
            IrKeepRange *k = &out[o->r];
            uint64_t ko = o->off, ks = o->size;
            bool overlap = size && off < ko + ks && ko < off + size;
            bool ends;
            if (o->fkeep) {
                /* faults only: the state is never written, so GETs and exits pass; any
                 * write of its bytes ends it (the fault then sees that write) */
                if (fault)
                    k->last_obs = r;
                ends = all || (overlap && op != IR_GET);
                k->store = false;
            } else {
                if (fault || op == IR_EXIT_IF)
                    k->last_obs = r;
                ends = all || (overlap && op != IR_FKEEP);
                k->store = !(writes && off <= ko && off + size >= ko + ks);
                if (ends && k->store)
                    k->last_obs = r;
            }
            if (!ends) {
                i++;
                continue;
            }
            k->end = r;
            open[i] = open[--n];
        }
        if (op == IR_KEEP || op == IR_FKEEP) {
            out[r] = (IrKeepRange){ blk->n, 0, false, false, 0, 0 };
            open[n++] = (OpenKeep){ r, op == IR_FKEEP, off, size };
            n_keeps++;
        }
    }
    /* A KEEP whose value the state holds anyway, in a field nothing writes before the
     * range's last use (typically an FKEEP of a flag operand that is a guest register):
     * the backend need not keep the value. The list of every KEEP and FKEEP reuses open. */
    IrRef *keeps = (IrRef *)open;
    n = 0;
    for (IrRef r = 1; r < blk->n && n < n_keeps; r++)
        if (blk->insn[r].op == IR_KEEP || blk->insn[r].op == IR_FKEEP)
            keeps[n++] = r;
    for (unsigned i = 0; i < n; i++)
        if (out[keeps[i]].last_obs)
            find_in_state(blk, out, keeps, n, keeps[i]);
    free(open);     /* a verified block ends with EXIT, which closed every range */
}

/* ---------------------------------------------------------------- fault handler */

#if defined(__x86_64__)
/* gregs[] index of each GPR in encoding order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..). */
static const int x64_greg[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};
#endif

const uint8_t *ir_host_ctx_record(const void *ucontext, uint32_t magic, uint32_t min_size)
{
#if defined(__aarch64__)
    /* The records follow each other from __reserved: a 32-bit magic and a 32-bit size (of
     * the whole record), ending at a zero magic. A size that is too small or runs past the
     * area ends the walk too (a frame ferry cannot trust). */
    const ucontext_t *uc = ucontext;
    const uint8_t *rec = (const uint8_t *)uc->uc_mcontext.__reserved;
    const uint8_t *end = rec + sizeof uc->uc_mcontext.__reserved;
    while (rec + 8 <= end) {
        uint32_t m, size;
        memcpy(&m, rec, 4);
        memcpy(&size, rec + 4, 4);
        if (m == 0 || size < 8 || size > (size_t)(end - rec))
            return NULL;
        if (m == magic)
            return size >= min_size ? rec : NULL;
        rec += size;
    }
    return NULL;
#else
    (void)ucontext;
    (void)magic;
    (void)min_size;
    return NULL;
#endif
}

#if defined(__aarch64__)
/* The FPSIMD record's vregs (after its header, fpsr and fpcr), or NULL. */
static const uint8_t *a64_vregs(const ucontext_t *uc)
{
    const uint8_t *rec = ir_host_ctx_record(uc, 0x46508001u, 16 + 32 * 16);   /* FPSIMD_MAGIC */
    return rec ? rec + 16 : NULL;
}
#endif

void ir_keep_apply(const BackendKeep *keeps, uint32_t n, const void *ucontext, void *state)
{
    const ucontext_t *uc = ucontext;
    uint8_t *st = state;
    (void)uc;               /* unused on a host without a backend */
    for (uint32_t i = 0; i < n; i++) {
        const BackendKeep *k = &keeps[i];
        uint8_t buf[32] = { 0 };
        unsigned size = k->size <= sizeof buf ? k->size : sizeof buf;
        const void *src = buf;
        const uint8_t *sp = NULL;
#if defined(__x86_64__)
        sp = (const uint8_t *)(uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
        sp = (const uint8_t *)(uintptr_t)uc->uc_mcontext.sp;
#endif
        switch (k->kind) {
        case BACKEND_LOC_CONST:
            memcpy(buf, &k->value, 8);
            break;
#if defined(__x86_64__)
        case BACKEND_LOC_GPR:
            if (k->reg >= 16 || size > 8)
                continue;
            src = &uc->uc_mcontext.gregs[x64_greg[k->reg]];
            break;
        case BACKEND_LOC_VEC:
            if (k->reg >= 16 || size > 16 || !uc->uc_mcontext.fpregs)
                continue;
            src = &uc->uc_mcontext.fpregs->_xmm[k->reg];
            break;
#elif defined(__aarch64__)
        case BACKEND_LOC_GPR:
            if (k->reg >= 31 || size > 8)
                continue;
            src = &uc->uc_mcontext.regs[k->reg];
            break;
        case BACKEND_LOC_VEC: {
            const uint8_t *v = a64_vregs(uc);
            if (!v || k->reg >= 32 || size > 16)
                continue;
            src = v + 16 * k->reg;
            break;
        }
#endif
        case BACKEND_LOC_STACK:
            if (!sp)
                continue;   /* a host without a backend has no fault map */
            src = sp + k->reg;
            break;
        case BACKEND_LOC_STATE:     /* through buf: the field may be the keep's own */
            if (size > 8)
                continue;
            memcpy(buf, st + k->reg, 8);
            break;
        default:
            continue;
        }
        if (k->kind != BACKEND_LOC_CONST && k->value != 0 && size <= 8) {
            uint64_t x;     /* an integer plus an addend */
            memcpy(&x, src, 8);
            x += (uint64_t)k->value;
            memcpy(buf, &x, 8);
            src = buf;
        }
        memcpy(st + k->off, src, size);
    }
}
