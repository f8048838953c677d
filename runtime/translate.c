/* translate.c — one guest block from pc to an RtBlock ready to run.
 *
 *   fe_translate_block -> -d in_asm, -d ir -> opt_run_folded -> ir_verify -> -d opt
 *     -> backend compile -> -d out_asm -> record, insert, chain
 *
 * Two tiers in user mode (RtProcess.tiering; see "Tiers" below rt_translate): new code goes
 * through the fast pipeline (plain blocks, opt_run_cold) and is not chained into; a block the
 * dispatcher has entered RT_HOT_THRESHOLD times goes through the full one (superblocks,
 * opt_run_folded) and is chained. -singlestep, --interp, -d exec and system mode use the full
 * pipeline only.
 *
 * Every failure has a recovery, so translation never fails:
 *   - IR that fails ir_verify after the passes (checked in CHECKS=1 builds) is ferry's bug: one line
 *     "ferry: internal error: ..." naming the block, then the block is translated again
 *     without the passes and interpreted; if even that IR is invalid, the block traps with
 *     SIGILL (the guest sees an illegal instruction instead of ferry crashing).
 *   - BE_ERR_FULL: flush the code cache and compile again, once; then interpret.
 *   - BE_ERR_TOO_BIG: translate again with half the instruction limit, down to one; then
 *     interpret.
 *   - BE_ERR_UNSUPPORTED: interpret the block.
 * Interpreted blocks keep their IR (the scratch block is handed over and replaced). Compiled
 * blocks keep the backend's host pc -> guest instruction map (RtBlock.insn_map) and its keeps,
 * which make a fault in their code precise (fault.c).
 *
 * Threads: one lock (RtProcess.tb_lock) is held around the whole translation, from the check
 * that no other thread has just translated the same pc to insert and chain: the frontend's
 * scratch IR, the backend's code buffer, the block table and the pending-exit index are the
 * process's. A first design, simple and safe; translations are rare next to running them
 * (two threads missing at once wait for each other). A full cache is flushed with the lock
 * released (threads.c: the others must be able to reach a safe point).
 *
 * Self-modifying code: the pages a block comes from are write-protected when the guest may
 * write them (smc.c), so a store to them flushes the cache before the next instruction.
 * Each block also records XXH64 of its guest bytes; rt_block_valid compares it with memory so
 * a table hit on code that changed in ways protection cannot see (another mapping of the same
 * memory, another process) is retranslated.
 */
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>
#include "runtime/rt.h"

#define RT_DEFAULT_MAX_INSNS 64

/* CPU time of this thread: translation time must not count the time the host gave to other
 * processes (on a loaded machine wall time made the figure two to three times too large).
 * It is a system call (no vDSO for thread CPU clocks; about 0.5 us on this KVM guest, two per
 * translation were 4% of a short program's time by perf), so it is read only when -d stats
 * will print it: 0 otherwise. */
static uint64_t now_ns(const RtProcess *p)
{
    if (!rt_log_on(p, RT_LOG_STATS))
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The guest bytes of a block (malloc'd; *n may be short of len at an unreadable page). */
static uint8_t *fetch_bytes(RtProcess *p, uint64_t pc, uint32_t len, size_t *n)
{
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    *n = rt_fetch_code(p, pc, buf, len);
    return buf;
}

/* The code bytes one translation reads, copied once. The frontend fetches every instruction's
 * bytes separately, and each rt_fetch_code is a checked copy; a window over the rest of the
 * block's first page, plus the 15 bytes an instruction may reach into the next, serves them
 * all. It is filled in steps of WINDOW_STEP bytes as the frontend reaches them (blocks average
 * 20-30 bytes: copying the whole page each time was a twentieth of translation time). A fetch
 * outside the window falls back to rt_fetch_code. */
#define WINDOW_STEP 256
typedef struct CodeWindow {
    RtProcess *p;
    uint64_t start;
    size_t n;           /* bytes valid from start */
    size_t asked;       /* bytes requested: n < asked means the code is unreadable at start + n */
    size_t limit;       /* the most the window may hold: to the page end, plus 15 */
    uint8_t bytes[RT_PAGE_SIZE + 16];
} CodeWindow;

/* Read the window on up to `want` bytes from start (within limit). */
static void window_grow(CodeWindow *w, size_t want)
{
    if (want > w->limit)
        want = w->limit;
    if (want <= w->asked || w->n < w->asked)
        return;                         /* there already, or unreadable before */
    w->n += rt_fetch_code(w->p, w->start + w->n, w->bytes + w->n, want - w->n);
    w->asked = want;
}

static void window_fill(CodeWindow *w, RtProcess *p, uint64_t pc)
{
    w->p = p;
    w->start = pc;
    w->limit = (size_t)(RT_PAGE_DOWN(pc) + RT_PAGE_SIZE - pc) + 15;
    w->n = w->asked = 0;
    window_grow(w, WINDOW_STEP);
}

static size_t window_fetch(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    CodeWindow *w = opaque;
    if (pc >= w->start && pc - w->start <= w->limit) {
        size_t end = (size_t)(pc - w->start) + n;
        if (end > w->asked)
            window_grow(w, end + WINDOW_STEP);
    }
    if (pc >= w->start && pc - w->start <= w->n) {
        size_t avail = w->n - (size_t)(pc - w->start);
        if (avail >= n || w->n < w->asked) {
            size_t k = avail < n ? avail : n;
            memcpy(buf, w->bytes + (pc - w->start), k);
            return k;
        }
    }
    return rt_fetch_code(w->p, pc, buf, n);
}

static uint64_t hash_bytes(const uint8_t *bytes, size_t n)
{
    return XXH64(bytes, n, 0);
}

bool rt_block_valid(RtProcess *p, const RtBlock *b)
{
    /* Every jump-cache miss that hits the table comes here: blocks are short, so their
     * bytes go on the stack rather than through malloc. */
    uint8_t small[1024];
    if (b->guest_len <= sizeof small) {
        size_t n = rt_fetch_code(p, b->pc, small, b->guest_len);
        return hash_bytes(small, n) == b->hash;
    }
    size_t n;
    uint8_t *bytes = fetch_bytes(p, b->pc, b->guest_len, &n);
    bool ok = hash_bytes(bytes, n) == b->hash;
    free(bytes);
    return ok;
}

/* -d in_asm: the instructions the block translated, run by run (a superblock jumps over
 * bytes it does not run: frontend.c). The bytes are in the window already: no second copy. */
static void log_in_asm(RtProcess *p, const CodeWindow *w, const IrBlock *ir)
{
    uint64_t start = 0, end = 0;
    for (IrRef r = 1; r <= ir->n; r++) {
        const IrInsn *in = r < ir->n ? &ir->insn[r] : NULL;
        if (in && in->op != IR_INSN_START)
            continue;
        uint64_t ipc = in ? (uint64_t)in->imm[0] : 0;
        if (in && end != 0 && ipc == end) {
            end += (uint64_t)in->imm[1];
            continue;
        }
        if (end > start && start >= w->start && end - w->start <= w->n)
            rt_log_guest_code(p, start, w->bytes + (start - w->start), (size_t)(end - start));
        if (in) {
            start = ipc;
            end = ipc + (uint64_t)in->imm[1];
        }
    }
}

/* Frontend, logs, passes, verification. Returns false if the IR is invalid. */
static bool build_ir(RtProcess *p, CodeWindow *w, uint64_t pc, const FeOptions *fo,
                     bool optimise, FeResult *res, bool cold)
{
    IrBlock *ir = p->scratch;
    fe_translate_block(ir, pc, window_fetch, w, fo, res);
    if (rt_log_on(p, RT_LOG_IN_ASM)) {
        rt_log_printf(p, "----------------\nIN: block 0x%llx, %u guest instructions\n",
                      (unsigned long long)pc, ir->guest_insns);
        log_in_asm(p, w, ir);
    }
    if (rt_log_on(p, RT_LOG_IR)) {
        rt_log_printf(p, "IR: block 0x%llx\n", (unsigned long long)pc);
        ir_print_block(p->log.f, ir);
        rt_log_printf(p, "\n");
    }
    if (optimise && cold)
        opt_run_cold(ir);
    else if (optimise)
        opt_run_folded(ir);     /* the frontend folded at emit time */
#ifndef NDEBUG
    /* Checking builds only (CHECKS=1, make asan): verification cost a tenth of translation
     * time, and the tests (unit, fuzz, guest programs under the asan build) run it. */
    char err[256];
    if (!ir_verify(ir, err, sizeof err)) {
        fprintf(stderr, "ferry: internal error: block 0x%llx: %s IR fails verification: %s\n",
                (unsigned long long)pc, optimise ? "optimised" : "unoptimised", err);
        return false;
    }
#endif
    if (optimise && rt_log_on(p, RT_LOG_OPT)) {
        rt_log_printf(p, "OPT: block 0x%llx\n", (unsigned long long)pc);
        ir_print_block(p->log.f, ir);
        rt_log_printf(p, "\n");
    }
    return true;
}

/* Replace the scratch IR with a block that traps with SIGILL at pc. */
static void build_trap_ir(RtProcess *p, uint64_t pc, FeResult *res)
{
    IrBlock *ir = p->scratch;
    ir_block_reset(ir, pc);
    IrBuilder b;
    ir_builder_init(&b, ir);
    ir_exit(&b, IR_NONE, pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGILL, 0));
    ir_builder_fini(&b);
    memset(res, 0, sizeof *res);
    res->status = FE_UNIMPLEMENTED;
    res->bad_pc = pc;
}

/* Record the block the scratch IR describes. info is NULL for an interpreted block. */
static RtBlock *make_block(RtProcess *p, CodeWindow *w, uint64_t pc, const FeResult *res,
                           const BackendBlockInfo *info, bool cold)
{
    IrBlock *ir = p->scratch;
    /* The exits (EXIT_IF, EXIT, then RETPUSH, numbered after the others: ir_ops.def) in one
     * scan of the IR: their refs go into a list first, so the block is allocated once with
     * its exit count (three scans of every instruction were 2% of translation time). */
    IrRef small[64], *list = small;
    uint32_t n_exits = 0, n_ret = 0;
    for (IrRef r = 1; r < ir->n; r++) {
        uint16_t op = ir->insn[r].op;
        if (op != IR_EXIT_IF && op != IR_EXIT && op != IR_RETPUSH)
            continue;
        if (list == small && n_exits + n_ret == sizeof small / sizeof small[0]) {
            list = malloc((size_t)ir->n * sizeof *list);
            if (!list)
                abort();
            memcpy(list, small, sizeof small);
        }
        list[n_exits + n_ret] = r;
        if (op == IR_RETPUSH)
            n_ret++;
        else
            n_exits++;
    }
    n_exits += n_ret;
    RtBlock *b = rt_block_alloc(pc, n_exits);
    b->mode = p->fe_opt.mode;
    b->guest_len = ir->guest_len;
    b->guest_insns = ir->guest_insns;
    b->fe_status = res->status;
    b->bad_pc = res->bad_pc;
    b->user_exec = p->fetch_user_exec;
    b->cold = cold;
    b->hash = hash_bytes(w->bytes, ir->guest_len < w->n ? ir->guest_len : w->n);

    /* Which exits are direct jumps to a constant pc (chainable), from the IR itself. */
    uint32_t k = 0, kr = n_exits - n_ret;
    for (uint32_t i = 0; i < n_exits; i++) {
        const IrInsn *in = &ir->insn[list[i]];
        if (in->op == IR_RETPUSH) {
            b->exits[kr++] = (RtExitSlot){ .owner = b, .direct = true,
                                           .target_pc = (uint64_t)in->imm[0] };
            continue;
        }
        RtExitSlot *s = &b->exits[k++];
        s->direct = IR_EXIT_WORD_KIND(in->imm[1]) == IR_EXIT_JUMP &&
                    (in->op == IR_EXIT_IF || in->arg[0] == IR_NONE);
        s->target_pc = (uint64_t)in->imm[0];
    }
    if (list != small)
        free(list);
    if (info) {
        b->code = info->code;
        b->code_size = info->code_size;
        b->host_insns = info->host_insns;
        /* Chain only exits the backend describes consistently with the IR, and that have
         * a patch site (a loop's back edge has none: ir/backend.h). */
        bool consistent = info->n_exits == n_exits;
        for (uint32_t i = 0; i < n_exits; i++) {
            RtExitSlot *s = &b->exits[i];
            if (!consistent || info->exits[i].target_pc != s->target_pc ||
                info->exits[i].patch_offset == 0)
                s->direct = false;
            else
                s->patch_offset = info->exits[i].patch_offset;
        }
        if (info->n_insns) {
            b->insn_map = malloc(info->n_insns * sizeof *b->insn_map);
            if (!b->insn_map)
                abort();
            for (uint32_t i = 0; i < info->n_insns; i++) {
                const BackendInsnMap *m = &info->insns[i];
                b->insn_map[i] = (RtInsnMap){ m->host_offset, m->guest_offset, m->keep_first,
                                              m->n_keep };
            }
            b->n_insn_map = info->n_insns;
            if (info->n_keeps) {
                b->keeps = malloc(info->n_keeps * sizeof *b->keeps);
                if (!b->keeps)
                    abort();
                memcpy(b->keeps, info->keeps, info->n_keeps * sizeof *b->keeps);
                b->n_keeps = info->n_keeps;
            }
        }
        p->stats.code_bytes += info->code_size;
        p->stats.host_insns += info->host_insns;
        if (rt_log_code_on(p)) {
            /* the guest pc, and which tier made it (cold blocks are plain and unchained) */
            char name[48];
            snprintf(name, sizeof name, "guest_0x%llx%s", (unsigned long long)b->pc,
                     cold ? "_cold" : "");
            rt_log_code(p, b->code, b->code_size, name);
        }
    } else {
        for (uint32_t i = 0; i < n_exits; i++)
            b->exits[i].direct = false;
        b->ir = ir;                         /* hand the scratch block over */
        p->scratch = ir_block_new(0);
        p->stats.interp_blocks++;
    }
    /* The pages the window came from were protected before it was read (rt_translate); a page
     * protected only now may have changed since the frontend read it. */
    if (rt_smc_protect(p, pc, b->guest_len) && !rt_block_valid(p, b))
        __atomic_store_n(&p->smc_dirty, 1, __ATOMIC_RELEASE);
    rt_block_insert(p, b);
    rt_block_chain(p, b);
    return b;
}

uint64_t rt_step_insn(RtThread *t)
{
    RtProcess *p = t->proc;
    uint64_t pc = t->state.rip;
    static _Thread_local CodeWindow w;
    if (!t->step_ir)
        t->step_ir = ir_block_new(0);
    window_fill(&w, p, pc);
    FeOptions fo = p->fe_opt;
    fo.max_insns = 1;
    FeResult res;
    fe_translate_block(t->step_ir, pc, window_fetch, &w, &fo, &res);
    char err[256];
    if (!ir_verify(t->step_ir, err, sizeof err)) {
        /* ferry's bug, as in build_trap_ir: the guest sees an illegal instruction */
        fprintf(stderr, "ferry: internal error: instruction 0x%llx: IR fails verification: %s\n",
                (unsigned long long)pc, err);
        ir_block_reset(t->step_ir, pc);
        IrBuilder b;
        ir_builder_init(&b, t->step_ir);
        ir_exit(&b, IR_NONE, pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGILL, 0));
        ir_builder_fini(&b);
    }
    t->in_guest = RT_IN_INTERP;
    uint64_t word = ir_interp_run_frame(t->step_ir, &t->state, &p->gi, &t->iframe);
    t->in_guest = RT_IN_RUNTIME;
    return word;
}

/* Translate the block at pc with tb_lock held: the fast pipeline (cold) or the full one.
 * *flushed says whether the cache was flushed meanwhile (every earlier block is gone). */
static RtBlock *translate_locked(RtThread *t, uint64_t pc, bool cold, bool *flushed)
{
    RtProcess *p = t->proc;
    FeOptions fo = p->fe_opt;
    if (fo.max_insns == 0)
        fo.max_insns = RT_DEFAULT_MAX_INSNS;
    if (cold)
        fo.superblocks = false;         /* the fast pipeline: plain blocks */
    FeResult res;
    static _Thread_local CodeWindow w;  /* 4 KiB: kept off the stack */
    p->fetch_user_exec = true;
    /* Write-protect the code before reading it (smc.c): a store from another thread after
     * this point faults and flushes, so the block cannot keep bytes older than memory. */
    rt_smc_protect(p, pc, (RT_PAGE_DOWN(pc) + RT_PAGE_SIZE - pc) + 15);
    window_fill(&w, p, pc);
    bool interpret = p->opt.interp || !p->backend;
    *flushed = false;
    RtBlock *b = NULL;

    for (;;) {
        p->stats.blocks_translated++;
        if (!build_ir(p, &w, pc, &fo, true, &res, cold)) {
            p->stats.guest_insns += p->scratch->guest_insns;
            if (!build_ir(p, &w, pc, &fo, false, &res, cold))
                build_trap_ir(p, pc, &res);
            b = make_block(p, &w, pc, &res, NULL, false);
            break;
        }
        p->stats.guest_insns += p->scratch->guest_insns;
        if (interpret) {
            b = make_block(p, &w, pc, &res, NULL, false);
            break;
        }
        BackendBlockInfo info;
        /* the head only: the map and its keeps (20 KiB) are valid up to their counts */
        memset(&info, 0, offsetof(BackendBlockInfo, insns));
        info.n_keeps = 0;
        /* A cold block needs no interrupt checks (ir/backend.h): it is never a chain or
         * jump-cache target, so every entry to it is through the dispatcher, which looks at
         * the interrupt word first. A loop of generated code that skips the dispatcher runs
         * through hot block entries only (a return-stack jump into a cold block's return
         * site comes from a RET's block, entered at its entry, so hot, which checks), and
         * every such loop has a checked backward or indirect exit in a hot block. */
        IrGuestInfo gi = p->gi;
        if (cold)
            gi.irq_offset = 0;
        /* A LOAD repeating the one before it (ir_load_cse.c): user mode only, where no LOAD
         * reaches a device. For the backend only, like the stack window below. */
        if (!p->machine) {
            unsigned merged = opt_load_cse(p->scratch);
            if (merged)
                opt_compact(p->scratch);
            p->stats.loads_merged += merged;
        }
        /* The stack window (ir.h): last, for the backend only (the interpreter needs none). */
        IrSpWindowCounts spc;
        ir_sp_window(p->scratch, &gi, &spc);
        p->stats.sp_unchecked += spc.unchecked;
        p->stats.sp_exit_checks += spc.exit_checks;
        p->stats.sp_exits_stack += spc.exits_stack;
        if ((spc.unchecked || spc.exit_checks || spc.exits_stack) && rt_log_on(p, RT_LOG_OPT)) {
            rt_log_printf(p, "SPWIN: block 0x%llx (ir_sp_window)\n", (unsigned long long)pc);
            ir_print_block(p->log.f, p->scratch);
            rt_log_printf(p, "\n");
        }
        int rc = p->backend->compile(p->scratch, &p->cache.cb, &gi, &info);
        if (rc == BE_ERR_FULL && !*flushed) {
            /* Full: empty the cache and translate once more. The flush waits for the other
             * threads, which may need tb_lock to get to a safe point; meanwhile they may
             * reuse the scratch IR, or translate pc themselves. */
            pthread_mutex_unlock(&p->tb_lock);
            rt_flush_exclusive(p, t);
            pthread_mutex_lock(&p->tb_lock);
            *flushed = true;
            if ((b = rt_block_lookup(p, pc)) != NULL && (cold || !b->cold))
                break;
            continue;
        }
        if (rc == BE_OK) {
            rt_cache_sync(info.code, info.code_size);
            if (rt_log_on(p, RT_LOG_OUT_ASM)) {
                uint32_t insn_bytes = info.data_offset ? info.data_offset : info.code_size;
                uint32_t data_bytes = info.code_size - insn_bytes;
                for (uint32_t i = 0; i < info.n_data; i++)
                    data_bytes += info.data[i].size;
                rt_log_printf(p, "OUT: block 0x%llx, %u bytes, %u host instructions",
                              (unsigned long long)pc, info.code_size, info.host_insns);
                if (data_bytes)
                    rt_log_printf(p, ", %u bytes of data", data_bytes);
                rt_log_printf(p, "\n");
                rt_log_host_code(p, info.code, insn_bytes, info.data, info.n_data, info.insns,
                                 info.n_insns, pc);
            }
            b = make_block(p, &w, pc, &res, &info, cold);
            break;
        }
        if (rc == BE_ERR_TOO_BIG && fo.max_insns > 1) {
            fo.max_insns /= 2;          /* retranslate a smaller block */
            continue;
        }
        /* UNSUPPORTED, still FULL after a flush, or TOO_BIG at one instruction. */
        b = make_block(p, &w, pc, &res, NULL, false);
        break;
    }
    return b;
}

/* Add one translation's figures to the tier's. */
static void count_tier(RtProcess *p, bool cold, bool hot, uint64_t insns0, uint64_t ns)
{
    uint64_t insns = p->stats.guest_insns - insns0;
    p->stats.translate_ns += ns;
    if (cold) {
        p->stats.cold_blocks++;
        p->stats.cold_insns += insns;
        p->stats.cold_ns += ns;
    } else if (hot) {
        p->stats.hot_blocks++;
        p->stats.hot_insns += insns;
        p->stats.hot_ns += ns;
    }
}

RtBlock *rt_translate(RtThread *t, uint64_t pc)
{
    RtProcess *p = t->proc;
    pthread_mutex_lock(&p->tb_lock);
    RtBlock *found = rt_block_lookup(p, pc);
    if (found) {                        /* another thread translated it meanwhile */
        pthread_mutex_unlock(&p->tb_lock);
        return found;
    }
    uint64_t t0 = now_ns(p), insns0 = p->stats.guest_insns;
    bool flushed;
    RtBlock *b = translate_locked(t, pc, p->tiering, &flushed);
    count_tier(p, b->cold, false, insns0, now_ns(p) - t0);
    pthread_mutex_unlock(&p->tb_lock);
    return b;
}

/* Tiers. Most code runs a few times (start-up, error paths, a script's one pass), and the
 * full pipeline's superblocks translate code that a side exit leaves again as a block of its
 * own, so cold code gets plain blocks (no superblocks) that are never chain targets
 * (blocks.c): every entry to one comes through the dispatcher, and RtBlock.heat counts them
 * there, at no cost to chained hot code. A block entered RT_HOT_THRESHOLD times is translated
 * again with superblocks; adding it patches the exits that were waiting for its pc (every
 * block's exits to the cold one were left pending) and it hides the cold block in the table
 * and, as each thread meets it, in the jump caches. The cold block is retired (blocks.c:
 * out of the table and the pending index), but its code and record stay until the next
 * flush: another thread may be running it. Both tiers go through the same frontend, passes and backend, so semantics and
 * precise faults are the same; the tiers differ only in block shape and chaining. */
/* Entering a cold block costs a dispatch (~0.1 us) more than a chained hot one, and a hot
 * retranslation about what translating it cost (~2 us per guest instruction): 128 entries
 * balance the two for blocks of ~10 instructions. Measured (user CPU, busybox scripts): 32 ->
 * 3.39 s, 128 -> 3.24 s; python3 -c pass translates 7.8k blocks again at 32, 4.2k at 128. */
#define RT_HOT_THRESHOLD 128

RtBlock *rt_block_heat(RtThread *t, RtBlock *b)
{
    RtProcess *p = t->proc;
    RtBlock *hot = __atomic_load_n(&b->hot, __ATOMIC_ACQUIRE);
    if (!hot && __atomic_add_fetch(&b->heat, 1, __ATOMIC_RELAXED) < RT_HOT_THRESHOLD) {
        rt_jc_insert(t, b);
        return b;
    }
    if (!hot) {
        pthread_mutex_lock(&p->tb_lock);
        hot = b->hot;               /* another thread may have been first */
        if (!hot) {
            uint64_t t0 = now_ns(p), insns0 = p->stats.guest_insns;
            bool flushed;
            hot = translate_locked(t, b->pc, false, &flushed);
            count_tier(p, false, true, insns0, now_ns(p) - t0);
            if (!flushed) {         /* else b is gone with the rest of the cache */
                __atomic_store_n(&b->hot, hot, __ATOMIC_RELEASE);
                rt_block_retire(p, b);
            }
        }
        pthread_mutex_unlock(&p->tb_lock);
    }
    rt_jc_insert(t, hot);
    return hot;
}
