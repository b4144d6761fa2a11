/* test_messages.c - the error codes and every library's message table.
 *
 * The registry's names are stable: tests/data/error-codes.txt lists "NUMBER NAME" as shipped,
 * and a code may be added at the end but never renumbered or renamed. Every message of every
 * table exists in Vietnamese and English with the same printf conversions in the same order
 * (a format that takes other arguments in one language would read the wrong ones). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics_common.h"
/* the libraries' private tables, expanded here as their own code expands them */
#include "../schema/messages.h"
#include "../collector/answers_messages.h"
#include "../bundle/bundle_messages.h"
#include "../collector/collector_messages.h"
#include "../aggregator/aggregator_messages.h"
#include "../keys/keys_messages.h"
#include "../kit/kit_messages.h"
#include "../reports/reports_messages.h"
#include "../web/web_messages.h"
#include "../xlsx/xlsx_messages.h"

static int failures;
#define CHECK(cond)                                                                             \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                 \
      failures++;                                                                               \
    }                                                                                           \
  } while (0)

/* The conversions of a printf format, one letter-string each ("zu", "*d", ".*s"), joined. */
static void conversions(const char *fmt, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') continue;
    p++;
    if (*p == '%') continue;
    char spec[16];
    size_t k = 0;
    while (*p && strchr("-+ #0", *p)) p++;
    while (*p && (isdigit((unsigned char)*p) || *p == '*' || *p == '.')) {
      if ((*p == '*' || *p == '.') && k < sizeof spec - 1) spec[k++] = *p;
      p++;
    }
    while (*p && strchr("hlzjtL", *p) && k < sizeof spec - 1) spec[k++] = *p++;
    if (*p && k < sizeof spec - 1) spec[k++] = *p;
    spec[k] = '\0';
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s,", spec);
    if (!*p) break;
  }
}

static int checked;

static void check_message(const char *table, const char *id, ics_code code, const char *vi,
                          const char *en) {
  checked++;
  char a[256], b[256];
  conversions(vi, a, sizeof a);
  conversions(en, b, sizeof b);
  if (strcmp(a, b) != 0) {
    fprintf(stderr, "%s %s: Vietnamese takes %s, English takes %s\n", table, id, a, b);
    failures++;
  }
  if (!*vi || !*en) {
    fprintf(stderr, "%s %s: a language is empty\n", table, id);
    failures++;
  }
  if ((unsigned)code >= ICS_CODE_COUNT) {
    fprintf(stderr, "%s %s: code %d is not in the registry\n", table, id, (int)code);
    failures++;
  }
}

#define CHECK_TABLE(name, TABLE)                                                                \
  do {                                                                                          \
    TABLE(CHECK_ENTRY_##name)                                                                   \
  } while (0)

#define CHECK_ENTRY_schema(id, code, vi, en) check_message("schema", #id, code, vi, en);
#define CHECK_ENTRY_answers(id, code, vi, en) check_message("answers", #id, code, vi, en);
#define CHECK_ENTRY_bundle(id, code, vi, en) check_message("bundle", #id, code, vi, en);
#define CHECK_ENTRY_collector(id, code, vi, en) check_message("collector", #id, code, vi, en);
#define CHECK_ENTRY_receipt(id, code, vi, en) check_message("receipt", #id, code, vi, en);
#define CHECK_ENTRY_aggregator(id, code, vi, en) check_message("aggregator", #id, code, vi, en);
#define CHECK_ENTRY_keys(id, code, vi, en) check_message("keys", #id, code, vi, en);
#define CHECK_ENTRY_kit(id, code, vi, en) check_message("kit", #id, code, vi, en);
#define CHECK_ENTRY_reports(id, code, vi, en) check_message("reports", #id, code, vi, en);
#define CHECK_ENTRY_web(id, code, vi, en) check_message("web", #id, code, vi, en);
#define CHECK_ENTRY_xlsx(id, code, vi, en) check_message("xlsx", #id, code, vi, en);

/* The registry against the list as shipped. */
static void check_registry(const char *path) {
  FILE *fp = fopen(path, "r");
  CHECK(fp);
  if (!fp) return;
  char line[128];
  int number;
  char name[64];
  size_t listed = 0;
  while (fgets(line, sizeof line, fp)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%d %63s", &number, name) != 2) {
      fprintf(stderr, "%s: bad line: %s", path, line);
      failures++;
      continue;
    }
    listed++;
    if (number < 0 || number >= ICS_CODE_COUNT ||
        strcmp(ics_code_name((ics_code)number), name) != 0) {
      fprintf(stderr, "code %d was '%s' and is now '%s': codes are never renumbered or renamed\n",
              number, name, ics_code_name((ics_code)number));
      failures++;
    }
  }
  fclose(fp);
  if (listed != ICS_CODE_COUNT) {
    fprintf(stderr, "%s lists %zu codes, the registry has %d: add the new ones at its end\n",
            path, listed, (int)ICS_CODE_COUNT);
    failures++;
  }
  for (int i = 0; i < ICS_CODE_COUNT; i++) {
    CHECK(*ics_code_text((ics_code)i, ICS_VI) && *ics_code_text((ics_code)i, ICS_EN));
    for (int j = 0; j < i; j++) CHECK(strcmp(ics_code_name((ics_code)i), ics_code_name((ics_code)j)));
  }
}

/* docs/errors.md lists every code with its number and name. */
static void check_documented(const char *path) {
  FILE *fp = fopen(path, "r");
  CHECK(fp);
  if (!fp) return;
  static char text[1 << 16];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  text[n] = '\0';
  fclose(fp);
  for (int i = 0; i < ICS_CODE_COUNT; i++) {
    char row[96];
    snprintf(row, sizeof row, "| %d | `%s` |", i, ics_code_name((ics_code)i));
    if (!strstr(text, row)) {
      fprintf(stderr, "%s does not list code %d '%s'\n", path, i, ics_code_name((ics_code)i));
      failures++;
    }
  }
}

/* The error type itself: the first failure stays, out of memory still has its message, places
 * and prefixes. */
static void check_error_type(void) {
  static const ics_message first = {ICS_E_SYNTAX, "dòng %d sai", "line %d is wrong"};
  static const ics_message second = {ICS_E_IO, "khác", "other"};
  ics_error e = {0};
  ics_error_say(&e, ICS_EN, &first, 3);
  ics_error_say(&e, ICS_EN, &second);
  CHECK(e.code == ICS_E_SYNTAX && strcmp(e.message, "line 3 is wrong") == 0);
  ics_error_locate(&e, "a.yaml", 4, 2);
  ics_error_prefix(&e, "record %d: ", 7);
  char *text = ics_error_format(&e);
  CHECK(text && strcmp(text, "a.yaml:4:2: error: record 7: line 3 is wrong") == 0);
  ics_free(text);
  ics_error_clear(&e);
  CHECK(e.code == ICS_OK && !e.message && !e.file);
  ics_error_say_as(&e, ICS_EN, ICS_E_NOT_FOUND, "b.yaml", 0, 0, &first, 2); /* the caller's code */
  ics_error_say_as(&e, ICS_EN, ICS_E_IO, NULL, 0, 0, &second);             /* the first stays */
  CHECK(e.code == ICS_E_NOT_FOUND && strcmp(e.message, "line 2 is wrong") == 0 &&
        strcmp(e.file, "b.yaml") == 0);
  ics_error_clear(&e);
  ics_error_say_as(&e, ICS_EN, ICS_OK, NULL, 0, 0, &second); /* ICS_OK: the table's code */
  CHECK(e.code == ICS_E_IO);
  ics_error_clear(&e);

  ics_alloc_fail_after(0);
  ics_error_say(&e, ICS_VI, &first, 1);
  ics_alloc_fail_after(-1);
  CHECK(e.code == ICS_E_NO_MEMORY && strcmp(e.message, "không đủ bộ nhớ") == 0);
  ics_error_clear(&e);

  ics_errors list = {0};
  for (int i = 0; i < ICS_ERRORS_MAX + 5; i++) ics_errors_say(&list, ICS_EN, "f", i + 1, 1, &first, i);
  CHECK(list.count == ICS_ERRORS_MAX && list.dropped == 5 && !list.no_memory);
  CHECK(ics_errors_code(&list) == ICS_E_SYNTAX);
  ics_errors_free(&list);
  ics_alloc_fail_after(1); /* the message is made, the list cannot grow */
  ics_errors_say(&list, ICS_EN, "f", 1, 1, &second);
  ics_alloc_fail_after(-1);
  CHECK(list.count == 0 && list.no_memory && ics_errors_code(&list) == ICS_E_NO_MEMORY);
  ics_errors_free(&list);
  ics_error_say(NULL, ICS_EN, &first, 1); /* a caller that does not want to know */

  CHECK(ics_code_from_errno(ENOSPC) == ICS_E_DISK_FULL);
  CHECK(ics_code_from_errno(EACCES) == ICS_E_PERMISSION);
  CHECK(ics_code_from_errno(EIO) == ICS_E_IO);
}

int main(int argc, char **argv) {
  check_registry(argc > 1 ? argv[1] : "tests/data/error-codes.txt");
  check_documented(argc > 2 ? argv[2] : "docs/errors.md");
  check_error_type();
  CHECK_TABLE(schema, ICS_MESSAGES);
  CHECK_TABLE(answers, ANSWERS_MESSAGES);
  CHECK_TABLE(bundle, ICS_BUNDLE_MESSAGES);
  CHECK_TABLE(collector, ICS_COLLECTOR_MESSAGES);
  CHECK_TABLE(aggregator, ICS_AGGREGATOR_MESSAGES);
  CHECK_TABLE(keys, ICS_KEYS_MESSAGES);
  CHECK_TABLE(kit, ICS_KIT_MESSAGES);
  CHECK_TABLE(receipt, ICS_RECEIPT_MESSAGES);
  CHECK_TABLE(reports, ICS_REPORTS_MESSAGES);
  CHECK_TABLE(web, ICS_WEB_MESSAGES);
  CHECK_TABLE(xlsx, ICS_XLSX_MESSAGES);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  else printf("%d messages and %d codes checked\n", checked, (int)ICS_CODE_COUNT);
  return failures != 0;
}
