/* threads_exit.c — a thread calling exit() (exit_group) while the others run: every thread
 * stops, atexit handlers and stdio flushing happen once, and the exit status is the one the
 * thread gave. The other threads spin in tight loops (chained code in ferry), block in a
 * futex (pthread_join) and sleep. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile long spins;
static volatile int go;

static void *spinner(void *p)
{
    (void)p;
    for (;;)
        spins++;
    return NULL;
}

static void *sleeper(void *p)
{
    (void)p;
    for (;;)
        pause();
    return NULL;
}

static void *exiter(void *p)
{
    (void)p;
    while (!go)
        ;
    printf("exiter: calling exit(3) with %s other threads running\n", "three");
    exit(3);
}

static void at_exit(void)
{
    printf("atexit handler ran once\n");
}

int main(void)
{
    atexit(at_exit);
    pthread_t a, b, c;
    pthread_create(&a, NULL, spinner, NULL);
    pthread_create(&b, NULL, sleeper, NULL);
    pthread_create(&c, NULL, exiter, NULL);
    while (spins < 1000)
        ;
    printf("main: spinner is running\n");
    fflush(stdout);
    go = 1;
    pthread_join(c, NULL);          /* never returns: the process ends first */
    printf("not reached\n");
    return 0;
}
