/* bundle_parse.c - what a bundle's lines say: the manifest (with the register and definition
 * texts, kept in the reader's arena) and the record lines, parsed in place (values are
 * unescaped where they lie) and checked against the manifest. */
#include "bundle_private.h"

#include <string.h>

/* ---- manifest ------------------------------------------------------------------------------- */

/* A line "KEY: VALUE"; *value points to VALUE. */
static int expect_key(ics_bundle_reader *r, const char *key, char **value, size_t *len) {
  char *s;
  size_t n;
  if (ics_bundle_take_line(r, &s, &n) || ics_bundle_check_line_text(r, s, n, 0)) return -1;
  size_t k = strlen(key);
  if (n < k + 2 || memcmp(s, key, k) != 0 || s[k] != ':' || s[k + 1] != ' ') {
    char excerpt[EXCERPT];
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return ics_bundle_fail_here(r, K_CONTENT, BM_EXPECTED_KEY, key, excerpt);
  }
  *value = s + k + 2;
  *len = n - k - 2;
  return 0;
}

static int read_uuid(ics_bundle_reader *r, const char *key, const char **out) {
  char *v;
  size_t n;
  if (expect_key(r, key, &v, &n)) return -1;
  if (!ics_uuid_parse(v, n, NULL)) {
    char excerpt[EXCERPT];
    ics_excerpt(excerpt, sizeof excerpt, v, n);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_UUID, key, excerpt);
  }
  if (!(*out = ics_arena_strndup(r->arena, v, n))) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  return 0;
}

static int read_text(ics_bundle_reader *r, const char *key, const char **out) {
  char *v;
  size_t n, bad;
  if (expect_key(r, key, &v, &n)) return -1;
  size_t len = ics_unescape(v, n, &bad);
  if (len == SIZE_MAX) return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_ESCAPE, key, bad + 1);
  if (!(*out = ics_arena_strndup(r->arena, v, len))) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  return 0;
}

static int read_count(ics_bundle_reader *r, const char *what, const char *s, size_t n,
                      uint64_t *out) {
  if (ics_count_parse(s, n, out)) return 0;
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, s, n);
  return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_COUNT, what, excerpt);
}

/* Reads `len` bytes of text and the "\n" after them into the arena (NUL-terminated). */
static int read_block(ics_bundle_reader *r, uint64_t len, const char *what, const char **out) {
  if (len > r->limits.max_definition)
    return ics_bundle_fail_here(r, K_OTHER, BM_LIMIT_DEFINITION, what, (unsigned long long)len,
                            r->limits.max_definition);
  char *text = ics_arena_alloc(r->arena, (size_t)len + 1);
  if (!text) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  uint64_t start_line = r->line_no + 1, newlines = 0;
  size_t got = 0;
  while (got < len || r->out_pos == r->out_len) {
    if (r->out_pos == r->out_len) {
      int rc = ics_bundle_inflate_more(r);
      if (rc < 0) return -1;
      if (rc == 0)
        return ics_bundle_fail(r, K_OTHER, BM_TRUNCATED_CONTENT,
                           (unsigned long long)(r->line_no + newlines));
      continue;
    }
    size_t take = r->out_len - r->out_pos;
    if (take > len - got) take = (size_t)len - got;
    const unsigned char *p = r->out + r->out_pos, *end = p + take;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) {
      newlines++;
      p++;
    }
    memcpy(text + got, r->out + r->out_pos, take);
    got += take;
    r->out_pos += take;
  }
  text[len] = '\0';
  crypto_hash_sha256_update(&r->sha, (const unsigned char *)text, (size_t)len);
  if (r->out[r->out_pos] != '\n') {
    r->line_no = start_line - 1 + newlines + 1;
    return ics_bundle_fail_here(r, K_CONTENT, BM_BLOCK_NO_NEWLINE, what, (unsigned long long)len);
  }
  crypto_hash_sha256_update(&r->sha, r->out + r->out_pos, 1);
  r->out_pos++;
  size_t bad;
  if (len && !ics_utf8_valid(text, (size_t)len, &bad)) {
    r->line_no = start_line;
    return ics_bundle_fail_here(r, K_CONTENT, BM_BLOCK_UTF8, what, bad + 1);
  }
  r->line_no += newlines + 1;
  *out = text;
  return 0;
}

/* "form: ID VERSION HASH RECORDS" */
static int read_form(ics_bundle_reader *r, char *s, size_t n, size_t *cap) {
  char excerpt[EXCERPT];
  char *tok[4], *end = s + n, *p = s + 6;
  size_t len[4];
  int count = 0;
  for (;;) { /* exactly four non-empty tokens, one space apart */
    char *sp = memchr(p, ' ', (size_t)(end - p));
    char *tend = sp ? sp : end;
    if (count == 4 || tend == p) {
      count = -1;
      break;
    }
    tok[count] = p;
    len[count] = (size_t)(tend - p);
    count++;
    if (!sp) break;
    p = sp + 1;
  }
  if (count != 4) {
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_FORM_LINE, excerpt);
  }
  if (r->manifest.form_count == r->limits.max_forms)
    return ics_bundle_fail_here(r, K_OTHER, BM_LIMIT_FORMS, r->limits.max_forms);
  for (int i = 0; i < 4; i++) tok[i][len[i]] = '\0';
  ics_excerpt(excerpt, sizeof excerpt, tok[0], len[0]);
  if (!ics_id_valid(tok[0], len[0])) return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_FORM_ID, excerpt);
  for (size_t i = 0; i < r->manifest.form_count; i++)
    if (strcmp(r->forms[i].id, tok[0]) == 0)
      return ics_bundle_fail_here(r, K_CONTENT, BM_DUPLICATE_FORM, tok[0]);
  if (!ics_version_valid(tok[1], len[1])) {
    char version[EXCERPT];
    ics_excerpt(version, sizeof version, tok[1], len[1]);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_VERSION, version, tok[0]);
  }
  if (!ics_hash_valid(tok[2], len[2])) return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_HASH, tok[0]);
  uint64_t records;
  if (read_count(r, "records", tok[3], len[3], &records)) return -1;
  if (records > r->limits.max_records)
    return ics_bundle_fail_here(r, K_OTHER, BM_LIMIT_RECORDS, (unsigned long long)records,
                            (unsigned long long)r->limits.max_records);
  if (r->manifest.form_count == *cap) {
    size_t grown_cap = *cap ? *cap * 2 : 4;
    ics_bundle_form *grown = ics_realloc(r->forms, grown_cap * sizeof *grown);
    if (!grown) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
    r->forms = grown;
    *cap = grown_cap;
  }
  ics_bundle_form *f = &r->forms[r->manifest.form_count];
  memset(f, 0, sizeof *f);
  f->id = ics_arena_strndup(r->arena, tok[0], len[0]);
  f->version = ics_arena_strndup(r->arena, tok[1], len[1]);
  f->hash = ics_arena_strndup(r->arena, tok[2], len[2]);
  f->records = records;
  if (!f->id || !f->version || !f->hash) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  r->manifest.form_count++;
  return 0;
}

int ics_bundle_read_manifest(ics_bundle_reader *r) {
  ics_bundle_manifest *m = &r->manifest;
  char *s, *v;
  size_t n, vn;
  char excerpt[EXCERPT];

  /* the first line says whether this is a bundle at all, and in which format */
  int rc = ics_bundle_get_line(r, FIRST_LINE_MAX, &s, &n);
  if (rc == -1) return -1;
  if (rc != 1) return ics_bundle_fail(r, K_CONTENT, BM_NOT_BUNDLE);
  crypto_hash_sha256_update(&r->sha, (const unsigned char *)s, n + 1);
  s[n] = '\0';
  r->line_no = 1;
  size_t magic = sizeof BUNDLE_MAGIC - 1;
  if (n < magic || memcmp(s, BUNDLE_MAGIC, magic) != 0)
    return ics_bundle_fail(r, K_CONTENT, BM_NOT_BUNDLE);
  uint64_t format;
  if (!ics_count_parse(s + magic, n - magic, &format) || format == 0) {
    ics_excerpt(excerpt, sizeof excerpt, s + magic, n - magic);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_FORMAT, excerpt);
  }
  if (format > ICS_BUNDLE_FORMAT)
    return ics_bundle_fail(r, K_CONTENT, BM_NEWER, (unsigned long long)format, (int)ICS_BUNDLE_FORMAT);
  m->format = (int)format;

  if (read_uuid(r, "bundle-id", &m->bundle_id) || read_uuid(r, "store-id", &m->store_id) ||
      read_text(r, "surveyor", &m->surveyor) || read_text(r, "site", &m->site))
    return -1;
  if (expect_key(r, "round", &v, &vn)) return -1;
  if (!ics_year_parse(v, vn, &m->round)) {
    ics_excerpt(excerpt, sizeof excerpt, v, vn);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_YEAR, "round", excerpt);
  }
  if (expect_key(r, "created", &v, &vn)) return -1;
  if (!ics_time_valid(v, vn)) {
    ics_excerpt(excerpt, sizeof excerpt, v, vn);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_TIME, "created", excerpt);
  }
  if (!(m->created = ics_arena_strndup(r->arena, v, vn)))
    return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  if (expect_key(r, "records", &v, &vn) || read_count(r, "records", v, vn, &m->record_count))
    return -1;
  if (m->record_count > r->limits.max_records)
    return ics_bundle_fail_here(r, K_OTHER, BM_LIMIT_RECORDS, (unsigned long long)m->record_count,
                            (unsigned long long)r->limits.max_records);

  /* the forms, up to the register */
  size_t cap = 0;
  uint64_t sum = 0;
  for (;;) {
    if (ics_bundle_take_line(r, &s, &n) || ics_bundle_check_line_text(r, s, n, 0)) return -1;
    if (n >= 6 && memcmp(s, "form: ", 6) == 0) {
      if (read_form(r, s, n, &cap)) return -1;
      uint64_t records = r->forms[m->form_count - 1].records;
      sum = sum > UINT64_MAX - records ? UINT64_MAX : sum + records;
      continue;
    }
    if (n >= 10 && memcmp(s, "register: ", 10) == 0) break;
    if (m->format >= 2 && n >= 8 && (!memcmp(s, "signer: ", 8) || !memcmp(s, "sealed: ", 8)))
      break;
    ics_excerpt(excerpt, sizeof excerpt, s, n);
    return ics_bundle_fail_here(r, K_CONTENT,
                            m->format >= 2 ? BM_EXPECTED_SIGNER : BM_EXPECTED_FORM_OR_REGISTER,
                            excerpt);
  }
  m->forms = r->forms;
  if (sum != m->record_count)
    return ics_bundle_fail_here(r, K_CONTENT, BM_FORM_SUM, (unsigned long long)sum,
                            (unsigned long long)m->record_count);
  if (m->form_count && !(r->seen = ics_calloc(m->form_count, sizeof *r->seen)))
    return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);

  /* format 2: sealed (the rest is read by unsealing), or signed */
  if (m->format >= 2 && memcmp(s, "sealed: ", 8) == 0) {
    if (r->outer) return ics_bundle_fail_here(r, K_CONTENT, BM_SEALED_NESTED);
    if (m->surveyor[0]) {
      r->line_no -= 1 + (uint64_t)m->form_count + 4; /* the surveyor's line */
      return ics_bundle_fail_here(r, K_CONTENT, BM_SEALED_SURVEYOR);
    }
    m->register_text = "";
    return ics_bundle_read_sealed_line(r, s, n);
  }
  if (m->format >= 2) {
    if (memcmp(s, "signer: ", 8) != 0) {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      return ics_bundle_fail_here(r, K_CONTENT, BM_EXPECTED_SIGNER, excerpt);
    }
    size_t got = 0;
    if (n != 8 + sizeof r->signer * 2 || !ics_hex_valid(s + 8, n - 8) ||
        sodium_hex2bin(r->signer, sizeof r->signer, s + 8, n - 8, NULL, &got, NULL) != 0 ||
        got != sizeof r->signer) {
      ics_excerpt(excerpt, sizeof excerpt, s + 8, n - 8);
      return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_SIGNER, excerpt);
    }
    memcpy(r->signer_hex, s + 8, n - 8);
    r->signer_hex[n - 8] = '\0';
    r->is_signed = true;
    if (ics_bundle_take_line(r, &s, &n) || ics_bundle_check_line_text(r, s, n, 0)) return -1;
    if (n < 10 || memcmp(s, "register: ", 10) != 0) {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_REGISTER_LINE, excerpt);
    }
  }
  uint64_t len;
  if (read_count(r, "register", s + 10, n - 10, &len) ||
      read_block(r, len, ics_bundle_msg(BM_WHAT_REGISTER, r->lang), &m->register_text))
    return -1;
  m->register_len = (size_t)len;

  /* the definitions, in the order of the forms */
  for (size_t i = 0; i < m->form_count; i++) {
    ics_bundle_form *f = &r->forms[i];
    if (ics_bundle_take_line(r, &s, &n) || ics_bundle_check_line_text(r, s, n, 0)) return -1;
    size_t id_len = strlen(f->id);
    if (n < 12 + id_len + 1 || memcmp(s, "definition: ", 12) != 0 ||
        memcmp(s + 12, f->id, id_len) != 0 || s[12 + id_len] != ' ') {
      ics_excerpt(excerpt, sizeof excerpt, s, n);
      return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_DEFINITION_LINE, f->id, excerpt);
    }
    char what[160];
    snprintf(what, sizeof what, ics_bundle_msg(BM_WHAT_DEFINITION, r->lang), f->id);
    const char *text;
    if (read_count(r, "definition", s + 13 + id_len, n - 13 - id_len, &len) ||
        read_block(r, len, what, &text))
      return -1;
    f->definition = text;
    f->definition_len = (size_t)len;
  }
  return 0;
}

/* ---- records -------------------------------------------------------------------------------- */

/* Characters of a field name after the first: a-z 0-9 _ */
static const unsigned char name_char[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

static int bad_field_name(ics_bundle_reader *r, const char *p, const char *fend) {
  const char *eq = memchr(p, '=', (size_t)(fend - p));
  char excerpt[EXCERPT];
  ics_excerpt(excerpt, sizeof excerpt, p, (size_t)((eq ? eq : fend) - p));
  return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_FIELD_NAME, excerpt);
}

static int record_form(ics_bundle_reader *r, const char *id) {
  size_t count = r->manifest.form_count;
  if (r->last_form < count && strcmp(r->forms[r->last_form].id, id) == 0) return (int)r->last_form;
  for (size_t i = 0; i < count; i++)
    if (strcmp(r->forms[i].id, id) == 0) {
      r->last_form = i;
      return (int)i;
    }
  return -1;
}

/* Parses a record line s[0..n) (NUL-terminated) in place. */
int ics_bundle_parse_record(ics_bundle_reader *r, char *s, size_t n, ics_bundle_record *rec) {
  enum { COLUMNS = 9 };
  char *col[COLUMNS];
  size_t len[COLUMNS];
  char excerpt[EXCERPT];
  char *end = s + n, *p = s + 2;
  bool more = false;
  r->in_record = true;
  if (r->records > r->manifest.record_count)
    return ics_bundle_fail_here(r, K_CONTENT, BM_TOO_MANY_RECORDS,
                            (unsigned long long)r->manifest.record_count);
  if (ics_bundle_check_line_text(r, s, n, BUNDLE_ALLOW('\t'))) return -1;
  for (size_t i = 0; i < COLUMNS; i++) {
    char *t = memchr(p, '\t', (size_t)(end - p));
    if (!t && i < COLUMNS - 1) return ics_bundle_fail_here(r, K_CONTENT, BM_COLUMNS, i + 2);
    col[i] = p;
    len[i] = (size_t)((t ? t : end) - p);
    if (t) {
      *t = '\0';
      p = t + 1;
      more = i == COLUMNS - 1;
    }
  }

  unsigned char id[16];
  if (!ics_uuid_parse(col[0], len[0], id)) {
    ics_excerpt(excerpt, sizeof excerpt, col[0], len[0]);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_UUID, "instance_id", excerpt);
  }
  int form = record_form(r, col[1]);
  if (form < 0) {
    ics_excerpt(excerpt, sizeof excerpt, col[1], len[1]);
    return ics_bundle_fail_here(r, K_CONTENT, BM_UNKNOWN_FORM, excerpt);
  }
  if (!ics_bundle_revision_parse(col[2], len[2], &rec->revision)) {
    ics_excerpt(excerpt, sizeof excerpt, col[2], len[2]);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_REVISION, excerpt);
  }
  if (len[3] == 9 && memcmp(col[3], "finalized", 9) == 0) {
    rec->status = "finalized";
  } else if (len[3] == 4 && memcmp(col[3], "void", 4) == 0) {
    rec->status = "void";
  } else {
    ics_excerpt(excerpt, sizeof excerpt, col[3], len[3]);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_STATUS, excerpt);
  }
  for (int i = 4; i <= 5; i++)
    if (!ics_time_valid(col[i], len[i])) {
      ics_excerpt(excerpt, sizeof excerpt, col[i], len[i]);
      return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_TIME, i == 4 ? "created_at" : "updated_at",
                              excerpt);
    }
  for (int i = 6; i <= 7; i++) {
    size_t bad, text_len = ics_unescape(col[i], len[i], &bad);
    if (text_len == SIZE_MAX)
      return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_ESCAPE, i == 6 ? "surveyor" : "site", bad + 1);
    col[i][text_len] = '\0';
  }
  if (!ics_year_parse(col[8], len[8], &rec->round)) {
    ics_excerpt(excerpt, sizeof excerpt, col[8], len[8]);
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_YEAR, "round", excerpt);
  }

  /* the values: NAME=VALUE between tabs */
  size_t count = 0;
  while (more) {
    char *t = memchr(p, '\t', (size_t)(end - p));
    char *fend = t ? t : end;
    char *q = p;
    uint32_t h = BUNDLE_NAME_HASH_INIT;
    if (q == fend || *q < 'a' || *q > 'z') {
      if (q < fend && *q == '=') return bad_field_name(r, p, fend);
      if (!memchr(p, '=', (size_t)(fend - p)))
        return ics_bundle_fail_here(r, K_CONTENT, BM_FIELD_NO_EQUALS, count + 1);
      return bad_field_name(r, p, fend);
    }
    while (q < fend && name_char[(unsigned char)*q])
      h = bundle_name_hash_step(h, (unsigned char)*q++);
    if (q == fend) return ics_bundle_fail_here(r, K_CONTENT, BM_FIELD_NO_EQUALS, count + 1);
    if (*q != '=' || q - p > BUNDLE_NAME_MAX) return bad_field_name(r, p, fend);
    *q = '\0';
    char *value = q + 1;
    size_t value_len = (size_t)(fend - value);
    if (!value_len) return ics_bundle_fail_here(r, K_CONTENT, BM_EMPTY_VALUE, p);
    if (memchr(value, '\\', value_len)) {
      size_t bad;
      value_len = ics_unescape(value, value_len, &bad);
      if (value_len == SIZE_MAX) {
        char what[160];
        snprintf(what, sizeof what, ics_bundle_msg(BM_WHAT_FIELD, r->lang), p);
        return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_ESCAPE, what, bad + 1);
      }
    }
    value[value_len] = '\0';
    if (count == r->values_cap) {
      size_t cap = r->values_cap ? r->values_cap * 2 : 32;
      ics_bundle_value *values = ics_realloc(r->values, cap * sizeof *values);
      if (!values) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
      r->values = values;
      uint32_t *hashes = ics_realloc(r->hashes, cap * sizeof *hashes);
      if (!hashes) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
      r->hashes = hashes;
      r->values_cap = cap;
    }
    r->values[count].name = p;
    r->values[count].value = value;
    r->hashes[count] = h;
    count++;
    more = t != NULL;
    if (t) p = t + 1;
  }
  const char *dup;
  int unique = ics_bundle_names_unique(&r->names, r->values, r->hashes, count, &dup);
  if (unique < 0) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  if (!unique) return ics_bundle_fail_here(r, K_CONTENT, BM_DUPLICATE_FIELD, dup);

  if (++r->seen[form] > r->forms[form].records)
    return ics_bundle_fail_here(r, K_CONTENT, BM_TOO_MANY_FORM_RECORDS, r->forms[form].id,
                            (unsigned long long)r->forms[form].records);
  int added = ics_bundle_idset_add(&r->ids, id);
  if (added < 0) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  if (!added) return ics_bundle_fail_here(r, K_CONTENT, BM_DUPLICATE_INSTANCE, col[0]);

  rec->instance_id = col[0];
  rec->form_id = r->forms[form].id;
  rec->created_at = col[4];
  rec->updated_at = col[5];
  rec->surveyor = col[6];
  rec->site = col[7];
  rec->values = r->values;
  rec->value_count = count;
  r->in_record = false;
  return 1;
}

