/* test_answers_file.c - answers files (collector/answers_file.h): valid YAML and CSV records
 * of the three shipped forms read back as canonical values; every kind of error with its
 * exact text (English, and Vietnamese for some); CSV quoting; YAML syntax, encoding and
 * limits with their positions; PATCH and DRAFT modes; the callback stopping the read; files
 * on disk; running out of memory at every allocation; and the fuzzers' regression inputs. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/fuzz_answers.c"
#include "../test.h"
#include "../test_forms.h"
#include "answers_file.h"

static ics_form *staff, *school, *centre;
static ics_register *reg;

/* ---- running the reader ------------------------------------------------------------------ */
typedef struct {
  ics_buf out;       /* "N: field=value|field=value\n" per record handed over */
  size_t calls;
  size_t stop_at;    /* return non-zero at this record (0: never) */
} sink;

static int collect(void *ctx, ics_record *rec, size_t n) {
  sink *s = ctx;
  s->calls++;
  ics_buf_printf(&s->out, "%zu:", n);
  const char *sep = " ";
  for (size_t i = 0; i < rec->form->field_count; i++) {
    if (!rec->values[i]) continue;
    ics_buf_printf(&s->out, "%s%s=%s", sep, rec->form->fields[i].name, rec->values[i]);
    sep = "|";
  }
  ics_buf_putc(&s->out, '\n');
  return s->stop_at && n == s->stop_at;
}

/* What the last run gave: the records, the diagnostics formatted one per line, the count. */
static char *records, *errors;
static size_t valid, dropped, calls;

static void keep(sink *s, ics_errors *diags) {
  ics_free(records);
  ics_free(errors);
  records = s->out.data ? ics_buf_take(&s->out) : ics_strdup("");
  calls = s->calls;
  ics_buf e = {0};
  for (size_t i = 0; i < diags->count; i++) {
    char *line = ics_error_format(&diags->items[i]);
    ics_buf_printf(&e, "%s%s", i ? "\n" : "", line);
    ics_free(line);
  }
  errors = e.data ? ics_buf_take(&e) : ics_strdup("");
  dropped = diags->dropped;
  ics_errors_free(diags);
}

/* Parses text named `name` (.csv: CSV) with the options; results in the globals above. */
static void parse_opt(const char *name, const char *text, size_t len,
                      const ics_answers_options *opt, size_t stop_at) {
  sink s = {.stop_at = stop_at};
  ics_errors diags = {0};
  valid = ics_answers_parse(name, text, len, ics_answers_syntax_of(name), opt, collect, &s, &diags);
  keep(&s, &diags);
}

static ics_answers_options options(const ics_form *form, ics_answers_mode mode, ics_lang lang) {
  return (ics_answers_options){.form = form, .reg = reg, .lang = lang, .mode = mode};
}

static void parse(const ics_form *form, const char *name, const char *text) {
  ics_answers_options opt = options(form, ICS_ANSWERS_FULL, ICS_EN);
  parse_opt(name, text, strlen(text), &opt, 0);
}

static void read_path(const ics_form *form, const char *path, ics_answers_mode mode) {
  ics_answers_options opt = options(form, mode, ICS_EN);
  sink s = {0};
  ics_errors diags = {0};
  valid = ics_answers_read(path, &opt, collect, &s, &diags);
  keep(&s, &diags);
}

static char *data_path(const char *name) { return ics_path_join(ANSWERS_DATA, name); }

/* A staff record that is valid, as YAML lines of a sequence item. */
#define LEADER_YAML                                                                            \
  "- person_id: LA-0001\n"                                                                     \
  "  gender: female\n"                                                                         \
  "  birth_year: 1975\n"                                                                       \
  "  district: \"803\"\n"                                                                      \
  "  workplace_type: district_pc\n"                                                            \
  "  agency: UBND-803\n"                                                                       \
  "  category: civil_servant\n"                                                                \
  "  position: leader\n"                                                                       \
  "  is_cio: yes\n"                                                                            \
  "  is_it_staff: no\n"                                                                        \
  "  it_degree: none\n"                                                                        \
  "  it_certificate: cert_b\n"                                                                 \
  "  cio_trained: no\n"
#define LEADER_VALUES                                                                          \
  "person_id=LA-0001|gender=female|birth_year=1975|district=803|workplace_type=district_pc|"  \
  "agency=UBND-803|category=civil_servant|position=leader|is_cio=1|is_it_staff=0|"            \
  "it_degree=none|it_certificate=cert_b|cio_trained=0"

/* A teacher, as YAML lines of a sequence item with the key left to the caller. */
#define TEACHER_YAML(id)                                                                       \
  "- person_id: " id "\n"                                                                      \
  "  gender: male\n"                                                                           \
  "  birth_year: 1988\n"                                                                       \
  "  district: 794\n"                                                                          \
  "  workplace_type: school\n"                                                                 \
  "  category: public_employee\n"                                                              \
  "  position: staff\n"                                                                        \
  "  is_it_staff: no\n"                                                                        \
  "  it_degree: none\n"                                                                        \
  "  it_certificate: none\n"                                                                   \
  "  teaches: yes\n"                                                                           \
  "  ict_in_teaching: no\n"

/* ---- valid files ------------------------------------------------------------------------- */
static void test_valid_files(void) {
  char *path = data_path("staff_valid.yaml");
  read_path(staff, path, ICS_ANSWERS_FULL);
  ics_free(path);
  CHECK_STR(errors, "");
  CHECK(valid == 3);
  CHECK_STR(records,
            "1: person_id=LA-0001|full_name=Nguyễn Thị Hoa|gender=female|birth_year=1975|"
            "district=803|workplace_type=district_pc|agency=UBND-803|category=civil_servant|"
            "position=leader|is_cio=1|is_it_staff=0|it_degree=none|it_certificate=cert_b|"
            "it_modules=iu01 iu02|cio_trained=0|training_needs=security cio\n"
            "2: person_id=GV-0002|full_name=Trần Văn Bình|gender=male|birth_year=1988|"
            "district=794|workplace_type=school|category=public_employee|position=staff|"
            "is_it_staff=1|it_degree=dai_hoc|it_certificate=none|it_modules=iu01 iu03 iu06|"
            "security_trained=1|sysadmin_trained=0|teaches=1|ict_in_teaching=1\n"
            "3: person_id=SO-77|gender=female|birth_year=1990|district=794|workplace_type=dept|"
            "agency=SO-TTTT|category=contract|position=staff|is_it_staff=0|"
            "it_degree=trung_cap|it_certificate=basic\n");

  /* the same people as a spreadsheet would save them: BOM, CRLF, quotes */
  path = data_path("staff_valid.csv");
  char *yaml_records = ics_strdup(records);
  read_path(staff, path, ICS_ANSWERS_FULL);
  ics_free(path);
  CHECK_STR(errors, "");
  CHECK(valid == 3);
  CHECK_STR(records, yaml_records);
  ics_free(yaml_records);

  path = data_path("school_valid.yaml");
  read_path(school, path, ICS_ANSWERS_FULL);
  ics_free(path);
  CHECK_STR(errors, "");
  CHECK_STR(records,
            "1: school_code=TH-001|school_name=Trường Tiểu học Bình Đức|district=803|"
            "level=primary|students_total=420|students_informatics=300|teachers_total=25|"
            "computers_working=20|computers_for_students=15|internet=fiber|mgmt_software=1|"
            "open_source=0\n"
            "2: school_code=THCS-002|school_name=Trường THCS \"Long Hòa\", Cần Đước|"
            "district=806|level=lower_secondary|students_total=0|students_informatics=0|"
            "teachers_total=12|computers_working=0|computers_for_students=0|internet=none|"
            "mgmt_software=0|open_source=1\n");

  path = data_path("school_valid.csv");
  yaml_records = ics_strdup(records);
  read_path(school, path, ICS_ANSWERS_FULL);
  ics_free(path);
  CHECK_STR(errors, "");
  CHECK_STR(records, yaml_records);
  ics_free(yaml_records);

  path = data_path("training_centre_valid.csv");
  read_path(centre, path, ICS_ANSWERS_FULL);
  ics_free(path);
  CHECK_STR(errors, "");
  CHECK_STR(records,
            "1: centre_code=CD-LA|centre_name=Trường Cao đẳng nghề Long An|district=794|"
            "type=college|students_total=3200|students_it_trained=850|lecturers_total=140|"
            "it_lecturers=18|it_lecturers_master_plus=6|english_instruction=0\n"
            "2: centre_code=HND-TT|centre_name=Trung tâm Dạy nghề và Hỗ trợ nông dân|"
            "district=804|type=farmers_centre|students_total=75|students_it_trained=0|"
            "lecturers_total=4|it_lecturers=0|it_lecturers_master_plus=0|"
            "english_instruction=0\n");

  path = data_path("training_centre_valid.yaml");
  yaml_records = ics_strdup(records);
  read_path(centre, path, ICS_ANSWERS_FULL);
  ics_free(path);
  CHECK_STR(errors, "");
  CHECK_STR(records, yaml_records);
  ics_free(yaml_records);

  /* the extension chooses the syntax, in any case */
  char dir[] = "/tmp/ics-answers-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char *upper = ics_path_join(dir, "STAFF.CSV");
  FILE *fp = fopen(upper, "wb");
  CHECK(fp != NULL);
  if (fp) {
    fputs("person_id,gender\nX1,male\n", fp);
    fclose(fp);
  }
  ics_answers_options draft = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  sink s = {0};
  ics_errors diags = {0};
  valid = ics_answers_read(upper, &draft, collect, &s, &diags);
  keep(&s, &diags);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=X1|gender=male\n");
  unlink(upper);
  ics_free(upper);
  rmdir(dir);

  read_path(staff, "/nonexistent/answers.yaml", ICS_ANSWERS_FULL);
  CHECK_STR(errors, "/nonexistent/answers.yaml: error: cannot read the file: no such file");
  CHECK(valid == 0);
}

/* Text typed with decomposed accents (NFD) is stored composed (NFC), in both syntaxes. */
static void test_nfc(void) {
  ics_answers_options opt = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  const char *yaml = "- {person_id: N1, full_name: \"Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Hoa\"}\n";
  parse_opt("a.yaml", yaml, strlen(yaml), &opt, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=N1|full_name=Nguyễn Thị Hoa\n");
  const char *csv = "full_name,person_id\nTra\xcc\x82\xcc\x80n,N2\n";
  parse_opt("a.csv", csv, strlen(csv), &opt, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=N2|full_name=Trần\n");
}

/* ---- errors in records ------------------------------------------------------------------- */
static void test_record_errors(void) {
  /* unknown field, with a suggestion; the field it meant is then missing */
  parse(staff, "a.yaml", LEADER_YAML "  gendr: male\n");
  CHECK_STR(errors, "a.yaml: error: record 1: gendr: The form has no such question. "
                    "(did you mean 'gender'?)");
  CHECK(valid == 0);
  CHECK_STR(records, "");

  /* wrong types: the message of ics_record_set; no "must be answered" after it */
  parse(staff, "a.yaml",
        "- person_id: A1\n  birth_year: nineteen\n  gender: F\n  is_it_staff: maybe\n"
        "  it_modules: iu01 iu09\n  district: \"999\"\n");
  CHECK_STR(errors,
            "a.yaml: error: record 1: birth_year: Enter a whole number.\n"
            "a.yaml: error: record 1: gender: There is no such choice; pick a number or a code "
            "from the list. (unknown choice 'F'; choices: male, female)\n"
            "a.yaml: error: record 1: is_it_staff: Answer yes or no (y/n).\n"
            "a.yaml: error: record 1: it_modules: There is no such choice; pick a number or a "
            "code from the list. (unknown choice 'iu09'; choices: iu01, iu02, iu03, iu04, iu05, "
            "iu06)\n"
            "a.yaml: error: record 1: district: There is no such choice; pick a number or a code "
            "from the list. (unknown choice '999')\n"
            "a.yaml: error: record 1: workplace_type: This question must be answered.\n"
            "a.yaml: error: record 1: category: This question must be answered.\n"
            "a.yaml: error: record 1: position: This question must be answered.\n"
            "a.yaml: error: record 1: it_degree: This question must be answered.\n"
            "a.yaml: error: record 1: it_certificate: This question must be answered.");

  /* a value for a field that is not relevant; a constraint; a register code that does not
   * fit (the agency of another district: its choice filter names both fields); a repeated
   * code */
  parse(staff, "a.yaml",
        "- person_id: LA 1\n  gender: female\n  birth_year: 1939\n  district: \"803\"\n"
        "  workplace_type: district_pc\n  agency: UBND-794\n  category: civil_servant\n"
        "  position: staff\n  is_it_staff: no\n  it_degree: none\n  it_certificate: none\n"
        "  teaches: no\n  training_needs: [office, office]\n");
  CHECK_STR(errors,
            "a.yaml: error: record 1: agency: This choice does not fit the earlier answers. "
            "('UBND-794' is not offered for workplace_type 'district_pc' / district '803')\n"
            "a.yaml: error: record 1: training_needs: A choice is given twice.\n"
            "a.yaml: error: record 1: person_id: Use 1 to 32 letters without accents, digits, "
            "'-' or '_', with no spaces.\n"
            "a.yaml: error: record 1: birth_year: The year of birth must be between 1940 and "
            "2010.\n"
            "a.yaml: error: record 1: teaches: This question does not apply given the other "
            "answers; leave it out.");

  /* register codes: checked with the register, later without it */
  const char *unknown_agency =
      "- {person_id: A1, gender: male, birth_year: 1980, district: \"794\", workplace_type: dept,"
      " agency: SO-XYZ, category: other, position: staff, is_it_staff: no, it_degree: none,"
      " it_certificate: none}\n";
  parse(staff, "a.yaml", unknown_agency);
  CHECK_STR(errors, "a.yaml: error: record 1: agency: There is no such choice; pick a number or "
                    "a code from the list. (unknown choice 'SO-XYZ')");
  ics_answers_options no_reg = options(staff, ICS_ANSWERS_FULL, ICS_EN);
  no_reg.reg = NULL;
  parse_opt("a.yaml", unknown_agency, strlen(unknown_agency), &no_reg, 0);
  CHECK_STR(errors, "");
  CHECK(valid == 1);

  /* the same key twice: the later record is wrong, and says where the first is; a record
   * with other errors still holds its key */
  parse(staff, "a.yaml",
        LEADER_YAML TEACHER_YAML("GV-1") TEACHER_YAML("LA-0001")
        "- {person_id: GV-1, gender: x}\n" TEACHER_YAML("GV-1"));
  CHECK_STR(errors,
            "a.yaml: error: record 3: person_id: the key 'LA-0001' is already in record 1\n"
            "a.yaml: error: record 4: gender: There is no such choice; pick a number or a code "
            "from the list. (unknown choice 'x'; choices: male, female)\n"
            "a.yaml: error: record 4: birth_year: This question must be answered.\n"
            "a.yaml: error: record 4: district: This question must be answered.\n"
            "a.yaml: error: record 4: workplace_type: This question must be answered.\n"
            "a.yaml: error: record 4: category: This question must be answered.\n"
            "a.yaml: error: record 4: position: This question must be answered.\n"
            "a.yaml: error: record 4: is_it_staff: This question must be answered.\n"
            "a.yaml: error: record 4: it_degree: This question must be answered.\n"
            "a.yaml: error: record 4: it_certificate: This question must be answered.\n"
            "a.yaml: error: record 4: person_id: the key 'GV-1' is already in record 2\n"
            "a.yaml: error: record 5: person_id: the key 'GV-1' is already in record 2");
  CHECK(valid == 2);
  CHECK_STR(records, "1: " LEADER_VALUES "\n"
                     "2: person_id=GV-1|gender=male|birth_year=1988|district=794|"
                     "workplace_type=school|category=public_employee|position=staff|"
                     "is_it_staff=0|it_degree=none|it_certificate=none|teaches=1|"
                     "ict_in_teaching=0\n");

  /* the same in Vietnamese, the default language; tokens stay as they are */
  ics_answers_options vi = options(staff, ICS_ANSWERS_FULL, ICS_VI);
  const char *text = LEADER_YAML "  birth_year: x\n" LEADER_YAML "  full_name: ~\n  gendr: 1\n";
  parse_opt("a.yaml", text, strlen(text), &vi, 0);
  CHECK_STR(errors,
            "a.yaml: error: record 1: birth_year: trường được ghi hai lần trong bản ghi\n"
            "a.yaml: error: record 2: gendr: Biểu mẫu không có câu hỏi này. "
            "(có phải ý bạn là 'gender'?)\n"
            "a.yaml: error: record 2: person_id: khóa 'LA-0001' đã có ở bản ghi 1");
  text = "- {person_id: A1, birth_year: abc, gender: nu}\n";
  parse_opt("a.yaml", text, strlen(text), &vi, 0);
  CHECK(strstr(errors, "a.yaml: error: record 1: birth_year: Cần nhập một số nguyên.\n"
                       "a.yaml: error: record 1: gender: Không có lựa chọn này; hãy chọn một "
                       "số hoặc mã trong danh sách. (không có lựa chọn 'nu'; các lựa chọn: "
                       "male, female)\n"
                       "a.yaml: error: record 1: district: Câu này bắt buộc phải trả lời.\n") ==
        errors);

  /* values of the wrong shape carry their position too */
  parse(staff, "a.yaml",
        "- person_id: A1\n  gender: [male]\n  it_modules: [iu01, [iu02]]\n"
        "  full_name: {first: Hoa}\n  training_needs: [office, ~]\n"
        "- just a text\n"
        "- ? [a, b]\n  : c\n");
  CHECK_STR(errors,
            "a.yaml:2:11: error: record 1: gender: only a select_multiple question takes a list\n"
            "a.yaml:3:22: error: record 1: it_modules: each item of the list must be one choice "
            "code\n"
            "a.yaml:4:14: error: record 1: full_name: a value must be a single value (or a list "
            "of codes for a select_multiple question)\n"
            "a.yaml:5:28: error: record 1: training_needs: each item of the list must be one "
            "choice code\n"
            "a.yaml: error: record 1: birth_year: This question must be answered.\n"
            "a.yaml: error: record 1: district: This question must be answered.\n"
            "a.yaml: error: record 1: workplace_type: This question must be answered.\n"
            "a.yaml: error: record 1: category: This question must be answered.\n"
            "a.yaml: error: record 1: position: This question must be answered.\n"
            "a.yaml: error: record 1: is_it_staff: This question must be answered.\n"
            "a.yaml: error: record 1: it_degree: This question must be answered.\n"
            "a.yaml: error: record 1: it_certificate: This question must be answered.\n"
            "a.yaml:6:3: error: record 2: a record must be a mapping of field: value\n"
            "a.yaml:7:5: error: record 3: a field name must be a plain string\n"
            "a.yaml: error: record 3: person_id: This question must be answered.\n"
            "a.yaml: error: record 3: gender: This question must be answered.\n"
            "a.yaml: error: record 3: birth_year: This question must be answered.\n"
            "a.yaml: error: record 3: district: This question must be answered.\n"
            "a.yaml: error: record 3: workplace_type: This question must be answered.\n"
            "a.yaml: error: record 3: category: This question must be answered.\n"
            "a.yaml: error: record 3: position: This question must be answered.\n"
            "a.yaml: error: record 3: is_it_staff: This question must be answered.\n"
            "a.yaml: error: record 3: it_degree: This question must be answered.\n"
            "a.yaml: error: record 3: it_certificate: This question must be answered.");

  /* a NUL written as an escape is refused, in a value, a code or a name */
  parse(staff, "a.yaml", "- {person_id: \"A\\0B\", it_modules: [\"iu01\\0\"], \"gender\\0\": male}\n");
  CHECK(strstr(errors, "a.yaml: error: record 1: person_id: The text holds invalid characters.\n"
                       "a.yaml: error: record 1: it_modules: The text holds invalid characters.\n"
                       "a.yaml: error: record 1: gender?: The form has no such question. (did "
                       "you mean 'gender'?)\n") == errors);

  /* blanks are no answers; an empty list too; a list of codes may have spaces around */
  ics_answers_options draft = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  text = "- person_id: B1\n  full_name: \"  \"\n  gender: ''\n  birth_year: null\n"
         "  district: ~\n  it_modules: []\n  training_needs: [ ' cio ', office ]\n"
         "  is_it_staff:\n";
  parse_opt("a.yaml", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=B1|training_needs=office cio\n");

  /* more errors than diagnostics are kept: counted */
  ics_buf many = {0};
  for (int i = 0; i < 150; i++) ics_buf_printf(&many, "- {person_id: P%d, x: 1, y: 2}\n", i);
  ics_answers_options draft2 = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  parse_opt("a.yaml", many.data, many.len, &draft2, 0);
  ics_buf_free(&many);
  CHECK(dropped == 100);
  CHECK(valid == 0);
}

/* A form with a calculate and a note field: neither takes a value from a file. */
static void test_calculate_note(void) {
  static const char form_text[] =
      "form: household\nversion: \"1\"\ntitle: Household\nkey: hh_id\n"
      "fields:\n"
      "  - {name: hh_id, type: text, label: Code, required: yes}\n"
      "  - {name: members, type: integer, label: Members, required: yes}\n"
      "  - {name: computers, type: integer, label: Computers}\n"
      "  - {name: per_person, type: calculate, calculation: \"${computers} div ${members}\"}\n"
      "  - {name: thanks, type: note, label: Thanks}\n"
      "  - {name: visited, type: date, label: Visit date}\n"
      "  - {name: area, type: decimal, label: Area}\n";
  ics_form *form = parse_form("household.yaml", form_text, sizeof form_text - 1);
  if (!form) return;
  parse(form, "h.yaml",
        "- {hh_id: H1, members: 4, computers: 2, visited: 2013-05-31, area: '3,5', thanks: '',"
        " per_person: ~}\n"
        "- {hh_id: H2, members: 4, per_person: 7, thanks: hello, visited: 2013-02-30, area: x}\n");
  CHECK_STR(errors, "h.yaml: error: record 2: per_person: This item takes no answer.\n"
                    "h.yaml: error: record 2: thanks: This item takes no answer.\n"
                    "h.yaml: error: record 2: visited: Enter a date as YYYY-MM-DD, e.g. "
                    "2013-05-31.\n"
                    "h.yaml: error: record 2: area: Enter a number, e.g. 3.5.");
  CHECK_STR(records, "1: hh_id=H1|members=4|computers=2|per_person=0.5|visited=2013-05-31|"
                     "area=3.5\n");
  parse(form, "h.csv", "hh_id,members,per_person,thanks\nH1,2,,\nH2,2,1,\n");
  CHECK_STR(errors, "h.csv: error: row 3, column \"per_person\": record 2: per_person: This item "
                    "takes no answer.");
  CHECK_STR(records, "1: hh_id=H1|members=2\n");
  ics_form_free(form);
}

/* ---- values as spreadsheets hold them ------------------------------------------------------ */
static void parse_notes(const ics_form *form, const char *name, const char *text, size_t len,
                        ics_buf *notes) {
  ics_answers_options opt = options(form, ICS_ANSWERS_FULL, ICS_EN);
  opt.notes = notes;
  parse_opt(name, text, len, &opt, 0);
}

static void test_spreadsheet_values(void) {
  static const char form_text[] =
      "form: pupils\nversion: \"1\"\ntitle: Pupils\nkey: code\n"
      "choices:\n"
      "  sex:\n"
      "    - {code: male, label: {vi: \"Nam\", en: \"Boy\"}}\n"
      "    - {code: female, label: {vi: \"Nữ\", en: \"Girl\"}}\n"
      "fields:\n"
      "  - {name: code, type: text, label: {vi: \"Mã\", en: Code}, required: yes}\n"
      "  - {name: sex, type: select_one, label: {vi: \"Giới tính\", en: Sex}, choices: sex}\n"
      "  - {name: born, type: date, label: {vi: \"Ngày sinh\", en: Born}}\n"
      "  - {name: fee, type: integer, label: {vi: \"Học phí\", en: Fee}}\n"
      "  - {name: boards, type: boolean, label: {vi: \"Nội trú\", en: Boards}}\n"
      "  - {name: room, type: text, label: {vi: \"Phòng\", en: Room}, relevant: \"${boards}\"}\n"
      "  - {name: likes, type: select_multiple, label: Likes, choices: sex}\n";
  ics_errors diags = {0};
  ics_form *form = ics_form_parse("pupils.yaml", form_text, strlen(form_text), ICS_EN, &diags);
  CHECK(form != NULL);
  ics_errors_free(&diags);
  if (!form) return;
  ics_buf notes = {0};
  /* labels over the names (the template's rows 1 and 2); labels with and without marks, codes
     in another case; day-first dates, a serial, thousands separators, marks for yes; a room
     for a pupil who does not board (dropped); rows of separators at the end */
  const char *text =
      "Mã;Giới tính;Ngày sinh;Học phí;Nội trú;Phòng;Likes\n"
      "code;sex;born;fee;boards;room;likes\n"
      "P1;Nữ;15/03/2008;1 200;x;A1;\"Nam; nu\"\n"
      "P2;nu;2008-04-03;1.200.000;Không;B2;male\n"
      "P3;FEMALE;03/04/2008;\xc2\xa0" "12\xc2\xa0" "500;;C3;\n"
      "P4;Girl;4/15/2008;900;có;D4;\n"
      "P5;;39538;;;;\n"
      ";;;;;;\n;;;;;;\n";
  parse_notes(form, "p.csv", text, strlen(text), &notes);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: code=P1|sex=female|born=2008-03-15|fee=1200|boards=1|room=A1|likes=male female\n"
                     "2: code=P2|sex=female|born=2008-04-03|fee=1200000|boards=0|likes=male\n"
                     "3: code=P3|sex=female|born=2008-04-03|fee=12500\n"
                     "4: code=P4|sex=female|born=2008-04-15|fee=900|boards=1|room=D4\n"
                     "5: code=P5|born=2008-03-31\n");
  CHECK_STR(notes.data ? notes.data : "",
            "Note: p.csv: column \"Giới tính\" (sex): 2 values read as choice codes (e.g. \"nu\" → female)\n"
            "Note: p.csv: column \"Ngày sinh\" (born): 1 dates read day first, day/month/year (e.g. "
            "\"03/04/2008\" → 2008-04-03)\n"
            "Note: p.csv: column \"Ngày sinh\" (born): 1 dates could only be read month first, "
            "month/day/year (e.g. \"4/15/2008\" → 2008-04-15); check them\n"
            "Note: p.csv: column \"Ngày sinh\" (born): 1 numbers read as spreadsheet date serials "
            "(e.g. \"39538\" → 2008-03-31)\n"
            "Note: p.csv: column \"Học phí\" (fee): 3 numbers with thousands separators (e.g. "
            "\"1 200\" → 1200)\n"
            "Note: p.csv: column \"Nội trú\" (boards): 1 marks read as yes/no (e.g. \"x\" → yes)\n"
            "Note: p.csv: column \"Phòng\" (room): 2 answers dropped: the question does not apply to "
            "those records (given their other answers)\n"
            "Note: p.csv: column \"Likes\" (likes): 1 values read as choice codes (e.g. \"nu\" → female)\n");
  /* errors name the row and the column as the spreadsheet shows them; a wrong answer to a
     question that does not apply is dropped, not reported */
  notes.len = 0;
  text = "Mã,Giới tính,Ngày sinh,Học phí,Nội trú,Phòng\n"
         "code,sex,born,fee,boards,room\n"
         "P1,Nữa,31/02/2008,1.2,maybe,\n"
         "\n"
         "P2,,,1 2000,no,x\n";
  parse_notes(form, "p.csv", text, strlen(text), &notes);
  CHECK_STR(errors,
            "p.csv: error: row 3, column \"Giới tính\": record 1: sex: There is no such choice; "
            "pick a number or a code from the list. (unknown choice 'Nữa'; choices: male, female)\n"
            "p.csv: error: row 3, column \"Ngày sinh\": record 1: born: Enter a date as YYYY-MM-DD, "
            "e.g. 2013-05-31.\n"
            "p.csv: error: row 3, column \"Học phí\": record 1: fee: Enter a whole number.\n"
            "p.csv: error: row 3, column \"Nội trú\": record 1: boards: Answer yes or no (y/n).\n"
            "p.csv: error: row 5, column \"Học phí\": record 2: fee: Enter a whole number.");
  CHECK(valid == 0);
  ics_buf_free(&notes);

  /* found in review: grouped thousands before a decimal reading ("1.000" is a thousand); one
     label alone in a select_multiple; a year in a date column is no serial; a bad quote on a
     row that comes out blank refuses no other row */
  text = "code,fee,likes,born\nR1,1.000,Nữ,\nR2,12.000,Boy,\n";
  parse(form, "r.csv", text);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: code=R1|fee=1000|likes=female\n2: code=R2|fee=12000|likes=male\n");
  parse(form, "r.csv", "code,born\nR3,1980\n");
  CHECK_STR(errors, "r.csv: error: row 2, column \"born\": record 1: born: Enter a date as YYYY-MM-DD, "
                    "e.g. 2013-05-31.");
  parse(form, "r.csv", "code,fee\nR4,1\n\"\" \nR5,2\n");
  CHECK(strstr(errors, "record 2: a quote inside a value") != NULL);
  CHECK(strstr(records, "R5") != NULL);

  /* relevance that reads a calculation: the calculation is made before answers are dropped */
  static const char calc_text[] =
      "form: pcs\nversion: \"1\"\ntitle: PCs\nkey: id\nfields:\n"
      "  - {name: id, type: text, label: Id, required: yes}\n"
      "  - {name: computers, type: integer, label: Computers}\n"
      "  - {name: many, type: calculate, calculation: \"${computers} > 2\"}\n"
      "  - {name: why, type: text, label: Why, relevant: \"${many}\"}\n";
  ics_form *pcs = ics_form_parse("pcs.yaml", calc_text, strlen(calc_text), ICS_EN, &diags);
  CHECK(pcs != NULL);
  ics_errors_free(&diags);
  if (pcs) {
    parse(pcs, "c.csv", "id,computers,why\nA,3,because\nB,1,no reason\n");
    CHECK_STR(errors, "");
    CHECK(strstr(records, "1: id=A|computers=3|many=1|why=because\n") == records);
    CHECK(strstr(records, "2: id=B|computers=1|many=0\n") != NULL);
    ics_form_free(pcs);
  }

  /* UTF-16 with its byte-order mark, tab separated (Excel's "Unicode text") */
  static const char utf16[] = "\xff\xfe" "c\0o\0d\0e\0\t\0s\0e\0x\0\n\0" "Q\0" "1\0\t\0N\0\xef\x1e\n\0";
  parse_opt("u.txt", utf16, sizeof utf16 - 1, &(ics_answers_options){.form = form, .lang = ICS_EN}, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: code=Q1|sex=female\n");
  /* Windows-1258, tone marks combining: "Nữ" is N, u-horn (0xFD), combining tilde (0xDE) */
  parse(form, "w.csv", "code,sex\nQ2,N\xfd\xde\n");
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: code=Q2|sex=female\n");
  ics_form_free(form);
}

/* ---- errors of the file as a whole ------------------------------------------------------- */
static void test_file_errors(void) {
  /* a YAML syntax error, with its position */
  parse(staff, "a.yaml", LEADER_YAML "- person_id: A2\n  gender: [male\n  birth_year: 1980\n");
  CHECK_STR(errors, "a.yaml:15:11: error: record 2: gender: only a select_multiple question "
                    "takes a list\n"
                    "a.yaml:16:13: error: YAML syntax error: did not find expected ',' or ']' "
                    "(while parsing a flow sequence)");
  /* a bad indentation ends the record before the error: the record is not checked */
  parse(staff, "a.yaml", LEADER_YAML "- person_id: A1\n  gender: male\n birth_year: 1980\n");
  CHECK_STR(errors, "a.yaml:16:2: error: YAML syntax error: did not find expected '-' indicator "
                    "(while parsing a block collection)");
  CHECK_STR(records, "1: " LEADER_VALUES "\n"); /* streaming: records before it were read */

  parse(staff, "a.yaml", "- person_id: 'A1\n  gender: male\n");
  CHECK_STR(errors, "a.yaml:1:14: error: YAML syntax error: found unexpected end of stream "
                    "(while scanning a quoted scalar)");

  /* encoding */
  parse(staff, "a.yaml", "- person_id: A1\n  full_name: Hu\xe1\xbb\x87 \xff\n");
  CHECK_STR(errors, "a.yaml:2:18: error: the file is not valid UTF-8 text (byte 36); save it "
                    "again as UTF-8");
  parse(staff, "a.yaml", "- person_id: A1\n  full_name: \xc3");
  CHECK_STR(errors, "a.yaml:2:14: error: the file is not valid UTF-8 text (byte 30); save it "
                    "again as UTF-8");
  parse(staff, "a.yaml", "- person_id: A1\n  full_name: x\x01y\n");
  CHECK_STR(errors, "a.yaml:2:15: error: the file holds the control character U+0001; remove it");
  parse_opt("a.yaml", "- a\0", 4, &(ics_answers_options){.form = staff, .lang = ICS_EN}, 0);
  CHECK_STR(errors, "a.yaml:1:4: error: the file holds a NUL byte (code 0) at byte 4: it is not a "
                    "text file (perhaps a Word or Excel document, or UTF-16 text); save it as "
                    "UTF-8 text or 'CSV UTF-8'");
  parse_opt("a.csv", "person_id\nA\0\n", 12, &(ics_answers_options){.form = staff, .lang = ICS_EN}, 0);
  CHECK_STR(errors, "a.csv:2:2: error: the file holds a NUL byte (code 0) at byte 12: it is not "
                    "a text file (perhaps a Word or Excel document, or UTF-16 text); save it as "
                    "UTF-8 text or 'CSV UTF-8'");
  parse_opt("a.csv", "person_id\nA\x1b\n", 13, &(ics_answers_options){.form = staff, .lang = ICS_EN}, 0);
  CHECK_STR(errors, "a.csv:2:2: error: the file holds the control character U+001B; remove it");
  parse(staff, "a.yaml", "\xff\xfep\0e\0");
  CHECK_STR(errors, "a.yaml:1:1: error: the file is UTF-16 text; save it again as UTF-8");
  parse_opt("a.csv", "\xff\xfep\0e", 5, &(ics_answers_options){.form = staff, .lang = ICS_EN}, 0);
  CHECK_STR(errors, "a.csv: error: byte 5 of the file is not a character of UTF-16; save the file "
                    "again as 'CSV UTF-8' (or name its encoding with --encoding)");

  /* the shape of the file */
  parse(staff, "a.yaml", "person_id: A1\n");
  CHECK_STR(errors, "a.yaml:1:1: error: an answers file must be a list of records, one "
                    "'- field: value' mapping per record");
  parse(staff, "a.yaml", "# nothing yet\n");
  CHECK_STR(errors, "a.yaml: error: the file is empty: it holds no records");
  parse(staff, "a.yaml", "");
  CHECK_STR(errors, "a.yaml: error: the file is empty: it holds no records");
  parse(staff, "a.yaml", "--- ~\n");
  CHECK_STR(errors, "a.yaml: error: the file is empty: it holds no records");
  parse(staff, "a.yaml", "[]\n");
  CHECK_STR(errors, "");
  CHECK(valid == 0);
  parse(staff, "a.yaml", LEADER_YAML "---\n- {}\n");
  CHECK_STR(errors, "a.yaml:14:1: error: the file must hold one YAML document only");
  parse(staff, "a.yaml", "- &a {person_id: A1}\n- *a\n");
  CHECK_STR(errors, "a.yaml:1:3: error: YAML anchors and aliases (&, *) are not supported; "
                    "write the value out");
  parse(staff, "a.yaml", "- person_id: A1\n  gender: *x\n");
  CHECK_STR(errors, "a.yaml:2:11: error: YAML anchors and aliases (&, *) are not supported; "
                    "write the value out");
  ics_buf deep = {0};
  ics_buf_puts(&deep, "- full_name: ");
  for (int i = 0; i < 40; i++) ics_buf_putc(&deep, '[');
  parse(staff, "a.yaml", deep.data);
  ics_buf_free(&deep);
  CHECK_STR(errors, "a.yaml:1:14: error: record 1: full_name: only a select_multiple question "
                    "takes a list\n"
                    "a.yaml:1:43: error: nested deeper than 32 levels");

  /* limits */
  ics_answers_options three = options(staff, ICS_ANSWERS_FULL, ICS_EN);
  three.max_records = 3;
  const char *four = LEADER_YAML TEACHER_YAML("T1") TEACHER_YAML("T2") TEACHER_YAML("T3");
  parse_opt("a.yaml", four, strlen(four), &three, 0);
  CHECK_STR(errors, "a.yaml:38:3: error: the file holds more than 3 records");
  CHECK(valid == 3);
  three.mode = ICS_ANSWERS_DRAFT;
  parse_opt("a.csv", "person_id\n1\n2\n3\n4\n", 18, &three, 0);
  CHECK_STR(errors, "a.csv: error: the file holds more than 3 records");
  CHECK(valid == 3);

  ics_buf big = {0};
  ics_buf_puts(&big, "- person_id: A1\n  full_name: ");
  for (int i = 0; i < ICS_ANSWERS_MAX_LINE; i++) ics_buf_putc(&big, 'x');
  parse(staff, "a.yaml", big.data);
  CHECK_STR(errors, "a.yaml:2:1: error: the line is longer than 65536 bytes");
  parse(staff, "a.csv", big.data + 16); /* "  full_name: xxx..." as a CSV header */
  CHECK_STR(errors, "a.csv:1:1: error: the line is longer than 65536 bytes");

  /* a value of many short lines */
  big.len = 0;
  ics_buf_puts(&big, "- person_id: A1\n  full_name: |\n");
  for (int i = 0; i < 1200; i++) ics_buf_puts(&big, "    Nguyễn Thị Hoa, Nguyễn Thị Hoa, Nguyễn Thị Hoa\n");
  parse(staff, "a.yaml", big.data);
  CHECK_STR(errors, "a.yaml:2:14: error: a value is longer than 65536 bytes");
  /* and one that never ends */
  big.len = 0;
  ics_buf_puts(&big, "- person_id: A1\n  full_name: x\n");
  for (int i = 0; i < 40000; i++) ics_buf_puts(&big, "    a plain value on many lines\n");
  parse(staff, "a.yaml", big.data);
  CHECK_STR(errors, "a.yaml:2:12: error: the text from here runs on for more than 1048576 "
                    "characters without a complete value (a value may be at most 65536 bytes)");

  /* CSV: a quoted value over many lines, a row of many cells, too many columns */
  big.len = 0;
  ics_buf_puts(&big, "person_id,full_name\nA1,\"");
  for (int i = 0; i < 4000; i++) ics_buf_puts(&big, "Nguyễn Thị Hoa\n");
  ics_buf_puts(&big, "\"\n");
  parse(staff, "a.csv", big.data);
  CHECK_STR(errors, "a.csv:2:4: error: a value is longer than 65536 bytes");
  big.len = 0;
  ics_buf_puts(&big, "person_id");
  for (int i = 0; i < 999; i++) ics_buf_puts(&big, ",");
  ics_buf_puts(&big, "\n");
  for (int r = 0; r < 30; r++) {
    ics_buf_puts(&big, "A1");
    for (int i = 0; i < 999; i++) ics_buf_puts(&big, ",\"x\ny\"");
    ics_buf_puts(&big, "\n");
  }
  parse(staff, "a.csv", big.data);
  CHECK(strstr(errors, "a.csv: error: row 2: record 1: column B has a value but no field name "
                       "in the header\n") == errors);
  big.len = 0;
  for (int i = 0; i < 1001; i++) ics_buf_puts(&big, i ? ",c" : "c");
  parse(staff, "a.csv", big.data);
  CHECK_STR(errors, "a.csv:1:1: error: the header has more than 1000 columns");
  big.len = 0;
  ics_buf_puts(&big, "person_id,full_name\n");
  for (int i = 0; i < 40; i++) {
    ics_buf_puts(&big, "A1,\"");
    for (int k = 0; k < 2000; k++) ics_buf_puts(&big, "0123456789abcdef\n");
    ics_buf_puts(&big, "\",");
  }
  parse(staff, "a.csv", big.data);
  CHECK_STR(errors, "a.csv:61676:1: error: the row is longer than 1048576 bytes");
  ics_buf_free(&big);
}

/* ---- CSV ----------------------------------------------------------------------------------- */
static void test_csv(void) {
  ics_answers_options draft = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  /* quoting: a comma, a doubled quote, a line break (CRLF inside becomes LF), an empty quoted
   * value, spaces kept inside quotes; CRLF rows; a BOM; no final line break */
  const char *text = "\xEF\xBB\xBFperson_id,full_name,it_modules\r\n"
                     "Q1,\"Hoa, Nguyễn\",iu01 iu03\r\n"
                     "Q2,\"Bình \"\"Út\"\" Trần\",\"\"\r\n"
                     "Q3,\"dòng 1\r\ndòng 2\ndòng 3\",\"iu02,iu01\"";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=Q1|full_name=Hoa, Nguyễn|it_modules=iu01 iu03\n"
                     "2: person_id=Q2|full_name=Bình \"Út\" Trần\n"
                     "3: person_id=Q3|full_name=dòng 1\ndòng 2\ndòng 3|it_modules=iu01 iu02\n");
  /* the same with LF and a final line break, blank lines skipped, spaces around names */
  text = "\n person_id , full_name\n\nQ1,Hoa\n\n\nQ2,\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=Q1|full_name=Hoa\n2: person_id=Q2\n");
  /* a header alone: no records, which is an error */
  parse_opt("a.csv", "person_id\r\n", 11, &draft, 0);
  CHECK_STR(errors, "a.csv: error: the file has a header row but no records");
  CHECK_STR(records, "");
  parse_opt("a.csv", "\xEF\xBB\xBF", 3, &draft, 0);
  CHECK_STR(errors, "a.csv: error: the file is empty: it holds no records");

  /* the header: unknown names (with a hint), twice the same, an empty name */
  text = "person_id,gendr,,person_id,\"x\"\nA,b,,A,\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "a.csv:1:11: error: header: gendr: The form has no such question. (did you "
                    "mean 'gender'?)\n"
                    "a.csv:1:18: error: header: person_id: the column appears twice (first as "
                    "column 1)\n"
                    "a.csv:1:28: error: header: x: The form has no such question.");
  CHECK(valid == 0);
  /* the separator is found: a semicolon (Excel where the decimal mark is a comma), a tab */
  text = "person_id;gender;birth_year\nA;male;1980\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=A|gender=male|birth_year=1980\n");
  text = "full_name\tperson_id\n\"Hoa, Nguyễn; Thị\"\tA\n";
  parse_opt("a.txt", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=A|full_name=Hoa, Nguyễn; Thị\n");
  /* an unnamed column may stay empty; rows of the wrong length */
  text = "person_id,,gender\nA1,,male\nA2,x,male\nA3,male\nA4,,male,\nA5,,male,,\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "a.csv: error: row 3: record 2: column B has a value but no field name in the "
                    "header\n"
                    "a.csv: error: row 4: record 3: the row has 2 cells but the header has 3 columns");
  CHECK_STR(records, "1: person_id=A1|gender=male\n4: person_id=A4|gender=male\n"
                     "5: person_id=A5|gender=male\n");
  text = "person_id,gender\nA1,male,x\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "a.csv: error: row 2: record 1: the row has 3 cells but the header has 2 columns");

  /* quotes where they may not be; an unterminated quote */
  text = "person_id,full_name\nA1,Hoa \"Út\"\nA2,\"Hoa\" Út\nA3,ok\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "a.csv:2:8: error: record 1: a quote inside a value must be written twice, "
                    "with the whole value in quotes\n"
                    "a.csv:3:9: error: record 2: a quote inside a value must be written twice, "
                    "with the whole value in quotes");
  CHECK_STR(records, "3: person_id=A3|full_name=ok\n");
  text = "person_id,full_name\nA1,ok\nA2,\"Nguyễn\n\nA3,x\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "a.csv:3:4: error: the quoted value that starts here is never closed");
  text = "per\"son_id\nA1\n";
  parse_opt("a.csv", text, strlen(text), &draft, 0);
  CHECK_STR(errors, "a.csv:1:4: error: header: a quote inside a value must be written twice, "
                    "with the whole value in quotes");
  CHECK(valid == 0);

  /* a CR alone ends a line too */
  parse_opt("a.csv", "person_id\rA1\rA2", 15, &draft, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: person_id=A1\n2: person_id=A2\n");
}

/* ---- modes ------------------------------------------------------------------------------- */
static ics_record *leader_record(void) {
  ics_record *rec = NULL;
  ics_answers_options opt = options(staff, ICS_ANSWERS_FULL, ICS_EN);
  sink s = {0};
  ics_errors diags = {0};
  ics_answers_parse("base.yaml", LEADER_YAML, strlen(LEADER_YAML), false, &opt, collect, &s,
                    &diags);
  CHECK(diags.count == 0);
  ics_errors_free(&diags);
  ics_buf_free(&s.out);
  /* the same values, set directly */
  rec = ics_record_new(staff);
  const char *pairs[][2] = {{"person_id", "LA-0001"}, {"gender", "female"}, {"birth_year", "1975"},
                            {"district", "803"}, {"workplace_type", "district_pc"},
                            {"agency", "UBND-803"}, {"category", "civil_servant"},
                            {"position", "leader"}, {"is_cio", "1"}, {"is_it_staff", "0"},
                            {"it_degree", "none"}, {"it_certificate", "cert_b"},
                            {"cio_trained", "0"}};
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
    CHECK(ics_record_set(rec, ics_form_field_index(staff, pairs[i][0]), pairs[i][1], reg, ICS_EN,
                         NULL) == ICS_OK);
  return rec;
}

static void test_patch(void) {
  ics_record *base = leader_record();
  ics_answers_options opt = options(staff, ICS_ANSWERS_PATCH, ICS_EN);
  opt.base = base;

  /* only the fields given change; an explicit blank clears */
  const char *text = "- {full_name: Lê Văn Tám, it_modules: [iu05], agency: UBND-803, "
                     "training_needs: ~}\n";
  parse_opt("p.yaml", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "");
  CHECK(valid == 1);
  CHECK_STR(records, "1: person_id=LA-0001|full_name=Lê Văn Tám|gender=female|birth_year=1975|"
                     "district=803|workplace_type=district_pc|agency=UBND-803|"
                     "category=civil_servant|position=leader|is_cio=1|is_it_staff=0|"
                     "it_degree=none|it_certificate=cert_b|it_modules=iu05|cio_trained=0\n");
  CHECK_STR(base->values[ics_form_field_index(staff, "full_name")], NULL); /* base untouched */

  /* a change that makes fields not relevant: they must be cleared explicitly */
  text = "- position: staff\n";
  parse_opt("p.yaml", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "p.yaml: error: record 1: is_cio: This question does not apply given the "
                    "other answers; leave it out.\n"
                    "p.yaml: error: record 1: cio_trained: This question does not apply given "
                    "the other answers; leave it out.");
  CHECK(valid == 0);
  text = "- {position: staff, is_cio: ~, cio_trained: ''}\n";
  parse_opt("p.yaml", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "");
  CHECK(strstr(records, "position=staff|is_it_staff=0|") != NULL);
  /* the whole record is checked: clearing a required answer is an error */
  text = "- {gender: ~}\n";
  parse_opt("p.yaml", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "p.yaml: error: record 1: gender: This question must be answered.");
  /* CSV: every column of the header is given, an empty cell clears */
  text = "full_name,it_modules\nHoa,\n";
  parse_opt("p.csv", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "");
  CHECK(strstr(records, "|full_name=Hoa|") != NULL && !strstr(records, "it_modules"));
  /* exactly one record */
  text = "- {full_name: A}\n- {full_name: B}\n";
  parse_opt("p.yaml", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "p.yaml:2:3: error: a file of changes must hold exactly one record");
  CHECK(valid == 1); /* the first was handed over before the second was seen */
  parse_opt("p.yaml", "[]", 2, &opt, 0);
  CHECK_STR(errors, "p.yaml: error: a file of changes must hold exactly one record");
  parse_opt("p.csv", "full_name\n", 10, &opt, 0);
  CHECK_STR(errors, "p.csv: error: a file of changes must hold exactly one record");
  /* no base: from an empty record */
  opt.base = NULL;
  parse_opt("p.yaml", LEADER_YAML, strlen(LEADER_YAML), &opt, 0);
  CHECK_STR(errors, "");
  CHECK_STR(records, "1: " LEADER_VALUES "\n");
  ics_record_free(base);
}

static void test_draft(void) {
  ics_answers_options opt = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  /* missing answers are fine; everything else is still checked */
  const char *text = "- {person_id: D1, gender: female}\n"
                     "- {full_name: no key yet}\n"
                     "- {person_id: D1, birth_year: 2030}\n"
                     "- {full_name: no key either}\n"
                     "- {person_id: D2, teaches: yes}\n";
  parse_opt("d.yaml", text, strlen(text), &opt, 0);
  CHECK_STR(errors, "d.yaml: error: record 3: birth_year: The year of birth must be between 1940 "
                    "and 2010.\n"
                    "d.yaml: error: record 3: person_id: the key 'D1' is already in record 1\n"
                    "d.yaml: error: record 5: teaches: This question does not apply given the "
                    "other answers; leave it out.");
  CHECK_STR(records, "1: person_id=D1|gender=female\n2: full_name=no key yet\n"
                     "4: full_name=no key either\n");
  CHECK(valid == 3);
}

/* The callback's non-zero return stops the read at once, without a diagnostic. */
static void test_callback_stop(void) {
  ics_answers_options opt = options(staff, ICS_ANSWERS_FULL, ICS_EN);
  const char *text = LEADER_YAML TEACHER_YAML("T1") "- {bad: 1}\n" TEACHER_YAML("T2");
  parse_opt("a.yaml", text, strlen(text), &opt, 2);
  CHECK_STR(errors, "");
  CHECK(calls == 2);
  CHECK(valid == 1);
  ics_answers_options draft = options(staff, ICS_ANSWERS_DRAFT, ICS_EN);
  parse_opt("a.csv", "person_id\nA\nB\nC\n", 16, &draft, 1);
  CHECK_STR(records, "1: person_id=A\n");
  CHECK(valid == 0 && calls == 1);
  /* no callback: the valid records are counted */
  ics_errors diags = {0};
  CHECK(ics_answers_parse("a.yaml", LEADER_YAML, strlen(LEADER_YAML), false, &opt, NULL, NULL,
                          &diags) == 1);
  CHECK(diags.count == 0);
  ics_errors_free(&diags);
}

/* Every allocation may fail: each run ends cleanly, saying so (the sanitizer build checks
 * leaks). */
static void sweep(const char *name, const char *text, ics_answers_mode mode, size_t expect) {
  ics_record *base = leader_record();
  ics_answers_options opt = options(staff, mode, ICS_EN);
  opt.base = base;
  long n = 0;
  for (;; n++) {
    ics_errors diags = {0};
    sink s = {0};
    ics_alloc_fail_after(n);
    size_t got = ics_answers_parse(name, text, strlen(text), ics_answers_syntax_of(name), &opt, collect,
                                   &s, &diags);
    ics_alloc_fail_after(-1);
    bool done = diags.count == 0 && diags.dropped == 0;
    if (done) CHECK(got == expect);
    /* a failed run says why, and only that: running out of memory is no error in the file */
    for (size_t i = 0; i < diags.count; i++) CHECK_STR(diags.items[i].message, "out of memory");
    CHECK(got <= s.calls);
    ics_errors_free(&diags);
    ics_buf_free(&s.out);
    if (done) break;
    if (n > 100000) {
      CHECK(!"never succeeded");
      break;
    }
  }
  CHECK(n > 10);
  ics_record_free(base);
}

static void test_alloc_faults(void) {
  sweep("a.yaml", LEADER_YAML TEACHER_YAML("T1") TEACHER_YAML("T2"), ICS_ANSWERS_FULL, 3);
  sweep("a.csv", "person_id,gender,it_modules,full_name\nA1,male,iu01 iu02,\"Hoa\"\"\"\nA2,female,,x\n",
        ICS_ANSWERS_DRAFT, 2);
  sweep("p.yaml", "- {full_name: Hoa, it_modules: [iu01, iu02]}\n", ICS_ANSWERS_PATCH, 1);
}

/* Inputs that once made the fuzzer fail, replayed through its own target. */
static void test_fuzz_regressions(void) {
  DIR *dir = opendir(ANSWERS_DATA);
  CHECK(dir != NULL);
  if (!dir) return;
  size_t count = 0;
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (strncmp(e->d_name, "fuzz-", 5)) continue;
    char *path = data_path(e->d_name);
    char *data = NULL;
    size_t size = 0;
    CHECK(ics_read_file(path, 1 << 20, &data, &size) == ICS_OK);
    if (data) LLVMFuzzerTestOneInput((const uint8_t *)data, size);
    ics_free(data);
    ics_free(path);
    count++;
  }
  closedir(dir);
  fprintf(stderr, "%zu fuzzer regression inputs replayed\n", count);
}

int main(void) {
  staff = load_form("staff.yaml");
  school = load_form("school.yaml");
  centre = load_form("training_centre.yaml");
  char *dir = test_definitions_dir();
  char *path = ics_path_join(dir, "units.yaml");
  ics_errors diags = {0};
  reg = ics_register_load(path, ICS_EN, &diags);
  CHECK(reg != NULL);
  ics_errors_free(&diags);
  ics_free(path);
  ics_free(dir);
  if (!staff || !school || !centre || !reg) TEST_MAIN_END();

  test_valid_files();
  test_nfc();
  test_record_errors();
  test_calculate_note();
  test_file_errors();
  test_csv();
  test_spreadsheet_values();
  test_patch();
  test_draft();
  test_callback_stop();
  test_alloc_faults();
  test_fuzz_regressions();

  ics_free(records);
  ics_free(errors);
  ics_form_free(staff);
  ics_form_free(school);
  ics_form_free(centre);
  ics_register_free(reg);
  ics_record_free(fz_base); /* the fuzz target's, set up by the regression inputs */
  ics_form_free(fz_staff);
  ics_register_free(fz_reg);
  TEST_MAIN_END();
}
