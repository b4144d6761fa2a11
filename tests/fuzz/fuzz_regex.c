/* fuzz_regex.c - libFuzzer target for the regular expressions of regex(): the input is a
 * pattern, then a NUL or a newline, then a text. Every pattern compiles or is refused with an
 * offset inside it, and a compiled one searches every text, the same twice.
 *
 * A short pattern (12 bytes at most) in a subset of the syntax, on a short text (12 bytes),
 * is also matched by a reference that follows the definition of each construct: from a set
 * of text offsets, the set of offsets where what the construct matched may end (repeats by
 * iterating it, to a fixed point when unbounded). Both must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ics_common.h"
#include "regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { REF_MAX = 12 };

typedef uint32_t offsets; /* bit i: text offset i */

typedef struct {
  const char *p, *end; /* the pattern still to read */
  const char *text;
  size_t len;
  bool unsupported; /* something outside the subset: no comparison */
} ref;

static size_t char_len(const ref *r, size_t i) {
  size_t n = ics_utf8_char(r->text + i, r->len - i);
  return n ? n : 1; /* an invalid byte is one character */
}

static bool alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static offsets ref_alt(ref *r, offsets in);

/* One atom: a group, an anchor, or what reads one character: '.', a literal, [...] of
 * letters, digits and their ranges, \d \w \s \D \W \S or \ and a punctuation character. */
static offsets ref_atom(ref *r, offsets in) {
  char c = *r->p++;
  if (c == '(') {
    offsets out = ref_alt(r, in);
    if (r->p < r->end) r->p++; /* the ')' (the pattern compiled) */
    return out;
  }
  if (c == '^') return in & 1;
  if (c == '$') return in & (offsets)1 << r->len;
  bool set[128] = {false}, neg = false, any = c == '.';
  if (c == '[') {
    neg = *r->p == '^';
    r->p += neg;
    if (*r->p == ']') r->unsupported = true; /* a ']' first is a member */
    while (*r->p != ']') { /* the pattern compiled: there is one */
      char lo = *r->p++, hi = lo;
      if (!alnum(lo)) r->unsupported = true;
      if (r->p[0] == '-' && alnum(r->p[1])) hi = r->p[1], r->p += 2;
      for (int k = lo; k <= hi && k > 0; k++) set[k] = true;
    }
    r->p++;
  } else if (c == '\\') {
    c = *r->p++;
    static const char digits[] = "0123456789", spaces[] = " \t\n\v\f\r",
                      word[] = "0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const char *members = c == 'd' || c == 'D'   ? digits
                          : c == 's' || c == 'S' ? spaces
                          : c == 'w' || c == 'W' ? word
                                                 : NULL;
    neg = c == 'D' || c == 'S' || c == 'W';
    if (members) {
      for (; *members; members++) set[(unsigned char)*members] = true;
    } else if (c > ' ' && c < 0x7F && !alnum(c)) {
      set[(unsigned char)c] = true;
    } else {
      r->unsupported = true; /* \t \n \r */
    }
  } else if (c >= ' ' && c < 0x7F && !strchr(".[()|*+?{^$\\", c)) {
    set[(unsigned char)c] = true;
  } else if (!any) {
    r->unsupported = true;
  }
  offsets out = 0;
  for (size_t i = 0; i < r->len; i++) {
    unsigned char b = (unsigned char)r->text[i];
    if ((in >> i & 1) && (any || (b < 0x80 && set[b]) != neg))
      out |= (offsets)1 << (i + char_len(r, i));
  }
  return out;
}

static offsets again(ref *r, const char *atom, offsets in) {
  r->p = atom;
  return ref_atom(r, in);
}

static bool quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

/* An atom and one quantifier: * + ? {m} {m,} {m,n} with m, n <= 3. */
static offsets ref_piece(ref *r, offsets in) {
  const char *atom = r->p;
  offsets once = ref_atom(r, in);
  if (r->unsupported || r->p >= r->end || !quantifier(*r->p)) return once;
  int min = 0, max = -1;
  char c = *r->p++;
  if (c == '+') min = 1;
  if (c == '?') max = 1;
  if (c == '{') {
    min = max = *r->p++ - '0';
    if (*r->p == ',') max = *++r->p == '}' ? -1 : *r->p++ - '0';
    if (min > 3 || max > 3 || *r->p++ != '}') r->unsupported = true;
  }
  const char *end = r->p;
  if (end < r->end && quantifier(*end)) r->unsupported = true; /* stacked */
  if (r->unsupported) return 0;
  offsets s = in, result;
  for (int k = 0; k < min; k++) s = again(r, atom, s);
  if (max < 0) {
    for (offsets t; (t = s | again(r, atom, s)) != s;) s = t;
    result = s;
  } else {
    result = s;
    for (int k = min; k < max; k++) result |= s = again(r, atom, s);
  }
  r->p = end;
  return result;
}

static offsets ref_alt(ref *r, offsets in) {
  offsets out = 0;
  for (;;) {
    offsets s = in;
    while (r->p < r->end && *r->p != '|' && *r->p != ')' && !r->unsupported) s = ref_piece(r, s);
    out |= s;
    if (r->p == r->end || *r->p != '|' || r->unsupported) return out;
    r->p++;
  }
}

/* 1 match, 0 none, -1 outside the subset. */
static int reference(const char *pattern, size_t plen, const char *text, size_t tlen) {
  ref r = {pattern, pattern + plen, text, tlen, false};
  offsets starts = (offsets)1 << tlen; /* a match may start at every character */
  for (size_t i = 0; i < tlen; i += char_len(&r, i)) starts |= (offsets)1 << i;
  offsets ends = ref_alt(&r, starts);
  return r.unsupported ? -1 : ends != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *input = (const char *)data;
  size_t plen = 0;
  while (plen < size && input[plen] != '\0' && input[plen] != '\n') plen++;
  /* a copy of exactly the pattern's bytes, so that reading past it is caught */
  char *pattern = malloc(plen + 1);
  if (!pattern) return 0;
  memcpy(pattern, input, plen);
  pattern[plen] = '\0'; /* for the reference's look-ahead; the matcher gets the length */
  const char *text = plen < size ? input + plen + 1 : input + size;
  size_t tlen = plen < size ? size - plen - 1 : 0;
  ics_error err = {0};
  ics_regex *re = ics_regex_compile(pattern, plen, ICS_EN, &err);
  if (!re) {
    /* a refusal says why, at a byte of the pattern */
    if (err.code == ICS_OK || !err.message || err.column < 1 || (size_t)err.column > plen) abort();
    ics_error_clear(&err);
  } else {
    if (err.code != ICS_OK) abort();
    bool found = ics_regex_search(re, text, tlen);
    if (ics_regex_search(re, text, tlen) != found) abort();
    if (plen <= REF_MAX && tlen <= REF_MAX) {
      int want = reference(pattern, plen, text, tlen);
      if (want >= 0 && want != found) abort();
    }
    ics_regex_free(re);
  }
  free(pattern);
  return 0;
}
