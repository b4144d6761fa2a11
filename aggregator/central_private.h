/* central_private.h (private) - what the parts of the aggregator share. */
#ifndef ICS_CENTRAL_PRIVATE_H
#define ICS_CENTRAL_PRIVATE_H

#include <sqlite3.h>

#include "aggregator.h"

struct ics_central {
  sqlite3 *db;
  char *path;
  ics_lang lang;
  bool has_key; /* the office's key pair, to open sealed bundles */
  unsigned char public_key[32], secret_key[32];
  bool not_central; /* opening found another kind of file (its message is set) */
  bool upgraded;    /* opening upgraded a database made before kits */
  bool allow_unsigned; /* format 1 bundles are merged (merge --allow-unsigned) */
};

/* Sets *error from the database's last error, in the central office's words; returns 1. */
int central_error(ics_central *c, char **error);
int central_exec(ics_central *c, const char *sql, char **error);
/* Whether a table has a column: 1 yes, 0 no (or no such table), -1 with *error (error may be
 * NULL). */
int central_has_column(ics_central *c, const char *table, const char *column, char **error);
/* The CREATE statements of a form's table of current records, and of one of its child tables
 * (select_multiple codes), appended to sql. */
void central_form_table_sql(ics_buf *sql, const char *form_id);
void central_child_table_sql(ics_buf *sql, const char *table);
/* ics_central_publish inside a transaction already open; stamp NULL: no kit (the shipped
 * definitions of a new database). */
int central_publish(ics_central *c, const ics_definitions *defs, const char *kit_content,
                    ics_kit_stamp *stamp, char **error);
/* The SQL condition that a record's form was published (`alias` names its table). */
#define CENTRAL_PUBLISHED(alias) alias ".form_hash IN (SELECT hash FROM published_forms)"

#endif
