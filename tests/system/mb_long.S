/* mb_long.S — a Multiboot kernel that switches to long mode, as a new user writes one: an
 * ELF64 file whose Multiboot header carries the a.out kludge (flags bit 16: the load
 * addresses are in the header, which is how QEMU accepts an ELF64 kernel).
 *
 * _start (32-bit protected mode, from the boot loader): our own stack; identity-map the
 * first GiB with 2 MiB pages (PML4 -> PDPT -> PD); CR4.PAE; CR3; EFER.LME through wrmsr;
 * CR0.PG (now in compatibility mode); lgdt of a GDT with a 64-bit code segment at 0x08 and
 * a data segment at 0x10; a far jump to 0x08 (64-bit mode); data segments; then
 * kmain64(magic, info) in C, with the interrupt stubs of start.S (built -DNO_START).
 */
    .section .multiboot, "a"
    .balign 4
mb_header:
    .long 0x1BADB002
    .long 0x00010003
    .long -(0x1BADB002 + 0x00010003)
    .long mb_header                 /* header_addr */
    .long mb_header                 /* load_addr: the image starts with the header */
    .long _edata                    /* load_end_addr */
    .long _end                      /* bss_end_addr */
    .long _start                    /* entry_addr */

    .section .text.start, "ax"
    .code32
    .globl _start
_start:
    cli
    mov     $stack_top, %esp
    mov     %eax, mb_magic
    mov     %ebx, mb_info

    mov     $pd, %edi               /* PD[i] = i * 2 MiB | PS | RW | P */
    xor     %ecx, %ecx
1:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax
    mov     %eax, (%edi,%ecx,8)
    movl    $0, 4(%edi,%ecx,8)
    inc     %ecx
    cmp     $512, %ecx
    jne     1b
    mov     $pdpt, %eax
    or      $3, %eax
    mov     %eax, pml4
    mov     $pd, %eax
    or      $3, %eax
    mov     %eax, pdpt

    mov     %cr4, %eax
    or      $0x20, %eax             /* PAE */
    mov     %eax, %cr4
    mov     $pml4, %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx       /* EFER */
    rdmsr
    or      $0x100, %eax            /* LME */
    wrmsr
    mov     %cr0, %eax
    or      $0x80000000, %eax       /* PG: IA-32e mode, still 32-bit code */
    mov     %eax, %cr0
    lgdt    gdt_ptr
    ljmp    $0x08, $long_mode

    .code64
long_mode:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    lea     stack_top(%rip), %rsp
    mov     mb_magic(%rip), %edi
    mov     mb_info(%rip), %esi
    call    kmain64
2:  cli
    hlt
    jmp     2b

    .section .rodata
    .balign 8
gdt:
    .quad   0
    .quad   0x00af9a000000ffff      /* 0x08: 64-bit code, DPL 0 */
    .quad   0x00cf92000000ffff      /* 0x10: data */
gdt_ptr:
    .word   gdt_ptr - gdt - 1
    .long   gdt

    .bss
    .balign 4096
pml4:   .space 4096
pdpt:   .space 4096
pd:     .space 4096
mb_magic: .long 0
mb_info:  .long 0
    .balign 16
    .space 65536
stack_top:
