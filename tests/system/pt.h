/* pt.h — 4-level page tables for the test kernels that build their own (paging.c, user.c):
 * a pool of zeroed table pages, 4 KiB and 2 MiB mappings, and the control registers and
 * MSRs that go with them. Static functions: each kernel that includes it gets its own. */
#ifndef FERRY_TEST_KERNEL_PT_H
#define FERRY_TEST_KERNEL_PT_H

#include <stdint.h>

#define PT_P  0x001ull
#define PT_W  0x002ull
#define PT_U  0x004ull
#define PT_A  0x020ull
#define PT_D  0x040ull
#define PT_PS 0x080ull
#define PT_G  0x100ull
#define PT_XD (1ull << 63)
#define PT_FRAME 0x000ffffffffff000ull
#define PAGE_SIZE 4096ull

#define MSR_EFER 0xc0000080u
#define EFER_SCE (1ull << 0)
#define EFER_NXE (1ull << 11)

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static uint64_t pt_pool[24][512] __attribute__((aligned(4096)));
static unsigned pt_used;
static uint64_t *pt_root;

static uint64_t *pt_alloc(void)
{
    uint64_t *t = pt_pool[pt_used++];
    for (unsigned i = 0; i < 512; i++)
        t[i] = 0;
    return t;
}

/* The entry for va at level (1: PT, 2: PD, 3: PDPT), creating the tables above it with every
 * right (P W U), so the leaf's bits decide. */
static uint64_t *pt_slot(uint64_t va, int level)
{
    if (!pt_root)
        pt_root = pt_alloc();
    uint64_t *t = pt_root;
    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
        if (!(*e & PT_P))
            *e = (uint64_t)(uintptr_t)pt_alloc() | PT_P | PT_W | PT_U;
        t = (uint64_t *)(uintptr_t)(*e & PT_FRAME);
    }
    return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static inline uint64_t *pt_pte(uint64_t va) { return pt_slot(va, 1); }
static inline void pt_map(uint64_t va, uint64_t pa, uint64_t flags) { *pt_pte(va) = pa | flags; }
static inline void pt_map_2m(uint64_t va, uint64_t pa, uint64_t flags)
{
    *pt_slot(va, 2) = pa | flags | PT_PS;
}
/* [start, end) mapped to itself with 4 KiB pages. */
static inline void pt_identity(uint64_t start, uint64_t end, uint64_t flags)
{
    for (uint64_t a = start; a < end; a += PAGE_SIZE)
        pt_map(a, a, flags);
}
static inline void pt_load(void) { write_cr3((uint64_t)(uintptr_t)pt_root); }

#endif
