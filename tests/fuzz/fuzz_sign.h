/* fuzz_sign.h - what the fuzz targets of signed formats (kit, receipt) do to reach what is
 * checked after the signature: the input's bytes before its last line starting "end: " (all of
 * them when there is none), then the end: line with their SHA-256 and the signature: line,
 * signed with secret over `context` and that end: line, as the formats sign them. */
#ifndef ICS_FUZZ_SIGN_H
#define ICS_FUZZ_SIGN_H

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* malloc'd, its length in *len; NULL when memory ran out. */
static inline char *fuzz_signed_content(const uint8_t *data, size_t size, const char *context,
                                        const unsigned char secret[crypto_sign_SECRETKEYBYTES],
                                        size_t *len) {
  size_t body = size;
  for (size_t i = size; i-- > 0;)
    if ((i == 0 || data[i - 1] == '\n') && size - i >= 5 && memcmp(data + i, "end: ", 5) == 0) {
      body = i;
      break;
    }
  char *text = malloc(body + 256);
  if (!text) return NULL;
  memcpy(text, data, body);
  unsigned char digest[crypto_hash_sha256_BYTES], signature[crypto_sign_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1], signature_hex[crypto_sign_BYTES * 2 + 1];
  crypto_hash_sha256(digest, data, body);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  char message[160];
  int m = snprintf(message, sizeof message, "%send: %s\n", context, hex);
  crypto_sign_detached(signature, NULL, (const unsigned char *)message, (unsigned long long)m, secret);
  sodium_bin2hex(signature_hex, sizeof signature_hex, signature, sizeof signature);
  *len = body + (size_t)snprintf(text + body, 256, "end: %s\nsignature: %s\n", hex, signature_hex);
  return text;
}

#endif
