/* blocks.c — the block table, the per-thread jump caches and chaining.
 *
 * Lookup order (dispatch.c): the thread's direct-mapped jump cache (RT_JC_SIZE entries, one
 * probe), then the process's hash table (chained buckets by guest pc), then translation.
 *
 * Modes (system mode: 64-bit or 32-bit code, FeOptions.mode): the table is keyed on the pc and
 * the mode, so the blocks of both modes live side by side; lookups find only blocks of the
 * current mode, exits chain only to blocks of their own block's mode and RtBlock.user_exec
 * (code user mode may run never chains into code only the kernel may), and the runtime
 * empties the jump caches (whose probe in generated code compares the pc only) when the mode
 * changes. User mode has one mode.
 *
 * Chaining links a block's direct exit straight to the code of the block at its target, so
 * hot paths never return to the dispatcher. Generated code does not say which block took an
 * exit, so instead of patching "the exit just taken", chaining is complete and eager: when a
 * compiled block is added, (1) each of its direct exits whose target is already compiled is
 * patched, the others are filed in a pending index keyed by target pc, and (2) every pending
 * exit that targets the new block's pc is patched. The result is the same as patching each
 * exit the first time it is taken, without needing to know who took it. Interpreted blocks
 * are never chain targets (they have no code) and never chain sources. Cold blocks (the fast
 * tier, translate.c) are chain sources but never targets: exits to one stay pending until
 * its hot retranslation is added, so until then the dispatcher sees, and counts, every
 * entry to it.
 *
 * A flush (codecache.c) frees every block and resets the table, the pending index and every
 * jump cache together, so nothing can point at freed code. Blocks are never freed one by
 * one: a changed guest page flushes everything (mem.c, translate.c). A cold block replaced by
 * its hot retranslation is retired (rt_block_retire): out of the table and the pending
 * index, its memory and code kept until the flush.
 *
 * Threads: the table and the code cache are the process's, shared by every thread; jump
 * caches are per thread. Inserting and chaining happen under tb_lock (translate.c), lookups
 * take no lock (see rt_block_insert), a patch is one atomic store, and a flush runs with
 * every other thread stopped out of generated code (threads.c), so no thread ever runs or
 * finds a freed block.
 */
#include <stdlib.h>
#include <string.h>
#include "runtime/rt.h"

#define RT_BLOCK_BUCKETS   (1u << 16)
#define RT_PENDING_BUCKETS (1u << 14)

static uint32_t hash_pc(uint64_t pc)
{
    return (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> 32);
}

void rt_blocks_init(RtBlockTable *t)
{
    t->bucket = calloc(RT_BLOCK_BUCKETS, sizeof *t->bucket);
    t->pending = calloc(RT_PENDING_BUCKETS, sizeof *t->pending);
    if (!t->bucket || !t->pending)
        abort();                /* ferry's own allocation at start-up */
    t->mask = RT_BLOCK_BUCKETS - 1;
    t->pending_mask = RT_PENDING_BUCKETS - 1;
    t->all = NULL;
    t->count = 0;
    memset(&t->by_code, 0, sizeof t->by_code);
}

void rt_blocks_free(RtBlockTable *t)
{
    free(t->bucket);
    free(t->pending);
    t->bucket = NULL;
    t->pending = NULL;
    rt_code_index_free(&t->by_code);
}

RtBlock *rt_block_alloc(uint64_t pc, uint32_t n_exits)
{
    RtBlock *b = calloc(1, sizeof *b + n_exits * sizeof b->exits[0]);
    if (!b)
        abort();
    b->pc = pc;
    b->n_exits = n_exits;
    for (uint32_t i = 0; i < n_exits; i++)
        b->exits[i].owner = b;
    return b;
}

void rt_jc_clear(RtThread *t)
{
    memset(t->jc, 0, sizeof t->jc);
    const void *miss = t->proc->cache.cb.jc_miss;   /* NULL without a code cache */
    for (unsigned i = 0; i < RT_JC_SIZE; i++)
        t->jc[i].code = miss;
    memset(&t->ras, 0, sizeof t->ras);     /* its code pointers go with the cache */
}

void rt_blocks_clear(RtProcess *p)
{
    RtBlockTable *t = &p->blocks;
    RtBlock *b = t->all;
    while (b) {
        RtBlock *next = b->all_next;
        if (b->ir)
            ir_block_free(b->ir);
        free(b->insn_map);
        free(b->keeps);
        free(b);
        b = next;
    }
    if (t->bucket)
        memset(t->bucket, 0, (t->mask + 1) * sizeof *t->bucket);
    if (t->pending)
        memset(t->pending, 0, (t->pending_mask + 1) * sizeof *t->pending);
    t->all = NULL;
    t->count = 0;
    rt_code_index_clear(&t->by_code);
    for (RtThread *th = p->threads; th; th = th->next) {
        rt_jc_clear(th);
        th->cur_block = NULL;
    }
}

/* Inserts (under tb_lock) publish a block with a release store of the list head after the
 * block is complete; lookups (any thread, no lock) and rt_block_by_host_pc (the fault
 * handler, possibly while another thread inserts: blocks_index.c) read heads with acquire loads, so they see
 * the table before or after the insert, never half of it. Blocks are freed only by a flush,
 * with every other thread stopped (threads.c). */
void rt_block_insert(RtProcess *p, RtBlock *b)
{
    RtBlockTable *t = &p->blocks;
    RtBlock **slot = &t->bucket[hash_pc(b->pc) & t->mask];
    b->hash_next = *slot;       /* newest first: it hides an older block of the same pc */
    b->all_next = t->all;
    __atomic_store_n(slot, b, __ATOMIC_RELEASE);
    __atomic_store_n(&t->all, b, __ATOMIC_RELEASE);
    __atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
    if (b->code)
        rt_code_index_append(&t->by_code, b);
}

RtBlock *rt_block_lookup(const RtProcess *p, uint64_t pc)
{
    const RtBlockTable *t = &p->blocks;
    if (!t->bucket)
        return NULL;
    uint8_t mode = p->fe_opt.mode;
    for (RtBlock *b = __atomic_load_n(&t->bucket[hash_pc(pc) & t->mask], __ATOMIC_ACQUIRE); b;
         b = b->hash_next)
        if (b->pc == pc && b->mode == mode)
            return b;
    return NULL;
}

/* A cold block that its hot retranslation replaces (translate.c, rt_block_heat) can never be
 * found again: the table would return the hot one, and a jump cache entry for it leads to the
 * hot one too (its `hot` pointer). Until now it stayed in its bucket, lengthening every
 * lookup that hashes there, and its unpatched exits stayed in the pending index, each patched
 * later into code that no longer runs (and walked at every insert that hashes to its
 * target). Retiring takes it out of both. Its code and its record stay until the next flush:
 * another thread may be running it (its exits still lead where they did, the dispatcher or
 * blocks already chained) and a fault in it needs its host pc map (blocks_index.c).
 * Under tb_lock. Lookups take no lock: unlinking is one release store of the predecessor's
 * link, and the block, still allocated, keeps its own link for a reader standing on it. */
void rt_block_retire(RtProcess *p, RtBlock *b)
{
    RtBlockTable *t = &p->blocks;
    if (!t->bucket || b->retired)
        return;
    for (RtBlock **pp = &t->bucket[hash_pc(b->pc) & t->mask]; *pp; pp = &(*pp)->hash_next)
        if (*pp == b) {
            __atomic_store_n(pp, b->hash_next, __ATOMIC_RELEASE);
            __atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
            break;
        }
    for (uint32_t i = 0; i < b->n_exits; i++) {
        RtExitSlot *s = &b->exits[i];
        if (!s->direct || s->patched)
            continue;
        for (RtExitSlot **pp = &t->pending[hash_pc(s->target_pc) & t->pending_mask]; *pp;
             pp = &(*pp)->pending_next)
            if (*pp == s) {
                *pp = s->pending_next;
                s->pending_next = NULL;
                break;
            }
        s->direct = false;              /* never filed or patched again */
    }
    b->retired = true;
    p->stats.cold_retired++;
    p->stats.cold_retired_bytes += b->code_size;
}

/* Make exit slot s jump to block `to`: one atomic store (ir/backend.h), safe while other
 * threads run the code. */
static void patch(RtProcess *p, RtExitSlot *s, const RtBlock *to)
{
    uint8_t *site_exec = s->owner->code + s->patch_offset;
    uint8_t *site = site_exec - p->cache.cb.exec_delta;
    p->backend->patch_exit(&p->cache.cb, site, to->code);
    rt_cache_sync(site_exec, 16);
    s->patched = true;
}

void rt_block_chain(RtProcess *p, RtBlock *b)
{
    RtBlockTable *t = &p->blocks;
    if (!p->chain || !p->backend || !b->code)
        return;
    for (uint32_t i = 0; i < b->n_exits; i++) {
        RtExitSlot *s = &b->exits[i];
        if (!s->direct || s->patched)
            continue;
        RtBlock *to = rt_block_lookup(p, s->target_pc);    /* b's mode: the current one */
        if (to && to->code && !to->cold && to->user_exec == b->user_exec) {
            patch(p, s, to);
        } else {
            RtExitSlot **head = &t->pending[hash_pc(s->target_pc) & t->pending_mask];
            s->pending_next = *head;
            *head = s;
        }
    }
    /* Earlier exits waiting for this pc (including b's own, for a loop). A cold block is no
     * target: they wait for its hot retranslation. */
    if (b->cold)
        return;
    RtExitSlot **pp = &t->pending[hash_pc(b->pc) & t->pending_mask];
    while (*pp) {
        RtExitSlot *s = *pp;
        if (s->target_pc == b->pc && s->owner->mode == b->mode &&
            s->owner->user_exec == b->user_exec) {
            *pp = s->pending_next;
            s->pending_next = NULL;
            patch(p, s, b);
        } else {
            pp = &s->pending_next;
        }
    }
}
