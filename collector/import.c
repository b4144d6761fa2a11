/* import.c - an answers file into a store, all or nothing: every record is read and checked
 * (collector/answers_file.c) inside one transaction that any problem rolls back. */
#include <stdio.h>
#include <string.h>

#include "answers_file.h"
#include "collector.h"

typedef struct {
  ics_store *store;
  const ics_import_options *opts;
  bool check_keys;  /* the store had records of the form: note keys seen before */
  ics_buf *ids, *notes;
  char *error;
  bool failed;      /* a record could not be stored (error may be NULL: no memory for it) */
} import_ctx;

static int import_record(void *ctx, ics_record *rec, size_t number) {
  import_ctx *c = ctx;
  if (c->opts->edit_id) {
    c->failed = ics_store_revise(c->store, c->opts->edit_id, rec, c->opts->status, &c->error) != 0;
    return c->failed;
  }
  const char *key = rec->form->key >= 0 ? rec->values[rec->form->key] : NULL;
  char found[37];
  int seen = c->check_keys && key && c->notes
                 ? ics_store_find_key(c->store, rec->form->id, key, NULL, found, &c->error)
                 : 0;
  if (seen < 0) { /* the store failed: going on could write outside the transaction */
    c->failed = true;
    return 1;
  }
  if (seen)
    ics_buf_printf(c->notes,
                   c->opts->lang == ICS_EN ? "Note: record %zu: %s '%s' is already in the store (record %s)\n"
                                           : "Lưu ý: bản ghi %zu: %s '%s' đã có trong kho (bản ghi %s)\n",
                   number, rec->form->fields[rec->form->key].name, key, found);
  char id[37];
  if (ics_store_add(c->store, rec, c->opts->status, id, &c->error)) {
    c->failed = true;
    return 1;
  }
  if (c->ids) {
    ics_buf_puts(c->ids, id);
    ics_buf_putc(c->ids, '\n');
  }
  return 0;
}

int ics_store_import(ics_store *store, const ics_form *form, const char *path, const char *text,
                     size_t len, const ics_import_options *opts, ics_buf *ids, ics_buf *notes,
                     ics_errors *diags, char **error) {
  import_ctx c = {.store = store, .opts = opts, .ids = ids, .notes = notes};
  ics_answers_options ao = {.form = form, .reg = ics_store_register(store), .lang = opts->lang,
                            .mode = opts->mode, .base = opts->base};
  if (ics_store_begin(store, error)) return 1;
  int had = ics_store_has_records(store, form->id, error);
  if (had < 0) {
    ics_store_rollback(store);
    return 1;
  }
  c.check_keys = had == 1;
  size_t before = diags->count + diags->dropped;
  if (text) {
    size_t n = strlen(path);
    bool csv = n >= 4 && (!strcmp(path + n - 4, ".csv") || !strcmp(path + n - 4, ".CSV"));
    ics_answers_parse(path, text, len, csv, &ao, import_record, &c, diags);
  } else {
    ics_answers_read(path, &ao, import_record, &c, diags);
  }
  /* ids or notes lost for want of memory: the caller could not say what was stored */
  if ((ids && ids->failed) || (notes && notes->failed)) c.failed = true;
  if (c.failed || c.error || diags->count + diags->dropped > before) {
    ics_store_rollback(store);
    if (c.error) {
      ics_free(*error);
      *error = c.error;
    }
    return 1;
  }
  if (ics_store_commit(store, error)) {
    ics_store_rollback(store);
    return 1;
  }
  return 0;
}
