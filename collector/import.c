/* import.c - an answers file into a store, all or nothing: every record is read and checked
 * (collector/answers_file.h) inside one transaction that any problem rolls back. */
#include <stdio.h>
#include <string.h>

#include "answers_file.h"
#include "collector_private.h"

typedef struct {
  ics_store *store;
  const ics_import_options *opts;
  bool check_keys;  /* the store had records of the form: note keys seen before */
  ics_buf *ids, *notes;
  ics_error error;  /* why a record could not be stored */
  bool failed;
} import_ctx;

static int import_record(void *ctx, ics_record *rec, size_t number) {
  import_ctx *c = ctx;
  if (c->opts->edit_id) {
    c->failed = ics_store_revise(c->store, c->opts->edit_id, rec, c->opts->status, &c->error) != 0;
    return c->failed;
  }
  const char *key = rec->form->key >= 0 ? rec->values[rec->form->key] : NULL;
  char found[37];
  bool seen = false;
  if (c->check_keys && key && c->notes &&
      ics_store_find_key(c->store, rec->form->id, key, NULL, found, &seen, &c->error)) {
    c->failed = true; /* the store failed: going on could write outside the transaction */
    return 1;
  }
  if (seen)
    ics_buf_printf(c->notes, ics_message_text(CMSG(C_NOTE_KEY_SEEN), c->opts->lang), number,
                   rec->form->fields[rec->form->key].name, key, found);
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
                     ics_errors *diags, ics_error *err) {
  import_ctx c = {.store = store, .opts = opts, .ids = ids, .notes = notes};
  ics_answers_options ao = {.form = form, .reg = ics_store_register(store), .lang = opts->lang,
                            .mode = opts->mode, .base = opts->base};
  if (ics_store_begin(store, err)) return -1;
  bool had = false;
  if (ics_store_has_records(store, form->id, &had, err)) {
    ics_store_rollback(store);
    return -1;
  }
  c.check_keys = had;
  size_t before = diags->count, dropped = diags->dropped;
  if (text) {
    /* chosen as ics_answers_read chooses: .csv in any case is CSV */
    size_t n = strlen(path);
    const char *ext = n >= 4 ? path + n - 4 : "";
    bool csv = ext[0] == '.' && (ext[1] | 0x20) == 'c' && (ext[2] | 0x20) == 's' &&
               (ext[3] | 0x20) == 'v';
    ics_answers_parse(path, text, len, csv, &ao, import_record, &c, diags);
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
