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
size_t src_read(source *s, unsigned char *buf, size_t size) {
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
