/* user.c — privilege level 3: a GDT with user segments and a 64-bit TSS (ltr, RSP0, IST1),
 * page tables where only the user code, its stack and one read-only page are user pages,
 * iretq into ring 3, syscall/sysret (STAR, LSTAR, FMASK) with swapgs and KERNEL_GS_BASE, int
 * through a DPL-3 gate (stack switch to RSP0) and through a DPL-0 gate (#GP), an IST gate,
 * #GP for privileged instructions, #PF error codes of user accesses (read and write of
 * supervisor or read-only pages, a fetch from a supervisor page), a non-canonical address,
 * sysenter from 64-bit ring 3 and sysexitq back (IA32_SYSENTER_*; not on QEMU, whose AMD
 * model makes sysenter #UD in long mode), and back to the kernel for good through a last
 * syscall. Exit status 33 when every check passes. */
#include "lib.h"
#include "pt.h"

#define KCODE 0x08
#define KDATA 0x10
#define UDATA 0x1b                  /* 0x18 | RPL 3 */
#define UCODE 0x23                  /* 0x20 | RPL 3 */
#define TSS_SEL 0x28

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

typedef struct __attribute__((packed)) Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap;
} Tss;

/* 0x38-0x40: kernel code and data for SYSENTER_CS = 0x38; 0x58-0x60: the user code and data
 * sysexitq loads (SYSENTER_CS + 32, + 40). */
static uint64_t gdt[13];
static uint8_t sysenter_stack[1024] __attribute__((aligned(16)));
static Tss tss;
static uint8_t rsp0_stack[8192] __attribute__((aligned(4096)));
static uint8_t ist1_stack[4096] __attribute__((aligned(4096)));
static uint8_t user_stack[4096] __attribute__((aligned(4096)));
uint8_t user_ro[4096] __attribute__((aligned(4096)));        /* user, read-only */
uint64_t kernel_secret = 0x5ec7e7;                             /* supervisor only */

/* swapgs's per-CPU area: the kernel stack, the user's RSP while in a syscall, a mark. */
struct PerCpu { uint64_t kstack, user_rsp, magic; } percpu;
uint64_t saved_ksp;

extern char user_start[], user_end[], user_msg[];
extern char at_int2d[], at_cli[], at_cr3[], at_kread[], at_rowrite[], at_noncanon[];
extern char after_int2d[], after_cli[], after_cr3[], after_kread[], after_rowrite[],
            after_kcall[], after_noncanon[];
void enter_user(uint64_t rip, uint64_t rsp);
_Noreturn void leave_user(void);
void syscall_entry(void);
void sysenter_entry(void);
uint64_t sysenter_rsp, sysenter_flags;
uint16_t sysenter_cs, sysenter_ss;
uint64_t syscall_c(uint64_t nr, uint64_t arg);

/* ---------------------------------------------------------------- ring 3, in assembly */

__asm__(
    "    .section .text.user, \"ax\"\n"
    "    .balign 4096\n"
    "    .globl user_start\n"
    "user_start:\n"
    "    lea user_msg(%rip), %rdi\n"
    "    mov $1, %eax\n"
    "    syscall\n"                             /* write the message: rax = its length */
    "    mov %rax, %rdi\n"
    "    mov $2, %eax\n"
    "    syscall\n"                             /* hand the length back */
    "    mov $7, %eax\n"
    "    int $0x2e\n"                           /* DPL-3 gate */
    "    .globl at_int2d, after_int2d\n"
    "at_int2d: int $0x2d\n"                     /* DPL-0 gate: #GP */
    "after_int2d:\n"
    "    .globl at_cli, after_cli\n"
    "at_cli: cli\n"
    "after_cli:\n"
    "    .globl at_cr3, after_cr3\n"
    "at_cr3: mov %cr3, %rax\n"
    "after_cr3:\n"
    "    .globl at_kread, after_kread\n"
    "at_kread: mov kernel_secret(%rip), %rax\n"
    "after_kread:\n"
    "    .globl at_rowrite, after_rowrite\n"
    "at_rowrite: movq $1, user_ro+8(%rip)\n"
    "after_rowrite:\n"
    "    mov user_ro(%rip), %rax\n"             /* reading it is fine */
    "    .globl after_kcall\n"
    "    call kernel_func\n"                    /* a supervisor page: #PF on the fetch */
    "after_kcall:\n"
    "    int $0x2c\n"                           /* IST gate */
    "    movabs $0x8000000000000000, %rbx\n"
    "    .globl at_noncanon, after_noncanon\n"
    "at_noncanon: mov (%rbx), %rax\n"
    "after_noncanon:\n"
    "    cmpb $0, user_ro+16(%rip)\n"           /* sysenter from 64-bit mode: not on QEMU */
    "    je 1f\n"
    "    mov $21, %eax\n"
    "    mov %rsp, %rcx\n"
    "    lea 2f(%rip), %rdx\n"
    "    sysenter\n"                            /* back by sysexitq: rax = 3 * 21 + 1 */
    "2:  mov %rax, %rdi\n"
    "    mov %cs, %rsi\n"
    "    shl $16, %rdi\n"
    "    or %rsi, %rdi\n"
    "    mov $3, %eax\n"
    "    syscall\n"                             /* hand back (rax << 16) | CS */
    "1:  mov $60, %eax\n"
    "    syscall\n"                             /* back to the kernel for good */
    "    ud2\n"
    "    .globl user_msg\n"
    "user_msg: .asciz \"hello from ring 3\\n\"\n"
    "    .balign 4096\n"
    "    .globl user_end\n"
    "user_end:\n"
    "    .text\n"
    "    .globl enter_user, leave_user, syscall_entry, sysenter_entry\n"
    "enter_user:\n"                             /* (rip, rsp): iretq to ring 3 */
    "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "    mov %rsp, saved_ksp(%rip)\n"
    "    pushq $0x1b\n"
    "    push %rsi\n"
    "    pushq $0x202\n"
    "    pushq $0x23\n"
    "    push %rdi\n"
    "    iretq\n"
    "leave_user:\n"                             /* from syscall 60: enter_user returns */
    "    swapgs\n"
    "    mov saved_ksp(%rip), %rsp\n"
    "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "    ret\n"
    "syscall_entry:\n"
    "    swapgs\n"
    "    mov %rsp, %gs:8\n"
    "    mov %gs:0, %rsp\n"
    "    push %rcx\n"
    "    push %r11\n"
    "    mov %rdi, %rsi\n"
    "    mov %rax, %rdi\n"
    "    call syscall_c\n"
    "    pop %r11\n"
    "    pop %rcx\n"
    "    mov %gs:8, %rsp\n"
    "    swapgs\n"
    "    sysretq\n"
    "sysenter_entry:\n"                        /* at CPL 0 on SYSENTER_ESP, IF clear */
    "    mov %cs, sysenter_cs(%rip)\n"
    "    mov %ss, sysenter_ss(%rip)\n"
    "    mov %rsp, sysenter_rsp(%rip)\n"
    "    pushfq\n"
    "    pop sysenter_flags(%rip)\n"
    "    lea 1(%rax,%rax,2), %rax\n"
    "    sti\n"                                 /* the user's IF back */
    "    .byte 0x48, 0x0f, 0x35\n");            /* sysexitq: to 64-bit code, RCX:RDX */

/* ---------------------------------------------------------------- the kernel side */

__attribute__((noinline)) int kernel_func(void);
__attribute__((noinline)) int kernel_func(void)
{
    return 5;
}

static volatile uint64_t sys_cs, sys_flags, sys_gs_mark, sys_len_back, sys_rcx;
static volatile uint64_t int_cs, int_ss, int_rax, int_frame, ist_frame, ist_cs;
static volatile uint64_t gp_seen, gp_err[4], gp_rip[4];
static volatile uint64_t pf_seen, pf_err[3], pf_cr2[3], pf_rip[3];
static volatile uint64_t sysenter_back;

uint64_t syscall_c(uint64_t nr, uint64_t arg)
{
    uint64_t cs, flags, mark;
    __asm__ volatile("mov %%cs, %0; pushfq; pop %1; mov %%gs:16, %2"
                     : "=r"(cs), "=r"(flags), "=r"(mark));
    switch (nr) {
    case 1: {
        sys_cs = cs;
        sys_flags = flags;
        sys_gs_mark = mark;
        const char *s = (const char *)(uintptr_t)arg;
        uint64_t n = 0;
        while (s[n])
            n++;
        puts(s);
        return n;
    }
    case 2:
        sys_len_back = arg;
        return 0;
    case 3:
        sysenter_back = arg;
        return 0;
    default:
        leave_user();
    }
}

static void on_int2e(IsrFrame *f)
{
    int_cs = f->cs;
    int_ss = f->ss;
    int_rax = f->rax;
    int_frame = (uint64_t)(uintptr_t)f;
}

static void on_int2c(IsrFrame *f)
{
    ist_frame = (uint64_t)(uintptr_t)f;
    ist_cs = f->cs;
}

/* Past the instruction that faulted, by the table of the labels above. */
static bool resume_after(IsrFrame *f)
{
    static const struct { const char *at, *after; } fix[] = {
        { at_int2d, after_int2d }, { at_cli, after_cli }, { at_cr3, after_cr3 },
        { at_kread, after_kread }, { at_rowrite, after_rowrite },
        { at_noncanon, after_noncanon },
    };
    for (unsigned i = 0; i < sizeof fix / sizeof fix[0]; i++)
        if (f->rip == (uint64_t)(uintptr_t)fix[i].at) {
            f->rip = (uint64_t)(uintptr_t)fix[i].after;
            return true;
        }
    return false;
}

static void on_gp(IsrFrame *f)
{
    if (gp_seen < 4) {
        gp_err[gp_seen] = f->error;
        gp_rip[gp_seen] = f->rip;
    }
    gp_seen++;
    if (!resume_after(f))
        machine_exit(0x31);
}

static void on_pf(IsrFrame *f)
{
    if (pf_seen < 3) {
        pf_err[pf_seen] = f->error;
        pf_cr2[pf_seen] = read_cr2();
        pf_rip[pf_seen] = f->rip;
    }
    pf_seen++;
    if (f->rip == (uint64_t)(uintptr_t)kernel_func) {
        f->rip = (uint64_t)(uintptr_t)after_kcall;      /* as if it had returned */
        f->rsp += 8;
        return;
    }
    if (!resume_after(f))
        machine_exit(0x32);
}

static uint64_t addr(const void *p) { return (uint64_t)(uintptr_t)p; }

static void setup(void)
{
    /* GDT: kernel code/data, user data/code (the order sysret needs), the TSS. */
    gdt[1] = 0x00af9a000000ffffull;
    gdt[2] = 0x00cf92000000ffffull;
    gdt[3] = 0x00cff2000000ffffull;
    gdt[4] = 0x00affa000000ffffull;
    uint64_t base = addr(&tss), limit = sizeof tss - 1;
    gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[6] = base >> 32;
    gdt[7] = gdt[1];
    gdt[8] = gdt[2];
    gdt[11] = gdt[4];
    gdt[12] = gdt[3];
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gp = { sizeof gdt - 1, addr(gdt) };
    __asm__ volatile("lgdt %0" :: "m"(gp));
    tss.rsp[0] = addr(rsp0_stack + sizeof rsp0_stack);
    tss.ist[0] = addr(ist1_stack + sizeof ist1_stack);
    tss.iomap = sizeof tss;
    __asm__ volatile("ltr %w0" :: "r"(TSS_SEL));

    idt_init();
    idt_set_attr(0x2e, 0xee, 0);                /* DPL 3 */
    idt_set_attr(0x2c, 0xee, 1);                /* DPL 3, IST1 */
    isr_register(0x2e, on_int2e);
    isr_register(0x2c, on_int2c);
    isr_register(13, on_gp);
    isr_register(14, on_pf);

    /* Page tables: everything supervisor but the user pages. */
    pt_identity(PAGE_SIZE, 4ull << 20, PT_P | PT_W);
    for (uint64_t a = addr(user_start); a < addr(user_end); a += PAGE_SIZE)
        pt_map(a, a, PT_P | PT_U);
    pt_map(addr(user_stack), addr(user_stack), PT_P | PT_W | PT_U | PT_XD);
    pt_map(addr(user_ro), addr(user_ro), PT_P | PT_U | PT_XD);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE | EFER_SCE);
    pt_load();

    percpu.kstack = addr(rsp0_stack + sizeof rsp0_stack - 1024);
    percpu.magic = 0xfeed;
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, addr(&percpu));
    wrmsr(MSR_STAR, (uint64_t)KDATA << 48 | (uint64_t)KCODE << 32);
    wrmsr(MSR_LSTAR, addr(syscall_entry));
    wrmsr(MSR_FMASK, 0x200);                    /* IF off in the kernel */
    wrmsr(0x174, 0x38);                         /* IA32_SYSENTER_CS, ESP, EIP */
    wrmsr(0x175, addr(sysenter_stack + sizeof sysenter_stack));
    wrmsr(0x176, addr(sysenter_entry));
}

static bool within(uint64_t a, const uint8_t *stack, uint64_t size)
{
    return a >= addr(stack) && a < addr(stack) + size;
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    serial_init();
    puts("user test\n");
    /* QEMU (an AMD CPU model) makes sysenter #UD in long mode; Intel CPUs run it. The flag
     * goes in before the page turns read-only. */
    bool with_sysenter = !boot_skip_qemu(info);
    user_ro[16] = with_sysenter;
    setup();
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    check("ltr, str: the TSS selector", tr == TSS_SEL && ((gdt[5] >> 40) & 0xf) == 0xb);
    check("the kernel runs kernel_func", kernel_func() == 5);

    enter_user(addr(user_start), addr(user_stack + sizeof user_stack));

    check("iretq to ring 3, syscall from it: CPL 0, IF masked by FMASK",
          sys_cs == KCODE && !(sys_flags & 0x200));
    check("swapgs: the kernel's GS base in the syscall", sys_gs_mark == 0xfeed);
    check("sysret to ring 3 and a second syscall with its value", sys_len_back == 18);
    check("int through a DPL-3 gate from ring 3: the user's CS and SS, RAX, on RSP0",
          int_cs == UCODE && int_ss == UDATA && int_rax == 7 &&
          within(int_frame, rsp0_stack, sizeof rsp0_stack));
    check("int through a DPL-0 gate from ring 3: #GP at the int",
          gp_seen >= 1 && gp_rip[0] == addr(at_int2d));
    /* The error code's index field is the vector (SDM vol. 3 6.13); QEMU 7.2 pushes
     * vector * 16 + 2 in long mode. */
    if (!boot_skip_qemu(info))
        check("and its error code: vector * 8 + 2 (IDT)", gp_err[0] == 0x2d * 8 + 2);
    check("cli in ring 3: #GP(0)", gp_seen >= 2 && gp_err[1] == 0 && gp_rip[1] == addr(at_cli));
    check("mov from CR3 in ring 3: #GP(0)", gp_seen >= 3 && gp_err[2] == 0 && gp_rip[2] == addr(at_cr3));
    check("a user read of a supervisor page: #PF error code 5, CR2",
          pf_seen >= 1 && pf_err[0] == 5 && pf_cr2[0] == addr(&kernel_secret) &&
          pf_rip[0] == addr(at_kread));
    check("a user write to a read-only page: #PF error code 7",
          pf_seen >= 2 && pf_err[1] == 7 && pf_cr2[1] == addr(user_ro) + 8 && user_ro[8] == 0);
    check("a user fetch from a supervisor page: #PF error code 0x15 at the target",
          pf_seen == 3 && pf_err[2] == 0x15 && pf_cr2[2] == addr(kernel_func) &&
          pf_rip[2] == addr(kernel_func));
    check("an IST gate: the handler on IST1", within(ist_frame, ist1_stack, sizeof ist1_stack) &&
          ist_cs == UCODE);
    check("a non-canonical address in ring 3: #GP(0)", gp_seen == 4 && gp_err[3] == 0 &&
          gp_rip[3] == addr(at_noncanon));
    if (with_sysenter) {
        check("sysenter from 64-bit ring 3: CPL 0, CS 0x38, SS 0x40, SYSENTER_ESP, IF clear",
              sysenter_cs == 0x38 && sysenter_ss == 0x40 && !(sysenter_flags & 0x200) &&
              sysenter_rsp == addr(sysenter_stack + sizeof sysenter_stack));
        check("sysexitq back to 64-bit ring 3: CS 0x5b, RAX from the kernel",
              sysenter_back == ((21 * 3 + 1) << 16 | 0x5b));
    }
    check("and KERNEL_GS_BASE swapped back", rdmsr(MSR_KERNEL_GS_BASE) == addr(&percpu) &&
          rdmsr(MSR_GS_BASE) == 0);
    finish();
}
