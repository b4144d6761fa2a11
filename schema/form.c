/* form.c - loading a form definition: keys, fields, groups, choice lists, expressions,
 * defaults, the natural key, cycles among calculations, and the content hash. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"

struct ics_form_private {
  ics_arena *arena;
  expr_list exprs;
  ics_choice_list *lists; /* form-level lists */
  size_t list_count;
};

static const char *const type_names[ICS_FIELD_TYPE_COUNT] = {
    [ICS_TEXT_FIELD] = "text",         [ICS_INTEGER] = "integer",
    [ICS_DECIMAL] = "decimal",         [ICS_BOOLEAN] = "boolean",
    [ICS_DATE] = "date",               [ICS_SELECT_ONE] = "select_one",
    [ICS_SELECT_MULTIPLE] = "select_multiple", [ICS_NOTE] = "note",
    [ICS_CALCULATE] = "calculate",
};

const char *ics_field_type_name(ics_field_type type) {
  return type < ICS_FIELD_TYPE_COUNT ? type_names[type] : "?";
}

static const ics_choice_list districts_list = {.name = "districts", .source = ICS_CHOICES_DISTRICTS};
static const ics_choice_list agencies_list = {.name = "agencies", .source = ICS_CHOICES_AGENCIES};

const ics_choice *ics_choice_find(const ics_choice_list *list, const char *code) {
  if (!list) return NULL;
  for (size_t i = 0; i < list->count; i++)
    if (!strcmp(list->items[i].code, code)) return &list->items[i];
  return NULL;
}

size_t ics_field_choice_count(const ics_field *f, const ics_register *reg) {
  const ics_choice_list *list = f->choices;
  if (!list) return 0;
  if (list->source == ICS_CHOICES_FORM) return list->count;
  if (!reg) return 0;
  return list->source == ICS_CHOICES_DISTRICTS ? reg->district_count : reg->agency_count;
}

ics_choice ics_field_choice_at(const ics_field *f, const ics_register *reg, size_t i) {
  const ics_choice_list *list = f->choices;
  if (list->source == ICS_CHOICES_FORM) return list->items[i];
  if (list->source == ICS_CHOICES_DISTRICTS)
    return (ics_choice){.code = reg->districts[i].code, .label = reg->districts[i].name};
  return (ics_choice){.code = reg->agencies[i].code, .label = reg->agencies[i].name};
}

/* Attribute 0 is the code everywhere; register agencies then have type and district, form
 * lists their items' extra keys (answers.c reads them in this order). */
int ics_field_choice_attribute(const ics_field *f, const char *name) {
  const ics_choice_list *list = f->choices;
  if (!list) return -1;
  if (!strcmp(name, "code")) return 0;
  if (list->source == ICS_CHOICES_AGENCIES) {
    if (!strcmp(name, "type")) return 1;
    if (!strcmp(name, "district")) return 2;
  } else if (list->source == ICS_CHOICES_FORM) {
    for (size_t a = 0; a < list->attribute_count; a++)
      if (!strcmp(list->attribute_names[a], name)) return (int)a + 1;
  }
  return -1;
}

int ics_form_field_index(const ics_form *form, const char *name) {
  for (size_t i = 0; i < form->field_count; i++)
    if (!strcmp(form->fields[i].name, name)) return (int)i;
  return -1;
}

/* ---- choice lists ----------------------------------------------------------------------- */
/* The central database keeps each form in a table form_ID whose own columns come first, then
 * one column per field (aggregator/merge.c); store_id is kept for the store that sent a record.
 * A field may not take one of these names, and a form id may not make a table name that
 * another form's index (form_ID_by_key) or child table (form_ID__FIELD) has. Listed in
 * docs/forms.md. */
static const char *const reserved_columns[] = {
    "instance_id", "revision", "round", "surveyor", "site", "created_at", "updated_at",
    "form_version", "form_hash", "natural_key", "store_id", "status", "bundle_id",
};

static bool reserved_column(const char *name) {
  for (size_t i = 0; i < sizeof reserved_columns / sizeof *reserved_columns; i++)
    if (!strcmp(name, reserved_columns[i])) return true;
  return false;
}

static bool reserved_form_id(const char *id) {
  size_t len = strlen(id);
  return strstr(id, "__") || id[len - 1] == '_' ||
         (len >= 7 && !strcmp(id + len - 7, "_by_key"));
}

static bool valid_code(const char *s, size_t n) {
  if (n < 1 || n > ICS_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

/* The keys an item may have: code, label and its attributes (any other key), except a key
 * that looks like a misspelt code or label the item lacks: that is reported as unknown. */
static bool item_keys(loader *ld, const ynode *item, const char **keys) {
  size_t n = 0;
  keys[n++] = "code";
  keys[n++] = "label";
  keys[n] = NULL;
  if (item->kind != YN_MAPPING) return true; /* ics_ld_check_keys says so */
  for (size_t i = 0; i + 1 < item->count; i += 2) {
    const ynode *key = item->items[i];
    if (key->kind != YN_SCALAR || !strcmp(key->str, "code") || !strcmp(key->str, "label"))
      continue;
    bool typo = false;
    for (int k = 0; k < 2 && !typo; k++)
      typo = !ics_yd_get(item, keys[k]) && ics_edit_distance(key->str, keys[k], 2) <= 2;
    if (typo) continue;
    if (n == 2 + ICS_MAX_CHOICE_ATTRIBUTES) {
      ics_ld_error(ld, key, M_TOO_MANY, "choice attributes", ICS_MAX_CHOICE_ATTRIBUTES);
      return false;
    }
    keys[n++] = key->str;
    keys[n] = NULL;
  }
  return true;
}

/* The attributes of a list's items (their keys besides code and label), for choice filters:
 * one name list for the whole list, in the order the names first appear. */
static bool load_attributes(loader *ld, const ynode *seq, ics_choice_list *out) {
  const char *names[ICS_MAX_CHOICE_ATTRIBUTES];
  size_t count = 0;
  for (size_t i = 0; i < seq->count; i++) {
    const ynode *item = seq->items[i];
    for (size_t k = 0; k + 1 < item->count; k += 2) {
      const char *key = item->items[k]->str;
      if (item->items[k]->kind != YN_SCALAR || !strcmp(key, "code") || !strcmp(key, "label")) continue;
      size_t a = 0;
      while (a < count && strcmp(names[a], key)) a++;
      if (a < count) continue;
      if (count == ICS_MAX_CHOICE_ATTRIBUTES) {
        ics_ld_error(ld, item->items[k], M_TOO_MANY, "choice attributes", ICS_MAX_CHOICE_ATTRIBUTES);
        return false;
      }
      names[count++] = key;
    }
  }
  if (count == 0) return true;
  const char **kept = ics_ld_alloc(ld, count * sizeof *kept);
  const char **values = ics_ld_alloc(ld, seq->count * count * sizeof *values);
  if (!kept || !values) return false;
  memcpy(kept, names, count * sizeof *kept);
  bool ok = true;
  for (size_t i = 0; i < seq->count; i++)
    for (size_t a = 0; a < count; a++) {
      const ynode *v = ics_yd_get(seq->items[i], names[a]);
      values[i * count + a] = v ? ics_ld_scalar(ld, v, ics_ld_quote(ld, names[a])) : NULL;
      if (v && !values[i * count + a]) ok = false;
    }
  out->attribute_names = kept;
  out->attribute_count = count;
  out->attribute_values = values;
  return ok;
}

static bool load_choice_list(loader *ld, const ynode *seq, const char *name, ics_choice_list *out) {
  out->name = name;
  out->source = ICS_CHOICES_FORM;
  if (seq->kind != YN_SEQUENCE) {
    ics_ld_error(ld, seq, M_EXPECTED_SEQUENCE, ics_ld_quote(ld, name[0] ? name : "choices"));
    return false;
  }
  if (seq->count == 0) {
    ics_ld_error(ld, seq, M_EMPTY_LIST);
    return false;
  }
  if (seq->count > ICS_MAX_CHOICES) {
    ics_ld_error(ld, seq, M_TOO_MANY, "choices", ICS_MAX_CHOICES);
    return false;
  }
  ics_choice *items = ics_ld_alloc(ld, seq->count * sizeof *items);
  const ynode **code_nodes = ics_ld_alloc(ld, seq->count * sizeof *code_nodes);
  if (!items || !code_nodes) return false;
  bool ok = true;
  for (size_t i = 0; i < seq->count; i++) {
    const ynode *item = seq->items[i];
    const char *keys[2 + ICS_MAX_CHOICE_ATTRIBUTES + 1];
    if (!item_keys(ld, item, keys) ||
        !ics_ld_check_keys(ld, item, keys, ics_msg(M_EACH_ITEM, ld->lang))) {
      ok = false;
      continue;
    }
    const ynode *code = ics_ld_require(ld, item, "code");
    const ynode *label = ics_ld_require(ld, item, "label");
    const char *c = ics_ld_scalar(ld, code, "'code'");
    if (c && !valid_code(c, code->len)) {
      ics_ld_error(ld, code, M_BAD_CODE, code->len > 80 ? "..." : c);
      c = NULL;
    }
    if (c) {
      for (size_t j = 0; j < i; j++)
        if (items[j].code && !strcmp(items[j].code, c)) {
          ics_ld_error(ld, code, M_DUPLICATE_CODE, c, code_nodes[j]->line);
          c = NULL;
          break;
        }
    }
    items[i].code = c;
    code_nodes[i] = code;
    if (!c || !ics_ld_text(ld, label, "'label'", &items[i].label)) ok = false;
  }
  out->items = items;
  out->count = seq->count;
  if (ok && !ld->failed) ok = load_attributes(ld, seq, out);
  return ok;
}

/* ---- the form ------------------------------------------------------------------------------ */
typedef struct {
  const ynode *node;        /* the field's mapping */
  int name_line;            /* where its name is written */
  const ynode *relevant, *constraint, *calculation, *default_value, *choice_filter;
} field_src;

typedef struct {
  loader *ld;
  ics_form *form;
  ics_field *fields;
  size_t field_count, field_cap;
  field_src *src;
  ics_group *groups;
  size_t group_count, group_cap;
  const ynode **name_nodes; /* group names, for duplicate names */
  bool too_many;            /* the field limit was reported */
} form_builder;

static int resolve_field(void *ctx, const char *name) {
  form_builder *b = ctx;
  for (size_t i = 0; i < b->field_count; i++)
    if (b->fields[i].name && !strcmp(b->fields[i].name, name)) return (int)i;
  return -1;
}

static const ics_choice_list *find_list(form_builder *b, const ynode *n) {
  loader *ld = b->ld;
  struct ics_form_private *p = b->form->priv;
  if (n->kind == YN_SCALAR) {
    for (size_t i = 0; i < p->list_count; i++)
      if (!strcmp(p->lists[i].name, n->str)) return &p->lists[i];
    const char *names[ICS_MAX_LISTS];
    for (size_t i = 0; i < p->list_count; i++) names[i] = p->lists[i].name;
    const char *hint = ics_ld_did_you_mean(ld, n->str, names, p->list_count);
    if (!*hint && (!strcmp(n->str, "districts") || !strcmp(n->str, "agencies")))
      hint = ics_arena_strdup(ld->arena, ld->lang == ICS_EN
                                             ? " (write {register: districts} or {register: agencies})"
                                             : " (viết {register: districts} hoặc {register: agencies})");
    ics_ld_error(ld, n, M_UNKNOWN_LIST, n->len > 80 ? "..." : n->str, hint ? hint : "");
    return NULL;
  }
  if (n->kind == YN_MAPPING) {
    static const char *const keys[] = {"register", NULL};
    if (!ics_ld_check_keys(ld, n, keys, "'choices'")) return NULL;
    const ynode *reg = ics_ld_require(ld, n, "register");
    const char *s = ics_ld_scalar(ld, reg, "'register'");
    if (!s) return NULL;
    if (!strcmp(s, "districts")) return &districts_list;
    if (!strcmp(s, "agencies")) return &agencies_list;
    ics_ld_error(ld, reg, M_UNKNOWN_REGISTER_LIST, reg->len > 80 ? "..." : s);
    return NULL;
  }
  ics_choice_list *inline_list = ics_ld_alloc(ld, sizeof *inline_list);
  if (!inline_list || !load_choice_list(ld, n, "", inline_list)) return NULL;
  return inline_list;
}

static bool add_name(form_builder *b, const char *name, const ynode *at) {
  for (size_t i = 0; i < b->field_count; i++)
    if (b->fields[i].name && !strcmp(b->fields[i].name, name)) {
      ics_ld_error(b->ld, at, M_DUPLICATE_NAME, name, b->src[i].name_line);
      return false;
    }
  for (size_t i = 0; i < b->group_count; i++)
    if (!strcmp(b->groups[i].name, name)) {
      ics_ld_error(b->ld, at, M_DUPLICATE_NAME, name, b->name_nodes[i]->line);
      return false;
    }
  return true;
}

static void load_field(form_builder *b, const ynode *n, int group) {
  loader *ld = b->ld;
  static const char *const keys[] = {"name", "type", "label", "hint", "required", "relevant",
                                     "constraint", "constraint_message", "calculation",
                                     "default", "choices", "personal", "choice_filter",
                                     "carry", NULL};
  if (!ics_ld_check_keys(ld, n, keys, ics_msg(M_EACH_ITEM, ld->lang))) return;
  if (b->field_count == ICS_MAX_FIELDS) {
    if (!b->too_many) ics_ld_error(ld, n, M_TOO_MANY, "fields", ICS_MAX_FIELDS);
    b->too_many = true;
    return;
  }
  ics_field *f = &b->fields[b->field_count];
  field_src *src = &b->src[b->field_count];
  *f = (ics_field){.group = group, .line = n->line, .column = n->column};
  *src = (field_src){.node = n};

  const ynode *name = ics_ld_require(ld, n, "name");
  src->name_line = name ? name->line : n->line;
  const char *s = name ? ics_ld_identifier(ld, name, "field name") : NULL;
  if (s && reserved_column(s)) {
    ics_ld_error(ld, name, M_RESERVED_FIELD, s);
    s = NULL;
  }
  if (s && add_name(b, s, name)) f->name = s;

  const ynode *type = ics_ld_require(ld, n, "type");
  const char *t = ics_ld_scalar(ld, type, "'type'");
  int type_index = -1;
  if (t) {
    for (int i = 0; i < ICS_FIELD_TYPE_COUNT; i++)
      if (!strcmp(type_names[i], t)) type_index = i;
    if (type_index < 0)
      ics_ld_error(ld, type, M_BAD_TYPE, type->len > 80 ? "..." : t,
               ics_ld_did_you_mean(ld, t, type_names, ICS_FIELD_TYPE_COUNT));
  }
  f->type = type_index < 0 ? ICS_TEXT_FIELD : (ics_field_type)type_index;
  bool is_select = f->type == ICS_SELECT_ONE || f->type == ICS_SELECT_MULTIPLE;
  bool holds_answer = f->type != ICS_NOTE && f->type != ICS_CALCULATE;

  const ynode *v;
  if ((v = ics_yd_get(n, "label"))) ics_ld_text(ld, v, "'label'", &f->label);
  else if (f->type != ICS_CALCULATE && type_index >= 0) ics_ld_error(ld, n, M_LABEL_MISSING);
  if ((v = ics_yd_get(n, "hint"))) ics_ld_text(ld, v, "'hint'", &f->hint);
  if ((v = ics_yd_get(n, "constraint_message"))) ics_ld_text(ld, v, "'constraint_message'", &f->constraint_message);
  if ((v = ics_yd_get(n, "personal"))) ics_ld_bool(ld, v, &f->personal);
  if ((v = ics_yd_get(n, "required"))) {
    if (!holds_answer) ics_ld_error(ld, v, M_NOT_FOR_TYPE, "required", type_names[f->type]);
    else ics_ld_bool(ld, v, &f->required);
  }
  if ((v = ics_yd_get(n, "choices"))) {
    if (!is_select) ics_ld_error(ld, v, M_CHOICES_NOT_ALLOWED, type_names[f->type]);
    else f->choices = find_list(b, v);
  } else if (is_select) {
    ics_ld_error(ld, n, M_CHOICES_MISSING, type_names[f->type]);
  }
  src->relevant = ics_yd_get(n, "relevant");
  src->constraint = ics_yd_get(n, "constraint");
  src->calculation = ics_yd_get(n, "calculation");
  src->default_value = ics_yd_get(n, "default");
  src->choice_filter = ics_yd_get(n, "choice_filter");
  if (src->choice_filter && !is_select && type_index >= 0) {
    ics_ld_error(ld, src->choice_filter, M_NOT_FOR_TYPE, "choice_filter", type_names[f->type]);
    src->choice_filter = NULL;
  }
  if ((v = ics_yd_get(n, "carry"))) {
    if (!holds_answer) ics_ld_error(ld, v, M_NOT_FOR_TYPE, "carry", type_names[f->type]);
    else ics_ld_bool(ld, v, &f->carry);
  }
  if (src->constraint && !holds_answer) {
    ics_ld_error(ld, src->constraint, M_NOT_FOR_TYPE, "constraint", type_names[f->type]);
    src->constraint = NULL;
  }
  if (src->default_value && !holds_answer) {
    ics_ld_error(ld, src->default_value, M_NOT_FOR_TYPE, "default", type_names[f->type]);
    src->default_value = NULL;
  }
  if (src->calculation && f->type != ICS_CALCULATE && type_index >= 0) {
    ics_ld_error(ld, src->calculation, M_CALC_ONLY);
    src->calculation = NULL;
  } else if (!src->calculation && f->type == ICS_CALCULATE) {
    ics_ld_error(ld, n, M_CALC_MISSING);
  }
  if (!f->name) f->name = ""; /* keeps indexes stable; the error is already reported */
  b->field_count++;
}

static void load_fields(form_builder *b, const ynode *seq, int group) {
  loader *ld = b->ld;
  if (seq->kind != YN_SEQUENCE) {
    ics_ld_error(ld, seq, M_EXPECTED_SEQUENCE, "'fields'");
    return;
  }
  for (size_t i = 0; i < seq->count; i++) {
    const ynode *item = seq->items[i];
    if (item->kind == YN_MAPPING && ics_yd_get(item, "group")) {
      if (group >= 0) {
        ics_ld_error(ld, item, M_GROUP_NESTED);
        continue;
      }
      static const char *const keys[] = {"group", "label", "fields", NULL};
      ics_ld_check_keys(ld, item, keys, ics_msg(M_EACH_ITEM, ld->lang));
      const ynode *name = ics_yd_get(item, "group");
      const char *s = ics_ld_identifier(ld, name, "group name");
      if (s && !add_name(b, s, name)) s = NULL;
      if (b->group_count == b->group_cap) {
        ics_ld_error(ld, item, M_TOO_MANY, "groups", (int)b->group_cap);
        continue;
      }
      ics_group *g = &b->groups[b->group_count];
      b->name_nodes[b->group_count] = name;
      g->name = s ? s : "";
      const ynode *label = ics_ld_require(ld, item, "label");
      if (label) ics_ld_text(ld, label, "'label'", &g->label);
      int index = (int)b->group_count++;
      const ynode *fields = ics_ld_require(ld, item, "fields");
      if (fields) load_fields(b, fields, index);
    } else {
      load_field(b, item, group);
    }
  }
}

/* Reports calculations that depend on themselves, with the path of the cycle. */
typedef struct {
  form_builder *b;
  int *state;   /* 0 new, 1 on the path, 2 done */
  int *path;
  size_t path_len;
  bool found;
} cycle_search;

static void visit_dependency(void *ctx, int field);

/* Reports a cycle "a -> b -> a" made of path[0..len) and back to `last`. */
static void report_cycle(form_builder *b, const ynode *at, schema_message msg, const int *path,
                         size_t len, int last) {
  ics_buf text = {0};
  for (size_t i = 0; i < len; i++) ics_buf_printf(&text, "%s -> ", b->fields[path[i]].name);
  ics_buf_puts(&text, b->fields[last].name);
  ics_ld_error(b->ld, at, msg, text.data && !text.failed ? text.data : "?");
  ics_buf_free(&text);
}

static void search_from(cycle_search *cs, int field) {
  const ics_field *f = &cs->b->fields[field];
  if (f->type != ICS_CALCULATE || !f->calculation || cs->found) return;
  if (cs->state[field] == 2) return;
  if (cs->state[field] == 1) {
    size_t start = 0;
    while (cs->path[start] != field) start++;
    report_cycle(cs->b, cs->b->src[field].calculation, M_CYCLE, cs->path + start,
                 cs->path_len - start, field);
    cs->found = true;
    return;
  }
  cs->state[field] = 1;
  cs->path[cs->path_len++] = field;
  ics_expr_fields(f->calculation, visit_dependency, cs);
  cs->path_len--;
  cs->state[field] = 2;
}

static void visit_dependency(void *ctx, int field) { search_from(ctx, field); }

/* A choice filter that depends, through the filters, relevance and calculations of the fields
 * it reads, on its own field's answer could never settle: reported with the path. The search
 * reuses cycle_search: state[] marks the fields seen, path[0] is the filtered field. */
static void visit_filter_dependency(void *ctx, int field);

static void follow_filter_dependencies(cycle_search *cs, int field) {
  const ics_field *f = &cs->b->fields[field];
  ics_expr_fields(f->choice_filter, visit_filter_dependency, cs);
  ics_expr_fields(f->relevant, visit_filter_dependency, cs);
  ics_expr_fields(f->calculation, visit_filter_dependency, cs);
}

static void visit_filter_dependency(void *ctx, int field) {
  cycle_search *cs = ctx;
  if (cs->found) return;
  if (field == cs->path[0]) {
    report_cycle(cs->b, cs->b->src[field].choice_filter, M_FILTER_CYCLE, cs->path, cs->path_len,
                 field);
    cs->found = true;
    return;
  }
  if (cs->state[field]) return;
  cs->state[field] = 1;
  cs->path[cs->path_len++] = field;
  follow_filter_dependencies(cs, field);
  if (!cs->found) cs->path_len--;
}

static void check_filter_cycles(form_builder *b, int *state, int *path) {
  cycle_search cs = {.b = b, .state = state, .path = path};
  for (size_t i = 0; i < b->field_count && !cs.found; i++) {
    if (!b->fields[i].choice_filter) continue;
    memset(state, 0, b->field_count * sizeof *state);
    path[0] = (int)i;
    cs.path_len = 1;
    state[i] = 1;
    ics_expr_fields(b->fields[i].choice_filter, visit_filter_dependency, &cs);
  }
}

static int filter_attribute(void *ctx, const char *name) {
  return ics_field_choice_attribute(ctx, name);
}

static void compile_expressions(form_builder *b) {
  loader *ld = b->ld;
  expr_list *exprs = &b->form->priv->exprs;
  for (size_t i = 0; i < b->field_count; i++) {
    ics_field *f = &b->fields[i];
    field_src *src = &b->src[i];
    const ynode *nodes[4] = {src->relevant, src->constraint, src->calculation, src->choice_filter};
    const ics_expr **slots[4] = {&f->relevant, &f->constraint, &f->calculation, &f->choice_filter};
    for (int k = 0; k < 4; k++) {
      if (!nodes[k] || ics_yd_is_null(nodes[k])) continue;
      ics_expr *e = k == 3 ? ics_ld_filter(ld, nodes[k], resolve_field, b, filter_attribute, f,
                                           (int)i)
                           : ics_ld_expr(ld, nodes[k], resolve_field, b, k == 1 ? (int)i : -1);
      if (e) ics_ld_check_codes(ld, nodes[k], e, b->fields, b->field_count);
      if (e && !ics_expr_list_add(exprs, e)) {
        ics_expr_free(e);
        e = NULL;
        ics_ld_error(ld, nodes[k], M_NO_MEMORY);
      }
      *slots[k] = e;
    }
  }
  if (ld->failed) return;
  int *state = ics_calloc(b->field_count, sizeof *state);
  int *path = ics_calloc(b->field_count, sizeof *path);
  if (!state || !path) {
    ics_ld_error(ld, NULL, M_NO_MEMORY);
  } else {
    cycle_search cs = {.b = b, .state = state, .path = path};
    for (size_t i = 0; i < b->field_count && !cs.found; i++) search_from(&cs, (int)i);
    if (!cs.found) check_filter_cycles(b, state, path);
  }
  ics_free(state);
  ics_free(path);
}

/* Defaults are checked like answers, once the form is complete. */
static void check_defaults(form_builder *b) {
  ics_record *rec = ics_record_new(b->form);
  if (!rec) {
    ics_ld_error(b->ld, NULL, M_NO_MEMORY);
    return;
  }
  for (size_t i = 0; i < b->field_count; i++) {
    const ynode *n = b->src[i].default_value;
    if (!n || ics_yd_is_null(n)) continue;
    const char *text = ics_ld_scalar(b->ld, n, "'default'");
    if (!text) continue;
    ics_error why = {0};
    ics_code st = ics_record_set(rec, (int)i, text, NULL, b->ld->lang, &why);
    if (st == ICS_E_NO_MEMORY || why.code == ICS_E_NO_MEMORY) {
      ics_ld_error(b->ld, NULL, M_NO_MEMORY);
    } else if (st != ICS_OK) {
      ics_ld_error(b->ld, n, M_BAD_DEFAULT, why.message);
    } else {
      b->fields[i].default_value = ics_arena_strdup(b->ld->arena, rec->values[i]);
      if (!b->fields[i].default_value) ics_ld_error(b->ld, n, M_NO_MEMORY);
    }
    ics_error_clear(&why);
  }
  ics_record_free(rec);
}

/* ---- canonical text and hash ------------------------------------------------------------- */
static void put_value(ics_buf *out, const char *key, const char *value) {
  ics_buf_puts(out, key);
  ics_buf_putc(out, '=');
  for (const char *p = value ? value : ""; *p; p++) {
    if (*p == '\\') ics_buf_puts(out, "\\\\");
    else if (*p == '\n') ics_buf_puts(out, "\\n");
    else ics_buf_putc(out, *p);
  }
  ics_buf_putc(out, '\n');
}

static void put_text(ics_buf *out, const char *key, ics_text t) {
  ics_buf k = {0};
  ics_buf_printf(&k, "%s.vi", key);
  if (!k.failed) put_value(out, k.data, t.vi);
  k.len = 0;
  ics_buf_printf(&k, "%s.en", key);
  if (!k.failed) put_value(out, k.data, t.en);
  if (k.failed) out->failed = true; /* a canonical text with a key missing would hash wrong */
  ics_buf_free(&k);
}

static void put_choices(ics_buf *out, const ics_choice_list *list) {
  if (list->source != ICS_CHOICES_FORM) {
    put_value(out, "choices",
              list->source == ICS_CHOICES_DISTRICTS ? "register:districts" : "register:agencies");
    return;
  }
  put_value(out, "choices", list->name);
  for (size_t i = 0; i < list->count; i++) {
    put_value(out, "choice", list->items[i].code);
    put_text(out, "choice.label", list->items[i].label);
    for (size_t a = 0; a < list->attribute_count; a++) {
      const char *v = list->attribute_values[i * list->attribute_count + a];
      if (!v) continue;
      ics_buf key = {0};
      ics_buf_printf(&key, "choice.%s", list->attribute_names[a]);
      if (key.failed) out->failed = true;
      else put_value(out, key.data, v);
      ics_buf_free(&key);
    }
  }
}

/* Every part of the definition that changes its meaning, in a fixed order: expressions by
 * their source text, choice lists where fields use them. Keys added to the language later
 * (choice_filter, carry, record_title, choice attributes) are written only when present, so
 * that a form without them keeps its hash. */
char *ics_form_canonical(const ics_form *form) {
  ics_buf out = {0};
  put_value(&out, "ictsurvey-form", "1");
  put_value(&out, "form", form->id);
  put_value(&out, "version", form->version);
  put_text(&out, "title", form->title);
  put_value(&out, "key", form->fields[form->key].name);
  for (size_t i = 0; i < form->title_field_count; i++)
    put_value(&out, "record_title", form->fields[form->title_fields[i]].name);
  for (size_t i = 0; i < form->field_count; i++) {
    const ics_field *f = &form->fields[i];
    put_value(&out, "field", f->name);
    put_value(&out, "type", ics_field_type_name(f->type));
    put_value(&out, "group", f->group >= 0 ? form->groups[f->group].name : "");
    if (f->group >= 0) put_text(&out, "group.label", form->groups[f->group].label);
    put_text(&out, "label", f->label);
    put_text(&out, "hint", f->hint);
    put_value(&out, "required", f->required ? "yes" : "no");
    put_value(&out, "personal", f->personal ? "yes" : "no");
    put_value(&out, "relevant", ics_expr_source(f->relevant));
    put_value(&out, "constraint", ics_expr_source(f->constraint));
    put_value(&out, "calculation", ics_expr_source(f->calculation));
    put_text(&out, "constraint_message", f->constraint_message);
    put_value(&out, "default", f->default_value);
    if (f->choices) put_choices(&out, f->choices);
    if (f->choice_filter) put_value(&out, "choice_filter", ics_expr_source(f->choice_filter));
    if (f->carry) put_value(&out, "carry", "yes");
  }
  return ics_buf_take(&out);
}

/* The field a scalar names, or -1 after reporting why. */
static int named_field(loader *ld, const ics_form *form, const ynode *n, const char *what) {
  const char *name = ics_ld_scalar(ld, n, what);
  if (!name) return -1;
  int index = ics_form_field_index(form, name);
  if (index < 0) {
    const char **names = ics_calloc(form->field_count + 1, sizeof *names);
    for (size_t i = 0; names && i < form->field_count; i++) names[i] = form->fields[i].name;
    ics_ld_error(ld, n, M_UNKNOWN_FIELD, n->len > 80 ? "..." : name,
                 names ? ics_ld_did_you_mean(ld, name, names, form->field_count) : "");
    ics_free(names);
  }
  return index;
}

/* record_title: one field name or a list of them. */
static void load_record_title(loader *ld, ics_form *form, const ynode *n) {
  const ynode *const *items = n->kind == YN_SEQUENCE ? (const ynode *const *)n->items : &n;
  size_t count = n->kind == YN_SEQUENCE ? n->count : 1;
  if (n->kind == YN_MAPPING) {
    ics_ld_error(ld, n, M_EXPECTED_SEQUENCE, "'record_title'");
    return;
  }
  if (count > ICS_MAX_TITLE_FIELDS) {
    ics_ld_error(ld, n, M_TOO_MANY, "record_title fields", ICS_MAX_TITLE_FIELDS);
    return;
  }
  int *title = ics_ld_alloc(ld, (count ? count : 1) * sizeof *title);
  if (!title) return;
  for (size_t i = 0; i < count; i++) title[i] = named_field(ld, form, items[i], "'record_title'");
  form->title_fields = title;
  form->title_field_count = count;
}

static void compute_hash(ics_form *form, loader *ld) {
  char *canonical = ics_form_canonical(form);
  if (!canonical) {
    ics_ld_error(ld, NULL, M_NO_MEMORY);
    return;
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, (const unsigned char *)canonical, strlen(canonical));
  ics_free(canonical);
  char *hex = ics_ld_alloc(ld, sizeof digest * 2 + 1);
  if (!hex) {
    ics_ld_error(ld, NULL, M_NO_MEMORY);
    return;
  }
  sodium_bin2hex(hex, sizeof digest * 2 + 1, digest, sizeof digest);
  form->hash = hex;
}

ics_form *ics_form_parse(const char *path, const char *text, size_t len, ics_lang lang,
                         ics_errors *diags) {
  size_t errors_before = diags->count + diags->dropped;
  ics_arena *arena = ics_arena_new();
  ics_form *form = arena ? ics_arena_alloc(arena, sizeof *form) : NULL;
  struct ics_form_private *priv = form ? ics_calloc(1, sizeof *priv) : NULL;
  if (!priv) {
    ics_arena_free(arena);
    ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
    return NULL;
  }
  priv->arena = arena;
  form->priv = priv;
  form->key = -1;
  loader ld = {.path = path, .lang = lang, .diags = diags, .arena = arena};
  form->path = ics_arena_strdup(arena, path);
  if (!form->path) ics_ld_error(&ld, NULL, M_NO_MEMORY);
  const ynode *root = ics_ld_open(&ld, text, len, &form->source, &form->source_len);
  static const char *const keys[] = {"form",    "version", "title",        "key",
                                     "fields",  "choices", "record_title", NULL};
  if (!root || !ics_ld_check_keys(&ld, root, keys, ics_msg(M_TOP_LEVEL, lang))) goto done;

  const ynode *n;
  if ((n = ics_ld_require(&ld, root, "form"))) form->id = ics_ld_identifier(&ld, n, "form id");
  if (form->id && reserved_form_id(form->id)) {
    ics_ld_error(&ld, n, M_RESERVED_FORM, form->id);
    form->id = NULL;
  }
  if ((n = ics_ld_require(&ld, root, "version"))) {
    form->version = ics_ld_scalar(&ld, n, "'version'");
    if (form->version && n->len == 0) {
      ics_ld_error(&ld, n, M_EMPTY_VALUE, "'version'");
      form->version = NULL;
    } else if (form->version && n->len > 32) {
      ics_ld_error(&ld, n, M_TOO_LONG_VALUE, "version", 32);
      form->version = NULL;
    } else if (form->version && strpbrk(form->version, " \t\r\n")) {
      ics_ld_error(&ld, n, M_VERSION_SPACE, form->version); /* bundles write "form: ID VERSION ..." */
      form->version = NULL;
    }
  }
  if ((n = ics_ld_require(&ld, root, "title"))) ics_ld_text(&ld, n, "'title'", &form->title);

  form_builder b = {.ld = &ld, .form = form};
  const ynode *choices = ics_yd_get(root, "choices");
  if (choices && !ics_yd_is_null(choices)) {
    if (choices->kind != YN_MAPPING) {
      ics_ld_error(&ld, choices, M_EXPECTED_MAPPING, "'choices'");
    } else if (choices->count / 2 > ICS_MAX_LISTS) {
      ics_ld_error(&ld, choices, M_TOO_MANY, "choice lists", ICS_MAX_LISTS);
    } else {
      priv->lists = ics_ld_alloc(&ld, (choices->count / 2 + 1) * sizeof *priv->lists);
      if (!priv->lists) goto done;
      for (size_t i = 0; i + 1 < choices->count; i += 2) {
        const char *name = ics_ld_identifier(&ld, choices->items[i], "choice list name");
        if (!name) continue;
        bool duplicate = false;
        for (size_t j = 0; j < priv->list_count && !duplicate; j++)
          if (!strcmp(priv->lists[j].name, name)) {
            ics_ld_error(&ld, choices->items[i], M_DUPLICATE_NAME, name, choices->items[2 * j]->line);
            duplicate = true;
          }
        if (duplicate) continue;
        load_choice_list(&ld, choices->items[i + 1], name, &priv->lists[priv->list_count]);
        priv->list_count++;
      }
    }
  }

  const ynode *fields = ics_ld_require(&ld, root, "fields");
  if (fields) {
    /* Room for every mapping in the tree below fields is more than enough. */
    b.field_cap = ICS_MAX_FIELDS + 1;
    b.group_cap = ICS_MAX_GROUPS;
    b.fields = ics_ld_alloc(&ld, b.field_cap * sizeof *b.fields);
    b.src = ics_calloc(b.field_cap, sizeof *b.src);
    b.groups = ics_ld_alloc(&ld, b.group_cap * sizeof *b.groups);
    b.name_nodes = ics_calloc(b.group_cap, sizeof *b.name_nodes);
    if (!b.fields || !b.src || !b.groups || !b.name_nodes) {
      ics_ld_error(&ld, NULL, M_NO_MEMORY);
    } else {
      load_fields(&b, fields, -1);
      form->fields = b.fields;
      form->field_count = b.field_count;
      form->groups = b.groups;
      form->group_count = b.group_count;
      if (!ld.failed) compile_expressions(&b);
    }
  }
  if ((n = ics_ld_require(&ld, root, "key")) && fields && fields->kind == YN_SEQUENCE) {
    form->key = named_field(&ld, form, n, "'key'");
    if (form->key >= 0 && (form->fields[form->key].type != ICS_TEXT_FIELD ||
                           !form->fields[form->key].required))
      ics_ld_error(&ld, n, M_KEY_FIELD, form->fields[form->key].name);
    else if (form->key >= 0 && form->fields[form->key].carry)
      ics_ld_error(&ld, ics_yd_get(b.src[form->key].node, "carry"), M_CARRY_KEY,
                   form->fields[form->key].name);
  }
  if ((n = ics_yd_get(root, "record_title")) && !ics_yd_is_null(n) && fields &&
      fields->kind == YN_SEQUENCE)
    load_record_title(&ld, form, n);
  if (!ld.failed) check_defaults(&b);
  if (!ld.failed) compute_hash(form, &ld);
  ics_free(b.src);
  ics_free(b.name_nodes);
done:
  if (ld.failed || diags->count + diags->dropped > errors_before) {
    ics_form_free(form);
    return NULL;
  }
  return form;
}

ics_form *ics_form_load(const char *path, ics_lang lang, ics_errors *diags) {
  return ics_form_parse(path, NULL, 0, lang, diags);
}

void ics_form_free(ics_form *form) {
  if (!form) return;
  struct ics_form_private *priv = form->priv;
  ics_expr_list_free(&priv->exprs);
  ics_arena_free(priv->arena);
  ics_free(priv);
}
