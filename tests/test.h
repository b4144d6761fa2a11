/* test.h - a tiny test harness: CHECK macros that report file:line and keep going, and a
 * main that returns the number of failures. */
#ifndef ICS_TEST_H
#define ICS_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    test_checks++;                                                                             \
    if (!(cond)) {                                                                             \
      test_failures++;                                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
    }                                                                                          \
  } while (0)

#define CHECK_STR(actual, expected)                                                            \
  do {                                                                                         \
    const char *a_ = (actual), *e_ = (expected);                                               \
    test_checks++;                                                                             \
    if (!a_ || !e_ ? a_ != e_ : strcmp(a_, e_) != 0) {                                         \
      test_failures++;                                                                         \
      fprintf(stderr, "%s:%d: %s\n  got:      %s\n  expected: %s\n", __FILE__, __LINE__,       \
              #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");                                \
    }                                                                                          \
  } while (0)

#define TEST_MAIN_END()                                                                        \
  do {                                                                                         \
    fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);                   \
    return test_failures ? 1 : 0;                                                              \
  } while (0)

#endif
