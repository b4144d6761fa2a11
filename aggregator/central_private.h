/* central_private.h (private) - what the parts of the aggregator share. Its functions are
 * called from several files of the library, so they cannot be static: like every external
 * symbol of ictsurvey they carry the ics_ prefix, ics_central_ as the public ones do, and are
 * declared only here. */
#ifndef ICS_CENTRAL_PRIVATE_H
#define ICS_CENTRAL_PRIVATE_H

#include <sqlite3.h>
#include <stdarg.h>

#include "aggregator.h"
#include "aggregator_messages.h"
#include "central_schema.h"

/* The page cache of a database opened for writing (PRAGMA cache_size: negative, KiB). */
#define ICS_CENTRAL_CACHE "-32768"

struct ics_central {
  sqlite3 *db;
  char *path;
  ics_lang lang;
  bool has_key; /* the office's key pair, to open sealed bundles */
  unsigned char public_key[32], secret_key[32];
  bool upgraded;       /* opening upgraded a database made before kits */
  bool allow_unsigned; /* format 1 bundles are merged (merge --allow-unsigned) */
  bool batch;          /* between ics_central_merge_begin and _end */
  char **deferred;     /* the forms whose index by natural key waits for ics_central_merge_end */
  size_t deferred_count;
  char merged_store[64]; /* the store of the bundle ics_central_merge merged last (or found merged) */
};

/* The library's messages (aggregator_messages.h), one table for all its files. */
typedef enum { ICS_AGGREGATOR_MESSAGES(ICS_MESSAGE_ID) AG_MESSAGE_COUNT } ics_aggregator_message;
extern const ics_message ics_aggregator_messages[AG_MESSAGE_COUNT];

/* Says message `id` in the database's language; returns -1. */
int ics_central_say(ics_central *c, ics_error *err, ics_aggregator_message id, ...);
/* The same with another code than the table's (an answer's own, a file's errno). */
int ics_central_say_as(ics_central *c, ics_error *err, ics_code code, ics_aggregator_message id, ...);
/* Both, given a va_list; code ICS_OK: the table's. */
void ics_central_vsay(ics_central *c, ics_error *err, ics_code code, ics_aggregator_message id,
                      va_list ap);
/* Says that memory ran out (without allocating); returns -1. */
int ics_central_no_memory(ics_central *c, ics_error *err);
/* The database's last error, in the central office's words and with the code of
 * ics_central_sqlite_code; returns -1. */
int ics_central_sql_error(ics_central *c, ics_error *err);
/* Runs SQL statements without results; 0 or -1 with *err. */
int ics_central_exec(ics_central *c, const char *sql, ics_error *err);
/* Whether a table has a column (false when there is no such table); 0 or -1 with *err. */
int ics_central_has_column(ics_central *c, const char *table, const char *column, bool *has,
                           ics_error *err);
/* The CREATE statements of a form's table of current records, of its index by natural key,
 * and of one of its child tables, appended to sql. */
void ics_central_form_table_sql(ics_buf *sql, const char *form_id);
void ics_central_key_index_sql(ics_buf *sql, const char *form_id);
void ics_central_child_table_sql(ics_buf *sql, const char *form_id, const char *field);
/* Whether `table` is a form's table or one of its child tables: the form's id in form_id, and
 * in *field the select_multiple field of a child table (NULL for the form's own table). */
bool ics_central_form_of_table(const char *table, char form_id[ICS_CENTRAL_NAME_MAX],
                               const char **field);
/* ics_central_publish inside a transaction already open; stamp NULL: no kit (the shipped
 * definitions of a new database). */
int ics_central_publish_in(ics_central *c, const ics_definitions *defs, const char *kit_content,
                           ics_kit_stamp *stamp, ics_error *err);

#endif
