#!/usr/bin/env python3
"""bench_collector.py ICTSURVEY [N] - imports N (default 100,000) staff records into a new
collector store with `collect fill --answers`, then exports them with `collect export`;
prints records/s, wall time and peak memory (max RSS) of each step. Not a test: numbers
depend on the machine. Run: /usr/bin/python3 bench/bench_collector.py build/ictsurvey"""
import os
import subprocess
import sys
import tempfile
import time

ictsurvey = os.path.abspath(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="ics-bench-")
answers = os.path.join(tmp, "staff.yaml")
with open(answers, "w") as f:
    subprocess.run([sys.executable, os.path.join(here, "staffgen.py"), str(n)], stdout=f, check=True)
store = os.path.join(tmp, "bench.store")
subprocess.run([ictsurvey, "collect", "init", "--store", store, "--site", "bench", "--surveyor", "bench",
                "--round", "2013"], check=True, capture_output=True)


def peak_of(args):
    """Runs args under a fresh child and returns (seconds, max RSS in MiB)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(args[0], args)
    start = time.monotonic()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    if status != 0:
        sys.exit("failed: " + " ".join(args))
    return elapsed, usage.ru_maxrss / 1024.0


size = os.path.getsize(answers) / 1e6
t, rss = peak_of([ictsurvey, "collect", "fill", "--store", store, "staff", "--answers", answers])
print("import  %7d records  %6.2f s  %8.0f records/s  peak %5.1f MiB  (answers file %.1f MB)"
      % (n, t, n / t, rss, size))
bundle = os.path.join(tmp, "bench.bundle")
t, rss = peak_of([ictsurvey, "collect", "export", "--store", store, "-o", bundle])
print("export  %7d records  %6.2f s  %8.0f records/s  peak %5.1f MiB  (bundle %.1f MB)"
      % (n, t, n / t, rss, os.path.getsize(bundle) / 1e6))
