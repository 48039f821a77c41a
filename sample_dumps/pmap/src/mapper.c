/*
 * mapper.c - a tiny process that sets up a handful of typical mappings and
 * then waits, so that pmap and /proc/PID/smaps can be captured from it.
 *
 * Build: gcc -O1 -o mapper mapper.c            (64-bit, dynamic)
 *
 * Usage: mapper DIR [options]
 *   DIR is a scratch directory (created files live there).
 * Options (any order):
 *   zombie      fork a child that exits at once and is never reaped
 *   thread      start a second thread (its stack is an anonymous mapping)
 *   anonname    name one anonymous mapping with PR_SET_VMA_ANON_NAME
 *   oddname     map a file whose name contains a space and a newline
 *   big         make the anonymous / shared mappings larger
 *
 * Mappings created (all touched so they have RSS):
 *   DIR/shared.dat      MAP_SHARED file mapping, 64 KiB, written (dirty shared)
 *   DIR/private.dat     MAP_PRIVATE file mapping, 32 KiB, half written (COW)
 *   DIR/deleted.dat     MAP_SHARED, then unlink()ed -> "(deleted)"
 *   /dev/shm/memmaps-shm  shm_open-style file in /dev/shm, MAP_SHARED
 *   memfd:memmaps-memfd   memfd_create, MAP_SHARED
 *   SysV shm segment      shmget(key 0x6d6d6170 'mmap')+shmat, removed with
 *                         IPC_RMID after attach so it vanishes on exit
 *   anonymous             128 KiB private anon, 64 KiB written; 16 KiB mlock()ed
 *   read-only anon        PROT_READ anon, never touched (RSS 0)
 *   PROT_NONE guard       16 KiB
 * Prints "ready" on stdout when done, then pauses forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int make_file(const char *path, size_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die(path);
    if (ftruncate(fd, (off_t)size) < 0)
        die("ftruncate");
    return fd;
}

static void *map_fd(int fd, size_t size, int flags)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (p == MAP_FAILED)
        die("mmap");
    return p;
}

static void *thread_main(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    char path[4096];
    int zombie = 0, thread = 0, anonname = 0, oddname = 0, big = 0;
    size_t k = 1024;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [zombie] [thread] [anonname] [oddname] [big]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "zombie")) zombie = 1;
        else if (!strcmp(argv[i], "thread")) thread = 1;
        else if (!strcmp(argv[i], "anonname")) anonname = 1;
        else if (!strcmp(argv[i], "oddname")) oddname = 1;
        else if (!strcmp(argv[i], "big")) big = 1;
    }
    size_t mult = big ? 8 : 1;

    /* shared file mapping, fully written */
    snprintf(path, sizeof path, "%s/shared.dat", dir);
    int fd = make_file(path, 64 * k * mult);
    char *shared = map_fd(fd, 64 * k * mult, MAP_SHARED);
    memset(shared, 'S', 64 * k * mult);
    close(fd);

    /* private file mapping, half written (copy-on-write) */
    snprintf(path, sizeof path, "%s/private.dat", dir);
    fd = make_file(path, 32 * k);
    char *priv = map_fd(fd, 32 * k, MAP_PRIVATE);
    memset(priv, 'P', 16 * k);
    volatile char sink = priv[20 * k]; /* read-fault one clean page */
    (void)sink;
    close(fd);

    /* deleted file */
    snprintf(path, sizeof path, "%s/deleted.dat", dir);
    fd = make_file(path, 16 * k);
    char *del = map_fd(fd, 16 * k, MAP_SHARED);
    memset(del, 'D', 8 * k);
    close(fd);
    unlink(path);

    /* /dev/shm file */
    fd = make_file("/dev/shm/memmaps-shm", 24 * k);
    char *dshm = map_fd(fd, 24 * k, MAP_SHARED);
    memset(dshm, 'M', 24 * k);
    close(fd);

    /* memfd */
    fd = memfd_create("memmaps-memfd", 0);
    if (fd < 0)
        die("memfd_create");
    if (ftruncate(fd, 20 * k) < 0)
        die("ftruncate memfd");
    char *mfd = map_fd(fd, 20 * k, MAP_SHARED);
    memset(mfd, 'F', 12 * k);
    close(fd);

    /* SysV shm: key 'mmap' */
    int shmid = shmget((key_t)0x6d6d6170 + getpid(), 40 * k, IPC_CREAT | 0600);
    if (shmid < 0)
        die("shmget");
    char *sysv = shmat(shmid, NULL, 0);
    if (sysv == (void *)-1)
        die("shmat");
    memset(sysv, 'V', 28 * k);
    shmctl(shmid, IPC_RMID, NULL);

    /* private anonymous, partly written, partly locked */
    char *anon = mmap(NULL, 128 * k * mult, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED)
        die("mmap anon");
    memset(anon, 'A', 64 * k * mult);
    if (mlock(anon, 16 * k) < 0)
        perror("mlock");

    /* read-only anon, untouched */
    char *ro = mmap(NULL, 12 * k, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED)
        die("mmap ro");

    /* PROT_NONE guard */
    char *guard = mmap(NULL, 16 * k, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guard == MAP_FAILED)
        die("mmap guard");

    if (anonname) {
        char *named = mmap(NULL, 8 * k, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (named == MAP_FAILED)
            die("mmap named");
        memset(named, 'N', 4 * k);
        if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)named, 8 * k,
                  (unsigned long)"memmaps arena/1") < 0)
            perror("PR_SET_VMA_ANON_NAME");
    }

    if (oddname) {
        snprintf(path, sizeof path, "%s/odd name\nwith newline.dat", dir);
        fd = make_file(path, 8 * k);
        char *odd = map_fd(fd, 8 * k, MAP_SHARED);
        memset(odd, 'O', 4 * k);
        close(fd);
    }

    if (thread) {
        pthread_t t;
        if (pthread_create(&t, NULL, thread_main, NULL) != 0)
            die("pthread_create");
    }

    if (zombie) {
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        if (c < 0)
            die("fork");
        printf("zombie %d\n", (int)c);
    }

    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
    return 0;
}
