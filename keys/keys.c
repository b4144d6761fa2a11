/* keys.c - making, writing and reading the central office's key files. A key file is a few
 * comment lines (#) and one line "KIND: x25519 HEX" with the 32-byte key in lowercase hex. */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

#define TR(lang, vi, en) ((lang) == ICS_EN ? (en) : (vi))

static const char PUBLIC_KIND[] = "ictsurvey-central-public-key";
static const char SECRET_KIND[] = "ictsurvey-central-secret-key";
enum { KEY_FILE_MAX = 4096 };

static int set_error(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_error(char **error, const char *fmt, ...) {
  ics_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if (error) *error = ics_buf_take(&b);
  else ics_buf_free(&b);
  return 1;
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

/* The text of a key file: comments that tell a person what it is, then the key line. */
static char *key_file_text(const char *kind, const unsigned char key[ICS_KEY_BYTES],
                           const char *fingerprint, bool secret) {
  char hex[ICS_KEY_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, key, ICS_KEY_BYTES);
  ics_buf b = {0};
  if (secret)
    ics_buf_printf(&b,
                   "# ictsurvey: the central office's SECRET key (khóa BÍ MẬT của văn phòng trung tâm).\n"
                   "# It opens every sealed bundle: keep it in the office, never send or copy it.\n"
                   "# Used by: ictsurvey merge --key central.key. Public key fingerprint: %s\n",
                   fingerprint);
  else
    ics_buf_printf(&b,
                   "# ictsurvey: the central office's public key (khóa công khai của văn phòng trung tâm).\n"
                   "# Give it to every collector: ictsurvey collect init --central-key central.pub\n"
                   "# Fingerprint: %s\n",
                   fingerprint);
  ics_buf_printf(&b, "%s: x25519 %s\n", kind, hex);
  sodium_memzero(hex, sizeof hex);
  return ics_buf_take(&b);
}

static int write_key_file(const char *path, const char *text, ics_lang lang, char **error) {
  if (!text) return set_error(error, "%s", TR(lang, "không đủ bộ nhớ", "out of memory"));
  if (ics_write_private_file(path, text, strlen(text)) == 0) return 0;
  return set_error(error, TR(lang, "không ghi được '%s': %s", "cannot write '%s': %s"), path,
                   strerror(errno));
}

int ics_keys_init(const char *dir, ics_lang lang, char **error) {
  *error = NULL;
  if (sodium_init() < 0)
    return set_error(error, "%s", TR(lang, "không khởi động được libsodium", "cannot initialise libsodium"));
  char *pub_path = ics_path_join(dir, "central.pub");
  char *key_path = ics_path_join(dir, "central.key");
  int rc = 1;
  unsigned char pk[ICS_KEY_BYTES], sk[ICS_KEY_BYTES];
  if (!pub_path || !key_path) {
    set_error(error, "%s", TR(lang, "không đủ bộ nhớ", "out of memory"));
    goto done;
  }
  if (ics_path_is_file(pub_path) || ics_path_is_file(key_path)) {
    set_error(error,
              TR(lang,
                 "'%s' đã có một cặp khóa; không thay thế nó (các gói đã niêm phong bằng khóa cũ sẽ "
                 "không mở được nữa). Muốn đổi khóa: tạo cặp mới ở thư mục khác (xem docs/security.md)",
                 "'%s' already holds a key pair; it is not replaced (bundles sealed to the old key "
                 "could no longer be opened). To change keys, make the new pair in another folder "
                 "(see docs/security.md)"),
              dir);
    goto done;
  }
  if (ics_make_private_dir(dir) != 0) {
    set_error(error, TR(lang, "không tạo được thư mục '%s': %s", "cannot create the folder '%s': %s"),
              dir, strerror(errno));
    goto done;
  }
  crypto_box_keypair(pk, sk);
  char fingerprint[ICS_FINGERPRINT_SIZE];
  ics_key_fingerprint(pk, fingerprint);
  char *secret_text = key_file_text(SECRET_KIND, sk, fingerprint, true);
  int written = write_key_file(key_path, secret_text, lang, error);
  if (secret_text) sodium_memzero(secret_text, strlen(secret_text));
  ics_free(secret_text);
  if (written) goto done;
  char *public_text = key_file_text(PUBLIC_KIND, pk, fingerprint, false);
  if (write_key_file(pub_path, public_text, lang, error)) {
    remove(key_path); /* a secret key without its public half helps nobody */
  } else {
    rc = 0;
  }
  ics_free(public_text);
done:
  sodium_memzero(sk, sizeof sk);
  ics_free(pub_path);
  ics_free(key_path);
  return rc;
}

/* Finds the key line of a key file's text and decodes its key. */
static int parse_key_file(const char *path, const char *text, size_t size, const char *kind,
                          unsigned char key[ICS_KEY_BYTES], ics_lang lang, char **error) {
  const char *other = kind == PUBLIC_KIND ? SECRET_KIND : PUBLIC_KIND;
  const char *p = text, *end = text + size;
  size_t line = 0;
  bool found = false;
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
    size_t kind_len = strlen(kind), other_len = strlen(other);
    if (n > other_len && memcmp(p, other, other_len) == 0 && p[other_len] == ':') {
      if (kind == SECRET_KIND)
        return set_error(error,
                         TR(lang, "%s:%zu:1: error: đây là khóa CÔNG KHAI (central.pub); lệnh này cần khóa bí mật central.key",
                            "%s:%zu:1: error: this is the PUBLIC key (central.pub); this command needs the secret key, central.key"),
                         path, line);
      return set_error(error,
                       TR(lang, "%s:%zu:1: error: đây là khóa BÍ MẬT (central.key), không bao giờ được rời văn phòng trung tâm; hãy dùng central.pub",
                          "%s:%zu:1: error: this is the SECRET key (central.key), which must never leave the central office; give central.pub"),
                       path, line);
    }
    if (found || n < kind_len + 9 || memcmp(p, kind, kind_len) != 0 ||
        memcmp(p + kind_len, ": x25519 ", 9) != 0)
      return set_error(error,
                       TR(lang, "%s:%zu:1: error: cần một dòng '%s: x25519 KHÓA_HEX' và chỉ một",
                          "%s:%zu:1: error: expected one line '%s: x25519 HEXKEY' and only one"),
                       path, line, kind);
    const char *hex = p + kind_len + 9;
    size_t hex_len = n - kind_len - 9, bin_len = 0;
    const char *hex_end;
    if (hex_len != ICS_KEY_BYTES * 2 ||
        sodium_hex2bin(key, ICS_KEY_BYTES, hex, hex_len, NULL, &bin_len, &hex_end) != 0 ||
        bin_len != ICS_KEY_BYTES)
      return set_error(error,
                       TR(lang, "%s:%zu:%zu: error: khóa phải là 64 chữ số hex (tệp bị sửa hoặc hỏng?)",
                          "%s:%zu:%zu: error: the key must be 64 hex digits (was the file edited or damaged?)"),
                       path, line, kind_len + 10);
    found = true;
    p = nl ? nl + 1 : end;
  }
  if (!found)
    return set_error(error,
                     TR(lang, "%s: không phải tệp khóa của ictsurvey (thiếu dòng '%s: …')",
                        "%s: not an ictsurvey key file (no '%s: …' line)"),
                     path, kind);
  return 0;
}

/* A public key file others may read (central.pub is given out): read whole. */
static int read_public_text(const char *path, const char *kind, unsigned char key[ICS_KEY_BYTES],
                            ics_lang lang, char **error) {
  char *text;
  size_t size;
  ics_read_status st = ics_read_file(path, KEY_FILE_MAX, &text, &size);
  if (st == ICS_READ_NO_MEMORY) return set_error(error, "%s", TR(lang, "không đủ bộ nhớ", "out of memory"));
  if (st == ICS_READ_TOO_LARGE)
    return set_error(error, TR(lang, "%s: quá lớn để là tệp khóa (%zu byte)", "%s: too large to be a key file (%zu bytes)"),
                     path, size);
  if (st != ICS_READ_OK)
    return set_error(error, TR(lang, "%s: không đọc được: %s", "%s: cannot read: %s"), path, strerror(errno));
  int rc = parse_key_file(path, text, size, kind, key, lang, error);
  ics_free(text);
  return rc;
}

/* Reads a key file into a buffer that is wiped afterwards; a secret one only when no other
 * user may read it. */
static int read_key_file(const char *path, const char *kind, unsigned char key[ICS_KEY_BYTES],
                         ics_lang lang, char **error) {
  char text[KEY_FILE_MAX];
  size_t size = 0;
  bool open_to_others = false;
  unsigned mode = 0;
  ics_read_status st = ics_read_private_file(path, text, sizeof text, &size, &open_to_others, &mode);
  int rc = 1;
  if (st == ICS_READ_NOT_FOUND)
    set_error(error, TR(lang, "%s: không có tệp khóa này", "%s: no such key file"), path);
  else if (st == ICS_READ_NOT_REGULAR)
    set_error(error, TR(lang, "%s: đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị); hãy chỉ ra chính tệp khóa",
                        "%s: not a regular file (a folder, a pipe or a device); give the key file itself"),
              path);
  else if (st == ICS_READ_TOO_LARGE)
    set_error(error, TR(lang, "%s: quá lớn để là tệp khóa (%zu byte)", "%s: too large to be a key file (%zu bytes)"),
              path, size);
  else if (st != ICS_READ_OK)
    set_error(error, TR(lang, "%s: không đọc được: %s", "%s: cannot read: %s"), path, strerror(errno));
  else if (open_to_others && kind == SECRET_KIND)
    set_error(error,
              TR(lang,
                 "%s: người dùng khác trên máy này cũng đọc được khóa bí mật (quyền %04o): "
                 "không dùng nó. Hãy chạy 'chmod 600 %s', rồi cân nhắc đổi khóa (docs/security.md)",
                 "%s: other users of this machine can read this secret key (mode %04o): it is "
                 "not used. Run 'chmod 600 %s', then consider changing keys (docs/security.md)"),
              path, mode, path);
  else if (open_to_others) /* a public key may be readable by anyone: read it the usual way */
    rc = read_public_text(path, kind, key, lang, error);
  else
    rc = parse_key_file(path, text, size, kind, key, lang, error);
  sodium_memzero(text, sizeof text);
  return rc;
}

int ics_keys_read_public(const char *path, unsigned char public_key[ICS_KEY_BYTES], ics_lang lang,
                         char **error) {
  *error = NULL;
  if (sodium_init() < 0)
    return set_error(error, "%s", TR(lang, "không khởi động được libsodium", "cannot initialise libsodium"));
  return read_key_file(path, PUBLIC_KIND, public_key, lang, error);
}

int ics_keys_read_secret(const char *path, unsigned char public_key[ICS_KEY_BYTES],
                         unsigned char secret_key[ICS_KEY_BYTES], ics_lang lang, char **error) {
  *error = NULL;
  if (sodium_init() < 0)
    return set_error(error, "%s", TR(lang, "không khởi động được libsodium", "cannot initialise libsodium"));
  if (read_key_file(path, SECRET_KIND, secret_key, lang, error)) {
    sodium_memzero(secret_key, ICS_KEY_BYTES);
    return 1;
  }
  crypto_scalarmult_base(public_key, secret_key);
  return 0;
}
