#!/usr/bin/env python3
"""demo_data.py OUTDIR [SEED] - writes the answers files of a small simulated Long An survey
for scripts/demo.sh: one surveyor per district (its People's Committee, communes, health
workers and schools), one for the provincial departments, one for the training centres.
Realistic gaps: some agencies without a CIO, one district committee that never reports, a
person entered by two surveyors. Writes OUTDIR/<surveyor>/<form>.yaml and a manifest."""
import json
import os
import random
import sys

out = sys.argv[1]
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2013)
districts = {"794": "Tân An", "795": "Kiến Tường", "796": "Tân Hưng", "797": "Vĩnh Hưng", "798": "Mộc Hóa",
             "799": "Tân Thạnh", "800": "Thạnh Hóa", "801": "Đức Huệ", "802": "Đức Hòa", "803": "Bến Lức",
             "804": "Thủ Thừa", "805": "Tân Trụ", "806": "Cần Đước", "807": "Cần Giuộc", "808": "Châu Thành"}
depts = ["VP-UBND", "SO-NV", "SO-TP", "SO-KHDT", "SO-TC", "SO-CT", "SO-NNPTNT", "SO-GTVT", "SO-XD",
         "SO-TNMT", "SO-TTTT", "SO-LDTBXH", "SO-VHTTDL", "SO-KHCN", "SO-GDDT", "SO-YT", "TTR-TINH", "BQL-KKT"]
silent_pc = "797"            # this district's People's Committee never reports
family = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"]
given = ["Văn An", "Thị Bình", "Minh Châu", "Thị Dung", "Quốc Hùng", "Thị Lan", "Văn Phúc", "Thanh Tâm"]
counter = [0]


def person(district, workplace, agency=None, position=None):
    counter[0] += 1
    r = {"person_id": "LA%06d" % counter[0], "full_name": "%s %s" % (rng.choice(family), rng.choice(given)),
         "gender": rng.choice(["male", "female"]), "birth_year": rng.randint(1960, 1998),
         "district": district, "workplace_type": workplace}
    if agency:
        r["agency"] = agency
    r["category"] = rng.choices(["civil_servant", "public_employee", "contract"], [5, 4, 1])[0]
    r["position"] = position or rng.choices(["leader", "manager", "staff"], [1, 3, 16])[0]
    if r["position"] in ("leader", "manager"):
        r["is_cio"] = "no"
    it = rng.random() < 0.06
    r["is_it_staff"] = "yes" if it else "no"
    r["it_degree"] = rng.choice(["trung_cap", "cao_dang", "dai_hoc", "dai_hoc", "thac_si"]) if it else "none"
    r["it_certificate"] = rng.choices(["none", "cert_a", "cert_b", "basic", "advanced"], [3, 3, 2, 2, 1])[0]
    if rng.random() < 0.4:
        r["it_modules"] = ["iu01", "iu02", "iu03", "iu04", "iu05", "iu06"][: rng.randint(2, 6)]
    if it:
        r["security_trained"] = rng.choice(["yes", "no"])
        r["sysadmin_trained"] = rng.choice(["yes", "no"])
    if workplace in ("school", "training_centre"):
        r["teaches"] = "yes" if rng.random() < 0.85 else "no"
        if r["teaches"] == "yes":
            r["ict_in_teaching"] = "yes" if rng.random() < 0.55 else "no"
    if rng.random() < 0.35:
        r["training_needs"] = rng.sample(["office", "online_services", "security", "sysadmin", "cio", "english"], 2)
    return r


def make_cio(r, trained):
    r["position"] = "leader"
    r["is_cio"] = "yes"
    r["cio_trained"] = "yes" if trained else "no"


surveyors = {}
# the provincial departments: a few have no CIO, a few no IT officer
staff = []
for code in depts:
    people = [person("794", "dept", code) for _ in range(rng.randint(6, 12))]
    if rng.random() < 0.8:
        make_cio(people[0], rng.random() < 0.5)
    if rng.random() < 0.85:
        people[1].update(is_it_staff="yes", it_degree=rng.choice(["cao_dang", "dai_hoc"]),
                         security_trained=rng.choice(["yes", "no"]), sysadmin_trained=rng.choice(["yes", "no"]))
    staff += people
surveyors["so-tttt"] = {"site": "Sở Thông tin và Truyền thông", "surveyor": "Phan Thị Mai", "forms": {"staff": staff}}

for code, name in districts.items():
    staff = []
    if code != silent_pc:
        pc = [person(code, "district_pc", "UBND-" + code) for _ in range(rng.randint(5, 9))]
        if rng.random() < 0.6:
            make_cio(pc[0], rng.random() < 0.5)
        if rng.random() < 0.8:
            pc[1].update(is_it_staff="yes", it_degree="dai_hoc", security_trained="yes",
                         sysadmin_trained=rng.choice(["yes", "no"]))
        staff += pc
    staff += [person(code, "commune_pc") for _ in range(rng.randint(15, 30))]
    staff += [person(code, "health") for _ in range(rng.randint(8, 15))]
    staff += [person(code, "school") for _ in range(rng.randint(20, 40))]
    schools = []
    for level, count in (("primary", 4), ("lower_secondary", 3), ("upper_secondary", 1)):
        for k in range(count):
            total = rng.randint(300, 1200)
            share = {"primary": 0.45, "lower_secondary": 0.8, "upper_secondary": 0.95}[level]
            pcs = rng.randint(5, 40)
            schools.append({"school_code": "%s-%s-%d" % (code, level[:2].upper(), k + 1),
                            "school_name": "Trường %s %s %d" % ({"primary": "Tiểu học", "lower_secondary": "THCS",
                                                                  "upper_secondary": "THPT"}[level], name, k + 1),
                            "district": code, "level": level, "students_total": total,
                            "students_informatics": min(total, int(total * rng.uniform(share - 0.25, share + 0.1))),
                            "teachers_total": rng.randint(15, 60), "computers_working": pcs,
                            "computers_for_students": rng.randint(pcs // 2, pcs),
                            "internet": rng.choices(["none", "adsl", "fiber", "mobile"], [1, 4, 4, 1])[0],
                            "mgmt_software": rng.choice(["yes", "no"]), "open_source": rng.choice(["yes", "no"])})
    surveyors["huyen-" + code] = {"site": "Huyện " + name, "surveyor": "Cán bộ huyện %s" % name,
                                  "forms": {"staff": staff, "school": schools}}

centres = []
for k, (kind, district) in enumerate([("college", "794"), ("college", "803"), ("professional_secondary", "794"),
                                      ("vocational", "802"), ("vocational", "806"), ("farmers_centre", "794")]):
    students = rng.randint(400, 4000)
    lecturers = max(8, int(students / rng.uniform(22, 38)))
    it = max(2, lecturers // 8)
    centres.append({"centre_code": "TC-%02d" % (k + 1), "centre_name": "Cơ sở đào tạo %d" % (k + 1),
                    "district": district, "type": kind, "students_total": students,
                    "students_it_trained": int(students * rng.uniform(0.6, 1.0)), "lecturers_total": lecturers,
                    "it_lecturers": it, "it_lecturers_master_plus": rng.randint(0, it), "english_instruction": "no"})
surveyors["dao-tao"] = {"site": "Các cơ sở đào tạo", "surveyor": "Võ Văn Tài", "forms": {"training_centre": centres}}

# the same teacher entered by two surveyors (a duplicate the reports resolve)
dup = dict(surveyors["huyen-803"]["forms"]["staff"][-1])
surveyors["huyen-806"]["forms"]["staff"].append(dict(dup, district="806"))


def yaml_value(v):
    if isinstance(v, list):
        return "[" + ", ".join(v) + "]"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


os.makedirs(out, exist_ok=True)
manifest = {}
for key, s in surveyors.items():
    d = os.path.join(out, key)
    os.makedirs(d, exist_ok=True)
    manifest[key] = {"site": s["site"], "surveyor": s["surveyor"], "forms": sorted(s["forms"])}
    for form, records in s["forms"].items():
        with open(os.path.join(d, form + ".yaml"), "w", encoding="utf-8") as f:
            for r in records:
                for i, (k, v) in enumerate(r.items()):
                    f.write(("- " if i == 0 else "  ") + "%s: %s\n" % (k, yaml_value(v)))
with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, ensure_ascii=False, indent=1)
print(" ".join(sorted(surveyors)))
