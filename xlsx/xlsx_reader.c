/* xlsx_reader.c - the cells of an .xlsx workbook (xlsx_reader.h).
 *
 * The file is sniffed first (empty, an OLE compound file, not a zip), then opened as a zip by
 * minizip through io functions of ours over the FILE* or the memory, and its directory indexed
 * (a hash of each name: parts are found case-insensitively, as OPC names compare, and a name
 * held twice is refused rather than one copy chosen). The parts are read in the order that
 * they depend on each other: _rels/.rels (where the workbook is), the workbook (its sheets),
 * the workbook's relationships (the sheets' parts and the shared strings), the shared strings
 * (held in memory: cells refer to them by index), then each worksheet, whose rows are handed to
 * the callback as they end. Every part is inflated in chunks into expat, never whole; expat
 * sees only what it needs to (no DTD, no external entities), and our handlers keep a stack of
 * the elements open, so that each text is taken only where the schema puts it.
 *
 * What a hostile file can do and what stops it:
 *  - a zip bomb: the bytes inflated are counted, the declared size is not believed;
 *  - entities (billion laughs, external files): a DOCTYPE stops the parser at its start;
 *  - one endless token (a tag or a comment that expat must hold whole): the bytes since the
 *    last event are bounded (MAX_TOKEN), and the nesting (MAX_DEPTH);
 *  - memory: the shared strings (ICS_XLSX_MAX_STRINGS) and one row's cells, sparse: a row with
 *    one cell at XFD holds one cell; the texts of a row are bounded too;
 *  - confusion: two parts of one name, a part that is a folder, an encrypted entry, cells or
 *    rows out of order or out of range, a shared string index beyond the table.
 * Control characters (other than tab, LF and CR) are refused in texts, as in the answers files
 * (docs/limits.md): XML cannot carry most of them, but Excel's _xHHHH_ escapes can. */
#include "xlsx_private.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unzip.h>

#include "ics_syntax.h"
#include "xlsx_messages.h"

/* ---- messages (xlsx_messages.h) ------------------------------------------------------------ */
typedef enum { ICS_XLSX_MESSAGES(ICS_MESSAGE_ID) XM_COUNT } xlsx_message;

static const ics_message messages[XM_COUNT] = {ICS_XLSX_MESSAGES(ICS_MESSAGE_ENTRY)};

static const char *msg(xlsx_message id, ics_lang lang) {
  return ics_message_text(&messages[id], lang);
}

/* ---- limits of our own (docs/limits.md) --------------------------------------------------- */
enum {
  CHUNK = 64 * 1024,          /* bytes inflated and parsed at a time */
  MAX_TOKEN = 1024 * 1024,    /* bytes expat may hold without an event: one tag, one comment */
  MAX_DEPTH = 64,             /* nested elements (a worksheet needs 6) */
  MAX_ENTRIES = 65536,        /* entries of the zip (a workbook has a few dozen) */
  MAX_NAME = 1024,            /* bytes of a zip entry's name we compare; of a sheet's name */
  MAX_TARGET = 2048,          /* bytes of a relationship's Id or Target that we keep */
  MAX_RELS = 4096,            /* relationships in one .rels part */
  RAW_PER_CHAR = 8,           /* raw bytes per character of a text: _xHHHH_ takes 7 */
  MAX_SAME_HASH = 8,          /* zip names of one hash: more is a crafted file, not chance */
  MAX_STRINGS_BYTES = 1 << 30 /* what a caller's limit on the shared strings is cut to */
};
#define NS_SEP '\x01' /* between a namespace and a local name: no XML name holds it */
#define CONTROL_FLAG 0x80000000u /* in a shared string's offset: it holds a control character */
/* every offset into the shared strings stays below CONTROL_FLAG: the limit, and one string
 * more (at most RAW_PER_CHAR bytes per character of the longest) */
_Static_assert((long long)ICS_XLSX_MAX_STRINGS <= (long long)MAX_STRINGS_BYTES,
               "shared strings beyond the flag bit");
_Static_assert((unsigned long long)MAX_STRINGS_BYTES + 8ull * 4 * 1024 * 1024 < CONTROL_FLAG,
               "a string past the limit still below the flag bit");

/* ---- the file under minizip: our io functions ---------------------------------------------
 * Over a FILE* (opened by common's ics_open_regular: UTF-8 names on Windows, folders and
 * devices refused) or over memory. Offsets are 64-bit for minizip; the FILE* is moved with
 * fseek's long, so a file beyond LONG_MAX bytes (2 GiB on Windows) cannot be read: no
 * workbook of a survey comes near it. */
typedef struct {
  FILE *fp;                 /* the file, or NULL: mem */
  const unsigned char *mem;
  unsigned long long size;  /* the file's or the memory's */
  unsigned long long pos;   /* mem's position */
  int error;                /* errno of a failed read or seek of fp; 0: none */
} source;

static voidpf ZCALLBACK io_open(voidpf opaque, const void *filename, int mode) {
  (void)opaque;
  (void)mode;
  return (voidpf)filename; /* the "file name" is our source */
}

static uLong ZCALLBACK io_read(voidpf opaque, voidpf stream, void *buf, uLong size) {
  (void)opaque;
  source *s = stream;
  if (s->fp) {
    size_t n = fread(buf, 1, size, s->fp);
    if (n < size && ferror(s->fp)) s->error = errno ? errno : EIO;
    return (uLong)n;
  }
  unsigned long long left = s->pos < s->size ? s->size - s->pos : 0;
  size_t n = size < left ? (size_t)size : (size_t)left;
  if (n) memcpy(buf, s->mem + s->pos, n);
  s->pos += n;
  return (uLong)n;
}

static uLong ZCALLBACK io_write(voidpf opaque, voidpf stream, const void *buf, uLong size) {
  (void)opaque;
  (void)stream;
  (void)buf;
  (void)size;
  return 0; /* read only */
}

static ZPOS64_T ZCALLBACK io_tell(voidpf opaque, voidpf stream) {
  (void)opaque;
  source *s = stream;
  if (!s->fp) return s->pos;
  long at = ftell(s->fp);
  if (at < 0) {
    s->error = errno ? errno : EIO;
    return (ZPOS64_T)-1;
  }
  return (ZPOS64_T)at;
}

static long ZCALLBACK io_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin) {
  (void)opaque;
  source *s = stream;
  unsigned long long base;
  switch (origin) {
  case ZLIB_FILEFUNC_SEEK_SET: base = 0; break;
  case ZLIB_FILEFUNC_SEEK_CUR:
    base = s->fp ? (unsigned long long)io_tell(opaque, stream) : s->pos;
    break;
  case ZLIB_FILEFUNC_SEEK_END: base = s->size; break;
  default: return -1;
  }
  /* minizip only seeks forward from a base; a place beyond the end is damage */
  if (base > s->size || offset > s->size - base) return -1;
  unsigned long long to = base + offset;
  if (!s->fp) {
    s->pos = to;
    return 0;
  }
  if (to > (unsigned long long)LONG_MAX || fseek(s->fp, (long)to, SEEK_SET) != 0) {
    s->error = errno ? errno : EIO;
    return -1;
  }
  return 0;
}

static int ZCALLBACK io_close(voidpf opaque, voidpf stream) {
  (void)opaque;
  (void)stream;
  return 0; /* the FILE* is closed by the reader */
}

static int ZCALLBACK io_error(voidpf opaque, voidpf stream) {
  (void)opaque;
  return ((source *)stream)->error != 0;
}

/* ---- the reader's state ------------------------------------------------------------------- */
typedef struct {
  uint64_t hash;      /* of the name, ASCII case folded, without a trailing '/' */
  unz64_file_pos pos; /* where minizip finds it again */
} entry;

typedef enum { REL_OTHER, REL_WORKSHEET, REL_OTHER_SHEET, REL_STRINGS, REL_OFFICE } rel_kind;

typedef struct {
  char *id;
  char *target; /* the part it names, resolved (NULL for kinds we do not follow) */
  rel_kind kind;
  bool external;
} rel;

typedef struct {
  char *name;
  char *rid;
  int line, column; /* of its <sheet> in the workbook, for messages */
} sheet_entry;

/* a cell of the row being read: its text in row_text at off, or a shared string */
typedef struct {
  unsigned column;
  ics_xlsx_kind kind;
  size_t off;
  const char *shared;
} row_cell;

typedef enum { T_N, T_S, T_INLINE, T_STR, T_B, T_E, T_D } cell_type;
typedef enum { SRC_NONE, SRC_V, SRC_IS } cell_source;

typedef struct {
  const char *name; /* the file, for messages */
  ics_lang lang;
  ics_xlsx_limits lim;
  ics_error error; /* the first problem */
  source src;
  unzFile zip;
  entry *entries;
  size_t entry_count;

  /* the workbook */
  char *workbook;    /* its part's name */
  bool date1904;
  sheet_entry *sheets;
  size_t sheet_count; /* <sheet> elements seen (ICS_XLSX_MAX_SHEETS at most) */
  rel *rels;          /* of the part being read as relationships */
  size_t rel_count;
  const char *rels_base; /* the folder their targets are relative to, while they are read */

  /* the shared strings: NUL-terminated texts one after the other, and where each starts */
  ics_buf strings;
  uint32_t *string_at;
  size_t string_count, string_cap;
  unsigned long long strings_charged;

  /* the text being collected (raw: escapes not yet decoded) */
  ics_buf raw;

  /* the worksheet being read */
  ics_xlsx_sheet sheet;
  unsigned prev_row;      /* 0: none yet */
  unsigned row;
  unsigned row_before;    /* prev_row when the row started */
  bool row_numbered;      /* its <row> had r */
  long prev_col;          /* -1: none yet in this row */
  unsigned cell_col;
  cell_type cell_type;
  cell_source cell_src;
  row_cell *cells;
  ics_xlsx_cell *out;
  size_t cell_count, cell_cap;
  ics_buf row_text;
  ics_xlsx_row_fn fn;
  void *ctx;
  bool stop;              /* the callback ended the reading */
} xlsx;

/* What kind of element an expat name is: by its local name, in SpreadsheetML's namespace
 * (transitional or strict), the package relationships' or none; any other namespace's
 * elements (extensions, markup compatibility) are E_OTHER. */
typedef enum {
  E_OTHER, E_WORKSHEET, E_SHEETDATA, E_ROW, E_C, E_V, E_IS, E_T, E_R, E_RPH, E_SST, E_SI,
  E_WORKBOOK, E_WORKBOOKPR, E_SHEETS, E_SHEET, E_RELATIONSHIPS, E_RELATIONSHIP
} element;

typedef struct xml_part xml_part;
typedef void (*start_fn)(xml_part *pt, element el, const XML_Char **atts);
typedef void (*end_fn)(xml_part *pt, element el);

struct xml_part {
  xlsx *x;
  const char *name;   /* the part's name in the zip */
  char *label;        /* "FILE (PART)": the file of its messages */
  XML_Parser parser;
  int depth;
  unsigned char stack[MAX_DEPTH];
  unsigned long long last_event; /* byte index of the last event expat reported */
  bool failed;        /* a problem was said: the parser is stopped */
  bool stopped;       /* the callback asked for the next sheet, or to stop */
  bool collect;       /* character data goes into x->raw */
  start_fn start;
  end_fn end;
};

/* ---- errors -------------------------------------------------------------------------------- */

static int fail(xlsx *x, xlsx_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_error_vsay_at(&x->error, x->lang, x->name, 0, 0, &messages[id], ap);
  va_end(ap);
  return -1;
}

static int no_memory(xlsx *x) {
  ics_error_no_memory(&x->error, x->lang);
  return -1;
}

static int fail_errno(xlsx *x, xlsx_message id, int e) {
  ics_error_say_as(&x->error, x->lang, ics_code_from_errno(e), x->name, 0, 0, &messages[id],
                   ics_errno_text(e, x->lang));
  return -1;
}

static int clamp_int(unsigned long long v) { return v > INT_MAX ? INT_MAX : (int)v; }

/* Says a problem at the parser's current place in the part and stops it. */
static void part_vfail(xml_part *pt, xlsx_message id, va_list ap) {
  if (pt->failed) return;
  pt->failed = true;
  ics_error_vsay_at(&pt->x->error, pt->x->lang, pt->label,
                    clamp_int(XML_GetCurrentLineNumber(pt->parser)),
                    clamp_int((unsigned long long)XML_GetCurrentColumnNumber(pt->parser) + 1),
                    &messages[id], ap);
  XML_StopParser(pt->parser, XML_FALSE);
}

static void part_fail(xml_part *pt, xlsx_message id, ...) {
  va_list ap;
  va_start(ap, id);
  part_vfail(pt, id, ap);
  va_end(ap);
}

static void part_no_memory(xml_part *pt) {
  if (pt->failed) return;
  pt->failed = true;
  ics_error_no_memory(&pt->x->error, pt->x->lang);
  XML_StopParser(pt->parser, XML_FALSE);
}

/* A sheet's name for a message: cut short, control characters shown as '?'. */
static void sheet_label(char out[64], const char *name) {
  ics_excerpt(out, 64, name, strlen(name));
}

/* "B7" */
static void cell_name(char out[16], unsigned column, unsigned row) {
  char letters[4];
  ics_xlsx_column_name(column, letters);
  snprintf(out, 16, "%s%u", letters, row);
}

/* A problem of the cell being read: "sheet 'NAME', cell B7: MESSAGE". */
static void cell_fail(xml_part *pt, xlsx_message id, ...) {
  if (pt->failed) return;
  xlsx *x = pt->x;
  va_list ap;
  va_start(ap, id);
  part_vfail(pt, id, ap);
  va_end(ap);
  char sheet[64], cell[16];
  sheet_label(sheet, x->sheet.name);
  cell_name(cell, x->cell_col, x->row);
  ics_error_prefix(&x->error, msg(XM_IN_CELL, x->lang), sheet, cell);
}

/* A problem of the sheet being read (its rows, its cells' places): "sheet 'NAME': MESSAGE". */
static void sheet_fail(xml_part *pt, xlsx_message id, ...) {
  if (pt->failed) return;
  xlsx *x = pt->x;
  va_list ap;
  va_start(ap, id);
  part_vfail(pt, id, ap);
  va_end(ap);
  char sheet[64];
  sheet_label(sheet, x->sheet.name);
  ics_error_prefix(&x->error, msg(XM_IN_SHEET, x->lang), sheet);
}

/* A text of the file quoted in a message. */
static void quote(char out[64], const char *s) { ics_excerpt(out, 64, s, strlen(s)); }

/* What expat found, in lang. */
static void xml_error(xml_part *pt) {
  enum XML_Error code = XML_GetErrorCode(pt->parser);
  xlsx_message what;
  switch (code) {
  case XML_ERROR_NO_MEMORY: part_no_memory(pt); return;
  case XML_ERROR_SYNTAX: what = XM_X_SYNTAX; break;
  case XML_ERROR_NO_ELEMENTS: what = XM_X_NO_ELEMENTS; break;
  case XML_ERROR_INVALID_TOKEN: what = XM_X_INVALID_TOKEN; break;
  case XML_ERROR_UNCLOSED_TOKEN: what = XM_X_UNCLOSED_TOKEN; break;
  case XML_ERROR_PARTIAL_CHAR: what = XM_X_PARTIAL_CHAR; break;
  case XML_ERROR_TAG_MISMATCH: what = XM_X_TAG_MISMATCH; break;
  case XML_ERROR_DUPLICATE_ATTRIBUTE: what = XM_X_DUPLICATE_ATTRIBUTE; break;
  case XML_ERROR_JUNK_AFTER_DOC_ELEMENT: what = XM_X_JUNK_AFTER; break;
  case XML_ERROR_UNDEFINED_ENTITY: what = XM_X_UNDEFINED_ENTITY; break;
  case XML_ERROR_BAD_CHAR_REF: what = XM_X_BAD_CHAR_REF; break;
  case XML_ERROR_UNBOUND_PREFIX: what = XM_X_UNBOUND_PREFIX; break;
  case XML_ERROR_UNKNOWN_ENCODING:
  case XML_ERROR_INCORRECT_ENCODING: what = XM_X_ENCODING; break;
  case XML_ERROR_MISPLACED_XML_PI: what = XM_X_MISPLACED_PI; break;
  case XML_ERROR_UNCLOSED_CDATA_SECTION: what = XM_X_UNCLOSED_CDATA; break;
  case XML_ERROR_XML_DECL: what = XM_X_XML_DECL; break;
  default: what = XM_X_OTHER; break;
  }
  char text[128];
  snprintf(text, sizeof text, msg(what, pt->x->lang), (int)code);
  part_fail(pt, XM_XML, text);
}

/* ---- small parsers -------------------------------------------------------------------------- */

void ics_xlsx_column_name(unsigned column, char out[4]) {
  if (column > 18277) {
    strcpy(out, "?");
    return;
  }
  char rev[3];
  int n = 0;
  unsigned long v = (unsigned long)column + 1; /* bijective base 26: A..Z, AA.. */
  while (v > 0 && n < 3) {
    v--;
    rev[n++] = (char)('A' + v % 26);
    v /= 26;
  }
  for (int i = 0; i < n; i++) out[i] = rev[n - 1 - i];
  out[n] = '\0';
}

/* 1..1048576 in decimal digits (at most 7 of them). */
static bool parse_row_number(const char *s, size_t n, unsigned *out) {
  if (n == 0 || n > 7) return false;
  unsigned long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (unsigned long)(s[i] - '0');
  }
  if (v < 1 || v > ICS_XLSX_MAX_ROWS) return false;
  *out = (unsigned)v;
  return true;
}

/* "B7": one to three capital letters up to XFD, a row 1..1048576 without a leading zero. */
static bool parse_ref(const char *s, unsigned *column, unsigned *row) {
  size_t i = 0;
  unsigned long col = 0;
  while (s[i] >= 'A' && s[i] <= 'Z' && i < 4) col = col * 26 + (unsigned long)(s[i++] - 'A' + 1);
  if (i == 0 || i > 3 || col > ICS_XLSX_MAX_COLUMNS || s[i] == '0') return false;
  if (!parse_row_number(s + i, strlen(s + i), row)) return false;
  *column = (unsigned)(col - 1);
  return true;
}

/* A number as a spreadsheet writes one: [-]digits[.digits][E[+-]digits], or .5. */
static bool is_number(const char *s) {
  const char *p = s;
  if (*p == '-' || *p == '+') p++;
  size_t digits = 0;
  while (*p >= '0' && *p <= '9') p++, digits++;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') p++, digits++;
  }
  if (digits == 0) return false;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '-' || *p == '+') p++;
    if (*p < '0' || *p > '9') return false;
    while (*p >= '0' && *p <= '9') p++;
  }
  return *p == '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* The UTF-16 unit of an escape _xHHHH_ at s[0..n), or -1. */
static long escape_at(const char *s, size_t n) {
  if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_') return -1;
  long v = 0;
  for (int i = 2; i < 6; i++) {
    int h = hex_value(s[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

static bool is_control(uint32_t c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F);
}

/* The control character (C0 but tab, LF and CR; DEL; C1) that starts s[0..n), else
 * UINT32_MAX. C1 characters are U+0080..U+009F: C2 80..C2 9F in UTF-8. */
static uint32_t control_at(const char *s, size_t n) {
  unsigned char c = (unsigned char)s[0];
  uint32_t cp = UINT32_MAX;
  if (c < 0x80) cp = c;
  else if (c == 0xC2 && n > 1) cp = 0x80u | ((unsigned char)s[1] & 0x3F);
  return is_control(cp) ? cp : UINT32_MAX;
}

static void put_utf8(ics_buf *b, uint32_t c) {
  char u[4];
  size_t n;
  if (c < 0x80) {
    u[0] = (char)c;
    n = 1;
  } else if (c < 0x800) {
    u[0] = (char)(0xC0 | (c >> 6));
    u[1] = (char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    u[0] = (char)(0xE0 | (c >> 12));
    u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    u[2] = (char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (c >> 18));
    u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    u[3] = (char)(0x80 | (c & 0x3F));
    n = 4;
  }
  ics_buf_append(b, u, n);
}

/* Appends s[0..n) (UTF-8 from expat) to out with Excel's _xHHHH_ escapes decoded (a surrogate
 * pair of two escapes makes one character, a lone surrogate U+FFFD); *chars gets the number
 * of characters appended, *control the first control character (else UINT32_MAX). */
static void decode_text(const char *s, size_t n, ics_buf *out, size_t *chars, uint32_t *control) {
  *chars = 0;
  *control = UINT32_MAX;
  size_t i = 0, plain = 0; /* s[plain..i) is copied as it is */
  while (i < n) {
    long u = s[i] == '_' ? escape_at(s + i, n - i) : -1;
    if (u < 0) {
      unsigned char c = (unsigned char)s[i];
      if ((c & 0xC0) != 0x80) {
        ++*chars;
        uint32_t cp = control_at(s + i, n - i);
        if (*control == UINT32_MAX && cp != UINT32_MAX) *control = cp;
      }
      i++;
      continue;
    }
    ics_buf_append(out, s + plain, i - plain);
    size_t used = 7;
    uint32_t cp = (uint32_t)u;
    if (u >= 0xD800 && u <= 0xDBFF) {
      long low = escape_at(s + i + 7, n - i - 7);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)low - 0xDC00);
        used = 14;
      } else {
        cp = 0xFFFD;
      }
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      cp = 0xFFFD;
    }
    if (*control == UINT32_MAX && is_control(cp)) *control = cp;
    put_utf8(out, cp);
    ++*chars;
    i += used;
    plain = i;
  }
  ics_buf_append(out, s + plain, n - plain);
  if (!out->data) ics_buf_append(out, "", 0); /* an empty text is "" too */
}

/* ---- names and targets ---------------------------------------------------------------------- */

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* FNV-1a of the name, ASCII case folded, without a trailing '/'. */
static uint64_t name_hash(const char *s, size_t n) {
  if (n && s[n - 1] == '/') n--;
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)ascii_lower(s[i]);
    h *= 1099511628211ull;
  }
  return h;
}

static bool same_name(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  if (an != bn) return false;
  for (size_t i = 0; i < an; i++)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/* The part a relationship's target names from the folder base ("xl/"), allocated: "/x" from
 * the package's root, "." and ".." resolved, %XX decoded; NULL (errno EINVAL) when it leaves
 * the package or names nothing, (ENOMEM) when memory ran out. */
static char *resolve_target(const char *base, const char *target) {
  ics_buf path = {0};
  if (target[0] != '/') ics_buf_puts(&path, base);
  for (const char *p = target; *p; p++) {
    int h1, h2;
    if (*p == '%' && (h1 = hex_value(p[1])) >= 0 && (h2 = hex_value(p[2])) >= 0) {
      char c = (char)(h1 * 16 + h2);
      ics_buf_append(&path, &c, 1);
      p += 2;
    } else if (*p == '#' || *p == '?') {
      break;
    } else {
      ics_buf_append(&path, p, 1);
    }
  }
  if (path.failed) {
    ics_buf_free(&path);
    errno = ENOMEM;
    return NULL;
  }
  /* the segments, resolved in place */
  char *s = path.data ? path.data : (char *)"";
  size_t w = 0, r = 0, n = path.len;
  bool ok = true;
  while (r < n) {
    size_t end = r;
    while (end < n && s[end] != '/') end++;
    size_t len = end - r;
    if (len == 0 || (len == 1 && s[r] == '.')) {
      /* nothing */
    } else if (len == 2 && s[r] == '.' && s[r + 1] == '.') {
      if (w == 0) {
        ok = false;
        break;
      }
      while (w > 0 && s[w - 1] != '/') w--;
      if (w > 0) w--; /* the slash before it */
    } else {
      if (w > 0) s[w++] = '/';
      memmove(s + w, s + r, len);
      w += len;
    }
    r = end + 1;
  }
  if (!ok || w == 0 || memchr(s, '\0', w)) {
    ics_buf_free(&path);
    errno = EINVAL;
    return NULL;
  }
  s[w] = '\0';
  return ics_buf_take(&path);
}

/* The folder of a part, with its '/' ("xl/" of "xl/workbook.xml"; "" at the root). */
static size_t folder_len(const char *part) {
  const char *slash = strrchr(part, '/');
  return slash ? (size_t)(slash - part) + 1 : 0;
}

/* ---- the zip's directory ------------------------------------------------------------------- */

static int compare_entries(const void *a, const void *b) {
  uint64_t x = ((const entry *)a)->hash, y = ((const entry *)b)->hash;
  return x < y ? -1 : x > y;
}

static int index_zip(xlsx *x) {
  unz_global_info64 info;
  if (unzGetGlobalInfo64(x->zip, &info) != UNZ_OK) return fail(x, XM_BAD_ZIP);
  if (info.number_entry > MAX_ENTRIES) return fail(x, XM_TOO_MANY_ENTRIES, (unsigned)MAX_ENTRIES);
  if (info.number_entry == 0) return 0; /* an empty zip: no part is found */
  x->entries = ics_calloc((size_t)info.number_entry, sizeof *x->entries);
  if (!x->entries) return no_memory(x);
  int r = unzGoToFirstFile(x->zip);
  while (r == UNZ_OK) {
    if (x->entry_count == (size_t)info.number_entry) return fail(x, XM_BAD_ZIP);
    unz_file_info64 fi;
    char name[MAX_NAME + 1];
    if (unzGetCurrentFileInfo64(x->zip, &fi, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK)
      return fail(x, XM_BAD_ZIP);
    /* a longer name is hashed cut short: it is never one we look for, so it never matches */
    size_t n = fi.size_filename < MAX_NAME ? (size_t)fi.size_filename : MAX_NAME;
    entry *e = &x->entries[x->entry_count++];
    e->hash = name_hash(name, n);
    if (unzGetFilePos64(x->zip, &e->pos) != UNZ_OK) return fail(x, XM_BAD_ZIP);
    r = unzGoToNextFile(x->zip);
  }
  if (r != UNZ_END_OF_LIST_OF_FILE) {
    if (x->src.error) return fail_errno(x, XM_CANNOT_READ, x->src.error);
    return fail(x, XM_BAD_ZIP);
  }
  qsort(x->entries, x->entry_count, sizeof *x->entries, compare_entries);
  /* each lookup compares the names of one hash: a file made of colliding names would make
   * every lookup read the whole directory */
  for (size_t i = 0, run = 1; i + 1 < x->entry_count; i++) {
    run = x->entries[i].hash == x->entries[i + 1].hash ? run + 1 : 1;
    if (run > MAX_SAME_HASH) return fail(x, XM_BAD_ZIP);
  }
  return 0;
}

/* Finds the part (an exact name, case aside) and makes it minizip's current file: 1 found, 0
 * not there, -1 refused (twice in the zip, a folder, damage). */
static int find_part(xlsx *x, const char *part) {
  uint64_t h = name_hash(part, strlen(part));
  size_t lo = 0, hi = x->entry_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->entries[mid].hash < h) lo = mid + 1;
    else hi = mid;
  }
  const entry *found = NULL;
  bool folder = false;
  for (size_t i = lo; i < x->entry_count && x->entries[i].hash == h; i++) {
    unz64_file_pos pos = x->entries[i].pos;
    unz_file_info64 fi;
    char name[MAX_NAME + 1];
    if (unzGoToFilePos64(x->zip, &pos) != UNZ_OK ||
        unzGetCurrentFileInfo64(x->zip, &fi, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK)
      return fail(x, XM_BAD_ENTRY, part, -1);
    if (fi.size_filename > MAX_NAME) continue;
    size_t n = (size_t)fi.size_filename;
    bool is_folder = n && name[n - 1] == '/';
    if (!same_name(name, is_folder ? n - 1 : n, part)) continue; /* another name, same hash */
    if (found) return fail(x, XM_DUPLICATE, part);
    found = &x->entries[i];
    folder = is_folder;
  }
  if (!found) return 0;
  if (folder) return fail(x, XM_FOLDER, part);
  unz64_file_pos pos = found->pos;
  if (unzGoToFilePos64(x->zip, &pos) != UNZ_OK) return fail(x, XM_BAD_ENTRY, part, -1);
  return 1;
}

/* Opens minizip's current file (the part, found) for reading; *declared gets its size as the
 * zip says it (only a hint: what inflates is counted). */
static int open_current(xlsx *x, const char *part, unsigned long long *declared) {
  unz_file_info64 fi;
  if (unzGetCurrentFileInfo64(x->zip, &fi, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK)
    return fail(x, XM_BAD_ENTRY, part, -1);
  if (fi.flag & 1) return fail(x, XM_ENCRYPTED, part);
  if (fi.compression_method != 0 && fi.compression_method != Z_DEFLATED)
    return fail(x, XM_METHOD, part, (int)fi.compression_method);
  *declared = fi.uncompressed_size;
  int r = unzOpenCurrentFile(x->zip);
  if (r != UNZ_OK) {
    if (x->src.error) return fail_errno(x, XM_CANNOT_READ, x->src.error);
    return fail(x, XM_BAD_ENTRY, part, r);
  }
  return 0;
}

/* ---- parsing a part with expat ------------------------------------------------------------ */

static const char NS_MAIN[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
static const char NS_MAIN_STRICT[] = "http://purl.oclc.org/ooxml/spreadsheetml/main";
static const char NS_PACKAGE_RELS[] =
    "http://schemas.openxmlformats.org/package/2006/relationships";
static const char NS_RELS[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
static const char NS_RELS_STRICT[] = "http://purl.oclc.org/ooxml/officeDocument/relationships";

/* Whether name is "NS\x01local" for the namespace ns. */
static bool in_namespace(const char *name, size_t ns_len, const char *ns) {
  return strncmp(name, ns, ns_len) == 0 && ns[ns_len] == '\0';
}

static element element_of(const XML_Char *name) {
  const char *sep = strchr(name, NS_SEP);
  const char *local = name;
  if (sep) {
    size_t n = (size_t)(sep - name);
    if (!in_namespace(name, n, NS_MAIN) && !in_namespace(name, n, NS_MAIN_STRICT) &&
        !in_namespace(name, n, NS_PACKAGE_RELS))
      return E_OTHER;
    local = sep + 1;
  }
  static const struct {
    const char *name;
    element el;
  } known[] = {
      {"worksheet", E_WORKSHEET}, {"sheetData", E_SHEETDATA}, {"row", E_ROW}, {"c", E_C},
      {"v", E_V}, {"is", E_IS}, {"t", E_T}, {"r", E_R}, {"rPh", E_RPH}, {"sst", E_SST},
      {"si", E_SI}, {"workbook", E_WORKBOOK}, {"workbookPr", E_WORKBOOKPR}, {"sheets", E_SHEETS},
      {"sheet", E_SHEET}, {"Relationships", E_RELATIONSHIPS}, {"Relationship", E_RELATIONSHIP},
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(local, known[i].name) == 0) return known[i].el;
  return E_OTHER;
}

/* An attribute without a namespace, or NULL. */
static const char *attr(const XML_Char **atts, const char *name) {
  for (size_t i = 0; atts[i]; i += 2)
    if (strcmp(atts[i], name) == 0) return atts[i + 1];
  return NULL;
}

/* r:id, in the relationships' namespace (transitional or strict). */
static const char *attr_rel_id(const XML_Char **atts) {
  for (size_t i = 0; atts[i]; i += 2) {
    const char *sep = strchr(atts[i], NS_SEP);
    if (!sep || strcmp(sep + 1, "id") != 0) continue;
    size_t n = (size_t)(sep - atts[i]);
    if (in_namespace(atts[i], n, NS_RELS) || in_namespace(atts[i], n, NS_RELS_STRICT))
      return atts[i + 1];
  }
  return NULL;
}

/* The element k levels above the current one (0: the current one), E_OTHER above the root. */
static element up(const xml_part *pt, int k) {
  return pt->depth - 1 - k >= 0 ? (element)pt->stack[pt->depth - 1 - k] : E_OTHER;
}

/* Every event marks where expat got to: the bytes it holds without one are bounded. */
static void mark(xml_part *pt) {
  XML_Index at = XML_GetCurrentByteIndex(pt->parser);
  if (at > 0) pt->last_event = (unsigned long long)at;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **atts) {
  xml_part *pt = data;
  if (pt->failed || pt->stopped) return;
  mark(pt);
  if (pt->depth >= MAX_DEPTH) {
    part_fail(pt, XM_DEPTH, (int)MAX_DEPTH);
    return;
  }
  element el = element_of(name);
  pt->stack[pt->depth++] = (unsigned char)el;
  if (pt->start) pt->start(pt, el, atts);
}

static void XMLCALL on_end(void *data, const XML_Char *name) {
  (void)name;
  xml_part *pt = data;
  if (pt->failed || pt->stopped || pt->depth == 0) return;
  mark(pt);
  if (pt->end) pt->end(pt, up(pt, 0));
  pt->depth--;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len) {
  xml_part *pt = data;
  if (pt->failed || pt->stopped) return;
  mark(pt);
  if (!pt->collect) return;
  xlsx *x = pt->x;
  if (x->raw.len + (size_t)len > (size_t)x->lim.cell * RAW_PER_CHAR) {
    if (x->sheet.name) cell_fail(pt, XM_TEXT_TOO_LONG, x->lim.cell);
    else part_fail(pt, XM_TEXT_TOO_LONG, x->lim.cell);
    return;
  }
  ics_buf_append(&x->raw, s, (size_t)len);
  if (x->raw.failed) part_no_memory(pt);
}

/* Comments, processing instructions, the XML declaration, whitespace outside the root. */
static void XMLCALL on_other(void *data, const XML_Char *s, int len) {
  (void)s;
  (void)len;
  xml_part *pt = data;
  if (!pt->failed && !pt->stopped) mark(pt);
}

static void XMLCALL on_comment(void *data, const XML_Char *s) { on_other(data, s, 0); }

static void XMLCALL on_pi(void *data, const XML_Char *target, const XML_Char *s) {
  (void)target;
  on_other(data, s, 0);
}

/* A DTD is what entities need: none is ever parsed (no billion laughs, no external entity,
 * no network), the parser stops at the DOCTYPE's start. */
static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset) {
  (void)name;
  (void)sysid;
  (void)pubid;
  (void)has_internal_subset;
  part_fail(data, XM_DTD);
}

static void XMLCALL on_entity(void *data, const XML_Char *name, int is_parameter,
                              const XML_Char *value, int len, const XML_Char *base,
                              const XML_Char *sysid, const XML_Char *pubid,
                              const XML_Char *notation) {
  (void)name, (void)is_parameter, (void)value, (void)len, (void)base, (void)sysid, (void)pubid,
      (void)notation;
  part_fail(data, XM_DTD); /* only inside a DTD, refused already: twice sure */
}

static const XML_Memory_Handling_Suite memory = {ics_malloc, ics_realloc, ics_free};

/* Parses minizip's current file (the part, found) with the handlers: 0, or -1 with the error
 * said. A part the callback stopped in is not read to its end. */
static int parse_part(xlsx *x, const char *name, start_fn start, end_fn end) {
  unsigned long long declared;
  if (open_current(x, name, &declared) < 0) return -1;
  xml_part pt = {.x = x, .name = name, .start = start, .end = end};
  ics_buf label = {0};
  ics_buf_printf(&label, "%s (%s)", x->name, name);
  pt.label = ics_buf_take(&label);
  pt.parser = pt.label ? XML_ParserCreate_MM(NULL, &memory, (XML_Char[]){NS_SEP, '\0'}) : NULL;
  if (!pt.parser) {
    unzCloseCurrentFile(x->zip);
    ics_free(pt.label);
    return no_memory(x);
  }
  XML_SetUserData(pt.parser, &pt);
  XML_SetElementHandler(pt.parser, on_start, on_end);
  XML_SetCharacterDataHandler(pt.parser, on_text);
  XML_SetCommentHandler(pt.parser, on_comment);
  XML_SetProcessingInstructionHandler(pt.parser, on_pi);
  XML_SetDefaultHandlerExpand(pt.parser, on_other);
  XML_SetStartDoctypeDeclHandler(pt.parser, on_doctype);
  XML_SetEntityDeclHandler(pt.parser, on_entity);
  /* the default, said: no external entity, no parameter entity is ever read */
  XML_SetParamEntityParsing(pt.parser, XML_PARAM_ENTITY_PARSING_NEVER);

  unsigned long long total = 0;
  bool read_all = false;
  if (declared > x->lim.part) {
    fail(x, XM_PART_TOO_LARGE, name, x->lim.part); /* said early; the count below holds */
    pt.failed = true;
  }
  while (!pt.failed && !pt.stopped) {
    void *buf = XML_GetBuffer(pt.parser, CHUNK);
    if (!buf) {
      part_no_memory(&pt);
      break;
    }
    int n = unzReadCurrentFile(x->zip, buf, CHUNK);
    if (n < 0) {
      pt.failed = true;
      if (x->src.error) fail_errno(x, XM_CANNOT_READ, x->src.error);
      else fail(x, XM_BAD_ENTRY, name, n);
      break;
    }
    total += (unsigned long long)n;
    if (total > x->lim.part) {
      pt.failed = true;
      fail(x, XM_PART_TOO_LARGE, name, x->lim.part);
      break;
    }
    if (XML_ParseBuffer(pt.parser, n, n == 0) != XML_STATUS_OK) {
      if (!pt.failed && !pt.stopped) xml_error(&pt);
      break;
    }
    if (total - pt.last_event > MAX_TOKEN) {
      part_fail(&pt, XM_TOKEN, (unsigned)MAX_TOKEN);
      break;
    }
    if (n == 0) {
      read_all = true;
      break;
    }
  }
  /* minizip checks the CRC when the part was read to its end */
  int closed = unzCloseCurrentFile(x->zip);
  if (read_all && !pt.failed && closed == UNZ_CRCERROR) {
    pt.failed = true;
    fail(x, XM_CRC, name);
  }
  XML_ParserFree(pt.parser);
  ics_free(pt.label);
  return pt.failed ? -1 : 0;
}

/* ---- relationships (_rels/.rels, xl/_rels/workbook.xml.rels) -------------------------------- */

static void free_rels(xlsx *x) {
  for (size_t i = 0; i < x->rel_count; i++) {
    ics_free(x->rels[i].id);
    ics_free(x->rels[i].target);
  }
  ics_free(x->rels);
  x->rels = NULL;
  x->rel_count = 0;
}

static rel_kind kind_of(const char *type) {
  const char *last = strrchr(type, '/');
  last = last ? last + 1 : type;
  if (strcmp(last, "worksheet") == 0) return REL_WORKSHEET;
  if (strcmp(last, "chartsheet") == 0 || strcmp(last, "dialogsheet") == 0 ||
      strcmp(last, "xlMacrosheet") == 0 || strcmp(last, "xlIntlMacrosheet") == 0)
    return REL_OTHER_SHEET;
  if (strcmp(last, "sharedStrings") == 0) return REL_STRINGS;
  if (strcmp(last, "officeDocument") == 0) return REL_OFFICE;
  return REL_OTHER;
}

static void rels_start(xml_part *pt, element el, const XML_Char **atts) {
  if (el != E_RELATIONSHIP || up(pt, 1) != E_RELATIONSHIPS) return;
  xlsx *x = pt->x;
  const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
  const char *mode = attr(atts, "TargetMode");
  if (!id || !type || !target) {
    part_fail(pt, XM_REL_INCOMPLETE);
    return;
  }
  rel_kind kind = kind_of(type);
  if (kind == REL_OTHER) return; /* styles, themes, pictures...: not ours to follow */
  if (x->rel_count == MAX_RELS) {
    part_fail(pt, XM_RELS_MANY, (int)MAX_RELS);
    return;
  }
  if (strlen(id) > MAX_TARGET || strlen(target) > MAX_TARGET) {
    part_fail(pt, XM_NAME_TOO_LONG, (int)MAX_TARGET);
    return;
  }
  if (x->rel_count % 16 == 0) {
    rel *grown = ics_realloc(x->rels, (x->rel_count + 16) * sizeof *grown);
    if (!grown) {
      part_no_memory(pt);
      return;
    }
    x->rels = grown;
  }
  rel *r = &x->rels[x->rel_count];
  *r = (rel){.kind = kind, .external = mode && strcmp(mode, "External") == 0};
  r->id = ics_strdup(id);
  if (r->id && !r->external) {
    r->target = resolve_target(x->rels_base, target);
    if (!r->target && errno == EINVAL) {
      ics_free(r->id);
      char q[64];
      quote(q, target);
      part_fail(pt, XM_BAD_TARGET, q);
      return;
    }
  }
  if (!r->id || (!r->external && !r->target)) {
    ics_free(r->id);
    ics_free(r->target);
    part_no_memory(pt);
    return;
  }
  x->rel_count++;
}

/* The relationships of the part named `of` (folder/_rels/name.rels), read when they exist:
 * 1 read, 0 none, -1 error. */
static int read_rels(xlsx *x, const char *of) {
  free_rels(x);
  size_t dir = folder_len(of);
  ics_buf path = {0};
  ics_buf_append(&path, of, dir);
  ics_buf_printf(&path, "_rels/%s.rels", of + dir);
  char *name = ics_buf_take(&path);
  ics_buf base = {0};
  ics_buf_append(&base, of, dir);
  ics_buf_append(&base, "", 0);
  char *folder = ics_buf_take(&base);
  if (!name || !folder) {
    ics_free(name);
    ics_free(folder);
    return no_memory(x);
  }
  int found = find_part(x, name);
  x->rels_base = folder;
  int r = found == 1 ? parse_part(x, name, rels_start, NULL) : found;
  x->rels_base = NULL;
  ics_free(name);
  ics_free(folder);
  return r < 0 ? -1 : found;
}

static const rel *find_rel(const xlsx *x, const char *id) {
  for (size_t i = 0; i < x->rel_count; i++)
    if (strcmp(x->rels[i].id, id) == 0) return &x->rels[i];
  return NULL;
}

static const rel *find_rel_kind(const xlsx *x, rel_kind kind) {
  for (size_t i = 0; i < x->rel_count; i++)
    if (x->rels[i].kind == kind && !x->rels[i].external) return &x->rels[i];
  return NULL;
}

/* ---- the workbook ------------------------------------------------------------------------- */

static void workbook_start(xml_part *pt, element el, const XML_Char **atts) {
  xlsx *x = pt->x;
  if (el == E_WORKBOOKPR && up(pt, 1) == E_WORKBOOK) {
    const char *v = attr(atts, "date1904");
    x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    return;
  }
  if (el != E_SHEET || up(pt, 1) != E_SHEETS || up(pt, 2) != E_WORKBOOK) return;
  if (x->sheet_count == ICS_XLSX_MAX_SHEETS) {
    part_fail(pt, XM_SHEETS, (int)ICS_XLSX_MAX_SHEETS);
    return;
  }
  const char *name = attr(atts, "name"), *rid = attr_rel_id(atts);
  if (!name) {
    part_fail(pt, XM_SHEET_NO_NAME);
    return;
  }
  char q[64];
  quote(q, name);
  if (!rid) {
    part_fail(pt, XM_SHEET_NO_ID, q);
    return;
  }
  if (strlen(name) > MAX_NAME || strlen(rid) > MAX_TARGET) {
    part_fail(pt, XM_NAME_TOO_LONG, strlen(name) > MAX_NAME ? (int)MAX_NAME : (int)MAX_TARGET);
    return;
  }
  for (const char *p = name; *p; p++) {
    uint32_t cp = control_at(p, p[1] ? 2 : 1);
    if (cp != UINT32_MAX) {
      part_fail(pt, XM_NAME_CONTROL, (unsigned)cp);
      return;
    }
  }
  if (x->sheet_count % 16 == 0) {
    sheet_entry *grown = ics_realloc(x->sheets, (x->sheet_count + 16) * sizeof *grown);
    if (!grown) {
      part_no_memory(pt);
      return;
    }
    x->sheets = grown;
  }
  sheet_entry *s = &x->sheets[x->sheet_count];
  s->name = ics_strdup(name);
  s->rid = ics_strdup(rid);
  s->line = clamp_int(XML_GetCurrentLineNumber(pt->parser));
  s->column = clamp_int((unsigned long long)XML_GetCurrentColumnNumber(pt->parser) + 1);
  if (!s->name || !s->rid) {
    ics_free(s->name);
    ics_free(s->rid);
    part_no_memory(pt);
    return;
  }
  x->sheet_count++;
}

/* ---- the shared strings ------------------------------------------------------------------- */

static void strings_start(xml_part *pt, element el, const XML_Char **atts) {
  (void)atts;
  xlsx *x = pt->x;
  if (el == E_SI && up(pt, 1) == E_SST) {
    x->raw.len = 0;
    pt->collect = false;
  } else if (el == E_T && (up(pt, 1) == E_SI || (up(pt, 1) == E_R && up(pt, 2) == E_SI))) {
    pt->collect = true; /* <si><t> or a rich text run <si><r><t>; never <rPh><t> */
  }
}

static void strings_end(xml_part *pt, element el) {
  xlsx *x = pt->x;
  if (el == E_T) {
    pt->collect = false;
    return;
  }
  if (el != E_SI || up(pt, 1) != E_SST) return;
  size_t start = x->strings.len, chars;
  uint32_t control;
  decode_text(x->raw.data ? x->raw.data : "", x->raw.len, &x->strings, &chars, &control);
  ics_buf_append(&x->strings, "", 1); /* its NUL */
  if (x->strings.failed) {
    part_no_memory(pt);
    return;
  }
  if (chars > x->lim.cell) {
    part_fail(pt, XM_TEXT_TOO_LONG, x->lim.cell);
    return;
  }
  x->strings_charged += (x->strings.len - start) + 8;
  if (x->strings_charged > x->lim.strings) {
    part_fail(pt, XM_STRINGS_LIMIT, x->lim.strings);
    return;
  }
  if (x->string_count == x->string_cap) {
    size_t cap = x->string_cap ? x->string_cap * 2 : 256;
    uint32_t *grown = ics_realloc(x->string_at, cap * sizeof *grown);
    if (!grown) {
      part_no_memory(pt);
      return;
    }
    x->string_at = grown;
    x->string_cap = cap;
  }
  /* the limit keeps every offset below 2^31: the top bit says "holds a control character" */
  x->string_at[x->string_count++] = (uint32_t)start | (control != UINT32_MAX ? CONTROL_FLAG : 0);
}

/* ---- the worksheets ------------------------------------------------------------------------ */

static void emit_row(xml_part *pt) {
  xlsx *x = pt->x;
  if (x->cell_count == 0) return;
  for (size_t i = 0; i < x->cell_count; i++) {
    const row_cell *c = &x->cells[i];
    const char *text = c->shared ? c->shared : x->row_text.data + c->off;
    x->out[i] = (ics_xlsx_cell){c->column, c->kind, text};
  }
  int r = x->fn(x->ctx, &x->sheet, x->row, x->out, x->cell_count);
  x->cell_count = 0;
  if (r == ICS_XLSX_CONTINUE) return;
  pt->stopped = true;
  if (r != ICS_XLSX_NEXT_SHEET) x->stop = true;
  XML_StopParser(pt->parser, XML_FALSE);
}

static void row_start(xml_part *pt, const XML_Char **atts) {
  xlsx *x = pt->x;
  const char *r = attr(atts, "r");
  unsigned n;
  if (r) {
    if (!parse_row_number(r, strlen(r), &n)) {
      char q[64];
      quote(q, r);
      sheet_fail(pt, XM_BAD_ROW, q);
      return;
    }
  } else {
    if (x->prev_row >= ICS_XLSX_MAX_ROWS) {
      sheet_fail(pt, XM_ROW_BEYOND);
      return;
    }
    n = x->prev_row + 1;
  }
  if (n <= x->prev_row) {
    sheet_fail(pt, XM_ROW_ORDER, n, x->prev_row);
    return;
  }
  x->row_before = x->prev_row;
  x->prev_row = x->row = n;
  x->row_numbered = r != NULL;
  x->prev_col = -1;
  x->cell_count = 0;
  x->row_text.len = 0;
}

static void cell_start(xml_part *pt, const XML_Char **atts) {
  xlsx *x = pt->x;
  const char *r = attr(atts, "r"), *t = attr(atts, "t");
  unsigned col, row;
  if (r) {
    if (!parse_ref(r, &col, &row)) {
      char q[64];
      quote(q, r);
      sheet_fail(pt, XM_BAD_REF, q);
      return;
    }
    if (row != x->row) {
      /* a <row> without r takes its number from its first cell (writers that number cells
       * only), when that keeps the rows in order */
      if (!x->row_numbered && x->prev_col < 0 && row > x->row_before) {
        x->row = row;
        x->prev_row = row;
      } else {
        char name[16];
        cell_name(name, col, row);
        sheet_fail(pt, XM_CELL_ROW, name, x->row);
        return;
      }
    }
  } else {
    if (x->prev_col >= (long)ICS_XLSX_MAX_COLUMNS - 1) {
      char name[16];
      cell_name(name, (unsigned)x->prev_col, x->row);
      sheet_fail(pt, XM_CELL_BEYOND, name);
      return;
    }
    col = (unsigned)(x->prev_col + 1);
  }
  if ((long)col <= x->prev_col) {
    char name[16], prev[16];
    cell_name(name, col, x->row);
    cell_name(prev, (unsigned)x->prev_col, x->row);
    sheet_fail(pt, XM_CELL_ORDER, name, prev);
    return;
  }
  x->prev_col = (long)col;
  x->cell_col = col;
  x->cell_src = SRC_NONE;
  x->raw.len = 0;
  static const struct {
    const char *name;
    cell_type type;
  } types[] = {{"n", T_N}, {"s", T_S}, {"inlineStr", T_INLINE}, {"str", T_STR},
               {"b", T_B}, {"e", T_E}, {"d", T_D}};
  x->cell_type = T_N;
  if (t) {
    size_t i = 0;
    while (i < sizeof types / sizeof types[0] && strcmp(t, types[i].name) != 0) i++;
    if (i == sizeof types / sizeof types[0]) {
      char q[64];
      quote(q, t);
      cell_fail(pt, XM_BAD_TYPE, q);
      return;
    }
    x->cell_type = types[i].type;
  }
}

/* Adds the cell just read to the row, when it has a value. */
static void cell_end(xml_part *pt) {
  xlsx *x = pt->x;
  if (x->cell_src == SRC_NONE) return; /* only a style */
  const char *raw = x->raw.data ? x->raw.data : "";
  const char *shared = NULL;
  ics_xlsx_kind kind;
  size_t off = x->row_text.len;
  switch (x->cell_type) {
  case T_S: {
    if (x->raw.len == 0) return;
    size_t index = 0;
    bool ok = x->raw.len <= 10;
    for (size_t i = 0; ok && i < x->raw.len; i++) {
      ok = raw[i] >= '0' && raw[i] <= '9';
      if (ok) index = index * 10 + (size_t)(raw[i] - '0');
    }
    if (!ok || index >= x->string_count) {
      char q[64];
      quote(q, raw);
      cell_fail(pt, XM_BAD_INDEX, q, x->string_count);
      return;
    }
    uint32_t at = x->string_at[index];
    shared = x->strings.data + (at & ~CONTROL_FLAG);
    if (!*shared) return;
    if (at & CONTROL_FLAG) { /* found again, to be named */
      uint32_t control = UINT32_MAX;
      for (const char *p = shared; *p && control == UINT32_MAX; p++)
        control = control_at(p, p[1] ? 2 : 1);
      cell_fail(pt, XM_CONTROL, (unsigned)control);
      return;
    }
    kind = ICS_XLSX_STRING;
    break;
  }
  case T_INLINE:
  case T_STR:
  case T_D: {
    size_t chars;
    uint32_t control;
    if (x->raw.len == 0) return;
    decode_text(raw, x->raw.len, &x->row_text, &chars, &control);
    if (chars > x->lim.cell) {
      cell_fail(pt, XM_TEXT_TOO_LONG, x->lim.cell);
      return;
    }
    if (control != UINT32_MAX) {
      cell_fail(pt, XM_CONTROL, (unsigned)control);
      return;
    }
    kind = ICS_XLSX_STRING;
    break;
  }
  case T_B:
    if (x->raw.len == 0) return;
    if (strcmp(raw, "1") == 0 || strcmp(raw, "true") == 0) ics_buf_puts(&x->row_text, "1");
    else if (strcmp(raw, "0") == 0 || strcmp(raw, "false") == 0) ics_buf_puts(&x->row_text, "0");
    else {
      char q[64];
      quote(q, raw);
      cell_fail(pt, XM_BAD_BOOLEAN, q);
      return;
    }
    kind = ICS_XLSX_BOOLEAN;
    break;
  case T_E: {
    if (x->raw.len == 0) return;
    size_t chars;
    uint32_t control;
    decode_text(raw, x->raw.len, &x->row_text, &chars, &control);
    if (control != UINT32_MAX) {
      cell_fail(pt, XM_CONTROL, (unsigned)control);
      return;
    }
    kind = ICS_XLSX_ERROR;
    break;
  }
  default:
    if (x->raw.len == 0) return;
    if (!is_number(raw)) {
      char q[64];
      quote(q, raw);
      cell_fail(pt, XM_BAD_NUMBER, q);
      return;
    }
    ics_buf_append(&x->row_text, raw, x->raw.len);
    kind = ICS_XLSX_NUMBER;
    break;
  }
  if (!shared) ics_buf_append(&x->row_text, "", 1); /* its NUL */
  if (x->row_text.failed) {
    part_no_memory(pt);
    return;
  }
  if (x->row_text.len > x->lim.row_text) {
    sheet_fail(pt, XM_ROW_TOO_LARGE, x->row, x->lim.row_text);
    return;
  }
  if (x->cell_count == x->cell_cap) {
    size_t cap = x->cell_cap ? x->cell_cap * 2 : 64; /* at most 16384: the columns */
    row_cell *cells = ics_realloc(x->cells, cap * sizeof *cells);
    if (cells) x->cells = cells;
    ics_xlsx_cell *out = cells ? ics_realloc(x->out, cap * sizeof *out) : NULL;
    if (!out) {
      part_no_memory(pt);
      return;
    }
    x->out = out;
    x->cell_cap = cap;
  }
  x->cells[x->cell_count++] = (row_cell){x->cell_col, kind, off, shared};
}

static void sheet_start(xml_part *pt, element el, const XML_Char **atts) {
  xlsx *x = pt->x;
  switch (el) {
  case E_ROW:
    if (up(pt, 1) == E_SHEETDATA && up(pt, 2) == E_WORKSHEET) row_start(pt, atts);
    break;
  case E_C:
    if (up(pt, 1) == E_ROW && up(pt, 2) == E_SHEETDATA) cell_start(pt, atts);
    break;
  case E_V:
    /* the value, or a formula's cached result; an inline string's <v> is not its text */
    if (up(pt, 1) == E_C && up(pt, 2) == E_ROW && x->cell_type != T_INLINE) {
      x->raw.len = 0;
      x->cell_src = SRC_V;
      pt->collect = true;
    }
    break;
  case E_IS:
    if (up(pt, 1) == E_C && up(pt, 2) == E_ROW &&
        (x->cell_type == T_INLINE || x->cell_type == T_N)) {
      x->cell_type = T_INLINE; /* <is> without t="inlineStr": its text all the same */
      x->raw.len = 0;
      x->cell_src = SRC_IS;
    }
    break;
  case E_T: /* <c><is><t> or a rich text run <c><is><r><t>; never <rPh><t> */
    if (x->cell_src == SRC_IS && ((up(pt, 1) == E_IS && up(pt, 2) == E_C) ||
                                  (up(pt, 1) == E_R && up(pt, 2) == E_IS && up(pt, 3) == E_C)))
      pt->collect = true;
    break;
  default: break;
  }
}

static void sheet_end(xml_part *pt, element el) {
  switch (el) {
  case E_V:
  case E_T: pt->collect = false; break;
  case E_C:
    if (up(pt, 1) == E_ROW && up(pt, 2) == E_SHEETDATA) cell_end(pt);
    break;
  case E_ROW:
    if (up(pt, 1) == E_SHEETDATA && up(pt, 2) == E_WORKSHEET) emit_row(pt);
    break;
  default: break;
  }
}

/* ---- the whole ------------------------------------------------------------------------------ */

/* The first bytes: what the file is when it is not a zip. */
static int sniff(xlsx *x) {
  unsigned char head[16];
  size_t n = (size_t)io_read(NULL, &x->src, head, sizeof head);
  if (x->src.error) return fail_errno(x, XM_CANNOT_READ, x->src.error);
  if (io_seek(NULL, &x->src, 0, ZLIB_FILEFUNC_SEEK_SET) != 0)
    return fail_errno(x, XM_CANNOT_READ, x->src.error ? x->src.error : EIO);
  if (n == 0) return fail(x, XM_EMPTY);
  static const unsigned char OLE[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  if (n >= 4 && memcmp(head, OLE, 4) == 0) return fail(x, XM_OLE);
  if (n < 4 || head[0] != 'P' || head[1] != 'K') {
    char q[64];
    ics_excerpt(q, 24, (const char *)head, n < 12 ? n : 12);
    return fail(x, XM_NOT_ZIP, q);
  }
  /* a zip of no entry is its end record alone, which minizip cannot open (it takes an end
   * record at offset 0 for none found) */
  if (head[2] == 5 && head[3] == 6) return fail(x, XM_NO_WORKBOOK, "xl/workbook.xml");
  return 0;
}

/* Reads at most cap - 1 bytes of the current part into buf (NUL-terminated): the mimetype. */
static int read_small(xlsx *x, const char *part, char *buf, size_t cap) {
  unsigned long long declared;
  if (open_current(x, part, &declared) < 0) return -1;
  int n = unzReadCurrentFile(x->zip, buf, (unsigned)(cap - 1));
  unzCloseCurrentFile(x->zip);
  buf[n > 0 ? n : 0] = '\0';
  return 0;
}

static int read_workbook(xlsx *x) {
  /* an .ods is a zip too: its first entry says what it is */
  int found = find_part(x, "mimetype");
  if (found < 0) return -1;
  if (found) {
    char mime[96];
    if (read_small(x, "mimetype", mime, sizeof mime) < 0) return -1;
    if (strncmp(mime, "application/vnd.oasis.opendocument", 34) == 0) return fail(x, XM_ODS);
  }
  /* the package's relationships say where the workbook is; xl/workbook.xml when they do not */
  found = read_rels(x, "");
  if (found < 0) return -1;
  const rel *office = found ? find_rel_kind(x, REL_OFFICE) : NULL;
  x->workbook = ics_strdup(office ? office->target : "xl/workbook.xml");
  free_rels(x);
  if (!x->workbook) return no_memory(x);
  size_t n = strlen(x->workbook);
  if (n > 4 && same_name(x->workbook + n - 4, 4, ".bin")) return fail(x, XM_XLSB);
  found = find_part(x, x->workbook);
  if (found < 0) return -1;
  if (!found) return fail(x, XM_NO_WORKBOOK, x->workbook);
  if (parse_part(x, x->workbook, workbook_start, NULL) < 0) return -1;
  return read_rels(x, x->workbook) < 0 ? -1 : 0;
}

static int read_strings(xlsx *x) {
  const rel *r = find_rel_kind(x, REL_STRINGS);
  char *fallback = NULL;
  const char *name;
  if (r) {
    name = r->target;
  } else { /* not declared: where Excel puts them, if there */
    size_t dir = folder_len(x->workbook);
    ics_buf b = {0};
    ics_buf_append(&b, x->workbook, dir);
    ics_buf_puts(&b, "sharedStrings.xml");
    fallback = ics_buf_take(&b);
    if (!fallback) return no_memory(x);
    name = fallback;
  }
  int found = find_part(x, name);
  int result = found;
  if (found == 0 && r) result = fail(x, XM_MISSING_STRINGS, name);
  else if (found == 1) result = parse_part(x, name, strings_start, strings_end);
  ics_free(fallback);
  x->raw.len = 0;
  return result < 0 ? -1 : 0;
}

/* Reads the worksheet of the i-th <sheet>. */
static int read_sheet(xlsx *x, size_t i) {
  const sheet_entry *s = &x->sheets[i];
  char q[64], rid[64];
  quote(q, s->name);
  const rel *r = find_rel(x, s->rid);
  if (!r || r->kind == REL_STRINGS || r->kind == REL_OFFICE) {
    quote(rid, s->rid);
    ics_buf rels = {0};
    size_t dir = folder_len(x->workbook);
    ics_buf_append(&rels, x->workbook, dir);
    ics_buf_printf(&rels, "_rels/%s.rels", x->workbook + dir);
    ics_buf label = {0};
    ics_buf_printf(&label, "%s (%s)", x->name, x->workbook);
    if (rels.failed || label.failed) fail(x, XM_NO_REL, q, rid, "?"); /* said without place */
    else ics_error_say_at(&x->error, x->lang, label.data, s->line, s->column,
                          &messages[XM_NO_REL], q, rid, rels.data);
    ics_buf_free(&rels);
    ics_buf_free(&label);
    return -1;
  }
  if (r->kind == REL_OTHER_SHEET) return 0; /* a chart, dialog or macro sheet: no cells */
  if (r->external) return fail(x, XM_REL_EXTERNAL, q);
  int found = find_part(x, r->target);
  if (found < 0) return -1;
  if (!found) return fail(x, XM_MISSING_SHEET, r->target, q);
  x->sheet = (ics_xlsx_sheet){(unsigned)i, s->name, x->date1904};
  x->prev_row = 0;
  x->row = 0;
  x->cell_count = 0;
  int result = parse_part(x, r->target, sheet_start, sheet_end);
  x->sheet.name = NULL;
  return result;
}

static void free_all(xlsx *x) {
  if (x->zip) unzClose(x->zip);
  if (x->src.fp) fclose(x->src.fp);
  ics_free(x->entries);
  ics_free(x->workbook);
  for (size_t i = 0; i < x->sheet_count; i++) {
    ics_free(x->sheets[i].name);
    ics_free(x->sheets[i].rid);
  }
  ics_free(x->sheets);
  free_rels(x);
  ics_buf_free(&x->strings);
  ics_free(x->string_at);
  ics_buf_free(&x->raw);
  ics_free(x->cells);
  ics_free(x->out);
  ics_buf_free(&x->row_text);
}

static int open_file(xlsx *x, const char *path) {
  ics_code status = ics_open_regular(path, &x->src.fp);
  if (status != ICS_OK) {
    int e = errno;
    if (status == ICS_E_NOT_REGULAR) return fail(x, XM_NOT_REGULAR);
    if (status == ICS_E_NO_MEMORY) return no_memory(x);
    return fail_errno(x, XM_CANNOT_OPEN, e);
  }
  long size = fseek(x->src.fp, 0, SEEK_END) == 0 ? ftell(x->src.fp) : -1;
  if (size < 0 || fseek(x->src.fp, 0, SEEK_SET) != 0) return fail_errno(x, XM_CANNOT_READ, errno);
  x->src.size = (unsigned long long)size;
  return 0;
}

int ics_xlsx_read_with(const char *path, const char *name, const void *data, size_t len,
                       const ics_xlsx_limits *limits, ics_lang lang, ics_xlsx_row_fn fn,
                       void *ctx, ics_error *err) {
  xlsx x = {.name = path ? path : name ? name : "(memory)", .lang = lang, .lim = *limits,
            .fn = fn, .ctx = ctx};
  if (x.lim.strings > MAX_STRINGS_BYTES) x.lim.strings = MAX_STRINGS_BYTES;
  if (x.lim.cell > 4 * 1024 * 1024) x.lim.cell = 4 * 1024 * 1024; /* raw texts' bound in size_t */
  int result = -1;
  if (path) {
    if (open_file(&x, path) < 0) goto done;
  } else {
    x.src.mem = data;
    x.src.size = len;
  }
  if (sniff(&x) < 0) goto done;
  zlib_filefunc64_def io = {io_open, io_read, io_write, io_tell, io_seek, io_close, io_error, NULL};
  x.zip = unzOpen2_64(&x.src, &io);
  if (!x.zip) {
    if (x.src.error) fail_errno(&x, XM_CANNOT_READ, x.src.error);
    else fail(&x, XM_BAD_ZIP);
    goto done;
  }
  if (index_zip(&x) < 0 || read_workbook(&x) < 0 || read_strings(&x) < 0) goto done;
  for (size_t i = 0; i < x.sheet_count && !x.stop; i++)
    if (read_sheet(&x, i) < 0) goto done;
  result = 0;
done:
  free_all(&x);
  if (result < 0 && x.error.code == ICS_OK) no_memory(&x); /* never -1 without a reason */
  ics_error_move(err, &x.error);
  return result;
}

int ics_xlsx_read(const char *path, ics_lang lang, ics_xlsx_row_fn fn, void *ctx, ics_error *err) {
  return ics_xlsx_read_with(path, NULL, NULL, 0, &ICS_XLSX_DEFAULT_LIMITS, lang, fn, ctx, err);
}

int ics_xlsx_read_memory(const char *name, const void *data, size_t len, ics_lang lang,
                         ics_xlsx_row_fn fn, void *ctx, ics_error *err) {
  return ics_xlsx_read_with(NULL, name, data, len, &ICS_XLSX_DEFAULT_LIMITS, lang, fn, ctx, err);
}
