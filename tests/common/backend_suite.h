/* backend_suite.h — the backend-vs-interpreter unit tests that do not depend on the host:
 * one suite for every backend (tests/common/backend_suite*.c, backend_suite_int.h).
 *
 * A host's test program (tests/unit/test_backend_<host>.c) describes its backend in a BeHost,
 * calls be_setup from its cmocka group setup and be_teardown from its teardown, and lists
 * BE_SUITE_TESTS after its own host-specific tests (encoders against Capstone, golden code).
 * Those may build blocks and run them against the interpreter with be_compile_in and
 * be_run_compare, on the fixture below: a fake guest state of STATE_SIZE
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
    /* Whether the bytes at `site` (in cb) are a direct exit's patch site before any patch. */
    bool (*is_patch_site)(const CodeBuf *cb, const uint8_t *site);
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
/* Every value in a spill slot (on) or register allocation as usual (off). */
void be_set_no_regalloc(bool on);
/* Run compiled code once through the fixture's trampoline; its exit word. */
uint64_t be_enter(int based, void *state, const uint8_t *code);
/* A trampoline for another guest description (a backend's may depend on it: aarch64 sets
 * up the guest limit's sentinel register), kept for the rest of the run. */
BackendEnterFn be_trampoline_gi(const IrGuestInfo *gi);
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

/* xorshift64* on *state: the suite's random numbers, and the hosts' own sequences. */
uint64_t be_xorshift(uint64_t *state);

/* Golden code (the exact host instructions of a block). The text of the compiled block,
 * one instruction per line as Capstone prints it, addresses from 0: */
void be_disasm_text(const BackendBlockInfo *info, char *out, size_t cap);
/* Compile blk with gi (NULL: be_guest_info(0)), fail unless its text is want; its code. */
const uint8_t *be_expect_code(const IrBlock *blk, const IrGuestInfo *gi, const char *want,
                              BackendBlockInfo *info);
/* Parse a block from the IR text form, failing the test on an error. */
IrBlock *be_parse(const char *text);
/* pop ; je ; pop (rsp at 0x20), as opt_run leaves it: the first rsp update is a KEEP, which
 * only the side exit (to side_exit_pc) and the second pop's fault map need. */
IrBlock *be_keep_block(uint64_t side_exit_pc);
/* The two blocks of the golden stack-window tests (ir.h, ir_sp_window), the pass run on them
 * with gi (a guest limit, sp_window on, rsp at 0x20), its counts checked: be_keep_block(0x3000),
 * whose pops through the entry rsp lose their checks and prove its exits' rsp; and
 * mov rsp, rdi ; jmp 0x2000, whose exit checks the unproven rsp. */
IrBlock *be_sp_window_pops(const IrGuestInfo *gi);
IrBlock *be_sp_window_unproven(const IrGuestInfo *gi);
/* Run it (compiled as code, no guest base) with the side exit not taken, then taken, each
 * compared with the interpreter. */
void be_run_keep_block(const IrBlock *blk, const uint8_t *code);
/* Its host pc map: one entry per guest instruction; the third's (the second pop's load) one
 * KEEP, rsp (8 bytes at 0x20) as host register reg plus 8. */
void be_check_keep_map(const BackendBlockInfo *info, unsigned reg);

/* In a fault handler, as runtime/fault.c's exact_state does: the registers the backend pins
 * (Backend.pinned) from the signal context ucv into state, then map entry m's keeps.
 * Signal-safe. */
void be_fault_state(const BackendBlockInfo *info, const BackendInsnMap *m, const void *ucv,
                    void *state);

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
void be_test_return_stack(void **st);
void be_test_interrupt_check(void **st);
void be_test_errors(void **st);
void be_test_random_blocks(void **st);
void be_test_keeps(void **st);          /* faults, side exits and ends with KEEPs */
void be_test_self_loops(void **st);     /* blocks that jump to their own start */
void be_test_guest_limit(void **st);    /* backend_limit.c: checks against the guest limit */
void be_test_op_coverage(void **st);    /* list it last: every op was compiled */

/* The suite for a host's cmocka list, after the host's own tests (so that a test added to the
 * suite runs on every host); be_test_op_coverage last. */
#define BE_SUITE_TESTS \
    cmocka_unit_test(be_test_guest_limit), \
    cmocka_unit_test(be_test_fused_compare), \
    cmocka_unit_test(be_test_fused_fcompare), \
    cmocka_unit_test(be_test_int_binary), \
    cmocka_unit_test(be_test_int_unary), \
    cmocka_unit_test(be_test_widths), \
    cmocka_unit_test(be_test_cmp_select), \
    cmocka_unit_test(be_test_vector), \
    cmocka_unit_test(be_test_float), \
    cmocka_unit_test(be_test_memory), \
    cmocka_unit_test(be_test_pressure), \
    cmocka_unit_test(be_test_call), \
    cmocka_unit_test(be_test_exits), \
    cmocka_unit_test(be_test_chaining), \
    cmocka_unit_test(be_test_indirect_jump_cache), \
    cmocka_unit_test(be_test_return_stack), \
    cmocka_unit_test(be_test_interrupt_check), \
    cmocka_unit_test(be_test_errors), \
    cmocka_unit_test(be_test_random_blocks), \
    cmocka_unit_test(be_test_keeps), \
    cmocka_unit_test(be_test_self_loops), \
    cmocka_unit_test(be_test_op_coverage)

#endif /* FERRY_TESTS_BACKEND_SUITE_H */
