/* field.c - what the office sends back to the field: what it holds of a store (the content of
 * the store's receipt), and a store's current records of a round (what a pre-filled kit
 * carries into the next one). Read in one read transaction each, so that what is listed is
 * one state of the database. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator.h"
#include "central_private.h"

const char *ics_central_merged_store(const ics_central *c) { return c->merged_store; }

void ics_holdings_free(ics_holdings *h) {
  for (size_t i = 0; i < h->bundle_count; i++) ics_free(h->bundles[i]);
  for (size_t i = 0; i < h->record_count; i++) ics_free(h->records[i].instance_id);
  ics_free(h->bundles);
  ics_free(h->records);
  memset(h, 0, sizeof *h);
}

/* Appends a copy of text to *items (a growing array of n of cap). */
static bool push_text(char ***items, size_t *n, size_t *cap, const char *text) {
  if (*n == *cap) {
    size_t grown = *cap ? 2 * *cap : 64;
    char **p = ics_realloc(*items, grown * sizeof *p);
    if (!p) return false;
    *items = p;
    *cap = grown;
  }
  char *copy = text ? ics_strdup(text) : NULL;
  if (!copy) return false;
  (*items)[(*n)++] = copy;
  return true;
}

int ics_central_holdings(ics_central *c, const char *store_id, ics_holdings *h, ics_error *err) {
  memset(h, 0, sizeof *h);
  if (ics_central_exec(c, "BEGIN", err)) return -1;
  sqlite3_stmt *st = NULL;
  int rc = 0, step = SQLITE_DONE;
  size_t bundle_cap = 0, record_cap = 0;
  if (sqlite3_prepare_v2(c->db, "SELECT bundle_id FROM bundles WHERE store_id = ?1 ORDER BY bundle_id",
                         -1, &st, NULL) != SQLITE_OK)
    rc = ics_central_sql_error(c, err);
  else
    sqlite3_bind_text(st, 1, store_id, -1, SQLITE_STATIC);
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
    if (!push_text(&h->bundles, &h->bundle_count, &bundle_cap, (const char *)sqlite3_column_text(st, 0)))
      rc = ics_central_no_memory(c, err);
  if (!rc && step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  st = NULL;
  /* every record of the store the office has, with the newest revision it has (the current
   * one, void or not, and never a revision it lacks) */
  if (!rc && sqlite3_prepare_v2(c->db, "SELECT instance_id, revision FROM instances WHERE store_id = ?1"
                                       " ORDER BY instance_id", -1, &st, NULL) != SQLITE_OK)
    rc = ics_central_sql_error(c, err);
  else if (!rc)
    sqlite3_bind_text(st, 1, store_id, -1, SQLITE_STATIC);
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (h->record_count == record_cap) {
      size_t grown = record_cap ? 2 * record_cap : 256;
      ics_holding *p = ics_realloc(h->records, grown * sizeof *p);
      if (!p) {
        rc = ics_central_no_memory(c, err);
        break;
      }
      h->records = p;
      record_cap = grown;
    }
    const char *id = (const char *)sqlite3_column_text(st, 0);
    char *copy = id ? ics_strdup(id) : NULL;
    if (!copy) {
      rc = ics_central_no_memory(c, err);
      break;
    }
    h->records[h->record_count++] = (ics_holding){copy, sqlite3_column_int(st, 1)};
  }
  if (!rc && step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL); /* a read transaction: nothing to keep */
  if (rc) ics_holdings_free(h);
  return rc;
}

int ics_central_store_signer(ics_central *c, const char *store_id, char signer[65], bool *found,
                             ics_error *err) {
  *found = false;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT signer FROM store_keys WHERE store_id = ?1", -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_text(st, 1, store_id, -1, SQLITE_STATIC);
  int step = sqlite3_step(st), rc = 0;
  const char *hex = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (hex && strlen(hex) == 64) {
    memcpy(signer, hex, 65);
    *found = true;
  } else if (step == SQLITE_ROW && !hex) {
    rc = ics_central_no_memory(c, err);
  } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
    rc = ics_central_sql_error(c, err);
  }
  sqlite3_finalize(st);
  return rc;
}

int ics_central_current_records(ics_central *c, const char *store_id, int round,
                                ics_central_record_visitor visit, void *ctx, ics_error *err) {
  /* the current revision of each record that is not void, of a form the office published */
  static const char sql[] =
      "SELECT r.instance_id, r.form_id, r.answers FROM instances i JOIN revisions r"
      " ON r.store_id = i.store_id AND r.instance_id = i.instance_id AND r.revision = i.revision"
      " WHERE i.store_id = ?1 AND i.status != 'void' AND r.round = ?2"
      " AND r.form_hash IN (SELECT hash FROM published_forms)"
      " ORDER BY r.form_id, r.instance_id";
  if (ics_central_exec(c, "BEGIN", err)) return -1;
  sqlite3_stmt *st;
  int rc = 0, step = SQLITE_DONE;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
    rc = ics_central_sql_error(c, err);
  } else {
    sqlite3_bind_text(st, 1, store_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, round);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *id = (const char *)sqlite3_column_text(st, 0);
      const char *form = (const char *)sqlite3_column_text(st, 1);
      const char *answers = (const char *)sqlite3_column_text(st, 2);
      if (!id || !form || !answers) rc = ics_central_no_memory(c, err); /* NOT NULL columns */
      else if (visit(ctx, id, form, answers, (size_t)sqlite3_column_bytes(st, 2), err)) rc = -1;
    }
    if (!rc && step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
    sqlite3_finalize(st);
  }
  sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
  return rc;
}
