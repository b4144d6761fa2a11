/* options.c - option matching and message printing shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

ics_lang cli_lang = ICS_VI;

const char *cli_tr(const char *vi, const char *en) { return cli_lang == ICS_EN ? en : vi; }

const char *cli_message(const char *error) {
  return error ? error : cli_tr("không đủ bộ nhớ: hãy đóng bớt chương trình khác rồi thử lại",
                                "out of memory: close other programs and try again");
}

void cli_error(const char *vi, const char *en, ...) {
  va_list ap;
  va_start(ap, en);
  fputs("ictsurvey: ", stderr);
  vfprintf(stderr, cli_tr(vi, en), ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_option_value(int argc, char **argv, int *i, const char *name, const char **value) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (strncmp(arg, name, n)) return 0;
  if (arg[n] == '=') {
    *value = arg + n + 1;
    return 1;
  }
  if (arg[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_error("tùy chọn %s cần một giá trị", "option %s needs a value", name);
    return -1;
  }
  *value = argv[++*i];
  return 1;
}

int cli_options_value(int argc, char **argv, int *i, const char *const *names,
                      const char **const *slots, size_t count) {
  for (size_t k = 0; k < count; k++) {
    int r = cli_option_value(argc, argv, i, names[k], slots[k]);
    if (r) return r;
  }
  return 0;
}

int cli_common_option(int argc, char **argv, int *i, const char *help_vi, const char *help_en) {
  const char *arg = argv[*i];
  if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
    fputs(cli_tr(help_vi, help_en), stdout);
    return EXIT_OK;
  }
  const char *value;
  int r = cli_option_value(argc, argv, i, "--lang", &value);
  if (r < 0) return EXIT_USAGE;
  if (r == 0) return -1;
  if (!ics_lang_parse(value, &cli_lang)) {
    cli_error("ngôn ngữ '%s' không có (chọn vi hoặc en)", "no language '%s' (choose vi or en)",
              value);
    return EXIT_USAGE;
  }
  return 3;
}

void cli_print_diags(const ics_diags *diags) {
  for (size_t i = 0; i < diags->count; i++) {
    char *line = ics_diag_format(&diags->items[i]);
    fprintf(stderr, "%s\n", line ? line : diags->items[i].message);
    ics_free(line);
  }
  if (diags->dropped && diags->count < ICS_DIAGS_MAX) /* not kept for want of memory */
    fprintf(stderr, "ictsurvey: %s\n", cli_message(NULL));
  else if (diags->dropped)
    fprintf(stderr, cli_tr("ictsurvey: và %zu lỗi khác không hiển thị\n",
                           "ictsurvey: and %zu more errors not shown\n"),
            diags->dropped);
}
