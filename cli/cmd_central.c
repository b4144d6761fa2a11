/* cmd_central.c - the central office's commands: `merge`, `status` and `export`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "aggregator.h"
#include "cli.h"
#include "keys.h"
#include "kit.h"

static const char merge_vi[] =
    "Cách dùng: ictsurvey merge --db CSDL [--key central.key] [--require-sealed|--allow-unsealed]\n"
    "                           [--allow-unsigned] [--receipts THƯ_MỤC] [TỆP_GÓI...]\n"
    "\n"
    "Hợp nhất các tệp gói (bundle) vào cơ sở dữ liệu trung tâm (tạo mới nếu chưa có). Mỗi gói\n"
    "được kiểm tra toàn bộ rồi hợp nhất trọn vẹn hoặc không gì cả; gói đã hợp nhất thì bỏ qua.\n"
    "Gói hỏng bị từ chối, ghi vào bảng rejected và sao vào thư mục CSDL.quarantine/.\n"
    "Chữ ký của gói được kiểm tra; gói của một kho đã biết mà ký bằng khóa khác bị từ chối.\n"
    "Chỉ nhận bản ghi làm bằng biểu mẫu Sở đã công bố (ictsurvey kit; CSDL mới do lệnh này tạo\n"
    "thì có các định nghĩa kèm theo); định nghĩa và danh mục trong gói không bao giờ được dùng.\n"
    "\n"
    "  --key THƯ_MỤC/central.key   Khóa bí mật của Sở (ictsurvey keys init), để mở gói niêm\n"
    "                              phong; không có nó, gói niêm phong bị từ chối.\n"
    "  --require-sealed            Từ nay chỉ nhận gói đã niêm phong (ghi nhớ trong CSDL).\n"
    "  --allow-unsealed            Bỏ yêu cầu trên.\n"
    "  --allow-unsigned            Lần này nhận cả gói không có chữ ký (định dạng 1, của phiên bản\n"
    "                              rất cũ; ai cũng làm giả được): chỉ khi chắc chắn gói là thật.\n"
    "  --receipts THƯ_MỤC          Với mỗi kho có gói vừa hợp nhất (hay đã có từ trước), ghi\n"
    "                              THƯ_MỤC/MÃ_KHO.receipt: giấy biên nhận có chữ ký của Sở, liệt kê\n"
    "                              những gì Sở đang có của kho đó; gửi lại cho người khảo sát\n"
    "                              (collect receipt). Cần --key (khóa ký của Sở).\n"
    "\n"
    "Mã thoát: 0 mọi gói đã hợp nhất (hoặc đã có từ trước), 1 có gói bị từ chối, 2 dùng sai lệnh.\n";
static const char merge_en[] =
    "Usage: ictsurvey merge --db CENTRAL [--key central.key] [--require-sealed|--allow-unsealed]\n"
    "                       [--allow-unsigned] [--receipts DIR] [BUNDLE...]\n"
    "\n"
    "Merge bundles into the central database (created if absent). Each bundle is verified\n"
    "completely and merged whole or not at all; a bundle merged before is skipped. A damaged\n"
    "bundle is rejected, recorded in the table rejected and copied to CENTRAL.quarantine/.\n"
    "Signatures are verified; a bundle of a known store signed with another key is rejected.\n"
    "Only records of forms the office published are accepted (ictsurvey kit; a database this\n"
    "command creates has the shipped ones); a bundle's own definitions and register are never used.\n"
    "\n"
    "  --key DIR/central.key   The office's secret key (ictsurvey keys init), to open sealed\n"
    "                          bundles; without it they are rejected.\n"
    "  --require-sealed        From now on accept only sealed bundles (remembered in CENTRAL).\n"
    "  --allow-unsealed        Lift that requirement.\n"
    "  --allow-unsigned        For this run, accept unsigned bundles too (format 1, from very old\n"
    "                          collectors; anyone can forge one): only when sure they are genuine.\n"
    "  --receipts DIR          For every store with a bundle merged now (or merged before), write\n"
    "                          DIR/STORE_ID.receipt: a receipt signed by the office listing what it\n"
    "                          holds of that store; send it back to the surveyor (collect\n"
    "                          receipt). Needs --key (the office's signing key).\n"
    "\n"
    "Exit status: 0 every bundle merged (or merged before), 1 a bundle was rejected, 2 usage.\n";
static const char status_vi[] =
    "Cách dùng: ictsurvey status --db CSDL\n\n"
    "Mức độ đầy đủ của dữ liệu: số bản ghi theo biểu mẫu, đợt và huyện; cơ quan chưa gửi phiếu;\n"
    "tệp gói theo người khảo sát; xung đột, khóa trùng và gói bị từ chối.\n";
static const char status_en[] =
    "Usage: ictsurvey status --db CENTRAL\n\n"
    "Completeness at a glance: records per form, round and district; register agencies with no\n"
    "staff record; bundles per surveyor; conflicts, duplicated keys and rejected bundles.\n";
static const char export_vi[] =
    "Cách dùng: ictsurvey export --db CSDL --form BIỂU_MẪU -o TỆP.csv [--include-personal] [--force]\n\n"
    "Xuất bản ghi hiện hành của một biểu mẫu ra CSV (UTF-8, mở được bằng Excel), sắp theo khóa.\n"
    "Trường cá nhân (họ tên, năm sinh) chỉ xuất khi có --include-personal. -o - ghi ra màn hình.\n"
    "Không bao giờ ghi đè CSDL, kho dữ liệu, tệp gói hay tệp khóa, trừ khi có --force.\n";
static const char export_en[] =
    "Usage: ictsurvey export --db CENTRAL --form FORM -o FILE.csv [--include-personal] [--force]\n\n"
    "Write the current records of one form as CSV (UTF-8, opens in Excel), ordered by natural\n"
    "key then instance id. Personal fields (names, birth years) only with --include-personal.\n"
    "-o - writes to the screen. A database, store, bundle or key file is never overwritten\n"
    "unless --force is given.\n";

typedef struct {
  bool on_terminal;
  time_t start;
  size_t done, total;
} progress_state;

static void show_progress(void *ctx, const ics_merge_stats *stats) {
  progress_state *p = ctx;
  if (!p->on_terminal) return;
  double seconds = difftime(time(NULL), p->start);
  fprintf(stderr, cli_tr("\r%zu/%zu gói, %llu bản ghi, %.0f bản ghi/giây   ",
                         "\r%zu/%zu bundles, %llu records, %.0f records/s   "),
          p->done, p->total, (unsigned long long)stats->records_read,
          seconds > 0 ? (double)stats->records_read / seconds : 0.0);
  fflush(stderr);
}

void cli_note_upgraded(const char *db) {
  cli_note("'%s' được tạo trước khi có bộ biểu mẫu (kit) và vừa được nâng cấp: từ nay chỉ các "
           "định nghĩa kèm theo chương trình được coi là đã công bố; bản ghi làm bằng phiên bản khác "
           "vẫn được giữ nhưng không vào báo cáo (xem trang Chất lượng dữ liệu). Công bố định nghĩa "
           "của Sở bằng 'ictsurvey kit'.",
           "'%s' was made before survey kits and has been upgraded: from now on only the shipped "
           "definitions count as published; records made with other versions are kept but left out "
           "of reports (see the Data quality sheet). Publish the office's definitions with "
           "'ictsurvey kit'.",
           db);
}

/* The stores whose receipts a merge writes: each once, in the order their bundles came. */
typedef struct {
  char (*ids)[64];
  size_t count, cap;
} store_set;

static bool store_set_add(store_set *set, const char *id) {
  if (!*id) return true;
  for (size_t i = 0; i < set->count; i++)
    if (!strcmp(set->ids[i], id)) return true;
  if (set->count == set->cap) {
    size_t cap = set->cap ? 2 * set->cap : 16;
    char (*ids)[64] = ics_realloc(set->ids, cap * sizeof *ids);
    if (!ids) return false;
    set->ids = ids;
    set->cap = cap;
  }
  snprintf(set->ids[set->count++], 64, "%s", id);
  return true;
}

/* DIR/STORE_ID.receipt for each store: what the office holds of it, signed. 0, or -1 (said). */
static int write_receipts(ics_central *c, const char *db, const char *dir, const store_set *stores, const ics_office_secret *key) {
  if (!ics_path_is_dir(dir) && ics_make_dir(dir) != 0) {
    cli_error("không tạo được thư mục '%s' cho giấy biên nhận: %s", "cannot make the folder '%s' for the receipts: %s",
              dir, ics_errno_text(errno, cli_lang));
    return -1;
  }
  char now[21];
  ics_now_utc(now);
  int rc = 0;
  for (size_t i = 0; i < stores->count; i++) { /* one store's failure is no reason to skip the others */
    ics_error err = {0};
    ics_holdings h;
    char name[80];
    snprintf(name, sizeof name, "%s.receipt", stores->ids[i]);
    char *path = ics_path_join(dir, name);
    const char **bundles = NULL;
    ics_receipt_record *records = NULL;
    if (!path) {
      cli_out_of_memory();
      rc = -1;
    } else if (ics_central_holdings(c, stores->ids[i], &h, &err)) {
      cli_print_error(&err);
      rc = -1;
    } else {
      bundles = ics_calloc(h.bundle_count + 1, sizeof *bundles);
      records = ics_calloc(h.record_count + 1, sizeof *records);
      if (!bundles || !records) {
        cli_out_of_memory();
        rc = -1;
      } else {
        for (size_t k = 0; k < h.bundle_count; k++) bundles[k] = h.bundles[k];
        for (size_t k = 0; k < h.record_count; k++)
          records[k] = (ics_receipt_record){h.records[k].instance_id, h.records[k].revision};
        ics_receipt r = {.store_id = stores->ids[i], .created = now, .bundles = bundles,
                         .bundle_count = h.bundle_count, .records = records, .record_count = h.record_count};
        memcpy(r.signing_key, key->pub.signing, sizeof r.signing_key);
        const char *inputs[] = {db};
        if (cli_check_output(path, ICS_FILE_RECEIPT, false, inputs, 1)) {
          rc = -1;
        } else if (ics_receipt_write(path, &r, key->signing_secret, cli_lang, &err)) {
          ics_error_prefix(&err, "%s: ", path);
          cli_print_error(&err);
          rc = -1;
        } else {
          fprintf(stderr, cli_tr("Đã ghi giấy biên nhận '%s': %zu bản ghi, %zu gói của kho này.\n",
                                 "Wrote the receipt '%s': %zu records, %zu bundles of that store.\n"),
                  path, h.record_count, h.bundle_count);
        }
      }
      ics_holdings_free(&h);
    }
    ics_error_clear(&err);
    ics_free(bundles);
    ics_free(records);
    ics_free(path);
  }
  return rc;
}

int cmd_merge(int argc, char **argv) {
  const char *db = NULL, *key = NULL, *receipts = NULL;
  const char *files[4096];
  size_t count = 0;
  int require = -1; /* -1 unchanged, 1 --require-sealed, 0 --allow-unsealed */
  bool allow_unsigned = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, merge_vi, merge_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    static const char *const names[] = {"--db", "--key", "--receipts"};
    const char **const slots[] = {&db, &key, &receipts};
    r = cli_options_value(argc, argv, &i, names, slots, 3);
    if (r < 0) return EXIT_USAGE;
    if (r) continue;
    if (!strcmp(argv[i], "--allow-unsigned")) {
      allow_unsigned = true;
      continue;
    }
    if (!strcmp(argv[i], "--require-sealed") || !strcmp(argv[i], "--allow-unsealed")) {
      int wanted = argv[i][2] == 'r';
      if (require >= 0 && require != wanted) {
        cli_error("--require-sealed và --allow-unsealed loại trừ nhau",
                  "--require-sealed and --allow-unsealed exclude each other");
        return EXIT_USAGE;
      }
      require = wanted;
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1]) {
      cli_error("tùy chọn không hợp lệ '%s'", "unknown option '%s'", argv[i]);
      return EXIT_USAGE;
    }
    if (count == sizeof files / sizeof *files) {
      cli_error("quá nhiều tệp", "too many files");
      return EXIT_USAGE;
    }
    files[count++] = argv[i];
  }
  if (!db || (!count && require < 0)) {
    cli_error("cần --db CSDL và ít nhất một TỆP_GÓI (hoặc --require-sealed / --allow-unsealed)",
              "--db CENTRAL and at least one BUNDLE (or --require-sealed / --allow-unsealed) are required");
    return EXIT_USAGE;
  }
  for (size_t i = 0; i < count; i++)
    if (ics_same_file(files[i], db)) {
      cli_error("'%s' là chính cơ sở dữ liệu --db, không phải một tệp gói",
                "'%s' is the --db database itself, not a bundle", files[i]);
      return EXIT_FAIL;
    }
  if (receipts && !key) {
    cli_error("--receipts cần --key THƯ_MỤC/central.key: giấy biên nhận được ký bằng khóa của Sở",
              "--receipts needs --key DIR/central.key: receipts are signed with the office's key");
    return EXIT_USAGE;
  }
  ics_office_secret office = {0};
  if (receipts) {
    ics_error key_err = {0};
    if (ics_keys_read_office_secret(key, &office, cli_lang, &key_err)) {
      cli_print_error(&key_err);
      ics_error_clear(&key_err);
      return EXIT_FAIL;
    }
    if (!office.pub.can_sign) {
      ics_office_secret_wipe(&office);
      cli_error("%s chưa có khóa ký (do phiên bản cũ tạo ra): hãy chạy 'ictsurvey keys init --dir' với thư mục "
                "của nó để thêm khóa ký",
                "%s has no signing key (made by an older version): run 'ictsurvey keys init --dir' on its "
                "folder to add one",
                key);
      return EXIT_FAIL;
    }
  }
  unsigned char public_key[ICS_KEY_BYTES], secret_key[ICS_KEY_BYTES];
  ics_error key_err = {0};
  if (key && ics_keys_read_secret(key, public_key, secret_key, cli_lang, &key_err)) {
    /* ics_keys_read_secret wipes what it read */
    cli_print_error(&key_err);
    ics_error_clear(&key_err);
    ics_office_secret_wipe(&office);
    return EXIT_FAIL;
  }
  ics_error err = {0};
  char *shipped = cli_definitions_dir();
  ics_central_options options = {.initial_dir = shipped};
  ics_central *c = shipped ? ics_central_open(db, &options, cli_lang, &err) : NULL;
  if (!shipped) ics_error_no_memory(&err, cli_lang);
  ics_free(shipped);
  if (c && ics_central_upgraded(c)) cli_note_upgraded(db);
  if (c && key) ics_central_use_key(c, public_key, secret_key);
  if (c) ics_central_allow_unsigned(c, allow_unsigned);
  sodium_memzero(secret_key, sizeof secret_key);
  if (c && require >= 0 && ics_central_require_sealed(c, require == 1, &err)) {
    ics_central_close(c);
    c = NULL;
  }
  if (!c) {
    cli_print_error(&err);
    ics_error_clear(&err);
    ics_office_secret_wipe(&office);
    return EXIT_FAIL;
  }
  if (require >= 0)
    fprintf(stderr, require ? cli_tr("Từ nay '%s' chỉ nhận gói đã niêm phong.\n",
                                     "From now on '%s' accepts only sealed bundles.\n")
                            : cli_tr("'%s' lại nhận cả gói không niêm phong.\n",
                                     "'%s' accepts unsealed bundles again.\n"),
            db);
  ics_merge_stats stats = {0};
  progress_state p = {.on_terminal = ics_is_terminal(stderr), .start = time(NULL), .total = count};
  int status = EXIT_OK;
  store_set stores = {0};
  if (count > 1) ics_central_merge_begin(c);
  for (size_t i = 0; i < count; i++) {
    p.done = i;
    ics_merge_outcome o;
    int failed = ics_central_merge(c, files[i], &stats, show_progress, &p, &o, &err);
    if (!failed && receipts && !store_set_add(&stores, ics_central_merged_store(c))) {
      cli_out_of_memory();
      status = EXIT_FAIL;
    }
    if (p.on_terminal) fputs("\r", stderr);
    if (!failed && o == ICS_ALREADY_MERGED)
      cli_note("%s: đã hợp nhất trước đây, bỏ qua", "%s: merged before, skipped", files[i]);
    else if (failed && o == ICS_REJECTED)
      cli_note("%s: bị từ chối: %s", "%s: rejected: %s", files[i], err.message);
    else if (failed)
      cli_note("%s: chưa hợp nhất được: %s", "%s: not merged: %s", files[i], err.message);
    if (failed) status = EXIT_FAIL;
    ics_error_clear(&err);
    p.done = i + 1;
    show_progress(&p, &stats);
  }
  if (p.on_terminal) fputs("\n", stderr);
  if (count > 1 && ics_central_merge_end(c, &err)) { /* the merged bundles stay merged */
    cli_print_error(&err);
    ics_error_clear(&err);
    status = EXIT_FAIL;
  }
  fprintf(stderr,
          cli_tr("Gói: %llu hợp nhất, %llu đã có từ trước, %llu bị từ chối.\n"
                 "Bản ghi: %llu mới, %llu cập nhật, %llu không đổi, %llu hủy, %llu xung đột.\n",
                 "Bundles: %llu merged, %llu skipped as already merged, %llu rejected.\n"
                 "Records: %llu new, %llu updated, %llu unchanged, %llu voided, %llu conflicting.\n"),
          (unsigned long long)stats.bundles_merged, (unsigned long long)stats.bundles_skipped,
          (unsigned long long)stats.bundles_rejected, (unsigned long long)stats.records_new,
          (unsigned long long)stats.records_updated, (unsigned long long)stats.records_unchanged,
          (unsigned long long)stats.records_voided, (unsigned long long)stats.records_conflicting);
  if (receipts && write_receipts(c, db, receipts, &stores, &office)) status = EXIT_FAIL;
  ics_free(stores.ids);
  ics_office_secret_wipe(&office);
  ics_central_close(c);
  return status;
}

ics_central *cli_open_central(const char *db) {
  ics_error err = {0};
  char *shipped = cli_definitions_dir();
  ics_central_options options = {.initial_dir = shipped, .must_exist = true, .reading = true};
  ics_central *c = shipped ? ics_central_open(db, &options, cli_lang, &err) : NULL;
  if (!shipped) ics_error_no_memory(&err, cli_lang);
  ics_free(shipped);
  if (c && ics_central_upgraded(c)) cli_note_upgraded(db);
  if (!c) cli_print_error(&err);
  ics_error_clear(&err);
  return c;
}

int cmd_status(int argc, char **argv) {
  const char *db = NULL;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, status_vi, status_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    r = cli_option_value(argc, argv, &i, "--db", &db);
    if (r < 0) return EXIT_USAGE;
    if (!r) {
      cli_error("đối số không hợp lệ '%s'", "unexpected argument '%s'", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!db) {
    cli_error("cần --db CSDL", "--db CENTRAL is required");
    return EXIT_USAGE;
  }
  ics_central *c = cli_open_central(db);
  if (!c) return EXIT_FAIL;
  ics_error err = {0};
  int status = ics_central_status(c, stdout, &err) ? EXIT_FAIL : EXIT_OK;
  if (status) cli_print_error(&err);
  ics_error_clear(&err);
  ics_central_close(c);
  return status;
}

int cmd_export(int argc, char **argv) {
  const char *db = NULL, *form = NULL, *out = NULL;
  bool personal = false, force = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, export_vi, export_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    if (!strcmp(argv[i], "--include-personal")) {
      personal = true;
      continue;
    }
    if (!strcmp(argv[i], "--force")) {
      force = true;
      continue;
    }
    const char *const names[] = {"--db", "--form", "-o"};
    const char **const slots[] = {&db, &form, &out};
    r = cli_options_value(argc, argv, &i, names, slots, 3);
    if (r < 0) return EXIT_USAGE;
    bool matched = r == 1;
    if (!matched) {
      cli_error("đối số không hợp lệ '%s'", "unexpected argument '%s'", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!db || !form || !out) {
    cli_error("cần --db CSDL --form BIỂU_MẪU -o TỆP.csv", "--db CENTRAL --form FORM -o FILE.csv are required");
    return EXIT_USAGE;
  }
  const char *inputs[] = {db};
  if (strcmp(out, "-") && cli_check_output(out, ICS_FILE_OTHER, force, inputs, 1)) return EXIT_FAIL;
  ics_central *c = cli_open_central(db);
  if (!c) return EXIT_FAIL;
  ics_error err = {0};
  int status = ics_central_export_csv(c, form, out, personal, &err) ? EXIT_FAIL : EXIT_OK;
  if (status) cli_print_error(&err);
  ics_error_clear(&err);
  ics_central_close(c);
  return status;
}
