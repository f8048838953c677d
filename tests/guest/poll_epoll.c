/* poll_epoll: poll, ppoll, select and pselect6 with zero timeouts on ready and idle pipes,
 * their errors and time-left write-back, the signal masks of ppoll/pselect6/epoll_pwait (a
 * pending blocked signal the mask lets through interrupts the wait and its handler runs), and
 * an epoll echo server over loopback TCP with a forked client making several connections.
 * Output is results only: no descriptors, ports or times. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show_errors.h"

static volatile sig_atomic_t got_sig;

static void handler(int sig)
{
    got_sig = sig;
}

static void poll_select(void)
{
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    struct pollfd f[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    SHOW("poll idle read end", poll(f, 1, 0));
    SHOW("poll write end", poll(&f[1], 1, 0));
    printf("revents POLLOUT=%d\n", (f[1].revents & POLLOUT) != 0);
    if (write(p[1], "abc", 3) != 3)
        exit(1);
    SHOW("poll both", poll(f, 2, 0));
    printf("revents read=%#x write=%#x\n", f[0].revents, f[1].revents);
    struct pollfd nv = { 999, POLLIN, 0 };
    SHOW("poll closed fd", poll(&nv, 1, 0));
    printf("revents POLLNVAL=%d\n", nv.revents == POLLNVAL);
    nv.fd = -1;
    SHOW("poll negative fd", poll(&nv, 1, 0));
    printf("revents for -1 = %d\n", nv.revents);
    SHOW("poll bad array", syscall(SYS_poll, bad, 1, 0));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    SHOW("poll nfds > RLIMIT_NOFILE", poll(f, (nfds_t)rl.rlim_cur + 1, 0));
    SHOW("poll nfds 0", poll(NULL, 0, 0));

    struct timespec ts = { 0, 0 };
    SHOW("ppoll zero timeout", ppoll(f, 2, &ts, NULL));
    ts.tv_nsec = 1000000000;
    SHOW("ppoll bad nsec", syscall(SYS_ppoll, f, 2, &ts, NULL, 8));
    ts.tv_sec = -1;
    ts.tv_nsec = 0;
    SHOW("ppoll negative sec", syscall(SYS_ppoll, f, 2, &ts, NULL, 8));
    ts.tv_sec = 5;
    SHOW("ppoll ready, 5 s timeout", ppoll(f, 1, &ts, NULL));
    printf("ppoll time left <= 5 s=%d nsec valid=%d\n", ts.tv_sec <= 5,
           ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    SHOW("ppoll bad timeout", syscall(SYS_ppoll, f, 1, bad, NULL, 8));
    SHOW("ppoll bad sigset size", syscall(SYS_ppoll, f, 1, NULL, &ts, 4));

    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = { 0, 0 };
    SHOW("select ready", select(p[1] + 1, &r, &w, NULL, &tv));
    printf("select r=%d w=%d\n", FD_ISSET(p[0], &r) != 0, FD_ISSET(p[1], &w) != 0);
    char buf[8];
    if (read(p[0], buf, sizeof buf) != 3)
        exit(1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    SHOW("select idle", select(p[0] + 1, &r, NULL, NULL, &tv));
    printf("select cleared=%d\n", !FD_ISSET(p[0], &r));
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    tv.tv_sec = 0;
    tv.tv_usec = 1500000;           /* normalised to 1.5 s, not EINVAL */
    SHOW("select usec 1500000", syscall(SYS_select, p[1] + 1, NULL, &w, NULL, &tv));
    printf("select time left < 1.5 s=%d usec valid=%d\n", tv.tv_sec <= 1,
           tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    tv.tv_usec = -1;
    SHOW("select negative usec", syscall(SYS_select, p[1] + 1, NULL, &w, NULL, &tv));
    tv.tv_usec = 0;
    SHOW("select negative nfds", select(-1, NULL, NULL, NULL, &tv));
    SHOW("select bad set", syscall(SYS_select, p[1] + 1, bad, NULL, NULL, &tv));
    FD_ZERO(&r);
    FD_SET(900, &r);
    SHOW("select closed fd", select(901, &r, NULL, NULL, &tv));
    SHOW("select bad timeout", syscall(SYS_select, 1, NULL, NULL, NULL, bad));
    struct timespec pts = { 0, 0 };
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    SHOW("pselect ready", pselect(p[1] + 1, NULL, &w, NULL, &pts, NULL));
    pts.tv_nsec = -1;
    SHOW("pselect bad nsec", syscall(SYS_pselect6, p[1] + 1, NULL, &w, NULL, &pts, NULL));
    uint64_t pack[2] = { 0, 4 };
    sigset_t empty;
    sigemptyset(&empty);
    pack[0] = (uint64_t)(uintptr_t)&empty;
    pts.tv_nsec = 0;
    SHOW("pselect6 bad sigset size", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &pts, pack));
    SHOW("pselect6 bad argpack", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &pts, bad));
    close(p[0]);
    close(p[1]);
}

/* A blocked pending signal; the wait's mask unblocks it: the handler runs, the wait says
 * EINTR, and the old mask (signal blocked) is back afterwards. */
static void masked_waits(void)
{
    struct sigaction sa = { .sa_handler = handler };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigset_t blk, empty, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigaddset(&blk, SIGUSR2);
    sigaddset(&blk, SIGFPE);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    sigemptyset(&empty);
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    struct pollfd f = { p[0], POLLIN, 0 };
    struct timespec ts = { 5, 0 };

    got_sig = 0;
    kill(getpid(), SIGUSR1);
    SHOW("ppoll with mask (SIGUSR1 pending)", ppoll(&f, 1, &ts, &empty));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("handler ran for SIGUSR1=%d, blocked again=%d\n", got_sig == SIGUSR1,
           sigismember(&cur, SIGUSR1));

    /* SIGFPE from kill: never blocked on ferry's host, so ferry holds it itself. */
    got_sig = 0;
    kill(getpid(), SIGFPE);
    SHOW("ppoll with mask (SIGFPE pending)", ppoll(&f, 1, &ts, &empty));
    printf("handler ran for SIGFPE=%d\n", got_sig == SIGFPE);

    got_sig = 0;
    kill(getpid(), SIGUSR2);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    SHOW("pselect with mask (SIGUSR2 pending)", pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty));
    printf("handler ran for SIGUSR2=%d\n", got_sig == SIGUSR2);

    /* Something is ready: the call returns it and the signal stays pending. */
    if (write(p[1], "x", 1) != 1)
        exit(1);
    got_sig = 0;
    kill(getpid(), SIGUSR1);
    SHOW("ppoll with mask, fd ready", ppoll(&f, 1, &ts, &empty));
    sigset_t pend;
    sigpending(&pend);
    printf("handler not run=%d, still pending=%d\n", got_sig == 0, sigismember(&pend, SIGUSR1));

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    struct epoll_event out[2];
    SHOW("epoll_pwait ready with SIGUSR1 pending", epoll_pwait(ep, out, 2, 5000, &empty));
    printf("handler ran=%d\n", got_sig == SIGUSR1);     /* Linux: events first, no EINTR */
    char c;
    if (read(p[0], &c, 1) != 1)
        exit(1);
    sigprocmask(SIG_UNBLOCK, &blk, NULL);               /* deliver what is pending */
    got_sig = 0;
    sigprocmask(SIG_BLOCK, &blk, NULL);
    kill(getpid(), SIGUSR2);
    SHOW("epoll_pwait idle with SIGUSR2 pending", epoll_pwait(ep, out, 2, 5000, &empty));
    printf("handler ran for SIGUSR2=%d\n", got_sig == SIGUSR2);
    got_sig = 0;
    kill(getpid(), SIGUSR2);
    SHOW("epoll_pwait zero timeout, SIGUSR2 pending", epoll_pwait(ep, out, 2, 0, &empty));
    printf("handler ran for SIGUSR2=%d\n", got_sig == SIGUSR2);
    SHOW("epoll_pwait bad sigset size", syscall(SYS_epoll_pwait, ep, out, 2, 0, &empty, 4));
    struct timespec z = { 0, 0 };
    SHOW("epoll_pwait2 zero timeout", syscall(SYS_epoll_pwait2, ep, out, 2, &z, NULL, 8));
    z.tv_nsec = 2000000000;
    SHOW("epoll_pwait2 bad timeout", syscall(SYS_epoll_pwait2, ep, out, 2, &z, NULL, 8));
    sigprocmask(SIG_UNBLOCK, &blk, NULL);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void epoll_errors(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll cloexec=%d\n", (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
    SHOW("epoll_create1 bad flags", epoll_create1(1));
    SHOW("epoll_create 0", syscall(SYS_epoll_create, 0));
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ull };
    SHOW("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    SHOW("epoll_ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    SHOW("epoll_ctl add bad event", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], bad));
    SHOW("epoll_ctl bad op", epoll_ctl(ep, 99, p[1], &ev));
    SHOW("epoll_ctl bad op, bad event", epoll_ctl(ep, 99, p[1], bad));
    SHOW("epoll_ctl mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    SHOW("epoll_ctl on itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    SHOW("epoll_ctl not epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    SHOW("epoll_ctl closed fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
    if (write(p[1], "x", 1) != 1)
        exit(1);
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    SHOW("epoll_wait", epoll_wait(ep, out, 4, 0));
    printf("event=%#x data=%#llx\n", out[0].events, (unsigned long long)out[0].data.u64);
    SHOW("epoll_wait maxevents 0", epoll_wait(ep, out, 0, 0));
    SHOW("epoll_wait not epoll", epoll_wait(p[0], out, 4, 0));
    SHOW("epoll_wait bad buffer", syscall(SYS_epoll_wait, ep, bad, 4, 0));
    SHOW("epoll_wait kernel-half buffer", syscall(SYS_epoll_wait, ep, -4096L, 4, 0));
    SHOW("epoll_ctl del, bad event", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], bad));
    SHOW("epoll_ctl del again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    SHOW("epoll_wait after del", epoll_wait(ep, out, 4, 0));
    /* Edge-triggered: reported once until more data comes. */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 42;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    SHOW("epoll_wait ET first", epoll_wait(ep, out, 4, 0));
    SHOW("epoll_wait ET again", epoll_wait(ep, out, 4, 0));
    close(ep);
    close(p[0]);
    close(p[1]);
}

/* The echo server: one epoll set with the listener and every connection. */
static void echo_server(void)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        exit(1);
    enum { CLIENTS = 3, ROUNDS = 4 };
    pid_t pid = fork();
    if (pid == 0) {
        int c[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            c[i] = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(c[i], (struct sockaddr *)&a, sizeof a) != 0)
                _exit(40);
        }
        int bad_echo = 0;
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < CLIENTS; i++) {
                char msg[32], got[32];
                int n = snprintf(msg, sizeof msg, "client %d round %d", i, r);
                if (write(c[i], msg, (size_t)n) != n)
                    _exit(41);
                ssize_t k = recv(c[i], got, (size_t)n, MSG_WAITALL);
                bad_echo += k != n || memcmp(got, msg, (size_t)n) != 0;
            }
        for (int i = 0; i < CLIENTS; i++)
            close(c[i]);
        _exit(bad_echo ? 42 : 0);
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    int accepted = 0, closed = 0;
    long bytes = 0;
    while (closed < CLIENTS) {
        struct epoll_event out[8];
        int n = epoll_wait(ep, out, 8, 10000);
        if (n <= 0) {
            printf("epoll_wait failed or timed out: %d %s\n", n, en(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            int fd = out[i].data.fd;
            if (fd == ls) {
                int s;
                while ((s = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event cev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = s };
                    epoll_ctl(ep, EPOLL_CTL_ADD, s, &cev);
                    accepted++;
                }
                continue;
            }
            char buf[256];
            ssize_t k = read(fd, buf, sizeof buf);
            if (k > 0) {
                bytes += k;
                if (write(fd, buf, (size_t)k) != k)
                    printf("short echo\n");
            } else if (k == 0 || (k < 0 && errno != EAGAIN)) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
                closed++;
            }
        }
    }
    int st;
    waitpid(pid, &st, 0);
    printf("echo server: accepted=%d closed=%d bytes=%ld client exit=%d\n", accepted, closed,
           bytes, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close(ep);
    close(ls);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    poll_select();
    masked_waits();
    epoll_errors();
    echo_server();
    return 0;
}
