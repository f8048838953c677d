/* mem_files.c — which file a guest range ferry filled itself comes from, for
 * /proc/self/maps (proc_self.c).
 *
 * elf_load.c copies the program's and the interpreter's segments into anonymous memory, so
 * the host's maps show nothing of their files; Linux maps them from the file, and shows the
 * file, its offset, device and inode on each line. This table remembers that for the
 * file-backed part of each segment ([page of p_vaddr, page end of p_vaddr + p_filesz), at
 * the page of p_offset), as Linux would have mapped it. Contract: entries are sorted and
 * disjoint; a range the guest maps anew, unmaps or moves (mem.c) is forgotten, so a name never
 * outlives its mapping. The table is small (two entries per segment): linear updates.
 */
#include <stdlib.h>
#include <string.h>
#include "runtime/rt.h"

void rt_files_free(RtFileRanges *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].path);
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}

/* Insert e at index i (its path already owned by the table). */
static void insert_at(RtFileRanges *r, size_t i, const RtFileRange *e)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        RtFileRange *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            abort();            /* ferry's own allocation failed: not guest input */
        r->v = v;
        r->cap = cap;
    }
    memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof *r->v);
    r->v[i] = *e;
    r->n++;
}

void rt_files_forget(RtFileRanges *r, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < r->n && start < end;) {
        RtFileRange *e = &r->v[i];
        if (e->end <= start || e->start >= end) {
            i++;
            continue;
        }
        if (e->start < start && e->end > end) {         /* split in two */
            RtFileRange tail = *e;
            tail.offset += end - e->start;
            tail.start = end;
            tail.path = strdup(e->path);
            if (!tail.path)
                abort();
            e->end = start;
            insert_at(r, i + 1, &tail);
            return;
        }
        if (e->start < start) {                         /* keep the head */
            e->end = start;
            i++;
        } else if (e->end > end) {                      /* keep the tail */
            e->offset += end - e->start;
            e->start = end;
            i++;
        } else {                                        /* all of it goes */
            free(e->path);
            memmove(e, e + 1, (r->n - i - 1) * sizeof *e);
            r->n--;
        }
    }
}

void rt_files_add(RtFileRanges *r, uint64_t start, uint64_t end, uint64_t offset, uint64_t dev,
                  uint64_t ino, const char *path)
{
    if (start >= end)
        return;
    rt_files_forget(r, start, end);
    RtFileRange e = { start, end, offset, dev, ino, strdup(path) };
    if (!e.path)
        abort();
    size_t i = 0;
    while (i < r->n && r->v[i].start < start)
        i++;
    insert_at(r, i, &e);
}

const RtFileRange *rt_files_next(const RtFileRanges *r, uint64_t addr)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].end > addr)
            return &r->v[i];
    return NULL;
}
