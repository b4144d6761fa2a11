#!/usr/bin/env python3
"""test_reports.py ICTSURVEY - the gap-analysis workbook (`ictsurvey report`) checked cell by
cell against values worked out by hand. Small central databases are built the way the
province builds them (collector stores, answers files, edits, voids, bundles, merge), with the
clock pinned by ICTSURVEY_NOW so that "the most recently updated record" is known. Every
expected numerator and denominator below is counted by hand from the records listed above it
(the comment after each record says where it counts); nothing is recomputed by re-implementing
the program. Run with /usr/bin/python3 and Debian's python3-openpyxl; LibreOffice (for the
last part) is optional: without it that part prints SKIP."""
import os
import re
import shutil
import subprocess
import sys
import time

import openpyxl

import support
from support import DEFS, check, export, finish, new_store, path, run


def staff(pid, **over):
    """A staff record; `agency=None` leaves the agency out (workplaces other than dept/PC)."""
    rec = {"person_id": pid, "gender": "female", "birth_year": 1980, "district": "803",
           "workplace_type": "district_pc", "agency": "UBND-803", "category": "civil_servant",
           "position": "staff", "is_it_staff": "no", "it_degree": "none", "it_certificate": "none"}
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not None}


def school(code, district, level, total, informatics, computers, internet):
    return {"school_code": code, "school_name": "Trường " + code, "district": district,
            "level": level, "students_total": total, "students_informatics": informatics,
            "teachers_total": 20, "computers_working": computers, "computers_for_students": computers,
            "internet": internet, "mgmt_software": "yes", "open_source": "no"}


def centre(code, district, type_, students, it_trained, lecturers, it_lecturers, masters):
    return {"centre_code": code, "centre_name": "Cơ sở " + code, "district": district, "type": type_,
            "students_total": students, "students_it_trained": it_trained,
            "lecturers_total": lecturers, "it_lecturers": it_lecturers,
            "it_lecturers_master_plus": masters, "english_instruction": "no"}


def at(when):
    return {"ICTSURVEY_NOW": when}


def fill(store, form, records, when):
    return support.fill(store, form, records, env=at(when))




def report(db, out, *options, lang="en"):
    r = run("report", "--db", db, "-o", out, *options, lang=lang)
    check(r.returncode == 0, "report %s: %s" % (" ".join(options), r.stderr))
    return r


# =============================================================================================
# The database: round 2013 (most cases) and round 2014 (a second, smaller round).
#
# Marks after each staff record say where the record counts (its *counted* version only):
#   cb  cbccvc_it_capable population (civil_servant or public_employee)    cb+ also IT-capable
#   he  health_it_capable population (workplace health)                    he+ also IT-capable
#   sec it_staff_security_trained population (IT staff at dept/district_pc) sec+ both trainings
#   st  state_it_staff_college_plus population                             st+ degree >= cao_dang
#   sc  school_it_staff_tc_plus population                                 sc+ degree >= trung_cap
#   un  it_staff_university_plus population (every IT staff)              un+ degree >= dai_hoc
#   te  teacher_ict population (teaches, at a school)                      te+ applies ICT
# IT-capable: an IT degree, or a certificate, or all six modules iu01..iu06.
# =============================================================================================
SIX = ["iu01", "iu02", "iu03", "iu04", "iu05", "iu06"]

s1 = new_store("s1.store", "UBND Bến Lức", "Surveyor One", 2013)
s2 = new_store("s2.store", "UBND Cần Đước", "Surveyor Two", 2013)
s3 = new_store("s3.store", "Sở LĐTBXH", "Surveyor Three", 2013)
s4 = new_store("s4.store", "Sở TTTT", "Surveyor Four", 2014)

# ---- S1, 2013-05-01 ---------------------------------------------------------------------------
pc_leaders = [staff("C-%d" % d, district=str(d), agency="UBND-%d" % d, position="leader",
                    is_cio="yes", cio_trained="yes", it_certificate="basic")
              for d in range(794, 804)]                    # 10 records: cb+ each; PCs 794..803 have a CIO
pc_leaders[0]["full_name"] = "Nguyễn Văn An"                # personal: only with --include-personal
s1_main = pc_leaders + [
    staff("IT-794", district="794", agency="UBND-794", category="public_employee", is_it_staff="yes",
          security_trained="yes", sysadmin_trained="yes", it_degree="dai_hoc"),     # cb+ sec+ st+ un+
    staff("IT-795", district="795", agency="UBND-795", is_it_staff="yes",
          security_trained="yes", sysadmin_trained="no", it_degree="cao_dang"),     # cb+ sec st+ un
    staff("IT-796", district="796", agency="UBND-796", category="contract", is_it_staff="yes",
          security_trained="no", sysadmin_trained="no", it_degree="trung_cap"),     # sec st un
    staff("D-TTTT-1", district="794", workplace_type="dept", agency="SO-TTTT", position="leader",
          is_cio="yes", cio_trained="yes", it_certificate="basic"),                 # cb+ ; SO-TTTT has a CIO
    staff("D-TTTT-2", district="794", workplace_type="dept", agency="SO-TTTT",
          category="public_employee", is_it_staff="yes", security_trained="yes",
          sysadmin_trained="yes", it_degree="thac_si"),                             # cb+ sec+ st+ un+ ; SO-TTTT IT
    staff("D-NV-1", district="794", workplace_type="dept", agency="SO-NV", position="manager",
          is_cio="no", it_modules=SIX[:5]),                                         # cb (5 of 6 modules: not capable)
    staff("D-YT-1", district="794", workplace_type="dept", agency="SO-YT", is_it_staff="yes",
          security_trained="no", sysadmin_trained="yes", it_certificate="cert_b"),  # cb+ sec st un ; SO-YT IT
    staff("CM-1", district="806", workplace_type="commune_pc", agency=None, is_it_staff="yes",
          security_trained="no", sysadmin_trained="no", it_degree="trung_cap"),     # cb+ st un
    staff("CM-2", district="806", workplace_type="commune_pc", agency=None,
          category="public_employee", it_modules=SIX),                              # cb+ (all six modules)
    staff("CM-3", district="807", workplace_type="commune_pc", agency=None),        # cb (not capable)
    staff("CM-4", district="807", workplace_type="commune_pc", agency=None, category="contract"),  # -
    staff("H-1", workplace_type="health", agency=None, category="public_employee",
          it_certificate="basic"),                                                  # cb+ he+   (803)
    staff("H-2", workplace_type="health", agency=None, category="contract"),        # he        (803)
    staff("H-3", district="806", workplace_type="health", agency=None, category="other",
          it_modules=SIX),                                                          # he+
]


def teacher(pid, district, ict, category="public_employee", **over):
    return staff(pid, district=district, workplace_type="school", agency=None, category=category,
                 teaches="yes", ict_in_teaching=ict, it_certificate="basic", **over)


s1_main += [
    teacher("T-1", "803", "yes", training_needs=["office", "security"]),           # cb+ te+
    teacher("T-2", "803", "yes", training_needs=["office"]),                       # cb+ te+
    teacher("T-3", "803", "no"),                                                   # cb+ te
    teacher("T-4", "806", "yes"),                                                  # cb+ te+
    teacher("T-5", "806", "yes"),                                                  # cb+ te+
    teacher("T-6", "806", "yes", category="contract"),                             # te+
    teacher("T-7", "794", "no"),                                                   # cb+ te
    teacher("T-8", "794", "yes"),                                                  # cb+ te+
    staff("T-9", district="794", workplace_type="school", agency=None, category="public_employee",
          teaches="no", is_it_staff="yes", security_trained="no", sysadmin_trained="no",
          it_degree="trung_cap"),                                                   # cb+ sc+ un
    staff("T-10", workplace_type="school", agency=None, category="public_employee", teaches="no",
          is_it_staff="yes", security_trained="no", sysadmin_trained="no",
          it_certificate="cert_a"),                                                 # cb+ sc un   (803)
    teacher("T-11", "794", "yes"),                                                 # cb+ te+
    staff("TC-1", district="794", workplace_type="training_centre", agency=None,
          category="public_employee", is_it_staff="yes", security_trained="yes",
          sysadmin_trained="yes", teaches="yes", ict_in_teaching="yes",
          it_degree="cao_dang"),                                                    # cb+ st+ un (not te: no school)
    staff("TC-2", workplace_type="training_centre", agency=None, category="public_employee",
          is_it_staff="yes", security_trained="no", sysadmin_trained="no", teaches="no",
          it_degree="trung_cap"),                                                   # cb+ st un   (803)
    # voided below: count nowhere, and leave SO-TP and UBND-806 "not reported"
    staff("V-1", district="794", workplace_type="dept", agency="SO-TP", position="leader",
          is_cio="yes", cio_trained="yes", it_certificate="basic"),
    staff("V-2", district="806", agency="UBND-806", position="leader", is_cio="yes",
          cio_trained="yes", it_certificate="basic"),
    # DUP-1, first entry: superseded by S2's later one (would give UBND-805 a CIO)
    staff("DUP-1", district="805", agency="UBND-805", position="leader", is_cio="yes",
          cio_trained="no", it_certificate="basic", training_needs=["programming"]),
]
ids_s1 = dict(zip([r["person_id"] for r in s1_main], fill(s1, "staff", s1_main, "2013-05-01T08:00:00Z")))
# DUP-2, first entry 05-02, edited on 07-01 (after S2's entry of 06-02): this one counts
ids_s1["DUP-2"] = fill(s1, "staff", [staff("DUP-2", district="804", agency="UBND-804",
                                           it_certificate="basic")], "2013-05-02T08:00:00Z")[0]
# DUP-3, the same updated_at as S2's entry: the larger instance id (S2's, made later) counts
ids_s1["DUP-3"] = fill(s1, "staff", [teacher("DUP-3", "806", "yes")], "2013-05-03T00:00:00Z")[0]
ids_s1["P1"] = fill(s1, "school", [school("P1", "803", "primary", 300, 60, 10, "adsl")],
                    "2013-05-03T00:00:00Z")[0]                                      # superseded by S2's P1
time.sleep(0.05)  # instance ids are time-ordered (UUIDv7): S2's DUP-3 id is larger

# ---- S2 -----------------------------------------------------------------------------------------
ids_s2 = {}
ids_s2["DUP-3"] = fill(s2, "staff", [teacher("DUP-3", "806", "no")], "2013-05-03T00:00:00Z")[0]  # counted: cb+ te
ids_s2["DUP-1"] = fill(s2, "staff", [staff("DUP-1", district="805", agency="UBND-805", position="manager",
                                           is_cio="no", it_certificate="basic", training_needs=["cio"])],
                       "2013-06-01T08:00:00Z")[0]                                   # counted: cb+ ; UBND-805 no CIO
ids_s2["DUP-2"] = fill(s2, "staff", [staff("DUP-2", district="804", agency="UBND-804", is_it_staff="yes",
                                           security_trained="yes", sysadmin_trained="no",
                                           it_degree="dai_hoc")],
                       "2013-06-02T08:00:00Z")[0]                                   # NOT counted (S1's edit is later)
schools_s2 = [
    school("P1", "803", "primary", 300, 120, 10, "adsl"),          # counted (06-01 > 05-03)
    school("P2", "806", "primary", 200, 30, 5, "none"),
    school("P3", "794", "primary", 500, 100, 20, "fiber"),
    school("L1", "803", "lower_secondary", 400, 400, 10, "mobile"),
    school("L2", "806", "lower_secondary", 100, 99, 5, "none"),
    school("U1", "794", "upper_secondary", 0, 0, 0, "none"),       # no pupils: upper-secondary 0 / 0
]
ids_s2.update(zip([s["school_code"] for s in schools_s2], fill(s2, "school", schools_s2, "2013-06-01T08:00:00Z")))
check(ids_s2["DUP-3"] > ids_s1["DUP-3"], "precondition: S2's DUP-3 has the larger instance id")

# ---- S1: the edit and the voids ----------------------------------------------------------------
with open(path("patch.yaml"), "w") as fh:
    fh.write("- it_certificate: advanced\n")
r = run("collect", "edit", "--store", s1, ids_s1["DUP-2"], "--answers", path("patch.yaml"),
        env=at("2013-07-01T08:00:00Z"))
check(r.returncode == 0, "edit DUP-2: " + r.stderr)
for pid in ("V-1", "V-2"):
    r = run("collect", "void", "--store", s1, ids_s1[pid], "--yes", env=at("2013-07-02T08:00:00Z"))
    check(r.returncode == 0, "void %s: %s" % (pid, r.stderr))

# ---- S3: training centres, 2013-07-03 -------------------------------------------------------------
centres = [
    #       code    district type                  students IT-trained lecturers IT-lect masters
    centre("CO-1", "794", "college",                 400,     300,       12,       6,      2),
    centre("CO-2", "803", "college",                 100,     100,        4,       4,      2),
    centre("PS-1", "806", "professional_secondary",   80,      40,        3,       1,      0),
    centre("FC-1", "794", "farmers_centre",           40,       0,        1,       0,      0),
    centre("VC-1", "803", "vocational",             1000,     500,       10,       2,      1),
]
fill(s3, "training_centre", centres, "2013-07-03T08:00:00Z")

# ---- S4: round 2014 ---------------------------------------------------------------------------------
ids_s4 = {}
ids_s4["C-794"] = fill(s4, "staff", [
    staff("C-794", district="794", agency="UBND-794", position="leader", is_cio="yes", cio_trained="yes",
          it_certificate="basic"),                                   # cb+ ; the same key as 2013: not a duplicate
    staff("K14-1", district="795", agency="UBND-795")], "2014-05-01T08:00:00Z")[0]  # cb
fill(s4, "training_centre", [centre("CO-9", "794", "college", 3000, 2999, 100, 100, 41)],
     "2014-05-01T08:00:00Z")

db = path("central.db")
bundles = [export(s1, "s1.bundle"), export(s2, "s2.bundle"), export(s3, "s3.bundle"), export(s4, "s4.bundle")]
r = run("merge", "--db", db, *bundles)
check(r.returncode == 0, "merge: " + r.stderr)

# =============================================================================================
# Expected Summary values, by hand.
# id: (clause, numerator, denominator, {year: (target, status, gap, needed)})
# Numerator None: an indicator with no data source (Actual, Numerator, Denominator empty).
# Denominator 0: Actual empty, Numerator and Denominator 0 (counts), status "no data", Gap and
# Needed empty. A year left out: no target that year, all four cells empty.
# =============================================================================================
MET, NOT, NONE = "met", "not met", "no data"
E2013 = {
    # cb: 10 PC leaders + IT-794, IT-795 + 4 D-* + CM-1..3 + H-1 + T-1..5, T-7..11 (10) + TC-1, TC-2
    #     + DUP-1, DUP-2, DUP-3 = 35; not capable: D-NV-1, CM-3 -> 33
    "cbccvc_it_capable": ("II.2.1.a", 33, 35, {2015: (1.0, NOT, 1 - 33 / 35, 2)}),
    # he: H-1+, H-2, H-3+
    "health_it_capable": ("II.2.1.a", 2, 3, {2015: (1.0, NOT, 1 - 2 / 3, 1)}),
    # 18 departments in the register; CIO only at SO-TTTT (SO-TP's CIO voided, SO-NV's manager no)
    "dept_cio": ("II.2.1.a, II.2.2.a", 1, 18, {2015: (1.0, NOT, 17 / 18, 17), 2020: (1.0, NOT, 17 / 18, 17)}),
    # 15 PCs; CIO at 794..803 = 10 (805: DUP-1's later entry says no; 806: voided; 804, 807, 808: none)
    # 70% of 15 = 10.5 -> 11 needed in all -> 1 more; 100% -> 5 more
    "district_pc_cio": ("II.2.1.a, II.2.2.a", 10, 15, {2015: (0.7, NOT, 0.7 - 10 / 15, 1),
                                                         2020: (1.0, NOT, 1 - 10 / 15, 5)}),
    # SO-TTTT (D-TTTT-2), SO-YT (D-YT-1)
    "dept_it_staff": ("II.2.1.a", 2, 18, {2015: (1.0, NOT, 16 / 18, 16)}),
    # UBND-794, 795, 796 (UBND-804: DUP-2's counted entry is not IT staff)
    "district_pc_it_staff": ("II.2.1.a", 3, 15, {2015: (1.0, NOT, 0.8, 12)}),
    # sec: IT-794+, IT-795, IT-796, D-TTTT-2+, D-YT-1
    "it_staff_security_trained": ("II.2.1.b", 2, 5, {2015: (1.0, NOT, 0.6, 3)}),
    # st: IT-794+, IT-795+, IT-796, D-TTTT-2+, D-YT-1, CM-1, TC-1+, TC-2
    "state_it_staff_college_plus": ("II.2.1.c", 4, 8, {2015: (1.0, NOT, 0.5, 4)}),
    # sc: T-9+, T-10
    "school_it_staff_tc_plus": ("II.2.1.c", 1, 2, {2015: (1.0, NOT, 0.5, 1)}),
    # un: IT-794+, IT-795, IT-796, D-TTTT-2+, D-YT-1, CM-1, T-9, T-10, TC-1, TC-2
    "it_staff_university_plus": ("II.2.2.a", 2, 10, {2020: (1.0, NOT, 0.8, 8)}),
    # te: T-1+ T-2+ T-3 T-4+ T-5+ T-6+ T-7 T-8+ T-11+ DUP-3 (S2: no) -> 7 / 10 >= 65%
    "teacher_ict": ("II.2.1.d", 7, 10, {2015: (0.65, MET, 0, 0)}),
    # P1 (S2's entry) 120/300 + P2 30/200 + P3 100/500 = 250 / 1000; 50%: 500 - 250; 100%: 1000 - 250
    "primary_informatics": ("II.2.1.d, II.2.2.c", 250, 1000, {2015: (0.5, NOT, 0.25, 250),
                                                              2020: (1.0, NOT, 0.75, 750)}),
    # L1 400/400 + L2 99/100
    "lower_secondary_informatics": ("II.2.1.d, II.2.2.c", 499, 500, {2015: (1.0, NOT, 0.002, 1),
                                                                     2020: (1.0, NOT, 0.002, 1)}),
    # U1 0/0: no data, never 0%
    "upper_secondary_informatics": ("II.2.1.d, II.2.2.c", 0, 0, {2015: (1.0, NONE, None, None),
                                                                 2020: (1.0, NONE, None, None)}),
    # internet other than none: P1 adsl, P3 fiber, L1 mobile of 6 schools
    "schools_with_internet": ("IV.4", 3, 6, {}),
    # pupils 300+200+500+400+100+0 = 1500 / computers 10+5+20+10+5+0 = 50
    "students_per_computer": ("III.1.4", 1500, 50, {}),
    # PS-1 40/80 + VC-1 500/1000
    "vocational_students_it": ("II.2.1.d", 540, 1080, {2015: (1.0, NOT, 0.5, 540)}),
    # CO-1 300/400 + CO-2 100/100
    "college_students_it": ("II.2.1.d", 400, 500, {2015: (1.0, NOT, 0.2, 100)}),
    # CO-1 400/12 + CO-2 100/4 + PS-1 80/3 + FC-1 40/1 = 620 / 20 = 31 > 30: ceil(620/30) = 21 -> 1 more
    "students_per_lecturer": ("II.2.1.đ", 620, 20, {2015: (30, NOT, 1, 1)}),
    # CO-1 2/6 + CO-2 2/4 = 4/10 = exactly 40%: "> 40%" not met, gap 0, floor(4)+1-4 = 1;
    # "> 60%": floor(6)+1-4 = 3
    "college_it_lecturers_master": ("II.2.1.đ, II.2.2.b", 4, 10, {2015: (0.4, NOT, 0, 1),
                                                                 2020: (0.6, NOT, 0.2, 3)}),
    "enterprise_workers_it": ("II.2.1.a, II.2.2.a", None, None, {2015: (0.6, NONE, None, None),
                                                                 2020: (0.9, NONE, None, None)}),
    "residents_it": ("II.2.1.a, II.2.2.a", None, None, {2015: (0.5, NONE, None, None),
                                                        2020: (0.7, NONE, None, None)}),
}
E2014 = {
    # C-794 cb+, K14-1 cb
    "cbccvc_it_capable": ("II.2.1.a", 1, 2, {2015: (1.0, NOT, 0.5, 1)}),
    "health_it_capable": ("II.2.1.a", 0, 0, {2015: (1.0, NONE, None, None)}),
    # no department sent anything: every one is in the denominator, 0% is a value
    "dept_cio": ("II.2.1.a, II.2.2.a", 0, 18, {2015: (1.0, NOT, 1, 18), 2020: (1.0, NOT, 1, 18)}),
    # UBND-794: ceil(10.5) - 1 = 10; 15 - 1 = 14
    "district_pc_cio": ("II.2.1.a, II.2.2.a", 1, 15, {2015: (0.7, NOT, 0.7 - 1 / 15, 10),
                                                        2020: (1.0, NOT, 14 / 15, 14)}),
    "dept_it_staff": ("II.2.1.a", 0, 18, {2015: (1.0, NOT, 1, 18)}),
    "district_pc_it_staff": ("II.2.1.a", 0, 15, {2015: (1.0, NOT, 1, 15)}),
    "it_staff_security_trained": ("II.2.1.b", 0, 0, {2015: (1.0, NONE, None, None)}),
    "state_it_staff_college_plus": ("II.2.1.c", 0, 0, {2015: (1.0, NONE, None, None)}),
    "school_it_staff_tc_plus": ("II.2.1.c", 0, 0, {2015: (1.0, NONE, None, None)}),
    "it_staff_university_plus": ("II.2.2.a", 0, 0, {2020: (1.0, NONE, None, None)}),
    "teacher_ict": ("II.2.1.d", 0, 0, {2015: (0.65, NONE, None, None)}),
    "primary_informatics": ("II.2.1.d, II.2.2.c", 0, 0, {2015: (0.5, NONE, None, None),
                                                         2020: (1.0, NONE, None, None)}),
    "lower_secondary_informatics": ("II.2.1.d, II.2.2.c", 0, 0, {2015: (1.0, NONE, None, None),
                                                                 2020: (1.0, NONE, None, None)}),
    "upper_secondary_informatics": ("II.2.1.d, II.2.2.c", 0, 0, {2015: (1.0, NONE, None, None),
                                                                 2020: (1.0, NONE, None, None)}),
    "schools_with_internet": ("IV.4", 0, 0, {}),
    "students_per_computer": ("III.1.4", 0, 0, {}),
    "vocational_students_it": ("II.2.1.d", 0, 0, {2015: (1.0, NONE, None, None)}),
    # CO-9 2999/3000: one student short
    "college_students_it": ("II.2.1.d", 2999, 3000, {2015: (1.0, NOT, 1 / 3000, 1)}),
    # 3000 / 100 = exactly 30: "<= 30" met
    "students_per_lecturer": ("II.2.1.đ", 3000, 100, {2015: (30, MET, 0, 0)}),
    # 41/100 = 41% just above "> 40%": met; "> 60%": floor(60)+1-41 = 20
    "college_it_lecturers_master": ("II.2.1.đ, II.2.2.b", 41, 100, {2015: (0.4, MET, 0, 0),
                                                                   2020: (0.6, NOT, 0.19, 20)}),
    "enterprise_workers_it": ("II.2.1.a, II.2.2.a", None, None, {2015: (0.6, NONE, None, None),
                                                                 2020: (0.9, NONE, None, None)}),
    "residents_it": ("II.2.1.a, II.2.2.a", None, None, {2015: (0.5, NONE, None, None),
                                                        2020: (0.7, NONE, None, None)}),
}
IDS = list(E2013)


# =============================================================================================
# Reading the workbook back
# =============================================================================================
def load(xlsx):
    return openpyxl.load_workbook(xlsx)


def summary(wb, id_header="ID"):
    ws = wb.worksheets[0]
    hr = next((r for r in range(1, 30) if ws.cell(r, 1).value == id_header), None)
    if not check(hr is not None, "Summary header row with %r in column A" % id_header):
        return [], {}, []
    header = [c.value for c in ws[hr]]
    while header and header[-1] is None:
        header.pop()
    rows, order = {}, []
    r = hr + 1
    while ws.cell(r, 1).value:
        iid = ws.cell(r, 1).value
        order.append(iid)
        rows[iid] = {h: ws.cell(r, c + 1).value for c, h in enumerate(header) if h}
        r += 1
    return header, rows, order


def close(a, b, tol=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return isinstance(a, (int, float)) and abs(a - b) <= tol


def same(a, b):
    return a == b and (a is None) == (b is None)


def check_summary(xlsx, expected, years, label):
    wb = load(xlsx)
    header, rows, order = summary(wb)
    want = ["ID", "Indicator", "Clause", "Actual", "Numerator", "Denominator"]
    for y in years:
        want += ["Target %d" % y, "Status %d" % y, "Gap %d" % y, "Needed %d" % y]
    check(header[:len(want)] == want, "%s: Summary header %s, want %s" % (label, header, want))
    check(not any(re.match(r"(Target|Status|Gap|Needed) \d+$", str(h)) for h in header[len(want):]),
          "%s: no other target year: %s" % (label, header))
    check(order == list(expected), "%s: one row per indicator in the targets file's order: %s" % (label, order))
    for iid, (clause, num, den, targets) in expected.items():
        row = rows.get(iid)
        if not check(row is not None, "%s: row %s" % (label, iid)):
            continue
        where = "%s: %s" % (label, iid)
        check(isinstance(row["Indicator"], str) and row["Indicator"], where + ": an indicator label")
        check(row["Clause"] == clause, "%s: Clause %r, want %r" % (where, row["Clause"], clause))
        actual = num / den if num is not None and den else None
        check(close(row["Actual"], actual), "%s: Actual %r, want %r" % (where, row["Actual"], actual))
        check(same(row["Numerator"], num), "%s: Numerator %r, want %r" % (where, row["Numerator"], num))
        check(same(row["Denominator"], den), "%s: Denominator %r, want %r" % (where, row["Denominator"], den))
        for y in years:
            target, status, gap, needed = targets.get(y, (None, None, None, None))
            got = (row["Target %d" % y], row["Status %d" % y], row["Gap %d" % y], row["Needed %d" % y])
            ok = (close(got[0], target) and got[1] == status and close(got[2], gap) and same(got[3], needed)
                  and (needed is None or isinstance(got[3], (int, float)) and float(got[3]).is_integer()))
            check(ok, "%s %d: Target/Status/Gap/Needed %r, want %r" % (where, y, got, (target, status, gap, needed)))
    return wb


def sheet_rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def section(rows, title_start):
    """The data rows under a Data-quality title: (header, rows), up to the first empty row."""
    for i, row in enumerate(rows):
        if isinstance(row[0], str) and row[0].startswith(title_start):
            header = rows[i + 1]
            out = []
            for r in rows[i + 2:]:
                if all(v is None for v in r):
                    break
                out.append(r)
            return header, out
    check(False, "Data quality section %r" % title_start)
    return [], []


# =============================================================================================
# 1. Every Summary cell, rounds 2013 and 2014
# =============================================================================================
x13 = path("r2013.xlsx")
report(db, x13, "--round", "2013")
wb13 = check_summary(x13, E2013, [2015, 2020], "round 2013")
rows13 = summary(wb13)[1]
note = rows13.get("enterprise_workers_it", {}).get("Note") or ""
check("enterprise survey" in note, "the no-data-source indicator names the survey: %r" % note)
note = rows13.get("residents_it", {}).get("Note") or ""
check("household" in note, "residents_it names the household survey: %r" % note)
check("round 2013" in str(wb13.worksheets[0].cell(2, 1).value), "subtitle names the round: %r" % wb13.worksheets[0].cell(2, 1).value)

# default: the latest round present (2014)
x_default = path("default.xlsx")
report(db, x_default)
check_summary(x_default, E2014, [2015, 2020], "default round (2014)")
x14 = path("r2014.xlsx")
report(db, x14, "--round", "2014")
wb14 = check_summary(x14, E2014, [2015, 2020], "round 2014")

# =============================================================================================
# 2. A custom targets file: a third target year, then an edited target, no recompiling
# =============================================================================================
shipped = open(os.path.join(DEFS, "targets.yaml"), encoding="utf-8").read()


def with_2025(text, targets):
    """The shipped file with a 2025 target added to the indicators given (id -> "OP VALUE").
    The new line goes first in each mapping: the workbook still orders the years ascending."""
    for iid, target in targets.items():
        at_id = text.index("  - id: %s\n" % iid)
        at_targets = text.index("    targets:\n", at_id) + len("    targets:\n")
        check(text.find("  - id: ", at_id + 1, at_targets) < 0, "targets of %s found" % iid)
        text = text[:at_targets] + '      2025: "%s"\n' % target + text[at_targets:]
    return text


def expected_with(base, extra):
    out = {}
    for iid, (clause, num, den, targets) in base.items():
        t = dict(targets)
        if iid in extra:
            t[2025] = extra[iid]
        out[iid] = (clause, num, den, t)
    return out


T2025 = {"teacher_ict": ">= 70%", "district_pc_cio": ">= 60%", "students_per_lecturer": "<= 25",
         "college_it_lecturers_master": "> 57%", "it_staff_university_plus": ">= 70%",
         "primary_informatics": ">= 70%", "college_students_it": ">= 82%"}
custom = path("targets-2025.yaml")
with open(custom, "w", encoding="utf-8") as fh:
    fh.write(with_2025(shipped, T2025))
r = run("check", custom)
check(r.returncode == 0, "the custom targets file is valid: " + r.stderr)
xc = path("custom.xlsx")
report(db, xc, "--round", "2013", "--targets", custom)
# Targets whose product with the denominator is a whole number: computed exactly, not as
# 0.7 x 10 = 7.000000000000001 (which would ask for one person too many).
check_summary(xc, expected_with(E2013, {
    "teacher_ict": (0.7, MET, 0, 0),                  # 7/10 >= 70%: 70% of 10 is exactly 7
    "district_pc_cio": (0.6, MET, 0, 0),              # 10/15 >= 60%
    "students_per_lecturer": (25, NOT, 6, 5),         # 31 > 25: ceil(620/25) = 25 lecturers -> 5 more
    "college_it_lecturers_master": (0.57, NOT, 0.17, 2),  # 4/10 > 57%: floor(5.7)+1 = 6 -> 2 more
    "it_staff_university_plus": (0.7, NOT, 0.5, 5),   # 2/10 >= 70%: 7 - 2
    "primary_informatics": (0.7, NOT, 0.45, 450),     # 250/1000 >= 70%: 700 - 250
    "college_students_it": (0.82, NOT, 0.02, 10),     # 400/500 >= 82%: 410 - 400
}), [2015, 2020, 2025], "custom targets")
xc14 = path("custom-2014.xlsx")
report(db, xc14, "--round", "2014", "--targets", custom)
check_summary(xc14, expected_with(E2014, {
    "teacher_ict": (0.7, NONE, None, None),
    "district_pc_cio": (0.6, NOT, 0.6 - 1 / 15, 8),   # ceil(0.6 x 15 = 9) - 1
    "students_per_lecturer": (25, NOT, 5, 20),        # 3000/100 = 30 > 25: 3000/25 = 120 -> 20 more
    "college_it_lecturers_master": (0.57, NOT, 0.16, 17),  # 41/100 > 57%: 57 + 1 - 41
    "it_staff_university_plus": (0.7, NONE, None, None),
    "primary_informatics": (0.7, NONE, None, None),
    "college_students_it": (0.82, MET, 0, 0),         # 2999/3000
}), [2015, 2020, 2025], "custom targets, round 2014")
# edit the file: the workbook follows, nothing recompiled
with open(custom, "w", encoding="utf-8") as fh:
    fh.write(with_2025(shipped, dict(T2025, teacher_ict=">= 71%", district_pc_cio=">= 67%",
                                     students_per_lecturer="<= 31")))
report(db, xc, "--round", "2013", "--targets", custom)
check_summary(xc, expected_with(E2013, {
    "teacher_ict": (0.71, NOT, 0.01, 1),              # ceil(7.1) = 8 -> 1 more
    "district_pc_cio": (0.67, NOT, 0.67 - 10 / 15, 1),  # ceil(0.67 x 15 = 10.05) = 11 -> 1 more
    "students_per_lecturer": (31, MET, 0, 0),         # 31 <= 31
    "college_it_lecturers_master": (0.57, NOT, 0.17, 2),
    "it_staff_university_plus": (0.7, NOT, 0.5, 5),
    "primary_informatics": (0.7, NOT, 0.45, 450),
    "college_students_it": (0.82, NOT, 0.02, 10),
}), [2015, 2020, 2025], "edited custom targets")
# targets of the shipped years changed too, and the one comparator the shipped file lacks: <
with open(custom, "w", encoding="utf-8") as fh:
    fh.write(shipped.replace('      2015: ">= 65%"\n', '      2015: ">= 75%"\n')
             .replace('      2015: "<= 30"\n', '      2015: "< 31"\n'))
report(db, xc, "--round", "2013", "--targets", custom)
e_changed = dict(E2013)
e_changed["teacher_ict"] = ("II.2.1.d", 7, 10, {2015: (0.75, NOT, 0.05, 1)})  # ceil(7.5) = 8 -> 1 more
# 620/20 = 31 is not < 31: gap max(0, 31 - 31) = 0; floor(620/31) + 1 = 21 lecturers -> 1 more
e_changed["students_per_lecturer"] = ("II.2.1.đ", 620, 20, {2015: (31, NOT, 0, 1)})
check_summary(xc, e_changed, [2015, 2020], "changed 2015 targets")

# =============================================================================================
# 3. By district
# =============================================================================================
DISTRICTS = [str(d) for d in range(794, 809)]
ws = wb13["By district"]
bd = sheet_rows(ws)
check(bd[0][:2] == ["District code", "District"], "By district header: %r" % bd[0][:2])
check(bd[0][2:2 + len(IDS)] == IDS, "one column per indicator id, in order: %r" % bd[0][2:])
body = [r for r in bd[1:] if r[0] is not None and re.match(r"^\d{3}$", str(r[0]))]
check([r[0] for r in body] == DISTRICTS, "one row per register district: %r" % [r[0] for r in body])
check(len(body) == 15 and body[9][1] == "Ben Luc District", "district names: %r" % (body[9][1] if len(body) > 9 else None))
cell = {(r[0], h): r[2 + i] for r in body for i, h in enumerate(IDS)}
BY_DISTRICT = {
    # district_pc_cio: each district's own PC (the register's, whether it sent data or not)
    **{(d, "district_pc_cio"): 1.0 for d in DISTRICTS[:10]},                  # 794..803: a CIO
    **{(d, "district_pc_cio"): 0.0 for d in DISTRICTS[10:]},                  # 804..808: none (0/1)
    **{(d, "dept_cio"): None for d in DISTRICTS},                             # province level only
    **{(d, "enterprise_workers_it"): None for d in DISTRICTS},
    # cbccvc: 794: C-794 IT-794 D-TTTT-1 D-TTTT-2 D-YT-1 T-7 T-8 T-9 T-11 TC-1 capable, D-NV-1 not
    ("794", "cbccvc_it_capable"): 10 / 11,
    ("803", "cbccvc_it_capable"): 7 / 7,     # C-803 H-1 T-1 T-2 T-3 T-10 TC-2 (H-2 contract)
    ("806", "cbccvc_it_capable"): 5 / 5,     # CM-1 CM-2 T-4 T-5 DUP-3 (H-3 other, T-6 contract, V-2 void)
    ("807", "cbccvc_it_capable"): 0.0,       # CM-3 not capable (CM-4 contract): a value, 0%
    ("808", "cbccvc_it_capable"): None,      # nobody: no value
    ("803", "health_it_capable"): 1 / 2,     # H-1+, H-2
    ("806", "health_it_capable"): 1.0,       # H-3+
    ("794", "teacher_ict"): 2 / 3,           # T-7 no, T-8, T-11
    ("803", "teacher_ict"): 2 / 3,           # T-1, T-2, T-3 no
    ("806", "teacher_ict"): 3 / 4,           # T-4, T-5, T-6, DUP-3 no
    ("794", "it_staff_security_trained"): 2 / 3,  # IT-794+, D-TTTT-2+, D-YT-1
    ("795", "it_staff_security_trained"): 0.0,    # IT-795
    ("803", "primary_informatics"): 120 / 300,
    ("806", "primary_informatics"): 30 / 200,
    ("794", "primary_informatics"): 100 / 500,
    ("795", "primary_informatics"): None,
    ("794", "upper_secondary_informatics"): None,  # U1: 0 / 0
    ("794", "students_per_lecturer"): 440 / 13,    # CO-1 + FC-1
    ("803", "students_per_lecturer"): 25.0,        # CO-2 100/4 (VC-1 is vocational)
    ("806", "students_per_lecturer"): 80 / 3,      # PS-1
    ("803", "vocational_students_it"): 0.5,        # VC-1 500/1000
    ("794", "students_per_computer"): 25.0,        # P3 500/20 + U1 0/0
}
for (d, iid), want in BY_DISTRICT.items():
    check(close(cell.get((d, iid)), want), "By district %s %s: %r, want %r" % (d, iid, cell.get((d, iid)), want))

# Training needs: people still needed per district, and the courses asked for
tn = sheet_rows(wb13["Training needs"])
hr = next((i for i, r in enumerate(tn) if r[0] == "District code"), None)
if check(hr is not None, "Training needs header"):
    th = tn[hr]
    trow = {r[0]: dict(zip(th, r)) for r in tn[hr + 1:] if r[0]}
    for d, col, want in [("794", "cbccvc_it_capable 2015", 1),   # 10/11 -> 1 more
                         ("807", "cbccvc_it_capable 2015", 1),   # 0/1
                         ("808", "cbccvc_it_capable 2015", None),  # no data
                         ("804", "district_pc_cio 2015", 1),     # ceil(0.7 x 1) - 0
                         ("794", "district_pc_cio 2020", 0),
                         ("803", "Office software", 2),          # T-1, T-2
                         ("803", "Information security", 1),     # T-1
                         ("805", "Chief Information Officer (CIO) training", 1),  # DUP-1's counted entry
                         ("805", "Programming and software development", 0)]:     # not its superseded one
        got = trow.get(d, {}).get(col)
        check(same(got, want), "Training needs %s %r: %r, want %r" % (d, col, got, want))

# Agencies
ag = sheet_rows(wb13["Agencies"])
check(ag[0][:6] == ["Code", "Agency", "Type", "District", "CIO", "Dedicated IT officer"], "Agencies header %r" % ag[0])
agency = {r[0]: r for r in ag[1:] if r[0]}
check(len(agency) == 33, "every register agency listed: %d" % len(agency))
for code, cio, it in [("SO-TTTT", "yes", "yes"), ("SO-YT", "no", "yes"), ("SO-NV", "no", "no"),
                      ("SO-TP", "not reported", "not reported"), ("SO-TC", "not reported", "not reported"),
                      ("UBND-794", "yes", "yes"), ("UBND-797", "yes", "no"), ("UBND-804", "no", "no"),
                      ("UBND-805", "no", "no"), ("UBND-806", "not reported", "not reported"),
                      ("UBND-808", "not reported", "not reported")]:
    got = tuple(agency.get(code, [None] * 6)[4:6])
    check(got == (cio, it), "Agencies %s: %r, want %r" % (code, got, (cio, it)))

# =============================================================================================
# 4. Data quality
# =============================================================================================
UNREPORTED_2013 = {"VP-UBND", "SO-TP", "SO-KHDT", "SO-TC", "SO-CT", "SO-NNPTNT", "SO-GTVT", "SO-XD",
                   "SO-TNMT", "SO-LDTBXH", "SO-VHTTDL", "SO-KHCN", "SO-GDDT", "TTR-TINH", "BQL-KKT",
                   "UBND-806", "UBND-807", "UBND-808"}   # 15 departments and 3 PCs


def check_data_quality(wb, label, dups, unreported, per_district, totals):
    rows = sheet_rows(wb["Data quality"])
    _, drows = section(rows, "Duplicated natural keys")
    found = {(r[0], r[1]): r for r in drows if r[0] != "(none)"}
    check(set(found) == set(dups), "%s: duplicated keys %r, want %r" % (label, sorted(found), sorted(dups)))
    for key, (counted, other) in dups.items():
        r = found.get(key)
        if r:
            ids = str(r[3]).split()
            check(r[2] == 2 and sorted(ids) == sorted([counted, other]),
                  "%s: %s lists both instance ids: %r" % (label, key, r))
            check(ids[:1] == [counted], "%s: %s lists the counted instance first: %r" % (label, key, r))
    if not dups:
        check(drows[:1] and drows[0][0] == "(none)", "%s: no duplicates says (none): %r" % (label, drows))
    h, arows = section(rows, "Register agencies that sent no record")
    codes = {r[0] for r in arows}
    check(codes == unreported, "%s: unreported agencies %r" % (label, sorted(codes ^ unreported)))
    check(all(r[1] for r in arows), "%s: unreported agencies have names" % label)
    h, crows = section(rows, "Records per form and district")
    check(h[:2] == ["District code", "District"], "%s: counts header %r" % (label, h))
    counts = {r[0]: dict(zip(h, r)) for r in crows if r[0]}
    total = next((dict(zip(h, r)) for r in crows if r[1] == "Total"), {})
    check(list(counts) == DISTRICTS, "%s: one count row per district: %r" % (label, list(counts)))
    for (d, form), want in per_district.items():
        got = counts.get(d, {}).get(form)
        check(got == want, "%s: %s records in %s: %r, want %r" % (label, form, d, got, want))
    for form, want in totals.items():
        check(total.get(form) == want, "%s: %s total %r, want %r" % (label, form, total.get(form), want))


check_data_quality(wb13, "round 2013", {
    ("school", "P1"): (ids_s2["P1"], ids_s1["P1"]),
    ("staff", "DUP-1"): (ids_s2["DUP-1"], ids_s1["DUP-1"]),
    ("staff", "DUP-2"): (ids_s1["DUP-2"], ids_s2["DUP-2"]),   # edited later in S1
    ("staff", "DUP-3"): (ids_s2["DUP-3"], ids_s1["DUP-3"]),   # tie: the larger id
}, UNREPORTED_2013, {
    # staff 794: C-794 IT-794 D-TTTT-1 D-TTTT-2 D-NV-1 D-YT-1 T-7 T-8 T-9 T-11 TC-1 (V-1 void)
    ("794", "staff"): 11,
    ("803", "staff"): 8,     # C-803 H-1 H-2 T-1 T-2 T-3 T-10 TC-2
    ("804", "staff"): 1,     # DUP-2 once
    ("806", "staff"): 7,     # CM-1 CM-2 H-3 T-4 T-5 T-6 DUP-3 once (V-2 void)
    ("808", "staff"): 0,
    ("803", "school"): 2,    # P1 once, L1
    ("794", "training_centre"): 2, ("803", "training_centre"): 2, ("806", "training_centre"): 1,
}, {"staff": 40, "school": 6, "training_centre": 5})

# C-794 is in both rounds: never a duplicate
check_data_quality(wb14, "round 2014", {}, {
    a for a in UNREPORTED_2013 | {"SO-TTTT", "SO-NV", "SO-YT"} | {"UBND-%d" % d for d in range(796, 809)}
}, {("794", "staff"): 1, ("795", "staff"): 1, ("794", "training_centre"): 1},
    {"staff": 2, "school": 0, "training_centre": 1})

# the records the workbook counts are those of the query docs/central-db.md gives analysts
# (the report finds them in one walk of the index by key, not with this query)
import sqlite3  # noqa: E402
with sqlite3.connect(db) as con:
    for rnd, totals in ((2013, {"staff": 40, "school": 6, "training_centre": 5}),
                        (2014, {"staff": 2, "school": 0, "training_centre": 1})):
        for form, want in totals.items():
            got = con.execute(
                "SELECT count(*) FROM form_%s f WHERE f.round = ?1 AND f.form_hash IN (SELECT hash FROM published_forms)"
                " AND NOT EXISTS (SELECT 1 FROM form_%s g WHERE g.round = f.round AND g.natural_key = f.natural_key"
                " AND g.form_hash IN (SELECT hash FROM published_forms)"
                " AND (g.updated_at, g.instance_id, g.store_id) > (f.updated_at, f.instance_id, f.store_id))"
                % (form, form), (rnd,)).fetchone()[0]
            check(got == want, "round %d: the documented query counts %d %s records, the workbook %d"
                  % (rnd, got, form, want))
con.close()

# =============================================================================================
# 5. Record sheets
# =============================================================================================
FIXED_EN = ["Summary", "By district", "Progress", "Priority groups", "Training needs", "Agencies", "Data quality"]
NFIXED = len(FIXED_EN)
check(wb13.sheetnames[:NFIXED] == FIXED_EN, "sheet names: %r" % wb13.sheetnames)
check(sorted(wb13.sheetnames[NFIXED:]) == ["school", "staff", "training_centre"], "record sheets: %r" % wb13.sheetnames)


def record_sheet(wb, form):
    rows = sheet_rows(wb[form])
    return rows[0], rows[1], rows[2:]


labels, names, data = record_sheet(wb13, "staff")
check(labels[0] == "Record id" and names[0] == "instance_id", "record sheet headers: %r / %r" % (labels[:2], names[:2]))
check("person_id" in names and "is_cio" in names and "training_needs" in names, "field names row: %r" % names)
check("full_name" not in names and "birth_year" not in names, "personal fields left out by default: %r" % names)
check(all(isinstance(l, str) and l for l in labels), "every column has a label: %r" % labels)
check(len(data) == 40, "staff sheet: the 40 counted records: %d" % len(data))
iids = {r[0] for r in data}
check(ids_s1["DUP-2"] in iids and ids_s2["DUP-2"] not in iids, "record sheet holds the counted duplicate only")
check(ids_s1["V-1"] not in iids and ids_s1["V-2"] not in iids, "record sheet leaves void records out")
check(not any("Nguyễn Văn An" in str(v) for r in data for v in r), "no name by default")
_, names, data = record_sheet(wb13, "training_centre")
check(len(data) == 5 and "centre_code" in names, "training_centre sheet")

xp = path("personal.xlsx")
report(db, xp, "--round", "2013", "--include-personal")
_, names, data = record_sheet(load(xp), "staff")
check("full_name" in names and "birth_year" in names, "--include-personal adds them: %r" % names)
check(any("Nguyễn Văn An" in str(v) for r in data for v in r), "--include-personal shows the name")

xn = path("norecords.xlsx")
report(db, xn, "--round", "2013", "--no-records")
check(load(xn).sheetnames == FIXED_EN, "--no-records: no record sheets: %r" % load(xn).sheetnames)
xr = path("records.xlsx")
report(db, xr, "--round", "2013", "--records")
check(sorted(load(xr).sheetnames[NFIXED:]) == ["school", "staff", "training_centre"], "--records: record sheets")
# round 2014 has no school record: no empty school sheet; C-794 shown once in 2014
check(sorted(wb14.sheetnames[NFIXED:]) == ["staff", "training_centre"], "2014 record sheets: %r" % wb14.sheetnames)
_, _, data = record_sheet(wb14, "staff")
check(len(data) == 2 and ids_s4["C-794"] in {r[0] for r in data}, "2014 staff sheet: %d rows" % len(data))

# =============================================================================================
# 6. Rounds: covered above (2013 explicitly, 2014 by default); a round with no data
# =============================================================================================
# A round with no record at all: either a clear error, or a workbook where only the register
# counts (every department and PC in the denominator, nobody in the numerator) and everything
# else is "no data".
r = run("report", "--db", db, "--round", "2012", "-o", path("r2012.xlsx"))
if r.returncode == 0:
    E2012 = {i: (c, n if n is None else 0, d if d is None else 0,
                 {y: (t[0], NONE, None, None) for y, t in ts.items()}) for i, (c, n, d, ts) in E2014.items()}
    E2012["dept_cio"] = ("II.2.1.a, II.2.2.a", 0, 18, {2015: (1.0, NOT, 1, 18), 2020: (1.0, NOT, 1, 18)})
    E2012["district_pc_cio"] = ("II.2.1.a, II.2.2.a", 0, 15, {2015: (0.7, NOT, 0.7, 11), 2020: (1.0, NOT, 1, 15)})
    E2012["dept_it_staff"] = ("II.2.1.a", 0, 18, {2015: (1.0, NOT, 1, 18)})
    E2012["district_pc_it_staff"] = ("II.2.1.a", 0, 15, {2015: (1.0, NOT, 1, 15)})
    check_summary(path("r2012.xlsx"), E2012, [2015, 2020], "round 2012 (no records)")
else:
    check(r.returncode == 1 and "2012" in r.stderr, "an empty round is a clear error: %r" % r.stderr)
r = run("report", "--db", db, "--round", "twenty", "-o", path("bad.xlsx"))
check(r.returncode == 2, "a bad round is a usage error: %d" % r.returncode)
r = run("report", "--db", path("missing.db"), "-o", path("bad.xlsx"))
check(r.returncode == 1 and "missing.db" in r.stderr, "a missing database: %r" % r.stderr)

# =============================================================================================
# 7. Determinism
# =============================================================================================
xa, xb = path("a.xlsx"), path("b.xlsx")
report(db, xa, "--round", "2013")
time.sleep(1.1)
report(db, xb, "--round", "2013")
check(open(xa, "rb").read() == open(xb, "rb").read(), "two runs give byte-identical workbooks")
# the same bundles merged in another order, one command each: the same workbook
db_rev = path("central-reversed.db")
for bundle in reversed(bundles):
    r = run("merge", "--db", db_rev, bundle)
    check(r.returncode == 0, "merge %s: %s" % (bundle, r.stderr))
report(db_rev, xb, "--round", "2013")
check(open(xa, "rb").read() == open(xb, "rb").read(), "the workbook does not depend on the merge order")
report(db, xa, "--include-personal", lang=None)
time.sleep(1.1)
report(db, xb, "--include-personal", lang=None)
check(open(xa, "rb").read() == open(xb, "rb").read(), "byte-identical in Vietnamese too")

# =============================================================================================
# 8. Vietnamese by default
# =============================================================================================
xv = path("vi.xlsx")
report(db, xv, "--round", "2013", lang=None)
wbv = load(xv)
check(wbv.sheetnames[:NFIXED] == ["Tổng hợp", "Theo huyện", "Tiến độ", "Nhóm ưu tiên", "Nhu cầu đào tạo", "Cơ quan",
                                  "Chất lượng dữ liệu"],
      "Vietnamese sheet names: %r" % wbv.sheetnames)
hv, rowsv, orderv = summary(wbv, "Mã")
check(hv[:10] == ["Mã", "Chỉ tiêu", "Điều khoản", "Thực tế", "Tử số", "Mẫu số",
                  "Mục tiêu 2015", "Đánh giá 2015", "Khoảng cách 2015", "Cần thêm 2015"], "Vietnamese header: %r" % hv)
VI = {MET: "đạt", NOT: "chưa đạt", NONE: "không có dữ liệu", None: None}
for iid, (clause, num, den, targets) in E2013.items():
    row = rowsv.get(iid, {})
    for y in (2015, 2020):
        want = VI[targets.get(y, (None, None))[1]]
        check(row.get("Đánh giá %d" % y) == want, "vi %s %d: %r, want %r" % (iid, y, row.get("Đánh giá %d" % y), want))
    check(same(row.get("Tử số"), num) and same(row.get("Mẫu số"), den), "vi %s: the same counts" % iid)
ag = {r[0]: r for r in sheet_rows(wbv["Cơ quan"])[1:] if r[0]}
check(ag.get("SO-TP", [None] * 6)[4] == "chưa báo cáo" and ag.get("SO-TTTT", [None] * 6)[4] == "có",
      "Vietnamese agencies sheet")
check(sheet_rows(wbv["Theo huyện"])[1][1] == "Thành phố Tân An", "Vietnamese district names")

# =============================================================================================
# 9. The data-quality checks are data: the targets file's data_quality
# =============================================================================================
def dq_section(wb, title_start):
    header, rows = section(sheet_rows(wb["Data quality"]), title_start)
    return [c for c in header if c is not None], [[c for c in r[:len([h for h in header if h])]] for r in rows]


SHIPPED_DQ = "Values worth a second look: schools with over 100 pupils per computer"
h, rows = dq_section(wb13, SHIPPED_DQ)
check(h == ["School code", "School", "Pupils per computer", "District"] and rows == [["(none)", None, None, None]],
      "the shipped check: no school over 100 pupils per computer in 2013: %r %r" % (h, rows))
defs_dq = path("defs-dq")
shutil.copytree(DEFS, defs_dq)
with open(os.path.join(defs_dq, "targets.yaml"), encoding="utf-8") as fh:
    text = fh.read()
check("100 * ${computers_for_students}" in text, "the shipped rule says 100 pupils per computer")
text = text.replace("100 * ${computers_for_students}", "25 * ${computers_for_students}")
text = text.replace("schools with over 100 pupils per computer", "schools with over 25 pupils per computer")
text += """
  - id: students_per_lecturer_high
    title: {vi: "Cơ sở có trên 30 học viên mỗi giảng viên", en: "Centres with over 30 students per lecturer"}
    form: training_centre
    where: "${students_total} > 30 * ${lecturers_total}"
    columns:
      - label: {vi: Mã, en: Centre}
        value: "${centre_code}"
      - label: {vi: Học viên / giảng viên, en: Students per lecturer}
        value: "${students_total} div ${lecturers_total}"
      - label: {vi: Có giảng viên thạc sĩ, en: Has a master}
        value: "${it_lecturers_master_plus} > 0"
"""
with open(os.path.join(defs_dq, "targets.yaml"), "w", encoding="utf-8") as fh:
    fh.write(text)
x_dq = path("dq.xlsx")
report(db, x_dq, "--round", "2013", "--targets", os.path.join(defs_dq, "targets.yaml"))
wb_dq = load(x_dq)
h, rows = dq_section(wb_dq, "Values worth a second look: schools with over 25 pupils per computer")
# every current record of the round, duplicates too (both P1), by school code: L1 400/10,
# P1 300/10 twice, P2 200/5 (P3 500/20 is 25, not over; L2 20; U1 has no pupils)
check(rows == [["L1", "Trường L1", 40, "803"], ["P1", "Trường P1", 30, "803"], ["P1", "Trường P1", 30, "803"],
               ["P2", "Trường P2", 40, "806"]], "a changed rule lists other schools: %r" % rows)
h, rows = dq_section(wb_dq, "Centres with over 30 students per lecturer")
# CO-1 400/12, FC-1 40/1, VC-1 1000/10 (CO-2 25, PS-1 26.7)
check(h == ["Centre", "Students per lecturer", "Has a master"], "a new check's header: %r" % h)
check([r[0] for r in rows] == ["CO-1", "FC-1", "VC-1"] and abs(rows[0][1] - 400 / 12) < 1e-9 and rows[1][1] == 40
      and [r[2] for r in rows] == ["yes", "no", "yes"], "a new check on another form: %r" % rows)


def fixed_parts(wb):
    """The Data quality sheet up to the checks of the targets file, trailing empty cells dropped."""
    out = []
    for row in sheet_rows(wb["Data quality"]):
        if isinstance(row[0], str) and row[0].startswith("Values worth a second look"):
            break
        while row and row[-1] is None:
            row = row[:-1]
        out.append(row)
    return out


check(fixed_parts(wb_dq) == fixed_parts(wb13) and len(fixed_parts(wb13)) > 30,
      "the fixed parts of Data quality stay as they were")
# a mistake in a check is reported where it is, and no workbook is written
with open(os.path.join(defs_dq, "targets.yaml"), "w", encoding="utf-8") as fh:
    fh.write(text.replace('value: "${centre_code}"', 'value: "${centre_cod}"'))
r = run("report", "--db", db, "--round", "2013", "--targets", os.path.join(defs_dq, "targets.yaml"),
        "-o", path("dq-bad.xlsx"))
check(r.returncode == 1 and re.search(r"targets\.yaml:\d+:\d+: error: expression: unknown field 'centre_cod'", r.stderr)
      and "the targets file is not valid" in r.stderr and not os.path.exists(path("dq-bad.xlsx")),
      "a bad check: %r" % r.stderr)

# =============================================================================================
# 10. Running out of memory anywhere in the report: exit 1, a message, no workbook written
# =============================================================================================
# The Nth allocation of the project and every later one fail (ICTSURVEY_FAIL_ALLOC_AFTER). The
# count of allocations is the smallest N at which the report still succeeds; below it, at
# points spread over the whole run (the record sheets come last), the report must fail.
x_oom = path("oom.xlsx")
low, high = 0, 10 ** 7
while high - low > 1:
    mid = (low + high) // 2
    r = run("report", "--db", db, "--round", "2013", "-o", x_oom, env={"ICTSURVEY_FAIL_ALLOC_AFTER": str(mid)})
    if os.path.exists(x_oom):
        os.remove(x_oom)
    low, high = (low, mid) if r.returncode == 0 else (mid, high)
check(high > 1000, "the report makes more than 1000 allocations: %d" % high)
older = open(x13, "rb").read()  # what a clean run writes (the same options)
# from that N on, nothing fails: the workbook is the whole one (a writer that ignored a
# failure would succeed early, with sheets or cells missing)
for n in (high, high + 1, high + high // 10, high * 2):
    r = run("report", "--db", db, "--round", "2013", "-o", x_oom, env={"ICTSURVEY_FAIL_ALLOC_AFTER": str(n)})
    got = open(x_oom, "rb").read() if os.path.exists(x_oom) else None
    check(r.returncode == 0 and got == older,
          "the first %d allocations succeeding (of %d): exit %d, %s" % (
              n, high, r.returncode, "the whole workbook" if got == older else "not the whole workbook"))
    if os.path.exists(x_oom):
        os.remove(x_oom)
for k in range(12):
    n = high * k // 12 if k < 11 else high - 1
    for before in (None, older):
        if before is not None:
            with open(x_oom, "wb") as fh:
                fh.write(before)
        r = run("report", "--db", db, "--round", "2013", "-o", x_oom, env={"ICTSURVEY_FAIL_ALLOC_AFTER": str(n)})
        last = ([l for l in r.stderr.splitlines() if l.strip()] or [""])[-1]
        got = open(x_oom, "rb").read() if os.path.exists(x_oom) else None
        check(r.returncode == 1 and "Wrote the workbook" not in r.stderr,
              "out of memory after %d of %d allocations: exit %d: %s" % (n, high, r.returncode, r.stderr[-200:]))
        check(re.match(r"ictsurvey: .*out of memory", last) and not last.endswith("?"),
              "out of memory after %d: the message says so: %r" % (n, r.stderr[-300:]))
        check(got == before, "out of memory after %d: the workbook at -o is %s" % (
            n, "left as it was" if got == before else "gone" if got is None else "changed"))
        check(os.listdir(os.path.dirname(x_oom)) and not [f for f in os.listdir(os.path.dirname(x_oom))
                                                          if f.startswith("oom.xlsx.tmp")],
              "out of memory after %d: no temporary file left" % n)
        if os.path.exists(x_oom):
            os.remove(x_oom)

# =============================================================================================
# 11. LibreOffice reads it (every number is a stored value)
# =============================================================================================
office = shutil.which("libreoffice") or shutil.which("soffice")
if not office:
    print("SKIP: LibreOffice is not installed (Debian: libreoffice-calc-nogui); the workbook was "
          "not opened in LibreOffice", file=sys.stderr)
else:
    outdir = path("lo")
    os.makedirs(outdir)
    profile = "file://" + path("lo-profile")
    try:
        r = subprocess.run([office, "-env:UserInstallation=" + profile, "--headless", "--norestore",
                            "--convert-to",
                            # UTF-8, and "save cell contents as shown": the formatted values
                            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", "--outdir", outdir, x13],
                           capture_output=True, text=True, timeout=240)
        out = os.path.join(outdir, "r2013.csv")
        if check(r.returncode == 0 and os.path.exists(out), "LibreOffice converts the workbook: %s %s" % (r.stdout, r.stderr)):
            text = open(out, encoding="utf-8", errors="replace").read()
            missing = [i for i in IDS if i not in text]
            check(not missing, "LibreOffice shows every indicator id; missing %r" % missing)
            lines = {l.split(",", 1)[0]: l for l in text.splitlines()}
            check("66.7%" in lines.get("district_pc_cio", ""), "LibreOffice shows the stored value 66.7%%: %r"
                  % lines.get("district_pc_cio"))
            check("not met" in lines.get("district_pc_cio", ""), "LibreOffice shows the status")
    except subprocess.TimeoutExpired:
        check(False, "LibreOffice did not finish within 240 s")

finish()
