/* alloc.c - the one allocation wrapper of the project, with a switch that makes the Nth
 * allocation fail so that tests can prove every caller survives running out of memory. */
#include "ics_common.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* allocations left before one fails; -1: never. Atomic: the merge allocates on two threads. */
static _Atomic long fail_countdown = -1;

void ics_alloc_fail_after(long n) { fail_countdown = n; }

/* A failure sets errno to ENOMEM, as malloc does, injected ones too: callers of functions
 * that return NULL for several reasons (ics_list_dir) tell them apart by errno. */
static void *checked(void *p) {
  if (!p) errno = ENOMEM;
  return p;
}

static bool should_fail(void) {
  long left = atomic_load(&fail_countdown);
  while (left > 0 && !atomic_compare_exchange_weak(&fail_countdown, &left, left - 1)) {
  }
  return left == 0; /* stays failing, like a full machine */
}

void *ics_malloc(size_t size) { return checked(should_fail() ? NULL : malloc(size ? size : 1)); }

void *ics_calloc(size_t count, size_t size) {
  return checked(should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1));
}

void *ics_realloc(void *ptr, size_t size) {
  return checked(should_fail() ? NULL : realloc(ptr, size ? size : 1));
}

char *ics_strndup(const char *s, size_t n) {
  char *copy = ics_malloc(n + 1);
  if (!copy) return NULL;
  memcpy(copy, s, n);
  copy[n] = '\0';
  return copy;
}

char *ics_strdup(const char *s) { return ics_strndup(s, strlen(s)); }

void ics_free(void *ptr) { free(ptr); }

void *ics_zlib_alloc(void *opaque, unsigned items, unsigned size) {
  (void)opaque;
  return ics_calloc(items, size);
}

void ics_zlib_free(void *opaque, void *address) {
  (void)opaque;
  ics_free(address);
}
