/* ir_internal.h — what the files of ir/ share with each other and with nobody else.
 *
 * Contract: nothing outside ir/ includes this header. It holds the raw block append that skips
 * folding and checks (used by the parser, which must accept invalid blocks so the verifier can
 * reject them, and by passes that rebuild blocks), the verifier's per-instruction rules (used
 * by the builder's debug checks too, so there is one set of rules), and small shared tables.
 */
#ifndef FERRY_IR_INTERNAL_H
#define FERRY_IR_INTERNAL_H

#include "ir/ir.h"

/* All-ones mask of the low `bits` bits (bits 0..64). */
static inline uint64_t ir_mask(unsigned bits)
{
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/* Append a copy of *in to blk as is (no folding, no checks); grows the array, aborting on
 * allocation failure. Returns the new instruction's ref. */
IrRef ir_block_push(IrBlock *blk, const IrInsn *in);

/* A work array of at least `bytes` bytes, kept in the block for the next call (contents
 * undefined). Each pass uses its own slots so that buffers stay sized for their users:
 * IR_WORK_MAP (refs, old -> new), IR_WORK_A and IR_WORK_B (any), IR_WORK_C (any). */
enum { IR_WORK_MAP, IR_WORK_A, IR_WORK_B, IR_WORK_C, IR_WORK_COUNT };
void *ir_block_work(IrBlock *blk, unsigned slot, size_t bytes);

/* The block's spare instruction array, with room for at least `cap` instructions; the caller
 * fills it and swaps it in with ir_block_swap_alt. */
IrInsn *ir_block_alt(IrBlock *blk, uint32_t cap);
/* Make the spare array (holding n instructions, capacity cap) the block's array; the old one
 * becomes the spare. */
void ir_block_swap_alt(IrBlock *blk, IrInsn *insn, uint32_t n, uint32_t cap);

/* The verifier's rules for one instruction `in` standing at position r of blk (its args must
 * name valid, non-VOID instructions before r). Does not check where EXIT stands: that is a
 * block-level rule. Returns true if valid, else writes a one-line message to err. */
bool ir_check_insn(const IrBlock *blk, IrRef r, const IrInsn *in, char *err, size_t errlen);

/* True if w is a well-formed exit word: a known kind, signal and code only on TRAP, and
 * nothing above bit 31 (the exit index is added by whoever leaves the block). */
bool ir_exit_word_valid(int64_t w);

/* "eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"; NULL when out of range. */
const char *ir_fcond_name(unsigned c);

/* The lane widths a V128 lane op accepts: 8, 16, 32, 64. */
static inline bool ir_lane_valid(int64_t lane)
{
    return lane == 8 || lane == 16 || lane == 32 || lane == 64;
}

#endif /* FERRY_IR_INTERNAL_H */
