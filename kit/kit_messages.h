/* kit_messages.h (private) - every message of the survey kit (kit.c), in Vietnamese and
 * English, with its error code: X(ID, CODE, vi, en); the formats of one message take the same
 * arguments in both languages (tests/test_messages.c checks it). ICS_OK marks a fragment that
 * goes inside another message (KM_AT_LINE, the gzip damage, what a block is). Running out of
 * memory is said with ics_error_no_memory. */
#ifndef ICS_KIT_MESSAGES_H
#define ICS_KIT_MESSAGES_H

#include "ics_common.h"

#define ICS_KIT_MESSAGES(X)                                                                      \
  X(KM_AT_LINE, ICS_OK, "dòng %llu: ", "line %llu: ")                                            \
  X(KM_SODIUM, ICS_E_IO, "không khởi động được libsodium", "cannot initialise libsodium")        \
  X(KM_ZLIB, ICS_E_STATE, "lỗi zlib: %s", "zlib error: %s")                                      \
  X(KM_CANNOT_OPEN, ICS_E_NOT_FOUND, "không mở được bộ biểu mẫu: %s", "cannot open the kit: %s") \
  X(KM_NOT_REGULAR, ICS_E_NOT_REGULAR, "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)", \
    "this is not a regular file (a folder, a pipe or a device)")                                 \
  X(KM_CANNOT_READ, ICS_E_IO, "không đọc được bộ biểu mẫu: %s", "cannot read the kit: %s")       \
  X(KM_FILE_TOO_LARGE, ICS_E_TOO_LARGE,                                                          \
    "tệp có %llu byte, nhiều hơn giới hạn %llu byte của một bộ biểu mẫu",                        \
    "the file has %llu bytes, more than the %llu bytes a kit may have")                          \
  X(KM_EMPTY, ICS_E_WRONG_KIND, "không phải bộ biểu mẫu ictsurvey (tệp rỗng)",                   \
    "not an ictsurvey kit (the file is empty)")                                                  \
  X(KM_NOT_GZIP, ICS_E_WRONG_KIND,                                                               \
    "không phải bộ biểu mẫu ictsurvey (không phải dữ liệu gzip: byte %d là 0x%02x, cần 0x%02x)", \
    "not an ictsurvey kit (not gzip data: byte %d is 0x%02x, expected 0x%02x)")                  \
  X(KM_NOT_KIT_GZIP, ICS_E_WRONG_KIND,                                                           \
    "không phải bộ biểu mẫu ictsurvey (dữ liệu gzip, nhưng phần đầu không mang tên "             \
    "'ictsurvey-kit' ở byte 10: một gói dữ liệu (bundle) hay một tệp nén khác?)",                \
    "not an ictsurvey kit (gzip data, but its header does not carry the name 'ictsurvey-kit' "   \
    "at byte 10: a bundle, or another compressed file?)")                                        \
  X(KM_BAD_GZIP_HEADER, ICS_E_DAMAGED,                                                           \
    "bộ biểu mẫu bị hỏng (phần đầu gzip khác với phần đầu của một bộ biểu mẫu: byte %d là "      \
    "0x%02x, cần %s): hãy yêu cầu gửi lại",                                                      \
    "the kit is damaged (its gzip header is not a kit's: byte %d is 0x%02x, expected %s): "      \
    "ask for it again")                                                                          \
  X(KM_DAMAGED, ICS_E_DAMAGED, "bộ biểu mẫu bị hỏng (%s, ở byte %llu của tệp): hãy yêu cầu gửi lại", \
    "the kit is damaged (%s, at byte %llu of the file): ask for it again")                       \
  X(KM_Z_CRC, ICS_OK, "sai mã kiểm tra CRC", "CRC mismatch")                                     \
  X(KM_Z_LENGTH, ICS_OK, "sai độ dài dữ liệu", "length mismatch")                                \
  X(KM_Z_DATA, ICS_OK, "dữ liệu nén không hợp lệ: %s", "invalid compressed data: %s")            \
  X(KM_TRUNCATED, ICS_E_DAMAGED,                                                                 \
    "bộ biểu mẫu bị cắt cụt (dữ liệu gzip dừng ở byte %llu, trước khi kết thúc): hãy yêu cầu "   \
    "gửi lại",                                                                                   \
    "the kit is truncated (the gzip data stops at byte %llu, before its end): ask for it "       \
    "again")                                                                                     \
  X(KM_SECOND_MEMBER, ICS_E_DAMAGED,                                                             \
    "tệp chứa một thành phần gzip thứ hai từ byte %llu (hai tệp bị nối làm một?): một bộ biểu "  \
    "mẫu chỉ có đúng một; hãy yêu cầu gửi lại",                                                  \
    "the file holds a second gzip member from byte %llu (two files joined into one?): a kit "    \
    "holds exactly one; ask for it again")                                                       \
  X(KM_TRAILING, ICS_E_DAMAGED,                                                                  \
    "bộ biểu mẫu bị hỏng (có byte thừa sau dữ liệu gzip, từ byte %llu): hãy yêu cầu gửi lại",    \
    "the kit is damaged (unexpected bytes after the gzip data, from byte %llu): ask for it "     \
    "again")                                                                                     \
  X(KM_CONTENT_TOO_LARGE, ICS_E_LIMIT,                                                           \
    "nội dung của bộ biểu mẫu lớn hơn giới hạn %llu byte (ở byte %llu của tệp)",                 \
    "the kit's content is larger than the limit of %llu bytes (at byte %llu of the file)")       \
  X(KM_NOT_KIT_CONTENT, ICS_E_WRONG_KIND,                                                        \
    "không phải bộ biểu mẫu ictsurvey (nội dung không bắt đầu bằng 'ictsurvey-kit: ')",          \
    "not an ictsurvey kit (the content does not start with 'ictsurvey-kit: ')")                  \
  X(KM_BAD_FORMAT, ICS_E_SYNTAX, "định dạng '%s' không phải số nguyên dương",                    \
    "the format '%s' is not a positive whole number")                                            \
  X(KM_NEWER, ICS_E_UNSUPPORTED,                                                                 \
    "bộ biểu mẫu được ghi theo định dạng %llu, mới hơn định dạng mà chương trình này hiểu "      \
    "(%d): hãy cập nhật ictsurvey",                                                              \
    "the kit was written in format %llu, newer than this program understands (%d): update "      \
    "ictsurvey")                                                                                 \
  X(KM_TRUNCATED_LINE, ICS_E_DAMAGED,                                                            \
    "bộ biểu mẫu bị cắt cụt (nội dung dừng giữa dòng %llu): hãy yêu cầu gửi lại",                \
    "the kit is truncated (the content stops in the middle of line %llu): ask for it again")     \
  X(KM_TRUNCATED_CONTENT, ICS_E_DAMAGED,                                                         \
    "bộ biểu mẫu bị cắt cụt (nội dung dừng sau dòng %llu, thiếu dòng '%s:'): hãy yêu cầu gửi "   \
    "lại",                                                                                       \
    "the kit is truncated (the content stops after line %llu, without the '%s:' line): ask "     \
    "for it again")                                                                              \
  X(KM_LINE_UTF8, ICS_E_NOT_UTF8, "dòng này không phải văn bản UTF-8 hợp lệ (byte %zu của dòng)", \
    "the line is not valid UTF-8 text (byte %zu of the line)")                                   \
  X(KM_LINE_CONTROL, ICS_E_SYNTAX, "dòng này chứa ký tự điều khiển 0x%02x (byte %zu của dòng)",  \
    "the line contains a control character 0x%02x (byte %zu of the line)")                       \
  X(KM_EXPECTED, ICS_E_SYNTAX, "cần '%s: …' ở đây, nhưng gặp '%s'", "expected '%s: …' here, found '%s'") \
  X(KM_EXPECTED_TWO, ICS_E_SYNTAX, "cần '%s: …' hoặc '%s: …' ở đây, nhưng gặp '%s'",             \
    "expected '%s: …' or '%s: …' here, found '%s'")                                              \
  X(KM_BAD_UUID, ICS_E_INVALID,                                                                  \
    "%s '%s' không phải UUID (chữ số hex viết thường, dạng xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", \
    "%s '%s' is not a UUID (lowercase hex, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")               \
  X(KM_BAD_SEQUENCE, ICS_E_INVALID, "sequence '%s' không phải số nguyên dương (1, 2, …)",        \
    "sequence '%s' is not a positive whole number (1, 2, …)")                                    \
  X(KM_BAD_TIME, ICS_E_INVALID, "%s '%s' không phải thời điểm UTC dạng YYYY-MM-DDTHH:MM:SSZ (năm 1900-2100)", \
    "%s '%s' is not a UTC time YYYY-MM-DDTHH:MM:SSZ (years 1900-2100)")                          \
  X(KM_BAD_YEAR, ICS_E_INVALID, "round '%s' không phải năm từ 1900 đến 2100",                    \
    "round '%s' is not a year from 1900 to 2100")                                                \
  X(KM_BAD_KEY, ICS_E_INVALID, "%s '%s' không phải '%s ' và 64 chữ số hex viết thường",          \
    "%s '%s' is not '%s ' and 64 lowercase hex digits")                                          \
  X(KM_BAD_FORM_LINE, ICS_E_SYNTAX, "cần 'form: MÃ PHIÊN_BẢN HASH', nhưng gặp '%s'",             \
    "expected 'form: ID VERSION HASH', found '%s'")                                              \
  X(KM_BAD_FORM_ID, ICS_E_INVALID,                                                               \
    "mã biểu mẫu '%s' không hợp lệ: chỉ dùng a-z, 0-9 và '_', bắt đầu bằng chữ cái, tối đa "     \
    "63 ký tự",                                                                                  \
    "invalid form id '%s': use a-z, 0-9 and '_', starting with a letter, at most 63 "            \
    "characters")                                                                                \
  X(KM_BAD_VERSION, ICS_E_INVALID,                                                               \
    "phiên bản '%s' của biểu mẫu '%s' không hợp lệ: 1-128 byte, không có khoảng trắng hay ký "   \
    "tự điều khiển",                                                                             \
    "invalid version '%s' of form '%s': 1-128 bytes without spaces or control characters")       \
  X(KM_BAD_HASH, ICS_E_INVALID, "hash của biểu mẫu '%s' không phải 64 chữ số hex viết thường",   \
    "the hash of form '%s' is not 64 lowercase hex digits")                                      \
  X(KM_DUPLICATE_FORM, ICS_E_INVALID, "biểu mẫu '%s' được liệt kê hai lần", "form '%s' is listed twice") \
  X(KM_UNSORTED, ICS_E_INVALID, "biểu mẫu '%s' đứng sau '%s': các biểu mẫu phải được xếp theo mã", \
    "form '%s' comes after '%s': the forms are sorted by id")                                    \
  X(KM_NO_FORMS, ICS_E_INVALID, "bộ biểu mẫu không có biểu mẫu nào (cần ít nhất một)",           \
    "the kit has no form (at least one is needed)")                                              \
  X(KM_TOO_MANY_FORMS, ICS_E_LIMIT, "bộ biểu mẫu có nhiều hơn %d biểu mẫu, giới hạn cho phép",   \
    "the kit has more than %d forms, the limit")                                                 \
  X(KM_BAD_LENGTH_LINE, ICS_E_SYNTAX, "cần '%s ĐỘ_DÀI' ở đây, nhưng gặp '%s'",                   \
    "expected '%s LENGTH' here, found '%s'")                                                     \
  X(KM_BLOCK_PAST_END, ICS_E_SYNTAX, "nội dung kết thúc trước khi hết %s (%llu byte)",           \
    "the content ends before the end of %s (%llu bytes)")                                        \
  X(KM_BLOCK_NO_NEWLINE, ICS_E_SYNTAX,                                                           \
    "%s không kết thúc bằng dấu xuống dòng ở nơi độ dài %llu của nó chỉ ra",                     \
    "%s is not followed by a newline where its length %llu says it ends")                        \
  X(KM_BLOCK_UTF8, ICS_E_NOT_UTF8, "%s không phải văn bản UTF-8 hợp lệ (byte %zu của nó)",       \
    "%s is not valid UTF-8 text (its byte %zu)")                                                 \
  X(KM_BLOCK_CONTROL, ICS_E_INVALID,                                                             \
    "%s chứa ký tự điều khiển 0x%02x (byte %zu của nó) mà bộ biểu mẫu không mang được",          \
    "%s contains a control character 0x%02x (its byte %zu) that a kit cannot carry")             \
  X(KM_WHAT_REGISTER, ICS_OK, "văn bản danh mục đơn vị", "the register text")                    \
  X(KM_WHAT_DEFINITION, ICS_OK, "định nghĩa biểu mẫu '%s'", "the definition of form '%s'")       \
  X(KM_WHAT_TARGETS, ICS_OK, "văn bản chỉ tiêu", "the targets text")                             \
  X(KM_BAD_END, ICS_E_SYNTAX, "dòng 'end:' không hợp lệ: cần 'end: ' và 64 chữ số hex viết thường", \
    "invalid 'end:' line: expected 'end: ' and 64 lowercase hex digits")                         \
  X(KM_BAD_SIGNATURE_LINE, ICS_E_SYNTAX,                                                         \
    "dòng 'signature:' không hợp lệ: cần 'signature: ' và 128 chữ số hex viết thường",           \
    "invalid 'signature:' line: expected 'signature: ' and 128 lowercase hex digits")            \
  X(KM_AFTER_SIGNATURE, ICS_E_SYNTAX, "có nội dung sau dòng 'signature:', vốn phải là dòng cuối cùng", \
    "content after the 'signature:' line, which must be the last")                               \
  X(KM_HASH_MISMATCH, ICS_E_SIGNATURE,                                                           \
    "mã SHA-256 của nội dung không khớp với dòng 'end:': bộ biểu mẫu đã bị thay đổi sau khi "    \
    "được ghi; hãy yêu cầu gửi lại",                                                             \
    "the content's SHA-256 does not match the 'end:' line: the kit was changed after it was "    \
    "written; ask for it again")                                                                 \
  X(KM_SIGNATURE_FAILS, ICS_E_SIGNATURE,                                                         \
    "chữ ký không khớp với khóa office-signing-key: bộ biểu mẫu đã bị thay đổi sau khi được "    \
    "ký, hoặc không do khóa mà nó nêu ký; hãy yêu cầu gửi lại",                                  \
    "the signature does not match office-signing-key: the kit was changed after it was "         \
    "signed, or was not signed by the key it names; ask for it again")                           \
  X(KM_SCHEMA, ICS_E_INVALID, "%s không hợp lệ: %s", "%s is not valid: %s")                      \
  X(KM_DEF_ID, ICS_E_INVALID, "%s lại là định nghĩa của biểu mẫu '%s'",                          \
    "%s is the definition of another form, '%s'")                                                \
  X(KM_DEF_VERSION, ICS_E_INVALID, "%s có phiên bản '%s', không phải '%s' như dòng 'form:' của nó", \
    "%s has version '%s', not '%s' as its 'form:' line says")                                    \
  X(KM_DEF_HASH, ICS_E_INVALID, "%s có hash %s, không phải %s như dòng 'form:' của nó",          \
    "%s has the hash %s, not %s as its 'form:' line says")                                       \
  X(KM_MISSING, ICS_E_INVALID, "thiếu %s", "%s is missing")                                      \
  X(KM_KEY_MISMATCH, ICS_E_KEY,                                                                  \
    "signing_key không phải nửa công khai của signing_secret: bộ biểu mẫu sẽ không được ký "     \
    "bằng khóa mà nó nêu",                                                                       \
    "signing_key is not the public half of signing_secret: the kit would not be signed by the "  \
    "key it names")                                                                              \
  X(KM_WRITE_TOO_LARGE, ICS_E_LIMIT, "nội dung sẽ lớn hơn %llu byte, giới hạn mà bên đọc chấp nhận", \
    "the content would be larger than %llu bytes, the limit readers accept")                     \
  X(KM_WRITE_FILE_TOO_LARGE, ICS_E_LIMIT, "tệp sẽ lớn hơn %llu byte, giới hạn mà bên đọc chấp nhận", \
    "the file would be larger than %llu bytes, the limit readers accept")                        \
  X(KM_BAD_PREFILL_LINE, ICS_E_SYNTAX, "cần 'prefill: KHO ĐỢT ĐỘ_DÀI' ở đây, nhưng gặp '%s'",    \
    "expected 'prefill: STORE ROUND LENGTH' here, found '%s'")                                   \
  X(KM_PREFILL_ROUND, ICS_E_INVALID, "các bản ghi mang sang thuộc đợt %d, không trước đợt %d của bộ biểu mẫu", \
    "the records carried over are of round %d, not before the kit's round %d")                  \
  X(KM_PREFILL_BASE64, ICS_E_SYNTAX, "các bản ghi mang sang không phải base64 hợp lệ",           \
    "the records carried over are not valid base64")                                             \
  X(KM_PREFILL_NONE, ICS_E_INVALID, "bộ biểu mẫu này không mang bản ghi nào của đợt trước",      \
    "this kit carries no records of an earlier round")                                           \
  X(KM_PREFILL_SEALED_ELSEWHERE, ICS_E_KEY,                                                      \
    "không mở được các bản ghi bộ biểu mẫu mang theo: chúng được niêm phong cho một kho khác",   \
    "cannot open the records the kit carries: they were sealed to another store")               \
  X(KM_PREFILL_DAMAGED, ICS_E_DAMAGED, "các bản ghi mang sang bị hỏng (%s): hãy xin Sở gửi lại", \
    "the records carried over are damaged (%s): ask the office for the kit again")              \
  X(KM_CANNOT_CREATE, ICS_E_IO, "không tạo được tệp tạm trong thư mục của bộ biểu mẫu: %s",      \
    "cannot create a temporary file in the kit's folder: %s")                                    \
  X(KM_CANNOT_WRITE, ICS_E_IO, "không ghi được bộ biểu mẫu: %s", "cannot write the kit: %s")

/* The office's receipts (receipt.c): X(ID, CODE, vi, en), the same rules. */
#define ICS_RECEIPT_MESSAGES(X)                                                                  \
  X(RM_AT_LINE, ICS_OK, "dòng %llu: ", "line %llu: ")                                            \
  X(RM_SODIUM, ICS_E_IO, "không khởi động được libsodium", "cannot initialise libsodium")        \
  X(RM_CANNOT_OPEN, ICS_E_NOT_FOUND, "không mở được giấy biên nhận: %s",                         \
    "cannot open the receipt: %s")                                                               \
  X(RM_NOT_REGULAR, ICS_E_NOT_REGULAR, "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)", \
    "this is not a regular file (a folder, a pipe or a device)")                                 \
  X(RM_CANNOT_READ, ICS_E_IO, "không đọc được giấy biên nhận: %s", "cannot read the receipt: %s") \
  X(RM_FILE_TOO_LARGE, ICS_E_TOO_LARGE,                                                          \
    "tệp có %llu byte, nhiều hơn giới hạn %llu byte của một giấy biên nhận",                     \
    "the file has %llu bytes, more than the %llu bytes a receipt may have")                      \
  X(RM_NOT_RECEIPT, ICS_E_WRONG_KIND,                                                            \
    "không phải giấy biên nhận của Sở (tệp không bắt đầu bằng 'ictsurvey-receipt: ')",           \
    "not a receipt of the office (the file does not start with 'ictsurvey-receipt: ')")          \
  X(RM_NEWER, ICS_E_UNSUPPORTED,                                                                 \
    "giấy biên nhận được ghi theo định dạng %llu, mới hơn định dạng mà chương trình này hiểu "   \
    "(%d): hãy cập nhật ictsurvey",                                                              \
    "the receipt was written in format %llu, newer than this program understands (%d): "         \
    "update ictsurvey")                                                                          \
  X(RM_TRUNCATED, ICS_E_DAMAGED,                                                                 \
    "giấy biên nhận bị cắt cụt (dừng sau dòng %llu, thiếu dòng '%s:'): hãy xin Sở gửi lại",      \
    "the receipt is truncated (it stops after line %llu, without the '%s:' line): ask the "     \
    "office for it again")                                                                       \
  X(RM_LINE_NOT_TEXT, ICS_E_DAMAGED,                                                             \
    "dòng này không phải văn bản hợp lệ (byte %zu của dòng): giấy biên nhận bị hỏng, hãy xin "   \
    "Sở gửi lại",                                                                                \
    "the line is not valid text (byte %zu of the line): the receipt is damaged, ask the "       \
    "office for it again")                                                                       \
  X(RM_EXPECTED, ICS_E_SYNTAX, "cần dòng '%s: ...', nhưng gặp '%s'",                             \
    "expected a '%s: ...' line, found '%s'")                                                     \
  X(RM_BAD_VALUE, ICS_E_SYNTAX, "giá trị '%s' của dòng '%s:' không hợp lệ (cần %s)",             \
    "the value '%s' of the '%s:' line is not valid (expected %s)")                               \
  X(RM_ORDER, ICS_E_SYNTAX,                                                                      \
    "'%s' không đứng sau '%s': các dòng '%s:' phải theo thứ tự, mỗi giá trị một lần",            \
    "'%s' does not come after '%s': the '%s:' lines must be in order, each value once")          \
  X(RM_HASH_MISMATCH, ICS_E_SIGNATURE,                                                           \
    "mã SHA-256 của nội dung không khớp với dòng 'end:': giấy biên nhận đã bị sửa sau khi Sở "   \
    "ký; không dùng được",                                                                       \
    "the content's SHA-256 does not match the 'end:' line: the receipt was changed after the "   \
    "office signed it; it cannot be used")                                                       \
  X(RM_SIGNATURE_FAILS, ICS_E_SIGNATURE,                                                         \
    "chữ ký không khớp với khóa office-signing-key: giấy biên nhận đã bị sửa, hoặc không do "   \
    "khóa mà nó nêu ký; không dùng được",                                                        \
    "the signature does not match office-signing-key: the receipt was changed, or was not "      \
    "signed by the key it names; it cannot be used")                                             \
  X(RM_AFTER_SIGNATURE, ICS_E_DAMAGED,                                                           \
    "có nội dung thừa sau dòng 'signature:': giấy biên nhận bị hỏng, hãy xin Sở gửi lại",        \
    "there is more after the 'signature:' line: the receipt is damaged, ask the office for it "  \
    "again")                                                                                     \
  X(RM_TOO_MANY, ICS_E_LIMIT, "giấy biên nhận liệt kê hơn %llu %s, giới hạn mà bên đọc chấp nhận", \
    "the receipt lists more than %llu %s, the limit readers accept")                             \
  X(RM_KEY_MISMATCH, ICS_E_KEY,                                                                  \
    "signing_key không phải nửa công khai của signing_secret", "signing_key is not the public "  \
    "half of signing_secret")                                                                    \
  X(RM_WRITE_INVALID, ICS_E_INVALID, "không ghi được giấy biên nhận: %s '%s' không hợp lệ",      \
    "cannot write the receipt: the %s '%s' is not valid")                                        \
  X(RM_CANNOT_CREATE, ICS_E_IO, "không tạo được tệp tạm trong thư mục của giấy biên nhận: %s",   \
    "cannot create a temporary file in the receipt's folder: %s")                                \
  X(RM_CANNOT_WRITE, ICS_E_IO, "không ghi được giấy biên nhận: %s", "cannot write the receipt: %s")

#endif
