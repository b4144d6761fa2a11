/* bundle.h - the bundle: one gzip file that carries a collector store's finalized and void
 * records, with the definitions they were made with, to the central office. The format is
 * specified in docs/bundle-format.md. Writing is deterministic (except for sealed bundles);
 * reading verifies everything (gzip CRC and length, a SHA-256 over the content, counts, the
 * trailer, the signature, limits) and reports the first problem with the record number or
 * line where it was found.
 *
 * Format 1 is unsigned. Format 2 is signed with the collector store's Ed25519 key, and may be
 * sealed to the central office's X25519 key: then only the manifest fields of cli.md stay
 * readable, and the records can be read only after ics_bundle_unseal (docs/security.md). */
#ifndef ICS_BUNDLE_H
#define ICS_BUNDLE_H

#include "ics_common.h"

enum { ICS_BUNDLE_FORMAT = 2 }; /* the newest format read and written */

/* Limits on what a reader accepts: a hostile or damaged file cannot make it use more. Each
 * one passed is reported by its name. The writer never writes beyond the defaults. */
typedef struct {
  uint64_t max_decompressed;  /* bytes of content after gunzip (default 2 GiB) */
  size_t max_line;            /* bytes of one line (default 1 MiB) */
  size_t max_definition;      /* bytes of one definition text (default 4 MiB) */
  size_t max_forms;           /* forms in one bundle (default 64) */
  uint64_t max_records;       /* records in one bundle (default 10,000,000) */
} ics_bundle_limits;

void ics_bundle_default_limits(ics_bundle_limits *limits);

/* Errors: every function that can fail takes `ics_error *err` last (ics_error.h): 0 on success
 * (pointers: non-NULL), -1 (NULL) with *err set, in the language the caller passes, when err
 * is not NULL and holds no error yet. Messages do not name the file: the caller adds it (and
 * its place: a bundle is written by a program, messages say "record N: line M: " themselves).
 * Codes: ICS_E_DAMAGED (damage, truncation, a changed sealed part or hash), ICS_E_WRONG_KIND
 * (not a bundle), ICS_E_SIGNATURE, ICS_E_KEY (sealed to a key not given), ICS_E_LIMIT,
 * ICS_E_UNSUPPORTED (a newer format), ICS_E_SYNTAX / ICS_E_INVALID / ICS_E_NOT_UTF8 (what a
 * line or the writer's caller says), ICS_E_NOT_FOUND, ICS_E_PERMISSION, ICS_E_DISK_FULL,
 * ICS_E_IO, ICS_E_NO_MEMORY.
 * UUIDs are lowercase hex (8-4-4-4-12); times are UTC "YYYY-MM-DDTHH:MM:SSZ"; years and rounds
 * 1900-2100; form ids and field names [a-z][a-z0-9_]*, at most 63 bytes; form versions have
 * no spaces; texts are UTF-8 without control characters other than tab, LF and CR. */

typedef struct {
  const char *id;          /* form id */
  const char *version;
  const char *hash;        /* hex SHA-256 of the canonical definition */
  const char *definition;  /* the definition file's text */
  size_t definition_len;
  uint64_t records;        /* records of this form in the bundle */
} ics_bundle_form;

typedef struct {
  int format;              /* 1 or 2 (the writer takes 0: it writes 2 when signing, else 1) */
  const char *bundle_id;   /* a UUID */
  const char *store_id;    /* the collector store's UUID */
  const char *surveyor;
  const char *site;
  int round;               /* the survey round, a year */
  const char *created;     /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
  const char *register_text; /* the unit register's text the store was made with (NULL when
                              register_len is 0; when reading, never NULL and NUL-terminated) */
  size_t register_len;
  const ics_bundle_form *forms;
  size_t form_count;
  uint64_t record_count;   /* all records */
} ics_bundle_manifest;

typedef struct {
  const char *name;        /* field name */
  const char *value;       /* canonical value text (schema.h), never NULL: empty fields are left out */
} ics_bundle_value;

typedef struct {
  const char *instance_id; /* a UUID */
  const char *form_id;     /* one of the manifest's forms */
  int revision;            /* 1, 2, ... */
  const char *status;      /* "finalized" or "void" */
  const char *created_at;  /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
  const char *updated_at;
  const char *surveyor;
  const char *site;
  int round;
  const ics_bundle_value *values;
  size_t value_count;
} ics_bundle_record;

/* ---- writing ---------------------------------------------------------------------------
 * Records are written in the order given (the collector gives them in its store's row order,
 * so that the same store state gives the same bytes). The file appears at path
 * only when ics_bundle_finish succeeds (written to a temporary file, synced, renamed; mode
 * 0600). Everything a reader would refuse is refused instead of written. Messages are in
 * `lang`. After an error of ics_bundle_write nothing more can be written: call
 * ics_bundle_abort. */
typedef struct ics_bundle_writer ics_bundle_writer;

/* The keys of a signed (format 2) or sealed bundle; NULL keys: format 1, unsigned. */
typedef struct {
  const unsigned char *signing_key; /* the store's Ed25519 secret key (crypto_sign_SECRETKEYBYTES) */
  const unsigned char *central_key; /* the office's X25519 public key (32 bytes): seal to it;
                                       needs signing_key */
} ics_bundle_keys;

ics_bundle_writer *ics_bundle_create(const char *path, const ics_bundle_manifest *manifest,
                                     const ics_bundle_keys *keys, ics_lang lang, ics_error *err);
int ics_bundle_write(ics_bundle_writer *w, const ics_bundle_record *record, ics_error *err);
/* Writes the trailer and closes; checks that as many records were written as announced.
 * Always frees the writer; on failure the temporary file is removed and path is untouched. */
int ics_bundle_finish(ics_bundle_writer *w, ics_error *err);
/* Abandons an unfinished bundle (removes the temporary file). NULL is fine. */
void ics_bundle_abort(ics_bundle_writer *w);

/* ---- reading ---------------------------------------------------------------------------
 * Opening reads and checks the manifest (and the definitions in it); then each call to
 * ics_bundle_next gives one record, valid until the next call. Integrity that can only be
 * known at the end (the hash, the counts, nothing after the trailer, a single gzip member)
 * is checked when ics_bundle_next says there are no more records: a caller must not trust
 * the records before. Messages are in `lang`.
 * limits may be NULL for the defaults. Memory stays constant however large the bundle is,
 * except for the set of instance ids that finds duplicates (about 16-43 bytes a record). */
typedef struct ics_bundle_reader ics_bundle_reader;

ics_bundle_reader *ics_bundle_open(const char *path, const ics_bundle_limits *limits,
                                   ics_lang lang, ics_error *err);
/* The same from bytes in memory (for fuzzing and tests). */
ics_bundle_reader *ics_bundle_open_memory(const void *data, size_t size,
                                          const ics_bundle_limits *limits, ics_lang lang,
                                          ics_error *err);
/* The manifest, with the register and definition texts; valid until ics_bundle_close. */
const ics_bundle_manifest *ics_bundle_manifest_of(const ics_bundle_reader *r);
/* 0 with *got true: a record in *record; 0 with *got false: the end, everything verified;
 * -1: *err says what is wrong, e.g. "record 12: line 130: ...". Further calls give the same
 * answer. */
int ics_bundle_next(ics_bundle_reader *r, ics_bundle_record *record, bool *got, ics_error *err);
void ics_bundle_close(ics_bundle_reader *r); /* NULL is fine */

/* A sealed bundle's manifest holds only the readable fields (no surveyor, register or
 * definitions) and ics_bundle_next refuses to read it until it is unsealed with the central
 * office's key pair; then the manifest is the sealed one, in full. 0, or -1 with *err (the
 * key is not the one the bundle was sealed to, or the sealed part was changed). Unsealing a
 * bundle that is not sealed does nothing. */
bool ics_bundle_is_sealed(const ics_bundle_reader *r);
int ics_bundle_unseal(ics_bundle_reader *r, const unsigned char central_public_key[32],
                      const unsigned char central_secret_key[32], ics_error *err);
/* The public key (64 lowercase hex digits) that signed the bundle: its signature is verified
 * when ics_bundle_next reaches the end. NULL for an unsigned (format 1) bundle, and for a sealed
 * one until it is unsealed. */
const char *ics_bundle_signer(const ics_bundle_reader *r);

#endif
