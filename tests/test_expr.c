/* test_expr.c - the expression language: precedence, three-valued logic with empty answers,
 * every function, and compile errors with their positions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "schema.h"
#include "test.h"

static const char form_text[] =
    "form: t\nversion: '1'\ntitle: T\nkey: id\n"
    "fields:\n"
    "  - {name: id, type: text, label: Id, required: yes}\n"
    "  - {name: a, type: integer, label: A}\n"
    "  - {name: b, type: integer, label: B}\n"
    "  - {name: x, type: decimal, label: X}\n"
    "  - {name: s, type: text, label: S}\n"
    "  - {name: flag, type: boolean, label: F}\n"
    "  - name: m\n    type: select_multiple\n    label: M\n    choices: [{code: p, label: P}, {code: q, label: Q}, {code: r, label: R}]\n"
    "  - {name: agency, type: select_one, label: Ag, choices: {register: agencies}}\n";

static const char register_text[] =
    "register: r\nversion: '1'\n"
    "districts:\n  - {code: '794', name: Tân An}\n  - {code: '803', name: Bến Lức}\n"
    "agencies:\n  - {code: SO-TTTT, name: Sở TTTT, type: dept, district: '794'}\n"
    "  - {code: UBND-803, name: UBND Bến Lức, type: district_pc, district: '803'}\n";

static ics_form *form;
static ics_register *reg;
static ics_record *rec;

static int resolve(void *ctx, const char *name) { return ics_form_field_index(ctx, name); }

static ics_value field_value(void *ctx, int field) { return ics_record_value(ctx, field); }

static void set(const char *field, const char *value) {
  int i = ics_form_field_index(form, field);
  if (value) CHECK(ics_record_set(rec, i, value, reg, ICS_EN, NULL) == ICS_OK);
  else ics_record_clear(rec, i);
}

/* The value as text: "true", "false", "empty", a number or 'string'. */
static char result[512];
static const char *eval(const char *text) {
  ics_error err = {0};
  ics_expr *e = ics_expr_compile(text, resolve, form, ics_form_field_index(form, "a"), ICS_EN,
                                 &err);
  if (!e) {
    CHECK(err.code != ICS_OK && err.line == 1 && err.column >= 1 && !err.file);
    snprintf(result, sizeof result, "error at %d: %s", err.column - 1, err.message);
    ics_error_clear(&err);
    return result;
  }
  ics_eval_env env = {.field_value = field_value, .ctx = rec, .reg = reg};
  ics_value v = ics_expr_eval(e, &env);
  switch (v.kind) {
  case ICS_V_EMPTY: snprintf(result, sizeof result, "empty"); break;
  case ICS_V_BOOL: snprintf(result, sizeof result, "%s", v.b ? "true" : "false"); break;
  case ICS_V_NUM: snprintf(result, sizeof result, "%g", v.num); break;
  case ICS_V_STR: snprintf(result, sizeof result, "'%s'", v.str); break;
  }
  ics_expr_free(e);
  return result;
}

static void test_precedence(void) {
  CHECK_STR(eval("1 + 2 * 3"), "7");
  CHECK_STR(eval("(1 + 2) * 3"), "9");
  CHECK_STR(eval("10 - 4 - 3"), "3");            /* left associative */
  CHECK_STR(eval("7 div 2"), "3.5");
  CHECK_STR(eval("7 mod 3 + 1"), "2");
  CHECK_STR(eval("-2 * -3"), "6");
  CHECK_STR(eval("1 + 1 = 2"), "true");           /* arithmetic binds tighter */
  CHECK_STR(eval("1 < 2 = 2 < 3"), "true");       /* relational before equality */
  CHECK_STR(eval("1 = 1 or 1 = 2 and 1 = 2"), "true"); /* and before or */
  CHECK_STR(eval("(1 = 1 or 1 = 2) and 1 = 2"), "false");
  CHECK_STR(eval("not(1 = 2) and true()"), "true");
  CHECK_STR(eval("'abc' = \"abc\""), "true");
  CHECK_STR(eval("3 >= 3 and 3 <= 3 and 2 < 3 and 3 > 2 and 2 != 3"), "true");
}

static void test_empty_values(void) {
  set("a", NULL);
  set("s", NULL);
  set("m", NULL);
  CHECK_STR(eval("${a} + 1"), "empty");
  CHECK_STR(eval("${a} = 1"), "empty");
  CHECK_STR(eval("${a} != 1"), "empty");
  CHECK_STR(eval("${s} = ''"), "true");           /* empty equals '' */
  CHECK_STR(eval("${s} != ''"), "false");
  CHECK_STR(eval("${a} = 1 or true()"), "true");  /* Kleene logic */
  CHECK_STR(eval("${a} = 1 or false()"), "empty");
  CHECK_STR(eval("${a} = 1 and false()"), "false");
  CHECK_STR(eval("${a} = 1 and true()"), "empty");
  CHECK_STR(eval("not(${a} = 1)"), "empty");
  CHECK_STR(eval("selected(${m}, 'p')"), "false");
  CHECK_STR(eval("count-selected(${m})"), "0");
  CHECK_STR(eval("string-length(${s})"), "0");
  CHECK_STR(eval("regex(${s}, '^a')"), "empty");
  CHECK_STR(eval("coalesce(${a}, 5)"), "5");
  CHECK_STR(eval("if(${a} = 1, 'y', 'n')"), "'n'");
  CHECK_STR(eval("1 div 0"), "empty");
  CHECK_STR(eval("1 mod 0"), "empty");
}

static void test_values(void) {
  set("a", "12");
  set("b", "5");
  set("x", "2,5"); /* a decimal comma */
  set("s", "Nguyễn Văn A");
  set("flag", "có");
  set("m", "r p");
  CHECK_STR(eval("${a} + ${b}"), "17");
  CHECK_STR(eval("${x} * 2"), "5");
  CHECK_STR(eval(". > 10"), "true");              /* '.' is field a here */
  CHECK_STR(eval("${a} > ${b} and ${b} >= 5"), "true");
  CHECK_STR(eval("${flag}"), "true");
  CHECK_STR(eval("not(${flag})"), "false");
  CHECK_STR(eval("${flag} = true()"), "true");
  CHECK_STR(eval("${flag} = 'yes'"), "true");
  CHECK_STR(eval("${m}"), "'p r'");               /* canonical: list order */
  CHECK_STR(eval("selected(${m}, 'r') and not(selected(${m}, 'q'))"), "true");
  CHECK_STR(eval("count-selected(${m})"), "2");
  CHECK_STR(eval("string-length(${s})"), "12");   /* characters, not bytes */
  CHECK_STR(eval("regex(${s}, '^Nguy')"), "true");
  CHECK_STR(eval("regex('AB-12', '^[A-Za-z0-9_-]{1,32}$')"), "true");
  CHECK_STR(eval("regex('A B', '^[A-Za-z0-9_-]{1,32}$')"), "false");
  CHECK_STR(eval("'10' < '9'"), "false");         /* numeric texts compare as numbers */
  set("agency", "UBND-803");
  CHECK_STR(eval("pulldata('agencies', 'type', 'code', ${agency})"), "'district_pc'");
  CHECK_STR(eval("pulldata('agencies', 'district', 'code', ${agency}) = '803'"), "true");
  CHECK_STR(eval("pulldata('districts', 'name', 'code', '794')"), "'Tân An'");
  CHECK_STR(eval("pulldata('agencies', 'type', 'code', 'NOPE')"), "empty");
}

/* regex() as the forms' constraints use it; a back-reference is refused when compiled, with the
 * position of its backslash. */
static void test_regex(void) {
  ics_error err = {0};
  ics_expr *e = ics_expr_compile("regex(., '^[0-9]{10}$')", resolve, form,
                                 ics_form_field_index(form, "s"), ICS_EN, &err);
  CHECK(e);
  ics_eval_env env = {.field_value = field_value, .ctx = rec, .reg = reg};
  set("s", "0123456789");
  CHECK(ics_value_is_true(ics_expr_eval(e, &env)));
  set("s", "012345678");
  CHECK(ics_value_is_false(ics_expr_eval(e, &env)));
  ics_expr_free(e);
  CHECK_STR(eval("regex(., '(.*)\\1')"),
            "error at 14: invalid regular expression: back-references (\\1 to \\9) are not "
            "allowed: they cannot be matched in bounded time; write the alternatives out instead");
  CHECK_STR(eval("regex(., ('[z-a]'))"), "error at 12: invalid regular expression: a range in "
            "[...] must go from a lower character to a higher one, as in [a-z] or [0-9]");
  CHECK(!ics_expr_compile("regex(${s}, '\\1')", resolve, form, -1, ICS_VI, &err));
  CHECK(err.code == ICS_E_SYNTAX);
  CHECK_STR(err.message, "biểu thức chính quy không hợp lệ: không cho phép tham chiếu ngược (\\1 đến "
            "\\9): không thể so khớp chúng trong thời gian có giới hạn; hãy viết ra từng trường hợp");
  CHECK(err.column == 14);
  ics_error_clear(&err);
}

static void test_errors(void) {
  CHECK_STR(eval(""), "error at 0: the expression is empty");
  CHECK_STR(eval("1 +"), "error at 3: the expression ends too early");
  CHECK_STR(eval("(1 + 2"), "error at 6: expected ')'");
  CHECK_STR(eval("${nope} = 1"), "error at 0: unknown field 'nope'");
  CHECK_STR(eval("1 = ${a"), "error at 4: a field reference is written ${name}");
  CHECK_STR(eval("'abc"), "error at 0: unterminated string");
  CHECK_STR(eval("selectd(${m}, 'p')"), "error at 0: unknown function 'selectd' (did you mean 'selected'?)");
  CHECK_STR(eval("selected(${m})"), "error at 0: selected() takes 2 argument(s)");
  CHECK_STR(eval("regex(${s}, ${s})"), "error at 12: argument 2 of regex() must be a string literal");
  CHECK_STR(eval("regex(${s}, '(')"), "error at 13: invalid regular expression: a '(' has no "
            "closing ')', or a ')' no opening '(' (write \\( or \\) for the character itself)");
  CHECK_STR(eval("1 # 2"), "error at 2: unexpected '#'");
  CHECK_STR(eval("1 2"), "error at 2: unexpected '2'");
  CHECK_STR(eval("pulldata('agencies', 'phone', 'code', ${agency})"),
            "error at 9: pulldata() reads 'agencies' (name, type, district) or 'districts' (name), looked up by 'code'");
  /* depth and length are bounded: deep nesting is an error, not a stack overflow */
  char deep[400];
  size_t n = 0;
  for (int i = 0; i < 150; i++) deep[n++] = '(';
  deep[n++] = '1';
  for (int i = 0; i < 150; i++) deep[n++] = ')';
  deep[n] = '\0';
  CHECK_STR(eval(deep), "error at 64: the expression nests deeper than 64 levels");
  char minus[300];
  memset(minus, '-', 200);
  strcpy(minus + 200, "1");
  CHECK_STR(eval(minus), "error at 64: the expression nests deeper than 64 levels");
  char *longtext = malloc(5001);
  memset(longtext, '1', 5000);
  longtext[5000] = '\0';
  CHECK_STR(eval(longtext), "error at 0: the expression is too long (at most 4000 bytes)");
  free(longtext);
  /* Vietnamese messages */
  ics_error err = {0};
  CHECK(!ics_expr_compile("1 +", resolve, form, -1, ICS_VI, &err));
  CHECK_STR(err.message, "biểu thức kết thúc đột ngột");
  CHECK(err.code == ICS_E_SYNTAX && strcmp(ics_code_name(err.code), "syntax") == 0);
  ics_error_clear(&err);
  CHECK(!ics_expr_compile(". > 1", resolve, form, -1, ICS_EN, &err));
  CHECK_STR(err.message, "'.' (the current answer) can only be used in a constraint");
  CHECK(err.code == ICS_E_INVALID);
  ics_error_clear(&err);
}

/* Choice filters: bare names are attributes (here the agency's, numbered by the field). */
static const char *agency_attribute_value;

static int resolve_attribute(void *ctx, const char *name) {
  return ics_field_choice_attribute(ctx, name);
}

static ics_value attribute_value(void *ctx, int attribute) {
  (void)ctx;
  return attribute == 1 ? (ics_value){.kind = ICS_V_STR, .str = agency_attribute_value}
                        : (ics_value){.kind = ICS_V_EMPTY};
}

static void test_filters(void) {
  int agency = ics_form_field_index(form, "agency");
  const ics_field *f = &form->fields[agency];
  ics_error err = {0};
  ics_expr *e = ics_expr_compile_filter("type = ${s} and district != ''", resolve, form,
                                        resolve_attribute, (void *)f, agency, ICS_EN, &err);
  CHECK(e != NULL);
  ics_eval_env env = {.field_value = field_value, .ctx = rec, .reg = reg,
                      .attribute_value = attribute_value};
  set("s", "dept");
  agency_attribute_value = "dept";
  CHECK(ics_value_is_false(ics_expr_eval(e, &env))); /* district (attribute 2) is empty here */
  ics_expr_free(e);
  e = ics_expr_compile_filter("type = ${s}", resolve, form, resolve_attribute, (void *)f, agency,
                              ICS_EN, &err);
  CHECK(e && ics_value_is_true(ics_expr_eval(e, &env)));
  agency_attribute_value = "district_pc";
  CHECK(e && ics_value_is_false(ics_expr_eval(e, &env)));
  set("s", NULL);
  CHECK(e && !ics_value_is_false(ics_expr_eval(e, &env))); /* unknown before the answer */
  ics_expr_free(e);
  CHECK(!ics_expr_compile_filter("kind = 'x'", resolve, form, resolve_attribute, (void *)f, agency,
                                 ICS_EN, &err));
  CHECK(err.column == 1 && err.code == ICS_E_INVALID && strstr(err.message, "no attribute 'kind'"));
  ics_error_clear(&err);
  CHECK(!ics_expr_compile_filter("code != ${agency}", resolve, form, resolve_attribute, (void *)f,
                                 agency, ICS_EN, &err));
  CHECK(err.column == 9);
  CHECK_STR(err.message, "a choice_filter cannot use the answer of its own field 'agency'");
  ics_error_clear(&err);
  CHECK(!ics_expr_compile_filter("code = .", resolve, form, resolve_attribute, (void *)f, agency,
                                 ICS_EN, &err));
  ics_error_clear(&err);
  /* outside filters a bare name is still an error */
  CHECK_STR(eval("type = 'dept'"), "error at 0: unexpected 'type'");
}

/* The bounds a constraint sets (ics_expr_bounds): what a spreadsheet's validation can check. */
static ics_bounds bounds_of(const char *text, int self) {
  ics_error err = {0};
  ics_expr *e = ics_expr_compile(text, resolve, form, self, ICS_EN, &err);
  CHECK(e != NULL);
  ics_bounds b;
  ics_expr_bounds(e, self, &b);
  ics_expr_free(e);
  ics_error_clear(&err);
  return b;
}

static void test_bounds(void) {
  int a = ics_form_field_index(form, "a"), bf = ics_form_field_index(form, "b"),
      s = ics_form_field_index(form, "s");
  ics_bounds b = bounds_of(". >= 1940 and . <= 2010", a);
  CHECK(b.exact && b.value.has_min && b.value.has_max && b.value.min == 1940 && b.value.max == 2010);
  CHECK(!b.value.min_strict && !b.value.max_strict && b.value.min_field == -1 && b.value.max_field == -1);
  CHECK(!b.length.has_min && !b.length.has_max);
  /* mirrored, strict, negative, the tighter of two, and a field as the bound */
  b = bounds_of("0 < . and . < -(-7) and . <= 5 and . <= 9", a);
  CHECK(b.value.min == 0 && b.value.min_strict && b.value.max == 5 && !b.value.max_strict);
  CHECK(!b.exact); /* -(-7) is not a literal */
  b = bounds_of(". >= -3 and . <= ${b}", a);
  CHECK(b.exact && b.value.min == -3 && b.value.has_max && b.value.max_field == bf);
  b = bounds_of("${b} >= .", a);
  CHECK(b.exact && b.value.has_max && b.value.max_field == bf && !b.value.has_min);
  /* text lengths */
  b = bounds_of("string-length(.) <= 80 and string-length(.) >= 2", s);
  CHECK(b.exact && b.length.has_max && b.length.max == 80 && b.length.min == 2 && !b.value.has_max);
  b = bounds_of("string-length(.) <= 80 and regex(., '^[a-z ]*$')", s);
  CHECK(!b.exact && b.length.max == 80);
  /* nothing a validation can say: no bounds */
  b = bounds_of(". >= 1 or . = 0", a);
  CHECK(!b.exact && !b.value.has_min && !b.value.has_max);
  b = bounds_of("regex(., '^[A-Z]+$')", s);
  CHECK(!b.exact && !b.length.has_max);
  b = bounds_of(". + 1 <= 3", a);
  CHECK(!b.exact && !b.value.has_max);
  ics_expr_bounds(NULL, a, &b);
  CHECK(b.exact && !b.value.has_min && !b.value.has_max);
}

int main(void) {
  ics_errors diags = {0};
  form = ics_form_parse("t.yaml", form_text, sizeof form_text - 1, ICS_EN, &diags);
  reg = ics_register_parse("r.yaml", register_text, sizeof register_text - 1, ICS_EN, &diags);
  for (size_t i = 0; i < diags.count; i++) fprintf(stderr, "%s\n", diags.items[i].message);
  CHECK(form && reg);
  if (!form || !reg) TEST_MAIN_END();
  rec = ics_record_new(form);
  test_precedence();
  test_empty_values();
  test_values();
  test_errors();
  test_regex();
  test_filters();
  test_bounds();
  ics_record_free(rec);
  ics_form_free(form);
  ics_register_free(reg);
  ics_errors_free(&diags);
  TEST_MAIN_END();
}
