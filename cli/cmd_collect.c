/* cmd_collect.c - `ictsurvey collect init|fill|edit|void|list|export`: the surveyor's side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answers_file.h"
#include "cli.h"
#include "collector.h"
#include "keys.h"
#include "kit.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey collect LỆNH --store KHO [TÙY CHỌN...]\n"
    "\n"
    "Nhập phiếu khảo sát trên máy không có mạng và xuất ra tệp gói (bundle) gửi về Sở.\n"
    "\n"
    "  init   --store KHO --site NƠI --surveyor TÊN --kit TỆP.kit\n"
    "         Tạo kho dữ liệu mới (một tệp) từ bộ biểu mẫu (kit) Sở gửi: biểu mẫu, danh\n"
    "         mục đơn vị, đợt khảo sát và khóa của Sở. Chữ ký của Sở được kiểm tra; hãy đọc\n"
    "         dấu vân tay in ra cho Sở qua điện thoại. Các gói xuất ra được niêm phong.\n"
    "  init   --store KHO --site NƠI --surveyor TÊN [--round NĂM] [--forms THƯ_MỤC]\n"
    "         [--central-key central.pub]\n"
    "         Chỉ để thử biểu mẫu: Sở không nhận gói của kho này nếu chưa công bố đúng các\n"
    "         định nghĩa đó. Đợt mặc định là năm hiện tại.\n"
    "  update --store KHO --kit TỆP.kit\n"
    "         Dùng bộ biểu mẫu mới hơn của cùng Sở (phiên bản biểu mẫu mới, danh mục đổi,\n"
    "         Sở đổi khóa) giữa đợt; các bản ghi đã có được giữ nguyên.\n"
    "  set-key --store KHO --central-key central.pub\n"
    "         Dùng khóa công khai mới của Sở cho các lần xuất sau (khi Sở đổi khóa).\n"
    "  fill   --store KHO BIỂU_MẪU [--answers TỆP] [--draft]\n"
    "         Không có --answers: điền phiếu từng câu một (có thể làm tiếp phiếu nháp).\n"
    "         Có --answers: nhập mọi bản ghi của TỆP (YAML hoặc .csv); có lỗi thì không\n"
    "         lưu bản ghi nào; stdout in mã của các bản ghi mới.\n"
    "  edit   --store KHO MÃ_BẢN_GHI [--answers TỆP]   Sửa một bản ghi (lần sửa + 1).\n"
    "  void   --store KHO MÃ_BẢN_GHI   Hủy một bản ghi nhập nhầm (không xóa gì).\n"
    "  list   --store KHO              Liệt kê bản ghi: mã, biểu mẫu, khóa, lần sửa,\n"
    "                                  trạng thái, thời điểm sửa (cách nhau bởi tab).\n"
    "  export --store KHO -o TỆP_GÓI   Xuất mọi bản ghi đã hoàn tất hoặc đã hủy, có chữ\n"
    "         ký của kho (và niêm phong nếu kho có khóa của Sở).\n"
    "         [--bundle-id UUID] [--created NNNN-TT-NNTgg:pp:ssZ] để ra tệp giống hệt\n"
    "         (trừ gói niêm phong: mỗi lần niêm phong một khác). Không ghi đè kho dữ\n"
    "         liệu, CSDL hay tệp khóa, trừ khi có --force.\n"
    "\n"
    "  --lang vi|en   Ngôn ngữ (mặc định vi).\n";

static const char help_en[] =
    "Usage: ictsurvey collect COMMAND --store STORE [OPTION...]\n"
    "\n"
    "Fill survey forms on a PC without network and export a bundle for the central office.\n"
    "\n"
    "  init   --store STORE --site SITE --surveyor NAME --kit FILE.kit\n"
    "         Create a new store (one file) from the office's survey kit: its forms, unit\n"
    "         register, round and keys. The office's signature is checked; read the\n"
    "         fingerprint it prints back to the office over the phone. Exports are sealed.\n"
    "  init   --store STORE --site SITE --surveyor NAME [--round YEAR] [--forms DIR]\n"
    "         [--central-key central.pub]\n"
    "         For trying out forms only: the office merges nothing such a store sends unless\n"
    "         it published those exact definitions. The round defaults to the current year.\n"
    "  update --store STORE --kit FILE.kit\n"
    "         Adopt a newer kit of the same office mid-round (new form versions, register\n"
    "         changes, a change of office key); records already stored are kept.\n"
    "  set-key --store STORE --central-key central.pub\n"
    "         Seal later exports to the office's new public key (when the office changes keys).\n"
    "  fill   --store STORE FORM [--answers FILE] [--draft]\n"
    "         Without --answers: the question-by-question wizard (offers to resume a draft).\n"
    "         With --answers: import every record of FILE (YAML, or .csv); on any error\n"
    "         nothing is stored; stdout lists the new instance ids.\n"
    "  edit   --store STORE INSTANCE_ID [--answers FILE]   Change a record (revision + 1).\n"
    "  void   --store STORE INSTANCE_ID   Withdraw a record entered by mistake (nothing is deleted).\n"
    "  list   --store STORE               One line per record: instance_id, form, natural key,\n"
    "                                     revision, status, updated_at (tab-separated).\n"
    "  export --store STORE -o BUNDLE     Write every finalized and void record to a bundle,\n"
    "         signed with the store's key (and sealed when the store has the office's key).\n"
    "         [--bundle-id UUID] [--created YYYY-MM-DDTHH:MM:SSZ] for identical output\n"
    "         (not when sealed: every seal differs). Never overwrites a store, a database\n"
    "         or a key file unless --force is given.\n"
    "\n"
    "  --lang vi|en   Language (default vi).\n";

typedef struct {
  const char *store, *site, *surveyor, *round, *forms, *answers, *output, *bundle_id, *created;
  const char *central_key, *kit;
  bool draft;
  bool force; /* export: overwrite a file of another kind */
  bool allow_empty; /* export: a bundle without records */
  const char *positional[4];
  int positional_count;
} options;

static int parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  for (int i = 2; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    static const char *const names[] = {"--store", "--site", "--surveyor", "--round", "--forms",
                                        "--answers", "-o", "--bundle-id", "--created",
                                        "--central-key", "--kit"};
    const char **const slots[] = {&o->store, &o->site, &o->surveyor, &o->round, &o->forms,
                            &o->answers, &o->output, &o->bundle_id, &o->created,
                            &o->central_key, &o->kit};
    r = cli_options_value(argc, argv, &i, names, slots, sizeof names / sizeof *names);
    if (r < 0) return EXIT_USAGE;
    bool matched = r == 1;
    if (matched) continue;
    if (!strcmp(argv[i], "--draft")) {
      o->draft = true;
    } else if (!strcmp(argv[i], "--force")) {
      o->force = true;
    } else if (!strcmp(argv[i], "--allow-empty")) {
      o->allow_empty = true;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      cli_error("tùy chọn không hợp lệ '%s' (xem 'ictsurvey collect --help')",
                "unknown option '%s' (see 'ictsurvey collect --help')", argv[i]);
      return EXIT_USAGE;
    } else if (o->positional_count < 4) {
      o->positional[o->positional_count++] = argv[i];
    } else {
      cli_error("thừa đối số '%s'", "unexpected argument '%s'", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!o->store) {
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
  int status = EXIT_OK;
  if (ics_store_kit(store, &before, &err) || ics_store_adopt_kit(store, kit, &adopted, &err)) {
    status = store_failed(&err);
  } else {
    if (!adopted) {
      fprintf(stderr, cli_tr("Kho '%s' đã có bộ biểu mẫu này (số %llu): không thay đổi gì.\n",
                             "The store '%s' has this kit already (number %llu): nothing changed.\n"),
              o->store, (unsigned long long)kit->sequence);
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
    show_clock(round);
  }
  ics_errors_free(&diags);
  ics_free(dir);
  return status;
}

/* ---- fill and edit from an answers file ------------------------------------------------- */
/* Imports a whole file (ics_store_import: every record or none) and says what happened. */
static int import_answers(ics_store *store, const ics_form *form, const char *path,
                          ics_answers_mode mode, const ics_record *base, const char *edit_id,
                          ics_record_status status) {
  ics_import_options opts = {.mode = mode, .base = base, .edit_id = edit_id, .status = status,
                             .lang = cli_lang};
  ics_buf ids = {0}, notes = {0};
  ics_errors diags = {0};
  ics_error err = {0};
  int rc = ics_store_import(store, form, path, NULL, 0, &opts, &ids, &notes, &diags, &err);
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
  } else if (ids.data) {
    fputs(ids.data, stdout);
  }
  ics_buf_free(&ids);
  ics_buf_free(&notes);
  ics_errors_free(&diags);
  return status_code;
}

static ics_wizard_io terminal(void) {
  return (ics_wizard_io){.in = stdin, .out = stderr, .lang = cli_lang};
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
    return import_answers(store, form, o->answers, o->draft ? ICS_ANSWERS_DRAFT : ICS_ANSWERS_FULL,
                          NULL, NULL, o->draft ? ICS_DRAFT : ICS_FINALIZED);
  ics_wizard_io io = terminal();
  char draft[37], id[37] = "";
  ics_error err = {0};
  bool found;
  if (ics_store_find_draft(store, form->id, draft, &found, &err)) return store_failed(&err);
  const char *resume = NULL;
  if (found) {
    fprintf(stderr, cli_tr("Có phiếu nháp %s của biểu mẫu '%s'.\n", "There is a draft %s of the form '%s'.\n"),
            draft, form->id);
    if (ics_wizard_confirm(&io, cli_tr("Làm tiếp phiếu nháp này?", "Continue this draft?"), true)) resume = draft;
  }
  ics_wizard_result r = ics_wizard_run(store, form, resume, &io, id, &err);
  if (r == ICS_WIZARD_ERROR) return store_failed(&err);
  if (id[0]) printf("%s\n", id);
  return EXIT_OK;
}

/* The record named by the one INSTANCE_ID argument of edit and void: -1 when found, else
 * the exit status (a usage error, or the store's error printed). */
static int named_record(ics_store *store, const options *o, ics_record **rec, ics_record_info *info) {
  if (o->positional_count != 1) {
    cli_error("cần đúng một MÃ_BẢN_GHI", "give exactly one INSTANCE_ID");
    return EXIT_USAGE;
  }
  ics_error err = {0};
  *rec = NULL;
  if (ics_store_get(store, o->positional[0], rec, info, &err)) return store_failed(&err);
  return -1;
}

static int collect_edit(ics_store *store, const options *o) {
  ics_record *rec;
  ics_record_info info;
  int status = named_record(store, o, &rec, &info);
  if (status >= 0) return status;
  ics_error err = {0};
  if (info.status == ICS_VOID) {
    cli_error("bản ghi %s đã bị hủy, không sửa được", "the record %s is void and cannot be changed",
              info.instance_id);
    status = EXIT_FAIL;
  } else if (o->answers) {
    status = import_answers(store, rec->form, o->answers, ICS_ANSWERS_PATCH, rec, info.instance_id,
                            info.status);
  } else {
    ics_wizard_io io = terminal();
    char id[37];
    status = ics_wizard_run(store, rec->form, info.instance_id, &io, id, &err) == ICS_WIZARD_ERROR
                 ? store_failed(&err)
                 : EXIT_OK;
  }
  ics_record_free(rec);
  return status;
}

static int collect_void(ics_store *store, const options *o) {
  ics_record *rec;
  ics_record_info info;
  int status = named_record(store, o, &rec, &info);
  if (status >= 0) return status;
  status = EXIT_OK;
  ics_error err = {0};
  if (info.status == ICS_VOID) {
    fprintf(stderr, cli_tr("Bản ghi %s đã bị hủy trước đó.\n", "The record %s was already void.\n"), info.instance_id);
  } else if (ics_store_revise(store, info.instance_id, rec, ICS_VOID, &err)) {
    status = store_failed(&err);
  } else {
    fprintf(stderr, cli_tr("Đã hủy bản ghi %s (lần sửa %d); lần xuất sau sẽ báo cho Sở.\n",
                           "Voided the record %s (revision %d); the next export tells the central office.\n"),
            info.instance_id, info.revision + 1);
  }
  ics_record_free(rec);
  return status;
}

static int print_line(void *ctx, const ics_record_info *info, const char *key, ics_error *err) {
  (void)ctx;
  ics_buf safe = {0}; /* a tab or newline in a key would shift the columns or forge a line */
  ics_escape_controls(&safe, key, strlen(key));
  if (safe.failed) {
    ics_buf_free(&safe);
    ics_error_no_memory(err, cli_lang);
    return -1;
  }
  printf("%s\t%s\t%s\t%d\t%s\t%s\n", info->instance_id, info->form_id, safe.data ? safe.data : "",
         info->revision, ics_record_status_name(info->status), info->updated_at);
  ics_buf_free(&safe);
  return 0;
}

static int collect_export(ics_store *store, const options *o) {
  if (!o->output) {
    cli_error("cần -o TỆP_GÓI", "-o BUNDLE is required");
    return EXIT_USAGE;
  }
  ics_export_options opts = {.bundle_id = o->bundle_id, .created = o->created,
                             .allow_empty = o->allow_empty};
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
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(cli_tr(help_vi, help_en), argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  static const char *const commands[] = {"init", "fill", "edit", "void", "list", "export", "set-key",
                                         "update"};
  size_t which = 0;
  while (which < 8 && strcmp(argv[1], commands[which])) which++;
  if (which == 8) {
    cli_error("không có lệnh 'collect %s' (xem 'ictsurvey collect --help')",
              "no command 'collect %s' (see 'ictsurvey collect --help')", argv[1]);
    return EXIT_USAGE;
  }
  options o;
  int r = parse_options(argc, argv, &o);
  if (r >= 0) return r;
  if (which == 0) return collect_init(&o);
  if (which == 5 && o.output) {
    const char *inputs[] = {o.store};
    if (cli_check_output(o.output, ICS_FILE_BUNDLE, o.force, inputs, 1)) return EXIT_FAIL;
  }
  ics_error err = {0};
  ics_store *store = ics_store_open(o.store, cli_lang, &err);
  if (!store) return store_failed(&err);
  int status;
  switch (which) {
  case 1: status = collect_fill(store, &o); break;
  case 2: status = collect_edit(store, &o); break;
  case 3: status = collect_void(store, &o); break;
  case 4: status = ics_store_list(store, print_line, NULL, &err) ? store_failed(&err) : EXIT_OK; break;
  case 5: status = collect_export(store, &o); break;
  case 6: status = collect_set_key(store, &o); break;
  default: status = collect_update(store, &o); break;
  }
  ics_store_close(store);
  return status;
}
