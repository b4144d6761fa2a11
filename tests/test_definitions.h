/* test_definitions.h - where the C tests and fuzz targets find the shipped definitions: the
 * libraries are given a folder by their caller, and here the caller is the test. */
#ifndef ICS_TEST_DEFINITIONS_H
#define ICS_TEST_DEFINITIONS_H

#include <stdlib.h>

#include "ics_common.h"
#include "schema.h"

/* $ICTSURVEY_DEFINITIONS (meson test sets it), else ./schema/definitions (run from the
 * repository, as scripts/fuzz.sh does). Caller frees. */
static char *test_definitions_dir(void) {
  const char *env = getenv("ICTSURVEY_DEFINITIONS");
  return ics_strdup(env && *env ? env : "schema/definitions");
}

/* A shipped form (e.g. "staff.yaml") and the unit register, loaded in English; aborts when
 * either is missing (ICTSURVEY_DEFINITIONS must point at the definitions). */
static inline void test_load_shipped(const char *form_file, ics_form **form, ics_register **reg) {
  char *dir = test_definitions_dir();
  char *form_path = ics_path_join(dir, form_file);
  char *reg_path = ics_path_join(dir, "units.yaml");
  ics_errors diags = {0};
  *form = form_path ? ics_form_load(form_path, ICS_EN, &diags) : NULL;
  *reg = reg_path ? ics_register_load(reg_path, ICS_EN, &diags) : NULL;
  ics_errors_free(&diags);
  ics_free(form_path);
  ics_free(reg_path);
  ics_free(dir);
  if (!*form || !*reg) abort();
}

#endif
