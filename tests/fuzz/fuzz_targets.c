/* fuzz_targets.c - libFuzzer target for the targets-file loader (ics_targets_parse), with the
 * three shipped forms its indicators are compiled against: any bytes must give targets or
 * diagnostics, never a crash, a leak or a hang. Loaded indicators are evaluated on an empty
 * record of their form, and their targets checked to be sorted exact fractions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_DEFINITIONS
#define FUZZ_DEFINITIONS "schema/definitions"
#endif

static const char *const form_names[] = {"school.yaml", "staff.yaml", "training_centre.yaml"};
static ics_form *forms[3];
static ics_record *empty[3];

static void setup(void) {
  for (int i = 0; i < 3; i++) {
    char *path = ics_path_join(FUZZ_DEFINITIONS, form_names[i]);
    ics_errors diags = {0};
    forms[i] = path ? ics_form_load(path, ICS_EN, &diags) : NULL;
    if (!forms[i]) {
      fprintf(stderr, "fuzz_targets: cannot load %s\n", path ? path : form_names[i]);
      abort();
    }
    empty[i] = ics_record_new(forms[i]);
    if (!empty[i]) abort();
    ics_errors_free(&diags);
    ics_free(path);
  }
}

static ics_value value(void *ctx, int field) { return ics_record_value(ctx, field); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!forms[0]) setup();
  ics_errors diags = {0};
  ics_targets *t = ics_targets_parse("fuzz.yaml", (const char *)data, size,
                                     (const ics_form *const *)forms, 3, ICS_EN, &diags);
  if (t) {
    if (diags.count) abort(); /* loaded, yet an error was reported */
    for (size_t i = 0; i < t->indicator_count; i++) {
      const ics_indicator *ind = &t->indicators[i];
      for (size_t k = 0; k < ind->target_count; k++)
        if (ind->targets[k].den <= 0 || (k && ind->targets[k - 1].year >= ind->targets[k].year))
          abort();
      ics_record *rec = NULL;
      for (int f = 0; f < 3; f++)
        if (ind->form == forms[f]) rec = empty[f];
      if (ind->form && !rec) abort(); /* a form other than those given */
      if (!rec) continue;
      ics_eval_env env = {.field_value = value, .ctx = rec};
      if (ind->where) ics_expr_eval(ind->where, &env);
      if (ind->numerator) ics_expr_eval(ind->numerator, &env);
      if (ind->denominator) ics_expr_eval(ind->denominator, &env);
    }
  } else if (!diags.count && !diags.dropped) {
    abort(); /* refused without saying why */
  }
  for (size_t i = 0; i < diags.count; i++) free(ics_error_format(&diags.items[i]));
  ics_targets_free(t);
  ics_errors_free(&diags);
  return 0;
}
