/* xlsx_private.h (private) - the reader with its limits as parameters, so that tests can
 * reach each limit with a small file (tests/xlsx_dump.c); ics_xlsx_read and
 * ics_xlsx_read_memory use ICS_XLSX_DEFAULT_LIMITS. */
#ifndef ICS_XLSX_PRIVATE_H
#define ICS_XLSX_PRIVATE_H

#include "xlsx_reader.h"

typedef struct {
  unsigned long long part;     /* uncompressed bytes of one XML part */
  unsigned long long strings;  /* bytes of the shared strings, 8 more each */
  unsigned long long row_text; /* bytes of the texts of one row held (shared strings not) */
  unsigned cell;               /* characters of one text */
} ics_xlsx_limits;

/* a row's texts besides the shared strings: 16 cells of 32767 four-byte characters and more */
enum { ICS_XLSX_MAX_ROW_TEXT = 16 * 1024 * 1024 };

#define ICS_XLSX_DEFAULT_LIMITS                                                                 \
  ((ics_xlsx_limits){ICS_XLSX_MAX_PART, ICS_XLSX_MAX_STRINGS, ICS_XLSX_MAX_ROW_TEXT,            \
                     ICS_XLSX_MAX_CELL})

/* path: read the file; else data[0..len), called name in messages. */
int ics_xlsx_read_with(const char *path, const char *name, const void *data, size_t len,
                       const ics_xlsx_limits *limits, ics_lang lang, ics_xlsx_row_fn fn,
                       void *ctx, ics_error *err);

#endif
