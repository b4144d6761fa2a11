/* kit.h - the survey kit: one gzip file, signed by the central office with its Ed25519 key,
 * that carries the forms, the unit register and the targets the office published for a round,
 * with the office's public keys. Surveyors build their stores from it (collect init --kit,
 * collect update --kit), so a form means the same thing on every machine. The format is
 * specified in docs/kit-format.md.
 *
 * Writing is deterministic: the same kit and key give the same bytes. Reading checks that the
 * file is one well-formed gzip member, that its content is complete and well formed, that its
 * SHA-256 matches and that it is signed by the key it names (office-signing-key), and that
 * every definition, the register and the targets load and agree with the kit's form lines.
 * Whether that key is the office the caller knows is the caller's decision: ics_kit_read says
 * only who signed.
 *
 * Errors: the functions that can fail set *err (err may be NULL) with a code (ICS_E_DAMAGED for
 * a file damaged on the way, ICS_E_SIGNATURE for content changed after it was signed, ...)
 * and a message in the language given that says where the problem is ("line N" of the
 * content, or the byte of the file for gzip damage) and never names the file: the caller
 * adds it (ics_error_prefix). Syntaxes (UUID, TIME, ids, versions, hashes) are those of
 * bundles (docs/bundle-format.md, section 2). */
#ifndef ICS_KIT_H
#define ICS_KIT_H

#include "ics_common.h"
#include "keys.h"

enum { ICS_KIT_FORMAT = 1 }; /* the format read and written */

/* Limits on what a reader accepts; the writer never writes beyond them. */
#define ICS_KIT_MAX_FILE ((size_t)16 << 20)    /* bytes of the gzip file */
#define ICS_KIT_MAX_CONTENT ((size_t)32 << 20) /* bytes of content after gunzip */
enum { ICS_KIT_MAX_FORMS = 64 };               /* form: lines */

typedef struct {
  const char *id;      /* [a-z][a-z0-9_]*, at most 63 bytes */
  const char *version; /* 1-128 bytes, no space or control character */
  const char *hash;    /* hex SHA-256 of the canonical definition (ics_form's hash) */
  const char *text;    /* the definition file's text (when reading, NUL-terminated) */
  size_t len;
} ics_kit_form;

typedef struct {
  const char *kit_id;  /* a UUID */
  uint64_t sequence;   /* 1, 2, ...: a newer kit of the same office has a larger one */
  const char *created; /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
  int round;           /* the survey round, a year 1900-2100 */
  unsigned char seal_key[ICS_KEY_BYTES]; /* the office's X25519 public key: stores seal
                                            bundles to it */
  unsigned char signing_key[ICS_SIGN_PUBLIC_BYTES]; /* the office's Ed25519 public key, the one
                                                       that signs the kit (writing: must be the
                                                       public half of signing_secret) */
  bool has_next; /* a key rotation: the office's next key pair (signed by the current key) */
  unsigned char next_seal_key[ICS_KEY_BYTES], next_signing_key[ICS_SIGN_PUBLIC_BYTES];
  const ics_kit_form *forms; /* one or more, ids unique; when reading, sorted by id */
  size_t form_count;
  const char *register_text; /* the unit register's text (when reading, NUL-terminated) */
  size_t register_len;
  const char *targets_text;  /* the targets file's text (when reading, NUL-terminated) */
  size_t targets_len;
  /* A pre-filled kit (kit --prefill): the current records of one store in round
   * prefill_round (before `round`), sealed to that store's key (ics_prefill_seal). NULL: an
   * ordinary kit. */
  const char *prefill_store; /* a UUID */
  int prefill_round;
  const unsigned char *prefill; /* the sealed bytes */
  size_t prefill_len;
} ics_kit;

/* Writes the kit to path, whole or not at all (a temporary file beside it, synced, renamed
 * over path). Forms are written sorted by id whatever the order given. Refuses whatever a
 * reader would refuse, the semantic checks included (each definition loads and has the id,
 * version and hash given; the register and the targets load against the kit's forms).
 * signing_secret: libsodium's 64-byte Ed25519 secret key (ics_office_secret's signing_secret),
 * whose public half must equal kit->signing_key. 0, or -1 with *err. */
int ics_kit_write(const char *path, const ics_kit *kit,
                  const unsigned char signing_secret[ICS_SIGN_SECRET_BYTES], ics_lang lang,
                  ics_error *err);

/* Reads and verifies a kit (a file of at most ICS_KIT_MAX_FILE bytes). NULL with *err. The
 * result and all its texts live until ics_kit_free. */
ics_kit *ics_kit_read(const char *path, ics_lang lang, ics_error *err);
/* The same from bytes in memory (for fuzzing and tests). */
ics_kit *ics_kit_read_memory(const void *data, size_t size, ics_lang lang, ics_error *err);
void ics_kit_free(ics_kit *kit); /* NULL is fine */

/* ---- the records a pre-filled kit carries ---------------------------------------------------
 * Sealed (crypto_box_seal) to the X25519 form of the store's Ed25519 signing key, the one its
 * bundles are signed with: only that store can read the personal answers they hold. */
typedef struct {
  const char *instance_id; /* the record's id in the earlier round */
  const char *form_id;
  const char *answers;     /* name=value lines, values escaped (ics_escape_append) */
  size_t answers_len;
} ics_prefill_record;

typedef struct {
  const char *store_id;
  int round; /* the round the records are of */
  const ics_prefill_record *records;
  size_t record_count;
} ics_prefill;

/* Seals prefill for the store whose Ed25519 public key is store_key: *sealed (allocated,
 * ics_free) goes to a kit's prefill. 0, or -1 with *err. */
int ics_prefill_seal(const ics_prefill *prefill, const unsigned char store_key[ICS_SIGN_PUBLIC_BYTES],
                     unsigned char **sealed, size_t *sealed_len, ics_lang lang, ics_error *err);
/* Opens the records of a pre-filled kit with the store's Ed25519 secret key: NULL with *err
 * when the kit carries none, when they were sealed to another store (ICS_E_KEY), or when they
 * are not what the kit's prefill line says. Lives until ics_prefill_free. */
ics_prefill *ics_prefill_open(const ics_kit *kit, const unsigned char store_secret[ICS_SIGN_SECRET_BYTES],
                              ics_lang lang, ics_error *err);
void ics_prefill_free(ics_prefill *prefill); /* NULL is fine */

/* ---- receipts ------------------------------------------------------------------------------
 * What the office holds of one store, signed by the office (merge --receipts): the bundles of
 * that store it merged and, per record, the newest revision it has. A store that trusts the
 * office's signing key marks those revisions received (collect receipt), so that the surveyor
 * knows what arrived and exports only the rest. A small UTF-8 text of "key: value" lines,
 * readable with any text editor; docs/kit-format.md, section 10, specifies it. */
enum { ICS_RECEIPT_FORMAT = 1 };
#define ICS_RECEIPT_MAX_FILE ((size_t)64 << 20) /* bytes of the file */
enum { ICS_RECEIPT_MAX_LINES = 1000000 };       /* bundle: and record: lines, each kind */

typedef struct {
  const char *instance_id; /* a UUID */
  int revision;            /* >= 1: the newest revision of it the office holds */
} ics_receipt_record;

typedef struct {
  const char *store_id; /* a UUID */
  const char *created;  /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
  unsigned char signing_key[ICS_SIGN_PUBLIC_BYTES]; /* the office's Ed25519 key that signed it */
  const char *const *bundles; /* bundle ids (UUIDs); when reading, sorted and unique */
  size_t bundle_count;
  const ics_receipt_record *records; /* when reading, sorted by instance id and unique */
  size_t record_count;
} ics_receipt;

/* Writes the receipt to path, whole or not at all; bundles and records are written sorted
 * whatever the order given (a record given twice keeps its highest revision). 0, or -1 with
 * *err. */
int ics_receipt_write(const char *path, const ics_receipt *receipt,
                      const unsigned char signing_secret[ICS_SIGN_SECRET_BYTES], ics_lang lang,
                      ics_error *err);
/* Reads a receipt and checks that it is signed by the key it names (whether that is the
 * office the store knows is the caller's decision, as for kits). NULL with *err ("line N:
 * MESSAGE", never naming the file). The result lives until ics_receipt_free. */
ics_receipt *ics_receipt_read(const char *path, ics_lang lang, ics_error *err);
ics_receipt *ics_receipt_read_memory(const void *data, size_t size, ics_lang lang, ics_error *err);
void ics_receipt_free(ics_receipt *receipt); /* NULL is fine */

#endif
