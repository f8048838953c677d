/* smc_jit.c — a tiny JIT compiler in the guest, regenerating code many times:
 *   1. W^X: a buffer mapped RW, a polynomial compiled into it, mprotect to RX, called, back to
 *      RW, recompiled with other coefficients (300 times);
 *   2. an RWX buffer whose functions are rewritten in place while earlier versions have run:
 *      f calls g with a direct call (which ferry chains) and f itself is reached through a
 *      function pointer (ferry's jump cache), then only g's constant is patched with one
 *      4-byte store, or g is replaced by other instructions with memcpy, or with rep movsb
 *      (a C helper inside ferry does that store), or f's call is redirected to another
 *      function; every call must run the code as it is now (1000 rounds);
 *   3. code written into the buffer by read(2) from a pipe (the kernel writes it) after the
 *      buffer's earlier code has run.
 * Results are checked against the same arithmetic in C and summed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int64_t (*Fn)(int64_t);

/* ---------------------------------------------------------------- a polynomial compiler */

typedef struct Code {
    uint8_t *p;
} Code;

static void emit(Code *c, const void *bytes, size_t n)
{
    memcpy(c->p, bytes, n);
    c->p += n;
}

static void emit_imm64(Code *c, uint8_t op2, int64_t v)   /* movabs $v, %rax / %rcx */
{
    uint8_t insn[2] = { 0x48, op2 };
    emit(c, insn, 2);
    emit(c, &v, 8);
}

/* Horner: rax = ((k[n-1] * x + k[n-2]) * x + ...) + k[0], x in rdi. */
static void compile_poly(uint8_t *buf, const int64_t *k, int n)
{
    Code c = { buf };
    emit_imm64(&c, 0xb8, k[n - 1]);                         /* movabs k, %rax */
    for (int i = n - 2; i >= 0; i--) {
        static const uint8_t imul[] = { 0x48, 0x0f, 0xaf, 0xc7 };   /* imul %rdi, %rax */
        static const uint8_t add[] = { 0x48, 0x01, 0xc8 };          /* add %rcx, %rax */
        emit(&c, imul, sizeof imul);
        emit_imm64(&c, 0xb9, k[i]);                         /* movabs k, %rcx */
        emit(&c, add, sizeof add);
    }
    static const uint8_t ret[] = { 0xc3 };
    emit(&c, ret, 1);
}

static int64_t poly(const int64_t *k, int n, int64_t x)
{
    uint64_t r = (uint64_t)k[n - 1];
    for (int i = n - 2; i >= 0; i--)
        r = r * (uint64_t)x + (uint64_t)k[i];
    return (int64_t)r;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static int wx_rounds(void)
{
    uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    int wrong = 0;
    int64_t sum = 0;
    for (int round = 0; round < 300; round++) {
        int64_t k[12];
        int n = 1 + round % 12;
        for (int i = 0; i < n; i++)
            k[i] = (int64_t)(rnd() % 2001) - 1000;
        compile_poly(buf, k, n);
        mprotect(buf, 8192, PROT_READ | PROT_EXEC);
        for (int64_t x = -3; x <= 3; x++) {
            int64_t v = ((Fn)(void *)buf)(x);
            wrong += v != poly(k, n, x);
            sum += v;
        }
        mprotect(buf, 8192, PROT_READ | PROT_WRITE);
    }
    munmap(buf, 8192);
    printf("W^X polynomials: sum %lld, %d wrong\n", (long long)sum, wrong);
    return wrong;
}

/* ---------------------------------------------------------------- rewriting in place */

enum { F_AT = 0, G_AT = 64, H_AT = 128 };

/* g: mov $k, %eax; ret   (b8 imm32 c3) */
static void write_g_const(uint8_t *buf, int32_t k)
{
    uint8_t g[6] = { 0xb8, 0, 0, 0, 0, 0xc3 };
    memcpy(g + 1, &k, 4);
    memcpy(buf + G_AT, g, sizeof g);
}

/* g: lea k(%rdi,%rdi,2), %eax; ret   (8d 84 7f disp32 c3): 3 * x + k */
static void g_lea_bytes(uint8_t g[8], int32_t k)
{
    static const uint8_t t[8] = { 0x8d, 0x84, 0x7f, 0, 0, 0, 0, 0xc3 };
    memcpy(g, t, 8);
    memcpy(g + 3, &k, 4);
}

/* f: call <target>; add %edi, %eax; ret */
static void write_f(uint8_t *buf, int target)
{
    uint8_t f[9] = { 0xe8, 0, 0, 0, 0, 0x01, 0xf8, 0xc3 };
    int32_t rel = target - (F_AT + 5);
    memcpy(f + 1, &rel, 4);
    memcpy(buf + F_AT, f, 8);
}

static void rep_movsb(void *dst, const void *src, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static int in_place_rounds(void)
{
    uint8_t *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    Fn f = (Fn)(void *)(buf + F_AT);
    /* h: mov $-1000, %eax; ret */
    static const uint8_t h[6] = { 0xb8, 0x18, 0xfc, 0xff, 0xff, 0xc3 };
    memcpy(buf + H_AT, h, sizeof h);
    write_f(buf, G_AT);
    write_g_const(buf, 0);
    int wrong = 0;
    int64_t sum = 0;
    for (int round = 0; round < 1000; round++) {
        int32_t k = (int32_t)(rnd() % 100000);
        int32_t want_g;                 /* g's result for x = round */
        int x = round;
        bool to_h = false;
        switch (round % 5) {
        case 0:                         /* one 4-byte store into the immediate */
        case 1: {
            int32_t imm = k;
            memcpy(buf + G_AT + 1, &imm, 4);
            if (buf[G_AT] != 0xb8) {    /* g was the lea form: write the mov form back */
                write_g_const(buf, k);
            }
            want_g = k;
            break;
        }
        case 2: {                       /* other instructions, by memcpy */
            uint8_t g[8];
            g_lea_bytes(g, k);
            memcpy(buf + G_AT, g, 8);
            want_g = 3 * x + k;
            break;
        }
        case 3: {                       /* other instructions, by rep movsb */
            uint8_t g[8];
            g_lea_bytes(g, k + 1);
            rep_movsb(buf + G_AT, g, 8);
            want_g = 3 * x + k + 1;
            break;
        }
        default:                        /* f calls h this round, g the next */
            write_f(buf, H_AT);
            to_h = true;
            want_g = -1000;
            break;
        }
        for (int rep = 0; rep < 3; rep++) {
            int64_t v = f(x);
            int32_t want = want_g + x;
            wrong += (int32_t)v != want;
            sum += (int32_t)v;
        }
        if (to_h)
            write_f(buf, G_AT);
    }
    printf("rewritten in place: sum %lld, %d wrong\n", (long long)sum, wrong);

    /* 3: the kernel writes the next version of g (through a pipe). */
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    int kwrong = 0;
    for (int round = 0; round < 20; round++) {
        uint8_t g[8];
        g_lea_bytes(g, round * 100);
        if (write(fds[1], g, 8) != 8 || read(fds[0], buf + G_AT, 8) != 8) {
            perror("pipe");
            return -1;
        }
        int64_t v = f(round);
        kwrong += (int32_t)v != 3 * round + round * 100 + round;
    }
    printf("written by read(2): %d wrong\n", kwrong);
    munmap(buf, 4096);
    return wrong + kwrong;
}

int main(void)
{
    int a = wx_rounds(), b = in_place_rounds();
    return a < 0 || b < 0 ? 1 : 0;
}
