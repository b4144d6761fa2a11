/* answers.c - records and their validation, shared by the collector (the wizard and answer
 * files) and the aggregator (every record of a bundle is checked against its form). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "messages.h"
#include "schema.h"

static const char *const status_messages[ICS_CODE_COUNT][2] = {
    [ICS_OK] = {"Hợp lệ.", "Valid."},
    [ICS_E_NO_MEMORY] = {"Không đủ bộ nhớ.", "Out of memory."},
    [ICS_E_NOT_INTEGER] = {"Cần nhập một số nguyên.", "Enter a whole number."},
    [ICS_E_INTEGER_RANGE] = {"Số quá lớn.", "The number is too large."},
    [ICS_E_NOT_NUMBER] = {"Cần nhập một số, ví dụ 3,5 hoặc 3.5.", "Enter a number, e.g. 3.5."},
    [ICS_E_NOT_BOOLEAN] = {"Trả lời có hoặc không (c/k).", "Answer yes or no (y/n)."},
    [ICS_E_NOT_DATE] = {"Cần nhập ngày dạng NNNN-TT-NN, ví dụ 2013-05-31.",
                        "Enter a date as YYYY-MM-DD, e.g. 2013-05-31."},
    [ICS_E_UNKNOWN_CHOICE] = {"Không có lựa chọn này; hãy chọn một số hoặc mã trong danh sách.",
                              "There is no such choice; pick a number or a code from the list."},
    [ICS_E_REPEATED_CHOICE] = {"Một lựa chọn được chọn hai lần.", "A choice is given twice."},
    [ICS_E_TEXT_INVALID] = {"Văn bản chứa ký tự không hợp lệ.", "The text holds invalid characters."},
    [ICS_E_TEXT_TOO_LONG] = {"Văn bản quá dài (tối đa 4000 ký tự).",
                             "The text is too long (at most 4000 characters)."},
    [ICS_E_NO_VALUE_ALLOWED] = {"Câu này không nhận câu trả lời.", "This item takes no answer."},
    [ICS_E_REQUIRED] = {"Câu này bắt buộc phải trả lời.", "This question must be answered."},
    [ICS_E_CONSTRAINT] = {"Câu trả lời không hợp lệ.", "The answer is not valid."},
    [ICS_E_NOT_RELEVANT] = {"Câu này không áp dụng với các câu trả lời trước, hãy bỏ trống.",
                            "This question does not apply given the other answers; leave it out."},
    [ICS_E_UNKNOWN_FIELD] = {"Biểu mẫu không có câu hỏi này.", "The form has no such question."},
    [ICS_E_NOT_OFFERED] = {"Lựa chọn này không phù hợp với các câu trả lời trước.",
                           "This choice does not fit the earlier answers."},
};

const char *ics_status_message(ics_code status, ics_lang lang) {
  if ((unsigned)status >= ICS_CODE_COUNT || !status_messages[status][0])
    return ics_code_text(status, lang);
  return status_messages[status][lang == ICS_EN];
}

ics_record *ics_record_new(const ics_form *form) {
  ics_record *rec = ics_malloc(sizeof *rec);
  if (!rec) return NULL;
  rec->form = form;
  rec->values = ics_calloc(form->field_count, sizeof *rec->values);
  if (!rec->values) {
    ics_free(rec);
    return NULL;
  }
  return rec;
}

void ics_record_free(ics_record *rec) {
  if (!rec) return;
  for (size_t i = 0; i < rec->form->field_count; i++) ics_free(rec->values[i]);
  ics_free(rec->values);
  ics_free(rec);
}

ics_record *ics_record_copy(const ics_record *rec) {
  ics_record *copy = ics_record_new(rec->form);
  if (!copy) return NULL;
  for (size_t i = 0; i < rec->form->field_count; i++) {
    if (!rec->values[i]) continue;
    copy->values[i] = ics_strdup(rec->values[i]);
    if (!copy->values[i]) {
      ics_record_free(copy);
      return NULL;
    }
  }
  return copy;
}

void ics_record_clear(ics_record *rec, int field) {
  ics_free(rec->values[field]);
  rec->values[field] = NULL;
}

/* ---- parsing answers ------------------------------------------------------------------- */
static const char *trim(const char *s, size_t *len) {
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
  *len = n;
  return s;
}

static ics_code parse_integer(const char *s, size_t n, char **out) {
  char buf[32];
  if (n == 0 || n >= sizeof buf) return n ? ICS_E_INTEGER_RANGE : ICS_E_NOT_INTEGER;
  memcpy(buf, s, n);
  buf[n] = '\0';
  size_t i = (buf[0] == '-' || buf[0] == '+') ? 1 : 0;
  if (!buf[i]) return ICS_E_NOT_INTEGER;
  for (size_t k = i; buf[k]; k++)
    if (!isdigit((unsigned char)buf[k])) {
      /* 25.0 is still a whole number */
      if (buf[k] == '.' && strspn(buf + k + 1, "0") == strlen(buf + k + 1) && k > i) {
        buf[k] = '\0';
        break;
      }
      return ICS_E_NOT_INTEGER;
    }
  errno = 0;
  long long v = strtoll(buf, NULL, 10);
  if (errno || v > 1000000000000000LL || v < -1000000000000000LL) return ICS_E_INTEGER_RANGE;
  snprintf(buf, sizeof buf, "%lld", v);
  *out = ics_strdup(buf);
  return *out ? ICS_OK : ICS_E_NO_MEMORY;
}

static ics_code parse_decimal(const char *s, size_t n, char **out) {
  char buf[64];
  if (n == 0 || n >= sizeof buf) return ICS_E_NOT_NUMBER;
  memcpy(buf, s, n);
  buf[n] = '\0';
  /* Vietnamese write a decimal comma: accept one when there is no point */
  char *comma = strchr(buf, ',');
  if (comma && !strchr(buf, '.') && !strchr(comma + 1, ',')) *comma = '.';
  for (size_t k = 0; buf[k]; k++)
    if (!isdigit((unsigned char)buf[k]) && !strchr("+-.eE", buf[k])) return ICS_E_NOT_NUMBER;
  char *end;
  double v = strtod(buf, &end);
  if (*end || end == buf || !isfinite(v)) return ICS_E_NOT_NUMBER;
  /* the shortest text that reads back as the same number */
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  if (!strcmp(buf, "-0")) strcpy(buf, "0");
  *out = ics_strdup(buf);
  return *out ? ICS_OK : ICS_E_NO_MEMORY;
}

static ics_code parse_boolean(const char *s, size_t n, char **out) {
  static const char *const yes[] = {"yes", "y", "true", "1", "co", "c", "c\xc3\xb3", "C\xc3\xb3"};
  static const char *const no[] = {"no", "n", "false", "0", "khong", "k", "kh\xc3\xb4ng",
                                   "Kh\xc3\xb4ng"};
  char buf[16];
  if (n == 0 || n >= sizeof buf) return ICS_E_NOT_BOOLEAN;
  for (size_t i = 0; i < n; i++) /* ASCII letters only: the accented forms are listed */
    buf[i] = (char)((unsigned char)s[i] < 0x80 ? tolower((unsigned char)s[i]) : s[i]);
  buf[n] = '\0';
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
    if (!strcmp(buf, yes[i])) return (*out = ics_strdup("1")) ? ICS_OK : ICS_E_NO_MEMORY;
    if (!strcmp(buf, no[i])) return (*out = ics_strdup("0")) ? ICS_OK : ICS_E_NO_MEMORY;
  }
  return ICS_E_NOT_BOOLEAN;
}

static ics_code parse_date(const char *s, size_t n, char **out) {
  if (n != 10 || s[4] != '-' || s[7] != '-') return ICS_E_NOT_DATE;
  for (size_t i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return ICS_E_NOT_DATE;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap))
    return ICS_E_NOT_DATE;
  *out = ics_strndup(s, 10);
  return *out ? ICS_OK : ICS_E_NO_MEMORY;
}

static ics_code parse_text(const char *s, size_t n, char **out) {
  if (!ics_utf8_valid(s, n, NULL)) return ICS_E_TEXT_INVALID;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return ICS_E_TEXT_INVALID;
  }
  bool ascii = true;
  for (size_t i = 0; i < n && ascii; i++) ascii = (unsigned char)s[i] < 0x80;
  if (ascii) { /* already NFC: codes, numbers, unaccented names */
    if (n > ICS_TEXT_MAX_CHARS) return ICS_E_TEXT_TOO_LONG;
    *out = ics_strndup(s, n);
    return *out ? ICS_OK : ICS_E_NO_MEMORY;
  }
  /* Keyboards and copy-paste give decomposed accents (NFD); store one form: NFC. */
  utf8proc_uint8_t *nfc = NULL;
  utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &nfc,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
  if (len < 0) {
    free(nfc);
    if (len != UTF8PROC_ERROR_NOMEM) return ICS_E_TEXT_INVALID;
    return ICS_E_NO_MEMORY; /* utf8proc's malloc failed */
  }
  size_t chars = ics_utf8_count((const char *)nfc, (size_t)len);
  if (chars > ICS_TEXT_MAX_CHARS) {
    free(nfc);
    return ICS_E_TEXT_TOO_LONG;
  }
  *out = ics_strndup((const char *)nfc, (size_t)len);
  free(nfc); /* utf8proc allocates with malloc */
  return *out ? ICS_OK : ICS_E_NO_MEMORY;
}

/* Whether a code is a choice of the field (register codes only when the register is at hand:
 * otherwise ics_record_check checks them later). */
static bool code_exists(const ics_field *f, const ics_register *reg, const char *code) {
  const ics_choice_list *list = f->choices;
  if (list->source == ICS_CHOICES_FORM) return ics_choice_find(list, code) != NULL;
  if (!reg) return true;
  if (list->source == ICS_CHOICES_DISTRICTS) return ics_register_district(reg, code) != NULL;
  return ics_register_agency(reg, code) != NULL;
}

static size_t choice_position(const ics_field *f, const ics_register *reg, const char *code) {
  const ics_choice_list *list = f->choices;
  if (list->source == ICS_CHOICES_FORM) {
    for (size_t i = 0; i < list->count; i++)
      if (!strcmp(list->items[i].code, code)) return i;
  } else if (reg && list->source == ICS_CHOICES_DISTRICTS) {
    for (size_t i = 0; i < reg->district_count; i++)
      if (!strcmp(reg->districts[i].code, code)) return i;
  } else if (reg) {
    for (size_t i = 0; i < reg->agency_count; i++)
      if (!strcmp(reg->agencies[i].code, code)) return i;
  }
  return SIZE_MAX;
}

/* ---- choice filters ---------------------------------------------------------------------- */
typedef struct {
  const ics_field *f;
  const ics_register *reg;
  size_t choice;
} choice_ctx;

/* The attributes in the order ics_field_choice_attribute numbers them. */
static ics_value choice_attribute(void *ctx, int attribute) {
  const choice_ctx *c = ctx;
  const ics_choice_list *list = c->f->choices;
  const char *v = NULL;
  if (list->source == ICS_CHOICES_FORM) {
    v = attribute == 0 ? list->items[c->choice].code
                       : list->attribute_values[c->choice * list->attribute_count +
                                                (size_t)attribute - 1];
  } else if (list->source == ICS_CHOICES_DISTRICTS) {
    v = c->reg->districts[c->choice].code;
  } else {
    const ics_agency *a = &c->reg->agencies[c->choice];
    v = attribute == 0 ? a->code : attribute == 1 ? a->type : a->district;
  }
  return v ? (ics_value){.kind = ICS_V_STR, .str = v} : (ics_value){.kind = ICS_V_EMPTY};
}

static ics_value plain_value(void *ctx, int field) { return ics_record_value(ctx, field); }

/* Offered unless the filter is definitely false: answers not given yet hide nothing. */
static bool offered(const ics_field *f, const ics_register *reg, size_t choice,
                    ics_value (*field_value)(void *, int), void *ctx) {
  if (!f->choice_filter || choice == SIZE_MAX) return true;
  choice_ctx cc = {f, reg, choice};
  ics_eval_env env = {.field_value = field_value, .ctx = ctx, .reg = reg,
                      .attribute_value = choice_attribute, .attribute_ctx = &cc};
  return !ics_value_is_false(ics_expr_eval(f->choice_filter, &env));
}

bool ics_record_choice_offered(const ics_record *rec, int field, const ics_register *reg,
                               size_t choice_index) {
  const ics_field *f = &rec->form->fields[field];
  if (!f->choices || choice_index >= ics_field_choice_count(f, reg)) return true;
  return offered(f, reg, choice_index, plain_value, (void *)rec);
}

typedef struct {
  const ics_record *rec;
  ics_buf *out;
  ics_value (*field_value)(void *, int);
  void *ctx;
  int seen[16]; /* the fields named so far (a filter reads few) */
  size_t seen_count;
} answers_named;

static void name_answer(void *ctx, int field) {
  answers_named *an = ctx;
  for (size_t i = 0; i < an->seen_count; i++)
    if (an->seen[i] == field) return;
  if (an->seen_count == sizeof an->seen / sizeof *an->seen) return;
  an->seen[an->seen_count++] = field;
  ics_value v = an->field_value(an->ctx, field);
  if (v.kind == ICS_V_EMPTY) return;
  const char *name = an->rec->form->fields[field].name;
  char buf[40];
  const char *text = v.kind == ICS_V_STR ? v.str : v.kind == ICS_V_BOOL ? (v.b ? "1" : "0") : buf;
  if (v.kind == ICS_V_NUM) snprintf(buf, sizeof buf, "%.15g", v.num);
  ics_buf_printf(an->out, "%s%s '%s'", an->out->len ? " / " : "", name, text);
}

/* Says that `code` is not offered, naming the answers the filter reads ("workplace_type
 * 'district_pc' / district '804'"). False when memory ran out meanwhile (said as such). */
static bool say_not_offered(ics_error *err, const ics_record *rec, const ics_field *f,
                            const char *code, ics_value (*field_value)(void *, int), void *ctx,
                            ics_lang lang) {
  ics_buf answers = {0};
  answers_named an = {.rec = rec, .out = &answers, .field_value = field_value, .ctx = ctx};
  ics_expr_fields(f->choice_filter, name_answer, &an);
  bool ok = !answers.failed;
  if (!ok) ics_error_no_memory(err, lang);
  else if (answers.len) ics_error_say(err, lang, MSG(M_VALUE_NOT_OFFERED_FOR), code, answers.data);
  else ics_error_say(err, lang, MSG(M_VALUE_NOT_OFFERED), code);
  ics_buf_free(&answers);
  return ok && (!err || err->code != ICS_E_NO_MEMORY);
}

/* codes[i] (lens[i] bytes each, not NUL-terminated) -> the canonical value in *out. */
static ics_code parse_codes(const ics_record *rec, const ics_field *f, const ics_register *reg,
                              const char *const *words, const size_t *lens, size_t count,
                              ics_lang lang, ics_error *err, char **out) {
  if (f->type == ICS_SELECT_ONE && count != 1) return count ? ICS_E_UNKNOWN_CHOICE : ICS_E_REQUIRED;
  char(*codes)[ICS_NAME_MAX + 1] = ics_calloc(count ? count : 1, sizeof *codes);
  size_t *pos = ics_calloc(count ? count : 1, sizeof *pos);
  ics_code st = ICS_OK;
  if (!codes || !pos) st = ICS_E_NO_MEMORY;
  for (size_t i = 0; st == ICS_OK && i < count; i++) {
    bool fits = lens[i] >= 1 && lens[i] <= ICS_NAME_MAX;
    if (fits) {
      memcpy(codes[i], words[i], lens[i]);
      codes[i][lens[i]] = '\0';
    }
    if (!fits || !code_exists(f, reg, codes[i])) {
      st = ICS_E_UNKNOWN_CHOICE;
      ics_error_say(err, lang, MSG(M_VALUE_UNKNOWN_CHOICE), (int)(lens[i] > 64 ? 64 : lens[i]),
                    words[i]);
      break;
    }
    pos[i] = choice_position(f, reg, codes[i]);
    if (!offered(f, reg, pos[i], plain_value, (void *)rec)) {
      st = say_not_offered(err, rec, f, codes[i], plain_value, (void *)rec, lang)
               ? ICS_E_NOT_OFFERED
               : ICS_E_NO_MEMORY;
      break;
    }
    for (size_t j = 0; j < i; j++)
      if (!strcmp(codes[j], codes[i])) st = ICS_E_REPEATED_CHOICE;
  }
  if (st == ICS_OK) {
    /* list order, so the same set always reads the same (a stable insertion sort) */
    for (size_t i = 1; i < count; i++)
      for (size_t j = i; j > 0 && pos[j - 1] > pos[j]; j--) {
        size_t tp = pos[j];
        pos[j] = pos[j - 1];
        pos[j - 1] = tp;
        char tc[ICS_NAME_MAX + 1];
        memcpy(tc, codes[j], sizeof tc);
        memcpy(codes[j], codes[j - 1], sizeof tc);
        memcpy(codes[j - 1], tc, sizeof tc);
      }
    ics_buf b = {0};
    for (size_t i = 0; i < count; i++) {
      if (i) ics_buf_putc(&b, ' ');
      ics_buf_puts(&b, codes[i]);
    }
    *out = ics_buf_take(&b);
    if (!*out) st = ICS_E_NO_MEMORY;
  }
  ics_free(codes);
  ics_free(pos);
  return st;
}

/* Stores the value parsed, or says why there is none. */
static ics_code store(ics_record *rec, int field, ics_code st, char *value, ics_lang lang,
                      ics_error *err) {
  if (st != ICS_OK) {
    ics_error_set(err, lang, st, ics_status_message(st, lang)); /* unless a precise one is there */
    ics_error_set_field(err, rec->form->fields[field].name);
    return st;
  }
  ics_free(rec->values[field]);
  rec->values[field] = value;
  return ICS_OK;
}

ics_code ics_record_set_codes(ics_record *rec, int field, const char *const *codes,
                                size_t count, const ics_register *reg, ics_lang lang,
                              ics_error *err) {
  const ics_field *f = &rec->form->fields[field];
  if (f->type != ICS_SELECT_ONE && f->type != ICS_SELECT_MULTIPLE)
    return store(rec, field, ICS_E_NO_VALUE_ALLOWED, NULL, lang, err);
  size_t *lens = ics_calloc(count ? count : 1, sizeof *lens);
  if (!lens) return store(rec, field, ICS_E_NO_MEMORY, NULL, lang, err);
  for (size_t i = 0; i < count; i++) lens[i] = strlen(codes[i]);
  char *value = NULL;
  ics_code st = parse_codes(rec, f, reg, codes, lens, count, lang, err, &value);
  ics_free(lens);
  return store(rec, field, st, value, lang, err);
}

ics_code ics_record_set(ics_record *rec, int field, const char *text, const ics_register *reg,
                        ics_lang lang, ics_error *err) {
  const ics_field *f = &rec->form->fields[field];
  size_t n;
  const char *s = trim(text, &n);
  char *value = NULL;
  ics_code st;
  switch (f->type) {
  case ICS_TEXT_FIELD: st = parse_text(s, n, &value); break;
  case ICS_INTEGER: st = parse_integer(s, n, &value); break;
  case ICS_DECIMAL: st = parse_decimal(s, n, &value); break;
  case ICS_BOOLEAN: st = parse_boolean(s, n, &value); break;
  case ICS_DATE: st = parse_date(s, n, &value); break;
  case ICS_SELECT_ONE:
  case ICS_SELECT_MULTIPLE: {
    enum { MAX_WORDS = 256 };
    const char *words[MAX_WORDS];
    size_t lens[MAX_WORDS], count = 0;
    st = ICS_OK;
    for (size_t i = 0; i < n;) {
      while (i < n && (s[i] == ' ' || s[i] == ',')) i++;
      size_t start = i;
      while (i < n && s[i] != ' ' && s[i] != ',') i++;
      if (i == start) break;
      if (count == MAX_WORDS) {
        st = ICS_E_UNKNOWN_CHOICE;
        break;
      }
      words[count] = s + start;
      lens[count++] = i - start;
    }
    if (st == ICS_OK) st = parse_codes(rec, f, reg, words, lens, count, lang, err, &value);
    break;
  }
  default:
    st = ICS_E_NO_VALUE_ALLOWED;
    break;
  }
  return store(rec, field, st, value, lang, err);
}

/* ---- values and validation -------------------------------------------------------------- */
ics_value ics_record_value(const ics_record *rec, int field) {
  const char *v = rec->values[field];
  if (!v) return (ics_value){.kind = ICS_V_EMPTY};
  switch (rec->form->fields[field].type) {
  case ICS_INTEGER:
  case ICS_DECIMAL:
    return (ics_value){.kind = ICS_V_NUM, .num = strtod(v, NULL)};
  case ICS_BOOLEAN:
    return (ics_value){.kind = ICS_V_BOOL, .b = v[0] == '1'};
  case ICS_CALCULATE: {
    char *end;
    double num = strtod(v, &end);
    if (*v && !*end) return (ics_value){.kind = ICS_V_NUM, .num = num};
    return (ics_value){.kind = ICS_V_STR, .str = v};
  }
  default:
    return (ics_value){.kind = ICS_V_STR, .str = v};
  }
}

/* While checking, fields found not relevant read as empty. */
typedef struct {
  const ics_record *rec;
  const bool *masked;
} eval_ctx;

static ics_value masked_value(void *ctx, int field) {
  eval_ctx *e = ctx;
  if (e->masked && e->masked[field]) return (ics_value){.kind = ICS_V_EMPTY};
  return ics_record_value(e->rec, field);
}

void ics_record_relevance(const ics_record *rec, const ics_register *reg, bool *relevant) {
  size_t n = rec->form->field_count;
  bool *masked = ics_calloc(n, sizeof *masked);
  eval_ctx ctx = {rec, masked};
  ics_eval_env env = {.field_value = masked_value, .ctx = &ctx, .reg = reg};
  for (size_t i = 0; i < n; i++) {
    const ics_field *f = &rec->form->fields[i];
    relevant[i] = !f->relevant || ics_value_is_true(ics_expr_eval(f->relevant, &env));
    if (masked) masked[i] = !relevant[i];
  }
  ics_free(masked);
}

/* Adds a problem with a field to out (when given); returns its code, or ICS_E_NO_MEMORY. */
static ics_code add_problem(ics_errors *out, const ics_field *field, ics_code code,
                            const char *message, ics_lang lang) {
  if (!out) return code;
  ics_error e = {0};
  ics_error_set(&e, lang, code, message);
  ics_error_set_field(&e, field->name);
  if (e.code == ICS_E_NO_MEMORY || !e.field) {
    ics_error_clear(&e);
    return ICS_E_NO_MEMORY;
  }
  ics_errors_add(out, &e);
  return out->no_memory ? ICS_E_NO_MEMORY : code;
}

static char *format_number(double v) {
  char buf[40];
  if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, sizeof buf, "%.0f", v);
  else snprintf(buf, sizeof buf, "%.15g", v);
  return ics_strdup(buf);
}

/* The canonical text of a calculation's value, NULL when it is empty. */
static char *value_text(ics_value v, bool *oom) {
  char *s = NULL;
  switch (v.kind) {
  case ICS_V_NUM: s = format_number(v.num); break;
  case ICS_V_BOOL: s = ics_strdup(v.b ? "1" : "0"); break;
  case ICS_V_STR: s = ics_strdup(v.str); break;
  default: return NULL;
  }
  if (!s) *oom = true;
  return s;
}

ics_code ics_record_check(ics_record *rec, const ics_register *reg, ics_lang lang, int flags,
                          ics_errors *out) {
  const ics_form *form = rec->form;
  size_t n = form->field_count;
  bool *masked = ics_calloc(n, sizeof *masked);
  if (!masked) return ICS_E_NO_MEMORY;
  eval_ctx ctx = {rec, masked};
  ics_eval_env env = {.field_value = masked_value, .ctx = &ctx, .reg = reg};
  ics_code first = ICS_OK;
#define REPORT(field, status, message)                                                        \
  do {                                                                                        \
    ics_code rs_ = add_problem(out, &form->fields[field], (status), (message), lang);       \
    if (rs_ == ICS_E_NO_MEMORY) {                                                             \
      ics_free(masked);                                                                       \
      return ICS_E_NO_MEMORY;                                                                 \
    }                                                                                         \
    if (first == ICS_OK) first = (status);                                                    \
  } while (0)

  for (size_t i = 0; i < n; i++) {
    const ics_field *f = &form->fields[i];
    bool relevant = !f->relevant || ics_value_is_true(ics_expr_eval(f->relevant, &env));
    if (f->type == ICS_CALCULATE) {
      bool oom = false;
      char *v = relevant ? value_text(ics_expr_eval(f->calculation, &env), &oom) : NULL;
      if (oom) {
        ics_free(masked);
        return ICS_E_NO_MEMORY;
      }
      ics_free(rec->values[i]);
      rec->values[i] = v;
      continue;
    }
    if (!relevant) {
      masked[i] = true;
      if (rec->values[i]) {
        if (flags & ICS_CHECK_CLEAR_IRRELEVANT) ics_record_clear(rec, (int)i);
        else REPORT((int)i, ICS_E_NOT_RELEVANT, ics_status_message(ICS_E_NOT_RELEVANT, lang));
      }
      continue;
    }
    if (f->type == ICS_NOTE) {
      if (rec->values[i]) REPORT((int)i, ICS_E_NO_VALUE_ALLOWED, ics_status_message(ICS_E_NO_VALUE_ALLOWED, lang));
      continue;
    }
    if (!rec->values[i]) {
      if (f->required && !(flags & ICS_CHECK_PARTIAL))
        REPORT((int)i, ICS_E_REQUIRED, ics_status_message(ICS_E_REQUIRED, lang));
      continue;
    }
    if (reg && f->choices && f->choices->source != ICS_CHOICES_FORM) {
      /* register codes are checked here: the register may not have been at hand on input */
      bool ok = true;
      const char *p = rec->values[i];
      while (*p && ok) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char code[ICS_NAME_MAX + 1];
        ok = len >= 1 && len <= ICS_NAME_MAX;
        if (ok) {
          memcpy(code, p, len);
          code[len] = '\0';
          ok = code_exists(f, reg, code);
        }
        p += len + (end != NULL);
      }
      if (!ok) {
        REPORT((int)i, ICS_E_UNKNOWN_CHOICE, ics_status_message(ICS_E_UNKNOWN_CHOICE, lang));
        continue;
      }
    }
    if (f->choice_filter) {
      ics_error why = {0};
      for (const char *p = rec->values[i]; *p && !why.code;) {
        size_t len = strcspn(p, " ");
        char code[ICS_NAME_MAX + 1];
        snprintf(code, sizeof code, "%.*s", (int)(len > ICS_NAME_MAX ? ICS_NAME_MAX : len), p);
        if (!offered(f, reg, choice_position(f, reg, code), masked_value, &ctx))
          say_not_offered(&why, rec, f, code, masked_value, &ctx, lang);
        p += len + (p[len] == ' ');
      }
      bool oom = why.code == ICS_E_NO_MEMORY, refused = why.code && !oom;
      if (refused) {
        ics_code rs = add_problem(out, f, ICS_E_NOT_OFFERED, why.message, lang);
        oom = rs == ICS_E_NO_MEMORY;
        if (first == ICS_OK) first = ICS_E_NOT_OFFERED;
      }
      ics_error_clear(&why);
      if (oom) {
        ics_free(masked);
        return ICS_E_NO_MEMORY;
      }
      if (refused) continue; /* the constraint usually says the same again */
    }
    if (f->constraint && ics_value_is_false(ics_expr_eval(f->constraint, &env))) {
      const char *msg = ics_text_get(f->constraint_message, lang);
      REPORT((int)i, ICS_E_CONSTRAINT, *msg ? msg : ics_status_message(ICS_E_CONSTRAINT, lang));
    }
  }
#undef REPORT
  ics_free(masked);
  return first;
}

char *ics_record_display(const ics_record *rec, int field, const ics_register *reg,
                         ics_lang lang) {
  const ics_field *f = &rec->form->fields[field];
  const char *v = rec->values[field];
  if (!v) return ics_strdup("");
  if (f->type == ICS_BOOLEAN)
    return ics_strdup(v[0] == '1' ? (lang == ICS_EN ? "Yes" : "Có") : (lang == ICS_EN ? "No" : "Không"));
  if (f->type != ICS_SELECT_ONE && f->type != ICS_SELECT_MULTIPLE) return ics_strdup(v);
  ics_buf b = {0};
  for (const char *p = v; *p;) {
    const char *end = strchr(p, ' ');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char code[ICS_NAME_MAX + 1];
    snprintf(code, sizeof code, "%.*s", (int)(len > ICS_NAME_MAX ? ICS_NAME_MAX : len), p);
    const char *label = NULL;
    if (f->choices->source == ICS_CHOICES_FORM) {
      const ics_choice *c = ics_choice_find(f->choices, code);
      if (c) label = ics_text_get(c->label, lang);
    } else if (reg && f->choices->source == ICS_CHOICES_DISTRICTS) {
      const ics_district *d = ics_register_district(reg, code);
      if (d) label = ics_text_get(d->name, lang);
    } else if (reg) {
      const ics_agency *a = ics_register_agency(reg, code);
      if (a) label = ics_text_get(a->name, lang);
    }
    if (b.len) ics_buf_puts(&b, "; ");
    ics_buf_puts(&b, label ? label : code);
    p += len + (end != NULL);
  }
  return ics_buf_take(&b);
}

char *ics_record_title(const ics_record *rec, const ics_register *reg, ics_lang lang) {
  const ics_form *form = rec->form;
  ics_buf b = {0};
  for (size_t i = 0; i < form->title_field_count; i++) {
    char *shown = ics_record_display(rec, form->title_fields[i], reg, lang);
    if (!shown) {
      ics_buf_free(&b);
      return NULL;
    }
    if (*shown) ics_buf_printf(&b, "%s%s", b.len ? " · " : "", shown);
    ics_free(shown);
  }
  if (!b.failed && b.len == 0 && form->key >= 0 && rec->values[form->key])
    ics_buf_puts(&b, rec->values[form->key]);
  if (!b.failed && b.len == 0) return ics_strdup("");
  return ics_buf_take(&b);
}
