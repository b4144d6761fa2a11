/* error.c - the error type, its code registry, and lists of errors. */
#include "ics_common.h"

#include <errno.h>
#include <sqlite3.h> /* its result codes only: common does not link SQLite */
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  const char *text[2];
} codes[] = {
#define ICS_CODE_ENTRY(id, name, vi, en) [id] = {name, {vi, en}},
    ICS_CODES(ICS_CODE_ENTRY)
#undef ICS_CODE_ENTRY
};

const char *ics_code_name(ics_code code) {
  return (unsigned)code < ICS_CODE_COUNT ? codes[code].name : "?";
}

const char *ics_code_text(ics_code code, ics_lang lang) {
  if ((unsigned)code >= ICS_CODE_COUNT) code = ICS_E_INVALID;
  return codes[code].text[lang == ICS_EN];
}

ics_code ics_code_from_errno(int e) {
  switch (e) {
  case ENOSPC:
#ifdef EDQUOT
  case EDQUOT:
#endif
    return ICS_E_DISK_FULL;
  case EACCES:
  case EPERM:
#ifdef EROFS
  case EROFS:
#endif
    return ICS_E_PERMISSION;
  case EEXIST: return ICS_E_EXISTS;
  case ENOENT:
  case ENOTDIR: return ICS_E_NOT_FOUND;
  case ENOMEM: return ICS_E_NO_MEMORY;
  default: return ICS_E_IO;
  }
}

/* X(ERRNO, "Vietnamese"): the errno values a surveyor or the office meets with files. */
#define ICS_ERRNO_TEXTS(X)                                                                      \
  X(ENOENT, "không có tệp hay thư mục này")                                                      \
  X(EACCES, "không có quyền truy cập")                                                           \
  X(EPERM, "thao tác không được phép")                                                           \
  X(EEXIST, "tệp đã có")                                                                         \
  X(ENOSPC, "đĩa đã đầy")                                                                        \
  X(EISDIR, "đây là thư mục, không phải tệp")                                                    \
  X(ENOTDIR, "một phần của đường dẫn không phải thư mục")                                        \
  X(EROFS, "ổ đĩa chỉ cho đọc")                                                                  \
  X(EIO, "lỗi đọc hoặc ghi trên thiết bị")                                                       \
  X(ENAMETOOLONG, "tên tệp quá dài")                                                             \
  X(EMFILE, "chương trình đang mở quá nhiều tệp")                                                \
  X(ENFILE, "hệ thống đang mở quá nhiều tệp")                                                    \
  X(ENOMEM, "không đủ bộ nhớ")                                                                   \
  X(EBUSY, "tệp hay thiết bị đang bận")                                                          \
  X(EINVAL, "đối số không hợp lệ")                                                               \
  X(ETXTBSY, "tệp đang được dùng")                                                               \
  X(EFBIG, "tệp quá lớn")                                                                        \
  X(ENXIO, "không có thiết bị này")                                                              \
  X(ENODEV, "không có thiết bị này")                                                             \
  X(ELOOP, "quá nhiều liên kết tượng trưng lồng nhau")                                           \
  X(EAGAIN, "tạm thời không làm được, hãy thử lại")                                              \
  X(EINTR, "bị ngắt giữa chừng")

const char *ics_errno_text(int e, ics_lang lang) {
  if (lang == ICS_VI) {
    switch (e) {
#define ICS_ERRNO_CASE(value, vi) \
  case value: return vi;
      ICS_ERRNO_TEXTS(ICS_ERRNO_CASE)
#undef ICS_ERRNO_CASE
    default: break;
    }
  }
  if (lang == ICS_EN) return strerror(e);
  /* a rare value: its number, never an English text in a Vietnamese message */
  static _Thread_local char other[40];
  snprintf(other, sizeof other, "lỗi hệ thống số %d", e);
  return other;
}

ics_code ics_code_from_sqlite(int extended_code, int system_errno) {
  switch (extended_code & 0xff) {
  case SQLITE_NOMEM: return ICS_E_NO_MEMORY;
  case SQLITE_FULL: return ICS_E_DISK_FULL;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return ICS_E_BUSY;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: return ICS_E_DAMAGED;
  case SQLITE_IOERR:
    if (extended_code == SQLITE_IOERR_NOMEM) return ICS_E_NO_MEMORY;
    /* a write or sync refused for want of space comes back as an I/O error */
    return system_errno == ENOSPC ? ICS_E_DISK_FULL : ICS_E_IO;
  default: return ICS_E_DATABASE;
  }
}

const char *ics_message_text(const ics_message *m, ics_lang lang) {
  return lang == ICS_EN ? m->en : m->vi;
}

void ics_error_no_memory(ics_error *err, ics_lang lang) {
  if (!err || err->code != ICS_OK) return;
  err->code = ICS_E_NO_MEMORY;
  err->message = (char *)ics_code_text(ICS_E_NO_MEMORY, lang);
  err->fixed_text = true;
}

/* Fills an empty *err with an allocated message (taken) and place; out of memory when either
 * copy failed. */
static void fill(ics_error *err, ics_lang lang, ics_code code, char *message, const char *file,
                 int line, int column) {
  char *file_copy = file ? ics_strdup(file) : NULL;
  if (!message || (file && !file_copy)) {
    ics_free(message);
    ics_free(file_copy);
    ics_error_no_memory(err, lang);
    return;
  }
  err->code = code == ICS_OK ? ICS_E_INVALID : code;
  err->message = message;
  err->fixed_text = false;
  err->file = file_copy;
  err->line = line;
  err->column = column;
}

void ics_error_vsay_as(ics_error *err, ics_lang lang, ics_code code, const char *file, int line,
                       int column, const ics_message *m, va_list ap) {
  if (!err || err->code != ICS_OK) return;
  ics_buf b = {0};
  ics_buf_vprintf(&b, ics_message_text(m, lang), ap);
  fill(err, lang, code != ICS_OK ? code : m->code, ics_buf_take(&b), file, line, column);
}

void ics_error_say_as(ics_error *err, ics_lang lang, ics_code code, const char *file, int line,
                      int column, const ics_message *m, ...) {
  va_list ap;
  va_start(ap, m);
  ics_error_vsay_as(err, lang, code, file, line, column, m, ap);
  va_end(ap);
}

void ics_error_vsay_at(ics_error *err, ics_lang lang, const char *file, int line, int column,
                       const ics_message *m, va_list ap) {
  ics_error_vsay_as(err, lang, ICS_OK, file, line, column, m, ap);
}

void ics_error_say_at(ics_error *err, ics_lang lang, const char *file, int line, int column,
                      const ics_message *m, ...) {
  va_list ap;
  va_start(ap, m);
  ics_error_vsay_at(err, lang, file, line, column, m, ap);
  va_end(ap);
}

void ics_error_say(ics_error *err, ics_lang lang, const ics_message *m, ...) {
  va_list ap;
  va_start(ap, m);
  ics_error_vsay_at(err, lang, NULL, 0, 0, m, ap);
  va_end(ap);
}

void ics_error_set(ics_error *err, ics_lang lang, ics_code code, const char *text) {
  if (!err || err->code != ICS_OK) return;
  if (code == ICS_E_NO_MEMORY && !text) {
    ics_error_no_memory(err, lang);
    return;
  }
  fill(err, lang, code, ics_strdup(text ? text : ics_code_text(code, lang)), NULL, 0, 0);
}

void ics_error_locate(ics_error *err, const char *file, int line, int column) {
  if (!err || err->code == ICS_OK || err->file || !file) return;
  err->file = ics_strdup(file); /* without memory the message stays, without its place */
  if (err->file) {
    err->line = line;
    err->column = column;
  }
}

void ics_error_set_field(ics_error *err, const char *field) {
  if (!err || err->code == ICS_OK || err->field || !field) return;
  err->field = ics_strdup(field);
}

void ics_error_prefix(ics_error *err, const char *fmt, ...) {
  if (!err || err->code == ICS_OK || err->fixed_text) return;
  ics_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  ics_buf_puts(&b, err->message);
  char *joined = ics_buf_take(&b);
  if (!joined) return; /* the message without its context is still the message */
  ics_free(err->message);
  err->message = joined;
}

void ics_error_move(ics_error *to, ics_error *from) {
  if (to && to->code == ICS_OK) {
    *to = *from;
    *from = (ics_error){0};
  } else {
    ics_error_clear(from);
  }
}

void ics_error_clear(ics_error *err) {
  if (!err) return;
  if (!err->fixed_text) ics_free(err->message);
  ics_free(err->file);
  ics_free(err->field);
  *err = (ics_error){0};
}

char *ics_error_format(const ics_error *err) {
  ics_buf b = {0};
  const char *label = "error";
  if (err->file && err->line > 0)
    ics_buf_printf(&b, "%s:%d:%d: %s: ", err->file, err->line, err->column, label);
  else if (err->file && *err->file)
    ics_buf_printf(&b, "%s: %s: ", err->file, label);
  ics_buf_puts(&b, err->message ? err->message : ics_code_text(err->code, ICS_EN));
  return ics_buf_take(&b);
}

void ics_errors_add(ics_errors *list, ics_error *err) {
  if (err->code == ICS_OK) return;
  if (list->count >= ICS_ERRORS_MAX) {
    list->dropped++;
    if (err->code == ICS_E_NO_MEMORY) list->no_memory = true;
    ics_error_clear(err);
    return;
  }
  if (list->count == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 8;
    ics_error *items = ics_realloc(list->items, cap * sizeof *items);
    if (!items) {
      list->dropped++;
      list->no_memory = true;
      ics_error_clear(err);
      return;
    }
    list->items = items;
    list->cap = cap;
  }
  list->items[list->count++] = *err; /* the slot is fresh memory: taken as it is */
  *err = (ics_error){0};
}

void ics_errors_vsay(ics_errors *list, ics_lang lang, const char *file, int line, int column,
                     const ics_message *m, va_list ap) {
  if (list->count >= ICS_ERRORS_MAX) {
    list->dropped++;
    return;
  }
  ics_error e = {0};
  ics_error_vsay_at(&e, lang, file, line, column, m, ap);
  ics_errors_add(list, &e);
}

void ics_errors_say(ics_errors *list, ics_lang lang, const char *file, int line, int column,
                    const ics_message *m, ...) {
  va_list ap;
  va_start(ap, m);
  ics_errors_vsay(list, lang, file, line, column, m, ap);
  va_end(ap);
}

bool ics_errors_any(const ics_errors *list) { return list->count || list->dropped; }

ics_code ics_errors_code(const ics_errors *list) {
  if (list->count) return list->items[0].code;
  if (list->no_memory) return ICS_E_NO_MEMORY;
  return list->dropped ? ICS_E_INVALID : ICS_OK;
}

bool ics_errors_no_memory(const ics_errors *list, size_t from) {
  if (list->no_memory) return true;
  for (size_t i = from; i < list->count; i++)
    if (list->items[i].code == ICS_E_NO_MEMORY) return true;
  return false;
}

void ics_errors_free(ics_errors *list) {
  for (size_t i = 0; i < list->count; i++) ics_error_clear(&list->items[i]);
  ics_free(list->items);
  *list = (ics_errors){0};
}
