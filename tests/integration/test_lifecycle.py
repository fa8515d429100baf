#!/usr/bin/env python3
"""A link's life over HTTP: PATCH merge semantics and If-Match, lost
updates under concurrent read-modify-write, soft delete and restore,
expiry and visit caps, metadata on the redirect, domains and go-links.
Lists, idempotent and batch creation and the scopes of API keys are in
test_lists.py."""

import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, threads  # noqa: E402


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def link_url(code, domain=None):
    return "/api/v1/links/%s%s" % (code, "?domain=" + domain if domain
                                   else "")


def get(inst, code, domain=None, key=True):
    return inst.request("GET", link_url(code, domain), key=key)


def patch(inst, code, body, if_match=None, domain=None, key=True):
    h = {"If-Match": if_match} if if_match is not None else {}
    return inst.request("PATCH", link_url(code, domain), body, headers=h,
                        key=key)


def visit(inst, path, method="GET", host=None):
    h = {"Host": host} if host else {}
    return inst.request(method, path, headers=h, key=False)



def must_create(inst, url, **fields):
    r = inst.create(url, **fields)
    if not ok(r.status == 201, "create %s %r -> 201" % (url, fields), r):
        raise RuntimeError("cannot go on without the link")
    return r.json()


# --------------------------------------------------------------------------

def test_patch(inst):
    j = must_create(inst, "https://example.com/p", code="pm", title="T",
                    notes="N", tags=["a", "b"], max_clicks=100,
                    expires_at=rfc3339(time.time() + 86400 * 365),
                    redirect_status=301, forward_query=False,
                    password="secret-pw")
    is_eq(j.get("password_protected"), True, "created with a password: "
          "password_protected true")
    ok("password" not in j and "password_hash" not in j,
       "neither password nor its hash is shown", j)
    exp = j.get("expires_at")

    r = patch(inst, "pm", {"title": "T2"})
    g = r.json() or {}
    ok(r.status == 200, "PATCH {title} -> 200", r)
    want = {"title": "T2", "notes": "N", "tags": ["a", "b"],
            "max_clicks": 100, "expires_at": exp, "redirect_status": 301,
            "forward_query": False, "password_protected": True,
            "url": "https://example.com/p", "version": 2}
    is_eq({k: g.get(k) for k in want}, want,
          "PATCH {title}: other fields stay, version 2", r)
    is_eq(r.header("etag"), '"2"', 'PATCH answers ETag "2"', r)
    is_eq(get(inst, "pm").json(), g, "GET shows what PATCH answered")

    version = 2
    for field, null_is in (("title", None), ("notes", None),
                           ("expires_at", None), ("max_clicks", None),
                           ("tags", []), ("password", None)):
        r = patch(inst, "pm", {field: None})
        version += 1
        g = r.json() or {}
        shown = "password_protected" if field == "password" else field
        want = False if field == "password" else null_is
        ok(r.status == 200 and g.get(shown, "<absent>") == want,
           "PATCH {%s: null} clears it (%s is %r)" % (field, shown, want), r)
        ok(g.get("version") == version and r.header("etag") ==
           '"%d"' % version, "... and bumps version and ETag to %d"
           % version, r)
    ok(get(inst, "pm").json().get("url") == "https://example.com/p",
       "url untouched by the clearing PATCHes")
    r = visit(inst, "/pm")
    ok(r.status == 301 and r.header("location") == "https://example.com/p",
       "after password null the redirect goes through (301, no form)", r)

    r = patch(inst, "pm", {"tags": ["x", "y"], "notes": "n2"})
    ok(r.status == 200 and (r.json() or {}).get("tags") == ["x", "y"]
       and r.json().get("notes") == "n2", "PATCH sets tags and notes", r)
    version += 1
    r = patch(inst, "pm", {"url": "https://example.org/new"})
    ok(r.status == 200, "PATCH {url} -> 200", r)
    version += 1
    r = visit(inst, "/pm")
    is_eq(r.header("location"), "https://example.org/new",
          "the redirect follows the new url at once", r)

    # Refused bodies change nothing.
    problem_ok(patch(inst, "pm", {"url": None}), 422, "invalid_url",
               "PATCH {url: null} -> 422 invalid_url", field="url")
    problem_ok(patch(inst, "pm", {"code": "other"}), 422, None,
               "PATCH {code} -> 422", field="code")
    problem_ok(patch(inst, "pm", {"domain": "a.example"}), 422, None,
               "PATCH {domain} -> 422", field="domain")
    problem_ok(patch(inst, "pm", {"colour": "red"}), 422, "unknown_field",
               "PATCH with an unknown field -> 422 unknown_field")
    problem_ok(patch(inst, "pm", {}), 422, None, "PATCH {} -> 422")
    problem_ok(patch(inst, "pm", {"expires_at": rfc3339(time.time() - 60)}),
               422, None, "PATCH expires_at in the past -> 422",
               field="expires_at")
    problem_ok(patch(inst, "pm", {"max_clicks": 0}), 422, None,
               "PATCH max_clicks 0 -> 422", field="max_clicks")
    g = get(inst, "pm")
    is_eq((g.json() or {}).get("version"), version,
          "refused PATCHes did not bump the version", g)
    problem_ok(patch(inst, "nosuch", {"title": "x"}), 404, "not_found",
               "PATCH an unknown code -> 404")

    # If-Match.
    r = patch(inst, "pm", {"title": "im"}, if_match='"%d"' % version)
    ok(r.status == 200, "If-Match with the current ETag -> 200", r)
    version += 1
    r = patch(inst, "pm", {"title": "stale"}, if_match='"%d"' % (version - 1))
    problem_ok(r, 412, "version_mismatch", "stale If-Match -> 412 "
               "version_mismatch")
    g = get(inst, "pm").json() or {}
    ok(g.get("title") == "im" and g.get("version") == version,
       "after the 412 nothing changed", g)
    r = patch(inst, "pm", {"title": "star"}, if_match="*")
    ok(r.status == 200, "If-Match: * -> 200", r)
    version += 1
    r = patch(inst, "pm", {"title": "weak"}, if_match='W/"%d"' % version)
    ok(r.status == 200, 'If-Match: W/"N" (current) -> 200', r)
    version += 1
    for bad in ("abc", '"x"', '"0"', "1", '"-1"', '"2" x'):
        r = patch(inst, "pm", {"title": "bad"}, if_match=bad)
        problem_ok(r, 400, "invalid_if_match",
                   "If-Match: %s -> 400 invalid_if_match" % bad)
    is_eq((get(inst, "pm").json() or {}).get("title"), "weak",
          "malformed If-Match changed nothing")
    r = visit(inst, "/pm")
    ok(r.status == 301, "redirect_status survived all the PATCHes", r)


def test_races(inst):
    must_create(inst, "https://example.com/race", code="race")
    v0 = get(inst, "race").json()["version"]
    n = 8

    def rmw(i):
        wins = stale = 0
        for _ in range(200):
            g = get(inst, "race")
            if g.status != 200:
                return ("GET %d" % g.status, wins, stale)
            tags = g.json()["tags"] + ["t%d" % i]
            r = patch(inst, "race", {"tags": tags},
                      if_match=g.header("etag"))
            if r.status == 200:
                return ("done", wins + 1, stale)
            if r.status != 412:
                return ("PATCH %d" % r.status, wins, stale)
            stale += 1
        return ("gave up", wins, stale)

    res, errs = threads(n, rmw)
    ok(not errs and all(r and r[0] == "done" for r in res),
       "8 read-modify-write threads each succeeded within 200 tries",
       res, *errs)
    wins = sum(r[1] for r in res if r)
    g = get(inst, "race").json() or {}
    is_eq(sorted(g.get("tags", [])), sorted("t%d" % i for i in range(n)),
          "all 8 tags present: no update lost")
    is_eq(g.get("version"), v0 + wins, "version went up by exactly the "
          "number of 200s (%d)" % wins)
    kurz.diag("read-modify-write: %d stale retries"
              % sum(r[2] for r in res if r))

    v = g["version"]
    res, errs = threads(n, lambda i: patch(inst, "race", {"title": "w%d" % i},
                                           if_match='"%d"' % v).status)
    is_eq(sorted(res), [200] + [412] * (n - 1),
          "8 PATCHes with the same If-Match at once: one 200, seven 412",
          *errs)
    g = get(inst, "race").json() or {}
    ok(g.get("version") == v + 1 and str(g.get("title")).startswith("w"),
       "version up by one, the winner's title kept", g)


def test_delete(inst):
    j = must_create(inst, "https://example.com/del", code="Del")
    v = j["version"]
    r = inst.request("DELETE", "/api/v1/links/del",
                     headers={"If-Match": '"%d"' % (v + 5)})
    problem_ok(r, 412, "version_mismatch", "DELETE with a stale If-Match "
               "-> 412")
    ok(visit(inst, "/del").status == 302, "... and the link still redirects")

    r = inst.request("DELETE", "/api/v1/links/DEL",
                     headers={"If-Match": '"%d"' % v})
    ok(r.status == 204 and r.body == b"", "DELETE (current If-Match, other "
       "case) -> 204, no body", r)
    g = get(inst, "del")
    gj = g.json() or {}
    ok(g.status == 200 and kurz.RFC3339_UTC.match(str(gj.get("deleted_at")))
       and gj.get("version") == v + 1,
       "GET a deleted link -> 200 with deleted_at and version + 1", g)
    r = visit(inst, "/del")
    problem_ok(r, 410, None, "redirect of a deleted link -> 410")
    ok(visit(inst, "/del", "HEAD").status == 410, "HEAD of it -> 410 too")
    problem_ok(inst.create("https://example.com/x", code="del"), 409,
               "code_taken", "create with a deleted link's code -> 409")
    problem_ok(patch(inst, "del", {"title": "x"}), 410, None,
               "PATCH a deleted link -> 410")
    r = inst.request("DELETE", "/api/v1/links/del")
    ok(r.status in (404, 410), "DELETE it again -> 404 or 410", r)
    problem_ok(inst.request("DELETE", "/api/v1/links/nosuch"), 404,
               "not_found", "DELETE an unknown code -> 404")

    r = inst.request("POST", "/api/v1/links/del/restore")
    rj = r.json() or {}
    ok(r.status == 200 and rj.get("deleted_at") is None
       and rj.get("code") == "Del" and rj.get("version") == v + 2,
       "restore -> 200, deleted_at null, version + 1", r)
    r = visit(inst, "/del")
    ok(r.status == 302 and r.header("location") == "https://example.com/del",
       "a restored link redirects again", r)
    problem_ok(inst.request("POST", "/api/v1/links/del/restore"), 404,
               "not_found", "restore of a live link -> 404")
    problem_ok(inst.request("POST", "/api/v1/links/nosuch/restore"), 404,
               "not_found", "restore of an unknown code -> 404")


def test_limits(inst):
    exp = int(time.time()) + 3
    j = must_create(inst, "https://example.com/exp", code="exp",
                    expires_at=rfc3339(exp))
    is_eq(j.get("expires_at"), rfc3339(exp), "expires_at round-trips")
    r = visit(inst, "/exp")
    ok(r.status == 302, "before expires_at -> 302", r)
    last = kurz.wait_until(lambda: visit(inst, "/exp").status == 410,
                           exp - time.time() + 2.5, 0.1)
    t = time.time()
    ok(last and t >= exp - 0.05, "after expires_at -> 410 (%.2f s past it)"
       % (t - exp))
    problem_ok(visit(inst, "/exp"), 410, "expired", "expired link -> 410 "
               "expired")
    ok(get(inst, "exp").status == 200, "an expired link is still readable")
    r = patch(inst, "exp", {"expires_at": None})
    ok(r.status == 200 and visit(inst, "/exp").status == 302,
       "PATCH expires_at null revives it", r)
    problem_ok(inst.create("https://example.com/past",
                           expires_at=rfc3339(time.time() - 5)), 422, None,
               "expires_at in the past at creation -> 422",
               field="expires_at")
    problem_ok(inst.create("https://example.com/bad", expires_at="tomorrow"),
               422, None, "expires_at not RFC 3339 -> 422",
               field="expires_at")

    must_create(inst, "https://example.com/cap", code="cap", max_clicks=3)
    heads = [visit(inst, "/cap", "HEAD").status for _ in range(5)]
    is_eq(heads, [302] * 5, "5 HEADs on a max_clicks 3 link -> 302")
    res, errs = threads(20, lambda i: visit(inst, "/cap"))
    sts = sorted(r.status for r in res if r)
    is_eq(sts, [302] * 3 + [410] * 17,
          "20 concurrent GETs, max_clicks 3: 3x302, 17x410 (HEAD used none)",
          *errs)
    gone = [r for r in res if r and r.status == 410]
    ok(gone and all((r.json() or {}).get("code") == "used_up" for r in gone),
       "the 410s say used_up", gone[0] if gone else "")
    is_eq(get(inst, "cap").json().get("clicks"), 3, "clicks is 3")
    r = visit(inst, "/cap", "HEAD")
    is_eq(r.status, 410, "HEAD of a used-up link -> 410 like its GET", r)
    r = patch(inst, "cap", {"max_clicks": 4})
    ok(r.status == 200 and visit(inst, "/cap").status == 302
       and visit(inst, "/cap").status == 410,
       "raising max_clicks to 4 allows exactly one more visit", r)


def test_metadata(inst):
    j = must_create(inst, "https://example.com/m?a=1", code="meta",
                    title="Title", notes="notes \u2713 <b>", tags=["x", "y"])
    g = get(inst, "meta").json() or {}
    ok(all(g.get(k) == v for k, v in (("notes", "notes \u2713 <b>"),
                                      ("tags", ["x", "y"]),
                                      ("title", "Title"),
                                      ("forward_query", True),
                                      ("password_protected", False))),
       "notes, tags, title round-trip; forward_query true and "
       "password_protected false by default", g)
    is_eq(j, g, "create and GET agree")
    for st in (301, 307, 308):
        must_create(inst, "https://example.com/s%d" % st, code="s%d" % st,
                    redirect_status=st)
        r = visit(inst, "/s%d" % st)
        ok(r.status == st and r.header("location") ==
           "https://example.com/s%d" % st,
           "redirect_status %d honoured on the redirect" % st, r)
    r = visit(inst, "/meta?b=2")
    is_eq(r.header("location"), "https://example.com/m?a=1&b=2",
          "forward_query true (default): the query is merged", r)
    must_create(inst, "https://example.com/nf?a=1", code="nofwd",
                forward_query=False)
    r = visit(inst, "/nofwd?b=2&utm=x")
    is_eq(r.header("location"), "https://example.com/nf?a=1",
          "forward_query false: the short URL's query is not merged", r)
    r = visit(inst, "/nofwd/more?b=2")
    is_eq(r.header("location"), "https://example.com/nf/more?a=1",
          "forward_query false: the path is still appended", r)
    r = patch(inst, "nofwd", {"forward_query": True})
    ok(r.status == 200 and visit(inst, "/nofwd?b=2").header("location")
       == "https://example.com/nf?a=1&b=2", "PATCH forward_query true "
       "merges again", r)
    problem_ok(inst.create("https://example.com/q", forward_query="no"), 422,
               None, "forward_query not a boolean -> 422",
               field="forward_query")


def test_domains(inst):
    a = must_create(inst, "https://example.com/in-a", code="same",
                    domain="A.Example")
    is_eq(a.get("domain"), "a.example", "domain lower-cased")
    is_eq(a.get("short_url"), "http://a.example/same",
          "short_url uses the link's domain")
    must_create(inst, "https://example.com/in-default", code="same")
    must_create(inst, "https://example.com/only-a", code="onlya",
                domain="a.example")
    must_create(inst, "https://example.com/only-default", code="onlyd")
    for host, path, want in (
            ("a.example", "/same", "https://example.com/in-a"),
            ("A.EXAMPLE", "/SAME", "https://example.com/in-a"),
            ("a.example:8080", "/same", "https://example.com/in-a"),
            ("b.example", "/same", "https://example.com/in-default"),
            (None, "/same", "https://example.com/in-default"),
            ("a.example", "/onlyd", "https://example.com/only-default"),
            ("a.example", "/onlya", "https://example.com/only-a")):
        r = visit(inst, path, host=host)
        ok(r.status == 302 and r.header("location") == want,
           "Host %s GET %s -> %s" % (host, path, want), r)
    problem_ok(visit(inst, "/onlya", host="b.example"), 404, "not_found",
               "a code of a.example only, under another Host -> 404")
    g = get(inst, "same", "a.example")
    ok(g.status == 200 and (g.json() or {}).get("url") ==
       "https://example.com/in-a", "GET ?domain=a.example -> its link", g)
    g = get(inst, "same")
    ok(g.status == 200 and (g.json() or {}).get("url") ==
       "https://example.com/in-default", "GET without domain -> the "
       "default domain's link", g)
    problem_ok(get(inst, "onlya"), 404, "not_found", "a.example's code "
               "without ?domain -> 404")
    problem_ok(inst.create("https://example.com/x", code="SAME",
                           domain="a.example"), 409, "code_taken",
               "same code other case in a.example -> 409")
    problem_ok(inst.create("https://example.com/x", code="Same"), 409,
               "code_taken", "same code other case in the default -> 409")
    ok(inst.create("https://example.com/x", code="SAME",
                   domain="b.example").status == 201,
       "the same code in a third domain -> 201")
    for bad in ("a b", "-x.com", "x-.com", "a..b", "x/y"):
        problem_ok(inst.create("https://example.com/x", code="dbad",
                               domain=bad), 422, None,
                   "domain %r -> 422" % bad, field="domain")
    r = patch(inst, "same", {"title": "in a"}, domain="a.example")
    ok(r.status == 200 and get(inst, "same").json().get("title") is None,
       "PATCH ?domain=a.example changes only that domain's link", r)
    r = inst.request("DELETE", "/api/v1/links/same?domain=a.example")
    ok(r.status == 204, "DELETE ?domain=a.example -> 204", r)
    ok(visit(inst, "/same", host="a.example").status == 410
       and visit(inst, "/same").status == 302,
       "deleted in a.example only (410 there, 302 in the default)")


def test_golinks(inst):
    must_create(inst, "https://example.com/handbook?lang=en", code="docs")
    must_create(inst, "https://example.com/wiki/", code="wiki")
    must_create(inst, "https://github.com/search?q={path}", code="gh")
    must_create(inst, "https://example.com/p#top", code="frag")
    for path, want in (
            ("/docs/a/b", "https://example.com/handbook/a/b?lang=en"),
            ("/docs/a/b?x=1&y=2",
             "https://example.com/handbook/a/b?lang=en&x=1&y=2"),
            ("/docs?x=1", "https://example.com/handbook?lang=en&x=1"),
            ("/wiki/Page", "https://example.com/wiki/Page"),
            ("/gh/kurz", "https://github.com/search?q=kurz"),
            ("/gh/kurz?type=code",
             "https://github.com/search?q=kurz&type=code"),
            ("/frag/x?y=1", "https://example.com/p/x?y=1#top")):
        r = visit(inst, path)
        ok(r.status == 302 and r.header("location") == want,
           "go-link %s -> %s" % (path, want), r)


def main():
    with Instance(workers=2) as inst:
        for t in (test_patch, test_races, test_delete, test_limits,
                  test_metadata, test_domains, test_golinks):
            try:
                t(inst)
            except kurz.Timeout:
                raise
            except Exception as e:  # one section failing: go on with the rest
                ok(False, "%s ran to completion (%r)" % (t.__name__, e),
                   traceback.format_exc())


if __name__ == "__main__":
    kurz.run(main)
