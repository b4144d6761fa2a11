/* central.c - the central database: its schema, opening it (creating or upgrading it), the
 * library's messages and its one translation of SQLite's errors into the registry's codes.
 * Publishing is in publish.c, merging bundles in merge.c, reading back in status.c and
 * export.c. */
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregator.h"
#include "central_private.h"
/* The tables of a central database (docs/central-db.md). A record is its store's: every table
 * of records is keyed by store id and instance id together. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS bundles(store_id TEXT NOT NULL, bundle_id TEXT NOT NULL,\n"
    "  file_sha256 TEXT NOT NULL, surveyor TEXT NOT NULL, site TEXT NOT NULL,\n"
    "  round INTEGER NOT NULL, created TEXT NOT NULL, merged_at TEXT NOT NULL,\n"
    "  file_name TEXT NOT NULL, records INTEGER NOT NULL, signer TEXT,\n"
    "  sealed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (store_id, bundle_id));\n"
    "CREATE TABLE IF NOT EXISTS published_forms(hash TEXT PRIMARY KEY, form_id TEXT NOT NULL,\n"
    "  version TEXT NOT NULL, definition TEXT NOT NULL, published_at TEXT NOT NULL,\n"
    "  UNIQUE (form_id, version));\n"
    "CREATE TABLE IF NOT EXISTS published(what TEXT PRIMARY KEY, hash TEXT NOT NULL,\n"
    "  text TEXT NOT NULL, published_at TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS kits(sequence INTEGER PRIMARY KEY, kit_id TEXT NOT NULL,\n"
    "  created TEXT NOT NULL, content TEXT NOT NULL, description TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS unit_districts(code TEXT PRIMARY KEY, name_vi TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS unit_agencies(code TEXT PRIMARY KEY, name_vi TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL, type TEXT NOT NULL, district TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS rejected(id INTEGER PRIMARY KEY, file_name TEXT NOT NULL,\n"
    "  file_sha256 TEXT, reason TEXT NOT NULL, rejected_at TEXT NOT NULL, quarantine TEXT);\n"
    "CREATE TABLE IF NOT EXISTS revisions(store_id TEXT NOT NULL, instance_id TEXT NOT NULL,\n"
    "  revision INTEGER NOT NULL, form_id TEXT NOT NULL, form_version TEXT NOT NULL,\n"
    "  form_hash TEXT NOT NULL, round INTEGER NOT NULL, surveyor TEXT NOT NULL,\n"
    "  site TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL, natural_key TEXT, answers TEXT NOT NULL, content_hash TEXT NOT NULL,\n"
    "  bundle_id TEXT NOT NULL, PRIMARY KEY (store_id, instance_id, revision));\n"
    "CREATE TABLE IF NOT EXISTS instances(store_id TEXT NOT NULL, instance_id TEXT NOT NULL,\n"
    "  form_id TEXT NOT NULL, revision INTEGER NOT NULL, status TEXT NOT NULL,\n"
    "  PRIMARY KEY (store_id, instance_id));\n"
    "CREATE TABLE IF NOT EXISTS conflicts(store_id TEXT NOT NULL, instance_id TEXT NOT NULL,\n"
    "  revision INTEGER NOT NULL, kept_hash TEXT NOT NULL, other_hash TEXT NOT NULL,\n"
    "  kept_bundle TEXT NOT NULL, other_bundle TEXT NOT NULL, detected_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (store_id, instance_id, revision, other_hash));\n"
    "CREATE TABLE IF NOT EXISTS store_keys(store_id TEXT PRIMARY KEY, signer TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS flags(store_id TEXT NOT NULL, instance_id TEXT NOT NULL,\n"
    "  revision INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,\n"
    "  PRIMARY KEY (store_id, instance_id, revision, kind));\n"
    "CREATE VIEW IF NOT EXISTS duplicates AS\n"
    "  SELECT r.form_id, r.round, r.natural_key, r.instance_id, r.updated_at, r.store_id\n"
    "  FROM revisions r JOIN instances i ON i.store_id = r.store_id\n"
    "    AND i.instance_id = r.instance_id AND i.revision = r.revision AND i.status != 'void'\n"
    "  WHERE r.form_hash IN (SELECT hash FROM published_forms)\n"
    "    AND (r.form_id, r.round, r.natural_key) IN (\n"
    "    SELECT r2.form_id, r2.round, r2.natural_key FROM revisions r2\n"
    "    JOIN instances i2 ON i2.store_id = r2.store_id AND i2.instance_id = r2.instance_id\n"
    "      AND i2.revision = r2.revision AND i2.status != 'void'\n"
    "    WHERE r2.form_hash IN (SELECT hash FROM published_forms)\n"
    "    GROUP BY 1, 2, 3 HAVING count(*) > 1);\n";

const ics_message ics_aggregator_messages[AG_MESSAGE_COUNT] = {ICS_AGGREGATOR_MESSAGES(ICS_MESSAGE_ENTRY)};

void ics_central_vsay(ics_central *c, ics_error *err, ics_code code, ics_aggregator_message id,
                      va_list ap) {
  ics_error_vsay_as(err, c->lang, code, NULL, 0, 0, &ics_aggregator_messages[id], ap);
}

int ics_central_say(ics_central *c, ics_error *err, ics_aggregator_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_central_vsay(c, err, ICS_OK, id, ap);
  va_end(ap);
  return -1;
}

int ics_central_say_as(ics_central *c, ics_error *err, ics_code code, ics_aggregator_message id, ...) {
  va_list ap;
  va_start(ap, id);
  ics_central_vsay(c, err, code, id, ap);
  va_end(ap);
  return -1;
}

int ics_central_no_memory(ics_central *c, ics_error *err) {
  ics_error_no_memory(err, c->lang);
  return -1;
}

ics_code ics_central_sqlite_code(struct sqlite3 *db) {
  /* a NULL handle: SQLITE_NOMEM */
  return ics_code_from_sqlite(sqlite3_extended_errcode(db), db ? sqlite3_system_errno(db) : 0);
}

int ics_central_sql_error(ics_central *c, ics_error *err) {
  const char *detail = sqlite3_errmsg(c->db);
  switch (ics_central_sqlite_code(c->db)) {
  case ICS_E_NO_MEMORY: return ics_central_no_memory(c, err);
  case ICS_E_DISK_FULL: return ics_central_say(c, err, AG_DISK_FULL);
  case ICS_E_BUSY: return ics_central_say(c, err, AG_BUSY);
  case ICS_E_IO: return ics_central_say(c, err, AG_DISK_IO, detail);
  case ICS_E_DAMAGED: return ics_central_say(c, err, AG_DB_DAMAGED, detail);
  default: return ics_central_say(c, err, AG_DB_ERROR, detail);
  }
}

int ics_central_exec(ics_central *c, const char *sql, ics_error *err) {
  if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK) return ics_central_sql_error(c, err);
  return 0;
}

/* "'PATH' is a surveyor's store, not a central database"; returns -1. */
static int not_central(ics_central *c, ics_file_kind kind, ics_error *err) {
  int e = errno;
  if (kind == ICS_FILE_UNREADABLE)
    return ics_central_say_as(c, err, ics_code_from_errno(e), AG_CANNOT_OPEN, c->path, ics_errno_text(e, c->lang));
  if (kind == ICS_FILE_OTHER) return ics_central_say(c, err, AG_NOT_CENTRAL, c->path);
  return ics_central_say(c, err, AG_OTHER_KIND, c->path, ics_file_kind_name(kind, c->lang));
}

/* A database made before central databases carried their application id, or a new one: it
 * must hold the central tables or no table at all, so that a store, or someone else's SQLite
 * file, is never turned into a central database. Read before anything is written. */
static int check_tables(ics_central *c, ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT count(*), coalesce(sum(name = 'bundles'), 0),"
                                " coalesce(sum(name IN ('meta', 'records')), 0)"
                                " FROM sqlite_master WHERE type = 'table'",
                         -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  int step = sqlite3_step(st);
  int tables = sqlite3_column_int(st, 0), central = sqlite3_column_int(st, 1),
      store = sqlite3_column_int(st, 2);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW) return ics_central_sql_error(c, err);
  if (tables && !central) return not_central(c, store == 2 ? ICS_FILE_STORE : ICS_FILE_DATABASE, err);
  return 0;
}

/* The tables of one form's current records (central_schema.h): one row a record, a column a
 * field, and a child table for each select_multiple field. The names fit: ids come from the
 * form loader or from ics_central_form_of_table. */
void ics_central_form_table_sql(ics_buf *sql, const char *form_id) {
  char table[ICS_CENTRAL_NAME_MAX];
  ics_central_form_table(table, sizeof table, form_id);
  ics_buf_printf(sql,
                 "CREATE TABLE IF NOT EXISTS \"%s\"(store_id TEXT NOT NULL,"
                 " instance_id TEXT NOT NULL, revision INTEGER NOT NULL, round INTEGER NOT NULL,"
                 " surveyor TEXT NOT NULL, site TEXT NOT NULL, created_at TEXT NOT NULL,"
                 " updated_at TEXT NOT NULL, form_version TEXT NOT NULL, form_hash TEXT NOT NULL,"
                 " natural_key TEXT, PRIMARY KEY (store_id, instance_id));",
                 table);
}

void ics_central_key_index_sql(ics_buf *sql, const char *form_id) {
  char table[ICS_CENTRAL_NAME_MAX], index[ICS_CENTRAL_NAME_MAX];
  ics_central_form_table(table, sizeof table, form_id);
  ics_central_key_index(index, sizeof index, form_id);
  /* reports keep one record per natural key and round: the latest update, then the larger
   * instance id, then the larger store id */
  ics_buf_printf(sql,
                 "CREATE INDEX IF NOT EXISTS \"%s\" ON \"%s\"(round, natural_key,"
                 " updated_at, instance_id, store_id);",
                 index, table);
}

void ics_central_child_table_sql(ics_buf *sql, const char *form_id, const char *field) {
  char table[ICS_CENTRAL_NAME_MAX];
  ics_central_child_table(table, sizeof table, form_id, field);
  ics_buf_printf(sql,
                 "CREATE TABLE IF NOT EXISTS \"%s\"(store_id TEXT NOT NULL, instance_id TEXT NOT NULL,"
                 " code TEXT NOT NULL, PRIMARY KEY (store_id, instance_id, code)) WITHOUT ROWID;",
                 table);
}

/* Runs the statement built in sql and empties it (the buffer may have run out of memory). */
static int exec_built(ics_central *c, ics_buf *sql, ics_error *err) {
  int rc;
  if (sql->failed || !sql->data) {
    rc = ics_central_no_memory(c, err);
  } else {
    rc = ics_central_exec(c, sql->data, err);
  }
  ics_buf_free(sql);
  return rc;
}

static void free_names(char **names) {
  for (size_t i = 0; names && names[i]; i++) ics_free(names[i]);
  ics_free(names);
}

/* The names of the tables of forms' records (form tables and their child tables), in *names
 * (NULL-terminated). */
static int form_tables(ics_central *c, char ***names, ics_error *err) {
  *names = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                         -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  size_t n = 0;
  int step, rc = 0;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *table = (const char *)sqlite3_column_text(st, 0), *field;
    char form_id[ICS_CENTRAL_NAME_MAX];
    if (table && !ics_central_form_of_table(table, form_id, &field)) continue;
    char **grown = table ? ics_realloc(*names, (n + 2) * sizeof **names) : NULL;
    char *name = grown ? ics_strdup(table) : NULL;
    if (grown) *names = grown;
    if (!name) { /* a NULL name (a NOT NULL column): SQLite had no memory either */
      rc = ics_central_no_memory(c, err);
      break;
    }
    (*names)[n++] = name;
    (*names)[n] = NULL;
  }
  if (!rc && step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  if (rc) {
    free_names(*names);
    *names = NULL;
  }
  return rc;
}

int ics_central_has_column(ics_central *c, const char *table, const char *column, bool *has,
                           ics_error *err) {
  *has = false;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
                         NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return ics_central_sql_error(c, err);
  *has = step == SQLITE_ROW;
  return 0;
}

/* The tables of records as they were before kits: keyed by instance id alone. They are set
 * aside (old_*) before the current tables are made, then copied into them. */
static const char *const prekit_tables[] = {"bundles", "revisions", "instances", "conflicts", "flags"};

static int set_aside_prekit(ics_central *c, ics_error *err) {
  if (ics_central_exec(c, "DROP VIEW IF EXISTS duplicates", err)) return -1;
  /* a database made before bundles were signed lacks the columns that say who signed them */
  bool signer;
  if (ics_central_has_column(c, "bundles", "signer", &signer, err) ||
      (!signer && ics_central_exec(c, "ALTER TABLE bundles ADD COLUMN signer TEXT;"
                                      "ALTER TABLE bundles ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0",
                                   err)))
    return -1;
  for (size_t i = 0; i < sizeof prekit_tables / sizeof *prekit_tables; i++) {
    ics_buf sql = {0};
    ics_buf_printf(&sql, "ALTER TABLE \"%s\" RENAME TO \"old_%s\"", prekit_tables[i], prekit_tables[i]);
    if (exec_built(c, &sql, err)) return -1;
  }
  /* the definitions bundles brought are kept, but no longer mean anything */
  return ics_central_exec(c, "ALTER TABLE forms RENAME TO forms_from_bundles", err);
}

/* One form table (or child table) of before kits into the current layout: each row gets the
 * store of its record (instance ids were unique then). */
static int migrate_form_table(ics_central *c, const char *table, ics_error *err) {
  char form_id[ICS_CENTRAL_NAME_MAX], index[ICS_CENTRAL_NAME_MAX];
  const char *field = NULL;
  if (!ics_central_form_of_table(table, form_id, &field)) return 0; /* form_tables gives only these */
  ics_central_key_index(index, sizeof index, form_id);
  ics_buf sql = {0};
  ics_buf_printf(&sql, "ALTER TABLE \"%s\" RENAME TO \"old_%s\";", table, table);
  if (field) {
    ics_central_child_table_sql(&sql, form_id, field);
  } else {
    ics_buf_printf(&sql, "DROP INDEX IF EXISTS \"%s\";", index);
    ics_central_form_table_sql(&sql, form_id);
    ics_central_key_index_sql(&sql, form_id);
  }
  if (exec_built(c, &sql, err)) return -1;
  ics_buf cols = {0}, picked = {0}; /* the columns, and the same from the old table */
  if (!field) { /* the field columns */
    ics_buf_printf(&sql, "SELECT name, type FROM pragma_table_info('old_%s') WHERE name NOT IN"
                         " (SELECT name FROM pragma_table_info('%s'))", table, table);
    sqlite3_stmt *st = NULL;
    int rc = sql.failed ? ics_central_no_memory(c, err)
             : sqlite3_prepare_v2(c->db, sql.data, -1, &st, NULL) != SQLITE_OK ? ics_central_sql_error(c, err)
                                                                                : 0;
    ics_buf_free(&sql);
    if (rc) return -1;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 0), *type = (const char *)sqlite3_column_text(st, 1);
      ics_buf add = {0};
      ics_buf_printf(&add, "ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s", table, name ? name : "?",
                     type ? type : "");
      rc = exec_built(c, &add, err);
      ics_buf_printf(&cols, ", \"%s\"", name ? name : "?");
      ics_buf_printf(&picked, ", o.\"%s\"", name ? name : "?");
    }
    if (!rc && step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
    sqlite3_finalize(st);
    if (rc) {
      ics_buf_free(&cols);
      ics_buf_free(&picked);
      return -1;
    }
    ics_buf_printf(&sql,
                   "INSERT OR IGNORE INTO \"%s\"(store_id, instance_id, revision, round, surveyor, site,"
                   " created_at, updated_at, form_version, form_hash, natural_key%s)"
                   " SELECT i.store_id, o.instance_id, o.revision, o.round, o.surveyor, o.site,"
                   " o.created_at, o.updated_at, o.form_version, o.form_hash, o.natural_key%s"
                   " FROM \"old_%s\" o JOIN instances i ON i.instance_id = o.instance_id",
                   table, cols.data ? cols.data : "", picked.data ? picked.data : "", table);
    if (cols.failed || picked.failed) sql.failed = true;
  } else {
    ics_buf_printf(&sql, "INSERT OR IGNORE INTO \"%s\"(store_id, instance_id, code) SELECT i.store_id,"
                         " o.instance_id, o.code FROM \"old_%s\" o JOIN instances i ON i.instance_id = o.instance_id",
                   table, table);
  }
  ics_buf_free(&cols);
  ics_buf_free(&picked);
  ics_buf_printf(&sql, "; DROP TABLE \"old_%s\"", table);
  return exec_built(c, &sql, err);
}
/* A database of before kits, its old tables set aside and the current ones made: every row
 * copied with the store it came from; the register that bundles brought is forgotten (the
 * office's published one replaces it). */
static int migrate_prekit(ics_central *c, ics_error *err) {
  if (ics_central_exec(c,
                   "INSERT INTO bundles(store_id, bundle_id, file_sha256, surveyor, site, round, created,"
                   " merged_at, file_name, records, signer, sealed) SELECT store_id, bundle_id, file_sha256,"
                   " surveyor, site, round, created, merged_at, file_name, records, signer, sealed"
                   " FROM old_bundles;"
                   "INSERT OR IGNORE INTO revisions(store_id, instance_id, revision, form_id, form_version,"
                   " form_hash, round, surveyor, site, created_at, updated_at, status, natural_key, answers,"
                   " content_hash, bundle_id) SELECT b.store_id, r.instance_id, r.revision, r.form_id,"
                   " r.form_version, r.form_hash, r.round, r.surveyor, r.site, r.created_at, r.updated_at,"
                   " r.status, r.natural_key, r.answers, r.content_hash, r.bundle_id"
                   " FROM old_revisions r JOIN old_bundles b ON b.bundle_id = r.bundle_id;"
                   "INSERT OR IGNORE INTO instances(store_id, instance_id, form_id, revision, status)"
                   " SELECT r.store_id, i.instance_id, i.form_id, i.revision, i.status FROM old_instances i"
                   " JOIN old_revisions o ON o.instance_id = i.instance_id AND o.revision = i.revision"
                   " JOIN revisions r ON r.instance_id = i.instance_id AND r.revision = i.revision"
                   "  AND r.bundle_id = o.bundle_id;"
                   "INSERT OR IGNORE INTO conflicts(store_id, instance_id, revision, kept_hash, other_hash,"
                   " kept_bundle, other_bundle, detected_at) SELECT b.store_id, f.instance_id, f.revision,"
                   " f.kept_hash, f.other_hash, f.kept_bundle, f.other_bundle, f.detected_at"
                   " FROM old_conflicts f JOIN old_bundles b ON b.bundle_id = f.kept_bundle;"
                   "INSERT OR IGNORE INTO flags(store_id, instance_id, revision, kind, detail)"
                   " SELECT r.store_id, f.instance_id, f.revision, f.kind, f.detail FROM old_flags f"
                   " JOIN revisions r ON r.instance_id = f.instance_id AND r.revision = f.revision;"
                   "DELETE FROM unit_districts; DELETE FROM unit_agencies;",
                   err))
    return -1;
  char **tables = NULL;
  if (form_tables(c, &tables, err)) return -1;
  int rc = 0;
  for (size_t i = 0; !rc && tables && tables[i]; i++) rc = migrate_form_table(c, tables[i], err);
  free_names(tables);
  for (size_t i = 0; !rc && i < sizeof prekit_tables / sizeof *prekit_tables; i++) {
    ics_buf sql = {0};
    ics_buf_printf(&sql, "DROP TABLE \"old_%s\"", prekit_tables[i]);
    rc = exec_built(c, &sql, err);
  }
  return rc;
}

/* Whether the office's definitions were ever published here (a database made by this version
 * always has them; one made before kits, or being made now, not yet). */
static int published_state(ics_central *c, bool *published, ics_error *err) {
  *published = false;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM settings WHERE key = 'published'", -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  int step = sqlite3_step(st);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return ics_central_sql_error(c, err);
  *published = step == SQLITE_ROW;
  return 0;
}

/* The definitions a new database, or one made before kits, starts with: those given, else
 * the folder's (the shipped ones). */
static int publish_initial(ics_central *c, const ics_central_options *o, ics_error *err) {
  if (o->initial) return ics_central_publish_in(c, o->initial, NULL, NULL, err);
  if (!o->initial_dir)
    return ics_central_exec(c, "INSERT OR REPLACE INTO settings VALUES ('published', 'none')", err);
  ics_definitions defs;
  ics_errors diags = {0};
  int rc = 0;
  if (ics_definitions_load(o->initial_dir, c->lang, &defs, &diags)) {
    char *first = diags.count ? ics_error_format(&diags.items[0]) : NULL;
    if (ics_errors_no_memory(&diags, 0) || (diags.count && !first)) {
      rc = ics_central_no_memory(c, err);
    } else {
      rc = ics_central_say_as(c, err, ics_errors_code(&diags), AG_SHIPPED_UNPUBLISHABLE,
                              first ? first : "?");
    }
    ics_free(first);
  } else {
    rc = ics_central_publish_in(c, &defs, NULL, NULL, err);
    ics_definitions_free(&defs);
  }
  ics_errors_free(&diags);
  return rc;
}

static void forget_new(ics_central *c, bool created) {
  bool empty = false, busy = false;
  int moved = 0; /* removed by another command already: the path may name another file now */
  if (c->db && sqlite3_file_control(c->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved)
    created = false;
  if (created && c->path && c->db) {
    /* still empty under the write lock: another command creating the same database at this
     * moment has committed its tables by then (it began first), or usually finds the file
     * gone when its own setup commits (ics_central_open: HAS_MOVED) and says so. Not always:
     * the file is removed after the lock is let go, and under load a command can take the
     * lock, set up and merge in that gap (docs/limits.md) */
    int begun = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    busy = begun == SQLITE_BUSY;
    if (begun == SQLITE_OK) {
      sqlite3_stmt *st = NULL;
      empty = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
              sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
      sqlite3_finalize(st);
      sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
  }
  if (created && c->path && !empty && !busy) { /* SQLite could not even read it: still nothing in it? */
    sqlite3_close(c->db);
    c->db = NULL;
    empty = ics_file_sniff(c->path) == ICS_FILE_EMPTY;
  }
  if (empty) {
    sqlite3_close(c->db);
    c->db = NULL;
    static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
      ics_buf side = {0};
      ics_buf_printf(&side, "%s%s", c->path, suffixes[i]);
      if (!side.failed) ics_remove_file(side.data);
      ics_buf_free(&side);
    }
    ics_remove_file(c->path);
  }
  ics_central_close(c);
}

/* Into WAL mode. The change reads the header under a read lock, then upgrades to the write
 * lock, and SQLite never waits (busy timeout) for an upgrade from a read lock, since two
 * connections doing it could deadlock: while another merge writes in rollback mode (merge.c,
 * journal_for_merge), or creates the database, the change fails at once with SQLITE_BUSY.
 * The failed statement lets go of its read lock, so trying again is safe: for as long as the
 * busy timeout would wait. */
static int use_wal(ics_central *c, ics_error *err) {
  int rc;
  time_t until = time(NULL) + 60;
  while ((rc = sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) == SQLITE_BUSY) {
    time_t now = time(NULL);
    if (now >= until) break;
    /* each try may itself wait for a lock: no longer than the time left */
    sqlite3_busy_timeout(c->db, (int)(until - now) * 1000);
    sqlite3_sleep(10);
  }
  sqlite3_busy_timeout(c->db, 60000);
  return rc == SQLITE_OK ? 0 : ics_central_sql_error(c, err);
}

ics_central *ics_central_open(const char *path, const ics_central_options *options, ics_lang lang,
                              ics_error *err) {
  static const ics_central_options defaults = {0};
  const ics_central_options *o = options ? options : &defaults;
  ics_central *c = ics_calloc(1, sizeof *c);
  if (!c || !(c->path = ics_strdup(path))) {
    ics_error_no_memory(err, lang);
    ics_central_close(c);
    return NULL;
  }
  c->lang = lang;
  /* a new database holds personal answers: only its owner may read it (SQLite gives its WAL
   * and journal files the same mode); an existing one keeps the mode the office gave it */
  ics_file_kind kind = ics_file_sniff(path);
  if (kind == ICS_FILE_NONE && o->must_exist) {
    ics_central_say(c, err, AG_NO_DATABASE, path);
    ics_central_close(c);
    return NULL;
  }
  if (kind != ICS_FILE_NONE && kind != ICS_FILE_EMPTY && kind != ICS_FILE_CENTRAL &&
      kind != ICS_FILE_DATABASE) {
    not_central(c, kind, err);
    ics_central_close(c);
    return NULL;
  }
  bool created = false; /* this call made the file */
  if (kind == ICS_FILE_NONE && ics_write_private_file(path, "", 0) == 0) {
    created = true;
  } else if (kind == ICS_FILE_NONE && errno != EEXIST) {
    int e = errno;
    ics_central_say_as(c, err, ics_code_from_errno(e), AG_CANNOT_CREATE, path, ics_errno_text(e, c->lang));
    ics_central_close(c);
    return NULL;
  }
  if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    if (ics_central_sqlite_code(c->db) == ICS_E_NO_MEMORY) /* no handle at all: the same */
      ics_error_no_memory(err, lang);
    else
      ics_central_say(c, err, AG_CANNOT_OPEN, path, sqlite3_errmsg(c->db));
    forget_new(c, created);
    return NULL;
  }
  /* Two operators merging at once: one waits for the other. */
  sqlite3_busy_timeout(c->db, 60000);
  char app_id[64]; /* tells the central database from a store by its first bytes */
  snprintf(app_id, sizeof app_id, "PRAGMA application_id = %d", (int)ICS_SQLITE_ID_CENTRAL);
  ics_error first = {0}; /* replaced below when SQLite finds no database in the file */
  bool prekit = false, published = false, has_revisions = false, keyed = false;
  bool failed = (kind != ICS_FILE_CENTRAL && check_tables(c, &first)) ||
                use_wal(c, &first) || ics_central_exec(c, "PRAGMA synchronous=FULL", &first) ||
                ics_central_exec(c, o->reading ? "PRAGMA cache_size=-2000" : "PRAGMA cache_size=" ICS_CENTRAL_CACHE, &first) ||
                ics_central_exec(c, "BEGIN IMMEDIATE", &first) ||
                /* before kits, records were keyed by their instance id alone */
                ics_central_has_column(c, "revisions", "instance_id", &has_revisions, &first) ||
                (has_revisions && ics_central_has_column(c, "revisions", "store_id", &keyed, &first));
  prekit = has_revisions && !keyed;
  failed = failed || (prekit && set_aside_prekit(c, &first)) || ics_central_exec(c, schema_sql, &first) ||
           (prekit && migrate_prekit(c, &first)) || published_state(c, &published, &first) ||
           (!published && publish_initial(c, o, &first)) ||
           (kind != ICS_FILE_CENTRAL && ics_central_exec(c, app_id, &first)) ||
           ics_central_exec(c, "COMMIT", &first);
  /* Another command that created the file and failed may have removed it while this one set
   * it up (forget_new): what this one wrote is then in no file anyone can open, and SQLite
   * may fail with an I/O error, which would mislead. */
  int moved = 0;
  if ((kind == ICS_FILE_NONE || kind == ICS_FILE_EMPTY) &&
      sqlite3_file_control(c->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
    failed = true;
    ics_error_clear(&first);
    ics_central_say(c, &first, AG_REMOVED_WHILE_OPENING, path);
  }
  if (failed) {
    if (first.code == ICS_E_DAMAGED) { /* SQLITE_NOTADB, SQLITE_CORRUPT */
      ics_error_clear(&first);
      ics_central_say(c, &first, AG_NOT_CENTRAL_OR_DAMAGED, path);
    }
    ics_error_move(err, &first);
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    forget_new(c, created);
    return NULL;
  }
  c->upgraded = prekit;
  return c;
}

void ics_central_use_key(ics_central *c, const unsigned char public_key[32],
                         const unsigned char secret_key[32]) {
  memcpy(c->public_key, public_key, sizeof c->public_key);
  memcpy(c->secret_key, secret_key, sizeof c->secret_key);
  c->has_key = true;
}

int ics_central_require_sealed(ics_central *c, bool required, ics_error *err) {
  return ics_central_exec(c, required ? "INSERT OR REPLACE INTO settings VALUES ('require_sealed', '1')"
                                      : "DELETE FROM settings WHERE key = 'require_sealed'",
                          err);
}

int ics_central_requires_sealed(ics_central *c, bool *required, ics_error *err) {
  *required = false;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT value FROM settings WHERE key = 'require_sealed'", -1, &st,
                         NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  int step = sqlite3_step(st);
  const char *value = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  *required = value && strcmp(value, "1") == 0;
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return ics_central_sql_error(c, err);
  return 0;
}

void ics_central_close(ics_central *c) {
  if (!c) return;
  for (size_t i = 0; i < c->deferred_count; i++) ics_free(c->deferred[i]);
  ics_free(c->deferred);
  sqlite3_close(c->db);
  sodium_memzero(c->secret_key, sizeof c->secret_key);
  ics_free(c->path);
  ics_free(c);
}

struct sqlite3 *ics_central_db(ics_central *c) { return c->db; }
bool ics_central_upgraded(const ics_central *c) { return c->upgraded; }
void ics_central_allow_unsigned(ics_central *c, bool allowed) { c->allow_unsigned = allowed; }
