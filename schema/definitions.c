/* definitions.c - telling definition files apart and finding the shipped ones. */
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#ifndef ICS_DATADIR
#define ICS_DATADIR "/usr/local/share/ictsurvey"
#endif

ics_def_kind ics_definition_kind(const char *path, ics_lang lang, ics_diags *diags) {
  ics_arena *arena = ics_arena_new();
  if (!arena) return ICS_DEF_UNKNOWN;
  ics_diags ignored = {0};
  loader ld = {.path = path, .lang = ICS_EN, .diags = &ignored, .arena = arena};
  const ynode *root = ld_open(&ld, NULL, 0, NULL, NULL);
  ics_def_kind kind = ICS_DEF_UNKNOWN;
  if (root && root->kind == YN_MAPPING) {
    if (yd_get(root, "form")) kind = ICS_DEF_FORM;
    else if (yd_get(root, "register") || yd_get(root, "districts")) kind = ICS_DEF_REGISTER;
    else if (yd_get(root, "targets") || yd_get(root, "indicators")) kind = ICS_DEF_TARGETS;
  }
  if (root && kind == ICS_DEF_UNKNOWN) {
    kind = ICS_DEF_NONE;
    ics_diags_add(diags, path, root->line, root->column, "%s", ics_msg(M_NOT_A_DEFINITION, lang));
  }
  ics_diags_free(&ignored);
  ics_arena_free(arena);
  return kind;
}

char *ics_definitions_dir(void) {
  const char *env = getenv("ICTSURVEY_DEFINITIONS");
  if (env && *env) return ics_strdup(env);
  if (ics_path_is_dir("schema/definitions")) return ics_strdup("schema/definitions");
  return ics_strdup(ICS_DATADIR "/definitions");
}
