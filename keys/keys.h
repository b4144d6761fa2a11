/* keys.h - the central office's key pairs and the files that hold them. Bundles are sealed to
 * the office's X25519 public key (DIR/central.pub, given to every collector); only the secret
 * key (DIR/central.key, mode 0600, never leaves the office) opens them. Files made since kits
 * also hold the office's Ed25519 signing pair: survey kits are signed with its secret half,
 * and the fingerprint of its public half is "the office fingerprint". Formats and the threat
 * model: docs/security.md. */
#ifndef ICS_KEYS_H
#define ICS_KEYS_H

#include "ics_common.h"

enum {
  ICS_KEY_BYTES = 32,       /* an X25519 public or secret key */
  ICS_FINGERPRINT_SIZE = 20 /* "xxxx-xxxx-xxxx-xxxx" and its NUL */
};
enum { ICS_SIGN_PUBLIC_BYTES = 32, ICS_SIGN_SECRET_BYTES = 64 };

/* What central.pub says: the sealing key, and (files made since kits) the signing key. */
typedef struct {
  unsigned char seal[ICS_KEY_BYTES];            /* X25519: bundles are sealed to it */
  bool can_sign;                                /* the file has the signing line */
  unsigned char signing[ICS_SIGN_PUBLIC_BYTES]; /* Ed25519: kits are signed with its secret half */
} ics_office_public;
/* What central.key holds (mode checked as for ics_keys_read_secret). */
typedef struct {
  ics_office_public pub;                        /* derived from the secret halves */
  unsigned char seal_secret[ICS_KEY_BYTES];
  unsigned char signing_secret[ICS_SIGN_SECRET_BYTES]; /* libsodium's 64-byte form; valid when pub.can_sign */
} ics_office_secret;

/* A short name for a public key that people can compare by eye: the first 8 bytes of its
 * SHA-256 in hex, in four groups. */
void ics_key_fingerprint(const unsigned char public_key[ICS_KEY_BYTES],
                         char out[ICS_FINGERPRINT_SIZE]);

/* The functions below that can fail return 0, or -1 with *err set (err may be NULL): a
 * problem at a key line is said at its place in the file (err->file, line, column), the
 * others name the file or folder in the message. */

/* Makes the office's keys in dir (created 0700 when absent): dir/central.key (0600) and
 * dir/central.pub, each with a sealing line and a signing line. When dir holds both files
 * of an older version (no signing lines), adds a new signing pair instead: the lines are
 * appended, every byte already there kept, each file replaced whole (central.key first);
 * when only central.pub lacks its line (a run stopped between the two), it is derived from
 * central.key. Refuses when both files have signing lines, when only one file is there, or
 * when they are not one pair. *upgraded (when not NULL): whether an existing pair got the
 * signing key rather than a new pair being made. */
int ics_keys_init(const char *dir, bool *upgraded, ics_lang lang, ics_error *err);

/* Reads central.pub: its sealing line, and its signing line when it has one (a file of an
 * older version has not: can_sign is false). */
int ics_keys_read_office_public(const char *path, ics_office_public *out, ics_lang lang,
                                ics_error *err);
/* Reads central.key, refusing it when users other than its owner may read it, and derives
 * the public keys. On success the caller wipes it with ics_office_secret_wipe; on failure
 * it is wiped already. */
int ics_keys_read_office_secret(const char *path, ics_office_secret *out, ics_lang lang,
                                ics_error *err);
void ics_office_secret_wipe(ics_office_secret *key); /* sodium_memzero */

/* Reads central.pub's sealing key (the signing line, if any, is checked and not returned). */
int ics_keys_read_public(const char *path, unsigned char public_key[ICS_KEY_BYTES], ics_lang lang,
                         ics_error *err);
/* Reads central.key's sealing key, refusing the file when users other than its owner may
 * read it; gives the public key too. The caller wipes secret_key (sodium_memzero) when done;
 * on failure it is wiped already. */
int ics_keys_read_secret(const char *path, unsigned char public_key[ICS_KEY_BYTES],
                         unsigned char secret_key[ICS_KEY_BYTES], ics_lang lang, ics_error *err);

#endif
