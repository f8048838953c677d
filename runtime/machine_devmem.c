/* machine_devmem.c — what the CPU reaches beyond port I/O: device memory (the local APIC,
 * the IOAPIC and unassigned physical addresses) and the MSRs devices hold.
 *
 * Device memory. The frontend (frontend.h "System mode") sends a block whose load or store
 * address lies at or above RAM's end out through an FE_SYS_MMIO trap, with the state exact
 * before that instruction. rt_machine_mmio_insn translates that one instruction again with
 * FeOptions.mmio_insn, where each of its accesses calls rt_machine_mmio_read/write, and runs it
 * in the reference interpreter (a scratch block, never in the code cache: device accesses are
 * rare next to RAM accesses, and a block kept for them would need invalidation). The helpers
 * serve RAM too (push of a device register onto the stack touches both) and send the rest to
 * the bus: a claimed region gets the access, any other physical address reads all ones and
 * ignores writes, as on a PC, and no host memory outside guest RAM is touched. Addresses
 * outside ferry's identity map (non-canonical ones, or beyond what the boot page tables map)
 * would fault on a CPU; without a soft MMU they stop the machine.
 *
 * The clock is brought to the access's virtual time first (icount is exact: the trap charged
 * the instructions before this one), and after it an interrupt that became deliverable or a
 * reset request make the next block start return to the dispatcher (rt_machine_after_device).
 *
 * MSRs: FeOptions.msr routes rdmsr/wrmsr here; IA32_APIC_BASE, IA32_TSC_DEADLINE and the
 * x2APIC range go to the local APIC (a refusal is #GP), everything else to the CPU's own
 * fe_msr_access. CR8 is the APIC's TPR: rt_machine_sync_devices pushes a CR8 the guest wrote
 * into the APIC, rt_machine_after_device pulls the TPR back into CR8.
 */
#include <stdio.h>
#include <string.h>
#include "runtime/machine.h"

static RtMachine *machine_of(void *state)
{
    return ((RtThread *)state)->proc->machine;      /* state is RtThread's first member */
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* An address the identity map does not cover: stop (a CPU would fault). */
static void check_mapped(RtMachine *m, uint64_t addr, uint64_t size)
{
    if (canonical(addr) && addr < m->mapped && size <= m->mapped - addr)
        return;
    char what[160];
    snprintf(what, sizeof what, "guest access outside RAM at 0x%llx (%s: page faults are not "
             "supported yet)", (unsigned long long)addr,
             canonical(addr) ? "beyond ferry's identity map" : "a non-canonical address");
    rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, what);
}

uint64_t rt_machine_mmio_read(void *state, uint64_t addr, uint64_t size, uint64_t unused)
{
    (void)unused;
    RtMachine *m = machine_of(state);
    uint64_t v = 0;
    if (addr < m->ram_size && size <= m->ram_size - addr) {
        memcpy(&v, m->ram + addr, size);            /* little-endian hosts only (rt.h) */
        return v;
    }
    check_mapped(m, addr, size);
    rt_machine_sync_devices(m);
    if (addr < m->ram_size) {                       /* straddles RAM's end: byte by byte */
        for (unsigned i = 0; i < size; i++) {
            uint64_t a = addr + i;
            uint64_t b = a < m->ram_size ? m->ram[a] : dev_bus_mmio_read(&m->board.bus, a, 1);
            v |= (b & 0xff) << (8 * i);
        }
    } else {
        v = dev_bus_mmio_read(&m->board.bus, addr, (unsigned)size);
    }
    rt_machine_after_device(m);
    return v;
}

uint64_t rt_machine_mmio_write(void *state, uint64_t addr, uint64_t size, uint64_t value)
{
    RtMachine *m = machine_of(state);
    if (addr < m->ram_size && size <= m->ram_size - addr) {
        memcpy(m->ram + addr, &value, size);
        return 0;
    }
    check_mapped(m, addr, size);
    rt_machine_sync_devices(m);
    if (addr < m->ram_size) {
        for (unsigned i = 0; i < size; i++) {
            uint64_t a = addr + i;
            uint8_t b = (uint8_t)(value >> (8 * i));
            if (a < m->ram_size)
                m->ram[a] = b;
            else
                dev_bus_mmio_write(&m->board.bus, a, 1, b);
        }
    } else {
        dev_bus_mmio_write(&m->board.bus, addr, (unsigned)size, value);
    }
    rt_machine_after_device(m);
    return 0;
}

/* ---------------------------------------------------------------- one instruction */

static size_t fetch(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    return rt_machine_fetch_code(opaque, pc, buf, n);
}

uint64_t rt_machine_mmio_insn(RtMachine *m)
{
    RtProcess *p = m->p;
    X86State *st = &m->cpu->state;
    if (!m->mmio_ir)
        m->mmio_ir = ir_block_new(st->rip);
    FeOptions fo = p->fe_opt;
    fo.mmio_insn = true;
    fo.single_step = true;
    fo.max_insns = 1;
    FeResult res;
    fe_translate_block(m->mmio_ir, st->rip, fetch, m, &fo, &res);
    char err[256];
    if (!ir_verify(m->mmio_ir, err, sizeof err)) {
        fprintf(stderr, "ferry-system: internal error: device access at 0x%llx: IR fails "
                "verification: %s\n", (unsigned long long)st->rip, err);
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "internal error");
    }
    uint64_t limit = st->icount_limit;
    st->icount_limit = UINT64_MAX;                  /* run it: the entry check must pass */
    m->cpu->in_guest = RT_IN_INTERP;
    uint64_t w = ir_interp_run(m->mmio_ir, st, &p->gi);
    m->cpu->in_guest = RT_IN_RUNTIME;
    if (st->icount_limit == UINT64_MAX)
        st->icount_limit = limit;
    return w;
}

/* ---------------------------------------------------------------- MSRs */

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
