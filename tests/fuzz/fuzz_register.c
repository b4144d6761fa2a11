/* fuzz_register.c - libFuzzer target for the unit-register loader. */
#include <stdint.h>

#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ics_errors diags = {0};
  ics_register *reg = ics_register_parse("fuzz.yaml", (const char *)data, size, ICS_EN, &diags);
  ics_register_free(reg);
  ics_errors_free(&diags);
  return 0;
}
