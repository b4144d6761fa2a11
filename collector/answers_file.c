/* answers_file.c - answers files (cli.md "The answers file"), read as a stream: YAML through
 * libyaml's event parser and CSV through a small RFC 4180 state machine, one record at a
 * time. Memory stays constant apart from the set of natural keys seen: no document tree is
 * built, every line and value is bounded, and each record is validated (schema.h) and handed
 * to the caller before the next one is read.
 *
 * Layers, bottom up: a byte source (file or memory) that strips a UTF-8 byte-order mark and
 * validates UTF-8, line lengths and (for YAML) the characters libyaml refuses, keeping
 * 1-based positions; the record builder shared by both syntaxes (answers, checks, duplicate
 * keys, the callback); the YAML reader; the CSV reader. */
#include "answers_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "answers_messages.h"

/* ---- messages ---------------------------------------------------------------------------- */
typedef enum { ANSWERS_MESSAGES(ICS_MESSAGE_ID) A_COUNT } answers_message;

static const ics_message messages[A_COUNT] = {ANSWERS_MESSAGES(ICS_MESSAGE_ENTRY)};

static const char *msg(answers_message id, ics_lang lang) {
  return ics_message_text(&messages[id], lang);
}

/* The header prefix of a CSV header problem, never translated (like "record N"). */
#define HEADER_PREFIX "header"

/* ---- the byte source ---------------------------------------------------------------------- */
typedef struct {
  FILE *fp;                /* a file, or */
  const unsigned char *mem; /* text in memory */
  size_t mem_len, mem_pos;
  unsigned char pending[4]; /* bytes read ahead while looking for a byte-order mark */
  size_t pending_len, pending_pos;
  bool started, eof;

  /* the validator's position: the byte after the last one validated */
  size_t offset;           /* bytes since the start of the file (a BOM included) */
  size_t chars;            /* characters so far, as libyaml counts them */
  long line;               /* 1-based */
  long col;                /* characters of the current line so far */
  size_t line_bytes;       /* bytes of the current line so far */
  bool prev_cr;            /* the last byte was CR (CR LF is one line break) */
  int need;                /* continuation bytes still expected */
  unsigned char lo, hi;    /* the range allowed for the next continuation byte */
  uint32_t cp;             /* the code point being decoded */
  size_t lead_offset;      /* where that code point began */
  long lead_line, lead_col;
  bool yaml;               /* refuse the control characters libyaml refuses */

  /* the first problem, reported by src_report (libyaml's read handler may not report) */
  bool failed;
  answers_message err;
  long err_line, err_col;
  size_t err_num;          /* the byte (A_NOT_UTF8), code point (A_CONTROL) or errno */
} source;

static void src_error(source *s, long line, long col, answers_message m, size_t num) {
  if (s->failed) return;
  s->failed = true;
  s->err = m;
  s->err_line = line;
  s->err_col = col;
  s->err_num = num;
}

static void src_report(const source *s, const char *name, ics_lang lang, ics_errors *diags) {
  const ics_message *fmt = &messages[s->err];
  int line = (int)s->err_line, col = (int)s->err_col;
  switch (s->err) {
  case A_CANNOT_READ:
    ics_errors_say(diags, lang, name, line, col, fmt, strerror((int)s->err_num));
    break;
  case A_NOT_UTF8:
  case A_NUL:
    ics_errors_say(diags, lang, name, line, col, fmt, s->err_num);
    break;
  case A_CONTROL:
    ics_errors_say(diags, lang, name, line, col, fmt, (unsigned)s->err_num);
    break;
  case A_LINE_TOO_LONG:
    ics_errors_say(diags, lang, name, line, col, fmt, ICS_ANSWERS_MAX_LINE);
    break;
  case A_RUNAWAY:
    ics_errors_say(diags, lang, name, line, col, fmt, ICS_ANSWERS_MAX_RUNAWAY, ICS_ANSWERS_MAX_VALUE);
    break;
  default: /* A_UTF16 */
    ics_errors_say(diags, lang, name, line, col, fmt);
    break;
  }
}

/* Raw bytes, without validation (a byte-order mark removed at the start). */
static size_t src_raw(source *s, unsigned char *buf, size_t size) {
  size_t got = 0;
  if (s->pending_pos < s->pending_len) {
    size_t n = s->pending_len - s->pending_pos;
    if (n > size) n = size;
    memcpy(buf, s->pending + s->pending_pos, n);
    s->pending_pos += n;
    got += n;
  }
  if (got < size && !s->eof) {
    size_t n;
    if (s->fp) {
      n = fread(buf + got, 1, size - got, s->fp);
      if (n < size - got) {
        if (ferror(s->fp)) {
          src_error(s, 0, 0, A_CANNOT_READ, (size_t)errno);
          return 0;
        }
        s->eof = true;
      }
    } else {
      n = s->mem_len - s->mem_pos;
      if (n > size - got) n = size - got;
      memcpy(buf + got, s->mem + s->mem_pos, n);
      s->mem_pos += n;
      if (s->mem_pos == s->mem_len) s->eof = true;
    }
    got += n;
  }
  return got;
}

static bool src_start(source *s) {
  s->started = true;
  s->line = 1;
  unsigned char head[3];
  s->pending_len = 0;
  size_t n = src_raw(s, head, 3);
  if (s->failed) return false;
  if (n >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF))) {
    src_error(s, 1, 1, A_UTF16, 0);
    return false;
  }
  if (n == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
    s->offset = 3; /* Notepad's and Excel's UTF-8 byte-order mark: not part of the text */
  } else {
    memcpy(s->pending, head, n);
    s->pending_len = n;
  }
  s->pending_pos = 0;
  return true;
}

static bool yaml_printable(uint32_t cp) {
  return cp == 0x85 || (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         cp >= 0x10000;
}

/* Checks n new bytes; false (with the error reported) at the first problem. */
static bool src_validate(source *s, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s->need == 0) { /* a run of printable ASCII, the bulk of any file, at once */
      size_t start = i;
      while (i < n && p[i] >= 0x20 && p[i] < 0x7F) i++;
      if (i > start) {
        size_t run = i - start;
        s->chars += run;
        s->col += (long)run;
        s->line_bytes += run;
        s->prev_cr = false;
        if (s->line_bytes > ICS_ANSWERS_MAX_LINE) {
          src_error(s, s->line, 1, A_LINE_TOO_LONG, 0);
          return false;
        }
        if (i == n) break;
      }
    }
    unsigned c = p[i];
    if (s->need == 0) {
      s->chars++;
      if (c < 0x80) {
        if (c == '\n' || c == '\r') {
          if (!(c == '\n' && s->prev_cr)) s->line++;
          s->prev_cr = c == '\r';
          s->col = 0;
          s->line_bytes = 0;
          continue;
        }
        s->prev_cr = false;
        s->col++;
        if (c != '\t' && (c < 0x20 || c == 0x7F)) { /* CR and LF were taken above */
          if (c == 0) src_error(s, s->line, s->col, A_NUL, s->offset + i + 1);
          else src_error(s, s->line, s->col, A_CONTROL, c);
          return false;
        }
        if (++s->line_bytes > ICS_ANSWERS_MAX_LINE) {
          src_error(s, s->line, 1, A_LINE_TOO_LONG, 0);
          return false;
        }
        continue;
      }
      s->prev_cr = false;
      s->col++;
      s->lead_offset = s->offset + i;
      s->lead_line = s->line;
      s->lead_col = s->col;
      s->lo = 0x80;
      s->hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        s->need = 1;
        s->cp = c & 0x1F;
      } else if (c >= 0xE0 && c <= 0xEF) {
        s->need = 2;
        s->cp = c & 0x0F;
        if (c == 0xE0) s->lo = 0xA0;      /* overlong */
        else if (c == 0xED) s->hi = 0x9F; /* surrogates */
      } else if (c >= 0xF0 && c <= 0xF4) {
        s->need = 3;
        s->cp = c & 0x07;
        if (c == 0xF0) s->lo = 0x90;      /* overlong */
        else if (c == 0xF4) s->hi = 0x8F; /* beyond U+10FFFF */
      } else {
        src_error(s, s->line, s->col, A_NOT_UTF8, s->offset + i + 1);
        return false;
      }
    } else {
      if (c < s->lo || c > s->hi) {
        src_error(s, s->lead_line, s->lead_col, A_NOT_UTF8, s->lead_offset + 1);
        return false;
      }
      s->cp = (s->cp << 6) | (c & 0x3F);
      s->lo = 0x80;
      s->hi = 0xBF;
      if (--s->need == 0 && s->yaml && !yaml_printable(s->cp)) {
        src_error(s, s->lead_line, s->lead_col, A_CONTROL, (unsigned)s->cp);
        return false;
      }
    }
    if (++s->line_bytes > ICS_ANSWERS_MAX_LINE) {
      src_error(s, s->line, 1, A_LINE_TOO_LONG, 0);
      return false;
    }
  }
  s->offset += n;
  return true;
}

/* Up to size validated bytes into buf; 0 at the end of the input or on an error (check
 * s->failed). */
static size_t src_read(source *s, unsigned char *buf, size_t size) {
  if (s->failed) return 0;
  if (!s->started && !src_start(s)) return 0;
  size_t n = src_raw(s, buf, size);
  if (s->failed) return 0;
  if (!src_validate(s, buf, n)) return 0;
  if (n == 0 && s->need > 0) { /* the file ends inside a character */
    src_error(s, s->lead_line, s->lead_col, A_NOT_UTF8, s->lead_offset + 1);
    return 0;
  }
  return n;
}

/* ---- a set of natural keys: key text -> the record that had it first ------------------------ */
typedef struct {
  const char *key; /* in the pool; NULL: free slot */
  size_t record;
  uint64_t hash;
} key_slot;

typedef struct key_block {
  struct key_block *next;
  size_t used, cap;
  char data[];
} key_block;

typedef struct {
  key_slot *slots;
  size_t cap, count; /* cap a power of two */
  key_block *blocks;
} key_set;

static uint64_t hash_text(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void keys_free(key_set *k) {
  ics_free(k->slots);
  for (key_block *b = k->blocks, *next; b; b = next) {
    next = b->next;
    ics_free(b);
  }
  memset(k, 0, sizeof *k);
}

static char *keys_store(key_set *k, const char *key) {
  size_t n = strlen(key) + 1;
  key_block *b = k->blocks;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    b = ics_malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = k->blocks;
    k->blocks = b;
  }
  char *copy = b->data + b->used;
  memcpy(copy, key, n);
  b->used += n;
  return copy;
}

/* The record that first had key, or 0 after adding it for `record`. Returns false when out
 * of memory. */
static bool keys_check(key_set *k, const char *key, size_t record, size_t *first) {
  *first = 0;
  if (k->count * 2 >= k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 1024;
    key_slot *slots = ics_calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < k->cap; i++) {
      if (!k->slots[i].key) continue;
      size_t j = (size_t)k->slots[i].hash & (cap - 1);
      while (slots[j].key) j = (j + 1) & (cap - 1);
      slots[j] = k->slots[i];
    }
    ics_free(k->slots);
    k->slots = slots;
    k->cap = cap;
  }
  uint64_t h = hash_text(key);
  size_t j = (size_t)h & (k->cap - 1);
  for (; k->slots[j].key; j = (j + 1) & (k->cap - 1))
    if (k->slots[j].hash == h && !strcmp(k->slots[j].key, key)) {
      *first = k->slots[j].record;
      return true;
    }
  const char *copy = keys_store(k, key);
  if (!copy) return false;
  k->slots[j] = (key_slot){copy, record, h};
  k->count++;
  return true;
}

/* ---- the record builder, shared by both syntaxes ------------------------------------------ */
typedef struct {
  const char *name; /* the file, as messages name it */
  const ics_answers_options *opt;
  const ics_form *form;
  ics_lang lang;
  ics_answers_callback callback;
  void *ctx;
  ics_errors *diags;
  size_t max_records;

  ics_record *rec;    /* the record being read */
  bool *given;        /* field given in this record */
  bool *bad;          /* field whose answer had an error (its checks are not reported again) */
  size_t record_no;   /* the current record, from 1; 0 before the first */
  bool record_failed; /* the current record has an error */
  size_t hint;        /* where to start looking up the next field name */
  size_t valid;       /* records handed to the callback */
  bool stop;          /* a fatal error, or the callback asked to stop */
  key_set keys;
} builder;

/* Appends s with invalid UTF-8 and control characters replaced by '?', at most max bytes
 * (cut at a character boundary, then "..."). */
static void put_clean(ics_buf *b, const char *s, size_t max) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, n = strlen(s);
  while (i < n) {
    size_t len;
    if (p[i] < 0x80) len = 1;
    else if (p[i] >= 0xC2 && p[i] <= 0xDF) len = 2;
    else if (p[i] >= 0xE0 && p[i] <= 0xEF) len = 3;
    else if (p[i] >= 0xF0 && p[i] <= 0xF4) len = 4;
    else len = 0;
    if (len && (i + len > n || !ics_utf8_valid(s + i, len, NULL))) len = 0;
    if (i + (len ? len : 1) > max) {
      ics_buf_puts(b, "...");
      return;
    }
    if (len == 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
      ics_buf_putc(b, '?');
      i++;
    } else {
      ics_buf_append(b, s + i, len);
      i += len;
    }
  }
}

enum { SHOWN_MAX = 64 }; /* bytes of a name or value from the file shown in a message */

/* Adds "PREFIX: FIELD: MESSAGE" (FIELD left out when NULL) at a position (0: none). The
 * prefix is "record N" for a record, "header" for the CSV header. */
static void report(builder *b, ics_code code, int line, int col, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void report(builder *b, ics_code code, int line, int col, const char *field,
                   const char *fmt, ...) {
  ics_buf m = {0};
  if (b->record_no) ics_buf_printf(&m, "record %zu: ", b->record_no);
  else ics_buf_puts(&m, HEADER_PREFIX ": ");
  if (field) {
    put_clean(&m, field, SHOWN_MAX);
    ics_buf_puts(&m, ": ");
  }
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(&m, fmt, ap);
  va_end(ap);
  ics_error e = {0};
  if (m.failed) ics_error_no_memory(&e, b->lang);
  else ics_error_set(&e, b->lang, code, m.data);
  ics_error_locate(&e, b->name, line, col);
  ics_errors_add(b->diags, &e);
  ics_buf_free(&m);
  b->record_failed = true;
}

/* A problem that is not about one record: the file, a limit, the syntax. */
static void fatal(builder *b, int line, int col, answers_message m, ...) {
  va_list ap;
  va_start(ap, m);
  ics_errors_vsay(b->diags, b->lang, b->name, line, col, &messages[m], ap);
  va_end(ap);
  b->stop = true;
  b->record_failed = true;
}

static void out_of_memory(builder *b) { fatal(b, 0, 0, A_NO_MEMORY); }

static bool builder_init(builder *b, const char *name, const ics_answers_options *opt,
                         ics_answers_callback callback, void *ctx, ics_errors *diags) {
  memset(b, 0, sizeof *b);
  b->name = name ? name : "";
  b->opt = opt;
  b->diags = diags;
  b->lang = opt ? opt->lang : ICS_VI;
  b->callback = callback;
  b->ctx = ctx;
  if (!opt || !opt->form) {
    fatal(b, 0, 0, A_NO_FORM);
    return false;
  }
  b->form = opt->form;
  b->max_records = opt->max_records ? opt->max_records : ICS_ANSWERS_DEFAULT_MAX_RECORDS;
  if (opt->mode == ICS_ANSWERS_PATCH && opt->base && opt->base->form == b->form)
    b->rec = ics_record_copy(opt->base);
  else
    b->rec = ics_record_new(b->form);
  size_t n = b->form->field_count;
  b->given = ics_calloc(n, sizeof *b->given);
  b->bad = ics_calloc(n, sizeof *b->bad);
  if (!b->rec || !b->given || !b->bad) {
    out_of_memory(b);
    return false;
  }
  return true;
}

static void builder_free(builder *b) {
  ics_record_free(b->rec);
  ics_free(b->given);
  ics_free(b->bad);
  keys_free(&b->keys);
}

/* Starts the next record; false when there may be no more. */
static bool begin_record(builder *b, int line, int col) {
  if (b->stop) return false;
  if (b->opt->mode == ICS_ANSWERS_PATCH && b->record_no >= 1) {
    fatal(b, line, col, A_PATCH_ONE);
    return false;
  }
  if (b->record_no >= b->max_records) {
    fatal(b, line, col, A_TOO_MANY_RECORDS, b->max_records);
    return false;
  }
  b->record_no++;
  b->record_failed = false;
  size_t n = b->form->field_count;
  if (b->opt->mode != ICS_ANSWERS_PATCH) /* a patch starts from the base, read once */
    for (size_t i = 0; i < n; i++) ics_record_clear(b->rec, (int)i);
  memset(b->given, 0, n * sizeof *b->given);
  memset(b->bad, 0, n * sizeof *b->bad);
  return true;
}

/* The field named `name` (the next one in form order is tried first), or -1. */
static int find_field(builder *b, const char *name) {
  size_t n = b->form->field_count;
  for (size_t k = 0; k < n; k++) {
    size_t i = (b->hint + k) % n;
    if (!strcmp(b->form->fields[i].name, name)) {
      b->hint = i + 1;
      return (int)i;
    }
  }
  return -1;
}

/* " (did you mean 'x'?)" for an unknown field name, or "". */
static void put_suggestion(builder *b, ics_buf *out, const char *name) {
  if (strlen(name) > 2 * ICS_NAME_MAX) return;
  const char *best = NULL;
  size_t best_d = 3;
  for (size_t i = 0; i < b->form->field_count; i++) {
    const ics_field *f = &b->form->fields[i];
    if (f->type == ICS_NOTE || f->type == ICS_CALCULATE) continue;
    size_t d = ics_edit_distance(name, f->name, 2);
    if (d < best_d) {
      best_d = d;
      best = f->name;
    }
  }
  if (best) ics_buf_printf(out, msg(A_DID_YOU_MEAN, b->lang), best);
}

static void unknown_field(builder *b, int line, int col, const char *name) {
  ics_buf m = {0};
  ics_buf_puts(&m, ics_status_message(ICS_E_UNKNOWN_FIELD, b->lang));
  put_suggestion(b, &m, name);
  report(b, ICS_E_UNKNOWN_FIELD, line, col, name, "%s", m.failed ? "?" : m.data);
  ics_buf_free(&m);
}

/* A field given a second time in one record; marks it given otherwise. */
static bool mark_given(builder *b, int field) {
  if (b->given[field]) {
    report(b, ICS_E_INVALID, 0, 0, b->form->fields[field].name, "%s", msg(A_TWICE, b->lang));
    return false;
  }
  b->given[field] = true;
  return true;
}

static bool blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

/* The status of a failed ics_record_set as a message: its text, the detail, and for a choice
 * list of the form that is short enough, the codes it has. */
static void answer_error(builder *b, int field, ics_code st, char *detail) {
  const ics_field *f = &b->form->fields[field];
  b->bad[field] = true;
  if (st == ICS_E_NO_MEMORY) {
    ics_free(detail);
    out_of_memory(b);
    return;
  }
  ics_buf m = {0};
  ics_buf_puts(&m, ics_status_message(st, b->lang));
  bool list = st == ICS_E_UNKNOWN_CHOICE && f->choices && f->choices->source == ICS_CHOICES_FORM &&
              f->choices->count <= 20;
  if (detail || list) {
    ics_buf_puts(&m, " (");
    if (detail) put_clean(&m, detail, 4 * SHOWN_MAX);
    if (detail && list) ics_buf_puts(&m, "; ");
    if (list) {
      ics_buf codes = {0};
      for (size_t i = 0; i < f->choices->count; i++) {
        if (i) ics_buf_puts(&codes, ", ");
        ics_buf_puts(&codes, f->choices->items[i].code);
      }
      ics_buf_printf(&m, msg(A_CHOICES, b->lang), codes.failed ? "?" : codes.data);
      ics_buf_free(&codes);
    }
    ics_buf_putc(&m, ')');
  }
  ics_free(detail);
  report(b, st, 0, 0, f->name, "%s", m.failed ? "?" : m.data);
  ics_buf_free(&m);
}

/* A value given as text; NULL or blank text is "no answer" (it clears the field of a patch). */
static void set_text(builder *b, int field, const char *text) {
  if (!text || blank(text)) {
    ics_record_clear(b->rec, field);
    return;
  }
  char *detail = NULL;
  ics_code st = ics_record_set(b->rec, field, text, b->opt->reg, b->lang, &detail);
  if (st != ICS_OK) answer_error(b, field, st, detail);
  else ics_free(detail);
}

/* A select_multiple given as separate codes (none: no answer). */
static void set_codes(builder *b, int field, const char *const *codes, size_t count) {
  if (count == 0) {
    ics_record_clear(b->rec, field);
    return;
  }
  char *detail = NULL;
  ics_code st = ics_record_set_codes(b->rec, field, codes, count, b->opt->reg, b->lang, &detail);
  if (st != ICS_OK) answer_error(b, field, st, detail);
  else ics_free(detail);
}

/* Checks the record as a whole, then hands it over. */
static void end_record(builder *b) {
  if (b->stop) return;
  const ics_form *form = b->form;
  ics_violations v = {0};
  int flags = b->opt->mode == ICS_ANSWERS_DRAFT ? ICS_CHECK_PARTIAL : 0;
  ics_code st = ics_record_check(b->rec, b->opt->reg, b->lang, flags, &v);
  if (st == ICS_E_NO_MEMORY) {
    ics_violations_free(&v);
    out_of_memory(b);
    return;
  }
  for (size_t i = 0; i < v.count; i++) {
    int f = v.items[i].field;
    if (f >= 0 && (size_t)f < form->field_count && b->bad[f]) continue; /* already reported */
    report(b, v.items[i].status, 0, 0, f >= 0 ? form->fields[f].name : NULL, "%s",
           v.items[i].message);
  }
  ics_violations_free(&v);

  const char *key = form->key >= 0 ? b->rec->values[form->key] : NULL;
  if (key && b->opt->mode != ICS_ANSWERS_PATCH) {
    size_t first;
    if (!keys_check(&b->keys, key, b->record_no, &first)) {
      out_of_memory(b);
      return;
    }
    if (first) {
      ics_buf shown = {0};
      put_clean(&shown, key, SHOWN_MAX);
      report(b, ICS_E_CONFLICT, 0, 0, form->fields[form->key].name, msg(A_DUPLICATE_KEY, b->lang),
             shown.failed ? "?" : shown.data, first);
      ics_buf_free(&shown);
    }
  }
  if (b->record_failed || b->stop) return;
  if (b->callback && b->callback(b->ctx, b->rec, b->record_no) != 0) {
    b->stop = true;
    return;
  }
  b->valid++;
}

/* After the whole input: a patch must have had its record. */
static void finish(builder *b) {
  if (!b->stop && b->opt->mode == ICS_ANSWERS_PATCH && b->record_no == 0)
    fatal(b, 0, 0, A_PATCH_ONE);
}

/* ---- YAML ----------------------------------------------------------------------------------
 * The shape is fixed: a sequence (the records) of mappings (field -> value), a value being a
 * scalar or, for select_multiple, a sequence of scalars. Anything else is skipped with an
 * error; libyaml's stacks are kept small by refusing deep nesting outright. */

/* What the reader needs of a libyaml event. */
typedef struct {
  yaml_event_type_t type;
  int line, col;        /* 1-based start */
  bool anchored;        /* carries an anchor, or is an alias */
  bool plain;           /* a plain scalar (where ~, null and nothing mean null) */
  bool too_long;        /* a scalar longer than ICS_ANSWERS_MAX_VALUE (value left empty) */
  bool has_nul;         /* a scalar holding a NUL (a "\0" escape): value is cut there */
  const char *value;    /* a scalar's text, NUL-terminated, in the libyaml event; "" else */
} yevent;

typedef struct {
  builder *b;
  source src;
  yaml_parser_t parser;
  size_t mark_index;    /* where the last event ended (characters), for the runaway check */
  long mark_line, mark_col;
  yevent ev;            /* the current event */
  yaml_event_t lib_ev;  /* the libyaml event behind it */
  bool have_lib_ev;
  char **codes;         /* the codes of a select_multiple being read */
  size_t code_count;
} yreader;

static int yaml_read(void *data, unsigned char *buffer, size_t size, size_t *size_read) {
  yreader *y = data;
  /* libyaml keeps a value it is scanning in memory: stop one that never ends */
  if (y->parser.mark.index > y->mark_index + ICS_ANSWERS_MAX_RUNAWAY) {
    src_error(&y->src, y->mark_line, y->mark_col, A_RUNAWAY, 0);
    return 0;
  }
  *size_read = src_read(&y->src, buffer, size);
  return !y->src.failed;
}

/* e describes le; a scalar's value points into le. */
static void describe(const yaml_event_t *le, yevent *e) {
  *e = (yevent){.type = le->type,
                .line = (int)le->start_mark.line + 1,
                .col = (int)le->start_mark.column + 1,
                .value = ""};
  switch (le->type) {
  case YAML_ALIAS_EVENT: e->anchored = true; break;
  case YAML_SEQUENCE_START_EVENT: e->anchored = le->data.sequence_start.anchor != NULL; break;
  case YAML_MAPPING_START_EVENT: e->anchored = le->data.mapping_start.anchor != NULL; break;
  case YAML_SCALAR_EVENT:
    e->anchored = le->data.scalar.anchor != NULL;
    e->plain = le->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    e->too_long = le->data.scalar.length > ICS_ANSWERS_MAX_VALUE;
    if (!e->too_long) {
      e->value = (const char *)le->data.scalar.value;
      e->has_nul = memchr(e->value, '\0', le->data.scalar.length) != NULL;
    }
    break;
  default: break;
  }
}

/* The next event from libyaml into y->ev; false when libyaml or the source failed. */
static bool fetch(yreader *y) {
  if (y->have_lib_ev) yaml_event_delete(&y->lib_ev);
  y->have_lib_ev = yaml_parser_parse(&y->parser, &y->lib_ev);
  if (!y->have_lib_ev) return false;
  y->mark_index = y->lib_ev.end_mark.index;
  y->mark_line = (long)y->lib_ev.end_mark.line + 1;
  y->mark_col = (long)y->lib_ev.end_mark.column + 1;
  describe(&y->lib_ev, &y->ev);
  return true;
}

/* The next event into y->ev; false on an error (reported) or after a fatal error. */
static bool next_event(yreader *y) {
  builder *b = y->b;
  if (b->stop) return false;
  if (!fetch(y)) {
    if (y->src.failed) { /* the source says why */
      src_report(&y->src, b->name, b->lang, b->diags);
      b->stop = true;
      b->record_failed = true;
      return false;
    }
    if (y->parser.error == YAML_MEMORY_ERROR) {
      ics_alloc_note_failure();
      out_of_memory(b);
      return false;
    }
    long line = (long)y->parser.problem_mark.line + 1, col = (long)y->parser.problem_mark.column + 1;
    if (y->parser.error == YAML_READER_ERROR) { /* no mark: the scanner's position is close */
      line = (long)y->parser.mark.line + 1;
      col = (long)y->parser.mark.column + 1;
    } else if (y->parser.context && y->src.eof && y->parser.problem_mark.index >= y->src.chars) {
      /* the file ended inside something (an unclosed quote): say where that began */
      line = (long)y->parser.context_mark.line + 1;
      col = (long)y->parser.context_mark.column + 1;
    }
    ics_buf what = {0};
    ics_buf_puts(&what, y->parser.problem ? y->parser.problem : "?");
    if (y->parser.context) ics_buf_printf(&what, " (%s)", y->parser.context);
    fatal(b, (int)line, (int)col, A_YAML_SYNTAX, what.failed ? "?" : what.data);
    ics_buf_free(&what);
    return false;
  }
  const yevent *e = &y->ev;
  if (e->anchored) {
    fatal(b, e->line, e->col, A_ALIAS);
    return false;
  }
  if (e->too_long) {
    fatal(b, e->line, e->col, A_VALUE_TOO_LONG, ICS_ANSWERS_MAX_VALUE);
    return false;
  }
  return true;
}

static bool is_start(const yevent *e) {
  return e->type == YAML_SEQUENCE_START_EVENT || e->type == YAML_MAPPING_START_EVENT;
}

/* Skips the node whose first event is the current one. `depth` is how deep that node is. */
static bool skip_node(yreader *y, int depth) {
  if (!is_start(&y->ev)) return true;
  int open = 1;
  while (open > 0) {
    if (!next_event(y)) return false;
    if (is_start(&y->ev)) {
      open++;
      if (depth + open > ICS_DEF_MAX_DEPTH) {
        fatal(y->b, y->ev.line, y->ev.col, A_TOO_DEEP, ICS_DEF_MAX_DEPTH);
        return false;
      }
    } else if (y->ev.type == YAML_SEQUENCE_END_EVENT || y->ev.type == YAML_MAPPING_END_EVENT) {
      open--;
    }
  }
  return true;
}

static bool plain_null(const yevent *e) {
  if (e->type != YAML_SCALAR_EVENT || !e->plain) return false;
  const char *s = e->value;
  switch (s[0]) {
  case '\0': return true;
  case '~': return s[1] == '\0';
  case 'n': case 'N': return !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
  default: return false;
  }
}

static void free_codes(yreader *y) {
  for (size_t i = 0; i < y->code_count; i++) ics_free(y->codes[i]);
  y->code_count = 0;
}

/* A value holding a NUL ("\0" in double quotes) is refused like other control characters. */
static void nul_value(builder *b, int field) {
  b->bad[field] = true;
  report(b, ICS_E_TEXT_INVALID, 0, 0, b->form->fields[field].name, "%s",
         ics_status_message(ICS_E_TEXT_INVALID, b->lang));
}

/* A sequence of codes for a select_multiple field (the current event starts it). */
static bool read_codes(yreader *y, int field) {
  builder *b = y->b;
  const char *name = b->form->fields[field].name;
  bool ok = true;
  for (;;) {
    if (!next_event(y)) return false;
    const yevent *e = &y->ev;
    if (e->type == YAML_SEQUENCE_END_EVENT) break;
    if (e->type != YAML_SCALAR_EVENT || plain_null(e)) {
      if (ok) report(b, ICS_E_SYNTAX, e->line, e->col, name, "%s", msg(A_CODE_NOT_SCALAR, b->lang));
      ok = false;
      if (!skip_node(y, 4)) return false;
      continue;
    }
    if (!ok) continue;
    if (e->has_nul) {
      nul_value(b, field);
      ok = false;
      continue;
    }
    if (y->code_count == ICS_ANSWERS_MAX_CODES) {
      report(b, ICS_E_LIMIT, e->line, e->col, name, msg(A_TOO_MANY_CODES, b->lang), ICS_ANSWERS_MAX_CODES);
      ok = false;
      continue;
    }
    /* a code written with spaces around it is still the code */
    const char *s = e->value + strspn(e->value, " \t");
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    char *code = ics_strndup(s, len);
    if (!code) {
      out_of_memory(b);
      return false;
    }
    y->codes[y->code_count++] = code;
  }
  if (ok) set_codes(b, field, (const char *const *)y->codes, y->code_count);
  else b->bad[field] = true;
  free_codes(y);
  return !b->stop;
}

/* One record's answers: the current event starts its mapping. */
static bool read_record(yreader *y) {
  builder *b = y->b;
  for (;;) {
    if (!next_event(y)) return false;
    const yevent *e = &y->ev;
    if (e->type == YAML_MAPPING_END_EVENT) break;
    if (e->type != YAML_SCALAR_EVENT) {
      report(b, ICS_E_SYNTAX, e->line, e->col, NULL, "%s", msg(A_KEY_NOT_SCALAR, b->lang));
      if (!skip_node(y, 3) || !next_event(y) || !skip_node(y, 3)) return false;
      continue;
    }
    int field = e->has_nul ? -1 : find_field(b, e->value);
    if (field < 0 && e->has_nul) { /* shown with '?' for the NUL, as other control characters */
      ics_buf shown = {0};
      for (size_t i = 0; i < y->lib_ev.data.scalar.length; i++)
        ics_buf_putc(&shown, e->value[i] ? e->value[i] : '?');
      unknown_field(b, 0, 0, shown.failed ? "?" : shown.data);
      ics_buf_free(&shown);
      if (!next_event(y) || !skip_node(y, 3)) return false;
      continue;
    }
    if (field < 0) {
      unknown_field(b, 0, 0, e->value);
      if (!next_event(y) || !skip_node(y, 3)) return false;
      continue;
    }
    bool first = mark_given(b, field);
    if (!next_event(y)) return false;
    const ics_field *f = &b->form->fields[field];
    if (!first) {
      if (!skip_node(y, 3)) return false;
    } else if (e->type == YAML_SCALAR_EVENT) {
      if (e->has_nul) nul_value(b, field);
      else set_text(b, field, plain_null(e) ? NULL : e->value);
    } else if (e->type == YAML_SEQUENCE_START_EVENT && f->type == ICS_SELECT_MULTIPLE) {
      if (!read_codes(y, field)) return false;
    } else {
      b->bad[field] = true;
      report(b, ICS_E_INVALID, e->line, e->col, f->name, "%s",
             msg(e->type == YAML_SEQUENCE_START_EVENT ? A_LIST_NOT_MULTIPLE : A_NESTED, b->lang));
      if (!skip_node(y, 3)) return false;
    }
    if (b->stop) return false;
  }
  return true; /* checked by the caller once the next event shows the syntax goes on */
}

static void read_yaml(builder *b, source *src) {
  yreader y = {.b = b, .src = *src, .mark_line = 1, .mark_col = 1};
  y.src.yaml = true;
  y.codes = ics_calloc(ICS_ANSWERS_MAX_CODES, sizeof *y.codes);
  if (!y.codes) {
    out_of_memory(b);
    return;
  }
  if (!yaml_parser_initialize(&y.parser)) {
    ics_free(y.codes);
    ics_alloc_note_failure();
    out_of_memory(b);
    return;
  }
  yaml_parser_set_input(&y.parser, yaml_read, &y);
  yaml_parser_set_encoding(&y.parser, YAML_UTF8_ENCODING);

  int documents = 0;
  bool records = false; /* the root was a sequence */
  while (next_event(&y)) {
    const yevent *e = &y.ev;
    if (e->type == YAML_STREAM_END_EVENT) break;
    if (e->type == YAML_DOCUMENT_START_EVENT) {
      if (++documents > 1) {
        fatal(b, e->line, e->col, A_TWO_DOCUMENTS);
        break;
      }
      continue;
    }
    if (e->type != YAML_SEQUENCE_START_EVENT && e->type != YAML_MAPPING_START_EVENT &&
        e->type != YAML_SCALAR_EVENT)
      continue; /* stream start, document end */
    if (plain_null(e)) break; /* "~" or "---" alone: nothing */
    if (e->type != YAML_SEQUENCE_START_EVENT) {
      fatal(b, e->line, e->col, A_NOT_SEQUENCE);
      break;
    }
    records = true;
    /* A record is checked once the event after it was read: a syntax error right after its
     * end (a bad indentation closes the mapping first) leaves it unreported. */
    bool pending = false;
    for (;;) {
      if (!next_event(&y)) break;
      if (pending) {
        pending = false;
        end_record(b);
        if (b->stop) break;
      }
      e = &y.ev;
      if (e->type == YAML_SEQUENCE_END_EVENT) break;
      if (!begin_record(b, e->line, e->col)) break;
      if (e->type == YAML_MAPPING_START_EVENT) {
        if (!read_record(&y)) break;
        pending = true;
      } else {
        report(b, ICS_E_SYNTAX, e->line, e->col, NULL, "%s", msg(A_NOT_MAPPING, b->lang));
        if (!skip_node(&y, 2)) break;
      }
    }
    if (b->stop) break;
  }
  if (!b->stop && !records) fatal(b, 0, 0, A_EMPTY);
  if (y.have_lib_ev) yaml_event_delete(&y.lib_ev);
  yaml_parser_delete(&y.parser);
  free_codes(&y);
  ics_free(y.codes);
  *src = y.src;
}

/* ---- CSV ---------------------------------------------------------------------------------
 * RFC 4180 with the usual leniencies: LF or CR LF (or CR) line breaks, blank lines skipped,
 * a last line without a break. Positions (for the header and quoting problems) are worked out
 * only when needed, so that a line is never scanned twice per cell. */
enum { CSV_CHUNK = 65536 };

typedef enum { C_FIELD_START, C_UNQUOTED, C_QUOTED, C_QUOTE_SEEN } csv_state;

typedef struct {
  builder *b;
  csv_state state;
  bool skip_lf;       /* drop a LF right after a CR */
  bool row_empty;     /* nothing of the current row seen yet */
  bool row_bad_quote; /* a quote problem in this row was reported */

  /* the position of the next byte: its line, and its column from the current line's start */
  long line;
  long carry_cols;    /* characters of the current line in earlier chunks */
  size_t line_start;  /* where the current line began in the chunk (0: in an earlier one) */
  const unsigned char *chunk;

  /* the quoted value being read: where it began (the column is found when needed) */
  long quote_line, quote_col;   /* quote_col 0: not worked out yet */
  long quote_carry;
  size_t quote_line_start, quote_index;

  ics_buf row;        /* the cells of the row, each NUL-terminated */
  size_t *cell_off;   /* where each stored cell begins in row */
  long *cell_line, *cell_col; /* the header's: where each cell begins */
  size_t cells;       /* cells of the row so far (stored or not) */
  size_t cell_start;  /* where the current cell began in row */

  bool have_header;
  size_t columns;     /* of the header */
  int *column_field;  /* per column: its field, -1 for a column without a name */
} creader;

static long count_chars(const unsigned char *p, size_t from, size_t to) {
  long n = 0;
  for (size_t k = from; k < to; k++)
    if ((p[k] & 0xC0) != 0x80) n++;
  return n;
}

/* The 1-based column of byte i of the chunk, on the current line. */
static long csv_col(const creader *c, size_t i) {
  return c->carry_cols + 1 + count_chars(c->chunk, c->line_start, i);
}

static long quote_col(creader *c) {
  if (!c->quote_col)
    c->quote_col = c->quote_carry + 1 + count_chars(c->chunk, c->quote_line_start, c->quote_index);
  return c->quote_col;
}

/* Stores the current cell; false on a limit. */
static bool csv_end_cell(creader *c) {
  builder *b = c->b;
  size_t limit = c->have_header ? c->columns + 1 : ICS_ANSWERS_MAX_COLUMNS;
  if (c->cells < limit) {
    ics_buf_putc(&c->row, '\0');
    c->cell_off[c->cells] = c->cell_start;
  }
  c->cells++;
  if (!c->have_header && c->cells > ICS_ANSWERS_MAX_COLUMNS) {
    fatal(b, (int)c->line, 1, A_TOO_MANY_COLUMNS, ICS_ANSWERS_MAX_COLUMNS);
    return false;
  }
  if (c->row.failed) {
    out_of_memory(b);
    return false;
  }
  c->cell_start = c->row.len;
  return true;
}

static bool csv_header(creader *c) {
  builder *b = c->b;
  c->columns = c->cells;
  c->column_field = ics_calloc(c->columns, sizeof *c->column_field);
  if (!c->column_field) {
    out_of_memory(b);
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < c->columns; i++) {
    char *name = c->row.data + c->cell_off[i];
    /* spaces around a name are a spreadsheet's, not the user's */
    name += strspn(name, " \t");
    size_t len = strlen(name);
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t')) name[--len] = '\0';
    c->column_field[i] = -1;
    if (!len) continue; /* a column without a name must stay empty (see csv_record) */
    int line = (int)c->cell_line[i], col = (int)c->cell_col[i];
    int field = find_field(b, name);
    if (field < 0) {
      ics_buf m = {0};
      ics_buf_puts(&m, ics_status_message(ICS_E_UNKNOWN_FIELD, b->lang));
      put_suggestion(b, &m, name);
      if (c->columns == 1 && (strchr(name, ';') || strchr(name, '\t')))
        ics_buf_printf(&m, msg(A_SEPARATOR, b->lang), strchr(name, ';') ? ";" : "\\t");
      report(b, ICS_E_UNKNOWN_FIELD, line, col, name, "%s", m.failed ? "?" : m.data);
      ics_buf_free(&m);
      ok = false;
      continue;
    }
    for (size_t j = 0; j < i; j++)
      if (c->column_field[j] == field) {
        report(b, ICS_E_INVALID, line, col, name, msg(A_COLUMN_TWICE, b->lang), j + 1);
        ok = false;
        break;
      }
    c->column_field[i] = field;
  }
  /* with a column misnamed every record would be wrong the same way: stop at the header */
  if (!ok) b->stop = true;
  c->have_header = true;
  return ok;
}

static bool csv_record(creader *c) {
  builder *b = c->b;
  if (!begin_record(b, 0, 0)) return false;
  if (c->row_bad_quote) b->record_failed = true;
  if (c->cells != c->columns) {
    report(b, ICS_E_SYNTAX, 0, 0, NULL, msg(A_CELL_COUNT, b->lang), c->cells, c->columns);
    return !b->stop;
  }
  for (size_t i = 0; i < c->columns && !b->stop; i++) {
    const char *text = c->row.data + c->cell_off[i];
    int field = c->column_field[i];
    if (field < 0) {
      if (!blank(text)) report(b, ICS_E_INVALID, 0, 0, NULL, msg(A_UNNAMED_COLUMN, b->lang), i + 1);
      continue;
    }
    b->given[field] = true;
    set_text(b, field, text);
  }
  end_record(b);
  return !b->stop;
}

/* The end of a row (at a line break or the end of the file). */
static bool csv_end_row(creader *c) {
  bool ok = true;
  if (!c->row_empty) { /* blank lines are skipped */
    if (!csv_end_cell(c)) return false;
    ok = c->have_header ? csv_record(c) : csv_header(c);
  }
  c->row.len = 0;
  if (c->row.data) c->row.data[0] = '\0';
  c->cells = 0;
  c->cell_start = 0;
  c->row_empty = true;
  c->row_bad_quote = false;
  c->state = C_FIELD_START;
  return ok && !c->b->stop;
}

/* A quote where RFC 4180 allows none: reported once per row; the row is refused (the header:
 * the file is). */
static bool csv_bad_quote(creader *c, size_t i) {
  builder *b = c->b;
  if (!c->row_bad_quote) {
    size_t saved = b->record_no;
    if (c->have_header) b->record_no++; /* the record this row will be */
    report(b, ICS_E_SYNTAX, (int)c->line, (int)csv_col(c, i), NULL, "%s", msg(A_BAD_QUOTE, b->lang));
    b->record_no = saved;
    if (!c->have_header) b->stop = true;
  }
  c->row_bad_quote = true;
  return !b->stop;
}

static void csv_newline(creader *c, size_t next) {
  c->line++;
  c->line_start = next;
  c->carry_cols = 0;
}

/* Parses one chunk of validated bytes. */
static bool csv_chunk(creader *c, const unsigned char *p, size_t n) {
  builder *b = c->b;
  c->chunk = p;
  c->line_start = 0;
  c->quote_line_start = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char ch = p[i];
    if (c->skip_lf) {
      c->skip_lf = false;
      if (ch == '\n') {
        i++;
        continue; /* the line was counted at the CR */
      }
    }
    if (c->state == C_FIELD_START) {
      if (!c->have_header) {
        c->cell_line[c->cells] = c->line;
        c->cell_col[c->cells] = csv_col(c, i);
      }
      if (ch == '"') {
        c->row_empty = false;
        c->quote_line = c->line;
        c->quote_col = 0;
        c->quote_carry = c->carry_cols;
        c->quote_line_start = c->line_start;
        c->quote_index = i;
        c->state = C_QUOTED;
        i++;
        continue;
      }
      c->state = C_UNQUOTED;
    }
    switch (c->state) {
    case C_FIELD_START: /* left above */
    case C_UNQUOTED: {
      size_t start = i;
      while (i < n && p[i] != ',' && p[i] != '"' && p[i] != '\r' && p[i] != '\n') i++;
      if (i > start) {
        ics_buf_append(&c->row, (const char *)p + start, i - start);
        c->row_empty = false;
      }
      if (i == n) break;
      ch = p[i];
      if (ch == ',') {
        c->row_empty = false;
        if (!csv_end_cell(c)) return false;
        c->state = C_FIELD_START;
        i++;
      } else if (ch == '"') {
        c->row_empty = false;
        if (!csv_bad_quote(c, i)) return false;
        ics_buf_putc(&c->row, '"');
        i++;
      } else { /* a line break ends the row */
        c->skip_lf = ch == '\r';
        i++;
        csv_newline(c, i);
        if (!csv_end_row(c)) return false;
      }
      break;
    }
    case C_QUOTED: {
      size_t start = i;
      while (i < n && p[i] != '"' && p[i] != '\r' && p[i] != '\n') i++;
      ics_buf_append(&c->row, (const char *)p + start, i - start);
      if (i == n) break;
      ch = p[i++];
      if (ch == '"') {
        c->state = C_QUOTE_SEEN;
      } else { /* CR LF, CR or LF inside quotes: one LF, as text answers store it */
        ics_buf_putc(&c->row, '\n');
        c->skip_lf = ch == '\r';
        quote_col(c); /* before the line it is on is left behind */
        csv_newline(c, i);
      }
      break;
    }
    case C_QUOTE_SEEN:
      if (ch == '"') { /* "" inside quotes */
        ics_buf_putc(&c->row, '"');
        c->state = C_QUOTED;
        i++;
      } else {
        /* the value ended: a separator or line break comes next, anything else is wrong */
        if (ch != ',' && ch != '\r' && ch != '\n' && !csv_bad_quote(c, i)) return false;
        c->state = C_UNQUOTED;
      }
      break;
    }
    if (c->row.len - c->cell_start > ICS_ANSWERS_MAX_VALUE) {
      bool quoted = c->state == C_QUOTED || c->state == C_QUOTE_SEEN;
      fatal(b, (int)(quoted ? c->quote_line : c->line), (int)(quoted ? quote_col(c) : 1),
            A_VALUE_TOO_LONG, ICS_ANSWERS_MAX_VALUE);
      return false;
    }
    if (c->row.len > ICS_ANSWERS_MAX_ROW) {
      fatal(b, (int)c->line, 1, A_ROW_TOO_LONG, ICS_ANSWERS_MAX_ROW);
      return false;
    }
    if (c->row.failed) {
      out_of_memory(b);
      return false;
    }
  }
  /* what this chunk knows of positions, before it is gone */
  if (c->state == C_QUOTED || c->state == C_QUOTE_SEEN) quote_col(c);
  c->carry_cols = csv_col(c, n) - 1;
  c->line_start = n;
  return true;
}

static void read_csv(builder *b, source *src) {
  creader *c = ics_calloc(1, sizeof *c);
  unsigned char *buf = ics_malloc(CSV_CHUNK);
  if (c) {
    c->cell_off = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_off);
    c->cell_line = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_line);
    c->cell_col = ics_calloc(ICS_ANSWERS_MAX_COLUMNS + 1, sizeof *c->cell_col);
  }
  if (!c || !buf || !c->cell_off || !c->cell_line || !c->cell_col) out_of_memory(b);
  else {
    c->b = b;
    c->line = 1;
    c->row_empty = true;
  }
  while (!b->stop) {
    size_t n = src_read(src, buf, CSV_CHUNK);
    if (src->failed) {
      src_report(src, b->name, b->lang, b->diags);
      b->stop = true;
      break;
    }
    if (n == 0) { /* the end */
      if (c->state == C_QUOTED) {
        fatal(b, (int)c->quote_line, (int)c->quote_col, A_UNTERMINATED);
        break;
      }
      if (!c->row_empty) csv_end_row(c);
      break;
    }
    if (!csv_chunk(c, buf, n)) break;
  }
  if (!b->stop && !c->have_header) fatal(b, 0, 0, A_EMPTY);
  else if (!b->stop && b->record_no == 0 && b->opt->mode != ICS_ANSWERS_PATCH)
    fatal(b, 0, 0, A_NO_RECORDS); /* a patch says it must hold one record */
  if (c) {
    ics_buf_free(&c->row);
    ics_free(c->cell_off);
    ics_free(c->cell_line);
    ics_free(c->cell_col);
    ics_free(c->column_field);
  }
  ics_free(c);
  ics_free(buf);
}

/* ---- entry points ------------------------------------------------------------------------- */
static size_t run(builder *b, source *src, bool csv) {
  if (csv) read_csv(b, src);
  else read_yaml(b, src);
  finish(b);
  size_t valid = b->valid;
  builder_free(b);
  return valid;
}

size_t ics_answers_parse(const char *name, const char *text, size_t len, bool csv,
                         const ics_answers_options *options, ics_answers_callback callback,
                         void *ctx, ics_errors *diags) {
  builder b;
  if (!builder_init(&b, name, options, callback, ctx, diags)) {
    builder_free(&b);
    return 0;
  }
  source src = {.mem = (const unsigned char *)(text ? text : ""), .mem_len = text ? len : 0};
  if (src.mem_len == 0) src.eof = true;
  return run(&b, &src, csv);
}

static bool is_csv_path(const char *path) {
  size_t n = strlen(path);
  if (n < 4) return false;
  const char *ext = path + n - 4;
  return ext[0] == '.' && (ext[1] | 0x20) == 'c' && (ext[2] | 0x20) == 's' &&
         (ext[3] | 0x20) == 'v';
}

size_t ics_answers_read(const char *path, const ics_answers_options *options,
                        ics_answers_callback callback, void *ctx, ics_errors *diags) {
  builder b;
  if (!builder_init(&b, path, options, callback, ctx, diags)) {
    builder_free(&b);
    return 0;
  }
  FILE *fp;
  ics_code status = ics_open_regular(path, &fp);
  if (status != ICS_OK) {
    int err = errno;
    ics_errors_say(diags, b.lang, path, 0, 0, &messages[A_CANNOT_READ],
                   status == ICS_E_NOT_FOUND     ? msg(A_NOT_FOUND, b.lang)
                   : status == ICS_E_NOT_REGULAR ? msg(A_NOT_REGULAR, b.lang)
                   : status == ICS_E_NO_MEMORY   ? msg(A_NO_MEMORY, b.lang)
                                                 : strerror(err));
    builder_free(&b);
    return 0;
  }
  source src = {.fp = fp};
  size_t valid = run(&b, &src, is_csv_path(path));
  fclose(fp);
  return valid;
}
