/* cmd_simulate.c - `ictsurvey simulate`: a survey round of Long An made up from a seed, the
 * way the central office rehearses before sending surveyors out. Every store is filled through
 * the real import path (answers files, ics_store_import), bundles are exported by the real
 * exporter, and the usual accidents happen: agencies without a CIO, a district People's
 * Committee that never reports, a person entered by two surveyors, records edited and voided
 * after a first export, a bundle sent twice and one damaged in transit. The districts and
 * agencies are the register's, the answers files' columns the forms' (the kit's, else the
 * definitions folder's). The answers files stay in OUT/answers so that tests can recompute
 * every indicator independently. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The province: the register and the forms of the round, as the office published them (the
 * kit) or as shipped (the definitions folder). Districts, agencies and fields all come from
 * them, so that what simulate makes follows the definitions. */
typedef struct {
  ics_definitions defs;
  const ics_form *staff, *school, *centre;
  const ics_agency **depts; /* the register's provincial departments, in its order */
  size_t dept_count;
} province;

/* Where the round's accidents happen, by position in the register's list of districts so that
 * any register works. With the shipped one: 797's People's Committee never reports, a teacher
 * of 803 is entered again by the surveyor of 806, 803's surveyor edits two records after the
 * first export; the first district's first bundle is sent twice, the last one's is damaged. */
enum { SILENT_PC = 3, DUPLICATE_FROM = 9, DUPLICATE_TO = 12, EDITED = 9 };
/* the districts of the six training institutions, by the same positions */
static const size_t centre_districts[] = {0, 9, 0, 8, 12, 0};

static const ics_district *district_at(const province *p, size_t position) {
  return &p->defs.reg->districts[position % p->defs.reg->district_count];
}

/* The People's Committee of a district in the register, or NULL. */
static const ics_agency *district_pc(const province *p, const char *district) {
  for (size_t i = 0; i < p->defs.reg->agency_count; i++) {
    const ics_agency *a = &p->defs.reg->agencies[i];
    if (!strcmp(a->type, "district_pc") && !strcmp(a->district, district)) return a;
  }
  return NULL;
}

/* ---- answers files: one CSV row per record, a column per field of the form ----------------- */
static bool answered(const ics_field *f) { return f->type != ICS_NOTE && f->type != ICS_CALCULATE; }

static void csv_header(ics_buf *csv, const ics_form *form) {
  bool first = true;
  for (size_t i = 0; i < form->field_count; i++) {
    if (!answered(&form->fields[i])) continue;
    ics_buf_printf(csv, "%s%s", first ? "" : ",", form->fields[i].name);
    first = false;
  }
  ics_buf_putc(csv, '\n');
}

/* The answers of one record, field by field, written in the form's order: a field the form
 * does not have is not asked, one the simulation knows nothing of is left empty. */
typedef struct {
  const ics_form *form;
  ics_buf *cells; /* one per field */
} row;

static void answer(row *r, const char *field, const char *fmt, ...) ICS_PRINTF(3, 4);
static void answer(row *r, const char *field, const char *fmt, ...) {
  int i = ics_form_field_index(r->form, field);
  if (i < 0 || !answered(&r->form->fields[i])) return;
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(&r->cells[i], fmt, ap);
  va_end(ap);
}

/* Appends the row to csv (RFC 4180 quoting) and empties it for the next record. */
static void row_end(row *r, ics_buf *csv) {
  bool first = true;
  for (size_t i = 0; i < r->form->field_count; i++) {
    if (!answered(&r->form->fields[i])) continue;
    if (!first) ics_buf_putc(csv, ',');
    first = false;
    ics_buf *cell = &r->cells[i];
    if (cell->failed) csv->failed = true;
    if (!cell->len) continue;
    if (strpbrk(cell->data, ",\"\r\n")) {
      ics_buf_putc(csv, '"');
      for (const char *c = cell->data; *c; c++) {
        if (*c == '"') ics_buf_putc(csv, '"');
        ics_buf_putc(csv, *c);
      }
      ics_buf_putc(csv, '"');
    } else {
      ics_buf_append(csv, cell->data, cell->len);
    }
    cell->len = 0;
  }
  ics_buf_putc(csv, '\n');
}

static row row_new(const ics_form *form) {
  return (row){form, ics_calloc(form->field_count ? form->field_count : 1, sizeof(ics_buf))};
}

static void row_free(row *r) {
  for (size_t i = 0; r->cells && i < r->form->field_count; i++) ics_buf_free(&r->cells[i]);
  ics_free(r->cells);
}

static long person_counter;

/* One staff record. role: 0 ordinary, 1 the unit's CIO (trained or not), 2 its IT officer.
 * The random draws are taken in a fixed order: the same seed gives the same province. */
static void staff_row(row *r, ics_buf *csv, const char *district, const char *workplace,
                      const char *agency, int role) {
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
  const char *cat = category[pick(5)];
  int born = 1960 + pick(39);
  const char *gender = chance(52) ? "female" : "male";
  const char *first_given = given[pick(6)], *last = family[pick(8)];
  answer(r, "person_id", "LA%07ld", ++person_counter);
  answer(r, "full_name", "%s %s", last, first_given);
  answer(r, "gender", "%s", gender);
  answer(r, "birth_year", "%d", born);
  answer(r, "district", "%s", district);
  answer(r, "workplace_type", "%s", workplace);
  answer(r, "agency", "%s", agency ? agency : "");
  answer(r, "category", "%s", cat);
  answer(r, "position", "%s", position);
  const char *cert = certificate[pick(7)];
  answer(r, "is_cio", "%s", manager ? (role == 1 ? "yes" : "no") : "");
  answer(r, "is_it_staff", "%s", it ? "yes" : "no");
  answer(r, "it_degree", "%s", it ? degree[pick(5)] : "none");
  answer(r, "it_certificate", "%s", cert);
  int modules = ics_form_field_index(r->form, "it_modules");
  const ics_choice_list *list = modules >= 0 ? r->form->fields[modules].choices : NULL;
  if (chance(40)) { /* the first k of the basic modules, in the form's order */
    int k = 2 + pick(5);
    for (int i = 0; list && i < k && (size_t)i < list->count; i++)
      answer(r, "it_modules", "%s%s", i ? " " : "", list->items[i].code);
  }
  const char *ict = teaches ? (chance(58) ? "yes" : "no") : "";
  const char *cio = role == 1 ? (chance(50) ? "yes" : "no") : "";
  const char *sysadmin = it ? (chance(50) ? "yes" : "no") : "";
  const char *security = it ? (chance(60) ? "yes" : "no") : "";
  answer(r, "security_trained", "%s", security);
  answer(r, "sysadmin_trained", "%s", sysadmin);
  answer(r, "cio_trained", "%s", cio);
  answer(r, "teaches", "%s", teaching_place ? (teaches ? "yes" : "no") : "");
  answer(r, "ict_in_teaching", "%s", ict);
  if (chance(35)) {
    const char *later = needs[3 + pick(3)];
    answer(r, "training_needs", "%s %s", needs[pick(3)], later);
  }
  row_end(r, csv);
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
  FILE *f = ics_fopen(path, "wb");
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
  ics_make_dir(adir);
  ics_buf path = {0};
  ics_buf_printf(&path, "%s/stores/%s.store", s->out, name);
  store = ics_buf_take(&path);
  ics_buf_printf(&path, "%s/bundles/%s-1.bundle", s->out, name);
  bundle = ics_buf_take(&path);
  ics_errors diags = {0};
  ics_error err = {0};
  size_t form_count;
  int rc = s->kit ? ics_store_create_from_kit(store, site, surveyor, 0, s->kit, cli_lang, &err)
                  : ics_store_create_from_dir(store, site, surveyor, s->round, s->dir, s->central_key,
                                              cli_lang, &form_count, &diags, &err);
  ics_store *st = rc ? NULL : ics_store_open(store, cli_lang, &err);
  if (!rc && !st) rc = 1;
  for (size_t i = 0; !rc && i < count; i++) {
    ics_buf file = {0};
    ics_buf_printf(&file, "%s/%s.csv", adir, forms[i]);
    char *csv = ics_buf_take(&file);
    rc = !csv || write_file(csv, answers[i]->data);
    ics_import_options opts = {.mode = ICS_ANSWERS_FULL, .status = ICS_FINALIZED, .lang = cli_lang};
    if (!rc) rc = ics_store_import(st, ics_store_form(st, forms[i]), csv, answers[i]->data, answers[i]->len,
                                   &opts, NULL, NULL, NULL, &diags, &err);
    ics_free(csv);
  }
  uint64_t records = 0;
  if (!rc) rc = ics_store_export(st, bundle, NULL, &records, &err);
  if (!rc) {
    ics_buf_puts(&s->bundles, bundle);
    ics_buf_putc(&s->bundles, '\n');
  }
  cli_print_errors(&diags);
  if (rc) cli_error("%s: %s", "%s: %s", name, err.message ? err.message : "?");
  ics_errors_free(&diags);
  ics_error_clear(&err);
  ics_store_close(st);
  ics_free(adir);
  ics_free(store);
  ics_free(bundle);
  return rc;
}

/* Copies the first tenths/10 of a file (10: all of it). */
static int copy_file(const char *from, const char *to, unsigned tenths) {
  char *data = NULL;
  size_t size;
  if (ics_read_file(from, (size_t)1 << 31, &data, &size) != ICS_OK) return 1;
  FILE *f = ics_fopen(to, "wb");
  size_t n = size / 10 * tenths + size % 10 * tenths / 10;
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

static int take_two(void *ctx, const ics_record_info *info, const char *key, const ics_record *rec,
                    ics_error *err) {
  (void)rec;
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
  char *store = ics_buf_take(&p);
  ics_error err = {0};
  ics_store *st = store ? ics_store_open(store, cli_lang, &err) : NULL;
  int rc = st ? 0 : 1;
  first_two t = {0};
  if (!rc) rc = ics_store_list(st, take_two, &t, &err);
  ics_record *rec = NULL;
  ics_record_info info;
  if (!rc && t.n == 2 && !(rc = ics_store_get(st, t.ids[0], &rec, &info, &err))) {
    int f = ics_form_field_index(rec->form, "it_certificate");
    rc = f < 0 || ics_record_set(rec, f, "advanced", NULL, cli_lang, NULL) != ICS_OK ||
         ics_store_revise(st, t.ids[0], rec, ICS_FINALIZED, &err);
    ics_record_free(rec);
    rec = NULL;
  }
  if (!rc && t.n == 2 && !(rc = ics_store_get(st, t.ids[1], &rec, &info, &err)))
    rc = ics_store_revise(st, t.ids[1], rec, ICS_VOID, &err);
  ics_record_free(rec);
  ics_buf_printf(&p, "%s/bundles/%s-2.bundle", s->out, name);
  char *bundle = ics_buf_take(&p);
  uint64_t records;
  if (!rc) rc = ics_store_export(st, bundle, NULL, &records, &err);
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
  if (rc) cli_error("%s: %s", "%s: %s", name, err.message ? err.message : "?");
  ics_error_clear(&err);
  ics_free(bundle);
  ics_free(store);
  ics_store_close(st);
  return rc;
}


/* The forms and the register the stores are made from: the kit's, else the folder's. */
static int load_province(province *p, const ics_kit *kit, const char *dir) {
  ics_errors diags = {0};
  int rc = 0;
  if (!kit) {
    rc = ics_definitions_load(dir, cli_lang, &p->defs, &diags);
  } else {
    p->defs.forms = ics_calloc(kit->form_count, sizeof *p->defs.forms);
    rc = !p->defs.forms;
    for (size_t i = 0; !rc && i < kit->form_count; i++) {
      char name[ICS_NAME_MAX + 16];
      snprintf(name, sizeof name, "%s.yaml", kit->forms[i].id);
      p->defs.forms[i] = ics_form_parse(name, kit->forms[i].text, kit->forms[i].len, cli_lang, &diags);
      if (p->defs.forms[i]) p->defs.form_count++;
      else rc = 1;
    }
    if (!rc && !(p->defs.reg = ics_register_parse("units.yaml", kit->register_text, kit->register_len,
                                                  cli_lang, &diags)))
      rc = 1;
  }
  cli_print_errors(&diags);
  if (rc && !ics_errors_any(&diags)) cli_out_of_memory();
  ics_errors_free(&diags);
  if (rc) return 1;
  static const char *const ids[] = {"staff", "school", "training_centre"};
  const ics_form **slots[] = {&p->staff, &p->school, &p->centre};
  for (size_t k = 0; k < 3; k++) {
    for (size_t i = 0; i < p->defs.form_count && !*slots[k]; i++)
      if (!strcmp(p->defs.forms[i]->id, ids[k])) *slots[k] = p->defs.forms[i];
    if (!*slots[k]) {
      cli_error("các định nghĩa không có biểu mẫu '%s' mà giả lập cần", "the definitions have no form '%s', "
                "which the simulation needs", ids[k]);
      return 1;
    }
  }
  const ics_register *reg = p->defs.reg;
  p->depts = ics_calloc(reg->agency_count ? reg->agency_count : 1, sizeof *p->depts);
  if (!p->depts) {
    cli_out_of_memory();
    return 1;
  }
  for (size_t i = 0; i < reg->agency_count; i++)
    if (!strcmp(reg->agencies[i].type, "dept")) p->depts[p->dept_count++] = &reg->agencies[i];
  if (!reg->district_count || !p->dept_count) {
    cli_error("danh mục đơn vị không có huyện hoặc sở nào: không giả lập được",
              "the unit register has no district or no department: nothing to simulate");
    return 1;
  }
  return 0;
}

static void province_free(province *p) {
  ics_definitions_free(&p->defs);
  ics_free(p->depts);
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
  ics_make_dir(s.out);
  for (int i = 0; i < 3; i++) {
    if (sub[i]) ics_make_dir(sub[i]);
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
  s.dir = kit ? NULL : cli_definitions_dir();
  province p = {0};
  if ((!kit && !s.dir) || load_province(&p, kit, s.dir)) {
    if (!kit && !s.dir) cli_out_of_memory();
    province_free(&p);
    ics_free(s.dir);
    ics_kit_free(kit);
    return EXIT_FAIL;
  }
  const ics_register *reg = p.defs.reg;
  size_t districts = reg->district_count;
  int rc = 0;
  ics_buf staff_csv = {0}, other = {0};
  row staff_answers = row_new(p.staff), school = row_new(p.school), centre = row_new(p.centre);
  if (!staff_answers.cells || !school.cells || !centre.cells) rc = 1;
  const char *const staff_form[] = {p.staff->id};
  ics_buf *staff_only[] = {&staff_csv};

  /* the provincial departments: most have a CIO and an IT officer, not all */
  long per_dept = staff_total * 15 / 100 / (long)p.dept_count;
  if (per_dept < 4) per_dept = 4;
  csv_header(&staff_csv, p.staff);
  for (size_t d = 0; !rc && d < p.dept_count; d++) {
    const ics_agency *a = p.depts[d];
    for (long k = 0; k < per_dept; k++)
      staff_row(&staff_answers, &staff_csv, a->district, a->type, a->code,
                k == 0 && chance(80) ? 1 : k == 1 && chance(85) ? 2 : 0);
  }
  if (!rc) rc = staff_csv.failed || make_store(&s, "so-tttt", "Sở Thông tin và Truyền thông", "Phan Thị Mai", staff_form, staff_only, 1);

  /* one surveyor per district: its People's Committee, communes, health workers, schools */
  long per_district = (staff_total - per_dept * (long)p.dept_count) / (long)districts;
  if (per_district < 10) per_district = 10;
  const char *silent = district_at(&p, SILENT_PC)->code; /* its People's Committee never reports */
  const char *duplicate_from = district_at(&p, DUPLICATE_FROM)->code, *duplicate_to = district_at(&p, DUPLICATE_TO)->code;
  char duplicate[4096] = "";
  for (size_t d = 0; !rc && d < districts; d++) {
    const char *code = reg->districts[d].code;
    staff_csv.len = 0;
    csv_header(&staff_csv, p.staff);
    const ics_agency *pc = district_pc(&p, code);
    for (long k = 0; k < per_district; k++) {
      long share = k * 100 / per_district;
      if (share < 12 && pc && strcmp(code, silent))
        staff_row(&staff_answers, &staff_csv, code, pc->type, pc->code,
                  k == 0 && chance(65) ? 1 : k == 1 && chance(80) ? 2 : 0);
      else if (share < 45) staff_row(&staff_answers, &staff_csv, code, "commune_pc", NULL, 0);
      else if (share < 60) staff_row(&staff_answers, &staff_csv, code, "health", NULL, 0);
      else staff_row(&staff_answers, &staff_csv, code, "school", NULL, 0);
    }
    /* the same teacher entered by the surveyors of two districts */
    if (!strcmp(code, duplicate_from) && strcmp(duplicate_from, duplicate_to)) {
      const char *last = staff_csv.data + staff_csv.len - 1;
      while (last > staff_csv.data && last[-1] != '\n') last--;
      snprintf(duplicate, sizeof duplicate, "%s", last);
    } else if (!strcmp(code, duplicate_to) && duplicate[0]) {
      ics_buf_puts(&staff_csv, duplicate);
    }
    other.len = 0;
    csv_header(&other, p.school);
    static const char *const levels[] = {"primary", "lower_secondary", "upper_secondary"};
    static const char *const level_names[] = {"Tiểu học", "THCS", "THPT"};
    static const int share_pct[] = {45, 80, 95};
    long schools = 4 + staff_total / 2000;
    for (long k = 0; k < schools; k++) {
      int level = k % 3;
      int total = 300 + pick(900);
      int informatics = total * (share_pct[level] - 25 + pick(35)) / 100;
      if (informatics > total) informatics = total;
      int pcs = 5 + pick(36);
      static const char *const net[] = {"none", "adsl", "adsl", "fiber", "fiber", "mobile"};
      const char *open_source = chance(50) ? "yes" : "no", *software = chance(50) ? "yes" : "no";
      const char *internet = net[pick(6)];
      int for_students = pcs / 2 + pick(pcs / 2 + 1), teachers = 15 + pick(45);
      answer(&school, "school_code", "%s-S%03ld", code, k + 1);
      answer(&school, "school_name", "Trường %s %ld", level_names[level], k + 1);
      answer(&school, "district", "%s", code);
      answer(&school, "level", "%s", levels[level]);
      answer(&school, "students_total", "%d", total);
      answer(&school, "students_informatics", "%d", informatics);
      answer(&school, "teachers_total", "%d", teachers);
      answer(&school, "computers_working", "%d", pcs);
      answer(&school, "computers_for_students", "%d", for_students);
      answer(&school, "internet", "%s", internet);
      answer(&school, "mgmt_software", "%s", software);
      answer(&school, "open_source", "%s", open_source);
      row_end(&school, &other);
    }
    const char *const forms[] = {p.staff->id, p.school->id};
    ics_buf *answers[] = {&staff_csv, &other};
    char name[96], site[256], who[96];
    snprintf(name, sizeof name, "huyen-%s", code);
    snprintf(site, sizeof site, "%s", reg->districts[d].name.vi);
    snprintf(who, sizeof who, "Cán bộ khảo sát %s", code);
    rc = staff_csv.failed || other.failed || make_store(&s, name, site, who, forms, answers, 2);
  }

  /* the training institutions */
  if (!rc) {
    other.len = 0;
    csv_header(&other, p.centre);
    static const char *const kinds[] = {"college", "college", "professional_secondary", "vocational", "vocational", "farmers_centre"};
    for (int k = 0; k < 6; k++) {
      int students = 400 + pick(3600);
      int lecturers = students / (22 + pick(17));
      if (lecturers < 8) lecturers = 8;
      int it = lecturers / 8 > 2 ? lecturers / 8 : 2;
      int master = pick(it + 1), trained = students * (60 + pick(41)) / 100;
      answer(&centre, "centre_code", "TC-%02d", k + 1);
      answer(&centre, "centre_name", "Cơ sở đào tạo %d", k + 1);
      answer(&centre, "district", "%s", district_at(&p, centre_districts[k])->code);
      answer(&centre, "type", "%s", kinds[k]);
      answer(&centre, "students_total", "%d", students);
      answer(&centre, "students_it_trained", "%d", trained);
      answer(&centre, "lecturers_total", "%d", lecturers);
      answer(&centre, "it_lecturers", "%d", it);
      answer(&centre, "it_lecturers_master_plus", "%d", master);
      answer(&centre, "english_instruction", "no");
      row_end(&centre, &other);
    }
    const char *const forms[] = {p.centre->id};
    ics_buf *answers[] = {&other};
    rc = other.failed || make_store(&s, "dao-tao", "Các cơ sở đào tạo", "Võ Văn Tài", forms, answers, 1);
  }
  /* after the first export; then what happens on the way to the central office */
  char edited[96], copied[96], copy[96], broken[96], damaged[96];
  snprintf(edited, sizeof edited, "huyen-%s", district_at(&p, EDITED)->code);
  snprintf(copied, sizeof copied, "huyen-%s-1.bundle", reg->districts[0].code);
  snprintf(copy, sizeof copy, "huyen-%s-1-copy.bundle", reg->districts[0].code);
  snprintf(broken, sizeof broken, "huyen-%s-1.bundle", reg->districts[districts - 1].code);
  snprintf(damaged, sizeof damaged, "huyen-%s-damaged.bundle", reg->districts[districts - 1].code);
  if (!rc) rc = edits_after_export(&s, edited);
  if (!rc) {
    char *from = joined(s.out, "bundles", copied), *to = joined(s.out, "bundles", copy);
    char *cut = joined(s.out, "bundles", broken), *into = joined(s.out, "bundles", damaged);
    rc = !from || !to || !cut || !into || copy_file(from, to, 10) || copy_file(cut, into, 6);
    if (!rc) ics_buf_printf(&s.bundles, "%s\n%s\n", to, into);
    ics_free(from);
    ics_free(to);
    ics_free(cut);
    ics_free(into);
  }
  if (!rc) {
    fputs(s.bundles.data, stdout);
    fprintf(stderr, cli_tr("Đã giả lập đợt %d: %ld phiếu cán bộ, %zu người khảo sát; các tệp gói ở %s/bundles.\n",
                           "Simulated round %d: %ld staff records, %zu surveyors; bundles in %s/bundles.\n"),
            s.round, person_counter, districts + 2, s.out);
  }
  row_free(&staff_answers);
  row_free(&school);
  row_free(&centre);
  ics_buf_free(&staff_csv);
  ics_buf_free(&other);
  ics_buf_free(&s.bundles);
  province_free(&p);
  ics_free(s.dir);
  ics_kit_free(kit);
  return rc ? EXIT_FAIL : EXIT_OK;
}
