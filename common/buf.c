/* buf.c - the growable string buffer and the arena that loaded definitions live in. */
#include "ics_common.h"

#include <stdio.h>
#include <string.h>

static bool buf_reserve(ics_buf *b, size_t extra) {
  if (b->failed) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2) {
      b->failed = true;
      return false;
    }
    cap *= 2;
  }
  char *data = ics_realloc(b->data, cap);
  if (!data) {
    b->failed = true;
    return false;
  }
  b->data = data;
  b->cap = cap;
  return true;
}

void ics_buf_append(ics_buf *b, const char *s, size_t n) {
  if (!buf_reserve(b, n)) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void ics_buf_puts(ics_buf *b, const char *s) { ics_buf_append(b, s, strlen(s)); }

void ics_buf_putc(ics_buf *b, char c) { ics_buf_append(b, &c, 1); }

void ics_buf_vprintf(ics_buf *b, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) b->failed = true; /* never a silently shorter text */
  if (n < 0 || !buf_reserve(b, (size_t)n)) return;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void ics_buf_printf(ics_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

char *ics_buf_take(ics_buf *b) {
  char *s = NULL;
  if (!b->failed) s = b->data ? b->data : ics_strdup("");
  else ics_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
  return s;
}

void ics_buf_free(ics_buf *b) {
  ics_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}

/* The arena: a list of chunks, each at least CHUNK bytes; big requests get their own. */
enum { CHUNK = 16 * 1024 };

typedef struct chunk {
  struct chunk *next;
  size_t used;
  size_t size;
  _Alignas(16) unsigned char data[];
} chunk;

struct ics_arena {
  chunk *head;
};

ics_arena *ics_arena_new(void) { return ics_calloc(1, sizeof(ics_arena)); }

void *ics_arena_alloc(ics_arena *a, size_t size) {
  size = (size + 15) & ~(size_t)15;
  chunk *c = a->head;
  if (!c || c->size - c->used < size) {
    size_t want = size > CHUNK ? size : CHUNK;
    c = ics_malloc(sizeof(chunk) + want);
    if (!c) return NULL;
    c->used = 0;
    c->size = want;
    if (a->head && size > CHUNK) { /* keep filling the current chunk afterwards */
      c->next = a->head->next;
      a->head->next = c;
    } else {
      c->next = a->head;
      a->head = c;
    }
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

char *ics_arena_strndup(ics_arena *a, const char *s, size_t n) {
  char *copy = ics_arena_alloc(a, n + 1);
  if (!copy) return NULL;
  memcpy(copy, s, n);
  copy[n] = '\0';
  return copy;
}

char *ics_arena_strdup(ics_arena *a, const char *s) { return ics_arena_strndup(a, s, strlen(s)); }

void ics_arena_free(ics_arena *a) {
  if (!a) return;
  chunk *c = a->head;
  while (c) {
    chunk *next = c->next;
    ics_free(c);
    c = next;
  }
  ics_free(a);
}
