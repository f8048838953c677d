/* machine_seg.c — segment descriptors, and the instructions the frontend leaves to the
 * runtime (FE_SYS_EMULATE, frontend.h "System mode").
 *
 * Descriptor loads (SDM Vol. 3A 3.4.5, 5.4-5.8; Vol. 2 MOV, POP, JMP, CALL, RET, IRET), at
 * the current privilege level (0 or 3) from the GDT: a selector beyond the GDT limit, or
 * naming the wrong kind of segment, is #GP(selector); so is a data segment with DPL below
 * max(CPL, RPL), an SS whose RPL or DPL is not the CPL, and a code segment for a far jump or
 * call with DPL other than the CPL (conforming: above it) or RPL above it; a segment not
 * present is #NP(selector) (#SS for SS); a null selector is #GP(0) for CS and SS (SS may be
 * null in 64-bit mode below CPL 3) and allowed for DS ES FS GS. iret in protected mode may
 * return to ring 3 (ESP and SS popped too, SS checked at the new level, data segments the
 * new level may not use nulled). Not supported, stopping the machine with a message:
 * selectors into an LDT, far returns to another privilege level, levels 1 and 2, an iret to
 * another level in IA-32e mode, 16-bit code and stack
 * segments, and in 32-bit code a segment base other than 0 for CS, DS, ES and SS (FS and GS
 * bases are honoured: the frontend adds them). Limits are recorded, not enforced.
 *
 * The emulated instructions, decoded again here from guest memory in the current mode:
 *   EA / FF /5 jmp far, 9A / FF /3 call far (pushing CS and the return offset), CB / CA retf,
 *   CF iret (32-bit code: EIP CS EFLAGS, and ESP SS too in IA-32e mode; 64-bit code: an
 *   iretq to another CS), 8E mov Sreg and 07/17/1F, 0F A1/A9 pop Sreg, C4/C5 les/lds and
 *   0F B2/B4/B5 lss/lfs/lgs (32-bit code),
 *   0F 22 mov to CR0/CR3/CR4 and 0F 30 wrmsr to EFER (mode switches, machine_mode.c).
 * Each either completes (rip past it, or at the new CS:rip), or raises its exception with
 * the registers as before it; then the mode is brought up to date (rt_machine_mode_update).
 * Memory operands and the stack are linear accesses through the soft MMU at the CPL (user
 * accesses at CPL 3, rt_mmu_read_cpl), the GDT implicit supervisor ones; a #PF there is
 * delivered with CR2 set and nothing of the instruction done but, for a far call, the pushes
 * below the stack pointer.
 * An emulated load of SS opens no interrupt shadow: an interrupt may come before the next
 * instruction (kernels load SS and ESP with interrupts off; lss loads both at once).
 */
#include <stdio.h>
#include <string.h>
#include "runtime/machine.h"

enum { GP = 13, NP = 11, SS_FAULT = 12, PF = 14 };

/* ---------------------------------------------------------------- descriptors */

/* The 8-byte descriptor sel names; false (with the exception) when it cannot be read. */
static bool read_desc(RtMachine *m, uint16_t sel, uint64_t *desc, unsigned *vector,
                      uint32_t *err)
{
    X86State *s = &m->cpu->state;
    if (sel & 4)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a selector into an LDT: local "
                        "descriptor tables are not supported yet");
    if ((uint64_t)(sel & ~7u) + 7 > s->gdt_limit) {
        *vector = GP;
        *err = sel & ~3u;
        return false;
    }
    uint64_t la = s->gdt_base + (sel & ~7u);
    if (!(s->efer & X86_EFER_LMA))
        la &= 0xffffffffu;
    int r = rt_mmu_read(m, la, desc, 8, err);
    if (r != RT_MMU_OK) {
        *vector = r == RT_MMU_PF ? PF : GP;
        if (r != RT_MMU_PF)
            *err = 0;
        return false;
    }
    return true;
}

RtSegCache rt_machine_seg_from_desc(uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    if (d & (1ull << 55))
        limit = limit << 12 | 0xfff;
    uint32_t base = (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000));
    return (RtSegCache){ base, limit, (uint32_t)(d >> 40) & 0xffff };
}

static bool fail(unsigned *vector, uint32_t *err, unsigned v, uint32_t e)
{
    *vector = v;
    *err = e;
    return false;
}

/* The checks of a code segment for CS (SDM Vol. 3A 5.8.1, Vol. 2 JMP, RET, IRET): a far jump
 * or call (ret false) stays at the CPL (a non-conforming segment needs RPL <= CPL and
 * DPL = CPL, a conforming one DPL <= CPL); a return (ret true) goes to level RPL >= CPL (a
 * non-conforming segment needs DPL = RPL, a conforming one DPL <= RPL). */
static bool check_cs(RtMachine *m, uint16_t sel, bool ret, RtSegCache *out, unsigned *vector,
                     uint32_t *err)
{
    X86State *s = &m->cpu->state;
    bool lma = (s->efer & X86_EFER_LMA) != 0;
    unsigned cpl = rt_machine_cpl(m), rpl = sel & 3;
    if ((sel & ~3u) == 0)
        return fail(vector, err, GP, 0);
    uint64_t d;
    if (!read_desc(m, sel, &d, vector, err))
        return false;
    RtSegCache c = rt_machine_seg_from_desc(d);
    unsigned type = c.attr & 0xf, dpl = (c.attr >> 5) & 3;
    bool sys = !(c.attr & 0x10), code = (type & 8) != 0, conforming = (type & 4) != 0;
    uint32_t e = sel & ~3u;
    if (sys || !code)
        return fail(vector, err, GP, e);
    if (ret ? rpl < cpl : (!conforming && rpl > cpl))
        return fail(vector, err, GP, e);
    unsigned level = ret ? rpl : cpl;
    if (conforming ? dpl > level : dpl != level)
        return fail(vector, err, GP, e);
    if (!(c.attr & 0x80))
        return fail(vector, err, NP, e);
    if (lma && (c.attr & RT_SEG_L) && (c.attr & RT_SEG_D))
        return fail(vector, err, GP, e);        /* L and D together are reserved */
    bool is64 = lma && (c.attr & RT_SEG_L);
    if (!is64 && !(c.attr & RT_SEG_D))
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a far transfer to a 16-bit code "
                        "segment: 16-bit code is not supported");
    if (!is64 && c.base)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a code segment with a base other "
                        "than 0: only flat segments are supported");
    if (level == 1 || level == 2)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "code at privilege level 1 or 2: not "
                        "supported");
    *out = c;
    return true;
}

/* The checks of SS for a stack at level `level`: RPL = DPL = level, a writable data
 * segment (#GP(selector)), present (#SS(selector)). */
static bool check_ss(RtMachine *m, uint16_t sel, unsigned level, RtSegCache *out,
                     unsigned *vector, uint32_t *err)
{
    X86State *s = &m->cpu->state;
    bool lma = (s->efer & X86_EFER_LMA) != 0;
    uint64_t d;
    if (!read_desc(m, sel, &d, vector, err))
        return false;
    RtSegCache c = rt_machine_seg_from_desc(d);
    unsigned type = c.attr & 0xf, dpl = (c.attr >> 5) & 3;
    bool sys = !(c.attr & 0x10), code = (type & 8) != 0;
    uint32_t e = sel & ~3u;
    if (sys || code || !(type & 2) || dpl != level || (sel & 3) != level)
        return fail(vector, err, GP, e);
    if (!(c.attr & 0x80))
        return fail(vector, err, SS_FAULT, e);
    if (!lma && !(c.attr & RT_SEG_D))
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a 16-bit stack segment (SS.B = 0): "
                        "not supported");
    *out = c;
    return true;
}

bool rt_machine_load_seg(RtMachine *m, unsigned n, uint16_t sel, unsigned *vector,
                         uint32_t *err)
{
    X86State *s = &m->cpu->state;
    bool lma = (s->efer & X86_EFER_LMA) != 0;
    unsigned cpl = rt_machine_cpl(m);
    if (n != 1 && (sel & ~3u) == 0) {
        if (n == 2 && (!lma || cpl == 3 || (sel & 3) != cpl))
            return fail(vector, err, GP, 0);    /* null SS: 64-bit mode below CPL 3 only */
        s->seg[n] = sel;
        m->seg[n] = (RtSegCache){ 0, 0, 0 };    /* unusable */
        if (n == 4) s->fs_base = 0;
        if (n == 5) s->gs_base = 0;
        return true;
    }
    RtSegCache c;
    if (n == 1) {
        if (!check_cs(m, sel, false, &c, vector, err))
            return false;
        sel = (uint16_t)((sel & ~3u) | cpl);    /* CS.RPL is the CPL */
    } else if (n == 2) {
        if (!check_ss(m, sel, cpl, &c, vector, err))
            return false;
    } else {
        uint64_t d;
        if (!read_desc(m, sel, &d, vector, err))
            return false;
        c = rt_machine_seg_from_desc(d);
        unsigned type = c.attr & 0xf, dpl = (c.attr >> 5) & 3;
        bool sys = !(c.attr & 0x10), code = (type & 8) != 0;
        uint32_t e = sel & ~3u;
        unsigned level = (sel & 3) > cpl ? (sel & 3) : cpl;
        if (sys || (code && !(type & 2)))
            return fail(vector, err, GP, e);    /* data, or readable code */
        if (!(code && (type & 4)) && level > dpl)
            return fail(vector, err, GP, e);    /* not conforming: max(CPL, RPL) <= DPL */
        if (!(c.attr & 0x80))
            return fail(vector, err, NP, e);
    }
    /* Bases of ES SS DS count in 32-bit code only (64-bit mode ignores them). */
    if (n != 1 && n <= 3 && c.base && m->mode == X86_MODE_32)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a segment with a base other than 0: "
                        "only flat segments are supported");
    s->seg[n] = sel;
    m->seg[n] = c;
    if (n == 4)
        s->fs_base = c.base;                    /* a selector load sets the 32-bit base */
    if (n == 5)
        s->gs_base = c.base;
    return true;
}

void rt_machine_segs_flat(RtMachine *m, bool code64)
{
    for (unsigned n = 0; n < 6; n++)
        m->seg[n] = (RtSegCache){ 0, 0xffffffffu, 0xc093 };     /* data, G, B, present */
    m->seg[1] = (RtSegCache){ 0, 0xffffffffu, code64 ? 0xa09b : 0xc09b };
}

/* ---------------------------------------------------------------- the emulator */

typedef struct Emu {
    RtMachine *m;
    X86State *s;
    X86Insn in;
    bool m32;                   /* 32-bit code */
    bool faulted;               /* a memory access raised its fault: the instruction ends */
} Emu;

static uint64_t gpr(const Emu *e, int r, unsigned size)
{
    uint64_t v = e->s->gpr[r];
    if (size == 1 && r >= 4 && r < 8 && !e->in.rex)
        return (e->s->gpr[r - 4] >> 8) & 0xff;
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static uint64_t wrap_addr(const Emu *e, uint64_t a)
{
    return e->in.addrsize == 8 ? a : a & ((1ull << (8 * e->in.addrsize)) - 1);
}

/* The memory operand's linear address (x86_decode's fields; FS/GS bases added). */
static uint64_t ea(const Emu *e)
{
    const X86Insn *in = &e->in;
    uint64_t a = (uint64_t)(int64_t)in->disp;
    if (in->base == X86_REG_RIP)
        a += in->pc + in->len;
    else if (in->base != X86_REG_NONE)
        a += e->s->gpr[in->base];
    if (in->index != X86_REG_NONE)
        a += e->s->gpr[in->index] * in->scale;
    a = wrap_addr(e, a);
    if (in->seg == X86_SEG_FS) a += e->s->fs_base;
    if (in->seg == X86_SEG_GS) a += e->s->gs_base;
    return e->m32 ? a & 0xffffffffu : a;
}

static void emu_raise(Emu *e, unsigned vector, uint32_t err);

/* The fault of a memory access of the instruction (CR2 is set already): the first one is
 * delivered, and the instruction goes no further (callers look at e->faulted). */
static void access_fault(Emu *e, int r, uint32_t err)
{
    if (!e->faulted)
        emu_raise(e, r == RT_MMU_PF ? PF : GP, r == RT_MMU_PF ? err : 0);
    e->faulted = true;
}

/* A memory read for the instruction through the MMU (0 after a fault); physical addresses
 * outside RAM stop the machine (rt_mmu_read). */
static uint64_t rd(Emu *e, uint64_t linear, unsigned size)
{
    uint64_t v = 0;
    uint32_t err;
    if (e->faulted)
        return 0;
    int r = rt_mmu_read_cpl(e->m, linear, &v, size, &err);
    if (r != RT_MMU_OK)
        access_fault(e, r, err);
    return v;
}

static void wr(Emu *e, uint64_t linear, uint64_t v, unsigned size)
{
    uint32_t err;
    if (e->faulted)
        return;
    int r = rt_mmu_write_cpl(e->m, linear, &v, size, &err);
    if (r != RT_MMU_OK)
        access_fault(e, r, err);
}

static uint64_t sp_mask(const Emu *e)
{
    return e->m32 ? 0xffffffffull : ~0ull;
}

static void emu_raise(Emu *e, unsigned vector, uint32_t err)
{
    bool has_err = vector == GP || vector == NP || vector == SS_FAULT || vector == PF;
    rt_machine_interrupt(e->m, vector, RT_INT_EXCEPTION, has_err, err);
}

/* Load segment register n with sel, or raise the fault the load takes (false). */
static bool emu_load_seg(Emu *e, unsigned n, uint16_t sel)
{
    unsigned vector;
    uint32_t err;
    if (rt_machine_load_seg(e->m, n, sel, &vector, &err))
        return true;
    emu_raise(e, vector, err);
    return false;
}

/* Continue at sel:off, CS loaded (the caller has done the pushes it needs). */
static bool far_to(Emu *e, uint16_t sel, uint64_t off)
{
    RtSegCache old = e->m->seg[1];
    uint64_t old_sel = e->s->seg[1];
    if (!emu_load_seg(e, 1, sel))
        return false;
    bool is64 = (e->s->efer & X86_EFER_LMA) && (e->m->seg[1].attr & RT_SEG_L);
    if (!is64)
        off &= 0xffffffffu;
    else if ((uint64_t)((int64_t)(off << 16) >> 16) != off) {
        e->m->seg[1] = old;                     /* a non-canonical target: #GP(0) before */
        e->s->seg[1] = old_sel;
        emu_raise(e, GP, 0);
        return false;
    }
    e->s->rip = off;
    return true;
}

/* EA, 9A, FF /3, FF /5. */
static void emu_far(Emu *e, bool call)
{
    const X86Insn *in = &e->in;
    unsigned size = in->opsize;
    uint64_t off;
    uint16_t sel;
    if (in->opcode == 0xea || in->opcode == 0x9a) {
        off = (uint64_t)in->imm;
        sel = (uint16_t)in->imm2;
    } else {
        uint64_t a = ea(e);
        off = rd(e, a, size);
        sel = (uint16_t)rd(e, wrap_addr(e, a + size), 2);
        if (e->faulted)
            return;
    }
    uint64_t sp = e->s->gpr[X86_RSP], old_cs = e->s->seg[1], next = in->pc + in->len;
    if (call) {
        /* Pushed at the operand size before anything changes: CS, then the return offset. */
        uint64_t a1 = (sp - size) & sp_mask(e), a2 = (sp - 2 * size) & sp_mask(e);
        wr(e, a1, old_cs, size);
        wr(e, a2, next, size);
        if (e->faulted)
            return;
        sp = a2;
    }
    if (!far_to(e, sel, off))
        return;
    if (call)
        e->s->gpr[X86_RSP] = e->m32 ? (uint32_t)sp : sp;
}

/* CB retf, CA retf imm16: pop the offset and CS (operand-size slots), release imm16. */
static void emu_retf(Emu *e)
{
    const X86Insn *in = &e->in;
    unsigned size = in->opsize;
    uint64_t sp = e->s->gpr[X86_RSP] & sp_mask(e);
    uint64_t off = rd(e, sp, size);
    uint16_t sel = (uint16_t)rd(e, (sp + size) & sp_mask(e), size);
    uint64_t release = in->opcode == 0xca ? ((uint64_t)in->imm & 0xffff) : 0;
    if (!e->faulted && (sel & 3) > rt_machine_cpl(e->m))
        rt_machine_stop(e->m, RT_MACHINE_EXIT_STOPPED, fe_sys_stop_message(FE_STOP_RING3));
    if (e->faulted || !far_to(e, sel, off))
        return;
    sp = (sp + 2 * size + release) & sp_mask(e);
    e->s->gpr[X86_RSP] = e->m32 ? (uint32_t)sp : sp;
}

/* EFLAGS as iret loads it: arithmetic flags, TF DF IF IOPL NT AC ID, but IOPL only at
 * CPL 0 and IF only at CPL <= IOPL (the old CPL's rules); RF, VM, VIF, VIP stay clear (VM set
 * would be virtual-8086 mode, not supported). */
static void load_eflags(Emu *e, uint64_t v, unsigned size, unsigned cpl)
{
    if (size == 4 && cpl == 0 && (v & (1u << 17)))
        rt_machine_stop(e->m, RT_MACHINE_EXIT_STOPPED, "iret to virtual-8086 mode: not "
                        "supported");
    uint64_t old = x86_get_eflags(e->s);
    uint64_t keep = X86_ARITH_FLAGS | X86_DF | X86_IF | X86_IOPL | X86_NT | X86_AC | X86_ID;
    if (cpl > 0)
        keep &= ~(uint64_t)X86_IOPL;
    if (cpl > ((old >> 12) & 3))
        keep &= ~(uint64_t)X86_IF;
    x86_set_eflags(e->s, (old & ~keep & ~(uint64_t)((1u << 16) | (1u << 17))) | (v & keep) | 0x2);
    e->s->icount_limit = 0;                 /* IF may be set: look at interrupts */
}

/* After a return to an outer level: ES, DS, FS and GS that the new level may not use (DPL
 * below it, data or non-conforming code) become null (SDM Vol. 2 RET, IRET). */
static void null_inner_segs(Emu *e, unsigned level)
{
    static const unsigned regs[] = { 0, 3, 4, 5 };
    for (unsigned i = 0; i < 4; i++) {
        unsigned n = regs[i];
        uint32_t attr = e->m->seg[n].attr;
        bool conforming_code = (attr & 0x1c) == 0x1c;
        if ((e->s->seg[n] & ~3ull) == 0 || conforming_code || ((attr >> 5) & 3) >= level)
            continue;
        e->s->seg[n] = 0;
        e->m->seg[n] = (RtSegCache){ 0, 0, 0 };
        if (n == 4) e->s->fs_base = 0;
        if (n == 5) e->s->gs_base = 0;
    }
}

/* iret in 32-bit protected mode to an outer level (CPL 0 -> 3): EIP CS EFLAGS ESP SS popped
 * (v), CS and SS checked for the new level before anything changes. */
static void iret_outer(Emu *e, const uint64_t *v)
{
    X86State *s = e->s;
    unsigned cpl = rt_machine_cpl(e->m), rpl = v[1] & 3, vector;
    uint32_t err;
    RtSegCache cs, ss;
    if (!check_cs(e->m, (uint16_t)v[1], true, &cs, &vector, &err)) {
        emu_raise(e, vector, err);
        return;
    }
    if ((v[4] & ~3ull) == 0) {
        emu_raise(e, GP, 0);
        return;
    }
    if (!check_ss(e->m, (uint16_t)v[4], rpl, &ss, &vector, &err)) {
        emu_raise(e, vector, err);
        return;
    }
    if (ss.base)
        rt_machine_stop(e->m, RT_MACHINE_EXIT_STOPPED, "a segment with a base other than 0: "
                        "only flat segments are supported");
    load_eflags(e, v[2], 4, cpl);
    s->rip = (uint32_t)v[0];
    s->seg[1] = v[1] & 0xffff;
    s->seg[2] = v[4] & 0xffff;
    e->m->seg[1] = cs;
    e->m->seg[2] = ss;
    s->gpr[X86_RSP] = (uint32_t)v[3];
    null_inner_segs(e, rpl);
    rt_mmu_set_cpl(e->m);
    rt_jc_clear(e->m->cpu);                 /* user code: no supervisor block by the jc */
}

/* CF iret: 32-bit code (3 slots in protected mode, 5 to an outer level and in IA-32e mode)
 * or an iretq to another CS. */
static void emu_iret(Emu *e)
{
    const X86Insn *in = &e->in;
    X86State *s = e->s;
    unsigned size = in->opsize, cpl = rt_machine_cpl(e->m);
    bool lma = (s->efer & X86_EFER_LMA) != 0;
    if (size == 2)
        rt_machine_stop(e->m, RT_MACHINE_EXIT_STOPPED, "a 16-bit iret: not supported");
    if (s->eflags_fixed & X86_NT)
        rt_machine_stop(e->m, RT_MACHINE_EXIT_STOPPED, fe_sys_stop_message(FE_STOP_TASK));
    uint64_t sp = s->gpr[X86_RSP] & sp_mask(e);
    uint64_t v[5] = { 0 };
    for (unsigned i = 0; i < 3; i++)
        v[i] = rd(e, (sp + (uint64_t)i * size) & sp_mask(e), size);
    if (e->faulted)
        return;
    bool outer = (v[1] & 3) > cpl;
    if (outer && lma)
        rt_machine_stop(e->m, RT_MACHINE_EXIT_STOPPED, "iret to a compatibility-mode code "
                        "segment at another privilege level: not supported yet");
    unsigned slots = lma || outer ? 5 : 3;
    for (unsigned i = 3; i < slots; i++)
        v[i] = rd(e, (sp + (uint64_t)i * size) & sp_mask(e), size);
    if (e->faulted)
        return;
    if (outer) {
        iret_outer(e, v);
        return;
    }
    if ((v[1] & ~3ull) && (v[1] & 3) < cpl) {
        emu_raise(e, GP, (uint32_t)(v[1] & ~3ull));     /* to an inner level */
        return;
    }
    if (!far_to(e, (uint16_t)v[1], v[0]))
        return;
    load_eflags(e, v[2], size, cpl);
    if (lma) {
        s->seg[2] = v[4] & 0xffff;              /* SS at CPL 0: null is allowed here */
        s->gpr[X86_RSP] = v[3];
        if (!(e->m->seg[1].attr & RT_SEG_L))
            s->gpr[X86_RSP] &= 0xffffffffu;
    } else {
        s->gpr[X86_RSP] = (uint32_t)(sp + 3 * size);
    }
}

/* 8E mov Sreg, r/m16; 07 17 1F, 0F A1 A9 pop Sreg. */
static void emu_load_sreg(Emu *e)
{
    const X86Insn *in = &e->in;
    X86State *s = e->s;
    unsigned n;
    uint16_t sel;
    uint64_t sp = s->gpr[X86_RSP] & sp_mask(e);
    bool pop = in->opcode != 0x8e;
    if (!pop) {
        n = in->reg & 7;
        sel = (uint16_t)(in->mod == 3 ? gpr(e, in->rm, 2) : rd(e, ea(e), 2));
    } else {
        n = in->map == X86_MAP_0F ? (in->opcode == 0xa1 ? 4 : 5) : (unsigned)(in->opcode >> 3);
        sel = (uint16_t)rd(e, sp, in->opsize);
    }
    if (e->faulted)
        return;
    if (!emu_load_seg(e, n, sel))
        return;
    if (pop)
        s->gpr[X86_RSP] = (uint32_t)(sp + in->opsize);
    s->rip = in->pc + in->len;
}

/* C4 les, C5 lds, 0F B2 lss, 0F B4 lfs, 0F B5 lgs: a far pointer m16:16/32 into a segment
 * register and ModRM.reg. */
static void emu_load_far_ptr(Emu *e)
{
    const X86Insn *in = &e->in;
    X86State *s = e->s;
    unsigned n = in->map == X86_MAP_1B ? (in->opcode == 0xc4 ? 0 : 3)
               : in->opcode == 0xb2 ? 2 : in->opcode == 0xb4 ? 4 : 5;
    uint64_t a = ea(e);
    uint64_t off = rd(e, a, in->opsize);
    uint16_t sel = (uint16_t)rd(e, wrap_addr(e, a + in->opsize), 2);
    if (e->faulted)
        return;
    if (!emu_load_seg(e, n, sel))
        return;
    if (in->opsize == 2)
        s->gpr[in->reg] = (s->gpr[in->reg] & ~0xffffull) | off;
    else
        s->gpr[in->reg] = (uint32_t)off;
    s->rip = in->pc + in->len;
}

/* 0F 22 mov CRn, r; 0F 30 wrmsr (EFER). */
static void emu_mov_cr(Emu *e)
{
    const X86Insn *in = &e->in;
    uint64_t v = gpr(e, in->rm, e->m32 ? 4 : 8);
    int vector = rt_machine_write_cr(e->m, in->reg, v);
    if (vector) {
        emu_raise(e, (unsigned)vector, 0);
        return;
    }
    e->s->rip = in->pc + in->len;
}

static void emu_wrmsr(Emu *e)
{
    X86State *s = e->s;
    uint64_t v = (s->gpr[X86_RDX] << 32) | (uint32_t)s->gpr[X86_RAX];
    if ((uint32_t)s->gpr[X86_RCX] != 0xc0000080u) {
        emu_raise(e, GP, 0);                        /* only EFER comes here (gen_system.c) */
        return;
    }
    int vector = rt_machine_write_efer(e->m, v);
    if (vector) {
        emu_raise(e, (unsigned)vector, 0);
        return;
    }
    s->rip = e->in.pc + e->in.len;
}

void rt_machine_emulate(RtMachine *m)
{
    Emu e = { .m = m, .s = &m->cpu->state, .m32 = m->mode == X86_MODE_32 };
    uint8_t bytes[15];
    size_t got = rt_machine_fetch_code(m, e.s->rip, bytes, sizeof bytes);
    if (x86_decode_mode(bytes, got, e.s->rip, m->mode, &e.in) != X86_DEC_OK)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "internal error: the instruction to "
                        "emulate does not decode");
    const X86Insn *in = &e.in;
    if (rt_log_on(m->p, RT_LOG_INT))
        rt_log_printf(m->p, "ferry-system: emulating the instruction at rip 0x%llx\n",
                      (unsigned long long)e.s->rip);
    if (in->map == X86_MAP_1B) {
        switch (in->opcode) {
        case 0xea: emu_far(&e, false); break;
        case 0x9a: emu_far(&e, true); break;
        case 0xff: emu_far(&e, (in->reg & 7) == 3); break;
        case 0xca: case 0xcb: emu_retf(&e); break;
        case 0xcf: emu_iret(&e); break;
        case 0x8e: case 0x07: case 0x17: case 0x1f: emu_load_sreg(&e); break;
        case 0xc4: case 0xc5: emu_load_far_ptr(&e); break;
        default: goto unknown;
        }
    } else if (in->map == X86_MAP_0F) {
        switch (in->opcode) {
        case 0xa1: case 0xa9: emu_load_sreg(&e); break;
        case 0xb2: case 0xb4: case 0xb5: emu_load_far_ptr(&e); break;
        case 0x22: emu_mov_cr(&e); break;
        case 0x30: emu_wrmsr(&e); break;
        default: goto unknown;
        }
    } else {
        goto unknown;
    }
    rt_machine_mode_update(m);
    return;
unknown:
    rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "internal error: an instruction the runtime "
                    "does not emulate");
}
