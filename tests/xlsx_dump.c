/* xlsx_dump.c - the .xlsx reader on the command line, for tests/test_xlsx.py: prints each row
 * as SHEET<TAB>ROW<TAB>COL=KIND:TEXT<TAB>..., KIND one of s n b e, the texts escaped
 * (as ics_escape_append does: \\ \t \n \r); with --sheets, a line "sheet<TAB>INDEX<TAB>NAME<TAB>
 * date1904=0|1" before a sheet's first row. On error: the formatted error on stderr, then a
 * line "code: NAME", exit 1.
 *
 *   xlsx_dump [--lang vi|en] [--memory] [--sheets] [--stop-after N] [--next-sheet-after N]
 *             [--return N] [--max-part N] [--max-strings N] [--max-row-text N] [--max-cell N]
 *             [--fail-alloc-after N] FILE
 *
 * --memory reads the file into memory first (ics_xlsx_read_memory); --stop-after N returns
 * ICS_XLSX_STOP after N rows, --next-sheet-after N returns ICS_XLSX_NEXT_SHEET after N rows of
 * a sheet, --return N returns N after the first row (any value but 0 and 1 stops); the --max-
 * options read with smaller limits (xlsx_private.h); --fail-alloc-after N makes the project's
 * allocations fail after N (ics_alloc_fail_after: expat's go through it too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx_private.h"

typedef struct {
  bool sheets;
  long stop_after, next_after, ret;
  long rows, sheet_rows;
  long last_sheet;
} dump;

/* s with backslash, tab, LF and CR as \\ \t \n \r (as ics_escape_append writes them) */
static void put_escaped(const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '\\': fputs("\\\\", stdout); break;
    case '\t': fputs("\\t", stdout); break;
    case '\n': fputs("\\n", stdout); break;
    case '\r': fputs("\\r", stdout); break;
    default: putchar(*s); break;
    }
  }
}

static int on_row(void *ctx, const ics_xlsx_sheet *sheet, unsigned row, const ics_xlsx_cell *cells,
                  size_t count) {
  dump *d = ctx;
  if ((long)sheet->index != d->last_sheet) {
    d->last_sheet = (long)sheet->index;
    d->sheet_rows = 0;
    if (d->sheets) printf("sheet\t%u\t%s\tdate1904=%d\n", sheet->index, sheet->name, sheet->date1904);
  }
  /* printed without allocating: --fail-alloc-after counts the reader's allocations only */
  put_escaped(sheet->name);
  printf("\t%u", row);
  static const char kinds[] = "snbe";
  for (size_t i = 0; i < count; i++) {
    char col[4];
    ics_xlsx_column_name(cells[i].column, col);
    printf("\t%s=%c:", col, kinds[cells[i].kind]);
    put_escaped(cells[i].text);
  }
  putchar('\n');
  d->rows++;
  d->sheet_rows++;
  if (d->ret >= 0) return (int)d->ret;
  if (d->stop_after >= 0 && d->rows >= d->stop_after) return ICS_XLSX_STOP;
  if (d->next_after >= 0 && d->sheet_rows >= d->next_after) return ICS_XLSX_NEXT_SHEET;
  return ICS_XLSX_CONTINUE;
}

static int usage(void) {
  fprintf(stderr, "usage: xlsx_dump [--lang vi|en] [--memory] [--sheets] [--stop-after N] "
                  "[--next-sheet-after N] [--return N] [--max-part N] [--max-strings N] "
                  "[--max-row-text N] [--max-cell N] [--fail-alloc-after N] FILE\n");
  return 2;
}

int main(int argc, char **argv) {
  dump d = {.stop_after = -1, .next_after = -1, .ret = -1, .last_sheet = -1};
  ics_lang lang = ICS_VI;
  bool memory = false;
  ics_xlsx_limits limits = ICS_XLSX_DEFAULT_LIMITS;
  const char *path = NULL;
  long fail_after = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--memory") == 0) memory = true;
    else if (strcmp(a, "--sheets") == 0) d.sheets = true;
    else if (!v && a[0] == '-' && a[1] == '-') return usage();
    else if (strcmp(a, "--lang") == 0) {
      if (!ics_lang_parse(v, &lang)) return usage();
      i++;
    } else if (strcmp(a, "--stop-after") == 0) d.stop_after = atol(argv[++i]);
    else if (strcmp(a, "--next-sheet-after") == 0) d.next_after = atol(argv[++i]);
    else if (strcmp(a, "--return") == 0) d.ret = atol(argv[++i]);
    else if (strcmp(a, "--max-part") == 0) limits.part = strtoull(argv[++i], NULL, 10);
    else if (strcmp(a, "--max-strings") == 0) limits.strings = strtoull(argv[++i], NULL, 10);
    else if (strcmp(a, "--max-row-text") == 0) limits.row_text = strtoull(argv[++i], NULL, 10);
    else if (strcmp(a, "--max-cell") == 0) limits.cell = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (strcmp(a, "--fail-alloc-after") == 0) fail_after = atol(argv[++i]);
    else if (!path && a[0] != '-') path = a;
    else return usage();
  }
  if (!path) return usage();
  ics_error err = {0};
  int r;
  ics_alloc_fail_after(fail_after);
  if (memory) {
    ics_alloc_fail_after(-1);
    char *data = NULL;
    size_t size = 0;
    ics_code status = ics_read_file(path, (size_t)1 << 30, &data, &size);
    if (status != ICS_OK) {
      fprintf(stderr, "%s: cannot read (%s)\n", path, ics_code_name(status));
      return 2;
    }
    ics_alloc_fail_after(fail_after);
    r = ics_xlsx_read_with(NULL, path, data, size, &limits, lang, on_row, &d, &err);
    ics_free(data);
  } else {
    r = ics_xlsx_read_with(path, NULL, NULL, 0, &limits, lang, on_row, &d, &err);
  }
  if ((r < 0) != (err.code != ICS_OK)) {
    fprintf(stderr, "returned %d with code %s\n", r, ics_code_name(err.code));
    return 3;
  }
  ics_alloc_fail_after(-1);
  if (r < 0) {
    char *text = ics_error_format(&err);
    fprintf(stderr, "%s\ncode: %s\n", text ? text : err.message, ics_code_name(err.code));
    ics_free(text);
    ics_error_clear(&err);
    return 1;
  }
  return 0;
}
