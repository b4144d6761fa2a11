/* test_answers.c - validating records against the three shipped forms and the register:
 * types, required answers, relevance, constraints (register lookups included), choices,
 * Unicode normalisation, and messages in both languages. */
#include <stdio.h>
#include <stdlib.h>

#include "schema.h"
#include "test.h"
#include "test_forms.h"

static ics_register *reg;

/* Sets "field=value" pairs; returns the first status that is not OK. */
static ics_code fill(ics_record *rec, const char *const *pairs) {
  for (size_t i = 0; pairs[i]; i++) {
    char name[80];
    const char *eq = strchr(pairs[i], '=');
    snprintf(name, sizeof name, "%.*s", (int)(eq - pairs[i]), pairs[i]);
    int field = ics_form_field_index(rec->form, name);
    if (field < 0) return ICS_E_UNKNOWN_FIELD;
    ics_code st = ics_record_set(rec, field, eq + 1, reg, ICS_EN, NULL);
    if (st != ICS_OK) return st;
  }
  return ICS_OK;
}

/* The violations of a record as "field: message; ..." */
static char report[2048];
static const char *check(ics_record *rec, ics_lang lang) {
  ics_errors v = {0};
  ics_code first = ics_record_check(rec, reg, lang, 0, &v);
  CHECK(v.count ? first == v.items[0].code : first == ICS_OK);
  report[0] = '\0';
  for (size_t i = 0; i < v.count; i++) {
    size_t n = strlen(report);
    snprintf(report + n, sizeof report - n, "%s%s: %s", i ? "; " : "", v.items[i].field,
             v.items[i].message);
  }
  ics_errors_free(&v);
  return report[0] ? report : "valid";
}

static const char *const leader[] = {
    "person_id=LA-0001", "full_name=Nguyễn Thị Hoa", "gender=female", "birth_year=1975",
    "district=803", "workplace_type=district_pc", "agency=UBND-803",
    "category=civil_servant", "position=leader", "is_cio=yes", "is_it_staff=no",
    "it_degree=none", "it_certificate=cert_b", "it_modules=iu01 iu02",
    "cio_trained=no", "training_needs=cio security", NULL};

static void test_staff(const ics_form *staff) {
  ics_record *rec = ics_record_new(staff);
  CHECK(fill(rec, leader) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN), "valid");

  /* the agency must be of the workplace type and, for a district PC, in the district: the
   * choice filter refuses others on input, and the check reports them when stored anyway */
  int agency = ics_form_field_index(staff, "agency");
  ics_error why = {0};
  CHECK(ics_record_set(rec, agency, "UBND-794", reg, ICS_EN, &why) == ICS_E_NOT_OFFERED);
  CHECK_STR(why.message, "'UBND-794' is not offered for workplace_type 'district_pc' / district '803'");
  ics_error_clear(&why);
  CHECK(ics_record_set(rec, agency, "SO-TTTT", reg, ICS_EN, NULL) == ICS_E_NOT_OFFERED);
  ics_free(rec->values[agency]);
  rec->values[agency] = ics_strdup("SO-TTTT");
  CHECK_STR(check(rec, ICS_EN), "agency: 'SO-TTTT' is not offered for workplace_type 'district_pc' / district '803'");
  CHECK_STR(check(rec, ICS_VI), "agency: 'SO-TTTT' không phải lựa chọn dành cho workplace_type 'district_pc' / district '803'");
  CHECK(ics_record_set(rec, agency, "NO-SUCH", reg, ICS_EN, &why) == ICS_E_UNKNOWN_CHOICE);
  CHECK(why.code == ICS_E_UNKNOWN_CHOICE && !strcmp(why.field, "agency"));
  CHECK_STR(why.message, "unknown choice 'NO-SUCH'");
  ics_error_clear(&why);
  CHECK(ics_record_set(rec, agency, "UBND-803", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN), "valid");

  /* a value for a field that is not relevant: ict_in_teaching needs teaches */
  int ict = ics_form_field_index(staff, "ict_in_teaching");
  CHECK(ics_record_set(rec, ict, "yes", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN),
            "ict_in_teaching: This question does not apply given the other answers; leave it out.");
  ics_errors v = {0};
  CHECK(ics_record_check(rec, reg, ICS_EN, ICS_CHECK_CLEAR_IRRELEVANT, &v) == ICS_OK);
  CHECK(rec->values[ict] == NULL); /* the wizard's mode drops it instead */
  ics_errors_free(&v);

  /* relevance follows the answers: a leader must say whether they are the CIO */
  int is_cio = ics_form_field_index(staff, "is_cio");
  ics_record_clear(rec, is_cio);
  CHECK_STR(check(rec, ICS_EN), "is_cio: This question must be answered.; "
                                "cio_trained: This question does not apply given the other answers; leave it out.");
  CHECK_STR(check(rec, ICS_VI), "is_cio: Câu này bắt buộc phải trả lời.; "
                                "cio_trained: Câu này không áp dụng với các câu trả lời trước, hãy bỏ trống.");
  ics_record_free(rec);

  /* types, ranges and codes */
  rec = ics_record_new(staff);
  CHECK(fill(rec, leader) == ICS_OK);
  int birth = ics_form_field_index(staff, "birth_year");
  CHECK(ics_record_set(rec, birth, "1975.0", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(rec->values[birth], "1975");
  CHECK(ics_record_set(rec, birth, "nineteen", reg, ICS_VI, &why) == ICS_E_NOT_INTEGER);
  CHECK(why.code == ICS_E_NOT_INTEGER && !strcmp(why.field, "birth_year"));
  CHECK_STR(why.message, ics_status_message(ICS_E_NOT_INTEGER, ICS_VI));
  ics_error_clear(&why);
  CHECK(ics_record_set(rec, birth, "99999999999999999999", reg, ICS_EN, NULL) == ICS_E_INTEGER_RANGE);
  CHECK(ics_record_set(rec, birth, "1939", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "birth_year: ") == report);
  CHECK(ics_record_set(rec, birth, "1975", reg, ICS_EN, NULL) == ICS_OK);
  int gender = ics_form_field_index(staff, "gender");
  CHECK(ics_record_set(rec, gender, "F", reg, ICS_EN, &why) == ICS_E_UNKNOWN_CHOICE);
  CHECK_STR(why.message, "unknown choice 'F'");
  ics_error_clear(&why);
  int modules = ics_form_field_index(staff, "it_modules");
  CHECK(ics_record_set(rec, modules, "iu06 iu01,iu03", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(rec->values[modules], "iu01 iu03 iu06");
  CHECK(ics_record_set(rec, modules, "iu01 iu01", reg, ICS_EN, NULL) == ICS_E_REPEATED_CHOICE);
  int cio = ics_form_field_index(staff, "is_cio");
  CHECK(ics_record_set(rec, cio, "Không", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(rec->values[cio], "0");
  CHECK(ics_record_set(rec, cio, "maybe", reg, ICS_EN, NULL) == ICS_E_NOT_BOOLEAN);
  int id = ics_form_field_index(staff, "person_id");
  CHECK(ics_record_set(rec, id, "LA 0001", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "person_id: ") == report);
  /* text typed with decomposed accents (NFD) is stored composed (NFC) */
  int name = ics_form_field_index(staff, "full_name");
  CHECK(ics_record_set(rec, name, "  Nguye\xcc\x82\xcc\x83n  ", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(rec->values[name], "Nguyễn");
  CHECK(ics_record_set(rec, name, "bad\x01", reg, ICS_EN, NULL) == ICS_E_TEXT_INVALID);
  CHECK(ics_record_set(rec, name, "\xff", reg, ICS_EN, NULL) == ICS_E_TEXT_INVALID);
  ics_record_free(rec);

  /* an empty record reports every required field */
  rec = ics_record_new(staff);
  CHECK(ics_record_check(rec, reg, ICS_EN, 0, NULL) == ICS_E_REQUIRED);
  CHECK(ics_record_check(rec, reg, ICS_EN, ICS_CHECK_PARTIAL, NULL) == ICS_OK);
  ics_record_free(rec);
}

static void test_school(const ics_form *school) {
  static const char *const ok[] = {
      "school_code=TH-001", "school_name=Trường Tiểu học Bình Đức", "district=803",
      "level=primary", "students_total=420", "students_informatics=300",
      "teachers_total=25", "computers_working=20", "computers_for_students=15",
      "internet=fiber", "mgmt_software=yes", "open_source=no", NULL};
  ics_record *rec = ics_record_new(school);
  CHECK(fill(rec, ok) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN), "valid");
  int informatics = ics_form_field_index(school, "students_informatics");
  CHECK(ics_record_set(rec, informatics, "421", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "students_informatics: ") == report);
  CHECK(ics_record_set(rec, informatics, "-1", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "students_informatics: ") == report);
  CHECK(ics_record_set(rec, informatics, "420", reg, ICS_EN, NULL) == ICS_OK);
  int pcs = ics_form_field_index(school, "computers_for_students");
  CHECK(ics_record_set(rec, pcs, "21", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "computers_for_students: ") == report);
  int district = ics_form_field_index(school, "district");
  CHECK(ics_record_set(rec, district, "999", reg, ICS_EN, NULL) == ICS_E_UNKNOWN_CHOICE);
  ics_record_free(rec);
}

static void test_training_centre(const ics_form *centre) {
  static const char *const ok[] = {
      "centre_code=CD-LA", "centre_name=Trường Cao đẳng Long An", "district=794",
      "type=college", "students_total=3000", "students_it_trained=2500",
      "lecturers_total=120", "it_lecturers=12", "it_lecturers_master_plus=5",
      "english_instruction=no", NULL};
  ics_record *rec = ics_record_new(centre);
  CHECK(fill(rec, ok) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN), "valid");
  int master = ics_form_field_index(centre, "it_lecturers_master_plus");
  CHECK(ics_record_set(rec, master, "13", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "it_lecturers_master_plus: ") == report);
  int it = ics_form_field_index(centre, "it_lecturers");
  CHECK(ics_record_set(rec, it, "121", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(strstr(check(rec, ICS_EN), "it_lecturers: ") == report);
  ics_record_free(rec);
}

/* Every status has a message in both languages. */
/* choice_filter over register attributes and a form list's own attributes, record titles */
static const char filter_form[] =
    "form: mini\nversion: \"1\"\ntitle: Mini\nkey: code\nrecord_title: [name, size]\n"
    "choices:\n"
    "  sizes:\n"
    "    - {code: small, label: Small, band: low}\n"
    "    - {code: big, label: {vi: Lớn, en: Big}, band: high}\n"
    "    - {code: any, label: Any}\n"
    "fields:\n"
    "  - {name: code, type: text, label: Code, required: yes}\n"
    "  - {name: name, type: text, label: Name}\n"
    "  - {name: band, type: text, label: Band}\n"
    "  - name: size\n    type: select_multiple\n    label: Size\n    choices: sizes\n"
    "    choice_filter: \"band = ${band} or code = 'any'\"\n"
    "  - {name: workplace_type, type: text, label: Type, carry: yes}\n"
    "  - {name: district, type: select_one, label: District, choices: {register: districts}}\n"
    "  - name: agency\n    type: select_one\n    label: Agency\n    choices: {register: agencies}\n"
    "    choice_filter: \"type = ${workplace_type} and (${workplace_type} = 'dept' or "
    "district = ${district})\"\n";

static size_t agency_index(const char *code) {
  for (size_t i = 0; i < reg->agency_count; i++)
    if (!strcmp(reg->agencies[i].code, code)) return i;
  return SIZE_MAX;
}

static void test_filters_and_titles(void) {
  ics_form *form = parse_form("mini.yaml", filter_form, sizeof filter_form - 1);
  if (!form) return;
  int size = ics_form_field_index(form, "size"), agency = ics_form_field_index(form, "agency");
  CHECK(form->fields[size].choice_filter && !form->fields[size].carry);
  CHECK(form->fields[ics_form_field_index(form, "workplace_type")].carry);
  CHECK(form->fields[size].choices->attribute_count == 1);
  CHECK(ics_field_choice_attribute(&form->fields[size], "band") == 1);
  CHECK(ics_field_choice_attribute(&form->fields[agency], "district") == 2);
  CHECK(ics_field_choice_attribute(&form->fields[agency], "band") == -1);
  char *canonical = ics_form_canonical(form);
  CHECK(canonical && strstr(canonical, "\nchoice.band=high\n") && strstr(canonical, "\ncarry=yes\n") &&
        strstr(canonical, "\nrecord_title=name\nrecord_title=size\n") &&
        strstr(canonical, "\nchoice_filter=band = ${band} or code = 'any'\n"));
  ics_free(canonical);

  ics_record *rec = ics_record_new(form);
  /* before the answers a filter reads, every choice is offered */
  for (size_t i = 0; i < 3; i++) CHECK(ics_record_choice_offered(rec, size, reg, i));
  CHECK(ics_record_choice_offered(rec, agency, reg, agency_index("SO-NV")));
  CHECK(ics_record_set(rec, ics_form_field_index(form, "band"), "low", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(ics_record_choice_offered(rec, size, reg, 0));
  CHECK(!ics_record_choice_offered(rec, size, reg, 1));
  CHECK(ics_record_choice_offered(rec, size, reg, 2)); /* no band, but code = 'any' */
  ics_error why = {0};
  CHECK(ics_record_set(rec, size, "small big", reg, ICS_EN, &why) == ICS_E_NOT_OFFERED);
  CHECK(why.code == ICS_E_NOT_OFFERED && why.field && !strcmp(why.field, "size"));
  CHECK_STR(why.message, "'big' is not offered for band 'low'");
  ics_error_clear(&why);
  CHECK(ics_record_set(rec, size, "any small", reg, ICS_EN, NULL) == ICS_OK);

  /* the register's agencies: a district committee only in its district, departments anywhere */
  CHECK(ics_record_set(rec, ics_form_field_index(form, "workplace_type"), "district_pc", reg,
                       ICS_EN, NULL) == ICS_OK);
  CHECK(ics_record_set(rec, ics_form_field_index(form, "district"), "804", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(!ics_record_choice_offered(rec, agency, reg, agency_index("SO-NV")));
  CHECK(!ics_record_choice_offered(rec, agency, reg, agency_index("UBND-803")));
  CHECK(ics_record_choice_offered(rec, agency, reg, agency_index("UBND-804")));
  CHECK(ics_record_set(rec, agency, "SO-NV", reg, ICS_VI, &why) == ICS_E_NOT_OFFERED);
  CHECK_STR(why.message,
            "'SO-NV' không phải lựa chọn dành cho workplace_type 'district_pc' / district '804'");
  ics_error_clear(&why);
  CHECK(ics_record_set(rec, agency, "UBND-804", reg, ICS_EN, NULL) == ICS_OK);
  CHECK(ics_record_set(rec, ics_form_field_index(form, "code"), "X1", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN), "valid");
  /* an answer changed afterwards: the check names both fields */
  CHECK(ics_record_set(rec, ics_form_field_index(form, "district"), "803", reg, ICS_EN, NULL) == ICS_OK);
  CHECK_STR(check(rec, ICS_EN),
            "agency: 'UBND-804' is not offered for workplace_type 'district_pc' / district '803'");
  ics_errors v = {0};
  CHECK(ics_record_check(rec, reg, ICS_EN, 0, &v) == ICS_E_NOT_OFFERED);
  CHECK(v.count == 1 && v.items[0].code == ICS_E_NOT_OFFERED);
  ics_errors_free(&v);
  CHECK(ics_record_set(rec, ics_form_field_index(form, "workplace_type"), "dept", reg, ICS_EN,
                       NULL) == ICS_OK);
  CHECK(ics_record_choice_offered(rec, agency, reg, agency_index("SO-NV")));
  CHECK(!ics_record_choice_offered(rec, agency, reg, agency_index("UBND-803")));

  /* titles: the title fields' displayed values, then the key */
  char *title = ics_record_title(rec, reg, ICS_EN);
  CHECK_STR(title, "Small; Any");
  ics_free(title);
  CHECK(ics_record_set(rec, ics_form_field_index(form, "name"), "Trường Kim Đồng", reg, ICS_EN,
                       NULL) == ICS_OK);
  title = ics_record_title(rec, reg, ICS_EN);
  CHECK_STR(title, "Trường Kim Đồng · Small; Any");
  ics_free(title);
  ics_record_free(rec);
  rec = ics_record_new(form);
  title = ics_record_title(rec, reg, ICS_EN);
  CHECK_STR(title, "");
  ics_free(title);
  CHECK(ics_record_set(rec, ics_form_field_index(form, "code"), "X2", reg, ICS_EN, NULL) == ICS_OK);
  title = ics_record_title(rec, reg, ICS_EN);
  CHECK_STR(title, "X2");
  ics_free(title);
  ics_record_free(rec);
  ics_form_free(form);
}

/* A filter that leads back to its own field through another's relevance is refused. */
static void test_filter_cycle(void) {
  static const char text[] =
      "form: mini\nversion: \"1\"\ntitle: Mini\nkey: code\n"
      "fields:\n"
      "  - {name: code, type: text, label: Code, required: yes}\n"
      "  - {name: district, type: select_one, label: D, choices: {register: districts},"
      " relevant: \"${agency} != ''\"}\n"
      "  - {name: agency, type: select_one, label: A, choices: {register: agencies},"
      " choice_filter: \"district = ${district}\"}\n";
  ics_errors diags = {0};
  ics_form *form = ics_form_parse("cycle.yaml", text, sizeof text - 1, ICS_EN, &diags);
  CHECK(form == NULL && diags.count == 1);
  if (diags.count) {
    char *shown = ics_error_format(&diags.items[0]);
    CHECK_STR(shown, "cycle.yaml:8:94: error: choice filters form a cycle: agency -> district -> "
                     "agency (a list of choices cannot depend on its own answer)");
    ics_free(shown);
  }
  ics_errors_free(&diags);
}

/* The new keys enter the canonical text only when present: a 2012.1 form keeps its hash. */
static void test_old_hash(void) {
  char *dir = test_definitions_dir();
  char *path = ics_path_join(dir, "../../tests/data/forms-2012.1/staff.yaml");
  ics_errors diags = {0};
  ics_form *old = ics_form_load(path, ICS_EN, &diags);
  CHECK(old != NULL);
  if (old) {
    CHECK_STR(old->hash, "e769fb508c0a6c38f3dd4f0132fc260e7a5c1a60122767f8e205d42441b115fb");
    CHECK(old->title_field_count == 0);
    ics_record *rec = ics_record_new(old);
    CHECK(ics_record_set(rec, old->key, "LA-7", reg, ICS_EN, NULL) == ICS_OK);
    char *title = ics_record_title(rec, reg, ICS_EN);
    CHECK_STR(title, "LA-7"); /* no record_title: the natural key */
    ics_free(title);
    ics_record_free(rec);
  }
  ics_form_free(old);
  ics_errors_free(&diags);
  ics_free(path);
  ics_free(dir);
}

static void test_messages(void) {
  for (int s = 0; s < ICS_CODE_COUNT; s++) {
    CHECK(strlen(ics_status_message((ics_code)s, ICS_VI)) > 3);
    CHECK(strlen(ics_status_message((ics_code)s, ICS_EN)) > 3);
  }
}

int main(void) {
  char *dir = test_definitions_dir();
  char *path = ics_path_join(dir, "units.yaml");
  ics_errors diags = {0};
  reg = ics_register_load(path, ICS_EN, &diags);
  CHECK(reg != NULL);
  CHECK(reg && reg->district_count == 15);
  free(path);
  free(dir);
  ics_form *staff = load_form("staff.yaml"), *school = load_form("school.yaml"),
           *centre = load_form("training_centre.yaml");
  if (reg && staff && school && centre) {
    test_staff(staff);
    test_school(school);
    test_training_centre(centre);
    /* the shipped forms keep the data dictionary's field names */
    CHECK(staff->field_count >= 20 && !strcmp(staff->fields[staff->key].name, "person_id"));
    CHECK(staff->fields[ics_form_field_index(staff, "full_name")].personal);
    CHECK(staff->fields[ics_form_field_index(staff, "birth_year")].personal);
    CHECK(!staff->fields[ics_form_field_index(staff, "gender")].personal);
  }
  if (reg) {
    test_filters_and_titles();
    test_filter_cycle();
    test_old_hash();
  }
  test_messages();
  ics_form_free(staff);
  ics_form_free(school);
  ics_form_free(centre);
  ics_register_free(reg);
  ics_errors_free(&diags);
  TEST_MAIN_END();
}
