/*
 * tiny.c - a very small process for multi-process captures: a little heap,
 * one touched anonymous mapping, then wait for a signal.
 *   gcc -O0 -static -o tiny tiny.c        (64-bit, static: few mappings)
 *   gcc -O0 -m32 -o tiny32 tiny.c         (32-bit, dynamic: 8-digit addresses)
 * usage: tiny [KB]   (size of the anonymous mapping, default 128)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t kb = argc > 1 ? (size_t)atol(argv[1]) : 128;
    char *h = malloc(20000);
    if (h)
        memset(h, 'h', 20000);
    char *p = mmap(NULL, kb * 1024, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
        memset(p, 'a', kb * 1024 / 2);
    for (;;)
        pause();
}
