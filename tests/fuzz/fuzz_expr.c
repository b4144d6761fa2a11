/* fuzz_expr.c - libFuzzer target for the expression language: compile any text against a
 * small form and evaluate it over a record with answers, an empty record, and a register. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char form_text[] =
    "form: f\nversion: '1'\ntitle: F\nkey: id\nfields:\n"
    "  - {name: id, type: text, label: Id, required: yes}\n"
    "  - {name: n, type: integer, label: N}\n"
    "  - {name: d, type: decimal, label: D}\n"
    "  - {name: b, type: boolean, label: B}\n"
    "  - {name: m, type: select_multiple, label: M, choices: [{code: a, label: A}, {code: b, label: B}]}\n"
    "  - {name: ag, type: select_one, label: Ag, choices: {register: agencies}}\n";
static const char register_text[] =
    "register: r\nversion: '1'\ndistricts: [{code: '794', name: X}]\n"
    "agencies: [{code: SO-A, name: A, type: dept, district: '794'}]\n";

static ics_form *form;
static ics_register *reg;
static ics_record *full, *empty;

static int resolve(void *ctx, const char *name) { return ics_form_field_index(ctx, name); }
static ics_value value(void *ctx, int field) { return ics_record_value(ctx, field); }

static void setup(void) {
  ics_errors diags = {0};
  form = ics_form_parse("f.yaml", form_text, sizeof form_text - 1, ICS_EN, &diags);
  reg = ics_register_parse("r.yaml", register_text, sizeof register_text - 1, ICS_EN, &diags);
  if (!form || !reg) abort();
  ics_errors_free(&diags);
  full = ics_record_new(form);
  empty = ics_record_new(form);
  const char *answers[] = {"X-1", "42", "2.5", "yes", "a b", "SO-A"};
  for (int i = 0; i < 6; i++) ics_record_set(full, i, answers[i], reg, ICS_EN, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!form) setup();
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  ics_error err = {0};
  ics_expr *e = ics_expr_compile(text, resolve, form, 1, ICS_EN, &err);
  if (e) {
    ics_eval_env env = {.field_value = value, .ctx = full, .reg = reg};
    ics_expr_eval(e, &env);
    env.ctx = empty;
    env.reg = NULL;
    ics_expr_eval(e, &env);
    ics_expr_free(e);
  } else if (err.code == ICS_OK || !err.message || err.column < 1 || (size_t)err.column > size + 1) {
    abort(); /* an error has a code, a message, and points inside the text */
  }
  ics_error_clear(&err);
  free(text);
  return 0;
}
