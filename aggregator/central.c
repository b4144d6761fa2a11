/* central.c - the central database: its schema, opening it, and merging bundles into it.
 * A bundle is read once, inside one transaction: every record is validated against the form
 * definition the bundle carries before the transaction commits, and any problem rolls the
 * whole bundle back, records it as rejected and copies it to the quarantine folder. */
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator.h"
#include "bundle.h"
#include "central_private.h"
#include "schema.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS bundles(bundle_id TEXT PRIMARY KEY, file_sha256 TEXT NOT NULL,\n"
    "  store_id TEXT NOT NULL, surveyor TEXT NOT NULL, site TEXT NOT NULL, round INTEGER NOT NULL,\n"
    "  created TEXT NOT NULL, merged_at TEXT NOT NULL, file_name TEXT NOT NULL,\n"
    "  records INTEGER NOT NULL, signer TEXT, sealed INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE TABLE IF NOT EXISTS forms(form_id TEXT NOT NULL, version TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL PRIMARY KEY, definition TEXT NOT NULL, first_seen TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS unit_districts(code TEXT PRIMARY KEY, name_vi TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS unit_agencies(code TEXT PRIMARY KEY, name_vi TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL, type TEXT NOT NULL, district TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS rejected(id INTEGER PRIMARY KEY, file_name TEXT NOT NULL,\n"
    "  file_sha256 TEXT, reason TEXT NOT NULL, rejected_at TEXT NOT NULL, quarantine TEXT);\n"
    "CREATE TABLE IF NOT EXISTS revisions(instance_id TEXT NOT NULL, revision INTEGER NOT NULL,\n"
    "  form_id TEXT NOT NULL, form_version TEXT NOT NULL, form_hash TEXT NOT NULL,\n"
    "  round INTEGER NOT NULL, surveyor TEXT NOT NULL, site TEXT NOT NULL,\n"
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, status TEXT NOT NULL,\n"
    "  natural_key TEXT, answers TEXT NOT NULL, content_hash TEXT NOT NULL,\n"
    "  bundle_id TEXT NOT NULL, PRIMARY KEY (instance_id, revision));\n"
    "CREATE TABLE IF NOT EXISTS instances(instance_id TEXT PRIMARY KEY, form_id TEXT NOT NULL,\n"
    "  revision INTEGER NOT NULL, status TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS conflicts(instance_id TEXT NOT NULL, revision INTEGER NOT NULL,\n"
    "  kept_hash TEXT NOT NULL, other_hash TEXT NOT NULL, kept_bundle TEXT NOT NULL,\n"
    "  other_bundle TEXT NOT NULL, detected_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (instance_id, revision, other_hash));\n"
    "CREATE TABLE IF NOT EXISTS store_keys(store_id TEXT PRIMARY KEY, signer TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS flags(instance_id TEXT NOT NULL, revision INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (instance_id, revision, kind));\n"
    "CREATE VIEW IF NOT EXISTS duplicates AS\n"
    "  SELECT r.form_id, r.round, r.natural_key, r.instance_id, r.updated_at\n"
    "  FROM revisions r JOIN instances i ON i.instance_id = r.instance_id\n"
    "    AND i.revision = r.revision AND i.status != 'void'\n"
    "  WHERE (r.form_id, r.round, r.natural_key) IN (\n"
    "    SELECT r2.form_id, r2.round, r2.natural_key FROM revisions r2\n"
    "    JOIN instances i2 ON i2.instance_id = r2.instance_id AND i2.revision = r2.revision\n"
    "      AND i2.status != 'void'\n"
    "    GROUP BY 1, 2, 3 HAVING count(*) > 1);\n";

int central_error(ics_central *c, char **error) {
  sqlite3 *db = c->db;
  int code = sqlite3_errcode(db);
  ics_buf b = {0};
  /* a write or sync refused for want of space comes back as an I/O error */
  if (code == SQLITE_FULL || (code == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC))
    ics_buf_puts(&b, c->lang == ICS_EN ? "the disk is full: free some space and merge again"
                                       : "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi hợp nhất lại");
  else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    ics_buf_puts(&b, c->lang == ICS_EN
                         ? "the central database is in use by another merge; try again when it ends"
                         : "cơ sở dữ liệu trung tâm đang được lệnh khác dùng; hãy thử lại khi lệnh đó xong");
  else if (code == SQLITE_IOERR)
    ics_buf_printf(&b, c->lang == ICS_EN
                           ? "the disk could not be written or read (is it full, or removed?): %s"
                           : "không ghi hoặc đọc được đĩa (đĩa đầy hay đã bị rút ra?): %s",
                   sqlite3_errmsg(db));
  else
    ics_buf_printf(&b, c->lang == ICS_EN ? "database error: %s" : "lỗi cơ sở dữ liệu: %s",
                   sqlite3_errmsg(db));
  if (error) {
    ics_free(*error);
    *error = ics_buf_take(&b);
  } else {
    ics_buf_free(&b);
  }
  return 1;
}

int central_exec(ics_central *c, const char *sql, char **error) {
  if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK) return central_error(c, error);
  return 0;
}

/* "'PATH' is a surveyor's store, not a central database" in *error; returns 1. */
static int not_central(ics_central *c, ics_file_kind kind, char **error) {
  ics_buf b = {0};
  if (kind == ICS_FILE_UNREADABLE)
    ics_buf_printf(&b, c->lang == ICS_EN ? "cannot open the central database '%s': %s"
                                         : "không mở được cơ sở dữ liệu trung tâm '%s': %s",
                   c->path, strerror(errno));
  else if (kind == ICS_FILE_OTHER)
    ics_buf_printf(&b, c->lang == ICS_EN ? "'%s' is not an ictsurvey central database"
                                         : "'%s' không phải cơ sở dữ liệu trung tâm của ictsurvey",
                   c->path);
  else
    ics_buf_printf(&b, c->lang == ICS_EN ? "'%s' is %s, not a central database"
                                         : "'%s' là %s, không phải cơ sở dữ liệu trung tâm",
                   c->path, ics_file_kind_name(kind, c->lang));
  ics_free(*error);
  *error = ics_buf_take(&b);
  c->not_central = true;
  return 1;
}

/* A database made before central databases carried their application id, or a new one: it
 * must hold the central tables or no table at all, so that a store, or someone else's SQLite
 * file, is never turned into a central database. Read before anything is written. */
static int check_tables(ics_central *c, char **error) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT count(*), coalesce(sum(name = 'bundles'), 0),"
                                " coalesce(sum(name IN ('meta', 'records')), 0)"
                                " FROM sqlite_master WHERE type = 'table'",
                         -1, &st, NULL) != SQLITE_OK)
    return central_error(c, error);
  int step = sqlite3_step(st);
  int tables = sqlite3_column_int(st, 0), central = sqlite3_column_int(st, 1),
      store = sqlite3_column_int(st, 2);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW) return central_error(c, error);
  if (tables && !central) return not_central(c, store == 2 ? ICS_FILE_STORE : ICS_FILE_DATABASE, error);
  return 0;
}

ics_central *ics_central_open(const char *path, ics_lang lang, char **error) {
  ics_central *c = ics_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->lang = lang;
  c->path = ics_strdup(path);
  if (!c->path) { /* *error stays NULL: out of memory */
    ics_central_close(c);
    return NULL;
  }
  /* a new database holds personal answers: only its owner may read it (SQLite gives its WAL
   * and journal files the same mode); an existing one keeps the mode the office gave it */
  ics_file_kind kind = ics_file_sniff(path);
  if (kind != ICS_FILE_NONE && kind != ICS_FILE_EMPTY && kind != ICS_FILE_CENTRAL &&
      kind != ICS_FILE_DATABASE) {
    not_central(c, kind, error);
    ics_central_close(c);
    return NULL;
  }
  if (kind == ICS_FILE_NONE && ics_write_private_file(path, "", 0) != 0 && errno != EEXIST) {
    ics_buf b = {0};
    ics_buf_printf(&b, lang == ICS_EN ? "cannot create the central database '%s': %s"
                                      : "không tạo được cơ sở dữ liệu trung tâm '%s': %s",
                   path, strerror(errno));
    *error = ics_buf_take(&b);
    ics_central_close(c);
    return NULL;
  }
  if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    ics_buf b = {0};
    ics_buf_printf(&b, lang == ICS_EN ? "cannot open the central database '%s': %s"
                                      : "không mở được cơ sở dữ liệu trung tâm '%s': %s",
                   path, c->db ? sqlite3_errmsg(c->db) /* no handle: SQLite had no memory */
                               : lang == ICS_EN ? "out of memory" : "không đủ bộ nhớ");
    *error = ics_buf_take(&b);
    ics_central_close(c);
    return NULL;
  }
  /* Two operators merging at once: one waits for the other. */
  sqlite3_busy_timeout(c->db, 60000);
  char app_id[64]; /* tells the central database from a store by its first bytes */
  snprintf(app_id, sizeof app_id, "PRAGMA application_id = %d", (int)ICS_SQLITE_ID_CENTRAL);
  if ((kind != ICS_FILE_CENTRAL && check_tables(c, error)) ||
      central_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-32768;", error) ||
      central_exec(c, "BEGIN IMMEDIATE", error) || central_exec(c, schema_sql, error) ||
      (kind != ICS_FILE_CENTRAL && central_exec(c, app_id, error))) {
    int code = sqlite3_errcode(c->db);
    if (!c->not_central && (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)) {
      ics_free(*error);
      ics_buf b = {0};
      ics_buf_printf(&b, lang == ICS_EN ? "'%s' is not an ictsurvey central database (or is damaged)"
                                        : "'%s' không phải cơ sở dữ liệu trung tâm của ictsurvey (hoặc đã hỏng)",
                     path);
      *error = ics_buf_take(&b);
    }
    ics_central_close(c);
    return NULL;
  }
  /* a database made before bundles were signed gets the columns that say who signed them */
  sqlite3_stmt *st = NULL;
  int step = SQLITE_ERROR;
  if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info('bundles') WHERE name = 'signer'",
                         -1, &st, NULL) == SQLITE_OK)
    step = sqlite3_step(st);
  sqlite3_finalize(st); /* keeps the step's error as the database's */
  if (step != SQLITE_ROW && step != SQLITE_DONE) {
    central_error(c, error);
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    ics_central_close(c);
    return NULL;
  }
  if ((step == SQLITE_DONE && central_exec(c, "ALTER TABLE bundles ADD COLUMN signer TEXT;"
                                      "ALTER TABLE bundles ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0",
                                   error)) ||
      central_exec(c, "COMMIT", error)) {
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    ics_central_close(c);
    return NULL;
  }
  return c;
}

void ics_central_use_key(ics_central *c, const unsigned char public_key[32],
                         const unsigned char secret_key[32]) {
  memcpy(c->public_key, public_key, sizeof c->public_key);
  memcpy(c->secret_key, secret_key, sizeof c->secret_key);
  c->has_key = true;
}

int ics_central_require_sealed(ics_central *c, bool required, char **error) {
  *error = NULL;
  return central_exec(c, required ? "INSERT OR REPLACE INTO settings VALUES ('require_sealed', '1')"
                                  : "DELETE FROM settings WHERE key = 'require_sealed'",
                      error);
}

int ics_central_requires_sealed(ics_central *c, char **error) {
  *error = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT value FROM settings WHERE key = 'require_sealed'", -1, &st,
                         NULL) != SQLITE_OK) {
    central_error(c, error);
    return -1;
  }
  int step = sqlite3_step(st);
  const char *value = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  int required = value && strcmp(value, "1") == 0;
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) {
    central_error(c, error);
    return -1;
  }
  return required;
}

void ics_central_close(ics_central *c) {
  if (!c) return;
  sqlite3_close(c->db);
  sodium_memzero(c->secret_key, sizeof c->secret_key);
  ics_free(c->path);
  ics_free(c);
}

struct sqlite3 *ics_central_db(ics_central *c) { return c->db; }
