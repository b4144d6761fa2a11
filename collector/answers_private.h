/* answers_private.h (private) - what the parts of the answers-file reader share: its
 * messages, the byte source (answers_source.c), the record builder every syntax feeds
 * (answers_record.c), the table of spreadsheet rows (answers_table.c), and the syntaxes
 * (answers_yaml.c; answers_csv.c and answers_xlsx.c, both through the table); answers_file.c
 * holds the entry points of answers_file.h. */
#ifndef ICS_ANSWERS_PRIVATE_H
#define ICS_ANSWERS_PRIVATE_H

#include <string.h>

#include "answers_file.h"
#include "answers_messages.h"

/* Functions shared between the reader's files are external symbols: they carry the
 * library's prefix, the code keeps the short names. Include this header after every other
 * one (a system header's own `report` or `finish` would be renamed too). */
#define src_error ics_answers_src_error
#define src_report ics_answers_src_report
#define src_read ics_answers_src_read
#define src_free ics_answers_src_free
#define report ics_answers_report
#define fatal ics_answers_fatal
#define out_of_memory ics_answers_out_of_memory
#define builder_init ics_answers_builder_init
#define builder_free ics_answers_builder_free
#define begin_record ics_answers_begin_record
#define find_field ics_answers_find_field
#define put_suggestion ics_answers_put_suggestion
#define unknown_field ics_answers_unknown_field
#define mark_given ics_answers_mark_given
#define set_text ics_answers_set_text
#define set_codes ics_answers_set_codes
#define end_record ics_answers_end_record
#define finish ics_answers_finish
#define read_yaml ics_answers_read_yaml
#define read_csv ics_answers_read_csv
#define read_xlsx ics_answers_read_xlsx
#define table_new ics_answers_table_new
#define table_row ics_answers_table_row
#define table_end ics_answers_table_end
#define table_has_header ics_answers_table_has_header
#define trim ics_answers_trim
#define cells_copy ics_answers_cells_copy
#define cells_name_a_field ics_answers_cells_name_a_field
#define table_free ics_answers_table_free

/* ---- messages ---------------------------------------------------------------------------- */
typedef enum { ANSWERS_MESSAGES(ICS_MESSAGE_ID) A_COUNT } answers_message;

extern const ics_message ics_answers_messages[A_COUNT]; /* answers_file.c */

static inline const char *msg(answers_message id, ics_lang lang) {
  return ics_message_text(&ics_answers_messages[id], lang);
}

/* ---- the byte source (answers_source.c) ----------------------------------------------------
 * A file or text in memory, its UTF-8 byte-order mark stripped; UTF-8, line lengths and (for
 * YAML) the characters libyaml refuses are validated, keeping 1-based positions. */
typedef struct {
  FILE *fp;                /* a file, or */
  const unsigned char *mem; /* text in memory */
  size_t mem_len, mem_pos;
  unsigned char *pending;  /* bytes read ahead (a byte-order mark looked for, text sniffed) */
  size_t pending_len, pending_pos;
  bool started, eof;

  /* spreadsheet text (.csv, .txt): any encoding spreadsheet programs save, converted to UTF-8 */
  bool spreadsheet;
  bool encoding_given;     /* --encoding: text without a byte-order mark is in encoding_given_as */
  ics_encoding encoding_given_as;
  ics_encoding encoding;   /* what the text is in, once started */
  size_t offset_bom;       /* bytes of the byte-order mark */
  bool encoding_guessed;   /* no byte-order mark said it (reported in the summary) */
  ics_decoder *decoder;    /* NULL for UTF-8 */
  ics_buf converted;       /* UTF-8 converted and not read yet, from converted_pos */
  size_t converted_pos;

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

void src_error(source *s, long line, long col, answers_message m, size_t num);
/* The first problem of the source as an error of diags. */
void src_report(const source *s, const char *name, ics_lang lang, ics_errors *diags);
/* Up to size validated bytes into buf; 0 at the end of the input or on an error (check
 * s->failed). */
size_t src_read(source *s, unsigned char *buf, size_t size);
void src_free(source *s);

/* ---- a set of natural keys: key text -> the record that had it first ------------------------ */
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
  ics_strset keys; /* natural key -> the record that first had it */

  /* a table (CSV, text, a workbook's sheet): where the current record is, as the spreadsheet
     shows it, so that messages say "row 7, column "Năm sinh"" */
  unsigned row;              /* the record's row (0: not a table, or between records) */
  const char **column_label; /* per field: its column's heading, NULL without a column */
  const char *cell_column;   /* a header cell's column letters, for its problems */
  bool row_refused;          /* the next record's row was refused already (a bad quote) */
} builder;

/* Adds "PREFIX: FIELD: MESSAGE" (FIELD left out when NULL) at a position (0: none). The
 * prefix is "record N" for a record, "header" for the CSV header. */
void report(builder *b, ics_code code, int line, int col, const char *field, const char *fmt, ...)
    ICS_PRINTF(6, 7);
/* A problem that is not about one record: the file, a limit, the syntax. */
void fatal(builder *b, int line, int col, answers_message m, ...);
void out_of_memory(builder *b);
bool builder_init(builder *b, const char *name, const ics_answers_options *opt,
                  ics_answers_callback callback, void *ctx, ics_errors *diags);
void builder_free(builder *b);
/* Starts the next record; false when there may be no more. */
bool begin_record(builder *b, int line, int col);
/* The field named `name` (the next one in form order is tried first), or -1. */
int find_field(builder *b, const char *name);
/* " (did you mean 'x'?)" for an unknown field name, or "". */
void put_suggestion(builder *b, ics_buf *out, const char *name);
void unknown_field(builder *b, int line, int col, const char *name);
/* A field given a second time in one record; marks it given otherwise. */
bool mark_given(builder *b, int field);
/* A value given as text; NULL or blank text is "no answer" (it clears the field of a patch). */
void set_text(builder *b, int field, const char *text);
/* A select_multiple given as separate codes (none: no answer). */
void set_codes(builder *b, int field, const char *const *codes, size_t count);
/* Checks the record as a whole, then hands it over. */
void end_record(builder *b);
/* After the whole input: a patch must have had its record. */
void finish(builder *b);

static inline bool blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

/* ---- tables (answers_table.c): rows of cells, from a text file or a workbook ---------------- */
typedef enum { T_STRING, T_NUMBER, T_BOOLEAN, T_ERROR } table_kind; /* as ics_xlsx_kind */

typedef struct {
  unsigned column;    /* 0-based */
  table_kind kind;    /* a text file's cells are strings */
  const char *text;
  long line, col;     /* a text file's header cells: where they start (else 0) */
} table_cell;

typedef struct table table;
/* NULL when memory ran out (said). A text file's rows are counted as spreadsheets show them;
 * date1904: a workbook's date serials count from 1904. */
table *table_new(builder *b, bool text_file, bool date1904);
/* One row (1-based, as shown) with its cells in column order; false when reading stops. */
bool table_row(table *t, unsigned row, const table_cell *cells, size_t n);
bool table_has_header(const table *t);
/* A copy of a row's cells, their texts appended to *text (pointers into it: nothing more may be
 * appended while the copy is used); false when memory ran out (the caller says it). */
bool cells_copy(const table_cell *cells, size_t n, table_cell **out, ics_buf *text);
/* Whether one of the cells holds a field name of the form (spaces around it left out). */
bool cells_name_a_field(builder *b, const table_cell *cells, size_t n);
/* s without the spaces a spreadsheet leaves around a value (no-break spaces too): where it
 * starts, and its length in *len. */
const char *trim(const char *s, size_t *len);
/* After the last row: a file without a header or records, and the summary's notes. */
void table_end(table *t);
void table_free(table *t);

/* ---- the syntaxes (answers_yaml.c, answers_csv.c, answers_xlsx.c): the whole input ---------- */
void read_yaml(builder *b, source *src);
void read_csv(builder *b, source *src);
/* A workbook: the file at path, or data[0..len) when data is not NULL. */
void read_xlsx(builder *b, const char *path, const void *data, size_t len);

#endif
