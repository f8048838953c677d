/* mb_long.S — the assembly of mb_long.c's kernel (mb_entry.S brings it to long mode and
 * calls mb_main64): a trip to compatibility mode and back, and bytes that mean different
 * instructions in 64-bit and 32-bit code. Uses mb_entry.S's GDT (0x18: 32-bit code). */
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

    .bss
    .balign 8
saved_rsp: .quad 0
