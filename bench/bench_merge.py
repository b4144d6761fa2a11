#!/usr/bin/env python3
"""bench_merge.py ICTSURVEY [RECORDS [BUNDLES]] [--shuffle] [--runs N] - how fast the central
office merges. Makes (once, bench/bundles.py) BUNDLES (default 40) signed and sealed bundles
holding RECORDS (default 200,000) staff records, then, N times (default 3) and interleaved:
merges them all with one `ictsurvey merge --require-sealed --key` into a copy of the freshly
published central database; decompresses them with `zcat`; and loads the same records, as a
CSV of the merged form table, with `sqlite3 .import` into an empty database. Prints the
minimum of each, records/s and peak memory (max RSS) of the merge, and the ratios. With
--shuffle the natural keys are spread instead of rising. The last merged database is kept for
bench_report.py. Not a test: numbers depend on the machine.
Run: /usr/bin/python3 bench/bench_merge.py build/ictsurvey 200000 40"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundles import prepare, timed  # noqa: E402

argv = sys.argv[1:]
shuffle = "--shuffle" in argv
runs = 3
if "--runs" in argv:
    runs = int(argv[argv.index("--runs") + 1])
    del argv[argv.index("--runs"):argv.index("--runs") + 2]
argv = [a for a in argv if a != "--shuffle"]
ictsurvey = os.path.abspath(argv[0])
records = int(argv[1]) if len(argv) > 1 else 200000
bundles = int(argv[2]) if len(argv) > 2 else 40
directory, files = prepare(ictsurvey, records, bundles, shuffle)
n = (records // bundles) * bundles
db = os.path.join(directory, "central.db")
key = os.path.join(directory, "keys", "central.key")
csv = os.path.join(directory, "staff.csv")
imported = os.path.join(directory, "import.db")


def fresh(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


best = {}
peak = 0.0
for run in range(runs):
    fresh(db)
    shutil.copyfile(os.path.join(directory, "base.db"), db)
    t, rss = timed([ictsurvey, "merge", "--db", db, "--require-sealed", "--key", key, *files])
    best["merge"] = min(best.get("merge", t), t)
    peak = max(peak, rss)
    t, _ = timed(["sh", "-c", 'for f in "$@"; do zcat "$f"; done', "zcat", *files])
    best["zcat"] = min(best.get("zcat", t), t)
    if not os.path.exists(csv):
        with open(csv, "w") as f:
            subprocess.run(["sqlite3", "-csv", "-header", db, "SELECT * FROM form_staff"], stdout=f, check=True)
    fresh(imported)
    t, _ = timed(["sqlite3", imported, ".import --csv %s staff" % csv])
    best["import"] = min(best.get("import", t), t)

merge = best["merge"]
print("merge    %7d records in %d bundles  %6.2f s  %8.0f records/s  peak %5.1f MiB%s"
      % (n, bundles, merge, n / merge, peak, "  (shuffled keys)" if shuffle else ""))
print("zcat     the same bundles              %6.2f s  merge / zcat    = %.1f" % (best["zcat"], merge / best["zcat"]))
print("sqlite3 .import of the same records    %6.2f s  merge / .import = %.2f" % (best["import"], merge / best["import"]))
print("(minimum of %d interleaved runs; merged database kept for bench_report.py: %s)" % (runs, db))
