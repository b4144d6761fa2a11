/* cmd_report.c - `ictsurvey report`: the gap-analysis workbook for managers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator.h"
#include "cli.h"
#include "reports.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey report --db CSDL [--round NĂM] [--targets TỆP] [--lang vi|en]\n"
    "                        [--records|--no-records] [--include-personal] [--force] -o TỆP.xlsx\n"
    "\n"
    "Ghi bảng tính phân tích khoảng cách so với mục tiêu của Quyết định 43/2011/QĐ-UBND cho một\n"
    "đợt khảo sát (mặc định: đợt mới nhất): Tổng hợp, Theo huyện, Tiến độ (các đợt đến đợt này),\n"
    "Nhóm ưu tiên (giới tính, nhóm tuổi), Nhu cầu đào tạo, Cơ quan, Chất lượng dữ liệu, và một\n"
    "trang bản ghi cho mỗi biểu mẫu.\n"
    "\n"
    "  --targets TỆP       tệp chỉ tiêu (mặc định: chỉ tiêu Sở đã công bố bằng ictsurvey kit)\n"
    "  --records           luôn có trang bản ghi; --no-records: không bao giờ\n"
    "                      (mặc định: khi biểu mẫu có tối đa 100.000 bản ghi)\n"
    "  --include-personal  kèm họ tên, năm sinh trong trang bản ghi\n"
    "  --force             cho phép ghi đè một tệp không phải bảng tính (CSDL, tệp gói...)\n";
static const char help_en[] =
    "Usage: ictsurvey report --db CENTRAL [--round YEAR] [--targets FILE] [--lang vi|en]\n"
    "                        [--records|--no-records] [--include-personal] [--force] -o OUT.xlsx\n"
    "\n"
    "Write the gap-analysis workbook against the targets of decision 43/2011/QĐ-UBND for one\n"
    "survey round (default: the latest present): Summary, By district, Progress (the rounds up\n"
    "to this one), Priority groups (gender, age bands), Training needs, Agencies, Data quality,\n"
    "and a sheet of records per form.\n"
    "\n"
    "  --targets FILE      the targets file (default: the targets published with ictsurvey kit)\n"
    "  --records           always add record sheets; --no-records: never\n"
    "                      (default: for forms with at most 100,000 records)\n"
    "  --include-personal  names and birth years in record sheets\n"
    "  --force             allow overwriting a file that is not a workbook (a database, a bundle...)\n";

int cmd_report(int argc, char **argv) {
  ics_report_options o = {.records = ICS_RECORDS_AUTO};
  const char *round = NULL, *db_path = NULL;
  bool force = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    if (!strcmp(argv[i], "--records")) o.records = ICS_RECORDS_ALWAYS;
    else if (!strcmp(argv[i], "--no-records")) o.records = ICS_RECORDS_NEVER;
    else if (!strcmp(argv[i], "--include-personal")) o.include_personal = true;
    else if (!strcmp(argv[i], "--force")) force = true;
    else if (!strcmp(argv[i], "--deterministic")) continue; /* always: the data date is the creation date */
    else {
      const char *const names[] = {"--db", "--round", "--targets", "-o"};
      const char **const slots[] = {&db_path, &round, &o.targets_path, &o.output};
      r = cli_options_value(argc, argv, &i, names, slots, 4);
      if (r < 0) return EXIT_USAGE;
      bool matched = r == 1;
      if (!matched) {
        cli_error("đối số không hợp lệ '%s' (xem 'ictsurvey report --help')",
                  "unexpected argument '%s' (see 'ictsurvey report --help')", argv[i]);
        return EXIT_USAGE;
      }
    }
  }
  if (!db_path || !o.output) {
    cli_error("cần --db CSDL và -o TỆP.xlsx", "--db CENTRAL and -o OUT.xlsx are required");
    return EXIT_USAGE;
  }
  if (round) {
    char *end;
    long y = strtol(round, &end, 10);
    if (*end || y < 2000 || y > 2100) {
      cli_error("đợt '%s' không hợp lệ: cần một năm", "invalid round '%s': give a year", round);
      return EXIT_USAGE;
    }
    o.round = (int)y;
  }
  const char *inputs[] = {db_path, o.targets_path};
  if (cli_check_output(o.output, ICS_FILE_WORKBOOK, force, inputs, 2)) return EXIT_FAIL;
  o.lang = cli_lang;
  ics_central *c = cli_open_central(db_path);
  if (!c) return EXIT_FAIL;
  o.db = ics_central_db(c);
  ics_errors diags = {0};
  ics_error err = {0};
  int rc = ics_report_write(&o, &diags, &err);
  ics_central_close(c);
  cli_print_errors(&diags);
  ics_errors_free(&diags);
  if (rc) {
    cli_print_error(&err);
    ics_error_clear(&err);
    return EXIT_FAIL;
  }
  fprintf(stderr, cli_tr("Đã ghi bảng tính '%s'.\n", "Wrote the workbook '%s'.\n"), o.output);
  return EXIT_OK;
}
