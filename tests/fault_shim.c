/* fault_shim.c - an LD_PRELOAD library for tests/test_faults.py: makes the libraries' (and
 * libc's) allocations and the writes to files fail on purpose, the way a full machine or a
 * full disk would, counted from environment variables:
 *
 *   ICS_FAULT_MALLOC=N   the Nth call of malloc/calloc/realloc (1-based) returns NULL, ENOMEM
 *   ICS_FAULT_WRITE=N    the Nth write/pwrite/pwrite64/writev to a file (fd > 2) fails, ENOSPC
 *   ICS_FAULT_FSYNC=N    the Nth fsync/fdatasync fails, ENOSPC
 *   ICS_FAULT_STICKY=1   every later call fails too (a disk that stays full)
 *   ICS_FAULT_REPORT=F   at exit, "malloc M\nwrite W\nfsync S\nfailed K\n" is appended to F (the
 *                        calls made, to size a sweep, and how many were failed), by every
 *                        process: a child that ends with _exit (the report's writer) too; its
 *                        counts go on from its parent's at fork, so the largest is the run's
 *
 * Only for a build without sanitizers (they replace malloc themselves); meson builds it only
 * then. glibc's own entry points (__libc_malloc...) and raw system calls keep the shim free of
 * dlsym, which allocates. */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS /* both pwrite and pwrite64 are defined here, not one renamed */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

typedef struct {
  unsigned long calls; /* made so far */
  unsigned long at;    /* the call that fails (0: none) */
} counter;

static counter mallocs, writes, syncs;
static unsigned long failed;
static int sticky = -1;
static int ready; /* 0: the environment not read yet; 1 read; 2 reading */

static unsigned long env_number(const char *name) {
  const char *s = getenv(name);
  unsigned long n = 0;
  for (; s && *s >= '0' && *s <= '9'; s++) n = n * 10 + (unsigned long)(*s - '0');
  return n;
}

static void setup(void) {
  if (ready) return;
  ready = 2; /* getenv does not allocate, but be safe against re-entry */
  mallocs.at = env_number("ICS_FAULT_MALLOC");
  writes.at = env_number("ICS_FAULT_WRITE");
  syncs.at = env_number("ICS_FAULT_FSYNC");
  sticky = env_number("ICS_FAULT_STICKY") != 0;
  ready = 1;
}

/* Counts a call; true when it must fail. */
static int hit(counter *c) {
  if (ready != 1) {
    if (ready == 2) return 0;
    setup();
  }
  c->calls++;
  if (!c->at) return 0;
  if (c->calls == c->at || (sticky && c->calls > c->at)) {
    failed++;
    return 1;
  }
  return 0;
}

void *malloc(size_t size) {
  if (hit(&mallocs)) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  if (hit(&mallocs)) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size) {
  if (size && hit(&mallocs)) { /* realloc(p, 0) frees: never a failure */
    errno = ENOMEM;
    return NULL;
  }
  return __libc_realloc(ptr, size);
}

static int write_fails(int fd) {
  if (fd <= 2) return 0; /* messages still reach the terminal */
  if (!hit(&writes)) return 0;
  errno = ENOSPC;
  return 1;
}

ssize_t write(int fd, const void *buf, size_t n) {
  if (write_fails(fd)) return -1;
  return syscall(SYS_write, fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) {
  if (write_fails(fd)) return -1;
  return syscall(SYS_pwrite64, fd, buf, n, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t offset) {
  if (write_fails(fd)) return -1;
  return syscall(SYS_pwrite64, fd, buf, n, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
  if (write_fails(fd)) return -1;
  return syscall(SYS_writev, fd, iov, count);
}

int fsync(int fd) {
  if (hit(&syncs)) {
    errno = ENOSPC;
    return -1;
  }
  return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd) {
  if (hit(&syncs)) {
    errno = ENOSPC;
    return -1;
  }
  return (int)syscall(SYS_fdatasync, fd);
}

static void put_number(char *buf, size_t *len, const char *name, unsigned long n) {
  char digits[24];
  int k = 0;
  do digits[k++] = (char)('0' + n % 10);
  while ((n /= 10) && k < 24);
  size_t l = strlen(name);
  memcpy(buf + *len, name, l);
  *len += l;
  buf[(*len)++] = ' ';
  while (k) buf[(*len)++] = digits[--k];
  buf[(*len)++] = '\n';
}

__attribute__((destructor)) static void report(void) {
  const char *path = getenv("ICS_FAULT_REPORT");
  if (!path) return;
  char buf[256];
  size_t len = 0;
  put_number(buf, &len, "malloc", mallocs.calls);
  put_number(buf, &len, "write", writes.calls);
  put_number(buf, &len, "fsync", syncs.calls);
  put_number(buf, &len, "failed", failed);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return;
  syscall(SYS_write, fd, buf, len);
  syscall(SYS_close, fd);
}

/* exit() runs the destructor above; _exit skips it, so it reports here first (glibc's exit
 * ends in its own internal _exit, never this one). */
void _exit(int status) {
  report();
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}
