/* fe_lock.c — atomic read-modify-write instructions: LOCK-prefixed ones and xchg with a memory
 * operand (always locked on x86).
 *
 * One mechanism serves every locked instruction, whatever its operation: the translation is
 * the plain one (load the operand, compute, store), except that the store becomes a
 * compare-and-swap of the value loaded with the value computed, in a C helper, and a failed
 * swap leaves the block at the instruction itself, which runs again from the start:
 *
 *     old = LOAD addr               (fe_load: the first load of a locked instruction)
 *     new = ... old ...             (the family's own IR: add, xadd, bts, cmpxchg, neg, ...)
 *     ok  = CALL lock_casN(addr, old, new)        (fe_store: the locked store)
 *     [store the flags the instruction started with, if only described by fix-ups]
 *     EXIT_IF ok == 0 -> this instruction's pc    (retry: nothing of it is visible yet)
 *     PUTs of the instruction (registers, lazy flags)
 *
 * It is correct because every family stores memory before writing registers (a faulting store
 * must leave them untouched: the precise-fault rule of ir.h), so when the swap fails nothing
 * of the instruction has happened; and because the swap succeeds only if memory still held
 * `old`, the whole read-compute-write is atomic with respect to every other thread (a value
 * changed and changed back in between, ABA, is indistinguishable from no change for these
 * instructions: their result depends only on the value). cmpxchg stores in both of its cases
 * (the old value on a mismatch), so its failure case is an atomic read as on hardware. The
 * retry exit is a direct jump to the instruction's pc, so it chains like any other exit.
 *
 * cmpxchg16b is the one locked instruction with two loads and two stores: it is a single
 * helper doing a 16-byte compare-and-swap (fe_lock_cmpxchg16b).
 *
 * Memory order: the helpers use sequentially consistent atomics, which on x86 hosts are LOCK
 * instructions (full barriers, as the guest's). On other hosts a full fence follows as well,
 * so a guest LOCK orders the plain accesses around it; plain guest loads and stores are the
 * backend's (on aarch64 they are not TSO yet: README).
 *
 * Faults: the load faults first and precisely for an unmapped operand; a swap that faults
 * (a read-only page) faults inside the helper, precisely too: the state is exact at the call
 * and X86State.helper_pc names the instruction (fe_call_mem, runtime/fault.c). An operand
 * that crosses a cache line is atomic on x86 hosts (a split lock) but may raise SIGBUS on
 * hosts whose exclusive accesses need alignment.
 */
#include <string.h>

#include "frontend-x86/fe_internal.h"

__extension__ typedef unsigned __int128 u128;

/* mem_base + addr (in system mode a physical address: the IR translated it), or in user
 * mode the sentinel for an operand at or above the guest limit (x86_limit_fault: the fault
 * is then the guest's, at that address). */
static void *host_addr(void *state, uint64_t addr, uint64_t n)
{
    void *f = x86_limit_fault((X86State *)state, addr, n);
    return f ? f : (void *)(uintptr_t)(addr + ((X86State *)state)->mem_base);
}

static void after_rmw(void)
{
#if !defined(__x86_64__) && !defined(__i386__)
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* a LOCK is a full barrier */
#endif
}

#define LOCK_CAS(NAME, T)                                                                   \
    static uint64_t NAME(void *state, uint64_t addr, uint64_t expect, uint64_t desired)     \
    {                                                                                       \
        T e = (T)expect;                                                                    \
        bool ok = __atomic_compare_exchange_n((T *)host_addr(state, addr, sizeof(T)), &e, (T)desired,  \
                                              false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);   \
        after_rmw();                                                                        \
        return ok;                                                                          \
    }
LOCK_CAS(x86_lock_cas1, uint8_t)
LOCK_CAS(x86_lock_cas2, uint16_t)
LOCK_CAS(x86_lock_cas4, uint32_t)
LOCK_CAS(x86_lock_cas8, uint64_t)

/* cmpxchg16b: RDX:RAX against the 16 bytes at addr (16-byte aligned: the caller checked);
 * equal: store RCX:RBX; else RDX:RAX = memory. Returns ZF. */
#if defined(__x86_64__)
__attribute__((target("cx16")))
#endif
static uint64_t x86_lock_cmpxchg16b(void *state, uint64_t addr, uint64_t unused1,
                                    uint64_t unused2)
{
    (void)unused1;
    (void)unused2;
    X86State *s = state;
    u128 expect = (u128)s->gpr[X86_RDX] << 64 | s->gpr[X86_RAX];
    u128 desired = (u128)s->gpr[X86_RCX] << 64 | s->gpr[X86_RBX];
    u128 old = __sync_val_compare_and_swap((u128 *)host_addr(state, addr, 16), expect, desired);
    after_rmw();
    if (old == expect)
        return 1;
    s->gpr[X86_RAX] = (uint64_t)old;
    s->gpr[X86_RDX] = (uint64_t)(old >> 64);
    return 0;
}

/* ---------------------------------------------------------------- translation */

void fe_lock_begin(FeCtx *c, bool locked)
{
    c->lock = locked;
    c->lock_addr = IR_NONE;
    c->lock_old = IR_NONE;
}

bool fe_lock_load(FeCtx *c, IrRef addr, IrRef v)
{
    if (!c->lock || c->lock_addr)
        return false;
    c->lock_addr = addr;
    c->lock_old = v;
    return true;
}

static IrRef zx64(FeCtx *c, IrRef v)
{
    return ir_value_type(c->b.blk, v) == IR_I64 ? v : ir_op1(&c->b, IR_ZEXT, IR_I64, v);
}

bool fe_lock_store(FeCtx *c, IrRef addr, IrRef v)
{
    if (!c->lock || !c->lock_addr)
        return false;
    static const IrHelperFn cas[9] = {
        [1] = x86_lock_cas1, [2] = x86_lock_cas2, [4] = x86_lock_cas4, [8] = x86_lock_cas8,
    };
    unsigned size = ir_type_size(ir_value_type(c->b.blk, v));
    /* The flags the instruction started with are in the state before the swap (not only
     * before the retry exit), and helper_pc is set around it: a swap that faults (a read-only
     * page) is a precise fault at the instruction. */
    fe_flags_store_start(c);
    ir_put(&c->b, X86_OFF_HELPER_PC, ir_const(&c->b, IR_I64, c->pc));
    IrRef ok = ir_call(&c->b, IR_I64, cas[size], addr, zx64(c, c->lock_old), zx64(c, v));
    ir_put(&c->b, X86_OFF_HELPER_PC, ir_const(&c->b, IR_I64, 0));
    IrRef fail = ir_cmp(&c->b, IR_EQ, ok, ir_const(&c->b, IR_I64, 0));
    ir_exit_if(&c->b, fail, c->pc, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    c->lock = false;            /* one locked access per instruction */
    return true;
}

IrRef fe_lock_cmpxchg16b(FeCtx *c, IrRef addr)
{
    return fe_call_mem(c, x86_lock_cmpxchg16b, addr, IR_NONE, IR_NONE);
}

void fe_register_helpers_lock(void)
{
    ir_helper_register(x86_lock_cas1, "lock_cas1");
    ir_helper_register(x86_lock_cas2, "lock_cas2");
    ir_helper_register(x86_lock_cas4, "lock_cas4");
    ir_helper_register(x86_lock_cas8, "lock_cas8");
    /* the swaps return the old value: no register of the state changes (ir_sp_window) */
    ir_helper_keeps_gprs(x86_lock_cas1);
    ir_helper_keeps_gprs(x86_lock_cas2);
    ir_helper_keeps_gprs(x86_lock_cas4);
    ir_helper_keeps_gprs(x86_lock_cas8);
    ir_helper_register(x86_lock_cmpxchg16b, "lock_cmpxchg16b");
}
