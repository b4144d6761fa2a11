/* keys.h - the central office's key pair and the files that hold it. Bundles are sealed to
 * the office's X25519 public key (DIR/central.pub, given to every collector); only the secret
 * key (DIR/central.key, mode 0600, never leaves the office) opens them. Formats and the
 * threat model: docs/security.md. */
#ifndef ICS_KEYS_H
#define ICS_KEYS_H

#include "ics_common.h"

enum {
  ICS_KEY_BYTES = 32,       /* an X25519 public or secret key */
  ICS_FINGERPRINT_SIZE = 20 /* "xxxx-xxxx-xxxx-xxxx" and its NUL */
};

/* A short name for a public key that people can compare by eye: the first 8 bytes of its
 * SHA-256 in hex, in four groups. */
void ics_key_fingerprint(const unsigned char public_key[ICS_KEY_BYTES],
                         char out[ICS_FINGERPRINT_SIZE]);

/* Makes a new key pair in dir (created 0700 when absent): dir/central.key (0600) and
 * dir/central.pub. Refuses to replace an existing pair. 0, or 1 with *error (caller frees). */
int ics_keys_init(const char *dir, ics_lang lang, char **error);

/* Reads central.pub. 0, or 1 with *error ("FILE:LINE:COLUMN: error: …" or "FILE: …"). */
int ics_keys_read_public(const char *path, unsigned char public_key[ICS_KEY_BYTES], ics_lang lang,
                         char **error);
/* Reads central.key, refusing it when users other than its owner may read it; gives the
 * public key too. The caller wipes secret_key (sodium_memzero) when done. */
int ics_keys_read_secret(const char *path, unsigned char public_key[ICS_KEY_BYTES],
                         unsigned char secret_key[ICS_KEY_BYTES], ics_lang lang, char **error);

#endif
