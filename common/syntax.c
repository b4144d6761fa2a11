/* syntax.c - the small syntaxes of the file formats (ics_syntax.h): UUIDs, times, years, counts,
 * ids, versions and hex, the fast text check, and excerpts for messages. */
#include "ics_syntax.h"

#include <string.h>

/* ---- the small syntaxes ------------------------------------------------------------------- */

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ics_uuid_parse(const char *s, size_t n, unsigned char out[16]) {
  if (n != ICS_UUID_LEN) return false;
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

bool ics_year_parse(const char *s, size_t n, int *year) {
  int y;
  if (n != 4 || !digits(s, 4, &y) || y < 1900 || y > 2100) return false;
  if (year) *year = y;
  return true;
}

bool ics_time_valid(const char *s, size_t n) {
  static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year, month, day, hour, minute, second;
  if (n != ICS_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z')
    return false;
  if (!ics_year_parse(s, 4, &year) || !digits(s + 5, 2, &month) || !digits(s + 8, 2, &day) ||
      !digits(s + 11, 2, &hour) || !digits(s + 14, 2, &minute) || !digits(s + 17, 2, &second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] || hour > 23 ||
      minute > 59 || second > 59)
    return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

bool ics_count_parse(const char *s, size_t n, uint64_t *out) {
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

bool ics_id_valid(const char *s, size_t n) {
  if (n == 0 || n > ICS_ID_MAX || s[0] < 'a' || s[0] > 'z') return false;
  for (size_t i = 1; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool ics_version_valid(const char *s, size_t n) {
  bool control;
  if (n == 0 || n > ICS_VERSION_MAX || memchr(s, ' ', n)) return false;
  return ics_text_scan(s, n, 0, &control) == n;
}

bool ics_hex_valid(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (hex_value(s[i]) < 0) return false;
  return true;
}

bool ics_hash_valid(const char *s, size_t n) {
  return n == ICS_HASH_LEN && ics_hex_valid(s, n);
}

/* ---- text --------------------------------------------------------------------------------- */

size_t ics_text_scan(const char *s, size_t n, uint32_t allowed, bool *control) {
  const unsigned char *p = (const unsigned char *)s;
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  const bool tab_ok = (allowed & ICS_TEXT_ALLOW('\t')) != 0;
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
      if (c == 0x7F || !(allowed & ICS_TEXT_ALLOW(c))) {
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

void ics_excerpt(char *out, size_t out_size, const char *s, size_t n) {
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
