/* workbook.c - the gap-analysis workbook (docs/reports.md, cli.md): Summary, By district,
 * Progress, Priority groups, Training needs, Agencies, Data quality and one sheet of records
 * per form, written with libxlsxwriter in constant-memory mode, rows in order, every number a
 * value. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "evaluate.h"

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
  lxw_workbook *wb;
  evaluation *ev;
  const progress *pg;
  ics_lang lang;
  lxw_format *title, *subtitle, *header, *text, *wrap, *integer, *percent, *ratio, *met, *not_met,
      *no_data, *target_ge_pct, *target_gt_pct, *target_le, *target_lt, *target_ge, *target_gt,
      *target_le_pct, *target_lt_pct, *bold;
} book;

#define T(b, vi, en) ((b)->lang == ICS_EN ? (en) : (vi))

static const char *status_text(const book *b, ics_target_status s) {
  switch (s) {
  case ICS_MET: return T(b, "đạt", "met");
  case ICS_NOT_MET: return T(b, "chưa đạt", "not met");
  default: return T(b, "không có dữ liệu", "no data");
  }
}

static lxw_format *fmt(lxw_workbook *wb, const char *num, bool bold, uint32_t bg) {
  lxw_format *f = workbook_add_format(wb);
  format_set_font_name(f, "Arial");
  format_set_font_size(f, 10);
  if (num) format_set_num_format(f, num);
  if (bold) format_set_bold(f);
  if (bg) format_set_bg_color(f, bg);
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  return f;
}

static void make_formats(book *b) {
  lxw_workbook *wb = b->wb;
  b->title = fmt(wb, NULL, true, 0);
  format_set_font_size(b->title, 14);
  b->subtitle = fmt(wb, NULL, false, 0);
  b->header = fmt(wb, NULL, true, 0xDDEBF7);
  format_set_text_wrap(b->header);
  format_set_border(b->header, LXW_BORDER_THIN);
  b->text = fmt(wb, NULL, false, 0);
  b->wrap = fmt(wb, NULL, false, 0);
  format_set_text_wrap(b->wrap);
  b->integer = fmt(wb, "#,##0", false, 0);
  b->percent = fmt(wb, "0.0%", false, 0);
  b->ratio = fmt(wb, "#,##0.0", false, 0);
  b->bold = fmt(wb, NULL, true, 0);
  b->met = workbook_add_format(wb);
  format_set_bg_color(b->met, 0xC6EFCE);
  format_set_font_color(b->met, 0x006100);
  b->not_met = workbook_add_format(wb);
  format_set_bg_color(b->not_met, 0xFFC7CE);
  format_set_font_color(b->not_met, 0x9C0006);
  b->no_data = workbook_add_format(wb);
  format_set_bg_color(b->no_data, 0xE7E6E6);
  format_set_font_color(b->no_data, 0x595959);
  b->target_ge_pct = fmt(wb, "\"≥ \"0%", false, 0);
  b->target_gt_pct = fmt(wb, "\"> \"0%", false, 0);
  b->target_le_pct = fmt(wb, "\"≤ \"0%", false, 0);
  b->target_lt_pct = fmt(wb, "\"< \"0%", false, 0);
  b->target_ge = fmt(wb, "\"≥ \"#,##0.##", false, 0);
  b->target_gt = fmt(wb, "\"> \"#,##0.##", false, 0);
  b->target_le = fmt(wb, "\"≤ \"#,##0.##", false, 0);
  b->target_lt = fmt(wb, "\"< \"#,##0.##", false, 0);
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

static void status_colours(book *b, lxw_worksheet *ws, lxw_row_t r0, lxw_row_t r1, lxw_col_t c0, lxw_col_t c1) {
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
    worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf);
  }
}

/* ---- Summary -------------------------------------------------------------------------------- */
static void write_summary(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, T(b, "Tổng hợp", "Summary"));
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9); /* A4 */
  worksheet_fit_to_pages(ws, 1, 0);
  char line[512];
  snprintf(line, sizeof line, T(b, "Phân tích khoảng cách so với mục tiêu — Quyết định %s",
                                "Gap analysis against the targets of decision %s"),
           t->decision ? t->decision : "43/2011/QĐ-UBND");
  worksheet_write_string(ws, 0, 0, line, b->title);
  ics_buf counts = {0};
  for (size_t i = 0; i < ev->form_count; i++)
    ics_buf_printf(&counts, "%s%s %lld", i ? ", " : "", ev->forms[i]->id, (long long)ev->records_per_form[i]);
  snprintf(line, sizeof line,
           T(b, "Đợt khảo sát %d · dữ liệu đến %.10s · %lld bản ghi (%s) · %s",
             "Survey round %d · data up to %.10s · %lld records (%s) · %s"),
           ev->round, ev->data_date[0] ? ev->data_date : "-", (long long)ev->total_records,
           counts.data ? counts.data : "", ics_text_get(t->title, b->lang));
  ics_buf_free(&counts);
  worksheet_write_string(ws, 1, 0, line, b->subtitle);

  lxw_row_t hr = 3;
  const char *fixed_vi[] = {"Mã", "Chỉ tiêu", "Điều khoản", "Thực tế", "Tử số", "Mẫu số"};
  const char *fixed_en[] = {"ID", "Indicator", "Clause", "Actual", "Numerator", "Denominator"};
  lxw_col_t c = 0;
  for (; c < 6; c++) worksheet_write_string(ws, hr, c, T(b, fixed_vi[c], fixed_en[c]), b->header);
  for (size_t y = 0; y < t->year_count; y++) {
    const char *vi[] = {"Mục tiêu %d", "Đánh giá %d", "Khoảng cách %d", "Cần thêm %d"};
    const char *en[] = {"Target %d", "Status %d", "Gap %d", "Needed %d"};
    for (int k = 0; k < 4; k++) {
      snprintf(line, sizeof line, T(b, vi[k], en[k]), t->years[y]);
      worksheet_write_string(ws, hr, c++, line, b->header);
    }
  }
  lxw_col_t note_col = c;
  worksheet_write_string(ws, hr, note_col, T(b, "Ghi chú", "Note"), b->header);
  worksheet_set_column(ws, 0, 0, 26, NULL);
  worksheet_set_column(ws, 1, 1, 48, b->wrap);
  worksheet_set_column(ws, 2, 2, 16, NULL);
  worksheet_set_column(ws, 3, 5, 12, NULL);
  worksheet_set_column(ws, 6, note_col - 1, 12, NULL);
  worksheet_set_column(ws, note_col, note_col, 60, b->wrap);
  worksheet_freeze_panes(ws, hr + 1, 2);
  worksheet_repeat_rows(ws, hr, hr);

  for (size_t i = 0; i < t->indicator_count; i++) {
    const indicator_value *iv = &ev->values[i];
    const ics_indicator *ind = iv->ind;
    lxw_row_t r = hr + 1 + (lxw_row_t)i;
    /* wrapped labels and notes need the height: not every reader grows rows by itself */
    size_t note_len = strlen(ics_text_get(ind->note, b->lang)) + strlen(ics_text_get(ind->source, b->lang));
    worksheet_set_row(ws, r, note_len > 180 ? 66 : note_len > 60 ? 40 : 28, NULL);
    bool value = has_value(ind, iv->province);
    lxw_format *vf = ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio;
    worksheet_write_string(ws, r, 0, ind->id, b->text);
    worksheet_write_string(ws, r, 1, ics_text_get(ind->label, b->lang), b->wrap);
    if (ind->clause) worksheet_write_string(ws, r, 2, ind->clause, b->text);
    if (value) worksheet_write_number(ws, r, 3, (double)iv->province.num / (double)iv->province.den, vf);
    if (ind->measure != ICS_MEASURE_NONE) {
      worksheet_write_number(ws, r, 4, (double)iv->province.num, b->integer);
      worksheet_write_number(ws, r, 5, (double)iv->province.den, b->integer);
    }
    c = 6;
    for (size_t y = 0; y < t->year_count; y++, c += 4) {
      const ics_target *tg = target_for(ind, t->years[y]);
      if (!tg) continue;
      ics_assessment a = ics_assess(tg->op, tg->num, tg->den, iv->province.num, iv->province.den, value);
      worksheet_write_number(ws, r, c, tg->value, target_format(b, ind, tg->op));
      worksheet_write_string(ws, r, c + 1, status_text(b, a.status), b->text);
      if (a.status != ICS_NO_DATA) {
        worksheet_write_number(ws, r, c + 2, a.gap, vf);
        worksheet_write_number(ws, r, c + 3, (double)a.needed, b->integer);
      }
    }
    ics_buf note = {0};
    const char *n = ics_text_get(ind->note, b->lang);
    if (*n) ics_buf_puts(&note, n);
    const char *src = ics_text_get(ind->source, b->lang);
    if (*src) ics_buf_printf(&note, "%s%s%s", note.len ? " " : "", T(b, "Nguồn số liệu cần có: ", "Data source needed: "), src);
    if (note.data) worksheet_write_string(ws, r, note_col, note.data, b->wrap);
    ics_buf_free(&note);
  }
  if (t->indicator_count) {
    status_colours(b, ws, hr + 1, hr + (lxw_row_t)t->indicator_count, 6, note_col - 1);
    /* an empty Actual is "no data": grey */
    lxw_conditional_format blank = {.type = LXW_CONDITIONAL_TYPE_BLANKS, .format = b->no_data};
    worksheet_conditional_format_range(ws, hr + 1, 3, hr + (lxw_row_t)t->indicator_count, 3, &blank);
  }
}

/* ---- By district ---------------------------------------------------------------------------- */
static void write_by_district(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  const char *name = T(b, "Theo huyện", "By district");
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  worksheet_write_string(ws, 0, 0, T(b, "Mã huyện", "District code"), b->header);
  worksheet_write_string(ws, 0, 1, T(b, "Huyện", "District"), b->header);
  for (size_t i = 0; i < t->indicator_count; i++)
    worksheet_write_string(ws, 0, (lxw_col_t)(2 + i), t->indicators[i].id, b->header);
  worksheet_set_column(ws, 0, 0, 12, NULL);
  worksheet_set_column(ws, 1, 1, 26, NULL);
  worksheet_set_column(ws, 2, (lxw_col_t)(1 + t->indicator_count), 14, NULL);
  worksheet_freeze_panes(ws, 1, 2);
  for (size_t d = 0; d < ev->district_count; d++) {
    lxw_row_t r = (lxw_row_t)(1 + d);
    worksheet_write_string(ws, r, 0, ev->districts[d].code, b->text);
    worksheet_write_string(ws, r, 1, b->lang == ICS_EN ? ev->districts[d].name_en : ev->districts[d].name_vi, b->text);
    for (size_t i = 0; i < t->indicator_count; i++) {
      const indicator_value *iv = &ev->values[i];
      if (!iv->ind->by_district || !has_value(iv->ind, iv->district[d])) continue;
      worksheet_write_number(ws, r, (lxw_col_t)(2 + i), (double)iv->district[d].num / (double)iv->district[d].den,
                             iv->ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio);
    }
  }
  if (!ev->district_count) return;
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
    worksheet_conditional_format_range(ws, 1, (lxw_col_t)(2 + i), last, (lxw_col_t)(2 + i), &scale);
  }
  /* a bar chart per key indicator, districts side by side, the first target in the title */
  lxw_row_t chart_row = last + 2;
  for (size_t i = 0; i < t->indicator_count; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!ind->key || !ind->by_district || ind->measure == ICS_MEASURE_NONE) continue;
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_BAR);
    lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
    chart_series_set_categories(s, name, 1, 1, last, 1);
    chart_series_set_values(s, name, 1, (lxw_col_t)(2 + i), last, (lxw_col_t)(2 + i));
    chart_series_set_name(s, ind->id);
    char title[300];
    if (ind->target_count)
      snprintf(title, sizeof title, "%s (%s %s %d)", ics_text_get(ind->label, b->lang),
               T(b, "mục tiêu", "target"), ind->targets[0].text, ind->targets[0].year);
    else
      snprintf(title, sizeof title, "%s", ics_text_get(ind->label, b->lang));
    chart_title_set_name(chart, title);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    if (ind->kind == ICS_KIND_SHARE) chart_axis_set_num_format(chart->y_axis, "0%");
    lxw_chart_options opts = {.x_scale = 1.4, .y_scale = 1.3};
    worksheet_insert_chart_opt(ws, chart_row, 1, chart, &opts);
    chart_row += 22;
  }
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
  return pace_reaches(tg->op, tg->num, tg->den, pg->rounds[first], v0.num, v0.den, pg->rounds[last], v1.num,
                      v1.den, year)
             ? PACE_ON
             : PACE_NOT;
}

static bool charted(const book *b, const ics_indicator *ind) {
  return ind->key && ind->measure != ICS_MEASURE_NONE && b->pg->round_count > 0;
}

static void write_progress(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  const progress *pg = b->pg;
  const char *name = T(b, "Tiến độ", "Progress");
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  char line[768];
  snprintf(line, sizeof line, T(b, "Tiến độ qua các đợt khảo sát, đến đợt %d", "Progress across the survey rounds, up to round %d"),
           ev->round);
  worksheet_write_string(ws, 0, 0, line, b->title);
  snprintf(line, sizeof line,
           T(b, "Tiến độ: đường thẳng nối đợt đầu tiên và đợt gần nhất có số liệu của chỉ tiêu, kéo dài đến năm mục tiêu"
                " (một phép ngoại suy theo đường thẳng, không phải dự báo), có đạt mục tiêu không. Đã qua: năm mục tiêu"
                " trước đợt %d. Không có dữ liệu: chưa đủ hai đợt có số liệu, hoặc năm đó không có mục tiêu.",
             "On pace: whether the straight line through the first and the latest round with a value of the indicator,"
             " extended to the target year (a straight-line projection, not a forecast), reaches the target. Passed:"
             " the target year is before round %d. No data: fewer than two rounds with a value, or no target that year."),
           ev->round);
  worksheet_write_string(ws, 1, 0, line, b->subtitle);

  lxw_row_t hr = 3;
  lxw_col_t rc0 = 2, tc0 = (lxw_col_t)(rc0 + pg->round_count);  /* round values, then targets */
  lxw_col_t hc0 = (lxw_col_t)(tc0 + 2 * t->year_count);             /* hidden: the charts' target lines */
  worksheet_write_string(ws, hr, 0, T(b, "Mã", "ID"), b->header);
  worksheet_write_string(ws, hr, 1, T(b, "Chỉ tiêu", "Indicator"), b->header);
  for (size_t r = 0; r < pg->round_count; r++) {
    snprintf(line, sizeof line, "%d", pg->rounds[r]);
    worksheet_write_string(ws, hr, (lxw_col_t)(rc0 + r), line, b->header);
  }
  for (size_t y = 0; y < t->year_count; y++) {
    snprintf(line, sizeof line, T(b, "Mục tiêu %d", "Target %d"), t->years[y]);
    worksheet_write_string(ws, hr, (lxw_col_t)(tc0 + 2 * y), line, b->header);
    snprintf(line, sizeof line, T(b, "Tiến độ %d", "On pace %d"), t->years[y]);
    worksheet_write_string(ws, hr, (lxw_col_t)(tc0 + 2 * y + 1), line, b->header);
  }
  for (size_t r = 0; r < pg->round_count; r++) {
    snprintf(line, sizeof line, T(b, "Đường mục tiêu %d", "Target line %d"), pg->rounds[r]);
    worksheet_write_string(ws, hr, (lxw_col_t)(hc0 + r), line, b->header);
  }
  worksheet_set_column(ws, 0, 0, 26, NULL);
  worksheet_set_column(ws, 1, 1, 48, b->wrap);
  if (pg->round_count) worksheet_set_column(ws, rc0, tc0 - 1, 10, NULL);
  for (size_t y = 0; y < t->year_count; y++) {
    worksheet_set_column(ws, (lxw_col_t)(tc0 + 2 * y), (lxw_col_t)(tc0 + 2 * y), 12, NULL);
    worksheet_set_column(ws, (lxw_col_t)(tc0 + 2 * y + 1), (lxw_col_t)(tc0 + 2 * y + 1), 16, NULL);
  }
  if (pg->round_count) {
    lxw_row_col_options hidden = {.hidden = 1};
    worksheet_set_column_opt(ws, hc0, (lxw_col_t)(hc0 + pg->round_count - 1), 10, NULL, &hidden);
  }
  worksheet_freeze_panes(ws, hr + 1, 2);

  size_t n = t->indicator_count;
  for (size_t i = 0; i < n; i++) {
    const ics_indicator *ind = &t->indicators[i];
    lxw_row_t row = hr + 1 + (lxw_row_t)i;
    worksheet_set_row(ws, row, 28, NULL);
    lxw_format *vf = ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio;
    worksheet_write_string(ws, row, 0, ind->id, b->text);
    worksheet_write_string(ws, row, 1, ics_text_get(ind->label, b->lang), b->wrap);
    for (size_t r = 0; r < pg->round_count; r++) {
      ics_counts c = pg->values[r * n + i];
      if (has_value(ind, c)) worksheet_write_number(ws, row, (lxw_col_t)(rc0 + r), (double)c.num / (double)c.den, vf);
    }
    for (size_t y = 0; y < t->year_count; y++) {
      const ics_target *tg = target_for(ind, t->years[y]);
      if (tg) worksheet_write_number(ws, row, (lxw_col_t)(tc0 + 2 * y), tg->value, target_format(b, ind, tg->op));
      worksheet_write_string(ws, row, (lxw_col_t)(tc0 + 2 * y + 1), pace_text(b, pace_of(b, i, t->years[y])), b->text);
    }
    /* a chart needs its target line in cells: the first target, once per round */
    if (charted(b, ind) && ind->target_count)
      for (size_t r = 0; r < pg->round_count; r++)
        worksheet_write_number(ws, row, (lxw_col_t)(hc0 + r), ind->targets[0].value, vf);
  }
  if (!n) return;
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
      worksheet_conditional_format_range(ws, hr + 1, tc0, last, (lxw_col_t)(hc0 - 1), &cf);
    }
  }
  /* a line chart per key indicator: the actual value by round, and the first target */
  lxw_row_t chart_row = last + 2;
  for (size_t i = 0; i < n; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!charted(b, ind)) continue;
    lxw_row_t row = hr + 1 + (lxw_row_t)i;
    lxw_col_t rc1 = (lxw_col_t)(rc0 + pg->round_count - 1);
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_LINE);
    lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
    chart_series_set_categories(s, name, hr, rc0, hr, rc1);
    chart_series_set_values(s, name, row, rc0, row, rc1);
    chart_series_set_name(s, T(b, "Thực tế", "Actual"));
    chart_series_set_marker_type(s, LXW_CHART_MARKER_CIRCLE);
    if (ind->target_count) {
      lxw_chart_series *ts = chart_add_series(chart, NULL, NULL);
      chart_series_set_categories(ts, name, hr, rc0, hr, rc1);
      chart_series_set_values(ts, name, row, hc0, row, (lxw_col_t)(hc0 + pg->round_count - 1));
      snprintf(line, sizeof line, T(b, "Mục tiêu %d (%s)", "Target %d (%s)"), ind->targets[0].year, ind->targets[0].text);
      chart_series_set_name(ts, line);
      lxw_chart_line dashed = {.color = 0xC00000, .dash_type = LXW_CHART_LINE_DASH_DASH, .width = 1.5};
      chart_series_set_line(ts, &dashed);
      chart_series_set_marker_type(ts, LXW_CHART_MARKER_NONE);
    }
    chart_title_set_name(chart, ics_text_get(ind->label, b->lang));
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    chart_show_hidden_data(chart); /* the target line lives in hidden columns */
    if (ind->kind == ICS_KIND_SHARE) chart_axis_set_num_format(chart->y_axis, "0%");
    lxw_chart_options opts = {.x_scale = 1.4, .y_scale = 1.3};
    worksheet_insert_chart_opt(ws, chart_row, 1, chart, &opts);
    chart_row += 22;
  }
}

/* ---- Priority groups ------------------------------------------------------------------------ */
static bool per_person(const ics_indicator *ind) {
  return ind->form && !strcmp(ind->form->id, "staff") && ind->measure == ICS_MEASURE_RECORDS;
}

static void write_priority_groups(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, T(b, "Nhóm ưu tiên", "Priority groups"));
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  char line[768];
  snprintf(line, sizeof line,
           T(b, "Nhóm ưu tiên đào tạo (mục II.1.b): cán bộ nữ và cán bộ trẻ, đợt %d",
             "Priority groups for training (section II.1.b): women and young staff, round %d"),
           ev->round);
  worksheet_write_string(ws, 0, 0, line, b->title);
  snprintf(line, sizeof line,
           T(b, "Các chỉ tiêu tính theo từng người của biểu mẫu cán bộ, theo giới tính và nhóm tuổi. Tuổi tính trong năm"
                " của đợt: %d trừ năm sinh (năm sinh không được ghi ra). Cần thêm: số người ít nhất của nhóm phải có thêm"
                " để nhóm đạt mục tiêu, giữ nguyên mẫu số của nhóm. Chỉ tiêu tính theo cơ quan không có ở đây.",
             "The staff indicators counted per person, by gender and by age band. Age is counted in the round's year:"
             " %d minus the year of birth (which is not shown). Needed: the fewest additional people of the group that"
             " meet the target with the group's denominator unchanged. Indicators over agencies are not per person"
             " and are left out."),
           ev->round);
  worksheet_write_string(ws, 1, 0, line, b->subtitle);
  lxw_row_t hr = 3;
  const char *fixed_vi[] = {"Mã", "Chỉ tiêu", "Nhóm", "Tử số", "Mẫu số", "Thực tế"};
  const char *fixed_en[] = {"ID", "Indicator", "Group", "Numerator", "Denominator", "Actual"};
  lxw_col_t c = 0;
  for (; c < 6; c++) worksheet_write_string(ws, hr, c, T(b, fixed_vi[c], fixed_en[c]), b->header);
  for (size_t y = 0; y < t->year_count; y++) {
    snprintf(line, sizeof line, T(b, "Mục tiêu %d", "Target %d"), t->years[y]);
    worksheet_write_string(ws, hr, c++, line, b->header);
    snprintf(line, sizeof line, T(b, "Cần thêm %d", "Needed %d"), t->years[y]);
    worksheet_write_string(ws, hr, c++, line, b->header);
  }
  lxw_col_t last_col = c - 1;
  worksheet_set_column(ws, 0, 0, 26, NULL);
  worksheet_set_column(ws, 1, 1, 40, b->wrap);
  worksheet_set_column(ws, 2, 2, 18, NULL);
  worksheet_set_column(ws, 3, last_col, 12, NULL);
  worksheet_freeze_panes(ws, hr + 1, 3);
  const char *groups_vi[] = {"Nam", "Nữ", "Dưới 30 tuổi", "30–44 tuổi", "Từ 45 tuổi trở lên"};
  const char *groups_en[] = {"Male", "Female", "Under 30", "30–44", "45 and over"};
  lxw_row_t row = hr + 1;
  for (size_t i = 0; i < t->indicator_count; i++) {
    const indicator_value *iv = &ev->values[i];
    const ics_indicator *ind = iv->ind;
    if (!per_person(ind)) continue;
    lxw_format *vf = ind->kind == ICS_KIND_SHARE ? b->percent : b->ratio;
    for (int g = 0; g < GENDER_GROUPS + AGE_GROUPS; g++, row++) {
      ics_counts cn = g < GENDER_GROUPS ? iv->by_gender[g] : iv->by_age[g - GENDER_GROUPS];
      bool value = has_value(ind, cn);
      worksheet_set_row(ws, row, 28, NULL);
      worksheet_write_string(ws, row, 0, ind->id, b->text);
      worksheet_write_string(ws, row, 1, ics_text_get(ind->label, b->lang), b->wrap);
      worksheet_write_string(ws, row, 2, T(b, groups_vi[g], groups_en[g]), b->text);
      worksheet_write_number(ws, row, 3, (double)cn.num, b->integer);
      worksheet_write_number(ws, row, 4, (double)cn.den, b->integer);
      if (value) worksheet_write_number(ws, row, 5, (double)cn.num / (double)cn.den, vf);
      c = 6;
      for (size_t y = 0; y < t->year_count; y++, c += 2) {
        const ics_target *tg = target_for(ind, t->years[y]);
        if (!tg) continue;
        worksheet_write_number(ws, row, c, tg->value, target_format(b, ind, tg->op));
        ics_assessment a = ics_assess(tg->op, tg->num, tg->den, cn.num, cn.den, value);
        if (a.status != ICS_NO_DATA) worksheet_write_number(ws, row, c + 1, (double)a.needed, b->integer);
      }
    }
  }
  if (row == hr + 1) {
    worksheet_write_string(ws, row, 0, T(b, "(không có)", "(none)"), b->text);
    return;
  }
  worksheet_autofilter(ws, hr, 0, row - 1, last_col);
  /* an empty Actual is "no data": grey */
  lxw_conditional_format blank = {.type = LXW_CONDITIONAL_TYPE_BLANKS, .format = b->no_data};
  worksheet_conditional_format_range(ws, hr + 1, 5, row - 1, 5, &blank);
}

/* ---- Training needs -------------------------------------------------------------------------- */
static void write_training_needs(book *b) {
  evaluation *ev = b->ev;
  const ics_targets *t = ev->targets;
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, T(b, "Nhu cầu đào tạo", "Training needs"));
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  worksheet_write_string(ws, 0, 0, T(b, "Số người (cơ quan) còn cần thêm để đạt mục tiêu, theo huyện, và các khóa học được đề nghị",
                                     "People (agencies) still needed to meet each target, per district, and the courses requested"),
                         b->title);
  lxw_row_t hr = 2;
  worksheet_write_string(ws, hr, 0, T(b, "Mã huyện", "District code"), b->header);
  worksheet_write_string(ws, hr, 1, T(b, "Huyện", "District"), b->header);
  lxw_col_t c = 2;
  char label[160];
  for (size_t i = 0; i < t->indicator_count; i++) {
    const ics_indicator *ind = &t->indicators[i];
    if (!ind->form || strcmp(ind->form->id, "staff") || !ind->by_district) continue;
    for (size_t k = 0; k < ind->target_count; k++) {
      snprintf(label, sizeof label, "%s %d", ind->id, ind->targets[k].year);
      worksheet_write_string(ws, hr, c++, label, b->header);
    }
  }
  const ics_form *staff = evaluation_form(ev, "staff");
  int needs_field = staff ? ics_form_field_index(staff, "training_needs") : -1;
  const ics_choice_list *needs = needs_field >= 0 ? staff->fields[needs_field].choices : NULL;
  size_t need_count = needs ? (needs->count < 8 ? needs->count : 8) : 0;
  for (size_t k = 0; k < need_count; k++)
    worksheet_write_string(ws, hr, c++, ics_text_get(needs->items[k].label, b->lang), b->header);
  worksheet_set_column(ws, 0, 0, 12, NULL);
  worksheet_set_column(ws, 1, 1, 26, NULL);
  worksheet_set_column(ws, 2, c, 16, NULL);
  worksheet_freeze_panes(ws, hr + 1, 2);
  for (size_t d = 0; d < ev->district_count; d++) {
    lxw_row_t r = hr + 1 + (lxw_row_t)d;
    worksheet_write_string(ws, r, 0, ev->districts[d].code, b->text);
    worksheet_write_string(ws, r, 1, b->lang == ICS_EN ? ev->districts[d].name_en : ev->districts[d].name_vi, b->text);
    c = 2;
    for (size_t i = 0; i < t->indicator_count; i++) {
      const indicator_value *iv = &ev->values[i];
      const ics_indicator *ind = iv->ind;
      if (!ind->form || strcmp(ind->form->id, "staff") || !ind->by_district) continue;
      for (size_t k = 0; k < ind->target_count; k++, c++) {
        const ics_target *tg = &ind->targets[k];
        ics_assessment a = ics_assess(tg->op, tg->num, tg->den, iv->district[d].num, iv->district[d].den,
                                      has_value(ind, iv->district[d]));
        if (a.status != ICS_NO_DATA) worksheet_write_number(ws, r, c, (double)a.needed, b->integer);
      }
    }
    for (size_t k = 0; k < need_count; k++)
      worksheet_write_number(ws, r, c++, (double)ev->needs[d][k], b->integer);
  }
}

/* ---- Agencies --------------------------------------------------------------------------------- */
static void write_agencies(book *b) {
  evaluation *ev = b->ev;
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, T(b, "Cơ quan", "Agencies"));
  const char *vi[] = {"Mã", "Cơ quan", "Loại", "Huyện", "CIO", "Cán bộ chuyên trách CNTT"};
  const char *en[] = {"Code", "Agency", "Type", "District", "CIO", "Dedicated IT officer"};
  for (lxw_col_t c = 0; c < 6; c++) worksheet_write_string(ws, 0, c, T(b, vi[c], en[c]), b->header);
  worksheet_set_column(ws, 0, 0, 12, NULL);
  worksheet_set_column(ws, 1, 1, 44, NULL);
  worksheet_set_column(ws, 2, 5, 16, NULL);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_autofilter(ws, 0, 0, (lxw_row_t)ev->agency_count, 5);
  const char *yes = T(b, "có", "yes"), *no = T(b, "không", "no"), *none = T(b, "chưa báo cáo", "not reported");
  for (size_t i = 0; i < ev->agency_count; i++) {
    const report_agency *a = &ev->agencies[i];
    lxw_row_t r = (lxw_row_t)(1 + i);
    worksheet_write_string(ws, r, 0, a->code, b->text);
    worksheet_write_string(ws, r, 1, b->lang == ICS_EN ? a->name_en : a->name_vi, b->text);
    worksheet_write_string(ws, r, 2, a->type, b->text);
    worksheet_write_string(ws, r, 3, a->district, b->text);
    worksheet_write_string(ws, r, 4, !a->reported ? none : a->cio ? yes : no, b->text);
    worksheet_write_string(ws, r, 5, !a->reported ? none : a->it_staff ? yes : no, b->text);
  }
  if (ev->agency_count) {
    lxw_conditional_format cf = {.type = LXW_CONDITIONAL_TYPE_TEXT, .criteria = LXW_CONDITIONAL_CRITERIA_TEXT_BEGINS_WITH,
                                 .value_string = (char *)none, .format = b->no_data};
    worksheet_conditional_format_range(ws, 1, 4, (lxw_row_t)ev->agency_count, 5, &cf);
    lxw_conditional_format cf2 = {.type = LXW_CONDITIONAL_TYPE_CELL, .criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO,
                                  .value_string = (char *)(b->lang == ICS_EN ? "\"no\"" : "\"không\""), .format = b->not_met};
    worksheet_conditional_format_range(ws, 1, 4, (lxw_row_t)ev->agency_count, 5, &cf2);
  }
}

/* ---- Data quality ------------------------------------------------------------------------------ */
static lxw_row_t dq_query(book *b, lxw_worksheet *ws, lxw_row_t r, const char *title,
                          const char *const *headers, int columns, const char *sql, int round) {
  worksheet_write_string(ws, r++, 0, title, b->bold);
  for (int c = 0; c < columns; c++) worksheet_write_string(ws, r, (lxw_col_t)c, headers[c], b->header);
  r++;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(b->ev->db, sql, -1, &st, NULL) != SQLITE_OK) return r + 1;
  if (sqlite3_bind_parameter_count(st) >= 1) sqlite3_bind_int(st, 1, round);
  int rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < columns; c++) {
      if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
        worksheet_write_number(ws, r, (lxw_col_t)c, (double)sqlite3_column_int64(st, c), b->integer);
      else if (sqlite3_column_type(st, c) != SQLITE_NULL)
        worksheet_write_string(ws, r, (lxw_col_t)c, (const char *)sqlite3_column_text(st, c), b->text);
    }
    r++;
    rows++;
  }
  sqlite3_finalize(st);
  if (!rows) worksheet_write_string(ws, r++, 0, T(b, "(không có)", "(none)"), b->text);
  return r + 1;
}

static void write_data_quality(book *b) {
  evaluation *ev = b->ev;
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, T(b, "Chất lượng dữ liệu", "Data quality"));
  worksheet_set_column(ws, 0, 0, 18, NULL);
  worksheet_set_column(ws, 1, 1, 30, NULL);
  worksheet_set_column(ws, 2, 3, 40, NULL);
  lxw_row_t r = 0;
  {
    const char *h[] = {T(b, "Biểu mẫu", "Form"), T(b, "Khóa", "Natural key"), T(b, "Số bản ghi", "Records"),
                       T(b, "Mã các bản ghi (bản được tính trước)", "Instance ids (the one counted first)")};
    r = dq_query(b, ws, r, T(b, "Khóa bị trùng trong đợt (báo cáo tính bản cập nhật gần nhất)",
                             "Duplicated natural keys in the round (reports count the most recently updated)"),
                 h, 4,
                 "SELECT form_id, natural_key, count(*), group_concat(instance_id, ' ') FROM"
                 " (SELECT * FROM duplicates WHERE round = ?1 ORDER BY updated_at DESC, instance_id DESC, store_id DESC)"
                 " GROUP BY form_id, natural_key ORDER BY form_id, natural_key", ev->round);
  }
  {
    const char *h[] = {T(b, "Mã", "Code"), T(b, "Cơ quan", "Agency"), T(b, "Loại", "Type"), T(b, "Huyện", "District")};
    worksheet_write_string(ws, r++, 0, T(b, "Cơ quan trong danh mục chưa gửi phiếu nào", "Register agencies that sent no record"), b->bold);
    for (int c = 0; c < 4; c++) worksheet_write_string(ws, r, (lxw_col_t)c, h[c], b->header);
    r++;
    int rows = 0;
    for (size_t i = 0; i < ev->agency_count; i++) {
      const report_agency *a = &ev->agencies[i];
      if (a->reported) continue;
      worksheet_write_string(ws, r, 0, a->code, b->text);
      worksheet_write_string(ws, r, 1, b->lang == ICS_EN ? a->name_en : a->name_vi, b->text);
      worksheet_write_string(ws, r, 2, a->type, b->text);
      worksheet_write_string(ws, r++, 3, a->district, b->text);
      rows++;
    }
    if (!rows) worksheet_write_string(ws, r++, 0, T(b, "(không có)", "(none)"), b->text);
    r++;
  }
  {
    worksheet_write_string(ws, r++, 0, T(b, "Số bản ghi theo biểu mẫu và huyện (sau khi bỏ trùng)",
                                         "Records per form and district (after removing duplicates)"), b->bold);
    worksheet_write_string(ws, r, 0, T(b, "Mã huyện", "District code"), b->header);
    worksheet_write_string(ws, r, 1, T(b, "Huyện", "District"), b->header);
    for (size_t f = 0; f < ev->form_count; f++) worksheet_write_string(ws, r, (lxw_col_t)(2 + f), ev->forms[f]->id, b->header);
    r++;
    for (size_t d = 0; d < ev->district_count; d++, r++) {
      worksheet_write_string(ws, r, 0, ev->districts[d].code, b->text);
      worksheet_write_string(ws, r, 1, b->lang == ICS_EN ? ev->districts[d].name_en : ev->districts[d].name_vi, b->text);
      for (size_t f = 0; f < ev->form_count; f++)
        worksheet_write_number(ws, r, (lxw_col_t)(2 + f), (double)ev->records_per_form_district[f][d], b->integer);
    }
    worksheet_write_string(ws, r, 1, T(b, "Tổng", "Total"), b->bold);
    for (size_t f = 0; f < ev->form_count; f++)
      worksheet_write_number(ws, r, (lxw_col_t)(2 + f), (double)ev->records_per_form[f], b->integer);
    r += 2;
  }
  {
    const char *h[] = {T(b, "Mã bản ghi", "Instance id"), T(b, "Lần sửa", "Revision"),
                       T(b, "Gói giữ lại", "Bundle kept"), T(b, "Gói khác", "Other bundle")};
    r = dq_query(b, ws, r, T(b, "Xung đột: cùng bản ghi và lần sửa nhưng nội dung khác", "Conflicts: the same record and revision with different contents"),
                 h, 4, "SELECT c.instance_id, c.revision, c.kept_bundle, c.other_bundle FROM conflicts c"
                       " JOIN revisions r ON r.store_id = c.store_id AND r.instance_id = c.instance_id"
                       " AND r.revision = c.revision WHERE r.round = ?1 ORDER BY 1, 2, c.store_id", ev->round);
  }
  {
    const char *h[] = {T(b, "Mã bản ghi", "Instance id"), T(b, "Lần sửa", "Revision"), T(b, "Loại", "Kind"), T(b, "Chi tiết", "Detail")};
    r = dq_query(b, ws, r, T(b, "Thời điểm đáng ngờ (đồng hồ máy tính sai?)", "Timestamps worth a second look (a wrong PC clock?)"),
                 h, 4, "SELECT f.instance_id, f.revision, f.kind, f.detail FROM flags f"
                       " JOIN revisions r ON r.store_id = f.store_id AND r.instance_id = f.instance_id"
                       " AND r.revision = f.revision WHERE r.round = ?1 ORDER BY 1, 2, 3, f.store_id", ev->round);
  }
  {
    const char *h[] = {T(b, "Biểu mẫu", "Form"), T(b, "Phiên bản", "Version"), T(b, "Kho", "Store"),
                       T(b, "Số bản ghi", "Records")};
    r = dq_query(b, ws, r, T(b, "Bản ghi làm bằng biểu mẫu Sở chưa công bố (không được tính)",
                             "Records made with forms the office never published (not counted)"),
                 h, 4, "SELECT r.form_id, r.form_version, r.store_id, count(*) FROM revisions r"
                       " JOIN instances i ON i.store_id = r.store_id AND i.instance_id = r.instance_id"
                       " AND i.revision = r.revision WHERE i.status != 'void' AND r.round = ?1"
                       " AND r.form_hash NOT IN (SELECT hash FROM published_forms)"
                       " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", ev->round);
  }
  if (evaluation_form(ev, "school")) {
    const char *h[] = {T(b, "Mã trường", "School code"), T(b, "Tên trường", "School"),
                       T(b, "Học sinh / máy tính", "Pupils per computer"), T(b, "Huyện", "District")};
    r = dq_query(b, ws, r, T(b, "Giá trị nên kiểm tra lại: trường có trên 100 học sinh mỗi máy tính, hoặc học sinh mà không có máy",
                             "Values worth a second look: schools with over 100 pupils per computer, or pupils and no computer"),
                 h, 4, "SELECT school_code, school_name, CASE WHEN computers_for_students > 0 THEN"
                       " students_total / computers_for_students END, district FROM form_school f"
                       " WHERE round = ?1 AND form_hash IN (SELECT hash FROM published_forms)"
                       " AND students_total > 0 AND (computers_for_students = 0 OR"
                       " students_total > 100 * computers_for_students) ORDER BY school_code", ev->round);
  }
  (void)r;
}

/* ---- Record sheets ------------------------------------------------------------------------------ */
static void write_records(book *b, const ics_form *form, bool include_personal) {
  evaluation *ev = b->ev;
  char table[96];
  snprintf(table, sizeof table, "form_%s", form->id);
  int *fields = ics_calloc(form->field_count + 1, sizeof *fields);
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
  ics_buf_printf(&sql, dedupe_condition, table);
  ics_buf_puts(&sql, " ORDER BY f.natural_key, f.instance_id, f.store_id");
  sqlite3_stmt *st = NULL;
  if (!fields || sql.failed || sqlite3_prepare_v2(ev->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
    ics_free(fields);
    ics_buf_free(&sql);
    return;
  }
  ics_buf_free(&sql);
  sqlite3_bind_int(st, 1, ev->round);
  lxw_worksheet *ws = NULL;
  lxw_row_t r = 0;
  int part = 0;
  ics_record *rec = ics_record_new(form);
  while (rec && sqlite3_step(st) == SQLITE_ROW) {
    if (!ws || r >= EXCEL_MAX_ROWS) {
      if (ws) worksheet_autofilter(ws, 1, 0, r - 1, (lxw_col_t)count);
      char name[64]; /* Excel allows 31 characters */
      if (part++ == 0) snprintf(name, sizeof name, "%.31s", form->id);
      else snprintf(name, sizeof name, "%.24s (%d)", form->id, part);
      name[31] = '\0';
      ws = workbook_add_worksheet(b->wb, name);
      /* constant-memory mode: a row is final once a later row is written, so row by row */
      worksheet_write_string(ws, 0, 0, T(b, "Mã bản ghi", "Record id"), b->header);
      for (size_t k = 0; k < count; k++)
        worksheet_write_string(ws, 0, (lxw_col_t)(1 + k), ics_text_get(form->fields[fields[k]].label, b->lang),
                               b->header);
      worksheet_write_string(ws, 1, 0, "instance_id", b->header);
      for (size_t k = 0; k < count; k++)
        worksheet_write_string(ws, 1, (lxw_col_t)(1 + k), form->fields[fields[k]].name, b->header);
      worksheet_set_column(ws, 0, (lxw_col_t)count, 18, NULL);
      worksheet_freeze_panes(ws, 2, 1);
      r = 2;
    }
    worksheet_write_string(ws, r, 0, (const char *)sqlite3_column_text(st, 0), b->text);
    for (size_t k = 0; k < count; k++) {
      int c = (int)k + 1, fi = fields[k];
      const ics_field *f = &form->fields[fi];
      int type = sqlite3_column_type(st, c);
      if (type == SQLITE_NULL) continue;
      if (f->type == ICS_INTEGER || f->type == ICS_DECIMAL) {
        worksheet_write_number(ws, r, (lxw_col_t)c, sqlite3_column_double(st, c), NULL);
      } else if (f->type == ICS_BOOLEAN || f->choices) {
        /* labels rather than codes: what a manager reads */
        ics_free(rec->values[fi]);
        char buf[32];
        if (f->type == ICS_BOOLEAN) snprintf(buf, sizeof buf, "%lld", (long long)sqlite3_column_int64(st, c));
        rec->values[fi] = ics_strdup(f->type == ICS_BOOLEAN ? buf : (const char *)sqlite3_column_text(st, c));
        char *shown = ics_record_display(rec, fi, NULL, b->lang);
        worksheet_write_string(ws, r, (lxw_col_t)c, shown ? shown : "", NULL);
        ics_free(shown);
      } else {
        worksheet_write_string(ws, r, (lxw_col_t)c, (const char *)sqlite3_column_text(st, c), NULL);
      }
    }
    r++;
  }
  if (ws) worksheet_autofilter(ws, 1, 0, r - 1, (lxw_col_t)count);
  ics_record_free(rec);
  sqlite3_finalize(st);
  ics_free(fields);
}

/* ---- the workbook ---------------------------------------------------------------------------------- */
static time_t parse_utc(const char *s, int round) {
  struct tm tm = {0};
  if (strlen(s) == 20 && sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                                &tm.tm_min, &tm.tm_sec) == 6) {
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
  } else {
    tm.tm_year = round - 1900;
    tm.tm_mday = 1;
  }
  return timegm(&tm);
}

/* The latest round with a current record; 0 when there is none, -1 when the database could
 * not be read. */
static int latest_round(sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT max(r.round) FROM revisions r JOIN instances i ON i.store_id = r.store_id"
                             " AND i.instance_id = r.instance_id AND i.revision = r.revision"
                             " WHERE i.status != 'void' AND r.form_hash IN (SELECT hash FROM published_forms)", -1, &st, NULL) != SQLITE_OK)
    return -1;
  int round = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  return round;
}

/* Why the database could not be read, in the office's words (a full disk refuses even the
 * shared-memory file a reader of a WAL database writes). */
static char *read_failure(sqlite3 *db, ics_lang lang) {
  int code = sqlite3_errcode(db);
  ics_buf b = {0};
  if (code == SQLITE_FULL || (code == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC))
    ics_buf_puts(&b, lang == ICS_EN ? "the disk is full: free some space and try again"
                                    : "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi thử lại");
  else
    ics_buf_printf(&b, lang == ICS_EN ? "cannot read the central database: %s"
                                      : "không đọc được cơ sở dữ liệu trung tâm: %s",
                   sqlite3_errmsg(db));
  return ics_buf_take(&b);
}

/* The rounds of current (non-void) records up to `upto`, ascending (as latest_round). Returns
 * 0, 1 on a database error, 2 out of memory. */
static int rounds_present(sqlite3 *db, int upto, progress *pg) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT DISTINCT r.round FROM revisions r JOIN instances i ON i.store_id = r.store_id"
                             " AND i.instance_id = r.instance_id AND i.revision = r.revision WHERE i.status != 'void'"
                             " AND r.form_hash IN (SELECT hash FROM published_forms) AND r.round <= ?1 ORDER BY 1",
                         -1, &st, NULL) != SQLITE_OK)
    return 1;
  sqlite3_bind_int(st, 1, upto);
  int rc = 0, step = SQLITE_DONE;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    int *grown = ics_realloc(pg->rounds, (pg->round_count + 1) * sizeof *grown);
    if (!grown) rc = 2;
    else (pg->rounds = grown)[pg->round_count++] = sqlite3_column_int(st, 0);
  }
  if (!rc && step != SQLITE_DONE) rc = 1;
  sqlite3_finalize(st);
  return rc;
}

/* Evaluates every round shown on the Progress sheet, one at a time, keeping only the
 * province's counts (the reported round's come from its evaluation). */
static int collect_progress(progress *pg, const evaluation *ev, const char *targets_path, char **error) {
  ics_lang lang = ev->lang;
  size_t n = ev->targets->indicator_count;
  int found = rounds_present(ev->db, ev->round, pg);
  if (found == 1) {
    ics_buf e = {0};
    ics_buf_printf(&e, lang == ICS_EN ? "database error: %s" : "lỗi cơ sở dữ liệu: %s", sqlite3_errmsg(ev->db));
    *error = ics_buf_take(&e);
    return 1;
  }
  if (found || !(pg->values = ics_calloc(pg->round_count * n + 1, sizeof *pg->values))) {
    *error = ics_strdup(lang == ICS_EN ? "out of memory" : "không đủ bộ nhớ");
    return 1;
  }
  for (size_t r = 0; r < pg->round_count; r++) {
    ics_counts *out = &pg->values[r * n];
    if (pg->rounds[r] == ev->round) {
      for (size_t i = 0; i < n; i++) out[i] = ev->values[i].province;
      continue;
    }
    evaluation other;
    ics_errors ignored = {0}; /* the same targets file, already checked by the reported round */
    int rc = evaluation_run(&other, ev->db, pg->rounds[r], targets_path, lang, &ignored, error);
    ics_errors_free(&ignored);
    if (!rc && other.targets->indicator_count != n) {
      ics_free(*error);
      *error = ics_strdup(lang == ICS_EN ? "the targets file changed while the report was written"
                                         : "tệp chỉ tiêu thay đổi trong khi đang lập báo cáo");
      rc = 1;
    }
    for (size_t i = 0; !rc && i < n; i++) out[i] = other.values[i].province;
    evaluation_free(&other);
    if (rc) return 1;
  }
  return 0;
}

int ics_report_write(const ics_report_options *o, ics_errors *diags, char **error) {
  ics_lang lang = o->lang;
  sqlite3 *db = o->db;
  int round = o->round ? o->round : latest_round(db);
  if (round < 0) {
    *error = read_failure(db, lang);
    return 1;
  }
  if (!round) {
    *error = ics_strdup(lang == ICS_EN ? "the central database holds no records yet: merge bundles first"
                                       : "cơ sở dữ liệu trung tâm chưa có bản ghi nào: hãy hợp nhất các tệp gói trước");
    return 1;
  }
  /* one read transaction: every sheet sees the same data */
  sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
  evaluation ev;
  int rc = evaluation_run(&ev, db, round, o->targets_path, lang, diags, error);
  progress pg = {0};
  if (!rc) rc = collect_progress(&pg, &ev, o->targets_path, error);
  if (!rc) {
    /* written beside the target and renamed over it once whole: a failure leaves the old
     * workbook as it was */
    ics_output out;
    lxw_workbook_options wopts = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = ics_output_begin(&out, o->output) ? NULL : workbook_new_opt(out.tmp, &wopts);
    if (!wb && out.path) ics_output_end(&out);
    if (!wb) {
      int err = errno;
      ics_buf b = {0};
      ics_buf_printf(&b, lang == ICS_EN ? "cannot write '%s': %s" : "không ghi được '%s': %s",
                     o->output, strerror(err));
      *error = ics_buf_take(&b);
      rc = 1;
    } else {
      book b = {.wb = wb, .ev = &ev, .pg = &pg, .lang = lang};
      make_formats(&b);
      char title[256];
      snprintf(title, sizeof title, lang == ICS_EN ? "Gap analysis, round %d" : "Phân tích khoảng cách, đợt %d", round);
      lxw_doc_properties props = {.title = title, .author = "ictsurvey", .company = "Long An",
                                  .created = parse_utc(ev.data_date, round)};
      workbook_set_properties(wb, &props);
      write_summary(&b);
      write_by_district(&b);
      write_progress(&b);
      write_priority_groups(&b);
      write_training_needs(&b);
      write_agencies(&b);
      write_data_quality(&b);
      for (size_t i = 0; i < ev.form_count; i++) {
        bool include = o->records == ICS_RECORDS_ALWAYS ||
                       (o->records == ICS_RECORDS_AUTO && ev.records_per_form[i] <= RECORDS_AUTO_LIMIT);
        if (include && ev.records_per_form[i] > 0) write_records(&b, ev.forms[i], o->include_personal);
      }
      lxw_error err = workbook_close(wb);
      if (err != LXW_NO_ERROR || ics_output_commit(&out) != 0) {
        ics_buf e = {0};
        ics_buf_printf(&e, lang == ICS_EN ? "cannot write '%s': %s" : "không ghi được '%s': %s", o->output,
                       err != LXW_NO_ERROR ? lxw_strerror(err) : strerror(errno));
        *error = ics_buf_take(&e);
        rc = 1;
      }
      ics_output_end(&out);
    }
  }
  ics_free(pg.rounds);
  ics_free(pg.values);
  evaluation_free(&ev);
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  return rc;
}
