#!/usr/bin/env python3
"""Listing links (order, cursors under concurrent writes, filters,
counts, bad parameters), idempotent creation with Idempotency-Key,
batch creation and the scopes of API keys, all over HTTP through nginx."""

import os
import sys
import threading
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, threads  # noqa: E402



def listing(inst, **params):
    qs = urllib.parse.urlencode(params)
    return inst.request("GET", "/api/v1/links" + ("?" + qs if qs else ""))


def walk(inst, limit, during=None, **params):
    """Follow next_cursor to the end; (codes in order, pages, error)."""
    codes, pages, cursor = [], 0, None
    while pages < 500:
        p = dict(params, limit=limit)
        if cursor:
            p["cursor"] = cursor
        r = listing(inst, **p)
        j = r.json()
        if r.status != 200 or not isinstance(j, dict):
            return codes, pages, r
        pages += 1
        if len(j["links"]) > limit:
            return codes, pages, "page of %d > limit" % len(j["links"])
        codes += [l["code"] for l in j["links"]]
        if during and pages == 2:
            during()
        cursor = j.get("next_cursor")
        if cursor is None:
            return codes, pages, None
    return codes, pages, "more than 500 pages"


def db_links(inst, where="1", args=()):
    return inst.scalar("SELECT count(*) FROM links WHERE " + where, args)


# --------------------------------------------------------------------------

def test_lists(inst):
    created = []
    for i in range(60):
        r = inst.create("https://example.com/list/%d" % i,
                        tags=["even"] if i % 2 == 0 else ["odd"])
        if r.status == 201:
            created.append(r.json()["code"])
    if not is_eq(len(created), 60, "60 links created"):
        return
    newest_first = created[::-1]

    r = listing(inst)
    j = r.json() or {}
    ok(r.status == 200 and [l["code"] for l in j.get("links", [])] ==
       newest_first[:50], "GET /api/v1/links: the newest 50, newest first",
       r)
    ok(isinstance(j.get("next_cursor"), str) and "total" not in j,
       "next_cursor given, no total without count=1", r)
    l0 = (j.get("links") or [{}])[0]
    ok({"notes", "forward_query", "password_protected", "short_url",
        "version"} <= set(l0), "list items carry the link's members", l0)

    codes, pages, err = walk(inst, 7)
    ok(err is None and codes == newest_first and pages == 9,
       "walk with limit=7: every link once, newest first, 9 pages",
       "pages %d, err %r, got %d codes" % (pages, err, len(codes)))

    extra, lock = [], threading.Lock()

    def writer():
        for i in range(30):
            r = inst.create("https://example.com/during/%d" % i)
            if r.status == 201:
                with lock:
                    extra.append(r.json()["code"])

    th = []

    def start_writer():
        t = threading.Thread(target=writer, daemon=True)
        t.start()
        th.append(t)

    codes, pages, err = walk(inst, 7, during=start_writer)
    for t in th:
        t.join(60)
    is_eq(len(extra), 30, "30 links created during the walk")
    ok(err is None and len(codes) == len(set(codes)),
       "walk during writes: no duplicates", err)
    ok(set(newest_first) <= set(codes) and
       [c for c in codes if c in set(newest_first)] == newest_first,
       "walk during writes: every link that existed at its start, once, "
       "in order", "missing %r" % sorted(set(newest_first) - set(codes)))
    codes, _, err = walk(inst, 1000)
    is_eq(sorted(codes), sorted(newest_first + extra),
          "a fresh walk has all 90 links")

    # Filters.
    r = listing(inst, tag="even", limit=1000, count=1)
    j = r.json() or {}
    want = [c for i, c in enumerate(created) if i % 2 == 0][::-1]
    ok([l["code"] for l in j.get("links", [])] == want and
       j.get("total") == 30, "tag=even: the 30 even links; total 30", r)
    r = listing(inst, tag="even", limit=5, count=1)
    j = r.json() or {}
    ok(len(j.get("links", [])) == 5 and j.get("total") == 30,
       "count=1 with limit=5: total is the filter's 30, not the page's", r)
    is_eq(listing(inst, tag="nosuch").json(), {"links": [],
                                               "next_cursor": None},
          "unknown tag: empty list, null cursor")

    for fields in ({"url": "https://example.com/pct", "title": "100% sure",
                    "code": "pct"},
                   {"url": "https://example.com/hundred",
                    "title": "100 and sure", "code": "hundred"},
                   {"url": "https://example.com/us", "title": "a_b",
                    "code": "us"},
                   # "l" is not in the alphabet of generated codes, so
                   # no other link's code can hold "axl" by chance.
                   {"url": "https://example.com/axl", "title": "axl",
                    "code": "axl"},
                   {"url": "https://example.com/bs", "title": "back\\slash",
                    "code": "bs"},
                   {"url": "https://example.com/Needle-In-Url",
                    "code": "nurl"},
                   {"url": "https://example.com/d", "code": "dom1",
                    "domain": "d.example"}):
        r = inst.create(fields.pop("url"), **fields)
        ok(r.status == 201, "create %s" % fields["code"], r)
    for q, want in (("100%", ["pct"]), ("%", ["pct"]), ("a_b", ["us"]),
                    ("_", ["us"]), ("\\", ["bs"]), ("needle-in", ["nurl"]),
                    ("hundred", ["hundred"]), ("AXL", ["axl"])):
        r = listing(inst, q=q)
        got = [l["code"] for l in (r.json() or {}).get("links", [])]
        is_eq(got, want, "q=%s matches code/url/title, literally" % q, r)
    r = listing(inst, domain="d.example", count=1)
    j = r.json() or {}
    ok([l["code"] for l in j.get("links", [])] == ["dom1"]
       and j.get("total") == 1, "domain=d.example: its link only", r)
    ok("dom1" in [l["code"] for l in listing(inst, q="dom1").json()["links"]],
       "without domain= the list spans every domain")

    # Deleted links.
    for c in created[:3]:
        inst.request("DELETE", "/api/v1/links/" + c)
    r = listing(inst, deleted=1, count=1)
    j = r.json() or {}
    ok([l["code"] for l in j.get("links", [])] == created[:3][::-1]
       and j.get("total") == 3 and all(l.get("deleted_at") for l in
                                       j["links"]),
       "deleted=1 lists exactly the 3 deleted links", r)
    codes, _, _ = walk(inst, 1000)
    ok(not set(created[:3]) & set(codes), "deleted links left out by "
       "default")

    # Bad parameters.
    for k, v, code in (("limit", "0", "invalid_parameter"),
                       ("limit", "1001", "invalid_parameter"),
                       ("limit", "abc", "invalid_parameter"),
                       ("limit", "-1", "invalid_parameter"),
                       ("limit", "", "invalid_parameter"),
                       ("cursor", "garbage", "invalid_cursor"),
                       ("cursor", "AAAAAAAAAAA", "invalid_cursor"),
                       ("cursor", "", "invalid_cursor"),
                       ("count", "yes", "invalid_parameter"),
                       ("deleted", "2", "invalid_parameter"),
                       ("domain", "a b", "invalid_parameter")):
        problem_ok(listing(inst, **{k: v}), 400, code,
                   "list %s=%r -> 400 %s" % (k, v, code))
    is_eq(listing(inst, limit=1000).status, 200, "limit=1000 -> 200")


def test_idempotency(inst):
    body = {"url": "https://example.com/idem", "title": "once"}
    h = {"Idempotency-Key": "k-1"}
    r1 = inst.request("POST", "/api/v1/links", body, headers=h)
    r2 = inst.request("POST", "/api/v1/links", body, headers=h)
    c1, c2 = (r1.json() or {}).get("code"), (r2.json() or {}).get("code")
    ok(r1.status == 201 and r1.header("idempotent-replayed") is None,
       "first POST with Idempotency-Key -> 201, not a replay", r1)
    ok(r2.status == 201 and c2 == c1 and
       r2.header("idempotent-replayed") == "true" and
       r2.header("location") == r1.header("location"),
       "same key, same body -> 201, same code and Location, "
       "Idempotent-Replayed: true", r2)
    is_eq(db_links(inst, "url = ?", (body["url"],)), 1, "one row in the DB")
    problem_ok(inst.request("POST", "/api/v1/links",
                            {"url": "https://example.com/other"}, headers=h),
               422, "idempotency_key_reused",
               "same key, another body -> 422 idempotency_key_reused")
    is_eq(db_links(inst, "url = ?", ("https://example.com/other",)), 0,
          "... and nothing created")

    body2 = {"url": "https://example.com/idem8"}
    res, errs = threads(8, lambda i: inst.request(
        "POST", "/api/v1/links", body2, headers={"Idempotency-Key": "k-8"}))
    codes = {(r.json() or {}).get("code") for r in res if r}
    ok(not errs and all(r and r.status == 201 for r in res)
       and len(codes) == 1, "8 concurrent POSTs, one key: all 201, one code",
       [r.status for r in res if r], codes, *errs)
    is_eq(db_links(inst, "url = ?", (body2["url"],)), 1,
          "8 concurrent POSTs, one key: one link created")
    is_eq(sum(1 for r in res if r and r.header("idempotent-replayed")), 7,
          "seven of them are replays")

    problem_ok(inst.request("POST", "/api/v1/links", {"url": "https://e.com/"},
                            headers={"Idempotency-Key": "x" * 300}),
               400, "invalid_idempotency_key", "a key of 300 chars -> 400")
    r = inst.request("POST", "/api/v1/links", {"url": "https://e.com/255"},
                     headers={"Idempotency-Key": "y" * 255})
    is_eq(r.status, 201, "a key of 255 chars -> 201", r)

    other = inst.try_key_create("idem-other")
    if other:
        r = inst.request("POST", "/api/v1/links", body, key=other, headers=h)
        ok(r.status == 201 and (r.json() or {}).get("code") != c1
           and r.header("idempotent-replayed") is None,
           "the same Idempotency-Key under another API key is its own", r)

    r = inst.request("POST", "/api/v1/links", {"url": "ftp://x"},
                     headers={"Idempotency-Key": "k-bad"})
    ok(r.status == 422, "a refused body under a key -> 422", r)
    r = inst.request("POST", "/api/v1/links", {"url": "https://e.com/fixed"},
                     headers={"Idempotency-Key": "k-bad"})
    is_eq(r.status, 201, "... the key is not spent: a fixed body -> 201", r)


def batch(inst, links):
    return inst.request("POST", "/api/v1/links/batch", {"links": links})


def test_batch(inst):
    before = db_links(inst)
    items = [{"url": "https://example.com/b/%d" % i} for i in range(1000)]
    r = batch(inst, items)
    j = r.json() or {}
    got = j.get("links") or []
    ok(r.status == 201 and len(got) == 1000 and
       [l.get("url") for l in got] == [i["url"] for i in items] and
       len({l.get("code") for l in got}) == 1000,
       "batch of 1000 -> 201 with 1000 links in order, distinct codes", r)
    is_eq(db_links(inst) - before, 1000, "1000 rows written")

    big = [{"url": "https://example.com/big/%04d" % i,
            "title": "A realistic title for link number %04d" % i,
            "tags": ["import", "batch"]} for i in range(1000)]
    size = len(kurz.json.dumps({"links": big}).encode())
    r = batch(inst, big)
    is_eq(r.status, 201, "batch of 1000 links with titles and tags "
          "(%d bytes: over 64 KiB, under the worker's 16 x KURZ_BODY_MAX) "
          "-> 201" % size, r)

    before = db_links(inst)
    problem_ok(batch(inst, items + [{"url": "https://example.com/1001"}]),
               422, "batch_too_large", "batch of 1001 -> 422 batch_too_large")
    problem_ok(batch(inst, []), 422, None, "empty batch -> 422")

    r = batch(inst, [{"url": "https://example.com/ok1"},
                     {"url": "ftp://bad"},
                     {"url": "https://example.com/ok2", "code": "okc"},
                     {"url": "https://example.com/ok3", "code": "a b"}])
    j = r.json() or {}
    idx = sorted(i.get("index") for i in j.get("items", []))
    problem_ok(r, 422, None, "batch with invalid items -> 422")
    is_eq(idx, [1, 3], "items name the invalid indexes 1 and 3", r)
    r = batch(inst, [{"url": "https://example.com/ok1"}, 5])
    problem_ok(r, 422, None, "batch with an item that is not an object "
               "-> 422")
    is_eq([i.get("index") for i in (r.json() or {}).get("items", [])], [1],
          "... naming index 1", r)
    r = batch(inst, [{"url": "https://example.com/d1", "code": "dupe"},
                     {"url": "https://example.com/d2"},
                     {"url": "https://example.com/d3", "code": "DUPE"}])
    problem_ok(r, 409, "code_taken", "two items with one code (other case) "
               "-> 409")
    is_eq([i.get("index") for i in (r.json() or {}).get("items", [])], [2],
          "... naming the second one (index 2)", r)
    inst.create("https://example.com/taken", code="taken")
    before = db_links(inst)
    r = batch(inst, [{"url": "https://example.com/t1", "code": "fresh1"},
                     {"url": "https://example.com/t2", "code": "Taken"},
                     {"url": "https://example.com/t3"}])
    problem_ok(r, 409, "code_taken", "batch with a taken code -> 409")
    is_eq([i.get("index") for i in (r.json() or {}).get("items", [])], [1],
          "... naming index 1", r)
    is_eq(db_links(inst) - before, 0, "refused batches wrote nothing")
    is_eq(inst.request("GET", "/api/v1/links/fresh1").status, 404,
          "the valid item before the taken code was not created")

    for body in ([], {"links": {}}, {"links": "x"}, {},
                 {"links": [], "extra": 1}):
        problem_ok(inst.request("POST", "/api/v1/links/batch", body), 400,
                   None, "batch body %s -> 400" % kurz.json.dumps(body))
    r = batch(inst, [{"url": "https://example.com/dm", "code": "dm",
                      "domain": "b.example"},
                     {"url": "https://example.com/dm2", "code": "dm"}])
    ok(r.status == 201, "the same code in two domains in one batch -> 201",
       r)


def test_scopes(inst):
    rk = inst.try_key_create("reader", "read")
    wk = inst.try_key_create("writer", "write")
    if not (rk and wk):
        return
    ok(inst.create("https://example.com/sc", code="sc").status == 201,
       "create sc")
    for what, r in (("GET link", inst.request("GET", "/api/v1/links/sc",
                                              key=rk)),
                    ("list", inst.request("GET", "/api/v1/links", key=rk))):
        is_eq(r.status, 200, "read key: %s -> 200" % what, r)
    for what, m, path, body in (
            ("create", "POST", "/api/v1/links", {"url": "https://e.com/r"}),
            ("batch", "POST", "/api/v1/links/batch",
             {"links": [{"url": "https://e.com/r"}]}),
            ("PATCH", "PATCH", "/api/v1/links/sc", {"title": "r"}),
            ("DELETE", "DELETE", "/api/v1/links/sc", None),
            ("restore", "POST", "/api/v1/links/sc/restore", None),
            ("export", "GET", "/api/v1/export", None)):
        problem_ok(inst.request(m, path, body, key=rk), 403, "forbidden",
                   "read key: %s -> 403 forbidden" % what)
    r = inst.request("POST", "/api/v1/links",
                     {"url": "https://example.com/w", "code": "wr"}, key=wk)
    is_eq(r.status, 201, "write key: create -> 201", r)
    r = inst.request("POST", "/api/v1/links/batch",
                     {"links": [{"url": "https://example.com/wb"}]}, key=wk)
    is_eq(r.status, 201, "write key: batch -> 201", r)
    is_eq(inst.request("GET", "/api/v1/links/wr", key=wk).status, 200,
          "write key: GET -> 200")
    is_eq(inst.request("PATCH", "/api/v1/links/wr", {"title": "w"},
                       key=wk).status, 200,
          "write key: PATCH -> 200")
    is_eq(inst.request("DELETE", "/api/v1/links/wr", key=wk).status, 204,
          "write key: DELETE -> 204")
    is_eq(inst.request("POST", "/api/v1/links/wr/restore", key=wk).status,
          200, "write key: restore -> 200")
    problem_ok(inst.request("GET", "/api/v1/export", key=wk), 403,
               "forbidden", "write key: export -> 403 forbidden")
    r = inst.request("GET", "/api/v1/export")
    is_eq(r.status, 200, "admin key: export -> 200", r)
    inst.kurzctl("key", "revoke", "writer")
    r = inst.request("GET", "/api/v1/links/wr", key=wk)
    problem_ok(r, 401, "unauthorized", "revoked key -> 401")
    ok("bearer" in (r.header("www-authenticate") or "").lower(),
       "401 carries WWW-Authenticate: Bearer", r)
    problem_ok(inst.request("DELETE", "/api/v1/links/wr", key=wk), 401,
               "unauthorized", "revoked key cannot DELETE -> 401")


def main():
    with Instance(workers=2) as inst:
        for t in (test_lists, test_idempotency, test_batch, test_scopes):
            try:
                t(inst)
            except kurz.Timeout:
                raise
            except Exception as e:  # one section failing: go on
                ok(False, "%s ran to completion (%r)" % (t.__name__, e),
                   traceback.format_exc())


if __name__ == "__main__":
    kurz.run(main)
