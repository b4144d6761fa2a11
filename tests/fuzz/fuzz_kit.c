/* fuzz_kit.c - libFuzzer target for the survey kit reader: any bytes must give a kit or an
 * error, never a crash, a leak or a hang. Two paths:
 *  1. The bytes are read as a kit file (ics_kit_read_memory) and every field of the kit is
 *     touched.
 *  2. Bytes that are not gzip data are also taken as a kit's content: their bytes before their
 *     last "end: " line (all of them when there is none) get the end: line with the right
 *     SHA-256 and a signature line by one fixed Ed25519 key (crypto_sign_seed_keypair of
 *     FUZZ_SEED, public key 620bc456...74a064, on the office-signing-key lines of the
 *     seed corpus), are gzipped with a kit's header and read like path 1. So the fuzzer reaches
 *     what is checked after the signature (the register, the definitions and the targets
 *     loaded and compared with the form lines) without having to forge a signature.
 * The seed corpus (tests/fuzz/corpus/kit): valid-*.kit kits signed by that key, damaged-*.kit
 * ones that must be refused, content-*.txt contents for path 2. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_gzip.h"
#include "fuzz_sign.h"
#include "kit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static const unsigned char FUZZ_SEED[crypto_sign_SEEDBYTES] = "ictsurvey fuzz_kit office key 01";
static unsigned char office_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char office_sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  crypto_sign_seed_keypair(office_pk, office_sk, FUZZ_SEED);
  return 0;
}

static size_t touch_text(const char *s, size_t n) {
  return n + (n ? (unsigned char)s[n - 1] : 0) + (unsigned char)s[n]; /* s[n] is the NUL */
}

static void read_kit(const void *data, size_t size) {
  ics_error err = {0};
  ics_kit *kit = ics_kit_read_memory(data, size, ICS_EN, &err);
  if ((kit == NULL) != (err.code != ICS_OK)) abort(); /* refused exactly when it says why */
  size_t sum = err.code != ICS_OK ? strlen(err.message) + (size_t)err.code : 0;
  ics_error_clear(&err);
  if (kit) {
    sum += strlen(kit->kit_id) + strlen(kit->created) + (size_t)kit->sequence +
           (size_t)kit->round + kit->seal_key[0] + kit->signing_key[31] + kit->has_next +
           (kit->has_next ? kit->next_seal_key[0] + kit->next_signing_key[31] : 0u);
    sum += touch_text(kit->register_text, kit->register_len) +
           touch_text(kit->targets_text, kit->targets_len);
    for (size_t i = 0; i < kit->form_count; i++) {
      const ics_kit_form *f = &kit->forms[i];
      sum += strlen(f->id) + strlen(f->version) + strlen(f->hash) + touch_text(f->text, f->len);
    }
  }
  ics_kit_free(kit);
  sink += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_kit(data, size);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) return 0;
  size_t len = 0, gz_len = 0;
  char *text = fuzz_signed_content(data, size, "ictsurvey-kit-signature-1\n", office_sk, &len);
  unsigned char *gz = text ? fuzz_gzip(text, len, "ictsurvey-kit", &gz_len) : NULL;
  if (gz) read_kit(gz, gz_len);
  free(gz);
  free(text);
  return 0;
}
