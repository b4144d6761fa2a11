#!/usr/bin/env python3
"""test_inputs.py ICTSURVEY SOURCE_ROOT - no command destroys one of its inputs, and nothing a
file says can hang or fool a command. One section per finding of the hostile review (issue
12), each with the attack that worked before:

1. an output that is an input, or a file of another kind, is refused and left whole;
   a collector store is refused where a central database is wanted, and the reverse;
2. a regular expression with back-references is refused by `check`, and a bundle carrying
   one is rejected at once instead of holding the merge's lock forever;
3. field names and form ids that collide with the central database's own are refused;
4. `status` and `collect list` escape control characters of the data they print;
5. /dev/zero and FIFOs given as bundles, keys, answers files or definitions are refused;
6. a bundle with a 255-byte name keeps its quarantine copy when rejected again;
7. the temporary file of a killed export is removed by the next export;
8. NUL bytes in answers files and a CSV with no record get messages that say so;
9. `keys init` warns about a folder others can write to.

The bundles of tests/data/hostile were made by an ictsurvey that still accepted them."""
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import zipfile
import zlib

from support import (ICTSURVEY, check, export, fill, finish, integrity, new_store, path, query,
                     run, staff)

SOURCE = os.path.abspath(sys.argv[2])
HOSTILE = os.path.join(SOURCE, "tests", "data", "hostile")
NOW = "2013-06-01T00:00:00Z"


def digest(p):
    """The file's SHA-256; None when it is gone."""
    try:
        with open(p, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def bounded(*args, seconds=60):
    """ictsurvey with a guard against a hang (not a timing check: a correct run takes well
    under a second, a hanging one never ends). None when it had to be killed."""
    try:
        return subprocess.run([ICTSURVEY, "--lang", "en", *args], capture_output=True, text=True,
                              timeout=seconds, env=dict(os.environ, ICTSURVEY_NOW=NOW))
    except subprocess.TimeoutExpired:
        return None


def refused(r, words, what):
    """Exit 1 with a message holding every one of words."""
    ok = r is not None and r.returncode == 1 and all(w in r.stderr for w in words)
    check(ok, "%s: %s" % (what, "hung" if r is None else "exit %d: %s" % (r.returncode, r.stderr)))


# a store, a bundle of it, and a central database holding that bundle
store = new_store("a.store", "Huyện Thủ Thừa", "Nguyễn Văn An")
fill(store, "staff", [staff("A-1"), staff("A-2", gender="male")])
bundle = export(store, "a.bundle")
central = path("c.db")
r = run("merge", "--db", central, bundle)
check(r.returncode == 0, "merge: " + r.stderr)
keys = path("keys")
r = run("keys", "init", "--dir", keys)
check(r.returncode == 0, "keys init: " + r.stderr)


def keep():
    """Copies to put back, so that one check that fails does not spoil the next ones."""
    for p in (store, central, bundle):
        shutil.copy(p, p + ".kept")
    return digest(store), digest(central), digest(bundle)


def untouched(what):
    for p, sha, name in ((store, store_sha, "store"), (central, central_sha, "database"),
                         (bundle, bundle_sha, "bundle")):
        if not check(digest(p) == sha, "%s: the %s is whole" % (what, name)):
            shutil.copy(p + ".kept", p)


store_sha, central_sha, bundle_sha = keep()


# ---- 1. outputs never destroy inputs ---------------------------------------------------------
refused(run("collect", "export", "--store", store, "-o", store), ["also an input"],
        "collect export -o the store itself")
untouched("export -o the store")
os.symlink(store, path("link.store"))
os.link(store, path("hard.store"))
for other in ("link.store", "hard.store"):
    refused(run("collect", "export", "--store", store, "-o", path(other)), ["also an input"],
            "collect export -o a link to the store (%s)" % other)
refused(run("collect", "export", "--store", path("link.store"), "-o", store), ["also an input"],
        "collect export through a link, -o the store")
refused(run("export", "--db", central, "--form", "school", "-o", central), ["also an input"],
        "export -o the central database")
refused(run("report", "--db", central, "-o", central), ["also an input"], "report -o the database")
refused(run("report", "--db", central, "-o", central + "-wal"), ["also an input"],
        "report -o the database's journal")
untouched("outputs over inputs")

# files of another kind are not overwritten without --force
other_store = new_store("b.store", "Xã Mỹ Yên", "Trần Thị Bình")
other_sha = digest(other_store)
refused(run("export", "--db", central, "--form", "staff", "-o", other_store),
        ["surveyor's store", "--force"], "export -o a store")
refused(run("report", "--db", central, "-o", other_store), ["surveyor's store", "--force"],
        "report -o a store")
refused(run("collect", "export", "--store", store, "-o", central), ["central database", "--force"],
        "collect export -o the central database")
refused(run("collect", "export", "--store", store, "-o", os.path.join(keys, "central.key")),
        ["key file", "--force"], "collect export -o the secret key")
refused(run("export", "--db", central, "--form", "staff", "-o", bundle), ["bundle", "--force"],
        "export -o a bundle")
refused(run("collect", "export", "--store", store, "-o", path("")), ["folder"],
        "collect export -o a folder")
# archives and documents that merely share a container format
with zipfile.ZipFile(path("backup.zip"), "w") as z:
    z.writestr("stores/a.store", "a backup")
with open(path("backup.gz"), "wb") as fh:  # as GNU gzip writes it (OS byte 3, Unix)
    fh.write(bytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]) + zlib.compress(b"a backup")[2:-4] + bytes(8))
for target, cmd in ((path("backup.zip"), ["report", "--db", central, "-o"]),
                    (path("backup.zip"), ["export", "--db", central, "--form", "staff", "-o"]),
                    (path("backup.gz"), ["collect", "export", "--store", store, "-o"])):
    sha = digest(target)
    refused(run(*cmd, target), ["compressed archive", "--force"], "%s -o %s" % (cmd[0], os.path.basename(target)))
    check(digest(target) == sha, "%s is whole" % os.path.basename(target))
# the journal of a database given through a link is named after the file it points to
os.makedirs(path("data"))
shutil.copy(central, path("data/real.db"))
os.symlink(path("data/real.db"), path("link.db"))
refused(run("report", "--db", path("link.db"), "-o", path("data/real.db-wal")), ["also an input"],
        "report --db a link -o the real database's journal")
check(digest(other_store) == other_sha, "the other store is whole")
untouched("outputs over other kinds")
r = run("export", "--db", central, "--form", "staff", "-o", other_store, "--force")
check(r.returncode == 0 and open(other_store, "rb").read().startswith(b"\xef\xbb\xbfinstance_id"),
      "export --force replaces the store with CSV: " + r.stderr)
# the same kind is replaced as before: a second CSV over the first, a bundle over a bundle
r = run("export", "--db", central, "--form", "staff", "-o", path("staff.csv"))
r2 = run("export", "--db", central, "--form", "staff", "-o", path("staff.csv"))
check(r.returncode == 0 and r2.returncode == 0, "a CSV export replaces an older CSV: " + r2.stderr)
r = run("collect", "export", "--store", store, "-o", path("again.bundle"))
r2 = run("collect", "export", "--store", store, "-o", path("again.bundle"))
check(r.returncode == 0 and r2.returncode == 0, "an export replaces an older bundle: " + r2.stderr)
store_sha, central_sha, bundle_sha = keep()  # the store logs its exports

# a store where a central database belongs, and the reverse
merge_store = new_store("m.store", "Xã Mỹ Yên", "Lê Văn Cường")
merge_sha = digest(merge_store)
refused(run("merge", "--db", merge_store, bundle), ["surveyor's store", "not a central database"],
        "merge --db a store")
for cmd in (["status", "--db", merge_store], ["export", "--db", merge_store, "--form", "staff", "-o", "-"],
            ["report", "--db", merge_store, "-o", path("x.xlsx")]):
    refused(run(*cmd), ["surveyor's store", "not a central database"], "%s --db a store" % cmd[0])
check(digest(merge_store) == merge_sha and integrity(merge_store), "the store given as --db is whole")
check(query(merge_store, "PRAGMA journal_mode") == [("delete",)], "the store's journal mode is kept")
for sub in (["list"], ["export", "-o", path("y.bundle")], ["fill", "staff", "--answers", path("none.yaml")]):
    refused(run("collect", sub[0], "--store", central, *sub[1:]),
            ["central database", "not a surveyor's store"], "collect %s --store the database" % sub[0])
refused(run("merge", "--db", central, central), ["--db database itself"], "merge the database into itself")
refused(run("merge", "--db", bundle, bundle), ["--db database itself"], "merge a bundle into itself")
refused(run("merge", "--db", path("new.db"), central), ["rejected"], "merge a database as a bundle")
# a database of someone else's is not turned into a central database
foreign = path("foreign.db")
con = sqlite3.connect(foreign)
con.execute("CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT)")
con.commit()
con.close()
foreign_sha = digest(foreign)
refused(run("merge", "--db", foreign, bundle), ["SQLite database", "not a central database"],
        "merge --db someone else's database")
check(digest(foreign) == foreign_sha, "someone else's database is whole")
untouched("kinds of files")

# a central database and a store made before the application ids still open, and get theirs
old_central, old_store = path("old.db"), path("old.store")
shutil.copy(central, old_central)
shutil.copy(store, old_store)
for p in (old_central, old_store):
    con = sqlite3.connect(p)
    con.execute("PRAGMA application_id = 0")
    con.commit()
    con.close()
r = run("status", "--db", old_central)
check(r.returncode == 0, "status of a database made before ids: " + r.stderr)
r = run("collect", "list", "--store", old_store)
check(r.returncode == 0 and len(r.stdout.splitlines()) == 2, "list of a store made before ids: " + r.stderr)
check(query(old_central, "PRAGMA application_id") == [(0x49435343,)], "the old database gets its id")
check(query(old_store, "PRAGMA application_id") == [(0x49435353,)], "the old store gets its id")
refused(run("merge", "--db", old_store, bundle), ["surveyor's store"], "merge --db an old store")
refused(run("collect", "list", "--store", old_central), ["central database"], "list an old database")

# ---- 2. no regular expression can hang a command ---------------------------------------------
r = run("check", os.path.join(HOSTILE, "backreference-form.yaml"))
refused(r, ["back-reference"], "check refuses back-references")
check("backreference-form.yaml:10:" in r.stderr, "the message has the line: " + r.stderr)
hostile_db = path("hostile.db")
r = bounded("merge", "--db", hostile_db, os.path.join(HOSTILE, "backreference.bundle"))
# a definition only counts once the office published it (the kit command checks it as `check` does):
# the bundle's own definition is never even compiled
refused(r, ["rejected", "which the office never published"], "a bundle with a back-reference is rejected, not run")
r = bounded("merge", "--db", hostile_db, bundle)
check(r is not None and r.returncode == 0, "the next merge is not locked out: %s" % (r and r.stderr))
check(query(hostile_db, "SELECT count(*) FROM rejected WHERE quarantine IS NOT NULL") == [(1,)],
      "the hostile bundle is quarantined")
# patterns that make backtracking matchers slow are matched in linear time
forms = path("slow-forms")
os.makedirs(forms)
shutil.copy(os.path.join(SOURCE, "schema", "definitions", "units.yaml"), forms)
with open(os.path.join(forms, "probe.yaml"), "w", encoding="utf-8") as fh:
    fh.write("form: probe\nversion: '1'\ntitle: Probe\nkey: code\nfields:\n"
             "  - {name: code, type: text, label: Code, required: yes,\n"
             "     constraint: \"regex(., '^(a|aa)*$') and regex(., '^(a*)*$') and not(regex(., '(x+x+)+y'))\"}\n")
slow = new_store("slow.store", "Xã Thử", "Probe", forms=forms)
with open(path("slow.yaml"), "w") as fh:
    fh.write("- code: %s\n" % ("a" * 3999))
r = bounded("collect", "fill", "--store", slow, "probe", "--answers", path("slow.yaml"))
check(r is not None and r.returncode == 0, "a 4,000-letter answer against (a|aa)*: %s" % (r and r.stderr))

# ---- 3. names that collide with the database's own -------------------------------------------
def form_file(name, form_id, field):
    p = path(name)
    with open(p, "w", encoding="utf-8") as fh:
        fh.write("form: %s\nversion: '1'\ntitle: T\nkey: code\nfields:\n"
                 "  - {name: code, type: text, label: Code, required: yes}\n"
                 "  - {name: %s, type: integer, label: X}\n" % (form_id, field))
    return p


for field in ("revision", "instance_id", "round", "site", "surveyor", "natural_key", "store_id"):
    r = run("check", form_file("f-%s.yaml" % field, "probe", field))
    refused(r, ["'%s'" % field, "reserved"], "check refuses the field name %s" % field)
for form_id in ("staff_by_key", "staff__it_modules", "staff_"):
    r = run("check", form_file("f-%s.yaml" % form_id, form_id, "x"))
    refused(r, ["form id '%s'" % form_id, "'__'"], "check refuses the form id %s" % form_id)
names_db = path("names.db")
r = run("merge", "--db", names_db, bundle, *(os.path.join(HOSTILE, b) for b in
                                           ("reserved-field.bundle", "reserved-form.bundle")))
check(r.returncode == 1 and r.stderr.count(": rejected: ") == 2 and "database error" not in r.stderr
      and r.stderr.count("which the office never published") == 2,
      "bundles with reserved names are rejected clearly: " + r.stderr)
check(query(names_db, "SELECT count(*) FROM rejected WHERE quarantine IS NOT NULL") == [(2,)],
      "both are quarantined")
check(query(names_db, "SELECT count(*) FROM form_staff") == [(2,)], "the good bundle merged")

# ---- 4. printed data cannot forge lines ------------------------------------------------------
ctl_db = path("ctl.db")
r = run("merge", "--db", ctl_db, os.path.join(HOSTILE, "control-surveyor.bundle"))
check(r.returncode == 0, "merge the bundle of a surveyor named with CR LF: " + r.stderr)
r = run("status", "--db", ctl_db)
check(r.returncode == 0 and "Lan\\r\\n  FORGED  line" in r.stdout and "\r" not in r.stdout
      and not any(l.startswith("  FORGED") for l in r.stdout.splitlines()),
      "status escapes CR and LF: " + r.stdout)
list_store = path("list.store")  # a copied store edited by hand: keys with a tab and a newline
shutil.copy(store, list_store)
con = sqlite3.connect(list_store)
con.execute("UPDATE records SET natural_key = ?", ("K\t1\nforged\u202e",))
con.commit()
con.close()
r = run("collect", "list", "--store", list_store)
lines = r.stdout.splitlines()
check(r.returncode == 0 and len(lines) == 2 and all(l.split("\t")[2] == "K\\t1\\nforged\\xE2\\x80\\xAE" for l in lines),
      "collect list escapes tabs and newlines in keys: %r" % r.stdout)
r = bounded("merge", "--db", path("ctl2.db"), path("a\nforged: merged.bundle"))
check(r is not None and r.returncode == 1 and "a\\nforged" in r.stderr and "\nforged" not in r.stderr,
      "a file name with a newline is escaped in merge's messages: %s" % (r and r.stderr))

# ---- 5. files that are not regular files ------------------------------------------------------
fifo = path("fifo")
os.mkfifo(fifo)
refused(bounded("merge", "--db", path("z.db"), "/dev/zero"), ["not a regular file"], "merge /dev/zero")
refused(bounded("merge", "--db", path("z.db"), fifo), ["not a regular file"], "merge a FIFO")
refused(bounded("merge", "--db", path("z.db"), "--key", fifo, bundle), ["not a regular file", fifo],
        "merge --key a FIFO")
refused(bounded("collect", "fill", "--store", store, "staff", "--answers", fifo),
        ["not a regular file"], "fill --answers a FIFO")
refused(bounded("check", fifo), ["not a regular file"], "check a FIFO")
refused(bounded("collect", "list", "--store", fifo), ["not a regular file"], "list --store a FIFO")
refused(bounded("status", "--db", "/dev/zero"), ["not a regular file"], "status --db /dev/zero")
refused(bounded("report", "--db", central, "--targets", fifo, "-o", path("t.xlsx")),
        ["not a regular file"], "report --targets a FIFO")

# ---- 6. quarantine keeps a copy of a bundle with a long name ----------------------------------
long_name = path("x" * 248 + ".bundle")  # 255 bytes
with open(long_name, "wb") as fh:
    fh.write(b"\x1f\x8b not really a bundle")
q_db = path("q.db")
for attempt in (1, 2, 3):
    r = run("merge", "--db", q_db, long_name)
    check(r.returncode == 1, "the damaged bundle is rejected (%d)" % attempt)
rows = query(q_db, "SELECT file_name, quarantine FROM rejected ORDER BY id")
check(len(rows) == 3 and all(q and os.path.isfile(q) for _, q in rows) and len({q for _, q in rows}) == 3,
      "every rejection keeps its own copy: %s" % rows)
check(all(f == long_name for f, _ in rows), "the original name is recorded")
check(all(q and len(os.path.basename(q)) < 200 and q.endswith(".bundle") for _, q in rows),
      "the copies' names are shortened, their extension kept")
check(all(q and digest(q) == digest(long_name) for _, q in rows), "the copies are exact")

# ---- 7. a killed export leaves nothing behind for long ----------------------------------------
out = path("out")
os.makedirs(out)
dead = subprocess.Popen(["true"])
dead.wait()
host = "".join(c for c in socket.gethostname() if c.isascii() and (c.isalnum() or c == "-"))[:32] or "x"
stale = os.path.join(out, "s.bundle.tmp-%s-%d-Ab3dEf" % (host, dead.pid))
alive = os.path.join(out, "s.bundle.tmp-%s-%d-Gh5jKl" % (host, os.getpid()))
elsewhere = os.path.join(out, "s.bundle.tmp-another-pc-%d-Mn7pQr" % dead.pid)  # a shared folder
for p in (stale, alive, elsewhere):
    with open(p, "w") as fh:
        fh.write("personal data of a killed export")
r = run("collect", "export", "--store", store, "-o", os.path.join(out, "s.bundle"))
check(r.returncode == 0, "export: " + r.stderr)
check(sorted(os.listdir(out)) == sorted(["s.bundle", os.path.basename(alive), os.path.basename(elsewhere)]),
      "the killed export's file is removed, a running one's and another PC's kept: %s" % os.listdir(out))
# and for real: an export killed by SIGKILL, then one that completes
big = new_store("big.store", "Xã Lớn", "Big")
fill(big, "staff", [staff("B-%05d" % i) for i in range(3000)])
removed = False
for attempt in range(20):
    p = subprocess.Popen([ICTSURVEY, "collect", "export", "--store", big, "-o", os.path.join(out, "big.bundle")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not any(n.startswith("big.bundle.tmp-") for n in os.listdir(out)) and p.poll() is None:
        pass
    p.kill()
    p.wait()
    left = [n for n in os.listdir(out) if n.startswith("big.bundle.tmp-")]
    if left:
        r = run("collect", "export", "--store", big, "-o", os.path.join(out, "big.bundle"))
        check(r.returncode == 0, "the export after a killed one: " + r.stderr)
        removed = not any(n.startswith("big.bundle.tmp-") for n in os.listdir(out))
        break
check(removed, "a temporary file of an export killed by SIGKILL is removed by the next export")
store_sha, central_sha, bundle_sha = keep()

# ---- 8. NUL bytes, control characters, a CSV with no record -----------------------------------
with open(path("nul.yaml"), "wb") as fh:
    fh.write(b"- person_id: A-9\x00\n")
refused(run("collect", "fill", "--store", store, "staff", "--answers", path("nul.yaml")),
        ["nul.yaml:1:", "NUL byte", "not a text file"], "a NUL in a YAML answers file")
with open(path("nul.csv"), "wb") as fh:
    fh.write(b"person_id,gender\nA-9\x00,female\n")
refused(run("collect", "fill", "--store", store, "staff", "--answers", path("nul.csv")),
        ["nul.csv:2:", "NUL byte"], "a NUL in a CSV answers file")
with open(path("esc.csv"), "wb") as fh:
    fh.write(b"person_id,gender\nA-9\x1b[2J,female\n")
refused(run("collect", "fill", "--store", store, "staff", "--answers", path("esc.csv")),
        ["esc.csv:2:", "control character U+001B"], "an escape character in a CSV answers file")
with open(path("header.csv"), "w") as fh:
    fh.write("person_id,gender,birth_year\r\n")
refused(run("collect", "fill", "--store", store, "staff", "--answers", path("header.csv")),
        ["header row but no records"], "a CSV with only its header")
untouched("answers files")

# ---- 9. keys init into a folder others can write to --------------------------------------------
shared = path("shared-keys")
os.makedirs(shared)
os.chmod(shared, 0o777)
r = run("keys", "init", "--dir", shared)
check(r.returncode == 0 and "Warning: other users can write to the folder" in r.stderr,
      "keys init warns about a world-writable folder: " + r.stderr)
r = run("keys", "init", "--dir", path("own-keys"))
check(r.returncode == 0 and "Warning" not in r.stderr, "no warning for a private folder: " + r.stderr)

finish()
