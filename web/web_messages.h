/* web_messages.h (private) - every message of the web server, in Vietnamese and English,
 * with its error code: X(ID, CODE, vi, en); the formats of one message take the same
 * arguments in both languages (tests/test_messages.c checks it). */
#ifndef ICS_WEB_MESSAGES_H
#define ICS_WEB_MESSAGES_H

#include "ics_common.h"

#define ICS_WEB_MESSAGES(X)                                                                     \
  X(W_CANNOT_START, ICS_E_IO,                                                                   \
    "không mở được máy chủ web trên 127.0.0.1:%u (cổng này đang có chương trình khác dùng?); "   \
    "hãy thử cổng khác với --port, hoặc bỏ --port",                                            \
    "cannot start the web server on 127.0.0.1:%u (is another program using that port?); "      \
    "try another --port, or none")                                                             \
  X(W_KEY_TAKEN, ICS_E_CONFLICT,                                                                \
    "đã có một phiếu khác với mã '%s'; hãy kiểm tra lại mã, hoặc mở phiếu đó ở trang chính",    \
    "another record has the key '%s' already; check the key, or open that record from the "    \
    "home page")                                                                               \
  X(W_NO_RANDOM, ICS_E_IO, "không khởi tạo được bộ sinh số ngẫu nhiên (libsodium)",             \
    "cannot start the random number generator (libsodium)")

enum {
  ICS_WEB_MESSAGES(ICS_MESSAGE_ID)
  W_MESSAGE_COUNT
};

extern const ics_message ics_web_messages[];
#define WMSG(id) (&ics_web_messages[id])

#endif
