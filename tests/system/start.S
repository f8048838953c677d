/* start.S — the 64-bit test kernels' entry from ferry's ELF64 hand-off.
 *
 * _start: ferry-system enters here in long mode with RSP on its boot stack and RDI pointing
 * at the boot info (runtime/system_boot.h), and so does mb_handoff.c in a kernel's Multiboot
 * image; kmain(info) runs on a stack of our own, and if it returns the CPU halts with
 * interrupts off (which ends the machine under ferry). The interrupt stubs are isr.S's.
 */
    .section .text.start, "ax"
    .globl _start
_start:
    lea     stack_top(%rip), %rsp
    call    kmain
1:  cli
    hlt
    jmp     1b

    .bss
    .balign 16
    .space 65536
stack_top:
