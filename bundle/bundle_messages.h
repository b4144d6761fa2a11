/* bundle_messages.h (private) - every message of the bundle code, in Vietnamese and English,
 * with its error code: X(ID, CODE, vi, en). Formats of one message take the same arguments in
 * the same order (tests/test_messages.c checks it); counts are printed as unsigned long long.
 * ICS_OK marks a fragment that is part of another message ("record 3: ", "field 'x'").
 * Failed system calls refine ICS_E_IO by errno (ics_code_from_errno). */
#ifndef ICS_BUNDLE_MESSAGES_H
#define ICS_BUNDLE_MESSAGES_H

#include "ics_common.h"

#define ICS_BUNDLE_MESSAGES(X)                                                                    \
  X(BM_NO_MEMORY, ICS_E_NO_MEMORY, "không đủ bộ nhớ", "out of memory")                            \
  X(BM_AT_LINE, ICS_OK, "dòng %llu: ", "line %llu: ")                                             \
  X(BM_AT_RECORD, ICS_OK, "bản ghi %llu: dòng %llu: ", "record %llu: line %llu: ")                \
  X(BM_AT_MANIFEST, ICS_OK, "phần khai báo: ", "manifest: ")                                      \
  X(BM_AT_WRITE_RECORD, ICS_OK, "bản ghi %llu: ", "record %llu: ")                                \
  X(BM_WHAT_REGISTER, ICS_OK, "văn bản danh mục đơn vị", "the register text")                     \
  X(BM_WHAT_DEFINITION, ICS_OK, "định nghĩa biểu mẫu '%s'", "the definition of form '%s'")        \
  X(BM_WHAT_FIELD, ICS_OK, "trường '%s'", "field '%s'")                                           \
  X(BM_CANNOT_OPEN, ICS_E_IO, "không mở được gói dữ liệu: %s", "cannot open the bundle: %s")      \
  X(BM_NOT_REGULAR, ICS_E_NOT_REGULAR,                                                            \
    "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)",                           \
    "this is not a regular file (a folder, a pipe or a device)")                                  \
  X(BM_CANNOT_READ, ICS_E_IO, "không đọc được gói dữ liệu: %s", "cannot read the bundle: %s")     \
  X(BM_EMPTY, ICS_E_WRONG_KIND, "không phải gói dữ liệu ictsurvey (tệp rỗng)",                    \
    "not an ictsurvey bundle (the file is empty)")                                                \
  X(BM_NOT_GZIP, ICS_E_WRONG_KIND, "không phải gói dữ liệu ictsurvey (không phải dữ liệu gzip)",  \
    "not an ictsurvey bundle (not gzip data)")                                                    \
  X(BM_BAD_GZIP_HEADER, ICS_E_DAMAGED,                                                            \
    "gói dữ liệu bị hỏng (phần đầu gzip khác với phần đầu của một gói: byte %d là 0x%02x, "       \
    "cần %s): hãy yêu cầu gửi lại",                                                               \
    "the bundle is damaged (its gzip header is not a bundle's: byte %d is 0x%02x, expected "      \
    "%s): ask for it again")                                                                      \
  X(BM_DAMAGED, ICS_E_DAMAGED,                                                                    \
    "gói dữ liệu bị hỏng (%s, ở byte %llu của tệp): hãy yêu cầu gửi lại",                         \
    "the bundle is damaged (%s, at byte %llu of the file): ask for it again")                     \
  X(BM_Z_CRC, ICS_OK, "sai mã kiểm tra CRC", "CRC mismatch")                                      \
  X(BM_Z_LENGTH, ICS_OK, "sai độ dài dữ liệu", "length mismatch")                                 \
  X(BM_Z_HEADER, ICS_OK, "phần đầu gzip không hợp lệ", "invalid gzip header")                     \
  X(BM_Z_DATA, ICS_OK, "dữ liệu nén không hợp lệ: %s", "invalid compressed data: %s")             \
  X(BM_TRUNCATED, ICS_E_DAMAGED,                                                                  \
    "gói dữ liệu bị cắt cụt (dữ liệu gzip dừng ở byte %llu, trước khi kết thúc): hãy yêu cầu "    \
    "gửi lại",                                                                                    \
    "the bundle is truncated (the gzip data stops at byte %llu, before its end): ask for it "     \
    "again")                                                                                      \
  X(BM_TRUNCATED_LINE, ICS_E_DAMAGED,                                                             \
    "gói dữ liệu bị cắt cụt (nội dung dừng giữa dòng %llu): hãy yêu cầu gửi lại",                 \
    "the bundle is truncated (the content stops in the middle of line %llu): ask for it "         \
    "again")                                                                                      \
  X(BM_TRUNCATED_CONTENT, ICS_E_DAMAGED,                                                          \
    "gói dữ liệu bị cắt cụt (nội dung dừng sau dòng %llu, thiếu dòng 'end:'): hãy yêu cầu "       \
    "gửi lại",                                                                                    \
    "the bundle is truncated (the content stops after line %llu, without the 'end:' line): "      \
    "ask for it again")                                                                           \
  X(BM_SECOND_MEMBER, ICS_E_DAMAGED,                                                              \
    "tệp có thêm một thành phần gzip thứ hai từ byte %llu (hai gói bị ghép vào một tệp?): "       \
    "mỗi tệp chỉ chứa đúng một gói; hãy yêu cầu gửi lại",                                         \
    "the file holds a second gzip member from byte %llu (two bundles joined into one "            \
    "file?): a bundle file holds exactly one; ask for it again")                                  \
  X(BM_TRAILING, ICS_E_DAMAGED,                                                                   \
    "gói dữ liệu bị hỏng (có dữ liệu thừa sau phần gzip, từ byte %llu): hãy yêu cầu gửi lại",     \
    "the bundle is damaged (unexpected bytes after the gzip data, from byte %llu): ask for it "   \
    "again")                                                                                      \
  X(BM_LIMIT_DECOMPRESSED, ICS_E_LIMIT,                                                           \
    "nội dung gói dữ liệu lớn hơn giới hạn %llu byte (max_decompressed)",                         \
    "the bundle's content is larger than the limit of %llu bytes (max_decompressed)")             \
  X(BM_LIMIT_LINE, ICS_E_LIMIT, "dòng dài hơn giới hạn %zu byte (max_line)",                      \
    "the line is longer than the limit of %zu bytes (max_line)")                                  \
  X(BM_LIMIT_DEFINITION, ICS_E_LIMIT, "%s dài %llu byte, vượt giới hạn %zu byte (max_definition)", \
    "%s is %llu bytes, more than the limit of %zu (max_definition)")                              \
  X(BM_LIMIT_FORMS, ICS_E_LIMIT, "nhiều biểu mẫu hơn giới hạn %zu (max_forms)",                   \
    "more forms than the limit of %zu (max_forms)")                                               \
  X(BM_LIMIT_RECORDS, ICS_E_LIMIT, "%llu bản ghi, vượt giới hạn %llu (max_records)",              \
    "%llu records, more than the limit of %llu (max_records)")                                    \
  X(BM_NOT_BUNDLE, ICS_E_WRONG_KIND,                                                              \
    "không phải gói dữ liệu ictsurvey (nội dung không bắt đầu bằng 'ictsurvey-bundle: ')",        \
    "not an ictsurvey bundle (the content does not start with 'ictsurvey-bundle: ')")             \
  X(BM_BAD_FORMAT, ICS_E_SYNTAX,                                                                  \
    "phiên bản định dạng không hợp lệ '%s'", "invalid format version '%s'")                       \
  X(BM_NEWER, ICS_E_UNSUPPORTED,                                                                  \
    "gói dữ liệu được ghi theo định dạng %llu, mới hơn định dạng chương trình này hiểu (%d): "    \
    "hãy cập nhật ictsurvey",                                                                     \
    "the bundle was written in format %llu, newer than this program understands (%d): "           \
    "update ictsurvey")                                                                           \
  X(BM_BAD_UTF8, ICS_E_NOT_UTF8, "không phải văn bản UTF-8 hợp lệ (byte %zu của dòng)",           \
    "not valid UTF-8 text (byte %zu of the line)")                                                \
  X(BM_CONTROL, ICS_E_SYNTAX, "có ký tự điều khiển 0x%02x (byte %zu của dòng)",                   \
    "a control character 0x%02x (byte %zu of the line)")                                          \
  X(BM_EXPECTED_KEY, ICS_E_SYNTAX,                                                                \
    "cần '%s: …' ở đây, nhưng gặp '%s'", "expected '%s: …' here, found '%s'")                     \
  X(BM_EXPECTED_FORM_OR_REGISTER, ICS_E_SYNTAX,                                                   \
    "cần 'form: …' hoặc 'register: …' ở đây, nhưng gặp '%s'",                                     \
    "expected 'form: …' or 'register: …' here, found '%s'")                                       \
  X(BM_BAD_UUID, ICS_E_INVALID,                                                                   \
    "%s '%s' không phải UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, chữ số hex viết thường)",     \
    "%s '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in lowercase hex)")              \
  X(BM_BAD_TIME, ICS_E_INVALID, "%s '%s' không phải thời điểm UTC dạng YYYY-MM-DDTHH:MM:SSZ",     \
    "%s '%s' is not a UTC time YYYY-MM-DDTHH:MM:SSZ")                                             \
  X(BM_BAD_YEAR, ICS_E_INVALID,                                                                   \
    "%s '%s' không phải một năm (1900-2100)", "%s '%s' is not a year (1900-2100)")                \
  X(BM_BAD_COUNT, ICS_E_INVALID,                                                                  \
    "%s '%s' không phải số đếm (số nguyên không âm, không có số 0 ở đầu)",                        \
    "%s '%s' is not a count (a whole number without leading zeros)")                              \
  X(BM_BAD_ESCAPE, ICS_E_SYNTAX,                                                                  \
    "%s: chuỗi thoát không hợp lệ ở byte %zu (chỉ dùng \\\\ \\t \\n \\r)",                        \
    "%s: invalid escape at byte %zu (only \\\\ \\t \\n \\r)")                                     \
  X(BM_BAD_FORM_LINE, ICS_E_SYNTAX, "cần 'form: MÃ PHIÊN_BẢN HASH SỐ_BẢN_GHI', nhưng gặp '%s'",   \
    "expected 'form: ID VERSION HASH RECORDS', found '%s'")                                       \
  X(BM_BAD_FORM_ID, ICS_E_INVALID,                                                                \
    "mã biểu mẫu '%s' không hợp lệ: chỉ dùng a-z, 0-9 và '_', bắt đầu bằng chữ cái, tối đa "      \
    "63 ký tự",                                                                                   \
    "invalid form id '%s': use a-z, 0-9 and '_', starting with a letter, at most 63 "             \
    "characters")                                                                                 \
  X(BM_BAD_VERSION, ICS_E_INVALID,                                                                \
    "phiên bản '%s' của biểu mẫu '%s' không hợp lệ: 1-128 byte, không có khoảng trắng hay ký "    \
    "tự điều khiển",                                                                              \
    "invalid version '%s' of form '%s': 1-128 bytes without spaces or control characters")        \
  X(BM_BAD_HASH, ICS_E_INVALID, "hash của biểu mẫu '%s' không phải 64 chữ số hex viết thường",    \
    "the hash of form '%s' is not 64 lowercase hex digits")                                       \
  X(BM_DUPLICATE_FORM, ICS_E_INVALID,                                                             \
    "biểu mẫu '%s' được liệt kê hai lần", "form '%s' is listed twice")                            \
  X(BM_FORM_SUM, ICS_E_INVALID,                                                                   \
    "tổng số bản ghi của các biểu mẫu là %llu, nhưng 'records' là %llu",                          \
    "the forms' records add up to %llu, but 'records' says %llu")                                 \
  X(BM_BAD_REGISTER_LINE, ICS_E_SYNTAX, "cần 'register: ĐỘ_DÀI' ở đây, nhưng gặp '%s'",           \
    "expected 'register: LENGTH' here, found '%s'")                                               \
  X(BM_BAD_DEFINITION_LINE, ICS_E_SYNTAX, "cần 'definition: %s ĐỘ_DÀI' ở đây, nhưng gặp '%s'",    \
    "expected 'definition: %s LENGTH' here, found '%s'")                                          \
  X(BM_BLOCK_NO_NEWLINE, ICS_E_SYNTAX,                                                            \
    "%s không kết thúc bằng dấu xuống dòng ở nơi độ dài %llu của nó chỉ ra",                      \
    "%s is not followed by a newline where its length %llu says it ends")                         \
  X(BM_BLOCK_UTF8, ICS_E_NOT_UTF8,                                                                \
    "%s không phải UTF-8 hợp lệ (byte %zu)", "%s is not valid UTF-8 (byte %zu)")                  \
  X(BM_RECORD_EXPECTED, ICS_E_SYNTAX,                                                             \
    "cần một dòng bản ghi ('R' và một dấu tab) hoặc dòng 'end:', nhưng gặp '%s'",                 \
    "expected a record line ('R' and a tab) or the 'end:' line, found '%s'")                      \
  X(BM_COLUMNS, ICS_E_SYNTAX, "cần ít nhất 10 cột cách nhau bằng dấu tab, chỉ có %zu",            \
    "expected at least 10 columns separated by tabs, found %zu")                                  \
  X(BM_UNKNOWN_FORM, ICS_E_INVALID, "biểu mẫu '%s' không có trong phần khai báo",                 \
    "form '%s' is not in the manifest")                                                           \
  X(BM_BAD_REVISION, ICS_E_INVALID, "revision '%s' không phải số nguyên dương",                   \
    "revision '%s' is not a positive whole number")                                               \
  X(BM_BAD_STATUS, ICS_E_INVALID, "status '%s' không phải 'finalized' hay 'void'",                \
    "status '%s' is neither 'finalized' nor 'void'")                                              \
  X(BM_BAD_FIELD_NAME, ICS_E_INVALID,                                                             \
    "tên trường '%s' không hợp lệ: chỉ dùng a-z, 0-9 và '_', bắt đầu bằng chữ cái, tối đa 63 "    \
    "ký tự",                                                                                      \
    "invalid field name '%s': use a-z, 0-9 and '_', starting with a letter, at most 63 "          \
    "characters")                                                                                 \
  X(BM_FIELD_NO_EQUALS, ICS_E_SYNTAX, "giá trị thứ %zu không có dấu '=' giữa tên và giá trị",     \
    "value %zu has no '=' between its name and its value")                                        \
  X(BM_EMPTY_VALUE, ICS_E_INVALID, "trường '%s' có giá trị rỗng (trường rỗng phải được bỏ đi)",   \
    "field '%s' has an empty value (empty fields are left out)")                                  \
  X(BM_DUPLICATE_FIELD, ICS_E_INVALID,                                                            \
    "trường '%s' xuất hiện hai lần", "field '%s' appears twice")                                  \
  X(BM_DUPLICATE_INSTANCE, ICS_E_INVALID, "instance_id %s xuất hiện hai lần trong gói dữ liệu",   \
    "instance_id %s appears twice in the bundle")                                                 \
  X(BM_TOO_MANY_RECORDS, ICS_E_INVALID, "số bản ghi nhiều hơn số phần khai báo nêu (%llu)",       \
    "more records than the manifest announces (%llu)")                                            \
  X(BM_TOO_MANY_FORM_RECORDS, ICS_E_INVALID,                                                      \
    "số bản ghi của biểu mẫu '%s' nhiều hơn số phần khai báo nêu (%llu)",                         \
    "more records of form '%s' than the manifest announces (%llu)")                               \
  X(BM_BAD_TRAILER, ICS_E_SYNTAX, "dòng 'end:' không hợp lệ: cần 'end: SỐ_BẢN_GHI SHA256HEX'",    \
    "invalid 'end:' line: expected 'end: RECORDS SHA256HEX'")                                     \
  X(BM_AFTER_TRAILER, ICS_E_SYNTAX, "có nội dung sau dòng 'end:', vốn phải là dòng cuối cùng",    \
    "content after the 'end:' line, which must be the last")                                      \
  X(BM_HASH_MISMATCH, ICS_E_DAMAGED,                                                              \
    "mã SHA-256 của nội dung không khớp với dòng 'end:': gói dữ liệu đã bị thay đổi sau khi "     \
    "được ghi; hãy yêu cầu gửi lại",                                                              \
    "the content's SHA-256 does not match the 'end:' line: the bundle was changed after it "      \
    "was written; ask for it again")                                                              \
  X(BM_TRAILER_COUNT, ICS_E_INVALID, "dòng 'end:' nêu %llu bản ghi, nhưng gói dữ liệu có %llu",   \
    "the 'end:' line says %llu records, but the bundle has %llu")                                 \
  X(BM_COUNT_FORM, ICS_E_INVALID,                                                                 \
    "phần khai báo nêu %llu bản ghi của biểu mẫu '%s', nhưng gói dữ liệu có %llu",                \
    "the manifest announces %llu records of form '%s', but the bundle has %llu")                  \
  X(BM_COUNT_TOTAL, ICS_E_INVALID, "phần khai báo nêu %llu bản ghi, nhưng gói dữ liệu có %llu",   \
    "the manifest announces %llu records, but the bundle has %llu")                               \
  X(BM_CANNOT_CREATE, ICS_E_IO, "không tạo được tệp tạm bên cạnh '%s': %s",                       \
    "cannot create a temporary file next to '%s': %s")                                            \
  X(BM_CANNOT_WRITE, ICS_E_IO, "không ghi được '%s': %s", "cannot write '%s': %s")                \
  X(BM_WRITER_FORMAT, ICS_E_UNSUPPORTED,                                                          \
    "định dạng %d không được hỗ trợ: chương trình này ghi định dạng %d",                          \
    "format %d is not supported: this program writes format %d")                                  \
  X(BM_MISSING, ICS_E_INVALID, "thiếu %s", "%s is missing")                                       \
  X(BM_BAD_TEXT_UTF8, ICS_E_NOT_UTF8, "%s không phải văn bản UTF-8 hợp lệ (byte %zu)",            \
    "%s is not valid UTF-8 text (byte %zu)")                                                      \
  X(BM_BAD_TEXT_CONTROL, ICS_E_INVALID,                                                           \
    "%s chứa ký tự điều khiển 0x%02x (byte %zu) mà gói dữ liệu không mang được",                  \
    "%s contains a control character 0x%02x (byte %zu) that a bundle cannot carry")               \
  X(BM_WRITE_LINE_TOO_LONG, ICS_E_LIMIT,                                                          \
    "dòng sẽ dài hơn %zu byte, giới hạn mà bên đọc chấp nhận (max_line)",                         \
    "the line would be longer than %zu bytes, the limit readers accept (max_line)")               \
  X(BM_WRITE_TOO_LARGE, ICS_E_LIMIT,                                                              \
    "nội dung sẽ lớn hơn %llu byte, giới hạn mà bên đọc chấp nhận (max_decompressed)",            \
    "the content would be larger than %llu bytes, the limit readers accept (max_decompressed)")   \
  X(BM_WRITER_FAILED, ICS_E_STATE,                                                                \
    "bộ ghi gói dữ liệu đã gặp lỗi trước đó; hãy hủy nó (ics_bundle_abort)",                      \
    "the bundle writer failed before; abort it (ics_bundle_abort)")                               \
  X(BM_NOT_ALL_WRITTEN, ICS_E_INVALID,                                                            \
    "phần khai báo nêu %llu bản ghi của biểu mẫu '%s', nhưng chỉ ghi được %llu",                  \
    "the manifest announces %llu records of form '%s', but %llu were written")                    \
  X(BM_ZLIB, ICS_E_IO, "lỗi zlib: %s", "zlib error: %s")                                          \
  X(BM_SODIUM, ICS_E_IO, "không khởi động được libsodium", "cannot initialise libsodium")         \
  X(BM_SEAL_FAILED, ICS_E_KEY, "không niêm phong được gói dữ liệu (libsodium)",                   \
    "cannot seal the bundle (libsodium)")                                                         \
  X(BM_EXPECTED_SIGNER, ICS_E_SYNTAX,                                                             \
    "cần 'form: …', 'signer: …' hoặc 'sealed: …' ở đây, nhưng gặp '%s'",                          \
    "expected 'form: …', 'signer: …' or 'sealed: …' here, found '%s'")                            \
  X(BM_BAD_SIGNER, ICS_E_SIGNATURE, "khóa ký '%s' không phải 64 chữ số hex viết thường",          \
    "the signer key '%s' is not 64 lowercase hex digits")                                         \
  X(BM_BAD_SEALED_LINE, ICS_E_SYNTAX,                                                             \
    "cần 'sealed: KHÓA_TRUNG_TÂM KHÓA_NIÊM_PHONG PHẦN_ĐẦU' (64, 160 và 48 chữ số hex), nhưng "    \
    "gặp '%s'",                                                                                   \
    "expected 'sealed: CENTRAL_KEY SEALED_KEY HEADER' (64, 160 and 48 hex digits), found "        \
    "'%s'")                                                                                       \
  X(BM_SEALED_SURVEYOR, ICS_E_INVALID,                                                            \
    "dòng 'surveyor:' đọc được của gói niêm phong phải để trống (tên người khảo sát được niêm "   \
    "phong)",                                                                                     \
    "a sealed bundle's readable 'surveyor:' line must be empty (the surveyor is sealed)")         \
  X(BM_SEALED_NESTED, ICS_E_INVALID, "nội dung niêm phong lại được niêm phong một lần nữa",       \
    "the sealed content is itself sealed")                                                        \
  X(BM_SEALED_LOCKED, ICS_E_KEY,                                                                  \
    "gói dữ liệu được niêm phong bằng khóa của văn phòng trung tâm (%s): chỉ khóa bí mật đó "     \
    "(central.key) mở được",                                                                      \
    "the bundle is sealed to the central office's key (%s): only that secret key "                \
    "(central.key) opens it")                                                                     \
  X(BM_SEALED_TO_OTHER, ICS_E_KEY,                                                                \
    "gói dữ liệu được niêm phong bằng một khóa trung tâm khác (%s), không phải khóa đã cho "      \
    "(%s): gói dành cho văn phòng khác, hoặc khóa đã được đổi; hãy mở bằng đúng khóa đó",         \
    "the bundle is sealed to another central office key (%s), not to the key given (%s): it "     \
    "was meant for another office, or the key was changed; open it with the key it names")        \
  X(BM_SEAL_KEY_BROKEN, ICS_E_DAMAGED,                                                            \
    "khóa nội dung của gói dữ liệu không mở được bằng khóa trung tâm (%s): gói đã bị thay đổi "   \
    "sau khi được ghi; hãy yêu cầu gửi lại",                                                      \
    "the bundle's content key cannot be opened with the central office key (%s): the bundle "     \
    "was changed after it was written; ask for it again")                                         \
  X(BM_SEAL_EXPECTED, ICS_E_SYNTAX,                                                               \
    "cần một dòng nội dung niêm phong ('S …') ở đây, nhưng gặp '%s'",                             \
    "expected a line of sealed content ('S …') here, found '%s'")                                 \
  X(BM_SEAL_TRUNCATED, ICS_E_DAMAGED,                                                             \
    "nội dung niêm phong dừng trước phần cuối của nó: gói dữ liệu đã bị cắt hoặc bị thay đổi; "   \
    "hãy yêu cầu gửi lại",                                                                        \
    "the sealed content stops before its final part: the bundle was cut or changed; ask for "     \
    "it again")                                                                                   \
  X(BM_SEAL_BROKEN, ICS_E_DAMAGED,                                                                \
    "không giải mã được nội dung niêm phong: gói dữ liệu đã bị thay đổi sau khi được ghi; hãy "   \
    "yêu cầu gửi lại",                                                                            \
    "the sealed content cannot be decrypted: the bundle was changed after it was written; "       \
    "ask for it again")                                                                           \
  X(BM_SEAL_AFTER_END, ICS_E_SYNTAX, "có nội dung niêm phong sau phần cuối của nó",               \
    "sealed content after its final part")                                                        \
  X(BM_SEAL_MISMATCH, ICS_E_DAMAGED,                                                              \
    "phần khai báo đọc được ghi %s '%s', phần niêm phong ghi '%s': gói dữ liệu đã bị thay đổi "   \
    "sau khi được ghi; hãy yêu cầu gửi lại",                                                      \
    "the readable manifest says %s '%s', the sealed one '%s': the bundle was changed after it "   \
    "was written; ask for it again")                                                              \
  X(BM_SEAL_UNSIGNED, ICS_E_SIGNATURE, "gói dữ liệu bên trong phần niêm phong không được ký",     \
    "the bundle inside the seal is not signed")                                                   \
  X(BM_IN_SEALED, ICS_OK, "trong nội dung niêm phong: ", "in the sealed content: ")               \
  X(BM_NO_SIGNATURE, ICS_E_SIGNATURE, "thiếu dòng 'signature:' sau dòng 'end:'",                  \
    "the 'signature:' line is missing after the 'end:' line")                                     \
  X(BM_BAD_SIGNATURE_LINE, ICS_E_SIGNATURE,                                                       \
    "dòng 'signature:' không hợp lệ: cần 'signature: ' và 128 chữ số hex",                        \
    "invalid 'signature:' line: expected 'signature: ' and 128 hex digits")                       \
  X(BM_SIGNATURE_FAILS, ICS_E_SIGNATURE,                                                          \
    "chữ ký không khớp: gói dữ liệu đã bị thay đổi sau khi được ký, hoặc không do khóa mà nó "    \
    "nêu ký; hãy yêu cầu gửi lại",                                                                \
    "the signature does not match: the bundle was changed after it was signed, or was not "       \
    "signed by the key it names; ask for it again")

#endif
