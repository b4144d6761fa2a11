/* cmd_kit.c - `ictsurvey kit`: the office publishes its forms, unit register and targets into
 * the central database and writes them, with its public keys, into one signed survey kit. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator.h"
#include "ics_syntax.h"
#include "cli.h"
#include "keys.h"
#include "kit.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey kit --db CSDL --key THƯ_MỤC/central.key [--forms THƯ_MỤC]\n"
    "                         [--round NĂM] [--next-key THƯ_MỤC_MỚI/central.pub] -o TỆP.kit\n"
    "       ictsurvey kit --db CSDL --key THƯ_MỤC/central.key --round NĂM --prefill NĂM_TRƯỚC\n"
    "                     --store-id MÃ_KHO -o TỆP.kit\n"
    "\n"
    "Công bố các biểu mẫu, danh mục đơn vị và chỉ tiêu vào cơ sở dữ liệu trung tâm (tạo mới\n"
    "nếu chưa có) rồi ghi bộ biểu mẫu (kit): một tệp có chữ ký của Sở, mang các định nghĩa đó\n"
    "và khóa công khai của Sở. Người khảo sát tạo kho bằng 'ictsurvey collect init --kit' và\n"
    "cập nhật bằng 'ictsurvey collect update --kit'. Sở chỉ nhận bản ghi làm bằng biểu mẫu đã\n"
    "công bố. Công bố lại đúng các định nghĩa đó thì không thay đổi gì (ghi lại cùng bộ kit);\n"
    "một biểu mẫu đã sửa phải có 'version' mới.\n"
    "\n"
    "  --forms THƯ_MỤC   các định nghĩa (cách xếp như schema/definitions; mặc định: bản kèm theo)\n"
    "  --round NĂM       đợt khảo sát của các kho làm từ bộ kit (mặc định: năm nay)\n"
    "  --next-key TỆP    đổi khóa: bộ kit này (ký bằng khóa cũ) giới thiệu cặp khóa mới của Sở\n"
    "                    (central.pub của thư mục khóa mới); xem docs/security.md\n"
    "  --prefill NĂM_TRƯỚC --store-id MÃ_KHO\n"
    "                    bộ kit riêng cho một kho: mang các bản ghi hiện hành của kho đó trong\n"
    "                    đợt NĂM_TRƯỚC sang đợt --round, niêm phong bằng khóa của kho (biết từ các\n"
    "                    gói nó đã ký): chỉ kho đó mở được. Kho dùng nó bằng collect update --kit.\n"
    "  --force           ghi đè một tệp loại khác\n"
    "  --lang vi|en      Ngôn ngữ (mặc định vi).\n";

static const char help_en[] =
    "Usage: ictsurvey kit --db CENTRAL --key DIR/central.key [--forms DIR] [--round YEAR]\n"
    "                     [--next-key NEWDIR/central.pub] -o FILE.kit\n"
    "       ictsurvey kit --db CENTRAL --key DIR/central.key --round YEAR --prefill PREVIOUS_YEAR\n"
    "                     --store-id ID -o FILE.kit\n"
    "\n"
    "Publish the forms, the unit register and the targets into the central database (created\n"
    "if absent) and write a survey kit: one file signed by the office that carries them and\n"
    "the office's public keys. Surveyors make stores with 'ictsurvey collect init --kit' and\n"
    "update them with 'ictsurvey collect update --kit'. The office accepts only records made\n"
    "with forms it published. Publishing the same definitions again changes nothing (the same\n"
    "kit is written again); a changed form needs a new 'version'.\n"
    "\n"
    "  --forms DIR       the definitions (laid out as schema/definitions; default: the shipped)\n"
    "  --round YEAR      the round of stores made from the kit (default: this year)\n"
    "  --next-key FILE   a change of keys: this kit (signed with the old key) names the\n"
    "                    office's new key pair (the new folder's central.pub); docs/security.md\n"
    "  --prefill PREVIOUS_YEAR --store-id ID\n"
    "                    a kit for one store: it carries that store's current records of\n"
    "                    PREVIOUS_YEAR into round --round, sealed to the store's key (known from\n"
    "                    the bundles it signed): only that store can open them. The store takes\n"
    "                    it with collect update --kit.\n"
    "  --force           overwrite a file of another kind\n"
    "  --lang vi|en      Language (default vi).\n";

/* What the kit says of the office's keys, as the central database records it. */
static char *keys_text(const ics_office_public *pub, const ics_office_public *next) {
  char seal[65], sign[65];
  ics_buf b = {0};
  sodium_bin2hex(seal, sizeof seal, pub->seal, 32);
  sodium_bin2hex(sign, sizeof sign, pub->signing, 32);
  ics_buf_printf(&b, "seal %s signing %s", seal, sign);
  if (next) {
    sodium_bin2hex(seal, sizeof seal, next->seal, 32);
    sodium_bin2hex(sign, sizeof sign, next->signing, 32);
    ics_buf_printf(&b, " next-seal %s next-signing %s", seal, sign);
  }
  return ics_buf_take(&b);
}

/* The records a pre-filled kit carries, copied out of the database: those of the kit's forms
 * (a form the new round no longer has cannot carry any; they are counted in left_out). */
typedef struct {
  const ics_definitions *defs;
  ics_prefill_record *records;
  size_t count, cap, left_out;
} carried_records;

static int carry_record(void *ctx, const char *instance_id, const char *form_id, const char *answers,
                        size_t answers_len, ics_error *err) {
  carried_records *r = ctx;
  bool known = false;
  for (size_t i = 0; i < r->defs->form_count && !known; i++) known = !strcmp(r->defs->forms[i]->id, form_id);
  if (!known) {
    r->left_out++;
    return 0;
  }
  if (r->count == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 256;
    ics_prefill_record *grown = ics_realloc(r->records, cap * sizeof *grown);
    if (!grown) goto no_memory;
    r->records = grown;
    r->cap = cap;
  }
  ics_prefill_record rec = {ics_strdup(instance_id), ics_strdup(form_id), ics_strndup(answers, answers_len),
                            answers_len};
  if (!rec.instance_id || !rec.form_id || !rec.answers) {
    ics_free((char *)rec.instance_id);
    ics_free((char *)rec.form_id);
    ics_free((char *)rec.answers);
    goto no_memory;
  }
  r->records[r->count++] = rec;
  return 0;
no_memory:
  ics_error_no_memory(err, cli_lang);
  return -1;
}

static void carried_free(carried_records *r) {
  for (size_t i = 0; i < r->count; i++) {
    ics_free((char *)r->records[i].instance_id);
    ics_free((char *)r->records[i].form_id);
    sodium_memzero((char *)r->records[i].answers, r->records[i].answers_len);
    ics_free((char *)r->records[i].answers);
  }
  ics_free(r->records);
}

/* What a pre-filled kit carries: the sealed records and how many. */
typedef struct {
  unsigned char *sealed;
  size_t len, count, left_out;
} prefill_out;

/* The current records of store_id in round `previous` of the forms of defs, sealed to the key
 * its bundles are signed with. Made before anything is published, so that a refusal leaves the
 * database as it was. 0, or -1 (said). */
static int seal_prefill(ics_central *c, const ics_definitions *defs, const char *store_id, int previous,
                        prefill_out *out) {
  ics_error err = {0};
  char signer[65];
  bool found = false;
  carried_records records = {.defs = defs};
  int rc = -1;
  if (ics_central_store_signer(c, store_id, signer, &found, &err)) {
    cli_print_error(&err);
  } else if (!found) {
    cli_error("Sở chưa nhận gói nào có chữ ký của kho %s: bộ kit mang sang được niêm phong bằng khóa "
              "mà các gói của kho đó được ký, nên kho phải gửi ít nhất một gói trước",
              "the office has no signed bundle of the store %s: a pre-filled kit is sealed to the key "
              "that store's bundles are signed with, so it must have sent a bundle first",
              store_id);
  } else if (ics_central_current_records(c, store_id, previous, carry_record, &records, &err)) {
    cli_print_error(&err);
  } else if (!records.count) {
    cli_error("Sở không có bản ghi nào của kho %s trong đợt %d: không có gì để mang sang",
              "the office holds no record of the store %s in round %d: nothing to carry over",
              store_id, previous);
  } else {
    unsigned char key[32];
    size_t got = 0;
    sodium_hex2bin(key, sizeof key, signer, 64, NULL, &got, NULL);
    ics_prefill p = {.store_id = store_id, .round = previous, .records = records.records,
                     .record_count = records.count};
    if (got != sizeof key) {
      cli_error("khóa của kho %s ghi trong CSDL bị hỏng", "the key recorded for the store %s is damaged", store_id);
    } else if (ics_prefill_seal(&p, key, &out->sealed, &out->len, cli_lang, &err)) {
      cli_print_error(&err);
    } else {
      out->count = records.count;
      out->left_out = records.left_out;
      rc = 0;
    }
  }
  ics_error_clear(&err);
  carried_free(&records);
  return rc;
}

static int write_kit(const char *db, const char *key_path, const char *forms_dir, int round,
                     const char *next_path, const char *output, bool force, int previous,
                     const char *store_id) {
  ics_error err = {0}; /* of the keys, the database and the kit */
  prefill_out prefill = {0};
  ics_office_secret key;
  if (ics_keys_read_office_secret(key_path, &key, cli_lang, &err)) {
    cli_print_error(&err);
    ics_error_clear(&err);
    return EXIT_FAIL;
  }
  int status = EXIT_FAIL;
  ics_office_public next;
  ics_definitions defs = {0};
  ics_central *c = NULL;
  char *keys = NULL, *dir = NULL;
  if (!key.pub.can_sign) {
    cli_error("%s chưa có khóa ký (do phiên bản cũ tạo ra): hãy chạy 'ictsurvey keys init --dir' với thư mục "
              "của nó để thêm khóa ký, rồi làm lại",
              "%s has no signing key (made by an older version): run 'ictsurvey keys init --dir' on its "
              "folder to add one, then try again",
              key_path);
    goto done;
  }
  if (next_path && ics_keys_read_office_public(next_path, &next, cli_lang, &err)) {
    cli_print_error(&err);
    goto done;
  }
  if (next_path && (!next.can_sign || !memcmp(next.signing, key.pub.signing, 32))) {
    cli_error(!next.can_sign ? "%s không có khóa ký: hãy tạo cặp khóa mới bằng 'ictsurvey keys init'"
                             : "%s là chính khóa hiện tại, không phải khóa mới",
              !next.can_sign ? "%s has no signing key: make the new key pair with 'ictsurvey keys init'"
                             : "%s is the current key, not a new one",
              next_path);
    goto done;
  }
  const char *inputs[] = {db, key_path, next_path, forms_dir};
  if (cli_check_output(output, ICS_FILE_KIT, force, inputs, next_path ? 3 : 2)) goto done;
  dir = forms_dir ? ics_strdup(forms_dir) : cli_definitions_dir();
  if (!dir) { cli_out_of_memory(); goto done; } /* out of memory */
  ics_errors diags = {0};
  int loaded = dir ? ics_definitions_load(dir, cli_lang, &defs, &diags) : 1;
  cli_print_errors(&diags);
  ics_errors_free(&diags);
  if (loaded) {
    cli_error("các định nghĩa trong '%s' có lỗi (xem trên): chưa công bố gì",
              "the definitions in '%s' have errors (see above): nothing was published", dir ? dir : "?");
    goto done;
  }
  /* a new database, or one made before kits, starts with exactly these */
  ics_central_options options = {.initial = &defs};
  c = ics_central_open(db, &options, cli_lang, &err);
  keys = c ? keys_text(&key.pub, next_path ? &next : NULL) : NULL;
  if (c && !keys) ics_error_no_memory(&err, cli_lang);
  ics_kit_stamp stamp;
  if (c && keys && store_id && seal_prefill(c, &defs, store_id, previous, &prefill)) goto done;
  if (!keys || ics_central_publish(c, &defs, round, keys, &stamp, &err)) {
    cli_print_error(&err);
    ics_error_clear(&err);
    goto done;
  }
  ics_kit_form *forms = ics_calloc(defs.form_count, sizeof *forms);
  if (!forms) {
    cli_out_of_memory();
    goto done;
  }
  for (size_t i = 0; i < defs.form_count; i++) {
    const ics_form *f = defs.forms[i];
    forms[i] = (ics_kit_form){.id = f->id, .version = f->version, .hash = f->hash,
                              .text = f->source, .len = f->source_len};
  }
  ics_kit kit = {.kit_id = stamp.kit_id, .sequence = stamp.sequence, .created = stamp.created,
                 .round = round, .has_next = next_path != NULL, .forms = forms,
                 .form_count = defs.form_count, .register_text = defs.register_text,
                 .register_len = defs.register_len, .targets_text = defs.targets_text,
                 .targets_len = defs.targets_len};
  memcpy(kit.seal_key, key.pub.seal, 32);
  memcpy(kit.signing_key, key.pub.signing, 32);
  if (next_path) {
    memcpy(kit.next_seal_key, next.seal, 32);
    memcpy(kit.next_signing_key, next.signing, 32);
  }
  if (store_id) {
    kit.prefill_store = store_id;
    kit.prefill_round = previous;
    kit.prefill = prefill.sealed;
    kit.prefill_len = prefill.len;
  }
  int written = ics_kit_write(output, &kit, key.signing_secret, cli_lang, &err);
  ics_free(forms);
  if (written) {
    ics_error_prefix(&err, "%s: ", output); /* the kit's messages never name the file */
    cli_print_error(&err);
    goto done;
  }
  if (store_id && stamp.is_new)
    fprintf(stderr, cli_tr("Đã công bố %zu biểu mẫu, danh mục đơn vị và chỉ tiêu vào '%s'.\n",
                           "Published %zu forms, the unit register and the targets into '%s'.\n"),
            defs.form_count, db);
  if (store_id)
    fprintf(stderr, cli_tr("Đã ghi bộ biểu mẫu số %llu vào '%s' (đợt %d).\n", "Wrote kit number %llu to '%s' (round %d).\n"),
            (unsigned long long)stamp.sequence, output, round);
  else if (stamp.is_new)
    fprintf(stderr, cli_tr("Đã công bố %zu biểu mẫu, danh mục đơn vị và chỉ tiêu vào '%s'.\n"
                           "Đã ghi bộ biểu mẫu số %llu vào '%s' (đợt %d). Gửi tệp này cho người khảo sát:\n"
                           "  ictsurvey collect init --store KHO --site NƠI --surveyor TÊN --kit %s\n",
                           "Published %zu forms, the unit register and the targets into '%s'.\n"
                           "Wrote kit number %llu to '%s' (round %d). Send this file to the surveyors:\n"
                           "  ictsurvey collect init --store STORE --site SITE --surveyor NAME --kit %s\n"),
            defs.form_count, db, (unsigned long long)stamp.sequence, output, round, output);
  else if (!store_id)
    fprintf(stderr, cli_tr("Không có gì thay đổi từ bộ biểu mẫu số %llu: đã ghi lại đúng bộ đó vào '%s'.\n",
                           "Nothing changed since kit number %llu: wrote that same kit to '%s' again.\n"),
            (unsigned long long)stamp.sequence, output);
  if (store_id)
    fprintf(stderr, cli_tr("Bộ này mang %zu bản ghi của kho %s trong đợt %d sang đợt %d, niêm phong bằng khóa của kho: chỉ\n"
                           "kho đó mở được. Gửi cho người khảo sát của kho:\n"
                           "  ictsurvey collect update --store KHO --kit %s\n",
                           "This kit carries %zu records of the store %s in round %d into round %d, sealed to the store's key:\n"
                           "only that store can open them. Send it to that store's surveyor:\n"
                           "  ictsurvey collect update --store STORE --kit %s\n"),
            prefill.count, store_id, previous, round, output);
  if (prefill.left_out)
    cli_note("%zu bản ghi của kho thuộc biểu mẫu mà đợt %d không còn: không mang sang",
             "%zu records of the store are of forms round %d no longer has: not carried over",
             prefill.left_out, round);
  cli_office_fingerprint(key.pub.signing);
  if (next_path) {
    char fingerprint[ICS_FINGERPRINT_SIZE];
    ics_key_fingerprint(next.signing, fingerprint);
    fprintf(stderr, cli_tr("Bộ này giới thiệu khóa mới của Sở (%s): các bộ sau hãy ký bằng khóa mới.\n",
                           "This kit names the office's new key (%s): sign later kits with the new key.\n"),
            fingerprint);
  }
  status = EXIT_OK;
done:
  ics_error_clear(&err);
  ics_free(prefill.sealed);
  ics_free(keys);
  ics_free(dir);
  ics_central_close(c);
  ics_definitions_free(&defs);
  ics_office_secret_wipe(&key);
  return status;
}

int cmd_kit(int argc, char **argv) {
  const char *db = NULL, *key = NULL, *forms = NULL, *round_text = NULL, *next = NULL, *output = NULL;
  const char *prefill_text = NULL, *store_id = NULL;
  bool force = false;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    if (!strcmp(argv[i], "--force")) {
      force = true;
      continue;
    }
    static const char *const names[] = {"--db", "--key", "--forms", "--round", "--next-key", "-o",
                                        "--prefill", "--store-id"};
    const char **const slots[] = {&db, &key, &forms, &round_text, &next, &output, &prefill_text, &store_id};
    r = cli_options_value(argc, argv, &i, names, slots, 8);
    if (r < 0) return EXIT_USAGE;
    if (!r) {
      cli_error("đối số không hợp lệ '%s' (xem 'ictsurvey kit --help')",
                "unexpected argument '%s' (see 'ictsurvey kit --help')", argv[i]);
      return EXIT_USAGE;
    }
  }
  if (!db || !key || !output) {
    cli_error("cần --db CSDL, --key THƯ_MỤC/central.key và -o TỆP.kit",
              "--db CENTRAL, --key DIR/central.key and -o FILE.kit are required");
    return EXIT_USAGE;
  }
  int round = ics_current_year();
  if (round_text) {
    char *end;
    long y = strtol(round_text, &end, 10);
    if (*end || y < 2000 || y > 2100) {
      cli_error("đợt '%s' không hợp lệ: cần một năm, ví dụ 2013", "invalid round '%s': give a year, e.g. 2013",
                round_text);
      return EXIT_USAGE;
    }
    round = (int)y;
  }
  int previous = 0;
  if (!prefill_text != !store_id || (prefill_text && !round_text)) {
    cli_error("--prefill NĂM_TRƯỚC đi cùng --store-id MÃ_KHO và --round NĂM",
              "--prefill PREVIOUS_YEAR goes with --store-id ID and --round YEAR");
    return EXIT_USAGE;
  }
  if (prefill_text) {
    char *end;
    long y = strtol(prefill_text, &end, 10);
    if (*end || y < 2000 || y >= round) {
      cli_error("--prefill '%s' không hợp lệ: cần một năm trước đợt %d", "invalid --prefill '%s': give a year before round %d",
                prefill_text, round);
      return EXIT_USAGE;
    }
    previous = (int)y;
    if (!ics_uuid_parse(store_id, strlen(store_id), NULL)) {
      cli_error("mã kho '%s' không hợp lệ (cần dạng UUID, như trong 'ictsurvey status')",
                "invalid store id '%s' (a UUID, as 'ictsurvey status' shows it)", store_id);
      return EXIT_USAGE;
    }
    if (next) {
      cli_error("--prefill không dùng kèm --next-key", "--prefill does not go with --next-key");
      return EXIT_USAGE;
    }
  }
  return write_kit(db, key, forms, round, next, output, force, previous, store_id);
}
