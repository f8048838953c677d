/* emit.h — the byte writers under the x86_64 instruction encoders.
 *
 * X64Emit is the write cursor over a CodeBuf plus the count of host instructions emitted (for
 * -d stats). The writers never check for room: codegen checks the cursor against the CodeBuf's
 * red zone once per IR instruction (CODEBUF_RED_ZONE bytes is more than any one IR op emits),
 * and the trampoline checks its own size up front. Each encoder in insn.h counts one
 * instruction through x64_insn().
 */
#ifndef FERRY_X64_EMIT_H
#define FERRY_X64_EMIT_H

#include <stdint.h>
#include <string.h>
#include "ir/backend.h"

typedef struct X64Emit {
    uint8_t *p;             /* next byte to write (writable view) */
    uint32_t n_insns;       /* host instructions emitted so far */
} X64Emit;

static inline void emit_u8(X64Emit *e, uint8_t v) { *e->p++ = v; }

static inline void emit_u16(X64Emit *e, uint16_t v)
{
    memcpy(e->p, &v, 2);    /* the host is little-endian x86_64, like the encoding */
    e->p += 2;
}

static inline void emit_u32(X64Emit *e, uint32_t v)
{
    memcpy(e->p, &v, 4);
    e->p += 4;
}

static inline void emit_u64(X64Emit *e, uint64_t v)
{
    memcpy(e->p, &v, 8);
    e->p += 8;
}

/* Count one host instruction. */
static inline void x64_insn(X64Emit *e) { e->n_insns++; }

/* Whether a branch displacement fits a rel32 field. */
static inline int emit_rel32_fits(int64_t rel) { return rel >= INT32_MIN && rel <= INT32_MAX; }

#endif /* FERRY_X64_EMIT_H */
