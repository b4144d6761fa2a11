/* messages.h (private) - every message of the definition loaders, in Vietnamese and English,
 * in one list. Formats of a message take the same arguments in the same order. */
#ifndef ICS_MESSAGES_H
#define ICS_MESSAGES_H

#include "ics_common.h"

#define ICS_MESSAGES(X)                                                                        \
  X(M_CANNOT_READ, ICS_E_IO, "không đọc được tệp: %s", "cannot read the file: %s")                     \
  X(M_NOT_FOUND, ICS_E_NOT_FOUND, "không có tệp này", "no such file")                                          \
  X(M_NOT_REGULAR, ICS_E_NOT_REGULAR, "đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị)",       \
    "this is not a regular file (a folder, a pipe or a device)")                               \
  X(M_TOO_LARGE, ICS_E_TOO_LARGE, "tệp quá lớn (%zu byte; giới hạn là %d byte)",                              \
    "the file is too large (%zu bytes; the limit is %d)")                                     \
  X(M_NO_MEMORY, ICS_E_NO_MEMORY, "không đủ bộ nhớ", "out of memory")                                          \
  X(M_EMPTY, ICS_E_SYNTAX, "tệp rỗng: không có định nghĩa nào", "the file is empty: it defines nothing")   \
  X(M_NOT_UTF8, ICS_E_NOT_UTF8, "tệp không phải văn bản UTF-8 hợp lệ (byte thứ %zu); hãy lưu lại với mã UTF-8", \
    "the file is not valid UTF-8 text (byte %zu); save it again as UTF-8")                     \
  X(M_YAML_SYNTAX, ICS_E_SYNTAX, "lỗi cú pháp YAML: %s", "YAML syntax error: %s")                           \
  X(M_ALIAS, ICS_E_SYNTAX, "không hỗ trợ neo và bí danh YAML (&, *); hãy viết đầy đủ giá trị",              \
    "YAML anchors and aliases (&, *) are not supported; write the value out")                  \
  X(M_TWO_DOCUMENTS, ICS_E_SYNTAX, "tệp chỉ được chứa một tài liệu YAML", "the file must hold one YAML document only") \
  X(M_TOO_DEEP, ICS_E_LIMIT, "lồng nhau quá %d cấp", "nested deeper than %d levels")                      \
  X(M_DUPLICATE_KEY, ICS_E_SYNTAX, "khóa '%s' xuất hiện hai lần (lần đầu ở dòng %d)",                       \
    "key '%s' appears twice (first on line %d)")                                               \
  X(M_KEY_NOT_SCALAR, ICS_E_SYNTAX, "khóa phải là một chuỗi đơn", "a key must be a plain string")         \
  X(M_EXPECTED_MAPPING, ICS_E_SYNTAX, "%s phải là một ánh xạ (khóa: giá trị)", "%s must be a mapping (key: value)") \
  X(M_EXPECTED_SEQUENCE, ICS_E_SYNTAX, "%s phải là một danh sách (- mục)", "%s must be a sequence (- item)") \
  X(M_EXPECTED_SCALAR, ICS_E_SYNTAX, "%s phải là một giá trị đơn", "%s must be a single value")             \
  X(M_MISSING_KEY, ICS_E_INVALID, "thiếu khóa bắt buộc '%s'", "missing required key '%s'")                  \
  X(M_UNKNOWN_KEY, ICS_E_INVALID, "khóa không hợp lệ '%s'%s", "unknown key '%s'%s")                          \
  X(M_DID_YOU_MEAN, ICS_OK, " (có phải ý bạn là '%s'?)", " (did you mean '%s'?)")                     \
  X(M_BAD_IDENTIFIER, ICS_E_INVALID,                                                                           \
    "%s '%s' không hợp lệ: chỉ dùng a-z, 0-9 và '_', bắt đầu bằng chữ cái, tối đa 63 ký tự",   \
    "invalid %s '%s': use a-z, 0-9 and '_', starting with a letter, at most 63 characters")    \
  X(M_SQL_KEYWORD, ICS_E_INVALID, "%s '%s' là từ khóa của SQLite; hãy chọn tên khác",                        \
    "%s '%s' is an SQLite keyword; choose another name")                                      \
  X(M_RESERVED_FIELD, ICS_E_INVALID,                                                                          \
    "tên trường '%s' đã được cơ sở dữ liệu dùng cho cột riêng của nó; hãy chọn tên khác "        \
    "(xem các tên dành riêng trong docs/forms.md)",                                              \
    "field name '%s' is taken by a column of the database itself; choose another name "         \
    "(docs/forms.md lists the reserved names)")                                                  \
  X(M_RESERVED_FORM, ICS_E_INVALID,                                                                           \
    "mã biểu mẫu '%s' trùng cách cơ sở dữ liệu đặt tên bảng (form_MÃ, form_MÃ_by_key, "          \
    "form_MÃ__TRƯỜNG): mã không được chứa '__', kết thúc bằng '_' hay '_by_key'",                \
    "form id '%s' collides with how the database names its tables (form_ID, form_ID_by_key, "   \
    "form_ID__FIELD): a form id may not contain '__' nor end in '_' or '_by_key'")               \
  X(M_BAD_BOOLEAN, ICS_E_INVALID, "'%s' không phải yes/no", "'%s' is not yes/no")                            \
  X(M_BAD_TYPE, ICS_E_INVALID, "kiểu '%s' không hợp lệ%s", "unknown type '%s'%s")                            \
  X(M_DUPLICATE_NAME, ICS_E_INVALID, "tên '%s' đã dùng ở dòng %d", "name '%s' is already used on line %d")  \
  X(M_DUPLICATE_CODE, ICS_E_INVALID, "mã '%s' đã dùng ở dòng %d", "code '%s' is already used on line %d")   \
  X(M_BAD_CODE, ICS_E_INVALID, "mã '%s' không hợp lệ: 1-63 ký tự A-Z a-z 0-9 _ - .",                         \
    "invalid code '%s': 1-63 characters of A-Z a-z 0-9 _ - .")                                \
  X(M_UNKNOWN_LIST, ICS_E_INVALID, "không có danh sách lựa chọn '%s'%s", "unknown choice list '%s'%s")       \
  X(M_UNKNOWN_CODE, ICS_E_INVALID, "biểu thức: '%s' không phải mã lựa chọn của trường '%s'%s",                  \
    "expression: '%s' is not a choice code of field '%s'%s")                                  \
  X(M_UNKNOWN_REGISTER_LIST, ICS_E_INVALID, "danh mục '%s' không có (chỉ có districts, agencies)",          \
    "unknown register list '%s' (there are districts and agencies)")                           \
  X(M_CHOICES_NOT_ALLOWED, ICS_E_INVALID, "trường kiểu %s không có lựa chọn (choices)",                      \
    "a field of type %s takes no choices")                                                     \
  X(M_CHOICES_MISSING, ICS_E_INVALID, "trường kiểu %s cần có 'choices'", "a field of type %s needs 'choices'") \
  X(M_EMPTY_LIST, ICS_E_INVALID, "danh sách lựa chọn rỗng", "the choice list is empty")                     \
  X(M_LABEL_MISSING, ICS_E_INVALID, "thiếu 'label' (câu hỏi)", "missing 'label' (the question)")            \
  X(M_CALC_ONLY, ICS_E_INVALID, "'calculation' chỉ dùng cho trường kiểu calculate",                         \
    "'calculation' is only for fields of type calculate")                                      \
  X(M_CALC_MISSING, ICS_E_INVALID, "trường kiểu calculate cần 'calculation'",                                \
    "a field of type calculate needs 'calculation'")                                          \
  X(M_NOT_FOR_TYPE, ICS_E_INVALID, "'%s' không dùng được cho trường kiểu %s", "'%s' does not apply to a field of type %s") \
  X(M_TEXT_LANG_MISSING, ICS_E_INVALID, "thiếu bản '%s' của văn bản", "the text has no '%s' version")        \
  X(M_TEXT_EMPTY, ICS_E_INVALID, "văn bản rỗng", "the text is empty")                                       \
  X(M_TOO_LONG, ICS_E_LIMIT, "quá dài (tối đa %d ký tự)", "too long (at most %d characters)")              \
  X(M_TOO_MANY, ICS_E_LIMIT, "quá nhiều %s (tối đa %d)", "too many %s (at most %d)")                       \
  X(M_EXPR_PREFIX, ICS_OK, "biểu thức: ", "expression: ")                                                \
  X(M_UNKNOWN_FIELD, ICS_E_INVALID, "không có trường '%s'%s", "unknown field '%s'%s")                         \
  X(M_KEY_FIELD, ICS_E_INVALID, "trường khóa '%s' phải là trường text bắt buộc",                             \
    "the key field '%s' must be a required text field")                                       \
  X(M_CYCLE, ICS_E_INVALID, "các phép tính tạo thành vòng tròn: %s", "calculations form a cycle: %s")       \
  X(M_FILTER_CYCLE, ICS_E_INVALID,                                                             \
    "bộ lọc lựa chọn tạo thành vòng tròn: %s (danh sách lựa chọn không thể phụ thuộc vào "     \
    "chính câu trả lời của nó)",                                                               \
    "choice filters form a cycle: %s (a list of choices cannot depend on its own answer)")     \
  X(M_CARRY_KEY, ICS_E_INVALID,                                                                \
    "không mang trường khóa '%s' sang phiếu sau được: mỗi phiếu có khóa riêng",                \
    "the key field '%s' cannot be carried over: each record has its own key")                  \
  X(M_BAD_DEFAULT, ICS_E_INVALID, "giá trị mặc định không hợp lệ: %s", "invalid default: %s")               \
  X(M_GROUP_NESTED, ICS_E_INVALID, "nhóm không được lồng trong nhóm", "groups do not nest")                 \
  X(M_NOT_A_DEFINITION, ICS_E_INVALID,                                                                         \
    "không nhận ra loại định nghĩa (cần khóa 'form', 'register' hoặc 'targets')",              \
    "not a definition this program knows (expected a 'form', 'register' or 'targets' key)") \
  X(M_BAD_DISTRICT_CODE, ICS_E_INVALID, "mã huyện '%s' không hợp lệ: 1-16 chữ số",                          \
    "invalid district code '%s': 1-16 digits")                                                 \
  X(M_BAD_AGENCY_CODE, ICS_E_INVALID, "mã cơ quan '%s' không hợp lệ: 1-32 ký tự A-Z 0-9 -",                 \
    "invalid agency code '%s': 1-32 characters of A-Z 0-9 -")                                  \
  X(M_BAD_AGENCY_TYPE, ICS_E_INVALID, "loại cơ quan '%s' không hợp lệ (dept, district_pc)",                 \
    "invalid agency type '%s' (dept, district_pc)")                                           \
  X(M_UNKNOWN_DISTRICT, ICS_E_INVALID, "không có huyện mã '%s' trong danh mục",                              \
    "no district with code '%s' in the register")                                             \
  X(M_UNKNOWN_FORM, ICS_E_INVALID, "không có biểu mẫu '%s'%s", "unknown form '%s'%s")                         \
  X(M_BAD_MEASURE, ICS_E_INVALID, "cách tính '%s' không hợp lệ (records, sum, agencies, none)",             \
    "invalid measure '%s' (records, sum, agencies, none)")                                    \
  X(M_BAD_KIND, ICS_E_INVALID, "loại chỉ tiêu '%s' không hợp lệ (share, ratio)",                             \
    "invalid kind '%s' (share, ratio)")                                                        \
  X(M_BAD_YEAR, ICS_E_INVALID, "năm '%s' không hợp lệ (1900-2100)", "invalid year '%s' (1900-2100)")        \
  X(M_BAD_TARGET, ICS_E_INVALID,                                                                               \
    "chỉ tiêu '%s' không hợp lệ: viết TOÁN_TỬ GIÁ_TRỊ, ví dụ '>= 70%%' hoặc '<= 30'",          \
    "invalid target '%s': write OPERATOR VALUE, e.g. '>= 70%%' or '<= 30'")                   \
  X(M_NEEDS_KEY, ICS_E_INVALID, "cách tính %s cần khóa '%s'", "measure %s needs the key '%s'")              \
  X(M_KEY_NOT_FOR_MEASURE, ICS_E_INVALID, "khóa '%s' không dùng với cách tính %s",                          \
    "the key '%s' does not apply to measure %s")                                               \
  X(M_FIELD_NOT_NUMERIC, ICS_E_INVALID, "trường '%s' phải là số nguyên để cộng dồn",                          \
    "field '%s' must be an integer to be summed")                                              \
  X(M_LINK_FIELD, ICS_E_INVALID, "trường liên kết '%s' phải chọn từ danh mục cơ quan",                        \
    "the link field '%s' must take its choices from the agencies register") \
  X(M_EX_EMPTY, ICS_E_SYNTAX, "biểu thức rỗng", "the expression is empty")                                 \
  X(M_EX_TOO_LONG, ICS_E_LIMIT, "biểu thức quá dài (tối đa %d byte)", "the expression is too long (at most %d bytes)") \
  X(M_EX_TOO_DEEP, ICS_E_LIMIT, "biểu thức lồng quá %d cấp", "the expression nests deeper than %d levels") \
  X(M_EX_UNEXPECTED, ICS_E_SYNTAX, "không mong đợi '%.*s' ở đây", "unexpected '%.*s'")                      \
  X(M_EX_UNEXPECTED_END, ICS_E_SYNTAX, "biểu thức kết thúc đột ngột", "the expression ends too early")      \
  X(M_EX_EXPECTED, ICS_E_SYNTAX, "cần '%s' ở đây", "expected '%s'")                                        \
  X(M_EX_UNTERMINATED, ICS_E_SYNTAX, "chuỗi chưa đóng dấu nháy", "unterminated string")                   \
  X(M_EX_BAD_REF, ICS_E_INVALID, "tham chiếu trường phải có dạng ${tên}", "a field reference is written ${name}") \
  X(M_EX_UNKNOWN_FIELD, ICS_E_INVALID, "không có trường '%s'", "unknown field '%s'")                          \
  X(M_EX_DOT, ICS_E_INVALID, "'.' (câu trả lời hiện tại) chỉ dùng được trong constraint",                    \
    "'.' (the current answer) can only be used in a constraint")                              \
  X(M_EX_UNKNOWN_FUNCTION, ICS_E_INVALID, "không có hàm '%s'%s", "unknown function '%s'%s")                   \
  X(M_EX_ARITY, ICS_E_INVALID, "hàm %s() cần %d đối số", "%s() takes %d argument(s)")                        \
  X(M_EX_LITERAL_ARG, ICS_E_INVALID, "đối số thứ %d của %s() phải là một chuỗi cố định",                    \
    "argument %d of %s() must be a string literal")                                           \
  X(M_VALUE_UNKNOWN_CHOICE, ICS_E_UNKNOWN_CHOICE, "không có lựa chọn '%.*s'", "unknown choice '%.*s'") \
  X(M_VALUE_NOT_OFFERED, ICS_E_NOT_OFFERED, "'%s' không thuộc các lựa chọn của câu này",     \
    "'%s' is not among the choices this question offers")                                      \
  X(M_VALUE_NOT_OFFERED_FOR, ICS_E_NOT_OFFERED, "'%s' không phải lựa chọn dành cho %s",        \
    "'%s' is not offered for %s")                                                              \
  X(M_EX_UNKNOWN_ATTRIBUTE, ICS_E_INVALID,                                                     \
    "lựa chọn không có thuộc tính '%s' (trong choice_filter, tên viết trơn là thuộc tính "     \
    "của lựa chọn; câu trả lời viết ${tên})",                                                   \
    "the choices have no attribute '%s' (in a choice_filter a bare name is an attribute of "  \
    "the choice; an answer is written ${name})")                                              \
  X(M_EX_FILTER_SELF, ICS_E_INVALID,                                                           \
    "choice_filter không được dùng câu trả lời của chính trường '%s'",                         \
    "a choice_filter cannot use the answer of its own field '%s'")                             \
  X(M_EX_BAD_REGEX, ICS_E_SYNTAX, "biểu thức chính quy không hợp lệ: %s", "invalid regular expression: %s") \
  X(M_RE_BACKREFERENCE, ICS_E_SYNTAX,                                                                        \
    "không cho phép tham chiếu ngược (\\1 đến \\9): không thể so khớp chúng trong thời gian "  \
    "có giới hạn; hãy viết ra từng trường hợp",                                                \
    "back-references (\\1 to \\9) are not allowed: they cannot be matched in bounded time; "   \
    "write the alternatives out instead")                                                      \
  X(M_RE_UNMATCHED_PAREN, ICS_E_SYNTAX,                                                                      \
    "dấu '(' thiếu ')' đóng, hoặc dấu ')' không có '(' mở (viết \\( hoặc \\) để chỉ "          \
    "chính ký tự đó)",                                                                         \
    "a '(' has no closing ')', or a ')' no opening '(' (write \\( or \\) for the "             \
    "character itself)")                                                                       \
  X(M_RE_UNMATCHED_BRACKET, ICS_E_SYNTAX,                                                                    \
    "dấu '[' thiếu ']' đóng (viết \\[ để chỉ chính ký tự đó)",                                 \
    "a '[' has no closing ']' (write \\[ for the character itself)")                           \
  X(M_RE_BAD_RANGE, ICS_E_SYNTAX,                                                                            \
    "khoảng ký tự trong [...] phải đi từ ký tự nhỏ hơn đến ký tự lớn hơn, ví dụ [a-z] "        \
    "hoặc [0-9]",                                                                              \
    "a range in [...] must go from a lower character to a higher one, as in [a-z] or [0-9]")   \
  X(M_RE_BAD_CLASS, ICS_E_SYNTAX,                                                                            \
    "lớp ký tự không hợp lệ; các lớp có: [:alpha:] [:digit:] [:alnum:] [:upper:] [:lower:] "   \
    "[:space:] [:punct:] [:xdigit:] [:blank:] [:cntrl:] [:print:] [:graph:], viết trong "      \
    "[...]",                                                                                   \
    "unknown character class; the classes are [:alpha:] [:digit:] [:alnum:] [:upper:] "        \
    "[:lower:] [:space:] [:punct:] [:xdigit:] [:blank:] [:cntrl:] [:print:] [:graph:], "       \
    "written inside [...]")                                                                    \
  X(M_RE_NOTHING_TO_REPEAT, ICS_E_SYNTAX,                                                                    \
    "'*', '+', '?' hoặc {m,n} phải đứng sau một thành phần để lặp lại (viết \\*, \\+, "        \
    "\\? hoặc \\{ để chỉ chính ký tự đó)",                                                     \
    "'*', '+', '?' or {m,n} must follow something to repeat (write \\*, \\+, \\? or "          \
    "\\{ for the character itself)")                                                           \
  X(M_RE_BAD_REPEAT, ICS_E_SYNTAX,                                                                           \
    "số lần lặp viết là {m}, {m,} hoặc {m,n} với m <= n <= 255 (viết \\{ để chỉ chính "        \
    "ký tự đó)",                                                                               \
    "a repeat is written {m}, {m,} or {m,n} with m <= n <= 255 (write \\{ for the "            \
    "character itself)")                                                                       \
  X(M_RE_BAD_ESCAPE, ICS_E_SYNTAX,                                                                           \
    "sau dấu '\\' chỉ được là d D w W s S t n r hoặc một dấu câu (viết \\\\ để chỉ "           \
    "chính dấu '\\')",                                                                         \
    "a '\\' must be followed by d D w W s S t n r or a punctuation character (write "          \
    "\\\\ for the '\\' itself)")                                                               \
  X(M_RE_TOO_LARGE, ICS_E_LIMIT,                                                                            \
    "mẫu quá lớn: tối đa 2.000 trạng thái khi đã khai triển các lần lặp, "                     \
    "và 64 cấp ngoặc lồng nhau; hãy giảm số lần lặp",                                          \
    "the pattern is too large: at most 2,000 states once its repeats are written out, and "    \
    "64 levels of parentheses; use smaller repeat counts")                                     \
  X(M_EX_PULLDATA, ICS_E_INVALID, "pulldata() đọc 'agencies' (name, type, district) hoặc 'districts' (name), tra theo 'code'", \
    "pulldata() reads 'agencies' (name, type, district) or 'districts' (name), looked up by 'code'") \
  X(M_EX_BAD_NUMBER, ICS_E_SYNTAX, "số không hợp lệ '%.*s'", "invalid number '%.*s'") \
  X(M_EXPECTED_TEXT, ICS_E_INVALID, "%s phải là văn bản: {vi: ..., en: ...} hoặc một chuỗi",               \
    "%s must be a text: {vi: ..., en: ...} or a string")                                     \
  X(M_EMPTY_VALUE, ICS_E_INVALID, "%s rỗng", "%s is empty")                                                  \
  X(M_VERSION_SPACE, ICS_E_INVALID, "phiên bản '%s' không được chứa dấu cách", "the version '%s' must not contain spaces")                                                  \
  X(M_TOP_LEVEL, ICS_OK, "cấp ngoài cùng của tệp", "the top level of the file")                     \
  X(M_EACH_ITEM, ICS_OK, "mỗi mục", "each item")                                                      \
  X(M_TOO_LONG_VALUE, ICS_E_LIMIT, "'%s' quá dài (tối đa %d ký tự)", "'%s' is too long (at most %d characters)") \
  X(M_DIR_UNREADABLE, ICS_E_IO, "không đọc được thư mục định nghĩa", "cannot read the folder of definitions") \
  X(M_DIR_MISSING, ICS_E_NOT_FOUND, "thư mục định nghĩa phải có %s", "the folder of definitions must hold %s")  \
  X(M_DIR_TWICE, ICS_E_INVALID, "thư mục có hai %s: '%s' và '%s'", "the folder holds two %s: '%s' and '%s'")  \
  X(M_WHAT_FORMS, ICS_OK, "ít nhất một biểu mẫu", "at least one form")                                \
  X(M_WHAT_REGISTER, ICS_OK, "danh mục đơn vị (units.yaml)", "the unit register (units.yaml)")        \
  X(M_WHAT_TARGETS, ICS_OK, "tệp chỉ tiêu (targets.yaml)", "the targets file (targets.yaml)")         \
  X(M_WHAT_FORM_ID, ICS_OK, "biểu mẫu '%s'", "form '%s'")

typedef enum { ICS_MESSAGES(ICS_MESSAGE_ID) M_COUNT } schema_message;

extern const ics_message ics_schema_messages[M_COUNT];
/* A message of the table, for ics_error_say and ics_errors_say. */
#define MSG(id) (&ics_schema_messages[id])
/* The printf format of a message in a language (fragments of other messages). */
const char *ics_msg(schema_message id, ics_lang lang);

#endif
