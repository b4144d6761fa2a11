/* kit.c - writing and reading survey kits (docs/kit-format.md).
 *
 * A kit is small (at most ICS_KIT_MAX_FILE bytes, ICS_KIT_MAX_CONTENT bytes of content), so
 * both sides hold the whole content in memory.
 *
 * Reading: the gzip header is checked byte by byte, the deflate data inflated (never more than
 * one byte past the content limit), its CRC-32 and length checked, and nothing may follow the
 * member; only then is the content parsed, so that damage is always reported as damage. The
 * lines are parsed where they lie, the SHA-256 and the signature verified, and last what the
 * kit carries is loaded with the schema loaders (register, definitions, targets).
 *
 * Writing: the fields are checked by the same functions as the reader's, the texts loaded by
 * the same semantic checks; then the content is built, hashed, signed and gzipped in memory,
 * and written beside the target and renamed over it (ics_output). */
#include "kit.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ics_syntax.h"
#include "kit_messages.h"
#include "schema.h"

/* ---- messages (kit_messages.h) ------------------------------------------------------------ */
typedef enum { ICS_KIT_MESSAGES(ICS_MESSAGE_ID) KM_COUNT } kit_message;

static const ics_message messages[KM_COUNT] = {ICS_KIT_MESSAGES(ICS_MESSAGE_ENTRY)};

static const char *kit_msg(kit_message id, ics_lang lang) {
  return ics_message_text(&messages[id], lang);
}

/* ---- the format's constants ---------------------------------------------------------------- */

static const char KIT_MAGIC[] = "ictsurvey-kit: ";
/* What the signature signs: this, then the "end: SHA256HEX\n" line. */
static const char SIGNATURE_CONTEXT[] = "ictsurvey-kit-signature-1\n";
/* The gzip header's FNAME field (with its NUL). */
static const char GZIP_NAME[] = "ictsurvey-kit";

enum {
  GZIP_HEADER = 10 + sizeof GZIP_NAME, /* 24 bytes: fixed part, name, NUL */
  GZIP_TRAILER = 8,                    /* CRC-32 and ISIZE */
  KEY_HEX = 2 * ICS_KEY_BYTES,         /* the keys (X25519 and Ed25519 public keys alike) */
  SIGNATURE_HEX = 128,                 /* 64-byte signatures */
  EXCERPT = 96,                        /* room for an excerpt of the input in a message */
  WHAT = ICS_ID_MAX + 64               /* room for "the definition of form 'ID'" */
};
#define NO_AT SIZE_MAX /* a problem at no line */
_Static_assert((int)ICS_KEY_BYTES == (int)ICS_SIGN_PUBLIC_BYTES, "one KEY_HEX for both keys");


/* ---- errors --------------------------------------------------------------------------------
 * Reading: content is the content, for line numbers (NULL before it is inflated, and when
 * writing: then no line is named). pos is where the next line starts, at where the current
 * one started. */
typedef struct {
  ics_lang lang;
  ics_error *err; /* the caller's (may be NULL): the first problem */
  const char *content;
  size_t len;
  size_t pos, at;
} kctx;

/* The line (1-based) of the content that the byte at pos is on. */
static unsigned long long line_of(const kctx *c, size_t pos) {
  unsigned long long line = 1;
  const char *p = c->content, *end = c->content + pos;
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
    line++;
    p++;
  }
  return line;
}

/* Says "line N: MESSAGE" (at: a content offset; NO_AT: no line) and returns -1. The line is
 * one of the content, not of the file (gzip data): it is part of the message, not a place. */
static int fail(kctx *c, size_t at, kit_message id, ...) {
  if (!c->err || c->err->code != ICS_OK) return -1; /* the first problem stays */
  va_list ap;
  va_start(ap, id);
  ics_error_vsay_at(c->err, c->lang, NULL, 0, 0, &messages[id], ap);
  va_end(ap);
  if (at != NO_AT && c->content)
    ics_error_prefix(c->err, kit_msg(KM_AT_LINE, c->lang), line_of(c, at));
  return -1;
}

static int no_memory(kctx *c) {
  ics_error_no_memory(c->err, c->lang);
  return -1;
}

/* Says id, whose one argument is what errno means, with errno's code; returns -1. */
static int fail_errno(kctx *c, kit_message id) {
  int e = errno;
  ics_error_say_as(c->err, c->lang, ics_code_from_errno(e), NULL, 0, 0, &messages[id], ics_errno_text(e, c->lang));
  return -1;
}

static void excerpt(char out[EXCERPT], const char *s, size_t n) { ics_excerpt(out, EXCERPT, s, n); }

/* "the register text", "the definition of form 'ID'", "the targets text" */
static void describe(const kctx *c, kit_message what, const char *id, char out[WHAT]) {
  snprintf(out, WHAT, kit_msg(what, c->lang), id ? id : "");
}

/* ---- the fields, checked the same way when reading and when writing ------------------------ */

static int check_uuid(kctx *c, const char *key, const char *s, size_t n) {
  if (ics_uuid_parse(s, n, NULL)) return 0;
  char ex[EXCERPT];
  excerpt(ex, s, n);
  return fail(c, c->at, KM_BAD_UUID, key, ex);
}

static int check_time(kctx *c, const char *key, const char *s, size_t n) {
  if (ics_time_valid(s, n)) return 0;
  char ex[EXCERPT];
  excerpt(ex, s, n);
  return fail(c, c->at, KM_BAD_TIME, key, ex);
}

static int check_form(kctx *c, const char *id, size_t id_len, const char *version,
                      size_t version_len, const char *hash, size_t hash_len) {
  char ex[EXCERPT], ex2[EXCERPT];
  excerpt(ex, id, id_len);
  if (!ics_id_valid(id, id_len)) return fail(c, c->at, KM_BAD_FORM_ID, ex);
  if (!ics_version_valid(version, version_len)) {
    excerpt(ex2, version, version_len);
    return fail(c, c->at, KM_BAD_VERSION, ex2, ex);
  }
  if (!ics_hash_valid(hash, hash_len)) return fail(c, c->at, KM_BAD_HASH, ex);
  return 0;
}

/* prev is the form before id (NULL for the first): ids are sorted and unique. */
static int check_form_order(kctx *c, const char *prev, const char *id) {
  if (!prev) return 0;
  int cmp = strcmp(prev, id);
  if (cmp == 0) return fail(c, c->at, KM_DUPLICATE_FORM, id);
  if (cmp > 0) return fail(c, c->at, KM_UNSORTED, id, prev);
  return 0;
}

/* A block's text: UTF-8 with no control characters but TAB, LF and CR. start: its offset in
 * the content when reading (the line of a bad byte is named). */
static int check_block_text(kctx *c, const char *what, const char *s, size_t n, size_t start) {
  bool control = false;
  size_t bad = ics_text_scan(s, n, ICS_TEXT_ALLOW('\t') | ICS_TEXT_ALLOW('\n') | ICS_TEXT_ALLOW('\r'),
                             &control);
  if (bad == n) return 0;
  size_t at = start == NO_AT ? NO_AT : start + bad;
  if (control) return fail(c, at, KM_BLOCK_CONTROL, what, (unsigned)(unsigned char)s[bad], bad);
  return fail(c, at, KM_BLOCK_UTF8, what, bad);
}

/* Whether a schema loader ran out of memory: then its other problems may be its own. */
static bool ran_out(const ics_errors *diags) { return ics_errors_no_memory(diags, 0); }

/* A problem reported by a schema loader: "WHAT is not valid: FILE:LINE:COLUMN: error: ...", or
 * out of memory when the loader ran out on the way. */
static int schema_problem(kctx *c, size_t at, const char *what, const ics_errors *diags) {
  if (ran_out(diags)) return no_memory(c);
  char *diag = diags->count ? ics_error_format(&diags->items[0]) : NULL;
  if (diags->count && !diag) return no_memory(c);
  int rc = fail(c, at, KM_SCHEMA, what, diag ? diag : "?");
  ics_free(diag);
  return rc;
}

/* What the kit carries, loaded as a store would load it: the register, each definition (whose
 * id, version and hash must be those of its form line) and the targets against the forms.
 * at: the offsets of the register:, definition: and targets: lines when reading, else NULL. */
static int check_meaning(kctx *c, const ics_kit_form *const *forms, size_t count,
                         const char *reg_text, size_t reg_len, const char *targets_text,
                         size_t targets_len, const size_t *at) {
  char what[WHAT];
  ics_errors diags = {0};
  int rc = 0;
  ics_register *reg = ics_register_parse("units.yaml", reg_text ? reg_text : "", reg_len, c->lang,
                                         &diags);
  if (!reg) {
    describe(c, KM_WHAT_REGISTER, NULL, what);
    rc = schema_problem(c, at ? at[0] : NO_AT, what, &diags);
  }
  ics_register_free(reg);
  ics_errors_free(&diags);
  ics_form **loaded = rc ? NULL : ics_calloc(count, sizeof *loaded);
  if (!rc && !loaded) rc = no_memory(c);
  for (size_t i = 0; !rc && i < count; i++) {
    const ics_kit_form *f = forms[i];
    size_t where = at ? at[1 + i] : NO_AT;
    char name[ICS_ID_MAX + 8];
    snprintf(name, sizeof name, "%s.yaml", f->id);
    describe(c, KM_WHAT_DEFINITION, f->id, what);
    ics_form *form = ics_form_parse(name, f->text ? f->text : "", f->len, c->lang, &diags);
    if (!form)
      rc = schema_problem(c, where, what, &diags);
    else if (strcmp(form->id, f->id))
      rc = fail(c, where, KM_DEF_ID, what, form->id);
    else if (strcmp(form->version, f->version))
      rc = fail(c, where, KM_DEF_VERSION, what, form->version, f->version);
    else if (strcmp(form->hash, f->hash))
      rc = fail(c, where, KM_DEF_HASH, what, form->hash, f->hash);
    ics_errors_free(&diags);
    loaded[i] = form;
  }
  if (!rc) {
    describe(c, KM_WHAT_TARGETS, NULL, what);
    ics_targets *targets =
        ics_targets_parse("targets.yaml", targets_text ? targets_text : "", targets_len,
                          (const ics_form *const *)loaded, count, c->lang, &diags);
    if (!targets) rc = schema_problem(c, at ? at[1 + count] : NO_AT, what, &diags);
    ics_targets_free(targets);
    ics_errors_free(&diags);
  }
  for (size_t i = 0; loaded && i < count; i++) ics_form_free(loaded[i]);
  ics_free(loaded);
  return rc;
}

/* ==== reading ============================================================================= */

/* The result: the kit first, so that ics_kit_free finds the arena everything lives in (the
 * box included). */
typedef struct {
  ics_kit kit;
  ics_arena *arena;
} kit_box;

/* ---- gzip --------------------------------------------------------------------------------- */

static uint32_t little_endian32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The kit's gzip header: 1f 8b 08 08, MTIME 0, XFL 0/2/4, OS ff, the name and its NUL. */
static int check_gzip_header(kctx *c, const unsigned char *h, size_t size) {
  if (size == 0) return fail(c, NO_AT, KM_EMPTY);
  static const unsigned char expected[GZIP_HEADER] = {
      0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 0xff, 'i', 'c', 't', 's', 'u', 'r', 'v', 'e', 'y', '-',
      'k',  'i',  't',  0};
  for (int i = 0; i < 2 && (size_t)i < size; i++)
    if (h[i] != expected[i]) return fail(c, NO_AT, KM_NOT_GZIP, i, (unsigned)h[i], expected[i]);
  /* neither the flag nor the name of a kit: another gzip file, not a damaged kit */
  if (size >= 4 && h[3] != 0x08 &&
      (size < GZIP_HEADER || memcmp(h + 10, GZIP_NAME, sizeof GZIP_NAME) != 0))
    return fail(c, NO_AT, KM_NOT_KIT_GZIP);
  for (int i = 2; i < GZIP_HEADER && (size_t)i < size; i++) {
    bool ok = i == 8 ? (h[i] == 0 || h[i] == 2 || h[i] == 4) : h[i] == expected[i];
    if (ok) continue;
    char want[32];
    if (i == 8)
      snprintf(want, sizeof want, "0x00, 0x02 %s 0x04", c->lang == ICS_EN ? "or" : "hoặc");
    else
      snprintf(want, sizeof want, "0x%02x", expected[i]);
    return fail(c, NO_AT, KM_BAD_GZIP_HEADER, i, (unsigned)h[i], want);
  }
  if (size < GZIP_HEADER) return fail(c, NO_AT, KM_TRUNCATED, (unsigned long long)size);
  return 0;
}

/* The content of the file's one gzip member, in *out (NUL-terminated, allocated), checked:
 * the header, the deflate data, its CRC-32 and length, nothing after it. */
static int gunzip(kctx *c, const unsigned char *data, size_t size, char **out, size_t *out_len) {
  *out = NULL;
  if (check_gzip_header(c, data, size)) return -1;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  zs.zalloc = ics_zlib_alloc;
  zs.zfree = ics_zlib_free;
  int z = inflateInit2(&zs, -15); /* raw deflate: the header and trailer are checked here */
  if (z != Z_OK)
    return z == Z_MEM_ERROR ? no_memory(c) : fail(c, NO_AT, KM_ZLIB, zs.msg ? zs.msg : "?");
  const size_t limit = ICS_KIT_MAX_CONTENT;
  size_t cap = size * 4 < limit ? size * 4 + 64 : limit + 1; /* one byte more: too large */
  char *buf = ics_malloc(cap + 1);
  int rc = 0;
  if (!buf) {
    rc = no_memory(c);
    goto done;
  }
  zs.next_in = (unsigned char *)(uintptr_t)(data + GZIP_HEADER);
  zs.avail_in = (uInt)(size - GZIP_HEADER);
  zs.next_out = (unsigned char *)buf;
  zs.avail_out = (uInt)cap;
  for (;;) {
    z = inflate(&zs, Z_NO_FLUSH);
    if (zs.total_out > limit) {
      rc = fail(c, NO_AT, KM_CONTENT_TOO_LARGE, (unsigned long long)limit,
                (unsigned long long)(GZIP_HEADER + zs.total_in));
      goto done;
    }
    if (z == Z_STREAM_END) break;
    if (z == Z_MEM_ERROR) {
      rc = no_memory(c);
      goto done;
    }
    if (z != Z_OK && z != Z_BUF_ERROR) {
      char what[256];
      snprintf(what, sizeof what, kit_msg(KM_Z_DATA, c->lang), zs.msg ? zs.msg : "?");
      rc = fail(c, NO_AT, KM_DAMAGED, what, (unsigned long long)(GZIP_HEADER + zs.total_in));
      goto done;
    }
    if (zs.avail_out == 0) { /* more room, up to one byte past the limit */
      size_t grown_cap = cap * 2 < limit + 1 ? cap * 2 : limit + 1;
      char *grown = ics_realloc(buf, grown_cap + 1);
      if (!grown) {
        rc = no_memory(c);
        goto done;
      }
      buf = grown;
      zs.next_out = (unsigned char *)buf + cap;
      zs.avail_out = (uInt)(grown_cap - cap);
      cap = grown_cap;
    } else if (zs.avail_in == 0) { /* all input used, the deflate data not ended */
      rc = fail(c, NO_AT, KM_TRUNCATED, (unsigned long long)size);
      goto done;
    }
  }
  size_t len = zs.total_out;
  size_t end = GZIP_HEADER + zs.total_in; /* the trailer */
  buf[len] = '\0';
  if (size - end < GZIP_TRAILER) {
    rc = fail(c, NO_AT, KM_TRUNCATED, (unsigned long long)size);
  } else if (little_endian32(data + end) != (uint32_t)crc32(0, (const Bytef *)buf, (uInt)len)) {
    rc = fail(c, NO_AT, KM_DAMAGED, kit_msg(KM_Z_CRC, c->lang), (unsigned long long)end);
  } else if (little_endian32(data + end + 4) != (uint32_t)len) {
    rc = fail(c, NO_AT, KM_DAMAGED, kit_msg(KM_Z_LENGTH, c->lang), (unsigned long long)end + 4);
  } else if (size > end + GZIP_TRAILER) {
    const unsigned char *rest = data + end + GZIP_TRAILER;
    bool member = size - (end + GZIP_TRAILER) >= 2 && rest[0] == 0x1f && rest[1] == 0x8b;
    rc = fail(c, NO_AT, member ? KM_SECOND_MEMBER : KM_TRAILING,
              (unsigned long long)(end + GZIP_TRAILER));
  } else {
    *out = buf;
    *out_len = len;
    buf = NULL;
  }
done:
  inflateEnd(&zs);
  ics_free(buf);
  return rc;
}

/* ---- lines -------------------------------------------------------------------------------- */

/* The next line, without its LF, in *line and *n (valid UTF-8 without control characters).
 * 1: a line; 0: the content ended before it; -1: an error (it stops mid-line, or is not text). */
static int next_line(kctx *c, const char **line, size_t *n) {
  if (c->pos == c->len) return 0;
  const char *start = c->content + c->pos;
  const char *nl = memchr(start, '\n', c->len - c->pos);
  c->at = c->pos;
  if (!nl) return fail(c, NO_AT, KM_TRUNCATED_LINE, line_of(c, c->pos));
  *line = start;
  *n = (size_t)(nl - start);
  bool control = false;
  size_t bad = ics_text_scan(start, *n, 0, &control);
  if (bad < *n)
    return control ? fail(c, c->at, KM_LINE_CONTROL, (unsigned)(unsigned char)start[bad], bad)
                   : fail(c, c->at, KM_LINE_UTF8, bad);
  c->pos += *n + 1;
  return 1;
}

/* The next line, which must be there: `key` names what was expected when the content ends. */
static int need_line(kctx *c, const char *key, const char **line, size_t *n) {
  int rc = next_line(c, line, n);
  if (rc == 0) return fail(c, NO_AT, KM_TRUNCATED_CONTENT, line_of(c, c->len) - 1, key);
  return rc < 0 ? -1 : 0;
}

static bool has_prefix(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(s, prefix, k) == 0;
}

static int found(kctx *c, kit_message id, const char *key, const char *line, size_t n) {
  char ex[EXCERPT];
  excerpt(ex, line, n);
  return fail(c, c->at, id, key, ex);
}

/* A "KEY: VALUE" line that starts a line already read. */
static int key_value(kctx *c, const char *key, const char *line, size_t n, const char **value,
                     size_t *len) {
  size_t k = strlen(key);
  if (n < k + 2 || memcmp(line, key, k) || line[k] != ':' || line[k + 1] != ' ')
    return found(c, KM_EXPECTED, key, line, n);
  *value = line + k + 2;
  *len = n - k - 2;
  return 0;
}

/* The next line, "KEY: VALUE". */
static int expect(kctx *c, const char *key, const char **value, size_t *len) {
  const char *line;
  size_t n;
  if (need_line(c, key, &line, &n)) return -1;
  return key_value(c, key, line, n, value, len);
}

/* "ALGORITHM HEX64" into out. */
static int read_key(kctx *c, const char *key, const char *algorithm,
                    unsigned char out[ICS_KEY_BYTES]) {
  const char *v;
  size_t n;
  if (expect(c, key, &v, &n)) return -1;
  size_t a = strlen(algorithm);
  if (n != a + 1 + KEY_HEX || memcmp(v, algorithm, a) || v[a] != ' ' ||
      !ics_hex_valid(v + a + 1, KEY_HEX)) {
    char ex[EXCERPT];
    excerpt(ex, v, n);
    return fail(c, c->at, KM_BAD_KEY, key, ex, algorithm);
  }
  sodium_hex2bin(out, ICS_KEY_BYTES, v + a + 1, KEY_HEX, NULL, NULL, NULL);
  return 0;
}

/* A length line "PREFIX LENGTH" (prefix "register:", "definition: ID" or "targets:") and the
 * block of LENGTH bytes and one LF after it: the text goes to the arena. */
static int read_block(kctx *c, ics_arena *arena, const char *prefix, const char *what,
                      const char **text, size_t *len) {
  const char *line;
  size_t n;
  if (need_line(c, prefix, &line, &n)) return -1;
  size_t k = strlen(prefix);
  uint64_t length;
  if (n < k + 1 || memcmp(line, prefix, k) || line[k] != ' ' ||
      !ics_count_parse(line + k + 1, n - k - 1, &length))
    return found(c, KM_BAD_LENGTH_LINE, prefix, line, n);
  size_t start = c->pos;
  if (length >= c->len - start) /* the text and its LF */
    return fail(c, c->at, KM_BLOCK_PAST_END, what, (unsigned long long)length);
  if (c->content[start + length] != '\n')
    return fail(c, c->at, KM_BLOCK_NO_NEWLINE, what, (unsigned long long)length);
  if (check_block_text(c, what, c->content + start, (size_t)length, start)) return -1;
  *text = ics_arena_strndup(arena, c->content + start, (size_t)length);
  if (!*text) return no_memory(c);
  *len = (size_t)length;
  c->pos = start + (size_t)length + 1;
  return 0;
}

/* "form: ID VERSION HASH" into f (prev: the form before it, or NULL). */
static int read_form(kctx *c, ics_arena *arena, const char *v, size_t n, ics_kit_form *f,
                     const ics_kit_form *prev) {
  const char *sp1 = memchr(v, ' ', n);
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(v + n - sp1 - 1)) : NULL;
  if (!sp2 || memchr(sp2 + 1, ' ', (size_t)(v + n - sp2 - 1))) {
    char ex[EXCERPT];
    excerpt(ex, v, n);
    return fail(c, c->at, KM_BAD_FORM_LINE, ex);
  }
  size_t id_len = (size_t)(sp1 - v), version_len = (size_t)(sp2 - sp1 - 1);
  size_t hash_len = (size_t)(v + n - sp2 - 1);
  if (check_form(c, v, id_len, sp1 + 1, version_len, sp2 + 1, hash_len)) return -1;
  f->id = ics_arena_strndup(arena, v, id_len);
  f->version = ics_arena_strndup(arena, sp1 + 1, version_len);
  f->hash = ics_arena_strndup(arena, sp2 + 1, hash_len);
  if (!f->id || !f->version || !f->hash) return no_memory(c);
  return check_form_order(c, prev ? prev->id : NULL, f->id);
}

/* "prefill: STORE ROUND LENGTH" and its block, the base64 of the sealed records, into kit. */
static int read_prefill(kctx *c, ics_arena *arena, ics_kit *kit) {
  const char *line;
  size_t n;
  char ex[EXCERPT];
  if (need_line(c, "prefill", &line, &n)) return -1;
  const char *v = line + 9, *end = line + n;
  const char *sp1 = memchr(v, ' ', (size_t)(end - v));
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
  uint64_t length = 0;
  int round = 0;
  if (!sp2 || !ics_uuid_parse(v, (size_t)(sp1 - v), NULL) ||
      !ics_year_parse(sp1 + 1, (size_t)(sp2 - sp1 - 1), &round) ||
      !ics_count_parse(sp2 + 1, (size_t)(end - sp2 - 1), &length)) {
    excerpt(ex, line, n);
    return fail(c, c->at, KM_BAD_PREFILL_LINE, ex);
  }
  if (round >= kit->round) return fail(c, c->at, KM_PREFILL_ROUND, round, kit->round);
  size_t start = c->pos;
  if (length >= c->len - start) return fail(c, c->at, KM_BLOCK_PAST_END, "prefill", (unsigned long long)length);
  if (c->content[start + length] != '\n')
    return fail(c, c->at, KM_BLOCK_NO_NEWLINE, "prefill", (unsigned long long)length);
  size_t cap = (size_t)length / 4 * 3 + 3, got = 0;
  unsigned char *sealed = ics_arena_alloc(arena, cap);
  if (!sealed) return no_memory(c);
  const char *b64_end = NULL;
  if (sodium_base642bin(sealed, cap, c->content + start, (size_t)length, NULL, &got, &b64_end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      b64_end != c->content + start + length || got <= crypto_box_SEALBYTES)
    return fail(c, c->at, KM_PREFILL_BASE64);
  if (!(kit->prefill_store = ics_arena_strndup(arena, v, (size_t)(sp1 - v)))) return no_memory(c);
  kit->prefill_round = round;
  kit->prefill = sealed;
  kit->prefill_len = got;
  c->pos = start + (size_t)length + 1;
  return 0;
}

/* Parses and verifies the content into kit (its strings in the arena). */
static int parse_content(kctx *c, ics_arena *arena, ics_kit *kit) {
  const char *line, *v;
  size_t n, vn;
  char ex[EXCERPT], what[WHAT];
  /* the first line says what the file is and which format */
  if (!has_prefix(c->content, c->len, KIT_MAGIC)) return fail(c, 0, KM_NOT_KIT_CONTENT);
  if (need_line(c, "ictsurvey-kit", &line, &n)) return -1;
  uint64_t format;
  v = line + strlen(KIT_MAGIC);
  vn = n - strlen(KIT_MAGIC);
  if (!ics_count_parse(v, vn, &format) || format == 0) {
    excerpt(ex, v, vn);
    return fail(c, c->at, KM_BAD_FORMAT, ex);
  }
  if (format > ICS_KIT_FORMAT)
    return fail(c, c->at, KM_NEWER, (unsigned long long)format, ICS_KIT_FORMAT);

  if (expect(c, "kit-id", &v, &vn) || check_uuid(c, "kit-id", v, vn)) return -1;
  if (!(kit->kit_id = ics_arena_strndup(arena, v, vn))) return no_memory(c);
  if (expect(c, "sequence", &v, &vn)) return -1;
  if (!ics_count_parse(v, vn, &kit->sequence) || kit->sequence == 0) {
    excerpt(ex, v, vn);
    return fail(c, c->at, KM_BAD_SEQUENCE, ex);
  }
  if (expect(c, "created", &v, &vn) || check_time(c, "created", v, vn)) return -1;
  if (!(kit->created = ics_arena_strndup(arena, v, vn))) return no_memory(c);
  if (expect(c, "round", &v, &vn)) return -1;
  if (!ics_year_parse(v, vn, &kit->round)) {
    excerpt(ex, v, vn);
    return fail(c, c->at, KM_BAD_YEAR, ex);
  }
  if (read_key(c, "office-seal-key", "x25519", kit->seal_key) ||
      read_key(c, "office-signing-key", "ed25519", kit->signing_key))
    return -1;

  /* a key rotation, then the forms */
  if (need_line(c, "form", &line, &n)) return -1;
  if (has_prefix(line, n, "next-seal-key: ")) {
    c->pos = c->at; /* read again as a key */
    if (read_key(c, "next-seal-key", "x25519", kit->next_seal_key) ||
        read_key(c, "next-signing-key", "ed25519", kit->next_signing_key))
      return -1;
    kit->has_next = true;
    if (need_line(c, "form", &line, &n)) return -1;
  }
  ics_kit_form *forms = ics_arena_alloc(arena, ICS_KIT_MAX_FORMS * sizeof *forms);
  size_t *at = ics_arena_alloc(arena, (ICS_KIT_MAX_FORMS + 2) * sizeof *at);
  if (!forms || !at) return no_memory(c);
  size_t count = 0;
  while (has_prefix(line, n, "form: ")) {
    if (count == ICS_KIT_MAX_FORMS) return fail(c, c->at, KM_TOO_MANY_FORMS, ICS_KIT_MAX_FORMS);
    if (read_form(c, arena, line + 6, n - 6, &forms[count], count ? &forms[count - 1] : NULL))
      return -1;
    count++;
    if (need_line(c, "register", &line, &n)) return -1;
  }
  if (count == 0 && kit->has_next) return found(c, KM_EXPECTED, "form", line, n);
  if (count == 0) {
    excerpt(ex, line, n);
    return fail(c, c->at, KM_EXPECTED_TWO, "next-seal-key", "form", ex);
  }
  kit->forms = forms;
  kit->form_count = count;

  /* the register, the definitions in the order of the forms, the targets */
  c->pos = c->at; /* the line after the forms is the register's */
  at[0] = c->pos;
  describe(c, KM_WHAT_REGISTER, NULL, what);
  if (read_block(c, arena, "register:", what, &kit->register_text, &kit->register_len))
    return -1;
  for (size_t i = 0; i < count; i++) {
    char prefix[ICS_ID_MAX + 16];
    snprintf(prefix, sizeof prefix, "definition: %s", forms[i].id);
    at[1 + i] = c->pos;
    describe(c, KM_WHAT_DEFINITION, forms[i].id, what);
    if (read_block(c, arena, prefix, what, &forms[i].text, &forms[i].len)) return -1;
  }
  at[1 + count] = c->pos;
  describe(c, KM_WHAT_TARGETS, NULL, what);
  if (read_block(c, arena, "targets:", what, &kit->targets_text, &kit->targets_len)) return -1;
  if (c->pos < c->len && has_prefix(c->content + c->pos, c->len - c->pos, "prefill: ") &&
      read_prefill(c, arena, kit))
    return -1;

  /* the end: line, the signature: line, nothing after them */
  if (expect(c, "end", &v, &vn)) return -1;
  size_t end_at = c->at, end_len = c->pos - c->at; /* with its LF */
  if (vn != ICS_HASH_LEN || !ics_hash_valid(v, vn)) return fail(c, c->at, KM_BAD_END);
  const char *digest_hex = v;
  if (expect(c, "signature", &v, &vn)) return -1;
  size_t signature_at = c->at;
  if (vn != SIGNATURE_HEX || !ics_hex_valid(v, vn)) return fail(c, c->at, KM_BAD_SIGNATURE_LINE);
  unsigned char signature[crypto_sign_BYTES];
  sodium_hex2bin(signature, sizeof signature, v, vn, NULL, NULL, NULL);
  if (c->pos < c->len) return fail(c, c->pos, KM_AFTER_SIGNATURE);

  /* the SHA-256 of everything before the end: line; the signature of that line */
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[ICS_HASH_LEN + 1];
  crypto_hash_sha256(digest, (const unsigned char *)c->content, end_at);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  if (memcmp(hex, digest_hex, ICS_HASH_LEN)) return fail(c, end_at, KM_HASH_MISMATCH);
  unsigned char message[sizeof SIGNATURE_CONTEXT - 1 + 5 + ICS_HASH_LEN + 1];
  memcpy(message, SIGNATURE_CONTEXT, sizeof SIGNATURE_CONTEXT - 1);
  memcpy(message + sizeof SIGNATURE_CONTEXT - 1, c->content + end_at, end_len);
  if (crypto_sign_verify_detached(signature, message, sizeof message, kit->signing_key) != 0)
    return fail(c, signature_at, KM_SIGNATURE_FAILS);

  /* what it carries */
  const ics_kit_form **order = ics_arena_alloc(arena, count * sizeof *order);
  if (!order) return no_memory(c);
  for (size_t i = 0; i < count; i++) order[i] = &forms[i];
  return check_meaning(c, order, count, kit->register_text, kit->register_len, kit->targets_text,
                       kit->targets_len, at);
}

ics_kit *ics_kit_read_memory(const void *data, size_t size, ics_lang lang, ics_error *err) {
  kctx c = {.lang = lang, .err = err};
  if (sodium_init() < 0) {
    fail(&c, NO_AT, KM_SODIUM);
    return NULL;
  }
  if (size > ICS_KIT_MAX_FILE) {
    fail(&c, NO_AT, KM_FILE_TOO_LARGE, (unsigned long long)size,
         (unsigned long long)ICS_KIT_MAX_FILE);
    return NULL;
  }
  char *content = NULL;
  size_t len = 0;
  ics_arena *arena = NULL;
  kit_box *box = NULL;
  if (gunzip(&c, data, size, &content, &len) == 0) {
    c.content = content;
    c.len = len;
    arena = ics_arena_new();
    box = arena ? ics_arena_alloc(arena, sizeof *box) : NULL;
    if (!box)
      no_memory(&c);
    else
      box->arena = arena;
    if (box && parse_content(&c, arena, &box->kit) != 0) box = NULL;
  }
  ics_free(content);
  if (!box) {
    ics_arena_free(arena);
    return NULL;
  }
  return &box->kit;
}

ics_kit *ics_kit_read(const char *path, ics_lang lang, ics_error *err) {
  kctx c = {.lang = lang, .err = err};
  char *data = NULL;
  size_t size = 0;
  ics_code status = ics_read_file(path, ICS_KIT_MAX_FILE, &data, &size);
  switch (status) {
  case ICS_OK: break;
  case ICS_E_NOT_FOUND: fail(&c, NO_AT, KM_CANNOT_OPEN, ics_errno_text(ENOENT, lang)); break;
  case ICS_E_NOT_REGULAR: fail(&c, NO_AT, KM_NOT_REGULAR); break;
  case ICS_E_TOO_LARGE:
    fail(&c, NO_AT, KM_FILE_TOO_LARGE, (unsigned long long)size,
         (unsigned long long)ICS_KIT_MAX_FILE);
    break;
  case ICS_E_NO_MEMORY: no_memory(&c); break;
  default: fail_errno(&c, KM_CANNOT_READ); break;
  }
  if (status != ICS_OK) return NULL;
  ics_kit *kit = ics_kit_read_memory(data, size, lang, err);
  ics_free(data);
  return kit;
}

void ics_kit_free(ics_kit *kit) {
  if (kit) ics_arena_free(((kit_box *)kit)->arena);
}

/* ==== writing ============================================================================= */

static int compare_forms(const void *a, const void *b) {
  return strcmp((*(const ics_kit_form *const *)a)->id, (*(const ics_kit_form *const *)b)->id);
}

/* The fields of kit, as a reader checks them; forms sorted into order. */
static int check_kit(kctx *c, const ics_kit *kit, const ics_kit_form **order) {
  char ex[EXCERPT], what[WHAT];
  if (!kit->kit_id) return fail(c, NO_AT, KM_MISSING, "kit_id");
  if (check_uuid(c, "kit-id", kit->kit_id, strlen(kit->kit_id))) return -1;
  if (kit->sequence == 0) return fail(c, NO_AT, KM_BAD_SEQUENCE, "0");
  if (!kit->created) return fail(c, NO_AT, KM_MISSING, "created");
  if (check_time(c, "created", kit->created, strlen(kit->created))) return -1;
  if (kit->round < 1900 || kit->round > 2100) {
    snprintf(ex, sizeof ex, "%d", kit->round);
    return fail(c, NO_AT, KM_BAD_YEAR, ex);
  }
  if (kit->form_count == 0 || !kit->forms) return fail(c, NO_AT, KM_NO_FORMS);
  if (kit->form_count > ICS_KIT_MAX_FORMS)
    return fail(c, NO_AT, KM_TOO_MANY_FORMS, ICS_KIT_MAX_FORMS);
  for (size_t i = 0; i < kit->form_count; i++) {
    const ics_kit_form *f = &kit->forms[i];
    if (!f->id || !f->version || !f->hash)
      return fail(c, NO_AT, KM_MISSING, !f->id ? "id" : !f->version ? "version" : "hash");
    if (check_form(c, f->id, strlen(f->id), f->version, strlen(f->version), f->hash,
                   strlen(f->hash)))
      return -1;
    describe(c, KM_WHAT_DEFINITION, f->id, what);
    if (!f->text && f->len) return fail(c, NO_AT, KM_MISSING, what);
    if (check_block_text(c, what, f->text ? f->text : "", f->len, NO_AT)) return -1;
    order[i] = f;
  }
  qsort(order, kit->form_count, sizeof *order, compare_forms);
  for (size_t i = 1; i < kit->form_count; i++)
    if (check_form_order(c, order[i - 1]->id, order[i]->id)) return -1;
  describe(c, KM_WHAT_REGISTER, NULL, what);
  if (!kit->register_text && kit->register_len) return fail(c, NO_AT, KM_MISSING, what);
  if (check_block_text(c, what, kit->register_text ? kit->register_text : "", kit->register_len,
                       NO_AT))
    return -1;
  describe(c, KM_WHAT_TARGETS, NULL, what);
  if (!kit->targets_text && kit->targets_len) return fail(c, NO_AT, KM_MISSING, what);
  if (check_block_text(c, what, kit->targets_text ? kit->targets_text : "", kit->targets_len,
                       NO_AT))
    return -1;
  if (kit->prefill_store) {
    if (check_uuid(c, "prefill", kit->prefill_store, strlen(kit->prefill_store))) return -1;
    if (kit->prefill_round >= kit->round)
      return fail(c, NO_AT, KM_PREFILL_ROUND, kit->prefill_round, kit->round);
    if (!kit->prefill || kit->prefill_len <= crypto_box_SEALBYTES) return fail(c, NO_AT, KM_MISSING, "prefill");
  }
  return check_meaning(c, order, kit->form_count, kit->register_text, kit->register_len,
                       kit->targets_text, kit->targets_len, NULL);
}

static void put_key(ics_buf *b, const char *key, const char *algorithm,
                    const unsigned char k[ICS_KEY_BYTES]) {
  char hex[KEY_HEX + 1];
  sodium_bin2hex(hex, sizeof hex, k, ICS_KEY_BYTES);
  ics_buf_printf(b, "%s: %s %s\n", key, algorithm, hex);
}

static void put_block(ics_buf *b, const char *text, size_t len) {
  ics_buf_append(b, text ? text : "", len);
  ics_buf_putc(b, '\n');
}

/* The content, hashed and signed, in b. */
static int build_content(kctx *c, ics_buf *b, const ics_kit *kit, const ics_kit_form **order,
                         const unsigned char secret[ICS_SIGN_SECRET_BYTES]) {
  ics_buf_printf(b, "%s%d\nkit-id: %s\nsequence: %llu\ncreated: %s\nround: %d\n", KIT_MAGIC,
                 ICS_KIT_FORMAT, kit->kit_id, (unsigned long long)kit->sequence, kit->created,
                 kit->round);
  put_key(b, "office-seal-key", "x25519", kit->seal_key);
  put_key(b, "office-signing-key", "ed25519", kit->signing_key);
  if (kit->has_next) {
    put_key(b, "next-seal-key", "x25519", kit->next_seal_key);
    put_key(b, "next-signing-key", "ed25519", kit->next_signing_key);
  }
  for (size_t i = 0; i < kit->form_count; i++)
    ics_buf_printf(b, "form: %s %s %s\n", order[i]->id, order[i]->version, order[i]->hash);
  ics_buf_printf(b, "register: %zu\n", kit->register_len);
  put_block(b, kit->register_text, kit->register_len);
  for (size_t i = 0; i < kit->form_count; i++) {
    ics_buf_printf(b, "definition: %s %zu\n", order[i]->id, order[i]->len);
    put_block(b, order[i]->text, order[i]->len);
  }
  ics_buf_printf(b, "targets: %zu\n", kit->targets_len);
  put_block(b, kit->targets_text, kit->targets_len);
  if (kit->prefill_store) {
    size_t cap = sodium_base64_ENCODED_LEN(kit->prefill_len, sodium_base64_VARIANT_ORIGINAL);
    char *text = ics_malloc(cap);
    if (!text) return no_memory(c);
    sodium_bin2base64(text, cap, kit->prefill, kit->prefill_len, sodium_base64_VARIANT_ORIGINAL);
    ics_buf_printf(b, "prefill: %s %d %zu\n", kit->prefill_store, kit->prefill_round, cap - 1);
    put_block(b, text, cap - 1);
    ics_free(text);
  }
  if (b->failed) return no_memory(c);
  if (b->len > ICS_KIT_MAX_CONTENT) /* the end and signature lines add 214 bytes */
    return fail(c, NO_AT, KM_WRITE_TOO_LARGE, (unsigned long long)ICS_KIT_MAX_CONTENT);

  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[ICS_HASH_LEN + 1];
  crypto_hash_sha256(digest, (const unsigned char *)b->data, b->len);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  char message[sizeof SIGNATURE_CONTEXT - 1 + 5 + ICS_HASH_LEN + 2];
  int mlen = snprintf(message, sizeof message, "%send: %s\n", SIGNATURE_CONTEXT, hex);
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, NULL, (const unsigned char *)message, (unsigned long long)mlen,
                       secret);
  char signature_hex[SIGNATURE_HEX + 1];
  sodium_bin2hex(signature_hex, sizeof signature_hex, signature, sizeof signature);
  ics_buf_printf(b, "end: %s\nsignature: %s\n", hex, signature_hex);
  if (b->failed) return no_memory(c);
  if (b->len > ICS_KIT_MAX_CONTENT)
    return fail(c, NO_AT, KM_WRITE_TOO_LARGE, (unsigned long long)ICS_KIT_MAX_CONTENT);
  return 0;
}

/* content gzipped as section 1 of the format says, in *out (allocated). */
static int gzip_content(kctx *c, const char *content, size_t len, unsigned char **out,
                        size_t *out_len) {
  *out = NULL;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  zs.zalloc = ics_zlib_alloc;
  zs.zfree = ics_zlib_free;
  int z = deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  if (z != Z_OK)
    return z == Z_MEM_ERROR ? no_memory(c) : fail(c, NO_AT, KM_ZLIB, zs.msg ? zs.msg : "?");
  gz_header header;
  memset(&header, 0, sizeof header);
  header.name = (Bytef *)(uintptr_t)GZIP_NAME;
  header.os = 255;
  int rc = 0;
  unsigned char *buf = NULL;
  if (deflateSetHeader(&zs, &header) != Z_OK) {
    rc = fail(c, NO_AT, KM_ZLIB, zs.msg ? zs.msg : "deflateSetHeader");
    goto done;
  }
  uLong bound = deflateBound(&zs, (uLong)len);
  if (!(buf = ics_malloc(bound))) {
    rc = no_memory(c);
    goto done;
  }
  zs.next_in = (unsigned char *)(uintptr_t)content;
  zs.avail_in = (uInt)len;
  zs.next_out = buf;
  zs.avail_out = (uInt)bound;
  z = deflate(&zs, Z_FINISH);
  if (z != Z_STREAM_END) {
    rc = fail(c, NO_AT, KM_ZLIB, zs.msg ? zs.msg : "deflate");
    goto done;
  }
  if (zs.total_out > ICS_KIT_MAX_FILE) {
    rc = fail(c, NO_AT, KM_WRITE_FILE_TOO_LARGE, (unsigned long long)ICS_KIT_MAX_FILE);
    goto done;
  }
  *out = buf;
  *out_len = zs.total_out;
  buf = NULL;
done:
  deflateEnd(&zs);
  ics_free(buf);
  return rc;
}

int ics_kit_write(const char *path, const ics_kit *kit,
                  const unsigned char signing_secret[ICS_SIGN_SECRET_BYTES], ics_lang lang,
                  ics_error *err) {
  kctx c = {.lang = lang, .err = err};
  const ics_kit_form **order = NULL;
  ics_buf content = {0};
  unsigned char *gz = NULL;
  size_t gz_len = 0;
  int rc = -1;
  if (sodium_init() < 0) {
    fail(&c, NO_AT, KM_SODIUM);
    goto done;
  }
  if (!kit || !signing_secret) {
    fail(&c, NO_AT, KM_MISSING, !kit ? "kit" : "signing_secret");
    goto done;
  }
  unsigned char public_half[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(public_half, signing_secret);
  if (memcmp(public_half, kit->signing_key, sizeof public_half)) {
    fail(&c, NO_AT, KM_KEY_MISMATCH);
    goto done;
  }
  order = ics_calloc(kit->form_count ? kit->form_count : 1, sizeof *order);
  if (!order) {
    no_memory(&c);
    goto done;
  }
  if (check_kit(&c, kit, order) || build_content(&c, &content, kit, order, signing_secret) ||
      gzip_content(&c, content.data, content.len, &gz, &gz_len))
    goto done;
  ics_output out;
  if (ics_output_begin(&out, path) != 0) {
    fail_errno(&c, KM_CANNOT_CREATE);
    goto done;
  }
  if (ics_output_write(&out, gz, gz_len) != 0 || ics_output_commit(&out) != 0)
    fail_errno(&c, KM_CANNOT_WRITE);
  else
    rc = 0;
  ics_output_end(&out);
done:
  ics_free(order);
  ics_buf_free(&content);
  ics_free(gz);
  return rc;
}

/* ==== the records a pre-filled kit carries ================================================== */
/* The sealed text: "ictsurvey-prefill: 1", "store-id: UUID", "round: YEAR", "records: COUNT",
 * then per record "record: INSTANCE_ID FORM_ID LENGTH" and LENGTH bytes of answers and a LF
 * (docs/kit-format.md, section 9). */
static const char PREFILL_MAGIC[] = "ictsurvey-prefill: 1\n";

int ics_prefill_seal(const ics_prefill *p, const unsigned char store_key[ICS_SIGN_PUBLIC_BYTES],
                     unsigned char **sealed, size_t *sealed_len, ics_lang lang, ics_error *err) {
  kctx c = {.lang = lang, .err = err};
  *sealed = NULL;
  *sealed_len = 0;
  if (sodium_init() < 0) return fail(&c, NO_AT, KM_SODIUM);
  unsigned char box_key[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(box_key, store_key) != 0)
    return fail(&c, NO_AT, KM_PREFILL_SEALED_ELSEWHERE);
  ics_buf b = {0};
  ics_buf_printf(&b, "%sstore-id: %s\nround: %d\nrecords: %zu\n", PREFILL_MAGIC, p->store_id, p->round,
                 p->record_count);
  for (size_t i = 0; i < p->record_count; i++) {
    const ics_prefill_record *r = &p->records[i];
    ics_buf_printf(&b, "record: %s %s %zu\n", r->instance_id, r->form_id, r->answers_len);
    put_block(&b, r->answers, r->answers_len);
  }
  unsigned char *out = b.failed ? NULL : ics_malloc(b.len + crypto_box_SEALBYTES);
  if (!out) {
    ics_buf_free(&b);
    return no_memory(&c);
  }
  crypto_box_seal(out, (const unsigned char *)b.data, b.len, box_key);
  *sealed = out;
  *sealed_len = b.len + crypto_box_SEALBYTES;
  sodium_memzero(b.data, b.len);
  ics_buf_free(&b);
  return 0;
}

typedef struct {
  ics_prefill prefill; /* first: ics_prefill_free finds the arena behind it */
  ics_arena *arena;
} prefill_box;

/* The opened text in c: the header lines, then the records, each where the kit said. */
static int parse_prefill(kctx *c, ics_arena *arena, const ics_kit *kit, ics_prefill *p) {
  const char *v;
  size_t n;
  char ex[EXCERPT];
  uint64_t count = 0;
  if (!has_prefix(c->content, c->len, PREFILL_MAGIC)) return fail(c, NO_AT, KM_PREFILL_DAMAGED, "ictsurvey-prefill");
  c->pos = sizeof PREFILL_MAGIC - 1;
  if (expect(c, "store-id", &v, &n)) return -1;
  if (n != strlen(kit->prefill_store) || memcmp(v, kit->prefill_store, n))
    return fail(c, NO_AT, KM_PREFILL_DAMAGED, "store-id");
  p->store_id = kit->prefill_store;
  if (expect(c, "round", &v, &n)) return -1;
  if (!ics_year_parse(v, n, &p->round) || p->round != kit->prefill_round)
    return fail(c, NO_AT, KM_PREFILL_DAMAGED, "round");
  if (expect(c, "records", &v, &n)) return -1;
  if (!ics_count_parse(v, n, &count) || count > c->len / 8) return fail(c, NO_AT, KM_PREFILL_DAMAGED, "records");
  ics_prefill_record *records = ics_arena_alloc(arena, (count ? count : 1) * sizeof *records);
  if (!records) return no_memory(c);
  for (uint64_t i = 0; i < count; i++) {
    const char *line;
    size_t ln;
    if (need_line(c, "record", &line, &ln)) return -1;
    if (!has_prefix(line, ln, "record: ")) return found(c, KM_EXPECTED, "record", line, ln);
    const char *s = line + 8, *end = line + ln;
    const char *sp1 = memchr(s, ' ', (size_t)(end - s));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
    uint64_t length = 0;
    if (!sp2 || !ics_uuid_parse(s, (size_t)(sp1 - s), NULL) || !ics_id_valid(sp1 + 1, (size_t)(sp2 - sp1 - 1)) ||
        !ics_count_parse(sp2 + 1, (size_t)(end - sp2 - 1), &length) || length >= c->len - c->pos ||
        c->content[c->pos + length] != '\n') {
      excerpt(ex, line, ln);
      return fail(c, NO_AT, KM_PREFILL_DAMAGED, ex);
    }
    records[i].instance_id = ics_arena_strndup(arena, s, (size_t)(sp1 - s));
    records[i].form_id = ics_arena_strndup(arena, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    records[i].answers = ics_arena_strndup(arena, c->content + c->pos, (size_t)length);
    records[i].answers_len = (size_t)length;
    if (!records[i].instance_id || !records[i].form_id || !records[i].answers) return no_memory(c);
    c->pos += (size_t)length + 1;
  }
  if (c->pos != c->len) return fail(c, NO_AT, KM_PREFILL_DAMAGED, "end");
  p->records = records;
  p->record_count = (size_t)count;
  return 0;
}

ics_prefill *ics_prefill_open(const ics_kit *kit, const unsigned char store_secret[ICS_SIGN_SECRET_BYTES],
                              ics_lang lang, ics_error *err) {
  kctx c = {.lang = lang, .err = err};
  if (sodium_init() < 0) {
    fail(&c, NO_AT, KM_SODIUM);
    return NULL;
  }
  if (!kit->prefill_store || kit->prefill_len <= crypto_box_SEALBYTES) {
    fail(&c, NO_AT, KM_PREFILL_NONE);
    return NULL;
  }
  unsigned char box_secret[crypto_box_SECRETKEYBYTES], box_public[crypto_box_PUBLICKEYBYTES];
  unsigned char sign_public[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(sign_public, store_secret);
  if (crypto_sign_ed25519_sk_to_curve25519(box_secret, store_secret) != 0 ||
      crypto_sign_ed25519_pk_to_curve25519(box_public, sign_public) != 0) {
    fail(&c, NO_AT, KM_PREFILL_SEALED_ELSEWHERE);
    return NULL;
  }
  size_t len = kit->prefill_len - crypto_box_SEALBYTES;
  char *text = ics_malloc(len + 1);
  ics_arena *arena = text ? ics_arena_new() : NULL;
  prefill_box *box = arena ? ics_arena_alloc(arena, sizeof *box) : NULL;
  if (!box) {
    no_memory(&c);
  } else if (crypto_box_seal_open((unsigned char *)text, kit->prefill, kit->prefill_len, box_public, box_secret) != 0) {
    fail(&c, NO_AT, KM_PREFILL_SEALED_ELSEWHERE);
    box = NULL;
  } else {
    text[len] = '\0';
    box->arena = arena;
    c.content = text;
    c.len = len;
    if (parse_prefill(&c, arena, kit, &box->prefill)) box = NULL;
  }
  sodium_memzero(box_secret, sizeof box_secret);
  if (text) sodium_memzero(text, len);
  ics_free(text);
  if (!box) {
    ics_arena_free(arena);
    return NULL;
  }
  return &box->prefill;
}

void ics_prefill_free(ics_prefill *p) {
  if (p) ics_arena_free(((prefill_box *)p)->arena);
}
