/* start.S — the test kernels' entry and interrupt stubs.
 *
 * _start: ferry-system enters here in long mode with RSP on its boot stack and RDI pointing
 * at the boot info (runtime/system_boot.h); kmain(info) runs on a stack of our own, and if it
 * returns the CPU halts with interrupts off (which ends the machine under ferry).
 *
 * Built with -DNO_START (mb_long.S), only the stubs.
 *
 * isr_N: one stub per vector 0-47. Each pushes a 0 where the CPU pushed no error code, then
 * the vector, saves the caller-saved registers, calls isr_dispatch(frame) and returns with
 * iretq; the C side sees struct IsrFrame (lib.h).
 */
#ifndef NO_START   /* mb_long.S brings its own entry and stack */
    .section .text.start, "ax"
    .globl _start
_start:
    lea     stack_top(%rip), %rsp
    call    kmain
1:  cli
    hlt
    jmp     1b
#endif

    .text
/* Vectors with a CPU-pushed error code: 8, 10-14, 17, 21. */
.macro ISR n
    .globl isr_\n
isr_\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21)
    .else
    pushq   $0
    .endif
    pushq   $\n
    jmp     isr_common
.endm

.altmacro
.set i, 0
.rept 48
    ISR %i
    .set i, i + 1
.endr

isr_common:
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

/* The stubs' addresses, for the IDT. */
    .section .rodata
    .globl isr_table
    .balign 8
.macro ISR_ADDR n
    .quad isr_\n
.endm
isr_table:
.set i, 0
.rept 48
    ISR_ADDR %i
    .set i, i + 1
.endr

#ifndef NO_START
    .bss
    .balign 16
    .space 65536
stack_top:
#endif
