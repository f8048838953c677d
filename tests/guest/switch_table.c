/* switch_table: dense switches compiled to jump tables (indirect jumps), a tiny bytecode VM. */
#include <stdio.h>

enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, PRINT, HALT, NOP1, NOP2 };

static long run(const int *code)
{
    long stack[64]; int sp = 0; int pc = 0; long steps = 0;
    for (;;) {
        steps++;
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
        case JNZ: { int target = code[pc++]; if (stack[sp - 1]) pc = target; } break;
        case DEC: stack[sp - 1]--; break;
        case PRINT: printf("top=%ld\n", stack[sp - 1]); break;
        case NOP1: case NOP2: break;
        case HALT: return stack[0] * 1000 + steps % 1000;
        default: return -1;
        }
    }
}

static const char *name(int k)
{
    switch (k) {
    case 0: return "zero"; case 1: return "one"; case 2: return "two"; case 3: return "three";
    case 4: return "four"; case 5: return "five"; case 6: return "six"; case 7: return "seven";
    default: return "many";
    }
}

int main(void)
{
    /* acc = 1; n = 10; loop: acc *= 3 (mod via sub), n-- */
    static const int prog[] = { PUSH, 1, PUSH, 10, /* acc n */
        SWAP, PUSH, 3, MUL, NOP1, SWAP, DEC, JNZ, 4, PRINT, NOP2, SUB, PRINT, HALT };
    printf("result=%ld\n", run(prog));
    for (int i = 0; i < 10; i++) printf("%s ", name(i));
    printf("\n");
    return 0;
}
