#!/usr/bin/env python3
"""bench_report.py ICTSURVEY CENTRAL_DB - adds 1,500 school and 200 training-centre records to
a central database (for example the staff records that bench_merge.py leaves: a store made from
the kit beside it, round.kit, sealed and merged with keys/central.key), then
times `ictsurvey report` twice: the default workbook, and with --records. Prints wall time and
peak memory (max RSS). Not a test: numbers depend on the machine."""
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bundles  # noqa: E402,F401  (the definitions of this repository)

ictsurvey = os.path.abspath(sys.argv[1])
db = os.path.abspath(sys.argv[2])
tmp = tempfile.mkdtemp(prefix="ics-bench-report-")
rng = random.Random(7)
districts = [str(c) for c in range(794, 809)]


def run(*args):
    subprocess.run([ictsurvey, *args], check=True, capture_output=True)


store = os.path.join(tmp, "edu.store")
kit = os.path.join(os.path.dirname(db), "round.kit")
key = os.path.join(os.path.dirname(db), "keys", "central.key")
if os.path.exists(kit):  # bench_merge.py's database: it takes sealed bundles only
    run("collect", "init", "--store", store, "--site", "Sở GD-ĐT", "--surveyor", "bench", "--kit", kit)
else:
    run("collect", "init", "--store", store, "--site", "Sở GD-ĐT", "--surveyor", "bench", "--round", "2013")
with open(os.path.join(tmp, "schools.csv"), "w") as f:
    f.write("school_code,school_name,district,level,students_total,students_informatics,teachers_total,"
            "computers_working,computers_for_students,internet,mgmt_software,open_source\n")
    for i in range(1500):
        total = rng.randint(150, 1500)
        pcs = rng.randint(2, 60)
        f.write("SC-%04d,Trường %d,%s,%s,%d,%d,%d,%d,%d,%s,%s,%s\n" % (
            i, i, rng.choice(districts), rng.choice(["primary", "lower_secondary", "upper_secondary"]), total,
            rng.randint(0, total), rng.randint(10, 80), pcs, rng.randint(0, pcs),
            rng.choice(["none", "adsl", "fiber", "mobile"]), rng.choice(["yes", "no"]), rng.choice(["yes", "no"])))
with open(os.path.join(tmp, "centres.csv"), "w") as f:
    f.write("centre_code,centre_name,district,type,students_total,students_it_trained,lecturers_total,"
            "it_lecturers,it_lecturers_master_plus,english_instruction\n")
    for i in range(200):
        students = rng.randint(100, 5000)
        lecturers = rng.randint(5, 200)
        it = rng.randint(0, lecturers)
        f.write("TC-%03d,Trung tâm %d,%s,%s,%d,%d,%d,%d,%d,%s\n" % (
            i, i, rng.choice(districts), rng.choice(["college", "professional_secondary", "vocational", "farmers_centre"]),
            students, rng.randint(0, students), lecturers, it, rng.randint(0, it), rng.choice(["yes", "no"])))
run("collect", "fill", "--store", store, "school", "--answers", os.path.join(tmp, "schools.csv"))
run("collect", "fill", "--store", store, "training_centre", "--answers", os.path.join(tmp, "centres.csv"))
run("collect", "export", "--store", store, "-o", os.path.join(tmp, "edu.bundle"))
run("merge", "--db", db, *(["--key", key] if os.path.exists(kit) else []), os.path.join(tmp, "edu.bundle"))


def measure(*extra):
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execv(ictsurvey, [ictsurvey, "report", "--db", db, "-o", os.path.join(tmp, "gap.xlsx"), *extra])
    start = time.monotonic()
    _, status, usage = os.wait4(pid, 0)
    if status:
        sys.exit("report failed")
    return time.monotonic() - start, usage.ru_maxrss / 1024.0


for label, extra in (("default", ()), ("--records", ("--records",))):
    t, rss = measure(*extra)
    print("report %-10s %6.1f s  peak %5.1f MiB  (%.1f MB workbook)" % (label, t, rss,
          os.path.getsize(os.path.join(tmp, "gap.xlsx")) / 1e6))
