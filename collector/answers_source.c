/* answers_source.c - the byte source of the answers-file reader: a file or text in memory,
 * a UTF-8 byte-order mark stripped at the start, then every byte validated as it is read
 * (UTF-8, line lengths, the control characters libyaml refuses) with 1-based positions, the
 * first problem kept for src_report (libyaml's read handler may not report). */
#include <errno.h>
#include <stdio.h>

#include "answers_private.h"

void src_error(source *s, long line, long col, answers_message m, size_t num) {
  if (s->failed) return;
  s->failed = true;
  s->err = m;
  s->err_line = line;
  s->err_col = col;
  s->err_num = num;
}

void src_report(const source *s, const char *name, ics_lang lang, ics_errors *diags) {
  const ics_message *fmt = &ics_answers_messages[s->err];
  int line = (int)s->err_line, col = (int)s->err_col;
  switch (s->err) {
  case A_CANNOT_READ:
    ics_errors_say(diags, lang, name, line, col, fmt, ics_errno_text((int)s->err_num, lang));
    break;
  case A_NOT_UTF8:
  case A_NUL:
    ics_errors_say(diags, lang, name, line, col, fmt, s->err_num);
    break;
  case A_NOT_IN_ENCODING:
    ics_errors_say(diags, lang, name, line, col, fmt, s->err_num, ics_encoding_name(s->encoding));
    break;
  case A_NO_MEMORY:
    ics_errors_say(diags, lang, name, line, col, fmt);
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

/* Bytes from the file or memory, after those read ahead. */
static size_t src_input(source *s, unsigned char *buf, size_t size) {
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

/* Raw bytes, without validation (a byte-order mark removed at the start): the input itself,
 * or what the decoder made of it. */
static size_t src_raw(source *s, unsigned char *buf, size_t size) {
  if (!s->decoder) return src_input(s, buf, size);
  while (s->converted_pos == s->converted.len) {
    s->converted.len = s->converted_pos = 0;
    unsigned char in[16384];
    size_t n = src_input(s, in, sizeof in);
    if (s->failed) return 0;
    bool at_end = n == 0 || (s->eof && s->pending_pos == s->pending_len);
    size_t bad = 0;
    if (ics_decoder_run(s->decoder, in, n, at_end, &s->converted, &bad)) {
      src_error(s, 0, 0, A_NOT_IN_ENCODING, bad + 1 + s->offset_bom);
      return 0;
    }
    if (s->converted.failed) {
      src_error(s, 0, 0, A_NO_MEMORY, 0);
      return 0;
    }
    if (n == 0 && s->converted.len == 0) return 0; /* the flush at the end may still give text */
  }
  size_t n = s->converted.len - s->converted_pos;
  if (n > size) n = size;
  memcpy(buf, s->converted.data + s->converted_pos, n);
  s->converted_pos += n;
  return n;
}

/* Whether p[0..n) is UTF-8, a character cut by the end (more may follow) allowed. */
static bool looks_utf8(const unsigned char *p, size_t n, bool complete) {
  size_t bad;
  if (ics_utf8_valid((const char *)p, n, &bad)) return true;
  if (complete || n - bad >= 4) return false;
  for (size_t i = bad + 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return false;
  return p[bad] >= 0xC2 && p[bad] <= 0xF4; /* a lead byte whose continuation is still to come */
}

enum { SNIFF = 65536 }; /* bytes of spreadsheet text that decide between UTF-8 and a code page */

static bool src_start(source *s) {
  s->started = true;
  s->line = 1;
  s->pending = ics_malloc(SNIFF);
  if (!s->pending) {
    src_error(s, 0, 0, A_NO_MEMORY, 0);
    return false;
  }
  unsigned char *head = s->pending;
  s->pending_len = s->pending_pos = 0;
  size_t n = src_input(s, head, s->spreadsheet ? SNIFF : 3);
  if (s->failed) return false;
  size_t skip = 0;
  bool utf16le = n >= 2 && head[0] == 0xFF && head[1] == 0xFE;
  bool utf16be = n >= 2 && head[0] == 0xFE && head[1] == 0xFF;
  s->encoding = ICS_ENC_UTF8;
  if (utf16le || utf16be) {
    if (!s->spreadsheet) { /* YAML answers files are UTF-8 */
      src_error(s, 1, 1, A_UTF16, 0);
      return false;
    }
    s->encoding = utf16le ? ICS_ENC_UTF16LE : ICS_ENC_UTF16BE;
    skip = 2;
  } else if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
    skip = 3; /* Notepad's and Excel's UTF-8 byte-order mark: not part of the text */
  } else if (s->spreadsheet) {
    /* no mark: UTF-8 when the text reads as UTF-8, else what --encoding says or Windows-1258
       (a Vietnamese Windows' "ANSI"; the bytes cannot tell it from Windows-1252) */
    if (s->encoding_given) s->encoding = s->encoding_given_as;
    else if (!looks_utf8(head, n, s->eof)) s->encoding = ICS_ENC_WINDOWS_1258;
    s->encoding_guessed = !s->encoding_given && s->encoding != ICS_ENC_UTF8;
  }
  s->offset = s->offset_bom = skip;
  s->pending_pos = skip;
  s->pending_len = n;
  if (s->encoding != ICS_ENC_UTF8) {
    s->decoder = ics_decoder_open(s->encoding);
    if (!s->decoder) {
      src_error(s, 0, 0, A_NO_MEMORY, 0);
      return false;
    }
    s->offset = 0; /* positions now count converted bytes */
  }
  return true;
}

void src_free(source *s) {
  ics_free(s->pending);
  s->pending = NULL;
  ics_decoder_close(s->decoder);
  s->decoder = NULL;
  ics_buf_free(&s->converted);
}

/* Text that is not UTF-8 after all: spreadsheet text may name its encoding instead. */
static answers_message not_utf8(const source *s) {
  return s->spreadsheet ? A_NOT_IN_ENCODING : A_NOT_UTF8;
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
        src_error(s, s->line, s->col, not_utf8(s), s->offset + i + 1);
        return false;
      }
    } else {
      if (c < s->lo || c > s->hi) {
        src_error(s, s->lead_line, s->lead_col, not_utf8(s), s->lead_offset + 1);
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
size_t src_read(source *s, unsigned char *buf, size_t size) {
  if (s->failed) return 0;
  if (!s->started && !src_start(s)) return 0;
  size_t n = src_raw(s, buf, size);
  if (s->failed) return 0;
  if (!src_validate(s, buf, n)) return 0;
  if (n == 0 && s->need > 0) { /* the file ends inside a character */
    src_error(s, s->lead_line, s->lead_col, not_utf8(s), s->lead_offset + 1);
    return 0;
  }
  return n;
}
