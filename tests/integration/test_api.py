#!/usr/bin/env python3
"""The links API: create, read, normalisation, conflicts, health."""

import calendar
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok  # noqa: E402

LINK_FIELDS = {"code", "domain", "url", "short_url", "title", "notes", "tags",
               "redirect_status", "forward_query", "password_protected",
               "expires_at", "max_clicks", "clicks",
               "created_at", "updated_at", "deleted_at", "version"}


def ts_close(s, now, slack=300):
    """s is RFC 3339 UTC and within slack seconds of now."""
    if not isinstance(s, str) or not kurz.RFC3339_UTC.match(s):
        return False
    t = calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
    return abs(t - now) <= slack


def check_created(inst, r, url, name):
    """The common checks on a 201 answer to a create."""
    j = r.json()
    if not ok(r.status == 201 and isinstance(j, dict),
              "%s: 201 with a JSON object" % name, r):
        return None
    ok(r.content_type() == "application/json",
       "%s: Content-Type application/json" % name, r)
    loc = r.header("location", "")
    ok(loc in ("/api/v1/links/" + j.get("code", "?"),
               inst.base_url + "/api/v1/links/" + j.get("code", "?")),
       "%s: Location is /api/v1/links/{code}" % name, r)
    is_eq(j.get("url"), url, "%s: url" % name, r)
    is_eq(j.get("short_url"), inst.base_url + "/" + str(j.get("code")),
          "%s: short_url is KURZ_BASE_URL/code" % name, r)
    return j


def main():
    with Instance(workers=2) as inst:
        now = time.time()

        # -- create with a generated code ------------------------------
        r = inst.create("https://example.com/handbook")
        j = check_created(inst, r, "https://example.com/handbook",
                          "create generated")
        if j:
            code = j.get("code")
            ok(isinstance(code, str) and len(code) == 7
               and all(c in kurz.CODE_ALPHABET for c in code),
               "generated code has 7 characters of the alphabet", r)
            missing = LINK_FIELDS - set(j)
            extra = set(j) - LINK_FIELDS
            ok(not missing and not extra,
               "link has exactly the documented members",
               "missing: %s extra: %s" % (sorted(missing), sorted(extra)))
            want = {"domain": "", "title": None, "tags": [],
                    "redirect_status": 302, "expires_at": None,
                    "max_clicks": None, "clicks": 0, "deleted_at": None,
                    "version": 1}
            for k, v in want.items():
                is_eq(j.get(k, "<absent>"), v, "new link: %s" % k, r)
            ok(ts_close(j.get("created_at"), now),
               "created_at is RFC 3339 UTC and now", r)
            ok(ts_close(j.get("updated_at"), now),
               "updated_at is RFC 3339 UTC and now", r)

            # -- read it back ------------------------------------------
            g = inst.request("GET", "/api/v1/links/" + code)
            ok(g.status == 200, "GET /api/v1/links/{code} -> 200", g)
            is_eq(g.header("etag"), '"1"', 'ETag is "1"', g)
            ok(g.content_type() == "application/json",
               "GET link: Content-Type application/json", g)
            is_eq(g.json(), j, "GET returns the same object as the create",
                  g)

        # -- custom code --------------------------------------------------
        r = inst.create("https://example.com/docs", code="docs")
        cj = check_created(inst, r, "https://example.com/docs",
                           "create custom code")
        if cj:
            is_eq(cj.get("code"), "docs", "custom code kept", r)

        r = inst.create("https://example.com/other", code="Docs")
        problem_ok(r, 409, "code_taken",
                   "same code in another case (Docs vs docs) -> 409 code_taken")
        r = inst.create("https://example.com/other", code="docs")
        problem_ok(r, 409, "code_taken", "same code again -> 409 code_taken")

        g = inst.request("GET", "/api/v1/links/DOCS")
        ok(g.status == 200 and (g.json() or {}).get("code") == "docs",
           "GET /api/v1/links/DOCS finds docs (case-insensitive)", g)

        r = inst.create("https://example.com/x", code="Mixed_Case-1")
        ok(r.status == 201 and (r.json() or {}).get("code") == "Mixed_Case-1",
           "code with upper case, _ and - accepted and kept as given", r)

        # -- normalisation ---------------------------------------------
        r = inst.create("example.com/x")
        check_created(inst, r, "https://example.com/x",
                      "URL without scheme gets https://")
        r = inst.create("HTTPS://Example.COM/Path?Q=A")
        check_created(inst, r, "https://example.com/Path?Q=A",
                      "scheme and host lower-cased, path and query kept")
        r = inst.create("http://example.com/plain")
        check_created(inst, r, "http://example.com/plain", "http kept")

        # -- title and tags ----------------------------------------------
        title = "Hand \"book\" \u2713 \\ </script>"
        tags = ["eng", "on call", "\u00e9t\u00e9"]
        r = inst.create("https://example.com/t", title=title, tags=tags)
        tj = check_created(inst, r, "https://example.com/t",
                           "create with title and tags")
        if tj:
            is_eq(tj.get("title"), title, "title in create answer", r)
            is_eq(tj.get("tags"), tags, "tags in create answer", r)
            g = inst.request("GET", "/api/v1/links/" + tj["code"])
            gj = g.json() or {}
            is_eq(gj.get("title"), title, "title round-trips", g)
            is_eq(gj.get("tags"), tags, "tags round-trip in order", g)

        # -- redirect_status ---------------------------------------------
        for st in (301, 302, 307, 308):
            r = inst.create("https://example.com/rs%d" % st,
                            redirect_status=st)
            ok(r.status == 201 and (r.json() or {}).get("redirect_status")
               == st, "redirect_status %d accepted" % st, r)
        for st in (303, 200, 300):
            r = inst.create("https://example.com/rs%d" % st,
                            redirect_status=st)
            problem_ok(r, 422, None, "redirect_status %d refused (422)" % st)

        # -- unknown, health ---------------------------------------------
        g = inst.request("GET", "/api/v1/links/nosuchcode")
        problem_ok(g, 404, "not_found", "GET unknown link -> 404 not_found")

        h = inst.request("GET", "/healthz", key=False)
        ok(h.status == 200 and (h.json() or {}).get("status") == "ok"
           and h.content_type() == "application/json",
           'GET /healthz -> 200 {"status":"ok"}', h)

        ok(inst.request("GET", "/healthz", key=False).header("server")
           in ("nginx", None), "nginx does not announce its version")


if __name__ == "__main__":
    kurz.run(main)
