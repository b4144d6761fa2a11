/* answers_csv.c - answers files in CSV (RFC 4180), read through a small state machine, one
 * chunk of validated bytes at a time. */
#include "answers_private.h"

/* ---- CSV ---------------------------------------------------------------------------------
 * RFC 4180 with the usual leniencies: LF or CR LF (or CR) line breaks, blank lines skipped,
 * a last line without a break. Positions (for the header and quoting problems) are worked out
 * only when needed, so that a line is never scanned twice per cell. */
enum { CSV_CHUNK = 65536 };

typedef enum { C_FIELD_START, C_UNQUOTED, C_QUOTED, C_QUOTE_SEEN } csv_state;

typedef struct {
  builder *b;
  csv_state state;
  bool skip_lf;       /* drop a LF right after a CR */
  bool row_empty;     /* nothing of the current row seen yet */
  bool row_bad_quote; /* a quote problem in this row was reported */

  /* the position of the next byte: its line, and its column from the current line's start */
  long line;
  long carry_cols;    /* characters of the current line in earlier chunks */
  size_t line_start;  /* where the current line began in the chunk (0: in an earlier one) */
  const unsigned char *chunk;

  /* the quoted value being read: where it began (the column is found when needed) */
  long quote_line, quote_col;   /* quote_col 0: not worked out yet */
  long quote_carry;
  size_t quote_line_start, quote_index;

  ics_buf row;        /* the cells of the row, each NUL-terminated */
  size_t *cell_off;   /* where each stored cell begins in row */
  long *cell_line, *cell_col; /* the header's: where each cell begins */
  size_t cells;       /* cells of the row so far (stored or not) */
  size_t cell_start;  /* where the current cell began in row */

  bool have_header;
  size_t columns;     /* of the header */
  int *column_field;  /* per column: its field, -1 for a column without a name */
} creader;

static long count_chars(const unsigned char *p, size_t from, size_t to) {
  return (long)ics_utf8_count((const char *)p + from, to - from);
}

/* The 1-based column of byte i of the chunk, on the current line. */
static long csv_col(const creader *c, size_t i) {
  return c->carry_cols + 1 + count_chars(c->chunk, c->line_start, i);
}

static long quote_col(creader *c) {
  if (!c->quote_col)
    c->quote_col = c->quote_carry + 1 + count_chars(c->chunk, c->quote_line_start, c->quote_index);
  return c->quote_col;
}

/* Stores the current cell; false on a limit. */
static bool csv_end_cell(creader *c) {
  builder *b = c->b;
  size_t limit = c->have_header ? c->columns + 1 : ICS_ANSWERS_MAX_COLUMNS;
  if (c->cells < limit) {
    ics_buf_putc(&c->row, '\0');
    c->cell_off[c->cells] = c->cell_start;
  }
  c->cells++;
  if (!c->have_header && c->cells > ICS_ANSWERS_MAX_COLUMNS) {
    fatal(b, (int)c->line, 1, A_TOO_MANY_COLUMNS, ICS_ANSWERS_MAX_COLUMNS);
    return false;
  }
  if (c->row.failed) {
    out_of_memory(b);
    return false;
  }
  c->cell_start = c->row.len;
  return true;
}

static bool csv_header(creader *c) {
  builder *b = c->b;
  c->columns = c->cells;
  c->column_field = ics_calloc(c->columns, sizeof *c->column_field);
  if (!c->column_field) {
    out_of_memory(b);
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < c->columns; i++) {
    char *name = c->row.data + c->cell_off[i];
    /* spaces around a name are a spreadsheet's, not the user's */
    name += strspn(name, " \t");
    size_t len = strlen(name);
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t')) name[--len] = '\0';
    c->column_field[i] = -1;
    if (!len) continue; /* a column without a name must stay empty (see csv_record) */
    int line = (int)c->cell_line[i], col = (int)c->cell_col[i];
    int field = find_field(b, name);
    if (field < 0) {
      ics_buf m = {0};
      ics_buf_puts(&m, ics_status_message(ICS_E_UNKNOWN_FIELD, b->lang));
      put_suggestion(b, &m, name);
      if (c->columns == 1 && (strchr(name, ';') || strchr(name, '\t')))
        ics_buf_printf(&m, msg(A_SEPARATOR, b->lang), strchr(name, ';') ? ";" : "\\t");
      if (m.failed) out_of_memory(b); /* not a mistake in the file */
      else report(b, ICS_E_UNKNOWN_FIELD, line, col, name, "%s", m.data);
      ics_buf_free(&m);
      ok = false;
      continue;
    }
    for (size_t j = 0; j < i; j++)
      if (c->column_field[j] == field) {
        report(b, ICS_E_INVALID, line, col, name, msg(A_COLUMN_TWICE, b->lang), j + 1);
        ok = false;
        break;
      }
    c->column_field[i] = field;
  }
  /* with a column misnamed every record would be wrong the same way: stop at the header */
  if (!ok) b->stop = true;
  c->have_header = true;
  return ok;
}

static bool csv_record(creader *c) {
  builder *b = c->b;
  if (!begin_record(b, 0, 0)) return false;
  if (c->row_bad_quote) b->record_failed = true;
  if (c->cells != c->columns) {
    report(b, ICS_E_SYNTAX, 0, 0, NULL, msg(A_CELL_COUNT, b->lang), c->cells, c->columns);
    return !b->stop;
  }
  for (size_t i = 0; i < c->columns && !b->stop; i++) {
    const char *text = c->row.data + c->cell_off[i];
    int field = c->column_field[i];
    if (field < 0) {
      if (!blank(text)) report(b, ICS_E_INVALID, 0, 0, NULL, msg(A_UNNAMED_COLUMN, b->lang), i + 1);
      continue;
    }
    b->given[field] = true;
    set_text(b, field, text);
  }
  end_record(b);
  return !b->stop;
}

/* The end of a row (at a line break or the end of the file). */
static bool csv_end_row(creader *c) {
  bool ok = true;
  if (!c->row_empty) { /* blank lines are skipped */
    if (!csv_end_cell(c)) return false;
    ok = c->have_header ? csv_record(c) : csv_header(c);
  }
  c->row.len = 0;
  if (c->row.data) c->row.data[0] = '\0';
  c->cells = 0;
  c->cell_start = 0;
  c->row_empty = true;
  c->row_bad_quote = false;
  c->state = C_FIELD_START;
  return ok && !c->b->stop;
}

/* A quote where RFC 4180 allows none: reported once per row; the row is refused (the header:
 * the file is). */
static bool csv_bad_quote(creader *c, size_t i) {
  builder *b = c->b;
  if (!c->row_bad_quote) {
    size_t saved = b->record_no;
    if (c->have_header) b->record_no++; /* the record this row will be */
    report(b, ICS_E_SYNTAX, (int)c->line, (int)csv_col(c, i), NULL, "%s", msg(A_BAD_QUOTE, b->lang));
    b->record_no = saved;
    if (!c->have_header) b->stop = true;
  }
  c->row_bad_quote = true;
  return !b->stop;
}

static void csv_newline(creader *c, size_t next) {
  c->line++;
  c->line_start = next;
  c->carry_cols = 0;
}

/* Parses one chunk of validated bytes. */
static bool csv_chunk(creader *c, const unsigned char *p, size_t n) {
  builder *b = c->b;
  c->chunk = p;
  c->line_start = 0;
  c->quote_line_start = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char ch = p[i];
    if (c->skip_lf) {
      c->skip_lf = false;
      if (ch == '\n') {
        i++;
        continue; /* the line was counted at the CR */
      }
    }
    if (c->state == C_FIELD_START) {
      if (!c->have_header) {
        c->cell_line[c->cells] = c->line;
        c->cell_col[c->cells] = csv_col(c, i);
      }
      if (ch == '"') {
        c->row_empty = false;
        c->quote_line = c->line;
        c->quote_col = 0;
        c->quote_carry = c->carry_cols;
        c->quote_line_start = c->line_start;
        c->quote_index = i;
        c->state = C_QUOTED;
        i++;
        continue;
      }
      c->state = C_UNQUOTED;
    }
    switch (c->state) {
    case C_FIELD_START: /* left above */
    case C_UNQUOTED: {
      size_t start = i;
      while (i < n && p[i] != ',' && p[i] != '"' && p[i] != '\r' && p[i] != '\n') i++;
      if (i > start) {
        ics_buf_append(&c->row, (const char *)p + start, i - start);
        c->row_empty = false;
      }
      if (i == n) break;
      ch = p[i];
      if (ch == ',') {
        c->row_empty = false;
        if (!csv_end_cell(c)) return false;
        c->state = C_FIELD_START;
        i++;
      } else if (ch == '"') {
        c->row_empty = false;
        if (!csv_bad_quote(c, i)) return false;
        ics_buf_putc(&c->row, '"');
        i++;
      } else { /* a line break ends the row */
        c->skip_lf = ch == '\r';
        i++;
        csv_newline(c, i);
        if (!csv_end_row(c)) return false;
      }
      break;
    }
    case C_QUOTED: {
      size_t start = i;
      while (i < n && p[i] != '"' && p[i] != '\r' && p[i] != '\n') i++;
      ics_buf_append(&c->row, (const char *)p + start, i - start);
      if (i == n) break;
      ch = p[i++];
      if (ch == '"') {
        c->state = C_QUOTE_SEEN;
      } else { /* CR LF, CR or LF inside quotes: one LF, as text answers store it */
        ics_buf_putc(&c->row, '\n');
        c->skip_lf = ch == '\r';
        quote_col(c); /* before the line it is on is left behind */
        csv_newline(c, i);
      }
      break;
    }
    case C_QUOTE_SEEN:
      if (ch == '"') { /* "" inside quotes */
        ics_buf_putc(&c->row, '"');
        c->state = C_QUOTED;
        i++;
      } else {
        /* the value ended: a separator or line break comes next, anything else is wrong */
        if (ch != ',' && ch != '\r' && ch != '\n' && !csv_bad_quote(c, i)) return false;
        c->state = C_UNQUOTED;
      }
      break;
    }
    if (c->row.len - c->cell_start > ICS_ANSWERS_MAX_VALUE) {
      bool quoted = c->state == C_QUOTED || c->state == C_QUOTE_SEEN;
      fatal(b, (int)(quoted ? c->quote_line : c->line), (int)(quoted ? quote_col(c) : 1),
            A_VALUE_TOO_LONG, ICS_ANSWERS_MAX_VALUE);
      return false;
    }
    if (c->row.len > ICS_ANSWERS_MAX_ROW) {
      fatal(b, (int)c->line, 1, A_ROW_TOO_LONG, ICS_ANSWERS_MAX_ROW);
      return false;
    }
    if (c->row.failed) {
      out_of_memory(b);
      return false;
    }
  }
  /* what this chunk knows of positions, before it is gone */
  if (c->state == C_QUOTED || c->state == C_QUOTE_SEEN) quote_col(c);
  c->carry_cols = csv_col(c, n) - 1;
  c->line_start = n;
  return true;
}

void read_csv(builder *b, source *src) {
  creader *c = ics_calloc(1, sizeof *c);
  unsigned char *buf = ics_malloc(CSV_CHUNK);
  if (c) {
    c->cell_off = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_off);
    c->cell_line = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_line);
    c->cell_col = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_col);
  }
  if (!c || !buf || !c->cell_off || !c->cell_line || !c->cell_col) out_of_memory(b);
  else {
    c->b = b;
    c->line = 1;
    c->row_empty = true;
  }
  while (!b->stop) {
    size_t n = src_read(src, buf, CSV_CHUNK);
    if (src->failed) {
      src_report(src, b->name, b->lang, b->diags);
      b->stop = true;
      break;
    }
    if (n == 0) { /* the end */
      if (c->state == C_QUOTED) {
        fatal(b, (int)c->quote_line, (int)c->quote_col, A_UNTERMINATED);
        break;
      }
      if (!c->row_empty) csv_end_row(c);
      break;
    }
    if (!csv_chunk(c, buf, n)) break;
  }
  if (!b->stop && !c->have_header) fatal(b, 0, 0, A_EMPTY);
  else if (!b->stop && b->record_no == 0 && b->opt->mode != ICS_ANSWERS_PATCH)
    fatal(b, 0, 0, A_NO_RECORDS); /* a patch says it must hold one record */
  if (c) {
    ics_buf_free(&c->row);
    ics_free(c->cell_off);
    ics_free(c->cell_line);
    ics_free(c->cell_col);
    ics_free(c->column_field);
  }
  ics_free(c);
  ics_free(buf);
}
