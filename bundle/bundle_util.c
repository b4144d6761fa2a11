/* bundle_util.c - what the bundle's writer and reader share: the message table and the ways
 * its messages become errors, the default limits, the revision syntax (the other small syntaxes
 * and the text check are in common/ics_syntax.h), and the sets that find duplicate instance ids
 * and field names. */
#include "bundle_private.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages and errors ------------------------------------------------------------------ */

const ics_message ics_bundle_messages[BM_COUNT] = {ICS_BUNDLE_MESSAGES(ICS_MESSAGE_ENTRY)};

const char *ics_bundle_msg(bundle_message id, ics_lang lang) {
  return ics_message_text(&ics_bundle_messages[id], lang);
}

void ics_bundle_vsay(ics_error *err, ics_lang lang, ics_code code, const char *prefix,
                 bundle_message id, va_list ap) {
  if (!err || err->code != ICS_OK) return; /* the first failure stays, without our prefix */
  if (id == BM_NO_MEMORY || code == ICS_E_NO_MEMORY) {
    ics_error_no_memory(err, lang); /* the same text, without allocating */
    return;
  }
  ics_error_vsay_as(err, lang, code, NULL, 0, 0, &ics_bundle_messages[id], ap);
  if (prefix && *prefix) ics_error_prefix(err, "%s", prefix);
}

void ics_bundle_error_copy(ics_error *to, ics_lang lang, const ics_error *from) {
  if (from->code == ICS_OK || from->fixed_text) /* nothing said but that memory ran out */
    ics_error_no_memory(to, lang);
  else
    ics_error_set(to, lang, from->code, from->message);
}

bool ics_bundle_start_sodium(void) { return sodium_init() >= 0; }

void ics_bundle_default_limits(ics_bundle_limits *limits) {
  limits->max_decompressed = (uint64_t)2 << 30;
  limits->max_line = (size_t)1 << 20;
  limits->max_definition = (size_t)4 << 20;
  limits->max_forms = 64;
  limits->max_records = 10000000;
}

/* ---- the small syntaxes (the others are in common/ics_syntax.h) -------------------------- */

bool ics_bundle_revision_parse(const char *s, size_t n, int *out) {
  uint64_t v;
  if (!ics_count_parse(s, n, &v) || v < 1 || v > INT_MAX) return false;
  *out = (int)v;
  return true;
}

/* ---- the set of instance ids -------------------------------------------------------------- */

void ics_bundle_idset_init(bundle_idset *set) {
  memset(set, 0, sizeof *set);
  randombytes_buf(set->key, sizeof set->key);
}

static size_t id_slot(const bundle_idset *set, const unsigned char id[16]) {
  unsigned char h[crypto_shorthash_BYTES];
  crypto_shorthash(h, id, 16, set->key);
  uint64_t v;
  memcpy(&v, h, sizeof v);
  return (size_t)v & (set->cap - 1);
}

static bool is_zero(const unsigned char id[16]) {
  static const unsigned char zero[16];
  return memcmp(id, zero, 16) == 0;
}

/* Puts id (known absent) into slots; cap leaves room. */
static void id_put(bundle_idset *set, const unsigned char id[16]) {
  size_t i = id_slot(set, id);
  while (!is_zero(set->slots + i * 16)) i = (i + 1) & (set->cap - 1);
  memcpy(set->slots + i * 16, id, 16);
}

int ics_bundle_idset_add(bundle_idset *set, const unsigned char id[16]) {
  if (is_zero(id)) {
    if (set->has_nil) return 0;
    set->has_nil = true;
    return 1;
  }
  if ((set->count + 1) * 4 > set->cap * 3) {
    size_t cap = set->cap ? set->cap * 2 : 1024;
    if (cap > SIZE_MAX / 16) return -1;
    unsigned char *old = set->slots;
    size_t old_cap = set->cap;
    set->slots = ics_calloc(cap, 16);
    if (!set->slots) {
      set->slots = old;
      return -1;
    }
    set->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
      if (!is_zero(old + i * 16)) id_put(set, old + i * 16);
    ics_free(old);
  }
  size_t i = id_slot(set, id);
  for (;;) {
    unsigned char *slot = set->slots + i * 16;
    if (is_zero(slot)) break;
    if (memcmp(slot, id, 16) == 0) return 0;
    i = (i + 1) & (set->cap - 1);
  }
  memcpy(set->slots + i * 16, id, 16);
  set->count++;
  return 1;
}

void ics_bundle_idset_free(bundle_idset *set) {
  ics_free(set->slots);
  set->slots = NULL;
  set->cap = set->count = 0;
  set->has_nil = false;
}

/* ---- duplicate field names ----------------------------------------------------------------- */

enum { PAIRWISE_MAX = 8 };

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int names_sorted_unique(bundle_nameset *set, const ics_bundle_value *values, size_t n,
                               const char **dup) {
  if (n > set->sorted_cap) {
    const char **sorted = ics_realloc(set->sorted, n * sizeof *sorted);
    if (!sorted) return -1;
    set->sorted = sorted;
    set->sorted_cap = n;
  }
  for (size_t i = 0; i < n; i++) set->sorted[i] = values[i].name;
  qsort(set->sorted, n, sizeof *set->sorted, compare_names);
  for (size_t i = 1; i < n; i++)
    if (strcmp(set->sorted[i - 1], set->sorted[i]) == 0) {
      *dup = set->sorted[i];
      return 0;
    }
  return 1;
}

int ics_bundle_names_unique(bundle_nameset *set, const ics_bundle_value *values, const uint32_t *hashes,
                        size_t n, const char **dup) {
  if (n <= PAIRWISE_MAX) {
    for (size_t i = 1; i < n; i++)
      for (size_t j = 0; j < i; j++)
        if (hashes[i] == hashes[j] && strcmp(values[i].name, values[j].name) == 0) {
          *dup = values[i].name;
          return 0;
        }
    return 1;
  }
  if (n > SIZE_MAX / 8 || n > UINT32_MAX) return -1;
  if (set->cap < 2 * n) {
    size_t cap = 64;
    while (cap < 2 * n) cap *= 2;
    uint32_t *stamp = ics_calloc(cap, sizeof *stamp);
    uint32_t *index = ics_malloc(cap * sizeof *index);
    if (!stamp || !index) {
      ics_free(stamp);
      ics_free(index);
      return -1;
    }
    ics_free(set->stamp);
    ics_free(set->index);
    set->stamp = stamp;
    set->index = index;
    set->cap = cap;
    set->generation = 0;
  }
  if (++set->generation == 0) { /* wrapped: forget every stamp */
    memset(set->stamp, 0, set->cap * sizeof *set->stamp);
    set->generation = 1;
  }
  size_t mask = set->cap - 1, probes = 0, budget = 4 * n + 64;
  for (size_t i = 0; i < n; i++) {
    size_t slot = hashes[i] & mask;
    while (set->stamp[slot] == set->generation) {
      uint32_t other = set->index[slot];
      if (hashes[other] == hashes[i] && strcmp(values[other].name, values[i].name) == 0) {
        *dup = values[i].name;
        return 0;
      }
      if (++probes > budget) return names_sorted_unique(set, values, n, dup);
      slot = (slot + 1) & mask;
    }
    set->stamp[slot] = set->generation;
    set->index[slot] = (uint32_t)i;
  }
  return 1;
}

void ics_bundle_nameset_free(bundle_nameset *set) {
  ics_free(set->stamp);
  ics_free(set->index);
  ics_free(set->sorted);
  memset(set, 0, sizeof *set);
}
