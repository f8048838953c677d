/* mb_handoff.c — the kernels written for ferry's ELF64 hand-off (runtime/system_boot.h),
 * booted through Multiboot instead (their NAME.mb.elf image: mb_entry.S, then this): builds
 * the machine state ferry-system itself hands an ELF64 kernel and enters the kernel's own
 * _start (start.S) in it, so the same kernel code runs under qemu-system-x86_64 -kernel,
 * which boots only Multiboot kernels, and the serial output can be compared.
 *
 * Built here from the Multiboot information: FerryBootInfo at FERRY_BOOT_INFO (mem_size
 * from mem_upper, in whole MiB, the command line without its first word, which is the kernel's path, the
 * first module as the initrd, the loaded image as the kernel range), the command line at
 * FERRY_BOOT_CMDLINE, ferry's GDT at FERRY_BOOT_GDT, its identity map (2 MiB pages, at
 * least 4 GiB) at FERRY_BOOT_PML4; CR0, CR4, EFER and the segments as system_boot.h says;
 * RSP = FERRY_BOOT_STACK_TOP, RDI = FERRY_BOOT_INFO, RFLAGS = 0x2. The boot loader's own
 * information may lie in that low memory (ferry-system puts it at 0x1000): everything is
 * read out of it before anything is written there. Also the 8259 PICs all masked: a BIOS
 * (QEMU's SeaBIOS) leaves the timer unmasked at vector 8, ferry's PICs start masked. */
#include "mb.h"

#define GIB (1ull << 30)

extern char _end[];
extern char mb_header[];        /* mb_entry.S: the image's first byte */
void _start(void);

/* A pointer to a physical (= virtual) address, hidden from gcc, which takes constant
 * addresses in the first page for null-pointer arithmetic. */
static void *phys(uint64_t a)
{
    void *p;
    __asm__("" : "=r"(p) : "0"(a));
    return p;
}

static char cmdline[FERRY_BOOT_CMDLINE_MAX + 1];

_Noreturn void mb_main64(uint32_t magic, uint32_t info);
_Noreturn void mb_main64(uint32_t magic, uint32_t info)
{
    const MultibootInfo *mbi = phys(info);
    if (magic != MB_BOOT_MAGIC || !(mbi->flags & 1)) {
        serial_init();
        puts("mb_handoff: not booted through Multiboot with memory information\n");
        machine_exit(0x30);
    }
    uint64_t len = 0;
    if (mbi->flags & 4) {
        const char *s = phys(mbi->cmdline);
        while (*s && *s != ' ')
            s++;
        if (*s == ' ')
            s++;
        while (s[len] && len < FERRY_BOOT_CMDLINE_MAX) {
            cmdline[len] = s[len];
            len++;
        }
    }
    cmdline[len] = '\0';
    uint64_t initrd = 0, initrd_size = 0;
    if ((mbi->flags & 8) && mbi->mods_count) {
        const MultibootModule *mod = phys(mbi->mods_addr);
        initrd = mod->mod_start;
        initrd_size = mod->mod_end - mod->mod_start;
    }
    /* Rounded up to a whole MiB: a BIOS keeps the top of RAM for its own tables and leaves
     * it out of mem_upper (QEMU's SeaBIOS: 128 KiB), ferry-system hands over all of it. */
    uint64_t mem = (((uint64_t)mbi->mem_upper + 1024) * 1024 + (1u << 20) - 1) & ~((1ull << 20) - 1);
    uint64_t gib = (mem + GIB - 1) / GIB;
    if (gib < 4)
        gib = 4;

    /* From here on the boot loader's information may be overwritten. */
    memset(phys(FERRY_BOOT_INFO), 0, FERRY_BOOT_PML4 - FERRY_BOOT_INFO);
    memcpy(phys(FERRY_BOOT_CMDLINE), cmdline, len + 1);
    uint64_t *gdt = phys(FERRY_BOOT_GDT);
    gdt[0] = 0;
    gdt[FERRY_BOOT_CS / 8] = 0x00af9a000000ffffull;     /* code, L = 1, DPL 0 */
    gdt[FERRY_BOOT_DS / 8] = 0x00cf92000000ffffull;     /* data, writable */
    uint64_t pdpt = FERRY_BOOT_PML4 + 0x1000, pd = pdpt + 0x1000;
    memset(phys(FERRY_BOOT_PML4), 0, (2 + gib) * 0x1000);
    *(uint64_t *)phys(FERRY_BOOT_PML4) = pdpt | 0x3;
    for (uint64_t g = 0; g < gib; g++) {
        ((uint64_t *)phys(pdpt))[g] = (pd + g * 0x1000) | 0x3;
        uint64_t *e = phys(pd + g * 0x1000);
        for (uint64_t i = 0; i < 512; i++)
            e[i] = (g * GIB + i * (2ull << 20)) | 0x83;
    }
    uint64_t tables_end = pd + gib * 0x1000;
    FerryBootInfo *bi = phys(FERRY_BOOT_INFO);
    *bi = (FerryBootInfo){
        .magic = FERRY_BOOT_MAGIC, .version = FERRY_BOOT_VERSION, .mem_size = mem,
        .cmdline = FERRY_BOOT_CMDLINE, .cmdline_size = len,
        .initrd_start = initrd, .initrd_size = initrd_size,
        .mapped = gib * GIB, .boot_start = FERRY_BOOT_INFO,
        .boot_end = FERRY_BOOT_STACK_TOP > tables_end ? FERRY_BOOT_STACK_TOP : tables_end,
        .kernel_start = (uint64_t)(uintptr_t)mb_header,
        .kernel_end = (uint64_t)(uintptr_t)_end,
    };
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gp = {
        3 * 8 - 1, FERRY_BOOT_GDT };
    __asm__ volatile(
        "mov    %0, %%cr3\n\t"
        "mov    %1, %%cr4\n\t"
        "mov    %2, %%cr0\n\t"
        "lgdt   %3\n\t"
        "mov    %4, %%eax\n\t"
        "mov    %%eax, %%ds\n\t"
        "mov    %%eax, %%es\n\t"
        "mov    %%eax, %%ss\n\t"
        "xor    %%eax, %%eax\n\t"
        "mov    %%eax, %%fs\n\t"
        "mov    %%eax, %%gs\n\t"
        "mov    %5, %%rsp\n\t"
        "pushq  %6\n\t"
        "lea    1f(%%rip), %%rax\n\t"
        "push   %%rax\n\t"
        "lretq\n"
        "1:     pushq $2\n\t"
        "popfq\n\t"
        "mov    %7, %%edi\n\t"
        "xor    %%eax, %%eax\n\t"
        "xor    %%ebx, %%ebx\n\t"
        "xor    %%ecx, %%ecx\n\t"
        "xor    %%edx, %%edx\n\t"
        "xor    %%esi, %%esi\n\t"
        "xor    %%ebp, %%ebp\n\t"
        "xor    %%r8d, %%r8d\n\t"
        "xor    %%r9d, %%r9d\n\t"
        "xor    %%r10d, %%r10d\n\t"
        "xor    %%r11d, %%r11d\n\t"
        "xor    %%r12d, %%r12d\n\t"
        "xor    %%r13d, %%r13d\n\t"
        "xor    %%r14d, %%r14d\n\t"
        "xor    %%r15d, %%r15d\n\t"
        "jmp    _start"
        :: "r"((uint64_t)FERRY_BOOT_PML4), "r"(0x620ull) /* PAE OSFXSR OSXMMEXCPT */,
           "r"(0x80010033ull) /* PG WP NE ET MP PE */, "m"(gp), "i"(FERRY_BOOT_DS),
           "i"(FERRY_BOOT_STACK_TOP), "i"(FERRY_BOOT_CS), "i"(FERRY_BOOT_INFO)
        : "memory");
    __builtin_unreachable();
}
