/* cmd_check.c - `ictsurvey check`: validate forms, unit registers and targets files. Forms
 * are loaded first so that a targets file is checked against them (the shipped forms when
 * no form is named). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "schema.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey check [--hash] [--lang vi|en] [TỆP...]\n"
    "\n"
    "Kiểm tra các tệp định nghĩa: biểu mẫu (khóa 'form'), danh mục đơn vị (khóa 'register')\n"
    "và tệp chỉ tiêu (khóa 'targets'). Không có TỆP: kiểm tra các định nghĩa kèm theo\n"
    "(staff.yaml, school.yaml, training_centre.yaml, units.yaml, targets.yaml).\n"
    "Mỗi lỗi được in dạng TỆP:DÒNG:CỘT: error: THÔNG BÁO.\n"
    "\n"
    "  --hash   In mã băm nội dung (SHA-256) của mỗi biểu mẫu ra stdout.\n"
    "\n"
    "Mã thoát: 0 mọi tệp hợp lệ, 1 có lỗi, 2 dùng sai lệnh.\n";

static const char help_en[] =
    "Usage: ictsurvey check [--hash] [--lang vi|en] [FILE...]\n"
    "\n"
    "Validate definition files: forms (a 'form' key), unit registers (a 'register' key) and\n"
    "targets files (a 'targets' key). With no FILE, check the shipped definitions\n"
    "(staff.yaml, school.yaml, training_centre.yaml, units.yaml, targets.yaml).\n"
    "Every problem is printed as FILE:LINE:COLUMN: error: MESSAGE.\n"
    "\n"
    "  --hash   Print each form's content hash (SHA-256) on stdout.\n"
    "\n"
    "Exit status: 0 every file is valid, 1 problems found, 2 a usage error.\n";

static const char *const shipped[] = {"staff.yaml", "school.yaml", "training_centre.yaml",
                                      "units.yaml", "targets.yaml"};
enum { SHIPPED_FORMS = 3, MAX_FILES = 256 };

int cmd_check(int argc, char **argv) {
  const char *files[MAX_FILES];
  char *owned[MAX_FILES] = {0};
  size_t file_count = 0;
  bool print_hash = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    if (!strcmp(argv[i], "--hash")) {
      print_hash = true;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      cli_error("tùy chọn không hợp lệ '%s'", "unknown option '%s'", argv[i]);
      return EXIT_USAGE;
    } else if (file_count == MAX_FILES) {
      cli_error("quá nhiều tệp (tối đa %d)", "too many files (at most %d)", MAX_FILES);
      return EXIT_USAGE;
    } else {
      files[file_count++] = argv[i];
    }
  }
  char *dir = NULL;
  if (file_count == 0) {
    dir = cli_definitions_dir();
    if (!dir) {
      cli_out_of_memory();
      return EXIT_FAIL;
    }
    for (size_t k = 0; k < sizeof shipped / sizeof *shipped; k++)
      files[file_count] = owned[file_count] = ics_path_join(dir, shipped[k]), file_count++;
    for (size_t k = 0; k < file_count; k++)
      if (!owned[k]) {
        for (size_t j = 0; j < file_count; j++) ics_free(owned[j]);
        ics_free(dir);
        cli_out_of_memory();
        return EXIT_FAIL;
      }
  }

  ics_def_kind kinds[MAX_FILES];
  ics_form *forms[MAX_FILES];
  size_t form_count = 0;
  ics_errors diags = {0};
  int status = EXIT_OK;
  for (size_t k = 0; k < file_count; k++) {
    if (!files[k]) {
      status = EXIT_FAIL;
      continue;
    }
    kinds[k] = ics_definition_kind(files[k], cli_lang, &diags);
    if (kinds[k] == ICS_DEF_NONE) status = EXIT_FAIL;
    if (kinds[k] != ICS_DEF_FORM && kinds[k] != ICS_DEF_UNKNOWN) continue;
    ics_form *form = ics_form_load(files[k], cli_lang, &diags);
    if (!form) {
      status = EXIT_FAIL;
      continue;
    }
    forms[form_count++] = form;
    if (print_hash) printf("%s  %s\n", form->hash, files[k]);
    fprintf(stderr, cli_tr("%s: biểu mẫu '%s' phiên bản %s hợp lệ (%zu trường)\n",
                           "%s: form '%s' version %s is valid (%zu fields)\n"),
            files[k], form->id, form->version, form->field_count);
  }
  /* A targets file refers to forms: those not given are taken from the shipped ones. */
  ics_form *extra[SHIPPED_FORMS] = {0};
  size_t extra_count = 0;
  bool has_targets = false;
  for (size_t k = 0; k < file_count; k++) has_targets |= files[k] && kinds[k] == ICS_DEF_TARGETS;
  if (has_targets) {
    char *sdir = cli_definitions_dir();
    ics_errors ignored = {0};
    for (size_t s = 0; sdir && s < SHIPPED_FORMS; s++) {
      char *path = ics_path_join(sdir, shipped[s]);
      ics_form *form = path ? ics_form_load(path, cli_lang, &ignored) : NULL;
      ics_free(path);
      bool given = false;
      for (size_t k = 0; form && k < form_count; k++) given |= !strcmp(forms[k]->id, form->id);
      if (form && !given) extra[extra_count++] = form;
      else ics_form_free(form);
    }
    ics_errors_free(&ignored);
    ics_free(sdir);
  }
  const ics_form *all[MAX_FILES + SHIPPED_FORMS];
  size_t all_count = 0;
  for (size_t k = 0; k < form_count; k++) all[all_count++] = forms[k];
  for (size_t k = 0; k < extra_count; k++) all[all_count++] = extra[k];

  for (size_t k = 0; k < file_count; k++) {
    if (!files[k]) continue;
    if (kinds[k] == ICS_DEF_REGISTER) {
      ics_register *reg = ics_register_load(files[k], cli_lang, &diags);
      if (!reg) {
        status = EXIT_FAIL;
        continue;
      }
      fprintf(stderr, cli_tr("%s: danh mục '%s' hợp lệ (%zu huyện, %zu cơ quan)\n",
                             "%s: register '%s' is valid (%zu districts, %zu agencies)\n"),
              files[k], reg->id, reg->district_count, reg->agency_count);
      ics_register_free(reg);
    } else if (kinds[k] == ICS_DEF_TARGETS) {
      ics_targets *t = ics_targets_load(files[k], all, all_count, cli_lang, &diags);
      if (!t) {
        status = EXIT_FAIL;
        continue;
      }
      fprintf(stderr, cli_tr("%s: tệp chỉ tiêu '%s' hợp lệ (%zu chỉ tiêu)\n",
                             "%s: targets '%s' are valid (%zu indicators)\n"),
              files[k], t->id, t->indicator_count);
      ics_targets_free(t);
    }
  }
  cli_print_errors(&diags);
  if (diags.count || diags.dropped) status = EXIT_FAIL;
  ics_errors_free(&diags);
  for (size_t k = 0; k < form_count; k++) ics_form_free(forms[k]);
  for (size_t k = 0; k < extra_count; k++) ics_form_free(extra[k]);
  for (size_t k = 0; k < MAX_FILES; k++) ics_free(owned[k]);
  ics_free(dir);
  return status;
}
