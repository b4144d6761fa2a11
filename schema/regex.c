/* regex.c - the regular expressions of `regex(x, 'pattern')`: a recursive-descent parser
 * that writes a pattern straight into a Thompson automaton (counted repeats written out by
 * copying, within a bound on the states), and a matcher that runs all the automaton's states
 * side by side over the text's characters (Pike's VM without captures), so that a match
 * takes at most states x characters steps whatever the pattern and the text.
 *
 * Characters are Unicode code points decoded from UTF-8. An invalid byte of the text is one
 * character that only '.' and the complemented classes match ([^...], \D, \W, \S); an
 * invalid byte of the pattern (the loaders never let one through) reads as U+FFFD. The
 * classes are ASCII, as in ODK Collect (Java) and Enketo (JavaScript): \d is [0-9], \w is
 * [A-Za-z0-9_], \s is [ \t\n\v\f\r], and [:alpha:] and the others as in the C locale. */
#include "regex.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ics_common.h"
#include "messages.h"

enum { I_CHAR, I_ANY, I_CLASS, I_SPLIT, I_JMP, I_BOL, I_EOL, I_MATCH };

enum { MAX_DEPTH = 64 }; /* levels of parentheses: bounds the parser's recursion */

#define NOT_UTF8 0x110000u /* an invalid byte of the text: beyond what a pattern can name */
#define NO_JUMP UINT_MAX   /* the end of the chain of an alternation's jumps */

typedef struct {
  uint32_t lo, hi;
} range;

typedef struct {
  unsigned char op;
  bool neg;      /* I_CLASS: matches the characters outside the ranges */
  uint32_t c;    /* I_CHAR: the character */
  unsigned x, y; /* I_SPLIT: the two next states; I_JMP: x; I_CLASS: ranges[x .. x + y) */
} inst;

struct ics_regex {
  inst *prog;
  size_t count, cap;
  range *ranges; /* every class's, each class's sorted and disjoint */
  size_t range_count, range_cap;
  /* What a match needs, allocated with the program: the states that read the current
   * character and the next one, the generation in which each state was last added (a state
   * is added once per character, which also ends empty loops like (a*)*), and the stack of
   * the states reached without reading a character. */
  unsigned *list[2], *mark, *stack;
  unsigned gen;
};

/* The POSIX classes of brackets, then the word characters of \w; pairs of sorted ranges. */
static const struct {
  const char *name;
  int count;
  unsigned char r[8];
} sets[] = {
    {"alpha", 2, {'A', 'Z', 'a', 'z'}},
    {"digit", 1, {'0', '9'}},
    {"alnum", 3, {'0', '9', 'A', 'Z', 'a', 'z'}},
    {"upper", 1, {'A', 'Z'}},
    {"lower", 1, {'a', 'z'}},
    {"space", 2, {'\t', '\r', ' ', ' '}},
    {"punct", 4, {'!', '/', ':', '@', '[', '`', '{', '~'}},
    {"xdigit", 3, {'0', '9', 'A', 'F', 'a', 'f'}},
    {"blank", 2, {'\t', '\t', ' ', ' '}},
    {"cntrl", 2, {0, 31, 127, 127}},
    {"print", 1, {' ', '~'}},
    {"graph", 1, {'!', '~'}},
    {"word", 4, {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}},
};
enum { SET_DIGIT = 1, SET_SPACE = 5, POSIX_SETS = 12, SET_WORD = 12 };

/* The code point at s[0..n) (n >= 1) and its length in bytes; an invalid byte is NOT_UTF8. */
static uint32_t decode(const char *s, size_t n, size_t *len) {
  const unsigned char *u = (const unsigned char *)s;
  *len = ics_utf8_char(s, n);
  if (*len == 0) {
    *len = 1;
    return NOT_UTF8;
  }
  if (*len == 1) return u[0];
  uint32_t cp = u[0] & (0x7Fu >> *len);
  for (size_t k = 1; k < *len; k++) cp = cp << 6 | (u[k] & 0x3Fu);
  return cp;
}

/* ---- the parser ------------------------------------------------------------------------ */
typedef struct {
  const char *s;
  size_t len, pos;
  ics_regex *re;
  int depth;
  schema_message why; /* after a failure: M_NO_MEMORY or one of M_RE_... */
  size_t offset;
} parser;

static bool fail(parser *p, schema_message why, size_t at) {
  p->why = why;
  p->offset = at;
  return false;
}

static bool is_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

static bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

static uint32_t pattern_char(parser *p) {
  size_t n;
  uint32_t c = decode(p->s + p->pos, p->len - p->pos, &n);
  p->pos += n;
  return c == NOT_UTF8 ? 0xFFFD : c;
}

/* Makes room for `need` states and the final match; the size is checked before anything is
 * copied, so a pattern that would grow too large is refused without growing. */
static bool reserve(parser *p, size_t need, size_t at) {
  ics_regex *re = p->re;
  if (need >= ICS_REGEX_STATES_MAX) return fail(p, M_RE_TOO_LARGE, at);
  if (need < re->cap) return true;
  size_t cap = re->cap * 2 > need ? re->cap * 2 : need + 16;
  if (cap > ICS_REGEX_STATES_MAX) cap = ICS_REGEX_STATES_MAX;
  inst *prog = ics_realloc(re->prog, cap * sizeof *prog);
  if (!prog) return fail(p, M_NO_MEMORY, 0);
  re->prog = prog;
  re->cap = cap;
  return true;
}

static bool emit(parser *p, unsigned char op, uint32_t c, size_t at) {
  if (!reserve(p, p->re->count + 1, at)) return false;
  p->re->prog[p->re->count++] = (inst){.op = op, .c = c};
  return true;
}

/* Copies the n states from `from` on to `to` (the areas may overlap). A fragment's jumps stay
 * within it or go to its end, so moving them by the same distance keeps it whole. */
static void copy(ics_regex *re, size_t from, size_t n, size_t to) {
  memmove(re->prog + to, re->prog + from, n * sizeof *re->prog);
  for (inst *in = re->prog + to; in < re->prog + to + n; in++)
    if (in->op == I_SPLIT || in->op == I_JMP) {
      in->x += (unsigned)(to - from);
      in->y += (unsigned)(to - from);
    }
}

/* Repeats the fragment from `start` to the end of the program min to max times (max < 0:
 * without bound): min copies, then either a loop over the last one (or, for min 0, a split
 * around one), or max - min optional copies that each may skip to the end. */
static bool repeat(parser *p, size_t start, int min, int max, size_t at) {
  ics_regex *re = p->re;
  size_t n = re->count - start, m = (size_t)min;
  size_t total = m * n + (max < 0 ? (min ? 1 : n + 2) : ((size_t)max - m) * (n + 1));
  if (!reserve(p, start + total, at)) return false;
  size_t src = start, end = start + total, pc = start;
  if (total && !min) copy(re, start, n, src = start + 1); /* room for a split before it */
  for (int i = 0; i < min; i++, pc += n)
    if (pc != src) copy(re, src, n, pc);
  if (max < 0 && min) {
    re->prog[pc] = (inst){.op = I_SPLIT, .x = (unsigned)(pc - n), .y = (unsigned)end};
  } else if (max < 0) {
    re->prog[start] = (inst){.op = I_SPLIT, .x = (unsigned)src, .y = (unsigned)end};
    re->prog[end - 1] = (inst){.op = I_JMP, .x = (unsigned)start};
  } else {
    for (int i = min; i < max; i++, pc += n) {
      re->prog[pc] = (inst){.op = I_SPLIT, .x = (unsigned)pc + 1, .y = (unsigned)end};
      if (++pc != src) copy(re, src, n, pc);
    }
  }
  re->count = end;
  return true;
}

static bool add_range(parser *p, uint32_t lo, uint32_t hi) {
  ics_regex *re = p->re;
  if (re->range_count == re->range_cap) {
    size_t cap = re->range_cap ? re->range_cap * 2 : 16;
    range *r = ics_realloc(re->ranges, cap * sizeof *r);
    if (!r) return fail(p, M_NO_MEMORY, 0);
    re->ranges = r;
    re->range_cap = cap;
  }
  re->ranges[re->range_count++] = (range){lo, hi};
  return true;
}

/* Adds the ranges of a set, or (neg) of its complement, which runs up to NOT_UTF8. */
static bool add_set(parser *p, int set, bool neg) {
  uint32_t from = 0;
  for (int i = 0; i < sets[set].count; i++) {
    uint32_t lo = sets[set].r[2 * i], hi = sets[set].r[2 * i + 1];
    if (!neg && !add_range(p, lo, hi)) return false;
    if (neg && lo > from && !add_range(p, from, lo - 1)) return false;
    from = hi + 1;
  }
  return !neg || add_range(p, from, NOT_UTF8);
}

static int by_lo(const void *a, const void *b) {
  const range *x = a, *y = b;
  return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Emits a class of the ranges added since `first`, sorted and merged for a binary search. */
static bool emit_class(parser *p, size_t first, bool neg, size_t at) {
  ics_regex *re = p->re;
  range *r = re->ranges + first;
  size_t n = re->range_count - first, k = 0;
  qsort(r, n, sizeof *r, by_lo);
  for (size_t i = 1; i < n; i++) {
    if (r[i].lo > r[k].hi + 1) r[++k] = r[i];
    else if (r[i].hi > r[k].hi) r[k].hi = r[i].hi;
  }
  re->range_count = first + k + 1;
  if (!emit(p, I_CLASS, 0, at)) return false;
  inst *in = &re->prog[re->count - 1];
  in->neg = neg;
  in->x = (unsigned)first;
  in->y = (unsigned)(k + 1);
  return true;
}

/* Reads the escape at p->pos (a backslash): a character (*cp) or, when *set >= 0, the set
 * of \d \w \s, complemented (*neg) for \D \W \S. */
static bool parse_escape(parser *p, bool in_bracket, uint32_t *cp, int *set, bool *neg) {
  size_t at = p->pos++;
  if (p->pos >= p->len) return fail(p, M_RE_BAD_ESCAPE, at);
  char c = p->s[p->pos++];
  *set = -1;
  *neg = c == 'D' || c == 'W' || c == 'S';
  switch (c) {
  case 'd': case 'D': *set = SET_DIGIT; return true;
  case 'w': case 'W': *set = SET_WORD; return true;
  case 's': case 'S': *set = SET_SPACE; return true;
  case 't': *cp = '\t'; return true;
  case 'n': *cp = '\n'; return true;
  case 'r': *cp = '\r'; return true;
  default: break;
  }
  if (c >= '1' && c <= '9' && !in_bracket) return fail(p, M_RE_BACKREFERENCE, at);
  if (!is_punct(c)) return fail(p, M_RE_BAD_ESCAPE, at);
  *cp = (unsigned char)c;
  return true;
}

/* Reads one member of a bracket: a character (*cp) or a set (*set >= 0, complemented when
 * *neg): [:name:], \d and the other escapes. */
static bool bracket_member(parser *p, uint32_t *cp, int *set, bool *neg) {
  const char *s = p->s;
  size_t at = p->pos;
  *set = -1;
  *neg = false;
  if (s[at] == '\\') return parse_escape(p, true, cp, set, neg);
  char next = at + 1 < p->len ? s[at + 1] : '\0';
  if (s[at] != '[' || (next != ':' && next != '.' && next != '=')) {
    *cp = pattern_char(p);
    return true;
  }
  /* [:name:]; the collating elements [.x.] and equivalence classes [=x=] are not supported */
  size_t n = 0;
  while (at + 2 + n < p->len && s[at + 2 + n] >= 'a' && s[at + 2 + n] <= 'z') n++;
  if (next == ':' && at + 3 + n < p->len && s[at + 2 + n] == ':' && s[at + 3 + n] == ']')
    for (int i = 0; i < POSIX_SETS; i++)
      if (strlen(sets[i].name) == n && !memcmp(sets[i].name, s + at + 2, n)) {
        *set = i;
        p->pos = at + 4 + n;
        return true;
      }
  return fail(p, M_RE_BAD_CLASS, at);
}

static bool parse_bracket(parser *p) {
  size_t open = p->pos++, first = p->re->range_count;
  bool neg = p->pos < p->len && p->s[p->pos] == '^';
  p->pos += neg;
  size_t members = p->pos; /* a ']' right there is a member */
  for (;;) {
    if (p->pos >= p->len) return fail(p, M_RE_UNMATCHED_BRACKET, open);
    if (p->s[p->pos] == ']' && p->pos > members) break;
    size_t at = p->pos;
    uint32_t lo, hi;
    int set;
    bool set_neg;
    if (!bracket_member(p, &lo, &set, &set_neg)) return false;
    if (set >= 0) {
      if (!add_set(p, set, set_neg)) return false;
      continue;
    }
    hi = lo; /* a '-' first, last or after a range is itself */
    if (p->pos + 1 < p->len && p->s[p->pos] == '-' && p->s[p->pos + 1] != ']') {
      p->pos++;
      if (!bracket_member(p, &hi, &set, &set_neg)) return false;
      if (set >= 0 || hi < lo) return fail(p, M_RE_BAD_RANGE, at);
    }
    if (!add_range(p, lo, hi)) return false;
  }
  p->pos++;
  return emit_class(p, first, neg, open);
}

static bool parse_alt(parser *p);

static bool parse_atom(parser *p) {
  size_t at = p->pos;
  switch (p->s[at]) {
  case '(':
    if (++p->depth > MAX_DEPTH) return fail(p, M_RE_TOO_LARGE, at);
    p->pos++;
    if (!parse_alt(p)) return false;
    if (p->pos >= p->len) return fail(p, M_RE_UNMATCHED_PAREN, at);
    p->pos++; /* parse_alt stops only at a ')' or the end */
    p->depth--;
    return true;
  case '[': return parse_bracket(p);
  case '.': p->pos++; return emit(p, I_ANY, 0, at);
  case '^': p->pos++; return emit(p, I_BOL, 0, at);
  case '$': p->pos++; return emit(p, I_EOL, 0, at);
  case '\\': {
    uint32_t c;
    int set;
    bool neg;
    size_t first = p->re->range_count;
    if (!parse_escape(p, false, &c, &set, &neg)) return false;
    if (set < 0) return emit(p, I_CHAR, c, at);
    return add_set(p, set, false) && emit_class(p, first, neg, at);
  }
  default: return emit(p, I_CHAR, pattern_char(p), at);
  }
}

/* The number at p->pos (-1: none), kept from growing past the largest repeat. */
static int read_count(parser *p) {
  int n = -1;
  for (; p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9'; p->pos++)
    n = n < 0 ? p->s[p->pos] - '0' : n > ICS_REGEX_REPEAT_MAX ? n : n * 10 + p->s[p->pos] - '0';
  return n;
}

/* Reads the quantifier at p->pos: * + ? {m} {m,} {m,n}; *max < 0 is no bound. */
static bool parse_quantifier(parser *p, int *min, int *max) {
  size_t at = p->pos;
  char c = p->s[p->pos++];
  if (c != '{') {
    *min = c == '+';
    *max = c == '?' ? 1 : -1;
    return true;
  }
  int m = read_count(p), n = m;
  if (m >= 0 && p->pos < p->len && p->s[p->pos] == ',') {
    p->pos++;
    n = read_count(p); /* none: no bound */
  }
  if (m < 0 || p->pos >= p->len || p->s[p->pos] != '}' || m > ICS_REGEX_REPEAT_MAX ||
      n > ICS_REGEX_REPEAT_MAX || (n >= 0 && n < m))
    return fail(p, M_RE_BAD_REPEAT, at);
  p->pos++;
  *min = m;
  *max = n;
  return true;
}

/* An atom and its quantifiers; stacked ones (a**, a+?) repeat what is already repeated. */
static bool parse_piece(parser *p) {
  size_t start = p->re->count, at = p->pos;
  int min, max;
  if (is_quantifier(p->s[at])) /* a malformed {...} is reported as such */
    return parse_quantifier(p, &min, &max) && fail(p, M_RE_NOTHING_TO_REPEAT, at);
  if (!parse_atom(p)) return false;
  while (p->pos < p->len && is_quantifier(p->s[p->pos])) {
    at = p->pos;
    if (!parse_quantifier(p, &min, &max) || !repeat(p, start, min, max, at)) return false;
  }
  return true;
}

/* Alternatives, right-nested: split to the first or the rest, each first jumping to the end
 * (the jumps are chained through their targets until the end is known). */
static bool parse_alt(parser *p) {
  ics_regex *re = p->re;
  size_t start = re->count;
  unsigned jumps = NO_JUMP;
  for (;;) {
    while (p->pos < p->len && p->s[p->pos] != '|' && p->s[p->pos] != ')')
      if (!parse_piece(p)) return false;
    if (p->pos >= p->len || p->s[p->pos] != '|') break;
    size_t bar = p->pos++;
    if (!reserve(p, re->count + 2, bar)) return false;
    copy(re, start, re->count - start, start + 1);
    re->count += 2;
    re->prog[start] = (inst){.op = I_SPLIT, .x = (unsigned)start + 1, .y = (unsigned)re->count};
    re->prog[re->count - 1] = (inst){.op = I_JMP, .x = jumps};
    jumps = (unsigned)re->count - 1;
    start = re->count;
  }
  while (jumps != NO_JUMP) {
    unsigned next = re->prog[jumps].x;
    re->prog[jumps].x = (unsigned)re->count;
    jumps = next;
  }
  return true;
}

ics_regex *ics_regex_compile(const char *pattern, size_t len, ics_lang lang, ics_error *err) {
  parser p = {.s = pattern, .len = len};
  ics_regex *re = p.re = ics_calloc(1, sizeof *re);
  bool ok = re ? parse_alt(&p) : fail(&p, M_NO_MEMORY, 0);
  if (ok && p.pos < len) ok = fail(&p, M_RE_UNMATCHED_PAREN, p.pos); /* ')' without '(' */
  if (ok) ok = reserve(&p, re->count, len);
  if (ok) { /* the match, then the matcher's memory in one block */
    re->prog[re->count++] = (inst){.op = I_MATCH};
    re->mark = ics_calloc(4 * re->count, sizeof *re->mark);
    ok = re->mark || fail(&p, M_NO_MEMORY, 0);
  }
  if (!ok) {
    ics_error_say_at(err, lang, NULL, 1, (int)p.offset + 1, MSG(p.why));
    ics_regex_free(re);
    return NULL;
  }
  re->list[0] = re->mark + re->count;
  re->list[1] = re->mark + 2 * re->count;
  re->stack = re->mark + 3 * re->count;
  return re;
}

void ics_regex_free(ics_regex *re) {
  if (!re) return;
  ics_free(re->prog);
  ics_free(re->ranges);
  ics_free(re->mark);
  ics_free(re);
}

/* ---- the matcher ----------------------------------------------------------------------- */
static bool in_class(const ics_regex *re, const inst *in, uint32_t c) {
  const range *r = re->ranges + in->x;
  size_t lo = 0, hi = in->y;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c < r[mid].lo) hi = mid;
    else if (c > r[mid].hi) lo = mid + 1;
    else return !in->neg;
  }
  return in->neg;
}

static bool reads(const ics_regex *re, const inst *in, uint32_t c) {
  switch (in->op) {
  case I_CHAR: return in->c == c;
  case I_ANY: return true;
  default: return in_class(re, in, c); /* the lists hold only states that read */
  }
}

static void push(ics_regex *re, size_t *top, unsigned pc) {
  if (re->mark[pc] == re->gen) return;
  re->mark[pc] = re->gen;
  re->stack[(*top)++] = pc;
}

/* Adds state pc, and those it reaches at text offset pos without reading a character, to
 * list[0 .. *n) when they read one; true when the match is among them. */
static bool add(ics_regex *re, unsigned *list, size_t *n, unsigned pc, size_t pos, size_t len) {
  size_t top = 0;
  push(re, &top, pc);
  while (top) {
    pc = re->stack[--top];
    const inst *in = &re->prog[pc];
    switch (in->op) {
    case I_MATCH: return true;
    case I_SPLIT: push(re, &top, in->y); push(re, &top, in->x); break;
    case I_JMP: push(re, &top, in->x); break;
    case I_BOL: if (pos == 0) push(re, &top, pc + 1); break;
    case I_EOL: if (pos == len) push(re, &top, pc + 1); break;
    default: list[(*n)++] = pc; break;
    }
  }
  return false;
}

static void next_generation(ics_regex *re) {
  if (++re->gen == 0) { /* wrapped around: forget every mark */
    memset(re->mark, 0, re->count * sizeof *re->mark);
    re->gen = 1;
  }
}

bool ics_regex_search(ics_regex *re, const char *text, size_t len) {
  unsigned *now = re->list[0], *then = re->list[1];
  size_t n = 0;
  next_generation(re);
  for (size_t pos = 0;;) {
    if (add(re, now, &n, 0, pos, len)) return true; /* a match may start at every offset */
    if (pos == len) return false;
    size_t k, m = 0;
    uint32_t c = decode(text + pos, len - pos, &k);
    next_generation(re);
    for (size_t i = 0; i < n; i++)
      if (reads(re, &re->prog[now[i]], c) && add(re, then, &m, now[i] + 1, pos + k, len))
        return true;
    unsigned *swap = now;
    now = then;
    then = swap;
    n = m;
    pos += k;
  }
}
