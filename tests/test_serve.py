#!/usr/bin/env python3
"""test_serve.py ICTSURVEY - `ictsurvey collect serve`, the collector in a browser, driven
through HTTP as the page drives it: the address line, what is refused (no token, a wrong
token, a foreign Host or Origin, paths outside the pages, bodies too large), the home page's
structure (cli.md's data- attributes, both languages, escaping), and that Ctrl-C ends the
server with status 0. Only the standard library: run with /usr/bin/python3."""
import html.parser
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.parse

from support import ICTSURVEY, check, fill, finish, path, run, staff, yaml_of

URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})\n$")


class Server:
    """collect serve --no-browser on a store; .port, .token, .cookie once started."""

    def __init__(self, store, *extra, typed=None):
        """typed: what is typed on the console (the questions of --kit's first start)."""
        self.proc = subprocess.Popen([ICTSURVEY, "collect", "serve", "--store", store,
                                      "--no-browser", *extra],
                                     stdin=subprocess.PIPE if typed is not None else None,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if typed is not None:
            self.proc.stdin.write(typed)
            self.proc.stdin.close()
            self.proc.stdin = None  # communicate() has nothing more to send
        self.line = self.proc.stdout.readline()
        m = URL_LINE.match(self.line)
        self.port, self.token = (int(m.group(1)), m.group(2)) if m else (0, "")
        self.cookie = None

    def request(self, method, target, body=None, headers=None, token=True):
        """(status, headers, body text); token: the cookie the first load set, else the token
        in the query (the first load itself)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Host": "127.0.0.1:%d" % self.port}
        if token and self.cookie:
            h["Cookie"] = self.cookie
        h.update(headers or {})
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body, doseq=True)
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, target, body=body, headers=h)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        headers = dict(r.getheaders())
        conn.close()
        return r.status, headers, data

    def first_load(self, query=""):
        status, headers, text = self.request("GET", "/?token=%s%s" % (self.token, query), token=False)
        cookie = headers.get("Set-Cookie", "")
        self.cookie = cookie.split(";")[0] if cookie else None
        return status, headers, text

    def stop(self, sig=signal.SIGINT):
        """Ctrl-C (or another signal); the exit status (None when it did not end) and what it
        said on stderr."""
        self.proc.send_signal(sig)
        try:
            out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            return None, err
        return self.proc.returncode, err


def init_store(name, site="Xã Hòa An", surveyor="Nguyễn Văn Bình"):
    store = path(name)
    r = subprocess.run([ICTSURVEY, "collect", "init", "--store", store, "--site", site,
                        "--surveyor", surveyor, "--round", "2013"], capture_output=True, text=True)
    check(r.returncode == 0, "init %s: %s" % (name, r.stderr))
    return store


# ---- the server's core: the address, refusals, Ctrl-C ------------------------------------------
def test_core():
    store = init_store("core.db")
    s = Server(store)
    check(URL_LINE.match(s.line), "first line is the address with its token: %r" % s.line)
    if not s.port:
        s.proc.kill()
        return
    status, headers, _ = s.first_load()
    check(status == 200, "the address printed opens the home page: %d" % status)
    cookie = headers.get("Set-Cookie", "")
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie and s.token in cookie,
          "the first load sets an HttpOnly SameSite=Strict cookie with the token: %r" % cookie)
    check(s.request("GET", "/")[0] == 200, "the cookie alone opens the page")
    check(s.request("GET", "/", token=False)[0] == 403, "no token: 403")
    check(s.request("GET", "/?token=" + "0" * 64, token=False)[0] == 403, "a wrong token: 403")
    check(s.request("GET", "/", token=False, headers={"Cookie": "ictsurvey_%d=%s" % (s.port, "1" * 64)})[0] == 403,
          "a wrong cookie: 403")
    check(s.request("GET", "/?token=" + s.token[:-1], token=False)[0] == 403, "a token cut short: 403")
    check(s.request("GET", "/", headers={"X-Ictsurvey-Token": s.token}, token=False)[0] == 200,
          "the token in the page's header: 200")
    for host in ("evil.example:%d" % s.port, "127.0.0.1", "127.0.0.1:1", "localhost.evil:%d" % s.port):
        check(s.request("GET", "/", headers={"Host": host})[0] == 403, "foreign Host %s: 403" % host)
    check(s.request("GET", "/", headers={"Host": "localhost:%d" % s.port})[0] == 200, "Host localhost:PORT: 200")
    for origin in ("http://evil.example", "null", "http://127.0.0.1:%d" % (s.port + 1)):
        st = s.request("POST", "/answer", body={"x": "1"}, headers={"Origin": origin})[0]
        check(st == 403, "POST from Origin %s: 403 (%d)" % (origin, st))
    for target in ("/nothing", "/assets/", "/assets/page.html", "/assets/../server.c",
                   "/assets/app.css.bak", "/..%2f..%2fetc/passwd", "//etc/passwd"):
        st = s.request("GET", target)[0]
        check(st == 404, "%s: 404 (%d)" % (target, st))
    st, h, css = s.request("GET", "/assets/app.css")
    check(st == 200 and h.get("Content-Type", "").startswith("text/css") and "body" in css, "the CSS is served")
    st, h, _ = s.request("GET", "/assets/app.js")
    check(st == 200 and h.get("Content-Type", "").startswith("text/javascript"), "the script is served")
    check("default-src 'self'" in h.get("Content-Security-Policy", ""), "a content security policy")
    st = s.request("POST", "/answer", body="a=" + "x" * 70000,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})[0]
    check(st == 413, "a body too large: 413 (%d)" % st)
    st, h, _ = s.request("DELETE", "/")
    check(st == 405 and h.get("Allow") == "GET, HEAD, POST", "another method: 405, saying which are allowed (%d)" % st)
    check(s.request("GET", "/")[0] == 200, "still serving after the refusals")
    rc, err = s.stop()
    check(rc == 0, "Ctrl-C ends it with status 0: %r %s" % (rc, err))
    # the store was closed: another command can write it
    r = subprocess.run([ICTSURVEY, "collect", "list", "--store", store], capture_output=True, text=True)
    check(r.returncode == 0, "the store is usable after the server stopped: %s" % r.stderr)
    # a port already taken: a clear error, status 1
    s1 = Server(store)
    s2 = subprocess.run([ICTSURVEY, "collect", "serve", "--store", store, "--no-browser",
                         "--port", str(s1.port), "--lang", "en"], capture_output=True, text=True, timeout=30)
    check(s2.returncode == 1 and "port" in s2.stderr and not s2.stdout, "a port taken: %r" % s2.stderr)
    s1.stop()
    r = subprocess.run([ICTSURVEY, "collect", "serve", "--store", store, "--port", "70000"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2, "a bad --port is a usage error")
    r = subprocess.run([ICTSURVEY, "collect", "serve", "--store", path("missing.db"), "--no-browser"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and not r.stdout, "a missing store: status 1, no address")


class Page(html.parser.HTMLParser):
    """Every element with its attributes and the text inside it; checks that every element
    that needs one is closed, in order (the page is well formed HTML5)."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.open, self.errors, self.doctype = [], [], [], False
        self.feed(text)
        self.close()
        if self.open:
            self.errors.append("left open: %s" % [e["tag"] for e in self.open])

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(e)
        if tag not in self.VOID:
            self.open.append(e)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1]["tag"] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.open[-1]["tag"] if self.open else "nothing"))
            return
        self.open.pop()

    def handle_data(self, data):
        for e in self.open:
            e["text"] += data

    def find(self, **attrs):
        return [e for e in self.elements
                if all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]


def answers_file(name, records):
    f = path(name)
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(yaml_of(records))
    return f


# ---- the home page -------------------------------------------------------------------------------
def test_home():
    store = init_store("home.db", site="Xã <Hòa> & \"An\"", surveyor="Nguyễn Văn Bình")
    done = fill(store, "staff", [staff("P-001"), staff("P-002")])
    r = run("collect", "fill", "--store", store, "staff", "--draft", "--answers",
            answers_file("draft.yaml", [{"person_id": "P-003", "gender": "male"}]))
    check(r.returncode == 0, "a draft: %s" % r.stderr)
    draft = r.stdout.split()
    r = run("collect", "void", "--store", store, done[0], "--yes")
    check(r.returncode == 0, "void: %s" % r.stderr)
    s = Server(store)
    status, headers, text = s.first_load()
    check(status == 200 and headers.get("Content-Type", "").startswith("text/html"), "home: %d" % status)
    page = Page(text)
    check(page.doctype and not page.errors, "the home page is well formed: %s" % page.errors)
    check(page.find(lang="vi") and page.elements[0]["tag"] == "html", "Vietnamese by default")
    for form in ("school", "staff", "training_centre"):
        check(len(page.find(data_action="new", data_form=form)) == 1, "a new-record element for %s" % form)
    rows = [e for e in page.elements if "data-instance" in e["attrs"]]
    ids = [e["attrs"]["data-instance"] for e in rows]
    check(sorted(ids) == sorted(done + draft), "every record listed once: %s" % ids)
    statuses = {e["attrs"]["data-instance"]: e["attrs"]["data-status"] for e in rows}
    check(statuses.get(draft[0]) == "draft" and statuses.get(done[0]) == "void" and
          statuses.get(done[1]) == "finalized", "data-status of each: %s" % statuses)
    check(ids and ids[0] == draft[0], "drafts first: %s" % ids)
    words = {e["attrs"]["data-instance"]: e["text"] for e in rows}
    check("nháp" in words.get(draft[0], "") and "đã hoàn tất" in words.get(done[1], "")
          and "đã hủy" in words.get(done[0], ""), "status in Vietnamese words: %s" % words)
    check("P-003" in words.get(draft[0], "") and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", words.get(draft[0], "")),
          "a row shows the key and when it changed: %r" % words.get(draft[0]))
    check("Xã &lt;Hòa&gt; &amp; &quot;An&quot;" in text, "the site is escaped")
    check("Nguyễn Văn Bình" in text and "2013" in text, "surveyor and round shown")
    check(page.find(type="search", name="q"), "a search box")
    switch = [e for e in page.elements if e["tag"] == "a" and e["attrs"].get("hreflang") == "en"]
    check(switch and switch[0]["attrs"]["href"].startswith("/") and "lang=en" in switch[0]["attrs"]["href"],
          "a link to the English page")
    status, _, text = s.request("GET", "/?lang=en")
    page = Page(text)
    rows = {e["attrs"]["data-instance"]: e["text"] for e in page.elements if "data-instance" in e["attrs"]}
    check(page.find(lang="en") and "draft" in rows.get(draft[0], "") and "finalized" in rows.get(done[1], "")
          and "void" in rows.get(done[0], ""), "?lang=en: English")
    check([e for e in page.elements if e["attrs"].get("hreflang") == "vi"], "and a link back to Vietnamese")
    status, _, text = s.request("GET", "/new/staff")
    page = Page(text)
    record = page.find(id="record")
    check(status == 200 and record and record[0]["attrs"].get("data-form") == "staff"
          and record[0]["attrs"].get("data-instance") == "" and not page.errors,
          "a new-record link opens the form's page, nothing stored yet: %d %s" % (status, page.errors))
    status, _, _ = s.request("GET", "/new/nosuchform")
    check(status == 404, "no page for a form the store does not have: %d" % status)
    status, _, text = s.request("GET", "/?q=p-003")
    rows = [e["attrs"]["data-instance"] for e in Page(text).elements if "data-instance" in e["attrs"]]
    check(rows == draft, "the search finds the draft by its key in any case: %s" % rows)
    status, _, text = s.request("GET", "/?q=%3Cscript%3E")
    check("<script>" not in text and "&lt;script&gt;" in text, "the search text is escaped back")
    s.stop()
    s = Server(store, "--lang", "en")
    status, _, text = s.first_load()
    check(Page(text).find(lang="en") and "New record" in text, "--lang en: the pages in English")
    s.stop()


# ---- a record answered through the page's requests -------------------------------------------------
def answer(s, instance, field, *values, form="staff", frm=None, lang="en"):
    """POST /answer as the page's script does: (status, state as JSON or the text)."""
    body = [("lang", lang), ("instance", instance), ("form", form), ("field", field)]
    body += [("value", v) for v in values]
    if frm:
        body.append(("from", frm))
    st, _, text = s.request("POST", "/answer", body=urllib.parse.urlencode(body),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Origin": "http://127.0.0.1:%d" % s.port})
    return st, (json.loads(text) if st == 200 else text)


def post(s, target, **fields):
    fields.setdefault("lang", "en")
    return s.request("POST", target, body=fields, headers={"Origin": "http://127.0.0.1:%d" % s.port})


def stored(store, instance):
    """(revision, status, answers) of every revision of a record, from the store itself."""
    import sqlite3
    db = sqlite3.connect(store)
    rows = db.execute("SELECT revision, status, answers FROM records WHERE instance_id = ? ORDER BY revision",
                      (instance,)).fetchall()
    db.close()
    return rows


def test_record():
    store = init_store("record.db")
    s = Server(store)
    s.first_load()
    st, state = answer(s, "", "person_id", "NV-001")
    check(st == 200 and len(state.get("instance", "")) == 36 and state["status"] == "draft",
          "the first answer creates a draft: %s %s" % (st, state))
    rid = state["instance"]
    check(stored(store, rid) and stored(store, rid)[0][1] == "draft", "it is in the store at once")
    check(state["fields"]["agency"]["relevant"] is False, "agency does not apply before a workplace type")
    st, state = answer(s, rid, "workplace_type", "district_pc")
    check(state["fields"]["agency"]["relevant"] is True, "a district People's Committee: agency applies")
    st, state = answer(s, rid, "district", "804")
    check(state["fields"]["agency"]["offered"] == ["UBND-804"],
          "the choice filter offers the one committee of the district: %s" % state["fields"]["agency"].get("offered"))
    st, state = answer(s, rid, "birth_year", "abc")
    check(st == 200 and state["fields"]["birth_year"]["error"] and not state["fields"]["birth_year"]["required"],
          "a value that is no number is refused beside its question: %s" % state["fields"]["birth_year"])
    check("birth_year" not in stored(store, rid)[-1][2], "and not stored")
    st, state = answer(s, rid, "birth_year", "1890")
    check("1940" in state["fields"]["birth_year"]["error"], "a constraint's message: %s" % state["fields"]["birth_year"])
    st, state = answer(s, rid, "birth_year", "1980")
    check(state["fields"]["birth_year"]["error"] == "", "and gone once the answer holds")
    st, state = answer(s, rid, "agency", "SO-NV")
    check(state["fields"]["agency"]["error"], "an agency the filter does not offer is refused: %s" % state["fields"]["agency"])
    for field, value in (("gender", "female"), ("agency", "UBND-804"), ("category", "civil_servant"),
                         ("position", "leader")):
        st, state = answer(s, rid, field, value)
        check(st == 200 and state["fields"][field]["error"] == "", "%s = %s: %s" % (field, value, state["fields"][field]))
    check(state["fields"]["is_cio"]["relevant"], "a leader: is_cio applies")
    st, state = answer(s, rid, "position", "staff")
    check(not state["fields"]["is_cio"]["relevant"], "and not once the position is changed back")
    st, text, page = post(s, "/record/%s/finalize" % rid)
    problems = [e["attrs"]["href"] for e in Page(page).elements if e["attrs"].get("data-problem-for")]
    check(st == 200 and "#q-is_it_staff" in problems and "#q-it_degree" in problems,
          "finalize with answers missing: refused, each a link to its question: %s" % problems)
    check(stored(store, rid)[-1][1] == "draft", "and the record stays a draft")
    for field, *values in (("is_it_staff", "0"), ("it_degree", "none"), ("it_certificate", "basic"),
                           ("it_modules", "iu01"), ("it_modules", "iu01", "iu02")):
        st, state = answer(s, rid, field, *values)
        check(st == 200 and state["fields"][field]["error"] == "", "%s: %s" % (field, state))
    check("iu01 iu02" in stored(store, rid)[-1][2],
          "checkboxes: every code checked is stored: %s" % stored(store, rid)[-1][2])
    st, h, _ = post(s, "/record/%s/finalize" % rid)
    check(st == 303 and h.get("Location", "").startswith("/record/" + rid), "complete: finalized, back to the record (%d)" % st)
    check(stored(store, rid)[-1][1] == "finalized", "finalized in the store")
    st, _, page = s.request("GET", "/record/%s?lang=en" % rid)
    p = Page(page)
    check(p.find(data_status="finalized") and p.find(data_action="next"), "the page says finalized, offers the next record")
    check(p.find(name="person_id", value="NV-001") and [e for e in p.find(name="gender", value="female") if "checked" in e["attrs"]],
          "the answers are in their named controls")
    # an edit that keeps it complete stays finalized (in place: nothing exported yet)
    revisions = len(stored(store, rid))
    st, state = answer(s, rid, "full_name", "Trần Thị Ngọc Ánh")
    check(state["status"] == "finalized" and len(stored(store, rid)) == revisions
          and stored(store, rid)[-1][1] == "finalized", "an edited finalized record stays finalized")
    # a second person's key taken
    st, state = answer(s, "", "person_id", "NV-001")
    check(st == 200 and state["instance"] == "" and "NV-001" in state["fields"]["person_id"]["error"],
          "a key another record has is refused, nothing created: %s" % state["fields"]["person_id"])
    # the next record: carried answers proposed, stored with its first answer
    st, _, page = s.request("GET", "/new/staff?from=%s&lang=en" % rid)
    p = Page(page)
    check(p.find(name="district") and [e for e in p.elements if e["tag"] == "option" and e["attrs"].get("value") == "804"
                                       and "selected" in e["attrs"]]
          and [e for e in p.find(name="workplace_type", value="district_pc") if "checked" in e["attrs"]],
          "the next record proposes the carried district and workplace type")
    st, state = answer(s, "", "person_id", "NV-002", frm=rid)
    rid2 = state["instance"]
    check("district: '804'" in stored(store, rid2)[-1][2] or "804" in stored(store, rid2)[-1][2],
          "the carried answers are stored with the first answer: %s" % stored(store, rid2)[-1][2])
    # export: finalized records written, the draft left and said
    st, _, page = post(s, "/export", folder="")
    p = Page(page)
    written = p.find(data_export="written")
    check(written and os.path.isfile(written[0]["attrs"]["data-path"]) and p.find(data_warning="drafts"),
          "export writes the bundle beside the store and warns of the draft")
    st, h, data = s.request("GET", "/download")
    check(st == 200 and "attachment" in h.get("Content-Disposition", ""), "the bundle offered as a download")
    # after an export a change is a new revision; one leaving it incomplete makes a draft revision
    revisions = len(stored(store, rid))
    st, state = answer(s, rid, "full_name", "Trần Thị Ánh")
    check(len(stored(store, rid)) == revisions + 1 and state["status"] == "finalized",
          "a change after the export: a new finalized revision")
    st, state = answer(s, rid, "gender")
    rows = stored(store, rid)
    check(state["status"] == "draft" and rows[-1][1] == "draft" and rows[-2][1] == "finalized",
          "a change leaving it incomplete: a draft, its finalized revision kept: %s" % [r[:2] for r in rows])
    st, state = answer(s, rid, "gender", "male")
    check(state["status"] == "draft" and len(stored(store, rid)) == len(rows), "complete again: a draft until finalized")
    # its finalized revision behind the draft is exported, as collect export does
    st, _, page = post(s, "/export", folder="")
    written = Page(page).find(data_export="written")
    check(written and written[0]["attrs"].get("data-records") == "1",
          "export: the finalized revision behind a draft is sent: %s" % written)
    # a store another program holds: the page says so, it does not claim the record is gone
    import sqlite3
    holder = sqlite3.connect(store, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    st_get = s.request("GET", "/record/%s" % rid)[0]
    st_answer = answer(s, rid, "full_name", "X")[0]
    holder.rollback()
    holder.close()
    check(st_get >= 500 and st_answer == 503, "a store held by another program: %d and %d, not 404" % (st_get, st_answer))
    # void: asked, then done, then undone
    st, _, page = post(s, "/record/%s/void" % rid)
    check(st == 200 and Page(page).find(data_action="void-confirm"), "void asks first")
    check(stored(store, rid)[-1][1] == "draft", "nothing voided by the question")
    st, h, _ = post(s, "/record/%s/void" % rid, confirm="yes")
    check(st == 303 and stored(store, rid)[-1][1] == "void", "void once confirmed")
    st, state = answer(s, rid, "gender", "female")
    check(st == 409, "a void record takes no answer: %d" % st)
    st, _, page = s.request("GET", "/record/%s" % rid)
    check(Page(page).find(data_action="unvoid"), "a void record offers to restore it")
    st, h, _ = post(s, "/record/%s/unvoid" % rid)
    check(st == 303 and stored(store, rid)[-1][1] == "draft", "restored as it was before the void")
    for target in ("/record/%s" % ("0" * 36), "/record/../../x", "/record/%s/nothing" % rid):
        check(s.request("GET", target)[0] == 404, "GET %s: 404" % target)
    st = post(s, "/answer", instance=rid, field="nosuchfield", value="1")[0]
    check(st == 400, "an answer to no question: 400 (%d)" % st)
    st = s.request("POST", "/answer", body="field=x", headers={"Origin": "http://127.0.0.1:%d" % s.port,
                                                               "Content-Type": "text/plain"})[0]
    check(st == 415, "a body that is not form data: 415 (%d)" % st)
    rc, err = s.stop(signal.SIGTERM)
    check(rc == 0 and "đã được đóng" in err,
          "asked to stop (SIGTERM): it closes the store and ends with 0: %r %s" % (rc, err))
    # an export with nothing finalized is refused with an explanation
    empty = init_store("empty.db")
    s = Server(empty)
    s.first_load()
    answer(s, "", "person_id", "NV-009")
    st, _, page = post(s, "/export", folder="")
    check(Page(page).find(data_export="refused") and not [f for f in os.listdir(os.path.dirname(empty)) if f.startswith("empty-")],
          "an export of drafts only is refused, no file written")
    s.stop()


def own_form_store(name, form_id, definition):
    """A store made (collect init --forms) from one form of the test's own and the shipped
    register."""
    forms = path(name + "-forms")
    os.makedirs(forms, exist_ok=True)
    shutil.copy(os.path.join(os.environ["ICTSURVEY_DEFINITIONS"], "units.yaml"), forms)
    with open(os.path.join(forms, form_id + ".yaml"), "w", encoding="utf-8") as f:
        f.write(definition)
    store = path(name + ".db")
    r = subprocess.run([ICTSURVEY, "collect", "init", "--store", store, "--site", "X", "--surveyor", "Y",
                        "--round", "2013", "--forms", forms], capture_output=True, text=True)
    check(r.returncode == 0, "a store of the test's form %s: %s" % (form_id, r.stderr))
    return store


def test_calculation():
    """A calculated value and a note, on a form of the test's own (the shipped forms have none)."""
    store = own_form_store("calc", "rooms", """form: rooms
version: "1"
title: {vi: "Phòng máy", en: "Computer rooms"}
key: code
fields:
  - name: code
    type: text
    label: {vi: "Mã", en: "Code"}
    required: yes
  - name: about
    type: note
    label: {vi: "Đếm cả máy hỏng.", en: "Count broken ones too."}
  - name: working
    type: integer
    label: {vi: "Máy chạy tốt", en: "Working"}
  - name: broken
    type: integer
    label: {vi: "Máy hỏng", en: "Broken"}
  - name: total
    type: calculate
    label: {vi: "Tổng số máy", en: "All computers"}
    calculation: "${working} + ${broken}"
  - name: area
    type: decimal
    label: {vi: "Diện tích phòng (m²)", en: "Room area (m²)"}
""")
    s = Server(store)
    s.first_load()
    st, state = answer(s, "", "code", "R1", form="rooms")
    rid = state.get("instance", "")
    answer(s, rid, "working", "12", form="rooms")
    st, state = answer(s, rid, "broken", "3", form="rooms")
    check(state["fields"]["total"].get("value") == "15", "the calculation comes back with the answer: %s" % state["fields"]["total"])
    st, _, page = s.request("GET", "/record/%s" % rid)
    p = Page(page)
    out = [e for e in p.elements if e["tag"] == "output" and e["attrs"].get("data-calc-for") == "total"]
    check(out and out[0]["text"] == "15", "and on the page: %s" % out)
    check(not p.find(name="about") and "Đếm cả máy hỏng." in page, "a note is text, with no control")
    check([e for e in p.find(name="area") if e["attrs"].get("type") == "text" and e["attrs"].get("inputmode") == "decimal"],
          "a number is a text box: the engine, not the browser, reads what was typed")
    st, state = answer(s, rid, "area", "7,5", form="rooms")
    check(state["fields"]["area"]["error"] == "" and "area=7.5" in stored(store, rid)[-1][2],
          "a decimal comma is read as the form's rules read it: %s" % stored(store, rid)[-1][2])
    ids = [e["attrs"]["id"] for e in p.elements if "id" in e["attrs"]]
    check(len(ids) == len(set(ids)), "no id twice on the page")
    st = answer(s, rid, "total", "99", form="rooms")[0]
    check(st == 400, "a calculation takes no answer: %d" % st)
    s.stop()


def test_filtered_checkboxes():
    """Checkboxes whose filter stops offering a box still checked: that box stays in sight
    and enabled, to be unchecked beside its message (a form of the test's own)."""
    store = own_form_store("visit", "visit", """form: visit
version: "1"
title: {vi: "Thăm trường", en: "School visit"}
key: visit_code
choices:
  school_level:
    - {code: primary, label: {vi: "Tiểu học", en: Primary}, stage: basic}
    - {code: lower_secondary, label: {vi: "THCS", en: Lower secondary}, stage: basic}
    - {code: upper_secondary, label: {vi: "THPT", en: Upper secondary}, stage: upper}
  stage:
    - {code: basic, label: {vi: "Cơ bản", en: Basic}}
    - {code: upper, label: {vi: "THPT", en: Upper}}
fields:
  - name: visit_code
    type: text
    label: {vi: "Mã", en: Code}
    required: yes
  - name: stage
    type: select_one
    label: {vi: "Cấp", en: Stage}
    choices: stage
  - name: levels
    type: select_multiple
    label: {vi: "Bậc", en: Levels}
    choices: school_level
    choice_filter: "stage = ${stage}"
""")
    s = Server(store)
    s.first_load()
    rid = answer(s, "", "visit_code", "V1", form="visit")[1].get("instance", "")
    answer(s, rid, "stage", "basic", form="visit")
    answer(s, rid, "levels", "primary", form="visit")
    st, state = answer(s, rid, "stage", "upper", form="visit")
    check(state["fields"]["levels"]["offered"] == ["upper_secondary"] and state["fields"]["levels"]["error"],
          "the filter now offers only upper secondary, and the box still checked is wrong: %s" % state["fields"]["levels"])
    st, _, page = s.request("GET", "/record/%s" % rid)
    p = Page(page)
    boxes = {e["attrs"]["value"]: e["attrs"] for e in p.find(name="levels")}
    check("disabled" not in boxes["primary"] and "checked" in boxes["primary"],
          "the box checked but no longer offered is enabled, to be unchecked: %s" % boxes["primary"])
    check("disabled" in boxes["lower_secondary"], "one not offered and not checked is disabled")
    st, state = answer(s, rid, "levels", "upper_secondary", form="visit")
    check(state["fields"]["levels"]["error"] == "", "unchecking it and checking the offered one: %s" % state["fields"]["levels"])
    s.stop()


# ---- --kit: the first start of a surveyor's PC (the Windows launcher) ------------------------------
def test_first_start():
    r = run("keys", "init", "--dir", path("fs-keys"))
    check(r.returncode == 0, "keys init: %s" % r.stderr)
    os.makedirs(path("fs-kits"))
    kit = path("fs-kits/long-an.kit")
    r = run("kit", "--db", path("fs-central.db"), "--key", path("fs-keys/central.key"), "--round", "2013", "-o", kit)
    check(r.returncode == 0, "kit: %s" % r.stderr)
    os.makedirs(path("fs-empty"))
    store = path("fs-pc/du-lieu/khao-sat.store")
    r = run("collect", "serve", "--store", store, "--kit", path("fs-empty"), "--no-browser")
    check(r.returncode == 1 and "no survey kit of the office (a .kit file) in the folder '%s'" % path("fs-empty") in r.stderr
          and "Copy the .kit file" in r.stderr, "a folder without a kit: what to do, exit 1: %s" % r.stderr)
    check(not os.path.exists(store), "... and no store")
    os.makedirs(path("fs-two"))
    shutil.copy(kit, path("fs-two/a.kit"))
    shutil.copy(kit, path("fs-two/b.kit"))
    r = run("collect", "serve", "--store", store, "--kit", path("fs-two"), "--no-browser")
    check(r.returncode == 1 and "holds 2 .kit files" in r.stderr, "two kits: keep only the newest: %s" % r.stderr)
    r = run("collect", "serve", "--store", store, "--kit", path("no-such.kit"), "--no-browser", stdin="Xã Bình Đức\nAn\n")
    check(r.returncode == 1 and "Survey site" not in r.stderr and not os.path.exists(path("fs-pc")),
          "a kit that cannot be read is said before anything is asked, and no folder is made: %s" % r.stderr)
    r = run("collect", "serve", "--store", store, "--kit", path("fs-kits"), "--no-browser", stdin="Xã Bình Đức\n")
    check(r.returncode == 2 and not os.path.exists(path("fs-pc")) and "no store was made" in r.stderr,
          "input ending before the surveyor's name: no store, no folder, exit 2: %s" % r.stderr)
    s = Server(store, "--kit", path("fs-kits"), "--lang", "en", typed="  Xã Bình Đức \nTrần Văn Bình\n")
    st, _, page = s.first_load() if s.port else (0, None, "")
    code, err = s.stop()
    check(st == 200 and "Xã Bình Đức" in page and "Trần Văn Bình" in page,
          "the store made from the one kit in the folder, the site and name as typed (trimmed), then served: %s %s"
          % (st, err))
    check("Survey site" in err and "Office fingerprint" in err and "The first start on this PC" in err,
          "it asked, and showed the office fingerprint: %s" % err)
    s = Server(store, "--kit", path("no-such-kit"), "--lang", "en")
    st, _, page = s.first_load() if s.port else (0, None, "")
    s.stop()
    check(st == 200 and "Xã Bình Đức" in page, "a store that exists is served as it is; --kit is not read: %s" % st)


test_core()
test_first_start()
test_home()
test_record()
test_calculation()
test_filtered_checkboxes()
finish()
