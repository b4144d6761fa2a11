/* import.c - an answers file into a store, all or nothing: every record is read and checked
 * (collector/answers_file.h) inside one transaction that any problem rolls back. */
#include <stdio.h>
#include <string.h>

#include "answers_file.h"
#include "collector_private.h"

typedef struct {
  ics_store *store;
  const ics_import_options *opts;
  bool check_keys;  /* the store had records of the form: a key may be one of them */
  ics_buf *ids;
  ics_import_counts *counts;
  ics_error error;  /* why a record could not be stored */
  bool failed;
} import_ctx;

static bool same_answers(const ics_record *a, const ics_record *b) {
  for (size_t i = 0; i < a->form->field_count; i++) {
    const char *x = a->values[i], *y = b->values[i];
    if ((x == NULL) != (y == NULL) || (x && strcmp(x, y))) return false;
  }
  return true;
}

/* A record of the file whose natural key is a record of the store: the same answers change
 * nothing (a finalized record is never made a draft again by an unchanged row), other answers
 * make the stored record's next state (ics_store_replace). */
static int import_known(import_ctx *c, const ics_record *rec, const char *id) {
  ics_record *old = NULL;
  ics_record_info info;
  if (ics_store_get(c->store, id, &old, &info, &c->error)) return -1;
  bool same = old->form == rec->form && same_answers(old, rec) &&
              (info.status == c->opts->status || info.status == ICS_FINALIZED);
  ics_record_free(old);
  if (same) {
    c->counts->unchanged++;
    return 0;
  }
  if (ics_store_replace(c->store, id, rec, c->opts->status, &c->error)) return -1;
  c->counts->updated++;
  return 0;
}

static int import_record(void *ctx, ics_record *rec, size_t number) {
  import_ctx *c = ctx;
  (void)number;
  if (c->opts->edit_id) {
    c->failed = ics_store_revise(c->store, c->opts->edit_id, rec, c->opts->status, &c->error) != 0;
    return c->failed;
  }
  const char *key = rec->form->key >= 0 ? rec->values[rec->form->key] : NULL;
  char id[37];
  bool seen = false;
  if (c->check_keys && key &&
      ics_store_find_key(c->store, rec->form->id, key, NULL, id, &seen, &c->error)) {
    c->failed = true; /* the store failed: going on could write outside the transaction */
    return 1;
  }
  if (seen ? import_known(c, rec, id) : ics_store_add(c->store, rec, c->opts->status, id, &c->error)) {
    c->failed = true;
    return 1;
  }
  if (!seen) c->counts->added++;
  if (c->ids) {
    ics_buf_puts(c->ids, id);
    ics_buf_putc(c->ids, '\n');
  }
  return 0;
}

int ics_store_import(ics_store *store, const ics_form *form, const char *path, const char *text,
                     size_t len, const ics_import_options *opts, ics_buf *ids, ics_buf *notes,
                     ics_import_counts *counts, ics_errors *diags, ics_error *err) {
  ics_import_counts scratch = {0};
  if (!counts) counts = &scratch;
  *counts = (ics_import_counts){0};
  import_ctx c = {.store = store, .opts = opts, .ids = ids, .counts = counts};
  ics_answers_options ao = {.form = form, .reg = ics_store_register(store), .lang = opts->lang,
                            .mode = opts->mode, .base = opts->base, .notes = notes,
                            .encoding_given = opts->encoding_given, .encoding = opts->encoding};
  if (ics_store_begin(store, err)) return -1;
  bool had = false;
  if (ics_store_has_records(store, form->id, &had, err)) {
    ics_store_rollback(store);
    return -1;
  }
  c.check_keys = had;
  size_t before = diags->count, dropped = diags->dropped;
  if (text) {
    ics_answers_parse(path, text, len, ics_answers_syntax_of(path), &ao, import_record, &c, diags);
  } else {
    ics_answers_read(path, &ao, import_record, &c, diags);
  }
  bool problems = diags->count > before || diags->dropped > dropped;
  if (c.failed || problems || (ids && ids->failed) || (notes && notes->failed)) {
    ics_store_rollback(store);
    if (c.error.code != ICS_OK) {
      ics_error_move(err, &c.error);
    }
    /* ids or notes lost for want of memory: the caller could not say what was stored */
    else if (c.failed || ics_errors_no_memory(diags, before) || !problems)
      ics_error_no_memory(err, opts->lang);
    else
      ics_error_say(err, opts->lang, CMSG(C_IMPORT_REFUSED), path);
    ics_error_clear(&c.error);
    return -1;
  }
  if (ics_store_commit(store, err)) {
    ics_store_rollback(store);
    return -1;
  }
  return 0;
}
