/* aggregator_messages.h (private) - every message of the central database's library, in
 * Vietnamese and English, with its error code: X(ID, CODE, vi, en). Formats of one message
 * take the same arguments in both languages (tests/test_messages.c checks it). */
#ifndef ICS_AGGREGATOR_MESSAGES_H
#define ICS_AGGREGATOR_MESSAGES_H

#include "ics_common.h"

#define ICS_AGGREGATOR_MESSAGES(X)                                                              \
  /* the database itself (ics_central_sql_error) */                                             \
  X(AG_DISK_FULL, ICS_E_DISK_FULL, "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi thử lại",        \
    "the disk is full: free some space and try again")                                          \
  X(AG_BUSY, ICS_E_BUSY,                                                                        \
    "cơ sở dữ liệu trung tâm đang được lệnh khác dùng; hãy thử lại khi lệnh đó xong",           \
    "the central database is in use by another merge; try again when it ends")                  \
  X(AG_DISK_IO, ICS_E_IO, "không ghi hoặc đọc được đĩa (đĩa đầy hay đã bị rút ra?): %s",        \
    "the disk could not be written or read (is it full, or removed?): %s")                      \
  X(AG_DB_DAMAGED, ICS_E_DAMAGED, "lỗi cơ sở dữ liệu: %s", "database error: %s")                \
  X(AG_DB_ERROR, ICS_E_DATABASE, "lỗi cơ sở dữ liệu: %s", "database error: %s")                 \
  X(AG_TRANSACTION_LOST, ICS_E_DATABASE, "cơ sở dữ liệu đã hủy giao dịch hợp nhất",             \
    "the database rolled the merge back")                                                       \
  /* opening */                                                                                 \
  X(AG_NO_DATABASE, ICS_E_NOT_FOUND,                                                            \
    "không có cơ sở dữ liệu trung tâm '%s' (tạo bằng 'ictsurvey merge' hoặc 'ictsurvey kit')",  \
    "no central database '%s' (merge bundles or publish a kit to create it)")                   \
  X(AG_CANNOT_CREATE, ICS_E_IO, "không tạo được cơ sở dữ liệu trung tâm '%s': %s",              \
    "cannot create the central database '%s': %s")                                              \
  X(AG_CANNOT_OPEN, ICS_E_IO, "không mở được cơ sở dữ liệu trung tâm '%s': %s",                 \
    "cannot open the central database '%s': %s")                                                \
  X(AG_REMOVED_WHILE_OPENING, ICS_E_BUSY,                                                      \
    "cơ sở dữ liệu trung tâm '%s' bị một lệnh khác xóa đi khi lệnh này đang mở nó (lệnh kia "   \
    "không tạo được nó); chưa có gì được ghi: hãy chạy lại lệnh",                             \
    "the central database '%s' was removed by another command (which could not create it) "    \
    "while this one opened it; nothing was written: run the command again")                     \
  X(AG_NOT_CENTRAL, ICS_E_WRONG_KIND, "'%s' không phải cơ sở dữ liệu trung tâm của ictsurvey",   \
    "'%s' is not an ictsurvey central database")                                                \
  X(AG_OTHER_KIND, ICS_E_WRONG_KIND, "'%s' là %s, không phải cơ sở dữ liệu trung tâm",          \
    "'%s' is %s, not a central database")                                                       \
  X(AG_NOT_CENTRAL_OR_DAMAGED, ICS_E_DAMAGED,                                                   \
    "'%s' không phải cơ sở dữ liệu trung tâm của ictsurvey (hoặc đã hỏng)",                     \
    "'%s' is not an ictsurvey central database (or is damaged)")                                \
  X(AG_SHIPPED_UNPUBLISHABLE, ICS_E_INVALID, "không công bố được các định nghĩa kèm theo: %s",  \
    "the shipped definitions cannot be published: %s")                                          \
  /* publishing */                                                                              \
  X(AG_VERSION_REUSED, ICS_E_CONFLICT,                                                          \
    "%s: biểu mẫu '%s' phiên bản %s đã được công bố với nội dung khác (mã băm %.12s…, "          \
    "nay là %.12s…): các kho đã dùng phiên bản đó; hãy tăng 'version' của biểu mẫu đã sửa",     \
    "%s: form '%s' version %s was published with another content (hash %.12s…, now "           \
    "%.12s…): stores use that version; give the changed form a new 'version'")                  \
  /* what was published, read back */                                                          \
  X(AG_PUBLISHED_FORM_UNREADABLE, ICS_E_DAMAGED,                                                \
    "định nghĩa đã công bố của biểu mẫu '%s' phiên bản %s không đọc được",                      \
    "the published definition of form '%s' version %s cannot be read")                         \
  X(AG_REGISTER_UNREADABLE, ICS_E_DAMAGED, "danh mục đơn vị đã công bố không đọc được",         \
    "the published unit register cannot be read")                                               \
  X(AG_NO_REGISTER, ICS_E_STATE,                                                                \
    "Sở chưa công bố danh mục đơn vị nào: hãy tạo bộ biểu mẫu trước (ictsurvey kit)",           \
    "the office has published no unit register yet: publish a kit first (ictsurvey kit)")       \
  X(AG_FORM_NEVER_PUBLISHED, ICS_E_NOT_FOUND, "Sở chưa từng công bố biểu mẫu '%s'",             \
    "the office never published a form '%s'")                                                   \
  /* CSV export */                                                                              \
  X(AG_WRITE_DISK_FULL, ICS_E_DISK_FULL, "không ghi được '%s': ổ đĩa đã đầy",                   \
    "cannot write '%s': the disk is full")                                                      \
  X(AG_CANNOT_WRITE, ICS_E_IO, "không ghi được '%s': %s", "cannot write '%s': %s")              \
  /* a bundle as a whole */                                                                     \
  X(AG_CANNOT_READ, ICS_E_IO, "không đọc được tệp: %s", "cannot read the file: %s")             \
  X(AG_NOT_REGULAR, ICS_E_NOT_REGULAR,                                                          \
    "không đọc được tệp: đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)",     \
    "cannot read the file: this is not a regular file (a folder, a pipe or a device)")          \
  X(AG_REQUIRES_SEALED, ICS_E_REFUSED,                                                          \
    "cơ sở dữ liệu trung tâm chỉ nhận gói đã niêm phong (merge --require-sealed), gói này "      \
    "không được niêm phong: hãy nhờ người khảo sát thêm khóa của Sở vào kho "                    \
    "(ictsurvey collect set-key --store KHO --central-key central.pub) rồi xuất lại",           \
    "the central database accepts only sealed bundles (merge --require-sealed), and this one "  \
    "is not sealed: ask the surveyor to add the office's key to the store (ictsurvey "          \
    "collect set-key --store STORE --central-key central.pub) and export again")                \
  X(AG_SEALED_NO_KEY, ICS_E_KEY,                                                                \
    "gói %s được niêm phong bằng khóa của Sở: hãy hợp nhất với khóa bí mật "                     \
    "(ictsurvey merge --key THƯ_MỤC/central.key)",                                               \
    "the bundle %s is sealed to the central office's key: merge it with the secret "            \
    "key (ictsurvey merge --key DIR/central.key)")                                              \
  X(AG_UNSIGNED, ICS_E_SIGNATURE,                                                               \
    "gói không có chữ ký (định dạng 1, do một phiên bản ictsurvey cũ tạo ra): ai cũng làm giả "  \
    "được loại gói này. Hãy nhờ người khảo sát cập nhật ictsurvey rồi xuất lại; nếu chắc chắn "  \
    "gói là thật, hợp nhất với --allow-unsigned",                                               \
    "the bundle is not signed (format 1, made by an older ictsurvey): anyone can forge such "   \
    "a bundle. Ask the surveyor to update ictsurvey and export again; if you are sure it is "   \
    "genuine, merge it with --allow-unsigned")                                                  \
  X(AG_STORE_UNSIGNED, ICS_E_SIGNATURE,                                                         \
    "kho %s luôn ký các gói của mình (khóa %.16s…), nhưng gói này không có chữ ký: "             \
    "có thể là gói giả; hãy hỏi lại người khảo sát",                                            \
    "the store %s has signed its bundles (key %.16s…), but this one is not signed: it "         \
    "may be forged; check with the surveyor")                                                   \
  X(AG_SIGNER_CHANGED, ICS_E_KEY,                                                               \
    "khóa ký của kho %s đã đổi: các gói trước ký bằng khóa %.16s…, gói này bằng "                \
    "khóa %.16s…; có thể là gói giả. Hãy hỏi lại người khảo sát; một kho cần khóa "             \
    "mới thì phải là kho mới (ictsurvey collect init)",                                         \
    "the signing key of the store %s changed: its earlier bundles were signed with the "        \
    "key %.16s…, this one with %.16s…; it may be forged. Check with the surveyor; a "           \
    "store that needs a new key must be a new store (ictsurvey collect init)")                  \
  X(AG_FORGED_FORM, ICS_E_INVALID,                                                              \
    "gói ghi biểu mẫu '%s' phiên bản %s với mã băm của biểu mẫu '%s' phiên bản %s: có thể là "   \
    "gói giả",                                                                                  \
    "the bundle names form '%s' version %s with the hash of form '%s' version %s: it may be "   \
    "forged")                                                                                   \
  X(AG_FORM_CHANGED, ICS_E_REFUSED,                                                             \
    "gói được làm bằng biểu mẫu %s phiên bản %s nhưng nội dung khác với bản Sở đã công bố "      \
    "(biểu mẫu trong kho đã bị sửa): hãy cài bộ biểu mẫu (kit) của Sở "                          \
    "(ictsurvey collect update --store KHO --kit TỆP.kit) rồi xuất lại",                        \
    "made with form %s version %s, but not the content the office published (the store's "     \
    "form was changed): install the office's kit (ictsurvey collect update --store STORE "      \
    "--kit FILE.kit) and export again")                                                         \
  X(AG_VERSION_NEVER_PUBLISHED, ICS_E_REFUSED,                                                  \
    "gói được làm bằng biểu mẫu %s phiên bản %s, phiên bản mà Sở chưa từng công bố: hãy cài "    \
    "bộ biểu mẫu (kit) của Sở (ictsurvey collect update --store KHO --kit TỆP.kit) rồi xuất lại", \
    "made with form %s version %s, which the office never published: install the office's "    \
    "kit (ictsurvey collect update --store STORE --kit FILE.kit) and export again")             \
  /* one record of a bundle */                                                                  \
  X(AG_RECORD_FORM_ABSENT, ICS_E_INVALID, "bản ghi %llu: biểu mẫu '%s' không có trong gói",     \
    "record %llu: form '%s' is not in the bundle")                                              \
  X(AG_RECORD_TIMESTAMP, ICS_E_INVALID, "bản ghi %llu: thời điểm không hợp lệ",                 \
    "record %llu: invalid timestamp")                                                           \
  X(AG_RECORD_NO_FIELD, ICS_E_UNKNOWN_FIELD, "bản ghi %llu (%s): %s: biểu mẫu không có trường này", \
    "record %llu (%s): %s: the form has no such field")                                         \
  /* the code is the answer's own (ics_record_set, ics_record_check) */                         \
  X(AG_RECORD_VALUE, ICS_E_INVALID, "bản ghi %llu (%s): %s: %s%s%s", "record %llu (%s): %s: %s%s%s") \
  X(AG_RECORD_CHECK, ICS_E_INVALID, "bản ghi %llu (%s): %s: %s", "record %llu (%s): %s: %s")    \
  X(AG_RECORD_OTHER_FORM, ICS_E_CONFLICT,                                                       \
    "bản ghi %llu (%s): cùng mã bản ghi nhưng khác biểu mẫu",                                   \
    "record %llu (%s): the same instance id under another form")

#endif
