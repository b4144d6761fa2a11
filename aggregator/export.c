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
static ics_form *newest_form(ics_central *c, const char *form_id, char **error) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT definition FROM published_forms WHERE form_id = ?1 ORDER BY version DESC, hash DESC LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK) {
    central_error(c, error);
    return NULL;
  }
  sqlite3_bind_text(st, 1, form_id, -1, SQLITE_STATIC);
  ics_form *form = NULL;
  if (sqlite3_step(st) == SQLITE_ROW) {
    ics_errors diags = {0};
    form = ics_form_parse(form_id, (const char *)sqlite3_column_text(st, 0),
                          (size_t)sqlite3_column_bytes(st, 0), c->lang, &diags);
    ics_errors_free(&diags);
  }
  sqlite3_finalize(st);
  if (!form && error && !*error) {
    ics_buf b = {0};
    ics_buf_printf(&b, c->lang == ICS_EN ? "the office never published a form '%s'"
                                         : "Sở chưa từng công bố biểu mẫu '%s'",
                   form_id);
    *error = ics_buf_take(&b);
  }
  return form;
}

static int cannot_write(ics_central *c, const char *path, char **error) {
  int saved = errno;
  ics_buf b = {0};
  if (saved == ENOSPC)
    ics_buf_printf(&b, c->lang == ICS_EN ? "cannot write '%s': the disk is full"
                                         : "không ghi được '%s': ổ đĩa đã đầy", path);
  else
    ics_buf_printf(&b, c->lang == ICS_EN ? "cannot write '%s': %s" : "không ghi được '%s': %s",
                   path, strerror(saved));
  ics_free(*error);
  *error = ics_buf_take(&b);
  return 1;
}

int ics_central_export_csv(ics_central *c, const char *form_id, const char *path,
                           bool include_personal, char **error) {
  ics_form *form = newest_form(c, form_id, error);
  if (!form) return 1;
  /* the columns of every version seen, in the newest version's order, then any others */
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
  ics_buf_printf(&sql, " FROM \"form_%s\" f WHERE " CENTRAL_PUBLISHED("f")
                       " ORDER BY natural_key, instance_id, store_id", form->id);
  sqlite3_stmt *st = NULL;
  int rc = 0;
  if (sql.failed || header.failed) rc = 1;
  else if (sqlite3_prepare_v2(c->db, sql.data, -1, &st, NULL) != SQLITE_OK) rc = central_error(c, error);
  /* a file is written beside its target and renamed over it once whole (ics_output) */
  bool to_stdout = !strcmp(path, "-");
  ics_output target = {.fd = -1};
  FILE *out = NULL;
  if (!rc) {
    if (to_stdout) out = stdout;
    else if (ics_output_begin(&target, path) == 0 && (out = fdopen(target.fd, "wb")))
      target.fd = -1; /* fclose closes it */
    if (!out) rc = cannot_write(c, path, error);
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
    if (step != SQLITE_DONE) rc = central_error(c, error);
    if (!rc && (fflush(out) != 0 || ferror(out))) rc = cannot_write(c, path, error);
  }
  if (out && out != stdout && fclose(out) != 0 && !rc) rc = cannot_write(c, path, error);
  if (!to_stdout && !rc && ics_output_commit(&target) != 0) rc = cannot_write(c, path, error);
  if (!to_stdout) ics_output_end(&target);
  sqlite3_finalize(st);
  ics_buf_free(&sql);
  ics_buf_free(&header);
  ics_form_free(form);
  return rc;
}
