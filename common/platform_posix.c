/* platform_posix.c - the file and path seam on POSIX systems. A Windows build provides the
 * same functions in platform_win32.c. */
#include "ics_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

ics_read_status ics_read_file(const char *path, size_t limit, char **data, size_t *size) {
  *data = NULL;
  *size = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOENT ? ICS_READ_NOT_FOUND : ICS_READ_ERROR;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    errno = EISDIR;
    return ICS_READ_ERROR;
  }
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > limit) {
    *size = (size_t)st.st_size;
    fclose(f);
    return ICS_READ_TOO_LARGE;
  }
  /* Read in pieces: pipes and special files have no size up front. */
  ics_buf b = {0};
  char piece[65536];
  size_t n;
  while ((n = fread(piece, 1, sizeof piece, f)) > 0) {
    if (b.len + n > limit) {
      *size = b.len + n;
      ics_buf_free(&b);
      fclose(f);
      return ICS_READ_TOO_LARGE;
    }
    ics_buf_append(&b, piece, n);
  }
  bool read_error = ferror(f);
  fclose(f);
  if (read_error) {
    ics_buf_free(&b);
    return ICS_READ_ERROR;
  }
  if (b.failed) {
    ics_buf_free(&b);
    return ICS_READ_NO_MEMORY;
  }
  *size = b.len;
  *data = b.data ? b.data : ics_strdup("");
  if (!*data) return ICS_READ_NO_MEMORY;
  return ICS_READ_OK;
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

#include <dirent.h>
#include <stdlib.h>

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
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
    bool regular = path && ics_path_is_file(path);
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
    return NULL;
  }
  if (*count) qsort(names, *count, sizeof *names, compare_names);
  return names ? names : ics_calloc(1, sizeof *names);
}

void ics_now_utc(char out[21]) {
  const char *fixed = getenv("ICTSURVEY_NOW"); /* tests pin the clock */
  if (fixed && strlen(fixed) == 20) {
    memcpy(out, fixed, 21);
    return;
  }
  time_t t = time(NULL);
  struct tm tm;
#ifdef _WIN32
  gmtime_s(&tm, &t);
#else
  gmtime_r(&t, &tm);
#endif
  strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ics_current_year(void) {
  char now[21];
  ics_now_utc(now);
  return atoi(now);
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

ics_read_status ics_read_private_file(const char *path, char *buf, size_t cap, size_t *size,
                                      bool *open_to_others, unsigned *mode) {
  *size = 0;
  *open_to_others = false;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return errno == ENOENT ? ICS_READ_NOT_FOUND : ICS_READ_ERROR;
  struct stat st;
  ics_read_status status = ICS_READ_OK;
  if (fstat(fd, &st) != 0) {
    status = ICS_READ_ERROR;
  } else if (!S_ISREG(st.st_mode)) {
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    status = ICS_READ_ERROR;
  } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    *open_to_others = true;
    *mode = (unsigned)(st.st_mode & 07777);
  } else if ((uintmax_t)st.st_size > cap) {
    *size = (size_t)st.st_size;
    status = ICS_READ_TOO_LARGE;
  } else {
    while (*size < cap) {
      ssize_t k = read(fd, buf + *size, cap - *size);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) {
        status = ICS_READ_ERROR;
        break;
      }
      if (k == 0) break;
      *size += (size_t)k;
    }
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return status;
}
