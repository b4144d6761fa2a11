/* collector_messages.h (private) - every message of the collector store, its setup, kit
 * adoption, imports and the wizard, in Vietnamese and English, with its error code:
 * X(ID, CODE, vi, en); formats of one message take the same arguments in both languages
 * (tests/test_messages.c checks it). The answers-file reader has its own table
 * (answers_messages.h). */
#ifndef ICS_COLLECTOR_MESSAGES_H
#define ICS_COLLECTOR_MESSAGES_H

#include "ics_common.h"

#define ICS_COLLECTOR_MESSAGES(X)                                                               \
  /* the database under the store */                                                          \
  X(C_DISK_FULL, ICS_E_DISK_FULL, "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi thử lại",          \
    "the disk is full: free some space and try again")                                         \
  X(C_BUSY, ICS_E_BUSY, "kho dữ liệu đang được chương trình khác dùng; hãy thử lại sau",         \
    "the store is in use by another program; try again later")                                 \
  X(C_NOT_A_DATABASE, ICS_E_DAMAGED, "tệp không phải kho dữ liệu của ictsurvey hoặc đã hỏng (%s)", \
    "the file is not an ictsurvey store or is damaged (%s)")                                   \
  X(C_DISK_IO, ICS_E_IO, "không ghi hoặc đọc được đĩa (đĩa đầy hay đã bị rút ra?): %s",          \
    "the disk could not be written or read (is it full, or removed?): %s")                     \
  X(C_DATABASE, ICS_E_DATABASE, "lỗi cơ sở dữ liệu: %s", "database error: %s")                    \
  /* creating and opening */                                                                   \
  X(C_EXISTS, ICS_E_EXISTS, "'%s' đã có; chọn tên khác cho kho dữ liệu mới",                     \
    "'%s' already exists; choose another name for the new store")                              \
  X(C_CANNOT_CREATE, ICS_E_IO, "không tạo được kho dữ liệu '%s': %s",                            \
    "cannot create the store '%s': %s")                                                        \
  X(C_CANNOT_OPEN, ICS_E_IO, "không mở được kho dữ liệu '%s': %s", "cannot open the store '%s': %s") \
  X(C_OPEN_NO_MEMORY, ICS_E_NO_MEMORY, "không mở được kho dữ liệu '%s': không đủ bộ nhớ",        \
    "cannot open the store '%s': out of memory")                                               \
  X(C_NO_STORE, ICS_E_NOT_FOUND, "không có kho dữ liệu '%s'; tạo bằng 'ictsurvey collect init'", \
    "no store '%s'; create one with 'ictsurvey collect init'")                                 \
  X(C_NOT_A_STORE, ICS_E_WRONG_KIND, "'%s' không phải kho dữ liệu của ictsurvey",               \
    "'%s' is not an ictsurvey store")                                                          \
  X(C_OTHER_KIND, ICS_E_WRONG_KIND, "'%s' là %s, không phải kho dữ liệu của người khảo sát",     \
    "'%s' is %s, not a surveyor's store")                                                      \
  X(C_NEWER, ICS_E_UNSUPPORTED,                                                                 \
    "kho dữ liệu do phiên bản ictsurvey mới hơn tạo; hãy cập nhật chương trình",                \
    "the store was made by a newer ictsurvey; update the program")                             \
  X(C_STORE_DAMAGED, ICS_E_DAMAGED, "kho dữ liệu '%s' bị hỏng: %s", "the store '%s' is damaged: %s") \
  X(C_FORM_TWICE, ICS_E_INVALID, "hai tệp cùng định nghĩa biểu mẫu '%s'",                       \
    "two files define the form '%s'")                                                          \
  X(C_FORM_INVALID, ICS_E_INVALID, "biểu mẫu '%s' không hợp lệ", "the form '%s' is not valid")  \
  /* keys kept in the store */                                                                 \
  X(C_SODIUM, ICS_E_IO, "không khởi động được libsodium", "cannot initialise libsodium")          \
  X(C_KEY_DAMAGED, ICS_E_DAMAGED, "khóa '%s' trong kho dữ liệu bị hỏng",                         \
    "the key '%s' in the store is damaged")                                                    \
  X(C_NOT_PRIVATE, ICS_E_PERMISSION, "không giới hạn được quyền đọc kho '%s': %s",              \
    "cannot make the store '%s' private to its owner: %s")                                     \
  /* records */                                                                                \
  X(C_NO_RECORD, ICS_E_NOT_FOUND, "không có bản ghi '%s' trong kho (xem 'collect list')",        \
    "no record '%s' in the store (see 'collect list')")                                        \
  X(C_RECORD_UNREADABLE, ICS_E_DAMAGED, "không đọc được bản ghi '%s'", "cannot read the record '%s'") \
  X(C_RECORD_DAMAGED, ICS_E_DAMAGED, "bản ghi '%s' bị hỏng trong kho",                          \
    "the record '%s' is damaged in the store")                                                 \
  X(C_RECORD_VOID, ICS_E_STATE, "bản ghi %s đã bị hủy (void)", "the record %s is void")         \
  X(C_KEY_TWO_FORMS, ICS_E_CONFLICT,                                                            \
    "có bản ghi mang khóa '%s' ở hai biểu mẫu ('%s' và '%s'): hãy chỉ rõ bằng --form BIỂU_MẪU", \
    "records of two forms have the key '%s' ('%s' and '%s'): say which with --form FORM")      \
  X(C_NOT_VOID, ICS_E_STATE, "bản ghi %s không bị hủy: không có gì để khôi phục",               \
    "the record %s is not void: there is nothing to restore")                                  \
  X(C_VOID_EXPORTED, ICS_E_REFUSED,                                                             \
    "việc hủy bản ghi %s đã được xuất gửi Sở: không khôi phục được nữa; nếu cần, "    \
    "hãy nhập lại bản ghi đó (collect fill)",                                                  \
    "the void of the record %s was already exported for the office: it can no longer "   \
    "be undone; enter the record again if need be (collect fill)")                      \
  /* exports */                                                                                \
  X(C_EXPORT_DRAFTS_ONLY, ICS_E_STATE,                                                          \
    "chưa xuất gì: kho chưa có bản ghi nào hoàn tất, chỉ có %llu phiếu nháp; hãy hoàn tất "     \
    "chúng trước (collect fill BIỂU_MẪU để làm tiếp, hoặc collect edit) rồi xuất lại",          \
    "nothing exported: no record of the store is finalized, it has only %llu drafts; finalize " \
    "them first (collect fill FORM to resume, or collect edit) and export again")              \
  X(C_EXPORT_EMPTY, ICS_E_STATE,                                                                \
    "chưa xuất gì: kho chưa có bản ghi nào; nếu thật sự cần gửi Sở một gói rỗng, hãy thêm "      \
    "--allow-empty",                                                                           \
    "nothing exported: the store has no record yet; to send the office an empty bundle all "   \
    "the same, add --allow-empty")                                                             \
  /* a store from a folder of definitions or from a kit */                                     \
  X(C_FORMS_FOLDER, ICS_E_IO, "không đọc được thư mục biểu mẫu '%s'",                           \
    "cannot read the forms folder '%s'")                                                       \
  X(C_DEFINITIONS_ERRORS, ICS_E_INVALID, "các định nghĩa trong '%s' có lỗi (xem trên)",         \
    "the definitions in '%s' have errors (see above)")                                         \
  X(C_DEFINITIONS_MISSING, ICS_E_INVALID,                                                       \
    "thư mục '%s' phải có các biểu mẫu và danh mục đơn vị (units.yaml)",                        \
    "the folder '%s' must hold the forms and the unit register (units.yaml)")                  \
  X(C_KIT_ROUND_OPTION, ICS_E_INVALID, "bộ biểu mẫu dành cho đợt %d, không phải %d: hãy bỏ --round", \
    "the kit is for round %d, not %d: leave out --round")                                      \
  /* adopting a newer kit */                                                                   \
  X(C_KIT_OTHER_OFFICE, ICS_E_KEY,                                                              \
    "bộ biểu mẫu này được ký bằng khóa %s, không phải khóa của Sở mà kho này biết (%s): "       \
    "không dùng nó. Hãy gọi Sở để xác nhận; Sở đổi khóa thì gửi một bộ ký bằng khóa cũ",        \
    "this kit is signed with the key %s, not the office key this store knows (%s): it is "     \
    "not used. Call the office to check; when the office changes keys it sends a kit "         \
    "signed with the old one")                                                                 \
  X(C_KIT_OTHER_ROUND, ICS_E_REFUSED,                                                           \
    "bộ biểu mẫu này dành cho đợt %d, còn kho thuộc đợt %d: đợt mới thì tạo kho mới "          \
    "(ictsurvey collect init --kit)",                                                          \
    "this kit is for round %d and the store is of round %d: a new round needs a new "          \
    "store (ictsurvey collect init --kit)")                                                    \
  X(C_KIT_NOT_NEWER, ICS_E_REFUSED,                                                             \
    "bộ biểu mẫu này (số %llu) không mới hơn bộ kho đang dùng (số %llu): không thay đổi gì",   \
    "this kit (number %llu) is not newer than the store's (number %llu): nothing changed")     \
  /* importing an answers file */                                                              \
  X(C_EXPORT_NOTHING_PENDING, ICS_E_STATE,                                                      \
    "chưa xuất gì: theo giấy biên nhận, Sở đã có mọi bản ghi đã hoàn tất hoặc đã hủy của kho "  \
    "(%llu phiếu nháp chờ hoàn tất hoặc xác nhận); xuất không có --pending thì gửi lại tất cả", \
    "nothing exported: by its receipts, the office holds every finalized or void record of "   \
    "the store (%llu drafts wait to be finalized or confirmed); an export without --pending "  \
    "sends everything again")                                                                  \
  X(C_RECEIPT_OTHER_OFFICE, ICS_E_KEY,                                                          \
    "giấy biên nhận này được ký bằng khóa %s, không phải khóa của Sở mà kho này biết (%s): "    \
    "không dùng nó",                                                                           \
    "this receipt is signed with the key %s, not the office key this store knows (%s): it "    \
    "is not used")                                                                             \
  X(C_RECEIPT_NO_OFFICE, ICS_E_KEY,                                                             \
    "kho này không làm từ bộ biểu mẫu của Sở nên không biết khóa ký của Sở: không kiểm tra "    \
    "được giấy biên nhận (hãy cập nhật kho bằng collect update --kit)",                         \
    "this store was not made from the office's kit, so it does not know the office's "        \
    "signing key: the receipt cannot be checked (update the store with collect update --kit)") \
  X(C_RECEIPT_OTHER_STORE, ICS_E_REFUSED,                                                       \
    "giấy biên nhận này dành cho kho %s, không phải kho này (%s): không dùng nó",               \
    "this receipt is for the store %s, not this one (%s): it is not used")                     \
  X(C_KIT_OTHER_STORE, ICS_E_REFUSED,                                                           \
    "bộ biểu mẫu này mang bản ghi của đợt trước dành riêng cho kho %s, không phải kho này "     \
    "(%s): không dùng nó",                                                                     \
    "this kit carries an earlier round's records for the store %s only, not this one (%s): "   \
    "it is not used")                                                                          \
  X(C_KIT_PREFILL_ROUND, ICS_E_REFUSED,                                                         \
    "bộ biểu mẫu này mang bản ghi của đợt %d sang đợt %d, còn kho thuộc đợt %d: không dùng nó", \
    "this kit carries records of round %d into round %d, and the store is of round %d: it "    \
    "is not used")                                                                             \
  X(C_KIT_PREFILL_INIT, ICS_E_REFUSED,                                                          \
    "bộ biểu mẫu này mang bản ghi của đợt %d dành riêng cho kho %s: hãy dùng nó với kho đó "    \
    "(ictsurvey collect update --store KHO --kit TỆP.kit), không tạo kho mới từ nó",            \
    "this kit carries round %d's records for the store %s only: use it with that store "       \
    "(ictsurvey collect update --store STORE --kit FILE.kit), not to make a new store")        \
  X(C_RECORD_EARLIER_ROUND, ICS_E_STATE,                                                        \
    "bản ghi %s thuộc đợt %d, đợt kho đã khép lại (kho đang ở đợt %d): nó được giữ nguyên như "  \
    "Sở đang có; hãy sửa bản mang sang của nó trong đợt này",                                  \
    "the record %s is of round %d, which the store has closed (it is in round %d now): it is " \
    "kept as the office has it; change its carried-over copy in this round instead")          \
  X(C_KIT_DRAFTS_LEFT, ICS_E_STATE,                                                             \
    "kho còn %llu phiếu nháp của đợt %d: sang đợt mới thì chúng không bao giờ được gửi đi. Hãy " \
    "hoàn tất hoặc hủy chúng trước (collect list), rồi dùng lại bộ biểu mẫu này",               \
    "the store has %llu drafts of round %d left: in the new round they would never be sent. "   \
    "Finalize or void them first (collect list), then use this kit again")                     \
  X(C_IMPORT_REFUSED, ICS_E_INVALID,                                                            \
    "Không lưu bản ghi nào của '%s': hãy sửa các lỗi trên rồi nhập lại.",                       \
    "Nothing of '%s' was stored: correct the errors above and import again.")

#endif
