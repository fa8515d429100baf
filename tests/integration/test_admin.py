#!/usr/bin/env python3
"""The admin page over HTTP, as a browser would drive it but checked at
the level of headers and bytes: sign in and out, the session cookie and
what the database keeps of it, CSRF tokens, cross-site and cross-origin
POSTs, create/edit/delete/restore through the forms with the API's own
validation messages, escaping of hostile data, QR codes, the stats page,
read-only keys, revoked keys, expired sessions, static files, and errors
as pages for browsers and problem+json for the rest. The same page in a
real browser: tests/integration/test_browser.py."""

import html
import os
import re
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, wait_until  # noqa: E402

FORM = "application/x-www-form-urlencoded"
HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
HOSTILE = '"><script>alert(1)</script>'


class Browser:
    """Cookies and the headers a browser sends, over inst.request()."""

    def __init__(self, inst):
        self.inst = inst
        self.cookies = {}

    def _cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.cookies.items())

    def _keep(self, r):
        for line in (r.header("set-cookie") or "").split("\n"):
            if "=" not in line:
                continue
            name, rest = line.split("=", 1)
            value = rest.split(";", 1)[0]
            if value == "" or "Max-Age=0" in rest:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return r

    def get(self, path, headers=None):
        h = {"Accept": HTML, "Sec-Fetch-Site": "same-origin"}
        if self.cookies:
            h["Cookie"] = self._cookie_header()
        h.update(headers or {})
        return self._keep(self.inst.request("GET", path, headers=h,
                                            key=False))

    def post(self, path, fields, headers=None):
        h = {"Accept": HTML, "Content-Type": FORM,
             "Sec-Fetch-Site": "same-origin",
             "Origin": self.inst.base_url}
        if self.cookies:
            h["Cookie"] = self._cookie_header()
        h.update(headers or {})
        body = urllib.parse.urlencode(fields)
        return self._keep(self.inst.request("POST", path, body, headers=h,
                                            key=False))


def text(r):
    return r.body.decode("utf-8", "replace")


def hidden(r, name="csrf"):
    m = re.search(r'name="%s" value="([^"]*)"' % name, text(r))
    return html.unescape(m.group(1)) if m else None


def sign_in(inst, key):
    b = Browser(inst)
    r = b.get("/admin/login")
    r = b.post("/admin/login", {"csrf": hidden(r) or "", "key": key})
    return b, r


def cookie_attrs(r, name):
    for line in (r.header("set-cookie") or "").split("\n"):
        if line.startswith(name + "="):
            return line
    return ""


def main():
    with Instance(workers=2, env={"KURZ_CLICK_FLUSH_MS": "200"}) as inst:
        b = Browser(inst)

        # -- signing in ---------------------------------------------------
        r = b.get("/admin/")
        is_eq((r.status, r.header("location")), (303, "/admin/login"),
              "no session: /admin/ sends the browser to the sign-in page", r)
        r = b.get("/admin")
        ok(r.status in (301, 303) and
           (r.header("location") or "").endswith("/admin/"),
           "/admin goes to /admin/", r)
        r = b.get("/admin/login")
        is_eq(r.status, 200, "the sign-in page", r)
        ok(r.content_type() == "text/html", "  as HTML", r)
        csp = r.header("content-security-policy") or ""
        ok("default-src 'none'" in csp and "frame-ancestors 'none'" in csp
           and "script-src 'self'" in csp and "unsafe-inline" not in csp,
           "  under a strict CSP: %s" % csp, r)
        for h, v in (("x-content-type-options", "nosniff"),
                     ("cache-control", "no-store"),
                     ("referrer-policy", "same-origin"),
                     ("x-frame-options", "DENY")):
            is_eq(r.header(h), v, "  %s: %s" % (h, v))
        ok('<label for="key">API key</label>' in text(r) and
           'id="key" name="key" type="password"' in text(r),
           "  a labelled password field for the key", r)
        login_cookie = cookie_attrs(r, "kurz_login")
        ok("HttpOnly" in login_cookie and "SameSite=Strict" in login_cookie
           and "Secure" not in login_cookie,
           "  the sign-in form's cookie: HttpOnly, SameSite=Strict, not "
           "Secure over plain http: %s" % login_cookie)
        token = hidden(r)
        ok(token and len(token) == 43, "  the form carries a token")

        r = b.post("/admin/login", {"csrf": token, "key": "kz_" + "A" * 43})
        is_eq(r.status, 401, "a wrong key: 401", r)
        ok('id="key-error"' in text(r) and "not valid" in text(r),
           "  with the error beside the field", r)
        ok("kurz_session" not in (r.header("set-cookie") or ""),
           "  and no session")

        r = b.get("/admin/login")
        r = b.post("/admin/login", {"csrf": "x" * 43, "key": inst.key})
        is_eq(r.status, 403, "the right key with a token that is not the "
              "form's: 403", r)
        ok("kurz_session" not in (r.header("set-cookie") or ""),
           "  and no session")

        r = b.get("/admin/login")
        r = b.post("/admin/login", {"csrf": hidden(r), "key": inst.key},
                   headers={"Sec-Fetch-Site": "cross-site"})
        is_eq(r.status, 403, "a sign-in posted from another site: 403", r)

        r = b.get("/admin/login")
        # A key pasted with a newline after it still works.
        r = b.post("/admin/login", {"csrf": hidden(r),
                                    "key": " " + inst.key + "\n"})
        is_eq((r.status, r.header("location")), (303, "/admin/"),
              "the right key: signed in, sent to /admin/", r)
        sess = cookie_attrs(r, "kurz_session")
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/admin/",
                     "Max-Age=43200"):
            ok(attr in sess, "  the session cookie has %s" % attr, sess)
        tok = b.cookies.get("kurz_session", "")
        rows = inst.query("SELECT hash, csrf, expires_at - created_at AS life "
                          "FROM admin_sessions")
        is_eq(len(rows), 1, "  one session in the database")
        ok(rows and len(rows[0]["hash"]) == 32 and rows[0]["life"] == 43200,
           "  kept as a 32-byte hash, 12 hours long")
        raw = open(inst.db_path, "rb").read()
        wal = inst.db_path + "-wal"
        if os.path.exists(wal):
            raw += open(wal, "rb").read()
        ok(tok and tok.encode() not in raw,
           "  the cookie's token is nowhere in the database files")

        r = b.get("/admin/")
        is_eq(r.status, 200, "the links page", r)
        ok("<h1>Links</h1>" in text(r) and 'id="empty"' in text(r),
           "  empty at first", r)
        csrf = hidden(r)
        ok(csrf and csrf != token, "  the session's CSRF token is its own")
        r = b.get("/admin/login")
        is_eq((r.status, r.header("location")), (303, "/admin/"),
              "signed in: the sign-in page sends on to /admin/", r)

        # -- static files ---------------------------------------------------
        r = inst.request("GET", "/admin/static/admin.css", key=False)
        ok(r.status == 200 and r.content_type() == "text/css" and
           b":focus-visible" in r.body, "the stylesheet, as text/css", r)
        r = inst.request("GET", "/admin/static/admin.js", key=False)
        ok(r.status == 200 and r.content_type() == "text/javascript" and
           b"clipboard" in r.body, "the script, as text/javascript", r)

        # -- create -----------------------------------------------------------
        form = {"csrf": csrf, "url": "https://example.com/landing",
                "code": "hello", "domain": "", "title": "Hello",
                "tags": "docs, team , ,docs", "expires_at": "",
                "max_clicks": "", "redirect_status": "302", "password": ""}
        r = b.post("/admin/new", dict(form, csrf=""))
        is_eq(r.status, 403, "create without the CSRF token: 403", r)
        r = b.post("/admin/new", form,
                   headers={"Sec-Fetch-Site": "cross-site"})
        is_eq(r.status, 403, "create from another site "
              "(Sec-Fetch-Site: cross-site), right token: 403", r)
        ok("<h1>Refused</h1>" in text(r), "  says so", r)
        r = b.post("/admin/new", form,
                   headers={"Sec-Fetch-Site": "same-site"})
        is_eq(r.status, 403, "create from a sibling site: 403", r)
        r = b.post("/admin/new", form,
                   headers={"Origin": "http://evil.example"})
        is_eq(r.status, 403, "create with another Origin: 403", r)
        r = b.post("/admin/new", form, headers={"Origin": "null"})
        is_eq(r.status, 403, "create with Origin: null: 403", r)
        is_eq(inst.links_count(), 0, "  none of them made a link")

        r = b.post("/admin/new", form)
        is_eq((r.status, r.header("location")),
              (303, "/admin/links/hello?created=1"),
              "create through the form: 303 to the link's page", r)
        j = inst.request("GET", "/api/v1/links/hello").json() or {}
        is_eq((j.get("url"), j.get("title"), j.get("tags")),
              ("https://example.com/landing", "Hello", ["docs", "team"]),
              "  the API sees it, tags split and de-duplicated")
        r = b.get("/admin/links/hello?created=1")
        ok(r.status == 200 and "Created." in text(r) and
           'id="qr"' in text(r) and 'class="copy"' in text(r),
           "  its page: notice, QR code, copy button", r)

        # Validation: the API's words, beside the field.
        api = inst.create("ftp://example.com/x").json() or {}
        r = b.post("/admin/new", dict(form, url="ftp://example.com/x",
                                      code="other"))
        is_eq(r.status, 422, "a bad URL: 422", r)
        m = re.search(r'<p class="error" id="url-error">([^<]*)</p>', text(r))
        want = api.get("detail") or "?"
        is_eq(html.unescape(m.group(1)) if m else None,
              want[0].upper() + want[1:] + ".",
              "  the API's message beside the url field, as a sentence")
        ok('aria-invalid="true" aria-describedby="url-error"' in text(r),
           "  the field is marked invalid and points at it")
        ok('value="other"' in text(r), "  what was typed is kept")
        r = b.post("/admin/new", dict(form, url="https://example.com/2"))
        is_eq(r.status, 409, "a taken code: 409", r)
        ok('id="code-error"' in text(r) and "taken" in text(r),
           "  said beside the code field", r)
        r = b.post("/admin/new", dict(form, code="x2", max_clicks="lots"))
        is_eq(r.status, 422, "a visit limit that is not a number: 422", r)
        ok('id="max_clicks-error"' in text(r), "  beside its field", r)
        r = b.post("/admin/new", dict(form, code="x3",
                                      expires_at="2001-01-01T00:00"))
        ok(r.status == 422 and 'id="expires_at-error"' in text(r),
           "an expiry in the past: 422 beside its field", r)
        r = b.post("/admin/new", dict(form, code="api"))
        ok(r.status == 422 and 'id="code-error"' in text(r),
           "a reserved code: 422 beside the code field", r)
        is_eq(inst.links_count(), 1, "  no refused form made a link")

        r = b.post("/admin/new", dict(form, code="", title="",
                                      tags="", max_clicks="3",
                                      expires_at="2099-12-31T23:59",
                                      redirect_status="308",
                                      password="s3cret"))
        ok(r.status == 303 and re.match(r"/admin/links/[A-Za-z0-9]{7}\?created=1$",
                                        r.header("location") or ""),
           "a generated code, a cap, an expiry, a 308 and a password", r)
        gen = (r.header("location") or "/admin/links/x?").split("/")[-1].split("?")[0]
        j = inst.request("GET", "/api/v1/links/" + gen).json() or {}
        is_eq((j.get("max_clicks"), j.get("expires_at"),
               j.get("redirect_status"), j.get("password_protected")),
              (3, "2099-12-31T23:59:00Z", 308, True),
              "  stored as typed (the expiry read as UTC)")
        ok(b"s3cret" not in open(inst.log_path, "rb").read(),
           "  the password is in no log")

        # -- hostile data -----------------------------------------------------
        r = inst.create("https://example.com/?q=" + urllib.parse.quote(HOSTILE),
                        code="evil", title=HOSTILE, tags=[HOSTILE[:20]])
        is_eq(r.status, 201, "a link with a hostile title and tag (API)", r)
        for path in ("/admin/", "/admin/links/evil", "/admin/links/evil/stats",
                     "/admin/?q=" + urllib.parse.quote(HOSTILE)):
            r = b.get(path)
            ok(r.status == 200 and "<script>alert" not in text(r) and
               "&lt;script&gt;alert(1)&lt;/script&gt;" in text(r),
               "  %s shows it as text, never as markup" % path, r)

        # -- edit ---------------------------------------------------------------
        r = b.get("/admin/links/hello")
        version = hidden(r, "version")
        ok('value="docs, team"' in text(r) and version == "1",
           "the edit form is filled in, version 1", r)
        edit = {"csrf": csrf, "version": version,
                "url": "https://example.com/landing2", "title": "",
                "tags": "docs", "expires_at": "", "max_clicks": "",
                "redirect_status": "301", "password": ""}
        r = b.post("/admin/links/hello/edit", edit)
        is_eq((r.status, r.header("location")),
              (303, "/admin/links/hello?saved=1"), "edit: 303 back", r)
        j = inst.request("GET", "/api/v1/links/hello").json() or {}
        is_eq((j.get("url"), j.get("title"), j.get("tags"),
               j.get("redirect_status"), j.get("version")),
              ("https://example.com/landing2", None, ["docs"], 301, 2),
              "  the new target, title cleared, tags and type changed")
        r = inst.request("GET", "/hello", key=False)
        is_eq((r.status, r.header("location")),
              (301, "https://example.com/landing2"), "  the redirect follows")
        r = b.post("/admin/links/hello/edit", dict(edit, url="https://x.example/"))
        is_eq(r.status, 409, "an edit of version 1 after version 2: 409", r)
        ok('id="form-error"' in text(r) and "changed elsewhere" in text(r)
           and 'value="https://x.example/"' in text(r),
           "  says why and keeps what was typed", r)
        is_eq((inst.request("GET", "/api/v1/links/hello").json() or {})
              .get("url"), "https://example.com/landing2",
              "  and changed nothing")
        r = b.post("/admin/links/hello/edit", dict(edit, version="2",
                                                   url="javascript:alert(1)"))
        ok(r.status == 422 and 'id="url-error"' in text(r),
           "a javascript: target: 422 beside the url field", r)

        # -- delete and restore -------------------------------------------------
        r = b.get("/admin/links/hello/delete")
        ok(r.status == 200 and 'id="confirm-delete"' in text(r),
           "delete asks first", r)
        is_eq(inst.request("GET", "/hello", key=False).status, 301,
              "  and asking deletes nothing")
        r = b.post("/admin/links/hello/delete", {"csrf": csrf})
        is_eq((r.status, r.header("location")),
              (303, "/admin/links/hello?deleted=1"), "delete: 303", r)
        is_eq(inst.request("GET", "/hello", key=False).status, 410,
              "  the short URL answers 410")
        r = b.get("/admin/?deleted=1")
        ok('data-code="hello"' in text(r) and "status-deleted" in text(r),
           "  it is in the list of deleted links", r)
        r = b.get("/admin/links/hello")
        ok('id="restore"' in text(r) and 'id="link-form"' not in text(r),
           "  its page offers a restore and no edit", r)
        r = b.post("/admin/links/hello/restore", {"csrf": csrf})
        is_eq(r.status, 303, "restore: 303", r)
        is_eq(inst.request("GET", "/hello", key=False).status, 301,
              "  the short URL works again")

        # -- list ---------------------------------------------------------------
        for i in range(55):
            inst.create("https://example.com/p%d" % i, code="page%02d" % i,
                        tags=["bulk"])
        r = b.get("/admin/?tag=bulk")
        rows = re.findall(r'<tr data-code="([^"]+)"', text(r))
        is_eq(len(rows), 50, "a page holds 50 links")
        m = re.search(r'<a id="next" href="([^"]+)"', text(r))
        ok(m is not None, "  and a link to the next page", r)
        r2 = b.get(html.unescape(m.group(1)) if m else "/admin/")
        rows2 = re.findall(r'<tr data-code="([^"]+)"', text(r2))
        is_eq(len(rows2), 5, "  which holds the other 5")
        is_eq(len(set(rows) | set(rows2)), 55, "  no link twice")
        r = b.get("/admin/?q=page07")
        is_eq(re.findall(r'<tr data-code="([^"]+)"', text(r)), ["page07"],
              "search finds one link")
        r = b.get("/admin/?before=abc")
        is_eq(r.status, 400, "a made-up page address: 400", r)
        r = b.get("/admin/?tag=" + "x" * 65)
        ok(r.status == 400 and 'id="search-error"' in text(r),
           "an over-long tag: 400 with the reason", r)

        # -- QR codes -------------------------------------------------------------
        r = b.get("/admin/links/hello/qr.svg")
        ok(r.status == 200 and r.content_type() == "image/svg+xml" and
           b"<svg" in r.body and b"<path" in r.body, "the QR code as SVG", r)
        r = b.get("/admin/links/hello/qr.png?download=1")
        ok(r.status == 200 and r.content_type() == "image/png" and
           r.body.startswith(b"\x89PNG\r\n\x1a\n"), "the QR code as PNG", r)
        is_eq(r.header("content-disposition"),
              'attachment; filename="hello.png"', "  downloadable")
        r = b.get("/admin/links/nope/qr.svg")
        is_eq(r.status, 404, "no QR code of a link that is not there")

        # -- stats ------------------------------------------------------------------
        def visits():
            r = b.get("/admin/links/hello/stats")
            m = re.search(r'<dd id="visits">(\d+)</dd>', text(r))
            return int(m.group(1)) if m else -1
        ok(wait_until(lambda: visits() == 3, 10),
           "the stats page counts the 3 visits made so far")
        for _ in range(3):
            inst.request("GET", "/hello", key=False,
                         headers={"User-Agent": "Mozilla/5.0 (X11; Linux "
                                  "x86_64; rv:128.0) Gecko/20100101 "
                                  "Firefox/128.0",
                                  "Referer": "https://news.example/item"})
        inst.request("GET", "/hello", key=False,
                     headers={"User-Agent": "Googlebot/2.1"})

        ok(wait_until(lambda: visits() == 6, 10),
           "  and the 3 new ones, not the bot's")
        r = b.get("/admin/links/hello/stats")
        ok(re.search(r'<dd id="bots">1</dd>', text(r)),
           "  the bot apart", r)
        bars = re.findall(r'<rect class="bar" data-day="([0-9-]+)" '
                          r'data-visits="(\d+)"', text(r))
        is_eq(len(bars), 30, "  30 days in the chart")
        ok(bars and bars[-1] == (time.strftime("%Y-%m-%d", time.gmtime()), "6"),
           "  today last, with 6 visits", bars[-1:] if bars else "")
        ok('id="referrers"' in text(r) and "news.example" in text(r),
           "  the referrer listed", r)
        ok('id="browsers"' in text(r) and "Firefox" in text(r),
           "  the browser listed", r)

        # -- errors: pages for browsers, problems for the rest --------------------
        r = b.get("/admin/links/nope")
        ok(r.status == 404 and r.content_type() == "text/html" and
           "<h1>Not found</h1>" in text(r), "an unknown link: a 404 page", r)
        r = b.get("/admin/links/nope", headers={"Accept": "application/json"})
        problem_ok(r, 404, "not_found", "  and problem+json for a client that "
                   "asks for JSON")
        r = b.get("/admin/links/" + "%FF" * 3)
        is_eq(r.status, 404, "a code that cannot be one: 404")
        r = b.get("/admin/nowhere")
        is_eq(r.status, 404, "an unknown admin page: 404")
        r = inst.request("DELETE", "/admin/", key=False,
                         headers={"Cookie": "kurz_session=" + tok,
                                  "Accept": "application/json"})
        problem_ok(r, 405, "method_not_allowed", "DELETE /admin/: 405")
        r = b.post("/admin/new", form, headers={"Content-Type": "text/plain"})
        is_eq(r.status, 415, "a form that is not urlencoded: 415", r)
        r = inst.request("POST", "/admin/new", "url=x", key=False,
                         headers={"Content-Type": FORM,
                                  "Accept": "application/json"})
        problem_ok(r, 401, "unauthorized", "a POST with no session from a "
                   "client: 401 problem")
        r = b.get("/admin/", headers={"Cookie": "kurz_session=" + "A" * 43})
        is_eq(r.status, 303, "a made-up session cookie: back to sign in")
        r = b.get("/admin/", headers={"Cookie": "a=b; kurz_session=%s; c=d"
                                      % tok})
        is_eq(r.status, 200, "the session cookie among others is found")

        # -- a read-only key ---------------------------------------------------------
        rkey = inst.key_create("reader", "read")
        rb, r = sign_in(inst, rkey)
        is_eq(r.status, 303, "a read-only key signs in")
        r = rb.get("/admin/")
        ok(r.status == 200 and 'data-code="page54"' in text(r),
           "  and sees the links", r)
        r = rb.post("/admin/new", dict(form, csrf=hidden(r), code="ro"))
        ok(r.status == 403 and "read-only" in text(r),
           "  but may not create one: 403", r)

        # -- ends of sessions ------------------------------------------------------------
        inst.kurzctl("key", "revoke", "reader")
        r = rb.get("/admin/")
        is_eq((r.status, r.header("location")), (303, "/admin/login"),
              "a revoked key's session is over")

        b2, r = sign_in(inst, inst.key)
        c = sqlite3.connect(inst.db_path, timeout=5)
        h = kurz_hash(b2.cookies.get("kurz_session", ""))
        c.execute("UPDATE admin_sessions SET expires_at = 1 WHERE hash = ?",
                  (h,))
        c.commit()
        c.close()
        r = b2.get("/admin/")
        is_eq(r.status, 303, "an expired session is over")

        r = b.post("/admin/logout", {"csrf": "wrong" * 9})
        is_eq(r.status, 403, "sign out with a wrong token: 403", r)
        r = b.post("/admin/logout", {"csrf": csrf})
        is_eq((r.status, r.header("location")), (303, "/admin/login"),
              "sign out: 303 to the sign-in page", r)
        ok("Max-Age=0" in cookie_attrs(r, "kurz_session"),
           "  the cookie is cleared")
        r = inst.request("GET", "/admin/", key=False,
                         headers={"Cookie": "kurz_session=" + tok,
                                  "Accept": HTML})
        is_eq(r.status, 303, "  and the old cookie no longer works")
        is_eq(inst.scalar("SELECT count(*) FROM admin_sessions WHERE hash = ?",
                          (kurz_hash(tok),)), 0,
              "  its session is gone from the database")

        # -- nothing secret in the logs ----------------------------------------------------
        logs = inst.read_log("kurz.log") + inst.read_log("nginx-access.log")
        ok(inst.key not in logs and rkey not in logs and tok not in logs,
           "no key and no session token in any log")
        ok(not inst.log_lines("error"), "no errors logged",
           "\n".join(inst.log_lines("error")))


def kurz_hash(token):
    import hashlib
    return hashlib.sha256(token.encode()).digest()


if __name__ == "__main__":
    kurz.run(main)
