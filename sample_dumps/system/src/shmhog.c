/* shmhog: SysV shared memory segments for memmaps samples.
 * usage: shmhog KEY_ATTACHED KB_ATTACHED KEY_DETACHED KB_DETACHED
 *  - creates segment KEY_ATTACHED (KB_ATTACHED KiB, mode 0640), attaches it,
 *    dirties every page and stays attached (nattch 1, in this process's maps
 *    as /SYSV<key> (deleted));
 *  - creates segment KEY_DETACHED (KB_DETACHED KiB, mode 0600), attaches it,
 *    dirties half of it, detaches (nattch 0: resident but mapped by no one);
 *  then sleeps forever. Keys are hex (0x...). Run it in a private IPC
 *  namespace (unshare --ipc) so the segments vanish with the namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static char *make(key_t key, size_t bytes, int mode) {
    int id = shmget(key, bytes, IPC_CREAT | IPC_EXCL | mode);
    if (id < 0) { perror("shmget"); exit(1); }
    char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) { perror("shmat"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s KEY KB KEY KB\n", argv[0]); return 2; }
    size_t a = (size_t)atol(argv[2]) * 1024, d = (size_t)atol(argv[4]) * 1024;
    char *pa = make((key_t)strtoul(argv[1], NULL, 0), a, 0640);
    memset(pa, 0x11, a);
    char *pd = make((key_t)strtoul(argv[3], NULL, 0), d, 0600);
    memset(pd, 0x22, d / 2);
    shmdt(pd);
    for (;;) pause();
}
