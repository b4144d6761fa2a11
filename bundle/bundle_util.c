/* bundle_util.c - the bundle's message table, the checks of its small syntaxes, escaping, the
 * fast text check of a line, and the sets that find duplicate instance ids and field names. */
#include "bundle_private.h"

#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const messages[BM_COUNT][2] = {
#define ICS_BUNDLE_MESSAGE_TEXT(id, vi, en) [id] = {vi, en},
    ICS_BUNDLE_MESSAGES(ICS_BUNDLE_MESSAGE_TEXT)
#undef ICS_BUNDLE_MESSAGE_TEXT
};

const char *bundle_msg(bundle_message id, ics_lang lang) { return messages[id][lang == ICS_EN]; }

/* ---- the small syntaxes ------------------------------------------------------------------- */

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool bundle_uuid_parse(const char *s, size_t n, unsigned char out[16]) {
  if (n != BUNDLE_UUID_LEN) return false;
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      i++;
      continue;
    }
    int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    if (out) out[k] = (unsigned char)(hi << 4 | lo);
    k++;
    i += 2;
  }
  return true;
}

static bool digits(const char *s, size_t n, int *value) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

bool bundle_year_parse(const char *s, size_t n, int *year) {
  int y;
  if (n != 4 || !digits(s, 4, &y) || y < 1900 || y > 2100) return false;
  if (year) *year = y;
  return true;
}

bool bundle_time_valid(const char *s, size_t n) {
  static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year, month, day, hour, minute, second;
  if (n != BUNDLE_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z')
    return false;
  if (!bundle_year_parse(s, 4, &year) || !digits(s + 5, 2, &month) || !digits(s + 8, 2, &day) ||
      !digits(s + 11, 2, &hour) || !digits(s + 14, 2, &minute) || !digits(s + 17, 2, &second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] || hour > 23 ||
      minute > 59 || second > 59)
    return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

bool bundle_count_parse(const char *s, size_t n, uint64_t *out) {
  if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool bundle_revision_parse(const char *s, size_t n, int *out) {
  uint64_t v;
  if (!bundle_count_parse(s, n, &v) || v < 1 || v > INT_MAX) return false;
  *out = (int)v;
  return true;
}

bool bundle_name_valid(const char *s, size_t n) {
  if (n == 0 || n > BUNDLE_NAME_MAX || s[0] < 'a' || s[0] > 'z') return false;
  for (size_t i = 1; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool bundle_version_valid(const char *s, size_t n) {
  bool control;
  if (n == 0 || n > BUNDLE_VERSION_MAX || memchr(s, ' ', n)) return false;
  return bundle_text_scan(s, n, 0, &control) == n;
}

bool bundle_hex_valid(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (hex_value(s[i]) < 0) return false;
  return true;
}

bool bundle_hash_valid(const char *s, size_t n) {
  return n == BUNDLE_HASH_LEN && bundle_hex_valid(s, n);
}

/* ---- text --------------------------------------------------------------------------------- */

size_t bundle_text_scan(const char *s, size_t n, uint32_t allowed, bool *control) {
  const unsigned char *p = (const unsigned char *)s;
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  const bool tab_ok = (allowed & BUNDLE_ALLOW('\t')) != 0;
  size_t i = 0;
  while (i < n) {
    /* Eight bytes at a time while they are printable ASCII (or allowed tabs). With each lane
     * v below 0x80 turned into v | 0x80, subtracting k < 0x80 never borrows across lanes, and
     * the lane's high bit is then clear exactly when v < k: that tests v < 0x20, and v == 0
     * after XOR with 0x7F (DEL) or 0x09 (tab). Lanes at or above 0x80 are caught by x & highs
     * and left to the slow path, which decodes UTF-8. */
    while (n - i >= 8) {
      uint64_t x;
      memcpy(&x, p + i, 8);
      uint64_t below_space = ~((x | highs) - 0x20 * ones) & highs;
      uint64_t del = ~(((x ^ (0x7F * ones)) | highs) - ones) & highs;
      if (tab_ok) below_space &= ~(~(((x ^ (0x09 * ones)) | highs) - ones) & highs);
      if ((x & highs) | del | below_space) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned c = p[i];
    if (c >= 0x20 && c != 0x7F && c < 0x80) {
      i++;
    } else if (c < 0x80) {
      if (c == 0x7F || !(allowed & BUNDLE_ALLOW(c))) {
        *control = true;
        return i;
      }
      i++;
    } else {
      size_t len = ics_utf8_char(s + i, n - i);
      if (!len) {
        *control = false;
        return i;
      }
      i += len;
    }
  }
  return n;
}

void bundle_excerpt(char *out, size_t out_size, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t w = 0, limit = out_size < 64 ? out_size - 4 : 60; /* room for "…" and NUL */
  size_t i = 0;
  while (i < n) {
    size_t len = ics_utf8_char(s + i, n - i);
    const char *put = (const char *)p + i;
    size_t put_len = len;
    if (len == 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
      put = p[i] == '\t' ? "\\t" : "?";
      put_len = strlen(put);
      len = 1;
    }
    if (w + put_len > limit) {
      memcpy(out + w, "\xE2\x80\xA6", 3); /* … */
      w += 3;
      break;
    }
    memcpy(out + w, put, put_len);
    w += put_len;
    i += len;
  }
  out[w] = '\0';
}

/* ---- the set of instance ids -------------------------------------------------------------- */

void bundle_idset_init(bundle_idset *set) {
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

int bundle_idset_add(bundle_idset *set, const unsigned char id[16]) {
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

void bundle_idset_free(bundle_idset *set) {
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

int bundle_names_unique(bundle_nameset *set, const ics_bundle_value *values, const uint32_t *hashes,
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

void bundle_nameset_free(bundle_nameset *set) {
  ics_free(set->stamp);
  ics_free(set->index);
  ics_free(set->sorted);
  memset(set, 0, sizeof *set);
}
