/* threads_flush.c — the shared code cache under change: one thread repeatedly writes a small
 * function into an executable mapping, runs it and unmaps it (each unmap of code empties
 * ferry's code cache, with the other threads stopped), while three threads run loops of
 * calls and branches. Every thread's result must be exact. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static volatile int stop;

static uint64_t mix(uint64_t x) { return (x ^ (x >> 7)) * 0x9e3779b97f4a7c15ull + 1; }

static uint64_t run(uint64_t x)
{
    for (uint64_t n = 0; n < 50000; n++) {
        x = mix(x);
        if (x & 1)
            x += n;
    }
    return x;
}

static uint64_t expect[3];

/* Rounds of the same computation until told to stop: 1 if every round was exact. */
static void *worker(void *p)
{
    int id = (int)(long)p;
    long ok = 1, rounds = 0;
    while (!stop || rounds == 0) {
        ok &= run((uint64_t)id + 1) == expect[id];
        rounds++;
    }
    return (void *)ok;
}

int main(void)
{
    /* mov eax, imm32 ; ret */
    unsigned char code[6] = { 0xb8, 0, 0, 0, 0, 0xc3 };
    for (int i = 0; i < 3; i++)
        expect[i] = run((uint64_t)i + 1);
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    long sum = 0;
    for (uint32_t k = 1; k <= 100; k++) {
        unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return 1;
        memcpy(code + 1, &k, 4);
        memcpy(m, code, sizeof code);
        sum += ((int (*)(void))(void *)m)();
        munmap(m, 4096);
    }
    stop = 1;
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok &= (long)r == 1;
    }
    printf("generated code returned %ld in total (expected %d)\n", sum, 100 * 101 / 2);
    printf("workers exact: %s\n", ok ? "yes" : "no");
    return 0;
}
