/* mem.c — the guest address space: brk, the mmap family, safe copies and code fetch.
 *
 * Guest base is 0: guest address == host address, so mapping calls go to the host kernel
 * with the guest's addresses, and the mapping table (mem_map.c) records what the guest owns.
 * The guest's addresses lie below a limit (space.c: RtProcess.user_top), above which ferry's
 * own memory lies behind a guard; generated code, helpers and the interpreter check every
 * guest access against it, so a wild guest pointer never reaches ferry (ir.h "guest_limit").
 * Contracts:
 *   - placement: mmap without MAP_FIXED takes its hint when the range is free and below the
 *     limit, else the highest free range below mmap_top (space.c, as Linux's top-down
 *     search); MAP_FIXED(_NOREPLACE) and MREMAP_FIXED at or above the limit fail with
 *     ENOMEM/EINVAL, as Linux does past TASK_SIZE; a moving mremap grows in place when it
 *     can, else moves to a range ferry picks.
 *   - brk follows Linux: it starts at the page after the highest segment, brk(0) (or anything
 *     below the start) returns the current break, growth maps anonymous pages with
 *     MAP_FIXED_NOREPLACE, shrinking unmaps whole pages, and failure returns the old break.
 *   - mmap/munmap/mprotect/mremap/madvise validate flags and protections as Linux does and
 *     never touch ferry's own memory: a MAP_FIXED (or MREMAP_FIXED) over a range that holds
 *     ferry memory fails with ENOMEM, munmap skips it, mprotect/madvise on it fail with ENOMEM
 *     (to the guest it is simply not mapped).
 *   - Changing a mapping that held executable guest code flushes the code cache, so a guest
 *     that unmaps or rewrites code (after mprotect) never runs stale translations.
 *   - Safe copies check the table, then copy with rt_guarded_copy (guarded_copy.c), so a bad
 *     guest pointer gives -EFAULT and never a ferry crash (also a file mapping beyond its end,
 *     which SIGBUSes a plain memcpy).
 *   - Threads: the table is guarded by RtProcess.mm_lock (the mmap family writes, copies and
 *     code fetch read); a change to code memory flushes the code cache with every other
 *     thread stopped, after the lock is released (invalidate).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/machine.h"
#include "runtime/rt.h"

/* ABI values ferry passes straight to the host when the host uses the same numbers. */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(GUEST_MAP_FIXED == MAP_FIXED && GUEST_MAP_ANONYMOUS == MAP_ANONYMOUS &&
               GUEST_MAP_NORESERVE == MAP_NORESERVE && GUEST_MAP_POPULATE == MAP_POPULATE &&
               GUEST_MAP_FIXED_NOREPLACE == MAP_FIXED_NOREPLACE &&
               GUEST_MAP_STACK == MAP_STACK && GUEST_MAP_SHARED == MAP_SHARED &&
               GUEST_MAP_PRIVATE == MAP_PRIVATE && GUEST_PROT_READ == PROT_READ &&
               GUEST_PROT_WRITE == PROT_WRITE && GUEST_PROT_EXEC == PROT_EXEC,
               "mmap constants: the host uses the asm-generic values");
#endif

void rt_mem_init(RtProcess *p)
{
    rt_map_init(&p->map);
    /* Until rt_space_init chooses a limit: the whole user range, mmap below a stack gap. */
    p->user_top = RT_USER_TOP;
    p->mmap_top = RT_USER_TOP - RT_STACK_GAP;
    p->brk_start = p->brk_cur = p->brk_mapped = 0;
}

/* ---------------------------------------------------------------- invalidation */

/* Guest memory [start, end) is about to change: if it held code, translations must go. The
 * caller holds mm_lock, and a flush must not wait for the other threads with it held (a
 * running thread may need it to reach a safe point), so the flush is only noted here and done
 * by the public entry point once mm_lock is released, before the system call returns. */
static void invalidate(RtProcess *p, uint64_t start, uint64_t end, bool *flush)
{
    rt_smc_forget(p, start, end);   /* the caller sets the host protection of the range */
    if (__atomic_load_n(&p->blocks.count, __ATOMIC_RELAXED) > 0 &&
        rt_map_any_prot(&p->map, start, end, PROT_EXEC))
        *flush = true;
}

/* The mmap family's entry points: the operation under mm_lock (write), then the flush it
 * asked for. */
static void mm_lock(RtProcess *p)   { pthread_rwlock_wrlock(&p->mm_lock); }
static void mm_unlock(RtProcess *p, bool flush)
{
    pthread_rwlock_unlock(&p->mm_lock);
    if (flush)
        rt_flush_exclusive(p, NULL);
}

/* Unmap the guest-owned parts of [start, end) and forget them; holes and ferry's memory are
 * left alone. */
static void unmap_guest(RtProcess *p, uint64_t start, uint64_t end)
{
    const RtMapping *m;
    uint64_t at = start;
    rt_files_forget(&p->files, start, end);
    while ((m = rt_map_next(&p->map, at)) != NULL && m->start < end) {
        uint64_t s = m->start > start ? m->start : start, e = m->end < end ? m->end : end;
        munmap((void *)(uintptr_t)s, e - s);
        rt_map_remove(&p->map, s, e);
        at = e;
    }
}

/* ---------------------------------------------------------------- brk */

static uint64_t brk_locked(RtProcess *p, uint64_t addr, bool *flush)
{
    if (addr < p->brk_start || addr > p->user_top)
        return p->brk_cur;
    uint64_t need = RT_PAGE_UP(addr);
    if (need > p->brk_mapped) {
        uint64_t len = need - p->brk_mapped;
        void *want = (void *)(uintptr_t)p->brk_mapped;
        void *r = mmap(want, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (r == MAP_FAILED)
            return p->brk_cur;
        if (r != want) {            /* a kernel that treats NOREPLACE as a hint */
            munmap(r, len);
            return p->brk_cur;
        }
        rt_map_add(&p->map, p->brk_mapped, need, PROT_READ | PROT_WRITE);
        p->brk_mapped = need;
    } else if (need < p->brk_mapped) {
        invalidate(p, need, p->brk_mapped, flush);
        unmap_guest(p, need, p->brk_mapped);
        p->brk_mapped = need;
    }
    p->brk_cur = addr;
    return addr;
}

/* ---------------------------------------------------------------- claiming ranges */

/* The first sub-range at or after `at` and below `end` that the guest does not own, as
 * [*hs, *he). Returns false when there is none. */
static bool next_hole(const RtProcess *p, uint64_t at, uint64_t end, uint64_t *hs, uint64_t *he)
{
    while (at < end) {
        const RtMapping *m = rt_map_next(&p->map, at);
        if (m && m->start <= at) {
            at = m->end;
            continue;
        }
        *hs = at;
        *he = m && m->start < end ? m->start : end;
        return true;
    }
    return false;
}

/* Unmap the placeholders claim() put in the holes of [start, end). */
static void release_holes(const RtProcess *p, uint64_t start, uint64_t end)
{
    uint64_t hs, he;
    for (uint64_t at = start; next_hole(p, at, end, &hs, &he); at = he)
        munmap((void *)(uintptr_t)hs, he - hs);
}

/* Make sure [start, end) holds only guest memory or nothing, so MAP_FIXED there cannot
 * clobber ferry: each hole gets a PROT_NONE placeholder (which the fixed mapping replaces).
 * Returns 0, or -ENOMEM (leaving nothing behind) if some hole is ferry's memory. */
static int claim(const RtProcess *p, uint64_t start, uint64_t end)
{
    uint64_t hs, he;
    for (uint64_t at = start; next_hole(p, at, end, &hs, &he); at = he) {
        void *want = (void *)(uintptr_t)hs;
        void *r = mmap(want, he - hs, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (r != want) {
            if (r != MAP_FAILED)
                munmap(r, he - hs);     /* a kernel that treats NOREPLACE as a hint */
            release_holes(p, start, hs);
            return -ENOMEM;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- mmap family */

static bool prot_valid(int prot)
{
    return (prot & ~(GUEST_PROT_READ | GUEST_PROT_WRITE | GUEST_PROT_EXEC | GUEST_PROT_SEM |
                     GUEST_PROT_GROWSDOWN | GUEST_PROT_GROWSUP)) == 0;
}

#define KNOWN_MAP_FLAGS (GUEST_MAP_TYPE | GUEST_MAP_FIXED | GUEST_MAP_ANONYMOUS | \
    GUEST_MAP_32BIT | GUEST_MAP_GROWSDOWN | GUEST_MAP_DENYWRITE | GUEST_MAP_EXECUTABLE | \
    GUEST_MAP_LOCKED | GUEST_MAP_NORESERVE | GUEST_MAP_POPULATE | GUEST_MAP_NONBLOCK | \
    GUEST_MAP_STACK | GUEST_MAP_HUGETLB | GUEST_MAP_SYNC | GUEST_MAP_FIXED_NOREPLACE | \
    GUEST_MAP_UNINITIALIZED | GUEST_MAP_HUGE_MASK)

/* Guest mmap flags -> host flags (the same numbers on x86-64 and aarch64 hosts, except
 * MAP_32BIT, which only an x86 host has). */
static int host_map_flags(int gflags)
{
    int f = gflags & (GUEST_MAP_TYPE | GUEST_MAP_FIXED | GUEST_MAP_ANONYMOUS |
                      GUEST_MAP_NORESERVE | GUEST_MAP_POPULATE | GUEST_MAP_NONBLOCK |
                      GUEST_MAP_STACK | GUEST_MAP_HUGETLB | GUEST_MAP_SYNC | GUEST_MAP_LOCKED |
                      GUEST_MAP_FIXED_NOREPLACE | GUEST_MAP_HUGE_MASK);
#ifdef MAP_32BIT
    if (gflags & GUEST_MAP_32BIT)
        f |= MAP_32BIT;
#endif
    return f;
}

/* mmap without MAP_FIXED: as Linux, at the hint when that range is free and inside the
 * guest's space, else the highest free range below mmap_top (below 2 GiB for MAP_32BIT). */
static void *place(RtProcess *p, uint64_t hint, uint64_t ulen, uint64_t len, int hprot,
                   int hflags, int gflags, int fd, uint64_t off)
{
#ifdef MAP_32BIT
    hflags &= ~MAP_32BIT;
#endif
    hint = RT_PAGE_UP(hint);
    if (hint >= 0x10000 && hint + ulen <= p->user_top && hint + ulen > hint) {
        const RtMapping *m = rt_map_next(&p->map, hint);
        if (!m || m->start >= hint + ulen) {
            void *want = (void *)(uintptr_t)hint;
            void *r = mmap(want, len, hprot, hflags | MAP_FIXED_NOREPLACE, fd, (off_t)off);
            if (r == want)
                return r;
            if (r != MAP_FAILED)
                munmap(r, len);
            else if (errno != EEXIST)
                return MAP_FAILED;
        }
    }
    uint64_t top = (gflags & GUEST_MAP_32BIT) ? 1ull << 31 : p->mmap_top;
    return rt_space_map(p, len, 0, top, hprot, hflags, fd, (off_t)off);
}

static int64_t mmap_locked(RtProcess *p, uint64_t addr, uint64_t len, int prot, int flags,
                           int fd, uint64_t off, bool *flush)
{
    int type = flags & GUEST_MAP_TYPE;
    if (type != GUEST_MAP_SHARED && type != GUEST_MAP_PRIVATE && type != GUEST_MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (type == GUEST_MAP_SHARED_VALIDATE && (flags & ~KNOWN_MAP_FLAGS))
        return -EOPNOTSUPP;
    if (len == 0 || (off & (RT_PAGE_SIZE - 1)) || !prot_valid(prot) ||
        (prot & (GUEST_PROT_GROWSDOWN | GUEST_PROT_GROWSUP)))
        return -EINVAL;
    uint64_t ulen = RT_PAGE_UP(len);
    if (ulen == 0 || ulen > p->user_top)
        return -ENOMEM;
    if (!(flags & GUEST_MAP_ANONYMOUS) && fd >= 0 && fd == p->log_fd)
        return -EBADF;
    bool fixed = flags & GUEST_MAP_FIXED;
    bool noreplace = flags & GUEST_MAP_FIXED_NOREPLACE;
    if (fixed || noreplace) {
        if (addr & (RT_PAGE_SIZE - 1))
            return -EINVAL;
        /* Linux: ENOMEM beyond TASK_SIZE; here beyond the guest's space (space.c), which
         * is smaller than Linux's when there is a guest limit. */
        if (addr + ulen > p->user_top || addr + ulen < addr)
            return -ENOMEM;
    }
    int hflags = host_map_flags(flags);
    if (type == GUEST_MAP_SHARED_VALIDATE)
        hflags = (hflags & ~GUEST_MAP_TYPE) | MAP_SHARED_VALIDATE;
    if (fixed) {
        hflags &= ~MAP_FIXED_NOREPLACE;
        if (claim(p, addr, addr + ulen) < 0)
            return -ENOMEM;
        invalidate(p, addr, addr + ulen, flush);
    }
    void *r;
    if (fixed || noreplace)
        r = mmap((void *)(uintptr_t)addr, len, rt_host_prot(prot), hflags, fd, (off_t)off);
    else
        r = place(p, addr, ulen, len, rt_host_prot(prot), hflags, flags, fd, off);
    if (r == MAP_FAILED) {
        int e = errno;
        if (fixed)      /* Linux checks before unmapping: the old mappings are intact */
            release_holes(p, addr, addr + ulen);
        return -e;
    }
    uint64_t got = (uint64_t)(uintptr_t)r;
    if (noreplace && got != addr) {     /* a kernel without MAP_FIXED_NOREPLACE */
        munmap(r, ulen);
        return -EEXIST;
    }
    rt_map_add(&p->map, got, got + ulen, prot & (GUEST_PROT_READ | GUEST_PROT_WRITE |
                                                 GUEST_PROT_EXEC));
    rt_files_forget(&p->files, got, got + ulen);   /* the host's maps name the new mapping */
    return (int64_t)got;
}

static int64_t munmap_locked(RtProcess *p, uint64_t addr, uint64_t len, bool *flush)
{
    if ((addr & (RT_PAGE_SIZE - 1)) || len == 0)
        return -EINVAL;
    uint64_t ulen = RT_PAGE_UP(len);
    if (ulen == 0 || addr + ulen < addr || addr + ulen > RT_USER_TOP)
        return -EINVAL;     /* Linux's TASK_SIZE: above the guest's space is just unmapped */
    uint64_t end = addr + ulen;
    invalidate(p, addr, end, flush);
    /* Unmap only what the guest owns: the rest is a hole or ferry's memory. (Like Linux,
     * unmapping part of the heap leaves the break where it is.) */
    unmap_guest(p, addr, end);
    return 0;
}

static int64_t mprotect_locked(RtProcess *p, uint64_t addr, uint64_t len, int prot, bool *flush)
{
    if ((addr & (RT_PAGE_SIZE - 1)) || !prot_valid(prot))
        return -EINVAL;
    if ((prot & GUEST_PROT_GROWSDOWN) && (prot & GUEST_PROT_GROWSUP))
        return -EINVAL;
    if (len == 0)
        return 0;
    uint64_t ulen = RT_PAGE_UP(len);
    if (ulen == 0 || addr + ulen < addr)
        return -ENOMEM;
    if (!rt_map_covers(&p->map, addr, ulen, 0))
        return -ENOMEM;
    int gprot = prot & (GUEST_PROT_READ | GUEST_PROT_WRITE | GUEST_PROT_EXEC);
    invalidate(p, addr, addr + ulen, flush);
    if (mprotect((void *)(uintptr_t)addr, ulen, rt_host_prot(gprot)) != 0)
        return -errno;
    rt_map_add(&p->map, addr, addr + ulen, gprot);
    return 0;
}

static int64_t mremap_locked(RtProcess *p, uint64_t old, uint64_t old_len, uint64_t new_len,
                             int flags, uint64_t new_addr, bool *flush)
{
    if ((old & (RT_PAGE_SIZE - 1)) ||
        (flags & ~(GUEST_MREMAP_MAYMOVE | GUEST_MREMAP_FIXED | GUEST_MREMAP_DONTUNMAP)))
        return -EINVAL;
    if ((flags & (GUEST_MREMAP_FIXED | GUEST_MREMAP_DONTUNMAP)) && !(flags & GUEST_MREMAP_MAYMOVE))
        return -EINVAL;
    /* old_len 0 (duplicating a shared mapping) is not supported: rare and hard to track. */
    if (old_len == 0 || new_len == 0)
        return -EINVAL;
    uint64_t uold = RT_PAGE_UP(old_len), unew = RT_PAGE_UP(new_len);
    if (uold == 0 || unew == 0 || unew > p->user_top)
        return -ENOMEM;
    if (!rt_map_covers(&p->map, old, uold, 0))
        return -EFAULT;
    int prot = rt_map_find(&p->map, old)->prot;
    if ((flags & GUEST_MREMAP_MAYMOVE) && !(flags & GUEST_MREMAP_FIXED)) {
        /* The host would move it wherever it likes (above the guest's space): grow in place
         * if it can, else move to a free range ferry picks (space.c), as a fixed move. */
        if (!(flags & GUEST_MREMAP_DONTUNMAP) && old + unew <= p->user_top && old + unew > old) {
            invalidate(p, old, old + uold, flush);
            void *r = mremap((void *)(uintptr_t)old, old_len, new_len, 0);
            if (r != MAP_FAILED) {
                rt_map_remove(&p->map, old, old + uold);
                rt_map_add(&p->map, old, old + unew, prot);
                rt_files_forget(&p->files, old, old + (uold > unew ? uold : unew));
                return (int64_t)old;
            }
            if (errno != ENOMEM)
                return -errno;
        }
        uint64_t top = p->mmap_top;
        for (int tries = 0;; tries++) {
            new_addr = rt_space_find(p, unew, 0, top);
            if (new_addr == 0 || tries == 64)
                return -ENOMEM;
            if (claim(p, new_addr, new_addr + unew) == 0)
                break;
            top = new_addr;
        }
        invalidate(p, new_addr, new_addr + unew, flush);
        flags |= GUEST_MREMAP_FIXED;
    } else if (flags & GUEST_MREMAP_FIXED) {
        if ((new_addr & (RT_PAGE_SIZE - 1)) || new_addr + unew < new_addr ||
            new_addr + unew > p->user_top)
            return -EINVAL;
        if (claim(p, new_addr, new_addr + unew) < 0)
            return -ENOMEM;
        invalidate(p, new_addr, new_addr + unew, flush);
    }
    invalidate(p, old, old + uold, flush);
    int hflags = 0;
    if (flags & GUEST_MREMAP_MAYMOVE)
        hflags |= MREMAP_MAYMOVE;
    if (flags & GUEST_MREMAP_FIXED)
        hflags |= MREMAP_FIXED;
#ifdef MREMAP_DONTUNMAP
    if (flags & GUEST_MREMAP_DONTUNMAP)
        hflags |= MREMAP_DONTUNMAP;
#else
    if (flags & GUEST_MREMAP_DONTUNMAP)
        return -EINVAL;
#endif
    void *r = mremap((void *)(uintptr_t)old, old_len, new_len, hflags,
                     (void *)(uintptr_t)new_addr);
    if (r == MAP_FAILED) {
        int e = errno;
        if (flags & GUEST_MREMAP_FIXED)
            release_holes(p, new_addr, new_addr + unew);
        return -e;
    }
    uint64_t got = (uint64_t)(uintptr_t)r;
    if (!(flags & GUEST_MREMAP_DONTUNMAP))
        rt_map_remove(&p->map, old, old + uold);
    rt_map_add(&p->map, got, got + unew, prot);
    /* A moved or resized segment copy is shown as anonymous from now on. */
    rt_files_forget(&p->files, old, old + uold);
    rt_files_forget(&p->files, got, got + unew);
    return (int64_t)got;
}

static int64_t madvise_locked(RtProcess *p, uint64_t addr, uint64_t len, int advice, bool *flush)
{
    if (addr & (RT_PAGE_SIZE - 1))
        return -EINVAL;
    if (len == 0)
        return 0;
    uint64_t ulen = RT_PAGE_UP(len);
    if (ulen == 0 || addr + ulen < addr)
        return -EINVAL;
    if (!rt_map_covers(&p->map, addr, ulen, 0))
        return -ENOMEM;
    if (advice == MADV_DONTNEED || advice == MADV_REMOVE
#ifdef MADV_FREE
        || advice == MADV_FREE
#endif
        )
        invalidate(p, addr, addr + ulen, flush);
    if (madvise((void *)(uintptr_t)addr, ulen, advice) != 0)
        return -errno;
    return 0;
}

uint64_t rt_brk(RtProcess *p, uint64_t addr)
{
    bool flush = false;
    mm_lock(p);
    uint64_t r = brk_locked(p, addr, &flush);
    mm_unlock(p, flush);
    return r;
}

int64_t rt_mmap(RtProcess *p, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                uint64_t off)
{
    bool flush = false;
    mm_lock(p);
    int64_t r = mmap_locked(p, addr, len, prot, flags, fd, off, &flush);
    mm_unlock(p, flush);
    /* Memory another process may access while the guest runs (memorder.c): a shared mapping
     * that is anonymous (shared with fork children) or writable. A read-only shared file
     * mapping is left out: files mapped only to read them are common in single-threaded
     * programs, and they rarely need another writer's store order. */
    int type = flags & GUEST_MAP_TYPE;
    if (r >= 0 && type != GUEST_MAP_PRIVATE &&
        ((flags & GUEST_MAP_ANONYMOUS) || (prot & GUEST_PROT_WRITE)))
        rt_memorder_shared(p, "a shared mapping");
    return r;
}

int64_t rt_munmap(RtProcess *p, uint64_t addr, uint64_t len)
{
    bool flush = false;
    mm_lock(p);
    int64_t r = munmap_locked(p, addr, len, &flush);
    mm_unlock(p, flush);
    return r;
}

int64_t rt_mprotect(RtProcess *p, uint64_t addr, uint64_t len, int prot)
{
    bool flush = false;
    mm_lock(p);
    int64_t r = mprotect_locked(p, addr, len, prot, &flush);
    mm_unlock(p, flush);
    return r;
}

int64_t rt_mremap(RtProcess *p, uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
                  uint64_t new_addr)
{
    bool flush = false;
    mm_lock(p);
    int64_t r = mremap_locked(p, old, old_len, new_len, flags, new_addr, &flush);
    mm_unlock(p, flush);
    return r;
}

int64_t rt_madvise(RtProcess *p, uint64_t addr, uint64_t len, int advice)
{
    bool flush = false;
    mm_lock(p);
    int64_t r = madvise_locked(p, addr, len, advice, &flush);
    mm_unlock(p, flush);
    return r;
}

/* ---------------------------------------------------------------- safe copies */

/* Readers of the mapping table take mm_lock shared (the table is a sorted array the mmap
 * family rewrites). The copy itself runs under it too: the range cannot be unmapped and
 * reused by ferry in between. (The lock is process state, so a const process is cast.) */
static void mm_read(const RtProcess *p)   { pthread_rwlock_rdlock((pthread_rwlock_t *)&p->mm_lock); }
static void mm_done(const RtProcess *p)   { pthread_rwlock_unlock((pthread_rwlock_t *)&p->mm_lock); }

/* The copy itself: guarded_copy.c (a missing page gives -EFAULT, never a ferry crash). */
static int kernel_copy(void *dst, const void *src, size_t n, bool to_guest)
{
    (void)to_guest;
    return rt_guarded_copy(dst, src, n);
}

int rt_copy_from_guest(const RtProcess *p, void *dst, uint64_t src, size_t n)
{
    if (n == 0)
        return 0;
    mm_read(p);
    int r = rt_map_covers(&p->map, src, n, PROT_READ)
          ? kernel_copy(dst, (const void *)(uintptr_t)src, n, false) : -EFAULT;
    mm_done(p);
    return r;
}

int rt_copy_to_guest(const RtProcess *p, uint64_t dst, const void *src, size_t n)
{
    if (n == 0)
        return 0;
    mm_read(p);
    int r = rt_map_covers(&p->map, dst, n, PROT_WRITE)
          ? kernel_copy((void *)(uintptr_t)dst, src, n, true) : -EFAULT;
    mm_done(p);
    return r;
}

int64_t rt_strncpy_from_guest(const RtProcess *p, char *dst, uint64_t src, size_t max)
{
    size_t got = 0;
    while (got + 1 < max) {
        /* Copy up to the end of the page, so an unmapped next page does not fail early. */
        uint64_t at = src + got;
        size_t chunk = (size_t)(RT_PAGE_UP(at + 1) - at);
        if (chunk > max - 1 - got)
            chunk = max - 1 - got;
        if (rt_copy_from_guest(p, dst + got, at, chunk) < 0)
            return -EFAULT;
        void *nul = memchr(dst + got, '\0', chunk);
        if (nul)
            return (int64_t)((char *)nul - dst);
        got += chunk;
    }
    if (max > 0)
        dst[max - 1] = '\0';
    return -ENAMETOOLONG;
}

bool rt_guest_range_ok(const RtProcess *p, uint64_t addr, uint64_t len)
{
    mm_read(p);
    bool ok = rt_map_covers(&p->map, addr, len, 0);
    mm_done(p);
    return ok;
}

uint64_t rt_guest_prefix(const RtProcess *p, uint64_t addr, uint64_t len)
{
    mm_read(p);
    uint64_t n = rt_map_prefix(&p->map, addr, len, 0);
    mm_done(p);
    return n;
}

int rt_guest_prot(const RtProcess *p, uint64_t addr)
{
    mm_read(p);
    const RtMapping *m = rt_map_find(&p->map, addr);
    int prot = m ? m->prot : -1;
    mm_done(p);
    return prot;
}

/* ---------------------------------------------------------------- code fetch */

size_t rt_fetch_code(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    const RtProcess *p = opaque;
    if (p->machine)
        return rt_machine_fetch_code(p->machine, pc, buf, n);   /* system mode: RAM */
    size_t got = 0;
    /* Only executable guest memory; page by page so a fetch that runs into an unreadable page
     * returns the bytes before it. */
    mm_read(p);
    while (got < n) {
        uint64_t at = pc + got;
        if (at < pc)
            break;
        const RtMapping *m = rt_map_find(&p->map, at);
        if (!m || !(m->prot & PROT_EXEC))
            break;
        size_t chunk = (size_t)(RT_PAGE_UP(at + 1) - at);
        if (chunk > n - got)
            chunk = n - got;
        if (kernel_copy(buf + got, (const void *)(uintptr_t)at, chunk, false) < 0)
            break;
        got += chunk;
    }
    mm_done(p);
    return got;
}
