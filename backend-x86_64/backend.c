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
#include <string.h>

#include "codegen.h"

static unsigned debug_flags;    /* X64_DBG_*; process-wide, see the header */

unsigned x64_backend_debug(void) { return debug_flags; }

void x64_backend_set_debug(unsigned flags) { debug_flags = flags; }

bool x64_host_has_popcnt(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt");
}

/* One attempt: blk as it is (loop NULL) or as a self-loop's rewritten form (loop.c). */
static int compile_as(const IrBlock *blk, CodeBuf *cb, const IrGuestInfo *gi,
                      BackendBlockInfo *info, X64Loop *loop)
{
    CgCtx c;
    memset(&c, 0, sizeof c);
    c.e.p = cb->p;
    c.blk = blk;
    c.gi = gi;
    c.info = info;
    c.code_start = cb->p;
    c.regalloc = !(debug_flags & X64_DBG_NO_REGALLOC);
    c.has_popcnt = !(debug_flags & X64_DBG_NO_POPCNT) && x64_host_has_popcnt();
    c.loop = loop;
    info->n_insns = 0;
    info->n_keeps = 0;
    int rc = x64_codegen_block(&c, cb);
    if (rc != BE_OK)
        return rc;
    info->code = codebuf_exec_addr(cb, cb->p);
    info->code_size = (uint32_t)(c.e.p - cb->p);
    info->data_offset = 0;          /* no constant data in blocks (ir/backend.h) */
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
