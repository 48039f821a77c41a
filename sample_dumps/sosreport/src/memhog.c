/* memhog: small test process for memmaps samples.
 * usage: memhog ANON_KB FILE_TO_MAP SHARED_KB [fork]
 *  - mmaps ANON_KB of private anonymous memory and dirties every page,
 *  - maps FILE_TO_MAP read-only (shared) and reads every page (clean file pages),
 *  - mmaps SHARED_KB of MAP_SHARED|MAP_ANONYMOUS memory, dirties it,
 *  - with "fork": forks one child that shares the shared mapping (Pss < Rss),
 *  then sleeps forever.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s ANON_KB FILE SHARED_KB [fork]\n", argv[0]); return 2; }
    size_t anon = (size_t)atol(argv[1]) * 1024, shared = (size_t)atol(argv[3]) * 1024;
    volatile unsigned long sum = 0;
    if (anon) {
        char *a = mmap(NULL, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (a == MAP_FAILED) { perror("mmap anon"); return 1; }
        memset(a, 0x5a, anon);
    }
    int fd = open(argv[2], O_RDONLY);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_size > 0) {
            char *f = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
            if (f != MAP_FAILED)
                for (off_t i = 0; i < st.st_size; i += 4096) sum += f[i];
        }
        close(fd);
    }
    if (shared) {
        char *s = mmap(NULL, shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (s == MAP_FAILED) { perror("mmap shared"); return 1; }
        memset(s, 0xa5, shared);
    }
    if (argc > 4 && strcmp(argv[4], "fork") == 0) {
        pid_t p = fork();
        if (p == 0) { for (;;) pause(); }
    }
    for (;;) pause();
}
