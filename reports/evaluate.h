/* evaluate.h (private) - indicators evaluated over the de-duplicated records of a round
 * (docs/targets.md), and what the workbook writer shares with the evaluation: the message
 * table and reading a form's records. */
#ifndef ICS_EVALUATE_H
#define ICS_EVALUATE_H

#include <sqlite3.h>

#include "reports.h"
#include "reports_messages.h"
#include "schema.h"

typedef enum { ICS_REPORTS_MESSAGES(ICS_MESSAGE_ID) R_COUNT } reports_message;

extern const ics_message ics_reports_messages[R_COUNT];
/* A message of the table, for ics_error_say. */
#define RMSG(id) (&ics_reports_messages[id])
/* The text of a message that is part of another (the R_AT_... places). */
const char *ics_reports_text(reports_message id, ics_lang lang);

/* Says why an SQLite call on db failed: out of memory, a full disk, a database busy, or
 * `message` (R_DATABASE, R_CANNOT_READ: one %s, SQLite's own words). */
void ics_report_db_error(sqlite3 *db, ics_lang lang, reports_message message, ics_error *err);

typedef struct {
  int64_t num, den;
} ics_counts;

typedef struct {
  char *code;
  char *name_vi, *name_en;
} report_district;

typedef struct {
  char *code, *name_vi, *name_en, *type, *district;
  bool reported;        /* at least one staff record names it */
  bool cio, it_staff;   /* a record with is_cio / is_it_staff yes */
} report_agency;

/* The priority groups of section II.1.b (staff records measures only). */
enum { GROUP_MALE, GROUP_FEMALE, GENDER_GROUPS };
enum { AGE_UNDER_30, AGE_30_44, AGE_45_PLUS, AGE_GROUPS };

typedef struct {
  const ics_indicator *ind;
  ics_counts province;
  ics_counts *district;  /* per report district */
  bool *agency_hit;      /* agencies measure: per report agency */
  /* records measures of form staff: by the record's gender, and by its age in the round's
   * year (round - birth_year); a record without either counts in no group of it */
  ics_counts by_gender[GENDER_GROUPS];
  ics_counts by_age[AGE_GROUPS];
} indicator_value;

typedef struct {
  sqlite3 *db;
  int round;
  ics_lang lang;
  ics_form **forms;      /* the newest definition of each form (from the database, else shipped) */
  size_t form_count;
  ics_targets *targets;
  indicator_value *values;
  report_district *districts;
  size_t district_count;
  report_agency *agencies;
  size_t agency_count;
  int64_t *records_per_form;            /* de-duplicated, this round */
  int64_t **records_per_form_district;  /* [form][district] */
  int64_t *duplicated_keys;             /* natural keys of the round that records share */
  int64_t (*needs)[8];                  /* per district: training_needs counts (first 8 codes) */
  char data_date[21];                   /* the latest updated_at of the round */
  int64_t total_records;
} evaluation;

/* Loads forms, register and targets and evaluates every indicator. 0, or -1 with *err (the
 * problems of a targets file in diags); ics_evaluation_free in either case. */
int ics_evaluation_run(evaluation *ev, sqlite3 *db, int round, const char *targets_path,
                   ics_lang lang, ics_errors *diags, ics_error *err);
void ics_evaluation_free(evaluation *ev);
const ics_form *ics_evaluation_form(const evaluation *ev, const char *id);
/* Whether the straight line through the values n0/d0 in round r0 and n1/d1 in round r1
 * (r0 < r1, d0, d1 > 0), extended to `year`, satisfies the target tn/td with comparator op;
 * computed exactly, in integers. */
bool ics_pace_reaches(int op, int64_t tn, int64_t td, int r0, int64_t n0, int64_t d0, int r1, int64_t n1,
                  int64_t d1, int year);
/* The rounds with a current record made with a published form, ascending, read from the
 * tables of the published forms: 0, or -1 with *err (a database error said as `message`,
 * R_DATABASE or R_CANNOT_READ); *rounds to ics_free. */
int ics_current_rounds(sqlite3 *db, int **rounds, size_t *count, reports_message message, ics_lang lang,
                       ics_error *err);
/* The SQL condition that keeps one record per natural key in a round (docs/reports.md: the
 * most recently updated one); its %s is the form's table. */
extern const char *const ics_dedupe_condition;

/* What a de-duplicating cursor keeps of a row besides its fields: its first column and its
 * natural key. */
typedef struct {
  ics_buf first, key;
  bool first_null, key_null;
} cursor_side;

/* The records of a form's table, row by row, each in a record: the stored fields of the
 * newest definition that the table has (every field but notes; calculations computed), after
 * a first column of the caller's choice. */
typedef struct {
  const ics_form *form;
  sqlite3_stmt *st;
  ics_record *rec;
  int *col_field;  /* column c (from first_field) holds the field col_field[c] */
  int columns, first_field;
  bool calculations;
  ics_lang lang;
  /* ics_record_cursor_open_current: the row read after rec's, and both rows' first column
   * and natural key (side[0] rec's, side[1] ahead's) */
  bool dedupe, started, have_ahead;
  ics_record *ahead;
  cursor_side side[2];
  int64_t duplicated_keys; /* so far: keys that more than one record had */
} record_cursor;

/* Opens a cursor on "SELECT first, fields FROM form_ID f WHERE condition ORDER BY order"
 * (condition's %s: the table; ?1 is bound to round; order may be NULL). *exists is false,
 * and nothing opened, when the table does not exist (no record of the form yet). */
int ics_record_cursor_open(record_cursor *c, sqlite3 *db, const ics_form *form, const char *first,
                           const char *condition, const char *order, int round, ics_lang lang,
                           bool *exists, ics_error *err);
/* Opens a cursor on the records of the round that count, one per natural key (those of
 * ics_dedupe_condition), in the order of their keys; its first column is updated_at. Only the
 * fields where wanted[field] is true are read (every field when wanted is NULL, or when the
 * form has calculations), the others stay empty. */
int ics_record_cursor_open_current(record_cursor *c, sqlite3 *db, const ics_form *form, const bool *wanted,
                                   int round, ics_lang lang, bool *exists, ics_error *err);
/* The next row into c->rec: *row false at the end. */
int ics_record_cursor_next(record_cursor *c, bool *row, ics_error *err);
/* The first column of the row in c->rec (NULL for SQL's NULL). */
const char *ics_record_cursor_first(const record_cursor *c);
void ics_record_cursor_close(record_cursor *c);
/* The value of a field of a cursor's record, for expressions (ics_eval_env.field_value). */
ics_value ics_record_value_of(void *record, int field);

#endif
