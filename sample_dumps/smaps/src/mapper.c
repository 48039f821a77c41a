/*
 * mapper.c - create a known set of memory mappings, then wait so that
 * /proc/PID/{smaps,maps,smaps_rollup} can be captured.
 *
 * Part of memmaps' sample_dumps/smaps; see PROVENANCE.md and capture.sh.
 *
 *   gcc -O0 -pthread -o mapper mapper.c
 *   ./mapper DATADIR [options]
 *
 * options:
 *   --threads N      worker threads (pthread stacks + malloc arenas), default 3
 *   --thp-mb N       size of the MADV_HUGEPAGE region in MB (4 MB aligned), default 4
 *   --swap KB        also map KB of anonymous memory and MADV_PAGEOUT it
 *                    (gives Swap: > 0 when a swap device is active)
 *   --hugetlb N      also map N 2 MB MAP_HUGETLB pages (needs vm.nr_hugepages >= N)
 *   --ksm KB         also map KB of identical pages and MADV_MERGEABLE them
 *   --extra-files N  map N additional small files (for bigger dumps)
 *   --odd-names      also map files with a tab, a backslash, UTF-8, a name
 *                    ending in " (deleted)" that is then really deleted,
 *                    and a 200-character name
 *
 * When everything is mapped it writes DATADIR/layout.txt (which address is
 * which region), creates DATADIR/ready and waits for SIGTERM/SIGINT.
 * Nothing is printed to stdout except errors (stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
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
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define KB 1024UL
#define MB (1024UL * 1024UL)

static const char *datadir;
static FILE *layout;
static long pagesz;
static pthread_barrier_t barrier;

static void die(const char *what)
{
    fprintf(stderr, "mapper: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void note(const char *what, void *addr, size_t len)
{
    fprintf(layout, "%012lx-%012lx %8lu kB  %s\n", (unsigned long)addr,
            (unsigned long)addr + len, (unsigned long)(len / KB), what);
}

static void touch(void *p, size_t len, int val)
{
    memset(p, val, len);
}

static void *anon(size_t len, int prot, int flags)
{
    void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap anon");
    return p;
}

static int mkfile(const char *path, size_t len)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die(path);
    char buf[4096];
    for (size_t off = 0; off < len; off += sizeof buf) {
        memset(buf, 'a' + (int)((off / 4096) % 26), sizeof buf);
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
            die("write");
    }
    return fd;
}

/* map a file: private read-only, reading every page; if dirty_pages > 0,
   map it private read-write instead and dirty that many pages (COW). */
static void *map_file(const char *path, size_t len, int dirty_pages, int unlink_after)
{
    int fd = mkfile(path, len);
    int prot = PROT_READ | (dirty_pages ? PROT_WRITE : 0);
    char *p = mmap(NULL, len, prot, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        die("mmap file");
    close(fd);
    volatile char sum = 0;
    for (size_t off = 0; off < len; off += pagesz)
        sum += p[off];
    for (int i = 0; i < dirty_pages; i++)
        p[i * pagesz] = 'X';
    if (unlink_after && unlink(path) != 0)
        die("unlink");
    return p;
}

static void *worker(void *arg)
{
    long n = (long)arg;
    /* first malloc in a thread creates a per-thread malloc arena */
    char *q = malloc(16 * KB + n * 4 * KB);
    if (!q)
        die("malloc in thread");
    touch(q, 16 * KB + n * 4 * KB, 't');
    /* use some stack */
    volatile char stackbuf[32 * 1024];
    memset((char *)stackbuf, 's', sizeof stackbuf);
    pthread_barrier_wait(&barrier);
    for (;;)
        pause();
    return NULL;
}

static void try_name(void *addr, size_t len, const char *name)
{
    if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)addr, len,
              (unsigned long)name) != 0)
        fprintf(layout, "# prctl(PR_SET_VMA_ANON_NAME, \"%s\") failed: %s "
                        "(kernel without CONFIG_ANON_VMA_NAME?)\n",
                name, strerror(errno));
    else
        fprintf(layout, "# named region \"%s\"\n", name);
}

int main(int argc, char **argv)
{
    int nthreads = 3, thp_mb = 4, hugetlb = 0, extra_files = 0, odd = 0;
    long swap_kb = 0, ksm_kb = 0;
    char path[4096];

    if (argc < 2) {
        fprintf(stderr, "usage: %s DATADIR [options]\n", argv[0]);
        return 2;
    }
    datadir = argv[1];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            nthreads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--thp-mb") && i + 1 < argc)
            thp_mb = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--swap") && i + 1 < argc)
            swap_kb = atol(argv[++i]);
        else if (!strcmp(argv[i], "--hugetlb") && i + 1 < argc)
            hugetlb = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ksm") && i + 1 < argc)
            ksm_kb = atol(argv[++i]);
        else if (!strcmp(argv[i], "--extra-files") && i + 1 < argc)
            extra_files = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--odd-names"))
            odd = 1;
        else {
            fprintf(stderr, "mapper: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    pagesz = sysconf(_SC_PAGESIZE);
    snprintf(path, sizeof path, "%s/layout.txt", datadir);
    layout = fopen(path, "w");
    if (!layout)
        die(path);
    fprintf(layout, "# mapper pid %d: regions created (addresses as in /proc/PID/maps)\n",
            (int)getpid());

    /* 1. [heap]: many small mallocs (below the mmap threshold -> brk) */
    for (int i = 0; i < 48; i++) {
        char *q = malloc(4000);
        if (!q)
            die("malloc");
        touch(q, 4000, 'h');
    }
    fprintf(layout, "# [heap]: 48 x malloc(4000), touched\n");

    /* 2. THP: an anonymous region aligned to 4 MB, MADV_HUGEPAGE, touched */
    {
        size_t len = (size_t)thp_mb * MB, align = 4 * MB;
        char *raw = anon(len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
        if (p > raw)
            munmap(raw, p - raw);
        if (raw + len + align > p + len)
            munmap(p + len, raw + len + align - (p + len));
        if (madvise(p, len, MADV_HUGEPAGE) != 0)
            die("madvise MADV_HUGEPAGE");
        touch(p, len, 'T');
        note("THP region: MAP_PRIVATE|MAP_ANONYMOUS, 4 MB aligned, MADV_HUGEPAGE, touched", p, len);
    }

    /* 3. /dev/shm file, MAP_SHARED */
    {
        size_t len = 64 * KB;
        int fd = shm_open("/memmaps-sample.shm", O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            die("shm_open");
        if (ftruncate(fd, len) != 0)
            die("ftruncate shm");
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            die("mmap shm");
        close(fd);
        touch(p, 40 * KB, 'S');
        note("/dev/shm/memmaps-sample.shm MAP_SHARED 64 kB, 40 kB written", p, len);
    }

    /* 4. SysV shm segment -> /SYSV4d4d5053 (deleted) */
    {
        size_t len = 96 * KB;
        int id = shmget(0x4d4d5053, len, IPC_CREAT | 0600);
        if (id < 0)
            die("shmget");
        char *p = shmat(id, NULL, 0);
        if (p == (void *)-1)
            die("shmat");
        touch(p, 48 * KB, 'V');
        shmctl(id, IPC_RMID, NULL); /* destroyed when the last process detaches */
        note("SysV shm key 0x4d4d5053, 96 kB, 48 kB written, IPC_RMID after attach", p, len);
    }

    /* 5. shared anonymous -> /dev/zero (deleted) */
    {
        size_t len = 128 * KB;
        char *p = anon(len, PROT_READ | PROT_WRITE, MAP_SHARED);
        touch(p, 32 * KB, 'Z');
        note("MAP_SHARED|MAP_ANONYMOUS 128 kB, 32 kB written", p, len);
        try_name(p, len, "memmaps shared anon");
    }

    /* 6. memfd */
    {
        size_t len = 128 * KB;
        int fd = memfd_create("memmaps-sample", 0);
        if (fd < 0)
            die("memfd_create");
        if (ftruncate(fd, len) != 0)
            die("ftruncate memfd");
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            die("mmap memfd");
        touch(p, 64 * KB, 'M');
        note("memfd_create(\"memmaps-sample\") MAP_SHARED 128 kB, 64 kB written", p, len);
    }

    /* 7. a file mapped then unlinked -> "... (deleted)" */
    snprintf(path, sizeof path, "%s/unlinked-after-mmap.dat", datadir);
    note("file unlinked after mmap, MAP_PRIVATE read-only, 32 kB read",
         map_file(path, 32 * KB, 0, 1), 32 * KB);

    /* 8. a file name with spaces, MAP_PRIVATE read-write, 2 pages dirtied (COW) */
    snprintf(path, sizeof path, "%s/file with spaces.dat", datadir);
    note("'file with spaces.dat' MAP_PRIVATE rw, 24 kB read, 2 pages COW-dirtied",
         map_file(path, 24 * KB, 2, 0), 24 * KB);

    /* 9. a file name with a newline (the kernel prints \012) */
    snprintf(path, sizeof path, "%s/line1\nline2.dat", datadir);
    note("'line1<LF>line2.dat' MAP_PRIVATE read-only, 16 kB read",
         map_file(path, 16 * KB, 0, 0), 16 * KB);

    /* 10. a file whose real name ends in " (deleted)" but is NOT deleted */
    snprintf(path, sizeof path, "%s/not really (deleted)", datadir);
    note("file literally named 'not really (deleted)', still present, 8 kB read",
         map_file(path, 8 * KB, 0, 0), 8 * KB);

    /* 11. named anonymous region (needs CONFIG_ANON_VMA_NAME, 5.17+) */
    {
        size_t len = 64 * KB;
        char *p = anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        touch(p, len, 'N');
        note("private anonymous 64 kB touched, prctl name 'memmaps arena/1'", p, len);
        try_name(p, len, "memmaps arena/1");
    }

    /* 12. PROT_NONE guard region */
    {
        size_t len = 64 * KB;
        char *p = anon(len, PROT_NONE, MAP_PRIVATE);
        note("PROT_NONE guard region 64 kB", p, len);
    }

    /* 13. locked region */
    {
        size_t len = 64 * KB;
        char *p = anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        if (mlock(p, len) != 0)
            die("mlock");
        touch(p, len, 'L');
        note("mlock()ed private anonymous 64 kB", p, len);
    }

    /* 14. optional: swapped-out region */
    if (swap_kb > 0) {
        size_t len = swap_kb * KB;
        char *p = anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        for (size_t off = 0; off < len; off++)
            p[off] = (char)(off * 7 + off / 4096);
        if (madvise(p, len, MADV_PAGEOUT) != 0)
            fprintf(layout, "# MADV_PAGEOUT failed: %s\n", strerror(errno));
        note("private anonymous, filled, then MADV_PAGEOUT (swapped out if swap is on)", p, len);
    }

    /* 15. optional: hugetlb pages -> /anon_hugepage (deleted) */
    if (hugetlb > 0) {
        size_t len = (size_t)hugetlb * 2 * MB;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(layout, "# MAP_HUGETLB failed: %s\n", strerror(errno));
        } else {
            touch(p, len, 'H');
            note("MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB (2 MB pages), touched", p, len);
        }
    }

    /* 16. optional: KSM-mergeable identical pages */
    if (ksm_kb > 0) {
        size_t len = ksm_kb * KB;
        char *p = anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        touch(p, len, 'K');
        if (madvise(p, len, MADV_MERGEABLE) != 0)
            fprintf(layout, "# MADV_MERGEABLE failed: %s\n", strerror(errno));
        note("identical pages, MADV_MERGEABLE", p, len);
    }

    /* 17. optional: more files */
    for (int i = 0; i < extra_files; i++) {
        snprintf(path, sizeof path, "%s/extra-%03d.dat", datadir, i);
        note("extra file", map_file(path, (size_t)(4 + (i % 8) * 4) * KB, i % 3 == 0, 0),
             (size_t)(4 + (i % 8) * 4) * KB);
    }

    /* 18. optional: odd names */
    if (odd) {
        const char *names[] = {
            "tab\there.dat",
            "back\\slash.dat",
            "utf8-\xc3\xa9t\xc3\xa9-\xe2\x9c\x93.dat",
            "[heap]",
            "trailing space ",
            "two\n\nnewlines.dat",
            "colon: value 12 kB.dat",
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", datadir, names[i]);
            note(names[i], map_file(path, 8 * KB, 0, 0), 8 * KB);
        }
        /* a name ending in " (deleted)" that is then really deleted */
        snprintf(path, sizeof path, "%s/really (deleted)", datadir);
        note("'really (deleted)' then unlinked", map_file(path, 8 * KB, 0, 1), 8 * KB);
        /* a long name */
        char longname[256];
        memset(longname, 'L', 200);
        longname[200] = 0;
        snprintf(path, sizeof path, "%s/%s", datadir, longname);
        note("200-character name", map_file(path, 4 * KB, 0, 0), 4 * KB);
    }

    /* threads last, so that their stacks/arenas are easy to spot */
    pthread_t tid;
    pthread_barrier_init(&barrier, NULL, nthreads + 1);
    for (long i = 0; i < nthreads; i++)
        if (pthread_create(&tid, NULL, worker, (void *)i) != 0)
            die("pthread_create");
    pthread_barrier_wait(&barrier);
    fprintf(layout, "# %d threads started (8 MB pthread stacks with a 4 kB guard page each; "
                    "each thread's first malloc creates a 64 MB-reserved malloc arena)\n",
            nthreads);
    fclose(layout);

    snprintf(path, sizeof path, "%s/ready", datadir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("ready");
    close(fd);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    return 0;
}
