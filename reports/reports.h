/* reports.h - the gap-analysis workbook: the targets file (docs/targets.md) evaluated against
 * the central database for one round, written with libxlsxwriter for managers
 * (docs/reports.md; the command `ictsurvey report` and the sheets' layout: docs/cli.md). */
#ifndef ICS_REPORTS_H
#define ICS_REPORTS_H

#include "ics_common.h"

typedef enum { ICS_RECORDS_AUTO, ICS_RECORDS_ALWAYS, ICS_RECORDS_NEVER } ics_records_mode;

typedef struct {
  struct sqlite3 *db;        /* the central database, opened by the aggregator (which upgrades
                                one made by an earlier version and refuses other files); a file:
                                the writer reads it on a connection of its own */
  int round;                 /* 0: the latest round present */
  const char *targets_path;  /* NULL: the targets the office published */
  ics_lang lang;
  ics_records_mode records;  /* record sheets: AUTO includes forms with at most 100,000 */
  bool include_personal;     /* personal fields in record sheets */
  const char *output;        /* the .xlsx to write */
} ics_report_options;

/* Writes the workbook: to a temporary file beside options->output, renamed over it only once
 * complete, so that after any failure the file there is the one that was there before (or
 * there is none). The file is byte-identical for the same database and options. 0, or -1
 * with *err; the problems of a bad targets file go to diags. The work is done in a child
 * process (fork), which a single-threaded caller does not notice: libxlsxwriter may crash
 * when memory runs out (workbook.c), and the command still reports it. */
int ics_report_write(const ics_report_options *options, ics_errors *diags, ics_error *err);

/* ---- the data-entry template (docs/cli.md, "collect template") ----------------------------
 * A workbook in which a school secretary types a form's records in Excel or LibreOffice, for
 * `collect fill --answers FILE.xlsx`: its first sheet holds the data (row 1 the question
 * labels, row 2 the field names, records from row 3), with a dropdown on every choice column
 * and the checks Excel can make of the form's rules; the instructions, an example record and
 * the code lists are on other sheets (docs/cli.md says which). */
enum {
  ICS_TEMPLATE_ROWS = 2000,         /* records the data sheet's checks cover: rows 3 to 2002 */
  ICS_TEMPLATE_MAX_COMBINATIONS = 2000, /* dependent dropdowns: at most so many answers of the
                                           questions a choice_filter reads */
};

typedef struct {
  const struct ics_form *form;
  const struct ics_register *reg;
  int round;           /* the round of the store or the kit it is made for; 0: not known */
  const char *origin;  /* what it was made from ("store ID", "kit N"), kept in the file; or NULL */
  ics_lang lang;       /* of every label, list and text in it */
  const char *output;  /* the .xlsx to write */
} ics_template_options;

/* Writes the template whole or not at all, as ics_report_write does (a temporary file renamed
 * over output; the writer run apart). The same options give the same bytes. 0, or -1 with
 * *err. */
int ics_template_write(const ics_template_options *options, ics_error *err);

/* ---- the arithmetic of targets (docs/targets.md, "Gap and needed"), exposed for tests ---- */
typedef enum { ICS_NO_DATA, ICS_MET, ICS_NOT_MET } ics_target_status;

typedef struct {
  ics_target_status status;
  double gap;       /* how far from the target, 0 when met */
  int64_t needed;   /* the smallest number of additional units that meets the target */
} ics_assessment;

/* For a target (op, num/den as exact fraction) and an actual value N / D. has_value false
 * (D == 0, or no data source) gives ICS_NO_DATA. */
ics_assessment ics_assess(int op, int64_t target_num, int64_t target_den, int64_t n, int64_t d,
                          bool has_value);

#endif
