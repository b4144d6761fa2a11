/* central_schema.h - the names of the central database's tables of current records, made in
 * this one place for the aggregator that creates and writes them and for whoever reads them
 * (the reports, an analyst's query: docs/central-db.md).
 *
 *   form_ID          one row per current record of form ID, a column per field
 *   form_ID__FIELD   the codes of the select_multiple field FIELD, one row each
 *   form_ID_by_key   the index by round and natural key that de-duplication walks
 *
 * Form ids and field names are the identifiers the form loader accepts ([a-z][a-z0-9_]*, at
 * most ICS_NAME_MAX bytes, no "__" in a form id), so the names need no quoting beyond SQL's
 * double quotes and always fit in ICS_CENTRAL_NAME_MAX bytes. */
#ifndef ICS_CENTRAL_SCHEMA_H
#define ICS_CENTRAL_SCHEMA_H

#include <stddef.h>

#include "schema.h"

/* Room for any of the names below, the final NUL included. */
enum { ICS_CENTRAL_NAME_MAX = 2 * ICS_NAME_MAX + 16 };

/* Each writes the name into buf[0..cap) and returns 0, or -1 (buf holding "") when it does not
 * fit: never for names the form loader accepted and cap >= ICS_CENTRAL_NAME_MAX. */
int ics_central_form_table(char *buf, size_t cap, const char *form_id);
int ics_central_child_table(char *buf, size_t cap, const char *form_id, const char *field);
int ics_central_key_index(char *buf, size_t cap, const char *form_id);

/* The SQL condition that a row's record was made with a form the office published (`alias`
 * names its table, which has a form_hash column: form_ID or revisions). Rows of forms never
 * published are kept but count for nothing (docs/central-db.md). */
#define ICS_CENTRAL_PUBLISHED(alias) alias ".form_hash IN (SELECT hash FROM published_forms)"

#endif
