/* xlsx_messages.h (private) - every message of the .xlsx reader (xlsx_reader.c), in Vietnamese
 * and English, with its error code: X(ID, CODE, vi, en); the formats of one message take the
 * same arguments in both languages (tests/test_messages.c checks it). ICS_OK marks a fragment
 * that goes inside or before another message (where in the workbook, what expat found).
 * Running out of memory is said with ics_error_no_memory. */
#ifndef ICS_XLSX_MESSAGES_H
#define ICS_XLSX_MESSAGES_H

#include "ics_common.h"

#define ICS_XLSX_MESSAGES(X)                                                                     \
  /* where: before a message about a sheet or one of its cells */                               \
  X(XM_IN_SHEET, ICS_OK, "trang tính '%s': ", "sheet '%s': ")                                    \
  X(XM_IN_CELL, ICS_OK, "trang tính '%s', ô %s: ", "sheet '%s', cell %s: ")                      \
  /* the file */                                                                                \
  X(XM_CANNOT_OPEN, ICS_E_NOT_FOUND, "không mở được sổ tính: %s", "cannot open the workbook: %s") \
  X(XM_NOT_REGULAR, ICS_E_NOT_REGULAR,                                                           \
    "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)",                          \
    "this is not a regular file (a folder, a pipe or a device)")                                 \
  X(XM_CANNOT_READ, ICS_E_IO, "không đọc được sổ tính: %s", "cannot read the workbook: %s")      \
  X(XM_EMPTY, ICS_E_WRONG_KIND, "không phải sổ tính .xlsx (tệp rỗng)",                           \
    "not an .xlsx workbook (the file is empty)")                                                 \
  X(XM_OLE, ICS_E_WRONG_KIND,                                                                    \
    "đây là sổ tính Excel 97-2003 (.xls) hoặc sổ tính có đặt mật khẩu, không phải sổ tính "      \
    ".xlsx: hãy mở nó trong Excel (nếu có mật khẩu thì nhập rồi bỏ mật khẩu đi) và lưu lại "     \
    "với kiểu \"Excel Workbook (*.xlsx)\"",                                                      \
    "this is an Excel 97-2003 workbook (.xls) or a password-protected workbook, not an .xlsx "   \
    "workbook: open it in Excel (with its password, then remove the password) and save it as "   \
    "\"Excel Workbook (*.xlsx)\"")                                                               \
  X(XM_NOT_ZIP, ICS_E_WRONG_KIND,                                                                \
    "không phải sổ tính .xlsx (một tệp zip): tệp bắt đầu bằng '%s'; nếu đó là tệp CSV hay văn "  \
    "bản, hãy mở nó trong Excel và lưu lại với kiểu \"Excel Workbook (*.xlsx)\"",                \
    "not an .xlsx workbook (a zip file): the file starts with '%s'; if it is a CSV or text "     \
    "file, open it in Excel and save it as \"Excel Workbook (*.xlsx)\"")                         \
  X(XM_ODS, ICS_E_WRONG_KIND,                                                                    \
    "đây là bảng tính OpenDocument (.ods), không phải sổ tính .xlsx: hãy mở nó trong "           \
    "LibreOffice Calc và lưu lại với kiểu \"Excel 2007-365 (.xlsx)\"",                           \
    "this is an OpenDocument spreadsheet (.ods), not an .xlsx workbook: open it in LibreOffice " \
    "Calc and save it as \"Excel 2007-365 (.xlsx)\"")                                            \
  X(XM_XLSB, ICS_E_WRONG_KIND,                                                                   \
    "đây là sổ tính nhị phân Excel (.xlsb), không phải sổ tính .xlsx: hãy mở nó trong Excel và " \
    "lưu lại với kiểu \"Excel Workbook (*.xlsx)\"",                                              \
    "this is an Excel binary workbook (.xlsb), not an .xlsx workbook: open it in Excel and "     \
    "save it as \"Excel Workbook (*.xlsx)\"")                                                    \
  X(XM_NO_WORKBOOK, ICS_E_WRONG_KIND,                                                            \
    "không phải sổ tính .xlsx: tệp zip không có phần %s (một tài liệu Word hay PowerPoint, "     \
    "hay một tệp nén khác?)",                                                                    \
    "not an .xlsx workbook: the zip file has no part %s (a Word or PowerPoint document, or "     \
    "another archive?)")                                                                         \
  /* the zip */                                                                                 \
  X(XM_BAD_ZIP, ICS_E_DAMAGED,                                                                   \
    "sổ tính bị hỏng hoặc bị cắt cụt (không đọc được mục lục của tệp zip): hãy lưu lại hoặc "    \
    "yêu cầu gửi lại",                                                                           \
    "the workbook is damaged or truncated (the zip file's directory cannot be read): save it "   \
    "again or ask for it again")                                                                 \
  X(XM_BAD_ENTRY, ICS_E_DAMAGED,                                                                 \
    "sổ tính bị hỏng: không đọc được phần %s của tệp zip (lỗi %d của minizip)",                  \
    "the workbook is damaged: the part %s of the zip file cannot be read (minizip error %d)")     \
  X(XM_CRC, ICS_E_DAMAGED, "sổ tính bị hỏng: phần %s của tệp zip sai mã kiểm tra CRC",           \
    "the workbook is damaged: the part %s of the zip file fails its CRC check")                  \
  X(XM_TOO_MANY_ENTRIES, ICS_E_LIMIT, "tệp zip có hơn %u mục",                                   \
    "the zip file has more than %u entries")                                                     \
  X(XM_DUPLICATE, ICS_E_REFUSED,                                                                 \
    "tệp zip chứa phần %s hai lần: không biết phải đọc bản nào, nên không đọc bản nào",          \
    "the zip file holds the part %s twice: which one counts is not known, so neither is read")   \
  X(XM_FOLDER, ICS_E_INVALID, "%s trong tệp zip là một thư mục, không phải một phần",            \
    "%s in the zip file is a folder, not a part")                                                \
  X(XM_ENCRYPTED, ICS_E_UNSUPPORTED,                                                             \
    "phần %s của tệp zip được mã hóa bằng mật khẩu zip: hãy lưu lại sổ tính trong Excel mà "     \
    "không đặt mật khẩu",                                                                        \
    "the part %s of the zip file is encrypted with a zip password: save the workbook in Excel "  \
    "without a password")                                                                        \
  X(XM_METHOD, ICS_E_UNSUPPORTED,                                                                \
    "phần %s của tệp zip được nén theo cách số %d, không đọc được (chỉ đọc được 0, không nén, "  \
    "và 8, deflate)",                                                                            \
    "the part %s of the zip file is compressed with method %d, which cannot be read (only 0, "   \
    "stored, and 8, deflate)")                                                                   \
  X(XM_PART_TOO_LARGE, ICS_E_LIMIT, "phần %s khi giải nén lớn hơn giới hạn %llu byte",           \
    "the part %s is larger than the limit of %llu bytes uncompressed")                           \
  X(XM_MISSING_SHEET, ICS_E_DAMAGED, "sổ tính thiếu phần %s của trang tính '%s'",                \
    "the workbook lacks the part %s of sheet '%s'")                                              \
  X(XM_MISSING_STRINGS, ICS_E_DAMAGED, "sổ tính thiếu phần %s (các chuỗi dùng chung) mà nó khai báo", \
    "the workbook lacks the part %s (its shared strings), which it declares")                    \
  /* the XML of a part */                                                                       \
  X(XM_XML, ICS_E_SYNTAX, "XML không hợp lệ: %s", "malformed XML: %s")                           \
  X(XM_DTD, ICS_E_REFUSED,                                                                       \
    "phần này có khai báo DOCTYPE, điều mà Excel và LibreOffice không bao giờ viết: bị từ chối " \
    "(các thực thể của nó có thể nở ra không giới hạn)",                                         \
    "the part has a DOCTYPE declaration, which Excel and LibreOffice never write: refused (its " \
    "entities could expand without bound)")                                                     \
  X(XM_DEPTH, ICS_E_LIMIT, "các phần tử XML lồng nhau sâu hơn %d cấp",                           \
    "XML elements nested more than %d deep")                                                     \
  X(XM_TOKEN, ICS_E_LIMIT, "một thẻ hay một đoạn XML dài hơn %u byte",                           \
    "an XML tag or piece longer than %u bytes")                                                  \
  /* the workbook and its relationships */                                                      \
  X(XM_SHEETS, ICS_E_LIMIT, "sổ tính có hơn %d trang tính", "the workbook has more than %d sheets") \
  X(XM_SHEET_NO_NAME, ICS_E_INVALID, "một trang tính không có tên (thuộc tính name)",            \
    "a sheet without a name (attribute name)")                                                   \
  X(XM_SHEET_NO_ID, ICS_E_INVALID, "trang tính '%s' không có thuộc tính r:id",                   \
    "sheet '%s' has no attribute r:id")                                                          \
  X(XM_NAME_TOO_LONG, ICS_E_LIMIT, "một tên hay một đích dài hơn %d byte",                        \
    "a name or a target longer than %d bytes")                                                   \
  X(XM_NAME_CONTROL, ICS_E_TEXT_INVALID, "tên trang tính chứa ký tự điều khiển U+%04X",          \
    "a sheet's name holds the control character U+%04X")                                         \
  X(XM_NO_REL, ICS_E_DAMAGED, "trang tính '%s' trỏ tới quan hệ '%s' mà %s không có",            \
    "sheet '%s' refers to the relationship '%s', which %s does not hold")                        \
  X(XM_RELS_MANY, ICS_E_LIMIT, "phần này có hơn %d quan hệ",                                     \
    "the part has more than %d relationships")                                                   \
  X(XM_REL_INCOMPLETE, ICS_E_INVALID, "một quan hệ thiếu thuộc tính Id, Type hay Target",        \
    "a relationship lacks its attribute Id, Type or Target")                                     \
  X(XM_REL_EXTERNAL, ICS_E_INVALID, "trang tính '%s' nằm ngoài sổ tính (TargetMode=\"External\")", \
    "sheet '%s' lies outside the workbook (TargetMode=\"External\")")                            \
  X(XM_BAD_TARGET, ICS_E_INVALID, "đích '%s' không chỉ tới một phần nào trong tệp zip",          \
    "the target '%s' names no part inside the zip file")                                         \
  /* strings and cells */                                                                       \
  X(XM_STRINGS_LIMIT, ICS_E_LIMIT,                                                               \
    "các chuỗi dùng chung vượt giới hạn %llu byte (mỗi chuỗi tính thêm 8 byte)",                 \
    "the shared strings pass the limit of %llu bytes (each string counting 8 more)")             \
  X(XM_TEXT_TOO_LONG, ICS_E_LIMIT, "văn bản dài hơn %u ký tự (giới hạn của Excel)",              \
    "a text longer than %u characters (Excel's limit)")                                          \
  X(XM_ROW_TOO_LARGE, ICS_E_LIMIT, "văn bản của hàng %u vượt giới hạn %llu byte",                \
    "the text of row %u passes the limit of %llu bytes")                                         \
  X(XM_BAD_REF, ICS_E_INVALID,                                                                   \
    "'%s' không phải tham chiếu ô (cột từ A đến XFD, hàng từ 1 đến 1048576)",                    \
    "'%s' is not a cell reference (columns A to XFD, rows 1 to 1048576)")                        \
  X(XM_BAD_ROW, ICS_E_INVALID, "'%s' không phải số hàng (từ 1 đến 1048576)",                     \
    "'%s' is not a row number (1 to 1048576)")                                                   \
  X(XM_ROW_BEYOND, ICS_E_INVALID,                                                                \
    "một hàng không ghi số đứng sau hàng 1048576, hàng cuối cùng",                               \
    "a row without a number follows row 1048576, the last one")                                 \
  X(XM_ROW_ORDER, ICS_E_INVALID, "hàng %u đứng sau hàng %u: các hàng phải theo thứ tự tăng dần", \
    "row %u comes after row %u: rows must be in increasing order")                               \
  X(XM_CELL_BEYOND, ICS_E_INVALID,                                                               \
    "một ô không ghi tham chiếu đứng sau ô %s, ở cột cuối cùng (XFD)",                           \
    "a cell without a reference follows cell %s, in the last column (XFD)")                      \
  X(XM_CELL_ORDER, ICS_E_INVALID,                                                                \
    "ô %s đứng sau ô %s: các ô của một hàng phải theo thứ tự cột tăng dần",                      \
    "cell %s comes after cell %s: the cells of a row must be in increasing column order")        \
  X(XM_CELL_ROW, ICS_E_INVALID, "ô %s nằm trong hàng %u", "cell %s lies in row %u")              \
  X(XM_BAD_TYPE, ICS_E_INVALID, "kiểu ô '%s' không có (chỉ có s, inlineStr, str, b, e, n, d)",   \
    "unknown cell type '%s' (only s, inlineStr, str, b, e, n, d)")                               \
  X(XM_BAD_INDEX, ICS_E_INVALID,                                                                 \
    "'%s' không phải số thứ tự của một chuỗi dùng chung (sổ tính có %zu chuỗi)",                 \
    "'%s' is not the index of a shared string (the workbook has %zu)")                           \
  X(XM_BAD_NUMBER, ICS_E_NOT_NUMBER, "'%s' không phải một số", "'%s' is not a number")           \
  X(XM_BAD_BOOLEAN, ICS_E_NOT_BOOLEAN, "'%s' không phải giá trị đúng/sai (1 hoặc 0)",            \
    "'%s' is not a boolean (1 or 0)")                                                            \
  X(XM_CONTROL, ICS_E_TEXT_INVALID, "văn bản chứa ký tự điều khiển U+%04X: hãy xóa nó",          \
    "the text holds the control character U+%04X; remove it")                                    \
  /* what expat found, inside XM_XML */                                                         \
  X(XM_X_SYNTAX, ICS_OK, "lỗi cú pháp", "syntax error")                                          \
  X(XM_X_NO_ELEMENTS, ICS_OK, "không có phần tử nào (phần rỗng hoặc bị cắt cụt)",                \
    "no element found (an empty or truncated part)")                                             \
  X(XM_X_INVALID_TOKEN, ICS_OK, "ký tự hay thẻ không hợp lệ (UTF-8 sai hay ký tự điều khiển?)",  \
    "not well-formed (bad UTF-8 or a control character?)")                                       \
  X(XM_X_UNCLOSED_TOKEN, ICS_OK, "thẻ chưa đóng", "unclosed token")                              \
  X(XM_X_PARTIAL_CHAR, ICS_OK, "ký tự bị cắt dở", "partial character")                           \
  X(XM_X_TAG_MISMATCH, ICS_OK, "thẻ đóng không khớp thẻ mở", "mismatched tag")                   \
  X(XM_X_DUPLICATE_ATTRIBUTE, ICS_OK, "thuộc tính lặp lại", "duplicate attribute")               \
  X(XM_X_JUNK_AFTER, ICS_OK, "có nội dung sau phần tử gốc", "junk after the document element")  \
  X(XM_X_UNDEFINED_ENTITY, ICS_OK, "thực thể không xác định", "undefined entity")                \
  X(XM_X_BAD_CHAR_REF, ICS_OK, "tham chiếu tới ký tự không hợp lệ",                              \
    "reference to an invalid character")                                                         \
  X(XM_X_UNBOUND_PREFIX, ICS_OK, "tiền tố không gắn với không gian tên nào", "unbound prefix")   \
  X(XM_X_ENCODING, ICS_OK, "bảng mã không biết hoặc khai báo sai",                               \
    "unknown or wrongly declared encoding")                                                      \
  X(XM_X_MISPLACED_PI, ICS_OK, "khai báo XML đặt sai chỗ", "misplaced XML declaration")          \
  X(XM_X_UNCLOSED_CDATA, ICS_OK, "đoạn CDATA chưa đóng", "unclosed CDATA section")               \
  X(XM_X_XML_DECL, ICS_OK, "khai báo XML không hợp lệ", "invalid XML declaration")               \
  X(XM_X_OTHER, ICS_OK, "lỗi XML số %d", "XML error number %d")

#endif
