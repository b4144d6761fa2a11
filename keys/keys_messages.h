/* keys_messages.h (private) - every message of the key files (keys.c), in Vietnamese and
 * English, with its error code: X(ID, CODE, vi, en); the formats of one message take the same
 * arguments in both languages (tests/test_messages.c checks it). The messages of a key line
 * are said at the line's place (FILE:LINE:COLUMN), the others name the file or folder
 * themselves (docs/security.md quotes them). */
#ifndef ICS_KEYS_MESSAGES_H
#define ICS_KEYS_MESSAGES_H

#include "ics_common.h"

#define ICS_KEYS_MESSAGES(X)                                                                   \
  X(K_SODIUM, ICS_E_IO, "không khởi động được libsodium", "cannot initialise libsodium")        \
  /* reading: at a line of the file */                                                         \
  X(K_PUBLIC_GIVEN, ICS_E_KEY,                                                                 \
    "đây là khóa CÔNG KHAI (central.pub); lệnh này cần khóa bí mật central.key",              \
    "this is the PUBLIC key (central.pub); this command needs the secret key, central.key")   \
  X(K_SECRET_GIVEN, ICS_E_KEY,                                                                 \
    "đây là khóa BÍ MẬT (central.key), không bao giờ được rời văn phòng trung tâm; hãy dùng "  \
    "central.pub",                                                                             \
    "this is the SECRET key (central.key), which must never leave the central office; give "  \
    "central.pub")                                                                             \
  X(K_SEAL_LINE, ICS_E_SYNTAX, "cần một dòng '%s: x25519 KHÓA_HEX' và chỉ một",                \
    "expected one line '%s: x25519 HEXKEY' and only one")                                     \
  X(K_SIGN_LINE, ICS_E_SYNTAX, "cần nhiều nhất một dòng '%s: ed25519 KHÓA_HEX'",               \
    "expected at most one line '%s: ed25519 HEXKEY'")                                         \
  X(K_BAD_HEX, ICS_E_SYNTAX, "khóa phải là 64 chữ số hex (tệp bị sửa hoặc hỏng?)",             \
    "the key must be 64 hex digits (was the file edited or damaged?)")                        \
  /* reading: the file as a whole */                                                           \
  X(K_NOT_KEY_FILE, ICS_E_WRONG_KIND, "%s: không phải tệp khóa của ictsurvey (thiếu dòng '%s: …')", \
    "%s: not an ictsurvey key file (no '%s: …' line)")                                        \
  X(K_NOT_FOUND, ICS_E_NOT_FOUND, "%s: không có tệp khóa này", "%s: no such key file")          \
  X(K_NOT_REGULAR, ICS_E_NOT_REGULAR,                                                          \
    "%s: đây không phải một tệp thường (là thư mục, ống dẫn hay thiết bị); hãy chỉ ra chính "  \
    "tệp khóa",                                                                                \
    "%s: not a regular file (a folder, a pipe or a device); give the key file itself")        \
  X(K_TOO_LARGE, ICS_E_TOO_LARGE, "%s: quá lớn để là tệp khóa (%zu byte)",                     \
    "%s: too large to be a key file (%zu bytes)")                                             \
  X(K_CANNOT_READ, ICS_E_IO, "%s: không đọc được: %s", "%s: cannot read: %s")                  \
  X(K_OPEN_TO_OTHERS, ICS_E_REFUSED,                                                           \
    "%s: người dùng khác trên máy này cũng đọc được khóa bí mật (quyền %04o): không dùng nó. " \
    "Hãy chạy 'chmod 600 %s', rồi cân nhắc đổi khóa (docs/security.md)",                       \
    "%s: other users of this machine can read this secret key (mode %04o): it is not used. "   \
    "Run 'chmod 600 %s', then consider changing keys (docs/security.md)")                      \
  /* the same where files have access lists instead of mode bits (Windows) */                  \
  X(K_OPEN_TO_OTHERS_ACL, ICS_E_REFUSED,                                                       \
    "%s: người dùng khác trên máy này cũng đọc được khóa bí mật: không dùng nó. Hãy mở "       \
    "Properties (Thuộc tính) › Security (Bảo mật) của tệp, chỉ để lại tài khoản của bạn, rồi " \
    "cân nhắc đổi khóa (docs/security.md)",                                                    \
    "%s: other users of this PC can read this secret key: it is not used. In the file's "      \
    "Properties › Security, leave only your own account, then consider changing keys "         \
    "(docs/security.md)")                                                                      \
  /* keys init */                                                                              \
  X(K_CANNOT_MKDIR, ICS_E_IO, "không tạo được thư mục '%s': %s",                               \
    "cannot create the folder '%s': %s")                                                      \
  X(K_CANNOT_WRITE, ICS_E_IO, "không ghi được '%s': %s", "cannot write '%s': %s")              \
  X(K_ALREADY_THERE, ICS_E_EXISTS,                                                             \
    "'%s' đã có một cặp khóa; không thay thế nó (các gói đã niêm phong bằng khóa cũ sẽ không " \
    "mở được nữa). Muốn đổi khóa: tạo cặp mới ở thư mục khác (xem docs/security.md)",          \
    "'%s' already holds a key pair; it is not replaced (bundles sealed to the old key could "  \
    "no longer be opened). To change keys, make the new pair in another folder (see "          \
    "docs/security.md)")                                                                       \
  X(K_NOT_ONE_PAIR, ICS_E_KEY,                                                                 \
    "'%s': central.pub và central.key không phải cùng một cặp khóa (dấu vân tay khóa niêm "    \
    "phong: %s trong central.pub, %s theo central.key); không thay đổi gì. Hãy đặt vào thư "   \
    "mục đúng tệp central.pub của central.key này",                                            \
    "'%s': central.pub and central.key are not one key pair (sealing key fingerprints: %s in " \
    "central.pub, %s from central.key); nothing was changed. Put the central.pub that "        \
    "belongs to this central.key in the folder")                                               \
  X(K_PUB_SIGNS_ALONE, ICS_E_KEY,                                                              \
    "'%s': central.pub có khóa ký nhưng central.key không có (central.key bị thay bằng một "   \
    "bản cũ?); không thay đổi gì. Hãy khôi phục đúng central.key đi cùng central.pub này, "    \
    "hoặc tạo cặp mới ở thư mục khác (xem docs/security.md)",                                  \
    "'%s': central.pub has a signing key but central.key has none (was central.key replaced "  \
    "by an older copy?); nothing was changed. Restore the central.key that goes with this "    \
    "central.pub, or make a new pair in another folder (see docs/security.md)")               \
  X(K_APPEND_TOO_LARGE, ICS_E_LIMIT,                                                           \
    "%s: thêm khóa ký sẽ làm tệp lớn hơn mức cho phép của tệp khóa (%zu byte, tối đa %d): "    \
    "hãy xóa bớt dòng chú thích (#) rồi chạy lại keys init",                                   \
    "%s: with the signing key added it would be larger than a key file may be (%zu bytes, at " \
    "most %d): remove some comment (#) lines, then run keys init again")                      \
  /* said with the code of the failure it wraps */                                             \
  X(K_PUB_NOT_UPDATED, ICS_E_IO,                                                               \
    "%s (central.key đã có khóa ký: hãy chạy lại keys init để thêm nó vào central.pub)",       \
    "%s (central.key has its signing key already: run keys init again to add it to "           \
    "central.pub)")

#endif
