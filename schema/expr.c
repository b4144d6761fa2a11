/* expr.c - the XLSForm expression language: a recursive-descent compiler into a small tree
 * (fields resolved, regular expressions compiled, functions checked at load time) and a
 * three-valued evaluator that never allocates. Depth and length are bounded, so no input can
 * exhaust the stack. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "regex.h"
#include "schema.h"

typedef enum {
  N_NUM, N_STR, N_BOOL, N_FIELD,
  N_OR, N_AND, N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE,
  N_ADD, N_SUB, N_MUL, N_DIV, N_MOD, N_NEG,
  N_NOT, N_SELECTED, N_COUNT_SELECTED, N_STRING_LENGTH, N_REGEX, N_IF, N_COALESCE,
  N_PULLDATA, N_ATTRIBUTE
} node_kind;

typedef struct enode {
  node_kind kind;
  double num;            /* N_NUM */
  bool b;                /* N_BOOL */
  char *str;             /* N_STR */
  int field;             /* N_FIELD */
  int attribute;         /* N_PULLDATA: which register attribute; N_ATTRIBUTE: the choice's */
  bool districts;        /* N_PULLDATA: from the districts list */
  ics_regex *re;         /* N_REGEX: compiled pattern */
  struct enode *arg[3];  /* operands */
  size_t offset;         /* where the node starts in the source text */
} enode;

struct ics_expr {
  enode *root;
  char *source; /* the text it was compiled from */
};

/* ---- functions ---------------------------------------------------------------------------- */
typedef struct {
  const char *name;
  node_kind kind;
  int arity;
} function_def;

static const function_def functions[] = {
    {"not", N_NOT, 1},
    {"selected", N_SELECTED, 2},
    {"count-selected", N_COUNT_SELECTED, 1},
    {"string-length", N_STRING_LENGTH, 1},
    {"regex", N_REGEX, 2},
    {"if", N_IF, 3},
    {"coalesce", N_COALESCE, 2},
    {"pulldata", N_PULLDATA, 4},
    {"true", N_BOOL, 0},
    {"false", N_BOOL, 0},
};

enum { ATTR_NAME, ATTR_TYPE, ATTR_DISTRICT };

/* ---- the compiler --------------------------------------------------------------------------- */
typedef enum {
  T_END, T_NUM, T_STR, T_FIELD, T_DOT, T_NAME, T_LPAREN, T_RPAREN, T_COMMA,
  T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_PLUS, T_MINUS, T_STAR, T_ERROR
} token_kind;

typedef struct {
  const char *src;
  size_t pos;            /* where the next token starts */
  token_kind tok;        /* the current token */
  size_t tok_start, tok_len;
  ics_resolver resolve;
  void *resolve_ctx;
  ics_resolver resolve_attribute; /* choice filters only: bare names are attributes */
  void *attribute_ctx;
  int self;
  int filtered;          /* choice filters: the field that may not be referred to, else -1 */
  ics_lang lang;
  int depth;
  bool failed;           /* an error was found */
  ics_error *err;        /* the caller's, may be NULL */
} compiler;

/* The first problem, at its byte offset: line 1, column offset + 1 of the expression. */
static void fail(compiler *c, size_t offset, schema_message m, ...) {
  if (c->failed) return;
  c->failed = true;
  va_list ap;
  va_start(ap, m);
  ics_error_vsay_at(c->err, c->lang, NULL, 1, (int)offset + 1, MSG(m), ap);
  va_end(ap);
}

static bool name_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

static void next(compiler *c) {
  const char *s = c->src;
  size_t p = c->pos;
  while (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r') p++;
  c->tok_start = p;
  char ch = s[p];
  token_kind t = T_ERROR;
  if (ch == '\0') {
    t = T_END;
  } else if (isdigit((unsigned char)ch) || (ch == '.' && isdigit((unsigned char)s[p + 1]))) {
    while (isdigit((unsigned char)s[p])) p++;
    if (s[p] == '.') {
      p++;
      while (isdigit((unsigned char)s[p])) p++;
    }
    t = T_NUM;
    p--;
  } else if (ch == '\'' || ch == '"') {
    const char *end = strchr(s + p + 1, ch);
    if (!end) {
      fail(c, p, M_EX_UNTERMINATED);
      p = strlen(s) - 1;
    } else {
      p = (size_t)(end - s);
      t = T_STR;
    }
  } else if (ch == '$') {
    if (s[p + 1] != '{') {
      fail(c, p, M_EX_BAD_REF);
    } else {
      size_t q = p + 2;
      while (name_char(s[q])) q++;
      if (s[q] != '}' || q == p + 2) fail(c, p, M_EX_BAD_REF);
      else t = T_FIELD;
      p = s[q] == '}' ? q : q - 1;
    }
  } else if (isalpha((unsigned char)ch) || ch == '_') {
    /* function names may hold '-' (count-selected): only between letters */
    while (name_char(s[p + 1]) || (s[p + 1] == '-' && isalpha((unsigned char)s[p + 2]))) p++;
    t = T_NAME;
  } else {
    switch (ch) {
    case '.': t = T_DOT; break;
    case '(': t = T_LPAREN; break;
    case ')': t = T_RPAREN; break;
    case ',': t = T_COMMA; break;
    case '=': t = T_EQ; break;
    case '+': t = T_PLUS; break;
    case '-': t = T_MINUS; break;
    case '*': t = T_STAR; break;
    case '!':
      if (s[p + 1] == '=') t = T_NE, p++;
      break;
    case '<':
      if (s[p + 1] == '=') t = T_LE, p++;
      else t = T_LT;
      break;
    case '>':
      if (s[p + 1] == '=') t = T_GE, p++;
      else t = T_GT;
      break;
    default:
      break;
    }
    if (t == T_ERROR) {
      size_t n = 1;
      while (((unsigned char)s[p + n] & 0xC0) == 0x80) n++; /* a whole UTF-8 character */
      fail(c, p, M_EX_UNEXPECTED, (int)n, s + p);
    }
  }
  c->tok = c->failed ? T_ERROR : t;
  c->tok_len = t == T_END ? 0 : p - c->tok_start + 1;
  c->pos = t == T_END ? p : p + 1;
}

static bool tok_is(const compiler *c, const char *word) {
  return c->tok == T_NAME && strlen(word) == c->tok_len &&
         !strncmp(c->src + c->tok_start, word, c->tok_len);
}

static void unexpected(compiler *c) {
  if (c->tok == T_END) fail(c, c->tok_start, M_EX_UNEXPECTED_END);
  else fail(c, c->tok_start, M_EX_UNEXPECTED, (int)c->tok_len,
            c->src + c->tok_start);
}

static void node_free(enode *n) {
  if (!n) return;
  for (int i = 0; i < 3; i++) node_free(n->arg[i]);
  ics_free(n->str);
  ics_regex_free(n->re);
  ics_free(n);
}

static enode *new_node(compiler *c, node_kind kind) {
  enode *n = ics_calloc(1, sizeof *n);
  if (!n) {
    fail(c, c->tok_start, M_NO_MEMORY);
  } else {
    n->kind = kind;
    n->offset = c->tok_start;
  }
  return n;
}

static enode *binary(compiler *c, node_kind kind, enode *left, enode *right) {
  if (!left || !right) {
    node_free(left);
    node_free(right);
    return NULL;
  }
  enode *n = new_node(c, kind);
  if (!n) {
    node_free(left);
    node_free(right);
    return NULL;
  }
  n->arg[0] = left;
  n->arg[1] = right;
  return n;
}

static enode *parse_or(compiler *c);

_Static_assert(ICS_REGEX_REPEAT_MAX == 255 && ICS_REGEX_STATES_MAX == 2000,
               "M_RE_BAD_REPEAT and M_RE_TOO_LARGE name these limits");

static enode *parse_call(compiler *c, size_t name_start, size_t name_len) {
  char name[32];
  const function_def *fn = NULL;
  if (name_len < sizeof name) {
    memcpy(name, c->src + name_start, name_len);
    name[name_len] = '\0';
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++)
      if (!strcmp(functions[i].name, name)) fn = &functions[i];
  } else {
    snprintf(name, sizeof name, "%.*s...", 24, c->src + name_start);
  }
  if (!fn) {
    const char *best = NULL;
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++)
      if (ics_edit_distance(name, functions[i].name, 2) <= 2) best = functions[i].name;
    ics_buf hint = {0};
    if (best) ics_buf_printf(&hint, ics_msg(M_DID_YOU_MEAN, c->lang), best);
    char *h = ics_buf_take(&hint);
    fail(c, name_start, M_EX_UNKNOWN_FUNCTION, name, h ? h : "");
    ics_free(h);
    return NULL;
  }
  next(c); /* past '(' */
  enode *n = new_node(c, fn->kind);
  if (!n) return NULL;
  if (fn->kind == N_BOOL) n->b = !strcmp(fn->name, "true");
  enode *args[4] = {0};
  size_t arg_pos[4] = {0};
  int count = 0;
  if (c->tok != T_RPAREN) {
    for (;;) {
      if (count == 4) {
        fail(c, c->tok_start, M_EX_ARITY, fn->name, fn->arity);
        break;
      }
      arg_pos[count] = c->tok_start;
      args[count] = parse_or(c);
      if (!args[count]) break;
      count++;
      if (c->tok != T_COMMA) break;
      next(c);
    }
  }
  if (!c->failed && c->tok != T_RPAREN) {
    if (c->tok == T_END) fail(c, c->tok_start, M_EX_EXPECTED, ")");
    else unexpected(c);
  }
  if (!c->failed && count != fn->arity)
    fail(c, name_start, M_EX_ARITY, fn->name, fn->arity);
  if (!c->failed) next(c);

  if (!c->failed && fn->kind == N_REGEX) {
    if (args[1]->kind != N_STR) {
      fail(c, arg_pos[1], M_EX_LITERAL_ARG, 2, fn->name);
    } else {
      ics_error why = {0};
      n->re = ics_regex_compile(args[1]->str, strlen(args[1]->str), c->lang, &why);
      if (why.code == ICS_E_NO_MEMORY)
        fail(c, arg_pos[1], M_NO_MEMORY);
      else if (!n->re) /* at the culprit: string literals have no escapes, so + 1 for the quote */
        fail(c, args[1]->offset + (size_t)why.column, M_EX_BAD_REGEX, why.message);
      ics_error_clear(&why);
    }
  }
  if (!c->failed && fn->kind == N_PULLDATA) {
    for (int i = 0; i < 3; i++)
      if (args[i]->kind != N_STR) {
        fail(c, arg_pos[i], M_EX_LITERAL_ARG, i + 1, fn->name);
        break;
      }
    if (!c->failed) {
      const char *list = args[0]->str, *attr = args[1]->str, *by = args[2]->str;
      n->districts = !strcmp(list, "districts");
      bool list_ok = n->districts || !strcmp(list, "agencies");
      if (!strcmp(attr, "name")) n->attribute = ATTR_NAME;
      else if (!strcmp(attr, "type") && !n->districts) n->attribute = ATTR_TYPE;
      else if (!strcmp(attr, "district") && !n->districts) n->attribute = ATTR_DISTRICT;
      else list_ok = false;
      if (!list_ok || strcmp(by, "code"))
        fail(c, arg_pos[0], M_EX_PULLDATA);
    }
    if (!c->failed) { /* keep only the key expression */
      node_free(args[0]);
      node_free(args[1]);
      node_free(args[2]);
      args[0] = args[3];
      args[1] = args[2] = args[3] = NULL;
    }
  }
  if (c->failed) {
    for (int i = 0; i < 4; i++) node_free(args[i]);
    node_free(n);
    return NULL;
  }
  for (int i = 0; i < 3; i++) n->arg[i] = args[i];
  if (fn->kind == N_REGEX) { /* the pattern lives on compiled */
    node_free(n->arg[1]);
    n->arg[1] = NULL;
  }
  return n;
}

/* A bare name in a choice filter: an attribute of the choice (the token after it is read). */
static enode *parse_attribute(compiler *c, size_t start, size_t len) {
  char name[ICS_NAME_MAX + 1];
  int attribute = -1;
  if (len <= ICS_NAME_MAX) {
    memcpy(name, c->src + start, len);
    name[len] = '\0';
    attribute = c->resolve_attribute(c->attribute_ctx, name);
  }
  if (attribute < 0) {
    fail(c, start, M_EX_UNKNOWN_ATTRIBUTE, len > ICS_NAME_MAX ? "..." : name);
    return NULL;
  }
  enode *n = new_node(c, N_ATTRIBUTE);
  if (n) {
    n->attribute = attribute;
    n->offset = start;
  }
  return n;
}

static enode *parse_primary(compiler *c) {
  if (c->failed) return NULL;
  if (++c->depth > ICS_EXPR_MAX_DEPTH) {
    fail(c, c->tok_start, M_EX_TOO_DEEP, ICS_EXPR_MAX_DEPTH);
    return NULL;
  }
  enode *n = NULL;
  size_t start = c->tok_start, len = c->tok_len;
  switch (c->tok) {
  case T_NUM: {
    char *end;
    double v = strtod(c->src + start, &end);
    if (end != c->src + start + len || !isfinite(v)) {
      fail(c, start, M_EX_BAD_NUMBER, (int)len, c->src + start);
      break;
    }
    if ((n = new_node(c, N_NUM))) n->num = v;
    next(c);
    break;
  }
  case T_STR:
    if ((n = new_node(c, N_STR))) {
      n->str = ics_strndup(c->src + start + 1, len - 2);
      if (!n->str) {
        fail(c, start, M_NO_MEMORY);
        node_free(n);
        n = NULL;
        break;
      }
    }
    next(c);
    break;
  case T_FIELD: {
    char name[ICS_NAME_MAX + 1];
    size_t name_len = len - 3;
    int field = -1;
    if (name_len <= ICS_NAME_MAX) {
      memcpy(name, c->src + start + 2, name_len);
      name[name_len] = '\0';
      field = c->resolve ? c->resolve(c->resolve_ctx, name) : -1;
    }
    if (field < 0) {
      fail(c, start, M_EX_UNKNOWN_FIELD, (int)name_len > ICS_NAME_MAX ? "..." : name);
      break;
    }
    if (field == c->filtered) {
      fail(c, start, M_EX_FILTER_SELF, name);
      break;
    }
    if ((n = new_node(c, N_FIELD))) n->field = field;
    next(c);
    break;
  }
  case T_DOT:
    if (c->self < 0) {
      fail(c, start, M_EX_DOT);
      break;
    }
    if ((n = new_node(c, N_FIELD))) n->field = c->self;
    next(c);
    break;
  case T_LPAREN:
    next(c);
    n = parse_or(c);
    if (n && c->tok != T_RPAREN) {
      if (c->tok == T_END) fail(c, c->tok_start, M_EX_EXPECTED, ")");
      else unexpected(c);
      node_free(n);
      n = NULL;
    } else if (n) {
      next(c);
    }
    break;
  case T_NAME:
    next(c);
    if (c->tok == T_LPAREN) n = parse_call(c, start, len);
    else if (c->resolve_attribute) n = parse_attribute(c, start, len);
    else fail(c, start, M_EX_UNEXPECTED, (int)len, c->src + start);
    break;
  default:
    unexpected(c);
    break;
  }
  c->depth--;
  return n;
}

static enode *parse_unary(compiler *c) {
  if (c->tok != T_MINUS) return parse_primary(c);
  if (++c->depth > ICS_EXPR_MAX_DEPTH) {
    fail(c, c->tok_start, M_EX_TOO_DEEP, ICS_EXPR_MAX_DEPTH);
    return NULL;
  }
  next(c);
  enode *operand = parse_unary(c);
  c->depth--;
  if (!operand) return NULL;
  enode *n = new_node(c, N_NEG);
  if (!n) {
    node_free(operand);
    return NULL;
  }
  n->arg[0] = operand;
  return n;
}

static enode *parse_multiplicative(compiler *c) {
  enode *left = parse_unary(c);
  while (left && !c->failed) {
    node_kind kind;
    if (c->tok == T_STAR) kind = N_MUL;
    else if (tok_is(c, "div")) kind = N_DIV;
    else if (tok_is(c, "mod")) kind = N_MOD;
    else break;
    next(c);
    left = binary(c, kind, left, parse_unary(c));
  }
  return left;
}

static enode *parse_additive(compiler *c) {
  enode *left = parse_multiplicative(c);
  while (left && !c->failed && (c->tok == T_PLUS || c->tok == T_MINUS)) {
    node_kind kind = c->tok == T_PLUS ? N_ADD : N_SUB;
    next(c);
    left = binary(c, kind, left, parse_multiplicative(c));
  }
  return left;
}

static enode *parse_relational(compiler *c) {
  enode *left = parse_additive(c);
  while (left && !c->failed &&
         (c->tok == T_LT || c->tok == T_LE || c->tok == T_GT || c->tok == T_GE)) {
    node_kind kind = c->tok == T_LT ? N_LT : c->tok == T_LE ? N_LE : c->tok == T_GT ? N_GT : N_GE;
    next(c);
    left = binary(c, kind, left, parse_additive(c));
  }
  return left;
}

static enode *parse_equality(compiler *c) {
  enode *left = parse_relational(c);
  while (left && !c->failed && (c->tok == T_EQ || c->tok == T_NE)) {
    node_kind kind = c->tok == T_EQ ? N_EQ : N_NE;
    next(c);
    left = binary(c, kind, left, parse_relational(c));
  }
  return left;
}

static enode *parse_and(compiler *c) {
  enode *left = parse_equality(c);
  while (left && !c->failed && tok_is(c, "and")) {
    next(c);
    left = binary(c, N_AND, left, parse_equality(c));
  }
  return left;
}

static enode *parse_or(compiler *c) {
  enode *left = parse_and(c);
  while (left && !c->failed && tok_is(c, "or")) {
    next(c);
    left = binary(c, N_OR, left, parse_and(c));
  }
  return left;
}

static ics_expr *compile(compiler c, const char *text) {
  size_t len = strlen(text);
  if (len > ICS_EXPR_MAX_BYTES) {
    fail(&c, 0, M_EX_TOO_LONG, ICS_EXPR_MAX_BYTES);
  } else {
    next(&c);
    if (c.tok == T_END && !c.failed) fail(&c, 0, M_EX_EMPTY);
  }
  enode *root = c.failed ? NULL : parse_or(&c);
  if (root && !c.failed && c.tok != T_END) unexpected(&c);
  ics_expr *expr = NULL;
  if (!c.failed) {
    expr = ics_malloc(sizeof *expr);
    char *source = expr ? ics_strdup(text) : NULL;
    if (!expr || !source) {
      ics_free(expr);
      ics_free(source);
      expr = NULL;
      fail(&c, 0, M_NO_MEMORY);
    } else {
      expr->root = root;
      expr->source = source;
    }
  }
  if (c.failed) {
    node_free(root);
    return NULL;
  }
  return expr;
}

ics_expr *ics_expr_compile(const char *text, ics_resolver resolve, void *resolve_ctx, int self,
                           ics_lang lang, ics_error *err) {
  return compile((compiler){.src = text, .resolve = resolve, .resolve_ctx = resolve_ctx,
                            .self = self, .filtered = -1, .lang = lang, .err = err},
                 text);
}

ics_expr *ics_expr_compile_filter(const char *text, ics_resolver resolve, void *resolve_ctx,
                                  ics_resolver resolve_attribute, void *attribute_ctx, int self,
                                  ics_lang lang, ics_error *err) {
  return compile((compiler){.src = text, .resolve = resolve, .resolve_ctx = resolve_ctx,
                            .resolve_attribute = resolve_attribute,
                            .attribute_ctx = attribute_ctx, .self = -1, .filtered = self,
                            .lang = lang, .err = err},
                 text);
}

void ics_expr_free(ics_expr *expr) {
  if (!expr) return;
  node_free(expr->root);
  ics_free(expr->source);
  ics_free(expr);
}

const char *ics_expr_source(const ics_expr *expr) { return expr ? expr->source : NULL; }

static void visit_codes(const enode *n, ics_code_visitor visit, void *ctx) {
  if (!n) return;
  const enode *a = n->arg[0], *b = n->arg[1];
  if ((n->kind == N_EQ || n->kind == N_NE || n->kind == N_SELECTED) && a && b) {
    if (a->kind == N_FIELD && b->kind == N_STR) visit(ctx, a->field, b->str, b->offset);
    else if (n->kind != N_SELECTED && b->kind == N_FIELD && a->kind == N_STR)
      visit(ctx, b->field, a->str, a->offset);
  }
  for (int i = 0; i < 3; i++) visit_codes(n->arg[i], visit, ctx);
}

void ics_expr_codes(const ics_expr *expr, ics_code_visitor visit, void *ctx) {
  if (expr) visit_codes(expr->root, visit, ctx);
}

static void visit_fields(const enode *n, void (*visit)(void *, int), void *ctx) {
  if (!n) return;
  if (n->kind == N_FIELD) visit(ctx, n->field);
  for (int i = 0; i < 3; i++) visit_fields(n->arg[i], visit, ctx);
}

void ics_expr_fields(const ics_expr *expr, void (*visit)(void *ctx, int field), void *ctx) {
  if (expr) visit_fields(expr->root, visit, ctx);
}

/* ---- bounds of a constraint ----------------------------------------------------------------- */
/* A number literal (with its minus) into *v. */
static bool literal_number(const enode *n, double *v) {
  if (n->kind == N_NUM) {
    *v = n->num;
    return true;
  }
  if (n->kind == N_NEG && n->arg[0] && n->arg[0]->kind == N_NUM) {
    *v = -n->arg[0]->num;
    return true;
  }
  return false;
}

/* Tightens one side of a bound by a number, or sets it to a field (kept when a number is
 * there already: a number can be checked everywhere). */
static void bound_side(ics_bound *b, bool max, double v, int field, bool strict) {
  bool *has = max ? &b->has_max : &b->has_min;
  double *num = max ? &b->max : &b->min;
  int *fld = max ? &b->max_field : &b->min_field;
  bool *str = max ? &b->max_strict : &b->min_strict;
  if (field >= 0) {
    if (*has) return;
    *has = true;
    *fld = field;
    *str = strict;
    return;
  }
  bool tighter = !*has || *fld >= 0 || (max ? v < *num : v > *num) || (v == *num && strict);
  if (!tighter) return;
  *has = true;
  *num = v;
  *fld = -1;
  *str = strict;
}

/* One comparison `left OP right`; false when it has no shape known here. */
static bool comparison_bound(const enode *n, int self, ics_bounds *out) {
  node_kind op = n->kind;
  if (op != N_LT && op != N_LE && op != N_GT && op != N_GE) return false;
  const enode *a = n->arg[0], *b = n->arg[1];
  if (!a || !b) return false;
  /* the subject (. or string-length(.)) on either side: on the right the comparison is mirrored */
  for (int side = 0; side < 2; side++) {
    const enode *subject = side ? b : a, *other = side ? a : b;
    ics_bound *bound = NULL;
    if (subject->kind == N_FIELD && subject->field == self) bound = &out->value;
    else if (subject->kind == N_STRING_LENGTH && subject->arg[0] && subject->arg[0]->kind == N_FIELD &&
             subject->arg[0]->field == self)
      bound = &out->length;
    if (!bound) continue;
    node_kind k = op;
    if (side) k = op == N_LT ? N_GT : op == N_LE ? N_GE : op == N_GT ? N_LT : N_LE;
    bool max = k == N_LT || k == N_LE, strict = k == N_LT || k == N_GT;
    double v;
    if (literal_number(other, &v)) bound_side(bound, max, v, -1, strict);
    else if (other->kind == N_FIELD && other->field != self && bound == &out->value)
      bound_side(bound, max, 0, other->field, strict);
    else return false;
    return true;
  }
  return false;
}

static void conjunction_bounds(const enode *n, int self, ics_bounds *out) {
  if (n->kind == N_AND) {
    conjunction_bounds(n->arg[0], self, out);
    conjunction_bounds(n->arg[1], self, out);
  } else if (!comparison_bound(n, self, out)) {
    out->exact = false;
  }
}

void ics_expr_bounds(const ics_expr *constraint, int self, ics_bounds *out) {
  memset(out, 0, sizeof *out);
  out->value.min_field = out->value.max_field = out->length.min_field = out->length.max_field = -1;
  out->exact = true;
  if (!constraint || !constraint->root) return;
  ics_bounds found = *out;
  conjunction_bounds(constraint->root, self, &found);
  /* nothing of a shape known here (an `or`, a regex): no bound, and not exact */
  if (!found.value.has_min && !found.value.has_max && !found.length.has_min && !found.length.has_max) {
    out->exact = false;
    return;
  }
  *out = found;
}

/* ---- the evaluator ------------------------------------------------------------------------ */
static const ics_value EMPTY = {.kind = ICS_V_EMPTY};

static ics_value num_value(double v) {
  if (!isfinite(v)) return EMPTY;
  return (ics_value){.kind = ICS_V_NUM, .num = v};
}

static ics_value bool_value(bool b) { return (ics_value){.kind = ICS_V_BOOL, .b = b}; }

/* Three-valued truth: 1 true, 0 false, -1 unknown. */
static int truth(ics_value v) {
  switch (v.kind) {
  case ICS_V_BOOL: return v.b;
  case ICS_V_NUM: return v.num != 0;
  case ICS_V_STR: return v.str[0] != '\0';
  default: return -1;
  }
}

static ics_value truth_value(int t) { return t < 0 ? EMPTY : bool_value(t); }

bool ics_value_is_true(ics_value v) { return truth(v) == 1; }
bool ics_value_is_false(ics_value v) { return truth(v) == 0; }

static bool parse_number(const char *s, double *out) {
  char *end;
  while (*s == ' ') s++;
  if (!*s) return false;
  double v = strtod(s, &end);
  while (*end == ' ') end++;
  if (*end || !isfinite(v)) return false;
  *out = v;
  return true;
}

static bool to_number(ics_value v, double *out) {
  switch (v.kind) {
  case ICS_V_NUM: *out = v.num; return true;
  case ICS_V_BOOL: *out = v.b; return true;
  case ICS_V_STR: return parse_number(v.str, out);
  default: return false;
  }
}

/* -1 unknown, 0 false, 1 true for a boolean written as text */
static int text_truth(const char *s) {
  if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1")) return 1;
  if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0")) return 0;
  return -1;
}

static ics_value compare(node_kind op, ics_value a, ics_value b) {
  bool equality = op == N_EQ || op == N_NE;
  if (a.kind == ICS_V_EMPTY || b.kind == ICS_V_EMPTY) {
    /* an empty answer equals '' and nothing else is known about it */
    ics_value other = a.kind == ICS_V_EMPTY ? b : a;
    if (equality && other.kind == ICS_V_STR && other.str[0] == '\0')
      return bool_value(op == N_EQ);
    return EMPTY;
  }
  int cmp;
  if (a.kind == ICS_V_STR && b.kind == ICS_V_STR) {
    double x, y;
    if (!equality && parse_number(a.str, &x) && parse_number(b.str, &y))
      cmp = (x > y) - (x < y);
    else
      cmp = strcmp(a.str, b.str);
  } else if (a.kind == ICS_V_BOOL || b.kind == ICS_V_BOOL) {
    ics_value other = a.kind == ICS_V_BOOL ? b : a;
    int x = a.kind == ICS_V_BOOL ? a.b : -1, y = b.kind == ICS_V_BOOL ? b.b : -1;
    int t = other.kind == ICS_V_STR ? text_truth(other.str) : truth(other);
    if (t < 0) return equality ? bool_value(op == N_NE) : EMPTY;
    if (x < 0) x = t;
    if (y < 0) y = t;
    cmp = x - y;
  } else {
    double x, y;
    if (!to_number(a, &x) || !to_number(b, &y)) return equality ? bool_value(op == N_NE) : EMPTY;
    cmp = (x > y) - (x < y);
  }
  switch (op) {
  case N_EQ: return bool_value(cmp == 0);
  case N_NE: return bool_value(cmp != 0);
  case N_LT: return bool_value(cmp < 0);
  case N_LE: return bool_value(cmp <= 0);
  case N_GT: return bool_value(cmp > 0);
  default: return bool_value(cmp >= 0);
  }
}

/* A value as text for selected() and regex(); numbers are written into buf. */
static const char *as_text(ics_value v, char *buf, size_t size) {
  switch (v.kind) {
  case ICS_V_STR: return v.str;
  case ICS_V_NUM: snprintf(buf, size, "%.15g", v.num); return buf;
  case ICS_V_BOOL: return v.b ? "true" : "false";
  default: return "";
  }
}

static bool has_code(const char *list, const char *code) {
  size_t n = strlen(code);
  if (n == 0) return false;
  for (const char *p = list; *p;) {
    while (*p == ' ') p++;
    const char *end = p;
    while (*end && *end != ' ') end++;
    if ((size_t)(end - p) == n && !strncmp(p, code, n)) return true;
    p = end;
  }
  return false;
}

static ics_value eval(const enode *n, const ics_eval_env *env) {
  ics_value a, b;
  char buf[2][40];
  switch (n->kind) {
  case N_NUM: return num_value(n->num);
  case N_STR: return (ics_value){.kind = ICS_V_STR, .str = n->str};
  case N_BOOL: return bool_value(n->b);
  case N_FIELD: return env->field_value ? env->field_value(env->ctx, n->field) : EMPTY;
  case N_ATTRIBUTE:
    return env->attribute_value ? env->attribute_value(env->attribute_ctx, n->attribute) : EMPTY;
  case N_OR: {
    int x = truth(eval(n->arg[0], env));
    if (x == 1) return bool_value(true);
    int y = truth(eval(n->arg[1], env));
    if (y == 1) return bool_value(true);
    return truth_value(x == 0 && y == 0 ? 0 : -1);
  }
  case N_AND: {
    int x = truth(eval(n->arg[0], env));
    if (x == 0) return bool_value(false);
    int y = truth(eval(n->arg[1], env));
    if (y == 0) return bool_value(false);
    return truth_value(x == 1 && y == 1 ? 1 : -1);
  }
  case N_NOT: {
    int x = truth(eval(n->arg[0], env));
    return truth_value(x < 0 ? -1 : !x);
  }
  case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE:
    return compare(n->kind, eval(n->arg[0], env), eval(n->arg[1], env));
  case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD: {
    double x, y;
    if (!to_number(eval(n->arg[0], env), &x) || !to_number(eval(n->arg[1], env), &y))
      return EMPTY;
    switch (n->kind) {
    case N_ADD: return num_value(x + y);
    case N_SUB: return num_value(x - y);
    case N_MUL: return num_value(x * y);
    case N_DIV: return y == 0 ? EMPTY : num_value(x / y);
    default: return y == 0 ? EMPTY : num_value(fmod(x, y));
    }
  }
  case N_NEG: {
    double x;
    if (!to_number(eval(n->arg[0], env), &x)) return EMPTY;
    return num_value(-x);
  }
  case N_SELECTED:
    a = eval(n->arg[0], env);
    b = eval(n->arg[1], env);
    if (a.kind == ICS_V_EMPTY) return bool_value(false);
    return bool_value(has_code(as_text(a, buf[0], sizeof buf[0]), as_text(b, buf[1], sizeof buf[1])));
  case N_COUNT_SELECTED: {
    a = eval(n->arg[0], env);
    const char *s = as_text(a, buf[0], sizeof buf[0]);
    int count = 0;
    for (const char *p = s; *p;) {
      while (*p == ' ') p++;
      if (!*p) break;
      count++;
      while (*p && *p != ' ') p++;
    }
    return num_value(count);
  }
  case N_STRING_LENGTH: {
    a = eval(n->arg[0], env);
    const char *s = as_text(a, buf[0], sizeof buf[0]);
    return num_value((double)ics_utf8_count(s, strlen(s)));
  }
  case N_REGEX: {
    a = eval(n->arg[0], env);
    if (a.kind == ICS_V_EMPTY) return EMPTY;
    const char *text = as_text(a, buf[0], sizeof buf[0]);
    return bool_value(ics_regex_search(n->re, text, strlen(text)));
  }
  case N_IF:
    return truth(eval(n->arg[0], env)) == 1 ? eval(n->arg[1], env) : eval(n->arg[2], env);
  case N_COALESCE:
    a = eval(n->arg[0], env);
    return a.kind != ICS_V_EMPTY ? a : eval(n->arg[1], env);
  case N_PULLDATA: {
    a = eval(n->arg[0], env);
    if (a.kind == ICS_V_EMPTY || !env->reg) return EMPTY;
    const char *code = as_text(a, buf[0], sizeof buf[0]);
    const char *out = NULL;
    if (n->districts) {
      const ics_district *d = ics_register_district(env->reg, code);
      if (d) out = d->name.vi;
    } else {
      const ics_agency *ag = ics_register_agency(env->reg, code);
      if (ag)
        out = n->attribute == ATTR_NAME ? ag->name.vi
              : n->attribute == ATTR_TYPE ? ag->type : ag->district;
    }
    return out ? (ics_value){.kind = ICS_V_STR, .str = out} : EMPTY;
  }
  }
  return EMPTY;
}

ics_value ics_expr_eval(const ics_expr *expr, const ics_eval_env *env) {
  if (!expr) return EMPTY;
  return eval(expr->root, env);
}
