/* mem_map.c — the table of guest mappings: which page ranges the guest may touch, with the
 * protection the guest asked for.
 *
 * Contract: entries are sorted by address, page-aligned, non-empty and non-overlapping, and
 * neighbours that touch with the same protection are merged, so the table stays as small as
 * the guest's real map. Every guest mapping ferry creates or passes through (ELF segments,
 * stack, brk, mmap family) is recorded here and only those: ferry's own memory never appears,
 * which is what lets system calls refuse guest pointers into ferry (-EFAULT) and code fetch
 * refuse non-executable memory. Updates are O(n) array rewrites; lookups are binary searches.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "runtime/rt.h"

void rt_map_init(RtMemMap *m)
{
    m->v = NULL;
    m->n = m->cap = 0;
}

void rt_map_free(RtMemMap *m)
{
    free(m->v);
    rt_map_init(m);
}

static void reserve(RtMemMap *m, size_t need)
{
    if (need <= m->cap)
        return;
    size_t cap = m->cap ? m->cap * 2 : 32;
    while (cap < need)
        cap *= 2;
    RtMapping *v = realloc(m->v, cap * sizeof *v);
    if (!v)
        abort();            /* ferry's own allocation failed: not guest input */
    m->v = v;
    m->cap = cap;
}

/* Index of the first entry whose end is above addr (m->n if none). */
static size_t first_ending_after(const RtMemMap *m, uint64_t addr)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void rt_map_remove(RtMemMap *m, uint64_t start, uint64_t end)
{
    if (start >= end)
        return;
    size_t i = first_ending_after(m, start);
    if (i == m->n || m->v[i].start >= end)
        return;
    /* Entries i..j-1 overlap [start, end); they become at most a left and a right piece. */
    size_t j = i;
    while (j < m->n && m->v[j].start < end)
        j++;
    RtMapping left = m->v[i], right = m->v[j - 1];
    bool keep_left = left.start < start, keep_right = right.end > end;
    left.end = start;
    right.start = end;
    size_t pieces = (size_t)keep_left + keep_right;
    reserve(m, m->n - (j - i) + pieces);
    memmove(&m->v[i + pieces], &m->v[j], (m->n - j) * sizeof m->v[0]);
    m->n = m->n - (j - i) + pieces;
    if (keep_left)
        m->v[i++] = left;
    if (keep_right)
        m->v[i] = right;
}

void rt_map_add(RtMemMap *m, uint64_t start, uint64_t end, int prot)
{
    if (start >= end)
        return;
    rt_map_remove(m, start, end);
    size_t i = first_ending_after(m, start);
    reserve(m, m->n + 1);
    memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof m->v[0]);
    m->v[i] = (RtMapping){ .start = start, .end = end, .prot = prot };
    m->n++;
    /* Merge with the right neighbour, then the left one. */
    if (i + 1 < m->n && m->v[i + 1].start == end && m->v[i + 1].prot == prot) {
        m->v[i].end = m->v[i + 1].end;
        memmove(&m->v[i + 1], &m->v[i + 2], (m->n - i - 2) * sizeof m->v[0]);
        m->n--;
    }
    if (i > 0 && m->v[i - 1].end == start && m->v[i - 1].prot == prot) {
        m->v[i - 1].end = m->v[i].end;
        memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof m->v[0]);
        m->n--;
    }
}

const RtMapping *rt_map_next(const RtMemMap *m, uint64_t addr)
{
    size_t i = first_ending_after(m, addr);
    return i < m->n ? &m->v[i] : NULL;
}

const RtMapping *rt_map_find(const RtMemMap *m, uint64_t addr)
{
    size_t i = first_ending_after(m, addr);
    return i < m->n && m->v[i].start <= addr ? &m->v[i] : NULL;
}

uint64_t rt_map_prefix(const RtMemMap *m, uint64_t addr, uint64_t len, int host_prot)
{
    if (len == 0)
        return 0;
    uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
    uint64_t at = addr;
    for (size_t i = first_ending_after(m, addr); i < m->n && at < end; i++) {
        if (m->v[i].start > at || (rt_host_prot(m->v[i].prot) & host_prot) != host_prot)
            break;                      /* a hole, or not accessible as asked */
        at = m->v[i].end;
    }
    return (at < end ? at : end) - addr;
}

bool rt_map_any_prot(const RtMemMap *m, uint64_t start, uint64_t end, int prot)
{
    for (size_t i = first_ending_after(m, start); i < m->n && m->v[i].start < end; i++)
        if ((m->v[i].prot & prot) == prot)
            return true;
    return false;
}

int rt_host_prot(int guest_prot)
{
    int p = guest_prot & (PROT_READ | PROT_WRITE);
    if (guest_prot & PROT_EXEC)
        p |= PROT_READ;
    return p;
}
