/* sig_alarm.c — timer signals interrupting the guest: SIGALRM from setitimer(ITIMER_REAL)
 * and alarm() while the guest spins in a tight loop (a chained block that never returns to
 * the dispatcher by itself) and in a loop of indirect calls and returns; a periodic timer
 * read back with getitimer; and SIGALRM interrupting pause(), nanosleep() (-EINTR with the
 * time left) and a blocking read() on a pipe: with SA_RESTART the read goes on and returns
 * the byte the handler wrote, without it the read fails with EINTR. The waits use a periodic
 * timer, so a tick that comes before the call starts cannot leave it waiting forever.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fired, feed;
static int pipe_fd[2] = { -1, -1 };
static int si_code_seen;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    fired++;
    si_code_seen = si->si_code;
    if (feed) {
        feed = 0;
        if (write(pipe_fd[1], "x", 1) != 1)
            fired = -100;
    }
}

static void arm_us(long first, long every)
{
    struct itimerval it = { { every / 1000000, every % 1000000 },
                            { first / 1000000, first % 1000000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void install(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(SIGALRM, &sa, NULL);
}

__attribute__((noinline)) static unsigned long step(unsigned long x) { return x * 3 + 1; }
static unsigned long (*volatile step_ptr)(unsigned long) = step;

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    install(0);

    /* A tight loop: must be interrupted promptly. */
    arm_us(30000, 0);
    unsigned long spins = 0;
    while (!fired)
        spins++;
    printf("tight loop interrupted (fired %d, si_code %d, spun %s)\n", (int)fired,
           si_code_seen, spins > 0 ? "yes" : "no");

    /* Indirect calls and returns in the loop; alarm() this time. */
    fired = 0;
    alarm(1);
    unsigned long x = 1;
    while (!fired)
        x = step_ptr(x);
    printf("call loop interrupted by alarm (fired %d)\n", (int)fired);

    /* A periodic timer, read back with getitimer, stopped after three ticks. */
    fired = 0;
    arm_us(10000, 10000);
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    printf("getitimer: interval %ld us, armed %d\n", (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0);
    while (fired < 3)
        ;
    arm_us(0, 0);
    printf("periodic: %d ticks\n", fired >= 3 ? 3 : (int)fired);

    /* pause() returns after the handler. */
    fired = 0;
    arm_us(20000, 20000);
    int r = pause();
    int e = errno;
    arm_us(0, 0);
    printf("pause: %d (%s), fired %s\n", r, e == EINTR ? "EINTR" : "?", fired ? "yes" : "no");

    /* nanosleep is interrupted and reports the time left. */
    arm_us(20000, 20000);
    struct timespec req = { 5, 0 }, rem = { 0, 0 };
    r = nanosleep(&req, &rem);
    e = errno;
    arm_us(0, 0);
    printf("nanosleep: %d (%s), time left %s\n", r, e == EINTR ? "EINTR" : "?",
           rem.tv_sec >= 3 && rem.tv_sec <= 5 ? "about 5 s" : "wrong");

    /* A blocking read, restarted with SA_RESTART (the handler feeds the pipe once)... */
    if (pipe(pipe_fd) != 0)
        return 1;
    install(SA_RESTART);
    feed = 1;
    arm_us(20000, 20000);
    char c = 0, buf[2];
    ssize_t n = read(pipe_fd[0], &c, 1);
    arm_us(0, 0);
    printf("read with SA_RESTART: %zd '%c'\n", n, n == 1 ? c : '?');

    /* ...and interrupted without it. */
    install(0);
    arm_us(20000, 20000);
    n = read(pipe_fd[0], buf, 2);
    e = errno;
    arm_us(0, 0);
    printf("read without SA_RESTART: %zd (%s)\n", n, n < 0 && e == EINTR ? "EINTR" : "?");
    return 0;
}
