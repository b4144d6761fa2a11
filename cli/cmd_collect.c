/* cmd_collect.c - `ictsurvey collect init|update|set-key|fill|edit|confirm|void|unvoid|list|status|
 *               export|receipt|template`:
 * the surveyor's side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers_file.h"
#include "cli.h"
#include "collector.h"
#include "keys.h"
#include "kit.h"

/* The subcommands in the order `collect --help` lists them; `collect SUB --help` shows one. */
enum { SUB_INIT, SUB_UPDATE, SUB_SET_KEY, SUB_FILL, SUB_EDIT, SUB_CONFIRM, SUB_VOID, SUB_UNVOID,
       SUB_LIST, SUB_STATUS, SUB_EXPORT, SUB_RECEIPT, SUB_TEMPLATE, SUB_COUNT };

static const struct {
  const char *name;
  const char *vi, *en; /* its usage lines and what it does */
} subcommands[SUB_COUNT] = {
    [SUB_INIT] = {"init",
        "  init   --store KHO --site NƠI --surveyor TÊN --kit TỆP.kit\n"
        "         Tạo kho dữ liệu mới (một tệp) từ bộ biểu mẫu (kit) Sở gửi: biểu mẫu, danh\n"
        "         mục đơn vị, đợt khảo sát và khóa của Sở. Chữ ký của Sở được kiểm tra; hãy đọc\n"
        "         dấu vân tay in ra cho Sở qua điện thoại. Các gói xuất ra được niêm phong.\n"
        "  init   --store KHO --site NƠI --surveyor TÊN [--round NĂM] [--forms THƯ_MỤC]\n"
        "         [--central-key central.pub]\n"
        "         Chỉ để thử biểu mẫu: Sở không nhận gói của kho này nếu chưa công bố đúng các\n"
        "         định nghĩa đó. Đợt mặc định là năm hiện tại.\n",
        "  init   --store STORE --site SITE --surveyor NAME --kit FILE.kit\n"
        "         Create a new store (one file) from the office's survey kit: its forms, unit\n"
        "         register, round and keys. The office's signature is checked; read the\n"
        "         fingerprint it prints back to the office over the phone. Exports are sealed.\n"
        "  init   --store STORE --site SITE --surveyor NAME [--round YEAR] [--forms DIR]\n"
        "         [--central-key central.pub]\n"
        "         For trying out forms only: the office merges nothing such a store sends unless\n"
        "         it published those exact definitions. The round defaults to the current year.\n"},
    [SUB_UPDATE] = {"update",
        "  update --store KHO --kit TỆP.kit\n"
        "         Dùng bộ biểu mẫu mới hơn của cùng Sở (phiên bản biểu mẫu mới, danh mục đổi,\n"
        "         Sở đổi khóa) giữa đợt; các bản ghi đã có được giữ nguyên. Bộ biểu mẫu Sở làm\n"
        "         riêng cho kho này (kit --prefill) chuyển kho sang đợt mới và mang sang các\n"
        "         bản ghi của đợt trước thành phiếu nháp: xác nhận từng phiếu (collect confirm),\n"
        "         sửa phiếu có thay đổi, hủy người đã chuyển đi, thêm người mới đến.\n",
        "  update --store STORE --kit FILE.kit\n"
        "         Adopt a newer kit of the same office mid-round (new form versions, register\n"
        "         changes, a change of office key); records already stored are kept. A kit the\n"
        "         office made for this store (kit --prefill) moves it to the next round and\n"
        "         carries the last round's records over as drafts: confirm each unchanged one\n"
        "         (collect confirm), edit what changed, void who left, add who came.\n"},
    [SUB_SET_KEY] = {"set-key",
        "  set-key --store KHO --central-key central.pub\n"
        "         Dùng khóa công khai mới của Sở cho các lần xuất sau (khi Sở đổi khóa).\n",
        "  set-key --store STORE --central-key central.pub\n"
        "         Seal later exports to the office's new public key (when the office changes keys).\n"},
    [SUB_FILL] = {"fill",
        "  fill   --store KHO BIỂU_MẪU [--answers TỆP] [--draft] [--encoding BẢNG_MÃ]\n"
        "         Không có --answers: điền phiếu từng câu một; chọn làm tiếp một phiếu nháp\n"
        "         hoặc nhập phiếu mới, rồi phiếu tiếp theo; stdout in mã các bản ghi đã lưu.\n"
        "         Có --answers: nhập mọi bản ghi của TỆP (YAML, .xlsx của Excel, .csv hay\n"
        "         .txt); có lỗi thì không lưu bản ghi nào; người đã có trong kho (cùng khóa)\n"
        "         được cập nhật; stdout in mã của mọi bản ghi trong tệp. --encoding: bảng mã\n"
        "         của tệp CSV không có BOM (utf-8, utf-16, windows-1258, windows-1252).\n",
        "  fill   --store STORE FORM [--answers FILE] [--draft] [--encoding ENC]\n"
        "         Without --answers: the question-by-question wizard: continue a draft or\n"
        "         start a new record, then the next; stdout lists the records stored.\n"
        "         With --answers: import every record of FILE (YAML, an Excel .xlsx, .csv or\n"
        "         .txt); on any error nothing is stored; a record of the store with the same\n"
        "         key is updated; stdout lists the ids of the file's records. --encoding:\n"
        "         a CSV file's encoding without a BOM (utf-8, utf-16, windows-1258, -1252).\n"},
    [SUB_EDIT] = {"edit",
        "  edit   --store KHO MÃ_BẢN_GHI|KHÓA [--form BIỂU_MẪU] [--answers TỆP]\n"
        "         Sửa một bản ghi (lần sửa + 1), gọi bằng mã bản ghi hoặc khóa (ví dụ mã cán bộ).\n",
        "  edit   --store STORE INSTANCE_ID|KEY [--form FORM] [--answers FILE]\n"
        "         Change a record (revision + 1), named by its instance id or its key (e.g. the\n"
        "         staff code).\n"},
    [SUB_CONFIRM] = {"confirm",
        "  confirm --store KHO MÃ_BẢN_GHI|KHÓA|--all [--form BIỂU_MẪU]\n"
        "         Xác nhận phiếu mang sang từ đợt trước vẫn đúng như cũ: phiếu được hoàn tất\n"
        "         (nếu đủ và hợp lệ) và sẽ được gửi ở lần xuất sau. --all: mọi phiếu mang sang\n"
        "         chưa xác nhận (phiếu còn thiếu hay sai thì được giữ lại, kèm lý do).\n",
        "  confirm --store STORE INSTANCE_ID|KEY|--all [--form FORM]\n"
        "         Confirm that a record carried over from the last round is unchanged: it is\n"
        "         finalized (when complete and valid) and goes with the next export. --all:\n"
        "         every carried-over record not confirmed yet (incomplete ones are left, with why).\n"},
    [SUB_VOID] = {"void",
        "  void   --store KHO MÃ_BẢN_GHI|KHÓA [--form BIỂU_MẪU] [--yes]\n"
        "         Hủy một bản ghi nhập nhầm (không xóa gì); hỏi lại trước khi hủy, trừ khi có\n"
        "         --yes (-y), bắt buộc khi lệnh không chạy trên màn hình (trong tập lệnh).\n",
        "  void   --store STORE INSTANCE_ID|KEY [--form FORM] [--yes]\n"
        "         Withdraw a record entered by mistake (nothing is deleted); asks first unless\n"
        "         --yes (-y) is given, which scripts (no terminal) must give.\n"},
    [SUB_UNVOID] = {"unvoid",
        "  unvoid --store KHO MÃ_BẢN_GHI|KHÓA [--form BIỂU_MẪU]\n"
        "         Khôi phục bản ghi đã hủy về trạng thái trước khi hủy (lần sửa + 1); chỉ được\n"
        "         khi việc hủy chưa được xuất gửi Sở.\n",
        "  unvoid --store STORE INSTANCE_ID|KEY [--form FORM]\n"
        "         Restore a void record to its status before the void (revision + 1); only\n"
        "         until the void has been exported for the office.\n"},
    [SUB_LIST] = {"list",
        "  list   --store KHO [--tsv]\n"
        "         Liệt kê bản ghi. Trên màn hình: một bảng, phiếu nháp trước. Trong tập lệnh\n"
        "         (stdout không phải màn hình) hoặc với --tsv: mỗi bản ghi một dòng, cách nhau\n"
        "         bởi tab, không có dòng tiêu đề: mã, biểu mẫu, khóa, lần sửa, trạng thái\n"
        "         (draft, finalized, void), thời điểm sửa, tên bản ghi. Bảng còn cho biết Sở\n"
        "         đã có từng bản ghi chưa (theo giấy biên nhận). Chỉ bản ghi của đợt hiện tại.\n",
        "  list   --store STORE [--tsv]\n"
        "         List the records. On a terminal: a table, drafts first. For scripts (stdout\n"
        "         not a terminal) or with --tsv: one line per record, tab-separated, no header:\n"
        "         instance_id, form, natural key, revision, status (draft, finalized, void),\n"
        "         updated_at, the record's title. The table also says whether the office has\n"
        "         each record (by its receipts). Only the store's round.\n"},
    [SUB_STATUS] = {"status",
        "  status --store KHO\n"
        "         Tình hình của kho: số phiếu nháp, hoàn tất, đã hủy; Sở đã nhận bao nhiêu (theo\n"
        "         giấy biên nhận), còn bao nhiêu chưa gửi; phiếu mang sang chưa xác nhận.\n",
        "  status --store STORE\n"
        "         Where the store stands: drafts, finalized and void records; how many the office\n"
        "         has (by its receipts) and how many it still lacks; carried-over records to confirm.\n"},
    [SUB_EXPORT] = {"export",
        "  export --store KHO -o TỆP_GÓI [--allow-empty]\n"
        "         Xuất mọi bản ghi đã hoàn tất hoặc đã hủy, có chữ ký của kho (và niêm phong\n"
        "         nếu kho có khóa của Sở). Chưa có gì hoàn tất thì không xuất (mã thoát 1),\n"
        "         trừ khi có --allow-empty (một gói rỗng).\n"
        "         [--bundle-id UUID] [--created NNNN-TT-NNTgg:pp:ssZ] để ra tệp giống hệt\n"
        "         (trừ gói niêm phong: mỗi lần niêm phong một khác). Không ghi đè kho dữ\n"
        "         liệu, CSDL hay tệp khóa, trừ khi có --force. --pending: chỉ những gì giấy\n"
        "         biên nhận của Sở chưa có.\n",
        "  export --store STORE -o BUNDLE [--allow-empty]\n"
        "         Write every finalized and void record to a bundle, signed with the store's\n"
        "         key (and sealed when the store has the office's key). With nothing finalized\n"
        "         or void it writes nothing (exit 1) unless --allow-empty (an empty bundle).\n"
        "         [--bundle-id UUID] [--created YYYY-MM-DDTHH:MM:SSZ] for identical output\n"
        "         (not when sealed: every seal differs). Never overwrites a store, a database\n"
        "         or a key file unless --force is given. --pending: only what the office's\n"
        "         receipts do not list yet.\n"},
    [SUB_RECEIPT] = {"receipt",
        "  receipt --store KHO TỆP.receipt\n"
        "         Nhận giấy biên nhận Sở gửi về: kiểm tra chữ ký của Sở rồi đánh dấu những bản\n"
        "         ghi Sở đã có; lần sau 'collect export --pending' chỉ gửi phần còn thiếu.\n",
        "  receipt --store STORE FILE.receipt\n"
        "         Take a receipt the office sent back: its signature is checked, then the records\n"
        "         the office holds are marked; 'collect export --pending' then sends the rest.\n"},
    [SUB_TEMPLATE] = {"template",
        "  template --store KHO BIỂU_MẪU -o TỆP.xlsx [--force]\n"
        "         Bảng tính mẫu để nhập liệu biểu mẫu trong Excel hoặc LibreOffice (ví dụ cho thư\n"
        "         ký nhà trường): trang đầu dòng 1 là câu hỏi, dòng 2 tên trường dữ liệu, bản ghi\n"
        "         từ dòng 3; ô có danh sách chọn; các trang Hướng dẫn, Ví dụ, Danh mục. Nhập tệp đã\n"
        "         điền bằng collect fill --answers TỆP.xlsx. Kho chỉ được đọc, không thay đổi.\n",
        "  template --store STORE FORM -o FILE.xlsx [--force]\n"
        "         A data-entry workbook for FORM to fill in Excel or LibreOffice (e.g. by a school\n"
        "         secretary): on the first sheet row 1 the questions, row 2 the field names,\n"
        "         records from row 3; dropdowns on choice columns; Instructions, Example and Code\n"
        "         lists sheets. Import the filled file with collect fill --answers FILE.xlsx. The\n"
        "         store is only read, never changed.\n"},
};

/* What the wizard's keys and markers mean (`collect fill --help`, `collect edit --help`). */
static const char wizard_keys_vi[] =
    "\n"
    "Khi điền từng câu:\n"
    "  Enter   giữ câu trả lời đang hiện trong [ngoặc vuông]\n"
    "  <       quay lại câu trước\n"
    "  -       bỏ qua câu không bắt buộc, hoặc xóa câu trả lời đã có\n"
    "  #N      nhảy tới câu số N\n"
    "  ?       xem hướng dẫn\n"
    "  :q      lưu và thoát; Ctrl-C cũng vậy (làm tiếp bằng collect fill)\n"
    "  *       sau câu hỏi: câu bắt buộc phải trả lời\n"
    "Câu có lựa chọn: gõ số thứ tự, mã (chữ hoa hay thường) hoặc tên lựa chọn (có dấu\n"
    "hay không dấu). Cuối phiếu: xem lại, gõ số câu để sửa, x để hoàn tất.\n";
static const char wizard_keys_en[] =
    "\n"
    "While answering:\n"
    "  Enter   keep the answer shown in [brackets]\n"
    "  <       back to the previous question\n"
    "  -       skip an optional question, or clear its answer\n"
    "  #N      jump to question N\n"
    "  ?       help\n"
    "  :q      save and quit; so does Ctrl-C (continue with collect fill)\n"
    "  *       after a question: a required question (it must be answered)\n"
    "Questions with a list: type the number, the code (any case) or the choice's name.\n"
    "At the end: the review; type a question's number to change it, x to finalize.\n";

static const char footer_vi[] = "\n  --lang vi|en   Ngôn ngữ (mặc định vi), ở bất kỳ chỗ nào trong lệnh.\n";
static const char footer_en[] = "\n  --lang vi|en   Language (default vi), anywhere on the command line.\n";

/* `collect --help`: every subcommand. */
static void print_help(FILE *out) {
  fputs(cli_tr("Cách dùng: ictsurvey collect LỆNH --store KHO [TÙY CHỌN...]\n"
               "\n"
               "Nhập phiếu khảo sát trên máy không có mạng và xuất ra tệp gói (bundle) gửi về Sở.\n"
               "\n",
               "Usage: ictsurvey collect COMMAND --store STORE [OPTION...]\n"
               "\n"
               "Fill survey forms on a PC without network and export a bundle for the central office.\n"
               "\n"),
        out);
  for (size_t i = 0; i < SUB_COUNT; i++) fputs(cli_tr(subcommands[i].vi, subcommands[i].en), out);
  fputs(cli_tr("  serve  --store KHO [--port CỔNG] [--no-browser]\n"
               "         Xem kho trong trình duyệt web, chỉ trên máy này (127.0.0.1): các bản ghi,\n"
               "         tìm kiếm. Chi tiết: ictsurvey collect serve --help.\n",
               "  serve  --store STORE [--port N] [--no-browser]\n"
               "         Show the store in a web browser, on this PC only (127.0.0.1): its records,\n"
               "         search. Details: ictsurvey collect serve --help.\n"),
        out);
  fputs(cli_tr(footer_vi, footer_en), out);
}

/* The forms `collect fill FORM` takes: the store's when --store names one that opens, else
 * the shipped definitions'. */
static void print_forms(FILE *out, const char *store_path) {
  ics_store *store = store_path ? ics_store_open(store_path, cli_lang, NULL) : NULL;
  if (store) {
    fprintf(out, cli_tr("\nBiểu mẫu của kho '%s':\n", "\nThe forms of the store '%s':\n"), store_path);
    for (size_t i = 0; i < ics_store_form_count(store); i++) {
      const ics_form *f = ics_store_form_at(store, i);
      fprintf(out, "  %-18s %s\n", f->id, ics_text_get(f->title, cli_lang));
    }
    ics_store_close(store);
    return;
  }
  char *dir = cli_definitions_dir();
  ics_definitions defs = {0};
  ics_errors diags = {0};
  if (dir && ics_definitions_load(dir, cli_lang, &defs, &diags) == 0) {
    fprintf(out, cli_tr("\nBiểu mẫu có sẵn (%s):\n", "\nThe shipped forms (%s):\n"), dir);
    for (size_t i = 0; i < defs.form_count; i++)
      fprintf(out, "  %-18s %s\n", defs.forms[i]->id, ics_text_get(defs.forms[i]->title, cli_lang));
  } else {
    fputs(cli_tr("\nKhông đọc được các biểu mẫu có sẵn ('ictsurvey check' cho biết vì sao).\n",
                 "\nThe shipped forms cannot be read ('ictsurvey check' says why).\n"),
          out);
  }
  ics_definitions_free(&defs);
  ics_errors_free(&diags);
  ics_free(dir);
}

/* `collect SUB --help`: that subcommand only. */
static void print_sub_help(size_t which, const char *store_path) {
  fputs(cli_tr("Cách dùng:\n", "Usage:\n"), stdout);
  fputs(cli_tr(subcommands[which].vi, subcommands[which].en), stdout);
  if (which == SUB_FILL || which == SUB_TEMPLATE) print_forms(stdout, store_path);
  if (which == SUB_FILL || which == SUB_EDIT) fputs(cli_tr(wizard_keys_vi, wizard_keys_en), stdout);
  fputs(cli_tr(footer_vi, footer_en), stdout);
}

typedef struct {
  const char *store, *site, *surveyor, *round, *forms, *answers, *output, *bundle_id, *created;
  const char *central_key, *kit, *form, *encoding;
  bool draft;
  bool force;       /* export: overwrite a file of another kind */
  bool allow_empty; /* export: a bundle without records */
  bool tsv;         /* list: the lines for scripts, even on a terminal */
  bool yes;         /* void: no question asked */
  bool pending;     /* export: only what the office's receipts do not list */
  bool all;         /* confirm: every carried-over record */
  bool help;        /* --help: shown once every option is read (fill names --store's forms) */
  const char *positional[4];
  int positional_count;
} options;

static int parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      o->help = true;
      continue;
    }
    int r = cli_common_option(argc, argv, &i, "", ""); /* --lang only: --help is handled above */
    if (r == 3) continue;
    if (r >= 0) return r;
    static const char *const names[] = {"--store", "--site", "--surveyor", "--round", "--forms",
                                        "--answers", "-o", "--bundle-id", "--created",
                                        "--central-key", "--kit", "--form", "--encoding"};
    const char **const slots[] = {&o->store, &o->site, &o->surveyor, &o->round, &o->forms,
                            &o->answers, &o->output, &o->bundle_id, &o->created,
                            &o->central_key, &o->kit, &o->form, &o->encoding};
    r = cli_options_value(argc, argv, &i, names, slots, sizeof names / sizeof *names);
    if (r < 0) return EXIT_USAGE;
    bool matched = r == 1;
    if (matched) continue;
    static const char *const flags[] = {"--draft", "--force", "--allow-empty", "--tsv", "--yes", "-y",
                                        "--pending", "--all"};
    bool *const flag_slots[] = {&o->draft, &o->force, &o->allow_empty, &o->tsv, &o->yes, &o->yes,
                                &o->pending, &o->all};
    size_t f = 0;
    while (f < sizeof flags / sizeof *flags && strcmp(argv[i], flags[f])) f++;
    if (f < sizeof flags / sizeof *flags) {
      *flag_slots[f] = true;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      cli_error("tùy chọn không hợp lệ '%s' (xem 'ictsurvey collect %s --help')",
                "unknown option '%s' (see 'ictsurvey collect %s --help')", argv[i], argv[1]);
      return EXIT_USAGE;
    } else if (o->positional_count < 4) {
      o->positional[o->positional_count++] = argv[i];
    } else {
      cli_error("thừa đối số '%s'", "unexpected argument '%s'", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!o->store && !o->help) {
    cli_error("cần --store KHO (tệp kho dữ liệu)", "--store STORE is required (the store file)");
    return EXIT_USAGE;
  }
  return -1;
}

/* The store's error printed (and cleared): EXIT_FAIL. */
static int store_failed(ics_error *err) {
  cli_print_error(err);
  ics_error_clear(err);
  return EXIT_FAIL;
}

/* The PC's date, and a warning when it cannot be right for the round: records carry it. */
static void show_clock(int round) {
  char now[21];
  ics_now_utc(now);
  int year = ics_current_year();
  fprintf(stderr, cli_tr("Ngày giờ trên máy này (UTC): %.10s %.8s.\n", "This PC's date and time (UTC): %.10s %.8s.\n"),
          now, now + 11);
  if (year < round)
    fprintf(stderr, cli_tr("Cảnh báo: đồng hồ máy tính chỉ năm %d, trước đợt khảo sát %d. Hãy chỉnh lại ngày giờ của máy.\n",
                           "Warning: the PC's clock says %d, before the survey round %d. Please set the date and time.\n"),
            year, round);
  else if (year > round + 1)
    fprintf(stderr, cli_tr("Cảnh báo: đồng hồ máy tính chỉ năm %d, sau đợt khảo sát %d khá xa. Hãy kiểm tra ngày giờ của máy và đợt khảo sát.\n",
                           "Warning: the PC's clock says %d, well after the survey round %d. Check the date and time, and the round.\n"),
            year, round);
}

/* Reads the sealing key of --central-key central.pub; -1 when it cannot (the error is
 * printed). */
static int read_central_key(const char *path, unsigned char key[ICS_KEY_BYTES]) {
  ics_error err = {0};
  if (ics_keys_read_public(path, key, cli_lang, &err) == 0) return 0;
  cli_print_error(&err);
  ics_error_clear(&err);
  return -1;
}

/* ---- kits -------------------------------------------------------------------------------- */
/* Reads a kit and checks its signature; NULL when it cannot be used (the error is printed). */
static ics_kit *read_kit(const char *path) {
  ics_error err = {0};
  ics_kit *kit = ics_kit_read(path, cli_lang, &err);
  if (!kit) {
    ics_error_prefix(&err, "%s: ", path); /* the kit's messages never name the file */
    cli_print_error(&err);
    ics_error_clear(&err);
  }
  return kit;
}

static void print_kit(const ics_kit *kit) {
  fprintf(stderr, cli_tr("Bộ biểu mẫu số %llu của Sở (đợt %d, %zu biểu mẫu, phát hành %.10s).\n",
                         "The office's kit number %llu (round %d, %zu forms, issued %.10s).\n"),
          (unsigned long long)kit->sequence, kit->round, kit->form_count, kit->created);
  cli_office_fingerprint(kit->signing_key);
  if (kit->has_next) {
    char next[ICS_FINGERPRINT_SIZE];
    ics_key_fingerprint(kit->next_signing_key, next);
    fprintf(stderr, cli_tr("Sở đổi khóa: từ nay kho tin khóa mới của Sở %s.\n",
                           "The office changes keys: from now on the store trusts its new key %s.\n"),
            next);
  }
}

static int init_from_kit(const options *o, int round) {
  if (o->forms || o->central_key) {
    cli_error("--kit đã mang biểu mẫu và khóa của Sở: không dùng kèm --forms hay --central-key",
              "--kit carries the office's forms and keys: do not give --forms or --central-key with it");
    return EXIT_USAGE;
  }
  ics_kit *kit = read_kit(o->kit);
  if (!kit) return EXIT_FAIL;
  ics_error err = {0};
  int status = EXIT_OK;
  if (ics_store_create_from_kit(o->store, o->site, o->surveyor, round, kit, cli_lang, &err)) {
    status = store_failed(&err);
  } else {
    fprintf(stderr, cli_tr("Đã tạo kho '%s' từ bộ biểu mẫu '%s': nơi khảo sát '%s', người khảo sát '%s'.\n",
                           "Created the store '%s' from the kit '%s': site '%s', surveyor '%s'.\n"),
            o->store, o->kit, o->site, o->surveyor);
    print_kit(kit);
    show_clock(kit->round);
  }
  ics_kit_free(kit);
  return status;
}

static int collect_update(ics_store *store, const options *o) {
  if (!o->kit) {
    cli_error("cần --kit TỆP.kit", "--kit FILE.kit is required");
    return EXIT_USAGE;
  }
  ics_kit *kit = read_kit(o->kit);
  if (!kit) return EXIT_FAIL;
  ics_error err = {0};
  ics_store_kit_info before;
  bool adopted = false;
  size_t carried = 0;
  int status = EXIT_OK;
  if (ics_store_kit(store, &before, &err) || ics_store_adopt_kit(store, kit, &adopted, &carried, &err)) {
    status = store_failed(&err);
  } else {
    if (!adopted) {
      fprintf(stderr, cli_tr("Kho '%s' đã có bộ biểu mẫu này (số %llu): không thay đổi gì.\n",
                             "The store '%s' has this kit already (number %llu): nothing changed.\n"),
              o->store, (unsigned long long)kit->sequence);
    } else if (kit->prefill_store) {
      fprintf(stderr, cli_tr("Kho '%s' đã chuyển sang đợt %d. Đã mang sang %zu bản ghi của đợt %d thành phiếu nháp;\n"
                             "các bản ghi của đợt %d vẫn được giữ nguyên. Với từng phiếu mang sang: xác nhận nếu\n"
                             "không đổi (collect confirm), sửa nếu có thay đổi (collect edit), hủy người đã\n"
                             "chuyển đi (collect void); thêm người mới bằng collect fill. Phiếu chưa xác nhận\n"
                             "không được gửi về Sở.\n",
                             "The store '%s' moved to round %d. %zu records of round %d were carried over as drafts;\n"
                             "round %d's records are kept as they were. For each carried-over record: confirm it\n"
                             "when unchanged (collect confirm), edit what changed (collect edit), void who left\n"
                             "(collect void); add newcomers with collect fill. A record not confirmed is not\n"
                             "sent to the office.\n"),
              o->store, kit->round, carried, kit->prefill_round, kit->prefill_round);
      print_kit(kit);
    } else {
      fprintf(stderr, cli_tr("Kho '%s' đã dùng bộ biểu mẫu mới; các bản ghi đã có được giữ nguyên.\n",
                             "The store '%s' now uses the new kit; the records already stored are kept.\n"),
              o->store);
      print_kit(kit);
      if (!before.from_kit)
        fputs(cli_tr("Kho này trước đây không làm từ bộ biểu mẫu: hãy đọc dấu vân tay trên cho Sở để xác nhận.\n",
                     "This store was not made from a kit before: read the fingerprint above to the office to confirm it.\n"),
              stderr);
    }
  }
  ics_kit_free(kit);
  return status;
}

/* ---- the first start of `collect serve --kit` ---------------------------------------------- */
/* One answer typed on the console, spaces around it dropped; false at the end of input. */
static bool ask_line(const char *question, char *buf, size_t size) {
  for (;;) {
    fputs(question, stderr);
    fflush(stderr);
    if (!ics_read_line(stdin, buf, size)) return false;
    size_t start = strspn(buf, " \t"), n = strlen(buf);
    while (n > start && (buf[n - 1] == ' ' || buf[n - 1] == '\t')) n--;
    memmove(buf, buf + start, n - start);
    buf[n - start] = '\0';
    if (buf[0]) return true;
  }
}

/* The kit at place: a .kit file, or the one .kit file in a folder; NULL (said why) when there
 * is none or more than one. */
static char *find_kit(const char *place) {
  if (!ics_path_is_dir(place)) {
    char *kit = ics_strdup(place);
    if (!kit) cli_out_of_memory();
    return kit;
  }
  size_t count = 0;
  char **names = ics_list_dir(place, ".kit", &count);
  char *kit = count == 1 ? ics_path_join(place, names[0]) : NULL;
  if (count == 1 && !kit) {
    cli_out_of_memory();
  } else if (!names) {
    cli_error("không đọc được thư mục '%s'", "cannot read the folder '%s'", place);
  } else if (count == 0) {
    cli_error("chưa có bộ biểu mẫu của Sở (tệp .kit) trong thư mục '%s'. Hãy chép tệp .kit Sở gửi "
              "(qua USB hay thư điện tử) vào thư mục đó rồi mở lại.",
              "no survey kit of the office (a .kit file) in the folder '%s' yet. Copy the .kit file the "
              "office sent (on a USB stick or by e-mail) into that folder, then start again.", place);
  } else if (count > 1) {
    cli_error("thư mục '%s' có %zu tệp .kit: hãy chỉ để lại tệp Sở gửi mới nhất.",
              "the folder '%s' holds %zu .kit files: keep only the newest the office sent.", place, count);
  }
  for (size_t i = 0; i < count; i++) ics_free(names[i]);
  ics_free(names);
  return kit;
}

/* A folder and those above it that are missing; 0 or -1. */
static int make_folders(const char *folder) {
  if (ics_path_is_dir(folder)) return 0;
  const char *base;
  char *parent = ics_path_dir(folder, &base);
  int rc = !parent ? -1 : strcmp(parent, folder) && *base ? make_folders(parent) : 0;
  ics_free(parent);
  return rc == 0 ? ics_make_dir(folder) : -1;
}

int cli_collect_first_start(const char *store, const char *kit_place) {
  if (ics_file_sniff(store) != ICS_FILE_NONE) return EXIT_OK;
  char *kit = find_kit(kit_place);
  if (!kit) return EXIT_FAIL;
  ics_kit *checked = read_kit(kit); /* a kit that cannot be used is said before anything is asked */
  if (!checked) {
    ics_free(kit);
    return EXIT_FAIL;
  }
  ics_kit_free(checked);
  fprintf(stderr, cli_tr("Lần đầu mở phiếu trên máy này: tạo kho dữ liệu '%s' từ bộ biểu mẫu '%s'.\n",
                         "The first start on this PC: making the store '%s' from the survey kit '%s'.\n"),
          store, kit);
  char site[256], surveyor[256];
  const char *base;
  char *folder = ics_path_dir(store, &base);
  int status = EXIT_FAIL;
  if (!folder) {
    cli_out_of_memory();
  } else if (!ask_line(cli_tr("Nơi khảo sát (tên xã, trường hay trung tâm): ",
                              "Survey site (the commune's, school's or centre's name): "), site, sizeof site) ||
             !ask_line(cli_tr("Họ và tên người khảo sát: ", "The surveyor's full name: "), surveyor, sizeof surveyor)) {
    fputc('\n', stderr);
    cli_error("chưa có câu trả lời: chưa tạo kho nào", "no answer given: no store was made");
    status = EXIT_USAGE;
  } else if (make_folders(folder) != 0) {
    cli_error("không tạo được thư mục '%s'", "cannot make the folder '%s'", folder);
  } else {
    options o = {.store = store, .site = site, .surveyor = surveyor, .kit = kit};
    status = init_from_kit(&o, 0);
  }
  ics_free(folder);
  ics_free(kit);
  return status;
}

/* ---- init -------------------------------------------------------------------------------- */
static int collect_init(const options *o) {
  if (!o->site || !o->surveyor) {
    cli_error("cần --site NƠI và --surveyor TÊN", "--site SITE and --surveyor NAME are required");
    return EXIT_USAGE;
  }
  int year = ics_current_year();
  int round = year;
  if (o->round) {
    char *end;
    long r = strtol(o->round, &end, 10);
    if (*end || r < 2000 || r > 2100) {
      cli_error("đợt khảo sát '%s' không hợp lệ: cần một năm, ví dụ 2013",
                "invalid round '%s': give a year, e.g. 2013", o->round);
      return EXIT_USAGE;
    }
    round = (int)r;
  }
  if (o->kit) return init_from_kit(o, o->round ? round : 0);
  unsigned char central_key[ICS_KEY_BYTES];
  if (o->central_key && read_central_key(o->central_key, central_key)) return EXIT_FAIL;
  char *dir = o->forms ? ics_strdup(o->forms) : cli_definitions_dir();
  if (!dir) {
    cli_out_of_memory();
    return EXIT_FAIL;
  }
  ics_errors diags = {0};
  ics_error err = {0};
  size_t form_count = 0;
  int status = EXIT_OK;
  if (ics_store_create_from_dir(o->store, o->site, o->surveyor, round, dir,
                                o->central_key ? central_key : NULL, cli_lang, &form_count,
                                &diags, &err)) {
    cli_print_errors(&diags);
    status = store_failed(&err);
  } else {
    fprintf(stderr, cli_tr("Đã tạo kho '%s': %zu biểu mẫu, đợt khảo sát %d, nơi khảo sát '%s', người khảo sát '%s'.\n",
                           "Created the store '%s': %zu forms, survey round %d, site '%s', surveyor '%s'.\n"),
            o->store, form_count, round, o->site, o->surveyor);
    show_clock(round);
    fputs(cli_tr("Kho này không làm từ bộ biểu mẫu (kit) của Sở: Sở chỉ nhận gói của nó nếu đã công bố "
                 "đúng các định nghĩa này. Khảo sát thật thì dùng 'collect init --kit'.\n",
                 "This store was not made from the office's kit: the office merges its bundles only if it "
                 "published exactly these definitions. For the real survey use 'collect init --kit'.\n"),
          stderr);
    if (o->central_key) {
      char fingerprint[ICS_FINGERPRINT_SIZE];
      ics_key_fingerprint(central_key, fingerprint);
      fprintf(stderr, cli_tr("Các gói xuất ra sẽ được niêm phong bằng khóa của Sở %s.\n",
                             "Exported bundles will be sealed to the central office's key %s.\n"),
              fingerprint);
    }
  }
  ics_errors_free(&diags);
  ics_free(dir);
  return status;
}

/* ---- fill and edit from an answers file ------------------------------------------------- */
/* Imports a whole file (ics_store_import: every record or none) and says what happened. */
static int import_answers(ics_store *store, const ics_form *form, const options *o,
                          ics_answers_mode mode, const ics_record *base, const char *edit_id,
                          ics_record_status status) {
  const char *path = o->answers;
  ics_import_options opts = {.mode = mode, .base = base, .edit_id = edit_id, .status = status,
                             .lang = cli_lang};
  if (o->encoding && !ics_encoding_parse(o->encoding, &opts.encoding)) {
    cli_error("không biết bảng mã '%s' (dùng: utf-8, utf-16, windows-1258, windows-1252)",
              "unknown encoding '%s' (use: utf-8, utf-16, windows-1258, windows-1252)", o->encoding);
    return EXIT_USAGE;
  }
  if (o->encoding && ics_answers_syntax_of(path) != ICS_ANSWERS_TEXT) {
    cli_error("--encoding chỉ dùng cho tệp CSV hay văn bản (.csv, .txt, .tsv)",
              "--encoding is only for CSV and text files (.csv, .txt, .tsv)");
    return EXIT_USAGE;
  }
  opts.encoding_given = o->encoding != NULL;
  ics_buf ids = {0}, notes = {0};
  ics_errors diags = {0};
  ics_error err = {0};
  ics_import_counts counts = {0};
  int rc = ics_store_import(store, form, path, NULL, 0, &opts, &ids, &notes, &counts, &diags, &err);
  if (notes.data) fputs(notes.data, stderr);
  int status_code = EXIT_OK;
  /* the file's problems (or memory running out) are listed; the store's error is said alone */
  bool listed = err.code == ICS_E_NO_MEMORY || (err.code == ICS_E_INVALID && ics_errors_any(&diags));
  if (rc && !listed) {
    status_code = store_failed(&err);
  } else if (rc) {
    for (size_t i = 0; i < diags.count; i++) {
      const ics_error *d = &diags.items[i];
      const char *file = d->file ? d->file : path; /* its place is lost when memory ran out */
      if (d->line > 0)
        cli_note("%s:%d:%d: error: %s", "%s:%d:%d: error: %s", file, d->line, d->column, d->message);
      else
        cli_note("%s: %s", "%s: %s", file, d->message);
    }
    /* memory ran out, or a problem was not even recorded for want of it */
    bool no_memory = err.code == ICS_E_NO_MEMORY || diags.no_memory;
    if (diags.dropped && !no_memory)
      fprintf(stderr, cli_tr("%s: và %zu lỗi khác\n", "%s: and %zu more errors\n"), path, diags.dropped);
    if (no_memory)
      fprintf(stderr, cli_tr("Không lưu bản ghi nào của '%s': %s.\n", "Nothing of '%s' was stored: %s.\n"),
              path, cli_no_memory_text());
    else /* "Nothing of 'FILE' was stored: correct the errors above and import again." */
      cli_note("%s", "%s", err.message);
    ics_error_clear(&err);
    status_code = EXIT_FAIL;
  } else {
    if (ids.data) fputs(ids.data, stdout);
    if (!edit_id) /* "'FILE': 5 new records, 3 updated, 32 unchanged." */
      cli_note("'%s': %zu bản ghi mới, %zu bản ghi được cập nhật, %zu bản ghi không đổi.",
               "'%s': %zu new records, %zu updated, %zu unchanged.", path, counts.added,
               counts.updated, counts.unchanged);
  }
  ics_buf_free(&ids);
  ics_buf_free(&notes);
  ics_errors_free(&diags);
  return status_code;
}

static ics_wizard_io terminal(void) {
  return (ics_wizard_io){.in = stdin, .out = stderr, .lang = cli_lang};
}

/* The terminal of the wizard for a form of the store, which says on quitting how to come back
 * to a draft (the command is written into *resume, freed by the caller). */
static ics_wizard_io wizard_terminal(const options *o, const ics_form *form, ics_buf *resume) {
  ics_buf_printf(resume, "ictsurvey collect fill --store %s %s%s", o->store, form->id,
                 cli_lang == ICS_EN ? " --lang en" : "");
  ics_wizard_io io = terminal();
  io.resume_command = resume->data;
  return io;
}

/* Each record the wizard stores, on stdout for scripts (the wizard talks on stderr). */
static void print_saved_id(void *ctx, const char *id) {
  (void)ctx;
  printf("%s\n", id);
  fflush(stdout);
}

static int collect_fill(ics_store *store, const options *o) {
  if (o->positional_count != 1) {
    cli_error("cần đúng một BIỂU_MẪU (ví dụ: staff)", "give exactly one FORM (e.g. staff)");
    return EXIT_USAGE;
  }
  const ics_form *form = ics_store_form(store, o->positional[0]);
  if (!form) {
    ics_buf names = {0};
    for (size_t i = 0; i < ics_store_form_count(store); i++)
      ics_buf_printf(&names, "%s%s", i ? ", " : "", ics_store_form_at(store, i)->id);
    cli_error("kho không có biểu mẫu '%s' (có: %s)", "the store has no form '%s' (it has: %s)",
              o->positional[0], names.data ? names.data : "");
    ics_buf_free(&names);
    return EXIT_FAIL;
  }
  if (o->answers)
    return import_answers(store, form, o, o->draft ? ICS_ANSWERS_DRAFT : ICS_ANSWERS_FULL,
                          NULL, NULL, o->draft ? ICS_DRAFT : ICS_FINALIZED);
  ics_buf resume = {0};
  ics_wizard_io io = wizard_terminal(o, form, &resume);
  ics_error err = {0};
  ics_wizard_result r = ics_wizard_session(store, form, &io, print_saved_id, NULL, &err);
  ics_buf_free(&resume);
  if (r == ICS_WIZARD_ERROR) return store_failed(&err);
  return EXIT_OK;
}

/* The record named by the one argument of edit, void and unvoid: an instance id, else a
 * natural key (the staff code: of --form's records, or of any form's when no two share it),
 * a void record's for unvoid. -1 when found, else the exit status (a usage error, or the
 * store's error printed). */
static int named_record(ics_store *store, const options *o, bool want_void, ics_record **rec,
                        ics_record_info *info) {
  if (o->positional_count != 1) {
    cli_error("cần đúng một MÃ_BẢN_GHI hoặc KHÓA", "give exactly one INSTANCE_ID or KEY");
    return EXIT_USAGE;
  }
  if (o->form && !ics_store_form(store, o->form)) {
    cli_error("kho không có biểu mẫu '%s'", "the store has no form '%s'", o->form);
    return EXIT_FAIL;
  }
  ics_error err = {0};
  *rec = NULL;
  const char *name = o->positional[0];
  if (ics_store_get(store, name, rec, info, &err) == 0 && (!o->form || !strcmp(info->form_id, o->form)))
    return -1;
  ics_record_free(*rec);
  *rec = NULL;
  if (err.code != ICS_OK && err.code != ICS_E_NOT_FOUND) return store_failed(&err);
  ics_error_clear(&err);
  char id[37];
  if (ics_store_find_by_key(store, o->form, name, want_void, id, &err) ||
      ics_store_get(store, id, rec, info, &err))
    return store_failed(&err);
  return -1;
}

static int collect_edit(ics_store *store, const options *o) {
  ics_record *rec;
  ics_record_info info;
  int status = named_record(store, o, false, &rec, &info);
  if (status >= 0) return status;
  ics_error err = {0};
  if (info.status == ICS_VOID) {
    cli_error("bản ghi %s đã bị hủy, không sửa được (khôi phục bằng 'collect unvoid')",
              "the record %s is void and cannot be changed (restore it with 'collect unvoid')",
              info.instance_id);
    status = EXIT_FAIL;
  } else if (o->answers) {
    status = import_answers(store, rec->form, o, ICS_ANSWERS_PATCH, rec, info.instance_id,
                            info.status);
  } else {
    ics_buf resume = {0};
    ics_wizard_io io = wizard_terminal(o, rec->form, &resume);
    char id[37];
    status = ics_wizard_run(store, rec->form, info.instance_id, &io, id, &err) == ICS_WIZARD_ERROR
                 ? store_failed(&err)
                 : EXIT_OK;
    ics_buf_free(&resume);
  }
  ics_record_free(rec);
  return status;
}

/* Whether a void goes ahead: --yes, or the surveyor says so on a terminal. A script (stdin not
 * a terminal) must say --yes: a void it did not mean would reach the office. */
static bool void_confirmed(ics_store *store, const options *o, const ics_record *rec,
                           const ics_record_info *info) {
  if (o->yes) return true;
  if (!ics_is_terminal(stdin)) {
    cli_error("hủy bản ghi cần xác nhận: thêm --yes khi chạy không có màn hình (trong tập lệnh)",
              "voiding a record needs confirming: add --yes when running without a terminal (in a script)");
    return false;
  }
  char *title = ics_record_title(rec, ics_store_register(store), cli_lang);
  ics_buf question = {0};
  ics_buf_printf(&question, cli_tr("Hủy bản ghi %s '%s' (%s)?", "Void the record %s '%s' (%s)?"),
                 info->form_id, title ? title : "", info->instance_id);
  ics_free(title);
  ics_wizard_io io = terminal();
  bool yes = ics_wizard_confirm(&io, question.data ? question.data : cli_tr("Hủy bản ghi này?", "Void this record?"),
                                false);
  ics_buf_free(&question);
  if (!yes) fputs(cli_tr("Không hủy gì.\n", "Nothing was voided.\n"), stderr);
  return yes;
}

static int collect_void(ics_store *store, const options *o) {
  ics_record *rec;
  ics_record_info info;
  int status = named_record(store, o, false, &rec, &info);
  if (status >= 0) return status;
  status = EXIT_OK;
  ics_error err = {0};
  if (info.status == ICS_VOID) {
    fprintf(stderr, cli_tr("Bản ghi %s đã bị hủy trước đó.\n", "The record %s was already void.\n"), info.instance_id);
  } else if (!void_confirmed(store, o, rec, &info)) {
    status = EXIT_FAIL;
  } else if (ics_store_revise(store, info.instance_id, rec, ICS_VOID, &err)) {
    status = store_failed(&err);
  } else if (info.carried_from && info.status == ICS_DRAFT) { /* never confirmed: never sent */
    fprintf(stderr, cli_tr("Đã hủy phiếu mang sang %s (lần sửa %d): người này không được tính ở đợt này; phiếu chưa "
                           "xác nhận nên không gửi gì về Sở. 'collect unvoid' khôi phục nó.\n",
                           "Voided the carried-over record %s (revision %d): this person does not count in this round; "
                           "it was never confirmed, so nothing goes to the office. 'collect unvoid' restores it.\n"),
            info.instance_id, info.revision + 1);
  } else {
    fprintf(stderr, cli_tr("Đã hủy bản ghi %s (lần sửa %d); lần xuất sau sẽ báo cho Sở. Trước lần xuất đó "
                           "vẫn khôi phục được bằng 'collect unvoid'.\n",
                           "Voided the record %s (revision %d); the next export tells the central office. "
                           "Until then 'collect unvoid' restores it.\n"),
            info.instance_id, info.revision + 1);
  }
  ics_record_free(rec);
  return status;
}

static const char *status_text(ics_record_status status) {
  switch (status) {
  case ICS_DRAFT: return cli_tr("nháp", "draft");
  case ICS_FINALIZED: return cli_tr("đã hoàn tất", "finalized");
  default: return cli_tr("đã hủy", "void");
  }
}

static int collect_unvoid(ics_store *store, const options *o) {
  ics_record *rec;
  ics_record_info info;
  int status = named_record(store, o, true, &rec, &info);
  if (status >= 0) return status;
  ics_record_free(rec);
  ics_error err = {0};
  ics_record_status restored;
  if (ics_store_unvoid(store, info.instance_id, &restored, &err)) return store_failed(&err);
  fprintf(stderr, cli_tr("Đã khôi phục bản ghi %s (lần sửa %d): %s như trước khi hủy.\n",
                         "Restored the record %s (revision %d): %s as before the void.\n"),
          info.instance_id, info.revision + 1, status_text(restored));
  return EXIT_OK;
}

/* ---- template --------------------------------------------------------------------------- */
/* The store is opened for reading only: making a template changes nothing in it. */
static int collect_template(const options *o) {
  if (o->positional_count != 1) {
    cli_error("cần đúng một BIỂU_MẪU (ví dụ: staff)", "give exactly one FORM (e.g. staff)");
    return EXIT_USAGE;
  }
  if (!o->output) {
    cli_error("cần -o TỆP.xlsx", "-o FILE.xlsx is required");
    return EXIT_USAGE;
  }
  const char *inputs[] = {o->store};
  if (cli_check_output(o->output, ICS_FILE_WORKBOOK, o->force, inputs, 1)) return EXIT_FAIL;
  ics_error err = {0};
  ics_store *store = ics_store_open_read_only(o->store, cli_lang, &err);
  if (!store) return store_failed(&err);
  size_t count = ics_store_form_count(store);
  const ics_form **forms = ics_calloc(count + 1, sizeof *forms);
  int status = EXIT_FAIL;
  if (!forms) {
    cli_out_of_memory();
  } else {
    for (size_t i = 0; i < count; i++) forms[i] = ics_store_form_at(store, i);
    char origin[80], holder[600];
    snprintf(origin, sizeof origin, "store %s", ics_store_id(store));
    snprintf(holder, sizeof holder, cli_tr("kho '%s'", "the store '%s'"), o->store);
    status = cli_write_template(forms, count, ics_store_register(store), ics_store_round(store), origin, holder,
                                o->positional[0], o->output);
  }
  ics_free(forms);
  ics_store_close(store);
  return status;
}

/* ---- list ---------------------------------------------------------------------------- */
typedef struct {
  ics_record_info info;
  char *key, *title; /* control characters escaped: a tab or newline would shift the columns
                        or forge a line */
} list_row;

typedef struct {
  const ics_store *store;
  bool tsv;        /* print each line at once; else keep them for the table */
  list_row *rows;
  size_t count, cap;
} list_ctx;

static char *escaped(const char *text) {
  ics_buf safe = {0};
  ics_escape_controls(&safe, text, strlen(text));
  if (!safe.failed && !safe.data) return ics_strdup("");
  return ics_buf_take(&safe);
}

static int list_visit(void *ctx, const ics_record_info *info, const char *key, const ics_record *rec,
                      ics_error *err) {
  list_ctx *l = ctx;
  char *title = ics_record_title(rec, ics_store_register(l->store), cli_lang);
  list_row row = {*info, escaped(key), title ? escaped(title) : NULL};
  ics_free(title);
  bool stored = row.key && row.title;
  if (stored && l->tsv) { /* cli.md's seven columns, the title last: scripts read them so */
    printf("%s\t%s\t%s\t%d\t%s\t%s\t%s\n", info->instance_id, info->form_id, row.key, info->revision,
           ics_record_status_name(info->status), info->updated_at, row.title);
    ics_free(row.key);
    ics_free(row.title);
    return 0;
  }
  if (stored && l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    list_row *rows = ics_realloc(l->rows, cap * sizeof *rows);
    if (rows) {
      l->rows = rows;
      l->cap = cap;
    }
    stored = rows != NULL;
  }
  if (!stored) {
    ics_free(row.key);
    ics_free(row.title);
    ics_error_no_memory(err, cli_lang);
    return -1;
  }
  l->rows[l->count++] = row;
  return 0;
}

/* Drafts first (what is left to do), then finalized, then void; the store's order within. */
static int by_status(const void *a, const void *b) {
  const list_row *x = a, *y = b;
  if (x->info.status != y->info.status) return (int)x->info.status - (int)y->info.status;
  int forms = strcmp(x->info.form_id, y->info.form_id);
  return forms ? forms : strcmp(x->info.instance_id, y->info.instance_id);
}

/* A cell padded to `width` characters (UTF-8: Vietnamese letters are one each). */
static void cell(const char *text, size_t width, bool last) {
  fputs(text, stdout);
  if (last) return;
  for (size_t n = ics_utf8_count(text, strlen(text)); n < width + 2; n++) putchar(' ');
}

static void print_table(const list_ctx *l) {
  if (!l->count) {
    fputs(cli_tr("Kho chưa có bản ghi nào.\n", "The store has no record yet.\n"), stderr);
    return;
  }
  enum { COLUMNS = 8 };
  const char *heads[COLUMNS] = {cli_tr("Mã bản ghi", "Instance id"), cli_tr("Biểu mẫu", "Form"),
                                cli_tr("Khóa", "Key"), cli_tr("Lần sửa", "Revision"),
                                cli_tr("Trạng thái", "Status"), cli_tr("Sở đã nhận", "Office has it"),
                                cli_tr("Sửa lúc (UTC)", "Updated (UTC)"), cli_tr("Tên", "Title")};
  size_t width[COLUMNS];
  for (int c = 0; c < COLUMNS; c++) width[c] = ics_utf8_count(heads[c], strlen(heads[c]));
  char revision[16], updated[17];
  for (int pass = 0; pass < 2; pass++) {
    if (pass) {
      for (int c = 0; c < COLUMNS; c++) cell(heads[c], width[c], c == COLUMNS - 1);
      putchar('\n');
    }
    for (size_t i = 0; i < l->count; i++) {
      const list_row *r = &l->rows[i];
      snprintf(revision, sizeof revision, "%d", r->info.revision);
      snprintf(updated, sizeof updated, "%.10s %.5s", r->info.updated_at, r->info.updated_at + 11);
      char state[64];
      snprintf(state, sizeof state, r->info.carried_from && r->info.status == ICS_DRAFT
                                        ? cli_tr("%s (mang sang từ %d)", "%s (carried over from %d)")
                                        : "%s",
               status_text(r->info.status), r->info.carried_from);
      const char *office = r->info.office == ICS_OFFICE_HAS     ? cli_tr("có", "yes")
                           : r->info.office == ICS_OFFICE_LACKS ? cli_tr("chưa", "not yet")
                                                                : "-";
      const char *cells[COLUMNS] = {r->info.instance_id, r->info.form_id, r->key, revision,
                                    state, office, updated, r->title};
      for (int c = 0; c < COLUMNS; c++) {
        size_t n = ics_utf8_count(cells[c], strlen(cells[c]));
        if (!pass && n > width[c]) width[c] = n;
        if (pass) cell(cells[c], width[c], c == COLUMNS - 1);
      }
      if (pass) putchar('\n');
    }
  }
}

/* A table on a terminal; for scripts (or --tsv) cli.md's tab-separated lines, status words
 * untranslated, with the title last. */
static int collect_list(ics_store *store, const options *o) {
  list_ctx l = {.store = store, .tsv = o->tsv || !ics_is_terminal(stdout)};
  ics_error err = {0};
  int status = EXIT_OK;
  if (ics_store_list(store, list_visit, &l, &err)) {
    status = store_failed(&err);
  } else if (!l.tsv) {
    if (l.count) qsort(l.rows, l.count, sizeof *l.rows, by_status);
    print_table(&l);
  }
  for (size_t i = 0; i < l.count; i++) {
    ics_free(l.rows[i].key);
    ics_free(l.rows[i].title);
  }
  ics_free(l.rows);
  return status;
}

/* ---- confirm, status, receipt -------------------------------------------------------------- */
/* Confirms one carried-over record: finalized when complete and valid. EXIT_OK, or EXIT_FAIL
 * (said why: not carried over, void, or what must be corrected first). quiet: a success is
 * not said (--all says how many at the end). */
static int confirm_record(ics_store *store, ics_record *rec, const ics_record_info *info, bool quiet) {
  ics_error err = {0};
  if (!info->carried_from) {
    cli_error("bản ghi %s không phải phiếu mang sang từ đợt trước: hoàn tất nó bằng 'collect edit'",
              "the record %s was not carried over from an earlier round: finalize it with 'collect edit'",
              info->instance_id);
    return EXIT_FAIL;
  }
  if (info->status == ICS_VOID) {
    cli_error("bản ghi %s đã bị hủy (khôi phục bằng 'collect unvoid')",
              "the record %s is void (restore it with 'collect unvoid')", info->instance_id);
    return EXIT_FAIL;
  }
  char *title = ics_record_title(rec, ics_store_register(store), cli_lang);
  if (info->status == ICS_FINALIZED) {
    fprintf(stderr, cli_tr("Phiếu %s '%s' đã được xác nhận trước đó.\n", "The record %s '%s' was confirmed before.\n"),
            info->instance_id, title ? title : "");
    ics_free(title);
    return EXIT_OK;
  }
  ics_errors problems = {0};
  ics_code checked = ics_record_check(rec, ics_store_register(store), cli_lang, ICS_CHECK_CLEAR_IRRELEVANT, &problems);
  int status = EXIT_OK;
  if (checked == ICS_E_NO_MEMORY) {
    cli_out_of_memory();
    status = EXIT_FAIL;
  } else if (checked != ICS_OK) {
    cli_print_errors(&problems);
    cli_error("phiếu %s '%s' chưa xác nhận được như cũ: hãy sửa các câu trên bằng 'collect edit --store KHO %s'",
              "the record %s '%s' cannot be confirmed as it is: correct the answers above with 'collect edit --store STORE %s'",
              info->instance_id, title ? title : "", info->instance_id);
    status = EXIT_FAIL;
  } else if (ics_store_update(store, info->instance_id, rec, ICS_FINALIZED, &err)) {
    status = store_failed(&err);
  } else if (!quiet) {
    fprintf(stderr, cli_tr("Đã xác nhận phiếu %s '%s': lần xuất sau sẽ gửi nó về Sở.\n",
                           "Confirmed the record %s '%s': the next export sends it to the office.\n"),
            info->instance_id, title ? title : "");
  }
  ics_errors_free(&problems);
  ics_free(title);
  return status;
}

typedef struct {
  char (*ids)[37];
  size_t count, cap;
  const char *form;
} waiting;

static int collect_waiting(void *ctx, const ics_record_info *info, const char *key, const ics_record *rec,
                           ics_error *err) {
  waiting *w = ctx;
  if (!info->carried_from || info->status != ICS_DRAFT || info->office != ICS_OFFICE_NOTHING_YET ||
      (w->form && strcmp(w->form, info->form_id)))
    return 0;
  if (w->count == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 64;
    char (*ids)[37] = ics_realloc(w->ids, cap * sizeof *ids);
    if (!ids) {
      ics_error_no_memory(err, cli_lang);
      return -1;
    }
    w->ids = ids;
    w->cap = cap;
  }
  memcpy(w->ids[w->count++], info->instance_id, 37);
  return 0;
}

static int collect_confirm(ics_store *store, const options *o) {
  if (!o->all) {
    ics_record *rec;
    ics_record_info info;
    int status = named_record(store, o, false, &rec, &info);
    if (status >= 0) return status;
    status = confirm_record(store, rec, &info, false);
    ics_record_free(rec);
    return status;
  }
  if (o->positional_count) {
    cli_error("--all xác nhận mọi phiếu mang sang: không ghi thêm MÃ_BẢN_GHI", "--all confirms every carried-over record: give no INSTANCE_ID with it");
    return EXIT_USAGE;
  }
  waiting w = {.form = o->form};
  ics_error err = {0};
  if (ics_store_list(store, collect_waiting, &w, &err)) {
    ics_free(w.ids);
    return store_failed(&err);
  }
  size_t confirmed = 0;
  int status = EXIT_OK;
  for (size_t i = 0; i < w.count && status != EXIT_USAGE; i++) {
    ics_record *rec;
    ics_record_info info;
    if (ics_store_get(store, w.ids[i], &rec, &info, &err)) {
      status = store_failed(&err);
      break;
    }
    if (confirm_record(store, rec, &info, true) == EXIT_OK) confirmed++;
    else status = EXIT_FAIL;
    ics_record_free(rec);
  }
  fprintf(stderr, cli_tr("Đã xác nhận %zu trên %zu phiếu mang sang chưa xác nhận.\n",
                         "Confirmed %zu of the %zu carried-over records not confirmed yet.\n"),
          confirmed, w.count);
  ics_free(w.ids);
  return status;
}

/* Where the store stands, in a few lines a surveyor reads at a glance. */
static void print_summary(ics_store *store, const ics_store_summary *m) {
  fprintf(stderr, cli_tr("Kho '%s' (%s, %s), đợt %d: %zu phiếu nháp, %zu đã hoàn tất, %zu đã hủy.\n",
                         "Store '%s' (%s, %s), round %d: %zu drafts, %zu finalized, %zu void.\n"),
          ics_store_id(store), ics_store_site(store), ics_store_surveyor(store), ics_store_round(store),
          m->drafts, m->finalized, m->voided);
  if (m->unconfirmed)
    fprintf(stderr, cli_tr("%zu phiếu mang sang từ đợt trước chưa xác nhận: 'collect confirm' từng phiếu, hoặc sửa bằng 'collect edit'.\n",
                           "%zu records carried over from the last round are not confirmed yet: 'collect confirm' each, or change it with 'collect edit'.\n"),
            m->unconfirmed);
  if (!m->last_receipt[0]) {
    fprintf(stderr, cli_tr("Chưa có giấy biên nhận nào của Sở: chưa biết Sở đã nhận những gì (%zu lần xuất).\n",
                           "No receipt from the office yet: what it has received is not known (%zu exports).\n"),
            m->exports);
  } else {
    fprintf(stderr, cli_tr("Theo giấy biên nhận mới nhất (%.10s): Sở đã có %zu phiếu của đợt này, còn thiếu %zu; Sở đã nhận %zu trên %zu gói đã xuất.\n",
                           "By the newest receipt (%.10s): the office has %zu records of this round and lacks %zu; it received %zu of the %zu bundles exported.\n"),
            m->last_receipt, m->office_has, m->office_lacks, m->exports_received, m->exports);
  }
  if (m->pending && !m->last_receipt[0])
    fprintf(stderr, cli_tr("Lần xuất sau sẽ gửi %zu bản ghi ('ictsurvey collect export --store KHO -o TỆP_GÓI').\n",
                           "The next export sends %zu records ('ictsurvey collect export --store STORE -o BUNDLE').\n"),
            m->pending);
  else if (m->pending)
    fprintf(stderr, cli_tr("Còn %zu bản ghi Sở chưa có: gửi bằng 'ictsurvey collect export --store KHO --pending -o TỆP_GÓI'.\n",
                           "%zu records are not at the office yet: send them with 'ictsurvey collect export --store STORE --pending -o BUNDLE'.\n"),
            m->pending);
  else if (m->last_receipt[0])
    fputs(cli_tr("Sở đã có mọi bản ghi đã hoàn tất hoặc đã hủy của kho.\n",
                 "The office has every finalized or void record of the store.\n"), stderr);
  if (m->earlier)
    fprintf(stderr, cli_tr("Kho còn giữ %zu bản ghi của các đợt trước (không liệt kê).\n",
                           "The store keeps %zu records of earlier rounds (not listed).\n"),
            m->earlier);
}

static int collect_status(ics_store *store, const options *o) {
  if (o->positional_count) {
    cli_error("thừa đối số '%s'", "unexpected argument '%s'", o->positional[0]);
    return EXIT_USAGE;
  }
  ics_store_summary m;
  ics_error err = {0};
  if (ics_store_summarize(store, &m, &err)) return store_failed(&err);
  print_summary(store, &m);
  return EXIT_OK;
}

static int collect_receipt(ics_store *store, const options *o) {
  if (o->positional_count != 1) {
    cli_error("cần đúng một TỆP.receipt (giấy biên nhận Sở gửi về)", "give exactly one FILE.receipt (the office's receipt)");
    return EXIT_USAGE;
  }
  const char *path = o->positional[0];
  ics_error err = {0};
  ics_receipt *r = ics_receipt_read(path, cli_lang, &err);
  ics_receipt_counts counts;
  if (!r || ics_store_take_receipt(store, r, &counts, &err)) {
    ics_receipt_free(r);
    ics_error_prefix(&err, "%s: ", path);
    return store_failed(&err);
  }
  fprintf(stderr, cli_tr("Giấy biên nhận của Sở lập lúc %.10s %.5s UTC: Sở đã có %zu bản ghi và %zu gói của kho này.\n",
                         "The office's receipt made %.10s %.5s UTC: the office has %zu records and %zu bundles of this store.\n"),
          r->created, r->created + 11, counts.records, counts.bundles);
  if (counts.unknown)
    cli_note("giấy biên nhận còn nêu %zu bản ghi mà kho này không có: bỏ qua",
             "the receipt also lists %zu records this store does not have: left alone", counts.unknown);
  ics_receipt_free(r);
  ics_store_summary m;
  if (ics_store_summarize(store, &m, &err)) return store_failed(&err);
  print_summary(store, &m);
  return EXIT_OK;
}

static int collect_export(ics_store *store, const options *o) {
  if (!o->output) {
    cli_error("cần -o TỆP_GÓI", "-o BUNDLE is required");
    return EXIT_USAGE;
  }
  ics_export_options opts = {.bundle_id = o->bundle_id, .created = o->created,
                             .allow_empty = o->allow_empty, .pending = o->pending};
  uint64_t records;
  ics_error err = {0};
  if (ics_store_export(store, o->output, &opts, &records, &err)) return store_failed(&err);
  char fingerprint[ICS_FINGERPRINT_SIZE], signer[65];
  if (ics_store_signer(store, signer))
    fprintf(stderr, cli_tr("Gói được ký bằng khóa của kho này: %.16s…\n",
                           "The bundle is signed with this store's key: %.16s…\n"),
            signer);
  if (ics_store_sealed(store, fingerprint))
    fprintf(stderr, cli_tr("Đã xuất %llu bản ghi vào '%s', niêm phong bằng khóa của Sở (%s): chỉ Sở mở được.\n"
                           "Hãy gửi tệp này về Sở Thông tin và Truyền thông.\n",
                           "Exported %llu records to '%s', sealed to the central office's key (%s): only the office can open it.\n"
                           "Send this file to the central office.\n"),
            (unsigned long long)records, o->output, fingerprint);
  else
    fprintf(stderr, cli_tr("Đã xuất %llu bản ghi vào '%s' (có chữ ký, không niêm phong: kho chưa có khóa của Sở).\n"
                           "Hãy gửi tệp này về Sở Thông tin và Truyền thông.\n",
                           "Exported %llu records to '%s' (signed, not sealed: the store has no key of the central office).\n"
                           "Send this file to the central office.\n"),
            (unsigned long long)records, o->output);
  return EXIT_OK;
}

static int collect_set_key(ics_store *store, const options *o) {
  if (!o->central_key) {
    cli_error("cần --central-key central.pub", "--central-key central.pub is required");
    return EXIT_USAGE;
  }
  unsigned char key[ICS_KEY_BYTES];
  if (read_central_key(o->central_key, key)) return EXIT_FAIL;
  ics_error err = {0};
  if (ics_store_set_central_key(store, key, &err)) return store_failed(&err);
  char fingerprint[ICS_FINGERPRINT_SIZE];
  ics_key_fingerprint(key, fingerprint);
  fprintf(stderr, cli_tr("Từ nay các gói xuất từ '%s' được niêm phong bằng khóa của Sở %s.\n",
                         "From now on, bundles exported from '%s' are sealed to the central office's key %s.\n"),
          o->store, fingerprint);
  return EXIT_OK;
}

int cmd_collect(int argc, char **argv) {
  /* a --lang before the subcommand (cli_scan_lang read it already) is checked, then skipped */
  int first = 1;
  while (first < argc && !strncmp(argv[first], "--lang", 6)) {
    int i = first, r = cli_common_option(argc, argv, &i, "", "");
    if (r == -1) cli_error("tùy chọn không hợp lệ '%s'", "unknown option '%s'", argv[first]);
    if (r != 3) return r == -1 ? EXIT_USAGE : r;
    first = i + 1;
  }
  argc -= first - 1;
  argv += first - 1;
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    print_help(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  if (!strcmp(argv[1], "serve")) return cmd_collect_serve(argc, argv);
  size_t which = 0;
  while (which < SUB_COUNT && strcmp(argv[1], subcommands[which].name)) which++;
  if (which == SUB_COUNT) {
    cli_error("không có lệnh 'collect %s' (xem 'ictsurvey collect --help')",
              "no command 'collect %s' (see 'ictsurvey collect --help')", argv[1]);
    return EXIT_USAGE;
  }
  options o;
  int r = parse_options(argc, argv, &o);
  if (r >= 0) return r;
  if (o.help) {
    print_sub_help(which, o.store);
    return EXIT_OK;
  }
  if (which == SUB_INIT) return collect_init(&o);
  if (which == SUB_TEMPLATE) return collect_template(&o);
  if (which == SUB_EXPORT && o.output) {
    const char *inputs[] = {o.store};
    if (cli_check_output(o.output, ICS_FILE_BUNDLE, o.force, inputs, 1)) return EXIT_FAIL;
  }
  ics_error err = {0};
  ics_store *store = ics_store_open(o.store, cli_lang, &err);
  if (!store) return store_failed(&err);
  int status;
  switch (which) {
  case SUB_FILL: status = collect_fill(store, &o); break;
  case SUB_EDIT: status = collect_edit(store, &o); break;
  case SUB_VOID: status = collect_void(store, &o); break;
  case SUB_UNVOID: status = collect_unvoid(store, &o); break;
  case SUB_LIST: status = collect_list(store, &o); break;
  case SUB_STATUS: status = collect_status(store, &o); break;
  case SUB_CONFIRM: status = collect_confirm(store, &o); break;
  case SUB_RECEIPT: status = collect_receipt(store, &o); break;
  case SUB_EXPORT: status = collect_export(store, &o); break;
  case SUB_SET_KEY: status = collect_set_key(store, &o); break;
  default: status = collect_update(store, &o); break;
  }
  ics_store_close(store);
  return status;
}
