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

  char sep;           /* ',', ';' or tab: found in the first rows */
  bool sep_known;
  unsigned row_no;    /* rows so far, as a spreadsheet shows them (blank ones too) */
  unsigned rows_seen; /* rows with something in them: the header is among the first two */
  table *table;
  table_cell *tcells;
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
  if (c->cells < ICS_ANSWERS_MAX_COLUMNS) {
    ics_buf_putc(&c->row, '\0');
    c->cell_off[c->cells] = c->cell_start;
  }
  c->cells++;
  if (c->cells > ICS_ANSWERS_MAX_COLUMNS) {
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

/* The row's cells to the table; a row of the header's place keeps where its cells start. */
static bool csv_table_row(creader *c, unsigned row) {
  bool placed = c->rows_seen < 2;
  for (size_t i = 0; i < c->cells; i++)
    c->tcells[i] = (table_cell){.column = (unsigned)i, .kind = T_STRING,
                                .text = c->row.data + c->cell_off[i],
                                .line = placed ? c->cell_line[i] : 0,
                                .col = placed ? c->cell_col[i] : 0};
  c->rows_seen++;
  return table_row(c->table, row, c->tcells, c->cells);
}

/* The end of a row (at a line break or the end of the file). */
static bool csv_end_row(creader *c) {
  bool ok = true;
  unsigned row = ++c->row_no;
  if (!c->row_empty) { /* blank lines are rows of nothing */
    if (!csv_end_cell(c)) return false;
    ok = csv_table_row(c, row);
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
    bool header = table_has_header(c->table);
    if (header) b->record_no++; /* the record this row will be */
    report(b, ICS_E_SYNTAX, (int)c->line, (int)csv_col(c, i), NULL, "%s", msg(A_BAD_QUOTE, b->lang));
    b->record_no = saved;
    if (!header) b->stop = true;
    else b->row_refused = true;
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
      if (c->rows_seen < 2 && c->cells < ICS_ANSWERS_MAX_COLUMNS) {
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
      while (i < n && p[i] != c->sep && p[i] != '"' && p[i] != '\r' && p[i] != '\n') i++;
      if (i > start) {
        ics_buf_append(&c->row, (const char *)p + start, i - start);
        c->row_empty = false;
      }
      if (i == n) break;
      ch = p[i];
      if (ch == c->sep) {
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
        if (ch != c->sep && ch != '\r' && ch != '\n' && !csv_bad_quote(c, i)) return false;
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

/* ---- the separator ------------------------------------------------------------------------
 * Excel writes its list separator: a comma, or a semicolon where the decimal mark is a comma;
 * "Unicode text" is separated by tabs. The one that makes the most field names of the first
 * two rows (names may be under a row of labels) wins; then the one that makes the most cells. */
static size_t names_in_line(builder *b, const unsigned char *p, size_t n, char sep, size_t *cells) {
  size_t names = 0, start = 0;
  bool quoted = false;
  *cells = 1;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && p[i] == '"') quoted = !quoted;
    if (i < n && (quoted || p[i] != sep)) continue;
    size_t a = start, z = i;
    while (a < z && (p[a] == ' ' || p[a] == '"')) a++;
    while (z > a && (p[z - 1] == ' ' || p[z - 1] == '"')) z--;
    char name[ICS_NAME_MAX + 1];
    if (z - a <= ICS_NAME_MAX) {
      memcpy(name, p + a, z - a);
      name[z - a] = '\0';
      if (find_field(b, name) >= 0) names++;
    }
    if (i < n) (*cells)++;
    start = i + 1;
  }
  return names;
}

static char find_separator(builder *b, const unsigned char *p, size_t n) {
  static const char seps[] = {',', ';', '\t'};
  size_t lines[2][2] = {{0, 0}, {0, 0}}; /* the first two lines with something: start, length */
  size_t found = 0, i = 0;
  while (i < n && found < 2) {
    size_t start = i;
    bool quoted = false;
    while (i < n && (quoted || (p[i] != '\n' && p[i] != '\r'))) {
      if (p[i] == '"') quoted = !quoted;
      i++;
    }
    if (i > start) {
      lines[found][0] = start;
      lines[found][1] = i - start;
      found++;
    }
    while (i < n && (p[i] == '\n' || p[i] == '\r')) i++;
  }
  char best = ',';
  size_t best_names = 0, best_cells = 0;
  for (size_t k = 0; k < sizeof seps; k++) {
    size_t names = 0, cells = 0, first_cells = 0;
    for (size_t l = 0; l < found; l++) {
      names += names_in_line(b, p + lines[l][0], lines[l][1], seps[k], &cells);
      if (l == 0) first_cells = cells;
    }
    if (names > best_names || (names == best_names && first_cells > best_cells)) {
      best = seps[k];
      best_names = names;
      best_cells = first_cells;
    }
  }
  return best;
}

void read_csv(builder *b, source *src) {
  creader *c = ics_calloc(1, sizeof *c);
  unsigned char *buf = ics_malloc(CSV_CHUNK);
  if (c) {
    c->cell_off = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_off);
    c->cell_line = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_line);
    c->cell_col = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_col);
  }
  if (c) {
    c->tcells = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->tcells);
    c->table = table_new(b, true, false); /* says when memory ran out */
  }
  if (!c || !buf || !c->cell_off || !c->cell_line || !c->cell_col || !c->tcells || !c->table) {
    if (!c || c->table) out_of_memory(b);
  } else {
    c->b = b;
    c->line = 1;
    c->row_empty = true;
    c->sep = ',';
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
    if (!c->sep_known) {
      c->sep = find_separator(b, buf, n);
      c->sep_known = true;
    }
    if (!csv_chunk(c, buf, n)) break;
  }
  if (c && c->table) {
    if (!b->stop && src->encoding_guessed && b->opt->notes)
      ics_buf_printf(b->opt->notes, msg(A_GUESS_ENCODING, b->lang), b->name,
                     ics_encoding_name(src->encoding));
    table_end(c->table);
    table_free(c->table);
  }
  if (c) {
    ics_buf_free(&c->row);
    ics_free(c->cell_off);
    ics_free(c->cell_line);
    ics_free(c->cell_col);
    ics_free(c->tcells);
  }
  ics_free(c);
  ics_free(buf);
}
