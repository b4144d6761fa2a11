/* xlsx_book.c - the checked calls of libxlsxwriter, the whole-or-nothing output and the writer
 * run apart that the workbooks of the reports library share (xlsx_book.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "xlsx_book.h"

/* ---- libxlsxwriter's calls, checked -------------------------------------------------------- */
bool xl_failed(const xl_book *b) { return b->err->code != ICS_OK; }

void xl_writer_failed(xl_book *b, lxw_error e, const char *where) {
  if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
    ics_error_say(b->err, b->lang, RMSG(R_WRITER_MEMORY), b->output, where);
  else
    ics_error_say(b->err, b->lang, RMSG(R_WRITER), b->output, where, lxw_strerror(e));
}

void xl_failed_at_sheet(xl_book *b, lxw_error e) {
  char where[160];
  snprintf(where, sizeof where, ics_reports_text(R_AT_SHEET, b->lang), b->sheet);
  xl_writer_failed(b, e, where);
}

int xl_sheet_result(xl_book *b, lxw_error e) {
  if (e != LXW_NO_ERROR) xl_failed_at_sheet(b, e);
  return xl_failed(b) ? -1 : 0;
}

int xl_cell_result(xl_book *b, lxw_error e, lxw_row_t r, lxw_col_t c) {
  if (e != LXW_NO_ERROR) {
    char cell[LXW_MAX_CELL_NAME_LENGTH + 1], where[200];
    lxw_rowcol_to_cell(cell, r, c);
    snprintf(where, sizeof where, ics_reports_text(R_AT_CELL, b->lang), b->sheet, cell);
    xl_writer_failed(b, e, where);
  }
  return xl_failed(b) ? -1 : 0;
}

int xl_put_string(xl_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f) {
  return xl_failed(b) ? -1 : xl_cell_result(b, worksheet_write_string(ws, r, c, s, f), r, c);
}

int xl_put_number(xl_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f) {
  return xl_failed(b) ? -1 : xl_cell_result(b, worksheet_write_number(ws, r, c, v, f), r, c);
}

lxw_worksheet *xl_add_sheet(xl_book *b, const char *name) {
  if (xl_failed(b)) return NULL;
  snprintf(b->sheet, sizeof b->sheet, "%s", name);
  char where[160];
  snprintf(where, sizeof where, ics_reports_text(R_AT_NEW_SHEET, b->lang), b->sheet);
  /* a name Excel refuses (or a form named like a fixed sheet) says why; NULL then is memory */
  lxw_error e = workbook_validate_sheet_name(b->wb, name);
  lxw_worksheet *ws = e == LXW_NO_ERROR ? workbook_add_worksheet(b->wb, name) : NULL;
  if (!ws) xl_writer_failed(b, e != LXW_NO_ERROR ? e : LXW_ERROR_MEMORY_MALLOC_FAILED, where);
  return ws;
}

lxw_format *xl_add_format(xl_book *b) {
  if (xl_failed(b)) return NULL;
  lxw_format *f = workbook_add_format(b->wb);
  if (!f) xl_writer_failed(b, LXW_ERROR_MEMORY_MALLOC_FAILED, ics_reports_text(R_AT_FORMATS, b->lang));
  return f;
}

/* Days are counted in 400-year eras of 146097 days starting on 1 March, so that the leap day
 * ends a year. */
time_t xl_utc_seconds(int year, int month, int day, int hour, int minute, int second) {
  long y = year - (month <= 2);
  long era = (y >= 0 ? y : y - 399) / 400;
  long year_of_era = y - era * 400;
  long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  long days = era * 146097 + day_of_era - 719468; /* 719468: 0000-03-01 to 1970-01-01 */
  return (time_t)days * 86400 + hour * 3600 + minute * 60 + second;
}

/* ---- the output ------------------------------------------------------------------------------ */
void xl_output_failed(const char *output, int errnum, ics_lang lang, ics_error *err) {
  ics_code code = ics_code_from_errno(errnum); /* a refusal is one, not an I/O error */
  if (code == ICS_E_NO_MEMORY) ics_error_say(err, lang, RMSG(R_CANNOT_WRITE_MEMORY), output);
  else if (code == ICS_E_DISK_FULL)
    ics_error_say(err, lang, RMSG(R_CANNOT_WRITE_DISK), output, strerror(errnum));
  else ics_error_say_as(err, lang, code, NULL, 0, 0, RMSG(R_CANNOT_WRITE), output, strerror(errnum));
}

lxw_workbook *xl_open(const ics_output *out, const char *output, const lxw_workbook_options *options,
                      ics_lang lang, ics_error *err) {
  errno = 0;
  /* libxlsxwriter opens the file by a narrow name: on Windows one the ANSI code page spells */
  char *narrow = ics_narrow_path(out->tmp);
  lxw_workbook *wb = narrow ? workbook_new_opt(narrow, (lxw_workbook_options *)options) : NULL;
  ics_free(narrow);
  if (!wb) xl_output_failed(output, errno ? errno : ENOMEM, lang, err);
  return wb;
}

/* Some failures inside libxlsxwriter are not passed on by the call that met them (the index
 * of a cell's format, a row written out in constant-memory mode): libxlsxwriter only says so
 * on stderr, which the work run apart keeps (ics_apart_said_since). */
int xl_close(xl_book *b, long said_mark, ics_output *out) {
  lxw_error e = workbook_close(b->wb);
  char said[300];
  if (e == LXW_NO_ERROR && ics_apart_said_since(said_mark, said, sizeof said)) {
    ics_error_say(b->err, b->lang,
                  RMSG(strstr(said, "Memory allocation failed") ? R_WRITER_SAID_MEMORY : R_WRITER_SAID),
                  b->output, said);
    return -1;
  }
  if (e == LXW_ERROR_MEMORY_MALLOC_FAILED) {
    ics_error_say(b->err, b->lang, RMSG(R_CANNOT_WRITE_MEMORY), b->output);
    return -1;
  }
  if (e != LXW_NO_ERROR) {
    ics_error_say(b->err, b->lang, RMSG(R_CANNOT_WRITE), b->output, lxw_strerror(e));
    return -1;
  }
  if (ics_output_commit(out) != 0) {
    xl_output_failed(b->output, errno, b->lang, b->err);
    return -1;
  }
  return 0;
}

/* ---- the writer, run apart ---------------------------------------------------------------------
 * libxlsxwriter (1.1.4, Debian 12) does not check every allocation it makes: its XML writer
 * uses malloc's result unchecked (lxw_new_attribute_str...) while rows are written out in
 * constant-memory mode and while workbook_close writes the file, so running out of memory
 * there is a crash, not an error one of its calls returns. A workbook is therefore written by
 * work run apart from the command (ics_run_apart, common's seam: a child process on POSIX),
 * which leaves its result in shared memory: a crash of the writer becomes a failure the
 * command reports, and its temporary file is removed. */
enum { RESULT_BYTES = 256 * 1024, TMP_NAME_MAX = 8192 };

typedef struct {
  int done;           /* set last by the writer: 1 written, 2 failed (the error follows) */
  size_t used;        /* bytes of data: the error, then each diagnostic */
  size_t dropped;     /* diagnostics not passed on */
  bool no_memory;     /* one of them was that memory ran out */
  char tmp[TMP_NAME_MAX]; /* the temporary file, once it exists */
  char data[];
} writer_result;

typedef struct {
  int32_t code, line, column;
  uint32_t file_len; /* UINT32_MAX: no file */
  uint32_t message_len;
} entry_head;

static bool put_entry(writer_result *res, const ics_error *e) {
  const char *message = e->message ? e->message : "";
  entry_head h = {(int32_t)e->code, e->line, e->column, e->file ? (uint32_t)strlen(e->file) : UINT32_MAX,
                  (uint32_t)strlen(message)};
  size_t need = sizeof h + (e->file ? h.file_len : 0) + h.message_len;
  if (need > RESULT_BYTES - offsetof(writer_result, data) - res->used) return false;
  char *p = res->data + res->used;
  memcpy(p, &h, sizeof h);
  p += sizeof h;
  if (e->file) memcpy(p, e->file, h.file_len), p += h.file_len;
  memcpy(p, message, h.message_len);
  res->used += need;
  return true;
}

/* The next entry at *at into *e (in the caller's language already: it is copied). */
static void get_entry(const writer_result *res, size_t *at, ics_lang lang, ics_error *e) {
  entry_head h;
  memcpy(&h, res->data + *at, sizeof h);
  const char *p = res->data + *at + sizeof h;
  size_t file_len = h.file_len == UINT32_MAX ? 0 : h.file_len;
  char *message = h.code == ICS_E_NO_MEMORY ? NULL : ics_strndup(p + file_len, h.message_len);
  if (message) ics_error_set(e, lang, (ics_code)h.code, message);
  else ics_error_no_memory(e, lang); /* the child's, or ours: said as every command says it */
  ics_free(message);
  if (h.file_len != UINT32_MAX) {
    char *file = ics_strndup(p, file_len);
    if (file) ics_error_locate(e, file, h.line, h.column);
    ics_free(file);
  }
  *at += sizeof h + file_len + h.message_len;
}

typedef struct {
  xl_write_fn write;
  void *ctx;
  ics_lang lang;
  writer_result *res;
} writer_job;

/* The writer could not be started (no memory to map, no process to fork: EAGAIN, EMFILE...). */
static void writer_not_started(const char *output, int errnum, ics_lang lang, ics_error *err) {
  ics_error_say_as(err, lang, ics_code_from_errno(errnum), NULL, 0, 0, RMSG(R_WRITER_START), output,
                   strerror(errnum));
}

/* The work run apart: the whole workbook, its result left in the shared res. */
static int writer_work(void *ctx) {
  writer_job *job = ctx;
  writer_result *res = job->res;
  ics_errors diags = {0};
  ics_error err = {0};
  int rc = job->write(job->ctx, res->tmp, sizeof res->tmp, &diags, &err);
  if (rc) {
    if (err.code == ICS_OK) ics_error_no_memory(&err, job->lang); /* not reached: -1 always says why */
    put_entry(res, &err);
    for (size_t i = 0; i < diags.count; i++)
      if (!put_entry(res, &diags.items[i])) res->dropped++;
    res->dropped += diags.dropped;
    res->no_memory = diags.no_memory;
  }
  res->done = rc ? 2 : 1;
  ics_errors_free(&diags);
  ics_error_clear(&err);
  return rc ? 1 : 0;
}

int xl_run_apart(xl_write_fn write, void *ctx, const char *output, ics_lang lang, ics_errors *diags,
                 ics_error *err) {
  writer_result *res = ics_shared_alloc(RESULT_BYTES);
  if (!res) {
    writer_not_started(output, errno, lang, err);
    return -1;
  }
  writer_job job = {write, ctx, lang, res};
  ics_apart_outcome outcome;
  if (ics_run_apart(writer_work, &job, &outcome) != 0) {
    writer_not_started(output, errno, lang, err);
    ics_shared_free(res, RESULT_BYTES);
    return -1;
  }
  /* the writer's stderr (libxlsxwriter's complaints, a sanitizer's report), as it would have
   * been printed */
  if (outcome.said) fwrite(outcome.said, 1, outcome.said_len, stderr);
  ics_free(outcome.said);
  int rc = 0;
  if (res->done == 1) {
    rc = 0;
  } else if (res->done == 2) {
    size_t at = 0;
    get_entry(res, &at, lang, err);
    while (at < res->used) {
      ics_error d = {0};
      get_entry(res, &at, lang, &d);
      if (diags) ics_errors_add(diags, &d);
      ics_error_clear(&d);
    }
    if (diags) {
      diags->dropped += res->dropped;
      diags->no_memory |= res->no_memory;
    }
    rc = -1;
  } else {
    /* the writer stopped before it could say why: libxlsxwriter's crash without memory */
    if (outcome.signal)
      ics_error_say(err, lang, RMSG(R_WRITER_STOPPED), output, outcome.signal);
    else
      ics_error_say(err, lang, RMSG(R_WRITER_LOST), output, outcome.returned ? outcome.status : -1);
    if (res->tmp[0]) ics_remove_file(res->tmp);
    rc = -1;
  }
  ics_shared_free(res, RESULT_BYTES);
  return rc;
}
