/* cmd_template.c - the data-entry template of a form (reports/template.c): `ictsurvey template
 * --kit FILE.kit FORM -o FILE.xlsx` for the office, which mails templates with its kit, and
 * what `collect template` (cmd_collect.c) shares with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kit.h"
#include "reports.h"
#include "schema.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey template --kit TỆP.kit BIỂU_MẪU [--lang vi|en] [--force] -o TỆP.xlsx\n"
    "\n"
    "Ghi bảng tính mẫu để nhập liệu một biểu mẫu của bộ biểu mẫu (kit) trong Excel hoặc\n"
    "LibreOffice, để Sở gửi kèm bộ biểu mẫu. Chữ ký của Sở trên bộ biểu mẫu được kiểm tra.\n"
    "Trang đầu là trang nhập liệu: dòng 1 các câu hỏi, dòng 2 tên trường dữ liệu, bản ghi từ\n"
    "dòng 3; ô có danh sách chọn. Các trang sau: Hướng dẫn, Ví dụ, Danh mục. Người khảo sát\n"
    "nhập tệp đã điền bằng 'ictsurvey collect fill --store KHO BIỂU_MẪU --answers TỆP.xlsx'.\n"
    "\n"
    "  --lang vi|en   ngôn ngữ của bảng tính và thông báo (mặc định vi)\n"
    "  --force        ghi đè một tệp không phải bảng tính\n";
static const char help_en[] =
    "Usage: ictsurvey template --kit FILE.kit FORM [--lang vi|en] [--force] -o FILE.xlsx\n"
    "\n"
    "Write the data-entry workbook of a form of the survey kit, to fill in Excel or\n"
    "LibreOffice, for the office to send with its kit. The kit's signature is checked. The\n"
    "first sheet holds the data: row 1 the questions, row 2 the field names, records from\n"
    "row 3; choice columns have dropdowns. The other sheets: Instructions, Example, Code\n"
    "lists. The surveyor imports the filled file with\n"
    "'ictsurvey collect fill --store STORE FORM --answers FILE.xlsx'.\n"
    "\n"
    "  --lang vi|en   the language of the workbook and of messages (default vi)\n"
    "  --force        overwrite a file that is not a workbook\n";

int cli_write_template(const ics_form *const *forms, size_t form_count, const ics_register *reg, int round,
                       const char *origin, const char *holder, const char *form_id, const char *output) {
  const ics_form *form = NULL;
  for (size_t i = 0; i < form_count; i++)
    if (!strcmp(forms[i]->id, form_id)) form = forms[i];
  if (!form) {
    ics_buf names = {0};
    for (size_t i = 0; i < form_count; i++) ics_buf_printf(&names, "%s%s", i ? ", " : "", forms[i]->id);
    cli_error("%s không có biểu mẫu '%s' (có: %s)", "%s has no form '%s' (it has: %s)", holder, form_id,
              names.data ? names.data : "");
    ics_buf_free(&names);
    return EXIT_FAIL;
  }
  ics_template_options o = {.form = form, .reg = reg, .round = round, .origin = origin, .lang = cli_lang,
                            .output = output};
  ics_error err = {0};
  if (ics_template_write(&o, &err)) {
    cli_print_error(&err);
    ics_error_clear(&err);
    return EXIT_FAIL;
  }
  fprintf(stderr,
          cli_tr("Đã ghi mẫu nhập liệu '%s' của biểu mẫu %s (phiên bản %s): nhập mỗi bản ghi một dòng từ dòng 3 của "
                 "trang đầu, tối đa %d dòng. Nhập tệp đã điền bằng:\n"
                 "  ictsurvey collect fill --store KHO %s --answers %s\n",
                 "Wrote the data-entry template '%s' of form %s (version %s): one record per row from row 3 of "
                 "the first sheet, at most %d rows. Import the filled file with:\n"
                 "  ictsurvey collect fill --store STORE %s --answers %s\n"),
          output, form->id, form->version, ICS_TEMPLATE_ROWS, form->id, output);
  return EXIT_OK;
}

/* The template from a kit whose signature was checked: its forms and register. */
static int template_from_kit(const char *kit_path, const char *form_id, const char *output) {
  ics_error err = {0};
  ics_kit *kit = ics_kit_read(kit_path, cli_lang, &err);
  if (!kit) {
    ics_error_prefix(&err, "%s: ", kit_path); /* the kit's messages never name the file */
    cli_print_error(&err);
    ics_error_clear(&err);
    return EXIT_FAIL;
  }
  int status = EXIT_FAIL;
  ics_errors diags = {0};
  ics_form **forms = ics_calloc(kit->form_count + 1, sizeof *forms);
  ics_register *reg = ics_register_parse("units.yaml", kit->register_text, kit->register_len, cli_lang, &diags);
  size_t loaded = 0;
  bool ok = forms && reg;
  for (size_t i = 0; ok && i < kit->form_count; i++) {
    char name[ICS_NAME_MAX + 8];
    snprintf(name, sizeof name, "%s.yaml", kit->forms[i].id);
    forms[loaded] = ics_form_parse(name, kit->forms[i].text, kit->forms[i].len, cli_lang, &diags);
    ok = forms[loaded++] != NULL;
  }
  if (!ok) {
    /* the kit's reader loaded them already: only memory can fail here */
    cli_print_errors(&diags);
    cli_out_of_memory();
  } else {
    fprintf(stderr, cli_tr("Bộ biểu mẫu số %llu của Sở (đợt %d), chữ ký hợp lệ.\n",
                           "The office's kit number %llu (round %d), signature valid.\n"),
            (unsigned long long)kit->sequence, kit->round);
    cli_office_fingerprint(kit->signing_key);
    char origin[80], holder[600];
    snprintf(origin, sizeof origin, "kit %llu %s", (unsigned long long)kit->sequence, kit->kit_id);
    snprintf(holder, sizeof holder, cli_tr("bộ biểu mẫu '%s'", "the kit '%s'"), kit_path);
    status = cli_write_template((const ics_form *const *)forms, loaded, reg, kit->round, origin, holder, form_id,
                                output);
  }
  for (size_t i = 0; i < loaded; i++) ics_form_free(forms[i]);
  ics_free(forms);
  ics_register_free(reg);
  ics_errors_free(&diags);
  ics_kit_free(kit);
  return status;
}

int cmd_template(int argc, char **argv) {
  const char *kit = NULL, *output = NULL, *form = NULL;
  bool force = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    if (!strcmp(argv[i], "--force")) {
      force = true;
      continue;
    }
    static const char *const names[] = {"--kit", "-o"};
    const char **const slots[] = {&kit, &output};
    r = cli_options_value(argc, argv, &i, names, slots, 2);
    if (r < 0) return EXIT_USAGE;
    if (r) continue;
    if (argv[i][0] == '-' && argv[i][1]) {
      cli_error("tùy chọn không hợp lệ '%s' (xem 'ictsurvey template --help')",
                "unknown option '%s' (see 'ictsurvey template --help')", argv[i]);
      return EXIT_USAGE;
    }
    if (form) {
      cli_error("thừa đối số '%s': chỉ một BIỂU_MẪU", "unexpected argument '%s': one FORM only", argv[i]);
      return EXIT_USAGE;
    }
    form = argv[i];
  }
  if (!kit || !form || !output) {
    cli_error("cần --kit TỆP.kit, BIỂU_MẪU và -o TỆP.xlsx", "--kit FILE.kit, FORM and -o FILE.xlsx are required");
    return EXIT_USAGE;
  }
  const char *inputs[] = {kit};
  if (cli_check_output(output, ICS_FILE_WORKBOOK, force, inputs, 1)) return EXIT_FAIL;
  return template_from_kit(kit, form, output);
}
