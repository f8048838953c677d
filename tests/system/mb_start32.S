/* mb_start32.S — the 32-bit Multiboot test kernels' header and entry.
 *
 * The header asks for page-aligned modules and memory information (flags 0x3) and nothing
 * else: the kernel is an ELF32 file, loaded by its program headers. mb_entry: on a stack of
 * our own, kmain32(eax = magic, ebx = info); if it returns the CPU halts with interrupts off.
 * The interrupt stubs are isr.S's, built for 32-bit code.
 */
    .section .multiboot, "a"
    .balign 4
    .long 0x1BADB002
    .long 0x00000003
    .long -(0x1BADB002 + 0x00000003)

    .section .text.start, "ax"
    .code32
    .globl mb_entry
mb_entry:
    mov     $stack_top, %esp
    push    %ebx
    push    %eax
    call    kmain32
1:  cli
    hlt
    jmp     1b

    .bss
    .balign 16
    .space 65536
stack_top:
