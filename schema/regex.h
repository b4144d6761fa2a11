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

#include "ics_common.h"

typedef struct ics_regex ics_regex;

enum {
  ICS_REGEX_REPEAT_MAX = 255,  /* the largest m or n of {m,n}, as POSIX's RE_DUP_MAX */
  ICS_REGEX_STATES_MAX = 2000, /* bounds a match to 2,000 steps per character of the text */
};

/* Compiles pattern[0..len). On failure returns NULL with *err set: ICS_E_SYNTAX (a
 * back-reference \1 ... \9, an unmatched ( ) or [, a range like [z-a], an unknown class
 * [[:nosuch:]] or the unsupported [[.a.]] and [[=a=]], *, +, ? or {m,n} after nothing, a
 * malformed {m,n} or one above ICS_REGEX_REPEAT_MAX, a backslash at the end or before anything
 * but punctuation and the letters of \d \D \w \W \s \S \t \n \r), ICS_E_LIMIT (more than
 * ICS_REGEX_STATES_MAX states once repeats are expanded, or parentheses nested deeper than
 * 64) or ICS_E_NO_MEMORY; line 1, the column 1 + the byte offset where the problem starts. */
ics_regex *ics_regex_compile(const char *pattern, size_t len, ics_lang lang, ics_error *err);
/* Whether the pattern matches anywhere in text[0..len) (UTF-8; ^ and $ anchor at its ends).
 * Never fails and never allocates: what a match needs was allocated by ics_regex_compile, so
 * one compiled pattern is not for two threads at once. */
bool ics_regex_search(ics_regex *re, const char *text, size_t len);
void ics_regex_free(ics_regex *re);

#endif
