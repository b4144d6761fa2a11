#!/usr/bin/env python3
"""test_serve.py ICTSURVEY - `ictsurvey collect serve`, the collector in a browser, driven
through HTTP as the page drives it: the address line, what is refused (no token, a wrong
token, a foreign Host or Origin, paths outside the pages, bodies too large), the home page's
structure (cli.md's data- attributes, both languages, escaping), and that Ctrl-C ends the
server with status 0. Only the standard library: run with /usr/bin/python3."""
import html.parser
import http.client
import os
import re
import signal
import subprocess
import sys
import urllib.parse

from support import ICTSURVEY, check, finish, path

URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})\n$")


class Server:
    """collect serve --no-browser on a store; .port, .token, .cookie once started."""

    def __init__(self, store, *extra):
        self.proc = subprocess.Popen([ICTSURVEY, "collect", "serve", "--store", store,
                                      "--no-browser", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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

    def stop(self):
        """Ctrl-C; the exit status and what it said on stderr."""
        self.proc.send_signal(signal.SIGINT)
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
    st = s.request("DELETE", "/")[0]
    check(st == 405, "another method: 405 (%d)" % st)
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


test_core()
finish()
