/* definitions.c - telling definition files apart and loading a folder of them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

ics_def_kind ics_definition_kind(const char *path, ics_lang lang, ics_errors *diags) {
  ics_arena *arena = ics_arena_new();
  if (!arena) {
    ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
    return ICS_DEF_NONE;
  }
  ics_errors ignored = {0};
  loader ld = {.path = path, .lang = ICS_EN, .diags = &ignored, .arena = arena};
  const ynode *root = ics_ld_open(&ld, NULL, 0, NULL, NULL);
  ics_def_kind kind = ICS_DEF_UNKNOWN;
  if (root && root->kind == YN_MAPPING) {
    if (ics_yd_get(root, "form")) kind = ICS_DEF_FORM;
    else if (ics_yd_get(root, "register") || ics_yd_get(root, "districts")) kind = ICS_DEF_REGISTER;
    else if (ics_yd_get(root, "targets") || ics_yd_get(root, "indicators")) kind = ICS_DEF_TARGETS;
  }
  if (root && kind == ICS_DEF_UNKNOWN) {
    kind = ICS_DEF_NONE;
    ics_errors_say(diags, lang, path, root->line, root->column, MSG(M_NOT_A_DEFINITION));
  } else if (ics_errors_no_memory(&ignored, 0)) { /* not read, rather than read as a form */
    kind = ICS_DEF_NONE;
    ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
  }
  ics_errors_free(&ignored);
  ics_arena_free(arena);
  return kind;
}

/* ---- a folder of definitions ---------------------------------------------------------------- */
static int compare_forms(const void *a, const void *b) {
  return strcmp((*(ics_form *const *)a)->id, (*(ics_form *const *)b)->id);
}

int ics_definitions_load(const char *dir, ics_lang lang, ics_definitions *out, ics_errors *diags) {
  memset(out, 0, sizeof *out);
  size_t count = 0, before = diags->count + diags->dropped;
  char **names = ics_list_dir(dir, ".yaml", &count);
  if (!names) {
    bool oom = errno == ENOMEM; /* ours or the C library's */
    ics_errors_say(diags, lang, dir, 0, 0, MSG(oom ? M_NO_MEMORY : M_DIR_UNREADABLE));
    return 1;
  }
  char *reg_name = NULL, *targets_name = NULL;
  char *targets_file = NULL;
  for (size_t i = 0; i < count; i++) {
    char *file = ics_path_join(dir, names[i]);
    ics_def_kind kind = file ? ics_definition_kind(file, lang, diags) : ICS_DEF_UNKNOWN;
    if (!file) {
      ics_errors_say(diags, lang, dir, 0, 0, MSG(M_NO_MEMORY));
    } else if (kind == ICS_DEF_REGISTER || kind == ICS_DEF_TARGETS) {
      char **name = kind == ICS_DEF_REGISTER ? &reg_name : &targets_name;
      if (*name) {
        ics_errors_say(diags, lang, file, 1, 1, MSG(M_DIR_TWICE),
                      ics_msg(kind == ICS_DEF_REGISTER ? M_WHAT_REGISTER : M_WHAT_TARGETS, lang),
                      *name, names[i]);
      } else if (kind == ICS_DEF_REGISTER) {
        reg_name = names[i];
        char *text = NULL;
        size_t size = 0;
        ics_code st = ics_read_file(file, ICS_DEF_MAX_BYTES, &text, &size);
        out->reg = st == ICS_OK ? ics_register_parse(file, text, size, lang, diags)
                                     : ics_register_load(file, lang, diags); /* says why */
        if (out->reg) {
          out->register_text = text;
          out->register_len = size;
        } else {
          ics_free(text);
        }
      } else {
        targets_name = names[i];
        targets_file = file; /* read once the forms are known */
        file = NULL;
      }
    } else if (kind == ICS_DEF_FORM || kind == ICS_DEF_UNKNOWN) {
      ics_form *form = ics_form_load(file, lang, diags);
      ics_form **grown = form ? ics_realloc(out->forms, (out->form_count + 1) * sizeof *grown) : NULL;
      if (form && !grown) ics_errors_say(diags, lang, file, 0, 0, MSG(M_NO_MEMORY));
      for (size_t k = 0; grown && k < out->form_count; k++)
        if (!strcmp(grown[k]->id, form->id)) {
          char what[ICS_NAME_MAX + 32];
          snprintf(what, sizeof what, ics_msg(M_WHAT_FORM_ID, lang), form->id);
          ics_errors_say(diags, lang, file, 1, 1, MSG(M_DIR_TWICE), what, grown[k]->path, file);
        }
      if (grown) {
        out->forms = grown;
        out->forms[out->form_count++] = form;
      } else {
        ics_form_free(form);
      }
    }
    ics_free(file);
  }
  if (out->form_count) qsort(out->forms, out->form_count, sizeof *out->forms, compare_forms);
  if (targets_file && out->form_count) {
    char *text = NULL;
    size_t size = 0;
    ics_code st = ics_read_file(targets_file, ICS_DEF_MAX_BYTES, &text, &size);
    out->targets = ics_targets_parse(targets_file, st == ICS_OK ? text : NULL,
                                     st == ICS_OK ? size : 0,
                                     (const ics_form *const *)out->forms, out->form_count, lang, diags);
    if (out->targets) {
      out->targets_text = text;
      out->targets_len = size;
    } else {
      ics_free(text);
    }
  }
  ics_free(targets_file);
  static const schema_message missing[] = {M_WHAT_FORMS, M_WHAT_REGISTER, M_WHAT_TARGETS};
  bool absent[] = {!out->form_count, !reg_name, !targets_name};
  for (int k = 0; k < 3; k++)
    if (absent[k] && diags->count + diags->dropped == before)
      ics_errors_say(diags, lang, dir, 0, 0, MSG(M_DIR_MISSING), ics_msg(missing[k], lang));
  for (size_t i = 0; i < count; i++) ics_free(names[i]);
  ics_free(names);
  /* memory ran out somewhere (a file's kind could not be told, a loader failed): say so
   * first, rather than let the errors it caused look like mistakes in the definitions */
  if (ics_errors_no_memory(diags, before)) {
    if (!before) ics_errors_free(diags); /* the caller's own diagnostics stay */
    ics_errors_say(diags, lang, dir, 0, 0, MSG(M_NO_MEMORY));
  }
  if (diags->count + diags->dropped > before || !out->reg || !out->targets) {
    ics_definitions_free(out);
    return 1;
  }
  return 0;
}

void ics_definitions_free(ics_definitions *defs) {
  for (size_t i = 0; i < defs->form_count; i++) ics_form_free(defs->forms[i]);
  ics_free(defs->forms);
  ics_register_free(defs->reg);
  ics_free(defs->register_text);
  ics_targets_free(defs->targets);
  ics_free(defs->targets_text);
  memset(defs, 0, sizeof *defs);
}
