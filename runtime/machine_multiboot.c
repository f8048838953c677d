/* machine_multiboot.c — Multiboot (v1) kernels: the header, the image, the modules, the boot
 * information and the 32-bit entry state (Multiboot Specification 0.6.96; runtime/
 * system_boot.h has the layout, README.md "System mode" the summary).
 *
 * A kernel file is a Multiboot kernel when a header (magic 0x1BADB002, flags, and a checksum
 * making the three sum to 0) lies 4-byte aligned in its first 8192 bytes. Its image is:
 *   - with flags bit 16 (the "a.out kludge"), the header's addresses: the file from
 *     header_offset - (header_addr - load_addr) is loaded at load_addr up to load_end_addr
 *     (0: the end of the file), zeroes up to bss_end_addr (0: none), entered at entry_addr.
 *     Any file format: this is how QEMU boots an ELF64 kernel with a Multiboot header;
 *   - otherwise an ELF32 (i386) executable, its PT_LOAD segments loaded at p_paddr and entered
 *     at e_entry (translated through the segment holding it when it is a virtual address);
 *     ferry also takes ELF64 (x86-64) files this way, where QEMU refuses them ("Cannot load
 *     x86-64 image, give a 32bit one") and needs the a.out kludge.
 * Each piece must lie inside the file and RAM, at or above 1 MiB (ferry's boot data lie
 * below), without overlapping another; the entry point inside what is loaded. Required
 * feature flags (bits 0-15) other than 0 (page-aligned modules), 1 (memory information) and
 * 2 (a video mode, which ferry, like QEMU, does not set) are refused. Every failure is one
 * line and exit status 1.
 *
 * Modules come from -initrd "FILE ARGS,FILE ARGS,..." as in QEMU: each file is loaded
 * page-aligned after the kernel (and the previous module), its string is the whole entry.
 * The command line is "KERNEL APPEND", the -kernel argument and -append joined by a space,
 * which is what QEMU hands over. mem_lower is 639 KiB (up to the EBDA) and mem_upper the RAM above 1 MiB (below
 * 4 GiB) in KiB; the memory map lists [0, 0x9fc00) and [1 MiB, RAM) available and the BIOS
 * areas [0x9fc00, 0xa0000) and [0xf0000, 1 MiB) reserved.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/machine.h"
#include "runtime/system_boot.h"

#define MB_SEARCH 8192u
#define MB_KLUDGE (1u << 16)
#define MB_KNOWN_REQUIRED 0x7u          /* bits 0-2 (see above) */

enum {  /* multiboot_info flags */
    MBI_MEM = 1u << 0, MBI_BOOTDEV = 1u << 1, MBI_CMDLINE = 1u << 2, MBI_MODS = 1u << 3,
    MBI_MMAP = 1u << 6, MBI_LOADER = 1u << 9,
};

static _Noreturn void mb_fail(const char *file, const char *why)
{
    fprintf(stderr, "ferry-system: %s: %s\n", file, why);
    exit(RT_MACHINE_EXIT_USAGE);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Record one piece [paddr, paddr + memsz) from the file (filesz bytes at offset). */
static void add_seg(RtMachine *m, uint64_t offset, uint64_t paddr, uint64_t filesz,
                    uint64_t memsz)
{
    const char *path = m->opt.kernel;
    char why[200];
    RtMultiboot *mb = &m->mb;
    if (memsz == 0)
        return;
    if (mb->n_seg == RT_MB_MAX_SEGS)
        mb_fail(path, "more than 16 loadable segments");
    if (filesz > memsz || offset > m->kernel_size || filesz > m->kernel_size - offset)
        mb_fail(path, "a segment's bytes lie outside the file");
    if (paddr < FERRY_BOOT_KERNEL_MIN) {
        snprintf(why, sizeof why, "the image at 0x%llx: kernels load at or above 1 MiB "
                 "(ferry's boot data lie below)", (unsigned long long)paddr);
        mb_fail(path, why);
    }
    if (memsz > m->ram_size || paddr > m->ram_size - memsz) {
        snprintf(why, sizeof why, "the image at 0x%llx (%llu bytes) does not fit in %llu MiB "
                 "of RAM (-m)", (unsigned long long)paddr, (unsigned long long)memsz,
                 (unsigned long long)(m->ram_size >> 20));
        mb_fail(path, why);
    }
    for (unsigned j = 0; j < mb->n_seg; j++) {
        const RtLoadSeg *b = &mb->seg[j];
        if (paddr < b->paddr + b->memsz && b->paddr < paddr + memsz)
            mb_fail(path, "overlapping segments");
    }
    mb->seg[mb->n_seg++] = (RtLoadSeg){ offset, paddr, filesz, memsz };
    if (paddr + memsz > mb->kernel_end)
        mb->kernel_end = paddr + memsz;
}

static bool entry_loaded(const RtMultiboot *mb, uint64_t entry)
{
    for (unsigned i = 0; i < mb->n_seg; i++)
        if (entry - mb->seg[i].paddr < mb->seg[i].memsz)
            return true;
    return false;
}

/* The a.out kludge: addresses from the header at file offset hoff. */
static void load_kludge(RtMachine *m, const uint8_t *h, uint64_t hoff)
{
    const char *path = m->opt.kernel;
    uint32_t header_addr = get32(h + 12), load_addr = get32(h + 16);
    uint32_t load_end = get32(h + 20), bss_end = get32(h + 24), entry = get32(h + 28);
    if (load_addr > header_addr || header_addr - load_addr > hoff)
        mb_fail(path, "Multiboot header: load_addr and header_addr do not match the file");
    uint64_t offset = hoff - (header_addr - load_addr);
    uint64_t filesz = load_end ? (uint64_t)load_end - load_addr : m->kernel_size - offset;
    if (load_end && load_end < load_addr)
        mb_fail(path, "Multiboot header: load_end_addr is below load_addr");
    uint64_t memsz = filesz;
    if (bss_end) {
        if (bss_end < load_addr + filesz)
            mb_fail(path, "Multiboot header: bss_end_addr is below the end of the image");
        memsz = (uint64_t)bss_end - load_addr;
    }
    add_seg(m, offset, load_addr, filesz, memsz);
    m->mb.entry = entry;
}

/* ELF32 (EM_386) or ELF64 (EM_X86_64) executables: PT_LOAD at p_paddr. */
static void load_elf(RtMachine *m)
{
    const char *path = m->opt.kernel;
    const uint8_t *k = m->kernel_image;
    if (m->kernel_size < EI_NIDENT || memcmp(k, ELFMAG, SELFMAG) != 0)
        mb_fail(path, "a Multiboot kernel that is not ELF needs the a.out kludge (flags bit "
                      "16) in its header");
    uint64_t entry = 0, phoff, phnum, phentsize;
    bool is64 = k[EI_CLASS] == ELFCLASS64;
    if (is64) {
        if (m->kernel_size < sizeof(Elf64_Ehdr))
            mb_fail(path, "truncated ELF header");
        const Elf64_Ehdr *eh = (const void *)k;
        if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
            mb_fail(path, "not an x86-64 ELF executable (ET_EXEC)");
        entry = eh->e_entry; phoff = eh->e_phoff; phnum = eh->e_phnum;
        phentsize = eh->e_phentsize;
        if (phentsize != sizeof(Elf64_Phdr))
            mb_fail(path, "malformed program headers");
    } else {
        if (k[EI_CLASS] != ELFCLASS32 || m->kernel_size < sizeof(Elf32_Ehdr))
            mb_fail(path, "not an ELF32 or ELF64 file (bad class or truncated header)");
        const Elf32_Ehdr *eh = (const void *)k;
        if (eh->e_machine != EM_386 || eh->e_type != ET_EXEC)
            mb_fail(path, "not an i386 ELF executable (ET_EXEC)");
        entry = eh->e_entry; phoff = eh->e_phoff; phnum = eh->e_phnum;
        phentsize = eh->e_phentsize;
        if (phentsize != sizeof(Elf32_Phdr))
            mb_fail(path, "malformed program headers");
    }
    if (k[EI_DATA] != ELFDATA2LSB || phnum == 0 || phoff > m->kernel_size ||
        phnum * phentsize > m->kernel_size - phoff)
        mb_fail(path, "truncated or malformed program headers");
    uint64_t entry_phys = entry;
    bool translated = false;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *p = k + phoff + i * phentsize;
        uint64_t type, off, vaddr, paddr, filesz, memsz;
        if (is64) {
            Elf64_Phdr ph;
            memcpy(&ph, p, sizeof ph);
            type = ph.p_type; off = ph.p_offset; vaddr = ph.p_vaddr; paddr = ph.p_paddr;
            filesz = ph.p_filesz; memsz = ph.p_memsz;
        } else {
            Elf32_Phdr ph;
            memcpy(&ph, p, sizeof ph);
            type = ph.p_type; off = ph.p_offset; vaddr = ph.p_vaddr; paddr = ph.p_paddr;
            filesz = ph.p_filesz; memsz = ph.p_memsz;
        }
        if (type != PT_LOAD)
            continue;
        add_seg(m, off, paddr, filesz, memsz);
        if (!translated && vaddr != paddr && entry - vaddr < memsz) {
            entry_phys = entry - vaddr + paddr;     /* a higher-half link: its load address */
            translated = true;
        }
    }
    if (entry_phys >> 32)
        mb_fail(path, "the entry point lies above 4 GiB (Multiboot enters in 32-bit mode)");
    m->mb.entry = (uint32_t)entry_phys;
}

bool rt_machine_multiboot_probe(RtMachine *m)
{
    const char *path = m->opt.kernel;
    size_t end = m->kernel_size < MB_SEARCH ? m->kernel_size : MB_SEARCH;
    for (size_t off = 0; off + 12 <= end; off += 4) {
        const uint8_t *h = m->kernel_image + off;
        uint32_t magic = get32(h), flags = get32(h + 4), sum = get32(h + 8);
        if (magic != FERRY_MB_HEADER_MAGIC || (uint32_t)(magic + flags + sum) != 0)
            continue;
        char why[200];
        if (flags & 0xffffu & ~MB_KNOWN_REQUIRED) {
            snprintf(why, sizeof why, "the Multiboot header requires features ferry does not "
                     "have (flags 0x%x)", flags);
            mb_fail(path, why);
        }
        m->mb.on = true;
        if (flags & MB_KLUDGE) {
            if (off + 32 > m->kernel_size)
                mb_fail(path, "truncated Multiboot header");
            load_kludge(m, h, off);
        } else {
            load_elf(m);
        }
        if (!entry_loaded(&m->mb, m->mb.entry)) {
            snprintf(why, sizeof why, "the entry point 0x%x is not in the loaded image",
                     m->mb.entry);
            mb_fail(path, why);
        }
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- modules */

void rt_machine_multiboot_modules(RtMachine *m)
{
    RtMultiboot *mb = &m->mb;
    if (!m->opt.initrd)
        return;
    const char *s = m->opt.initrd;
    uint64_t at = (mb->kernel_end + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (mb->n_mod == RT_MB_MAX_MODS)
            mb_fail(m->opt.initrd, "more than 32 modules");
        RtModule *mod = &mb->mod[mb->n_mod++];
        mod->string = strndup(s, len);
        if (!mod->string)
            mb_fail(m->opt.initrd, "out of memory");
        char *file = strndup(s, strcspn(mod->string, " "));
        if (!file)
            mb_fail(m->opt.initrd, "out of memory");
        mod->image = rt_machine_read_file(file, &mod->size);
        if (mod->size > m->ram_size || at > m->ram_size - mod->size)
            mb_fail(file, "does not fit in RAM after the kernel (-m)");
        free(file);
        at = (at + mod->size + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
        s += len;
        if (*s == ',')
            s++;
    }
}

/* ---------------------------------------------------------------- the hand-off */

static void put32(RtMachine *m, uint64_t addr, uint32_t v)
{
    memcpy(m->ram + addr, &v, 4);       /* addresses of the boot area: inside RAM */
}

static void put64(RtMachine *m, uint64_t addr, uint64_t v)
{
    memcpy(m->ram + addr, &v, 8);
}

static unsigned mmap_entry(RtMachine *m, unsigned i, uint64_t base, uint64_t len, uint32_t type)
{
    uint64_t a = FERRY_MB_MMAP + 24ull * i;
    put32(m, a, 20);
    put64(m, a + 4, base);
    put64(m, a + 12, len);
    put32(m, a + 20, type);
    return i + 1;
}

void rt_machine_multiboot_boot(RtMachine *m)
{
    RtMultiboot *mb = &m->mb;
    for (unsigned i = 0; i < mb->n_seg; i++) {
        const RtLoadSeg *g = &mb->seg[i];
        memcpy(m->ram + g->paddr, m->kernel_image + g->offset, g->filesz);
        memset(m->ram + g->paddr + g->filesz, 0, g->memsz - g->filesz);
    }
    memset(m->ram + FERRY_MB_INFO, 0, (size_t)(FERRY_MB_STRINGS_END - FERRY_MB_INFO));

    /* The command line: "KERNEL APPEND", cut at the 4 KiB the area holds. */
    snprintf((char *)m->ram + FERRY_MB_CMDLINE, 4096, "%s %s", m->opt.kernel, m->opt.append);
    snprintf((char *)m->ram + FERRY_MB_LOADER_NAME, 256, "ferry-system");

    /* Modules, page-aligned after the kernel; their strings in the string area. */
    uint64_t at = (mb->kernel_end + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
    uint64_t str = FERRY_MB_STRINGS;
    for (unsigned i = 0; i < mb->n_mod; i++) {
        const RtModule *mod = &mb->mod[i];
        size_t len = strlen(mod->string) + 1;
        if (len > FERRY_MB_STRINGS_END - str)
            len = 1;                        /* out of room: an empty string */
        memcpy(m->ram + str, mod->string, len - 1);
        memcpy(m->ram + at, mod->image, mod->size);
        uint64_t e = FERRY_MB_MODS + 16ull * i;
        put32(m, e, (uint32_t)at);
        put32(m, e + 4, (uint32_t)(at + mod->size));
        put32(m, e + 8, (uint32_t)str);
        str += len;
        at = (at + mod->size + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
    }

    uint64_t below4g = m->ram_size < (4ull << 30) ? m->ram_size : (4ull << 30);
    unsigned n = 0;
    n = mmap_entry(m, n, 0, 0x9fc00, 1);
    n = mmap_entry(m, n, 0x9fc00, 0x400, 2);
    n = mmap_entry(m, n, 0xf0000, 0x10000, 2);
    n = mmap_entry(m, n, 0x100000, m->ram_size - 0x100000, 1);

    uint64_t info = FERRY_MB_INFO;
    put32(m, info + 0, MBI_MEM | MBI_BOOTDEV | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER);
    put32(m, info + 4, 639);               /* KiB below 0x9fc00, as the map says */
    put32(m, info + 8, (uint32_t)(below4g / 1024 - 1024));
    put32(m, info + 12, 0x8000ffffu);       /* no BIOS boot device, as QEMU says */
    put32(m, info + 16, FERRY_MB_CMDLINE);
    put32(m, info + 20, mb->n_mod);
    put32(m, info + 24, FERRY_MB_MODS);
    put32(m, info + 44, 24 * n);
    put32(m, info + 48, FERRY_MB_MMAP);
    put32(m, info + 64, FERRY_MB_LOADER_NAME);

    put64(m, FERRY_MB_GDT + 0x00, 0);
    put64(m, FERRY_MB_GDT + FERRY_MB_CS, 0x00cf9a000000ffffull);   /* code32, 4 GiB, DPL 0 */
    put64(m, FERRY_MB_GDT + FERRY_MB_DS, 0x00cf92000000ffffull);   /* data32, 4 GiB */

    X86State *s = rt_machine_cpu_reset(m, mb->entry);
    s->gpr[X86_RAX] = FERRY_MB_BOOT_MAGIC;
    s->gpr[X86_RBX] = FERRY_MB_INFO;
    s->cr0 = X86_CR0_ET | X86_CR0_PE;
    s->gdt_base = FERRY_MB_GDT;
    s->gdt_limit = 3 * 8 - 1;
    s->seg[1] = FERRY_MB_CS;
    s->seg[0] = s->seg[2] = s->seg[3] = s->seg[4] = s->seg[5] = FERRY_MB_DS;
    s->icount_limit = 0;
    rt_machine_segs_flat(m, false);
    rt_machine_mode_update(m);
}
