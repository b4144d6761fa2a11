/* setup.c - a new store from a folder of definitions: its forms and its unit register. */
#include <stdio.h>
#include <string.h>

#include "collector.h"

static int set_error(char **error, ics_lang lang, const char *vi, const char *en, const char *arg) {
  ics_buf b = {0};
  ics_buf_printf(&b, lang == ICS_EN ? en : vi, arg);
  ics_free(*error);
  *error = ics_buf_take(&b);
  return 1;
}

int ics_store_create_from_dir(const char *path, const char *site, const char *surveyor, int round,
                              const char *dir, const unsigned char *central_key, ics_lang lang,
                              size_t *form_count, ics_errors *diags, char **error) {
  size_t count = 0;
  *form_count = 0;
  char **names = dir ? ics_list_dir(dir, ".yaml", &count) : NULL;
  if (!names)
    return set_error(error, lang, "không đọc được thư mục biểu mẫu '%s'", "cannot read the forms folder '%s'",
                     dir ? dir : "?");
  const char **texts = ics_calloc(count + 1, sizeof *texts), **paths = ics_calloc(count + 1, sizeof *paths);
  char *reg_text = NULL, *reg_path = NULL;
  int rc = texts && paths ? 0 : 1;
  size_t before = diags->count + diags->dropped;
  for (size_t i = 0; !rc && i < count; i++) {
    char *file = ics_path_join(dir, names[i]);
    ics_errors ignored = {0}; /* other YAML files in the folder are not the collector's business */
    ics_def_kind kind = file ? ics_definition_kind(file, lang, &ignored) : ICS_DEF_UNKNOWN;
    ics_errors_free(&ignored);
    char *text = NULL;
    size_t size;
    if (kind == ICS_DEF_TARGETS || kind == ICS_DEF_NONE ||
        ics_read_file(file, ICS_DEF_MAX_BYTES, &text, &size) != ICS_OK) {
      ics_free(file);
      continue;
    }
    if (kind == ICS_DEF_REGISTER) {
      ics_register *reg = ics_register_parse(file, text, size, lang, diags);
      ics_register_free(reg);
      ics_free(reg_text);
      ics_free(reg_path);
      reg_text = text;
      reg_path = ics_strdup(names[i]);
    } else {
      ics_form *form = ics_form_parse(file, text, size, lang, diags);
      ics_form_free(form);
      texts[*form_count] = text;
      paths[(*form_count)++] = ics_strdup(names[i]);
    }
    ics_free(file);
  }
  if (!rc && diags->count + diags->dropped > before)
    rc = set_error(error, lang, "các định nghĩa trong '%s' có lỗi (xem trên)",
                   "the definitions in '%s' have errors (see above)", dir);
  if (!rc && (!*form_count || !reg_text))
    rc = set_error(error, lang, "thư mục '%s' phải có các biểu mẫu và danh mục đơn vị (units.yaml)",
                   "the folder '%s' must hold the forms and the unit register (units.yaml)", dir);
  if (!rc) {
    ics_store_setup setup = {.site = site, .surveyor = surveyor, .round = round,
                             .form_texts = texts, .form_paths = paths, .form_count = *form_count,
                             .register_text = reg_text, .register_path = reg_path,
                             .central_key = central_key};
    rc = ics_store_create(path, &setup, lang, error);
  }
  for (size_t i = 0; texts && i < *form_count; i++) {
    ics_free((char *)texts[i]);
    ics_free((char *)paths[i]);
  }
  ics_free(texts);
  ics_free(paths);
  ics_free(reg_text);
  ics_free(reg_path);
  for (size_t i = 0; i < count; i++) ics_free(names[i]);
  ics_free(names);
  return rc;
}

int ics_store_create_from_kit(const char *path, const char *site, const char *surveyor, int round,
                              const ics_kit *kit, ics_lang lang, char **error) {
  if (round && round != kit->round) {
    ics_buf b = {0};
    ics_buf_printf(&b, lang == ICS_EN ? "the kit is for round %d, not %d: leave out --round"
                                      : "bộ biểu mẫu dành cho đợt %d, không phải %d: hãy bỏ --round",
                   kit->round, round);
    ics_free(*error);
    *error = ics_buf_take(&b);
    return 1;
  }
  const char **texts = ics_calloc(kit->form_count + 1, sizeof *texts);
  char **paths = ics_calloc(kit->form_count + 1, sizeof *paths);
  int rc = 0;
  for (size_t i = 0; texts && paths && i < kit->form_count; i++) {
    texts[i] = kit->forms[i].text; /* NUL-terminated when read */
    ics_buf name = {0};
    ics_buf_printf(&name, "%s.yaml", kit->forms[i].id);
    if (!(paths[i] = ics_buf_take(&name))) rc = 1;
  }
  if (!texts || !paths || rc) {
    rc = set_error(error, lang, "không đủ bộ nhớ%s", "out of memory%s", "");
  } else {
    /* a rotation kit already names the office's next keys: a new store starts with those */
    ics_store_setup setup = {.site = site, .surveyor = surveyor, .round = kit->round,
                             .form_texts = texts, .form_paths = (const char *const *)paths,
                             .form_count = kit->form_count, .register_text = kit->register_text,
                             .register_path = "units.yaml",
                             .central_key = kit->has_next ? kit->next_seal_key : kit->seal_key,
                             .office_key = kit->has_next ? kit->next_signing_key : kit->signing_key,
                             .kit_sequence = kit->sequence, .kit_id = kit->kit_id};
    rc = ics_store_create(path, &setup, lang, error);
  }
  for (size_t i = 0; paths && i < kit->form_count; i++) ics_free(paths[i]);
  ics_free(paths);
  ics_free(texts);
  return rc;
}
