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

ics_lang ics_lang_default(void) {
  const char *env = getenv("ICTSURVEY_LANG");
  ics_lang lang = ICS_VI;
  if (env) ics_lang_parse(env, &lang);
  return lang;
}

bool ics_utf8_valid(const char *s, size_t n, size_t *bad_offset) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len;
    uint32_t cp;
    if (c == 0) goto bad;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      goto bad;
    }
    if (i + len > n) goto bad;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) goto bad;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    /* overlong forms, surrogates and values beyond Unicode */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      goto bad;
    i += len;
  }
  return true;
bad:
  if (bad_offset) *bad_offset = i;
  return false;
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
