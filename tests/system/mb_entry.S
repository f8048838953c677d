/* mb_entry.S — the Multiboot entry of the 64-bit test kernels: from 32-bit protected mode (as
 * a Multiboot boot loader, ferry-system or qemu-system-x86_64 -kernel, leaves it) into long
 * mode, then mb_main64(magic, info) in C.
 *
 * The header carries the a.out kludge (flags bit 16: the load addresses are in the header),
 * which is how QEMU accepts an ELF64 kernel; mb.ld puts the header first and the whole image
 * in one segment, so [load_addr, load_end_addr) of the file is the image. Built with
 * -DMB_NO_KLUDGE (mb_long_elf.elf) bit 16 is clear: ferry then loads the ELF64 program
 * headers, which QEMU refuses to do.
 *
 * mb_entry: our own stack; identity-map the first GiB with 2 MiB pages (PML4 -> PDPT -> PD);
 * CR4.PAE; CR3; EFER.LME through wrmsr; CR0.PG (now in compatibility mode); lgdt of a GDT
 * with a 64-bit code segment at 0x08 and a data segment at 0x10 (the selectors of ferry's
 * own ELF64 hand-off, runtime/system_boot.h) and 32-bit code at 0x18; a far jump to 0x08
 * (64-bit mode); data segments; then mb_main64(EAX, EBX of the boot loader). mb_long.c has
 * one mb_main64; mb_handoff.c's, for the kernels written for ferry's hand-off,
 * is the other.
 */
#ifdef MB_NO_KLUDGE
#define MB_FLAGS 0x00000003
#else
#define MB_FLAGS 0x00010003
#endif
    .section .multiboot, "a"
    .balign 4
    .globl mb_header
mb_header:
    .long 0x1BADB002
    .long MB_FLAGS
    .long -(0x1BADB002 + MB_FLAGS)
    .long mb_header                 /* header_addr */
    .long mb_header                 /* load_addr: the image starts with the header */
    .long _edata                    /* load_end_addr */
    .long _end                      /* bss_end_addr */
    .long mb_entry                  /* entry_addr */

    .section .text.start, "ax"
    .code32
    .globl mb_entry
mb_entry:
    cli
    mov     $mb_stack_top, %esp
    mov     %eax, mb_magic
    mov     %ebx, mb_info

    mov     $mb_pd, %edi            /* PD[i] = i * 2 MiB | PS | RW | P */
    xor     %ecx, %ecx
1:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax
    mov     %eax, (%edi,%ecx,8)
    movl    $0, 4(%edi,%ecx,8)
    inc     %ecx
    cmp     $512, %ecx
    jne     1b
    mov     $mb_pdpt, %eax
    or      $3, %eax
    mov     %eax, mb_pml4
    mov     $mb_pd, %eax
    or      $3, %eax
    mov     %eax, mb_pdpt

    mov     %cr4, %eax
    or      $0x20, %eax             /* PAE */
    mov     %eax, %cr4
    mov     $mb_pml4, %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx       /* EFER */
    rdmsr
    or      $0x100, %eax            /* LME */
    wrmsr
    mov     %cr0, %eax
    or      $0x80000000, %eax       /* PG: IA-32e mode, still 32-bit code */
    mov     %eax, %cr0
    lgdt    mb_gdt_ptr
    ljmp    $0x08, $mb_long_mode

    .code64
mb_long_mode:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    lea     mb_stack_top(%rip), %rsp
    mov     mb_magic(%rip), %edi
    mov     mb_info(%rip), %esi
    call    mb_main64
2:  cli
    hlt
    jmp     2b

    .section .rodata
    .balign 8
mb_gdt:
    .quad   0
    .quad   0x00af9a000000ffff      /* 0x08: 64-bit code, DPL 0 */
    .quad   0x00cf92000000ffff      /* 0x10: data */
    .quad   0x00cf9a000000ffff      /* 0x18: 32-bit code (compatibility mode) */
mb_gdt_ptr:
    .word   mb_gdt_ptr - mb_gdt - 1
    .long   mb_gdt

    .bss
    .balign 4096
mb_pml4:  .space 4096
mb_pdpt:  .space 4096
mb_pd:    .space 4096
mb_magic: .long 0
mb_info:  .long 0
    .balign 16
    .space 65536
mb_stack_top:
