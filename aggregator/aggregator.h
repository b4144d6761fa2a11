/* aggregator.h - the central database: publishing the office's definitions, merging bundles
 * exactly once (verified whole, one transaction each, order-free, idempotent), and reading it
 * back for status and CSV export. The schema is documented in docs/central-db.md; the names
 * of its tables of records are made by central_schema.h.
 *
 * Functions that can fail take `ics_error *err` last (it may be NULL) and return 0, or -1
 * with *err set (ics_central_open: NULL); messages are in the language given to
 * ics_central_open. */
#ifndef ICS_AGGREGATOR_H
#define ICS_AGGREGATOR_H

#include <stdio.h>

#include "ics_common.h"
#include "schema.h"

struct sqlite3;
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
 * A file of another kind (a store, another SQLite file) is refused (ICS_E_WRONG_KIND), and a
 * database this call created is removed again when opening fails. */
ics_central *ics_central_open(const char *path, const ics_central_options *options, ics_lang lang,
                              ics_error *err);
void ics_central_close(ics_central *c); /* NULL is fine */
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
 * refused (ICS_E_CONFLICT), and nothing is published. */
int ics_central_publish(ics_central *c, const ics_definitions *defs, int round, const char *keys,
                        ics_kit_stamp *stamp, ics_error *err);

/* The central office's key pair (keys.h), to open sealed bundles; without it they are
 * rejected. The secret key is wiped by ics_central_close. */
void ics_central_use_key(ics_central *c, const unsigned char public_key[32],
                         const unsigned char secret_key[32]);
/* Whether unsigned (format 1) bundles are merged in this session: by default they are refused,
 * since anyone can write one in any store's name (docs/security.md). */
void ics_central_allow_unsigned(ics_central *c, bool allowed);
/* Whether bundles that are not sealed (and signed) are refused from now on; remembered in the
 * database. */
int ics_central_require_sealed(ics_central *c, bool required, ics_error *err);
/* Whether the database refuses unsealed bundles, in *required. */
int ics_central_requires_sealed(ics_central *c, bool *required, ics_error *err);

typedef struct {
  uint64_t bundles_merged, bundles_skipped, bundles_rejected;
  uint64_t records_new, records_updated, records_unchanged, records_voided, records_conflicting;
  uint64_t records_read; /* for progress */
} ics_merge_stats;

/* What became of a bundle. */
typedef enum {
  ICS_MERGED,         /* its records are in the database */
  ICS_ALREADY_MERGED, /* the same file was merged before: nothing to do */
  ICS_REJECTED,       /* refused: recorded in `rejected`, copied to the quarantine folder */
  ICS_NOT_MERGED      /* the database or this machine failed (busy, disk full, out of memory):
                         nothing of the bundle was written, merging it again may succeed */
} ics_merge_outcome;

/* Called now and then during a merge with the records read so far in this bundle. */
typedef void (*ics_merge_progress)(void *ctx, const ics_merge_stats *stats);

/* Merges one bundle, adding to *stats. 0 when it is merged (now or before), *outcome saying
 * which; -1 with *err when it is not, *outcome saying whether it was rejected (damaged,
 * invalid, a form the office never published, signed by a key other than its store's earlier
 * bundles, sealed without the key given, or not sealed when the database requires it; *err
 * is the reason recorded) or not merged, for a cause on the office's side (the database, the
 * machine, no register published yet). */
int ics_central_merge(ics_central *c, const char *bundle_path, ics_merge_stats *stats,
                      ics_merge_progress progress, void *progress_ctx, ics_merge_outcome *outcome,
                      ics_error *err);

/* Several bundles merged by one command: between these calls a form's index by natural key is
 * dropped when a bundle brings ICS_CENTRAL_BULK records of it or more; ics_central_merge_end builds
 * it again from the table, once. Keys that arrive in no order (person ids from communes all
 * over the province) would otherwise be inserted into most of the index's pages for every
 * bundle. Reports made meanwhile give the same results, more slowly; a merge killed in
 * between leaves the index to the next merge, which builds it. */
enum { ICS_CENTRAL_BULK = 2000 };
void ics_central_merge_begin(ics_central *c);
int ics_central_merge_end(ics_central *c, ics_error *err);

/* Writes the current records of a form as CSV (RFC 4180, UTF-8 with a byte-order mark,
 * formula-like cells escaped) to path ("-": stdout), ordered by natural key then instance_id.
 * Personal fields only when include_personal. A file is replaced only once written whole. */
int ics_central_export_csv(ics_central *c, const char *form_id, const char *path,
                           bool include_personal, ics_error *err);

/* Writes the completeness report of `ictsurvey status` to out. */
int ics_central_status(ics_central *c, FILE *out, ics_error *err);

/* The SQLite handle, for the reports part (read only use). */
struct sqlite3 *ics_central_db(ics_central *c);
/* The registry's code for the last error of a connection to the central database:
 * ICS_E_NO_MEMORY (SQLITE_NOMEM, SQLITE_IOERR_NOMEM), ICS_E_DISK_FULL (SQLITE_FULL, or an
 * I/O error for want of space), ICS_E_BUSY (SQLITE_BUSY, SQLITE_LOCKED), ICS_E_DAMAGED
 * (SQLITE_CORRUPT, SQLITE_NOTADB), ICS_E_IO (SQLITE_IOERR), else ICS_E_DATABASE. Meaningful
 * right after a call that failed. The one mapping, for the reports too. */
ics_code ics_central_sqlite_code(struct sqlite3 *db);

/* ---- what goes back to the field -------------------------------------------------------------
 * The store of the bundle that the last ics_central_merge merged, or found merged before
 * ("" when it merged none): merge --receipts writes that store's receipt. */
const char *ics_central_merged_store(const ics_central *c);

/* What the office holds of one store: the bundles of it merged, and each record it has with the
 * newest revision it has (what a receipt lists). */
typedef struct {
  char *instance_id;
  int revision;
} ics_holding;
typedef struct {
  char **bundles;
  size_t bundle_count;
  ics_holding *records; /* sorted by instance id */
  size_t record_count;
} ics_holdings;
int ics_central_holdings(ics_central *c, const char *store_id, ics_holdings *holdings, ics_error *err);
void ics_holdings_free(ics_holdings *holdings);

/* The hex Ed25519 key a store's bundles are signed with (*found false: no signed bundle of that
 * store was merged). */
int ics_central_store_signer(ics_central *c, const char *store_id, char signer[65], bool *found,
                             ics_error *err);

/* Calls visit for the current revision of each record of store_id in `round` that is not void
 * and whose form the office published, ordered by form then instance id; answers are the
 * name=value lines of docs/central-db.md. A visitor returns non-zero to stop, with *err set. */
typedef int (*ics_central_record_visitor)(void *ctx, const char *instance_id, const char *form_id,
                                          const char *answers, size_t answers_len, ics_error *err);
int ics_central_current_records(ics_central *c, const char *store_id, int round,
                                ics_central_record_visitor visit, void *ctx, ics_error *err);

#endif
