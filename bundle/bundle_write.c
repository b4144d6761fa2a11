/* bundle_write.c - writing bundles (docs/bundle-format.md): lines are gathered in a buffer,
 * hashed (SHA-256) and deflated 64 KiB at a time into a temporary file beside the target, which
 * is synced and renamed only by ics_bundle_finish. Everything the reader would refuse is refused
 * before it is written. A sealed bundle's envelope is bundle_seal.c's. */
#include "bundle_private.h"

#include <errno.h>
#include <string.h>

/* Sets *err to "PREFIX: MESSAGE" (prefix: BM_AT_MANIFEST, BM_AT_WRITE_RECORD with the record
 * number, or BM_COUNT for none) and returns -1. */
static int write_error(ics_lang lang, ics_error *err, bundle_message at, uint64_t record,
                       bundle_message id, ...) {
  char prefix[128] = "";
  if (at != BM_COUNT)
    snprintf(prefix, sizeof prefix, ics_bundle_msg(at, lang), (unsigned long long)record);
  va_list ap;
  va_start(ap, id);
  ics_bundle_vsay(err, lang, ICS_OK, prefix, id, ap);
  va_end(ap);
  return -1;
}

/* Checks a text the writer escapes: valid UTF-8, no control characters but tab, LF and CR.
 * `what` names it in the message. */
static int check_text(ics_lang lang, ics_error *err, bundle_message at, uint64_t record,
                      const char *what, const char *s) {
  if (!s) return write_error(lang, err, at, record, BM_MISSING, what);
  size_t n = strlen(s);
  bool control = false;
  size_t bad = ics_text_scan(s, n, BUNDLE_ALLOW('\t') | BUNDLE_ALLOW('\n') | BUNDLE_ALLOW('\r'),
                                &control);
  if (bad == n) return 0;
  if (control)
    return write_error(lang, err, at, record, BM_BAD_TEXT_CONTROL, what,
                       (unsigned)(unsigned char)s[bad], bad + 1);
  return write_error(lang, err, at, record, BM_BAD_TEXT_UTF8, what, bad + 1);
}

static int check_uuid(ics_lang lang, ics_error *err, bundle_message at, uint64_t record,
                      const char *what, const char *s, unsigned char out[16]) {
  if (!s) return write_error(lang, err, at, record, BM_MISSING, what);
  if (ics_uuid_parse(s, strlen(s), out)) return 0;
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, s, strlen(s));
  return write_error(lang, err, at, record, BM_BAD_UUID, what, excerpt);
}

static int check_time(ics_lang lang, ics_error *err, bundle_message at, uint64_t record,
                      const char *what, const char *s) {
  if (!s) return write_error(lang, err, at, record, BM_MISSING, what);
  if (ics_time_valid(s, strlen(s))) return 0;
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, s, strlen(s));
  return write_error(lang, err, at, record, BM_BAD_TIME, what, excerpt);
}

static int check_year(ics_lang lang, ics_error *err, bundle_message at, uint64_t record, int year) {
  if (year >= 1900 && year <= 2100) return 0;
  char text[16];
  snprintf(text, sizeof text, "%d", year);
  return write_error(lang, err, at, record, BM_BAD_YEAR, "round", text);
}

/* The definition texts: present when not empty, within the limit, valid UTF-8. */
static int check_block(ics_lang lang, ics_error *err, const ics_bundle_limits *limits,
                       const char *what, const char *text, size_t len) {
  if (len && !text) return write_error(lang, err, BM_AT_MANIFEST, 0, BM_MISSING, what);
  if (len > limits->max_definition)
    return write_error(lang, err, BM_AT_MANIFEST, 0, BM_LIMIT_DEFINITION, what,
                       (unsigned long long)len, limits->max_definition);
  size_t bad;
  if (len && !ics_utf8_valid(text, len, &bad))
    return write_error(lang, err, BM_AT_MANIFEST, 0, BM_BLOCK_UTF8, what, bad + 1);
  return 0;
}

static int check_manifest(ics_lang lang, ics_error *err, const ics_bundle_limits *limits,
                          const ics_bundle_manifest *m) {
  const bundle_message at = BM_AT_MANIFEST;
  char excerpt[EXCERPT], what[160];
  if (!m) return write_error(lang, err, at, 0, BM_MISSING, "manifest");
  if (check_uuid(lang, err, at, 0, "bundle-id", m->bundle_id, NULL) ||
      check_uuid(lang, err, at, 0, "store-id", m->store_id, NULL) ||
      check_text(lang, err, at, 0, "surveyor", m->surveyor) ||
      check_text(lang, err, at, 0, "site", m->site) || check_year(lang, err, at, 0, m->round) ||
      check_time(lang, err, at, 0, "created", m->created))
    return -1;
  if (m->record_count > limits->max_records)
    return write_error(lang, err, at, 0, BM_LIMIT_RECORDS, (unsigned long long)m->record_count,
                       (unsigned long long)limits->max_records);
  if (m->form_count > limits->max_forms)
    return write_error(lang, err, at, 0, BM_LIMIT_FORMS, limits->max_forms);
  if (m->form_count && !m->forms) return write_error(lang, err, at, 0, BM_MISSING, "forms");
  uint64_t sum = 0;
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    if (!f->id) return write_error(lang, err, at, 0, BM_MISSING, "form id");
    ics_excerpt(excerpt, sizeof excerpt, f->id, strlen(f->id));
    if (!ics_id_valid(f->id, strlen(f->id)))
      return write_error(lang, err, at, 0, BM_BAD_FORM_ID, excerpt);
    for (size_t j = 0; j < i; j++)
      if (strcmp(m->forms[j].id, f->id) == 0)
        return write_error(lang, err, at, 0, BM_DUPLICATE_FORM, f->id);
    if (!f->version || !ics_version_valid(f->version, strlen(f->version))) {
      char version[EXCERPT];
      ics_excerpt(version, sizeof version, f->version ? f->version : "",
                     f->version ? strlen(f->version) : 0);
      return write_error(lang, err, at, 0, BM_BAD_VERSION, version, f->id);
    }
    if (!f->hash || !ics_hash_valid(f->hash, strlen(f->hash)))
      return write_error(lang, err, at, 0, BM_BAD_HASH, f->id);
    if (f->records > limits->max_records)
      return write_error(lang, err, at, 0, BM_LIMIT_RECORDS, (unsigned long long)f->records,
                         (unsigned long long)limits->max_records);
    snprintf(what, sizeof what, ics_bundle_msg(BM_WHAT_DEFINITION, lang), f->id);
    if (check_block(lang, err, limits, what, f->definition, f->definition_len)) return -1;
    sum += f->records;
  }
  if (sum != m->record_count)
    return write_error(lang, err, at, 0, BM_FORM_SUM, (unsigned long long)sum,
                       (unsigned long long)m->record_count);
  return check_block(lang, err, limits, ics_bundle_msg(BM_WHAT_REGISTER, lang), m->register_text,
                     m->register_len);
}

static int w_failv(ics_bundle_writer *w, ics_error *err, ics_code code, bundle_message at,
                   bundle_message id, va_list ap) {
  char prefix[128] = "";
  if (at != BM_COUNT)
    snprintf(prefix, sizeof prefix, ics_bundle_msg(at, w->lang), (unsigned long long)w->records + 1);
  ics_bundle_vsay(err, w->lang, code, prefix, id, ap);
  w->failed = true;
  return -1;
}

int ics_bundle_w_fail(ics_bundle_writer *w, ics_error *err, bundle_message at, bundle_message id, ...) {
  va_list ap;
  va_start(ap, id);
  w_failv(w, err, ICS_OK, at, id, ap);
  va_end(ap);
  return -1;
}

static int w_fail_code(ics_bundle_writer *w, ics_error *err, ics_code code, bundle_message id,
                       ...) {
  va_list ap;
  va_start(ap, id);
  w_failv(w, err, code, BM_COUNT, id, ap);
  va_end(ap);
  return -1;
}

/* "cannot ... 'PATH': ics_errno_text(e, w->lang)", its code from e (a full disk is not a damaged file). */
static int w_fail_errno(ics_bundle_writer *w, ics_error *err, bundle_message id, const char *path,
                        int e) {
  return w_fail_code(w, err, ics_code_from_errno(e), id, path, ics_errno_text(e, w->lang));
}

static int w_io_error(ics_bundle_writer *w, ics_error *err) {
  return w_fail_errno(w, err, BM_CANNOT_WRITE, w->out.path, errno);
}

/* The compressed bytes go to the file, or, in a sealed bundle's inner writer, to the seal. */
static int write_all(ics_bundle_writer *w, const unsigned char *p, size_t n, ics_error *err) {
  if (w->outer) {
    if (ics_bundle_seal_bytes(w->outer, p, n, err) == 0) return 0;
    w->failed = true;
    return -1;
  }
  return ics_output_write(&w->out, p, n) == 0 ? 0 : w_io_error(w, err);
}

/* Deflates p[0..n) with `flush` and writes what comes out. */
static int deflate_out(ics_bundle_writer *w, const void *p, size_t n, int flush, ics_error *err) {
  w->content_bytes += n;
  if (w->content_bytes > w->limits.max_decompressed)
    return ics_bundle_w_fail(w, err, BM_COUNT, BM_WRITE_TOO_LARGE,
                         (unsigned long long)w->limits.max_decompressed);
  w->zs.next_in = (unsigned char *)(uintptr_t)p; /* zlib's next_in is not const */
  w->zs.avail_in = (uInt)n;
  for (;;) {
    w->zs.next_out = w->zout;
    w->zs.avail_out = CHUNK;
    int z = deflate(&w->zs, flush);
    if (z == Z_STREAM_ERROR)
      return ics_bundle_w_fail(w, err, BM_COUNT, BM_ZLIB, w->zs.msg ? w->zs.msg : "deflate");
    if (write_all(w, w->zout, CHUNK - w->zs.avail_out, err)) return -1;
    if (flush == Z_FINISH ? z == Z_STREAM_END : w->zs.avail_out != 0) break;
  }
  return 0;
}

/* Hashes and compresses the pending content. */
int ics_bundle_flush_pending(ics_bundle_writer *w, ics_error *err) {
  if (w->pending.failed) return ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
  if (!w->pending.len) return 0;
  crypto_hash_sha256_update(&w->sha, (const unsigned char *)w->pending.data, w->pending.len);
  if (deflate_out(w, w->pending.data, w->pending.len, Z_NO_FLUSH, err)) return -1;
  w->pending.len = 0;
  return 0;
}

/* The line just appended from `mark` must stay within the readers' line limit. */
static int check_line_length(ics_bundle_writer *w, size_t mark, bundle_message at, ics_error *err) {
  if (w->pending.failed) return ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
  if (w->pending.len - mark - 1 > w->limits.max_line)
    return ics_bundle_w_fail(w, err, at, BM_WRITE_LINE_TOO_LONG, w->limits.max_line);
  return 0;
}

static int put_block(ics_bundle_writer *w, const char *text, size_t len, ics_error *err) {
  if (len) ics_buf_append(&w->pending, text, len);
  ics_buf_putc(&w->pending, '\n');
  return ics_bundle_flush_pending(w, err);
}

/* The manifest up to the forms. A sealed bundle's readable copy leaves the surveyor empty. */
int ics_bundle_write_manifest_head(ics_bundle_writer *w, const ics_bundle_manifest *m, int format,
                               const char *surveyor, ics_error *err) {
  ics_buf *b = &w->pending;
  ics_buf_printf(b, "%s%d\nbundle-id: %s\nstore-id: %s\n", BUNDLE_MAGIC, format, m->bundle_id,
                 m->store_id);
  size_t mark = b->len;
  ics_buf_puts(b, "surveyor: ");
  ics_escape_append(b, surveyor, strlen(surveyor));
  ics_buf_putc(b, '\n');
  if (check_line_length(w, mark, BM_AT_MANIFEST, err)) return -1;
  mark = b->len;
  ics_buf_puts(b, "site: ");
  ics_escape_append(b, m->site, strlen(m->site));
  ics_buf_putc(b, '\n');
  if (check_line_length(w, mark, BM_AT_MANIFEST, err)) return -1;
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
static int write_manifest(ics_bundle_writer *w, const ics_bundle_manifest *m, ics_error *err) {
  ics_buf *b = &w->pending;
  if (ics_bundle_write_manifest_head(w, m, w->signing ? 2 : 1, m->surveyor, err)) return -1;
  if (w->signing) {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
    crypto_sign_ed25519_sk_to_pk(pk, w->signing_key);
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    ics_buf_printf(b, "signer: %s\n", hex);
  }
  ics_buf_printf(b, "register: %zu\n", m->register_len);
  if (put_block(w, m->register_text, m->register_len, err)) return -1;
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    ics_buf_printf(b, "definition: %s %zu\n", f->id, f->definition_len);
    if (put_block(w, f->definition, f->definition_len, err)) return -1;
  }
  return 0;
}

/* A writer with its form bookkeeping and a started deflate stream, writing nowhere yet. */
static ics_bundle_writer *writer_new(ics_lang lang, const ics_bundle_limits *limits,
                                     const ics_bundle_manifest *manifest, ics_error *err) {
  ics_bundle_writer *w = ics_calloc(1, sizeof *w);
  if (!w) {
    write_error(lang, err, BM_COUNT, 0, BM_NO_MEMORY);
    return NULL;
  }
  w->lang = lang;
  w->limits = *limits;
  w->out.fd = -1;
  ics_bundle_idset_init(&w->ids);
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
    ics_bundle_w_fail(w, err, BM_COUNT, z == Z_MEM_ERROR ? BM_NO_MEMORY : BM_ZLIB, "deflateInit2");
    goto fail;
  }
  w->z_ready = true;
  memset(&w->header, 0, sizeof w->header);
  w->header.time = 0;
  w->header.os = 255;
  if (deflateSetHeader(&w->zs, &w->header) != Z_OK) {
    ics_bundle_w_fail(w, err, BM_COUNT, BM_ZLIB, "deflateSetHeader");
    goto fail;
  }
  crypto_hash_sha256_init(&w->sha);
  return w;
no_memory:
  ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
fail:
  ics_bundle_abort(w);
  return NULL;
}

/* Opens the temporary file beside path that ics_bundle_finish renames to path. */
static int writer_open_file(ics_bundle_writer *w, const char *path, ics_error *err) {
  if (ics_output_begin(&w->out, path) == 0) return 0; /* from now on removed on failure */
  int saved = errno;
  if (saved == ENOMEM) return ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
  return w_fail_errno(w, err, BM_CANNOT_CREATE, path, saved);
}

ics_bundle_writer *ics_bundle_create(const char *path, const ics_bundle_manifest *manifest,
                                     const ics_bundle_keys *keys, ics_lang lang, ics_error *err) {
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  if (!ics_bundle_start_sodium()) {
    write_error(lang, err, BM_COUNT, 0, BM_SODIUM);
    return NULL;
  }
  if (!path) {
    write_error(lang, err, BM_COUNT, 0, BM_MISSING, "path");
    return NULL;
  }
  const unsigned char *signing_key = keys ? keys->signing_key : NULL;
  const unsigned char *central_key = keys ? keys->central_key : NULL;
  if (central_key && !signing_key) {
    write_error(lang, err, BM_COUNT, 0, BM_MISSING, "signing_key");
    return NULL;
  }
  if (check_manifest(lang, err, &limits, manifest)) return NULL;
  int format = signing_key ? 2 : 1;
  if (manifest->format != 0 && manifest->format != format) {
    write_error(lang, err, BM_AT_MANIFEST, 0, BM_WRITER_FORMAT, manifest->format, format);
    return NULL;
  }

  ics_bundle_writer *w = writer_new(lang, &limits, manifest, err);
  if (!w) return NULL;
  if (writer_open_file(w, path, err)) goto fail;
  if (central_key) {
    w->seal_plain = ics_malloc(SEAL_CHUNK);
    w->seal_cipher = ics_malloc(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
    w->seal_text = ics_malloc(SEAL_TEXT_SIZE);
    if (!w->seal_plain || !w->seal_cipher || !w->seal_text) {
      ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
      goto fail;
    }
    if (ics_bundle_write_sealed_manifest(w, manifest, central_key, err)) goto fail;
    /* the records go into an ordinary signed bundle, written through the seal */
    if (!(w->inner = writer_new(lang, &limits, manifest, err))) goto fail;
    w->inner->outer = w;
    w = w->inner;
  }
  if (signing_key) {
    w->signing = true;
    memcpy(w->signing_key, signing_key, sizeof w->signing_key);
  }
  if (write_manifest(w, manifest, err)) {
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

/* Without a writer (ics_bundle_create failed and said why) there is no language to say it in
 * but the program's default. */
#define WRITER_LANG(w) ((w) ? (w)->lang : ICS_VI)

int ics_bundle_write(ics_bundle_writer *w, const ics_bundle_record *rec, ics_error *err) {
  if (!w || w->failed) {
    write_error(WRITER_LANG(w), err, BM_COUNT, 0, BM_WRITER_FAILED);
    return -1;
  }
  if (w->inner) { /* sealed: the records go into the inner bundle */
    if (ics_bundle_write(w->inner, rec, err) == 0) return 0;
    w->failed = true;
    return -1;
  }
  const bundle_message at = BM_AT_WRITE_RECORD;
  const ics_lang lang = w->lang;
  const uint64_t number = w->records + 1;
  char excerpt[EXCERPT], what[160];
  unsigned char id[16];
  if (!rec) return ics_bundle_w_fail(w, err, at, BM_MISSING, "record");
  if (check_uuid(lang, err, at, number, "instance_id", rec->instance_id, id) ||
      check_time(lang, err, at, number, "created_at", rec->created_at) ||
      check_time(lang, err, at, number, "updated_at", rec->updated_at) ||
      check_text(lang, err, at, number, "surveyor", rec->surveyor) ||
      check_text(lang, err, at, number, "site", rec->site) ||
      check_year(lang, err, at, number, rec->round)) {
    w->failed = true;
    return -1;
  }
  if (!rec->form_id) return ics_bundle_w_fail(w, err, at, BM_MISSING, "form_id");
  int form = find_form(w, rec->form_id);
  if (form < 0) {
    ics_excerpt(excerpt, sizeof excerpt, rec->form_id, strlen(rec->form_id));
    return ics_bundle_w_fail(w, err, at, BM_UNKNOWN_FORM, excerpt);
  }
  if (rec->revision < 1) {
    snprintf(excerpt, sizeof excerpt, "%d", rec->revision);
    return ics_bundle_w_fail(w, err, at, BM_BAD_REVISION, excerpt);
  }
  if (!rec->status || (strcmp(rec->status, "finalized") != 0 && strcmp(rec->status, "void") != 0)) {
    ics_excerpt(excerpt, sizeof excerpt, rec->status ? rec->status : "",
                   rec->status ? strlen(rec->status) : 0);
    return ics_bundle_w_fail(w, err, at, BM_BAD_STATUS, excerpt);
  }
  if (rec->value_count && !rec->values) return ics_bundle_w_fail(w, err, at, BM_MISSING, "values");
  if (rec->value_count > w->hashes_cap) {
    uint32_t *hashes = ics_realloc(w->hashes, rec->value_count * sizeof *hashes);
    if (!hashes) return ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
    w->hashes = hashes;
    w->hashes_cap = rec->value_count;
  }
  for (size_t i = 0; i < rec->value_count; i++) {
    const ics_bundle_value *v = &rec->values[i];
    if (!v->name) return ics_bundle_w_fail(w, err, at, BM_MISSING, "field name");
    size_t len = strlen(v->name);
    if (!ics_id_valid(v->name, len)) {
      ics_excerpt(excerpt, sizeof excerpt, v->name, len);
      return ics_bundle_w_fail(w, err, at, BM_BAD_FIELD_NAME, excerpt);
    }
    uint32_t h = BUNDLE_NAME_HASH_INIT;
    for (size_t k = 0; k < len; k++) h = bundle_name_hash_step(h, (unsigned char)v->name[k]);
    w->hashes[i] = h;
    snprintf(what, sizeof what, ics_bundle_msg(BM_WHAT_FIELD, lang), v->name);
    if (check_text(lang, err, at, number, what, v->value)) {
      w->failed = true;
      return -1;
    }
  }
  const char *dup;
  int unique = ics_bundle_names_unique(&w->names, rec->values, w->hashes, rec->value_count, &dup);
  if (unique < 0) return ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
  if (!unique) return ics_bundle_w_fail(w, err, at, BM_DUPLICATE_FIELD, dup);
  if (w->written[form] + 1 > w->announced[form])
    return ics_bundle_w_fail(w, err, at, BM_TOO_MANY_FORM_RECORDS, w->form_ids[form],
                         (unsigned long long)w->announced[form]);
  int added = ics_bundle_idset_add(&w->ids, id);
  if (added < 0) return ics_bundle_w_fail(w, err, BM_COUNT, BM_NO_MEMORY);
  if (!added) return ics_bundle_w_fail(w, err, at, BM_DUPLICATE_INSTANCE, rec->instance_id);

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
  if (check_line_length(w, mark, at, err)) return -1;
  w->written[form]++;
  w->records++;
  if (b->len >= CHUNK) return ics_bundle_flush_pending(w, err);
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
  ics_bundle_idset_free(&w->ids);
  ics_bundle_nameset_free(&w->names);
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
static int write_trailer(ics_bundle_writer *w, uint64_t records, ics_error *err) {
  if (ics_bundle_flush_pending(w, err)) return -1;
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  crypto_hash_sha256_final(&w->sha, digest);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  char trailer[128 + sizeof SIGNATURE_CONTEXT];
  int n = snprintf(trailer, sizeof trailer, "%send: %llu %s\n", SIGNATURE_CONTEXT,
                   (unsigned long long)records, hex);
  size_t context = sizeof SIGNATURE_CONTEXT - 1;
  if (!w->signing)
    return deflate_out(w, trailer + context, (size_t)n - context, Z_FINISH, err);
  /* the signature covers the context and the end line, which holds the hash of all before */
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, NULL, (const unsigned char *)trailer, (size_t)n, w->signing_key);
  char line[sizeof "signature: \n" + crypto_sign_BYTES * 2];
  memcpy(line, "signature: ", 11);
  sodium_bin2hex(line + 11, crypto_sign_BYTES * 2 + 1, signature, sizeof signature);
  strcat(line, "\n");
  if (deflate_out(w, trailer + context, (size_t)n - context, Z_NO_FLUSH, err)) return -1;
  return deflate_out(w, line, strlen(line), Z_FINISH, err);
}

static int check_all_written(ics_bundle_writer *w, ics_error *err) {
  for (size_t i = 0; i < w->form_count; i++)
    if (w->written[i] != w->announced[i])
      return ics_bundle_w_fail(w, err, BM_COUNT, BM_NOT_ALL_WRITTEN,
                           (unsigned long long)w->announced[i], w->form_ids[i],
                           (unsigned long long)w->written[i]);
  return 0;
}

int ics_bundle_finish(ics_bundle_writer *w, ics_error *err) {
  if (!w || w->failed) {
    write_error(WRITER_LANG(w), err, BM_COUNT, 0, BM_WRITER_FAILED);
    ics_bundle_abort(w);
    return -1;
  }
  if (w->inner) {
    /* the inner bundle ends, its last bytes are sealed with the final tag, then this ends */
    ics_bundle_writer *in = w->inner;
    if (check_all_written(in, err) || write_trailer(in, in->records, err) ||
        ics_bundle_seal_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, err) ||
        write_trailer(w, in->records, err))
      goto fail;
  } else if (check_all_written(w, err) || write_trailer(w, w->records, err)) {
    goto fail;
  }
  /* synced, renamed over the bundle's name, the folder synced */
  if (ics_output_commit(&w->out) != 0) {
    w_fail_errno(w, err, BM_CANNOT_WRITE, w->out.path, errno);
    goto fail;
  }
  writer_free(w);
  return 0;
fail:
  writer_free(w);
  return -1;
}

