/* targets.c - the targets file: indicators as data (what is counted over which records, and
 * the target of each year), compiled against the forms they name. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

struct ics_targets_private {
  ics_arena *arena;
  expr_list exprs;
};

static const char *const measure_names[] = {"records", "sum", "agencies", "none"};

/* "OP VALUE": OP one of >= > <= <, VALUE a decimal with an optional %, read exactly. */
static bool parse_target(const char *s, ics_target *t) {
  while (*s == ' ') s++;
  if (!strncmp(s, ">=", 2)) t->op = ICS_OP_GE, s += 2;
  else if (!strncmp(s, "<=", 2)) t->op = ICS_OP_LE, s += 2;
  else if (*s == '>') t->op = ICS_OP_GT, s++;
  else if (*s == '<') t->op = ICS_OP_LT, s++;
  else return false;
  while (*s == ' ') s++;
  int64_t num = 0, den = 1;
  bool digits = false, point = false;
  for (; isdigit((unsigned char)*s) || (*s == '.' && !point); s++) {
    if (*s == '.') {
      point = true;
      continue;
    }
    if (num > 100000000000LL || (point && den > 100000000LL)) return false;
    num = num * 10 + (*s - '0');
    if (point) den *= 10;
    digits = true;
  }
  if (!digits) return false;
  while (*s == ' ') s++;
  if (*s == '%') {
    den *= 100;
    s++;
  }
  while (*s == ' ') s++;
  if (*s) return false;
  t->num = num;
  t->den = den;
  t->value = (double)num / (double)den;
  return true;
}

typedef struct {
  const ics_form *form;
} resolve_ctx;

static int resolve_in_form(void *ctx, const char *name) {
  return ics_form_field_index(((resolve_ctx *)ctx)->form, name);
}

typedef struct {
  loader *ld;
  const ics_form *form;
  const ynode *at;
} sum_check;

static void check_summable(void *ctx, int field) {
  sum_check *c = ctx;
  const ics_field *f = &c->form->fields[field];
  if (f->type != ICS_INTEGER && f->type != ICS_CALCULATE && f->type != ICS_BOOLEAN)
    ics_ld_error(c->ld, c->at, M_FIELD_NOT_NUMERIC, f->name);
}

static const ics_expr *compile(loader *ld, struct ics_targets_private *p, const ynode *n,
                               const ics_form *form) {
  if (!n || !form) return NULL;
  resolve_ctx rc = {form};
  ics_expr *e = ics_ld_expr(ld, n, resolve_in_form, &rc, -1);
  if (e) ics_ld_check_codes(ld, n, e, form->fields, form->field_count);
  if (e && !ics_expr_list_add(&p->exprs, e)) {
    ics_expr_free(e);
    ics_ld_error(ld, n, M_NO_MEMORY);
    return NULL;
  }
  return e;
}

static void load_indicator(loader *ld, struct ics_targets_private *p, const ynode *n,
                           const ics_form *const *forms, size_t form_count, ics_indicator *ind) {
  static const char *const keys[] = {"id", "label", "clause", "kind", "measure", "form",
                                     "where", "numerator", "denominator", "agencies", "link",
                                     "district", "by_district", "key", "targets", "note",
                                     "source", NULL};
  if (!ics_ld_check_keys(ld, n, keys, ics_msg(M_EACH_ITEM, ld->lang))) return;
  const ynode *v;
  if ((v = ics_ld_require(ld, n, "id"))) ind->id = ics_ld_identifier(ld, v, "indicator id");
  if ((v = ics_ld_require(ld, n, "label"))) ics_ld_text(ld, v, "'label'", &ind->label);
  if ((v = ics_yd_get(n, "clause"))) ind->clause = ics_ld_scalar(ld, v, "'clause'");
  if ((v = ics_yd_get(n, "note"))) ics_ld_text(ld, v, "'note'", &ind->note);
  ind->kind = ICS_KIND_SHARE;
  if ((v = ics_yd_get(n, "kind"))) {
    const char *k = ics_ld_scalar(ld, v, "'kind'");
    if (k && !strcmp(k, "ratio")) ind->kind = ICS_KIND_RATIO;
    else if (k && strcmp(k, "share")) ics_ld_error(ld, v, M_BAD_KIND, v->len > 80 ? "..." : k);
  }
  ind->by_district = true;
  if ((v = ics_yd_get(n, "by_district"))) ics_ld_bool(ld, v, &ind->by_district);
  if ((v = ics_yd_get(n, "key"))) ics_ld_bool(ld, v, &ind->key);

  const ynode *measure = ics_ld_require(ld, n, "measure");
  const char *m = ics_ld_scalar(ld, measure, "'measure'");
  int mi = -1;
  for (int i = 0; m && i < 4; i++)
    if (!strcmp(m, measure_names[i])) mi = i;
  if (m && mi < 0) ics_ld_error(ld, measure, M_BAD_MEASURE, measure->len > 80 ? "..." : m);
  ind->measure = mi < 0 ? ICS_MEASURE_NONE : (ics_measure)mi;
  ind->link_field = ind->district_field = -1;

  /* which keys each measure needs (1), allows (0) or refuses (-1) */
  static const char *const specific[] = {"form", "where", "numerator", "denominator",
                                         "agencies", "link", "district", "source"};
  static const int rules[4][8] = {
      /* records  */ {1, 0, 1, -1, -1, -1, 0, -1},
      /* sum      */ {1, 0, 1, 1, -1, -1, 0, -1},
      /* agencies */ {1, 0, 1, -1, 1, 1, -1, -1},
      /* none     */ {-1, -1, -1, -1, -1, -1, -1, 1},
  };
  if (mi >= 0) {
    for (int k = 0; k < 8; k++) {
      const ynode *present = ics_yd_get(n, specific[k]);
      if (rules[mi][k] == 1 && !present) ics_ld_error(ld, n, M_NEEDS_KEY, m, specific[k]);
      if (rules[mi][k] == -1 && present) ics_ld_error(ld, present, M_KEY_NOT_FOR_MEASURE, specific[k], m);
    }
  }
  if (ind->measure == ICS_MEASURE_NONE) {
    if ((v = ics_yd_get(n, "source"))) ics_ld_text(ld, v, "'source'", &ind->source);
    ind->by_district = false;
  } else if ((v = ics_yd_get(n, "form"))) {
    const char *name = ics_ld_scalar(ld, v, "'form'");
    for (size_t i = 0; name && i < form_count; i++)
      if (!strcmp(forms[i]->id, name)) ind->form = forms[i];
    if (name && !ind->form) {
      const char *names[64];
      size_t count = form_count < 64 ? form_count : 64;
      for (size_t i = 0; i < count; i++) names[i] = forms[i]->id;
      ics_ld_error(ld, v, M_UNKNOWN_FORM, v->len > 80 ? "..." : name,
               ics_ld_did_you_mean(ld, name, names, count));
    }
  }
  if (ind->form) {
    const ics_form *form = ind->form;
    ind->where = compile(ld, p, ics_yd_get(n, "where"), form);
    ind->numerator = compile(ld, p, ics_yd_get(n, "numerator"), form);
    ind->denominator = compile(ld, p, ics_yd_get(n, "denominator"), form);
    if (ind->measure == ICS_MEASURE_SUM) {
      sum_check sc = {ld, form, ics_yd_get(n, "numerator")};
      ics_expr_fields(ind->numerator, check_summable, &sc);
      sc.at = ics_yd_get(n, "denominator");
      ics_expr_fields(ind->denominator, check_summable, &sc);
    }
    if (ind->measure == ICS_MEASURE_AGENCIES) {
      const ynode *type = ics_yd_get(n, "agencies");
      ind->agency_type = ics_ld_scalar(ld, type, "'agencies'");
      if (ind->agency_type && strcmp(ind->agency_type, "dept") && strcmp(ind->agency_type, "district_pc"))
        ics_ld_error(ld, type, M_BAD_AGENCY_TYPE, type->len > 80 ? "..." : ind->agency_type);
      const ynode *link = ics_yd_get(n, "link");
      const char *name = ics_ld_scalar(ld, link, "'link'");
      if (name) {
        ind->link_field = ics_form_field_index(form, name);
        if (ind->link_field < 0) ics_ld_error(ld, link, M_UNKNOWN_FIELD, link->len > 80 ? "..." : name, "");
        else if (!form->fields[ind->link_field].choices ||
                 form->fields[ind->link_field].choices->source != ICS_CHOICES_AGENCIES)
          ics_ld_error(ld, link, M_LINK_FIELD, name);
      }
    } else if (ind->by_district) {
      const ynode *district = ics_yd_get(n, "district");
      const char *name = district ? ics_ld_scalar(ld, district, "'district'") : "district";
      if (name) {
        ind->district_field = ics_form_field_index(form, name);
        if (ind->district_field < 0)
          ics_ld_error(ld, district ? district : n, M_UNKNOWN_FIELD, strlen(name) > 80 ? "..." : name, "");
      }
    }
  }

  const ynode *targets = ics_yd_get(n, "targets");
  if (targets && !ics_yd_is_null(targets)) {
    if (targets->kind != YN_MAPPING) {
      ics_ld_error(ld, targets, M_EXPECTED_MAPPING, "'targets'");
      return;
    }
    ics_target *items = ics_ld_alloc(ld, (targets->count / 2 + 1) * sizeof *items);
    if (!items) return;
    for (size_t i = 0; i + 1 < targets->count; i += 2) {
      const ynode *year = targets->items[i], *value = targets->items[i + 1];
      const char *y = ics_ld_scalar(ld, year, "year");
      if (!y) continue;
      char *end;
      long yv = strtol(y, &end, 10);
      if (*end || end == y || yv < 1900 || yv > 2100) {
        ics_ld_error(ld, year, M_BAD_YEAR, year->len > 80 ? "..." : y);
        continue;
      }
      int first_line = 0;
      for (size_t j = 0; j < i && !first_line; j += 2)
        if (targets->items[j]->kind == YN_SCALAR && strtol(targets->items[j]->str, NULL, 10) == yv)
          first_line = targets->items[j]->line;
      if (first_line) {
        ics_ld_error(ld, year, M_DUPLICATE_KEY, y, first_line);
        continue;
      }
      const char *t = ics_ld_scalar(ld, value, "target");
      ics_target *target = &items[ind->target_count];
      if (!t) continue;
      if (!parse_target(t, target)) {
        ics_ld_error(ld, value, M_BAD_TARGET, value->len > 80 ? "..." : t);
        continue;
      }
      target->year = (int)yv;
      target->text = t;
      ind->target_count++;
    }
    /* years ascending, whatever order the file lists them in */
    for (size_t i = 1; i < ind->target_count; i++)
      for (size_t j = i; j > 0 && items[j - 1].year > items[j].year; j--) {
        ics_target tmp = items[j];
        items[j] = items[j - 1];
        items[j - 1] = tmp;
      }
    ind->targets = items;
  }
}

/* One check of data_quality: which records of a form are worth a second look, and the columns
 * that show each of them. */
static void load_check(loader *ld, struct ics_targets_private *p, const ynode *n,
                       const ics_form *const *forms, size_t form_count, ics_check *check) {
  static const char *const keys[] = {"id", "title", "form", "where", "columns", NULL};
  if (!ics_ld_check_keys(ld, n, keys, ics_msg(M_EACH_ITEM, ld->lang))) return;
  const ynode *v;
  if ((v = ics_ld_require(ld, n, "id"))) check->id = ics_ld_identifier(ld, v, "check id");
  if ((v = ics_ld_require(ld, n, "title"))) ics_ld_text(ld, v, "'title'", &check->title);
  if ((v = ics_ld_require(ld, n, "form"))) {
    const char *name = ics_ld_scalar(ld, v, "'form'");
    for (size_t i = 0; name && i < form_count; i++)
      if (!strcmp(forms[i]->id, name)) check->form = forms[i];
    if (name && !check->form) {
      const char *names[64];
      size_t count = form_count < 64 ? form_count : 64;
      for (size_t i = 0; i < count; i++) names[i] = forms[i]->id;
      ics_ld_error(ld, v, M_UNKNOWN_FORM, v->len > 80 ? "..." : name,
               ics_ld_did_you_mean(ld, name, names, count));
    }
  }
  const ynode *where = ics_ld_require(ld, n, "where");
  check->where = compile(ld, p, where, check->form);
  const ynode *list = ics_ld_require(ld, n, "columns");
  if (!list) return;
  if (list->kind != YN_SEQUENCE) {
    ics_ld_error(ld, list, M_EXPECTED_SEQUENCE, "'columns'");
    return;
  }
  if (list->count == 0) {
    ics_ld_error(ld, list, M_EMPTY_VALUE, "'columns'");
    return;
  }
  if (list->count > ICS_MAX_CHECK_COLUMNS) {
    ics_ld_error(ld, list, M_TOO_MANY, "columns", ICS_MAX_CHECK_COLUMNS);
    return;
  }
  ics_check_column *columns = ics_ld_alloc(ld, list->count * sizeof *columns);
  if (!columns) return;
  static const char *const column_keys[] = {"label", "value", NULL};
  for (size_t i = 0; i < list->count; i++) {
    const ynode *c = list->items[i];
    if (!ics_ld_check_keys(ld, c, column_keys, ics_msg(M_EACH_ITEM, ld->lang))) continue;
    if ((v = ics_ld_require(ld, c, "label"))) ics_ld_text(ld, v, "'label'", &columns[i].label);
    columns[i].value = compile(ld, p, ics_ld_require(ld, c, "value"), check->form);
  }
  check->columns = columns;
  check->column_count = list->count;
}

/* data_quality: a sequence of checks (optional). */
static void load_checks(loader *ld, struct ics_targets_private *p, const ynode *list,
                        const ics_form *const *forms, size_t form_count, ics_targets *t) {
  if (list->kind != YN_SEQUENCE) {
    ics_ld_error(ld, list, M_EXPECTED_SEQUENCE, "'data_quality'");
    return;
  }
  if (list->count > ICS_MAX_CHECKS) {
    ics_ld_error(ld, list, M_TOO_MANY, "checks", ICS_MAX_CHECKS);
    return;
  }
  ics_check *items = ics_ld_alloc(ld, (list->count + 1) * sizeof *items);
  if (!items) return;
  for (size_t i = 0; i < list->count; i++) {
    load_check(ld, p, list->items[i], forms, form_count, &items[i]);
    for (size_t j = 0; j < i && items[i].id; j++)
      if (items[j].id && !strcmp(items[j].id, items[i].id))
        ics_ld_error(ld, ics_yd_get(list->items[i], "id"), M_DUPLICATE_NAME, items[i].id,
                 ics_yd_get(list->items[j], "id")->line);
  }
  t->checks = items;
  t->check_count = list->count;
}

ics_targets *ics_targets_load(const char *path, const ics_form *const *forms, size_t form_count,
                              ics_lang lang, ics_errors *diags) {
  return ics_targets_parse(path, NULL, 0, forms, form_count, lang, diags);
}

ics_targets *ics_targets_parse(const char *path, const char *text, size_t len,
                               const ics_form *const *forms, size_t form_count, ics_lang lang,
                               ics_errors *diags) {
  ics_arena *arena = ics_arena_new();
  ics_targets *t = arena ? ics_arena_alloc(arena, sizeof *t) : NULL;
  struct ics_targets_private *priv = t ? ics_calloc(1, sizeof *priv) : NULL;
  if (!priv) {
    ics_arena_free(arena);
    ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
    return NULL;
  }
  priv->arena = arena;
  t->priv = priv;
  loader ld = {.path = path, .lang = lang, .diags = diags, .arena = arena};
  t->path = ics_arena_strdup(arena, path);
  if (!t->path) ics_ld_error(&ld, NULL, M_NO_MEMORY);
  const ynode *root = ics_ld_open(&ld, text, len, NULL, NULL);
  static const char *const keys[] = {"targets", "decision", "title", "indicators", "data_quality",
                                     NULL};
  if (!root || !ics_ld_check_keys(&ld, root, keys, ics_msg(M_TOP_LEVEL, lang))) goto done;
  const ynode *n;
  if ((n = ics_ld_require(&ld, root, "targets"))) t->id = ics_ld_identifier(&ld, n, "targets id");
  if ((n = ics_yd_get(root, "decision"))) t->decision = ics_ld_scalar(&ld, n, "'decision'");
  if ((n = ics_ld_require(&ld, root, "title"))) ics_ld_text(&ld, n, "'title'", &t->title);
  const ynode *list = ics_ld_require(&ld, root, "indicators");
  if (!list) goto done;
  if (list->kind != YN_SEQUENCE) {
    ics_ld_error(&ld, list, M_EXPECTED_SEQUENCE, "'indicators'");
    goto done;
  }
  if (list->count > ICS_MAX_INDICATORS) {
    ics_ld_error(&ld, list, M_TOO_MANY, "indicators", ICS_MAX_INDICATORS);
    goto done;
  }
  ics_indicator *items = ics_ld_alloc(&ld, (list->count + 1) * sizeof *items);
  int *years = ics_ld_alloc(&ld, (list->count * 8 + 1) * sizeof *years);
  if (!items || !years) goto done;
  for (size_t i = 0; i < list->count; i++) {
    load_indicator(&ld, priv, list->items[i], forms, form_count, &items[i]);
    const ynode *id = ics_yd_get(list->items[i], "id");
    for (size_t j = 0; j < i && items[i].id; j++)
      if (items[j].id && !strcmp(items[j].id, items[i].id))
        ics_ld_error(&ld, id, M_DUPLICATE_NAME, items[i].id, ics_yd_get(list->items[j], "id")->line);
  }
  t->indicators = items;
  t->indicator_count = list->count;
  size_t year_count = 0;
  for (size_t i = 0; i < list->count; i++)
    for (size_t k = 0; k < items[i].target_count; k++) {
      int y = items[i].targets[k].year;
      size_t j = 0;
      while (j < year_count && years[j] < y) j++;
      if (j < year_count && years[j] == y) continue;
      if (year_count == list->count * 8) continue;
      memmove(years + j + 1, years + j, (year_count - j) * sizeof *years);
      years[j] = y;
      year_count++;
    }
  t->years = years;
  t->year_count = year_count;
  if ((n = ics_yd_get(root, "data_quality")) && !ics_yd_is_null(n)) load_checks(&ld, priv, n, forms, form_count, t);
done:
  if (ld.failed) {
    ics_targets_free(t);
    return NULL;
  }
  return t;
}

void ics_targets_free(ics_targets *t) {
  if (!t) return;
  struct ics_targets_private *priv = t->priv;
  ics_expr_list_free(&priv->exprs);
  ics_arena_free(priv->arena);
  ics_free(priv);
}
