/* elf_load.c — load an x86-64 ELF executable into guest memory with libelf.
 *
 * Accepts ET_EXEC (loaded at its addresses) and static-PIE (ET_DYN without PT_INTERP: loaded
 * at a base ferry chooses, 0x555555554000 when free as Linux does without randomisation,
 * else where the kernel finds room). Dynamic executables (PT_INTERP) are refused until the
 * dynamic-binaries support exists.
 *
 * Every offset and size from the file is validated before use, so a malformed file is an
 * error message, never a crash: the header is read and checked by hand before libelf sees it
 * (libelf reports "truncated" and "wrong class" poorly), the program headers must lie inside
 * the file, each PT_LOAD's file bytes must lie inside the file, segments must not overlap and
 * must fit in the user address space, and the entry point must lie in a segment.
 *
 * Segments are copied, not file-mapped: each PT_LOAD's pages are mapped anonymous and
 * writable with MAP_FIXED_NOREPLACE (guest base 0, so a range ferry already uses is an error,
 * never clobbered), p_filesz bytes are read in (so bss, including the tail of the last file
 * page, is zero), then the pages get the segment's protection (PROT_EXEC becomes PROT_READ:
 * ferry never executes guest code). A page shared by two segments gets the union of both.
 *
 * Errors: "ferry: PATH: <reason>" on stderr, exit 127 when the file does not exist, 126 for
 * every other reason (the shell's convention for "found but cannot execute").
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runtime/rt.h"

/* Where a static-PIE goes when the range is free (Linux's ELF_ET_DYN_BASE without ASLR). */
#define RT_PIE_BASE 0x555555554000ull
/* More program headers than this is not a real program. */
#define RT_MAX_PHDRS 4096

static _Noreturn void fail(const char *path, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ferry: %s: ", path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
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
static void check_ident(const char *path, const unsigned char *h, size_t got)
{
    if (got < SELFMAG || memcmp(h, ELFMAG, SELFMAG) != 0)
        fail(path, 126, "not an ELF file");
    if (got < EI_NIDENT)
        fail(path, 126, "truncated ELF header");
    if (h[EI_CLASS] == ELFCLASS32)
        fail(path, 126, "32-bit ELF: ferry runs x86-64 (64-bit) programs only");
    if (h[EI_CLASS] != ELFCLASS64)
        fail(path, 126, "invalid ELF class %u", h[EI_CLASS]);
    if (h[EI_DATA] != ELFDATA2LSB)
        fail(path, 126, "big-endian ELF: not an x86-64 program");
    if (got < sizeof(Elf64_Ehdr))
        fail(path, 126, "truncated ELF header");
}

typedef struct Seg {
    uint64_t vaddr, memsz, offset, filesz;
    int prot;               /* guest PROT_* */
    unsigned index;         /* program header number, for messages */
} Seg;

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

/* Choose the load bias of a static-PIE spanning [lo, hi) with alignment align. */
static uint64_t choose_pie_bias(uint64_t lo, uint64_t hi, uint64_t align)
{
    uint64_t span = hi - lo;
    uint64_t pref = (RT_PIE_BASE + align - 1) & ~(align - 1);
    void *r = mmap((void *)(uintptr_t)pref, span, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (r != MAP_FAILED && (uint64_t)(uintptr_t)r == pref) {
        munmap(r, span);
        return pref - lo;
    }
    if (r != MAP_FAILED)
        munmap(r, span);
    /* Let the kernel find room (over-reserve to align), then release it: ferry is single-
     * threaded while loading, so the range stays free until the segments are mapped. */
    r = mmap(NULL, span + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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

void rt_elf_load(RtProcess *p, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail(path, errno == ENOENT ? 127 : 126, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        fail(path, 126, "%s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        fail(path, 126, "%s", strerror(EISDIR));
    if (!S_ISREG(st.st_mode))
        fail(path, 126, "not a regular file");
    uint64_t fsize = (uint64_t)st.st_size;

    unsigned char raw[sizeof(Elf64_Ehdr)];
    ssize_t got = pread(fd, raw, sizeof raw, 0);
    check_ident(path, raw, got < 0 ? 0 : (size_t)got);

    if (elf_version(EV_CURRENT) == EV_NONE)
        fail(path, 126, "libelf: %s", elf_errmsg(-1));
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF)
        fail(path, 126, "not an ELF file");
    GElf_Ehdr eh;
    if (!gelf_getehdr(e, &eh))
        fail(path, 126, "truncated ELF header (%s)", elf_errmsg(-1));
    if (eh.e_machine != EM_X86_64)
        fail(path, 126, "not an x86-64 program (ELF machine %u: %s)", eh.e_machine,
             machine_name(eh.e_machine));
    if (eh.e_type == ET_REL)
        fail(path, 126, "not an executable (relocatable object file)");
    if (eh.e_type == ET_CORE)
        fail(path, 126, "not an executable (core dump)");
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        fail(path, 126, "not an executable (ELF type %u)", eh.e_type);

    /* Program headers: inside the file, of the right size, a sane number. */
    size_t phnum;
    if (eh.e_phnum == PN_XNUM) {
        if (elf_getphdrnum(e, &phnum) != 0)
            fail(path, 126, "truncated: program header count unreadable (%s)", elf_errmsg(-1));
    } else {
        phnum = eh.e_phnum;
    }
    if (phnum == 0)
        fail(path, 126, "no PT_LOAD segment (no program headers)");
    if (phnum > RT_MAX_PHDRS)
        fail(path, 126, "too many program headers (%zu)", phnum);
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        fail(path, 126, "bad program header size %u", eh.e_phentsize);
    if (eh.e_phoff > fsize || phnum * sizeof(Elf64_Phdr) > fsize - eh.e_phoff)
        fail(path, 126, "truncated: program headers extend beyond the end of the file");

    Seg *seg = calloc(phnum, sizeof *seg);
    if (!seg)
        fail(path, 126, "out of memory");
    unsigned nseg = 0;
    uint64_t phdr_vaddr = 0, align = RT_PAGE_SIZE;
    bool have_phdr = false;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph))
            fail(path, 126, "truncated: program header %zu unreadable (%s)", i, elf_errmsg(-1));
        if (ph.p_type == PT_INTERP)
            fail(path, 126, "dynamic executables need the dynamic-binaries support "
                 "(not yet implemented)");
        if (ph.p_type == PT_PHDR) {
            phdr_vaddr = ph.p_vaddr;
            have_phdr = true;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz)
            fail(path, 126, "segment %zu: file size larger than memory size", i);
        if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset)
            fail(path, 126, "truncated: segment %zu extends beyond the end of the file", i);
        if (ph.p_vaddr >= RT_USER_TOP || ph.p_memsz > RT_USER_TOP - ph.p_vaddr)
            fail(path, 126, "segment %zu lies outside the user address space", i);
        if (ph.p_align > align && (ph.p_align & (ph.p_align - 1)) == 0 && ph.p_align <= (1u << 30))
            align = ph.p_align;
        seg[nseg++] = (Seg){ .vaddr = ph.p_vaddr, .memsz = ph.p_memsz, .offset = ph.p_offset,
                             .filesz = ph.p_filesz, .prot = prot_of(ph.p_flags),
                             .index = (unsigned)i };
    }
    if (nseg == 0)
        fail(path, 126, "no PT_LOAD segment");
    qsort(seg, nseg, sizeof *seg, seg_cmp);
    for (unsigned i = 1; i < nseg; i++)
        if (seg[i].vaddr < seg[i - 1].vaddr + seg[i - 1].memsz)
            fail(path, 126, "overlapping PT_LOAD segments (%u and %u)", seg[i - 1].index,
                 seg[i].index);
    bool entry_ok = false;
    for (unsigned i = 0; i < nseg; i++)
        entry_ok |= eh.e_entry >= seg[i].vaddr && eh.e_entry - seg[i].vaddr < seg[i].memsz;
    if (!entry_ok)
        fail(path, 126, "entry point 0x%llx is outside the loaded segments",
             (unsigned long long)eh.e_entry);

    uint64_t lo = RT_PAGE_DOWN(seg[0].vaddr);
    uint64_t hi = RT_PAGE_UP(seg[nseg - 1].vaddr + seg[nseg - 1].memsz);
    uint64_t bias = 0;
    if (eh.e_type == ET_DYN) {
        bias = choose_pie_bias(lo, hi, align);
        if (bias == UINT64_MAX)
            fail(path, 126, "cannot reserve %llu bytes for the program: %s",
                 (unsigned long long)(hi - lo), strerror(ENOMEM));
    }

    /* Map and fill each segment. A first page already mapped by the previous segment (they
     * share it) is left as it is. */
    uint64_t mapped_to = 0;     /* end of the pages mapped so far (segments are sorted) */
    for (unsigned i = 0; i < nseg; i++) {
        uint64_t s = RT_PAGE_DOWN(seg[i].vaddr + bias);
        uint64_t t = RT_PAGE_UP(seg[i].vaddr + seg[i].memsz + bias);
        if (s < mapped_to)
            s = mapped_to;
        if (s < t) {
            void *want = (void *)(uintptr_t)s;
            void *r = mmap(want, t - s, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (r != want) {
                int err = r == MAP_FAILED ? errno : EEXIST;
                if (r != MAP_FAILED)
                    munmap(r, t - s);
                if (err == EEXIST)
                    fail(path, 126, "cannot load segment %u at 0x%llx-0x%llx: the range is "
                         "already in use (by ferry itself)", seg[i].index,
                         (unsigned long long)s, (unsigned long long)t);
                fail(path, 126, "cannot load segment %u at 0x%llx: %s", seg[i].index,
                     (unsigned long long)s, strerror(err));
            }
            mapped_to = t;
        }
        if (!read_full(fd, seg[i].vaddr + bias, seg[i].filesz, seg[i].offset))
            fail(path, 126, "truncated: cannot read segment %u", seg[i].index);
    }
    /* Protections, recorded in the guest table; a page shared with earlier segments (only a
     * segment's first page can be, as they are sorted and disjoint) gets the union. */
    for (unsigned i = 0; i < nseg; i++) {
        uint64_t s = RT_PAGE_DOWN(seg[i].vaddr + bias);
        uint64_t t = RT_PAGE_UP(seg[i].vaddr + seg[i].memsz + bias);
        const RtMapping *shared = rt_map_find(&p->map, s);
        int first = seg[i].prot | (shared ? shared->prot : 0);
        rt_map_add(&p->map, s, t, seg[i].prot);
        rt_map_add(&p->map, s, s + RT_PAGE_SIZE, first);
    }
    for (size_t i = 0; i < p->map.n; i++) {
        const RtMapping *m = &p->map.v[i];
        if (m->start < lo + bias || m->end > hi + bias)
            continue;               /* not the image's */
        if (mprotect((void *)(uintptr_t)m->start, m->end - m->start, rt_host_prot(m->prot)) != 0)
            fail(path, 126, "cannot protect segments: %s", strerror(errno));
    }

    p->load_bias = bias;
    p->entry = eh.e_entry + bias;
    p->phnum = (uint32_t)phnum;
    p->phent = sizeof(Elf64_Phdr);
    p->image_lo = lo + bias;
    p->image_hi = hi + bias;
    /* AT_PHDR: PT_PHDR if present, else the loaded bytes holding e_phoff, else (as Linux)
     * the first segment's address plus e_phoff. */
    p->phdr_addr = 0;
    if (have_phdr) {
        p->phdr_addr = phdr_vaddr + bias;
    } else {
        for (unsigned i = 0; i < nseg; i++)
            if (eh.e_phoff >= seg[i].offset && eh.e_phoff - seg[i].offset < seg[i].filesz)
                p->phdr_addr = seg[i].vaddr + (eh.e_phoff - seg[i].offset) + bias;
        if (!p->phdr_addr)
            p->phdr_addr = lo + bias + eh.e_phoff;
    }
    p->brk_start = p->brk_cur = p->brk_mapped = p->image_hi;
    free(seg);
    elf_end(e);
    close(fd);
}
