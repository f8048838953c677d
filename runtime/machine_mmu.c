/* machine_mmu.c — the soft MMU: page-table walkers, the TLB generated code probes, the slow
 * path behind it, code fetch, and what keeps translated code coherent with memory.
 *
 * Walkers (SDM Vol. 3A ch. 4): no paging (CR0.PG = 0: linear = physical), 32-bit paging
 * (4 KiB pages, 4 MiB ones with CR4.PSE), PAE paging (CR4.PAE: four PDPTEs, 2 MiB and 4 KiB
 * pages, XD) and 4-level paging (EFER.LMA: 1 GiB, 2 MiB and 4 KiB pages, XD). The access
 * rights are those of 4.6 without SMEP/SMAP/PKE (not advertised): a user access needs U/S at
 * every level, a write R/W at every level (a supervisor write only with CR0.WP), a fetch
 * no XD bit at any level (with EFER.NXE; without it XD is a reserved bit). Accessed bits are
 * set on every entry of a successful walk, the dirty bit on the leaf of a write. A failure is
 * a #PF with the error code of 4.7 (P, W/R, U/S, RSVD, I/D) and CR2 the linear address.
 * Entries that lie outside RAM stop the machine (ferry has nothing there to read).
 *
 * The TLB (x86_state.h X86TlbEntry): one table for supervisor accesses and one for user
 * ones, so a probe needs no privilege compare; 256 direct-mapped 4 KiB entries each. An entry
 * is filled by the slow path after a successful translation: read tag = the page, write tag =
 * the page only when a write may go straight to RAM (allowed at that level, the dirty bit
 * already set, and no translated code in the physical page); addend = physical - linear.
 * Flushed as the architecture says: CR3 writes (all but global pages, CR4.PGE), invlpg (one
 * page), CR0/CR4/EFER.NXE changes (everything).
 *
 * The slow path: a probe that misses leaves its block at the instruction (FE_SYS_TLB_MISS,
 * state exact), and the instruction runs once more, translated alone with FeOptions.mmu_slow
 * (every access calls rt_mmu_xlate) and interpreted: the translation fills the TLB, or the
 * fault is raised precisely (nothing of the instruction done). Accesses that cross into a
 * page that is not physically contiguous, and accesses to physical addresses past RAM, go
 * through bounce buffers in the page after RAM: loads are gathered there before the LOAD,
 * stores scattered from there by rt_mmu_finish. Slow-path blocks are kept per pc.
 *
 * Device memory is every physical address past RAM: the bounce pieces there go to the
 * devices' bus (dev_bus_mmio_read/write: the IOAPIC, the local APIC wherever IA32_APIC_BASE
 * put it), with the clock synchronised first; what no device claims reads all ones and
 * ignores writes, as on a PC. The TLB never holds such a page, so every access to it takes
 * the slow path. Only an address beyond the 48-bit physical address space stops the machine.
 *
 * Translated code: blocks are looked up by linear pc, so every change of mappings that can
 * move code (CR3 writes, invlpg of a page code came from, paging-mode changes) drops them all
 * (rt_mmu_flush_code). Fetches mark their physical pages in code_pages; such a page never
 * gets a TLB write tag, so every store to it takes the slow path, which drops the
 * translations once the store is done (self-modifying code, exact at the next instruction).
 * Blocks remember whether their code may run at CPL 3 (RtBlock.user_exec): machine_run.c
 * refuses the others in user mode with the #PF a fetch would give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/machine.h"

#define PAGE 4096ull
#define PAGE_MASK (~(PAGE - 1))
#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_XD  (1ull << 63)
#define ADDR_52 0x000ffffffffff000ull   /* the frame bits of a 64-bit entry */
#define BOUNCE_SLOT 64u                 /* bytes per bounce slot (accesses are at most 16) */
#define RT_MMU_PHYS_BITS 48u            /* MAXPHYADDR, as fe_cpuid's leaf 0x80000008 says */

static RtMachine *machine_of(void *state)
{
    return rt_thread_of_state(state)->proc->machine;
}

/* ---------------------------------------------------------------- the walkers */

/* What one walk found: the physical address and the rights of the whole path. */
typedef struct Walk {
    uint64_t phys;
    bool w, u, xd, dirty, global;
    uint64_t ent[4];            /* physical addresses of the entries used, leaf last */
    unsigned n_ent, ent_size;   /* how many, and 4 or 8 bytes each */
} Walk;

static uint64_t read_entry(RtMachine *m, uint64_t pa, unsigned size)
{
    uint64_t v = 0;
    if (rt_machine_ram_read(m, pa, &v, size) < 0)
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "page tables outside RAM");
    return v;
}

/* 0, or RT_PF_RSVD, or RT_PF_P set to 0 for not-present (returned as a flag word: bit 31 set
 * means a failure). */
#define WALK_NP   0x80000000u
#define WALK_RSVD (0x80000000u | RT_PF_RSVD)

/* Read the entry at pa (w->ent_size bytes) into *e: not present, or XD set without
 * EFER.NXE (a reserved bit then), fails the walk; else the entry joins the path, its U/S,
 * R/W and XD folded into the path's rights (checked once, by allowed(), when the walk is
 * done; the A and D bits are set by set_bits over the recorded path). */
static uint32_t take_entry(RtMachine *m, Walk *w, uint64_t pa, bool nxe, uint64_t *e)
{
    *e = read_entry(m, pa, w->ent_size);
    if (!(*e & PTE_P))
        return WALK_NP;
    if (w->ent_size == 8 && (*e & PTE_XD) && !nxe)
        return WALK_RSVD;
    w->ent[w->n_ent++] = pa;
    w->w = w->w && (*e & PTE_W);
    w->u = w->u && (*e & PTE_U);
    if (w->ent_size == 8 && (*e & PTE_XD))
        w->xd = true;
    return 0;
}

/* The walk ends at leaf entry e, which maps the `size`-byte page at physical `frame` (its
 * low bits ignored) holding la. */
static uint32_t leaf(const RtMachine *m, Walk *w, uint64_t e, uint64_t frame, uint64_t size,
                     uint64_t la)
{
    w->phys = (frame & ~(size - 1)) | (la & (size - 1));
    w->dirty = e & PTE_D;
    w->global = (e & PTE_G) && (m->cpu->state.cr4 & X86_CR4_PGE);
    return 0;
}

/* The levels of 8-byte entries, from `top` (4: the PML4 of 4-level paging; 2: the page
 * directory a PAE PDPTE points to) down to the leaf: a PS entry at level 3 (1 GiB) or 2
 * (2 MiB) ends the walk early; PS is reserved at level 4, and at level 1 it is the PAT bit. */
static uint32_t walk_levels(RtMachine *m, uint64_t la, Walk *w, bool nxe, uint64_t table,
                            int top)
{
    /* by level: the bits a large page's frame must have clear, 20:13 (2 MiB), 29:13 (1 GiB) */
    static const uint64_t large_rsvd[4] = { 0, 0, 0x1fe000ull, 0x3fffe000ull };
    for (int level = top; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t pa = table + ((la >> shift) & 511) * 8, e;
        uint32_t r = take_entry(m, w, pa, nxe, &e);
        if (r)
            return r;
        if (level == 1 || (e & PTE_PS)) {
            if (level == 4 || (level > 1 && (e & large_rsvd[level])))
                return WALK_RSVD;
            return leaf(m, w, e, e & ADDR_52, 1ull << shift, la);
        }
        table = e & ADDR_52;
    }
    return WALK_NP;
}

static uint32_t walk64(RtMachine *m, uint64_t la, Walk *w, bool nxe)
{
    return walk_levels(m, la, w, nxe, m->cpu->state.cr3 & ADDR_52, 4);
}

static uint32_t walk_pae(RtMachine *m, uint64_t la, Walk *w, bool nxe)
{
    const X86State *s = &m->cpu->state;
    /* The PDPTEs: present and reserved bits only (the CPU loads them at CR3 writes; reading
     * them at each walk gives the same for guests that reload CR3 after changing them). */
    uint64_t pdpte = read_entry(m, (s->cr3 & 0xffffffe0u) + ((la >> 30) & 3) * 8, 8);
    if (!(pdpte & PTE_P))
        return WALK_NP;
    if (pdpte & 0x1e6)
        return WALK_RSVD;
    return walk_levels(m, la, w, nxe, pdpte & ADDR_52, 2);
}

static uint32_t walk32(RtMachine *m, uint64_t la, Walk *w)
{
    const X86State *s = &m->cpu->state;
    uint64_t e;
    uint32_t r = take_entry(m, w, (s->cr3 & 0xfffff000u) + ((la >> 22) & 1023) * 4, false, &e);
    if (r)
        return r;
    if ((e & PTE_PS) && (s->cr4 & X86_CR4_PSE))     /* 4 MiB: frame bits 39:32 in 20:13 */
        return leaf(m, w, e, (e & 0xffc00000u) | ((e >> 13) & 0xffull) << 32, 1ull << 22, la);
    r = take_entry(m, w, (e & 0xfffff000u) + ((la >> 12) & 1023) * 4, false, &e);
    if (r)
        return r;
    return leaf(m, w, e, e & 0xfffff000u, PAGE, la);
}

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* The walk for la in the current paging mode (no rights checked, no bits set). */
static uint32_t walk(RtMachine *m, uint64_t la, Walk *w)
{
    const X86State *s = &m->cpu->state;
    memset(w, 0, sizeof *w);
    w->w = w->u = true;
    if (!(s->cr0 & X86_CR0_PG)) {
        w->phys = la & 0xffffffffull;
        w->dirty = true;
        return 0;
    }
    bool nxe = (s->efer & X86_EFER_NXE) != 0;
    if (s->efer & X86_EFER_LMA) {
        w->ent_size = 8;
        return walk64(m, la, w, nxe);
    }
    if (s->cr4 & X86_CR4_PAE) {
        w->ent_size = 8;
        return walk_pae(m, la & 0xffffffffull, w, nxe);
    }
    w->ent_size = 4;
    return walk32(m, la & 0xffffffffull, w);
}

/* The rights check of SDM 4.6 for access acc over the path's rights. */
static bool allowed(const RtMachine *m, const Walk *w, unsigned acc)
{
    const X86State *s = &m->cpu->state;
    bool user = acc & RT_ACC_USER;
    if (user && !w->u)
        return false;
    if ((acc & RT_ACC_WRITE) && !w->w && (user || (s->cr0 & X86_CR0_WP)))
        return false;
    if ((acc & RT_ACC_EXEC) && w->xd)
        return false;
    return true;
}

/* Set the accessed bits of the path, and the dirty bit of the leaf for a write. */
static void set_bits(RtMachine *m, Walk *w, bool write)
{
    for (unsigned i = 0; i < w->n_ent; i++) {
        uint64_t e = read_entry(m, w->ent[i], w->ent_size);
        uint64_t n = e | PTE_A;
        if (write && i + 1 == w->n_ent)
            n |= PTE_D;
        if (n != e)
            rt_machine_ram_write(m, w->ent[i], &n, w->ent_size);
    }
    if (write)
        w->dirty = true;
}

static uint32_t pf_code(const RtMachine *m, uint32_t walk_result, unsigned acc)
{
    const X86State *s = &m->cpu->state;
    uint32_t err = acc & (RT_ACC_WRITE | RT_ACC_USER);
    bool id = (s->efer & X86_EFER_NXE) && (s->cr4 & X86_CR4_PAE);
    if ((acc & RT_ACC_EXEC) && id)
        err |= RT_ACC_EXEC;
    if (walk_result == 0)
        err |= RT_PF_P;                     /* present, but not allowed */
    else if (walk_result == WALK_RSVD)
        err |= RT_PF_P | RT_PF_RSVD;
    return err;
}

static int translate(RtMachine *m, uint64_t la, unsigned acc, Walk *w, uint32_t *err)
{
    const X86State *s = &m->cpu->state;
    if ((s->efer & X86_EFER_LMA) && !canonical(la))
        return RT_MMU_GP;
    uint32_t r = walk(m, la, w);
    if (r || !allowed(m, w, acc)) {
        *err = pf_code(m, r, acc);
        return RT_MMU_PF;
    }
    set_bits(m, w, (acc & RT_ACC_WRITE) != 0);
    return RT_MMU_OK;
}

int rt_mmu_translate(RtMachine *m, uint64_t la, unsigned acc, uint64_t *phys, uint32_t *err)
{
    Walk w;
    int r = translate(m, la, acc, &w, err);
    if (r == RT_MMU_OK)
        *phys = w.phys;
    return r;
}

/* ---------------------------------------------------------------- code pages */

static bool in_ram(const RtMachine *m, uint64_t pa, uint64_t n)
{
    return n <= m->ram_size && pa <= m->ram_size - n;
}

/* [pa, pa + n) lies in the guest-physical address space (CPUID 0x80000008: 48 bits). */
static bool phys_ok(uint64_t pa, uint64_t n)
{
    return pa < (1ull << RT_MMU_PHYS_BITS) && n <= (1ull << RT_MMU_PHYS_BITS) - pa;
}

static bool is_code(const RtMachine *m, uint64_t pa)
{
    uint64_t pn = pa / PAGE;
    return pa < m->ram_size && (m->mmu.code_pages[pn / 8] >> (pn % 8)) & 1;
}

/* Physical page pa now holds translated code: no more direct writes to it. */
static void mark_code(RtMachine *m, uint64_t pa)
{
    uint64_t pn = pa / PAGE;
    if (pa >= m->ram_size || ((m->mmu.code_pages[pn / 8] >> (pn % 8)) & 1))
        return;
    m->mmu.code_pages[pn / 8] |= (uint8_t)(1u << (pn % 8));
    for (int t = 0; t < 2; t++)
        for (unsigned i = 0; i < X86_TLB_SIZE; i++)
            if (m->mmu.tlb[t][i].write != X86_TLB_INVALID && m->mmu.tlb[t][i].phys == (pa & PAGE_MASK))
                m->mmu.tlb[t][i].write = X86_TLB_INVALID;
}

/* A store is about to change physical [pa, pa + n): if code came from there, every
 * translation goes before the next block (the store itself finishes first). */
static void note_store(RtMachine *m, uint64_t pa, uint64_t n)
{
    if (n && (is_code(m, pa) || is_code(m, pa + n - 1)))
        m->mmu.flush_code = true;
}

/* ---------------------------------------------------------------- the TLB */

static void tlb_clear(X86TlbEntry *e)
{
    e->read = e->write = X86_TLB_INVALID;
    e->phys = e->addend = 0;
}

void rt_mmu_flush_tlb(RtMachine *m, bool keep_global)
{
    for (int t = 0; t < 2; t++)
        for (unsigned i = 0; i < X86_TLB_SIZE; i++)
            if (!keep_global || !m->mmu.global[t][i]) {
                tlb_clear(&m->mmu.tlb[t][i]);
                m->mmu.global[t][i] = false;
            }
    m->mmu.nxe = m->cpu->state.efer & X86_EFER_NXE;
}

void rt_mmu_flush_page(RtMachine *m, uint64_t la)
{
    unsigned i = (la >> 12) & (X86_TLB_SIZE - 1);
    for (int t = 0; t < 2; t++)
        if (m->mmu.tlb[t][i].read == (la & PAGE_MASK)) {
            tlb_clear(&m->mmu.tlb[t][i]);
            m->mmu.global[t][i] = false;
        }
}

/* After a successful translation of la for acc: the entry generated code will probe. */
static void tlb_fill(RtMachine *m, uint64_t la, unsigned acc, const Walk *w)
{
    bool user = acc & RT_ACC_USER;
    unsigned i = (la >> 12) & (X86_TLB_SIZE - 1);
    X86TlbEntry *e = &m->mmu.tlb[user][i];
    uint64_t page = la & PAGE_MASK, phys = w->phys & PAGE_MASK;
    if (!in_ram(m, phys, PAGE))
        return;                             /* device memory: always the slow path */
    e->read = page;
    e->phys = phys;
    e->addend = phys - page;
    bool may_write = allowed(m, w, (acc & RT_ACC_USER) | RT_ACC_WRITE);
    e->write = may_write && w->dirty && !is_code(m, phys) ? page : X86_TLB_INVALID;
    m->mmu.global[user][i] = w->global;
}

void rt_mmu_set_cpl(RtMachine *m)
{
    X86State *s = &m->cpu->state;
    s->mmu_tlb = (uint64_t)(uintptr_t)m->mmu.tlb[rt_machine_cpl(m) == 3];
}

/* ---------------------------------------------------------------- faults */

/* #PF with CR2 = la, or #GP(0) for a non-canonical address, from a helper. */
static void raise_fault(RtMachine *m, int r, uint64_t la, uint32_t err)
{
    if (r == RT_MMU_GP) {
        rt_machine_raise(m, 13, true, 0);
        return;
    }
    m->cpu->state.cr2 = la;
    rt_machine_raise(m, 14, true, err);
}

/* ---------------------------------------------------------------- the slow path */

static unsigned acc_of(const RtMachine *m, bool write)
{
    return (write ? RT_ACC_WRITE : RT_ACC_READ) | (rt_machine_cpl(m) == 3 ? RT_ACC_USER : 0);
}

static uint64_t bounce_pa(const RtMachine *m, unsigned slot)
{
    return m->ram_size + (uint64_t)slot * BOUNCE_SLOT;
}

/* Device memory, bytes [pa, pa + n) of one bounce piece: device registers are accessed at
 * their natural sizes (an odd split goes bytewise), with the board's clock at the access's
 * virtual time (icount is exact: the instruction runs alone) and, afterwards, an interrupt
 * that became deliverable ending the run of blocks (machine_run.c). Addresses no device
 * claims read all ones and ignore writes (dev_bus.h), as on a PC. */
static void device_io(RtMachine *m, uint64_t pa, uint8_t *buf, uint32_t n, bool store)
{
    rt_machine_sync_devices(m);
    for (uint32_t done = 0; done < n;) {
        unsigned k = n - done >= 8 && !((pa + done) & 7) ? 8 : n - done >= 4 && !((pa + done) & 3)
                   ? 4 : n - done >= 2 && !((pa + done) & 1) ? 2 : 1;
        if (store) {
            uint64_t v = 0;
            memcpy(&v, buf + done, k);
            dev_bus_mmio_write(&m->board.bus, pa + done, k, v);
        } else {
            uint64_t v = dev_bus_mmio_read(&m->board.bus, pa + done, k);
            memcpy(buf + done, &v, k);
        }
        done += k;
    }
    rt_machine_after_device(m);
}

/* Copy the bounce piece's bytes from (or to) RAM or device memory. A device piece may begin
 * in RAM (an access across RAM's end): that part goes to RAM. */
static void piece_io(RtMachine *m, uint64_t pa, uint8_t *buf, uint32_t n, bool mmio, bool store)
{
    uint32_t in = !mmio ? n : pa < m->ram_size ? (uint32_t)(m->ram_size - pa) : 0;
    if (in) {
        if (store) {
            note_store(m, pa, in);
            memcpy(m->ram + pa, buf, in);
        } else {
            memcpy(buf, m->ram + pa, in);
        }
    }
    if (in < n)
        device_io(m, pa + in, buf + in, n - in, store);
}

uint64_t rt_mmu_xlate(void *state, uint64_t la, uint64_t kind, uint64_t unused)
{
    (void)unused;
    RtMachine *m = machine_of(state);
    unsigned size = (unsigned)(kind & FE_MMU_SIZE_MASK);
    bool write = (kind & FE_MMU_WRITE) != 0;
    unsigned acc = acc_of(m, write);
    uint64_t first = size ? PAGE - (la & (PAGE - 1)) : 0;
    if (first > size)
        first = size;
    Walk w1, w2;
    uint32_t err = 0;
    int r = translate(m, la, acc, &w1, &err);
    if (r != RT_MMU_OK) {
        raise_fault(m, r, la, err);
        return FE_MMU_FAULT;
    }
    tlb_fill(m, la, acc, &w1);
    uint64_t pa = w1.phys, pa2 = 0;
    bool cross = first < size;
    if (cross) {
        uint64_t la2 = la + first;
        r = translate(m, la2, acc, &w2, &err);
        if (r != RT_MMU_OK) {
            raise_fault(m, r, la2, err);
            return FE_MMU_FAULT;
        }
        tlb_fill(m, la2, acc, &w2);
        pa2 = w2.phys;
    }
    bool ram1 = in_ram(m, pa, first), ram2 = !cross || in_ram(m, pa2, size - first);
    if (ram1 && ram2 && (!cross || pa2 == pa + first)) {
        if (write)
            note_store(m, pa, size);
        return pa;
    }
    /* Through a bounce buffer: pieces not contiguous, or device memory (anything past RAM
     * within the physical address space; unclaimed addresses read all ones). Only an address
     * beyond MAXPHYADDR, which the walkers' 52-bit frames can reach, stops the machine. */
    uint64_t bad = !ram1 && !phys_ok(pa, first) ? pa
                 : !ram2 && !phys_ok(pa2, size - first) ? pa2 : 0;
    if (bad) {
        char what[112];
        snprintf(what, sizeof what, "guest access at physical 0x%llx, beyond the %u-bit "
                 "physical address space", (unsigned long long)bad, RT_MMU_PHYS_BITS);
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, what);
    }
    unsigned slot = m->mmu.bounce_next++ % RT_MMU_BOUNCE_SLOTS;
    RtMmuBounce *b = &m->mmu.bounce[slot];
    *b = (RtMmuBounce){ { pa, pa2 }, { (uint32_t)first, (uint32_t)(size - first) },
                        { !ram1, !ram2 }, write };
    uint8_t *buf = m->ram + bounce_pa(m, slot);
    if (!write) {
        piece_io(m, pa, buf, b->len[0], b->mmio[0], false);
        if (b->len[1])
            piece_io(m, pa2, buf + b->len[0], b->len[1], b->mmio[1], false);
    }
    return bounce_pa(m, slot);
}

uint64_t rt_mmu_finish(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)a0; (void)a1; (void)a2;
    RtMachine *m = machine_of(state);
    for (unsigned slot = 0; slot < RT_MMU_BOUNCE_SLOTS; slot++) {
        RtMmuBounce *b = &m->mmu.bounce[slot];
        if (!b->store)
            continue;
        uint8_t *buf = m->ram + bounce_pa(m, slot);
        piece_io(m, b->phys[0], buf, b->len[0], b->mmio[0], true);
        if (b->len[1])
            piece_io(m, b->phys[1], buf + b->len[0], b->len[1], b->mmio[1], true);
        b->store = false;
    }
    return 0;
}

/* The slow-path block of the instruction at pc in the current mode (the same bytes decode
 * differently as 32-bit code): translated once, kept until code is dropped. */
static IrBlock *slow_block(RtMachine *m, uint64_t pc)
{
    RtProcess *p = m->p;
    unsigned i = (unsigned)(pc ^ (pc >> 12)) % RT_MMU_SLOW_SLOTS;
    if (m->mmu.slow[i].ir && m->mmu.slow[i].pc == pc && m->mmu.slow[i].mode == p->fe_opt.mode)
        return m->mmu.slow[i].ir;
    if (!m->mmu.slow[i].ir)
        m->mmu.slow[i].ir = ir_block_new(0);
    FeOptions fo = p->fe_opt;
    fo.mmu_slow = true;
    fo.single_step = true;
    fo.max_insns = 1;
    FeResult res;
    p->fetch_user_exec = true;
    fe_translate_block(m->mmu.slow[i].ir, pc, rt_fetch_code, p, &fo, &res);
    m->mmu.slow[i].pc = pc;
    m->mmu.slow[i].mode = p->fe_opt.mode;
    return m->mmu.slow[i].ir;
}

uint64_t rt_mmu_run_slow(RtMachine *m)
{
    RtThread *t = m->cpu;
    IrBlock *ir = slow_block(m, t->state.rip);
    /* The instruction runs now, whatever the runtime asked for: it may be in an interrupt
     * shadow (sti; mov [m], r), and the loop looks at interrupts right after it anyway. */
    t->state.icount_limit = UINT64_MAX;
    t->cur_block = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t->in_guest = RT_IN_INTERP;
    uint64_t w = ir_interp_run(ir, &t->state, &m->p->gi);
    t->in_guest = RT_IN_RUNTIME;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    m->p->stats.blocks_executed++;
    return w;
}

void rt_mmu_flush_code(RtMachine *m)
{
    rt_cache_flush(m->p);
    for (unsigned i = 0; i < RT_MMU_SLOW_SLOTS; i++)
        m->mmu.slow[i].pc = ~0ull;
    memset(m->mmu.code_pages, 0, (size_t)((m->ram_size / PAGE + 7) / 8));
    m->mmu.flush_code = false;
}

/* ---------------------------------------------------------------- the machine's accesses */

/* user: RT_ACC_USER for an explicit access at CPL 3, else 0 (supervisor). */
static int linear_copy(RtMachine *m, uint64_t la, uint8_t *buf, size_t n, bool write,
                       unsigned user, uint32_t *err)
{
    for (size_t done = 0; done < n;) {
        uint64_t at = la + done;
        size_t k = (size_t)(PAGE - (at & (PAGE - 1)));
        if (k > n - done)
            k = n - done;
        uint64_t pa;
        int r = rt_mmu_translate(m, at, (write ? RT_ACC_WRITE : RT_ACC_READ) | user, &pa, err);
        if (r != RT_MMU_OK) {
            if (r == RT_MMU_PF)
                m->cpu->state.cr2 = at;
            return r;
        }
        if (!in_ram(m, pa, k))
            rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "descriptor table or interrupt stack "
                            "outside RAM");
        if (write) {
            note_store(m, pa, k);
            memcpy(m->ram + pa, buf + done, k);
        } else {
            memcpy(buf + done, m->ram + pa, k);
        }
        done += k;
    }
    return RT_MMU_OK;
}

static int mmu_write(RtMachine *m, uint64_t la, const void *src, size_t n, unsigned user,
                     uint32_t *err)
{
    /* Check every page first: a frame is written whole or not at all. */
    for (uint64_t at = la; at < la + n; at = (at & PAGE_MASK) + PAGE) {
        uint64_t pa;
        int r = rt_mmu_translate(m, at, RT_ACC_WRITE | user, &pa, err);
        if (r != RT_MMU_OK) {
            if (r == RT_MMU_PF)
                m->cpu->state.cr2 = at;
            return r;
        }
    }
    return linear_copy(m, la, (uint8_t *)(uintptr_t)src, n, true, user, err);
}

int rt_mmu_read(RtMachine *m, uint64_t la, void *dst, size_t n, uint32_t *err)
{
    return linear_copy(m, la, dst, n, false, 0, err);
}

int rt_mmu_write(RtMachine *m, uint64_t la, const void *src, size_t n, uint32_t *err)
{
    return mmu_write(m, la, src, n, 0, err);
}

static unsigned cpl_acc(const RtMachine *m)
{
    return rt_machine_cpl(m) == 3 ? RT_ACC_USER : 0;
}

int rt_mmu_read_cpl(RtMachine *m, uint64_t la, void *dst, size_t n, uint32_t *err)
{
    return linear_copy(m, la, dst, n, false, cpl_acc(m), err);
}

int rt_mmu_write_cpl(RtMachine *m, uint64_t la, const void *src, size_t n, uint32_t *err)
{
    return mmu_write(m, la, src, n, cpl_acc(m), err);
}

/* ---------------------------------------------------------------- code fetch */

size_t rt_machine_fetch_code(RtMachine *m, uint64_t pc, uint8_t *buf, size_t n)
{
    unsigned acc = RT_ACC_EXEC | (rt_machine_cpl(m) == 3 ? RT_ACC_USER : 0);
    size_t got = 0;
    while (got < n) {
        uint64_t at = pc + got;
        size_t k = (size_t)(PAGE - (at & (PAGE - 1)));
        if (k > n - got)
            k = n - got;
        Walk w;
        uint32_t err;
        if (translate(m, at, acc, &w, &err) != RT_MMU_OK || !in_ram(m, w.phys, k))
            break;
        if (!allowed(m, &w, RT_ACC_EXEC | RT_ACC_USER))
            m->p->fetch_user_exec = false;
        mark_code(m, w.phys);
        memcpy(buf + got, m->ram + w.phys, k);
        got += k;
    }
    return got;
}

void rt_mmu_fetch_fault(RtMachine *m, uint64_t pc)
{
    unsigned acc = RT_ACC_EXEC | (rt_machine_cpl(m) == 3 ? RT_ACC_USER : 0);
    for (uint64_t at = pc; at < pc + 16; at = (at & PAGE_MASK) + PAGE) {
        Walk w;
        uint32_t err = 0;
        int r = translate(m, at, acc, &w, &err);
        if (r == RT_MMU_GP) {
            rt_machine_interrupt(m, 13, RT_INT_EXCEPTION, true, 0);
            return;
        }
        if (r == RT_MMU_PF) {
            m->cpu->state.cr2 = at;
            rt_machine_interrupt(m, 14, RT_INT_EXCEPTION, true, err);
            return;
        }
        if (!in_ram(m, w.phys, 1))
            rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "instruction fetch outside RAM");
    }
    rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "instruction fetch outside RAM");
}

/* ---------------------------------------------------------------- C helpers' accesses */

/* x86_host_ptr in system mode (x87 environment and FXSAVE images): the n bytes at linear g
 * must be readable and lie in one physically contiguous piece of RAM. A #PF (or #GP for a
 * non-canonical address) on the way is the guest's: the helpers ask before they change
 * anything, and fe_call_mem left the state exact at the instruction (helper_pc, icount), so
 * the block is left for the run loop (rt_machine_helper_fault), which delivers it. A split
 * into pages that are not physically contiguous stops the machine (not supported yet). */
static void *helper_ptr(X86State *s, uint64_t g, uint64_t n, bool write)
{
    RtMachine *m = machine_of(s);
    unsigned acc = acc_of(m, write);
    uint64_t pa0 = 0;
    for (uint64_t off = 0; off < n;) {
        uint64_t at = g + off, pa;
        uint32_t err = 0;
        int r = rt_mmu_translate(m, at, acc, &pa, &err);
        if (r != RT_MMU_OK && s->helper_pc) {
            raise_fault(m, r, at, err);
            rt_machine_helper_fault(m);
        }
        if (r != RT_MMU_OK || (off && pa != pa0 + off))
            rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "a page split (into pages that are "
                            "not physically contiguous) in the memory operand of an x87 "
                            "save/restore instruction: not supported yet");
        if (!off)
            pa0 = pa;
        off += PAGE - (at & (PAGE - 1));
    }
    if (!in_ram(m, pa0, n))
        rt_machine_stop(m, RT_MACHINE_EXIT_STOPPED, "guest access outside RAM");
    if (write)
        note_store(m, pa0, n);      /* fnsave, fxsave: code there is dropped */
    return m->ram + pa0;
}

/* ---------------------------------------------------------------- set-up */

void rt_mmu_init(RtMachine *m)
{
    if (!m->mmu.code_pages) {
        m->mmu.code_pages = calloc(1, (size_t)((m->ram_size / PAGE + 7) / 8));
        if (!m->mmu.code_pages)
            abort();
        for (unsigned i = 0; i < RT_MMU_SLOW_SLOTS; i++)
            m->mmu.slow[i].pc = ~0ull;
    }
    rt_mmu_flush_tlb(m, false);
    memset(m->mmu.bounce, 0, sizeof m->mmu.bounce);
    X86State *s = &m->cpu->state;
    s->host_ptr = helper_ptr;
    rt_mmu_set_cpl(m);
}
