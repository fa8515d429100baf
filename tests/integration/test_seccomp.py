#!/usr/bin/env python3
"""The workers run under their seccomp filter (src/sandbox.c): each one
shows a loaded filter in /proc/PID/status, and the whole request mix --
create, batch, list, get, patch, delete, restore, redirect, HEAD, a
password form and its POST, stats, clicks, export, a write that waits
for a lock held elsewhere, a SIGUSR2 flush, and a SIGTERM that writes
the buffered clicks -- works with it, with no error in the log.
KURZ_SECCOMP=0 turns it off and says so; a bad value stops the worker
with a message that names the variable.

That a forbidden call is refused (execve, socket, fork, ptrace, kill of
another process, executable memory) is proved by tests/unit/t_sandbox,
which calls the same sandbox_enter(); this file proves that the filter
is on in the real worker and that it refuses nothing the worker needs."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, wait_until  # noqa: E402

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FORM = "application/x-www-form-urlencoded"
PASSWORD = "s3cret"


def seccomp_status(pid="self"):
    """(Seccomp mode, Seccomp_filters, NoNewPrivs) of a process, or
    (None, None, None) when its status cannot be read."""
    vals = {}
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                vals[k] = v.strip()
    except OSError:
        return None, None, None

    def num(k):
        return int(vals[k]) if vals.get(k, "").isdigit() else None
    return num("Seccomp"), num("Seccomp_filters"), num("NoNewPrivs")


def clicks_of(inst, code):
    return inst.scalar(
        "SELECT count(*) FROM clicks c JOIN links l ON l.id = c.link_id "
        "WHERE l.code = ?", (code,))


def quiet_log(inst, what):
    """One test point: no error or warning line and no sanitizer word
    (LeakSanitizer's "has encountered a fatal error" included) in
    kurz.log."""
    bad = inst.log_lines("error") + inst.log_lines("warn")
    bad += [l for l in inst.read_log().splitlines() if "Sanitizer" in l]
    return ok(not bad, "%s: no error, warning or sanitizer line in kurz.log"
              % what, *bad[:10])


def filtered(inst, own_filters):
    """Check every worker's /proc status; returns the worker pids."""
    pids = wait_until(lambda: inst.worker_pids()
                      if len(inst.worker_pids()) == inst.workers else None,
                      5) or inst.worker_pids()
    is_eq(len(pids), inst.workers, "multiwatch runs %d workers"
          % inst.workers, pids)
    for pid in pids:
        # A worker that multiwatch has just forked (under ASan, slowly)
        # may not have reached sandbox_enter() yet: give it 10 s.
        wait_until(lambda: seccomp_status(pid)[0] not in (None, 0), 10)
        mode, n, nnp = seccomp_status(pid)
        is_eq(mode, 2, "worker %d: Seccomp: 2 (a filter is loaded)" % pid)
        # spawn-fcgi and multiwatch add none: one more than this process.
        is_eq(n, own_filters + 1, "worker %d: Seccomp_filters: %d (ours "
              "plus one)" % (pid, own_filters + 1))
        is_eq(nnp, 1, "worker %d: NoNewPrivs: 1" % pid)
    mode, n, _ = seccomp_status(inst.fcgi.pid)
    is_eq(n, own_filters, "multiwatch itself is not filtered")
    return pids


def hold_write_lock(db_path, seconds, held):
    """Hold the database's write lock from another connection."""
    c = sqlite3.connect(db_path, timeout=5, isolation_level=None)
    try:
        c.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        c.execute("COMMIT")
    finally:
        c.close()


def request_mix(inst):
    """Every kind of request a worker answers; returns the visits made
    to /mix that must become clicks."""
    r = inst.create("https://example.com/mix", code="mix", title="mix",
                    tags=["a", "b"])
    is_eq(r.status, 201, "create /mix", r)
    r = inst.create("https://example.com/generated")
    code = (r.json() or {}).get("code")
    ok(r.status == 201 and code, "create with a generated code", r)
    items = [{"url": "https://example.com/b/%d" % i} for i in range(300)]
    r = inst.request("POST", "/api/v1/links/batch", {"links": items})
    is_eq(r.status, 201, "batch of 300", r)
    r = inst.request("GET", "/api/v1/links?limit=50&q=example")
    ok(r.status == 200 and len((r.json() or {}).get("links", [])) == 50,
       "list 50 with a search", r)
    r = inst.request("GET", "/api/v1/links/mix")
    etag = r.header("etag")
    ok(r.status == 200 and etag, "get /mix with an ETag", r)
    r = inst.request("PATCH", "/api/v1/links/mix", {"title": "mixed"},
                     headers={"If-Match": etag or '"0"'})
    is_eq(r.status, 200, "patch /mix with If-Match", r)
    r = inst.request("DELETE", "/api/v1/links/" + (code or "x"))
    is_eq(r.status, 204, "delete the generated link", r)
    r = inst.request("POST", "/api/v1/links/%s/restore" % (code or "x"))
    is_eq(r.status, 200, "restore it", r)

    visits = 0
    for i in range(20):
        r = inst.request("GET", "/mix/rest?i=%d" % i, key=False,
                         headers={"User-Agent": UA,
                                  "Referer": "https://news.example/"})
        visits += r.status == 302
    is_eq(visits, 20, "20 redirects of /mix (go-link rest and query)")
    r = inst.request("HEAD", "/mix", key=False, headers={"User-Agent": UA})
    is_eq(r.status, 302, "HEAD /mix", r)
    r = inst.request("GET", "/no-such-code", key=False)
    is_eq(r.status, 404, "an unknown code -> 404", r)

    # Argon2id: a 64 MiB hash on create and on each check.
    r = inst.create("https://example.com/secret", code="pw",
                    password=PASSWORD)
    is_eq(r.status, 201, "create a link with a password", r)
    r = inst.request("GET", "/pw", key=False, headers={"User-Agent": UA})
    is_eq(r.status, 200, "GET /pw -> the form", r)
    for pw, want in (("wrong", 401), (PASSWORD, 302)):
        r = inst.request("POST", "/pw", "password=" +
                         urllib.parse.quote_plus(pw), key=False,
                         headers={"Content-Type": FORM, "User-Agent": UA})
        is_eq(r.status, want, "POST /pw with the %s password" % (
            "right" if pw == PASSWORD else "wrong"), r)
    # The worker's lock wait: a create while another connection writes.
    held = threading.Event()
    t = threading.Thread(target=hold_write_lock,
                         args=(inst.db_path, 0.5, held))
    t.start()
    held.wait(5)
    t0 = time.monotonic()
    r = inst.create("https://example.com/waited", code="waited")
    took = time.monotonic() - t0
    t.join()
    ok(r.status == 201 and took >= 0.3, "a create waits for a lock held "
       "elsewhere, then succeeds (%.2f s)" % took, r)

    r = inst.request("GET", "/api/v1/links/mix/stats?granularity=hour")
    is_eq(r.status, 200, "stats of /mix", r)
    r = inst.request("GET", "/api/v1/links/mix/clicks")
    is_eq(r.status, 200, "clicks of /mix", r)
    r = inst.request("GET", "/api/v1/stats")
    is_eq(r.status, 200, "the instance's stats", r)
    r = inst.request("GET", "/api/v1/export")
    lines = r.body.count(b"\n")
    ok(r.status == 200 and lines >= 303, "export streams every link "
       "(%d lines)" % lines, r if r.status != 200 else "")
    r = inst.request("GET", "/healthz", key=False)
    is_eq(r.status, 200, "healthz", r)
    return visits


def main():
    _, own_filters, _ = seccomp_status()
    if own_filters is None:
        own_filters = 0
    env = {"KURZ_CLICK_FLUSH_MS": "60000", "KURZ_CLICK_BATCH": "100000"}
    with Instance(workers=2, env=env, name="filtered") as inst:
        pids = filtered(inst, own_filters)
        visits = request_mix(inst)

        # SIGUSR2: a worker writes its clicks now, under the filter.
        for pid in pids:
            os.kill(pid, signal.SIGUSR2)
        got = wait_until(lambda: clicks_of(inst, "mix") == visits, 5)
        ok(got, "SIGUSR2: the clicks are written (%s of %d)"
           % (clicks_of(inst, "mix"), visits))
        for _ in range(5):
            inst.request("GET", "/mix", key=False, headers={"User-Agent": UA})
        visits += 5
        # Still the same workers: none was killed and restarted.
        is_eq(sorted(inst.worker_pids()), sorted(pids),
              "no worker died and was restarted")

        # SIGTERM: the buffered clicks are written on the way out.
        inst.fcgi.send_signal(signal.SIGTERM)
        try:
            status = inst.fcgi.wait(10)
        except subprocess.TimeoutExpired:
            status = None
        is_eq(status, 0, "SIGTERM: spawn-fcgi/multiwatch exits 0",
              inst.logs())
        stopped = [p for p in pids if any(
            l.startswith("kurz-fcgi[%d]: " % p) and l.endswith(": stopping")
            for l in inst.log_lines("info"))]
        is_eq(sorted(stopped), sorted(pids), "SIGTERM: every worker "
              "stopped gracefully", inst.read_log())
        is_eq(clicks_of(inst, "mix"), visits, "SIGTERM wrote the clicks")
        quiet_log(inst, "filtered")
        r = inst.db().execute("PRAGMA integrity_check").fetchone()[0]
        is_eq(r, "ok", "database integrity_check ok")

    with Instance(workers=1, env={"KURZ_SECCOMP": "0"},
                  name="unfiltered") as inst:
        pids = inst.worker_pids()
        _, n, _ = seccomp_status(pids[0]) if pids else (None, None, None)
        is_eq(n, own_filters, "KURZ_SECCOMP=0: no filter of its own")
        r = inst.create("https://example.com/u", code="u")
        is_eq(r.status, 201, "KURZ_SECCOMP=0: create", r)
        warn = [l for l in inst.log_lines("warn") if "KURZ_SECCOMP=0" in l]
        ok(warn, "KURZ_SECCOMP=0 is logged as a warning", inst.read_log())

    # A bad value: the worker (spawn-fcgi -n, no multiwatch to restart
    # it) exits 1 and names the variable.
    with Instance(workers=1, env={"KURZ_SECCOMP": "maybe"}, start=False,
                  name="bad value") as inst:
        with open(inst.log_path, "ab") as log:
            p = subprocess.run([kurz.SPAWN_FCGI, "-n", "-s", inst.sock,
                                "-M", "0660", "--", kurz.KURZ_FCGI],
                               env=inst.env, cwd=inst.dir, timeout=20,
                               stdin=subprocess.DEVNULL, stdout=log,
                               stderr=log)
        is_eq(p.returncode, 1, "KURZ_SECCOMP=maybe: the worker exits 1")
        errs = inst.log_lines("error")
        ok(any("KURZ_SECCOMP" in l and "maybe" in l for l in errs),
           "the error names KURZ_SECCOMP and its value", inst.read_log())


if __name__ == "__main__":
    kurz.run(main)
