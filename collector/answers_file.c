/* answers_file.c - answers files (cli.md "The answers file"), read as a stream: YAML through
 * libyaml's event parser, spreadsheet text through a small RFC 4180 state machine, a workbook
 * row by row through the xlsx reader. Memory stays constant apart from the set of natural
 * keys seen (and a workbook's shared strings): no document tree is built, every line and
 * value is bounded, and each record is validated (schema.h) and handed to the caller before
 * the next one is read.
 *
 * Layers, bottom up, one file each (answers_private.h between them): the byte source
 * (answers_source.c: file or memory, a byte-order mark taken, spreadsheet text converted to
 * UTF-8, UTF-8, line lengths and the characters libyaml refuses validated, 1-based positions
 * kept); the record builder every syntax shares (answers_record.c: answers, checks, duplicate
 * keys, the callback); the YAML reader (answers_yaml.c); the table of spreadsheet rows
 * (answers_table.c: header, values as people write them, dropped answers) and its two
 * sources, the CSV reader (answers_csv.c) and the workbook reader (answers_xlsx.c). Here: the
 * entry points. */
#include "answers_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "answers_private.h"

const ics_message ics_answers_messages[A_COUNT] = {ANSWERS_MESSAGES(ICS_MESSAGE_ENTRY)};

/* ---- entry points ------------------------------------------------------------------------- */
static size_t run(builder *b, source *src, ics_answers_syntax syntax) {
  if (syntax == ICS_ANSWERS_TEXT) {
    src->spreadsheet = true;
    src->encoding_given = b->opt->encoding_given;
    src->encoding_given_as = b->opt->encoding;
    read_csv(b, src);
  } else {
    read_yaml(b, src);
  }
  finish(b);
  src_free(src);
  size_t valid = b->valid;
  builder_free(b);
  return valid;
}

/* A workbook is read by the xlsx library from its zip, not as a stream of text. */
static size_t run_xlsx(builder *b, const char *path, const void *data, size_t len) {
  read_xlsx(b, path, data, len);
  finish(b);
  size_t valid = b->valid;
  builder_free(b);
  return valid;
}

size_t ics_answers_parse(const char *name, const char *text, size_t len, ics_answers_syntax syntax,
                         const ics_answers_options *options, ics_answers_callback callback,
                         void *ctx, ics_errors *diags) {
  builder b;
  if (!builder_init(&b, name, options, callback, ctx, diags)) {
    builder_free(&b);
    return 0;
  }
  if (syntax == ICS_ANSWERS_XLSX) return run_xlsx(&b, NULL, text ? text : "", text ? len : 0);
  source src = {.mem = (const unsigned char *)(text ? text : ""), .mem_len = text ? len : 0};
  if (src.mem_len == 0) src.eof = true;
  return run(&b, &src, syntax);
}

static bool has_extension(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  if (n <= e || path[n - e - 1] != '.') return false;
  for (size_t i = 0; i < e; i++)
    if ((path[n - e + i] | 0x20) != ext[i]) return false;
  return true;
}

ics_answers_syntax ics_answers_syntax_of(const char *path) {
  if (has_extension(path, "csv") || has_extension(path, "txt") || has_extension(path, "tsv"))
    return ICS_ANSWERS_TEXT;
  if (has_extension(path, "xlsx")) return ICS_ANSWERS_XLSX;
  return ICS_ANSWERS_YAML;
}

size_t ics_answers_read(const char *path, const ics_answers_options *options,
                        ics_answers_callback callback, void *ctx, ics_errors *diags) {
  builder b;
  if (!builder_init(&b, path, options, callback, ctx, diags)) {
    builder_free(&b);
    return 0;
  }
  if (ics_answers_syntax_of(path) == ICS_ANSWERS_XLSX) return run_xlsx(&b, path, NULL, 0);
  FILE *fp;
  ics_code status = ics_open_regular(path, &fp);
  if (status == ICS_E_NO_MEMORY) {
    ics_errors_say(diags, b.lang, path, 0, 0, &ics_answers_messages[A_NO_MEMORY]);
  } else if (status != ICS_OK) {
    int err = errno;
    ics_error e = {0};
    /* "cannot read the file: WHY", coded as what it is */
    ics_error_say_as(&e, b.lang, status == ICS_E_IO ? ics_code_from_errno(err) : status, path, 0, 0,
                     &ics_answers_messages[A_CANNOT_READ],
                     status == ICS_E_NOT_FOUND     ? msg(A_NOT_FOUND, b.lang)
                     : status == ICS_E_NOT_REGULAR ? msg(A_NOT_REGULAR, b.lang)
                                                   : ics_errno_text(err, b.lang));
    ics_errors_add(diags, &e);
  }
  if (status != ICS_OK) {
    builder_free(&b);
    return 0;
  }
  source src = {.fp = fp};
  size_t valid = run(&b, &src, ics_answers_syntax_of(path));
  fclose(fp);
  return valid;
}
