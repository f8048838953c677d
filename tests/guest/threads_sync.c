/* threads_sync.c — mutexes and condition variables: a bounded producer/consumer queue with 2
 * producers and 2 consumers, a mutex-protected counter, a barrier, a reader-writer lock and a
 * semaphore. Only totals are printed, so the output does not depend on scheduling. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define ITEMS 5000      /* per producer */
#define QSIZE 16

static int queue[QSIZE];
static int q_head, q_tail, q_count;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static long consumed_sum[2], consumed_n[2];

static void *producer(void *p)
{
    int base = (int)(long)p * ITEMS;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_count == QSIZE)
            pthread_cond_wait(&q_not_full, &q_lock);
        queue[q_tail] = base + i;
        q_tail = (q_tail + 1) % QSIZE;
        q_count++;
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    return NULL;
}

static void *consumer(void *p)
{
    int id = (int)(long)p;
    for (;;) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 0)
            pthread_cond_wait(&q_not_empty, &q_lock);
        int v = queue[q_head];
        q_head = (q_head + 1) % QSIZE;
        q_count--;
        pthread_cond_signal(&q_not_full);
        pthread_mutex_unlock(&q_lock);
        if (v < 0)
            return NULL;            /* the end marker */
        consumed_sum[id] += v;
        consumed_n[id]++;
    }
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pthread_barrier_t barrier;
static int phase_seen[4];
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_value;
static sem_t sem;
static long sem_total;

static void *mixer(void *p)
{
    int id = (int)(long)p;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&m);
        counter++;
        pthread_mutex_unlock(&m);
    }
    pthread_barrier_wait(&barrier);
    /* After the barrier every thread sees the complete count. */
    pthread_mutex_lock(&m);
    phase_seen[id] = counter == 80000;
    pthread_mutex_unlock(&m);
    for (int i = 0; i < 2000; i++) {
        if (i % 10 == 0) {
            pthread_rwlock_wrlock(&rw);
            rw_value += 2;
            pthread_rwlock_unlock(&rw);
        } else {
            pthread_rwlock_rdlock(&rw);
            long v = rw_value;
            pthread_rwlock_unlock(&rw);
            if (v & 1)
                phase_seen[id] = 0;
        }
    }
    for (int i = 0; i < 500; i++) {
        sem_wait(&sem);
        sem_total++;                /* the semaphore (count 1) is a lock here */
        sem_post(&sem);
    }
    return NULL;
}

int main(void)
{
    pthread_t prod[2], cons[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&cons[i], NULL, consumer, (void *)i);
    for (long i = 0; i < 2; i++)
        pthread_create(&prod[i], NULL, producer, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(prod[i], NULL);
    for (int i = 0; i < 2; i++) {       /* one end marker per consumer */
        pthread_mutex_lock(&q_lock);
        while (q_count == QSIZE)
            pthread_cond_wait(&q_not_full, &q_lock);
        queue[q_tail] = -1;
        q_tail = (q_tail + 1) % QSIZE;
        q_count++;
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(cons[i], NULL);
    long n = consumed_n[0] + consumed_n[1], sum = consumed_sum[0] + consumed_sum[1];
    long expect = 0;
    for (int p = 0; p < 2; p++)
        for (int i = 1; i <= ITEMS; i++)
            expect += p * ITEMS + i;
    printf("producer/consumer: %ld items, sum %ld (expected %d items, sum %ld)\n", n, sum,
           2 * ITEMS, expect);

    pthread_barrier_init(&barrier, NULL, 4);
    sem_init(&sem, 0, 1);
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, mixer, (void *)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("mutex counter: %ld\n", counter);
    printf("after the barrier, every thread saw the full count: %s\n",
           phase_seen[0] && phase_seen[1] && phase_seen[2] && phase_seen[3] ? "yes" : "no");
    printf("rwlock value: %ld\n", rw_value);
    printf("semaphore total: %ld\n", sem_total);
    pthread_barrier_destroy(&barrier);
    return 0;
}
