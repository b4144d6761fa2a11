#!/usr/bin/env python3
"""test_aggregator.py ICTSURVEY - merging bundles into the central database, as the central
office does: idempotence, any order, revisions, voids, conflicts, duplicates, flagged
timestamps, every kind of damaged or lying bundle (the database checked unchanged after each
rejection), concurrent merges, a newer form version, and the CSV export. Real collector
stores, real bundles; only the standard library (run with /usr/bin/python3)."""
import gzip
import hashlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import zlib

from support import (DEFS, ICTSURVEY, check, content, export, fill, finish, integrity, new_store, query,
                     path, run, shipped_version, staff)


def merge(db, *bundles):
    return run("merge", "--db", db, *bundles)


# ---- a small province: three surveyors -----------------------------------------------------
s1 = new_store("s1.store", "UBND Bến Lức", "Surveyor One")
ids1 = fill(s1, "staff", [staff("A-1", full_name="Nguyễn Văn A"), staff("A-2"),
                           staff("A-3", position="leader", is_cio="yes", cio_trained="no"),
                           staff("DUP-1", full_name="Robert'); DROP TABLE form_staff;--")])
fill(s1, "school", [{"school_code": "TH-1", "school_name": "=HYPERLINK(\"x\")", "district": "803",
                      "level": "primary", "students_total": 100, "students_informatics": 50,
                      "teachers_total": 5, "computers_working": 4, "computers_for_students": 3,
                      "internet": "adsl", "mgmt_software": "yes", "open_source": "no"}])
b1 = export(s1, "s1-first.bundle")
# edits and a void after the first export
with open(path("patch.yaml"), "w") as fh:
    fh.write("- it_certificate: advanced\n")
check(run("collect", "edit", "--store", s1, ids1[0], "--answers", path("patch.yaml")).returncode == 0, "edit")
check(run("collect", "void", "--store", s1, ids1[1], "--yes").returncode == 0, "void")
b1b = export(s1, "s1-second.bundle")

s2 = new_store("s2.store", "UBND Cần Đước", "Surveyor Two")
fill(s2, "staff", [staff("DUP-1", district="806", agency="UBND-806"), staff("B-1", district="806", agency="UBND-806")])
b2 = export(s2, "s2.bundle")

# a store copied to a second PC: the same record edited differently on both -> a conflict
shutil.copy(s1, path("s1-copy.store"))
with open(path("patch2.yaml"), "w") as fh:
    fh.write("- it_certificate: cert_a\n")
check(run("collect", "edit", "--store", s1, ids1[2], "--answers", path("patch.yaml")).returncode == 0, "edit A-3")
check(run("collect", "edit", "--store", path("s1-copy.store"), ids1[2], "--answers", path("patch2.yaml")).returncode == 0, "edit A-3 copy")
b1c = export(s1, "s1-third.bundle")
b1x = export(path("s1-copy.store"), "s1-copy.bundle")

# timestamps: a PC clock in the future, and one before the round's year
s3 = new_store("s3.store", "Trường X", "Surveyor Three")
fill(s3, "staff", [staff("C-1")], env={"ICTSURVEY_NOW": "2099-01-01T00:00:00Z"})
fill(s3, "staff", [staff("C-2")], env={"ICTSURVEY_NOW": "2012-03-01T00:00:00Z"})
b3 = export(s3, "s3.bundle")

good = [b1, b1b, b2, b1c, b1x, b3]

# ---- merge all, then the semantics -----------------------------------------------------------
db = path("central.db")
r = merge(db, *good)
check(r.returncode == 0, "merge all: " + r.stderr)
check("Bundles: 6 merged" in r.stderr, "summary line: " + r.stderr)
check("conflicting" in r.stderr, "summary mentions conflicts")
con = sqlite3.connect(db)
rows = dict(con.execute("SELECT person_id, it_certificate FROM form_staff").fetchall())
check(rows.get("A-1") == "advanced", "a higher revision replaces the lower: %s" % rows.get("A-1"))
check("A-2" not in rows, "a void revision removes the record from current data")
check(con.execute("SELECT count(*) FROM revisions WHERE natural_key = 'A-2'").fetchone()[0] == 2,
      "a voided record keeps its history")
check(con.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 1, "the conflict is recorded")
kept = con.execute("SELECT kept_hash, other_hash FROM conflicts").fetchone()
check(kept and kept[0] < kept[1], "the kept content is the smaller hash (order-free)")
check(rows.get("A-3") in ("advanced", "cert_a"), "one of the conflicting contents is current")
dups = con.execute("SELECT count(*) FROM duplicates WHERE natural_key = 'DUP-1'").fetchone()[0]
check(dups == 2, "duplicate natural keys kept, both listed: %d" % dups)
check(con.execute("SELECT full_name FROM form_staff WHERE person_id = 'DUP-1' AND district = '803'").fetchone()[0]
      == "Robert'); DROP TABLE form_staff;--", "SQL-looking text stored verbatim")
flags = dict(con.execute("SELECT kind, count(*) FROM flags GROUP BY kind").fetchall())
check(flags.get("future_timestamp") == 1 and flags.get("before_round") == 1, "timestamps flagged: %s" % flags)
check(con.execute("SELECT it_modules FROM form_staff LIMIT 1").fetchone() is not None, "select_multiple column")
con.close()
check(integrity(db), "integrity after merging")

# idempotent: again changes nothing and says so
before = content(db)
r = merge(db, b1, b2)
check(r.returncode == 0 and r.stderr.count("merged before, skipped") == 2, "re-merge skipped: " + r.stderr)
check(content(db) == before, "re-merging changes nothing")

# order-free: several random orders, with repeats, give the same content
rng = random.Random(43)
for trial in range(4):
    order = good[:] + rng.sample(good, 2)
    rng.shuffle(order)
    other = path("order-%d.db" % trial)
    for bundle in order:  # one command per bundle, as bundles arrive over days
        merge(other, bundle)
    check(content(other) == before, "order %s gives the same database" % [os.path.basename(b) for b in order])

# a lower revision never overwrites: the second export first, the first export after
late = path("late.db")
merge(late, b1b)
merge(late, b1)
con = sqlite3.connect(late)
check(dict(con.execute("SELECT person_id, it_certificate FROM form_staff").fetchall()).get("A-1") == "advanced",
      "an older revision arriving later does not overwrite")
check(con.execute("SELECT count(*) FROM form_staff WHERE person_id = 'A-2'").fetchone()[0] == 0,
      "an older revision does not resurrect a voided record")
con.close()

# ---- damaged and lying bundles ---------------------------------------------------------------
raw = open(b2, "rb").read()
text = gzip.decompress(raw).decode()


def rebuild(body):
    """A bundle with new content and a correct trailer (so only the content is wrong): an
    unsigned format 1 bundle from a store not seen before (a known store signs), so that the
    intended problem is the one found."""
    body = re.sub(r"^signer: [0-9a-f]{64}\n", "", body.replace("ictsurvey-bundle: 2\n", "ictsurvey-bundle: 1\n", 1),
                  count=1, flags=re.M)
    rebuild.count += 1  # and a bundle id of its own: a store's bundle ids are its own too
    body = re.sub(r"^store-id: .*$", "store-id: 0badc0de-0000-4000-8000-000000000001", body, count=1, flags=re.M)
    body = re.sub(r"^bundle-id: .*$", "bundle-id: 0badc0de-0000-4000-8000-%012d" % rebuild.count, body,
                  count=1, flags=re.M)
    body_wo = body[:body.rindex("end: ")]  # everything before the trailer line
    n = sum(1 for l in body_wo.split("\n") if l.startswith("R\t"))
    digest = hashlib.sha256(body_wo.encode()).hexdigest()
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = bytearray(c.compress((body_wo + "end: %d %s\n" % (n, digest)).encode()) + c.flush())
    data[9] = 0xFF  # the OS byte ictsurvey writes (docs/bundle-format.md)
    return bytes(data)


rebuild.count = 0


bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
bomb_data = bomb.compress(b"ictsurvey-bundle: 1\n")
chunk = b"\x00" * (1 << 20)
for _ in range(300):
    bomb_data += bomb.compress(chunk)
bomb_data += bomb.flush()

cases = {
    "truncated": raw[: len(raw) // 2],
    "bitflip": raw[:len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 0x10]) + raw[len(raw) // 2 + 1:],
    "empty": b"",
    "random": bytes(random.Random(1).randrange(256) for _ in range(4000)),
    "concatenated": raw + raw,
    "gzip-bomb": bomb_data,
    "violates-form": rebuild(text.replace("\tbirth_year=1980", "\tbirth_year=1800", 1)),
    "lying-counts": rebuild(text.replace("\nrecords: 2\n", "\nrecords: 3\n", 1)),
    "unknown-field": rebuild(text.replace("\tgender=female", "\tgender=female\tshoe_size=42", 1)),
    "newer-format": rebuild(text.replace("ictsurvey-bundle: 2", "ictsurvey-bundle: 9", 1)),
}
check(len(bomb_data) < 2_000_000, "the bomb is small (%d bytes)" % len(bomb_data))
for name, data in cases.items():
    f = path(name + ".bundle")
    with open(f, "wb") as fh:
        fh.write(data)
    snapshot = content(db)
    r = merge(db, "--allow-unsigned", f)  # rebuilt bundles are unsigned
    check(r.returncode == 1 and ("%s.bundle: rejected: " % name) in r.stderr, "%s rejected: %s" % (name, r.stderr[-400:]))
    check(integrity(db), "%s: integrity" % name)
    check(content(db) == snapshot, "%s: database unchanged" % name)
    check(os.path.exists(os.path.join(db + ".quarantine", name + ".bundle")), "%s: quarantined" % name)
con = sqlite3.connect(db)
check(con.execute("SELECT count(*) FROM rejected").fetchone()[0] == len(cases), "every rejection recorded")
reasons = [r[0] for r in con.execute("SELECT reason FROM rejected")]
con.close()
check(any("birth_year" in x for x in reasons), "the violated field is named: %s" % reasons)
check(any("shoe_size" in x for x in reasons), "the unknown field is named")
check(any("format 9, newer than this program understands" in x for x in reasons), "a newer format is named")
check(any("the forms' records add up to 2, but 'records' says 3" in x for x in reasons), "lying counts are named")
check(not any("sign" in x for x in reasons), "no rejection for want of a signature: %s" % reasons)

# a rejected bundle does not stop the others of the same command
other = path("mixed.db")
r = merge(other, path("truncated.bundle"), b2)
check(r.returncode == 1 and "Bundles: 1 merged" in r.stderr and "1 rejected" in r.stderr, "others still merge: " + r.stderr)

# ---- a large bundle: read and checked on a second thread while the first writes -----------------
# (aggregator/merge.c reads ahead from 2,000 records on; smaller bundles above are read inline)
BIG = 2600
big_store = new_store("big.store", "Xã Lớn", "Big")
big_ids = fill(big_store, "staff", [staff("L-%05d" % i, birth_year=1960 + i % 40) for i in range(BIG)])
big = export(big_store, "big.bundle")
big_db = path("big.db")
r = merge(big_db, big)
check(r.returncode == 0 and "%d new" % BIG in r.stderr, "a large bundle merges: " + r.stderr[-300:])
con = sqlite3.connect(big_db)
rows = con.execute("SELECT instance_id, person_id, birth_year FROM form_staff ORDER BY person_id").fetchall()
check(len(rows) == BIG, "every record of the large bundle is current (%d)" % len(rows))
check(sorted(i for i, _, _ in rows) == sorted(big_ids), "with the ids the store gave")
check(all(y == 1960 + int(p[2:]) % 40 for _, p, y in rows), "each with its own answers")
check(con.execute("SELECT count(*) FROM revisions").fetchone()[0] == BIG, "one revision each")
con.close()
big_content = content(big_db)
r = merge(big_db, big)
check(r.returncode == 0 and content(big_db) == big_content, "merging it again changes nothing")
# the store's next bundle: one record voided, one changed; the rest are unchanged
r = run("collect", "void", "--store", big_store, big_ids[7], "--yes")
check(r.returncode == 0, "void: " + r.stderr)
fill(big_store, "staff", [staff("L-%05d" % 11, birth_year=1999)])
big2 = export(big_store, "big2.bundle")
r = merge(big_db, big2)
check(r.returncode == 0 and "1 updated" in r.stderr and "1 voided" in r.stderr, "the next large bundle: " + r.stderr[-300:])
check(query(big_db, "SELECT count(*) FROM form_staff")[0][0] == BIG - 1, "the voided record is gone")
check(query(big_db, "SELECT birth_year FROM form_staff WHERE person_id = 'L-00011'")[0][0] == 1999, "the changed one changed")
# several large bundles in one command: each form's index by natural key is dropped and built
# once, at the end; the database is the one that merging them one at a time gives
KEY_INDEX = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'form_staff_by_key'"
batch_db = path("batch.db")
r = merge(batch_db, big, big2)
check(r.returncode == 0, "two large bundles in one merge: " + r.stderr[-300:])
check(content(batch_db) == content(big_db), "the same database as merging them one at a time")
check(query(batch_db, KEY_INDEX)[0][0] == 1, "the index by natural key is there after the batch")
check(integrity(batch_db), "integrity after the batch")
# a batch killed before its end leaves the index missing: the store's next bundle builds it
con = sqlite3.connect(batch_db)
con.execute("DROP INDEX form_staff_by_key")
con.commit()
con.close()
fill(big_store, "staff", [staff("L-%05d" % 12, birth_year=1998)])
r = merge(batch_db, export(big_store, "big3.bundle"))
check(r.returncode == 0 and query(batch_db, KEY_INDEX)[0][0] == 1, "the next merge builds the index again: " + r.stderr[-300:])
check(query(batch_db, "SELECT birth_year FROM form_staff WHERE person_id = 'L-00012'")[0][0] == 1998, "and merges")

# a problem late in a large bundle (after thousands of records were written) rolls all of it back,
# and the first problem in the bundle's order is the one said
big_text = gzip.decompress(open(big, "rb").read()).decode()
lines = big_text.split("\n")
at = [i for i, l in enumerate(lines) if l.startswith("R\t")]


def spoil(numbers, old, new):
    body = list(lines)
    for n in numbers:
        check(old in body[at[n - 1]], "record %d holds %s" % (n, old))
        body[at[n - 1]] = body[at[n - 1]].replace(old, new, 1)
    return rebuild("\n".join(body))


big_cases = {
    "big-violates": (spoil([2400, 2500], "\tbirth_year=", "\tbirth_year=1"), "record 2400"),
    "big-unknown-field": (spoil([2590], "\tgender=female", "\tgender=female\tshoe_size=42"), "shoe_size"),
    "big-first-bad": (spoil([1, 2000], "\tbirth_year=", "\tbirth_year=1"), "record 1 ("),
}
raw_big = open(big, "rb").read()
big_cases["big-truncated"] = (raw_big[: len(raw_big) * 9 // 10], "")
for name, (data, said) in big_cases.items():
    f = path(name + ".bundle")
    with open(f, "wb") as fh:
        fh.write(data)
    fresh_db = path(name + ".db")
    for target in (fresh_db, big_db):  # a new database (every record new) and one that knows them
        snapshot = content(target) if os.path.exists(target) else None
        r = merge(target, "--allow-unsigned", f)
        check(r.returncode == 1 and ("%s.bundle: rejected: " % name) in r.stderr and said in r.stderr,
              "%s rejected (%s): %s" % (name, said, r.stderr[-400:]))
        check(integrity(target), "%s: integrity" % name)
        if snapshot is not None:
            check(content(target) == snapshot, "%s: database unchanged" % name)
        else:
            check(query(target, "SELECT count(*) FROM revisions")[0][0] == 0, "%s: nothing merged" % name)

# ---- two operators at once ----------------------------------------------------------------------
con_db = path("concurrent.db")
procs = [subprocess.Popen([ICTSURVEY, "merge", "--db", con_db, b], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
         for b in (b1, b2, b3)]
codes = [p.wait() for p in procs]
for p in procs:
    p.stdout.close()
    p.stderr.close()
check(codes == [0, 0, 0], "concurrent merges all succeed: %s" % codes)
con = sqlite3.connect(con_db)
check(con.execute("SELECT count(*) FROM bundles").fetchone()[0] == 3, "all three bundles merged concurrently")
con.close()
check(integrity(con_db), "integrity after concurrent merges")

# ---- a newer form version adds a field ------------------------------------------------------------
forms2 = path("forms-v2")
shutil.copytree(DEFS, forms2)
sp = os.path.join(forms2, "staff.yaml")
src = open(sp, encoding="utf-8").read().replace('version: "%s"' % shipped_version("staff"), 'version: "2013.1"', 1)
src = src.rstrip("\n") + "\n      - name: email_use\n        type: boolean\n        label: {vi: Dùng thư điện tử công vụ, en: Uses official e-mail}\n"
open(sp, "w", encoding="utf-8").write(src)
r = run("check", sp)
check(r.returncode == 0, "v2 form valid: " + r.stderr)
s4 = new_store("s4.store", "Sở TTTT", "Surveyor Four", forms=forms2)
fill(s4, "staff", [staff("V2-1", email_use="yes")])
b4 = export(s4, "s4.bundle")
r = merge(db, b4)
check(r.returncode == 1 and "made with form staff version 2013.1, which the office never published" in r.stderr,
      "a version the office never published is refused: " + r.stderr)
r = run("keys", "init", "--dir", path("keys"))
check(r.returncode == 0, "keys: " + r.stderr)
r = run("kit", "--db", db, "--key", path("keys/central.key"), "--forms", forms2, "--round", "2013",
        "-o", path("v2.kit"))
check(r.returncode == 0, "publish v2: " + r.stderr)
r = merge(db, b4)
check(r.returncode == 0, "merge v2: " + r.stderr)
con = sqlite3.connect(db)
vals = dict(con.execute("SELECT person_id, email_use FROM form_staff").fetchall())
check(vals.get("V2-1") == 1 and vals.get("A-1") is None, "new column added, older records NULL: %s" % vals)
check(con.execute("SELECT count(*) FROM published_forms WHERE form_id = 'staff'").fetchone()[0] == 2,
      "both versions published")
con.close()

# ---- CSV export --------------------------------------------------------------------------------------
csv_path = path("staff.csv")
r = run("export", "--db", db, "--form", "staff", "-o", csv_path)
check(r.returncode == 0, "export: " + r.stderr)
data = open(csv_path, "rb").read()
check(data.startswith(b"\xef\xbb\xbf"), "CSV starts with a byte-order mark")
csv_text = data.decode("utf-8-sig")
check("full_name" not in csv_text.splitlines()[0] and "birth_year" not in csv_text.splitlines()[0],
      "personal fields left out by default")
keys = [line.split(",")[4] for line in csv_text.splitlines()[1:]]
check(keys == sorted(keys), "rows ordered by natural key")
r = run("export", "--db", db, "--form", "staff", "-o", csv_path, "--include-personal")
csv_text = open(csv_path, encoding="utf-8-sig").read()
check("full_name" in csv_text.splitlines()[0] and "Nguyễn Văn A" in csv_text, "--include-personal adds them")
r = run("export", "--db", db, "--form", "school", "-o", csv_path)
school_csv = open(csv_path, encoding="utf-8-sig").read()
check('"\'=HYPERLINK(""x"")"' in school_csv, "a formula-like cell is escaped: %s" % school_csv[-200:])
# the same export from the database merged in another order is identical
run("export", "--db", path("order-0.db"), "--form", "staff", "-o", path("a.csv"))
run("export", "--db", path("order-1.db"), "--form", "staff", "-o", path("b.csv"))
check(open(path("a.csv"), "rb").read() == open(path("b.csv"), "rb").read(), "CSV independent of merge order")

# ---- status ---------------------------------------------------------------------------------------------
r = run("status", "--db", db)
check(r.returncode == 0, "status: " + r.stderr)
for text in ("Records per form and round", "UBND-794", "Surveyor One", "DUP-1", "future_timestamp", "truncated.bundle"):
    check(text in r.stdout, "status shows %s" % text)

# ---- a file that is not a central database is refused, and left as it was ---------------------------
junk = path("junk.db")
with open(junk, "wb") as fh:
    fh.write(b"not a database " * 300)
r = merge(junk, b1)
check(r.returncode == 1 and "is not an ictsurvey central database" in r.stderr, "junk database refused: " + r.stderr)
check(open(junk, "rb").read() == b"not a database " * 300, "junk database untouched")

finish()
