/* setup.c - a new store from a folder of definitions: its forms and its unit register. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector_private.h"

int ics_store_create_from_dir(const char *path, const char *site, const char *surveyor, int round,
                              const char *dir, const unsigned char *central_key, ics_lang lang,
                              size_t *form_count, ics_errors *diags, ics_error *err) {
  size_t count = 0;
  *form_count = 0;
  errno = 0; /* ics_list_dir says ENOMEM when memory ran out */
  char **names = dir ? ics_list_dir(dir, ".yaml", &count) : NULL;
  if (!names) {
    if (errno == ENOMEM) ics_error_no_memory(err, lang); /* ics_list_dir's way to say it */
    else ics_error_say(err, lang, CMSG(C_FORMS_FOLDER), dir ? dir : "?");
    return -1;
  }
  const char **texts = ics_calloc(count + 1, sizeof *texts), **paths = ics_calloc(count + 1, sizeof *paths);
  char *reg_text = NULL, *reg_path = NULL;
  int rc = 0;
  if (!texts || !paths) {
    ics_error_no_memory(err, lang);
    rc = -1;
  }
  size_t before = diags->count + diags->dropped;
  for (size_t i = 0; !rc && i < count; i++) {
    char *file = ics_path_join(dir, names[i]);
    if (!file) {
      ics_error_no_memory(err, lang);
      rc = -1;
      break;
    }
    ics_errors ignored = {0}; /* other YAML files in the folder are not the collector's business */
    ics_def_kind kind = ics_definition_kind(file, lang, &ignored);
    bool no_memory = ics_errors_no_memory(&ignored, 0); /* never a form left out for want of it */
    ics_errors_free(&ignored);
    if (no_memory) {
      ics_free(file);
      ics_error_no_memory(err, lang);
      rc = -1;
      break;
    }
    if (kind == ICS_DEF_TARGETS || kind == ICS_DEF_NONE) {
      ics_free(file);
      continue;
    }
    char *text = NULL;
    size_t size;
    ics_code read = ics_read_file(file, ICS_DEF_MAX_BYTES, &text, &size);
    if (read != ICS_OK) {
      ics_free(file);
      if (read != ICS_E_NO_MEMORY) continue;
      ics_error_no_memory(err, lang); /* never a form left out for want of memory */
      rc = -1;
      break;
    }
    if (kind == ICS_DEF_REGISTER) {
      ics_register *reg = ics_register_parse(file, text, size, lang, diags);
      ics_register_free(reg);
      ics_free(reg_text);
      ics_free(reg_path);
      reg_text = text;
      reg_path = ics_strdup(names[i]);
      if (!reg_path) rc = -1;
    } else {
      ics_form *form = ics_form_parse(file, text, size, lang, diags);
      ics_form_free(form);
      texts[*form_count] = text;
      paths[*form_count] = ics_strdup(names[i]);
      if (!paths[(*form_count)++]) rc = -1;
    }
    ics_free(file);
    if (rc) ics_error_no_memory(err, lang);
  }
  if (!rc && diags->count + diags->dropped > before) {
    ics_error_say(err, lang, CMSG(C_DEFINITIONS_ERRORS), dir);
    rc = -1;
  }
  if (!rc && (!*form_count || !reg_text)) {
    ics_error_say(err, lang, CMSG(C_DEFINITIONS_MISSING), dir);
    rc = -1;
  }
  if (!rc) {
    ics_store_setup setup = {.site = site, .surveyor = surveyor, .round = round,
                             .form_texts = texts, .form_paths = paths, .form_count = *form_count,
                             .register_text = reg_text, .register_path = reg_path,
                             .central_key = central_key};
    rc = ics_store_create(path, &setup, lang, err);
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
                              const ics_kit *kit, ics_lang lang, ics_error *err) {
  if (round && round != kit->round) {
    ics_error_say(err, lang, CMSG(C_KIT_ROUND_OPTION), kit->round, round);
    return -1;
  }
  if (kit->prefill_store) { /* its records can be opened by their own store only */
    ics_error_say(err, lang, CMSG(C_KIT_PREFILL_INIT), kit->prefill_round, kit->prefill_store);
    return -1;
  }
  const char **texts = ics_calloc(kit->form_count + 1, sizeof *texts);
  char **paths = ics_calloc(kit->form_count + 1, sizeof *paths);
  int rc = 0;
  for (size_t i = 0; texts && paths && i < kit->form_count; i++) {
    texts[i] = kit->forms[i].text; /* NUL-terminated when read */
    ics_buf name = {0};
    ics_buf_printf(&name, "%s.yaml", kit->forms[i].id);
    if (!(paths[i] = ics_buf_take(&name))) rc = -1;
  }
  if (!texts || !paths || rc) {
    ics_error_no_memory(err, lang);
    rc = -1;
  } else {
    /* a rotation kit already names the office's next keys: a new store starts with those */
    ics_store_setup setup = {.site = site, .surveyor = surveyor, .round = kit->round,
                             .form_texts = texts, .form_paths = (const char *const *)paths,
                             .form_count = kit->form_count, .register_text = kit->register_text,
                             .register_path = "units.yaml",
                             .central_key = kit->has_next ? kit->next_seal_key : kit->seal_key,
                             .office_key = kit->has_next ? kit->next_signing_key : kit->signing_key,
                             .kit_sequence = kit->sequence, .kit_id = kit->kit_id};
    rc = ics_store_create(path, &setup, lang, err);
  }
  for (size_t i = 0; paths && i < kit->form_count; i++) ics_free(paths[i]);
  ics_free(paths);
  ics_free(texts);
  return rc;
}
