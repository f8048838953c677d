/* threads_basic.c — pthread create/join with results, thread ids, pthread_once, thread-local
 * storage (__thread, initialised and zeroed), detached threads, and a thread calling
 * pthread_exit. Output is deterministic: threads report through their join results and
 * per-thread slots, printed by main in a fixed order. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 6

static __thread long tls_counter = 100;     /* initialised TLS (.tdata) */
static __thread char tls_buf[64];           /* zeroed TLS (.tbss) */
static int tids_distinct[N];
static long tid_of[N];

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void once_init(void) { once_runs++; }

typedef struct Arg { int index; long out; } Arg;

static void *worker(void *p)
{
    Arg *a = p;
    pthread_once(&once, once_init);
    /* Each thread sees its own copy of the TLS variables, starting from the initial image. */
    if (tls_counter != 100 || tls_buf[0] != 0)
        return (void *)-1L;
    for (int i = 0; i < 1000 * (a->index + 1); i++)
        tls_counter++;
    snprintf(tls_buf, sizeof tls_buf, "thread-%d", a->index);
    tid_of[a->index] = syscall(SYS_gettid);
    a->out = tls_counter * 10 + (long)strlen(tls_buf);
    return (void *)(long)(a->index * a->index);
}

static void *exiter(void *p)
{
    (void)p;
    pthread_exit((void *)77L);
    return NULL;
}

static volatile int spin_stop;
static void *spinner(void *p)
{
    while (!spin_stop)
        ;
    return p;
}

static volatile int detached_done;
static void *detached(void *p)
{
    (void)p;
    __atomic_store_n(&detached_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void)
{
    pthread_t th[N];
    Arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (Arg){ i, 0 };
        if (pthread_create(&th[i], NULL, worker, &args[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    }
    for (int i = 0; i < N; i++) {
        void *r;
        pthread_join(th[i], &r);
        printf("thread %d: result %ld out %ld\n", i, (long)r, args[i].out);
    }
    long me = syscall(SYS_gettid);
    int distinct = 1;
    for (int i = 0; i < N; i++) {
        if (tid_of[i] == me || tid_of[i] <= 0)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (tid_of[i] == tid_of[j])
                distinct = 0;
        tids_distinct[i] = distinct;
    }
    printf("tids distinct from each other and main: %s\n", distinct ? "yes" : "no");
    printf("main tid == pid: %s\n", me == getpid() ? "yes" : "no");
    printf("pthread_once ran %d time(s)\n", once_runs);
    printf("main's TLS untouched: %ld '%s'\n", tls_counter, tls_buf);

    pthread_t e;
    void *r;
    pthread_create(&e, NULL, exiter, NULL);
    pthread_join(e, &r);
    printf("pthread_exit value: %ld\n", (long)r);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    pthread_create(&d, &attr, detached, NULL);
    while (!__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST))
        sched_yield();
    printf("detached thread ran\n");

    /* Many short threads in sequence: thread exit and reuse of stacks. */
    long sum = 0;
    for (int round = 0; round < 50; round++) {
        Arg a = { round % N, 0 };
        pthread_t t;
        pthread_create(&t, NULL, worker, &a);
        pthread_join(t, &r);
        sum += (long)r + a.out;
    }
    printf("50 sequential threads: %ld\n", sum);

    /* fork while another thread spins: the child has one thread, can make its own, and
     * exits with its status. */
    pthread_t sp;
    pthread_create(&sp, NULL, spinner, NULL);
    for (int k = 0; k < 5; k++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t c;
            spin_stop = 1;          /* the child's copy: its own new thread ends at once */
            pthread_create(&c, NULL, spinner, NULL);
            pthread_join(c, NULL);
            printf("child %d: own thread joined\n", k);
            exit(10 + k);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        printf("child %d exit status %d\n", k, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    spin_stop = 1;
    pthread_join(sp, NULL);
    return 0;
}
