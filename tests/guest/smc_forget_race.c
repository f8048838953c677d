/* smc_forget_race.c — a thread keeps writing data next to code in an RWX page while the main
 * thread keeps changing the page's mapping (mprotect to the same RWX) and running the code
 * again. ferry write-protects the page once the code is translated; each mprotect gives the
 * page its protection back and drops ferry's record of it, so a write that faulted just before
 * the record went must still happen, never become the guest's SIGSEGV. The writer counts its
 * writes and checks each one landed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int32_t (*Fn)(void);

#define ROUNDS 150

static uint8_t *page;
static atomic_int stop;
static atomic_long writes, lost;

static void *writer(void *arg)
{
    (void)arg;
    volatile uint32_t *data = (volatile uint32_t *)(page + 2048);
    uint32_t v = 0;
    while (!atomic_load(&stop)) {
        data[v & 63] = v;
        if (data[v & 63] != v)
            atomic_fetch_add(&lost, 1);
        v++;
        atomic_fetch_add(&writes, 1);
    }
    return NULL;
}

int main(void)
{
    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    /* mov eax, 42; ret */
    static const uint8_t fn[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
    memcpy(page, fn, sizeof fn);
    Fn f = (Fn)(void *)page;
    pthread_t t;
    if (pthread_create(&t, NULL, writer, NULL))
        return 1;
    long sum = 0;
    for (int i = 0; i < ROUNDS; i++) {
        sum += f();
        if (mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC))
            return 1;
        /* Let the writer run between rounds. */
        for (long w = atomic_load(&writes); atomic_load(&writes) < w + 20;)
            ;
    }
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    printf("sum %ld, lost writes %ld, writer ran: %s\n", sum, atomic_load(&lost),
           atomic_load(&writes) > ROUNDS ? "yes" : "no");
    return 0;
}
