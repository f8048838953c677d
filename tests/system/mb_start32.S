/* mb_start32.S — the 32-bit Multiboot test kernels' header, entry and interrupt stubs.
 *
 * The header asks for page-aligned modules and memory information (flags 0x3) and nothing
 * else: the kernel is an ELF32 file, loaded by its program headers. _start: on a stack of our
 * own, kmain32(eax = magic, ebx = info); if it returns the CPU halts with interrupts off.
 *
 * isr32_N: one stub per vector 0-47: a 0 where the CPU pushed no error code, the vector,
 * pusha, isr32_dispatch(frame), popa, iret; the C side sees IsrFrame32 (mb.h).
 */
    .section .multiboot, "a"
    .balign 4
    .long 0x1BADB002
    .long 0x00000003
    .long -(0x1BADB002 + 0x00000003)

    .section .text.start, "ax"
    .code32
    .globl _start
_start:
    mov     $stack_top, %esp
    push    %ebx
    push    %eax
    call    kmain32
1:  cli
    hlt
    jmp     1b

    .text
.macro ISR n
isr32_\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21)
    .else
    push    $0
    .endif
    push    $\n
    jmp     isr32_common
.endm

.altmacro
.set i, 0
.rept 48
    ISR %i
    .set i, i + 1
.endr

isr32_common:
    pusha
    push    %esp
    call    isr32_dispatch
    add     $4, %esp
    popa
    add     $8, %esp                /* vector and error code */
    iret

    .section .rodata
    .globl isr32_table
    .balign 4
.macro ISR_ADDR n
    .long isr32_\n
.endm
isr32_table:
.set i, 0
.rept 48
    ISR_ADDR %i
    .set i, i + 1
.endr

    .bss
    .balign 16
    .space 65536
stack_top:
