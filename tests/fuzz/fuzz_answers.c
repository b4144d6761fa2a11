/* fuzz_answers.c - libFuzzer target for answers files (collector/answers_file.h) against the
 * shipped staff form and unit register: any bytes must give records or diagnostics, never a
 * crash, a leak, a hang or a message that is not valid UTF-8; and every record handed over,
 * written back as YAML and as CSV, must read back the same.
 *
 * The first byte chooses how the rest is read:
 *   bit 0     CSV (else YAML)
 *   bits 1-2  mode: 0 full, 1 draft, 2 patch (on a valid base record), 3 full
 *   bit 3     English messages (else Vietnamese)
 *   bit 4     no register
 *   bit 5     at most 3 records
 *   bit 6     the callback stops reading at record 2
 * tests/answers/test_answers_file.c includes this file to replay the regression inputs kept
 * in tests/answers/data/ (fuzz-*). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answers_file.h"
#include "../test_definitions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ics_form *fz_staff;
static ics_register *fz_reg;
static ics_record *fz_base;

static void fz_setup(void) {
  test_load_shipped("staff.yaml", &fz_staff, &fz_reg);
  static const char *const answers[][2] = {
      {"person_id", "LA-0001"}, {"gender", "female"},       {"birth_year", "1975"},
      {"district", "803"},      {"workplace_type", "district_pc"}, {"agency", "UBND-803"},
      {"category", "civil_servant"}, {"position", "leader"}, {"is_cio", "yes"},
      {"is_it_staff", "no"},    {"it_degree", "none"},    {"it_certificate", "cert_b"},
      {"cio_trained", "no"}};
  fz_base = ics_record_new(fz_staff);
  if (!fz_base) abort();
  for (size_t i = 0; i < sizeof answers / sizeof *answers; i++) {
    int field = ics_form_field_index(fz_staff, answers[i][0]);
    if (field < 0 || ics_record_set(fz_base, field, answers[i][1], fz_reg, ICS_EN, NULL) != ICS_OK)
      abort();
  }
  if (ics_record_check(fz_base, fz_reg, ICS_EN, 0, NULL) != ICS_OK) abort();
}

typedef struct {
  size_t stop_at; /* 0: never stop */
  size_t calls;
  const ics_answers_options *opt;
} fz_sink;

/* ---- round trip: a valid record, written back as YAML and as CSV, reads the same ---------- */
static bool fz_given(const ics_record *rec, size_t i) {
  ics_field_type t = rec->form->fields[i].type;
  return rec->values[i] && t != ICS_CALCULATE && t != ICS_NOTE;
}

/* A double-quoted YAML scalar: escapes for what YAML would fold or refuse. */
static void fz_yaml_quote(ics_buf *b, const char *s) {
  ics_buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      ics_buf_putc(b, '\\');
      ics_buf_putc(b, (char)*p);
    } else if (*p == '\n') {
      ics_buf_puts(b, "\\n");
    } else if (*p == '\t') {
      ics_buf_puts(b, "\\t");
    } else if (*p < 0x20 || *p == 0x7F) { /* C0 controls and DEL (a register code may hold
                                             them while no register checks it) */
      ics_buf_printf(b, "\\x%02X", *p);
    } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { /* C1 controls, NEL */
      ics_buf_printf(b, "\\x%02X", p[1]);
      p++;
    } else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) { /* LS, PS */
      ics_buf_puts(b, p[2] == 0xA8 ? "\\L" : "\\P");
      p += 2;
    } else if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
      ics_buf_puts(b, p[2] == 0xBE ? "\\uFFFE" : "\\uFFFF");
      p += 2;
    } else {
      ics_buf_putc(b, (char)*p);
    }
  }
  ics_buf_putc(b, '"');
}

static void fz_csv_quote(ics_buf *b, const char *s) {
  ics_buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"') ics_buf_putc(b, '"');
    ics_buf_putc(b, *s);
  }
  ics_buf_putc(b, '"');
}

typedef struct {
  const ics_record *expected;
  size_t calls;
} fz_echo;

static int fz_compare(void *ctx, ics_record *rec, size_t n) {
  fz_echo *echo = ctx;
  echo->calls++;
  for (size_t i = 0; i < rec->form->field_count; i++) {
    const char *a = rec->values[i], *b = echo->expected->values[i];
    if (!a != !b || (a && strcmp(a, b))) abort(); /* read back differently */
  }
  return n != 1;
}

static void fz_round_trip(const ics_record *rec, const ics_answers_options *opt) {
  ics_answers_options again = *opt;
  if (again.mode == ICS_ANSWERS_PATCH) again.mode = ICS_ANSWERS_FULL;
  again.max_records = 0;
  size_t given = 0;
  for (size_t i = 0; i < rec->form->field_count; i++) given += fz_given(rec, i);
  for (int csv = 0; csv < 2; csv++) {
    if (csv && given == 0) continue; /* no header to write */
    ics_buf t = {0};
    if (!csv) ics_buf_puts(&t, "- {");
    const char *sep = "";
    for (size_t i = 0; i < rec->form->field_count; i++) {
      if (!fz_given(rec, i)) continue;
      ics_buf_printf(&t, csv ? "%s%s" : "%s%s: ", sep, rec->form->fields[i].name);
      if (!csv) fz_yaml_quote(&t, rec->values[i]);
      sep = csv ? "," : ", ";
    }
    ics_buf_puts(&t, csv ? "\r\n" : "}\n");
    sep = "";
    for (size_t i = 0; csv && i < rec->form->field_count; i++) {
      if (!fz_given(rec, i)) continue;
      ics_buf_puts(&t, sep);
      fz_csv_quote(&t, rec->values[i]);
      sep = ",";
    }
    if (t.failed) abort();
    fz_echo echo = {rec, 0};
    ics_errors diags = {0};
    size_t valid = ics_answers_parse("again", t.data, t.len, csv ? ICS_ANSWERS_TEXT : ICS_ANSWERS_YAML, &again, fz_compare, &echo, &diags);
    if (valid != 1 || echo.calls != 1 || diags.count) abort(); /* a valid record is refused */
    ics_errors_free(&diags);
    ics_buf_free(&t);
  }
}

static int fz_record(void *ctx, ics_record *rec, size_t n) {
  fz_sink *sink = ctx;
  sink->calls++;
  for (size_t i = 0; i < rec->form->field_count; i++) /* every value is a text */
    if (rec->values[i] && !ics_utf8_valid(rec->values[i], strlen(rec->values[i]), NULL)) abort();
  fz_round_trip(rec, sink->opt);
  return sink->stop_at && n >= sink->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (!fz_staff) fz_setup();
  uint8_t how = data[0];
  int mode = (how >> 1) & 3;
  ics_answers_options opt = {
      .form = fz_staff,
      .reg = how & 16 ? NULL : fz_reg,
      .lang = how & 8 ? ICS_EN : ICS_VI,
      .mode = mode == 1 ? ICS_ANSWERS_DRAFT : mode == 2 ? ICS_ANSWERS_PATCH : ICS_ANSWERS_FULL,
      .base = fz_base,
      .max_records = how & 32 ? 3 : 0,
  };
  fz_sink sink = {.stop_at = how & 64 ? 2 : 0, .opt = &opt};
  ics_errors diags = {0};
  size_t valid = ics_answers_parse("fuzz", (const char *)data + 1, size - 1, (how & 1) ? ICS_ANSWERS_TEXT : ICS_ANSWERS_YAML, &opt,
                                   fz_record, &sink, &diags);
  if (valid > sink.calls) abort();
  if (opt.mode == ICS_ANSWERS_PATCH && valid > 1) abort();
  if (opt.mode == ICS_ANSWERS_PATCH && diags.count == 0 && diags.dropped == 0 && valid != 1 &&
      sink.calls == 0)
    abort(); /* a patch without an error must give its record */
  for (size_t i = 0; i < diags.count; i++) {
    const char *m = diags.items[i].message;
    if (!ics_utf8_valid(m, strlen(m), NULL)) abort();
    ics_free(ics_error_format(&diags.items[i]));
  }
  ics_errors_free(&diags);
  return 0;
}
