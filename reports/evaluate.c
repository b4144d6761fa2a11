/* evaluate.c - every indicator of the targets file over the central database: one pass over
 * the de-duplicated records of each form, expressions evaluated per record, sums and counts
 * kept in integers so that targets are assessed exactly. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"

#include "central_schema.h"

/* Among the records made with forms the office published, the most recently updated one of
 * each natural key in the round; ties: the larger instance id, then the larger store id. */
const char *const ics_dedupe_condition =
    "f.round = ?1 AND " ICS_CENTRAL_PUBLISHED("f")
    " AND NOT EXISTS (SELECT 1 FROM \"%s\" g WHERE g.round = f.round"
    " AND g.natural_key = f.natural_key AND " ICS_CENTRAL_PUBLISHED("g")
    " AND (g.updated_at > f.updated_at OR (g.updated_at = f.updated_at"
    " AND (g.instance_id > f.instance_id OR (g.instance_id = f.instance_id AND g.store_id > f.store_id)))))";

const ics_message ics_reports_messages[R_COUNT] = {ICS_REPORTS_MESSAGES(ICS_MESSAGE_ENTRY)};

const char *ics_reports_text(reports_message id, ics_lang lang) {
  return ics_message_text(&ics_reports_messages[id], lang);
}

void ics_report_db_error(sqlite3 *db, ics_lang lang, reports_message message, ics_error *err) {
  ics_code code = ics_code_from_sqlite(sqlite3_extended_errcode(db), db ? sqlite3_system_errno(db) : 0);
  /* a full disk refuses even the shared-memory file a reader of a WAL database writes */
  if (code == ICS_E_NO_MEMORY) ics_error_no_memory(err, lang);
  else if (code == ICS_E_DISK_FULL)
    ics_error_say(err, lang, RMSG(R_DISK_FULL));
  else if (code == ICS_E_BUSY)
    ics_error_say(err, lang, RMSG(message == R_CANNOT_READ ? R_CANNOT_READ_BUSY : R_DATABASE_BUSY),
                  sqlite3_errmsg(db));
  else
    ics_error_say(err, lang, RMSG(message), sqlite3_errmsg(db));
}

/* ---- the arithmetic of targets ------------------------------------------------------------ */
/* Products of counts and exact target fractions overflow 64 bits; GCC and Clang have 128. */
__extension__ typedef __int128 wide;
static int64_t ceil_div(wide a, wide b) { /* b > 0 */
  wide q = a / b;
  if (a % b != 0 && ((a < 0) == (b < 0))) q++;
  return (int64_t)q;
}

static int64_t floor_div(wide a, wide b) {
  wide q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) q--;
  return (int64_t)q;
}

static bool compare(int op, wide lhs, wide rhs) {
  switch (op) {
  case ICS_OP_GE: return lhs >= rhs;
  case ICS_OP_GT: return lhs > rhs;
  case ICS_OP_LE: return lhs <= rhs;
  default: return lhs < rhs;
  }
}

ics_assessment ics_assess(int op, int64_t tn, int64_t td, int64_t n, int64_t d, bool has_value) {
  ics_assessment a = {.status = ICS_NO_DATA};
  if (!has_value || d <= 0 || td <= 0) return a;
  /* compare n/d with tn/td exactly: n*td versus tn*d */
  bool met = compare(op, (wide)n * td, (wide)tn * d);
  a.status = met ? ICS_MET : ICS_NOT_MET;
  double actual = (double)n / (double)d, target = (double)tn / (double)td;
  if (op == ICS_OP_GE || op == ICS_OP_GT) {
    a.gap = met ? 0 : target - actual;
    /* more of the numerator, the denominator fixed: ceil(T*D) - N, or floor(T*D) + 1 - N */
    int64_t want = op == ICS_OP_GE ? ceil_div((wide)tn * d, td) : floor_div((wide)tn * d, td) + 1;
    a.needed = want > n ? want - n : 0;
  } else {
    a.gap = met ? 0 : actual - target;
    /* more of the denominator (lecturers), the numerator fixed: ceil(N/T) - D, or floor + 1 */
    if (tn == 0) {
      a.needed = 0;
    } else {
      int64_t want = op == ICS_OP_LE ? ceil_div((wide)n * td, tn) : floor_div((wide)n * td, tn) + 1;
      a.needed = want > d ? want - d : 0;
    }
  }
  if (met) a.needed = 0;
  return a;
}

bool ics_pace_reaches(int op, int64_t tn, int64_t td, int r0, int64_t n0, int64_t d0, int r1, int64_t n1,
                  int64_t d1, int year) {
  if (r1 <= r0 || d0 <= 0 || d1 <= 0 || td <= 0) return false;
  /* p(y) = v1 + (v1 - v0)(y - r1) / (r1 - r0) = (v1 (y - r0) - v0 (y - r1)) / (r1 - r0), with
   * v = n / d: p = (n1 d0 (y - r0) - n0 d1 (y - r1)) / (d0 d1 (r1 - r0)), a positive
   * denominator; then p OP tn/td is p_num td OP tn p_den. The products stay far inside 128
   * bits for any survey: counts below 10^12, spans of years and target denominators small. */
  wide p_num = (wide)n1 * d0 * (year - r0) - (wide)n0 * d1 * (year - r1);
  wide p_den = (wide)d0 * d1 * (r1 - r0);
  return compare(op, p_num * td, (wide)tn * p_den);
}

/* ---- loading ----------------------------------------------------------------------------- */
const ics_form *ics_evaluation_form(const evaluation *ev, const char *id) {
  for (size_t i = 0; i < ev->form_count; i++)
    if (!strcmp(ev->forms[i]->id, id)) return ev->forms[i];
  return NULL;
}

/* A copy of a column's text ("" for NULL); -1 when memory runs out, SQLite's or ours. */
static int column_copy(sqlite3_stmt *st, int i, ics_lang lang, char **out, ics_error *err) {
  bool null = sqlite3_column_type(st, i) == SQLITE_NULL;
  const char *s = (const char *)sqlite3_column_text(st, i);
  *out = s || null ? ics_strdup(s ? s : "") : NULL; /* NULL text of a value: SQLITE_NOMEM */
  if (*out) return 0;
  ics_error_no_memory(err, lang);
  return -1;
}

/* Prepares sql; -1 with *err. */
static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, ics_lang lang, ics_error *err) {
  if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK) return 0;
  ics_report_db_error(db, lang, R_DATABASE, err);
  *st = NULL;
  return -1;
}

/* The step after the last row: SQLITE_DONE, or the error said. */
static int finished(sqlite3 *db, int step, ics_lang lang, ics_error *err) {
  if (step == SQLITE_DONE) return 0;
  ics_report_db_error(db, lang, R_DATABASE, err);
  return -1;
}

static int load_register(evaluation *ev, ics_error *err) {
  sqlite3_stmt *st;
  if (prepare(ev->db, "SELECT code, name_vi, name_en FROM unit_districts ORDER BY code", &st, ev->lang, err))
    return -1;
  int step, rc = 0;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    report_district *d = ics_realloc(ev->districts, (ev->district_count + 1) * sizeof *d);
    if (!d) {
      ics_error_no_memory(err, ev->lang);
      rc = -1;
      break;
    }
    ev->districts = d;
    d = &d[ev->district_count++];
    *d = (report_district){0};
    rc = column_copy(st, 0, ev->lang, &d->code, err) || column_copy(st, 1, ev->lang, &d->name_vi, err) ||
         column_copy(st, 2, ev->lang, &d->name_en, err) ? -1 : 0;
  }
  if (!rc) rc = finished(ev->db, step, ev->lang, err);
  sqlite3_finalize(st);
  if (rc) return -1;
  if (prepare(ev->db, "SELECT code, name_vi, name_en, type, district FROM unit_agencies ORDER BY type, district, code",
              &st, ev->lang, err))
    return -1;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    report_agency *a = ics_realloc(ev->agencies, (ev->agency_count + 1) * sizeof *a);
    if (!a) {
      ics_error_no_memory(err, ev->lang);
      rc = -1;
      break;
    }
    ev->agencies = a;
    a = &a[ev->agency_count++];
    *a = (report_agency){0};
    rc = column_copy(st, 0, ev->lang, &a->code, err) || column_copy(st, 1, ev->lang, &a->name_vi, err) ||
         column_copy(st, 2, ev->lang, &a->name_en, err) || column_copy(st, 3, ev->lang, &a->type, err) ||
         column_copy(st, 4, ev->lang, &a->district, err) ? -1 : 0;
  }
  if (!rc) rc = finished(ev->db, step, ev->lang, err);
  sqlite3_finalize(st);
  return rc;
}

/* The newest published definition of every form: versions compare as text ("2013.1" after
 * "2012.1"), never by arrival, so any merge order reports the same. */
static int load_forms(evaluation *ev, ics_error *err) {
  sqlite3_stmt *st;
  if (prepare(ev->db,
              "SELECT form_id, definition FROM published_forms f WHERE hash = (SELECT g.hash"
              " FROM published_forms g WHERE g.form_id = f.form_id ORDER BY g.version DESC,"
              " g.hash DESC LIMIT 1) ORDER BY form_id",
              &st, ev->lang, err))
    return -1;
  int step, rc = 0;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(st, 0), *text = (const char *)sqlite3_column_text(st, 1);
    if (!id || !text) { /* NOT NULL columns: SQLite ran out of memory making the text */
      ics_error_no_memory(err, ev->lang);
      rc = -1;
      break;
    }
    char name[ICS_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s.yaml", id);
    ics_errors problems = {0};
    ics_form *form = ics_form_parse(name, text, (size_t)sqlite3_column_bytes(st, 1), ev->lang, &problems);
    ics_form **grown = form ? ics_realloc(ev->forms, (ev->form_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
      /* the office published it, checked: only memory, or a damaged database, stops it */
      if (form || ics_errors_code(&problems) == ICS_E_NO_MEMORY) ics_error_no_memory(err, ev->lang);
      else ics_error_say(err, ev->lang, RMSG(R_FORM_UNREADABLE), name);
      ics_form_free(form);
      rc = -1;
    } else {
      ev->forms = grown;
      ev->forms[ev->form_count++] = form;
    }
    ics_errors_free(&problems);
  }
  if (!rc) rc = finished(ev->db, step, ev->lang, err);
  sqlite3_finalize(st);
  return rc;
}

/* The targets: the file given, else those the office published. NULL with *err (and the
 * file's problems in diags). */
static ics_targets *load_targets(evaluation *ev, const char *targets_path, ics_errors *diags, ics_error *err) {
  const ics_form *const *forms = (const ics_form *const *)ev->forms;
  ics_targets *t = NULL;
  if (targets_path) {
    t = ics_targets_load(targets_path, forms, ev->form_count, ev->lang, diags);
  } else {
    sqlite3_stmt *st;
    if (prepare(ev->db, "SELECT text FROM published WHERE what = 'targets'", &st, ev->lang, err)) return NULL;
    int step = sqlite3_step(st);
    const char *text = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (text)
      t = ics_targets_parse("targets.yaml", text, (size_t)sqlite3_column_bytes(st, 0), forms, ev->form_count,
                            ev->lang, diags);
    else if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
      ics_error_no_memory(err, ev->lang);
    else if (step == SQLITE_ROW || step == SQLITE_DONE)
      ics_error_say(err, ev->lang, RMSG(R_NO_TARGETS));
    else
      ics_report_db_error(ev->db, ev->lang, R_TARGETS_UNREADABLE, err);
    sqlite3_finalize(st);
    if (!text) return NULL;
  }
  if (!t && ics_errors_code(diags) == ICS_E_NO_MEMORY) ics_error_no_memory(err, ev->lang);
  else if (!t) ics_error_say(err, ev->lang, RMSG(R_TARGETS_INVALID));
  return t;
}

/* ---- a form's records -------------------------------------------------------------------- */
ics_value ics_record_value_of(void *record, int field) { return ics_record_value(record, field); }

/* Whether a table has a column (a form's table: whether it exists, with column instance_id). */
static int has_column(sqlite3 *db, const char *table, const char *column, bool *found, ics_lang lang,
                      ics_error *err) {
  sqlite3_stmt *st;
  if (prepare(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", &st, lang, err)) return -1;
  int step = SQLITE_MISUSE;
  if (sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC) == SQLITE_OK)
    step = sqlite3_step(st);
  *found = step == SQLITE_ROW;
  int rc = step == SQLITE_ROW ? 0 : finished(db, step, lang, err);
  sqlite3_finalize(st);
  return rc;
}

/* ---- the rounds -------------------------------------------------------------------------- */
/* Adds round to the ascending set rounds[0..*count) unless it is there; -1: no memory. */
static int add_round(int **rounds, size_t *count, int round) {
  size_t at = 0;
  while (at < *count && (*rounds)[at] < round) at++;
  if (at < *count && (*rounds)[at] == round) return 0;
  int *grown = ics_realloc(*rounds, (*count + 1) * sizeof *grown);
  if (!grown) return -1;
  memmove(grown + at + 1, grown + at, (*count - at) * sizeof *grown);
  grown[at] = round;
  *rounds = grown;
  (*count)++;
  return 0;
}

/* The rounds of one form table: its index by natural key starts with the round, so each next
 * round is one search of it (a skip along the index, not a scan of the records), and a round
 * counts when one of its records was made with a published form. Errors are said as
 * `message`. */
static int table_rounds(sqlite3 *db, const char *table, int **rounds, size_t *count, reports_message message,
                        ics_lang lang, ics_error *err) {
  ics_buf sql = {0};
  ics_buf_printf(&sql,
                 "WITH RECURSIVE r(round) AS (SELECT min(round) FROM \"%s\" UNION ALL"
                 " SELECT (SELECT min(round) FROM \"%s\" WHERE round > r.round) FROM r WHERE r.round IS NOT NULL)"
                 " SELECT round FROM r WHERE round IS NOT NULL AND EXISTS (SELECT 1 FROM \"%s\" f"
                 " WHERE f.round = r.round AND " ICS_CENTRAL_PUBLISHED("f") ")",
                 table, table, table);
  if (sql.failed) {
    ics_error_no_memory(err, lang);
    return -1;
  }
  sqlite3_stmt *st = NULL;
  int rc = 0, step = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) == SQLITE_OK ? SQLITE_ROW : SQLITE_ERROR;
  ics_buf_free(&sql);
  while (step == SQLITE_ROW && (step = sqlite3_step(st)) == SQLITE_ROW)
    if (add_round(rounds, count, sqlite3_column_int(st, 0))) {
      ics_error_no_memory(err, lang);
      rc = -1;
      break;
    }
  if (!rc && step != SQLITE_DONE) {
    ics_report_db_error(db, lang, message, err);
    rc = -1;
  }
  sqlite3_finalize(st);
  return rc;
}

int ics_current_rounds(sqlite3 *db, int **rounds, size_t *count, reports_message message, ics_lang lang,
                       ics_error *err) {
  *rounds = NULL;
  *count = 0;
  /* the tables of the forms the office published (only their records count) */
  sqlite3_stmt *st = NULL;
  int step = sqlite3_prepare_v2(db, "SELECT DISTINCT form_id FROM published_forms ORDER BY 1", -1, &st, NULL) ==
                     SQLITE_OK
                 ? SQLITE_ROW
                 : SQLITE_ERROR;
  char **tables = NULL; /* the names first: each table's query runs once this one is done */
  size_t table_count = 0;
  int rc = 0;
  while (!rc && step == SQLITE_ROW && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(st, 0); /* NULL: SQLite had no memory */
    char table[ICS_CENTRAL_NAME_MAX], **grown = NULL;
    if (id && ics_central_form_table(table, sizeof table, id)) continue; /* no form loader's id */
    if (!id || !(grown = ics_realloc(tables, (table_count + 1) * sizeof *grown))) {
      rc = -1;
      break;
    }
    tables = grown;
    if (!(tables[table_count] = ics_strdup(table))) rc = -1;
    else table_count++;
  }
  if (rc) ics_error_no_memory(err, lang);
  else if (step != SQLITE_DONE) {
    ics_report_db_error(db, lang, message, err);
    rc = -1;
  }
  sqlite3_finalize(st);
  for (size_t i = 0; !rc && i < table_count; i++) {
    bool exists; /* no table: no record of the form yet */
    rc = has_column(db, tables[i], "round", &exists, lang, err);
    if (!rc && exists) rc = table_rounds(db, tables[i], rounds, count, message, lang, err);
  }
  for (size_t i = 0; i < table_count; i++) ics_free(tables[i]);
  ics_free(tables);
  if (rc) {
    ics_free(*rounds);
    *rounds = NULL;
    *count = 0;
  }
  return rc;
}

/* ---- the cursor -------------------------------------------------------------------------- */
/* The cursor of ics_record_cursor_open (first: the caller's column 0) and of
 * ics_record_cursor_open_current (column 0 updated_at, column 1 the natural key). */
static int open_cursor(record_cursor *c, sqlite3 *db, const ics_form *form, const char *first,
                       const char *condition, const char *order, bool dedupe, const bool *wanted, int round,
                       ics_lang lang, bool *exists, ics_error *err) {
  *c = (record_cursor){.form = form, .lang = lang, .dedupe = dedupe};
  char table[ICS_CENTRAL_NAME_MAX];
  ics_central_form_table(table, sizeof table, form->id); /* fits: the form loader's ids do */
  if (has_column(db, table, "instance_id", exists, lang, err)) return -1;
  if (!*exists) return 0;
  /* the columns this table has, of the newest definition's fields */
  c->col_field = ics_calloc(form->field_count + 2, sizeof *c->col_field);
  c->rec = ics_record_new(form);
  c->ahead = dedupe ? ics_record_new(form) : NULL;
  if (!c->col_field || !c->rec || (dedupe && !c->ahead)) {
    ics_record_cursor_close(c);
    ics_error_no_memory(err, lang);
    return -1;
  }
  ics_buf sql = {0};
  ics_buf_printf(&sql, "SELECT %s", first);
  c->columns = c->first_field = dedupe ? 2 : 1;
  for (size_t i = 0; i < form->field_count; i++) {
    c->calculations |= form->fields[i].type == ICS_CALCULATE;
    if (form->fields[i].type == ICS_NOTE || (wanted && !wanted[i])) continue;
    bool has;
    if (has_column(db, table, form->fields[i].name, &has, lang, err)) {
      ics_buf_free(&sql);
      ics_record_cursor_close(c);
      return -1;
    }
    if (!has) continue;
    ics_buf_printf(&sql, ", f.\"%s\"", form->fields[i].name);
    c->col_field[c->columns++] = (int)i;
  }
  ics_buf_printf(&sql, " FROM \"%s\" f WHERE ", table);
  ics_buf_printf(&sql, condition, table);
  if (order) ics_buf_printf(&sql, " ORDER BY %s", order);
  if (sql.failed) {
    ics_buf_free(&sql);
    ics_record_cursor_close(c);
    ics_error_no_memory(err, lang);
    return -1;
  }
  int rc = prepare(db, sql.data, &c->st, lang, err);
  ics_buf_free(&sql);
  if (!rc && sqlite3_bind_int(c->st, 1, round) != SQLITE_OK) {
    ics_report_db_error(db, lang, R_DATABASE, err);
    rc = -1;
  }
  if (rc) ics_record_cursor_close(c);
  return rc;
}

int ics_record_cursor_open(record_cursor *c, sqlite3 *db, const ics_form *form, const char *first,
                           const char *condition, const char *order, int round, ics_lang lang,
                           bool *exists, ics_error *err) {
  return open_cursor(c, db, form, first, condition, order, false, NULL, round, lang, exists, err);
}

/* The records of the round made with published forms, in the order of the index by natural
 * key, so that the records of one key come together, the one counted (ics_dedupe_condition's:
 * the largest updated_at, instance id, store id) last: the cursor keeps one record back and
 * passes it on once the next one has another key. No per-record search of the index. */
int ics_record_cursor_open_current(record_cursor *c, sqlite3 *db, const ics_form *form, const bool *wanted,
                                   int round, ics_lang lang, bool *exists, ics_error *err) {
  for (size_t i = 0; wanted && i < form->field_count; i++)
    if (form->fields[i].type == ICS_CALCULATE) wanted = NULL; /* a calculation may read any field */
  return open_cursor(c, db, form, "f.updated_at, f.natural_key", "f.round = ?1 AND " ICS_CENTRAL_PUBLISHED("f"),
                     "f.round, f.natural_key, f.updated_at, f.instance_id, f.store_id", true, wanted, round,
                     lang, exists, err);
}

/* A column's text into b ("" and *null for NULL); -1 when memory runs out, SQLite's or ours. */
static int column_into(sqlite3_stmt *st, int i, ics_buf *b, bool *null) {
  *null = sqlite3_column_type(st, i) == SQLITE_NULL;
  const char *s = (const char *)sqlite3_column_text(st, i);
  if (!s && !*null) return -1; /* NULL text of a value: SQLITE_NOMEM */
  b->len = 0;
  if (b->data) b->data[0] = '\0';
  ics_buf_append(b, s ? s : "", s ? (size_t)sqlite3_column_bytes(st, i) : 0);
  return b->failed ? -1 : 0;
}

/* The decimal text of v, written at the end of buf[0..cap) (cap >= 21): snprintf's "%lld"
 * without its cost, which was a tenth of a report's time. */
static const char *integer_text(int64_t v, char *buf, size_t cap) {
  char *p = buf + cap;
  *--p = '\0';
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0) *--p = '-';
  return p;
}

/* The row st is on into rec's fields (and, for a cursor that de-duplicates, its first two
 * columns into c's copies `at`: 0 for rec, 1 for ahead). */
static int read_row(record_cursor *c, ics_record *rec, int at, ics_error *err) {
  for (int k = c->first_field; k < c->columns; k++) {
    int field = c->col_field[k];
    ics_free(rec->values[field]);
    rec->values[field] = NULL;
    char buf[40];
    const char *text = NULL;
    switch (sqlite3_column_type(c->st, k)) {
    case SQLITE_NULL: continue;
    case SQLITE_INTEGER:
      text = integer_text(sqlite3_column_int64(c->st, k), buf, sizeof buf);
      break;
    case SQLITE_FLOAT:
      snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(c->st, k));
      text = buf;
      break;
    default:
      text = (const char *)sqlite3_column_text(c->st, k); /* NULL: SQLite out of memory */
    }
    if (!text || !(rec->values[field] = ics_strdup(text))) {
      ics_error_no_memory(err, c->lang);
      return -1;
    }
  }
  if (c->dedupe && (column_into(c->st, 0, &c->side[at].first, &c->side[at].first_null) ||
                    column_into(c->st, 1, &c->side[at].key, &c->side[at].key_null))) {
    ics_error_no_memory(err, c->lang);
    return -1;
  }
  return 0;
}

/* Whether the rows in rec (0) and ahead (1) have the same natural key (never when NULL). */
static bool same_key(const record_cursor *c) {
  const ics_buf *a = &c->side[0].key, *b = &c->side[1].key;
  return !c->side[0].key_null && !c->side[1].key_null && a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* rec's row and ahead's change places. */
static void swap_rows(record_cursor *c) {
  char **values = c->rec->values;
  c->rec->values = c->ahead->values;
  c->ahead->values = values;
  cursor_side side = c->side[0];
  c->side[0] = c->side[1];
  c->side[1] = side;
}

/* Steps to the next row into rec (at 0) or ahead (at 1); *row false at the end. */
static int step_row(record_cursor *c, int at, bool *row, ics_error *err) {
  int step = sqlite3_step(c->st);
  *row = step == SQLITE_ROW;
  if (!*row) return finished(sqlite3_db_handle(c->st), step, c->lang, err);
  return read_row(c, at ? c->ahead : c->rec, at, err);
}

int ics_record_cursor_next(record_cursor *c, bool *row, ics_error *err) {
  if (!c->dedupe) {
    if (step_row(c, 0, row, err)) return -1;
    if (!*row) return 0;
  } else {
    /* ahead holds the row after the one returned last (have_ahead), or nothing yet */
    if (!c->started) {
      c->started = true;
      if (step_row(c, 1, &c->have_ahead, err)) return -1;
    }
    *row = c->have_ahead;
    if (!*row) return 0;
    bool grouped = false;
    for (;;) {
      swap_rows(c); /* the row ahead is the one to return, unless the next has its key */
      if (step_row(c, 1, &c->have_ahead, err)) return -1;
      if (!c->have_ahead || !same_key(c)) break;
      grouped = true;
    }
    c->duplicated_keys += grouped;
  }
  /* calculations are not stored: apply them (the check recomputes every calculate field) */
  if (c->calculations && ics_record_check(c->rec, NULL, c->lang, ICS_CHECK_PARTIAL, NULL) == ICS_E_NO_MEMORY) {
    ics_error_no_memory(err, c->lang);
    return -1;
  }
  return 0;
}

const char *ics_record_cursor_first(const record_cursor *c) {
  if (c->dedupe) return c->side[0].first_null ? NULL : c->side[0].first.data;
  return (const char *)sqlite3_column_text(c->st, 0);
}

void ics_record_cursor_close(record_cursor *c) {
  sqlite3_finalize(c->st);
  ics_record_free(c->rec);
  ics_record_free(c->ahead);
  for (int i = 0; i < 2; i++) {
    ics_buf_free(&c->side[i].first);
    ics_buf_free(&c->side[i].key);
  }
  ics_free(c->col_field);
  *c = (record_cursor){0};
}

/* ---- one pass over a form's records ------------------------------------------------------ */
static int district_index(const evaluation *ev, const char *code) {
  if (!code) return -1;
  for (size_t i = 0; i < ev->district_count; i++)
    if (!strcmp(ev->districts[i].code, code)) return (int)i;
  return -1;
}

static int agency_index(const evaluation *ev, const char *code) {
  if (!code) return -1;
  for (size_t i = 0; i < ev->agency_count; i++)
    if (!strcmp(ev->agencies[i].code, code)) return (int)i;
  return -1;
}

static bool number_of(ics_value v, int64_t *out) {
  if (v.kind == ICS_V_NUM) *out = llround(v.num);
  else if (v.kind == ICS_V_BOOL) *out = v.b;
  else return false;
  return true;
}

static void want_field(bool *wanted, int field) {
  if (field >= 0) wanted[field] = true;
}

static void want_visit(void *wanted, int field) { want_field(wanted, field); }

static int scan_form(evaluation *ev, size_t form_index, ics_error *err) {
  const ics_form *form = ev->forms[form_index];
  record_cursor cur;
  bool exists;
  /* only the fields this pass reads: the district, the staff's groups, the indicators' */
  bool *wanted = ics_calloc(form->field_count + 1, sizeof *wanted);
  if (!wanted) {
    ics_error_no_memory(err, ev->lang);
    return -1;
  }
  static const char *const read_here[] = {"district", "agency", "is_cio", "is_it_staff", "training_needs",
                                          "gender", "birth_year"};
  for (size_t i = 0; i < sizeof read_here / sizeof *read_here; i++) want_field(wanted, ics_form_field_index(form, read_here[i]));
  for (size_t k = 0; k < ev->targets->indicator_count; k++) {
    const ics_indicator *ind = &ev->targets->indicators[k];
    if (ind->form != NULL && strcmp(ind->form->id, form->id)) continue;
    const ics_expr *exprs[] = {ind->where, ind->numerator, ind->denominator};
    for (size_t e = 0; e < 3; e++)
      if (exprs[e]) ics_expr_fields(exprs[e], want_visit, wanted);
    want_field(wanted, ind->district_field);
    if (ind->measure == ICS_MEASURE_AGENCIES) want_field(wanted, ind->link_field);
  }
  int opened = ics_record_cursor_open_current(&cur, ev->db, form, wanted, ev->round, ev->lang, &exists, err);
  ics_free(wanted);
  if (opened) return -1;
  if (!exists) return 0; /* no record of this form yet */
  ics_record *rec = cur.rec;
  int district_field = ics_form_field_index(form, "district");
  bool is_staff = !strcmp(form->id, "staff");
  int agency_field = is_staff ? ics_form_field_index(form, "agency") : -1;
  int cio_field = is_staff ? ics_form_field_index(form, "is_cio") : -1;
  int it_field = is_staff ? ics_form_field_index(form, "is_it_staff") : -1;
  int needs_field = is_staff ? ics_form_field_index(form, "training_needs") : -1;
  int gender_field = is_staff ? ics_form_field_index(form, "gender") : -1;
  int birth_field = is_staff ? ics_form_field_index(form, "birth_year") : -1;
  ics_eval_env env = {.field_value = ics_record_value_of, .ctx = rec};
  int rc = 0;
  bool row;
  while (!(rc = ics_record_cursor_next(&cur, &row, err)) && row) {
    const char *updated = ics_record_cursor_first(&cur); /* NOT NULL */
    if (updated && strcmp(updated, ev->data_date) > 0) snprintf(ev->data_date, sizeof ev->data_date, "%s", updated);
    int d = district_index(ev, district_field >= 0 ? rec->values[district_field] : NULL);
    ev->records_per_form[form_index]++;
    if (d >= 0) ev->records_per_form_district[form_index][d]++;
    ev->total_records++;
    int gender = -1, age = -1; /* the record's priority groups (staff) */
    if (is_staff) {
      const char *g = gender_field >= 0 ? rec->values[gender_field] : NULL;
      if (g && !strcmp(g, "male")) gender = GROUP_MALE;
      else if (g && !strcmp(g, "female")) gender = GROUP_FEMALE;
      const char *by = birth_field >= 0 ? rec->values[birth_field] : NULL;
      char *end = NULL;
      long long born = by && *by ? strtoll(by, &end, 10) : 0;
      if (end && *end == '\0') {
        long long years = (long long)ev->round - born;
        age = years < 30 ? AGE_UNDER_30 : years < 45 ? AGE_30_44 : AGE_45_PLUS;
      }
      int a = agency_index(ev, agency_field >= 0 ? rec->values[agency_field] : NULL);
      if (a >= 0) {
        ev->agencies[a].reported = true;
        if (cio_field >= 0 && rec->values[cio_field] && rec->values[cio_field][0] == '1') ev->agencies[a].cio = true;
        if (it_field >= 0 && rec->values[it_field] && rec->values[it_field][0] == '1') ev->agencies[a].it_staff = true;
      }
      if (needs_field >= 0 && d >= 0 && rec->values[needs_field]) {
        const ics_choice_list *list = form->fields[needs_field].choices;
        for (size_t k = 0; list && k < list->count && k < 8; k++) {
          const char *codes = rec->values[needs_field], *code = list->items[k].code;
          size_t n = strlen(code);
          for (const char *p = codes; (p = strstr(p, code)); p += n)
            if ((p == codes || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
              ev->needs[d][k]++;
              break;
            }
        }
      }
    }
    for (size_t k = 0; k < ev->targets->indicator_count; k++) {
      indicator_value *iv = &ev->values[k];
      const ics_indicator *ind = iv->ind;
      if (ind->form != NULL && strcmp(ind->form->id, form->id)) continue;
      if (ind->measure == ICS_MEASURE_NONE) continue;
      if (ind->where && !ics_value_is_true(ics_expr_eval(ind->where, &env))) continue;
      int dd = ind->by_district && ind->district_field >= 0 ? district_index(ev, rec->values[ind->district_field]) : -1;
      if (ind->measure == ICS_MEASURE_RECORDS) {
        bool hit = ics_value_is_true(ics_expr_eval(ind->numerator, &env));
        iv->province.den++;
        iv->province.num += hit;
        if (dd >= 0) {
          iv->district[dd].den++;
          iv->district[dd].num += hit;
        }
        if (gender >= 0) {
          iv->by_gender[gender].den++;
          iv->by_gender[gender].num += hit;
        }
        if (age >= 0) {
          iv->by_age[age].den++;
          iv->by_age[age].num += hit;
        }
      } else if (ind->measure == ICS_MEASURE_SUM) {
        int64_t n = 0, dn = 0;
        number_of(ics_expr_eval(ind->numerator, &env), &n);
        number_of(ics_expr_eval(ind->denominator, &env), &dn);
        iv->province.num += n;
        iv->province.den += dn;
        if (dd >= 0) {
          iv->district[dd].num += n;
          iv->district[dd].den += dn;
        }
      } else if (ind->measure == ICS_MEASURE_AGENCIES) {
        int a = agency_index(ev, rec->values[ind->link_field]);
        if (a >= 0 && !strcmp(ev->agencies[a].type, ind->agency_type) &&
            ics_value_is_true(ics_expr_eval(ind->numerator, &env)))
          iv->agency_hit[a] = true;
      }
    }
  }
  ev->duplicated_keys[form_index] = cur.duplicated_keys;
  ics_record_cursor_close(&cur);
  return rc;
}

int ics_evaluation_run(evaluation *ev, sqlite3 *db, int round, const char *targets_path,
                   ics_lang lang, ics_errors *diags, ics_error *err) {
  memset(ev, 0, sizeof *ev);
  ev->db = db;
  ev->round = round;
  ev->lang = lang;
  if (load_register(ev, err) || load_forms(ev, err)) return -1;
  if (!(ev->targets = load_targets(ev, targets_path, diags, err))) return -1;
  size_t nd = ev->district_count ? ev->district_count : 1, na = ev->agency_count ? ev->agency_count : 1;
  ev->values = ics_calloc(ev->targets->indicator_count + 1, sizeof *ev->values);
  ev->records_per_form = ics_calloc(ev->form_count + 1, sizeof *ev->records_per_form);
  ev->records_per_form_district = ics_calloc(ev->form_count + 1, sizeof *ev->records_per_form_district);
  ev->duplicated_keys = ics_calloc(ev->form_count + 1, sizeof *ev->duplicated_keys);
  ev->needs = ics_calloc(nd, sizeof *ev->needs);
  bool memory = ev->values && ev->records_per_form && ev->records_per_form_district && ev->duplicated_keys &&
                ev->needs;
  for (size_t i = 0; memory && i < ev->form_count; i++)
    memory = (ev->records_per_form_district[i] = ics_calloc(nd, sizeof **ev->records_per_form_district));
  for (size_t k = 0; memory && k < ev->targets->indicator_count; k++) {
    ev->values[k].ind = &ev->targets->indicators[k];
    ev->values[k].district = ics_calloc(nd, sizeof *ev->values[k].district);
    ev->values[k].agency_hit = ics_calloc(na, sizeof *ev->values[k].agency_hit);
    memory = ev->values[k].district && ev->values[k].agency_hit;
  }
  if (!memory) {
    ics_error_no_memory(err, lang);
    return -1;
  }
  for (size_t i = 0; i < ev->form_count; i++)
    if (scan_form(ev, i, err)) return -1;
  /* agencies measures: every register agency of the type is in the denominator */
  for (size_t k = 0; k < ev->targets->indicator_count; k++) {
    indicator_value *iv = &ev->values[k];
    if (iv->ind->measure != ICS_MEASURE_AGENCIES) continue;
    for (size_t a = 0; a < ev->agency_count; a++) {
      if (strcmp(ev->agencies[a].type, iv->ind->agency_type)) continue;
      iv->province.den++;
      iv->province.num += iv->agency_hit[a];
      int d = iv->ind->by_district ? district_index(ev, ev->agencies[a].district) : -1;
      if (d >= 0) {
        iv->district[d].den++;
        iv->district[d].num += iv->agency_hit[a];
      }
    }
  }
  return 0;
}

void ics_evaluation_free(evaluation *ev) {
  if (ev->values)
    for (size_t k = 0; ev->targets && k < ev->targets->indicator_count; k++) {
      ics_free(ev->values[k].district);
      ics_free(ev->values[k].agency_hit);
    }
  ics_free(ev->values);
  ics_targets_free(ev->targets);
  for (size_t i = 0; i < ev->form_count; i++) {
    if (ev->records_per_form_district) ics_free(ev->records_per_form_district[i]);
    ics_form_free(ev->forms[i]);
  }
  ics_free(ev->forms);
  ics_free(ev->records_per_form);
  ics_free(ev->records_per_form_district);
  ics_free(ev->duplicated_keys);
  ics_free(ev->needs);
  for (size_t i = 0; i < ev->district_count; i++) {
    ics_free(ev->districts[i].code);
    ics_free(ev->districts[i].name_vi);
    ics_free(ev->districts[i].name_en);
  }
  ics_free(ev->districts);
  for (size_t i = 0; i < ev->agency_count; i++) {
    report_agency *a = &ev->agencies[i];
    ics_free(a->code);
    ics_free(a->name_vi);
    ics_free(a->name_en);
    ics_free(a->type);
    ics_free(a->district);
  }
  ics_free(ev->agencies);
}
