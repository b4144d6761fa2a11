/* aggregator.h - the central database: merging bundles exactly once (verified whole, one
 * transaction each, order-free, idempotent), and reading it back for status and CSV export.
 * The schema is documented in docs/central-db.md. */
#ifndef ICS_AGGREGATOR_H
#define ICS_AGGREGATOR_H

#include "ics_common.h"
#include "schema.h"

typedef struct ics_central ics_central;

/* Only what the office published means anything here: the forms (id, version and content
 * hash), the unit register and the targets. A new database, or one made before kits, starts
 * with `initial` published, else the definitions in `initial_dir` (the shipped ones: read
 * only then), else none (cli.md, "Survey kits"). */
typedef struct {
  const ics_definitions *initial;
  const char *initial_dir;
  bool must_exist; /* refuse to create the database */
  bool reading;    /* status, export, report: a small page cache (merges keep a large one) */
} ics_central_options;

/* Opens (creating when absent) a central database, upgrading one made by an earlier version.
 * NULL with *error on failure (*error left NULL when memory ran out). */
ics_central *ics_central_open(const char *path, const ics_central_options *options, ics_lang lang,
                              char **error);
void ics_central_close(ics_central *c);
/* Whether opening upgraded a database made before kits. */
bool ics_central_upgraded(const ics_central *c);

/* The kit that carries what was published: the last one again when nothing changed. */
typedef struct {
  uint64_t sequence; /* 1, 2, ...: a newer kit has a larger one */
  char kit_id[37];
  char created[21];
  bool is_new;
} ics_kit_stamp;

/* Publishes the definitions for a kit of `round` signed with `keys` (a text naming the
 * office's public keys, recorded with the kit), in one transaction. Publishing the same again
 * changes nothing; a form whose id and version were published with another content is
 * refused, and nothing is published. 0, or 1 with *error. */
int ics_central_publish(ics_central *c, const ics_definitions *defs, int round, const char *keys,
                        ics_kit_stamp *stamp, char **error);

/* The central office's key pair (keys.h), to open sealed bundles; without it they are
 * rejected. The secret key is wiped by ics_central_close. */
void ics_central_use_key(ics_central *c, const unsigned char public_key[32],
                         const unsigned char secret_key[32]);
/* Whether unsigned (format 1) bundles are merged in this session: by default they are refused,
 * since anyone can write one in any store's name (docs/security.md). */
void ics_central_allow_unsigned(ics_central *c, bool allowed);
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
