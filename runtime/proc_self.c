/* proc_self.c — the /proc files that describe a process, shown for the guest program instead
 * of for ferry: maps, cmdline, environ and auxv of /proc/self, /proc/thread-self,
 * /proc/<own pid> and /proc/<own pid>/task/<own tid>. (/proc/self/exe: sys_path.c.)
 *
 * Opening one (sys_path.c's open and openat call rt_proc_open with the translated path) builds
 * its contents at once and hands the guest a read-only descriptor of a snapshot (a memfd
 * reopened read-only, on the descriptor number the open would have got): reads, lseek and
 * pread work as on the real file; what the guest changes after opening is not seen until it
 * opens the file again (Linux generates the text as it is read). The host's file is opened
 * first with the guest's flags, so errors are Linux's (EACCES, ENOTDIR, EEXIST, ...); a
 * write-only open gets that host descriptor itself (nothing can be read through it, writes
 * fail as on Linux), a read-write one a read-only snapshot (writes are EBADF, not EINVAL);
 * O_PATH opens go to the host's file. lseek(SEEK_END) and fstat see the snapshot's size
 * (Linux: EINVAL and 0). Paths are
 * matched as written (no "." or "//" inside), and relative to a /proc/self descriptor they
 * are the host's.
 *
 * maps: one line per run of guest pages, as Linux's show_map_vma prints it (addresses, the
 * guest's protection, shared or private, offset, device, inode, name padded to column 73).
 * The runs are the guest mapping table (mem_map.c) cut where the host's own
 * /proc/self/maps changes file or offset (the host knows which files the guest mapped) and
 * where ferry's table of loaded segments does (mem_files.c: the program and its interpreter,
 * which ferry copies rather than maps). The host's VMAs have the guest's history (ferry makes
 * the guest's mmap, mprotect and munmap calls), except that PROT_EXEC becomes PROT_READ on
 * the host, which can merge VMAs that the guest's protections split again, and that pages
 * ferry write-protects because they hold translated code split them (such lines are not
 * joined again: Linux would show one). Only guest
 * memory appears: ferry's binary, libraries, heap, code cache and stacks never do. The guest's
 * stack is "[stack]" and its brk area "[heap]"; there is no [vdso], [vvar] or [vsyscall]
 * (ferry offers no vDSO). File names under the -L sysroot lose the sysroot prefix.
 *
 * cmdline and environ are read from the guest's memory ([arg_start, arg_end) and
 * [env_start, env_end), which stack.c records), with Linux's setproctitle rule: when the
 * last byte of the arguments is no longer a NUL, cmdline is the first string of up to a page
 * from arg_start. auxv is the auxiliary vector the guest started with, AT_NULL included.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/guest_abi.h"
#include "runtime/syscall.h"

/* ---------------------------------------------------------------- a growing text buffer */

typedef struct Buf {
    char *s;
    size_t n, cap;
    bool failed;                /* an allocation failed */
} Buf;

static void buf_put(Buf *b, const void *data, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->n, data, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* The whole of a (host) file. */
static bool read_file(const char *path, Buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char chunk[16384];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        buf_put(b, chunk, (size_t)r);
    close(fd);
    return r == 0 && !b->failed;
}

/* ---------------------------------------------------------------- maps */

/* One line of the host's /proc/self/maps. */
typedef struct HostVma {
    uint64_t start, end, off, ino;
    char share;                 /* 'p' or 's' */
    char dev[16];               /* "fe:00", as printed */
    const char *name;           /* "" when there is none */
} HostVma;

static size_t parse_host_maps(char *text, HostVma **out)
{
    size_t n = 0, cap = 0;
    HostVma *v = NULL;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        HostVma h;
        char perms[8];
        unsigned long long s, e, off, ino;
        int used = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %15s %llu%n", &s, &e, perms, &off, h.dev, &ino,
                   &used) != 6)
            continue;
        h.start = s;
        h.end = e;
        h.off = off;
        h.ino = ino;
        h.share = perms[3] == 's' ? 's' : 'p';
        const char *name = line + used;
        while (*name == ' ')
            name++;
        h.name = name;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            HostVma *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                *out = NULL;
                return 0;
            }
            v = nv;
        }
        v[n++] = h;
    }
    *out = v;
    return n;
}

/* One line of the guest's maps. */
typedef struct MapLine {
    uint64_t start, end, off, ino;
    const HostVma *host;        /* the host line it lies in (NULL: none) */
    int prot;
    char share;
    char dev[16];
    const char *name;
} MapLine;

typedef struct Lines {
    MapLine *v;
    size_t n, cap;
    bool failed;
} Lines;

/* Append a run, joining it to the previous line when Linux would show one VMA: the same
 * host VMA (whose history is the guest's: ferry makes the same mmap, mprotect and munmap
 * calls), the same protection and file at contiguous offsets. */
static void add_line(Lines *l, const MapLine *m)
{
    if (l->n) {
        MapLine *p = &l->v[l->n - 1];
        if (p->end == m->start && p->host == m->host && p->prot == m->prot &&
            p->share == m->share &&
            p->ino == m->ino && strcmp(p->dev, m->dev) == 0 && strcmp(p->name, m->name) == 0 &&
            (m->ino == 0 || p->off + (p->end - p->start) == m->off)) {
            p->end = m->end;
            return;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        MapLine *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->failed = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *m;
}

/* The guest run [s, e) with protection prot, inside host VMA h (NULL: the host shows none,
 * which does not happen for guest memory, but is handled as anonymous). Anonymous host
 * memory may hold a segment ferry loaded: cut it where mem_files.c's entries begin and end. */
static void add_run(RtProcess *p, Lines *l, uint64_t s, uint64_t e, int prot, const HostVma *h)
{
    MapLine m = { .start = s, .end = e, .host = h, .prot = prot, .share = h ? h->share : 'p',
                  .name = h ? h->name : "" };
    snprintf(m.dev, sizeof m.dev, "%s", h ? h->dev : "00:00");
    if (h && (h->ino != 0 || h->name[0])) {
        m.ino = h->ino;
        m.off = h->ino ? h->off + (s - h->start) : 0;
        add_line(l, &m);
        return;
    }
    while (s < e) {
        const RtFileRange *f = rt_files_next(&p->files, s);
        MapLine piece = m;
        piece.start = s;
        if (f && f->start <= s) {
            piece.end = f->end < e ? f->end : e;
            piece.off = f->offset + (s - f->start);
            piece.ino = f->ino;
            snprintf(piece.dev, sizeof piece.dev, "%02x:%02x", major((dev_t)f->dev),
                     minor((dev_t)f->dev));
            piece.name = f->path;
        } else {
            piece.end = f && f->start < e ? f->start : e;
            piece.off = 0;
            piece.ino = 0;
        }
        add_line(l, &piece);
        s = piece.end;
    }
}

/* The name a line shows: [heap], [stack], the file without the sysroot prefix. */
static const char *line_name(const RtProcess *p, const MapLine *m, const char *root, size_t rlen)
{
    if (m->ino == 0 && m->name[0] == '\0') {
        if (p->brk_mapped > p->brk_start && m->start < p->brk_mapped && m->end > p->brk_start)
            return "[heap]";
        uint64_t top = p->stack_hi - 8;
        if (p->stack_hi && m->start <= top && top < m->end)
            return "[stack]";
        return "";
    }
    if (root && rlen && strncmp(m->name, root, rlen) == 0 && m->name[rlen] == '/')
        return m->name + rlen;
    return m->name;
}

char *rt_proc_maps(RtProcess *p, size_t *len)
{
    Buf host = { 0 };
    if (!read_file("/proc/self/maps", &host)) {
        free(host.s);
        return NULL;
    }
    HostVma *hv;
    size_t nh = parse_host_maps(host.s, &hv);

    /* Walk the guest table and the host's lines together (both sorted). */
    Lines l = { 0 };
    size_t j = 0;
    for (size_t i = 0; i < p->map.n; i++) {
        const RtMapping *g = &p->map.v[i];
        for (uint64_t at = g->start; at < g->end;) {
            while (j < nh && hv[j].end <= at)
                j++;
            const HostVma *h = j < nh && hv[j].start <= at ? &hv[j] : NULL;
            uint64_t e = g->end;
            if (h && h->end < e)
                e = h->end;
            if (!h && j < nh && hv[j].start < e)
                e = hv[j].start;
            add_run(p, &l, at, e, g->prot, h);
            at = e;
        }
    }

    char *root = NULL;
    if (p->opt.sysroot && p->opt.sysroot[strspn(p->opt.sysroot, "/")])
        root = realpath(p->opt.sysroot, NULL);
    size_t rlen = root ? strlen(root) : 0;

    Buf out = { 0 };
    buf_put(&out, "", 0);
    for (size_t i = 0; i < l.n; i++) {
        const MapLine *m = &l.v[i];
        char head[128];
        int n = snprintf(head, sizeof head, "%08llx-%08llx %c%c%c%c %08llx %s %llu ",
                         (unsigned long long)m->start, (unsigned long long)m->end,
                         m->prot & GUEST_PROT_READ ? 'r' : '-',
                         m->prot & GUEST_PROT_WRITE ? 'w' : '-',
                         m->prot & GUEST_PROT_EXEC ? 'x' : '-', m->share,
                         (unsigned long long)m->off, m->dev, (unsigned long long)m->ino);
        buf_put(&out, head, (size_t)n);
        const char *name = line_name(p, m, root, rlen);
        if (name[0]) {
            /* seq_setwidth(25 + 6 * sizeof(void *) - 1), then seq_pad(' '). */
            for (int k = n; k < 72; k++)
                buf_put(&out, " ", 1);
            buf_put(&out, " ", 1);
            buf_put(&out, name, strlen(name));
        }
        buf_put(&out, "\n", 1);
    }
    free(root);
    free(l.v);
    free(hv);
    free(host.s);
    if (out.failed || l.failed) {
        free(out.s);
        return NULL;
    }
    *len = out.n;
    return out.s;
}

/* ---------------------------------------------------------------- cmdline, environ, auxv */

/* Up to n bytes of guest memory from addr, stopping at the first byte that is not readable. */
static void put_guest(const RtProcess *p, Buf *b, uint64_t addr, uint64_t n)
{
    char chunk[4096];
    while (n > 0) {
        size_t c = (size_t)(RT_PAGE_UP(addr + 1) - addr);
        if (c > n)
            c = (size_t)n;
        if (rt_copy_from_guest(p, chunk, addr, c) < 0)
            return;
        buf_put(b, chunk, c);
        addr += c;
        n -= c;
    }
}

static void proc_cmdline(const RtProcess *p, Buf *b)
{
    uint64_t as = p->arg_start, ae = p->arg_end, es = p->env_start, ee = p->env_end;
    if (as >= ae)
        return;
    if (es != ae || ee < es)
        es = ee = ae;
    char last = 0;
    if (rt_copy_from_guest(p, &last, ae - 1, 1) == 0 && last) {
        /* setproctitle: the first string of up to a page from arg_start (and the NUL). */
        Buf page = { 0 };
        uint64_t lim = ee - as < RT_PAGE_SIZE ? ee - as : RT_PAGE_SIZE;
        put_guest(p, &page, as, lim);
        if (page.s) {
            size_t n = strnlen(page.s, page.n);
            buf_put(b, page.s, n < page.n ? n + 1 : n);
        }
        free(page.s);
        return;
    }
    put_guest(p, b, as, ae - as);
}

/* ---------------------------------------------------------------- opening */

enum { PROC_MAPS, PROC_CMDLINE, PROC_ENVIRON, PROC_AUXV };

/* The file under a /proc directory of this process that path names, or -1. */
static int which_file(const RtThread *t, const char *path)
{
    static const char *const names[] = { "maps", "cmdline", "environ", "auxv" };
    if (strncmp(path, "/proc/", 6) != 0)
        return -1;
    const char *r = path + 6;
    char *end;
    if (strncmp(r, "self/", 5) == 0) {
        r += 5;
    } else if (strncmp(r, "thread-self/", 12) == 0) {
        r += 12;
        goto leaf;
    } else if (*r >= '1' && *r <= '9') {
        long pid = strtol(r, &end, 10);
        if (*end != '/' || pid != getpid())
            return -1;
        r = end + 1;
    } else {
        return -1;
    }
    if (strncmp(r, "task/", 5) == 0) {
        long tid = strtol(r + 5, &end, 10);
        if (end == r + 5 || *end != '/' || (tid != t->tid && tid != getpid()))
            return -1;
        r = end + 1;
    }
leaf:
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(r, names[i]) == 0)
            return i;
    return -1;
}

/* Make descriptor `fd` (the host's file, opened to check permissions and flags as Linux
 * would) a read-only descriptor of the `len` bytes at `data`: a memfd, reopened read-only
 * with the guest's O_CLOEXEC and O_NONBLOCK, moved onto fd's number. */
static int64_t snapshot_fd(int fd, const char *name, const char *data, size_t len, int gflags)
{
    int mfd = (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC);
    if (mfd < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    for (size_t done = 0; done < len;) {
        ssize_t w = write(mfd, data + done, len - done);
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(mfd);
            close(fd);
            return -e;
        }
        done += (size_t)w;
    }
    int cloexec = gflags & GUEST_O_CLOEXEC ? O_CLOEXEC : 0;
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", mfd);
    int ro = open(self, O_RDONLY | O_CLOEXEC | (gflags & GUEST_O_NONBLOCK ? O_NONBLOCK : 0));
    int src = ro >= 0 ? ro : mfd;   /* without /proc to reopen through: the memfd itself */
    lseek(src, 0, SEEK_SET);
    long r = syscall(SYS_dup3, src, fd, cloexec);
    int e = errno;
    if (ro >= 0)
        close(ro);
    close(mfd);
    if (r < 0) {
        close(fd);
        return -e;
    }
    return fd;
}

bool rt_proc_open(RtThread *t, const char *path, int gflags, int64_t *ret)
{
    RtProcess *p = t->proc;
    int which = which_file(t, path);
    if (which < 0 || (gflags & GUEST_O_PATH))
        return false;
    /* The host's own file decides permissions and flags (EACCES, ENOTDIR, EEXIST, ...), as
     * the same process's credentials would for the guest. Opened for writing only, it is
     * the answer itself: nothing can be read through it, and writes fail as on Linux. */
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, rt_host_open_flags(gflags), 0);
    if (fd < 0) {
        *ret = -errno;
        return true;
    }
    if ((gflags & GUEST_O_ACCMODE) == 01) {
        *ret = fd;
        return true;
    }
    Buf b = { 0 };
    buf_put(&b, "", 0);
    const char *name = "maps";
    switch (which) {
    case PROC_MAPS: {
        size_t n;
        char *m = rt_proc_maps(p, &n);
        if (!m) {
            free(b.s);
            close(fd);
            *ret = -ENOMEM;
            return true;
        }
        buf_put(&b, m, n);
        free(m);
        break;
    }
    case PROC_CMDLINE:
        name = "cmdline";
        proc_cmdline(p, &b);
        break;
    case PROC_ENVIRON:
        name = "environ";
        if (p->env_end > p->env_start)
            put_guest(p, &b, p->env_start, p->env_end - p->env_start);
        break;
    case PROC_AUXV:
        name = "auxv";
        if (p->auxv)
            buf_put(&b, p->auxv, p->auxv_words * 8);
        break;
    }
    if (b.failed) {
        close(fd);
        *ret = -ENOMEM;
    } else {
        *ret = snapshot_fd(fd, name, b.s, b.n, gflags);
    }
    free(b.s);
    return true;
}
