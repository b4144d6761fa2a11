/* fuzz_receipt.c - libFuzzer target for the office's receipts (kit/receipt.c) and for the
 * records a pre-filled kit carries (ics_prefill_open): any bytes must give a result or an
 * error, never a crash, a leak or a hang. Three paths:
 *  1. The bytes are read as a receipt (ics_receipt_read_memory) and every field touched.
 *  2. Their bytes before their last "end: " line get the right end: line and a signature by
 *     one fixed Ed25519 key (fuzz_kit's: crypto_sign_seed_keypair of FUZZ_SEED, public key
 *     620bc456...74a064, on the office-signing-key lines of the seeds), so the fuzzer reaches
 *     every line after the signature is checked without forging one.
 *  3. The bytes, sealed to a fixed store's key, are the records of a pre-filled kit, opened
 *     with that store's secret key: the text the office seals, whatever it holds.
 * Seeds (tests/fuzz/corpus/receipt): content-*.txt receipts and prefill-*.txt texts. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sign.h"
#include "kit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static const unsigned char FUZZ_SEED[crypto_sign_SEEDBYTES] = "ictsurvey fuzz_kit office key 01";
static const unsigned char STORE_SEED[crypto_sign_SEEDBYTES] = "ictsurvey fuzz_receipt store 001";
static unsigned char office_pk[crypto_sign_PUBLICKEYBYTES], office_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char store_pk[crypto_sign_PUBLICKEYBYTES], store_sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  crypto_sign_seed_keypair(office_pk, office_sk, FUZZ_SEED);
  crypto_sign_seed_keypair(store_pk, store_sk, STORE_SEED);
  return 0;
}

static void read_receipt(const void *data, size_t size) {
  ics_error err = {0};
  ics_receipt *r = ics_receipt_read_memory(data, size, ICS_EN, &err);
  if ((r == NULL) != (err.code != ICS_OK)) abort(); /* refused exactly when it says why */
  size_t sum = err.code != ICS_OK ? strlen(err.message) : 0;
  ics_error_clear(&err);
  if (r) {
    sum += strlen(r->store_id) + strlen(r->created) + r->signing_key[0];
    for (size_t i = 0; i < r->bundle_count; i++) sum += strlen(r->bundles[i]);
    for (size_t i = 0; i < r->record_count; i++)
      sum += strlen(r->records[i].instance_id) + (size_t)r->records[i].revision;
  }
  ics_receipt_free(r);
  sink += sum;
}

static void open_prefill(const uint8_t *data, size_t size) {
  unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(box_pk, store_pk) != 0) abort();
  unsigned char *sealed = malloc(size + crypto_box_SEALBYTES);
  if (!sealed) return;
  crypto_box_seal(sealed, data, size, box_pk);
  ics_kit kit = {.prefill_store = "01234567-89ab-7def-8123-456789abcdef", .prefill_round = 2013,
                 .round = 2014, .prefill = sealed, .prefill_len = size + crypto_box_SEALBYTES};
  ics_error err = {0};
  ics_prefill *p = ics_prefill_open(&kit, store_sk, ICS_EN, &err);
  if ((p == NULL) != (err.code != ICS_OK)) abort();
  size_t sum = err.code != ICS_OK ? strlen(err.message) : 0;
  ics_error_clear(&err);
  for (size_t i = 0; p && i < p->record_count; i++)
    sum += strlen(p->records[i].instance_id) + strlen(p->records[i].form_id) + p->records[i].answers_len +
           (unsigned char)p->records[i].answers[p->records[i].answers_len]; /* the NUL */
  ics_prefill_free(p);
  free(sealed);
  sink += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_receipt(data, size);
  size_t len = 0;
  char *text = fuzz_signed_content(data, size, "ictsurvey-receipt-signature-1\n", office_sk, &len);
  if (text) read_receipt(text, len);
  free(text);
  open_prefill(data, size);
  return 0;
}
