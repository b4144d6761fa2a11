"""bundles.py - the benchmarks' survey, made once and kept: the office's keys, a kit for round
2013 published into a central database (base.db), and BUNDLES signed and sealed bundles
holding RECORDS staff records in all (bench/staffgen.py), as the demo makes them: each store
made from the kit, filled through the answers-file import and exported. The directory is
reused when it is complete (a file 'ready' written last)."""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# a build run from the tree: the definitions of this repository, not an installed copy
os.environ.setdefault("ICTSURVEY_DEFINITIONS", os.path.join(HERE, "..", "schema", "definitions"))


def prepare(ictsurvey, records, bundles, shuffle=False, directory=None):
    """Returns (directory, [bundle paths]); makes them unless a complete directory exists."""
    directory = directory or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "ics-bench-%d-%d%s" % (records, bundles, "-shuffled" if shuffle else ""))
    files = [os.path.join(directory, "b%04d.bundle" % i) for i in range(bundles)]
    if os.path.exists(os.path.join(directory, "ready")):
        return directory, files
    os.makedirs(directory, exist_ok=True)

    def run(*args, **kw):
        subprocess.run([ictsurvey, *args], check=True, capture_output=True, **kw)

    start = time.monotonic()
    keys = os.path.join(directory, "keys")
    if not os.path.exists(os.path.join(keys, "central.key")):
        run("keys", "init", "--dir", keys)
    base = os.path.join(directory, "base.db")
    kit = os.path.join(directory, "round.kit")
    for stale in (base, kit):
        if os.path.exists(stale):
            os.remove(stale)
    run("kit", "--db", base, "--key", os.path.join(keys, "central.key"), "--round", "2013", "-o", kit)
    per = records // bundles
    answers = os.path.join(directory, "answers.yaml")
    for i, bundle in enumerate(files):
        store = os.path.join(directory, "s.store")
        if os.path.exists(store):
            os.remove(store)
        with open(answers, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "staffgen.py"), str(per), str(i), str(i * per)]
                           + (["--shuffle"] if shuffle else []), stdout=f, check=True)
        run("collect", "init", "--store", store, "--site", "site %d" % i, "--surveyor", "surveyor %d" % i,
            "--kit", kit)
        run("collect", "fill", "--store", store, "staff", "--answers", answers)
        if os.path.exists(bundle):
            os.remove(bundle)
        run("collect", "export", "--store", store, "-o", bundle)
        os.remove(store)
    os.remove(answers)
    with open(os.path.join(directory, "ready"), "w") as f:
        f.write("%d records in %d bundles\n" % (per * bundles, bundles))
    print("prepared %d bundles of %d records in %.0f s (%s)" % (bundles, per, time.monotonic() - start, directory))
    return directory, files


def timed(argv, stdout=None):
    """Runs argv in a fresh child; returns (seconds, max RSS in MiB); exits on failure."""
    out = os.open(stdout or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(out, 1)
        os.dup2(devnull, 2)
        os.execvp(argv[0], argv)
    start = time.monotonic()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    os.close(out)
    if status:
        sys.exit("failed (status %d): %s" % (status, " ".join(argv[:4])))
    return elapsed, usage.ru_maxrss / 1024.0
