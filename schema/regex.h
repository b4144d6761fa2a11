/* regex.h (private) - the regular expressions of `regex(x, 'pattern')` in form constraints,
 * matched in time linear in the text: a pattern is compiled to a Thompson automaton and every
 * match runs all its states side by side (no backtracking), so no pattern and no answer can
 * make a command run without bound. Back-references, which no linear-time matcher can offer,
 * are refused when the pattern is compiled, that is by `ictsurvey check`.
 *
 * The syntax is POSIX extended regular expressions (what docs/forms.md lists) over Unicode
 * characters, not bytes, plus the \d \w \s classes form authors know from ODK and XLSForm
 * (ASCII, as there: \w is [A-Za-z0-9_]). */
#ifndef ICS_REGEX_H
#define ICS_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ics_regex ics_regex;

/* Why a pattern was refused. */
typedef enum {
  ICS_RE_OK = 0,
  ICS_RE_NO_MEMORY,
  ICS_RE_BACKREFERENCE,   /* \1 ... \9 */
  ICS_RE_UNMATCHED_PAREN, /* ( without ) or ) without ( */
  ICS_RE_UNMATCHED_BRACKET,
  ICS_RE_BAD_RANGE,       /* [z-a] */
  ICS_RE_BAD_CLASS,       /* [[:nosuch:]], or [[.a.]] and [[=a=]] (not supported) */
  ICS_RE_NOTHING_TO_REPEAT, /* *, +, ? or {m,n} after nothing */
  ICS_RE_BAD_REPEAT,      /* {m,n} malformed, m > n, or above ICS_REGEX_REPEAT_MAX */
  ICS_RE_BAD_ESCAPE,      /* a backslash at the end, or before anything but punctuation and
                           * the letters of \d \D \w \W \s \S \t \n \r */
  ICS_RE_TOO_LARGE,       /* more than ICS_REGEX_STATES_MAX states once repeats are expanded
                           * (the final match counts), or parentheses nested deeper than 64 */
  ICS_RE_COUNT
} ics_regex_status;

enum {
  ICS_REGEX_REPEAT_MAX = 255,  /* the largest m or n of {m,n}, as POSIX's RE_DUP_MAX */
  ICS_REGEX_STATES_MAX = 2000, /* bounds a match to 2,000 steps per character of the text */
};

/* Compiles pattern[0..len). On failure returns NULL, with *status saying why and *offset the
 * byte offset in the pattern where the problem starts. */
ics_regex *ics_regex_compile(const char *pattern, size_t len, ics_regex_status *status,
                             size_t *offset);
/* Whether the pattern matches anywhere in text[0..len) (UTF-8; ^ and $ anchor at its ends).
 * Never fails and never allocates: what a match needs was allocated by ics_regex_compile, so
 * one compiled pattern is not for two threads at once. */
bool ics_regex_search(ics_regex *re, const char *text, size_t len);
void ics_regex_free(ics_regex *re);

/* A short English description of a status, for tests and fuzzing; messages for people come
 * from the caller's message table. */
const char *ics_regex_status_name(ics_regex_status status);

#endif
