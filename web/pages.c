/* pages.c - the pages of `collect serve` as HTML: the layout (assets/page.html) around each
 * page, and the home page (the store, a new record per form, every record with its status,
 * the export). Every text that comes from the store, a form or the request is escaped. */
#include <stdlib.h>
#include <string.h>

#include "web_private.h"

const char *ics_web_tr(const ics_web_page *page, const char *vi, const char *en) {
  return page->lang == ICS_EN ? en : vi;
}

const char *ics_web_lang_name(ics_lang lang) { return lang == ICS_EN ? "en" : "vi"; }

const char *ics_web_status_words(ics_record_status status, ics_lang lang) {
  static const char *const words[3][2] = {
      {"nháp", "draft"}, {"đã hoàn tất", "finalized"}, {"đã hủy", "void"}};
  return words[status][lang == ICS_EN];
}

void ics_web_layout(ics_buf *b, const ics_web_page *page, const char *title, const char *path,
                    const char *body) {
  ics_buf t = {0}, nav = {0}, home = {0}, where = {0};
  ics_html_escape(&t, title);
  ics_html_escape(&where, path);
  ics_lang other = page->lang == ICS_EN ? ICS_VI : ICS_EN;
  ics_buf_printf(&home, "/?lang=%s", ics_web_lang_name(page->lang));
  ics_buf_printf(&nav, "<a href=\"%s%slang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a>", where.data ? where.data : "/",
                 strchr(path, '?') ? "&amp;" : "?", ics_web_lang_name(other),
                 ics_web_lang_name(other), ics_web_lang_name(other),
                 other == ICS_EN ? "English" : "Tiếng Việt");
  const char *keys[] = {"lang", "title", "home", "nav", "skip", "body"};
  const char *values[] = {ics_web_lang_name(page->lang), t.data ? t.data : "",
                          home.data ? home.data : "", nav.data ? nav.data : "",
                          ics_web_tr(page, "Tới nội dung chính", "Skip to content"), body};
  ics_html_template(b, "page.html", keys, values, sizeof keys / sizeof *keys);
  if (t.failed || nav.failed || home.failed || where.failed) b->failed = true;
  ics_buf_free(&where);
  ics_buf_free(&t);
  ics_buf_free(&nav);
  ics_buf_free(&home);
}

/* ---- the home page ------------------------------------------------------------------------- */
typedef struct {
  ics_record_info info;
  char *key;
  char *title;
} listed;

typedef struct {
  ics_store *store;
  ics_lang lang;
  const char *search; /* folded, or NULL */
  listed *items;
  size_t count, cap;
} listing;

static bool matches(const char *search, const char *text) {
  char *folded = ics_text_fold(text, true);
  bool found = folded && strstr(folded, search);
  ics_free(folded);
  return found;
}

static int collect(void *ctx, const ics_record_info *info, const char *key, const ics_record *rec,
                   ics_error *err) {
  listing *l = ctx;
  char *title = ics_record_title(rec, ics_store_register(l->store), l->lang);
  char *k = ics_strdup(key);
  if (!title || !k) goto no_memory;
  if (l->search && !matches(l->search, key) && !matches(l->search, title) &&
      !strstr(info->instance_id, l->search)) {
    ics_free(title);
    ics_free(k);
    return 0;
  }
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 32;
    listed *grown = ics_realloc(l->items, cap * sizeof *grown);
    if (!grown) goto no_memory;
    l->items = grown;
    l->cap = cap;
  }
  l->items[l->count++] = (listed){.info = *info, .key = k, .title = title};
  return 0;
no_memory:
  ics_free(title);
  ics_free(k);
  ics_error_no_memory(err, l->lang);
  return -1;
}

/* Drafts first, then finalized, then void records; the latest change first within each. */
static int compare_listed(const void *pa, const void *pb) {
  const listed *a = pa, *b = pb;
  if (a->info.status != b->info.status) return (int)a->info.status - (int)b->info.status;
  return strcmp(b->info.updated_at, a->info.updated_at);
}

/* "2026-12-03 07:32 UTC" of a stored UTC time; the page's script shows it in the PC's own time. */
static void when(ics_buf *b, const char *utc) {
  ics_buf_printf(b, "<time datetime=\"%s\">%.10s %.5s UTC</time>", utc, utc, utc + 11);
}

/* What the office has (by its receipts) and what waits: carried-over records to confirm. */
static void office_section(const ics_web_page *page, const ics_store_summary *sum, ics_buf *b) {
  ics_buf_printf(b, "<section class=\"office\" aria-labelledby=\"office-heading\" data-office-has=\"%zu\""
                    " data-office-lacks=\"%zu\" data-pending=\"%zu\" data-unconfirmed=\"%zu\">\n"
                    "<h2 id=\"office-heading\">%s</h2>\n",
                 sum->office_has, sum->office_lacks, sum->pending, sum->unconfirmed,
                 ics_web_tr(page, "Sở đã nhận được gì", "What the office has"));
  if (!sum->last_receipt[0]) {
    ics_buf_printf(b, "<p>%s</p>\n",
                   ics_web_tr(page, "Chưa có giấy biên nhận nào của Sở, nên chưa biết Sở đã nhận được những gì. Khi Sở gửi "
                                    "giấy biên nhận (tệp .receipt), hãy nhận nó bằng lệnh collect receipt.",
                              "No receipt from the office yet, so what it has received is not known. When the office "
                              "sends a receipt (a .receipt file), take it with the collect receipt command."));
  } else {
    ics_buf_printf(b, "<p>");
    ics_buf_printf(b, ics_web_tr(page, "Theo giấy biên nhận mới nhất của Sở (%.10s): Sở đã có <strong>%zu</strong> phiếu của đợt này, "
                                       "còn thiếu <strong>%zu</strong>.",
                                 "By the office's newest receipt (%.10s): the office has <strong>%zu</strong> records of this round "
                                 "and lacks <strong>%zu</strong>."),
                   sum->last_receipt, sum->office_has, sum->office_lacks);
    ics_buf_printf(b, " %s</p>\n",
                   sum->pending ? ics_web_tr(page, "Hãy xuất tệp để gửi phần còn thiếu (ở cuối trang).",
                                             "Export to send what it lacks (at the end of the page).")
                                : ics_web_tr(page, "Không còn gì phải gửi.", "Nothing is left to send."));
  }
  if (sum->unconfirmed) {
    ics_buf_printf(b, "<p class=\"notice\" data-carried=\"%zu\">", sum->unconfirmed);
    ics_buf_printf(b, ics_web_tr(page, "%zu phiếu mang sang từ đợt trước đang chờ bạn xem lại: mở từng phiếu, bấm \"Xác nhận không đổi\" "
                                       "nếu vẫn đúng, sửa nếu có thay đổi, hoặc hủy nếu người đó đã chuyển đi. Phiếu chưa xác nhận không được gửi về Sở.",
                                 "%zu records carried over from the last round wait for you: open each, select \"Confirm unchanged\" if it "
                                 "is still right, change what changed, or void it if the person left. A record not confirmed is not sent to the office."),
                   sum->unconfirmed);
    ics_buf_puts(b, "</p>\n");
  }
  ics_buf_puts(b, "</section>\n");
}

int ics_web_home(const ics_web_page *page, const char *search, ics_buf *out, ics_error *err) {
  ics_store *store = page->store;
  const char *lang = ics_web_lang_name(page->lang);
  listing l = {.store = store, .lang = page->lang};
  char *folded = search && *search ? ics_text_fold(search, true) : NULL;
  l.search = folded;
  int rc = ics_store_list(store, collect, &l, err);
  ics_store_summary sum = {0};
  if (!rc) rc = ics_store_summarize(store, &sum, err);
  bool receipts = sum.last_receipt[0] != '\0';
  if (!rc && l.count) qsort(l.items, l.count, sizeof *l.items, compare_listed);
  ics_buf b = {0};
  ics_buf_printf(&b, "<h1>%s</h1>\n<dl class=\"facts\">\n<div><dt>%s</dt><dd>",
                 ics_web_tr(page, "Phiếu khảo sát nhân lực CNTT", "IT workforce survey"),
                 ics_web_tr(page, "Nơi khảo sát", "Site"));
  ics_html_escape(&b, ics_store_site(store));
  ics_buf_printf(&b, "</dd></div>\n<div><dt>%s</dt><dd>", ics_web_tr(page, "Người khảo sát", "Surveyor"));
  ics_html_escape(&b, ics_store_surveyor(store));
  ics_buf_printf(&b, "</dd></div>\n<div><dt>%s</dt><dd>%d</dd></div>\n</dl>\n",
                 ics_web_tr(page, "Đợt khảo sát", "Survey round"), ics_store_round(store));
  office_section(page, &sum, &b);

  ics_buf_printf(&b, "<section aria-labelledby=\"new-heading\">\n<h2 id=\"new-heading\">%s</h2>\n<ul class=\"forms\">\n",
                 ics_web_tr(page, "Nhập phiếu mới", "New record"));
  for (size_t i = 0; i < ics_store_form_count(store); i++) {
    const ics_form *f = ics_store_form_at(store, i);
    ics_buf_puts(&b, "<li><a class=\"button\" data-action=\"new\" data-form=\"");
    ics_html_escape(&b, f->id);
    ics_buf_puts(&b, "\" href=\"/new/");
    ics_html_escape(&b, f->id);
    ics_buf_printf(&b, "?lang=%s\">", lang);
    ics_html_escape(&b, ics_text_get(f->title, page->lang));
    ics_buf_puts(&b, "</a></li>\n");
  }
  ics_buf_puts(&b, "</ul>\n</section>\n");

  ics_buf_printf(&b, "<section aria-labelledby=\"records-heading\">\n<h2 id=\"records-heading\">%s</h2>\n",
                 ics_web_tr(page, "Các phiếu đã nhập", "Records"));
  ics_buf_printf(&b, "<form class=\"search\" role=\"search\" method=\"get\" action=\"/\">\n"
                     "<label for=\"search\">%s</label>\n"
                     "<input type=\"search\" id=\"search\" name=\"q\" value=\"",
                 ics_web_tr(page, "Tìm phiếu (khóa, tên):", "Find a record (key, title):"));
  ics_html_escape(&b, search);
  ics_buf_printf(&b, "\" data-filter=\"records\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                     "<button type=\"submit\">%s</button>\n</form>\n",
                 lang, ics_web_tr(page, "Tìm", "Search"));
  if (!l.count) {
    ics_buf_printf(&b, "<p class=\"empty\">%s</p>\n",
                   search && *search ? ics_web_tr(page, "Không có phiếu nào khớp.", "No record matches.")
                                     : ics_web_tr(page, "Chưa có phiếu nào: hãy chọn một biểu mẫu ở trên.",
                                                  "No records yet: choose a form above."));
  } else {
    ics_buf_printf(&b, "<table class=\"records\" id=\"records\">\n<thead><tr><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                   ics_web_tr(page, "Khóa", "Key"), ics_web_tr(page, "Tên", "Title"),
                   ics_web_tr(page, "Biểu mẫu", "Form"), ics_web_tr(page, "Trạng thái", "Status"),
                   ics_web_tr(page, "Sở đã nhận", "Office has it"), ics_web_tr(page, "Sửa lúc", "Changed"));
  }
  for (size_t i = 0; i < l.count; i++) {
    const listed *it = &l.items[i];
    const char *status = ics_record_status_name(it->info.status);
    const ics_form *f = ics_store_form(store, it->info.form_id);
    /* the id comes from the store file, which may be damaged: escaped like any text */
    ics_buf_puts(&b, "<tr data-instance=\"");
    ics_html_escape(&b, it->info.instance_id);
    ics_buf_printf(&b, "\" data-status=\"%s\"", status);
    if (receipts) ics_buf_printf(&b, " data-received=\"%s\"", it->info.office == ICS_OFFICE_HAS ? "yes" : "no");
    if (it->info.carried_from) ics_buf_printf(&b, " data-carried-from=\"%d\"", it->info.carried_from);
    ics_buf_puts(&b, "><td><a href=\"/record/");
    ics_html_escape(&b, it->info.instance_id);
    ics_buf_printf(&b, "?lang=%s\">", lang);
    ics_html_escape(&b, *it->key ? it->key : ics_web_tr(page, "(chưa có khóa)", "(no key yet)"));
    ics_buf_puts(&b, "</a></td><td>");
    ics_html_escape(&b, it->title);
    ics_buf_puts(&b, "</td><td>");
    ics_html_escape(&b, f ? ics_text_get(f->title, page->lang) : it->info.form_id);
    ics_buf_printf(&b, "</td><td><span class=\"status status-%s\">%s</span>", status,
                   ics_web_status_words(it->info.status, page->lang));
    if (it->info.carried_from && it->info.status == ICS_DRAFT && it->info.office == ICS_OFFICE_NOTHING_YET) {
      ics_buf_puts(&b, " <span class=\"carried\">");
      ics_buf_printf(&b, ics_web_tr(page, "mang sang từ %d, chờ xác nhận", "carried over from %d, to confirm"),
                     it->info.carried_from);
      ics_buf_puts(&b, "</span>");
    }
    ics_buf_printf(&b, "</td><td>%s</td><td>",
                   it->info.office == ICS_OFFICE_HAS     ? ics_web_tr(page, "✓ có", "✓ yes")
                   : it->info.office == ICS_OFFICE_LACKS ? (receipts ? ics_web_tr(page, "chưa", "not yet")
                                                                     : ics_web_tr(page, "chưa biết", "not known"))
                                                         : "–");
    when(&b, it->info.updated_at);
    ics_buf_puts(&b, "</td></tr>\n");
  }
  if (l.count) ics_buf_puts(&b, "</tbody>\n</table>\n");
  ics_buf_puts(&b, "</section>\n");
  ics_web_export_form(page, &sum, &b);
  for (size_t i = 0; i < l.count; i++) {
    ics_free(l.items[i].key);
    ics_free(l.items[i].title);
  }
  ics_free(l.items);
  ics_free(folded);
  if (rc) {
    ics_buf_free(&b);
    return -1;
  }
  ics_web_layout(out, page, ics_web_tr(page, "Phiếu khảo sát – trang chính", "Survey – home"),
                 "/", b.data ? b.data : "");
  bool failed = b.failed || out->failed;
  ics_buf_free(&b);
  if (failed) {
    ics_error_no_memory(err, page->lang);
    return -1;
  }
  return 0;
}
