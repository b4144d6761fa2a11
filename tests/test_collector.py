#!/usr/bin/env python3
"""test_collector.py ICTSURVEY - the collector from the command line, as surveyors and the
central office use it: init, the wizard through piped input and a pseudo-terminal, a process
killed mid-form, answers files (YAML and CSV) all or nothing, edit, void, list and export.
Only the standard library: run with /usr/bin/python3."""
import gzip
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from support import check, finish

ICTSURVEY = os.path.abspath(sys.argv[1])


def run(*args, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([ICTSURVEY, *args], input=stdin, capture_output=True, text=True,
                          env=e, timeout=60)


def store_answers(store, instance_id):
    """The newest revision's answers as a dict, read straight from the SQLite store."""
    db = sqlite3.connect(store)
    row = db.execute("SELECT answers, status, revision FROM records WHERE instance_id = ?"
                     " ORDER BY revision DESC LIMIT 1", (instance_id,)).fetchone()
    db.close()
    if not row:
        return None, None, None
    values = dict(line.split("=", 1) for line in row[0].splitlines() if "=" in line)
    return values, row[1], row[2]


def listing(store):
    r = run("collect", "list", "--store", store)
    check(r.returncode == 0, "collect list: " + r.stderr)
    return [line.split("\t") for line in r.stdout.splitlines()]


tmp = tempfile.mkdtemp(prefix="ics-collector-")
store = os.path.join(tmp, "an.store")

# ---- init ------------------------------------------------------------------------------
r = run("collect", "init", "--store", store, "--site", "Xã An Thạnh", "--surveyor", "Trần Văn B",
        "--round", "2013", "--lang", "en")
check(r.returncode == 0, "init: " + r.stderr)
check("survey round 2013" in r.stderr and "This PC's date" in r.stderr, "init shows round and date: " + r.stderr)
check("Warning: the PC's clock says" in r.stderr, "init warns: the clock is years after round 2013")
r = run("collect", "init", "--store", store, "--site", "x", "--surveyor", "y")
check(r.returncode == 1 and "đã có" in r.stderr, "init refuses an existing store (in Vietnamese): " + r.stderr)
r = run("collect", "init", "--store", store + "2", "--site", "x")
check(r.returncode == 2, "init without --surveyor is a usage error")

# ---- the wizard, through piped input ---------------------------------------------------------
answers = "\n".join([
    "LA 01",            # person_id: breaks the constraint (a space)
    "LA-01",            # corrected
    "-",                # full_name: optional, skipped
    "2",                # gender by number: female
    "nineteen",         # birth_year: not a number
    "1980",
    "803",              # district by code
    "school",           # workplace_type: agency is then not relevant
    "public_employee",  # category
    "staff",            # position: is_cio not relevant
    "n",                # is_it_staff
    "<",                # back from it_degree to is_it_staff ...
    "<",                # ... and to position
    "manager",          # now is_cio becomes relevant
    "n",                # is_cio
    "n",                # is_it_staff
    "none",             # it_degree
    "basic",            # it_certificate
    "1 2 3",            # it_modules by numbers
    "y",                # teaches (a school)
    "y",                # ict_in_teaching
    "",                 # training_needs: optional, Enter leaves it empty
    "4",                # review: change answer 4 (birth year)
    "1981",
    "x",                # finalize
]) + "\n"
r = run("collect", "fill", "--store", store, "staff", "--lang", "en", stdin=answers)
check(r.returncode == 0, "wizard: " + r.stderr[-2000:])
new_id = r.stdout.strip()
check(len(new_id) == 36, "wizard prints the new id on stdout: %r" % r.stdout)
out = r.stderr
check("Question 1/" in out and "IT workforce survey" in out, "wizard shows title and progress")
check("Use only" in out or "letters" in out or "chữ" in out, "constraint message shown for 'LA 01'")
check("Enter a whole number" in out, "type error shown for 'nineteen'")
check("== Review your answers ==" in out, "review screen shown")
values, status, revision = store_answers(store, new_id)
check(status == "finalized", "record finalized: %s" % status)
check(values and values.get("person_id") == "LA-01" and values.get("birth_year") == "1981"
      and values.get("position") == "manager" and values.get("is_cio") == "0"
      and values.get("gender") == "female" and values.get("it_modules") == "iu01 iu02 iu03"
      and "full_name" not in values and "agency" not in values, "wizard answers stored: %s" % values)

# ---- save and quit, then resume -----------------------------------------------------------
r = run("collect", "fill", "--store", store, "staff", "--lang", "en", stdin="LA-02\nNguye\u0302\u0303n Thi\u0323 C\n:q\n")
check(r.returncode == 0, "save and quit: " + r.stderr[-500:])
draft_id = r.stdout.strip()
values, status, _ = store_answers(store, draft_id)
check(status == "draft" and values.get("person_id") == "LA-02", "draft kept: %s %s" % (status, values))
check(values.get("full_name") == "Nguyễn Thị C", "NFD input stored as NFC: %r" % values.get("full_name"))
resume = "\n".join(["1", "", "", "1", "1975", "794", "dept", "SO-TTTT", "civil_servant", "leader",
                    "y", "y", "dai_hoc", "advanced", "", "y", "y", "n", "", "x"]) + "\n"
r = run("collect", "fill", "--store", store, "staff", "--lang", "en", stdin=resume)
check(r.returncode == 0 and "to continue" in r.stderr, "resume offered: " + r.stderr[-1500:])
check(r.stdout.strip() == draft_id, "resumed the same record")
values, status, _ = store_answers(store, draft_id)
check(status == "finalized" and values.get("agency") == "SO-TTTT" and values.get("cio_trained") == "0",
      "resumed record finalized: %s %s" % (status, values))

# ---- end of input keeps the draft ---------------------------------------------------------
r = run("collect", "fill", "--store", store, "staff", "--lang", "en", stdin="n\nLA-03\n")
check(r.returncode == 0 and "Saved as a draft" in r.stderr, "end of input keeps the draft")

# ---- a process killed mid-form keeps every confirmed answer -------------------------------
proc = subprocess.Popen([ICTSURVEY, "collect", "fill", "--store", store, "staff", "--lang", "en"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(stream, text, timeout=20):
    seen = b""
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if text.encode() in seen:
                return True
    return False


check(wait_for(proc.stderr, "to continue"), "kill test: asked about the drafts")
proc.stdin.write(b"n\nLA-04\n-\n1\n")
proc.stdin.flush()
check(wait_for(proc.stderr, "Question 4/"), "kill test: reached question 4")
proc.send_signal(signal.SIGKILL)
proc.wait()
for s in (proc.stdin, proc.stdout, proc.stderr):
    s.close()
rows = [row for row in listing(store) if row[2] == "LA-04"]
check(len(rows) == 1 and rows[0][4] == "draft", "killed: the draft is in the store: %s" % rows)
if rows:
    values, status, _ = store_answers(store, rows[0][0])
    check(values == {"person_id": "LA-04", "gender": "male"}, "killed: confirmed answers kept: %s" % values)
db = sqlite3.connect(store)
check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "store intact after SIGKILL")
db.close()

# ---- the wizard on a real terminal (a pseudo-terminal), Vietnamese by default ----------------
pid, fd = pty.fork()
if pid == 0:
    os.execv(ICTSURVEY, [ICTSURVEY, "collect", "fill", "--store", store, "school"])
screen = b""


def pty_expect(text, timeout=20):
    global screen
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            screen += chunk
            if text.encode() in screen:
                return True
    return False


check(pty_expect("Câu 1/"), "pty: Vietnamese progress 'Câu 1/'")
os.write(fd, "TH-01\r".encode())
check(pty_expect("Câu 2/"), "pty: next question")
os.write(fd, b":q\r")
check(pty_expect("Đã lưu nháp"), "pty: saved as a draft message")
os.waitpid(pid, 0)
os.close(fd)

# ---- answers files: YAML and CSV, all or nothing -------------------------------------------
good_yaml = os.path.join(tmp, "good.yaml")
with open(good_yaml, "w") as f:
    f.write("""- person_id: ST-01
  gender: male
  birth_year: 1990
  district: '794'
  workplace_type: health
  category: public_employee
  position: staff
  is_it_staff: no
  it_degree: none
  it_certificate: none
  it_modules: [iu01, iu02, iu03, iu04, iu05, iu06]
- person_id: ST-02
  full_name: Lê Thị Đ
  gender: female
  birth_year: 1985
  district: '803'
  workplace_type: district_pc
  agency: UBND-803
  category: civil_servant
  position: leader
  is_cio: yes
  cio_trained: yes
  is_it_staff: yes
  security_trained: yes
  sysadmin_trained: no
  it_degree: dai_hoc
  it_certificate: none
  training_needs: [security, sysadmin]
""")
before = len(listing(store))
r = run("collect", "fill", "--store", store, "staff", "--answers", good_yaml)
ids = r.stdout.split()
check(r.returncode == 0 and len(ids) == 2, "YAML import: %s %s" % (r.returncode, r.stderr))
check(len(listing(store)) == before + 2, "two records added")

bad_yaml = os.path.join(tmp, "bad.yaml")
with open(bad_yaml, "w") as f:
    f.write("""- person_id: ST-10
  gender: male
  birth_year: 1990
  district: '794'
  workplace_type: health
  category: public_employee
  position: staff
  is_it_staff: no
  it_degree: none
  it_certificate: none
- person_id: ST-11
  gender: robot
  birth_year: 1890
  district: '794'
  workplace_type: health
  category: public_employee
  position: staff
  is_it_staff: no
  it_degree: none
  it_certificate: none
  teaches: yes
  shoe_size: 42
""")
before = len(listing(store))
r = run("collect", "fill", "--store", store, "staff", "--answers", bad_yaml, "--lang", "en")
check(r.returncode == 1 and r.stdout == "", "bad YAML refused, nothing on stdout")
for field in ("gender", "birth_year", "teaches", "shoe_size"):
    check(("%s: record 2: %s: " % (bad_yaml, field)) in r.stderr, "error for %s: %s" % (field, r.stderr))
check("record 1" not in r.stderr, "record 1 has no error")
check(len(listing(store)) == before, "nothing stored when one record fails")

csv_path = os.path.join(tmp, "schools.csv")
with open(csv_path, "w", encoding="utf-8-sig") as f:
    f.write("school_code,school_name,district,level,students_total,students_informatics,"
            "teachers_total,computers_working,computers_for_students,internet,mgmt_software,open_source\r\n"
            "TH-10,\"Trường Tiểu học \"\"Hòa Bình\"\", ấp 3\",806,primary,500,250,30,12,10,adsl,yes,no\r\n"
            "THCS-10,Trường THCS Long Hựu,806,lower_secondary,700,700,40,25,20,fiber,yes,yes\r\n")
r = run("collect", "fill", "--store", store, "school", "--answers", csv_path)
check(r.returncode == 0 and len(r.stdout.split()) == 2, "CSV import: " + r.stderr)
csv_id = r.stdout.split()[0]
values, _, _ = store_answers(store, csv_id)
check(values and values.get("school_name") == 'Trường Tiểu học "Hòa Bình", ấp 3', "CSV quoting: %s" % values)

bad_csv = os.path.join(tmp, "bad.csv")
with open(bad_csv, "w") as f:
    f.write("school_code,school_name,district,level,students_total,students_informatics,"
            "teachers_total,computers_working,computers_for_students,internet,mgmt_software,open_source\n"
            "TH-20,A,806,primary,100,150,5,2,1,adsl,yes,no\n"
            "TH-20,B,806,primary,100,50,5,2,1,adsl,yes,no\n")
r = run("collect", "fill", "--store", store, "school", "--answers", bad_csv, "--lang", "en")
check(r.returncode == 1, "bad CSV refused")
check('%s: row 2, column "students_informatics": record 1: students_informatics: ' % bad_csv in r.stderr,
      "constraint error in CSV: " + r.stderr)
check('%s: row 3, column "school_code": record 2: school_code: ' % bad_csv in r.stderr,
      "duplicate key in file: " + r.stderr)

# the agency's choice filter: an imported row whose agency does not fit its workplace type and
# district is refused, naming both fields (in the YAML's order and in the CSV's, agency first)
misfit = os.path.join(tmp, "misfit.yaml")
with open(misfit, "w", encoding="utf-8") as f:
    f.write("- {person_id: MF-1, gender: male, birth_year: 1980, district: '804', workplace_type: district_pc,"
            " agency: SO-NV, category: civil_servant, position: staff, is_it_staff: no, it_degree: none,"
            " it_certificate: none}\n"
            "- {person_id: MF-2, gender: male, birth_year: 1980, district: '804', workplace_type: district_pc,"
            " agency: UBND-804, category: civil_servant, position: staff, is_it_staff: no, it_degree: none,"
            " it_certificate: none}\n")
before = len(listing(store))
r = run("collect", "fill", "--store", store, "staff", "--answers", misfit, "--lang", "en")
check(r.returncode == 1 and ("%s: record 1: agency: " % misfit) in r.stderr
      and "'SO-NV' is not offered for workplace_type 'district_pc' / district '804'" in r.stderr,
      "an agency that does not fit is refused, naming both fields: " + r.stderr)
check("record 2" not in r.stderr and len(listing(store)) == before, "only it, and nothing stored")
misfit_csv = os.path.join(tmp, "misfit.csv")
with open(misfit_csv, "w", encoding="utf-8") as f:
    f.write("agency,person_id,gender,birth_year,district,workplace_type,category,position,is_it_staff,"
            "it_degree,it_certificate\n"
            "UBND-803,MF-3,female,1980,804,district_pc,civil_servant,staff,no,none,none\n")
r = run("collect", "fill", "--store", store, "staff", "--answers", misfit_csv, "--lang", "vi")
check(r.returncode == 1 and misfit_csv in r.stderr and "agency: " in r.stderr
      and "'UBND-803' không phải lựa chọn dành cho workplace_type 'district_pc' / district '804'" in r.stderr,
      "also when the agency comes before the answers its filter reads, in Vietnamese: " + r.stderr)

# ---- edit and void --------------------------------------------------------------------------
patch = os.path.join(tmp, "patch.yaml")
with open(patch, "w") as f:
    f.write("- birth_year: 1991\n  it_certificate: cert_a\n")
r = run("collect", "edit", "--store", store, ids[0], "--answers", patch)
check(r.returncode == 0, "edit: " + r.stderr)
values, status, revision = store_answers(store, ids[0])
check(revision == 2 and status == "finalized" and values.get("birth_year") == "1991"
      and values.get("it_certificate") == "cert_a" and values.get("gender") == "male",
      "edit made revision 2, kept the rest: %s %s %s" % (revision, status, values))
r = run("collect", "void", "--store", store, ids[1], "--yes", "--lang", "en")
check(r.returncode == 0 and "Voided" in r.stderr, "void: " + r.stderr)
values, status, revision = store_answers(store, ids[1])
check(status == "void" and revision == 2 and values.get("person_id") == "ST-02", "void revision keeps answers")
r = run("collect", "edit", "--store", store, ids[1], "--answers", patch)
check(r.returncode == 1, "a void record cannot be edited")
rows = {row[0]: row for row in listing(store)}
check(rows[ids[1]][1:] [:4] == ["staff", "ST-02", "2", "void"], "list line: %s" % rows.get(ids[1]))

# ---- export: what goes in, determinism -------------------------------------------------------
b1, b2 = os.path.join(tmp, "a.bundle"), os.path.join(tmp, "b.bundle")
fixed = ["--bundle-id", "00000000-0000-4000-8000-000000000001", "--created", "2013-06-01T08:00:00Z"]
r = run("collect", "export", "--store", store, "-o", b1, *fixed)
check(r.returncode == 0, "export: " + r.stderr)
r = run("collect", "export", "--store", store, "-o", b2, *fixed)
check(open(b1, "rb").read() == open(b2, "rb").read(), "two exports of the same state are identical")
text = gzip.open(b1, "rt", encoding="utf-8").read()
check(text.startswith("ictsurvey-bundle: 2\n"), "zcat shows the manifest first (format 2: signed)")
check(re.search(r"^signer: [0-9a-f]{64}$", text, re.M) is not None, "the store's key is named")
records = [line.split("\t") for line in text.splitlines() if line.startswith("R\t")]
exported = {rec[1]: rec for rec in records}
check(new_id in exported and draft_id in exported and ids[1] in exported and csv_id in exported,
      "finalized and void records exported")
check(exported.get(ids[1], [None] * 5)[4] == "void", "void exported as void")
check(not any(row[4] == "draft" for row in records), "no drafts exported")
check(exported.get(ids[0], [None] * 4)[3] == "2", "newest revision exported")
check(text.splitlines()[-2].startswith("end: %d " % len(records)), "trailer counts the records")
check(re.fullmatch(r"signature: [0-9a-f]{128}", text.splitlines()[-1]) is not None,
      "the signature is the last line")
check("Trần Văn B" in text and "Lê Thị Đ" in text, "Vietnamese text in the bundle")
db = sqlite3.connect(store)
check(db.execute("SELECT count(*) FROM exports").fetchone()[0] == 1, "export logged (same bundle id once)")
db.close()

# ---- export's refusals speak the language of --lang, not of the environment ------------------
# (the bundle writer once took its language from ICTSURVEY_LANG, so --lang en answered in
# Vietnamese; its messages now come in the language the command passes down)
missing = os.path.join(tmp, "no-such-folder", "x.bundle")
refusals = [
    (["-o", missing], "cannot create a temporary file next to '%s'" % missing,
     "không tạo được tệp tạm bên cạnh"),
    (["-o", os.path.join(tmp, "c.bundle"), "--bundle-id", "not-a-uuid"],
     "manifest: bundle-id 'not-a-uuid' is not a UUID", "phần khai báo"),
    (["-o", os.path.join(tmp, "c.bundle"), "--created", "2013-02-30T08:00:00Z"],
     "manifest: created '2013-02-30T08:00:00Z' is not a UTC time", "phần khai báo"),
]
for options, english, vietnamese in refusals:
    for env in ({"ICTSURVEY_LANG": ""}, {"ICTSURVEY_LANG": "vi"}):
        r = run("--lang", "en", "collect", "export", "--store", store, *options, env=env)
        check(r.returncode == 1 and ("ictsurvey: " + english) in r.stderr
              and vietnamese not in r.stderr,
              "export %s with --lang en and %s answers in English: %s" % (options, env, r.stderr))
    r = run("collect", "export", "--store", store, *options, "--lang", "vi",
            env={"ICTSURVEY_LANG": "en"})
    check(r.returncode == 1 and vietnamese in r.stderr,
          "export %s with --lang vi answers in Vietnamese: %s" % (options, r.stderr))
check(not os.path.exists(os.path.join(tmp, "no-such-folder"))
      and not os.path.exists(os.path.join(tmp, "c.bundle")), "a refused export writes nothing")

# ---- bad stores --------------------------------------------------------------------------------
junk = os.path.join(tmp, "junk.store")
with open(junk, "wb") as f:
    f.write(b"this is not a database" * 100)
r = run("collect", "list", "--store", junk, "--lang", "en")
check(r.returncode == 1 and "not an ictsurvey store" in r.stderr, "a junk file is refused: " + r.stderr)
r = run("collect", "list", "--store", os.path.join(tmp, "missing.store"), "--lang", "en")
check(r.returncode == 1 and "collect init" in r.stderr, "a missing store says how to make one")

finish()
