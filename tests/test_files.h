/* test_files.h - whole files in and out, and the temporary files an output leaves, for the
 * C tests of the file formats (tests/bundle, tests/kit). */
#ifndef ICS_TEST_FILES_H
#define ICS_TEST_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file (malloc'd), or NULL when it cannot be opened. */
static inline unsigned char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  unsigned char *data = malloc(cap);
  size_t n;
  while ((n = fread(data + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) data = realloc(data, cap *= 2);
  }
  fclose(f);
  *size = len;
  return data;
}

/* Writes the file, or ends the test (exit 2) when it cannot. */
static inline void write_all(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(2);
  }
  if (size) fwrite(data, 1, size, f);
  fclose(f);
}

/* Files in the folder whose names contain ".tmp-" (an output's temporary files). */
static inline int temp_files_in(const char *folder) {
  DIR *d = opendir(folder);
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp-")) count++;
  closedir(d);
  return count;
}

#endif
