/* machine_intr.c — interrupt and exception delivery through the long-mode IDT (SDM Vol. 3A
 * 6.14, "Exception and interrupt handling in 64-bit mode").
 *
 * For vector v the CPU reads the 16-byte gate at IDTR.base + 16 v (#GP(16 v + 2 + EXT) when
 * that lies beyond IDTR.limit), which must be a present (#NP otherwise) 64-bit interrupt gate
 * (type 0xE) or trap gate (0xF) (#GP otherwise); its selector must name a present 64-bit code
 * segment in the GDT (#GP(selector) otherwise). The machine runs at privilege level 0 only, so
 * the gate's code segment must have DPL 0 (a handler at another level would need a stack
 * switch through the TSS, not supported yet), and so must any IST field be 0. Then, on the
 * current stack aligned down to 16 bytes: SS, RSP, RFLAGS, CS, RIP, and the error code for
 * the exceptions that have one; RFLAGS loses TF, NT, RF and VM, and IF too for an interrupt
 * gate; CS:RIP become the gate's. The pushed RIP is the faulting instruction for faults (the
 * state is exact there), the next instruction for software interrupts and traps, and the
 * interrupted instruction for external interrupts.
 *
 * When delivery itself fails, the fault it hits is delivered instead; when that fails too the
 * CPU takes a double fault (#DF, vector 8, error code 0), and when that fails, a triple fault:
 * the machine resets (or ends, under -no-reboot), with one line on stderr saying so. IDT and
 * GDT reads and stack writes are RAM accesses through rt_machine_ram_read/write: the tables
 * and the stack must lie in RAM (the identity map makes linear addresses physical ones).
 */
#include <stdio.h>
#include <string.h>
#include "runtime/machine.h"

/* A fault met during delivery: the vector and error code to deliver instead. */
typedef RtIntFault Fault;

static Fault fault(unsigned vector, uint32_t err)
{
    return (Fault){ true, vector, err };
}

static const char *kind_name(RtIntKind k)
{
    return k == RT_INT_EXTERNAL ? "external" : k == RT_INT_SOFTWARE ? "software" : "exception";
}

/* Try to deliver once; what it ran into, if anything. */
static Fault deliver(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err, uint32_t err)
{
    X86State *s = &m->cpu->state;
    if (!(s->efer & X86_EFER_LMA))
        return rt_machine_deliver32(m, vector, kind, has_err, err);     /* protected mode */
    uint32_t ext = kind == RT_INT_SOFTWARE ? 0 : 1;
    uint32_t idt_err = vector * 8 + 2 + ext;
    if ((uint64_t)vector * 16 + 15 > s->idt_limit)
        return fault(13, idt_err);
    uint64_t gate[2];
    if (rt_machine_ram_read(m, s->idt_base + (uint64_t)vector * 16, gate, sizeof gate) < 0)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "the IDT lies outside RAM");
    unsigned type = (unsigned)(gate[0] >> 40) & 0x1f;   /* with the S bit: must be 0 */
    if (type != 0xe && type != 0xf)
        return fault(13, idt_err);
    if (!((gate[0] >> 47) & 1))
        return fault(11, idt_err);                       /* #NP */
    if ((gate[0] >> 32) & 7)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt gate with an IST stack: "
                        "the TSS is not supported yet");
    uint16_t sel = (uint16_t)(gate[0] >> 16);
    uint64_t target = (gate[0] & 0xffff) | ((gate[0] >> 48) & 0xffff) << 16 | gate[1] << 32;

    /* The handler's code segment. */
    uint32_t sel_err = (sel & ~3u) + ext;
    if ((sel & ~3u) == 0 || (sel & 4) || (uint64_t)(sel & ~7u) + 7 > s->gdt_limit)
        return fault(13, sel_err);
    uint64_t desc;
    if (rt_machine_ram_read(m, s->gdt_base + (sel & ~7u), &desc, sizeof desc) < 0)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "the GDT lies outside RAM");
    bool code = ((desc >> 43) & 3) == 3;                 /* S = 1, executable */
    bool long_mode = (desc >> 53) & 1;
    if (!code || !long_mode)
        return fault(13, sel_err);
    if (!((desc >> 47) & 1))
        return fault(11, sel_err);
    if ((desc >> 45) & 3)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt handler at a privilege "
                        "level other than 0: not supported yet");

    /* The frame. */
    uint64_t rflags = x86_get_eflags(s);
    uint64_t frame[6];
    unsigned n = 0;
    if (has_err)
        frame[n++] = err;
    frame[n++] = s->rip;
    frame[n++] = s->seg[1];
    frame[n++] = rflags;
    frame[n++] = s->gpr[X86_RSP];
    frame[n++] = s->seg[2];
    uint64_t rsp = (s->gpr[X86_RSP] & ~15ull) - 8ull * n;
    if (rt_machine_ram_write(m, rsp, frame, 8 * n) < 0)
        return fault(12, ext);                           /* #SS: the stack is not in RAM */

    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: int 0x%02x (%s%s) err 0x%x at rip 0x%llx -> "
                      "0x%llx, rsp 0x%llx\n", vector, kind_name(kind),
                      type == 0xe ? ", interrupt gate" : ", trap gate", err,
                      (unsigned long long)s->rip, (unsigned long long)target,
                      (unsigned long long)rsp);
    rflags &= ~(uint64_t)(X86_TF | X86_NT | (1u << 16) | (1u << 17));
    if (type == 0xe)
        rflags &= ~(uint64_t)X86_IF;
    x86_set_eflags(s, rflags);
    s->seg[1] = sel;
    m->seg[1] = rt_machine_seg_from_desc(desc);     /* from compatibility mode: 64-bit now */
    s->gpr[X86_RSP] = rsp;
    s->rip = target;
    return (Fault){ false, 0, 0 };
}

void rt_machine_interrupt(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                          uint32_t err)
{
    Fault f = deliver(m, vector, kind, has_err, err);
    if (!f.hit)
        goto delivered;
    if (vector != 8) {
        Fault g = deliver(m, f.vector, RT_INT_EXCEPTION, true, f.err);
        if (!g.hit)
            goto delivered;
        if (f.vector != 8 && !deliver(m, 8, RT_INT_EXCEPTION, true, 0).hit)
            goto delivered;
    }
    fprintf(stderr, "ferry-system: triple fault (vector 0x%02x at rip 0x%llx: the IDT cannot "
            "deliver it): machine %s\n", vector, (unsigned long long)m->cpu->state.rip,
            m->opt.no_reboot ? "stopped (-no-reboot)" : "reset");
    m->reset_pending = true;
    return;
delivered:
    rt_machine_mode_update(m);          /* the handler's CS may be another mode */
}
