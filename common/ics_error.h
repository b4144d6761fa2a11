/* ics_error.h - the one way a library of ictsurvey says that something failed.
 *
 * A failure is an ics_error: a code from the registry below (its name is stable: scripts and
 * tests may rely on it), the place in a file a person wrote when the problem is there (file,
 * 1-based line and column), and a message in the language the caller asked for. Running out
 * of memory is a code like any other, and even then the message is there (a fixed text).
 *
 * Functions that can fail take `ics_error *err` last and return 0 on success and -1 on
 * failure (pointers: NULL), with *err set; `err` may be NULL when the caller does not want to
 * know why. Loaders that report every problem at once collect them in an ics_errors list.
 * Messages come from each library's table of ics_message, written with the X-macro shape
 *   X(ID, CODE, "Vietnamese printf format", "English printf format")
 * so that every message exists in both languages with the same arguments (tests check it). */
#ifndef ICS_ERROR_H
#define ICS_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { ICS_VI = 0, ICS_EN = 1 } ics_lang;

/* printf-style checking of a function's format. MinGW's "printf" is Microsoft's dialect (no
 * %zu); the Windows build uses MinGW's own C99 stdio (__USE_MINGW_ANSI_STDIO), gnu_printf. */
#ifdef __MINGW32__
#define ICS_PRINTF(fmt_arg, first_arg) __attribute__((format(gnu_printf, fmt_arg, first_arg)))
#else
#define ICS_PRINTF(fmt_arg, first_arg) __attribute__((format(printf, fmt_arg, first_arg)))
#endif

/* The registry: X(CODE, "stable-name", "Vietnamese", "English"). Append only: a code's
 * number and name never change (tests/data/error-codes.txt holds the list as shipped). */
#define ICS_CODES(X)                                                                            \
  X(ICS_OK, "ok", "không có lỗi", "no error")                                                    \
  X(ICS_E_NO_MEMORY, "no-memory", "không đủ bộ nhớ", "out of memory")                            \
  /* the values of a record (schema's checks of an answer) */                                  \
  X(ICS_E_NOT_INTEGER, "not-integer", "không phải số nguyên", "not a whole number")              \
  X(ICS_E_INTEGER_RANGE, "integer-range", "số quá lớn", "number out of range")                   \
  X(ICS_E_NOT_NUMBER, "not-number", "không phải số", "not a number")                             \
  X(ICS_E_NOT_BOOLEAN, "not-boolean", "không phải có/không", "not yes/no")                       \
  X(ICS_E_NOT_DATE, "not-date", "không phải ngày", "not a date")                                 \
  X(ICS_E_UNKNOWN_CHOICE, "unknown-choice", "lựa chọn không có", "no such choice")               \
  X(ICS_E_REPEATED_CHOICE, "repeated-choice", "lựa chọn lặp lại", "choice repeated")             \
  X(ICS_E_TEXT_INVALID, "text-invalid", "văn bản không hợp lệ", "invalid text")                  \
  X(ICS_E_TEXT_TOO_LONG, "text-too-long", "văn bản quá dài", "text too long")                    \
  X(ICS_E_NO_VALUE_ALLOWED, "no-value-allowed", "câu này không nhận giá trị",                   \
    "this question takes no value")                                                            \
  X(ICS_E_REQUIRED, "required", "thiếu câu trả lời bắt buộc", "required answer missing")        \
  X(ICS_E_CONSTRAINT, "constraint", "câu trả lời không thỏa điều kiện",                          \
    "answer breaks a constraint")                                                              \
  X(ICS_E_NOT_RELEVANT, "not-relevant", "câu này không áp dụng", "question does not apply")     \
  X(ICS_E_UNKNOWN_FIELD, "unknown-field", "không có trường này", "no such field")               \
  /* files and the system */                                                                   \
  X(ICS_E_NOT_FOUND, "not-found", "không có tệp này", "no such file")                           \
  X(ICS_E_NOT_REGULAR, "not-regular", "không phải tệp thường", "not a regular file")            \
  X(ICS_E_TOO_LARGE, "too-large", "quá lớn", "too large")                                        \
  X(ICS_E_IO, "io", "lỗi đọc hoặc ghi", "read or write error")                                   \
  X(ICS_E_DISK_FULL, "disk-full", "đĩa đầy", "disk full")                                        \
  X(ICS_E_PERMISSION, "permission", "không có quyền", "permission denied")                       \
  X(ICS_E_EXISTS, "exists", "đã có", "already exists")                                           \
  X(ICS_E_WRONG_KIND, "wrong-kind", "tệp khác loại", "a file of another kind")                   \
  X(ICS_E_BUSY, "busy", "cơ sở dữ liệu đang bận", "database busy")                               \
  X(ICS_E_DATABASE, "database", "lỗi cơ sở dữ liệu", "database error")                           \
  X(ICS_E_DAMAGED, "damaged", "tệp bị hỏng", "damaged file")                                     \
  /* what a person or a program wrote */                                                       \
  X(ICS_E_SYNTAX, "syntax", "sai cú pháp", "syntax error")                                       \
  X(ICS_E_NOT_UTF8, "not-utf8", "không phải UTF-8", "not UTF-8")                                 \
  X(ICS_E_INVALID, "invalid", "không hợp lệ", "invalid")                                         \
  X(ICS_E_LIMIT, "limit", "vượt giới hạn", "over a limit")                                       \
  X(ICS_E_UNSUPPORTED, "unsupported", "phiên bản không hỗ trợ", "unsupported version")           \
  X(ICS_E_CONFLICT, "conflict", "mâu thuẫn với dữ liệu đã có", "conflicts with what is held")    \
  X(ICS_E_STATE, "state", "không làm được lúc này", "not possible in this state")                \
  /* trust: signatures, keys, what the office published */                                     \
  X(ICS_E_SIGNATURE, "signature", "chữ ký không hợp lệ", "bad signature")                        \
  X(ICS_E_KEY, "key", "sai khóa hoặc thiếu khóa", "wrong or missing key")                        \
  X(ICS_E_REFUSED, "refused", "bị từ chối", "refused")                                           \
  X(ICS_E_INTERRUPTED, "interrupted", "bị ngắt", "interrupted")                                  \
  /* a choice that a select field's choice_filter does not offer given the other answers */    \
  X(ICS_E_NOT_OFFERED, "not-offered", "lựa chọn không phù hợp", "choice not offered")

typedef enum {
#define ICS_CODE_ENUM(id, name, vi, en) id,
  ICS_CODES(ICS_CODE_ENUM)
#undef ICS_CODE_ENUM
      ICS_CODE_COUNT
} ics_code;

/* "no-memory"; "?" for a number that is no code. */
const char *ics_code_name(ics_code code);
/* The code's own short text ("không đủ bộ nhớ"): the message when nothing better is known. */
const char *ics_code_text(ics_code code, ics_lang lang);
/* The code of a failed call on files, from its errno: ICS_E_DISK_FULL (ENOSPC, EDQUOT),
 * ICS_E_PERMISSION, ICS_E_EXISTS, ICS_E_NOT_FOUND, ICS_E_NO_MEMORY, else ICS_E_IO. */
ics_code ics_code_from_errno(int e);
/* What a failed call's errno means, for the end of a message in lang: a Vietnamese text for
 * the common values (the system's strerror knows only English), strerror in English and for
 * the rare others. Never NULL; static or the system's storage: not freed. */
const char *ics_errno_text(int e, ics_lang lang);
/* The code of a failed SQLite call, from sqlite3_extended_errcode and sqlite3_system_errno of
 * its connection: ICS_E_NO_MEMORY, ICS_E_DISK_FULL (SQLITE_FULL, and an I/O error of ENOSPC),
 * ICS_E_BUSY (busy or locked), ICS_E_DAMAGED (corrupt, not a database), ICS_E_IO, else
 * ICS_E_DATABASE. */
ics_code ics_code_from_sqlite(int extended_code, int system_errno);

typedef struct {
  ics_code code;   /* ICS_OK: no error */
  char *file;      /* where a person wrote the input at fault, or NULL */
  int line;        /* 1-based; 0 when the problem is not at a position */
  int column;
  char *field;     /* the question (a form's field name) at fault, or NULL */
  char *message;   /* in the caller's language; never NULL when code != ICS_OK */
  bool fixed_text; /* message is a static text (memory ran out): not freed */
} ics_error;

/* One message of a library's table: X(ID, CODE, vi, en) entries expand to these. */
typedef struct {
  ics_code code; /* ICS_OK for a fragment that is part of another message */
  const char *vi;
  const char *en;
} ics_message;

#define ICS_MESSAGE_ID(id, code, vi, en) id,
#define ICS_MESSAGE_ENTRY(id, code, vi, en) [id] = {code, vi, en},

/* The printf format of a message in a language. */
const char *ics_message_text(const ics_message *m, ics_lang lang);

/* Sets *err (when err is not NULL and holds no error yet: the first failure is the one
 * reported, the callers' more general ones after it are not). The message is formatted from
 * m's text in lang; when memory runs out meanwhile, the code becomes ICS_E_NO_MEMORY with its
 * fixed text. */
void ics_error_say(ics_error *err, ics_lang lang, const ics_message *m, ...);
void ics_error_say_at(ics_error *err, ics_lang lang, const char *file, int line, int column,
                      const ics_message *m, ...);
void ics_error_vsay_at(ics_error *err, ics_lang lang, const char *file, int line, int column,
                       const ics_message *m, va_list ap);
/* The same with the code the caller knows instead of the table's (ICS_OK: the table's): a
 * "cannot read the file" that is a missing file, a full disk, a refusal. */
void ics_error_vsay_as(ics_error *err, ics_lang lang, ics_code code, const char *file, int line,
                       int column, const ics_message *m, va_list ap);
void ics_error_say_as(ics_error *err, ics_lang lang, ics_code code, const char *file, int line,
                      int column, const ics_message *m, ...);
/* The same with a code and a message already made (a library's own message, e.g. SQLite's,
 * or a text that the caller composed); NULL text: the code's own. */
void ics_error_set(ics_error *err, ics_lang lang, ics_code code, const char *text);
/* Out of memory, said without allocating. */
void ics_error_no_memory(ics_error *err, ics_lang lang);
/* Gives an error without a place one: the file, line and column where it happened. */
void ics_error_locate(ics_error *err, const char *file, int line, int column);
/* Names the question at fault (kept when memory runs out meanwhile: only the name is lost). */
void ics_error_set_field(ics_error *err, const char *field);
/* Puts a formatted text before the message ("record 3: ..."); the code stays. */
void ics_error_prefix(ics_error *err, const char *fmt, ...) ICS_PRINTF(2, 3);
/* Moves *from into *to when *to (may be NULL) holds no error yet, else frees it: the first
 * failure stays. *from is left empty. */
void ics_error_move(ics_error *to, ics_error *from);
/* Frees the message and file and makes *err hold no error again. */
void ics_error_clear(ics_error *err);
/* "FILE:LINE:COLUMN: error: MESSAGE", "FILE: error: MESSAGE" or just the message (no
 * newline); the caller frees it. NULL when memory runs out. */
char *ics_error_format(const ics_error *err);

/* ---- a list of errors, for loaders that report every problem of a file at once ---------- */
typedef struct {
  ics_error *items;
  size_t count;
  size_t cap;
  size_t dropped; /* problems not kept once ICS_ERRORS_MAX were recorded, or memory ran out */
  bool no_memory; /* one of the dropped ones was that memory ran out */
} ics_errors;

enum { ICS_ERRORS_MAX = 200 };

/* Appends a problem said with a message of a table (like ics_error_say_at). */
void ics_errors_say(ics_errors *list, ics_lang lang, const char *file, int line, int column,
                    const ics_message *m, ...);
void ics_errors_vsay(ics_errors *list, ics_lang lang, const char *file, int line, int column,
                     const ics_message *m, va_list ap);
/* Appends *err (moved: *err is left empty). */
void ics_errors_add(ics_errors *list, ics_error *err);
/* Whether anything went wrong, and the code of the first problem (ICS_E_NO_MEMORY when
 * memory ran out before any was kept). */
bool ics_errors_any(const ics_errors *list);
ics_code ics_errors_code(const ics_errors *list);
/* Whether memory ran out for one of the problems from the from-th on (or for one dropped):
 * then the others may be its consequences, not mistakes in the data. */
bool ics_errors_no_memory(const ics_errors *list, size_t from);
void ics_errors_free(ics_errors *list);

#endif
