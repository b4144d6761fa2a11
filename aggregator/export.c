/* export.c - the current records of one form as CSV for spreadsheets: RFC 4180, UTF-8 with
 * a byte-order mark (so Excel shows Vietnamese correctly), cells that a spreadsheet would
 * take for a formula escaped, personal fields only when asked for. Columns depend only on the
 * data, never on when or in what order bundles were merged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central_private.h"
#include "schema.h"

static void put_cell(FILE *out, const char *s) {
  if (!s) return;
  /* =, +, - and @ start a formula in Excel and LibreOffice: a leading quote keeps it text */
  bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
  bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
  if (!quote) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  if (formula) fputc('\'', out);
  for (const char *p = s; *p; p++) {
    if (*p == '"') fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

/* The newest version of a form the office published (versions compare as text, never by
 * arrival): its fields give the columns, in order. */
static ics_form *newest_form(ics_central *c, const char *form_id, ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT definition, version FROM published_forms WHERE form_id = ?1"
                                " ORDER BY version DESC, hash DESC LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK) {
    ics_central_sql_error(c, err);
    return NULL;
  }
  sqlite3_bind_text(st, 1, form_id, -1, SQLITE_STATIC);
  ics_form *form = NULL;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) {
    ics_errors diags = {0};
    const char *text = (const char *)sqlite3_column_text(st, 0);
    const char *version = (const char *)sqlite3_column_text(st, 1);
    if (!text || !version) /* NOT NULL columns: SQLite had no memory */
      ics_central_no_memory(c, err);
    else if (!(form = ics_form_parse(form_id, text, (size_t)sqlite3_column_bytes(st, 0), c->lang, &diags)) &&
             ics_errors_no_memory(&diags, 0))
      ics_central_no_memory(c, err);
    else if (!form)
      ics_central_say(c, err, AG_PUBLISHED_FORM_UNREADABLE, form_id, version);
    ics_errors_free(&diags);
  } else if (step == SQLITE_DONE) {
    ics_central_say(c, err, AG_FORM_NEVER_PUBLISHED, form_id);
  } else {
    ics_central_sql_error(c, err);
  }
  sqlite3_finalize(st);
  return form;
}

static int cannot_write(ics_central *c, const char *path, ics_error *err) {
  int saved = errno;
  if (saved == ENOSPC) return ics_central_say(c, err, AG_WRITE_DISK_FULL, path);
  return ics_central_say_as(c, err, ics_code_from_errno(saved), AG_CANNOT_WRITE, path, ics_errno_text(saved, c->lang));
}

int ics_central_export_csv(ics_central *c, const char *form_id, const char *path,
                           bool include_personal, ics_error *err) {
  ics_form *form = newest_form(c, form_id, err);
  if (!form) return -1;
  /* the columns: the newest version's fields, in its order */
  ics_buf sql = {0}, header = {0};
  /* a record is its store's: the two ids together name it */
  ics_buf_puts(&sql, "SELECT instance_id, store_id, round, revision");
  const char *fixed[] = {"instance_id", "store_id", "round", "revision"};
  for (int i = 0; i < 4; i++) ics_buf_printf(&header, "%s%s", i ? "," : "", fixed[i]);
  size_t columns = 4;
  for (size_t i = 0; i < form->field_count; i++) {
    const ics_field *f = &form->fields[i];
    if (f->type == ICS_NOTE || (f->personal && !include_personal)) continue;
    ics_buf_printf(&sql, ", \"%s\"", f->name);
    ics_buf_printf(&header, ",%s", f->name);
    columns++;
  }
  /* records made with forms the office never published mean nothing it decided */
  char table[ICS_CENTRAL_NAME_MAX];
  ics_central_form_table(table, sizeof table, form->id); /* fits: a loaded form's id */
  ics_buf_printf(&sql, " FROM \"%s\" f WHERE " ICS_CENTRAL_PUBLISHED("f")
                       " ORDER BY natural_key, instance_id, store_id", table);
  sqlite3_stmt *st = NULL;
  int rc = 0;
  if (sql.failed || header.failed) rc = ics_central_no_memory(c, err);
  else if (sqlite3_prepare_v2(c->db, sql.data, -1, &st, NULL) != SQLITE_OK) rc = ics_central_sql_error(c, err);
  /* a file is written beside its target and renamed over it once whole (ics_output) */
  bool to_stdout = !strcmp(path, "-");
  ics_output target = {.fd = -1};
  FILE *out = NULL;
  if (!rc) {
    if (to_stdout) out = stdout;
    else if (ics_output_begin(&target, path) == 0 && (out = fdopen(target.fd, "wb")))
      target.fd = -1; /* fclose closes it */
    if (!out) rc = cannot_write(c, path, err);
  }
  if (!rc) {
    fputs("\xEF\xBB\xBF", out);
    fputs(header.data, out);
    fputs("\r\n", out);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      for (size_t i = 0; i < columns; i++) {
        if (i) fputc(',', out);
        put_cell(out, (const char *)sqlite3_column_text(st, (int)i));
      }
      fputs("\r\n", out);
    }
    if (step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
    if (!rc && (fflush(out) != 0 || ferror(out))) rc = cannot_write(c, path, err);
  }
  if (out && out != stdout && fclose(out) != 0 && !rc) rc = cannot_write(c, path, err);
  if (!to_stdout && !rc && ics_output_commit(&target) != 0) rc = cannot_write(c, path, err);
  if (!to_stdout) ics_output_end(&target);
  sqlite3_finalize(st);
  ics_buf_free(&sql);
  ics_buf_free(&header);
  ics_form_free(form);
  return rc;
}
