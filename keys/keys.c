/* keys.c - making, writing and reading the central office's key files. A key file is a few
 * comment lines (#), one sealing line "KIND: x25519 HEX" with the 32-byte X25519 key in
 * lowercase hex and, in files made since kits, one signing line "KIND: ed25519 HEX" (in
 * central.pub the 32-byte Ed25519 public key, in central.key the 32-byte seed of the pair). */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "keys_messages.h"

typedef enum { ICS_KEYS_MESSAGES(ICS_MESSAGE_ID) K_COUNT } keys_message;

static const ics_message messages[K_COUNT] = {ICS_KEYS_MESSAGES(ICS_MESSAGE_ENTRY)};

/* The key lines of a file: [SEAL] required, [SIGN] optional, each at most once. */
typedef struct {
  const char *kind; /* before the ':' */
  const char *alg;
} key_line;
enum { SEAL = 0, SIGN = 1, KEY_LINES = 2 };
static const key_line PUBLIC_LINES[KEY_LINES] = {{"ictsurvey-central-public-key", "x25519"},
                                                 {"central-signing-key", "ed25519"}};
static const key_line SECRET_LINES[KEY_LINES] = {{"ictsurvey-central-secret-key", "x25519"},
                                                 {"central-signing-secret-key", "ed25519"}};
enum {
  KEY_FILE_MAX = 4096,
  KEY_LINE_SIZE = 128 /* "central-signing-secret-key: ed25519 " 64 hex digits, newline, NUL */
};
_Static_assert(crypto_sign_SEEDBYTES == ICS_KEY_BYTES && crypto_sign_PUBLICKEYBYTES == ICS_SIGN_PUBLIC_BYTES &&
                   crypto_sign_SECRETKEYBYTES == ICS_SIGN_SECRET_BYTES && crypto_box_SECRETKEYBYTES == ICS_KEY_BYTES,
               "key sizes");

/* Says message id (with its table's code) and returns -1. */
static int say(ics_error *err, ics_lang lang, keys_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_error_vsay_at(err, lang, NULL, 0, 0, &messages[id], ap);
  va_end(ap);
  return -1;
}

/* Says message id at line:column of the key file path and returns -1. */
static int say_at(ics_error *err, ics_lang lang, const char *path, size_t line, size_t column,
                  keys_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_error_vsay_at(err, lang, path, (int)line, (int)column, &messages[id], ap);
  va_end(ap);
  return -1;
}

/* Says message id with the code of what failed (errno's, or the error it wraps) rather than
 * the table's, and returns -1. */
static int say_as(ics_error *err, ics_lang lang, ics_code code, keys_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_error_vsay_as(err, lang, code, NULL, 0, 0, &messages[id], ap);
  va_end(ap);
  return -1;
}

void ics_key_fingerprint(const unsigned char public_key[ICS_KEY_BYTES],
                         char out[ICS_FINGERPRINT_SIZE]) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, public_key, ICS_KEY_BYTES);
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  for (size_t i = 0; i < 8; i++) {
    if (i && i % 2 == 0) out[k++] = '-';
    out[k++] = hex[digest[i] >> 4];
    out[k++] = hex[digest[i] & 15];
  }
  out[k] = '\0';
}

/* "KIND: ALG HEX\n" into out[KEY_LINE_SIZE] (the caller wipes it when the key is secret). */
static void key_line_text(char out[KEY_LINE_SIZE], const key_line *line, const unsigned char key[ICS_KEY_BYTES]) {
  char hex[ICS_KEY_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, key, ICS_KEY_BYTES);
  snprintf(out, KEY_LINE_SIZE, "%s: %s %s\n", line->kind, line->alg, hex);
  sodium_memzero(hex, sizeof hex);
}

/* The text of a new key file: comments that tell a person what it is, then the key lines. In
 * both files the sealing line is line 4 (docs/security.md quotes errors that name it). */
static void key_file_text(char out[KEY_FILE_MAX], bool secret, const unsigned char seal[ICS_KEY_BYTES],
                          const unsigned char signing[ICS_KEY_BYTES], const char *seal_fingerprint,
                          const char *office_fingerprint) {
  const key_line *lines = secret ? SECRET_LINES : PUBLIC_LINES;
  char seal_line[KEY_LINE_SIZE], sign_line[KEY_LINE_SIZE];
  key_line_text(seal_line, &lines[SEAL], seal);
  key_line_text(sign_line, &lines[SIGN], signing);
  if (secret)
    snprintf(out, KEY_FILE_MAX,
             "# ictsurvey: the central office's SECRET keys (khóa BÍ MẬT của văn phòng trung tâm).\n"
             "# They open every sealed bundle and sign survey kits: keep them in the office, never send or copy them.\n"
             "# Used by: ictsurvey merge --key central.key, ictsurvey kit --key central.key. "
             "Fingerprints: sealing key %s, office %s\n"
             "%s%s",
             seal_fingerprint, office_fingerprint, seal_line, sign_line);
  else
    snprintf(out, KEY_FILE_MAX,
             "# ictsurvey: the central office's public keys (khóa công khai của văn phòng trung tâm).\n"
             "# Surveyors get it inside the survey kit (ictsurvey kit), or: ictsurvey collect init --central-key central.pub\n"
             "# Office fingerprint, to read back over the phone: %s (sealing key: %s)\n"
             "%s%s",
             office_fingerprint, seal_fingerprint, seal_line, sign_line);
  sodium_memzero(seal_line, sizeof seal_line);
  sodium_memzero(sign_line, sizeof sign_line);
}

static int write_error(const char *path, ics_lang lang, ics_error *err) {
  int e = errno;
  return say_as(err, lang, ics_code_from_errno(e), K_CANNOT_WRITE, path, ics_errno_text(e, lang));
}

/* Is the line p[0..n) "KIND:…"? */
static bool has_kind(const char *p, size_t n, const char *kind) {
  size_t len = strlen(kind);
  return n > len && memcmp(p, kind, len) == 0 && p[len] == ':';
}

/* Finds the key lines of a key file's text and decodes their keys: keys[SEAL] (required) and
 * keys[SIGN] (*can_sign tells whether the file has it). A line of the other file of the pair
 * is refused with a message saying which file this is. */
static int parse_key_file(const char *path, const char *text, size_t size, bool secret,
                          unsigned char keys[KEY_LINES][ICS_KEY_BYTES], bool *can_sign, ics_lang lang,
                          ics_error *err) {
  const key_line *mine = secret ? SECRET_LINES : PUBLIC_LINES, *other = secret ? PUBLIC_LINES : SECRET_LINES;
  const char *p = text, *end = text + size;
  size_t line = 0;
  bool found[KEY_LINES] = {false, false};
  if (size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3; /* saved by Notepad */
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    size_t n = (size_t)(le - p);
    if (n && p[n - 1] == '\r') n--;
    line++;
    if (n == 0 || p[0] == '#') {
      p = nl ? nl + 1 : end;
      continue;
    }
    if (has_kind(p, n, other[SEAL].kind) || has_kind(p, n, other[SIGN].kind))
      return say_at(err, lang, path, line, 1, secret ? K_PUBLIC_GIVEN : K_SECRET_GIVEN);
    int which = has_kind(p, n, mine[SIGN].kind) ? SIGN : SEAL;
    size_t kind_len = strlen(mine[which].kind), alg_len = strlen(mine[which].alg);
    size_t prefix = kind_len + 2 + alg_len + 1; /* "KIND: ALG " */
    bool well_formed = n >= prefix && memcmp(p, mine[which].kind, kind_len) == 0 &&
                       memcmp(p + kind_len, ": ", 2) == 0 &&
                       memcmp(p + kind_len + 2, mine[which].alg, alg_len) == 0 && p[prefix - 1] == ' ';
    if (found[which] || !well_formed)
      return say_at(err, lang, path, line, 1, which == SEAL ? K_SEAL_LINE : K_SIGN_LINE,
                    mine[which].kind);
    const char *hex = p + prefix;
    size_t hex_len = n - prefix, bin_len = 0;
    const char *hex_end;
    if (hex_len != ICS_KEY_BYTES * 2 ||
        sodium_hex2bin(keys[which], ICS_KEY_BYTES, hex, hex_len, NULL, &bin_len, &hex_end) != 0 ||
        bin_len != ICS_KEY_BYTES)
      return say_at(err, lang, path, line, prefix + 1, K_BAD_HEX);
    found[which] = true;
    p = nl ? nl + 1 : end;
  }
  if (!found[SEAL]) return say(err, lang, K_NOT_KEY_FILE, path, mine[SEAL].kind);
  *can_sign = found[SIGN];
  return 0;
}

/* Reads a key file whole into text[0..KEY_FILE_MAX), with no other copy made of a secret one,
 * and that only when no other user may read it. The caller wipes text. */
static int load_key_file(const char *path, bool secret, char text[KEY_FILE_MAX], size_t *size,
                         ics_lang lang, ics_error *err) {
  bool open_to_others = false;
  unsigned mode = UINT_MAX; /* stays so where files have no mode bits */
  *size = 0;
  ics_code st = ics_read_private_file(path, text, KEY_FILE_MAX, size, &open_to_others, &mode);
  if (st == ICS_OK && open_to_others && !secret) {
    /* a public key may be readable by anyone (central.pub is given out): read it the usual way */
    char *data;
    st = ics_read_file(path, KEY_FILE_MAX, &data, size);
    if (st == ICS_OK) {
      memcpy(text, data, *size);
      ics_free(data);
    }
    open_to_others = false;
  }
  switch (st) {
  case ICS_OK: break;
  case ICS_E_NOT_FOUND: return say(err, lang, K_NOT_FOUND, path);
  case ICS_E_NOT_REGULAR: return say(err, lang, K_NOT_REGULAR, path);
  case ICS_E_TOO_LARGE: return say(err, lang, K_TOO_LARGE, path, *size);
  case ICS_E_NO_MEMORY: ics_error_no_memory(err, lang); return -1;
  default: {
    int e = errno;
    return say_as(err, lang, ics_code_from_errno(e), K_CANNOT_READ, path, ics_errno_text(e, lang));
  }
  }
  if (open_to_others)
    return mode == UINT_MAX ? say(err, lang, K_OPEN_TO_OTHERS_ACL, path)
                            : say(err, lang, K_OPEN_TO_OTHERS, path, mode, path);
  return 0;
}

/* load_key_file, then parse_key_file; keys wiped on failure. */
static int read_key_file(const char *path, bool secret, unsigned char keys[KEY_LINES][ICS_KEY_BYTES],
                         bool *can_sign, ics_lang lang, ics_error *err) {
  char text[KEY_FILE_MAX];
  size_t size = 0;
  *can_sign = false;
  int rc = load_key_file(path, secret, text, &size, lang, err);
  if (rc == 0) rc = parse_key_file(path, text, size, secret, keys, can_sign, lang, err);
  sodium_memzero(text, sizeof text);
  if (rc) {
    sodium_memzero(keys, KEY_LINES * ICS_KEY_BYTES);
    *can_sign = false;
  }
  return rc;
}

static int start(ics_lang lang, ics_error *err) {
  return sodium_init() < 0 ? say(err, lang, K_SODIUM) : 0;
}

int ics_keys_read_office_public(const char *path, ics_office_public *out, ics_lang lang, ics_error *err) {
  memset(out, 0, sizeof *out);
  if (start(lang, err)) return -1;
  unsigned char keys[KEY_LINES][ICS_KEY_BYTES];
  if (read_key_file(path, false, keys, &out->can_sign, lang, err)) return -1;
  memcpy(out->seal, keys[SEAL], ICS_KEY_BYTES);
  if (out->can_sign) memcpy(out->signing, keys[SIGN], ICS_SIGN_PUBLIC_BYTES);
  return 0;
}

void ics_office_secret_wipe(ics_office_secret *key) { sodium_memzero(key, sizeof *key); }

int ics_keys_read_office_secret(const char *path, ics_office_secret *out, ics_lang lang, ics_error *err) {
  memset(out, 0, sizeof *out);
  if (start(lang, err)) return -1;
  unsigned char keys[KEY_LINES][ICS_KEY_BYTES];
  if (read_key_file(path, true, keys, &out->pub.can_sign, lang, err)) return -1;
  memcpy(out->seal_secret, keys[SEAL], ICS_KEY_BYTES);
  crypto_scalarmult_base(out->pub.seal, out->seal_secret);
  if (out->pub.can_sign) crypto_sign_seed_keypair(out->pub.signing, out->signing_secret, keys[SIGN]);
  sodium_memzero(keys, sizeof keys);
  return 0;
}

int ics_keys_read_public(const char *path, unsigned char public_key[ICS_KEY_BYTES], ics_lang lang,
                         ics_error *err) {
  ics_office_public office;
  if (ics_keys_read_office_public(path, &office, lang, err)) return -1;
  memcpy(public_key, office.seal, ICS_KEY_BYTES);
  return 0;
}

int ics_keys_read_secret(const char *path, unsigned char public_key[ICS_KEY_BYTES],
                         unsigned char secret_key[ICS_KEY_BYTES], ics_lang lang, ics_error *err) {
  ics_office_secret office;
  if (ics_keys_read_office_secret(path, &office, lang, err)) {
    sodium_memzero(secret_key, ICS_KEY_BYTES);
    return -1;
  }
  memcpy(public_key, office.pub.seal, ICS_KEY_BYTES);
  memcpy(secret_key, office.seal_secret, ICS_KEY_BYTES);
  ics_office_secret_wipe(&office);
  return 0;
}

/* A folder with neither file: both pairs, both files written new (never over a file). */
static int make_keys(const char *dir, const char *key_path, const char *pub_path, ics_lang lang,
                     ics_error *err) {
  if (ics_make_private_dir(dir) != 0) {
    int e = errno;
    return say_as(err, lang, ics_code_from_errno(e), K_CANNOT_MKDIR, dir, ics_errno_text(e, lang));
  }
  unsigned char seal_pk[ICS_KEY_BYTES], seal_sk[ICS_KEY_BYTES], seed[ICS_KEY_BYTES];
  unsigned char sign_pk[ICS_SIGN_PUBLIC_BYTES], sign_sk[ICS_SIGN_SECRET_BYTES];
  char text[KEY_FILE_MAX], seal_fp[ICS_FINGERPRINT_SIZE], office_fp[ICS_FINGERPRINT_SIZE];
  crypto_box_keypair(seal_pk, seal_sk);
  randombytes_buf(seed, sizeof seed);
  crypto_sign_seed_keypair(sign_pk, sign_sk, seed);
  ics_key_fingerprint(seal_pk, seal_fp);
  ics_key_fingerprint(sign_pk, office_fp);
  int rc = -1;
  key_file_text(text, true, seal_sk, seed, seal_fp, office_fp);
  if (ics_write_private_file(key_path, text, strlen(text)) != 0) {
    write_error(key_path, lang, err);
    goto done;
  }
  key_file_text(text, false, seal_pk, sign_pk, seal_fp, office_fp);
  if (ics_write_private_file(pub_path, text, strlen(text)) != 0) {
    write_error(pub_path, lang, err);
    ics_remove_file(key_path); /* a secret key without its public half helps nobody */
    goto done;
  }
  rc = 0;
done:
  sodium_memzero(text, sizeof text);
  sodium_memzero(seal_sk, sizeof seal_sk);
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(sign_sk, sizeof sign_sk);
  return rc;
}

/* Replaces path, whose bytes are old[0..old_size), with those bytes followed by a newline
 * when they did not end with one, the comment and the key line. */
static int append_key_line(const char *path, const char *old, size_t old_size, const char *comment,
                           const key_line *line, const unsigned char key[ICS_KEY_BYTES], ics_lang lang,
                           ics_error *err) {
  char text[KEY_LINE_SIZE];
  key_line_text(text, line, key);
  bool newline = old_size && old[old_size - 1] != '\n';
  size_t total = old_size + newline + strlen(comment) + strlen(text);
  int rc = -1;
  ics_output o;
  if (total > KEY_FILE_MAX) {
    say(err, lang, K_APPEND_TOO_LARGE, path, total, (int)KEY_FILE_MAX);
  } else if (ics_output_begin(&o, path) != 0) {
    write_error(path, lang, err);
  } else {
    if (ics_output_write(&o, old, old_size) == 0 && (!newline || ics_output_write(&o, "\n", 1) == 0) &&
        ics_output_write(&o, comment, strlen(comment)) == 0 && ics_output_write(&o, text, strlen(text)) == 0 &&
        ics_output_commit(&o) == 0)
      rc = 0;
    else
      write_error(path, lang, err);
    ics_output_end(&o);
  }
  sodium_memzero(text, sizeof text);
  return rc;
}

/* A folder with both files: adds the signing pair to a pair made by an older version, or
 * central.pub's half of it when only central.key has it. */
static int add_signing_key(const char *dir, const char *key_path, const char *pub_path, bool *upgraded,
                           ics_lang lang, ics_error *err) {
  char key_text[KEY_FILE_MAX], pub_text[KEY_FILE_MAX];
  size_t key_size = 0, pub_size = 0;
  unsigned char secret[KEY_LINES][ICS_KEY_BYTES], pub_keys[KEY_LINES][ICS_KEY_BYTES];
  unsigned char seal_pk[ICS_KEY_BYTES], sign_pk[ICS_SIGN_PUBLIC_BYTES], sign_sk[ICS_SIGN_SECRET_BYTES];
  bool key_signs = false, pub_signs = false;
  int rc = -1;
  if (load_key_file(key_path, true, key_text, &key_size, lang, err) ||
      parse_key_file(key_path, key_text, key_size, true, secret, &key_signs, lang, err) ||
      load_key_file(pub_path, false, pub_text, &pub_size, lang, err) ||
      parse_key_file(pub_path, pub_text, pub_size, false, pub_keys, &pub_signs, lang, err))
    goto done;
  crypto_scalarmult_base(seal_pk, secret[SEAL]);
  if (sodium_memcmp(seal_pk, pub_keys[SEAL], ICS_KEY_BYTES) != 0) {
    char in_pub[ICS_FINGERPRINT_SIZE], from_key[ICS_FINGERPRINT_SIZE];
    ics_key_fingerprint(pub_keys[SEAL], in_pub);
    ics_key_fingerprint(seal_pk, from_key);
    say(err, lang, K_NOT_ONE_PAIR, dir, in_pub, from_key);
    goto done;
  }
  if (pub_signs) {
    say(err, lang, key_signs ? K_ALREADY_THERE : K_PUB_SIGNS_ALONE, dir);
    goto done;
  }
  if (!key_signs) randombytes_buf(secret[SIGN], ICS_KEY_BYTES);
  crypto_sign_seed_keypair(sign_pk, sign_sk, secret[SIGN]);
  char office_fp[ICS_FINGERPRINT_SIZE], comment[256];
  ics_key_fingerprint(sign_pk, office_fp);
  if (!key_signs) {
    snprintf(comment, sizeof comment,
             "# Added later: the office's signing key, which signs survey kits (ictsurvey kit --key "
             "central.key). Office fingerprint: %s\n",
             office_fp);
    if (append_key_line(key_path, key_text, key_size, comment, &SECRET_LINES[SIGN], secret[SIGN], lang, err))
      goto done;
  }
  snprintf(comment, sizeof comment,
           "# Added later: the office's signing key, which surveyors check kits with. Office "
           "fingerprint, to read back over the phone: %s\n",
           office_fp);
  ics_error why = {0};
  if (append_key_line(pub_path, pub_text, pub_size, comment, &PUBLIC_LINES[SIGN], sign_pk, lang, &why)) {
    /* central.key changed already: say how to finish */
    say_as(err, lang, why.code, K_PUB_NOT_UPDATED, why.message);
    ics_error_clear(&why);
    goto done;
  }
  if (upgraded) *upgraded = true;
  rc = 0;
done:
  sodium_memzero(key_text, sizeof key_text);
  sodium_memzero(secret, sizeof secret);
  sodium_memzero(sign_sk, sizeof sign_sk);
  return rc;
}

int ics_keys_init(const char *dir, bool *upgraded, ics_lang lang, ics_error *err) {
  if (upgraded) *upgraded = false;
  if (start(lang, err)) return -1;
  char *pub_path = ics_path_join(dir, "central.pub");
  char *key_path = ics_path_join(dir, "central.key");
  int rc;
  if (!pub_path || !key_path) {
    ics_error_no_memory(err, lang);
    rc = -1;
  } else if (ics_path_is_file(pub_path) && ics_path_is_file(key_path)) {
    rc = add_signing_key(dir, key_path, pub_path, upgraded, lang, err);
  } else if (ics_path_is_file(pub_path) || ics_path_is_file(key_path)) {
    rc = say(err, lang, K_ALREADY_THERE, dir);
  } else {
    rc = make_keys(dir, key_path, pub_path, lang, err);
  }
  ics_free(pub_path);
  ics_free(key_path);
  return rc;
}
