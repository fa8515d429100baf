#!/usr/bin/env python3
"""Another process holds the database's write lock for longer than
KURZ_BUSY_TIMEOUT_MS: a write waits for its deadline and then answers
503 `unavailable` with Retry-After; redirects and reads go on; clicks are
held in memory, not lost, and written once the lock is released."""

import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import (Instance, diag, is_eq, ok, problem_ok,  # noqa: E402
                  wait_until)
from faults import retry_after_ok  # noqa: E402

BUSY_MS = 300
MARGIN_S = 1.2          # scheduling, nginx, a flush the worker was in
LINKS = 5
UA = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) kurz-lock"}


def main():
    env = {"KURZ_BUSY_TIMEOUT_MS": str(BUSY_MS),
           "KURZ_CLICK_FLUSH_MS": "100"}
    with Instance(workers=2, env=env, name="lock") as inst:
        codes = ["lk%d" % i for i in range(LINKS)]
        urls = {c: "https://example.com/lock/" + c for c in codes}
        made = sum(inst.create(urls[c], code=c).status == 201 for c in codes)
        if not is_eq(made, LINKS, "create %d links" % LINKS):
            return
        pids = sorted(inst.worker_pids())
        is_eq(inst.scalar("SELECT count(*) FROM clicks"), 0,
              "no clicks before the lock")

        # -- another process takes the write lock ----------------------------
        holder = sqlite3.connect(inst.db_path, timeout=0,
                                 isolation_level=None)
        released = False
        try:
            holder.execute("BEGIN IMMEDIATE")
            t_lock = time.monotonic()
            ok(True, "python sqlite3 holds BEGIN IMMEDIATE on the database")

            r, took = _timed(lambda: inst.create("https://example.com/busy",
                                                 code="busy0"))
            problem_ok(r, 503, "unavailable",
                       "create while locked -> 503 unavailable problem+json")
            ok(retry_after_ok(r), "the 503 carries Retry-After (%r)"
               % r.header("retry-after"), r)
            ok(BUSY_MS / 1000.0 * 0.8 <= took <= BUSY_MS / 1000.0 + MARGIN_S,
               "it answered after waiting about KURZ_BUSY_TIMEOUT_MS "
               "(%.3f s; busy timeout %.3f s, margin %.1f s)"
               % (took, BUSY_MS / 1000.0, MARGIN_S))
            text = r.body.decode("utf-8", "replace").lower()
            ok("sqlite" not in text and "database is locked" not in text,
               "the 503 names no SQLite internals", r)
            took_503 = took

            # A 503 must not be remembered as the answer to an
            # Idempotency-Key: the retry after the lock must create.
            idem = {"Idempotency-Key": "lock-idem-1"}
            ri, took_i = _timed(lambda: inst.request(
                "POST", "/api/v1/links", {"url": "https://example.com/idem",
                                          "code": "busyidem"},
                headers=idem))
            problem_ok(ri, 503, "unavailable",
                       "create with Idempotency-Key while locked -> 503 "
                       "(%.3f s)" % took_i)

            # Other writes: PATCH and DELETE wait and answer 503 too.
            rp = inst.request("PATCH", "/api/v1/links/lk0",
                              {"title": "while locked"})
            problem_ok(rp, 503, "unavailable", "PATCH while locked -> 503")
            rd = inst.request("DELETE", "/api/v1/links/lk1")
            problem_ok(rd, 503, "unavailable", "DELETE while locked -> 503")

            # Reads and redirects go on.
            good, bad, slow = 0, [], 0.0
            for i in range(40):
                c = codes[i % LINKS]
                g, t = _timed(lambda: inst.request("GET", "/" + c, key=False,
                                                   headers=UA))
                slow = max(slow, t)
                if g.status == 302 and g.header("location") == urls[c]:
                    good += 1
                else:
                    bad.append(g.describe()[:300])
            is_eq(good, 40, "40 redirects while locked all answer 302 with "
                  "the right Location (slowest %.3f s)" % slow, *bad[:3])
            g = inst.request("GET", "/api/v1/links/lk0")
            ok(g.status == 200 and (g.json() or {}).get("url") ==
               urls["lk0"] and (g.json() or {}).get("title") is None,
               "GET /api/v1/links/lk0 while locked -> 200, unchanged", g)
            g = inst.request("GET", "/api/v1/links?limit=10")
            ok(g.status == 200 and len((g.json() or {}).get("links", []))
               == LINKS, "GET /api/v1/links while locked -> 200", g)
            h = inst.request("GET", "/healthz", key=False)
            is_eq(h.status, 200, "GET /healthz while locked -> 200", h)

            # Clicks are held: the workers try (a short wait, then again a
            # second later) and are refused; nothing is written yet.
            time.sleep(1.0)
            held_rows = inst.scalar("SELECT count(*) FROM clicks")
            is_eq(held_rows, 0, "no click written while the lock is held")
            # A busy database is reported at info level (it is expected
            # now and then); other refusals are warnings.
            warned = [l for l in inst.log_lines("info") + inst.log_lines("warn")
                      if "clicks held" in l]
            ok(warned, "a worker logged that it holds clicks it could not "
               "write (%d lines)" % len(warned),
               inst.logs())
            # Redirects go on while the workers keep retrying their flush
            # (each try waits up to KURZ_BUSY_TIMEOUT_MS for the lock).
            slow2 = 0.0
            for i in range(20):
                c = codes[i % LINKS]
                g, t = _timed(lambda: inst.request("GET", "/" + c, key=False,
                                                   headers=UA))
                slow2 = max(slow2, t)
                if g.status == 302 and g.header("location") == urls[c]:
                    good += 1
                else:
                    bad.append(g.describe()[:300])
            is_eq(good, 60, "20 more redirects while the workers retry "
                  "their flush: 302 (slowest %.3f s)" % slow2, *bad[:3])
            ok(slow2 <= BUSY_MS / 1000.0 + MARGIN_S, "a redirect waits at "
               "most about one busy timeout for a flush in progress "
               "(%.3f s)" % slow2)
            slow = max(slow, slow2)
            lock_for = time.monotonic() - t_lock
            ok(lock_for > BUSY_MS / 1000.0 * 3, "lock held for %.2f s, many "
               "times KURZ_BUSY_TIMEOUT_MS" % lock_for)
            is_eq(sorted(inst.worker_pids()), pids,
                  "the same workers still run (none died of the lock)")
            holder.execute("ROLLBACK")
            released = True
        finally:
            if not released:
                try:
                    holder.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            holder.close()

        # -- after the release ----------------------------------------------
        r, took = _timed(lambda: inst.create("https://example.com/after",
                                             code="after0"))
        ok(r.status == 201, "create after the release -> 201 (%.3f s)"
           % took, r)
        g = inst.request("GET", "/api/v1/links/busy0")
        is_eq(g.status, 404, "the link refused with 503 was not created", g)
        r = inst.create("https://example.com/busy", code="busy0")
        is_eq(r.status, 201, "its create, retried, -> 201", r)
        ri = inst.request("POST", "/api/v1/links",
                          {"url": "https://example.com/idem",
                           "code": "busyidem"}, headers=idem)
        ok(ri.status == 201 and ri.header("idempotent-replayed") is None,
           "the Idempotency-Key retried after the 503 creates (201, no "
           "replay of the 503)", ri)
        rp = inst.request("PATCH", "/api/v1/links/lk0",
                          {"title": "after the lock"})
        is_eq(rp.status, 200, "PATCH after the release -> 200", rp)

        wrote = wait_until(lambda: inst.scalar(
            "SELECT count(*) FROM clicks") >= good, 5.0)
        n = inst.scalar("SELECT count(*) FROM clicks")
        is_eq(n, good, "the %d clicks held during the lock are written "
              "after it (%s)" % (good, "in time" if wrote else "late"))
        is_eq(inst.scalar("SELECT coalesce(sum(clicks), 0) FROM link_counts"),
              good, "sum(link_counts.clicks) == redirects served while locked")
        per = {row["code"]: row["clicks"] for row in inst.query(
            "SELECT l.code, coalesce(n.clicks, 0) AS clicks FROM links l "
            "LEFT JOIN link_counts n "
            "ON n.link_id = l.id WHERE l.code LIKE 'lk%'")}
        is_eq(per, {c: good // LINKS for c in codes},
              "each link counted its %d visits" % (good // LINKS))
        is_eq(inst.scalar("PRAGMA integrity_check"), "ok",
              "PRAGMA integrity_check is ok")
        errors = inst.log_lines("error")
        ok(not errors, "no error lines in kurz.log (busy is a warning)",
           *errors[:5])
        diag("SUMMARY lock: busy %d ms, 503 after %.3f s, %d redirects "
             "during the lock (slowest %.3f s), %d clicks held and written"
             % (BUSY_MS, took_503, good, slow, n))
    stall()


def stall():
    """DESIGN: clicks never slow a redirect. With one worker that holds
    clicks it cannot write, redirects served while another process holds
    the lock must stay fast: the worker's retries of its flush must not
    make a redirect wait for the database lock."""
    env = {"KURZ_BUSY_TIMEOUT_MS": str(BUSY_MS),
           "KURZ_CLICK_FLUSH_MS": "50"}
    with Instance(workers=1, env=env, name="lock stall") as inst:
        r = inst.create("https://example.com/stall", code="stall")
        if not is_eq(r.status, 201, "one worker: create a link"):
            return
        holder = sqlite3.connect(inst.db_path, timeout=0,
                                 isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            lat, bad = [], []
            t_end = time.monotonic() + 1.5
            while time.monotonic() < t_end:
                g, t = _timed(lambda: inst.request("GET", "/stall",
                                                   key=False, headers=UA))
                lat.append(t)
                if g.status != 302:
                    bad.append(g.describe()[:300])
                time.sleep(0.02)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        lat.sort()
        slow = [t for t in lat if t > 0.1]
        ok(not bad, "one worker, locked: %d redirects answer 302"
           % len(lat), *bad[:2])
        ok(not slow, "one worker, locked, clicks held: no redirect waits "
           "for the lock (%d of %d over 0.1 s; slowest %.3f s, median "
           "%.3f s; busy timeout %.3f s)"
           % (len(slow), len(lat), lat[-1], lat[len(lat) // 2],
              BUSY_MS / 1000.0))
        wait_until(lambda: inst.scalar("SELECT count(*) FROM clicks")
                   >= len(lat), 5.0)
        is_eq(inst.scalar("SELECT count(*) FROM clicks"), len(lat),
              "one worker: the held clicks are written after the lock")


def _timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


if __name__ == "__main__":
    kurz.run(main, timeout=60)
