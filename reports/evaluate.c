/* evaluate.c - every indicator of the targets file over the central database: one pass over
 * the de-duplicated records of each form, expressions evaluated per record, sums and counts
 * kept in integers so that targets are assessed exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"

/* Among the records made with forms the office published, the most recently updated one of
 * each natural key in the round; ties: the larger instance id, then the larger store id. */
const char *const dedupe_condition =
    "f.round = ?1 AND f.form_hash IN (SELECT hash FROM published_forms)"
    " AND NOT EXISTS (SELECT 1 FROM \"%s\" g WHERE g.round = f.round"
    " AND g.natural_key = f.natural_key AND g.form_hash IN (SELECT hash FROM published_forms)"
    " AND (g.updated_at > f.updated_at OR (g.updated_at = f.updated_at"
    " AND (g.instance_id > f.instance_id OR (g.instance_id = f.instance_id AND g.store_id > f.store_id)))))";

static int set_error(char **error, ics_lang lang, const char *vi, const char *en, const char *detail) {
  ics_buf b = {0};
  ics_buf_printf(&b, lang == ICS_EN ? en : vi, detail ? detail : "");
  ics_free(*error);
  *error = ics_buf_take(&b);
  return 1;
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

bool pace_reaches(int op, int64_t tn, int64_t td, int r0, int64_t n0, int64_t d0, int r1, int64_t n1,
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
const ics_form *evaluation_form(const evaluation *ev, const char *id) {
  for (size_t i = 0; i < ev->form_count; i++)
    if (!strcmp(ev->forms[i]->id, id)) return ev->forms[i];
  return NULL;
}

static char *column_text(sqlite3_stmt *st, int i) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  return ics_strdup(s ? s : "");
}

static int load_register(evaluation *ev, char **error) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(ev->db, "SELECT code, name_vi, name_en FROM unit_districts ORDER BY code", -1, &st, NULL))
    return set_error(error, ev->lang, "lỗi cơ sở dữ liệu: %s", "database error: %s", sqlite3_errmsg(ev->db));
  while (sqlite3_step(st) == SQLITE_ROW) {
    report_district *d = ics_realloc(ev->districts, (ev->district_count + 1) * sizeof *d);
    if (!d) break;
    ev->districts = d;
    d[ev->district_count++] = (report_district){column_text(st, 0), column_text(st, 1), column_text(st, 2)};
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(ev->db, "SELECT code, name_vi, name_en, type, district FROM unit_agencies"
                                 " ORDER BY type, district, code", -1, &st, NULL))
    return set_error(error, ev->lang, "lỗi cơ sở dữ liệu: %s", "database error: %s", sqlite3_errmsg(ev->db));
  while (sqlite3_step(st) == SQLITE_ROW) {
    report_agency *a = ics_realloc(ev->agencies, (ev->agency_count + 1) * sizeof *a);
    if (!a) break;
    ev->agencies = a;
    a[ev->agency_count++] = (report_agency){column_text(st, 0), column_text(st, 1), column_text(st, 2),
                                            column_text(st, 3), column_text(st, 4), false, false, false};
  }
  sqlite3_finalize(st);
  return 0;
}

/* The newest published definition of every form: versions compare as text ("2013.1" after
 * "2012.1"), never by arrival, so any merge order reports the same. */
static int load_forms(evaluation *ev, char **error) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(ev->db,
                         "SELECT form_id, definition FROM published_forms f WHERE hash = (SELECT g.hash"
                         " FROM published_forms g WHERE g.form_id = f.form_id ORDER BY g.version DESC,"
                         " g.hash DESC LIMIT 1) ORDER BY form_id",
                         -1, &st, NULL))
    return set_error(error, ev->lang, "lỗi cơ sở dữ liệu: %s", "database error: %s", sqlite3_errmsg(ev->db));
  int step, rc = 0;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    ics_errors ignored = {0};
    char name[ICS_NAME_MAX + 16];
    const char *id = (const char *)sqlite3_column_text(st, 0), *text = (const char *)sqlite3_column_text(st, 1);
    snprintf(name, sizeof name, "%s.yaml", id ? id : "?");
    /* a NULL text is SQLite out of memory: never let the parser read a file of that name */
    ics_form *form = id && text ? ics_form_parse(name, text, (size_t)sqlite3_column_bytes(st, 1), ev->lang, &ignored)
                                : NULL;
    ics_errors_free(&ignored);
    ics_form **grown = form ? ics_realloc(ev->forms, (ev->form_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
      ics_form_free(form);
      rc = set_error(error, ev->lang, "không đọc được định nghĩa đã công bố của biểu mẫu %s",
                     "the published definition of form %s cannot be read", name);
      break;
    }
    ev->forms = grown;
    ev->forms[ev->form_count++] = form;
  }
  if (!rc && step != SQLITE_DONE)
    rc = set_error(error, ev->lang, "lỗi cơ sở dữ liệu: %s", "database error: %s", sqlite3_errmsg(ev->db));
  sqlite3_finalize(st);
  return rc;
}

/* The targets: the file given, else those the office published. */
static ics_targets *load_targets(evaluation *ev, const char *targets_path, ics_errors *diags, char **error) {
  const ics_form *const *forms = (const ics_form *const *)ev->forms;
  if (targets_path) return ics_targets_load(targets_path, forms, ev->form_count, ev->lang, diags);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(ev->db, "SELECT text FROM published WHERE what = 'targets'", -1, &st, NULL)) {
    set_error(error, ev->lang, "lỗi cơ sở dữ liệu: %s", "database error: %s", sqlite3_errmsg(ev->db));
    return NULL;
  }
  ics_targets *t = NULL;
  int step = sqlite3_step(st);
  const char *text = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (text)
    t = ics_targets_parse("targets.yaml", text, (size_t)sqlite3_column_bytes(st, 0), forms,
                          ev->form_count, ev->lang, diags);
  else if (step == SQLITE_ROW || step != SQLITE_DONE)
    set_error(error, ev->lang, "không đọc được chỉ tiêu đã công bố: %s", "cannot read the published targets: %s",
              step == SQLITE_ROW ? (ev->lang == ICS_EN ? "out of memory" : "không đủ bộ nhớ") : sqlite3_errmsg(ev->db));
  else
    set_error(error, ev->lang, "Sở chưa công bố chỉ tiêu nào: hãy tạo bộ biểu mẫu (ictsurvey kit) hoặc dùng --targets",
              "the office has published no targets yet: publish a kit (ictsurvey kit) or give --targets", NULL);
  sqlite3_finalize(st);
  return t;
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

static ics_value value_of(void *ctx, int field) { return ics_record_value(ctx, field); }

static bool number_of(ics_value v, int64_t *out) {
  if (v.kind == ICS_V_NUM) *out = llround(v.num);
  else if (v.kind == ICS_V_BOOL) *out = v.b;
  else return false;
  return true;
}

static int has_column(sqlite3 *db, const char *table, const char *column) {
  sqlite3_stmt *st;
  int found = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st, NULL)) return 0;
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

static int scan_form(evaluation *ev, size_t form_index, char **error) {
  const ics_form *form = ev->forms[form_index];
  char table[96];
  snprintf(table, sizeof table, "form_%s", form->id);
  if (!has_column(ev->db, table, "instance_id")) return 0; /* no record of this form yet */
  /* the columns this table has, of the newest definition's fields */
  int *col_field = ics_calloc(form->field_count + 1, sizeof *col_field);
  ics_buf sql = {0};
  ics_buf_puts(&sql, "SELECT f.updated_at");
  int columns = 1;
  for (size_t i = 0; col_field && i < form->field_count; i++) {
    if (form->fields[i].type == ICS_NOTE || !has_column(ev->db, table, form->fields[i].name)) continue;
    ics_buf_printf(&sql, ", f.\"%s\"", form->fields[i].name);
    col_field[columns++] = (int)i;
  }
  ics_buf_printf(&sql, " FROM \"%s\" f WHERE ", table);
  ics_buf_printf(&sql, dedupe_condition, table);
  sqlite3_stmt *st = NULL;
  if (!col_field || sql.failed || sqlite3_prepare_v2(ev->db, sql.data, -1, &st, NULL)) {
    ics_free(col_field);
    ics_buf_free(&sql);
    return set_error(error, ev->lang, "lỗi cơ sở dữ liệu: %s", "database error: %s", sqlite3_errmsg(ev->db));
  }
  ics_buf_free(&sql);
  sqlite3_bind_int(st, 1, ev->round);
  ics_record *rec = ics_record_new(form);
  int district_field = ics_form_field_index(form, "district");
  bool is_staff = !strcmp(form->id, "staff");
  int agency_field = is_staff ? ics_form_field_index(form, "agency") : -1;
  int cio_field = is_staff ? ics_form_field_index(form, "is_cio") : -1;
  int it_field = is_staff ? ics_form_field_index(form, "is_it_staff") : -1;
  int needs_field = is_staff ? ics_form_field_index(form, "training_needs") : -1;
  int gender_field = is_staff ? ics_form_field_index(form, "gender") : -1;
  int birth_field = is_staff ? ics_form_field_index(form, "birth_year") : -1;
  ics_eval_env env = {value_of, rec, NULL};
  bool has_calculations = false;
  for (size_t i = 0; i < form->field_count; i++) has_calculations |= form->fields[i].type == ICS_CALCULATE;
  int rc = rec ? 0 : 1;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    const char *updated = (const char *)sqlite3_column_text(st, 0);
    if (updated && strcmp(updated, ev->data_date) > 0) snprintf(ev->data_date, sizeof ev->data_date, "%s", updated);
    for (int c = 1; c < columns; c++) {
      int field = col_field[c];
      ics_free(rec->values[field]);
      rec->values[field] = NULL;
      char buf[40];
      const char *text = NULL;
      switch (sqlite3_column_type(st, c)) {
      case SQLITE_NULL: break;
      case SQLITE_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)sqlite3_column_int64(st, c));
        text = buf;
        break;
      case SQLITE_FLOAT:
        snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, c));
        text = buf;
        break;
      default:
        text = (const char *)sqlite3_column_text(st, c);
      }
      if (text && !(rec->values[field] = ics_strdup(text))) rc = 1;
    }
    /* calculations are not stored: apply them (the check recomputes every calculate field) */
    if (has_calculations) ics_record_check(rec, NULL, ev->lang, ICS_CHECK_PARTIAL, NULL);
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
  sqlite3_finalize(st);
  ics_record_free(rec);
  ics_free(col_field);
  return rc;
}

int evaluation_run(evaluation *ev, sqlite3 *db, int round, const char *targets_path,
                   ics_lang lang, ics_errors *diags, char **error) {
  memset(ev, 0, sizeof *ev);
  ev->db = db;
  ev->round = round;
  ev->lang = lang;
  if (load_register(ev, error) || load_forms(ev, error)) return 1;
  ev->targets = load_targets(ev, targets_path, diags, error);
  if (!ev->targets)
    return *error ? 1 : set_error(error, lang, "tệp chỉ tiêu không hợp lệ", "the targets file is not valid", NULL);
  size_t nd = ev->district_count ? ev->district_count : 1, na = ev->agency_count ? ev->agency_count : 1;
  ev->values = ics_calloc(ev->targets->indicator_count + 1, sizeof *ev->values);
  ev->records_per_form = ics_calloc(ev->form_count + 1, sizeof *ev->records_per_form);
  ev->records_per_form_district = ics_calloc(ev->form_count + 1, sizeof *ev->records_per_form_district);
  ev->needs = ics_calloc(nd, sizeof *ev->needs);
  if (!ev->values || !ev->records_per_form || !ev->records_per_form_district || !ev->needs)
    return set_error(error, lang, "không đủ bộ nhớ", "out of memory", NULL);
  for (size_t i = 0; i < ev->form_count; i++)
    if (!(ev->records_per_form_district[i] = ics_calloc(nd, sizeof **ev->records_per_form_district)))
      return set_error(error, lang, "không đủ bộ nhớ", "out of memory", NULL);
  for (size_t k = 0; k < ev->targets->indicator_count; k++) {
    ev->values[k].ind = &ev->targets->indicators[k];
    ev->values[k].district = ics_calloc(nd, sizeof *ev->values[k].district);
    ev->values[k].agency_hit = ics_calloc(na, sizeof *ev->values[k].agency_hit);
    if (!ev->values[k].district || !ev->values[k].agency_hit)
      return set_error(error, lang, "không đủ bộ nhớ", "out of memory", NULL);
  }
  for (size_t i = 0; i < ev->form_count; i++)
    if (scan_form(ev, i, error)) return 1;
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

void evaluation_free(evaluation *ev) {
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
