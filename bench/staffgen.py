#!/usr/bin/env python3
"""staffgen.py N [SEED [FIRST [--shuffle]]] - writes N valid staff records (person ids from
FIRST) as an answers file (YAML) on stdout, with a realistic mix of workplaces, positions and
qualifications. With --shuffle the person ids (the natural key) are spread over the whole
range instead of rising: record i gets id (i * 7919 + 12345) mod 10,000,000, a permutation, so
bundles made with disjoint FIRST ranges never share an id. For benchmarks."""
import random
import sys

args = [a for a in sys.argv[1:] if a != "--shuffle"]
shuffle = len(args) != len(sys.argv) - 1
n = int(args[0])
rng = random.Random(int(args[1]) if len(args) > 1 else 1)
first = int(args[2]) if len(args) > 2 else 0
districts = [str(c) for c in range(794, 809)]
depts = ["VP-UBND", "SO-NV", "SO-TP", "SO-KHDT", "SO-TC", "SO-CT", "SO-NNPTNT", "SO-GTVT", "SO-XD",
         "SO-TNMT", "SO-TTTT", "SO-LDTBXH", "SO-VHTTDL", "SO-KHCN", "SO-GDDT", "SO-YT", "TTR-TINH", "BQL-KKT"]
out = sys.stdout
w = out.write
for i in range(n):
    person = (first + i) * 7919 + 12345 if shuffle else first + i
    person %= 10000000
    district = rng.choice(districts)
    workplace = rng.choices(["dept", "district_pc", "commune_pc", "school", "health", "training_centre", "other"],
                            [8, 6, 20, 40, 15, 5, 6])[0]
    position = rng.choices(["leader", "manager", "staff"], [5, 15, 80])[0]
    it_staff = rng.random() < 0.05
    w("- person_id: P%07d\n  full_name: Nguyễn Văn %d\n  gender: %s\n  birth_year: %d\n  district: '%s'\n"
      % (person, first + i, rng.choice(["male", "female"]), rng.randint(1955, 2000), district))
    w("  workplace_type: %s\n" % workplace)
    if workplace == "dept":
        w("  agency: %s\n" % rng.choice(depts))
    elif workplace == "district_pc":
        w("  agency: UBND-%s\n" % district)
    w("  category: %s\n  position: %s\n" % (rng.choice(["civil_servant", "public_employee", "contract"]), position))
    cio = False
    if position != "staff":
        cio = rng.random() < 0.2
        w("  is_cio: %s\n" % ("yes" if cio else "no"))
    w("  is_it_staff: %s\n" % ("yes" if it_staff else "no"))
    w("  it_degree: %s\n  it_certificate: %s\n" % (
        rng.choice(["none", "none", "none", "trung_cap", "cao_dang", "dai_hoc", "thac_si"]) if it_staff else "none",
        rng.choice(["none", "cert_a", "cert_b", "basic", "advanced"])))
    if rng.random() < 0.5:
        w("  it_modules: [%s]\n" % ", ".join(sorted(rng.sample(["iu01", "iu02", "iu03", "iu04", "iu05", "iu06"], rng.randint(1, 6)))))
    if it_staff:
        w("  security_trained: %s\n  sysadmin_trained: %s\n" % (rng.choice(["yes", "no"]), rng.choice(["yes", "no"])))
    if cio:
        w("  cio_trained: %s\n" % rng.choice(["yes", "no"]))
    if workplace in ("school", "training_centre"):
        teaches = rng.random() < 0.8
        w("  teaches: %s\n" % ("yes" if teaches else "no"))
        if teaches:
            w("  ict_in_teaching: %s\n" % rng.choice(["yes", "no"]))
    if rng.random() < 0.3:
        w("  training_needs: [%s]\n" % ", ".join(rng.sample(["office", "online_services", "security", "cio"], 2)))
