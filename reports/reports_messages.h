/* reports_messages.h (private) - every message of the reports library (the evaluation and the
 * workbook writer), in Vietnamese and English, with its error code: X(ID, CODE, vi, en);
 * formats of one message take the same arguments in both languages (tests/test_messages.c
 * checks it). Entries with ICS_OK are parts of other messages. The workbook's own texts
 * (sheet names, headings) are cells, not messages: they stay in workbook.c. */
#ifndef ICS_REPORTS_MESSAGES_H
#define ICS_REPORTS_MESSAGES_H

#include "ics_common.h"

#define ICS_REPORTS_MESSAGES(X)                                                                \
  X(R_DATABASE, ICS_E_DATABASE, "lỗi cơ sở dữ liệu: %s", "database error: %s")                 \
  X(R_DATABASE_BUSY, ICS_E_BUSY, "lỗi cơ sở dữ liệu: %s", "database error: %s")                \
  X(R_CANNOT_READ, ICS_E_DATABASE, "không đọc được cơ sở dữ liệu trung tâm: %s",              \
    "cannot read the central database: %s")                                                    \
  X(R_CANNOT_READ_BUSY, ICS_E_BUSY, "không đọc được cơ sở dữ liệu trung tâm: %s",             \
    "cannot read the central database: %s")                                                    \
  X(R_DISK_FULL, ICS_E_DISK_FULL, "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi thử lại",        \
    "the disk is full: free some space and try again")                                         \
  X(R_NO_RECORDS, ICS_E_STATE,                                                                 \
    "cơ sở dữ liệu trung tâm chưa có bản ghi nào: hãy hợp nhất các tệp gói trước",             \
    "the central database holds no records yet: merge bundles first")                          \
  X(R_FORM_UNREADABLE, ICS_E_DAMAGED, "không đọc được định nghĩa đã công bố của biểu mẫu %s",  \
    "the published definition of form %s cannot be read")                                      \
  X(R_NO_TARGETS, ICS_E_STATE,                                                                 \
    "Sở chưa công bố chỉ tiêu nào: hãy tạo bộ biểu mẫu (ictsurvey kit) hoặc dùng --targets",   \
    "the office has published no targets yet: publish a kit (ictsurvey kit) or give --targets") \
  X(R_TARGETS_UNREADABLE, ICS_E_DATABASE, "không đọc được chỉ tiêu đã công bố: %s",            \
    "cannot read the published targets: %s")                                                   \
  X(R_TARGETS_INVALID, ICS_E_INVALID, "tệp chỉ tiêu không hợp lệ", "the targets file is not valid") \
  X(R_TARGETS_CHANGED, ICS_E_STATE, "tệp chỉ tiêu thay đổi trong khi đang lập báo cáo",        \
    "the targets file changed while the report was written")                                   \
  X(R_CANNOT_WRITE, ICS_E_IO, "không ghi được '%s': %s", "cannot write '%s': %s")               \
  X(R_CANNOT_WRITE_DISK, ICS_E_DISK_FULL, "không ghi được '%s': %s", "cannot write '%s': %s")   \
  X(R_CANNOT_WRITE_MEMORY, ICS_E_NO_MEMORY, "không ghi được '%s': không đủ bộ nhớ",            \
    "cannot write '%s': out of memory")                                                        \
  /* a call of libxlsxwriter failed: the workbook, what was being written, why */             \
  X(R_WRITER, ICS_E_IO, "không ghi được '%s' (%s): %s", "cannot write '%s' (%s): %s")           \
  X(R_WRITER_MEMORY, ICS_E_NO_MEMORY, "không ghi được '%s' (%s): không đủ bộ nhớ",             \
    "cannot write '%s' (%s): out of memory")                                                   \
  X(R_WRITER_SAID, ICS_E_IO, "không ghi được '%s': libxlsxwriter báo lỗi: %s",                  \
    "cannot write '%s': libxlsxwriter reported an error: %s")                                   \
  X(R_WRITER_SAID_MEMORY, ICS_E_NO_MEMORY, "không ghi được '%s': không đủ bộ nhớ (libxlsxwriter: %s)", \
    "cannot write '%s': out of memory (libxlsxwriter: %s)")                                    \
  X(R_AT_CELL, ICS_OK, "trang '%s', ô %s", "sheet '%s', cell %s")                              \
  X(R_AT_SHEET, ICS_OK, "trang '%s'", "sheet '%s'")                                            \
  X(R_AT_NEW_SHEET, ICS_OK, "thêm trang '%s'", "adding the sheet '%s'")                        \
  X(R_AT_CHART, ICS_OK, "biểu đồ trên trang '%s'", "a chart on the sheet '%s'")                \
  X(R_AT_FORMATS, ICS_OK, "định dạng ô", "the cell formats")                                   \
  X(R_AT_PROPERTIES, ICS_OK, "thuộc tính của tệp", "the file's properties")                    \
  /* the work that writes the workbook, run apart (workbook.c, writer_work) */                      \
  X(R_WRITER_START, ICS_E_NO_MEMORY, "không ghi được '%s': không chạy được bộ ghi bảng tính: %s", \
    "cannot write '%s': the workbook writer cannot start: %s")                                 \
  X(R_WRITER_STOPPED, ICS_E_NO_MEMORY,                                                         \
    "không ghi được '%s': bộ ghi bảng tính (libxlsxwriter) dừng đột ngột (tín hiệu %d), "       \
    "nhiều khả năng vì không đủ bộ nhớ",                                                       \
    "cannot write '%s': the workbook writer (libxlsxwriter) stopped (signal %d), most likely " \
    "out of memory")                                                                           \
  X(R_WRITER_LOST, ICS_E_IO,                                                                   \
    "không ghi được '%s': bộ ghi bảng tính kết thúc (mã %d) mà không báo kết quả",              \
    "cannot write '%s': the workbook writer ended (status %d) without a result")

#endif
