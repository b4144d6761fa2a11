#!/usr/bin/env python3
"""test_e2e.py ICTSURVEY - the whole job at small size: `simulate` makes a province (stores
filled through the import path, bundles exported, one re-sent after edits, one doubled, one
damaged), `merge` takes them all, `report` writes the workbook; every indicator of the
Summary is then checked against values this test computes on its own from the simulated
answers files (OUT/answers/*/*.csv and changes.csv), not from the database. Every bundle is
sealed to the office's key and the database requires sealing, as the province runs it."""
import csv
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import openpyxl

from support import check, finish

ICTSURVEY = os.path.abspath(sys.argv[1])


def run(*args):
    return subprocess.run([ICTSURVEY, "--lang", "en", *args], capture_output=True, text=True, timeout=300)


out = tempfile.mkdtemp(prefix="ics-e2e-")
# the way the province runs it: sealed bundles only, opened with the office's key
r = run("keys", "init", "--dir", out + "/keys")
check(r.returncode == 0, "keys init: " + r.stderr)
r = run("simulate", "--out", out + "/p", "--staff", "700", "--seed", "11",
        "--central-key", out + "/keys/central.pub")
check(r.returncode == 0, "simulate: " + r.stderr)
bundles = r.stdout.split()
check(len(bundles) == 20, "20 bundles: %d" % len(bundles))
r = run("merge", "--db", out + "/central.db", "--require-sealed", "--key", out + "/keys/central.key", *bundles)
check(r.returncode == 1, "merge exits 1: the damaged bundle is rejected")
check("huyen-808-damaged.bundle: rejected" in r.stderr, "the damaged bundle named")
check("huyen-794-1-copy.bundle: merged before, skipped" in r.stderr, "the doubled bundle skipped")
con = sqlite3.connect(out + "/central.db")
check(con.execute("SELECT count(*), sum(sealed), count(signer) FROM bundles").fetchone() == (18, 18, 18),
      "18 bundles merged, every one sealed and signed")
con.close()
r = run("report", "--db", out + "/central.db", "-o", out + "/gap.xlsx")
check(r.returncode == 0, "report: " + r.stderr)

# ---- the answers as the surveyors gave them -----------------------------------------------
def rows(form):
    result = []
    for path in sorted(glob.glob(out + "/p/answers/*/%s.csv" % form)):
        with open(path, encoding="utf-8") as f:
            result += list(csv.DictReader(f))
    return result


staff = {}
for row in rows("staff"):
    staff[row["person_id"]] = row  # the duplicate person has identical answers: counted once
with open(out + "/p/answers/changes.csv", encoding="utf-8") as f:
    for change in csv.DictReader(f):
        if change["action"] == "edit":
            staff[change["person_id"]][change["field"]] = change["value"]
        else:
            del staff[change["person_id"]]
staff = list(staff.values())
schools = rows("school")
centres = rows("training_centre")
yes = lambda v: v == "yes"


def capable(s):
    return s["it_degree"] != "none" or s["it_certificate"] != "none" or len(s["it_modules"].split()) == 6


def count(population, hit):
    pop = [s for s in staff if population(s)]
    return sum(1 for s in pop if hit(s)), len(pop)


def total(records, population, num, den):
    pop = [x for x in records if population(x)]
    return sum(int(x[num]) for x in pop), sum(int(x[den]) for x in pop)


depts = ["VP-UBND", "SO-NV", "SO-TP", "SO-KHDT", "SO-TC", "SO-CT", "SO-NNPTNT", "SO-GTVT", "SO-XD", "SO-TNMT",
         "SO-TTTT", "SO-LDTBXH", "SO-VHTTDL", "SO-KHCN", "SO-GDDT", "SO-YT", "TTR-TINH", "BQL-KKT"]
pcs = ["UBND-%d" % c for c in range(794, 809)]


def agencies(codes, hit):
    return sum(1 for a in codes if any(s["agency"] == a and hit(s) for s in staff)), len(codes)


degree = ["none", "trung_cap", "cao_dang", "dai_hoc", "thac_si", "tien_si"]
at_least = lambda s, d: degree.index(s["it_degree"]) >= degree.index(d)
expected = {
    "cbccvc_it_capable": count(lambda s: s["category"] in ("civil_servant", "public_employee"), capable),
    "health_it_capable": count(lambda s: s["workplace_type"] == "health", capable),
    "dept_cio": agencies(depts, lambda s: yes(s["is_cio"])),
    "district_pc_cio": agencies(pcs, lambda s: yes(s["is_cio"])),
    "dept_it_staff": agencies(depts, lambda s: yes(s["is_it_staff"])),
    "district_pc_it_staff": agencies(pcs, lambda s: yes(s["is_it_staff"])),
    "it_staff_security_trained": count(lambda s: yes(s["is_it_staff"]) and s["workplace_type"] in ("dept", "district_pc"),
                                       lambda s: yes(s["security_trained"]) and yes(s["sysadmin_trained"])),
    "state_it_staff_college_plus": count(lambda s: yes(s["is_it_staff"]) and s["workplace_type"] in
                                         ("dept", "district_pc", "commune_pc", "training_centre"),
                                         lambda s: at_least(s, "cao_dang")),
    "school_it_staff_tc_plus": count(lambda s: yes(s["is_it_staff"]) and s["workplace_type"] == "school",
                                     lambda s: at_least(s, "trung_cap")),
    "it_staff_university_plus": count(lambda s: yes(s["is_it_staff"]), lambda s: at_least(s, "dai_hoc")),
    "teacher_ict": count(lambda s: yes(s["teaches"]) and s["workplace_type"] == "school", lambda s: yes(s["ict_in_teaching"])),
    "primary_informatics": total(schools, lambda x: x["level"] == "primary", "students_informatics", "students_total"),
    "lower_secondary_informatics": total(schools, lambda x: x["level"] == "lower_secondary", "students_informatics", "students_total"),
    "upper_secondary_informatics": total(schools, lambda x: x["level"] == "upper_secondary", "students_informatics", "students_total"),
    "schools_with_internet": (sum(1 for x in schools if x["internet"] != "none"), len(schools)),
    "students_per_computer": total(schools, lambda x: True, "students_total", "computers_for_students"),
    "vocational_students_it": total(centres, lambda x: x["type"] in ("professional_secondary", "vocational"),
                                    "students_it_trained", "students_total"),
    "college_students_it": total(centres, lambda x: x["type"] == "college", "students_it_trained", "students_total"),
    "students_per_lecturer": total(centres, lambda x: x["type"] in ("college", "professional_secondary", "farmers_centre"),
                                   "students_total", "lecturers_total"),
    "college_it_lecturers_master": total(centres, lambda x: x["type"] == "college", "it_lecturers_master_plus", "it_lecturers"),
}

ws = openpyxl.load_workbook(out + "/gap.xlsx").worksheets[0]
table = list(ws.iter_rows(values_only=True))
h = next(i for i, row in enumerate(table) if row and row[0] == "ID")
col = {name: i for i, name in enumerate(table[h]) if name}
got = {row[0]: row for row in table[h + 1:] if row and row[0]}
for ind, (num, den) in expected.items():
    row = got.get(ind)
    check(row is not None, "%s in the Summary" % ind)
    if not row:
        continue
    check(row[col["Numerator"]] == num and row[col["Denominator"]] == den,
          "%s: %s/%s, expected %d/%d" % (ind, row[col["Numerator"]], row[col["Denominator"]], num, den))
    if den:
        check(abs(row[col["Actual"]] - num / den) < 1e-9, "%s actual" % ind)
    else:
        check(row[col["Actual"]] is None, "%s: no data when the denominator is 0" % ind)
check(got["district_pc_cio"][col["Denominator"]] == 15, "the silent district PC still counts")
for ind in ("enterprise_workers_it", "residents_it"):
    check(got[ind][col["Status 2015"]] == "no data", "%s: no data" % ind)
agencies_ws = openpyxl.load_workbook(out + "/gap.xlsx")["Agencies"]
status = {row[0]: row[4] for row in agencies_ws.iter_rows(min_row=2, values_only=True)}
check(status.get("UBND-797") == "not reported", "the district PC that never reported is listed")

# ---- simulate follows the definitions: a district, a department and a field more -------------
defs = out + "/defs"
shutil.copytree(os.environ["ICTSURVEY_DEFINITIONS"], defs)
with open(defs + "/units.yaml", encoding="utf-8") as f:
    units = f.read()
units = units.replace('  - {code: "808", name: {vi: "Huyện Châu Thành", en: "Chau Thanh District"}}\n',
                      '  - {code: "808", name: {vi: "Huyện Châu Thành", en: "Chau Thanh District"}}\n'
                      '  - {code: "809", name: {vi: "Huyện Mới", en: "New District"}}\n')
units += ('  - {code: UBND-809, name: {vi: "UBND Huyện Mới", en: "New District PC"}, type: district_pc, district: "809"}\n'
          '  - {code: SO-MOI, name: {vi: "Sở Mới", en: "New Department"}, type: dept, district: "794"}\n')
with open(defs + "/units.yaml", "w", encoding="utf-8") as f:
    f.write(units)
with open(defs + "/staff.yaml", encoding="utf-8") as f:
    form = f.read()
form = form.replace("      - name: full_name\n",
                    "      - name: phone\n        type: text\n        label: {vi: \"Điện thoại\", en: \"Phone\"}\n\n"
                    "      - name: full_name\n")
with open(defs + "/staff.yaml", "w", encoding="utf-8") as f:
    f.write(form)
r = subprocess.run([ICTSURVEY, "--lang", "en", "simulate", "--out", out + "/p2", "--staff", "200", "--seed", "3"],
                   capture_output=True, text=True, timeout=300, env=dict(os.environ, ICTSURVEY_DEFINITIONS=defs))
check(r.returncode == 0, "simulate with other definitions: " + r.stderr)
bundles = r.stdout.split()
check(len(bundles) == 21 and bundles[-1].endswith("huyen-809-damaged.bundle"),
      "a store for the new district, whose bundle is now the damaged one: %s" % bundles[-3:])
check("18 surveyors" in r.stderr, "18 surveyors: " + r.stderr)
with open(out + "/p2/answers/huyen-809/staff.csv", encoding="utf-8") as f:
    new_district = list(csv.DictReader(f))
check(new_district and "phone" in new_district[0], "the new field is a column of the answers")
check(any(row["agency"] == "UBND-809" for row in new_district), "the new district's People's Committee reports")
with open(out + "/p2/answers/so-tttt/staff.csv", encoding="utf-8") as f:
    check(any(row["agency"] == "SO-MOI" for row in csv.DictReader(f)), "the new department reports")

finish()
