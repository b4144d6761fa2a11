#!/usr/bin/env python3
"""test_spreadsheet.py ICTSURVEY - answers files as a school secretary's spreadsheet program
saves them, imported with `collect fill --answers` (docs/collector.md, the spreadsheet path):
semicolons and tabs, UTF-8 with and without a byte-order mark, UTF-16, Windows-1258 and
Windows-1252 text, labels over field names, values as people write them, rows of separators
at the end, answers to questions that do not apply dropped with a warning, errors naming the
row and column, and a corrected file imported again updating the same records.
Then the template of `collect template`, filled with openpyxl as a secretary picks from its
dropdowns and re-saved by LibreOffice headless as .xlsx, as semicolon CSV, as UTF-16 text and
as Windows-1258 CSV: each imports the same records. Run with /usr/bin/python3 (openpyxl)."""
import os
import shutil
import sqlite3
import subprocess

import openpyxl  # Debian's python3-openpyxl

from support import check, finish, new_store, path, run

LABELS = ["Mã cán bộ", "Họ và tên", "Giới tính", "Năm sinh", "Huyện", "Nơi làm việc", "Cơ quan",
          "Loại cán bộ", "Chức vụ", "Cán bộ CNTT?", "Bằng CNTT", "Chứng chỉ", "Có dạy?"]
NAMES = ["person_id", "full_name", "gender", "birth_year", "district", "workplace_type", "agency",
         "category", "position", "is_it_staff", "it_degree", "it_certificate", "teaches"]
# as a secretary types them: labels, codes in other cases, a thousands separator is not
# possible in a year, so years plain; "Không" for no; `teaches` answered for commune staff
ROWS = [
    ["LA-01", "Nguyễn Thị Hoa", "Nữ", "1980", "Huyện Bến Lức", "UBND huyện, thị xã, thành phố (cấp huyện)",
     "UBND Huyện Bến Lức", "Công chức", "staff", "Không", "Không có bằng chuyên ngành CNTT",
     "Chứng chỉ ứng dụng CNTT cơ bản", "Không"],
    ["LA-02", "Trần Văn Bình", "nam", "1975", "803", "district_pc", "ubnd-803", "civil_servant",
     "Staff", "khong", "none", "BASIC", ""],
]
INFO = {"site": "Xã An Thạnh", "surveyor": "Lê Thị C"}


def table(sep, rows=ROWS, labels=True):
    out = []
    if labels:
        out.append(sep.join(LABELS))
    out.append(sep.join(NAMES))
    for r in rows:
        out.append(sep.join('"%s"' % c if sep in c else c for c in r))
    return "\r\n".join(out) + "\r\n"


def records(store):
    db = sqlite3.connect(store)
    rows = db.execute("SELECT instance_id, revision, status, answers FROM records r WHERE revision ="
                      " (SELECT MAX(revision) FROM records WHERE instance_id = r.instance_id)"
                      " ORDER BY natural_key").fetchall()
    db.close()
    out = {}
    for iid, rev, status, answers in rows:
        values = dict(line.split("=", 1) for line in answers.splitlines() if "=" in line)
        out[values.get("person_id")] = (iid, rev, status, values)
    return out


def import_file(store, name, data, *extra, lang="en"):
    f = path(name)
    with open(f, "wb") as fh:
        fh.write(data)
    return f, run("collect", "fill", "--store", store, "staff", "--answers", f, *extra, lang=lang)


def expect_two(store, what, r):
    check(r.returncode == 0, what + ": " + r.stderr)
    got = records(store)
    check(sorted(got) == ["LA-01", "LA-02"], what + ": two records: %r" % sorted(got))
    if sorted(got) != ["LA-01", "LA-02"]:
        return got
    a, b = got["LA-01"][3], got["LA-02"][3]
    check(a.get("gender") == "female" and a.get("district") == "803" and
          a.get("workplace_type") == "district_pc" and a.get("agency") == "UBND-803" and
          a.get("category") == "civil_servant" and a.get("is_it_staff") == "0" and
          a.get("it_degree") == "none" and a.get("it_certificate") == "basic",
          what + ": labels read as codes: %r" % a)
    check(a.get("full_name") == "Nguyễn Thị Hoa", what + ": Vietnamese name, NFC: %r" % a.get("full_name"))
    check(b.get("gender") == "male" and b.get("agency") == "UBND-803" and b.get("position") == "staff"
          and b.get("it_certificate") == "basic", what + ": codes in any case: %r" % b)
    check("teaches" not in a, what + ": the answer to a question that does not apply is dropped")
    return got


def fresh(name):
    return new_store(name, INFO["site"], INFO["surveyor"])


# ---- the encodings and separators spreadsheet programs write -------------------------------
cases = [
    ("semicolon.csv", table(";").encode("utf-8"), ()),
    ("bom.csv", b"\xef\xbb\xbf" + table(",").encode("utf-8"), ()),
    ("unicode.txt", table("\t").encode("utf-16"), ()),                 # Excel's "Unicode text"
    ("unicode-be.txt", b"\xfe\xff" + table("\t").encode("utf-16-be"), ()),
]
cp1258 = subprocess.run(["iconv", "-f", "UTF-8", "-t", "CP1258"], input=table(";").encode("utf-8"),
                        capture_output=True)
check(cp1258.returncode == 0 and b"\xde" in cp1258.stdout, "iconv writes Windows-1258 (a combining tilde)")
cases.append(("ansi.csv", cp1258.stdout, ()))
for name, data, extra in cases:
    store = fresh(name + ".store")
    f, r = import_file(store, name, data, *extra)
    got = expect_two(store, name, r)
    check("2 new records, 0 updated, 0 unchanged" in r.stderr, name + ": the summary: " + r.stderr)
    check('column "Có dạy?" (teaches): 1 answers dropped' in r.stderr,
          name + ": a warning per column for dropped answers: " + r.stderr)
    check(len(r.stdout.split()) == 2, name + ": one id per record on stdout")
    if name == "ansi.csv":
        check("read as Windows-1258" in r.stderr, "the guessed encoding is said: " + r.stderr)

# a Windows-1258 file read from disk whose size ends a read exactly: the last letter, which the
# converter holds back until the end, is kept (found in review)
head = ("person_id;gender;birth_year;district;workplace_type;agency;category;position;is_it_staff;"
        "it_degree;it_certificate;full_name\n")
rows = "".join("LA-%05d;male;1980;803;district_pc;UBND-803;civil_servant;staff;no;none;basic;Lê Văn Đức\n" % i
               for i in range(700))
text = (head + rows).encode("utf-8")
conv = subprocess.run(["iconv", "-f", "UTF-8", "-t", "CP1258"], input=text, capture_output=True).stdout
last = b"LA-99999;male;1980;803;district_pc;UBND-803;civil_servant;staff;no;none;basic;Nguyen Van B"
check(len(conv) + len(last) < 65536, "the rows fit under 64 KiB")
data = conv + last + b"a" * (65536 - len(conv) - len(last))
check(len(data) == 65536, "a file of exactly 64 KiB")
store = fresh("edge.store")
f, r = import_file(store, "edge.csv", data)
got = records(store).get("LA-99999", (0, 0, 0, {}))[3].get("full_name", "")
check(r.returncode == 0 and got.startswith("Nguyen Van Ba") and len(got) == len("Nguyen Van B") + 65536 - len(conv) - len(last),
      "the last letter of a Windows-1258 file of 64 KiB is kept: %r %s" % (got[-8:], r.stderr[-300:]))

# Windows-1252 only when asked: the bytes cannot tell it from Windows-1258
store = fresh("w1252.store")
text = ("person_id,full_name,gender,birth_year,district,workplace_type,agency,category,position,"
        "is_it_staff,it_degree,it_certificate\n"
        "LA-09,Hélène Müller,female,1980,803,district_pc,UBND-803,civil_servant,staff,no,none,basic\n")
f, r = import_file(store, "w1252.csv", text.encode("cp1252"), "--encoding", "windows-1252")
check(r.returncode == 0 and records(store)["LA-09"][3].get("full_name") == "Hélène Müller",
      "--encoding windows-1252: " + r.stderr)
f, r = import_file(fresh("w1252b.store"), "w1252.csv", text.encode("cp1252"), "--encoding", "latin-9")
check(r.returncode == 2 and "unknown encoding 'latin-9'" in r.stderr, "an unknown encoding: " + r.stderr)

f, r = import_file(fresh("w1252c.store"), "w1252.xlsx", b"PK", "--encoding", "windows-1252")
check(r.returncode == 2 and "--encoding is only for CSV and text files" in r.stderr,
      "--encoding with a workbook is a usage error: " + r.stderr)
# ASCII for the first 64 KiB, then a byte that is not UTF-8: named, with the way out
late = text.encode("utf-8") + b"".join(b"LA-%05d,Hoa,female,1980,803,district_pc,UBND-803,civil_servant,"
                                        b"staff,no,none,basic\n" % i for i in range(10, 1000))
late += b"LA-99999,H\xe9l\xe8ne,female,1980,803,district_pc,UBND-803,civil_servant,staff,no,none,basic\n"
f, r = import_file(fresh("late.store"), "late.csv", late)
check(r.returncode == 1 and "is not a character of UTF-8" in r.stderr and "--encoding" in r.stderr,
      "a late byte that is not UTF-8 names --encoding: " + r.stderr[-400:])

# ---- rows Excel leaves at the end; errors by row and column -------------------------------
store = fresh("errors.store")
bad = [list(ROWS[0]), list(ROWS[1])]
bad[1][3] = "197x"
bad[1][2] = "Nữa"
text = table(",", bad) + ",,,,,,,,,,,,\r\n" * 10
f, r = import_file(store, "errors.csv", text.encode("utf-8"))
check(r.returncode == 1, "a file with errors is refused")
check('errors.csv: row 4, column "Giới tính": record 2: gender: ' in r.stderr and
      'errors.csv: row 4, column "Năm sinh": record 2: birth_year: ' in r.stderr,
      "errors name the row and the column as the spreadsheet shows them: " + r.stderr)
check("required" not in r.stderr and "must be answered" not in r.stderr and "row 5" not in r.stderr,
      "rows of commas at the end are ignored: " + r.stderr)
check(records(store) == {}, "nothing of a refused file is stored")
f, r = import_file(store, "errors.csv", text.encode("utf-8"), lang="vi")
check(r.returncode == 1 and 'row 4, column "Năm sinh": record 2: birth_year: ' in r.stderr and
      "Không lưu bản ghi nào" in r.stderr, "in Vietnamese too: " + r.stderr)

# ---- a corrected file imported again: the same records, updated -----------------------------
store = fresh("again.store")
f, r = import_file(store, "first.csv", table(";").encode("utf-8"))
first = records(store)
ids = r.stdout.split()
f, r = import_file(store, "first.csv", table(";").encode("utf-8"))
check(r.returncode == 0 and "0 new records, 0 updated, 2 unchanged" in r.stderr,
      "the same file again changes nothing: " + r.stderr)
check(r.stdout.split() == ids and records(store) == first, "the same ids, the same revisions")
changed = [list(ROWS[0]), list(ROWS[1])]
changed[1][1] = "Trần Văn Bình Minh"
changed.append(["LA-03", "Phạm Văn Đức", "Nam", "1990", "803", "district_pc", "UBND-803",
                "civil_servant", "staff", "no", "none", "basic", ""])
f, r = import_file(store, "second.csv", table(";", changed).encode("utf-8"))
check(r.returncode == 0 and "1 new records, 1 updated, 1 unchanged" in r.stderr,
      "a corrected file: new, updated, unchanged: " + r.stderr)
now = records(store)
check(len(now) == 3 and now["LA-02"][0] == first["LA-02"][0] and
      now["LA-02"][3]["full_name"] == "Trần Văn Bình Minh" and now["LA-02"][1] == 1,
      "the record is updated in place while no export carried it: %r" % (now.get("LA-02"),))
check(r.stdout.split()[:2] == ids and len(r.stdout.split()) == 3, "stdout: one id per record of the file")
r = run("collect", "export", "--store", store, "-o", path("again.bundle"))
check(r.returncode == 0, "export: " + r.stderr)
changed[1][1] = "Trần Văn Bình"
f, r = import_file(store, "third.csv", table(";", changed).encode("utf-8"))
now = records(store)
check(r.returncode == 0 and "0 new records, 1 updated, 2 unchanged" in r.stderr and
      now["LA-02"][1] == 2 and now["LA-02"][2] == "finalized",
      "after an export a change is a new revision: %r %s" % (now.get("LA-02"), r.stderr))
r = run("collect", "void", "--store", store, "LA-03", "--yes")
check(r.returncode == 0, "collect void takes a natural key: " + r.stderr)

# ---- the template, filled, and saved by a real spreadsheet program -------------------------
PEOPLE = [  # what a secretary picks from the dropdowns (labels) or types
    {"person_id": "LA-11", "full_name": "Nguyễn Thị Hoa", "gender": "Nữ", "birth_year": 1980,
     "district": "Huyện Bến Lức", "workplace_type": "UBND huyện, thị xã, thành phố (cấp huyện)",
     "agency": "UBND Huyện Bến Lức", "category": "Công chức",
     "position": "Lãnh đạo đơn vị (thủ trưởng, phó thủ trưởng)", "is_cio": "Có",
     "is_it_staff": "Không", "it_degree": "Không có bằng chuyên ngành CNTT",
     "it_certificate": "Chứng chỉ tin học trình độ B", "cio_trained": "Không",
     "teaches": "Không"},                       # does not apply at a district committee
    {"person_id": "GV-12", "full_name": "Trần Văn Bình", "gender": "Nam", "birth_year": 1988,
     "district": "Huyện Thủ Thừa", "workplace_type": "Trường phổ thông (Tiểu học, THCS, THPT)",
     "category": "Viên chức", "position": "Chuyên viên, nhân viên, giáo viên", "is_it_staff": "Có",
     "security_trained": "Có", "sysadmin_trained": "Không", "it_degree": "Đại học CNTT",
     "it_certificate": "Không có chứng chỉ tin học", "it_modules": "iu01; iu03",
     "teaches": "Có", "ict_in_teaching": "Có"},
    {"person_id": "XA-13", "full_name": "Lê Thị Đào", "gender": "Nữ", "birth_year": 1995,
     "district": "Huyện Bến Lức", "workplace_type": "UBND xã, phường, thị trấn (cấp xã)",
     "category": "Lao động hợp đồng", "position": "Chuyên viên, nhân viên, giáo viên",
     "is_it_staff": "Không", "it_degree": "Không có bằng chuyên ngành CNTT",
     "it_certificate": "Chứng chỉ ứng dụng CNTT cơ bản"},
]
EXPECTED = {
    "LA-11": {"gender": "female", "district": "803", "workplace_type": "district_pc",
              "agency": "UBND-803", "position": "leader", "is_cio": "1", "cio_trained": "0",
              "it_certificate": "cert_b", "birth_year": "1980"},
    "GV-12": {"workplace_type": "school", "district": "804", "it_degree": "dai_hoc",
              "it_modules": "iu01 iu03", "teaches": "1", "ict_in_teaching": "1",
              "security_trained": "1", "sysadmin_trained": "0"},
    "XA-13": {"workplace_type": "commune_pc", "category": "contract", "full_name": "Lê Thị Đào"},
}

store = fresh("template.store")
template = path("mau-can-bo.xlsx")
r = run("collect", "template", "--store", store, "staff", "-o", template, lang="vi")
check(r.returncode == 0 and os.path.isfile(template), "collect template: " + r.stderr)
wb = openpyxl.load_workbook(template)
ws = wb.worksheets[0]
names = [c.value for c in ws[2]]
for i, person in enumerate(PEOPLE):
    for field, value in person.items():
        ws.cell(row=3 + i, column=names.index(field) + 1, value=value)
filled = path("da-dien.xlsx")
wb.save(filled)

soffice = shutil.which("soffice") or shutil.which("libreoffice")
check(soffice is not None, "LibreOffice is installed (Debian: libreoffice-calc-nogui)")
saved = [("openpyxl.xlsx", filled)]
profile = "file://" + path("lo-profile")
for name, target, flt in [
        ("lo.xlsx", "xlsx", "Calc MS Excel 2007 XML"),
        ("lo-semicolon.csv", "csv", "Text - txt - csv (StarCalc):59,34,76,1"),
        ("lo-unicode.txt", "txt", "Text - txt - csv (StarCalc):9,34,65535,1"),
        ("lo-ansi.csv", "csv", "Text - txt - csv (StarCalc):59,34,40,1")]:
    if not soffice:
        break
    out = path("lo-" + name.split(".")[0])
    os.makedirs(out, exist_ok=True)
    conv = subprocess.run([soffice, "-env:UserInstallation=" + profile, "--headless", "--convert-to",
                           target + ":" + flt, "--outdir", out, filled],
                          capture_output=True, text=True, timeout=180)
    made = os.path.join(out, "da-dien." + target)
    if check(conv.returncode == 0 and os.path.isfile(made), "LibreOffice saves %s: %s" % (name, conv.stderr)):
        shutil.move(made, path(name))
        saved.append((name, path(name)))
if len(saved) == 5:
    raw = open(path("lo-unicode.txt"), "rb").read(2)
    check(raw == b"\xff\xfe", "LibreOffice's Unicode text starts with the UTF-16 byte-order mark")
    ansi = open(path("lo-ansi.csv"), "rb").read()
    check(b";" in ansi and "Nữ".encode("utf-8") not in ansi, "LibreOffice's Windows-1258 CSV is not UTF-8")
results = {}
for name, f in saved:
    st = fresh("from-" + name + ".store")
    r = run("collect", "fill", "--store", st, "staff", "--answers", f)
    check(r.returncode == 0 and "3 new records, 0 updated, 0 unchanged" in r.stderr,
          "%s imports the template's three records: %s" % (name, r.stderr))
    check('column "Có trực tiếp giảng dạy?" (teaches): 1 answers dropped' in r.stderr,
          "%s: the answer that does not apply is dropped, said per column: %s" % (name, r.stderr))
    got = {k: v[3] for k, v in records(st).items()}
    results[name] = got
    for pid, want in EXPECTED.items():
        have = got.get(pid, {})
        check(all(have.get(k) == v for k, v in want.items()),
              "%s: %s read as the secretary meant: %r" % (name, pid, have))
first = results.get("openpyxl.xlsx")
for name, got in results.items():
    check(got == first, "%s gives the same records as the workbook openpyxl saved" % name)
# the template's example row is a valid record as it stands (labels and all): its sheet alone,
# without the sentence under it
example = path("vi-du.xlsx")
wb = openpyxl.load_workbook(template)
for sheet in list(wb.sheetnames):
    if sheet != "Ví dụ":
        del wb[sheet]
wb["Ví dụ"].delete_rows(4, 10)
wb.save(example)
r = run("collect", "fill", "--store", fresh("example.store"), "staff", "--answers", example)
check(r.returncode == 0 and "1 new records" in r.stderr, "the example sheet imports as it is: " + r.stderr)

finish()
