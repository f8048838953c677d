/* lib.h — what the test kernels share: port I/O, COM1 output, the isa-debug-exit port, an
 * IDT with the stubs of isr.S, the PIC, and a few string helpers. Freestanding: nothing
 * here needs a C library. */
#ifndef FERRY_TEST_KERNEL_LIB_H
#define FERRY_TEST_KERNEL_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/system_boot.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
/* sti; hlt as one unit: an interrupt pending at sti is taken after hlt starts (the shadow). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* COM1 at 115200 8N1 with FIFOs, polled. */
#define COM1 0x3f8
void serial_init(void);
void putc(char c);
void puts(const char *s);
void put_dec(uint64_t v);
void put_hex(uint64_t v);
/* "name: ok\n" or "name: FAILED\n", counting failures. */
void check(const char *name, bool ok);
extern unsigned check_failures;

/* isa-debug-exit: the machine ends with status (code << 1) | 1. */
_Noreturn void machine_exit(uint32_t code);
/* 0x10 (status 33) if every check passed, else 0x20 (status 65). */
_Noreturn void finish(void);

/* Interrupts: the frame isr.S's stubs build. */
#ifdef __x86_64__
typedef struct IsrFrame {
    uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;      /* what the CPU pushed */
} IsrFrame;
#else
typedef struct IsrFrame {                   /* pusha order, then as above */
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
} IsrFrame;
#endif
typedef void (*IsrHandler)(IsrFrame *f);
/* Load an IDT (idt.c) with interrupt gates (64-bit or 32-bit ones, as the kernel is) for
 * vectors 0-47 to the stubs, with the current CS; idt_set_trap makes vector's a trap gate;
 * route vector v to handler h (NULL: an unexpected interrupt, which ends the test with 0x30). */
void idt_init(void);
void idt_set_trap(unsigned vector);
void isr_register(unsigned vector, IsrHandler h);
#ifdef __x86_64__
/* Vector's gate with type/attribute byte type_attr (P, DPL, type: 0x8e an interrupt gate,
 * 0xee the same with DPL 3, 0x0e not present) and IST index ist. */
void idt_set_attr(unsigned vector, uint8_t type_attr, uint8_t ist);
#endif
/* PIC pair at vectors 0x20 / 0x28, every input masked but the cascade; unmask / EOI. */
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);

bool streq(const char *a, const char *b);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* The command line word after "test=" (or ""), from the boot info. */
const char *boot_test_arg(const FerryBootInfo *info);
/* Whether the command line has the word "skip=qemu": tests/system/run.sh passes it to the
 * boots it compares with qemu-system-x86_64, and a kernel then leaves out the checks where
 * QEMU 7.2 departs from the processor manuals or the chips' data sheets (each named where it
 * is skipped); ferry's own boots without it still make them. */
bool boot_skip_qemu(const FerryBootInfo *info);

#endif
