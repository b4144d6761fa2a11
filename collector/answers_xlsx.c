/* answers_xlsx.c - answers in an Excel workbook (.xlsx, as Excel or LibreOffice saves it): the
 * first worksheet whose row 1 or row 2 holds field names (the template's data sheet comes
 * first, its example and instructions after it), read row by row through xlsx/ and handed to
 * the table layer (answers_table.c) like the rows of a CSV file. */
#include "xlsx_reader.h"

#include "answers_private.h"

typedef struct {
  builder *b;
  table *table;          /* the sheet chosen, once its row 1 or 2 showed field names */
  unsigned sheet;        /* the sheet being looked at */
  bool looking;          /* a sheet is being looked at (its first row kept) */
  table_cell *first;     /* its row 1, until row 2 says whether it is the sheet */
  size_t first_count;
  ics_buf first_text;
  table_cell *cells;     /* a row's cells for the table */
  size_t cap;
  ics_buf sheets;        /* the names of the sheets looked at, for the message */
} xreader;

static table_kind kind_of(ics_xlsx_kind k) {
  switch (k) {
  case ICS_XLSX_NUMBER: return T_NUMBER;
  case ICS_XLSX_BOOLEAN: return T_BOOLEAN;
  case ICS_XLSX_ERROR: return T_ERROR;
  default: return T_STRING;
  }
}

/* The row's cells as the table takes them (pointing into the reader's row). */
static bool convert(xreader *x, const ics_xlsx_cell *cells, size_t n) {
  if (n > x->cap) {
    table_cell *more = ics_realloc(x->cells, n * sizeof *more);
    if (!more) {
      out_of_memory(x->b);
      return false;
    }
    x->cells = more;
    x->cap = n;
  }
  for (size_t i = 0; i < n; i++)
    x->cells[i] = (table_cell){.column = cells[i].column, .kind = kind_of(cells[i].kind),
                               .text = cells[i].text};
  return true;
}

/* Row 1 of the sheet looked at (converted), kept until row 2 is seen. */
static bool keep_first(xreader *x, size_t n) {
  if (cells_copy(x->cells, n, &x->first, &x->first_text)) {
    x->first_count = n;
    return true;
  }
  out_of_memory(x->b);
  return false;
}

static void forget_first(xreader *x) {
  ics_free(x->first);
  x->first = NULL;
  x->first_count = 0;
  x->first_text.len = 0;
}

static bool choose(xreader *x, const ics_xlsx_sheet *sheet) {
  x->table = table_new(x->b, false, sheet->date1904);
  return x->table != NULL;
}

static int on_row(void *ctx, const ics_xlsx_sheet *sheet, unsigned row, const ics_xlsx_cell *cells,
                  size_t n) {
  xreader *x = ctx;
  builder *b = x->b;
  if (x->table) {
    if (sheet->index != x->sheet) return ICS_XLSX_STOP; /* the records are on one sheet */
    if (!convert(x, cells, n)) return ICS_XLSX_STOP;
    return table_row(x->table, row, x->cells, n) ? ICS_XLSX_CONTINUE : ICS_XLSX_STOP;
  }
  if (!x->looking || x->sheet != sheet->index) { /* a new sheet to look at */
    forget_first(x);
    x->looking = true;
    x->sheet = sheet->index;
    ics_buf_printf(&x->sheets, "%s\"%s\"", x->sheets.len ? ", " : "", sheet->name);
  }
  if (!convert(x, cells, n)) return ICS_XLSX_STOP;
  bool names = row <= 2 && cells_name_a_field(b, x->cells, n);
  if (!names) {
    if (row == 1) return keep_first(x, n) ? ICS_XLSX_CONTINUE : ICS_XLSX_STOP;
    forget_first(x); /* neither row 1 nor row 2 holds the field names: not this sheet */
    x->looking = false;
    return ICS_XLSX_NEXT_SHEET;
  }
  if (!choose(x, sheet)) return ICS_XLSX_STOP;
  if (x->first_count && !table_row(x->table, 1, x->first, x->first_count)) return ICS_XLSX_STOP;
  forget_first(x);
  return table_row(x->table, row, x->cells, n) && !b->stop ? ICS_XLSX_CONTINUE : ICS_XLSX_STOP;
}

void read_xlsx(builder *b, const char *path, const void *data, size_t len) {
  xreader x = {.b = b};
  ics_error err = {0};
  int rc = data ? ics_xlsx_read_memory(b->name, data, len, b->lang, on_row, &x, &err)
                : ics_xlsx_read(path, b->lang, on_row, &x, &err);
  if (rc) {
    ics_errors_add(b->diags, &err);
    b->stop = true;
    b->record_failed = true;
  } else if (!x.table && !b->stop) {
    if (x.sheets.failed) out_of_memory(b);
    else fatal(b, 0, 0, A_NO_SHEET, x.sheets.data ? x.sheets.data : "");
  }
  if (x.table) {
    table_end(x.table);
    table_free(x.table);
  }
  forget_first(&x);
  ics_buf_free(&x.first_text);
  ics_buf_free(&x.sheets);
  ics_free(x.cells);
}
