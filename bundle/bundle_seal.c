/* bundle_seal.c - the sealed envelope (docs/security.md). Writing, the outer writer holds the
 * readable manifest and a fresh content key sealed to the central office's X25519 key, and
 * encrypts the inner (signed) bundle's gzip bytes SEAL_CHUNK at a time into S lines with
 * libsodium's secretstream. Reading, the outer reader checks the readable part; unsealing opens
 * the content key and starts an inner reader whose compressed input is the S lines decrypted,
 * which must say what the readable part says. */
#include "bundle_private.h"
#include "keys.h"

#include <string.h>

/* ---- sealing ------------------------------------------------------------------------------- */

/* Encrypts the plaintext gathered in o->seal_plain into one "S BASE64" line of o. */
int ics_bundle_seal_chunk(ics_bundle_writer *o, unsigned char tag, ics_error *err) {
  unsigned long long cipher_len;
  crypto_secretstream_xchacha20poly1305_push(&o->seal, o->seal_cipher, &cipher_len, o->seal_plain,
                                             o->seal_len, NULL, 0, tag);
  sodium_bin2base64(o->seal_text, SEAL_TEXT_SIZE, o->seal_cipher, (size_t)cipher_len,
                    sodium_base64_VARIANT_ORIGINAL);
  o->seal_len = 0;
  ics_buf_puts(&o->pending, "S ");
  ics_buf_puts(&o->pending, o->seal_text);
  ics_buf_putc(&o->pending, '\n');
  return ics_bundle_flush_pending(o, err);
}

int ics_bundle_seal_bytes(ics_bundle_writer *o, const unsigned char *p, size_t n, ics_error *err) {
  while (n) {
    size_t take = SEAL_CHUNK - o->seal_len;
    if (take > n) take = n;
    memcpy(o->seal_plain + o->seal_len, p, take);
    o->seal_len += take;
    p += take;
    n -= take;
    if (o->seal_len == SEAL_CHUNK &&
        ics_bundle_seal_chunk(o, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, err))
      return -1;
  }
  return 0;
}

/* A sealed bundle's readable part: the head and "sealed: CENTRAL_KEY BOXED_KEY HEADER", where
 * BOXED_KEY is a fresh content key sealed (crypto_box_seal) to the central office's key. */
int ics_bundle_write_sealed_manifest(ics_bundle_writer *w, const ics_bundle_manifest *m,
                                 const unsigned char *central_key, ics_error *err) {
  if (ics_bundle_write_manifest_head(w, m, 2, "", err)) return -1;
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  unsigned char boxed[crypto_box_SEALBYTES + sizeof key];
  crypto_secretstream_xchacha20poly1305_keygen(key);
  crypto_secretstream_xchacha20poly1305_init_push(&w->seal, header, key);
  int sealed = crypto_box_seal(boxed, key, sizeof key, central_key);
  sodium_memzero(key, sizeof key);
  if (sealed != 0) return ics_bundle_w_fail(w, err, BM_COUNT, BM_SEAL_FAILED);
  char pk_hex[crypto_box_PUBLICKEYBYTES * 2 + 1], boxed_hex[sizeof boxed * 2 + 1],
      header_hex[sizeof header * 2 + 1];
  sodium_bin2hex(pk_hex, sizeof pk_hex, central_key, crypto_box_PUBLICKEYBYTES);
  sodium_bin2hex(boxed_hex, sizeof boxed_hex, boxed, sizeof boxed);
  sodium_bin2hex(header_hex, sizeof header_hex, header, sizeof header);
  ics_buf_printf(&w->pending, "sealed: %s %s %s\n", pk_hex, boxed_hex, header_hex);
  return ics_bundle_flush_pending(w, err);
}

/* ---- sealed content ------------------------------------------------------------------------ */

/* In the inner reader: the outer one failed (its message says where); pass its error on. */
static int outer_failed(ics_bundle_reader *r) {
  ics_error_clear(&r->error);
  ics_bundle_error_copy(&r->error, r->lang, &r->outer->error);
  r->outer_error = true;
  r->state = S_FAILED;
  return -1;
}

/* The inner reader's compressed input: the next S line of the outer reader, decrypted. */
int ics_bundle_refill_sealed(ics_bundle_reader *r) {
  ics_bundle_reader *o = r->outer;
  char *s;
  size_t n;
  if (o->state != S_READING || ics_bundle_need_line(o, &s, &n) < 0) return outer_failed(r);
  crypto_hash_sha256_update(&o->sha, (const unsigned char *)s, n + 1);
  s[n] = '\0';
  o->line_no++;
  if (n < 2 || s[0] != 'S' || s[1] != ' ') {
    char excerpt[EXCERPT];
    if (ics_bundle_check_line_text(o, s, n, 0) == 0) {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      if (n >= 5 && memcmp(s, "end: ", 5) == 0)
        ics_bundle_fail_here(o, K_CONTENT, BM_SEAL_TRUNCATED);
      else
        ics_bundle_fail_here(o, K_CONTENT, BM_SEAL_EXPECTED, excerpt);
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
    ics_bundle_fail_here(o, K_CONTENT, BM_SEAL_BROKEN);
    return outer_failed(r);
  }
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) r->in_eof = true;
  r->zs.next_in = r->in;
  r->zs.avail_in = (uInt)plain_len;
  return 0;
}

/* "sealed: CENTRAL_KEY SEALED_KEY HEADER", each in lowercase hex. */
int ics_bundle_read_sealed_line(ics_bundle_reader *r, const char *s, size_t n) {
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
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_SEALED_LINE, excerpt);
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
      return ics_bundle_fail(r, K_OTHER, BM_SEAL_MISMATCH, fields[i][0], x, y);
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
      return ics_bundle_fail(r, K_OTHER, BM_SEAL_MISMATCH, "form", x, y);
    }
  }
  return 0;
}

/* The inner reader failed: its error becomes this one's, after "in the sealed content: ",
 * unless this reader failed first (its own error, already recorded, says it). */
static int inner_failed(ics_bundle_reader *r, const ics_bundle_reader *in) {
  if (r->state != S_READING) return -1;
  ics_error_clear(&r->error);
  ics_bundle_error_copy(&r->error, r->lang, &in->error); /* its code too */
  if (!in->outer_error) ics_error_prefix(&r->error, "%s", ics_bundle_msg(BM_IN_SEALED, r->lang));
  r->state = S_FAILED;
  return -1;
}

/* A sealed bundle's records come from the inner reader; when it ends, the S lines must have
 * ended too, and the readable part's trailer follows. */
int ics_bundle_next_sealed(ics_bundle_reader *r, ics_bundle_record *record) {
  char fingerprint[ICS_FINGERPRINT_SIZE];
  if (!r->inner) {
    ics_key_fingerprint(r->sealed_to, fingerprint);
    return ics_bundle_fail(r, K_OTHER, BM_SEALED_LOCKED, fingerprint);
  }
  ics_bundle_reader *in = r->inner;
  bool got;
  if (ics_bundle_next(in, record, &got, NULL) < 0) return inner_failed(r, in); /* in->error */
  if (got) return 1;
  /* the inner reader saw the final S line (nothing may follow its gzip member) */
  char *s;
  size_t n;
  if (ics_bundle_need_line(r, &s, &n) < 0) return -1;
  if (n >= 2 && s[0] == 'S' && s[1] == ' ') {
    r->line_no++;
    return ics_bundle_fail_here(r, K_CONTENT, BM_SEAL_AFTER_END);
  }
  return ics_bundle_read_trailer(r, s, n);
}

/* Opens the content key with the office's key pair and reads the sealed manifest. */
static int unseal(ics_bundle_reader *r, const unsigned char pk[32], const unsigned char sk[32]) {
  char given[ICS_FINGERPRINT_SIZE], named[ICS_FINGERPRINT_SIZE];
  ics_key_fingerprint(pk, given);
  ics_key_fingerprint(r->sealed_to, named);
  if (sodium_memcmp(pk, r->sealed_to, sizeof r->sealed_to) != 0)
    return ics_bundle_fail(r, K_OTHER, BM_SEALED_TO_OTHER, named, given);
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  if (crypto_box_seal_open(key, r->boxed_key, sizeof r->boxed_key, pk, sk) != 0)
    return ics_bundle_fail(r, K_CONTENT, BM_SEAL_KEY_BROKEN, given);
  int started = crypto_secretstream_xchacha20poly1305_init_pull(&r->stream, r->stream_header, key);
  sodium_memzero(key, sizeof key);
  if (started != 0) return ics_bundle_fail(r, K_CONTENT, BM_SEAL_KEY_BROKEN, given);
  r->cipher = ics_malloc(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
  ics_bundle_reader *in = ics_bundle_reader_new(&r->limits, r->lang);
  if (!r->cipher || !in) {
    ics_bundle_close(in);
    return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  }
  in->outer = r;
  in->in = ics_malloc(CHUNK); /* a decrypted chunk at a time */
  int rc = in->in ? ics_bundle_reader_start(in) : ics_bundle_fail(in, K_OTHER, BM_NO_MEMORY);
  if (rc == 0 && !in->is_signed) rc = ics_bundle_fail(in, K_CONTENT, BM_SEAL_UNSIGNED);
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
                      const unsigned char central_secret_key[32], ics_error *err) {
  if (!r) {
    ics_error_set(err, ICS_VI, ICS_E_STATE, NULL); /* no reader: its opening said why */
    return -1;
  }
  if (r->state == S_READING && (!r->sealed || r->inner)) return 0;
  if (r->state == S_READING && unseal(r, central_public_key, central_secret_key) == 0) return 0;
  ics_bundle_error_copy(err, r->lang, &r->error);
  return -1;
}

