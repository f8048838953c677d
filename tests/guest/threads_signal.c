/* threads_signal.c — signals with threads: pthread_kill to one specific thread (the handler
 * runs on that thread: it records its own tid), per-thread masks, a process-directed signal
 * (kill) with every thread but one blocking it (only that one may take it), sigwait in a
 * dedicated thread, and a signal sent to a thread spinning in a loop (chained code under
 * ferry) that must be delivered promptly. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 3
static volatile long handler_tid;
static volatile int handled;
static long worker_tid[N];
static volatile int ready[N];
static volatile int stop;

static void on_usr1(int sig)
{
    (void)sig;
    handler_tid = syscall(SYS_gettid);
    __atomic_fetch_add(&handled, 1, __ATOMIC_SEQ_CST);
}

static void *worker(void *p)
{
    int id = (int)(long)p;
    worker_tid[id] = syscall(SYS_gettid);
    /* Worker 2 unblocks SIGUSR2; the others keep it blocked (the mask main gave them). */
    if (id == 2) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR2);
        pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    }
    ready[id] = 1;
    volatile unsigned long x = 0;
    while (!stop)
        x++;                        /* a tight loop: ferry must interrupt chained code */
    return NULL;
}

static volatile long usr2_tid;
static void on_usr2(int sig)
{
    (void)sig;
    usr2_tid = syscall(SYS_gettid);
}

static void *waiter(void *p)
{
    sigset_t *set = p;
    int sig = 0;
    sigwait(set, &sig);
    return (void *)(long)sig;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);

    /* Threads inherit the creator's mask: block SIGUSR2 (and SIGTERM for the waiter) first. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, NULL);

    pthread_t th[N];
    for (long i = 0; i < N; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    for (int i = 0; i < N; i++)
        while (!ready[i])
            ;

    /* pthread_kill: the handler runs on exactly the thread named, each in turn. */
    for (int i = 0; i < N; i++) {
        int before = handled;
        pthread_kill(th[i], SIGUSR1);
        while (handled == before)
            ;
        printf("SIGUSR1 to worker %d handled on worker %d\n", i,
               handler_tid == worker_tid[0] ? 0 : handler_tid == worker_tid[1] ? 1 :
               handler_tid == worker_tid[2] ? 2 : -1);
    }

    /* kill(): a process-directed SIGUSR2; only worker 2 does not block it. */
    kill(getpid(), SIGUSR2);
    while (!usr2_tid)
        ;
    printf("process SIGUSR2 taken by worker %d\n", usr2_tid == worker_tid[2] ? 2 : -1);

    /* sigwait in a thread: SIGTERM is blocked everywhere, the waiter takes it. */
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_t w;
    pthread_create(&w, NULL, waiter, &term);
    usleep(20000);
    kill(getpid(), SIGTERM);
    void *r;
    pthread_join(w, &r);
    printf("sigwait got signal %ld (SIGTERM is %d)\n", (long)r, SIGTERM);

    /* The main thread's mask is its own: SIGUSR2 still blocked here, pending in none. */
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    printf("main blocks SIGUSR2: %s\n", sigismember(&cur, SIGUSR2) ? "yes" : "no");

    stop = 1;
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    printf("handled %d SIGUSR1\n", handled);
    return 0;
}
