/* backend.c — the exported aarch64 Backend table, compile(), and the backend's process state
 * (debug options).
 *
 * Contract (ir/backend.h): compile() emits one verified block at cb->p. On success it advances
 * cb->p and fills *info (executable entry, size, host instruction count, exits by index, the
 * host pc -> guest instruction map); on failure it returns a BackendError and leaves cb->p
 * where it was (bytes past cb->p may have been written; they are not part of any block). The red zone is checked once per IR op.
 * The caller makes new code visible to instruction fetch (the runtime's rt_cache_sync).
 *
 * Process state: the debug options that tests set to reach code paths the backend would not
 * choose. They are plain reads during compile; set them before compiling, from one thread.
 */
#include <string.h>

#include "codegen.h"

static unsigned debug_flags;    /* A64_DBG_*; process-wide, see the header */

unsigned a64_backend_debug(void) { return debug_flags; }

void a64_backend_set_debug(unsigned flags) { debug_flags = flags; }

static int a64_compile(const IrBlock *blk, CodeBuf *cb, const IrGuestInfo *gi,
                       BackendBlockInfo *info)
{
    if (gi->pc_offset > INT32_MAX - 8 ||
        (gi->guest_limit && !gi->guest_base && !gi->limit_probe))
        return BE_ERR_UNSUPPORTED;      /* a limit is checked with its probe (codegen.c) */
    if (cb->p > cb->end - CODEBUF_RED_ZONE || ((uintptr_t)cb->p & 3) != 0)
        return BE_ERR_FULL;
    if (!cb->exit_routine)          /* the exits' way out: emit_trampoline writes it */
        return BE_ERR_UNSUPPORTED;
    CgCtx c;
    memset(&c, 0, sizeof c);
    c.e.p = cb->p;
    c.blk = blk;
    c.gi = gi;
    c.info = info;
    c.code_start = cb->p;
    c.exit_routine = cb->exit_routine;
    c.regalloc = !(debug_flags & A64_DBG_NO_REGALLOC);
    info->n_insns = 0;
    info->n_keeps = 0;
    info->data_offset = 0;
    info->n_data = 0;
    int rc = a64_codegen_block(&c, cb);
    if (rc != BE_OK)
        return rc;
    info->code = codebuf_exec_addr(cb, cb->p);
    info->code_size = (uint32_t)(c.e.p - cb->p);
    info->host_insns = c.e.n_insns;
    info->n_exits = c.exit_index;
    cb->p = c.e.p;
    return BE_OK;
}

const Backend backend_aarch64 = {
    .name = "aarch64",
    .emit_trampoline = a64_emit_trampoline,
    .compile = a64_compile,
    .patch_exit = a64_patch_exit,
    .pinned = a64_pinned,
};
