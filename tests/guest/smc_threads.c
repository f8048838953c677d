/* smc_threads.c — cross-modifying code: two threads keep calling a function in an RWX buffer
 * (through a function pointer, so the calls go through ferry's jump cache) while the main
 * thread rewrites the constant it returns, 50 times. After each rewrite the main thread
 * waits until both threads have seen the new value, as a JIT waits for its threads; a thread
 * that kept running the old translation would never see it (the waits give up after 20 s in
 * all and the test fails). Each value a thread sees must be one the main thread wrote.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef int32_t (*Fn)(void);

static uint8_t *code;
static atomic_int seen[2];          /* the last value each thread got */
static atomic_int stop;
static atomic_int bogus;            /* values nobody wrote */

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    Fn f = (Fn)(void *)code;
    while (!atomic_load(&stop)) {
        int32_t v = f();
        if (v < 0 || v > 50 * 7 || v % 7)
            atomic_fetch_add(&bogus, 1);
        atomic_store(&seen[id], v);
    }
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
    if (code == MAP_FAILED)
        return 1;
    static const uint8_t f[6] = { 0xb8, 0, 0, 0, 0, 0xc3 };     /* mov $0, %eax; ret */
    memcpy(code, f, sizeof f);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    int late = 0;
    double give_up = now() + 20;
    for (int32_t round = 1; round <= 50; round++) {
        int32_t v = round * 7;
        memcpy(code + 1, &v, 4);    /* one 4-byte store into the running code */
        struct timespec pause = { 0, 20000 };
        while ((atomic_load(&seen[0]) != v || atomic_load(&seen[1]) != v) && now() < give_up)
            nanosleep(&pause, NULL);
        if (atomic_load(&seen[0]) != v || atomic_load(&seen[1]) != v)
            late++;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    printf("50 rewrites: %d never seen by both threads, %d values nobody wrote\n", late,
           atomic_load(&bogus));
    return late || atomic_load(&bogus);
}
