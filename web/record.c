/* record.c - a record in the browser: its page (groups as sections, one named control per
 * question), the answers the page sends one at a time (each checked by the form's engine and
 * committed at once), finalizing, voiding and undoing a void. The page decides nothing: after
 * every answer the server says what is relevant, what is wrong, what the calculations give
 * and which choices the filters offer. */
#include <stdlib.h>
#include <string.h>

#include "web_messages.h"
#include "web_private.h"

enum { RADIO_MAX = 7 }; /* longer lists of one choice are a select with a search box */

/* ---- the record as the engine sees it ------------------------------------------------------ */
typedef struct {
  const ics_form *form;
  const ics_register *reg;
  ics_record *rec;       /* calculations applied */
  bool *relevant;
  const ics_error **problem; /* per field: the first thing wrong, into checked, or NULL */
  ics_errors checked;
} judged;

static void judged_free(judged *j) {
  ics_record_free(j->rec);
  ics_free(j->relevant);
  ics_free(j->problem);
  ics_errors_free(&j->checked);
}

/* Judges rec (taken: freed with j) as it would be finalized now. 0, or -1 (memory). */
static int judge(judged *j, ics_record *rec, const ics_register *reg, ics_lang lang) {
  size_t n = rec->form->field_count;
  *j = (judged){.form = rec->form, .reg = reg, .rec = rec};
  j->relevant = ics_calloc(n ? n : 1, sizeof *j->relevant);
  j->problem = ics_calloc(n ? n : 1, sizeof *j->problem);
  if (!j->relevant || !j->problem) return -1;
  if (ics_record_check(rec, reg, lang, 0, &j->checked) == ICS_E_NO_MEMORY) return -1;
  ics_record_relevance(rec, reg, j->relevant);
  for (size_t k = 0; k < j->checked.count; k++) {
    const ics_error *e = &j->checked.items[k];
    int f = e->field ? ics_form_field_index(j->form, e->field) : -1;
    if (f >= 0 && !j->problem[f] && e->code != ICS_E_NOT_RELEVANT) j->problem[f] = e;
  }
  return 0;
}

static bool answerable(const ics_field *f) { return f->type != ICS_CALCULATE && f->type != ICS_NOTE; }

/* The HTTP status of a failure of the store: a record that is not there, one whose state
 * refuses the change, a store another program holds, or anything else. */
static int failure_status(const ics_error *err) {
  switch (err->code) {
  case ICS_E_NOT_FOUND: return 404;
  case ICS_E_STATE:
  case ICS_E_REFUSED: return 409;
  case ICS_E_BUSY: return 503;
  default: return 500;
  }
}

/* ---- the page ------------------------------------------------------------------------------ */
typedef struct {
  const ics_web_page *page;
  const judged *j;
  ics_buf *b;
  bool show_all; /* a refused finalize: every message shown, missing answers included */
} drawing;

static void attr_text(ics_buf *b, const char *name, const char *value) {
  ics_buf_printf(b, " %s=\"", name);
  ics_html_escape(b, value);
  ics_buf_putc(b, '"');
}

/* Whether a stored select value holds code (select_multiple: one of its codes). */
static bool has_code(const char *value, const char *code) {
  if (!value) return false;
  size_t n = strlen(code);
  for (const char *p = value; *p;) {
    const char *end = strchr(p, ' ');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && !memcmp(p, code, n)) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}

static void draw_choices(drawing *d, int i, bool disabled) {
  const ics_field *f = &d->j->form->fields[i];
  ics_buf *b = d->b;
  const char *value = d->j->rec->values[i];
  size_t count = ics_field_choice_count(f, d->j->reg);
  bool boolean = f->type == ICS_BOOLEAN;
  bool radios = boolean || (f->type == ICS_SELECT_ONE && count <= RADIO_MAX);
  if (boolean) count = 2;
  if (radios || f->type == ICS_SELECT_MULTIPLE) {
    ics_buf_printf(b, "<div class=\"choices\" role=\"%s\" aria-labelledby=\"l-%s\" aria-describedby=\"h-%s e-%s\"%s>\n",
                   radios ? "radiogroup" : "group", f->name, f->name, f->name,
                   f->required && radios ? " aria-required=\"true\"" : "");
    for (size_t k = 0; k < count; k++) {
      ics_choice c = boolean ? (ics_choice){k ? "0" : "1", {k ? "Không" : "Có", k ? "No" : "Yes"}}
                             : ics_field_choice_at(f, d->j->reg, k);
      /* a box checked that the filter no longer offers stays in sight to be unchecked */
      bool offered = boolean || (!radios && has_code(value, c.code)) ||
                     ics_record_choice_offered(d->j->rec, i, d->j->reg, k);
      ics_buf_printf(b, "<label%s><input type=\"%s\"", offered ? "" : " hidden",
                     radios ? "radio" : "checkbox");
      attr_text(b, "name", f->name);
      attr_text(b, "value", c.code);
      if (has_code(value, c.code)) ics_buf_puts(b, " checked");
      if (disabled || !offered) ics_buf_puts(b, " disabled");
      ics_buf_puts(b, "> ");
      ics_html_escape(b, ics_text_get(c.label, d->page->lang));
      ics_buf_puts(b, "</label>\n");
    }
    ics_buf_puts(b, "</div>\n");
    return;
  }
  /* a long list: the named select, and a box that narrows what it shows */
  ics_buf_printf(b, "<input type=\"search\" class=\"filter\" data-filter-select=\"%s\" aria-label=\"", f->name);
  ics_buf_printf(b, ics_web_tr(d->page, "Tìm trong danh sách: %s", "Search the list: %s"), "");
  ics_html_escape(b, ics_text_get(f->label, d->page->lang));
  ics_buf_printf(b, "\" placeholder=\"%s\"%s>\n", ics_web_tr(d->page, "Gõ để tìm…", "Type to search…"),
                 disabled ? " disabled" : "");
  ics_buf_printf(b, "<select id=\"f-%s\" aria-labelledby=\"l-%s\"", f->name, f->name);
  attr_text(b, "name", f->name);
  ics_buf_printf(b, " aria-describedby=\"h-%s e-%s\"%s%s>\n<option value=\"\">%s</option>\n", f->name,
                 f->name, f->required ? " aria-required=\"true\"" : "", disabled ? " disabled" : "",
                 ics_web_tr(d->page, "— chọn —", "— choose —"));
  for (size_t k = 0; k < count; k++) {
    ics_choice c = ics_field_choice_at(f, d->j->reg, k);
    bool offered = ics_record_choice_offered(d->j->rec, i, d->j->reg, k);
    ics_buf_puts(b, "<option");
    attr_text(b, "value", c.code);
    if (has_code(value, c.code)) ics_buf_puts(b, " selected");
    if (!offered) ics_buf_puts(b, " hidden disabled");
    ics_buf_putc(b, '>');
    ics_html_escape(b, ics_text_get(c.label, d->page->lang));
    ics_buf_puts(b, "</option>\n");
  }
  ics_buf_puts(b, "</select>\n");
}

static void draw_question(drawing *d, int i) {
  const ics_field *f = &d->j->form->fields[i];
  ics_buf *b = d->b;
  ics_lang lang = d->page->lang;
  bool relevant = d->j->relevant[i];
  bool choices = f->type == ICS_BOOLEAN || f->type == ICS_SELECT_ONE || f->type == ICS_SELECT_MULTIPLE;
  const char *value = d->j->rec->values[i];
  ics_buf_printf(b, "<div class=\"q q-%s\" id=\"q-%s\" data-field=\"%s\"%s>\n",
                 ics_field_type_name(f->type), f->name, f->name, relevant ? "" : " hidden");
  /* a list of choices is named by its label's id; any other control by a label for it */
  if (choices)
    ics_buf_printf(b, "<p class=\"label\" id=\"l-%s\">", f->name);
  else
    ics_buf_printf(b, "<label id=\"l-%s\" for=\"f-%s\">", f->name, f->name);
  ics_html_escape(b, ics_text_get(f->label, lang));
  if (f->required && answerable(f))
    ics_buf_printf(b, " <span class=\"req\" title=\"%s\">*</span>",
                   ics_web_tr(d->page, "bắt buộc", "required"));
  ics_buf_puts(b, choices ? "</p>\n" : "</label>\n");
  const char *hint = ics_text_get(f->hint, lang);
  ics_buf_printf(b, "<p class=\"hint\" id=\"h-%s\">", f->name);
  ics_html_escape(b, hint);
  ics_buf_puts(b, "</p>\n");
  bool disabled = !relevant;
  switch (f->type) {
  case ICS_NOTE: break;
  case ICS_CALCULATE: {
    char *shown = value ? ics_record_display(d->j->rec, i, d->j->reg, lang) : NULL;
    ics_buf_printf(b, "<output class=\"calc\" id=\"f-%s\" data-calc-for=\"%s\">", f->name, f->name);
    ics_html_escape(b, shown ? shown : "");
    ics_buf_puts(b, "</output>\n");
    ics_free(shown);
    break;
  }
  case ICS_BOOLEAN:
  case ICS_SELECT_ONE:
  case ICS_SELECT_MULTIPLE: draw_choices(d, i, disabled); break;
  default: {
    /* numbers are text boxes: type=number would drop a decimal comma or a typo unseen, where
       the engine says what is wrong */
    const char *type = f->type == ICS_DATE ? "date" : "text";
    ics_buf_printf(b, "<input id=\"f-%s\" type=\"%s\"", f->name, type);
    attr_text(b, "name", f->name);
    attr_text(b, "value", value ? value : "");
    if (f->type == ICS_INTEGER) ics_buf_puts(b, " step=\"1\" inputmode=\"numeric\"");
    if (f->type == ICS_DECIMAL) ics_buf_puts(b, " step=\"any\" inputmode=\"decimal\"");
    if (f->type == ICS_TEXT_FIELD) ics_buf_puts(b, " maxlength=\"4000\" autocomplete=\"off\"");
    ics_buf_printf(b, " aria-describedby=\"h-%s e-%s\"%s%s>\n", f->name, f->name,
                   f->required ? " aria-required=\"true\"" : "", disabled ? " disabled" : "");
    break;
  }
  }
  /* the message: shown at once for a wrong answer, for a missing one once the question is
     left (the page's script) or after a refused finalize */
  const ics_error *e = d->j->problem[i];
  bool shown = e && relevant && (d->show_all || e->code != ICS_E_REQUIRED);
  ics_buf_printf(b, "<p class=\"err\" id=\"e-%s\" data-error-for=\"%s\" aria-live=\"polite\"", f->name, f->name);
  attr_text(b, "data-message", e && relevant ? e->message : "");
  ics_buf_printf(b, " data-required=\"%s\"", e && e->code == ICS_E_REQUIRED ? "true" : "false");
  ics_buf_putc(b, '>');
  if (shown) ics_html_escape(b, e->message);
  ics_buf_puts(b, "</p>\n</div>\n");
}

static const char *group_label(const ics_web_page *page, const ics_form *form, int g) {
  return g < 0 ? ics_web_tr(page, "Thông tin chung", "General") : ics_text_get(form->groups[g].label, page->lang);
}

/* The sections in form order: a field outside any group opens a section of its own. */
static void section_id(ics_buf *b, const ics_form *form, int g, int run) {
  if (g >= 0) ics_buf_puts(b, form->groups[g].name);
  else ics_buf_printf(b, "%d", run); /* fields outside groups: no group's name starts with a digit */
}

static void draw_sections(drawing *d) {
  const ics_form *form = d->j->form;
  int open = -2, runs = 0;
  for (size_t i = 0; i < form->field_count; i++) {
    int g = form->fields[i].group;
    if (g != open) {
      if (open != -2) ics_buf_puts(d->b, "</section>\n");
      ics_buf_puts(d->b, "<section class=\"group\" id=\"g-");
      section_id(d->b, form, g, runs);
      ics_buf_puts(d->b, "\" aria-labelledby=\"gh-");
      section_id(d->b, form, g, runs);
      ics_buf_puts(d->b, "\">\n<h2 id=\"gh-");
      section_id(d->b, form, g, runs);
      ics_buf_puts(d->b, "\">");
      if (g < 0) runs++;
      ics_html_escape(d->b, group_label(d->page, form, g));
      ics_buf_puts(d->b, "</h2>\n");
      open = g;
    }
    draw_question(d, (int)i);
  }
  if (open != -2) ics_buf_puts(d->b, "</section>\n");
}

static void draw_index(drawing *d) {
  const ics_form *form = d->j->form;
  ics_buf_printf(d->b, "<nav class=\"index\" aria-label=\"%s\">\n<p class=\"index-title\">%s</p>\n<ol>\n",
                 ics_web_tr(d->page, "Mục lục của phiếu", "The record's sections"),
                 ics_web_tr(d->page, "Các phần", "Sections"));
  int open = -2, runs = 0;
  for (size_t i = 0; i < form->field_count; i++) {
    int g = form->fields[i].group;
    if (g == open) continue;
    open = g;
    ics_buf_puts(d->b, "<li><a href=\"#g-");
    section_id(d->b, form, g, runs);
    ics_buf_puts(d->b, "\">");
    if (g < 0) runs++;
    ics_html_escape(d->b, group_label(d->page, form, g));
    ics_buf_puts(d->b, "</a></li>\n");
  }
  ics_buf_puts(d->b, "</ol>\n</nav>\n");
}

/* A small form of one button posting to the record's address + action. */
static void draw_action(drawing *d, const char *base, const char *action, const char *label,
                        const char *class_name, bool hidden) {
  ics_buf_printf(d->b, "<form class=\"action\" method=\"post\" action=\"%s/%s\"%s>"
                       "<input type=\"hidden\" name=\"lang\" value=\"%s\">"
                       "<button type=\"submit\" class=\"%s\" data-action=\"%s\">%s</button></form>\n",
                 base, action, hidden ? " hidden" : "", ics_web_lang_name(d->page->lang), class_name, action, label);
}

/* The problems that keep the record from being finalized, each a link to its question. */
static void draw_problems(drawing *d) {
  const judged *j = d->j;
  ics_buf_printf(d->b, "<div id=\"problems\" class=\"problems\" role=\"alert\" tabindex=\"-1\">\n<p>%s</p>\n<ul>\n",
                 ics_web_tr(d->page, "Chưa hoàn tất được phiếu. Còn các câu sau (bấm vào để tới câu đó):",
                            "The record cannot be finalized yet. These questions remain (select one to go to it):"));
  for (size_t k = 0; k < j->checked.count; k++) {
    const ics_error *e = &j->checked.items[k];
    int f = e->field ? ics_form_field_index(j->form, e->field) : -1;
    if (e->code == ICS_E_NOT_RELEVANT) continue;
    ics_buf_puts(d->b, "<li>");
    if (f >= 0 && j->form->fields[f].type != ICS_CALCULATE) {
      ics_buf_printf(d->b, "<a href=\"#q-%s\" data-problem-for=\"%s\">", e->field, e->field);
      ics_html_escape(d->b, ics_text_get(j->form->fields[f].label, d->page->lang));
      ics_buf_puts(d->b, "</a>: ");
    }
    ics_html_escape(d->b, e->message);
    ics_buf_puts(d->b, "</li>\n");
  }
  ics_buf_puts(d->b, "</ul>\n</div>\n");
}

/* The record page of j (info NULL: a new record not stored yet, carried from `from`). */
static int draw_record(const ics_web_page *page, const judged *j, const ics_record_info *info,
                       const char *from, bool refused, ics_buf *out) {
  ics_buf b = {0}, base = {0}, path = {0};
  drawing d = {.page = page, .j = j, .b = &b, .show_all = refused};
  const ics_form *form = j->form;
  ics_record_status status = info ? info->status : ICS_DRAFT;
  const char *status_name = ics_record_status_name(status);
  if (info) ics_buf_puts(&base, "/record/"), ics_html_escape(&base, info->instance_id);
  else ics_buf_puts(&base, "/new/"), ics_html_escape(&base, form->id);
  char *title = ics_record_title(j->rec, j->reg, page->lang);

  ics_buf_printf(&b, "<p class=\"crumbs\"><a href=\"/?lang=%s\">%s</a></p>\n<h1>", ics_web_lang_name(page->lang),
                 ics_web_tr(page, "← Trang chính", "← Home"));
  ics_html_escape(&b, ics_text_get(form->title, page->lang));
  ics_buf_puts(&b, "</h1>\n<p id=\"record-status\" class=\"record-status\">");
  ics_buf_printf(&b, "<span class=\"status status-%s\" data-status=\"%s\">%s</span> ", status_name, status_name,
                 info ? ics_web_status_words(status, page->lang) : ics_web_tr(page, "phiếu mới", "new record"));
  ics_buf_puts(&b, "<span class=\"record-title\">");
  ics_html_escape(&b, title ? title : "");
  ics_buf_printf(&b, "</span> <span class=\"saved-state\" aria-live=\"polite\" data-yes=\"%s\" data-no=\"%s\" data-failed=\"%s\">%s</span></p>\n",
                 ics_web_tr(page, "✓ Đã lưu", "✓ Saved"), ics_web_tr(page, "Đang lưu…", "Saving…"),
                 ics_web_tr(page, "Chưa lưu được: máy chủ không trả lời. Hãy kiểm tra cửa sổ của ictsurvey.",
                            "Not saved: the server does not answer. Check the ictsurvey window."),
                 info ? ics_web_tr(page, "✓ Đã lưu", "✓ Saved") : "");
  if (status == ICS_VOID)
    ics_buf_printf(&b, "<p class=\"notice\">%s</p>\n",
                   ics_web_tr(page, "Phiếu này đã bị hủy: nó được gửi về văn phòng là phiếu hủy. Bấm \"Khôi phục\" nếu hủy nhầm.",
                              "This record is void: it is sent to the office as void. Select \"Restore\" if that was a mistake."));
  else if (status == ICS_DRAFT && info && info->carried_from) {
    ics_buf_printf(&b, "<p class=\"notice carried\" data-carried-from=\"%d\">", info->carried_from);
    ics_buf_printf(&b, ics_web_tr(page, "Phiếu này được mang sang từ đợt %d với các câu trả lời Sở đang có. Hãy xem lại từng câu: nếu "
                                        "không có gì thay đổi, bấm \"Xác nhận không đổi\"; nếu có thay đổi, sửa rồi bấm \"Hoàn tất phiếu\"; "
                                        "nếu người này đã chuyển đi, bấm \"Hủy phiếu\". Phiếu chưa xác nhận không được gửi về Sở.",
                                  "This record was carried over from round %d with the answers the office has. Check each answer: "
                                  "if nothing changed, select \"Confirm unchanged\"; if something changed, correct it and select "
                                  "\"Finalize the record\"; if the person left, select \"Void the record\". A record not confirmed is "
                                  "not sent to the office."),
                   info->carried_from);
    ics_buf_puts(&b, "</p>\n");
  } else if (status == ICS_FINALIZED)
    ics_buf_printf(&b, "<p class=\"notice\">%s</p>\n",
                   ics_web_tr(page, "Phiếu đã hoàn tất. Vẫn sửa được: mỗi thay đổi được lưu ngay, và phiếu vẫn hoàn tất nếu các câu trả lời vẫn đầy đủ.",
                              "This record is finalized. You can still change it: every change is saved at once, and it stays finalized while its answers stay complete."));
  if (refused) draw_problems(&d);
  ics_buf_printf(&b, "<p class=\"legend\">%s</p>\n",
                 ics_web_tr(page, "Câu có dấu <span class=\"req\">*</span> là bắt buộc. Mỗi câu trả lời được lưu ngay khi bạn chọn hoặc rời khỏi ô.",
                            "Questions marked <span class=\"req\">*</span> are required. Each answer is saved as soon as you choose it or leave its box."));
  ics_buf_puts(&b, "<div class=\"record-layout\">\n");
  draw_index(&d);
  ics_buf_puts(&b, "<div class=\"record-body\">\n<form id=\"record\" class=\"record\" novalidate");
  attr_text(&b, "data-form", form->id);
  attr_text(&b, "data-instance", info ? info->instance_id : "");
  attr_text(&b, "data-from", from ? from : "");
  ics_buf_printf(&b, " data-status=\"%s\" data-saved=\"yes\" data-lang=\"%s\"%s>\n", status_name,
                 ics_web_lang_name(page->lang), refused ? " data-show-all=\"yes\"" : "");
  if (status == ICS_VOID) ics_buf_puts(&b, "<fieldset disabled class=\"void\">\n");
  draw_sections(&d);
  if (status == ICS_VOID) ics_buf_puts(&b, "</fieldset>\n");
  ics_buf_puts(&b, "</form>\n<div class=\"actions\">\n");
  if (status == ICS_DRAFT && info && info->carried_from) /* finalized as it came */
    draw_action(&d, base.data, "confirm", ics_web_tr(page, "Xác nhận không đổi", "Confirm unchanged"), "", false);
  /* an answer may turn a finalized record into a draft: the script then shows finalize */
  if (status != ICS_VOID)
    draw_action(&d, base.data, "finalize", ics_web_tr(page, "Hoàn tất phiếu", "Finalize the record"), "",
                status == ICS_FINALIZED);
  if (status != ICS_VOID && info) {
    ics_buf_printf(&b, "<a class=\"button\" data-action=\"next\"%s href=\"/new/%s?from=",
                   status == ICS_FINALIZED ? "" : " hidden", form->id);
    ics_html_escape(&b, info->instance_id);
    ics_buf_printf(&b, "&amp;lang=%s\">%s</a>\n", ics_web_lang_name(page->lang),
                   ics_web_tr(page, "Nhập phiếu tiếp theo", "Next record"));
  }
  if (status != ICS_VOID) /* a new record's: shown by the script once it is stored */
    draw_action(&d, base.data, "void", ics_web_tr(page, "Hủy phiếu…", "Void the record…"), "secondary", !info);
  if (info && status == ICS_VOID)
    draw_action(&d, base.data, "unvoid", ics_web_tr(page, "Khôi phục phiếu", "Restore the record"), "", false);
  ics_buf_puts(&b, "</div>\n</div>\n</div>\n");
  ics_buf_puts(&path, base.data ? base.data : "/");
  if (from) ics_buf_puts(&path, "?from="), ics_html_escape(&path, from);
  ics_web_layout(out, page, ics_text_get(form->title, page->lang), path.data ? path.data : "/",
                 b.data ? b.data : "");
  bool failed = !title || b.failed || base.failed || path.failed || out->failed;
  ics_free(title);
  ics_buf_free(&b);
  ics_buf_free(&base);
  ics_buf_free(&path);
  return failed ? -1 : 0;
}

/* A new record of form, with the answers record `from` (of the same form) carries over. NULL
 * when memory ran out; *bad_from when from names no such record. */
static ics_record *new_record(ics_store *store, const ics_form *form, const char *from, bool *bad_from,
                              ics_error *err) {
  *bad_from = false;
  ics_record *rec = ics_record_new(form);
  if (!rec) return NULL;
  if (!from || !*from) return rec;
  ics_record *source = NULL;
  ics_record_info info;
  if (ics_store_get(store, from, &source, &info, err) || source->form != form || info.status == ICS_VOID) {
    ics_error_clear(err);
    ics_record_free(source);
    *bad_from = true;
    return rec;
  }
  for (size_t k = 0; k < form->field_count; k++) {
    if (!form->fields[k].carry || !source->values[k]) continue;
    if (!(rec->values[k] = ics_strdup(source->values[k]))) {
      ics_record_free(source);
      ics_record_free(rec);
      return NULL;
    }
  }
  ics_record_free(source);
  return rec;
}

int ics_web_record(const ics_web_page *page, const char *instance_id, const char *form_id,
                   const char *from, bool finalize_refused, ics_buf *out, ics_error *err) {
  ics_store *store = page->store;
  ics_record *rec = NULL;
  ics_record_info info;
  if (instance_id) {
    if (ics_store_get(store, instance_id, &rec, &info, err)) return err->code == ICS_E_NOT_FOUND ? 1 : -1;
  } else {
    const ics_form *form = ics_store_form(store, form_id);
    if (!form) return 1;
    bool bad_from;
    if (!(rec = new_record(store, form, from, &bad_from, err))) goto no_memory;
    if (bad_from) from = NULL;
  }
  judged j;
  if (judge(&j, rec, ics_store_register(store), page->lang)) {
    judged_free(&j);
    goto no_memory;
  }
  int rc = draw_record(page, &j, instance_id ? &info : NULL, from, finalize_refused, out);
  judged_free(&j);
  if (rc) goto no_memory;
  return 0;
no_memory:
  ics_error_no_memory(err, page->lang);
  return -1;
}

/* ---- answers ------------------------------------------------------------------------------- */
/* The record's state for the page, as JSON: what it is, and for every field whether it is
 * relevant, its message, a calculation's value and the choices its filter offers. */
static void state_json(ics_buf *b, const ics_web_page *page, const judged *j, const char *id,
                       ics_record_status status, const char *refused_field, const char *refused) {
  char *title = ics_record_title(j->rec, j->reg, page->lang);
  ics_buf_puts(b, "{\"instance\":");
  ics_json_string(b, id);
  ics_buf_printf(b, ",\"status\":\"%s\",\"status_words\":", ics_record_status_name(status));
  ics_json_string(b, ics_web_status_words(status, page->lang));
  ics_buf_puts(b, ",\"title\":");
  ics_json_string(b, title ? title : "");
  ics_free(title);
  if (!title) b->failed = true;
  ics_buf_puts(b, ",\"fields\":{");
  const ics_form *form = j->form;
  for (size_t i = 0; i < form->field_count; i++) {
    const ics_field *f = &form->fields[i];
    const ics_error *e = j->problem[i];
    bool refused_here = refused_field && !strcmp(refused_field, f->name);
    const char *message = refused_here ? refused : e && j->relevant[i] ? e->message : "";
    ics_buf_puts(b, i ? "," : "");
    ics_json_string(b, f->name);
    ics_buf_printf(b, ":{\"relevant\":%s,\"error\":", j->relevant[i] ? "true" : "false");
    ics_json_string(b, message);
    ics_buf_printf(b, ",\"required\":%s", !refused_here && e && e->code == ICS_E_REQUIRED ? "true" : "false");
    if (refused_here) ics_buf_puts(b, ",\"refused\":true");
    if (f->type == ICS_CALCULATE) {
      char *shown = j->rec->values[i] ? ics_record_display(j->rec, (int)i, j->reg, page->lang) : NULL;
      ics_buf_puts(b, ",\"value\":");
      ics_json_string(b, shown ? shown : "");
      ics_free(shown);
    }
    if (f->choice_filter) {
      ics_buf_puts(b, ",\"offered\":[");
      size_t count = ics_field_choice_count(f, j->reg), shown = 0;
      for (size_t k = 0; k < count; k++) {
        if (!ics_record_choice_offered(j->rec, (int)i, j->reg, k)) continue;
        ics_buf_puts(b, shown++ ? "," : "");
        ics_json_string(b, ics_field_choice_at(f, j->reg, k).code);
      }
      ics_buf_putc(b, ']');
    }
    ics_buf_putc(b, '}');
  }
  ics_buf_puts(b, "}}");
}

/* Sets field i of rec from the values the page sent (several for checkboxes). */
static ics_code set_answer(ics_record *rec, int i, const ics_web_form *body, const ics_register *reg,
                           ics_lang lang, ics_error *err) {
  const char *values[ICS_WEB_MAX_PAIRS];
  size_t count = 0;
  for (size_t k = 0; k < body->count; k++)
    if (!strcmp(body->names[k], "value") && *body->values[k]) values[count++] = body->values[k];
  if (!count) {
    ics_record_clear(rec, i);
    return ICS_OK;
  }
  if (rec->form->fields[i].type == ICS_SELECT_MULTIPLE)
    return ics_record_set_codes(rec, i, values, count, reg, lang, err);
  return count == 1 ? ics_record_set(rec, i, values[0], reg, lang, err) : ICS_E_INVALID;
}

int ics_web_answer(const ics_web_page *page, const ics_web_form *body, ics_buf *json, ics_error *err) {
  ics_store *store = page->store;
  const ics_register *reg = ics_store_register(store);
  const char *id = ics_web_form_get(body, "instance");
  const char *field = ics_web_form_get(body, "field");
  ics_record *rec = NULL;
  ics_record_info info = {0};
  const ics_form *form;
  if (!field) return 400;
  if (id && *id) {
    if (ics_store_get(store, id, &rec, &info, err)) return failure_status(err);
    if (info.status == ICS_VOID) {
      ics_record_free(rec);
      return 409;
    }
    form = rec->form;
  } else {
    const char *form_id = ics_web_form_get(body, "form");
    if (!form_id || !(form = ics_store_form(store, form_id))) return 404;
    bool bad_from;
    if (!(rec = new_record(store, form, ics_web_form_get(body, "from"), &bad_from, err))) goto no_memory;
    id = NULL;
  }
  int i = ics_form_field_index(form, field);
  if (i < 0 || !answerable(&form->fields[i])) {
    ics_record_free(rec);
    return 400;
  }
  /* the answer: refused (nothing stored, the message beside it) or set */
  ics_error why = {0};
  const char *refused = NULL;
  char other[37] = "";
  ics_code st = set_answer(rec, i, body, reg, page->lang, &why);
  if (st == ICS_E_NO_MEMORY) goto no_memory;
  if (st != ICS_OK) refused = why.message ? why.message : ics_status_message(st, page->lang);
  if (!refused && i == form->key && rec->values[i]) { /* another record has this key already */
    bool found = false;
    if (ics_store_find_key(store, form->id, rec->values[i], id ? id : "", other, &found, err)) goto failed;
    if (found) {
      ics_error_say(&why, page->lang, WMSG(W_KEY_TAKEN), rec->values[i]);
      refused = why.message;
    }
  }
  if (refused) { /* the record as stored, with the refusal beside the question */
    ics_record_free(rec);
    rec = NULL;
    if (id && ics_store_get(store, id, &rec, &info, err)) goto failed;
    if (!id && !(rec = new_record(store, form, ics_web_form_get(body, "from"), &(bool){0}, err))) goto no_memory;
  }
  ics_errors v = {0};
  bool complete = false;
  if (!refused) {
    /* what no longer applies is dropped, as the wizard does; then stored in one transaction */
    st = ics_record_check(rec, reg, page->lang, ICS_CHECK_CLEAR_IRRELEVANT, &v);
    ics_errors_free(&v);
    if (st == ICS_E_NO_MEMORY) goto no_memory;
    complete = st == ICS_OK;
    ics_record_status status = ICS_DRAFT;
    char new_id[37];
    if (!id) {
      if (ics_store_add(store, rec, ICS_DRAFT, new_id, err)) goto failed;
      memcpy(info.instance_id, new_id, sizeof new_id);
      id = info.instance_id;
    } else if (ics_store_save_change(store, id, rec, complete, &status, err)) {
      goto failed;
    }
    info.status = status;
  }
  judged j;
  if (judge(&j, rec, reg, page->lang)) {
    rec = NULL;
    judged_free(&j);
    goto no_memory;
  }
  rec = NULL;
  state_json(json, page, &j, id ? id : "", info.status, refused ? field : NULL, refused);
  if (other[0] && refused && !json->failed) {
    json->len--, json->data[json->len] = '\0'; /* the closing brace: one more member */
    ics_buf_puts(json, ",\"other\":");
    ics_json_string(json, other);
    ics_buf_putc(json, '}');
  }
  judged_free(&j);
  ics_error_clear(&why);
  if (json->failed) goto no_memory;
  return 200;
no_memory:
  ics_error_no_memory(err, page->lang);
failed:
  ics_error_clear(&why);
  ics_record_free(rec);
  return failure_status(err);
}

/* ---- finalize, void, unvoid ----------------------------------------------------------------- */
int ics_web_finalize(const ics_web_page *page, const char *instance_id, ics_buf *out, ics_error *err) {
  ics_store *store = page->store;
  const ics_register *reg = ics_store_register(store);
  ics_record *rec;
  ics_record_info info;
  if (ics_store_get(store, instance_id, &rec, &info, err)) return failure_status(err);
  if (info.status == ICS_VOID) {
    ics_record_free(rec);
    return 409;
  }
  ics_errors v = {0};
  ics_code st = ics_record_check(rec, reg, page->lang, ICS_CHECK_CLEAR_IRRELEVANT, &v);
  ics_errors_free(&v);
  if (st == ICS_E_NO_MEMORY) {
    ics_record_free(rec);
    ics_error_no_memory(err, page->lang);
    return 500;
  }
  if (st == ICS_OK) {
    int rc = info.status == ICS_FINALIZED ? 0 : ics_store_update(store, instance_id, rec, ICS_FINALIZED, err);
    ics_record_free(rec);
    return rc ? 500 : 303;
  }
  judged j;
  if (judge(&j, rec, reg, page->lang) || draw_record(page, &j, &info, NULL, true, out)) {
    judged_free(&j);
    ics_error_no_memory(err, page->lang);
    return 500;
  }
  judged_free(&j);
  return 200;
}

int ics_web_void(const ics_web_page *page, const char *instance_id, bool confirmed, ics_buf *out,
                 ics_error *err) {
  ics_store *store = page->store;
  ics_record *rec;
  ics_record_info info;
  if (ics_store_get(store, instance_id, &rec, &info, err)) return failure_status(err);
  if (info.status == ICS_VOID) {
    ics_record_free(rec);
    return 303;
  }
  if (confirmed) {
    int rc = ics_store_revise(store, instance_id, rec, ICS_VOID, err);
    ics_record_free(rec);
    return rc ? 500 : 303;
  }
  /* the question first: a void is undone only until the next export */
  char *title = ics_record_title(rec, ics_store_register(store), page->lang);
  ics_buf b = {0}, path = {0};
  const char *lang = ics_web_lang_name(page->lang);
  ics_buf_printf(&b, "<h1>%s</h1>\n<p>", ics_web_tr(page, "Hủy phiếu này?", "Void this record?"));
  ics_html_escape(&b, title ? title : "");
  ics_buf_printf(&b, "</p>\n<p>%s</p>\n<div class=\"actions\">\n<form class=\"action\" method=\"post\" action=\"/record/",
                 ics_web_tr(page, "Phiếu bị hủy vẫn được giữ trong kho và được gửi về văn phòng là phiếu hủy. "
                                  "Bạn có thể khôi phục nó cho đến lần xuất tệp gửi đi tiếp theo.",
                            "A void record stays in the store and is sent to the office as void. "
                            "You can restore it until the next export."));
  ics_html_escape(&b, instance_id);
  ics_buf_printf(&b, "/void\"><input type=\"hidden\" name=\"lang\" value=\"%s\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">"
                     "<button type=\"submit\" data-action=\"void-confirm\">%s</button></form>\n<a class=\"button secondary\" href=\"/record/",
                 lang, ics_web_tr(page, "Có, hủy phiếu", "Yes, void it"));
  ics_html_escape(&b, instance_id);
  ics_buf_printf(&b, "?lang=%s\" data-action=\"cancel\">%s</a>\n</div>\n", lang, ics_web_tr(page, "Không, quay lại phiếu", "No, back to the record"));
  ics_buf_puts(&path, "/record/");
  ics_html_escape(&path, instance_id);
  ics_web_layout(out, page, ics_web_tr(page, "Hủy phiếu", "Void a record"), path.data ? path.data : "/",
                 b.data ? b.data : "");
  bool failed = !title || b.failed || path.failed || out->failed;
  ics_free(title);
  ics_buf_free(&b);
  ics_buf_free(&path);
  ics_record_free(rec);
  if (failed) {
    ics_error_no_memory(err, page->lang);
    return 500;
  }
  return 200;
}

int ics_web_unvoid(const ics_web_page *page, const char *instance_id, ics_error *err) {
  ics_record_status restored;
  if (!ics_store_unvoid(page->store, instance_id, &restored, err))
    return 303;
  return failure_status(err);
}
