/* smc_block.c — code that rewrites itself inside the block that is running: a store to the
 * immediate of the very next instruction, to an instruction three further on, to the opcode
 * byte of the next instruction (add becomes sub, xor, and), and to the immediate of an add in
 * a loop body on every iteration (each iteration must add the value the previous one stored).
 * x86 makes each store visible to the instruction fetch of the next instruction. The
 * templates are assembled into .text and copied into an RWX mapping (position-independent:
 * every store is RIP-relative into the copy); each is called many times with different
 * arguments, so a stale translation of an earlier call would show. (Each store flushes the
 * whole code cache: the counts are kept small for the ASan build.)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* Each template: START..END, called as uint32_t f(uint32_t edi, uint32_t esi, uint32_t edx). */
__asm__(
    ".text\n"
    /* returns edi: the store writes the imm32 of the next mov (b8 imm32) */
    "next_start:\n"
    "    movl %edi, 1f+1(%rip)\n"
    "1:  movl $0, %eax\n"
    "    ret\n"
    "next_end:\n"
    /* returns (esi + 1) * 2 + edi: the store writes the add three instructions on (81 c1 imm32) */
    "later_start:\n"
    "    movl %edi, 2f+2(%rip)\n"
    "    movl %esi, %ecx\n"
    "    leal 1(%rcx), %ecx\n"
    "    shll $1, %ecx\n"
    "2:  addl $0x7fffffff, %ecx\n"
    "    movl %ecx, %eax\n"
    "    ret\n"
    "later_end:\n"
    /* the opcode byte of `op %esi, %edi` (01 add, 29 sub, 31 xor, 21 and) comes from dl */
    "opcode_start:\n"
    "    movb %dl, 3f(%rip)\n"
    "3:  addl %esi, %edi\n"
    "    movl %edi, %eax\n"
    "    ret\n"
    "opcode_end:\n"
    /* sum of k * edx for k = edi down to 1: each iteration stores k * edx into its own add */
    "loop_start:\n"
    "    xorl %eax, %eax\n"
    "    movl %edi, %ecx\n"
    "4:  movl %ecx, %r8d\n"
    "    imull %edx, %r8d\n"
    "    movl %r8d, 5f+1(%rip)\n"
    "loop_add:\n"
    "5:  addl $0x12345678, %eax\n"
    "    decl %ecx\n"
    "    jnz 4b\n"
    "    ret\n"
    "loop_end:\n");

extern const char next_start[], next_end[], later_start[], later_end[];
extern const char opcode_start[], opcode_end[], loop_start[], loop_end[], loop_add[];

typedef uint32_t (*Fn)(uint32_t, uint32_t, uint32_t);

static uint8_t *rwx;

/* A fresh copy of the template at offset `at` of the RWX page. */
static Fn place(const char *start, const char *end, size_t at)
{
    memcpy(rwx + at, start, (size_t)(end - start));
    return (Fn)(void *)(rwx + at);
}

int main(void)
{
    rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
               -1, 0);
    if (rwx == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    Fn next = place(next_start, next_end, 0);
    Fn later = place(later_start, later_end, 256);
    Fn opcode = place(opcode_start, opcode_end, 512);
    Fn loop = place(loop_start, loop_end, 768);

    uint64_t sum = 0;
    int wrong = 0;
    for (uint32_t i = 1; i <= 100; i++) {
        uint32_t v = next(i * 7919u, 0, 0);
        wrong += v != i * 7919u;
        sum += v;
    }
    printf("next instruction: sum %llu, %d wrong\n", (unsigned long long)sum, wrong);

    sum = 0, wrong = 0;
    for (uint32_t i = 1; i <= 100; i++) {
        uint32_t v = later(i * 31u, i, 0);
        wrong += v != (i + 1) * 2 + i * 31u;
        sum += v;
    }
    printf("later instruction: sum %llu, %d wrong\n", (unsigned long long)sum, wrong);

    static const uint8_t ops[4] = { 0x01, 0x29, 0x31, 0x21 };
    sum = 0, wrong = 0;
    for (uint32_t i = 0; i < 100; i++) {
        uint32_t a = 1000 + i * 13, b = i * 5 + 3, op = ops[i % 4];
        uint32_t want = op == 0x01 ? a + b : op == 0x29 ? a - b : op == 0x31 ? (a ^ b) : (a & b);
        uint32_t v = opcode(a, b, op);
        wrong += v != want;
        sum += v;
    }
    printf("opcode byte: sum %llu, %d wrong\n", (unsigned long long)sum, wrong);

    sum = 0, wrong = 0;
    for (uint32_t n = 1; n <= 50; n++) {
        uint32_t v = loop(n, 0, n % 7 + 1);
        wrong += v != (n % 7 + 1) * n * (n + 1) / 2;
        sum += v;
    }
    printf("loop body: sum %llu, %d wrong\n", (unsigned long long)sum, wrong);
    /* the last call left its add holding 1 * edx (edx = 50 % 7 + 1) */
    uint32_t imm;
    memcpy(&imm, rwx + 768 + (loop_add - loop_start) + 1, 4);
    printf("immediate left in the loop's add: %u\n", imm);
    return 0;
}
