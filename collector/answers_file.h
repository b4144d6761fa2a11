/* answers_file.h - reading an answers file (cli.md "The answers file"): YAML, a sequence of
 * mappings field -> value; or a spreadsheet file — CSV or text as spreadsheet programs save it
 * (any separator among , ; tab, UTF-8, UTF-16 or Windows-1258/1252), or an .xlsx workbook —
 * a table of one record per row under a header of field names (row 1, or row 2 under labels).
 * Each record is parsed and validated against its form (schema.h) and handed to a callback;
 * every problem is reported as "FILE: record N: FIELD: MESSAGE" (in a spreadsheet file after
 * "row R, column "LABEL": ") so that the caller can refuse the whole file. */
#ifndef ICS_ANSWERS_FILE_H
#define ICS_ANSWERS_FILE_H

#include "schema.h"

/* ---- limits (docs/limits.md) -------------------------------------------------------------
 * The file is read as a stream, one record at a time: its size is not limited (1 GiB and
 * more is fine), memory stays constant apart from the natural keys seen. Each limit passed
 * is one error "FILE:LINE:COLUMN: ..." and reading stops. */
enum {
  ICS_ANSWERS_MAX_LINE = 65536,    /* bytes in one line */
  ICS_ANSWERS_MAX_VALUE = 65536,   /* bytes in one value (a YAML scalar, a CSV cell) */
  ICS_ANSWERS_MAX_RUNAWAY = 1048576, /* YAML: characters between two complete values */
  ICS_ANSWERS_MAX_ROW = 1048576,   /* CSV: bytes in one row */
  ICS_ANSWERS_MAX_COLUMNS = 1000,  /* CSV: columns of the header */
  ICS_ANSWERS_MAX_CODES = 256,     /* YAML: codes in one select_multiple list */
  ICS_ANSWERS_DEFAULT_MAX_RECORDS = 10000000,
};

/* Called for every record that is valid on its own (N counts from 1), after the record was
 * checked (calculations applied) and its natural key found new. The record belongs to the
 * reader and lives only during the call: keep a copy (ics_record_copy) if needed; the callback
 * may change it but never frees it. A non-zero return stops reading at once, without a
 * diagnostic (the caller's own failure, e.g. a database error, that it reports itself). */
typedef int (*ics_answers_callback)(void *ctx, ics_record *record, size_t record_number);

typedef enum {
  ICS_ANSWERS_FULL = 0,    /* every record complete: required answers, relevance, constraints */
  ICS_ANSWERS_DRAFT = 1,   /* drafts: missing required answers allowed */
  ICS_ANSWERS_PATCH = 2,   /* one record of changes for `collect edit`: only the fields given
                              are set, on top of `base`; checked as a whole afterwards */
} ics_answers_mode;

typedef struct {
  const ics_form *form;
  const ics_register *reg;
  ics_lang lang;
  ics_answers_mode mode;
  const ics_record *base;  /* ICS_ANSWERS_PATCH: the record being edited */
  size_t max_records;      /* refuse files with more (0: 10,000,000) */
  /* spreadsheet files (.csv, .txt, .xlsx) */
  bool encoding_given;     /* text without a byte-order mark is in `encoding` (--encoding) */
  ics_encoding encoding;
  ics_buf *notes;          /* the summary's notes: guesses, dropped answers (may be NULL) */
} ics_answers_options;

/* Reads the whole file. Returns the number of records handed to the callback (that returned
 * 0; with a NULL callback, of valid records); errors go to diags, in the requested language
 * except for the tokens "record N", "header", field names and codes:
 *  - a record's problems: file "FILE", line 0, message "record N: FIELD: MESSAGE" (the
 *    caller prints "FILE: record N: FIELD: MESSAGE"), or "record N: MESSAGE" when no field
 *    is concerned (a CSV row with the wrong number of cells). Records count from 1 in file
 *    order (for CSV the first row after the header is record 1; blank lines are skipped).
 *    A problem of a record's shape also carries its LINE and COLUMN: a YAML record that is
 *    not a mapping, a field name that is not a plain string, a value that is a mapping, a
 *    list for a question that is not select_multiple, a list item that is not one code,
 *    more than 256 codes; a CSV quote where RFC 4180 allows none (the row is refused; in
 *    the header, the file).
 *  - problems of the file as a whole, with "FILE:LINE:COLUMN: MESSAGE" (1-based, columns in
 *    characters) when they have a place: cannot be read, not UTF-8 (UTF-16 is named as
 *    such), a control character, YAML syntax, anchors or aliases, more than one document,
 *    the top level not a sequence, nesting deeper than 32, an empty file (no document, "~",
 *    or a CSV without a header row; an empty list `[]` or a header alone is 0 records, no
 *    error), a limit above, more than max_records records, an unterminated CSV quote.
 *    After one of these reading stops (records before it were already handed over; a YAML
 *    record that the syntax error cuts short is not checked).
 *  - the CSV header: "FILE:LINE:COLUMN: header: NAME: MESSAGE" for an unknown field name
 *    (with "did you mean") or one given twice; after these no record is read, since every
 *    record would be wrong the same way. A column whose header cell is empty is ignored as
 *    long as its cells are empty ("record N: column C has a value but no field name ...").
 * Records are checked as the collector stores them: unknown fields, a field given twice,
 * wrong types (ics_record_set's status message, then in parentheses its detail and, for a
 * short choice list of the form, its codes), unknown codes (register codes only when
 * options->reg is given: without it they are left to a later check), a value (not blank)
 * for a calculate or note field,
 * a value for a field that is not relevant (in YAML an error; in a spreadsheet file dropped,
 * counted per column in options->notes, its own problems with it), missing required
 * answers (unless DRAFT), violated constraints (ics_record_check with flags 0, or
 * ICS_CHECK_PARTIAL for DRAFT), and the same natural key twice in the file ("the key 'K' is
 * already in record M", reported on the later record; records with other errors count too).
 * A field whose value was refused is not reported again by the record check (no "must be
 * answered" after "enter a whole number").
 * Values: a blank value (YAML `~`, `null`, nothing, "", spaces; an empty CSV cell; an empty
 * YAML list) is no answer. Fields not given are empty: defaults are not applied. Text is
 * stored in NFC (a NUL, written "\0" in YAML, is refused like other control characters),
 * booleans from yes/no/true/false (and what ics_record_set accepts), a select_multiple from
 * a YAML list of codes or codes separated by spaces (or commas). YAML tags are ignored. CSV
 * cells keep their spaces (trimmed by ics_record_set); a line break inside quotes (CR LF,
 * CR or LF) becomes LF.
 * PATCH: exactly one record (an error otherwise); it starts from a copy of options->base
 * (an empty record when NULL), sets the fields given and clears those given blank (for CSV
 * every column of the header is given), then checks the whole record as FULL does. A field
 * that the change makes not relevant keeps its old value and is reported as "not relevant":
 * the user clears it explicitly, as an import would require. No duplicate-key check (the
 * caller compares with its store).
 * Spreadsheet files (answers_table.c says how): the row and column of each record's problems;
 * rows without any value skipped; values read as people write them (labels, codes in any
 * case, day-first dates, date serials, thousands separators, x for yes), each guess counted
 * per column and said in options->notes at the end ("Note: FILE: column ...").
 * The callback is not called for a record with an error. */
size_t ics_answers_read(const char *path, const ics_answers_options *options,
                        ics_answers_callback callback, void *ctx, ics_errors *diags);
typedef enum {
  ICS_ANSWERS_YAML,
  ICS_ANSWERS_TEXT, /* CSV or text as spreadsheet programs save it: .csv, .txt, .tsv */
  ICS_ANSWERS_XLSX, /* an Excel workbook: .xlsx */
} ics_answers_syntax;
/* The syntax a path's extension (in any case) names; YAML for any other. */
ics_answers_syntax ics_answers_syntax_of(const char *path);
/* The same over a file in memory; `name` stands for the file in messages. The text need not
 * be NUL-terminated. */
size_t ics_answers_parse(const char *name, const char *text, size_t len, ics_answers_syntax syntax,
                         const ics_answers_options *options, ics_answers_callback callback,
                         void *ctx, ics_errors *diags);

#endif
