/* schema.h - the form-definition language of ictsurvey: loading forms, the unit register and
 * targets files from YAML (every problem reported as FILE:LINE:COLUMN), the expression
 * language of relevant/constraint/calculation, and the answers API that collector and
 * aggregator share to validate a record against its form.
 *
 * Everything a loader returns lives in one arena owned by the returned object and is freed
 * by its _free function; _free(NULL) does nothing. */
#ifndef ICS_SCHEMA_H
#define ICS_SCHEMA_H

#include "ics_common.h"

/* ---- limits on definition files (docs/forms.md, docs/limits.md) ------------------------ */
enum {
  ICS_DEF_MAX_BYTES = 4 * 1024 * 1024,
  ICS_DEF_MAX_DEPTH = 32,
  ICS_MAX_FIELDS = 1000,
  ICS_MAX_LISTS = 1000,
  ICS_MAX_GROUPS = 200,
  ICS_MAX_CHOICES = 10000,
  ICS_MAX_CHOICE_ATTRIBUTES = 20, /* extra keys of a list's items, for choice filters */
  ICS_MAX_TITLE_FIELDS = 10,      /* fields of a form's record_title */
  ICS_MAX_INDICATORS = 1000,
  ICS_MAX_CHECKS = 100,       /* data-quality checks of a targets file */
  ICS_MAX_CHECK_COLUMNS = 30, /* columns of one check */
  ICS_EXPR_MAX_BYTES = 4000,
  ICS_EXPR_MAX_DEPTH = 64,
  ICS_NAME_MAX = 63,
  ICS_TEXT_MAX_CHARS = 4000,
};

/* ---- the unit register ------------------------------------------------------------------ */
typedef struct {
  const char *code;
  ics_text name;
} ics_district;

typedef struct {
  const char *code;
  ics_text name;
  const char *type;     /* "dept" or "district_pc" */
  const char *district; /* a district code of the register */
} ics_agency;

typedef struct ics_register {
  const char *id;
  const char *version;
  const ics_district *districts;
  size_t district_count;
  const ics_agency *agencies;
  size_t agency_count;
  struct ics_register_private *priv;
} ics_register;

const ics_district *ics_register_district(const ics_register *reg, const char *code);
const ics_agency *ics_register_agency(const ics_register *reg, const char *code);
void ics_register_free(ics_register *reg);

/* ---- forms ------------------------------------------------------------------------------ */
typedef enum {
  ICS_TEXT_FIELD,
  ICS_INTEGER,
  ICS_DECIMAL,
  ICS_BOOLEAN,
  ICS_DATE,
  ICS_SELECT_ONE,
  ICS_SELECT_MULTIPLE,
  ICS_NOTE,
  ICS_CALCULATE,
  ICS_FIELD_TYPE_COUNT
} ics_field_type;

const char *ics_field_type_name(ics_field_type type);

typedef struct {
  const char *code;
  ics_text label;
} ics_choice;

typedef enum { ICS_CHOICES_FORM, ICS_CHOICES_DISTRICTS, ICS_CHOICES_AGENCIES } ics_choice_source;

typedef struct {
  const char *name;            /* list name; "" for an inline list */
  ics_choice_source source;    /* register lists have no items here */
  const ics_choice *items;
  size_t count;
  /* Extra scalar keys of the items (besides code and label), for choice filters: item i's
   * value of attribute a is attribute_values[i * attribute_count + a], NULL when not given. */
  const char *const *attribute_names;
  size_t attribute_count;
  const char *const *attribute_values;
} ics_choice_list;

typedef struct ics_expr ics_expr;

typedef struct {
  const char *name;
  ics_field_type type;
  ics_text label;
  ics_text hint;
  bool required;
  bool personal;
  const ics_expr *relevant;     /* NULL: always relevant */
  const ics_expr *constraint;   /* NULL: none */
  ics_text constraint_message;  /* empty texts: a generic message */
  const ics_expr *calculation;  /* calculate fields only */
  const char *default_value;    /* canonical value text, or NULL */
  const ics_choice_list *choices; /* select fields only */
  const ics_expr *choice_filter; /* NULL: every choice */
  bool carry;                   /* proposed again for the next record of the form */
  int group;                    /* index into form->groups, -1 outside any group */
  int line, column;             /* where the field is defined */
} ics_field;

typedef struct {
  const char *name;
  ics_text label;
} ics_group;

typedef struct ics_form {
  const char *path;
  const char *id;
  const char *version;
  ics_text title;
  int key;                      /* index of the natural-key field */
  const int *title_fields;      /* record_title: what makes a record recognisable */
  size_t title_field_count;
  const ics_field *fields;
  size_t field_count;
  const ics_group *groups;
  size_t group_count;
  const char *hash;             /* hex SHA-256 of the canonical definition */
  const char *source;           /* the definition file's text, as loaded */
  size_t source_len;
  struct ics_form_private *priv;
} ics_form;

/* Loads a form from a file, or from text already in memory (path only names it in
 * messages). Returns NULL, with every problem in diags, when the definition is not valid. */
ics_form *ics_form_load(const char *path, ics_lang lang, ics_errors *diags);
ics_form *ics_form_parse(const char *path, const char *text, size_t len, ics_lang lang,
                         ics_errors *diags);
void ics_form_free(ics_form *form);
/* Index of the named field, or -1. */
int ics_form_field_index(const ics_form *form, const char *name);
/* The canonical text the hash is computed from (the caller frees it). */
char *ics_form_canonical(const ics_form *form);
const ics_choice *ics_choice_find(const ics_choice_list *list, const char *code);
/* The choices a select field lists, whatever their source (register lists read the register:
 * none without it), and the i-th of them (i < count) as code and label. */
size_t ics_field_choice_count(const ics_field *f, const ics_register *reg);
ics_choice ics_field_choice_at(const ics_field *f, const ics_register *reg, size_t i);
/* A text folded for comparing what people type: case folded, NFC, spaces collapsed and
 * trimmed; with strip_marks also without diacritics ("Nữ" -> "nu", "Đức" -> "duc"). Text that
 * is not UTF-8 is copied as it is. NULL only when memory runs out; the caller frees. */
char *ics_text_fold(const char *s, bool strip_marks);
/* The choice a person typed for a select field, among the choices offered (indexes as for
 * ics_field_choice_at, in the order shown): its number in that list (1-based), its code in
 * any case, or its label in either language in any case, with or without diacritics. Returns
 * ICS_OK with *choice set, ICS_E_UNKNOWN_CHOICE when nothing matched or *matches > 1 choices
 * did (the person must say which), or ICS_E_NO_MEMORY. */
ics_code ics_choice_match(const ics_field *f, const ics_register *reg, const size_t *offered,
                          size_t offered_count, const char *typed, size_t *choice,
                          size_t *matches);
/* The attributes a choice filter of the field may name: a register's agencies have code,
 * type and district, its districts code; a form list code and its items' extra keys.
 * Returns the attribute's index, or -1. */
int ics_field_choice_attribute(const ics_field *f, const char *name);

/* ---- expressions -------------------------------------------------------------------------
 * Values are three-valued: ICS_V_EMPTY is "no answer" / "unknown". Strings point into the
 * form, the record or the register: evaluation never allocates. */
typedef enum { ICS_V_EMPTY, ICS_V_BOOL, ICS_V_NUM, ICS_V_STR } ics_value_kind;

typedef struct {
  ics_value_kind kind;
  bool b;
  double num;
  const char *str;
} ics_value;

/* Compiles one expression. `resolve(name)` gives a field index or -1; `self` is the index
 * that `.` stands for (-1: `.` is not allowed). On error returns NULL with *err set, its
 * column the 1-based byte offset of the problem in the text (line 1, no file). */
typedef int (*ics_resolver)(void *ctx, const char *name);
ics_expr *ics_expr_compile(const char *text, ics_resolver resolve, void *resolve_ctx, int self,
                           ics_lang lang, ics_error *err);
/* Compiles a choice filter: bare names are the choice's attributes (resolve_attribute gives
 * an index or -1), ${name} the record's answers; `self`, the filtered field, may not be
 * referred to (neither `.` nor ${self}). */
ics_expr *ics_expr_compile_filter(const char *text, ics_resolver resolve, void *resolve_ctx,
                                  ics_resolver resolve_attribute, void *attribute_ctx, int self,
                                  ics_lang lang, ics_error *err);
void ics_expr_free(ics_expr *expr);
/* The text an expression was compiled from (NULL for NULL). */
const char *ics_expr_source(const ics_expr *expr);
/* Calls visit(ctx, field, literal, offset) for every comparison of a field with a string
 * literal (`${f} = 'x'`, `'x' != ${f}`, `selected(${f}, 'x')`): lets loaders check that the
 * literal is one of the field's choice codes. offset: the literal's byte offset. */
typedef void (*ics_code_visitor)(void *ctx, int field, const char *literal, size_t offset);
void ics_expr_codes(const ics_expr *expr, ics_code_visitor visit, void *ctx);
/* Calls visit(ctx, field) for every field the expression refers to (with repeats). */
void ics_expr_fields(const ics_expr *expr, void (*visit)(void *ctx, int field), void *ctx);

/* What a constraint says of the range of its field, for tools that can only check simple
 * rules (a spreadsheet's data validation): for each part of a constraint that is a
 * conjunction (`and`) of comparisons of `.` or `string-length(.)` with a number or a field
 * (`. >= 1940`, `0 <= .`, `. <= ${students_total}`, `string-length(.) <= 80`), the bound it
 * sets. Parts of other shapes are skipped (*out then has exact false): every bound found
 * holds for every valid value, but a value within them may still break the constraint. A
 * constraint whose top is not a conjunction of such parts (an `or`) gives no bound at all. */
typedef struct {
  bool has_min, has_max;
  double min, max;         /* numbers; with min_field/max_field >= 0, unused */
  int min_field, max_field; /* -1, or the field whose value is the bound */
  bool min_strict, max_strict; /* > and < rather than >= and <= */
} ics_bound;

typedef struct {
  ics_bound value;   /* of `.` */
  ics_bound length;  /* of string-length(.) */
  bool exact;        /* the constraint is nothing but these bounds */
} ics_bounds;

/* The bounds of a field's constraint (self: the field's index, which `.` stands for). NULL
 * gives no bound, exact. */
void ics_expr_bounds(const ics_expr *constraint, int self, ics_bounds *out);

typedef struct {
  /* the value of a field, given its index */
  ics_value (*field_value)(void *ctx, int field);
  void *ctx;
  const ics_register *reg; /* for pulldata(); NULL: pulldata() is unknown */
  /* a choice's attribute, for choice filters; NULL: attributes are unknown */
  ics_value (*attribute_value)(void *attribute_ctx, int attribute);
  void *attribute_ctx;
} ics_eval_env;

ics_value ics_expr_eval(const ics_expr *expr, const ics_eval_env *env);
/* True only when the value is the boolean true (a number is true when not zero, a string
 * when not empty, as in XPath). */
bool ics_value_is_true(ics_value v);
bool ics_value_is_false(ics_value v);

/* ---- records and answers ----------------------------------------------------------------
 * A record holds one canonical value text per field (NULL: empty):
 *   integer "-12", decimal "3.25", boolean "1"/"0", date "2013-05-01",
 *   select_one "code", select_multiple "code1 code3" (list order, no repeats), text in NFC. */
typedef struct ics_record {
  const ics_form *form;
  char **values; /* field_count entries, each allocated or NULL */
} ics_record;

/* The checks of an answer fail with the codes ICS_E_NOT_INTEGER ... ICS_E_UNKNOWN_FIELD and
 * ICS_E_NOT_OFFERED of the registry (ics_error.h). */

/* The message for such a code in a surveyor's words ("Câu này bắt buộc phải trả lời."). */
const char *ics_status_message(ics_code status, ics_lang lang);

ics_record *ics_record_new(const ics_form *form);
void ics_record_free(ics_record *rec);
ics_record *ics_record_copy(const ics_record *rec);
void ics_record_clear(ics_record *rec, int field);

/* Parses an answer as the user typed it (yes/no or có/không, a number, codes separated by
 * spaces or commas) and stores its canonical text. Returns ICS_OK, or the code of the problem
 * (ICS_E_NOT_INTEGER ...) with nothing changed and *err (when given) naming the field, its
 * message the most precise there is ("unknown choice 'X'") — ics_status_message(code) says
 * what to do in general. Register choices are checked when reg is given; a choice that the
 * field's choice_filter definitely does not offer is refused (ICS_E_NOT_OFFERED). */
ics_code ics_record_set(ics_record *rec, int field, const char *text, const ics_register *reg,
                        ics_lang lang, ics_error *err);
/* The same for a select_multiple given as separate codes. */
ics_code ics_record_set_codes(ics_record *rec, int field, const char *const *codes,
                              size_t count, const ics_register *reg, ics_lang lang,
                              ics_error *err);

/* The value of a field as an expression sees it. */
ics_value ics_record_value(const ics_record *rec, int field);

/* Whether choice i of a select field (numbered as ics_field_choice_at) is offered given the
 * record's answers: offered unless its choice_filter is definitely false, so that a filter
 * over answers not given yet (empty, hence unknown) hides nothing. True without a filter. */
bool ics_record_choice_offered(const ics_record *rec, int field, const ics_register *reg,
                               size_t choice_index);

/* Relevance of every field given the current answers (relevant[i] for field i). Fields that
 * are not relevant count as empty for the fields after them. */
void ics_record_relevance(const ics_record *rec, const ics_register *reg, bool *relevant);

typedef enum {
  ICS_CHECK_CLEAR_IRRELEVANT = 1, /* drop values of fields that are not relevant (wizard) */
  ICS_CHECK_PARTIAL = 2,          /* a draft: do not report missing required answers */
} ics_check_flags;

/* Applies calculations, then lists every violation: a value for a field that is not
 * relevant (unless ICS_CHECK_CLEAR_IRRELEVANT drops it), a missing required answer, a
 * register code that does not exist, a choice its filter does not offer (ICS_E_NOT_OFFERED,
 * the message naming the fields the filter reads), a failed constraint — each as an error of
 * `out` naming its field (ics_error.field), in form order. Returns ICS_OK when the record is valid,
 * ICS_E_NO_MEMORY, or the code of the first problem. */
ics_code ics_record_check(ics_record *rec, const ics_register *reg, ics_lang lang, int flags,
                          ics_errors *out);
/* A field's value for display: choice labels, "Có"/"Yes" for booleans. Caller frees. */
char *ics_record_display(const ics_record *rec, int field, const ics_register *reg,
                         ics_lang lang);
/* What a person recognises the record by: the displayed values of the form's record_title
 * fields joined with " · ", empty ones skipped; the natural key's value when there are no
 * title fields or all are empty; "" when that is empty too. NULL only when memory runs out.
 * Caller frees with ics_free. */
char *ics_record_title(const ics_record *rec, const ics_register *reg, ics_lang lang);

/* ---- targets ------------------------------------------------------------------------------ */
typedef enum { ICS_MEASURE_RECORDS, ICS_MEASURE_SUM, ICS_MEASURE_AGENCIES, ICS_MEASURE_NONE } ics_measure;
typedef enum { ICS_KIND_SHARE, ICS_KIND_RATIO } ics_indicator_kind;
typedef enum { ICS_OP_GE, ICS_OP_GT, ICS_OP_LE, ICS_OP_LT } ics_comparator;

typedef struct {
  int year;
  ics_comparator op;
  int64_t num, den; /* the target as an exact fraction num/den (70% = 7/10) */
  double value;     /* the same as a double, for display */
  const char *text; /* as written, e.g. ">= 70%" */
} ics_target;

typedef struct {
  const char *id;
  ics_text label;
  const char *clause;
  ics_indicator_kind kind;
  ics_measure measure;
  const ics_form *form;     /* NULL for ICS_MEASURE_NONE */
  const ics_expr *where;    /* NULL: every record */
  const ics_expr *numerator;
  const ics_expr *denominator; /* sum only */
  const char *agency_type;  /* agencies only */
  int link_field;           /* agencies only */
  int district_field;       /* -1 when not by district */
  bool by_district;
  bool key;
  const ics_target *targets;
  size_t target_count;
  ics_text note;
  ics_text source;
} ics_indicator;

/* A check of the workbook's Data quality sheet (docs/targets.md): the records of a form that
 * are worth a second look (those where `where` is true), one row each, with its columns. */
typedef struct {
  ics_text label;        /* the column's header */
  const ics_expr *value; /* the cell: a number, a text, yes/no, or empty */
} ics_check_column;

typedef struct {
  const char *id;
  ics_text title;
  const ics_form *form;
  const ics_expr *where;
  const ics_check_column *columns;
  size_t column_count;
} ics_check;

typedef struct ics_targets {
  const char *path;
  const char *id;
  const char *decision;
  ics_text title;
  const ics_indicator *indicators;
  size_t indicator_count;
  const ics_check *checks; /* data_quality, in the file's order */
  size_t check_count;
  const int *years; /* every target year used, ascending */
  size_t year_count;
  struct ics_targets_private *priv;
} ics_targets;

/* Loads a targets file; its expressions are compiled against the given forms (a form it
 * names must be among them). */
ics_targets *ics_targets_load(const char *path, const ics_form *const *forms, size_t form_count,
                              ics_lang lang, ics_errors *diags);
/* The same from text in memory (text NULL: read path); path only names it in messages. */
ics_targets *ics_targets_parse(const char *path, const char *text, size_t len,
                               const ics_form *const *forms, size_t form_count, ics_lang lang,
                               ics_errors *diags);
void ics_targets_free(ics_targets *targets);

/* ---- the register loader ----------------------------------------------------------------- */
ics_register *ics_register_load(const char *path, ics_lang lang, ics_errors *diags);
ics_register *ics_register_parse(const char *path, const char *text, size_t len, ics_lang lang,
                                 ics_errors *diags);

/* ---- what kind of definition a file holds ----------------------------------------------- */
typedef enum {
  ICS_DEF_UNKNOWN,  /* cannot be read or parsed: loading it as a form reports why */
  ICS_DEF_NONE,     /* parses, but is none of the three (reported in diags) */
  ICS_DEF_FORM,
  ICS_DEF_REGISTER,
  ICS_DEF_TARGETS
} ics_def_kind;
/* Looks at the top-level keys only. */
ics_def_kind ics_definition_kind(const char *path, ics_lang lang, ics_errors *diags);

/* A folder of definitions as the office publishes them (the layout of schema/definitions):
 * every form (sorted by id), the unit register and the targets, each with its text as read.
 * Other YAML files are reported. Returns 0, or 1 with every problem in diags. The caller
 * chooses the folder (the command line: cli_definitions_dir). */
typedef struct {
  ics_form **forms;
  size_t form_count;
  ics_register *reg;
  char *register_text;
  size_t register_len;
  ics_targets *targets;
  char *targets_text;
  size_t targets_len;
} ics_definitions;

int ics_definitions_load(const char *dir, ics_lang lang, ics_definitions *out, ics_errors *diags);
void ics_definitions_free(ics_definitions *defs);

#endif
