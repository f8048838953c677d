/* machine_mode.c — the CPU's mode, and mode switches through CR0/CR3/CR4/EFER (machine.h,
 * "Modes" and "Paging").
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
 * Paging is the soft MMU's (machine_mmu.c), whatever the tables map. A write here that
 * changes how linear addresses translate (CR0.PG/PE/WP, CR3, CR4.PSE/PAE/PGE, EFER.NXE)
 * empties the TLB (CR3: all but global pages) and asks for every translation to be dropped
 * before the next block (RtMmu.flush_code): blocks are found by linear pc, and the code at a
 * pc may be other bytes now.
 */
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

bool rt_machine_linear_to_phys(RtMachine *m, uint64_t linear, uint64_t *phys)
{
    uint32_t err;
    return rt_mmu_translate(m, linear, RT_ACC_READ, phys, &err) == RT_MMU_OK;
}

/* The translations of linear addresses change: the TLB (all of it, or all but global pages),
 * and the translated code, which is keyed on linear pcs. */
static void mappings_changed(RtMachine *m, bool keep_global)
{
    rt_mmu_flush_tlb(m, keep_global);
    m->mmu.flush_code = true;
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
        uint64_t old = s->cr0;
        s->cr0 = v;
        if (pg_on && lme)
            s->efer |= X86_EFER_LMA;            /* IA-32e mode, compatibility mode for now */
        if (pg_off)
            s->efer &= ~X86_EFER_LMA;
        if ((old ^ v) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP))
            mappings_changed(m, false);
        return 0;
    }
    case 3:
        if (!lma)
            v &= 0xffffffffu;
        if (lma && (v >> 52))
            return GP;                          /* reserved bits (PCIDE is never set) */
        s->cr3 = v;
        mappings_changed(m, true);
        return 0;
    case 4: {
        if (lma && !(v & X86_CR4_PAE))
            return GP;
        if (v & (X86_CR4_LA57 | X86_CR4_PCIDE))
            rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "mov to CR4 setting LA57 or PCIDE: "
                            "not supported yet");
        uint64_t old = s->cr4;
        s->cr4 = v;
        if ((old ^ v) & (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE))
            mappings_changed(m, false);
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
    uint64_t old = s->efer;
    s->efer = (v & ~X86_EFER_LMA) | (s->efer & X86_EFER_LMA);
    if ((old ^ s->efer) & X86_EFER_NXE)
        mappings_changed(m, false);             /* XD bits mean something else now */
    return 0;
}
