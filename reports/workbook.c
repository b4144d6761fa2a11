/* workbook.c - the gap-analysis workbook (docs/reports.md, docs/cli.md): Summary, By district,
 * Progress, Priority groups, Training needs, Agencies, Data quality and one sheet of records
 * per form, written with libxlsxwriter in constant-memory mode, rows in order, every number a
 * value. Every call of libxlsxwriter and SQLite is checked: the first failure stops the
 * writing and is what the command reports, and the file at -o is only replaced by a complete
 * workbook (ics_output). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "central_schema.h"
#include "evaluate.h"
#include "xlsx_book.h"

enum { EXCEL_MAX_ROWS = 1048576, RECORDS_AUTO_LIMIT = 100000 };

/* The province's counts of every indicator in each round shown on the Progress sheet: the
 * rounds present in the database up to the reported one, so that merging a later round never
 * changes the report of an earlier one. */
typedef struct {
  int *rounds;          /* ascending */
  size_t round_count;
  ics_counts *values;   /* [round index * indicator_count + indicator] */
} progress;

typedef struct {
  xl_book xl;           /* the workbook, the sheet being written, the first failure */
  evaluation *ev;
  const progress *pg;
  lxw_format *title, *subtitle, *header, *text, *wrap, *integer, *percent, *ratio, *met, *not_met,
      *no_data, *target_ge_pct, *target_gt_pct, *target_le, *target_lt, *target_ge, *target_gt,
      *target_le_pct, *target_lt_pct, *bold;
} book;

#define T(b, vi, en) ((b)->xl.lang == ICS_EN ? (en) : (vi))

/* ---- libxlsxwriter's calls, checked (xlsx_book.h) -------------------------------------------
 * Each writer stops at the first failure. */
static bool failed(const book *b) { return xl_failed(&b->xl); }

static void writer_failed(book *b, lxw_error e, const char *where) { xl_writer_failed(&b->xl, e, where); }

static void failed_at_chart(book *b) {
  char where[160];
  snprintf(where, sizeof where, ics_reports_text(R_AT_CHART, b->xl.lang), b->xl.sheet);
  writer_failed(b, LXW_ERROR_MEMORY_MALLOC_FAILED, where);
}

/* A call returning lxw_error, made only while nothing has failed. */
#define XL(b, call) XL_CALL(&(b)->xl, call)

static int put_string(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f) {
  return xl_put_string(&b->xl, ws, r, c, s, f);
}

static int put_number(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f) {
  return xl_put_number(&b->xl, ws, r, c, v, f);
}

static lxw_worksheet *add_sheet(book *b, const char *name) { return xl_add_sheet(&b->xl, name); }

/* A chart with its first series, or NULL (said) once anything failed. */
static lxw_chart *add_chart(book *b, uint8_t type, lxw_chart_series **series) {
  if (failed(b)) return NULL;
  lxw_chart *chart = workbook_add_chart(b->xl.wb, type);
  *series = chart ? chart_add_series(chart, NULL, NULL) : NULL;
  if (!*series) failed_at_chart(b);
  return *series ? chart : NULL;
}

/* Chart settings are void calls whose copies libxlsxwriter allocates: each is checked by
 * what it leaves in the chart. */
static int set_series(book *b, lxw_chart_series *s, const char *sheet, lxw_row_t r0, lxw_col_t c0,
                      lxw_row_t r1, lxw_col_t c1, lxw_row_t vr0, lxw_col_t vc0, lxw_row_t vr1,
                      lxw_col_t vc1, const char *name) {
  if (failed(b)) return -1;
  chart_series_set_categories(s, sheet, r0, c0, r1, c1);
  chart_series_set_values(s, sheet, vr0, vc0, vr1, vc1);
  chart_series_set_name(s, name);
  if (!s->categories->formula || !s->categories->sheetname || !s->values->formula || !s->values->sheetname ||
      !s->title.name)
    failed_at_chart(b);
  return failed(b) ? -1 : 0;
}

static int set_chart(book *b, lxw_chart *chart, const char *title, uint8_t legend, bool percent_axis) {
  if (failed(b)) return -1;
  chart_title_set_name(chart, title);
  chart_legend_set_position(chart, legend);
  if (percent_axis) chart_axis_set_num_format(chart->y_axis, "0%");
  if (!chart->title.name || (percent_axis && !chart->y_axis->num_format)) failed_at_chart(b);
  return failed(b) ? -1 : 0;
}

static const char *status_text(const book *b, ics_target_status s) {
  switch (s) {
  case ICS_MET: return T(b, "đạt", "met");
  case ICS_NOT_MET: return T(b, "chưa đạt", "not met");
  default: return T(b, "không có dữ liệu", "no data");
  }
}

static lxw_format *fmt(book *b, const char *num, bool bold, uint32_t bg) {
  lxw_format *f = xl_add_format(&b->xl);
  if (!f) return NULL;
  format_set_font_name(f, "Arial");
  format_set_font_size(f, 10);
  if (num) format_set_num_format(f, num);
  if (bold) format_set_bold(f);
  if (bg) format_set_bg_color(f, bg);
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  return f;
}

/* A format for the status colours: a fill and a font colour only. */
static lxw_format *colour(book *b, uint32_t bg, uint32_t font) {
  lxw_format *f = xl_add_format(&b->xl);
  if (!f) return NULL;
  format_set_bg_color(f, bg);
  format_set_font_color(f, font);
  return f;
}

static int make_formats(book *b) {
  if ((b->title = fmt(b, NULL, true, 0))) format_set_font_size(b->title, 14);
  b->subtitle = fmt(b, NULL, false, 0);
  if ((b->header = fmt(b, NULL, true, 0xDDEBF7))) {
    format_set_text_wrap(b->header);
    format_set_border(b->header, LXW_BORDER_THIN);
  }
  b->text = fmt(b, NULL, false, 0);
  if ((b->wrap = fmt(b, NULL, false, 0))) format_set_text_wrap(b->wrap);
  b->integer = fmt(b, "#,##0", false, 0);
  b->percent = fmt(b, "0.0%", false, 0);
  b->ratio = fmt(b, "#,##0.0", false, 0);
  b->bold = fmt(b, NULL, true, 0);
  b->met = colour(b, 0xC6EFCE, 0x006100);
  b->not_met = colour(b, 0xFFC7CE, 0x9C0006);
  b->no_data = colour(b, 0xE7E6E6, 0x595959);
  b->target_ge_pct = fmt(b, "\"≥ \"0%", false, 0);
  b->target_gt_pct = fmt(b, "\"> \"0%", false, 0);
  b->target_le_pct = fmt(b, "\"≤ \"0%", false, 0);
  b->target_lt_pct = fmt(b, "\"< \"0%", false, 0);
  b->target_ge = fmt(b, "\"≥ \"#,##0.##", false, 0);
  b->target_gt = fmt(b, "\"> \"#,##0.##", false, 0);
  b->target_le = fmt(b, "\"≤ \"#,##0.##", false, 0);
  b->target_lt = fmt(b, "\"< \"#,##0.##", false, 0);
  return failed(b) ? -1 : 0;
}

static lxw_format *target_format(const book *b, const ics_indicator *ind, int op) {
  bool pct = ind->kind == ICS_KIND_SHARE;
  switch (op) {
  case ICS_OP_GE: return pct ? b->target_ge_pct : b->target_ge;
  case ICS_OP_GT: return pct ? b->target_gt_pct : b->target_gt;
  case ICS_OP_LE: return pct ? b->target_le_pct : b->target_le;
  default: return pct ? b->target_lt_pct : b->target_lt;
  }
}

static const ics_target *target_for(const ics_indicator *ind, int year) {
  for (size_t i = 0; i < ind->target_count; i++)
    if (ind->targets[i].year == year) return &ind->targets[i];
  return NULL;
}

static bool has_value(const ics_indicator *ind, ics_counts c) {
  return ind->measure != ICS_MEASURE_NONE && c.den > 0;
}

static int status_colours(book *b, lxw_worksheet *ws, lxw_row_t r0, lxw_row_t r1, lxw_col_t c0, lxw_col_t c1) {
  struct {
    const char *text;
    lxw_format *format;
  } rules[] = {{status_text(b, ICS_MET), b->met},
               {status_text(b, ICS_NOT_MET), b->not_met},
               {status_text(b, ICS_NO_DATA), b->no_data}};
  for (int i = 0; i < 3; i++) {
    lxw_conditional_format cf = {.type = LXW_CONDITIONAL_TYPE_TEXT,
                                 .criteria = LXW_CONDITIONAL_CRITERIA_TEXT_BEGINS_WITH,
                                 .value_string = (char *)rules[i].text,
                                 .format = rules[i].format};
    if (XL(b, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf))) return -1;
  }
  return 0;
}

/* ---- Summary -------------------------------------------------------------------------------- */
static int write_summary(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  lxw_worksheet *ws = add_sheet(b, T(b, "Tổng hợp", "Summary"));
  if (!ws) return -1;
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9); /* A4 */
  worksheet_fit_to_pages(ws, 1, 0);
  char line[512];
  snprintf(line, sizeof line, T(b, "Phân tích khoảng cách so với mục tiêu — Quyết định %s",
                                "Gap analysis against the targets of decision %s"),
           t->decision ? t->decision : "43/2011/QĐ-UBND");
  put_string(b, ws, 0, 0, line, b->title);
  ics_buf counts = {0};
  for (size_t i = 0; i < ev->form_count; i++)
    ics_buf_printf(&counts, "%s%s %lld", i ? ", " : "", ev->forms[i]->id, (long long)ev->records_per_form[i]);
  if (counts.failed) {
    ics_buf_free(&counts);
    ics_error_no_memory(b->xl.err, b->xl.lang);
    return -1;
  }
  snprintf(line, sizeof line,
           T(b, "Đợt khảo sát %d · dữ liệu đến %.10s · %lld bản ghi (%s) · %s",
             "Survey round %d · data up to %.10s · %lld records (%s) · %s"),
           ev->round, ev->data_date[0] ? ev->data_date : "-", (long long)ev->total_records,
           counts.data ? counts.data : "", ics_text_get(t->title, b->xl.lang));
  ics_buf_free(&counts);
  put_string(b, ws, 1, 0, line, b->subtitle);

  lxw_row_t hr = 3;
  const char *fixed_vi[] = {"Mã", "Chỉ tiêu", "Điều khoản", "Thực tế", "Tử số", "Mẫu số"};
  const char *fixed_en[] = {"ID", "Indicator", "Clause", "Actual", "Numerator", "Denominator"};
  lxw_col_t c = 0;
  for (; c < 6; c++) put_string(b, ws, hr, c, T(b, fixed_vi[c], fixed_en[c]), b->header);
  for (size_t y = 0; y < t->year_count; y++) {
    const char *vi[] = {"Mục tiêu %d", "Đánh giá %d", "Khoảng cách %d", "Cần thêm %d"};
    const char *en[] = {"Target %d", "Status %d", "Gap %d", "Needed %d"};
    for (int k = 0; k < 4; k++) {
      snprintf(line, sizeof line, T(b, vi[k], en[k]), t->years[y]);
      put_string(b, ws, hr, c++, line, b->header);
    }
  }
  lxw_col_t note_col = c;
  put_string(b, ws, hr, note_col, T(b, "Ghi chú", "Note"), b->header);
  XL(b, worksheet_set_column(ws, 0, 0, 26, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 48, b->wrap));
  XL(b, worksheet_set_column(ws, 2, 2, 16, NULL));
  XL(b, worksheet_set_column(ws, 3, 5, 12, NULL));
  XL(b, worksheet_set_column(ws, 6, note_col - 1, 12, NULL));
  XL(b, worksheet_set_column(ws, note_col, note_col, 60, b->wrap));
  worksheet_freeze_panes(ws, hr + 1, 2);
  if (XL(b, worksheet_repeat_rows(ws, hr, hr))) return -1;

  for (size_t i = 0; i < t->indicator_count && !failed(b); i++) {
    const indicator_value *iv = &ev->values[i];
    const ics_indicator *ind = iv->ind;
    lxw_row_t r = hr + 1 + (lxw_row_t)i;
    /* wrapped labels and notes need the height: not every reader grows rows by itself */
    size_t note_len = strlen(ics_text_get(ind->note, b->xl.lang)) + strlen(ics_text_get(ind->source, b->xl.lang));
    XL(b, worksheet_set_row(ws, r, note_len > 180 ? 66 : note_len > 60 ? 40 : 28, NULL));
    bool value = has_value(ind, iv->province);
    lxw_format *vf = ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio;
    put_string(b, ws, r, 0, ind->id, b->text);
    put_string(b, ws, r, 1, ics_text_get(ind->label, b->xl.lang), b->wrap);
    if (ind->clause) put_string(b, ws, r, 2, ind->clause, b->text);
    if (value) put_number(b, ws, r, 3, (double)iv->province.num / (double)iv->province.den, vf);
    if (ind->measure != ICS_MEASURE_NONE) {
      put_number(b, ws, r, 4, (double)iv->province.num, b->integer);
      put_number(b, ws, r, 5, (double)iv->province.den, b->integer);
    }
    c = 6;
    for (size_t y = 0; y < t->year_count; y++, c += 4) {
      const ics_target *tg = target_for(ind, t->years[y]);
      if (!tg) continue;
      ics_assessment a = ics_assess(tg->op, tg->num, tg->den, iv->province.num, iv->province.den, value);
      put_number(b, ws, r, c, tg->value, target_format(b, ind, tg->op));
      put_string(b, ws, r, c + 1, status_text(b, a.status), b->text);
      if (a.status != ICS_NO_DATA) {
        put_number(b, ws, r, c + 2, a.gap, vf);
        put_number(b, ws, r, c + 3, (double)a.needed, b->integer);
      }
    }
    ics_buf note = {0};
    const char *n = ics_text_get(ind->note, b->xl.lang);
    if (*n) ics_buf_puts(&note, n);
    const char *src = ics_text_get(ind->source, b->xl.lang);
    if (*src) ics_buf_printf(&note, "%s%s%s", note.len ? " " : "", T(b, "Nguồn số liệu cần có: ", "Data source needed: "), src);
    if (note.failed) ics_error_no_memory(b->xl.err, b->xl.lang);
    else if (note.data) put_string(b, ws, r, note_col, note.data, b->wrap);
    ics_buf_free(&note);
  }
  if (t->indicator_count && !failed(b)) {
    if (status_colours(b, ws, hr + 1, hr + (lxw_row_t)t->indicator_count, 6, note_col - 1)) return -1;
    /* an empty Actual is "no data": grey */
    lxw_conditional_format blank = {.type = LXW_CONDITIONAL_TYPE_BLANKS, .format = b->no_data};
    XL(b, worksheet_conditional_format_range(ws, hr + 1, 3, hr + (lxw_row_t)t->indicator_count, 3, &blank));
  }
  return failed(b) ? -1 : 0;
}

/* ---- By district ---------------------------------------------------------------------------- */
static int write_by_district(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  const char *name = T(b, "Theo huyện", "By district");
  lxw_worksheet *ws = add_sheet(b, name);
  if (!ws) return -1;
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  put_string(b, ws, 0, 0, T(b, "Mã huyện", "District code"), b->header);
  put_string(b, ws, 0, 1, T(b, "Huyện", "District"), b->header);
  for (size_t i = 0; i < t->indicator_count; i++)
    put_string(b, ws, 0, (lxw_col_t)(2 + i), t->indicators[i].id, b->header);
  XL(b, worksheet_set_column(ws, 0, 0, 12, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 26, NULL));
  XL(b, worksheet_set_column(ws, 2, (lxw_col_t)(1 + t->indicator_count), 14, NULL));
  worksheet_freeze_panes(ws, 1, 2);
  for (size_t d = 0; d < ev->district_count && !failed(b); d++) {
    lxw_row_t r = (lxw_row_t)(1 + d);
    put_string(b, ws, r, 0, ev->districts[d].code, b->text);
    put_string(b, ws, r, 1, b->xl.lang == ICS_EN ? ev->districts[d].name_en : ev->districts[d].name_vi, b->text);
    for (size_t i = 0; i < t->indicator_count; i++) {
      const indicator_value *iv = &ev->values[i];
      if (!iv->ind->by_district || !has_value(iv->ind, iv->district[d])) continue;
      put_number(b, ws, r, (lxw_col_t)(2 + i), (double)iv->district[d].num / (double)iv->district[d].den,
                 iv->ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio);
    }
  }
  if (failed(b)) return -1;
  if (!ev->district_count) return 0;
  lxw_row_t last = (lxw_row_t)ev->district_count;
  for (size_t i = 0; i < t->indicator_count; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!ind->by_district || ind->measure == ICS_MEASURE_NONE) continue;
    /* the weakest districts stand out: red to green (reversed for "at most" targets) */
    bool lower_better = ind->target_count && (ind->targets[0].op == ICS_OP_LE || ind->targets[0].op == ICS_OP_LT);
    lxw_conditional_format scale = {.type = LXW_CONDITIONAL_3_COLOR_SCALE,
                                    .min_color = lower_better ? 0x63BE7B : 0xF8696B,
                                    .mid_color = 0xFFEB84,
                                    .max_color = lower_better ? 0xF8696B : 0x63BE7B};
    if (XL(b, worksheet_conditional_format_range(ws, 1, (lxw_col_t)(2 + i), last, (lxw_col_t)(2 + i), &scale)))
      return -1;
  }
  /* a bar chart per key indicator, districts side by side, the first target in the title */
  lxw_row_t chart_row = last + 2;
  for (size_t i = 0; i < t->indicator_count; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!ind->key || !ind->by_district || ind->measure == ICS_MEASURE_NONE) continue;
    lxw_chart_series *s;
    lxw_chart *chart = add_chart(b, LXW_CHART_BAR, &s);
    if (!chart || set_series(b, s, name, 1, 1, last, 1, 1, (lxw_col_t)(2 + i), last, (lxw_col_t)(2 + i), ind->id))
      return -1;
    char title[300];
    if (ind->target_count)
      snprintf(title, sizeof title, "%s (%s %s %d)", ics_text_get(ind->label, b->xl.lang),
               T(b, "mục tiêu", "target"), ind->targets[0].text, ind->targets[0].year);
    else
      snprintf(title, sizeof title, "%s", ics_text_get(ind->label, b->xl.lang));
    if (set_chart(b, chart, title, LXW_CHART_LEGEND_NONE, ind->kind == ICS_KIND_SHARE)) return -1;
    lxw_chart_options opts = {.x_scale = 1.4, .y_scale = 1.3};
    if (XL(b, worksheet_insert_chart_opt(ws, chart_row, 1, chart, &opts))) return -1;
    chart_row += 22;
  }
  return 0;
}

/* ---- Progress ------------------------------------------------------------------------------- */
enum { PACE_ON, PACE_NOT, PACE_PASSED, PACE_NO_DATA };

static const char *pace_text(const book *b, int pace) {
  switch (pace) {
  case PACE_ON: return T(b, "kịp tiến độ", "on pace");
  case PACE_NOT: return T(b, "không kịp tiến độ", "not on pace");
  case PACE_PASSED: return T(b, "đã qua", "passed");
  default: return status_text(b, ICS_NO_DATA);
  }
}

/* Whether the straight line through the first and the latest round with a value reaches the
 * target of `year` by that year. */
static int pace_of(const book *b, size_t i, int year) {
  const progress *pg = b->pg;
  const ics_indicator *ind = &b->ev->targets->indicators[i];
  size_t n = b->ev->targets->indicator_count;
  const ics_target *tg = target_for(ind, year);
  if (!tg) return PACE_NO_DATA;
  if (year < b->ev->round) return PACE_PASSED;
  size_t first = SIZE_MAX, last = SIZE_MAX;
  for (size_t r = 0; r < pg->round_count; r++)
    if (has_value(ind, pg->values[r * n + i])) {
      if (first == SIZE_MAX) first = r;
      last = r;
    }
  if (first == SIZE_MAX || first == last) return PACE_NO_DATA;
  ics_counts v0 = pg->values[first * n + i], v1 = pg->values[last * n + i];
  return ics_pace_reaches(tg->op, tg->num, tg->den, pg->rounds[first], v0.num, v0.den, pg->rounds[last], v1.num,
                      v1.den, year)
             ? PACE_ON
             : PACE_NOT;
}

static bool charted(const book *b, const ics_indicator *ind) {
  return ind->key && ind->measure != ICS_MEASURE_NONE && b->pg->round_count > 0;
}

static int write_progress(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  const progress *pg = b->pg;
  const char *name = T(b, "Tiến độ", "Progress");
  lxw_worksheet *ws = add_sheet(b, name);
  if (!ws) return -1;
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  char line[768];
  snprintf(line, sizeof line, T(b, "Tiến độ qua các đợt khảo sát, đến đợt %d", "Progress across the survey rounds, up to round %d"),
           ev->round);
  put_string(b, ws, 0, 0, line, b->title);
  snprintf(line, sizeof line,
           T(b, "Tiến độ: đường thẳng nối đợt đầu tiên và đợt gần nhất có số liệu của chỉ tiêu, kéo dài đến năm mục tiêu"
                " (một phép ngoại suy theo đường thẳng, không phải dự báo), có đạt mục tiêu không. Đã qua: năm mục tiêu"
                " trước đợt %d. Không có dữ liệu: chưa đủ hai đợt có số liệu, hoặc năm đó không có mục tiêu.",
             "On pace: whether the straight line through the first and the latest round with a value of the indicator,"
             " extended to the target year (a straight-line projection, not a forecast), reaches the target. Passed:"
             " the target year is before round %d. No data: fewer than two rounds with a value, or no target that year."),
           ev->round);
  put_string(b, ws, 1, 0, line, b->subtitle);

  lxw_row_t hr = 3;
  lxw_col_t rc0 = 2, tc0 = (lxw_col_t)(rc0 + pg->round_count);  /* round values, then targets */
  lxw_col_t hc0 = (lxw_col_t)(tc0 + 2 * t->year_count);             /* hidden: the charts' target lines */
  put_string(b, ws, hr, 0, T(b, "Mã", "ID"), b->header);
  put_string(b, ws, hr, 1, T(b, "Chỉ tiêu", "Indicator"), b->header);
  for (size_t r = 0; r < pg->round_count; r++) {
    snprintf(line, sizeof line, "%d", pg->rounds[r]);
    put_string(b, ws, hr, (lxw_col_t)(rc0 + r), line, b->header);
  }
  for (size_t y = 0; y < t->year_count; y++) {
    snprintf(line, sizeof line, T(b, "Mục tiêu %d", "Target %d"), t->years[y]);
    put_string(b, ws, hr, (lxw_col_t)(tc0 + 2 * y), line, b->header);
    snprintf(line, sizeof line, T(b, "Tiến độ %d", "On pace %d"), t->years[y]);
    put_string(b, ws, hr, (lxw_col_t)(tc0 + 2 * y + 1), line, b->header);
  }
  for (size_t r = 0; r < pg->round_count; r++) {
    snprintf(line, sizeof line, T(b, "Đường mục tiêu %d", "Target line %d"), pg->rounds[r]);
    put_string(b, ws, hr, (lxw_col_t)(hc0 + r), line, b->header);
  }
  XL(b, worksheet_set_column(ws, 0, 0, 26, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 48, b->wrap));
  if (pg->round_count) XL(b, worksheet_set_column(ws, rc0, tc0 - 1, 10, NULL));
  for (size_t y = 0; y < t->year_count; y++) {
    XL(b, worksheet_set_column(ws, (lxw_col_t)(tc0 + 2 * y), (lxw_col_t)(tc0 + 2 * y), 12, NULL));
    XL(b, worksheet_set_column(ws, (lxw_col_t)(tc0 + 2 * y + 1), (lxw_col_t)(tc0 + 2 * y + 1), 16, NULL));
  }
  if (pg->round_count) {
    lxw_row_col_options hidden = {.hidden = 1};
    XL(b, worksheet_set_column_opt(ws, hc0, (lxw_col_t)(hc0 + pg->round_count - 1), 10, NULL, &hidden));
  }
  if (failed(b)) return -1;
  worksheet_freeze_panes(ws, hr + 1, 2);

  size_t n = t->indicator_count;
  for (size_t i = 0; i < n && !failed(b); i++) {
    const ics_indicator *ind = &t->indicators[i];
    lxw_row_t row = hr + 1 + (lxw_row_t)i;
    XL(b, worksheet_set_row(ws, row, 28, NULL));
    lxw_format *vf = ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio;
    put_string(b, ws, row, 0, ind->id, b->text);
    put_string(b, ws, row, 1, ics_text_get(ind->label, b->xl.lang), b->wrap);
    for (size_t r = 0; r < pg->round_count; r++) {
      ics_counts c = pg->values[r * n + i];
      if (has_value(ind, c)) put_number(b, ws, row, (lxw_col_t)(rc0 + r), (double)c.num / (double)c.den, vf);
    }
    for (size_t y = 0; y < t->year_count; y++) {
      const ics_target *tg = target_for(ind, t->years[y]);
      if (tg) put_number(b, ws, row, (lxw_col_t)(tc0 + 2 * y), tg->value, target_format(b, ind, tg->op));
      put_string(b, ws, row, (lxw_col_t)(tc0 + 2 * y + 1), pace_text(b, pace_of(b, i, t->years[y])), b->text);
    }
    /* a chart needs its target line in cells: the first target, once per round */
    if (charted(b, ind) && ind->target_count)
      for (size_t r = 0; r < pg->round_count; r++)
        put_number(b, ws, row, (lxw_col_t)(hc0 + r), ind->targets[0].value, vf);
  }
  if (failed(b)) return -1;
  if (!n) return 0;
  lxw_row_t last = hr + (lxw_row_t)n;
  if (t->year_count) {
    struct {
      int pace;
      lxw_format *format;
    } rules[] = {{PACE_ON, b->met}, {PACE_NOT, b->not_met}, {PACE_PASSED, b->no_data}, {PACE_NO_DATA, b->no_data}};
    for (int k = 0; k < 4; k++) {
      lxw_conditional_format cf = {.type = LXW_CONDITIONAL_TYPE_TEXT,
                                   .criteria = LXW_CONDITIONAL_CRITERIA_TEXT_BEGINS_WITH,
                                   .value_string = (char *)pace_text(b, rules[k].pace),
                                   .format = rules[k].format};
      if (XL(b, worksheet_conditional_format_range(ws, hr + 1, tc0, last, (lxw_col_t)(hc0 - 1), &cf))) return -1;
    }
  }
  /* a line chart per key indicator: the actual value by round, and the first target */
  lxw_row_t chart_row = last + 2;
  for (size_t i = 0; i < n; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!charted(b, ind)) continue;
    lxw_row_t row = hr + 1 + (lxw_row_t)i;
    lxw_col_t rc1 = (lxw_col_t)(rc0 + pg->round_count - 1);
    lxw_chart_series *s;
    lxw_chart *chart = add_chart(b, LXW_CHART_LINE, &s);
    if (!chart || set_series(b, s, name, hr, rc0, hr, rc1, row, rc0, row, rc1, T(b, "Thực tế", "Actual")))
      return -1;
    chart_series_set_marker_type(s, LXW_CHART_MARKER_CIRCLE);
    if (!s->marker) failed_at_chart(b);
    if (ind->target_count && !failed(b)) {
      lxw_chart_series *ts = chart_add_series(chart, NULL, NULL);
      if (!ts) {
        failed_at_chart(b);
        return -1;
      }
      snprintf(line, sizeof line, T(b, "Mục tiêu %d (%s)", "Target %d (%s)"), ind->targets[0].year, ind->targets[0].text);
      if (set_series(b, ts, name, hr, rc0, hr, rc1, row, hc0, row, (lxw_col_t)(hc0 + pg->round_count - 1), line))
        return -1;
      lxw_chart_line dashed = {.color = 0xC00000, .dash_type = LXW_CHART_LINE_DASH_DASH, .width = 1.5};
      chart_series_set_line(ts, &dashed);
      chart_series_set_marker_type(ts, LXW_CHART_MARKER_NONE);
      if (!ts->line || !ts->marker) failed_at_chart(b);
    }
    if (set_chart(b, chart, ics_text_get(ind->label, b->xl.lang), LXW_CHART_LEGEND_BOTTOM, ind->kind == ICS_KIND_SHARE))
      return -1;
    chart_show_hidden_data(chart); /* the target line lives in hidden columns */
    lxw_chart_options opts = {.x_scale = 1.4, .y_scale = 1.3};
    if (XL(b, worksheet_insert_chart_opt(ws, chart_row, 1, chart, &opts))) return -1;
    chart_row += 22;
  }
  return 0;
}

/* ---- Priority groups ------------------------------------------------------------------------ */
static bool per_person(const ics_indicator *ind) {
  return ind->form && !strcmp(ind->form->id, "staff") && ind->measure == ICS_MEASURE_RECORDS;
}

static int write_priority_groups(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  lxw_worksheet *ws = add_sheet(b, T(b, "Nhóm ưu tiên", "Priority groups"));
  if (!ws) return -1;
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  char line[768];
  snprintf(line, sizeof line,
           T(b, "Nhóm ưu tiên đào tạo (mục II.1.b): cán bộ nữ và cán bộ trẻ, đợt %d",
             "Priority groups for training (section II.1.b): women and young staff, round %d"),
           ev->round);
  put_string(b, ws, 0, 0, line, b->title);
  snprintf(line, sizeof line,
           T(b, "Các chỉ tiêu tính theo từng người của biểu mẫu cán bộ, theo giới tính và nhóm tuổi. Tuổi tính trong năm"
                " của đợt: %d trừ năm sinh (năm sinh không được ghi ra). Cần thêm: số người ít nhất của nhóm phải có thêm"
                " để nhóm đạt mục tiêu, giữ nguyên mẫu số của nhóm. Chỉ tiêu tính theo cơ quan không có ở đây.",
             "The staff indicators counted per person, by gender and by age band. Age is counted in the round's year:"
             " %d minus the year of birth (which is not shown). Needed: the fewest additional people of the group that"
             " meet the target with the group's denominator unchanged. Indicators over agencies are not per person"
             " and are left out."),
           ev->round);
  put_string(b, ws, 1, 0, line, b->subtitle);
  lxw_row_t hr = 3;
  const char *fixed_vi[] = {"Mã", "Chỉ tiêu", "Nhóm", "Tử số", "Mẫu số", "Thực tế"};
  const char *fixed_en[] = {"ID", "Indicator", "Group", "Numerator", "Denominator", "Actual"};
  lxw_col_t c = 0;
  for (; c < 6; c++) put_string(b, ws, hr, c, T(b, fixed_vi[c], fixed_en[c]), b->header);
  for (size_t y = 0; y < t->year_count; y++) {
    snprintf(line, sizeof line, T(b, "Mục tiêu %d", "Target %d"), t->years[y]);
    put_string(b, ws, hr, c++, line, b->header);
    snprintf(line, sizeof line, T(b, "Cần thêm %d", "Needed %d"), t->years[y]);
    put_string(b, ws, hr, c++, line, b->header);
  }
  lxw_col_t last_col = c - 1;
  XL(b, worksheet_set_column(ws, 0, 0, 26, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 40, b->wrap));
  XL(b, worksheet_set_column(ws, 2, 2, 18, NULL));
  XL(b, worksheet_set_column(ws, 3, last_col, 12, NULL));
  if (failed(b)) return -1;
  worksheet_freeze_panes(ws, hr + 1, 3);
  const char *groups_vi[] = {"Nam", "Nữ", "Dưới 30 tuổi", "30–44 tuổi", "Từ 45 tuổi trở lên"};
  const char *groups_en[] = {"Male", "Female", "Under 30", "30–44", "45 and over"};
  lxw_row_t row = hr + 1;
  for (size_t i = 0; i < t->indicator_count && !failed(b); i++) {
    const indicator_value *iv = &ev->values[i];
    const ics_indicator *ind = iv->ind;
    if (!per_person(ind)) continue;
    lxw_format *vf = ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio;
    for (int g = 0; g < GENDER_GROUPS + AGE_GROUPS; g++, row++) {
      ics_counts cn = g < GENDER_GROUPS ? iv->by_gender[g] : iv->by_age[g - GENDER_GROUPS];
      bool value = has_value(ind, cn);
      XL(b, worksheet_set_row(ws, row, 28, NULL));
      put_string(b, ws, row, 0, ind->id, b->text);
      put_string(b, ws, row, 1, ics_text_get(ind->label, b->xl.lang), b->wrap);
      put_string(b, ws, row, 2, T(b, groups_vi[g], groups_en[g]), b->text);
      put_number(b, ws, row, 3, (double)cn.num, b->integer);
      put_number(b, ws, row, 4, (double)cn.den, b->integer);
      if (value) put_number(b, ws, row, 5, (double)cn.num / (double)cn.den, vf);
      c = 6;
      for (size_t y = 0; y < t->year_count; y++, c += 2) {
        const ics_target *tg = target_for(ind, t->years[y]);
        if (!tg) continue;
        put_number(b, ws, row, c, tg->value, target_format(b, ind, tg->op));
        ics_assessment a = ics_assess(tg->op, tg->num, tg->den, cn.num, cn.den, value);
        if (a.status != ICS_NO_DATA) put_number(b, ws, row, c + 1, (double)a.needed, b->integer);
      }
    }
  }
  if (failed(b)) return -1;
  if (row == hr + 1) return put_string(b, ws, row, 0, T(b, "(không có)", "(none)"), b->text);
  XL(b, worksheet_autofilter(ws, hr, 0, row - 1, last_col));
  /* an empty Actual is "no data": grey */
  lxw_conditional_format blank = {.type = LXW_CONDITIONAL_TYPE_BLANKS, .format = b->no_data};
  return XL(b, worksheet_conditional_format_range(ws, hr + 1, 5, row - 1, 5, &blank));
}

/* ---- Training needs -------------------------------------------------------------------------- */
static int write_training_needs(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  lxw_worksheet *ws = add_sheet(b, T(b, "Nhu cầu đào tạo", "Training needs"));
  if (!ws) return -1;
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  put_string(b, ws, 0, 0, T(b, "Số người (cơ quan) còn cần thêm để đạt mục tiêu, theo huyện, và các khóa học được đề nghị",
                            "People (agencies) still needed to meet each target, per district, and the courses requested"),
             b->title);
  lxw_row_t hr = 2;
  put_string(b, ws, hr, 0, T(b, "Mã huyện", "District code"), b->header);
  put_string(b, ws, hr, 1, T(b, "Huyện", "District"), b->header);
  lxw_col_t c = 2;
  char label[160];
  for (size_t i = 0; i < t->indicator_count; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!ind->form || strcmp(ind->form->id, "staff") || !ind->by_district) continue;
    for (size_t k = 0; k < ind->target_count; k++) {
      snprintf(label, sizeof label, "%s %d", ind->id, ind->targets[k].year);
      put_string(b, ws, hr, c++, label, b->header);
    }
  }
  const ics_form *staff = ics_evaluation_form(ev, "staff");
  int needs_field = staff ? ics_form_field_index(staff, "training_needs") : -1;
  const ics_choice_list *needs = needs_field >= 0 ? staff->fields[needs_field].choices : NULL;
  size_t need_count = needs ? (needs->count < 8 ? needs->count : 8) : 0;
  for (size_t k = 0; k < need_count; k++)
    put_string(b, ws, hr, c++, ics_text_get(needs->items[k].label, b->xl.lang), b->header);
  XL(b, worksheet_set_column(ws, 0, 0, 12, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 26, NULL));
  XL(b, worksheet_set_column(ws, 2, c, 16, NULL));
  if (failed(b)) return -1;
  worksheet_freeze_panes(ws, hr + 1, 2);
  for (size_t d = 0; d < ev->district_count && !failed(b); d++) {
    lxw_row_t r = hr + 1 + (lxw_row_t)d;
    put_string(b, ws, r, 0, ev->districts[d].code, b->text);
    put_string(b, ws, r, 1, b->xl.lang == ICS_EN ? ev->districts[d].name_en : ev->districts[d].name_vi, b->text);
    c = 2;
    for (size_t i = 0; i < t->indicator_count; i++) {
      const indicator_value *iv = &ev->values[i];
      const ics_indicator *ind = iv->ind;
      if (!ind->form || strcmp(ind->form->id, "staff") || !ind->by_district) continue;
      for (size_t k = 0; k < ind->target_count; k++, c++) {
        const ics_target *tg = &ind->targets[k];
        ics_assessment a = ics_assess(tg->op, tg->num, tg->den, iv->district[d].num, iv->district[d].den,
                                      has_value(ind, iv->district[d]));
        if (a.status != ICS_NO_DATA) put_number(b, ws, r, c, (double)a.needed, b->integer);
      }
    }
    for (size_t k = 0; k < need_count; k++)
      put_number(b, ws, r, c++, (double)ev->needs[d][k], b->integer);
  }
  return failed(b) ? -1 : 0;
}

/* ---- Agencies --------------------------------------------------------------------------------- */
static int write_agencies(book *b) {
  evaluation *ev = b->ev;
  lxw_worksheet *ws = add_sheet(b, T(b, "Cơ quan", "Agencies"));
  if (!ws) return -1;
  const char *vi[] = {"Mã", "Cơ quan", "Loại", "Huyện", "CIO", "Cán bộ chuyên trách CNTT"};
  const char *en[] = {"Code", "Agency", "Type", "District", "CIO", "Dedicated IT officer"};
  for (lxw_col_t c = 0; c < 6; c++) put_string(b, ws, 0, c, T(b, vi[c], en[c]), b->header);
  XL(b, worksheet_set_column(ws, 0, 0, 12, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 44, NULL));
  XL(b, worksheet_set_column(ws, 2, 5, 16, NULL));
  if (failed(b)) return -1;
  worksheet_freeze_panes(ws, 1, 0);
  XL(b, worksheet_autofilter(ws, 0, 0, (lxw_row_t)ev->agency_count, 5));
  const char *yes = T(b, "có", "yes"), *no = T(b, "không", "no"), *none = T(b, "chưa báo cáo", "not reported");
  for (size_t i = 0; i < ev->agency_count && !failed(b); i++) {
    const report_agency *a = &ev->agencies[i];
    lxw_row_t r = (lxw_row_t)(1 + i);
    put_string(b, ws, r, 0, a->code, b->text);
    put_string(b, ws, r, 1, b->xl.lang == ICS_EN ? a->name_en : a->name_vi, b->text);
    put_string(b, ws, r, 2, a->type, b->text);
    put_string(b, ws, r, 3, a->district, b->text);
    put_string(b, ws, r, 4, !a->reported ? none : a->cio ? yes : no, b->text);
    put_string(b, ws, r, 5, !a->reported ? none : a->it_staff ? yes : no, b->text);
  }
  if (ev->agency_count && !failed(b)) {
    lxw_conditional_format cf = {.type = LXW_CONDITIONAL_TYPE_TEXT, .criteria = LXW_CONDITIONAL_CRITERIA_TEXT_BEGINS_WITH,
                                 .value_string = (char *)none, .format = b->no_data};
    XL(b, worksheet_conditional_format_range(ws, 1, 4, (lxw_row_t)ev->agency_count, 5, &cf));
    lxw_conditional_format cf2 = {.type = LXW_CONDITIONAL_TYPE_CELL, .criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO,
                                  .value_string = (char *)(b->xl.lang == ICS_EN ? "\"no\"" : "\"không\""), .format = b->not_met};
    XL(b, worksheet_conditional_format_range(ws, 1, 4, (lxw_row_t)ev->agency_count, 5, &cf2));
  }
  return failed(b) ? -1 : 0;
}

/* ---- Data quality ------------------------------------------------------------------------------ */
/* The title and the header of a part of the Data quality sheet, at *r. */
static int dq_head(book *b, lxw_worksheet *ws, lxw_row_t *r, const char *title, const char *const *headers,
                   int columns) {
  put_string(b, ws, (*r)++, 0, title, b->bold);
  for (int c = 0; c < columns; c++) put_string(b, ws, *r, (lxw_col_t)c, headers[c], b->header);
  (*r)++;
  return failed(b) ? -1 : 0;
}

/* The end of a part: "(none)" when it had no row, then an empty row. */
static int dq_end(book *b, lxw_worksheet *ws, lxw_row_t *r, int rows) {
  if (!rows) put_string(b, ws, (*r)++, 0, T(b, "(không có)", "(none)"), b->text);
  (*r)++;
  return failed(b) ? -1 : 0;
}

/* A part from a query: a row per result, integers as numbers. */
static int dq_query(book *b, lxw_worksheet *ws, lxw_row_t *r, const char *title, const char *const *headers,
                    int columns, const char *sql, int round) {
  if (dq_head(b, ws, r, title, headers, columns)) return -1;
  sqlite3 *db = b->ev->db;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    ics_report_db_error(db, b->xl.lang, R_DATABASE, b->xl.err);
    return -1;
  }
  int rows = 0, step = SQLITE_MISUSE;
  if (sqlite3_bind_parameter_count(st) < 1 || sqlite3_bind_int(st, 1, round) == SQLITE_OK)
    while (!failed(b) && (step = sqlite3_step(st)) == SQLITE_ROW) {
      for (int c = 0; c < columns; c++) {
        int type = sqlite3_column_type(st, c);
        if (type == SQLITE_INTEGER) {
          put_number(b, ws, *r, (lxw_col_t)c, (double)sqlite3_column_int64(st, c), b->integer);
        } else if (type != SQLITE_NULL) {
          const char *text = (const char *)sqlite3_column_text(st, c);
          if (!text) ics_error_no_memory(b->xl.err, b->xl.lang); /* SQLite's, making the text */
          else put_string(b, ws, *r, (lxw_col_t)c, text, b->text);
        }
      }
      (*r)++;
      rows++;
    }
  if (!failed(b) && step != SQLITE_DONE) ics_report_db_error(db, b->xl.lang, R_DATABASE, b->xl.err);
  sqlite3_finalize(st);
  return failed(b) ? -1 : dq_end(b, ws, r, rows);
}

/* A value of a check's column as a cell: numbers as numbers (whole ones as integers), yes/no,
 * texts; nothing for an empty value. */
static int dq_value(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, ics_value v) {
  switch (v.kind) {
  case ICS_V_NUM:
    return put_number(b, ws, r, c, v.num, v.num == (double)(int64_t)v.num ? b->integer : b->ratio);
  case ICS_V_BOOL: return put_string(b, ws, r, c, v.b ? T(b, "có", "yes") : T(b, "không", "no"), b->text);
  case ICS_V_STR: return *v.str ? put_string(b, ws, r, c, v.str, b->text) : 0;
  default: return 0;
  }
}

/* A check of the targets file (data_quality): every current record of the round of its form
 * (made with a published definition, duplicates included: each may be the one to correct)
 * where `where` is true, in the order of their natural keys. */
static int dq_check(book *b, lxw_worksheet *ws, lxw_row_t *r, const ics_check *check) {
  put_string(b, ws, (*r)++, 0, ics_text_get(check->title, b->xl.lang), b->bold);
  for (size_t c = 0; c < check->column_count; c++)
    put_string(b, ws, *r, (lxw_col_t)c, ics_text_get(check->columns[c].label, b->xl.lang), b->header);
  (*r)++;
  if (failed(b)) return -1;
  record_cursor cur;
  bool exists, row = false;
  if (ics_record_cursor_open(&cur, b->ev->db, check->form, "f.instance_id",
                         "f.round = ?1 AND " ICS_CENTRAL_PUBLISHED("f"),
                         "f.natural_key, f.instance_id, f.store_id", b->ev->round, b->xl.lang, &exists, b->xl.err))
    return -1;
  int rows = 0;
  ics_eval_env env = {.field_value = ics_record_value_of, .ctx = cur.rec};
  while (exists && !failed(b) && !ics_record_cursor_next(&cur, &row, b->xl.err) && row) {
    if (!ics_value_is_true(ics_expr_eval(check->where, &env))) continue;
    for (size_t c = 0; c < check->column_count; c++)
      dq_value(b, ws, *r, (lxw_col_t)c, ics_expr_eval(check->columns[c].value, &env));
    (*r)++;
    rows++;
  }
  if (exists) ics_record_cursor_close(&cur);
  return failed(b) ? -1 : dq_end(b, ws, r, rows);
}

static int write_data_quality(book *b) {
  evaluation *ev = b->ev;
  lxw_worksheet *ws = add_sheet(b, T(b, "Chất lượng dữ liệu", "Data quality"));
  if (!ws) return -1;
  XL(b, worksheet_set_column(ws, 0, 0, 18, NULL));
  XL(b, worksheet_set_column(ws, 1, 1, 30, NULL));
  XL(b, worksheet_set_column(ws, 2, 3, 40, NULL));
  lxw_row_t r = 0;
  {
    const char *h[] = {T(b, "Biểu mẫu", "Form"), T(b, "Khóa", "Natural key"), T(b, "Số bản ghi", "Records"),
                       T(b, "Mã các bản ghi (bản được tính trước)", "Instance ids (the one counted first)")};
    /* what the view `duplicates` lists, read from the tables of the forms where the
     * evaluation met a key twice: those keys are found in the index alone, then only their
     * records read */
    ics_buf sql = {0};
    for (size_t f = 0; f < ev->form_count; f++) {
      if (!ev->duplicated_keys[f]) continue; /* what the evaluation found */
      char table[ICS_CENTRAL_NAME_MAX];
      ics_central_form_table(table, sizeof table, ev->forms[f]->id); /* fits: the loader's ids do */
      ics_buf_printf(&sql,
                     "%sSELECT '%s', natural_key, count(*), group_concat(instance_id, ' ') FROM"
                     " (SELECT f.natural_key, f.instance_id FROM \"%s\" f WHERE f.round = ?1 AND "
                     ICS_CENTRAL_PUBLISHED("f") " AND f.natural_key IN (SELECT natural_key FROM \"%s\""
                     " WHERE round = ?1 GROUP BY natural_key HAVING count(*) > 1)"
                     " ORDER BY f.natural_key, f.updated_at DESC, f.instance_id DESC, f.store_id DESC)"
                     " GROUP BY natural_key HAVING count(*) > 1",
                     sql.len ? " UNION ALL " : "", ev->forms[f]->id, table, table);
    }
    ics_buf_puts(&sql, sql.len ? " ORDER BY 1, 2" : "SELECT NULL, NULL, NULL, NULL WHERE 0");
    if (sql.failed) {
      ics_buf_free(&sql);
      ics_error_no_memory(b->xl.err, b->xl.lang);
      return -1;
    }
    int rc = dq_query(b, ws, &r, T(b, "Khóa bị trùng trong đợt (báo cáo tính bản cập nhật gần nhất)",
                                   "Duplicated natural keys in the round (reports count the most recently updated)"),
                      h, 4, sql.data, ev->round);
    ics_buf_free(&sql);
    if (rc) return -1;
  }
  {
    const char *h[] = {T(b, "Mã", "Code"), T(b, "Cơ quan", "Agency"), T(b, "Loại", "Type"), T(b, "Huyện", "District")};
    if (dq_head(b, ws, &r, T(b, "Cơ quan trong danh mục chưa gửi phiếu nào", "Register agencies that sent no record"), h, 4))
      return -1;
    int rows = 0;
    for (size_t i = 0; i < ev->agency_count && !failed(b); i++) {
      const report_agency *a = &ev->agencies[i];
      if (a->reported) continue;
      put_string(b, ws, r, 0, a->code, b->text);
      put_string(b, ws, r, 1, b->xl.lang == ICS_EN ? a->name_en : a->name_vi, b->text);
      put_string(b, ws, r, 2, a->type, b->text);
      put_string(b, ws, r++, 3, a->district, b->text);
      rows++;
    }
    if (failed(b) || dq_end(b, ws, &r, rows)) return -1;
  }
  {
    put_string(b, ws, r++, 0, T(b, "Số bản ghi theo biểu mẫu và huyện (sau khi bỏ trùng)",
                                "Records per form and district (after removing duplicates)"), b->bold);
    put_string(b, ws, r, 0, T(b, "Mã huyện", "District code"), b->header);
    put_string(b, ws, r, 1, T(b, "Huyện", "District"), b->header);
    for (size_t f = 0; f < ev->form_count; f++) put_string(b, ws, r, (lxw_col_t)(2 + f), ev->forms[f]->id, b->header);
    r++;
    for (size_t d = 0; d < ev->district_count && !failed(b); d++, r++) {
      put_string(b, ws, r, 0, ev->districts[d].code, b->text);
      put_string(b, ws, r, 1, b->xl.lang == ICS_EN ? ev->districts[d].name_en : ev->districts[d].name_vi, b->text);
      for (size_t f = 0; f < ev->form_count; f++)
        put_number(b, ws, r, (lxw_col_t)(2 + f), (double)ev->records_per_form_district[f][d], b->integer);
    }
    put_string(b, ws, r, 1, T(b, "Tổng", "Total"), b->bold);
    for (size_t f = 0; f < ev->form_count; f++)
      put_number(b, ws, r, (lxw_col_t)(2 + f), (double)ev->records_per_form[f], b->integer);
    r += 2;
    if (failed(b)) return -1;
  }
  {
    /* CROSS JOIN, here and for flags: SQLite walks the few rows of the small table and looks
     * each revision up, rather than every revision of the round */
    const char *h[] = {T(b, "Mã bản ghi", "Instance id"), T(b, "Lần sửa", "Revision"),
                       T(b, "Gói giữ lại", "Bundle kept"), T(b, "Gói khác", "Other bundle")};
    if (dq_query(b, ws, &r, T(b, "Xung đột: cùng bản ghi và lần sửa nhưng nội dung khác", "Conflicts: the same record and revision with different contents"),
                 h, 4, "SELECT c.instance_id, c.revision, c.kept_bundle, c.other_bundle FROM conflicts c"
                       " CROSS JOIN revisions r ON r.store_id = c.store_id AND r.instance_id = c.instance_id"
                       " AND r.revision = c.revision WHERE r.round = ?1 ORDER BY 1, 2, c.store_id", ev->round))
      return -1;
  }
  {
    const char *h[] = {T(b, "Mã bản ghi", "Instance id"), T(b, "Lần sửa", "Revision"), T(b, "Loại", "Kind"), T(b, "Chi tiết", "Detail")};
    if (dq_query(b, ws, &r, T(b, "Thời điểm đáng ngờ (đồng hồ máy tính sai?)", "Timestamps worth a second look (a wrong PC clock?)"),
                 h, 4, "SELECT f.instance_id, f.revision, f.kind, f.detail FROM flags f"
                       " CROSS JOIN revisions r ON r.store_id = f.store_id AND r.instance_id = f.instance_id"
                       " AND r.revision = f.revision WHERE r.round = ?1 ORDER BY 1, 2, 3, f.store_id", ev->round))
      return -1;
  }
  {
    const char *h[] = {T(b, "Biểu mẫu", "Form"), T(b, "Phiên bản", "Version"), T(b, "Kho", "Store"),
                       T(b, "Số bản ghi", "Records")};
    /* a merge takes only records of published forms: such records come from before kits,
     * whose databases keep forms_from_bundles (no need to read every revision of any other) */
    sqlite3_stmt *st = NULL;
    int step = sqlite3_prepare_v2(ev->db, "SELECT 1 FROM sqlite_master WHERE name = 'forms_from_bundles'", -1, &st,
                                  NULL) == SQLITE_OK ? sqlite3_step(st) : SQLITE_ERROR;
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
      ics_report_db_error(ev->db, b->xl.lang, R_DATABASE, b->xl.err);
      return -1;
    }
    if (dq_query(b, ws, &r, T(b, "Bản ghi làm bằng biểu mẫu Sở chưa công bố (không được tính)",
                              "Records made with forms the office never published (not counted)"),
                 h, 4, step == SQLITE_DONE ? "SELECT NULL, NULL, NULL, NULL WHERE 0"
                       : "SELECT r.form_id, r.form_version, r.store_id, count(*) FROM revisions r"
                       " JOIN instances i ON i.store_id = r.store_id AND i.instance_id = r.instance_id"
                       " AND i.revision = r.revision WHERE i.status != 'void' AND r.round = ?1"
                       " AND NOT " ICS_CENTRAL_PUBLISHED("r")
                       " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", ev->round))
      return -1;
  }
  /* the checks the targets file declares (the shipped one: schools' pupils per computer) */
  for (size_t i = 0; i < ev->targets->check_count; i++)
    if (dq_check(b, ws, &r, &ev->targets->checks[i])) return -1;
  return 0;
}

/* ---- Record sheets ------------------------------------------------------------------------------ */
/* A new sheet of a form's records (part > 1: the form goes on past Excel's row limit) with its
 * two header rows. */
static lxw_worksheet *records_sheet(book *b, const ics_form *form, const int *fields, size_t count, int part) {
  char name[64]; /* Excel allows 31 characters */
  if (part == 1) snprintf(name, sizeof name, "%.31s", form->id);
  else snprintf(name, sizeof name, "%.24s (%d)", form->id, part);
  name[31] = '\0';
  lxw_worksheet *ws = add_sheet(b, name);
  if (!ws) return NULL;
  /* constant-memory mode: a row is final once a later row is written, so row by row */
  put_string(b, ws, 0, 0, T(b, "Mã bản ghi", "Record id"), b->header);
  for (size_t k = 0; k < count; k++)
    put_string(b, ws, 0, (lxw_col_t)(1 + k), ics_text_get(form->fields[fields[k]].label, b->xl.lang), b->header);
  put_string(b, ws, 1, 0, "instance_id", b->header);
  for (size_t k = 0; k < count; k++) put_string(b, ws, 1, (lxw_col_t)(1 + k), form->fields[fields[k]].name, b->header);
  XL(b, worksheet_set_column(ws, 0, (lxw_col_t)count, 18, NULL));
  if (failed(b)) return NULL;
  worksheet_freeze_panes(ws, 2, 1);
  return ws;
}

/* One record's cells from row st of the query (column 0 the instance id, then fields). */
static int records_row(book *b, lxw_worksheet *ws, lxw_row_t r, sqlite3_stmt *st, ics_record *rec,
                       const int *fields, size_t count) {
  const ics_form *form = rec->form;
  const char *id = (const char *)sqlite3_column_text(st, 0);
  if (!id) { /* a NOT NULL column: SQLite ran out of memory making its text */
    ics_error_no_memory(b->xl.err, b->xl.lang);
    return -1;
  }
  put_string(b, ws, r, 0, id, b->text);
  for (size_t k = 0; k < count && !failed(b); k++) {
    int c = (int)k + 1, fi = fields[k];
    const ics_field *f = &form->fields[fi];
    int type = sqlite3_column_type(st, c);
    if (type == SQLITE_NULL) continue;
    if (f->type == ICS_INTEGER || f->type == ICS_DECIMAL) {
      put_number(b, ws, r, (lxw_col_t)c, sqlite3_column_double(st, c), NULL);
      continue;
    }
    char buf[32];
    const char *text = buf;
    if (f->type == ICS_BOOLEAN) snprintf(buf, sizeof buf, "%lld", (long long)sqlite3_column_int64(st, c));
    else text = (const char *)sqlite3_column_text(st, c);
    if (!text) { /* not NULL (checked above): SQLite out of memory */
      ics_error_no_memory(b->xl.err, b->xl.lang);
      return -1;
    }
    if (f->type == ICS_BOOLEAN || f->choices) {
      /* labels rather than codes: what a manager reads */
      ics_free(rec->values[fi]);
      char *shown = (rec->values[fi] = ics_strdup(text)) ? ics_record_display(rec, fi, NULL, b->xl.lang) : NULL;
      if (!shown) {
        ics_error_no_memory(b->xl.err, b->xl.lang);
        return -1;
      }
      put_string(b, ws, r, (lxw_col_t)c, shown, NULL);
      ics_free(shown);
    } else {
      put_string(b, ws, r, (lxw_col_t)c, text, NULL);
    }
  }
  return failed(b) ? -1 : 0;
}

static int write_records(book *b, const ics_form *form, bool include_personal) {
  evaluation *ev = b->ev;
  char table[ICS_CENTRAL_NAME_MAX];
  ics_central_form_table(table, sizeof table, form->id); /* fits: the form loader's ids do */
  int *fields = ics_calloc(form->field_count + 1, sizeof *fields);
  ics_record *rec = ics_record_new(form);
  size_t count = 0;
  ics_buf sql = {0};
  ics_buf_puts(&sql, "SELECT f.instance_id");
  for (size_t i = 0; fields && i < form->field_count; i++) {
    const ics_field *f = &form->fields[i];
    if (f->type == ICS_NOTE || f->type == ICS_CALCULATE || (f->personal && !include_personal)) continue;
    ics_buf_printf(&sql, ", f.\"%s\"", f->name);
    fields[count++] = (int)i;
  }
  ics_buf_printf(&sql, " FROM \"%s\" f WHERE ", table);
  ics_buf_printf(&sql, ics_dedupe_condition, table);
  ics_buf_puts(&sql, " ORDER BY f.natural_key, f.instance_id, f.store_id");
  sqlite3_stmt *st = NULL;
  if (!fields || !rec || sql.failed) ics_error_no_memory(b->xl.err, b->xl.lang);
  else if (sqlite3_prepare_v2(ev->db, sql.data, -1, &st, NULL) != SQLITE_OK ||
           sqlite3_bind_int(st, 1, ev->round) != SQLITE_OK)
    ics_report_db_error(ev->db, b->xl.lang, R_DATABASE, b->xl.err);
  ics_buf_free(&sql);
  lxw_worksheet *ws = NULL;
  lxw_row_t r = 0;
  int part = 0, step = SQLITE_DONE;
  while (!failed(b) && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (!ws || r >= EXCEL_MAX_ROWS) {
      if (ws && XL(b, worksheet_autofilter(ws, 1, 0, r - 1, (lxw_col_t)count))) break;
      if (!(ws = records_sheet(b, form, fields, count, ++part))) break;
      r = 2;
    }
    if (records_row(b, ws, r++, st, rec, fields, count)) break;
  }
  if (!failed(b) && step != SQLITE_DONE) ics_report_db_error(ev->db, b->xl.lang, R_DATABASE, b->xl.err);
  if (ws) XL(b, worksheet_autofilter(ws, 1, 0, r - 1, (lxw_col_t)count));
  ics_record_free(rec);
  sqlite3_finalize(st);
  ics_free(fields);
  return failed(b) ? -1 : 0;
}

/* ---- the workbook ---------------------------------------------------------------------------------- */
/* A workbook's creation time: the data's date, else the 1st of January of the round. */
static time_t parse_utc(const char *s, int round) {
  int y, mo, d, h, mi, sec;
  if (strlen(s) == 20 && sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) == 6)
    return xl_utc_seconds(y, mo, d, h, mi, sec);
  return xl_utc_seconds(round, 1, 1, 0, 0, 0);
}

/* The latest round with a current record (0 when there is none). */
static int latest_round(sqlite3 *db, int *round, ics_lang lang, ics_error *err) {
  int *rounds;
  size_t count;
  if (ics_current_rounds(db, &rounds, &count, R_CANNOT_READ, lang, err)) return -1;
  *round = count ? rounds[count - 1] : 0;
  ics_free(rounds);
  return 0;
}

/* The rounds of current records up to `upto`, ascending (as latest_round). */
static int rounds_present(sqlite3 *db, int upto, progress *pg, ics_lang lang, ics_error *err) {
  if (ics_current_rounds(db, &pg->rounds, &pg->round_count, R_DATABASE, lang, err)) return -1;
  while (pg->round_count && pg->rounds[pg->round_count - 1] > upto) pg->round_count--;
  return 0;
}

/* Evaluates every round shown on the Progress sheet, one at a time, keeping only the
 * province's counts (the reported round's come from its evaluation). */
static int collect_progress(progress *pg, const evaluation *ev, const char *targets_path, ics_error *err) {
  ics_lang lang = ev->lang;
  size_t n = ev->targets->indicator_count;
  if (rounds_present(ev->db, ev->round, pg, lang, err)) return -1;
  if (!(pg->values = ics_calloc(pg->round_count * n + 1, sizeof *pg->values))) {
    ics_error_no_memory(err, lang);
    return -1;
  }
  for (size_t r = 0; r < pg->round_count; r++) {
    ics_counts *out = &pg->values[r * n];
    if (pg->rounds[r] == ev->round) {
      for (size_t i = 0; i < n; i++) out[i] = ev->values[i].province;
      continue;
    }
    evaluation other;
    ics_errors ignored = {0}; /* the same targets file, already checked by the reported round */
    int rc = ics_evaluation_run(&other, ev->db, pg->rounds[r], targets_path, lang, &ignored, err);
    ics_errors_free(&ignored);
    if (!rc && other.targets->indicator_count != n) {
      ics_error_say(err, lang, RMSG(R_TARGETS_CHANGED));
      rc = -1;
    }
    for (size_t i = 0; !rc && i < n; i++) out[i] = other.values[i].province;
    ics_evaluation_free(&other);
    if (rc) return -1;
  }
  return 0;
}

/* The sheets, in their order, into a workbook being written at out->tmp; then closed, and
 * renamed over the target. On a failure the workbook is left unclosed: closing would write
 * it, which libxlsxwriter cannot do safely once one of its calls failed; this runs in a
 * process that ends right after (writer_work, run apart). */
static int write_book(const ics_report_options *o, evaluation *ev, const progress *pg, ics_output *out,
                      ics_error *err) {
  ics_lang lang = o->lang;
  long quiet = ics_apart_said_mark(); /* what the writer said before */
  lxw_workbook_options wopts = {.constant_memory = LXW_TRUE};
  lxw_workbook *wb = xl_open(out, o->output, &wopts, lang, err);
  if (!wb) return -1;
  book b = {.xl = {.wb = wb, .lang = lang, .output = o->output, .err = err}, .ev = ev, .pg = pg};
  char title[256];
  snprintf(title, sizeof title, lang == ICS_EN ? "Gap analysis, round %d" : "Phân tích khoảng cách, đợt %d", ev->round);
  lxw_doc_properties props = {.title = title, .author = "ictsurvey", .company = "Long An",
                              .created = parse_utc(ev->data_date, ev->round)};
  lxw_error e = workbook_set_properties(wb, &props);
  if (e != LXW_NO_ERROR) writer_failed(&b, e, ics_reports_text(R_AT_PROPERTIES, lang));
  if (failed(&b) || make_formats(&b) || write_summary(&b) || write_by_district(&b) || write_progress(&b) ||
      write_priority_groups(&b) || write_training_needs(&b) || write_agencies(&b) || write_data_quality(&b))
    return -1;
  for (size_t i = 0; i < ev->form_count; i++) {
    bool include = o->records == ICS_RECORDS_ALWAYS ||
                   (o->records == ICS_RECORDS_AUTO && ev->records_per_form[i] <= RECORDS_AUTO_LIMIT);
    if (include && ev->records_per_form[i] > 0 && write_records(&b, ev->forms[i], o->include_personal)) return -1;
  }
  return xl_close(&b.xl, quiet, out);
}

/* The whole report, on a connection of its own to the central database: one read
 * transaction, so that every sheet sees the same data. *tmp_name gets the temporary file's
 * name as soon as it exists. */
static int write_report(const ics_report_options *o, const char *db_path, char *tmp_name, size_t tmp_cap,
                        ics_errors *diags, ics_error *err) {
  ics_lang lang = o->lang;
  sqlite3 *db = NULL;
  /* one thread uses the connection: no mutex around each of SQLite's calls */
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    if (db) ics_report_db_error(db, lang, R_CANNOT_READ, err);
    else ics_error_no_memory(err, lang);
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 60000); /* as the aggregator waits for a merge */
  int round = o->round;
  int rc = round ? 0 : latest_round(db, &round, lang, err);
  if (!rc && !round) {
    ics_error_say(err, lang, RMSG(R_NO_RECORDS));
    rc = -1;
  }
  if (!rc && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
    ics_report_db_error(db, lang, R_CANNOT_READ, err);
    rc = -1;
  }
  evaluation ev = {0};
  progress pg = {0};
  if (!rc) rc = ics_evaluation_run(&ev, db, round, o->targets_path, lang, diags, err);
  if (!rc) rc = collect_progress(&pg, &ev, o->targets_path, err);
  if (!rc) {
    /* written beside the target and renamed over it once whole: a failure leaves the old
     * workbook as it was */
    ics_output out;
    if (ics_output_begin(&out, o->output) != 0) {
      xl_output_failed(o->output, errno, lang, err);
      rc = -1;
    } else {
      snprintf(tmp_name, tmp_cap, "%s", out.tmp);
      rc = write_book(o, &ev, &pg, &out, err);
      ics_output_end(&out);
    }
  }
  ics_free(pg.rounds);
  ics_free(pg.values);
  ics_evaluation_free(&ev);
  sqlite3_close(db); /* ends the read transaction */
  return rc;
}

/* ---- the writer, run apart (xlsx_book.h): it opens the central database itself, since an
 * SQLite connection must not cross a fork. */
typedef struct {
  const ics_report_options *o;
  const char *db_path;
} writer_job;

static int report_work(void *ctx, char *tmp, size_t tmp_cap, ics_errors *diags, ics_error *err) {
  const writer_job *job = ctx;
  return write_report(job->o, job->db_path, tmp, tmp_cap, diags, err);
}

int ics_report_write(const ics_report_options *o, ics_errors *diags, ics_error *err) {
  ics_lang lang = o->lang;
  const char *db_path = sqlite3_db_filename(o->db, "main");
  if (!db_path || !*db_path) { /* an in-memory database: nothing another process can open */
    ics_error_say(err, lang, RMSG(R_CANNOT_READ), sqlite3_errstr(SQLITE_CANTOPEN));
    return -1;
  }
  writer_job job = {o, db_path};
  return xl_run_apart(report_work, &job, o->output, lang, diags, err);
}
