#!/usr/bin/env python3
"""Long readers and the WAL.

A reader outside kurz (python sqlite3, one read transaction held open)
pins its snapshot while 4 clients create links for ~5 s: the WAL grows,
since no checkpoint may overwrite pages the reader may still need, and
the WAL cannot restart. Once the reader ends, a few more writes let the
workers' automatic checkpoint (every 1000 pages) copy everything back,
the next write restarts the WAL, and its commit cuts the file back to
journal_size_limit (16 MiB): the WAL file ends at most 16 MiB plus the
frames of that commit, and a PASSIVE checkpoint from here finds nothing
left to do (busy 0, log == checkpointed).

Then an export (GET /api/v1/export) read slowly, in small pieces with
pauses, must not pin the WAL: the worker reads its links in pages and
ends each read at once (and nginx buffers the answer), so a checkpoint
while the client is still reading completes.
"""

import http.client
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, diag, is_eq, ok  # noqa: E402
from faults import Counter, mib, wal_size  # noqa: E402

WORKERS = 4
WRITERS = 4
HOLD_SECONDS = 5.0
PER_WRITER_RATE = 100       # creates a second: 400 in all, under nginx's
                            # 500 r/s on /api/
LIMIT = 16 * 1048576        # PRAGMA journal_size_limit of the workers
SLACK = 1048576             # frames of the commits after the restart
TITLE = "t" * 400


def writers(inst, seconds, tag, stat, made):
    """WRITERS threads creating links for `seconds`; returns them."""
    t_end = time.monotonic() + seconds
    lock = threading.Lock()

    def run(n):
        i = 0
        gap = 1.0 / PER_WRITER_RATE
        nxt = time.monotonic()
        while time.monotonic() < t_end:
            now = time.monotonic()
            if now < nxt:
                time.sleep(nxt - now)
            nxt += gap
            code = "%s-%d-%d" % (tag, n, i)
            url = "https://example.com/wal/%s/%d/%d/%s" % (tag, n, i,
                                                           "w" * 1000)
            i += 1
            try:
                r = inst.create(url, code=code, title=TITLE, tags=[tag])
            except Exception as e:  # noqa: B902
                stat.add("exception", repr(e))
                continue
            stat.add(r.status, r.describe()[:300])
            if r.status == 201:
                with lock:
                    made[code] = url
    ts = [threading.Thread(target=run, args=(n,), daemon=True)
          for n in range(WRITERS)]
    for t in ts:
        t.start()
    return ts


def checkpoint(inst):
    """PRAGMA wal_checkpoint(PASSIVE) on a connection of our own:
    (busy, log frames, checkpointed frames)."""
    c = sqlite3.connect(inst.db_path, timeout=5, isolation_level=None)
    try:
        return tuple(c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
    finally:
        c.close()


def main():
    with Instance(workers=WORKERS, name="wal") as inst:
        is_eq(inst.scalar("PRAGMA journal_mode"), "wal", "the database is "
              "in WAL mode")
        made = {}
        stat = Counter()
        for t in writers(inst, 0.5, "pre", stat, made):
            t.join(10)
        w_start = wal_size(inst.db_path)
        diag("WAL after %d warm-up creates: %s" % (len(made), mib(w_start)))

        # -- a long reader ----------------------------------------------------
        reader = sqlite3.connect("file:%s?mode=ro" % inst.db_path, uri=True,
                                 timeout=5, isolation_level=None)
        reader.execute("BEGIN")
        n0 = reader.execute("SELECT count(*) FROM links").fetchone()[0]
        ok(n0 == len(made), "a reader holds a read transaction (it sees "
           "%d links)" % n0)
        before = len(made)
        samples = []
        ts = writers(inst, HOLD_SECONDS, "hold", stat, made)
        while any(t.is_alive() for t in ts):
            samples.append(wal_size(inst.db_path))
            time.sleep(0.1)
        for t in ts:
            t.join(10)
        samples.append(wal_size(inst.db_path))
        during = len(made) - before
        w_max = max(samples)
        busy, log, done = checkpoint(inst)
        diag("while the reader held: %d creates, WAL from %s to %s "
             "(%.1f KiB a create); a PASSIVE checkpoint: busy %d, log %d, "
             "checkpointed %d" % (during, mib(w_start), mib(w_max),
                                  (w_max - w_start) / 1024.0 / max(during, 1),
                                  busy, log, done))
        ok(during >= 500, "%d links created while the reader held" % during,
           sorted(stat.snapshot().items()))
        is_eq({k: v for k, v in stat.snapshot().items() if k != 201}, {},
              "every create answered 201",
              *[e for k, v in stat.examples.items() if k != 201
                for e in v[:2]])
        ok(w_max > w_start + 4 * 1048576, "the WAL grew while the reader "
           "held (%s -> %s)" % (mib(w_start), mib(w_max)))
        ok(done < log, "a checkpoint cannot finish while the reader holds "
           "(log %d, checkpointed %d)" % (log, done))
        is_eq(reader.execute("SELECT count(*) FROM links").fetchone()[0], n0,
              "the reader still sees its snapshot (%d links)" % n0)
        reader.execute("COMMIT")
        reader.close()

        # -- the reader ends, a few more writes ------------------------------
        after = {}
        for i in range(20):
            r = inst.create("https://example.com/wal/after/%d" % i,
                            code="after-%d" % i)
            if r.status == 201:
                after[r.json()["code"]] = 1
        is_eq(len(after), 20, "20 creates after the reader ended")
        w_after = wal_size(inst.db_path)
        busy, log, done = checkpoint(inst)
        diag("after the reader and 20 creates: WAL %s (max during the hold "
             "%s); PASSIVE checkpoint: busy %d, log %d, checkpointed %d"
             % (mib(w_after), mib(w_max), busy, log, done))
        ok(busy == 0 and log == done, "a PASSIVE checkpoint now checkpoints "
           "every frame (busy %d, log %d, checkpointed %d)"
           % (busy, log, done))
        ok(w_after <= LIMIT + SLACK, "the WAL is back to at most "
           "journal_size_limit + %s (%s; it was %s)"
           % (mib(SLACK), mib(w_after), mib(w_max)))
        if w_max > LIMIT + SLACK:
            ok(w_after < w_max, "the WAL file shrank (%s -> %s)"
               % (mib(w_max), mib(w_after)))
        n_links = inst.scalar("SELECT count(*) FROM links")
        is_eq(n_links, len(made) + len(after), "every acknowledged link is "
              "there (%d)" % n_links)

        # -- a slow export does not pin the WAL ------------------------------
        conn = http.client.HTTPConnection("127.0.0.1", inst.port, timeout=20)
        conn.request("GET", "/api/v1/export",
                     headers={"Authorization": "Bearer " + inst.key})
        resp = conn.getresponse()
        is_eq(resp.status, 200, "GET /api/v1/export -> 200")
        got = [resp.read(8192)]
        # Writes while the client is still reading, slowly.
        stat2 = Counter()
        more = {}
        ts = writers(inst, 1.0, "exp", stat2, more)
        while any(t.is_alive() for t in ts):
            got.append(resp.read(8192))
            time.sleep(0.02)
        for t in ts:
            t.join(10)
        busy, log, done = checkpoint(inst)
        w_exp = wal_size(inst.db_path)
        still = not resp.isclosed()
        ok(busy == 0 and log == done, "while a client still reads the export "
           "slowly (%s), a PASSIVE checkpoint completes (busy %d, log %d, "
           "checkpointed %d)" % ("unfinished" if still else "finished",
                                 busy, log, done))
        while True:
            chunk = resp.read(65536)
            if not chunk:
                break
            got.append(chunk)
        conn.close()
        body = b"".join(got)
        lines = [l for l in body.split(b"\n") if l.strip()]
        codes = []
        for line in lines:
            try:
                codes.append(kurz.json.loads(line)["code"])
            except (ValueError, KeyError, TypeError):
                codes.append(None)
        start = set(made) | set(after)
        ok(len(codes) == len(set(codes)) and None not in codes,
           "the export is %d NDJSON links, each once (%s)"
           % (len(codes), mib(len(body))))
        missing = start - set(codes)
        ok(not missing, "the export holds every link there was when it "
           "started (%d; %d missing)" % (len(start), len(missing)),
           sorted(missing)[:5])
        extra = set(codes) - start
        ok(extra <= set(more), "the rest are links created while it ran "
           "(%d of %d; it reads in pages, not one snapshot)"
           % (len(extra), len(more)), sorted(extra - set(more))[:5])
        ok(w_exp <= LIMIT + SLACK, "the WAL stays within journal_size_limit "
           "+ %s during the export (%s)" % (mib(SLACK), mib(w_exp)))
        is_eq(inst.scalar("PRAGMA integrity_check"), "ok",
              "PRAGMA integrity_check is ok")
        diag("SUMMARY wal: %d creates during the hold; WAL %s before, max "
             "%s while the reader held, %s after the reader and 20 writes, "
             "%s after the slow export; final checkpoint busy %d log %d "
             "checkpointed %d" % (during, mib(w_start), mib(w_max),
                                  mib(w_after), mib(w_exp), busy, log, done))


if __name__ == "__main__":
    kurz.run(main, timeout=60)
