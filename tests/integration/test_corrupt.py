#!/usr/bin/env python3
"""A database that is not kurz's, or is damaged.

Random bytes, another program's SQLite file (a foreign `links` table, or
another application_id) and a kurz file of a newer schema (user_version
99): kurz-fcgi refuses to start and says why and which file, multiwatch
gives up, nginx answers 502/503 and never a redirect from the wrong
database; `kurzctl migrate` exits 1 naming the file; the file is left
as it was.

A real kurz database cut off in the middle: the worker must never send
a redirect to a wrong target; it may refuse to start, or answer 5xx for
what it cannot read. The test reports what happens.
"""

import hashlib
import os
import random
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, diag, is_eq, ok, wait_until  # noqa: E402
from faults import Counter  # noqa: E402

WORKERS = 2
TRUNC_LINKS = 2000


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def make_random(path):
    with open(path, "wb") as f:
        f.write(random.Random(20261123).randbytes(64 * 1024))


def make_foreign(path):
    c = sqlite3.connect(path)
    c.executescript("CREATE TABLE links (code TEXT PRIMARY KEY, url TEXT);"
                    "INSERT INTO links VALUES ('evil', "
                    "'https://evil.example/');")
    c.commit()
    c.close()


def make_other_app(path):
    # application_id of another program (GeoPackage's 'GPKG'), a
    # user_version that kurz could take for its own.
    c = sqlite3.connect(path)
    c.executescript("PRAGMA application_id = 1196444487;"
                    "PRAGMA user_version = 3;"
                    "CREATE TABLE links (code TEXT, url TEXT);"
                    "INSERT INTO links VALUES ('evil', "
                    "'https://evil.example/');")
    c.commit()
    c.close()


def make_newer(inst):
    def build(path):
        inst.kurzctl("migrate")
        inst.kurzctl("link", "add", "https://example.com/newer", "--code",
                     "evil")
        c = sqlite3.connect(path)
        c.execute("PRAGMA user_version = 99")
        c.commit()
        c.close()
    return build


CASES = [
    # name, maker, reason in the worker's and kurzctl's message
    ("random bytes", make_random, r"not a database"),
    ("another program's file", make_foreign,
     r"not a kurz database.*another program"),
    ("another application_id", make_other_app,
     r"not a kurz database.*another program"),
    ("newer schema (user_version 99)", None,
     r"schema version 99 is newer than this kurz knows"),
]


def refused(name, maker, reason):
    with Instance(workers=WORKERS, migrate=False, start=False,
                  name="corrupt " + name) as inst:
        path = inst.db_path
        (maker or make_newer(inst))(path)
        before = sha(path)

        p = inst.kurzctl("migrate", check=False)
        is_eq(p.returncode, 1, "%s: kurzctl migrate exits 1" % name,
              p.stdout, p.stderr)
        ok(path in p.stderr and re.search(reason, p.stderr),
           "%s: kurzctl names the file and the reason" % name,
           "stderr: %r" % p.stderr, "want %r and /%s/" % (path, reason))
        is_eq(sha(path), before, "%s: kurzctl left the file as it was"
              % name)

        inst.start_workers()
        inst.start_nginx()
        gave_up = wait_until(lambda: inst.fcgi.poll() is not None, 15.0, 0.1)
        ok(gave_up, "%s: multiwatch gives up on the workers and exits "
           "(status %s)" % (name, inst.fcgi.returncode), inst.logs())
        errors = [l for l in inst.log_lines("error")
                  if l.startswith("kurz-fcgi[")]
        named = [l for l in errors if path in l and re.search(reason, l)]
        ok(named, "%s: the worker's log names the file and the reason"
           % name, "want %r and /%s/" % (path, reason), *errors[:4])
        ready = [l for l in inst.log_lines("info") if " ready on " in l]
        is_eq(ready, [], "%s: no worker ever became ready" % name)
        alive = [int(m) for m in re.findall(r"^kurz-fcgi\[(\d+)\]",
                                            inst.read_log(), re.M)
                 if kurz.pid_alive(int(m))]
        is_eq(alive, [], "%s: no worker stays up" % name)

        h = inst.request("GET", "/healthz", key=False)
        ok(h.status in (502, 503) and h.content_type() ==
           "application/problem+json", "%s: /healthz via nginx -> %d "
           "problem+json" % (name, h.status), h)
        g = inst.request("GET", "/evil", key=False)
        ok(g.status in (502, 503) and not g.header("location"),
           "%s: GET /evil -> %d, not a redirect" % (name, g.status), g)
        is_eq(sha(path), before, "%s: the workers left the file as it was"
              % name)
        leftovers = [s for s in ("-wal", "-shm", "-journal")
                     if os.path.exists(path + s)]
        diag("%s: %d error lines, e.g. %s; files left beside it: %r"
             % (name, len(errors), errors[0] if errors else "-", leftovers))


def build_links(inst):
    """TRUNC_LINKS links through the API; their code -> url, or None."""
    urls = {}
    for b in range(TRUNC_LINKS // 1000):
        batch = []
        for i in range(b * 1000, (b + 1) * 1000):
            code = "t%04d" % i
            urls[code] = "https://example.com/trunc/%04d/%s" % (
                i, "u" * (i % 50))
            batch.append({"url": urls[code], "code": code,
                          "title": "link %d %s" % (i, "t" * 60),
                          "tags": ["tag%d" % (i % 7)]})
        r = inst.request("POST", "/api/v1/links/batch", {"links": batch})
        if not is_eq(r.status, 201, "damaged: batch %d of 1000 links" % b,
                     r):
            return None
    return urls


def cut_half(path, page, pages):
    with open(path, "r+b") as f:
        f.truncate((pages // 2) * page)
    return "cut from %d to %d pages" % (pages, pages // 2)


def zero_pages(path, page, pages):
    first = pages // 2
    with open(path, "r+b") as f:
        f.seek(first * page)
        f.write(b"\0" * (8 * page))
    return "pages %d-%d of %d zeroed" % (first + 1, first + 8, pages)


def garble_pages(path, page, pages):
    first = pages // 2 - 8
    with open(path, "r+b") as f:
        f.seek(first * page)
        f.write(random.Random(99).randbytes(8 * page))
    return "pages %d-%d of %d overwritten with random bytes" % (
        first + 1, first + 8, pages)


DAMAGES = [("truncated", cut_half), ("zeroed pages", zero_pages),
           ("garbled pages", garble_pages)]


def damaged():
    env = {"KURZ_CLICK_FLUSH_MS": "100"}
    with Instance(workers=WORKERS, env=env, name="damaged") as inst:
        urls = build_links(inst)
        if urls is None:
            return
        is_eq(inst.stop_workers(), 0, "damaged: workers stopped")
        ok(not os.path.exists(inst.db_path + "-wal") or
           os.path.getsize(inst.db_path + "-wal") == 0,
           "damaged: the WAL was checkpointed at the stop")
        with open(inst.db_path, "rb") as f:
            pristine = f.read()
        page = inst.scalar("PRAGMA page_size")
        pages = len(pristine) // page
        summary = []
        for name, damage in DAMAGES:
            for suffix in ("-wal", "-shm"):
                if os.path.exists(inst.db_path + suffix):
                    os.unlink(inst.db_path + suffix)
            with open(inst.db_path, "wb") as f:
                f.write(pristine)
            what = damage(inst.db_path, page, pages)
            summary.append("%s: %s" % (name, probe(inst, name, what, urls)))
        diag("SUMMARY damaged (%d links):\n%s"
             % (len(urls), "\n".join(summary)))


def probe(inst, name, what, urls):
    """Start the workers on the damaged file and follow every link."""
    try:
        ic = inst.scalar("PRAGMA integrity_check")
    except sqlite3.DatabaseError as e:
        ic = "error: %s" % e
    diag("%s: %s; integrity_check says %r" % (name, what, ic))
    ok(ic != "ok", "%s: integrity_check sees the damage" % name)

    log_mark = len(inst.read_log())
    inst.start_workers()
    up = wait_until(lambda: inst.healthy() or inst.fcgi.poll()
                    is not None, 8.0, 0.1)
    started = inst.fcgi.poll() is None and inst.healthy()
    outcome = ("workers start, /healthz 200" if started else
               "workers refuse to start (multiwatch %s)"
               % ("gave up" if inst.fcgi.poll() is not None else "runs"))
    diag("%s: %s; worker log:\n%s" % (name, outcome, "\n".join(
        inst.read_log()[log_mark:].splitlines()[:4])))
    ok(up, "%s: the workers either start or multiwatch gives up" % name)
    pids0 = set(inst.worker_pids())

    seen = Counter()
    for code, url in urls.items():
        try:
            g = inst.request("GET", "/" + code, key=False, timeout=10)
        except Exception as e:  # noqa: B902
            seen.add("exception", repr(e))
            continue
        loc = g.header("location")
        if g.status in (301, 302, 307, 308):
            seen.add("right redirect" if loc == url else "WRONG redirect",
                     "%s -> %s" % (code, loc))
        elif g.status >= 500:
            seen.add("%d %s" % (g.status, (g.json() or {}).get("code")),
                     code)
        else:
            seen.add("%d" % g.status, "%s: %s" % (code, g.describe()[:300]))
    counts = seen.snapshot()
    diag("%s: redirects of the %d links: %s"
         % (name, len(urls), sorted(counts.items())))
    is_eq(counts.get("WRONG redirect", 0), 0,
          "%s: no redirect to a wrong target" % name,
          *seen.examples.get("WRONG redirect", []))
    lies = {k: v for k, v in counts.items()
            if k not in ("right redirect", "WRONG redirect") and
            not k[:1] == "5"}
    ok(not lies, "%s: every link redirects right or answers 5xx (never "
       "'404 no such link' for a link that exists): %r" % (name, lies),
       *[e for k in lies for e in seen.examples.get(k, [])[:3]])
    created = "-"
    if started:
        r = inst.create("https://example.com/after-damage",
                        code="afterdamage")
        created = "%d %s" % (r.status, (r.json() or {}).get("code") or "")
        ok(r.status == 201 or r.status >= 500,
           "%s: a create answers 201 or 5xx (%s)" % (name, created), r)
        time.sleep(0.3)     # the clicks of the redirects are flushed
        pids1 = set(inst.worker_pids())
        ok(pids0 == pids1, "%s: no worker died on the damaged file (pids "
           "%r -> %r)" % (name, sorted(pids0), sorted(pids1)),
           inst.logs())
        errs = [l for l in inst.read_log()[log_mark:].splitlines()
                if ": error: " in l]
        diag("%s: %d error lines in kurz.log, e.g.:\n%s"
             % (name, len(errs), "\n".join(errs[:3])))
    inst.stop_workers()
    p = inst.kurzctl("migrate", check=False)
    diag("%s: kurzctl migrate exits %d: %s" % (
        name, p.returncode, (p.stdout + p.stderr).strip()[:300]))
    return "%s; redirects %s; create %s; kurzctl migrate exit %d" % (
        outcome, sorted(counts.items()), created, p.returncode)


def main():
    for name, maker, reason in CASES:
        refused(name, maker, reason)
    damaged()


if __name__ == "__main__":
    kurz.run(main, timeout=60)
