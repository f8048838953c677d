/* threads_robust.c — thread exit as Linux does it: a robust mutex still held by a thread that
 * exits is handed to the next locker with EOWNERDEAD (the kernel's walk of the robust list),
 * pthread_join of a thread that is already gone (CLONE_CHILD_CLEARTID), and the main thread
 * ending with pthread_exit while another thread goes on: the process ends when the last
 * thread does, with status 0. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t robust;
static volatile int holding;
static volatile int main_printed;   /* main's last line is out: the output order is fixed */

static void *hold_and_exit(void *p)
{
    (void)p;
    pthread_mutex_lock(&robust);
    holding = 1;
    return NULL;                    /* exits holding the mutex */
}

static void *waiter(void *p)
{
    (void)p;
    while (!holding)
        ;
    int r = pthread_mutex_lock(&robust);    /* blocks until the owner's thread is gone */
    int c = r == EOWNERDEAD ? pthread_mutex_consistent(&robust) : -1;
    int u = pthread_mutex_unlock(&robust);
    return (void *)(long)(r * 10000 + c * 100 + u);
}

static void *plain(void *p)
{
    return p;
}

static void *last_one(void *p)
{
    (void)p;
    while (!__atomic_load_n(&main_printed, __ATOMIC_ACQUIRE))
        usleep(1000);               /* not a sleep of fixed length: a loaded machine is slow */
    usleep(30000);                  /* main is most likely in pthread_exit by now */
    printf("the last thread runs after main's pthread_exit\n");
    fflush(stdout);
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);

    pthread_t w, h;
    pthread_create(&w, NULL, waiter, NULL);         /* waits in the kernel for the owner */
    pthread_create(&h, NULL, hold_and_exit, NULL);
    pthread_join(h, NULL);
    void *r;
    pthread_join(w, &r);
    long v = (long)r;
    printf("waiter's lock: %s, consistent %ld, unlock %ld\n",
           v / 10000 == EOWNERDEAD ? "EOWNERDEAD" : strerror((int)(v / 10000)), v / 100 % 100,
           v % 100);
    int t = pthread_mutex_trylock(&robust);
    printf("trylock afterwards: %d\n", t);
    pthread_mutex_unlock(&robust);

    /* Dead owner without a waiter: the next lock sees EOWNERDEAD too. */
    holding = 0;
    pthread_create(&h, NULL, hold_and_exit, NULL);
    pthread_join(h, NULL);
    t = pthread_mutex_lock(&robust);
    printf("lock after the owner died: %s\n", t == EOWNERDEAD ? "EOWNERDEAD" : strerror(t));
    int c = pthread_mutex_consistent(&robust);
    printf("consistent %d, unlock %d\n", c, pthread_mutex_unlock(&robust));

    /* Join after the thread has long exited: its tid word was cleared at exit. */
    pthread_t q;
    pthread_create(&q, NULL, plain, (void *)5L);
    usleep(20000);
    pthread_join(q, &r);
    printf("late join returned %ld\n", (long)r);

    pthread_t l;
    pthread_create(&l, NULL, last_one, NULL);
    printf("main calls pthread_exit\n");
    fflush(stdout);
    __atomic_store_n(&main_printed, 1, __ATOMIC_RELEASE);
    pthread_exit(NULL);
}
