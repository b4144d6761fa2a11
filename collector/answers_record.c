/* answers_record.c - the record builder that both syntaxes of answers files feed: a record's
 * answers set and checked as the collector stores them (schema.h), the same natural key twice
 * in a file found, every problem reported as "record N: FIELD: MESSAGE", valid records handed
 * to the caller's callback. */
#include "answers_private.h"

/* The header prefix of a CSV header problem, never translated (like "record N"). */
#define HEADER_PREFIX "header"

/* ---- the record builder ------------------------------------------------------------------ */
/* Appends s with invalid UTF-8 and control characters replaced by '?', at most max bytes
 * (cut at a character boundary, then "..."). */
static void put_clean(ics_buf *b, const char *s, size_t max) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, n = strlen(s);
  while (i < n) {
    size_t len;
    if (p[i] < 0x80) len = 1;
    else if (p[i] >= 0xC2 && p[i] <= 0xDF) len = 2;
    else if (p[i] >= 0xE0 && p[i] <= 0xEF) len = 3;
    else if (p[i] >= 0xF0 && p[i] <= 0xF4) len = 4;
    else len = 0;
    if (len && (i + len > n || !ics_utf8_valid(s + i, len, NULL))) len = 0;
    if (i + (len ? len : 1) > max) {
      ics_buf_puts(b, "...");
      return;
    }
    if (len == 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
      ics_buf_putc(b, '?');
      i++;
    } else {
      ics_buf_append(b, s + i, len);
      i += len;
    }
  }
}

enum { SHOWN_MAX = 64 }; /* bytes of a name or value from the file shown in a message */

void report(builder *b, ics_code code, int line, int col, const char *field,
                   const char *fmt, ...) {
  ics_buf m = {0};
  if (b->row) { /* a table's record: where the spreadsheet shows it */
    int f = field ? ics_form_field_index(b->form, field) : -1;
    ics_buf_printf(&m, "row %u", b->row);
    if (b->cell_column) {
      ics_buf_printf(&m, ", column %s", b->cell_column);
    } else if (f >= 0 && b->column_label && b->column_label[f]) {
      ics_buf_puts(&m, ", column \"");
      put_clean(&m, b->column_label[f], SHOWN_MAX);
      ics_buf_putc(&m, '"');
    }
    ics_buf_puts(&m, ": ");
  }
  if (b->record_no) ics_buf_printf(&m, "record %zu: ", b->record_no);
  else ics_buf_puts(&m, HEADER_PREFIX ": ");
  if (field) {
    put_clean(&m, field, SHOWN_MAX);
    ics_buf_puts(&m, ": ");
  }
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(&m, fmt, ap);
  va_end(ap);
  ics_error e = {0};
  if (m.failed) ics_error_no_memory(&e, b->lang);
  else ics_error_set(&e, b->lang, code, m.data);
  ics_error_locate(&e, b->name, line, col);
  if (field) ics_error_set_field(&e, field); /* a table holds a row's problems by field */
  ics_errors_add(b->diags, &e);
  ics_buf_free(&m);
  b->record_failed = true;
}

/* A problem that is not about one record: the file, a limit, the syntax. */
void fatal(builder *b, int line, int col, answers_message m, ...) {
  va_list ap;
  va_start(ap, m);
  ics_errors_vsay(b->diags, b->lang, b->name, line, col, &ics_answers_messages[m], ap);
  va_end(ap);
  b->stop = true;
  b->record_failed = true;
}

void out_of_memory(builder *b) { fatal(b, 0, 0, A_NO_MEMORY); }

bool builder_init(builder *b, const char *name, const ics_answers_options *opt,
                         ics_answers_callback callback, void *ctx, ics_errors *diags) {
  memset(b, 0, sizeof *b);
  ics_strset_init(&b->keys);
  b->name = name ? name : "";
  b->opt = opt;
  b->diags = diags;
  b->lang = opt ? opt->lang : ICS_VI;
  b->callback = callback;
  b->ctx = ctx;
  if (!opt || !opt->form) {
    fatal(b, 0, 0, A_NO_FORM);
    return false;
  }
  b->form = opt->form;
  b->max_records = opt->max_records ? opt->max_records : ICS_ANSWERS_DEFAULT_MAX_RECORDS;
  if (opt->mode == ICS_ANSWERS_PATCH && opt->base && opt->base->form == b->form)
    b->rec = ics_record_copy(opt->base);
  else
    b->rec = ics_record_new(b->form);
  size_t n = b->form->field_count;
  b->given = ics_calloc(n, sizeof *b->given);
  b->bad = ics_calloc(n, sizeof *b->bad);
  if (!b->rec || !b->given || !b->bad) {
    out_of_memory(b);
    return false;
  }
  return true;
}

void builder_free(builder *b) {
  ics_record_free(b->rec);
  ics_free(b->given);
  ics_free(b->bad);
  ics_strset_free(&b->keys);
}

/* Starts the next record; false when there may be no more. */
bool begin_record(builder *b, int line, int col) {
  if (b->stop) return false;
  if (b->opt->mode == ICS_ANSWERS_PATCH && b->record_no >= 1) {
    fatal(b, line, col, A_PATCH_ONE);
    return false;
  }
  if (b->record_no >= b->max_records) {
    fatal(b, line, col, A_TOO_MANY_RECORDS, b->max_records);
    return false;
  }
  b->record_no++;
  b->record_failed = false;
  size_t n = b->form->field_count;
  if (b->opt->mode != ICS_ANSWERS_PATCH) /* a patch starts from the base, read once */
    for (size_t i = 0; i < n; i++) ics_record_clear(b->rec, (int)i);
  memset(b->given, 0, n * sizeof *b->given);
  memset(b->bad, 0, n * sizeof *b->bad);
  return true;
}

/* The field named `name` (the next one in form order is tried first), or -1. */
int find_field(builder *b, const char *name) {
  size_t n = b->form->field_count;
  for (size_t k = 0; k < n; k++) {
    size_t i = (b->hint + k) % n;
    if (!strcmp(b->form->fields[i].name, name)) {
      b->hint = i + 1;
      return (int)i;
    }
  }
  return -1;
}

/* " (did you mean 'x'?)" for an unknown field name, or "". */
void put_suggestion(builder *b, ics_buf *out, const char *name) {
  if (strlen(name) > 2 * ICS_NAME_MAX) return;
  const char *best = NULL;
  size_t best_d = 3;
  for (size_t i = 0; i < b->form->field_count; i++) {
    const ics_field *f = &b->form->fields[i];
    if (f->type == ICS_NOTE || f->type == ICS_CALCULATE) continue;
    size_t d = ics_edit_distance(name, f->name, 2);
    if (d < best_d) {
      best_d = d;
      best = f->name;
    }
  }
  if (best) ics_buf_printf(out, msg(A_DID_YOU_MEAN, b->lang), best);
}

void unknown_field(builder *b, int line, int col, const char *name) {
  ics_buf m = {0};
  ics_buf_puts(&m, ics_status_message(ICS_E_UNKNOWN_FIELD, b->lang));
  put_suggestion(b, &m, name);
  if (m.failed) out_of_memory(b); /* not a mistake in the file */
  else report(b, ICS_E_UNKNOWN_FIELD, line, col, name, "%s", m.data);
  ics_buf_free(&m);
}

/* A field given a second time in one record; marks it given otherwise. */
bool mark_given(builder *b, int field) {
  if (b->given[field]) {
    report(b, ICS_E_INVALID, 0, 0, b->form->fields[field].name, "%s", msg(A_TWICE, b->lang));
    return false;
  }
  b->given[field] = true;
  return true;
}

/* The status of a failed ics_record_set as a message: its text, the detail, and for a choice
 * list of the form that is short enough, the codes it has. */
static void answer_error(builder *b, int field, ics_code st, ics_error *why) {
  const ics_field *f = &b->form->fields[field];
  b->bad[field] = true;
  if (st == ICS_E_NO_MEMORY || why->code == ICS_E_NO_MEMORY) {
    out_of_memory(b);
    return;
  }
  /* the precise message when there is one beside the general advice */
  const char *detail = why->message && strcmp(why->message, ics_status_message(st, b->lang))
                           ? why->message
                           : NULL;
  ics_buf m = {0};
  ics_buf_puts(&m, ics_status_message(st, b->lang));
  bool list = st == ICS_E_UNKNOWN_CHOICE && f->choices && f->choices->source == ICS_CHOICES_FORM &&
              f->choices->count <= 20;
  if (detail || list) {
    ics_buf_puts(&m, " (");
    if (detail) put_clean(&m, detail, 4 * SHOWN_MAX);
    if (detail && list) ics_buf_puts(&m, "; ");
    if (list) {
      ics_buf codes = {0};
      for (size_t i = 0; i < f->choices->count; i++) {
        if (i) ics_buf_puts(&codes, ", ");
        ics_buf_puts(&codes, f->choices->items[i].code);
      }
      if (codes.failed) m.failed = true;
      else ics_buf_printf(&m, msg(A_CHOICES, b->lang), codes.data);
      ics_buf_free(&codes);
    }
    ics_buf_putc(&m, ')');
  }
  if (m.failed) out_of_memory(b); /* not a mistake in the file */
  else report(b, st, 0, 0, f->name, "%s", m.data);
  ics_buf_free(&m);
}

/* A value given as text; NULL or blank text is "no answer" (it clears the field of a patch). */
void set_text(builder *b, int field, const char *text) {
  if (!text || blank(text)) {
    ics_record_clear(b->rec, field);
    return;
  }
  ics_error why = {0};
  ics_code st = ics_record_set(b->rec, field, text, b->opt->reg, b->lang, &why);
  if (st != ICS_OK) answer_error(b, field, st, &why);
  ics_error_clear(&why);
}

/* A select_multiple given as separate codes (none: no answer). */
void set_codes(builder *b, int field, const char *const *codes, size_t count) {
  if (count == 0) {
    ics_record_clear(b->rec, field);
    return;
  }
  ics_error why = {0};
  ics_code st = ics_record_set_codes(b->rec, field, codes, count, b->opt->reg, b->lang, &why);
  if (st != ICS_OK) answer_error(b, field, st, &why);
  ics_error_clear(&why);
}

/* Checks the record as a whole, then hands it over. */
void end_record(builder *b) {
  if (b->stop) return;
  const ics_form *form = b->form;
  ics_errors v = {0};
  int flags = b->opt->mode == ICS_ANSWERS_DRAFT ? ICS_CHECK_PARTIAL : 0;
  ics_code st = ics_record_check(b->rec, b->opt->reg, b->lang, flags, &v);
  if (st == ICS_E_NO_MEMORY) {
    ics_errors_free(&v);
    out_of_memory(b);
    return;
  }
  for (size_t i = 0; i < v.count; i++) {
    int f = ics_form_field_index(form, v.items[i].field);
    if (f >= 0 && b->bad[f]) continue; /* already reported */
    report(b, v.items[i].code, 0, 0, v.items[i].field, "%s", v.items[i].message);
  }
  ics_errors_free(&v);

  const char *key = form->key >= 0 ? b->rec->values[form->key] : NULL;
  if (key && b->opt->mode != ICS_ANSWERS_PATCH) {
    size_t first;
    if (ics_strset_add(&b->keys, key, b->record_no, &first)) {
      out_of_memory(b);
      return;
    }
    if (first) {
      ics_buf shown = {0};
      put_clean(&shown, key, SHOWN_MAX);
      if (shown.failed)
        out_of_memory(b);
      else
        report(b, ICS_E_CONFLICT, 0, 0, form->fields[form->key].name, msg(A_DUPLICATE_KEY, b->lang),
               shown.data, first);
      ics_buf_free(&shown);
    }
  }
  if (b->record_failed || b->stop) return;
  if (b->callback && b->callback(b->ctx, b->rec, b->record_no) != 0) {
    b->stop = true;
    return;
  }
  b->valid++;
}

/* After the whole input: a patch must have had its record. */
void finish(builder *b) {
  if (!b->stop && b->opt->mode == ICS_ANSWERS_PATCH && b->record_no == 0)
    fatal(b, 0, 0, A_PATCH_ONE);
}
