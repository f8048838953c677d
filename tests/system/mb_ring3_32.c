/* mb_ring3_32.c — privilege level 3 in 32-bit protected mode (issue 8): a 32-bit TSS (ltr),
 * an iret from CPL 0 to CPL 3 (pops ESP and SS too), int 0x80 system calls through a DPL-3
 * interrupt gate that print on COM1 for the user code, exceptions from CPL 3 delivered on
 * SS0:ESP0 of the TSS (SS, ESP, EFLAGS, CS, EIP and the error code on the kernel stack) and
 * resumed by an iret back to CPL 3: #GP(0) from privileged instructions (cli, hlt, mov from
 * CR3, out, wrmsr, lgdt, sysexit), #GP(selector) from a load of a DPL-0 data segment, #GP(8 v
 * + 2) from int n through a DPL-0 gate, #PF with the U/S bit from reads and writes of a
 * supervisor page and a page not present; timer interrupts taken at CPL 3; sysenter/sysexit
 * round trips through IA32_SYSENTER_CS/ESP/EIP, and #GP(0) from sysenter with SYSENTER_CS 0.
 * Exit status 33 when every check passes. qemu-system-x86_64 boots it too (run.sh). */
#include "mb.h"

/* 0x08 kernel code, 0x10 kernel data, 0x18 user code, 0x20 user data (DPL 3), 0x28 the TSS
 * (filled in at start: ltr writes its busy bit, so the table is writable). */
static uint64_t gdt[6] = {
    0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00cffa000000ffffull,
    0x00cff2000000ffffull, 0,
};
#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1b
#define UDATA 0x23
#define TSS_SEL 0x28

typedef struct __attribute__((packed)) Tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
} Tss32;
static Tss32 tss;

static uint8_t kstack0[8192] __attribute__((aligned(16)));     /* SS0:ESP0 */
static uint8_t sysenter_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));

/* The IDT: isr.S's stubs for 0-47 (DPL 0), int 0x80's stub below (DPL 3). */
typedef struct __attribute__((packed)) Gate {
    uint16_t off_lo, sel;
    uint8_t zero, type_attr;
    uint16_t off_hi;
} Gate;
static Gate idt[256];
extern const uint32_t isr_table[48];

static void set_gate(unsigned v, uint32_t target, uint8_t type_attr)
{
    idt[v] = (Gate){ (uint16_t)target, KCODE, 0, type_attr, (uint16_t)(target >> 16) };
}

/* ---------------------------------------------------------------- the kernel's entries */

typedef struct SysFrame {               /* pusha, then what the CPU pushed from CPL 3 */
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
    uint32_t eip, cs, eflags, esp, ss;
} SysFrame;

void syscall_dispatch(SysFrame *f);
uint32_t sysenter_c(uint32_t n, uint32_t user_esp);
uint32_t enter_user(uint32_t eip, uint32_t esp);
void syscall_stub(void);
void sysenter_entry(void);
void back_in_kernel(void);
uint32_t kernel_esp;

/* enter_user(eip, esp): the callee-saved registers and ESP kept, then an iret to UCODE:eip
 * with UDATA:esp and the data segments loaded with UDATA. The exit system call continues at
 * back_in_kernel (at CPL 0, on the TSS's stack), which returns from enter_user. */
__asm__(
    "    .text\n"
    "    .globl enter_user, back_in_kernel, syscall_stub, sysenter_entry\n"
    "enter_user:\n"
    "    push %ebp\n    push %ebx\n    push %esi\n    push %edi\n"
    "    mov %esp, kernel_esp\n"
    "    mov 20(%esp), %eax\n"
    "    mov 24(%esp), %ecx\n"
    "    mov $0x23, %edx\n"
    "    mov %dx, %ds\n    mov %dx, %es\n    mov %dx, %fs\n    mov %dx, %gs\n"
    "    push $0x23\n    push %ecx\n    pushf\n    push $0x1b\n    push %eax\n"
    "    iret\n"
    "back_in_kernel:\n"
    "    mov $0x10, %edx\n"
    "    mov %dx, %ds\n    mov %dx, %es\n    mov %dx, %fs\n    mov %dx, %gs\n"
    "    mov kernel_esp, %esp\n"
    "    pop %edi\n    pop %esi\n    pop %ebx\n    pop %ebp\n"
    "    ret\n"
    "syscall_stub:\n"
    "    pusha\n    push %esp\n    call syscall_dispatch\n    add $4, %esp\n    popa\n"
    "    iret\n"
    "sysenter_entry:\n"
    "    push %ecx\n    push %edx\n    push %ecx\n    push %eax\n"
    "    call sysenter_c\n"
    "    add $8, %esp\n    pop %edx\n    pop %ecx\n"
    "    sysexit\n");

/* ---------------------------------------------------------------- faults */

static volatile uint32_t recover;           /* where a fault handler resumes */
static volatile uint32_t fault_at;          /* where the faulting instruction is */
static volatile uint32_t seen_vector, seen_error, seen_eip, seen_cs, seen_ss, seen_esp;
static volatile uint32_t seen_cr2, seen_frame;
static volatile unsigned ticks, user_ticks;

static void on_fault(IsrFrame *f)
{
    uint32_t *cpu = &f->eip;                /* EIP CS EFLAGS, then ESP SS from CPL 3 */
    seen_vector = f->vector;
    seen_error = f->error;
    seen_eip = f->eip;
    seen_cs = f->cs;
    seen_ss = (f->cs & 3) ? cpu[4] : 0;
    seen_esp = (f->cs & 3) ? cpu[3] : 0;
    seen_frame = (uint32_t)(uintptr_t)f;
    uint32_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    seen_cr2 = cr2;
    if (recover) {
        f->eip = recover;
        recover = 0;
    } else {
        puts("unexpected fault ");
        put_dec(f->vector);
        puts(" at ");
        put_hex(f->eip);
        putc('\n');
        machine_exit(0x30);
    }
}

static void timer(IsrFrame *f)
{
    ticks++;
    if (f->cs == UCODE && (&f->eip)[4] == UDATA)
        user_ticks++;
    pic_eoi(0);
}

static bool on_kstack0(uint32_t a)
{
    return a >= (uint32_t)(uintptr_t)kstack0 && a < (uint32_t)(uintptr_t)kstack0 + sizeof kstack0;
}

static bool on_user_stack(uint32_t a)
{
    return a >= (uint32_t)(uintptr_t)user_stack &&
           a <= (uint32_t)(uintptr_t)user_stack + sizeof user_stack;
}

/* What the user code's faults should have been, by index (SYS_EXPECT). */
typedef struct Expect {
    const char *name;
    uint32_t vector, error, cr2;
} Expect;
static const Expect expects[] = {
    { "cli at CPL 3: #GP(0)", 13, 0, 0 },
    { "hlt at CPL 3: #GP(0)", 13, 0, 0 },
    { "mov from CR3 at CPL 3: #GP(0)", 13, 0, 0 },
    { "out at CPL 3 (IOPL 0): #GP(0)", 13, 0, 0 },
    { "wrmsr at CPL 3: #GP(0)", 13, 0, 0 },
    { "lgdt at CPL 3: #GP(0)", 13, 0, 0 },
    { "sysexit at CPL 3: #GP(0)", 13, 0, 0 },
    { "mov of a DPL-0 data segment to DS at CPL 3: #GP(0x10)", 13, 0x10, 0 },
    { "mov of a DPL-0 data segment to SS at CPL 3: #GP(0x10)", 13, 0x10, 0 },
    { "int 0x21 through a DPL-0 gate: #GP(0x10a)", 13, 0x21 * 8 + 2, 0 },
    { "read of a supervisor page: #PF(0x5)", 14, 5, 0x800004 },
    { "write to a supervisor page: #PF(0x7)", 14, 7, 0x800010 },
    { "read of a page not present: #PF(0x4)", 14, 4, 0x400020 },
};

static void expect(unsigned i)
{
    const Expect *x = &expects[i];
    bool ok = seen_vector == x->vector && seen_error == x->error && seen_eip == fault_at &&
              seen_cs == UCODE && seen_ss == UDATA && on_user_stack(seen_esp) &&
              on_kstack0(seen_frame) && (x->vector != 14 || seen_cr2 == x->cr2);
    check(x->name, ok);
    if (!ok) {
        puts("  got vector ");
        put_dec(seen_vector);
        puts(" error ");
        put_hex(seen_error);
        puts(" eip ");
        put_hex(seen_eip);
        puts(" cs ");
        put_hex(seen_cs);
        puts(" ss ");
        put_hex(seen_ss);
        puts(" cr2 ");
        put_hex(seen_cr2);
        putc('\n');
    }
    seen_vector = seen_error = seen_eip = 0xffffffffu;
}

/* ---------------------------------------------------------------- system calls */

enum { SYS_EXIT, SYS_WRITE, SYS_CPL, SYS_EXPECT, SYS_STI, SYS_PUTDEC };

void syscall_dispatch(SysFrame *f)
{
    static bool frame_checked;
    if (!frame_checked) {
        frame_checked = true;
        check("int 0x80 from CPL 3: on SS0:ESP0, SS and ESP pushed",
              on_kstack0((uint32_t)(uintptr_t)f) && f->cs == UCODE && f->ss == UDATA &&
              on_user_stack(f->esp));
    }
    switch (f->eax) {
    case SYS_EXIT:
        f->eip = (uint32_t)(uintptr_t)back_in_kernel;  /* an iret to CPL 0 */
        f->cs = KCODE;
        f->eflags &= ~0x200u;
        break;
    case SYS_WRITE:
        puts((const char *)(uintptr_t)f->ebx);
        f->eax = 0;
        break;
    case SYS_CPL:
        check("user code runs at CPL 3", (f->ebx & 3) == 3 && (f->cs & 3) == 3);
        break;
    case SYS_EXPECT:
        expect(f->ebx);
        break;
    case SYS_STI:
        f->eflags |= 0x200;
        break;
    case SYS_PUTDEC:
        put_dec(f->ebx);
        break;
    default:
        f->eax = (uint32_t)-1;
        break;
    }
}

static volatile uint32_t sysenter_calls, sysenter_bad;

uint32_t sysenter_c(uint32_t n, uint32_t user_esp)
{
    uint16_t cs, ss;
    uint32_t esp, fl;
    __asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%esp, %2; pushf; pop %3"
                     : "=r"(cs), "=r"(ss), "=r"(esp), "=r"(fl));
    if (cs != KCODE || ss != KDATA || fl & 0x200 ||
        esp < (uint32_t)(uintptr_t)sysenter_stack ||
        esp >= (uint32_t)(uintptr_t)sysenter_stack + sizeof sysenter_stack ||
        !on_user_stack(user_esp))
        sysenter_bad++;
    sysenter_calls++;
    return n * 3 + 1;
}

/* ---------------------------------------------------------------- the user code */

static inline uint32_t sys(uint32_t n, uint32_t a)
{
    uint32_t r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a) : "memory");
    return r;
}

static inline uint32_t sys_enter(uint32_t n)
{
    uint32_t r;
    __asm__ volatile("mov %%esp, %%ecx\n\tmovl $1f, %%edx\n\tsysenter\n1:"
                     : "=a"(r) : "a"(n) : "ecx", "edx", "memory");
    return r;
}

/* After `setup`, the instruction `insn` faults; the handler resumes after it. */
#define UFAULT2(setup, insn, ...)                                              \
    __asm__ volatile(setup "movl $2f, %0\n\tmovl $1f, %1\n1:\t" insn "\n2:"     \
                     : "=m"(recover), "=m"(fault_at) : __VA_ARGS__)
#define UFAULT(insn, ...) UFAULT2("", insn, __VA_ARGS__)

static void user_main(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    sys(SYS_WRITE, (uint32_t)(uintptr_t)"hello from ring 3, through int 0x80\n");
    sys(SYS_CPL, cs);

    UFAULT("cli", "i"(0) : "memory");
    sys(SYS_EXPECT, 0);
    UFAULT("hlt", "i"(0) : "memory");
    sys(SYS_EXPECT, 1);
    UFAULT("mov %%cr3, %%eax", "i"(0) : "eax", "memory");
    sys(SYS_EXPECT, 2);
    UFAULT("outb %%al, $0x80", "i"(0) : "memory");
    sys(SYS_EXPECT, 3);
    UFAULT2("xor %%eax, %%eax\n\txor %%edx, %%edx\n\tmov $0x174, %%ecx\n\t", "wrmsr", "i"(0)
            : "eax", "ecx", "edx", "memory");
    sys(SYS_EXPECT, 4);
    static const struct __attribute__((packed)) { uint16_t limit; uint32_t base; } bad = { 7, 0 };
    UFAULT("lgdt %2", "m"(bad) : "memory");
    sys(SYS_EXPECT, 5);
    UFAULT("sysexit", "i"(0) : "memory");
    sys(SYS_EXPECT, 6);
    UFAULT("mov %%ax, %%ds", "a"(KDATA) : "memory");
    sys(SYS_EXPECT, 7);
    UFAULT("mov %%ax, %%ss", "a"(KDATA) : "memory");
    sys(SYS_EXPECT, 8);
    UFAULT("int $0x21", "i"(0) : "memory");
    sys(SYS_EXPECT, 9);
    UFAULT("mov (%2), %%eax", "r"(0x800004) : "eax", "memory");
    sys(SYS_EXPECT, 10);
    UFAULT("movl $1, (%2)", "r"(0x800010) : "memory");
    sys(SYS_EXPECT, 11);
    UFAULT("mov (%2), %%eax", "r"(0x400020) : "eax", "memory");
    sys(SYS_EXPECT, 12);

    uint16_t ds;
    __asm__ volatile("mov %%ds, %0" : "=r"(ds));
    sys(SYS_WRITE, ds == UDATA ? (uint32_t)(uintptr_t)"DS unchanged by the faults: ok\n"
                               : (uint32_t)(uintptr_t)"DS unchanged by the faults: FAILED\n");

    uint32_t sum = 0;
    for (uint32_t n = 1; n <= 5; n++)
        sum += sys_enter(n);                /* 4 + 7 + 10 + 13 + 16 */
    sys(SYS_WRITE, sum == 50 ? (uint32_t)(uintptr_t)"five sysenter/sysexit round trips: ok\n"
                             : (uint32_t)(uintptr_t)"five sysenter/sysexit round trips: FAILED\n");

    sys(SYS_STI, 0);                        /* IF set in the frame the iret loads */
    while (user_ticks < 3)
        __asm__ volatile("pause");
    sys(SYS_WRITE, (uint32_t)(uintptr_t)"timer interrupts taken at CPL 3\n");
    sys(SYS_EXIT, 0);
    for (;;)
        ;
}

/* ---------------------------------------------------------------- the kernel */

/* 32-bit paging with 4 MiB pages over the first 64 MiB, user-accessible, but linear 4-8 MiB
 * not present and 8-12 MiB supervisor-only. */
static uint32_t pd[1024] __attribute__((aligned(4096)));

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void kmain32(uint32_t magic, const MultibootInfo *mbi);
void kmain32(uint32_t magic, const MultibootInfo *mbi)
{
    (void)mbi;
    serial_init();
    puts("32-bit ring 3 test\n");
    check("multiboot magic", magic == MB_BOOT_MAGIC);
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    check("CPUID.1:EDX.SEP (sysenter, sysexit)", (d >> 11) & 1);

    uint32_t base = (uint32_t)(uintptr_t)&tss, limit = sizeof tss - 1;
    gdt[5] = (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | 0x89ull << 40 |
             (uint64_t)(base >> 24) << 56;
    tss.ss0 = KDATA;
    tss.esp0 = (uint32_t)(uintptr_t)kstack0 + sizeof kstack0;
    tss.iomap = sizeof tss;                 /* no I/O permission bitmap */
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } p = {
        sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };
    __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%eax; mov %%eax, %%ds;"
                     "mov %%eax, %%es; mov %%eax, %%ss; mov %%eax, %%fs; mov %%eax, %%gs"
                     :: "m"(p) : "eax", "memory");
    __asm__ volatile("ltr %w0" :: "r"((uint16_t)TSS_SEL));
    uint16_t tr;
    __asm__ volatile("str %w0" : "=r"(tr));
    check("ltr of a 32-bit TSS: str reads it, the descriptor is busy (type 11)",
          tr == TSS_SEL && ((gdt[5] >> 40) & 0xf) == 0xb);

    for (unsigned v = 0; v < 48; v++)
        set_gate(v, isr_table[v], 0x8e);
    set_gate(0x80, (uint32_t)(uintptr_t)syscall_stub, 0xee);   /* DPL 3 interrupt gate */
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } ip = {
        sizeof idt - 1, (uint32_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" :: "m"(ip));
    pic_init();
    for (unsigned v = 0; v < 32; v++)
        isr_register(v, on_fault);
    isr_register(0x20, timer);

    for (uint32_t i = 0; i < 16; i++)
        pd[i] = i << 22 | 0x87;             /* 4 MiB page, user, writable, present */
    pd[1] = 0;
    pd[2] = 2u << 22 | 0x83;                /* supervisor only */
    uint32_t cr4, cr0;
    __asm__ volatile("mov %%cr4, %0; mov %%cr0, %1" : "=r"(cr4), "=r"(cr0));
    __asm__ volatile("mov %0, %%cr4; mov %1, %%cr3; mov %2, %%cr0"
                     :: "r"(cr4 | 0x10), "r"(pd), "r"(cr0 | 0x80000000u) : "memory");

    wrmsr(0x174, KCODE);
    wrmsr(0x175, (uint32_t)(uintptr_t)sysenter_stack + sizeof sysenter_stack);
    wrmsr(0x176, (uint32_t)(uintptr_t)sysenter_entry);
    check("SYSENTER_CS/ESP/EIP read back", rdmsr(0x174) == KCODE &&
          rdmsr(0x175) == (uint32_t)(uintptr_t)sysenter_stack + sizeof sysenter_stack &&
          rdmsr(0x176) == (uint32_t)(uintptr_t)sysenter_entry);

    /* The PIT at 100 Hz on IRQ 0; interrupts stay off at CPL 0 (IF clear in EFLAGS). */
    outb(0x43, 0x34);
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);
    pic_unmask(0);

    puts("entering ring 3\n");
    enter_user((uint32_t)(uintptr_t)user_main, (uint32_t)(uintptr_t)user_stack + sizeof user_stack);
    cli();
    uint16_t cs, ds;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1" : "=r"(cs), "=r"(ds));
    check("back at CPL 0 after the exit system call", cs == KCODE && ds == KDATA);
    check("sysenter ran at CPL 0 on SYSENTER_ESP with IF clear",
          sysenter_calls == 5 && sysenter_bad == 0);
    check("timer interrupts from CPL 3 on SS0:ESP0", user_ticks >= 3);

    /* sysenter with SYSENTER_CS null: #GP(0), at CPL 0 too. */
    wrmsr(0x174, 0);
    uint32_t at;
    __asm__ volatile("movl $2f, %0\n\tmovl $1f, %1\n1:\tsysenter\n2:"
                     : "=m"(recover), "=r"(at) :: "memory");
    check("sysenter with SYSENTER_CS 0: #GP(0)", seen_vector == 13 && seen_error == 0 &&
          seen_eip == at && seen_cs == KCODE);
    finish();
}
