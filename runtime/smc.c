/* smc.c — self-modifying code: guest pages that hold translated code are write-protected, so
 * a guest store to them faults and the translations go before the next instruction runs.
 *
 * Which pages: only executable ones the guest may write (PROT_WRITE | PROT_EXEC: a JIT's RWX
 * buffer, an executable stack, code mprotected RWX). Pages the guest cannot write change only
 * through mprotect/mmap/munmap, which flush the code cache themselves (mem.c invalidate). Such
 * a page is entered in a table and its host protection loses PROT_WRITE before translation
 * reads it (translate.c, under tb_lock: the page the block starts on, before the bytes are
 * fetched, then every page of the block once it is recorded). A page protected only after
 * its bytes were read (the rest of a block that runs into the next page) may have been
 * written in between by another thread: the block's bytes are compared with memory then, and
 * a mismatch makes the process dirty (flushed at the next dispatch).
 *
 * A write to such a page (fault.c, before any other use of the fault):
 *   - in generated code with a host pc -> guest map: the state is made exact at the storing
 *     instruction, the page is made writable again, the process is marked dirty, and the
 *     thread goes back to rt_run, which flushes the code cache (every block, jump cache and
 *     chain: nothing can reach a stale translation) and runs that one instruction through the
 *     interpreter from a translation it keeps nowhere (rt_step_insn). So the store happens,
 *     and the next instruction is fetched from memory as it is after the store, even when the
 *     store wrote the block that was running (x86 semantics, SDM Vol. 3 §11.6);
 *   - from a helper called through fe_call_mem (rep movs...): the same, the state being exact
 *     at the instruction there too (X86State.helper_pc);
 *   - anywhere else (other helpers, the interpreter, ferry's guarded copies):
 *     the page is made writable, the process marked dirty, and the store retried; the thread
 *     is interrupted, so it flushes at its next backward exit or indirect jump at the latest
 *     (the rest of the block that was running is not retranslated: an interpreted block that
 *     rewrites itself sees the change from the next block on);
 *   - the host kernel (a system call writing guest memory) does not fault but fails with
 *     EFAULT: rt_syscall then makes every protected page writable and performs the call once
 *     more (a call that fails with EFAULT has had no effect).
 * Other threads find the process dirty when they next enter the dispatcher, and the flush
 * itself stops every thread (threads.c), so they too stop using stale code (cross-modifying
 * code needs the writer to synchronise with them on x86 anyway).
 *
 * Not seen by protection: a second mapping of the same memory (a JIT with separate RW and RX
 * views of one file) and other processes writing shared memory; those still rely on each
 * block's hash, checked when a block is found in the table (rt_block_find).
 *
 * The table is open addressing over page numbers, written by the recording thread under
 * tb_lock and read (and the state word changed with atomics) by fault handlers of any thread,
 * which take no lock. Entries are removed only by rt_smc_forget (mem.c, under mm_lock, when
 * the guest changes the mapping: the page is unprotected first) and by
 * rt_smc_clear (the flush, every other thread stopped). A full table protects no more pages
 * (those rely on the hash check). A write that faulted on a protected page whose entry another
 * thread's rt_smc_forget removed before the handler looked is run once more (the page has its
 * guest protection back by then); only a second fault there is the guest's.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime/rt.h"

#define SMC_SLOTS 4096u                 /* a power of two; entries beyond 3/4 are refused */

/* One entry: page number, the guest protection the host page has when unprotected, and
 * whether PROT_WRITE is off at the host now. Empty: page 0 (guest page 0 is never code). */
typedef struct SmcEntry {
    uint64_t page;                      /* guest address >> 12; 0: empty; SMC_DEAD: removed */
    int prot;                           /* guest protection (PROT_*) */
    int protected_now;                  /* 1: host PROT_WRITE is off (changed under lock) */
    int lock;                           /* held across a change of protected_now and its
                                         * mprotect, so the two always agree */
} SmcEntry;

#define SMC_DEAD (~0ull)

struct RtSmcTable {
    SmcEntry e[SMC_SLOTS];
    uint32_t used;                      /* slots not empty (dead ones included) */
    uint32_t forgotten;                 /* entries rt_smc_forget ever removed (kept by the
                                         * clear: a fault handler compares two counts) */
};

static uint32_t slot_of(uint64_t page)
{
    return (uint32_t)((page * 0x9e3779b97f4a7c15ull) >> 40) & (SMC_SLOTS - 1);
}

static SmcEntry *find(RtSmcTable *tab, uint64_t page)
{
    for (uint32_t i = slot_of(page), k = 0; k < SMC_SLOTS; k++, i = (i + 1) & (SMC_SLOTS - 1)) {
        uint64_t pg = __atomic_load_n(&tab->e[i].page, __ATOMIC_ACQUIRE);
        if (pg == 0)
            return NULL;
        if (pg == page)
            return &tab->e[i];
    }
    return NULL;
}

/* The entry's protection state and the host page's protection change together: without the
 * lock a fault handler opening the page could run its mprotect after another thread's
 * protecting one (the page writable with protected_now 1: writes unseen), or the reverse
 * (read-only with protected_now 0: a write retried for ever). */
static void entry_lock(SmcEntry *e)
{
    while (__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&e->lock, __ATOMIC_RELAXED))
            ;
}

static void entry_unlock(SmcEntry *e)
{
    __atomic_store_n(&e->lock, 0, __ATOMIC_RELEASE);
}

static bool host_pages_fit(void)
{
    static int fit = -1;                /* process state: set once, the same for every thread */
    if (fit < 0)
        fit = sysconf(_SC_PAGESIZE) == (long)RT_PAGE_SIZE;
    return fit;
}

bool rt_smc_protect(RtProcess *p, uint64_t start, uint64_t len)
{
    bool fresh = false;
    if (p->machine || !len || !host_pages_fit())
        return false;
    RtSmcTable *tab = p->smc;
    if (!tab) {
        tab = calloc(1, sizeof *tab);
        if (!tab)
            return false;               /* the hash check still covers these blocks */
        __atomic_store_n(&p->smc, tab, __ATOMIC_RELEASE);
    }
    /* mm_lock (read) across the lookup and the mprotect: the guest's mapping calls (which
     * take it to write) cannot change the page in between. */
    pthread_rwlock_rdlock(&p->mm_lock);
    for (uint64_t a = RT_PAGE_DOWN(start); a < start + len; a += RT_PAGE_SIZE) {
        uint64_t page = a >> 12;
        SmcEntry *e = find(tab, page);
        if (e) {
            /* Unprotected by a write whose flush has not happened yet: protect it again for
             * this new block (the coming flush drops it anyway). */
            entry_lock(e);
            if (!e->protected_now &&
                mprotect((void *)(uintptr_t)a, RT_PAGE_SIZE, rt_host_prot(e->prot & ~PROT_WRITE)) == 0) {
                __atomic_store_n(&e->protected_now, 1, __ATOMIC_RELEASE);
                fresh = true;
            }
            entry_unlock(e);
            continue;
        }
        const RtMapping *m = rt_map_find(&p->map, a);
        int prot = m ? m->prot : -1;
        if (prot < 0 || (prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC) ||
            tab->used >= SMC_SLOTS / 4 * 3)
            continue;
        uint32_t i = slot_of(page);
        while (tab->e[i].page != 0)
            i = (i + 1) & (SMC_SLOTS - 1);
        /* The entry is published before the page loses PROT_WRITE: another thread's write
         * that faults on it must find it (else the fault would be the guest's SIGSEGV). */
        SmcEntry *n = &tab->e[i];
        n->prot = prot;
        n->protected_now = 0;
        n->lock = 1;
        __atomic_store_n(&n->page, page, __ATOMIC_RELEASE);
        tab->used++;
        if (mprotect((void *)(uintptr_t)a, RT_PAGE_SIZE, rt_host_prot(prot & ~PROT_WRITE)) == 0) {
            __atomic_store_n(&n->protected_now, 1, __ATOMIC_RELEASE);
            fresh = true;
        }
        entry_unlock(n);
    }
    pthread_rwlock_unlock(&p->mm_lock);
    return fresh;
}

/* Give page e its guest protection back. Async-signal-safe: the lock is held only around an
 * mprotect, which cannot fault, so a fault handler never waits for its own thread. */
static void unprotect(SmcEntry *e)
{
    entry_lock(e);
    if (e->protected_now) {
        mprotect((void *)(uintptr_t)(e->page << 12), RT_PAGE_SIZE, rt_host_prot(e->prot));
        __atomic_store_n(&e->protected_now, 0, __ATOMIC_RELEASE);
    }
    entry_unlock(e);
}

/* The page of the last write fault this thread retried because its entry might have just
 * been removed (SMC_FAULT_RETRY), and the table's forgotten count then: a second fault on it
 * is not retried again unless another entry has gone since. */
static __thread uint64_t retried_page;
static __thread uint32_t retried_forgotten;

RtSmcFault rt_smc_write_fault(RtProcess *p, uint64_t addr)
{
    RtSmcTable *tab = __atomic_load_n(&p->smc, __ATOMIC_ACQUIRE);
    if (!tab)
        return SMC_FAULT_NONE;
    SmcEntry *e = find(tab, addr >> 12);
    if (!e) {
        /* rt_smc_forget (another thread's munmap/mprotect/mremap) may have given the page its
         * guest protection back and removed the entry between this write's fault and here:
         * then the write must simply happen. Running the instruction once more tells: a page
         * still not writable faults again, and that fault is the guest's. */
        uint64_t page = (addr >> 12) + 1;   /* + 1: page 0 is "none" */
        uint32_t forgotten = __atomic_load_n(&tab->forgotten, __ATOMIC_ACQUIRE);
        if (forgotten && (retried_page != page || retried_forgotten != forgotten)) {
            retried_page = page;
            retried_forgotten = forgotten;
            return SMC_FAULT_RETRY;
        }
        retried_page = 0;
        return SMC_FAULT_NONE;
    }
    /* Protected: open it. Already open (another thread's write got there first, or this
     * thread's previous attempt): the store can simply be retried. */
    unprotect(e);
    __atomic_store_n(&p->smc_dirty, 1, __ATOMIC_RELEASE);
    return SMC_FAULT_OPENED;
}

bool rt_smc_unprotect_all(RtProcess *p)
{
    RtSmcTable *tab = __atomic_load_n(&p->smc, __ATOMIC_ACQUIRE);
    bool any = false;
    if (!tab)
        return false;
    for (uint32_t i = 0; i < SMC_SLOTS; i++) {
        SmcEntry *e = &tab->e[i];
        uint64_t pg = __atomic_load_n(&e->page, __ATOMIC_ACQUIRE);
        if (pg != 0 && pg != SMC_DEAD && __atomic_load_n(&e->protected_now, __ATOMIC_ACQUIRE)) {
            unprotect(e);
            any = true;
        }
    }
    if (any)
        __atomic_store_n(&p->smc_dirty, 1, __ATOMIC_RELEASE);
    return any;
}

/* Page e gets its guest protection back, then its entry goes (counted for rt_smc_write_fault's
 * retry of a write that faulted just before). */
static void forget_entry(RtSmcTable *tab, SmcEntry *e)
{
    unprotect(e);
    __atomic_store_n(&e->page, SMC_DEAD, __ATOMIC_RELEASE);
    __atomic_add_fetch(&tab->forgotten, 1, __ATOMIC_RELEASE);
}

void rt_smc_forget(RtProcess *p, uint64_t start, uint64_t end)
{
    RtSmcTable *tab = p->smc;
    if (!tab || !tab->used)
        return;
    /* Each page gets its guest protection back first (mremap moves pages as they are,
     * madvise keeps them), then the entry goes. A dead entry keeps its slot (probe chains
     * stay intact) until the flush empties the table. */
    if ((end - start) / RT_PAGE_SIZE <= SMC_SLOTS) {
        for (uint64_t a = RT_PAGE_DOWN(start); a < end; a += RT_PAGE_SIZE) {
            SmcEntry *e = find(tab, a >> 12);
            if (e)
                forget_entry(tab, e);
        }
        return;
    }
    for (uint32_t i = 0; i < SMC_SLOTS; i++) {
        uint64_t pg = tab->e[i].page;
        if (pg != 0 && pg != SMC_DEAD && pg << 12 >= RT_PAGE_DOWN(start) && pg << 12 < end)
            forget_entry(tab, &tab->e[i]);
    }
}

void rt_smc_clear(RtProcess *p)
{
    RtSmcTable *tab = p->smc;
    __atomic_store_n(&p->smc_dirty, 0, __ATOMIC_RELEASE);
    if (!tab || !tab->used)
        return;
    for (uint32_t i = 0; i < SMC_SLOTS; i++) {
        SmcEntry *e = &tab->e[i];
        if (e->page != 0 && e->page != SMC_DEAD)
            unprotect(e);
    }
    uint32_t forgotten = tab->forgotten;
    memset(tab, 0, sizeof *tab);
    tab->forgotten = forgotten;
}
