/* interp.c — a switch-dispatched bytecode interpreter running three small programs.
 *
 * Measures: the classic interpreter loop: one indirect jump through a switch table per
 * bytecode, loads of the opcode and operands, a value stack in memory, and calls and returns
 * of the interpreted program kept on a separate frame stack. This is the hardest case for
 * indirect-branch prediction in a translator: one guest indirect jump with dozens of targets.
 *
 * The machine: 64-bit cells, a value stack, frames whose locals are the call's arguments
 * (LOCAL n / SETLOCAL n, relative to the frame base), and a data memory for LDM/STM. The
 * programs are assembled at start-up: a recursive Fibonacci, a sieve of Eratosthenes in data
 * memory, and a loop over a linear congruential generator with bit operations. OUT folds the
 * top of the stack into the checksum.
 */
#include <string.h>
#include "bench.h"

enum {
    OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_OVER,
    OP_ADD, OP_SUB, OP_MUL, OP_MOD, OP_AND, OP_XOR, OP_SHL, OP_SHR,
    OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_JNZ,
    OP_LOCAL, OP_SETLOCAL, OP_LDM, OP_STM,
    OP_CALL, OP_RET, OP_OUT,
};

#define CODE_MAX  1024
#define STACK_MAX 4096
#define FRAME_MAX 1024
#define MEM_CELLS (1 << 20)

typedef struct {
    int64_t code[CODE_MAX];
    int len;
} Program;

typedef struct {
    int64_t ret_pc;
    int64_t base;                       /* stack index of the first local */
} Frame;

static int emit(Program *p, int64_t op)
{
    p->code[p->len] = op;
    return p->len++;
}

static int emit2(Program *p, int64_t op, int64_t arg)
{
    int at = emit(p, op);
    emit(p, arg);
    return at;
}

/* Patch the operand of the jump emitted at `at` to point here. */
static void land(Program *p, int at)
{
    p->code[at + 1] = p->len;
}

/* Run from pc 0 until HALT; returns the OUT checksum or 0 on a machine fault. */
static uint64_t run(const Program *p, int64_t *mem, uint64_t *steps)
{
    int64_t stack[STACK_MAX];
    Frame frames[FRAME_MAX];
    int sp = 0, fp = 0;                 /* stack top (next free), frame depth */
    int64_t base = 0;
    int64_t pc = 0;
    uint64_t out = 0, n = 0;
    const int64_t *code = p->code;
    for (;;) {
        n++;
        switch (code[pc++]) {
        case OP_HALT:
            *steps += n;
            return out;
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_POP: sp--; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_SWAP: {
            int64_t t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case OP_OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_MOD:
            sp--;
            if (stack[sp] == 0)
                return 0;
            stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] % (uint64_t)stack[sp]);
            break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_SHL: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] << (stack[sp] & 63)); break;
        case OP_SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> (stack[sp] & 63)); break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case OP_JMP: pc = code[pc]; break;
        case OP_JZ: pc = stack[--sp] == 0 ? code[pc] : pc + 1; break;
        case OP_JNZ: pc = stack[--sp] != 0 ? code[pc] : pc + 1; break;
        case OP_LOCAL: stack[sp++] = stack[base + code[pc++]]; break;
        case OP_SETLOCAL: stack[base + code[pc++]] = stack[--sp]; break;
        case OP_LDM: {
            uint64_t a = (uint64_t)stack[sp - 1];
            if (a >= MEM_CELLS)
                return 0;
            stack[sp - 1] = mem[a];
            break;
        }
        case OP_STM: {                  /* ( value addr -- ) */
            uint64_t a = (uint64_t)stack[sp - 1];
            if (a >= MEM_CELLS)
                return 0;
            mem[a] = stack[sp - 2];
            sp -= 2;
            break;
        }
        case OP_CALL:                   /* CALL target nargs */
            if (fp == FRAME_MAX)
                return 0;
            frames[fp].ret_pc = pc + 2;
            frames[fp].base = base;
            fp++;
            base = sp - code[pc + 1];
            pc = code[pc];
            break;
        case OP_RET: {                  /* the result replaces the arguments */
            int64_t v = stack[sp - 1];
            sp = (int)base;
            stack[sp++] = v;
            fp--;
            pc = frames[fp].ret_pc;
            base = frames[fp].base;
            break;
        }
        case OP_OUT: out = bench_mix(out, (uint64_t)stack[--sp]); break;
        default:
            return 0;
        }
        if (sp < 0 || sp > STACK_MAX - 4)
            return 0;
    }
}

/* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), recursively; returns its entry point. */
static int asm_fib(Program *p)
{
    int entry = p->len;
    emit2(p, OP_LOCAL, 0);
    emit2(p, OP_PUSH, 2);
    emit(p, OP_LT);
    int j = emit2(p, OP_JZ, 0);
    emit2(p, OP_LOCAL, 0);
    emit(p, OP_RET);
    land(p, j);
    emit2(p, OP_LOCAL, 0);
    emit2(p, OP_PUSH, 1);
    emit(p, OP_SUB);
    emit2(p, OP_CALL, entry); emit(p, 1);
    emit2(p, OP_LOCAL, 0);
    emit2(p, OP_PUSH, 2);
    emit(p, OP_SUB);
    emit2(p, OP_CALL, entry); emit(p, 1);
    emit(p, OP_ADD);
    emit(p, OP_RET);
    return entry;
}

/* sieve(n): mark composites below n in mem[0..n), return the number of primes. Locals:
 * 0 n, 1 i, 2 j, 3 count (the caller pushes n and three zeros). */
static int asm_sieve(Program *p)
{
    int entry = p->len;
    /* clear: for i = 0; i < n; i++ mem[i] = 0 */
    int clear = p->len;
    emit2(p, OP_LOCAL, 1); emit2(p, OP_LOCAL, 0); emit(p, OP_LT);
    int clear_done = emit2(p, OP_JZ, 0);
    emit2(p, OP_PUSH, 0); emit2(p, OP_LOCAL, 1); emit(p, OP_STM);
    emit2(p, OP_LOCAL, 1); emit2(p, OP_PUSH, 1); emit(p, OP_ADD); emit2(p, OP_SETLOCAL, 1);
    emit2(p, OP_JMP, clear);
    land(p, clear_done);
    /* for i = 2; i < n; i++ if !mem[i] { count++; for j = i*i; j < n; j += i mem[j] = 1 } */
    emit2(p, OP_PUSH, 2); emit2(p, OP_SETLOCAL, 1);
    int outer = p->len;
    emit2(p, OP_LOCAL, 1); emit2(p, OP_LOCAL, 0); emit(p, OP_LT);
    int outer_done = emit2(p, OP_JZ, 0);
    emit2(p, OP_LOCAL, 1); emit(p, OP_LDM);
    int composite = emit2(p, OP_JNZ, 0);
    emit2(p, OP_LOCAL, 3); emit2(p, OP_PUSH, 1); emit(p, OP_ADD); emit2(p, OP_SETLOCAL, 3);
    emit2(p, OP_LOCAL, 1); emit(p, OP_DUP); emit(p, OP_MUL); emit2(p, OP_SETLOCAL, 2);
    int inner = p->len;
    emit2(p, OP_LOCAL, 2); emit2(p, OP_LOCAL, 0); emit(p, OP_LT);
    int inner_done = emit2(p, OP_JZ, 0);
    emit2(p, OP_PUSH, 1); emit2(p, OP_LOCAL, 2); emit(p, OP_STM);
    emit2(p, OP_LOCAL, 2); emit2(p, OP_LOCAL, 1); emit(p, OP_ADD); emit2(p, OP_SETLOCAL, 2);
    emit2(p, OP_JMP, inner);
    land(p, inner_done);
    land(p, composite);
    emit2(p, OP_LOCAL, 1); emit2(p, OP_PUSH, 1); emit(p, OP_ADD); emit2(p, OP_SETLOCAL, 1);
    emit2(p, OP_JMP, outer);
    land(p, outer_done);
    emit2(p, OP_LOCAL, 3);
    emit(p, OP_RET);
    return entry;
}

/* lcg(k, x): k rounds of x = x * 6364136223846793005 + 1442695040888963407 mod 2^64,
 * folding (x >> 29) ^ (x << 3) & 0xffff into an accumulator; returns the accumulator.
 * Locals: 0 k, 1 x, 2 acc. */
static int asm_lcg(Program *p)
{
    int entry = p->len;
    emit2(p, OP_PUSH, 0);               /* acc, local 2 */
    int loop = p->len;
    emit2(p, OP_LOCAL, 0);
    int done = emit2(p, OP_JZ, 0);
    emit2(p, OP_LOCAL, 1); emit2(p, OP_PUSH, 6364136223846793005); emit(p, OP_MUL);
    emit2(p, OP_PUSH, 1442695040888963407); emit(p, OP_ADD);
    emit(p, OP_DUP); emit2(p, OP_SETLOCAL, 1);
    emit(p, OP_DUP); emit2(p, OP_PUSH, 29); emit(p, OP_SHR);
    emit(p, OP_SWAP); emit2(p, OP_PUSH, 3); emit(p, OP_SHL); emit(p, OP_XOR);
    emit2(p, OP_PUSH, 0xffff); emit(p, OP_AND);
    emit2(p, OP_LOCAL, 2); emit(p, OP_ADD);
    emit2(p, OP_PUSH, 1000003); emit(p, OP_MOD);
    emit2(p, OP_SETLOCAL, 2);
    emit2(p, OP_LOCAL, 0); emit2(p, OP_PUSH, 1); emit(p, OP_SUB); emit2(p, OP_SETLOCAL, 0);
    emit2(p, OP_JMP, loop);
    land(p, done);
    emit2(p, OP_LOCAL, 2);
    emit(p, OP_RET);
    return entry;
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    static Program prog;
    int64_t *mem = malloc(MEM_CELLS * sizeof *mem);
    if (!mem)
        return 1;
    /* main: jumps over the routines, then calls each and OUTs the results. */
    int skip = emit2(&prog, OP_JMP, 0);
    int fib = asm_fib(&prog);
    int sieve = asm_sieve(&prog);
    int lcg = asm_lcg(&prog);
    land(&prog, skip);
    for (int n = 25; n <= 31; n++) {
        emit2(&prog, OP_PUSH, n);
        emit2(&prog, OP_CALL, fib); emit(&prog, 1);
        emit(&prog, OP_OUT);
    }
    for (int n = 200000; n <= 1000000; n += 200000) {
        emit2(&prog, OP_PUSH, n);
        emit2(&prog, OP_PUSH, 0); emit2(&prog, OP_PUSH, 0); emit2(&prog, OP_PUSH, 0);
        emit2(&prog, OP_CALL, sieve); emit(&prog, 4);
        emit(&prog, OP_OUT);
    }
    emit2(&prog, OP_PUSH, 4000000);
    emit2(&prog, OP_PUSH, 12345);
    emit2(&prog, OP_CALL, lcg); emit(&prog, 2);
    emit(&prog, OP_OUT);
    emit(&prog, OP_HALT);

    uint64_t sum = 0, steps = 0;
    for (int r = 0; r < scale; r++) {
        uint64_t out = run(&prog, mem, &steps);
        if (out == 0) {
            fprintf(stderr, "interp: the machine faulted\n");
            return 1;
        }
        sum = bench_mix(sum, out);
    }
    fprintf(stderr, "interp: %llu bytecodes\n", (unsigned long long)steps);
    return bench_report("interp", sum);
}
