/* status.c - `ictsurvey status`: completeness at a glance for the central office. */
#include <stdio.h>
#include <string.h>

#include "central_private.h"

/* Runs a query and prints each row's columns separated by two spaces, under a title. */
static int section(ics_central *c, FILE *out, const char *title, const char *sql, char **error) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) return central_error(c, error);
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
      ics_free(*error);
      *error = NULL; /* out of memory */
      return 1;
    }
    fprintf(out, "%s\n", line.data);
    ics_buf_free(&line);
    rows++;
  }
  if (!rows) fprintf(out, "  %s\n", c->lang == ICS_EN ? "(none)" : "(không có)");
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : central_error(c, error);
}

int ics_central_status(ics_central *c, void *stream, char **error) {
  FILE *out = stream;
  bool en = c->lang == ICS_EN;
  int rc = section(c, out, en ? "Records per form and round (current, not void):"
                              : "Số bản ghi theo biểu mẫu và đợt (hiện hành, không tính bản đã hủy):",
                   "SELECT i.form_id, r.round, count(*) FROM instances i JOIN revisions r"
                   " ON r.store_id = i.store_id AND r.instance_id = i.instance_id AND r.revision = i.revision"
                   " WHERE i.status != 'void' AND " CENTRAL_PUBLISHED("r") " GROUP BY 1, 2 ORDER BY 1, 2", error);
  if (!rc)
    rc = section(c, out, en ? "Records made with forms the office never published (form, version, records; left out of reports):"
                            : "Bản ghi làm bằng biểu mẫu Sở chưa công bố (biểu mẫu, phiên bản, số bản ghi; không vào báo cáo):",
                 "SELECT i.form_id, r.form_version, count(*) FROM instances i JOIN revisions r"
                 " ON r.store_id = i.store_id AND r.instance_id = i.instance_id AND r.revision = i.revision"
                 " WHERE i.status != 'void' AND NOT " CENTRAL_PUBLISHED("r") " GROUP BY 1, 2 ORDER BY 1, 2", error);
  /* per district, for every form that has a district field */
  sqlite3_stmt *forms;
  if (!rc && sqlite3_prepare_v2(c->db, "SELECT DISTINCT form_id FROM published_forms ORDER BY 1", -1, &forms, NULL) == SQLITE_OK) {
    while (!rc && sqlite3_step(forms) == SQLITE_ROW) {
      const char *id = (const char *)sqlite3_column_text(forms, 0);
      ics_buf table = {0}, sql = {0}, title = {0};
      ics_buf_printf(&table, "form_%s", id);
      if (!table.failed && central_has_column(c, table.data, "district", NULL) > 0) {
        ics_buf_printf(&sql, "SELECT f.round, f.district, coalesce(d.name_vi, '?'), count(*) FROM \"%s\" f"
                             " LEFT JOIN unit_districts d ON d.code = f.district WHERE " CENTRAL_PUBLISHED("f")
                             " GROUP BY 1, 2 ORDER BY 1, 2",
                       table.data);
        ics_buf_printf(&title, en ? "Form %s per round and district:" : "Biểu mẫu %s theo đợt và huyện:", id);
        if (!sql.failed && !title.failed) rc = section(c, out, title.data, sql.data, error);
      }
      ics_buf_free(&table);
      ics_buf_free(&sql);
      ics_buf_free(&title);
    }
    sqlite3_finalize(forms);
  }
  if (!rc && central_has_column(c, "form_staff", "agency", NULL) > 0)
    rc = section(c, out, en ? "Register agencies with no staff record yet:"
                            : "Cơ quan trong danh mục chưa có phiếu cán bộ nào:",
                 "SELECT code, type, name_vi FROM unit_agencies WHERE code NOT IN"
                 " (SELECT agency FROM form_staff f WHERE agency IS NOT NULL AND " CENTRAL_PUBLISHED("f") ")"
                 " ORDER BY type, code", error);
  if (!rc)
    rc = section(c, out, en ? "Bundles per surveyor (site, bundles, records, last received):"
                            : "Tệp gói theo người khảo sát (nơi, số gói, số bản ghi, lần nhận gần nhất):",
                 "SELECT surveyor, site, count(*), sum(records), max(merged_at) FROM bundles"
                 " GROUP BY 1, 2 ORDER BY 1, 2", error);
  if (!rc)
    rc = section(c, out, en ? "Seals and signatures (bundles sealed, signed only, unsigned; sealing required):"
                            : "Niêm phong và chữ ký (số gói niêm phong, chỉ ký, không ký; bắt buộc niêm phong):",
                 en ? "SELECT coalesce(sum(sealed), 0), coalesce(sum(signer IS NOT NULL AND NOT sealed), 0),"
                      " coalesce(sum(signer IS NULL), 0), (SELECT CASE WHEN count(*) THEN 'yes' ELSE 'no'"
                      " END FROM settings WHERE key = 'require_sealed' AND value = '1') FROM bundles"
                    : "SELECT coalesce(sum(sealed), 0), coalesce(sum(signer IS NOT NULL AND NOT sealed), 0),"
                      " coalesce(sum(signer IS NULL), 0), (SELECT CASE WHEN count(*) THEN 'có' ELSE 'không'"
                      " END FROM settings WHERE key = 'require_sealed' AND value = '1') FROM bundles",
                 error);
  if (!rc)
    rc = section(c, out, en ? "Conflicts (same record and revision, different contents):"
                            : "Xung đột (cùng bản ghi và lần sửa nhưng nội dung khác):",
                 "SELECT store_id, instance_id, revision, kept_bundle, other_bundle FROM conflicts ORDER BY 1, 2, 3", error);
  if (!rc)
    rc = section(c, out, en ? "Duplicated natural keys (form, round, key, records):"
                            : "Khóa bị trùng (biểu mẫu, đợt, khóa, số bản ghi):",
                 "SELECT form_id, round, natural_key, count(*) FROM duplicates GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", error);
  if (!rc)
    rc = section(c, out, en ? "Timestamps worth a second look (kind, records):"
                            : "Thời điểm đáng ngờ cần kiểm tra (loại, số bản ghi):",
                 "SELECT kind, count(*) FROM flags GROUP BY 1 ORDER BY 1", error);
  if (!rc)
    rc = section(c, out, en ? "Rejected bundles (file, reason, when, copy kept):"
                            : "Tệp gói bị từ chối (tệp, lý do, thời điểm, bản lưu):",
                 "SELECT file_name, reason, rejected_at, quarantine FROM rejected ORDER BY id", error);
  return rc;
}
