#!/usr/bin/env python3
"""bench_sealed.py ICTSURVEY [N] - what sealing costs. Fills one collector store with N
(default 200,000) staff records, exports it signed only and then sealed to a central key, and
merges each bundle into a new central database (the sealed one with --key). Prints wall time,
records/s and peak memory (max RSS) of each step, and the bundles' sizes. Not a test: numbers
depend on the machine. Run: /usr/bin/python3 bench/bench_sealed.py build/ictsurvey"""
import os
import subprocess
import sys
import tempfile
import time

ictsurvey = os.path.abspath(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="ics-bench-sealed-")


def path(name):
    return os.path.join(tmp, name)


def peak_of(*args):
    """Runs ictsurvey with args in a fresh child; returns (seconds, max RSS in MiB)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(ictsurvey, [ictsurvey, *args])
    start = time.monotonic()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    if status != 0:
        sys.exit("failed: ictsurvey " + " ".join(args))
    return elapsed, usage.ru_maxrss / 1024.0


with open(path("staff.yaml"), "w") as f:
    subprocess.run([sys.executable, os.path.join(here, "staffgen.py"), str(n)], stdout=f, check=True)
subprocess.run([ictsurvey, "keys", "init", "--dir", path("keys")], check=True, capture_output=True)
store = path("bench.store")
subprocess.run([ictsurvey, "collect", "init", "--store", store, "--site", "bench", "--surveyor", "bench",
                "--round", "2013"], check=True, capture_output=True)
subprocess.run([ictsurvey, "collect", "fill", "--store", store, "staff", "--answers", path("staff.yaml")],
               check=True, stdout=subprocess.DEVNULL)

rows = []
t, rss = peak_of("collect", "export", "--store", store, "-o", path("signed.bundle"))
rows.append(("export, signed", t, rss, os.path.getsize(path("signed.bundle"))))
subprocess.run([ictsurvey, "collect", "set-key", "--store", store, "--central-key", path("keys/central.pub")],
               check=True, capture_output=True)
t, rss = peak_of("collect", "export", "--store", store, "-o", path("sealed.bundle"))
rows.append(("export, sealed", t, rss, os.path.getsize(path("sealed.bundle"))))
t, rss = peak_of("merge", "--db", path("signed.db"), path("signed.bundle"))
rows.append(("merge, signed", t, rss, None))
t, rss = peak_of("merge", "--db", path("sealed.db"), "--key", path("keys/central.key"), path("sealed.bundle"))
rows.append(("merge, sealed", t, rss, None))
for label, t, rss, size in rows:
    print("%-15s %7d records  %6.2f s  %8.0f records/s  peak %5.1f MiB%s"
          % (label, n, t, n / t, rss, "  (bundle %.2f MB)" % (size / 1e6) if size else ""))
