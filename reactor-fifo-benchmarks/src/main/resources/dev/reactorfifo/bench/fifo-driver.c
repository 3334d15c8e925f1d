/*
 * fifo-driver: the one process that holds the far ends of many FIFOs for the concurrency,
 * idle-memory and virtual-thread scenarios of reactor-fifo-benchmarks. The harness compiles it
 * with gcc at run time (FifoDriver.java) and talks to it over stdin/stdout, one line each.
 *
 *   fifo-driver w DIR N   writer: opens DIR/f0 .. DIR/f<N-1> with O_WRONLY|O_NONBLOCK (ENXIO while
 *                         no reader: retried), never blocks
 *   fifo-driver r DIR N   reader holder: opens them with O_RDONLY|O_NONBLOCK and never reads
 *
 * Commands (answers start with "ok"):
 *   connect MS        retry the opens not yet done until all are open or MS ms passed; "ok OPENED"
 *   tick PERIOD_MS DURATION_MS
 *                     (w) answers "ok started T0" at once (T0 = CLOCK_MONOTONIC ns, the clock of
 *                     Java's System.nanoTime() on Linux), then for DURATION_MS writes the line
 *                     "SEQ SEND_NS\n" into FIFO i at T0 + i*PERIOD/N + k*PERIOD (k = 0, 1, ...),
 *                     SEND_NS read from the same clock right before the write(2); a FIFO not yet
 *                     open is tried again at its next slot. Then "ok done WRITTEN EAGAIN OPENED
 *                     LATE_MAX_US" (EAGAIN: lines dropped because the pipe was full; LATE_MAX_US:
 *                     how far behind its schedule the driver fell at worst)
 *   lines             (w) one line into every open FIFO; "ok WRITTEN"
 *   quit (or EOF)     closes everything and exits
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int n;
static int *fds;
static char **paths;
static int writer;
static long long seq;
static long long written, eagain;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long t) {
    struct timespec ts = {t / 1000000000LL, t % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static int try_open(int i) {
    if (fds[i] >= 0) {
        return 1;
    }
    int flags = (writer ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC;
    fds[i] = open(paths[i], flags);
    return fds[i] >= 0;
}

static int opened(void) {
    int c = 0;
    for (int i = 0; i < n; i++) {
        c += fds[i] >= 0;
    }
    return c;
}

/* one timestamped line into FIFO i; a full pipe drops it (counted), a gone reader closes the fd */
static void write_line(int i) {
    if (!try_open(i)) {
        return;
    }
    char buf[64];
    long long s = ++seq;
    int len = snprintf(buf, sizeof buf, "%lld %lld\n", s, now_ns());
    ssize_t w = write(fds[i], buf, len);
    if (w == len) {
        written++;
    } else if (w < 0 && errno == EAGAIN) {
        eagain++;
    } else if (w < 0 && errno == EPIPE) {
        close(fds[i]);
        fds[i] = -1;
    }
}

int main(int argc, char **argv) {
    if (argc != 4 || (argv[1][0] != 'w' && argv[1][0] != 'r')) {
        fprintf(stderr, "usage: fifo-driver w|r DIR N\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    writer = argv[1][0] == 'w';
    n = atoi(argv[3]);
    fds = malloc(sizeof(int) * n);
    paths = malloc(sizeof(char *) * n);
    for (int i = 0; i < n; i++) {
        fds[i] = -1;
        if (asprintf(&paths[i], "%s/f%d", argv[2], i) < 0) {
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char cmd[256];
    while (fgets(cmd, sizeof cmd, stdin) != NULL) {
        long a = 0, b = 0;
        if (sscanf(cmd, "connect %ld", &a) == 1) {
            long long deadline = now_ns() + a * 1000000LL;
            for (;;) {
                int c = 0;
                for (int i = 0; i < n; i++) {
                    c += try_open(i);
                }
                if (c == n || now_ns() >= deadline) {
                    break;
                }
                usleep(10000);
            }
            printf("ok %d\n", opened());
        } else if (writer && sscanf(cmd, "tick %ld %ld", &a, &b) == 2) {
            long long period = a * 1000000LL, t0 = now_ns(), end = t0 + b * 1000000LL, late = 0;
            written = eagain = 0;
            printf("ok started %lld\n", t0);
            for (long long k = 0;; k++) {
                for (int i = 0; i < n; i++) {
                    long long slot = t0 + k * period + (long long) i * period / n;
                    if (slot >= end) {
                        goto done;
                    }
                    long long t = now_ns();
                    if (slot - t > 1000000LL) { /* batch: sleep only when the next slot is > 1 ms away */
                        sleep_until(slot);
                    } else if (t - slot > late) {
                        late = t - slot;
                    }
                    write_line(i);
                }
            }
        done:
            printf("ok done %lld %lld %d %lld\n", written, eagain, opened(), late / 1000);
        } else if (writer && strncmp(cmd, "lines", 5) == 0) {
            written = eagain = 0;
            for (int i = 0; i < n; i++) {
                if (fds[i] >= 0) {
                    write_line(i);
                }
            }
            printf("ok %lld\n", written);
        } else if (strncmp(cmd, "quit", 4) == 0) {
            break;
        } else {
            printf("error unknown command %s", cmd);
        }
    }
    for (int i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    return 0;
}
