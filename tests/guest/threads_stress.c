/* threads_stress.c — a mutex/condvar/atomic workload repeated 100 times with 4 threads each
 * time (thread creation and exit, futex waits and wakes, LOCK instructions under contention);
 * prints only the final totals. */
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 100
#define T 4
#define ITER 500

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long locked_total;
static long atomic_total;
static int turn;                /* threads pass a token around in order: condvar traffic */
static long token_passes;

static void *worker(void *p)
{
    int id = (int)(long)p;
    for (int i = 0; i < ITER; i++) {
        pthread_mutex_lock(&m);
        locked_total += id + 1;
        pthread_mutex_unlock(&m);
        __atomic_fetch_add(&atomic_total, 2, __ATOMIC_SEQ_CST);
        if (i % 50 == 0) {
            pthread_mutex_lock(&m);
            while (turn != id)
                pthread_cond_wait(&cv, &m);
            turn = (turn + 1) % T;
            token_passes++;
            pthread_cond_broadcast(&cv);
            pthread_mutex_unlock(&m);
        }
    }
    return NULL;
}

int main(void)
{
    for (int r = 0; r < ROUNDS; r++) {
        pthread_t t[T];
        turn = 0;
        for (long i = 0; i < T; i++)
            pthread_create(&t[i], NULL, worker, (void *)i);
        for (int i = 0; i < T; i++)
            pthread_join(t[i], NULL);
    }
    printf("locked total %ld (expected %ld)\n", locked_total, (long)ROUNDS * ITER * (1 + 2 + 3 + 4));
    printf("atomic total %ld (expected %ld)\n", atomic_total, (long)ROUNDS * ITER * T * 2);
    printf("token passes %ld (expected %ld)\n", token_passes, (long)ROUNDS * T * (ITER / 50));
    return 0;
}
