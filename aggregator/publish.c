/* publish.c - what the office publishes: forms by id, version and content hash (never two
 * contents under one version), the latest unit register and targets, and the kits that
 * carry them. Nothing a bundle says is ever published. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "central_private.h"

static void sha256_hex(const char *text, size_t len, char hex[65]) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, (const unsigned char *)text, len);
  sodium_bin2hex(hex, 65, digest, sizeof digest);
}

static int publish_form(ics_central *c, const ics_form *f, const char *now, ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT hash FROM published_forms WHERE form_id = ?1 AND version = ?2",
                         -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, f->version, -1, SQLITE_STATIC);
  int step = sqlite3_step(st), rc = 0;
  const char *hash = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (step == SQLITE_ROW && !hash) /* a NOT NULL column: SQLite had no memory */
    rc = ics_central_no_memory(c, err);
  else if (step == SQLITE_ROW && strcmp(hash, f->hash) != 0)
    rc = ics_central_say(c, err, AG_VERSION_REUSED, f->path, f->id, f->version, hash, f->hash);
  else if (step != SQLITE_ROW && step != SQLITE_DONE)
    rc = ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  if (rc || step == SQLITE_ROW) return rc;
  if (sqlite3_prepare_v2(c->db, "INSERT INTO published_forms(hash, form_id, version, definition,"
                                " published_at) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_text(st, 1, f->hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, f->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, f->version, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, f->source, (int)f->source_len, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  return rc;
}

/* The register or the targets: replaced when their text changed (*changed then). */
static int publish_text(ics_central *c, const char *what, const char *text, size_t len, const char *now,
                        bool *changed, ics_error *err) {
  char hash[65];
  sha256_hex(text, len, hash);
  *changed = false;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM published WHERE what = ?1 AND hash = ?2", -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  sqlite3_finalize(st);
  if (step == SQLITE_ROW) return 0;
  if (step != SQLITE_DONE) return ics_central_sql_error(c, err);
  if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO published VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, text, (int)len, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  *changed = !rc;
  return rc;
}

/* The register's units: the union of every register published (codes are never reused), the
 * latest names winning. */
static int publish_units(ics_central *c, const ics_register *reg, ics_error *err) {
  sqlite3_stmt *d = NULL, *a = NULL;
  int rc = 0;
  if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO unit_districts VALUES (?1, ?2, ?3)", -1, &d, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO unit_agencies VALUES (?1, ?2, ?3, ?4, ?5)", -1, &a, NULL) != SQLITE_OK)
    rc = ics_central_sql_error(c, err);
  for (size_t i = 0; !rc && i < reg->district_count; i++) {
    sqlite3_reset(d);
    sqlite3_bind_text(d, 1, reg->districts[i].code, -1, SQLITE_STATIC);
    sqlite3_bind_text(d, 2, reg->districts[i].name.vi, -1, SQLITE_STATIC);
    sqlite3_bind_text(d, 3, reg->districts[i].name.en, -1, SQLITE_STATIC);
    if (sqlite3_step(d) != SQLITE_DONE) rc = ics_central_sql_error(c, err);
  }
  for (size_t i = 0; !rc && i < reg->agency_count; i++) {
    sqlite3_reset(a);
    sqlite3_bind_text(a, 1, reg->agencies[i].code, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 2, reg->agencies[i].name.vi, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 3, reg->agencies[i].name.en, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 4, reg->agencies[i].type, -1, SQLITE_STATIC);
    sqlite3_bind_text(a, 5, reg->agencies[i].district, -1, SQLITE_STATIC);
    if (sqlite3_step(a) != SQLITE_DONE) rc = ics_central_sql_error(c, err);
  }
  sqlite3_finalize(d);
  sqlite3_finalize(a);
  return rc;
}

/* The kit: the last one when its content is the same, else the next. Its id is derived from
 * the content and the sequence, so that one office never gives one id two meanings. */
static int stamp_kit(ics_central *c, const ics_definitions *defs, const char *kit_content,
                     const char *now, ics_kit_stamp *stamp, ics_error *err) {
  ics_buf content = {0};
  for (size_t i = 0; i < defs->form_count; i++) ics_buf_printf(&content, "form %s\n", defs->forms[i]->hash);
  char hash[65];
  sha256_hex(defs->register_text, defs->register_len, hash);
  ics_buf_printf(&content, "register %s\n", hash);
  sha256_hex(defs->targets_text, defs->targets_len, hash);
  ics_buf_printf(&content, "targets %s\n%s\n", hash, kit_content);
  if (content.failed) {
    ics_buf_free(&content);
    return ics_central_no_memory(c, err);
  }
  char content_hash[65];
  sha256_hex(content.data, content.len, content_hash);
  ics_buf_free(&content);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT sequence, kit_id, created, content FROM kits ORDER BY sequence DESC LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  int step = sqlite3_step(st);
  const char *last = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 3) : NULL;
  const char *last_id = last ? (const char *)sqlite3_column_text(st, 1) : NULL;
  const char *created = last_id ? (const char *)sqlite3_column_text(st, 2) : NULL;
  memset(stamp, 0, sizeof *stamp);
  if (step == SQLITE_ROW) stamp->sequence = (uint64_t)sqlite3_column_int64(st, 0);
  if (created && !strcmp(last, content_hash)) {
    snprintf(stamp->kit_id, sizeof stamp->kit_id, "%s", last_id);
    snprintf(stamp->created, sizeof stamp->created, "%s", created);
  }
  sqlite3_finalize(st);
  if (step == SQLITE_ROW && !created) { /* NOT NULL columns: SQLite had no memory */
    return ics_central_no_memory(c, err);
  }
  if (step != SQLITE_ROW && step != SQLITE_DONE) return ics_central_sql_error(c, err);
  if (stamp->kit_id[0]) return 0;
  stamp->sequence++;
  stamp->is_new = true;
  memcpy(stamp->created, now, sizeof stamp->created);
  char seed[96];
  snprintf(seed, sizeof seed, "%s %llu", content_hash, (unsigned long long)stamp->sequence);
  unsigned char id[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(id, (const unsigned char *)seed, strlen(seed));
  id[6] = (unsigned char)((id[6] & 0x0f) | 0x80); /* version 8: made from a hash */
  id[8] = (unsigned char)((id[8] & 0x3f) | 0x80); /* the RFC 9562 variant */
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, id, 16);
  snprintf(stamp->kit_id, sizeof stamp->kit_id, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
           hex + 16, hex + 20);
  if (sqlite3_prepare_v2(c->db, "INSERT INTO kits VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
    return ics_central_sql_error(c, err);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)stamp->sequence);
  sqlite3_bind_text(st, 2, stamp->kit_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, stamp->created, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, content_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, kit_content, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ics_central_sql_error(c, err);
  sqlite3_finalize(st);
  return rc;
}

int ics_central_publish_in(ics_central *c, const ics_definitions *defs, const char *kit_content,
                           ics_kit_stamp *stamp, ics_error *err) {
  char now[21];
  ics_now_utc(now);
  int rc = 0;
  for (size_t i = 0; !rc && i < defs->form_count; i++) rc = publish_form(c, defs->forms[i], now, err);
  bool changed = false, ignored;
  if (!rc) rc = publish_text(c, "register", defs->register_text, defs->register_len, now, &changed, err);
  if (!rc && changed) rc = publish_units(c, defs->reg, err);
  if (!rc) rc = publish_text(c, "targets", defs->targets_text, defs->targets_len, now, &ignored, err);
  if (!rc) rc = ics_central_exec(c, stamp ? "INSERT OR REPLACE INTO settings VALUES ('published', 'kit')"
                                          : "INSERT OR IGNORE INTO settings VALUES ('published', 'shipped')",
                                 err);
  if (!rc && stamp) rc = stamp_kit(c, defs, kit_content, now, stamp, err);
  return rc;
}

int ics_central_publish(ics_central *c, const ics_definitions *defs, int round, const char *keys,
                        ics_kit_stamp *stamp, ics_error *err) {
  ics_buf content = {0};
  ics_buf_printf(&content, "round %d\nkeys %s", round, keys);
  if (content.failed) {
    ics_buf_free(&content);
    return ics_central_no_memory(c, err);
  }
  int rc = ics_central_exec(c, "BEGIN IMMEDIATE", err);
  if (!rc) rc = ics_central_publish_in(c, defs, content.data, stamp, err);
  if (!rc) rc = ics_central_exec(c, "COMMIT", err);
  if (rc) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
  ics_buf_free(&content);
  return rc;
}
