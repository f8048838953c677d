/* event_fds: descriptors that are not files (eventfd, timerfd, signalfd, memfd, inotify) and
 * the small calls around them (getrandom, clock_getres, uname, sysinfo, times, getrusage,
 * prctl, pipe2, dup3, fcntl, ioctl), with the errors Linux gives. Timer tests use short
 * timers and print counts that do not depend on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "show_errors.h"

static void eventfds(void)
{
    int e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    printf("eventfd cloexec=%d nonblock=%d\n", (fcntl(e, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(e, F_GETFL) & O_NONBLOCK) != 0);
    uint64_t v = 0;
    for (int i = 0; i < 4; i++) {
        errno = 0;
        ssize_t n = read(e, &v, sizeof v);
        printf("semaphore read %d = %zd value=%llu %s\n", i, n, n > 0 ? (unsigned long long)v : 0ull,
               en(n < 0 ? errno : 0));
    }
    v = 5;
    SHOW("eventfd write", write(e, &v, sizeof v));
    SHOW("eventfd short read", read(e, &v, 4));
    v = UINT64_MAX;
    SHOW("eventfd write max", write(e, &v, sizeof v));
    close(e);
    e = eventfd(0, 0);
    v = 2;
    write(e, &v, 8);
    write(e, &v, 8);
    read(e, &v, 8);
    printf("counter read=%llu\n", (unsigned long long)v);
    close(e);
    SHOW("eventfd2 bad flags", syscall(SYS_eventfd2, 0, 0x10));
    int old = (int)syscall(SYS_eventfd, 7);
    read(old, &v, 8);
    printf("old eventfd read=%llu\n", (unsigned long long)v);
    close(old);
}

static void timerfds(void)
{
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    uint64_t n = 0;
    SHOW("timerfd read unarmed", read(t, &n, sizeof n));
    struct itimerspec its = { { 0, 0 }, { 0, 1000000 } }, old;
    SHOW("timerfd_settime 1 ms", timerfd_settime(t, 0, &its, &old));
    printf("old value zero=%d\n", old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    struct pollfd pf = { t, POLLIN, 0 };
    SHOW("poll timerfd", poll(&pf, 1, 5000));
    SHOW("timerfd read", read(t, &n, sizeof n));
    printf("expirations=%llu\n", (unsigned long long)n);
    struct itimerspec cur;
    SHOW("timerfd_gettime", timerfd_gettime(t, &cur));
    printf("disarmed=%d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    /* Periodic: after a few periods at least one expiration is counted. */
    its.it_interval.tv_nsec = 1000000;
    timerfd_settime(t, 0, &its, NULL);
    struct timespec nap = { 0, 20000000 };
    nanosleep(&nap, NULL);
    read(t, &n, sizeof n);
    printf("periodic expirations >= 1=%d\n", n >= 1);
    timerfd_gettime(t, &cur);
    printf("interval kept=%d\n", cur.it_interval.tv_nsec == 1000000);
    /* Absolute time in the past: expired at once. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = { { 0, 0 }, { now.tv_sec > 1 ? now.tv_sec - 1 : 0, 1 } };
    SHOW("timerfd_settime absolute past", timerfd_settime(t, TFD_TIMER_ABSTIME, &abs, NULL));
    SHOW("read after absolute", read(t, &n, sizeof n));
    its.it_value.tv_nsec = 1000000000;
    SHOW("timerfd_settime bad nsec", timerfd_settime(t, 0, &its, NULL));
    SHOW("timerfd_settime bad flags", timerfd_settime(t, 8, &abs, NULL));
    SHOW("timerfd_settime bad new", syscall(SYS_timerfd_settime, t, 0, bad, NULL));
    SHOW("timerfd_gettime bad buffer", syscall(SYS_timerfd_gettime, t, bad));
    SHOW("timerfd_gettime not timerfd", timerfd_gettime(0, &cur));
    SHOW("timerfd_create bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    SHOW("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
    close(t);
}

static void signalfds(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int s = signalfd(-1, &m, SFD_NONBLOCK);
    struct signalfd_siginfo si;
    SHOW("signalfd read nothing", read(s, &si, sizeof si));
    kill(getpid(), SIGUSR1);
    SHOW("signalfd read", read(s, &si, sizeof si));
    printf("ssi_signo=%u from self=%d code user=%d\n", si.ssi_signo, si.ssi_pid == (uint32_t)getpid(),
           si.ssi_code == SI_USER);
    sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 77 });
    read(s, &si, sizeof si);
    printf("sigqueue value=%d code queue=%d\n", si.ssi_int, si.ssi_code == SI_QUEUE);
    SHOW("signalfd bad size", syscall(SYS_signalfd4, -1, &m, 4, 0));
    SHOW("signalfd bad mask", syscall(SYS_signalfd4, -1, bad, 8, 0));
    SHOW("signalfd bad flags", syscall(SYS_signalfd4, -1, &m, 8, 1));
    SHOW("signalfd on a pipe", signalfd(0, &m, 0));
    close(s);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void memfds(void)
{
    int m = memfd_create("event-fds", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    SHOW("memfd write", write(m, "sealed?", 7));
    char link[128] = "", path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", m);
    readlink(path, link, sizeof link - 1);
    printf("memfd link=%s\n", link);
    SHOW("F_ADD_SEALS write", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE));
    SHOW("F_GET_SEALS", fcntl(m, F_GET_SEALS));
    SHOW("write sealed", write(m, "x", 1));
    char big[300];
    memset(big, 'n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    SHOW("memfd name too long", memfd_create(big, 0));
    SHOW("memfd bad flags", memfd_create("x", 0x1000));
    SHOW("memfd bad name", syscall(SYS_memfd_create, bad, 0));
    SHOW("memfd bad name and flags", syscall(SYS_memfd_create, bad, 0x1000));
    close(m);
}

static void inotifies(void)
{
    char dir[] = "/tmp/ferry-inotify-XXXXXX";
    if (!mkdtemp(dir))
        return;
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = inotify_add_watch(in, dir, IN_CREATE | IN_DELETE);
    printf("watch ok=%d\n", wd > 0);
    char f[64];
    snprintf(f, sizeof f, "%s/born", dir);
    close(open(f, O_CREAT | O_WRONLY, 0600));
    unlink(f);
    char buf[512] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    for (ssize_t off = 0; off < n;) {
        struct inotify_event *ev = (struct inotify_event *)(buf + off);
        printf("event wd ok=%d mask=%#x name=%s\n", ev->wd == wd, ev->mask, ev->len ? ev->name : "");
        off += (ssize_t)sizeof *ev + ev->len;
    }
    SHOW("inotify read empty", read(in, buf, sizeof buf));
    SHOW("inotify_rm_watch", inotify_rm_watch(in, wd));
    SHOW("inotify_rm_watch again", inotify_rm_watch(in, wd));
    SHOW("add_watch missing", inotify_add_watch(in, "/nonexistent/ferry", IN_CREATE));
    SHOW("add_watch bad path", syscall(SYS_inotify_add_watch, in, bad, IN_CREATE));
    SHOW("add_watch no events", inotify_add_watch(in, dir, 0));
    SHOW("add_watch not inotify", inotify_add_watch(0, dir, IN_CREATE));
    SHOW("inotify_init1 bad flags", inotify_init1(1));
    int old = (int)syscall(SYS_inotify_init);
    printf("inotify_init ok=%d\n", old >= 0);
    close(old);
    close(in);
    rmdir(dir);
}

static void small_calls(void)
{
    unsigned char r[16];
    SHOW("getrandom", getrandom(r, sizeof r, 0));
    SHOW("getrandom nonblock", getrandom(r, sizeof r, GRND_NONBLOCK));
    SHOW("getrandom 0 bytes", getrandom(NULL, 0, 0));
    SHOW("getrandom bad flags", getrandom(r, sizeof r, 0x100));
    SHOW("getrandom random|insecure", getrandom(r, sizeof r, GRND_RANDOM | 4));
    SHOW("getrandom bad buffer", syscall(SYS_getrandom, bad, 16, 0));
    struct timespec res;
    SHOW("clock_getres monotonic", clock_getres(CLOCK_MONOTONIC, &res));
    printf("monotonic res=%ld.%09ld\n", (long)res.tv_sec, res.tv_nsec);
    SHOW("clock_getres coarse", clock_getres(CLOCK_MONOTONIC_COARSE, &res));
    printf("coarse res>1ns=%d\n", res.tv_nsec > 1);
    SHOW("clock_getres NULL", clock_getres(CLOCK_REALTIME, NULL));
    SHOW("clock_getres bad clock", clock_getres(1234, &res));
    SHOW("clock_getres bad buffer", syscall(SYS_clock_getres, CLOCK_REALTIME, bad));
    struct utsname u;
    SHOW("uname", uname(&u));
    printf("machine=%s sysname=%s\n", u.machine, u.sysname);
    SHOW("uname bad buffer", syscall(SYS_uname, bad));
    struct sysinfo si;
    SHOW("sysinfo", sysinfo(&si));
    printf("sysinfo mem_unit>=1=%d procs>0=%d totalram>0=%d\n", si.mem_unit >= 1, si.procs > 0,
           si.totalram > 0);
    SHOW("sysinfo bad buffer", syscall(SYS_sysinfo, bad));
    struct tms tm;
    errno = 0;
    clock_t c = times(&tm);
    printf("times ok=%d\n", c != (clock_t)-1 && tm.tms_utime >= 0);
    SHOW("times bad buffer", syscall(SYS_times, bad));
    struct rusage ru;
    SHOW("getrusage self", getrusage(RUSAGE_SELF, &ru));
    SHOW("getrusage children", getrusage(RUSAGE_CHILDREN, &ru));
    SHOW("getrusage thread", getrusage(RUSAGE_THREAD, &ru));
    SHOW("getrusage bad who", syscall(SYS_getrusage, 5, &ru));
    SHOW("getrusage bad buffer", syscall(SYS_getrusage, RUSAGE_SELF, bad));
}

static void prctls(void)
{
    SHOW("PR_SET_PDEATHSIG", prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
    int sig = 0;
    SHOW("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    printf("pdeathsig=%d\n", sig);
    SHOW("PR_SET_PDEATHSIG bad signal", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    SHOW("PR_GET_PDEATHSIG bad pointer", prctl(PR_GET_PDEATHSIG, bad, 0, 0, 0));
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    SHOW("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    SHOW("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
    SHOW("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    SHOW("PR_GET_TIMING", prctl(PR_GET_TIMING, 0, 0, 0, 0));
    SHOW("PR_SET_TIMING bad", prctl(PR_SET_TIMING, 1, 0, 0, 0));
    int tsc = 0;
    SHOW("PR_GET_TSC", prctl(PR_GET_TSC, &tsc, 0, 0, 0));
    printf("tsc mode=%d\n", tsc);
    SHOW("PR_SET_TSC enable", prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));
    SHOW("PR_SET_TSC bad", prctl(PR_SET_TSC, 7, 0, 0, 0));
    SHOW("PR_GET_TIMERSLACK >0", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) > 0);
    SHOW("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int sub = 0;
    SHOW("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0));
    printf("subreaper=%d\n", sub);
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    SHOW("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    SHOW("PR_GET_THP_DISABLE bad args", prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0));
    SHOW("PR_CAPBSET_READ bad cap", prctl(PR_CAPBSET_READ, 9999, 0, 0, 0));
    SHOW("PR_SET_NAME bad pointer", prctl(PR_SET_NAME, bad, 0, 0, 0));
    SHOW("PR_GET_NAME bad pointer", prctl(PR_GET_NAME, bad, 0, 0, 0));
    SHOW("PR_SVE_GET_VL (arm64 only)", prctl(51, 0, 0, 0, 0));
    SHOW("PR_PAC_RESET_KEYS (arm64 only)", prctl(54, 0, 0, 0, 0));
    SHOW("PR_GET_TAGGED_ADDR_CTRL (arm64 only)", prctl(56, 0, 0, 0, 0));
    SHOW("PR_GET_FP_MODE (mips only)", prctl(46, 0, 0, 0, 0));
    SHOW("PR_GET_UNALIGN (not x86)", prctl(5, &sig, 0, 0, 0));
    SHOW("prctl 12345", prctl(12345, 0, 0, 0, 0));
    SHOW("prctl 17", prctl(17, 0, 0, 0, 0));
}

static void fd_calls(void)
{
    int p[2];
    SHOW("pipe2 nonblock|cloexec", pipe2(p, O_NONBLOCK | O_CLOEXEC));
    printf("pipe nonblock=%d cloexec=%d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0,
           (fcntl(p[1], F_GETFD) & FD_CLOEXEC) != 0);
    SHOW("pipe2 bad flags", pipe2(p, O_APPEND));
    SHOW("pipe2 bad pointer", syscall(SYS_pipe2, bad, 0));
    SHOW("write 5", write(p[1], "hello", 5));
    int avail = -1;
    SHOW("FIONREAD", ioctl(p[0], FIONREAD, &avail));
    printf("bytes available=%d\n", avail);
    SHOW("FIONREAD bad pointer", ioctl(p[0], FIONREAD, bad));
    struct termios tio;
    SHOW("TCGETS on a pipe", ioctl(p[0], TCGETS, &tio));
    struct winsize ws;
    SHOW("TIOCGWINSZ on a pipe", ioctl(p[0], TIOCGWINSZ, &ws));
    SHOW("unknown ioctl", ioctl(p[0], 0x12345678, 0));
    SHOW("ioctl bad fd", ioctl(999, FIONREAD, &avail));
    SHOW("dup3 same fd", syscall(SYS_dup3, p[0], p[0], 0));
    SHOW("dup3 bad flags", syscall(SYS_dup3, p[0], 50, O_NONBLOCK));
    SHOW("dup3 cloexec", dup3(p[0], 50, O_CLOEXEC));
    printf("dup3 cloexec set=%d\n", (fcntl(50, F_GETFD) & FD_CLOEXEC) != 0);
    SHOW("dup2 same fd", dup2(p[0], p[0]) == p[0]);
    SHOW("F_DUPFD_CLOEXEC >= 60", fcntl(p[0], F_DUPFD_CLOEXEC, 60) >= 60);
    SHOW("F_SETFL append|nonblock", fcntl(p[1], F_SETFL, O_APPEND | O_NONBLOCK));
    int fl = fcntl(p[1], F_GETFL);
    printf("F_GETFL append=%d nonblock=%d wronly=%d\n", (fl & O_APPEND) != 0,
           (fl & O_NONBLOCK) != 0, (fl & O_ACCMODE) == O_WRONLY);
    SHOW("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
    struct f_owner_ex ow = { F_OWNER_PID, getpid() };
    SHOW("F_SETOWN_EX", fcntl(p[0], F_SETOWN_EX, &ow));
    memset(&ow, 0, sizeof ow);
    SHOW("F_GETOWN_EX", fcntl(p[0], F_GETOWN_EX, &ow));
    printf("owner is self=%d type pid=%d\n", ow.pid == getpid(), ow.type == F_OWNER_PID);
    SHOW("F_GETOWN_EX bad pointer", fcntl(p[0], F_GETOWN_EX, bad));
    SHOW("F_GETLK bad pointer", fcntl(p[0], F_GETLK, bad));
    SHOW("fcntl unknown command", fcntl(p[0], 9999, 0));
    SHOW("F_DUPFD_QUERY same", fcntl(p[0], 1027, 50));
    SHOW("F_DUPFD_QUERY other", fcntl(p[0], 1027, p[1]));
    SHOW("F_DUPFD_QUERY closed", fcntl(p[0], 1027, 999));
    int tf = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    if (tf >= 0) {
        uint64_t hint = 2;  /* RWH_WRITE_LIFE_SHORT */
        SHOW("F_SET_RW_HINT", fcntl(tf, 1036, &hint));
        hint = 0;
        SHOW("F_GET_RW_HINT", fcntl(tf, 1035, &hint));
        printf("rw hint=%llu\n", (unsigned long long)hint);
        close(tf);
    }
    close(50);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    eventfds();
    timerfds();
    signalfds();
    memfds();
    inotifies();
    small_calls();
    prctls();
    fd_calls();
    return 0;
}
