/* test_kit.c - the survey kit: a kit of the shipped definitions written and read back (every
 * field), byte-identical output whatever the order of the forms given, key rotation, the gzip
 * header and the standard tools, the writer's refusals, and what a reader must refuse: every
 * byte of the file changed, truncations, joined files, trailing bytes, signatures by another
 * key, edited content re-signed (a definition whose hash is not its form line's, a newer
 * format, ...), limits; allocation failures while writing and reading. Every refusal of a
 * damaged or forged kit must say where: a line of the content or a byte of the file, with the
 * code of what is wrong (damaged, signature, wrong kind, out of memory...).
 *
 * Arguments: directories of kits to read (the fuzz seed corpus): files named valid-* must
 * read, damaged-* must not, anything else must not crash. */
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "kit.h"
#include "schema.h"
#include "test.h"
#include "test_files.h"

static char dir[64];

static char *path_in(const char *name) {
  static char paths[8][256];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", dir, name);
  return p;
}

/* Files in the temporary directory whose names contain ".tmp-". */
static int temp_files(void) { return temp_files_in(dir); }

/* Whether a message says where: "line N" or "byte N". */
static bool says_where(const char *message) {
  for (const char *p = message; p && (p = strstr(p, "line ")) != NULL; p++)
    if (p[5] >= '0' && p[5] <= '9') return true;
  for (const char *p = message; p && (p = strstr(p, "byte ")) != NULL; p++)
    if (p[5] >= '0' && p[5] <= '9') return true;
  return false;
}

/* ---- keys and the shipped definitions -------------------------------------------------------- */

static unsigned char office_pk[32], office_sk[64], other_pk[32], other_sk[64];
static unsigned char next_pk[32], next_sk[64];
static unsigned char seal_pk[32], seal_sk[32], next_seal_pk[32], next_seal_sk[32];
static char office_hex[65], other_hex[65];

static void setup_keys(void) {
  unsigned char seed[32];
  memset(seed, 1, sizeof seed);
  crypto_sign_seed_keypair(office_pk, office_sk, seed);
  memset(seed, 2, sizeof seed);
  crypto_sign_seed_keypair(other_pk, other_sk, seed);
  memset(seed, 3, sizeof seed);
  crypto_sign_seed_keypair(next_pk, next_sk, seed);
  memset(seed, 4, sizeof seed);
  crypto_box_seed_keypair(seal_pk, seal_sk, seed);
  memset(seed, 5, sizeof seed);
  crypto_box_seed_keypair(next_seal_pk, next_seal_sk, seed);
  sodium_bin2hex(office_hex, sizeof office_hex, office_pk, 32);
  sodium_bin2hex(other_hex, sizeof other_hex, other_pk, 32);
}

typedef struct {
  char *text;
  size_t len;
  char *id, *version, *hash;
} definition;

/* staff, school, training_centre: deliberately not in id order */
static definition shipped[3];
static char *register_text, *targets_text;
static size_t register_len, targets_len;

static char *read_definition(const char *name, size_t *len) {
  const char *defs = getenv("ICTSURVEY_DEFINITIONS");
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", defs ? defs : "schema/definitions", name);
  unsigned char *data = read_all(path, len);
  if (!data) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  data = realloc(data, *len + 1);
  data[*len] = '\0';
  return (char *)data;
}

static void load_definitions(void) {
  static const char *const names[3] = {"staff.yaml", "school.yaml", "training_centre.yaml"};
  for (int i = 0; i < 3; i++) {
    definition *d = &shipped[i];
    d->text = read_definition(names[i], &d->len);
    ics_errors diags = {0};
    ics_form *form = ics_form_parse(names[i], d->text, d->len, ICS_EN, &diags);
    if (!form) {
      fprintf(stderr, "%s does not load\n", names[i]);
      exit(2);
    }
    d->id = strdup(form->id);
    d->version = strdup(form->version);
    d->hash = strdup(form->hash);
    ics_form_free(form);
    ics_errors_free(&diags);
  }
  register_text = read_definition("units.yaml", &register_len);
  targets_text = read_definition("targets.yaml", &targets_len);
}

static ics_kit_form kit_forms[3];

/* The kit of the shipped definitions, forms in the order staff, school, training_centre. */
static ics_kit shipped_kit(void) {
  for (int i = 0; i < 3; i++)
    kit_forms[i] = (ics_kit_form){shipped[i].id, shipped[i].version, shipped[i].hash,
                                  shipped[i].text, shipped[i].len};
  ics_kit kit = {.kit_id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
                 .sequence = 3,
                 .created = "2024-04-01T08:00:00Z",
                 .round = 2024,
                 .forms = kit_forms,
                 .form_count = 3,
                 .register_text = register_text,
                 .register_len = register_len,
                 .targets_text = targets_text,
                 .targets_len = targets_len};
  memcpy(kit.seal_key, seal_pk, 32);
  memcpy(kit.signing_key, office_pk, 32);
  return kit;
}

/* The code of the error message_of took last. */
static ics_code last_code;

/* The message of *err (malloc'd; NULL when it holds no error), its code in last_code, and
 * *err cleared: the tests compare the texts. */
static char *message_of(ics_error *err) {
  last_code = err->code;
  char *text = err->code != ICS_OK ? strdup(err->message) : NULL;
  ics_error_clear(err);
  return text;
}

static char *write_kit(const char *path, const ics_kit *kit, const unsigned char *sk) {
  ics_error err = {0};
  int rc = ics_kit_write(path, kit, sk, ICS_EN, &err);
  CHECK((rc == 0) == (err.code == ICS_OK) && (rc == 0 || rc == -1));
  return message_of(&err);
}

/* Reads the kit at path: the kit (NULL when refused) and in *error its message. */
static ics_kit *read_kit(const char *path, ics_lang lang, char **error) {
  ics_error err = {0};
  ics_kit *kit = ics_kit_read(path, lang, &err);
  CHECK((kit == NULL) == (err.code != ICS_OK));
  *error = message_of(&err);
  return kit;
}

static ics_kit *read_kit_memory(const void *data, size_t size, ics_lang lang, char **error) {
  ics_error err = {0};
  ics_kit *kit = ics_kit_read_memory(data, size, lang, &err);
  CHECK((kit == NULL) == (err.code != ICS_OK));
  *error = message_of(&err);
  return kit;
}

static unsigned char *shipped_bytes(size_t *size) {
  ics_kit kit = shipped_kit();
  char *error = write_kit(path_in("shipped.kit"), &kit, office_sk);
  CHECK_STR(error, NULL);
  free(error);
  return read_all(path_in("shipped.kit"), size);
}

/* ---- gzip, content and signatures made here ------------------------------------------------- */

/* The content of a gzip member (whatever its header), malloc'd with a NUL; NULL if not one. */
static char *gunzip(const unsigned char *data, size_t size, size_t *len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return NULL;
  size_t cap = 1 << 20;
  char *out = malloc(cap);
  zs.next_in = (unsigned char *)(uintptr_t)data;
  zs.avail_in = (uInt)size;
  int z;
  do {
    if (zs.total_out == cap) out = realloc(out, cap *= 2);
    zs.next_out = (unsigned char *)out + zs.total_out;
    zs.avail_out = (uInt)(cap - zs.total_out);
    z = inflate(&zs, Z_NO_FLUSH);
  } while (z == Z_OK);
  *len = zs.total_out;
  inflateEnd(&zs);
  if (z != Z_STREAM_END) {
    free(out);
    return NULL;
  }
  out = realloc(out, *len + 1);
  out[*len] = '\0';
  return out;
}

/* text gzipped with a kit's header; malloc'd. */
static unsigned char *gzip_kit(const char *text, size_t len, size_t *size) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  gz_header h;
  memset(&h, 0, sizeof h);
  h.name = (Bytef *)"ictsurvey-kit";
  h.os = 255;
  deflateSetHeader(&zs, &h);
  uLong bound = deflateBound(&zs, (uLong)len);
  unsigned char *out = malloc(bound);
  zs.next_in = (unsigned char *)(uintptr_t)text;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)bound;
  CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  *size = zs.total_out;
  deflateEnd(&zs);
  return out;
}

/* body (the content before its end: line) completed with the end: and signature: lines,
 * signed with sk; malloc'd. */
static char *sign_body(const char *body, const unsigned char *sk) {
  unsigned char digest[32], sig[64];
  char hex[65], sig_hex[129], message[128];
  crypto_hash_sha256(digest, (const unsigned char *)body, strlen(body));
  sodium_bin2hex(hex, sizeof hex, digest, 32);
  int n = snprintf(message, sizeof message, "ictsurvey-kit-signature-1\nend: %s\n", hex);
  crypto_sign_detached(sig, NULL, (unsigned char *)message, (unsigned long long)n, sk);
  sodium_bin2hex(sig_hex, sizeof sig_hex, sig, 64);
  size_t len = strlen(body);
  char *out = malloc(len + 300);
  snprintf(out, len + 300, "%send: %s\nsignature: %s\n", body, hex, sig_hex);
  return out;
}

/* The body of a kit's content: everything before its end: line (malloc'd). */
static char *body_of(const char *content) {
  const char *end = strstr(content, "\nend: ");
  return strndup(content, (size_t)(end - content + 1));
}

/* s with the first `from` replaced by `to` (malloc'd); the test fails when there is none. */
static char *replace(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  CHECK(at != NULL);
  if (!at) return strdup(s);
  size_t a = (size_t)(at - s), f = strlen(from), t = strlen(to), n = strlen(s);
  char *out = malloc(n - f + t + 1);
  memcpy(out, s, a);
  memcpy(out + a, to, t);
  memcpy(out + a + t, at + f, n - a - f + 1);
  return out;
}

/* Reads bytes; NULL when they are a valid kit (freed), else the error. */
static char *read_error(const void *data, size_t size) {
  char *error = NULL;
  ics_kit *kit = read_kit_memory(data, size, ICS_EN, &error);
  ics_kit_free(kit);
  return error;
}

static void expect_error(const char *label, const void *data, size_t size, const char *expected,
                         bool where) {
  char *error = read_error(data, size);
  if (!error || !strstr(error, expected) || (where && !says_where(error))) {
    test_failures++;
    fprintf(stderr, "%s:\n  got:      %s\n  expected: %s%s\n", label,
            error ? error : "(read without error)", expected, where ? " (with where)" : "");
  }
  test_checks++;
  free(error);
}

/* text (a whole content) gzipped as a kit and read: it must fail with expected, saying where. */
static void expect_content_error(const char *label, const char *text, const char *expected) {
  size_t size;
  unsigned char *gz = gzip_kit(text, strlen(text), &size);
  expect_error(label, gz, size, expected, true);
  free(gz);
}

/* body signed with sk, gzipped and read: it must fail with expected. */
static void expect_body_error(const char *label, const char *body, const unsigned char *sk,
                              const char *expected) {
  char *text = sign_body(body, sk);
  expect_content_error(label, text, expected);
  free(text);
}

/* ---- round trips ------------------------------------------------------------------------------ */

static void check_same_kit(const ics_kit *got, const ics_kit *want) {
  CHECK_STR(got->kit_id, want->kit_id);
  CHECK(got->sequence == want->sequence);
  CHECK_STR(got->created, want->created);
  CHECK(got->round == want->round);
  CHECK(memcmp(got->seal_key, want->seal_key, 32) == 0);
  CHECK(memcmp(got->signing_key, want->signing_key, 32) == 0);
  CHECK(got->has_next == want->has_next);
  if (want->has_next) {
    CHECK(memcmp(got->next_seal_key, want->next_seal_key, 32) == 0);
    CHECK(memcmp(got->next_signing_key, want->next_signing_key, 32) == 0);
  }
  CHECK(got->register_len == want->register_len &&
        memcmp(got->register_text, want->register_text, want->register_len) == 0 &&
        got->register_text[got->register_len] == '\0');
  CHECK(got->targets_len == want->targets_len &&
        memcmp(got->targets_text, want->targets_text, want->targets_len) == 0 &&
        got->targets_text[got->targets_len] == '\0');
  CHECK(got->form_count == want->form_count);
  /* sorted by id: each given form is found where the order puts it */
  for (size_t i = 0; i < got->form_count; i++) {
    if (i) CHECK(strcmp(got->forms[i - 1].id, got->forms[i].id) < 0);
    const ics_kit_form *g = &got->forms[i], *w = NULL;
    for (size_t k = 0; k < want->form_count; k++)
      if (!strcmp(want->forms[k].id, g->id)) w = &want->forms[k];
    CHECK(w != NULL);
    if (!w) continue;
    CHECK_STR(g->version, w->version);
    CHECK_STR(g->hash, w->hash);
    CHECK(g->len == w->len && memcmp(g->text, w->text, w->len) == 0 && g->text[g->len] == '\0');
  }
}

static void test_round_trip(void) {
  ics_kit kit = shipped_kit();
  char *error = write_kit(path_in("a.kit"), &kit, office_sk);
  CHECK_STR(error, NULL);
  free(error);
  ics_kit *got = read_kit(path_in("a.kit"), ICS_EN, &error);
  CHECK_STR(error, NULL);
  if (got) {
    check_same_kit(got, &kit);
    CHECK_STR(got->forms[0].id, "school");
    CHECK_STR(got->forms[1].id, "staff");
    CHECK_STR(got->forms[2].id, "training_centre");
  }
  ics_kit_free(got);
  free(error);
  ics_kit_free(NULL);

  size_t size;
  unsigned char *bytes = read_all(path_in("a.kit"), &size);
  fprintf(stderr, "a kit of the shipped definitions: %zu bytes\n", size);
  CHECK(size > 24 && size < 64 * 1024);
  /* the header: 1f 8b 08 08, MTIME 0, XFL 2 (zlib's level 9), OS ff, "ictsurvey-kit" NUL */
  static const unsigned char header[24] = {0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 2, 0xff, 'i', 'c',
                                           't',  's',  'u', 'r', 'v', 'e', 'y', '-', 'k', 'i',
                                           't',  0};
  CHECK(memcmp(bytes, header, 24) == 0);
  CHECK(ics_file_sniff(path_in("a.kit")) == ICS_FILE_KIT);
  CHECK_STR(ics_file_kind_name(ICS_FILE_KIT, ICS_EN), "a survey kit");
  CHECK_STR(ics_file_kind_name(ICS_FILE_KIT, ICS_VI), "một bộ biểu mẫu (kit)");

  /* the content, as the format says, from memory */
  size_t len;
  char *content = gunzip(bytes, size, &len);
  CHECK(content && !strncmp(content, "ictsurvey-kit: 1\nkit-id: 0f1e2d3c-", 34));
  char line[256];
  snprintf(line, sizeof line, "\noffice-signing-key: ed25519 %s\nform: school ", office_hex);
  CHECK(content && strstr(content, line));
  CHECK(content && !strstr(content, "next-seal-key"));
  got = read_kit_memory(bytes, size, ICS_EN, &error);
  CHECK_STR(error, NULL);
  if (got) check_same_kit(got, &kit);
  ics_kit_free(got);
  free(error);

  /* the standard tools read it */
  if (system("command -v gzip >/dev/null 2>&1") == 0) {
    char command[512];
    snprintf(command, sizeof command, "gzip -t '%s'", path_in("a.kit"));
    CHECK(system(command) == 0);
    snprintf(command, sizeof command, "gzip -dc '%s' | head -c 16 | grep -q '^ictsurvey-kit: 1$'",
             path_in("a.kit"));
    CHECK(system(command) == 0);
  }
  free(content);
  free(bytes);
}

static void test_deterministic(void) {
  ics_kit kit = shipped_kit();
  char *error = write_kit(path_in("b.kit"), &kit, office_sk);
  CHECK_STR(error, NULL);
  free(error);
  /* the same forms in another order: the same bytes */
  ics_kit_form reversed[3] = {kit_forms[2], kit_forms[0], kit_forms[1]};
  kit.forms = reversed;
  error = write_kit(path_in("c.kit"), &kit, office_sk);
  CHECK_STR(error, NULL);
  free(error);
  size_t a, b, c;
  unsigned char *x = read_all(path_in("a.kit"), &a), *y = read_all(path_in("b.kit"), &b),
                *z = read_all(path_in("c.kit"), &c);
  CHECK(x && y && z && a == b && a == c && !memcmp(x, y, a) && !memcmp(x, z, a));
  /* a kit replaces an older file of its name */
  write_all(path_in("c.kit"), "old", 3);
  error = write_kit(path_in("c.kit"), &kit, office_sk);
  CHECK_STR(error, NULL);
  free(error);
  free(z);
  z = read_all(path_in("c.kit"), &c);
  CHECK(z && c == a && !memcmp(x, z, a));
  CHECK(temp_files() == 0);
  free(x);
  free(y);
  free(z);
}

static void test_rotation(void) {
  ics_kit kit = shipped_kit();
  kit.has_next = true;
  memcpy(kit.next_seal_key, next_seal_pk, 32);
  memcpy(kit.next_signing_key, next_pk, 32);
  kit.sequence = 4;
  char *error = write_kit(path_in("rotate.kit"), &kit, office_sk);
  CHECK_STR(error, NULL);
  free(error);
  ics_kit *got = read_kit(path_in("rotate.kit"), ICS_EN, &error);
  CHECK_STR(error, NULL);
  if (got) check_same_kit(got, &kit);
  ics_kit_free(got);
  free(error);
  size_t size, len;
  unsigned char *bytes = read_all(path_in("rotate.kit"), &size);
  char *content = gunzip(bytes, size, &len);
  char next_hex[65], lines[256];
  sodium_bin2hex(next_hex, sizeof next_hex, next_pk, 32);
  snprintf(lines, sizeof lines, "\nnext-signing-key: ed25519 %s\nform: school ", next_hex);
  CHECK(content && strstr(content, "\nsequence: 4\n") && strstr(content, lines));
  /* the next kit is signed by the new key */
  kit.has_next = false;
  memcpy(kit.seal_key, next_seal_pk, 32);
  memcpy(kit.signing_key, next_pk, 32);
  kit.sequence = 5;
  error = write_kit(path_in("rotated.kit"), &kit, next_sk);
  CHECK_STR(error, NULL);
  free(error);
  got = read_kit(path_in("rotated.kit"), ICS_EN, &error);
  CHECK(got && !memcmp(got->signing_key, next_pk, 32) && got->sequence == 5);
  ics_kit_free(got);
  free(error);
  free(content);
  free(bytes);
}

/* ---- the writer's refusals -------------------------------------------------------------------- */

static void expect_write_error(const char *label, const ics_kit *kit, const unsigned char *sk,
                               const char *expected) {
  char *path = path_in("refused.kit");
  unlink(path);
  char *error = write_kit(path, kit, sk);
  if (!error || !strstr(error, expected)) {
    test_failures++;
    fprintf(stderr, "%s:\n  got:      %s\n  expected: %s\n", label,
            error ? error : "(written without error)", expected);
  }
  test_checks++;
  CHECK(access(path, F_OK) != 0 && temp_files() == 0);
  free(error);
}

static void test_writer_refuses(void) {
  ics_kit kit = shipped_kit(), k;
  k = kit;
  k.kit_id = "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9";
  expect_write_error("uppercase uuid", &k, office_sk, "kit-id '0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9' is not a UUID");
  k = kit;
  k.kit_id = NULL;
  expect_write_error("no uuid", &k, office_sk, "kit_id is missing");
  k = kit;
  k.sequence = 0;
  expect_write_error("sequence 0", &k, office_sk, "sequence '0' is not a positive whole number");
  k = kit;
  k.created = "2023-02-29T00:00:00Z";
  expect_write_error("no such day", &k, office_sk, "created '2023-02-29T00:00:00Z' is not a UTC time");
  k = kit;
  k.round = 1899;
  expect_write_error("round", &k, office_sk, "round '1899' is not a year from 1900 to 2100");
  k = kit;
  k.form_count = 0;
  expect_write_error("no forms", &k, office_sk, "the kit has no form");
  k = kit;
  k.form_count = ICS_KIT_MAX_FORMS + 1;
  expect_write_error("too many forms", &k, office_sk, "more than 64 forms");
  /* the key given is not the one named */
  k = kit;
  expect_write_error("other key", &k, other_sk, "signing_key is not the public half of signing_secret");
  memcpy(k.signing_key, other_pk, 32);
  expect_write_error("other key named", &k, office_sk, "signing_key is not the public half");

  ics_kit_form forms[3];
  memcpy(forms, kit_forms, sizeof forms);
  k = kit;
  k.forms = forms;
  forms[1] = forms[0];
  expect_write_error("twice", &k, office_sk, "form 'staff' is listed twice");
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].id = "Staff";
  expect_write_error("form id", &k, office_sk, "invalid form id 'Staff'");
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].version = "2012 1";
  expect_write_error("version", &k, office_sk, "invalid version '2012 1' of form 'staff'");
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].hash = kit_forms[1].hash;
  char expected[256];
  snprintf(expected, sizeof expected, "the definition of form 'staff' has the hash %s, not %s",
           kit_forms[0].hash, kit_forms[1].hash);
  expect_write_error("hash", &k, office_sk, expected);
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].version = "9";
  snprintf(expected, sizeof expected, "the definition of form 'staff' has version '%s', not '9'",
           kit_forms[0].version);
  expect_write_error("form version", &k, office_sk, expected);
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].id = "other";
  expect_write_error("form id mismatch", &k, office_sk,
                     "the definition of form 'other' is the definition of another form, 'staff'");
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].text = "form: staff\n";
  forms[0].len = 12;
  expect_write_error("bad definition", &k, office_sk,
                     "the definition of form 'staff' is not valid: staff.yaml:");
  memcpy(forms, kit_forms, sizeof forms);
  char *control = strdup(kit_forms[0].text);
  control[10] = '\1';
  forms[0].text = control;
  expect_write_error("control character", &k, office_sk,
                     "the definition of form 'staff' contains a control character 0x01 (its byte 10)");
  free(control);
  memcpy(forms, kit_forms, sizeof forms);
  forms[0].text = NULL;
  expect_write_error("no text", &k, office_sk, "the definition of form 'staff' is missing");

  /* the targets name forms that the kit does not carry */
  k = kit;
  k.form_count = 1;
  expect_write_error("targets without their forms", &k, office_sk, "the targets text is not valid: targets.yaml:");
  k = kit;
  k.register_text = "register: x\n";
  k.register_len = 12;
  expect_write_error("register", &k, office_sk, "the register text is not valid: units.yaml:");
  k = kit;
  k.targets_text = "\xff";
  k.targets_len = 1;
  expect_write_error("targets utf-8", &k, office_sk, "the targets text is not valid UTF-8 text (its byte 0)");

  /* Vietnamese */
  k = kit;
  k.round = 1800;
  ics_error err = {0};
  CHECK(ics_kit_write(path_in("vi.kit"), &k, office_sk, ICS_VI, &err) == -1);
  CHECK(err.code == ICS_E_INVALID && strstr(err.message, "round '1800' không phải năm từ 1900 đến 2100"));
  ics_error_clear(&err);
  /* a folder that does not exist */
  k = kit;
  char *error = write_kit("/nonexistent-folder/x.kit", &k, office_sk);
  CHECK(error && strstr(error, "cannot create a temporary file in the kit's folder"));
  CHECK(last_code == ICS_E_NOT_FOUND); /* errno's code: ENOENT */
  free(error);
}

/* ---- damage ------------------------------------------------------------------------------------ */

/* Every byte of the file changed in turn (its complement, and three single bits). A change
 * is refused unless it changes nothing the kit says, and then the content read is exactly the
 * same: deflate leaves a few padding bits that every inflater ignores, the XFL byte may be 0,
 * 2 or 4, and a match's distance may be changed to another place holding the same bytes
 * (YAML repeats itself: in the kit of the shipped definitions, one complemented byte does
 * that). */
static void test_every_byte(void) {
  size_t size, good_len;
  unsigned char *good = shipped_bytes(&size);
  char *good_content = gunzip(good, size, &good_len);
  unsigned char *copy = malloc(size);
  size_t refused = 0, harmless = 0, tried = 0, nowhere = 0, expected = 0;
  static const unsigned char masks[] = {0xff, 0x01, 0x10, 0x80};
  /* every byte; under valgrind (60 times slower) every STRIDE-th, a different one per mask */
  const char *env = getenv("ICTSURVEY_TEST_STRIDE");
  size_t stride = env && atoi(env) > 1 ? (size_t)atoi(env) : 1;
  for (size_t k = 0; k < sizeof masks; k++)
    for (size_t i = k % stride; i < size; i += stride) {
      expected++;
      memcpy(copy, good, size);
      copy[i] ^= masks[k];
      char *error = read_error(copy, size);
      tried++;
      if (error) {
        refused++;
        if (!says_where(error)) {
          if (nowhere++ < 5) fprintf(stderr, "byte %zu ^ 0x%02x: no place: %s\n", i, masks[k], error);
        }
      } else {
        size_t len;
        char *content = gunzip(copy, size, &len);
        bool same = content && len == good_len && memcmp(content, good_content, len) == 0;
        CHECK(same);
        if (same) harmless++;
        else fprintf(stderr, "byte %zu ^ 0x%02x changed the content and was accepted\n", i, masks[k]);
        free(content);
      }
      free(error);
    }
  CHECK(nowhere == 0);
  CHECK(tried == expected && tried >= 4 * size / stride && refused + harmless == tried &&
        harmless < 16);
  fprintf(stderr, "kit: %zu changed bytes refused, %zu harmless (the same content)\n", refused,
          harmless);
  free(good_content);
  free(copy);
  free(good);
}

static void test_damage(void) {
  size_t size;
  unsigned char *good = shipped_bytes(&size);
  unsigned char *bad = malloc(2 * size + 4096);
  char label[64], expected[160];

  /* every truncation */
  expect_error("empty", good, 0, "not an ictsurvey kit (the file is empty)", false);
  CHECK(last_code == ICS_E_WRONG_KIND);
  for (size_t n = 1; n < size; n++) {
    snprintf(label, sizeof label, "truncated to %zu bytes", n);
    char *error = read_error(good, n);
    CHECK(error && strstr(error, "the kit is truncated (the gzip data stops at byte") &&
          says_where(error) && last_code == ICS_E_DAMAGED);
    if (error && !strstr(error, "truncated")) fprintf(stderr, "%s: %s\n", label, error);
    free(error);
  }

  /* two kits in one file; stray bytes after the member */
  memcpy(bad, good, size);
  memcpy(bad + size, good, size);
  snprintf(expected, sizeof expected, "the file holds a second gzip member from byte %zu", size);
  expect_error("concatenated", bad, 2 * size, expected, true);
  memcpy(bad + size, "\n", 1);
  snprintf(expected, sizeof expected, "unexpected bytes after the gzip data, from byte %zu", size);
  expect_error("trailing newline", bad, size + 1, expected, true);
  memcpy(bad + size, "\x1f", 1);
  expect_error("trailing 1f", bad, size + 1, expected, true);
  memcpy(bad + size, "\0\0\0\0", 4);
  expect_error("trailing zeros", bad, size + 4, expected, true);

  /* the CRC, the length */
  memcpy(bad, good, size);
  bad[size - 8] ^= 0x10;
  snprintf(expected, sizeof expected, "the kit is damaged (CRC mismatch, at byte %zu", size - 8);
  expect_error("CRC", bad, size, expected, true);
  CHECK(last_code == ICS_E_DAMAGED);
  memcpy(bad, good, size);
  bad[size - 3] ^= 0x10;
  snprintf(expected, sizeof expected, "the kit is damaged (length mismatch, at byte %zu", size - 4);
  expect_error("ISIZE", bad, size, expected, true);

  /* header bytes */
  memcpy(bad, good, size);
  bad[12] = 'T';
  expect_error("name", bad, size, "its gzip header is not a kit's: byte 12 is 0x54, expected 0x74", true);
  memcpy(bad, good, size);
  bad[8] = 0;
  CHECK(read_error(bad, size) == NULL);
  bad[8] = 1;
  expect_error("XFL 1", bad, size, "byte 8 is 0x01, expected 0x00, 0x02 or 0x04", true);

  /* not kits at all */
  expect_error("text", "ictsurvey-kit: 1\n", 17, "not an ictsurvey kit (not gzip data: byte 0 is 0x69, expected 0x1f)", true);
  size_t n;
  char *bundle = (char *)read_all("/nonexistent", &n);
  CHECK(bundle == NULL);
  /* a bundle's header: FLG 0, no name */
  static const unsigned char bundle_header[24] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  expect_error("bundle", bundle_header, sizeof bundle_header,
               "not an ictsurvey kit (gzip data, but its header does not carry the name 'ictsurvey-kit' at byte 10",
               true);
  if (system("command -v gzip >/dev/null 2>&1") == 0) { /* gzip writes another name and a time */
    char command[512];
    write_all(path_in("plain.txt"), "ictsurvey-kit: 1\n", 17);
    /* the file's time is gzip's MTIME, byte 4 its lowest: set, not now's (which ends in a zero
       byte one second in 256, and the first byte found wrong is then another) */
    snprintf(command, sizeof command, "touch -d @1370000001 '%s' && gzip -f '%s'", path_in("plain.txt"),
             path_in("plain.txt"));
    CHECK(system(command) == 0);
    unsigned char *data = read_all(path_in("plain.txt.gz"), &n);
    char *error = read_error(data, n);
    CHECK(error && strstr(error, "the kit is damaged (its gzip header is not a kit's: byte 4"));
    free(error);
    free(data);
    unlink(path_in("plain.txt.gz"));
  }

  /* a gzip bomb: 40 MiB of zeros */
  size_t big = (size_t)40 << 20;
  char *zeros = calloc(1, big);
  size_t gz_len;
  unsigned char *gz = gzip_kit(zeros, big, &gz_len);
  expect_error("bomb", gz, gz_len, "the kit's content is larger than the limit of 33554432 bytes (at byte", true);
  CHECK(last_code == ICS_E_LIMIT);
  free(gz);
  free(zeros);
  /* a file over the limit */
  unsigned char *huge = calloc(1, ICS_KIT_MAX_FILE + 1);
  memcpy(huge, good, size);
  expect_error("too large", huge, ICS_KIT_MAX_FILE + 1, "the file has 16777217 bytes, more than the 16777216 bytes a kit may have", false);
  write_all(path_in("huge.kit"), huge, ICS_KIT_MAX_FILE + 1);
  char *error = NULL;
  CHECK(read_kit(path_in("huge.kit"), ICS_EN, &error) == NULL);
  CHECK(error && strstr(error, "the file has 16777217 bytes") && last_code == ICS_E_TOO_LARGE);
  free(error);
  unlink(path_in("huge.kit"));
  free(huge);

  /* files that cannot be read */
  CHECK(read_kit(path_in("missing.kit"), ICS_EN, &error) == NULL);
  CHECK(error && strstr(error, "cannot open the kit: No such file or directory"));
  CHECK(last_code == ICS_E_NOT_FOUND);
  free(error);
  CHECK(read_kit(dir, ICS_VI, &error) == NULL);
  CHECK(error && strstr(error, "đây không phải một tệp thường") && last_code == ICS_E_NOT_REGULAR);
  free(error);
  CHECK(ics_kit_read(path_in("missing.kit"), ICS_EN, NULL) == NULL); /* no error wanted */
  free(bad);
  free(good);
}

/* "FORMAT" with one number (a line) put in; the result lives until the next call. */
static const char *at_line(const char *format, unsigned long line) {
  static char out[512];
  snprintf(out, sizeof out, format, line);
  return out;
}

static unsigned long lines_in(const char *s) {
  unsigned long n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* ---- forgeries and content errors -------------------------------------------------------------- */

static void test_content(void) {
  size_t size, len;
  unsigned char *good = shipped_bytes(&size);
  char *content = gunzip(good, size, &len);
  char *body = body_of(content);
  unsigned long end_line = lines_in(body) + 1; /* the end: line's number */
  char *text, *edited, *edited2;
  char expected[512];

  /* made again here: byte for byte the writer's */
  text = sign_body(body, office_sk);
  CHECK_STR(text, content);
  size_t gz_len;
  unsigned char *gz = gzip_kit(text, strlen(text), &gz_len);
  CHECK(gz_len == size && !memcmp(gz, good, size));
  free(gz);
  free(text);

  /* signed by another key, naming the office's key */
  expect_body_error("signed by another key", body, other_sk,
                    "the signature does not match office-signing-key: the kit was changed after it was signed");
  CHECK(last_code == ICS_E_SIGNATURE);
  /* naming another key, signed by the office's: refused too */
  edited = replace(body, office_hex, other_hex);
  expect_body_error("names another key", edited, office_sk, "the signature does not match");
  /* naming another key and signed by it: a valid kit, by that key (trust is the caller's) */
  text = sign_body(edited, other_sk);
  gz = gzip_kit(text, strlen(text), &gz_len);
  char *error = NULL;
  ics_kit *kit = read_kit_memory(gz, gz_len, ICS_EN, &error);
  CHECK(kit && !memcmp(kit->signing_key, other_pk, 32) && memcmp(kit->signing_key, office_pk, 32));
  ics_kit_free(kit);
  free(error);
  free(gz);
  free(text);
  free(edited);
  /* a valid signature of the office, over other content: copied from one kit to another */
  edited = replace(body, "sequence: 3\n", "sequence: 4\n");
  text = sign_body(body, office_sk);
  char *sig = strstr(text, "\nend: ") + 1;
  char *forged = malloc(strlen(edited) + strlen(sig) + 1);
  strcpy(forged, edited);
  strcat(forged, sig);
  expect_content_error("signature of other content", forged,
                       at_line("line %lu: the content's SHA-256 does not match the 'end:' line", end_line));
  CHECK(last_code == ICS_E_SIGNATURE);
  free(forged);
  free(text);
  /* ... and with the hash made again for the new content */
  unsigned char digest[32];
  char hex[65];
  crypto_hash_sha256(digest, (unsigned char *)edited, strlen(edited));
  sodium_bin2hex(hex, sizeof hex, digest, 32);
  text = sign_body(body, office_sk);
  sig = strstr(text, "\nsignature: ") + 1;
  forged = malloc(strlen(edited) + 300);
  sprintf(forged, "%send: %s\n%s", edited, hex, sig);
  expect_content_error("signature of another end line", forged,
                       at_line("line %lu: the signature does not match office-signing-key", end_line + 1));
  free(forged);
  free(text);
  free(edited);

  /* a definition whose hash is not its form line's */
  const char *staff_hash = shipped[0].hash, *school_hash = shipped[1].hash;
  const char *staff_version = shipped[0].version, *school_version = shipped[1].version;
  char from[256], to[512];
  snprintf(from, sizeof from, "form: staff %s %s\n", staff_version, staff_hash);
  snprintf(to, sizeof to, "form: staff %s %s\n", staff_version, school_hash);
  edited = replace(body, from, to);
  snprintf(expected, sizeof expected,
           "the definition of form 'staff' has the hash %s, not %s as its 'form:' line says",
           staff_hash, school_hash);
  expect_body_error("hash", edited, office_sk, expected);
  free(edited);
  /* its version */
  snprintf(to, sizeof to, "form: staff 9999.9 %s\n", staff_hash);
  edited = replace(body, from, to);
  snprintf(expected, sizeof expected, "the definition of form 'staff' has version '%s', not '9999.9'",
           staff_version);
  expect_body_error("version", edited, office_sk, expected);
  free(edited);
  /* a changed definition (its length too): its canonical hash is not the form line's */
  char def_line[64], def_line2[64];
  snprintf(def_line, sizeof def_line, "definition: staff %zu\n", shipped[0].len);
  snprintf(def_line2, sizeof def_line2, "definition: staff %zu\n", shipped[0].len - 1);
  edited = replace(body, "en: \"Female\"", "en: \"Femal\"");
  edited2 = replace(edited, def_line, def_line2);
  expect_body_error("definition changed", edited2, office_sk,
                    "the definition of form 'staff' has the hash");
  free(edited);
  free(edited2);
  /* a definition that does not load */
  snprintf(def_line2, sizeof def_line2, "definition: staff %zu\n", shipped[0].len + 9);
  edited = replace(body, "\nform: staff\n", "\nform: staff\nbogus: 1\n");
  edited2 = replace(edited, def_line, def_line2);
  expect_body_error("definition does not load", edited2, office_sk,
                    "the definition of form 'staff' is not valid: staff.yaml:6:1: error:");
  free(edited);
  free(edited2);
  /* the definition of another form under a form's line */
  {
    char *school_at = strstr(body, "\ndefinition: school ") + 1;
    char *staff_at = strstr(body, "\ndefinition: staff ") + 1;
    ics_buf b = {0};
    ics_buf_append(&b, body, (size_t)(staff_at - body));
    ics_buf_printf(&b, "definition: staff %zu\n", shipped[1].len);
    ics_buf_append(&b, shipped[1].text, shipped[1].len);
    ics_buf_puts(&b, staff_at + strlen(def_line) + shipped[0].len);
    (void)school_at;
    expect_body_error("another form's definition", b.data, office_sk,
                      "the definition of form 'staff' is the definition of another form, 'school'");
    ics_buf_free(&b);
  }
  /* the register and the targets */
  edited = replace(body, "\nregister: long_an\n", "\nregister: Long An\n");
  expect_body_error("register", edited, office_sk, "the register text is not valid: units.yaml:");
  free(edited);
  edited = replace(body, "\nindicators:\n", "\nindicatorz:\n");
  expect_body_error("targets", edited, office_sk, "the targets text is not valid: targets.yaml:");
  free(edited);

  /* the first line */
  edited = replace(body, "ictsurvey-kit: 1\n", "ictsurvey-kit: 2\n");
  expect_body_error("newer", edited, office_sk,
                    "line 1: the kit was written in format 2, newer than this program understands (1): update ictsurvey");
  CHECK(last_code == ICS_E_UNSUPPORTED);
  free(edited);
  edited = replace(body, "ictsurvey-kit: 1\n", "ictsurvey-kit: 0\n");
  expect_body_error("format 0", edited, office_sk, "line 1: the format '0' is not a positive whole number");
  free(edited);
  expect_content_error("other content", "hello\n", "line 1: not an ictsurvey kit (the content does not start with 'ictsurvey-kit: ')");
  expect_content_error("no content", "", "line 1: not an ictsurvey kit");

  /* the lines before the forms */
  edited = replace(body, "kit-id: 0f1e2d3c-", "kit-id: 0F1E2D3C-");
  expect_body_error("uuid", edited, office_sk, "line 2: kit-id '0F1E2D3C-4b5a-4978-8695-a4b3c2d1e0f9' is not a UUID");
  free(edited);
  edited = replace(body, "sequence: 3\n", "sequence: 03\n");
  expect_body_error("sequence", edited, office_sk, "line 3: sequence '03' is not a positive whole number");
  free(edited);
  edited = replace(body, "sequence: 3\n", "");
  expect_body_error("no sequence", edited, office_sk, "line 3: expected 'sequence: …' here, found 'created: 2024-04-01T08:00:00Z'");
  free(edited);
  edited = replace(body, "T08:00:00Z", "T24:00:00Z");
  expect_body_error("time", edited, office_sk, "line 4: created '2024-04-01T24:00:00Z' is not a UTC time");
  free(edited);
  edited = replace(body, "round: 2024\n", "round: 2101\n");
  expect_body_error("round", edited, office_sk, "line 5: round '2101' is not a year from 1900 to 2100");
  free(edited);
  edited = replace(body, "office-seal-key: x25519 ", "office-seal-key: ed25519 ");
  expect_body_error("key algorithm", edited, office_sk, "line 6: office-seal-key 'ed25519 ");
  free(edited);
  snprintf(from, sizeof from, "ed25519 %s", office_hex);
  snprintf(to, sizeof to, "ed25519 %.63s", office_hex);
  edited = replace(body, from, to);
  expect_body_error("key length", edited, office_sk, "is not 'ed25519 ' and 64 lowercase hex digits");
  free(edited);
  edited = replace(body, "round: 2024\n", "round: 2024\r\n");
  expect_body_error("CRLF", edited, office_sk, "line 5: the line contains a control character 0x0d (byte 11 of the line)");
  free(edited);
  edited = replace(body, "round: 2024\n", "round: 2024\t\n");
  expect_body_error("tab", edited, office_sk, "line 5: the line contains a control character 0x09");
  free(edited);
  edited = replace(body, "round: 2024\n", "round: \xc3\x28\n");
  expect_body_error("not UTF-8", edited, office_sk, "line 5: the line is not valid UTF-8 text (byte 7 of the line)");
  free(edited);
  snprintf(from, sizeof from, "\nform: school ");
  snprintf(to, sizeof to, "\nnext-signing-key: ed25519 %s\nform: school ", other_hex);
  edited = replace(body, from, to);
  expect_body_error("next-signing-key alone", edited, office_sk,
                    "line 8: expected 'next-seal-key: …' or 'form: …' here, found 'next-signing-key: ed25519");
  free(edited);
  snprintf(to, sizeof to, "\nnext-seal-key: x25519 %s\nform: school ", other_hex);
  edited = replace(body, from, to);
  expect_body_error("next-seal-key alone", edited, office_sk,
                    "line 9: expected 'next-signing-key: …' here, found 'form: school");
  free(edited);

  /* the forms */
  snprintf(from, sizeof from, "form: school %s %s\n", school_version, school_hash);
  edited = replace(body, from, "");
  expect_body_error("a form line missing", edited, office_sk,
                    "expected 'definition: staff LENGTH' here, found 'definition: school");
  free(edited);
  snprintf(to, sizeof to, "%s%s", from, from);
  edited = replace(body, from, to);
  expect_body_error("a form twice", edited, office_sk, "line 9: form 'school' is listed twice");
  free(edited);
  char staff_line[128];
  snprintf(staff_line, sizeof staff_line, "form: staff %s %s\n", staff_version, staff_hash);
  snprintf(to, sizeof to, "%s%s", staff_line, from);
  edited = replace(body, from, "");
  edited2 = replace(edited, staff_line, to);
  expect_body_error("unsorted", edited2, office_sk, "line 9: form 'school' comes after 'staff': the forms are sorted by id");
  free(edited);
  free(edited2);
  snprintf(to, sizeof to, "form: school %s %s extra\n", school_version, school_hash);
  edited = replace(body, from, to);
  snprintf(expected, sizeof expected, "line 8: expected 'form: ID VERSION HASH', found 'school %s",
           school_version);
  expect_body_error("four fields", edited, office_sk, expected);
  free(edited);
  snprintf(to, sizeof to, "form: School %s %s\n", school_version, school_hash);
  edited = replace(body, from, to);
  expect_body_error("form id", edited, office_sk, "line 8: invalid form id 'School'");
  free(edited);
  snprintf(to, sizeof to, "form: school %s %.63s\n", school_version, school_hash);
  edited = replace(body, from, to);
  expect_body_error("short hash", edited, office_sk, "line 8: the hash of form 'school' is not 64 lowercase hex digits");
  free(edited);
  /* no forms: the register comes next */
  {
    char *start = strstr(body, "\nform: ") + 1, *reg = strstr(body, "\nregister: ") + 1;
    size_t a = (size_t)(start - body);
    edited = malloc(strlen(body) + 1);
    memcpy(edited, body, a);
    strcpy(edited + a, reg);
    expect_body_error("no forms", edited, office_sk, "line 8: expected 'next-seal-key: …' or 'form: …' here, found 'register: ");
    free(edited);
    /* 65 forms */
    ics_buf b = {0};
    ics_buf_append(&b, body, a);
    for (int i = 0; i <= ICS_KIT_MAX_FORMS; i++)
      ics_buf_printf(&b, "form: f%02d 1 %s\n", i, staff_hash);
    ics_buf_puts(&b, reg);
    expect_body_error("65 forms", b.data, office_sk, "line 72: the kit has more than 64 forms, the limit");
    ics_buf_free(&b);
  }

  /* the blocks */
  snprintf(from, sizeof from, "\nregister: %zu\n", register_len);
  snprintf(to, sizeof to, "\nregister: %zu\n", register_len + 1);
  edited = replace(body, from, to);
  expect_body_error("register length", edited, office_sk,
                    "line 11: the register text is not followed by a newline where its length");
  free(edited);
  snprintf(to, sizeof to, "\nregister: %zu\n", register_len + 100000);
  edited = replace(body, from, to);
  expect_body_error("register too long", edited, office_sk,
                    "line 11: the content ends before the end of the register text");
  free(edited);
  snprintf(to, sizeof to, "\nregister: x\n");
  edited = replace(body, from, to);
  expect_body_error("register length x", edited, office_sk, "line 11: expected 'register: LENGTH' here, found 'register: x'");
  free(edited);
  edited = replace(body, "\nregister: long_an\n", "\nregister: long\1an\n");
  expect_body_error("control in block", edited, office_sk,
                    "the register text contains a control character 0x01 (its byte");
  free(edited);
  edited = replace(body, "\nregister: long_an\n", "\nregister: long\xff""an\n");
  expect_body_error("not UTF-8 in block", edited, office_sk, "the register text is not valid UTF-8 text");
  free(edited);
  { /* a NUL: the content is made by hand (strings stop at it) */
    size_t at = (size_t)(strstr(body, "\nregister: long_an\n") + 15 - body);
    char *signed_text = sign_body(body, office_sk);
    size_t tl = strlen(signed_text);
    signed_text[at] = '\0';
    gz = gzip_kit(signed_text, tl, &gz_len);
    snprintf(expected, sizeof expected,
             "line 16: the register text contains a control character 0x00 (its byte %zu)",
             (size_t)(strstr(register_text, "\nregister: long_an\n") + 15 - register_text));
    expect_error("NUL in block", gz, gz_len, expected, true);
    free(gz);
    free(signed_text);
  }

  /* the end */
  edited = sign_body(body, office_sk);
  text = strndup(edited, (size_t)(strstr(edited, "\nend: ") + 1 - edited));
  expect_content_error("no end line", text, at_line("the kit is truncated (the content stops after line %lu, without the 'end:' line)", end_line - 1));
  free(text);
  text = strndup(edited, (size_t)(strstr(edited, "\nsignature: ") + 1 - edited));
  expect_content_error("no signature line", text, at_line("(the content stops after line %lu, without the 'signature:' line)", end_line));
  free(text);
  text = strndup(edited, strlen(edited) - 1);
  expect_content_error("no final newline", text, at_line("the kit is truncated (the content stops in the middle of line %lu)", end_line + 1));
  free(text);
  text = malloc(strlen(edited) + 8);
  sprintf(text, "%sx\n", edited);
  expect_content_error("after the signature", text, at_line("line %lu: content after the 'signature:' line, which must be the last", end_line + 2));
  free(text);
  text = replace(edited, "\nend: ", "\nend: 0");
  expect_content_error("end line", text, at_line("line %lu: invalid 'end:' line", end_line));
  free(text);
  text = replace(edited, "\nsignature: ", "\nsignature: 0");
  expect_content_error("signature line", text, at_line("line %lu: invalid 'signature:' line", end_line + 1));
  free(text);
  text = replace(edited, "\nend: ", "\nend: \n");
  expect_content_error("end line cut", text, at_line("line %lu: invalid 'end:' line", end_line));
  free(text);
  free(edited);

  /* Vietnamese messages */
  edited = replace(body, "round: 2024\n", "round: 2101\n");
  text = sign_body(edited, office_sk);
  gz = gzip_kit(text, strlen(text), &gz_len);
  CHECK(read_kit_memory(gz, gz_len, ICS_VI, &error) == NULL);
  CHECK(error && strstr(error, "dòng 5: round '2101' không phải năm từ 1900 đến 2100"));
  free(error);
  free(gz);
  free(text);
  free(edited);

  free(body);
  free(content);
  free(good);
}

/* ---- allocation failures ------------------------------------------------------------------------ */

static void test_allocation_failures(void) {
  size_t size;
  unsigned char *good = shipped_bytes(&size);
  char *path = path_in("oom.kit");
  ics_kit kit = shipped_kit();
  long n;
  size_t oom_messages = 0;
  for (n = 0; n < 100000; n++) {
    unlink(path);
    ics_error err = {0};
    ics_alloc_fail_after(n);
    int rc = ics_kit_write(path, &kit, office_sk, ICS_EN, &err);
    ics_alloc_fail_after(-1);
    bool written = access(path, F_OK) == 0;
    CHECK((rc == 0) == written);
    if (err.code != ICS_OK) {
      CHECK(err.code == ICS_E_NO_MEMORY && strstr(err.message, "out of memory") != NULL);
      if (err.code != ICS_E_NO_MEMORY) fprintf(stderr, "allocation %ld: %s\n", n, err.message);
      oom_messages++;
    }
    ics_error_clear(&err);
    CHECK(temp_files() == 0);
    if (written) break;
  }
  CHECK(n > 3 && n < 100000);
  size_t size2;
  unsigned char *bytes = read_all(path, &size2);
  CHECK(bytes && size2 == size && memcmp(bytes, good, size) == 0);
  free(bytes);
  for (n = 0; n < 100000; n++) {
    ics_error err = {0};
    ics_alloc_fail_after(n);
    ics_kit *got = n % 2 ? ics_kit_read(path, ICS_EN, &err)
                         : ics_kit_read_memory(good, size, ICS_EN, &err);
    ics_alloc_fail_after(-1);
    CHECK((got == NULL) == (err.code != ICS_OK));
    if (err.code != ICS_OK) CHECK(err.code == ICS_E_NO_MEMORY && strstr(err.message, "out of memory"));
    if (err.code != ICS_E_NO_MEMORY && err.code != ICS_OK)
      fprintf(stderr, "allocation %ld: %s\n", n, err.message);
    ics_error_clear(&err);
    ics_kit_free(got);
    if (got) break;
  }
  CHECK(n > 3 && n < 100000);
  fprintf(stderr, "allocation failures: reading succeeds from allocation %ld\n", n);
  free(good);
}

/* ---- the corpus ------------------------------------------------------------------------------- */

static void test_directory(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "%s: cannot open\n", path);
    test_failures++;
    return;
  }
  struct dirent *e;
  int count = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char file[1024];
    snprintf(file, sizeof file, "%s/%s", path, e->d_name);
    size_t size;
    unsigned char *data = read_all(file, &size);
    if (!data) continue;
    count++;
    char *from_memory = read_error(data, size);
    char *from_file = NULL;
    ics_kit_free(read_kit(file, ICS_EN, &from_file));
    CHECK((from_memory == NULL) == (from_file == NULL));
    if (from_memory && from_file) CHECK_STR(from_file, from_memory);
    if (strncmp(e->d_name, "valid-", 6) == 0) {
      if (from_memory) fprintf(stderr, "%s: %s\n", file, from_memory);
      CHECK(from_memory == NULL);
    } else if (strncmp(e->d_name, "damaged-", 8) == 0) {
      if (!from_memory) fprintf(stderr, "%s: read without error\n", file);
      CHECK(from_memory != NULL && says_where(from_memory));
    }
    free(from_memory);
    free(from_file);
    free(data);
  }
  closedir(d);
  fprintf(stderr, "%s: %d files\n", path, count);
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') unlink(path_in(e->d_name));
  closedir(d);
  rmdir(dir);
}

int main(int argc, char **argv) {
  if (sodium_init() < 0) return 2;
  strcpy(dir, "/tmp/test_kit-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  setup_keys();
  load_definitions();
  test_round_trip();
  test_deterministic();
  test_rotation();
  test_writer_refuses();
  test_damage();
  test_every_byte();
  test_content();
  test_allocation_failures();
  for (int i = 1; i < argc; i++) test_directory(argv[i]);
  remove_dir();
  for (int i = 0; i < 3; i++) {
    free(shipped[i].text);
    free(shipped[i].id);
    free(shipped[i].version);
    free(shipped[i].hash);
  }
  free(register_text);
  free(targets_text);
  TEST_MAIN_END();
}
