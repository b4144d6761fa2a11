/* platform_posix.c - the file and path seam on POSIX systems. A Windows build provides the
 * same functions in platform_win32.c. */
#define _GNU_SOURCE /* memfd_create; realpath */
#include "ics_common.h"
#include "platform_private.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <spawn.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <iconv.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

void ics_platform_init(int *argc, char ***argv) {
  (void)argc; /* POSIX hands the arguments over as they were typed, in the locale's UTF-8 */
  (void)argv;
}

bool ics_read_line(FILE *in, char *buf, size_t size) { return ics_stream_read_line(in, buf, size); }

FILE *ics_fopen(const char *path, const char *mode) { return fopen(path, mode); }

char *ics_narrow_path(const char *path) { return ics_strdup(path); }

int ics_remove_file(const char *path) { return unlink(path); }

int ics_make_dir(const char *path) {
  return mkdir(path, 0755) == 0 || (errno == EEXIST && ics_path_is_dir(path)) ? 0 : -1;
}

/* Opens a regular file for reading, never waiting (O_NONBLOCK: a FIFO would wait for a
 * writer; cleared once the file is known to be regular). */
static ics_code open_regular_fd(const char *path, int *out) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return errno == ENOENT ? ICS_E_NOT_FOUND : ICS_E_IO;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return ICS_E_IO;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    return ICS_E_NOT_REGULAR;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *out = fd;
  return ICS_OK;
}

/* Reads up to cap bytes of fd into buf (*n of them); closes fd, keeping errno. */
static ics_code read_and_close(int fd, void *buf, size_t cap, size_t *n) {
  ics_code status = ICS_OK;
  while (*n < cap) {
    ssize_t k = read(fd, (char *)buf + *n, cap - *n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) status = ICS_E_IO;
    if (k <= 0) break;
    *n += (size_t)k;
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return status;
}

ics_code ics_read_head(const char *path, void *buf, size_t cap, size_t *n) {
  *n = 0;
  int fd;
  ics_code status = open_regular_fd(path, &fd);
  return status == ICS_OK ? read_and_close(fd, buf, cap, n) : status;
}

ics_code ics_open_regular(const char *path, FILE **out) {
  *out = NULL;
  int fd;
  ics_code status = open_regular_fd(path, &fd);
  if (status != ICS_OK) return status;
  *out = fdopen(fd, "rb");
  if (!*out) {
    close(fd);
    return ICS_E_NO_MEMORY;
  }
  return ICS_OK;
}

bool ics_path_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool ics_path_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *ics_path_join(const char *dir, const char *name) {
  ics_buf b = {0};
  ics_buf_puts(&b, dir);
  if (b.len && b.data[b.len - 1] != '/') ics_buf_putc(&b, '/');
  ics_buf_puts(&b, name);
  return ics_buf_take(&b);
}

char *ics_path_dir(const char *path, const char **base) {
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  return slash ? ics_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : ics_strdup(".");
}

char *ics_executable_path(void) {
  /* Linux names it in /proc; readlink neither terminates nor says it cut the name short, so
   * the buffer grows until the name fits */
  for (size_t cap = 256; cap <= 65536; cap *= 2) {
    char *buf = ics_malloc(cap);
    if (!buf) return NULL;
    ssize_t n = readlink("/proc/self/exe", buf, cap);
    if (n >= 0 && (size_t)n < cap) {
      buf[n] = '\0';
      return buf;
    }
    ics_free(buf);
    if (n < 0) return NULL;
  }
  return NULL;
}

char **ics_list_dir(const char *dir, const char *suffix, size_t *count) {
  *count = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **names = NULL;
  size_t cap = 0;
  bool ok = true;
  struct dirent *e;
  size_t slen = strlen(suffix);
  while (ok && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len < slen || strcmp(e->d_name + len - slen, suffix)) continue;
    char *path = ics_path_join(dir, e->d_name);
    if (!path) { /* never a file left out of the list for want of memory */
      ok = false;
      break;
    }
    bool regular = ics_path_is_file(path);
    ics_free(path);
    if (!regular) continue;
    if (*count == cap) {
      cap = cap ? cap * 2 : 16;
      char **grown = ics_realloc(names, cap * sizeof *names);
      if (!grown) {
        ok = false;
        break;
      }
      names = grown;
    }
    names[*count] = ics_strdup(e->d_name);
    if (!names[*count]) ok = false;
    else (*count)++;
  }
  closedir(d);
  if (!ok) {
    for (size_t i = 0; i < *count; i++) ics_free(names[i]);
    ics_free(names);
    *count = 0;
    errno = ENOMEM; /* the only reason for !ok, whatever closedir and free did to errno */
    return NULL;
  }
  ics_sort_names(names, *count);
  return names ? names : ics_calloc(1, sizeof *names);
}

uint64_t ics_clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ics_make_private_dir(const char *path) {
  if (mkdir(path, 0700) == 0 || (errno == EEXIST && ics_path_is_dir(path))) return 0;
  return -1;
}

int ics_write_private_file(const char *path, const void *data, size_t size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return -1;
  const char *p = data;
  while (size) {
    ssize_t k = write(fd, p, size);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) goto fail;
    p += k;
    size -= (size_t)k;
  }
  if (fsync(fd) != 0) goto fail;
  if (close(fd) != 0) {
    fd = -1;
    goto fail;
  }
  return 0;
fail:;
  int saved = errno;
  if (fd >= 0) close(fd);
  unlink(path);
  errno = saved;
  return -1;
}

int ics_make_private(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  if (!(st.st_mode & (S_IRWXG | S_IRWXO))) return 0;
  return chmod(path, st.st_mode & S_IRWXU);
}

ics_code ics_read_private_file(const char *path, char *buf, size_t cap, size_t *size,
                                      bool *open_to_others, unsigned *mode) {
  *size = 0;
  *open_to_others = false;
  int fd;
  ics_code status = open_regular_fd(path, &fd);
  if (status != ICS_OK) return status;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    status = ICS_E_IO;
  } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    *open_to_others = true;
    *mode = (unsigned)(st.st_mode & 07777);
  } else if ((uintmax_t)st.st_size > cap) {
    *size = (size_t)st.st_size;
    status = ICS_E_TOO_LARGE;
  } else {
    return read_and_close(fd, buf, cap, size);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return status;
}

bool ics_same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool ics_dir_open_to_others(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH));
}

/* ---- outputs through a temporary file ---------------------------------------------------- */

static void sync_dir(const char *path) {
  const char *base;
  char *dir = ics_path_dir(path, &base);
  int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
  if (fd >= 0) {
    fsync(fd); /* best effort: some file systems cannot sync a folder */
    close(fd);
  }
  ics_free(dir);
}

/* This machine's name as it goes into temporary file names. */
static void host_tag(char out[33]) {
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  ics_host_tag(host, out);
}

/* Removes BASE.tmp-HOST-PID-XXXXXX files that a run on this machine left when it was killed
 * (kill(pid, 0) fails with ESRCH). A live process keeps its file, and so does another
 * machine's run on a shared folder: its process ids mean nothing here. */
static void remove_stale(const char *path, const char *host) {
  const char *base;
  char *dir = ics_path_dir(path, &base);
  DIR *d = dir ? opendir(dir) : NULL;
  ics_buf prefix = {0};
  ics_buf_printf(&prefix, "%s.tmp-%s-", base, host);
  struct dirent *e;
  while (d && !prefix.failed && (e = readdir(d))) {
    const char *name = e->d_name;
    if (strncmp(name, prefix.data, prefix.len)) continue;
    char *end;
    long pid = strtol(name + prefix.len, &end, 10);
    if (pid <= 0 || *end != '-' || strlen(end + 1) != 6) continue;
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    char *stale = ics_path_join(dir, name);
    if (stale) unlink(stale);
    ics_free(stale);
  }
  if (d) closedir(d);
  ics_buf_free(&prefix);
  ics_free(dir);
}

char *ics_path_resolve(const char *path) {
  char *real = realpath(path, NULL);
  char *copy = real ? ics_strdup(real) : NULL;
  free(real);
  return copy;
}

int ics_output_begin(ics_output *o, const char *path) {
  o->tmp = NULL;
  o->fd = -1;
  struct stat st;
  bool exists = stat(path, &st) == 0;
  /* a link is written where it points, as fopen would; a file the user may not write (or a
   * colleague's in a shared folder) is not replaced just because its folder allows it */
  if (exists && access(path, W_OK) != 0) {
    o->path = NULL;
    errno = EACCES;
    return -1;
  }
  struct stat link;
  bool is_link = lstat(path, &link) == 0 && S_ISLNK(link.st_mode);
  o->path = is_link && exists ? ics_path_resolve(path) : ics_strdup(path);
  char host[33];
  host_tag(host);
  ics_buf b = {0};
  if (o->path) ics_buf_printf(&b, "%s.tmp-%s-%ld-XXXXXX", o->path, host, (long)getpid());
  o->tmp = ics_buf_take(&b);
  if (!o->path || !o->tmp) {
    ics_output_end(o);
    errno = ENOMEM;
    return -1;
  }
  remove_stale(o->path, host);
  o->fd = mkstemp(o->tmp); /* 0600 */
  if (o->fd >= 0 && exists && fchmod(o->fd, st.st_mode & 07777 & ~(mode_t)S_ISUID & ~(mode_t)S_ISGID) != 0) {
    close(o->fd);
    unlink(o->tmp);
    o->fd = -1;
  }
  if (o->fd < 0) {
    int saved = errno;
    ics_free(o->tmp);
    o->tmp = NULL;
    ics_output_end(o);
    errno = saved;
    return -1;
  }
  return 0;
}

int ics_output_write(ics_output *o, const void *p, size_t n) {
  const char *at = p;
  while (n) {
    ssize_t k = write(o->fd, at, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return -1;
    at += k;
    n -= (size_t)k;
  }
  return 0;
}

int ics_output_commit(ics_output *o) {
  int fd = o->fd >= 0 ? o->fd : open(o->tmp, O_RDONLY);
  o->fd = -1;
  bool ok = fd >= 0 && fsync(fd) == 0;
  if (fd >= 0 && close(fd) != 0) ok = false;
  if (ok && rename(o->tmp, o->path) == 0) {
    ics_free(o->tmp);
    o->tmp = NULL;
    sync_dir(o->path);
    return 0;
  }
  int saved = errno;
  unlink(o->tmp);
  ics_free(o->tmp);
  o->tmp = NULL;
  errno = saved;
  return -1;
}

void ics_output_end(ics_output *o) {
  if (o->fd >= 0) close(o->fd);
  o->fd = -1;
  if (o->tmp) unlink(o->tmp);
  ics_free(o->tmp);
  ics_free(o->path);
  o->tmp = o->path = NULL;
}

/* ---- work run apart ------------------------------------------------------------------------- */
void *ics_shared_alloc(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p; /* anonymous mappings start zeroed */
}

void ics_shared_free(void *p, size_t size) {
  if (p) munmap(p, size);
}

int ics_run_apart(int (*work)(void *ctx), void *ctx, ics_apart_outcome *out) {
  *out = (ics_apart_outcome){0};
  /* the child's stderr: a file in memory, which it can read back (ics_apart_said_since) */
  int said = memfd_create("ictsurvey-apart-stderr", MFD_CLOEXEC);
  if (said < 0) return -1;
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(said);
    errno = saved;
    return -1;
  }
  if (pid == 0) {
    int rc = dup2(said, STDERR_FILENO) < 0 ? 126 : work(ctx);
    fflush(stderr);
    _exit(rc & 0xff); /* the command's stdio buffers and exit handlers are the parent's */
  }
  int status = 0;
  pid_t waited;
  while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR) continue;
  if (waited == pid && WIFEXITED(status)) {
    out->returned = true;
    out->status = WEXITSTATUS(status);
  } else if (waited == pid && WIFSIGNALED(status)) {
    out->signal = WTERMSIG(status);
  }
  off_t len = lseek(said, 0, SEEK_END);
  if (len > 0 && (out->said = ics_malloc((size_t)len + 1))) {
    ssize_t n = pread(said, out->said, (size_t)len, 0);
    out->said_len = n > 0 ? (size_t)n : 0;
    out->said[out->said_len] = '\0';
  }
  close(said);
  return 0;
}

long ics_apart_said_mark(void) { return (long)lseek(STDERR_FILENO, 0, SEEK_CUR); }

bool ics_apart_said_since(long mark, char *line, size_t cap) {
  off_t end = lseek(STDERR_FILENO, 0, SEEK_CUR);
  if (mark < 0 || end <= (off_t)mark || cap < 2) return false;
  ssize_t n = pread(STDERR_FILENO, line, cap - 1, (off_t)mark);
  line[n > 0 ? n : 0] = '\0';
  line[strcspn(line, "\r\n")] = '\0';
  if (!line[0]) snprintf(line, cap, "?");
  return true;
}

/* ---- the terminal ------------------------------------------------------------------------- */
bool ics_is_terminal(FILE *stream) { return stream && isatty(fileno(stream)); }

bool ics_terminal_size(FILE *stream, int *columns, int *rows) {
  struct winsize ws;
  if (!stream || ioctl(fileno(stream), TIOCGWINSZ, &ws) != 0 || !ws.ws_col || !ws.ws_row)
    return false;
  *columns = ws.ws_col;
  *rows = ws.ws_row;
  return true;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

void ics_interrupt_catch(bool on) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on ? on_interrupt : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a read in progress returns */
  if (on) interrupted = 0; /* before the handler: a Ctrl-C right after it is kept */
  /* Ctrl-C; the terminal window closed; a request to stop (kill, a shutdown) */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

bool ics_interrupted(void) { return interrupted != 0; }

void ics_interrupt_wait(void) {
  /* a signal may reach another thread than this one: look at the flag often */
  struct timespec pause = {0, 100 * 1000 * 1000};
  while (!interrupted) nanosleep(&pause, NULL);
}

/* ---- the local web server's seams ------------------------------------------------------------ */
size_t ics_loopback_address(uint16_t port, void *out, size_t cap) {
  struct sockaddr_in sa;
  if (cap < sizeof sa) return 0;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memcpy(out, &sa, sizeof sa);
  return sizeof sa;
}

extern char **environ;

int ics_open_browser(const char *url) {
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions)) return -1;
  /* the first line of stdout is the server's address: the opener writes nowhere */
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  char *argv[] = {"xdg-open", (char *)url, NULL};
  pid_t pid;
  int rc = posix_spawnp(&pid, "xdg-open", &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc) {
    errno = rc;
    return -1;
  }
  return 0; /* the child is reaped when the program ends */
}

/* ---- text in other encodings: glibc's iconv ----------------------------------------------
 * iconv keeps its own state across calls (glibc's CP1258 holds a base letter back until it
 * knows whether a combining tone mark follows, to compose them); what it cannot convert yet
 * (a character cut by the end of a chunk) waits in `held`. */
struct ics_decoder {
  iconv_t cd;
  size_t consumed;          /* input bytes converted so far, for the offset of a bad one */
  char held[8];
  size_t held_len;
};

ics_decoder *ics_decoder_open(ics_encoding from) {
  static const char *const names[] = {"UTF-8", "UTF-16LE", "UTF-16BE", "CP1258", "CP1252"};
  ics_decoder *d = ics_calloc(1, sizeof *d);
  if (!d) return NULL;
  d->cd = iconv_open("UTF-8", names[from]);
  if (d->cd == (iconv_t)-1) {
    ics_free(d);
    return NULL;
  }
  return d;
}

/* Converts in[0..n) into out; returns the bytes left unconverted at an incomplete character,
 * or (size_t)-1 at an invalid sequence (*bad its offset in `in`). */
static size_t decode_some(ics_decoder *d, const char *in, size_t n, ics_buf *out, size_t *bad) {
  char *src = (char *)in;
  size_t left = n;
  while (left > 0) {
    char chunk[4096];
    char *dst = chunk;
    size_t room = sizeof chunk;
    size_t rc = iconv(d->cd, &src, &left, &dst, &room);
    ics_buf_append(out, chunk, (size_t)(dst - chunk));
    if (rc != (size_t)-1) continue;
    if (errno == E2BIG) continue;
    if (errno == EINVAL) break; /* an incomplete character: wait for the rest */
    *bad = (size_t)(src - in);
    return (size_t)-1;
  }
  return left;
}

int ics_decoder_run(ics_decoder *d, const void *in, size_t n, bool at_end, ics_buf *out, size_t *bad) {
  const char *p = in;
  /* first complete the character held back from the last call, a byte at a time */
  while (d->held_len > 0 && n > 0) {
    d->held[d->held_len++] = *p++;
    n--;
    size_t was = d->held_len, rest;
    size_t pos;
    rest = decode_some(d, d->held, was, out, &pos);
    if (rest == (size_t)-1) {
      *bad = d->consumed + pos;
      return -1;
    }
    d->consumed += was - rest;
    memmove(d->held, d->held + (was - rest), rest);
    d->held_len = rest;
    if (rest >= sizeof d->held - 1) { /* no character is this long */
      *bad = d->consumed;
      return -1;
    }
  }
  if (n > 0) {
    size_t pos, rest = decode_some(d, p, n, out, &pos);
    if (rest == (size_t)-1) {
      *bad = d->consumed + pos;
      return -1;
    }
    d->consumed += n - rest;
    if (rest >= sizeof d->held) {
      *bad = d->consumed;
      return -1;
    }
    memcpy(d->held, p + (n - rest), rest);
    d->held_len = rest;
  }
  if (at_end) {
    if (d->held_len > 0) {
      *bad = d->consumed;
      return -1;
    }
    char chunk[64], *dst = chunk;
    size_t room = sizeof chunk;
    iconv(d->cd, NULL, NULL, &dst, &room); /* what the state still holds (CP1258's letter) */
    ics_buf_append(out, chunk, (size_t)(dst - chunk));
  }
  return 0;
}

void ics_decoder_close(ics_decoder *d) {
  if (!d) return;
  iconv_close(d->cd);
  ics_free(d);
}

/* ---- a second thread (POSIX threads) ------------------------------------------------------ */
struct ics_thread {
  pthread_t id;
  void (*run)(void *arg);
  void *arg;
};

struct ics_lock {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
};

static void *thread_main(void *p) {
  ics_thread *t = p;
  t->run(t->arg);
  return NULL;
}

int ics_thread_start(ics_thread **t, void (*run)(void *arg), void *arg) {
  ics_thread *n = ics_malloc(sizeof *n);
  if (!n) return -1;
  n->run = run;
  n->arg = arg;
  if (pthread_create(&n->id, NULL, thread_main, n) != 0) {
    ics_free(n);
    return -1;
  }
  *t = n;
  return 0;
}

void ics_thread_join(ics_thread *t) {
  pthread_join(t->id, NULL);
  ics_free(t);
}

ics_lock *ics_lock_new(void) {
  ics_lock *l = ics_malloc(sizeof *l);
  if (!l) return NULL;
  if (pthread_mutex_init(&l->mutex, NULL) != 0) {
    ics_free(l);
    return NULL;
  }
  if (pthread_cond_init(&l->cond, NULL) != 0) {
    pthread_mutex_destroy(&l->mutex);
    ics_free(l);
    return NULL;
  }
  return l;
}

void ics_lock_free(ics_lock *l) {
  if (!l) return;
  pthread_cond_destroy(&l->cond);
  pthread_mutex_destroy(&l->mutex);
  ics_free(l);
}

void ics_lock_take(ics_lock *l) { pthread_mutex_lock(&l->mutex); }
void ics_lock_give(ics_lock *l) { pthread_mutex_unlock(&l->mutex); }
void ics_lock_wait(ics_lock *l) { pthread_cond_wait(&l->cond, &l->mutex); }
void ics_lock_wake(ics_lock *l) { pthread_cond_broadcast(&l->cond); }
