/* fuzz_web_form.c - libFuzzer target for the parser of the bodies the pages of `collect
 * serve` post (ics_web_form_parse, form-encoded): every input is parsed or refused with a
 * known code; a parsed one has at most ICS_WEB_MAX_PAIRS pairs, each name and value valid
 * UTF-8 no longer than the input, and looking a name up finds its first value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ics_web_form form;
  ics_code st = ics_web_form_parse((const char *)data, size, &form);
  if (st != ICS_OK) {
    if ((st != ICS_E_SYNTAX && st != ICS_E_NOT_UTF8 && st != ICS_E_LIMIT && st != ICS_E_NO_MEMORY) ||
        form.count)
      abort();
    return 0;
  }
  if (form.count > ICS_WEB_MAX_PAIRS) abort();
  for (size_t i = 0; i < form.count; i++) {
    size_t bad, n = strlen(form.names[i]), v = strlen(form.values[i]);
    if (n > size || v > size || !ics_utf8_valid(form.names[i], n, &bad) ||
        !ics_utf8_valid(form.values[i], v, &bad))
      abort();
    const char *first = ics_web_form_get(&form, form.names[i]);
    if (!first) abort();
    size_t k = 0;
    while (strcmp(form.names[k], form.names[i])) k++;
    if (first != form.values[k]) abort();
  }
  ics_web_form_free(&form);
  return 0;
}
