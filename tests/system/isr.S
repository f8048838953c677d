/* isr.S — the test kernels' interrupt stubs, 64-bit or 32-bit by what it is built for.
 *
 * isr_N: one stub per vector 0-47. Each pushes a 0 where the CPU pushed no error code, then
 * the vector, saves registers (64-bit: the caller-saved ones; 32-bit: pusha), calls
 * isr_dispatch(frame) (idt.c) and returns with iretq / iret; the C side sees struct IsrFrame
 * (lib.h). isr_table: the stubs' addresses, for the IDT.
 */
#ifdef __x86_64__
#define PUSHW pushq
#define WORD .quad
#define WORD_SIZE 8
#else
#define PUSHW push
#define WORD .long
#define WORD_SIZE 4
#endif

    .text
/* Vectors with a CPU-pushed error code: 8, 10-14, 17, 21. */
.macro ISR n
isr_\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21)
    .else
    PUSHW   $0
    .endif
    PUSHW   $\n
    jmp     isr_common
.endm

.altmacro
.set i, 0
.rept 48
    ISR %i
    .set i, i + 1
.endr

isr_common:
#ifdef __x86_64__
    pushq   %rax
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    mov     %rsp, %rdi
    call    isr_dispatch
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rax
    add     $16, %rsp               /* vector and error code */
    iretq
#else
    pusha
    push    %esp
    call    isr_dispatch
    add     $4, %esp
    popa
    add     $8, %esp                /* vector and error code */
    iret
#endif

    .section .rodata
    .globl isr_table
    .balign WORD_SIZE
.macro ISR_ADDR n
    WORD isr_\n
.endm
isr_table:
.set i, 0
.rept 48
    ISR_ADDR %i
    .set i, i + 1
.endr
