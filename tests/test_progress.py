#!/usr/bin/env python3
"""test_progress.py ICTSURVEY - survey rounds in the workbook: the Progress sheet (every
indicator's value per round, its targets, and whether the straight line through the first and
the latest round with a value reaches each target by its year) and the Priority groups sheet
(the staff indicators by gender and by age band in the round's year), checked cell by cell
against values worked out by hand from three rounds of hand-made data (2013, 2014, 2015). Also:
merging bundles of different rounds in any order gives the same database, and a report of an
older round is byte-identical after a newer round is merged.

The comment after each record says where it counts (its marks), and each expected number is
written as a literal with its arithmetic beside it; nothing is recomputed by re-implementing
the program. Run with /usr/bin/python3 and Debian's python3-openpyxl."""
import itertools
import os
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile

import openpyxl

import support
from support import check, export, finish, path, run


def staff(pid, gender, born, **over):
    """A staff record of a district PC's staff (override what differs); the gender and year of
    birth are the priority-group fields."""
    rec = {"person_id": pid, "gender": gender, "birth_year": born, "district": "803",
           "workplace_type": "district_pc", "agency": "UBND-803", "category": "civil_servant",
           "position": "staff", "is_it_staff": "no", "it_degree": "none", "it_certificate": "none"}
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not None}


def cio(pid, gender, born, district, category, certificate="none"):
    """The leader of a district PC, its CIO."""
    return staff(pid, gender, born, district=district, agency="UBND-%s" % district, category=category,
                 position="leader", is_cio="yes", cio_trained="yes", it_certificate=certificate)


def it_officer(pid, gender, born, degree, certificate, **over):
    return staff(pid, gender, born, is_it_staff="yes", security_trained="no", sysadmin_trained="no",
                 it_degree=degree, it_certificate=certificate, **over)


def teacher(pid, gender, born, district, ict, category="contract", certificate="none"):
    return staff(pid, gender, born, district=district, workplace_type="school", agency=None,
                 category=category, teaches="yes", ict_in_teaching=ict, it_certificate=certificate)


def school(code, district, level, total, informatics, internet):
    return {"school_code": code, "school_name": "Trường " + code, "district": district,
            "level": level, "students_total": total, "students_informatics": informatics,
            "teachers_total": 20, "computers_working": 10, "computers_for_students": 10,
            "internet": internet, "mgmt_software": "yes", "open_source": "no"}


def college(code, students, lecturers, it_lecturers, masters):
    return {"centre_code": code, "centre_name": "Cơ sở " + code, "district": "794", "type": "college",
            "students_total": students, "students_it_trained": 0, "lecturers_total": lecturers,
            "it_lecturers": it_lecturers, "it_lecturers_master_plus": masters, "english_instruction": "no"}


def new_store(name, site, round_):
    return support.new_store(name, site, "Surveyor " + name, round_)


def fill(store, form, records, when):
    support.fill(store, form, records, env={"ICTSURVEY_NOW": when})


def merge(db, *bundles):
    r = run("merge", "--db", db, *bundles, env={"ICTSURVEY_NOW": "2016-01-01T00:00:00Z"})
    check(r.returncode == 0, "merge %s: %s" % (" ".join(os.path.basename(b) for b in bundles), r.stderr))


def report(db, out, *options, lang="en"):
    r = run("report", "--db", db, "-o", out, *options, lang=lang)
    check(r.returncode == 0, "report %s: %s" % (" ".join(options), r.stderr))
    return out


# =============================================================================================
# The targets file: a small one, so that every cell can be worked out by hand. Three target
# years (2014, 2015, 2020), every measure, every comparator but <, key and non-key indicators.
# =============================================================================================
TARGETS = """\
targets: progress_test
decision: 43/2011/QĐ-UBND
title: {vi: "Kiểm thử tiến độ", en: "Progress test"}
indicators:
  - id: cbccvc_it_capable
    label: {vi: "CBCCVC có chứng chỉ", en: "Civil servants with a certificate"}
    clause: II.2.1.a
    kind: share
    measure: records
    form: staff
    where: "${category} = 'civil_servant' or ${category} = 'public_employee'"
    numerator: "${it_certificate} != 'none'"
    key: yes
    targets: {2014: ">= 60%", 2015: ">= 90%", 2020: ">= 100%"}
  - id: teacher_ict
    label: {vi: "Giáo viên ứng dụng CNTT", en: "Teachers applying ICT"}
    clause: II.2.1.d
    kind: share
    measure: records
    form: staff
    where: "${teaches} and ${workplace_type} = 'school'"
    numerator: "${ict_in_teaching}"
    key: yes
    targets: {2015: ">= 65%", 2020: ">= 85%"}
  - id: it_staff_university_plus
    label: {vi: "Cán bộ CNTT có bằng đại học", en: "IT officers with a university degree"}
    clause: II.2.2.a
    kind: share
    measure: records
    form: staff
    where: "${is_it_staff}"
    numerator: "${it_degree} = 'dai_hoc' or ${it_degree} = 'thac_si' or ${it_degree} = 'tien_si'"
    targets: {2020: ">= 100%"}
  - id: district_pc_cio
    label: {vi: "UBND cấp huyện có CIO", en: "District PCs with a CIO"}
    clause: II.2.1.a
    kind: share
    measure: agencies
    form: staff
    agencies: district_pc
    link: agency
    numerator: "${is_cio}"
    key: yes
    targets: {2015: ">= 70%", 2020: ">= 100%"}
  - id: students_per_lecturer
    label: {vi: "Sinh viên trên một giảng viên", en: "Students per lecturer"}
    clause: II.2.1.đ
    kind: ratio
    measure: sum
    form: training_centre
    where: "${type} = 'college'"
    numerator: "${students_total}"
    denominator: "${lecturers_total}"
    key: yes
    targets: {2015: "<= 30", 2020: "<= 25"}
  - id: college_it_lecturers_master
    label: {vi: "Giảng viên CNTT có bằng thạc sĩ", en: "IT lecturers with a master's degree"}
    clause: II.2.1.đ
    kind: share
    measure: sum
    form: training_centre
    where: "${type} = 'college'"
    numerator: "${it_lecturers_master_plus}"
    denominator: "${it_lecturers}"
    targets: {2015: "> 40%", 2020: "> 60%"}
  - id: primary_informatics
    label: {vi: "Học sinh tiểu học học tin học", en: "Primary pupils learning informatics"}
    clause: II.2.1.d
    kind: share
    measure: sum
    form: school
    where: "${level} = 'primary'"
    numerator: "${students_informatics}"
    denominator: "${students_total}"
    targets: {2015: ">= 50%", 2020: ">= 100%"}
  - id: schools_with_internet
    label: {vi: "Trường có Internet", en: "Schools with the Internet"}
    clause: IV.4
    kind: share
    measure: records
    form: school
    numerator: "${internet} != 'none'"
    targets: {}
  - id: residents_it
    label: {vi: "Dân cư sử dụng CNTT", en: "Residents using IT"}
    clause: II.2.1.a
    kind: share
    measure: none
    key: yes
    source: {vi: "Điều tra hộ gia đình", en: "A household survey"}
    targets: {2015: "> 50%", 2020: "> 70%"}
"""
targets = path("targets.yaml")
with open(targets, "w", encoding="utf-8") as fh:
    fh.write(TARGETS)
r = run("check", targets)
check(r.returncode == 0, "the test's targets file is valid: " + r.stdout + r.stderr)
LABEL = {"cbccvc_it_capable": "Civil servants with a certificate", "teacher_ict": "Teachers applying ICT",
         "it_staff_university_plus": "IT officers with a university degree",
         "district_pc_cio": "District PCs with a CIO", "students_per_lecturer": "Students per lecturer",
         "college_it_lecturers_master": "IT lecturers with a master's degree",
         "primary_informatics": "Primary pupils learning informatics",
         "schools_with_internet": "Schools with the Internet", "residents_it": "Residents using IT"}
IDS = list(LABEL)

# =============================================================================================
# The data. Marks after each staff record:
#   A  cbccvc_it_capable population (civil_servant or public_employee)   A+ has a certificate
#   B  teacher_ict population (teaches, at a school)                     B+ applies ICT
#   C  it_staff_university_plus population (IT officers)                 C+ dai_hoc or higher
#   D  district_pc_cio: a CIO at that PC (the register has 15 PCs, 794..808)
# then gender and age in the round's year (round - birth year): M/F, <30, 30-44, 45+.
# =============================================================================================
s13 = new_store("s13.store", "Sở TTTT", 2013)
fill(s13, "staff", [
    cio("C13-1", "male", 1968, "794", "civil_servant", "basic"),     # A+ D794       M 45 (2013-1968)
    cio("C13-2", "female", 1983, "795", "contract"),                 # D795 (contract: not A)
    staff("S13-3", "female", 1984),                                   # A            F 29
    it_officer("IT13-4", "male", 1969, "dai_hoc", "none", category="public_employee"),  # A C+  M 44
    it_officer("IT13-5", "female", 1990, "cao_dang", "basic", district="806", workplace_type="commune_pc",
               agency=None, category="contract"),                     # C            F 23
    teacher("T13-1", "female", 1980, "803", "yes", "public_employee", "basic"),  # A+ B+   F 33
    teacher("T13-2", "male", 1960, "806", "no", "public_employee"),   # A B          M 53
], "2013-05-10T08:00:00Z")
fill(s13, "school", [school("P1", "803", "primary", 200, 60, "adsl"),
                     school("P2", "806", "primary", 100, 40, "none")], "2013-05-11T08:00:00Z")
fill(s13, "training_centre", [college("CO-1", 700, 20, 0, 0)], "2013-05-12T08:00:00Z")  # no IT lecturer

s14 = new_store("s14.store", "Sở TTTT", 2014)
fill(s14, "staff", [
    cio("C14-1", "male", 1968, "794", "civil_servant", "basic"),     # A+ D794       M 46
    cio("C14-2", "female", 1983, "795", "contract"),                 # D795
    cio("C14-3", "female", 1985, "796", "civil_servant", "basic"),   # A+ D796       F 29
    cio("C14-4", "male", 1970, "797", "contract"),                   # D797
    it_officer("IT14-5", "male", 1984, "dai_hoc", "basic", category="public_employee"),  # A+ C+ M 30
    staff("S14-6", "female", 1975),                                   # A            F 39
    staff("S14-7", "male", 1990, district="806", workplace_type="commune_pc", agency=None),  # A  M 24
], "2014-05-10T08:00:00Z")                                           # no teacher at all in 2014
fill(s14, "training_centre", [college("CO-1", 660, 20, 10, 2)], "2014-05-12T08:00:00Z")

s15a = new_store("s15a.store", "Sở TTTT", 2015)
fill(s15a, "staff", [
    cio("C15-1", "male", 1970, "794", "civil_servant", "basic"),     # A+ D794       M 45
    cio("C15-2", "female", 1985, "795", "civil_servant"),            # A  D795       F 30
    cio("C15-3", "male", 1980, "796", "contract"),                   # D796
    cio("C15-4", "male", 1975, "797", "contract"),                   # D797
    cio("C15-5", "female", 1960, "798", "contract"),                 # D798
    it_officer("IT15-7", "female", 1986, "dai_hoc", "basic", category="public_employee"),  # A+ C+ F 29
    it_officer("IT15-8", "male", 1971, "thac_si", "none", district="794", workplace_type="dept",
               agency="SO-TTTT"),                                     # A C+         M 44
    it_officer("IT15-9", "female", 1995, "trung_cap", "basic", district="806", workplace_type="commune_pc",
               agency=None, category="contract"),                     # C            F 20
    staff("S15-10", "male", 1950, it_certificate="advanced"),        # A+           M 65
    teacher("T15-1", "female", 1985, "803", "yes", "public_employee", "basic"),  # A+ B+   F 30
    teacher("T15-2", "female", 1990, "806", "yes"),                   # B+           F 25
    teacher("T15-3", "male", 1970, "806", "yes"),                     # B+           M 45
    teacher("T15-4", "male", 1986, "794", "no"),                      # B            M 29
    teacher("T15-5", "female", 1971, "794", "no"),                    # B            F 44
], "2015-05-10T08:00:00Z")
s15b = new_store("s15b.store", "Trường CĐ", 2015)
fill(s15b, "training_centre", [college("CO-1", 620, 20, 10, 4)], "2015-05-12T08:00:00Z")

b13, b14, b15a, b15b = (export(s13, "s13.bundle"), export(s14, "s14.bundle"), export(s15a, "s15a.bundle"),
                        export(s15b, "s15b.bundle"))
BUNDLES = [b13, b14, b15a, b15b]

# =============================================================================================
# The values by hand, round by round (province):
#   cbccvc_it_capable   2013: C13-1+ S13-3 IT13-4 T13-1+ T13-2 = 2/5
#                       2014: C14-1+ C14-3+ IT14-5+ S14-6 S14-7 = 3/5
#                       2015: C15-1+ C15-2 IT15-7+ IT15-8 S15-10+ T15-1+ = 4/6
#   teacher_ict         2013: T13-1+ T13-2 = 1/2;  2014: nobody (0/0, no value);  2015: T15-1..3+ T15-4 T15-5 = 3/5
#   it_staff_univ_plus  2013: IT13-4+ IT13-5 = 1/2;  2014: IT14-5+ = 1/1;  2015: IT15-7+ IT15-8+ IT15-9 = 2/3
#   district_pc_cio     2013: 794 795 = 2/15;  2014: 794..797 = 4/15;  2015: 794..798 = 5/15
#   students_per_lect.  2013: 700/20 = 35;  2014: 660/20 = 33;  2015: 620/20 = 31
#   college_it_lect_ms  2013: 0/0 (no value);  2014: 2/10;  2015: 4/10
#   primary_informatics 2013: (60 + 40)/(200 + 100) = 100/300;  no school after 2013
#   schools_with_int.   2013: P1 adsl, P2 none = 1/2
#   residents_it        no data source: never a value
# =============================================================================================
ON, NOT, PASSED, NONE = "on pace", "not on pace", "passed", "no data"

# ---- Progress, round 2015 (rounds 2013, 2014, 2015); target years 2014, 2015, 2020 -----------
# Each row: values by round, then {year: (target, on pace)}, then the chart's target line.
# The straight line runs through the first and the latest round with a value:
#   p(Y) = v_last + (v_last - v_first) / (r_last - r_first) * (Y - r_last)
P2015 = {
    # 2014 is before round 2015: passed. 2015: p = 4/6 < 90%. 2020: slope (4/6 - 2/5) / 2 = 2/15 a
    # year, p = 4/6 + 5 * 2/15 = 4/3 >= 100%.
    "cbccvc_it_capable": ([2 / 5, 3 / 5, 4 / 6], {2014: (0.6, PASSED), 2015: (0.9, NOT), 2020: (1.0, ON)}, 0.6),
    # 2014 empty: no teacher. Line through 2013 (1/2) and 2015 (3/5): slope 0.05 a year.
    # 2015: 0.6 < 65%. 2020: 0.6 + 5 * 0.05 = 0.85 exactly, >= 85%: on pace (computed exactly).
    "teacher_ict": ([1 / 2, None, 3 / 5], {2014: (None, NONE), 2015: (0.65, NOT), 2020: (0.85, ON)}, 0.65),
    # only a 2020 target (no target: no data). The line ignores 2014's 100%: 1/2 -> 2/3 in two
    # years, slope 1/12; 2020: 2/3 + 5/12 = 13/12 >= 100%.
    "it_staff_university_plus": ([1 / 2, 1 / 1, 2 / 3], {2014: (None, NONE), 2015: (None, NONE), 2020: (1.0, ON)},
                                 None),
    # slope (5/15 - 2/15) / 2 = 1/10 a year. 2015: 1/3 < 70%. 2020: 1/3 + 5/10 = 5/6 < 100%.
    "district_pc_cio": ([2 / 15, 4 / 15, 5 / 15], {2014: (None, NONE), 2015: (0.7, NOT), 2020: (1.0, NOT)}, 0.7),
    # "<=": falling is progress. Slope (31 - 35) / 2 = -2 a year. 2015: 31 > 30, not on pace.
    # 2020: 31 - 2 * 5 = 21 <= 25, on pace.
    "students_per_lecturer": ([35, 33, 31], {2014: (None, NONE), 2015: (30, NOT), 2020: (25, ON)}, 30),
    # first value in 2014 (2/10), latest 2015 (4/10): slope 0.2. 2015: 40% is not > 40%.
    # 2020: 0.4 + 5 * 0.2 = 1.4 > 60%.
    "college_it_lecturers_master": ([None, 2 / 10, 4 / 10], {2014: (None, NONE), 2015: (0.4, NOT), 2020: (0.6, ON)},
                                    None),
    # one round with a value: no line, no data
    "primary_informatics": ([100 / 300, None, None], {2014: (None, NONE), 2015: (0.5, NONE), 2020: (1.0, NONE)},
                            None),
    "schools_with_internet": ([1 / 2, None, None], {2014: (None, NONE), 2015: (None, NONE), 2020: (None, NONE)},
                              None),
    # no data source; a key indicator but never charted (no value)
    "residents_it": ([None, None, None], {2014: (None, NONE), 2015: (0.5, NONE), 2020: (0.7, NONE)}, None),
}

# ---- Progress, round 2014 (rounds 2013, 2014: round 2015 is later, never shown) ---------------
P2014 = {
    # 2014: the latest round is 2014 itself, 3/5 >= 60% exactly: on pace. slope 1/5 a year:
    # 2015: 3/5 + 1/5 = 4/5 < 90%. 2020: 3/5 + 6/5 = 9/5 >= 100%.
    "cbccvc_it_capable": ([2 / 5, 3 / 5], {2014: (0.6, ON), 2015: (0.9, NOT), 2020: (1.0, ON)}, 0.6),
    "teacher_ict": ([1 / 2, None], {2014: (None, NONE), 2015: (0.65, NONE), 2020: (0.85, NONE)}, 0.65),
    # 1/2 -> 1/1: 2020: 1 + 6 * 1/2 = 4
    "it_staff_university_plus": ([1 / 2, 1 / 1], {2014: (None, NONE), 2015: (None, NONE), 2020: (1.0, ON)}, None),
    # slope 2/15: 2015: 6/15 < 70%; 2020: 4/15 + 6 * 2/15 = 16/15 >= 100% (on pace here, not in 2015)
    "district_pc_cio": ([2 / 15, 4 / 15], {2014: (None, NONE), 2015: (0.7, NOT), 2020: (1.0, ON)}, 0.7),
    # slope -2: 2015: 31 > 30; 2020: 33 - 12 = 21 <= 25
    "students_per_lecturer": ([35, 33], {2014: (None, NONE), 2015: (30, NOT), 2020: (25, ON)}, 30),
    "college_it_lecturers_master": ([None, 2 / 10], {2014: (None, NONE), 2015: (0.4, NONE), 2020: (0.6, NONE)}, None),
    "primary_informatics": ([100 / 300, None], {2014: (None, NONE), 2015: (0.5, NONE), 2020: (1.0, NONE)}, None),
    "schools_with_internet": ([1 / 2, None], {2014: (None, NONE), 2015: (None, NONE), 2020: (None, NONE)}, None),
    "residents_it": ([None, None], {2014: (None, NONE), 2015: (0.5, NONE), 2020: (0.7, NONE)}, None),
}

# ---- Progress, round 2013: one round, no line anywhere (2014 is not before 2013) --------------
P2013 = {iid: ([v[0][0]], {y: (t, NONE) for y, (t, _) in v[1].items()}, v[2]) for iid, v in P2014.items()}

# ---- Priority groups --------------------------------------------------------------------------
# (group, numerator, denominator, {year: needed}); needed with the group's denominator fixed:
# ">=": ceil(T x D) - N, at least 0. A year without a target: empty target and needed.
G2015 = {
    # targets 2014 >= 60%, 2015 >= 90%, 2020 >= 100%
    "cbccvc_it_capable": [
        ("Male", 2, 3, {2014: 0, 2015: 1, 2020: 1}),          # C15-1+ IT15-8 S15-10+: ceil(1.8)=2, ceil(2.7)=3, 3
        ("Female", 2, 3, {2014: 0, 2015: 1, 2020: 1}),        # C15-2 IT15-7+ T15-1+
        ("Under 30", 1, 1, {2014: 0, 2015: 0, 2020: 0}),      # IT15-7+ (29)
        ("30–44", 1, 3, {2014: 1, 2015: 2, 2020: 2}),         # C15-2 (30) IT15-8 (44) T15-1+ (30): 2-1, 3-1, 3-1
        ("45 and over", 2, 2, {2014: 0, 2015: 0, 2020: 0}),   # C15-1+ (45) S15-10+ (65)
    ],
    # targets 2015 >= 65%, 2020 >= 85%
    "teacher_ict": [
        ("Male", 1, 2, {2015: 1, 2020: 1}),                   # T15-3+ T15-4: ceil(1.3)=2, ceil(1.7)=2
        ("Female", 2, 3, {2015: 0, 2020: 1}),                 # T15-1+ T15-2+ T15-5: ceil(1.95)=2, ceil(2.55)=3
        ("Under 30", 1, 2, {2015: 1, 2020: 1}),               # T15-2+ (25) T15-4 (29)
        ("30–44", 1, 2, {2015: 1, 2020: 1}),                  # T15-1+ (30) T15-5 (44)
        ("45 and over", 1, 1, {2015: 0, 2020: 0}),            # T15-3+ (45): ceil(0.65)=1, ceil(0.85)=1
    ],
    # target 2020 >= 100%
    "it_staff_university_plus": [
        ("Male", 1, 1, {2020: 0}),                            # IT15-8+
        ("Female", 1, 2, {2020: 1}),                          # IT15-7+ IT15-9
        ("Under 30", 1, 2, {2020: 1}),                        # IT15-7+ (29) IT15-9 (20)
        ("30–44", 1, 1, {2020: 0}),                           # IT15-8+ (44)
        ("45 and over", 0, 0, {2020: None}),                  # nobody: no value, nothing needed
    ],
}
G2014 = {
    "cbccvc_it_capable": [
        ("Male", 2, 3, {2014: 0, 2015: 1, 2020: 1}),          # C14-1+ IT14-5+ S14-7
        ("Female", 1, 2, {2014: 1, 2015: 1, 2020: 1}),        # C14-3+ S14-6: ceil(1.2)=2, ceil(1.8)=2, 2
        ("Under 30", 1, 2, {2014: 1, 2015: 1, 2020: 1}),      # C14-3+ (29) S14-7 (24)
        ("30–44", 1, 2, {2014: 1, 2015: 1, 2020: 1}),         # IT14-5+ (30) S14-6 (39)
        ("45 and over", 1, 1, {2014: 0, 2015: 0, 2020: 0}),   # C14-1+ (46)
    ],
    "teacher_ict": [(g, 0, 0, {2015: None, 2020: None})       # no teacher in 2014
                    for g in ("Male", "Female", "Under 30", "30–44", "45 and over")],
    "it_staff_university_plus": [
        ("Male", 1, 1, {2020: 0}),                            # IT14-5+ (30)
        ("Female", 0, 0, {2020: None}),
        ("Under 30", 0, 0, {2020: None}),
        ("30–44", 1, 1, {2020: 0}),
        ("45 and over", 0, 0, {2020: None}),
    ],
}
TARGET = {"cbccvc_it_capable": {2014: 0.6, 2015: 0.9, 2020: 1.0}, "teacher_ict": {2015: 0.65, 2020: 0.85},
          "it_staff_university_plus": {2020: 1.0}}
YEARS = [2014, 2015, 2020]
KEY_CHARTED = ["cbccvc_it_capable", "teacher_ict", "district_pc_cio", "students_per_lecturer"]


# =============================================================================================
# Reading back
# =============================================================================================
def sheet_rows(ws):
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def same(got, want):
    if isinstance(want, float) or (isinstance(want, int) and not isinstance(want, bool)):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - want) <= 1e-9
    return got == want


def check_grid(ws, expected, label):
    """Every cell of the sheet: the expected rows (lists, trailing Nones optional), nothing else."""
    got = sheet_rows(ws)
    check(len(got) == len(expected), "%s: %d rows, want %d" % (label, len(got), len(expected)))
    for r, want_row in enumerate(expected):
        got_row = got[r] if r < len(got) else []
        width = max(len(got_row), len(want_row))
        for c in range(width):
            g = got_row[c] if c < len(got_row) else None
            w = want_row[c] if c < len(want_row) else None
            check(same(g, w), "%s: cell %s%d is %r, want %r" % (label, openpyxl.utils.get_column_letter(c + 1),
                                                                r + 1, g, w))


def progress_grid(rounds, expected):
    n = len(rounds)
    header = ["ID", "Indicator"] + [str(r) for r in rounds]
    for y in YEARS:
        header += ["Target %d" % y, "On pace %d" % y]
    header += ["Target line %d" % r for r in rounds]
    grid = [None, None, [], header]   # the title and note rows are checked on their own
    for iid, (values, paces, line) in expected.items():
        row = [iid, LABEL[iid]] + list(values)
        for y in YEARS:
            row += list(paces[y])
        row += [line] * n if line is not None else [None] * n
        grid.append(row)
    return grid


def check_progress(xlsx, rounds, expected, label):
    """Every cell of the Progress sheet of a report of round rounds[-1]."""
    wb = openpyxl.load_workbook(xlsx)
    check("Progress" in wb.sheetnames, "%s: a Progress sheet: %r" % (label, wb.sheetnames))
    ws = wb["Progress"]
    grid = progress_grid(rounds, expected)
    title, note = ws["A1"].value, ws["A2"].value
    check(title == "Progress across the survey rounds, up to round %d" % rounds[-1], "%s: title %r" % (label, title))
    check(isinstance(note, str) and "straight line through the first and the latest round with a value" in note
          and "straight-line projection" in note, "%s: the note states the projection: %r" % (label, note))
    check("before round %d" % rounds[-1] in note, "%s: the note says when a year is passed: %r" % (label, note))
    grid[0] = [title]
    grid[1] = [note]
    check_grid(ws, grid, label)
    # the chart's helper cells: hidden columns
    first_hidden = 3 + len(rounds) + 2 * len(YEARS)
    for c in range(first_hidden, first_hidden + len(rounds)):
        letter = openpyxl.utils.get_column_letter(c)
        dims = [d for d in ws.column_dimensions.values() if d.min and d.min <= c <= d.max]
        check(dims and all(d.hidden for d in dims), "%s: column %s (target line) is hidden" % (label, letter))
    for c in range(1, first_hidden):
        dims = [d for d in ws.column_dimensions.values() if d.min and d.min <= c <= d.max]
        check(not any(d.hidden for d in dims), "%s: column %d is shown" % (label, c))
    return wb


def check_groups(xlsx, round_, expected, label):
    wb = openpyxl.load_workbook(xlsx)
    check("Priority groups" in wb.sheetnames, "%s: a Priority groups sheet" % label)
    ws = wb["Priority groups"]
    header = ["ID", "Indicator", "Group", "Numerator", "Denominator", "Actual"]
    for y in YEARS:
        header += ["Target %d" % y, "Needed %d" % y]
    title, note = ws["A1"].value, ws["A2"].value
    check(isinstance(title, str) and "round %d" % round_ in title and "women and young staff" in title,
          "%s: title %r" % (label, title))
    check(isinstance(note, str) and "%d minus the year of birth" % round_ in note, "%s: note %r" % (label, note))
    grid = [[title], [note], [], header]
    for iid, groups in expected.items():
        for group, num, den, needed in groups:
            row = [iid, LABEL[iid], group, num, den, num / den if den else None]
            for y in YEARS:
                if y in needed:
                    row += [TARGET[iid][y], needed[y]]
                else:
                    row += [None, None]
            grid.append(row)
    check_grid(ws, grid, label)
    # the year of birth is used for the bands only: never shown
    born = {1950, 1960, 1968, 1969, 1970, 1971, 1975, 1980, 1983, 1984, 1985, 1986, 1990, 1995}
    check(not any(v in born for row in sheet_rows(ws) for v in row), "%s: no year of birth shown" % label)
    return wb


def charts(xlsx, sheet):
    """The charts drawn on a sheet: [(type, title text, [(name, categories ref, values ref)])]."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships",
          "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    z = zipfile.ZipFile(xlsx)

    def rels(part):
        d, f = os.path.split(part)
        rp = os.path.join(d, "_rels", f + ".rels")
        if rp not in z.namelist():
            return {}
        return {e.get("Id"): os.path.normpath(os.path.join(d, e.get("Target")))
                for e in ET.fromstring(z.read(rp)).findall("p:Relationship", ns)}

    wbx = ET.fromstring(z.read("xl/workbook.xml"))
    rid = next(s.get("{%s}id" % ns["r"]) for s in wbx.find("m:sheets", ns) if s.get("name") == sheet)
    sheet_part = rels("xl/workbook.xml")[rid]
    out = []
    for target in rels(sheet_part).values():
        if "drawings/" not in target:
            continue
        for chart_part in sorted(rels(target).values(), key=lambda p: int(re.search(r"(\d+)\.xml$", p).group(1))):
            cx = ET.fromstring(z.read(chart_part))
            plot = cx.find("c:chart/c:plotArea", ns)
            kind = [e.tag.split("}")[1] for e in plot if e.tag.endswith("Chart")]
            title = "".join(t.text or "" for t in cx.findall("c:chart/c:title//a:t", ns))
            series = []
            for s in cx.iter("{%s}ser" % ns["c"]):
                name = "".join(t.text or "" for t in s.findall("c:tx//c:v", ns))
                cat = s.find("c:cat//c:f", ns)
                val = s.find("c:val//c:f", ns)
                series.append((name, cat.text if cat is not None else None, val.text if val is not None else None))
            vis = cx.find("c:chart/c:plotVisOnly", ns)
            out.append((kind, title, series, vis.get("val") if vis is not None else None))
    return out


def check_charts(xlsx, rounds, label):
    got = charts(xlsx, "Progress")
    check(len(got) == len(KEY_CHARTED), "%s: one chart per charted key indicator: %d" % (label, len(got)))
    n = len(rounds)
    last = openpyxl.utils.get_column_letter(2 + n)               # the last round's column
    h0 = openpyxl.utils.get_column_letter(3 + n + 2 * len(YEARS))  # the first target-line column
    h1 = openpyxl.utils.get_column_letter(2 + n + 2 * len(YEARS) + n)
    first_target_year = {"cbccvc_it_capable": "2014 (>= 60%)", "teacher_ict": "2015 (>= 65%)",
                         "district_pc_cio": "2015 (>= 70%)", "students_per_lecturer": "2015 (<= 30)"}
    for (kind, title, series, vis), iid in zip(got, KEY_CHARTED):
        row = 5 + IDS.index(iid)
        where = "%s: chart of %s" % (label, iid)
        check(kind == ["lineChart"], "%s: a line chart: %r" % (where, kind))
        check(title == LABEL[iid], "%s: title %r" % (where, title))
        # plotVisOnly left out (or 0): hidden cells are plotted, the target line among them
        check(vis in (None, "0"), "%s: shows the hidden target line (plotVisOnly): %r" % (where, vis))

        def ref(c0, c1, r):   # a one-cell range is written as the cell
            return "Progress!$%s$%d" % (c0, r) if c0 == c1 else "Progress!$%s$%d:$%s$%d" % (c0, r, c1, r)
        want = [("Actual", ref("C", last, 4), ref("C", last, row)),
                ("Target " + first_target_year[iid], ref("C", last, 4), ref(h0, h1, row))]
        got_series = [(nm, (c or "").replace("'", ""), (v or "").replace("'", "")) for nm, c, v in series]
        check(got_series == want, "%s: series %r, want %r" % (where, got_series, want))


# =============================================================================================
# 1. The database built in one merge; the three rounds reported
# =============================================================================================
db = path("central.db")
merge(db, *BUNDLES)
r = run("status", "--db", db)
check(r.returncode == 0, "status: " + r.stderr)

x15 = report(db, path("r2015.xlsx"), "--targets", targets)          # default: the latest round, 2015
check_progress(x15, [2013, 2014, 2015], P2015, "Progress round 2015")
check_charts(x15, [2013, 2014, 2015], "round 2015")
check_groups(x15, 2015, G2015, "Priority groups round 2015")

x14 = report(db, path("r2014.xlsx"), "--round", "2014", "--targets", targets)
check_progress(x14, [2013, 2014], P2014, "Progress round 2014")
check_charts(x14, [2013, 2014], "round 2014")
check_groups(x14, 2014, G2014, "Priority groups round 2014")

x13 = report(db, path("r2013.xlsx"), "--round", "2013", "--targets", targets)
check_progress(x13, [2013], P2013, "Progress round 2013")
check_charts(x13, [2013], "round 2013")

wb = openpyxl.load_workbook(x15)
check(wb.sheetnames[:7] == ["Summary", "By district", "Progress", "Priority groups", "Training needs", "Agencies",
                            "Data quality"], "sheet order: %r" % wb.sheetnames)

# =============================================================================================
# 2. The shipped targets file: Progress agrees with each round's own Summary; Priority groups
#    lists exactly the per-person staff indicators; Vietnamese by default
# =============================================================================================
def summary_actuals(xlsx):
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    hr = next(r for r in range(1, 30) if ws.cell(r, 1).value == "ID")
    out, r = {}, hr + 1
    while ws.cell(r, 1).value:
        out[ws.cell(r, 1).value] = ws.cell(r, 4).value
        r += 1
    return out


shipped = {}
for rnd in (2013, 2014, 2015):
    shipped[rnd] = report(db, path("shipped-%d.xlsx" % rnd), "--round", str(rnd))
prog = sheet_rows(openpyxl.load_workbook(shipped[2015])["Progress"])
check(prog[3][:5] == ["ID", "Indicator", "2013", "2014", "2015"], "shipped Progress header %r" % prog[3][:5])
check(prog[3][5:9] == ["Target 2015", "On pace 2015", "Target 2020", "On pace 2020"], "shipped years: %r" % prog[3])
rows = {r[0]: r for r in prog[4:] if r and r[0]}
actual = {rnd: summary_actuals(shipped[rnd]) for rnd in shipped}
check(list(rows) == list(actual[2015]), "shipped Progress: the Summary's indicators, in order: %r" % list(rows))
for iid, row in rows.items():
    for k, rnd in enumerate((2013, 2014, 2015)):
        check(same(row[2 + k], actual[rnd][iid]) if actual[rnd][iid] is not None else row[2 + k] is None,
              "shipped Progress %s %d: %r, the round's Summary says %r" % (iid, rnd, row[2 + k], actual[rnd][iid]))
    check(all(v in (ON, NOT, PASSED, NONE) for v in (row[6], row[8])), "shipped on-pace values %s: %r" % (iid, row))
pg = sheet_rows(openpyxl.load_workbook(shipped[2015])["Priority groups"])
ids = []
for r in pg[4:]:
    if r[0] not in ids:
        ids.append(r[0])
check(ids == ["cbccvc_it_capable", "health_it_capable", "it_staff_security_trained", "state_it_staff_college_plus",
              "school_it_staff_tc_plus", "it_staff_university_plus", "teacher_ict"],
      "shipped Priority groups: the staff indicators over records, not agencies: %r" % ids)
check(len(pg) == 4 + 5 * 7, "five groups per indicator: %d rows" % len(pg))
# the groups' denominators add up to the indicator's own (every record has a gender and a birth year)
summary15 = openpyxl.load_workbook(shipped[2015]).worksheets[0]
den15 = {}
hr = next(r for r in range(1, 30) if summary15.cell(r, 1).value == "ID")
for r in range(hr + 1, hr + 40):
    if summary15.cell(r, 1).value:
        den15[summary15.cell(r, 1).value] = (summary15.cell(r, 5).value, summary15.cell(r, 6).value)
for iid in ids:
    g = [r for r in pg[4:] if r[0] == iid]
    for part in (g[:2], g[2:]):
        check((sum(r[3] for r in part), sum(r[4] for r in part)) == den15[iid],
              "%s: groups add up to the Summary's %r" % (iid, den15[iid]))

xv = report(db, path("vi.xlsx"), "--targets", targets, lang=None)
wbv = openpyxl.load_workbook(xv)
check(wbv.sheetnames[:4] == ["Tổng hợp", "Theo huyện", "Tiến độ", "Nhóm ưu tiên"], "Vietnamese sheets %r" % wbv.sheetnames)
pv = sheet_rows(wbv["Tiến độ"])
check(pv[3][:5] == ["Mã", "Chỉ tiêu", "2013", "2014", "2015"] and pv[3][5:7] == ["Mục tiêu 2014", "Tiến độ 2014"],
      "Vietnamese Progress header %r" % pv[3])
VI = {ON: "kịp tiến độ", NOT: "không kịp tiến độ", PASSED: "đã qua", NONE: "không có dữ liệu"}
for i, (iid, (_, paces, _)) in enumerate(P2015.items()):
    row = pv[4 + i]
    got = [row[6 + 2 * k] for k in range(len(YEARS))]
    want = [VI[paces[y][1]] for y in YEARS]
    check(got == want, "Vietnamese on pace %s: %r, want %r" % (iid, got, want))
gv = sheet_rows(wbv["Nhóm ưu tiên"])
check(gv[3][:6] == ["Mã", "Chỉ tiêu", "Nhóm", "Tử số", "Mẫu số", "Thực tế"], "Vietnamese groups header %r" % gv[3])
check([r[2] for r in gv[4:9]] == ["Nam", "Nữ", "Dưới 30 tuổi", "30–44 tuổi", "Từ 45 tuổi trở lên"],
      "Vietnamese group names %r" % [r[2] for r in gv[4:9]])
check(any("Tiến độ" in (s or "") for _, _, ser, _ in charts(xv, "Tiến độ") for _, _, s in ser),
      "Vietnamese charts refer to the Tiến độ sheet")

# =============================================================================================
# 3. Merging bundles of different rounds in any order gives the same database
# =============================================================================================
def dump(path_):
    con = sqlite3.connect(path_)
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out = {}
    for t in tables:
        cols = [c[1] for c in con.execute("PRAGMA table_info(\"%s\")" % t)]
        out[t] = (cols, sorted(con.execute("SELECT * FROM \"%s\"" % t).fetchall(), key=repr))
    con.close()
    return out


reference = dump(db)
check(set(reference) >= {"form_staff", "form_school", "form_training_centre", "revisions", "bundles", "instances"},
      "the reference database has its tables: %r" % sorted(reference))
rounds_in_db = sorted({row[reference["form_staff"][0].index("round")] for row in reference["form_staff"][1]})
check(rounds_in_db == [2013, 2014, 2015], "form_staff keeps the three rounds apart: %r" % rounds_in_db)
orders = list(itertools.permutations(BUNDLES))
for k, order in enumerate(orders):
    other = path("order-%d.db" % k)
    if k % 2:
        for bundle in order:              # one merge command per bundle
            merge(other, bundle)
    else:
        merge(other, *order)              # all in one command
    got = dump(other)
    names = " ".join(os.path.basename(b).split(".")[0] for b in order)
    check(set(got) == set(reference), "order %s: the same tables" % names)
    for t in reference:
        check(got.get(t) == reference[t], "order %s: table %s differs" % (names, t))
    if k in (0, len(orders) - 1):
        again = report(other, path("order-%d.xlsx" % k), "--targets", targets)
        check(open(again, "rb").read() == open(x15, "rb").read(),
              "order %s: the same workbook, byte for byte" % names)

# =============================================================================================
# 4. A report of an older round is unchanged by merging a newer one
# =============================================================================================
older = path("older.db")
merge(older, b14, b13)
before = {rnd: open(report(older, path("before-%d.xlsx" % rnd), "--round", str(rnd), "--targets", targets), "rb").read()
          for rnd in (2013, 2014)}
before_vi = open(report(older, path("before-vi.xlsx"), "--round", "2014", lang=None), "rb").read()
check_progress(path("before-2014.xlsx"), [2013, 2014], P2014, "Progress round 2014 before 2015 is merged")
merge(older, b15b, b15a)
for rnd in (2013, 2014):
    after = open(report(older, path("after-%d.xlsx" % rnd), "--round", str(rnd), "--targets", targets), "rb").read()
    check(after == before[rnd], "round %d: byte-identical after round 2015 is merged" % rnd)
    check(after == open(path("r%d.xlsx" % rnd), "rb").read(),
          "round %d: the same as from the database built in one merge" % rnd)
after_vi = open(report(older, path("after-vi.xlsx"), "--round", "2014", lang=None), "rb").read()
check(after_vi == before_vi, "round 2014 with the shipped targets, in Vietnamese: byte-identical")
# the default round moves on to the newest: 2015
check(open(report(older, path("after-default.xlsx"), "--targets", targets), "rb").read() == open(x15, "rb").read(),
      "the default report is now round 2015's")

finish()
