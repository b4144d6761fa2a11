/* bundle_private.h (private) - what the bundle reader and writer share: the message table in
 * both languages, the small syntaxes (common/ics_syntax.h, and revisions here), and the two
 * sets that find duplicates (instance ids in a bundle, field names in a record). */
#ifndef ICS_BUNDLE_PRIVATE_H
#define ICS_BUNDLE_PRIVATE_H

#include "bundle.h"
#include "ics_syntax.h"

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

#endif
