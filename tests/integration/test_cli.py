#!/usr/bin/env python3
"""kurzctl's link commands (add, get, list, edit, rm, restore) against a
running instance's database, checked through the HTTP API; export and
import round-tripping byte for byte through a fresh database; the
GET /api/v1/export endpoint; bad input that kurzctl must refuse."""

import json
import os
import re
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, wait_until  # noqa: E402

FUTURE = "2099-12-31T23:59:59Z"
PAST = "2001-01-01T00:00:00Z"
EXPORT_KEYS = {"code", "domain", "url", "title", "notes", "tags",
               "redirect_status", "forward_query", "password_hash",
               "expires_at", "max_clicks", "clicks", "created_at",
               "updated_at", "deleted_at", "version"}


def ctl(inst, *args, db=None, stdin=None, env=None):
    """Run kurzctl with the instance's environment (KURZ_DB=db when
    given); stdout and stderr as bytes. Sanitizer reports are kept."""
    e = dict(inst.env)
    if db is not None:
        e["KURZ_DB"] = db
    e.update(env or {})
    p = subprocess.run([kurz.KURZCTL] + list(args), env=e, input=stdin,
                       capture_output=True, timeout=60)
    inst._scan_text(p.stderr.decode("utf-8", "replace"),
                    "kurzctl " + " ".join(args))
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    return p


def shown(p):
    return "exit %s\nstdout: %r\nstderr: %r" % (p.returncode, p.out, p.err)


def api_link(inst, code, domain=None):
    path = "/api/v1/links/" + code
    if domain:
        path += "?domain=" + domain
    return inst.request("GET", path)


def check_add_get(inst):
    """link add in its forms, link get equal to the API's answer."""
    p = ctl(inst, "link", "add", "https://example.com/cli-a")
    code = p.out.strip()
    ok(p.returncode == 0 and p.out == code + "\n" and len(code) == 7
       and all(c in kurz.CODE_ALPHABET for c in code),
       "link add URL: exit 0, a generated 7-character code alone on "
       "stdout", shown(p))
    r = api_link(inst, code)
    ok(r.status == 200 and (r.json() or {}).get("url") ==
       "https://example.com/cli-a", "the added link is there in the API", r)
    g = ctl(inst, "link", "get", code)
    ok(g.returncode == 0, "link get: exit 0", shown(g))
    try:
        got = json.loads(g.out)
    except ValueError:
        got = None
    is_eq(got, r.json(), "link get prints the link as the API shows it",
          shown(g))

    p = ctl(inst, "link", "add", "https://example.com/ten",
            env={"KURZ_CODE_LENGTH": "10"})
    ok(p.returncode == 0 and len(p.out.strip()) == 10,
       "link add: a generated code's length is KURZ_CODE_LENGTH",
       shown(p))

    p = ctl(inst, "link", "add", "Example.COM/cli-b?x=1", "--code", "cli-b",
            "--title", "CLI B", "--tag", "one", "--tag", "two",
            "--tag", "one", "--expires", FUTURE, "--max-clicks", "5",
            "--status", "301")
    is_eq((p.returncode, p.out), (0, "cli-b\n"),
          "link add with every option prints the given code", shown(p))
    j = api_link(inst, "cli-b").json() or {}
    want = {"url": "https://example.com/cli-b?x=1", "title": "CLI B",
            "tags": ["one", "two"], "expires_at": FUTURE, "max_clicks": 5,
            "redirect_status": 301, "version": 1, "deleted_at": None,
            "domain": ""}
    is_eq({k: j.get(k) for k in want}, want,
          "link add: the API shows every option, the URL normalised, "
          "the tags without repeats")

    p = ctl(inst, "link", "add", "https://example.com/dom", "--code", "dom",
            "--domain", "S.Example.COM.")
    ok(p.returncode == 0, "link add --domain: exit 0", shown(p))
    r = api_link(inst, "dom", "s.example.com")
    ok(r.status == 200 and (r.json() or {}).get("domain") == "s.example.com",
       "link add --domain: the API has it under the lower-case domain", r)
    g = ctl(inst, "link", "get", "dom", "--domain", "s.example.com")
    try:
        got = json.loads(g.out)
    except ValueError:
        got = None
    is_eq(got, r.json(), "link get --domain prints the API's object",
          shown(g))
    g = ctl(inst, "link", "get", "dom")
    ok(g.returncode == 1 and "dom" in g.err,
       "link get without the link's domain: exit 1, says there is none",
       shown(g))

    before = inst.links_count()
    p = ctl(inst, "link", "add", "https://example.com/again", "--code",
            "CLI-B")
    ok(p.returncode == 1 and "taken" in p.err and p.out == "",
       "link add of a taken code (other case): exit 1, says taken",
       shown(p))
    is_eq(inst.links_count(), before, "a taken code writes nothing")
    p = ctl(inst, "link", "get", "nosuchcode")
    ok(p.returncode == 1 and "nosuchcode" in p.err and p.out == "",
       "link get of an unknown code: exit 1 with a message", shown(p))
    return code


def list_codes(p):
    rows = [line.split("\t") for line in p.out.splitlines()]
    return rows, [r[0] for r in rows]


def check_list(inst):
    p = ctl(inst, "link", "list")
    rows, codes = list_codes(p)
    ok(p.returncode == 0 and all(len(r) == 4 for r in rows),
       "link list: exit 0, four tab-separated fields a line", shown(p))
    is_eq(len(rows), inst.scalar("SELECT count(*) FROM links WHERE "
                                 "deleted_at IS NULL"),
          "link list: one line per live link")
    ok(codes and codes[0] == "dom", "link list: newest first", shown(p))
    row = dict((r[0], r) for r in rows).get("cli-b")
    ok(row is not None and row[1] == "https://example.com/cli-b?x=1"
       and row[2] == "0" and kurz.RFC3339_UTC.match(row[3]),
       "link list: CODE URL CLICKS CREATED", repr(row))
    p = ctl(inst, "link", "list", "--limit", "1")
    is_eq(len(p.out.splitlines()), 1, "link list --limit 1: one line",
          shown(p))
    p = ctl(inst, "link", "list", "--tag", "two")
    is_eq(list_codes(p)[1], ["cli-b"], "link list --tag", shown(p))
    p = ctl(inst, "link", "list", "--q", "cli-b")
    ok("cli-b" in list_codes(p)[1] and "dom" not in list_codes(p)[1],
       "link list --q", shown(p))
    p = ctl(inst, "link", "list", "--domain", "s.example.com")
    is_eq(list_codes(p)[1], ["dom"], "link list --domain", shown(p))
    p = ctl(inst, "link", "list", "--limit", "0")
    ok(p.returncode == 2 and "limit" in p.err, "link list --limit 0: exit 2",
       shown(p))


def check_edit(inst):
    p = ctl(inst, "link", "edit", "cli-b", "--url", "example.org/new",
            "--no-title", "--no-tags", "--no-expires", "--no-max-clicks",
            "--status", "308")
    r = api_link(inst, "cli-b")
    j = r.json() or {}
    ok(p.returncode == 0 and p.out.strip() == str(j.get("version")) and
       j.get("version") == 2,
       "link edit: exit 0, prints the new version (2)", shown(p), r)
    want = {"url": "https://example.org/new", "title": None, "tags": [],
            "expires_at": None, "max_clicks": None, "redirect_status": 308}
    is_eq({k: j.get(k) for k in want}, want,
          "link edit: every --no-* cleared, url and status set", r)
    is_eq(r.header("etag"), '"2"', "link edit: the API's ETag follows", r)

    p = ctl(inst, "link", "edit", "cli-b", "--title", "T2", "--tag", "z",
            "--expires=" + FUTURE, "--max-clicks=9")
    j = api_link(inst, "cli-b").json() or {}
    is_eq(p.out, "3\n", "link edit again: version 3", shown(p))
    want = {"url": "https://example.org/new", "title": "T2", "tags": ["z"],
            "expires_at": FUTURE, "max_clicks": 9, "redirect_status": 308}
    is_eq({k: j.get(k) for k in want}, want,
          "link edit: what is not named stays as it was")

    for args, what in ((["cli-b"], "nothing to change"),
                       (["cli-b", "--title", "x", "--no-title"],
                        "--title with --no-title"),
                       (["cli-b", "--tag", "x", "--no-tags"],
                        "--tag with --no-tags"),
                       (["cli-b", "--code", "x"], "an unknown option"),
                       (["cli-b", "--url", "javascript:alert(1)"],
                        "a bad URL"),
                       (["cli-b", "--expires", PAST], "a past expiry")):
        p = ctl(inst, "link", "edit", *args)
        ok(p.returncode == 2 and p.err, "link edit with %s: exit 2" % what,
           shown(p))
    is_eq((api_link(inst, "cli-b").json() or {}).get("version"), 3,
          "refused edits change nothing")
    p = ctl(inst, "link", "edit", "nosuch", "--title", "x")
    ok(p.returncode == 1 and "nosuch" in p.err,
       "link edit of an unknown code: exit 1", shown(p))


def check_rm_restore(inst):
    p = ctl(inst, "link", "rm", "cli-b")
    ok(p.returncode == 0, "link rm: exit 0", shown(p))
    j = api_link(inst, "cli-b").json() or {}
    ok(isinstance(j.get("deleted_at"), str),
       "link rm: the API shows deleted_at", repr(j))
    r = inst.request("GET", "/cli-b", key=False)
    is_eq(r.status, 410, "link rm: the short URL answers 410", r)
    p = ctl(inst, "link", "list", "--deleted")
    ok("cli-b" in list_codes(p)[1], "link list --deleted shows it", shown(p))
    ok("cli-b" not in list_codes(ctl(inst, "link", "list"))[1],
       "link list leaves it out")
    p = ctl(inst, "link", "rm", "cli-b")
    ok(p.returncode == 1 and p.err, "link rm again: exit 1", shown(p))
    p = ctl(inst, "link", "edit", "cli-b", "--title", "x")
    ok(p.returncode == 1 and "deleted" in p.err,
       "link edit of a deleted link: exit 1, says deleted", shown(p))
    p = ctl(inst, "link", "add", "https://example.com/", "--code", "cli-b")
    ok(p.returncode == 1 and "taken" in p.err,
       "a deleted link's code stays taken", shown(p))

    p = ctl(inst, "link", "restore", "cli-b")
    ok(p.returncode == 0, "link restore: exit 0", shown(p))
    j = api_link(inst, "cli-b").json() or {}
    is_eq(j.get("deleted_at", "<absent>"), None,
          "link restore: deleted_at is null again", repr(j))
    r = inst.request("GET", "/cli-b", key=False)
    ok(r.status == 308 and r.header("location") == "https://example.org/new",
       "link restore: the short URL redirects again", r)
    p = ctl(inst, "link", "restore", "cli-b")
    ok(p.returncode == 1 and p.err, "link restore of a live link: exit 1",
       shown(p))
    p = ctl(inst, "link", "rm", "nosuch")
    ok(p.returncode == 1 and "nosuch" in p.err, "link rm of an unknown "
       "code: exit 1", shown(p))


def check_bad_input(inst):
    before = inst.links_count()
    cases = [
        ("a javascript: URL", ["javascript:alert(1)"], "url"),
        ("a URL with a space", ["https://example.com/a b"], "space"),
        ("a URL that loops", [inst.base_url + "/x"], "itself"),
        ("a reserved code", ["https://example.com/", "--code", "api"],
         "reserved"),
        ("a code with a slash", ["https://example.com/", "--code", "a/b"],
         "code"),
        ("--status 303", ["https://example.com/", "--status", "303"],
         "status"),
        ("--status x", ["https://example.com/", "--status", "x"], "status"),
        ("--expires tomorrow", ["https://example.com/", "--expires",
                                "tomorrow"], "expires"),
        ("--expires in the past", ["https://example.com/", "--expires",
                                   PAST], "past"),
        ("--max-clicks 0", ["https://example.com/", "--max-clicks", "0"],
         "max-clicks"),
        ("--max-clicks -3", ["https://example.com/", "--max-clicks", "-3"],
         "max-clicks"),
        ("a bad --domain", ["https://example.com/", "--domain", "a..b"],
         "domain"),
        ("a control character in --title", ["https://example.com/",
                                            "--title", "a\x01b"], "title"),
        ("an unknown option", ["https://example.com/", "--colour", "red"],
         "colour"),
        ("--code without its value", ["https://example.com/", "--code"],
         "code"),
        ("no URL", [], "URL"),
    ]
    for what, args, word in cases:
        p = ctl(inst, "link", "add", *args)
        ok(p.returncode in (1, 2) and word.lower() in p.err.lower()
           and p.out == "",
           "link add with %s: exit 1 or 2, the message names %s"
           % (what, word), shown(p))
    is_eq(inst.links_count(), before, "bad input to link add: nothing "
          "written")

    fresh = os.path.join(inst.dir, "never.db")
    p = ctl(inst, "-d", fresh, "link", "add", "javascript:alert(1)")
    ok(p.returncode == 2 and not os.path.exists(fresh),
       "a refused link add does not even create the database", shown(p))
    p = ctl(inst, "link", "frobnicate")
    ok(p.returncode == 2 and "usage" in p.err, "link with an unknown "
       "subcommand: exit 2 with the usage", shown(p))


def make_history(inst):
    """A password-protected link, a deleted one, one in a domain, notes,
    and clicks, made through the API."""
    r = inst.create("https://example.com/secret", code="secret",
                    password="correct horse battery")
    ok(r.status == 201 and (r.json() or {}).get("password_protected") is True,
       "API: a password-protected link is made", r)
    r = inst.create("https://example.com/gone", code="gone",
                    tags=["old", "x y"], title="Gone")
    ok(r.status == 201, "API: a link to delete", r)
    r = inst.request("DELETE", "/api/v1/links/gone")
    is_eq(r.status, 204, "API: DELETE", r)
    r = inst.create("https://example.com/counted?q=%C3%A9", code="counted",
                    tags=["ünï", "b"], max_clicks=100,
                    redirect_status=307, expires_at=FUTURE)
    ok(r.status == 201, "API: a link to click", r)
    for _ in range(3):
        inst.request("GET", "/counted", key=False,
                     headers={"User-Agent": "Mozilla/5.0 (X11; Linux "
                              "x86_64; rv:128.0) Gecko/20100101 "
                              "Firefox/128.0"})
    n = wait_until(lambda: (api_link(inst, "counted").json() or {})
                   .get("clicks") == 3, 10)
    ok(n, "API: three clicks counted (KURZ_CLICK_FLUSH_MS=100)")


def lines_of(data):
    out = []
    for line in data.decode("utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append(None)
    return out


def check_export_import(inst):
    make_history(inst)
    p = ctl(inst, "export")
    e1 = p.stdout
    objs = lines_of(e1)
    ok(p.returncode == 0 and e1.endswith(b"\n") and None not in objs,
       "export: exit 0, one JSON object a line", shown(p))
    is_eq(len(objs), inst.links_count(), "export: every link, deleted "
          "ones included")
    ok(all(set(o) == EXPORT_KEYS for o in objs if o),
       "export: each line has exactly the stored fields (no short_url, "
       "no password_protected)", repr(objs[:1]))
    by = dict((o["code"], o) for o in objs if o)
    ok(str((by.get("secret") or {}).get("password_hash", ""))
       .startswith("$argon2"), "export: the password hash is kept",
       repr(by.get("secret")))
    ok(isinstance((by.get("gone") or {}).get("deleted_at"), str),
       "export: the deleted link has deleted_at", repr(by.get("gone")))
    is_eq((by.get("counted") or {}).get("clicks"), 3,
          "export: the click count is kept")
    ids = [r["id"] for r in inst.query("SELECT id FROM links ORDER BY id")]
    codes = [r["code"] for r in inst.query("SELECT code FROM links "
                                           "ORDER BY id")]
    is_eq([o["code"] for o in objs if o], codes, "export: oldest first",
          "ids %r" % ids)

    path = os.path.join(inst.dir, "links.ndjson")
    p = ctl(inst, "export", path)
    with open(path, "rb") as f:
        ok(p.returncode == 0 and f.read() == e1,
           "export FILE writes the same bytes as to stdout", shown(p))
    is_eq(stat.S_IMODE(os.stat(path).st_mode), 0o600,
          "export FILE is mode 0600 (it holds password hashes)")
    ok(not [n for n in os.listdir(inst.dir) if n.startswith("links.ndjson.")],
       "export FILE leaves no temporary file behind")

    # -- the endpoint ---------------------------------------------------
    r = inst.request("GET", "/api/v1/export")
    ok(r.status == 200 and r.content_type() == "application/x-ndjson",
       "GET /api/v1/export (admin): 200 application/x-ndjson", r)
    is_eq(r.header("content-disposition"),
          'attachment; filename="kurz-export.ndjson"',
          "GET /api/v1/export: Content-Disposition", r)
    ok("no-store" in (r.header("cache-control") or ""),
       "GET /api/v1/export: Cache-Control no-store", r)
    ok(r.body == e1, "GET /api/v1/export equals kurzctl export",
       "api %d bytes, kurzctl %d bytes" % (len(r.body), len(e1)))
    h = inst.request("HEAD", "/api/v1/export")
    ok(h.status == 200 and h.body == b"", "HEAD /api/v1/export: 200, no "
       "body", h)
    wkey = inst.try_key_create("writer", "write")
    rkey = inst.try_key_create("reader", "read")
    if wkey:
        problem_ok(inst.request("GET", "/api/v1/export", key=wkey), 403,
                   "forbidden", "GET /api/v1/export with a write key -> 403")
    if rkey:
        problem_ok(inst.request("GET", "/api/v1/export", key=rkey), 403,
                   "forbidden", "GET /api/v1/export with a read key -> 403")
    problem_ok(inst.request("GET", "/api/v1/export", key=False), 401,
               None, "GET /api/v1/export without a key -> 401")

    # -- import into a fresh database, export again ----------------------
    fresh = os.path.join(inst.dir, "fresh.db")
    p = ctl(inst, "import", path, db=fresh)
    is_eq((p.returncode, p.out),
          (0, "%d imported, 0 skipped (taken), 0 refused\n" % len(objs)),
          "import FILE into a fresh database", shown(p))
    p = ctl(inst, "export", db=fresh)
    ok(p.returncode == 0 and p.stdout == e1,
       "export of the imported database is byte-identical",
       "first:  %r" % e1[:600], "second: %r" % p.stdout[:600])
    p = ctl(inst, "import", db=fresh, stdin=e1)
    is_eq((p.returncode, p.out),
          (0, "0 imported, %d skipped (taken), 0 refused\n" % len(objs)),
          "import from stdin again: every code is taken, so skipped",
          shown(p))
    is_eq(ctl(inst, "export", db=fresh).stdout, e1,
          "a second import changes nothing")

    # The imported database serves: password, deleted, counts.
    with Instance(workers=1, env={"KURZ_DB": fresh},
                  name="imported") as other:
        r = other.request("GET", "/api/v1/links/counted")
        is_eq((r.json() or {}).get("clicks"), 3, "imported: clicks", r)
        r = other.request("GET", "/api/v1/links/secret")
        is_eq((r.json() or {}).get("password_protected"), True,
              "imported: the link is still password-protected", r)
        r = other.request("GET", "/secret", key=False)
        ok(r.status != 302 or r.header("location") !=
           "https://example.com/secret",
           "imported: the password link does not redirect without "
           "its password", r)
        r = other.request("GET", "/gone", key=False)
        is_eq(r.status, 410, "imported: the deleted link is 410", r)
        r = other.request("GET", "/counted", key=False)
        ok(r.status == 307 and r.header("location") ==
           "https://example.com/counted?q=%C3%A9",
           "imported: a link redirects as before", r)


def check_import_refusals(inst):
    db = os.path.join(inst.dir, "refusals.db")
    good = {"code": "good", "url": "https://example.com/good",
            "created_at": "2026-01-02T03:04:05Z", "version": 4,
            "clicks": 17, "deleted_at": None}
    lines = [
        json.dumps(good),                                   # 1 ok
        "{not json",                                        # 2 refused
        json.dumps({"code": "u", "url": "javascript:x"}),   # 3 refused
        json.dumps({"code": "admin", "url": "https://x.org/"}),  # 4 refused
        json.dumps({"code": "s", "url": "https://x.org/",
                    "redirect_status": 303}),               # 5 refused
        "",                                                 # 6 blank
        json.dumps(dict(good, url="https://example.com/other")),  # 7 taken
        json.dumps({"code": "t", "url": "https://x.org/",
                    "tags": ["a\nb"]}),                     # 8 refused
        json.dumps({"code": "p", "url": "https://x.org/",
                    "password_hash": "hunter2"}),           # 9 refused
        json.dumps({"code": "x", "url": "https://x.org/",
                    "colour": "red"}),                      # 10 refused
        json.dumps({"code": "old", "url": "example.com/old",
                    "expires_at": PAST}),                   # 11 ok
    ]
    p = ctl(inst, "import", db=db, stdin=("\n".join(lines) + "\n").encode())
    is_eq((p.returncode, p.out),
          (1, "2 imported, 1 skipped (taken), 7 refused\n"),
          "import with bad lines: exit 1 and the counts", shown(p))
    named = sorted(int(w) for w in
                   re.findall(r"line (\d+) refused", p.err))
    is_eq(named, [2, 3, 4, 5, 8, 9, 10],
          "import names each refused line on stderr", shown(p))
    p = ctl(inst, "export", db=db)
    objs = lines_of(p.stdout)
    is_eq([o.get("code") for o in objs], ["good", "old"],
          "only the good lines were imported", shown(p))
    g = objs[0] if objs else {}
    is_eq((g.get("created_at"), g.get("version"), g.get("clicks"),
           g.get("url")),
          ("2026-01-02T03:04:05Z", 4, 17, "https://example.com/good"),
          "import keeps times, version and clicks as given")
    o = objs[1] if len(objs) > 1 else {}
    is_eq((o.get("url"), o.get("expires_at")),
          ("https://example.com/old", PAST),
          "import normalises a URL as the API does, and keeps a past "
          "expiry")
    p = ctl(inst, "import", os.path.join(inst.dir, "no-such-file"), db=db)
    ok(p.returncode == 1 and "no-such-file" in p.err,
       "import of a missing file: exit 1 naming it", shown(p))

    # Paging: more links than one page of link list.
    n = 1100
    bulk = "".join(json.dumps({"code": "bulk%d" % i,
                               "url": "https://example.com/%d" % i}) + "\n"
                   for i in range(n)).encode()
    db2 = os.path.join(inst.dir, "bulk.db")
    t0 = time.monotonic()
    p = ctl(inst, "import", db=db2, stdin=bulk)
    is_eq(p.out, "%d imported, 0 skipped (taken), 0 refused\n" % n,
          "import of %d links (%.1fs)" % (n, time.monotonic() - t0),
          shown(p))
    p = ctl(inst, "link", "list", db=db2)
    codes = list_codes(p)[1]
    ok(p.returncode == 0 and len(codes) == n and len(set(codes)) == n,
       "link list walks every page (%d links, page 1000)" % n,
       "got %d lines, %d distinct" % (len(codes), len(set(codes))))


def main():
    with Instance(workers=2, env={"KURZ_CLICK_FLUSH_MS": "100"}) as inst:
        check_add_get(inst)
        check_list(inst)
        check_edit(inst)
        check_rm_restore(inst)
        check_bad_input(inst)
        check_export_import(inst)
        check_import_refusals(inst)


if __name__ == "__main__":
    kurz.run(main)
