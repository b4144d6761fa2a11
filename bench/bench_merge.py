#!/usr/bin/env python3
"""bench_merge.py ICTSURVEY [BUNDLES] [RECORDS] - makes BUNDLES (default 200) collector
stores holding RECORDS (default 1,000,000) staff records in all, exports a bundle from each,
then merges them all into a new central database with one `ictsurvey merge` command.
Prints records/s, wall time and peak memory (max RSS) of the merge, and the time `zcat`
takes merely to decompress the same bundles. Not a test: numbers depend on the machine.
Run: /usr/bin/python3 bench/bench_merge.py build/ictsurvey"""
import glob
import os
import subprocess
import sys
import tempfile
import time

ictsurvey = os.path.abspath(sys.argv[1])
bundles = int(sys.argv[2]) if len(sys.argv) > 2 else 200
total = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
per = total // bundles
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="ics-bench-merge-")
start = time.monotonic()
for i in range(bundles):
    store = os.path.join(tmp, "s%03d.store" % i)
    answers = os.path.join(tmp, "a.yaml")
    with open(answers, "w") as f:
        subprocess.run([sys.executable, os.path.join(here, "staffgen.py"), str(per), str(i), str(i * per)],
                       stdout=f, check=True)
    subprocess.run([ictsurvey, "collect", "init", "--store", store, "--site", "site %d" % i,
                    "--surveyor", "surveyor %d" % i, "--round", "2013"], check=True, capture_output=True)
    subprocess.run([ictsurvey, "collect", "fill", "--store", store, "staff", "--answers", answers],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([ictsurvey, "collect", "export", "--store", store, "-o",
                    os.path.join(tmp, "b%03d.bundle" % i)], check=True, capture_output=True)
    os.remove(store)
print("prepared %d bundles of %d records in %.0f s" % (bundles, per, time.monotonic() - start))
files = sorted(glob.glob(os.path.join(tmp, "b*.bundle")))

t0 = time.monotonic()
for f in files:
    subprocess.run(["zcat", f], stdout=subprocess.DEVNULL, check=True)
zcat = time.monotonic() - t0

pid = os.fork()
if pid == 0:
    os.execv(ictsurvey, [ictsurvey, "merge", "--db", os.path.join(tmp, "central.db"), *files])
t0 = time.monotonic()
_, status, usage = os.wait4(pid, 0)
merge = time.monotonic() - t0
if status:
    sys.exit("merge failed")
n = per * bundles
print("merge   %d bundles, %d records  %6.1f s  %8.0f records/s  peak %5.1f MiB" % (bundles, n, merge, n / merge, usage.ru_maxrss / 1024))
print("zcat    the same bundles          %6.1f s  (merge / zcat = %.1f)" % (zcat, merge / zcat))
print("central database kept for bench_report.py: %s" % os.path.join(tmp, "central.db"))
