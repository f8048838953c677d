/* sig_alarm.c — timer signals interrupting the guest: SIGALRM from setitimer(ITIMER_REAL)
 * and alarm() while the guest spins in a tight loop (a chained block that never returns to
 * the dispatcher by itself), in a loop of indirect calls and returns, while it waits in
 * pause(), nanosleep() (-EINTR) and a blocking read() on a pipe, which the handler feeds:
 * with SA_RESTART the read goes on and returns the byte, without it the read fails with
 * EINTR. getitimer reads the timer back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fired;
static int pipe_fd[2];
static int si_code_seen;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    fired++;
    si_code_seen = si->si_code;
    if (pipe_fd[1] > 0 && write(pipe_fd[1], "x", 1) != 1)
        fired = -100;
}

static void arm_ms(long ms)
{
    struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
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
    arm_ms(30);
    unsigned long spins = 0;
    while (!fired)
        spins++;
    printf("tight loop interrupted (fired %d, si_code %d, spun %s)\n", (int)fired,
           si_code_seen, spins > 0 ? "yes" : "no");

    /* Indirect calls and returns in the loop. */
    fired = 0;
    arm_ms(30);
    unsigned long x = 1;
    while (!fired)
        x = step_ptr(x);
    printf("call loop interrupted (fired %d)\n", (int)fired);

    /* A periodic timer, read back with getitimer, stopped after three ticks. */
    fired = 0;
    struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, cur;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &cur);
    printf("getitimer: interval %ld us, armed %d\n", (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0);
    while (fired < 3)
        ;
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    printf("periodic: %d ticks\n", fired >= 3 ? 3 : (int)fired);

    /* pause() returns after the handler. */
    fired = 0;
    alarm(1);
    int r = pause();
    printf("pause: %d (%s), fired %d\n", r, errno == EINTR ? "EINTR" : "?", (int)fired);

    /* nanosleep is interrupted and reports the time left. */
    fired = 0;
    arm_ms(20);
    struct timespec req = { 5, 0 }, rem = { 0, 0 };
    r = nanosleep(&req, &rem);
    printf("nanosleep: %d (%s), time left %s\n", r, errno == EINTR ? "EINTR" : "?",
           rem.tv_sec >= 3 && rem.tv_sec <= 5 ? "about 5 s" : "wrong");

    /* A blocking read, restarted with SA_RESTART... */
    if (pipe(pipe_fd) != 0)
        return 1;
    install(SA_RESTART);
    fired = 0;
    arm_ms(20);
    char c = 0, buf[2];
    ssize_t n = read(pipe_fd[0], &c, 1);
    printf("read with SA_RESTART: %zd '%c', fired %d\n", n, n == 1 ? c : '?', (int)fired);

    /* ...and interrupted without it. */
    install(0);
    fired = 0;
    arm_ms(20);
    n = read(pipe_fd[0], buf, 2);
    int e = errno;
    printf("read without SA_RESTART: %zd (%s), fired %d\n", n, n < 0 && e == EINTR ? "EINTR" : "?",
           (int)fired);
    n = read(pipe_fd[0], &c, 1);
    printf("then read: %zd '%c'\n", n, c);
    return 0;
}
