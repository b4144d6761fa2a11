/* test_definitions.h - where the C tests and fuzz targets find the shipped definitions: the
 * libraries are given a folder by their caller, and here the caller is the test. */
#ifndef ICS_TEST_DEFINITIONS_H
#define ICS_TEST_DEFINITIONS_H

#include <stdlib.h>

#include "ics_common.h"

/* $ICTSURVEY_DEFINITIONS (meson test sets it), else ./schema/definitions (run from the
 * repository, as scripts/fuzz.sh does). Caller frees. */
static char *test_definitions_dir(void) {
  const char *env = getenv("ICTSURVEY_DEFINITIONS");
  return ics_strdup(env && *env ? env : "schema/definitions");
}

#endif
