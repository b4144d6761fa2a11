/* status.c - `ictsurvey status`: completeness at a glance for the central office. */
#include <stdio.h>
#include <string.h>

#include "central_private.h"

/* Runs a query and prints each row's columns separated by two spaces, under a title. */
static int section(ics_central *c, FILE *out, const char *title, const char *sql, ics_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) return ics_central_sql_error(c, err);
  fprintf(out, "\n%s\n", title);
  int rows = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    /* texts come from bundles: a CR or LF in a surveyor's name must not forge a line */
    ics_buf line = {0};
    ics_buf_puts(&line, "  ");
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      const char *v = (const char *)sqlite3_column_text(st, i);
      if (i) ics_buf_puts(&line, "  ");
      if (v) ics_escape_controls(&line, v, (size_t)sqlite3_column_bytes(st, i));
      else ics_buf_putc(&line, '-');
    }
    if (line.failed) {
      ics_buf_free(&line);
      sqlite3_finalize(st);
      return ics_central_no_memory(c, err);
    }
    fprintf(out, "%s\n", line.data);
    ics_buf_free(&line);
    rows++;
  }
  if (!rows) fprintf(out, "  %s\n", c->lang == ICS_EN ? "(none)" : "(không có)");
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : ics_central_sql_error(c, err);
}

/* Per round and district, for a form whose table has a district column. */
static int form_by_district(ics_central *c, FILE *out, const char *form_id, ics_error *err) {
  char table[ICS_CENTRAL_NAME_MAX];
  bool has = false;
  if (ics_central_form_table(table, sizeof table, form_id)) return 0; /* no form's id */
  if (ics_central_has_column(c, table, "district", &has, err)) return -1;
  if (!has) return 0;
  ics_buf sql = {0}, title = {0};
  ics_buf_printf(&sql, "SELECT f.round, f.district, coalesce(d.name_vi, '?'), count(*) FROM \"%s\" f"
                       " LEFT JOIN unit_districts d ON d.code = f.district WHERE " ICS_CENTRAL_PUBLISHED("f")
                       " GROUP BY 1, 2 ORDER BY 1, 2",
                 table);
  ics_buf_printf(&title, c->lang == ICS_EN ? "Form %s per round and district:" : "Biểu mẫu %s theo đợt và huyện:",
                 form_id);
  int rc = sql.failed || title.failed ? ics_central_no_memory(c, err) : section(c, out, title.data, sql.data, err);
  ics_buf_free(&sql);
  ics_buf_free(&title);
  return rc;
}

int ics_central_status(ics_central *c, FILE *out, ics_error *err) {
  bool en = c->lang == ICS_EN;
  int rc = section(c, out, en ? "Records per form and round (current, not void):"
                              : "Số bản ghi theo biểu mẫu và đợt (hiện hành, không tính bản đã hủy):",
                   "SELECT i.form_id, r.round, count(*) FROM instances i JOIN revisions r"
                   " ON r.store_id = i.store_id AND r.instance_id = i.instance_id AND r.revision = i.revision"
                   " WHERE i.status != 'void' AND " ICS_CENTRAL_PUBLISHED("r") " GROUP BY 1, 2 ORDER BY 1, 2", err);
  if (!rc)
    rc = section(c, out, en ? "Records made with forms the office never published (form, version, records; left out of reports):"
                            : "Bản ghi làm bằng biểu mẫu Sở chưa công bố (biểu mẫu, phiên bản, số bản ghi; không vào báo cáo):",
                 "SELECT i.form_id, r.form_version, count(*) FROM instances i JOIN revisions r"
                 " ON r.store_id = i.store_id AND r.instance_id = i.instance_id AND r.revision = i.revision"
                 " WHERE i.status != 'void' AND NOT " ICS_CENTRAL_PUBLISHED("r") " GROUP BY 1, 2 ORDER BY 1, 2", err);
  /* per district, for every form that has a district field */
  sqlite3_stmt *forms = NULL;
  if (!rc && sqlite3_prepare_v2(c->db, "SELECT DISTINCT form_id FROM published_forms ORDER BY 1", -1, &forms,
                                NULL) != SQLITE_OK)
    rc = ics_central_sql_error(c, err);
  int step = SQLITE_DONE;
  while (!rc && (step = sqlite3_step(forms)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(forms, 0);
    rc = id ? form_by_district(c, out, id, err) : ics_central_no_memory(c, err); /* NOT NULL */
  }
  if (!rc && step != SQLITE_DONE) rc = ics_central_sql_error(c, err);
  sqlite3_finalize(forms);
  /* the agencies of the register that no staff record names */
  char staff[ICS_CENTRAL_NAME_MAX];
  bool has_agency = false;
  if (!rc && !ics_central_form_table(staff, sizeof staff, "staff"))
    rc = ics_central_has_column(c, staff, "agency", &has_agency, err);
  if (!rc && has_agency) {
    ics_buf sql = {0};
    ics_buf_printf(&sql, "SELECT code, type, name_vi FROM unit_agencies WHERE code NOT IN"
                         " (SELECT agency FROM \"%s\" f WHERE agency IS NOT NULL AND " ICS_CENTRAL_PUBLISHED("f") ")"
                         " ORDER BY type, code", staff);
    rc = sql.failed ? ics_central_no_memory(c, err)
                    : section(c, out, en ? "Register agencies with no staff record yet:"
                                         : "Cơ quan trong danh mục chưa có phiếu cán bộ nào:",
                              sql.data, err);
    ics_buf_free(&sql);
  }
  if (!rc)
    rc = section(c, out, en ? "Bundles per surveyor (site, bundles, records, last received):"
                            : "Tệp gói theo người khảo sát (nơi, số gói, số bản ghi, lần nhận gần nhất):",
                 "SELECT surveyor, site, count(*), sum(records), max(merged_at) FROM bundles"
                 " GROUP BY 1, 2 ORDER BY 1, 2", err);
  if (!rc)
    rc = section(c, out, en ? "Seals and signatures (bundles sealed, signed only, unsigned; sealing required):"
                            : "Niêm phong và chữ ký (số gói niêm phong, chỉ ký, không ký; bắt buộc niêm phong):",
                 en ? "SELECT coalesce(sum(sealed), 0), coalesce(sum(signer IS NOT NULL AND NOT sealed), 0),"
                      " coalesce(sum(signer IS NULL), 0), (SELECT CASE WHEN count(*) THEN 'yes' ELSE 'no'"
                      " END FROM settings WHERE key = 'require_sealed' AND value = '1') FROM bundles"
                    : "SELECT coalesce(sum(sealed), 0), coalesce(sum(signer IS NOT NULL AND NOT sealed), 0),"
                      " coalesce(sum(signer IS NULL), 0), (SELECT CASE WHEN count(*) THEN 'có' ELSE 'không'"
                      " END FROM settings WHERE key = 'require_sealed' AND value = '1') FROM bundles",
                 err);
  if (!rc)
    rc = section(c, out, en ? "Conflicts (same record and revision, different contents):"
                            : "Xung đột (cùng bản ghi và lần sửa nhưng nội dung khác):",
                 "SELECT store_id, instance_id, revision, kept_bundle, other_bundle FROM conflicts ORDER BY 1, 2, 3", err);
  if (!rc)
    rc = section(c, out, en ? "Duplicated natural keys (form, round, key, records):"
                            : "Khóa bị trùng (biểu mẫu, đợt, khóa, số bản ghi):",
                 "SELECT form_id, round, natural_key, count(*) FROM duplicates GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", err);
  if (!rc)
    rc = section(c, out, en ? "Timestamps worth a second look (kind, records):"
                            : "Thời điểm đáng ngờ cần kiểm tra (loại, số bản ghi):",
                 "SELECT kind, count(*) FROM flags GROUP BY 1 ORDER BY 1", err);
  if (!rc)
    rc = section(c, out, en ? "Rejected bundles (file, reason, when, copy kept):"
                            : "Tệp gói bị từ chối (tệp, lý do, thời điểm, bản lưu):",
                 "SELECT file_name, reason, rejected_at, quarantine FROM rejected ORDER BY id", err);
  return rc;
}
