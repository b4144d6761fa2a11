/* bundle_private.h (private) - what the files of the bundle code share:
 *   bundle_util.c   messages and errors, the limits, the revision syntax, the duplicate sets
 *   bundle_write.c  the writer: checks, the manifest, records, deflate, the trailer
 *   bundle_read.c   the reader's stream: gunzip, lines, failures, the end checks, open/close
 *   bundle_parse.c  what the lines say: the manifest and the record lines, parsed in place
 *   bundle_seal.c   the sealed envelope: sealing (writer) and unsealing (reader)
 * A sealed bundle is two bundles, one inside the other: the outer writer or reader holds the
 * readable manifest and the S lines, the inner one an ordinary signed bundle whose gzip bytes
 * are what the S lines encrypt. */
#ifndef ICS_BUNDLE_PRIVATE_H
#define ICS_BUNDLE_PRIVATE_H

#include "bundle.h"
#include "ics_syntax.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <zlib.h>

/* ---- messages ---------------------------------------------------------------------------
 * Every message of the bundle code, Vietnamese then English. Formats of one message take the
 * same arguments in the same order. Counts are printed as unsigned long long. */
#define ICS_BUNDLE_MESSAGES(X)                                                                 \
  X(BM_NO_MEMORY, "không đủ bộ nhớ", "out of memory")                                        \
  X(BM_AT_LINE, "dòng %llu: ", "line %llu: ")                                                 \
  X(BM_AT_RECORD, "bản ghi %llu: dòng %llu: ", "record %llu: line %llu: ")                    \
  X(BM_AT_MANIFEST, "phần khai báo: ", "manifest: ")                                         \
  X(BM_AT_WRITE_RECORD, "bản ghi %llu: ", "record %llu: ")                                    \
  X(BM_WHAT_REGISTER, "văn bản danh mục đơn vị", "the register text")                       \
  X(BM_WHAT_DEFINITION, "định nghĩa biểu mẫu '%s'", "the definition of form '%s'")          \
  X(BM_WHAT_FIELD, "trường '%s'", "field '%s'")                                               \
  X(BM_CANNOT_OPEN, "không mở được gói dữ liệu: %s", "cannot open the bundle: %s")           \
  X(BM_NOT_REGULAR, "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)",       \
    "this is not a regular file (a folder, a pipe or a device)")                               \
  X(BM_CANNOT_READ, "không đọc được gói dữ liệu: %s", "cannot read the bundle: %s")          \
  X(BM_EMPTY, "không phải gói dữ liệu ictsurvey (tệp rỗng)",                                 \
    "not an ictsurvey bundle (the file is empty)")                                             \
  X(BM_NOT_GZIP, "không phải gói dữ liệu ictsurvey (không phải dữ liệu gzip)",              \
    "not an ictsurvey bundle (not gzip data)")                                                 \
  X(BM_BAD_GZIP_HEADER,                                                                        \
    "gói dữ liệu bị hỏng (phần đầu gzip khác với phần đầu của một gói: byte %d là 0x%02x, "    \
    "cần %s): hãy yêu cầu gửi lại",                                                            \
    "the bundle is damaged (its gzip header is not a bundle's: byte %d is 0x%02x, expected "   \
    "%s): ask for it again")                                                                   \
  X(BM_DAMAGED, "gói dữ liệu bị hỏng (%s, ở byte %llu của tệp): hãy yêu cầu gửi lại",       \
    "the bundle is damaged (%s, at byte %llu of the file): ask for it again")                 \
  X(BM_Z_CRC, "sai mã kiểm tra CRC", "CRC mismatch")                                          \
  X(BM_Z_LENGTH, "sai độ dài dữ liệu", "length mismatch")                                     \
  X(BM_Z_HEADER, "phần đầu gzip không hợp lệ", "invalid gzip header")                        \
  X(BM_Z_DATA, "dữ liệu nén không hợp lệ: %s", "invalid compressed data: %s")               \
  X(BM_TRUNCATED,                                                                              \
    "gói dữ liệu bị cắt cụt (dữ liệu gzip dừng ở byte %llu, trước khi kết thúc): hãy yêu cầu " \
    "gửi lại",                                                                                 \
    "the bundle is truncated (the gzip data stops at byte %llu, before its end): ask for it "  \
    "again")                                                                                   \
  X(BM_TRUNCATED_LINE,                                                                         \
    "gói dữ liệu bị cắt cụt (nội dung dừng giữa dòng %llu): hãy yêu cầu gửi lại",             \
    "the bundle is truncated (the content stops in the middle of line %llu): ask for it "      \
    "again")                                                                                   \
  X(BM_TRUNCATED_CONTENT,                                                                      \
    "gói dữ liệu bị cắt cụt (nội dung dừng sau dòng %llu, thiếu dòng 'end:'): hãy yêu cầu "    \
    "gửi lại",                                                                                 \
    "the bundle is truncated (the content stops after line %llu, without the 'end:' line): "   \
    "ask for it again")                                                                        \
  X(BM_SECOND_MEMBER,                                                                          \
    "tệp có thêm một thành phần gzip thứ hai từ byte %llu (hai gói bị ghép vào một tệp?): "    \
    "mỗi tệp chỉ chứa đúng một gói; hãy yêu cầu gửi lại",                                      \
    "the file holds a second gzip member from byte %llu (two bundles joined into one "         \
    "file?): a bundle file holds exactly one; ask for it again")                               \
  X(BM_TRAILING,                                                                               \
    "gói dữ liệu bị hỏng (có dữ liệu thừa sau phần gzip, từ byte %llu): hãy yêu cầu gửi lại", \
    "the bundle is damaged (unexpected bytes after the gzip data, from byte %llu): ask for it " \
    "again")                                                                                   \
  X(BM_LIMIT_DECOMPRESSED,                                                                     \
    "nội dung gói dữ liệu lớn hơn giới hạn %llu byte (max_decompressed)",                     \
    "the bundle's content is larger than the limit of %llu bytes (max_decompressed)")         \
  X(BM_LIMIT_LINE, "dòng dài hơn giới hạn %zu byte (max_line)",                              \
    "the line is longer than the limit of %zu bytes (max_line)")                              \
  X(BM_LIMIT_DEFINITION, "%s dài %llu byte, vượt giới hạn %zu byte (max_definition)",        \
    "%s is %llu bytes, more than the limit of %zu (max_definition)")                          \
  X(BM_LIMIT_FORMS, "nhiều biểu mẫu hơn giới hạn %zu (max_forms)",                          \
    "more forms than the limit of %zu (max_forms)")                                           \
  X(BM_LIMIT_RECORDS, "%llu bản ghi, vượt giới hạn %llu (max_records)",                      \
    "%llu records, more than the limit of %llu (max_records)")                                \
  X(BM_NOT_BUNDLE,                                                                             \
    "không phải gói dữ liệu ictsurvey (nội dung không bắt đầu bằng 'ictsurvey-bundle: ')",    \
    "not an ictsurvey bundle (the content does not start with 'ictsurvey-bundle: ')")        \
  X(BM_BAD_FORMAT, "phiên bản định dạng không hợp lệ '%s'", "invalid format version '%s'")   \
  X(BM_NEWER,                                                                                  \
    "gói dữ liệu được ghi theo định dạng %llu, mới hơn định dạng chương trình này hiểu (%d): " \
    "hãy cập nhật ictsurvey",                                                                  \
    "the bundle was written in format %llu, newer than this program understands (%d): "       \
    "update ictsurvey")                                                                        \
  X(BM_BAD_UTF8, "không phải văn bản UTF-8 hợp lệ (byte %zu của dòng)",                      \
    "not valid UTF-8 text (byte %zu of the line)")                                            \
  X(BM_CONTROL, "có ký tự điều khiển 0x%02x (byte %zu của dòng)",                             \
    "a control character 0x%02x (byte %zu of the line)")                                      \
  X(BM_EXPECTED_KEY, "cần '%s: …' ở đây, nhưng gặp '%s'", "expected '%s: …' here, found '%s'") \
  X(BM_EXPECTED_FORM_OR_REGISTER, "cần 'form: …' hoặc 'register: …' ở đây, nhưng gặp '%s'",  \
    "expected 'form: …' or 'register: …' here, found '%s'")                                   \
  X(BM_BAD_UUID,                                                                               \
    "%s '%s' không phải UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, chữ số hex viết thường)",  \
    "%s '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in lowercase hex)")          \
  X(BM_BAD_TIME, "%s '%s' không phải thời điểm UTC dạng YYYY-MM-DDTHH:MM:SSZ",               \
    "%s '%s' is not a UTC time YYYY-MM-DDTHH:MM:SSZ")                                         \
  X(BM_BAD_YEAR, "%s '%s' không phải một năm (1900-2100)", "%s '%s' is not a year (1900-2100)") \
  X(BM_BAD_COUNT, "%s '%s' không phải số đếm (số nguyên không âm, không có số 0 ở đầu)",     \
    "%s '%s' is not a count (a whole number without leading zeros)")                          \
  X(BM_BAD_ESCAPE, "%s: chuỗi thoát không hợp lệ ở byte %zu (chỉ dùng \\\\ \\t \\n \\r)",     \
    "%s: invalid escape at byte %zu (only \\\\ \\t \\n \\r)")                                 \
  X(BM_BAD_FORM_LINE, "cần 'form: MÃ PHIÊN_BẢN HASH SỐ_BẢN_GHI', nhưng gặp '%s'",            \
    "expected 'form: ID VERSION HASH RECORDS', found '%s'")                                   \
  X(BM_BAD_FORM_ID,                                                                            \
    "mã biểu mẫu '%s' không hợp lệ: chỉ dùng a-z, 0-9 và '_', bắt đầu bằng chữ cái, tối đa "    \
    "63 ký tự",                                                                                \
    "invalid form id '%s': use a-z, 0-9 and '_', starting with a letter, at most 63 "          \
    "characters")                                                                              \
  X(BM_BAD_VERSION,                                                                            \
    "phiên bản '%s' của biểu mẫu '%s' không hợp lệ: 1-128 byte, không có khoảng trắng hay ký " \
    "tự điều khiển",                                                                           \
    "invalid version '%s' of form '%s': 1-128 bytes without spaces or control characters")    \
  X(BM_BAD_HASH, "hash của biểu mẫu '%s' không phải 64 chữ số hex viết thường",              \
    "the hash of form '%s' is not 64 lowercase hex digits")                                   \
  X(BM_DUPLICATE_FORM, "biểu mẫu '%s' được liệt kê hai lần", "form '%s' is listed twice")     \
  X(BM_FORM_SUM, "tổng số bản ghi của các biểu mẫu là %llu, nhưng 'records' là %llu",         \
    "the forms' records add up to %llu, but 'records' says %llu")                             \
  X(BM_BAD_REGISTER_LINE, "cần 'register: ĐỘ_DÀI' ở đây, nhưng gặp '%s'",                    \
    "expected 'register: LENGTH' here, found '%s'")                                           \
  X(BM_BAD_DEFINITION_LINE, "cần 'definition: %s ĐỘ_DÀI' ở đây, nhưng gặp '%s'",              \
    "expected 'definition: %s LENGTH' here, found '%s'")                                      \
  X(BM_BLOCK_NO_NEWLINE,                                                                       \
    "%s không kết thúc bằng dấu xuống dòng ở nơi độ dài %llu của nó chỉ ra",                  \
    "%s is not followed by a newline where its length %llu says it ends")                     \
  X(BM_BLOCK_UTF8, "%s không phải UTF-8 hợp lệ (byte %zu)", "%s is not valid UTF-8 (byte %zu)") \
  X(BM_RECORD_EXPECTED,                                                                        \
    "cần một dòng bản ghi ('R' và một dấu tab) hoặc dòng 'end:', nhưng gặp '%s'",            \
    "expected a record line ('R' and a tab) or the 'end:' line, found '%s'")                  \
  X(BM_COLUMNS, "cần ít nhất 10 cột cách nhau bằng dấu tab, chỉ có %zu",                     \
    "expected at least 10 columns separated by tabs, found %zu")                              \
  X(BM_UNKNOWN_FORM, "biểu mẫu '%s' không có trong phần khai báo",                            \
    "form '%s' is not in the manifest")                                                       \
  X(BM_BAD_REVISION, "revision '%s' không phải số nguyên dương",                              \
    "revision '%s' is not a positive whole number")                                           \
  X(BM_BAD_STATUS, "status '%s' không phải 'finalized' hay 'void'",                           \
    "status '%s' is neither 'finalized' nor 'void'")                                          \
  X(BM_BAD_FIELD_NAME,                                                                         \
    "tên trường '%s' không hợp lệ: chỉ dùng a-z, 0-9 và '_', bắt đầu bằng chữ cái, tối đa 63 " \
    "ký tự",                                                                                   \
    "invalid field name '%s': use a-z, 0-9 and '_', starting with a letter, at most 63 "       \
    "characters")                                                                              \
  X(BM_FIELD_NO_EQUALS, "giá trị thứ %zu không có dấu '=' giữa tên và giá trị",               \
    "value %zu has no '=' between its name and its value")                                    \
  X(BM_EMPTY_VALUE, "trường '%s' có giá trị rỗng (trường rỗng phải được bỏ đi)",              \
    "field '%s' has an empty value (empty fields are left out)")                              \
  X(BM_DUPLICATE_FIELD, "trường '%s' xuất hiện hai lần", "field '%s' appears twice")          \
  X(BM_DUPLICATE_INSTANCE, "instance_id %s xuất hiện hai lần trong gói dữ liệu",             \
    "instance_id %s appears twice in the bundle")                                             \
  X(BM_TOO_MANY_RECORDS, "số bản ghi nhiều hơn số phần khai báo nêu (%llu)",                 \
    "more records than the manifest announces (%llu)")                                        \
  X(BM_TOO_MANY_FORM_RECORDS,                                                                  \
    "số bản ghi của biểu mẫu '%s' nhiều hơn số phần khai báo nêu (%llu)",                      \
    "more records of form '%s' than the manifest announces (%llu)")                           \
  X(BM_BAD_TRAILER, "dòng 'end:' không hợp lệ: cần 'end: SỐ_BẢN_GHI SHA256HEX'",             \
    "invalid 'end:' line: expected 'end: RECORDS SHA256HEX'")                                 \
  X(BM_AFTER_TRAILER, "có nội dung sau dòng 'end:', vốn phải là dòng cuối cùng",             \
    "content after the 'end:' line, which must be the last")                                 \
  X(BM_HASH_MISMATCH,                                                                          \
    "mã SHA-256 của nội dung không khớp với dòng 'end:': gói dữ liệu đã bị thay đổi sau khi "  \
    "được ghi; hãy yêu cầu gửi lại",                                                           \
    "the content's SHA-256 does not match the 'end:' line: the bundle was changed after it "   \
    "was written; ask for it again")                                                           \
  X(BM_TRAILER_COUNT, "dòng 'end:' nêu %llu bản ghi, nhưng gói dữ liệu có %llu",              \
    "the 'end:' line says %llu records, but the bundle has %llu")                             \
  X(BM_COUNT_FORM, "phần khai báo nêu %llu bản ghi của biểu mẫu '%s', nhưng gói dữ liệu có %llu", \
    "the manifest announces %llu records of form '%s', but the bundle has %llu")              \
  X(BM_COUNT_TOTAL, "phần khai báo nêu %llu bản ghi, nhưng gói dữ liệu có %llu",              \
    "the manifest announces %llu records, but the bundle has %llu")                           \
  X(BM_CANNOT_CREATE, "không tạo được tệp tạm bên cạnh '%s': %s",                            \
    "cannot create a temporary file next to '%s': %s")                                        \
  X(BM_CANNOT_WRITE, "không ghi được '%s': %s", "cannot write '%s': %s")                     \
  X(BM_WRITER_FORMAT, "định dạng %d không được hỗ trợ: chương trình này ghi định dạng %d",    \
    "format %d is not supported: this program writes format %d")                              \
  X(BM_MISSING, "thiếu %s", "%s is missing")                                                  \
  X(BM_BAD_TEXT_UTF8, "%s không phải văn bản UTF-8 hợp lệ (byte %zu)",                        \
    "%s is not valid UTF-8 text (byte %zu)")                                                  \
  X(BM_BAD_TEXT_CONTROL,                                                                       \
    "%s chứa ký tự điều khiển 0x%02x (byte %zu) mà gói dữ liệu không mang được",             \
    "%s contains a control character 0x%02x (byte %zu) that a bundle cannot carry")          \
  X(BM_WRITE_LINE_TOO_LONG, "dòng sẽ dài hơn %zu byte, giới hạn mà bên đọc chấp nhận (max_line)", \
    "the line would be longer than %zu bytes, the limit readers accept (max_line)")          \
  X(BM_WRITE_TOO_LARGE,                                                                        \
    "nội dung sẽ lớn hơn %llu byte, giới hạn mà bên đọc chấp nhận (max_decompressed)",        \
    "the content would be larger than %llu bytes, the limit readers accept (max_decompressed)") \
  X(BM_WRITER_FAILED,                                                                          \
    "bộ ghi gói dữ liệu đã gặp lỗi trước đó; hãy hủy nó (ics_bundle_abort)",                  \
    "the bundle writer failed before; abort it (ics_bundle_abort)")                           \
  X(BM_NOT_ALL_WRITTEN,                                                                        \
    "phần khai báo nêu %llu bản ghi của biểu mẫu '%s', nhưng chỉ ghi được %llu",               \
    "the manifest announces %llu records of form '%s', but %llu were written")                \
  X(BM_ZLIB, "lỗi zlib: %s", "zlib error: %s")                                               \
  X(BM_SODIUM, "không khởi động được libsodium", "cannot initialise libsodium")                \
  X(BM_SEAL_FAILED, "không niêm phong được gói dữ liệu (libsodium)",                           \
    "cannot seal the bundle (libsodium)")                                                     \
  X(BM_EXPECTED_SIGNER, "cần 'form: …', 'signer: …' hoặc 'sealed: …' ở đây, nhưng gặp '%s'",   \
    "expected 'form: …', 'signer: …' or 'sealed: …' here, found '%s'")                        \
  X(BM_BAD_SIGNER, "khóa ký '%s' không phải 64 chữ số hex viết thường",                        \
    "the signer key '%s' is not 64 lowercase hex digits")                                     \
  X(BM_BAD_SEALED_LINE,                                                                        \
    "cần 'sealed: KHÓA_TRUNG_TÂM KHÓA_NIÊM_PHONG PHẦN_ĐẦU' (64, 160 và 48 chữ số hex), nhưng "  \
    "gặp '%s'",                                                                                \
    "expected 'sealed: CENTRAL_KEY SEALED_KEY HEADER' (64, 160 and 48 hex digits), found "     \
    "'%s'")                                                                                    \
  X(BM_SEALED_SURVEYOR,                                                                        \
    "dòng 'surveyor:' đọc được của gói niêm phong phải để trống (tên người khảo sát được niêm " \
    "phong)",                                                                                  \
    "a sealed bundle's readable 'surveyor:' line must be empty (the surveyor is sealed)")     \
  X(BM_SEALED_NESTED, "nội dung niêm phong lại được niêm phong một lần nữa",                   \
    "the sealed content is itself sealed")                                                    \
  X(BM_SEALED_LOCKED,                                                                          \
    "gói dữ liệu được niêm phong bằng khóa của văn phòng trung tâm (%s): chỉ khóa bí mật đó "  \
    "(central.key) mở được",                                                                   \
    "the bundle is sealed to the central office's key (%s): only that secret key "            \
    "(central.key) opens it")                                                                  \
  X(BM_SEALED_TO_OTHER,                                                                        \
    "gói dữ liệu được niêm phong bằng một khóa trung tâm khác (%s), không phải khóa đã cho "   \
    "(%s): gói dành cho văn phòng khác, hoặc khóa đã được đổi; hãy mở bằng đúng khóa đó",      \
    "the bundle is sealed to another central office key (%s), not to the key given (%s): it "  \
    "was meant for another office, or the key was changed; open it with the key it names")    \
  X(BM_SEAL_KEY_BROKEN,                                                                        \
    "khóa nội dung của gói dữ liệu không mở được bằng khóa trung tâm (%s): gói đã bị thay đổi " \
    "sau khi được ghi; hãy yêu cầu gửi lại",                                                   \
    "the bundle's content key cannot be opened with the central office key (%s): the bundle "  \
    "was changed after it was written; ask for it again")                                     \
  X(BM_SEAL_EXPECTED, "cần một dòng nội dung niêm phong ('S …') ở đây, nhưng gặp '%s'",        \
    "expected a line of sealed content ('S …') here, found '%s'")                             \
  X(BM_SEAL_TRUNCATED,                                                                         \
    "nội dung niêm phong dừng trước phần cuối của nó: gói dữ liệu đã bị cắt hoặc bị thay đổi; " \
    "hãy yêu cầu gửi lại",                                                                     \
    "the sealed content stops before its final part: the bundle was cut or changed; ask for "  \
    "it again")                                                                                \
  X(BM_SEAL_BROKEN,                                                                            \
    "không giải mã được nội dung niêm phong: gói dữ liệu đã bị thay đổi sau khi được ghi; hãy " \
    "yêu cầu gửi lại",                                                                         \
    "the sealed content cannot be decrypted: the bundle was changed after it was written; "    \
    "ask for it again")                                                                        \
  X(BM_SEAL_AFTER_END, "có nội dung niêm phong sau phần cuối của nó",                          \
    "sealed content after its final part")                                                    \
  X(BM_SEAL_MISMATCH,                                                                          \
    "phần khai báo đọc được ghi %s '%s', phần niêm phong ghi '%s': gói dữ liệu đã bị thay đổi " \
    "sau khi được ghi; hãy yêu cầu gửi lại",                                                   \
    "the readable manifest says %s '%s', the sealed one '%s': the bundle was changed after it " \
    "was written; ask for it again")                                                           \
  X(BM_SEAL_UNSIGNED, "gói dữ liệu bên trong phần niêm phong không được ký",                   \
    "the bundle inside the seal is not signed")                                              \
  X(BM_IN_SEALED, "trong nội dung niêm phong: ", "in the sealed content: ")                   \
  X(BM_NO_SIGNATURE, "thiếu dòng 'signature:' sau dòng 'end:'",                                \
    "the 'signature:' line is missing after the 'end:' line")                                 \
  X(BM_BAD_SIGNATURE_LINE, "dòng 'signature:' không hợp lệ: cần 'signature: ' và 128 chữ số hex", \
    "invalid 'signature:' line: expected 'signature: ' and 128 hex digits")                   \
  X(BM_SIGNATURE_FAILS,                                                                        \
    "chữ ký không khớp: gói dữ liệu đã bị thay đổi sau khi được ký, hoặc không do khóa mà nó "  \
    "nêu ký; hãy yêu cầu gửi lại",                                                             \
    "the signature does not match: the bundle was changed after it was signed, or was not "    \
    "signed by the key it names; ask for it again")

typedef enum {
#define ICS_BUNDLE_MESSAGE_ID(id, vi, en) id,
  ICS_BUNDLE_MESSAGES(ICS_BUNDLE_MESSAGE_ID)
#undef ICS_BUNDLE_MESSAGE_ID
      BM_COUNT
} bundle_message;

/* The printf format of a message in a language. */
const char *bundle_msg(bundle_message id, ics_lang lang);

/* A message: an optional prefix (already formatted) and a formatted text; NULL when even
 * that cannot be allocated. */
char *bundle_message_v(ics_lang lang, const char *prefix, bundle_message id, va_list ap);
/* Gives message to *error, or frees it when error is NULL. */
void bundle_give_error(char **error, char *message);
/* sodium_init() (once; it may be called again). */
bool bundle_start_sodium(void);

/* ---- sizes and fixed texts ---------------------------------------------------------------- */
enum {
  CHUNK = 64 * 1024,   /* bytes inflated or deflated at a time */
  FIRST_LINE_MAX = 64, /* "ictsurvey-bundle: N" */
  EXCERPT = 96         /* room for an excerpt of the input in a message */
};
#define DRAIN_MAX ((uint64_t)64 << 20) /* content inflated after an error to find damage */

#define BUNDLE_MAGIC "ictsurvey-bundle: "
/* What a signature signs: this, then the "end: N SHA256HEX\n" line. */
#define SIGNATURE_CONTEXT "ictsurvey-bundle-signature-1\n"

/* Sealed bundles: plaintext encrypted at a time, and the room for its base64 (with NUL). */
#define SEAL_CHUNK ((size_t)48 * 1024)
#define SEAL_TEXT_SIZE \
  sodium_base64_ENCODED_LEN(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES, \
                            sodium_base64_VARIANT_ORIGINAL)

/* ---- the small syntaxes ----------------------------------------------------------------
 * UUIDs, times, years, counts, ids, versions, hashes, hex, the text check and excerpts are
 * common to the file formats: common/ics_syntax.h. */
enum {
  BUNDLE_UUID_LEN = ICS_UUID_LEN,
  BUNDLE_TIME_LEN = ICS_TIME_LEN,
  BUNDLE_HASH_LEN = ICS_HASH_LEN,
  BUNDLE_NAME_MAX = ICS_ID_MAX,
  BUNDLE_VERSION_MAX = ICS_VERSION_MAX
};
#define BUNDLE_ALLOW(c) ICS_TEXT_ALLOW(c)

/* A count from 1 to INT_MAX. */
bool bundle_revision_parse(const char *s, size_t n, int *out);

/* Escaping and unescaping values: ics_escape_append and ics_unescape (ics_common.h). */

/* FNV-1a of a field name: only a first sieve before comparing names. */
static inline uint32_t bundle_name_hash_step(uint32_t h, unsigned char c) {
  return (h ^ c) * 16777619u;
}
#define BUNDLE_NAME_HASH_INIT 2166136261u

/* ---- the set of instance ids -------------------------------------------------------------
 * Open addressing over the 16 bytes of each UUID, hashed with SipHash under a random key so
 * that a hostile file cannot make it slow. Memory: 16 bytes a slot, at most 3/4 full. */
typedef struct {
  unsigned char *slots;   /* cap * 16 bytes; all-zero is an empty slot */
  size_t cap, count;
  bool has_nil;           /* the nil UUID (all zero), kept aside */
  unsigned char key[16];  /* SipHash key */
} bundle_idset;

/* Call once (needs sodium_init() done). */
void bundle_idset_init(bundle_idset *set);
/* 1: added; 0: already there; -1: out of memory. */
int bundle_idset_add(bundle_idset *set, const unsigned char id[16]);
void bundle_idset_free(bundle_idset *set);

/* ---- duplicate field names in one record --------------------------------------------------
 * Up to 8 names: compared pairwise by hash. More: an open-addressing table reused from record
 * to record; if the hashes collide too much (a hostile file), the names are sorted instead. */
typedef struct {
  uint32_t *stamp;        /* the generation that filled each slot */
  uint32_t *index;        /* the value index in the slot */
  size_t cap;
  uint32_t generation;
  const char **sorted;    /* the fallback */
  size_t sorted_cap;
} bundle_nameset;

/* 1: names all different; 0: *dup is a name that appears twice; -1: out of memory.
 * hashes[i] is the FNV-1a of values[i].name. */
int bundle_names_unique(bundle_nameset *set, const ics_bundle_value *values,
                        const uint32_t *hashes, size_t n, const char **dup);
void bundle_nameset_free(bundle_nameset *set);

/* ---- the writer (bundle_write.c; its seal in bundle_seal.c) ------------------------------- */
struct ics_bundle_writer {
  ics_lang lang;
  ics_bundle_limits limits; /* what a reader accepts by default: never write more */
  ics_output out;           /* the file, written beside its name until ics_bundle_finish */
  z_stream zs;
  gz_header header; /* zlib keeps a pointer to it until the header is written */
  bool z_ready;
  unsigned char *zout;    /* CHUNK bytes of deflate output */
  ics_buf pending;        /* content not yet hashed and compressed */
  uint64_t content_bytes; /* content handed to deflate so far */
  crypto_hash_sha256_state sha;
  size_t form_count;
  char **form_ids;
  uint64_t *announced; /* records of each form in the manifest */
  uint64_t *written;   /* records of each form written */
  size_t last_form;    /* where the last record's form was found */
  uint64_t records;    /* records written */
  bundle_idset ids;
  bundle_nameset names;
  uint32_t *hashes; /* FNV-1a of each value's name in the current record */
  size_t hashes_cap;
  bool failed;
  /* format 2: signed with the store's Ed25519 key */
  bool signing;
  unsigned char signing_key[crypto_sign_SECRETKEYBYTES];
  /* sealed: this writer holds the readable manifest and the S lines; records go to `inner`, a
   * signed bundle whose gzip bytes are encrypted (`seal`) SEAL_CHUNK bytes at a time */
  ics_bundle_writer *inner;
  ics_bundle_writer *outer; /* in the inner: where its output goes instead of a file */
  crypto_secretstream_xchacha20poly1305_state seal;
  unsigned char *seal_plain, *seal_cipher; /* SEAL_CHUNK and SEAL_CHUNK + ABYTES bytes */
  char *seal_text;                         /* the base64 of one sealed chunk */
  size_t seal_len;                         /* plaintext waiting in seal_plain */
};

/* Sets *error to "PREFIX: MESSAGE" (prefix: BM_AT_WRITE_RECORD with the next record's number, or
 * BM_COUNT for none), marks the writer failed, returns -1. */
int bundle_w_fail(ics_bundle_writer *w, char **error, bundle_message at, bundle_message id, ...);
/* Hashes and compresses the pending content. */
int bundle_flush_pending(ics_bundle_writer *w, char **error);
/* The manifest up to the forms, with the format and the surveyor given. */
int bundle_write_manifest_head(ics_bundle_writer *w, const ics_bundle_manifest *m, int format,
                               const char *surveyor, char **error);
/* Sealing (bundle_seal.c): the readable manifest and the content key; the inner writer's gzip
 * bytes, SEAL_CHUNK at a time; one S line of what is gathered, `tag` the secretstream's. */
int bundle_write_sealed_manifest(ics_bundle_writer *w, const ics_bundle_manifest *m,
                                 const unsigned char *central_key, char **error);
int bundle_seal_bytes(ics_bundle_writer *o, const unsigned char *p, size_t n, char **error);
int bundle_seal_chunk(ics_bundle_writer *o, unsigned char tag, char **error);

/* ---- the reader (bundle_read.c, bundle_parse.c; its seal in bundle_seal.c) ---------------- */
typedef enum {
  K_CONTENT, /* the content is wrong: look further for damage that would explain it */
  K_GZIP,    /* the gzip data is damaged or truncated */
  K_OTHER    /* limits, input errors, memory */
} error_kind;

typedef enum { S_READING, S_DONE, S_FAILED } reader_state;

struct ics_bundle_reader {
  ics_lang lang;
  ics_bundle_limits limits;
  /* compressed input: a file read CHUNK bytes at a time, or bytes in memory */
  FILE *file;
  unsigned char *in;        /* file: CHUNK bytes */
  const unsigned char *mem; /* memory */
  size_t mem_size, mem_pos; /* memory: how much was handed to zlib */
  bool in_eof;              /* zlib has all the input there is */
  z_stream zs;
  bool z_ready, z_end; /* inflateInit2 done; the member's end (and CRC) reached */
  uint64_t member_end; /* offset of the byte after the member */
  /* decompressed content */
  unsigned char *out; /* CHUNK bytes; lines are used where they lie when they can */
  size_t out_pos, out_len;
  uint64_t out_total; /* content inflated so far */
  uint64_t out_limit; /* inflate no further than this */
  char *line;         /* a line that straddles chunks */
  size_t line_cap;
  uint64_t line_no; /* complete lines consumed */
  crypto_hash_sha256_state sha;
  /* manifest */
  ics_arena *arena;
  ics_bundle_manifest manifest;
  ics_bundle_form *forms;
  uint64_t *seen; /* records read of each form */
  size_t last_form;
  /* records */
  uint64_t records; /* record lines read */
  bool in_record;   /* messages name the record */
  ics_bundle_value *values;
  uint32_t *hashes;
  size_t values_cap;
  bundle_nameset names;
  bundle_idset ids;
  /* outcome */
  reader_state state;
  char *error;
  bool draining;
  /* format 2: the signer's key */
  bool is_signed;
  unsigned char signer[crypto_sign_PUBLICKEYBYTES];
  char signer_hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
  /* sealed: the readable part is read here; the sealed bundle by `inner`, whose compressed
   * input is decrypted from this reader's S lines */
  bool sealed;
  unsigned char sealed_to[crypto_box_PUBLICKEYBYTES];
  unsigned char boxed_key[crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char stream_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_state stream;
  unsigned char *cipher; /* one decoded S line */
  ics_bundle_reader *inner;
  ics_bundle_reader *outer; /* in the inner: where its input comes from */
  bool outer_error;         /* in the inner: the error is the outer's, told as it is */
};

/* Records a problem in r->error and returns -1; one found while draining (only damage to the
 * gzip data counts then) replaces the first. After a K_CONTENT problem the rest of the member
 * is inflated, since damage or truncation found there is the real cause (bundle_read.c). */
int bundle_fail(ics_bundle_reader *r, error_kind kind, bundle_message id, ...);
/* The same with "line N: " or "record N: line M: " before the message. */
int bundle_fail_here(ics_bundle_reader *r, error_kind kind, bundle_message id, ...);
/* Inflates the next chunk of content into r->out. 1: out has bytes; 0: the member ended (its
 * CRC and length checked); -1: an error (recorded). */
int bundle_inflate_more(ics_bundle_reader *r);
/* The next line of at most max bytes (without its "\n", which stays at (*line)[*len]).
 * 1: a line; 0: the content ended cleanly before it; -1: an error (recorded); -2: the line is
 * longer than max (not recorded). */
int bundle_get_line(ics_bundle_reader *r, size_t max, char **line, size_t *len);
/* The next line, which must be there: 1, or -1 with a line too long or the content ending
 * before it recorded. */
int bundle_need_line(ics_bundle_reader *r, char **line, size_t *len);
/* A line that is part of the hashed content: hashed, NUL-terminated, counted. */
int bundle_take_line(ics_bundle_reader *r, char **line, size_t *len);
/* The line is valid UTF-8 with no control characters but those allowed. */
int bundle_check_line_text(ics_bundle_reader *r, const char *s, size_t n, uint32_t allowed);
/* A reader of nothing yet; NULL when memory runs out. */
ics_bundle_reader *bundle_reader_new(const ics_bundle_limits *limits, ics_lang lang);
/* Checks the gzip header, starts zlib and reads the manifest. */
int bundle_reader_start(ics_bundle_reader *r);
/* The end line and everything only the end can tell. */
int bundle_read_trailer(ics_bundle_reader *r, char *s, size_t n);

/* Parsing (bundle_parse.c): the manifest, from the first line; a record line s[0..n)
 * (NUL-terminated) in place: 1, or -1 (recorded). */
int bundle_read_manifest(ics_bundle_reader *r);
int bundle_parse_record(ics_bundle_reader *r, char *s, size_t n, ics_bundle_record *rec);

/* Unsealing (bundle_seal.c): the inner reader's compressed input from the outer's S lines;
 * the "sealed: " line s[0..n); a sealed bundle's next record (1/0/-1, as the inner gives). */
int bundle_refill_sealed(ics_bundle_reader *r);
int bundle_read_sealed_line(ics_bundle_reader *r, const char *s, size_t n);
int bundle_next_sealed(ics_bundle_reader *r, ics_bundle_record *record);

#endif
