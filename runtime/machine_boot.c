/* machine_boot.c — guest RAM, the kernel and initrd files, and the long-mode hand-off of
 * system_boot.h (page tables, GDT, boot info, the CPU's entry registers).
 *
 * RAM is reserved together with its guard as one inaccessible range, and the RAM part then
 * mapped read-write over it, so the guard always follows RAM directly (machine.h,
 * "Isolation"). The RAM mapping is an ordinary private anonymous one, charged to the host's
 * memory accounting at once: a size the host cannot give fails here, with a message, not
 * later with a guest crash.
 *
 * Kernel checks (each failure is one line and exit status 1): a readable file; an ELF header
 * of class 64, little-endian, machine x86-64, type ET_EXEC, with program headers inside the
 * file; at least one PT_LOAD; each PT_LOAD with p_filesz <= p_memsz, its bytes inside the
 * file, p_vaddr == p_paddr (the kernel starts on ferry's identity map), at or above 1 MiB and
 * inside RAM, not overlapping another; the entry point inside an executable segment. A file
 * with a Multiboot header in its first 8 KiB is a Multiboot kernel instead, whatever its
 * format (machine_multiboot.c); a 32-bit ELF file without one gets its own message.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include "runtime/machine.h"
#include "runtime/system_boot.h"

/* Past RAM: at least the largest access a translated instruction or helper makes at once
 * (fxsave's 512 bytes, x86_host_ptr), rounded up generously. */
#define GUARD_SIZE (1ull << 20)
#define GIB (1ull << 30)

static _Noreturn void boot_fail(const char *file, const char *why)
{
    fprintf(stderr, "ferry-system: %s: %s\n", file, why);
    exit(RT_MACHINE_EXIT_USAGE);
}

/* ---------------------------------------------------------------- RAM */

void rt_machine_ram_init(RtMachine *m)
{
    uint64_t size = m->opt.ram_size;
    m->map_size = size + GUARD_SIZE;   /* the MMU's bounce buffers, then the guard */
    void *r = mmap(NULL, m->map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    void *ram = r == MAP_FAILED ? MAP_FAILED
              : mmap(r, size + RT_MACHINE_BOUNCE_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (ram == MAP_FAILED) {
        int e = errno;
        fprintf(stderr, "ferry-system: cannot allocate %llu MiB of guest RAM (-m): %s\n",
                (unsigned long long)(size >> 20), strerror(e));
        exit(RT_MACHINE_EXIT_USAGE);
    }
    m->ram = ram;
    m->ram_size = size;
    /* The identity map: at least 4 GiB (where device memory will live), and all of RAM. */
    uint64_t gib = (size + GIB - 1) / GIB;
    m->mapped = (gib < 4 ? 4 : gib) * GIB;
}

int rt_machine_ram_read(const RtMachine *m, uint64_t addr, void *dst, size_t n)
{
    if (n > m->ram_size || addr > m->ram_size - n)
        return -1;
    memcpy(dst, m->ram + addr, n);
    return 0;
}

int rt_machine_ram_write(RtMachine *m, uint64_t addr, const void *src, size_t n)
{
    if (n > m->ram_size || addr > m->ram_size - n)
        return -1;
    memcpy(m->ram + addr, src, n);
    return 0;
}

/* ---------------------------------------------------------------- files */

uint8_t *rt_machine_read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        boot_fail(path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        boot_fail(path, "not a regular file");
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        boot_fail(path, "out of memory");
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            close(fd);
            boot_fail(path, r < 0 ? strerror(errno) : "file shrank while being read");
        }
        got += (size_t)r;
    }
    close(fd);
    *size = n;
    return buf;
}

static const Elf64_Phdr *phdrs(const RtMachine *m, const Elf64_Ehdr *eh)
{
    return (const Elf64_Phdr *)(const void *)(m->kernel_image + eh->e_phoff);
}

/* The checks of the file header (see the top of the file). */
static void check_kernel(RtMachine *m)
{
    const char *path = m->opt.kernel;
    char why[200];
    if (rt_machine_multiboot_probe(m))
        return;
    if (m->kernel_size < EI_NIDENT || memcmp(m->kernel_image, ELFMAG, SELFMAG) != 0)
        boot_fail(path, "not an ELF64 x86-64 kernel (Linux bzImage and raw images are not "
                        "supported yet)");
    if (m->kernel_image[EI_CLASS] == ELFCLASS32)
        boot_fail(path, "a 32-bit ELF kernel without a Multiboot header (ferry boots 32-bit "
                        "kernels through Multiboot, ELF64 kernels in long mode)");
    if (m->kernel_image[EI_CLASS] != ELFCLASS64 || m->kernel_size < sizeof(Elf64_Ehdr))
        boot_fail(path, "not an ELF64 kernel (bad class or truncated header)");
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)m->kernel_image;
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
        boot_fail(path, "not an x86-64 little-endian ELF file");
    if (eh->e_type != ET_EXEC)
        boot_fail(path, "not an ELF executable (ET_EXEC): link the kernel at fixed "
                        "addresses");
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        eh->e_phoff > m->kernel_size ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > m->kernel_size - eh->e_phoff)
        boot_fail(path, "truncated or malformed program headers");
    if (eh->e_phoff % 8)
        boot_fail(path, "misaligned program headers");
    const Elf64_Phdr *ph = phdrs(m, eh);
    unsigned loads = 0;
    bool entry_ok = false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *a = &ph[i];
        if (a->p_type != PT_LOAD || a->p_memsz == 0)
            continue;
        loads++;
        if (a->p_filesz > a->p_memsz || a->p_offset > m->kernel_size ||
            a->p_filesz > m->kernel_size - a->p_offset)
            boot_fail(path, "a segment's bytes lie outside the file");
        if (a->p_vaddr != a->p_paddr) {
            snprintf(why, sizeof why, "segment at virtual 0x%llx is linked for physical "
                     "0x%llx: higher-half kernels need their own page tables (not supported "
                     "yet)", (unsigned long long)a->p_vaddr, (unsigned long long)a->p_paddr);
            boot_fail(path, why);
        }
        if (a->p_paddr < FERRY_BOOT_KERNEL_MIN) {
            snprintf(why, sizeof why, "segment at 0x%llx: kernels load at or above 1 MiB "
                     "(ferry's boot data lie below)", (unsigned long long)a->p_paddr);
            boot_fail(path, why);
        }
        if (a->p_memsz > m->ram_size || a->p_paddr > m->ram_size - a->p_memsz) {
            snprintf(why, sizeof why, "segment at 0x%llx (%llu bytes) does not fit in %llu MiB "
                     "of RAM (-m)", (unsigned long long)a->p_paddr,
                     (unsigned long long)a->p_memsz, (unsigned long long)(m->ram_size >> 20));
            boot_fail(path, why);
        }
        for (unsigned j = 0; j < i; j++) {
            const Elf64_Phdr *b = &ph[j];
            if (b->p_type == PT_LOAD && b->p_memsz && a->p_paddr < b->p_paddr + b->p_memsz &&
                b->p_paddr < a->p_paddr + a->p_memsz)
                boot_fail(path, "overlapping segments");
        }
        if ((a->p_flags & PF_X) && eh->e_entry >= a->p_paddr &&
            eh->e_entry - a->p_paddr < a->p_memsz)
            entry_ok = true;
    }
    if (!loads)
        boot_fail(path, "no loadable segment");
    if (!entry_ok) {
        snprintf(why, sizeof why, "entry point 0x%llx is not in an executable segment",
                 (unsigned long long)eh->e_entry);
        boot_fail(path, why);
    }
}

void rt_machine_load_files(RtMachine *m)
{
    m->kernel_image = rt_machine_read_file(m->opt.kernel, &m->kernel_size);
    check_kernel(m);
    if (m->mb.on) {
        rt_machine_multiboot_modules(m);
        return;
    }
    if (m->opt.initrd) {
        m->initrd_image = rt_machine_read_file(m->opt.initrd, &m->initrd_size);
        /* Page-aligned at the top of RAM, above the kernel. */
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)m->kernel_image;
        const Elf64_Phdr *ph = phdrs(m, eh);
        uint64_t kernel_end = 0;
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && ph[i].p_paddr + ph[i].p_memsz > kernel_end)
                kernel_end = ph[i].p_paddr + ph[i].p_memsz;
        uint64_t start = (m->ram_size - m->initrd_size) & ~(RT_PAGE_SIZE - 1);
        if (m->initrd_size > m->ram_size || start < kernel_end)
            boot_fail(m->opt.initrd, "does not fit in RAM above the kernel (-m)");
    }
}

/* ---------------------------------------------------------------- the hand-off */

static void put64(RtMachine *m, uint64_t addr, uint64_t v)
{
    memcpy(m->ram + addr, &v, 8);       /* addresses of the boot area: inside RAM */
}

/* PML4 -> one PDPT -> one PD per GiB, 2 MiB pages: present, writable (system_boot.h). */
static void build_page_tables(RtMachine *m)
{
    uint64_t pdpt = FERRY_BOOT_PML4 + RT_PAGE_SIZE, pd = pdpt + RT_PAGE_SIZE;
    uint64_t gib = m->mapped / GIB;
    memset(m->ram + FERRY_BOOT_PML4, 0, (size_t)((2 + gib) * RT_PAGE_SIZE));
    put64(m, FERRY_BOOT_PML4, pdpt | 0x3);
    for (uint64_t g = 0; g < gib; g++) {
        put64(m, pdpt + 8 * g, (pd + g * RT_PAGE_SIZE) | 0x3);
        for (uint64_t e = 0; e < 512; e++)
            put64(m, pd + g * RT_PAGE_SIZE + 8 * e, (g * GIB + e * (2ull << 20)) | 0x83);
    }
}

static uint64_t boot_end(const RtMachine *m)
{
    return FERRY_BOOT_PML4 + (2 + m->mapped / GIB) * RT_PAGE_SIZE;
}

X86State *rt_machine_cpu_reset(RtMachine *m, uint64_t entry)
{
    X86State *s = &m->cpu->state;
    uint64_t icount = s->icount;        /* virtual time goes on across a reset ... */
    x86_state_init(s);
    x86_set_eflags(s, 0x2);
    s->icount = icount;
    s->tsc_offset = 0 - icount;         /* ... while the TSC starts again from 0 */
    s->mem_base = (uint64_t)(uintptr_t)m->ram;
    s->mem_limit = m->ram_size;
    s->rip = entry;
    s->gpr[X86_RSP] = FERRY_BOOT_STACK_TOP;
    s->pat = 0x0007040600070406ull;     /* the power-on PAT */
    return s;
}

void rt_machine_boot(RtMachine *m)
{
    if (m->mb.on) {
        rt_machine_multiboot_boot(m);
        rt_mmu_init(m);                 /* paging off: linear = physical */
        rt_mmu_flush_code(m);
        return;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)m->kernel_image;
    const Elf64_Phdr *ph = phdrs(m, eh);
    uint64_t kstart = UINT64_MAX, kend = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *a = &ph[i];
        if (a->p_type != PT_LOAD || a->p_memsz == 0)
            continue;
        memcpy(m->ram + a->p_paddr, m->kernel_image + a->p_offset, a->p_filesz);
        memset(m->ram + a->p_paddr + a->p_filesz, 0, a->p_memsz - a->p_filesz);
        if (a->p_paddr < kstart) kstart = a->p_paddr;
        if (a->p_paddr + a->p_memsz > kend) kend = a->p_paddr + a->p_memsz;
    }
    uint64_t initrd = 0;
    if (m->initrd_image) {
        initrd = (m->ram_size - m->initrd_size) & ~(RT_PAGE_SIZE - 1);
        memcpy(m->ram + initrd, m->initrd_image, m->initrd_size);
    }
    /* Boot area: info, command line, GDT, page tables; the stack below 0x80000. */
    memset(m->ram + FERRY_BOOT_INFO, 0, (size_t)(FERRY_BOOT_PML4 - FERRY_BOOT_INFO));
    size_t len = strlen(m->opt.append);
    memcpy(m->ram + FERRY_BOOT_CMDLINE, m->opt.append, len + 1);
    put64(m, FERRY_BOOT_GDT + 0x00, 0);
    put64(m, FERRY_BOOT_GDT + FERRY_BOOT_CS, 0x00af9a000000ffffull);   /* code, L = 1, DPL 0 */
    put64(m, FERRY_BOOT_GDT + FERRY_BOOT_DS, 0x00cf92000000ffffull);   /* data, writable */
    build_page_tables(m);
    FerryBootInfo info = {
        .magic = FERRY_BOOT_MAGIC, .version = FERRY_BOOT_VERSION, .mem_size = m->ram_size,
        .cmdline = FERRY_BOOT_CMDLINE, .cmdline_size = len,
        .initrd_start = initrd, .initrd_size = m->initrd_image ? m->initrd_size : 0,
        .mapped = m->mapped, .boot_start = FERRY_BOOT_INFO,
        .boot_end = FERRY_BOOT_STACK_TOP > boot_end(m) ? FERRY_BOOT_STACK_TOP : boot_end(m),
        .kernel_start = kstart, .kernel_end = kend,
    };
    memcpy(m->ram + FERRY_BOOT_INFO, &info, sizeof info);

    /* The CPU (system_boot.h). */
    X86State *s = rt_machine_cpu_reset(m, eh->e_entry);
    s->gpr[X86_RDI] = FERRY_BOOT_INFO;
    s->cr0 = X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET | X86_CR0_MP | X86_CR0_PE;
    s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    s->cr3 = FERRY_BOOT_PML4;
    s->efer = X86_EFER_LME | X86_EFER_LMA;
    s->gdt_base = FERRY_BOOT_GDT;
    s->gdt_limit = 3 * 8 - 1;
    s->seg[1] = FERRY_BOOT_CS;
    s->seg[0] = s->seg[2] = s->seg[3] = FERRY_BOOT_DS;
    s->icount_limit = 0;
    rt_machine_segs_flat(m, true);
    rt_machine_mode_update(m);
    rt_mmu_init(m);
    rt_mmu_flush_code(m);               /* the kernel was loaded (again) */
}
