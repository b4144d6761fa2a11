/* answers_messages.h (private) - every message of the answers-file reader, in Vietnamese and
 * English, with its error code: X(ID, CODE, vi, en); formats of one message take the same
 * arguments in both languages (tests/test_messages.c checks it). */
#ifndef ICS_ANSWERS_MESSAGES_H
#define ICS_ANSWERS_MESSAGES_H

#define ANSWERS_MESSAGES(X)                                                                    \
  X(A_CANNOT_READ, ICS_E_IO, "không đọc được tệp: %s", "cannot read the file: %s")                     \
  X(A_NOT_FOUND, ICS_E_NOT_FOUND, "không có tệp này", "no such file")                                          \
  X(A_NO_MEMORY, ICS_E_NO_MEMORY, "không đủ bộ nhớ", "out of memory")                                          \
  X(A_NOT_REGULAR, ICS_E_NOT_REGULAR, "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)",       \
    "this is not a regular file (a folder, a pipe or a device)")                               \
  X(A_NUL, ICS_E_NOT_UTF8, "tệp chứa byte 0 (NUL) ở byte thứ %zu: đây không phải tệp văn bản (có thể là tệp "  \
    "Word/Excel hay văn bản UTF-16); hãy lưu lại dạng văn bản UTF-8 hoặc 'CSV UTF-8'",         \
    "the file holds a NUL byte (code 0) at byte %zu: it is not a text file (perhaps a Word "   \
    "or Excel document, or UTF-16 text); save it as UTF-8 text or 'CSV UTF-8'")                \
  X(A_NO_RECORDS, ICS_E_INVALID, "tệp chỉ có dòng tiêu đề, không có bản ghi nào",                            \
    "the file has a header row but no records")                                               \
  X(A_NO_FORM, ICS_E_INVALID, "lỗi chương trình: chưa chọn biểu mẫu", "internal error: no form given")      \
  X(A_NOT_UTF8, ICS_E_NOT_UTF8, "tệp không phải văn bản UTF-8 hợp lệ (byte thứ %zu); hãy lưu lại với mã UTF-8", \
    "the file is not valid UTF-8 text (byte %zu); save it again as UTF-8")                     \
  X(A_UTF16, ICS_E_NOT_UTF8, "tệp được lưu với mã UTF-16; hãy lưu lại với mã UTF-8",                         \
    "the file is UTF-16 text; save it again as UTF-8")                                        \
  X(A_NOT_IN_ENCODING, ICS_E_NOT_UTF8, "byte thứ %zu của tệp không phải một ký tự của bảng mã %s; hãy lưu lại "   \
    "tệp dạng 'CSV UTF-8' (hoặc cho biết bảng mã bằng --encoding)",                             \
    "byte %zu of the file is not a character of %s; save the file again as 'CSV UTF-8' (or "  \
    "name its encoding with --encoding)")                                                        \
  X(A_CONTROL, ICS_E_SYNTAX, "tệp chứa ký tự điều khiển U+%04X; hãy xóa ký tự này",                        \
    "the file holds the control character U+%04X; remove it")                                 \
  X(A_LINE_TOO_LONG, ICS_E_LIMIT, "dòng dài quá %d byte", "the line is longer than %d bytes")              \
  X(A_VALUE_TOO_LONG, ICS_E_LIMIT, "giá trị dài quá %d byte", "a value is longer than %d bytes")           \
  X(A_RUNAWAY, ICS_E_LIMIT,                                                                                  \
    "văn bản từ đây kéo dài quá %d ký tự mà không hết một giá trị (mỗi giá trị tối đa %d byte)", \
    "the text from here runs on for more than %d characters without a complete value (a "     \
    "value may be at most %d bytes)")                                                          \
  X(A_ROW_TOO_LONG, ICS_E_LIMIT, "hàng dài quá %d byte", "the row is longer than %d bytes")                \
  X(A_YAML_SYNTAX, ICS_E_SYNTAX, "lỗi cú pháp YAML: %s", "YAML syntax error: %s")                           \
  X(A_ALIAS, ICS_E_SYNTAX, "không hỗ trợ neo và bí danh YAML (&, *); hãy viết đầy đủ giá trị",              \
    "YAML anchors and aliases (&, *) are not supported; write the value out")                  \
  X(A_TWO_DOCUMENTS, ICS_E_SYNTAX, "tệp chỉ được chứa một tài liệu YAML",                                   \
    "the file must hold one YAML document only")                                              \
  X(A_TOO_DEEP, ICS_E_LIMIT, "lồng nhau quá %d cấp", "nested deeper than %d levels")                      \
  X(A_EMPTY, ICS_E_INVALID, "tệp rỗng: không có bản ghi nào", "the file is empty: it holds no records")      \
  X(A_NOT_SEQUENCE, ICS_E_SYNTAX,                                                                             \
    "tệp câu trả lời phải là một danh sách bản ghi, mỗi bản ghi một mục '- trường: giá trị'", \
    "an answers file must be a list of records, one '- field: value' mapping per record")     \
  X(A_NOT_MAPPING, ICS_E_SYNTAX, "mỗi bản ghi phải là một ánh xạ trường: giá trị",                          \
    "a record must be a mapping of field: value")                                             \
  X(A_TOO_MANY_RECORDS, ICS_E_LIMIT, "tệp có hơn %zu bản ghi", "the file holds more than %zu records")     \
  X(A_PATCH_ONE, ICS_E_INVALID, "tệp thay đổi phải có đúng một bản ghi",                                     \
    "a file of changes must hold exactly one record")                                         \
  X(A_KEY_NOT_SCALAR, ICS_E_SYNTAX, "tên trường phải là một chuỗi đơn", "a field name must be a plain string") \
  X(A_NESTED, ICS_E_SYNTAX, "giá trị phải là một giá trị đơn (hoặc danh sách mã với câu select_multiple)",   \
    "a value must be a single value (or a list of codes for a select_multiple question)")     \
  X(A_LIST_NOT_MULTIPLE, ICS_E_INVALID, "chỉ câu select_multiple mới nhận một danh sách",                   \
    "only a select_multiple question takes a list")                                           \
  X(A_CODE_NOT_SCALAR, ICS_E_SYNTAX, "mỗi mục của danh sách phải là một mã lựa chọn",                       \
    "each item of the list must be one choice code")                                          \
  X(A_TOO_MANY_CODES, ICS_E_LIMIT, "quá %d mã lựa chọn", "more than %d choice codes")                     \
  X(A_TWICE, ICS_E_INVALID, "trường được ghi hai lần trong bản ghi", "the field is given twice in the record") \
  X(A_DUPLICATE_KEY, ICS_E_CONFLICT, "khóa '%s' đã có ở bản ghi %zu", "the key '%s' is already in record %zu") \
  X(A_DID_YOU_MEAN, ICS_OK, " (có phải ý bạn là '%s'?)", " (did you mean '%s'?)")                    \
  X(A_CHOICES, ICS_OK, "các lựa chọn: %s", "choices: %s")                                             \
  X(A_TOO_MANY_COLUMNS, ICS_E_LIMIT, "tiêu đề có hơn %d cột", "the header has more than %d columns")       \
  X(A_COLUMN_TWICE, ICS_E_INVALID, "cột xuất hiện hai lần (lần đầu ở cột %zu)",                              \
    "the column appears twice (first as column %zu)")                                         \
  X(A_CELL_COUNT, ICS_E_SYNTAX, "hàng có %zu ô nhưng tiêu đề có %zu cột",                                   \
    "the row has %zu cells but the header has %zu columns")                                   \
  X(A_UNNAMED_COLUMN, ICS_E_INVALID, "cột %zu có giá trị nhưng không có tên trường ở tiêu đề",               \
    "column %zu has a value but no field name in the header")                                 \
  X(A_UNNAMED_COLUMN_AT, ICS_E_INVALID, "cột %s có giá trị nhưng không có tên trường ở tiêu đề",          \
    "column %s has a value but no field name in the header")                                  \
  X(A_CELL_ERROR, ICS_E_INVALID, "ô chứa lỗi công thức %s; hãy nhập giá trị thay cho công thức",          \
    "the cell holds the formula error %s; type the value instead of the formula")            \
  X(A_DROPPED, ICS_OK,                                                                         \
    "Lưu ý: %s: cột \"%s\" (%s): bỏ %zu câu trả lời vì câu hỏi không áp dụng cho các bản ghi đó " \
    "(theo các câu trả lời khác của bản ghi)\n",                                                \
    "Note: %s: column \"%s\" (%s): %zu answers dropped: the question does not apply to those " \
    "records (given their other answers)\n")                                                   \
  X(A_GUESS_LABEL, ICS_OK, "Lưu ý: %s: cột \"%s\" (%s): %zu giá trị được hiểu là mã lựa chọn (ví dụ %s)\n", \
    "Note: %s: column \"%s\" (%s): %zu values read as choice codes (e.g. %s)\n")             \
  X(A_GUESS_THOUSANDS, ICS_OK,                                                                 \
    "Lưu ý: %s: cột \"%s\" (%s): %zu số có dấu ngăn cách hàng nghìn (ví dụ %s)\n",             \
    "Note: %s: column \"%s\" (%s): %zu numbers with thousands separators (e.g. %s)\n")       \
  X(A_GUESS_DAY_FIRST, ICS_OK,                                                                 \
    "Lưu ý: %s: cột \"%s\" (%s): %zu ngày được đọc theo thứ tự ngày/tháng/năm (ví dụ %s)\n",   \
    "Note: %s: column \"%s\" (%s): %zu dates read day first, day/month/year (e.g. %s)\n")    \
  X(A_GUESS_MONTH_FIRST, ICS_OK,                                                               \
    "Lưu ý: %s: cột \"%s\" (%s): %zu ngày chỉ đọc được theo thứ tự tháng/ngày/năm (ví dụ %s); " \
    "hãy kiểm tra lại\n",                                                                       \
    "Note: %s: column \"%s\" (%s): %zu dates could only be read month first, month/day/year "  \
    "(e.g. %s); check them\n")                                                                 \
  X(A_GUESS_SERIAL, ICS_OK,                                                                    \
    "Lưu ý: %s: cột \"%s\" (%s): %zu số được hiểu là ngày theo cách đếm của bảng tính (ví dụ %s)\n", \
    "Note: %s: column \"%s\" (%s): %zu numbers read as spreadsheet date serials (e.g. %s)\n") \
  X(A_GUESS_MARK, ICS_OK, "Lưu ý: %s: cột \"%s\" (%s): %zu dấu được hiểu là có/không (ví dụ %s)\n", \
    "Note: %s: column \"%s\" (%s): %zu marks read as yes/no (e.g. %s)\n")                    \
  X(A_GUESS_ENCODING, ICS_OK,                                                                  \
    "Lưu ý: %s: tệp không phải UTF-8 nên được đọc theo bảng mã %s; nếu chữ bị sai, hãy dùng "  \
    "--encoding windows-1252 hoặc lưu lại dạng 'CSV UTF-8'\n",                                  \
    "Note: %s: the file is not UTF-8 and was read as %s; if letters come out wrong, use "       \
    "--encoding windows-1252 or save it as 'CSV UTF-8'\n")                                      \
  X(A_NO_SHEET, ICS_E_INVALID,                                                                 \
    "không trang tính nào có tên trường của biểu mẫu ở dòng 1 hoặc dòng 2 (các trang: %s); hãy " \
    "dùng tệp mẫu của 'ictsurvey collect template', hoặc ghi tên trường ở dòng 1",              \
    "no sheet of the workbook has the form's field names in row 1 or row 2 (sheets: %s); use " \
    "the template of 'ictsurvey collect template', or put the field names in row 1")           \
  X(A_UNTERMINATED, ICS_E_SYNTAX, "giá trị trong ngoặc kép bắt đầu ở đây không được đóng lại",              \
    "the quoted value that starts here is never closed")                                      \
  X(A_BAD_QUOTE, ICS_E_SYNTAX,                                                                                \
    "dấu ngoặc kép trong một giá trị phải viết hai lần và cả giá trị đặt trong ngoặc kép",    \
    "a quote inside a value must be written twice, with the whole value in quotes")            \
  X(A_SEPARATOR, ICS_OK, " (có vẻ các giá trị được ngăn cách bằng '%s': hãy lưu tệp dạng CSV dùng dấu phẩy)", \
    " (the values seem to be separated by '%s': save the file as CSV with commas)")

#endif
