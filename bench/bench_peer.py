#!/usr/bin/env python3
"""bench_peer.py ICTSURVEY [RECORDS [BUNDLES]] [--runs N] - ictsurvey's merge and report set
against the script an analyst would write instead, with pandas and XlsxWriter. Makes (once,
bench/bundles.py) BUNDLES (default 40) signed and sealed bundles holding RECORDS (default
200,000) staff records, and once, as the analyst's input, one gzip CSV per bundle with the same
records (the bundle's store in a central database merged once, every answer column,
select_multiple fields as space-separated codes) and the unit register as two CSVs, kept in
the bundles' directory under peer/. Then, N times (default 3) and interleaved: `ictsurvey
merge --require-sealed --key` of all the bundles into a copy of the freshly published central
database followed by `ictsurvey report` (default options); and the peer, a fresh
/usr/bin/python3 running this file with --peer (interpreter start and pandas import count):
read_csv of every CSV, concat, sort_values + drop_duplicates by round and person_id keeping the
latest update (then the larger instance id, then the larger store id, as the report does), the
report's eleven staff indicators (seven over records, four over the register's agencies) with
boolean masks and groupby per district and for the province, and a workbook of them per
district and province (numerator, denominator, actual, target, gap) written with XlsxWriter.
Checks once (not timed) that the two workbooks show the same numerators, denominators and
actual values, for the province and for every district. Prints the minimum of each, peak
memory (max RSS) and the ratio. Needs python3-pandas, python3-xlsxwriter and python3-openpyxl
(Debian's, for /usr/bin/python3). Not a test: numbers depend on the machine.
Run: /usr/bin/python3 bench/bench_peer.py build/ictsurvey 200000 40"""
import os
import sys

# The staff indicators of schema/definitions/targets.yaml, in its order, as the analyst copies
# them into the script: the targets (all "at least"), by year.
TARGETS = {
    "cbccvc_it_capable": {2015: 1.0},
    "health_it_capable": {2015: 1.0},
    "dept_cio": {2015: 1.0, 2020: 1.0},
    "district_pc_cio": {2015: 0.7, 2020: 1.0},
    "dept_it_staff": {2015: 1.0},
    "district_pc_it_staff": {2015: 1.0},
    "it_staff_security_trained": {2015: 1.0},
    "state_it_staff_college_plus": {2015: 1.0},
    "school_it_staff_tc_plus": {2015: 1.0},
    "it_staff_university_plus": {2020: 1.0},
    "teacher_ict": {2015: 0.65},
}
YEARS = (2015, 2020)


def peer(directory, out):
    """The analyst's script: the CSVs of directory/csv and the register in directory to out."""
    import glob

    import pandas as pd

    files = sorted(glob.glob(os.path.join(directory, "csv", "*.csv.gz")))
    staff = pd.concat([pd.read_csv(f, dtype={"district": str}) for f in files], ignore_index=True)
    districts = pd.read_csv(os.path.join(directory, "districts.csv"), dtype=str)
    agencies = pd.read_csv(os.path.join(directory, "agencies.csv"), dtype=str)

    # one record per person and round: the latest update, then the larger instance, store id
    staff = staff.sort_values(["round", "person_id", "updated_at", "instance_id", "store_id"])
    staff = staff.drop_duplicates(["round", "person_id"], keep="last")
    s = staff[staff["round"] == staff["round"].max()]  # the latest round, as the report's default

    wt, degree = s["workplace_type"], s["it_degree"]
    it_staff = s["is_it_staff"] == 1
    modules = " " + s["it_modules"].fillna("") + " "
    six = pd.concat([modules.str.contains(" iu0%d " % k, regex=False) for k in range(1, 7)], axis=1).all(axis=1)
    capable = (degree != "none") | (s["it_certificate"] != "none") | six
    records = {  # indicator: (who is counted, who meets it)
        "cbccvc_it_capable": (s["category"].isin(["civil_servant", "public_employee"]), capable),
        "health_it_capable": (wt == "health", capable),
        "it_staff_security_trained": (it_staff & wt.isin(["dept", "district_pc"]),
                                      (s["security_trained"] == 1) & (s["sysadmin_trained"] == 1)),
        "state_it_staff_college_plus": (it_staff & wt.isin(["dept", "district_pc", "commune_pc", "training_centre"]),
                                        degree.isin(["cao_dang", "dai_hoc", "thac_si", "tien_si"])),
        "school_it_staff_tc_plus": (it_staff & (wt == "school"),
                                    degree.isin(["trung_cap", "cao_dang", "dai_hoc", "thac_si", "tien_si"])),
        "it_staff_university_plus": (it_staff, degree.isin(["dai_hoc", "thac_si", "tien_si"])),
        "teacher_ict": ((s["teaches"] == 1) & (wt == "school"), s["ict_in_teaching"] == 1),
    }
    # every register agency of the type counts; it has one when any of its staff has
    agency_rules = {  # indicator: (agency type, field, per district)
        "dept_cio": ("dept", "is_cio", False),
        "district_pc_cio": ("district_pc", "is_cio", True),
        "dept_it_staff": ("dept", "is_it_staff", False),
        "district_pc_it_staff": ("district_pc", "is_it_staff", True),
    }

    counts = pd.DataFrame({"district": s["district"]})
    for name, (where, meets) in records.items():
        counts[name + " den"] = where
        counts[name + " num"] = where & meets
    per_district = counts.groupby("district").sum().reindex(districts["code"], fill_value=0)
    province = counts.drop(columns="district").sum()

    codes = districts["code"].tolist()
    frames = []
    for name in TARGETS:
        if name in records:
            num = [province[name + " num"]] + per_district[name + " num"].tolist()
            den = [province[name + " den"]] + per_district[name + " den"].tolist()
            areas = [""] + codes
        else:
            kind, field, by_district = agency_rules[name]
            register = agencies[agencies["type"] == kind]
            has = register["code"].isin(s.loc[s[field] == 1, "agency"].unique())
            num, den, areas = [int(has.sum())], [len(register)], [""]
            if by_district:
                num += has.groupby(register["district"]).sum().reindex(codes, fill_value=0).tolist()
                den += register.groupby("district").size().reindex(codes, fill_value=0).tolist()
                areas += codes
        frames.append(pd.DataFrame({"indicator": name, "district": areas, "numerator": num, "denominator": den}))
    table = pd.concat(frames, ignore_index=True)
    table["area"] = table["district"].map(dict(zip(districts["code"], districts["name_en"]))).fillna("Province")
    table["actual"] = table["numerator"] / table["denominator"].where(table["denominator"] > 0)
    for year in YEARS:
        target = table["indicator"].map({k: v.get(year) for k, v in TARGETS.items()})
        table["target %d" % year] = target
        table["gap %d" % year] = (target - table["actual"]).clip(lower=0)
    columns = ["indicator", "district", "area", "numerator", "denominator", "actual"] + [
        "%s %d" % (what, year) for year in YEARS for what in ("target", "gap")]
    with pd.ExcelWriter(out, engine="xlsxwriter") as xl:
        table[columns].to_excel(xl, sheet_name="Indicators", index=False)
        sheet, percent = xl.sheets["Indicators"], xl.book.add_format({"num_format": "0.0%"})
        sheet.set_column(0, 0, 28)
        sheet.set_column(2, 2, 20)
        sheet.set_column(5, len(columns) - 1, 11, percent)
        sheet.autofilter(0, 0, len(table), len(columns) - 1)


def make_peer_input(ictsurvey, directory, files, peer_dir):
    """One gzip CSV per bundle (the records its store carries) and the register, once."""
    import csv
    import gzip
    import shutil
    import sqlite3
    import subprocess

    ready = os.path.join(peer_dir, "ready")
    if os.path.exists(ready) and os.path.getmtime(ready) >= os.path.getmtime(os.path.join(directory, "ready")):
        return
    if os.path.exists(ready):
        os.remove(ready)
    csv_dir = os.path.join(peer_dir, "csv")
    os.makedirs(csv_dir, exist_ok=True)
    db = os.path.join(peer_dir, "export.db")
    fresh(db)
    shutil.copyfile(os.path.join(directory, "base.db"), db)
    subprocess.run([ictsurvey, "merge", "--db", db, "--require-sealed", "--key",
                    os.path.join(directory, "keys", "central.key"), *files], check=True, capture_output=True)
    con = sqlite3.connect(db)
    names = [row[1] for row in con.execute("PRAGMA table_info(form_staff)")]
    # the record's identity, then the natural key person_id and every answer after it; a
    # select_multiple column holds its codes space-separated (as its child table form_staff__F)
    columns = ["instance_id", "store_id", "round", "updated_at"] + names[names.index("person_id"):]
    select = "SELECT %s FROM form_staff WHERE store_id = ? ORDER BY rowid" % ", ".join('"%s"' % c for c in columns)
    for path, store in con.execute("SELECT file_name, store_id FROM bundles").fetchall():
        out = os.path.join(csv_dir, os.path.basename(path).replace(".bundle", ".csv.gz"))
        with gzip.open(out, "wt", newline="", encoding="utf-8", compresslevel=6) as f:
            w = csv.writer(f)
            w.writerow(columns)
            w.writerows(con.execute(select, (store,)))
    for table, out in (("unit_districts", "districts.csv"), ("unit_agencies", "agencies.csv")):
        cur = con.execute("SELECT * FROM %s ORDER BY code" % table)
        with open(os.path.join(peer_dir, out), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow([d[0] for d in cur.description])
            w.writerows(cur)
    rows = con.execute("SELECT count(*) FROM form_staff").fetchone()[0]
    con.close()
    fresh(db)
    with open(ready, "w") as f:
        f.write("%d records in %d CSVs\n" % (rows, len(os.listdir(csv_dir))))


def fresh(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def compare(ours, theirs):
    """Whether the peer's workbook shows the numbers of ictsurvey's: (agree, what was compared)."""
    import openpyxl

    book = openpyxl.load_workbook(theirs, read_only=True)
    summary, by_district = book.worksheets[0], book.worksheets[1]  # Summary, By district
    want = {}
    header = None
    for row in summary.iter_rows(values_only=True):
        if row and row[0] in TARGETS:
            # columns: id, name, clause, actual, numerator, denominator, then per target year
            # target, status, gap, needed ("Mục tiêu 2015" / "Target 2015" in the header)
            want[(row[0], "")] = (row[3], row[4], row[5])
            for year in YEARS:
                col = next(i for i, h in enumerate(header) if isinstance(h, str) and h.endswith(" %d" % year))
                want[(row[0], "target %d" % year)] = row[col]
        elif not want:
            header = row  # the last row above the first indicator's
    rows = list(by_district.iter_rows(values_only=True))
    ids = rows[0]
    district_actual = {}
    for row in rows[1:]:
        if row and row[0]:
            for i, name in enumerate(ids):
                if name in TARGETS:
                    district_actual[(name, str(row[0]))] = row[i]
    book.close()

    book = openpyxl.load_workbook(ours, read_only=True)
    rows = list(book["Indicators"].iter_rows(values_only=True))
    book.close()
    col = {h: i for i, h in enumerate(rows[0])}

    def close(a, b):  # an XlsxWriter number keeps 16 significant digits
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-12)

    bad = []
    seen_districts = set()
    for row in rows[1:]:
        name, district = row[col["indicator"]], row[col["district"]] or ""
        got = (row[col["actual"]], row[col["numerator"]], row[col["denominator"]])
        if district == "":
            actual, num, den = want.pop((name, ""), (None, None, None))
            if not (close(got[0], actual) and got[1] == num and got[2] == den):
                bad.append("%s: peer %s, ictsurvey %s" % (name, got, (actual, num, den)))
            for year in YEARS:
                if not close(row[col["target %d" % year]], want.get((name, "target %d" % year))):
                    bad.append("%s: target %d differs" % (name, year))
        else:
            seen_districts.add(district)
            actual = district_actual.pop((name, str(district)), None)
            if not close(got[0], actual):
                bad.append("%s in %s: peer %s, ictsurvey %s" % (name, district, got[0], actual))
    bad += ["%s: not in the peer's workbook" % k[0] for k in want if k[1] == ""]
    bad += ["%s in %s: only ictsurvey shows it" % k for k, v in district_actual.items() if v is not None]
    return bad, "%d staff indicators, province and %d districts" % (len(TARGETS), len(seen_districts))


def main():
    import shutil

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bundles import prepare, timed

    argv = sys.argv[1:]
    runs = 3
    if "--runs" in argv:
        runs = int(argv[argv.index("--runs") + 1])
        del argv[argv.index("--runs"):argv.index("--runs") + 2]
    ictsurvey = os.path.abspath(argv[0])
    records = int(argv[1]) if len(argv) > 1 else 200000
    bundles = int(argv[2]) if len(argv) > 2 else 40
    directory, files = prepare(ictsurvey, records, bundles)
    n = (records // bundles) * bundles
    peer_dir = os.path.join(directory, "peer")
    make_peer_input(ictsurvey, directory, files, peer_dir)
    key = os.path.join(directory, "keys", "central.key")
    db = os.path.join(peer_dir, "central.db")
    theirs = os.path.join(peer_dir, "ictsurvey.xlsx")
    ours = os.path.join(peer_dir, "peer.xlsx")

    best, peak = {}, {}

    def note(what, t, rss=0.0):
        best[what] = min(best.get(what, t), t)
        peak[what] = max(peak.get(what, 0.0), rss)

    verdict = None
    for run in range(runs):
        fresh(db)
        shutil.copyfile(os.path.join(directory, "base.db"), db)
        merge, rss = timed([ictsurvey, "merge", "--db", db, "--require-sealed", "--key", key, *files])
        note("merge", merge, rss)
        report, rss = timed([ictsurvey, "report", "--db", db, "-o", theirs])
        note("report", report, rss)
        note("both", merge + report)
        t, rss = timed([sys.executable, os.path.abspath(__file__), "--peer", peer_dir, ours])
        note("peer", t, rss)
        if verdict is None:
            verdict = compare(ours, theirs)

    fresh(db)  # a copy of the merge, as large as the records
    bad, what = verdict
    both, p = best["both"], best["peer"]
    print("merge    %7d records in %d bundles  %6.2f s  peak %6.1f MiB" % (n, bundles, best["merge"], peak["merge"]))
    print("report   default options               %6.2f s  peak %6.1f MiB%s" % (
        best["report"], peak["report"], "  (with the staff record sheet)" if n <= 100000 else ""))
    print("merge + report                         %6.2f s" % both)
    print("peer     pandas + XlsxWriter, %2d CSVs  %6.2f s  peak %6.1f MiB  (merge + report) / peer = %.2f"
          % (len(files), p, peak["peer"], both / p))
    if bad:
        print("DISAGREE on %s:\n  %s" % (what, "\n  ".join(bad[:10])))
    else:
        print("agree    on %s (numerators, denominators, actual)" % what)
    print("(minimum of %d interleaved runs; inputs and workbooks in %s)" % (runs, peer_dir))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
