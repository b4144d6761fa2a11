/* merge.c - merging one bundle into the central database: its seal and signature checked,
 * every record validated against the form the office published under the hash the bundle
 * names (never against the bundle's own definitions), revisions applied by the rules of
 * docs/central-db.md, all in one transaction that a single problem rolls back. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "central_private.h"
#include "schema.h"

/* A record's codes of a select_multiple field are written CHILD_ROWS rows to a statement:
 * one statement for most records instead of one per code. */
enum { CHILD_ROWS = 8 };

/* A published form that the bundle's records use, with the statements that write its rows. */
typedef struct {
  ics_form *form;
  sqlite3_stmt *upsert;      /* INSERT OR REPLACE INTO form_X (...) for this form version */
  sqlite3_stmt **child_del;  /* per select_multiple field: DELETE FROM form_X__f */
  sqlite3_stmt **child_ins;  /* per select_multiple field, CHILD_ROWS each: the INSERT of 1, 2,
                                ... CHILD_ROWS codes (child_insert) */
  sqlite3_stmt *remove;      /* DELETE FROM form_X WHERE instance_id */
} merge_form;

/* Everything one merge holds. */
typedef struct {
  ics_central *c;
  const ics_bundle_manifest *manifest;
  merge_form *forms;
  size_t form_count;
  ics_register *reg;         /* the office's latest register */
  sqlite3_stmt *get_revision, *put_revision, *replace_revision, *get_instance, *put_instance,
      *put_conflict, *put_flag;
  char now[21], future_limit[21];
  bool new_store;            /* no record of the store was merged before this bundle: every
                                record is new (a bundle holds each instance once) */
  ics_error err;             /* the first problem, which stops the merge */
  bool ours;                 /* it is the office's (the database, the machine, nothing published
                                yet), not the bundle's: the bundle is not rejected */
} merge;

/* The bundle's fault: says message id; returns -1. */
static int fail(merge *m, ics_aggregator_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_central_vsay(m->c, &m->err, ICS_OK, id, ap);
  va_end(ap);
  return -1;
}

/* The same with another code than the table's (an answer's own). */
static int fail_as(merge *m, ics_code code, ics_aggregator_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_central_vsay(m->c, &m->err, code, id, ap);
  va_end(ap);
  return -1;
}

/* Not the bundle's fault (unless an earlier problem was): marks the merge ours; returns -1. */
static int ours(merge *m) {
  if (m->err.code == ICS_OK) m->ours = true;
  return -1;
}

static int db_fail(merge *m) {
  ours(m);
  return ics_central_sql_error(m->c, &m->err);
}

/* Memory ran out: the merge stops, the bundle is not to blame. */
static int no_memory(merge *m) {
  ours(m);
  return ics_central_no_memory(m->c, &m->err);
}

/* SQLite rolled the transaction back by itself (it does after running out of memory or disk
 * in some statements): nothing more may be written, the merge stops. */
static int transaction_lost(merge *m) {
  ours(m);
  if (sqlite3_errcode(m->c->db) != SQLITE_OK) return ics_central_sql_error(m->c, &m->err);
  return ics_central_say(m->c, &m->err, AG_TRANSACTION_LOST);
}

/* A failure of the bundle library becomes the merge's (its code too: damaged, signature,
 * key...); running out of memory is this machine's problem, never the bundle's. */
static int bundle_fail(merge *m, ics_error *e) {
  if (e->code == ICS_E_NO_MEMORY) ours(m);
  ics_error_move(&m->err, e); /* unless an earlier problem was the first */
  return -1;
}

/* Runs the statement built in sql (which may have run out of memory), and empties it. */
static int exec_buf(merge *m, ics_buf *sql) {
  int rc = 0;
  if (sql->failed || !sql->data) rc = no_memory(m);
  else if (sqlite3_exec(m->c->db, sql->data, NULL, NULL, NULL) != SQLITE_OK) rc = db_fail(m);
  ics_buf_free(sql);
  return rc;
}

static sqlite3_stmt *prepare(merge *m, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (!sql) { /* its text could not be built */
    no_memory(m);
    return NULL;
  }
  if (sqlite3_prepare_v3(m->c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    db_fail(m);
    return NULL;
  }
  return st;
}

/* ---- form tables ------------------------------------------------------------------------ */
static const char *column_type(ics_field_type type) {
  switch (type) {
  case ICS_INTEGER:
  case ICS_BOOLEAN: return "INTEGER";
  case ICS_DECIMAL: return "REAL";
  default: return "TEXT";
  }
}

static bool stores_value(const ics_field *f) { return f->type != ICS_NOTE; }

/* ---- a batch of bundles: each form's index by natural key built once, at the end ----------- */
static bool key_index_deferred(const ics_central *c, const char *form_id) {
  for (size_t i = 0; i < c->deferred_count; i++)
    if (!strcmp(c->deferred[i], form_id)) return true;
  return false;
}

/* In a batch, a bundle with ICS_CENTRAL_BULK records of a form or more drops its index. */
static int defer_key_index(merge *m, const ics_bundle_form *bf) {
  ics_central *c = m->c;
  if (!c->batch || bf->records < ICS_CENTRAL_BULK || key_index_deferred(c, bf->id)) return 0;
  char **grown = ics_realloc(c->deferred, (c->deferred_count + 1) * sizeof *grown);
  if (!grown) return no_memory(m);
  c->deferred = grown;
  if (!(c->deferred[c->deferred_count] = ics_strdup(bf->id))) return no_memory(m);
  c->deferred_count++;
  char index[ICS_CENTRAL_NAME_MAX];
  ics_central_key_index(index, sizeof index, bf->id); /* fits: a published form's id */
  ics_buf sql = {0};
  ics_buf_printf(&sql, "DROP INDEX IF EXISTS \"%s\"", index);
  return exec_buf(m, &sql);
}

void ics_central_merge_begin(ics_central *c) { c->batch = true; }

int ics_central_merge_end(ics_central *c, ics_error *err) {
  c->batch = false;
  /* SQLite sorts an index's keys in as much memory as its page cache may hold: a smaller
   * cache while it builds keeps the merge's memory where it was (the sort goes to temporary
   * files instead) */
  int rc = c->deferred_count ? ics_central_exec(c, "PRAGMA cache_size=-8192", err) : 0;
  for (size_t i = 0; i < c->deferred_count; i++) {
    /* the form's table exists unless every bundle that brought it was refused */
    char table[ICS_CENTRAL_NAME_MAX];
    ics_central_form_table(table, sizeof table, c->deferred[i]);
    bool exists = false;
    if (!rc) rc = ics_central_has_column(c, table, "natural_key", &exists, err);
    ics_buf sql = {0};
    if (!rc && exists) {
      ics_central_key_index_sql(&sql, c->deferred[i]);
      rc = sql.failed ? ics_central_no_memory(c, err) : ics_central_exec(c, sql.data, err);
    }
    ics_buf_free(&sql);
    ics_free(c->deferred[i]);
  }
  if (c->deferred_count && ics_central_exec(c, "PRAGMA cache_size=" ICS_CENTRAL_CACHE, err)) rc = -1; /* the first problem is kept */
  ics_free(c->deferred);
  c->deferred = NULL;
  c->deferred_count = 0;
  return rc;
}

/* Creates the form's table and its child tables (central_schema.h), and adds the columns a
 * newer version brings. Names are identifiers checked by the form loader ([a-z][a-z0-9_]*,
 * not a keyword), so they always fit. */
static int ensure_tables(merge *m, merge_form *mf) {
  const ics_form *f = mf->form;
  char table[ICS_CENTRAL_NAME_MAX], child[ICS_CENTRAL_NAME_MAX];
  ics_central_form_table(table, sizeof table, f->id); /* fits: a loaded form's id */
  ics_buf sql = {0};
  ics_central_form_table_sql(&sql, f->id);
  if (!key_index_deferred(m->c, f->id)) ics_central_key_index_sql(&sql, f->id);
  if (exec_buf(m, &sql)) return -1;
  /* the columns already there */
  ics_buf_printf(&sql, "SELECT name FROM pragma_table_info('%s')", table);
  sqlite3_stmt *st = prepare(m, sql.failed ? NULL : sql.data);
  ics_buf_free(&sql);
  if (!st) return -1;
  char **have = NULL;
  size_t have_count = 0;
  int rc = 0, step = SQLITE_DONE;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *column = (const char *)sqlite3_column_text(st, 0); /* NULL: SQLite had no memory */
    char **grown = column ? ics_realloc(have, (have_count + 1) * sizeof *have) : NULL;
    if (grown) have = grown;
    char *name = grown ? ics_strdup(column) : NULL;
    if (name) have[have_count++] = name;
    else rc = no_memory(m); /* a column taken for missing would be added twice */
  }
  if (!rc && step != SQLITE_DONE) rc = db_fail(m);
  sqlite3_finalize(st);
  for (size_t i = 0; !rc && i < f->field_count; i++) {
    const ics_field *fld = &f->fields[i];
    if (!stores_value(fld)) continue;
    bool present = false;
    for (size_t k = 0; k < have_count && !present; k++) present = !strcmp(have[k], fld->name);
    if (!present) {
      ics_buf_printf(&sql, "ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s", table, fld->name,
                     column_type(fld->type));
      rc = exec_buf(m, &sql);
    }
    if (!rc && fld->type == ICS_SELECT_MULTIPLE) {
      ics_central_child_table_sql(&sql, f->id, fld->name);
      rc = exec_buf(m, &sql);
    }
  }
  for (size_t k = 0; k < have_count; k++) ics_free(have[k]);
  ics_free(have);
  if (rc) return -1;

  /* the statements that write this version's rows */
  ics_buf cols = {0}, vals = {0};
  int n = 11;
  ics_buf_puts(&cols, "instance_id, revision, round, surveyor, site, created_at, updated_at,"
                      " form_version, form_hash, natural_key, store_id");
  ics_buf_puts(&vals, "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11");
  for (size_t i = 0; i < f->field_count; i++) {
    if (!stores_value(&f->fields[i])) continue;
    ics_buf_printf(&cols, ", \"%s\"", f->fields[i].name);
    ics_buf_printf(&vals, ", ?%d", ++n);
  }
  ics_buf_printf(&sql, "INSERT OR REPLACE INTO \"%s\"(%s) VALUES (%s)", table,
                 cols.data ? cols.data : "", vals.data ? vals.data : "");
  mf->upsert = prepare(m, sql.failed || cols.failed || vals.failed ? NULL : sql.data);
  ics_buf_free(&sql);
  ics_buf_free(&cols);
  ics_buf_free(&vals);
  ics_buf_printf(&sql, "DELETE FROM \"%s\" WHERE instance_id = ?1 AND store_id = ?2", table);
  mf->remove = prepare(m, sql.failed ? NULL : sql.data);
  ics_buf_free(&sql);
  mf->child_del = ics_calloc(f->field_count, sizeof *mf->child_del);
  mf->child_ins = ics_calloc(f->field_count * CHILD_ROWS, sizeof *mf->child_ins);
  if (!mf->child_del || !mf->child_ins) no_memory(m);
  if (!mf->upsert || !mf->remove || !mf->child_del || !mf->child_ins) return -1;
  for (size_t i = 0; i < f->field_count; i++) {
    if (f->fields[i].type != ICS_SELECT_MULTIPLE) continue;
    ics_central_child_table(child, sizeof child, f->id, f->fields[i].name);
    ics_buf_printf(&sql, "DELETE FROM \"%s\" WHERE instance_id = ?1 AND store_id = ?2", child);
    mf->child_del[i] = prepare(m, sql.failed ? NULL : sql.data);
    ics_buf_free(&sql);
    if (!mf->child_del[i]) return -1;
  }
  return 0;
}

static void free_forms(merge *m) {
  for (size_t i = 0; i < m->form_count; i++) {
    merge_form *mf = &m->forms[i];
    sqlite3_finalize(mf->upsert);
    sqlite3_finalize(mf->remove);
    for (size_t k = 0; mf->form && k < mf->form->field_count; k++) {
      if (mf->child_del) sqlite3_finalize(mf->child_del[k]);
      for (size_t rows = 0; mf->child_ins && rows < CHILD_ROWS; rows++)
        sqlite3_finalize(mf->child_ins[k * CHILD_ROWS + rows]);
    }
    ics_free(mf->child_del);
    ics_free(mf->child_ins);
    ics_form_free(mf->form);
  }
  ics_free(m->forms);
}

/* ---- the definitions: the office's, never the bundle's ----------------------------------------- */
/* The published definition of a form the bundle names, or why there is none. */
static ics_form *published_form(merge *m, const ics_bundle_form *bf) {
  sqlite3_stmt *st = prepare(m, "SELECT definition, form_id, version FROM published_forms WHERE hash = ?1");
  if (!st) return NULL;
  sqlite3_bind_text(st, 1, bf->hash, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  ics_form *form = NULL;
  if (step == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(st, 1);
    const char *version = (const char *)sqlite3_column_text(st, 2);
    char name[ICS_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s.yaml", bf->id);
    ics_errors diags = {0};
    const char *text = (const char *)sqlite3_column_text(st, 0);
    if (!id || !version || !text) { /* NOT NULL columns: SQLite had no memory */
      no_memory(m);
    } else if (strcmp(id, bf->id) || strcmp(version, bf->version)) {
      /* the hash covers the id and version: only a forged manifest names them otherwise */
      fail(m, AG_FORGED_FORM, bf->id, bf->version, id, version);
    } else if (!(form = ics_form_parse(name, text, (size_t)sqlite3_column_bytes(st, 0), m->c->lang, &diags)) &&
               ics_errors_no_memory(&diags, 0)) {
      no_memory(m);
    } else if (!form) {
      ours(m); /* the database's problem, not the bundle's */
      fail(m, AG_PUBLISHED_FORM_UNREADABLE, bf->id, bf->version);
    }
    ics_errors_free(&diags);
  } else if (step == SQLITE_DONE) {
    sqlite3_stmt *other = prepare(m, "SELECT 1 FROM published_forms WHERE form_id = ?1 AND version = ?2");
    int same_version = SQLITE_ERROR;
    if (other) {
      sqlite3_bind_text(other, 1, bf->id, -1, SQLITE_STATIC);
      sqlite3_bind_text(other, 2, bf->version, -1, SQLITE_STATIC);
      same_version = sqlite3_step(other);
      sqlite3_finalize(other);
    }
    if (same_version == SQLITE_ROW) fail(m, AG_FORM_CHANGED, bf->id, bf->version);
    else if (same_version == SQLITE_DONE) fail(m, AG_VERSION_NEVER_PUBLISHED, bf->id, bf->version);
    else db_fail(m); /* after a failed prepare: the error it set stays */
  } else {
    db_fail(m);
  }
  sqlite3_finalize(st);
  return form;
}

static int load_definitions(merge *m) {
  const ics_bundle_manifest *man = m->manifest;
  m->forms = ics_calloc(man->form_count ? man->form_count : 1, sizeof *m->forms);
  if (!m->forms) return no_memory(m);
  /* a form without records in this bundle says nothing: its records are what counts */
  for (size_t i = 0; i < man->form_count; i++) {
    if (!man->forms[i].records) continue;
    ics_form *form = published_form(m, &man->forms[i]);
    if (!form) return -1;
    if (defer_key_index(m, &man->forms[i])) {
      ics_form_free(form);
      return -1;
    }
    m->forms[m->form_count++].form = form;
    if (ensure_tables(m, &m->forms[m->form_count - 1])) return -1;
  }
  /* choices from the register are checked against the office's latest one */
  sqlite3_stmt *st = prepare(m, "SELECT text FROM published WHERE what = 'register'");
  if (!st) return -1;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) {
    ics_errors diags = {0};
    const char *text = (const char *)sqlite3_column_text(st, 0); /* NULL: no memory (never read a file) */
    m->reg = text ? ics_register_parse("units.yaml", text, (size_t)sqlite3_column_bytes(st, 0), m->c->lang, &diags)
                  : NULL;
    if (!text || (!m->reg && ics_errors_no_memory(&diags, 0))) {
      no_memory(m);
    } else if (!m->reg) {
      ours(m);
      fail(m, AG_REGISTER_UNREADABLE);
    }
    ics_errors_free(&diags);
  } else if (step == SQLITE_DONE) {
    ours(m); /* not the bundle's fault: the office has to publish first */
    fail(m, AG_NO_REGISTER);
  } else {
    db_fail(m);
  }
  sqlite3_finalize(st);
  return m->err.code != ICS_OK ? -1 : 0;
}

/* ---- records ------------------------------------------------------------------------------ */
static merge_form *form_of(merge *m, const char *id) {
  for (size_t i = 0; i < m->form_count; i++)
    if (!strcmp(m->forms[i].form->id, id)) return &m->forms[i];
  return NULL;
}

/* The record's answers as stored (name=value lines in form order) and their hash, which
 * decides whether two copies of one revision are the same. */
static char *encode(const ics_record *rec, const char *status, char hash[65]) {
  ics_buf b = {0};
  for (size_t i = 0; i < rec->form->field_count; i++) {
    if (!rec->values[i]) continue;
    ics_buf_printf(&b, "%s=", rec->form->fields[i].name);
    ics_escape_append(&b, rec->values[i], strlen(rec->values[i]));
    ics_buf_putc(&b, '\n');
  }
  char *text = ics_buf_take(&b);
  if (!text) return NULL;
  crypto_hash_sha256_state state;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, (const unsigned char *)status, strlen(status) + 1);
  crypto_hash_sha256_update(&state, (const unsigned char *)text, strlen(text));
  crypto_hash_sha256_final(&state, digest);
  sodium_bin2hex(hash, 65, digest, sizeof digest);
  return text;
}

/* The statement that writes `rows` codes of select_multiple field `field` (?1 the instance id,
 * ?2 the store id, then the codes), prepared the first time it is needed. */
static sqlite3_stmt *child_insert(merge *m, merge_form *mf, size_t field, int rows) {
  sqlite3_stmt **st = &mf->child_ins[field * CHILD_ROWS + (size_t)rows - 1];
  if (*st) return *st;
  char child[ICS_CENTRAL_NAME_MAX];
  ics_central_child_table(child, sizeof child, mf->form->id, mf->form->fields[field].name);
  ics_buf sql = {0};
  ics_buf_printf(&sql, "INSERT OR IGNORE INTO \"%s\"(instance_id, store_id, code) VALUES ", child);
  for (int k = 0; k < rows; k++) ics_buf_printf(&sql, "%s(?1, ?2, ?%d)", k ? ", " : "", k + 3);
  *st = prepare(m, sql.failed ? NULL : sql.data);
  ics_buf_free(&sql);
  return *st;
}

/* Writes the current row; `existed`: the instance had rows before (its child rows go). */
static int write_current(merge *m, merge_form *mf, const ics_bundle_record *r, const ics_record *rec,
                         bool existed) {
  const ics_form *f = mf->form;
  sqlite3_stmt *st = mf->upsert;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, r->revision);
  sqlite3_bind_int(st, 3, r->round);
  sqlite3_bind_text(st, 4, r->surveyor, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, r->site, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, r->created_at, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, r->updated_at, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, f->version, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, f->hash, -1, SQLITE_STATIC);
  if (f->key >= 0 && rec->values[f->key]) sqlite3_bind_text(st, 10, rec->values[f->key], -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 11, m->manifest->store_id, -1, SQLITE_STATIC);
  int n = 11;
  for (size_t i = 0; i < f->field_count; i++) {
    const ics_field *fld = &f->fields[i];
    if (!stores_value(fld)) continue;
    n++;
    const char *v = rec->values[i];
    if (!v) continue;
    if (fld->type == ICS_INTEGER || fld->type == ICS_BOOLEAN)
      sqlite3_bind_int64(st, n, strtoll(v, NULL, 10));
    else if (fld->type == ICS_DECIMAL)
      sqlite3_bind_double(st, n, strtod(v, NULL));
    else
      sqlite3_bind_text(st, n, v, -1, SQLITE_STATIC);
  }
  if (sqlite3_step(st) != SQLITE_DONE) return db_fail(m);
  for (size_t i = 0; i < f->field_count; i++) {
    if (f->fields[i].type != ICS_SELECT_MULTIPLE) continue;
    sqlite3_stmt *del = mf->child_del[i];
    if (existed) {
      sqlite3_reset(del);
      sqlite3_bind_text(del, 1, r->instance_id, -1, SQLITE_STATIC);
      sqlite3_bind_text(del, 2, m->manifest->store_id, -1, SQLITE_STATIC);
      if (sqlite3_step(del) != SQLITE_DONE) return db_fail(m);
    }
    /* the codes, CHILD_ROWS at a time */
    const char *code[CHILD_ROWS];
    int len[CHILD_ROWS], rows = 0;
    for (const char *p = rec->values[i]; p && *p;) {
      const char *end = strchr(p, ' ');
      code[rows] = p;
      len[rows++] = end ? (int)(end - p) : (int)strlen(p);
      p = end ? end + 1 : p + len[rows - 1];
      if (rows < CHILD_ROWS && *p) continue;
      sqlite3_stmt *ins = child_insert(m, mf, i, rows);
      if (!ins) return -1;
      sqlite3_reset(ins);
      sqlite3_bind_text(ins, 1, r->instance_id, -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 2, m->manifest->store_id, -1, SQLITE_STATIC);
      for (int k = 0; k < rows; k++) sqlite3_bind_text(ins, k + 3, code[k], len[k], SQLITE_STATIC);
      if (sqlite3_step(ins) != SQLITE_DONE) return db_fail(m);
      rows = 0;
    }
  }
  return 0;
}

static int remove_current(merge *m, const char *form_id, const char *instance_id) {
  merge_form *mf = form_of(m, form_id);
  if (!mf) return 0; /* a form this bundle does not carry: its table is untouched */
  sqlite3_reset(mf->remove);
  sqlite3_bind_text(mf->remove, 1, instance_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(mf->remove, 2, m->manifest->store_id, -1, SQLITE_STATIC);
  if (sqlite3_step(mf->remove) != SQLITE_DONE) return db_fail(m);
  for (size_t i = 0; i < mf->form->field_count; i++) {
    if (!mf->child_del[i]) continue;
    sqlite3_reset(mf->child_del[i]);
    sqlite3_bind_text(mf->child_del[i], 1, instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(mf->child_del[i], 2, m->manifest->store_id, -1, SQLITE_STATIC);
    if (sqlite3_step(mf->child_del[i]) != SQLITE_DONE) return db_fail(m);
  }
  return 0;
}

static int flag(merge *m, const ics_bundle_record *r, const char *kind, const char *detail) {
  sqlite3_stmt *st = m->put_flag;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, r->revision);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, m->manifest->store_id, -1, SQLITE_STATIC);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(m);
}

static bool valid_timestamp(const char *s) {
  if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z')
    return false;
  for (int i = 0; i < 19; i++)
    if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

/* ---- one record: checked on the reading thread, then applied on the writing thread ---------- */
/* A record of the bundle read, validated against its published form and encoded. */
typedef struct {
  ics_bundle_record r; /* its texts kept in `texts` (the reader's are gone at the next record);
                          no values: they are in rec */
  ics_buf texts;       /* reused from record to record */
  merge_form *mf;
  ics_record *rec;
  char *answers;       /* as stored (encode) */
  char hash[65];
  uint64_t number;     /* its place in the bundle, from 1 */
} checked;

static void checked_clear(checked *k) {
  ics_record_free(k->rec);
  ics_free(k->answers);
  k->rec = NULL;
  k->answers = NULL;
}

/* Copies what the database needs of r (its texts) into k. */
static int keep_record(merge *m, checked *k, const ics_bundle_record *r) {
  const char *texts[] = {r->instance_id, r->form_id, r->status, r->created_at, r->updated_at,
                         r->surveyor, r->site};
  enum { TEXTS = sizeof texts / sizeof *texts };
  size_t at[TEXTS];
  k->texts.len = 0;
  for (size_t i = 0; i < TEXTS; i++) {
    at[i] = k->texts.len;
    ics_buf_append(&k->texts, texts[i], strlen(texts[i]) + 1);
  }
  if (k->texts.failed) return no_memory(m);
  k->r = *r;
  k->r.values = NULL;
  k->r.value_count = 0;
  const char **kept[TEXTS] = {&k->r.instance_id, &k->r.form_id, &k->r.status, &k->r.created_at,
                              &k->r.updated_at, &k->r.surveyor, &k->r.site};
  for (size_t i = 0; i < TEXTS; i++) *kept[i] = k->texts.data + at[i];
  return 0;
}

/* Validates record number `number` against its published form and encodes it into k. Touches
 * neither the database nor anything the writing thread changes: m is the reading thread's. */
static int check_record(merge *m, const ics_bundle_record *r, uint64_t number, checked *out) {
  merge_form *mf = form_of(m, r->form_id);
  if (!mf) return fail(m, AG_RECORD_FORM_ABSENT, (unsigned long long)number, r->form_id);
  const ics_form *f = mf->form;
  if (!valid_timestamp(r->created_at) || !valid_timestamp(r->updated_at))
    return fail(m, AG_RECORD_TIMESTAMP, (unsigned long long)number);
  ics_record *rec = ics_record_new(f);
  if (!rec) return no_memory(m);
  ics_lang lang = m->c->lang;
  int rc = 0;
  for (size_t k = 0; !rc && k < r->value_count; k++) {
    int field = ics_form_field_index(f, r->values[k].name);
    if (field < 0 || !stores_value(&f->fields[field])) {
      rc = fail(m, AG_RECORD_NO_FIELD, (unsigned long long)number, r->instance_id, r->values[k].name);
      break;
    }
    ics_error why = {0};
    ics_code st = ics_record_set(rec, field, r->values[k].value, m->reg, lang, &why);
    if (st == ICS_E_NO_MEMORY || why.code == ICS_E_NO_MEMORY) {
      rc = no_memory(m);
    } else if (st != ICS_OK) {
      /* the general advice, then the precise problem when there is one */
      const char *advice = ics_status_message(st, lang);
      bool precise = why.message && strcmp(why.message, advice);
      rc = fail_as(m, st, AG_RECORD_VALUE, (unsigned long long)number, r->instance_id, r->values[k].name,
                   advice, precise ? " " : "", precise ? why.message : "");
    }
    ics_error_clear(&why);
  }
  bool is_void = !strcmp(r->status, "void");
  if (!rc) {
    /* a finalized record must satisfy its whole form; a void one only needs valid values */
    ics_errors v = {0};
    ics_code st = ics_record_check(rec, m->reg, lang, is_void ? ICS_CHECK_PARTIAL : 0, &v);
    if (st == ICS_E_NO_MEMORY)
      rc = no_memory(m);
    else if (st != ICS_OK && v.count && !is_void)
      rc = fail_as(m, v.items[0].code, AG_RECORD_CHECK, (unsigned long long)number, r->instance_id,
                   v.items[0].field, v.items[0].message);
    ics_errors_free(&v);
  }
  char *answers = rc ? NULL : encode(rec, r->status, out->hash);
  if (!rc && !answers) rc = no_memory(m);
  if (!rc) rc = keep_record(m, out, r);
  if (rc) {
    ics_free(answers);
    ics_record_free(rec);
    return -1;
  }
  out->mf = mf;
  out->rec = rec;
  out->answers = answers;
  out->number = number;
  return 0;
}

/* Applies a checked record to the database by the rules of docs/central-db.md. */
static int apply_record(merge *m, checked *k, ics_merge_stats *stats) {
  const ics_bundle_record *r = &k->r;
  merge_form *mf = k->mf;
  const ics_form *f = mf->form;
  const ics_record *rec = k->rec;
  const char *answers = k->answers, *hash = k->hash;
  uint64_t number = k->number;
  bool is_void = !strcmp(r->status, "void");
  const char *key = f->key >= 0 ? rec->values[f->key] : NULL;
  int rc = 0;

  /* the instance's current revision (0: never seen), then the same revision seen before? */
  int current = 0;
  if (!m->new_store) {
    sqlite3_stmt *st = m->get_instance;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->manifest->store_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) current = sqlite3_column_int(st, 0);
    else if (step != SQLITE_DONE) rc = db_fail(m);
    sqlite3_reset(st);
  }
  int known = 0; /* 0 new, 1 same content, 2 conflict */
  char kept_hash[65] = "", kept_bundle[64] = "";
  if (!rc && current > 0) { /* a new instance cannot have this revision yet */
    sqlite3_stmt *st = m->get_revision;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->revision);
    sqlite3_bind_text(st, 3, m->manifest->store_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    const char *kh = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    const char *kb = kh ? (const char *)sqlite3_column_text(st, 1) : NULL;
    const char *kf = kb ? (const char *)sqlite3_column_text(st, 2) : NULL;
    if (step == SQLITE_ROW && !kf) {
      rc = no_memory(m); /* the columns are NOT NULL: SQLite had no memory for them */
    } else if (step == SQLITE_ROW) {
      snprintf(kept_hash, sizeof kept_hash, "%s", kh);
      snprintf(kept_bundle, sizeof kept_bundle, "%s", kb);
      known = strcmp(kept_hash, hash) ? 2 : 1;
      if (strcmp(kf, r->form_id))
        rc = fail(m, AG_RECORD_OTHER_FORM, (unsigned long long)number, r->instance_id);
    } else if (step != SQLITE_DONE) {
      rc = db_fail(m);
    }
    sqlite3_reset(st);
  }
  bool write_revision = false, replaces = false;
  if (!rc && known == 1) {
    stats->records_unchanged++;
    /* the smallest bundle id is kept, so the result does not depend on arrival order */
    if (strcmp(m->manifest->bundle_id, kept_bundle) < 0) write_revision = replaces = true;
  } else if (!rc && known == 2) {
    stats->records_conflicting++;
    bool new_wins = strcmp(hash, kept_hash) < 0;
    sqlite3_stmt *st = m->put_conflict;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->revision);
    sqlite3_bind_text(st, 3, new_wins ? hash : kept_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, new_wins ? kept_hash : hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, new_wins ? m->manifest->bundle_id : kept_bundle, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, new_wins ? kept_bundle : m->manifest->bundle_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, m->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, m->manifest->store_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(m);
    write_revision = replaces = new_wins;
  } else if (!rc) {
    write_revision = true;
  }
  if (!rc && write_revision) {
    sqlite3_stmt *st = replaces ? m->replace_revision : m->put_revision;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->revision);
    sqlite3_bind_text(st, 3, r->form_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, r->round);
    sqlite3_bind_text(st, 7, r->surveyor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->updated_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, answers, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, m->manifest->bundle_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, m->manifest->store_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(m);
  }
  /* is it now the current revision of its instance? */
  if (!rc && (known == 0 || (known == 2 && replaces)) && r->revision >= current) {
    if (known == 0) {
      if (is_void) stats->records_voided++;
      else if (current == 0) stats->records_new++;
      else stats->records_updated++;
    }
    sqlite3_stmt *st = m->put_instance;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->form_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, r->revision);
    sqlite3_bind_text(st, 4, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, m->manifest->store_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(m);
    if (!rc) rc = is_void ? remove_current(m, r->form_id, r->instance_id)
                          : write_current(m, mf, r, rec, current > 0);
  } else if (!rc && known == 0) {
    stats->records_unchanged++; /* an older revision: kept in the history only */
  }
  /* timestamps worth a second look */
  if (!rc && known == 0) {
    char detail[96];
    if (strcmp(r->updated_at, m->future_limit) > 0) {
      snprintf(detail, sizeof detail, "updated_at %s", r->updated_at);
      rc = flag(m, r, "future_timestamp", detail);
    }
    if (!rc && atoi(r->created_at) < r->round) {
      snprintf(detail, sizeof detail, "created_at %s, round %d", r->created_at, r->round);
      rc = flag(m, r, "before_round", detail);
    }
  }
  return rc;
}

/* Whether the store has no record in the database yet (merge.new_store). */
static int store_is_new(merge *m) {
  sqlite3_stmt *st = prepare(m, "SELECT 1 FROM instances WHERE store_id = ?1 LIMIT 1");
  if (!st) return -1;
  sqlite3_bind_text(st, 1, m->manifest->store_id, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return db_fail(m);
  m->new_store = step == SQLITE_DONE;
  return 0;
}

/* ---- reading ahead on a second thread -----------------------------------------------------
 * Reading a bundle (inflating, decrypting, hashing, parsing) and validating its records takes
 * about as long as writing them: a large bundle is read and checked on a second thread, at
 * most QUEUE records ahead, while this one writes; records are applied in their order, so
 * the first problem in the bundle's order is the one said, as without the thread. */
enum {
  QUEUE = 256,         /* records checked ahead: memory stays bounded */
  READ_AHEAD_FROM = 2000 /* a smaller bundle is read on this thread (no thread to start) */
};

typedef struct {
  merge *m;            /* the writer's */
  merge reader;        /* the reading thread's own: its problem, the forms and register shared
                          read-only */
  ics_bundle_reader *bundle;
  uint64_t number;     /* records read */
  ics_thread *thread;  /* NULL: everything on this thread */
  ics_lock *lock;      /* guards head, tail, done and stop */
  size_t head, tail;   /* the next slot the writer takes / the reader fills, counted from 0 */
  bool done;           /* the reader stopped: at the end, or at its problem */
  bool stop;           /* the writer stopped: so must the reader */
  checked slots[QUEUE];
} pipeline;

/* Reads and checks the next record into k: 1, 0 at the verified end, -1 with m's problem. */
static int read_next(merge *m, ics_bundle_reader *bundle, uint64_t *number, checked *k) {
  ics_bundle_record r;
  bool more = false;
  ics_error read_err = {0};
  if (ics_bundle_next(bundle, &r, &more, &read_err)) return bundle_fail(m, &read_err); /* damage, or no memory */
  if (!more) return 0;
  ++*number;
  return check_record(m, &r, *number, k) ? -1 : 1;
}

static void read_ahead(void *arg) {
  pipeline *p = arg;
  for (;;) {
    ics_lock_take(p->lock);
    while (p->tail - p->head == QUEUE && !p->stop) ics_lock_wait(p->lock);
    bool stop = p->stop;
    ics_lock_give(p->lock);
    /* the slot at tail is the reader's alone until tail moves past it */
    int got = stop ? 0 : read_next(&p->reader, p->bundle, &p->number, &p->slots[p->tail % QUEUE]);
    ics_lock_take(p->lock);
    if (got == 1) p->tail++;
    else p->done = true;
    ics_lock_wake(p->lock);
    ics_lock_give(p->lock);
    if (got != 1) return;
  }
}

static void pipeline_start(pipeline *p, merge *m, ics_bundle_reader *bundle) {
  p->m = m;
  p->reader = *m;
  p->reader.err = (ics_error){0};
  p->reader.ours = false;
  p->bundle = bundle;
  /* no thread or lock to be had: the same work, on this thread */
  if (m->manifest->record_count >= READ_AHEAD_FROM && (p->lock = ics_lock_new()) &&
      ics_thread_start(&p->thread, read_ahead, p)) {
    ics_lock_free(p->lock);
    p->lock = NULL;
  }
}

/* The next checked record: 1 with *k, 0 at the verified end, -1 with the problem in m. */
static int pipeline_take(pipeline *p, checked **k) {
  if (!p->thread) {
    *k = &p->slots[0];
    return read_next(p->m, p->bundle, &p->number, *k);
  }
  ics_lock_take(p->lock);
  while (p->head == p->tail && !p->done) ics_lock_wait(p->lock);
  bool got = p->head != p->tail;
  ics_lock_give(p->lock);
  if (got) {
    *k = &p->slots[p->head % QUEUE];
    return 1;
  }
  if (p->reader.err.code == ICS_OK) return 0;
  /* the writer has had no problem: the reader's is the first */
  ics_error_move(&p->m->err, &p->reader.err);
  p->m->ours = p->reader.ours;
  return -1;
}

/* The writer is done with the record pipeline_take gave. */
static void pipeline_release(pipeline *p, checked *k) {
  checked_clear(k);
  if (!p->thread) return;
  ics_lock_take(p->lock);
  p->head++;
  ics_lock_wake(p->lock);
  ics_lock_give(p->lock);
}

/* Stops the reader (wherever it is) and frees everything; p->number: the records read. */
static void pipeline_end(pipeline *p) {
  if (p->thread) {
    ics_lock_take(p->lock);
    p->stop = true;
    ics_lock_wake(p->lock);
    ics_lock_give(p->lock);
    ics_thread_join(p->thread);
    ics_lock_free(p->lock);
  }
  for (size_t i = 0; i < QUEUE; i++) {
    checked_clear(&p->slots[i]);
    ics_buf_free(&p->slots[i].texts);
  }
  ics_error_clear(&p->reader.err);
}

/* ---- the bundle as a whole ------------------------------------------------------------------ */
static ics_code file_sha256(const char *path, char hex[65]) {
  FILE *f;
  ics_code status = ics_open_regular(path, &f);
  if (status != ICS_OK) return status;
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_hash_sha256_update(&state, buf, n);
  bool bad = ferror(f);
  int err = errno;
  fclose(f);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  sodium_bin2hex(hex, 65, digest, sizeof digest);
  errno = err;
  return bad ? ICS_E_IO : ICS_OK;
}

/* The name a refused bundle is kept under: its own, shortened when long, so that with an "N-"
 * prefix and a temporary suffix it stays well inside the 255 bytes file systems allow (the
 * full name is recorded in the table rejected). */
enum { QUARANTINE_NAME_MAX = 160 };

static void quarantine_name(ics_buf *b, const char *base) {
  size_t len = strlen(base);
  if (len <= QUARANTINE_NAME_MAX) {
    ics_buf_puts(b, base);
    return;
  }
  const char *dot = strrchr(base, '.');
  size_t ext = dot && strlen(dot) <= 16 ? strlen(dot) : 0;
  size_t keep = 0; /* whole UTF-8 characters only */
  while (keep < len) {
    size_t k = ics_utf8_char(base + keep, len - keep);
    if (!k) k = 1;
    if (keep + k > QUARANTINE_NAME_MAX - ext - 1) break;
    keep += k;
  }
  ics_buf_append(b, base, keep);
  ics_buf_putc(b, '~');
  ics_buf_append(b, base + len - ext, ext);
}

/* Keeps a copy of a refused bundle in CENTRAL.quarantine/, under a name not yet used. */
static char *quarantine(ics_central *c, const char *path) {
  ics_buf dir = {0};
  ics_buf_printf(&dir, "%s.quarantine", c->path);
  if (dir.failed || ics_make_private_dir(dir.data) != 0) {
    ics_buf_free(&dir);
    return NULL;
  }
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char *target = NULL;
  for (int n = 0; n < 1000 && !target; n++) {
    ics_buf t = {0};
    ics_buf_printf(&t, "%s/", dir.data);
    if (n) ics_buf_printf(&t, "%d-", n);
    quarantine_name(&t, base);
    if (!t.failed && ics_file_sniff(t.data) == ICS_FILE_NONE) target = ics_buf_take(&t);
    else ics_buf_free(&t);
  }
  ics_buf_free(&dir);
  if (!target) return NULL;
  FILE *in = NULL;
  ics_output out;
  bool ok = ics_open_regular(path, &in) == ICS_OK && ics_output_begin(&out, target) == 0;
  bool started = ok;
  unsigned char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = ics_output_write(&out, buf, n) == 0;
  if (ok && ferror(in)) ok = false;
  if (in) fclose(in);
  if (ok && ics_output_commit(&out) != 0) ok = false;
  if (started) ics_output_end(&out);
  if (!ok) {
    ics_free(target);
    return NULL;
  }
  return target;
}

static void record_rejection(ics_central *c, const char *path, const char *sha, const char *reason) {
  char *copy = quarantine(c, path);
  char now[21];
  ics_now_utc(now);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db,
                         "INSERT INTO rejected(file_name, file_sha256, reason, rejected_at, quarantine)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha && *sha ? sha : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, copy, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  ics_free(copy);
}

static void add_days(char out[21], const char *now, int days) {
  /* far enough for a "future" check: compare dates as text, one day of slack for clocks */
  int y = atoi(now), mo = atoi(now + 5), d = atoi(now + 8) + days;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int len = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
  if (d > len) {
    d -= len;
    if (++mo > 12) mo = 1, y++;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%.8sZ", y % 10000, mo, d, now + 11);
  memcpy(out, buf, 20);
  out[20] = '\0';
}

/* What the bundle's seal and signature say, before any record is read: a sealed bundle is
 * opened with the office's key; the database may require sealing; a store known to sign
 * must sign with the key it signed with before. */
static int check_security(merge *m, ics_bundle_reader *reader, bool *adopt_key) {
  ics_central *c = m->c;
  bool sealed = ics_bundle_is_sealed(reader), required;
  *adopt_key = false;
  if (ics_central_requires_sealed(c, &required, &m->err)) {
    m->ours = true; /* the first problem: check_security runs only while there is none */
    return -1;
  }
  if (required && !sealed) return fail(m, AG_REQUIRES_SEALED);
  if (sealed && !c->has_key) return fail(m, AG_SEALED_NO_KEY, ics_bundle_manifest_of(reader)->bundle_id);
  ics_error error = {0};
  if (sealed && ics_bundle_unseal(reader, c->public_key, c->secret_key, &error))
    return bundle_fail(m, &error);
  m->manifest = ics_bundle_manifest_of(reader);

  const char *signer = ics_bundle_signer(reader);
  if (!signer && !c->allow_unsigned) return fail(m, AG_UNSIGNED);
  sqlite3_stmt *st = prepare(m, "SELECT signer FROM store_keys WHERE store_id = ?1");
  if (!st) return -1;
  sqlite3_bind_text(st, 1, m->manifest->store_id, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  char *known = NULL;
  if (step == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 0);
    if (!text || !(known = ics_strdup(text))) step = SQLITE_NOMEM;
  }
  sqlite3_finalize(st);
  if (step == SQLITE_NOMEM) return no_memory(m);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return db_fail(m);
  int rc = 0;
  if (known && !signer)
    rc = fail(m, AG_STORE_UNSIGNED, m->manifest->store_id, known);
  else if (known && strcmp(known, signer) != 0)
    rc = fail(m, AG_SIGNER_CHANGED, m->manifest->store_id, known, signer);
  else if (!known && signer)
    *adopt_key = true; /* the first signed bundle of this store names its key */
  ics_free(known);
  return rc;
}

/* A bundle is written with a rollback journal rather than the write-ahead log: its pages are
 * mostly new ones, which a rollback journal does not copy, where the log writes every page
 * twice (to the log, then into the database at the checkpoint); a large merge takes a fifth
 * less time. Between bundles the database is in WAL mode again, as every other command
 * expects, so a reader that comes during a merge waits (busy timeout) at most for the bundle
 * being merged, then reads every bundle merged so far. SQLite changes the mode only when no
 * other connection has the database open: otherwise the merge simply stays in WAL mode, so a
 * failed change is no error. Commits are durable either way (synchronous=FULL). */
static void journal_for_merge(ics_central *c, bool merging) {
  sqlite3_exec(c->db, merging ? "PRAGMA journal_mode=DELETE" : "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
}

/* The end of a merge that failed: nothing of it stays; a bundle at fault is rejected. */
static int refuse(merge *m, const char *path, const char *sha, ics_merge_stats *stats,
                  ics_merge_outcome *outcome, ics_error *err) {
  /* memory running out is this machine's problem, never the bundle's */
  if (m->ours || m->err.code == ICS_E_NO_MEMORY) {
    *outcome = ICS_NOT_MERGED;
  } else {
    *outcome = ICS_REJECTED;
    stats->bundles_rejected++;
    record_rejection(m->c, path, sha, m->err.message);
  }
  ics_error_move(err, &m->err);
  return -1;
}

int ics_central_merge(ics_central *c, const char *path, ics_merge_stats *stats,
                      ics_merge_progress progress, void *progress_ctx, ics_merge_outcome *outcome,
                      ics_error *err) {
  merge m = {.c = c};
  c->merged_store[0] = '\0';
  ics_now_utc(m.now);
  add_days(m.future_limit, m.now, 1);
  char sha[65] = "";
  ics_code read = file_sha256(path, sha);
  if (read != ICS_OK) {
    int e = read == ICS_E_NO_MEMORY ? ENOMEM : errno;
    if (read == ICS_E_NOT_REGULAR) fail(&m, AG_NOT_REGULAR);
    else fail_as(&m, ics_code_from_errno(e), AG_CANNOT_READ, ics_errno_text(e, m.c->lang));
    if (e == EMFILE || e == ENFILE) ours(&m); /* too many files open here: not the bundle's fault */
    return refuse(&m, path, NULL, stats, outcome, err);
  }
  ics_bundle_limits limits;
  ics_bundle_default_limits(&limits);
  ics_error opened = {0};
  ics_bundle_reader *reader = ics_bundle_open(path, &limits, c->lang, &opened);
  if (!reader) {
    bundle_fail(&m, &opened);
    return refuse(&m, path, sha, stats, outcome, err);
  }
  m.manifest = ics_bundle_manifest_of(reader);
  char store_id[sizeof c->merged_store];
  snprintf(store_id, sizeof store_id, "%s", m.manifest->store_id);

  /* Waits for another merge (busy timeout) rather than failing at once. */
  journal_for_merge(c, true);
  if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
    db_fail(&m);
    ics_bundle_close(reader);
    int refused = refuse(&m, path, sha, stats, outcome, err);
    journal_for_merge(c, false);
    return refused;
  }
  *outcome = ICS_MERGED;
  /* a bundle is its store's: another store's bundle of the same id is another bundle */
  sqlite3_stmt *seen = prepare(&m, "SELECT file_sha256 FROM bundles WHERE store_id = ?1 AND bundle_id = ?2");
  if (seen) {
    sqlite3_bind_text(seen, 1, m.manifest->store_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(seen, 2, m.manifest->bundle_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(seen);
    const char *known = step == SQLITE_ROW ? (const char *)sqlite3_column_text(seen, 0) : NULL;
    if (step == SQLITE_ROW && !known) no_memory(&m);
    else if (known && !strcmp(known, sha)) *outcome = ICS_ALREADY_MERGED;
    else if (step != SQLITE_ROW && step != SQLITE_DONE) db_fail(&m);
    sqlite3_finalize(seen);
  }
  ics_merge_stats local = {0};
  int rc = m.err.code != ICS_OK ? -1 : 0;
  bool adopt_key = false;
  if (!rc && *outcome == ICS_MERGED) rc = check_security(&m, reader, &adopt_key);
  if (!rc && *outcome == ICS_MERGED) {
    /* every statement names the record by its store and its instance id together */
#define REVISION_COLUMNS "(instance_id, revision, form_id, form_version, form_hash, round, surveyor, site," \
  " created_at, updated_at, status, natural_key, answers, content_hash, bundle_id, store_id)" \
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    m.get_revision = prepare(&m, "SELECT content_hash, bundle_id, form_id FROM revisions"
                                 " WHERE instance_id = ?1 AND revision = ?2 AND store_id = ?3");
    m.put_revision = prepare(&m, "INSERT INTO revisions " REVISION_COLUMNS);
    m.replace_revision = prepare(&m, "INSERT OR REPLACE INTO revisions " REVISION_COLUMNS);
#undef REVISION_COLUMNS
    m.get_instance = prepare(&m, "SELECT revision FROM instances WHERE instance_id = ?1 AND store_id = ?2");
    m.put_instance = prepare(&m, "INSERT OR REPLACE INTO instances(instance_id, form_id, revision, status,"
                                 " store_id) VALUES (?1, ?2, ?3, ?4, ?5)");
    m.put_conflict = prepare(&m, "INSERT OR IGNORE INTO conflicts(instance_id, revision, kept_hash, other_hash,"
                                 " kept_bundle, other_bundle, detected_at, store_id)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    m.put_flag = prepare(&m, "INSERT OR IGNORE INTO flags(instance_id, revision, kind, detail, store_id)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)");
    rc = m.err.code != ICS_OK ? -1 : load_definitions(&m);
    if (!rc) rc = store_is_new(&m);
    pipeline *pipe = NULL;
    if (!rc) {
      pipe = ics_calloc(1, sizeof *pipe);
      if (pipe) pipeline_start(pipe, &m, reader);
      else rc = no_memory(&m);
    }
    uint64_t number = 0;
    checked *k;
    int got;
    while (!rc && (got = pipeline_take(pipe, &k)) != 0) {
      if (got < 0) {
        rc = -1;
        break;
      }
      number = k->number;
      rc = apply_record(&m, k, &local);
      pipeline_release(pipe, k);
      /* SQLite rolls a transaction back by itself after some errors (no memory, disk full):
       * never go on writing outside it */
      if (!rc && sqlite3_get_autocommit(c->db)) rc = transaction_lost(&m);
      if (progress && number % 10000 == 0) {
        ics_merge_stats now = *stats;
        now.records_read += number;
        progress(progress_ctx, &now);
      }
    }
    if (pipe) {
      pipeline_end(pipe);
      ics_free(pipe);
    }
    local.records_read = number;
    if (!rc) {
      sqlite3_stmt *st = prepare(&m, "INSERT OR REPLACE INTO bundles(bundle_id, file_sha256,"
                                     " store_id, surveyor, site, round, created, merged_at, file_name,"
                                     " records, signer, sealed)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
      if (st) {
        sqlite3_bind_text(st, 1, m.manifest->bundle_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m.manifest->store_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, m.manifest->surveyor, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, m.manifest->site, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, m.manifest->round);
        sqlite3_bind_text(st, 7, m.manifest->created, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, m.now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)number);
        sqlite3_bind_text(st, 11, ics_bundle_signer(reader), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 12, ics_bundle_is_sealed(reader));
        if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(&m);
        sqlite3_finalize(st);
      } else {
        rc = -1;
      }
    }
    if (!rc && adopt_key) {
      sqlite3_stmt *st = prepare(&m, "INSERT INTO store_keys VALUES (?1, ?2)");
      if (st) {
        sqlite3_bind_text(st, 1, m.manifest->store_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ics_bundle_signer(reader), -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(&m);
        sqlite3_finalize(st);
      } else {
        rc = -1;
      }
    }
  }
  sqlite3_stmt *stmts[] = {m.get_revision, m.put_revision, m.replace_revision, m.get_instance,
                           m.put_instance, m.put_conflict, m.put_flag};
  for (size_t i = 0; i < sizeof stmts / sizeof *stmts; i++) sqlite3_finalize(stmts[i]);
  free_forms(&m);
  ics_register_free(m.reg);
  ics_bundle_close(reader);
  if (!rc && sqlite3_get_autocommit(c->db)) rc = transaction_lost(&m);
  if (!rc && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = db_fail(&m);
  if (rc) {
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    int refused = refuse(&m, path, sha, stats, outcome, err);
    journal_for_merge(c, false);
    return refused;
  }
  journal_for_merge(c, false);
  memcpy(c->merged_store, store_id, sizeof store_id);
  if (*outcome == ICS_ALREADY_MERGED) {
    stats->bundles_skipped++;
  } else {
    stats->bundles_merged++;
    stats->records_new += local.records_new;
    stats->records_updated += local.records_updated;
    stats->records_unchanged += local.records_unchanged;
    stats->records_voided += local.records_voided;
    stats->records_conflicting += local.records_conflicting;
    stats->records_read += local.records_read;
  }
  return 0;
}
