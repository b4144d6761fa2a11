/* text.c - languages, UTF-8 validation and edit distance for "did you mean". */
#include "ics_common.h"

#include <stdlib.h>
#include <string.h>

const char *ics_text_get(ics_text text, ics_lang lang) {
  const char *s = lang == ICS_EN ? text.en : text.vi;
  if (!s) s = lang == ICS_EN ? text.vi : text.en;
  return s ? s : "";
}

bool ics_lang_parse(const char *name, ics_lang *out) {
  if (!strcmp(name, "vi")) *out = ICS_VI;
  else if (!strcmp(name, "en")) *out = ICS_EN;
  else return false;
  return true;
}

/* Names as people and programs write them: "UTF-8", "utf8", "Windows-1258", "cp1258". */
bool ics_encoding_parse(const char *name, ics_encoding *out) {
  static const struct {
    const char *name;
    ics_encoding enc;
  } names[] = {
      {"utf-8", ICS_ENC_UTF8},          {"utf8", ICS_ENC_UTF8},
      {"utf-16", ICS_ENC_UTF16LE},      {"utf16", ICS_ENC_UTF16LE},
      {"utf-16le", ICS_ENC_UTF16LE},    {"utf-16be", ICS_ENC_UTF16BE},
      {"windows-1258", ICS_ENC_WINDOWS_1258}, {"cp1258", ICS_ENC_WINDOWS_1258},
      {"windows-1252", ICS_ENC_WINDOWS_1252}, {"cp1252", ICS_ENC_WINDOWS_1252},
  };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    const char *a = names[i].name, *b = name;
    while (*a && (*a == *b || (*b >= 'A' && *b <= 'Z' && *a == *b + 32))) a++, b++;
    if (!*a && !*b) {
      *out = names[i].enc;
      return true;
    }
  }
  return false;
}

const char *ics_encoding_name(ics_encoding enc) {
  switch (enc) {
  case ICS_ENC_UTF8: return "UTF-8";
  case ICS_ENC_UTF16LE: return "UTF-16";
  case ICS_ENC_UTF16BE: return "UTF-16BE";
  case ICS_ENC_WINDOWS_1258: return "Windows-1258";
  case ICS_ENC_WINDOWS_1252: return "Windows-1252";
  }
  return "?";
}

ics_lang ics_lang_default(void) {
  const char *env = getenv("ICTSURVEY_LANG");
  ics_lang lang = ICS_VI;
  if (env) ics_lang_parse(env, &lang);
  return lang;
}

bool ics_utf8_valid(const char *s, size_t n, size_t *bad_offset) {
  size_t i = 0;
  while (i < n) {
    size_t len = s[i] ? ics_utf8_char(s + i, n - i) : 0;
    if (!len) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

size_t ics_utf8_cut(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max) return n;
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--; /* s[max] starts the next */
  return max;
}

size_t ics_utf8_count(const char *s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) chars++;
  return chars;
}

size_t ics_edit_distance(const char *a, const char *b, size_t cap) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return cap + 1;
  if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb] > cap ? cap + 1 : row[lb];
}

void ics_escape_append(ics_buf *b, const char *s, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    const char *esc = NULL;
    switch (s[i]) {
    case '\\': esc = "\\\\"; break;
    case '\t': esc = "\\t"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    default: continue;
    }
    ics_buf_append(b, s + start, i - start);
    ics_buf_append(b, esc, 2);
    start = i + 1;
  }
  ics_buf_append(b, s + start, n - start);
}

size_t ics_unescape(char *s, size_t n, size_t *bad) {
  char *w = memchr(s, '\\', n);
  if (!w) return n;
  const char *r = w, *end = s + n;
  while (r < end) {
    if (*r != '\\') {
      const char *next = memchr(r, '\\', (size_t)(end - r));
      size_t run = (size_t)((next ? next : end) - r);
      memmove(w, r, run);
      w += run;
      r += run;
      continue;
    }
    char c = r + 1 < end ? r[1] : '\0';
    switch (c) {
    case '\\': *w++ = '\\'; break;
    case 't': *w++ = '\t'; break;
    case 'n': *w++ = '\n'; break;
    case 'r': *w++ = '\r'; break;
    default: *bad = (size_t)(r - s); return SIZE_MAX;
    }
    r += 2;
  }
  return (size_t)(w - s);
}
