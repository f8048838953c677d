/* ir_print.c — the printer of the IR text form (grammar at the top of ir.h).
 *
 * Contract: ir_parse_block(ir_print_block(b)) rebuilds b exactly (same instructions at the same
 * indices, NOPs included), so print(parse(print(b))) == print(b). Each instruction prints as
 *     [vN = ]name[.type] operands
 * with "vN =" and ".type" only when the instruction has a value (a CALL without a result has
 * neither). Operands are the op's NIN arguments ("-" for IR_NONE) followed by its NIMM
 * immediates, comma-separated. Immediates print in hex, except: CMP and FCMP conditions print
 * by name (eq, ltu, ... / eq, lt, ..., unord), the EXIT/EXIT_IF exit word prints as jump,
 * indirect, syscall, trap:SIG:CODE (decimal) or halt, and CALL's helper prints its registered
 * name, and a LOAD/STORE's flags word prints as nothing when 0 (the usual case) and
 * "nocheck" for IR_MEM_NOCHECK. Values that have no such spelling (an out-of-range condition or a malformed exit word,
 * which only an invalid block holds) print in hex so the verifier's complaint can be
 * reproduced from text; an unregistered helper prints as <unregistered:0x...>, which does not
 * parse. The block header is "block pc=0x..." plus " len=N insns=N" when those are non-zero.
 */
#include <inttypes.h>

#include "ir/ir_internal.h"

static const char *const exit_kind_names[IR_EXIT_KIND_COUNT] = {
    [IR_EXIT_JUMP] = "jump", [IR_EXIT_INDIRECT] = "indirect", [IR_EXIT_SYSCALL] = "syscall",
    [IR_EXIT_TRAP] = "trap", [IR_EXIT_HALT] = "halt", [IR_EXIT_EVENT] = "event",
    [IR_EXIT_STACK] = "stack",
};

static void print_exit_word(FILE *f, int64_t w)
{
    if (!ir_exit_word_valid(w)) {
        fprintf(f, "0x%" PRIx64, (uint64_t)w);
        return;
    }
    IrExitKind k = IR_EXIT_WORD_KIND(w);
    if (k == IR_EXIT_TRAP)
        fprintf(f, "trap:%d:%d", IR_EXIT_WORD_SIG(w), IR_EXIT_WORD_CODE(w));
    else
        fputs(exit_kind_names[k], f);
}

static void print_imm(FILE *f, const IrInsn *in, unsigned i)
{
    int64_t x = in->imm[i];
    if (in->op == IR_CMP && i == 0 && (uint64_t)x < IR_COND_COUNT) {
        fputs(ir_cond_name((IrCond)x), f);
    } else if (in->op == IR_FCMP && i == 0 && (uint64_t)x < IR_FCOND_COUNT) {
        fputs(ir_fcond_name((unsigned)x), f);
    } else if ((in->op == IR_EXIT || in->op == IR_EXIT_IF || in->op == IR_RETPUSH) && i == 1) {
        print_exit_word(f, x);
    } else if ((in->op == IR_LOAD || in->op == IR_STORE) && x == IR_MEM_NOCHECK) {
        fputs("nocheck", f);
    } else if (in->op == IR_CALL && i == 0) {
        const char *name = ir_helper_name((IrHelperFn)(uintptr_t)x);
        if (name)
            fputs(name, f);
        else
            fprintf(f, "<unregistered:0x%" PRIx64 ">", (uint64_t)x);
    } else {
        fprintf(f, "0x%" PRIx64, (uint64_t)x);
    }
}

void ir_print_insn(FILE *f, const IrBlock *blk, IrRef r)
{
    const IrInsn *in = &blk->insn[r];
    if (in->op >= IR_OP_COUNT) {
        fprintf(f, "<bad op %u>\n", (unsigned)in->op);
        return;
    }
    const IrOpInfo *info = &ir_op_info[in->op];
    if (info->nout && in->type != IR_VOID)
        fprintf(f, "v%" PRIu32 " = %s.%s", r, info->name, ir_type_name((IrType)in->type));
    else
        fputs(info->name, f);
    const char *sep = " ";
    for (unsigned i = 0; i < info->nin; i++) {
        if (in->arg[i])
            fprintf(f, "%sv%" PRIu32, sep, in->arg[i]);
        else
            fprintf(f, "%s-", sep);
        sep = ", ";
    }
    for (unsigned i = 0; i < info->nimm; i++) {
        if ((in->op == IR_LOAD || in->op == IR_STORE) && in->imm[0] == 0)
            break;                  /* the flags word, when 0, is not written */
        fputs(sep, f);
        print_imm(f, in, i);
        sep = ", ";
    }
    fputc('\n', f);
}

void ir_print_block(FILE *f, const IrBlock *blk)
{
    fprintf(f, "block pc=0x%" PRIx64, blk->guest_pc);
    if (blk->guest_len || blk->guest_insns)
        fprintf(f, " len=%" PRIu32 " insns=%" PRIu32, blk->guest_len, blk->guest_insns);
    fputc('\n', f);
    for (IrRef r = 1; r < blk->n; r++)
        ir_print_insn(f, blk, r);
}
