/* test_forms.h - for the C tests of the schema: a shipped form, loaded and checked. */
#ifndef ICS_TEST_FORMS_H
#define ICS_TEST_FORMS_H

#include <stdio.h>

#include "schema.h"
#include "test.h"
#include "test_definitions.h"

/* The shipped definition `name` (e.g. "staff.yaml"), its diagnostics printed; NULL counts as a
 * failed check. */
static ics_form *load_form(const char *name) {
  char *dir = test_definitions_dir();
  char *path = ics_path_join(dir, name);
  ics_errors diags = {0};
  ics_form *form = ics_form_load(path, ICS_EN, &diags);
  for (size_t i = 0; i < diags.count; i++) fprintf(stderr, "%s\n", diags.items[i].message);
  CHECK(form != NULL);
  ics_errors_free(&diags);
  ics_free(path);
  ics_free(dir);
  return form;
}

/* A form from text, its diagnostics printed; NULL counts as a failed check. */
static inline ics_form *parse_form(const char *name, const char *text, size_t len) {
  ics_errors diags = {0};
  ics_form *form = ics_form_parse(name, text, len, ICS_EN, &diags);
  for (size_t i = 0; i < diags.count; i++) fprintf(stderr, "%s\n", diags.items[i].message);
  ics_errors_free(&diags);
  CHECK(form != NULL);
  return form;
}

#endif
