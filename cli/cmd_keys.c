/* cmd_keys.c - `ictsurvey keys init --dir DIR`: the central office makes its key pair once. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "keys.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey keys init --dir THƯ_MỤC\n"
    "\n"
    "Tạo cặp khóa của văn phòng trung tâm (làm một lần) trong THƯ_MỤC (quyền 0700):\n"
    "  central.pub   khóa công khai: gửi kèm biểu mẫu cho mọi người khảo sát\n"
    "                (ictsurvey collect init --central-key central.pub). Gói dữ liệu\n"
    "                niêm phong bằng khóa này thì chỉ văn phòng trung tâm mở được.\n"
    "  central.key   khóa bí mật (quyền 0600): để mở gói khi hợp nhất\n"
    "                (ictsurvey merge --key central.key). Không bao giờ gửi đi; hãy sao\n"
    "                lưu nó ở nơi an toàn: mất nó thì không mở được các gói đã niêm phong.\n"
    "Không ghi đè cặp khóa đã có. Đổi khóa: xem docs/security.md.\n"
    "\n"
    "  --lang vi|en   Ngôn ngữ (mặc định vi).\n";

static const char help_en[] =
    "Usage: ictsurvey keys init --dir DIR\n"
    "\n"
    "Make the central office's key pair (once) in DIR (mode 0700):\n"
    "  central.pub   the public key: send it with the forms to every surveyor\n"
    "                (ictsurvey collect init --central-key central.pub). Bundles sealed\n"
    "                to it can be opened only by the central office.\n"
    "  central.key   the secret key (mode 0600): opens bundles when merging\n"
    "                (ictsurvey merge --key central.key). Never send it anywhere; keep a\n"
    "                backup in a safe place: without it, sealed bundles cannot be opened.\n"
    "An existing key pair is never replaced. Changing keys: see docs/security.md.\n"
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
  char *error = NULL;
  if (ics_keys_init(dir, cli_lang, &error)) {
    cli_error("%s", "%s", cli_message(error));
    ics_free(error);
    return EXIT_FAIL;
  }
  char *pub = ics_path_join(dir, "central.pub");
  unsigned char key[ICS_KEY_BYTES];
  char fingerprint[ICS_FINGERPRINT_SIZE] = "?";
  if (pub && ics_keys_read_public(pub, key, cli_lang, &error) == 0)
    ics_key_fingerprint(key, fingerprint);
  ics_free(error);
  ics_free(pub);
  fprintf(stderr,
          cli_tr("Đã tạo cặp khóa trong '%s' (dấu vân tay %s):\n"
                 "  %s/central.pub  gửi cho người khảo sát: ictsurvey collect init --central-key central.pub\n"
                 "  %s/central.key  giữ tại văn phòng, sao lưu an toàn: ictsurvey merge --key %s/central.key\n",
                 "Made the key pair in '%s' (fingerprint %s):\n"
                 "  %s/central.pub  give it to surveyors: ictsurvey collect init --central-key central.pub\n"
                 "  %s/central.key  keep it in the office, backed up safely: ictsurvey merge --key %s/central.key\n"),
          dir, fingerprint, dir, dir, dir);
  /* an existing folder is kept as it is: whoever may write to it may replace the keys */
  if (ics_dir_open_to_others(dir))
    cli_note("Cảnh báo: người dùng khác có thể ghi vào thư mục '%s': họ có thể xóa khóa bí mật "
             "hoặc thay central.pub bằng khóa của họ. Hãy chuyển cặp khóa sang thư mục chỉ bạn "
             "ghi được, hoặc chạy 'chmod 700 %s'.",
             "Warning: other users can write to the folder '%s': they could delete the secret key "
             "or replace central.pub with a key of their own. Move the key pair to a folder only "
             "you can write to, or run 'chmod 700 %s'.",
             dir, dir);
  return EXIT_OK;
}
