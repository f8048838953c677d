/* backend.c — the exported x86_64 Backend table, compile(), and the backend's process state
 * (host CPU features, debug options).
 *
 * Contract (ir/backend.h): compile() emits one verified block at cb->p. On success it advances
 * cb->p and fills *info (executable entry, size, host instruction count, exits by index, the host pc -> guest
 * instruction map with its keeps); on
 * failure it returns a BackendError and leaves cb->p where it was (bytes past cb->p may have
 * been written; they are not part of any block). The red zone is checked once per IR op.
 *
 * Process state: the POPCNT feature bit (read from the CPU, constant for the process) and the
 * debug options that tests set to reach code paths the host would not choose. Both are plain
 * reads during compile; set the options before compiling, from one thread.
 */
#include <stddef.h>
#include <string.h>

#include <cpuid.h>

#include "codegen.h"

static unsigned debug_flags;    /* X64_DBG_*; process-wide, see the header */

unsigned x64_backend_debug(void) { return debug_flags; }

void x64_backend_set_debug(unsigned flags) { debug_flags = flags; }

/* Host CPU features, read once per process: under a hypervisor CPUID is a VM exit (6-8 us
 * on this KVM guest, measured), and reading it for every compile was about a third of
 * translation time. Bits: HOST_KNOWN once read, then one bit per feature. Threads that race
 * to read it store the same value. */
enum { HOST_KNOWN = 1, HOST_POPCNT = 2, HOST_SSSE3 = 4, HOST_LAHF = 8 };
static unsigned host_features;

static unsigned host_feature_bits(void)
{
    unsigned f = __atomic_load_n(&host_features, __ATOMIC_RELAXED);
    if (f & HOST_KNOWN)
        return f;
    f = HOST_KNOWN;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt"))
        f |= HOST_POPCNT;
    if (__builtin_cpu_supports("ssse3"))
        f |= HOST_SSSE3;
    /* CPUID 8000_0001h ECX bit 0: LAHF/SAHF in 64-bit mode (missing on the first x86-64 CPUs) */
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & 1))
        f |= HOST_LAHF;
    __atomic_store_n(&host_features, f, __ATOMIC_RELAXED);
    return f;
}

bool x64_host_has_popcnt(void) { return host_feature_bits() & HOST_POPCNT; }

bool x64_host_has_ssse3(void) { return host_feature_bits() & HOST_SSSE3; }

bool x64_host_has_lahf(void) { return host_feature_bits() & HOST_LAHF; }

/* Zero the context except its three per-exit arrays (stubs, rets, mem_stubs: 15 KiB, read
 * only up to their counts). Clearing the whole struct was a fifth of translation time by
 * callgrind's count (twice per block with the loop attempt). Every field outside the arrays
 * is zeroed, wherever it sits. */
static void cg_clear(CgCtx *c)
{
    char *base = (char *)c;
    memset(base, 0, offsetof(CgCtx, stubs));
    memset(base + offsetof(CgCtx, stubs) + sizeof c->stubs, 0,
           offsetof(CgCtx, rets) - offsetof(CgCtx, stubs) - sizeof c->stubs);
    memset(base + offsetof(CgCtx, rets) + sizeof c->rets, 0,
           offsetof(CgCtx, mem_stubs) - offsetof(CgCtx, rets) - sizeof c->rets);
    memset(base + offsetof(CgCtx, mem_stubs) + sizeof c->mem_stubs, 0,
           sizeof *c - offsetof(CgCtx, mem_stubs) - sizeof c->mem_stubs);
}
_Static_assert(offsetof(CgCtx, stubs) < offsetof(CgCtx, rets) &&
               offsetof(CgCtx, rets) < offsetof(CgCtx, mem_stubs),
               "cg_clear skips the arrays in this order");

/* One attempt: blk as it is (loop NULL) or as a self-loop's rewritten form (loop.c). */
static int compile_as(const IrBlock *blk, CodeBuf *cb, const IrGuestInfo *gi,
                      BackendBlockInfo *info, X64Loop *loop)
{
    CgCtx c;
    cg_clear(&c);
    c.e.p = cb->p;
    c.blk = blk;
    c.gi = gi;
    c.info = info;
    c.code_start = cb->p;
    c.regalloc = !(debug_flags & X64_DBG_NO_REGALLOC);
    c.has_popcnt = !(debug_flags & X64_DBG_NO_POPCNT) && x64_host_has_popcnt();
    c.has_ssse3 = !(debug_flags & X64_DBG_NO_SSSE3) && x64_host_has_ssse3();
    c.has_lahf = !(debug_flags & X64_DBG_NO_LAHF) && x64_host_has_lahf();
    c.loop = loop;
    info->n_insns = 0;
    info->n_keeps = 0;
    info->n_data = 0;
    c.exit_routine = cb->exit_routine;
    if (!c.exit_routine)            /* the exits' way out: emit_trampoline writes it */
        return BE_ERR_UNSUPPORTED;
    int rc = x64_codegen_block(&c, cb);
    if (rc != BE_OK)
        return rc;
    info->code = codebuf_exec_addr(cb, cb->p);
    info->code_size = (uint32_t)(c.e.p - cb->p);
    info->data_offset = 0;          /* no constant pool (ir/backend.h); exits' data: n_data */
    info->host_insns = c.e.n_insns;
    info->n_exits = c.exit_index;
    cb->p = c.e.p;
    return BE_OK;
}

static int x64_compile(const IrBlock *blk, CodeBuf *cb, const IrGuestInfo *gi,
                       BackendBlockInfo *info)
{
    if (gi->pc_offset > INT32_MAX - 8)
        return BE_ERR_UNSUPPORTED;
    if (cb->p > cb->end - CODEBUF_RED_ZONE)
        return BE_ERR_FULL;
    if (!(debug_flags & (X64_DBG_NO_REGALLOC | X64_DBG_NO_LOOPS))) {
        X64Loop loop;
        IrBlock *nb = x64_loop_build(blk, gi, &loop);
        if (nb) {
            int rc = compile_as(nb, cb, gi, info, &loop);
            x64_loop_free(nb);
            if (rc != BE_ERR_TOO_BIG)   /* a map or register too many: as a plain block */
                return rc;
        }
    }
    return compile_as(blk, cb, gi, info, NULL);
}

const Backend backend_x86_64 = {
    .name = "x86_64",
    .emit_trampoline = x64_emit_trampoline,
    .compile = x64_compile,
    .patch_exit = x64_patch_exit,
    .pinned = x64_pinned,
};
