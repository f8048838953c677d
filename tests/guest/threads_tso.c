/* threads_tso.c — x86's memory order between threads without LOCK or fences: the patterns
 * that TSO makes safe with plain loads and stores (and that a weakly ordered host breaks if
 * the translator does not keep the order):
 *   message passing: the writer stores a payload, then a sequence number; a reader that sees
 *     the number must see the payload (store->store and load->load order);
 *   load buffering: each thread loads one flag and then stores the other; both loads seeing
 *     the other's store is impossible (load->store order);
 *   a single-producer single-consumer ring with plain head/tail indices (all three orders).
 * The one reordering x86 allows, a later load passing an earlier store (store buffering), is
 * not tested: it may happen natively too. Compiler barriers keep gcc/clang from reordering;
 * only the (translated) hardware could. Output is deterministic. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#define BARRIER() __asm__ volatile("" ::: "memory")
#define MP_ROUNDS 5000
#define LB_ROUNDS 1000
#define RING 64
#define RING_ITEMS 20000

/* A spinning thread yields now and then, so the test also ends soon on a loaded machine
 * with fewer cores than threads. (A system call orders memory in ferry, but none comes
 * between the accesses whose order is tested.) */
static void relax(unsigned n)
{
    if (n % 64 == 63)
        sched_yield();
}

/* ---- message passing */
static volatile uint64_t payload[4];
static volatile uint64_t seq;
static long mp_bad;

static void *mp_writer(void *arg)
{
    (void)arg;
    for (uint64_t i = 1; i <= MP_ROUNDS; i++) {
        for (int k = 0; k < 4; k++)
            payload[k] = i * 4 + (uint64_t)k;
        BARRIER();
        seq = i;
        BARRIER();
        for (unsigned n = 0; seq == i; n++)     /* the reader acknowledges with 0 */
            relax(n);
    }
    return NULL;
}

static void *mp_reader(void *arg)
{
    (void)arg;
    for (uint64_t i = 1; i <= MP_ROUNDS; i++) {
        uint64_t s;
        for (unsigned n = 0; (s = seq) != i; n++)
            relax(n);
        BARRIER();
        for (int k = 0; k < 4; k++)
            if (payload[k] != s * 4 + (uint64_t)k)
                mp_bad++;
        BARRIER();
        seq = 0;
    }
    return NULL;
}

/* ---- load buffering: r0 = y; x = 1 || r1 = x; y = 1; never r0 == r1 == 1 */
static volatile int lb_x, lb_y, lb_r[2];
static volatile int lb_go[2], lb_done[2];
static long lb_both;

static void *lb_thread(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int round = 1; round <= LB_ROUNDS; round++) {
        for (unsigned n = 0; lb_go[id] != round; n++)
            relax(n);
        BARRIER();
        if (id == 0) {
            lb_r[0] = lb_y;
            BARRIER();
            lb_x = 1;
        } else {
            lb_r[1] = lb_x;
            BARRIER();
            lb_y = 1;
        }
        BARRIER();
        lb_done[id] = round;
    }
    return NULL;
}

/* ---- a ring with plain indices */
static volatile uint32_t ring[RING];
static volatile uint32_t head, tail;     /* head: next to write (producer), tail: next to read */
static uint64_t ring_sum;
static long ring_bad;

static void *producer(void *arg)
{
    (void)arg;
    for (uint32_t i = 1; i <= RING_ITEMS; i++) {
        for (unsigned n = 0; head - tail == RING; n++)
            relax(n);
        BARRIER();
        ring[head % RING] = i * 2654435761u;
        BARRIER();
        head = head + 1;
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (uint32_t i = 1; i <= RING_ITEMS; i++) {
        for (unsigned n = 0; tail == head; n++)
            relax(n);
        BARRIER();
        uint32_t v = ring[tail % RING];
        if (v != i * 2654435761u)
            ring_bad++;
        ring_sum += v;
        BARRIER();
        tail = tail + 1;
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, mp_writer, NULL);
    pthread_create(&b, NULL, mp_reader, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("message passing: %d rounds, %ld stale payloads\n", MP_ROUNDS, mp_bad);

    pthread_create(&a, NULL, lb_thread, (void *)0);
    pthread_create(&b, NULL, lb_thread, (void *)1);
    for (int round = 1; round <= LB_ROUNDS; round++) {
        lb_x = lb_y = 0;
        BARRIER();
        lb_go[0] = lb_go[1] = round;
        for (unsigned n = 0; lb_done[0] != round || lb_done[1] != round; n++)
            relax(n);
        BARRIER();
        if (lb_r[0] == 1 && lb_r[1] == 1)
            lb_both++;
    }
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("load buffering: %d rounds, %ld forbidden outcomes\n", LB_ROUNDS, lb_both);

    pthread_create(&a, NULL, producer, NULL);
    pthread_create(&b, NULL, consumer, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("ring: %d items, %ld wrong, sum %llu\n", RING_ITEMS, ring_bad,
           (unsigned long long)ring_sum);
    return mp_bad || lb_both || ring_bad;
}
