/* machine_intr.c — interrupt and exception delivery through the long-mode IDT (SDM Vol. 3A
 * 6.14, "Exception and interrupt handling in 64-bit mode").
 *
 * For vector v the CPU reads the 16-byte gate at IDTR.base + 16 v (#GP(16 v + 2 + EXT) when
 * that lies beyond IDTR.limit), which must be a present (#NP otherwise) 64-bit interrupt gate
 * (type 0xE) or trap gate (0xF) (#GP otherwise); its selector must name a present 64-bit code
 * segment in the GDT (#GP(selector) otherwise) whose DPL is not above the CPL; a software
 * interrupt (int n, int3) also needs CPL <= the gate's DPL (#GP(16 v + 2)). The stack: for a
 * handler more privileged than the CPU (CPL 3 -> 0) RSP0 of the 64-bit TSS (ltr), with SS a
 * null selector; for a gate with an IST index, that IST entry of the TSS whatever the levels;
 * else the current stack (#TS when the TSS does not hold the entry). Then, on that stack
 * aligned down to 16 bytes: SS, RSP, RFLAGS, CS, RIP, and the error code for the exceptions
 * that have one; RFLAGS loses TF, NT, RF and VM, and IF too for an interrupt gate; CS:RIP
 * become the gate's, CS.RPL the new CPL. The pushed RIP is the faulting instruction for
 * faults (the state is exact there), the next instruction for software interrupts and traps,
 * and the interrupted instruction for external interrupts.
 *
 * When delivery itself fails, the fault it hits is delivered instead; when that fails too the
 * CPU takes a double fault (#DF, vector 8, error code 0), and when that fails, a triple fault:
 * the machine resets (or ends, under -no-reboot), with one line on stderr saying so. IDT,
 * GDT and TSS reads and the stack writes are linear accesses through the MMU (implicit
 * supervisor accesses, rt_mmu_read/write): a #PF there (CR2 set) is the fault delivered.
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

/* A fault of a linear access the delivery makes: #PF with its error code (CR2 is set), or
 * for a non-canonical address #GP(0) (#SS for the stack). */
static Fault access_fault(int r, uint32_t err, bool stack, uint32_t ext)
{
    if (r == RT_MMU_PF)
        return fault(14, err);
    return fault(stack ? 12 : 13, ext);
}

/* RSP for a stack switch from the 64-bit TSS: RSPn (ist 0) or ISTn. */
static Fault tss_rsp(RtMachine *m, unsigned level, unsigned ist, uint32_t ext, uint64_t *rsp)
{
    const X86State *s = &m->cpu->state;
    uint64_t off = ist ? 0x24 + 8ull * (ist - 1) : 4 + 8ull * level;
    uint32_t ts_err = (uint32_t)(s->tr_sel & ~3ull) + ext;
    if (!s->tr_sel || off + 7 > s->tr_limit)
        return fault(10, ts_err);                        /* #TS */
    uint32_t err;
    int r = rt_mmu_read(m, s->tr_base + off, rsp, 8, &err);
    if (r != RT_MMU_OK)
        return access_fault(r, err, false, ext);
    return (Fault){ false, 0, 0 };
}

/* Try to deliver once; what it ran into, if anything. */
static Fault deliver(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err, uint32_t err)
{
    X86State *s = &m->cpu->state;
    if (!(s->efer & X86_EFER_LMA))
        return rt_machine_deliver32(m, vector, kind, has_err, err);     /* protected mode */
    unsigned cpl = rt_machine_cpl(m);
    uint32_t ext = kind == RT_INT_SOFTWARE ? 0 : 1;
    uint32_t idt_err = vector * 8 + 2 + ext;
    if ((uint64_t)vector * 16 + 15 > s->idt_limit)
        return fault(13, idt_err);
    uint64_t gate[2];
    uint32_t perr;
    int r = rt_mmu_read(m, s->idt_base + (uint64_t)vector * 16, gate, sizeof gate, &perr);
    if (r != RT_MMU_OK)
        return access_fault(r, perr, false, ext);
    unsigned type = (unsigned)(gate[0] >> 40) & 0x1f;   /* with the S bit: must be 0 */
    if (type != 0xe && type != 0xf)
        return fault(13, idt_err);
    if (kind == RT_INT_SOFTWARE && ((gate[0] >> 45) & 3) < cpl)
        return fault(13, idt_err);                       /* int n past the gate's DPL */
    if (!((gate[0] >> 47) & 1))
        return fault(11, idt_err);                       /* #NP */
    unsigned ist = (unsigned)(gate[0] >> 32) & 7;
    uint16_t sel = (uint16_t)(gate[0] >> 16);
    uint64_t target = (gate[0] & 0xffff) | ((gate[0] >> 48) & 0xffff) << 16 | gate[1] << 32;

    /* The handler's code segment, at a level no less privileged than the CPU's. */
    uint32_t sel_err = (sel & ~3u) + ext;
    if ((sel & ~3u) == 0 || (sel & 4) || (uint64_t)(sel & ~7u) + 7 > s->gdt_limit)
        return fault(13, sel_err);
    uint64_t desc;
    r = rt_mmu_read(m, s->gdt_base + (sel & ~7u), &desc, sizeof desc, &perr);
    if (r != RT_MMU_OK)
        return access_fault(r, perr, false, ext);
    bool code = ((desc >> 43) & 3) == 3;                 /* S = 1, executable */
    bool long_mode = (desc >> 53) & 1;
    unsigned dpl = (unsigned)(desc >> 45) & 3;
    if (!code || !long_mode || dpl > cpl)
        return fault(13, sel_err);
    if (!((desc >> 47) & 1))
        return fault(11, sel_err);
    if ((desc >> 42) & 1)
        dpl = cpl;                                       /* conforming: the level stays */
    if (dpl != 0 && dpl != 3)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "an interrupt handler at privilege level "
                        "1 or 2: not supported");

    /* The stack: the TSS's for a more privileged handler or an IST gate, else the current. */
    uint64_t rsp = s->gpr[X86_RSP], ss = s->seg[2];
    if (ist || dpl < cpl) {
        Fault f = tss_rsp(m, dpl, ist, ext, &rsp);
        if (f.hit)
            return f;
        if (dpl < cpl)
            ss = dpl;                                    /* a null selector with RPL = CPL */
    }
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
    rsp = (rsp & ~15ull) - 8ull * n;
    r = rt_mmu_write(m, rsp, frame, 8 * n, &perr);
    if (r != RT_MMU_OK)
        return access_fault(r, perr, true, ext);

    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: int 0x%02x (%s%s) err 0x%x at rip 0x%llx cpl %u -> "
                      "0x%llx cpl %u, rsp 0x%llx\n", vector, kind_name(kind),
                      type == 0xe ? ", interrupt gate" : ", trap gate", err,
                      (unsigned long long)s->rip, cpl, (unsigned long long)target, dpl,
                      (unsigned long long)rsp);
    rflags &= ~(uint64_t)(X86_TF | X86_NT | (1u << 16) | (1u << 17));
    if (type == 0xe)
        rflags &= ~(uint64_t)X86_IF;
    x86_set_eflags(s, rflags);
    s->seg[1] = (sel & ~3u) | dpl;
    s->seg[2] = ss;
    m->seg[1] = rt_machine_seg_from_desc(desc);     /* from compatibility mode: 64-bit now */
    if (dpl < cpl)
        m->seg[2] = (RtSegCache){ 0, 0, 0 };        /* the null SS of the new level */
    s->gpr[X86_RSP] = rsp;
    s->rip = target;
    rt_mmu_set_cpl(m);
    return (Fault){ false, 0, 0 };
}

void rt_machine_interrupt(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                          uint32_t err)
{
    Fault f = deliver(m, vector, kind, has_err, err);
    if (!f.hit)
        goto delivered;
    if (kind == RT_INT_SOFTWARE)
        m->cpu->state.rip -= m->int_len;    /* the fault is the int instruction's */
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
