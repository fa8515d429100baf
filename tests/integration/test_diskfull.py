#!/usr/bin/env python3
"""The database's file system fills up, and then turns read-only.

The database (KURZ_DB) lives on a 4 MiB tmpfs of its own. A filler file
takes every free byte: creates then answer 503 `storage_unavailable`
(problem+json, Retry-After), redirects and reads go on, nothing is half
written; once the filler is gone, creates succeed again by themselves
and the clicks held meanwhile are written.

Read-only: as root, file modes do not stop writes, and chattr +i does
not stop writes through descriptors that are already open; a file system
cannot be remounted read-only while a worker holds the database open for
writing ("mount point is busy"). So the workers are stopped, the tmpfs
is remounted read-only, and the workers are started on it: reads are
expected to work and writes to answer 503; then the tmpfs goes back to
read-write and writes must work again.

Needs mount(8) and CAP_SYS_ADMIN; skipped (TAP SKIP) when the mount fails.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import (Instance, diag, is_eq, ok, problem_ok,  # noqa: E402
                  wait_until)
import faults  # noqa: E402
from faults import retry_after_ok  # noqa: E402

SIZE = "4m"
MAX_FULL_CREATES = 400      # creates tried on the full disk before giving up
UA = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) kurz-diskfull"}


def main():
    mnt = tempfile.mkdtemp(prefix="kurz-it-tmpfs-")
    why = faults.mount_tmpfs(mnt, SIZE)
    if why:
        faults.skip("cannot mount a tmpfs (%s)" % why)
        os.rmdir(mnt)
        return
    try:
        db = os.path.join(mnt, "kurz.db")
        env = {"KURZ_DB": db, "KURZ_BUSY_TIMEOUT_MS": "500",
               "KURZ_CLICK_FLUSH_MS": "100"}
        with Instance(workers=2, env=env, name="diskfull") as inst:
            inst.db_path = db       # the harness' readers look here
            full(inst, mnt)
            readonly(inst, mnt)
    finally:
        # The instance has stopped its workers: nothing holds the mount.
        faults.remount(mnt, False)
        ok(faults.umount(mnt), "tmpfs unmounted")
        try:
            os.rmdir(mnt)
        except OSError:
            shutil.rmtree(mnt, ignore_errors=True)


def follow_all(inst, links, n=1):
    """GET each code n times; the number of right 302s and the failures."""
    good, bad = 0, []
    for _ in range(n):
        for code, url in links.items():
            g = inst.request("GET", "/" + code, key=False, headers=UA)
            if g.status == 302 and g.header("location") == url:
                good += 1
            else:
                bad.append(g.describe()[:300])
    return good, bad


def full(inst, mnt):
    links = {}
    for i in range(5):
        code = "df%d" % i
        url = "https://example.com/diskfull/%d" % i
        r = inst.create(url, code=code)
        if r.status == 201:
            links[code] = url
    if not is_eq(len(links), 5, "create 5 links on the tmpfs database"):
        return
    visits, bad = follow_all(inst, links)
    is_eq(visits, 5, "they redirect", *bad[:3])

    filler = os.path.join(mnt, "filler")
    took = faults.fill(filler)
    free = faults.statvfs_free(mnt)
    diag("filler: %s; free now %d bytes; db %s, wal %s"
         % (faults.mib(took), free, faults.mib(faults.file_size(inst.db_path)),
            faults.mib(faults.wal_size(inst.db_path))))
    ok(free < 65536, "the tmpfs is full (%d bytes free)" % free)

    # The WAL may still have room that it reuses: create until refused.
    pad = "x" * 500
    acked_full = {}
    refused = None
    for i in range(MAX_FULL_CREATES):
        code = "full%d" % i
        url = "https://example.com/full/%d/%s" % (i, "p" * 1500)
        r = inst.create(url, code=code, title=pad, tags=["full"])
        if r.status == 201:
            acked_full[code] = url
            continue
        refused = (code, r)
        break
    diag("%d creates acknowledged on the full disk before the first "
         "refusal" % len(acked_full))
    if not ok(refused is not None, "a create on the full disk is refused "
              "within %d tries" % MAX_FULL_CREATES):
        return
    code_refused, r = refused
    problem_ok(r, 503, "storage_unavailable",
               "create on a full disk -> 503 storage_unavailable problem+json")
    ok(retry_after_ok(r), "the 503 carries Retry-After (%r)"
       % r.header("retry-after"), r)
    text = r.body.decode("utf-8", "replace").lower()
    ok("sqlite" not in text and "disk is full" not in text,
       "the 503 names no SQLite internals", r)
    again = [inst.create("https://example.com/full/again%d" % i,
                         code="fullagain%d" % i) for i in range(3)]
    is_eq([a.status for a in again], [503] * 3,
          "3 more creates on the full disk -> 503 each",
          *[a for a in again if a.status != 503][:2])
    b = inst.request("POST", "/api/v1/links/batch",
                     {"links": [{"url": "https://example.com/b%d" % i,
                                 "code": "fullbatch%d" % i}
                                for i in range(20)]})
    problem_ok(b, 503, "storage_unavailable",
               "a batch of 20 on the full disk -> 503 storage_unavailable")

    # Reads and redirects go on.
    everything = dict(links)
    everything.update(acked_full)
    good, bad = follow_all(inst, everything)
    visits += good
    is_eq(good, len(everything), "redirects of the %d links work on the "
          "full disk" % len(everything), *bad[:3])
    g = inst.request("GET", "/api/v1/links/df0")
    ok(g.status == 200 and (g.json() or {}).get("url") == links["df0"],
       "GET /api/v1/links/df0 on the full disk -> 200", g)
    g = inst.request("GET", "/api/v1/links?limit=100&tag=full")
    ok(g.status == 200 and len((g.json() or {}).get("links", [])) ==
       len(acked_full), "GET /api/v1/links?tag=full lists the %d links "
       "acknowledged on the full disk" % len(acked_full), g)
    h = inst.request("GET", "/healthz", key=False)
    is_eq(h.status, 200, "GET /healthz on the full disk -> 200 (it can "
          "read)", h)
    g = inst.request("GET", "/api/v1/links/" + code_refused)
    is_eq(g.status, 404, "the refused link was not created", g)
    is_eq(inst.scalar("SELECT count(*) FROM links WHERE code LIKE "
                      "'fullbatch%' OR code LIKE 'fullagain%'"), 0,
          "nothing of the refused creates and batch is in the database")
    is_eq(inst.scalar("PRAGMA integrity_check"), "ok",
          "PRAGMA integrity_check ok on the full disk")
    time.sleep(0.5)     # the workers try to write their clicks, and fail
    is_eq(len(inst.worker_pids()), 2, "both workers still run")

    # -- free the space: it recovers by itself ------------------------------
    os.unlink(filler)
    t0 = time.monotonic()
    r = None

    def created():
        nonlocal r
        r = inst.create("https://example.com/recovered", code="recovered")
        return r.status == 201
    back = wait_until(created, 5.0, 0.1)
    ok(back, "after the filler is deleted a create succeeds again (%.2f s)"
       % (time.monotonic() - t0), r)
    r = inst.create("https://example.com/full/retry", code=code_refused)
    is_eq(r.status, 201, "the refused create, retried, -> 201", r)
    is_eq(inst.scalar("PRAGMA integrity_check"), "ok",
          "PRAGMA integrity_check ok after the recovery")
    rows = {x["code"]: x["url"] for x in inst.query(
        "SELECT code, url FROM links")}
    lost = [c for c, u in everything.items() if rows.get(c) != u]
    is_eq(lost, [], "every acknowledged link is there (%d)"
          % len(everything))
    wrote = wait_until(lambda: inst.scalar(
        "SELECT count(*) FROM clicks") >= visits, 5.0)
    is_eq(inst.scalar("SELECT count(*) FROM clicks"), visits,
          "the %d clicks held while the disk was full are written (%s)"
          % (visits, "in time" if wrote else "late"))
    warned = [l for l in inst.log_lines("warn") + inst.log_lines("error")
              if "clicks" in l]
    diag("log lines about held clicks: %d" % len(warned))
    diag("SUMMARY diskfull: %d creates acknowledged on the full disk, then "
         "503 %s; %d clicks held and written"
         % (len(acked_full), (r.json() or {}).get("code"), visits))


def readonly(inst, mnt):
    st = inst.stop_workers()
    is_eq(st, 0, "workers stopped (SIGTERM) to remount the database's file "
          "system")
    why = faults.remount(mnt, True)
    if why:
        faults.skip("cannot remount the tmpfs read-only (%s)" % why)
        inst.start_workers()
        inst.wait_healthy()
        return
    ok(True, "tmpfs remounted read-only")
    try:
        with open(os.path.join(mnt, "probe"), "w"):
            pass
        ok(False, "the tmpfs refuses writes")
    except OSError as e:
        ok(True, "the tmpfs refuses writes (%s)" % e.strerror)
    log_mark = len(inst.read_log())
    inst.start_workers()
    up = wait_until(lambda: inst.healthy(), 5.0, 0.1)
    new_log = inst.read_log()[log_mark:]
    ok(up, "on a read-only database the workers start and /healthz "
       "answers 200", "worker log since the start:\n" + new_log[-3000:],
       "multiwatch %s" % ("exited %s" % inst.fcgi.returncode
                          if inst.fcgi.poll() is not None else "runs"))
    g = inst.request("GET", "/df1", key=False, headers=UA)
    ok(g.status == 302 and g.header("location") ==
       "https://example.com/diskfull/1", "read-only: a redirect -> 302", g)
    g = inst.request("GET", "/api/v1/links/df1")
    is_eq(g.status, 200, "read-only: GET /api/v1/links/df1 -> 200", g)
    r = inst.create("https://example.com/ro", code="ro0")
    problem_ok(r, 503, "storage_unavailable",
               "read-only: a create -> 503 storage_unavailable")
    ok(r.status == 503 and retry_after_ok(r),
       "read-only: the worker's 503 carries Retry-After", r)
    kurz.diag("read-only outcome: healthz %s, redirect %s, create %s; "
              "workers %r; worker log:\n%s"
              % ("200" if up else "not 200", g.status, r.status,
                 inst.worker_pids(), "\n".join(new_log.splitlines()[-6:])))

    # -- back to read-write ---------------------------------------------------
    why = faults.remount(mnt, False)
    ok(not why, "tmpfs remounted read-write", why or "")
    t0 = time.monotonic()
    running = inst.fcgi.poll() is None
    if running:
        back = wait_until(lambda: inst.create(
            "https://example.com/rw", code="rw0").status == 201 or
            inst.request("GET", "/api/v1/links/rw0").status == 200, 5.0, 0.2)
        ok(back, "read-write again: the running workers write again by "
           "themselves (%.2f s)" % (time.monotonic() - t0),
           inst.create("https://example.com/rw", code="rw1"), inst.logs())
    else:
        ok(False, "read-write again: workers running to recover by "
           "themselves (multiwatch had given up: exit %s)"
           % inst.fcgi.returncode)
    if not running or not back:
        inst.stop_workers(signal.SIGTERM)
        inst.start_workers()
        inst.wait_healthy()
        r = inst.create("https://example.com/rw", code="rw2")
        is_eq(r.status, 201, "read-write again: after a restart of the "
              "workers, a create -> 201", r)
    is_eq(inst.scalar("PRAGMA integrity_check"), "ok",
          "PRAGMA integrity_check ok at the end")


if __name__ == "__main__":
    kurz.run(main, timeout=60)
