"""support.py - what the Python tests of the command line share: counting checks, running
ictsurvey, a scratch folder, collector stores filled from answers, and looking into the central
database. Only the standard library (the tests run with /usr/bin/python3)."""
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ICTSURVEY = os.path.abspath(sys.argv[1])
DEFS = os.path.abspath(os.environ.get("ICTSURVEY_DEFINITIONS", "schema/definitions"))
os.environ["ICTSURVEY_DEFINITIONS"] = DEFS  # commands run from other folders find them too
_counts = {"checks": 0, "failures": 0}


def shipped_version(form):
    """The version of a shipped form, as its definition says (tests follow a bump)."""
    text = open(os.path.join(DEFS, form + ".yaml"), encoding="utf-8").read()
    return re.search(r'(?m)^version: "([^"]+)"', text).group(1)


def local_path(printed):
    """A path the program printed, as this machine names it: ictsurvey.exe under wine (its tests
    run the Linux tests against it) says Z:\\tmp\\x for /tmp/x (wine's drive Z: is /)."""
    if re.match(r"^[Zz]:\\", printed or ""):
        return printed[2:].replace("\\", "/")
    return printed


def check(cond, what):
    _counts["checks"] += 1
    if not cond:
        _counts["failures"] += 1
        print("FAIL:", what, file=sys.stderr)
    return cond


def finish():
    """Prints the tally; removes the scratch folder, or keeps it to look into when a check
    failed; exits with 1 when one did."""
    failures = _counts["failures"]
    print("%d checks, %d failed" % (_counts["checks"], failures), file=sys.stderr)
    if failures:
        print("files kept in", tmp, file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


def run(*args, env=None, stdin=None, lang="en"):
    """ictsurvey with args; lang None: no --lang (the default language)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([ICTSURVEY, *(["--lang", lang] if lang else []), *args],
                          capture_output=True, text=True, env=e, input=stdin, timeout=300)


tmp = tempfile.mkdtemp(prefix="ics-test-")


def path(name):
    return os.path.join(tmp, name)


def staff(pid, **over):
    """A valid staff record of the shipped form."""
    rec = {"person_id": pid, "gender": "female", "birth_year": 1980, "district": "803",
           "workplace_type": "district_pc", "agency": "UBND-803", "category": "civil_servant",
           "position": "staff", "is_it_staff": "no", "it_degree": "none", "it_certificate": "basic"}
    rec.update(over)
    return rec


def yaml_of(records):
    out = []
    for r in records:
        first = True
        for k, v in r.items():
            if isinstance(v, list):
                v = "[" + ", ".join(v) + "]"
            elif isinstance(v, str):
                v = "'" + v.replace("'", "''") + "'"
            out.append(("- " if first else "  ") + "%s: %s" % (k, v))
            first = False
    return "\n".join(out) + "\n"


def new_store(name, site, surveyor, round_=2013, forms=DEFS, extra=(), env=None):
    r = run("collect", "init", "--store", path(name), "--site", site, "--surveyor", surveyor,
            "--round", str(round_), "--forms", forms, *extra, env=env)
    check(r.returncode == 0, "init %s: %s" % (name, r.stderr))
    return path(name)


def fill(store, form, records, env=None):
    f = path("answers-%d.yaml" % random.randrange(1 << 30))
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(yaml_of(records))
    r = run("collect", "fill", "--store", store, form, "--answers", f, env=env)
    check(r.returncode == 0, "fill %s: %s" % (form, r.stderr))
    ids = r.stdout.split()
    check(len(ids) == len(records), "one id per record")
    return ids


def export(store, name, *extra):
    r = run("collect", "export", "--store", store, "-o", path(name), *extra)
    check(r.returncode == 0, "export: " + r.stderr)
    return path(name)


def content(db):
    """Everything a merge decides, independent of when it ran."""
    con = sqlite3.connect(db)
    out = {}
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " AND name NOT IN ('bundles', 'rejected') ORDER BY name")]
    for t in tables:
        cols = sorted(r[1] for r in con.execute("SELECT * FROM pragma_table_info(?)", (t,))
                      if r[1] not in ("detected_at", "first_seen", "published_at", "created"))
        rows = con.execute("SELECT %s FROM \"%s\"" % (", ".join('"%s"' % c for c in cols), t)).fetchall()
        out[t] = (cols, sorted(rows, key=repr))
    out["bundles"] = sorted(con.execute("SELECT bundle_id, file_sha256, records FROM bundles").fetchall())
    con.close()
    return out


def integrity(db):
    con = sqlite3.connect(db)
    ok = con.execute("PRAGMA integrity_check").fetchall()
    con.close()
    return ok == [("ok",)]


def query(db, sql, *params):
    con = sqlite3.connect(db)
    rows = con.execute(sql, params).fetchall()
    con.close()
    return rows
