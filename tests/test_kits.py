"""test_kits.py - only the office decides what a record means (issue 13). Each finding of the
hostile review, as it was reproduced on the program before survey kits, must now fail:
1. a bundle carrying its own definition of a form (version 9999, is_it_staff always true, no
   field personal) changed the Summary for every store and leaked names into CSV exports;
2. the register was last-bundle-wins: the district sheet depended on the merge order;
3. an unsigned copy of an intercepted bundle, with a new store id and changed answers, merged
   first, blocked the genuine bundle for ever.
Then the kit flow itself: publishing, kits, stores made and updated from kits, key rotation,
rogue stores in every merge order, and a database made before kits."""
import gzip
import hashlib
import itertools
import os
import re
import shutil
import sqlite3
import zlib

from support import (DEFS, check, export, fill, finish, path, query, run, shipped_version, staff,
                     yaml_of)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREKIT = os.path.join(ROOT, "tests", "data", "prekit")


def ok(r, what):
    return check(r.returncode == 0, "%s: %s" % (what, r.stderr[-800:]))


def merge(db, *args):
    return run("merge", "--db", db, *args)


def report(db, name):
    out = path(name)
    r = run("report", "--db", db, "-o", out, "--force")
    ok(r, "report " + name)
    return open(out, "rb").read() if os.path.exists(out) else b""


def csv_of(db, form="staff"):
    out = path("export.csv")
    r = run("export", "--db", db, "--form", form, "-o", out, "--force")
    ok(r, "export")
    return open(out, encoding="utf-8-sig").read() if r.returncode == 0 else ""


def store_from_kit(name, kit, site="Tân An", surveyor="Nguyễn Văn An", extra=()):
    r = run("collect", "init", "--store", path(name), "--site", site, "--surveyor", surveyor,
            "--kit", kit, *extra)
    ok(r, "collect init --kit " + name)
    return path(name)


def store_from_forms(name, forms, round_=2013):
    r = run("collect", "init", "--store", path(name), "--site", "Giả", "--surveyor", "Kẻ Giả",
            "--round", str(round_), "--forms", forms)
    ok(r, "collect init --forms " + name)
    return path(name)


def rogue_forms(name, register_rename=None):
    """The shipped definitions with staff.yaml redefined as the review did it."""
    d = path(name)
    shutil.copytree(DEFS, d)
    sp = os.path.join(d, "staff.yaml")
    src = open(sp, encoding="utf-8").read().replace('version: "%s"' % shipped_version("staff"), 'version: "9999"', 1)
    src = re.sub(r"      - name: is_it_staff\n        type: boolean\n.*?        required: yes\n",
                 '      - name: is_it_staff\n        type: calculate\n        calculation: "1 = 1"\n',
                 src, count=1, flags=re.S)
    src = src.replace("        personal: yes\n", "")
    open(sp, "w", encoding="utf-8").write(src)
    if register_rename:
        up = os.path.join(d, "units.yaml")
        units = open(up, encoding="utf-8").read()
        units = units.replace('{code: "794", name: {vi: "Thành phố Tân An", en: "Tan An City"}}',
                              '{code: "794", name: {vi: "%s", en: "%s"}}' % register_rename, 1)
        open(up, "w", encoding="utf-8").write(units)
    return d


def rogue_staff(pid):
    """A staff record of the rogue form: is_it_staff is calculated (always true) there."""
    rec = staff(pid, security_trained="no", sysadmin_trained="no")
    del rec["is_it_staff"]
    return rec


def fingerprint_of(pub_file):
    """The office fingerprint: the first 8 bytes of the SHA-256 of the signing public key."""
    for line in open(pub_file, encoding="utf-8"):
        if line.startswith("central-signing-key: ed25519 "):
            d = hashlib.sha256(bytes.fromhex(line.split()[2])).hexdigest()[:16]
            return "-".join(d[i:i + 4] for i in range(0, 16, 4))
    return None


def unsigned_copy(bundle, store_id, bundle_id, edit=lambda body: body):
    """A format 1 bundle made from a signed (unsealed) one: what anyone who intercepted it can
    write, under any store id."""
    text = gzip.open(bundle, "rt", encoding="utf-8").read()
    text = re.sub(r"(?m)^signer: .*\n", "", text.replace("ictsurvey-bundle: 2\n", "ictsurvey-bundle: 1\n", 1))
    text = re.sub(r"(?m)^store-id: .*$", "store-id: " + store_id, text)
    text = re.sub(r"(?m)^bundle-id: .*$", "bundle-id: " + bundle_id, text)
    body = edit(text[:text.index("\nend: ") + 1])
    n = sum(1 for line in body.split("\n") if line.startswith("R\t"))
    data = (body + "end: %d %s\n" % (n, hashlib.sha256(body.encode()).hexdigest())).encode()
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    raw = bytearray(c.compress(data) + c.flush())
    raw[9] = 0xFF
    out = path(os.path.basename(bundle) + "-copy.bundle")
    open(out, "wb").write(bytes(raw))
    return out


# ---- the office: keys, a kit, the central database it publishes into -----------------------------
r = run("keys", "init", "--dir", path("keys"))
ok(r, "keys init")
KEY, PUB = path("keys/central.key"), path("keys/central.pub")
FP = fingerprint_of(PUB)
check(FP is not None and ("Office fingerprint: " + FP) in r.stderr, "keys init prints the office fingerprint")
db = path("central.db")
kit1 = path("province-2013.kit")
r = run("kit", "--db", db, "--key", KEY, "--round", "2013", "-o", kit1)
ok(r, "kit")
check(("Office fingerprint: " + FP) in r.stderr and "kit number 1" in r.stderr, "kit says what it made: " + r.stderr)
check(query(db, "SELECT form_id, version FROM published_forms ORDER BY 1") ==
      [(f, shipped_version(f)) for f in ("school", "staff", "training_centre")], "the shipped forms are published")
check(query(db, "SELECT what FROM published ORDER BY 1") == [("register",), ("targets",)], "register and targets too")
kit1_bytes = open(kit1, "rb").read()
before = query(db, "SELECT * FROM published_forms ORDER BY 1") + query(db, "SELECT * FROM kits")
r = run("kit", "--db", db, "--key", KEY, "--round", "2013", "-o", kit1)
ok(r, "kit again")
check("Nothing changed since kit number 1" in r.stderr, "publishing the same again says so: " + r.stderr)
check(open(kit1, "rb").read() == kit1_bytes, "and writes the same kit, byte for byte")
check(query(db, "SELECT * FROM published_forms ORDER BY 1") + query(db, "SELECT * FROM kits") == before,
      "and changes nothing in the database")

# surveyors: stores from the kit
r = run("collect", "init", "--store", path("wrong-round.store"), "--site", "x", "--surveyor", "y",
        "--kit", kit1, "--round", "2014")
check(r.returncode == 1 and "round 2013" in r.stderr and not os.path.exists(path("wrong-round.store")),
      "collect init --round may not contradict the kit: " + r.stderr)
a_store = store_from_kit("a.store", kit1)
r = run("collect", "init", "--store", path("fp.store"), "--site", "x", "--surveyor", "y", "--kit", kit1)
check(("Office fingerprint: " + FP) in r.stderr, "collect init --kit prints the same office fingerprint: " + r.stderr)
check(query(a_store, "SELECT value FROM meta WHERE key = 'round'") == [("2013",)], "the store has the kit's round")
fill(a_store, "staff", [staff("A-1", full_name="Trần Thị Bình", is_it_staff="no"),
                        staff("A-2", district="794", agency="UBND-794"),
                        staff("A-3", workplace_type="dept", agency="SO-TTTT", district="794")])
a1 = export(a_store, "a1.bundle")
check("\nsealed: " in gzip.open(a1, "rt", encoding="utf-8").read(), "a store made from a kit seals its bundles")
r = merge(db, "--key", KEY, a1)
ok(r, "merge a kit store's bundle")
summary = report(db, "before.xlsx")
csv_before = csv_of(db)
check("Trần Thị Bình" not in csv_before and "birth_year" not in csv_before.splitlines()[0],
      "personal fields are not exported")

# a damaged or forged kit is never used
raw = bytearray(kit1_bytes)
raw[len(raw) // 2] ^= 0xFF
open(path("damaged.kit"), "wb").write(bytes(raw))
r = run("collect", "init", "--store", path("damaged.store"), "--site", "x", "--surveyor", "y", "--kit", path("damaged.kit"))
check(r.returncode == 1 and "damaged.kit" in r.stderr and not os.path.exists(path("damaged.store")),
      "a damaged kit is refused: " + r.stderr)

# ---- finding 1: a bundle can no longer redefine a form --------------------------------------------
rogue = rogue_forms("rogue-forms")
r_store = store_from_forms("rogue.store", rogue)
# the review's bundle: no record at all (what an older version or a rogue store can send)
empty = export(r_store, "rogue-empty.bundle", "--allow-empty")
snapshot = query(db, "SELECT * FROM published_forms ORDER BY 1")
r = merge(db, "--key", KEY, empty)
check(query(db, "SELECT * FROM published_forms ORDER BY 1") == snapshot, "an empty rogue bundle publishes nothing")
check(report(db, "after-empty.xlsx") == summary, "and the workbook is byte-identical")
fill(r_store, "staff", [rogue_staff("R-1")])
rb = export(r_store, "rogue.bundle")
r = merge(db, "--key", KEY, rb)
check(r.returncode == 1 and "made with form staff version 9999, which the office never published: install the "
      "office's kit" in r.stderr, "a record of a form never published is refused: " + r.stderr)
check(os.path.exists(os.path.join(db + ".quarantine", "rogue.bundle")), "and quarantined")
check(report(db, "after-rogue.xlsx") == summary, "the Summary is unchanged")
check(csv_of(db) == csv_before, "and so is the CSV: no name appears")
r = run("--lang", "vi", "merge", "--db", db, "--key", KEY, rb, lang=None)
check(r.returncode == 1 and "phiên bản mà Sở chưa từng công bố" in r.stderr, "said in Vietnamese too: " + r.stderr)
# the same version with another content (the store's form was edited) is named as such
edited = path("edited-forms")
shutil.copytree(DEFS, edited)
sp = os.path.join(edited, "staff.yaml")
src = open(sp, encoding="utf-8").read()
open(sp, "w", encoding="utf-8").write(src.replace("        personal: yes\n", "", 1))
e_store = store_from_forms("edited.store", edited)
fill(e_store, "staff", [staff("E-1")])
r = merge(db, export(e_store, "edited.bundle"))
check(r.returncode == 1 and ("made with form staff version %s, but not the content the office published" % shipped_version("staff")) in r.stderr,
      "an edited form under a published version is refused: " + r.stderr)
# and the office itself cannot publish two contents under one version
r = run("kit", "--db", db, "--key", KEY, "--forms", edited, "--round", "2013", "-o", path("edited.kit"))
check(r.returncode == 1 and "was published with another content" in r.stderr and not os.path.exists(path("edited.kit")),
      "a different form under a published id and version is refused: " + r.stderr)
check(query(db, "SELECT * FROM published_forms ORDER BY 1") == snapshot, "and nothing is published")

# ---- finding 2: the register is the office's ----------------------------------------------------------
reg_a = rogue_forms("reg-a", ("Quận Một", "District One"))
reg_b = rogue_forms("reg-b", ("Quận Hai", "District Two"))
for d in (reg_a, reg_b):  # the shipped forms, only the register renamed
    shutil.copy(os.path.join(DEFS, "staff.yaml"), os.path.join(d, "staff.yaml"))
sa, sb = store_from_forms("reg-a.store", reg_a), store_from_forms("reg-b.store", reg_b)
fill(sa, "staff", [staff("G-1", district="794", agency="UBND-794")])
fill(sb, "staff", [staff("G-2", district="794", agency="UBND-794")])
ba, bb = export(sa, "reg-a.bundle"), export(sb, "reg-b.bundle")
books = []
for order in ((ba, bb), (bb, ba)):
    d = path("reg-%d.db" % len(books))
    shutil.copy(db, d)
    r = merge(d, "--key", KEY, *order)
    ok(r, "merge registers")
    check(query(d, "SELECT name_vi FROM unit_districts WHERE code = '794'") == [("Thành phố Tân An",)],
          "the district keeps the office's name")
    books.append(report(d, "reg-%d.xlsx" % len(books)))
check(books[0] == books[1], "the workbook does not depend on the order")

# ---- finding 3: an intercepted bundle cannot squat the genuine records ------------------------------
g_store = store_from_forms("genuine.store", DEFS)  # no key: its bundles travel unsealed
g_ids = fill(g_store, "staff", [staff("Q-1", is_it_staff="no"), staff("Q-2")])
genuine = export(g_store, "genuine.bundle")
forged = unsigned_copy(genuine, "0badc0de-0000-4000-8000-00000000feed", "0badc0de-0000-4000-8000-0000000000f1",
                       lambda body: body.replace("\tbirth_year=1980", "\tbirth_year=1999"))
sq = path("squat.db")
shutil.copy(db, sq)
r = merge(sq, forged)
check(r.returncode == 1 and "the bundle is not signed" in r.stderr, "unsigned bundles are refused by default: " + r.stderr)
r = merge(sq, "--allow-unsigned", forged)
ok(r, "the forged copy, allowed in, is merged as its own store's")
r = merge(sq, genuine)
check(r.returncode == 0 and "1 merged" in r.stderr, "the genuine bundle still merges: " + r.stderr)
g_store_id = query(g_store, "SELECT value FROM meta WHERE key = 'store_id'")[0][0]
check(query(sq, "SELECT count(*) FROM form_staff WHERE store_id = ? AND birth_year = 1980", g_store_id) == [(2,)],
      "the genuine answers stand under the genuine store")
check(query(sq, "SELECT count(DISTINCT store_id) FROM duplicates WHERE instance_id = ?", g_ids[0]) == [(2,)],
      "the copy is only a duplicate the Data quality sheet lists")
r = merge(sq, genuine)
check(r.returncode == 0 and "merged before" in r.stderr, "and the genuine bundle is known as merged")

# ---- a rogue store among the others: rejected, the workbook the same in every order ------------------
rogue2 = rogue_forms("rogue2-forms", ("Quận Giả", "Fake District"))
r2 = store_from_forms("rogue2.store", rogue2)
fill(r2, "staff", [rogue_staff("Z-1")])
b_store = store_from_kit("b.store", kit1, site="Bến Lức", surveyor="Lê Văn C")
fill(b_store, "staff", [staff("B-1", is_it_staff="yes", it_degree="dai_hoc", security_trained="yes",
                               sysadmin_trained="no")])
bundles = [a1, export(b_store, "b1.bundle"), export(r2, "rogue2.bundle"), rb]
books = set()
for n, order in enumerate(itertools.islice(itertools.permutations(bundles), 0, None, 5)):
    d = path("order-%d.db" % n)
    r = run("kit", "--db", d, "--key", KEY, "--round", "2013", "-o", path("order.kit"), "--force")
    ok(r, "a database from the kit")
    r = merge(d, "--key", KEY, *order)
    check(r.returncode == 1 and r.stderr.count(": rejected: ") == 2, "the rogue bundles are rejected: " + r.stderr)
    books.add(report(d, "order-%d.xlsx" % n))
check(len(books) == 1, "one workbook whatever the merge order (%d orders)" % (n + 1))

# ---- a newer kit mid-round: a new version, adopted by stores -------------------------------------------
forms2 = path("forms-2013")
shutil.copytree(DEFS, forms2)
sp = os.path.join(forms2, "staff.yaml")
src = open(sp, encoding="utf-8").read().replace('version: "%s"' % shipped_version("staff"), 'version: "2013.1"', 1)
src = src.rstrip("\n") + "\n      - name: email_use\n        type: boolean\n        label: {vi: Dùng thư điện tử công vụ, en: Uses official e-mail}\n"
open(sp, "w", encoding="utf-8").write(src)
kit2 = path("province-2013-2.kit")
r = run("kit", "--db", db, "--key", KEY, "--forms", forms2, "--round", "2013", "-o", kit2)
check(r.returncode == 0 and "kit number 2" in r.stderr, "a second kit: " + r.stderr)
r = run("collect", "update", "--store", a_store, "--kit", kit2)
check(r.returncode == 0 and ("Office fingerprint: " + FP) in r.stderr, "collect update --kit: " + r.stderr)
check(query(a_store, "SELECT version FROM forms WHERE form_id = 'staff'") == [("2013.1",)], "the store has the new version")
r = run("collect", "update", "--store", a_store, "--kit", kit2)
check(r.returncode == 0 and "has this kit already" in r.stderr, "the same kit again: " + r.stderr)
r = run("collect", "update", "--store", a_store, "--kit", kit1)
check(r.returncode == 1 and "not newer" in r.stderr, "an older kit is refused: " + r.stderr)
fill(a_store, "staff", [staff("A-4", email_use="yes")])
r = merge(db, "--key", KEY, export(a_store, "a2.bundle"))
ok(r, "records of the new version merge")
check(query(db, "SELECT email_use FROM form_staff WHERE natural_key = 'A-4'") == [(1,)], "with the new field")
old_version = store_from_kit("old-version.store", kit1, site="Cần Giuộc")
fill(old_version, "staff", [staff("O-1")])
r = merge(db, "--key", KEY, export(old_version, "old-version.bundle"))
ok(r, "records of every published version keep merging")

# another office's kit is never adopted
r = run("keys", "init", "--dir", path("other-keys"))
ok(r, "another office's keys")
other_kit = path("other.kit")
r = run("kit", "--db", path("other.db"), "--key", path("other-keys/central.key"), "--round", "2013", "-o", other_kit)
ok(r, "another office's kit")
meta = query(a_store, "SELECT key, value FROM meta ORDER BY 1")
r = run("collect", "update", "--store", a_store, "--kit", other_kit)
check(r.returncode == 1 and "not the office key this store knows" in r.stderr, "another office's kit is refused: " + r.stderr)
check(query(a_store, "SELECT key, value FROM meta ORDER BY 1") == meta, "and the store is unchanged")

# ---- key rotation: a kit signed by the old key names the new one ----------------------------------------
r = run("keys", "init", "--dir", path("new-keys"))
ok(r, "the new keys")
NEW_KEY, NEW_PUB = path("new-keys/central.key"), path("new-keys/central.pub")
kit3 = path("rotation.kit")
r = run("kit", "--db", db, "--key", KEY, "--forms", forms2, "--round", "2013", "--next-key", NEW_PUB, "-o", kit3)
check(r.returncode == 0 and fingerprint_of(NEW_PUB) in r.stderr, "a rotation kit: " + r.stderr)
r = run("collect", "update", "--store", a_store, "--kit", kit3)
ok(r, "the store adopts the rotation")
kit4 = path("after-rotation.kit")
r = run("kit", "--db", db, "--key", NEW_KEY, "--forms", forms2, "--round", "2013", "-o", kit4)
ok(r, "a kit signed with the new key")
r = run("collect", "update", "--store", a_store, "--kit", kit4)
ok(r, "is adopted")
kit5 = path("old-key-again.kit")
r = run("kit", "--db", path("old-key.db"), "--key", KEY, "--forms", forms2, "--round", "2013", "-o", kit5)
ok(r, "a kit signed with the old key")
r = run("collect", "update", "--store", a_store, "--kit", kit5)
check(r.returncode == 1 and "not the office key this store knows" in r.stderr, "the old key no longer counts: " + r.stderr)
fill(a_store, "staff", [staff("A-5")])
a3 = export(a_store, "a3.bundle")
r = merge(db, "--key", KEY, a3)
check(r.returncode == 1 and "sealed to another central office key" in r.stderr, "exports are sealed to the new key: " + r.stderr)
r = merge(db, "--key", NEW_KEY, a3)
ok(r, "which opens them")

# ---- a database made before kits -----------------------------------------------------------------------------
# It was made when the shipped forms were version 2012.1: the upgrade publishes the definitions
# in use, so this part runs with those (kept in tests/data/forms-2012.1).
old_defs = path("defs-2012.1")
shutil.copytree(DEFS, old_defs)
for f in ("staff", "school", "training_centre"):
    shutil.copy(os.path.join(ROOT, "tests", "data", "forms-2012.1", f + ".yaml"), old_defs)
os.environ["ICTSURVEY_DEFINITIONS"] = old_defs
old = path("prekit.db")
shutil.copy(os.path.join(PREKIT, "central.db"), old)
check(query(old, "SELECT name_vi FROM unit_districts WHERE code = '794'") == [("Quận Giả Mạo",)],
      "(the fixture's register came from its rogue bundle)")
r = run("status", "--db", old)
check(r.returncode == 0 and "has been upgraded" in r.stderr and re.search(r"never published.*\n  staff  9999  2\n", r.stdout),
      "status upgrades it and lists the records of forms never published: " + r.stdout[:600] + r.stderr)
check(query(old, "SELECT name_vi FROM unit_districts WHERE code = '794'") == [("Thành phố Tân An",)],
      "the register is the shipped one")
check(query(old, "SELECT count(*) FROM form_staff") == [(5,)] and
      query(old, "SELECT count(DISTINCT store_id) FROM form_staff") == [(2,)], "every record kept, with its store")
check(query(old, "PRAGMA integrity_check") == [("ok",)], "integrity")
book = path("prekit.xlsx")
r = run("report", "--db", old, "-o", book)
ok(r, "report on the upgraded database")
try:
    import openpyxl
    wb = openpyxl.load_workbook(book, read_only=True)
    cells = [str(c) for row in wb["Data quality"].iter_rows(values_only=True) for c in row if c is not None]
    check("9999" in cells and "Records made with forms the office never published (not counted)" in cells,
          "the Data quality sheet lists them")
    totals = [row for row in wb["Data quality"].iter_rows(values_only=True) if row and row[1] == "Total"]
    check(totals and totals[0][2 + 1] == 3, "and only the 3 published records are counted: %s" % totals)
except ImportError:
    check(False, "openpyxl is needed (python3-openpyxl)")
r = merge(old, os.path.join(PREKIT, "rogue.bundle"))
check(r.returncode == 0 and "merged before" in r.stderr, "bundles merged before stay merged: " + r.stderr)
fill_store = store_from_forms("late-rogue.store", rogue_forms("late-rogue-forms"))
fill(fill_store, "staff", [rogue_staff("R-9")])
r = merge(old, export(fill_store, "late-rogue.bundle"))
check(r.returncode == 1 and "never published" in r.stderr, "a new rogue bundle is refused: " + r.stderr)
os.environ["ICTSURVEY_DEFINITIONS"] = DEFS

finish()
