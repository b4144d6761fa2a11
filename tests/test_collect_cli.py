#!/usr/bin/env python3
"""test_collect_cli.py ICTSURVEY - the surveyor's command line as issue 15 found it (findings
7, 8 and the non-wizard part of 9): each `collect SUB --help` shows that subcommand, --lang
anywhere, the fill help names the forms and the wizard's keys; `collect list` with titles, a
table on a terminal and tab-separated lines for scripts; edit, void and unvoid by natural key,
void confirmed on a terminal, unvoid until the void is exported; errors all in Vietnamese; an
export with nothing finalized refused. Only the standard library: run with /usr/bin/python3."""
import os
import pty
import select
import sqlite3
import subprocess
import time

from support import ICTSURVEY, check, finish, path, run, staff, yaml_of


def school(code):
    return {"school_code": code, "school_name": "Trường " + code, "district": "803", "level": "primary",
            "students_total": 300, "students_informatics": 100, "teachers_total": 20,
            "computers_working": 10, "computers_for_students": 10, "internet": "fiber",
            "mgmt_software": "yes", "open_source": "no"}


def ictsurvey(*args, stdin=None):
    """ictsurvey as a script runs it: no --lang added, stdin and stdout not terminals."""
    return run(*args, stdin=stdin, lang=None)


def on_terminal(*args, answers=""):
    """ictsurvey on a pseudo-terminal (stdin, stdout and stderr), typing `answers` once it
    asks; its output (both streams) and exit status."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ICTSURVEY, [ICTSURVEY, *args])
    out = b""
    typed = not answers
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        if not typed and (b"?" in out):
            os.write(fd, answers.encode())
            typed = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out.decode("utf-8", "replace").replace("\r\n", "\n"), os.waitstatus_to_exitcode(status)


def fill(store, form, records, *extra):
    answers = path("answers-%d.yaml" % time.monotonic_ns())
    open(answers, "w", encoding="utf-8").write(yaml_of(records))
    r = ictsurvey("collect", "fill", "--store", store, form, "--answers", answers, *extra)
    check(r.returncode == 0, "fill %s: %s" % (form, r.stderr))
    return r.stdout.split()


def newest(store, instance_id):
    db = sqlite3.connect(store)
    row = db.execute("SELECT revision, status FROM records WHERE instance_id = ?"
                     " ORDER BY revision DESC LIMIT 1", (instance_id,)).fetchone()
    db.close()
    return row


def new_store(name):
    store = path(name)
    r = ictsurvey("collect", "init", "--store", store, "--site", "Xã An Thạnh", "--surveyor", "Trần Văn B",
                  "--round", "2013")
    check(r.returncode == 0, "init: " + r.stderr)
    return store


store = new_store("an.store")

# ---- finding 7: help -------------------------------------------------------------------------
r = ictsurvey("collect", "void", "--help")
check(r.returncode == 0 and "void" in r.stdout and "--store" in r.stdout, "collect void --help: " + r.stdout)
check("export --store" not in r.stdout and "init   --store" not in r.stdout and "fill   --store" not in r.stdout,
      "collect void --help shows void alone: " + r.stdout)
r = ictsurvey("collect", "list", "--help", "--lang", "en")
check(r.returncode == 0 and "Usage" in r.stdout and "Cách dùng" not in r.stdout,
      "--help --lang en is English: " + r.stdout)
check("list" in r.stdout and "edit   --store" not in r.stdout, "collect list --help shows list alone")
r = ictsurvey("collect", "--lang", "en", "void", "--help")
check(r.returncode == 0 and "Withdraw" in r.stdout and "export --store" not in r.stdout,
      "collect --lang en void --help: " + r.stdout + r.stderr)
r = ictsurvey("collect", "--lang", "xx", "void", "--help")
check(r.returncode == 2, "a bad --lang before the subcommand is a usage error")
r = ictsurvey("check", "--help", "--lang", "en")
check(r.returncode == 0 and "Cách dùng" not in r.stdout, "check --help --lang en is English: " + r.stdout)
r = ictsurvey("collect", "fill", "--help", "--store", store, "--lang", "en")
check(r.returncode == 0 and all(f in r.stdout for f in ("staff", "school", "training_centre")),
      "collect fill --help names the store's forms: " + r.stdout)
check("[brackets]" in r.stdout and "#N" in r.stdout and ":q" in r.stdout and "<" in r.stdout
      and "?" in r.stdout and "required" in r.stdout.lower() and "*" in r.stdout and "Enter" in r.stdout,
      "collect fill --help explains the wizard's keys and the * marker: " + r.stdout)
r = ictsurvey("collect", "fill", "--help")
check(r.returncode == 0 and "staff" in r.stdout and "ngoặc vuông" in r.stdout and "bắt buộc" in r.stdout,
      "without --store: the shipped forms, in Vietnamese: " + r.stdout)

# ---- finding 8: list, edit and void by key, unvoid -----------------------------------------
ids = fill(store, "staff", [staff("ST-01"), staff("ST-02"), staff("ST-03")])
drafts = fill(store, "staff", [{"person_id": "ST-09"}], "--draft")
r = ictsurvey("collect", "list", "--store", store)
lines = [line.split("\t") for line in r.stdout.splitlines()]
check(r.returncode == 0 and len(lines) == 4 and all(len(cols) == 7 for cols in lines),
      "list for scripts: 7 tab-separated columns: " + r.stdout)
by_id = {cols[0]: cols for cols in lines}
first = by_id.get(ids[0], []) + [""] * 7  # the base has 6 columns
check(first[1:5] == ["staff", "ST-01", "1", "finalized"] and first[6] == "ST-01",
      "cli.md's columns, then the title: %s" % first)
check((by_id.get(drafts[0], []) + [""] * 7)[4] == "draft", "status words untranslated for scripts")
named = dict(staff("ST-04"), full_name="Lê Thị Mai")
named_id = fill(store, "staff", [named])
r = ictsurvey("collect", "list", "--store", store)
row = [cols for cols in (line.split("\t") for line in r.stdout.splitlines()) if cols[0] in named_id]
check(row and row[0][-1] == "Lê Thị Mai · ST-04", "the title is the form's record_title, the name first: %s" % row)
out, code = on_terminal("collect", "list", "--store", store)
check("Lê Thị Mai" in out, "the terminal table shows the name: " + out)

out, code = on_terminal("collect", "list", "--store", store)
check(code == 0 and "\t" not in out and "Trạng thái" in out and "nháp" in out and "đã hoàn tất" in out,
      "on a terminal: a table with Vietnamese statuses: " + out)
check(0 <= out.find("nháp") < out.find("đã hoàn tất"), "drafts first: " + out)
out, code = on_terminal("collect", "list", "--store", store, "--lang", "en")
check(code == 0 and "Status" in out and "draft" in out and "finalized" in out, "the table in English: " + out)
out, code = on_terminal("collect", "list", "--store", store, "--tsv")
check(code == 0 and out.count("\t") == 5 * 6, "--tsv on a terminal: the lines for scripts: " + out)

patch = path("patch.yaml")
open(patch, "w").write(yaml_of([{"it_certificate": "advanced"}]))
r = ictsurvey("collect", "edit", "--store", store, "ST-01", "--answers", patch)
check(r.returncode == 0 and newest(store, ids[0]) == (2, "finalized"), "edit by staff code: " + r.stderr)

r = ictsurvey("collect", "void", "--store", store, "ST-02")
check(r.returncode == 1 and "--yes" in r.stderr and newest(store, ids[1]) == (1, "finalized"),
      "void without a terminal and without --yes refuses: " + r.stderr)
out, code = on_terminal("collect", "void", "--store", store, "ST-02", answers="k\n")
check(code == 1 and newest(store, ids[1]) == (1, "finalized"), "void asks on a terminal; 'k' keeps it: " + out)
check("ST-02" in out, "the question names the record: " + out)
out, code = on_terminal("collect", "void", "--store", store, "ST-02", answers="c\n")
check(code == 0 and newest(store, ids[1]) == (2, "void"), "'c' voids it: " + out)
r = ictsurvey("collect", "void", "--store", store, "ST-03", "--yes")
check(r.returncode == 0 and newest(store, ids[2]) == (2, "void"), "void --yes by key: " + r.stderr)
r = ictsurvey("collect", "void", "--store", store, "ST-77", "-y")
check(r.returncode == 1 and "ST-77" in r.stderr, "an unknown key: " + r.stderr)

r = ictsurvey("collect", "unvoid", "--store", store, "ST-02", "--lang", "en")
check(r.returncode == 0 and newest(store, ids[1]) == (3, "finalized") and "Restored" in r.stderr,
      "unvoid by key restores the status before the void, as a new revision: " + r.stderr)
r = ictsurvey("collect", "unvoid", "--store", store, ids[1], "--lang", "en")
check(r.returncode == 1 and "not void" in r.stderr, "unvoid of a record not void: " + r.stderr)
r = ictsurvey("collect", "void", "--store", store, drafts[0], "--yes")
r = ictsurvey("collect", "unvoid", "--store", store, drafts[0])
check(r.returncode == 0 and newest(store, drafts[0]) == (3, "draft"), "a voided draft comes back a draft")

# two forms with the same key: --form says which
fill(store, "school", [school("ST-01")])
r = ictsurvey("collect", "void", "--store", store, "ST-01", "--yes", "--lang", "en")
check(r.returncode == 1 and "--form" in r.stderr and newest(store, ids[0]) == (2, "finalized"),
      "a key of two forms is refused, asking for --form: " + r.stderr)
r = ictsurvey("collect", "edit", "--store", store, "ST-01", "--form", "staff", "--answers", patch)
check(r.returncode == 0 and newest(store, ids[0]) == (3, "finalized"), "--form staff picks it: " + r.stderr)

# after an export, a void stays
r = ictsurvey("collect", "export", "--store", store, "-o", path("a.bundle"))
check(r.returncode == 0, "export: " + r.stderr)
r = ictsurvey("collect", "unvoid", "--store", store, "ST-03", "--lang", "en")
check(r.returncode == 1 and "exported" in r.stderr and newest(store, ids[2]) == (2, "void"),
      "unvoid after the void was exported is refused: " + r.stderr)
r = ictsurvey("collect", "void", "--store", store, "ST-02", "--yes")
r = ictsurvey("collect", "unvoid", "--store", store, "ST-02")
check(r.returncode == 0 and newest(store, ids[1]) == (5, "finalized"), "a void after the export can be undone")
# a store whose exports were logged before exports remembered what they saw: their times count
db = sqlite3.connect(store)
db.execute("DELETE FROM meta WHERE key = 'exported_rowid'")
db.commit()
db.close()
r = ictsurvey("collect", "unvoid", "--store", store, "ST-03")
check(r.returncode == 1 and newest(store, ids[2]) == (2, "void"), "an older store: judged by the export's time")

# ---- finding 9: one language; nothing finalized is not exported ----------------------------
r = ictsurvey("keys", "init", "--dir", path("no/such/folder"))
check(r.returncode == 1 and "No such file" not in r.stderr and "không có tệp hay thư mục này" in r.stderr,
      "a Vietnamese error ends in Vietnamese: " + r.stderr)
r = ictsurvey("keys", "init", "--dir", path("no/such/folder"), "--lang", "en")
check(r.returncode == 1 and "No such file or directory" in r.stderr, "and in English with --lang en: " + r.stderr)
r = ictsurvey("collect", "export", "--store", store, "-o", path("no/such/folder/x.bundle"))
check(r.returncode == 1 and "No such file" not in r.stderr, "export to a missing folder, in Vietnamese: " + r.stderr)

only_drafts = new_store("drafts.store")
fill(only_drafts, "staff", [{"person_id": "D-1"}, {"person_id": "D-2"}], "--draft")
r = ictsurvey("collect", "export", "--store", only_drafts, "-o", path("drafts.bundle"))
check(r.returncode == 1 and "2" in r.stderr and "nháp" in r.stderr and "Hãy gửi" not in r.stderr
      and not os.path.exists(path("drafts.bundle")), "only drafts: nothing exported, exit 1: " + r.stderr)
r = ictsurvey("collect", "export", "--store", only_drafts, "-o", path("drafts.bundle"), "--lang", "en")
check(r.returncode == 1 and "2 drafts" in r.stderr and "finalize" in r.stderr and "Send this file" not in r.stderr,
      "in English: " + r.stderr)
voids = new_store("voids.store")
vid = fill(voids, "staff", [staff("V-1")])
ictsurvey("collect", "void", "--store", voids, vid[0], "--yes")
r = ictsurvey("collect", "export", "--store", voids, "-o", path("voids.bundle"))
check(r.returncode == 0 and os.path.exists(path("voids.bundle")), "void records alone still export: " + r.stderr)
empty = new_store("empty.store")
r = ictsurvey("collect", "export", "--store", empty, "-o", path("empty.bundle"))
check(r.returncode == 1 and not os.path.exists(path("empty.bundle")), "an empty store exports nothing: " + r.stderr)
r = ictsurvey("collect", "export", "--store", empty, "-o", path("empty.bundle"), "--allow-empty")
check(r.returncode == 0 and os.path.exists(path("empty.bundle")), "unless --allow-empty: " + r.stderr)

finish()
