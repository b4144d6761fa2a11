/* receipt.c - writing and reading the office's receipts (docs/kit-format.md, section 10).
 *
 * A receipt is plain text: the office mails it back or puts it on the surveyor's USB stick,
 * and anyone may open it to see what it says. It is signed like a kit: the SHA-256 of every
 * line before "end:" on that line, and an Ed25519 signature of the context string and that
 * line. The reader checks every line where it lies, then the hash, then the signature, so a
 * receipt changed by one byte is refused whole. */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics_syntax.h"
#include "kit.h"
#include "kit_messages.h"

typedef enum { ICS_RECEIPT_MESSAGES(ICS_MESSAGE_ID) RM_COUNT } receipt_message;
static const ics_message messages[RM_COUNT] = {ICS_RECEIPT_MESSAGES(ICS_MESSAGE_ENTRY)};

static const char MAGIC[] = "ictsurvey-receipt: ";
/* What the signature signs: this, then the "end: SHA256HEX\n" line. */
static const char SIGNATURE_CONTEXT[] = "ictsurvey-receipt-signature-1\n";
enum { KEY_HEX = 64, SIGNATURE_HEX = 128, EXCERPT = 96 };

/* ---- reading ----------------------------------------------------------------------------- */
typedef struct {
  ics_lang lang;
  ics_error *err;
  const char *text;
  size_t len, pos;
  unsigned long long line; /* of the line read last */
} rctx;

static int fail(rctx *c, bool at_line, receipt_message id, ...) {
  if (!c->err || c->err->code != ICS_OK) return -1;
  va_list ap;
  va_start(ap, id);
  ics_error_vsay_at(c->err, c->lang, NULL, 0, 0, &messages[id], ap);
  va_end(ap);
  if (at_line) ics_error_prefix(c->err, ics_message_text(&messages[RM_AT_LINE], c->lang), c->line);
  return -1;
}

static int no_memory(rctx *c) {
  ics_error_no_memory(c->err, c->lang);
  return -1;
}

/* The next line "KEY: VALUE": its value in *v, *n. */
static int expect(rctx *c, const char *key, const char **v, size_t *n) {
  *v = NULL;
  *n = 0;
  const char *start = c->text + c->pos;
  const char *nl = c->pos < c->len ? memchr(start, '\n', c->len - c->pos) : NULL;
  if (!nl) return fail(c, false, RM_TRUNCATED, c->line, key);
  c->line++;
  size_t len = (size_t)(nl - start);
  bool control = false;
  size_t bad = ics_text_scan(start, len, 0, &control);
  if (bad < len) return fail(c, true, RM_LINE_NOT_TEXT, bad);
  c->pos += len + 1;
  size_t k = strlen(key);
  if (len < k + 2 || memcmp(start, key, k) || start[k] != ':' || start[k + 1] != ' ') {
    char ex[EXCERPT];
    ics_excerpt(ex, sizeof ex, start, len);
    return fail(c, true, RM_EXPECTED, key, ex);
  }
  *v = start + k + 2;
  *n = len - k - 2;
  return 0;
}

static int bad_value(rctx *c, const char *key, const char *v, size_t n, const char *expected) {
  char ex[EXCERPT];
  ics_excerpt(ex, sizeof ex, v, n);
  return fail(c, true, RM_BAD_VALUE, ex, key, expected);
}

static int expect_uuid(rctx *c, const char *key, ics_arena *arena, const char **out) {
  const char *v;
  size_t n;
  if (expect(c, key, &v, &n)) return -1;
  if (!ics_uuid_parse(v, n, NULL)) return bad_value(c, key, v, n, "UUID");
  return (*out = ics_arena_strndup(arena, v, n)) ? 0 : no_memory(c);
}

static int expect_count(rctx *c, const char *key, const char *what, uint64_t *out) {
  const char *v;
  size_t n;
  if (expect(c, key, &v, &n)) return -1;
  if (!ics_count_parse(v, n, out)) return bad_value(c, key, v, n, "COUNT");
  if (*out > ICS_RECEIPT_MAX_LINES)
    return fail(c, true, RM_TOO_MANY, (unsigned long long)ICS_RECEIPT_MAX_LINES, what);
  return 0;
}

/* Each id after the one before it: sorted and unique. */
static int in_order(rctx *c, const char *key, const char *prev, const char *id) {
  if (prev && strcmp(prev, id) >= 0) return fail(c, true, RM_ORDER, id, prev, key);
  return 0;
}

typedef struct {
  ics_receipt receipt; /* first: ics_receipt_free finds the arena behind it */
  ics_arena *arena;
} receipt_box;

static int parse(rctx *c, ics_arena *arena, ics_receipt *r) {
  const char *v;
  size_t n;
  uint64_t format;
  if (c->len < sizeof MAGIC - 1 || memcmp(c->text, MAGIC, sizeof MAGIC - 1))
    return fail(c, false, RM_NOT_RECEIPT);
  if (expect(c, "ictsurvey-receipt", &v, &n)) return -1;
  if (!ics_count_parse(v, n, &format) || format == 0) return bad_value(c, "ictsurvey-receipt", v, n, "COUNT");
  if (format > ICS_RECEIPT_FORMAT) return fail(c, true, RM_NEWER, (unsigned long long)format, ICS_RECEIPT_FORMAT);
  if (expect_uuid(c, "store-id", arena, &r->store_id)) return -1;
  if (expect(c, "created", &v, &n)) return -1;
  if (!ics_time_valid(v, n)) return bad_value(c, "created", v, n, "YYYY-MM-DDTHH:MM:SSZ");
  if (!(r->created = ics_arena_strndup(arena, v, n))) return no_memory(c);
  if (expect(c, "office-signing-key", &v, &n)) return -1;
  if (n != 8 + KEY_HEX || memcmp(v, "ed25519 ", 8) || !ics_hex_valid(v + 8, KEY_HEX))
    return bad_value(c, "office-signing-key", v, n, "ed25519 HEX64");
  sodium_hex2bin(r->signing_key, sizeof r->signing_key, v + 8, KEY_HEX, NULL, NULL, NULL);

  uint64_t count;
  if (expect_count(c, "bundles", "bundle", &count)) return -1;
  const char **bundles = ics_arena_alloc(arena, (count ? count : 1) * sizeof *bundles);
  if (!bundles) return no_memory(c);
  for (uint64_t i = 0; i < count; i++) {
    if (expect_uuid(c, "bundle", arena, &bundles[i]) ||
        in_order(c, "bundle", i ? bundles[i - 1] : NULL, bundles[i]))
      return -1;
  }
  r->bundles = bundles;
  r->bundle_count = (size_t)count;

  if (expect_count(c, "records", "record", &count)) return -1;
  ics_receipt_record *records = ics_arena_alloc(arena, (count ? count : 1) * sizeof *records);
  if (!records) return no_memory(c);
  for (uint64_t i = 0; i < count; i++) {
    if (expect(c, "record", &v, &n)) return -1;
    const char *sp = memchr(v, ' ', n);
    uint64_t revision = 0;
    if (!sp || !ics_uuid_parse(v, (size_t)(sp - v), NULL) ||
        !ics_count_parse(sp + 1, (size_t)(v + n - sp - 1), &revision) || revision < 1 || revision > INT32_MAX)
      return bad_value(c, "record", v, n, "UUID REVISION");
    if (!(records[i].instance_id = ics_arena_strndup(arena, v, (size_t)(sp - v)))) return no_memory(c);
    records[i].revision = (int)revision;
    if (in_order(c, "record", i ? records[i - 1].instance_id : NULL, records[i].instance_id)) return -1;
  }
  r->records = records;
  r->record_count = (size_t)count;

  size_t end_at = c->pos;
  if (expect(c, "end", &v, &n)) return -1;
  if (n != ICS_HASH_LEN || !ics_hash_valid(v, n)) return bad_value(c, "end", v, n, "SHA256HEX");
  const char *digest_hex = v;
  size_t end_len = c->pos - end_at;
  unsigned long long end_line = c->line;
  if (expect(c, "signature", &v, &n)) return -1;
  if (n != SIGNATURE_HEX || !ics_hex_valid(v, n)) return bad_value(c, "signature", v, n, "HEX128");
  unsigned char signature[crypto_sign_BYTES];
  sodium_hex2bin(signature, sizeof signature, v, n, NULL, NULL, NULL);
  if (c->pos < c->len) return fail(c, true, RM_AFTER_SIGNATURE);

  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[ICS_HASH_LEN + 1];
  crypto_hash_sha256(digest, (const unsigned char *)c->text, end_at);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  c->line = end_line;
  if (memcmp(hex, digest_hex, ICS_HASH_LEN)) return fail(c, true, RM_HASH_MISMATCH);
  unsigned char message[sizeof SIGNATURE_CONTEXT - 1 + 5 + ICS_HASH_LEN + 1];
  memcpy(message, SIGNATURE_CONTEXT, sizeof SIGNATURE_CONTEXT - 1);
  memcpy(message + sizeof SIGNATURE_CONTEXT - 1, c->text + end_at, end_len);
  c->line++;
  if (crypto_sign_verify_detached(signature, message, sizeof message, r->signing_key) != 0)
    return fail(c, true, RM_SIGNATURE_FAILS);
  return 0;
}

ics_receipt *ics_receipt_read_memory(const void *data, size_t size, ics_lang lang, ics_error *err) {
  rctx c = {.lang = lang, .err = err, .text = data, .len = size};
  if (sodium_init() < 0) {
    fail(&c, false, RM_SODIUM);
    return NULL;
  }
  if (size > ICS_RECEIPT_MAX_FILE) {
    fail(&c, false, RM_FILE_TOO_LARGE, (unsigned long long)size, (unsigned long long)ICS_RECEIPT_MAX_FILE);
    return NULL;
  }
  ics_arena *arena = ics_arena_new();
  receipt_box *box = arena ? ics_arena_alloc(arena, sizeof *box) : NULL;
  if (!box) {
    ics_arena_free(arena);
    no_memory(&c);
    return NULL;
  }
  box->arena = arena;
  if (parse(&c, arena, &box->receipt)) {
    ics_arena_free(arena);
    return NULL;
  }
  return &box->receipt;
}

ics_receipt *ics_receipt_read(const char *path, ics_lang lang, ics_error *err) {
  rctx c = {.lang = lang, .err = err};
  char *data = NULL;
  size_t size = 0;
  ics_code status = ics_read_file(path, ICS_RECEIPT_MAX_FILE, &data, &size);
  switch (status) {
  case ICS_OK: break;
  case ICS_E_NOT_FOUND: fail(&c, false, RM_CANNOT_OPEN, ics_errno_text(ENOENT, lang)); break;
  case ICS_E_NOT_REGULAR: fail(&c, false, RM_NOT_REGULAR); break;
  case ICS_E_TOO_LARGE:
    fail(&c, false, RM_FILE_TOO_LARGE, (unsigned long long)size, (unsigned long long)ICS_RECEIPT_MAX_FILE);
    break;
  case ICS_E_NO_MEMORY: no_memory(&c); break;
  default: {
    int e = errno;
    ics_error_say_as(err, lang, ics_code_from_errno(e), NULL, 0, 0, &messages[RM_CANNOT_READ],
                     ics_errno_text(e, lang));
  }
  }
  if (status != ICS_OK) return NULL;
  ics_receipt *r = ics_receipt_read_memory(data, size, lang, err);
  ics_free(data);
  return r;
}

void ics_receipt_free(ics_receipt *r) {
  if (r) ics_arena_free(((receipt_box *)r)->arena);
}

/* ---- writing ----------------------------------------------------------------------------- */
static int compare_strings(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* By instance id, the highest revision first (the one kept of a record given twice). */
static int compare_records(const void *a, const void *b) {
  const ics_receipt_record *x = a, *y = b;
  int k = strcmp(x->instance_id, y->instance_id);
  return k ? k : (y->revision > x->revision) - (y->revision < x->revision);
}

static int write_invalid(ics_lang lang, ics_error *err, const char *what, const char *value) {
  ics_error_say(err, lang, &messages[RM_WRITE_INVALID], what, value ? value : "(NULL)");
  return -1;
}

int ics_receipt_write(const char *path, const ics_receipt *r,
                      const unsigned char signing_secret[ICS_SIGN_SECRET_BYTES], ics_lang lang,
                      ics_error *err) {
  if (sodium_init() < 0) {
    ics_error_say(err, lang, &messages[RM_SODIUM]);
    return -1;
  }
  unsigned char public_half[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(public_half, signing_secret);
  if (memcmp(public_half, r->signing_key, sizeof public_half)) {
    ics_error_say(err, lang, &messages[RM_KEY_MISMATCH]);
    return -1;
  }
  if (!r->store_id || !ics_uuid_parse(r->store_id, strlen(r->store_id), NULL))
    return write_invalid(lang, err, "store-id", r->store_id);
  if (!r->created || !ics_time_valid(r->created, strlen(r->created)))
    return write_invalid(lang, err, "created", r->created);
  const char **bundles = ics_calloc(r->bundle_count + 1, sizeof *bundles);
  ics_receipt_record *records = ics_calloc(r->record_count + 1, sizeof *records);
  ics_buf b = {0};
  int rc = -1;
  if (!bundles || !records) {
    ics_error_no_memory(err, lang);
    goto done;
  }
  memcpy(bundles, r->bundles, r->bundle_count * sizeof *bundles);
  memcpy(records, r->records, r->record_count * sizeof *records);
  qsort(bundles, r->bundle_count, sizeof *bundles, compare_strings);
  qsort(records, r->record_count, sizeof *records, compare_records);
  size_t nb = 0, nr = 0; /* after dropping repeats */
  for (size_t i = 0; i < r->bundle_count; i++) {
    if (!bundles[i] || !ics_uuid_parse(bundles[i], strlen(bundles[i]), NULL)) {
      write_invalid(lang, err, "bundle", bundles[i]);
      goto done;
    }
    if (!nb || strcmp(bundles[nb - 1], bundles[i])) bundles[nb++] = bundles[i];
  }
  for (size_t i = 0; i < r->record_count; i++) {
    const char *id = records[i].instance_id;
    if (!id || !ics_uuid_parse(id, strlen(id), NULL) || records[i].revision < 1) {
      write_invalid(lang, err, "record", id);
      goto done;
    }
    if (!nr || strcmp(records[nr - 1].instance_id, id)) records[nr++] = records[i];
  }
  if (nb > ICS_RECEIPT_MAX_LINES || nr > ICS_RECEIPT_MAX_LINES) { /* what a reader refuses */
    ics_error_say(err, lang, &messages[RM_TOO_MANY], (unsigned long long)ICS_RECEIPT_MAX_LINES,
                  nb > ICS_RECEIPT_MAX_LINES ? "bundle" : "record");
    goto done;
  }
  char key[KEY_HEX + 1];
  sodium_bin2hex(key, sizeof key, r->signing_key, 32);
  ics_buf_printf(&b, "%s%d\nstore-id: %s\ncreated: %s\noffice-signing-key: ed25519 %s\nbundles: %zu\n",
                 MAGIC, ICS_RECEIPT_FORMAT, r->store_id, r->created, key, nb);
  for (size_t i = 0; i < nb; i++) ics_buf_printf(&b, "bundle: %s\n", bundles[i]);
  ics_buf_printf(&b, "records: %zu\n", nr);
  for (size_t i = 0; i < nr; i++) ics_buf_printf(&b, "record: %s %d\n", records[i].instance_id, records[i].revision);
  if (b.failed) {
    ics_error_no_memory(err, lang);
    goto done;
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[ICS_HASH_LEN + 1];
  crypto_hash_sha256(digest, (const unsigned char *)b.data, b.len);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  char message[sizeof SIGNATURE_CONTEXT - 1 + 5 + ICS_HASH_LEN + 2];
  int mlen = snprintf(message, sizeof message, "%send: %s\n", SIGNATURE_CONTEXT, hex);
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, NULL, (const unsigned char *)message, (unsigned long long)mlen, signing_secret);
  char signature_hex[SIGNATURE_HEX + 1];
  sodium_bin2hex(signature_hex, sizeof signature_hex, signature, sizeof signature);
  ics_buf_printf(&b, "end: %s\nsignature: %s\n", hex, signature_hex);
  if (b.failed) {
    ics_error_no_memory(err, lang);
    goto done;
  }
  ics_output out;
  int e = 0;
  if (ics_output_begin(&out, path) != 0) {
    e = errno;
    ics_error_say_as(err, lang, ics_code_from_errno(e), NULL, 0, 0, &messages[RM_CANNOT_CREATE], ics_errno_text(e, lang));
    goto done;
  }
  if (ics_output_write(&out, b.data, b.len) != 0 || ics_output_commit(&out) != 0) {
    e = errno;
    ics_error_say_as(err, lang, ics_code_from_errno(e), NULL, 0, 0, &messages[RM_CANNOT_WRITE], ics_errno_text(e, lang));
  } else {
    rc = 0;
  }
  ics_output_end(&out);
done:
  ics_free(bundles);
  ics_free(records);
  ics_buf_free(&b);
  return rc;
}
