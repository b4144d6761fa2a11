/* xlsx_book.h (private) - what the workbooks of the reports library share in writing with
 * libxlsxwriter: every call checked (the first failure stops the writing and is what the
 * command reports, in the reader's words: which sheet, which cell), the output written to a
 * temporary file and renamed over the target only once whole (ics_output), and the writer run
 * apart from the command (ics_run_apart), since libxlsxwriter 1.1.4 crashes rather than fails
 * when memory runs out. Used by workbook.c (the gap-analysis report) and template.c (the
 * data-entry template). */
#ifndef ICS_XLSX_BOOK_H
#define ICS_XLSX_BOOK_H

#include <time.h>
#include <xlsxwriter.h>

#include "reports_messages.h"
#include "schema.h"

typedef struct {
  lxw_workbook *wb;
  ics_lang lang;
  const char *output;   /* the workbook's name, for messages */
  char sheet[32];       /* the sheet being written, for messages */
  ics_error *err;       /* the first failure: nothing is written after it */
} xl_book;

/* Whether a call failed already: after one, libxlsxwriter's objects may be half made (a sheet
 * not in the workbook, a format missing), and using them could crash. */
bool xl_failed(const xl_book *b);
/* Says that a call failed (where: what was being written, in the reader's words). */
void xl_writer_failed(xl_book *b, lxw_error e, const char *where);
void xl_failed_at_sheet(xl_book *b, lxw_error e);
/* The result of a call about the current sheet: 0, or -1 once anything failed. */
int xl_sheet_result(xl_book *b, lxw_error e);
/* A call returning lxw_error about the current sheet, made only while nothing has failed. */
#define XL_CALL(b, call) (xl_failed(b) ? -1 : xl_sheet_result((b), (call)))
/* The same about a cell (its name in the message). */
int xl_cell_result(xl_book *b, lxw_error e, lxw_row_t r, lxw_col_t c);
int xl_put_string(xl_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f);
int xl_put_number(xl_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f);
/* A new sheet (its name checked as Excel would), or NULL once anything failed. */
lxw_worksheet *xl_add_sheet(xl_book *b, const char *name);
/* A new format, or NULL (said) once anything failed. */
lxw_format *xl_add_format(xl_book *b);

/* Seconds since 1970 of a UTC date and time (timegm is not in every C library). */
time_t xl_utc_seconds(int year, int month, int day, int hour, int minute, int second);

/* Says why an output could not be begun or committed (errno). */
void xl_output_failed(const char *output, int errnum, ics_lang lang, ics_error *err);
/* A workbook at out->tmp (by its narrow name, as libxlsxwriter opens files), or NULL (said). */
lxw_workbook *xl_open(const ics_output *out, const char *output, const lxw_workbook_options *options,
                      ics_lang lang, ics_error *err);
/* Closes the workbook (which writes it), checks what libxlsxwriter said on stderr since
 * `said_mark` (ics_apart_said_mark), and renames the file over the target. 0, or -1 (said).
 * Called only when nothing failed: closing a workbook one of whose calls failed is not safe;
 * the process ends right after instead (the writer runs apart). */
int xl_close(xl_book *b, long said_mark, ics_output *out);

/* Runs write(ctx, tmp, tmp_cap, diags, err) apart from the command (ics_run_apart): write
 * makes the whole workbook, copying its temporary file's name into tmp[0..tmp_cap) as soon as
 * it exists, and returns 0 or -1 with *err (and any diagnostics). Its error and diagnostics
 * come back into *err and diags (may be NULL); a crash of the writer becomes an error naming
 * `output`, and its temporary file is removed. 0 or -1. */
typedef int (*xl_write_fn)(void *ctx, char *tmp, size_t tmp_cap, ics_errors *diags, ics_error *err);
int xl_run_apart(xl_write_fn write, void *ctx, const char *output, ics_lang lang, ics_errors *diags,
                 ics_error *err);

#endif
