/* planted.c: one process per memory problem (or benign look-alike), for memmaps' findings samples.
 * usage: planted MODE [ARGS]; prints nothing, writes READY to fd 3 if open, then sleeps until killed.
 *   libdel PATH         dlopen(PATH) (a copied library), unlink(PATH)
 *   arenas N MIB        N threads, each mallocs MIB MiB in 64 KiB blocks (below the mmap threshold) and touches it
 *   maps N              one N-page anonymous region, every other page made writable: N mappings
 *   mlock MIB           MIB MiB anonymous, mlock'ed
 *   thp MIB             MIB MiB anonymous, 2 MiB aligned, madvise(MADV_HUGEPAGE), touched
 *   sysv-orphan MIB     shmget + shmat + touch + shmdt, then exit: a segment nobody attaches
 *   benign              attached SysV segment (4 MiB), memfd (4 MiB), 2 worker threads with 1 MiB malloc'ed each
 * Build: gcc -O2 -Wall -pthread -o planted planted.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
static pthread_barrier_t barrier;

static void ready(void) { if (write(3, "READY\n", 6) < 0) { /* fd 3 not open: fine */ } }
static void forever(void) { for (;;) pause(); }
static void die(const char *what) { perror(what); exit(1); }

static void *worker(void *arg) {
    size_t bytes = (size_t)arg;
    for (size_t done = 0; done < bytes; done += 64 * 1024) {
        char *p = malloc(64 * 1024);
        if (!p) die("malloc");
        memset(p, 0x5a, 64 * 1024);
    }
    pthread_barrier_wait(&barrier);
    forever();
    return NULL;
}

static void threads(int n, size_t bytes) {
    pthread_t t;
    pthread_barrier_init(&barrier, NULL, n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t, NULL, worker, (void *)bytes)) die("pthread_create");
    pthread_barrier_wait(&barrier);
}

static char *anon(size_t bytes) {
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: planted MODE [ARGS]\n"); return 2; }
    const char *mode = argv[1];
    long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
    if (!strcmp(mode, "libdel")) {
        if (!dlopen(argv[2], RTLD_NOW)) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
        if (unlink(argv[2])) die("unlink");
    } else if (!strcmp(mode, "arenas")) {
        threads((int)a, (size_t)b * MIB);
    } else if (!strcmp(mode, "maps")) {
        long page = sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, a * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) die("mmap");
        for (long i = 1; i < a; i += 2)
            if (mprotect(p + i * page, page, PROT_READ | PROT_WRITE)) die("mprotect");
    } else if (!strcmp(mode, "mlock")) {
        char *p = anon(a * MIB);
        if (mlock(p, a * MIB)) die("mlock");
        memset(p, 1, a * MIB);
    } else if (!strcmp(mode, "thp")) {
        size_t len = a * MIB;
        char *raw = anon(len + 2 * MIB);
        char *p = (char *)(((unsigned long)raw + 2 * MIB - 1) & ~(2 * MIB - 1));
        if (madvise(p, len, MADV_HUGEPAGE)) die("madvise");
        memset(p, 1, len);
    } else if (!strcmp(mode, "sysv-orphan")) {
        int id = shmget(0x6d656d01, a * MIB, IPC_CREAT | 0600);
        if (id < 0) die("shmget");
        char *p = shmat(id, NULL, 0);
        if (p == (void *)-1) die("shmat");
        memset(p, 1, a * MIB);
        if (shmdt(p)) die("shmdt");
        ready();
        return 0;
    } else if (!strcmp(mode, "benign")) {
        int id = shmget(0x6d656d02, 4 * MIB, IPC_CREAT | 0600);
        if (id < 0) die("shmget");
        char *s = shmat(id, NULL, 0);
        if (s == (void *)-1) die("shmat");
        memset(s, 1, 4 * MIB);
        int fd = memfd_create("planted-memfd", 0);
        if (fd < 0 || ftruncate(fd, 4 * MIB)) die("memfd");
        char *m = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) die("mmap memfd");
        memset(m, 1, 4 * MIB);
        threads(2, MIB);
    } else {
        fprintf(stderr, "planted: unknown mode %s\n", mode);
        return 2;
    }
    ready();
    forever();
}
