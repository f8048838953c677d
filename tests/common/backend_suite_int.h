/* backend_suite_int.h — what the files of the backend suite share among themselves (not part
 * of the suite's contract with the host test programs: that is backend_suite.h).
 *
 *   backend_suite.c         the fixture: code cache, trampolines, compile and compare, golden
 *                           code helpers, op coverage;
 *   backend_suite_ops.c     every op on edge-case values (one-op blocks), fused compares;
 *   backend_suite_blocks.c  memory, register pressure, calls, exits, chaining, the jump-cache
 *                           probe, interrupt checks, errors;
 *   backend_suite_gen.c     the random block generator and the random-block test;
 *   backend_suite_faults.c  faults and KEEPs, self-loops (random blocks run into a bad page).
 */
#ifndef FERRY_TESTS_BACKEND_SUITE_INT_H
#define FERRY_TESTS_BACKEND_SUITE_INT_H

#include "tests/common/backend_suite.h"

extern const BeHost *be_host;           /* the host under test (be_setup) */
extern const IrType be_int_types[4];    /* I8, I16, I32, I64 */

/* The suite's random numbers (xorshift64*): one sequence, reseeded by the tests that need to
 * build the same block again. */
uint64_t be_rnd(void);
void be_seed(uint64_t seed);
/* The number of random blocks a test runs: FERRY_BE_FUZZ_N if set, else dflt. */
unsigned be_fuzz_n(unsigned dflt);
/* Random bytes in a whole state (STATE_SIZE) and guest memory (MEM_SIZE). */
void be_random_fill(uint8_t *state, uint8_t *mem);
static inline unsigned be_rn(unsigned n) { return (unsigned)(be_rnd() % n); }

/* The code cache the fixture compiles into (its writable view). */
CodeBuf *be_code_buf(void);
/* The block decodes linearly to its last byte in exactly info->host_insns instructions. */
void be_check_disassembly(const uint8_t *code, const BackendBlockInfo *info);
/* Fail the test, printing blk, if the verifier rejects it. */
void be_verify_or_die(const IrBlock *blk);
/* The guest pc in a fixture state. */
uint64_t be_state_pc(const uint8_t *state);
/* Print every byte where x (interpreter) and y (compiled code) differ. */
void be_dump_diff(const char *what, const uint8_t *x, const uint8_t *y, size_t n);

/* The helper the call tests and random blocks call: reads and writes the state, checks the
 * stack alignment (backend_suite_blocks.c). */
uint64_t be_helper_mix(void *state, uint64_t a0, uint64_t a1, uint64_t a2);

/* ---------------------------------------------------------------- random blocks */

typedef struct Gen {
    IrBuilder b;
    int based;
    bool fields;            /* PUTs to a few overlapping fields (be_test_keeps), not anywhere */
    IrRef pool[IR_TYPE_COUNT][48];
    unsigned npool[IR_TYPE_COUNT];
    unsigned exits;
} Gen;

/* be_test_keeps' FKEEP fields: four I64 fields that, like the frontend's flag fields, are
 * only ever written whole (PUT or FKEEP), all four PUT before every CALL, and never read by
 * a GET. */
#define FK_OFF 0x1c0
#define FK_N 4

/* Seed the random numbers, start building blk with an empty pool (fields: PUTs only to the
 * overlapping fields be_test_keeps uses). */
void gen_begin(Gen *g, uint64_t seed, int based, bool fields, IrBlock *blk);
/* Add v (of type t) to the values later instructions pick from. */
void gen_pool_add(Gen *g, IrType t, IrRef v);
/* A value of type t: one of the pool's, or a new GET or CONST. */
IrRef gen_pick(Gen *g, IrType t);
/* PUT all FKEEP fields, as the frontend flushes the flags before a helper. */
void gen_fk_flush(Gen *g);
/* A guest address inside the guest memory with room for `size` bytes. */
IrRef gen_addr(Gen *g, unsigned size);
/* One random instruction (or none). */
void gen_insn(Gen *g);

#endif /* FERRY_TESTS_BACKEND_SUITE_INT_H */
