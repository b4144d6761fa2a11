/* aggregator.h - the central database: merging bundles exactly once (verified whole, one
 * transaction each, order-free, idempotent), and reading it back for status and CSV export.
 * The schema is documented in docs/central-db.md. */
#ifndef ICS_AGGREGATOR_H
#define ICS_AGGREGATOR_H

#include "ics_common.h"

typedef struct ics_central ics_central;

/* Opens (creating when absent) a central database. NULL with *error on failure (*error left
 * NULL when memory ran out). */
ics_central *ics_central_open(const char *path, ics_lang lang, char **error);
void ics_central_close(ics_central *c);

/* The central office's key pair (keys.h), to open sealed bundles; without it they are
 * rejected. The secret key is wiped by ics_central_close. */
void ics_central_use_key(ics_central *c, const unsigned char public_key[32],
                         const unsigned char secret_key[32]);
/* Whether bundles that are not sealed (and signed) are refused from now on; remembered in the
 * database. 0, or 1 with *error. */
int ics_central_require_sealed(ics_central *c, bool required, char **error);
/* 1 when the database refuses unsealed bundles, 0 when not, -1 with *error. */
int ics_central_requires_sealed(ics_central *c, char **error);

typedef struct {
  uint64_t bundles_merged, bundles_skipped, bundles_rejected;
  uint64_t records_new, records_updated, records_unchanged, records_voided, records_conflicting;
  uint64_t records_read; /* for progress */
} ics_merge_stats;

typedef enum { ICS_MERGED, ICS_ALREADY_MERGED, ICS_REJECTED, ICS_MERGE_ERROR } ics_merge_outcome;

/* Called now and then during a merge with the records read so far in this bundle. */
typedef void (*ics_merge_progress)(void *ctx, const ics_merge_stats *stats);

/* Merges one bundle. ICS_REJECTED: the bundle was refused, recorded in `rejected`, copied
 * to the quarantine folder, and *reason says why (caller frees): damaged, invalid, signed by
 * a key other than its store's earlier bundles, sealed without the key given, or not sealed
 * when the database requires it. ICS_MERGE_ERROR: the database itself failed (busy, disk
 * full); nothing of the bundle was written. */
ics_merge_outcome ics_central_merge(ics_central *c, const char *bundle_path, ics_merge_stats *stats,
                                    ics_merge_progress progress, void *progress_ctx, char **reason);

/* Writes the current records of a form as CSV (RFC 4180, UTF-8 with a byte-order mark,
 * formula-like cells escaped), ordered by natural key then instance_id. Personal fields only
 * when include_personal. Returns 0, or 1 with *error. */
int ics_central_export_csv(ics_central *c, const char *form_id, const char *path,
                           bool include_personal, char **error);

/* Writes the completeness report of `ictsurvey status` to out (a FILE*). */
int ics_central_status(ics_central *c, void *out, char **error);

/* The SQLite handle, for the reports part (read only use). */
struct sqlite3 *ics_central_db(ics_central *c);

#endif
