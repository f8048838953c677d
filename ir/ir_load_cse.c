/* ir_load_cse.c — a LOAD that repeats the one just before it (opt_load_cse, ir.h).
 *
 * Two LOADs of the same type from the same address value, with no other LOAD, STORE or CALL
 * between them, read the same bytes in an execution x86's memory model allows: TSO keeps a
 * thread's loads in order and nothing this thread does between the two writes memory, so a
 * store of another thread lands before both or after both. The second one is then the first
 * one's value: its uses are rewritten and it becomes a NOP. It cannot fault where the first,
 * at the same address and size, did not (the first one's checks and fault entry cover both).
 * A LOAD of anything between them ends the pair: merging across it would reorder it with the
 * second read (a seqlock reads its counter, the data, the counter again, and must see a new
 * counter after new data). EXIT_IF, GET, PUT, KEEP, FKEEP, HLOAD and pure ops touch no guest
 * memory and are transparent. Typical: a compiled switch that compares the loaded selector
 * (`cmp qword [table + i*8], N; ja default`) and then loads it again for the jump.
 *
 * User mode only (the caller's choice): in system mode a LOAD may reach a device register,
 * where each read counts. (A user-mode program that maps a device's registers itself, UIO
 * style, and reads one twice in a row with nothing between, gets one read: a known limit.)
 */
#include <string.h>

#include "ir/ir_internal.h"

unsigned opt_load_cse(IrBlock *blk)
{
    unsigned changed = 0;
    IrRef *repl = NULL;         /* a merged LOAD's replacement, by ref (allocated at the first) */
    IrRef last = IR_NONE;       /* the last LOAD, when nothing since has ended its pair */
    for (IrRef r = 1; r < blk->n; r++) {
        IrInsn *in = &blk->insn[r];
        if (repl)
            for (unsigned i = 0; i < 3; i++)
                if (in->arg[i] && repl[in->arg[i]])
                    in->arg[i] = repl[in->arg[i]];
        switch (in->op) {
        case IR_LOAD: {
            const IrInsn *prev = last ? &blk->insn[last] : NULL;
            if (!prev || prev->arg[0] != in->arg[0] || prev->type != in->type) {
                last = r;
                break;
            }
            if (!repl) {
                repl = ir_block_work(blk, IR_WORK_MAP, (size_t)blk->n * sizeof *repl);
                memset(repl, 0, (size_t)blk->n * sizeof *repl);
            }
            repl[r] = last;
            *in = (IrInsn){ .op = IR_NOP, .type = IR_VOID };
            changed++;
            break;
        }
        case IR_STORE:
        case IR_CALL:
            last = IR_NONE;
            break;
        default:
            break;
        }
    }
    return changed;
}
