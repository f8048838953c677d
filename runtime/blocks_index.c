/* blocks_index.c — host pc -> compiled block, in O(log n), for the fault handler.
 *
 * Faults in generated code (fault.c: precise guest faults, writes to protected code pages,
 * system-mode stops) must find the block whose code holds the faulting host pc. Walking every
 * block made each fault cost O(blocks), and a program that takes many faults it handles
 * (a garbage collector's write barrier, a JIT's guard pages) paid it each time.
 *
 * The code cache is bump-allocated (codecache.c): between two flushes, each compiled block's
 * code lies above the previous one's. So the blocks in insertion order are sorted by code
 * address, and the index is an array of (code start, block) appended at each insert and
 * binary-searched at a fault. Interpreted blocks have no code and are not in it. A flush
 * (rt_blocks_clear) empties it with the blocks. Blocks never leave it otherwise: a cold block
 * that its hot retranslation replaced may still be running (translate.c, "Tiers").
 *
 * Threads: appends happen under tb_lock; lookups come from signal handlers on any thread,
 * with no lock and no allocation. The array is therefore a fixed directory of fixed-size
 * chunks that never move: a chunk is allocated and its pointer stored before the first entry
 * in it is published, and an entry is published by a release store of the count after it is
 * written, so a reader that loads the count with acquire sees complete entries below it.
 * Chunks stay allocated across flushes (reused by the next fill), which run with every other
 * thread stopped. Should an insert ever break the order (a block below the previous one) or
 * overflow the directory, the index says so and lookups fall back to walking every block,
 * slower but still right.
 */
#include <stdlib.h>
#include <string.h>
#include "runtime/rt.h"

void rt_code_index_append(RtCodeIndex *x, RtBlock *b)
{
    size_t n = x->n;
    uintptr_t start = (uintptr_t)b->code;
    if (__atomic_load_n(&x->unsorted, __ATOMIC_RELAXED))
        return;
    if (n >= (size_t)RT_CODE_INDEX_CHUNKS * RT_CODE_INDEX_CHUNK ||
        (n > 0 && start < x->chunk[(n - 1) / RT_CODE_INDEX_CHUNK]
                                  [(n - 1) % RT_CODE_INDEX_CHUNK].start)) {
        __atomic_store_n(&x->unsorted, true, __ATOMIC_RELEASE);
        return;
    }
    size_t c = n / RT_CODE_INDEX_CHUNK;
    if (!x->chunk[c]) {
        RtCodeIndexEntry *e = malloc(RT_CODE_INDEX_CHUNK * sizeof *e);
        if (!e)
            abort();            /* ferry's own memory, as for the block itself */
        __atomic_store_n(&x->chunk[c], e, __ATOMIC_RELEASE);
    }
    x->chunk[c][n % RT_CODE_INDEX_CHUNK] = (RtCodeIndexEntry){ start, b };
    __atomic_store_n(&x->n, n + 1, __ATOMIC_RELEASE);
}

void rt_code_index_clear(RtCodeIndex *x)
{
    x->n = 0;
    x->unsorted = false;
}

void rt_code_index_free(RtCodeIndex *x)
{
    for (size_t c = 0; c < RT_CODE_INDEX_CHUNKS; c++) {
        free(x->chunk[c]);
        x->chunk[c] = NULL;
    }
    rt_code_index_clear(x);
}

static const RtCodeIndexEntry *entry(const RtCodeIndex *x, size_t i)
{
    return &__atomic_load_n(&x->chunk[i / RT_CODE_INDEX_CHUNK], __ATOMIC_ACQUIRE)
                [i % RT_CODE_INDEX_CHUNK];
}

RtBlock *rt_block_by_host_pc(const RtProcess *p, uintptr_t host_pc)
{
    const RtCodeIndex *x = &p->blocks.by_code;
    if (__atomic_load_n(&x->unsorted, __ATOMIC_ACQUIRE)) {
        for (RtBlock *b = __atomic_load_n(&p->blocks.all, __ATOMIC_ACQUIRE); b; b = b->all_next)
            if (b->code && host_pc >= (uintptr_t)b->code &&
                host_pc < (uintptr_t)b->code + b->code_size)
                return b;
        return NULL;
    }
    size_t lo = 0, hi = __atomic_load_n(&x->n, __ATOMIC_ACQUIRE);  /* first start > host_pc */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry(x, mid)->start <= host_pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const RtCodeIndexEntry *e = entry(x, lo - 1);
    return host_pc < e->start + e->b->code_size ? e->b : NULL;
}
