#!/usr/bin/env python3
"""kurzctl backup, check and restore: a backup taken while eight clients
create links and follow redirects holds every link acknowledged before it
began and passes integrity_check; check on the live database; a backup
never replaces a file; restore refuses while the workers run, and once
they are stopped puts a changed and damaged database back as the backup
has it."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, wait_until  # noqa: E402

CLIENTS = 8
LOAD_SECONDS = 4.0      # how long the clients write and read
BACKUP_AFTER = 1.8      # seconds into the load when the backup starts
PRELOAD = 30000         # links put in first, so the copy takes many steps
DELETED = 5             # links deleted through the API after the backup
CREATE_RATE = 300.0     # creates a second, all clients together: under
                        # nginx's limit of 500 on the API


def ctl(inst, *args):
    """kurzctl with the instance's environment; out and err as text."""
    p = subprocess.run([kurz.KURZCTL] + list(args), env=inst.env,
                       capture_output=True, text=True, timeout=60)
    inst._scan_text(p.stderr, "kurzctl " + " ".join(args))
    p.out, p.err = p.stdout, p.stderr
    return p


def shown(p):
    return "exit %s\nstdout: %r\nstderr: %r" % (p.returncode, p.out, p.err)


def ro(path):
    """A read-only connection that changes nothing beside the file."""
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def preload(inst):
    """PRELOAD links straight into the database, before the workers
    start, so that the file is some thousand pages."""
    c = sqlite3.connect(inst.db_path, timeout=5)
    try:
        c.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                  "FROM n WHERE i < ?) INSERT INTO links (code, url, "
                  "created_at, updated_at) SELECT 'pre' || i, "
                  "'https://example.com/preloaded/' || i, 0, 0 FROM n",
                  (PRELOAD,))
        c.commit()
    finally:
        c.close()


def load_and_backup(inst, bk):
    """CLIENTS threads create links and follow redirects for LOAD_SECONDS;
    kurzctl backup runs BACKUP_AFTER seconds in. Returns (made, t0, t1,
    p): every acknowledged create as (code, monotonic time its 201 was
    read), the times kurzctl backup started and ended, its result."""
    stop = threading.Event()
    lock = threading.Lock()
    made, failures = [], []

    def client(n):
        mine, i = [], 0
        gap = CLIENTS / CREATE_RATE
        due = time.monotonic()
        while not stop.is_set():
            i += 1
            due += gap
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                r = inst.create("https://example.com/load/%d/%d" % (n, i))
                t = time.monotonic()
                code = (r.json() or {}).get("code")
                if r.status != 201 or not code:
                    with lock:
                        failures.append(r.describe()[:400])
                    continue
                mine.append(code)
                with lock:
                    made.append((code, t))
                g = inst.request("GET", "/" + mine[(i * 7) % len(mine)],
                                 key=False)
                if g.status != 302:
                    with lock:
                        failures.append(g.describe()[:400])
            except Exception as e:  # noqa: B902 (any error is a failure)
                with lock:
                    failures.append("client %d: %r" % (n, e))

    threads = [threading.Thread(target=client, args=(n,), daemon=True)
               for n in range(CLIENTS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(BACKUP_AFTER)
    t0 = time.monotonic()
    p = ctl(inst, "backup", bk)
    t1 = time.monotonic()
    time.sleep(max(0.0, LOAD_SECONDS - (t1 - start)))
    stop.set()
    for t in threads:
        t.join(30)
    ok(not failures, "%d clients: every create 201, every redirect 302, "
       "before, during and after the backup" % CLIENTS,
       "%d failures" % len(failures), *failures[:3])
    return made, t0, t1, p


def check_backup(inst, bk):
    made, t0, t1, p = load_and_backup(inst, bk)
    ok(p.returncode == 0 and bk in p.out and "integrity ok" in p.out,
       "kurzctl backup under load: exit 0 (%.0f ms)" % ((t1 - t0) * 1000),
       shown(p))
    before = set(c for c, t in made if t < t0)
    during = [c for c, t in made if t0 <= t < t1]
    after = [c for c, t in made if t >= t1]
    kurz.diag("creates acknowledged: %d before the backup, %d while it "
              "ran, %d after" % (len(before), len(during), len(after)))
    ok(len(before) > 50 and after, "links were made before and after the "
       "backup", "before %d, after %d" % (len(before), len(after)))
    if not ok(os.path.isfile(bk), "the backup file is there"):
        return None
    c = ro(bk)
    try:
        is_eq(c.execute("PRAGMA integrity_check").fetchall(), [("ok",)],
              "the copy passes integrity_check")
        is_eq(c.execute("PRAGMA application_id").fetchone()[0], 1802859130,
              "the copy's application_id is kurz's")
        is_eq(c.execute("PRAGMA user_version").fetchone()[0],
              inst.scalar("PRAGMA user_version"),
              "the copy's schema version is the live one's")
        codes = set(r[0] for r in c.execute("SELECT code FROM links"))
        # By URL too: a generated code may begin with "pre" as well.
        n_pre = c.execute("SELECT count(*) FROM links WHERE code GLOB "
                          "'pre*' AND url GLOB "
                          "'https://example.com/preloaded/*'").fetchone()[0]
    finally:
        c.close()
    missing = sorted(before - codes)
    ok(not missing, "the copy holds all %d links acknowledged before the "
       "backup began" % len(before), "missing %d: %r" % (len(missing),
                                                         missing[:10]))
    is_eq(n_pre, PRELOAD, "the copy holds the %d preloaded links" % PRELOAD)
    strange = codes - set(c for c, _ in made) - \
        set("pre%d" % i for i in range(1, PRELOAD + 1))
    ok(not strange, "the copy holds no link that was never made",
       repr(sorted(strange)[:10]))
    with open(bk, "rb") as f:
        hdr = f.read(20)
    ok(hdr[18:20] == b"\x01\x01" and not os.path.exists(bk + "-wal"),
       "the copy is one file in rollback-journal mode, no -wal",
       "header bytes 18-19: %r" % hdr[18:20])
    ok(not os.path.exists(bk + ".tmp"), "no temporary file left")
    is_eq(os.stat(bk).st_mode & 0o777, 0o600, "the copy is mode 0600")
    return before


def check_check(inst):
    p = ctl(inst, "check")
    ver = inst.scalar("PRAGMA user_version")
    ok(p.returncode == 0 and "integrity: ok" in p.out,
       "kurzctl check on the live database: exit 0, integrity ok", shown(p))
    ok("schema version: %d" % ver in p.out,
       "kurzctl check prints the schema version (%d)" % ver, shown(p))
    ok("wal: " in p.out and "pages: " in p.out,
       "kurzctl check prints the WAL's size and the pages", shown(p))
    p = ctl(inst, "check", "--quick")
    ok(p.returncode == 0 and "integrity: ok (quick_check)" in p.out,
       "kurzctl check --quick: exit 0", shown(p))
    p = ctl(inst, "check", "--slow")
    is_eq(p.returncode, 2, "kurzctl check --slow: exit 2 (usage)",
          shown(p))


def check_refusals(inst, bk):
    digest = sha256(bk)
    p = ctl(inst, "backup", bk)
    ok(p.returncode == 1 and "exists" in p.err,
       "kurzctl backup to an existing file: exit 1, says it exists",
       shown(p))
    is_eq(sha256(bk), digest, "the existing file is untouched")
    other = os.path.join(inst.dir, "elsewhere.txt")
    with open(other, "w") as f:
        f.write("not a backup\n")
    p = ctl(inst, "backup", other)
    ok(p.returncode == 1 and open(other).read() == "not a backup\n",
       "kurzctl backup onto any existing file: exit 1, untouched",
       shown(p))


def check_restore(inst, bk, before):
    # Change the live database after the backup.
    gone = sorted(before)[:DELETED]
    n = 0
    for code in gone:
        n += inst.request("DELETE", "/api/v1/links/" + code).status == 204
    is_eq(n, DELETED, "%d links of the backup deleted through the API"
          % DELETED)
    r = inst.create("https://example.com/after-backup", code="afterbk")
    ok(r.status == 201, "a link made after the backup", r)
    n_live = inst.links_count()

    p = ctl(inst, "restore", bk)
    ok(p.returncode == 1 and "stop the workers" in p.err,
       "kurzctl restore while the workers run: exit 1, says to stop the "
       "workers", shown(p))
    ok(inst.request("GET", "/api/v1/links/afterbk").status == 200 and
       inst.request("GET", "/" + gone[0], key=False).status == 410,
       "  the live database is untouched")
    is_eq(inst.links_count(), n_live, "  no link more or less")

    inst.stop_workers()
    ok(wait_until(lambda: not inst.worker_pids(), 5.0),
       "the workers are stopped")

    # Damage it too: some pages of the preloaded links overwritten.
    size = os.path.getsize(inst.db_path)
    with open(inst.db_path, "r+b") as f:
        f.seek((size // 4096 // 2) * 4096)
        f.write(b"\xff" * 4096 * 4)
    p = ctl(inst, "check")
    ok(p.returncode == 1 and "FAILED" in p.out,
       "kurzctl check on the damaged database: exit 1, FAILED", shown(p))

    p = ctl(inst, "restore", bk)
    ok(p.returncode == 0 and "restored" in p.out,
       "kurzctl restore with the workers stopped: exit 0", shown(p))
    ok(not os.path.exists(inst.db_path + "-wal"),
       "  no -wal left beside the database")
    p = ctl(inst, "check")
    ok(p.returncode == 0 and "integrity: ok" in p.out,
       "kurzctl check after the restore: exit 0", shown(p))

    inst.start_workers()
    inst.wait_healthy()
    c = ro(bk)
    try:
        want = c.execute("SELECT count(*) FROM links").fetchone()[0]
    finally:
        c.close()
    is_eq(inst.links_count(), want, "the restored database has the "
          "backup's links, no more, no fewer")
    codes = set(r["code"] for r in inst.query("SELECT code FROM links "
                                              "WHERE deleted_at IS NULL"))
    missing = sorted(before - codes)
    ok(not missing, "every link acknowledged before the backup is live "
       "again", repr(missing[:10]))
    r = inst.request("GET", "/" + gone[0], key=False)
    is_eq(r.status, 302, "a link deleted after the backup redirects again",
          r)
    j = inst.request("GET", "/api/v1/links/" + gone[1]).json() or {}
    is_eq(j.get("deleted_at", "<absent>"), None,
          "  the API shows it live")
    r = inst.request("GET", "/api/v1/links/afterbk")
    is_eq(r.status, 404, "the link made after the backup is gone", r)
    r = inst.create("https://example.com/after-restore", code="afterrs")
    ok(r.status == 201, "the restored database takes new links (the "
       "backup's API key works)", r)


def main():
    with Instance(workers=2, env={"KURZ_CLICK_FLUSH_MS": "100"},
                  start=False) as inst:
        preload(inst)
        inst.start_workers()
        inst.start_nginx()
        inst.wait_healthy()
        bk = os.path.join(inst.dir, "backup.db")
        before = check_backup(inst, bk)
        check_check(inst)
        if before is None:
            return
        check_refusals(inst, bk)
        check_restore(inst, bk, before)


if __name__ == "__main__":
    kurz.run(main)
