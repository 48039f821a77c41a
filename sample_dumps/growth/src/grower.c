/* grower: a small process that grows (or shrinks) one step at a time, for memmaps leak samples.
 * usage: grower MODES STEP_KB [FILE]
 * MODES is a set of letters; on every SIGUSR1 the process takes one step of each:
 *   b  brk heap: sbrk(STEP_KB) more and dirty it ([heap] keeps its start address and grows),
 *   m  anonymous mmap: one new private anonymous mapping of STEP_KB, dirtied
 *      (the kernel may merge it with the previous one: one region whose start moves down),
 *   f  mapped file: FILE (at least 8 * STEP_KB) is mapped once at start; each step reads
 *      STEP_KB more of its pages (the same mapping, growing RSS of clean file pages),
 *   s  shrink: 8 * STEP_KB of dirty anonymous memory at start; each step unmaps STEP_KB of it
 *      (from its end: the region keeps its start and gets smaller),
 *   t  thread arena: a second thread mallocs STEP_KB per step in 16 KiB blocks and dirties them
 *      (glibc gives the thread its own arena: a 64 MiB reservation whose rw-p part grows
 *      into its ---p part, the region keeping its start).
 * SIGTERM exits. The process prints "ready" on stdout (a pipe the driver may read) after
 * its initial setup and "step N" after each step, then waits for the next signal.
 */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static sem_t go, done;
static size_t thread_step;

static void *arena_thread(void *arg) {
    (void)arg;
    char *first = malloc(16);   /* the thread's arena is set up by its first malloc */
    if (first) first[0] = 1;
    sem_post(&done);
    for (;;) {
        sem_wait(&go);
        for (size_t n = 0; n < thread_step; n += 16384) {
            char *p = malloc(16384);
            if (!p) { perror("malloc"); exit(1); }
            memset(p, 0x44, 16384);
        }
        sem_post(&done);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MODES STEP_KB [FILE]\n", argv[0]); return 2; }
    const char *modes = argv[1];
    size_t step = (size_t)atol(argv[2]) * 1024;
    volatile unsigned long sum = 0;
    char *file = NULL, *shrink = NULL;
    size_t file_len = 0, file_read = 0, shrink_len = 0;

    if (strchr(modes, 'f')) {
        if (argc < 4) { fprintf(stderr, "mode f needs FILE\n"); return 2; }
        int fd = open(argv[3], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[3]); return 1; }
        file_len = (size_t)st.st_size;
        file = mmap(NULL, file_len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (file == MAP_FAILED) { perror("mmap file"); return 1; }
        close(fd);
    }
    if (strchr(modes, 's')) {
        shrink_len = 8 * step;
        shrink = mmap(NULL, shrink_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (shrink == MAP_FAILED) { perror("mmap shrink"); return 1; }
        memset(shrink, 0x33, shrink_len);
    }
    sigset_t set;
    int threaded = strchr(modes, 't') != NULL;
    if (threaded) {
        pthread_t tid;
        thread_step = step;
        sem_init(&go, 0, 0);
        sem_init(&done, 0, 0);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigaddset(&block, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &block, NULL);   /* the thread inherits the mask: signals go to main */
        if (pthread_create(&tid, NULL, arena_thread, NULL) != 0) { perror("pthread_create"); return 1; }
        sem_wait(&done);
    }
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    printf("ready\n");
    fflush(stdout);
    for (int n = 1;; n++) {
        int sig;
        if (sigwait(&set, &sig) != 0 || sig == SIGTERM) return 0;
        if (strchr(modes, 'b')) {
            char *p = sbrk((intptr_t)step);
            if (p == (void *)-1) { perror("sbrk"); return 1; }
            memset(p, 0x11, step);
        }
        if (strchr(modes, 'm')) {
            char *p = mmap(NULL, step, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) { perror("mmap anon"); return 1; }
            memset(p, 0x22, step);
        }
        if (file) {
            for (size_t end = file_read + step; file_read < end && file_read < file_len; file_read += 4096)
                sum += file[file_read];
        }
        if (threaded) {
            sem_post(&go);
            sem_wait(&done);
        }
        if (shrink && shrink_len >= step) {
            shrink_len -= step;
            munmap(shrink + shrink_len, step);
        }
        printf("step %d\n", n);
        fflush(stdout);
    }
}
