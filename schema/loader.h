/* loader.h (private) - helpers shared by the form, register and targets loaders: reading a
 * definition file, checking the keys of a mapping, and reading scalars, texts, booleans and
 * identifiers with an error at the right position. */
#ifndef ICS_LOADER_H
#define ICS_LOADER_H

#include "messages.h"
#include "schema.h"
#include "yamldoc.h"

typedef struct {
  const char *path;
  ics_lang lang;
  ics_errors *diags;
  ics_arena *arena;
  bool failed;     /* at least one error was reported */
} loader;

void ics_ld_error(loader *ld, const ynode *at, schema_message msg, ...);
/* Arena memory; on failure reports "out of memory" and returns NULL. */
void *ics_ld_alloc(loader *ld, size_t size);
/* The file's tree, or NULL after reporting why (text may be NULL: then path is read). The
 * text read is returned through *text_out (arena-owned) when given. */
ynode *ics_ld_open(loader *ld, const char *text, size_t len, const char **text_out, size_t *len_out);
/* Reports unknown (with a did-you-mean), duplicate and non-string keys; `allowed` ends with
 * NULL. False when map is not a mapping (reported with `what`). */
bool ics_ld_check_keys(loader *ld, const ynode *map, const char *const *allowed, const char *what);
ynode *ics_ld_require(loader *ld, const ynode *map, const char *key);
const char *ics_ld_scalar(loader *ld, const ynode *n, const char *what);
bool ics_ld_text(loader *ld, const ynode *n, const char *what, ics_text *out);
bool ics_ld_bool(loader *ld, const ynode *n, bool *out);
/* An identifier [a-z][a-z0-9_]*, at most 63 characters, not an SQLite keyword. */
const char *ics_ld_identifier(loader *ld, const ynode *n, const char *what);
/* "'key'" for messages. */
const char *ics_ld_quote(loader *ld, const char *key);
/* Suggestion among candidates for an unknown word, formatted " (did you mean 'x'?)", or "". */
const char *ics_ld_did_you_mean(loader *ld, const char *word, const char *const *candidates,
                            size_t count);
/* Compiles an expression, reporting its errors at their position inside the scalar. */
ics_expr *ics_ld_expr(loader *ld, const ynode *n, ics_resolver resolve, void *ctx, int self);
/* The same for a choice filter (ics_expr_compile_filter): self is the filtered field. */
ics_expr *ics_ld_filter(loader *ld, const ynode *n, ics_resolver resolve, void *ctx,
                        ics_resolver resolve_attribute, void *attribute_ctx, int self);

/* Reports string literals compared with a select field (`${f} = 'x'`, selected()) that are not
 * among the field's own choice codes: a typo there would silently count nothing. */
void ics_ld_check_codes(loader *ld, const ynode *n, const ics_expr *e, const ics_field *fields,
                    size_t field_count);

/* The list of compiled expressions a loaded object frees with it. */
typedef struct {
  ics_expr **items;
  size_t count, cap;
} expr_list;

bool ics_expr_list_add(expr_list *list, ics_expr *expr);
void ics_expr_list_free(expr_list *list);

#endif
