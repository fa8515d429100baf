#!/usr/bin/env python3
"""Links with a password: the form (GET, HEAD), its answer (POST) with
the right and wrong password, the limit on wrong tries and its cost,
clicks, go-link rest and query, deleted, expired and capped links,
content types, escaping, and that no password reaches a log."""

import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, wait_until  # noqa: E402

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PASSWORD = "s3cret"
WRONG = "n0t-the-pa55word"
FORM = "application/x-www-form-urlencoded"
TRIES = 5           # wrong tries per link and address before the lockout
SECURITY = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def post(inst, path, password=None, body=None, ctype=FORM, headers=None):
    """POST the form to path: password= when body is None."""
    if body is None:
        body = "" if password is None else \
            "password=" + urllib.parse.quote_plus(password)
    # An empty Content-Type reaches the worker as none at all.
    h = {"User-Agent": UA, "Content-Type": ctype or ""}
    h.update(headers or {})
    return inst.request("POST", path, body, headers=h, key=False)


def csp(r):
    """The Content-Security-Policy as {directive: [values]}."""
    out = {}
    for d in (r.header("content-security-policy") or "").split(";"):
        words = d.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def page_ok(r, status, name):
    """One test point: an HTML page with the security headers, no
    Location, no script and no style."""
    reasons = []
    if r.status != status:
        reasons.append("status %s, want %d" % (r.status, status))
    if r.header("content-type", "").lower().replace(" ", "") != \
            "text/html;charset=utf-8":
        reasons.append("content-type %r" % r.header("content-type"))
    for k, v in SECURITY.items():
        if r.header(k) != v:
            reasons.append("%s: %r, want %r" % (k, r.header(k), v))
    p = csp(r)
    if p.get("default-src") != ["'none'"]:
        reasons.append("CSP default-src %r" % p.get("default-src"))
    if "'self'" not in p.get("form-action", []):
        reasons.append("CSP form-action %r" % p.get("form-action"))
    if p.get("frame-ancestors") != ["'none'"]:
        reasons.append("CSP frame-ancestors %r" % p.get("frame-ancestors"))
    if p.get("base-uri") != ["'none'"]:
        reasons.append("CSP base-uri %r" % p.get("base-uri"))
    if "location" in r.headers:
        reasons.append("has a Location")
    if r.body:
        low = r.body.lower()
        if b"<script" in low or b"<style" in low or b"style=" in low:
            reasons.append("script or style in the page")
        if not low.startswith(b"<!doctype html>"):
            reasons.append("not an HTML5 document")
    return ok(not reasons, name, "; ".join(reasons), r)


def form_ok(r, action, name):
    """One test point: the body holds the password form posting to
    action (as it appears in the HTML)."""
    b = r.body.decode("utf-8", "replace")
    want = ['<form method="post" action="%s">' % action,
            '<label for="password">',
            '<input type="password" id="password" name="password" '
            'autocomplete="current-password" required',
            '<button type="submit">']
    missing = [w for w in want if w not in b]
    return ok(not missing, name, "missing: %r" % missing, r)


def clicks(inst, code):
    return inst.scalar("SELECT coalesce(n.clicks, 0) FROM links l "
                       "LEFT JOIN link_counts n "
                       "ON n.link_id = l.id WHERE l.code = ?", (code,))


def click_rows(inst, code):
    return inst.scalar(
        "SELECT count(*) FROM clicks c JOIN links l ON l.id = c.link_id "
        "WHERE l.code = ?", (code,))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def main():
    with Instance(workers=2, env={"KURZ_CLICK_FLUSH_MS": "200"}) as inst:
        target = "https://example.com/base?x=1"
        r = inst.create(target, code="sec", password=PASSWORD)
        if not ok(r.status == 201, "create sec with a password", r):
            return
        j = r.json() or {}
        is_eq(j.get("password_protected"), True,
              "the link says password_protected", r)
        ok(PASSWORD.encode() not in r.body and b"argon2" not in r.body,
           "neither the password nor its hash is shown", r)
        r = inst.create(target, code="plain")
        ok(r.status == 201, "create plain, the same URL without a password",
           r)

        # -- the form ----------------------------------------------------
        g = inst.request("GET", "/sec", key=False, headers={"User-Agent": UA})
        page_ok(g, 200, "GET /sec -> 200 HTML page, security headers")
        form_ok(g, "/sec", "GET /sec: the form posts to /sec")
        h = inst.request("HEAD", "/sec", key=False,
                         headers={"User-Agent": UA})
        page_ok(h, 200, "HEAD /sec -> 200, the same headers")
        is_eq(h.body, b"", "HEAD /sec has no body", h)
        is_eq(h.header("content-length"), g.header("content-length"),
              "HEAD and GET give the same Content-Length", h, g)
        g = inst.request("GET", "/SEC", key=False)
        page_ok(g, 200, "GET /SEC (case-insensitive) -> the form")

        path = "/sec/a/b?q=1&r=%22x"
        g = inst.request("GET", path, key=False)
        page_ok(g, 200, "GET %s -> the form" % path)
        form_ok(g, "/sec/a/b?q=1&amp;r=%22x",
                "the form keeps the go-link rest and the query, escaped")
        hostile = "/sec?a=%22%3E%3Cscript%3Ealert(1)%3C/script%3E" \
                  "&b='onmouseover='x"
        g = inst.raw_response(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Connection: close\r\n\r\n"
                               % hostile.replace("%22%3E", '">'))
                              .encode())
        b = g.body.decode("utf-8", "replace")
        m = re.search(r'<form method="post" action="([^"]*)">', b)
        ok(g.status == 200 and m and "<" not in m.group(1) and
           "'" not in m.group(1) and "<script>" not in b,
           "a hostile query reaches the page only escaped", g)

        # No click for the form.
        time.sleep(0.6)
        is_eq(clicks(inst, "sec"), 0, "the form counts no visit")
        is_eq(click_rows(inst, "sec"), 0, "the form records no click row")

        # -- wrong and right ---------------------------------------------
        p = post(inst, "/sec", WRONG)
        page_ok(p, 401, "POST a wrong password -> 401 page")
        form_ok(p, "/sec", "the 401 page holds the form again")
        ok(b"Wrong password" in p.body and b'id="password-error"' in p.body,
           "the 401 page says the password is wrong, next to the field", p)
        ok(WRONG.encode() not in p.body, "the page does not echo it", p)
        p = post(inst, "/sec", body="other=1")
        page_ok(p, 401, "POST without a password field -> 401 page")

        p = post(inst, "/sec", PASSWORD)
        is_eq(p.status, 302, "POST the right password -> 302", p)
        is_eq(p.header("location"), target, "Location is the target", p)
        cc = (p.header("cache-control") or "").replace(" ", "")
        is_eq(cc, "private,no-store", "the redirect is not cached", p)

        for rest in ("/a/b?q=1&r=%22x", "/docs/x%20y?z=%C3%A9", "?only=q"):
            want = inst.request("GET", "/plain" + rest, key=False)
            p = post(inst, "/sec" + rest, PASSWORD)
            ok(p.status == 302 and want.status == 302 and
               p.header("location") == want.header("location"),
               "POST /sec%s goes where GET /plain%s does (%s)"
               % (rest, rest, want.header("location")), p, want)

        p = post(inst, "/sec", PASSWORD + " ")
        is_eq(p.status, 401, "the password plus a space is wrong", p)

        # Four right POSTs so far, each one visit.
        wait_until(lambda: clicks(inst, "sec") == 4, 3.0)
        is_eq(clicks(inst, "sec"), 4,
              "each right password counts one visit, nothing else does")
        wait_until(lambda: click_rows(inst, "sec") == 4, 3.0)
        is_eq(click_rows(inst, "sec"), 4, "four click rows")

        # -- what POST refuses -------------------------------------------
        for ctype in ("application/json", "text/plain", None):
            p = post(inst, "/sec", PASSWORD, ctype=ctype)
            problem_ok(p, 415, "unsupported_media_type",
                       "POST with Content-Type %s -> 415 problem" % ctype)
        p = post(inst, "/sec", PASSWORD,
                 ctype="application/x-www-form-urlencoded; charset=UTF-8")
        is_eq(p.status, 302, "a charset parameter is fine", p)
        problem_ok(post(inst, "/plain", PASSWORD), 404, "not_found",
                   "POST to a link without a password -> 404 problem")
        problem_ok(post(inst, "/no-such-code", PASSWORD), 404, "not_found",
                   "POST to an unknown code -> 404 problem")
        problem_ok(post(inst, "/a%2fb", PASSWORD), 404, "not_found",
                   "POST to an invalid code -> 404 problem")

        r = inst.create(target, code="gone", password=PASSWORD)
        d = inst.request("DELETE", "/api/v1/links/gone")
        ok(r.status == 201 and d.status == 204, "create and delete gone", r,
           d)
        problem_ok(inst.request("GET", "/gone", key=False), 410, "gone",
                   "GET a deleted password link -> 410")
        problem_ok(post(inst, "/gone", PASSWORD), 410, "gone",
                   "POST to a deleted password link -> 410")

        r = inst.create(target, code="cap", password=PASSWORD, max_clicks=1)
        ok(r.status == 201, "create cap (max_clicks 1)", r)
        g = inst.request("GET", "/cap", key=False)
        g = inst.request("GET", "/cap", key=False)
        is_eq(g.status, 200, "the form uses up no visit of a capped link", g)
        p = post(inst, "/cap", PASSWORD)
        is_eq(p.status, 302, "the right password takes the one visit", p)
        problem_ok(post(inst, "/cap", PASSWORD), 410, "used_up",
                   "the next right password -> 410 used_up")

        for st, want in ((301, 301), (302, 302), (307, 303), (308, 303)):
            code = "st%d" % st
            r = inst.create(target, code=code, password=PASSWORD,
                            redirect_status=st)
            p = post(inst, "/" + code, PASSWORD)
            ok(r.status == 201 and p.status == want and
               p.header("location") == target,
               "a %d link answers the right password with %d%s"
               % (st, want, " (no re-POST of the password to the target)"
                  if st != want else ""), r, p)

        r = inst.create(target, code="noq", password=PASSWORD,
                        forward_query=False)
        p = post(inst, "/noq?drop=1", PASSWORD)
        ok(r.status == 201 and p.status == 302 and
           p.header("location") == target,
           "forward_query false: the query is not merged", r, p)

        r = inst.create(target, code="soon", password=PASSWORD,
                        expires_at=rfc3339(time.time() + 2))
        ok(r.status == 201, "create soon (expires in 2 s)", r)
        wait_until(lambda: inst.request("GET", "/soon", key=False).status
                   == 410, 5.0, 0.25)
        problem_ok(inst.request("GET", "/soon", key=False), 410, "expired",
                   "GET an expired password link -> 410")
        problem_ok(post(inst, "/soon", PASSWORD), 410, "expired",
                   "POST to an expired password link -> 410")

        # -- the limit on wrong tries ------------------------------------
        r = inst.create(target, code="guess", password=PASSWORD)
        ok(r.status == 201, "create guess", r)
        slow = []
        for i in range(TRIES):
            t = time.monotonic()
            p = post(inst, "/guess", "%s-%d" % (WRONG, i))
            slow.append(time.monotonic() - t)
            is_eq(p.status, 401, "wrong try %d -> 401" % (i + 1), p)
        ok(b"last try" in p.body, "the fifth wrong try says it was the last",
           p)
        fast = []
        for i in range(3):
            t = time.monotonic()
            p = post(inst, "/guess", PASSWORD if i == 2 else WRONG)
            fast.append(time.monotonic() - t)
            page_ok(p, 429, "try %d after %d wrong ones -> 429 page"
                    % (TRIES + 1 + i, TRIES))
        ok(p.header("retry-after", "").isdigit() and
           0 < int(p.header("retry-after")) <= 900,
           "429 has Retry-After within the 15-minute window", p)
        is_eq(p.status, 429, "even the right password waits", p)
        ok(b"Wait" in p.body, "the 429 page says to wait", p)
        kurz.diag("wrong try (Argon2id verification): %s ms; "
                  "refused try: %s ms"
                  % ([round(x * 1000, 1) for x in slow],
                     [round(x * 1000, 1) for x in fast]))
        ok(max(fast) < min(slow) / 3,
           "a refused try costs well under a verification "
           "(max %.1f ms < %.1f ms / 3)"
           % (max(fast) * 1000, min(slow) * 1000))
        rows = inst.scalar("SELECT count(*) FROM password_failures f "
                           "JOIN links l ON l.id = f.link_id "
                           "WHERE l.code = 'guess'")
        is_eq(rows, TRIES, "refused tries are not counted as failures")
        is_eq(inst.scalar("SELECT count(*) FROM password_failures "
                          "WHERE length(client) != 16"), 0,
              "failures hold a 16-byte hash of the address, not the address")
        p = post(inst, "/sec", PASSWORD)
        is_eq(p.status, 302, "another link is not locked", p)
        g = inst.request("GET", "/guess", key=False)
        is_eq(g.status, 200, "GET of the locked link still shows the form",
              g)
        time.sleep(0.6)
        is_eq(clicks(inst, "guess"), 0, "the locked link counted no visit")

        # -- nginx: GETs are never limited by the password zone ------------
        codes = [inst.request("GET", "/plain", key=False).status
                 for _ in range(40)]
        ok(all(c == 302 for c in codes),
           "40 quick GETs pass the POST-only limit", codes)

        # ... but POSTs are, per address (60 a minute, burst 30, in dev).
        statuses = [post(inst, "/no-such-code", WRONG).status
                    for _ in range(40)]
        ok(statuses[0] == 404 and 429 in statuses,
           "40 quick POSTs: nginx answers 429 past the burst", statuses)

        # -- logs ----------------------------------------------------------
        leaked = []
        for name in ("kurz.log", "nginx-access.log", "nginx-error.log"):
            text = inst.read_log(name)
            for pw in (PASSWORD, WRONG):
                if pw in text:
                    leaked.append("%s holds %r" % (name, pw))
        ok(not leaked, "no password in any log", *leaked)
        ok(inst.healthy(), "still healthy")


if __name__ == "__main__":
    kurz.run(main)
