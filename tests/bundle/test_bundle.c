/* test_bundle.c - the bundle format: round trips (Vietnamese text, escapes, empty forms and
 * records, many fields, lines across chunks), byte-identical output, the gzip header, the
 * standard tools (zcat, gzip -t), the writer's refusals, and every kind of damage a reader
 * must report - each read both from a file and from memory, which must agree.
 *
 * Arguments: directories of bundles to read (the fuzz seed corpus, regression inputs):
 * files named valid-* must read, damaged-* must not, anything else must not crash. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bundle.h"
#include "keys.h"
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

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Files in the temporary directory whose names contain ".tmp-". */
static int temp_files(void) { return temp_files_in(dir); }

/* ---- the sample bundle ------------------------------------------------------------------- */

static const char staff_def[] =
    "form: staff\nversion: '3'\ntitle: {vi: Cán bộ CNTT, en: IT staff}\nkey: full_name\n"
    "fields:\n  - {name: full_name, type: text, label: Họ và tên, required: yes}\n";
static const char agency_def[] = "form: agency\nversion: '1'\ntitle: Cơ quan\n";
static const char register_def[] =
    "register: long_an\nversion: '2024.1'\ndistricts:\n  - {code: '794', name: Tân An}\n";
static const char hash_a[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char hash_b[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static const char *const ids[3] = {"11111111-1111-4111-8111-111111111111",
                                   "22222222-2222-4222-8222-222222222222",
                                   "33333333-3333-4333-8333-333333333333"};

static const ics_bundle_value values1[] = {
    {"full_name", "Trần Thị Bình"},
    {"note", "dòng 1\ndòng 2\tcột\\gạch\rCR"},
    {"skipped", ""}, /* empty: left out */
    {"age", "34"},
};
static const ics_bundle_value values3[] = {
    {"full_name", "Lê Văn Ơn"},
    {"formula", "x=y=z"},
    {"place", "Đắk Lắk 🌾"},
};

static ics_bundle_form sample_forms[2];
static ics_bundle_manifest sample;
static ics_bundle_record sample_records[3];

static void setup_sample(void) {
  sample_forms[0] = (ics_bundle_form){"staff", "3", hash_a, staff_def, sizeof staff_def - 1, 3};
  sample_forms[1] = (ics_bundle_form){"agency", "1", hash_b, agency_def, sizeof agency_def - 1, 0};
  sample = (ics_bundle_manifest){1,
                                 "aaaaaaaa-0000-4000-8000-000000000001",
                                 "bbbbbbbb-0000-4000-8000-000000000002",
                                 "Nguyễn Văn An\t(nhóm 2)\\",
                                 "Tân An\nLong An",
                                 2024,
                                 "2024-05-06T07:08:09Z",
                                 register_def,
                                 sizeof register_def - 1,
                                 sample_forms,
                                 2,
                                 3};
  sample_records[0] = (ics_bundle_record){ids[0],
                                          "staff",
                                          1,
                                          "finalized",
                                          "2024-05-01T01:02:03Z",
                                          "2024-05-02T01:02:03Z",
                                          "Nguyễn Văn An",
                                          "Tân An",
                                          2024,
                                          values1,
                                          4};
  sample_records[1] = (ics_bundle_record){
      ids[1], "staff", 2,    "void", "2024-05-01T01:02:03Z", "2024-05-03T01:02:03Z", "",
      "",     2024,    NULL, 0};
  sample_records[2] = (ics_bundle_record){ids[2],
                                          "staff",
                                          7,
                                          "finalized",
                                          "2024-02-29T23:59:59Z",
                                          "2024-05-04T00:00:00Z",
                                          "Lê\tB",
                                          "Site\\2",
                                          2024,
                                          values3,
                                          3};
}

/* The message of *e (for free()), NULL when it holds no error; *e is cleared. A failure must
 * have a message, even when memory ran out. */
static char *message_of(ics_error *e) {
  if (e->code == ICS_OK) return NULL;
  CHECK(e->message != NULL);
  char *message = strdup(e->message ? e->message : "(no message)");
  ics_error_clear(e);
  return message;
}

/* Writes a bundle (signed and sealed with keys, when given) with messages in lang; *err gets
 * the writer's error. */
static void write_bundle_err(const char *path, const ics_bundle_manifest *m,
                             const ics_bundle_keys *keys, const ics_bundle_record *records,
                             size_t count, ics_lang lang, ics_error *err) {
  ics_bundle_writer *w = ics_bundle_create(path, m, keys, lang, err);
  if (!w) {
    CHECK(err->code != ICS_OK);
    return;
  }
  for (size_t i = 0; i < count; i++)
    if (ics_bundle_write(w, &records[i], err)) {
      CHECK(err->code != ICS_OK);
      ics_bundle_abort(w);
      return;
    }
  if (ics_bundle_finish(w, err)) CHECK(err->code != ICS_OK);
}

/* The same in English; returns the writer's error or NULL. */
static char *write_bundle_keys(const char *path, const ics_bundle_manifest *m,
                               const ics_bundle_keys *keys, const ics_bundle_record *records,
                               size_t count) {
  ics_error error = {0};
  write_bundle_err(path, m, keys, records, count, ICS_EN, &error);
  return message_of(&error);
}

static char *write_bundle(const char *path, const ics_bundle_manifest *m,
                          const ics_bundle_record *records, size_t count) {
  return write_bundle_keys(path, m, NULL, records, count);
}

static unsigned char *sample_bytes(size_t *size) {
  char *path = path_in("sample.bundle");
  char *error = write_bundle(path, &sample, sample_records, 3);
  CHECK_STR(error, NULL);
  free(error);
  return read_all(path, size);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Reads a whole bundle (r NULL: its opening failed with *opened); returns NULL when it is
 * valid, else the error. *code (when not NULL) gets its code. */
static char *read_reader_code(ics_bundle_reader *r, ics_error *opened, size_t *records,
                              ics_code *code) {
  ics_error error = {0};
  if (opened) ics_error_move(&error, opened);
  CHECK((r == NULL) == (error.code != ICS_OK));
  size_t n = 0;
  if (r) {
    ics_bundle_record rec;
    bool got = false;
    int rc;
    while ((rc = ics_bundle_next(r, &rec, &got, &error)) == 0 && got) n++;
    CHECK((rc == 0) == (error.code == ICS_OK));
    if (rc < 0) { /* a second call says the same */
      ics_error again = {0};
      got = true;
      CHECK(ics_bundle_next(r, &rec, &got, &again) == -1 && !got);
      CHECK(again.code == error.code);
      CHECK_STR(again.message, error.message);
      ics_error_clear(&again);
    }
    ics_bundle_close(r);
  }
  if (records) *records = n;
  if (code) *code = error.code;
  return message_of(&error);
}

static char *read_reader(ics_bundle_reader *r, ics_error *opened, size_t *records) {
  return read_reader_code(r, opened, records, NULL);
}

static char *read_memory(const void *data, size_t size, const ics_bundle_limits *limits,
                         ics_lang lang) {
  ics_error error = {0};
  ics_bundle_reader *r = ics_bundle_open_memory(data, size, limits, lang, &error);
  return read_reader(r, &error, NULL);
}

static char *read_path(const char *path, const ics_bundle_limits *limits, ics_lang lang) {
  ics_error error = {0};
  ics_bundle_reader *r = ics_bundle_open(path, limits, lang, &error);
  return read_reader(r, &error, NULL);
}

/* Both readings refused the bundle with the same message, containing `expected`. Frees both. */
static void check_refusals(const char *label, char *from_memory, char *from_file,
                           const char *expected) {
  test_checks++;
  if (!from_memory || !strstr(from_memory, expected)) {
    test_failures++;
    fprintf(stderr, "%s: expected an error containing\n  %s\ngot\n  %s\n", label, expected,
            from_memory ? from_memory : "(success)");
  }
  test_checks++;
  if (!from_file || !from_memory || strcmp(from_file, from_memory) != 0) {
    test_failures++;
    fprintf(stderr, "%s: file and memory differ:\n  %s\n  %s\n", label,
            from_file ? from_file : "(success)", from_memory ? from_memory : "(success)");
  }
  if (getenv("TEST_BUNDLE_VERBOSE")) fprintf(stderr, "%s: %s\n", label, from_memory);
  free(from_memory);
  free(from_file);
}

/* Both from memory and from a file, the bundle must be refused with a message containing
 * `expected`, the same message both ways. Returns the slower time in seconds. */
static double expect_error_lang(const char *label, const void *data, size_t size,
                                const ics_bundle_limits *limits, ics_lang lang,
                                const char *expected) {
  char *path = path_in("case.bundle");
  write_all(path, data, size);
  double t0 = now();
  char *from_memory = read_memory(data, size, limits, lang);
  double t1 = now();
  char *from_file = read_path(path, limits, lang);
  double t2 = now();
  check_refusals(label, from_memory, from_file, expected);
  return t1 - t0 > t2 - t1 ? t1 - t0 : t2 - t1;
}

static double expect_error(const char *label, const void *data, size_t size,
                           const ics_bundle_limits *limits, const char *expected) {
  return expect_error_lang(label, data, size, limits, ICS_EN, expected);
}

/* ---- gzip helpers for hand-made bundles ---------------------------------------------------- */

static char *gunzip(const unsigned char *data, size_t size, size_t *len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  CHECK(inflateInit2(&zs, 15 + 16) == Z_OK);
  size_t cap = size * 4 + 4096;
  char *out = malloc(cap + 1);
  zs.next_in = (unsigned char *)data;
  zs.avail_in = (uInt)size;
  int z;
  do {
    if (zs.total_out == cap) out = realloc(out, (cap *= 2) + 1);
    zs.next_out = (unsigned char *)out + zs.total_out;
    zs.avail_out = (uInt)(cap - zs.total_out);
    z = inflate(&zs, Z_NO_FLUSH);
  } while (z == Z_OK);
  CHECK(z == Z_STREAM_END);
  *len = zs.total_out;
  out[*len] = '\0';
  inflateEnd(&zs);
  return out;
}

/* A gzip member as the writer makes it (strategy Z_RLE is only for speed with bombs). */
typedef struct {
  z_stream zs;
  gz_header header; /* zlib keeps a pointer to it */
  unsigned char *out;
  size_t len, cap;
} gz_writer;

static void gz_begin(gz_writer *g, int strategy) {
  memset(g, 0, sizeof *g);
  CHECK(deflateInit2(&g->zs, 6, Z_DEFLATED, 15 + 16, 8, strategy) == Z_OK);
  g->header.os = 255;
  deflateSetHeader(&g->zs, &g->header);
  g->cap = 1 << 16;
  g->out = malloc(g->cap);
}

static void gz_put(gz_writer *g, const void *data, size_t len, int flush) {
  g->zs.next_in = (unsigned char *)data;
  g->zs.avail_in = (uInt)len;
  int z;
  do {
    if (g->cap - g->len < 1 << 15) g->out = realloc(g->out, g->cap *= 2);
    g->zs.next_out = g->out + g->len;
    g->zs.avail_out = (uInt)(g->cap - g->len);
    z = deflate(&g->zs, flush);
    g->len = g->cap - g->zs.avail_out;
  } while (flush == Z_FINISH ? z != Z_STREAM_END : g->zs.avail_out == 0);
}

static unsigned char *gz_end(gz_writer *g, size_t *size) {
  gz_put(g, "", 0, Z_FINISH);
  deflateEnd(&g->zs);
  *size = g->len;
  return g->out;
}

static unsigned char *gzip_text(const char *text, size_t len, size_t *size) {
  gz_writer g;
  gz_begin(&g, Z_DEFAULT_STRATEGY);
  gz_put(&g, text, len, Z_NO_FLUSH);
  return gz_end(&g, size);
}

/* text[0..len) gzipped as a bundle's content must be refused with `expected` (default limits). */
static void expect_text_error(const char *label, const char *text, size_t len, const char *expected) {
  size_t size;
  unsigned char *gz = gzip_text(text, len, &size);
  expect_error(label, gz, size, NULL, expected);
  free(gz);
}

/* The content without its "end:" line. */
static char *sample_body(void) {
  size_t size, len;
  unsigned char *bytes = sample_bytes(&size);
  char *content = gunzip(bytes, size, &len);
  free(bytes);
  char *end = strstr(content, "\nend: ");
  CHECK(end != NULL);
  end[1] = '\0';
  return content;
}

/* body + "end: N SHA256\n" with the right hash; N counts the record lines unless n >= 0. */
static char *seal(const char *body, long n) {
  size_t len = strlen(body);
  if (n < 0) {
    n = 0;
    for (const char *p = body; (p = strstr(p, "\nR\t")); p++) n++;
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  crypto_hash_sha256(digest, (const unsigned char *)body, len);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  char *out = malloc(len + 128);
  snprintf(out, len + 128, "%send: %ld %s\n", body, n, hex);
  return out;
}

/* s with the first `from` replaced by `to` (a new string). */
static char *replace(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  CHECK(at != NULL);
  if (!at) return strdup(s);
  size_t len = strlen(s) - strlen(from) + strlen(to);
  char *out = malloc(len + 1);
  size_t head = (size_t)(at - s);
  memcpy(out, s, head);
  strcpy(out + head, to);
  strcat(out, at + strlen(from));
  return out;
}

/* The sample with `from` replaced by `to`, resealed (or not), gzipped, must be refused. */
static void expect_edit_error(const char *label, const char *from, const char *to, bool reseal,
                              const ics_bundle_limits *limits, const char *expected) {
  char *body = sample_body();
  char *edited = replace(body, from, to);
  char *content = reseal ? seal(edited, -1) : NULL;
  if (!reseal) { /* keep the original trailer */
    char *original = seal(body, -1);
    const char *trailer = strstr(original, "end: ");
    content = malloc(strlen(edited) + strlen(trailer) + 1);
    strcpy(content, edited);
    strcat(content, trailer);
    free(original);
  }
  size_t size;
  unsigned char *gz = gzip_text(content, strlen(content), &size);
  expect_error(label, gz, size, limits, expected);
  free(gz);
  free(content);
  free(edited);
  free(body);
}

/* ---- round trip ---------------------------------------------------------------------------- */

static void check_record(const ics_bundle_record *got, const ics_bundle_record *want) {
  CHECK_STR(got->instance_id, want->instance_id);
  CHECK_STR(got->form_id, want->form_id);
  CHECK(got->revision == want->revision);
  CHECK_STR(got->status, want->status);
  CHECK_STR(got->created_at, want->created_at);
  CHECK_STR(got->updated_at, want->updated_at);
  CHECK_STR(got->surveyor, want->surveyor);
  CHECK_STR(got->site, want->site);
  CHECK(got->round == want->round);
  size_t k = 0;
  for (size_t i = 0; i < want->value_count; i++) {
    if (!want->values[i].value[0]) continue;
    CHECK(k < got->value_count);
    if (k >= got->value_count) return;
    CHECK_STR(got->values[k].name, want->values[i].name);
    CHECK_STR(got->values[k].value, want->values[i].value);
    k++;
  }
  CHECK(k == got->value_count);
}

static void check_sample_reader(ics_bundle_reader *r, int format) {
  CHECK(r != NULL);
  if (!r) return;
  const ics_bundle_manifest *m = ics_bundle_manifest_of(r);
  CHECK(m->format == format);
  CHECK_STR(m->bundle_id, sample.bundle_id);
  CHECK_STR(m->store_id, sample.store_id);
  CHECK_STR(m->surveyor, sample.surveyor);
  CHECK_STR(m->site, sample.site);
  CHECK(m->round == 2024);
  CHECK_STR(m->created, sample.created);
  CHECK(m->record_count == 3);
  CHECK(m->register_len == sizeof register_def - 1);
  CHECK_STR(m->register_text, register_def);
  CHECK(m->form_count == 2);
  for (size_t i = 0; i < 2 && i < m->form_count; i++) {
    CHECK_STR(m->forms[i].id, sample_forms[i].id);
    CHECK_STR(m->forms[i].version, sample_forms[i].version);
    CHECK_STR(m->forms[i].hash, sample_forms[i].hash);
    CHECK_STR(m->forms[i].definition, sample_forms[i].definition);
    CHECK(m->forms[i].definition_len == sample_forms[i].definition_len);
    CHECK(m->forms[i].records == sample_forms[i].records);
  }
  ics_bundle_record rec;
  ics_error error = {0};
  bool got = false;
  for (int i = 0; i < 3; i++) {
    CHECK(ics_bundle_next(r, &rec, &got, &error) == 0 && got);
    if (got) check_record(&rec, &sample_records[i]);
  }
  CHECK(ics_bundle_next(r, &rec, &got, &error) == 0 && !got);
  CHECK(error.code == ICS_OK && error.message == NULL);
  CHECK(ics_bundle_next(r, &rec, &got, &error) == 0 && !got); /* stays at the end */
  ics_bundle_close(r);
}

static void test_round_trip(void) {
  size_t size;
  unsigned char *bytes = sample_bytes(&size);
  CHECK(bytes != NULL && size > 20);
  ics_error opened = {0};
  check_sample_reader(ics_bundle_open(path_in("sample.bundle"), NULL, ICS_EN, &opened), 1);
  check_sample_reader(ics_bundle_open_memory(bytes, size, NULL, ICS_EN, &opened), 1);
  CHECK(opened.code == ICS_OK);
  char *error;
  CHECK(temp_files() == 0);

  /* the gzip header: magic, deflate, no flags, time 0, XFL 0, OS 255 */
  static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  CHECK(memcmp(bytes, header, 10) == 0);

  /* the content, as the format document describes it */
  size_t len;
  char *content = gunzip(bytes, size, &len);
  CHECK(
      strncmp(content,
              "ictsurvey-bundle: 1\nbundle-id: aaaaaaaa-0000-4000-8000-000000000001\n"
              "store-id: bbbbbbbb-0000-4000-8000-000000000002\n"
              "surveyor: Nguyễn Văn An\\t(nhóm 2)\\\\\nsite: Tân An\\nLong An\nround: 2024\n"
              "created: 2024-05-06T07:08:09Z\nrecords: 3\n",
              strlen("ictsurvey-bundle: 1\nbundle-id: aaaaaaaa-0000-4000-8000-000000000001\n"
                     "store-id: bbbbbbbb-0000-4000-8000-000000000002\n"
                     "surveyor: Nguyễn Văn An\\t(nhóm 2)\\\\\nsite: Tân An\\nLong An\nround: 2024\n"
                     "created: 2024-05-06T07:08:09Z\nrecords: 3\n")) == 0);
  CHECK(
      strstr(content,
             "\nform: staff 3 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 3\n"
             "form: agency 1 fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210 0\n"
             "register: 80\n") != NULL);
  CHECK(strstr(content,
               "\nR\t11111111-1111-4111-8111-111111111111\tstaff\t1\tfinalized\t"
               "2024-05-01T01:02:03Z\t2024-05-02T01:02:03Z\tNguyễn Văn An\tTân An\t2024\t"
               "full_name=Trần Thị Bình\tnote=dòng 1\\ndòng 2\\tcột\\\\gạch\\rCR\tage=34\n") !=
        NULL);
  CHECK(strstr(content, "\nR\t22222222-2222-4222-8222-222222222222\tstaff\t2\tvoid\t"
                        "2024-05-01T01:02:03Z\t2024-05-03T01:02:03Z\t\t\t2024\n") != NULL);
  CHECK(strstr(content, "\nend: 3 ") != NULL);
  free(content);

  /* the same inputs give the same bytes */
  char *again = path_in("again.bundle");
  error = write_bundle(again, &sample, sample_records, 3);
  CHECK_STR(error, NULL);
  free(error);
  size_t size2;
  unsigned char *bytes2 = read_all(again, &size2);
  CHECK(bytes2 && size2 == size && memcmp(bytes, bytes2, size) == 0);
  char command[600];
  snprintf(command, sizeof command, "cmp -s '%s' '%s'", path_in("sample.bundle"), again);
  if (system("command -v cmp >/dev/null 2>&1") == 0) CHECK(system(command) == 0);
  free(bytes2);
  free(bytes);
}

static void test_empty_bundle(void) {
  /* no forms, no records, no register */
  ics_bundle_manifest m = sample;
  m.forms = NULL;
  m.form_count = 0;
  m.record_count = 0;
  m.register_text = NULL;
  m.register_len = 0;
  m.format = 0; /* 0: the writer chooses (1, unsigned, without keys) */
  char *path = path_in("empty.bundle");
  char *error = write_bundle(path, &m, NULL, 0);
  CHECK_STR(error, NULL);
  free(error);
  ics_error opened = {0};
  ics_bundle_reader *r = ics_bundle_open(path, NULL, ICS_EN, &opened);
  CHECK(r != NULL);
  if (r) {
    CHECK(ics_bundle_manifest_of(r)->form_count == 0);
    CHECK(ics_bundle_manifest_of(r)->register_len == 0);
    CHECK_STR(ics_bundle_manifest_of(r)->register_text, "");
    ics_bundle_record rec;
    bool got = true;
    CHECK(ics_bundle_next(r, &rec, &got, NULL) == 0 && !got);
    ics_bundle_close(r);
  }
}

/* Many records, long values and many fields: lines across chunk boundaries, the field-name
 * table rather than pairwise checks. */
static void test_many(void) {
  enum { N = 20000, FIELDS = 40 };
  ics_bundle_form forms[1] = {{"wide", "1", hash_a, "form: wide\n", 11, N}};
  ics_bundle_manifest m = sample;
  m.forms = forms;
  m.form_count = 1;
  m.record_count = N;
  char names[FIELDS][16], values[FIELDS][32], id[40];
  char *long_value = malloc(100001);
  for (int i = 0; i < 100000; i++) long_value[i] = (char)('a' + i % 26);
  long_value[100000] = '\0';
  ics_bundle_value fields[FIELDS];
  for (int i = 0; i < FIELDS; i++) {
    snprintf(names[i], sizeof names[i], "f%02d", i);
    fields[i].name = names[i];
    fields[i].value = values[i];
  }
  char *path = path_in("many.bundle");
  ics_error error = {0};
  ics_bundle_writer *w = ics_bundle_create(path, &m, NULL, ICS_EN, &error);
  CHECK(w != NULL);
  for (int k = 0; w && k < N; k++) {
    snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", k, k * 7);
    for (int i = 0; i < FIELDS; i++) snprintf(values[i], sizeof values[i], "v%d\t%d", k, i);
    fields[FIELDS - 1].value = k % 1000 == 0 ? long_value : values[FIELDS - 1];
    ics_bundle_record rec = {
        id,  "wide", 1,      "finalized", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "s",
        "x", 2024,   fields, FIELDS};
    if (ics_bundle_write(w, &rec, &error)) {
      CHECK_STR(error.message, NULL);
      ics_error_clear(&error);
      ics_bundle_abort(w);
      w = NULL;
    }
  }
  if (w) CHECK(ics_bundle_finish(w, &error) == 0);
  CHECK_STR(error.message, NULL);

  ics_bundle_reader *r = ics_bundle_open(path, NULL, ICS_EN, &error);
  CHECK(r != NULL);
  size_t count = 0, bad = 0;
  ics_bundle_record rec;
  int rc = -1;
  bool got = false;
  while (r && (rc = ics_bundle_next(r, &rec, &got, &error)) == 0 && got) {
    snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", (unsigned)count, (unsigned)count * 7);
    char want[32];
    snprintf(want, sizeof want, "v%zu\t%d", count, 7);
    if (strcmp(rec.instance_id, id) != 0 || rec.value_count != FIELDS ||
        strcmp(rec.values[7].value, want) != 0 ||
        strcmp(rec.values[FIELDS - 1].value,
               count % 1000 == 0 ? long_value : rec.values[FIELDS - 1].value) != 0)
      bad++;
    count++;
  }
  CHECK(r && rc == 0);
  CHECK_STR(error.message, NULL);
  CHECK(count == N);
  CHECK(bad == 0);
  ics_bundle_close(r);
  free(long_value);
}

/* Field names whose hashes collide (FNV-1a, the reader's first sieve): the duplicate check
 * falls back to sorting and must still find a duplicate, and only a real one. */
static void test_colliding_names(void) {
  enum { COUNT = 200 };
  static char names[COUNT][16];
  ics_bundle_value values[COUNT + 1];
  int found = 0;
  for (unsigned k = 0; found < COUNT; k++) {
    char name[16];
    snprintf(name, sizeof name, "c%u", k);
    uint32_t h = 2166136261u;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    if ((h & 1023) != 0) continue; /* the same slot in any table of up to 1024 */
    strcpy(names[found], name);
    values[found].name = names[found];
    values[found].value = "v";
    found++;
  }
  ics_bundle_form forms[1] = {{"f", "1", hash_a, "", 0, 1}};
  ics_bundle_manifest m = sample;
  m.forms = forms;
  m.form_count = 1;
  m.record_count = 1;
  ics_bundle_record rec = {ids[0], "f", 1, "finalized", "2024-01-01T00:00:00Z",
                           "2024-01-01T00:00:00Z", "", "", 2024, values, COUNT};
  char *path = path_in("colliding.bundle");
  char *error = write_bundle(path, &m, &rec, 1);
  CHECK_STR(error, NULL);
  free(error);
  CHECK(read_path(path, NULL, ICS_EN) == NULL);
  values[COUNT] = values[COUNT / 2];
  rec.value_count = COUNT + 1;
  error = write_bundle(path, &m, &rec, 1);
  char expected[64];
  snprintf(expected, sizeof expected, "record 1: field '%s' appears twice", names[COUNT / 2]);
  CHECK(error && strstr(error, expected));
  free(error);
}

static void test_zcat(void) {
  if (system("command -v zcat >/dev/null 2>&1") != 0) {
    fprintf(stderr, "zcat not found: skipping its test\n");
    return;
  }
  char command[512], line[256] = "";
  snprintf(command, sizeof command, "zcat '%s' | head -1", path_in("sample.bundle"));
  FILE *p = popen(command, "r");
  CHECK(p != NULL);
  if (!p) return;
  CHECK(fgets(line, sizeof line, p) != NULL);
  pclose(p);
  CHECK_STR(line, "ictsurvey-bundle: 1\n");
  snprintf(command, sizeof command, "gzip -t '%s'", path_in("sample.bundle"));
  CHECK(system(command) == 0);
}

/* ---- the writer refuses what a reader would refuse ------------------------------------------ */

static void expect_create_error(const char *label, const ics_bundle_manifest *m,
                                const char *expected) {
  char *path = path_in("refused.bundle");
  ics_error err = {0};
  write_bundle_err(path, m, NULL, sample_records, 3, ICS_EN, &err);
  CHECK(err.code == ICS_E_INVALID || err.code == ICS_E_NOT_UTF8 || err.code == ICS_E_LIMIT ||
        err.code == ICS_E_UNSUPPORTED);
  char *error = message_of(&err);
  test_checks++;
  if (!error || !strstr(error, expected)) {
    test_failures++;
    fprintf(stderr, "%s: expected an error containing\n  %s\ngot\n  %s\n", label, expected,
            error ? error : "(success)");
  }
  if (getenv("TEST_BUNDLE_VERBOSE")) fprintf(stderr, "%s: %s\n", label, error);
  free(error);
  CHECK(access(path, F_OK) != 0);
  CHECK(temp_files() == 0);
}

static void test_writer_refuses(void) {
  ics_bundle_manifest m;
  ics_bundle_form forms[2];
#define EDIT(...)                                                                                  \
  (m = sample, memcpy(forms, sample_forms, sizeof forms), m.forms = forms, __VA_ARGS__, &m)
  expect_create_error("bundle id", EDIT(m.bundle_id = "not-a-uuid"),
                      "manifest: bundle-id 'not-a-uuid' is not a UUID");
  expect_create_error("uppercase uuid", EDIT(m.store_id = "BBBBBBBB-0000-4000-8000-000000000002"),
                      "store-id 'BBBBBBBB-0000-4000-8000-000000000002' is not a UUID");
  expect_create_error("created", EDIT(m.created = "2023-02-29T00:00:00Z"),
                      "created '2023-02-29T00:00:00Z' is not a UTC time");
  expect_create_error("round", EDIT(m.round = 1800), "round '1800' is not a year");
  expect_create_error("format", EDIT(m.format = 3), "format 3 is not supported");
  expect_create_error("format 2 without keys", EDIT(m.format = 2), "format 2 is not supported");
  expect_create_error("surveyor control",
                      EDIT(m.surveyor = "a\x01"
                                        "b"),
                      "surveyor contains a control character 0x01 (byte 2)");
  expect_create_error("surveyor utf8", EDIT(m.site = "T\xe2n"),
                      "site is not valid UTF-8 text (byte 2)");
  expect_create_error("missing", EDIT(m.surveyor = NULL), "surveyor is missing");
  expect_create_error("form id space", EDIT(forms[0].id = "st aff"), "invalid form id 'st aff'");
  expect_create_error("form id upper", EDIT(forms[0].id = "Staff"), "invalid form id 'Staff'");
  expect_create_error("version space", EDIT(forms[0].version = "1 2"),
                      "invalid version '1 2' of form 'staff'");
  expect_create_error("hash", EDIT(forms[1].hash = "abc"), "the hash of form 'agency' is not");
  expect_create_error("duplicate form", EDIT(forms[1].id = "staff"),
                      "form 'staff' is listed twice");
  expect_create_error("sum", EDIT(m.record_count = 4),
                      "the forms' records add up to 3, but 'records' says 4");
  expect_create_error("definition utf8",
                      EDIT(forms[1].definition = "\xff", forms[1].definition_len = 1),
                      "manifest: the definition of form 'agency' is not valid UTF-8 (byte 1)");
  expect_create_error("definition missing", EDIT(forms[1].definition = NULL),
                      "definition of form 'agency' is missing");
  expect_create_error("records limit", EDIT(m.record_count = 20000000, forms[0].records = 20000000),
                      "20000000 records, more than the limit of 10000000 (max_records)");
#undef EDIT
  {
    ics_error err = {0};
    write_bundle_err("/nonexistent-dir/x.bundle", &sample, NULL, sample_records, 3, ICS_EN, &err);
    CHECK(err.code == ICS_E_NOT_FOUND); /* the folder is missing */
    char *error = message_of(&err);
    CHECK(error &&
          strstr(error, "cannot create a temporary file next to '/nonexistent-dir/x.bundle'"));
    free(error);
  }

  /* records: each mistake refused, the file never appears, the temporary file is removed */
  struct {
    const char *label;
    ics_bundle_record rec;
    const char *expected;
  } cases[] = {
      {"instance id",
       {"x", "staff", 1, "void", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024, NULL,
        0},
       "record 1: instance_id 'x' is not a UUID"},
      {"unknown form",
       {ids[0], "school", 1, "void", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024,
        NULL, 0},
       "record 1: form 'school' is not in the manifest"},
      {"revision",
       {ids[0], "staff", 0, "void", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024,
        NULL, 0},
       "record 1: revision '0' is not a positive whole number"},
      {"status",
       {ids[0], "staff", 1, "draft", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024,
        NULL, 0},
       "record 1: status 'draft' is neither 'finalized' nor 'void'"},
      {"time",
       {ids[0], "staff", 1, "void", "2024-01-01 00:00:00", "2024-01-01T00:00:00Z", "", "", 2024,
        NULL, 0},
       "record 1: created_at '2024-01-01 00:00:00' is not a UTC time"},
      {"field name",
       {ids[0], "staff", 1, "void", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024,
        (const ics_bundle_value[]){{"Name", "x"}}, 1},
       "record 1: invalid field name 'Name'"},
      {"duplicate field",
       {ids[0], "staff", 1, "void", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024,
        (const ics_bundle_value[]){{"a", "x"}, {"b", "y"}, {"a", "z"}}, 3},
       "record 1: field 'a' appears twice"},
      {"value control",
       {ids[0], "staff", 1, "void", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "", "", 2024,
        (const ics_bundle_value[]){{"a", "x\x1by"}}, 1},
       "record 1: field 'a' contains a control character 0x1b (byte 2)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *path = path_in("refused.bundle");
    ics_error err = {0};
    ics_bundle_writer *w = ics_bundle_create(path, &sample, NULL, ICS_EN, &err);
    CHECK(w != NULL);
    CHECK(temp_files() == 1);
    CHECK(ics_bundle_write(w, &cases[i].rec, &err) == -1);
    CHECK(err.code == ICS_E_INVALID);
    char *error = message_of(&err);
    test_checks++;
    if (!error || !strstr(error, cases[i].expected)) {
      test_failures++;
      fprintf(stderr, "%s: expected\n  %s\ngot\n  %s\n", cases[i].label, cases[i].expected,
              error ? error : "(success)");
    }
    free(error);
    /* once failed, the writer refuses to go on */
    CHECK(ics_bundle_write(w, &sample_records[0], &err) == -1);
    CHECK(err.code == ICS_E_STATE);
    error = message_of(&err);
    CHECK(error && strstr(error, "failed before"));
    free(error);
    CHECK(ics_bundle_finish(w, &err) == -1);
    CHECK(err.code == ICS_E_STATE);
    ics_error_clear(&err);
    CHECK(access(path, F_OK) != 0);
    CHECK(temp_files() == 0);
  }

  /* counts: one record too many, one too few, a duplicate instance id */
  char *path = path_in("counts.bundle"), *error = NULL;
  ics_error err = {0};
  ics_bundle_writer *w = ics_bundle_create(path, &sample, NULL, ICS_EN, &err);
  for (int i = 0; i < 3; i++) CHECK(ics_bundle_write(w, &sample_records[i], &err) == 0);
  ics_bundle_record extra = sample_records[0];
  extra.instance_id = "44444444-4444-4444-8444-444444444444";
  CHECK(ics_bundle_write(w, &extra, &err) == -1);
  error = message_of(&err);
  CHECK(error &&
        strstr(error, "record 4: more records of form 'staff' than the manifest announces (3)"));
  free(error);
  ics_bundle_abort(w);
  CHECK(access(path, F_OK) != 0 && temp_files() == 0);

  w = ics_bundle_create(path, &sample, NULL, ICS_EN, &err);
  CHECK(ics_bundle_write(w, &sample_records[0], &err) == 0);
  CHECK(access(path, F_OK) != 0); /* not before ics_bundle_finish */
  CHECK(ics_bundle_finish(w, &err) == -1);
  error = message_of(&err);
  CHECK(error &&
        strstr(error, "the manifest announces 3 records of form 'staff', but 1 were written"));
  free(error);
  CHECK(access(path, F_OK) != 0 && temp_files() == 0);

  w = ics_bundle_create(path, &sample, NULL, ICS_EN, &err);
  CHECK(ics_bundle_write(w, &sample_records[0], &err) == 0);
  CHECK(ics_bundle_write(w, &sample_records[0], &err) == -1);
  error = message_of(&err);
  CHECK(error &&
        strstr(error, "record 2: instance_id 11111111-1111-4111-8111-111111111111 appears twice"));
  free(error);
  ics_bundle_abort(w);
  ics_bundle_abort(NULL);
  /* no writer at all: refused, with a message */
  CHECK(ics_bundle_write(NULL, &sample_records[0], &err) == -1 && err.code == ICS_E_STATE);
  ics_error_clear(&err);
  CHECK(ics_bundle_finish(NULL, &err) == -1 && err.code == ICS_E_STATE && err.message);
  ics_error_clear(&err);

  /* the writer's messages are in the language its caller passes, whatever ICTSURVEY_LANG says */
  setenv("ICTSURVEY_LANG", "en", 1);
  write_bundle_err(path, &(ics_bundle_manifest){.bundle_id = "x"}, NULL, NULL, 0, ICS_VI, &err);
  CHECK(err.code == ICS_E_INVALID);
  error = message_of(&err);
  CHECK(error && strstr(error, "phần khai báo: bundle-id 'x' không phải UUID"));
  free(error);
  setenv("ICTSURVEY_LANG", "vi", 1);
  write_bundle_err(path, &(ics_bundle_manifest){.bundle_id = "x"}, NULL, NULL, 0, ICS_EN, &err);
  error = message_of(&err);
  CHECK(error && strstr(error, "manifest: bundle-id 'x' is not a UUID"));
  free(error);
  write_bundle_err("/nonexistent-dir/x.bundle", &sample, NULL, sample_records, 3, ICS_EN, &err);
  error = message_of(&err);
  CHECK(error && strstr(error, "cannot create a temporary file next to"));
  free(error);
  { /* and in the middle of a bundle too */
    w = ics_bundle_create(path, &sample, NULL, ICS_EN, &err);
    ics_bundle_record bad = sample_records[0];
    bad.status = "draft";
    CHECK(ics_bundle_write(w, &bad, &err) == -1);
    error = message_of(&err);
    CHECK(error && strstr(error, "record 1: status 'draft' is neither"));
    free(error);
    CHECK(ics_bundle_finish(w, &err) == -1);
    error = message_of(&err);
    CHECK(error && strstr(error, "the bundle writer failed before"));
    free(error);
  }
  setenv("ICTSURVEY_LANG", "en", 1);
  /* the first failure stays: a later one does not replace it */
  ics_error_set(&err, ICS_EN, ICS_E_DATABASE, "earlier");
  write_bundle_err(path, &(ics_bundle_manifest){.bundle_id = "x"}, NULL, NULL, 0, ICS_EN, &err);
  CHECK(err.code == ICS_E_DATABASE && strcmp(err.message, "earlier") == 0);
  ics_error_clear(&err);

  /* a finished bundle replaces an older file of the same name */
  write_all(path, "old", 3);
  error = write_bundle(path, &sample, sample_records, 3);
  CHECK_STR(error, NULL);
  free(error);
  CHECK(read_path(path, NULL, ICS_EN) == NULL);
}

/* ---- damage -------------------------------------------------------------------------------- */

static void test_damage(void) {
  size_t size;
  unsigned char *good = sample_bytes(&size);
  unsigned char *bad = malloc(size * 2 + 4096);
  char label[64];

  /* bit flips: in the header, in the deflate data, in the CRC and in ISIZE */
  const size_t flips[] = {2,        3,        4,        7,        8,        9,
                          10,       11,       40,       size / 3, size / 2, size - 20,
                          size - 8, size - 6, size - 4, size - 1};
  for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
    for (unsigned bit = 0; bit < 8; bit += 3) {
      memcpy(bad, good, size);
      bad[flips[i]] ^= (unsigned char)(1u << bit);
      snprintf(label, sizeof label, "flip byte %zu bit %u", flips[i], bit);
      if (flips[i] == 8 && bit == 1) continue; /* XFL 2: allowed */
      expect_error(label, bad, size, NULL,
                   flips[i] < 10 ? "damaged (its gzip header" : "the bundle is damaged (");
    }
  }
  memcpy(bad, good, size);
  bad[size - 8] ^= 0x10;
  expect_error("CRC", bad, size, NULL, "the bundle is damaged (CRC mismatch, at byte");
  memcpy(bad, good, size);
  bad[size - 3] ^= 0x10;
  expect_error("ISIZE", bad, size, NULL, "the bundle is damaged (length mismatch, at byte");

  /* truncations */
  expect_error("truncated to 1 byte", good, 1, NULL, "not an ictsurvey bundle (not gzip data)");
  const size_t lengths[] = {2,        5,        9,        10,       11,       20,
                            size / 2, size - 9, size - 8, size - 5, size - 4, size - 1};
  for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
    snprintf(label, sizeof label, "truncated to %zu bytes", lengths[i]);
    expect_error(label, good, lengths[i], NULL,
                 "the bundle is truncated (the gzip data stops at byte");
  }

  /* two bundles in one file; stray bytes after the member */
  memcpy(bad, good, size);
  memcpy(bad + size, good, size);
  char expected[128];
  snprintf(expected, sizeof expected, "the file holds a second gzip member from byte %zu", size);
  expect_error("concatenated", bad, 2 * size, NULL, expected);
  memcpy(bad + size, "\n", 1);
  snprintf(expected, sizeof expected, "unexpected bytes after the gzip data, from byte %zu", size);
  expect_error("trailing newline", bad, size + 1, NULL, expected);
  memcpy(bad + size, "\x1f", 1);
  expect_error("trailing 1f", bad, size + 1, NULL, expected);

  /* not bundles at all */
  expect_error("empty file", "", 0, NULL, "not an ictsurvey bundle (the file is empty)");
  const char text[] = "ictsurvey-bundle: 1\nbundle-id: x\n";
  expect_error("plain text", text, sizeof text - 1, NULL,
               "not an ictsurvey bundle (not gzip data)");
  srand(7);
  for (size_t i = 0; i < 4096; i++) bad[i] = (unsigned char)rand();
  bad[0] = 0x42;
  expect_error("random bytes", bad, 4096, NULL, "not an ictsurvey bundle (not gzip data)");
  memcpy(bad, good, 10); /* a bundle's header, then noise */
  expect_error("header and random bytes", bad, 4096, NULL, "the bundle is ");
  expect_text_error("gzip of something else", "hello\n", 6,
                    "not an ictsurvey bundle (the content does not start with 'ictsurvey-bundle: ')");
  expect_text_error("gzip of nothing", "", 0, "not an ictsurvey bundle (the content");
  if (system("command -v gzip >/dev/null 2>&1") == 0) { /* gzip writes a name and a time */
    char command[512];
    write_all(path_in("plain.txt"), "ictsurvey-bundle: 1\n", 20);
    snprintf(command, sizeof command, "gzip -f '%s'", path_in("plain.txt"));
    CHECK(system(command) == 0);
    size_t n;
    unsigned char *data = read_all(path_in("plain.txt.gz"), &n);
    expect_error(
        "gzip -f", data, n, NULL,
        "the bundle is damaged (its gzip header is not a bundle's: byte 3 is 0x08, expected 0x00)");
    free(data);
  }
  free(bad);
  free(good);
}

/* ---- wrong content in a valid gzip member ---------------------------------------------------- */

static void test_content(void) {
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);

  expect_edit_error("newer format", "ictsurvey-bundle: 1", "ictsurvey-bundle: 3", true, NULL,
                    "the bundle was written in format 3, newer than this program understands (2): "
                    "update ictsurvey");
  {
    char *body = sample_body();
    char *edited = replace(body, "ictsurvey-bundle: 1", "ictsurvey-bundle: 3");
    size_t size;
    unsigned char *gz = gzip_text(edited, strlen(edited), &size);
    expect_error_lang("newer format in Vietnamese", gz, size, NULL, ICS_VI,
                      "gói dữ liệu được ghi theo định dạng 3, mới hơn định dạng chương trình này "
                      "hiểu (2): hãy cập nhật ictsurvey");
    free(gz);
    free(edited);
    free(body);
  }
  expect_edit_error("format 0", "ictsurvey-bundle: 1", "ictsurvey-bundle: 0", true, NULL,
                    "line 1: invalid format version '0'");
  expect_edit_error(
      "first line", "ictsurvey-bundle: 1", "ictsurvey-bundle:1", true, NULL,
      "not an ictsurvey bundle (the content does not start with 'ictsurvey-bundle: ')");
  expect_edit_error("missing key", "store-id: bbbbbbbb-0000-4000-8000-000000000002\n", "", true,
                    NULL, "line 3: expected 'store-id: …' here, found 'surveyor: ");
  expect_edit_error("bad uuid", "bundle-id: aaaaaaaa-0000", "bundle-id: aaaaaaaa+0000", true, NULL,
                    "line 2: bundle-id 'aaaaaaaa+0000-4000-8000-000000000001' is not a UUID");
  expect_edit_error("bad time", "created: 2024-05-06T07:08:09Z", "created: 2024-05-06T24:00:00Z",
                    true, NULL, "line 7: created '2024-05-06T24:00:00Z' is not a UTC time");
  expect_edit_error("bad year", "round: 2024", "round: 20245", true, NULL,
                    "line 6: round '20245' is not a year");
  expect_edit_error("bad escape", "surveyor: Nguyễn", "surveyor: \\x", true, NULL,
                    "line 4: surveyor: invalid escape at byte 1");
  expect_edit_error("raw tab in manifest", "site: Tân An", "site: Tân\tAn", true, NULL,
                    "line 5: a control character 0x09 (byte 11 of the line)");
  expect_edit_error("not utf8", "site: Tân An", "site: T\xc3n An", true, NULL,
                    "line 5: not valid UTF-8 text (byte 8 of the line)");
  expect_edit_error(
      "form line", "form: agency 1 ", "form: agency  1 ", true, NULL,
      "line 10: expected 'form: ID VERSION HASH RECORDS', found 'form: agency  1 fed");
  expect_edit_error("form id", "form: agency 1", "form: Agency 1", true, NULL,
                    "line 10: invalid form id 'Agency'");
  expect_edit_error("form count", "register: 80", "something: 75", true, NULL,
                    "line 11: expected 'form: …' or 'register: …' here, found 'something: 75'");
  expect_edit_error(
      "register length", "register: 80", "register: 81", true, NULL,
      "line 17: the register text is not followed by a newline where its length 81 says it ends");
  expect_edit_error(
      "definition order", "definition: staff", "definition: agency", true, NULL,
      "line 17: expected 'definition: staff LENGTH' here, found 'definition: agency ");

  /* counts that do not match */
  expect_edit_error("manifest total", "records: 3", "records: 4", true, NULL,
                    "line 11: the forms' records add up to 3, but 'records' says 4");
  {
    char *body = sample_body();
    char *a = replace(body, "records: 3", "records: 4");
    char *b = replace(a, "6789abcdef 3\n", "6789abcdef 4\n");
    char *content = seal(b, -1);
    expect_text_error("manifest lies about a form and the total", content, strlen(content),
                      "the manifest announces 4 records of form 'staff', but the bundle has 3");
    free(content);
    free(b);
    free(a);
    free(body);
  }
  {
    char *body = sample_body();
    char *a = replace(body, "6789abcdef 3\n", "6789abcdef 2\n");
    char *b = replace(a, "3210 0\n", "3210 1\n");
    char *content = seal(b, -1);
    expect_text_error("manifest lies about the forms", content, strlen(content),
                      "record 3: line 32: more records of form 'staff' than the manifest announces (2)");
    free(content);
    free(b);
    free(a);
    free(body);
  }
  {
    char *body = sample_body();
    char *content = seal(body, 4);
    expect_text_error("trailer count", content, strlen(content),
                      "line 33: the 'end:' line says 4 records, but the bundle has 3");
    free(content);
    free(body);
  }

  /* records */
  expect_edit_error("duplicate instance", ids[1], ids[0], true, NULL,
                    "record 2: line 31: instance_id 11111111-1111-4111-8111-111111111111 appears "
                    "twice in the bundle");
  expect_edit_error("columns", "\t2\tvoid\t", "\t2\tvoid ", true, NULL,
                    "record 2: line 31: expected at least 10 columns separated by tabs, found 9");
  expect_edit_error("unknown form", "\tstaff\t7\t", "\tschool\t7\t", true, NULL,
                    "record 3: line 32: form 'school' is not in the manifest");
  expect_edit_error("revision", "\tstaff\t7\t", "\tstaff\t07\t", true, NULL,
                    "record 3: line 32: revision '07' is not a positive whole number");
  expect_edit_error("status", "\t2\tvoid\t", "\t2\tdraft\t", true, NULL,
                    "record 2: line 31: status 'draft' is neither 'finalized' nor 'void'");
  expect_edit_error("record time", "\t2024-02-29T23:59:59Z", "\t2023-02-29T23:59:59Z", true, NULL,
                    "record 3: line 32: created_at '2023-02-29T23:59:59Z' is not a UTC time");
  expect_edit_error("field name", "\tage=34", "\tAge=34", true, NULL,
                    "record 1: line 30: invalid field name 'Age'");
  expect_edit_error("no equals", "\tage=34", "\tage34", true, NULL,
                    "record 1: line 30: value 3 has no '=' between its name and its value");
  expect_edit_error("empty value", "\tage=34", "\tage=", true, NULL,
                    "record 1: line 30: field 'age' has an empty value");
  expect_edit_error("duplicate field", "\tage=34", "\tnote=34", true, NULL,
                    "record 1: line 30: field 'note' appears twice");
  expect_edit_error("value escape", "\tage=34", "\tage=3\\4", true, NULL,
                    "record 1: line 30: field 'age': invalid escape at byte 2");
  expect_edit_error("trailing backslash", "\tage=34", "\tage=34\\", true, NULL,
                    "record 1: line 30: field 'age': invalid escape at byte 3");
  expect_edit_error("control in value", "\tage=34", "\tage=3\x01", true, NULL,
                    "record 1: line 30: a control character 0x01");
  expect_edit_error(
      "not a record", "R\t22222222", "X\t22222222", true, NULL,
      "line 31: expected a record line ('R' and a tab) or the 'end:' line, found 'X\\t2222");
  expect_edit_error("blank line", "R\t22222222", "\nR\t22222222", true, NULL,
                    "line 31: expected a record line ('R' and a tab) or the 'end:' line, found ''");

  /* the hash */
  expect_edit_error("hash mismatch", "Trần Thị Bình", "Trần Thị Binh", false, NULL,
                    "line 33: the content's SHA-256 does not match the 'end:' line");
  expect_edit_error("hash mismatch in a definition", "Cơ quan", "Cơ quam", false, NULL,
                    "the content's SHA-256 does not match");
  {
    char *body = sample_body();
    char *content = seal(body, -1);
    /* trailer variants */
    const char *variants[][2] = {
        {"end: 3 ", "end: 3  "},
        {"end: 3 ", "end:3 "},
        {"end: 3 ", "end: x "},
    };
    for (size_t i = 0; i < 3; i++) {
      char *edited = replace(content, variants[i][0], variants[i][1]);
      expect_text_error("bad trailer", edited, strlen(edited),
                        "line 33: invalid 'end:' line: expected 'end: RECORDS SHA256HEX'");
      free(edited);
    }
    /* content after the trailer; no trailer at all; a last line without its newline */
    size_t len = strlen(content);
    char *longer = malloc(len + 64);
    snprintf(longer, len + 64, "%sR\tmore\n", content);
    expect_text_error("after trailer", longer, strlen(longer),
                      "line 34: content after the 'end:' line, which must be the last");
    /* the NUL after the content */
    expect_text_error("NUL after trailer", content, len + 1, "line 34: content after the 'end:' line");
    expect_text_error(
        "no trailer", body, strlen(body),
        "the bundle is truncated (the content stops after line 32, without the 'end:' line)");
    expect_text_error("no last newline", content, len - 1,
                      "the bundle is truncated (the content stops in the middle of line 33)");
    free(longer);
    free(content);
    free(body);
  }

  /* limits */
  limits.max_line = 60;
  expect_edit_error("max_line", "", "", true, &limits,
                    "line 9: the line is longer than the limit of 60 bytes (max_line)");
  ics_bundle_default_limits(&limits);
  limits.max_forms = 1;
  expect_edit_error("max_forms", "", "", true, &limits,
                    "line 10: more forms than the limit of 1 (max_forms)");
  ics_bundle_default_limits(&limits);
  limits.max_records = 2;
  expect_edit_error("max_records", "", "", true, &limits,
                    "line 8: 3 records, more than the limit of 2 (max_records)");
  ics_bundle_default_limits(&limits);
  limits.max_definition = 70;
  expect_edit_error(
      "max_definition", "", "", true, &limits,
      "line 11: the register text is 80 bytes, more than the limit of 70 (max_definition)");
  ics_bundle_default_limits(&limits);
  limits.max_decompressed = 1000;
  expect_edit_error(
      "max_decompressed", "", "", true, &limits,
      "the bundle's content is larger than the limit of 1000 bytes (max_decompressed)");
}

/* A bomb: a valid manifest, then one endless line of 'a' (or zeros from the start). */
static unsigned char *make_bomb(bool with_manifest, size_t megabytes, size_t *size) {
  gz_writer g;
  gz_begin(&g, Z_RLE);
  if (with_manifest) {
    char *body = sample_body();
    char *records = strstr(body, "\nR\t");
    records[1] = '\0';
    gz_put(&g, body, strlen(body), Z_NO_FLUSH);
    free(body);
  }
  unsigned char *block = malloc(1 << 20);
  memset(block, with_manifest ? 'a' : 0, 1 << 20);
  for (size_t i = 0; i < megabytes; i++) gz_put(&g, block, 1 << 20, Z_NO_FLUSH);
  free(block);
  return gz_end(&g, size);
}

static void test_bombs(void) {
  size_t size;
  unsigned char *bomb = make_bomb(true, 100, &size);
  fprintf(stderr, "bomb: %zu bytes inflating to 100 MiB\n", size);
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  limits.max_decompressed = 1000000;
  double t = expect_error(
      "bomb", bomb, size, &limits,
      "the bundle's content is larger than the limit of 1000000 bytes (max_decompressed)");
  CHECK(t < 1.0);
  t = expect_error("bomb, default limits", bomb, size, NULL,
                   "line 30: the line is longer than the limit of 1048576 bytes (max_line)");
  CHECK(t < 5);
  free(bomb);
  bomb = make_bomb(false, 100, &size);
  t = expect_error(
      "bomb of zeros", bomb, size, NULL,
      "not an ictsurvey bundle (the content does not start with 'ictsurvey-bundle: ')");
  CHECK(t < 5);
  free(bomb);
}

/* ---- running out of memory -----------------------------------------------------------------
 * The Nth allocation fails, for every N until writing and reading succeed: each attempt
 * must end in an error (or success), never a crash or a leak (ASan and valgrind check). */
static void test_allocation_failures(void) {
  size_t size;
  unsigned char *good = sample_bytes(&size);
  char *path = path_in("oom.bundle");
  long n;
  for (n = 0; n < 10000; n++) {
    unlink(path);
    ics_error err = {0};
    ics_alloc_fail_after(n);
    write_bundle_err(path, &sample, NULL, sample_records, 3, ICS_EN, &err);
    ics_alloc_fail_after(-1);
    bool written = access(path, F_OK) == 0;
    CHECK(written == (err.code == ICS_OK));
    if (!written) CHECK(err.code == ICS_E_NO_MEMORY && strcmp(err.message, "out of memory") == 0);
    ics_error_clear(&err);
    CHECK(temp_files() == 0);
    if (written) break;
  }
  CHECK(n > 3 && n < 10000);
  size_t size2;
  unsigned char *bytes = read_all(path, &size2);
  CHECK(bytes && size2 == size && memcmp(bytes, good, size) == 0);
  free(bytes);
  for (n = 0; n < 10000; n++) {
    ics_error err = {0};
    ics_alloc_fail_after(n);
    ics_bundle_reader *r = n % 2 ? ics_bundle_open(path, NULL, ICS_EN, &err)
                                 : ics_bundle_open_memory(good, size, NULL, ICS_EN, &err);
    int rc = -1;
    if (r) {
      ics_bundle_record rec;
      bool got;
      while ((rc = ics_bundle_next(r, &rec, &got, &err)) == 0 && got) {
      }
      ics_bundle_close(r);
    }
    ics_alloc_fail_after(-1);
    CHECK((rc == 0) == (err.code == ICS_OK));
    if (rc != 0) CHECK(err.code == ICS_E_NO_MEMORY && strstr(err.message, "out of memory") != NULL);
    ics_error_clear(&err);
    if (rc == 0) break;
  }
  CHECK(n > 3 && n < 10000);
  free(good);
}

/* ---- signed and sealed bundles ------------------------------------------------------------- */

static unsigned char store_pk[crypto_sign_PUBLICKEYBYTES], store_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char office_pk[ICS_KEY_BYTES], office_sk[ICS_KEY_BYTES];
static unsigned char other_office_pk[ICS_KEY_BYTES], other_office_sk[ICS_KEY_BYTES];
static char store_pk_hex[65], other_pk_hex[65];

static void setup_keys(void) {
  unsigned char seed[32];
  memset(seed, 1, sizeof seed);
  crypto_sign_seed_keypair(store_pk, store_sk, seed);
  memset(seed, 2, sizeof seed);
  crypto_sign_seed_keypair(other_pk, other_sk, seed);
  memset(seed, 3, sizeof seed);
  crypto_box_seed_keypair(office_pk, office_sk, seed);
  memset(seed, 4, sizeof seed);
  crypto_box_seed_keypair(other_office_pk, other_office_sk, seed);
  sodium_bin2hex(store_pk_hex, sizeof store_pk_hex, store_pk, sizeof store_pk);
  sodium_bin2hex(other_pk_hex, sizeof other_pk_hex, other_pk, sizeof other_pk);
}

/* Opens a bundle from memory or from a file, unseals it with pk/sk when given and it is
 * sealed, reads every record. NULL when it is valid, else the error. */
static char *read_unsealed_code(const void *data, size_t size, const char *path,
                                const unsigned char *pk, const unsigned char *sk, ics_code *code) {
  ics_error error = {0};
  ics_bundle_reader *r = path ? ics_bundle_open(path, NULL, ICS_EN, &error)
                              : ics_bundle_open_memory(data, size, NULL, ICS_EN, &error);
  if (r && pk && ics_bundle_unseal(r, pk, sk, &error)) {
    ics_bundle_close(r);
    CHECK(error.code != ICS_OK);
    if (code) *code = error.code;
    return message_of(&error);
  }
  return read_reader_code(r, &error, NULL, code);
}

static char *read_unsealed(const void *data, size_t size, const char *path,
                           const unsigned char *pk, const unsigned char *sk) {
  return read_unsealed_code(data, size, path, pk, sk, NULL);
}

/* Read both from memory and from a file, with the office's key, the bundle must be refused
 * with a message containing `expected`. */
static void expect_sealed_error(const char *label, const void *data, size_t size,
                                const unsigned char *pk, const unsigned char *sk,
                                const char *expected) {
  char *path = path_in("case.bundle");
  write_all(path, data, size);
  check_refusals(label, read_unsealed(data, size, NULL, pk, sk),
                 read_unsealed(NULL, 0, path, pk, sk), expected);
}

static void expect_sealed_text_error(const char *label, const char *content, const char *expected) {
  size_t size;
  unsigned char *gz = gzip_text(content, strlen(content), &size);
  expect_sealed_error(label, gz, size, office_pk, office_sk, expected);
  free(gz);
}

/* The sample written with keys; *content gets its gunzipped text. */
static unsigned char *keyed_sample(const ics_bundle_keys *keys, size_t *size, char **content) {
  ics_bundle_manifest m = sample;
  m.format = 0;
  char *path = path_in("keyed.bundle");
  char *error = write_bundle_keys(path, &m, keys, sample_records, 3);
  CHECK_STR(error, NULL);
  free(error);
  unsigned char *bytes = read_all(path, size);
  if (content) {
    size_t len;
    *content = gunzip(bytes, *size, &len);
  }
  return bytes;
}

/* The position of the last line starting with `prefix` in text. */
static char *last_line(char *text, const char *prefix) {
  char *found = strncmp(text, prefix, strlen(prefix)) == 0 ? text : NULL;
  for (char *p = text; (p = strchr(p, '\n')); p++)
    if (strncmp(p + 1, prefix, strlen(prefix)) == 0) found = p + 1;
  return found;
}

/* text (which ends with its end line) with a signature line by sk after it. */
static char *sign_text(const char *text, const unsigned char *sk) {
  char *copy = strdup(text);
  const char *end_line = last_line(copy, "end: ");
  CHECK(end_line != NULL);
  static const char context[] = "ictsurvey-bundle-signature-1\n";
  size_t len = strlen(context) + strlen(end_line);
  char *message = malloc(len + 1);
  strcpy(message, context);
  strcat(message, end_line);
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, NULL, (unsigned char *)message, len, sk);
  char hex[crypto_sign_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, signature, sizeof signature);
  char *out = malloc(strlen(text) + sizeof hex + 16);
  sprintf(out, "%ssignature: %s\n", text, hex);
  free(message);
  free(copy);
  return out;
}

/* The content of a sealed bundle around inner (a bundle file's bytes), sealed to pk, after
 * `head` (the readable manifest, up to its last form line), with the right end line. */
static char *seal_around(const char *head, const unsigned char *inner, size_t inner_size,
                         const unsigned char *pk, long records) {
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  unsigned char boxed[crypto_box_SEALBYTES + sizeof key];
  crypto_secretstream_xchacha20poly1305_state st;
  crypto_secretstream_xchacha20poly1305_keygen(key);
  crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
  crypto_box_seal(boxed, key, sizeof key, pk);
  size_t cap = strlen(head) + inner_size * 2 + 4096, len;
  char *out = malloc(cap);
  char pk_hex[65], boxed_hex[sizeof boxed * 2 + 1], header_hex[sizeof header * 2 + 1];
  sodium_bin2hex(pk_hex, sizeof pk_hex, pk, 32);
  sodium_bin2hex(boxed_hex, sizeof boxed_hex, boxed, sizeof boxed);
  sodium_bin2hex(header_hex, sizeof header_hex, header, sizeof header);
  len = (size_t)sprintf(out, "%ssealed: %s %s %s\n", head, pk_hex, boxed_hex, header_hex);
  const size_t chunk = 48 * 1024;
  for (size_t at = 0;; at += chunk) {
    size_t n = inner_size - at < chunk ? inner_size - at : chunk;
    bool last = at + n == inner_size;
    unsigned char *cipher = malloc(n + crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long cipher_len;
    crypto_secretstream_xchacha20poly1305_push(
        &st, cipher, &cipher_len, inner + at, n, NULL, 0,
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    len += (size_t)sprintf(out + len, "S ");
    sodium_bin2base64(out + len, cap - len, cipher, (size_t)cipher_len,
                      sodium_base64_VARIANT_ORIGINAL);
    len += strlen(out + len);
    out[len++] = '\n';
    out[len] = '\0';
    free(cipher);
    if (last) break;
  }
  char *sealed = seal(out, records);
  free(out);
  return sealed;
}

static void test_signed(void) {
  ics_bundle_keys keys = {.signing_key = store_sk};
  size_t size, size2;
  char *content;
  unsigned char *bytes = keyed_sample(&keys, &size, &content);
  unsigned char *again = keyed_sample(&keys, &size2, NULL);
  CHECK(size == size2 && memcmp(bytes, again, size) == 0); /* Ed25519 is deterministic */
  free(again);

  ics_error error = {0};
  ics_bundle_reader *r = ics_bundle_open_memory(bytes, size, NULL, ICS_EN, &error);
  CHECK(r != NULL && !ics_bundle_is_sealed(r));
  CHECK(ics_bundle_unseal(r, office_pk, office_sk, &error) == 0); /* nothing to do */
  check_sample_reader(r, 2);
  r = ics_bundle_open_memory(bytes, size, NULL, ICS_EN, &error);
  CHECK_STR(ics_bundle_signer(r), store_pk_hex);
  ics_bundle_close(r);
  CHECK(strncmp(content, "ictsurvey-bundle: 2\n", 20) == 0);
  char signer_line[96];
  snprintf(signer_line, sizeof signer_line, "\nsigner: %.64s\nregister: ", store_pk_hex);
  CHECK(strstr(content, signer_line) != NULL);
  char *signature = last_line(content, "signature: ");
  CHECK(signature != NULL && strlen(signature) == 11 + 128 + 1);

  /* the content up to its end line, and without it */
  char *end_line = last_line(content, "end: ");
  char *with_end = strndup(content, (size_t)(signature - content));
  char *body = strndup(content, (size_t)(end_line - content));
  char *forged, *edited, *tmp;

  forged = sign_text(with_end, store_sk); /* made again: the same file */
  CHECK_STR(forged, content);
  free(forged);

  edited = replace(body, "Trần", "Tràn"); /* a value changed, the hash made again */
  tmp = seal(edited, -1);
  forged = malloc(strlen(tmp) + strlen(signature) + 1);
  sprintf(forged, "%s%s", tmp, signature);
  expect_sealed_text_error("signed: changed and rehashed", forged,
                           "line 35: the signature does not match: the bundle was changed after it "
                           "was signed, or was not signed by the key it names; ask for it again");
  free(forged);
  free(tmp);
  free(edited);

  edited = replace(body, store_pk_hex, other_pk_hex); /* another signer named */
  tmp = seal(edited, -1);
  forged = malloc(strlen(tmp) + strlen(signature) + 1);
  sprintf(forged, "%s%s", tmp, signature);
  expect_sealed_text_error("signed: another signer named", forged, "the signature does not match");
  free(forged);
  forged = sign_text(tmp, other_sk); /* ... and signing with its key: valid, but by another key */
  size_t gz_size;
  unsigned char *gz = gzip_text(forged, strlen(forged), &gz_size);
  r = ics_bundle_open_memory(gz, gz_size, NULL, ICS_EN, &error);
  CHECK(read_reader(r, &error, NULL) == NULL);
  r = ics_bundle_open_memory(gz, gz_size, NULL, ICS_EN, &error);
  CHECK_STR(ics_bundle_signer(r), other_pk_hex);
  ics_bundle_close(r);
  free(gz);
  free(forged);
  free(tmp);
  free(edited);

  expect_sealed_text_error("signed: no signature", with_end,
                           "line 35: the 'signature:' line is missing after the 'end:' line");
  tmp = malloc(strlen(with_end) + 32);
  sprintf(tmp, "%ssignature: 00\n", with_end);
  expect_sealed_text_error("signed: short signature", tmp, "line 35: invalid 'signature:' line");
  free(tmp);
  tmp = malloc(strlen(content) + 32);
  sprintf(tmp, "%sR\tmore\n", content);
  expect_sealed_text_error("signed: after the signature", tmp,
                           "line 36: content after the 'end:' line, which must be the last");
  free(tmp);
  edited = replace(body, signer_line + 1, "register: "); /* format 2 without a signer */
  tmp = seal(edited, -1);
  expect_sealed_text_error("format 2 unsigned", tmp,
                           "line 11: expected 'form: …', 'signer: …' or 'sealed: …' here, found "
                           "'register: ");
  free(tmp);
  free(edited);
  edited = replace(body, signer_line + 1, "signer: 0123\nregister: ");
  tmp = seal(edited, -1);
  expect_sealed_text_error("bad signer", tmp, "line 11: the signer key '0123' is not 64 lowercase hex digits");
  free(tmp);
  free(edited);
  free(body);
  free(with_end);
  free(content);
  free(bytes);
}

static void test_sealed(void) {
  ics_bundle_keys keys = {.signing_key = store_sk, .central_key = office_pk};
  size_t size, size2;
  char *content;
  unsigned char *bytes = keyed_sample(&keys, &size, &content);
  unsigned char *again = keyed_sample(&keys, &size2, NULL);
  CHECK(size != size2 || memcmp(bytes, again, size) != 0); /* a fresh content key each time */
  free(again);

  /* without the key: the readable fields only */
  ics_error error = {0};
  ics_bundle_reader *r = ics_bundle_open_memory(bytes, size, NULL, ICS_EN, &error);
  CHECK(r != NULL && ics_bundle_is_sealed(r));
  if (!r) return;
  const ics_bundle_manifest *m = ics_bundle_manifest_of(r);
  CHECK(m->format == 2);
  CHECK_STR(m->bundle_id, sample.bundle_id);
  CHECK_STR(m->store_id, sample.store_id);
  CHECK_STR(m->surveyor, "");
  CHECK_STR(m->site, sample.site);
  CHECK(m->round == sample.round && m->record_count == 3 && m->register_len == 0);
  CHECK_STR(m->created, sample.created);
  CHECK(m->form_count == 2);
  for (size_t i = 0; i < 2 && i < m->form_count; i++) {
    CHECK_STR(m->forms[i].id, sample_forms[i].id);
    CHECK_STR(m->forms[i].hash, sample_forms[i].hash);
    CHECK(m->forms[i].records == sample_forms[i].records && m->forms[i].definition == NULL);
  }
  CHECK(ics_bundle_signer(r) == NULL);
  char office_fp[ICS_FINGERPRINT_SIZE], other_fp[ICS_FINGERPRINT_SIZE], expected[256];
  ics_key_fingerprint(office_pk, office_fp);
  ics_key_fingerprint(other_office_pk, other_fp);
  snprintf(expected, sizeof expected,
           "the bundle is sealed to the central office's key (%s): only that secret key "
           "(central.key) opens it", office_fp);
  ics_code code = ICS_OK;
  char *locked = read_reader_code(r, &error, NULL, &code);
  CHECK_STR(locked, expected);
  CHECK(code == ICS_E_KEY);
  free(locked);

  /* with another office's key */
  snprintf(expected, sizeof expected,
           "the bundle is sealed to another central office key (%s), not to the key given (%s)",
           office_fp, other_fp);
  expect_sealed_error("sealed to another office", bytes, size, other_office_pk, other_office_sk,
                      expected);

  /* with the key: everything, from memory and from a file */
  r = ics_bundle_open_memory(bytes, size, NULL, ICS_EN, &error);
  CHECK(ics_bundle_unseal(r, office_pk, office_sk, &error) == 0);
  CHECK(ics_bundle_unseal(r, office_pk, office_sk, &error) == 0); /* again: nothing to do */
  CHECK_STR(ics_bundle_signer(r), store_pk_hex);
  check_sample_reader(r, 2);
  char *path = path_in("sealed.bundle");
  write_all(path, bytes, size);
  CHECK_STR(read_unsealed(NULL, 0, path, office_pk, office_sk), NULL);

  /* no answer, surveyor or register in the readable content */
  CHECK(strncmp(content, "ictsurvey-bundle: 2\n", 20) == 0);
  CHECK(strstr(content, "\nsurveyor: \nsite: ") != NULL);
  CHECK(strstr(content, sample.surveyor) == NULL);
  CHECK(strstr(content, sample_records[0].values[0].value) == NULL);
  CHECK(strstr(content, "register:") == NULL && strstr(content, "definition:") == NULL);
  CHECK(strstr(content, "\nsealed: ") != NULL && strstr(content, "\nS ") != NULL);
  CHECK(strstr(content, "\nsigner: ") == NULL && strstr(content, "\nsignature: ") == NULL);

  /* a large bundle: many S lines, read back whole */
  ics_bundle_manifest big = sample;
  ics_bundle_form forms[2];
  memcpy(forms, sample_forms, sizeof forms);
  big.forms = forms;
  big.format = 0;
  enum { MANY = 3000 };
  forms[0].records = MANY;
  forms[1].records = 0;
  big.record_count = MANY;
  ics_bundle_writer *w = ics_bundle_create(path, &big, &keys, ICS_EN, &error);
  CHECK(w != NULL);
  char id[37], value[64];
  ics_bundle_value values[2] = {{"name", value}, {"note", "x"}};
  for (int i = 0; w && i < MANY; i++) {
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    snprintf(id, sizeof id, "%02x%02x%02x%02x-%02x%02x-4%x%02x-8%x%02x-%02x%02x%02x%02x%02x%02x",
             raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6] & 15, raw[7], raw[8] & 15,
             raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]);
    snprintf(value, sizeof value, "person %d with a longer name to fill the chunks %d", i, i * 7);
    ics_bundle_record rec = sample_records[0];
    rec.instance_id = id;
    rec.form_id = sample_forms[0].id;
    rec.values = values;
    rec.value_count = 2;
    CHECK(ics_bundle_write(w, &rec, &error) == 0);
  }
  CHECK(ics_bundle_finish(w, &error) == 0);
  size_t big_size, records = 0;
  unsigned char *big_bytes = read_all(path, &big_size);
  size_t big_len;
  char *big_content = gunzip(big_bytes, big_size, &big_len);
  size_t s_lines = 0;
  for (char *p = big_content; (p = strstr(p, "\nS ")); p++) s_lines++;
  CHECK(s_lines >= 2);
  r = ics_bundle_open(path, NULL, ICS_EN, &error);
  CHECK(ics_bundle_unseal(r, office_pk, office_sk, &error) == 0);
  CHECK(read_reader(r, &error, &records) == NULL && records == MANY);
  free(big_content);
  free(big_bytes);

  /* the writer refuses to seal without signing */
  ics_bundle_keys unsigned_keys = {.central_key = office_pk};
  ics_bundle_manifest m0 = sample;
  m0.format = 0;
  char *refused =
      write_bundle_keys(path_in("refused.bundle"), &m0, &unsigned_keys, sample_records, 3);
  CHECK(refused && strstr(refused, "signing_key is missing"));
  free(refused);
  CHECK(temp_files() == 0);
  free(content);
  free(bytes);
}

/* Every byte of a signed and of a sealed bundle changed in turn. A byte replaced by its
 * complement is always refused. A single flipped bit is refused unless it changes nothing the
 * bundle says: deflate leaves a few padding bits at block ends that every inflater ignores
 * (and the gzip header's XFL byte is a hint); the content read is then exactly the same. */
static void test_sealed_damage(void) {
  for (int sealed = 0; sealed <= 1; sealed++) {
    ics_bundle_keys keys = {.signing_key = store_sk, .central_key = sealed ? office_pk : NULL};
    size_t size, good_len;
    unsigned char *good = keyed_sample(&keys, &size, NULL);
    char *good_content = gunzip(good, size, &good_len);
    unsigned char *copy = malloc(size);
    size_t refused = 0, harmless = 0, tried = 0;
    static const unsigned char masks[] = {0xff, 0x01, 0x10, 0x80};
    for (size_t k = 0; k < sizeof masks; k++)
      for (size_t i = 0; i < size; i++) {
        memcpy(copy, good, size);
        copy[i] ^= masks[k];
        char *error = read_unsealed(copy, size, NULL, office_pk, office_sk);
        tried++;
        if (error) {
          refused++;
        } else {
          size_t len;
          char *content = gunzip(copy, size, &len);
          bool same = len == good_len && memcmp(content, good_content, len) == 0;
          CHECK(same && masks[k] != 0xff);
          if (same) harmless++;
          else fprintf(stderr, "byte %zu ^ 0x%02x changed the content and was accepted\n", i, masks[k]);
          free(content);
        }
        free(error);
      }
    CHECK(tried == 4 * size && refused + harmless == tried && harmless < 8);
    fprintf(stderr, "%s bundle: %zu changed bytes refused, %zu flipped padding bits harmless\n",
            sealed ? "sealed" : "signed", refused, harmless);
    free(good_content);
    free(copy);
    free(good);
  }
}

/* Hand-made sealed contents, each with a valid gzip member and (unless said) a valid outer
 * hash: the forgeries an attacker with the office's public key could try. */
static void test_sealed_forgeries(void) {
  ics_bundle_keys keys = {.signing_key = store_sk, .central_key = office_pk};
  size_t size;
  char *content;
  unsigned char *bytes = keyed_sample(&keys, &size, &content);
  char *sealed_line = strstr(content, "\nsealed: ") + 1;
  char *s_line = strstr(content, "\nS ") + 1;
  char *end_line = last_line(content, "end: ");
  char *head = strndup(content, (size_t)(sealed_line - content));
  char *body = strndup(content, (size_t)(end_line - content));
  char *tmp, *edited;

  tmp = seal(body, 3); /* made again: still valid */
  CHECK_STR(tmp, content);
  free(tmp);

  edited = replace(body, "site: ", "site: X"); /* a readable field changed, the hash made again */
  tmp = seal(edited, 3);
  expect_sealed_text_error("readable site changed", tmp, "the readable manifest says site 'X");
  free(tmp);
  free(edited);

  edited = replace(body, "surveyor: \n", "surveyor: Lê\n");
  tmp = seal(edited, 3);
  expect_sealed_text_error("readable surveyor", tmp,
                           "line 4: a sealed bundle's readable 'surveyor:' line must be empty");
  free(tmp);
  free(edited);

  /* one hex digit of the sealed content key */
  edited = strdup(body);
  char *digit = edited + (sealed_line - content) + 8 + 64 + 1 + 10;
  *digit = *digit == '0' ? '1' : '0';
  tmp = seal(edited, 3);
  expect_sealed_text_error("sealed key changed", tmp, "the bundle's content key cannot be opened");
  free(tmp);
  free(edited);

  /* the office key named changed to another office's */
  char other_hex[65];
  sodium_bin2hex(other_hex, sizeof other_hex, other_office_pk, 32);
  edited = strdup(body);
  memcpy(edited + (sealed_line - content) + 8, other_hex, 64);
  tmp = seal(edited, 3);
  expect_sealed_text_error("office key renamed", tmp, "sealed to another central office key");
  free(tmp);
  free(edited);

  /* one base64 character of the sealed content */
  edited = strdup(body);
  char *c = edited + (s_line - content) + 20;
  *c = *c == 'A' ? 'B' : 'A';
  tmp = seal(edited, 3);
  expect_sealed_text_error("sealed content changed", tmp,
                           "line 12: the sealed content cannot be decrypted: the bundle was changed "
                           "after it was written; ask for it again");
  free(tmp);
  free(edited);

  /* the S lines cut before the final one, doubled, and a wrong line among them */
  char *s_end = strchr(s_line, '\n') + 1;
  edited = strndup(body, (size_t)(s_line - content));
  tmp = seal(edited, 3);
  expect_sealed_text_error("final part missing", tmp, "line 12: the sealed content stops before its final part");
  free(tmp);
  free(edited);
  size_t s_len = (size_t)(s_end - s_line);
  edited = malloc(strlen(body) + s_len + 1);
  sprintf(edited, "%.*s%.*s", (int)(s_end - content), body, (int)s_len, s_line);
  tmp = seal(edited, 3);
  expect_sealed_text_error("final part twice", tmp, "line 13: sealed content after its final part");
  free(tmp);
  free(edited);
  edited = replace(body, "\nS ", "\nR ");
  tmp = seal(edited, 3);
  expect_sealed_text_error("not an S line", tmp, "line 12: expected a line of sealed content ('S …') here");
  free(tmp);
  free(edited);

  /* the outer hash not made again, and a wrong count */
  edited = strdup(content);
  digit = edited + (end_line - content) + strlen("end: 3 ");
  *digit = *digit == '0' ? '1' : '0';
  expect_sealed_text_error("outer hash", edited, "the content's SHA-256 does not match the 'end:' line");
  free(edited);
  tmp = seal(body, 4);
  expect_sealed_text_error("outer count", tmp, "the 'end:' line says 4 records, but the bundle has 3");
  free(tmp);

  /* sealed around other bundles: unsigned, with a forged signature, sealed twice */
  size_t inner_size;
  unsigned char *inner = sample_bytes(&inner_size); /* format 1: unsigned */
  tmp = seal_around(head, inner, inner_size, office_pk, 3);
  expect_sealed_text_error("unsigned inside", tmp, "the bundle inside the seal is not signed");
  free(tmp);
  free(inner);
  char *signed_content;
  unsigned char *signed_bytes = keyed_sample(&(ics_bundle_keys){.signing_key = store_sk},
                                             &inner_size, &signed_content);
  edited = replace(signed_content, "Trần", "Tràn");
  char *cut = last_line(edited, "end: ");
  char *sig = strdup(last_line(signed_content, "signature: "));
  *cut = '\0';
  char *resealed = seal(edited, -1);
  char *inner_text = malloc(strlen(resealed) + strlen(sig) + 1);
  sprintf(inner_text, "%s%s", resealed, sig);
  inner = gzip_text(inner_text, strlen(inner_text), &inner_size);
  tmp = seal_around(head, inner, inner_size, office_pk, 3);
  expect_sealed_text_error("forged inside", tmp,
                           "in the sealed content: line 35: the signature does not match");
  free(tmp);
  free(inner);
  free(edited);
  tmp = seal_around(head, bytes, size, office_pk, 3);
  expect_sealed_text_error("sealed twice", tmp, "in the sealed content: line 11: the sealed content is itself sealed");
  free(tmp);
  edited = replace(head, "site: ", "site: Y");
  tmp = seal_around(edited, signed_bytes, inner_size, office_pk, 3); /* the same file, another site */
  expect_sealed_text_error("readable and sealed differ", tmp, "the readable manifest says site 'Y");
  { /* after that refusal, unsealing again does not pretend to succeed */
    size_t gz_size;
    unsigned char *gz = gzip_text(tmp, strlen(tmp), &gz_size);
    ics_error error = {0};
    ics_bundle_reader *r = ics_bundle_open_memory(gz, gz_size, NULL, ICS_EN, &error);
    CHECK(r && ics_bundle_unseal(r, office_pk, office_sk, &error) == -1);
    CHECK(error.code == ICS_E_DAMAGED);
    ics_error_clear(&error);
    CHECK(r && ics_bundle_unseal(r, office_pk, office_sk, &error) == -1 && error.message &&
          strstr(error.message, "the readable manifest says site 'Y"));
    CHECK(r && ics_bundle_signer(r) == NULL && ics_bundle_manifest_of(r)->register_len == 0);
    ics_error_clear(&error);
    ics_bundle_close(r);
    free(gz);
  }
  free(tmp);
  free(edited);
  free(inner_text);
  free(resealed);
  free(sig);
  free(signed_bytes);
  free(signed_content);
  free(head);
  free(body);
  free(content);
  free(bytes);
}

/* ---- error codes: what callers may rely on, the message aside ------------------------------ */

static ics_code read_code(const void *data, size_t size, const ics_bundle_limits *limits) {
  ics_error e = {0};
  ics_code code = ICS_OK;
  free(read_reader_code(ics_bundle_open_memory(data, size, limits, ICS_EN, &e), &e, NULL, &code));
  return code;
}

static ics_code text_code(const char *text) {
  size_t size;
  unsigned char *gz = gzip_text(text, strlen(text), &size);
  ics_code code = read_code(gz, size, NULL);
  free(gz);
  return code;
}

static void test_codes(void) {
  size_t size;
  unsigned char *good = sample_bytes(&size);
  unsigned char *bad = malloc(size);
  CHECK(read_code(good, size, NULL) == ICS_OK);
  CHECK(read_code("", 0, NULL) == ICS_E_WRONG_KIND);
  CHECK(read_code("hello", 5, NULL) == ICS_E_WRONG_KIND);
  CHECK(text_code("hello\n") == ICS_E_WRONG_KIND);
  memcpy(bad, good, size);
  bad[size - 6] ^= 1; /* the gzip CRC */
  CHECK(read_code(bad, size, NULL) == ICS_E_DAMAGED);
  CHECK(read_code(good, size / 2, NULL) == ICS_E_DAMAGED); /* truncated */
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  limits.max_records = 2;
  CHECK(read_code(good, size, &limits) == ICS_E_LIMIT);
  CHECK(text_code("ictsurvey-bundle: 9\n") == ICS_E_UNSUPPORTED);
  CHECK(text_code("ictsurvey-bundle: 1\nbundle-idx\n") == ICS_E_SYNTAX);
  CHECK(text_code("ictsurvey-bundle: 1\nbundle-id: x\n") == ICS_E_INVALID);
  CHECK(text_code("ictsurvey-bundle: 1\nbundle-id: \xff\n") == ICS_E_NOT_UTF8);

  /* files that cannot be read as bundles */
  ics_error e = {0};
  CHECK(ics_bundle_open("/nonexistent-dir/x.bundle", NULL, ICS_EN, &e) == NULL);
  CHECK(e.code == ICS_E_NOT_FOUND && strstr(e.message, "cannot open the bundle: "));
  ics_error_clear(&e);
  CHECK(ics_bundle_open(dir, NULL, ICS_VI, &e) == NULL);
  CHECK(e.code == ICS_E_NOT_REGULAR && strstr(e.message, "không phải một tệp thường"));
  ics_error_clear(&e);
  /* a reader that is not there */
  bool got = true;
  ics_bundle_record rec;
  CHECK(ics_bundle_next(NULL, &rec, &got, &e) == -1 && !got && e.code == ICS_E_STATE);
  ics_error_clear(&e);
  CHECK(ics_bundle_unseal(NULL, office_pk, office_sk, &e) == -1 && e.code == ICS_E_STATE);
  ics_error_clear(&e);

  /* a signature that does not match */
  ics_bundle_keys keys = {.signing_key = store_sk};
  char *content;
  unsigned char *signed_bytes = keyed_sample(&keys, &size, &content);
  char *sig = strstr(content, "\nsignature: ");
  CHECK(sig != NULL);
  if (sig) {
    sig[12] = sig[12] == '0' ? '1' : '0';
    CHECK(text_code(content) == ICS_E_SIGNATURE);
  }
  free(signed_bytes);
  free(content);
  free(bad);
  free(good);
}

static void test_sealed_allocation_failures(void) {
  ics_bundle_keys keys = {.signing_key = store_sk, .central_key = office_pk};
  ics_bundle_manifest m = sample;
  m.format = 0;
  char *path = path_in("oom-sealed.bundle");
  long n;
  for (n = 0; n < 10000; n++) {
    unlink(path);
    ics_alloc_fail_after(n);
    ics_error err = {0};
    write_bundle_err(path, &m, &keys, sample_records, 3, ICS_EN, &err);
    ics_alloc_fail_after(-1);
    bool written = access(path, F_OK) == 0;
    if (!written && err.code != ICS_E_NO_MEMORY)
      fprintf(stderr, "write n=%ld: %s\n", n, err.message);
    if (!written) CHECK(err.code == ICS_E_NO_MEMORY && strstr(err.message, "out of memory"));
    ics_error_clear(&err);
    CHECK(temp_files() == 0);
    if (written) break;
  }
  CHECK(n > 3 && n < 10000);
  size_t size;
  unsigned char *bytes = read_all(path, &size);
  for (n = 0; n < 10000; n++) {
    ics_alloc_fail_after(n);
    ics_code code = ICS_OK;
    char *error = read_unsealed_code(n % 2 ? NULL : bytes, size, n % 2 ? path : NULL, office_pk,
                                     office_sk, &code);
    ics_alloc_fail_after(-1);
    if (error) CHECK(strstr(error, "out of memory") != NULL && code == ICS_E_NO_MEMORY);
    if (error && !strstr(error, "out of memory")) fprintf(stderr, "n=%ld: %s\n", n, error);
    bool done = error == NULL;
    free(error);
    if (done) break;
  }
  CHECK(n > 3 && n < 10000);
  free(bytes);
}

/* ---- the corpus directories ------------------------------------------------------------------ */

static void test_directory(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    if (errno != ENOENT) fprintf(stderr, "%s: %s\n", path, strerror(errno));
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
    char *from_memory = read_memory(data, size, NULL, ICS_EN);
    char *from_file = read_path(file, NULL, ICS_EN);
    CHECK((from_memory == NULL) == (from_file == NULL));
    if (from_memory && from_file) CHECK_STR(from_file, from_memory);
    if (strncmp(e->d_name, "valid-", 6) == 0) {
      if (from_memory) fprintf(stderr, "%s: %s\n", file, from_memory);
      CHECK(from_memory == NULL);
    } else if (strncmp(e->d_name, "damaged-", 8) == 0) {
      if (!from_memory) fprintf(stderr, "%s: read without error\n", file);
      CHECK(from_memory != NULL);
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
  setenv("ICTSURVEY_LANG", "en", 1);
  strcpy(dir, "/tmp/test_bundle-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  setup_sample();
  test_round_trip();
  test_empty_bundle();
  test_many();
  test_colliding_names();
  test_zcat();
  test_writer_refuses();
  test_damage();
  test_content();
  test_bombs();
  test_allocation_failures();
  setup_keys();
  test_signed();
  test_sealed();
  test_sealed_damage();
  test_sealed_forgeries();
  test_codes();
  test_sealed_allocation_failures();
  for (int i = 1; i < argc; i++) test_directory(argv[i]);
  remove_dir();
  TEST_MAIN_END();
}
