/* template.c - the data-entry template of a form (docs/cli.md, "collect template"): a workbook
 * a school secretary fills in Excel or LibreOffice and the surveyor imports with
 * `collect fill --answers FILE.xlsx`. Sheets, in order:
 *   1. the data, named after the form's title: row 1 the question labels (required ones
 *      marked " *"), row 2 the field names (what the importer reads), records from row 3;
 *      frozen above row 3 and right of column A; on rows 3 to 2 + ICS_TEMPLATE_ROWS of every
 *      column a data validation: its hint as the input message, and what Excel can check of
 *      the field (a list of the choices' labels, whole numbers or decimals within the
 *      constraint's bounds, dates, text lengths, Có/Không);
 *   2. Hướng dẫn / Instructions: the steps, then one row per column;
 *   3. Ví dụ / Example: the same two header rows over one valid record;
 *   4. Danh mục / Code lists: every choice list (code, label, label in the other language),
 *      each a defined name the dropdowns use, and the tables of dependent dropdowns; protected
 *      (without password) against accidental edits;
 *   5. ictsurvey (hidden): what the template was made for, as key and value rows (form,
 *      version, hash, round, language, rows): the same as the custom document properties.
 * Calculated fields and notes have no column: they are not answered. Everything is written
 * with the checked calls of xlsx_book.h, and the whole workbook by work run apart. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "xlsx_book.h"

enum {
  FIRST_DATA_ROW = 2, /* 0-based: row 3 */
  TITLE_MAX = 32,     /* Excel's limit on an input or error message's title (UTF-16 units) */
  MESSAGE_MAX = 255,  /* ... and on its text */
  FORMULA_MAX = 255,  /* on a validation's formula */
  SHEET_NAME_MAX = 31,
  MAX_CONTROLS = 4,   /* questions a dependent dropdown's key may join */
  MAX_DEPENDENT_ROWS = 100000, /* rows of one dependent dropdown's table */
  TEMPLATE_FORMAT = 1, /* the layout's version, kept in the file for the importer */
};

/* One column of the data sheet: a field that is answered. */
typedef struct {
  const ics_field *f;
  int field;           /* its index in the form */
  lxw_col_t col;
  char letter[8];      /* the column's letters, e.g. "C" */
  int list;            /* index into tpl.lists (select fields), else -1 */
  int dependent;       /* index into tpl.deps, else -1 */
  ics_bounds bounds;   /* of its constraint */
} column;

/* A choice list on the code-list sheet, with the defined name its dropdowns use. */
typedef struct {
  const ics_field *f;  /* the first field that uses it */
  char name[80];       /* the defined name, e.g. "list_gender" */
  lxw_row_t first;     /* the row of its first item (0-based) */
  size_t count;
} code_list;

/* A dependent dropdown: for every combination of the answers of the questions its
 * choice_filter reads (controls), the choices it offers, as rows of key and label. */
typedef struct {
  int column;                   /* the filtered column */
  int controls[MAX_CONTROLS];   /* columns whose labels, joined by '|', make the key */
  size_t control_count;
  lxw_row_t first;              /* its table's first row on the code-list sheet */
  size_t rows;
  char keys[80], labels[80];    /* the defined names of its two columns */
} dependent;

typedef struct {
  xl_book xl;
  const ics_template_options *o;
  const ics_form *form;
  const ics_register *reg;
  column *cols;
  size_t col_count;
  code_list *lists;
  size_t list_count;
  dependent *deps;
  size_t dep_count;
  ics_record *example;
  char data_name[4 * SHEET_NAME_MAX + 1]; /* the data sheet's name */
  char lists_ref[4 * SHEET_NAME_MAX + 8]; /* the code-list sheet's name as formulas quote it */
  lxw_format *label, *label_required, *name, *text, *integer, *decimal, *date, *title, *bold,
      *wrap, *head, *small;
} tpl;

#define T(t, vi, en) ((t)->o->lang == ICS_EN ? (en) : (vi))

/* ASCII letters compared without case, as Excel compares names. */
static int name_cmp(const char *a, const char *b) {
  for (;; a++, b++) {
    int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a, y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
    if (x != y || !x) return x - y;
  }
}

static bool failed(const tpl *t) { return xl_failed(&t->xl); }

static void no_memory(tpl *t) {
  if (!failed(t)) ics_error_no_memory(t->xl.err, t->o->lang);
}

static int put(tpl *t, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f) {
  return xl_put_string(&t->xl, ws, r, c, s, f);
}

/* ---- texts cut to Excel's limits ------------------------------------------------------------ */
/* The UTF-16 units of the UTF-8 character at s (Excel counts those). */
static size_t units_of(const char *s, size_t *bytes) {
  size_t n = ics_utf8_char(s, strlen(s));
  if (!n) n = 1; /* not UTF-8: a byte is a character (definitions are checked, so never) */
  *bytes = n;
  return n == 4 ? 2 : 1;
}

static size_t text_units(const char *s) {
  size_t units = 0, n;
  while (*s) {
    units += units_of(s, &n);
    s += n;
  }
  return units;
}

/* s cut to at most max UTF-16 units at a character boundary, at a space when one is near,
 * with "…" when something was cut; into out[0..cap). */
static void cut_text(const char *s, size_t max, char *out, size_t cap) {
  if (text_units(s) <= max) {
    snprintf(out, cap, "%s", s);
    return;
  }
  size_t units = 0, at = 0, space = 0, n;
  while (s[at]) {
    size_t u = units_of(s + at, &n);
    if (units + u > max - 1 || at + n + 4 > cap) break; /* room for "…" */
    if (s[at] == ' ') space = at;
    units += u;
    at += n;
  }
  if (space > at / 2) at = space;
  while (at > 0 && (s[at - 1] == ' ' || s[at - 1] == ',')) at--;
  snprintf(out, cap, "%.*s…", (int)at, s);
}

/* ---- the columns, the code lists and the dependent dropdowns ----------------------------- */
static bool answered(const ics_field *f) { return f->type != ICS_NOTE && f->type != ICS_CALCULATE; }

static int column_of_field(const tpl *t, int field) {
  for (size_t i = 0; i < t->col_count; i++)
    if (t->cols[i].field == field) return (int)i;
  return -1;
}

/* The list a select field shows, by its items: fields showing the same list share one. */
static bool same_list(const tpl *t, const ics_field *a, const ics_field *b) {
  if (a->choices == b->choices) return true;
  if (a->choices->source != b->choices->source) return false;
  if (a->choices->source != ICS_CHOICES_FORM) return true; /* the register's districts, agencies */
  size_t n = ics_field_choice_count(a, t->reg);
  if (n != ics_field_choice_count(b, t->reg)) return false;
  for (size_t i = 0; i < n; i++) {
    ics_choice x = ics_field_choice_at(a, t->reg, i), y = ics_field_choice_at(b, t->reg, i);
    if (strcmp(x.code, y.code) || strcmp(ics_text_get(x.label, t->o->lang), ics_text_get(y.label, t->o->lang)))
      return false;
  }
  return true;
}

/* A defined name from a list's or a field's name: letters, digits and '_' only ("list_x"),
 * unique among the lists (Excel's names ignore case). */
static void list_name(const tpl *t, const ics_field *f, char *out, size_t cap) {
  const char *base = f->choices->source == ICS_CHOICES_DISTRICTS ? "districts"
                     : f->choices->source == ICS_CHOICES_AGENCIES ? "agencies"
                     : *f->choices->name ? f->choices->name : f->name;
  for (int k = 1;; k++) {
    if (k == 1) snprintf(out, cap, "list_%s", base);
    else snprintf(out, cap, "list_%s_%d", base, k);
    bool taken = false;
    for (size_t i = 0; i < t->list_count; i++) taken |= !name_cmp(t->lists[i].name, out);
    if (!taken) return;
  }
}

static int make_columns(tpl *t) {
  const ics_form *form = t->form;
  t->cols = ics_calloc(form->field_count + 1, sizeof *t->cols);
  t->lists = ics_calloc(form->field_count + 1, sizeof *t->lists);
  t->deps = ics_calloc(form->field_count + 1, sizeof *t->deps);
  if (!t->cols || !t->lists || !t->deps) {
    no_memory(t);
    return -1;
  }
  for (size_t i = 0; i < form->field_count; i++) {
    const ics_field *f = &form->fields[i];
    if (!answered(f)) continue;
    column *c = &t->cols[t->col_count];
    *c = (column){.f = f, .field = (int)i, .col = (lxw_col_t)t->col_count, .list = -1, .dependent = -1};
    lxw_col_to_name(c->letter, c->col, 0);
    ics_expr_bounds(f->constraint, (int)i, &c->bounds);
    if (f->type == ICS_SELECT_ONE || f->type == ICS_SELECT_MULTIPLE) {
      for (size_t l = 0; l < t->list_count && c->list < 0; l++)
        if (same_list(t, t->lists[l].f, f)) c->list = (int)l;
      if (c->list < 0) {
        code_list *l = &t->lists[t->list_count];
        l->f = f;
        list_name(t, f, l->name, sizeof l->name);
        l->count = ics_field_choice_count(f, t->reg);
        c->list = (int)t->list_count++;
      }
    }
    t->col_count++;
  }
  return 0;
}

typedef struct {
  const tpl *t;
  int controls[MAX_CONTROLS];
  size_t count;
  bool usable;
} control_scan;

static void add_control(void *ctx, int field) {
  control_scan *s = ctx;
  for (size_t i = 0; i < s->count; i++)
    if (s->controls[i] == field) return;
  int col = column_of_field(s->t, field);
  if (col < 0 || s->t->cols[col].f->type != ICS_SELECT_ONE || s->count == MAX_CONTROLS) {
    s->usable = false;
    return;
  }
  s->controls[s->count++] = field;
}

static int by_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* The dependent dropdowns: a select_one column whose choice_filter reads only select_one
 * answers (at most MAX_CONTROLS questions, of at most ICS_TEMPLATE_MAX_COMBINATIONS
 * combinations). Its table is worked out by ics_record_choice_offered on a scratch record
 * holding each combination; combinations that offer nothing are left out (the whole list is
 * shown then, as when the controlling cells are empty). */
static void plan_dependents(tpl *t) {
  for (size_t i = 0; i < t->col_count; i++) {
    column *c = &t->cols[i];
    if (c->f->type != ICS_SELECT_ONE || !c->f->choice_filter) continue;
    control_scan s = {.t = t, .usable = true};
    ics_expr_fields(c->f->choice_filter, add_control, &s);
    if (!s.usable || !s.count) continue;
    qsort(s.controls, s.count, sizeof *s.controls, by_int); /* the form's order */
    size_t combinations = 1;
    for (size_t k = 0; k < s.count && combinations <= ICS_TEMPLATE_MAX_COMBINATIONS; k++)
      combinations *= ics_field_choice_count(&t->form->fields[s.controls[k]], t->reg);
    if (!combinations || combinations > ICS_TEMPLATE_MAX_COMBINATIONS) continue;
    dependent *d = &t->deps[t->dep_count];
    *d = (dependent){.column = (int)i, .control_count = s.count};
    for (size_t k = 0; k < s.count; k++) d->controls[k] = column_of_field(t, s.controls[k]);
    snprintf(d->keys, sizeof d->keys, "dep_%s_keys", c->f->name);
    snprintf(d->labels, sizeof d->labels, "dep_%s_labels", c->f->name);
    c->dependent = (int)t->dep_count++;
  }
}

/* Calls row(ctx, key, label) for every row of a dependent dropdown's table, in order: the
 * combinations (the first control's choices slowest), then the choices offered. -1 when
 * memory ran out. */
static int dependent_rows(tpl *t, const dependent *d, void (*row)(tpl *, const char *, const char *, void *),
                          void *ctx, size_t *count) {
  const column *c = &t->cols[d->column];
  ics_record *rec = ics_record_new(t->form);
  if (!rec) return -1;
  size_t idx[MAX_CONTROLS] = {0}, n[MAX_CONTROLS];
  for (size_t k = 0; k < d->control_count; k++) n[k] = ics_field_choice_count(t->cols[d->controls[k]].f, t->reg);
  size_t choices = ics_field_choice_count(c->f, t->reg);
  *count = 0;
  int rc = 0;
  for (;;) {
    ics_buf key = {0};
    for (size_t k = 0; k < d->control_count; k++) {
      const column *ctl = &t->cols[d->controls[k]];
      ics_choice ch = ics_field_choice_at(ctl->f, t->reg, idx[k]);
      ics_free(rec->values[ctl->field]);
      rec->values[ctl->field] = ics_strdup(ch.code);
      if (!rec->values[ctl->field]) key.failed = true;
      ics_buf_printf(&key, "%s%s", k ? "|" : "", ics_text_get(ch.label, t->o->lang));
    }
    if (key.failed) rc = -1;
    for (size_t i = 0; !rc && i < choices && *count < MAX_DEPENDENT_ROWS; i++) {
      if (!ics_record_choice_offered(rec, c->field, t->reg, i)) continue;
      if (row) row(t, key.data, ics_text_get(ics_field_choice_at(c->f, t->reg, i).label, t->o->lang), ctx);
      ++*count;
    }
    ics_buf_free(&key);
    size_t k = d->control_count;
    while (k > 0 && ++idx[k - 1] == n[k - 1]) idx[--k] = 0;
    if (k == 0 || rc) break;
  }
  ics_record_free(rec);
  return rc;
}

/* ---- formats ------------------------------------------------------------------------------- */
static lxw_format *fmt(tpl *t, const char *num, bool bold, bool wrap) {
  lxw_format *f = xl_add_format(&t->xl);
  if (!f) return NULL;
  format_set_font_name(f, "Arial");
  format_set_font_size(f, 10);
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  if (num) format_set_num_format(f, num);
  if (bold) format_set_bold(f);
  if (wrap) format_set_text_wrap(f);
  return f;
}

static int make_formats(tpl *t) {
  if ((t->label = fmt(t, NULL, true, true))) {
    format_set_bg_color(t->label, 0xDDEBF7);
    format_set_border(t->label, LXW_BORDER_THIN);
  }
  if ((t->label_required = fmt(t, NULL, true, true))) {
    format_set_bg_color(t->label_required, 0xFCE4D6);
    format_set_border(t->label_required, LXW_BORDER_THIN);
  }
  if ((t->name = fmt(t, NULL, false, false))) {
    format_set_font_size(t->name, 8);
    format_set_font_color(t->name, 0x808080);
    format_set_bg_color(t->name, 0xF2F2F2);
    format_set_border(t->name, LXW_BORDER_THIN);
  }
  t->text = fmt(t, "@", false, false);
  t->integer = fmt(t, "0", false, false);
  t->decimal = fmt(t, "General", false, false);
  t->date = fmt(t, "dd/mm/yyyy", false, false);
  if ((t->title = fmt(t, NULL, true, false))) format_set_font_size(t->title, 14);
  t->bold = fmt(t, NULL, true, false);
  t->wrap = fmt(t, NULL, false, true);
  if ((t->head = fmt(t, NULL, true, true))) {
    format_set_bg_color(t->head, 0xDDEBF7);
    format_set_border(t->head, LXW_BORDER_THIN);
  }
  if ((t->small = fmt(t, NULL, false, true))) format_set_font_color(t->small, 0x595959);
  return failed(t) ? -1 : 0;
}

static lxw_format *cell_format(const tpl *t, const column *c) {
  switch (c->f->type) {
  case ICS_INTEGER: return t->integer;
  case ICS_DECIMAL: return t->decimal;
  case ICS_DATE: return t->date;
  default: return t->text; /* text: "0123" keeps its zero; choices and Có/Không are labels */
  }
}

static double column_width(const tpl *t, const column *c) {
  size_t label = text_units(ics_text_get(c->f->label, t->o->lang));
  double w = 12;
  switch (c->f->type) {
  case ICS_TEXT_FIELD: w = c->field == t->form->key ? 16 : 28; break;
  case ICS_SELECT_ONE: {
    size_t longest = 0;
    const code_list *l = &t->lists[c->list];
    for (size_t i = 0; i < l->count; i++) {
      size_t n = text_units(ics_text_get(ics_field_choice_at(c->f, t->reg, i).label, t->o->lang));
      if (n > longest) longest = n;
    }
    w = (double)(longest + 4);
    break;
  }
  case ICS_SELECT_MULTIPLE: w = 24; break;
  case ICS_BOOLEAN: w = 12; break;
  default: break;
  }
  if (w < 10) w = 10;
  if (w < (double)label / 2.5) w = (double)label / 2.5; /* the label wraps on three lines */
  return w > 45 ? 45 : w;
}

/* ---- the words of the workbook -------------------------------------------------------------- */
static const char *type_text(const tpl *t, ics_field_type type) {
  switch (type) {
  case ICS_TEXT_FIELD: return T(t, "Văn bản", "Text");
  case ICS_INTEGER: return T(t, "Số nguyên", "Whole number");
  case ICS_DECIMAL: return T(t, "Số", "Number");
  case ICS_BOOLEAN: return T(t, "Có/Không", "Yes/No");
  case ICS_DATE: return T(t, "Ngày", "Date");
  case ICS_SELECT_ONE: return T(t, "Chọn một", "One choice");
  case ICS_SELECT_MULTIPLE: return T(t, "Chọn nhiều", "Several choices");
  default: return "";
  }
}

static const char *yes_text(const tpl *t) { return T(t, "Có", "Yes"); }
static const char *no_text(const tpl *t) { return T(t, "Không", "No"); }

static void number_text(ics_buf *b, double v) {
  if (v == floor(v) && fabs(v) < 1e15) ics_buf_printf(b, "%.0f", v);
  else ics_buf_printf(b, "%g", v);
}

/* One side of a bound in words: "1940", or "cột E («Tổng số học sinh»)". */
static void bound_text(const tpl *t, ics_buf *b, const ics_bound *bd, bool max) {
  int field = max ? bd->max_field : bd->min_field;
  if (field < 0) {
    double v = max ? bd->max : bd->min;
    number_text(b, v);
    return;
  }
  int col = column_of_field(t, field);
  const char *label = ics_text_get(t->form->fields[field].label, t->o->lang);
  if (col >= 0) ics_buf_printf(b, T(t, "cột %s («%s»)", "column %s (“%s”)"), t->cols[col].letter, label);
  else ics_buf_printf(b, "«%s»", label);
}

/* The range a bound allows in words: "từ 1940 đến 2010", "≥ 0", "≤ cột E (...)". */
static void range_text(const tpl *t, ics_buf *b, const ics_bound *bd) {
  if (bd->has_min && bd->has_max) {
    ics_buf_puts(b, T(t, "từ ", "from "));
    bound_text(t, b, bd, false);
    ics_buf_puts(b, T(t, " đến ", " to "));
    bound_text(t, b, bd, true);
  } else if (bd->has_min) {
    ics_buf_puts(b, bd->min_strict ? "> " : "≥ ");
    bound_text(t, b, bd, false);
  } else if (bd->has_max) {
    ics_buf_puts(b, bd->max_strict ? "< " : "≤ ");
    bound_text(t, b, bd, true);
  }
}

/* What may be typed in a column, in words (the Instructions sheet). */
static void allowed_text(const tpl *t, const column *c, ics_buf *b) {
  const ics_field *f = c->f;
  const ics_bounds *bd = &c->bounds;
  switch (f->type) {
  case ICS_INTEGER:
  case ICS_DECIMAL:
    ics_buf_puts(b, f->type == ICS_INTEGER ? T(t, "Số nguyên", "A whole number") : T(t, "Một số", "A number"));
    if (bd->value.has_min || bd->value.has_max) ics_buf_putc(b, ' ');
    range_text(t, b, &bd->value);
    break;
  case ICS_DATE: ics_buf_puts(b, T(t, "Ngày, dạng dd/mm/yyyy (ví dụ 15/03/2013)", "A date, dd/mm/yyyy (e.g. 15/03/2013)")); break;
  case ICS_BOOLEAN: ics_buf_printf(b, T(t, "%s hoặc %s", "%s or %s"), yes_text(t), no_text(t)); break;
  case ICS_SELECT_ONE:
    ics_buf_printf(b, T(t, "Một lựa chọn của danh sách %s (trang Danh mục): chọn tên trong ô, hoặc gõ mã",
                        "One choice of the list %s (Code lists sheet): pick its name in the cell, or type its code"),
                   t->lists[c->list].name);
    if (c->dependent >= 0) {
      const dependent *d = &t->deps[c->dependent];
      ics_buf_puts(b, T(t, "; danh sách chỉ hiện các lựa chọn hợp với cột ", "; the list shows only the choices that fit column "));
      for (size_t k = 0; k < d->control_count; k++)
        ics_buf_printf(b, "%s%s", k ? (k + 1 == d->control_count ? T(t, " và ", " and ") : ", ") : "",
                       t->cols[d->controls[k]].letter);
    }
    break;
  case ICS_SELECT_MULTIPLE:
    ics_buf_printf(b, T(t, "Một hay nhiều mã (hoặc tên) của danh sách %s (trang Danh mục), cách nhau bằng dấu phẩy hoặc chấm phẩy",
                        "One or more codes (or names) of the list %s (Code lists sheet), separated by commas or semicolons"),
                   t->lists[c->list].name);
    break;
  default:
    ics_buf_puts(b, T(t, "Văn bản", "Text"));
    if (bd->length.has_max) {
      ics_buf_printf(b, T(t, ", tối đa ", ", at most "));
      number_text(b, bd->length.max - (bd->length.max_strict ? 1 : 0));
      ics_buf_puts(b, T(t, " ký tự", " characters"));
    }
    break;
  }
  if (c->field == t->form->key)
    ics_buf_puts(b, T(t, ". Khóa của bản ghi: mỗi dòng một giá trị khác nhau; nhập lại tệp đã sửa thì dòng có cùng khóa cập nhật bản ghi đó",
                      ". The record's key: a different value on every row; when a corrected file is imported again, the row with the same key updates that record"));
  const char *rule = ics_text_get(f->constraint_message, t->o->lang);
  if (f->constraint && !bd->exact && *rule) ics_buf_printf(b, T(t, ". Quy tắc: %s", ". Rule: %s"), rule);
}

typedef struct {
  size_t offsets[64]; /* of string literals compared with a select field */
  int fields[64];
  size_t count;
} literal_scan;

static void note_literal(void *ctx, int field, const char *literal, size_t offset) {
  (void)literal;
  literal_scan *s = ctx;
  if (s->count < 64) {
    s->offsets[s->count] = offset;
    s->fields[s->count++] = field;
  }
}

/* An expression in words for the secretary: ${field} as the column and its label, a choice
 * code as the choice's label, and/or/not, = and != in words; the rest as written. */
static void describe(const tpl *t, const ics_expr *e, ics_buf *b) {
  const char *s = ics_expr_source(e);
  literal_scan lit = {0};
  ics_expr_codes(e, note_literal, &lit);
  size_t i = 0, n = strlen(s);
  while (i < n) {
    char ch = s[i];
    if (ch == '$' && s[i + 1] == '{') {
      const char *end = strchr(s + i, '}');
      if (!end) break;
      char name[ICS_NAME_MAX + 1];
      snprintf(name, sizeof name, "%.*s", (int)(end - s - i - 2), s + i + 2);
      int field = ics_form_field_index(t->form, name);
      if (field < 0) {
        ics_buf_append(b, s + i, (size_t)(end - s) + 1 - i);
      } else {
        const ics_field *f = &t->form->fields[field];
        int col = column_of_field(t, field);
        if (col >= 0) ics_buf_printf(b, T(t, "«%s» (cột %s)", "“%s” (column %s)"), ics_text_get(f->label, t->o->lang), t->cols[col].letter);
        else ics_buf_printf(b, T(t, "«%s»", "“%s”"), ics_text_get(f->label, t->o->lang));
        /* a yes/no answer standing alone means "is yes" */
        size_t j = (size_t)(end - s) + 1, p = i;
        while (s[j] == ' ') j++;
        while (p > 0 && s[p - 1] == ' ') p--;
        bool compared = (s[j] && strchr("=!<>", s[j])) || (p > 0 && strchr("=<>", s[p - 1]));
        if (f->type == ICS_BOOLEAN && !compared) ics_buf_printf(b, T(t, " là %s", " is %s"), yes_text(t));
      }
      i = (size_t)(end - s) + 1;
    } else if (ch == '\'' || ch == '"') {
      const char *end = strchr(s + i + 1, ch);
      if (!end) break;
      size_t len = (size_t)(end - s) - i - 1;
      const char *label = NULL;
      for (size_t k = 0; k < lit.count && !label; k++) {
        if (lit.offsets[k] != i) continue;
        const ics_field *f = &t->form->fields[lit.fields[k]];
        size_t count = ics_field_choice_count(f, t->reg);
        for (size_t c = 0; c < count && !label; c++) {
          ics_choice choice = ics_field_choice_at(f, t->reg, c);
          if (strlen(choice.code) == len && !memcmp(choice.code, s + i + 1, len)) label = ics_text_get(choice.label, t->o->lang);
        }
      }
      if (label) ics_buf_printf(b, T(t, "“%s”", "“%s”"), label);
      else ics_buf_append(b, s + i, len + 2);
      i = (size_t)(end - s) + 1;
    } else if (ch == '!' && s[i + 1] == '=') {
      ics_buf_puts(b, T(t, "khác", "is not"));
      i += 2;
    } else if (ch == '=') {
      ics_buf_puts(b, T(t, "là", "is"));
      i++;
    } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      size_t j = i;
      while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || s[j] == '-' || s[j] == '_' ||
                       (s[j] >= '0' && s[j] <= '9')))
        j++;
      size_t len = j - i;
      if (len == 3 && !memcmp(s + i, "and", 3)) ics_buf_puts(b, T(t, "và", "and"));
      else if (len == 2 && !memcmp(s + i, "or", 2)) ics_buf_puts(b, T(t, "hoặc", "or"));
      else if (len == 3 && !memcmp(s + i, "not", 3)) ics_buf_puts(b, T(t, "không", "not"));
      else ics_buf_append(b, s + i, len);
      i = j;
    } else {
      ics_buf_putc(b, ch);
      i++;
    }
  }
}

/* The input message of a column: a note when the question does not always apply and how to
 * type several choices, then the hint, cut to Excel's 255 characters. */
static void input_message(const tpl *t, const column *c, char *out, size_t cap) {
  const char *before = c->f->relevant ? T(t, "Chỉ trả lời khi câu hỏi áp dụng (xem trang Hướng dẫn). ",
                                          "Answer only when the question applies (see the Instructions sheet). ")
                                      : "";
  const char *after = c->f->type == ICS_SELECT_MULTIPLE
                          ? T(t, " Gõ các mã (hoặc tên) trong trang Danh mục, cách nhau bằng dấu phẩy hoặc chấm phẩy.",
                              " Type the codes (or names) of the Code lists sheet, separated by commas or semicolons.")
                          : "";
  const char *hint = ics_text_get(c->f->hint, t->o->lang);
  size_t room = MESSAGE_MAX - text_units(before) - text_units(after);
  char cut[4 * MESSAGE_MAX + 8];
  cut_text(hint, room, cut, sizeof cut);
  snprintf(out, cap, "%s%s%s", before, cut, after);
}

/* ---- the data sheet and the example sheet ---------------------------------------------------- */
static int header_rows(tpl *t, lxw_worksheet *ws, bool notes) {
  XL_CALL(&t->xl, worksheet_set_row(ws, 0, 54, NULL));
  for (size_t i = 0; i < t->col_count && !failed(t); i++) {
    const column *c = &t->cols[i];
    char label[600];
    snprintf(label, sizeof label, "%s%s", ics_text_get(c->f->label, t->o->lang), c->f->required ? " *" : "");
    put(t, ws, 0, c->col, label, c->f->required ? t->label_required : t->label);
    put(t, ws, 1, c->col, c->f->name, t->name);
    XL_CALL(&t->xl, worksheet_set_column(ws, c->col, c->col, column_width(t, c), cell_format(t, c)));
    if (notes && c->f->required) {
      const char *note = c->field == t->form->key
                             ? T(t, "* Bắt buộc. Đây là khóa của bản ghi: mỗi dòng một giá trị khác nhau.",
                                 "* Required. This is the record's key: a different value on every row.")
                             : c->f->relevant ? T(t, "* Bắt buộc khi câu hỏi áp dụng (xem trang Hướng dẫn).",
                                                  "* Required when the question applies (see the Instructions sheet).")
                                              : T(t, "* Bắt buộc phải trả lời.", "* Required: must be answered.");
      if (!failed(t)) xl_cell_result(&t->xl, worksheet_write_comment(ws, 0, c->col, note), 0, c->col);
    }
  }
  worksheet_freeze_panes(ws, FIRST_DATA_ROW, 1);
  return failed(t) ? -1 : 0;
}

static void set_message(lxw_data_validation *v, const char *title, const char *message) {
  v->show_error = LXW_VALIDATION_ON;
  v->error_title = (char *)title;
  v->error_message = (char *)message;
}

/* One column's validation over the data rows. */
static int validate_column(tpl *t, lxw_worksheet *ws, const column *c) {
  const ics_field *f = c->f;
  char title[4 * TITLE_MAX + 8], message[2400], formula[1024], error[4 * MESSAGE_MAX + 8];
  cut_text(ics_text_get(f->label, t->o->lang), TITLE_MAX, title, sizeof title);
  input_message(t, c, message, sizeof message);
  lxw_data_validation v = {.validate = LXW_VALIDATION_TYPE_ANY, .ignore_blank = LXW_VALIDATION_ON,
                           .show_input = LXW_VALIDATION_ON, .input_title = title, .input_message = message};
  char *yes_no[] = {(char *)yes_text(t), (char *)no_text(t), NULL};
  const ics_bound *bd = &c->bounds.value;
  /* Excel's alerts: STOP where the value is certainly wrong (a number out of a fixed range, a
   * text too long), WARNING (the secretary may keep it) for lists, dates and bounds that read
   * another column: the importer also takes codes and names without diacritics, a date Excel
   * did not recognise is still read, and another column may not be filled yet. */
  const char *error_title = T(t, "Giá trị không hợp lệ", "Value not valid");
  ics_buf words = {0};
  switch (f->type) {
  case ICS_INTEGER:
  case ICS_DECIMAL: {
    bool integer = f->type == ICS_INTEGER;
    v.validate = integer ? LXW_VALIDATION_TYPE_INTEGER : LXW_VALIDATION_TYPE_DECIMAL;
    double min = -1e15, max = 1e15;
    int min_col = bd->has_min && bd->min_field >= 0 ? column_of_field(t, bd->min_field) : -1;
    int max_col = bd->has_max && bd->max_field >= 0 ? column_of_field(t, bd->max_field) : -1;
    if (bd->has_min && bd->min_field < 0) min = integer && bd->min_strict ? floor(bd->min) + 1 : integer ? ceil(bd->min) : bd->min;
    if (bd->has_max && bd->max_field < 0) max = integer && bd->max_strict ? ceil(bd->max) - 1 : integer ? floor(bd->max) : bd->max;
    bool formula_bound = min_col >= 0 || max_col >= 0;
    if (!formula_bound) {
      v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
      v.minimum_number = min;
      v.maximum_number = max;
    } else {
      /* a bound read from another column of the row: a formula (libxlsxwriter 1.1.4 writes
       * the error message as the second formula of a "between" with formulas), which lets
       * the cell through while that column is empty */
      char self[16];
      snprintf(self, sizeof self, "%s%d", c->letter, FIRST_DATA_ROW + 1);
      int at = snprintf(formula, sizeof formula, "=AND(ISNUMBER(%s)", self);
      if (integer) at += snprintf(formula + at, sizeof formula - (size_t)at, ",INT(%s)=%s", self, self);
      if (min_col >= 0)
        at += snprintf(formula + at, sizeof formula - (size_t)at, ",OR($%s%d=\"\",%s%s$%s%d)", t->cols[min_col].letter,
                       FIRST_DATA_ROW + 1, self, bd->min_strict ? ">" : ">=", t->cols[min_col].letter, FIRST_DATA_ROW + 1);
      else if (bd->has_min)
        at += snprintf(formula + at, sizeof formula - (size_t)at, ",%s>=%.15g", self, min);
      if (max_col >= 0)
        at += snprintf(formula + at, sizeof formula - (size_t)at, ",OR($%s%d=\"\",%s%s$%s%d)", t->cols[max_col].letter,
                       FIRST_DATA_ROW + 1, self, bd->max_strict ? "<" : "<=", t->cols[max_col].letter, FIRST_DATA_ROW + 1);
      else if (bd->has_max)
        at += snprintf(formula + at, sizeof formula - (size_t)at, ",%s<=%.15g", self, max);
      snprintf(formula + at, sizeof formula - (size_t)at, ")");
      v.validate = LXW_VALIDATION_TYPE_CUSTOM_FORMULA;
      v.value_formula = formula;
    }
    v.error_type = formula_bound ? LXW_VALIDATION_ERROR_TYPE_WARNING : LXW_VALIDATION_ERROR_TYPE_STOP;
    ics_buf_puts(&words, integer ? T(t, "Cần một số nguyên", "Type a whole number") : T(t, "Cần một số", "Type a number"));
    if (bd->has_min || bd->has_max) ics_buf_putc(&words, ' ');
    range_text(t, &words, bd);
    ics_buf_putc(&words, '.');
    break;
  }
  case ICS_DATE:
    v.validate = LXW_VALIDATION_TYPE_DATE;
    v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
    v.minimum_datetime = (lxw_datetime){1900, 1, 1, 0, 0, 0};
    v.maximum_datetime = (lxw_datetime){2100, 12, 31, 0, 0, 0};
    v.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
    ics_buf_puts(&words, T(t, "Cần một ngày dạng dd/mm/yyyy, ví dụ 15/03/2013.", "Type a date as dd/mm/yyyy, e.g. 15/03/2013."));
    break;
  case ICS_BOOLEAN:
    v.validate = LXW_VALIDATION_TYPE_LIST;
    v.value_list = yes_no;
    v.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
    ics_buf_printf(&words, T(t, "Hãy chọn %s hoặc %s.", "Choose %s or %s."), yes_text(t), no_text(t));
    break;
  case ICS_SELECT_ONE: {
    v.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
    const code_list *l = &t->lists[c->list];
    if (c->dependent >= 0) {
      const dependent *d = &t->deps[c->dependent];
      char key[200] = "";
      size_t at = 0;
      for (size_t k = 0; k < d->control_count; k++)
        at += (size_t)snprintf(key + at, sizeof key - at, "%s$%s%d", k ? "&\"|\"&" : "", t->cols[d->controls[k]].letter,
                               FIRST_DATA_ROW + 1);
      /* the whole list while the key is in no row of the table (the controlling cells
       * empty, or a code typed in them); else the rows of that key */
      int len = snprintf(formula, sizeof formula, "=IF(COUNTIF(%s,%s)=0,%s,OFFSET(%s,MATCH(%s,%s,0)-1,0,COUNTIF(%s,%s),1))",
                         d->keys, key, l->name, d->labels, key, d->keys, d->keys, key);
      if (len < 0 || (size_t)len > FORMULA_MAX) snprintf(formula, sizeof formula, "=%s", l->name);
    } else {
      snprintf(formula, sizeof formula, "=%s", l->name);
    }
    v.value_formula = formula;
    v.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
    ics_buf_puts(&words, T(t, "Giá trị này không có trong danh sách. Hãy chọn trong danh sách (bấm mũi tên của ô). "
                              "Nếu đó là mã trong trang Danh mục, chọn Yes (Có) để giữ.",
                           "This value is not in the list. Pick one from the list (the cell's arrow). "
                           "If it is a code of the Code lists sheet, choose Yes to keep it."));
    break;
  }
  case ICS_TEXT_FIELD:
    if (c->bounds.length.has_max || c->bounds.length.has_min) {
      const ics_bound *lb = &c->bounds.length;
      v.validate = LXW_VALIDATION_TYPE_LENGTH;
      v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
      v.minimum_number = lb->has_min && lb->min_field < 0 ? ceil(lb->min) + (lb->min_strict ? 1 : 0) : 0;
      v.maximum_number = lb->has_max && lb->max_field < 0 ? floor(lb->max) - (lb->max_strict ? 1 : 0) : ICS_TEXT_MAX_CHARS;
      v.error_type = LXW_VALIDATION_ERROR_TYPE_STOP;
      ics_buf_printf(&words, T(t, "Cần từ %.0f đến %.0f ký tự.", "Type %.0f to %.0f characters."), v.minimum_number,
                     v.maximum_number);
    }
    break;
  default: break;
  }
  if (words.failed) {
    ics_buf_free(&words);
    no_memory(t);
    return -1;
  }
  if (words.data) {
    cut_text(words.data, MESSAGE_MAX, error, sizeof error);
    set_message(&v, error_title, error);
  }
  ics_buf_free(&words);
  if (failed(t)) return -1;
  lxw_error e = worksheet_data_validation_range(ws, FIRST_DATA_ROW, c->col, FIRST_DATA_ROW + ICS_TEMPLATE_ROWS - 1,
                                                c->col, &v);
  return xl_cell_result(&t->xl, e, FIRST_DATA_ROW, c->col);
}

static int write_data_sheet(tpl *t) {
  lxw_worksheet *ws = xl_add_sheet(&t->xl, t->data_name);
  if (!ws || header_rows(t, ws, true)) return -1;
  for (size_t i = 0; i < t->col_count; i++)
    if (validate_column(t, ws, &t->cols[i])) return -1;
  worksheet_set_selection(ws, FIRST_DATA_ROW, 0, FIRST_DATA_ROW, 0);
  worksheet_activate(ws);
  return 0;
}

/* ---- the example ----------------------------------------------------------------------------------- */
static ics_value bound_value(const ics_record *rec, const ics_bound *bd, bool max, bool *known) {
  int field = max ? bd->max_field : bd->min_field;
  bool has = max ? bd->has_max : bd->has_min;
  *known = false;
  if (!has) return (ics_value){0};
  if (field < 0) {
    *known = true;
    return (ics_value){.kind = ICS_V_NUM, .num = max ? bd->max : bd->min};
  }
  ics_value v = ics_record_value(rec, field);
  *known = v.kind == ICS_V_NUM;
  return v;
}

/* A plausible number within the constraint's bounds: the middle of a range, 100 above a lower
 * bound, half an upper one. */
static double example_number(const ics_record *rec, const column *c) {
  bool has_lo, has_hi;
  ics_value lo = bound_value(rec, &c->bounds.value, false, &has_lo);
  ics_value hi = bound_value(rec, &c->bounds.value, true, &has_hi);
  double v = 100;
  if (has_lo && has_hi) v = (lo.num + hi.num) / 2;
  else if (has_lo) v = lo.num + 100;
  else if (has_hi) v = hi.num > 0 ? hi.num / 2 : hi.num - 100;
  return c->f->type == ICS_INTEGER ? floor(v) : v;
}

static bool field_has_error(const ics_errors *errs, const char *name) {
  for (size_t i = 0; i < errs->count; i++)
    if (errs->items[i].field && !strcmp(errs->items[i].field, name)) return true;
  return false;
}

/* A valid record of the form, from plausible answers given in the form's order to the
 * questions that apply: the first choice offered, Có, a number within the bounds, a date in
 * the round, a text like the label (the key like a code). A text that breaks its constraint
 * gets simpler ones, then none when it is optional. NULL when memory runs out. */
static ics_record *make_example(tpl *t) {
  const ics_form *form = t->form;
  ics_record *rec = ics_record_new(form);
  bool *relevant = ics_calloc(form->field_count + 1, sizeof *relevant);
  if (!rec || !relevant) {
    ics_record_free(rec);
    ics_free(relevant);
    return NULL;
  }
  bool ok = true;
  for (size_t i = 0; ok && i < t->col_count; i++) {
    const column *c = &t->cols[i];
    ics_record_relevance(rec, t->reg, relevant);
    if (!relevant[c->field]) continue;
    char value[600] = "";
    switch (c->f->type) {
    case ICS_INTEGER:
    case ICS_DECIMAL: snprintf(value, sizeof value, "%.10g", example_number(rec, c)); break;
    case ICS_DATE: snprintf(value, sizeof value, "%04d-03-15", t->o->round ? t->o->round : 2013); break;
    case ICS_BOOLEAN: snprintf(value, sizeof value, "1"); break;
    case ICS_SELECT_ONE: {
      size_t n = ics_field_choice_count(c->f, t->reg);
      for (size_t k = 0; k < n; k++)
        if (ics_record_choice_offered(rec, c->field, t->reg, k)) {
          snprintf(value, sizeof value, "%s", ics_field_choice_at(c->f, t->reg, k).code);
          break;
        }
      break;
    }
    case ICS_SELECT_MULTIPLE: {
      size_t n = ics_field_choice_count(c->f, t->reg);
      for (size_t k = 0; k < n && k < 2; k++)
        snprintf(value + strlen(value), sizeof value - strlen(value), "%s%s", k ? " " : "",
                 ics_field_choice_at(c->f, t->reg, k).code);
      break;
    }
    default:
      if (c->field == form->key) snprintf(value, sizeof value, "%s", T(t, "VD-0001", "EX-0001"));
      else snprintf(value, sizeof value, "%s %s", T(t, "Ví dụ:", "Example:"), ics_text_get(c->f->label, t->o->lang));
      if (c->bounds.length.has_max && c->bounds.length.max_field < 0) {
        char cut[600];
        size_t max = (size_t)c->bounds.length.max;
        cut_text(value, max > 2 ? max : 2, cut, sizeof cut);
        snprintf(value, sizeof value, "%s", cut);
      }
      break;
    }
    if (!*value) continue;
    ics_free(rec->values[c->field]);
    ok = (rec->values[c->field] = ics_strdup(value)) != NULL;
  }
  /* texts that break their constraint: simpler ones, then none */
  for (size_t i = 0; ok && i < t->col_count; i++) {
    const column *c = &t->cols[i];
    if (c->f->type != ICS_TEXT_FIELD || !rec->values[c->field]) continue;
    const char *simpler[] = {"VD0001", "A1", "A", NULL};
    for (size_t k = 0; ok; k++) {
      ics_errors errs = {0};
      ics_record *probe = ics_record_copy(rec);
      ok = probe != NULL;
      bool bad = ok && (ics_record_check(probe, t->reg, t->o->lang, ICS_CHECK_PARTIAL, &errs) == ICS_E_NO_MEMORY ||
                        field_has_error(&errs, c->f->name));
      ics_record_free(probe);
      ics_errors_free(&errs);
      if (!bad) break;
      ics_free(rec->values[c->field]);
      rec->values[c->field] = NULL;
      if (!simpler[k]) break; /* none fits: left empty */
      ok = (rec->values[c->field] = ics_strdup(simpler[k])) != NULL;
    }
  }
  ics_free(relevant);
  if (!ok) {
    ics_record_free(rec);
    return NULL;
  }
  return rec;
}

static int write_example_sheet(tpl *t) {
  lxw_worksheet *ws = xl_add_sheet(&t->xl, T(t, "Ví dụ", "Example"));
  if (!ws || header_rows(t, ws, false)) return -1;
  lxw_row_t r = FIRST_DATA_ROW;
  for (size_t i = 0; i < t->col_count && !failed(t); i++) {
    const column *c = &t->cols[i];
    const char *v = t->example->values[c->field];
    if (!v) continue;
    lxw_format *f = cell_format(t, c);
    switch (c->f->type) {
    case ICS_INTEGER:
    case ICS_DECIMAL: xl_put_number(&t->xl, ws, r, c->col, strtod(v, NULL), f); break;
    case ICS_DATE: {
      lxw_datetime d = {0};
      if (sscanf(v, "%d-%d-%d", &d.year, &d.month, &d.day) == 3)
        xl_cell_result(&t->xl, worksheet_write_datetime(ws, r, c->col, &d, f), r, c->col);
      break;
    }
    case ICS_BOOLEAN: put(t, ws, r, c->col, !strcmp(v, "1") ? yes_text(t) : no_text(t), f); break;
    case ICS_SELECT_ONE: {
      char *shown = ics_record_display(t->example, c->field, t->reg, t->o->lang);
      if (!shown) no_memory(t);
      else put(t, ws, r, c->col, shown, f);
      ics_free(shown);
      break;
    }
    case ICS_SELECT_MULTIPLE: {
      /* codes, separated by ", " as the input message says */
      ics_buf b = {0};
      for (const char *p = v; *p;) {
        size_t n = strcspn(p, " ");
        ics_buf_printf(&b, "%s%.*s", b.len ? ", " : "", (int)n, p);
        p += n;
        while (*p == ' ') p++;
      }
      if (b.failed) no_memory(t);
      else put(t, ws, r, c->col, b.data ? b.data : "", f);
      ics_buf_free(&b);
      break;
    }
    default: put(t, ws, r, c->col, v, f); break;
    }
  }
  put(t, ws, r + 2, 0,
      T(t, "Dòng 3 là một bản ghi mẫu hợp lệ, để xem cách ghi. Không nhập dữ liệu vào trang này: hãy nhập vào trang đầu tiên.",
        "Row 3 is a valid example record, to show how answers are written. Do not type data on this sheet: use the first sheet."),
      t->small);
  return failed(t) ? -1 : 0;
}

/* ---- the instructions ------------------------------------------------------------------------ */
static int write_instructions(tpl *t) {
  lxw_worksheet *ws = xl_add_sheet(&t->xl, T(t, "Hướng dẫn", "Instructions"));
  if (!ws) return -1;
  const ics_form *form = t->form;
  lxw_row_t r = 0;
  char line[2000];
  snprintf(line, sizeof line, T(t, "Hướng dẫn nhập liệu: %s", "How to fill in: %s"), ics_text_get(form->title, t->o->lang));
  put(t, ws, r++, 0, line, t->title);
  if (t->o->round)
    snprintf(line, sizeof line, T(t, "Biểu mẫu %s, phiên bản %s, đợt khảo sát %d.", "Form %s, version %s, survey round %d."),
             form->id, form->version, t->o->round);
  else
    snprintf(line, sizeof line, T(t, "Biểu mẫu %s, phiên bản %s.", "Form %s, version %s."), form->id, form->version);
  put(t, ws, r++, 0, line, t->small);
  r++;
  char key_label[400];
  snprintf(key_label, sizeof key_label, "%s", ics_text_get(form->fields[form->key].label, t->o->lang));
  char steps[10][1400];
  int s = 0;
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Nhập mỗi bản ghi (mỗi người, mỗi trường hay mỗi cơ sở) trên một dòng của trang «%s», bắt đầu từ dòng 3; tối đa %d dòng (đến dòng %d).",
             "Type each record (each person, school or centre) on one row of the sheet “%s”, from row 3; at most %d rows (to row %d)."),
           t->data_name, ICS_TEMPLATE_ROWS, ICS_TEMPLATE_ROWS + FIRST_DATA_ROW);
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Không sửa, xóa hay chèn dòng 1 (câu hỏi) và dòng 2 (tên trường dữ liệu, dùng khi nhập tệp); không đổi tên hay thứ tự các trang.",
             "Do not change, delete or insert rows 1 (the questions) and 2 (the field names, read when the file is imported); do not rename or reorder the sheets."));
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Cột có dấu * là bắt buộc. Cột ghi «chỉ khi áp dụng» (bảng dưới) chỉ điền khi điều kiện đúng; nếu không thì để trống. Mỗi bản ghi phải có «%s» khác nhau.",
             "Columns marked * are required. A column with a condition (table below) is filled only when it applies; otherwise leave it empty. Every record needs a different “%s”."),
           key_label);
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Ô có danh sách: bấm vào ô rồi chọn ở mũi tên; cũng có thể gõ mã trong trang «Danh mục». Câu chọn nhiều: gõ các mã (hoặc tên) cách nhau bằng dấu phẩy, ví dụ: iu01, iu03.",
             "Cells with a list: click the cell and pick from its arrow; a code of the “Code lists” sheet may be typed too. Several choices: type the codes (or names) separated by commas, e.g. iu01, iu03."));
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Ngày ghi dạng dd/mm/yyyy (ví dụ 15/03/2013). Số ghi bằng chữ số, không có dấu phân cách hàng nghìn. Có/Không chọn trong danh sách.",
             "Dates as dd/mm/yyyy (e.g. 15/03/2013). Numbers in digits, without thousands separators. Yes/No from the list."));
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Xem trang «Ví dụ»: một bản ghi mẫu hợp lệ. Khi đưa chuột vào ô, Excel hiện hướng dẫn của câu hỏi.",
             "See the sheet “Example”: a valid example record. Selecting a cell shows the question's guidance."));
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Lưu tệp dạng Excel (.xlsx) (hoặc CSV UTF-8) rồi gửi cho người khảo sát. Người khảo sát nhập bằng lệnh: ictsurvey collect fill --store KHO %s --answers TỆP.xlsx",
             "Save the file as Excel (.xlsx) (or CSV UTF-8) and give it to the surveyor, who imports it with: ictsurvey collect fill --store STORE %s --answers FILE.xlsx"),
           form->id);
  snprintf(steps[s++], sizeof steps[0],
           T(t, "Nếu có lỗi, lệnh nhập báo dòng và cột cần sửa, và không lưu gì. Sửa rồi nhập lại cả tệp: dòng có cùng «%s» cập nhật bản ghi đã nhập, dòng không đổi thì giữ nguyên.",
             "If something is wrong, the import names the row and column to correct and stores nothing. Correct it and import the whole file again: a row with the same “%s” updates the record imported before; unchanged rows stay as they are."),
           key_label);
  XL_CALL(&t->xl, worksheet_set_column(ws, 0, 0, 8, NULL));
  XL_CALL(&t->xl, worksheet_set_column(ws, 1, 1, 34, t->wrap));
  XL_CALL(&t->xl, worksheet_set_column(ws, 2, 2, 20, t->wrap));
  XL_CALL(&t->xl, worksheet_set_column(ws, 3, 4, 12, t->wrap));
  XL_CALL(&t->xl, worksheet_set_column(ws, 5, 7, 40, t->wrap));
  for (int k = 0; k < s && !failed(t); k++, r++) {
    snprintf(line, sizeof line, "%d.", k + 1);
    put(t, ws, r, 0, line, t->bold);
    XL_CALL(&t->xl, worksheet_merge_range(ws, r, 1, r, 7, steps[k], t->wrap));
    XL_CALL(&t->xl, worksheet_set_row(ws, r, text_units(steps[k]) > 200 ? 42 : 28, NULL));
  }
  r++;
  put(t, ws, r++, 0, T(t, "Các cột của trang nhập liệu", "The columns of the data sheet"), t->bold);
  const char *heads_vi[] = {"Cột", "Câu hỏi", "Tên trường (dòng 2)", "Bắt buộc", "Kiểu", "Giá trị được nhập", "Khi nào trả lời", "Hướng dẫn"};
  const char *heads_en[] = {"Column", "Question", "Field name (row 2)", "Required", "Type", "What may be typed", "When to answer", "Guidance"};
  for (lxw_col_t k = 0; k < 8; k++) put(t, ws, r, k, T(t, heads_vi[k], heads_en[k]), t->head);
  r++;
  for (size_t i = 0; i < t->col_count && !failed(t); i++, r++) {
    const column *c = &t->cols[i];
    ics_buf allowed = {0}, when = {0};
    allowed_text(t, c, &allowed);
    if (c->f->relevant) {
      ics_buf_puts(&when, T(t, "Chỉ khi ", "Only when "));
      describe(t, c->f->relevant, &when);
    } else {
      ics_buf_puts(&when, T(t, "Luôn luôn", "Always"));
    }
    const char *required = !c->f->required ? ""
                           : c->field == form->key ? T(t, "Có (*), khóa", "Yes (*), key")
                           : c->f->relevant ? T(t, "Có (*), khi áp dụng", "Yes (*), when it applies")
                                            : T(t, "Có (*)", "Yes (*)");
    if (allowed.failed || when.failed) no_memory(t);
    put(t, ws, r, 0, c->letter, t->bold);
    put(t, ws, r, 1, ics_text_get(c->f->label, t->o->lang), t->wrap);
    put(t, ws, r, 2, c->f->name, t->wrap);
    put(t, ws, r, 3, required, t->wrap);
    put(t, ws, r, 4, type_text(t, c->f->type), t->wrap);
    if (!failed(t)) put(t, ws, r, 5, allowed.data ? allowed.data : "", t->wrap);
    if (!failed(t)) put(t, ws, r, 6, when.data ? when.data : "", t->wrap);
    put(t, ws, r, 7, ics_text_get(c->f->hint, t->o->lang), t->wrap);
    ics_buf_free(&allowed);
    ics_buf_free(&when);
  }
  r++;
  put(t, ws, r, 0,
      T(t, "* bắt buộc phải trả lời (khi câu hỏi áp dụng). Câu hỏi tự tính (không cần trả lời) không có cột.",
        "* must be answered (when the question applies). Questions that are computed (not answered) have no column."),
      t->small);
  return failed(t) ? -1 : 0;
}

/* ---- the code lists -------------------------------------------------------------------------------- */
typedef struct {
  lxw_worksheet *ws;
  lxw_row_t r;
} table_ctx;

static void dependent_row(tpl *t, const char *key, const char *label, void *ctx) {
  table_ctx *tc = ctx;
  put(t, tc->ws, tc->r, 5, key, t->text);
  put(t, tc->ws, tc->r, 6, label, t->text);
  tc->r++;
}

static int define(tpl *t, const char *name, lxw_col_t col, lxw_row_t first, size_t count) {
  char range[64], formula[256];
  lxw_rowcol_to_range_abs(range, first, col, first + (lxw_row_t)(count ? count - 1 : 0), col);
  snprintf(formula, sizeof formula, "=%s!%s", t->lists_ref, range);
  return XL_CALL(&t->xl, workbook_define_name(t->xl.wb, name, formula));
}

static int write_lists(tpl *t) {
  const char *sheet = T(t, "Danh mục", "Code lists");
  lxw_worksheet *ws = xl_add_sheet(&t->xl, sheet);
  if (!ws) return -1;
  ics_lang other = t->o->lang == ICS_EN ? ICS_VI : ICS_EN;
  put(t, ws, 0, 0, T(t, "Danh mục mã", "Code lists"), t->title);
  put(t, ws, 1, 0,
      T(t, "Các danh sách chọn của trang nhập liệu. Trang này được khóa để tránh sửa nhầm (không có mật khẩu).",
        "The lists of the data sheet's dropdowns. This sheet is protected against accidental changes (no password)."),
      t->small);
  XL_CALL(&t->xl, worksheet_set_column(ws, 0, 0, 16, t->text));
  XL_CALL(&t->xl, worksheet_set_column(ws, 1, 2, 44, t->text));
  XL_CALL(&t->xl, worksheet_set_column(ws, 3, 4, 3, NULL));
  XL_CALL(&t->xl, worksheet_set_column(ws, 5, 5, 40, t->text));
  XL_CALL(&t->xl, worksheet_set_column(ws, 6, 6, 44, t->text));
  lxw_row_t r = 3;
  for (size_t l = 0; l < t->list_count && !failed(t); l++) {
    code_list *cl = &t->lists[l];
    char head[700];
    snprintf(head, sizeof head, "%s (%s)", ics_text_get(cl->f->label, t->o->lang), cl->name);
    put(t, ws, r++, 0, head, t->bold);
    put(t, ws, r, 0, T(t, "Mã", "Code"), t->head);
    put(t, ws, r, 1, T(t, "Tên", "Name"), t->head);
    put(t, ws, r++, 2, T(t, "Tên (tiếng Anh)", "Name (Vietnamese)"), t->head);
    cl->first = r;
    for (size_t i = 0; i < cl->count && !failed(t); i++, r++) {
      ics_choice ch = ics_field_choice_at(cl->f, t->reg, i);
      put(t, ws, r, 0, ch.code, t->text);
      put(t, ws, r, 1, ics_text_get(ch.label, t->o->lang), t->text);
      put(t, ws, r, 2, ics_text_get(ch.label, other), t->text);
    }
    if (define(t, cl->name, 1, cl->first, cl->count)) return -1;
    r++;
  }
  /* the dependent dropdowns' tables, side by side with the lists: key, then label */
  lxw_row_t dr = 3;
  for (size_t k = 0; k < t->dep_count && !failed(t); k++) {
    dependent *d = &t->deps[k];
    const column *c = &t->cols[d->column];
    ics_buf head = {0};
    ics_buf_printf(&head, T(t, "%s theo ", "%s by "), ics_text_get(c->f->label, t->o->lang));
    for (size_t i = 0; i < d->control_count; i++)
      ics_buf_printf(&head, "%s%s", i ? " | " : "", ics_text_get(t->cols[d->controls[i]].f->label, t->o->lang));
    if (head.failed) no_memory(t);
    else put(t, ws, dr++, 5, head.data, t->bold);
    ics_buf_free(&head);
    put(t, ws, dr, 5, T(t, "Khóa (các cột nối bằng |)", "Key (the columns joined by |)"), t->head);
    put(t, ws, dr++, 6, T(t, "Tên", "Name"), t->head);
    d->first = dr;
    table_ctx tc = {ws, dr};
    if (dependent_rows(t, d, dependent_row, &tc, &d->rows)) no_memory(t);
    if (failed(t)) return -1;
    if (define(t, d->keys, 5, d->first, d->rows) || define(t, d->labels, 6, d->first, d->rows)) return -1;
    dr = tc.r + 1;
  }
  worksheet_protect(ws, NULL, NULL);
  return failed(t) ? -1 : 0;
}

/* What the template was made for, where the importer can read it (also the custom document
 * properties): a hidden last sheet of key and value rows. */
static int write_meta(tpl *t) {
  lxw_worksheet *ws = xl_add_sheet(&t->xl, "ictsurvey");
  if (!ws) return -1;
  char number[32];
  const char *rows[][2] = {{"template_format", NULL}, {"form", t->form->id}, {"form_version", t->form->version},
                           {"form_hash", t->form->hash}, {"round", NULL}, {"lang", t->o->lang == ICS_EN ? "en" : "vi"},
                           {"rows", NULL}, {"origin", t->o->origin ? t->o->origin : ""}};
  for (lxw_row_t r = 0; r < sizeof rows / sizeof *rows && !failed(t); r++) {
    put(t, ws, r, 0, rows[r][0], NULL);
    if (rows[r][1]) {
      put(t, ws, r, 1, rows[r][1], NULL);
      continue;
    }
    snprintf(number, sizeof number, "%d", r == 0 ? TEMPLATE_FORMAT : r == 4 ? t->o->round : ICS_TEMPLATE_ROWS);
    put(t, ws, r, 1, number, NULL);
  }
  worksheet_hide(ws);
  return failed(t) ? -1 : 0;
}

static int write_properties(tpl *t) {
  const ics_form *form = t->form;
  char title[600], subject[300], keywords[300];
  snprintf(title, sizeof title, "%s", ics_text_get(form->title, t->o->lang));
  snprintf(subject, sizeof subject, T(t, "Mẫu nhập liệu của biểu mẫu %s, phiên bản %s", "Data-entry template of form %s, version %s"),
           form->id, form->version);
  snprintf(keywords, sizeof keywords, "ictsurvey, %s, %s", form->id, form->version);
  int year = t->o->round ? t->o->round : 2000;
  lxw_doc_properties props = {.title = title, .subject = subject, .author = "ictsurvey", .company = "Long An",
                              .keywords = keywords, .created = xl_utc_seconds(year, 1, 1, 0, 0, 0)};
  lxw_error e = workbook_set_properties(t->xl.wb, &props);
  if (e == LXW_NO_ERROR) e = workbook_set_custom_property_string(t->xl.wb, "ictsurvey.form", (char *)form->id);
  if (e == LXW_NO_ERROR) e = workbook_set_custom_property_string(t->xl.wb, "ictsurvey.form_version", (char *)form->version);
  if (e == LXW_NO_ERROR) e = workbook_set_custom_property_string(t->xl.wb, "ictsurvey.form_hash", (char *)form->hash);
  if (e == LXW_NO_ERROR) e = workbook_set_custom_property_integer(t->xl.wb, "ictsurvey.round", t->o->round);
  if (e == LXW_NO_ERROR)
    e = workbook_set_custom_property_string(t->xl.wb, "ictsurvey.lang", t->o->lang == ICS_EN ? "en" : "vi");
  if (e != LXW_NO_ERROR) xl_writer_failed(&t->xl, e, ics_reports_text(R_AT_PROPERTIES, t->o->lang));
  return failed(t) ? -1 : 0;
}

/* The data sheet's name: the form's title without the characters Excel refuses in one, cut
 * to 31 characters at a word, without a trailing dash or comma ("Phiếu khảo sát nhân lực
 * CNTT"); "Dữ liệu"/"Data" when nothing is left or it would be the name of another sheet. */
static void data_sheet_name(tpl *t) {
  const char *title = ics_text_get(t->form->title, t->o->lang);
  char clean[2000];
  size_t n = 0;
  for (const char *p = title; *p && n + 1 < sizeof clean; p++) {
    char ch = strchr("[]:*?/\\'", *p) ? ' ' : *p;
    if (ch == ' ' && (n == 0 || clean[n - 1] == ' ')) continue;
    clean[n++] = ch;
  }
  clean[n] = '\0';
  size_t units = 0, at = 0, space = 0, bytes;
  while (clean[at]) {
    size_t u = units_of(clean + at, &bytes);
    if (units + u > SHEET_NAME_MAX) break;
    if (clean[at] == ' ') space = at;
    units += u;
    at += bytes;
  }
  if (clean[at] && space > 0) at = space;
  /* a trailing space, dash, en dash or comma goes */
  for (;;) {
    if (at > 0 && strchr(" -,;.", clean[at - 1])) at--;
    else if (at >= 3 && !memcmp(clean + at - 3, "–", 3)) at -= 3;
    else if (at >= 3 && !memcmp(clean + at - 3, "—", 3)) at -= 3;
    else break;
  }
  snprintf(t->data_name, sizeof t->data_name, "%.*s", (int)at, clean);
  const char *fixed[] = {"Hướng dẫn", "Ví dụ", "Danh mục", "Instructions", "Example", "Code lists", "ictsurvey"};
  bool taken = !*t->data_name;
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) taken |= !name_cmp(t->data_name, fixed[i]);
  if (taken) snprintf(t->data_name, sizeof t->data_name, "%s", T(t, "Dữ liệu", "Data"));
  snprintf(t->lists_ref, sizeof t->lists_ref, "'%s'", T(t, "Danh mục", "Code lists"));
}

static void template_free(tpl *t) {
  ics_free(t->cols);
  ics_free(t->lists);
  ics_free(t->deps);
  ics_record_free(t->example);
}

/* The workbook, into out->tmp, then renamed over the target. On a failure the workbook is
 * left unclosed (xl_close says why), in the process run apart that ends right after. */
static int write_book(const ics_template_options *o, ics_output *out, ics_error *err) {
  long quiet = ics_apart_said_mark();
  tpl t = {.xl = {.lang = o->lang, .output = o->output, .err = err}, .o = o, .form = o->form, .reg = o->reg};
  data_sheet_name(&t);
  if (make_columns(&t)) {
    template_free(&t);
    return -1;
  }
  plan_dependents(&t);
  if (!(t.example = make_example(&t))) {
    no_memory(&t);
    template_free(&t);
    return -1;
  }
  /* the tables' first rows are known once the code-list sheet is laid out: its rows are
   * counted first, as write_lists will write them */
  lxw_row_t dr = 3;
  for (size_t k = 0; k < t.dep_count; k++) {
    size_t rows;
    if (dependent_rows(&t, &t.deps[k], NULL, NULL, &rows)) {
      no_memory(&t);
      template_free(&t);
      return -1;
    }
    t.deps[k].first = dr + 2;
    dr += (lxw_row_t)rows + 3;
  }
  lxw_workbook_options wopts = {.constant_memory = LXW_FALSE};
  t.xl.wb = xl_open(out, o->output, &wopts, o->lang, err);
  if (!t.xl.wb) {
    template_free(&t);
    return -1;
  }
  int rc = write_properties(&t) || make_formats(&t) || write_data_sheet(&t) || write_instructions(&t) ||
           write_example_sheet(&t) || write_lists(&t) || write_meta(&t)
               ? -1
               : xl_close(&t.xl, quiet, out);
  template_free(&t);
  return rc;
}

static int template_work(void *ctx, char *tmp, size_t tmp_cap, ics_errors *diags, ics_error *err) {
  (void)diags;
  const ics_template_options *o = ctx;
  ics_output out;
  if (ics_output_begin(&out, o->output) != 0) {
    xl_output_failed(o->output, errno, o->lang, err);
    return -1;
  }
  snprintf(tmp, tmp_cap, "%s", out.tmp);
  int rc = write_book(o, &out, err);
  ics_output_end(&out);
  return rc;
}

int ics_template_write(const ics_template_options *o, ics_error *err) {
  return xl_run_apart(template_work, (void *)o, o->output, o->lang, NULL, err);
}
