/* strset.c - a set of strings, each with a number: open addressing over a seeded 64-bit hash,
 * the strings copied into blocks of 64 KiB. */
#include "ics_common.h"

#include <string.h>

struct ics_strset_block {
  struct ics_strset_block *next;
  size_t used, cap;
  char data[];
};

/* FNV-1a from a seed that differs between sets and runs, then a final mix: keys a hostile
 * file chooses cannot all be made to land in one cluster of slots. */
static uint64_t hash_text(const ics_strset *set, const char *s) {
  uint64_t h = 1469598103934665603ULL ^ set->seed;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

void ics_strset_init(ics_strset *set) {
  memset(set, 0, sizeof *set);
  set->seed = ics_clock_ms() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)set;
}

void ics_strset_free(ics_strset *set) {
  ics_free(set->slots);
  for (struct ics_strset_block *b = set->blocks, *next; b; b = next) {
    next = b->next;
    ics_free(b);
  }
  uint64_t seed = set->seed;
  memset(set, 0, sizeof *set);
  set->seed = seed;
}

static const char *store(ics_strset *set, const char *s) {
  size_t n = strlen(s) + 1;
  struct ics_strset_block *b = set->blocks;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    b = ics_malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = set->blocks;
    set->blocks = b;
  }
  char *copy = b->data + b->used;
  memcpy(copy, s, n);
  b->used += n;
  return copy;
}

static bool grow(ics_strset *set) {
  size_t cap = set->cap ? set->cap * 2 : 1024;
  ics_strset_slot *slots = ics_calloc(cap, sizeof *slots);
  if (!slots) return false;
  for (size_t i = 0; i < set->cap; i++) {
    if (!set->slots[i].text) continue;
    size_t j = (size_t)set->slots[i].hash & (cap - 1);
    while (slots[j].text) j = (j + 1) & (cap - 1);
    slots[j] = set->slots[i];
  }
  ics_free(set->slots);
  set->slots = slots;
  set->cap = cap;
  return true;
}

int ics_strset_add(ics_strset *set, const char *s, size_t value, size_t *found) {
  *found = 0;
  if (set->count * 2 >= set->cap && !grow(set)) return -1;
  uint64_t h = hash_text(set, s);
  size_t j = (size_t)h & (set->cap - 1);
  for (; set->slots[j].text; j = (j + 1) & (set->cap - 1))
    if (set->slots[j].hash == h && !strcmp(set->slots[j].text, s)) {
      *found = set->slots[j].value;
      return 0;
    }
  const char *copy = store(set, s);
  if (!copy) return -1;
  set->slots[j] = (ics_strset_slot){copy, value, h};
  set->count++;
  return 0;
}
