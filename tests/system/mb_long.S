/* mb_long.S — a Multiboot kernel that switches to long mode, as a new user writes one: an
 * ELF64 file whose Multiboot header carries the a.out kludge (flags bit 16: the load
 * addresses are in the header, which is how QEMU accepts an ELF64 kernel).
 *
 * _start (32-bit protected mode, from the boot loader): our own stack; identity-map the
 * first GiB with 2 MiB pages (PML4 -> PDPT -> PD); CR4.PAE; CR3; EFER.LME through wrmsr;
 * CR0.PG (now in compatibility mode); lgdt of a GDT with a 64-bit code segment at 0x08 and
 * a data segment at 0x10 (and 32-bit code at 0x18); a far jump to 0x08 (64-bit mode); data
 * segments; then kmain64(magic, info) in C, with the interrupt stubs of start.S (built
 * -DNO_START).
 */
/* Built with -DMB_NO_KLUDGE (mb_long_elf.elf) the header leaves bit 16 clear: ferry then loads
 * the ELF64 program headers, which QEMU refuses to do. */
#ifdef MB_NO_KLUDGE
#define MB_FLAGS 0x00000003
#else
#define MB_FLAGS 0x00010003
#endif
    .section .multiboot, "a"
    .balign 4
mb_header:
    .long 0x1BADB002
    .long MB_FLAGS
    .long -(0x1BADB002 + MB_FLAGS)
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

/* compat_roundtrip: from 64-bit mode, lretq to the 32-bit code segment 0x18 (compatibility
 * mode), run 32-bit code there (0x40 is inc eax, where 64-bit mode would read a REX prefix),
 * take int 0x2e through the 64-bit IDT (the handler returns with iretq to CS 0x18), and come
 * back with a far jump to 0x08. Returns the 32-bit code's EAX. */
    .text
    .code64
    .globl compat_roundtrip
compat_roundtrip:
    mov     %rsp, saved_rsp(%rip)
    lea     1f(%rip), %rax
    pushq   $0x18
    push    %rax
    lretq
    .code32
1:  mov     $0x1234, %eax
    .byte   0x40                    /* inc %eax */
    call    dual                    /* dec eax; add eax, 1: no change here */
    int     $0x2e
    ljmp    $0x08, $2f
    .code64
2:  mov     saved_rsp(%rip), %rsp   /* upper halves are undefined after compatibility mode */
    ret

/* dual: the same bytes are add rax, 1 in 64-bit code and dec eax; add eax, 1 in 32-bit
 * code (so a translation made for one mode must never run in the other). */
    .globl dual
dual:
    .byte   0x48, 0x83, 0xc0, 0x01
    ret

    .section .rodata
    .balign 8
gdt:
    .quad   0
    .quad   0x00af9a000000ffff      /* 0x08: 64-bit code, DPL 0 */
    .quad   0x00cf92000000ffff      /* 0x10: data */
    .quad   0x00cf9a000000ffff      /* 0x18: 32-bit code (compatibility mode) */
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
    .balign 8
saved_rsp: .quad 0
    .balign 16
    .space 65536
stack_top:
