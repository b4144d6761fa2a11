/* cmd_keys.c - `ictsurvey keys init --dir DIR`: the central office makes its keys once (the
 * sealing pair and the signing pair), or adds the signing pair to a folder of an older version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "keys.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey keys init --dir THƯ_MỤC\n"
    "\n"
    "Tạo các khóa của văn phòng trung tâm (làm một lần) trong THƯ_MỤC (quyền 0700):\n"
    "  central.pub   khóa công khai: người khảo sát nhận nó trong bộ biểu mẫu (kit)\n"
    "                hoặc kèm biểu mẫu (ictsurvey collect init --central-key central.pub).\n"
    "                Gói dữ liệu niêm phong bằng khóa này thì chỉ văn phòng trung tâm mở được.\n"
    "  central.key   khóa bí mật (quyền 0600): để mở gói khi hợp nhất\n"
    "                (ictsurvey merge --key central.key) và ký bộ biểu mẫu\n"
    "                (ictsurvey kit --key central.key). Không bao giờ gửi đi; hãy sao\n"
    "                lưu nó ở nơi an toàn: mất nó thì không mở được các gói đã niêm phong.\n"
    "Mỗi tệp có một dòng khóa niêm phong (X25519) và một dòng khóa ký (Ed25519). Dấu\n"
    "vân tay của Sở là dấu vân tay của khóa ký: người khảo sát đọc lại nó cho Sở qua\n"
    "điện thoại.\n"
    "Không ghi đè cặp khóa đã có. Thư mục do phiên bản cũ tạo (chưa có khóa ký) thì\n"
    "được thêm khóa ký; khóa niêm phong giữ nguyên. Đổi khóa: xem docs/security.md.\n"
    "\n"
    "  --lang vi|en   Ngôn ngữ (mặc định vi).\n";

static const char help_en[] =
    "Usage: ictsurvey keys init --dir DIR\n"
    "\n"
    "Make the central office's keys (once) in DIR (mode 0700):\n"
    "  central.pub   the public keys: surveyors get it inside the survey kit, or with\n"
    "                the forms (ictsurvey collect init --central-key central.pub).\n"
    "                Bundles sealed to it can be opened only by the central office.\n"
    "  central.key   the secret keys (mode 0600): opens bundles when merging\n"
    "                (ictsurvey merge --key central.key) and signs survey kits\n"
    "                (ictsurvey kit --key central.key). Never send it anywhere; keep a\n"
    "                backup in a safe place: without it, sealed bundles cannot be opened.\n"
    "Each file has a sealing key line (X25519) and a signing key line (Ed25519). The\n"
    "office fingerprint is the signing key's fingerprint: surveyors read it back to\n"
    "the office over the phone.\n"
    "An existing key pair is never replaced. A folder made by an older version (no\n"
    "signing key) gets the signing key added; its sealing keys stay as they are.\n"
    "Changing keys: see docs/security.md.\n"
    "\n"
    "  --lang vi|en   Language (default vi).\n";

int cmd_keys(int argc, char **argv) {
  const char *dir = NULL;
  bool init = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    r = cli_option_value(argc, argv, &i, "--dir", &dir);
    if (r < 0) return EXIT_USAGE;
    if (r == 1) continue;
    if (!strcmp(argv[i], "init") && !init) {
      init = true;
    } else {
      cli_error("đối số không hợp lệ '%s' (xem 'ictsurvey keys --help')",
                "unexpected argument '%s' (see 'ictsurvey keys --help')", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!init || !dir) {
    cli_error("cách dùng: ictsurvey keys init --dir THƯ_MỤC", "usage: ictsurvey keys init --dir DIR");
    return EXIT_USAGE;
  }
  ics_error err = {0};
  bool upgraded = false;
  if (ics_keys_init(dir, &upgraded, cli_lang, &err)) {
    cli_print_error(&err);
    ics_error_clear(&err);
    return EXIT_FAIL;
  }
  /* the fingerprints shown come from the file as written ("?" if it cannot be read back) */
  char *pub = ics_path_join(dir, "central.pub"), *key = ics_path_join(dir, "central.key");
  if (!pub || !key) {
    ics_free(pub);
    ics_free(key);
    cli_out_of_memory();
    return EXIT_FAIL;
  }
  ics_office_public office = {.can_sign = false};
  char fingerprint[ICS_FINGERPRINT_SIZE] = "?";
  if (ics_keys_read_office_public(pub, &office, cli_lang, NULL) == 0)
    ics_key_fingerprint(office.seal, fingerprint);
  if (upgraded)
    cli_note("Đã thêm khóa ký của Sở vào '%s' (để ký bộ biểu mẫu: ictsurvey kit --key %s); "
             "khóa niêm phong giữ nguyên như cũ (dấu vân tay khóa niêm phong %s).",
             "Added the office's signing key to '%s' (it signs survey kits: ictsurvey kit --key "
             "%s); the sealing keys were left as they were (sealing key fingerprint %s).",
             dir, key, fingerprint);
  else
    fprintf(stderr,
            cli_tr("Đã tạo các khóa trong '%s' (dấu vân tay khóa niêm phong %s):\n"
                   "  %s  cho người khảo sát (có sẵn trong bộ biểu mẫu): ictsurvey collect init --central-key central.pub\n"
                   "  %s  giữ tại văn phòng, sao lưu an toàn: ictsurvey merge --key %s\n"
                   "                  và ký bộ biểu mẫu: ictsurvey kit --key %s\n",
                   "Made the keys in '%s' (sealing key fingerprint %s):\n"
                   "  %s  for surveyors (it is inside the survey kit): ictsurvey collect init --central-key central.pub\n"
                   "  %s  keep it in the office, backed up safely: ictsurvey merge --key %s\n"
                   "                  and to sign survey kits: ictsurvey kit --key %s\n"),
            dir, fingerprint, pub, key, key, key);
  ics_free(pub);
  ics_free(key);
  if (office.can_sign) cli_office_fingerprint(office.signing);
  /* an existing folder is kept as it is: whoever may write to it may replace the keys */
  if (ics_dir_open_to_others(dir))
    cli_note("Cảnh báo: người dùng khác có thể ghi vào thư mục '%s': họ có thể xóa khóa bí mật "
             "hoặc thay central.pub bằng khóa của họ. Hãy chuyển cặp khóa sang thư mục chỉ bạn "
             "ghi được, hoặc chạy 'chmod 700 %s' (Windows: trong Properties › Security của thư mục, "
             "chỉ để lại tài khoản của bạn).",
             "Warning: other users can write to the folder '%s': they could delete the secret key "
             "or replace central.pub with a key of their own. Move the key pair to a folder only "
             "you can write to, or run 'chmod 700 %s' (Windows: in the folder's Properties › "
             "Security, leave only your own account).",
             dir, dir);
  return EXIT_OK;
}
