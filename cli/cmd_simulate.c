/* cmd_simulate.c - `ictsurvey simulate`: a survey round of Long An made up from a seed, the
 * way the central office rehearses before sending surveyors out. Every store is filled through
 * the real import path (answers files, ics_store_import), bundles are exported by the real
 * exporter, and the usual accidents happen: agencies without a CIO, a district People's
 * Committee that never reports, a person entered by two surveyors, records edited and voided
 * after a first export, a bundle sent twice and one damaged in transit. The answers files
 * stay in OUT/answers so that tests can recompute every indicator independently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "collector.h"
#include "keys.h"
#include "kit.h"

static const char help_vi[] =
    "Cách dùng: ictsurvey simulate --out THƯ_MỤC [--seed SỐ] [--staff SỐ] [--round NĂM]\n"
    "                              [--kit TỆP.kit | --central-key central.pub]\n"
    "\n"
    "Tạo một đợt khảo sát giả lập của tỉnh Long An để diễn tập: kho dữ liệu cho từng người khảo\n"
    "sát (nhập qua đúng đường nhập tệp trả lời), các tệp gói đã xuất (có gói sửa rồi gửi lại,\n"
    "gói gửi hai lần, gói bị hỏng). stdout: đường dẫn các tệp gói, mỗi dòng một tệp.\n"
    "  --staff SỐ   số phiếu cán bộ (mặc định 1000; vài trăm cho kiểm thử, hàng triệu để đo)\n"
    "  --kit TỆP.kit   mọi kho được tạo từ bộ biểu mẫu này (ictsurvey kit), như ngoài thực tế\n"
    "  --central-key central.pub   mọi kho niêm phong gói bằng khóa này (không có bộ kit)\n";
static const char help_en[] =
    "Usage: ictsurvey simulate --out DIR [--seed N] [--staff N] [--round YEAR]\n"
    "                          [--kit FILE.kit | --central-key central.pub]\n"
    "\n"
    "Make up a survey round of Long An to rehearse with: a store per surveyor (filled through\n"
    "the real answers-file import), the bundles they export (one edited and re-sent, one sent\n"
    "twice, one damaged). stdout: the bundles' paths, one per line.\n"
    "  --staff N    staff records (default 1000; a few hundred for tests, millions for benchmarks)\n"
    "  --kit FILE.kit  every store is made from this survey kit (ictsurvey kit), as in the field\n"
    "  --central-key central.pub   every store seals its bundles to this key (without a kit)\n";

/* splitmix64: the same seed gives the same province on every machine */
static uint64_t rng_state;
static uint64_t next_random(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static int pick(int n) { return (int)(next_random() % (uint64_t)n); }
static bool chance(int percent) { return pick(100) < percent; }

static const char *const districts[] = {"794", "795", "796", "797", "798", "799", "800", "801",
                                        "802", "803", "804", "805", "806", "807", "808"};
static const char *const depts[] = {"VP-UBND", "SO-NV", "SO-TP", "SO-KHDT", "SO-TC", "SO-CT",
                                    "SO-NNPTNT", "SO-GTVT", "SO-XD", "SO-TNMT", "SO-TTTT", "SO-LDTBXH",
                                    "SO-VHTTDL", "SO-KHCN", "SO-GDDT", "SO-YT", "TTR-TINH", "BQL-KKT"};
enum { DISTRICTS = 15, DEPTS = 18 };
static const char silent_pc[] = "797"; /* this district's People's Committee never reports */

static const char staff_header[] =
    "person_id,full_name,gender,birth_year,district,workplace_type,agency,category,position,"
    "is_cio,is_it_staff,it_degree,it_certificate,it_modules,security_trained,sysadmin_trained,"
    "cio_trained,teaches,ict_in_teaching,training_needs\n";

static long person_counter;

/* One staff row. role: 0 ordinary, 1 the unit's CIO (trained or not), 2 its IT officer. */
static void staff_row(ics_buf *b, const char *district, const char *workplace, const char *agency,
                      int role) {
  static const char *const family[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"};
  static const char *const given[] = {"Văn An", "Thị Bình", "Minh Châu", "Thị Dung", "Quốc Hùng", "Thị Lan"};
  static const char *const category[] = {"civil_servant", "civil_servant", "public_employee", "public_employee", "contract"};
  static const char *const certificate[] = {"none", "none", "cert_a", "cert_a", "cert_b", "basic", "advanced"};
  static const char *const degree[] = {"trung_cap", "cao_dang", "dai_hoc", "dai_hoc", "thac_si"};
  static const char *const needs[] = {"office", "online_services", "security", "sysadmin", "cio", "english"};
  const char *position = role == 1 ? "leader" : pick(20) == 0 ? "leader" : pick(6) == 0 ? "manager" : "staff";
  bool manager = strcmp(position, "staff") != 0;
  bool it = role == 2 || chance(4);
  bool teaching_place = !strcmp(workplace, "school") || !strcmp(workplace, "training_centre");
  bool teaches = teaching_place && chance(85);
  ics_buf_printf(b, "LA%07ld,%s %s,%s,%d,%s,%s,%s,%s,%s,", ++person_counter, family[pick(8)], given[pick(6)],
                 chance(52) ? "female" : "male", 1960 + pick(39), district, workplace, agency ? agency : "",
                 category[pick(5)], position);
  ics_buf_printf(b, "%s,%s,%s,%s,", manager ? (role == 1 ? "yes" : "no") : "", it ? "yes" : "no",
                 it ? degree[pick(5)] : "none", certificate[pick(7)]);
  if (chance(40)) { /* the first k of the six basic modules */
    int k = 2 + pick(5);
    for (int i = 0; i < k; i++) ics_buf_printf(b, "%siu0%d", i ? " " : "", i + 1);
  }
  ics_buf_printf(b, ",%s,%s,%s,%s,%s,", it ? (chance(60) ? "yes" : "no") : "", it ? (chance(50) ? "yes" : "no") : "",
                 role == 1 ? (chance(50) ? "yes" : "no") : "", teaching_place ? (teaches ? "yes" : "no") : "",
                 teaches ? (chance(58) ? "yes" : "no") : "");
  if (chance(35)) ics_buf_printf(b, "%s %s", needs[pick(3)], needs[3 + pick(3)]);
  ics_buf_putc(b, '\n');
}

typedef struct {
  const char *out;
  int round;
  char *dir;
  ics_buf bundles; /* paths, one per line */
  const unsigned char *central_key; /* the office's public key, or NULL: bundles not sealed */
  const ics_kit *kit;               /* stores are made from it (then central_key is NULL) */
} sim;

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  bool ok = fputs(text, f) >= 0;
  return fclose(f) != 0 || !ok;
}

static char *joined(const char *a, const char *b, const char *c) {
  ics_buf p = {0};
  ics_buf_printf(&p, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
  return ics_buf_take(&p);
}

/* A store made, filled from its answers files (written to OUT/answers/NAME first), exported. */
static int make_store(sim *s, const char *name, const char *site, const char *surveyor,
                      const char *const *forms, ics_buf *const *answers, size_t count) {
  char *adir = joined(s->out, "answers", name), *store = NULL, *bundle = NULL;
  mkdir(adir, 0755);
  ics_buf path = {0};
  ics_buf_printf(&path, "%s/stores/%s.store", s->out, name);
  store = ics_buf_take(&path);
  ics_buf_printf(&path, "%s/bundles/%s-1.bundle", s->out, name);
  bundle = ics_buf_take(&path);
  ics_errors diags = {0};
  char *error = NULL;
  size_t form_count;
  int rc = s->kit ? ics_store_create_from_kit(store, site, surveyor, 0, s->kit, cli_lang, &error)
                  : ics_store_create_from_dir(store, site, surveyor, s->round, s->dir, s->central_key,
                                              cli_lang, &form_count, &diags, &error);
  ics_store *st = rc ? NULL : ics_store_open(store, cli_lang, &error);
  if (!rc && !st) rc = 1;
  for (size_t i = 0; !rc && i < count; i++) {
    ics_buf file = {0};
    ics_buf_printf(&file, "%s/%s.csv", adir, forms[i]);
    char *csv = ics_buf_take(&file);
    rc = !csv || write_file(csv, answers[i]->data);
    ics_import_options opts = {.mode = 0, .status = ICS_FINALIZED, .lang = cli_lang};
    if (!rc) rc = ics_store_import(st, ics_store_form(st, forms[i]), csv, answers[i]->data, answers[i]->len,
                                   &opts, NULL, NULL, &diags, &error);
    ics_free(csv);
  }
  uint64_t records = 0;
  if (!rc) rc = ics_store_export(st, bundle, NULL, &records, &error);
  if (!rc) {
    ics_buf_puts(&s->bundles, bundle);
    ics_buf_putc(&s->bundles, '\n');
  }
  cli_print_diags(&diags);
  if (rc) cli_error("%s: %s", "%s: %s", name, error ? error : "?");
  ics_errors_free(&diags);
  ics_free(error);
  ics_store_close(st);
  ics_free(adir);
  ics_free(store);
  ics_free(bundle);
  return rc;
}

static int copy_file(const char *from, const char *to, long limit) {
  char *data = NULL;
  size_t size;
  if (ics_read_file(from, (size_t)1 << 31, &data, &size) != ICS_OK) return 1;
  FILE *f = fopen(to, "wb");
  size_t n = limit >= 0 && (size_t)limit < size ? (size_t)limit : size;
  bool ok = f && fwrite(data, 1, n, f) == n;
  if (f && fclose(f)) ok = false;
  ics_free(data);
  return !ok;
}

/* The first two staff records of a store, in list order. */
typedef struct {
  char ids[2][37];
  char keys[2][40];
  int n;
} first_two;

static int take_two(void *ctx, const ics_record_info *info, const char *key) {
  first_two *t = ctx;
  if (strcmp(info->form_id, "staff") || t->n == 2) return 0;
  memcpy(t->ids[t->n], info->instance_id, 37);
  snprintf(t->keys[t->n], sizeof t->keys[t->n], "%s", key);
  t->n++;
  return 0;
}

/* After the first export a surveyor corrects a record and withdraws another, then re-sends. */
static int edits_after_export(sim *s, const char *name) {
  ics_buf p = {0};
  ics_buf_printf(&p, "%s/stores/%s.store", s->out, name);
  char *store = ics_buf_take(&p), *error = NULL;
  ics_store *st = store ? ics_store_open(store, cli_lang, &error) : NULL;
  int rc = st ? 0 : 1;
  first_two t = {0};
  if (!rc) rc = ics_store_list(st, take_two, &t, &error);
  ics_record *rec = NULL;
  ics_record_info info;
  if (!rc && t.n == 2 && !(rc = ics_store_get(st, t.ids[0], &rec, &info, &error))) {
    int f = ics_form_field_index(rec->form, "it_certificate");
    rc = ics_record_set(rec, f, "advanced", NULL, cli_lang, NULL) != ICS_OK ||
         ics_store_revise(st, t.ids[0], rec, ICS_FINALIZED, &error);
    ics_record_free(rec);
    rec = NULL;
  }
  if (!rc && t.n == 2 && !(rc = ics_store_get(st, t.ids[1], &rec, &info, &error)))
    rc = ics_store_revise(st, t.ids[1], rec, ICS_VOID, &error);
  ics_record_free(rec);
  ics_buf_printf(&p, "%s/bundles/%s-2.bundle", s->out, name);
  char *bundle = ics_buf_take(&p);
  uint64_t records;
  if (!rc) rc = ics_store_export(st, bundle, NULL, &records, &error);
  if (!rc) {
    ics_buf_printf(&s->bundles, "%s\n", bundle);
    ics_buf_printf(&p, "%s/answers/changes.csv", s->out);
    char *changes = ics_buf_take(&p);
    ics_buf text = {0};
    ics_buf_printf(&text, "action,store,person_id,field,value\nedit,%s,%s,it_certificate,advanced\nvoid,%s,%s,,\n",
                   name, t.keys[0], name, t.keys[1]);
    rc = !changes || write_file(changes, text.data);
    ics_buf_free(&text);
    ics_free(changes);
  }
  if (rc) cli_error("%s: %s", "%s: %s", name, error ? error : "?");
  ics_free(error);
  ics_free(bundle);
  ics_free(store);
  ics_store_close(st);
  return rc;
}


int cmd_simulate(int argc, char **argv) {
  sim s = {0};
  const char *seed = NULL, *staff = NULL, *round = NULL, *central_key = NULL, *kit_path = NULL;
  for (int i = 1; i < argc; i++) {
    int r = cli_common_option(argc, argv, &i, help_vi, help_en);
    if (r == 3) continue;
    if (r >= 0) return r;
    const char *const names[] = {"--out", "--seed", "--staff", "--round", "--central-key", "--kit"};
    const char **const slots[] = {&s.out, &seed, &staff, &round, &central_key, &kit_path};
    r = cli_options_value(argc, argv, &i, names, slots, 6);
    if (r < 0) return EXIT_USAGE;
    bool matched = r == 1;
    if (!matched) {
      cli_error("đối số không hợp lệ '%s'", "unexpected argument '%s'", argv[i]);
      return EXIT_USAGE;
    }
  }
  long staff_total = staff ? strtol(staff, NULL, 10) : 1000;
  s.round = round ? atoi(round) : 2013;
  if (!s.out || staff_total < 100 || staff_total > 100000000L || s.round < 2000 || s.round > 2100) {
    cli_error("cần --out THƯ_MỤC; --staff từ 100; --round là một năm",
              "--out DIR is required; --staff at least 100; --round a year");
    return EXIT_USAGE;
  }
  if (kit_path && (central_key || round)) {
    cli_error("--kit đã mang đợt khảo sát và khóa của Sở: không dùng kèm --round hay --central-key",
              "--kit carries the round and the office's keys: do not give --round or --central-key with it");
    return EXIT_USAGE;
  }
  ics_kit *kit = NULL;
  if (kit_path) {
    ics_error err = {0};
    if (!(kit = ics_kit_read(kit_path, cli_lang, &err))) {
      ics_error_prefix(&err, "%s: ", kit_path);
      cli_print_error(&err);
      ics_error_clear(&err);
      return EXIT_FAIL;
    }
    s.kit = kit;
    s.round = kit->round;
  }
  unsigned char key[ICS_KEY_BYTES];
  if (central_key) {
    ics_error err = {0};
    if (ics_keys_read_public(central_key, key, cli_lang, &err)) {
      cli_print_error(&err);
      ics_error_clear(&err);
      return EXIT_FAIL;
    }
    s.central_key = key;
  }
  rng_state = seed ? strtoull(seed, NULL, 10) : 2013;
  person_counter = 0;
  char *sub[] = {joined(s.out, "answers", NULL), joined(s.out, "stores", NULL), joined(s.out, "bundles", NULL)};
  mkdir(s.out, 0755);
  for (int i = 0; i < 3; i++) {
    if (sub[i]) mkdir(sub[i], 0755);
  }
  size_t existing = 0;
  char **listed = sub[1] ? ics_list_dir(sub[1], ".store", &existing) : NULL;
  for (size_t i = 0; i < existing; i++) ics_free(listed[i]);
  ics_free(listed);
  for (int i = 0; i < 3; i++) ics_free(sub[i]);
  if (existing) {
    cli_error("'%s' đã có dữ liệu giả lập; chọn thư mục khác", "'%s' already holds a simulation; choose another folder", s.out);
    ics_kit_free(kit);
    return EXIT_FAIL;
  }
  s.dir = ics_definitions_dir();
  char *units = s.dir ? ics_path_join(s.dir, "units.yaml") : NULL;
  ics_errors ignored = {0};
  ics_register *reg = units ? ics_register_load(units, cli_lang, &ignored) : NULL; /* site names */
  ics_errors_free(&ignored);
  ics_free(units);
  int rc = 0;
  ics_buf staff_csv = {0}, other = {0};
  const char *const staff_form[] = {"staff"};
  ics_buf *staff_only[] = {&staff_csv};

  /* the provincial departments: most have a CIO and an IT officer, not all */
  long per_dept = staff_total * 15 / 100 / DEPTS;
  if (per_dept < 4) per_dept = 4;
  ics_buf_puts(&staff_csv, staff_header);
  for (int d = 0; d < DEPTS; d++) {
    for (long k = 0; k < per_dept; k++)
      staff_row(&staff_csv, "794", "dept", depts[d], k == 0 && chance(80) ? 1 : k == 1 && chance(85) ? 2 : 0);
  }
  rc = make_store(&s, "so-tttt", "Sở Thông tin và Truyền thông", "Phan Thị Mai", staff_form, staff_only, 1);

  /* one surveyor per district: its People's Committee, communes, health workers, schools */
  long per_district = (staff_total - per_dept * DEPTS) / DISTRICTS;
  if (per_district < 10) per_district = 10;
  char duplicate[512] = "";
  for (int d = 0; !rc && d < DISTRICTS; d++) {
    const char *code = districts[d];
    staff_csv.len = 0;
    ics_buf_puts(&staff_csv, staff_header);
    char agency[16];
    snprintf(agency, sizeof agency, "UBND-%s", code);
    for (long k = 0; k < per_district; k++) {
      long share = k * 100 / per_district;
      if (share < 12 && strcmp(code, silent_pc))
        staff_row(&staff_csv, code, "district_pc", agency, k == 0 && chance(65) ? 1 : k == 1 && chance(80) ? 2 : 0);
      else if (share < 45) staff_row(&staff_csv, code, "commune_pc", NULL, 0);
      else if (share < 60) staff_row(&staff_csv, code, "health", NULL, 0);
      else staff_row(&staff_csv, code, "school", NULL, 0);
    }
    /* the same teacher entered by the surveyors of 803 and 806 */
    if (!strcmp(code, "803")) {
      const char *last = staff_csv.data + staff_csv.len - 1;
      while (last > staff_csv.data && last[-1] != '\n') last--;
      snprintf(duplicate, sizeof duplicate, "%s", last);
    } else if (!strcmp(code, "806") && duplicate[0]) {
      ics_buf_puts(&staff_csv, duplicate);
    }
    other.len = 0;
    ics_buf_puts(&other, "school_code,school_name,district,level,students_total,students_informatics,"
                         "teachers_total,computers_working,computers_for_students,internet,mgmt_software,open_source\n");
    static const char *const levels[] = {"primary", "lower_secondary", "upper_secondary"};
    static const int share_pct[] = {45, 80, 95};
    long schools = 4 + staff_total / 2000;
    for (long k = 0; k < schools; k++) {
      int level = k % 3;
      int total = 300 + pick(900);
      int informatics = total * (share_pct[level] - 25 + pick(35)) / 100;
      if (informatics > total) informatics = total;
      int pcs = 5 + pick(36);
      static const char *const net[] = {"none", "adsl", "adsl", "fiber", "fiber", "mobile"};
      ics_buf_printf(&other, "%s-S%03ld,Trường %s %ld,%s,%s,%d,%d,%d,%d,%d,%s,%s,%s\n", code, k + 1,
                     level == 0 ? "Tiểu học" : level == 1 ? "THCS" : "THPT", k + 1, code, levels[level], total,
                     informatics, 15 + pick(45), pcs, pcs / 2 + pick(pcs / 2 + 1), net[pick(6)],
                     chance(50) ? "yes" : "no", chance(50) ? "yes" : "no");
    }
    const char *const forms[] = {"staff", "school"};
    ics_buf *answers[] = {&staff_csv, &other};
    char name[32], site[64], who[64];
    snprintf(name, sizeof name, "huyen-%s", code);
    const ics_district *dd = reg ? ics_register_district(reg, code) : NULL;
    snprintf(site, sizeof site, "%s", dd ? dd->name.vi : code);
    snprintf(who, sizeof who, "Cán bộ khảo sát %s", code);
    rc = make_store(&s, name, site, who, forms, answers, 2);
  }

  /* the training institutions */
  if (!rc) {
    other.len = 0;
    ics_buf_puts(&other, "centre_code,centre_name,district,type,students_total,students_it_trained,"
                         "lecturers_total,it_lecturers,it_lecturers_master_plus,english_instruction\n");
    static const char *const kinds[] = {"college", "college", "professional_secondary", "vocational", "vocational", "farmers_centre"};
    static const char *const where[] = {"794", "803", "794", "802", "806", "794"};
    for (int k = 0; k < 6; k++) {
      int students = 400 + pick(3600);
      int lecturers = students / (22 + pick(17));
      if (lecturers < 8) lecturers = 8;
      int it = lecturers / 8 > 2 ? lecturers / 8 : 2;
      ics_buf_printf(&other, "TC-%02d,Cơ sở đào tạo %d,%s,%s,%d,%d,%d,%d,%d,no\n", k + 1, k + 1, where[k], kinds[k],
                     students, students * (60 + pick(41)) / 100, lecturers, it, pick(it + 1));
    }
    const char *const forms[] = {"training_centre"};
    ics_buf *answers[] = {&other};
    rc = make_store(&s, "dao-tao", "Các cơ sở đào tạo", "Võ Văn Tài", forms, answers, 1);
  }
  /* after the first export; then what happens on the way to the central office */
  if (!rc) rc = edits_after_export(&s, "huyen-803");
  if (!rc) {
    char *from = joined(s.out, "bundles", "huyen-794-1.bundle"), *to = joined(s.out, "bundles", "huyen-794-1-copy.bundle");
    char *broken = joined(s.out, "bundles", "huyen-808-1.bundle"), *damaged = joined(s.out, "bundles", "huyen-808-damaged.bundle");
    struct stat st;
    rc = copy_file(from, to, -1) || stat(broken, &st) || copy_file(broken, damaged, (long)st.st_size * 6 / 10);
    if (!rc) ics_buf_printf(&s.bundles, "%s\n%s\n", to, damaged);
    ics_free(from);
    ics_free(to);
    ics_free(broken);
    ics_free(damaged);
  }
  if (!rc) {
    fputs(s.bundles.data, stdout);
    fprintf(stderr, cli_tr("Đã giả lập đợt %d: %ld phiếu cán bộ, 17 người khảo sát; các tệp gói ở %s/bundles.\n",
                           "Simulated round %d: %ld staff records, 17 surveyors; bundles in %s/bundles.\n"),
            s.round, person_counter, s.out);
  }
  ics_buf_free(&staff_csv);
  ics_buf_free(&other);
  ics_buf_free(&s.bundles);
  ics_register_free(reg);
  ics_free(s.dir);
  ics_kit_free(kit);
  return rc ? EXIT_FAIL : EXIT_OK;
}
