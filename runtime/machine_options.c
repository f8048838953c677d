/* machine_options.c — ferry-system's command line, with qemu-system-x86_64's flags where they
 * exist:
 *
 *     ferry-system -kernel FILE [-initrd FILE] [-append STR] [-m SIZE] [-smp 1]
 *                  [-serial stdio|none] [-nographic] [-no-reboot] [-d LIST] [-D FILE]
 *
 * Every flag may be written with one dash or two. -m takes MiB, or a number with an M or G
 * suffix (QEMU's "size=" prefix is accepted too). -nographic is accepted and changes nothing:
 * ferry has no display, the serial port is on stdio unless -serial none. Also ferry's own
 * -singlestep and --interp. Errors print one line "ferry-system: ..." and exit 1; -h and
 * --version print and exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/machine.h"

#define DEFAULT_RAM (128ull << 20)
#define MIN_RAM     (4ull << 20)        /* the boot area, a small kernel and its data */
#define MAX_RAM     (64ull << 30)       /* what the boot page tables map (one PD per GiB) */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: ferry-system -kernel FILE [options]\n"
        "Run an x86-64 machine with ferry's translator: the ELF64 kernel FILE starts in long\n"
        "mode on a PC board (PIC, PIT, RTC, COM1 16550A, i8042, isa-debug-exit at 0xf4).\n"
        "\n"
        "Options (qemu-system-x86_64's where they exist):\n"
        "  -kernel FILE     the ELF64 kernel to boot\n"
        "  -initrd FILE     a file loaded at the top of RAM for the kernel\n"
        "  -append STR      the kernel command line\n"
        "  -m SIZE          RAM: MiB, or with an M or G suffix (default 128M)\n"
        "  -smp 1           one CPU (the only choice for now)\n"
        "  -serial stdio    COM1 on stdin/stdout (the default); -serial none: no host side\n"
        "  -nographic       accepted: there is no display\n"
        "  -no-reboot       end the machine when the guest resets it (or triple faults)\n"
        "  -d LIST          log items, comma separated (-d help lists them; int: interrupts)\n"
        "  -D FILE          write logs to FILE instead of stderr\n"
        "  -singlestep      translate one guest instruction per block\n"
        "  --interp         run blocks with the reference IR interpreter\n"
        "  -h, --help       this help\n"
        "  --version        ferry's version\n"
        "Exit status: (v << 1) | 1 after the guest writes v to port 0xf4; 0 when the guest\n"
        "ends the machine (reset under -no-reboot, or a halt nothing can wake); 1 when it\n"
        "cannot start; 2 when the guest needs something ferry does not support yet.\n");
}

static _Noreturn void fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "ferry-system: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(RT_MACHINE_EXIT_USAGE);
}

/* -m: "128", "128M", "2G", "size=512M". */
static uint64_t parse_size(const char *v)
{
    const char *s = strncmp(v, "size=", 5) == 0 ? v + 5 : v;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        fail("-m %s: not a size (MiB, or a number with M or G)", v);
    unsigned shift = 20;
    if (*end == 'M' || *end == 'm')
        end++;
    else if (*end == 'G' || *end == 'g') {
        shift = 30;
        end++;
    }
    if (*end == 'B' || *end == 'b')     /* 128MB, as QEMU also takes */
        end++;
    if (*end)
        fail("-m %s: not a size (MiB, or a number with M or G)", v);
    if (n > (MAX_RAM >> shift))
        fail("-m %s: at most 64G of RAM for now", v);
    uint64_t bytes = (uint64_t)n << shift;
    if (bytes < MIN_RAM)
        fail("-m %s: at least 4M of RAM", v);
    return bytes;
}

void rt_machine_options_parse(RtMachineOptions *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->ram_size = DEFAULT_RAM;
    o->append = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            fail("'%s': disk images are not supported (boot a kernel with -kernel)", a);
        const char *name = a + 1 + (a[1] == '-');
        if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(name, "version") == 0) {
            printf("ferry-system 0.1: x86-64 machines, ELF64 kernels in long mode\n");
            exit(0);
        }
        if (strcmp(name, "nographic") == 0) continue;
        if (strcmp(name, "no-reboot") == 0) { o->no_reboot = true; continue; }
        if (strcmp(name, "singlestep") == 0) { o->single_step = true; continue; }
        if (strcmp(name, "interp") == 0) { o->interp = true; continue; }
        static const char *const with_value[] = { "kernel", "initrd", "append", "m", "smp",
                                                   "serial", "d", "D" };
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= strcmp(name, with_value[k]) == 0;
        if (!known)
            fail("unknown option '%s' (ferry-system -h lists them)", a);
        if (i + 1 >= argc)
            fail("option '%s' needs a value", a);
        const char *v = argv[++i];
        if (strcmp(name, "kernel") == 0) {
            o->kernel = v;
        } else if (strcmp(name, "initrd") == 0) {
            o->initrd = v;
        } else if (strcmp(name, "append") == 0) {
            o->append = v;
        } else if (strcmp(name, "m") == 0) {
            o->ram_size = parse_size(v);
        } else if (strcmp(name, "smp") == 0) {
            const char *n = strncmp(v, "cpus=", 5) == 0 ? v + 5 : v;
            if (strcmp(n, "1") != 0)
                fail("-smp %s: only one CPU is supported for now", v);
        } else if (strcmp(name, "serial") == 0) {
            if (strcmp(v, "stdio") == 0 || strcmp(v, "mon:stdio") == 0)
                o->serial = RT_SERIAL_STDIO;
            else if (strcmp(v, "none") == 0 || strcmp(v, "null") == 0)
                o->serial = RT_SERIAL_NONE;
            else
                fail("-serial %s: only stdio and none are supported", v);
        } else if (strcmp(name, "d") == 0) {
            if (strcmp(v, "help") == 0) {
                rt_log_items_help(stdout);
                exit(0);
            }
            if (rt_log_items_parse(v, &o->log_mask) < 0)
                fail("unknown -d item in '%s' (-d help lists them)", v);
        } else {
            o->log_file = v;
        }
    }
    if (!o->kernel)
        fail("%s", "no -kernel given (firmware and disk boot are not supported)");
    if (strlen(o->append) > 4095)
        fail("%s", "-append: the command line is longer than 4095 bytes");
}
