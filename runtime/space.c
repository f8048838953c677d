/* space.c — the guest's share of the host address space (user mode): [0, limit) is the
 * guest's, ferry's own memory lies above it, and every guest access is checked against the
 * limit (ir/backend.h "The guest limit"), so a wild guest pointer can never read or write
 * ferry's heap, code cache, stacks or data.
 *
 * The limit is chosen at start-up from ferry's own mappings (/proc/self/maps): the largest
 * power of two from 2^46 down to 2^36 such that [limit, limit + IR_GUARD_SIZE) holds nothing
 * of ferry, preferring one with nothing of ferry below it either. On an x86_64 host ferry is
 * a PIE at 0x55..., its mmaps go top-down from 0x7f...: the limit is 2^46. Under
 * qemu-aarch64-static ferry is loaded at 0x5500000000 and qemu places its mmaps upward from
 * there: the limit is 2^38. The guard above the limit is one PROT_NONE MAP_NORESERVE mapping:
 * the host kernel never places ferry memory there, generated code that checked only a base
 * register (disp within +-2^30) faults inside it with the real address, and its last page is
 * the sentinel (IR_GUARD_SENTINEL) that failed checks and helpers touch after storing the guest
 * address in X86State.fault_addr. The handler (fault.c) reports either as an unmapped
 * address (SEGV_MAPERR), as Linux does for an address nothing is mapped at. The limit probe
 * (ir.h IrGuestInfo.limit_probe, which the aarch64 backend's checks load from) is a second
 * mapping, anywhere above: a readable page and a PROT_NONE span after it.
 *
 * What stays weaker than a full reservation of [0, limit) (qemu's reserved_va): ferry memory
 * the host placed below the limit before start-up (the ASan shadow of an ASan build, where
 * the second choice above applies) is not refused by the check, only by the mapping calls
 * (mem.c); ferry's later mappings are kept above by the host's own placement (top-down below
 * the stack on x86_64 and aarch64 Linux, upward from the image under qemu), not by a
 * reservation.
 *
 * Guest placement (rt_space_map): Linux's top-down search for mmap(NULL), in the guest's
 * mapping table, below RtProcess.mmap_top; each candidate is mapped with
 * MAP_FIXED_NOREPLACE, and one the host refuses (memory the table does not know: ferry's
 * below the limit) moves the search below it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime/rt.h"

#define SPACE_MAX_LOG2 46
#define SPACE_MIN_LOG2 36
#define SPACE_MAX_RANGES 4096
/* Lowest address the guest gets from a search (Linux's default vm.mmap_min_addr). */
#define SPACE_FLOOR 0x10000ull

typedef struct Range { uint64_t lo, hi; } Range;

/* Ferry's mappings now, from /proc/self/maps. Returns the count, or -1. */
static int own_ranges(Range *r, int max)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    int n = 0;
    unsigned long long lo, hi;
    char line[512];
    while (n < max && fgets(line, sizeof line, f))
        if (sscanf(line, "%llx-%llx", &lo, &hi) == 2)
            r[n++] = (Range){ lo, hi };
    fclose(f);
    return n;
}

static bool any_in(const Range *r, int n, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < n; i++)
        if (r[i].lo < hi && r[i].hi > lo)
            return true;
    return false;
}

/* The limit probe (ir.h IrGuestInfo.limit_probe): one readable page, then
 * IR_PROBE_SPAN(limit) bytes reserved PROT_NONE, anywhere in ferry's memory (above the
 * limit, where the host places it, so the guest never reaches it). The probe byte is the
 * page's last. Returns its address, or 0 when the host gives no such mapping. */
static uint64_t reserve_probe(uint64_t limit)
{
    uint64_t page = RT_PAGE_SIZE;
    long ps = sysconf(_SC_PAGESIZE);
    if (ps > 0 && (uint64_t)ps > page)
        page = (uint64_t)ps;
    uint64_t len = page + IR_PROBE_SPAN(limit);
    void *m = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    if ((uint64_t)(uintptr_t)m < limit + IR_GUARD_SIZE || mprotect(m, page, PROT_READ) != 0) {
        munmap(m, len);         /* below the limit the guest could map over it */
        return 0;
    }
    return (uint64_t)(uintptr_t)m + page - 1;
}

static bool reserve_guard(uint64_t limit)
{
    void *want = (void *)(uintptr_t)limit;
    void *g = mmap(want, IR_GUARD_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (g == want)
        return true;
    if (g != MAP_FAILED)
        munmap(g, IR_GUARD_SIZE);   /* a kernel that treats NOREPLACE as a hint */
    return false;
}

/* Ferry's memory below the limit at start-up (an ASan build's shadow): written once by
 * rt_space_init before any guest code runs, then only read, also by the fault handler. */
static Range ferry_below[64];
static int n_ferry_below;

bool rt_space_is_ferry(uint64_t addr)
{
    for (int i = 0; i < n_ferry_below; i++)
        if (addr >= ferry_below[i].lo && addr < ferry_below[i].hi)
            return true;
    return false;
}

void rt_space_init(RtProcess *p)
{
    static Range r[SPACE_MAX_RANGES];       /* start-up only, single-threaded */
    int n = own_ranges(r, SPACE_MAX_RANGES);
    uint64_t limit = 0;
    for (int pass = 0; pass < 2 && n >= 0 && !limit; pass++)
        for (int k = SPACE_MAX_LOG2; k >= SPACE_MIN_LOG2 && !limit; k--) {
            uint64_t l = 1ull << k;
            if (any_in(r, n, pass == 0 ? SPACE_FLOOR : l, l + IR_GUARD_SIZE))
                continue;
            if (reserve_guard(l))
                limit = l;
        }
    uint64_t probe = limit ? reserve_probe(limit) : 0;
    if (limit && !probe)
        munmap((void *)(uintptr_t)limit, IR_GUARD_SIZE);
    if (!probe) {
        /* No room for a guard (an address space smaller than 2^37) or the probe: the guest
         * keeps the whole user range, unchecked, as before. */
        p->user_top = RT_USER_TOP;
        p->mmap_top = RT_USER_TOP - RT_STACK_GAP;
        return;
    }
    n_ferry_below = 0;
    for (int i = 0; i < n && n_ferry_below < (int)(sizeof ferry_below / sizeof ferry_below[0]); i++)
        if (r[i].lo < limit)
            ferry_below[n_ferry_below++] = (Range){ r[i].lo, r[i].hi < limit ? r[i].hi : limit };
    p->user_top = limit;
    p->mmap_top = limit - RT_STACK_GAP;
    p->gi.guest_limit = limit;
    p->gi.guest_bound_offset = (int32_t)offsetof(X86State, guest_bound);
    p->gi.fault_addr_offset = (int32_t)offsetof(X86State, fault_addr);
    p->gi.limit_probe = probe;
}

void rt_space_thread_init(const RtProcess *p, X86State *s)
{
    s->guest_limit = p->gi.guest_limit;
    s->guest_bound = p->gi.guest_limit ? p->gi.guest_limit + IR_GUARD_BOUND : 0;
    s->guest_sentinel = p->gi.guest_limit ? IR_GUARD_SENTINEL(p->gi.guest_limit) : 0;
}

uint64_t rt_space_find(const RtProcess *p, uint64_t len, uint64_t align, uint64_t top)
{
    if (align < RT_PAGE_SIZE)
        align = RT_PAGE_SIZE;
    len = RT_PAGE_UP(len);
    if (top == 0 || top > p->user_top)
        top = p->user_top;
    /* Walk the table downward from the last mapping below top: each gap between mappings,
     * highest first, takes the range at its top if it fits. */
    const RtMemMap *m = &p->map;
    size_t i = m->n;
    while (i > 0 && m->v[i - 1].start >= top)
        i--;
    uint64_t gap_hi = top;
    for (;;) {
        uint64_t gap_lo = i > 0 ? m->v[i - 1].end : SPACE_FLOOR;
        if (gap_lo < SPACE_FLOOR)
            gap_lo = SPACE_FLOOR;
        if (gap_hi > gap_lo && gap_hi - gap_lo >= len) {
            uint64_t s = (gap_hi - len) & ~(align - 1);
            if (s >= gap_lo)
                return s;
        }
        if (i == 0)
            return 0;
        i--;
        gap_hi = m->v[i].start < gap_hi ? m->v[i].start : gap_hi;
    }
}

void *rt_space_map(const RtProcess *p, uint64_t len, uint64_t align, uint64_t top, int prot,
                   int flags, int fd, off_t off)
{
    flags = (flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
    for (int tries = 0; tries < 64; tries++) {
        uint64_t s = rt_space_find(p, len, align, top);
        if (s == 0)
            break;
        void *want = (void *)(uintptr_t)s;
        void *r = mmap(want, len, prot, flags, fd, off);
        if (r == want)
            return r;
        if (r != MAP_FAILED) {
            munmap(r, len);     /* a kernel that treats NOREPLACE as a hint */
            errno = EEXIST;
        }
        /* EEXIST: something the table does not know is there; ENOMEM: the host's stack
         * gap (an address space without a limit): go below it. */
        if (errno != EEXIST && errno != ENOMEM)
            return MAP_FAILED;  /* the file's or the flags' error, as Linux gives it */
        top = s;
    }
    errno = ENOMEM;
    return MAP_FAILED;
}
