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
};

/* Sets *error from the database's last error, in the central office's words; returns 1. */
int central_error(ics_central *c, char **error);
int central_exec(ics_central *c, const char *sql, char **error);

#endif
