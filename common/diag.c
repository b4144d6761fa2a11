/* diag.c - collecting and formatting "FILE:LINE:COLUMN: error: MESSAGE" diagnostics. */
#include "ics_common.h"

#include <stdio.h>

void ics_diags_vadd(ics_diags *d, const char *file, int line, int column, const char *fmt,
                    va_list ap) {
  if (d->count >= ICS_DIAGS_MAX) {
    d->dropped++;
    return;
  }
  if (d->count == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    ics_diag *items = ics_realloc(d->items, cap * sizeof *items);
    if (!items) {
      d->dropped++;
      return;
    }
    d->items = items;
    d->cap = cap;
  }
  ics_buf msg = {0};
  ics_buf_vprintf(&msg, fmt, ap);
  ics_diag *diag = &d->items[d->count];
  diag->file = ics_strdup(file ? file : "");
  diag->message = ics_buf_take(&msg);
  diag->line = line;
  diag->column = column;
  if (!diag->file || !diag->message) {
    ics_free(diag->file);
    ics_free(diag->message);
    d->dropped++;
    return;
  }
  d->count++;
}

void ics_diags_add(ics_diags *d, const char *file, int line, int column, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ics_diags_vadd(d, file, line, column, fmt, ap);
  va_end(ap);
}

char *ics_diag_format(const ics_diag *diag) {
  ics_buf b = {0};
  if (diag->line > 0)
    ics_buf_printf(&b, "%s:%d:%d: error: %s", diag->file, diag->line, diag->column,
                   diag->message);
  else
    ics_buf_printf(&b, "%s: error: %s", diag->file, diag->message);
  return ics_buf_take(&b);
}

void ics_diags_free(ics_diags *d) {
  for (size_t i = 0; i < d->count; i++) {
    ics_free(d->items[i].file);
    ics_free(d->items[i].message);
  }
  ics_free(d->items);
  d->items = NULL;
  d->count = d->cap = d->dropped = 0;
}
