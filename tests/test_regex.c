/* test_regex.c - the regular expressions of regex(): the syntax, characters (not bytes), the
 * refusals with their offsets, the limits, patterns that make backtracking matchers run for
 * ever (here they must just finish), and running out of memory at every allocation. */
#include <stdio.h>
#include <stdlib.h>

#include "ics_common.h"
#include "messages.h"
#include "regex.h"
#include "test.h"

/* The reason of a refusal, told by its message, in a word for the checks below. */
static const char *reason(const ics_error *err) {
  static const struct {
    schema_message id;
    const char *name;
  } reasons[] = {
      {M_NO_MEMORY, "out of memory"},
      {M_RE_BACKREFERENCE, "back-reference"},
      {M_RE_UNMATCHED_PAREN, "unmatched parenthesis"},
      {M_RE_UNMATCHED_BRACKET, "unmatched bracket"},
      {M_RE_BAD_RANGE, "bad range"},
      {M_RE_BAD_CLASS, "unknown character class"},
      {M_RE_NOTHING_TO_REPEAT, "nothing to repeat"},
      {M_RE_BAD_REPEAT, "bad repeat count"},
      {M_RE_BAD_ESCAPE, "bad escape"},
      {M_RE_TOO_LARGE, "too large"},
  };
  for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
    if (err->message && strcmp(err->message, ics_msg(reasons[i].id, ICS_EN)) == 0) {
      CHECK(err->code == ics_schema_messages[reasons[i].id].code);
      return reasons[i].name;
    }
  return "unknown reason";
}

/* 1: the pattern matches somewhere in the text, 0: it does not, -1: it was refused. */
static int search_n(const char *pattern, size_t plen, const char *text, size_t tlen) {
  ics_error err = {0};
  ics_regex *re = ics_regex_compile(pattern, plen, ICS_EN, &err);
  if (!re) {
    fprintf(stderr, "  '%s' refused: %s at %d\n", pattern, err.message, err.column - 1);
    ics_error_clear(&err);
    return -1;
  }
  bool found = ics_regex_search(re, text, tlen);
  CHECK(ics_regex_search(re, text, tlen) == found); /* the same the second time */
  ics_regex_free(re);
  return found;
}

static int search(const char *pattern, const char *text) {
  return search_n(pattern, strlen(pattern), text, strlen(text));
}

#define YES(pattern, text) CHECK(search(pattern, text) == 1)
#define NO(pattern, text) CHECK(search(pattern, text) == 0)

/* "STATUS at OFFSET", or "compiled". */
static char refusal_text[128];
static const char *refusal_n(const char *pattern, size_t len) {
  ics_error err = {0};
  ics_regex *re = ics_regex_compile(pattern, len, ICS_EN, &err);
  if (re) {
    CHECK(err.code == ICS_OK);
    ics_regex_free(re);
    return "compiled";
  }
  CHECK(err.line == 1 && !err.file);
  snprintf(refusal_text, sizeof refusal_text, "%s at %d", reason(&err), err.column - 1);
  ics_error_clear(&err);
  return refusal_text;
}

static const char *refusal(const char *pattern) { return refusal_n(pattern, strlen(pattern)); }

/* n copies of s, in a buffer the caller frees. */
static char *repeated(const char *s, size_t n) {
  size_t len = strlen(s);
  char *out = malloc(len * n + 1);
  for (size_t i = 0; i < n; i++) memcpy(out + i * len, s, len);
  out[len * n] = '\0';
  return out;
}

static void test_shipped_pattern(void) {
  const char *code = "^[A-Za-z0-9_-]{1,32}$";
  YES(code, "AB-12");
  YES(code, "a_b-C_9");
  NO(code, "");
  NO(code, "A B");
  NO(code, "AB-12\n");
  NO(code, "Hòa");
  NO(code, "Nguyễn");
  char *s = repeated("x", 32);
  YES(code, s);
  free(s);
  s = repeated("x", 33);
  NO(code, s);
  free(s);
}

static void test_anchors_and_alternation(void) {
  YES("b", "abc"); /* anywhere unless anchored */
  YES("", "");
  YES("", "abc");
  YES("^a", "ab");
  NO("^a", "ba");
  YES("a$", "ba");
  NO("a$", "ab");
  NO("a$", "a\n"); /* $ is the end of the text only */
  YES("^$", "");
  NO("^$", "a");
  NO("a^b", "ab");
  NO("a$b", "ab");
  YES("(^|x)a", "a");
  YES("(^|x)a", "yxa");
  NO("(^|x)a", "ya");
  YES("^*a", "a"); /* an anchor may be repeated: harmless */
  YES("^(cat|dog)$", "cat");
  YES("^(cat|dog)$", "dog");
  NO("^(cat|dog)$", "cow");
  YES("a|", "zzz"); /* an empty alternative matches the empty text */
  YES("^(|a)$", "");
  YES("^(|a)$", "a");
  NO("^(|a)$", "aa");
  YES("^(a|b|c)+$", "abcab");
  NO("^(a|b|c)+$", "abd");
  YES("^(a|(b|(c|d)))$", "d");
  YES("^()$", "");
  YES("^a()b$", "ab");
}

static void test_classes(void) {
  YES("^[[:digit:]]+$", "0123");
  NO("^[[:digit:]]+$", "12a");
  NO("[[:alpha:]]", "123");
  YES("^[^0-9]+$", "abc");
  NO("^[^0-9]+$", "a1");
  YES("^[]a]+$", "]a]"); /* ']' first is itself */
  YES("^[^]a]$", "b");
  NO("^[^]a]$", "]");
  YES("^[a-]+$", "a-");
  YES("^[-a]$", "-");
  YES("^[a-c-e]+$", "b-e");
  NO("^[a-c-e]$", "d");
  YES("^[\\]\\-]+$", "]-");
  NO("[\\]\\-]", "a");
  YES("^[\\d\\s]+$", "1 2\t3");
  YES("^[\\d-z]+$", "1-z"); /* a '-' after a class is itself */
  YES("^[à-ỹ]+$", "àỹươ"); /* ranges over code points */
  NO("^[à-ỹ]+$", "ưa");
  YES("^[[:upper:][:digit:]]+$", "AB12");
  NO("^[[:upper:][:digit:]]+$", "Ab");
  YES("^[[:lower:]]+$", "abc");
  YES("^[[:alnum:]]+$", "a1B");
  NO("[[:alnum:]]", "-_ ");
  YES("^[[:space:]]+$", " \t\n\r\v\f");
  YES("^[[:punct:]]+$", "!/:@[`{~");
  NO("[[:punct:]]", "a0 ");
  YES("^[[:xdigit:]]+$", "09afAF");
  NO("[[:xdigit:]]", "gG");
  YES("^[[:blank:]]+$", " \t");
  NO("[[:blank:]]", "\n");
  YES("^[[:cntrl:]]+$", "\x01\x1f\x7f");
  NO("[[:cntrl:]]", " a");
  YES("^[[:print:]]+$", " a~");
  NO("[[:print:]]", "\x7f");
  YES("^[[:graph:]]+$", "!a~");
  NO("[[:graph:]]", " ");
  /* the escapes are ASCII classes, as in ODK */
  YES("^\\d{3}$", "123");
  NO("^\\d{3}$", "12a");
  YES("^\\D+$", "ab");
  NO("\\D", "123");
  YES("^\\w+$", "a_Z9");
  NO("^\\w+$", "a-1");
  NO("^\\w+$", "Hòa");
  YES("^\\W$", "ò");
  YES("^\\W$", "-");
  NO("^\\W$", "a");
  YES("^\\s\\s$", " \t");
  YES("^\\S+$", "ab");
  NO("^\\S+$", "a b");
  YES("^[^\\W]+$", "ab_");
  NO("^[^\\W]+$", "a b");
}

static void test_characters(void) {
  YES("^.{3}$", "Hòa"); /* characters, not bytes */
  YES("^.{3}$", "Hoa");
  NO("^.{3}$", "Hòaa");
  NO("^.{4}$", "Hòa");
  YES("^.$", "ỹ");
  YES("^Nguyễn", "Nguyễn Văn A");
  YES("^(ễ|e)+$", "eễe");
  /* an invalid byte is one character that only '.' and complemented classes match */
  YES("^.$", "\xff");
  YES("^a.b$", "a\xff" "b");
  YES("^[^a]$", "\xff");
  YES("^\\W$", "\xff");
  YES("^[\\D]$", "\xff");
  NO("[[:alpha:][:punct:]]", "\xff");
  NO("[\x01-\x7f]", "\xff");
  YES("^.$", "\xc3");     /* a truncated character */
  NO("^..$", "\xc3\xb2"); /* ò is one character */
  /* an invalid byte of the pattern is U+FFFD */
  NO("\xff", "\xff");
  YES("^\xff$", "\xef\xbf\xbd");
  /* NUL bytes in the text and the pattern */
  CHECK(search_n("^a.b$", 5, "a\0b", 3) == 1);
  CHECK(search_n("a\0b", 3, "xa\0b", 4) == 1);
  CHECK(search_n("a\0b", 3, "ab", 2) == 0);
}

static void test_escapes(void) {
  YES("^\\.$", ".");
  NO("^\\.$", "a");
  YES("^a\\+$", "a+");
  YES("^\\(\\)\\[\\]\\{\\}\\|\\*\\?\\^\\$\\\\$", "()[]{}|*?^$\\");
  YES("^\\t\\n\\r$", "\t\n\r");
  YES("^a/b$", "a/b");
  YES("^}]$", "}]"); /* a closing brace or bracket alone is itself */
}

static void test_repeats(void) {
  YES("^a*$", "");
  YES("^a*$", "aaa");
  NO("^a*$", "ab");
  NO("^a+$", "");
  YES("^a+$", "aa");
  YES("^ab?c$", "ac");
  YES("^ab?c$", "abc");
  NO("^ab?c$", "abbc");
  YES("^a{3}$", "aaa");
  NO("^a{3}$", "aa");
  NO("^a{3}$", "aaaa");
  YES("^a{2,}$", "aa");
  YES("^a{2,}$", "aaaaaaa");
  NO("^a{2,}$", "a");
  YES("^a{2,4}$", "aa");
  YES("^a{2,4}$", "aaaa");
  NO("^a{2,4}$", "a");
  NO("^a{2,4}$", "aaaaa");
  YES("^a{0}$", "");
  NO("^a{0}$", "a");
  YES("^xa{0}y$", "xy");
  YES("^a{0,2}$", "");
  YES("^a{0,2}$", "aa");
  NO("^a{0,2}$", "aaa");
  YES("^a{0,}$", "aaa");
  YES("^(ab){2}$", "abab");
  NO("^(ab){2}$", "aba");
  YES("^(a|bc){2,3}$", "abc");
  YES("^(a|bc){2,3}$", "bcbcbc");
  NO("^(a|bc){2,3}$", "a");
  NO("^(a|bc){2,3}$", "aaaa");
  YES("^[0-9]{10}$", "0123456789");
  NO("^[0-9]{10}$", "012345678");
  YES("^a{1}{2}$", "aa");
  /* stacked quantifiers repeat the repeated */
  YES("^a**$", "aaa");
  YES("^a+?$", "");
  YES("^a+?$", "aaa");
  YES("^(a{2}){2}$", "aaaa");
  NO("^(a{2}){2}$", "aaa");
  YES("^(a?){3}$", "aa");
  /* empty loops end */
  YES("^(a*)*$", "aaa");
  NO("^(a*)*$", "b");
  YES("()*", "");
  YES("^()*$", "");
  YES("^(()*)*x$", "x");
  YES("^(|a)+b$", "aab");
  YES("^(a*)+$", "");
  YES("^(a*){3,}$", "a");
  YES("^(^)*$", "");
  YES("^($)+$", "");
  YES("^(a*|b)*c$", "abbac");
  YES("^()+x$", "x");
  YES("^(){2,5}x$", "x");
}

static void test_refusals(void) {
  CHECK_STR(refusal("(.*)(.*)(.*)(.*)(.*)(.*)\\6\\5\\4\\3\\2\\1z"), "back-reference at 24");
  CHECK_STR(refusal("(.*)\\1"), "back-reference at 4");
  CHECK_STR(refusal("\\9"), "back-reference at 0");
  CHECK_STR(refusal("("), "unmatched parenthesis at 0");
  CHECK_STR(refusal("a(b(c)"), "unmatched parenthesis at 1");
  CHECK_STR(refusal("a)"), "unmatched parenthesis at 1");
  CHECK_STR(refusal("(a))"), "unmatched parenthesis at 3");
  CHECK_STR(refusal("[a"), "unmatched bracket at 0");
  CHECK_STR(refusal("x[]"), "unmatched bracket at 1");
  CHECK_STR(refusal("[^]"), "unmatched bracket at 0");
  CHECK_STR(refusal("[[:alpha:]"), "unmatched bracket at 0");
  CHECK_STR(refusal("[z-a]"), "bad range at 1");
  CHECK_STR(refusal("x[a-\\d]"), "bad range at 2");
  CHECK_STR(refusal("[a-[:digit:]]"), "bad range at 1");
  CHECK_STR(refusal("[ỹ-à]"), "bad range at 1");
  CHECK_STR(refusal("[[:nosuch:]]"), "unknown character class at 1");
  CHECK_STR(refusal("[[:alpha]"), "unknown character class at 1");
  CHECK_STR(refusal("[[:word:]]"), "unknown character class at 1");
  CHECK_STR(refusal("a[[.a.]]"), "unknown character class at 2");
  CHECK_STR(refusal("[[=a=]]"), "unknown character class at 1");
  CHECK_STR(refusal("*a"), "nothing to repeat at 0");
  CHECK_STR(refusal("(*a)"), "nothing to repeat at 1");
  CHECK_STR(refusal("a|*"), "nothing to repeat at 2");
  CHECK_STR(refusal("a|+"), "nothing to repeat at 2");
  CHECK_STR(refusal("?"), "nothing to repeat at 0");
  CHECK_STR(refusal("{2}"), "nothing to repeat at 0");
  CHECK_STR(refusal("{x"), "bad repeat count at 0");
  CHECK_STR(refusal("a{"), "bad repeat count at 1");
  CHECK_STR(refusal("a{x}"), "bad repeat count at 1");
  CHECK_STR(refusal("ab{2,1}"), "bad repeat count at 2");
  CHECK_STR(refusal("a{256}"), "bad repeat count at 1");
  CHECK_STR(refusal("a{1,256}"), "bad repeat count at 1");
  CHECK_STR(refusal("a{,3}"), "bad repeat count at 1");
  CHECK_STR(refusal("a{1 }"), "bad repeat count at 1");
  CHECK_STR(refusal("a{2"), "bad repeat count at 1");
  CHECK_STR(refusal("a{99999999999999999999}"), "bad repeat count at 1");
  CHECK_STR(refusal("a{255}"), "compiled");
  CHECK_STR(refusal("\\"), "bad escape at 0");
  CHECK_STR(refusal("ab\\"), "bad escape at 2");
  CHECK_STR(refusal("a\\q"), "bad escape at 1");
  CHECK_STR(refusal("\\0"), "bad escape at 0");
  CHECK_STR(refusal("\\b"), "bad escape at 0");
  CHECK_STR(refusal("\\ "), "bad escape at 0");
  CHECK_STR(refusal("\\é"), "bad escape at 0");
  CHECK_STR(refusal("[\\q]"), "bad escape at 1");
  CHECK_STR(refusal("[\\1]"), "bad escape at 1");
  CHECK_STR(refusal("[a\\"), "bad escape at 2");
  /* the hostile pattern of a backtracking matcher is refused before it can run */
  CHECK(search("(.*)(.*)(.*)(.*)(.*)(.*)\\6\\5\\4\\3\\2\\1z", "aaaa") == -1);
}

static void test_limits(void) {
  /* 64 levels of parentheses, not 65 */
  char deep[200];
  for (int depth = 64; depth <= 65; depth++) {
    size_t n = 0;
    for (int i = 0; i < depth; i++) deep[n++] = '(';
    deep[n++] = 'a';
    for (int i = 0; i < depth; i++) deep[n++] = ')';
    deep[n] = '\0';
    if (depth == 64) YES(deep, "a");
    else CHECK_STR(refusal(deep), "too large at 64");
  }
  /* 2,000 states with the final match: 1,999 characters, or repeats that add up to them */
  char *s = repeated("a", 1999);
  CHECK_STR(refusal(s), "compiled");
  YES(s, s);
  free(s);
  s = repeated("a", 2000);
  CHECK_STR(refusal(s), "too large at 1999");
  free(s);
  char *repeats = repeated("a{255}", 7), *rest = repeated("a", 214);
  char big[2400];
  snprintf(big, sizeof big, "%s%s", repeats, rest);
  CHECK_STR(refusal(big), "compiled");
  snprintf(big, sizeof big, "%s%sa", repeats, rest);
  CHECK_STR(refusal(big), "too large at 256");
  free(repeats);
  free(rest);
  /* refused by counting, before the states are written out */
  CHECK_STR(refusal("((a{255}){255}){255}"), "too large at 9");
  CHECK_STR(refusal("(a{255}){8}"), "too large at 8");
  CHECK_STR(refusal("a{255}{255}"), "too large at 6");
  s = repeated("*", 3000);
  s[0] = 'a';
  CHECK_STR(refusal(s), "too large at 1000"); /* each star adds two states */
  free(s);
}

/* Patterns that take a backtracking matcher exponential time: here they just finish. */
static void test_pathological(void) {
  char *a = repeated("a", 4000), *x = repeated("x", 4000);
  NO("(a*)*b", a);
  NO("(a|a)*b", a);
  NO("(x+x+)+y", x);
  YES("(a?){25}a{25}", a);
  NO("^(a?){25}a{25}$", a);
  NO("^(a|aa)+$b", a);
  NO("(.*a){20}", x);
  NO("^(([a-z])+.)+[A-Z]([a-z])+$", a);
  NO("(a*)*(b*)*(a*)*c", a);
  YES("(x*)*$", x);
  free(a);
  free(x);
  char *aab = repeated("a", 4001);
  aab[4000] = 'b';
  YES("(a*)*b", aab);
  free(aab);
}

/* Running out of memory at each allocation in turn: NULL with ICS_E_NO_MEMORY, never a leak
 * (the sanitizer build checks), until the pattern compiles and matches. */
static void test_allocation_failures(void) {
  char *many = repeated("[a-b]\\d", 40); /* more ranges and states than a first allocation */
  char *long_pattern = malloc(strlen(many) + 40);
  snprintf(long_pattern, strlen(many) + 40, "^(%s|x{200}[[:alpha:]])*x*$", many);
  const char *patterns[] = {"^[A-Za-z0-9_-]{1,32}$", "", "(a|b[[:alpha:]\\d])*x{3}", long_pattern};
  for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
    long n = 0;
    for (;; n++) {
      ics_error err = {0};
      ics_alloc_fail_after(n);
      ics_regex *re = ics_regex_compile(patterns[i], strlen(patterns[i]), ICS_VI, &err);
      ics_alloc_fail_after(-1);
      if (re) {
        CHECK(err.code == ICS_OK);
        CHECK(ics_regex_search(re, "xxx", 3));
        ics_regex_free(re);
        break;
      }
      CHECK(err.code == ICS_E_NO_MEMORY && err.message && *err.message);
      bool no_memory = err.code == ICS_E_NO_MEMORY;
      ics_error_clear(&err);
      if (!no_memory || n > 100) break;
    }
    CHECK(n >= 2 && n < 100);
  }
  free(many);
  free(long_pattern);
}

int main(void) {
  test_shipped_pattern();
  test_anchors_and_alternation();
  test_classes();
  test_characters();
  test_escapes();
  test_repeats();
  test_refusals();
  test_limits();
  test_pathological();
  test_allocation_failures();
  TEST_MAIN_END();
}
