/* machine_cpu.c — the privileged transitions generated code asks the machine for
 * (FeOptions.sys_ctl, frontend.h FeCtl): control-register writes and the TLB flushes they
 * imply, invlpg, ltr, iretq, syscall and sysret, sysenter and sysexit (SDM Vol. 2 and Vol. 3A
 * 4.10, 5, 7.2).
 *
 * Contract: rt_machine_sys_ctl runs inside a block, with the state exact (the frontend
 * stores the flags first). It answers 0, or 1 after rt_machine_raise, having changed nothing
 * (every check comes before the first change), and the block leaves with FE_SYS_EXC at the
 * instruction. What must not happen inside generated code — dropping translations — is only
 * asked for (RtMmu.flush_code) and done by machine_run.c before the next block.
 *
 * Privilege: CPL is CS.RPL. Changing it switches the TLB the probes use (rt_mmu_set_cpl), and
 * a change to CPL 3 empties the jump cache, so user code never reaches a block translated from
 * supervisor-only pages through an inline lookup (machine_run.c checks the blocks it finds).
 * Descriptors come from the GDT only (no LDT); segment bases and limits other than the TSS's
 * are not used in 64-bit mode, so only selectors are recorded, and the hidden part of CS
 * (RtMachine.seg, machine_seg.c) for the mode it selects.
 *
 * 32-bit code: iretq may return to a compatibility-mode code segment at CPL 0 (the mode
 * changes: rt_machine_mode_update); at CPL 3 that is refused with a stop, as 32-bit user
 * code is not supported yet. syscall and sysret are #UD outside 64-bit mode (the frontend's).
 * ltr loads a 64-bit TSS (16-byte descriptor) in IA-32e mode and a 32-bit TSS (8 bytes) in
 * protected mode (machine_intr32.c reads SS0:ESP0 from it); a 16-bit TSS stops the machine.
 * sysenter and sysexit work in protected mode and IA-32e mode alike (sysexit with REX.W
 * returns to 64-bit code).
 *
 * MSRs: FeOptions.msr routes rdmsr/wrmsr here (rt_machine_msr); IA32_APIC_BASE,
 * IA32_TSC_DEADLINE and the x2APIC range go to the local APIC (a refusal is #GP), everything
 * else to the CPU's own fe_msr_access. CR8 is the APIC's TPR: rt_machine_sync_devices pushes a
 * CR8 the guest wrote into the APIC, rt_machine_after_device pulls the TPR back into CR8.
 */
#include <stdio.h>
#include <string.h>
#include "runtime/machine.h"

static RtMachine *machine_of(void *state)
{
    return rt_thread_of_state(state)->proc->machine;
}

void rt_machine_raise(RtMachine *m, unsigned vector, bool has_err, uint32_t err)
{
    X86State *s = &m->cpu->state;
    s->exc_vector = vector;
    s->exc_err = (has_err ? 1ull << 32 : 0) | err;
}

static uint64_t cpu_raise(RtMachine *m, unsigned vector, uint32_t err)
{
    bool has_err = vector != 6;         /* #UD has none; #GP, #NP, #SS, #TS, #PF do */
    rt_machine_raise(m, vector, has_err, err);
    return 1;
}

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* Descriptor bits (SDM 3.4.5). */
#define D_TYPE(d)   (((d) >> 40) & 0xf)
#define D_S(d)      (((d) >> 44) & 1)
#define D_DPL(d)    ((unsigned)((d) >> 45) & 3)
#define D_P(d)      (((d) >> 47) & 1)
#define D_L(d)      (((d) >> 53) & 1)

/* Read n 8-byte words of the GDT descriptor for sel. 0; or the exception: #GP(sel) beyond
 * the limit or for an LDT selector, #PF on the way. */
static int read_desc(RtMachine *m, uint64_t sel, uint64_t *d, unsigned n, uint64_t *fail)
{
    const X86State *s = &m->cpu->state;
    if ((sel & 4) || (sel & ~7ull) + 8 * n - 1 > s->gdt_limit) {
        *fail = cpu_raise(m, 13, (uint32_t)(sel & ~3ull));
        return -1;
    }
    uint32_t err;
    int r = rt_mmu_read(m, s->gdt_base + (sel & ~7ull), d, 8 * n, &err);
    if (r != RT_MMU_OK) {
        *fail = r == RT_MMU_PF ? cpu_raise(m, 14, err) : cpu_raise(m, 13, 0);
        return -1;
    }
    return 0;
}

/* After CS changed. */
static void cpl_changed(RtMachine *m, unsigned old_cpl)
{
    rt_mmu_set_cpl(m);
    if (rt_machine_cpl(m) == 3 && old_cpl != 3)
        rt_jc_clear(m->cpu);
}

/* The hidden part of CS that syscall and sysret load: flat, 64-bit, present, at level dpl. */
#define FLAT_CODE64(dpl) ((RtSegCache){ 0, 0xffffffffu, 0xa09bu | (dpl) << 5 })

/* EFLAGS bits a CPL-0 iretq or sysret may load (TF, RF, VM, VIF, VIP are not modelled). */
#define LOADABLE (X86_ARITH_FLAGS | X86_DF | X86_IF | X86_IOPL | X86_NT | X86_AC | X86_ID)

/* ---------------------------------------------------------------- iretq */

static uint64_t do_iret(RtMachine *m)
{
    X86State *s = &m->cpu->state;
    uint64_t rip = s->iret_frame[0], cs = s->iret_frame[1] & 0xffff;
    uint64_t flags = s->iret_frame[2], rsp = s->iret_frame[3], ss = s->iret_frame[4] & 0xffff;
    unsigned cpl = rt_machine_cpl(m), rpl = cs & 3;
    uint64_t fail = 1, d;
    if ((cs & ~3ull) == 0)
        return cpu_raise(m, 13, 0);
    if (rpl < cpl)
        return cpu_raise(m, 13, (uint32_t)(cs & ~3ull));
    if (read_desc(m, cs, &d, 1, &fail) < 0)
        return fail;
    bool code = D_S(d) && (D_TYPE(d) & 8), conforming = D_TYPE(d) & 4;
    if (!code || (conforming ? D_DPL(d) > rpl : D_DPL(d) != rpl))
        return cpu_raise(m, 13, (uint32_t)(cs & ~3ull));
    if (!D_P(d))
        return cpu_raise(m, 11, (uint32_t)(cs & ~3ull));
    bool to64 = D_L(d);
    if (!to64 && rpl == 3)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "iretq to a compatibility-mode code "
                        "segment at privilege level 3: not supported yet");
    if (!to64 && !((d >> 54) & 1))
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "iretq to a 16-bit code segment: 16-bit "
                        "code is not supported");
    if (to64 ? !canonical(rip) : rip >> 32)
        return cpu_raise(m, 13, 0);
    /* SS: null only for a return to CPL 0-2; else a writable data segment at CS's level. */
    if ((ss & ~3ull) == 0) {
        if (rpl == 3)
            return cpu_raise(m, 13, 0);
    } else {
        uint64_t sd;
        if ((ss & 3) != rpl)
            return cpu_raise(m, 13, (uint32_t)(ss & ~3ull));
        if (read_desc(m, ss, &sd, 1, &fail) < 0)
            return fail;
        if (!D_S(sd) || (D_TYPE(sd) & 8) || !(D_TYPE(sd) & 2) || D_DPL(sd) != rpl)
            return cpu_raise(m, 13, (uint32_t)(ss & ~3ull));
        if (!D_P(sd))
            return cpu_raise(m, 12, (uint32_t)(ss & ~3ull));
    }
    /* The flags the old level may change (SDM IRET: IOPL at CPL 0 only, IF at CPL <= IOPL). */
    uint64_t old = x86_get_eflags(s), mask = LOADABLE;
    unsigned iopl = (old >> 12) & 3;
    if (cpl > 0)
        mask &= ~(uint64_t)X86_IOPL;
    if (cpl > iopl)
        mask &= ~(uint64_t)X86_IF;
    x86_set_eflags(s, (old & ~mask) | (flags & mask) | 2);
    s->rip = rip;
    s->seg[1] = cs;
    s->seg[2] = ss;
    s->gpr[X86_RSP] = to64 ? rsp : rsp & 0xffffffffu;
    m->seg[1] = rt_machine_seg_from_desc(d);
    cpl_changed(m, cpl);
    rt_machine_mode_update(m);          /* to compatibility mode, or back */
    if (s->eflags_fixed & X86_IF)
        s->icount_limit = 0;            /* an interrupt may be pending */
    return 0;
}

/* ---------------------------------------------------------------- syscall, sysret */

static uint64_t do_syscall(RtMachine *m, uint64_t next)
{
    X86State *s = &m->cpu->state;
    if (!(s->efer & X86_EFER_SCE) || !(s->efer & X86_EFER_LMA))
        return cpu_raise(m, 6, 0);
    unsigned cpl = rt_machine_cpl(m);
    uint64_t flags = x86_get_eflags(s);
    s->gpr[X86_RCX] = next;
    s->gpr[X86_R11] = flags;
    x86_set_eflags(s, (flags & ~s->sfmask) | 2);
    uint64_t sel = (s->star >> 32) & 0xffff;
    s->seg[1] = sel & ~3ull;
    s->seg[2] = (sel + 8) & 0xffff;
    s->rip = s->lstar;
    m->seg[1] = FLAT_CODE64(0);         /* the fixed CS syscall loads (SDM SYSCALL) */
    cpl_changed(m, cpl);
    return 0;
}

static uint64_t do_sysret(RtMachine *m)
{
    X86State *s = &m->cpu->state;
    if (!(s->efer & X86_EFER_SCE) || !(s->efer & X86_EFER_LMA))
        return cpu_raise(m, 6, 0);
    unsigned cpl = rt_machine_cpl(m);
    if (cpl != 0 || !canonical(s->gpr[X86_RCX]))
        return cpu_raise(m, 13, 0);
    uint64_t sel = (s->star >> 48) & 0xffff;
    x86_set_eflags(s, (s->gpr[X86_R11] & 0x3c7fd7ull) | 2);
    s->rip = s->gpr[X86_RCX];
    s->seg[1] = ((sel + 16) & 0xffff) | 3;
    s->seg[2] = ((sel + 8) & 0xffff) | 3;
    m->seg[1] = FLAT_CODE64(3);
    cpl_changed(m, cpl);
    if (s->eflags_fixed & X86_IF)
        s->icount_limit = 0;
    return 0;
}

/* ---------------------------------------------------------------- sysenter, sysexit */

/* SDM Vol. 2B SYSENTER, SYSEXIT: fixed flat segments from IA32_SYSENTER_CS (CS, CS + 8 at
 * level 0; CS + 16, + 24 at level 3, or CS + 32, + 40 back to 64-bit code), no descriptor
 * reads. #GP(0) when the selector is null (bits 15:2 clear); real mode does not occur here.
 * In IA-32e mode sysenter enters 64-bit code with the full 64-bit ESP and EIP MSRs. */
static RtSegCache flat_seg(bool code, bool is64, unsigned dpl)
{
    uint32_t attr = (code ? 0x9bu : 0x93u) | dpl << 5 | (1u << 15);     /* G */
    attr |= is64 ? RT_SEG_L : RT_SEG_D;
    return (RtSegCache){ 0, 0xffffffffu, attr };
}

static uint64_t do_sysenter(RtMachine *m)
{
    X86State *s = &m->cpu->state;
    uint64_t cs = s->sysenter_cs & 0xfffc;
    if (cs == 0)
        return cpu_raise(m, 13, 0);
    unsigned cpl = rt_machine_cpl(m);
    bool lma = (s->efer & X86_EFER_LMA) != 0;
    x86_set_eflags(s, x86_get_eflags(s) & ~(uint64_t)(X86_IF | (1u << 16) | (1u << 17)));
    s->gpr[X86_RSP] = lma ? s->sysenter_esp : (uint32_t)s->sysenter_esp;
    s->rip = lma ? s->sysenter_eip : (uint32_t)s->sysenter_eip;
    s->seg[1] = cs;
    s->seg[2] = (cs + 8) & 0xffff;
    m->seg[1] = flat_seg(true, lma, 0);
    m->seg[2] = flat_seg(false, false, 0);
    cpl_changed(m, cpl);
    rt_machine_mode_update(m);
    return 0;
}

static uint64_t do_sysexit(RtMachine *m, bool to64)
{
    X86State *s = &m->cpu->state;
    uint64_t base = s->sysenter_cs & 0xffff;
    if ((base & 0xfffc) == 0 || rt_machine_cpl(m) != 0)
        return cpu_raise(m, 13, 0);
    if (to64 && (!canonical(s->gpr[X86_RCX]) || !canonical(s->gpr[X86_RDX])))
        return cpu_raise(m, 13, 0);
    uint64_t cs = ((base + (to64 ? 32 : 16)) & 0xffff) | 3;
    s->gpr[X86_RSP] = to64 ? s->gpr[X86_RCX] : (uint32_t)s->gpr[X86_RCX];
    s->rip = to64 ? s->gpr[X86_RDX] : (uint32_t)s->gpr[X86_RDX];
    s->seg[1] = cs;
    s->seg[2] = (cs + 8) & 0xffff;
    m->seg[1] = flat_seg(true, to64, 3);
    m->seg[2] = flat_seg(false, false, 3);
    cpl_changed(m, 0);
    rt_machine_mode_update(m);
    if (s->eflags_fixed & X86_IF)
        s->icount_limit = 0;            /* sti; sysexit: an interrupt may be pending */
    return 0;
}

/* ---------------------------------------------------------------- ltr */

static uint64_t do_ltr(RtMachine *m, uint64_t sel)
{
    X86State *s = &m->cpu->state;
    sel &= 0xffff;
    bool lma = (s->efer & X86_EFER_LMA) != 0;
    uint64_t fail = 1, d[2] = { 0, 0 };
    if ((sel & ~3ull) == 0)
        return cpu_raise(m, 13, 0);
    /* IA-32e mode: a 16-byte 64-bit TSS descriptor; protected mode: an 8-byte 32-bit one. */
    if (read_desc(m, sel, d, lma ? 2 : 1, &fail) < 0)
        return fail;
    if (!D_S(d[0]) && !lma && D_TYPE(d[0]) == 1)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "ltr of a 16-bit TSS: not supported");
    if (D_S(d[0]) || D_TYPE(d[0]) != 9)                 /* an available 32/64-bit TSS */
        return cpu_raise(m, 13, (uint32_t)(sel & ~3ull));
    if (!D_P(d[0]))
        return cpu_raise(m, 11, (uint32_t)(sel & ~3ull));
    uint64_t limit = (d[0] & 0xffff) | ((d[0] >> 32) & 0xf0000);
    if ((d[0] >> 55) & 1)
        limit = (limit << 12) | 0xfff;
    uint64_t base = ((d[0] >> 16) & 0xffffff) | ((d[0] >> 56) & 0xff) << 24 | (d[1] & 0xffffffffull) << 32;
    uint64_t busy = d[0] | (2ull << 40);                /* type 9 -> 0xB */
    uint64_t at = s->gdt_base + (sel & ~7ull);
    uint32_t err;
    if (!lma)
        at &= 0xffffffffu;
    if (rt_mmu_write(m, at, &busy, 8, &err) != RT_MMU_OK)
        return cpu_raise(m, 14, err);
    s->tr_sel = sel;
    s->tr_base = base;
    s->tr_limit = limit;
    return 0;
}

/* ---------------------------------------------------------------- control registers */

/* invlpg: the TLB entry, and the translations if code came from that page. */
static void do_invlpg(RtMachine *m, uint64_t la)
{
    rt_mmu_flush_page(m, la);
    uint64_t page = la >> 12;
    for (const RtBlock *b = m->p->blocks.all; b; b = b->all_next)
        if (b->pc >> 12 == page || (b->pc + (b->guest_len ? b->guest_len - 1 : 0)) >> 12 == page) {
            m->mmu.flush_code = true;
            break;
        }
    for (unsigned i = 0; i < RT_MMU_SLOW_SLOTS; i++)
        if (m->mmu.slow[i].pc >> 12 == page || (m->mmu.slow[i].pc + 15) >> 12 == page)
            m->mmu.flush_code = true;
}

uint64_t rt_machine_sys_ctl(void *state, uint64_t op, uint64_t value, uint64_t unused)
{
    (void)unused;
    RtMachine *m = machine_of(state);
    X86State *s = &m->cpu->state;
    switch ((FeCtl)op) {
    case FE_CTL_CR0:                    /* value: the old CR0 */
        if ((value ^ s->cr0) & (X86_CR0_WP | X86_CR0_PG | X86_CR0_PE)) {
            rt_mmu_flush_tlb(m, false);
            if ((value ^ s->cr0) & (X86_CR0_PG | X86_CR0_PE))
                m->mmu.flush_code = true;
        }
        return 0;
    case FE_CTL_CR3:
        if ((s->efer & X86_EFER_LMA) && (value >> 52))
            return cpu_raise(m, 13, 0);     /* reserved bits (PCIDE is never set) */
        s->cr3 = value;
        rt_mmu_flush_tlb(m, true);
        m->mmu.flush_code = true;       /* code may live elsewhere now */
        return 0;
    case FE_CTL_CR4:                    /* value: the old CR4 */
        if ((value ^ s->cr4) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE)) {
            rt_mmu_flush_tlb(m, false);
            if ((value ^ s->cr4) & (X86_CR4_PAE | X86_CR4_PSE))
                m->mmu.flush_code = true;
        }
        return 0;
    case FE_CTL_EFER:
        if ((s->efer & X86_EFER_NXE) != m->mmu.nxe) {
            rt_mmu_flush_tlb(m, false);
            m->mmu.flush_code = true;
        }
        return 0;
    case FE_CTL_INVLPG:
        do_invlpg(m, value);
        return 0;
    case FE_CTL_LTR:
        return do_ltr(m, value);
    case FE_CTL_IRET:
        return do_iret(m);
    case FE_CTL_SYSCALL:
        return do_syscall(m, value);
    case FE_CTL_SYSRET:
        return do_sysret(m);
    case FE_CTL_SYSENTER:
        return do_sysenter(m);
    case FE_CTL_SYSEXIT:
        return do_sysexit(m, value != 0);
    }
    return cpu_raise(m, 6, 0);
}

/* ---------------------------------------------------------------- MSRs devices hold */

/* FeOptions.msr: the local APIC's MSRs go to it with the board's clock brought to the
 * access's time (the TSC-deadline and timer registers depend on it); afterwards CR8 takes the
 * TPR back and a newly deliverable interrupt ends the run of blocks (machine_run.c). */

uint64_t rt_machine_msr(void *state, uint64_t write, uint64_t unused1, uint64_t unused2)
{
    (void)unused1;
    (void)unused2;
    RtMachine *m = machine_of(state);
    X86State *s = &m->cpu->state;
    uint32_t msr = (uint32_t)s->gpr[X86_RCX];
    if (!dev_lapic_owns_msr(msr))
        return fe_msr_access(state, write);
    rt_machine_sync_devices(m);
    DevLapic *l = &m->board.lapic;
    int rc;
    if (write) {
        uint64_t v = (s->gpr[X86_RDX] & 0xffffffffu) << 32 | (s->gpr[X86_RAX] & 0xffffffffu);
        rc = dev_lapic_msr_write(l, msr, v);
    } else {
        uint64_t v = 0;
        rc = dev_lapic_msr_read(l, msr, &v);
        if (rc == 0) {
            s->gpr[X86_RAX] = v & 0xffffffffu;
            s->gpr[X86_RDX] = v >> 32;
        }
    }
    rt_machine_after_device(m);
    return rc == 0 ? FE_MSR_OK : FE_MSR_GP;
}
