/* xlsx_reader.h - reading the cells of an .xlsx workbook as Excel or LibreOffice saved it
 * (Office Open XML, ECMA-376 part 1 §18): the zip through minizip, the XML through expat,
 * one worksheet row at a time, so that memory holds the shared strings and one row, never
 * the sheet. Every part of the file may be malformed or hostile: sizes, counts and lengths
 * are bounded (below), a DTD is refused (no entity can expand), and every problem is one
 * ics_error naming the file, the part and, inside XML, the part's line and column: its file
 * reads "book.xlsx (xl/worksheets/sheet1.xml)", and a problem of a cell starts its message
 * with "sheet 'NAME', cell B7: ". docs/limits.md lists the limits, the ones below and the few
 * more of xlsx_reader.c. */
#ifndef ICS_XLSX_READER_H
#define ICS_XLSX_READER_H

#include "ics_common.h"

enum {
  ICS_XLSX_MAX_PART = 256 * 1024 * 1024,   /* uncompressed bytes of one XML part */
  ICS_XLSX_MAX_STRINGS = 64 * 1024 * 1024, /* bytes of all shared strings together (each
                                              string counting 8 more: its place) */
  ICS_XLSX_MAX_CELL = 32767,               /* characters in one cell (Excel's own limit) */
  ICS_XLSX_MAX_COLUMNS = 16384,            /* columns A..XFD */
  ICS_XLSX_MAX_ROWS = 1048576,             /* rows 1..1048576 */
  ICS_XLSX_MAX_SHEETS = 256,
};

typedef enum {
  ICS_XLSX_STRING,  /* a shared string, an inline string or a formula's string result; also a
                       cell of type "d" (its ISO 8601 text, as written) */
  ICS_XLSX_NUMBER,  /* a number, as the file writes it ("1980", "29325", "0.5", "1E-3"); a
                       date is a number too (a serial: days since 1899-12-30, or 1904-01-01
                       when the workbook says date1904) */
  ICS_XLSX_BOOLEAN, /* "1" or "0" */
  ICS_XLSX_ERROR,   /* a formula's error, as written ("#N/A", "#DIV/0!") */
} ics_xlsx_kind;

typedef struct {
  unsigned column;  /* 0-based: A is 0 */
  ics_xlsx_kind kind;
  const char *text; /* UTF-8, NUL-terminated, never NULL nor empty; no control character but
                       tab, LF and CR; Excel's _xHHHH_ escapes decoded; not normalised (NFC is
                       the caller's); lives until the callback returns */
} ics_xlsx_cell;

typedef struct {
  unsigned index;   /* 0-based, in the workbook's order (the order of the tabs, chart sheets
                       counted: the tab's position) */
  const char *name; /* the tab's name, UTF-8 */
  bool date1904;    /* the workbook counts dates from 1904-01-01 (old Mac Excel) */
} ics_xlsx_sheet;

enum { ICS_XLSX_CONTINUE = 0, ICS_XLSX_NEXT_SHEET = 1, ICS_XLSX_STOP = 2 };

/* Called for every row of a worksheet that has at least one cell with a value (rows and cells
 * that are empty or only formatted are left out), in increasing row order; row is 1-based as
 * the spreadsheet shows it, cells in increasing column order, count >= 1. Returns
 * ICS_XLSX_CONTINUE, ICS_XLSX_NEXT_SHEET, or anything else to stop (ICS_XLSX_STOP); a callback
 * that stops for a problem of its own reports it itself. */
typedef int (*ics_xlsx_row_fn)(void *ctx, const ics_xlsx_sheet *sheet, unsigned row,
                               const ics_xlsx_cell *cells, size_t count);

/* Reads the worksheets in the workbook's order (chart, dialog and macro sheets skipped),
 * calling fn for their rows; ICS_XLSX_NEXT_SHEET goes on with the next worksheet,
 * ICS_XLSX_STOP ends the reading (0 is returned). 0, or -1 with *err: the file cannot be read,
 * is not a zip (an .xls of Excel 97-2003 and an encrypted workbook — both OLE compound files,
 * D0 CF 11 E0 — are named as such, with what to do; so are an .ods and an .xlsb), lacks a part
 * it needs, holds XML that is malformed or passes a limit, a cell reference that is not one,
 * rows or cells out of order, a control character in a text. Messages in lang. A problem
 * found in a sheet is reported after fn was called for the rows before it. */
int ics_xlsx_read(const char *path, ics_lang lang, ics_xlsx_row_fn fn, void *ctx, ics_error *err);

/* The same over a file in memory; `name` stands for the file in messages. */
int ics_xlsx_read_memory(const char *name, const void *data, size_t len, ics_lang lang,
                         ics_xlsx_row_fn fn, void *ctx, ics_error *err);

/* The column's letters as the spreadsheet shows them (0 -> "A", 27 -> "AB"), into out;
 * columns up to 18277 ("ZZZ") fit, any beyond give "?". */
void ics_xlsx_column_name(unsigned column, char out[4]);

#endif
