#!/usr/bin/env python3
"""test_windows.py ICTSURVEY ZIP - the Windows program as surveyors get it
(dist/ictsurvey-windows-x64.zip of scripts/build-windows.sh), run under Debian's wine in a
fresh wine prefix, from folders with Vietnamese letters and Windows paths (Z:\\...):
the zip's contents; `check` on its CRLF definitions; the office's `keys init` and `kit`;
`collect init --kit`; `fill --answers` from YAML and CSV files with CRLF line ends; the wizard
with Vietnamese typed on its input, and on a console (wine's, on a pseudo-terminal); `edit`, `void`, `list`, `export`; the same store exported
by ictsurvey.exe and by the Linux program (ICTSURVEY), each bundle merged into a fresh copy
of the office's database, gives byte-identical CSV exports (merged and exported on Linux, and
on Windows too); `collect serve` driven by the Linux browser test (tests/test_browser.py in
headless Chromium, against ictsurvey.exe), the spreadsheet path (tests/test_spreadsheet.py) and
receipts and pre-filled rounds (tests/test_field.py) against it; the double-click launcher's
first and later starts.
Prints the start-up time of `ictsurvey.exe --version` (cold and warm)."""
import fcntl
import http.client
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import zipfile

import openpyxl  # Debian's python3-openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import ICTSURVEY, check, finish, path, query, run, staff, yaml_of  # noqa: E402

ZIP = os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "ictsurvey-windows-x64"
ZIP_LIMIT = 8 * 1000 * 1000

WINE_ENV = dict(os.environ)
WINE_ENV.update(WINEPREFIX=path("wine-prefix"), WINEDEBUG="-all",
                # no offer to install Mono or Gecko when the prefix is made
                WINEDLLOVERRIDES="mscoree,mshtml=", LANG="C.UTF-8")
WINE_ENV.pop("ICTSURVEY_DEFINITIONS", None)  # the program finds its own, beside it in the zip
WINE_ENV.pop("DISPLAY", None)
WINE = shutil.which("wine")


def win(p):
    """The Windows name of a path of this machine (wine's drive Z: is /)."""
    return "Z:" + os.path.abspath(p).replace("/", "\\")


class Result:
    def __init__(self, rc, out, err):
        self.returncode, self.stdout, self.stderr = rc, out, err


def exe(program, *args, stdin=None, lang="en", timeout=300):
    """ictsurvey.exe under wine; its output decoded as UTF-8 with Windows' line ends undone.
    The output goes through files, not pipes: wine's own service processes may outlive the
    program holding a pipe it inherited, and a pipe's end would then never come."""
    cmd = [WINE, program, *(["--lang", lang] if lang else []), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.run(cmd, input=stdin.encode() if stdin is not None else None,
                           stdin=None if stdin is not None else subprocess.DEVNULL,
                           stdout=out, stderr=err, env=WINE_ENV, timeout=timeout)
        out.seek(0)
        err.seek(0)
        said = [f.read().decode("utf-8", "replace").replace("\r\n", "\n") for f in (out, err)]
    return Result(p.returncode, *said)


def crlf(name, text, bom=False):
    with open(name, "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", "\r\n").encode())
    return name


if not check(WINE is not None, "wine is installed (scripts/test.sh installs wine and wine64)"):
    finish()

# ---- 1. the zip ----------------------------------------------------------------------------
size = os.path.getsize(ZIP)
print("zip: %s, %d bytes (%.2f MB)" % (os.path.basename(ZIP), size, size / 1e6), file=sys.stderr)
check(size <= ZIP_LIMIT, "the zip is at most 8 MB: %d bytes" % size)
with zipfile.ZipFile(ZIP) as z:
    names = set(z.namelist())
    for member in ["ictsurvey.exe", "HUONG-DAN.txt", "Mo-phieu-khao-sat.cmd",
                   "definitions/staff.yaml", "definitions/school.yaml",
                   "definitions/training_centre.yaml", "definitions/units.yaml",
                   "definitions/targets.yaml"]:
        check(NAME + "/" + member in names, "the zip holds %s/%s: %s" % (NAME, member, sorted(names)))
    guide = z.read(NAME + "/HUONG-DAN.txt")
    check(guide.startswith(b"\xef\xbb\xbf") and b"\r\n" in guide and b"\n" not in guide.replace(b"\r\n", b""),
          "the quick start: UTF-8 with a BOM (Notepad), CRLF lines")
    text = guide.decode("utf-8-sig")
    check(text.index("HƯỚNG DẪN NHANH") < text.index("QUICK START") and "Mo-phieu-khao-sat.cmd" in text,
          "the quick start: Vietnamese first, then English, naming the launcher")
    launcher = z.read(NAME + "/Mo-phieu-khao-sat.cmd")
    check(b"\r\n" in launcher and b"\n" not in launcher.replace(b"\r\n", b""), "the launcher has CRLF lines (cmd.exe)")
    # unpacked where a surveyor would: a folder with Vietnamese letters
    z.extractall(path("Phần mềm"))
EXE = path("Phần mềm/%s/ictsurvey.exe" % NAME)
objdump = shutil.which("x86_64-w64-mingw32-objdump")
if objdump:
    dump = subprocess.run([objdump, "-p", EXE], capture_output=True, text=True).stdout
    dlls = sorted(set(re.findall(r"DLL Name: (\S+)", dump)))
    windows_own = {"KERNEL32.DLL", "MSVCRT.DLL", "ADVAPI32.DLL", "SHELL32.DLL", "WS2_32.DLL", "USER32.DLL"}
    check(dlls and all(d.upper() in windows_own for d in dlls), "ictsurvey.exe needs no DLL but Windows' own: %s" % dlls)

# ---- 2. start-up -------------------------------------------------------------------------------
t0 = time.monotonic()
r = exe(EXE, "--version", lang=None)
cold = time.monotonic() - t0
check(r.returncode == 0 and r.stdout.startswith("ictsurvey "), "--version: %r %r" % (r.stdout, r.stderr))
# wine's server and services stay up until the end (wineserver -k), as Windows' are: each later
# start is a warm one (its output away from this test's pipes, which it would hold open)
subprocess.run(["wineserver", "-p"], env=WINE_ENV, stdin=subprocess.DEVNULL,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
warm = []
for _ in range(3):
    t0 = time.monotonic()
    exe(EXE, "--version", lang=None)
    warm.append(time.monotonic() - t0)
print("ictsurvey.exe --version under wine: %.2f s cold (a new wine prefix), %.3f s warm (best of 3)"
      % (cold, min(warm)), file=sys.stderr)

r = exe(EXE, "check")
check(r.returncode == 0 and r.stderr.count(" valid ") == 5 and "definitions\\staff.yaml" in r.stderr,
      "check: the zip's definitions (CRLF), found beside ictsurvey.exe: %s" % r.stderr)
r = exe(EXE, "check", lang="vi")
check(r.stderr.count(" hợp lệ ") == 5, "Vietnamese output arrives as UTF-8: %r" % r.stderr[:200])

# ---- 3. the office: keys and the survey kit ------------------------------------------------------
office = path("Sở Thông tin/Khóa")
os.makedirs(office)
r = exe(EXE, "keys", "init", "--dir", win(office + "/keys"))
check(r.returncode == 0 and os.path.isfile(office + "/keys/central.key") and "Office fingerprint" in r.stderr,
      "keys init in a folder with Vietnamese letters: %s" % r.stderr)
check(win(office + "/keys") + "\\central.key" in r.stderr, "its paths are Windows paths: %s" % r.stderr)
KEY = office + "/keys/central.key"
DB = office + "/central.db"
KIT = office + "/long-an-2013.kit"
r = exe(EXE, "kit", "--db", win(DB), "--key", win(KEY), "--round", "2013", "-o", win(KIT))
check(r.returncode == 0 and os.path.isfile(KIT) and os.path.isfile(DB), "kit: %s" % r.stderr)
fingerprint = re.search(r"Office fingerprint: (\S+)", r.stderr)
shutil.copy(DB, path("central-fresh.db"))  # published, nothing merged: each merge starts from a copy

# ---- 4. the surveyor's store ---------------------------------------------------------------------
site = path("Khảo sát/Xã An Thạnh")
os.makedirs(site)
STORE = site + "/an-thanh.store"
r = exe(EXE, "collect", "init", "--store", win(STORE), "--site", "Xã An Thạnh",
        "--surveyor", "Nguyễn Thị Hồng", "--kit", win(KIT))
check(r.returncode == 0 and os.path.isfile(STORE), "collect init --kit: %s" % r.stderr)
check(fingerprint and fingerprint.group(1) in r.stderr, "the same office fingerprint as kit printed: %s" % r.stderr)
check("Xã An Thạnh" in r.stderr and "Nguyễn Thị Hồng" in r.stderr, "the site and surveyor as given: %s" % r.stderr)
check(query(STORE, "SELECT value FROM meta WHERE key IN ('site', 'surveyor') ORDER BY key")
      == [("Xã An Thạnh",), ("Nguyễn Thị Hồng",)], "the site and surveyor stored in UTF-8, intact")

records = [staff("ST-01", full_name="Lê Thị Mai", gender="female"),
           staff("ST-02", full_name="Trần Văn Đức", gender="male", birth_year=1975)]
answers = crlf(site + "/cán bộ.yaml", yaml_of(records))
r = exe(EXE, "collect", "fill", "--store", win(STORE), "staff", "--answers", win(answers))
ids = r.stdout.split()
check(r.returncode == 0 and len(ids) == 2, "fill --answers YAML with CRLF: %s %s" % (r.stdout, r.stderr))

header = ["person_id", "full_name", "gender", "birth_year", "district", "workplace_type", "agency",
          "category", "position", "is_it_staff", "it_degree", "it_certificate"]
row = staff("ST-03", full_name="Phạm Hồng Nhung")
csv_text = ",".join(header) + "\n" + ",".join(str(row.get(h, "")) for h in header) + "\n"
answers_csv = crlf(site + "/thêm.csv", csv_text, bom=True)
r = exe(EXE, "collect", "fill", "--store", win(STORE), "staff", "--answers", win(answers_csv))
check(r.returncode == 0 and len(r.stdout.split()) == 1, "fill --answers CSV (BOM, CRLF): %s %s" % (r.stdout, r.stderr))

# the wizard, typed: the lines a Windows console gives (CRLF), Vietnamese as typed with Unikey,
# choices by their labels
typed = ["TH-ANTHANH-01", "Trường Tiểu học An Thạnh", "Huyện Bến Lức", "Tiểu học", "420", "380",
         "21", "12", "8", "1", "c", "k", "x", "k"]
r = exe(EXE, "collect", "fill", "--store", win(STORE), "school", lang="vi",
        stdin="".join(line + "\r\n" for line in typed))
check(r.returncode == 0 and len(r.stdout.split()) == 1, "the wizard finalizes a school: %s\n%s"
      % (r.stdout, r.stderr[-1500:] if r.stderr else ""))
check("Trường Tiểu học An Thạnh" in r.stdout + r.stderr and "Huyện Bến Lức" in r.stdout + r.stderr,
      "the wizard's review shows the Vietnamese typed, intact")

# the same on a console: wine's console on a pseudo-terminal of 80x25, so the wizard reads
# with ReadConsoleW and writes through the console relay (UTF-16), as on a PC's cmd.exe


class Console:
    """ictsurvey.exe in a console window of 80 columns and 25 rows."""

    def __init__(self, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
            os.execve(WINE, [WINE, EXE, *args], WINE_ENV)
        self.screen = b""

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.screen += chunk

    def expect(self, text, seconds=60):
        end = time.monotonic() + seconds
        while time.monotonic() < end and text.encode() not in self.text_bytes():
            self.pump(0.3)
        return text.encode() in self.text_bytes()

    def text_bytes(self):
        return re.sub(rb"\x1b\[[?0-9;]*[A-Za-z]", b"", self.screen)  # wine's cursor codes

    def text(self):
        return self.text_bytes().decode("utf-8", "replace")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


c = Console("collect", "fill", "--store", win(STORE), "school")
check(c.expect("Câu 1/12"), "the wizard on a console: its first question, in Vietnamese: %r" % c.text()[-400:])
for line in ["TH-BINHDUC-02", "Trường THCS Bình Đức", "huyện bến lức", "2", "600", "600",
             "32", "20", "15", "2", "có", "không"]:
    c.pump(0.5)
    os.write(c.fd, (line + "\r").encode())
check(c.expect("== Xem lại các câu trả lời =="), "the review: %r" % c.text()[-600:])
check("Tên trường: Trường THCS Bình Đức" in c.text() and "Huyện, thị xã, thành phố: Huyện Bến Lức" in c.text(),
      "the console shows the Vietnamese typed and the labels, readable: %r" % c.text()[-900:])
os.write(c.fd, b"x\r")
check(c.expect("Nhập bản ghi tiếp theo?"), "finalized, the next record offered: %r" % c.text()[-300:])
os.write(c.fd, b"k\r")
c.pump(3)
c.close()
values = [v for (v,) in query(STORE, "SELECT answers FROM records WHERE form_id = 'school'") if "TH-BINHDUC-02" in v]
check(values and "school_name=Trường THCS Bình Đức\n" in values[-1] and "district=803\n" in values[-1]
      and "level=lower_secondary\n" in values[-1],
      "stored as typed on the console (ReadConsoleW), the district by its label: %s" % values)
c = Console("collect", "list", "--store", win(STORE))
check(c.expect("TH-BINHDUC-02"), "collect list on a console")
c.pump(2)
c.close()
check("đã hoàn" in c.text() and "Trường THCS Bình Đức" in c.text(),
      "on a console list draws its table, statuses in words: %r" % c.text()[-800:])

edit = crlf(site + "/sửa.yaml", "- full_name: 'Trần Văn Đức'\n  birth_year: 1976\n")
r = exe(EXE, "collect", "edit", "--store", win(STORE), "ST-02", "--answers", win(edit))
check(r.returncode == 0, "edit by the staff code: %s" % r.stderr)
r = exe(EXE, "collect", "void", "--store", win(STORE), "ST-03", "--yes")
check(r.returncode == 0, "void by the staff code: %s" % r.stderr)
r = exe(EXE, "collect", "list", "--store", win(STORE))
lines = [line.split("\t") for line in r.stdout.splitlines()]
by_key = {cols[2]: cols for cols in lines if len(cols) >= 7}
check(r.returncode == 0 and set(by_key) == {"ST-01", "ST-02", "ST-03", "TH-ANTHANH-01", "TH-BINHDUC-02"},
      "list: the five records, tab-separated (not a console): %r" % r.stdout)
check(by_key.get("ST-02", [""] * 7)[3:5] == ["2", "finalized"] and by_key.get("ST-03", [""] * 7)[4] == "void"
      and "Trường Tiểu học An Thạnh" in by_key.get("TH-ANTHANH-01", [""] * 7)[6],
      "list: ST-02 edited (revision 2), ST-03 void, the school's title in Vietnamese: %r" % r.stdout)

# ---- 5. the same store exported by ictsurvey.exe and by the Linux program ---------------------------
LINUX_STORE = path("linux-copy.store")
shutil.copy(STORE, LINUX_STORE)
BUNDLE_WIN = site + "/gửi Sở.bundle"
r = exe(EXE, "collect", "export", "--store", win(STORE), "-o", win(BUNDLE_WIN))
check(r.returncode == 0 and os.path.isfile(BUNDLE_WIN), "export by ictsurvey.exe: %s" % r.stderr)
BUNDLE_LINUX = path("linux.bundle")
r = run("collect", "export", "--store", LINUX_STORE, "-o", BUNDLE_LINUX)
check(r.returncode == 0, "export by the Linux program: %s" % r.stderr)

# the office's key, made by ictsurvey.exe, as the Linux program wants a secret key: its owner's
# alone (wine leaves POSIX mode bits 0750 on the files it creates)
LINUX_KEY = path("linux-central.key")
shutil.copy(KEY, LINUX_KEY)
os.chmod(LINUX_KEY, 0o600)


def merged_csv(bundle, tag, program=None, forms=("staff", "school")):
    """The bundle merged into a fresh copy of the office's database; each form's CSV export."""
    db = path("central-%s.db" % tag)
    shutil.copy(path("central-fresh.db"), db)
    if program:
        r = exe(program, "merge", "--db", win(db), "--key", win(KEY), win(bundle))
    else:
        r = run("merge", "--db", db, "--key", LINUX_KEY, bundle)
    check(r.returncode == 0, "merge %s: %s" % (tag, r.stderr))
    out = {}
    for form in forms:
        csv = path("%s-%s.csv" % (tag, form))
        if program:
            r = exe(program, "export", "--db", win(db), "--form", form, "--include-personal", "-o", win(csv))
        else:
            r = run("export", "--db", db, "--form", form, "--include-personal", "-o", csv)
        check(r.returncode == 0, "export %s %s: %s" % (tag, form, r.stderr))
        out[form] = open(csv, "rb").read() if os.path.exists(csv) else b""
    return out


from_windows = merged_csv(BUNDLE_WIN, "from-windows")
from_linux = merged_csv(BUNDLE_LINUX, "from-linux")
on_windows = merged_csv(BUNDLE_WIN, "on-windows", program=EXE)
for form in ("staff", "school"):
    check(from_windows[form] and from_windows[form] == from_linux[form],
          "%s: the CSV of the bundle from ictsurvey.exe is byte-identical to the Linux one's" % form)
    check(on_windows[form] == from_linux[form],
          "%s: merged and exported by ictsurvey.exe, byte-identical too" % form)
staff_csv = from_windows["staff"].decode("utf-8")
check("Trần Văn Đức" in staff_csv and "1976" in staff_csv and "ST-03" not in staff_csv,
      "the merged records: the edit arrived, the void one is withdrawn: %s" % staff_csv[:600])

# a large bundle (2,500 records): the merge reads it ahead on a second thread (Windows threads in
# ictsurvey.exe), and gives the same database as the Linux program's
BIG_STORE = path("big.store")
r = run("collect", "init", "--store", BIG_STORE, "--site", "Xã Lớn", "--surveyor", "Big", "--kit", KIT)
check(r.returncode == 0, "collect init --kit of the large store: %s" % r.stderr)
with open(path("big.yaml"), "w", encoding="utf-8") as fh:
    fh.write(yaml_of([staff("L-%05d" % i, birth_year=1960 + i % 40) for i in range(2500)]))
r = run("collect", "fill", "--store", BIG_STORE, "staff", "--answers", path("big.yaml"))
check(r.returncode == 0, "fill the large store: %s" % r.stderr[-300:])
BIG_BUNDLE = path("big.bundle")
r = run("collect", "export", "--store", BIG_STORE, "-o", BIG_BUNDLE)
check(r.returncode == 0, "export the large store: %s" % r.stderr)
big_linux = merged_csv(BIG_BUNDLE, "big-linux", forms=("staff",))
big_windows = merged_csv(BIG_BUNDLE, "big-windows", program=EXE, forms=("staff",))
check(big_linux["staff"].count(b"\n") == 2501 and big_windows["staff"] == big_linux["staff"],
      "a large bundle merged by ictsurvey.exe: the same 2,500 records as on Linux (%d lines)"
      % big_windows["staff"].count(b"\n"))

# the office's workbook, written by ictsurvey.exe into a folder and a file named in Vietnamese
# (libxlsxwriter opens files by narrow names: the short 8.3 name is what it is given)
os.makedirs(path("Báo cáo"))
book = path("Báo cáo/phân tích khoảng cách.xlsx")
r = exe(EXE, "report", "--db", win(path("central-on-windows.db")), "-o", win(book))
check(r.returncode == 0 and os.path.isfile(book), "report into a Vietnamese folder: %s" % r.stderr)
if os.path.isfile(book):
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    check("Summary" in sheets or "Tổng hợp" in sheets, "the workbook opens (openpyxl): %s" % sheets)
check(not [f for f in os.listdir(path("Báo cáo")) if ".tmp-" in f], "no temporary file left beside it")

# ---- 6. collect serve, driven by the Linux browser test ----------------------------------------------
wrapper = path("ictsurvey-wine")
with open(wrapper, "w") as f:
    f.write("#!/bin/sh\n# ictsurvey.exe under wine, for tests written for the Linux program\n"
            "exec %s %s \"$@\"\n" % (WINE, "'" + EXE.replace("'", "'\\''") + "'"))
os.chmod(wrapper, 0o755)
browser_env = dict(WINE_ENV, ICTSURVEY_DEFINITIONS=os.environ["ICTSURVEY_DEFINITIONS"])
t0 = time.monotonic()
p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "test_browser.py"), wrapper],
                   capture_output=True, text=True, env=browser_env, timeout=900)
tally = re.search(r"(\d+) checks, (\d+) failed", p.stderr)
check(p.returncode == 0 and tally and int(tally.group(2)) == 0,
      "test_browser.py against ictsurvey.exe (exit %d): %s" % (p.returncode, p.stderr[-3000:]))
print("test_browser.py against ictsurvey.exe: %s in %.0f s" % (tally.group(0) if tally else "?", time.monotonic() - t0),
      file=sys.stderr)

# the spreadsheet path's files (encodings through the Windows API, separators, labels) imported
# by ictsurvey.exe as the Linux test imports them
p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "test_spreadsheet.py"), wrapper],
                   capture_output=True, text=True, env=browser_env, timeout=900)
tally = re.search(r"(\d+) checks, (\d+) failed", p.stderr)
check(p.returncode == 0 and tally and int(tally.group(2)) == 0,
      "test_spreadsheet.py against ictsurvey.exe (exit %d): %s" % (p.returncode, p.stderr[-3000:]))

# receipts and a round pre-filled from the last (issue 20), every step by ictsurvey.exe: the
# office's commands, collect receipt, update, confirm, and the browser's confirm
t0 = time.monotonic()
p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "test_field.py"), wrapper],
                   capture_output=True, text=True, env=dict(browser_env, ICTSURVEY_TEST_NO_SWEEPS="1"),
                   timeout=900)
tally = re.search(r"(\d+) checks, (\d+) failed", p.stderr)
check(p.returncode == 0 and tally and int(tally.group(2)) == 0,
      "test_field.py against ictsurvey.exe (exit %d): %s" % (p.returncode, p.stderr[-3000:]))
print("test_field.py against ictsurvey.exe: %s in %.0f s" % (tally.group(0) if tally else "?", time.monotonic() - t0),
      file=sys.stderr)

# ---- 7. the double-click launcher --------------------------------------------------------------------
def launch(folder, stdin_text, wait_for_address=True):
    """Mo-phieu-khao-sat.cmd in folder, as a double-click starts it (cmd /c), with --no-browser
    --lang en given on to serve; (the address line or None, the process)."""
    cmd = [WINE, "cmd", "/c", win(folder + "/Mo-phieu-khao-sat.cmd"), "--no-browser", "--lang", "en"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=WINE_ENV, start_new_session=True)
    if not wait_for_address:
        return None, proc
    proc.stdin.write(stdin_text.encode())
    proc.stdin.close()
    address = None
    end = time.monotonic() + 120
    while time.monotonic() < end:
        line = proc.stdout.readline().decode("utf-8", "replace").strip()
        if not line and proc.poll() is not None:
            break
        if line.startswith("http://127.0.0.1:"):
            address = line
            break
    return address, proc


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def home_page(address):
    m = re.match(r"http://127\.0\.0\.1:(\d+)(/\S*)", address or "")
    if not m:
        return ""
    conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=30)
    conn.request("GET", m.group(2), headers={"Host": "127.0.0.1:" + m.group(1)})
    body = conn.getresponse().read().decode("utf-8", "replace")
    conn.close()
    return body


pc = path("Máy xã Bình Đức")
shutil.copytree(path("Phần mềm/" + NAME), pc + "/" + NAME)
folder = pc + "/" + NAME
_, proc = launch(folder, "", wait_for_address=False)
try:
    out, err = proc.communicate(b"", timeout=120)
except subprocess.TimeoutExpired:
    stop(proc)
    out, err = b"", b""
said = (out + err).decode("utf-8", "replace")
check(proc.returncode == 1 and "no survey kit of the office (a .kit file) in the folder" in said
      and win(folder) in said,
      "without a kit the launcher says what to do and stops (exit %s): %s" % (proc.returncode, said))
check(not os.path.exists(folder + "/du-lieu/khao-sat.store"), "... and makes no store")

shutil.copy(KIT, folder + "/LONG-AN-2013.KIT")  # Windows' names ignore case
address, proc = launch(folder, "Xã Bình Đức\r\nTrần Văn Bình\r\n")
page = home_page(address)
stop(proc)
check(address and "Xã Bình Đức" in page and "Trần Văn Bình" in page,
      "first start: the store made from the kit, site and surveyor asked for and typed in "
      "Vietnamese, the server started: %r %s" % (address, page[:300]))
check(os.path.isfile(folder + "/du-lieu/khao-sat.store"), "the store is du-lieu\\khao-sat.store beside the launcher")
address, proc = launch(folder, "")
page = home_page(address)
stop(proc)
check(address and "Xã Bình Đức" in page, "a later start serves the same store at once: %r" % address)

subprocess.run(["wineserver", "-k"], env=WINE_ENV, stdin=subprocess.DEVNULL,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
finish()
