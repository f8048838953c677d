/* backend_suite.h — the backend-vs-interpreter unit tests that do not depend on the host:
 * one suite for every backend (tests/common/backend_suite.c).
 *
 * A host's test program (tests/unit/test_backend_<host>.c) describes its backend in a BeHost,
 * calls be_setup from its cmocka group setup and be_teardown from its teardown, and lists the
 * be_test_* functions next to its own host-specific tests (encoders against Capstone, golden
 * instruction counts). Those may build blocks and run them against the interpreter with
 * be_compile_in and be_run_compare, on the fixture below: a fake guest state of STATE_SIZE
 * bytes with the guest pc at PC_OFF, and MEM_SIZE bytes of guest memory, reached with a guest
 * base (based = 1) or by absolute address (based = 0).
 */
#ifndef FERRY_TESTS_BACKEND_SUITE_H
#define FERRY_TESTS_BACKEND_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/backend.h"
#include "ir/ir.h"

typedef struct BeHost {
    const Backend *be;
    int cs_arch, cs_mode;               /* Capstone's arch and mode for the host code */
    void (*set_debug)(unsigned flags);  /* the backend's debug options (tests only) */
    unsigned (*get_debug)(void);
    unsigned no_regalloc;               /* the debug flag that puts every value in a slot */
    unsigned frame_slots;               /* spill slots: more live values fail with TOO_BIG */
    /* Whether the bytes at `site` are a direct exit's patch site before any patch. */
    bool (*is_patch_site)(const uint8_t *site);
} BeHost;

#define STATE_SIZE 512
#define PC_OFF 0x100            /* guest pc in the fake state */
#define BE_GPR_OFF 0x00         /* IrGuestInfo's GPRs: BE_N_GPRS 8-byte fields from here */
#define BE_N_GPRS 8
#define OFF_A 0x00              /* operand fields of the one-op blocks (32 bytes each) */
#define OFF_B 0x20
#define OFF_C 0x40
#define OFF_OUT 0x60
#define MEM_SIZE 4096

extern const uint8_t zero_mem[MEM_SIZE];
extern unsigned long be_n_compared;     /* block runs compared with the interpreter */

/* The code cache (dual-mapped), the two trampolines, Capstone. 0 on success. */
int be_setup(const BeHost *host);
int be_teardown(void);
/* Verify and compile blk (failing the test on any error), check its disassembly; returns its
 * executable address. */
const uint8_t *be_compile_in(const IrBlock *blk, int based, BackendBlockInfo *info);
/* IrGuestInfo.tso of the blocks be_compile_in compiles (and the interpreter runs) from now on
 * (off at setup). */
void be_set_tso(bool on);
/* The same with another guest description (from be_guest_info, changed). */
const uint8_t *be_compile_gi(const IrBlock *blk, const IrGuestInfo *gi, BackendBlockInfo *info);
/* The fixture's guest description, with a guest base (based = 1) or without. */
IrGuestInfo be_guest_info(int based);
/* Run compiled code once through the fixture's trampoline; its exit word. */
uint64_t be_enter(int based, void *state, const uint8_t *code);
/* Run blk through the interpreter and `code` from the same state0/mem0; fail on any
 * difference in exit word, state or memory. */
void be_run_compare(const IrBlock *blk, const uint8_t *code, int based,
                    const uint8_t *state0, const uint8_t *mem0);
/* Make code written through the writable view at exec (executable address) visible to
 * instruction fetch, for hosts and emulators that need it. */
void be_sync_code(uint8_t *exec, size_t n);

/* The guest memory (MEM_SIZE bytes): the guest base of based blocks, reached by absolute
 * address in the others. */
uint8_t *be_guest_mem(void);
/* The one-op block of the op tests: r = op(args), argument i a GET of type at[i] from OFF_A,
 * OFF_B, OFF_C, r PUT at OFF_OUT, then an exit. */
IrBlock *be_build_op(IrOp op, IrType t, unsigned nargs, const IrType at[3]);
/* Run such a block, compiled as `code`, on every combination of the edge-case values of its
 * argument types, each run compared with the interpreter. */
void be_run_op_edges(const IrBlock *blk, const uint8_t *code, int based, IrOp op, IrType t,
                     unsigned nargs, const IrType at[3]);

/* The suite, as cmocka tests. */
void be_test_int_binary(void **st);
void be_test_int_unary(void **st);
void be_test_widths(void **st);
void be_test_cmp_select(void **st);
void be_test_fused_compare(void **st);
void be_test_fused_fcompare(void **st);
void be_test_vector(void **st);
void be_test_float(void **st);
void be_test_memory(void **st);
void be_test_pressure(void **st);
void be_test_call(void **st);
void be_test_exits(void **st);
void be_test_chaining(void **st);
void be_test_indirect_jump_cache(void **st);
void be_test_interrupt_check(void **st);
void be_test_errors(void **st);
void be_test_random_blocks(void **st);
void be_test_keeps(void **st);          /* faults, side exits and ends with KEEPs */
void be_test_self_loops(void **st);     /* blocks that jump to their own start */
void be_test_op_coverage(void **st);    /* list it last: every op was compiled */

#endif /* FERRY_TESTS_BACKEND_SUITE_H */
