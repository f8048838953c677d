/* machine_intr32.c — interrupt and exception delivery through a 32-bit protected-mode IDT
 * (SDM Vol. 3A 6.10-6.12), from privilege level 0 or 3 (machine_intr.c does IA-32e mode and the
 * double and triple faults for both).
 *
 * For vector v the CPU reads the 8-byte gate at IDTR.base + 8 v (#GP(8 v + 2 + EXT) beyond
 * IDTR.limit). A 32-bit interrupt gate (type 0xE) or trap gate (0xF) must be present
 * (#NP otherwise); other types are #GP, except that task gates (5) and 16-bit gates (6, 7)
 * stop the machine (not supported). The gate's selector must name a present 32-bit code
 * segment (#GP(selector), #NP(selector))
 * whose DPL is not above the CPL (#GP(selector)); a software interrupt (int n, int3, into)
 * also needs CPL <= the gate's DPL (#GP(8 v + 2)). A handler more privileged than the CPU
 * (CPL 3 -> 0, a non-conforming segment) runs on SS0:ESP0 of the 32-bit TSS (ltr; #TS when
 * the TSS is too short or SS0 is not a writable data segment at level 0, #SS when it is not
 * present), and the old SS and ESP are pushed first; with the handler at the current level
 * there is no stack switch. Then EFLAGS, CS, EIP and the error code, 4 bytes each, go on the
 * stack (no alignment, wrapping at 4 GiB); TF, NT, RF and VM clear, IF too for an interrupt
 * gate; CS:EIP become the gate's, CS.RPL the new CPL. The pushed EIP follows machine_intr.c's
 * rules. The IDT, GDT, TSS and stack accesses go through the MMU as implicit supervisor
 * accesses (rt_mmu_read, rt_mmu_write): a #PF there (CR2 set) is the fault delivered instead.
 * Handlers at levels 1 and 2 stop the machine (not supported).
 */
#include "runtime/machine.h"

static RtIntFault fault(unsigned vector, uint32_t err)
{
    return (RtIntFault){ true, vector, err };
}

/* A linear access of the delivery that failed: #PF (32-bit code has no non-canonical
 * addresses, so nothing else comes back from the MMU). */
static RtIntFault access_fault(uint32_t err)
{
    return fault(14, err);
}

/* The stack of a more privileged handler at level dpl (SDM 6.12.1, 7.2.1): SSn:ESPn of the
 * 32-bit TSS, SS checked as a writable data segment at that level (#TS otherwise, #SS when
 * not present). */
static RtIntFault tss_stack(RtMachine *m, unsigned dpl, uint32_t ext, uint16_t *ss_sel,
                            RtSegCache *ss, uint32_t *esp)
{
    const X86State *s = &m->cpu->state;
    uint32_t ts_err = (uint32_t)(s->tr_sel & ~3ull) + ext;
    uint64_t off = 4 + 8ull * dpl;                      /* ESPn, then SSn */
    if (!s->tr_sel || off + 5 > s->tr_limit)
        return fault(10, ts_err);
    uint32_t words[2], perr;
    if (rt_mmu_read(m, (s->tr_base + off) & 0xffffffffu, words, 8, &perr) != RT_MMU_OK)
        return access_fault(perr);
    uint16_t sel = (uint16_t)words[1];
    uint32_t sel_err = (sel & ~3u) + ext;
    if ((sel & ~3u) == 0)
        return fault(10, ext);
    if ((sel & 3) != dpl || (sel & 4) || (uint64_t)(sel & ~7u) + 7 > s->gdt_limit)
        return fault(10, sel_err);
    uint64_t desc;
    if (rt_mmu_read(m, (s->gdt_base + (sel & ~7u)) & 0xffffffffu, &desc, 8, &perr) != RT_MMU_OK)
        return access_fault(perr);
    RtSegCache c = rt_machine_seg_from_desc(desc);
    /* S = 1, data (not executable), writable, DPL = the handler's. */
    if ((c.attr & 0x1a) != 0x12 || ((c.attr >> 5) & 3) != dpl)
        return fault(10, sel_err);
    if (!(c.attr & 0x80))
        return fault(12, sel_err);
    if (!(c.attr & RT_SEG_D) || c.base)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt stack in a 16-bit or not "
                        "flat stack segment: not supported");
    *ss_sel = sel;
    *ss = c;
    *esp = words[0];
    return (RtIntFault){ false, 0, 0 };
}

RtIntFault rt_machine_deliver32(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                                uint32_t err)
{
    X86State *s = &m->cpu->state;
    unsigned cpl = rt_machine_cpl(m);
    uint32_t ext = kind == RT_INT_SOFTWARE ? 0 : 1;
    uint32_t idt_err = vector * 8 + 2 + ext;
    if ((uint64_t)vector * 8 + 7 > s->idt_limit)
        return fault(13, idt_err);
    uint64_t gate;
    uint32_t perr;
    if (rt_mmu_read(m, (s->idt_base + (uint64_t)vector * 8) & 0xffffffffu, &gate, 8, &perr) != RT_MMU_OK)
        return access_fault(perr);
    unsigned type = (unsigned)(gate >> 40) & 0x1f;      /* with the S bit: must be 0 */
    if (type == 5 || type == 6 || type == 7)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, type == 5 ? "a task gate in the IDT: "
                        "tasks are not supported" : "a 16-bit gate in the IDT: not supported");
    if (type != 0xe && type != 0xf)
        return fault(13, idt_err);
    if (kind == RT_INT_SOFTWARE && ((gate >> 45) & 3) < cpl)
        return fault(13, idt_err);                      /* int n past the gate's DPL */
    if (!((gate >> 47) & 1))
        return fault(11, idt_err);
    uint16_t sel = (uint16_t)(gate >> 16);
    uint32_t target = (uint32_t)((gate & 0xffff) | ((gate >> 32) & 0xffff0000u));

    /* The handler's code segment, at a level no less privileged than the CPU's. */
    uint32_t sel_err = (sel & ~3u) + ext;
    if ((sel & ~3u) == 0 || (sel & 4) || (uint64_t)(sel & ~7u) + 7 > s->gdt_limit)
        return fault(13, sel_err);
    uint64_t desc;
    if (rt_mmu_read(m, (s->gdt_base + (sel & ~7u)) & 0xffffffffu, &desc, 8, &perr) != RT_MMU_OK)
        return access_fault(perr);
    RtSegCache cs = rt_machine_seg_from_desc(desc);
    unsigned dpl = (cs.attr >> 5) & 3;
    if ((cs.attr & 0x18) != 0x18 || dpl > cpl)          /* S = 1, executable */
        return fault(13, sel_err);
    if (!(cs.attr & 0x80))
        return fault(11, sel_err);
    if (cs.attr & 4)
        dpl = cpl;                                      /* conforming: the level stays */
    if (dpl != 0 && dpl != 3)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt handler at privilege "
                        "level 1 or 2: not supported");
    if (!(cs.attr & RT_SEG_D) || cs.base)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt handler in a 16-bit or "
                        "not flat code segment: not supported");

    /* The stack: the TSS's for a more privileged handler (with the old SS:ESP pushed first),
     * else the current one. */
    uint32_t esp = (uint32_t)s->gpr[X86_RSP];
    uint16_t ss_sel = (uint16_t)s->seg[2];
    RtSegCache ss = m->seg[2];
    bool outer = dpl < cpl;
    if (outer) {
        RtIntFault f = tss_stack(m, dpl, ext, &ss_sel, &ss, &esp);
        if (f.hit)
            return f;
    }

    /* The frame, lowest address first. */
    uint64_t eflags = x86_get_eflags(s);
    uint32_t frame[6];
    unsigned n = 0;
    if (has_err)
        frame[n++] = err;
    frame[n++] = (uint32_t)s->rip;
    frame[n++] = (uint32_t)s->seg[1];
    frame[n++] = (uint32_t)eflags;
    if (outer) {
        frame[n++] = (uint32_t)s->gpr[X86_RSP];
        frame[n++] = (uint32_t)s->seg[2];
    }
    esp -= 4 * n;
    if (rt_mmu_write(m, esp, frame, 4 * n, &perr) != RT_MMU_OK)
        return access_fault(perr);

    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: int 0x%02x (%s, 32-bit %s gate) err 0x%x at eip "
                      "0x%llx cpl %u -> 0x%x cpl %u, esp 0x%x\n", vector,
                      kind == RT_INT_EXTERNAL ? "external" : kind == RT_INT_SOFTWARE ?
                      "software" : "exception", type == 0xe ? "interrupt" : "trap", err,
                      (unsigned long long)s->rip, cpl, target, dpl, esp);
    eflags &= ~(uint64_t)(X86_TF | X86_NT | (1u << 16) | (1u << 17));
    if (type == 0xe)
        eflags &= ~(uint64_t)X86_IF;
    x86_set_eflags(s, eflags);
    s->seg[1] = (sel & ~3u) | dpl;
    m->seg[1] = cs;
    s->seg[2] = ss_sel;
    m->seg[2] = ss;
    s->gpr[X86_RSP] = esp;
    s->rip = target;
    if (outer)
        rt_mmu_set_cpl(m);
    return (RtIntFault){ false, 0, 0 };
}
