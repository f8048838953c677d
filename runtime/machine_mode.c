/* machine_mode.c — the CPU's mode, mode switches through CR0/CR3/CR4/EFER, and the check that
 * lets paging run without a soft MMU (machine.h, "Modes" and "Paging").
 *
 * Modes (SDM Vol. 3A 2.2, 9.8.5): with EFER.LMA clear the CPU is in protected mode and CS.D
 * picks 32-bit code; with LMA set, CS.L picks 64-bit mode and otherwise CS.D picks 32-bit
 * compatibility mode. Both 32-bit modes decode alike (X86_MODE_32). Real mode and 16-bit code
 * segments are not supported: the machine stops.
 *
 * Mode switches follow SDM Vol. 3A 9.8.5 (initializing IA-32e mode): EFER.LME may change only
 * with CR0.PG clear (#GP otherwise); setting CR0.PG with LME set needs CR4.PAE (#GP) and sets
 * EFER.LMA (compatibility mode until a far jump loads a 64-bit CS); clearing CR0.PG in 64-bit
 * mode, or CR4.PAE with LMA set, is #GP; PG without PE is #GP. Clearing PE (back to real mode)
 * stops the machine.
 *
 * Paging without a soft MMU: when paging is on, every present translation of the page tables
 * must map a linear address to the same physical address, and the current rip and stack
 * must be mapped; the tables are walked in C (4-level for IA-32e, PAE's 3 levels, or the
 * 2-level 32-bit tables with 4 MiB pages under CR4.PSE) when CR0.PG is set, at CR3 writes
 * and at CR4 paging-bit changes. Other tables stop the machine with a message: a soft MMU is
 * what they need. Each table may be reached once (a table mapped at two places cannot map
 * both identically), which also bounds the walk by the RAM's page count. What the walk does
 * not catch: a later store into the tables (the kernel editing its live tables), and accesses
 * to unmapped addresses, which go to physical memory instead of raising #PF.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/machine.h"

/* ---------------------------------------------------------------- modes */

static bool long_mode_active(const RtMachine *m)
{
    return (m->cpu->state.efer & X86_EFER_LMA) != 0;
}

void rt_machine_mode_update(RtMachine *m)
{
    uint32_t attr = m->seg[1].attr;
    X86Mode mode;
    if (long_mode_active(m) && (attr & RT_SEG_L))
        mode = X86_MODE_64;
    else if (attr & RT_SEG_D)
        mode = X86_MODE_32;
    else
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a 16-bit code segment: 16-bit code is "
                        "not supported");
    if (mode == m->mode && m->p->fe_opt.mode == mode)
        return;
    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: CPU now in %s code (CS 0x%llx)\n",
                      mode == X86_MODE_64 ? "64-bit" : long_mode_active(m) ?
                      "32-bit compatibility-mode" : "32-bit protected-mode",
                      (unsigned long long)m->cpu->state.seg[1]);
    m->mode = mode;
    m->p->fe_opt.mode = (uint8_t)mode;
    /* The table keeps each mode's blocks apart (blocks.c); the jump cache's probe in
     * generated code does not know modes, so it starts empty. */
    rt_jc_clear(m->cpu);
}

/* ---------------------------------------------------------------- linear addresses */

bool rt_machine_linear_to_phys(const RtMachine *m, uint64_t linear, uint64_t *phys)
{
    if (!long_mode_active(m) && linear >> 32)
        return false;
    *phys = linear;     /* paging off, or on with tables checked to be the identity */
    return true;
}

int rt_machine_lin_read(const RtMachine *m, uint64_t linear, void *dst, size_t n)
{
    uint64_t phys;
    if (!rt_machine_linear_to_phys(m, linear, &phys))
        return -1;
    return rt_machine_ram_read(m, phys, dst, n);
}

int rt_machine_lin_write(RtMachine *m, uint64_t linear, const void *src, size_t n)
{
    uint64_t phys;
    if (!rt_machine_linear_to_phys(m, linear, &phys))
        return -1;
    return rt_machine_ram_write(m, phys, src, n);
}

/* ---------------------------------------------------------------- the identity check */

typedef struct Walk {
    RtMachine *m;
    uint8_t *seen;              /* one bit per RAM page: reached as a table already */
    uint64_t rip, rsp;
    bool rip_mapped, rsp_mapped;
    char why[200];              /* the first problem found */
} Walk;

static bool walk_fail(Walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool walk_fail(Walk *w, const char *fmt, ...)
{
    if (!w->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->why, sizeof w->why, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* A leaf: [va, va + size) -> pa. */
static bool walk_leaf(Walk *w, uint64_t va, uint64_t pa, uint64_t size)
{
    if (va != pa)
        return walk_fail(w, "linear 0x%llx maps to physical 0x%llx", (unsigned long long)va,
                         (unsigned long long)pa);
    if (w->rip - va < size)
        w->rip_mapped = true;
    if (w->rsp - 1 - va < size)                     /* the next push goes there */
        w->rsp_mapped = true;
    return true;
}

/* The table at physical address t, of `level` (1 = the page table) in a hierarchy whose
 * entries are `esize` bytes and whose tables hold `n` entries; each entry at this level spans
 * 1 << shift bytes of linear space starting at va. Large pages where `large` allows. */
static bool walk_table(Walk *w, uint64_t t, unsigned level, unsigned esize, unsigned n,
                       unsigned shift, uint64_t va, unsigned large, uint64_t addr_mask)
{
    RtMachine *m = w->m;
    if (t >= m->ram_size || n * esize > m->ram_size - t)
        return walk_fail(w, "a page table at 0x%llx lies outside RAM", (unsigned long long)t);
    uint64_t page = t >> 12;
    if (w->seen[page >> 3] & (1u << (page & 7)))
        return walk_fail(w, "the page table at 0x%llx is reached twice (a recursive or shared "
                         "mapping)", (unsigned long long)t);
    w->seen[page >> 3] |= (uint8_t)(1u << (page & 7));
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = 0;
        memcpy(&e, m->ram + t + (uint64_t)i * esize, esize);
        if (!(e & 1))
            continue;
        uint64_t v = va + ((uint64_t)i << shift);
        if (level == 4 && v >= (1ull << 47))            /* upper half: sign-extended */
            v |= 0xffff000000000000ull;
        bool leaf = level == 1 || ((large >> level) & 1 && (e & 0x80));
        if (leaf) {
            uint64_t size = 1ull << shift;
            uint64_t pa = e & addr_mask & ~(size - 1);
            if (!walk_leaf(w, v, pa, size))
                return false;
            continue;
        }
        unsigned next = shift - (n == 512 ? 9 : 10);     /* 9 index bits, or 10 in 32-bit */
        if (!walk_table(w, e & addr_mask, level - 1, esize, n, next, v, large, addr_mask))
            return false;
    }
    return true;
}

/* Check the tables CR3 names for paging mode (cr4, efer.LME); "" when they can run. */
static bool identity_ok(RtMachine *m, uint64_t cr3, uint64_t cr4, bool lme, char *why, size_t n)
{
    X86State *s = &m->cpu->state;
    Walk w = { .m = m, .rip = s->rip, .rsp = s->gpr[X86_RSP] };
    size_t pages = (size_t)(m->ram_size >> 12);
    w.seen = calloc((pages + 7) / 8, 1);
    if (!w.seen) {
        fprintf(stderr, "ferry-system: out of memory\n");
        exit(RT_MACHINE_EXIT_USAGE);
    }
    bool ok;
    const uint64_t mask52 = 0x000ffffffffff000ull;
    if (lme) {                                  /* 4-level: 1 GiB pages at the PDPT, 2 MiB at the PD */
        if (cr4 & X86_CR4_LA57)
            ok = walk_fail(&w, "5-level paging (CR4.LA57)");
        else
            ok = walk_table(&w, cr3 & mask52, 4, 8, 512, 39, 0, (1u << 3) | (1u << 2), mask52);
    } else if (cr4 & X86_CR4_PAE) {             /* PAE: 4 PDPTEs, then 2 MiB pages at the PD */
        ok = true;
        uint64_t pdpt = cr3 & 0xffffffe0u;
        for (unsigned i = 0; i < 4 && ok; i++) {
            uint64_t e;
            if (rt_machine_ram_read(m, pdpt + 8 * i, &e, 8) < 0) {
                ok = walk_fail(&w, "the PDPT at 0x%llx lies outside RAM",
                               (unsigned long long)pdpt);
                break;
            }
            if (e & 1)
                ok = walk_table(&w, e & mask52, 2, 8, 512, 30 - 9, (uint64_t)i << 30,
                                1u << 2, mask52);
        }
    } else {                                    /* 32-bit: 4 MiB pages under PSE */
        ok = walk_table(&w, cr3 & 0xfffff000u, 2, 4, 1024, 22, 0,
                        (cr4 & X86_CR4_PSE) ? 1u << 2 : 0, 0xfffff000u);
    }
    free(w.seen);
    if (ok && !w.rip_mapped)
        ok = walk_fail(&w, "rip 0x%llx is not mapped", (unsigned long long)s->rip);
    if (ok && !w.rsp_mapped)
        ok = walk_fail(&w, "the stack at 0x%llx is not mapped",
                       (unsigned long long)s->gpr[X86_RSP]);
    snprintf(why, n, "%s", w.why);
    return ok;
}

static void check_paging(RtMachine *m, const char *what, uint64_t cr0, uint64_t cr3,
                         uint64_t cr4, bool lme)
{
    if (!(cr0 & X86_CR0_PG))
        return;
    char why[200], msg[400];
    if (identity_ok(m, cr3, cr4, lme, why, sizeof why))
        return;
    snprintf(msg, sizeof msg, "%s with page tables at 0x%llx that are not an identity map "
             "(%s): paging other than an identity map is not supported yet", what,
             (unsigned long long)cr3, why);
    rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, msg);
}

/* ---------------------------------------------------------------- CR and EFER writes */

enum { GP = 13 };

int rt_machine_write_cr(RtMachine *m, unsigned cr, uint64_t v)
{
    X86State *s = &m->cpu->state;
    bool lma = long_mode_active(m);
    bool lme = (s->efer & X86_EFER_LME) != 0;
    switch (cr) {
    case 0: {
        if (v >> 32)
            return GP;
        v |= X86_CR0_ET;
        if ((v & X86_CR0_PG) && !(v & X86_CR0_PE))
            return GP;
        if (!(v & X86_CR0_PE))
            rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "mov to CR0 clearing PE: real mode is "
                            "not supported");
        bool pg_on = (v & X86_CR0_PG) && !(s->cr0 & X86_CR0_PG);
        bool pg_off = !(v & X86_CR0_PG) && (s->cr0 & X86_CR0_PG);
        if (pg_off && lma && (m->seg[1].attr & RT_SEG_L))
            return GP;                          /* not from 64-bit mode */
        if (pg_on && lme && !(s->cr4 & X86_CR4_PAE))
            return GP;
        if (pg_on)
            check_paging(m, "mov to CR0 turning paging on", v, s->cr3, s->cr4, lme);
        s->cr0 = v;
        if (pg_on && lme)
            s->efer |= X86_EFER_LMA;            /* IA-32e mode, compatibility mode for now */
        if (pg_off)
            s->efer &= ~X86_EFER_LMA;
        return 0;
    }
    case 3:
        if (!lma)
            v &= 0xffffffffu;
        check_paging(m, "mov to CR3", s->cr0, v, s->cr4, lma);
        s->cr3 = v;
        return 0;
    case 4: {
        if (lma && !(v & X86_CR4_PAE))
            return GP;
        if (v & (X86_CR4_LA57 | X86_CR4_PCIDE))
            rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "mov to CR4 setting LA57 or PCIDE: "
                            "not supported yet");
        check_paging(m, "mov to CR4", s->cr0, s->cr3, v, lma);
        s->cr4 = v;
        return 0;
    }
    default:
        return GP;
    }
}

int rt_machine_write_efer(RtMachine *m, uint64_t v)
{
    X86State *s = &m->cpu->state;
    if (v & ~(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE))
        return GP;
    if (((v ^ s->efer) & X86_EFER_LME) && (s->cr0 & X86_CR0_PG))
        return GP;                              /* LME changes only with paging off */
    s->efer = (v & ~X86_EFER_LMA) | (s->efer & X86_EFER_LMA);
    return 0;
}
