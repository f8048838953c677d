/* elf_load.c — load an x86-64 ELF executable, and its dynamic loader, into guest memory with
 * libelf.
 *
 * Accepts ET_EXEC (loaded at its addresses), static-PIE (ET_DYN without PT_INTERP) and
 * dynamic executables (PT_INTERP). An ET_DYN program goes two thirds of the way up the
 * guest's space (0x555555554000 for the full 47 bits; space.c) when that range is free, as
 * Linux does without randomisation, else where a top-down search finds room. A dynamic
 * executable's interpreter (ld-linux-x86-64.so.2) is looked up under the -L sysroot
 * (rt_sysroot_path: the sysroot's file when it exists, else the host's) and loaded as Linux
 * loads it: an x86-64 ET_DYN at a base the search finds (space.c), validated as strictly as
 * the program and refused if it names an interpreter itself. The guest then starts at the
 * interpreter's entry with AT_BASE = its base; AT_PHDR/AT_PHENT/AT_PHNUM/AT_ENTRY describe
 * the program (stack.c), and brk follows the program, not the interpreter.
 *
 * Every offset and size from a file is validated before use, so a malformed file is an error
 * message, never a crash: the header is read and checked by hand before libelf sees it
 * (libelf reports "truncated" and "wrong class" poorly), the program headers must lie inside
 * the file, each PT_LOAD's file bytes must lie inside the file, segments must not overlap and
 * must fit in the user address space, the entry point must lie in a segment, and PT_INTERP
 * must be a NUL-terminated path inside the file.
 *
 * Segments are copied, not file-mapped: each PT_LOAD's pages are mapped anonymous and
 * writable with MAP_FIXED_NOREPLACE (guest base 0, so a range ferry already uses is an error,
 * never clobbered), p_filesz bytes are read in (so bss, including the tail of the last file
 * page, is zero), then the pages get the segment's protection (PROT_EXEC becomes PROT_READ:
 * ferry never executes guest code). A page shared by two segments gets the union of both.
 *
 * Two entry points share the validation: rt_elf_load (start-up: errors print
 * "ferry: PATH: <reason>" and exit 127 when the program or its interpreter does not exist,
 * 126 for every other reason, the shell's convention for "found but cannot execute") and
 * rt_elf_check (execve: the same checks without loading, as an errno for the guest).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runtime/rt.h"

/* Where an ET_DYN program goes when the range is free: Linux's ELF_ET_DYN_BASE without
 * ASLR, two thirds of the way up the user space (0x555555554000 for the full 47 bits; lower
 * under a guest limit, space.c). */
static uint64_t pie_base(const RtProcess *p) { return RT_PAGE_DOWN(p->user_top / 3 * 2); }
/* More program headers than this is not a real program. */
#define RT_MAX_PHDRS 4096

/* ---------------------------------------------------------------- errors */

/* Why a file cannot run: the errno execve reports to the guest and the message ferry prints
 * at start-up. */
typedef struct ElfError {
    int err;                /* ENOENT, EACCES, ENOEXEC, ELIBBAD, ENOMEM, ... */
    char msg[PATH_MAX + 256];
} ElfError;

__attribute__((format(printf, 3, 4)))
static bool bad(ElfError *e, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->err = err;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_386:     return "i386";
    case EM_ARM:     return "ARM";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV:   return "RISC-V";
    case EM_PPC64:   return "PowerPC64";
    case EM_S390:    return "s390";
    case EM_MIPS:    return "MIPS";
    default:         return "unknown machine";
    }
}

/* The checks that need only the raw header bytes. */
static bool check_ident(ElfError *e, const unsigned char *h, size_t got)
{
    if (got < SELFMAG || memcmp(h, ELFMAG, SELFMAG) != 0)
        return bad(e, ENOEXEC, "not an ELF file");
    if (got < EI_NIDENT)
        return bad(e, ENOEXEC, "truncated ELF header");
    if (h[EI_CLASS] == ELFCLASS32)
        return bad(e, ENOEXEC, "32-bit ELF: ferry runs x86-64 (64-bit) programs only");
    if (h[EI_CLASS] != ELFCLASS64)
        return bad(e, ENOEXEC, "invalid ELF class %u", h[EI_CLASS]);
    if (h[EI_DATA] != ELFDATA2LSB)
        return bad(e, ENOEXEC, "big-endian ELF: not an x86-64 program");
    if (got < sizeof(Elf64_Ehdr))
        return bad(e, ENOEXEC, "truncated ELF header");
    return true;
}

/* ---------------------------------------------------------------- one validated file */

typedef struct Seg {
    uint64_t vaddr, memsz, offset, filesz;
    int prot;               /* guest PROT_* */
    unsigned index;         /* program header number, for messages */
} Seg;

/* An open, validated ELF file. */
typedef struct ElfFile {
    int fd;
    Elf *elf;
    GElf_Ehdr eh;
    size_t phnum;
    Seg *seg;               /* PT_LOAD segments with memory, sorted by address */
    unsigned nseg;
    uint64_t align;         /* largest sane p_align (at least a page) */
    bool have_phdr;         /* PT_PHDR present */
    uint64_t phdr_vaddr;    /* its p_vaddr */
    char *interp;           /* PT_INTERP path (malloc'd), or NULL */
    uint64_t lo, hi;        /* page-aligned span of the segments (unbiased) */
} ElfFile;

static void elf_close(ElfFile *f)
{
    free(f->seg);
    free(f->interp);
    if (f->elf)
        elf_end(f->elf);
    if (f->fd >= 0)
        close(f->fd);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

static int seg_cmp(const void *a, const void *b)
{
    const Seg *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int prot_of(uint32_t pflags)
{
    return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
           (pflags & PF_X ? PROT_EXEC : 0);
}

/* Read the PT_INTERP path of program header ph. */
static bool read_interp(ElfFile *f, ElfError *e, const GElf_Phdr *ph, uint64_t fsize)
{
    if (ph->p_offset > fsize || ph->p_filesz > fsize - ph->p_offset)
        return bad(e, ENOEXEC, "truncated: PT_INTERP extends beyond the end of the file");
    if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX)
        return bad(e, ENOEXEC, "bad PT_INTERP size %llu", (unsigned long long)ph->p_filesz);
    char *s = malloc(ph->p_filesz);
    if (!s)
        return bad(e, ENOMEM, "out of memory");
    if (pread(f->fd, s, ph->p_filesz, (off_t)ph->p_offset) != (ssize_t)ph->p_filesz) {
        free(s);
        return bad(e, ENOEXEC, "truncated: cannot read PT_INTERP");
    }
    if (s[ph->p_filesz - 1] != '\0' || strlen(s) == 0) {
        free(s);
        return bad(e, ENOEXEC, "PT_INTERP is not a NUL-terminated path");
    }
    f->interp = s;
    return true;
}

/* Open and validate the ELF file at path. On failure f is closed and e says why. */
static bool elf_open(ElfFile *f, ElfError *e, const char *path)
{
    memset(f, 0, sizeof *f);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return bad(e, errno, "%s", strerror(errno));
    bool ok = false;
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        bad(e, errno, "%s", strerror(errno));
        goto out;
    }
    /* execve reports EACCES for anything but a regular file. */
    if (S_ISDIR(st.st_mode)) {
        bad(e, EACCES, "%s", strerror(EISDIR));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        bad(e, EACCES, "not a regular file");
        goto out;
    }
    uint64_t fsize = (uint64_t)st.st_size;

    unsigned char raw[sizeof(Elf64_Ehdr)];
    ssize_t got = pread(f->fd, raw, sizeof raw, 0);
    if (!check_ident(e, raw, got < 0 ? 0 : (size_t)got))
        goto out;

    if (elf_version(EV_CURRENT) == EV_NONE) {
        bad(e, ENOEXEC, "libelf: %s", elf_errmsg(-1));
        goto out;
    }
    f->elf = elf_begin(f->fd, ELF_C_READ, NULL);
    if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
        bad(e, ENOEXEC, "not an ELF file");
        goto out;
    }
    GElf_Ehdr *eh = &f->eh;
    if (!gelf_getehdr(f->elf, eh)) {
        bad(e, ENOEXEC, "truncated ELF header (%s)", elf_errmsg(-1));
        goto out;
    }
    if (eh->e_machine != EM_X86_64) {
        bad(e, ENOEXEC, "not an x86-64 program (ELF machine %u: %s)", eh->e_machine,
            machine_name(eh->e_machine));
        goto out;
    }
    if (eh->e_type == ET_REL) {
        bad(e, ENOEXEC, "not an executable (relocatable object file)");
        goto out;
    }
    if (eh->e_type == ET_CORE) {
        bad(e, ENOEXEC, "not an executable (core dump)");
        goto out;
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        bad(e, ENOEXEC, "not an executable (ELF type %u)", eh->e_type);
        goto out;
    }

    /* Program headers: inside the file, of the right size, a sane number. */
    size_t phnum;
    if (eh->e_phnum == PN_XNUM) {
        if (elf_getphdrnum(f->elf, &phnum) != 0) {
            bad(e, ENOEXEC, "truncated: program header count unreadable (%s)", elf_errmsg(-1));
            goto out;
        }
    } else {
        phnum = eh->e_phnum;
    }
    if (phnum == 0) {
        bad(e, ENOEXEC, "no PT_LOAD segment (no program headers)");
        goto out;
    }
    if (phnum > RT_MAX_PHDRS) {
        bad(e, ENOEXEC, "too many program headers (%zu)", phnum);
        goto out;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
        bad(e, ENOEXEC, "bad program header size %u", eh->e_phentsize);
        goto out;
    }
    if (eh->e_phoff > fsize || phnum * sizeof(Elf64_Phdr) > fsize - eh->e_phoff) {
        bad(e, ENOEXEC, "truncated: program headers extend beyond the end of the file");
        goto out;
    }
    f->phnum = phnum;

    f->seg = calloc(phnum, sizeof *f->seg);
    if (!f->seg) {
        bad(e, ENOMEM, "out of memory");
        goto out;
    }
    f->align = RT_PAGE_SIZE;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(f->elf, (int)i, &ph)) {
            bad(e, ENOEXEC, "truncated: program header %zu unreadable (%s)", i, elf_errmsg(-1));
            goto out;
        }
        if (ph.p_type == PT_INTERP && !f->interp && !read_interp(f, e, &ph, fsize))
            goto out;               /* the first PT_INTERP counts, as in Linux */
        if (ph.p_type == PT_PHDR) {
            f->phdr_vaddr = ph.p_vaddr;
            f->have_phdr = true;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz) {
            bad(e, ENOEXEC, "segment %zu: file size larger than memory size", i);
            goto out;
        }
        if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset) {
            bad(e, ENOEXEC, "truncated: segment %zu extends beyond the end of the file", i);
            goto out;
        }
        if (ph.p_vaddr >= RT_USER_TOP || ph.p_memsz > RT_USER_TOP - ph.p_vaddr) {
            bad(e, ENOEXEC, "segment %zu lies outside the user address space", i);
            goto out;
        }
        if (ph.p_align > f->align && (ph.p_align & (ph.p_align - 1)) == 0 &&
            ph.p_align <= (1u << 30))
            f->align = ph.p_align;
        f->seg[f->nseg++] = (Seg){ .vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
                                   .offset = ph.p_offset, .filesz = ph.p_filesz,
                                   .prot = prot_of(ph.p_flags), .index = (unsigned)i };
    }
    if (f->nseg == 0) {
        bad(e, ENOEXEC, "no PT_LOAD segment");
        goto out;
    }
    qsort(f->seg, f->nseg, sizeof *f->seg, seg_cmp);
    for (unsigned i = 1; i < f->nseg; i++) {
        if (f->seg[i].vaddr < f->seg[i - 1].vaddr + f->seg[i - 1].memsz) {
            bad(e, ENOEXEC, "overlapping PT_LOAD segments (%u and %u)", f->seg[i - 1].index,
                f->seg[i].index);
            goto out;
        }
    }
    bool entry_ok = false;
    for (unsigned i = 0; i < f->nseg; i++)
        entry_ok |= eh->e_entry >= f->seg[i].vaddr &&
                    eh->e_entry - f->seg[i].vaddr < f->seg[i].memsz;
    if (!entry_ok) {
        bad(e, ENOEXEC, "entry point 0x%llx is outside the loaded segments",
            (unsigned long long)eh->e_entry);
        goto out;
    }
    f->lo = RT_PAGE_DOWN(f->seg[0].vaddr);
    f->hi = RT_PAGE_UP(f->seg[f->nseg - 1].vaddr + f->seg[f->nseg - 1].memsz);
    ok = true;
out:
    if (!ok)
        elf_close(f);
    return ok;
}

/* Open and validate the interpreter a program names (host path in host_path, PATH_MAX). A
 * missing interpreter is ENOENT, as execve says; any other problem is ELIBBAD. */
static bool interp_open(const RtOptions *o, ElfFile *f, ElfError *e, const char *interp,
                        char *host_path)
{
    const char *hp = rt_sysroot_path(o, interp, host_path, PATH_MAX, true);
    if (hp != host_path)
        snprintf(host_path, PATH_MAX, "%s", hp);
    ElfError ie;
    if (!elf_open(f, &ie, host_path)) {
        int err = ie.err == ENOENT || ie.err == ENOTDIR ? ENOENT : ELIBBAD;
        return bad(e, err, "interpreter %s: %s", host_path, ie.msg);
    }
    if (f->eh.e_type != ET_DYN) {
        elf_close(f);
        return bad(e, ELIBBAD, "interpreter %s: not a shared object (ELF type %u)", host_path,
                   f->eh.e_type);
    }
    if (f->interp) {
        elf_close(f);
        return bad(e, ELIBBAD, "interpreter %s: names an interpreter itself", host_path);
    }
    return true;
}

/* ---------------------------------------------------------------- loading */

/* Choose the load bias of an ET_DYN image spanning [lo, hi) with alignment align: at pref
 * when that range is free (pref 0: no preference), else where the kernel finds room.
 * UINT64_MAX if there is no room. */
static uint64_t choose_bias(const RtProcess *p, uint64_t pref, uint64_t lo, uint64_t hi,
                           uint64_t align)
{
    uint64_t span = hi - lo;
    if (pref) {
        pref = (pref + align - 1) & ~(align - 1);
        void *r = mmap((void *)(uintptr_t)pref, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
                       MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (r != MAP_FAILED && (uint64_t)(uintptr_t)r == pref) {
            munmap(r, span);
            return pref - lo;
        }
        if (r != MAP_FAILED)
            munmap(r, span);
    }
    /* Find room in the guest's space (space.c), then release it: ferry is single-threaded
     * while loading, so the range stays free until the segments are mapped. */
    void *r = rt_space_map(p, span + align, align, p->mmap_top, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return UINT64_MAX;
    uint64_t base = ((uint64_t)(uintptr_t)r + align - 1) & ~(align - 1);
    munmap(r, span + align);
    return base - lo;
}

/* Read exactly n bytes at off into guest memory at dst. */
static bool read_full(int fd, uint64_t dst, uint64_t n, uint64_t off)
{
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : (size_t)n;
        ssize_t r = pread(fd, (void *)(uintptr_t)dst, chunk, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        dst += (uint64_t)r;
        off += (uint64_t)r;
        n -= (uint64_t)r;
    }
    return true;
}

/* Where one image went. */
typedef struct Loaded {
    uint64_t bias, entry, phdr_addr, lo, hi;
} Loaded;

/* /proc/self/maps shows each segment's file-backed pages as Linux maps them: from the page
 * of p_vaddr to the end of p_filesz, at the page of p_offset (a later segment's first page
 * replaces an earlier one's last, as MAP_FIXED does); the rest (bss) is anonymous. */
static void note_files(RtProcess *p, const ElfFile *f, uint64_t bias, const char *path)
{
    struct stat st;
    char *abs = realpath(path, NULL);
    if (fstat(f->fd, &st) == 0 && abs) {
        for (unsigned i = 0; i < f->nseg; i++) {
            const Seg *sg = &f->seg[i];
            if (sg->filesz == 0)
                continue;
            rt_files_add(&p->files, RT_PAGE_DOWN(sg->vaddr + bias),
                         RT_PAGE_UP(sg->vaddr + sg->filesz + bias), RT_PAGE_DOWN(sg->offset),
                         (uint64_t)st.st_dev, (uint64_t)st.st_ino, abs);
        }
    }
    free(abs);
}

/* Map, fill and protect the segments of f (an ET_DYN at pref, or anywhere with pref 0). */
static bool map_image(RtProcess *p, ElfFile *f, ElfError *e, uint64_t pref, Loaded *out,
                      const char *path)
{
    uint64_t bias = 0;
    if (f->eh.e_type == ET_DYN) {
        bias = choose_bias(p, pref, f->lo, f->hi, f->align);
        if (bias == UINT64_MAX)
            return bad(e, ENOMEM, "cannot reserve %llu bytes for the program: %s",
                       (unsigned long long)(f->hi - f->lo), strerror(ENOMEM));
    }
    Seg *seg = f->seg;
    /* Map and fill each segment. A first page already mapped by the previous segment (they
     * share it) is left as it is. */
    uint64_t mapped_to = 0;     /* end of the pages mapped so far (segments are sorted) */
    for (unsigned i = 0; i < f->nseg; i++) {
        uint64_t s = RT_PAGE_DOWN(seg[i].vaddr + bias);
        uint64_t t = RT_PAGE_UP(seg[i].vaddr + seg[i].memsz + bias);
        if (s < mapped_to)
            s = mapped_to;
        if (t > p->user_top || t < s)
            return bad(e, ENOMEM, "segment %u at 0x%llx lies above the guest's address space "
                       "(0x%llx)", seg[i].index, (unsigned long long)s,
                       (unsigned long long)p->user_top);
        if (s < t) {
            void *want = (void *)(uintptr_t)s;
            void *r = mmap(want, t - s, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (r != want) {
                int err = r == MAP_FAILED ? errno : EEXIST;
                if (r != MAP_FAILED)
                    munmap(r, t - s);
                if (err == EEXIST)
                    return bad(e, ENOMEM, "cannot load segment %u at 0x%llx-0x%llx: the range "
                               "is already in use (by ferry itself)", seg[i].index,
                               (unsigned long long)s, (unsigned long long)t);
                return bad(e, ENOMEM, "cannot load segment %u at 0x%llx: %s", seg[i].index,
                           (unsigned long long)s, strerror(err));
            }
            mapped_to = t;
        }
        if (!read_full(f->fd, seg[i].vaddr + bias, seg[i].filesz, seg[i].offset))
            return bad(e, ENOEXEC, "truncated: cannot read segment %u", seg[i].index);
    }
    /* Protections, recorded in the guest table; a page shared with earlier segments (only a
     * segment's first page can be, as they are sorted and disjoint) gets the union. */
    for (unsigned i = 0; i < f->nseg; i++) {
        uint64_t s = RT_PAGE_DOWN(seg[i].vaddr + bias);
        uint64_t t = RT_PAGE_UP(seg[i].vaddr + seg[i].memsz + bias);
        const RtMapping *shared = rt_map_find(&p->map, s);
        int first = seg[i].prot | (shared ? shared->prot : 0);
        rt_map_add(&p->map, s, t, seg[i].prot);
        rt_map_add(&p->map, s, s + RT_PAGE_SIZE, first);
    }
    for (size_t i = 0; i < p->map.n; i++) {
        const RtMapping *m = &p->map.v[i];
        if (m->start < f->lo + bias || m->end > f->hi + bias)
            continue;               /* not this image's */
        void *at = (void *)(uintptr_t)m->start;
        if (mprotect(at, m->end - m->start, rt_host_prot(m->prot)) != 0)
            return bad(e, ENOMEM, "cannot protect segments: %s", strerror(errno));
    }

    note_files(p, f, bias, path);
    out->bias = bias;
    out->entry = f->eh.e_entry + bias;
    out->lo = f->lo + bias;
    out->hi = f->hi + bias;
    /* AT_PHDR: PT_PHDR if present, else the loaded bytes holding e_phoff, else (as Linux)
     * the first segment's address plus e_phoff. */
    out->phdr_addr = 0;
    if (f->have_phdr) {
        out->phdr_addr = f->phdr_vaddr + bias;
    } else {
        for (unsigned i = 0; i < f->nseg; i++)
            if (f->eh.e_phoff >= seg[i].offset && f->eh.e_phoff - seg[i].offset < seg[i].filesz)
                out->phdr_addr = seg[i].vaddr + (f->eh.e_phoff - seg[i].offset) + bias;
        if (!out->phdr_addr)
            out->phdr_addr = f->lo + bias + f->eh.e_phoff;
    }
    return true;
}

/* ---------------------------------------------------------------- entry points */

static _Noreturn void fail(const char *path, const ElfError *e)
{
    fprintf(stderr, "ferry: %s: %s\n", path, e->msg);
    exit(e->err == ENOENT ? 127 : 126);
}

void rt_elf_load(RtProcess *p, const char *path)
{
    ElfFile prog, interp = { .fd = -1 };
    ElfError e;
    char interp_path[PATH_MAX];
    if (!elf_open(&prog, &e, path)) {
        if (e.err != ENOENT)
            e.err = EACCES;         /* only a missing program exits 127 */
        fail(path, &e);
    }
    if (prog.interp && !interp_open(&p->opt, &interp, &e, prog.interp, interp_path))
        fail(path, &e);

    Loaded lp, li = { 0 };
    if (!map_image(p, &prog, &e, pie_base(p), &lp, path))
        fail(path, &e);
    if (prog.interp && !map_image(p, &interp, &e, 0, &li, interp_path)) {
        fprintf(stderr, "ferry: %s: interpreter %s: %s\n", path, interp_path, e.msg);
        exit(126);
    }

    p->load_bias = lp.bias;
    p->entry = lp.entry;
    p->phdr_addr = lp.phdr_addr;
    p->phnum = (uint32_t)prog.phnum;
    p->phent = sizeof(Elf64_Phdr);
    p->image_lo = lp.lo;
    p->image_hi = lp.hi;
    p->interp_base = prog.interp ? li.bias : 0;
    p->start_pc = prog.interp ? li.entry : lp.entry;
    p->brk_start = p->brk_cur = p->brk_mapped = p->image_hi;
    elf_close(&prog);
    if (interp.fd >= 0)
        elf_close(&interp);
}

int rt_elf_check(const RtOptions *o, const char *path, char *why, size_t n)
{
    ElfFile prog, interp;
    ElfError e;
    char interp_path[PATH_MAX];
    bool ok = elf_open(&prog, &e, path);
    if (ok && prog.interp) {
        ok = interp_open(o, &interp, &e, prog.interp, interp_path);
        if (ok)
            elf_close(&interp);
    }
    if (ok)
        elf_close(&prog);
    if (why && n)
        snprintf(why, n, "%s", ok ? "" : e.msg);
    return ok ? 0 : -e.err;
}
