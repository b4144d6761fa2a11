#!/usr/bin/env python3
"""bench_serve.py ICTSURVEY [RECORDS] [STORED] - the browser collector's time per answer:
`collect serve` on a store that already holds STORED staff records (default 2,000: a large
commune's store), then RECORDS (default 50) complete staff records answered one question at
a time through POST /answer, as the page sends them, each answer committed durably
(synchronous=FULL) before the server replies; then each record finalized. Prints the
answers' latency (median, 95th percentile, worst) as the client sees it, over keep-alive
connections like the browser's. Not a test: numbers depend on the machine's disk.
Run: /usr/bin/python3 bench/bench_serve.py build/ictsurvey"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ictsurvey = os.path.abspath(sys.argv[1])
records = int(sys.argv[2]) if len(sys.argv) > 2 else 50
preloaded = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="ics-bench-serve-")
store = os.path.join(tmp, "bench.store")
subprocess.run([ictsurvey, "collect", "init", "--store", store, "--site", "bench", "--surveyor", "bench",
                "--round", "2013"], check=True, capture_output=True)
if preloaded:
    answers = os.path.join(tmp, "staff.yaml")
    with open(answers, "w") as f:
        subprocess.run([sys.executable, os.path.join(here, "staffgen.py"), str(preloaded)], stdout=f, check=True)
    subprocess.run([ictsurvey, "collect", "fill", "--store", store, "staff", "--answers", answers],
                   check=True, capture_output=True)

server = subprocess.Popen([ictsurvey, "collect", "serve", "--store", store, "--no-browser"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
m = re.match(r"http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})", server.stdout.readline())
port, token = int(m.group(1)), m.group(2)
headers = {"Host": "127.0.0.1:%d" % port, "Origin": "http://127.0.0.1:%d" % port,
           "Cookie": "ictsurvey_%d=%s" % (port, token),
           "Content-Type": "application/x-www-form-urlencoded"}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def post(target, pairs):
    conn.request("POST", target, body=urllib.parse.urlencode(pairs), headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status not in (200, 303):
        sys.exit("%s: %d %s" % (target, r.status, data[:200]))
    return data


# one complete staff record, in the order a surveyor answers it (a school teacher: the
# questions on teaching apply too)
def answers_of(k):
    return [("person_id", ["BENCH-%05d" % k]), ("full_name", ["Nguyễn Thị Bình %d" % k]),
            ("gender", ["female"]), ("birth_year", ["1981"]), ("district", ["803"]),
            ("workplace_type", ["school"]), ("category", ["public_employee"]), ("position", ["staff"]),
            ("is_it_staff", ["0"]), ("it_degree", ["none"]), ("it_certificate", ["basic"]),
            ("it_modules", ["iu01", "iu02", "iu03"]), ("teaches", ["1"]), ("ict_in_teaching", ["1"]),
            ("training_needs", ["iu04"])]


latencies = []
start = time.monotonic()
for k in range(records):
    instance = ""
    for field, values in answers_of(k):
        pairs = [("lang", "vi"), ("instance", instance), ("form", "staff"), ("field", field)]
        pairs += [("value", v) for v in values]
        t = time.perf_counter()
        state = json.loads(post("/answer", pairs))
        latencies.append(time.perf_counter() - t)
        instance = state["instance"]
    post("/record/%s/finalize" % instance, [("lang", "vi")])
elapsed = time.monotonic() - start
server.terminate()
server.wait()

latencies.sort()
ms = [x * 1000 for x in latencies]
p95 = ms[int(0.95 * (len(ms) - 1))]
print("answers  %d (%d records of %d answers, store of %d records)" % (len(ms), records, len(answers_of(0)), preloaded))
print("latency  median %.2f ms  p95 %.2f ms  worst %.2f ms  (%.0f answers/s, %.1f s in all)"
      % (statistics.median(ms), p95, ms[-1], len(ms) / elapsed, elapsed))
