/* fuzz_xlsx.c - libFuzzer target for the .xlsx reader: any bytes must give rows and 0, or -1
 * with an error, never a crash, a leak or a hang. The bytes are read as a workbook in memory
 * (ics_xlsx_read_memory) and every cell's text is touched; the callback's answer varies with
 * the input's last byte (go on, next sheet, stop) so that every way out of a sheet is taken.
 * The seed corpus (tests/fuzz/corpus/xlsx): tiny workbooks of openpyxl, LibreOffice and by
 * hand (shared, inline and rich strings, escapes, missing r, 1904, strict, chart sheets). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

typedef struct {
  int mode; /* 0: go on; 1: the next sheet after 2 rows; 2: stop after 3 */
  size_t rows, sum;
  unsigned last_row;
  unsigned last_sheet;
} state;

static int on_row(void *ctx, const ics_xlsx_sheet *sheet, unsigned row, const ics_xlsx_cell *cells,
                  size_t count) {
  state *s = ctx;
  if (count == 0 || row == 0 || row > ICS_XLSX_MAX_ROWS || !sheet->name) abort();
  if (s->rows && sheet->index == s->last_sheet && row <= s->last_row) abort(); /* in order */
  for (size_t i = 0; i < count; i++) {
    if (cells[i].column >= ICS_XLSX_MAX_COLUMNS || !cells[i].text || !cells[i].text[0]) abort();
    if (i && cells[i].column <= cells[i - 1].column) abort();
    s->sum += strlen(cells[i].text) + (size_t)cells[i].kind;
  }
  s->sum += strlen(sheet->name) + sheet->date1904;
  s->last_row = row;
  s->last_sheet = sheet->index;
  s->rows++;
  if (s->mode == 1 && s->rows % 2 == 0) return ICS_XLSX_NEXT_SHEET;
  if (s->mode == 2 && s->rows == 3) return ICS_XLSX_STOP;
  return ICS_XLSX_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  state s = {.mode = size ? data[size - 1] % 3 : 0};
  ics_error err = {0};
  int r = ics_xlsx_read_memory("fuzz.xlsx", data, size, size & 1 ? ICS_EN : ICS_VI, on_row, &s,
                               &err);
  if ((r < 0) != (err.code != ICS_OK)) abort(); /* refused exactly when it says why */
  if (r < 0) s.sum += strlen(err.message) + (err.file ? strlen(err.file) : 0);
  ics_error_clear(&err);
  sink += s.sum;
  return 0;
}
