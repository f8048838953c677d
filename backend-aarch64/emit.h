/* emit.h — the word writer under the aarch64 instruction encoders.
 *
 * A64Emit is the write cursor over a CodeBuf plus the count of host instructions emitted (for
 * -d stats). Every A64 instruction is one 32-bit little-endian word, so the count is also the
 * code size / 4. The writer never checks for room: codegen checks the cursor against the
 * CodeBuf's red zone once per IR instruction (CODEBUF_RED_ZONE bytes is more than any one IR op
 * emits), and the trampoline checks its own size up front.
 */
#ifndef FERRY_A64_EMIT_H
#define FERRY_A64_EMIT_H

#include <stdint.h>
#include <string.h>
#include "ir/backend.h"

typedef struct A64Emit {
    uint8_t *p;             /* next byte to write (writable view), 4-byte aligned */
    uint32_t n_insns;       /* host instructions emitted so far */
    uint8_t *pair;          /* an 8-byte LDR/STR [rn, #imm] that the next access of the slot
                               next to it may join into one LDP/STP (a64_ldst_x_pair), while
                               it is the last word written; NULL once the current position
                               may be reached other than from that word (a64_bind,
                               a64_pair_end) */
} A64Emit;

/* The current position is a branch target or a recorded boundary: no access emitted from here
 * on may join the word before it. */
static inline void a64_pair_end(A64Emit *e) { e->pair = NULL; }

/* Write one instruction word. */
static inline void a64_w(A64Emit *e, uint32_t insn)
{
    memcpy(e->p, &insn, 4);     /* A64 code is little-endian, like the hosts ferry runs on */
    e->p += 4;
    e->n_insns++;
}

/* Read / rewrite the instruction word at p (branch fixups). */
static inline uint32_t a64_word_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void a64_word_set(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

#endif /* FERRY_A64_EMIT_H */
