#!/usr/bin/env python3
"""Redirects: status, Location, caching, case, clicks, hostile paths."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, wait_until  # noqa: E402

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
REFERER = "https://referrer.example/page?from=kurz-it"


def no_cache(r):
    cc = (r.header("cache-control") or "").lower().replace(" ", "")
    return "no-store" in cc or "private,max-age=0" in cc


def click_rows(inst, code):
    return inst.query(
        "SELECT c.* FROM clicks c JOIN links l ON l.id = c.link_id "
        "WHERE l.code = ? ORDER BY c.id", (code,))


def main():
    with Instance(workers=2, env={"KURZ_CLICK_FLUSH_MS": "200"}) as inst:
        target = "https://example.com/handbook?x=1&y=%C3%A9"
        r = inst.create(target, code="docs")
        if not ok(r.status == 201, "create docs", r):
            return

        g = inst.request("GET", "/docs", key=False,
                         headers={"User-Agent": UA})
        is_eq(g.status, 302, "GET /docs -> 302", g)
        is_eq(g.header("location"), target, "exact Location", g)
        ok(no_cache(g), "Cache-Control has no-store or private, max-age=0",
           g)
        ok("set-cookie" not in g.headers, "no Set-Cookie on a redirect", g)

        h = inst.request("HEAD", "/docs", key=False,
                         headers={"User-Agent": UA})
        ok(h.status == 302 and h.header("location") == target,
           "HEAD /docs -> 302 with Location", h)
        is_eq(h.body, b"", "HEAD has no body", h)

        for path in ("/DOCS", "/Docs", "/dOcS"):
            g = inst.request("GET", path, key=False)
            ok(g.status == 302 and g.header("location") == target,
               "GET %s finds docs (case-insensitive)" % path, g)

        g = inst.request("GET", "/no-such-code", key=False)
        problem_ok(g, 404, "not_found", "GET unknown code -> 404 problem")
        g = inst.request("HEAD", "/no-such-code", key=False)
        is_eq(g.status, 404, "HEAD unknown code -> 404", g)

        for st in (301, 307, 308):
            code = "perm%d" % st
            r = inst.create("https://example.com/%d" % st, code=code,
                            redirect_status=st)
            ok(r.status == 201, "create %s" % code, r)
            g = inst.request("GET", "/" + code, key=False)
            ok(g.status == st and g.header("location")
               == "https://example.com/%d" % st,
               "link with redirect_status %d answers %d" % (st, st), g)

        # -- clicks ------------------------------------------------------
        r = inst.create("https://example.com/counted", code="clk")
        ok(r.status == 201, "create clk", r)
        visits = 3
        for i in range(visits):
            g = inst.request("GET", "/clk", key=False,
                             headers={"User-Agent": UA, "Referer": REFERER})
            ok(g.status == 302, "GET /clk visit %d -> 302" % (i + 1), g)
        for i in range(2):
            h = inst.request("HEAD", "/clk", key=False,
                             headers={"User-Agent": UA, "Referer": REFERER})
            ok(h.status == 302, "HEAD /clk %d -> 302" % (i + 1), h)

        got = wait_until(lambda: len(click_rows(inst, "clk")) >= visits, 3.0)
        if not ok(got, "%d GET visits give %d click rows within 3 s "
                  "(KURZ_CLICK_FLUSH_MS=200, no further traffic)"
                  % (visits, visits),
                  "rows: %d" % len(click_rows(inst, "clk"))):
            # Tell "never written" from "written only on the next request".
            for _ in range(4):
                inst.request("GET", "/healthz", key=False)
            time.sleep(0.5)
            kurz.diag("after 4 more requests and 0.5 s: %d rows"
                      % len(click_rows(inst, "clk")))
        time.sleep(0.6)  # three flush periods: a HEAD click would show
        rows = click_rows(inst, "clk")
        is_eq(len(rows), visits, "HEAD adds no click row", rows)
        ok(rows and all(x.get("referrer") == REFERER for x in rows),
           "click rows carry the Referer sent", rows)
        ok(rows and all(x.get("user_agent") == UA for x in rows),
           "click rows carry the User-Agent sent", rows)
        ok(rows and all(not x.get("bot") for x in rows),
           "a browser User-Agent is not flagged as a bot", rows)
        ok(rows and all("127.0.0.1" not in repr(x.get("visitor"))
                        for x in rows), "no raw IP in the click rows", rows)

        def counter():
            g = inst.request("GET", "/api/v1/links/clk")
            return (g.json() or {}).get("clicks")
        wait_until(lambda: counter() == visits, 3.0)
        is_eq(counter(), visits, "API clicks equals the GET visits")
        is_eq(inst.scalar("SELECT coalesce(n.clicks, 0) FROM links l "
                          "LEFT JOIN link_counts n "
                          "ON n.link_id = l.id WHERE l.code = 'clk'"),
              visits, "link_counts.clicks equals the GET visits")

        # -- hostile paths -----------------------------------------------
        for path in ("/abc%0d%0aSet-Cookie:%20x=1", "/%0a", "/%0d",
                     "/a%00b", "/docs%0d%0aSet-Cookie:%20x=1",
                     "/%E2%80%A8", "/a%2fb", "/%ff"):
            g = inst.request("GET", path, key=False)
            ok(400 <= g.status < 500 and g.content_type()
               == "application/problem+json" and "set-cookie" not in
               g.headers, "GET %s -> 4xx problem+json, no Set-Cookie" % path,
               g)
        g = inst.raw_response(b"GET /abc%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\n"
                              b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        ok(400 <= g.status < 500
           and b"\r\nset-cookie" not in g.raw.lower(),
           "raw CR/LF path: 4xx and no header injected", g)
        ok(inst.healthy(), "still healthy after hostile paths")


if __name__ == "__main__":
    kurz.run(main)
