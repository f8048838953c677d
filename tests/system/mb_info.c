/* mb_info.c — mb_report (mb.h), for 32-bit and 64-bit kernels. */
#include "mb.h"

static const char *after_first_word(const char *s)
{
    while (*s && *s != ' ')
        s++;
    return *s ? s + 1 : s;
}

void mb_report(uint32_t magic, const MultibootInfo *mbi, uint32_t kernel_end)
{
    check("multiboot magic in eax", magic == MB_BOOT_MAGIC);
    check("info flags: memory, command line, modules, memory map",
          (mbi->flags & 0x4d) == 0x4d);
    puts("mem_lower: ");
    put_dec(mbi->mem_lower);
    puts(" KiB\n");
    /* The BIOS under QEMU keeps some of the top of RAM for itself: within a MiB. */
    check("mem_upper: RAM above 1 MiB (-m 64M), within 1 MiB",
          mbi->mem_upper <= 63 * 1024 && mbi->mem_upper >= 62 * 1024);
    puts("arguments: '");
    puts(after_first_word((const char *)(uintptr_t)mbi->cmdline));
    puts("'\nmodules: ");
    put_dec(mbi->mods_count);
    putc('\n');
    const MultibootModule *mod = (const MultibootModule *)(uintptr_t)mbi->mods_addr;
    for (uint32_t i = 0; i < mbi->mods_count; i++) {
        puts("  module arguments '");
        puts(after_first_word((const char *)(uintptr_t)mod[i].string));
        puts("', ");
        put_dec(mod[i].mod_end - mod[i].mod_start);
        puts(" bytes, first line: '");
        const char *p = (const char *)(uintptr_t)mod[i].mod_start;
        for (uint32_t n = 0; n < mod[i].mod_end - mod[i].mod_start && p[n] != '\n'; n++)
            putc(p[n]);
        puts("'\n");
        check("  module page-aligned, after the kernel",
              !(mod[i].mod_start & 0xfff) && mod[i].mod_start >= kernel_end);
    }
    bool covered = false, sane = mbi->mmap_length > 0;
    for (uint32_t off = 0; off < mbi->mmap_length;) {
        const MultibootMmap *e = (const MultibootMmap *)(uintptr_t)(mbi->mmap_addr + off);
        if (e->size < 20) {
            sane = false;
            break;
        }
        if (e->type == 1 && e->addr <= 0x100000 && e->addr + e->len >= kernel_end)
            covered = true;
        off += e->size + 4;
    }
    check("memory map well formed", sane);
    check("memory map: the kernel lies in available RAM", covered);
}
