/* fuzz_bundle.c - libFuzzer target for the bundle reader: any bytes must give a manifest and
 * records, or an error, never a crash, a leak or a hang. The target holds one fixed central
 * office key pair (crypto_box_seed_keypair of CENTRAL_SEED; public key aeb84921...8d5743): the
 * seed corpus's sealed-* bundles and content-sealed-* contents are sealed to it. Three paths:
 *  1. The bytes are read as a bundle file (ics_bundle_open_memory, the manifest touched, every
 *     record read and touched); a sealed bundle is unsealed with the fixed key pair first, so
 *     its sealed manifest, signer and records are read too.
 *  2. Bytes that are not gzip data are also gzipped here and read as a bundle's content, so
 *     that the fuzzer reaches the manifest and record parser without having to forge a CRC
 *     (the content's SHA-256 still fails at the end, after every record has been parsed).
 *  3. The same gzipped bytes are also sealed here, as the inner bundle of a sealed bundle to
 *     the fixed key, so that the fuzzer reaches the parser of the decrypted bundle without
 *     having to forge an AEAD tag. The readable part is the bytes' own manifest head (their
 *     lines before "signer: ", with the surveyor emptied) when they have a signer line, else
 *     a fixed one; then the "sealed:" line, the S lines and the end line with the right hash
 *     and the head's record count. The content key, its sealed copy and the stream header are
 *     made once at start (the last two differ between processes, never between runs), so
 *     that what a run does depends only on the bytes. The chunks are 1 KiB rather than the
 *     writer's 48 KiB, so that several S lines and an empty final one are reached within the
 *     small line limit. It is read and unsealed like the first path.
 * Paths 2 and 3 use small limits, so that the fuzzer can reach them. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_gzip.h"
#include "bundle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

/* ---- the fixed central office key, and what seals to it ---------------------------------- */

static const unsigned char CENTRAL_SEED[crypto_box_SEEDBYTES] = "ictsurvey fuzz_bundle central 01";
static unsigned char central_pk[crypto_box_PUBLICKEYBYTES];
static unsigned char central_sk[crypto_box_SECRETKEYBYTES];

#define FUZZ_SEAL_CHUNK ((size_t)1024)
#define FUZZ_SEAL_TEXT \
  sodium_base64_ENCODED_LEN(FUZZ_SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES, \
                            sodium_base64_VARIANT_ORIGINAL)

/* "sealed: CENTRAL_PK SEALED_KEY HEADER\n" and the push state it starts, made once */
static char sealed_line[8 + 64 + 1 + 160 + 1 + 48 + 2];
static crypto_secretstream_xchacha20poly1305_state stream_start;

/* A readable manifest for bytes without one of their own: a valid head with no records. */
static const char FIXED_HEAD[] = "ictsurvey-bundle: 2\n"
                                 "bundle-id: aaaaaaaa-0000-4000-8000-000000000001\n"
                                 "store-id: bbbbbbbb-0000-4000-8000-000000000002\n"
                                 "surveyor: \n"
                                 "site: T\xc3\xa2n An\n"
                                 "round: 2024\n"
                                 "created: 2024-05-06T07:08:09Z\n"
                                 "records: 0\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  crypto_box_seed_keypair(central_pk, central_sk, CENTRAL_SEED);
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  unsigned char boxed[crypto_box_SEALBYTES + sizeof key];
  memset(key, 0x5a, sizeof key);
  crypto_secretstream_xchacha20poly1305_init_push(&stream_start, header, key);
  if (crypto_box_seal(boxed, key, sizeof key, central_pk) != 0) abort();
  char pk_hex[sizeof central_pk * 2 + 1], boxed_hex[sizeof boxed * 2 + 1],
      header_hex[sizeof header * 2 + 1];
  sodium_bin2hex(pk_hex, sizeof pk_hex, central_pk, sizeof central_pk);
  sodium_bin2hex(boxed_hex, sizeof boxed_hex, boxed, sizeof boxed);
  sodium_bin2hex(header_hex, sizeof header_hex, header, sizeof header);
  snprintf(sealed_line, sizeof sealed_line, "sealed: %s %s %s\n", pk_hex, boxed_hex, header_hex);
  return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

static size_t touch_manifest(const ics_bundle_reader *r) {
  const ics_bundle_manifest *m = ics_bundle_manifest_of(r);
  size_t sum = strlen(m->bundle_id) + strlen(m->store_id) + strlen(m->surveyor) +
               strlen(m->site) + strlen(m->created) + m->register_len + (size_t)m->round +
               (size_t)m->format + (size_t)m->record_count;
  if (m->register_len) sum += (unsigned char)m->register_text[m->register_len - 1];
  for (size_t i = 0; i < m->form_count; i++) {
    const ics_bundle_form *f = &m->forms[i];
    sum += strlen(f->id) + strlen(f->version) + strlen(f->hash) + f->definition_len +
           (size_t)f->records;
    if (f->definition_len) sum += (unsigned char)f->definition[f->definition_len - 1];
  }
  const char *signer = ics_bundle_signer(r);
  if (signer) sum += strlen(signer);
  return sum;
}

static void read_bundle(const void *data, size_t size, const ics_bundle_limits *limits) {
  ics_error error = {0};
  ics_bundle_reader *r = ics_bundle_open_memory(data, size, limits, ICS_EN, &error);
  size_t sum = error.message ? strlen(error.message) : 0;
  if (!r != (error.code != ICS_OK)) abort(); /* a failure always says why, success never */
  ics_error_clear(&error);
  if (!r) {
    sink += sum;
    return;
  }
  sum += touch_manifest(r);
  if (ics_bundle_is_sealed(r)) {
    if (ics_bundle_unseal(r, central_pk, central_sk, &error) != 0)
      sum += strlen(error.message);
    ics_error_clear(&error);
    sum += touch_manifest(r) + ics_bundle_is_sealed(r);
  }
  ics_bundle_record rec;
  bool got = false;
  int rc;
  while ((rc = ics_bundle_next(r, &rec, &got, &error)) == 0 && got) {
    sum += strlen(rec.instance_id) + strlen(rec.form_id) + strlen(rec.status) +
           strlen(rec.created_at) + strlen(rec.updated_at) + strlen(rec.surveyor) +
           strlen(rec.site) + (size_t)rec.revision + (size_t)rec.round;
    for (size_t i = 0; i < rec.value_count; i++)
      sum += strlen(rec.values[i].name) + strlen(rec.values[i].value);
  }
  if (rc < 0) sum += strlen(error.message);
  ics_error_clear(&error);
  if (rc == 0) sum += touch_manifest(r); /* the signer, verified */
  ics_bundle_close(r);
  sink += sum;
}

/* ---- making content ----------------------------------------------------------------------- */

/* Where the line starting at p[i] ends (its "\n", or n). */
static size_t line_end(const uint8_t *p, size_t n, size_t i) {
  const uint8_t *nl = memchr(p + i, '\n', n - i);
  return nl ? (size_t)(nl - p) : n;
}

static int starts(const uint8_t *p, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(p, prefix, k) == 0;
}

/* The readable part of a sealed bundle around content p[0..n): its lines before its first
 * "signer: " line, the surveyor's value left out, then the sealed line. NULL when the
 * content has no signer line. *records: the value of its records line (0 if none). */
static char *readable_head(const uint8_t *p, size_t n, size_t *len, unsigned long long *records) {
  size_t signer = n;
  for (size_t i = 0; i < n; i = line_end(p, n, i) + 1)
    if (starts(p + i, n - i, "signer: ")) {
      signer = i;
      break;
    }
  if (signer == n) return NULL;
  char *head = malloc(signer + sizeof sealed_line);
  if (!head) return NULL;
  size_t k = 0;
  *records = 0;
  for (size_t i = 0; i < signer;) {
    size_t e = line_end(p, n, i);
    if (starts(p + i, e - i, "surveyor: ")) {
      memcpy(head + k, "surveyor: \n", 11);
      k += 11;
    } else {
      memcpy(head + k, p + i, e - i + 1);
      k += e - i + 1;
      if (starts(p + i, e - i, "records: "))
        for (size_t j = i + 9; j < e && p[j] >= '0' && p[j] <= '9' && *records < UINT64_MAX / 10;
             j++)
          *records = *records * 10 + (unsigned)(p[j] - '0');
    }
    i = e + 1;
  }
  size_t s = strlen(sealed_line);
  memcpy(head + k, sealed_line, s);
  *len = k + s;
  return head;
}

/* A sealed bundle's gzipped content: head, "S BASE64" lines of the inner gzip member inner,
 * the end line. malloc'd or NULL. */
static unsigned char *seal(const unsigned char *inner, size_t inner_len, const uint8_t *data,
                           size_t size, size_t *out_len) {
  unsigned long long records = 0;
  size_t head_len = 0;
  char *head = readable_head(data, size, &head_len, &records);
  if (!head) {
    size_t f = sizeof FIXED_HEAD - 1, s = strlen(sealed_line);
    if (!(head = malloc(f + s))) return NULL;
    memcpy(head, FIXED_HEAD, f);
    memcpy(head + f, sealed_line, s);
    head_len = f + s;
  }
  size_t lines = inner_len / FUZZ_SEAL_CHUNK + 1;
  size_t cap = head_len + lines * (FUZZ_SEAL_TEXT + 3) + 128;
  char *text = malloc(cap);
  if (!text) {
    free(head);
    return NULL;
  }
  memcpy(text, head, head_len);
  free(head);
  size_t k = head_len;
  crypto_secretstream_xchacha20poly1305_state st = stream_start;
  unsigned char cipher[FUZZ_SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
  size_t at = 0;
  for (;;) { /* as the writer: full chunks, then the rest (maybe nothing) with TAG_FINAL */
    size_t take = inner_len - at < FUZZ_SEAL_CHUNK ? inner_len - at : FUZZ_SEAL_CHUNK;
    unsigned char tag = take == FUZZ_SEAL_CHUNK ? crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
                                                : crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    unsigned long long cipher_len;
    crypto_secretstream_xchacha20poly1305_push(&st, cipher, &cipher_len, inner + at, take, NULL,
                                               0, tag);
    at += take;
    memcpy(text + k, "S ", 2);
    k += 2;
    sodium_bin2base64(text + k, cap - k, cipher, (size_t)cipher_len,
                      sodium_base64_VARIANT_ORIGINAL);
    k += strlen(text + k);
    text[k++] = '\n';
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) break;
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  crypto_hash_sha256(digest, (const unsigned char *)text, k);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  k += (size_t)snprintf(text + k, cap - k, "end: %llu %s\n", records, hex);
  unsigned char *gz = fuzz_gzip(text, k, NULL, out_len);
  free(text);
  return gz;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  limits.max_decompressed = 32 << 20;
  read_bundle(data, size, &limits);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) return 0;

  /* the bytes as content, with smaller limits so that they are reached too */
  size_t gz_len = 0;
  unsigned char *gz = fuzz_gzip(data, size, NULL, &gz_len);
  if (!gz) return 0;
  limits.max_line = 2048;
  limits.max_definition = 2048;
  limits.max_forms = 8;
  limits.max_records = 1000;
  read_bundle(gz, gz_len, &limits);

  /* the bytes as the content of a sealed bundle */
  size_t sealed_len = 0;
  unsigned char *sealed = seal(gz, gz_len, data, size, &sealed_len);
  if (sealed) read_bundle(sealed, sealed_len, &limits);
  free(sealed);
  free(gz);
  return 0;
}
