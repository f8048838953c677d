/* fuzz_run.c — one case natively and through ferry, and the comparison of the two.
 *
 * Native: the sequence is copied to its fixed address followed by native_terminator's jump
 * back into the stub, the scratch memory is reset to the case's image, and native_run loads
 * the start state (RSP included) and runs it. A signal ends the run with the state of the
 * signal frame (the faulting instruction, or the one after a trap such as int3).
 *
 * ferry: blocks are translated with fe_translate_block from the same bytes at the same
 * addresses, and run from the same state and memory (guest base 0, so guest addresses are host
 * addresses) until the pc leaves the sequence: a branch ends a block, so a sequence may take
 * several. Three ways:
 *   raw   the translated IR as emitted, through the reference interpreter ir_interp_run;
 *   opt   after opt_run (fold, forwarding, DCE), through the interpreter;
 *   jit   after opt_run, compiled by backend_x86_64 into a dual-mapped code buffer (the
 *         runtime's arrangement) and entered through the backend's trampoline.
 * A trap exit is the guest signal (number, si_code, pc); a host signal while ferry runs is a
 * ferry bug (reported as an error, never as a guest fault), as is a block that never leaves.
 *
 * Comparison (fz_compare): fault or not, and which (signal, si_code, pc); RIP; every GPR; the
 * arithmetic flags that are defined at that point (fuzz_ops.c) and DF; the XMM registers;
 * MXCSR, sticky exception flags included; the x87 control word, status word (TOP included, C0-C3 where defined), abridged
 * tag word and the registers in use (native values from the FXSAVE image the stub or the
 * signal frame holds); every byte of the scratch memory. A native page fault (an address the
 * generator let out of the scratch area) or a native run that never ends is reported as a
 * harness error, not as a mismatch.
 */
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"        /* first: Capstone before x86_decode.h (decode_cmp.h) */
#include "ir/backend.h"
#include "ir/ir.h"
#include "frontend-x86/frontend.h"

const char *const fz_mode_name[FM_COUNT] = { "native", "raw interpreter",
                                             "optimised interpreter", "x86_64 backend" };

#define MAX_BLOCKS 4096
#define JIT_SIZE (16u << 20)

static struct {
    uint8_t *code, *data;
    CodeBuf cb;
    uint8_t *blocks_start;
    BackendEnterFn enter;
    IrGuestInfo gi;
    IrBlock *blk;
} env;

bool fz_run_init(void)
{
    void *p = mmap((void *)FZ_REGION, FZ_MAP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)FZ_REGION) {
        fprintf(stderr, "fuzz: cannot map the guest region at %#llx\n",
                (unsigned long long)FZ_REGION);
        return false;
    }
    env.code = p;
    env.data = (uint8_t *)FZ_DATA;
    mprotect(env.data, FZ_DATA_SIZE, PROT_READ | PROT_WRITE);
    mprotect(env.data + FZ_DATA_SIZE, FZ_MAP_SIZE - FZ_DATA_SIZE - FZ_CODE_SIZE, PROT_NONE);

    int fd = memfd_create("ferry-fuzz-code", 0);
    if (fd < 0 || ftruncate(fd, JIT_SIZE) != 0) return false;
    uint8_t *w = mmap(NULL, JIT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uint8_t *x = mmap(NULL, JIT_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    close(fd);
    if (w == MAP_FAILED || x == MAP_FAILED) return false;
    env.cb = (CodeBuf){ .start = w, .p = w, .end = w + JIT_SIZE,
                        .exec_delta = (intptr_t)x - (intptr_t)w };
    env.gi = fe_guest_info(0);
    env.enter = (BackendEnterFn)backend_x86_64.emit_trampoline(&env.cb, &env.gi);
    if (!env.enter) return false;
    env.blocks_start = env.cb.p;
    env.blk = ir_block_new(0);
    fe_init();
    native_catch(true);
    return true;
}

/* ================================================================ native */

/* The GS base of sequences: natively set with wrgsbase (Linux enables FSGSBASE for user
 * space since 5.9, AT_HWCAP2 bit 1; glibc on x86-64 keeps TLS behind FS and leaves GS alone),
 * in ferry's state directly. Without FSGSBASE the GS base stays 0 and no gs: operand is
 * generated. */
bool fz_have_gsbase(void)
{
    static int have = -1;
    if (have < 0) have = (getauxval(AT_HWCAP2) & 2) != 0;
    return have;
}

static void set_gs_base(uint64_t v)
{
    if (fz_have_gsbase()) __asm__ volatile("wrgsbase %0" : : "r"(v) : "memory");
}

/* ferry's state from a TState; with fx, the x87 state from its FXSAVE image (start states
 * with load_fx, and every native result). */
static void from_tstate(X86State *st, const TState *t, bool fx)
{
    x86_state_init(st);
    st->gs_base = fz_have_gsbase() ? FZ_GS_BASE : 0;
    memcpy(st->gpr, t->gpr, sizeof st->gpr);
    x86_set_eflags(st, t->rflags);
    st->mxcsr = t->mxcsr;
    memcpy(st->xmm, t->xmm, sizeof st->xmm);
    st->mem_base = 0;
    if (!fx) return;
    uint16_t fcw, fsw;
    memcpy(&fcw, t->fx + 0, 2);
    memcpy(&fsw, t->fx + 2, 2);
    st->fpu_cw = fcw;
    st->fpu_top = (uint8_t)((fsw >> 11) & 7);
    st->fpu_sw = (uint16_t)(fsw & ~0x3800u);
    st->fpu_tag = t->fx[4];
    for (unsigned i = 0; i < 8; i++) {
        X86Fpr *r = &st->fpr[(st->fpu_top + i) & 7];
        memcpy(&r->sig, t->fx + 32 + 16 * i, 8);
        memcpy(&r->se, t->fx + 40 + 16 * i, 2);
    }
}

static void run_native(const FzCase *c, FzResult *r)
{
    const FzSeq *s = &c->seq;
    uint8_t *at = (uint8_t *)(uintptr_t)s->code;
    memcpy(at, s->bytes, s->len);
    native_terminator(at + s->len);
    memcpy(env.data, c->mem, FZ_DATA_SIZE);
    TState t __attribute__((aligned(16))) = c->start;
    alarm(30);      /* loops are bounded by construction; this is the safety net against a
                       generator bug (a loaded machine must not trip it) */
    set_gs_base(FZ_GS_BASE);
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        t = native_fault.state;
        r->fault = true;
        r->sig = native_fault.sig;
        r->code = native_fault.code;
        r->fault_rip = native_fault.rip;
        if (native_fault.sig == SIGALRM) {
            r->error = "native run did not finish";
            r->fault = false;
        } else if ((native_fault.sig == SIGSEGV || native_fault.sig == SIGBUS) &&
                   native_fault.code != SI_KERNEL) {
            /* a page fault: the generator let an address leave the scratch area */
            snprintf(r->error_buf, sizeof r->error_buf, "native page fault at %#llx, address "
                     "%#llx (generator bug)", (unsigned long long)native_fault.rip,
                     (unsigned long long)native_fault.addr);
            r->error = r->error_buf;
            r->fault = false;
        }
    } else {
        native_run(&t, at);
        native_armed = 0;
    }
    set_gs_base(0);
    alarm(0);
    from_tstate(&r->st, &t, true);
    r->rflags = t.rflags;
    r->st.rip = r->fault ? r->fault_rip : s->code + s->len;
    memcpy(r->mem, env.data, FZ_DATA_SIZE);
}

/* ================================================================ ferry */

typedef struct Fetch { uint64_t pc; const uint8_t *b; unsigned len; } Fetch;

static size_t fetch_code(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    const Fetch *f = opaque;
    if (pc < f->pc || pc >= f->pc + f->len) return 0;
    size_t off = (size_t)(pc - f->pc), k = f->len - off;
    if (k > n) k = n;
    memcpy(buf, f->b + off, k);
    return k;
}

static void run_ferry(FzMode m, const FzCase *c, FzResult *r)
{
    const FzSeq *s = &c->seq;
    memcpy(env.data, c->mem, FZ_DATA_SIZE);
    X86State *st = &r->st;
    from_tstate(st, &c->start, c->start.load_fx);
    st->rip = s->code;
    Fetch f = { s->code, s->bytes, s->len };
    FeOptions fo = { 0 };
    static volatile unsigned blocks;
    blocks = 0;
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        snprintf(r->error_buf, sizeof r->error_buf,
                 "host signal %d (si_code %d) at host pc %#llx, address %#llx, in block %u",
                 native_fault.sig, native_fault.code, (unsigned long long)native_fault.rip,
                 (unsigned long long)native_fault.addr, blocks);
        r->error = r->error_buf;
        goto out;
    }
    while (st->rip >= s->code && st->rip < s->code + s->len) {
        if (++blocks > MAX_BLOCKS) {
            r->error = "ferry never leaves the sequence";
            break;
        }
        FeResult res;
        fe_translate_block(env.blk, st->rip, fetch_code, &f, &fo, &res);
        if (m != FM_RAW) opt_run(env.blk);
        char err[160];
        if (!ir_verify(env.blk, err, sizeof err)) {
            snprintf(r->error_buf, sizeof r->error_buf, "invalid IR (%s): %s",
                     m == FM_RAW ? "raw" : "optimised", err);
            r->error = r->error_buf;
            break;
        }
        uint64_t ew;
        if (m == FM_JIT) {
            if (env.cb.end - env.cb.p < (1 << 20)) env.cb.p = env.blocks_start;
            BackendBlockInfo info;
            int rc = backend_x86_64.compile(env.blk, &env.cb, &env.gi, &info);
            if (rc != BE_OK) {
                snprintf(r->error_buf, sizeof r->error_buf, "backend compile error %d", rc);
                r->error = r->error_buf;
                break;
            }
            ew = env.enter(st, info.code) & IR_EXIT_WORD_MASK;
        } else {
            ew = ir_interp_run(env.blk, st, &env.gi) & IR_EXIT_WORD_MASK;
        }
        IrExitKind k = IR_EXIT_WORD_KIND(ew);
        if (k == IR_EXIT_TRAP) {
            r->fault = true;
            r->sig = IR_EXIT_WORD_SIG(ew);
            r->code = IR_EXIT_WORD_CODE(ew);
            r->fault_rip = st->rip;
            break;
        }
        if (k != IR_EXIT_JUMP && k != IR_EXIT_INDIRECT) {
            snprintf(r->error_buf, sizeof r->error_buf, "unexpected exit kind %d at %#llx",
                     (int)k, (unsigned long long)st->rip);
            r->error = r->error_buf;
            break;
        }
    }
out:
    native_armed = 0;
    r->blocks = blocks;
    r->rflags = x86_get_eflags(st);
    memcpy(r->mem, env.data, FZ_DATA_SIZE);
}

void fz_run(FzMode m, const FzCase *c, FzResult *r)
{
    memset(r, 0, offsetof(FzResult, mem));
    if (m == FM_NATIVE) run_native(c, r);
    else run_ferry(m, c, r);
}

/* ================================================================ comparison */

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
    "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

/* Flags that may be undefined where the native run stopped. */
static uint32_t undef_at(const FzCase *c, const FzResult *n)
{
    const FzSeq *s = &c->seq;
    if (!n->fault) return s->undef_end;
    uint32_t u = 0;
    bool found = false;
    uint64_t a = s->code;
    for (unsigned i = 0; i < s->n; i++) {
        /* faults report the instruction, traps (int3, int1, int n) the one after it */
        if (n->fault_rip == a || n->fault_rip == a + s->in[i].len) {
            u |= s->in[i].undef_in;
            found = true;
        }
        a += s->in[i].len;
    }
    return found ? u : s->undef_end;
}

static void add(FzDiff *d, unsigned *k, unsigned max, const char *field, uint64_t init,
                uint64_t want, uint64_t got)
{
    if (*k < max) {
        FzDiff *x = &d[*k];
        memset(x, 0, sizeof *x);
        snprintf(x->field, sizeof x->field, "%s", field);
        x->init = init;
        x->want = want;
        x->got = got;
    }
    (*k)++;
}

unsigned fz_compare(const FzCase *c, const FzResult *n, const FzResult *f, FzDiff *d,
                    unsigned max)
{
    unsigned k = 0;
    if (f->error) {
        add(d, &k, max, "ferry error", 0, 0, 0);
        return k;
    }
    if (n->fault != f->fault || (n->fault && (n->sig != f->sig || n->code != f->code)))
        add(d, &k, max, "signal", 0, n->fault ? (uint64_t)n->sig << 16 | (uint16_t)n->code : 0,
            f->fault ? (uint64_t)f->sig << 16 | (uint16_t)f->code : 0);
    if (n->st.rip != f->st.rip) add(d, &k, max, "rip", c->seq.code, n->st.rip, f->st.rip);
    for (int r = 0; r < 16; r++)
        if (n->st.gpr[r] != f->st.gpr[r])
            add(d, &k, max, gpr_names[r], c->start.gpr[r], n->st.gpr[r], f->st.gpr[r]);
    uint64_t mask = ((uint64_t)X86_ARITH_FLAGS & ~(uint64_t)undef_at(c, n)) | X86_DF;
    if ((n->rflags & mask) != (f->rflags & mask))
        add(d, &k, max, "rflags", c->start.rflags & mask, n->rflags & mask, f->rflags & mask);
    if (n->st.mxcsr != f->st.mxcsr)
        add(d, &k, max, "mxcsr", c->start.mxcsr, n->st.mxcsr, f->st.mxcsr);
    for (int r = 0; r < 16; r++) {
        if (!memcmp(&n->st.xmm[r], &f->st.xmm[r], 16)) continue;
        char name[16];
        snprintf(name, sizeof name, "xmm%d", r);
        unsigned at = k;
        add(d, &k, max, name, c->start.xmm[r].q[0], n->st.xmm[r].q[0], f->st.xmm[r].q[0]);
        if (at < max) {
            d[at].is_xmm = true;
            d[at].init_hi = c->start.xmm[r].q[1];
            d[at].want_hi = n->st.xmm[r].q[1];
            d[at].got_hi = f->st.xmm[r].q[1];
        }
    }
    /* x87: control word, status word with TOP (condition codes where defined), abridged tag
     * word, and the contents of the registers the native tag word says are in use. FOP, FIP
     * and FDP are not compared (ferry does not track them). */
    const X86State *a = &n->st, *b = &f->st;
    uint32_t u = undef_at(c, n);
    uint16_t cmask = (uint16_t)~((u & FZ_C0 ? 0x100 : 0) | (u & FZ_C1 ? 0x200 : 0) |
                                 (u & FZ_C2 ? 0x400 : 0) | (u & FZ_C3 ? 0x4000 : 0));
    uint16_t sw_a = (uint16_t)((a->fpu_sw | a->fpu_top << 11) & cmask);
    uint16_t sw_b = (uint16_t)((b->fpu_sw | b->fpu_top << 11) & cmask);
    uint16_t fcw0 = 0x37f, fsw0 = 0;
    uint8_t ftw0 = 0;
    if (c->start.load_fx) {
        memcpy(&fcw0, c->start.fx, 2);
        memcpy(&fsw0, c->start.fx + 2, 2);
        ftw0 = c->start.fx[4];
    }
    if (a->fpu_cw != b->fpu_cw) add(d, &k, max, "fcw", fcw0, a->fpu_cw, b->fpu_cw);
    if (sw_a != sw_b) add(d, &k, max, "fsw", fsw0, sw_a, sw_b);
    if (a->fpu_tag != b->fpu_tag) add(d, &k, max, "ftw", ftw0, a->fpu_tag, b->fpu_tag);
    for (unsigned p = 0; p < 8; p++) {
        if (!(a->fpu_tag & (1u << p))) continue;
        if (a->fpr[p].sig == b->fpr[p].sig && a->fpr[p].se == b->fpr[p].se) continue;
        char name[16];
        snprintf(name, sizeof name, "fpr%u", p);
        unsigned at = k;
        add(d, &k, max, name, 0, a->fpr[p].sig, b->fpr[p].sig);
        if (at < max) {
            d[at].is_xmm = true;
            d[at].want_hi = a->fpr[p].se;
            d[at].got_hi = b->fpr[p].se;
        }
    }
    for (unsigned off = 0; off < FZ_DATA_SIZE; off++) {
        if (n->mem[off] == f->mem[off]) continue;
        unsigned at = k;
        add(d, &k, max, "mem", off, n->mem[off], f->mem[off]);
        if (at < max) {
            d[at].is_mem = true;
            d[at].init = off;
        }
    }
    return k;
}
