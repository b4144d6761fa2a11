#!/usr/bin/env python3
"""test_browser.py ICTSURVEY - the browser collector (`ictsurvey collect serve`) end to end in
headless Chromium driven by Selenium, as a surveyor uses it (issue 16): every shipped form
filled through the record page with Vietnamese text and finalized, then read back from
`collect list` and the store; a question appearing and disappearing with an answer; a
constraint message and a required message; the finalize gate and its links to the problems;
the staff agency list filtered by the register; carried answers in the next record; the server
killed with SIGKILL in the middle of a record and restarted; an edited finalized record that
stays finalized; void (with its confirm page) and unvoid; the export from the home page
(refused, written, the drafts warning, the download); what the server refuses (token, Origin,
Host, paths); and the record filled in the browser merged at the office and shown in the
workbook. Waits are on the page's own signals (form#record[data-saved="yes"], DOM conditions),
never on time.

Screenshots of the main pages go to the folder named by ICTSURVEY_SCREENSHOTS, when set.
Prints "staff record: N clicks, M keystrokes" for one complete staff record.

Needs /usr/bin/chromium and /usr/bin/chromedriver (exit 77 without them), python3-selenium
and python3-openpyxl: run with /usr/bin/python3."""
import atexit
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import traceback
import urllib.parse

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    print("SKIP: needs %s and %s (apt-get install chromium chromium-driver)" % (CHROMIUM, CHROMEDRIVER))
    sys.exit(77)

import openpyxl  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (ElementClickInterceptedException,  # noqa: E402
                                        ElementNotInteractableException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from support import DEFS, ICTSURVEY, check, finish, local_path, new_store, path, query, run  # noqa: E402

URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})\n$")
SHOTS = os.environ.get("ICTSURVEY_SCREENSHOTS")
WAIT = 15  # seconds a page signal may take before the check fails (2 slow cores, sanitizers off)
_procs = []


# ---- the server ---------------------------------------------------------------------------------
class Server:
    """collect serve --no-browser on a store; .base (http://127.0.0.1:PORT), .url (with the token)."""

    def __init__(self, store):
        self.err = open(path("serve-%d.err" % len(_procs)), "w")
        self.proc = subprocess.Popen([ICTSURVEY, "collect", "serve", "--store", store, "--no-browser"],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        _procs.append(self.proc)
        self.line = self.proc.stdout.readline()
        m = URL_LINE.match(self.line)
        check(m, "serve prints its address first: %r" % self.line)
        self.port, self.token = (int(m.group(1)), m.group(2)) if m else (0, "")
        self.base = "http://127.0.0.1:%d" % self.port
        self.url = self.line.strip()

    def request(self, method, target, body=None, headers=None, cookie=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Host": "127.0.0.1:%d" % self.port}
        if cookie:
            h["Cookie"] = cookie
        h.update(headers or {})
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, target, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def kill(self):
        self.proc.kill()  # SIGKILL: no chance to close anything
        return self.proc.wait(timeout=20)


# ---- the browser --------------------------------------------------------------------------------
class Abort(Exception):
    """A page signal that never came: the rest of that scenario cannot go on."""


class Browser:
    """Chromium with counters of the clicks and keystrokes the driver made."""

    def __init__(self):
        opts = Options()
        opts.binary_location = CHROMIUM
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=path(""))
        for a in ("--headless=new", "--no-sandbox", "--window-size=1366,768", "--disable-gpu",
                  "--disable-dev-shm-usage", "--user-data-dir=" + self.profile, "--lang=vi"):
            opts.add_argument(a)
        self.d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        atexit.register(self.quit)
        # the window's size includes the browser's frame: make the page itself 1366x768
        inner = self.d.execute_script("return [window.innerWidth, window.innerHeight]")
        self.d.set_window_size(1366 + 1366 - inner[0], 768 + 768 - inner[1])
        self.clicks = self.keys = 0

    def quit(self):
        if self.d:
            try:
                self.d.quit()
            finally:
                self.d = None

    # a page being replaced (a form posted) while a condition looks at it: look again
    PASSING = (NoSuchElementException, StaleElementReferenceException)

    @staticmethod
    def looking(cond):
        """cond() as a wait's test. Chromium reports an element of a page being replaced not
        only as stale but also as a plain inspector error ("Node with given id does not belong
        to the document"): that too means "not yet, look again"."""
        def test(_):
            try:
                return cond()
            except WebDriverException as e:
                if "does not belong to the document" in (e.msg or ""):
                    return False
                raise
        return test

    # -- finding things
    def one(self, css, within=None):
        return (within or self.d).find_element(By.CSS_SELECTOR, css)

    def all(self, css, within=None):
        return (within or self.d).find_elements(By.CSS_SELECTOR, css)

    def wait(self, cond, what, timeout=WAIT):
        """Waits for cond(); a check that fails (and aborts the scenario) when it never holds."""
        try:
            WebDriverWait(self.d, timeout, ignored_exceptions=self.PASSING).until(self.looking(cond))
            return True
        except TimeoutException:
            check(False, "%s (waited %ds; the browser shows %s: %r)" % (what, timeout, self.d.current_url, self.text()))
            raise Abort(what)

    def text(self):
        """The start of what the page says (to tell why a signal never came)."""
        try:
            return self.d.execute_script("return document.body ? document.body.innerText : ''")[:300]
        except Exception as e:  # the page itself is what is wrong: say so
            return "(no page: %s)" % type(e).__name__

    def soon(self, cond, timeout=5):
        """Whether cond() comes true within timeout (for checks that may fail and go on)."""
        try:
            WebDriverWait(self.d, timeout, ignored_exceptions=self.PASSING).until(self.looking(cond))
            return True
        except TimeoutException:
            return False

    # -- acting, counted
    def click(self, el):
        try:
            el.click()
        except (ElementClickInterceptedException, ElementNotInteractableException):
            # a styled radio or checkbox is clicked through its label; something over it: center it
            self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
            label = self.d.execute_script(
                "var e = arguments[0]; return e.closest('label') ||"
                " (e.id && document.querySelector('label[for=\"' + e.id + '\"]')) || e", el)
            label.click()
        self.clicks += 1

    def type(self, el, text, end=Keys.TAB):
        el.send_keys(text + (end or ""))
        self.keys += len(text) + (1 if end else 0)

    def press(self, el, *keys):
        el.send_keys(*keys)
        self.keys += len(keys)

    def go(self, url):
        self.d.get(url)

    def shot(self, name, scroll_to=None):
        if not SHOTS:
            return
        os.makedirs(SHOTS, exist_ok=True)
        if scroll_to is not None:
            self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", scroll_to)
        self.d.save_screenshot(os.path.join(SHOTS, name))

    # -- the record page
    SAVES = """
        var f = document.querySelector('form#record');
        if (!f) return -1;
        if (!window.__icsSaves) {
          window.__icsSaves = {n: 0};
          new MutationObserver(function (ms) { window.__icsSaves.n += ms.length; })
            .observe(f, {attributes: true, attributeFilter: ['data-saved']});
        }
        return window.__icsSaves.n;"""

    def saves(self):
        """How many times the page set data-saved since the observer was put on it (-1: no
        record page; a fresh page starts its own count)."""
        return self.d.execute_script(self.SAVES)

    def saved(self):
        return self.d.execute_script(
            "var f = document.querySelector('form#record'); return f && f.getAttribute('data-saved')")

    def sending(self, action, what):
        """Runs action (one answer given) and waits until the page sent it and the server
        committed it: data-saved changed since, and is "yes"."""
        before = self.saves()
        action()
        self.wait(lambda: self.saves() not in (before, -1) and self.saved() == "yes",
                  "the page saved %s (form#record[data-saved=yes])" % what)

    def record_form(self):
        return self.one("form#record")

    def wait_record(self, form, what):
        self.wait(lambda: self.all('form#record[data-form="%s"]' % form), what + ": a record page of " + form)
        self.saves()

    def instance(self):
        return self.record_form().get_attribute("data-instance")

    def status(self):
        els = self.all("#record-status [data-status]")
        return els[0].get_attribute("data-status") if els else None

    def q(self, field):
        return self.one("#q-%s" % field)

    def relevant(self, field):
        return self.q(field).is_displayed()

    def controls(self, field):
        return self.all('[name="%s"]' % field, self.q(field))

    def error(self, field):
        els = self.all('[data-error-for="%s"]' % field)
        return els[0].text.strip() if els else None

    def kind(self, field):
        q = self.q(field)
        if self.all('select[name="%s"]' % field, q):
            return "select"
        for k in ("radio", "checkbox"):
            if self.all('input[type=%s][name="%s"]' % (k, field), q):
                return k
        return "text"

    def answer(self, field, value):
        """Answers one question as a surveyor would: a text or number typed (the old value
        selected and typed over) and left with Tab; a radio or checkbox clicked; an option
        chosen in a list (counted as two clicks: open it, choose). A list value: the
        checkboxes clicked one by one. Waits for each answer to be saved."""
        kind = self.kind(field)
        q = self.q(field)
        if kind == "text":
            el = self.one('input[name="%s"]' % field, q)

            def typing():
                self.click(el)
                if el.get_property("value"):
                    self.press(el, Keys.CONTROL, "a")
                    self.keys -= 1  # Ctrl+A is one key press
                self.type(el, str(value))
            self.sending(typing, "%s = %r" % (field, value))
        elif kind == "radio":
            el = self.one('input[type=radio][name="%s"][value="%s"]' % (field, value), q)
            self.sending(lambda: self.click(el), "%s = %s" % (field, value))
            check(el.is_selected(), "%s: the radio %s is checked" % (field, value))
        elif kind == "select":
            el = self.one('select[name="%s"]' % field, q)

            def choosing():
                Select(el).select_by_value(str(value))
                self.clicks += 2
            self.sending(choosing, "%s = %s" % (field, value))
        else:
            for v in value:
                el = self.one('input[type=checkbox][name="%s"][value="%s"]' % (field, v), q)
                self.sending(lambda: self.click(el), "%s: %s ticked" % (field, v))

    def value(self, field):
        """The answer the page shows: text, the checked radio's value, the selected option's
        value, or the list of checked boxes."""
        kind = self.kind(field)
        q = self.q(field)
        if kind == "text":
            return self.one('input[name="%s"]' % field, q).get_property("value")
        if kind == "select":
            return self.one('select[name="%s"]' % field, q).get_property("value")
        checked = [e.get_attribute("value") for e in self.all('input[name="%s"]' % field, q) if e.is_selected()]
        return checked if kind == "checkbox" else (checked[0] if checked else "")

    def fill(self, answers):
        for field, value in answers:
            self.answer(field, value)

    def offered(self, field):
        """The choices a select offers (not hidden, not disabled), and whether every other one
        is both hidden and disabled."""
        return self.d.execute_script("""
            var s = document.querySelector('select[name="' + arguments[0] + '"]');
            var on = [], off_ok = true;
            for (var i = 0; i < s.options.length; i++) {
              var o = s.options[i];
              if (!o.value) continue;
              if (!o.hidden && !o.disabled) on.push(o.value);
              else if (!(o.hidden && o.disabled)) off_ok = false;
            }
            return [on, off_ok];""", field)

    def shown_options(self, field):
        """The option values of a select a person sees (not hidden by the search box or a filter)."""
        return self.d.execute_script("""
            var s = document.querySelector('select[name="' + arguments[0] + '"]');
            return Array.prototype.filter.call(s.options, function (o) {
              return o.value && !o.hidden && getComputedStyle(o).display != 'none';
            }).map(function (o) { return o.value; });""", field)

    def finalize(self):
        self.click(self.one('button[data-action="finalize"]'))

    def in_view(self, el):
        return self.d.execute_script(
            "var r = arguments[0].getBoundingClientRect();"
            " return r.bottom > 0 && r.top < window.innerHeight && r.height > 0", el)


# ---- reading what the store and the register say -------------------------------------------------
def register_agencies():
    """(code, type, district) of every agency of the shipped register."""
    text = open(os.path.join(DEFS, "units.yaml"), encoding="utf-8").read()
    text = text[text.index("\nagencies:"):]
    out = []
    for m in re.finditer(r'- code: (\S+)\n.*\n\s+type: (\S+)\n\s+district: "(\d+)"', text):
        out.append(m.groups())
    return out


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), v)


def stored(store):
    """instance id: (form, status, {field: value}) of each record's latest revision."""
    out = {}
    for iid, form, status, answers in query(
            store, "SELECT instance_id, form_id, status, answers FROM records r WHERE revision ="
                   " (SELECT max(revision) FROM records WHERE instance_id = r.instance_id)"):
        fields = {}
        for line in answers.split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = unescape(v)
        out[iid] = (form, status, fields)
    return out


def as_stored(answers):
    """The answers given (field, value) as the store keeps them: lists as space-separated codes."""
    return {f: " ".join(v) if isinstance(v, list) else str(v) for f, v in answers}


# ---- the records this test fills in ------------------------------------------------------------
# Staff S1: the benchmark record, a district People's Committee leader who is its CIO.
S1 = [("person_id", "BL-001"), ("full_name", "Nguyễn Thị Hằng"), ("gender", "female"),
      ("birth_year", "1985"), ("district", "803"), ("workplace_type", "district_pc"),
      ("agency", "UBND-803"), ("category", "civil_servant"), ("position", "leader"),
      ("is_cio", "1"), ("is_it_staff", "1"), ("it_degree", "dai_hoc"), ("it_certificate", "advanced"),
      ("it_modules", ["iu01", "iu02", "iu06"]), ("security_trained", "1"), ("sysadmin_trained", "0"),
      ("cio_trained", "1"), ("training_needs", ["security", "cio"])]
S1_NEW_NAME = "Nguyễn Thị Hằng Nga"
# Staff S2: the next record after S1, its workplace carried over; the rest given here.
S2_CARRIED = [("district", "803"), ("workplace_type", "district_pc"), ("agency", "UBND-803")]
S2 = [("person_id", "BL-002"), ("full_name", "Trần Văn Ất"), ("gender", "male"), ("birth_year", "1979"),
      ("category", "public_employee"), ("position", "staff"), ("is_it_staff", "0"),
      ("it_degree", "cao_dang"), ("it_certificate", "basic")]
# Staff S4: voided, restored, voided again.
S4 = [("person_id", "BL-004"), ("full_name", "Lê Thị Út"), ("gender", "female"), ("birth_year", "1990"),
      ("district", "806"), ("workplace_type", "commune_pc"), ("category", "contract"),
      ("position", "staff"), ("is_it_staff", "0"), ("it_degree", "none"), ("it_certificate", "cert_a")]
# The school: half before the server is killed, half after.
SCHOOL_BEFORE = [("school_code", "BL-TH-01"), ("school_name", "Trường Tiểu học Bình Đức 1 – Bến Lức"),
                 ("district", "803"), ("level", "primary"), ("students_total", "320")]
SCHOOL_AFTER = [("students_informatics", "300"), ("teachers_total", "18"), ("computers_working", "25"),
                ("computers_for_students", "20"), ("internet", "fiber"), ("mgmt_software", "1"),
                ("open_source", "0")]
CENTRE = [("centre_code", "TC-LA-01"), ("centre_name", "Trường Cao đẳng Sư phạm Long An – cơ sở Đức Hòa"),
          ("district", "802"), ("type", "college"), ("students_total", "2500"),
          ("students_it_trained", "1800"), ("lecturers_total", "120"), ("it_lecturers", "15"),
          ("it_lecturers_master_plus", "6"), ("english_instruction", "0")]
BIRTH_YEAR_MESSAGE = "Năm sinh phải từ 1940 đến 2010."
INFORMATICS_MESSAGE = "Phải từ 0 đến tổng số học sinh của trường."

keys_dir = path("keys")
r = run("keys", "init", "--dir", keys_dir)
check(r.returncode == 0, "keys init: " + r.stderr)
store = new_store("field.store", "UBND huyện Bến Lức", "Nguyễn Văn Bình", 2013,
                  extra=("--central-key", os.path.join(keys_dir, "central.pub")))
ids = {}
state = {}


def home(b, s):
    b.go(s.base + "/")
    b.wait(lambda: b.all('a[data-action="new"]'), "the home page")


def open_new(b, form):
    b.click(b.one('a[data-action="new"][data-form="%s"]' % form))
    b.wait_record(form, "the new-record link")


def wait_stored(b, what):
    b.wait(lambda: b.instance(), what + ": form#record gets its data-instance")
    iid = b.instance()
    b.soon(lambda: "/record/" in b.d.current_url, 5)
    check(urllib.parse.urlparse(b.d.current_url).path == "/record/" + iid,
          "%s: the address becomes /record/ID: %s" % (what, b.d.current_url))
    return iid


def finalized(b, what):
    b.wait(lambda: b.status() == "finalized", what + ": the status badge says finalized")


# ---- 11. what the server refuses; the first load in the browser ------------------------------------
def test_plumbing(b, s):
    status, _ = s.request("GET", "/")
    check(status == 403, "a request without the token: 403 (%d)" % status)
    b.go(s.url)
    b.wait(lambda: b.all('a[data-action="new"]'), "the first load with the token opens the home page")
    cookies = {c["name"]: c for c in b.d.get_cookies()}
    c = cookies.get("ictsurvey_%d" % s.port)
    check(c and c.get("httpOnly") and c["value"] == s.token, "the first load sets the HttpOnly cookie: %s" % cookies)
    cookie = "%s=%s" % (c["name"], c["value"]) if c else ""
    b.go(s.base + "/")
    forms = sorted(e.get_attribute("data-form") for e in b.all('a[data-action="new"]'))
    check(forms == ["school", "staff", "training_centre"], "the cookie alone opens the home page: %s" % forms)
    check(s.request("GET", "/", cookie=cookie)[0] == 200, "the browser's cookie outside the browser: 200")
    status, _ = s.request("POST", "/answer", body={"field": "person_id", "value": "X"}, cookie=cookie,
                          headers={"Origin": "http://evil.example"})
    check(status == 403, "POST /answer from a foreign Origin: 403 (%d)" % status)
    status, _ = s.request("POST", "/export", body={"folder": path("")}, cookie=cookie,
                          headers={"Origin": "http://127.0.0.1:%d" % (s.port + 1)})
    check(status == 403, "POST /export from another port's Origin: 403 (%d)" % status)
    status, _ = s.request("GET", "/", cookie=cookie, headers={"Host": "evil.example:%d" % s.port})
    check(status == 403, "a foreign Host: 403 (%d)" % status)
    for target in ("/assets/../server.c", "/assets/page.html", "/etc/passwd", "/..%2fweb.h"):
        status, _ = s.request("GET", target, cookie=cookie)
        check(status == 404, "%s, outside the assets: 404 (%d)" % (target, status))


# ---- 10a. export refused while nothing is finalized -------------------------------------------------
def click_export(b):
    b.click(b.one('form#export button[data-action="export"]'))
    b.wait(lambda: b.all('[data-export]'), "the export's result page")
    return b.one('[data-export]')


def test_export_refused(b, s):
    home(b, s)
    folder = local_path(b.one('form#export input[name="folder"]').get_property("value"))
    check(os.path.realpath(folder) == os.path.realpath(os.path.dirname(store)),
          "the export folder is the store's by default: %r" % folder)
    res = click_export(b)
    check(res.get_attribute("data-export") == "refused" and res.text.strip(),
          "nothing finalized: the export is refused with an explanation: %s %r"
          % (res.get_attribute("data-export"), res.text[:200]))
    check(not [f for f in os.listdir(os.path.dirname(store)) if f.endswith(".bundle")], "and no bundle written")


# ---- 1 (staff), the benchmark: one complete staff record ---------------------------------------------
def test_staff_benchmark(b, s):
    home(b, s)
    clicks, keys = b.clicks, b.keys
    open_new(b, "staff")
    check(b.instance() == "", "a new record has no data-instance before its first answer")
    b.answer(*S1[0])
    ids["S1"] = wait_stored(b, "staff S1")
    b.fill(S1[1:])
    b.finalize()
    finalized(b, "staff S1")
    state["benchmark"] = (b.clicks - clicks, b.keys - keys)
    print("staff record: %d clicks, %d keystrokes" % state["benchmark"])
    check([e for e in b.all('a[data-action="next"]') if e.is_displayed()], "a finalized record offers the next record")
    check(not [e for e in b.all('button[data-action="finalize"]') if e.is_displayed()],
          "and no finalize button any more")


# ---- 6, 2, 3, 4: the next record, carried answers, relevance, messages, the finalize gate --------------
def test_next_record(b, s):
    b.go(s.base + "/record/" + ids["S1"])
    b.wait_record("staff", "S1's page")
    b.click(b.one('a[data-action="next"]'))
    b.wait(lambda: "/new/staff" in b.d.current_url and b.all('form#record[data-form="staff"]'),
           "a[data-action=next] opens a new staff record")
    b.saves()
    check("from=" + ids["S1"] in b.d.current_url, "the next record carries from S1: %s" % b.d.current_url)
    shown = {f: b.value(f) for f, _ in S2_CARRIED}
    check(shown == dict(S2_CARRIED), "the carried answers are pre-filled: %s" % shown)
    check(b.relevant("agency"), "the carried workplace makes the agency relevant")
    check(b.value("person_id") == "" and b.value("full_name") == "" and b.value("gender") == "",
          "answers not carried start empty: %r %r %r" % (b.value("person_id"), b.value("full_name"), b.value("gender")))
    b.answer("person_id", "BL-002")
    ids["S2"] = wait_stored(b, "staff S2")
    b.answer("full_name", "Trần Văn Ất")
    b.answer("gender", "male")

    # 3. a required question left empty: its message once the surveyor leaves it
    year = b.one('input[name="birth_year"]')
    check(not b.error("birth_year"), "no message before the question was visited: %r" % b.error("birth_year"))
    b.click(year)
    b.press(year, Keys.TAB)
    check(b.soon(lambda: b.error("birth_year")),
          "a required question left empty shows its message on focus out: %r" % b.error("birth_year"))
    required_message = b.error("birth_year")
    # ... and a constraint message as soon as the answer is sent
    b.answer("birth_year", "1900")
    check(b.soon(lambda: b.error("birth_year") == BIRTH_YEAR_MESSAGE),
          "birth year 1900: the constraint message %r (%r)" % (BIRTH_YEAR_MESSAGE, b.error("birth_year")))
    check(b.error("birth_year") != required_message, "the constraint message is not the required one")
    b.shot("record-staff-constraint.png", b.q("birth_year"))
    b.answer("birth_year", "1979")
    check(b.soon(lambda: not b.error("birth_year")), "a valid birth year clears the message: %r" % b.error("birth_year"))
    b.answer("category", "public_employee")

    # 2. relevance: is_cio only for leaders and managers
    check(not b.relevant("is_cio"), "is_cio hidden while the position is unanswered")
    check(all(not c.is_enabled() for c in b.controls("is_cio")), "and its controls disabled")
    b.answer("position", "leader")
    check(b.soon(lambda: b.relevant("is_cio")), "position leader: is_cio appears")
    check(all(c.is_enabled() for c in b.controls("is_cio")), "and its controls are enabled")
    b.answer("position", "staff")
    check(b.soon(lambda: not b.relevant("is_cio")), "position staff: is_cio disappears")
    check(all(not c.is_enabled() for c in b.controls("is_cio")), "and its controls are disabled again")
    b.answer("is_it_staff", "0")
    check(not b.relevant("security_trained"), "not IT staff: no security training question")

    # 4. the finalize gate: it_degree and it_certificate left empty
    b.finalize()
    b.wait(lambda: b.all("div#problems"), "a finalize with required questions empty shows div#problems")
    links = [a.get_attribute("href").split("#", 1)[-1] for a in b.all("div#problems a[href^='#q-']")]
    check(sorted(links) == ["q-it_certificate", "q-it_degree"],
          "#problems links to each empty required question: %s" % links)
    check(b.status() == "draft", "the refused record is still a draft: %s" % b.status())
    b.shot("finalize-refused.png", b.one("div#problems"))
    link = b.one("div#problems a[href='#q-it_degree']")
    b.d.execute_script("window.scrollTo(0, 0)")
    b.click(link)
    target = b.q("it_degree")
    check(b.soon(lambda: b.in_view(target), 5), "the link scrolls to the question")
    focus_in = b.soon(lambda: b.d.execute_script("return arguments[0].contains(document.activeElement)", target))
    check(focus_in, "the link puts the focus in the question: %s"
          % b.d.execute_script("return document.activeElement.outerHTML.slice(0, 100)"))
    b.saves()
    b.answer("it_degree", "cao_dang")
    b.answer("it_certificate", "basic")
    b.finalize()
    finalized(b, "staff S2")


# ---- 5. the choice filter of the staff agency ----------------------------------------------------------
def test_choice_filter(b, s):
    agencies = register_agencies()
    check(len(agencies) == 33, "the register has 33 agencies: %d" % len(agencies))
    depts = sorted(c for c, t, _ in agencies if t == "dept")
    pc = lambda d: sorted(c for c, t, dd in agencies if t == "district_pc" and dd == d)
    home(b, s)
    open_new(b, "staff")
    b.answer("person_id", "BL-003")
    ids["S3"] = wait_stored(b, "staff S3")
    # the search box above a long list
    box = b.one('input[data-filter-select="district"]')
    b.click(box)
    b.press(box, *"Bến")
    check(b.soon(lambda: b.shown_options("district") == ["803"], 5),
          "typing Bến in the district's search box leaves Bến Lức only: %s" % b.shown_options("district"))
    b.answer("district", "803")
    b.press(box, Keys.CONTROL, "a")
    b.press(box, Keys.BACKSPACE)
    check(b.soon(lambda: len(b.shown_options("district")) == 15, 5),
          "an empty search box shows the 15 districts again: %d" % len(b.shown_options("district")))
    b.answer("workplace_type", "district_pc")
    check(b.soon(lambda: b.relevant("agency")), "district_pc: the agency question appears")
    check(b.soon(lambda: sorted(b.offered("agency")[0]) == pc("803")),
          "district_pc in 803: only %s offered: %s" % (pc("803"), b.offered("agency")))
    check(b.offered("agency")[1], "the agencies not offered are hidden and disabled")
    b.answer("workplace_type", "dept")
    check(b.soon(lambda: sorted(b.offered("agency")[0]) == depts),
          "dept: the 18 departments offered: %s" % b.offered("agency")[0])
    b.answer("agency", "SO-TTTT")
    b.answer("district", "806")
    check(b.soon(lambda: sorted(b.offered("agency")[0]) == depts),
          "dept: the departments whatever the district: %s" % b.offered("agency")[0])
    b.answer("workplace_type", "district_pc")
    check(b.soon(lambda: sorted(b.offered("agency")[0]) == pc("806")),
          "district_pc in 806: only %s: %s" % (pc("806"), b.offered("agency")[0]))
    check(b.offered("agency")[1], "and the others hidden and disabled")
    b.answer("workplace_type", "commune_pc")
    check(b.soon(lambda: not b.relevant("agency")), "commune_pc: the agency question disappears")
    # S3 stays a draft (the export's drafts warning)


# ---- 7, 1 (school): the server killed in the middle of a record ------------------------------------------
def test_kill(b, s):
    home(b, s)
    open_new(b, "school")
    b.answer(*SCHOOL_BEFORE[0])
    ids["school"] = wait_stored(b, "school")
    b.fill(SCHOOL_BEFORE[1:])
    check(b.saved() == "yes", "the answers saved before the kill")
    rc = s.kill()
    check(rc == -signal.SIGKILL, "the server was killed: %r" % rc)
    s2 = Server(store)
    state["server"] = s2
    b.go(s2.url)
    b.wait(lambda: b.all('a[data-action="new"]'), "the restarted server's home page")
    row = b.all('tr[data-instance="%s"]' % ids["school"])
    check(row and row[0].get_attribute("data-status") == "draft", "the school record is listed as a draft")
    if row:
        b.click(b.one("td:first-child a", row[0]))
    else:
        b.go(s2.base + "/record/" + ids["school"])
    b.wait_record("school", "the school record after the restart")
    kept = {f: b.value(f) for f, _ in SCHOOL_BEFORE}
    check(kept == dict(SCHOOL_BEFORE), "every answer saved before SIGKILL is kept: %s" % kept)
    # a constraint across questions, then the rest
    b.answer("students_informatics", "400")
    check(b.soon(lambda: b.error("students_informatics") == INFORMATICS_MESSAGE),
          "more pupils in informatics than in the school: %r" % b.error("students_informatics"))
    b.fill(SCHOOL_AFTER)
    check(not b.error("students_informatics"), "a valid number clears it: %r" % b.error("students_informatics"))
    b.finalize()
    finalized(b, "school")
    return s2


# ---- 1 (training centre) ------------------------------------------------------------------------------
def test_centre(b, s):
    home(b, s)
    open_new(b, "training_centre")
    b.answer(*CENTRE[0])
    ids["centre"] = wait_stored(b, "training centre")
    b.fill(CENTRE[1:])
    b.finalize()
    finalized(b, "training centre")


# ---- 8. a finalized record edited ---------------------------------------------------------------------
def test_edit_finalized(b, s):
    home(b, s)
    row = b.one('tr[data-instance="%s"]' % ids["S1"])
    check(row.get_attribute("data-status") == "finalized", "S1 is listed finalized")
    b.click(b.one("td:first-child a", row))
    b.wait_record("staff", "S1 from its row")
    check(b.status() == "finalized", "S1's badge: finalized")
    b.answer("full_name", S1_NEW_NAME)
    check(b.status() == "finalized", "after a valid change the badge still says finalized: %s" % b.status())
    b.d.refresh()
    b.wait_record("staff", "S1 reloaded")
    check(b.status() == "finalized" and b.value("full_name") == S1_NEW_NAME,
          "reloaded: finalized with the new name: %s %r" % (b.status(), b.value("full_name")))
    form, status, fields = stored(store).get(ids["S1"], (None, None, {}))
    check(status == "finalized" and fields.get("full_name") == S1_NEW_NAME,
          "the store: S1 finalized with the new name: %s %r" % (status, fields.get("full_name")))


# ---- 9. void, with its confirm page, and unvoid ---------------------------------------------------------
def test_void(b, s):
    home(b, s)
    open_new(b, "staff")
    b.answer(*S4[0])
    ids["S4"] = wait_stored(b, "staff S4")
    b.fill(S4[1:])
    b.finalize()
    finalized(b, "staff S4")
    page = b.d.current_url
    b.click(b.one('button[data-action="void"]'))
    b.wait(lambda: b.all('[data-action="void-confirm"]'), "void asks for a confirmation")
    check(stored(store)[ids["S4"]][1] == "finalized", "nothing voided before the confirmation")
    b.click(b.one('[data-action="void-confirm"]'))
    b.wait(lambda: b.all("form#record") and b.status() == "void", "confirmed: the badge says void")
    check(urllib.parse.urlparse(b.d.current_url).path == "/record/" + ids["S4"],
          "back on the record page: %s (was %s)" % (b.d.current_url, page))
    check(b.all('button[data-action="unvoid"]') and not b.all('button[data-action="finalize"]'),
          "a void record offers unvoid, not finalize")
    check(stored(store)[ids["S4"]][1] == "void", "the store: S4 void")
    b.click(b.one('button[data-action="unvoid"]'))
    b.wait(lambda: b.all("form#record") and b.status() == "finalized", "unvoid: the badge says finalized again")
    check(stored(store)[ids["S4"]][1] == "finalized", "the store: S4 finalized again")
    # voided again: the export carries a void record, the workbook leaves it out
    b.click(b.one('button[data-action="void"]'))
    b.wait(lambda: b.all('[data-action="void-confirm"]'), "void asks again")
    b.click(b.one('[data-action="void-confirm"]'))
    b.wait(lambda: b.all("form#record") and b.status() == "void", "voided again")
    home(b, s)
    rows = {e.get_attribute("data-instance"): e.get_attribute("data-status") for e in b.all("tr[data-instance]")}
    check(rows.get(ids["S4"]) == "void", "the home page lists S4 void: %s" % rows)


# ---- 10b. the export from the home page ------------------------------------------------------------------
def test_export(b, s):
    home(b, s)
    b.shot("home.png")
    res = click_export(b)
    check(res.get_attribute("data-export") == "written", "the export is written: %s %r"
          % (res.get_attribute("data-export"), res.text[:300]))
    bundle = local_path(res.get_attribute("data-path") or "")
    check(os.path.isabs(bundle) and os.path.isfile(bundle), "the bundle is at data-path: %r" % bundle)
    check(os.path.dirname(bundle) == os.path.dirname(store), "in the store's folder: %r" % bundle)
    check(b.all('[data-warning="drafts"]'), "a warning: a draft (S3) is left out")
    b.shot("export.png")
    dl = b.all('a[data-action="download"]')
    check(dl, "a download link")
    if dl and os.path.isfile(bundle):
        href = urllib.parse.urlparse(dl[0].get_attribute("href"))
        cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in b.d.get_cookies()
                           if c["name"] == "ictsurvey_%d" % s.port)
        status, data = s.request("GET", href.path + ("?" + href.query if href.query else ""), cookie=cookie)
        check(status == 200 and data == open(bundle, "rb").read(), "the download is the bundle (%d, %d bytes)"
              % (status, len(data)))
    state["bundle"] = bundle


# ---- 1: what the store and collect list say --------------------------------------------------------------
def test_store():
    r = run("collect", "list", "--store", store, "--tsv")
    check(r.returncode == 0, "collect list: " + r.stderr)
    listed = {tuple(line.split("\t")[:1] + line.split("\t")[1:3] + line.split("\t")[4:5])
              for line in r.stdout.splitlines()}
    want = {(ids.get("S1"), "staff", "BL-001", "finalized"), (ids.get("S2"), "staff", "BL-002", "finalized"),
            (ids.get("S3"), "staff", "BL-003", "draft"), (ids.get("S4"), "staff", "BL-004", "void"),
            (ids.get("school"), "school", "BL-TH-01", "finalized"),
            (ids.get("centre"), "training_centre", "TC-LA-01", "finalized")}
    check(listed == want, "collect list: every record with its key and status: %s" % sorted(listed ^ want, key=repr))
    got = stored(store)
    s1 = as_stored(S1)
    s1["full_name"] = S1_NEW_NAME
    expect = {"S1": ("staff", "finalized", s1),
              "S2": ("staff", "finalized", as_stored(S2_CARRIED + S2)),
              "S4": ("staff", "void", as_stored(S4)),
              "school": ("school", "finalized", as_stored(SCHOOL_BEFORE + SCHOOL_AFTER)),
              "centre": ("training_centre", "finalized", as_stored(CENTRE))}
    for name, want_rec in expect.items():
        have = got.get(ids.get(name))
        check(have == want_rec, "the store holds %s exactly as typed:\n  got  %s\n  want %s" % (name, have, want_rec))
    r = run("collect", "export", "--store", store, "-o", path("cli.bundle"))
    check(r.returncode == 0 and os.path.isfile(path("cli.bundle")), "collect export after the browser: " + r.stderr)


# ---- 12. the office: merge, the central database, the workbook ----------------------------------------------
def test_office():
    bundle = state.get("bundle")
    if not check(bundle and os.path.isfile(bundle), "a bundle from the home page to merge"):
        return
    db = path("central.db")
    r = run("merge", "--db", db, "--require-sealed", "--key", os.path.join(keys_dir, "central.key"), bundle)
    check(r.returncode == 0, "merge the browser's bundle (sealed): " + r.stderr)
    rows = query(db, "SELECT person_id, gender, district, workplace_type, agency, position, is_cio, it_modules,"
                     " training_needs FROM form_staff ORDER BY person_id")
    check(rows == [("BL-001", "female", "803", "district_pc", "UBND-803", "leader", 1, "iu01 iu02 iu06", "security cio"),
                   ("BL-002", "male", "803", "district_pc", "UBND-803", "staff", None, None, None)],
          "the central database: the two finalized staff records, not the draft nor the void one: %s" % rows)
    rows = query(db, "SELECT school_code, school_name, students_total, students_informatics, internet FROM form_school")
    check(rows == [("BL-TH-01", "Trường Tiểu học Bình Đức 1 – Bến Lức", 320, 300, "fiber")], "form_school: %s" % rows)
    rows = query(db, "SELECT centre_code, centre_name, it_lecturers_master_plus FROM form_training_centre")
    check(rows == [("TC-LA-01", "Trường Cao đẳng Sư phạm Long An – cơ sở Đức Hòa", 6)], "form_training_centre: %s" % rows)
    xlsx = path("gap.xlsx")
    r = run("report", "--db", db, "-o", xlsx, "--include-personal")
    check(r.returncode == 0, "report: " + r.stderr)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.worksheets[0]
    table = [[c.value for c in row] for row in ws.iter_rows()]
    h = next((i for i, row in enumerate(table) if row and row[0] == "ID"), None)
    if check(h is not None, "the Summary's header row"):
        col = {name: i for i, name in enumerate(table[h]) if name}
        got = {row[0]: row for row in table[h + 1:] if row and row[0]}
        pcio = got.get("district_pc_cio")
        check(pcio and (pcio[col["Numerator"]], pcio[col["Denominator"]]) == (1, 15),
              "Summary: one district People's Committee of 15 has a CIO (S1): %s" % (pcio,))
    for form, key, expect in (("staff", "person_id", {"BL-001": S1_NEW_NAME, "BL-002": "Trần Văn Ất"}),
                              ("school", "school_code", {"BL-TH-01": "Trường Tiểu học Bình Đức 1 – Bến Lức"}),
                              ("training_centre", "centre_code",
                               {"TC-LA-01": "Trường Cao đẳng Sư phạm Long An – cơ sở Đức Hòa"})):
        if not check(form in wb.sheetnames, "a %s sheet: %s" % (form, wb.sheetnames)):
            continue
        rows = [[c.value for c in row] for row in wb[form].iter_rows()]
        names, data = rows[1], rows[2:]
        name_col = {"staff": "full_name", "school": "school_name", "training_centre": "centre_name"}[form]
        if not check(key in names and name_col in names, "%s sheet columns: %s" % (form, names)):
            continue
        shown = {r[names.index(key)]: r[names.index(name_col)] for r in data}
        check(shown == expect, "the %s sheet shows the records typed in the browser: %s" % (form, shown))


# ---- answers not lost: an action right after typing, a store another program holds ---------------------
def test_unsaved(b):
    """On a store of its own: Finalize clicked while the first answer is still on its way
    waits for it (the record it creates is the one finalized); an answer the server could not
    store (the store held by another program) is shown unsaved and sent again once it can."""
    import sqlite3
    own = new_store("unsaved.store", "Xã An Thạnh", "Lê Văn Tư", 2013)
    s = Server(own)
    b.go(s.url)
    b.wait(lambda: b.all('a[data-action="new"]'), "the second server's home page")
    open_new(b, "staff")
    el = b.one('input[name="person_id"]', b.q("person_id"))
    b.click(el)
    b.type(el, "RT-001", end=None)  # no Tab: the answer is sent when Finalize takes the focus
    b.click(b.one('button[data-action="finalize"]'))
    b.wait(lambda: b.all("#problems"), "finalize right after typing: the problems of that record")
    iid = b.instance()
    rows = query(own, "SELECT instance_id, answers FROM records")
    check(iid and len(rows) == 1 and rows[0][0] == iid and "RT-001" in rows[0][1]
          and "/record/%s/" % iid in b.d.current_url,
          "the typed answer created the record, and finalize was for it: %s %s" % (b.d.current_url, rows))
    holder = sqlite3.connect(own, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    el = b.one('input[name="birth_year"]', b.q("birth_year"))
    b.click(el)
    b.type(el, "1985")
    held = b.soon(lambda: b.saved() == "no" and "failed" in (b.one(".saved-state").get_attribute("class") or ""), 10)
    check(held, "the store held by another program: the page says the answer is not saved")
    holder.rollback()
    holder.close()
    b.wait(lambda: b.saved() == "yes", "the answer sent again once the store is free")
    rows = query(own, "SELECT answers FROM records WHERE instance_id = ?", iid)
    check(rows and "birth_year=1985" in rows[0][0], "and stored: %s" % rows)
    check(s.stop() == 0, "the second server stopped")


# ---- running it all ----------------------------------------------------------------------------------------
def scenario(fn, *args):
    try:
        return fn(*args)
    except Abort:
        pass
    except Exception as e:  # a scenario that broke is a failed check; the others still run
        check(False, "%s raised %s: %s" % (fn.__name__, type(e).__name__, traceback.format_exc(limit=4)))


def cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # meson's timeout: the servers and Chromium go too
server = Server(store)
browser = Browser()
scenario(test_plumbing, browser, server)
scenario(test_export_refused, browser, server)
scenario(test_staff_benchmark, browser, server)
scenario(test_next_record, browser, server)
scenario(test_choice_filter, browser, server)
scenario(test_kill, browser, server)
server = state.get("server", server)
scenario(test_centre, browser, server)
scenario(test_edit_finalized, browser, server)
scenario(test_void, browser, server)
scenario(test_export, browser, server)
rc = server.stop()
check(rc == 0, "Ctrl-C ends the server with status 0: %r" % rc)
scenario(test_store)
scenario(test_office)
scenario(test_unsaved, browser)
browser.quit()
cleanup()
finish()
