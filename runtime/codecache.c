/* codecache.c — the code region: one memfd mapped twice, a writable view the backend writes
 * through and an executable view that runs, so no page is ever writable and executable in
 * the same mapping (W^X even for ferry's own code). CodeBuf.exec_delta links the two.
 *
 * Each fill of the region starts with the backend's entry trampoline; blocks follow, bump-
 * allocated. When the region is full, rt_cache_flush empties it: every block, the block
 * table, the chaining index and every thread's jump cache go, and the trampoline is emitted
 * again. Flushing happens only while no thread runs generated code (from the dispatcher, a
 * system call or translation), so no stale return address into the region can remain.
 *
 * fork: the region is MAP_SHARED, so a forked child would share it with its parent and each
 * would write its own blocks over the other's. The child therefore gets a fresh, empty region
 * at the same two addresses: the parent creates the memfd before forking (so running out of
 * descriptors or memory is fork's -errno, not a broken child), the child maps it over both
 * views with MAP_FIXED and flushes, which rewrites the trampoline and forgets every block
 * (the child is inside a system call: nothing of its own runs in the region). A fresh cache
 * rather than a copy: copying would cost the parent time proportional to the cache on every
 * fork and would race with the parent patching chains after it returns, while most children
 * exec soon and never use the copy. The child retranslates what it runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime/rt.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010u    /* Linux 6.3: memfds may be executable (vm.memfd_noexec) */
#endif

#if defined(__aarch64__)
/* aarch64 hosts: instruction fetch sees code written through the writable view after
 * __builtin___clear_cache (DC CVAU + IC IVAU by address of the executable view). Emulators
 * may not: qemu-user before 8.1, which the aarch64 tests run under, keeps its translations of
 * a page until the page's protection changes. rt_cache_init finds out by rewriting and
 * rerunning two instructions; where the rewrite is not seen, every rt_cache_sync also makes
 * the pages writable and back (the way such an emulator notices). Process state, set once by
 * rt_cache_init and then only read (rt_cache_sync runs in signal handlers too). */
static bool sync_by_mprotect;
static uintptr_t sync_page_size;

/* `mov w0, #1; ret` at the start of the empty region, run; then `mov w0, #2`, run again. */
static bool fetch_sees_rewrites(RtCodeCache *c)
{
    static const uint32_t code[3] = { 0x52800020u, 0x52800040u, 0xd65f03c0u };
    uint8_t *x = c->rx;
    int (*fn)(void) = (int (*)(void))(void *)x;
    memcpy(c->rw, &code[0], 4);
    memcpy((uint8_t *)c->rw + 4, &code[2], 4);
    __builtin___clear_cache((char *)x, (char *)x + 8);
    int first = fn();
    memcpy(c->rw, &code[1], 4);
    __builtin___clear_cache((char *)x, (char *)x + 8);
    return first == 1 && fn() == 2;
}
#endif

/* Emit the trampoline at the start of the region. */
static void emit_trampoline(RtProcess *p)
{
    RtCodeCache *c = &p->cache;
    c->cb.p = c->cb.start;
    c->cb.jc_miss = NULL;
    c->enter = NULL;
    if (p->backend) {
        void *tramp = p->backend->emit_trampoline(&c->cb, &p->gi);
        if (!tramp) {
            /* The region cannot hold even the trampoline, or is bigger than the backend's
             * exits reach (aarch64: 128 MiB): ferry's own configuration bug. */
            fprintf(stderr, "ferry: internal error: the backend cannot use a code cache of "
                    "%zu bytes\n", c->size);
            abort();
        }
        rt_cache_sync(tramp, (size_t)(c->cb.p - c->cb.start));
        c->enter = (BackendEnterFn)tramp;
        if (rt_log_code_on(p))
            rt_log_code(p, tramp, (size_t)(c->cb.p - c->cb.start),
                        "ferry_trampoline");
    }
    c->blocks_start = c->cb.p;
}

/* A memfd of `size` bytes created with `flags`: the descriptor, or -errno. */
static int cache_memfd(size_t size, unsigned flags)
{
    int fd = memfd_create("ferry-code", flags);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int rt_cache_init(RtProcess *p, size_t size)
{
    RtCodeCache *c = &p->cache;
    c->memfd_flags = MFD_CLOEXEC;
    int fd = cache_memfd(size, c->memfd_flags);
    if (fd < 0)
        return fd;
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (rx == MAP_FAILED && errno == EACCES) {
        /* vm.memfd_noexec: ask for an executable memfd explicitly. */
        if (rw != MAP_FAILED)
            munmap(rw, size);
        close(fd);
        c->memfd_flags = MFD_CLOEXEC | MFD_EXEC;
        fd = cache_memfd(size, c->memfd_flags);
        if (fd < 0)
            return -EACCES;
        rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    }
    int e = errno;
    close(fd);              /* the mappings keep the memory */
    if (rw == MAP_FAILED || rx == MAP_FAILED) {
        if (rw != MAP_FAILED)
            munmap(rw, size);
        if (rx != MAP_FAILED)
            munmap(rx, size);
        return -e;
    }
    c->rw = rw;
    c->rx = rx;
    c->size = size;
    c->cb.start = rw;
    c->cb.end = (uint8_t *)rw + size;
    c->cb.exec_delta = (intptr_t)rx - (intptr_t)rw;
#if defined(__aarch64__)
    sync_page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    sync_by_mprotect = !fetch_sees_rewrites(c);
#endif
    emit_trampoline(p);
    return 0;
}

int rt_cache_fork_prepare(RtProcess *p, int *fd)
{
    *fd = -1;
    if (!p->cache.rw)
        return 0;               /* interpreter only: nothing shared */
    int r = cache_memfd(p->cache.size, p->cache.memfd_flags);
    if (r < 0)
        return r;
    *fd = r;
    return 0;
}

void rt_cache_fork_parent(RtProcess *p, int fd)
{
    (void)p;
    if (fd >= 0)
        close(fd);
}

void rt_cache_fork_child(RtProcess *p, int fd)
{
    RtCodeCache *c = &p->cache;
    if (fd < 0)
        return;
    void *rw = mmap(c->rw, c->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    void *rx = rw == c->rw ? mmap(c->rx, c->size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED,
                                  fd, 0)
                           : MAP_FAILED;
    close(fd);
    if (rw != c->rw || rx != c->rx) {
        /* The views may be half replaced: never write to them again. The interpreter needs
         * no code region, so the child goes on, slower (as when the cache cannot be made at
         * start-up). */
        fprintf(stderr, "ferry: fork: cannot give the child its own code cache (%s): using "
                "the interpreter\n", strerror(errno));
        munmap(c->rw, c->size);
        munmap(c->rx, c->size);
        c->cb.jc_miss = NULL;
        rt_blocks_clear(p);
        c->rw = c->rx = NULL;
        c->enter = NULL;
        p->opt.interp = true;
        p->chain = false;
        p->tiering = false;
        return;
    }
    rt_cache_flush(p);
}

void rt_cache_flush(RtProcess *p)
{
    /* The trampoline first: the jump caches are emptied with its miss routine
     * (CodeBuf.jc_miss). Every other thread is stopped, and no block is left to run. */
    if (p->cache.rw)
        emit_trampoline(p);
    rt_blocks_clear(p);
    rt_smc_clear(p);        /* no translation left: the code pages are writable again */
    p->stats.flushes++;
}

bool rt_cache_contains(const RtProcess *p, uintptr_t host_pc)
{
    return p->cache.rx && host_pc >= (uintptr_t)p->cache.rx &&
           host_pc < (uintptr_t)p->cache.rx + p->cache.size;
}

void rt_cache_sync(void *exec, size_t n)
{
    /* x86 keeps instruction fetch coherent with stores (to another mapping of the same page
     * too); other hosts need the explicit cache maintenance. */
#if !defined(__x86_64__) && !defined(__i386__)
    __builtin___clear_cache((char *)exec, (char *)exec + n);
#if defined(__aarch64__)
    if (sync_by_mprotect) {         /* see fetch_sees_rewrites; errors change nothing */
        uintptr_t lo = (uintptr_t)exec & ~(sync_page_size - 1);
        uintptr_t hi = ((uintptr_t)exec + n + sync_page_size - 1) & ~(sync_page_size - 1);
        mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC);
        mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC);
    }
#endif
#else
    (void)exec;
    (void)n;
#endif
}
