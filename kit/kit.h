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

#endif
