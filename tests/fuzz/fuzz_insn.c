/* fuzz_insn.c — differential fuzzing of ferry against the host CPU.
 *
 * Random valid x86-64 sequences of 1..8 instructions (fuzz_gen.c, from the decoder's tables and
 * the fuzzer's own table of meanings, fuzz_ops.c) run natively and through ferry three ways
 * (fuzz_run.c): fe_translate_block + ir_interp_run, the same after opt_run, and the x86_64
 * backend. GPRs, RIP, the defined flags, XMM, MXCSR, the scratch memory and faults (signal,
 * si_code, pc) must match. A mismatch prints a reproducer: the bytes and their disassembly,
 * the start state, both final states (only what differs), a minimised version (instructions
 * removed while it still fails), and the command that replays it.
 *
 *   fuzz_insn [--seed N] [--count N] [--max-len N] [--only CLASS,...] [--exclude ROW,...]
 *             [--modes raw,opt,jit] [--show N] [--no-minimise] [--quiet] [--coverage]
 *   fuzz_insn --replay SEED:INDEX [--bytes "HEX"] [--only ...] [--max-len N]
 *   fuzz_insn --decode N [--seed N]         x86_decode vs Capstone on N random strings
 *   fuzz_insn --suite                        the short fixed-seed run of `make test` (TAP)
 *   fuzz_insn --list                         the classes and the table rows in each
 * A case is a function of (seed, index, classes, max-len): the replay line says all four.
 * Exit status: 0 if nothing differed, 1 on any mismatch, 2 on a usage or set-up error.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/fuzz/fuzz.h"

uint64_t fz_decode_campaign(uint64_t seed, uint64_t n, unsigned show, FILE *f, bool quiet);

typedef struct Opts {
    uint64_t seed, count;
    FzGenOpts gen;
    unsigned modes;         /* bit per FzMode (ferry modes) */
    unsigned show;          /* mismatches reported in full */
    bool minimise, quiet, coverage;
    const char *prog;
    const char *exclude;    /* --exclude as given (for replay lines) */
} Opts;

typedef struct Stats {
    uint64_t cases, skipped, insns, mismatches, errors;
    uint64_t by_mode[FM_COUNT];
    uint64_t sigs[32];
    uint64_t class_cases[FC_COUNT];
    uint64_t row_hits[FZ_MAX_OPS];     /* instructions generated per fz_ops row */
    unsigned keys;
    char key[256][96];
    uint64_t key_count[256];
} Stats;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ================================================================ reports */

static void classes_text(uint32_t classes, char *out, size_t n)
{
    out[0] = 0;
    if (classes == (1u << FC_COUNT) - 1) {
        snprintf(out, n, "all");
        return;
    }
    size_t k = 0;
    for (unsigned i = 0; i < FC_COUNT; i++)
        if (classes & (1u << i))
            k += (size_t)snprintf(out + k, n - k, "%s%s", k ? "," : "", fz_class_name[i]);
}

static const char *sig_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGTRAP: return "SIGTRAP";
    case SIGBUS: return "SIGBUS";
    case SIGALRM: return "SIGALRM";
    default: return "signal";
    }
}

static void flags_text(uint64_t f, char *out)
{
    static const struct { uint32_t bit; const char *n; } fl[] = {
        { X86_CF, "CF" }, { X86_PF, "PF" }, { X86_AF, "AF" }, { X86_ZF, "ZF" },
        { X86_SF, "SF" }, { X86_OF, "OF" }, { X86_DF, "DF" } };
    out[0] = 0;
    for (unsigned i = 0; i < 7; i++)
        if (f & fl[i].bit) {
            strcat(out, fl[i].n);
            strcat(out, " ");
        }
    if (!out[0]) strcpy(out, "-");
}

static void print_code(FILE *f, const FzSeq *s)
{
    uint64_t a = s->code;
    for (unsigned i = 0; i < s->n; i++) {
        char hex[64];
        format_hex(s->in[i].b, s->in[i].len, hex);
        fprintf(f, "    %#llx  %-30s %s\n", (unsigned long long)a, hex, s->in[i].text);
        a += s->in[i].len;
    }
}

static void print_end(FILE *f, const char *who, const FzResult *r)
{
    if (r->error) fprintf(f, "  %-7s error: %s\n", who, r->error);
    else if (r->fault)
        fprintf(f, "  %-7s %s (%d) si_code %d at %#llx\n", who, sig_name(r->sig), r->sig,
                r->code, (unsigned long long)r->fault_rip);
    else fprintf(f, "  %-7s runs to %#llx\n", who, (unsigned long long)r->st.rip);
}

static void print_diffs(FILE *f, const FzCase *c, const FzDiff *d, unsigned n, unsigned shown)
{
    fprintf(f, "  differences (start -> native | ferry):\n");
    for (unsigned i = 0; i < shown; i++) {
        const FzDiff *x = &d[i];
        if (x->is_mem) {
            uint64_t off = x->init;
            fprintf(f, "    mem %#llx (+%#llx): %02x -> %02x | %02x\n",
                    (unsigned long long)(FZ_DATA + off), (unsigned long long)off, c->mem[off],
                    (unsigned)x->want, (unsigned)x->got);
        } else if (x->is_xmm && !strncmp(x->field, "fpr", 3)) {
            fprintf(f, "    %-6s -> %04llx %016llx | %04llx %016llx\n", x->field,
                    (unsigned long long)x->want_hi, (unsigned long long)x->want,
                    (unsigned long long)x->got_hi, (unsigned long long)x->got);
        } else if (x->is_xmm) {
            fprintf(f, "    %-6s %016llx%016llx\n        -> %016llx%016llx\n"
                       "         | %016llx%016llx\n", x->field,
                    (unsigned long long)x->init_hi, (unsigned long long)x->init,
                    (unsigned long long)x->want_hi, (unsigned long long)x->want,
                    (unsigned long long)x->got_hi, (unsigned long long)x->got);
        } else if (!strcmp(x->field, "rflags")) {
            char a[40], b[40], cc[40];
            flags_text(x->init, a);
            flags_text(x->want, b);
            flags_text(x->got, cc);
            fprintf(f, "    rflags (defined bits) %s-> %s| %s\n", a, b, cc);
        } else if (!strcmp(x->field, "signal")) {
            fprintf(f, "    signal: native %d/%d, ferry %d/%d (number/si_code)\n",
                    (int)(x->want >> 16), (int)(int16_t)x->want, (int)(x->got >> 16),
                    (int)(int16_t)x->got);
        } else if (!strcmp(x->field, "ferry error")) {
            fprintf(f, "    ferry did not run it (see above)\n");
        } else {
            fprintf(f, "    %-6s %#018llx -> %#018llx | %#018llx\n", x->field,
                    (unsigned long long)x->init, (unsigned long long)x->want,
                    (unsigned long long)x->got);
        }
    }
    if (n > shown) fprintf(f, "    ... and %u more\n", n - shown);
}

static const char *const gpr_name[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
    "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static void print_start(FILE *f, const FzCase *c, bool xmm)
{
    const TState *t = &c->start;
    fprintf(f, "  roles: base %s = %#llx, index %s = %llu, rsp = %#llx%s\n", gpr_name[c->seq.base],
            (unsigned long long)t->gpr[c->seq.base], gpr_name[c->seq.index],
            (unsigned long long)t->gpr[c->seq.index], (unsigned long long)t->gpr[X86_RSP],
            c->seq.str_role ? ", rsi/rdi string pointers" : "");
    fprintf(f, "  start state:\n");
    for (int r = 0; r < 16; r += 4)
        fprintf(f, "    %-3s %016llx  %-3s %016llx  %-3s %016llx  %-3s %016llx\n",
                gpr_name[r], (unsigned long long)t->gpr[r], gpr_name[r + 1],
                (unsigned long long)t->gpr[r + 1], gpr_name[r + 2],
                (unsigned long long)t->gpr[r + 2], gpr_name[r + 3],
                (unsigned long long)t->gpr[r + 3]);
    char fl[40];
    flags_text(t->rflags, fl);
    fprintf(f, "    rflags %#llx (%s) mxcsr %#x\n", (unsigned long long)t->rflags, fl, t->mxcsr);
    if (xmm)
        for (int r = 0; r < 16; r += 2)
            fprintf(f, "    xmm%-2d %016llx%016llx  xmm%-2d %016llx%016llx\n", r,
                    (unsigned long long)t->xmm[r].q[1], (unsigned long long)t->xmm[r].q[0],
                    r + 1, (unsigned long long)t->xmm[r + 1].q[1],
                    (unsigned long long)t->xmm[r + 1].q[0]);
    if (t->load_fx) {
        uint16_t fcw, fsw;
        memcpy(&fcw, t->fx, 2);
        memcpy(&fsw, t->fx + 2, 2);
        fprintf(f, "    x87: fcw %#06x fsw %#06x (top %u) ftw %#04x (abridged, by physical "
                   "register)\n", fcw, fsw, (fsw >> 11) & 7, t->fx[4]);
        for (int i = 0; i < 8; i++) {
            uint64_t sig;
            uint16_t se;
            memcpy(&sig, t->fx + 32 + 16 * i, 8);
            memcpy(&se, t->fx + 40 + 16 * i, 2);
            fprintf(f, "      st%d (R%u%s) %04x %016llx\n", i, ((fsw >> 11) + i) & 7,
                    t->fx[4] & (1u << (((fsw >> 11) + i) & 7)) ? "" : ", empty", se,
                    (unsigned long long)sig);
        }
    }
    fprintf(f, "    scratch memory %#llx..%#llx: generated from the seed (shown where it "
               "differs)\n", (unsigned long long)FZ_DATA,
            (unsigned long long)(FZ_DATA + FZ_DATA_SIZE - 1));
}

static void replay_cmd(FILE *f, const Opts *o, const FzCase *c, const char *bytes)
{
    char cls[160];
    classes_text(o->gen.classes, cls, sizeof cls);
    fprintf(f, "  replay: %s --only %s --max-len %u", o->prog, cls, o->gen.max_len);
    if (o->exclude && *o->exclude) fprintf(f, " --exclude '%s'", o->exclude);
    fprintf(f, " --replay %llu:%llu", (unsigned long long)c->seed, (unsigned long long)c->index);
    if (bytes) fprintf(f, " --bytes \"%s\"", bytes);
    fprintf(f, "\n");
}

/* ================================================================ running one case */

/* Runs the ferry modes in `modes` against r[FM_NATIVE] (already run); returns the first
 * failing mode or FM_COUNT. */
static FzMode check_modes(const FzCase *c, unsigned modes, FzResult *r, FzDiff *d,
                          unsigned *nd)
{
    for (int m = FM_RAW; m < FM_COUNT; m++) {
        if (!(modes & (1u << m))) continue;
        fz_run((FzMode)m, c, &r[m]);
        *nd = fz_compare(c, &r[FM_NATIVE], &r[m], d, 64);
        if (*nd) return (FzMode)m;
    }
    return FM_COUNT;
}

/* Remove instructions while mode m still differs. */
static void minimise(FzCase *c, FzMode m, FzResult *r)
{
    static FzCase t;
    FzDiff d[4];
    for (bool progress = true; progress && c->seq.n > 1;) {
        progress = false;
        for (unsigned k = 0; k < c->seq.n && c->seq.n > 1; k++) {
            t = *c;
            FzSeq *s = &t.seq;
            memmove(&s->in[k], &s->in[k + 1], (s->n - k - 1) * sizeof s->in[0]);
            s->n--;
            for (unsigned i = 0; i < s->n; i++)
                if (s->in[i].target > (int)k) s->in[i].target--;
            char err[160];
            if (!fz_relayout(&t, err, sizeof err)) continue;
            fz_run(FM_NATIVE, &t, &r[FM_NATIVE]);
            if (r[FM_NATIVE].error) continue;
            fz_run(m, &t, &r[m]);
            if (fz_compare(&t, &r[FM_NATIVE], &r[m], d, 4)) {
                *c = t;
                progress = true;
                break;
            }
        }
    }
}

/* Print the reproducer of case c (already minimised from `orig_n` instructions if smaller). */
static void report(FILE *f, const Opts *o, const FzCase *c, unsigned orig_n, FzMode m)
{
    static FzResult r[FM_COUNT];
    static FzDiff d[64];
    fprintf(f, "== mismatch: seed %llu index %llu, %s\n", (unsigned long long)c->seed,
            (unsigned long long)c->index, fz_mode_name[m]);
    replay_cmd(f, o, c, NULL);
    fz_run(FM_NATIVE, c, &r[FM_NATIVE]);
    fz_run(m, c, &r[m]);
    unsigned nd = fz_compare(c, &r[FM_NATIVE], &r[m], d, 64);
    char hex[FZ_MAX_INSNS * 16 * 3 + 1];
    format_hex(c->seq.bytes, c->seq.len, hex);
    if (c->seq.n < orig_n) {
        fprintf(f, "  minimised to %u of %u instructions:\n", c->seq.n, orig_n);
        replay_cmd(f, o, c, hex);
    }
    fprintf(f, "  code (%u bytes): %s\n", c->seq.len, hex);
    print_code(f, &c->seq);
    bool xmm = false;
    for (unsigned i = 0; i < nd && i < 64; i++) xmm |= d[i].is_xmm;
    print_start(f, c, xmm);
    print_end(f, "native", &r[FM_NATIVE]);
    print_end(f, "ferry", &r[m]);
    char u[40];
    flags_text(r[FM_NATIVE].fault ? 0 : c->seq.undef_end, u);
    fprintf(f, "  undefined flags masked at the end: %s\n", u);
    print_diffs(f, c, d, nd, nd < 64 ? nd : 64);
}

/* The dedup key of a (minimised) mismatch: the mode and the table rows of its instructions. */
static void key_of(const FzCase *c, FzMode m, char *k, size_t n)
{
    size_t p = (size_t)snprintf(k, n, "%s:", m == FM_RAW ? "raw" : m == FM_OPT ? "opt" : "jit");
    for (unsigned i = 0; i < c->seq.n && p < n; i++)
        p += (size_t)snprintf(k + p, n - p, " %s", c->seq.in[i].op->name);
}

static bool key_seen(Stats *st, const char *k)
{
    for (unsigned i = 0; i < st->keys; i++)
        if (!strcmp(st->key[i], k)) {
            st->key_count[i]++;
            return true;
        }
    if (st->keys < 256) {
        snprintf(st->key[st->keys], sizeof st->key[0], "%s", k);
        st->key_count[st->keys++] = 1;
    }
    return false;
}

/* One campaign of o->count cases. Reports go to f. Returns the number of mismatches. */
static uint64_t campaign(const Opts *o, Stats *st, FILE *f)
{
    static FzCase c;
    static FzResult r[FM_COUNT];
    static FzDiff d[64];
    unsigned shown = 0;
    for (uint64_t i = 0; i < o->count; i++) {
        if (!fz_generate(&o->gen, o->seed, i, &c)) {
            st->skipped++;
            continue;
        }
        st->cases++;
        st->insns += c.seq.n;
        for (unsigned k = 0; k < c.seq.n; k++) st->row_hits[c.seq.in[k].op - fz_ops]++;
        for (unsigned k = 0; k < FC_COUNT; k++)
            if (c.seq.classes & (1u << k)) st->class_cases[k]++;
        fz_run(FM_NATIVE, &c, &r[FM_NATIVE]);
        if (r[FM_NATIVE].error) {
            st->errors++;
            if (!o->quiet)
                fprintf(f, "fuzz: seed %llu index %llu: %s (skipped)\n",
                        (unsigned long long)o->seed, (unsigned long long)i,
                        r[FM_NATIVE].error);
            continue;
        }
        if (r[FM_NATIVE].fault) st->sigs[r[FM_NATIVE].sig & 31]++;
        unsigned nd = 0;
        FzMode m = check_modes(&c, o->modes, r, d, &nd);
        if (m == FM_COUNT) continue;
        st->mismatches++;
        st->by_mode[m]++;
        unsigned n0 = c.seq.n;
        if (o->minimise) minimise(&c, m, r);
        char k[96];
        key_of(&c, m, k, sizeof k);
        bool seen = key_seen(st, k);
        if (!seen && shown < o->show) {
            shown++;
            report(f, o, &c, n0, m);
        } else if (!o->quiet && !seen) {
            fprintf(f, "fuzz: mismatch seed %llu index %llu (%s)\n",
                    (unsigned long long)o->seed, (unsigned long long)i, k);
        }
    }
    return st->mismatches;
}

static void summary(FILE *f, const Opts *o, const Stats *st, double secs)
{
    char cls[160];
    classes_text(o->gen.classes, cls, sizeof cls);
    fprintf(f, "fuzz: seed %llu, classes %s: %llu sequences (%llu instructions, %llu not "
               "generated), native signals:", (unsigned long long)o->seed, cls,
            (unsigned long long)st->cases, (unsigned long long)st->insns,
            (unsigned long long)st->skipped);
    for (int s = 0; s < 32; s++)
        if (st->sigs[s]) fprintf(f, " %s %llu", sig_name(s), (unsigned long long)st->sigs[s]);
    fprintf(f, "; %.1f s\n", secs);
    /* distinct mismatches, most frequent first */
    bool done[256] = { false };
    for (unsigned n = 0; n < st->keys; n++) {
        unsigned best = 0;
        for (unsigned i = 1; i < st->keys; i++)
            if (!done[i] && (done[best] || st->key_count[i] > st->key_count[best])) best = i;
        done[best] = true;
        fprintf(f, "  %6llu x  %s\n", (unsigned long long)st->key_count[best], st->key[best]);
    }
    if (o->coverage) {
        unsigned hit = 0, want = 0;
        for (unsigned i = 0; i < fz_n_ops; i++) {
            if (!(o->gen.classes & (1u << fz_ops[i].cls)) || o->gen.excluded[i]) continue;
            want++;
            if (st->row_hits[i]) hit++;
            else fprintf(f, "  never generated: %s (class %s, opcode %s%02x)\n", fz_ops[i].name,
                         fz_class_name[fz_ops[i].cls], fz_ops[i].map ? "0f " : "", fz_ops[i].op);
        }
        fprintf(f, "fuzz: %u of %u table rows generated\n", hit, want);
    }
    fprintf(f, "fuzz: %llu mismatches (raw %llu, opt %llu, jit %llu), %llu native errors\n",
            (unsigned long long)st->mismatches, (unsigned long long)st->by_mode[FM_RAW],
            (unsigned long long)st->by_mode[FM_OPT], (unsigned long long)st->by_mode[FM_JIT],
            (unsigned long long)st->errors);
}

/* ================================================================ options */

static bool parse_classes(const char *s, uint32_t *out)
{
    *out = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "all")) {
            *out |= (1u << FC_COUNT) - 1;
            continue;
        }
        bool found = false;
        for (unsigned i = 0; i < FC_COUNT; i++)
            if (!strcmp(tok, fz_class_name[i])) {
                *out |= 1u << i;
                found = true;
            }
        if (!found) return false;
    }
    return *out != 0;
}

/* --exclude NAME,...: table rows by name (fuzz_insn --list shows them). */
static bool parse_exclude(const char *s, FzGenOpts *g)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    memset(g->excluded, 0, sizeof g->excluded);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        bool found = false;
        for (unsigned i = 0; i < fz_n_ops; i++)
            if (!strcmp(tok, fz_ops[i].name)) {
                g->excluded[i] = 1;
                found = true;
            }
        if (!found) return false;
    }
    return true;
}

static bool parse_hex_bytes(const char *s, uint8_t *b, unsigned *n, unsigned max)
{
    *n = 0;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        if (end == s || v > 0xff || *n >= max) return false;
        b[(*n)++] = (uint8_t)v;
        s = end;
    }
    return *n > 0;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--seed N] [--count N] [--max-len 1..%d] [--only CLASS,...]\n"
            "          [--exclude ROW,...] [--modes raw,opt,jit] [--show N] [--no-minimise]\n"
            "          [--quiet] [--coverage]\n"
            "       %s --replay SEED:INDEX [--bytes \"48 01 c8 ...\"] [--only ...]\n"
            "       %s --decode N [--seed N]\n"
            "       %s --suite | --list\n"
            "classes:", prog, FZ_MAX_LEN, prog, prog, prog);
    for (unsigned i = 0; i < FC_COUNT; i++) fprintf(stderr, " %s", fz_class_name[i]);
    fprintf(stderr, " (default: all)\n");
}

static void list_rows(void)
{
    for (unsigned k = 0; k < FC_COUNT; k++) {
        printf("%s:", fz_class_name[k]);
        for (unsigned i = 0; i < fz_n_ops; i++) {
            bool dup = false;
            for (unsigned j = 0; j < i && !dup; j++)
                dup = fz_ops[j].cls == k && !strcmp(fz_ops[j].name, fz_ops[i].name);
            if (fz_ops[i].cls == k && !dup) printf(" [%s]", fz_ops[i].name);
        }
        printf("\n");
    }
}

/* ================================================================ replay */

static int replay(const Opts *o, uint64_t seed, uint64_t index, const char *bytes)
{
    static FzCase c;
    static FzResult r[FM_COUNT];
    static FzDiff d[64];
    if (!fz_generate(&o->gen, seed, index, &c)) {
        fprintf(stderr, "fuzz: case %llu:%llu does not generate with these options\n",
                (unsigned long long)seed, (unsigned long long)index);
        return 2;
    }
    if (bytes) {
        uint8_t b[FZ_MAX_INSNS * 15];
        unsigned n;
        char err[160] = "not hexadecimal bytes";
        if (!parse_hex_bytes(bytes, b, &n, sizeof b) || !fz_set_bytes(&c, b, n, err, sizeof err)) {
            fprintf(stderr, "fuzz: --bytes: %s\n", err);
            return 2;
        }
    }
    fz_run(FM_NATIVE, &c, &r[FM_NATIVE]);
    unsigned nd = 0;
    FzMode m = check_modes(&c, o->modes, r, d, &nd);
    if (m != FM_COUNT) {
        unsigned n0 = c.seq.n;
        if (o->minimise && !bytes) minimise(&c, m, r);
        report(stdout, o, &c, n0, m);
        return 1;
    }
    printf("replay %llu:%llu: native and ferry agree\n", (unsigned long long)seed,
           (unsigned long long)index);
    print_code(stdout, &c.seq);
    print_start(stdout, &c, true);
    print_end(stdout, "native", &r[FM_NATIVE]);
    return 0;
}

/* ================================================================ the make-test suite */

/* The short run of `make test`: fixed seed, thousands of sequences per class, TAP lines, well
 * under a minute. What is left out, and why (each one reported to the lead with a reproducer;
 * put it back when it is fixed; no table row is left out at the moment):
 *   - the sseenv class (ldmxcsr, fxrstor of random memory): random MXCSR images unmask SIMD
 *     exceptions, which ferry does not deliver (it computes the masked responses). Rounding
 *     control, DAZ, FTZ and the sticky flags are compared in every FP case (random start
 *     MXCSR; stmxcsr and fxsave are ssefp rows).
 * (The x87 class is in; what it never generates, the transcendentals, fldcw/fldenv/frstor and
 * fnstenv/fnsave, is explained in fuzz_ops.c.) */
static const char *const suite_exclude = "";

static int suite(Opts *o)
{
    static const struct { const char *classes; uint64_t count; } runs[] = {
        { "alu", 12000 }, { "shift", 12000 }, { "muldiv", 8000 }, { "bit", 8000 },
        { "mov", 12000 }, { "stack", 8000 }, { "string", 12000 }, { "branch", 12000 },
        { "misc", 4000 }, { "trap", 4000 }, { "sse", 12000 }, { "ssefp", 12000 },
        { "x87", 12000 }, { "bmi", 8000 },
        { "sse3", 6000 }, { "ssse3", 8000 }, { "mmx", 8000 }, { "sse41", 8000 },
        { "sse42", 8000 }, { "aes", 4000 }, { "approx", 4000 },
        { "alu,shift,muldiv,bit,mov,stack,string,branch,misc,trap,sse,ssefp,x87,bmi,mmx,sse3,"
          "ssse3,sse41,sse42,aes,approx", 30000 },
    };
    unsigned n = sizeof runs / sizeof runs[0], failed = 0;
#ifdef __SANITIZE_ADDRESS__
    const uint64_t scale = 4;       /* make asan: the same cases, a quarter of them */
#else
    const uint64_t scale = 1;
#endif
    printf("1..%u\n", n + 1);
    for (unsigned i = 0; i < n; i++) {
        Opts q = *o;
        q.seed = 1;
        q.count = runs[i].count / scale;
        q.quiet = true;
        q.show = 1;
        parse_classes(runs[i].classes, &q.gen.classes);
        parse_exclude(suite_exclude, &q.gen);
        q.exclude = suite_exclude;
        static Stats st;
        memset(&st, 0, sizeof st);
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        double t0 = now();
        uint64_t bad = campaign(&q, &st, mem);
        fclose(mem);
        printf("%s %u - fuzz %s: %llu sequences, %llu mismatches (%.1f s)\n",
               bad ? "not ok" : "ok", i + 1, i + 1 == n ? "all classes" : runs[i].classes,
               (unsigned long long)st.cases, (unsigned long long)bad, now() - t0);
        if (bad) {
            failed++;
            fputs(buf, stdout);
            summary(stdout, &q, &st, now() - t0);
        }
        free(buf);
    }
    double t0 = now();
    uint64_t nd = 100000 / scale, bad = fz_decode_campaign(1, nd, 5, stdout, true);
    printf("%s %u - decoder vs capstone: %llu strings, %llu unexplained (%.1f s)\n",
           bad ? "not ok" : "ok", n + 1, (unsigned long long)nd, (unsigned long long)bad,
           now() - t0);
    failed += bad != 0;
    printf("%u passed, %u failed\n", n + 1 - failed, failed);
    return failed ? 1 : 0;
}

/* ================================================================ main */

int main(int argc, char **argv)
{
    Opts o = { .seed = 0, .count = 10000, .gen = { (1u << FC_COUNT) - 1, FZ_MAX_LEN },
               .modes = (1u << FM_RAW) | (1u << FM_OPT) | (1u << FM_JIT), .show = 10,
               .minimise = true, .prog = argv[0] };
    bool seed_given = false, do_suite = false;
    uint64_t decode_n = 0, rs = 0, ri = 0;
    const char *bytes = NULL;
    bool do_replay = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--seed") && v) { o.seed = strtoull(v, NULL, 0); seed_given = true; i++; }
        else if (!strcmp(a, "--count") && v) { o.count = strtoull(v, NULL, 0); i++; }
        else if (!strcmp(a, "--max-len") && v) {
            o.gen.max_len = (unsigned)strtoul(v, NULL, 0);
            i++;
            if (o.gen.max_len < 1 || o.gen.max_len > FZ_MAX_LEN) { usage(argv[0]); return 2; }
        } else if (!strcmp(a, "--only") && v) {
            if (!parse_classes(v, &o.gen.classes)) { usage(argv[0]); return 2; }
            i++;
        } else if (!strcmp(a, "--exclude") && v) {
            if (!parse_exclude(v, &o.gen)) {
                fprintf(stderr, "fuzz: --exclude: unknown row name (see --list)\n");
                return 2;
            }
            o.exclude = v;
            i++;
        } else if (!strcmp(a, "--modes") && v) {
            o.modes = 0;
            if (strstr(v, "raw")) o.modes |= 1u << FM_RAW;
            if (strstr(v, "opt")) o.modes |= 1u << FM_OPT;
            if (strstr(v, "jit")) o.modes |= 1u << FM_JIT;
            i++;
        } else if (!strcmp(a, "--show") && v) { o.show = (unsigned)strtoul(v, NULL, 0); i++; }
        else if (!strcmp(a, "--replay") && v) {
            char *colon;
            rs = strtoull(v, &colon, 0);
            if (*colon != ':') { usage(argv[0]); return 2; }
            ri = strtoull(colon + 1, NULL, 0);
            do_replay = true;
            i++;
        } else if (!strcmp(a, "--bytes") && v) { bytes = v; i++; }
        else if (!strcmp(a, "--decode") && v) { decode_n = strtoull(v, NULL, 0); i++; }
        else if (!strcmp(a, "--no-minimise") || !strcmp(a, "--no-minimize")) o.minimise = false;
        else if (!strcmp(a, "--quiet")) o.quiet = true;
        else if (!strcmp(a, "--coverage")) o.coverage = true;
        else if (!strcmp(a, "--suite")) do_suite = true;
        else if (!strcmp(a, "--list")) { list_rows(); return 0; }
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(argv[0]); return 0; }
        else { usage(argv[0]); return 2; }
    }
    if (!seed_given) o.seed = (uint64_t)time(NULL);
    if (decode_n) {
        uint64_t bad = fz_decode_campaign(o.seed, decode_n, o.show, stdout, false);
        return bad ? 1 : 0;
    }
    if (!fz_run_init()) return 2;
    if (do_suite) return suite(&o);
    if (do_replay) return replay(&o, rs, ri, bytes);
    static Stats st;
    double t0 = now();
    campaign(&o, &st, stdout);
    summary(stdout, &o, &st, now() - t0);
    return st.mismatches ? 1 : 0;
}
