/* bundle_read.c - reading bundles (docs/bundle-format.md): the stream. The gzip member is
 * inflated 64 KiB at a time, never past the decompressed-size limit; lines are cut with memchr
 * and used where they lie (records point into the chunk or the one line buffer), so memory does
 * not grow with the bundle except for the set of instance ids that finds duplicates. When the
 * content turns out wrong, the rest of the gzip member is inflated (up to DRAIN_MAX) to see
 * whether the real cause is damage or truncation, which is then reported instead. What the
 * lines say is bundle_parse.c's; a sealed bundle's envelope is bundle_seal.c's. */
#include "bundle_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Records the problem (one found while draining replaces the first only if it is damage), its
 * code `code` unless ICS_OK (the message's own). */
static int r_failv(ics_bundle_reader *r, error_kind kind, ics_code code, bool prefix,
                   bundle_message id, va_list ap) {
  char at[128] = "";
  if (prefix && r->in_record)
    snprintf(at, sizeof at, ics_bundle_msg(BM_AT_RECORD, r->lang), (unsigned long long)r->records,
             (unsigned long long)r->line_no);
  else if (prefix)
    snprintf(at, sizeof at, ics_bundle_msg(BM_AT_LINE, r->lang), (unsigned long long)r->line_no);
  ics_error problem = {0};
  ics_bundle_vsay(&problem, r->lang, code, at, id, ap);
  if (r->draining) { /* only damage found while draining counts; the first message stays */
    if (kind == K_GZIP) {
      ics_error_clear(&r->error);
      ics_error_move(&r->error, &problem);
    } else {
      ics_error_clear(&problem);
    }
    return -1;
  }
  ics_error_clear(&r->error);
  ics_error_move(&r->error, &problem);
  r->state = S_FAILED;
  return -1;
}

/* After a content error: inflate the rest of the member (at most DRAIN_MAX more) and report
 * damage or truncation found there instead, since that is what caused the error. */
static void drain(ics_bundle_reader *r) {
  if (r->z_end || !r->z_ready) return;
  r->draining = true;
  uint64_t limit = r->out_total + DRAIN_MAX;
  if (limit < r->out_limit) r->out_limit = limit;
  while (ics_bundle_inflate_more(r) == 1) r->out_pos = r->out_len;
  r->draining = false;
}

int ics_bundle_fail(ics_bundle_reader *r, error_kind kind, bundle_message id, ...) {
  va_list ap;
  va_start(ap, id);
  r_failv(r, kind, ICS_OK, false, id, ap);
  va_end(ap);
  if (kind == K_CONTENT) drain(r);
  return -1;
}

/* The same with "line N: " or "record N: line M: " before the message. */
int ics_bundle_fail_here(ics_bundle_reader *r, error_kind kind, bundle_message id, ...) {
  va_list ap;
  va_start(ap, id);
  r_failv(r, kind, ICS_OK, true, id, ap);
  va_end(ap);
  if (kind == K_CONTENT) drain(r);
  return -1;
}

/* "cannot ... the bundle: ics_errno_text(e, r->lang)", its code from e. */
static int fail_errno(ics_bundle_reader *r, bundle_message id, int e, ...) {
  va_list ap;
  va_start(ap, e);
  r_failv(r, K_OTHER, ics_code_from_errno(e), false, id, ap);
  va_end(ap);
  return -1;
}

/* ---- compressed input ---------------------------------------------------------------------- */

static int refill(ics_bundle_reader *r) {
  if (r->outer) return ics_bundle_refill_sealed(r);
  if (r->file) {
    size_t n = fread(r->in, 1, CHUNK, r->file);
    if (n < CHUNK) {
      int e = errno;
      if (ferror(r->file)) return fail_errno(r, BM_CANNOT_READ, e, ics_errno_text(e, r->lang));
      r->in_eof = true;
    }
    r->zs.next_in = r->in;
    r->zs.avail_in = (uInt)n;
  } else {
    size_t n = r->mem_size - r->mem_pos;
    if (n > (size_t)1 << 30) n = (size_t)1 << 30;
    r->zs.next_in = (unsigned char *)(uintptr_t)(r->mem + r->mem_pos);
    r->zs.avail_in = (uInt)n;
    r->mem_pos += n;
    if (r->mem_pos == r->mem_size) r->in_eof = true;
  }
  return 0;
}

static int damaged(ics_bundle_reader *r) {
  const char *zmsg = r->zs.msg ? r->zs.msg : "?";
  char what[256];
  bundle_message id = BM_Z_DATA;
  if (strcmp(zmsg, "incorrect data check") == 0)
    id = BM_Z_CRC;
  else if (strcmp(zmsg, "incorrect length check") == 0)
    id = BM_Z_LENGTH;
  else if (strcmp(zmsg, "incorrect header check") == 0 ||
           strcmp(zmsg, "unknown compression method") == 0 ||
           strcmp(zmsg, "unknown header flags set") == 0 ||
           strcmp(zmsg, "header crc mismatch") == 0)
    id = BM_Z_HEADER;
  snprintf(what, sizeof what, ics_bundle_msg(id, r->lang), zmsg);
  return ics_bundle_fail(r, K_GZIP, BM_DAMAGED, what, (unsigned long long)r->zs.total_in);
}

/* Inflates the next chunk of content into out. 1: out has bytes; 0: the member ended (its
 * CRC and length checked); -1: an error (recorded). */
int ics_bundle_inflate_more(ics_bundle_reader *r) {
  for (;;) {
    if (r->z_end) return 0;
    if (r->zs.avail_in == 0 && !r->in_eof && refill(r)) return -1;
    /* never inflate more than one byte past the limit */
    uint64_t room = r->out_limit - r->out_total;
    size_t want = room < CHUNK ? (size_t)room + 1 : CHUNK;
    r->zs.next_out = r->out;
    r->zs.avail_out = (uInt)want;
    uInt in_before = r->zs.avail_in;
    int z = inflate(&r->zs, Z_NO_FLUSH);
    size_t got = want - r->zs.avail_out;
    r->out_total += got;
    if (r->out_total > r->out_limit) {
      if (r->draining) return -1; /* gave up looking for damage */
      return ics_bundle_fail(r, K_OTHER, BM_LIMIT_DECOMPRESSED,
                         (unsigned long long)r->limits.max_decompressed);
    }
    switch (z) {
    case Z_OK: break;
    case Z_STREAM_END:
      r->z_end = true;
      r->member_end = r->zs.total_in;
      break;
    case Z_BUF_ERROR:
      if (r->zs.avail_in != 0 || in_before != 0) return damaged(r); /* cannot happen */
      break;
    case Z_MEM_ERROR: return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
    default: return damaged(r); /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
    }
    if (got) {
      r->out_pos = 0;
      r->out_len = got;
      return 1;
    }
    if (r->z_end) return 0;
    if (r->zs.avail_in == 0 && r->in_eof)
      return ics_bundle_fail(r, K_GZIP, BM_TRUNCATED, (unsigned long long)r->zs.total_in);
  }
}

/* After the member: nothing else may be in the file. */
static int check_after_member(ics_bundle_reader *r) {
  unsigned char next[2];
  size_t k = 0;
  while (k < 2) {
    if (r->zs.avail_in) {
      next[k++] = *r->zs.next_in++;
      r->zs.avail_in--;
    } else if (r->in_eof) {
      break;
    } else if (refill(r)) {
      return -1;
    }
  }
  if (k == 0) return 0;
  if (k == 2 && next[0] == 0x1f && next[1] == 0x8b)
    return ics_bundle_fail(r, K_GZIP, BM_SECOND_MEMBER, (unsigned long long)r->member_end);
  return ics_bundle_fail(r, K_GZIP, BM_TRAILING, (unsigned long long)r->member_end);
}

/* The gzip header a bundle has: 1f 8b 08, no flags, time 0, XFL 0/2/4, OS 255. */
static int check_header(ics_bundle_reader *r) {
  const unsigned char *h = r->zs.next_in;
  size_t n = r->zs.avail_in;
  if (n == 0) return ics_bundle_fail(r, K_OTHER, BM_EMPTY);
  if (n < 2 || h[0] != 0x1f || h[1] != 0x8b) return ics_bundle_fail(r, K_OTHER, BM_NOT_GZIP);
  static const char *const expected[10] = {"0x1f", "0x8b", "0x08", "0x00", "0x00",
                                           "0x00", "0x00", "0x00", "0x00", "0xff"};
  for (size_t i = 2; i < 10 && i < n; i++) {
    bool ok = i == 8 ? (h[i] == 0 || h[i] == 2 || h[i] == 4)
                     : h[i] == (i == 2   ? 0x08
                                : i == 9 ? 0xff
                                         : 0x00);
    if (!ok) return ics_bundle_fail(r, K_GZIP, BM_BAD_GZIP_HEADER, (int)i, (unsigned)h[i], expected[i]);
  }
  if (n < 10) return ics_bundle_fail(r, K_GZIP, BM_TRUNCATED, (unsigned long long)n);
  return 0;
}

/* ---- lines --------------------------------------------------------------------------------- */

/* The next line of at most max bytes (without its "\n", which stays at (*line)[*len]).
 * 1: a line; 0: the content ended cleanly before it; -1: an error (recorded); -2: the line is
 * longer than max (not recorded). */
int ics_bundle_get_line(ics_bundle_reader *r, size_t max, char **line, size_t *len) {
  size_t have = 0; /* bytes gathered in r->line */
  for (;;) {
    if (r->out_pos < r->out_len) {
      char *start = (char *)r->out + r->out_pos;
      size_t avail = r->out_len - r->out_pos;
      char *nl = memchr(start, '\n', avail);
      size_t take = nl ? (size_t)(nl - start) + 1 : avail;
      if (have + take - (nl ? 1 : 0) > max) return -2;
      if (nl && have == 0) { /* the whole line is in the chunk: use it there */
        r->out_pos += take;
        *line = start;
        *len = take - 1;
        return 1;
      }
      if (have + take > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 4096;
        while (cap < have + take) cap *= 2;
        if (max < SIZE_MAX && cap > max + 1) cap = max + 1;
        char *grown = ics_realloc(r->line, cap);
        if (!grown) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
        r->line = grown;
        r->line_cap = cap;
      }
      memcpy(r->line + have, start, take);
      have += take;
      r->out_pos += take;
      if (nl) {
        *line = r->line;
        *len = have - 1;
        return 1;
      }
    }
    int rc = ics_bundle_inflate_more(r);
    if (rc < 0) return -1;
    if (rc == 0) {
      if (have)
        return ics_bundle_fail(r, K_OTHER, BM_TRUNCATED_LINE, (unsigned long long)r->line_no + 1);
      return 0;
    }
  }
}

/* The next line, which must be there: 1, or -1 with a line too long or the content ending
 * before it recorded. */
int ics_bundle_need_line(ics_bundle_reader *r, char **line, size_t *len) {
  int rc = ics_bundle_get_line(r, r->limits.max_line, line, len);
  if (rc == -2) {
    r->line_no++;
    return ics_bundle_fail_here(r, K_OTHER, BM_LIMIT_LINE, r->limits.max_line);
  }
  if (rc == 0) return ics_bundle_fail(r, K_OTHER, BM_TRUNCATED_CONTENT, (unsigned long long)r->line_no);
  return rc;
}

/* A line that is part of the hashed content: hashed, NUL-terminated, counted. */
int ics_bundle_take_line(ics_bundle_reader *r, char **line, size_t *len) {
  if (ics_bundle_need_line(r, line, len) < 0) return -1;
  crypto_hash_sha256_update(&r->sha, (const unsigned char *)*line, *len + 1);
  (*line)[*len] = '\0';
  r->line_no++;
  return 0;
}

/* The line is valid UTF-8 with no control characters but those allowed. */
int ics_bundle_check_line_text(ics_bundle_reader *r, const char *s, size_t n, uint32_t allowed) {
  bool control = false;
  size_t bad = ics_text_scan(s, n, allowed, &control);
  if (bad == n) return 0;
  if (control)
    return ics_bundle_fail_here(r, K_CONTENT, BM_CONTROL, (unsigned)(unsigned char)s[bad], bad + 1);
  return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_UTF8, bad + 1);
}

/* The "end: N SHA256HEX" line s[0..n) (and, when signed, the signature line after it), then
 * everything only the end can tell. A sealed bundle's readable part counts the records of
 * its inner bundle. */
int ics_bundle_read_trailer(ics_bundle_reader *r, char *s, size_t n) {
  s[n] = '\0';
  r->line_no++;
  char *sp = n > 5 ? memchr(s + 5, ' ', n - 5) : NULL;
  uint64_t announced;
  if (n < 5 || memcmp(s, "end: ", 5) != 0 || !sp ||
      !ics_count_parse(s + 5, (size_t)(sp - (s + 5)), &announced) ||
      !ics_hash_valid(sp + 1, (size_t)(s + n - (sp + 1))))
    return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_TRAILER);
  /* what a signature signs: the context and this line (kept: the next line may move it) */
  char signed_text[sizeof SIGNATURE_CONTEXT + 128];
  int signed_len = snprintf(signed_text, sizeof signed_text, "%s%s\n", SIGNATURE_CONTEXT, s);
  char hash[BUNDLE_HASH_LEN + 1];
  memcpy(hash, sp + 1, sizeof hash);
  unsigned char signature[crypto_sign_BYTES];
  if (r->is_signed) {
    char *line;
    size_t len;
    int rc = ics_bundle_get_line(r, FIRST_LINE_MAX * 4, &line, &len);
    if (rc == -1) return -1;
    r->line_no++;
    if (rc == 0) return ics_bundle_fail_here(r, K_CONTENT, BM_NO_SIGNATURE);
    size_t got = 0;
    if (rc == -2 || len != 11 + sizeof signature * 2 || memcmp(line, "signature: ", 11) != 0 ||
        !ics_hex_valid(line + 11, len - 11) ||
        sodium_hex2bin(signature, sizeof signature, line + 11, len - 11, NULL, &got, NULL) != 0 ||
        got != sizeof signature)
      return ics_bundle_fail_here(r, K_CONTENT, BM_BAD_SIGNATURE_LINE);
  }

  /* nothing after it, in the member or after the member */
  int rc = r->out_pos < r->out_len ? 1 : ics_bundle_inflate_more(r);
  if (rc < 0) return -1;
  if (rc == 1) {
    r->line_no++;
    return ics_bundle_fail_here(r, K_CONTENT, BM_AFTER_TRAILER);
  }
  if (check_after_member(r)) return -1;

  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  crypto_hash_sha256_final(&r->sha, digest);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  if (r->is_signed) r->line_no--; /* messages about the end line */
  if (strcmp(hex, hash) != 0) return ics_bundle_fail_here(r, K_CONTENT, BM_HASH_MISMATCH);
  const ics_bundle_reader *counted = r->inner ? r->inner : r;
  if (announced != counted->records)
    return ics_bundle_fail_here(r, K_CONTENT, BM_TRAILER_COUNT, (unsigned long long)announced,
                            (unsigned long long)counted->records);
  for (size_t i = 0; i < r->manifest.form_count; i++)
    if (counted->seen[i] != r->forms[i].records)
      return ics_bundle_fail(r, K_CONTENT, BM_COUNT_FORM, (unsigned long long)r->forms[i].records,
                         r->forms[i].id, (unsigned long long)counted->seen[i]);
  if (counted->records != r->manifest.record_count)
    return ics_bundle_fail(r, K_CONTENT, BM_COUNT_TOTAL, (unsigned long long)r->manifest.record_count,
                       (unsigned long long)counted->records);
  if (r->is_signed) {
    r->line_no++;
    if (crypto_sign_verify_detached(signature, (const unsigned char *)signed_text,
                                    (size_t)signed_len, r->signer) != 0)
      return ics_bundle_fail_here(r, K_CONTENT, BM_SIGNATURE_FAILS);
  }
  r->state = S_DONE;
  return 0;
}

/* 1: a record; 0: the end, verified; -1: r->error says what is wrong. */
static int next_record(ics_bundle_reader *r, ics_bundle_record *record) {
  if (r->state == S_DONE) return 0;
  if (r->state == S_READING && r->sealed) {
    int rc = ics_bundle_next_sealed(r, record);
    if (rc >= 0) return rc;
  } else if (r->state == S_READING) {
    char *s;
    size_t n;
    int rc = ics_bundle_need_line(r, &s, &n);
    if (rc == 1 && n >= 4 && memcmp(s, "end:", 4) == 0) {
      if (ics_bundle_read_trailer(r, s, n) == 0) return 0;
    } else if (rc == 1) {
      crypto_hash_sha256_update(&r->sha, (const unsigned char *)s, n + 1);
      s[n] = '\0';
      r->line_no++;
      if (n < 2 || s[0] != 'R' || s[1] != '\t') {
        char excerpt[EXCERPT];
        ics_excerpt(excerpt, sizeof excerpt, s, n);
        ics_bundle_fail_here(r, K_CONTENT, BM_RECORD_EXPECTED, excerpt);
      } else {
        r->records++;
        memset(record, 0, sizeof *record);
        if (ics_bundle_parse_record(r, s, n, record) == 1) return 1;
      }
    }
  }
  return -1;
}

int ics_bundle_next(ics_bundle_reader *r, ics_bundle_record *record, bool *got,
                    ics_error *err) {
  *got = false;
  if (!r) {
    ics_error_set(err, ICS_VI, ICS_E_STATE, NULL); /* no reader: its opening said why */
    return -1;
  }
  int rc = next_record(r, record);
  if (rc < 0) {
    ics_bundle_error_copy(err, r->lang, &r->error); /* kept: further calls say the same */
    return -1;
  }
  *got = rc == 1;
  return 0;
}

/* ---- opening and closing -------------------------------------------------------------------- */

ics_bundle_reader *ics_bundle_reader_new(const ics_bundle_limits *limits, ics_lang lang) {
  ics_bundle_reader *r = ics_calloc(1, sizeof *r);
  if (!r) return NULL;
  r->lang = lang;
  if (limits)
    r->limits = *limits;
  else
    ics_bundle_default_limits(&r->limits);
  r->out_limit = r->limits.max_decompressed;
  r->state = S_READING;
  return r;
}

/* Checks the gzip header, starts zlib and reads the manifest. */
int ics_bundle_reader_start(ics_bundle_reader *r) {
  if (!ics_bundle_start_sodium()) return ics_bundle_fail(r, K_OTHER, BM_SODIUM);
  ics_bundle_idset_init(&r->ids);
  crypto_hash_sha256_init(&r->sha);
  r->arena = ics_arena_new();
  r->out = ics_malloc(CHUNK);
  if (r->file) r->in = ics_malloc(CHUNK);
  if (!r->arena || !r->out || (r->file && !r->in)) return ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
  if (refill(r) || check_header(r)) return -1;
  r->zs.zalloc = ics_zlib_alloc;
  r->zs.zfree = ics_zlib_free;
  int z = inflateInit2(&r->zs, 15 + 16); /* gzip only */
  if (z != Z_OK)
    return ics_bundle_fail(r, K_OTHER, z == Z_MEM_ERROR ? BM_NO_MEMORY : BM_ZLIB, "inflateInit2");
  r->z_ready = true;
  return ics_bundle_read_manifest(r);
}

static ics_bundle_reader *reader_open(ics_bundle_reader *r, ics_error *err) {
  if (ics_bundle_reader_start(r) == 0) {
    r->manifest.forms = r->forms;
    return r;
  }
  ics_error_move(err, &r->error);
  ics_bundle_close(r);
  return NULL;
}

ics_bundle_reader *ics_bundle_open(const char *path, const ics_bundle_limits *limits, ics_lang lang,
                                   ics_error *err) {
  ics_bundle_reader *r = ics_bundle_reader_new(limits, lang);
  if (!r) {
    ics_error_no_memory(err, lang);
    return NULL;
  }
  ics_code status = ics_open_regular(path, &r->file);
  if (status != ICS_OK) {
    int saved = errno;
    if (status == ICS_E_NOT_REGULAR) ics_bundle_fail(r, K_OTHER, BM_NOT_REGULAR);
    else if (status == ICS_E_NO_MEMORY) ics_bundle_fail(r, K_OTHER, BM_NO_MEMORY);
    else fail_errno(r, BM_CANNOT_OPEN, saved, ics_errno_text(saved, r->lang));
    ics_error_move(err, &r->error);
    ics_bundle_close(r);
    return NULL;
  }
  return reader_open(r, err);
}

ics_bundle_reader *ics_bundle_open_memory(const void *data, size_t size,
                                          const ics_bundle_limits *limits, ics_lang lang,
                                          ics_error *err) {
  ics_bundle_reader *r = ics_bundle_reader_new(limits, lang);
  if (!r) {
    ics_error_no_memory(err, lang);
    return NULL;
  }
  r->mem = size ? data : (const unsigned char *)"";
  r->mem_size = size;
  return reader_open(r, err);
}

const ics_bundle_manifest *ics_bundle_manifest_of(const ics_bundle_reader *r) {
  return r->inner ? &r->inner->manifest : &r->manifest;
}

bool ics_bundle_is_sealed(const ics_bundle_reader *r) { return r->sealed; }

const char *ics_bundle_signer(const ics_bundle_reader *r) {
  if (r->inner) r = r->inner;
  return r->is_signed ? r->signer_hex : NULL;
}

void ics_bundle_close(ics_bundle_reader *r) {
  if (!r) return;
  ics_bundle_close(r->inner);
  ics_free(r->cipher);
  sodium_memzero(&r->stream, sizeof r->stream);
  if (r->file) fclose(r->file);
  if (r->z_ready) inflateEnd(&r->zs);
  ics_free(r->in);
  ics_free(r->out);
  ics_free(r->line);
  ics_free(r->forms);
  ics_free(r->seen);
  ics_free(r->values);
  ics_free(r->hashes);
  ics_bundle_nameset_free(&r->names);
  ics_bundle_idset_free(&r->ids);
  ics_arena_free(r->arena);
  ics_error_clear(&r->error);
  ics_free(r);
}
