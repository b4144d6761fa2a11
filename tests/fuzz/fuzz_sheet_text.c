/* fuzz_sheet_text.c - libFuzzer target for what a spreadsheet program saves as text, read as
 * answers against the shipped staff form (collector/answers_file.h, spreadsheet files): the
 * byte-order mark and the encoding found or given, the separator found, the header in row 1 or
 * under labels, values read as people write them. Any bytes must give records or diagnostics
 * and notes that are valid UTF-8, never a crash, a leak or a hang. And the encoding must not
 * change what is read: input that is UTF-8 gives the same records and messages once converted
 * to UTF-16 with its byte-order mark (Excel's "Unicode text").
 *
 * The first byte chooses: bits 0-1 the encoding given (0 none, 1 windows-1252, 2 windows-1258,
 * 3 utf-8), bit 2 English messages, bit 3 drafts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answers_file.h"
#include "../test_definitions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ics_form *fz_staff;
static ics_register *fz_reg;

static void fz_setup(void) { test_load_shipped("staff.yaml", &fz_staff, &fz_reg); }

/* Every record as "N: field=value|...\n". */
static int fz_collect(void *ctx, ics_record *rec, size_t n) {
  ics_buf *out = ctx;
  ics_buf_printf(out, "%zu:", n);
  for (size_t i = 0; i < rec->form->field_count; i++) {
    if (!rec->values[i]) continue;
    if (!ics_utf8_valid(rec->values[i], strlen(rec->values[i]), NULL)) abort();
    ics_buf_printf(out, " %s=%s", rec->form->fields[i].name, rec->values[i]);
  }
  ics_buf_putc(out, '\n');
  return 0;
}

typedef struct {
  ics_buf records, messages, notes;
} fz_result;

static void fz_read(const char *text, size_t len, const ics_answers_options *base, fz_result *r) {
  ics_answers_options opt = *base;
  opt.notes = &r->notes;
  ics_errors diags = {0};
  ics_answers_parse("fuzz.csv", text, len, ICS_ANSWERS_TEXT, &opt, fz_collect, &r->records, &diags);
  for (size_t i = 0; i < diags.count; i++) {
    const char *m = diags.items[i].message;
    if (!ics_utf8_valid(m, strlen(m), NULL)) abort();
    /* positions count bytes and characters of the text read, which the encoding changes */
    ics_buf_printf(&r->messages, "%s\n", m);
  }
  if (r->notes.data && !ics_utf8_valid(r->notes.data, r->notes.len, NULL)) abort();
  ics_errors_free(&diags);
}

static void fz_free(fz_result *r) {
  ics_buf_free(&r->records);
  ics_buf_free(&r->messages);
  ics_buf_free(&r->notes);
}

/* UTF-8 (valid, checked) as UTF-16LE with its byte-order mark. */
static void to_utf16(const unsigned char *p, size_t n, ics_buf *out) {
  ics_buf_append(out, "\xff\xfe", 2);
  size_t i = 0;
  while (i < n) {
    size_t len = ics_utf8_char((const char *)p + i, n - i);
    uint32_t cp = len == 1 ? p[i] : len == 2 ? (uint32_t)(p[i] & 0x1F) : len == 3 ? (uint32_t)(p[i] & 0x0F) : (uint32_t)(p[i] & 0x07);
    for (size_t k = 1; k < len; k++) cp = cp << 6 | (p[i + k] & 0x3F);
    i += len;
    uint16_t units[2];
    int count = 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[0] = (uint16_t)(0xD800 | cp >> 10);
      units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
      count = 2;
    } else {
      units[0] = (uint16_t)cp;
    }
    for (int k = 0; k < count; k++) {
      char b[2] = {(char)(units[k] & 0xFF), (char)(units[k] >> 8)};
      ics_buf_append(out, b, 2);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (!fz_staff) fz_setup();
  uint8_t how = data[0];
  static const ics_encoding given[] = {ICS_ENC_UTF8, ICS_ENC_WINDOWS_1252, ICS_ENC_WINDOWS_1258,
                                       ICS_ENC_UTF8};
  ics_answers_options opt = {.form = fz_staff, .reg = fz_reg, .lang = how & 4 ? ICS_EN : ICS_VI,
                             .mode = how & 8 ? ICS_ANSWERS_DRAFT : ICS_ANSWERS_FULL,
                             .encoding_given = (how & 3) != 0, .encoding = given[how & 3]};
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  fz_result first = {0};
  fz_read(text, len, &opt, &first);

  /* UTF-8 without a mark, read as UTF-8, must read the same as UTF-16 */
  bool bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3);
  bool utf8 = ics_utf8_valid(text, len, NULL) && !bom && (how & 3) != 1 && (how & 3) != 2 &&
              !(len >= 2 && ((unsigned char)text[0] == 0xFF || (unsigned char)text[0] == 0xFE));
  if (utf8 && !first.records.failed && !first.messages.failed && !first.notes.failed) {
    ics_buf wide = {0};
    to_utf16((const unsigned char *)text, len, &wide);
    if (!wide.failed) {
      ics_answers_options again = opt;
      again.encoding_given = false;
      fz_result second = {0};
      fz_read(wide.data, wide.len, &again, &second);
      const char *a = first.records.data ? first.records.data : "";
      const char *b = second.records.data ? second.records.data : "";
      if (!second.records.failed && strcmp(a, b)) abort(); /* the encoding changed the records */
      fz_free(&second);
    }
    ics_buf_free(&wide);
  }
  fz_free(&first);
  return 0;
}
