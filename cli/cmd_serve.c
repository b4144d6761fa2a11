/* cmd_serve.c - `ictsurvey collect serve`: the collector in a web browser (web/web.h). Prints
 * the address with its token as the first line of stdout, opens the browser, and serves
 * until Ctrl-C. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "collector.h"
#include "web.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey collect serve --store KHO [--kit TỆP.kit|THƯ_MỤC] [--port CỔNG]\n"
    "                                   [--no-browser] [--lang vi|en]\n"
    "\n"
    "Điền phiếu trong trình duyệt web, chỉ trên máy này (127.0.0.1): danh sách phiếu, phiếu\n"
    "mới, làm tiếp phiếu nháp, hoàn tất, hủy, xuất tệp gửi về Sở. Mỗi câu trả lời được lưu\n"
    "vào kho ngay khi trả lời. Dòng đầu tiên in ra là địa chỉ cần mở (có mã truy cập); trình\n"
    "duyệt được mở sẵn, trừ khi có --no-browser. Để cửa sổ này mở trong khi làm việc;\n"
    "Ctrl-C để dừng.\n"
    "\n"
    "  --kit TỆP.kit|THƯ_MỤC\n"
    "                 Khi chưa có KHO: tạo kho từ bộ biểu mẫu này (hay tệp .kit duy nhất\n"
    "                 trong THƯ_MỤC), hỏi nơi khảo sát và họ tên người khảo sát, rồi mở.\n"
    "  --port CỔNG    Cổng (mặc định: một cổng còn trống).\n"
    "  --no-browser   Không mở trình duyệt.\n"
    "  --lang vi|en   Ngôn ngữ của trang (mặc định vi).\n";

static const char help_en[] =
    "Usage: ictsurvey collect serve --store STORE [--kit FILE.kit|DIR] [--port N]\n"
    "                               [--no-browser] [--lang vi|en]\n"
    "\n"
    "Fill records in a web browser, on this PC only (127.0.0.1): the list of records, new\n"
    "records, drafts to continue, finalize, void, the export for the office. Every answer is\n"
    "saved in the store as it is given. The first line printed is the address to open (with\n"
    "its access token); the browser is opened unless --no-browser. Keep this window open while\n"
    "you work; Ctrl-C stops it.\n"
    "\n"
    "  --kit FILE.kit|DIR\n"
    "                 When STORE does not exist yet: make it from this kit (or the one .kit\n"
    "                 file in DIR), asking for the site and the surveyor's name, then serve.\n"
    "  --port N       The port (default: a free one).\n"
    "  --no-browser   Do not open the browser.\n"
    "  --lang vi|en   The pages' language (default vi).\n";

int cmd_collect_serve(int argc, char **argv) {
  const char *store_path = NULL, *port_text = NULL, *kit = NULL;
  bool browser = true;
  for (int i = 2; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    static const char *const names[] = {"--store", "--port", "--kit"};
    const char **const slots[] = {&store_path, &port_text, &kit};
    r = cli_options_value(argc, argv, &i, names, slots, 3);
    if (r < 0) return EXIT_USAGE;
    if (r == 1) continue;
    if (!strcmp(argv[i], "--no-browser")) {
      browser = false;
    } else {
      cli_error("không hiểu '%s' (xem 'ictsurvey collect serve --help')",
                "unexpected '%s' (see 'ictsurvey collect serve --help')", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!store_path) {
    cli_error("cần --store KHO (tệp kho dữ liệu)", "--store STORE is required (the store file)");
    return EXIT_USAGE;
  }
  long port = 0;
  if (port_text) {
    char *end;
    port = strtol(port_text, &end, 10);
    if (!*port_text || *end || port < 1 || port > 65535) {
      cli_error("cổng '%s' không hợp lệ: cần một số từ 1 đến 65535",
                "invalid port '%s': give a number from 1 to 65535", port_text);
      return EXIT_USAGE;
    }
  }
  if (kit) {
    int made = cli_collect_first_start(store_path, kit);
    if (made != EXIT_OK) return made;
  }
  ics_error err = {0};
  ics_store *store = ics_store_open(store_path, cli_lang, &err);
  if (!store) {
    cli_print_error(&err);
    ics_error_clear(&err);
    return EXIT_FAIL;
  }
  ics_interrupt_catch(true); /* before the server's thread starts: it inherits the handler */
  ics_web_options opts = {.store = store, .store_path = store_path, .lang = cli_lang, .port = (uint16_t)port};
  ics_web *web = ics_web_start(&opts, &err);
  if (!web) {
    cli_print_error(&err);
    ics_error_clear(&err);
    ics_interrupt_catch(false);
    ics_store_close(store);
    return EXIT_FAIL;
  }
  printf("%s\n", ics_web_url(web));
  fflush(stdout);
  fprintf(stderr, cli_tr("Đang mở kho '%s' trong trình duyệt. Nhấn Ctrl-C để dừng.\n",
                         "Serving the store '%s' in the browser. Press Ctrl-C to stop.\n"),
          store_path);
  if (browser && ics_open_browser(ics_web_url(web)))
    fputs(cli_tr("Không mở được trình duyệt: hãy mở địa chỉ ở dòng trên.\n",
                 "Could not open the browser: open the address on the line above.\n"),
          stderr);
  ics_interrupt_wait();
  ics_web_stop(web);
  ics_store_close(store);
  ics_interrupt_catch(false); /* after the store is closed: Windows waits for this when the window closes */
  fputs(cli_tr("Đã dừng; kho đã được đóng.\n", "Stopped; the store is closed.\n"),
        stderr);
  return EXIT_OK;
}
