/* loader.c - helpers shared by the definition loaders. */
#include "loader.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

void ics_ld_error(loader *ld, const ynode *at, schema_message msg, ...) {
  va_list ap;
  va_start(ap, msg);
  ics_errors_vsay(ld->diags, ld->lang, ld->path, at ? at->line : 1, at ? at->column : 1,
                  MSG(msg), ap);
  va_end(ap);
  ld->failed = true;
}

void *ics_ld_alloc(loader *ld, size_t size) {
  void *p = ics_arena_alloc(ld->arena, size);
  if (!p) ics_ld_error(ld, NULL, M_NO_MEMORY);
  return p;
}

ynode *ics_ld_open(loader *ld, const char *text, size_t len, const char **text_out, size_t *len_out) {
  char *data = NULL;
  if (!text) {
    size_t size;
    ics_code st = ics_read_file(ld->path, ICS_DEF_MAX_BYTES, &data, &size);
    if (st != ICS_OK) {
      int e = errno;
      ics_error problem = {0};
      if (st == ICS_E_TOO_LARGE)
        ics_error_say_at(&problem, ld->lang, ld->path, 1, 1, MSG(M_TOO_LARGE), size, ICS_DEF_MAX_BYTES);
      else if (st == ICS_E_NO_MEMORY)
        ics_error_no_memory(&problem, ld->lang);
      else /* "cannot read the file: WHY", coded as what it is */
        ics_error_say_as(&problem, ld->lang, st == ICS_E_IO ? ics_code_from_errno(e) : st, ld->path,
                         0, 0, MSG(M_CANNOT_READ),
                         st == ICS_E_NOT_FOUND     ? ics_msg(M_NOT_FOUND, ld->lang)
                         : st == ICS_E_NOT_REGULAR ? ics_msg(M_NOT_REGULAR, ld->lang)
                                                   : strerror(e));
      ics_error_locate(&problem, ld->path, 0, 0);
      ics_errors_add(ld->diags, &problem);
      ld->failed = true;
      return NULL;
    }
    text = data;
    len = size;
  } else if (len > ICS_DEF_MAX_BYTES) {
    ics_errors_say(ld->diags, ld->lang, ld->path, 1, 1, MSG(M_TOO_LARGE), len,
                  ICS_DEF_MAX_BYTES);
    ld->failed = true;
    return NULL;
  }
  ynode *root = ics_yd_parse(ld->arena, ld->path, text, len, ld->lang, ld->diags);
  if (root && text_out) {
    *text_out = ics_arena_strndup(ld->arena, text, len);
    *len_out = len;
    if (!*text_out) {
      ics_ld_error(ld, NULL, M_NO_MEMORY);
      root = NULL;
    }
  }
  ics_free(data);
  if (!root) ld->failed = true;
  return root;
}

const char *ics_ld_quote(loader *ld, const char *key) {
  size_t n = strlen(key) + 3;
  char *q = ics_arena_alloc(ld->arena, n);
  if (q) snprintf(q, n, "'%s'", key);
  return q ? q : key;
}

const char *ics_ld_did_you_mean(loader *ld, const char *word, const char *const *candidates,
                            size_t count) {
  const char *best = NULL;
  size_t best_d = 3;
  for (size_t i = 0; i < count; i++) {
    size_t d = ics_edit_distance(word, candidates[i], 2);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  if (!best) return "";
  ics_buf b = {0};
  ics_buf_printf(&b, ics_msg(M_DID_YOU_MEAN, ld->lang), best);
  char *s = b.failed ? NULL : ics_arena_strdup(ld->arena, b.data);
  ics_buf_free(&b);
  return s ? s : "";
}

bool ics_ld_check_keys(loader *ld, const ynode *map, const char *const *allowed, const char *what) {
  if (!map || map->kind != YN_MAPPING) {
    ics_ld_error(ld, map, M_EXPECTED_MAPPING, what);
    return false;
  }
  size_t n_allowed = 0;
  while (allowed[n_allowed]) n_allowed++;
  for (size_t i = 0; i + 1 < map->count; i += 2) {
    const ynode *key = map->items[i];
    if (key->kind != YN_SCALAR) {
      ics_ld_error(ld, key, M_KEY_NOT_SCALAR);
      continue;
    }
    bool known = false;
    for (size_t k = 0; k < n_allowed && !known; k++) known = !strcmp(key->str, allowed[k]);
    if (!known) {
      ics_ld_error(ld, key, M_UNKNOWN_KEY, key->str,
               ics_ld_did_you_mean(ld, key->str, allowed, n_allowed));
      continue;
    }
    for (size_t j = 0; j < i; j += 2)
      if (map->items[j]->kind == YN_SCALAR && !strcmp(map->items[j]->str, key->str)) {
        ics_ld_error(ld, key, M_DUPLICATE_KEY, key->str, map->items[j]->line);
        break;
      }
  }
  return true;
}

ynode *ics_ld_require(loader *ld, const ynode *map, const char *key) {
  ynode *n = ics_yd_get(map, key);
  if (!n || ics_yd_is_null(n)) {
    ics_ld_error(ld, n ? n : map, M_MISSING_KEY, key);
    return NULL;
  }
  return n;
}

const char *ics_ld_scalar(loader *ld, const ynode *n, const char *what) {
  if (!n) return NULL;
  if (n->kind != YN_SCALAR) {
    ics_ld_error(ld, n, M_EXPECTED_SCALAR, what);
    return NULL;
  }
  return n->str;
}

static bool check_text_length(loader *ld, const ynode *n, const char *what) {
  size_t chars = ics_utf8_count(n->str, strlen(n->str));
  if (chars > ICS_TEXT_MAX_CHARS) {
    ics_ld_error(ld, n, M_TOO_LONG_VALUE, what, ICS_TEXT_MAX_CHARS);
    return false;
  }
  if (n->len == 0 || (n->len == strspn(n->str, " \t\r\n"))) {
    ics_ld_error(ld, n, M_TEXT_EMPTY);
    return false;
  }
  return true;
}

bool ics_ld_text(loader *ld, const ynode *n, const char *what, ics_text *out) {
  if (!n) return false;
  if (n->kind == YN_SCALAR) {
    if (!check_text_length(ld, n, what)) return false;
    out->vi = out->en = n->str;
    return true;
  }
  static const char *const keys[] = {"vi", "en", NULL};
  if (n->kind != YN_MAPPING) {
    ics_ld_error(ld, n, M_EXPECTED_TEXT, what);
    return false;
  }
  if (!ics_ld_check_keys(ld, n, keys, what)) return false;
  bool ok = true;
  for (int i = 0; i < 2; i++) {
    const ynode *v = ics_yd_get(n, keys[i]);
    if (!v || ics_yd_is_null(v)) {
      ics_ld_error(ld, n, M_TEXT_LANG_MISSING, keys[i]);
      ok = false;
      continue;
    }
    const char *s = ics_ld_scalar(ld, v, ics_ld_quote(ld, keys[i]));
    if (!s || !check_text_length(ld, v, keys[i])) {
      ok = false;
      continue;
    }
    if (i == 0) out->vi = s;
    else out->en = s;
  }
  return ok;
}

bool ics_ld_bool(loader *ld, const ynode *n, bool *out) {
  if (!n) return false;
  if (n->kind == YN_SCALAR) {
    static const char *const yes[] = {"yes", "Yes", "YES", "true", "True", "TRUE"};
    static const char *const no[] = {"no", "No", "NO", "false", "False", "FALSE"};
    for (size_t i = 0; i < 6; i++) {
      if (!strcmp(n->str, yes[i])) return *out = true;
      if (!strcmp(n->str, no[i])) return !(*out = false);
    }
  }
  ics_ld_error(ld, n, M_BAD_BOOLEAN, n->kind == YN_SCALAR ? n->str : "...");
  return false;
}

const char *ics_ld_identifier(loader *ld, const ynode *n, const char *what) {
  const char *s = ics_ld_scalar(ld, n, what);
  if (!s) return NULL;
  bool ok = n->len >= 1 && n->len <= ICS_NAME_MAX && s[0] >= 'a' && s[0] <= 'z';
  for (size_t i = 0; ok && i < n->len; i++)
    ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
  if (!ok) {
    ics_ld_error(ld, n, M_BAD_IDENTIFIER, what, n->len > 80 ? "..." : s);
    return NULL;
  }
  if (sqlite3_keyword_check(s, (int)n->len)) {
    ics_ld_error(ld, n, M_SQL_KEYWORD, what, s);
    return NULL;
  }
  return s;
}

/* The column, in characters, of a byte offset inside a one-line scalar; block scalars keep
 * no positions inside, so their own column is given. */
static int column_in(const ynode *n, const char *text, size_t offset) {
  if (n->block) return n->column;
  int column = n->column + (n->quoted ? 1 : 0);
  return column + (int)ics_utf8_count(text, strnlen(text, offset));
}

typedef struct {
  loader *ld;
  const ynode *n;
  const ics_field *fields;
  size_t field_count;
} code_check;

static void check_code(void *ctx, int field, const char *literal, size_t offset) {
  code_check *c = ctx;
  if (field < 0 || (size_t)field >= c->field_count) return;
  const ics_field *f = &c->fields[field];
  if (!f->choices || f->choices->source != ICS_CHOICES_FORM || !*literal) return;
  if (ics_choice_find(f->choices, literal)) return;
  const char *codes[64];
  size_t count = f->choices->count < 64 ? f->choices->count : 64;
  for (size_t i = 0; i < count; i++) codes[i] = f->choices->items[i].code;
  ics_errors_say(c->ld->diags, c->ld->lang, c->ld->path, c->n->line,
                 column_in(c->n, c->n->str, offset + 1), MSG(M_UNKNOWN_CODE), strlen(literal) > 64 ? "..." : literal, f->name,
                ics_ld_did_you_mean(c->ld, literal, codes, count));
  c->ld->failed = true;
}

void ics_ld_check_codes(loader *ld, const ynode *n, const ics_expr *e, const ics_field *fields,
                    size_t field_count) {
  code_check c = {ld, n, fields, field_count};
  ics_expr_codes(e, check_code, &c);
}

ics_expr *ics_ld_expr(loader *ld, const ynode *n, ics_resolver resolve, void *ctx, int self) {
  return ics_ld_filter(ld, n, resolve, ctx, NULL, NULL, self);
}

ics_expr *ics_ld_filter(loader *ld, const ynode *n, ics_resolver resolve, void *ctx,
                        ics_resolver resolve_attribute, void *attribute_ctx, int self) {
  const char *text = ics_ld_scalar(ld, n, "expression");
  if (!text) return NULL;
  ics_error err = {0};
  ics_expr *e = resolve_attribute
                    ? ics_expr_compile_filter(text, resolve, ctx, resolve_attribute,
                                              attribute_ctx, self, ld->lang, &err)
                    : ics_expr_compile(text, resolve, ctx, self, ld->lang, &err);
  if (!e) {
    if (err.code == ICS_E_NO_MEMORY) {
      ics_ld_error(ld, NULL, M_NO_MEMORY);
    } else {
      ics_error_prefix(&err, "%s", ics_msg(M_EXPR_PREFIX, ld->lang));
      ics_error_locate(&err, ld->path, n->line, column_in(n, text, (size_t)err.column - 1));
      ics_errors_add(ld->diags, &err);
      ld->failed = true;
    }
    ics_error_clear(&err);
  }
  return e;
}

bool ics_expr_list_add(expr_list *list, ics_expr *expr) {
  if (list->count == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 16;
    ics_expr **items = ics_realloc(list->items, cap * sizeof *items);
    if (!items) return false;
    list->items = items;
    list->cap = cap;
  }
  list->items[list->count++] = expr;
  return true;
}

void ics_expr_list_free(expr_list *list) {
  for (size_t i = 0; i < list->count; i++) ics_expr_free(list->items[i]);
  ics_free(list->items);
  list->items = NULL;
  list->count = list->cap = 0;
}
