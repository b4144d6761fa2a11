/* answers_table.c - answers in a table, as spreadsheet programs keep them (cli.md, "The
 * spreadsheet path"): rows of cells from a CSV or text file (answers_csv.c) or from an .xlsx
 * worksheet (answers_xlsx.c) become records.
 *
 * The field names are in row 1, or in row 2 under a row of question labels (the template's
 * layout); the labels then name the columns in messages ("row 7, column "Năm sinh""). Values
 * are read as people write them in spreadsheets: choice labels with or without diacritics,
 * codes in any case, day-first dates and date serials, thousands separators, "x" for yes.
 * What had to be guessed is counted per column and said in the summary. An answer to a
 * question that does not apply, given the record's other answers, is dropped with a warning
 * per column: a secretary answers every column. Rows without any value (the commas Excel
 * leaves at the end) are skipped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>

#include "xlsx_reader.h"

#include "answers_private.h"

/* What a value's reading had to guess, counted per column for the summary. */
typedef enum {
  G_LABEL,      /* a choice given by its label, or a code in another case */
  G_THOUSANDS,  /* "1.200" read as 1200 */
  G_DAY_FIRST,  /* "03/04/1980" read as 3 April (both readings were possible) */
  G_MONTH_FIRST, /* "3/15/1980" read as 15 March (as US Excel writes) */
  G_SERIAL,     /* a number in a date column of a text file read as a spreadsheet's date */
  G_MARK,       /* "x" (or 1/0) read as yes (no) */
  G_COUNT
} guess_kind;

/* A serial in a text file is read as a date only from 3000 (1908-03-18): below, digits alone
 * are more likely a year typed into the date's column (1980 would be 1905-06-02). */
enum { EXAMPLE_MAX = 120, MAX_LABEL = 64, MIN_TEXT_SERIAL = 3000 };

typedef struct {
  size_t count;
  char example[EXAMPLE_MAX]; /* the first one: "Nữ" -> female */
} guess;

struct table {
  builder *b;
  bool text_file;            /* CSV or text (else a workbook's sheet) */
  bool date1904;
  unsigned first_row;        /* the first row with a value (0: none yet) */
  table_cell *first;         /* its cells, kept until row 2 says which row is the header */
  size_t first_count;
  ics_buf first_text;
  bool have_header;
  unsigned header_row;
  size_t columns;            /* column_field's length: the header's last column + 1 */
  int *column_field;         /* per column: its field, -1 without a name */
  char **column_label;       /* per column: its heading as shown (labels row, else the name) */
  const char **field_label;  /* per field: the heading of its column (b->column_label) */
  guess *guesses;            /* [field * G_COUNT + kind] */
  size_t *dropped;           /* per field: answers dropped as not applying */
  bool *relevant;
  ics_buf value;             /* a cell's value as read */
};

/* Spaces a spreadsheet leaves around a value, the no-break space (U+00A0) included. */
const char *trim(const char *s, size_t *len) {
  for (;;) {
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0) s += 2;
    else break;
  }
  size_t n = strlen(s);
  for (;;) {
    if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    else if (n >= 2 && (unsigned char)s[n - 2] == 0xC2 && (unsigned char)s[n - 1] == 0xA0) n -= 2;
    else break;
  }
  *len = n;
  return s;
}

static bool cell_blank(const table_cell *c) {
  size_t n;
  trim(c->text, &n);
  return n == 0;
}

/* s[0..len) in NFC (Windows converts Windows-1258 text with its tone marks apart), allocated. */
static char *nfc_dup(const char *s, size_t len) {
  utf8proc_uint8_t *mapped = NULL;
  utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &mapped,
                                    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
  if (n < 0) return n == UTF8PROC_ERROR_NOMEM ? NULL : ics_strndup(s, len);
  char *out = ics_strndup((const char *)mapped, (size_t)n);
  free(mapped); /* utf8proc allocates with malloc */
  return out;
}

/* ---- the header ----------------------------------------------------------------------------- */
bool cells_copy(const table_cell *cells, size_t n, table_cell **out, ics_buf *text) {
  table_cell *copy = ics_calloc(n ? n : 1, sizeof *copy);
  size_t *offsets = ics_calloc(n ? n : 1, sizeof *offsets);
  bool ok = copy && offsets;
  for (size_t i = 0; ok && i < n; i++) {
    offsets[i] = text->len;
    ics_buf_append(text, cells[i].text, strlen(cells[i].text) + 1);
    copy[i] = cells[i];
  }
  ok = ok && !text->failed;
  for (size_t i = 0; ok && i < n; i++) copy[i].text = text->data + offsets[i]; /* moved no more */
  ics_free(offsets);
  if (!ok) {
    ics_free(copy);
    return false;
  }
  *out = copy;
  return true;
}

bool cells_name_a_field(builder *b, const table_cell *cells, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *s = trim(cells[i].text, &len);
    if (len && len <= ICS_NAME_MAX) {
      char name[ICS_NAME_MAX + 1];
      memcpy(name, s, len);
      name[len] = '\0';
      if (find_field(b, name) >= 0) return true;
    }
  }
  return false;
}

static void keep_first(table *t, unsigned row, const table_cell *cells, size_t n) {
  t->first_row = row;
  if (cells_copy(cells, n, &t->first, &t->first_text)) t->first_count = n;
  else out_of_memory(t->b);
}

/* Reports a header problem (message already made): at the cell's place in a text file, or at
 * its row and column in a workbook. */
static void header_problem(table *t, const table_cell *c, unsigned row, ics_code code,
                           const char *name, const char *message) {
  builder *b = t->b;
  if (c->line) {
    report(b, code, (int)c->line, (int)c->col, name, "%s", message);
    return;
  }
  char col[4];
  ics_xlsx_column_name(c->column, col);
  b->row = row;
  b->cell_column = col;
  report(b, code, 0, 0, name, "%s", message);
  b->row = 0;
  b->cell_column = NULL;
}

/* The header: field names in `names` (row `row`), labels in `labels` when the row above holds
 * them. False when the header is wrong (nothing more is read). */
static bool take_header(table *t, unsigned row, const table_cell *names, size_t n,
                        const table_cell *labels, size_t label_count) {
  builder *b = t->b;
  size_t columns = 0;
  for (size_t i = 0; i < n; i++)
    if (names[i].column + 1 > columns) columns = names[i].column + 1;
  for (size_t i = 0; i < label_count; i++)
    if (labels[i].column + 1 > columns) columns = labels[i].column + 1;
  t->columns = columns;
  t->column_field = ics_calloc(columns ? columns : 1, sizeof *t->column_field);
  t->column_label = ics_calloc(columns ? columns : 1, sizeof *t->column_label);
  if (!t->column_field || !t->column_label) {
    out_of_memory(b);
    return false;
  }
  for (size_t i = 0; i < columns; i++) t->column_field[i] = -1;
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *start = trim(names[i].text, &len);
    if (!len) continue; /* a column without a name must stay empty */
    char *name = ics_strndup(start, len);
    if (!name) {
      out_of_memory(b);
      return false;
    }
    int field = find_field(b, name);
    if (field < 0) {
      ics_buf m = {0};
      ics_buf_puts(&m, ics_status_message(ICS_E_UNKNOWN_FIELD, b->lang));
      put_suggestion(b, &m, name);
      if (n == 1 && (strchr(name, ';') || strchr(name, '\t')))
        ics_buf_printf(&m, msg(A_SEPARATOR, b->lang), strchr(name, ';') ? ";" : "\\t");
      if (m.failed) out_of_memory(b);
      else header_problem(t, &names[i], row, ICS_E_UNKNOWN_FIELD, name, m.data);
      ics_buf_free(&m);
      ok = false;
    } else {
      for (size_t j = 0; j < names[i].column; j++)
        if (t->column_field[j] == field) {
          char m[160];
          snprintf(m, sizeof m, msg(A_COLUMN_TWICE, b->lang), j + 1);
          header_problem(t, &names[i], row, ICS_E_INVALID, name, m);
          ok = false;
          field = -1;
          break;
        }
      if (field >= 0) t->column_field[names[i].column] = field;
    }
    t->column_label[names[i].column] = name;
  }
  /* the labels above name the columns as the spreadsheet shows them */
  for (size_t i = 0; i < label_count; i++) {
    size_t len;
    const char *start = trim(labels[i].text, &len);
    if (!len) continue;
    if (len >= 2 && start[len - 1] == '*' && start[len - 2] == ' ') len -= 2; /* "required" */
    if (len > MAX_LABEL) len = ics_utf8_cut(start, MAX_LABEL);
    char *label = nfc_dup(start, len);
    if (!label) {
      out_of_memory(b);
      return false;
    }
    ics_free(t->column_label[labels[i].column]);
    t->column_label[labels[i].column] = label;
  }
  for (size_t i = 0; i < columns; i++)
    if (t->column_field[i] >= 0) t->field_label[t->column_field[i]] = t->column_label[i];
  if (!ok) b->stop = true; /* every record would be wrong the same way */
  t->have_header = true;
  t->header_row = row;
  return ok;
}

/* ---- values as people write them ------------------------------------------------------------ */
static void note_guess(table *t, int field, guess_kind kind, const char *from, const char *to) {
  guess *g = &t->guesses[(size_t)field * G_COUNT + kind];
  if (g->count++ == 0) {
    char shown_from[48];
    size_t n = strlen(from);
    if (n >= sizeof shown_from) n = ics_utf8_cut(from, sizeof shown_from - 4);
    snprintf(shown_from, sizeof shown_from, "%.*s%s", (int)n, from, n < strlen(from) ? "..." : "");
    snprintf(g->example, sizeof g->example, "\"%s\" → %s", shown_from, to);
  }
}

/* A whole number written with thousands separators ("1 200", "1.200", "1,200", no-break
 * spaces): its digits, or false. One separator throughout, groups of three. */
static bool thousands(const char *s, size_t len, ics_buf *out) {
  size_t i = 0;
  if (i < len && (s[i] == '-' || s[i] == '+')) i++;
  size_t digits = 0;
  while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (digits < 1 || digits > 3 || i == len) return false;
  size_t sep_len = (unsigned char)s[i] == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0 ? 2
                   : (unsigned char)s[i] == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                           (unsigned char)s[i + 2] == 0xAF
                       ? 3 /* U+202F, the narrow no-break space */
                   : (s[i] == ' ' || s[i] == '.' || s[i] == ',') ? 1
                                                                 : 0;
  if (!sep_len) return false;
  const char *sep = s + i;
  while (i < len) {
    if (len - i < sep_len + 3 || memcmp(s + i, sep, sep_len)) return false;
    i += sep_len;
    for (int k = 0; k < 3; k++, i++)
      if (s[i] < '0' || s[i] > '9') return false;
  }
  for (size_t k = 0; k < len; k++)
    if ((s[k] >= '0' && s[k] <= '9') || s[k] == '-') ics_buf_putc(out, s[k]);
  return true;
}

/* Days since 1970-01-01 -> the civil date (the proleptic Gregorian calendar). */
static void civil_from_days(long z, int *y, int *m, int *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A spreadsheet's date serial as YYYY-MM-DD: days since 1899-12-30 (Excel counts a 29 February
 * 1900 that never was, so serials before 61 are not dates anyone means), or since 1904-01-01. */
static bool serial_date(const char *text, bool date1904, ics_buf *out) {
  char *end;
  double v = strtod(text, &end);
  if (end == text || *end || !(v >= (date1904 ? 0 : 61)) || v > 2958465) return false;
  long days = (long)floor(v) + (date1904 ? -24107 : -25569); /* to 1970-01-01 */
  int y, m, d;
  civil_from_days(days, &y, &m, &d);
  ics_buf_printf(out, "%04d-%02d-%02d", y, m, d);
  return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool valid_date(int y, int m, int d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
         d <= days[m - 1] + (m == 2 && leap(y));
}

/* "15/03/1980", "15-03-1980", "15.03.1980" (a time after it, as spreadsheets add, ignored):
 * day first as Vietnam writes dates; month first only when the day cannot be first. */
static bool written_date(table *t, int field, const char *s, size_t len, ics_buf *out) {
  int a, b2, y, used = 0;
  char sep1, sep2;
  char text[64];
  if (len >= sizeof text) return false;
  memcpy(text, s, len);
  text[len] = '\0';
  if (sscanf(text, "%2d%c%2d%c%4d%n", &a, &sep1, &b2, &sep2, &y, &used) != 5) return false;
  if (sep1 != sep2 || (sep1 != '/' && sep1 != '-' && sep1 != '.') || y < 1000) return false;
  const char *rest = text + used;
  if (*rest && (*rest != ' ' || strspn(rest + 1, "0123456789:") != strlen(rest + 1))) return false;
  char shown[16];
  if (valid_date(y, b2, a)) {
    ics_buf_printf(out, "%04d-%02d-%02d", y, b2, a);
    snprintf(shown, sizeof shown, "%04d-%02d-%02d", y, b2, a);
    if (a <= 12 && a != b2) note_guess(t, field, G_DAY_FIRST, text, shown);
    return true;
  }
  if (valid_date(y, a, b2)) {
    ics_buf_printf(out, "%04d-%02d-%02d", y, a, b2);
    snprintf(shown, sizeof shown, "%04d-%02d-%02d", y, a, b2);
    note_guess(t, field, G_MONTH_FIRST, text, shown);
    return true;
  }
  return false;
}

/* A number as the cell holds it, for a column of text or codes: whole numbers without ".0"
 * (a code 804 typed into a cell is stored as the number 804). */
static void number_text(const char *text, ics_buf *out) {
  char *end;
  double v = strtod(text, &end);
  if (end != text && !*end && isfinite(v) && fabs(v) < 1e15 && v == floor(v))
    ics_buf_printf(out, "%.0f", v);
  else if (end != text && !*end && isfinite(v))
    ics_buf_printf(out, "%.15g", v);
  else
    ics_buf_puts(out, text);
}

/* Sets the text as it is when ics_record_set takes it. A choice the filter does not offer, or
 * memory running out, is reported here too (no other spelling would do better); any other
 * refusal leaves the field as it was, for another reading of the text. */
static bool set_as_is(table *t, int field, const char *s) {
  builder *b = t->b;
  ics_error why = {0};
  ics_code st = ics_record_set(b->rec, field, s, b->opt->reg, b->lang, &why);
  ics_error_clear(&why);
  if (st == ICS_E_NOT_OFFERED || st == ICS_E_NO_MEMORY) set_text(b, field, s);
  return st == ICS_OK || st == ICS_E_NOT_OFFERED || st == ICS_E_NO_MEMORY;
}

/* The choice a label or another spelling names, among all of the field's choices (a number is
 * never a position in a list here: the spreadsheet shows no numbered list). */
static bool choice_spelling(table *t, int field, const char *s, ics_buf *out) {
  builder *b = t->b;
  const ics_field *f = &b->form->fields[field];
  char *end;
  (void)strtol(s, &end, 10);
  if (end != s && *end == '\0') return false; /* "+2", "07" */
  size_t count = ics_field_choice_count(f, b->opt->reg);
  if (count == 0) return false;
  size_t *all = ics_malloc(count * sizeof *all);
  if (!all) {
    out->failed = true;
    return false;
  }
  for (size_t i = 0; i < count; i++) all[i] = i;
  size_t choice = 0, matches = 0;
  ics_code st = ics_choice_match(f, b->opt->reg, all, count, s, &choice, &matches);
  ics_free(all);
  if (st == ICS_E_NO_MEMORY) out->failed = true;
  if (st != ICS_OK) return false;
  ics_choice c = ics_field_choice_at(f, b->opt->reg, choice);
  ics_buf_puts(out, c.code);
  /* a label as written (what a dropdown puts in the cell) is no guess; another spelling is */
  char *typed = nfc_dup(s, strlen(s));
  if (!typed) out->failed = true;
  else if (strcmp(typed, ics_text_get(c.label, ICS_VI)) && strcmp(typed, ics_text_get(c.label, ICS_EN)) &&
           strcmp(typed, c.code))
    note_guess(t, field, G_LABEL, s, c.code);
  ics_free(typed);
  return true;
}

/* Codes of a select_multiple written as spreadsheets see them: codes or labels separated by
 * commas or semicolons (spaces too, between codes). */
static void set_choices(table *t, int field, const char *s) {
  builder *b = t->b;
  if (set_as_is(t, field, s)) return;
  if (!strpbrk(s, ",;")) { /* one label, spaces and all */
    ics_buf code = {0};
    if (choice_spelling(t, field, s, &code)) set_text(b, field, code.data);
    else if (code.failed) out_of_memory(b);
    else set_text(b, field, s);
    ics_buf_free(&code);
    return;
  }
  ics_buf codes = {0};
  const char *p = s;
  bool ok = true;
  while (*p && ok) {
    size_t n = strcspn(p, ",;");
    char *piece = ics_strndup(p, n);
    size_t len;
    const char *item = piece ? trim(piece, &len) : "";
    if (!piece) codes.failed = true;
    else if (len) {
      char *one = ics_strndup(item, len);
      ics_buf code = {0};
      if (!one) codes.failed = true;
      else if (!choice_spelling(t, field, one, &code) && !code.failed) ics_buf_puts(&code, one);
      if (code.failed) codes.failed = true;
      else {
        if (codes.len) ics_buf_putc(&codes, ' ');
        ics_buf_puts(&codes, code.data);
      }
      ics_buf_free(&code);
      ics_free(one);
    }
    ics_free(piece);
    p += n;
    if (*p) p++;
  }
  if (codes.failed) out_of_memory(b);
  else set_text(b, field, codes.data ? codes.data : "");
  ics_buf_free(&codes);
}

/* One cell's value into its field. */
static void set_cell(table *t, int field, const table_cell *c) {
  builder *b = t->b;
  const ics_field *f = &b->form->fields[field];
  ics_buf *v = &t->value;
  v->len = 0;
  if (v->data) v->data[0] = '\0';
  if (c->kind == T_ERROR) {
    report(b, ICS_E_INVALID, 0, 0, f->name, msg(A_CELL_ERROR, b->lang), c->text);
    b->bad[field] = true;
    return;
  }
  size_t len;
  const char *s = trim(c->text, &len);
  ics_buf_append(v, s, len);
  if (v->failed) {
    out_of_memory(b);
    return;
  }
  if (len == 0) { /* no answer */
    set_text(b, field, NULL);
    return;
  }
  char *text = v->data;
  ics_buf alt = {0};
  /* a workbook's number, for any column but a date's or a yes/no's: as the cell shows it */
  if (c->kind == T_NUMBER && f->type != ICS_DATE && f->type != ICS_BOOLEAN) {
    number_text(text, &alt);
    set_text(b, field, alt.failed ? text : alt.data);
    if (alt.failed) out_of_memory(b);
    ics_buf_free(&alt);
    return;
  }
  switch (f->type) {
  case ICS_BOOLEAN:
    if (c->kind == T_BOOLEAN || c->kind == T_NUMBER) {
      set_text(b, field, strcmp(text, "0") ? "yes" : "no");
      break;
    }
    if (set_as_is(t, field, text)) break;
    {
      char *folded = ics_text_fold(text, true);
      if (!folded) {
        out_of_memory(b);
        break;
      }
      static const char *const yes[] = {"x", "1", "y", "v", "co", "dung", "true", "✓", "✔"};
      static const char *const no[] = {"0", "n", "khong", "sai", "false"};
      const char *to = NULL;
      for (size_t i = 0; i < sizeof yes / sizeof *yes && !to; i++)
        if (!strcmp(folded, yes[i])) to = "yes";
      for (size_t i = 0; i < sizeof no / sizeof *no && !to; i++)
        if (!strcmp(folded, no[i])) to = "no";
      ics_free(folded);
      if (to) {
        note_guess(t, field, G_MARK, text, to);
        set_text(b, field, to);
        break;
      }
    }
    set_text(b, field, text);
    break;
  case ICS_INTEGER:
    /* grouped digits before anything else: "1.000" is a thousand where Vietnam writes it so */
    if (thousands(text, strlen(text), &alt) && !alt.failed) {
      note_guess(t, field, G_THOUSANDS, text, alt.data);
      set_text(b, field, alt.data);
      break;
    }
    set_text(b, field, text);
    break;
  case ICS_DATE:
    if (c->kind == T_NUMBER && serial_date(text, t->date1904, &alt)) {
      set_text(b, field, alt.data);
      break;
    }
    if (c->kind == T_STRING) {
      if (set_as_is(t, field, text)) break;
      if (written_date(t, field, text, strlen(text), &alt)) {
        set_text(b, field, alt.failed ? text : alt.data);
        break;
      }
      /* digits alone in a date column of a text file: a date cell saved as its serial */
      if (text[strspn(text, "0123456789")] == '\0' && strtol(text, NULL, 10) >= MIN_TEXT_SERIAL &&
          serial_date(text, false, &alt) && !alt.failed) {
        note_guess(t, field, G_SERIAL, text, alt.data);
        set_text(b, field, alt.data);
        break;
      }
    }
    set_text(b, field, text);
    break;
  case ICS_SELECT_ONE:
    if (set_as_is(t, field, text)) break;
    set_text(b, field, choice_spelling(t, field, text, &alt) ? alt.data : text);
    break;
  case ICS_SELECT_MULTIPLE:
    set_choices(t, field, text);
    break;
  default: /* text and decimals as they are; notes and calculations refuse a value themselves */
    set_text(b, field, text);
    break;
  }
  if (alt.failed) out_of_memory(b);
  ics_buf_free(&alt);
}

/* ---- records -------------------------------------------------------------------------------- */
static void take_record(table *t, unsigned row, const table_cell *cells, size_t n) {
  builder *b = t->b;
  bool blank_row = true;
  for (size_t i = 0; i < n && blank_row; i++) blank_row = cell_blank(&cells[i]);
  if (blank_row) { /* trailing commas, a row left empty */
    b->row_refused = false;
    return;
  }
  if (!begin_record(b, 0, 0)) return;
  b->row = row;
  bool failed_before = b->row_refused;
  b->row_refused = false;
  /* a text file's row shorter than the header, or longer with values: a value holding the
     separator unquoted, or one left out, has moved the others to the wrong columns */
  bool extra = false;
  for (size_t i = 0; i < n && t->text_file; i++)
    if (cells[i].column >= t->columns && !cell_blank(&cells[i])) extra = true;
  if (extra || (t->text_file && n < t->columns)) {
    report(b, ICS_E_SYNTAX, 0, 0, NULL, msg(A_CELL_COUNT, b->lang), n, t->columns);
    b->row = 0; /* its values are not looked at: they would be wrong in every column */
    return;
  }
  /* the cells' problems wait until relevance says which answers count */
  ics_errors held = {0}, *diags = b->diags;
  b->diags = &held;
  for (size_t i = 0; i < n && !b->stop; i++) {
    const table_cell *c = &cells[i];
    int field = c->column < t->columns ? t->column_field[c->column] : -1;
    if (field < 0) {
      if (cell_blank(c)) continue;
      char col[4];
      ics_xlsx_column_name(c->column, col);
      report(b, ICS_E_INVALID, 0, 0, NULL, msg(A_UNNAMED_COLUMN_AT, b->lang), col);
      continue;
    }
    b->given[field] = true;
    set_cell(t, field, c);
  }
  /* a column of the header without a cell in this row is given empty (a patch clears it) */
  for (size_t i = 0; i < t->columns && !b->stop; i++) {
    int field = t->column_field[i];
    if (field >= 0 && !b->given[field]) {
      b->given[field] = true;
      set_text(b, field, NULL);
    }
  }
  b->diags = diags;
  /* answers to questions that do not apply are dropped, their problems with them; relevance
     may read calculations, which a check (its problems not wanted here) applies first */
  ics_errors scratch = {0};
  ics_record_check(b->rec, b->opt->reg, b->lang, ICS_CHECK_PARTIAL, &scratch);
  ics_errors_free(&scratch);
  ics_record_relevance(b->rec, b->opt->reg, t->relevant);
  size_t fields = b->form->field_count;
  for (size_t f = 0; f < fields; f++)
    if (!t->relevant[f] && b->given[f] && (b->rec->values[f] || b->bad[f])) {
      ics_record_clear(b->rec, (int)f);
      b->bad[f] = false;
      t->dropped[f]++;
    }
  size_t kept = 0;
  for (size_t i = 0; i < held.count; i++) {
    int f = held.items[i].field ? ics_form_field_index(b->form, held.items[i].field) : -1;
    if (f >= 0 && !t->relevant[f]) continue;
    ics_errors_add(diags, &held.items[i]);
    kept++;
  }
  if (held.dropped) {
    diags->dropped += held.dropped;
    diags->no_memory |= held.no_memory;
    kept++;
  }
  ics_errors_free(&held);
  b->record_failed = failed_before || kept > 0 || b->stop;
  end_record(b);
  b->row = 0;
}

/* ---- the table ------------------------------------------------------------------------------ */
table *table_new(builder *b, bool text_file, bool date1904) {
  table *t = ics_calloc(1, sizeof *t);
  size_t n = b->form->field_count;
  if (t) {
    t->b = b;
    t->text_file = text_file;
    t->date1904 = date1904;
    t->field_label = ics_calloc(n, sizeof *t->field_label);
    t->guesses = ics_calloc(n * G_COUNT, sizeof *t->guesses);
    t->dropped = ics_calloc(n, sizeof *t->dropped);
    t->relevant = ics_calloc(n, sizeof *t->relevant);
  }
  if (!t || !t->field_label || !t->guesses || !t->dropped || !t->relevant) {
    table_free(t);
    out_of_memory(b);
    return NULL;
  }
  b->column_label = t->field_label;
  return t;
}

bool table_row(table *t, unsigned row, const table_cell *cells, size_t n) {
  builder *b = t->b;
  if (b->stop) return false;
  if (t->have_header) {
    take_record(t, row, cells, n);
    return !b->stop;
  }
  bool blank_row = true;
  for (size_t i = 0; i < n && blank_row; i++) blank_row = cell_blank(&cells[i]);
  if (blank_row) return true;
  if (!t->first_row) {
    if (cells_name_a_field(t->b, cells, n)) return take_header(t, row, cells, n, NULL, 0);
    keep_first(t, row, cells, n); /* labels above the names, or a header gone wrong */
    return !b->stop;
  }
  /* the second row with values: the names, under the labels; else the first row was meant as
     the header and its names are wrong */
  if (cells_name_a_field(t->b, cells, n)) return take_header(t, row, cells, n, t->first, t->first_count);
  if (take_header(t, t->first_row, t->first, t->first_count, NULL, 0)) take_record(t, row, cells, n);
  return !b->stop;
}

bool table_has_header(const table *t) { return t && t->have_header; }

/* The summary's lines about the file as a whole: guesses and dropped answers, per column. */
static void table_notes(table *t) {
  builder *b = t->b;
  ics_buf *notes = b->opt->notes;
  if (!notes) return;
  static const answers_message what[G_COUNT] = {A_GUESS_LABEL, A_GUESS_THOUSANDS, A_GUESS_DAY_FIRST,
                                                A_GUESS_MONTH_FIRST, A_GUESS_SERIAL, A_GUESS_MARK};
  for (size_t f = 0; f < b->form->field_count; f++) {
    const char *name = b->form->fields[f].name;
    const char *label = t->field_label[f] ? t->field_label[f] : name;
    if (t->dropped[f])
      ics_buf_printf(notes, msg(A_DROPPED, b->lang), b->name, label, name, t->dropped[f]);
    for (int k = 0; k < G_COUNT; k++) {
      const guess *g = &t->guesses[f * G_COUNT + (size_t)k];
      if (g->count)
        ics_buf_printf(notes, msg(what[k], b->lang), b->name, label, name, g->count, g->example);
    }
  }
}

void table_end(table *t) {
  builder *b = t->b;
  if (!b->stop && !t->have_header && t->first_row)
    take_header(t, t->first_row, t->first, t->first_count, NULL, 0);
  if (!b->stop && !t->have_header) fatal(b, 0, 0, A_EMPTY);
  else if (!b->stop && b->record_no == 0 && b->opt->mode != ICS_ANSWERS_PATCH)
    fatal(b, 0, 0, A_NO_RECORDS); /* a patch says it must hold one record */
  table_notes(t);
}

void table_free(table *t) {
  if (!t) return;
  if (t->b) t->b->column_label = NULL;
  for (size_t i = 0; i < t->columns && t->column_label; i++) ics_free(t->column_label[i]);
  ics_free(t->column_label);
  ics_free(t->column_field);
  ics_free(t->field_label);
  ics_free(t->guesses);
  ics_free(t->dropped);
  ics_free(t->relevant);
  ics_free(t->first);
  ics_buf_free(&t->first_text);
  ics_buf_free(&t->value);
  ics_free(t);
}
