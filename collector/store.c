/* store.c - the collector store in SQLite: creating it with a copy of the forms and the
 * register, and every record operation as a synchronous transaction. */
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "collector_private.h"
#include "keys.h"

/* The collector's messages (collector_messages.h), for every file of the store's side. */
const ics_message ics_collector_messages[C_COUNT] = {ICS_COLLECTOR_MESSAGES(ICS_MESSAGE_ENTRY)};

enum { STORE_SCHEMA_VERSION = 1 };

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE forms(form_id TEXT PRIMARY KEY, version TEXT NOT NULL, hash TEXT NOT NULL,\n"
    "  path TEXT NOT NULL, definition TEXT NOT NULL);\n"
    "CREATE TABLE unit_register(id INTEGER PRIMARY KEY CHECK (id = 1), path TEXT NOT NULL,\n"
    "  definition TEXT NOT NULL);\n"
    "CREATE TABLE records(\n"
    "  instance_id TEXT NOT NULL,\n"
    "  revision INTEGER NOT NULL CHECK (revision >= 1),\n"
    "  form_id TEXT NOT NULL REFERENCES forms(form_id),\n"
    "  form_version TEXT NOT NULL,\n"
    "  form_hash TEXT NOT NULL,\n"
    "  round INTEGER NOT NULL,\n"
    "  surveyor TEXT NOT NULL,\n"
    "  site TEXT NOT NULL,\n"
    "  created_at TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('draft', 'finalized', 'void')),\n"
    "  natural_key TEXT,\n"
    "  answers TEXT NOT NULL,  -- name=value lines, values escaped (common/ics_common.h)\n"
    "  UNIQUE (instance_id, revision));\n"
    "-- rows are appended in rowid order; instance ids are time-ordered (UUIDv7), so the index\n"
    "-- on them grows at its end too\n"
    "CREATE INDEX records_by_key ON records(form_id, natural_key);\n"

    "CREATE TABLE exports(bundle_id TEXT PRIMARY KEY, created TEXT NOT NULL,\n"
    "  path TEXT NOT NULL, records INTEGER NOT NULL) WITHOUT ROWID;\n";

/* What the office sent back (docs/collector.md, "Receipts" and "A round pre-filled"): made with
 * the store, and added to a store made before them when it is opened (in TEMP, empty, when it
 * is opened read-only), so that every query may read them. */
static const char field_sql[] =
    "CREATE TABLE IF NOT EXISTS %sreceived(instance_id TEXT PRIMARY KEY,\n"
    "  revision INTEGER NOT NULL) WITHOUT ROWID; -- the newest revision the office holds\n"
    "CREATE TABLE IF NOT EXISTS %sreceived_bundles(bundle_id TEXT PRIMARY KEY) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS %sreceipts(created TEXT NOT NULL, taken_at TEXT NOT NULL,\n"
    "  bundles INTEGER NOT NULL, records INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS %scarried(instance_id TEXT PRIMARY KEY,\n"
    "  from_round INTEGER NOT NULL, from_instance TEXT NOT NULL, kit_id TEXT NOT NULL) WITHOUT ROWID;\n";

/* The newest revision of each instance. */
#define NEWEST "revision = (SELECT MAX(r2.revision) FROM records r2 WHERE r2.instance_id = records.instance_id)"

/* Statements used once per record are prepared once per store. */
enum { ST_INSERT, ST_NEWEST, ST_FIND_KEY, ST_COUNT };

struct ics_store {
  sqlite3 *db;
  sqlite3_stmt *stmt[ST_COUNT];
  ics_lang lang;
  char *id, *site, *surveyor;
  int round;
  ics_form **forms;
  size_t form_count;
  ics_register *reg;
};

const char *ics_record_status_name(ics_record_status status) {
  return status == ICS_FINALIZED ? "finalized" : status == ICS_VOID ? "void" : "draft";
}

static bool parse_status(const char *s, ics_record_status *out) {
  if (!s) return false;
  if (!strcmp(s, "draft")) *out = ICS_DRAFT;
  else if (!strcmp(s, "finalized")) *out = ICS_FINALIZED;
  else if (!strcmp(s, "void")) *out = ICS_VOID;
  else return false;
  return true;
}

/* SQLite's last error on db as the store's; returns -1. */
static int db_error(sqlite3 *db, ics_lang lang, ics_error *err) {
  switch (ics_code_from_sqlite(sqlite3_extended_errcode(db), db ? sqlite3_system_errno(db) : 0)) {
  case ICS_E_NO_MEMORY: ics_error_no_memory(err, lang); break;
  case ICS_E_DISK_FULL: ics_error_say(err, lang, CMSG(C_DISK_FULL)); break;
  case ICS_E_BUSY: ics_error_say(err, lang, CMSG(C_BUSY)); break;
  case ICS_E_DAMAGED: ics_error_say(err, lang, CMSG(C_NOT_A_DATABASE), sqlite3_errmsg(db)); break;
  case ICS_E_IO: ics_error_say(err, lang, CMSG(C_DISK_IO), sqlite3_errmsg(db)); break;
  default: ics_error_say(err, lang, CMSG(C_DATABASE), sqlite3_errmsg(db)); break;
  }
  return -1;
}

/* ---- platform seams: randomness and time ------------------------------------------------ */

/* A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits.
 * Still unguessable and unique, but ids made one after another sort together, so the store's
 * and the central database's key indexes grow at their ends instead of everywhere. */
void ics_uuid_new(char out[37]) {
  unsigned char b[16];
  randombytes_buf(b, sizeof b); /* libsodium: the OS's random source on every platform */
  uint64_t ms = ics_clock_ms();
  for (int i = 0; i < 6; i++) b[i] = (unsigned char)(ms >> (40 - 8 * i));
  b[6] = (unsigned char)((b[6] & 0x0F) | 0x70);
  b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
  static const char hex[] = "0123456789abcdef";
  char *p = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[b[i] >> 4];
    *p++ = hex[b[i] & 15];
  }
  *p = '\0';
}

/* ---- answers encoding ----------------------------------------------------------------- */
static char *encode_answers(const ics_record *rec) {
  ics_buf b = {0};
  for (size_t i = 0; i < rec->form->field_count; i++) {
    const char *v = rec->values[i];
    if (!v) continue;
    ics_buf_puts(&b, rec->form->fields[i].name);
    ics_buf_putc(&b, '=');
    ics_escape_append(&b, v, strlen(v));
    ics_buf_putc(&b, '\n');
  }
  return ics_buf_take(&b);
}

/* Fields the form no longer has are dropped: a store's forms never change, so there are none. */
static bool decode_answers(ics_record *rec, const char *text) {
  char *copy = ics_strdup(text);
  if (!copy) return false;
  bool ok = true;
  for (char *line = copy; *line && ok;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char *eq = strchr(line, '=');
    if (eq) {
      *eq = '\0';
      int field = ics_form_field_index(rec->form, line);
      size_t bad, len = ics_unescape(eq + 1, strlen(eq + 1), &bad);
      if (field >= 0 && len != SIZE_MAX) {
        ics_free(rec->values[field]);
        rec->values[field] = ics_strndup(eq + 1, len);
        ok = rec->values[field] != NULL;
      }
    }
    if (!nl) break;
    line = nl + 1;
  }
  ics_free(copy);
  return ok;
}

/* ---- creating and opening --------------------------------------------------------------- */
static int exec(sqlite3 *db, const char *sql, ics_lang lang, ics_error *err) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) return db_error(db, lang, err);
  return 0;
}

static int open_db(const char *path, int flags, sqlite3 **db, ics_lang lang, ics_error *err) {
  if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
    if (!*db || sqlite3_errcode(*db) == SQLITE_NOMEM) /* no handle: SQLite had no memory */
      ics_error_say(err, lang, CMSG(C_OPEN_NO_MEMORY), path);
    else
      ics_error_say(err, lang, CMSG(C_CANNOT_OPEN), path, sqlite3_errmsg(*db));
    sqlite3_close(*db);
    *db = NULL;
    return -1;
  }
  sqlite3_busy_timeout(*db, 5000);
  /* Every confirmed answer must survive a power cut: a rollback journal with full syncs
   * (WAL would need its -wal file beside the store when it is copied to a USB stick). */
  /* 24 MiB of page cache: big imports touch much of the key index (records_by_key) */
  if (exec(*db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                " PRAGMA cache_size=-24576;",
           lang, err)) {
    sqlite3_close(*db);
    *db = NULL;
    return -1;
  }
  return 0;
}

static int put_meta(sqlite3 *db, const char *key, const char *value, ics_lang lang, ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", -1, &st, NULL))
    return db_error(db, lang, err);
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : db_error(db, lang, err);
}

/* A value of the meta table, NULL when absent (or no meta table: not a store). *failed is set
 * when it could not be read: 1 the database failed (busy, I/O, damaged: sqlite3_errcode),
 * 2 no memory; later calls then do nothing, rather than wait for a busy database again. */
static char *get_meta(sqlite3 *db, const char *key, int *failed) {
  if (*failed) return NULL;
  sqlite3_stmt *st;
  char *value = NULL;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL)) {
    if (sqlite3_errcode(db) != SQLITE_ERROR) *failed = 1; /* SQLITE_ERROR: no such table */
    return NULL;
  }
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 0);
    value = text ? ics_strdup(text) : NULL;
    if (!value) *failed = text ? 2 : 1;
  } else if (rc != SQLITE_DONE) {
    *failed = 1;
  }
  sqlite3_finalize(st); /* keeps the step's error as the database's */
  return value;
}

/* A key in the meta table, in hex. */
static int put_key(sqlite3 *db, const char *name, const unsigned char *key, size_t size,
                   ics_lang lang, ics_error *err) {
  char hex[2 * crypto_sign_SECRETKEYBYTES + 1];
  sodium_bin2hex(hex, sizeof hex, key, size);
  int rc = put_meta(db, name, hex, lang, err);
  sodium_memzero(hex, sizeof hex);
  return rc;
}

/* The office whose kits the store takes (its Ed25519 key), and the kit it has. */
static int put_kit(sqlite3 *db, const unsigned char office_key[32], uint64_t sequence, const char *kit_id,
                   ics_lang lang, ics_error *err) {
  char number[24];
  snprintf(number, sizeof number, "%llu", (unsigned long long)sequence);
  int rc = put_key(db, "office_key", office_key, 32, lang, err);
  if (!rc) rc = put_meta(db, "kit_sequence", number, lang, err);
  if (!rc) rc = put_meta(db, "kit_id", kit_id, lang, err);
  return rc;
}

/* The store's own signing key (Ed25519): its bundles are signed with it. It stays in the
 * store: whoever can open the store file can sign as the store (docs/security.md). */
static int put_new_signing_key(sqlite3 *db, ics_lang lang, ics_error *err) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  if (sodium_init() < 0) {
    ics_error_say(err, lang, CMSG(C_SODIUM));
    return -1;
  }
  crypto_sign_keypair(pk, sk);
  int rc = put_key(db, "signing_key", sk, sizeof sk, lang, err);
  sodium_memzero(sk, sizeof sk);
  return rc;
}

/* A key of the meta table decoded into out (size bytes): 1 found, 0 absent, -1 failed. */
static int get_key(ics_store *s, const char *name, unsigned char *out, size_t size, ics_error *err) {
  int failed = 0;
  char *hex = get_meta(s->db, name, &failed);
  if (failed) {
    if (failed == 1) db_error(s->db, s->lang, err);
    else ics_error_no_memory(err, s->lang);
    return -1;
  }
  if (!hex) return 0;
  size_t got = 0;
  int bad = sodium_hex2bin(out, size, hex, strlen(hex), NULL, &got, NULL) != 0 || got != size ||
            strlen(hex) != 2 * size;
  sodium_memzero(hex, strlen(hex));
  ics_free(hex);
  if (bad) {
    ics_error_say(err, s->lang, CMSG(C_KEY_DAMAGED), name);
    return -1;
  }
  return 1;
}

/* "'PATH' is the central database, not a surveyor's store" (or why it cannot be opened) in
 * *err; returns -1. */
static int not_a_store(ics_error *err, ics_lang lang, const char *path, ics_file_kind kind) {
  if (kind == ICS_FILE_UNREADABLE)
    ics_error_say(err, lang, CMSG(C_CANNOT_OPEN), path, ics_errno_text(errno, lang));
  else if (kind == ICS_FILE_OTHER)
    ics_error_say(err, lang, CMSG(C_NOT_A_STORE), path);
  else
    ics_error_say(err, lang, CMSG(C_OTHER_KIND), path, ics_file_kind_name(kind, lang));
  return -1;
}

/* Marks the file as a store in its header (PRAGMA application_id). */
static int set_store_id(sqlite3 *db, ics_lang lang, ics_error *err) {
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA application_id = %d", (int)ICS_SQLITE_ID_STORE);
  return exec(db, sql, lang, err);
}

static int make_field_tables(sqlite3 *db, bool temp, ics_lang lang, ics_error *err) {
  const char *where = temp ? "temp." : "";
  char sql[sizeof field_sql + 32];
  snprintf(sql, sizeof sql, field_sql, where, where, where, where);
  return exec(db, sql, lang, err);
}

/* A store made before the field tables: in the file, or in TEMP when it may not change. */
static int open_field_tables(sqlite3 *db, bool read_only, ics_lang lang, ics_error *err) {
  if (!read_only) return make_field_tables(db, false, lang, err);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'carried'",
                         -1, &st, NULL))
    return db_error(db, lang, err);
  int step = sqlite3_step(st), has = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW) return db_error(db, lang, err);
  return has ? 0 : make_field_tables(db, true, lang, err);
}

int ics_store_create(const char *path, const ics_store_setup *setup, ics_lang lang, ics_error *err) {
  if (ics_path_is_file(path) || ics_path_is_dir(path)) {
    ics_error_say(err, lang, CMSG(C_EXISTS), path);
    return -1;
  }
  /* the store holds personal answers and the store's signing key: only its owner may read
   * it (SQLite gives its journal the same mode) */
  if (ics_write_private_file(path, "", 0) != 0) {
    ics_error_say(err, lang, CMSG(C_CANNOT_CREATE), path, ics_errno_text(errno, lang));
    return -1;
  }
  sqlite3 *db = NULL;
  if (open_db(path, SQLITE_OPEN_READWRITE, &db, lang, err)) {
    ics_remove_file(path);
    return -1;
  }
  int rc = exec(db, "BEGIN", lang, err);
  if (!rc) rc = exec(db, schema_sql, lang, err);
  if (!rc) rc = make_field_tables(db, false, lang, err);
  if (!rc) rc = set_store_id(db, lang, err); /* tells a store from the central database */
  char id[37], now[21], number[16];
  ics_uuid_new(id);
  ics_now_utc(now);
  if (!rc) rc = put_meta(db, "store_id", id, lang, err);
  if (!rc) rc = put_meta(db, "site", setup->site, lang, err);
  if (!rc) rc = put_meta(db, "surveyor", setup->surveyor, lang, err);
  snprintf(number, sizeof number, "%d", setup->round);
  if (!rc) rc = put_meta(db, "round", number, lang, err);
  if (!rc) rc = put_meta(db, "created_at", now, lang, err);
  snprintf(number, sizeof number, "%d", STORE_SCHEMA_VERSION);
  if (!rc) rc = put_meta(db, "schema_version", number, lang, err);
  if (!rc) rc = put_new_signing_key(db, lang, err);
  if (!rc && setup->central_key) rc = put_key(db, "central_key", setup->central_key, 32, lang, err);
  if (!rc && setup->office_key) rc = put_kit(db, setup->office_key, setup->kit_sequence, setup->kit_id, lang, err);
  sqlite3_stmt *st = NULL;
  if (!rc && sqlite3_prepare_v2(db, "INSERT INTO forms VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL))
    rc = db_error(db, lang, err);
  for (size_t i = 0; !rc && i < setup->form_count; i++) {
    ics_errors diags = {0};
    ics_form *form = ics_form_parse(setup->form_paths[i], setup->form_texts[i],
                                    strlen(setup->form_texts[i]), lang, &diags);
    if (!form) { /* the form's first problem, with its place, is the store's error */
      if (ics_errors_no_memory(&diags, 0)) ics_error_no_memory(err, lang); /* not the form's fault */
      else if (diags.count) ics_error_move(err, &diags.items[0]);
      else ics_error_say(err, lang, CMSG(C_FORM_INVALID), setup->form_paths[i]);
      rc = -1;
    } else {
      sqlite3_reset(st);
      sqlite3_bind_text(st, 1, form->id, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, form->version, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, form->hash, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 4, setup->form_paths[i], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 5, setup->form_texts[i], -1, SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY)
          ics_error_say(err, lang, CMSG(C_FORM_TWICE), form->id);
        else
          db_error(db, lang, err);
        rc = -1;
      }
    }
    ics_form_free(form);
    ics_errors_free(&diags);
  }
  sqlite3_finalize(st);
  if (!rc && sqlite3_prepare_v2(db, "INSERT INTO unit_register VALUES (1, ?1, ?2)", -1, &st, NULL))
    rc = db_error(db, lang, err);
  else if (!rc) {
    sqlite3_bind_text(st, 1, setup->register_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, setup->register_text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(db, lang, err);
    sqlite3_finalize(st);
  }
  if (!rc) rc = exec(db, "COMMIT", lang, err);
  sqlite3_close(db);
  if (rc) ics_remove_file(path);
  return rc;
}


/* A store made before stores carried their application id: tell it from other SQLite files
 * (a central database above all) by its tables, and give it the id. */
static int adopt_old_store(sqlite3 *db, const char *path, bool read_only, ics_lang lang, ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                             " AND name IN ('meta', 'records')), (SELECT count(*) FROM"
                             " sqlite_master WHERE type = 'table' AND name = 'bundles')",
                         -1, &st, NULL) != SQLITE_OK)
    return db_error(db, lang, err);
  int step = sqlite3_step(st);
  int store_tables = sqlite3_column_int(st, 0), central_tables = sqlite3_column_int(st, 1);
  sqlite3_finalize(st);
  if (step != SQLITE_ROW) return db_error(db, lang, err);
  if (store_tables != 2)
    return not_a_store(err, lang, path, central_tables ? ICS_FILE_CENTRAL : ICS_FILE_DATABASE);
  return read_only ? 0 : set_store_id(db, lang, err); /* read only: known by its tables alone */
}

static ics_store *store_open(const char *path, bool read_only, ics_lang lang, ics_error *err) {
  ics_file_kind kind = ics_file_sniff(path);
  if (kind == ICS_FILE_NONE) {
    ics_error_say(err, lang, CMSG(C_NO_STORE), path);
    return NULL;
  }
  if (kind != ICS_FILE_STORE && kind != ICS_FILE_DATABASE) {
    not_a_store(err, lang, path, kind);
    return NULL;
  }
  ics_store *s = ics_calloc(1, sizeof *s);
  if (!s) {
    ics_error_no_memory(err, lang);
    return NULL;
  }
  s->lang = lang;
  if (open_db(path, read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, &s->db, lang, err) ||
      (kind == ICS_FILE_DATABASE && adopt_old_store(s->db, path, read_only, lang, err))) {
    sqlite3_close(s->db);
    ics_free(s);
    return NULL;
  }
  int failed = 0;
  char *version = get_meta(s->db, "schema_version", &failed);
  s->id = get_meta(s->db, "store_id", &failed);
  s->site = get_meta(s->db, "site", &failed);
  s->surveyor = get_meta(s->db, "surveyor", &failed);
  char *round = get_meta(s->db, "round", &failed);
  s->round = round ? atoi(round) : 0;
  ics_free(round);
  if (failed) { /* busy, unreadable or no memory: not a verdict on the file */
    if (failed == 1) db_error(s->db, lang, err);
    else ics_error_no_memory(err, lang);
    ics_free(version);
    ics_store_close(s);
    return NULL;
  }
  bool ok = version && s->id && s->site && s->surveyor && s->round > 0;
  if (ok && atoi(version) > STORE_SCHEMA_VERSION) {
    ics_error_say(err, lang, CMSG(C_NEWER));
    ics_free(version);
    ics_store_close(s);
    return NULL;
  }
  ics_free(version);
  if (!ok) {
    ics_error_say(err, lang, CMSG(C_NOT_A_STORE), path);
    ics_store_close(s);
    return NULL;
  }
  if (open_field_tables(s->db, read_only, lang, err)) {
    ics_store_close(s);
    return NULL;
  }
  sqlite3_stmt *st;
  ics_errors diags = {0};
  if (sqlite3_prepare_v2(s->db, "SELECT path, definition FROM forms ORDER BY form_id", -1, &st, NULL)) {
    db_error(s->db, lang, err);
    ics_store_close(s);
    return NULL;
  }
  int step = SQLITE_DONE;
  while (ok && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *fpath = (const char *)sqlite3_column_text(st, 0);
    const char *text = (const char *)sqlite3_column_text(st, 1);
    if (!fpath || !text) { /* SQLite had no memory for them (NULL text would read a file) */
      failed = 2;
      break;
    }
    ics_form **forms = ics_realloc(s->forms, (s->form_count + 1) * sizeof *forms);
    if (!forms) {
      failed = 2;
      break;
    }
    s->forms = forms;
    ics_form *form = ics_form_parse(fpath, text, (size_t)sqlite3_column_bytes(st, 1), lang, &diags);
    if (!form) ok = false;
    else s->forms[s->form_count++] = form;
  }
  if (ok && !failed && step != SQLITE_DONE) failed = 1;
  sqlite3_finalize(st);
  if (ok && !failed && sqlite3_prepare_v2(s->db, "SELECT path, definition FROM unit_register", -1, &st, NULL))
    failed = 1;
  else if (ok && !failed) {
    step = sqlite3_step(st);
    const char *rpath = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    const char *rtext = rpath ? (const char *)sqlite3_column_text(st, 1) : NULL;
    if (rtext)
      s->reg = ics_register_parse(rpath, rtext, (size_t)sqlite3_column_bytes(st, 1), lang, &diags);
    else if (step == SQLITE_ROW)
      failed = 2; /* a row SQLite had no memory for */
    else if (step != SQLITE_DONE)
      failed = 1;
    sqlite3_finalize(st);
  }
  if (failed || !ok || !s->reg) {
    char *msg = diags.count ? ics_error_format(&diags.items[0]) : NULL;
    if (failed == 1) /* busy or unreadable */
      db_error(s->db, lang, err);
    else if (failed || ics_errors_no_memory(&diags, 0)) /* not damaged: short of memory */
      ics_error_no_memory(err, lang);
    else
      ics_error_say(err, lang, CMSG(C_STORE_DAMAGED), path, msg ? msg : "?");
    ics_free(msg);
    ics_errors_free(&diags);
    ics_store_close(s);
    return NULL;
  }
  ics_errors_free(&diags);
  return s;
}

ics_store *ics_store_open(const char *path, ics_lang lang, ics_error *err) {
  return store_open(path, false, lang, err);
}

ics_store *ics_store_open_read_only(const char *path, ics_lang lang, ics_error *err) {
  return store_open(path, true, lang, err);
}

void ics_store_close(ics_store *s) {
  if (!s) return;
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->stmt[i]);
  sqlite3_close(s->db);
  for (size_t i = 0; i < s->form_count; i++) ics_form_free(s->forms[i]);
  ics_free(s->forms);
  ics_register_free(s->reg);
  ics_free(s->id);
  ics_free(s->site);
  ics_free(s->surveyor);
  ics_free(s);
}

const char *ics_store_id(const ics_store *s) { return s->id; }
const char *ics_store_site(const ics_store *s) { return s->site; }
const char *ics_store_surveyor(const ics_store *s) { return s->surveyor; }
int ics_store_round(const ics_store *s) { return s->round; }
const ics_register *ics_store_register(const ics_store *s) { return s->reg; }
size_t ics_store_form_count(const ics_store *s) { return s->form_count; }
const ics_form *ics_store_form_at(const ics_store *s, size_t i) { return s->forms[i]; }

const ics_form *ics_store_form(const ics_store *s, const char *form_id) {
  for (size_t i = 0; i < s->form_count; i++)
    if (!strcmp(s->forms[i]->id, form_id)) return s->forms[i];
  return NULL;
}

int ics_store_begin(ics_store *s, ics_error *err) { return exec(s->db, "BEGIN IMMEDIATE", s->lang, err); }
int ics_store_commit(ics_store *s, ics_error *err) { return exec(s->db, "COMMIT", s->lang, err); }
void ics_store_rollback(ics_store *s) { sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); }

/* ---- records ---------------------------------------------------------------------------- */
/* A statement prepared on first use and kept, reset and unbound, for the next one. */
static sqlite3_stmt *cached(ics_store *s, int which, const char *sql, ics_error *err) {
  sqlite3_stmt *st = s->stmt[which];
  if (st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
  }
  if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    db_error(s->db, s->lang, err);
    return NULL;
  }
  s->stmt[which] = st;
  return st;
}

static const char *natural_key(const ics_record *rec) {
  return rec->form->key >= 0 ? rec->values[rec->form->key] : NULL;
}

static int insert_revision(ics_store *s, const char *id, int revision, const ics_record *rec,
                           ics_record_status status, const char *created, ics_error *err) {
  static const char sql[] =
      "INSERT INTO records(instance_id, revision, form_id, form_version, form_hash, round,"
      " surveyor, site, created_at, updated_at, status, natural_key, answers)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
  sqlite3_stmt *st = cached(s, ST_INSERT, sql, err);
  if (!st) return -1;
  char now[21];
  ics_now_utc(now);
  char *answers = encode_answers(rec);
  if (!answers) {
    ics_error_no_memory(err, s->lang);
    return -1;
  }
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, revision);
  sqlite3_bind_text(st, 3, rec->form->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, rec->form->version, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, rec->form->hash, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, s->round);
  sqlite3_bind_text(st, 7, s->surveyor, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, s->site, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, created ? created : now, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 11, ics_record_status_name(status), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 12, natural_key(rec), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 13, answers, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s->db, s->lang, err);
  sqlite3_reset(st);
  ics_free(answers);
  return rc;
}

int ics_store_add(ics_store *s, const ics_record *rec, ics_record_status status, char id[37],
                  ics_error *err) {
  ics_uuid_new(id);
  return insert_revision(s, id, 1, rec, status, NULL, err);
}

static int newest_info(ics_store *s, const char *id, ics_record_info *info, char **answers,
                       ics_error *err) {
  static const char sql[] =
      "SELECT revision, form_id, status, created_at, updated_at, answers, round,"
      " (SELECT from_round FROM carried c WHERE c.instance_id = records.instance_id)"
      " FROM records WHERE instance_id = ?1 ORDER BY revision DESC LIMIT 1";
  sqlite3_stmt *st = cached(s, ST_NEWEST, sql, err);
  if (!st) return -1;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    if (rc == SQLITE_DONE)
      ics_error_say(err, s->lang, CMSG(C_NO_RECORD), id);
    else
      db_error(s->db, s->lang, err);
    sqlite3_reset(st);
    return -1;
  }
  memset(info, 0, sizeof *info);
  snprintf(info->instance_id, sizeof info->instance_id, "%s", id);
  info->revision = sqlite3_column_int(st, 0);
  const char *form_id = (const char *)sqlite3_column_text(st, 1);
  const char *status = (const char *)sqlite3_column_text(st, 2);
  const char *created = (const char *)sqlite3_column_text(st, 3);
  const char *updated = (const char *)sqlite3_column_text(st, 4);
  const char *text = answers ? (const char *)sqlite3_column_text(st, 5) : "";
  if (!form_id || !status || !created || !updated || !text) { /* NOT NULL: SQLite had no memory */
    ics_error_no_memory(err, s->lang);
    sqlite3_reset(st);
    return -1;
  }
  snprintf(info->form_id, sizeof info->form_id, "%s", form_id);
  parse_status(status, &info->status);
  snprintf(info->created_at, sizeof info->created_at, "%s", created);
  snprintf(info->updated_at, sizeof info->updated_at, "%s", updated);
  info->round = sqlite3_column_int(st, 6);
  info->carried_from = sqlite3_column_int(st, 7);
  if (answers) *answers = ics_strdup(text);
  sqlite3_reset(st);
  return 0;
}

int ics_store_get(ics_store *s, const char *id, ics_record **record, ics_record_info *info,
                  ics_error *err) {
  char *answers = NULL;
  *record = NULL;
  if (newest_info(s, id, info, &answers, err)) return -1;
  const ics_form *form = ics_store_form(s, info->form_id);
  if (!form) { /* a record of a form the store does not have */
    ics_free(answers);
    ics_error_say(err, s->lang, CMSG(C_RECORD_UNREADABLE), id);
    return -1;
  }
  ics_record *rec = ics_record_new(form);
  if (!rec || !answers || !decode_answers(rec, answers)) { /* each fails only for memory */
    ics_record_free(rec);
    ics_free(answers);
    ics_error_no_memory(err, s->lang);
    return -1;
  }
  ics_free(answers);
  *record = rec;
  return 0;
}

/* A record of a round the store has left (a pre-filled kit moved it on) stays as the office
 * has it: only its carried-over copy, a record of this round, may change. */
static int of_this_round(ics_store *s, const ics_record_info *info, ics_error *err) {
  if (info->round == s->round) return 0;
  ics_error_say(err, s->lang, CMSG(C_RECORD_EARLIER_ROUND), info->instance_id, info->round, s->round);
  return -1;
}

int ics_store_revise(ics_store *s, const char *id, const ics_record *rec,
                     ics_record_status status, ics_error *err) {
  ics_record_info info;
  if (newest_info(s, id, &info, NULL, err) || of_this_round(s, &info, err)) return -1;
  return insert_revision(s, id, info.revision + 1, rec, status, info.created_at, err);
}

int ics_store_update(ics_store *s, const char *id, const ics_record *rec,
                     ics_record_status status, ics_error *err) {
  ics_record_info info;
  if (newest_info(s, id, &info, NULL, err) || of_this_round(s, &info, err)) return -1;
  static const char sql[] =
      "UPDATE records SET answers = ?1, status = ?2, natural_key = ?3, updated_at = ?4"
      " WHERE instance_id = ?5 AND revision = ?6";
  char *answers = encode_answers(rec);
  if (!answers) {
    ics_error_no_memory(err, s->lang);
    return -1;
  }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) {
    ics_free(answers);
    return db_error(s->db, s->lang, err);
  }
  char now[21];
  ics_now_utc(now);
  sqlite3_bind_text(st, 1, answers, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, ics_record_status_name(status), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, natural_key(rec), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, info.revision);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s->db, s->lang, err);
  sqlite3_finalize(st);
  ics_free(answers);
  return rc;
}

/* Steps a query whose first column is an instance id: *found tells whether there was a row,
 * its id then in found_id. */
static int step_instance_id(ics_store *s, sqlite3_stmt *st, char found_id[37], bool *found,
                            ics_error *err) {
  *found = false;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return db_error(s->db, s->lang, err);
  const char *id = (const char *)sqlite3_column_text(st, 0);
  if (!id) { /* NOT NULL: SQLite had no memory for the text */
    ics_error_no_memory(err, s->lang);
    return -1;
  }
  snprintf(found_id, 37, "%s", id);
  *found = true;
  return 0;
}

int ics_store_find_key(ics_store *s, const char *form_id, const char *key, const char *except_id,
                       char found_id[37], bool *found, ics_error *err) {
  static const char sql[] =
      "SELECT instance_id FROM records WHERE form_id = ?1 AND natural_key = ?2"
      " AND instance_id != ?3 AND round = ?4 AND " NEWEST " AND status != 'void' ORDER BY instance_id LIMIT 1";
  *found = false;
  sqlite3_stmt *st = cached(s, ST_FIND_KEY, sql, err);
  if (!st) return -1;
  sqlite3_bind_text(st, 1, form_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, except_id ? except_id : "", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, s->round);
  int rc = step_instance_id(s, st, found_id, found, err);
  sqlite3_reset(st);
  return rc;
}

int ics_store_has_records(ics_store *s, const char *form_id, bool *has, ics_error *err) {
  *has = false;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM records WHERE form_id = ?1 LIMIT 1", -1, &st, NULL))
    return db_error(s->db, s->lang, err);
  sqlite3_bind_text(st, 1, form_id, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  int rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : db_error(s->db, s->lang, err);
  *has = step == SQLITE_ROW;
  sqlite3_finalize(st);
  return rc;
}

int ics_store_find_by_key(ics_store *s, const char *form_id, const char *key, bool want_void,
                          char found_id[37], ics_error *err) {
  static const char sql[] =
      "SELECT instance_id, form_id FROM records WHERE natural_key = ?1 AND (?2 IS NULL OR form_id = ?2)"
      " AND (status = 'void') = ?3 AND round = ?4 AND " NEWEST " ORDER BY updated_at DESC, instance_id";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) return db_error(s->db, s->lang, err);
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (form_id) sqlite3_bind_text(st, 2, form_id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, want_void);
  sqlite3_bind_int(st, 4, s->round);
  char first_form[ICS_NAME_MAX + 1] = "";
  int step, rc = 0;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *form = (const char *)sqlite3_column_text(st, 1);
    if (!id || !form) { /* NOT NULL: SQLite had no memory */
      ics_error_no_memory(err, s->lang);
      rc = -1;
    } else if (!*first_form) {
      snprintf(found_id, 37, "%s", id);
      snprintf(first_form, sizeof first_form, "%s", form);
    } else if (strcmp(form, first_form)) { /* the staff code of one form, a school's of another */
      ics_error_say(err, s->lang, CMSG(C_KEY_TWO_FORMS), key, first_form, form);
      rc = -1;
    }
  }
  if (!rc && step != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
  if (!rc && !*first_form) {
    ics_error_say(err, s->lang, CMSG(C_NO_RECORD), key);
    rc = -1;
  }
  sqlite3_finalize(st);
  return rc;
}

/* One integer a query gives (its first column of its first row; 0 without a row). */
static int query_int64(ics_store *s, const char *sql, const char *text, sqlite3_int64 *out,
                       ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) return db_error(s->db, s->lang, err);
  if (text) sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  int rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : db_error(s->db, s->lang, err);
  sqlite3_finalize(st);
  return rc;
}

/* Whether an export carried the newest revision of id (a void: nothing can follow it but an
 * unvoid; a finalized revision: a change to it must be a new revision). Exports remember the
 * last row of records they saw (meta exported_rowid); a store whose exports predate that is
 * judged by the times of its exports. */
static int newest_exported(ics_store *s, const char *id, bool *exported, ics_error *err) {
  sqlite3_int64 newest = 0, seen = -1, later = 0;
  int rc = query_int64(s, "SELECT max(rowid) FROM records WHERE instance_id = ?1", id, &newest, err);
  if (!rc)
    rc = query_int64(s, "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta"
                        " WHERE key = 'exported_rowid'), -1)",
                     NULL, &seen, err);
  if (!rc && seen < 0)
    rc = query_int64(s, "SELECT count(*) FROM exports WHERE created >= (SELECT updated_at"
                        " FROM records WHERE instance_id = ?1 AND " NEWEST ")",
                     id, &later, err);
  *exported = seen >= 0 ? newest <= seen : later > 0;
  /* a carried-over record never confirmed is never exported, whatever the exports saw */
  sqlite3_int64 unconfirmed = 0;
  if (!rc && *exported)
    rc = query_int64(s, "SELECT EXISTS (SELECT 1 FROM carried WHERE instance_id = ?1) AND NOT EXISTS"
                        " (SELECT 1 FROM records WHERE instance_id = ?1 AND status = 'finalized')",
                     id, &unconfirmed, err);
  if (unconfirmed) *exported = false;
  return rc;
}

int ics_store_replace(ics_store *s, const char *id, const ics_record *rec, ics_record_status status,
                      ics_error *err) {
  ics_record_info info;
  bool exported = false;
  if (newest_info(s, id, &info, NULL, err)) return -1;
  if (info.status == ICS_VOID) {
    ics_error_say(err, s->lang, CMSG(C_RECORD_VOID), id);
    return -1;
  }
  if (info.status == ICS_DRAFT) return ics_store_update(s, id, rec, status, err);
  if (newest_exported(s, id, &exported, err)) return -1;
  /* a finalized record changed into a draft keeps its finalized revision: the one exported */
  return status == ICS_FINALIZED && !exported ? ics_store_update(s, id, rec, ICS_FINALIZED, err)
                                              : ics_store_revise(s, id, rec, status, err);
}

int ics_store_save_change(ics_store *s, const char *id, const ics_record *rec, bool complete,
                          ics_record_status *status, ics_error *err) {
  if (ics_store_begin(s, err)) return -1;
  ics_record_info info;
  bool exported = false;
  int rc = newest_info(s, id, &info, NULL, err);
  if (!rc && info.status == ICS_VOID) {
    ics_error_say(err, s->lang, CMSG(C_RECORD_VOID), id);
    rc = -1;
  }
  if (!rc && info.status == ICS_FINALIZED) rc = newest_exported(s, id, &exported, err);
  if (!rc) {
    if (info.status == ICS_DRAFT) {
      *status = ICS_DRAFT;
      rc = ics_store_update(s, id, rec, ICS_DRAFT, err);
    } else {
      /* an incomplete change keeps the finalized revision as it was: the one exported */
      *status = complete ? ICS_FINALIZED : ICS_DRAFT;
      rc = complete && !exported ? ics_store_update(s, id, rec, ICS_FINALIZED, err)
                                 : ics_store_revise(s, id, rec, *status, err);
    }
  }
  if (!rc) rc = ics_store_commit(s, err);
  if (rc) ics_store_rollback(s);
  return rc;
}

int ics_store_unvoid(ics_store *s, const char *id, ics_record_status *restored, ics_error *err) {
  if (ics_store_begin(s, err)) return -1;
  ics_record *rec = NULL;
  ics_record_info info;
  sqlite3_int64 before = 0;
  bool exported = false;
  int rc = ics_store_get(s, id, &rec, &info, err);
  if (!rc && info.status != ICS_VOID) {
    ics_error_say(err, s->lang, CMSG(C_NOT_VOID), id);
    rc = -1;
  }
  if (!rc) rc = newest_exported(s, id, &exported, err);
  if (!rc && exported) {
    ics_error_say(err, s->lang, CMSG(C_VOID_EXPORTED), id);
    rc = -1;
  }
  /* the status of the newest revision that is not a void: 1 finalized, 0 a draft */
  if (!rc)
    rc = query_int64(s, "SELECT status = 'finalized' FROM records WHERE instance_id = ?1"
                        " AND status != 'void' ORDER BY revision DESC LIMIT 1",
                     id, &before, err);
  *restored = before ? ICS_FINALIZED : ICS_DRAFT;
  if (!rc) rc = ics_store_revise(s, id, rec, *restored, err);
  if (!rc) rc = ics_store_commit(s, err);
  if (rc) ics_store_rollback(s);
  ics_record_free(rec);
  return rc;
}

/* Records carried over by a pre-filled kit go to the office only once the surveyor has
 * confirmed (finalized) them: until then a void of one is the office's own data again. */
#define CONFIRMED                                                                              \
  "(NOT EXISTS (SELECT 1 FROM carried c WHERE c.instance_id = records.instance_id)"            \
  " OR EXISTS (SELECT 1 FROM records f WHERE f.instance_id = records.instance_id"              \
  "   AND f.status = 'finalized'))"
/* Of a record (the row of `records` in the query): the revision an export carries (NULL when
 * none), and the newest one a receipt says the office holds (NULL when none). */
#define SENDABLE                                                                               \
  "(SELECT max(x.revision) FROM records x WHERE x.instance_id = records.instance_id"           \
  "  AND x.status != 'draft' AND " CONFIRMED ")"
#define HELD "(SELECT v.revision FROM received v WHERE v.instance_id = records.instance_id)"

int ics_store_list(ics_store *s, ics_store_visitor visit, void *ctx, ics_error *err) {
  /* the round's records: a store moved to the next round by a pre-filled kit keeps the
   * earlier one's as they were (ics_store_summarize counts them) */
  static const char sql[] =
      "SELECT instance_id, revision, form_id, status, created_at, updated_at, natural_key, answers,"
      " " SENDABLE ", " HELD ","
      " (SELECT c.from_round FROM carried c WHERE c.instance_id = records.instance_id), round"
      " FROM records WHERE round = ?1 AND " NEWEST " ORDER BY form_id, instance_id";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) return db_error(s->db, s->lang, err);
  sqlite3_bind_int(st, 1, s->round);
  int step, rc = 0;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *form_id = (const char *)sqlite3_column_text(st, 2);
    const char *status = (const char *)sqlite3_column_text(st, 3);
    const char *created = (const char *)sqlite3_column_text(st, 4);
    const char *updated = (const char *)sqlite3_column_text(st, 5);
    if (!id || !form_id || !status || !created || !updated) { /* NOT NULL: SQLite had no memory */
      ics_error_no_memory(err, s->lang);
      rc = -1;
      break;
    }
    ics_record_info info = {0};
    snprintf(info.instance_id, sizeof info.instance_id, "%s", id);
    info.revision = sqlite3_column_int(st, 1);
    snprintf(info.form_id, sizeof info.form_id, "%s", form_id);
    parse_status(status, &info.status);
    snprintf(info.created_at, sizeof info.created_at, "%s", created);
    snprintf(info.updated_at, sizeof info.updated_at, "%s", updated);
    int sendable = sqlite3_column_int(st, 8), held = sqlite3_column_int(st, 9);
    info.office = !sendable ? ICS_OFFICE_NOTHING_YET : held >= sendable ? ICS_OFFICE_HAS : ICS_OFFICE_LACKS;
    info.carried_from = sqlite3_column_int(st, 10);
    info.round = sqlite3_column_int(st, 11);
    const char *key = (const char *)sqlite3_column_text(st, 6);
    const char *answers = (const char *)sqlite3_column_text(st, 7);
    const ics_form *form = ics_store_form(s, form_id);
    if (!form) { /* a record of a form the store does not have */
      ics_error_say(err, s->lang, CMSG(C_RECORD_UNREADABLE), id);
      rc = -1;
      break;
    }
    ics_record *rec = ics_record_new(form);
    if (!rec || !answers || !decode_answers(rec, answers)) { /* each fails only for memory */
      ics_record_free(rec);
      ics_error_no_memory(err, s->lang);
      rc = -1;
      break;
    }
    rc = visit(ctx, &info, key ? key : "", rec, err) ? -1 : 0;
    ics_record_free(rec);
    if (rc) break;
  }
  if (!rc && step != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
  sqlite3_finalize(st);
  return rc;
}

/* ---- export ----------------------------------------------------------------------------- */
/* The newest revision of each instance that is not a draft: an edit in progress does not hold
 * back the version already finalized. */
#define EXPORTED                                                                               \
  "status != 'draft' AND revision = (SELECT MAX(r2.revision) FROM records r2"                \
  " WHERE r2.instance_id = records.instance_id AND r2.status != 'draft') AND " CONFIRMED

/* What an export with --pending leaves out: what a receipt says the office holds. */
#define PENDING                                                                                \
  " AND NOT EXISTS (SELECT 1 FROM received v WHERE v.instance_id = records.instance_id"       \
  "   AND v.revision >= records.revision)"

/* Splits "name=value\n..." into pairs pointing into text (unescaped in place). Returns 0, 1
 * when the text is damaged, 2 when memory ran out. */
static int split_answers(char *text, ics_bundle_value **values, size_t *count, size_t *cap) {
  *count = 0;
  for (char *line = text; *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char *eq = strchr(line, '=');
    if (eq) {
      *eq = '\0';
      size_t bad, len = ics_unescape(eq + 1, strlen(eq + 1), &bad);
      if (len == SIZE_MAX) return 1;
      eq[1 + len] = '\0';
      if (*count == *cap) {
        size_t n = *cap ? *cap * 2 : 32;
        ics_bundle_value *v = ics_realloc(*values, n * sizeof *v);
        if (!v) return 2;
        *values = v;
        *cap = n;
      }
      (*values)[(*count)++] = (ics_bundle_value){line, eq + 1};
    }
    if (!nl) break;
    line = nl + 1;
  }
  return 0;
}

int ics_store_set_central_key(ics_store *s, const unsigned char key[32], ics_error *err) {
  if (exec(s->db, "BEGIN IMMEDIATE", s->lang, err)) return -1;
  int rc = exec(s->db, "DELETE FROM meta WHERE key = 'central_key'", s->lang, err);
  if (!rc) rc = put_key(s->db, "central_key", key, 32, s->lang, err);
  if (!rc) rc = exec(s->db, "COMMIT", s->lang, err);
  if (rc) ics_store_rollback(s);
  return rc;
}

bool ics_store_signer(ics_store *s, char hex[65]) {
  unsigned char key[crypto_sign_SECRETKEYBYTES];
  bool found = get_key(s, "signing_key", key, sizeof key, NULL) == 1;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  if (found) {
    crypto_sign_ed25519_sk_to_pk(pk, key);
    sodium_bin2hex(hex, 65, pk, sizeof pk);
  }
  sodium_memzero(key, sizeof key);
  return found;
}

bool ics_store_sealed(ics_store *s, char *fingerprint) {
  unsigned char key[32];
  bool sealed = get_key(s, "central_key", key, sizeof key, NULL) == 1;
  if (sealed) ics_key_fingerprint(key, fingerprint);
  return sealed;
}

/* Nothing finalized or void to export: a bundle of nothing would tell the surveyor the work
 * was sent while the drafts stay behind. Says how many drafts wait; returns -1. */
static int refuse_empty(ics_store *s, ics_error *err) {
  sqlite3_int64 drafts = 0;
  if (query_int64(s, "SELECT count(*) FROM records WHERE status = 'draft' AND " NEWEST, NULL,
                  &drafts, err))
    return -1;
  if (drafts) ics_error_say(err, s->lang, CMSG(C_EXPORT_DRAFTS_ONLY), (unsigned long long)drafts);
  else ics_error_say(err, s->lang, CMSG(C_EXPORT_EMPTY));
  return -1;
}

/* The records of the store's round whose newest revision is a draft. */
static int round_drafts(ics_store *s, sqlite3_int64 *drafts, ics_error *err) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE status = 'draft' AND round = %d AND " NEWEST,
           s->round);
  return query_int64(s, sql, NULL, drafts, err);
}

/* --pending with nothing the office lacks: says so (with the drafts that wait); returns -1. */
static int refuse_nothing_pending(ics_store *s, ics_error *err) {
  sqlite3_int64 drafts = 0;
  if (round_drafts(s, &drafts, err)) return -1;
  ics_error_say(err, s->lang, CMSG(C_EXPORT_NOTHING_PENDING), (unsigned long long)drafts);
  return -1;
}

int ics_store_export(ics_store *s, const char *path, const ics_export_options *opts,
                     uint64_t *records_out, ics_error *err) {
  *records_out = 0;
  ics_bundle_form *forms = ics_calloc(s->form_count ? s->form_count : 1, sizeof *forms);
  if (!forms) {
    ics_error_no_memory(err, s->lang);
    return -1;
  }
  /* a read transaction: counts and records come from the same state */
  if (exec(s->db, "BEGIN", s->lang, err)) {
    ics_free(forms);
    return -1;
  }
  int rc = 0;
  sqlite3_stmt *st = NULL;
  uint64_t total = 0;
  bool pending = opts && opts->pending;
  if (sqlite3_prepare_v2(s->db, pending ? "SELECT count(*) FROM records WHERE form_id = ?1 AND " EXPORTED PENDING
                                        : "SELECT count(*) FROM records WHERE form_id = ?1 AND " EXPORTED,
                         -1, &st, NULL))
    rc = db_error(s->db, s->lang, err);
  for (size_t i = 0; !rc && i < s->form_count; i++) {
    const ics_form *f = s->forms[i];
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
      rc = db_error(s->db, s->lang, err);
      break;
    }
    forms[i] = (ics_bundle_form){.id = f->id, .version = f->version, .hash = f->hash,
                                 .definition = f->source, .definition_len = f->source_len,
                                 .records = (uint64_t)sqlite3_column_int64(st, 0)};
    total += forms[i].records;
  }
  sqlite3_finalize(st);
  st = NULL;
  if (!rc && total == 0 && !(opts && opts->allow_empty)) rc = pending ? refuse_nothing_pending(s, err) : refuse_empty(s, err);

  char bundle_id[37], created[21];
  if (opts && opts->bundle_id) snprintf(bundle_id, sizeof bundle_id, "%s", opts->bundle_id);
  else ics_uuid_new(bundle_id);
  if (opts && opts->created) snprintf(created, sizeof created, "%s", opts->created);
  else ics_now_utc(created);
  char *reg_text = NULL;
  size_t reg_len = 0;
  bool reg_read = false;
  if (!rc && !sqlite3_prepare_v2(s->db, "SELECT definition FROM unit_register", -1, &st, NULL) &&
      sqlite3_step(st) == SQLITE_ROW) {
    reg_read = true;
    reg_len = (size_t)sqlite3_column_bytes(st, 0);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    reg_text = text ? ics_strndup(text, reg_len) : NULL;
  }
  if (!rc && !reg_text) {
    if (reg_read) { /* the row was there: no memory for its text */
      ics_error_no_memory(err, s->lang);
      rc = -1;
    } else {
      rc = db_error(s->db, s->lang, err);
    }
  }
  sqlite3_finalize(st);
  st = NULL;

  /* signed with the store's key (a store made before keys existed gets one now, in this
   * transaction); sealed when the store has the office's key */
  unsigned char signing_key[crypto_sign_SECRETKEYBYTES], central_key[32];
  int has_signing = rc ? -1 : get_key(s, "signing_key", signing_key, sizeof signing_key, err);
  if (has_signing == 0 && !(rc = put_new_signing_key(s->db, s->lang, err))) {
    /* a store made before keys existed may be readable by others: not with a key in it */
    const char *file = sqlite3_db_filename(s->db, "main");
    if (file && *file && ics_make_private(file) != 0) {
      ics_error_say(err, s->lang, CMSG(C_NOT_PRIVATE), file, ics_errno_text(errno, s->lang));
      rc = -1;
    }
    if (!rc) has_signing = get_key(s, "signing_key", signing_key, sizeof signing_key, err);
  }
  int has_central = has_signing == 1 ? get_key(s, "central_key", central_key, sizeof central_key, err) : -1;
  if (has_signing != 1 || has_central < 0) rc = -1; /* said by get_key, or by the step before */
  ics_bundle_keys keys = {.signing_key = signing_key, .central_key = has_central == 1 ? central_key : NULL};

  ics_bundle_manifest manifest = {
      .bundle_id = bundle_id, .store_id = s->id,
      .surveyor = s->surveyor, .site = s->site, .round = s->round, .created = created,
      .register_text = reg_text, .register_len = reg_len, .forms = forms,
      .form_count = s->form_count, .record_count = total};
  ics_bundle_writer *w = rc ? NULL : ics_bundle_create(path, &manifest, &keys, s->lang, err);
  sodium_memzero(signing_key, sizeof signing_key);
  if (!rc && !w) rc = -1;
#define RECORDS_SQL                                                                            \
  "SELECT instance_id, revision, form_id, status, created_at, updated_at, surveyor, site,"     \
  " round, answers FROM records WHERE " EXPORTED
  if (!rc && sqlite3_prepare_v2(s->db, pending ? RECORDS_SQL PENDING " ORDER BY rowid" : RECORDS_SQL " ORDER BY rowid",
                                -1, &st, NULL))
    rc = db_error(s->db, s->lang, err);
#undef RECORDS_SQL
  ics_bundle_value *values = NULL;
  size_t value_count = 0, value_cap = 0;
  ics_buf answers = {0};
  int step = SQLITE_DONE;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    /* every column is NOT NULL: a NULL is SQLite out of memory, never an empty answer */
    bool missing = false;
    for (int k = 0; k < 10 && !missing; k++)
      missing = k != 1 && k != 8 && !sqlite3_column_text(st, k);
    if (missing) {
      ics_error_no_memory(err, s->lang);
      rc = -1;
      break;
    }
    answers.len = 0;
    ics_buf_append(&answers, (const char *)sqlite3_column_text(st, 9), (size_t)sqlite3_column_bytes(st, 9));
    int split = answers.failed ? 2
                : split_answers(answers.data ? answers.data : (char[]){""}, &values, &value_count,
                                &value_cap);
    if (split == 2) {
      ics_error_no_memory(err, s->lang);
      rc = -1;
      break;
    }
    if (split) {
      ics_error_say(err, s->lang, CMSG(C_RECORD_DAMAGED), (const char *)sqlite3_column_text(st, 0));
      rc = -1;
      break;
    }
    ics_bundle_record r = {
        .instance_id = (const char *)sqlite3_column_text(st, 0),
        .revision = sqlite3_column_int(st, 1),
        .form_id = (const char *)sqlite3_column_text(st, 2),
        .status = (const char *)sqlite3_column_text(st, 3),
        .created_at = (const char *)sqlite3_column_text(st, 4),
        .updated_at = (const char *)sqlite3_column_text(st, 5),
        .surveyor = (const char *)sqlite3_column_text(st, 6),
        .site = (const char *)sqlite3_column_text(st, 7),
        .round = sqlite3_column_int(st, 8),
        .values = values,
        .value_count = value_count};
    if (ics_bundle_write(w, &r, err)) rc = -1;
  }
  if (!rc && step != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
  sqlite3_finalize(st);
  ics_buf_free(&answers);
  ics_free(values);
  bool written = false;
  if (!rc) {
    written = ics_bundle_finish(w, err) == 0;
    if (!written) rc = -1;
  } else {
    ics_bundle_abort(w);
  }
  /* what this export saw of the records: a void up to here has reached the office */
  if (!rc) rc = exec(s->db, "INSERT OR REPLACE INTO meta(key, value) SELECT 'exported_rowid',"
                            " coalesce(max(rowid), 0) FROM records", s->lang, err);
  if (!rc) {
    /* the log of exports and what it saw are the only writes of an export */
    sqlite3_stmt *log;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO exports VALUES (?1, ?2, ?3, ?4)", -1, &log, NULL)) {
      rc = db_error(s->db, s->lang, err);
    } else {
      sqlite3_bind_text(log, 1, bundle_id, -1, SQLITE_STATIC);
      sqlite3_bind_text(log, 2, created, -1, SQLITE_STATIC);
      sqlite3_bind_text(log, 3, path, -1, SQLITE_STATIC);
      sqlite3_bind_int64(log, 4, (sqlite3_int64)total);
      if (sqlite3_step(log) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
      sqlite3_finalize(log);
    }
  }
  if (!rc) rc = exec(s->db, "COMMIT", s->lang, err);
  if (rc) ics_store_rollback(s);
  /* the export could not be logged: no bundle either, all or nothing */
  if (rc && written) ics_remove_file(path);
  if (!rc) *records_out = total;
  ics_free(reg_text);
  ics_free(forms);
  return rc;
}

/* ---- survey kits ---------------------------------------------------------------------------- */
int ics_store_kit(ics_store *s, ics_store_kit_info *info, ics_error *err) {
  memset(info, 0, sizeof *info);
  int found = get_key(s, "office_key", info->office_key, sizeof info->office_key, err);
  if (found < 0) return -1;
  info->from_kit = found == 1;
  if (!info->from_kit) return 0;
  int failed = 0;
  char *sequence = get_meta(s->db, "kit_sequence", &failed), *id = get_meta(s->db, "kit_id", &failed);
  if (!failed && sequence) info->sequence = strtoull(sequence, NULL, 10);
  if (!failed && id) snprintf(info->kit_id, sizeof info->kit_id, "%s", id);
  ics_free(sequence);
  ics_free(id);
  if (failed == 1) return db_error(s->db, s->lang, err);
  if (failed) {
    ics_error_no_memory(err, s->lang);
    return -1;
  }
  return 0;
}

/* The records a pre-filled kit carries, as new drafts of the kit's round (inside the caller's
 * transaction, after the kit's forms were stored): each a new instance id, its origin in
 * `carried`. Answers to questions the new version of a form no longer has are dropped; a record
 * of a form the kit no longer has is not carried. *count gets the records stored. */
static int load_carried(ics_store *s, const ics_kit *kit, size_t *count, ics_error *err) {
  unsigned char secret[crypto_sign_SECRETKEYBYTES] = {0};
  /* a store without a key never sent a bundle: no kit was sealed to it (a zero key opens none) */
  if (get_key(s, "signing_key", secret, sizeof secret, err) < 0) return -1;
  ics_prefill *p = ics_prefill_open(kit, secret, s->lang, err);
  sodium_memzero(secret, sizeof secret);
  if (!p) return -1;
  ics_form **forms = ics_calloc(kit->form_count + 1, sizeof *forms);
  int rc = forms ? 0 : -1;
  for (size_t i = 0; !rc && i < kit->form_count; i++) {
    ics_errors diags = {0}; /* the kit's reader loaded each already: only memory can fail */
    forms[i] = ics_form_parse(kit->forms[i].id, kit->forms[i].text, kit->forms[i].len, s->lang, &diags);
    ics_errors_free(&diags);
    if (!forms[i]) rc = -1;
  }
  if (rc) ics_error_no_memory(err, s->lang);
  sqlite3_stmt *st = NULL;
  if (!rc && sqlite3_prepare_v2(s->db, "INSERT INTO carried VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL))
    rc = db_error(s->db, s->lang, err);
  for (size_t i = 0; !rc && i < p->record_count; i++) {
    const ics_prefill_record *r = &p->records[i];
    const ics_form *form = NULL;
    for (size_t k = 0; k < kit->form_count && !form; k++)
      if (!strcmp(forms[k]->id, r->form_id)) form = forms[k];
    if (!form) continue;
    ics_record *rec = ics_record_new(form);
    if (!rec || !decode_answers(rec, r->answers)) { /* each fails only for memory */
      ics_record_free(rec);
      ics_error_no_memory(err, s->lang);
      rc = -1;
      break;
    }
    char id[37];
    ics_uuid_new(id);
    rc = insert_revision(s, id, 1, rec, ICS_DRAFT, NULL, err);
    ics_record_free(rec);
    if (rc) break;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, p->round);
    sqlite3_bind_text(st, 3, r->instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, kit->kit_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
    else (*count)++;
  }
  sqlite3_finalize(st);
  for (size_t i = 0; forms && i < kit->form_count; i++) ics_form_free(forms[i]);
  ics_free(forms);
  ics_prefill_free(p);
  return rc;
}

int ics_store_adopt_kit(ics_store *s, const ics_kit *kit, bool *adopted, size_t *carried,
                        ics_error *err) {
  *adopted = false;
  *carried = 0;
  ics_store_kit_info have;
  if (ics_store_kit(s, &have, err)) return -1;
  char theirs[ICS_FINGERPRINT_SIZE], ours[ICS_FINGERPRINT_SIZE];
  ics_key_fingerprint(kit->signing_key, theirs);
  ics_key_fingerprint(have.office_key, ours);
  if (have.from_kit && memcmp(have.office_key, kit->signing_key, 32) != 0) {
    ics_error_say(err, s->lang, CMSG(C_KIT_OTHER_OFFICE), theirs, ours);
    return -1;
  }
  bool prefilled = kit->prefill_store != NULL;
  if (prefilled && strcmp(kit->prefill_store, s->id)) {
    ics_error_say(err, s->lang, CMSG(C_KIT_OTHER_STORE), kit->prefill_store, s->id);
    return -1;
  }
  if (have.from_kit && kit->sequence == have.sequence && !strcmp(kit->kit_id, have.kit_id) &&
      kit->round == s->round)
    return 0; /* this kit already */
  if (prefilled && kit->prefill_round != s->round) {
    ics_error_say(err, s->lang, CMSG(C_KIT_PREFILL_ROUND), kit->prefill_round, kit->round, s->round);
    return -1;
  }
  if (!prefilled && kit->round != s->round) {
    ics_error_say(err, s->lang, CMSG(C_KIT_OTHER_ROUND), kit->round, s->round);
    return -1;
  }
  if (prefilled) { /* a round left with drafts would hide them: they are never sent */
    sqlite3_int64 drafts = 0;
    if (round_drafts(s, &drafts, err)) return -1;
    if (drafts) {
      ics_error_say(err, s->lang, CMSG(C_KIT_DRAFTS_LEFT), (unsigned long long)drafts, s->round);
      return -1;
    }
  }
  if (have.from_kit && kit->sequence <= have.sequence) {
    ics_error_say(err, s->lang, CMSG(C_KIT_NOT_NEWER), (unsigned long long)kit->sequence,
                  (unsigned long long)have.sequence);
    return -1;
  }
  if (exec(s->db, "BEGIN IMMEDIATE", s->lang, err)) return -1;
  sqlite3_stmt *st = NULL;
  int rc = 0;
  if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO forms VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL))
    rc = db_error(s->db, s->lang, err);
  for (size_t i = 0; !rc && i < kit->form_count; i++) {
    const ics_kit_form *f = &kit->forms[i];
    char name[ICS_NAME_MAX + 8];
    snprintf(name, sizeof name, "%s.yaml", f->id);
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, f->text, (int)f->len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
  }
  sqlite3_finalize(st);
  if (!rc && sqlite3_prepare_v2(s->db, "UPDATE unit_register SET path = 'units.yaml', definition = ?1", -1, &st, NULL))
    rc = db_error(s->db, s->lang, err);
  else if (!rc) {
    sqlite3_bind_text(st, 1, kit->register_text, (int)kit->register_len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
    sqlite3_finalize(st);
  }
  /* a rotation: the office's next keys are the ones to trust and to seal to from now on */
  const unsigned char *seal = kit->has_next ? kit->next_seal_key : kit->seal_key;
  const unsigned char *office = kit->has_next ? kit->next_signing_key : kit->signing_key;
  if (!rc) rc = put_key(s->db, "central_key", seal, 32, s->lang, err);
  if (!rc) rc = put_kit(s->db, office, kit->sequence, kit->kit_id, s->lang, err);
  /* a pre-filled kit moves the store to the kit's round, its records carried over as drafts */
  int old_round = s->round;
  if (!rc && prefilled) {
    char number[16];
    snprintf(number, sizeof number, "%d", kit->round);
    s->round = kit->round;
    rc = put_meta(s->db, "round", number, s->lang, err);
    if (!rc) rc = load_carried(s, kit, carried, err);
  }
  if (!rc) rc = exec(s->db, "COMMIT", s->lang, err);
  if (rc) {
    ics_store_rollback(s);
    s->round = old_round;
    *carried = 0;
    return -1;
  }
  *adopted = true;
  return 0;
}

/* ---- the office's receipts -------------------------------------------------------------- */
int ics_store_take_receipt(ics_store *s, const ics_receipt *r, ics_receipt_counts *counts,
                           ics_error *err) {
  memset(counts, 0, sizeof *counts);
  ics_store_kit_info have;
  if (ics_store_kit(s, &have, err)) return -1;
  if (!have.from_kit) {
    ics_error_say(err, s->lang, CMSG(C_RECEIPT_NO_OFFICE));
    return -1;
  }
  if (memcmp(have.office_key, r->signing_key, 32) != 0) {
    char theirs[ICS_FINGERPRINT_SIZE], ours[ICS_FINGERPRINT_SIZE];
    ics_key_fingerprint(r->signing_key, theirs);
    ics_key_fingerprint(have.office_key, ours);
    ics_error_say(err, s->lang, CMSG(C_RECEIPT_OTHER_OFFICE), theirs, ours);
    return -1;
  }
  if (strcmp(r->store_id, s->id)) {
    ics_error_say(err, s->lang, CMSG(C_RECEIPT_OTHER_STORE), r->store_id, s->id);
    return -1;
  }
  if (exec(s->db, "BEGIN IMMEDIATE", s->lang, err)) return -1;
  sqlite3_stmt *mark = NULL, *bundle = NULL, *add_bundle = NULL, *log = NULL;
  int rc = 0;
  /* a revision the office holds is never taken back: an older receipt marks less, not fewer */
  /* never above the store's own newest revision: a store restored from an older copy makes
   * revisions again under numbers the office holds with other answers, and must send them
   * (the office then records the conflict) */
  if (sqlite3_prepare_v2(s->db, "INSERT INTO received SELECT ?1, min(?2, max(revision)) FROM records"
                                " WHERE instance_id = ?1 HAVING count(*) > 0 ON CONFLICT(instance_id) DO"
                                " UPDATE SET revision = max(revision, excluded.revision)", -1, &mark, NULL) ||
      sqlite3_prepare_v2(s->db, "SELECT EXISTS (SELECT 1 FROM exports WHERE bundle_id = ?1)", -1, &bundle, NULL) ||
      sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO received_bundles VALUES (?1)", -1, &add_bundle, NULL) ||
      sqlite3_prepare_v2(s->db, "INSERT INTO receipts VALUES (?1, ?2, ?3, ?4)", -1, &log, NULL))
    rc = db_error(s->db, s->lang, err);
  for (size_t i = 0; !rc && i < r->record_count; i++) {
    sqlite3_reset(mark);
    sqlite3_bind_text(mark, 1, r->records[i].instance_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(mark, 2, r->records[i].revision);
    if (sqlite3_step(mark) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
    else if (sqlite3_changes(s->db)) counts->records++;
    else counts->unknown++;
  }
  for (size_t i = 0; !rc && i < r->bundle_count; i++) { /* exports of this store it lists */
    sqlite3_reset(bundle);
    sqlite3_bind_text(bundle, 1, r->bundles[i], -1, SQLITE_STATIC);
    if (sqlite3_step(bundle) != SQLITE_ROW) {
      rc = db_error(s->db, s->lang, err);
    } else if (sqlite3_column_int(bundle, 0)) {
      counts->bundles++;
      sqlite3_reset(add_bundle);
      sqlite3_bind_text(add_bundle, 1, r->bundles[i], -1, SQLITE_STATIC);
      if (sqlite3_step(add_bundle) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
    }
  }
  if (!rc) {
    char now[21];
    ics_now_utc(now);
    sqlite3_bind_text(log, 1, r->created, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(log, 3, (sqlite3_int64)r->bundle_count);
    sqlite3_bind_int64(log, 4, (sqlite3_int64)r->record_count);
    if (sqlite3_step(log) != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
  }
  sqlite3_finalize(mark);
  sqlite3_finalize(bundle);
  sqlite3_finalize(add_bundle);
  sqlite3_finalize(log);
  if (!rc) rc = exec(s->db, "COMMIT", s->lang, err);
  if (rc) ics_store_rollback(s);
  return rc;
}

int ics_store_summarize(ics_store *s, ics_store_summary *sum, ics_error *err) {
  memset(sum, 0, sizeof *sum);
  /* the round's records by status, what the office has of them, and those carried over and
   * not confirmed */
  static const char sql[] =
      "SELECT status, count(*), sum(sendable IS NOT NULL AND coalesce(held, 0) >= sendable),"
      " sum(sendable IS NOT NULL AND coalesce(held, 0) < sendable),"
      " sum(carried AND status = 'draft' AND sendable IS NULL)"
      " FROM (SELECT status, " SENDABLE " AS sendable, " HELD " AS held,"
      "   EXISTS (SELECT 1 FROM carried c WHERE c.instance_id = records.instance_id) AS carried"
      "  FROM records WHERE round = ?1 AND " NEWEST ") GROUP BY status";
  if (exec(s->db, "BEGIN", s->lang, err)) return -1;
  sqlite3_stmt *st;
  int rc = 0, step = SQLITE_DONE;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) {
    rc = db_error(s->db, s->lang, err);
  } else {
    sqlite3_bind_int(st, 1, s->round);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      ics_record_status status = ICS_DRAFT;
      parse_status((const char *)sqlite3_column_text(st, 0), &status);
      size_t n = (size_t)sqlite3_column_int64(st, 1);
      if (status == ICS_DRAFT) sum->drafts = n;
      else if (status == ICS_FINALIZED) sum->finalized = n;
      else sum->voided = n;
      sum->office_has += (size_t)sqlite3_column_int64(st, 2);
      sum->office_lacks += (size_t)sqlite3_column_int64(st, 3);
      sum->unconfirmed += (size_t)sqlite3_column_int64(st, 4);
    }
    if (step != SQLITE_DONE) rc = db_error(s->db, s->lang, err);
    sqlite3_finalize(st);
  }
  sqlite3_int64 n = 0;
  if (!rc) rc = query_int64(s, "SELECT count(*) FROM records WHERE " EXPORTED PENDING, NULL, &n, err);
  sum->pending = (size_t)n;
  char earlier[96];
  snprintf(earlier, sizeof earlier, "SELECT count(DISTINCT instance_id) FROM records WHERE round != %d", s->round);
  if (!rc) rc = query_int64(s, earlier, NULL, &n, err);
  sum->earlier = (size_t)n;
  if (!rc) rc = query_int64(s, "SELECT count(*) FROM exports", NULL, &n, err);
  sum->exports = (size_t)n;
  if (!rc) rc = query_int64(s, "SELECT count(*) FROM received_bundles", NULL, &n, err);
  sum->exports_received = (size_t)n;
  if (!rc && !sqlite3_prepare_v2(s->db, "SELECT max(created) FROM receipts", -1, &st, NULL)) {
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      snprintf(sum->last_receipt, sizeof sum->last_receipt, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  exec(s->db, "COMMIT", s->lang, NULL);
  return rc;
}
