/* machine_intr32.c — interrupt and exception delivery through a 32-bit protected-mode IDT
 * (SDM Vol. 3A 6.10-6.12), at privilege level 0 (machine_intr.c does IA-32e mode and the
 * double and triple faults for both).
 *
 * For vector v the CPU reads the 8-byte gate at IDTR.base + 8 v (#GP(8 v + 2 + EXT) beyond
 * IDTR.limit). A 32-bit interrupt gate (type 0xE) or trap gate (0xF) must be present
 * (#NP otherwise); other types are #GP, except that task gates (5) and 16-bit gates (6, 7)
 * stop the machine (not supported). The gate's selector must name a present 32-bit code
 * segment (#GP(selector), #NP(selector)); handlers at another privilege level need the TSS
 * (not supported yet: the machine stops). With the handler at the current level there is no
 * stack switch: EFLAGS, CS, EIP and the error code, 4 bytes each, go on the current stack
 * (ESP, no alignment, wrapping at 4 GiB); TF, NT, RF and VM clear, IF too for an interrupt
 * gate; CS:EIP become the gate's. The pushed EIP follows machine_intr.c's rules. The IDT,
 * GDT and stack accesses go through the MMU as implicit supervisor accesses (rt_mmu_read,
 * rt_mmu_write): a #PF there (CR2 set) is the fault delivered instead. Privilege level 3 does
 * not occur in 32-bit code (machine_seg.c refuses the transfers there), so a CPL other than
 * 0 stops the machine rather than delivering without the TSS's stack switch.
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

RtIntFault rt_machine_deliver32(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                                uint32_t err)
{
    X86State *s = &m->cpu->state;
    uint32_t ext = kind == RT_INT_SOFTWARE ? 0 : 1;
    uint32_t idt_err = vector * 8 + 2 + ext;
    if ((uint64_t)vector * 8 + 7 > s->idt_limit)
        return fault(13, idt_err);
    if (rt_machine_cpl(m) != 0)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt at privilege level 3 in "
                        "32-bit code: not supported yet");
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
    if (!((gate >> 47) & 1))
        return fault(11, idt_err);
    uint16_t sel = (uint16_t)(gate >> 16);
    uint32_t target = (uint32_t)((gate & 0xffff) | ((gate >> 32) & 0xffff0000u));

    /* The handler's code segment. */
    uint32_t sel_err = (sel & ~3u) + ext;
    if ((sel & ~3u) == 0 || (sel & 4) || (uint64_t)(sel & ~7u) + 7 > s->gdt_limit)
        return fault(13, sel_err);
    uint64_t desc;
    if (rt_mmu_read(m, (s->gdt_base + (sel & ~7u)) & 0xffffffffu, &desc, 8, &perr) != RT_MMU_OK)
        return access_fault(perr);
    RtSegCache cs = rt_machine_seg_from_desc(desc);
    if ((cs.attr & 0x18) != 0x18)                       /* S = 1, executable */
        return fault(13, sel_err);
    if (!(cs.attr & 0x80))
        return fault(11, sel_err);
    if ((cs.attr >> 5) & 3)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt handler at a privilege "
                        "level other than 0: not supported yet");
    if (!(cs.attr & RT_SEG_D) || cs.base)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt handler in a 16-bit or "
                        "not flat code segment: not supported");

    /* The frame, lowest address first. */
    uint64_t eflags = x86_get_eflags(s);
    uint32_t frame[4];
    unsigned n = 0;
    if (has_err)
        frame[n++] = err;
    frame[n++] = (uint32_t)s->rip;
    frame[n++] = (uint32_t)s->seg[1];
    frame[n++] = (uint32_t)eflags;
    uint32_t esp = (uint32_t)s->gpr[X86_RSP] - 4 * n;
    if (rt_mmu_write(m, esp, frame, 4 * n, &perr) != RT_MMU_OK)
        return access_fault(perr);

    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: int 0x%02x (%s, 32-bit %s gate) err 0x%x at eip "
                      "0x%llx -> 0x%x, esp 0x%x\n", vector,
                      kind == RT_INT_EXTERNAL ? "external" : kind == RT_INT_SOFTWARE ?
                      "software" : "exception", type == 0xe ? "interrupt" : "trap", err,
                      (unsigned long long)s->rip, target, esp);
    eflags &= ~(uint64_t)(X86_TF | X86_NT | (1u << 16) | (1u << 17));
    if (type == 0xe)
        eflags &= ~(uint64_t)X86_IF;
    x86_set_eflags(s, eflags);
    s->seg[1] = sel & ~3u;
    m->seg[1] = cs;
    s->gpr[X86_RSP] = esp;
    s->rip = target;
    return (RtIntFault){ false, 0, 0 };
}
