#!/usr/bin/env python3
"""test_wizard.py ICTSURVEY - the terminal wizard as a commune surveyor meets it, one test per
fault that surveyors found (issue 15's findings 1-6 and 9): answers made invalid by a later
change, edits that must not turn a finalized record into a draft, resuming where the surveyor
stopped, long lists on an 80x25 screen, choices typed as people type them, the questions a
change on the review screen makes necessary, and what Ctrl-C says. Piped input where the
screen does not matter, a pseudo-terminal of 80x25 where it does. Only the standard library:
run with /usr/bin/python3."""
import fcntl
import os
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata

from support import check, finish

ICTSURVEY = os.path.abspath(sys.argv[1])


def run(*args, stdin=None):
    return subprocess.run([ICTSURVEY, *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def newest(store, instance_id):
    """(answers as a dict, status, revision, number of revisions) of a record."""
    db = sqlite3.connect(store)
    rows = db.execute("SELECT answers, status, revision FROM records WHERE instance_id = ?"
                      " ORDER BY revision DESC", (instance_id,)).fetchall()
    db.close()
    if not rows:
        return None, None, None, 0
    values = dict(line.split("=", 1) for line in rows[0][0].splitlines() if "=" in line)
    return values, rows[0][1], rows[0][2], len(rows)


def fill(store, form, lines, *extra):
    """The wizard with piped answers, in English; returns (ids printed, screen, exit status)."""
    r = run("collect", "fill", "--store", store, form, "--lang", "en", *extra,
            stdin="\n".join(lines) + "\n")
    return r.stdout.split(), r.stderr, r.returncode


class Terminal:
    """The program on a pseudo-terminal of 80 columns and 25 rows."""

    def __init__(self, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
            os.execv(ICTSURVEY, [ICTSURVEY, *args])
        self.screen = b""

    def wait(self, done, timeout):
        """Reads the screen until done(screen) holds, the program ends or timeout seconds pass;
        whether done(screen) holds."""
        end = time.time() + timeout
        while not done(self.screen) and time.time() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.3)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.screen += chunk
        return done(self.screen)

    def expect(self, text, timeout=20):
        return self.wait(lambda screen: text.encode() in screen, timeout)

    def send(self, text):
        os.write(self.fd, text.encode())

    def answer(self, line, timeout=20):
        """Types a line once the program waits for it (its screen ends in the prompt "> "): typed
        earlier, the terminal's echo lands in the middle of whatever is still being printed."""
        self.wait(lambda screen: screen.endswith(b"> "), timeout)
        self.send(line + "\r")

    def text(self):
        return self.screen.decode("utf-8", "replace").replace("\r\n", "\n")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def width(line):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in line)


tmp = tempfile.mkdtemp(prefix="ics-wizard-")


def new_store(name):
    """A store of its own, so that no draft menu comes before a test's first answer."""
    path = os.path.join(tmp, name + ".store")
    r = run("collect", "init", "--store", path, "--site", "Xã An Thạnh", "--surveyor", "Trần Văn B",
            "--round", "2013")
    check(r.returncode == 0, "init: " + r.stderr)
    return path


store = new_store("xa")

SCHOOL_START = ["TH-01", "Trường Tiểu học An Thạnh", "803", "primary"]

# ---- 1. Enter must not keep an answer that an earlier change made invalid -----------------
ids, screen, rc = fill(store, "school", SCHOOL_START + ["1200", "1100", "<", "<", "1000", "", "900", ":q"])
check(rc == 0 and len(ids) == 1, "1: wizard ran: %s %s" % (rc, screen[-800:]))
values, status, _, _ = newest(store, ids[0]) if ids else (None, None, None, 0)
check(values and values.get("students_total") == "1000" and values.get("students_informatics") == "900",
      "1: Enter at an answer made invalid asks again, 900 is stored: %s" % values)
check(values is not None and "teachers_total" not in values,
      "1: the answer after the invalid one was not shifted to the next question: %s" % values)
check("no longer valid" in screen, "1: the change says which answers it made invalid")
# on the review screen: lowering the total there asks informatics again at once, and Enter
# does not keep the answer it made invalid
ids, screen, rc = fill(store, "school", ["1", "30", "25", "20", "adsl", "y", "n", "5", "500", "", "400", "x"])
values, status, _, _ = newest(store, ids[0]) if ids else (None, None, None, 0)
check(status == "finalized" and values.get("students_total") == "500" and values.get("students_informatics") == "400",
      "1: after the review's change, informatics was asked again: %s %s\n%s" % (status, values, screen[-1500:]))
review = screen.find("== Review your answers ==")
check(review >= 0 and screen.find("Pupils learning informatics", screen.find("> ", review + 400)) > 0,
      "1: the question was asked again after the review")

# ---- 2. looking at a finalized record and quitting changes nothing ---------------------------
store2 = new_store("2")
ids, screen, rc = fill(store2, "school", ["TH-02", "Trường THCS Bình Đức", "794", "2", "600", "300", "30",
                                         "25", "20", "adsl", "y", "n", "x"])
final_id = ids[0] if ids else ""
values, status, revision, revisions = newest(store2, final_id)
check(status == "finalized", "2: a school finalized: %s %s" % (status, screen[-1500:]))
r = run("collect", "edit", "--store", store2, final_id, "--lang", "en", stdin="\n:q\n")
after, status2, revision2, revisions2 = newest(store2, final_id)
check(r.returncode == 0 and status2 == "finalized" and revisions2 == revisions,
      "2: edit, Enter, :q stores nothing: %s rev %s->%s %s" % (status2, revisions, revisions2, r.stderr[-600:]))
check("Nothing changed" in " ".join(r.stderr.split()), "2: and says so: " + r.stderr[-300:])
r = run("collect", "edit", "--store", store2, final_id, "--lang", "en", stdin="5\n700\n:q\n")
after, status3, _, revisions3 = newest(store2, final_id)
check(status3 == "finalized" and after.get("students_total") == "700" and revisions3 == revisions + 1,
      "2: a valid change keeps the record finalized, as one new revision: %s %s %s" % (status3, after, revisions3))
check("stays finalized" in " ".join(r.stderr.split()), "2: the quit message says it stays finalized: " + r.stderr[-300:])

# ---- 3. resume where the surveyor stopped, every draft by its title, jump, next record -------
staff = ["LA-10", "Nguyễn Thị Hoa", "2", "1985", "803", "dept", "SO-TTTT", "civil_servant", "staff", "n",
         "dai_hoc", "basic", "1 2 3"]
ids, screen, rc = fill(store, "staff", staff + [":q"])
draft_a = ids[0] if ids else ""
ids, screen, rc = fill(store, "staff", ["", "LA-11", ":q"])
draft_b = ids[0] if ids else ""
ids, screen, rc = fill(store, "staff", ["1", ":q"])
check("LA-10" in screen and "LA-11" in screen, "3: the menu lists every draft: " + screen[:1200])
menu_end = screen.find("to continue")
check(menu_end > 0 and draft_a not in screen[:menu_end] and "Nguyễn Thị Hoa · LA-10" in screen[:menu_end],
      "3: drafts are shown by title (name · staff code), not by UUID: " + screen[:menu_end])
first_question = re.search(r"Question (\d+)/", screen)
check(first_question and first_question.group(1) == "14",
      "3: resuming starts after the last answer (question 14), not at 1: %s"
      % (first_question.group(0) if first_question else screen[-600:]))
ids, screen, rc = fill(store, "staff", ["1", "#3", "1", ":q"])
values, _, _, _ = newest(store, draft_a)
check(values and values.get("gender") == "male" and "Question 3/" in screen, "3: #3 jumps to question 3: %s" % values)
ids, screen, rc = fill(store, "staff", ["1", "", "x", "y", "LA-12", ":q"])
check(len(ids) == 2 and ids[0] == draft_a and "Fill in the next record?" in screen,
      "3: after finalizing, the next record follows: %s" % ids)
values, status, _, _ = newest(store, draft_a)
check(status == "finalized", "3: the resumed draft was finalized: %s %s" % (status, screen[-1200:]))
carried, _, _, _ = newest(store, ids[1]) if len(ids) == 2 else (None, None, None, 0)
check(carried and carried.get("person_id") == "LA-12" and carried.get("district") == "803"
      and carried.get("workplace_type") == "dept" and carried.get("agency") == "SO-TTTT"
      and "full_name" not in carried and "gender" not in carried,
      "3: the next record carries district, workplace type and agency over, nothing else: %s" % carried)
r = run("collect", "edit", "--store", store, draft_a, "--lang", "en", stdin=":q\n")
check(r.stderr.find("== Review your answers ==") >= 0 and "Question 1/" not in r.stderr,
      "3: editing a complete record opens at the review, not question 1: " + r.stderr[-600:])

# ---- 5. choices by number, by code in any case, by label with or without diacritics --------
ids, screen, rc = fill(new_store("5a"), "staff", ["LA-20", "-", "Nữ", ":q"])
values, _, _, _ = newest(os.path.join(tmp, "5a.store"), ids[0]) if ids else (None, None, None, 0)
check(values and values.get("gender") == "female", "5: the label 'Nữ' picks female: %s %s" % (values, screen[-400:]))
ids, screen, rc = fill(new_store("5b"), "staff", ["LA-21", "-", "nu", ":q"])
values, _, _, _ = newest(os.path.join(tmp, "5b.store"), ids[0]) if ids else (None, None, None, 0)
check(values and values.get("gender") == "female", "5: 'nu' without diacritics picks female: %s" % values)
ids, screen, rc = fill(new_store("5c"), "staff", ["LA-22", "-", "robot", "FEMALE", "1980", "803", "dept", "SO-TTTT",
                                        "civil_servant", "staff", "n", "dai_hoc", "basic", "IU01, iu02", ":q"])
values, _, _, _ = newest(os.path.join(tmp, "5c.store"), ids[0]) if ids else (None, None, None, 0)
check(values and values.get("gender") == "female" and values.get("it_modules") == "iu01 iu02",
      "5: codes in any case: %s" % values)
bad = [line for line in screen.splitlines() if "robot" in line]
check(len(bad) == 1 and "1–2" in bad[0], "5: one error for 'robot', naming the range 1–2: %s" % bad)
check(screen.count("pick a number or a code") == 0, "5: the error does not repeat the general advice")

# ---- 6. a change on the review screen asks the questions it made necessary -----------------
answers = ["LA-30", "-", "1", "1980", "803", "dept", "SO-TTTT", "civil_servant", "staff", "n", "dai_hoc",
           "basic", "", "", "9", "leader", "y", "y", "x"]
ids, screen, rc = fill(new_store("6"), "staff", answers)
values, status, _, _ = newest(os.path.join(tmp, "6.store"), ids[0]) if ids else (None, None, None, 0)
check(values and values.get("position") == "leader" and values.get("is_cio") == "1"
      and values.get("cio_trained") == "1" and status == "finalized",
      "6: changing the position to leader asked is_cio and cio_trained before finalizing: %s %s\n%s"
      % (status, values, screen[-1500:]))

# ---- 9. the year's error, Ctrl-C: what was saved and the real command -----------------------
ids, screen, rc = fill(new_store("9"), "staff", ["LA-40", "-", "1", "nineteen", ":q"])
year_error = [line for line in screen.splitlines() if "whole number" in line]
check(year_error and "25" not in year_error[0], "9: a year's error gives no example of 25: %s" % year_error)
store9 = new_store("9-interrupt")
t = Terminal("collect", "fill", "--store", store9, "staff")
check(t.expect("Câu 1/"), "9: a new record, in Vietnamese")
t.send("\x03")
check(t.expect("Chưa lưu gì"), "9: Ctrl-C before any answer says nothing was saved")
t.close()
check("..." not in t.text() and "Đã lưu nháp" not in t.text(), "9: no '...' and no 'draft saved': " + t.text()[-500:])
t = Terminal("collect", "fill", "--store", store9, "staff")
check(t.expect("Câu 1/"), "9: a new record again (nothing was saved: no draft to offer)")
t.answer("LA-41")
check(t.expect("Câu 2/"), "9: question 2")
t.send("\x03")
check(t.expect("Làm tiếp bằng"), "9: Ctrl-C after an answer says how to continue")
t.expect("staff\n", 3)
t.close()
check(("ictsurvey collect fill --store %s staff" % store9) in t.text(),
      "9: the real command to continue: " + t.text()[-400:])
# copied whole; "^C" is the terminal's echo of Ctrl-C, which lands wherever the output was when
# the key was sent (under a sanitizer, in the middle of a hint), not the program's text
lines = [line.replace("^C", "") for line in t.text().splitlines() if not line.startswith("  ictsurvey ")]
check(all(width(line) <= 80 for line in lines), "9: no line wider than the 80-column screen: %s" % [line for line in lines if width(line) > 80])

# ---- 4. the agency list offers only what fits the district and the workplace type -------------
ids, screen, rc = fill(new_store("4-filter"), "staff", ["LA-60", "-", "1", "1980", "804", "district_pc", "SO-NV",
                                                        "1", ":q"])
values, _, _, _ = newest(os.path.join(tmp, "4-filter.store"), ids[0]) if ids else (None, None, None, 0)
question = screen[screen.find("Question 7/"):]
question = question[:question.find("Question 8/")]
check(values and values.get("agency") == "UBND-804", "4: the only agency offered was chosen: %s" % values)
check("UBND-804" in question and "SO-NV]" not in question and "UBND-803" not in question
      and "(1)" in question, "4: a district People's Committee is offered alone:\n" + question)
check("no choice 'SO-NV'" in question, "4: a department is refused there: " + question)

# ---- 4. long lists fit an 80x25 screen, and the question stays in sight --------------------
t = Terminal("collect", "fill", "--store", new_store("4"), "staff")
t.expect("Câu 1/")
for number, answer in enumerate(["LA-50", "-", "1", "1980", "803"], start=2):
    t.answer(answer)
    t.expect("Câu %d/" % number, 5)  # its echo is in: the next prompt is the next question's
check(t.expect("Câu 6/"), "4: at the workplace type")
t.answer("dept")
check(t.expect("Câu 7/"), "4: at the agency question")
check(t.expect("> "), "4: its prompt")
t.expect("\n> ", 1)
t.close()
screen = t.text()
question = screen[screen.rfind("Câu 7/"):]
check(len(question.splitlines()) <= 24, "4: the agency question with its list fits 24 rows: %d rows\n%s"
      % (len(question.splitlines()), question))
prompt = question.splitlines()[-1]
check("Sở, ngành" in prompt and re.search(r"1–\d+", prompt), "4: the prompt names the question and the range: %r" % prompt)

finish()
