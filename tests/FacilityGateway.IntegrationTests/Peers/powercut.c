/*
 * powercut.so: a file layer under SQLite that keeps only what was synced. Preloaded into the gateway
 * (LD_PRELOAD), it watches the files whose names end in POWERCUT_SUFFIXES (default "outbox.db outbox.db-wal") and,
 * each time one of them is fsync'ed or fdatasync'ed, copies it whole to "<file>.synced". After the process is killed,
 * the test replaces each file by its .synced copy (or removes it if it was never synced): the disk as a power cut would
 * leave it, with every write that was not synced gone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FDS 4096
static char *watched[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int matches(const char *path) {
    const char *suffixes = getenv("POWERCUT_SUFFIXES");
    if (!suffixes) suffixes = "outbox.db outbox.db-wal";
    size_t len = strlen(path);
    const char *p = suffixes;
    while (*p) {
        while (*p == ' ') p++;
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n && len >= n && strncmp(path + len - n, p, n) == 0 && (len == n || path[len - n - 1] == '/')) return 1;
        p += n;
    }
    return 0;
}

static void remember(int fd, const char *path) {
    if (fd < 0 || fd >= MAX_FDS || !matches(path)) return;
    char full[PATH_MAX];
    if (!realpath(path, full)) return;
    pthread_mutex_lock(&lock);
    free(watched[fd]);
    watched[fd] = strdup(full);
    pthread_mutex_unlock(&lock);
}

static void snapshot(int fd) {
    if (fd < 0 || fd >= MAX_FDS) return;
    pthread_mutex_lock(&lock);
    char *path = watched[fd] ? strdup(watched[fd]) : NULL;
    pthread_mutex_unlock(&lock);
    if (!path) return;
    char tmp[PATH_MAX + 16], dst[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.synced.tmp", path);
    snprintf(dst, sizeof dst, "%s.synced", path);
    int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
    int out = real_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out >= 0) {
        char buf[65536];
        off_t off = 0;
        ssize_t n;
        while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
            if (write(out, buf, (size_t)n) != n) break;
            off += n;
        }
        close(out);
        rename(tmp, dst);
    }
    free(path);
}

#define OPEN_LIKE(name)                                                        \
    int name(const char *path, int flags, ...) {                              \
        static int (*real)(const char *, int, ...);                           \
        if (!real) real = dlsym(RTLD_NEXT, #name);                            \
        mode_t mode = 0;                                                      \
        if (flags & (O_CREAT | O_TMPFILE)) {                                  \
            va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); \
        }                                                                     \
        int fd = real(path, flags, mode);                                     \
        remember(fd, path);                                                   \
        return fd;                                                            \
    }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                      \
    int name(int dir, const char *path, int flags, ...) {                     \
        static int (*real)(int, const char *, int, ...);                      \
        if (!real) real = dlsym(RTLD_NEXT, #name);                            \
        mode_t mode = 0;                                                      \
        if (flags & (O_CREAT | O_TMPFILE)) {                                  \
            va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); \
        }                                                                     \
        int fd = real(dir, path, flags, mode);                                \
        if (path[0] == '/' || dir == AT_FDCWD) remember(fd, path);            \
        return fd;                                                            \
    }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int close(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "close");
    if (fd >= 0 && fd < MAX_FDS) {
        pthread_mutex_lock(&lock);
        free(watched[fd]);
        watched[fd] = NULL;
        pthread_mutex_unlock(&lock);
    }
    return real(fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fsync");
    int r = real(fd);
    if (r == 0) snapshot(fd);
    return r;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fdatasync");
    int r = real(fd);
    if (r == 0) snapshot(fd);
    return r;
}
