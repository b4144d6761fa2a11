#!/usr/bin/env python3
"""test_field.py ICTSURVEY - what the office sends back to the field (issue 20).

Receipts: merge --receipts writes one signed receipt per store; collect receipt marks what the
office holds; collect status, list and the browser's home page say what it has and lacks;
export --pending then sends only the rest (a full export stays possible); a receipt altered,
truncated, signed by another office or made for another store is refused and changes nothing.

A round pre-filled from the last one: kit --prefill 2013 --store-id ID makes a 2014 kit
carrying that store's current 2013 records sealed to its key; another store cannot take it
(update and init refuse, and the records cannot be opened with another store's key); the
store moves to 2014 with the records as drafts marked carried over; nothing carried over is
exported until confirmed; one record confirmed on the command line, one edited, one voided,
one confirmed in headless Chromium (data-action="confirm"), one newcomer added; exported and
merged, the 2014 report holds exactly those, 2013 stays as it was.

Both commands that change a store with what the office sent (collect receipt, collect update
with a pre-filled kit) are run with their Nth own allocation failing (ICTSURVEY_FAIL_ALLOC_AFTER)
for every N until they succeed: each run says it ran out of memory and leaves the store's
content as it was, or completes; a rerun then completes.

The browser part needs /usr/bin/chromium, /usr/bin/chromedriver and python3-selenium (run
with /usr/bin/python3); without them it is skipped and said so."""
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile

import openpyxl

from support import ICTSURVEY, check, finish, path, query, run, staff, yaml_of


def ok(r, what):
    return check(r.returncode == 0, "%s: exit %d: %s" % (what, r.returncode, r.stderr))


def refused(r, what, words):
    return check(r.returncode == 1 and words in r.stderr, "%s: exit %d: %s" % (what, r.returncode, r.stderr))


def digest(f):
    return hashlib.sha256(open(f, "rb").read()).hexdigest()


def store_id(store):
    return query(store, "SELECT value FROM meta WHERE key = 'store_id'")[0][0]


def fill(store, records, form="staff"):
    f = path("answers-%s-%d.yaml" % (os.path.basename(store), len(os.listdir(path("")))))
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(yaml_of(records))
    r = run("collect", "fill", "--store", store, form, "--answers", f)
    ok(r, "fill")
    return r.stdout.split()


def export(store, name, *extra):
    r = run("collect", "export", "--store", store, "-o", path(name), *extra)
    return r, path(name)


def merge(db, *bundles, key="keys/central.key", receipts="receipts"):
    return run("merge", "--db", db, "--key", path(key), "--receipts", path(receipts), *bundles)


def merged_counts(r):
    m = re.search(r"Records: (\d+) new, (\d+) updated, (\d+) unchanged, (\d+) voided", r.stderr)
    return tuple(int(x) for x in m.groups()) if m else None


MEMORY = re.compile(r"out of memory|cannot allocate memory", re.I)


def store_content(store):
    """What a store holds, whatever SQLite's file layout."""
    con = sqlite3.connect(store)
    out = {t: sorted(con.execute('SELECT * FROM "%s"' % t).fetchall(), key=repr)
           for t, in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    return out


def allocation_sweep(label, store, args):
    """args on copies of store with the Nth allocation failing, for every N up to 200 and every
    37th after it, until the command succeeds. ICTSURVEY_TEST_NO_SWEEPS=1 skips it (the run of
    this test against ictsurvey.exe under wine, where each start takes a second: the sweeps of
    the same code run on Linux)."""
    if os.environ.get("ICTSURVEY_TEST_NO_SWEEPS") == "1":
        print("%s: the allocation sweep skipped (ICTSURVEY_TEST_NO_SWEEPS)" % label)
        return
    before = store_content(store)
    runs = 0
    for n in list(range(0, 200)) + list(range(200, 100000, 37)):
        runs += 1
        work = path("sweep.store")
        shutil.copy(store, work)
        r = run(*[work if a is None else a for a in args], env={"ICTSURVEY_FAIL_ALLOC_AFTER": str(n)})
        if r.returncode == 0:
            break
        if not check(r.returncode == 1 and MEMORY.search(r.stderr), "%s N=%d: exit %d: %s" % (label, n, r.returncode, r.stderr)):
            return
        if not check(store_content(work) == before, "%s N=%d: the store changed" % (label, n)):
            return
        r2 = run(*[work if a is None else a for a in args])
        if not check(r2.returncode == 0, "%s N=%d: the rerun: %s" % (label, n, r2.stderr)):
            return
    check(n > 20, "%s: the command makes allocations (%d)" % (label, n))
    print("%s: %d runs with an allocation failing, each clean; it succeeds from N=%d" % (label, runs - 1, n))


def listing(store):
    """collect list for scripts: {key: (status, revision)}."""
    r = run("collect", "list", "--store", store)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    return {row[2]: (row[4], int(row[3])) for row in rows}


# ---- the office and two stores of round 2013 ------------------------------------------------------
ok(run("keys", "init", "--dir", path("keys")), "keys init")
db = path("central.db")
ok(run("kit", "--db", db, "--key", path("keys/central.key"), "--round", "2013", "-o", path("r2013.kit")), "kit 2013")
for name in ("a.store", "b.store"):
    ok(run("collect", "init", "--store", path(name), "--site", "Tân An", "--surveyor", "Nguyễn Văn " + name[0],
           "--kit", path("r2013.kit")), "init " + name)
A, B = path("a.store"), path("b.store")
A_ID, B_ID = store_id(A), store_id(B)
fill(A, [staff("P%d" % i, birth_year=1970 + i) for i in range(1, 6)])
fill(B, [staff("Q1")])
r, a1 = export(A, "a1.bundle")
ok(r, "export a1")
r, b1 = export(B, "b1.bundle")
ok(r, "export b1")

# ---- receipts ---------------------------------------------------------------------------------------
r = run("merge", "--db", db, "--receipts", path("receipts"), a1)
check(r.returncode == 2 and "--key" in r.stderr, "--receipts without --key is a usage error: " + r.stderr)
r = merge(db, a1, b1)
ok(r, "merge with --receipts")
ra, rb = path("receipts/%s.receipt" % A_ID), path("receipts/%s.receipt" % B_ID)
check(os.path.isfile(ra) and os.path.isfile(rb), "one receipt per store: %r" % os.listdir(path("receipts")))
text = open(ra, encoding="utf-8").read()
check(text.startswith("ictsurvey-receipt: 1\nstore-id: %s\n" % A_ID), "the receipt names its store: " + text[:200])
check(text.count("\nrecord: ") == 5 and "\nbundles: 1\n" in text, "it lists the store's 5 records and its bundle")
check(re.search(r"\nend: [0-9a-f]{64}\nsignature: [0-9a-f]{128}\n$", text), "it ends with its hash and signature")
old = path("old.receipt")
shutil.copy(ra, old)  # taken again later, after a newer one

# the same bundle merged again: already merged, the receipt written again all the same
r = merge(db, a1)
ok(r, "merge a1 again")
check("merged before" in r.stderr and os.path.isfile(ra), "a bundle merged before gets its receipt too")

# refused receipts change nothing
before = digest(A)
bad = path("altered.receipt")
open(bad, "w").write(re.sub(r"(\nrecord: \S+ )1\n", r"\g<1>9\n", text, count=1))
refused(run("collect", "receipt", "--store", A, bad), "an altered receipt", "changed after the office signed it")
open(bad, "w").write(text[: len(text) // 2])
r = run("collect", "receipt", "--store", A, bad)
refused(r, "a truncated receipt", "truncated")
check(bad in r.stderr, "the message names the file")
open(bad, "w").write("hello\n")
refused(run("collect", "receipt", "--store", A, bad), "not a receipt", "not a receipt of the office")
refused(run("collect", "receipt", "--store", A, rb), "another store's receipt", "is for the store %s, not this one" % B_ID)
# signed by another office: store A's own bundle, sealed to a second office that writes a receipt
ok(run("keys", "init", "--dir", path("keys2")), "keys init (another office)")
ok(run("kit", "--db", path("other.db"), "--key", path("keys2/central.key"), "--round", "2013",
       "-o", path("other.kit")), "the other office's kit")
shutil.copy(A, path("a-copy.store"))
ok(run("collect", "set-key", "--store", path("a-copy.store"), "--central-key", path("keys2/central.pub")), "set-key")
r, foreign_bundle = export(path("a-copy.store"), "foreign.bundle")
ok(r, "export for the other office")
ok(merge(path("other.db"), foreign_bundle, key="keys2/central.key", receipts="foreign"), "the other office merges")
foreign = path("foreign/%s.receipt" % A_ID)
refused(run("collect", "receipt", "--store", A, foreign), "another office's receipt", "not the office key this store knows")
check(digest(A) == before, "the store is byte for byte unchanged by refused receipts")
check(query(A, "SELECT count(*) FROM received") == [(0,)], "nothing marked received")

# the round trip (first with each allocation failing in turn)
allocation_sweep("collect receipt", A, ("collect", "receipt", "--store", None, ra))
r = run("collect", "receipt", "--store", A, ra)
ok(r, "collect receipt")
check("the office has 5 records and 1 bundles of this store" in r.stderr, "it says what the office has: " + r.stderr)
check("The office has every finalized or void record of the store." in r.stderr, "and that nothing is missing")
check(query(A, "SELECT count(*) FROM received") == [(5,)], "5 records marked received")
r = run("collect", "receipt", "--store", A, ra)
check(r.returncode == 0 and "the office has 5 records and 1 bundles" in r.stderr, "the same receipt again says the same: " + r.stderr)
r = run("collect", "status", "--store", A)
ok(r, "collect status")
check("the office has 5 records of this round and lacks 0" in r.stderr, "status: " + r.stderr)

r, _ = export(A, "nothing.bundle", "--pending")
refused(r, "--pending with nothing missing", "the office holds every finalized or void record")
# one record changed, one voided, one new: --pending sends exactly those three
patch = path("patch.yaml")
open(patch, "w").write(yaml_of([{"it_certificate": "advanced"}]))
ok(run("collect", "edit", "--store", A, "P1", "--answers", patch), "edit P1")
ok(run("collect", "void", "--store", A, "P5", "--yes"), "void P5")
fill(A, [staff("P6")])
r = run("collect", "status", "--store", A)
check("lacks 3" in r.stderr and "3 records are not at the office yet" in r.stderr, "status before --pending: " + r.stderr)
r, a2 = export(A, "a2.bundle", "--pending")
ok(r, "export --pending")
check("Exported 3 records" in r.stderr, "--pending exports only the three: " + r.stderr)
r = merge(db, a2)
ok(r, "merge a2")
check(merged_counts(r) == (1, 1, 0, 1), "the office gets 1 new, 1 updated, 1 voided: %r" % (merged_counts(r),))
r, full = export(A, "full.bundle")
check(r.returncode == 0 and "Exported 6 records" in r.stderr, "a full export stays possible: " + r.stderr)
ok(run("collect", "receipt", "--store", A, ra), "the receipt written with a2")
check(query(A, "SELECT r.revision FROM received r JOIN records USING (instance_id) WHERE natural_key = 'P1'"
               " GROUP BY instance_id") == [(2,)], "P1's second revision is received")
r = run("collect", "status", "--store", A)
check("lacks 0" in r.stderr and "bundles exported" in r.stderr, "all received: " + r.stderr)

# an older receipt taken after a newer one takes nothing back
check(query(A, "SELECT count(*) FROM received") == [(6,)], "6 records received")
ok(run("collect", "receipt", "--store", A, old), "the older receipt after the newer")
check(query(A, "SELECT r.revision FROM received r JOIN records USING (instance_id) WHERE natural_key = 'P1'"
               " GROUP BY instance_id") == [(2,)], "P1's second revision stays received")

# ---- a round pre-filled from 2013 -------------------------------------------------------------------
key = path("keys/central.key")
r = run("kit", "--db", db, "--key", key, "--round", "2014", "--prefill", "2013", "--store-id", A_ID,
        "-o", path("a2014.kit"))
ok(r, "kit --prefill")
check("carries 5 records of the store %s in round 2013 into round 2014" % A_ID in r.stderr, "it says what it carries: " + r.stderr)
content = subprocess.run(["zcat", path("a2014.kit")], capture_output=True, text=True).stdout
check(re.search(r"\nprefill: %s 2013 \d+\n" % A_ID, content), "the kit has its prefill line")
check("person_id" not in content.split("\nprefill: ")[1] and "Tân An" not in content.split("\nprefill: ")[1],
      "the personal answers are sealed, not readable in the kit")
kits = query(db, "SELECT * FROM kits")
r = run("kit", "--db", db, "--key", key, "--round", "2015", "--prefill", "2014",
        "--store-id", "01234567-89ab-7def-8123-456789abcdef", "-o", path("nobody.kit"))
refused(r, "a kit for a store the office never heard of", "no signed bundle of the store")
check(query(db, "SELECT * FROM kits") == kits and not os.path.exists(path("nobody.kit")),
      "a refused pre-filled kit publishes nothing and writes nothing")
ok(run("kit", "--db", db, "--key", key, "--round", "2014", "-o", path("r2014.kit")), "the ordinary 2014 kit")

# another store cannot take it
before_b = digest(B)
refused(run("collect", "update", "--store", B, "--kit", path("a2014.kit")), "another store's update",
        "for the store %s only, not this one" % A_ID)
check(digest(B) == before_b, "store B unchanged")
refused(run("collect", "init", "--store", path("c.store"), "--site", "X", "--surveyor", "Y",
            "--kit", path("a2014.kit")), "a new store from it", "for the store %s only" % A_ID)
check(not os.path.exists(path("c.store")), "no store made")
# even with the store id forced, the records open only with A's key: B's store id made A's
shutil.copy(B, path("b-as-a.store"))
con = sqlite3.connect(path("b-as-a.store"))
con.execute("UPDATE meta SET value = ? WHERE key = 'store_id'", (A_ID,))
con.commit()
con.close()
r = run("collect", "update", "--store", path("b-as-a.store"), "--kit", path("a2014.kit"))
refused(r, "another store's key", "sealed to another store")
check(query(path("b-as-a.store"), "SELECT value FROM meta WHERE key = 'round'") == [("2013",)], "it stays in 2013")

# a round left with a draft would hide it: refused until it is finalized or voided
shutil.copy(A, path("a-draft.store"))
r = run("collect", "fill", "--store", path("a-draft.store"), "staff", "--draft", "--answers", patch)
ok(r, "a draft in a copy of A")
refused(run("collect", "update", "--store", path("a-draft.store"), "--kit", path("a2014.kit")),
        "moving with a draft left", "1 drafts of round 2013 left")
check(query(path("a-draft.store"), "SELECT value FROM meta WHERE key = 'round'") == [("2013",)], "it stays in 2013")

# the right store: moved to 2014, the current 2013 records as drafts carried over
allocation_sweep("collect update (pre-filled)", A, ("collect", "update", "--store", None, "--kit", path("a2014.kit")))
r = run("collect", "update", "--store", A, "--kit", path("a2014.kit"))
ok(r, "update with the pre-filled kit")
check("moved to round 2014. 5 records of round 2013 were carried over" in r.stderr, "it says so: " + r.stderr)
rows = listing(A)
check(sorted(rows) == ["P1", "P2", "P3", "P4", "P6"] and all(v == ("draft", 1) for v in rows.values()),
      "the 2014 list: 5 carried drafts: %r" % rows)
check(query(A, "SELECT count(*) FROM records WHERE round = 2013 AND revision = 1") == [(6,)], "2013 kept as it was")
carried = query(A, "SELECT natural_key, from_round FROM carried JOIN records USING (instance_id) ORDER BY 1")
check([k for k, _ in carried] == ["P1", "P2", "P3", "P4", "P6"] and {y for _, y in carried} == {2013},
      "each marked carried over from 2013: %r" % carried)
ids_2014 = {k for k, in query(A, "SELECT instance_id FROM records WHERE round = 2014")}
ids_2013 = {k for k, in query(A, "SELECT instance_id FROM records WHERE round = 2013")}
check(not ids_2014 & ids_2013, "new instance ids")
check(query(A, "SELECT answers LIKE '%it_certificate=advanced%' FROM records WHERE round = 2014 AND natural_key = 'P1'") == [(1,)],
      "P1 carries its newest 2013 answers")
r = run("collect", "update", "--store", A, "--kit", path("a2014.kit"))
check(r.returncode == 0 and "has this kit already" in r.stderr and len(listing(A)) == 5, "the same kit again changes nothing")

# the 2013 records stay as the office has them: no change by instance id either
old_p4 = query(A, "SELECT instance_id FROM records WHERE round = 2013 AND natural_key = 'P4'")[0][0]
before = digest(A)
refused(run("collect", "void", "--store", A, old_p4, "--yes"), "voiding a 2013 record", "which the store has closed")
refused(run("collect", "edit", "--store", A, old_p4, "--answers", patch), "editing a 2013 record", "which the store has closed")
check(digest(A) == before, "the store unchanged by the refusals")

# nothing carried over goes out unconfirmed
r = run("collect", "status", "--store", A)
check("5 records carried over from the last round are not confirmed yet" in r.stderr, "status: " + r.stderr)
r, none = export(A, "unconfirmed.bundle")
ok(r, "export before any confirmation")
r = merge(db, none)
check(query(db, "SELECT count(*) FROM revisions WHERE round = 2014") == [(0,)], "no 2014 record reaches the office")

# the command line: P1 confirmed, P2 edited, P3 voided (he left), P7 came
r = run("collect", "confirm", "--store", A, "P1")
ok(r, "confirm P1")
check("Confirmed the record" in r.stderr, r.stderr)
r = run("collect", "confirm", "--store", A, "P1")
check(r.returncode == 0 and "was confirmed before" in r.stderr, "confirming twice says so: " + r.stderr)
open(patch, "w").write(yaml_of([{"position": "leader", "is_cio": "no"}]))
r = run("collect", "edit", "--store", A, "P2", "--answers", patch)
ok(r, "edit P2")
check(listing(A)["P2"] == ("draft", 2), "an edited carried-over draft stays a draft")
ok(run("collect", "confirm", "--store", A, "P2"), "confirm P2 as edited")
r = run("collect", "void", "--store", A, "P3", "--yes")
check(r.returncode == 0 and "nothing goes to the office" in r.stderr, "void P3 (he left), never sent: " + r.stderr)
fill(A, [staff("P7", gender="male")])
r = run("collect", "confirm", "--store", A, "P7")
refused(r, "confirming a record not carried over", "was not carried over")

# the browser: P4 confirmed with data-action="confirm", P6 left carried over
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
browser_done = False
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    have_browser = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
except ImportError:
    have_browser = False
if not have_browser:
    print("SKIP: the browser part (needs chromium, chromium-driver, python3-selenium)")
    ok(run("collect", "confirm", "--store", A, "P4"), "confirm P4 (no browser here)")
else:
    server = subprocess.Popen([ICTSURVEY, "collect", "serve", "--store", A, "--no-browser", "--lang", "en"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = server.stdout.readline().strip()
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--user-data-dir=" + tempfile.mkdtemp(dir=path(""))):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        d.get(url)
        rows = {e.get_attribute("data-instance"): e for e in d.find_elements(By.CSS_SELECTOR, "tr[data-instance]")}
        by_key = {e.find_element(By.CSS_SELECTOR, "td a").text: e for e in rows.values()}
        check(all(e.get_attribute("data-received") in ("yes", "no") for e in rows.values()),
              "every row says data-received once receipts exist")
        check(by_key["P4"].get_attribute("data-carried-from") == "2013" and
              by_key["P4"].get_attribute("data-received") == "no", "P4: carried over from 2013, not at the office")
        office = d.find_element(By.CSS_SELECTOR, "section.office")
        check(office.get_attribute("data-unconfirmed") == "2", "the home page counts 2 to confirm: %s" % office.text)
        by_key["P4"].find_element(By.CSS_SELECTOR, "td a").click()
        WebDriverWait(d, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[data-action='confirm']"))
        check("carried over from round 2013" in d.find_element(By.CSS_SELECTOR, "p.carried").text, "the page says where it came from")
        d.find_element(By.CSS_SELECTOR, "button[data-action='confirm']").click()
        WebDriverWait(d, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#record-status [data-status='finalized']"))
        check(not d.find_elements(By.CSS_SELECTOR, "button[data-action='confirm']"), "confirmed: no confirm button any more")
        browser_done = True
    except Exception as e:  # a page that never came: say it, go on with the rest
        check(False, "browser: %r" % e)
    finally:
        d.quit()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)
rows = listing(A)
check(rows.get("P4") == ("finalized", 1), "P4 confirmed unchanged: %r" % (rows.get("P4"),))
check(rows.get("P1") == ("finalized", 1) and rows.get("P2")[0] == "finalized" and rows.get("P3")[0] == "void"
      and rows.get("P6") == ("draft", 1) and rows.get("P7") == ("finalized", 1), "the round's records: %r" % rows)

# exported and merged: the 2014 report holds P1, P2 (edited), P4 and P7; P3 and P6 never arrive
r, a3 = export(A, "a2014.bundle", "--pending")
ok(r, "export 2014 --pending")
check("Exported 4 records" in r.stderr, "P1, P2, P4, P7 (P3 voided unconfirmed, P6 not confirmed): " + r.stderr)
r = merge(db, a3)
ok(r, "merge 2014")
got = query(db, "SELECT r.natural_key, r.answers LIKE '%position=leader%' FROM revisions r JOIN instances i"
                " USING (store_id, instance_id, revision) WHERE r.round = 2014 AND i.status != 'void' ORDER BY 1")
check(got == [("P1", 0), ("P2", 1), ("P4", 0), ("P7", 0)], "2014 at the office: %r" % got)
check(query(db, "SELECT count(*) FROM revisions WHERE round = 2013 AND store_id = ?", A_ID) == [(8,)],
      "2013's revisions at the office unchanged")
xlsx = path("r2014.xlsx")
ok(run("report", "--db", db, "--round", "2014", "--records", "-o", xlsx), "report 2014")
wb = openpyxl.load_workbook(xlsx, read_only=True)
cells = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
check({"P1", "P2", "P4", "P7"} <= cells and not {"P3", "P6", "Q1"} & cells,
      "the 2014 report holds exactly the confirmed, edited and new records")
shutil.copy(A, path("a-unvoid.store"))
r = run("collect", "unvoid", "--store", path("a-unvoid.store"), "P3")
check(r.returncode == 0 and listing(path("a-unvoid.store"))["P3"][0] == "draft",
      "a void never exported can be undone after other exports: " + r.stderr)
r = run("collect", "receipt", "--store", A, ra)
ok(r, "the receipt of the 2014 merge")
check("lacks 0" in r.stderr and "1 records carried over" in r.stderr, "only P6 waits: " + r.stderr)
finish()
