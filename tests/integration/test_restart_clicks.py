#!/usr/bin/env python3
"""No click is lost or counted twice while workers are restarted under
load: clicks are held in memory (huge batch, long age) and written only
when a worker stops, so every SIGTERM in the middle of the traffic and
the final graceful stop must each write exactly what they held."""

import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, wait_until  # noqa: E402

WORKERS = 4
LINKS = 20
CLIENTS = 8
MAX_SECONDS = 6.0       # hard bound of the traffic
MAX_REQUESTS = 10000    # hard bound of the traffic, all clients together
KILL_AFTER = 600        # requests answered before the first SIGTERM
KILL_GAP = 0.3          # seconds between the workers' SIGTERMs


def main():
    env = {"KURZ_CLICK_FLUSH_MS": "60000", "KURZ_CLICK_BATCH": "100000"}
    with Instance(workers=WORKERS, env=env) as inst:
        codes = ["r%02d" % i for i in range(LINKS)]
        made = 0
        for code in codes:
            r = inst.create("https://example.com/restart/" + code, code=code)
            made += r.status == 201
        if not is_eq(made, LINKS, "create %d links" % LINKS):
            return
        first = wait_until(lambda: len(inst.worker_pids()) == WORKERS and
                           inst.worker_pids(), 5.0)
        if not ok(first, "multiwatch runs %d workers" % WORKERS,
                  inst.worker_pids()):
            return
        seen = set(first)

        lock = threading.Lock()
        stop = threading.Event()
        got302 = {c: 0 for c in codes}
        failures = []
        sent = [0]
        t_start = time.monotonic()

        def client(n):
            i = 0
            ua = "Mozilla/5.0 (X11; Linux x86_64) kurz-restart/%d" % n
            while not stop.is_set() and \
                    time.monotonic() - t_start < MAX_SECONDS:
                with lock:
                    if sent[0] >= MAX_REQUESTS:
                        return
                    sent[0] += 1
                code = codes[(n * 7 + i) % LINKS]
                i += 1
                try:
                    r = inst.request("GET", "/" + code, key=False,
                                     headers={"User-Agent": ua}, timeout=10)
                except Exception as e:  # noqa: B902 (any error is a loss)
                    with lock:
                        failures.append("GET /%s: %r" % (code, e))
                    continue
                with lock:
                    if r.status == 302:
                        got302[code] += 1
                    else:
                        failures.append(r.describe()[:600])

        threads = [threading.Thread(target=client, args=(n,), daemon=True)
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()

        def answered():
            with lock:
                return sum(got302.values()) + len(failures)

        wait_until(lambda: answered() >= KILL_AFTER, 2.0, 0.01)
        before = answered()
        held = inst.scalar("SELECT count(*) FROM clicks")
        is_eq(held, 0, "%d requests answered, no click written yet "
              "(batch 100000, age 60 s)" % before)

        # -- SIGTERM each worker in turn ---------------------------------
        killed = []
        for pid in first:
            seen.update(inst.worker_pids())
            try:
                os.kill(pid, signal.SIGTERM)
                killed.append(pid)
            except ProcessLookupError:
                pass
            t_end = time.monotonic() + KILL_GAP
            while time.monotonic() < t_end:
                seen.update(inst.worker_pids())
                time.sleep(0.02)
        is_eq(killed, first, "SIGTERM sent to each of the %d workers, %.1f s "
              "apart, while traffic flows" % (WORKERS, KILL_GAP))

        def replaced():
            now = inst.worker_pids()
            seen.update(now)
            return (len(now) == WORKERS and not set(now) & set(first) and
                    not any(kurz.pid_alive(p) for p in first))
        back = wait_until(replaced, 5.0, 0.02)
        ok(back, "every stopped worker has exited and multiwatch has "
           "started %d new ones" % WORKERS, "now: %r, first: %r"
           % (inst.worker_pids(), first), inst.logs())
        during = answered()
        time.sleep(0.5)  # traffic on the new workers too
        stop.set()
        for t in threads:
            t.join(15)
        ok(not any(t.is_alive() for t in threads), "clients finished")
        total = sum(got302.values())
        kurz.diag("%d requests in %.1f s: %d before the first SIGTERM, %d "
                  "until the restarts were in, %d 302s, %d failures"
                  % (sent[0], time.monotonic() - t_start, before, during,
                     total, len(failures)))
        ok(during > before, "traffic went on while the workers restarted",
           "answered %d before, %d after" % (before, during))
        ok(not failures, "every request got a 302 (%d failures)"
           % len(failures), *failures[:5])
        written = inst.scalar("SELECT count(*) FROM clicks")
        ok(written and written < total, "the stopped workers wrote what "
           "they held (%d of %d clicks so far)" % (written or 0, total))
        seen.update(inst.worker_pids())

        # -- graceful stop ------------------------------------------------
        inst.fcgi.send_signal(signal.SIGTERM)
        try:
            status = inst.fcgi.wait(15)
        except kurz.subprocess.TimeoutExpired:
            status = None
        is_eq(status, 0, "SIGTERM to multiwatch: exits 0", inst.logs())
        alive = [p for p in seen if kurz.pid_alive(p)]
        ok(not alive, "every worker has exited", alive)

        clicks_sum = inst.scalar(
            "SELECT coalesce(sum(clicks), 0) FROM link_counts")
        rows = inst.scalar("SELECT count(*) FROM clicks")
        is_eq(rows, total, "click rows == 302s received, exactly")
        is_eq(clicks_sum, total, "sum(link_counts.clicks) == 302s received, "
              "exactly")
        per_link = {r["code"]: r["clicks"] for r in inst.query(
            "SELECT l.code, coalesce(n.clicks, 0) AS clicks FROM links l "
            "LEFT JOIN link_counts n "
            "ON n.link_id = l.id")}
        is_eq(per_link, got302, "link_counts.clicks of each link == its 302s")
        is_eq(inst.scalar("SELECT coalesce(sum(visits), 0) FROM link_days"),
              total, "sum(link_days.visits) == 302s received")
        is_eq(inst.scalar("SELECT coalesce(sum(visits), 0) FROM link_hours"),
              total, "sum(link_hours.visits) == 302s received")
        is_eq(inst.scalar("SELECT count(*) FROM clicks WHERE bot"), 0,
              "no click flagged bot")

        ready = [l for l in inst.log_lines("info")
                 if re.search(r": ready on schema \d+$", l)]
        is_eq(len(ready), 2 * WORKERS, "%d workers started (%d, then %d "
              "replacements)" % (2 * WORKERS, WORKERS, WORKERS), ready)
        is_eq(len(seen), 2 * WORKERS, "%d worker pids seen" % (2 * WORKERS),
              sorted(seen))
        stopped = [p for p in seen if any(
            line.startswith("kurz-fcgi[%d]: " % p)
            for line in inst.log_lines("info") if line.endswith(": stopping"))]
        is_eq(sorted(stopped), sorted(seen), "every worker logged "
              "'stopping'", inst.read_log())
        errors = inst.log_lines("error") + inst.log_lines("warn")
        ok(not errors, "no error or warning lines in kurz.log", *errors[:10])
        reports = inst.scan_log()
        ok(not reports, "no sanitizer reports in kurz.log", *reports[:2])
        ok(inst.scalar("PRAGMA integrity_check") == "ok",
           "database integrity_check ok")


if __name__ == "__main__":
    kurz.run(main, timeout=60)
