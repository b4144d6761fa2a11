/* files.c - what kind of file a path holds, told from its first bytes, whole small files,
 * lines, the clock, and text made safe for a terminal. Portable: the platform seam
 * (platform_posix.c, platform_win32.c) opens the files. */
#include "ics_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform_private.h"

static uint32_t big_endian32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

ics_file_kind ics_file_sniff(const char *path) {
  unsigned char head[512];
  size_t n;
  ics_code status = ics_read_head(path, head, sizeof head - 1, &n);
  if (status == ICS_E_NOT_FOUND) return ICS_FILE_NONE;
  if (status == ICS_E_NOT_REGULAR) return ICS_FILE_SPECIAL;
  if (status != ICS_OK) return ICS_FILE_UNREADABLE;
  head[n] = '\0';
  if (n == 0) return ICS_FILE_EMPTY;
  /* SQLite's header: the magic string, and the application id at offset 68 */
  if (n >= 100 && !memcmp(head, "SQLite format 3", 16)) {
    uint32_t id = big_endian32(head + 68);
    return id == ICS_SQLITE_ID_STORE     ? ICS_FILE_STORE
           : id == ICS_SQLITE_ID_CENTRAL ? ICS_FILE_CENTRAL
                                         : ICS_FILE_DATABASE;
  }
  /* gzip: a survey kit names itself in its header (FLG FNAME, the name "ictsurvey-kit");
   * bundles have no name (FLG 0) and are told by the OS byte 0xFF ("unknown"); gzip and other
   * tools write their own, so a compressed backup is not taken for a bundle */
  if (n >= 24 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 0x08 && head[3] == 0x08 &&
      !memcmp(head + 10, "ictsurvey-kit", 14))
    return ICS_FILE_KIT;
  if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    return n >= 10 && head[9] == 0xFF ? ICS_FILE_BUNDLE : ICS_FILE_ARCHIVE;
  /* zip: a workbook is an Office package (its first entry, named at offset 30, is one of the
   * package's own files) called .xlsx; a .docx or a .zip backup is another thing */
  if (n >= 4 && !memcmp(head, "PK\3\4", 4)) {
    static const char *const office[] = {"[Content_Types].xml", "docProps/", "xl/", "_rels/"};
    size_t len = strlen(path);
    bool xlsx = len > 5 && (!strcmp(path + len - 5, ".xlsx") || !strcmp(path + len - 5, ".XLSX"));
    for (size_t i = 0; xlsx && n > 30 && i < sizeof office / sizeof *office; i++)
      if (!strncmp((const char *)head + 30, office[i], strlen(office[i]))) return ICS_FILE_WORKBOOK;
    return ICS_FILE_ARCHIVE;
  }
  if (n >= 19 && !memcmp(head, "ictsurvey-receipt: ", 19)) return ICS_FILE_RECEIPT;
  /* key files: comment lines, then "ictsurvey-central-{public,secret}-key:" */
  if (strstr((const char *)head, "ictsurvey-central-")) return ICS_FILE_KEY;
  return ICS_FILE_OTHER;
}

ics_code ics_read_file(const char *path, size_t limit, char **data, size_t *size) {
  *data = NULL;
  *size = 0;
  FILE *f;
  ics_code status = ics_open_regular(path, &f);
  if (status != ICS_OK) return status;
  /* a file far too large is refused before it is read (ftell fails beyond 2 GiB on
   * Windows: the reading below refuses it then) */
  long end = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (end > 0 && (unsigned long)end > limit) {
    *size = (size_t)end;
    fclose(f);
    return ICS_E_TOO_LARGE;
  }
  rewind(f);
  /* Read in pieces: pipes and special files have no size up front. */
  ics_buf b = {0};
  char piece[65536];
  size_t n;
  while ((n = fread(piece, 1, sizeof piece, f)) > 0) {
    if (b.len + n > limit) {
      *size = b.len + n;
      ics_buf_free(&b);
      fclose(f);
      return ICS_E_TOO_LARGE;
    }
    ics_buf_append(&b, piece, n);
  }
  bool read_error = ferror(f);
  fclose(f);
  if (read_error) {
    ics_buf_free(&b);
    return ICS_E_IO;
  }
  if (b.failed) {
    ics_buf_free(&b);
    return ICS_E_NO_MEMORY;
  }
  *size = b.len;
  *data = b.data ? b.data : ics_strdup("");
  if (!*data) return ICS_E_NO_MEMORY;
  return ICS_OK;
}

void ics_now_utc(char out[21]) {
  const char *fixed = getenv("ICTSURVEY_NOW"); /* tests pin the clock */
  if (fixed && strlen(fixed) == 20) {
    memcpy(out, fixed, 21);
    return;
  }
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ics_current_year(void) {
  char now[21];
  ics_now_utc(now);
  return atoi(now);
}

void ics_host_tag(const char *host, char out[33]) {
  size_t n = 0;
  for (const char *p = host; *p && n < 32; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-')
      out[n++] = *p;
  if (!n) out[n++] = 'x';
  out[n] = '\0';
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void ics_sort_names(char **names, size_t count) {
  if (count) qsort(names, count, sizeof *names, compare_names);
}

bool ics_stream_read_line(FILE *in, char *buf, size_t size) {
  if (!fgets(buf, (int)size, in)) {
    clearerr(in); /* a later read (after Ctrl-C) may still get a line */
    return false;
  }
  size_t n = strlen(buf);
  if (n && buf[n - 1] != '\n' && !feof(in)) { /* too long: drop the rest of the line */
    int c;
    while ((c = fgetc(in)) != EOF && c != '\n') {
    }
  }
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  return true;
}

const char *ics_file_kind_name(ics_file_kind kind, ics_lang lang) {
  static const ics_text names[] = {
      [ICS_FILE_NONE] = {"không tồn tại", "does not exist"},
      [ICS_FILE_EMPTY] = {"một tệp rỗng", "an empty file"},
      [ICS_FILE_SPECIAL] = {"một thư mục hay thiết bị, không phải tệp thường",
                            "a folder or a device, not a regular file"},
      [ICS_FILE_STORE] = {"một kho dữ liệu của người khảo sát (collect init)",
                          "a surveyor's store (collect init)"},
      [ICS_FILE_CENTRAL] = {"cơ sở dữ liệu trung tâm", "the central database"},
      [ICS_FILE_DATABASE] = {"một cơ sở dữ liệu SQLite", "an SQLite database"},
      [ICS_FILE_BUNDLE] = {"một tệp gói (bundle)", "a bundle"},
      [ICS_FILE_KIT] = {"một bộ biểu mẫu (kit)", "a survey kit"},
      [ICS_FILE_KEY] = {"một tệp khóa (keys init)", "a key file (keys init)"},
      [ICS_FILE_RECEIPT] = {"một giấy biên nhận của Sở (merge --receipts)", "a receipt of the office (merge --receipts)"},
      [ICS_FILE_WORKBOOK] = {"một bảng tính .xlsx", "an .xlsx workbook"},
      [ICS_FILE_ARCHIVE] = {"một tệp nén (.zip, .gz) hay tài liệu", "a compressed archive (.zip, .gz) or document"},
      [ICS_FILE_UNREADABLE] = {"một tệp không đọc được (không có quyền?)", "a file that cannot be read (no permission?)"},
      [ICS_FILE_OTHER] = {"một tệp khác", "another file"},
  };
  _Static_assert(sizeof names / sizeof *names == ICS_FILE_OTHER + 1, "a name for every kind");
  return ics_text_get(names[kind], lang);
}

void ics_escape_controls(ics_buf *b, const char *s, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t len = 1;
    unsigned code = c;
    if (c >= 0x80) { /* C1 controls are U+0080..U+009F, two bytes in UTF-8 */
      len = ics_utf8_char(s + i, n - i);
      code = len == 2 ? ((c & 0x1Fu) << 6 | ((unsigned char)s[i + 1] & 0x3Fu)) : 0x100;
      if (!len) { /* not UTF-8: shown as its byte */
        len = 1;
        code = 0x9F;
      }
    }
    /* bidirectional overrides and isolates (U+202A-202E, U+2066-2069) reorder what is shown */
    bool bidi = len == 3 && c == 0xE2 &&
                (((unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] >= 0xAA &&
                  (unsigned char)s[i + 2] <= 0xAE) ||
                 ((unsigned char)s[i + 1] == 0x81 && (unsigned char)s[i + 2] >= 0xA6 &&
                  (unsigned char)s[i + 2] <= 0xA9));
    if (code < 0x20 || code == 0x7F || (code >= 0x80 && code <= 0x9F) || bidi) {
      ics_buf_append(b, s + start, i - start);
      if (code == '\n') ics_buf_puts(b, "\\n");
      else if (code == '\r') ics_buf_puts(b, "\\r");
      else if (code == '\t') ics_buf_puts(b, "\\t");
      else for (size_t k = 0; k < len; k++) ics_buf_printf(b, "\\x%02X", (unsigned char)s[i + k]);
      start = i + len;
    }
    i += len;
  }
  ics_buf_append(b, s + start, n - start);
}
