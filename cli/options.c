/* options.c - option matching and message printing shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "keys.h"

ics_lang cli_lang = ICS_VI;

const char *cli_tr(const char *vi, const char *en) { return cli_lang == ICS_EN ? en : vi; }

const char *cli_no_memory_text(void) {
  return cli_tr("không đủ bộ nhớ: hãy đóng bớt chương trình khác rồi thử lại",
                "out of memory: close other programs and try again");
}

/* One message line: formatted, then every control character in it escaped, so that a file
 * name or a text from a bundle can neither start a forged line nor move the cursor. */
static void print_line(const char *prefix, const char *fmt, va_list ap) {
  ics_buf text = {0}, safe = {0};
  ics_buf_vprintf(&text, fmt, ap);
  if (!text.failed) ics_escape_controls(&safe, text.data, text.len);
  const char *line = safe.failed || text.failed ? cli_no_memory_text() : safe.data ? safe.data : "";
  fprintf(stderr, "%s%s\n", prefix, line);
  ics_buf_free(&text);
  ics_buf_free(&safe);
}

void cli_error(const char *vi, const char *en, ...) {
  va_list ap;
  va_start(ap, en);
  print_line("ictsurvey: ", cli_tr(vi, en), ap);
  va_end(ap);
}

void cli_out_of_memory(void) { fprintf(stderr, "ictsurvey: %s\n", cli_no_memory_text()); }

void cli_note(const char *vi, const char *en, ...) {
  va_list ap;
  va_start(ap, en);
  print_line("", cli_tr(vi, en), ap);
  va_end(ap);
}

void cli_print_error(const ics_error *err) {
  if (err->code == ICS_E_NO_MEMORY && err->fixed_text) { /* the library could say no more */
    cli_out_of_memory();
    return;
  }
  const char *message = err->message ? err->message : ics_code_text(err->code, cli_lang);
  if (err->file) {
    char *line = ics_error_format(err);
    cli_note("%s", "%s", line ? line : message);
    ics_free(line);
  } else {
    cli_error("%s", "%s", message);
  }
}

void cli_office_fingerprint(const unsigned char signing_key[32]) {
  char fingerprint[ICS_FINGERPRINT_SIZE];
  ics_key_fingerprint(signing_key, fingerprint);
  cli_note("Dấu vân tay của Sở: %s (đọc lại cho Sở qua điện thoại: phải trùng khớp)",
           "Office fingerprint: %s (read it back to the office over the phone: it must be the same)",
           fingerprint);
}

/* Whether output is input itself, or the name SQLite gives input's journal files (INPUT-wal,
 * -shm, -journal) in input's folder, whether or not they exist now: a workbook written there
 * would be taken for the database's journal. */
static bool names_input(const char *output, const char *input) {
  if (ics_same_file(output, input)) return true;
  static const char *const journals[] = {"-wal", "-shm", "-journal"};
  char *real = ics_path_resolve(input); /* SQLite names journals after the file it opens */
  if (real) input = real;
  const char *out_base, *in_base;
  char *out_dir = ics_path_dir(output, &out_base), *in_dir = ics_path_dir(input, &in_base);
  bool same = false;
  size_t n = strlen(in_base);
  if (out_dir && in_dir && !strncmp(out_base, in_base, n) && ics_same_file(out_dir, in_dir))
    for (size_t j = 0; j < sizeof journals / sizeof *journals; j++)
      if (!strcmp(out_base + n, journals[j])) same = true;
  ics_free(out_dir);
  ics_free(in_dir);
  ics_free(real);
  return same;
}

int cli_check_output(const char *output, ics_file_kind writes, bool force,
                     const char *const *inputs, size_t input_count) {
  for (size_t i = 0; i < input_count; i++)
    if (inputs[i] && names_input(output, inputs[i])) {
      cli_error("'%s' cũng là tệp đầu vào của lệnh này ('%s'): ghi vào đó sẽ làm mất nó; hãy chọn "
                "tên tệp khác cho -o",
                "'%s' is also an input of this command ('%s'): writing it would destroy it; "
                "choose another name for -o",
                output, inputs[i]);
      return EXIT_FAIL;
    }
  ics_file_kind kind = ics_file_sniff(output);
  if (kind == ICS_FILE_UNREADABLE) {
    cli_error("'%s' đã có nhưng không đọc được (%s): không thay nó", "'%s' exists but cannot be read (%s): it is not replaced",
              output, ics_errno_text(errno, cli_lang));
    return EXIT_FAIL;
  }
  if (kind == ICS_FILE_SPECIAL) {
    cli_error("'%s' là %s; hãy cho -o một tên tệp", "'%s' is %s; give -o a file name", output,
              ics_file_kind_name(kind, cli_lang));
    return EXIT_FAIL;
  }
  if (!force && kind != ICS_FILE_NONE && kind != ICS_FILE_EMPTY && kind != writes) {
    cli_error("'%s' đã có và là %s, lệnh này sẽ ghi đè nó; hãy chọn tên tệp khác, hoặc thêm "
              "--force nếu thật sự muốn thay nó",
              "'%s' exists and is %s, which this command would overwrite; choose another file "
              "name, or add --force if you really mean to replace it",
              output, ics_file_kind_name(kind, cli_lang));
    return EXIT_FAIL;
  }
  return 0;
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

void cli_scan_lang(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *value = NULL;
    if (!strcmp(argv[i], "--lang") && i + 1 < argc) value = argv[++i];
    else if (!strncmp(argv[i], "--lang=", 7)) value = argv[i] + 7;
    if (value) (void)ics_lang_parse(value, &cli_lang); /* a bad one: its option says so */
  }
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

void cli_print_errors(const ics_errors *diags) {
  for (size_t i = 0; i < diags->count; i++) {
    char *line = ics_error_format(&diags->items[i]);
    cli_note("%s", "%s", line ? line : diags->items[i].message);
    ics_free(line);
  }
  if (diags->no_memory) /* some not kept for want of memory */
    cli_out_of_memory();
  else if (diags->dropped)
    fprintf(stderr, cli_tr("ictsurvey: và %zu lỗi khác không hiển thị\n",
                           "ictsurvey: and %zu more errors not shown\n"),
            diags->dropped);
}
