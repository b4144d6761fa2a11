/* main.c - the ictsurvey program: picks the subcommand and hands it the arguments. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_vi[] =
    "Cách dùng: ictsurvey LỆNH [TÙY CHỌN...]\n"
    "\n"
    "Bộ công cụ khảo sát nguồn nhân lực CNTT tỉnh Long An (Quyết định 43/2011/QĐ-UBND).\n"
    "\n"
    "Các lệnh:\n"
    "  check [TỆP...]   Kiểm tra định nghĩa biểu mẫu, danh mục đơn vị và tệp chỉ tiêu\n"
    "                   (không có TỆP: các định nghĩa kèm theo trong schema/definitions).\n"
    "  collect ...      Nhập phiếu trên máy của người khảo sát và xuất tệp gói gửi về Sở\n"
    "                   (init, update, fill, edit, void, unvoid, list, export, template).\n"
    "  kit --db CSDL --key central.key -o TỆP.kit   Công bố biểu mẫu, danh mục, chỉ tiêu\n"
    "                   và ghi bộ biểu mẫu (kit) có chữ ký của Sở gửi người khảo sát.\n"
    "  template --kit TỆP.kit BIỂU_MẪU -o TỆP.xlsx   Bảng tính mẫu để nhập liệu trong Excel.\n"
    "  merge --db CSDL GÓI...   Hợp nhất các tệp gói vào cơ sở dữ liệu trung tâm.\n"
    "  status --db CSDL         Mức độ đầy đủ của dữ liệu đã nhận.\n"
    "  export --db CSDL --form BIỂU_MẪU -o TỆP.csv   Xuất bản ghi ra CSV.\n"
    "  report --db CSDL -o TỆP.xlsx   Bảng tính phân tích khoảng cách so với mục tiêu.\n"
    "  simulate --out THƯ_MỤC   Một đợt khảo sát giả lập để diễn tập.\n"
    "  keys init --dir THƯ_MỤC  Tạo các cặp khóa của Sở (niêm phong gói, ký bộ biểu mẫu).\n"
    "\n"
    "Tùy chọn chung:\n"
    "  --lang vi|en     Ngôn ngữ thông báo (mặc định: vi; hoặc đặt ICTSURVEY_LANG).\n"
    "  --help           Hướng dẫn; 'ictsurvey LỆNH --help' cho từng lệnh.\n"
    "  --version        Phiên bản.\n"
    "\n"
    "Mã thoát: 0 thành công, 1 lỗi dữ liệu người dùng sửa được, 2 dùng sai lệnh.\n";

static const char usage_en[] =
    "Usage: ictsurvey COMMAND [OPTION...]\n"
    "\n"
    "The Long An IT-workforce survey toolkit (decision 43/2011/QĐ-UBND).\n"
    "\n"
    "Commands:\n"
    "  check [FILE...]  Validate form definitions, unit registers and targets files\n"
    "                   (no FILE: the shipped definitions in schema/definitions).\n"
    "  collect ...      Fill forms on a surveyor's PC and export a bundle for the central\n"
    "                   office (init, update, fill, edit, void, unvoid, list,\n"
    "                   export, template).\n"
    "  kit --db CENTRAL --key central.key -o FILE.kit   Publish forms, register and\n"
    "                   targets, and write the office-signed survey kit for surveyors.\n"
    "  template --kit FILE.kit FORM -o FILE.xlsx   A form's data-entry workbook for Excel.\n"
    "  merge --db CENTRAL BUNDLE...   Merge bundles into the central database.\n"
    "  status --db CENTRAL            Completeness of what has arrived.\n"
    "  export --db CENTRAL --form FORM -o FILE.csv   The current records as CSV.\n"
    "  report --db CENTRAL -o OUT.xlsx   The gap-analysis workbook for managers.\n"
    "  simulate --out DIR   A made-up survey round to rehearse with.\n"
    "  keys init --dir DIR  Make the office's key pairs (sealing bundles, signing kits).\n"
    "\n"
    "Options for every command:\n"
    "  --lang vi|en     Language of messages (default: vi; or set ICTSURVEY_LANG).\n"
    "  --help           This help; 'ictsurvey COMMAND --help' for each command.\n"
    "  --version        The version.\n"
    "\n"
    "Exit status: 0 success, 1 a problem in the data to fix, 2 a usage error.\n";

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"check", cmd_check},
    {"collect", cmd_collect},
    {"merge", cmd_merge},
    {"status", cmd_status},
    {"export", cmd_export},
    {"report", cmd_report},
    {"simulate", cmd_simulate},
    {"keys", cmd_keys},
    {"kit", cmd_kit},
    {"template", cmd_template},
};

/* Test hook (tests/test_faults.py, docs/limits.md): ICTSURVEY_FAIL_ALLOC_AFTER=N makes every
 * allocation of the project after the first N fail, to prove each command survives running
 * out of memory. Unset (or not a number): allocations never fail on purpose. */
static void fault_hook(void) {
  const char *n = getenv("ICTSURVEY_FAIL_ALLOC_AFTER");
  if (!n || !*n) return;
  char *end;
  long count = strtol(n, &end, 10);
  if (count >= 0 && !*end) ics_alloc_fail_after(count);
}

int main(int argc, char **argv) {
  ics_platform_init(&argc, &argv);
  fault_hook();
  /* Nothing reads SQLite's memory statistics; keeping them takes a global mutex around every
   * allocation it makes (a tenth of a large merge). Before any database is opened. */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  cli_lang = ics_lang_default();
  cli_scan_lang(argc, argv);
  int first = 1;
  /* --lang may come before the command too */
  while (first < argc && argv[first][0] == '-') {
    int i = first;
    if (!strcmp(argv[i], "--version")) {
      puts("ictsurvey " ICS_VERSION);
      return EXIT_OK;
    }
    int r = cli_common_option(argc, argv, &i, usage_vi, usage_en);
    if (r == -1) {
      cli_error("tùy chọn không hợp lệ '%s'", "unknown option '%s'", argv[i]);
      return EXIT_USAGE;
    }
    if (r != 3) return r;
    first = i + 1;
  }
  if (first >= argc) {
    fputs(cli_tr(usage_vi, usage_en), stderr);
    return EXIT_USAGE;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[first], commands[i].name))
      return commands[i].run(argc - first, argv + first);
  cli_error("không có lệnh '%s'; xem 'ictsurvey --help'",
            "no command '%s'; see 'ictsurvey --help'", argv[first]);
  return EXIT_USAGE;
}
