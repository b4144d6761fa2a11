/* export.c - the home page's export: the bundle written by collect export's rules into the
 * folder the surveyor chose (the store's by default), under a name that says whose and when,
 * never over an existing file; then offered as a download. Refused, with what to do, when no
 * record is finalized. */
#include <string.h>

#include "web_private.h"

/* The records whose newest revision is a draft: what the export leaves behind. */
typedef struct {
  size_t drafts;
} tally;

static int count_drafts(void *ctx, const ics_record_info *info, const char *key, const ics_record *rec,
                        ics_error *err) {
  (void)key, (void)rec, (void)err;
  tally *t = ctx;
  if (info->status == ICS_DRAFT) t->drafts++;
  return 0;
}

/* folder/STORE-YYYY-MM-DD.bundle, or -2, -3 ... after it when that name is taken. NULL when
 * memory ran out, or with *taken when 99 names are taken. */
static char *bundle_name(const char *folder, const char *store_path, bool *taken) {
  const char *base;
  char *dir = ics_path_dir(store_path, &base);
  if (!dir) return NULL;
  ics_free(dir);
  size_t stem = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base) stem = (size_t)(dot - base);
  char today[21];
  ics_now_utc(today);
  for (int n = 1; n < 100; n++) {
    ics_buf name = {0};
    ics_buf_printf(&name, "%.*s-%.10s", (int)stem, base, today);
    if (n > 1) ics_buf_printf(&name, "-%d", n);
    ics_buf_puts(&name, ".bundle");
    char *path = name.failed ? NULL : ics_path_join(folder, name.data);
    ics_buf_free(&name);
    if (!path) return NULL;
    if (!ics_path_is_file(path) && !ics_path_is_dir(path)) return path;
    ics_free(path);
  }
  *taken = true;
  return NULL;
}

static void paragraph(ics_buf *b, const char *attrs, const char *text) {
  ics_buf_printf(b, "<p %s>", attrs);
  ics_html_escape(b, text);
  ics_buf_puts(b, "</p>\n");
}

int ics_web_export(const ics_web_page *page, const char *folder, bool pending, char **written,
                   ics_buf *out, ics_error *err) {
  ics_store *store = page->store;
  const char *lang = ics_web_lang_name(page->lang);
  tally t = {0};
  if (ics_store_list(store, count_drafts, &t, err)) return -1;
  char *default_dir = ics_path_dir(page->store_path, &(const char *){NULL});
  if (!default_dir) goto no_memory;
  if (!folder || !*folder) folder = default_dir;
  ics_buf b = {0};
  char *path = NULL;
  ics_buf_printf(&b, "<p class=\"crumbs\"><a href=\"/?lang=%s\">%s</a></p>\n<h1>%s</h1>\n", lang,
                 ics_web_tr(page, "← Trang chính", "← Home"), ics_web_tr(page, "Xuất tệp gửi về Sở", "Export for the office"));
  bool taken = false;
  if (!ics_path_is_dir(folder)) {
    ics_buf msg = {0};
    ics_buf_printf(&msg, ics_web_tr(page, "Không có thư mục '%s'. Hãy gõ một thư mục có sẵn, ví dụ thư mục của USB.",
                                    "There is no folder '%s'. Type a folder that exists, for example the USB stick's."),
                   folder);
    paragraph(&b, "class=\"error\" data-export=\"failed\" role=\"alert\"", msg.data ? msg.data : "");
    ics_buf_free(&msg);
  } else if (!(path = bundle_name(folder, page->store_path, &taken)) && !taken) {
    ics_buf_free(&b);
    ics_free(default_dir);
    goto no_memory;
  } else if (!path) {
    paragraph(&b, "class=\"error\" data-export=\"failed\" role=\"alert\"",
              ics_web_tr(page, "Thư mục này đã có quá nhiều tệp gửi đi của hôm nay. Hãy chọn thư mục khác.",
                         "This folder has too many of today's bundles already. Choose another folder."));
  } else {
    uint64_t records = 0;
    ics_export_options opts = {.pending = pending};
    ics_error failure = {0};
    if (ics_store_export(store, path, &opts, &records, &failure)) {
      if (failure.code == ICS_E_NO_MEMORY) {
        ics_error_clear(&failure);
        ics_free(path);
        ics_buf_free(&b);
        ics_free(default_dir);
        goto no_memory;
      }
      /* collect export's refusal, in the words of the page: nothing finalized yet */
      if (failure.code == ICS_E_STATE && pending)
        paragraph(&b, "class=\"notice\" data-export=\"nothing-pending\" role=\"status\"",
                  ics_web_tr(page, "Không có gì cần gửi: theo giấy biên nhận, Sở đã có mọi phiếu đã hoàn tất hoặc đã hủy. "
                                   "Muốn gửi lại tất cả thì bỏ chọn \"Chỉ gửi những gì Sở chưa có\".",
                             "Nothing to send: by its receipts, the office has every finalized or void record. "
                             "To send everything again, clear \"Only what the office does not have\"."));
      else if (failure.code == ICS_E_STATE)
        paragraph(&b, "class=\"error\" data-export=\"refused\" role=\"alert\"",
                  t.drafts ? ics_web_tr(page, "Chưa xuất gì: chưa có phiếu nào hoàn tất, chỉ có phiếu nháp. Hãy mở từng phiếu nháp "
                                              "ở trang chính, trả lời các câu còn thiếu và bấm \"Hoàn tất phiếu\", rồi xuất lại.",
                                        "Nothing exported: no record is finalized yet, there are only drafts. Open each draft "
                                        "from the home page, answer what is missing and select \"Finalize the record\", then export again.")
                           : ics_web_tr(page, "Chưa xuất gì: kho chưa có phiếu nào. Hãy nhập phiếu trước (trang chính, \"Nhập phiếu mới\").",
                                        "Nothing exported: the store has no record yet. Enter records first (home page, \"New record\")."));
      else
        paragraph(&b, "class=\"error\" data-export=\"failed\" role=\"alert\"", failure.message);
      ics_error_clear(&failure);
    } else {
      ics_buf_puts(&b, "<div class=\"done\" data-export=\"written\"");
      ics_buf_puts(&b, " data-path=\"");
      ics_html_escape(&b, path);
      ics_buf_printf(&b, "\" data-records=\"%llu\">\n<p>", (unsigned long long)records);
      ics_buf_printf(&b, ics_web_tr(page, "Đã ghi %llu phiếu vào tệp:", "%llu records written to the file:"),
                     (unsigned long long)records);
      ics_buf_puts(&b, "</p>\n<p class=\"path\"><code>");
      ics_html_escape(&b, path);
      ics_buf_printf(&b, "</code></p>\n<p>%s</p>\n<p><a class=\"button\" data-action=\"download\" href=\"/download?lang=%s\">%s</a></p>\n</div>\n",
                     ics_web_tr(page, "Chép tệp này vào USB hoặc gửi thư điện tử về Sở Thông tin và Truyền thông. "
                                      "Tệp đã được ký, và chỉ Sở mở được nếu kho có khóa của Sở.",
                                "Copy this file to a USB stick or send it by e-mail to the Department of Information "
                                "and Communications. It is signed, and only the office can open it when the store has the office's key."),
                     lang, ics_web_tr(page, "Tải tệp xuống", "Download the file"));
      if (t.drafts) {
        ics_buf msg = {0};
        ics_buf_printf(&msg, ics_web_tr(page, "Lưu ý: còn %zu phiếu nháp; những gì chưa hoàn tất của chúng chưa được gửi. Hãy hoàn tất chúng rồi xuất lại.",
                                        "Note: %zu records are drafts; what is not finalized of them was not sent. Finalize them and export again."),
                       t.drafts);
        paragraph(&b, "class=\"warning\" data-warning=\"drafts\" role=\"status\"", msg.data ? msg.data : "");
        ics_buf_free(&msg);
      }
      ics_free(*written);
      *written = path;
      path = NULL;
    }
  }
  ics_free(path);
  ics_web_layout(out, page, ics_web_tr(page, "Xuất tệp gửi về Sở", "Export for the office"), "/", b.data ? b.data : "");
  bool failed = b.failed || out->failed;
  ics_buf_free(&b);
  ics_free(default_dir);
  if (failed) goto no_memory;
  return 0;
no_memory:
  ics_error_no_memory(err, page->lang);
  return -1;
}

/* The export section of the home page. */
void ics_web_export_form(const ics_web_page *page, const ics_store_summary *summary, ics_buf *b) {
  const char *base;
  char *dir = ics_path_dir(page->store_path, &base);
  char *shown = dir ? ics_path_resolve(dir) : NULL;
  ics_buf_printf(b, "<section aria-labelledby=\"export-heading\">\n<h2 id=\"export-heading\">%s</h2>\n"
                    "<form id=\"export\" class=\"export\" method=\"post\" action=\"/export\">\n"
                    "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n<label for=\"folder\">%s</label>\n"
                    "<input type=\"text\" id=\"folder\" name=\"folder\" size=\"40\" value=\"",
                 ics_web_tr(page, "Gửi về Sở", "Send to the office"), ics_web_lang_name(page->lang),
                 ics_web_tr(page, "Ghi tệp gửi đi vào thư mục:", "Write the file to send into the folder:"));
  ics_html_escape(b, shown ? shown : dir ? dir : ".");
  ics_buf_puts(b, "\">\n");
  if (summary->last_receipt[0]) /* what the office lacks is known: by default only that */
    ics_buf_printf(b, "<label class=\"check\"><input type=\"checkbox\" name=\"pending\" value=\"yes\" checked> %s</label>\n",
                   ics_web_tr(page, "Chỉ gửi những gì Sở chưa có", "Only what the office does not have"));
  ics_buf_printf(b, "<button type=\"submit\" data-action=\"export\">%s</button>\n</form>\n<p class=\"hint\">%s</p>\n</section>\n",
                 ics_web_tr(page, "Xuất tệp", "Export"),
                 ics_web_tr(page, "Chỉ các phiếu đã hoàn tất (và các phiếu đã hủy) được gửi đi; phiếu nháp ở lại trong kho.",
                            "Only finalized records (and void ones) are sent; drafts stay in the store."));
  ics_free(shown);
  ics_free(dir);
}
