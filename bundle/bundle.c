/* bundle.c - writing and reading bundles (docs/bundle-format.md).
 *
 * Writing: lines are gathered in a buffer, hashed (SHA-256) and deflated 64 KiB at a time into
 * a temporary file beside the target, which is synced and renamed only by ics_bundle_finish.
 * Everything the reader would refuse is refused before it is written.
 *
 * Reading: the gzip member is inflated 64 KiB at a time, never past the decompressed-size
 * limit; lines are cut with memchr and parsed in place (records point into the chunk or the
 * one line buffer, values are unescaped where they lie), so memory does not grow with the
 * bundle except for the set of instance ids that finds duplicates. When the content turns
 * out wrong, the rest of the gzip member is inflated (up to DRAIN_MAX) to see whether the
 * real cause is damage or truncation, which is then reported instead. */
#include "bundle_private.h"
#include "keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


enum {
  CHUNK = 64 * 1024,   /* bytes inflated or deflated at a time */
  FIRST_LINE_MAX = 64, /* "ictsurvey-bundle: N" */
  EXCERPT = 96         /* room for an excerpt of the input in a message */
};
#define DRAIN_MAX ((uint64_t)64 << 20) /* content inflated after an error to find damage */

static const char BUNDLE_MAGIC[] = "ictsurvey-bundle: ";
/* What a signature signs: this, then the "end: N SHA256HEX\n" line. */
static const char SIGNATURE_CONTEXT[] = "ictsurvey-bundle-signature-1\n";

/* Sealed bundles: plaintext encrypted at a time, and the room for its base64 (with NUL). */
#define SEAL_CHUNK ((size_t)48 * 1024)
#define SEAL_TEXT_SIZE \
  sodium_base64_ENCODED_LEN(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES, \
                            sodium_base64_VARIANT_ORIGINAL)

void ics_bundle_default_limits(ics_bundle_limits *limits) {
  limits->max_decompressed = (uint64_t)2 << 30;
  limits->max_line = (size_t)1 << 20;
  limits->max_definition = (size_t)4 << 20;
  limits->max_forms = 64;
  limits->max_records = 10000000;
}

/* A message: an optional prefix (already formatted) and a formatted text; NULL when even
 * that cannot be allocated. */
static char *message_v(ics_lang lang, const char *prefix, bundle_message id, va_list ap) {
  ics_buf b = {0};
  if (prefix) ics_buf_puts(&b, prefix);
  ics_buf_vprintf(&b, bundle_msg(id, lang), ap);
  return ics_buf_take(&b);
}

static void give_error(char **error, char *message) {
  if (error)
    *error = message;
  else
    ics_free(message);
}

static bool start_sodium(void) { return sodium_init() >= 0; }

/* ==== writing ============================================================================= */

struct ics_bundle_writer {
  ics_lang lang;
  ics_bundle_limits limits; /* what a reader accepts by default: never write more */
  ics_output out;           /* the file, written beside its name until ics_bundle_finish */
  z_stream zs;
  gz_header header; /* zlib keeps a pointer to it until the header is written */
  bool z_ready;
  unsigned char *zout;    /* CHUNK bytes of deflate output */
  ics_buf pending;        /* content not yet hashed and compressed */
  uint64_t content_bytes; /* content handed to deflate so far */
  crypto_hash_sha256_state sha;
  size_t form_count;
  char **form_ids;
  uint64_t *announced; /* records of each form in the manifest */
  uint64_t *written;   /* records of each form written */
  size_t last_form;    /* where the last record's form was found */
  uint64_t records;    /* records written */
  bundle_idset ids;
  bundle_nameset names;
  uint32_t *hashes; /* FNV-1a of each value's name in the current record */
  size_t hashes_cap;
  bool failed;
  /* format 2: signed with the store's Ed25519 key */
  bool signing;
  unsigned char signing_key[crypto_sign_SECRETKEYBYTES];
  /* sealed: this writer holds the readable manifest and the S lines; records go to `inner`, a
   * signed bundle whose gzip bytes are encrypted (`seal`) SEAL_CHUNK bytes at a time */
  ics_bundle_writer *inner;
  ics_bundle_writer *outer; /* in the inner: where its output goes instead of a file */
  crypto_secretstream_xchacha20poly1305_state seal;
  unsigned char *seal_plain, *seal_cipher; /* SEAL_CHUNK and SEAL_CHUNK + ABYTES bytes */
  char *seal_text;                         /* the base64 of one sealed chunk */
  size_t seal_len;                         /* plaintext waiting in seal_plain */
};

/* Sets *error to "PREFIX: MESSAGE" (prefix: BM_AT_MANIFEST, BM_AT_WRITE_RECORD with the record
 * number, or BM_COUNT for none) and returns -1. */
static int write_error(ics_lang lang, char **error, bundle_message at, uint64_t record,
                       bundle_message id, ...) {
  char prefix[128] = "";
  if (at != BM_COUNT)
    snprintf(prefix, sizeof prefix, bundle_msg(at, lang), (unsigned long long)record);
  va_list ap;
  va_start(ap, id);
  give_error(error, message_v(lang, prefix, id, ap));
  va_end(ap);
  return -1;
}

/* Checks a text the writer escapes: valid UTF-8, no control characters but tab, LF and CR.
 * `what` names it in the message. */
static int check_text(ics_lang lang, char **error, bundle_message at, uint64_t record,
                      const char *what, const char *s) {
  if (!s) return write_error(lang, error, at, record, BM_MISSING, what);
  size_t n = strlen(s);
  bool control = false;
  size_t bad = ics_text_scan(s, n, BUNDLE_ALLOW('\t') | BUNDLE_ALLOW('\n') | BUNDLE_ALLOW('\r'),
                                &control);
  if (bad == n) return 0;
  if (control)
    return write_error(lang, error, at, record, BM_BAD_TEXT_CONTROL, what,
                       (unsigned)(unsigned char)s[bad], bad + 1);
  return write_error(lang, error, at, record, BM_BAD_TEXT_UTF8, what, bad + 1);
}

static int check_uuid(ics_lang lang, char **error, bundle_message at, uint64_t record,
                      const char *what, const char *s, unsigned char out[16]) {
  if (!s) return write_error(lang, error, at, record, BM_MISSING, what);
  if (ics_uuid_parse(s, strlen(s), out)) return 0;
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, s, strlen(s));
  return write_error(lang, error, at, record, BM_BAD_UUID, what, excerpt);
}

static int check_time(ics_lang lang, char **error, bundle_message at, uint64_t record,
                      const char *what, const char *s) {
  if (!s) return write_error(lang, error, at, record, BM_MISSING, what);
  if (ics_time_valid(s, strlen(s))) return 0;
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, s, strlen(s));
  return write_error(lang, error, at, record, BM_BAD_TIME, what, excerpt);
}

static int check_year(ics_lang lang, char **error, bundle_message at, uint64_t record, int year) {
  if (year >= 1900 && year <= 2100) return 0;
  char text[16];
  snprintf(text, sizeof text, "%d", year);
  return write_error(lang, error, at, record, BM_BAD_YEAR, "round", text);
}

/* The definition texts: present when not empty, within the limit, valid UTF-8. */
static int check_block(ics_lang lang, char **error, const ics_bundle_limits *limits,
                       const char *what, const char *text, size_t len) {
  if (len && !text) return write_error(lang, error, BM_AT_MANIFEST, 0, BM_MISSING, what);
  if (len > limits->max_definition)
    return write_error(lang, error, BM_AT_MANIFEST, 0, BM_LIMIT_DEFINITION, what,
                       (unsigned long long)len, limits->max_definition);
  size_t bad;
  if (len && !ics_utf8_valid(text, len, &bad))
    return write_error(lang, error, BM_AT_MANIFEST, 0, BM_BLOCK_UTF8, what, bad + 1);
  return 0;
}

static int check_manifest(ics_lang lang, char **error, const ics_bundle_limits *limits,
                          const ics_bundle_manifest *m) {
  const bundle_message at = BM_AT_MANIFEST;
  char excerpt[EXCERPT], what[160];
  if (!m) return write_error(lang, error, at, 0, BM_MISSING, "manifest");
  if (check_uuid(lang, error, at, 0, "bundle-id", m->bundle_id, NULL) ||
      check_uuid(lang, error, at, 0, "store-id", m->store_id, NULL) ||
      check_text(lang, error, at, 0, "surveyor", m->surveyor) ||
      check_text(lang, error, at, 0, "site", m->site) || check_year(lang, error, at, 0, m->round) ||
      check_time(lang, error, at, 0, "created", m->created))
    return -1;
  if (m->record_count > limits->max_records)
    return write_error(lang, error, at, 0, BM_LIMIT_RECORDS, (unsigned long long)m->record_count,
                       (unsigned long long)limits->max_records);
  if (m->form_count > limits->max_forms)
    return write_error(lang, error, at, 0, BM_LIMIT_FORMS, limits->max_forms);
  if (m->form_count && !m->forms) return write_error(lang, error, at, 0, BM_MISSING, "forms");
  uint64_t sum = 0;
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    if (!f->id) return write_error(lang, error, at, 0, BM_MISSING, "form id");
    ics_excerpt(excerpt, sizeof excerpt, f->id, strlen(f->id));
    if (!ics_id_valid(f->id, strlen(f->id)))
      return write_error(lang, error, at, 0, BM_BAD_FORM_ID, excerpt);
    for (size_t j = 0; j < i; j++)
      if (strcmp(m->forms[j].id, f->id) == 0)
        return write_error(lang, error, at, 0, BM_DUPLICATE_FORM, f->id);
    if (!f->version || !ics_version_valid(f->version, strlen(f->version))) {
      char version[EXCERPT];
      ics_excerpt(version, sizeof version, f->version ? f->version : "",
                     f->version ? strlen(f->version) : 0);
      return write_error(lang, error, at, 0, BM_BAD_VERSION, version, f->id);
    }
    if (!f->hash || !ics_hash_valid(f->hash, strlen(f->hash)))
      return write_error(lang, error, at, 0, BM_BAD_HASH, f->id);
    if (f->records > limits->max_records)
      return write_error(lang, error, at, 0, BM_LIMIT_RECORDS, (unsigned long long)f->records,
                         (unsigned long long)limits->max_records);
    snprintf(what, sizeof what, bundle_msg(BM_WHAT_DEFINITION, lang), f->id);
    if (check_block(lang, error, limits, what, f->definition, f->definition_len)) return -1;
    sum += f->records;
  }
  if (sum != m->record_count)
    return write_error(lang, error, at, 0, BM_FORM_SUM, (unsigned long long)sum,
                       (unsigned long long)m->record_count);
  return check_block(lang, error, limits, bundle_msg(BM_WHAT_REGISTER, lang), m->register_text,
                     m->register_len);
}

static int w_fail(ics_bundle_writer *w, char **error, bundle_message at, bundle_message id, ...) {
  char prefix[128] = "";
  if (at != BM_COUNT)
    snprintf(prefix, sizeof prefix, bundle_msg(at, w->lang), (unsigned long long)w->records + 1);
  va_list ap;
  va_start(ap, id);
  give_error(error, message_v(w->lang, prefix, id, ap));
  va_end(ap);
  w->failed = true;
  return -1;
}

static int w_io_error(ics_bundle_writer *w, char **error) {
  return w_fail(w, error, BM_COUNT, BM_CANNOT_WRITE, w->out.path, strerror(errno));
}

static int seal_bytes(ics_bundle_writer *o, const unsigned char *p, size_t n, char **error);

/* The compressed bytes go to the file, or, in a sealed bundle's inner writer, to the seal. */
static int write_all(ics_bundle_writer *w, const unsigned char *p, size_t n, char **error) {
  if (w->outer) {
    if (seal_bytes(w->outer, p, n, error) == 0) return 0;
    w->failed = true;
    return -1;
  }
  return ics_output_write(&w->out, p, n) == 0 ? 0 : w_io_error(w, error);
}

/* Deflates p[0..n) with `flush` and writes what comes out. */
static int deflate_out(ics_bundle_writer *w, const void *p, size_t n, int flush, char **error) {
  w->content_bytes += n;
  if (w->content_bytes > w->limits.max_decompressed)
    return w_fail(w, error, BM_COUNT, BM_WRITE_TOO_LARGE,
                  (unsigned long long)w->limits.max_decompressed);
  w->zs.next_in = (unsigned char *)(uintptr_t)p; /* zlib's next_in is not const */
  w->zs.avail_in = (uInt)n;
  for (;;) {
    w->zs.next_out = w->zout;
    w->zs.avail_out = CHUNK;
    int z = deflate(&w->zs, flush);
    if (z == Z_STREAM_ERROR)
      return w_fail(w, error, BM_COUNT, BM_ZLIB, w->zs.msg ? w->zs.msg : "deflate");
    if (write_all(w, w->zout, CHUNK - w->zs.avail_out, error)) return -1;
    if (flush == Z_FINISH ? z == Z_STREAM_END : w->zs.avail_out != 0) break;
  }
  return 0;
}

/* Hashes and compresses the pending content. */
static int flush_pending(ics_bundle_writer *w, char **error) {
  if (w->pending.failed) return w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
  if (!w->pending.len) return 0;
  crypto_hash_sha256_update(&w->sha, (const unsigned char *)w->pending.data, w->pending.len);
  if (deflate_out(w, w->pending.data, w->pending.len, Z_NO_FLUSH, error)) return -1;
  w->pending.len = 0;
  return 0;
}

/* The line just appended from `mark` must stay within the readers' line limit. */
static int check_line_length(ics_bundle_writer *w, size_t mark, bundle_message at, char **error) {
  if (w->pending.failed) return w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
  if (w->pending.len - mark - 1 > w->limits.max_line)
    return w_fail(w, error, at, BM_WRITE_LINE_TOO_LONG, w->limits.max_line);
  return 0;
}

static int put_block(ics_bundle_writer *w, const char *text, size_t len, char **error) {
  if (len) ics_buf_append(&w->pending, text, len);
  ics_buf_putc(&w->pending, '\n');
  return flush_pending(w, error);
}

/* Encrypts the plaintext gathered in o->seal_plain into one "S BASE64" line of o. */
static int seal_chunk(ics_bundle_writer *o, unsigned char tag, char **error) {
  unsigned long long cipher_len;
  crypto_secretstream_xchacha20poly1305_push(&o->seal, o->seal_cipher, &cipher_len, o->seal_plain,
                                             o->seal_len, NULL, 0, tag);
  sodium_bin2base64(o->seal_text, SEAL_TEXT_SIZE, o->seal_cipher, (size_t)cipher_len,
                    sodium_base64_VARIANT_ORIGINAL);
  o->seal_len = 0;
  ics_buf_puts(&o->pending, "S ");
  ics_buf_puts(&o->pending, o->seal_text);
  ics_buf_putc(&o->pending, '\n');
  return flush_pending(o, error);
}

static int seal_bytes(ics_bundle_writer *o, const unsigned char *p, size_t n, char **error) {
  while (n) {
    size_t take = SEAL_CHUNK - o->seal_len;
    if (take > n) take = n;
    memcpy(o->seal_plain + o->seal_len, p, take);
    o->seal_len += take;
    p += take;
    n -= take;
    if (o->seal_len == SEAL_CHUNK &&
        seal_chunk(o, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, error))
      return -1;
  }
  return 0;
}

/* The manifest up to the forms. A sealed bundle's readable copy leaves the surveyor empty. */
static int write_manifest_head(ics_bundle_writer *w, const ics_bundle_manifest *m, int format,
                               const char *surveyor, char **error) {
  ics_buf *b = &w->pending;
  ics_buf_printf(b, "%s%d\nbundle-id: %s\nstore-id: %s\n", BUNDLE_MAGIC, format, m->bundle_id,
                 m->store_id);
  size_t mark = b->len;
  ics_buf_puts(b, "surveyor: ");
  ics_escape_append(b, surveyor, strlen(surveyor));
  ics_buf_putc(b, '\n');
  if (check_line_length(w, mark, BM_AT_MANIFEST, error)) return -1;
  mark = b->len;
  ics_buf_puts(b, "site: ");
  ics_escape_append(b, m->site, strlen(m->site));
  ics_buf_putc(b, '\n');
  if (check_line_length(w, mark, BM_AT_MANIFEST, error)) return -1;
  ics_buf_printf(b, "round: %d\ncreated: %s\nrecords: %llu\n", m->round, m->created,
                 (unsigned long long)m->record_count);
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    ics_buf_printf(b, "form: %s %s %s %llu\n", f->id, f->version, f->hash,
                   (unsigned long long)f->records);
  }
  return 0;
}

/* A plain bundle's manifest: the head, the signer (format 2), the register, the definitions. */
static int write_manifest(ics_bundle_writer *w, const ics_bundle_manifest *m, char **error) {
  ics_buf *b = &w->pending;
  if (write_manifest_head(w, m, w->signing ? 2 : 1, m->surveyor, error)) return -1;
  if (w->signing) {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
    crypto_sign_ed25519_sk_to_pk(pk, w->signing_key);
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    ics_buf_printf(b, "signer: %s\n", hex);
  }
  ics_buf_printf(b, "register: %zu\n", m->register_len);
  if (put_block(w, m->register_text, m->register_len, error)) return -1;
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    ics_buf_printf(b, "definition: %s %zu\n", f->id, f->definition_len);
    if (put_block(w, f->definition, f->definition_len, error)) return -1;
  }
  return 0;
}

/* A sealed bundle's readable part: the head and "sealed: CENTRAL_KEY BOXED_KEY HEADER", where
 * BOXED_KEY is a fresh content key sealed (crypto_box_seal) to the central office's key. */
static int write_sealed_manifest(ics_bundle_writer *w, const ics_bundle_manifest *m,
                                 const unsigned char *central_key, char **error) {
  if (write_manifest_head(w, m, 2, "", error)) return -1;
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  unsigned char boxed[crypto_box_SEALBYTES + sizeof key];
  crypto_secretstream_xchacha20poly1305_keygen(key);
  crypto_secretstream_xchacha20poly1305_init_push(&w->seal, header, key);
  int sealed = crypto_box_seal(boxed, key, sizeof key, central_key);
  sodium_memzero(key, sizeof key);
  if (sealed != 0) return w_fail(w, error, BM_COUNT, BM_SEAL_FAILED);
  char pk_hex[crypto_box_PUBLICKEYBYTES * 2 + 1], boxed_hex[sizeof boxed * 2 + 1],
      header_hex[sizeof header * 2 + 1];
  sodium_bin2hex(pk_hex, sizeof pk_hex, central_key, crypto_box_PUBLICKEYBYTES);
  sodium_bin2hex(boxed_hex, sizeof boxed_hex, boxed, sizeof boxed);
  sodium_bin2hex(header_hex, sizeof header_hex, header, sizeof header);
  ics_buf_printf(&w->pending, "sealed: %s %s %s\n", pk_hex, boxed_hex, header_hex);
  return flush_pending(w, error);
}

/* A writer with its form bookkeeping and a started deflate stream, writing nowhere yet. */
static ics_bundle_writer *writer_new(ics_lang lang, const ics_bundle_limits *limits,
                                     const ics_bundle_manifest *manifest, char **error) {
  ics_bundle_writer *w = ics_calloc(1, sizeof *w);
  if (!w) {
    write_error(lang, error, BM_COUNT, 0, BM_NO_MEMORY);
    return NULL;
  }
  w->lang = lang;
  w->limits = *limits;
  w->out.fd = -1;
  bundle_idset_init(&w->ids);
  size_t forms = manifest->form_count;
  w->zout = ics_malloc(CHUNK);
  w->form_ids = ics_calloc(forms, sizeof *w->form_ids);
  w->announced = ics_calloc(forms, sizeof *w->announced);
  w->written = ics_calloc(forms, sizeof *w->written);
  if (!w->zout || !w->form_ids || !w->announced || !w->written) goto no_memory;
  w->form_count = forms;
  for (size_t i = 0; i < forms; i++) {
    w->announced[i] = manifest->forms[i].records;
    if (!(w->form_ids[i] = ics_strdup(manifest->forms[i].id))) goto no_memory;
  }
  /* Deterministic output: level 6, a 32 KiB window, memLevel 8, default strategy, and a gzip
   * header with no name, no time and OS 255 (unknown). */
  w->zs.zalloc = ics_zlib_alloc;
  w->zs.zfree = ics_zlib_free;
  int z = deflateInit2(&w->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  if (z != Z_OK) {
    w_fail(w, error, BM_COUNT, z == Z_MEM_ERROR ? BM_NO_MEMORY : BM_ZLIB, "deflateInit2");
    goto fail;
  }
  w->z_ready = true;
  memset(&w->header, 0, sizeof w->header);
  w->header.time = 0;
  w->header.os = 255;
  if (deflateSetHeader(&w->zs, &w->header) != Z_OK) {
    w_fail(w, error, BM_COUNT, BM_ZLIB, "deflateSetHeader");
    goto fail;
  }
  crypto_hash_sha256_init(&w->sha);
  return w;
no_memory:
  w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
fail:
  ics_bundle_abort(w);
  return NULL;
}

/* Opens the temporary file beside path that ics_bundle_finish renames to path. */
static int writer_open_file(ics_bundle_writer *w, const char *path, char **error) {
  if (ics_output_begin(&w->out, path) == 0) return 0; /* from now on removed on failure */
  int saved = errno;
  if (saved == ENOMEM) return w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
  return w_fail(w, error, BM_COUNT, BM_CANNOT_CREATE, path, strerror(saved));
}

ics_bundle_writer *ics_bundle_create(const char *path, const ics_bundle_manifest *manifest,
                                     const ics_bundle_keys *keys, char **error) {
  ics_lang lang = ics_lang_default();
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  if (error) *error = NULL;
  if (!start_sodium()) {
    write_error(lang, error, BM_COUNT, 0, BM_SODIUM);
    return NULL;
  }
  if (!path) {
    write_error(lang, error, BM_COUNT, 0, BM_MISSING, "path");
    return NULL;
  }
  const unsigned char *signing_key = keys ? keys->signing_key : NULL;
  const unsigned char *central_key = keys ? keys->central_key : NULL;
  if (central_key && !signing_key) {
    write_error(lang, error, BM_COUNT, 0, BM_MISSING, "signing_key");
    return NULL;
  }
  if (check_manifest(lang, error, &limits, manifest)) return NULL;
  int format = signing_key ? 2 : 1;
  if (manifest->format != 0 && manifest->format != format) {
    write_error(lang, error, BM_AT_MANIFEST, 0, BM_WRITER_FORMAT, manifest->format, format);
    return NULL;
  }

  ics_bundle_writer *w = writer_new(lang, &limits, manifest, error);
  if (!w) return NULL;
  if (writer_open_file(w, path, error)) goto fail;
  if (central_key) {
    w->seal_plain = ics_malloc(SEAL_CHUNK);
    w->seal_cipher = ics_malloc(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
    w->seal_text = ics_malloc(SEAL_TEXT_SIZE);
    if (!w->seal_plain || !w->seal_cipher || !w->seal_text) {
      w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
      goto fail;
    }
    if (write_sealed_manifest(w, manifest, central_key, error)) goto fail;
    /* the records go into an ordinary signed bundle, written through the seal */
    if (!(w->inner = writer_new(lang, &limits, manifest, error))) goto fail;
    w->inner->outer = w;
    w = w->inner;
  }
  if (signing_key) {
    w->signing = true;
    memcpy(w->signing_key, signing_key, sizeof w->signing_key);
  }
  if (write_manifest(w, manifest, error)) {
    if (w->outer) w = w->outer;
    goto fail;
  }
  return w->outer ? w->outer : w;
fail:
  ics_bundle_abort(w);
  return NULL;
}

static int find_form(ics_bundle_writer *w, const char *id) {
  if (w->last_form < w->form_count && strcmp(w->form_ids[w->last_form], id) == 0)
    return (int)w->last_form;
  for (size_t i = 0; i < w->form_count; i++)
    if (strcmp(w->form_ids[i], id) == 0) {
      w->last_form = i;
      return (int)i;
    }
  return -1;
}

int ics_bundle_write(ics_bundle_writer *w, const ics_bundle_record *rec, char **error) {
  if (error) *error = NULL;
  if (!w || w->failed) {
    write_error(w ? w->lang : ics_lang_default(), error, BM_COUNT, 0, BM_WRITER_FAILED);
    return -1;
  }
  if (w->inner) { /* sealed: the records go into the inner bundle */
    if (ics_bundle_write(w->inner, rec, error) == 0) return 0;
    w->failed = true;
    return -1;
  }
  const bundle_message at = BM_AT_WRITE_RECORD;
  const ics_lang lang = w->lang;
  const uint64_t number = w->records + 1;
  char excerpt[EXCERPT], what[160];
  unsigned char id[16];
  if (!rec) return w_fail(w, error, at, BM_MISSING, "record");
  if (check_uuid(lang, error, at, number, "instance_id", rec->instance_id, id) ||
      check_time(lang, error, at, number, "created_at", rec->created_at) ||
      check_time(lang, error, at, number, "updated_at", rec->updated_at) ||
      check_text(lang, error, at, number, "surveyor", rec->surveyor) ||
      check_text(lang, error, at, number, "site", rec->site) ||
      check_year(lang, error, at, number, rec->round)) {
    w->failed = true;
    return -1;
  }
  if (!rec->form_id) return w_fail(w, error, at, BM_MISSING, "form_id");
  int form = find_form(w, rec->form_id);
  if (form < 0) {
    ics_excerpt(excerpt, sizeof excerpt, rec->form_id, strlen(rec->form_id));
    return w_fail(w, error, at, BM_UNKNOWN_FORM, excerpt);
  }
  if (rec->revision < 1) {
    snprintf(excerpt, sizeof excerpt, "%d", rec->revision);
    return w_fail(w, error, at, BM_BAD_REVISION, excerpt);
  }
  if (!rec->status || (strcmp(rec->status, "finalized") != 0 && strcmp(rec->status, "void") != 0)) {
    ics_excerpt(excerpt, sizeof excerpt, rec->status ? rec->status : "",
                   rec->status ? strlen(rec->status) : 0);
    return w_fail(w, error, at, BM_BAD_STATUS, excerpt);
  }
  if (rec->value_count && !rec->values) return w_fail(w, error, at, BM_MISSING, "values");
  if (rec->value_count > w->hashes_cap) {
    uint32_t *hashes = ics_realloc(w->hashes, rec->value_count * sizeof *hashes);
    if (!hashes) return w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
    w->hashes = hashes;
    w->hashes_cap = rec->value_count;
  }
  for (size_t i = 0; i < rec->value_count; i++) {
    const ics_bundle_value *v = &rec->values[i];
    if (!v->name) return w_fail(w, error, at, BM_MISSING, "field name");
    size_t len = strlen(v->name);
    if (!ics_id_valid(v->name, len)) {
      ics_excerpt(excerpt, sizeof excerpt, v->name, len);
      return w_fail(w, error, at, BM_BAD_FIELD_NAME, excerpt);
    }
    uint32_t h = BUNDLE_NAME_HASH_INIT;
    for (size_t k = 0; k < len; k++) h = bundle_name_hash_step(h, (unsigned char)v->name[k]);
    w->hashes[i] = h;
    snprintf(what, sizeof what, bundle_msg(BM_WHAT_FIELD, lang), v->name);
    if (check_text(lang, error, at, number, what, v->value)) {
      w->failed = true;
      return -1;
    }
  }
  const char *dup;
  int unique = bundle_names_unique(&w->names, rec->values, w->hashes, rec->value_count, &dup);
  if (unique < 0) return w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
  if (!unique) return w_fail(w, error, at, BM_DUPLICATE_FIELD, dup);
  if (w->written[form] + 1 > w->announced[form])
    return w_fail(w, error, at, BM_TOO_MANY_FORM_RECORDS, w->form_ids[form],
                  (unsigned long long)w->announced[form]);
  int added = bundle_idset_add(&w->ids, id);
  if (added < 0) return w_fail(w, error, BM_COUNT, BM_NO_MEMORY);
  if (!added) return w_fail(w, error, at, BM_DUPLICATE_INSTANCE, rec->instance_id);

  ics_buf *b = &w->pending;
  size_t mark = b->len;
  ics_buf_printf(b, "R\t%s\t%s\t%d\t%s\t%s\t%s\t", rec->instance_id, w->form_ids[form],
                 rec->revision, rec->status, rec->created_at, rec->updated_at);
  ics_escape_append(b, rec->surveyor, strlen(rec->surveyor));
  ics_buf_putc(b, '\t');
  ics_escape_append(b, rec->site, strlen(rec->site));
  ics_buf_printf(b, "\t%d", rec->round);
  for (size_t i = 0; i < rec->value_count; i++) {
    const ics_bundle_value *v = &rec->values[i];
    if (!v->value[0]) continue; /* empty fields are left out */
    ics_buf_putc(b, '\t');
    ics_buf_puts(b, v->name);
    ics_buf_putc(b, '=');
    ics_escape_append(b, v->value, strlen(v->value));
  }
  ics_buf_putc(b, '\n');
  if (check_line_length(w, mark, at, error)) return -1;
  w->written[form]++;
  w->records++;
  if (b->len >= CHUNK) return flush_pending(w, error);
  return 0;
}

static void writer_free(ics_bundle_writer *w) {
  if (w->inner) writer_free(w->inner);
  ics_output_end(&w->out);
  if (w->z_ready) deflateEnd(&w->zs);
  for (size_t i = 0; w->form_ids && i < w->form_count; i++) ics_free(w->form_ids[i]);
  ics_free(w->form_ids);
  ics_free(w->announced);
  ics_free(w->written);
  ics_free(w->zout);
  ics_buf_free(&w->pending);
  ics_free(w->hashes);
  bundle_idset_free(&w->ids);
  bundle_nameset_free(&w->names);
  ics_free(w->seal_plain);
  ics_free(w->seal_cipher);
  ics_free(w->seal_text);
  sodium_memzero(w->signing_key, sizeof w->signing_key);
  sodium_memzero(&w->seal, sizeof w->seal);
  ics_free(w);
}

void ics_bundle_abort(ics_bundle_writer *w) {
  if (w) writer_free(w);
}

/* Checks the counts, writes "end: N SHA256HEX" (and, when signing, the signature line after
 * it) and ends the gzip member. */
static int write_trailer(ics_bundle_writer *w, uint64_t records, char **error) {
  if (flush_pending(w, error)) return -1;
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  crypto_hash_sha256_final(&w->sha, digest);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  char trailer[128 + sizeof SIGNATURE_CONTEXT];
  int n = snprintf(trailer, sizeof trailer, "%send: %llu %s\n", SIGNATURE_CONTEXT,
                   (unsigned long long)records, hex);
  size_t context = sizeof SIGNATURE_CONTEXT - 1;
  if (!w->signing)
    return deflate_out(w, trailer + context, (size_t)n - context, Z_FINISH, error);
  /* the signature covers the context and the end line, which holds the hash of all before */
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, NULL, (const unsigned char *)trailer, (size_t)n, w->signing_key);
  char line[sizeof "signature: \n" + crypto_sign_BYTES * 2];
  memcpy(line, "signature: ", 11);
  sodium_bin2hex(line + 11, crypto_sign_BYTES * 2 + 1, signature, sizeof signature);
  strcat(line, "\n");
  if (deflate_out(w, trailer + context, (size_t)n - context, Z_NO_FLUSH, error)) return -1;
  return deflate_out(w, line, strlen(line), Z_FINISH, error);
}

static int check_all_written(ics_bundle_writer *w, char **error) {
  for (size_t i = 0; i < w->form_count; i++)
    if (w->written[i] != w->announced[i])
      return w_fail(w, error, BM_COUNT, BM_NOT_ALL_WRITTEN, (unsigned long long)w->announced[i],
                    w->form_ids[i], (unsigned long long)w->written[i]);
  return 0;
}

int ics_bundle_finish(ics_bundle_writer *w, char **error) {
  if (error) *error = NULL;
  if (!w || w->failed) {
    write_error(w ? w->lang : ics_lang_default(), error, BM_COUNT, 0, BM_WRITER_FAILED);
    ics_bundle_abort(w);
    return -1;
  }
  if (w->inner) {
    /* the inner bundle ends, its last bytes are sealed with the final tag, then this ends */
    ics_bundle_writer *in = w->inner;
    if (check_all_written(in, error) || write_trailer(in, in->records, error) ||
        seal_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, error) ||
        write_trailer(w, in->records, error))
      goto fail;
  } else if (check_all_written(w, error) || write_trailer(w, w->records, error)) {
    goto fail;
  }
  /* synced, renamed over the bundle's name, the folder synced */
  if (ics_output_commit(&w->out) != 0) {
    w_fail(w, error, BM_COUNT, BM_CANNOT_WRITE, w->out.path, strerror(errno));
    goto fail;
  }
  writer_free(w);
  return 0;
fail:
  writer_free(w);
  return -1;
}

/* ==== reading ============================================================================= */

typedef enum {
  K_CONTENT, /* the content is wrong: look further for damage that would explain it */
  K_GZIP,    /* the gzip data is damaged or truncated */
  K_OTHER    /* limits, input errors, memory */
} error_kind;

typedef enum { S_READING, S_DONE, S_FAILED } reader_state;

struct ics_bundle_reader {
  ics_lang lang;
  ics_bundle_limits limits;
  /* compressed input: a file read CHUNK bytes at a time, or bytes in memory */
  FILE *file;
  unsigned char *in;        /* file: CHUNK bytes */
  const unsigned char *mem; /* memory */
  size_t mem_size, mem_pos; /* memory: how much was handed to zlib */
  bool in_eof;              /* zlib has all the input there is */
  z_stream zs;
  bool z_ready, z_end; /* inflateInit2 done; the member's end (and CRC) reached */
  uint64_t member_end; /* offset of the byte after the member */
  /* decompressed content */
  unsigned char *out; /* CHUNK bytes; lines are used where they lie when they can */
  size_t out_pos, out_len;
  uint64_t out_total; /* content inflated so far */
  uint64_t out_limit; /* inflate no further than this */
  char *line;         /* a line that straddles chunks */
  size_t line_cap;
  uint64_t line_no; /* complete lines consumed */
  crypto_hash_sha256_state sha;
  /* manifest */
  ics_arena *arena;
  ics_bundle_manifest manifest;
  ics_bundle_form *forms;
  uint64_t *seen; /* records read of each form */
  size_t last_form;
  /* records */
  uint64_t records; /* record lines read */
  bool in_record;   /* messages name the record */
  ics_bundle_value *values;
  uint32_t *hashes;
  size_t values_cap;
  bundle_nameset names;
  bundle_idset ids;
  /* outcome */
  reader_state state;
  char *error;
  bool draining;
  /* format 2: the signer's key */
  bool is_signed;
  unsigned char signer[crypto_sign_PUBLICKEYBYTES];
  char signer_hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
  /* sealed: the readable part is read here; the sealed bundle by `inner`, whose compressed
   * input is decrypted from this reader's S lines */
  bool sealed;
  unsigned char sealed_to[crypto_box_PUBLICKEYBYTES];
  unsigned char boxed_key[crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char stream_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_state stream;
  unsigned char *cipher; /* one decoded S line */
  ics_bundle_reader *inner;
  ics_bundle_reader *outer; /* in the inner: where its input comes from */
  bool outer_error;         /* in the inner: the error is the outer's, told as it is */
};

/* Records the first problem (a later one while draining may replace it, see fail()). */
static int r_failv(ics_bundle_reader *r, error_kind kind, bool prefix, bundle_message id,
                   va_list ap) {
  char at[128] = "";
  if (prefix && r->in_record)
    snprintf(at, sizeof at, bundle_msg(BM_AT_RECORD, r->lang), (unsigned long long)r->records,
             (unsigned long long)r->line_no);
  else if (prefix)
    snprintf(at, sizeof at, bundle_msg(BM_AT_LINE, r->lang), (unsigned long long)r->line_no);
  char *message = message_v(r->lang, at, id, ap);
  if (r->draining) { /* only damage found while draining counts; the first message stays */
    if (kind == K_GZIP) {
      ics_free(r->error);
      r->error = message;
    } else {
      ics_free(message);
    }
    return -1;
  }
  ics_free(r->error);
  r->error = message;
  r->state = S_FAILED;
  return -1;
}

static int inflate_more(ics_bundle_reader *r);

/* After a content error: inflate the rest of the member (at most DRAIN_MAX more) and report
 * damage or truncation found there instead, since that is what caused the error. */
static void drain(ics_bundle_reader *r) {
  if (r->z_end || !r->z_ready) return;
  r->draining = true;
  uint64_t limit = r->out_total + DRAIN_MAX;
  if (limit < r->out_limit) r->out_limit = limit;
  while (inflate_more(r) == 1) r->out_pos = r->out_len;
  r->draining = false;
}

static int fail(ics_bundle_reader *r, error_kind kind, bundle_message id, ...) {
  va_list ap;
  va_start(ap, id);
  r_failv(r, kind, false, id, ap);
  va_end(ap);
  if (kind == K_CONTENT) drain(r);
  return -1;
}

/* The same with "line N: " or "record N: line M: " before the message. */
static int fail_here(ics_bundle_reader *r, error_kind kind, bundle_message id, ...) {
  va_list ap;
  va_start(ap, id);
  r_failv(r, kind, true, id, ap);
  va_end(ap);
  if (kind == K_CONTENT) drain(r);
  return -1;
}

/* ---- compressed input ---------------------------------------------------------------------- */

static int refill_sealed(ics_bundle_reader *r);

static int refill(ics_bundle_reader *r) {
  if (r->outer) return refill_sealed(r);
  if (r->file) {
    size_t n = fread(r->in, 1, CHUNK, r->file);
    if (n < CHUNK) {
      if (ferror(r->file)) return fail(r, K_OTHER, BM_CANNOT_READ, strerror(errno));
      r->in_eof = true;
    }
    r->zs.next_in = r->in;
    r->zs.avail_in = (uInt)n;
  } else {
    size_t n = r->mem_size - r->mem_pos;
    if (n > (size_t)1 << 30) n = (size_t)1 << 30;
    r->zs.next_in = (unsigned char *)(uintptr_t)(r->mem + r->mem_pos);
    r->zs.avail_in = (uInt)n;
    r->mem_pos += n;
    if (r->mem_pos == r->mem_size) r->in_eof = true;
  }
  return 0;
}

static int damaged(ics_bundle_reader *r) {
  const char *zmsg = r->zs.msg ? r->zs.msg : "?";
  char what[256];
  bundle_message id = BM_Z_DATA;
  if (strcmp(zmsg, "incorrect data check") == 0)
    id = BM_Z_CRC;
  else if (strcmp(zmsg, "incorrect length check") == 0)
    id = BM_Z_LENGTH;
  else if (strcmp(zmsg, "incorrect header check") == 0 ||
           strcmp(zmsg, "unknown compression method") == 0 ||
           strcmp(zmsg, "unknown header flags set") == 0 ||
           strcmp(zmsg, "header crc mismatch") == 0)
    id = BM_Z_HEADER;
  snprintf(what, sizeof what, bundle_msg(id, r->lang), zmsg);
  return fail(r, K_GZIP, BM_DAMAGED, what, (unsigned long long)r->zs.total_in);
}

/* Inflates the next chunk of content into out. 1: out has bytes; 0: the member ended (its
 * CRC and length checked); -1: an error (recorded). */
static int inflate_more(ics_bundle_reader *r) {
  for (;;) {
    if (r->z_end) return 0;
    if (r->zs.avail_in == 0 && !r->in_eof && refill(r)) return -1;
    /* never inflate more than one byte past the limit */
    uint64_t room = r->out_limit - r->out_total;
    size_t want = room < CHUNK ? (size_t)room + 1 : CHUNK;
    r->zs.next_out = r->out;
    r->zs.avail_out = (uInt)want;
    uInt in_before = r->zs.avail_in;
    int z = inflate(&r->zs, Z_NO_FLUSH);
    size_t got = want - r->zs.avail_out;
    r->out_total += got;
    if (r->out_total > r->out_limit) {
      if (r->draining) return -1; /* gave up looking for damage */
      return fail(r, K_OTHER, BM_LIMIT_DECOMPRESSED,
                  (unsigned long long)r->limits.max_decompressed);
    }
    switch (z) {
    case Z_OK: break;
    case Z_STREAM_END:
      r->z_end = true;
      r->member_end = r->zs.total_in;
      break;
    case Z_BUF_ERROR:
      if (r->zs.avail_in != 0 || in_before != 0) return damaged(r); /* cannot happen */
      break;
    case Z_MEM_ERROR: return fail(r, K_OTHER, BM_NO_MEMORY);
    default: return damaged(r); /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
    }
    if (got) {
      r->out_pos = 0;
      r->out_len = got;
      return 1;
    }
    if (r->z_end) return 0;
    if (r->zs.avail_in == 0 && r->in_eof)
      return fail(r, K_GZIP, BM_TRUNCATED, (unsigned long long)r->zs.total_in);
  }
}

/* After the member: nothing else may be in the file. */
static int check_after_member(ics_bundle_reader *r) {
  unsigned char next[2];
  size_t k = 0;
  while (k < 2) {
    if (r->zs.avail_in) {
      next[k++] = *r->zs.next_in++;
      r->zs.avail_in--;
    } else if (r->in_eof) {
      break;
    } else if (refill(r)) {
      return -1;
    }
  }
  if (k == 0) return 0;
  if (k == 2 && next[0] == 0x1f && next[1] == 0x8b)
    return fail(r, K_GZIP, BM_SECOND_MEMBER, (unsigned long long)r->member_end);
  return fail(r, K_GZIP, BM_TRAILING, (unsigned long long)r->member_end);
}

/* The gzip header a bundle has: 1f 8b 08, no flags, time 0, XFL 0/2/4, OS 255. */
static int check_header(ics_bundle_reader *r) {
  const unsigned char *h = r->zs.next_in;
  size_t n = r->zs.avail_in;
  if (n == 0) return fail(r, K_OTHER, BM_EMPTY);
  if (n < 2 || h[0] != 0x1f || h[1] != 0x8b) return fail(r, K_OTHER, BM_NOT_GZIP);
  static const char *const expected[10] = {"0x1f", "0x8b", "0x08", "0x00", "0x00",
                                           "0x00", "0x00", "0x00", "0x00", "0xff"};
  for (size_t i = 2; i < 10 && i < n; i++) {
    bool ok = i == 8 ? (h[i] == 0 || h[i] == 2 || h[i] == 4)
                     : h[i] == (i == 2   ? 0x08
                                : i == 9 ? 0xff
                                         : 0x00);
    if (!ok) return fail(r, K_GZIP, BM_BAD_GZIP_HEADER, (int)i, (unsigned)h[i], expected[i]);
  }
  if (n < 10) return fail(r, K_GZIP, BM_TRUNCATED, (unsigned long long)n);
  return 0;
}

/* ---- lines --------------------------------------------------------------------------------- */

/* The next line of at most max bytes (without its "\n", which stays at (*line)[*len]).
 * 1: a line; 0: the content ended cleanly before it; -1: an error (recorded); -2: the line is
 * longer than max (not recorded). */
static int get_line(ics_bundle_reader *r, size_t max, char **line, size_t *len) {
  size_t have = 0; /* bytes gathered in r->line */
  for (;;) {
    if (r->out_pos < r->out_len) {
      char *start = (char *)r->out + r->out_pos;
      size_t avail = r->out_len - r->out_pos;
      char *nl = memchr(start, '\n', avail);
      size_t take = nl ? (size_t)(nl - start) + 1 : avail;
      if (have + take - (nl ? 1 : 0) > max) return -2;
      if (nl && have == 0) { /* the whole line is in the chunk: use it there */
        r->out_pos += take;
        *line = start;
        *len = take - 1;
        return 1;
      }
      if (have + take > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 4096;
        while (cap < have + take) cap *= 2;
        if (max < SIZE_MAX && cap > max + 1) cap = max + 1;
        char *grown = ics_realloc(r->line, cap);
        if (!grown) return fail(r, K_OTHER, BM_NO_MEMORY);
        r->line = grown;
        r->line_cap = cap;
      }
      memcpy(r->line + have, start, take);
      have += take;
      r->out_pos += take;
      if (nl) {
        *line = r->line;
        *len = have - 1;
        return 1;
      }
    }
    int rc = inflate_more(r);
    if (rc < 0) return -1;
    if (rc == 0) {
      if (have) return fail(r, K_OTHER, BM_TRUNCATED_LINE, (unsigned long long)r->line_no + 1);
      return 0;
    }
  }
}

/* The next line, which must be there: 1, or -1 with a line too long or the content ending
 * before it recorded. */
static int need_line(ics_bundle_reader *r, char **line, size_t *len) {
  int rc = get_line(r, r->limits.max_line, line, len);
  if (rc == -2) {
    r->line_no++;
    return fail_here(r, K_OTHER, BM_LIMIT_LINE, r->limits.max_line);
  }
  if (rc == 0) return fail(r, K_OTHER, BM_TRUNCATED_CONTENT, (unsigned long long)r->line_no);
  return rc;
}

/* A line that is part of the hashed content: hashed, NUL-terminated, counted. */
static int take_line(ics_bundle_reader *r, char **line, size_t *len) {
  if (need_line(r, line, len) < 0) return -1;
  crypto_hash_sha256_update(&r->sha, (const unsigned char *)*line, *len + 1);
  (*line)[*len] = '\0';
  r->line_no++;
  return 0;
}

/* The line is valid UTF-8 with no control characters but those allowed. */
static int check_line_text(ics_bundle_reader *r, const char *s, size_t n, uint32_t allowed) {
  bool control = false;
  size_t bad = ics_text_scan(s, n, allowed, &control);
  if (bad == n) return 0;
  if (control) return fail_here(r, K_CONTENT, BM_CONTROL, (unsigned)(unsigned char)s[bad], bad + 1);
  return fail_here(r, K_CONTENT, BM_BAD_UTF8, bad + 1);
}

/* ---- sealed content ------------------------------------------------------------------------ */

/* In the inner reader: the outer one failed (its message says where); pass its error on. */
static int outer_failed(ics_bundle_reader *r) {
  ics_bundle_reader *o = r->outer;
  char *copy = ics_strdup(o->error ? o->error : bundle_msg(BM_NO_MEMORY, r->lang));
  ics_free(r->error);
  r->error = copy;
  r->outer_error = true;
  r->state = S_FAILED;
  return -1;
}

/* The inner reader's compressed input: the next S line of the outer reader, decrypted. */
static int refill_sealed(ics_bundle_reader *r) {
  ics_bundle_reader *o = r->outer;
  char *s;
  size_t n;
  if (o->state != S_READING || need_line(o, &s, &n) < 0) return outer_failed(r);
  crypto_hash_sha256_update(&o->sha, (const unsigned char *)s, n + 1);
  s[n] = '\0';
  o->line_no++;
  if (n < 2 || s[0] != 'S' || s[1] != ' ') {
    char excerpt[EXCERPT];
    if (check_line_text(o, s, n, 0) == 0) {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      if (n >= 5 && memcmp(s, "end: ", 5) == 0)
        fail_here(o, K_CONTENT, BM_SEAL_TRUNCATED);
      else
        fail_here(o, K_CONTENT, BM_SEAL_EXPECTED, excerpt);
    }
    return outer_failed(r);
  }
  size_t cipher_len = 0;
  const char *end = NULL;
  unsigned long long plain_len = 0;
  unsigned char tag = 0;
  if (sodium_base642bin(o->cipher, SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES,
                        s + 2, n - 2, NULL, &cipher_len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != s + n ||
      crypto_secretstream_xchacha20poly1305_pull(&o->stream, r->in, &plain_len, &tag, o->cipher,
                                                 cipher_len, NULL, 0) != 0) {
    fail_here(o, K_CONTENT, BM_SEAL_BROKEN);
    return outer_failed(r);
  }
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) r->in_eof = true;
  r->zs.next_in = r->in;
  r->zs.avail_in = (uInt)plain_len;
  return 0;
}

/* "sealed: CENTRAL_KEY SEALED_KEY HEADER", each in lowercase hex. */
static int read_sealed_line(ics_bundle_reader *r, const char *s, size_t n) {
  struct {
    unsigned char *out;
    size_t size;
  } part[3] = {{r->sealed_to, sizeof r->sealed_to},
               {r->boxed_key, sizeof r->boxed_key},
               {r->stream_header, sizeof r->stream_header}};
  const char *p = s + 8, *end = s + n;
  bool ok = true;
  for (int i = 0; i < 3 && ok; i++) {
    size_t hex_len = part[i].size * 2, got = 0;
    ok = (size_t)(end - p) >= hex_len && ics_hex_valid(p, hex_len) &&
         sodium_hex2bin(part[i].out, part[i].size, p, hex_len, NULL, &got, NULL) == 0 &&
         got == part[i].size;
    p += ok ? hex_len : 0;
    if (ok && i < 2) ok = p < end && *p++ == ' ';
  }
  if (!ok || p != end) {
    char excerpt[EXCERPT];
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return fail_here(r, K_CONTENT, BM_BAD_SEALED_LINE, excerpt);
  }
  r->sealed = true;
  return 0;
}

/* The readable manifest must say what the sealed one says (except the surveyor). */
static int compare_manifests(ics_bundle_reader *r, const ics_bundle_manifest *in) {
  const ics_bundle_manifest *out = &r->manifest;
  char x[EXCERPT + 64], y[EXCERPT + 64]; /* two different values, as text */
  char round[2][8], records[2][24], forms[2][24];
  snprintf(round[0], sizeof round[0], "%d", out->round);
  snprintf(round[1], sizeof round[1], "%d", in->round);
  snprintf(records[0], sizeof records[0], "%llu", (unsigned long long)out->record_count);
  snprintf(records[1], sizeof records[1], "%llu", (unsigned long long)in->record_count);
  snprintf(forms[0], sizeof forms[0], "%zu", out->form_count);
  snprintf(forms[1], sizeof forms[1], "%zu", in->form_count);
  const char *const fields[][3] = {
      {"bundle-id", out->bundle_id, in->bundle_id}, {"store-id", out->store_id, in->store_id},
      {"site", out->site, in->site},                {"round", round[0], round[1]},
      {"created", out->created, in->created},       {"records", records[0], records[1]},
      {"forms", forms[0], forms[1]}};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
    if (strcmp(fields[i][1], fields[i][2]) != 0) {
      ics_excerpt(x, sizeof x, fields[i][1], strlen(fields[i][1]));
      ics_excerpt(y, sizeof y, fields[i][2], strlen(fields[i][2]));
      return fail(r, K_OTHER, BM_SEAL_MISMATCH, fields[i][0], x, y);
    }
  for (size_t i = 0; i < out->form_count; i++) {
    const ics_bundle_form *f = &out->forms[i], *g = &in->forms[i];
    if (strcmp(f->id, g->id) != 0 || strcmp(f->version, g->version) != 0 ||
        strcmp(f->hash, g->hash) != 0 || f->records != g->records) {
      /* as its manifest line has it, the hash shortened */
      snprintf(x, sizeof x, "%s %.24s %.12s… %llu", f->id, f->version, f->hash,
               (unsigned long long)f->records);
      snprintf(y, sizeof y, "%s %.24s %.12s… %llu", g->id, g->version, g->hash,
               (unsigned long long)g->records);
      return fail(r, K_OTHER, BM_SEAL_MISMATCH, "form", x, y);
    }
  }
  return 0;
}

/* ---- manifest ------------------------------------------------------------------------------- */

/* A line "KEY: VALUE"; *value points to VALUE. */
static int expect_key(ics_bundle_reader *r, const char *key, char **value, size_t *len) {
  char *s;
  size_t n;
  if (take_line(r, &s, &n) || check_line_text(r, s, n, 0)) return -1;
  size_t k = strlen(key);
  if (n < k + 2 || memcmp(s, key, k) != 0 || s[k] != ':' || s[k + 1] != ' ') {
    char excerpt[EXCERPT];
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return fail_here(r, K_CONTENT, BM_EXPECTED_KEY, key, excerpt);
  }
  *value = s + k + 2;
  *len = n - k - 2;
  return 0;
}

static int read_uuid(ics_bundle_reader *r, const char *key, const char **out) {
  char *v;
  size_t n;
  if (expect_key(r, key, &v, &n)) return -1;
  if (!ics_uuid_parse(v, n, NULL)) {
    char excerpt[EXCERPT];
    ics_excerpt(excerpt, sizeof excerpt, v, n);
    return fail_here(r, K_CONTENT, BM_BAD_UUID, key, excerpt);
  }
  if (!(*out = ics_arena_strndup(r->arena, v, n))) return fail(r, K_OTHER, BM_NO_MEMORY);
  return 0;
}

static int read_text(ics_bundle_reader *r, const char *key, const char **out) {
  char *v;
  size_t n, bad;
  if (expect_key(r, key, &v, &n)) return -1;
  size_t len = ics_unescape(v, n, &bad);
  if (len == SIZE_MAX) return fail_here(r, K_CONTENT, BM_BAD_ESCAPE, key, bad + 1);
  if (!(*out = ics_arena_strndup(r->arena, v, len))) return fail(r, K_OTHER, BM_NO_MEMORY);
  return 0;
}

static int read_count(ics_bundle_reader *r, const char *what, const char *s, size_t n,
                      uint64_t *out) {
  if (ics_count_parse(s, n, out)) return 0;
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, s, n);
  return fail_here(r, K_CONTENT, BM_BAD_COUNT, what, excerpt);
}

/* Reads `len` bytes of text and the "\n" after them into the arena (NUL-terminated). */
static int read_block(ics_bundle_reader *r, uint64_t len, const char *what, const char **out) {
  if (len > r->limits.max_definition)
    return fail_here(r, K_OTHER, BM_LIMIT_DEFINITION, what, (unsigned long long)len,
                     r->limits.max_definition);
  char *text = ics_arena_alloc(r->arena, (size_t)len + 1);
  if (!text) return fail(r, K_OTHER, BM_NO_MEMORY);
  uint64_t start_line = r->line_no + 1, newlines = 0;
  size_t got = 0;
  while (got < len || r->out_pos == r->out_len) {
    if (r->out_pos == r->out_len) {
      int rc = inflate_more(r);
      if (rc < 0) return -1;
      if (rc == 0)
        return fail(r, K_OTHER, BM_TRUNCATED_CONTENT, (unsigned long long)(r->line_no + newlines));
      continue;
    }
    size_t take = r->out_len - r->out_pos;
    if (take > len - got) take = (size_t)len - got;
    const unsigned char *p = r->out + r->out_pos, *end = p + take;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) {
      newlines++;
      p++;
    }
    memcpy(text + got, r->out + r->out_pos, take);
    got += take;
    r->out_pos += take;
  }
  text[len] = '\0';
  crypto_hash_sha256_update(&r->sha, (const unsigned char *)text, (size_t)len);
  if (r->out[r->out_pos] != '\n') {
    r->line_no = start_line - 1 + newlines + 1;
    return fail_here(r, K_CONTENT, BM_BLOCK_NO_NEWLINE, what, (unsigned long long)len);
  }
  crypto_hash_sha256_update(&r->sha, r->out + r->out_pos, 1);
  r->out_pos++;
  size_t bad;
  if (len && !ics_utf8_valid(text, (size_t)len, &bad)) {
    r->line_no = start_line;
    return fail_here(r, K_CONTENT, BM_BLOCK_UTF8, what, bad + 1);
  }
  r->line_no += newlines + 1;
  *out = text;
  return 0;
}

/* "form: ID VERSION HASH RECORDS" */
static int read_form(ics_bundle_reader *r, char *s, size_t n, size_t *cap) {
  char excerpt[EXCERPT];
  char *tok[4], *end = s + n, *p = s + 6;
  size_t len[4];
  int count = 0;
  for (;;) { /* exactly four non-empty tokens, one space apart */
    char *sp = memchr(p, ' ', (size_t)(end - p));
    char *tend = sp ? sp : end;
    if (count == 4 || tend == p) {
      count = -1;
      break;
    }
    tok[count] = p;
    len[count] = (size_t)(tend - p);
    count++;
    if (!sp) break;
    p = sp + 1;
  }
  if (count != 4) {
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return fail_here(r, K_CONTENT, BM_BAD_FORM_LINE, excerpt);
  }
  if (r->manifest.form_count == r->limits.max_forms)
    return fail_here(r, K_OTHER, BM_LIMIT_FORMS, r->limits.max_forms);
  for (int i = 0; i < 4; i++) tok[i][len[i]] = '\0';
  ics_excerpt(excerpt, sizeof excerpt, tok[0], len[0]);
  if (!ics_id_valid(tok[0], len[0])) return fail_here(r, K_CONTENT, BM_BAD_FORM_ID, excerpt);
  for (size_t i = 0; i < r->manifest.form_count; i++)
    if (strcmp(r->forms[i].id, tok[0]) == 0)
      return fail_here(r, K_CONTENT, BM_DUPLICATE_FORM, tok[0]);
  if (!ics_version_valid(tok[1], len[1])) {
    char version[EXCERPT];
    ics_excerpt(version, sizeof version, tok[1], len[1]);
    return fail_here(r, K_CONTENT, BM_BAD_VERSION, version, tok[0]);
  }
  if (!ics_hash_valid(tok[2], len[2])) return fail_here(r, K_CONTENT, BM_BAD_HASH, tok[0]);
  uint64_t records;
  if (read_count(r, "records", tok[3], len[3], &records)) return -1;
  if (records > r->limits.max_records)
    return fail_here(r, K_OTHER, BM_LIMIT_RECORDS, (unsigned long long)records,
                     (unsigned long long)r->limits.max_records);
  if (r->manifest.form_count == *cap) {
    size_t grown_cap = *cap ? *cap * 2 : 4;
    ics_bundle_form *grown = ics_realloc(r->forms, grown_cap * sizeof *grown);
    if (!grown) return fail(r, K_OTHER, BM_NO_MEMORY);
    r->forms = grown;
    *cap = grown_cap;
  }
  ics_bundle_form *f = &r->forms[r->manifest.form_count];
  memset(f, 0, sizeof *f);
  f->id = ics_arena_strndup(r->arena, tok[0], len[0]);
  f->version = ics_arena_strndup(r->arena, tok[1], len[1]);
  f->hash = ics_arena_strndup(r->arena, tok[2], len[2]);
  f->records = records;
  if (!f->id || !f->version || !f->hash) return fail(r, K_OTHER, BM_NO_MEMORY);
  r->manifest.form_count++;
  return 0;
}

static int read_manifest(ics_bundle_reader *r) {
  ics_bundle_manifest *m = &r->manifest;
  char *s, *v;
  size_t n, vn;
  char excerpt[EXCERPT];

  /* the first line says whether this is a bundle at all, and in which format */
  int rc = get_line(r, FIRST_LINE_MAX, &s, &n);
  if (rc == -1) return -1;
  if (rc != 1) return fail(r, K_CONTENT, BM_NOT_BUNDLE);
  crypto_hash_sha256_update(&r->sha, (const unsigned char *)s, n + 1);
  s[n] = '\0';
  r->line_no = 1;
  size_t magic = sizeof BUNDLE_MAGIC - 1;
  if (n < magic || memcmp(s, BUNDLE_MAGIC, magic) != 0) return fail(r, K_CONTENT, BM_NOT_BUNDLE);
  uint64_t format;
  if (!ics_count_parse(s + magic, n - magic, &format) || format == 0) {
    ics_excerpt(excerpt, sizeof excerpt, s + magic, n - magic);
    return fail_here(r, K_CONTENT, BM_BAD_FORMAT, excerpt);
  }
  if (format > ICS_BUNDLE_FORMAT)
    return fail(r, K_CONTENT, BM_NEWER, (unsigned long long)format, (int)ICS_BUNDLE_FORMAT);
  m->format = (int)format;

  if (read_uuid(r, "bundle-id", &m->bundle_id) || read_uuid(r, "store-id", &m->store_id) ||
      read_text(r, "surveyor", &m->surveyor) || read_text(r, "site", &m->site))
    return -1;
  if (expect_key(r, "round", &v, &vn)) return -1;
  if (!ics_year_parse(v, vn, &m->round)) {
    ics_excerpt(excerpt, sizeof excerpt, v, vn);
    return fail_here(r, K_CONTENT, BM_BAD_YEAR, "round", excerpt);
  }
  if (expect_key(r, "created", &v, &vn)) return -1;
  if (!ics_time_valid(v, vn)) {
    ics_excerpt(excerpt, sizeof excerpt, v, vn);
    return fail_here(r, K_CONTENT, BM_BAD_TIME, "created", excerpt);
  }
  if (!(m->created = ics_arena_strndup(r->arena, v, vn))) return fail(r, K_OTHER, BM_NO_MEMORY);
  if (expect_key(r, "records", &v, &vn) || read_count(r, "records", v, vn, &m->record_count))
    return -1;
  if (m->record_count > r->limits.max_records)
    return fail_here(r, K_OTHER, BM_LIMIT_RECORDS, (unsigned long long)m->record_count,
                     (unsigned long long)r->limits.max_records);

  /* the forms, up to the register */
  size_t cap = 0;
  uint64_t sum = 0;
  for (;;) {
    if (take_line(r, &s, &n) || check_line_text(r, s, n, 0)) return -1;
    if (n >= 6 && memcmp(s, "form: ", 6) == 0) {
      if (read_form(r, s, n, &cap)) return -1;
      uint64_t records = r->forms[m->form_count - 1].records;
      sum = sum > UINT64_MAX - records ? UINT64_MAX : sum + records;
      continue;
    }
    if (n >= 10 && memcmp(s, "register: ", 10) == 0) break;
    if (m->format >= 2 && n >= 8 && (!memcmp(s, "signer: ", 8) || !memcmp(s, "sealed: ", 8)))
      break;
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return fail_here(r, K_CONTENT, m->format >= 2 ? BM_EXPECTED_SIGNER : BM_EXPECTED_FORM_OR_REGISTER,
                     excerpt);
  }
  m->forms = r->forms;
  if (sum != m->record_count)
    return fail_here(r, K_CONTENT, BM_FORM_SUM, (unsigned long long)sum,
                     (unsigned long long)m->record_count);
  if (m->form_count && !(r->seen = ics_calloc(m->form_count, sizeof *r->seen)))
    return fail(r, K_OTHER, BM_NO_MEMORY);

  /* format 2: sealed (the rest is read by unsealing), or signed */
  if (m->format >= 2 && memcmp(s, "sealed: ", 8) == 0) {
    if (r->outer) return fail_here(r, K_CONTENT, BM_SEALED_NESTED);
    if (m->surveyor[0]) {
      r->line_no -= 1 + (uint64_t)m->form_count + 4; /* the surveyor's line */
      return fail_here(r, K_CONTENT, BM_SEALED_SURVEYOR);
    }
    m->register_text = "";
    return read_sealed_line(r, s, n);
  }
  if (m->format >= 2) {
    if (memcmp(s, "signer: ", 8) != 0) {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      return fail_here(r, K_CONTENT, BM_EXPECTED_SIGNER, excerpt);
    }
    size_t got = 0;
    if (n != 8 + sizeof r->signer * 2 || !ics_hex_valid(s + 8, n - 8) ||
        sodium_hex2bin(r->signer, sizeof r->signer, s + 8, n - 8, NULL, &got, NULL) != 0 ||
        got != sizeof r->signer) {
      ics_excerpt(excerpt, sizeof excerpt, s + 8, n - 8);
      return fail_here(r, K_CONTENT, BM_BAD_SIGNER, excerpt);
    }
    memcpy(r->signer_hex, s + 8, n - 8);
    r->signer_hex[n - 8] = '\0';
    r->is_signed = true;
    if (take_line(r, &s, &n) || check_line_text(r, s, n, 0)) return -1;
    if (n < 10 || memcmp(s, "register: ", 10) != 0) {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      return fail_here(r, K_CONTENT, BM_BAD_REGISTER_LINE, excerpt);
    }
  }
  uint64_t len;
  if (read_count(r, "register", s + 10, n - 10, &len) ||
      read_block(r, len, bundle_msg(BM_WHAT_REGISTER, r->lang), &m->register_text))
    return -1;
  m->register_len = (size_t)len;

  /* the definitions, in the order of the forms */
  for (size_t i = 0; i < m->form_count; i++) {
    ics_bundle_form *f = &r->forms[i];
    if (take_line(r, &s, &n) || check_line_text(r, s, n, 0)) return -1;
    size_t id_len = strlen(f->id);
    if (n < 12 + id_len + 1 || memcmp(s, "definition: ", 12) != 0 ||
        memcmp(s + 12, f->id, id_len) != 0 || s[12 + id_len] != ' ') {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      return fail_here(r, K_CONTENT, BM_BAD_DEFINITION_LINE, f->id, excerpt);
    }
    char what[160];
    snprintf(what, sizeof what, bundle_msg(BM_WHAT_DEFINITION, r->lang), f->id);
    const char *text;
    if (read_count(r, "definition", s + 13 + id_len, n - 13 - id_len, &len) ||
        read_block(r, len, what, &text))
      return -1;
    f->definition = text;
    f->definition_len = (size_t)len;
  }
  return 0;
}

/* ---- records -------------------------------------------------------------------------------- */

/* Characters of a field name after the first: a-z 0-9 _ */
static const unsigned char name_char[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

static int bad_field_name(ics_bundle_reader *r, const char *p, const char *fend) {
  const char *eq = memchr(p, '=', (size_t)(fend - p));
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, p, (size_t)((eq ? eq : fend) - p));
  return fail_here(r, K_CONTENT, BM_BAD_FIELD_NAME, excerpt);
}

static int record_form(ics_bundle_reader *r, const char *id) {
  size_t count = r->manifest.form_count;
  if (r->last_form < count && strcmp(r->forms[r->last_form].id, id) == 0) return (int)r->last_form;
  for (size_t i = 0; i < count; i++)
    if (strcmp(r->forms[i].id, id) == 0) {
      r->last_form = i;
      return (int)i;
    }
  return -1;
}

/* Parses a record line s[0..n) (NUL-terminated) in place. */
static int parse_record(ics_bundle_reader *r, char *s, size_t n, ics_bundle_record *rec) {
  enum { COLUMNS = 9 };
  char *col[COLUMNS];
  size_t len[COLUMNS];
  char excerpt[EXCERPT];
  char *end = s + n, *p = s + 2;
  bool more = false;
  r->in_record = true;
  if (r->records > r->manifest.record_count)
    return fail_here(r, K_CONTENT, BM_TOO_MANY_RECORDS,
                     (unsigned long long)r->manifest.record_count);
  if (check_line_text(r, s, n, BUNDLE_ALLOW('\t'))) return -1;
  for (size_t i = 0; i < COLUMNS; i++) {
    char *t = memchr(p, '\t', (size_t)(end - p));
    if (!t && i < COLUMNS - 1) return fail_here(r, K_CONTENT, BM_COLUMNS, i + 2);
    col[i] = p;
    len[i] = (size_t)((t ? t : end) - p);
    if (t) {
      *t = '\0';
      p = t + 1;
      more = i == COLUMNS - 1;
    }
  }

  unsigned char id[16];
  if (!ics_uuid_parse(col[0], len[0], id)) {
    ics_excerpt(excerpt, sizeof excerpt, col[0], len[0]);
    return fail_here(r, K_CONTENT, BM_BAD_UUID, "instance_id", excerpt);
  }
  int form = record_form(r, col[1]);
  if (form < 0) {
    ics_excerpt(excerpt, sizeof excerpt, col[1], len[1]);
    return fail_here(r, K_CONTENT, BM_UNKNOWN_FORM, excerpt);
  }
  if (!bundle_revision_parse(col[2], len[2], &rec->revision)) {
    ics_excerpt(excerpt, sizeof excerpt, col[2], len[2]);
    return fail_here(r, K_CONTENT, BM_BAD_REVISION, excerpt);
  }
  if (len[3] == 9 && memcmp(col[3], "finalized", 9) == 0) {
    rec->status = "finalized";
  } else if (len[3] == 4 && memcmp(col[3], "void", 4) == 0) {
    rec->status = "void";
  } else {
    ics_excerpt(excerpt, sizeof excerpt, col[3], len[3]);
    return fail_here(r, K_CONTENT, BM_BAD_STATUS, excerpt);
  }
  for (int i = 4; i <= 5; i++)
    if (!ics_time_valid(col[i], len[i])) {
      ics_excerpt(excerpt, sizeof excerpt, col[i], len[i]);
      return fail_here(r, K_CONTENT, BM_BAD_TIME, i == 4 ? "created_at" : "updated_at", excerpt);
    }
  for (int i = 6; i <= 7; i++) {
    size_t bad, text_len = ics_unescape(col[i], len[i], &bad);
    if (text_len == SIZE_MAX)
      return fail_here(r, K_CONTENT, BM_BAD_ESCAPE, i == 6 ? "surveyor" : "site", bad + 1);
    col[i][text_len] = '\0';
  }
  if (!ics_year_parse(col[8], len[8], &rec->round)) {
    ics_excerpt(excerpt, sizeof excerpt, col[8], len[8]);
    return fail_here(r, K_CONTENT, BM_BAD_YEAR, "round", excerpt);
  }

  /* the values: NAME=VALUE between tabs */
  size_t count = 0;
  while (more) {
    char *t = memchr(p, '\t', (size_t)(end - p));
    char *fend = t ? t : end;
    char *q = p;
    uint32_t h = BUNDLE_NAME_HASH_INIT;
    if (q == fend || *q < 'a' || *q > 'z') {
      if (q < fend && *q == '=') return bad_field_name(r, p, fend);
      if (!memchr(p, '=', (size_t)(fend - p)))
        return fail_here(r, K_CONTENT, BM_FIELD_NO_EQUALS, count + 1);
      return bad_field_name(r, p, fend);
    }
    while (q < fend && name_char[(unsigned char)*q])
      h = bundle_name_hash_step(h, (unsigned char)*q++);
    if (q == fend) return fail_here(r, K_CONTENT, BM_FIELD_NO_EQUALS, count + 1);
    if (*q != '=' || q - p > BUNDLE_NAME_MAX) return bad_field_name(r, p, fend);
    *q = '\0';
    char *value = q + 1;
    size_t value_len = (size_t)(fend - value);
    if (!value_len) return fail_here(r, K_CONTENT, BM_EMPTY_VALUE, p);
    if (memchr(value, '\\', value_len)) {
      size_t bad;
      value_len = ics_unescape(value, value_len, &bad);
      if (value_len == SIZE_MAX) {
        char what[160];
        snprintf(what, sizeof what, bundle_msg(BM_WHAT_FIELD, r->lang), p);
        return fail_here(r, K_CONTENT, BM_BAD_ESCAPE, what, bad + 1);
      }
    }
    value[value_len] = '\0';
    if (count == r->values_cap) {
      size_t cap = r->values_cap ? r->values_cap * 2 : 32;
      ics_bundle_value *values = ics_realloc(r->values, cap * sizeof *values);
      if (!values) return fail(r, K_OTHER, BM_NO_MEMORY);
      r->values = values;
      uint32_t *hashes = ics_realloc(r->hashes, cap * sizeof *hashes);
      if (!hashes) return fail(r, K_OTHER, BM_NO_MEMORY);
      r->hashes = hashes;
      r->values_cap = cap;
    }
    r->values[count].name = p;
    r->values[count].value = value;
    r->hashes[count] = h;
    count++;
    more = t != NULL;
    if (t) p = t + 1;
  }
  const char *dup;
  int unique = bundle_names_unique(&r->names, r->values, r->hashes, count, &dup);
  if (unique < 0) return fail(r, K_OTHER, BM_NO_MEMORY);
  if (!unique) return fail_here(r, K_CONTENT, BM_DUPLICATE_FIELD, dup);

  if (++r->seen[form] > r->forms[form].records)
    return fail_here(r, K_CONTENT, BM_TOO_MANY_FORM_RECORDS, r->forms[form].id,
                     (unsigned long long)r->forms[form].records);
  int added = bundle_idset_add(&r->ids, id);
  if (added < 0) return fail(r, K_OTHER, BM_NO_MEMORY);
  if (!added) return fail_here(r, K_CONTENT, BM_DUPLICATE_INSTANCE, col[0]);

  rec->instance_id = col[0];
  rec->form_id = r->forms[form].id;
  rec->created_at = col[4];
  rec->updated_at = col[5];
  rec->surveyor = col[6];
  rec->site = col[7];
  rec->values = r->values;
  rec->value_count = count;
  r->in_record = false;
  return 1;
}

/* The "end: N SHA256HEX" line s[0..n) (and, when signed, the signature line after it), then
 * everything only the end can tell. A sealed bundle's readable part counts the records of
 * its inner bundle. */
static int read_trailer(ics_bundle_reader *r, char *s, size_t n) {
  s[n] = '\0';
  r->line_no++;
  char *sp = n > 5 ? memchr(s + 5, ' ', n - 5) : NULL;
  uint64_t announced;
  if (n < 5 || memcmp(s, "end: ", 5) != 0 || !sp ||
      !ics_count_parse(s + 5, (size_t)(sp - (s + 5)), &announced) ||
      !ics_hash_valid(sp + 1, (size_t)(s + n - (sp + 1))))
    return fail_here(r, K_CONTENT, BM_BAD_TRAILER);
  /* what a signature signs: the context and this line (kept: the next line may move it) */
  char signed_text[sizeof SIGNATURE_CONTEXT + 128];
  int signed_len = snprintf(signed_text, sizeof signed_text, "%s%s\n", SIGNATURE_CONTEXT, s);
  char hash[BUNDLE_HASH_LEN + 1];
  memcpy(hash, sp + 1, sizeof hash);
  unsigned char signature[crypto_sign_BYTES];
  if (r->is_signed) {
    char *line;
    size_t len;
    int rc = get_line(r, FIRST_LINE_MAX * 4, &line, &len);
    if (rc == -1) return -1;
    r->line_no++;
    if (rc == 0) return fail_here(r, K_CONTENT, BM_NO_SIGNATURE);
    size_t got = 0;
    if (rc == -2 || len != 11 + sizeof signature * 2 || memcmp(line, "signature: ", 11) != 0 ||
        !ics_hex_valid(line + 11, len - 11) ||
        sodium_hex2bin(signature, sizeof signature, line + 11, len - 11, NULL, &got, NULL) != 0 ||
        got != sizeof signature)
      return fail_here(r, K_CONTENT, BM_BAD_SIGNATURE_LINE);
  }

  /* nothing after it, in the member or after the member */
  int rc = r->out_pos < r->out_len ? 1 : inflate_more(r);
  if (rc < 0) return -1;
  if (rc == 1) {
    r->line_no++;
    return fail_here(r, K_CONTENT, BM_AFTER_TRAILER);
  }
  if (check_after_member(r)) return -1;

  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  crypto_hash_sha256_final(&r->sha, digest);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  if (r->is_signed) r->line_no--; /* messages about the end line */
  if (strcmp(hex, hash) != 0) return fail_here(r, K_CONTENT, BM_HASH_MISMATCH);
  const ics_bundle_reader *counted = r->inner ? r->inner : r;
  if (announced != counted->records)
    return fail_here(r, K_CONTENT, BM_TRAILER_COUNT, (unsigned long long)announced,
                     (unsigned long long)counted->records);
  for (size_t i = 0; i < r->manifest.form_count; i++)
    if (counted->seen[i] != r->forms[i].records)
      return fail(r, K_CONTENT, BM_COUNT_FORM, (unsigned long long)r->forms[i].records,
                  r->forms[i].id, (unsigned long long)counted->seen[i]);
  if (counted->records != r->manifest.record_count)
    return fail(r, K_CONTENT, BM_COUNT_TOTAL, (unsigned long long)r->manifest.record_count,
                (unsigned long long)counted->records);
  if (r->is_signed) {
    r->line_no++;
    if (crypto_sign_verify_detached(signature, (const unsigned char *)signed_text,
                                    (size_t)signed_len, r->signer) != 0)
      return fail_here(r, K_CONTENT, BM_SIGNATURE_FAILS);
  }
  r->state = S_DONE;
  return 0;
}

/* The inner reader failed: its error becomes this one's, after "in the sealed content: ",
 * unless this reader failed first (its own error, already recorded, says it). */
static int inner_failed(ics_bundle_reader *r, const ics_bundle_reader *in) {
  if (r->state != S_READING) return -1;
  ics_buf b = {0};
  if (!in->outer_error) ics_buf_puts(&b, bundle_msg(BM_IN_SEALED, r->lang));
  ics_buf_puts(&b, in->error ? in->error : bundle_msg(BM_NO_MEMORY, r->lang));
  ics_free(r->error);
  r->error = ics_buf_take(&b);
  r->state = S_FAILED;
  return -1;
}

/* A sealed bundle's records come from the inner reader; when it ends, the S lines must have
 * ended too, and the readable part's trailer follows. */
static int next_sealed(ics_bundle_reader *r, ics_bundle_record *record) {
  char fingerprint[ICS_FINGERPRINT_SIZE];
  if (!r->inner) {
    ics_key_fingerprint(r->sealed_to, fingerprint);
    return fail(r, K_OTHER, BM_SEALED_LOCKED, fingerprint);
  }
  ics_bundle_reader *in = r->inner;
  char *error = NULL;
  int rc = ics_bundle_next(in, record, &error);
  ics_free(error);
  if (rc == 1) return 1;
  if (rc < 0) return inner_failed(r, in);
  /* the inner reader saw the final S line (nothing may follow its gzip member) */
  char *s;
  size_t n;
  if (need_line(r, &s, &n) < 0) return -1;
  if (n >= 2 && s[0] == 'S' && s[1] == ' ') {
    r->line_no++;
    return fail_here(r, K_CONTENT, BM_SEAL_AFTER_END);
  }
  return read_trailer(r, s, n);
}

int ics_bundle_next(ics_bundle_reader *r, ics_bundle_record *record, char **error) {
  if (error) *error = NULL;
  if (!r) return -1;
  if (r->state == S_DONE) return 0;
  if (r->state == S_READING && r->sealed) {
    int rc = next_sealed(r, record);
    if (rc >= 0) return rc;
  } else if (r->state == S_READING) {
    char *s;
    size_t n;
    int rc = need_line(r, &s, &n);
    if (rc == 1 && n >= 4 && memcmp(s, "end:", 4) == 0) {
      if (read_trailer(r, s, n) == 0) return 0;
    } else if (rc == 1) {
      crypto_hash_sha256_update(&r->sha, (const unsigned char *)s, n + 1);
      s[n] = '\0';
      r->line_no++;
      if (n < 2 || s[0] != 'R' || s[1] != '\t') {
        char excerpt[EXCERPT];
        ics_excerpt(excerpt, sizeof excerpt, s, n);
        fail_here(r, K_CONTENT, BM_RECORD_EXPECTED, excerpt);
      } else {
        r->records++;
        memset(record, 0, sizeof *record);
        if (parse_record(r, s, n, record) == 1) return 1;
      }
    }
  }
  if (error) *error = ics_strdup(r->error ? r->error : bundle_msg(BM_NO_MEMORY, r->lang));
  return -1;
}

/* ---- opening and closing -------------------------------------------------------------------- */

static ics_bundle_reader *reader_new(const ics_bundle_limits *limits, ics_lang lang) {
  ics_bundle_reader *r = ics_calloc(1, sizeof *r);
  if (!r) return NULL;
  r->lang = lang;
  if (limits)
    r->limits = *limits;
  else
    ics_bundle_default_limits(&r->limits);
  r->out_limit = r->limits.max_decompressed;
  r->state = S_READING;
  return r;
}

/* Checks the gzip header, starts zlib and reads the manifest. */
static int reader_start(ics_bundle_reader *r) {
  if (!start_sodium()) return fail(r, K_OTHER, BM_SODIUM);
  bundle_idset_init(&r->ids);
  crypto_hash_sha256_init(&r->sha);
  r->arena = ics_arena_new();
  r->out = ics_malloc(CHUNK);
  if (r->file) r->in = ics_malloc(CHUNK);
  if (!r->arena || !r->out || (r->file && !r->in)) return fail(r, K_OTHER, BM_NO_MEMORY);
  if (refill(r) || check_header(r)) return -1;
  r->zs.zalloc = ics_zlib_alloc;
  r->zs.zfree = ics_zlib_free;
  int z = inflateInit2(&r->zs, 15 + 16); /* gzip only */
  if (z != Z_OK) return fail(r, K_OTHER, z == Z_MEM_ERROR ? BM_NO_MEMORY : BM_ZLIB, "inflateInit2");
  r->z_ready = true;
  return read_manifest(r);
}

static ics_bundle_reader *reader_open(ics_bundle_reader *r, char **error) {
  if (reader_start(r) == 0) {
    r->manifest.forms = r->forms;
    return r;
  }
  give_error(error, r->error ? r->error : ics_strdup(bundle_msg(BM_NO_MEMORY, r->lang)));
  r->error = NULL;
  ics_bundle_close(r);
  return NULL;
}

ics_bundle_reader *ics_bundle_open(const char *path, const ics_bundle_limits *limits, ics_lang lang,
                                   char **error) {
  if (error) *error = NULL;
  ics_bundle_reader *r = reader_new(limits, lang);
  if (!r) {
    give_error(error, ics_strdup(bundle_msg(BM_NO_MEMORY, lang)));
    return NULL;
  }
  ics_code status = ics_open_regular(path, &r->file);
  if (status != ICS_OK) {
    if (status == ICS_E_NOT_REGULAR) fail(r, K_OTHER, BM_NOT_REGULAR);
    else if (status == ICS_E_NO_MEMORY) fail(r, K_OTHER, BM_NO_MEMORY);
    else fail(r, K_OTHER, BM_CANNOT_OPEN, strerror(errno));
    give_error(error, r->error);
    r->error = NULL;
    ics_bundle_close(r);
    return NULL;
  }
  return reader_open(r, error);
}

ics_bundle_reader *ics_bundle_open_memory(const void *data, size_t size,
                                          const ics_bundle_limits *limits, ics_lang lang,
                                          char **error) {
  if (error) *error = NULL;
  ics_bundle_reader *r = reader_new(limits, lang);
  if (!r) {
    give_error(error, ics_strdup(bundle_msg(BM_NO_MEMORY, lang)));
    return NULL;
  }
  r->mem = size ? data : (const unsigned char *)"";
  r->mem_size = size;
  return reader_open(r, error);
}

const ics_bundle_manifest *ics_bundle_manifest_of(const ics_bundle_reader *r) {
  return r->inner ? &r->inner->manifest : &r->manifest;
}

bool ics_bundle_is_sealed(const ics_bundle_reader *r) { return r->sealed; }

const char *ics_bundle_signer(const ics_bundle_reader *r) {
  if (r->inner) r = r->inner;
  return r->is_signed ? r->signer_hex : NULL;
}

/* Opens the content key with the office's key pair and reads the sealed manifest. */
static int unseal(ics_bundle_reader *r, const unsigned char pk[32], const unsigned char sk[32]) {
  char given[ICS_FINGERPRINT_SIZE], named[ICS_FINGERPRINT_SIZE];
  ics_key_fingerprint(pk, given);
  ics_key_fingerprint(r->sealed_to, named);
  if (sodium_memcmp(pk, r->sealed_to, sizeof r->sealed_to) != 0)
    return fail(r, K_OTHER, BM_SEALED_TO_OTHER, named, given);
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  if (crypto_box_seal_open(key, r->boxed_key, sizeof r->boxed_key, pk, sk) != 0)
    return fail(r, K_CONTENT, BM_SEAL_KEY_BROKEN, given);
  int started = crypto_secretstream_xchacha20poly1305_init_pull(&r->stream, r->stream_header, key);
  sodium_memzero(key, sizeof key);
  if (started != 0) return fail(r, K_CONTENT, BM_SEAL_KEY_BROKEN, given);
  r->cipher = ics_malloc(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  ics_bundle_reader *in = reader_new(&r->limits, r->lang);
  if (!r->cipher || !in) {
    ics_bundle_close(in);
    return fail(r, K_OTHER, BM_NO_MEMORY);
  }
  in->outer = r;
  in->in = ics_malloc(CHUNK); /* a decrypted chunk at a time */
  int rc = in->in ? reader_start(in) : fail(in, K_OTHER, BM_NO_MEMORY);
  if (rc == 0 && !in->is_signed) rc = fail(in, K_CONTENT, BM_SEAL_UNSIGNED);
  if (rc != 0) {
    inner_failed(r, in);
    ics_bundle_close(in);
    return -1;
  }
  in->manifest.forms = in->forms;
  if (compare_manifests(r, &in->manifest) != 0) {
    ics_bundle_close(in);
    return -1;
  }
  r->inner = in;
  return 0;
}

int ics_bundle_unseal(ics_bundle_reader *r, const unsigned char central_public_key[32],
                      const unsigned char central_secret_key[32], char **error) {
  if (error) *error = NULL;
  if (!r) return -1;
  if (r->state == S_READING && (!r->sealed || r->inner)) return 0;
  if (r->state == S_READING && unseal(r, central_public_key, central_secret_key) == 0) return 0;
  if (error) *error = ics_strdup(r->error ? r->error : bundle_msg(BM_NO_MEMORY, r->lang));
  return -1;
}

void ics_bundle_close(ics_bundle_reader *r) {
  if (!r) return;
  ics_bundle_close(r->inner);
  ics_free(r->cipher);
  sodium_memzero(&r->stream, sizeof r->stream);
  if (r->file) fclose(r->file);
  if (r->z_ready) inflateEnd(&r->zs);
  ics_free(r->in);
  ics_free(r->out);
  ics_free(r->line);
  ics_free(r->forms);
  ics_free(r->seen);
  ics_free(r->values);
  ics_free(r->hashes);
  bundle_nameset_free(&r->names);
  bundle_idset_free(&r->ids);
  ics_arena_free(r->arena);
  ics_free(r->error);
  ics_free(r);
}
