#!/usr/bin/env python3
"""Graceful stop, a crashed worker, and durability across kill -9."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, wait_until  # noqa: E402


def main():
    # Clicks are only written at shutdown here (huge batch, long age), so
    # that the graceful stop is seen to flush them.
    env = {"KURZ_CLICK_FLUSH_MS": "60000", "KURZ_CLICK_BATCH": "100000"}
    with Instance(workers=2, env=env) as inst:
        r = inst.create("https://example.com/graceful", code="graceful")
        ok(r.status == 201, "create graceful", r)
        visits = 6
        for _ in range(visits):
            inst.request("GET", "/graceful", key=False,
                         headers={"User-Agent": "Mozilla/5.0 kurz-it"})

        # -- SIGTERM ------------------------------------------------------
        pids = inst.worker_pids()
        is_eq(len(pids), 2, "multiwatch runs 2 workers", pids)
        t0 = time.monotonic()
        inst.fcgi.send_signal(signal.SIGTERM)
        try:
            status = inst.fcgi.wait(5)
        except kurz.subprocess.TimeoutExpired:
            status = None
        took = time.monotonic() - t0
        is_eq(status, 0, "SIGTERM: spawn-fcgi/multiwatch exits 0 within 5 s"
              " (%.2f s)" % took, inst.logs())
        alive = [p for p in pids if kurz.pid_alive(p)]
        ok(not alive, "SIGTERM: every worker has exited", alive)
        # multiwatch exits 0 whatever became of its children, so look for
        # each worker's own word that it left through the graceful path.
        stopped = [p for p in pids if any(
            line.startswith("kurz-fcgi[%d]: " % p)
            for line in inst.log_lines("info") if line.endswith(": stopping"))]
        is_eq(sorted(stopped), sorted(pids),
              "SIGTERM: every worker stopped gracefully (logged 'stopping')",
              inst.read_log())
        reports = inst.scan_log()
        ok(not reports, "SIGTERM: no sanitizer reports in kurz.log",
           *reports[:2])
        ok(not inst.log_lines("error"), "SIGTERM: no error lines in kurz.log",
           *inst.log_lines("error")[:10])
        n = inst.scalar("SELECT count(*) FROM clicks c JOIN links l "
                        "ON l.id = c.link_id WHERE l.code = 'graceful'")
        is_eq(n, visits, "SIGTERM writes the buffered clicks")

        r = inst.request("GET", "/healthz", key=False)
        problem_ok(r, 502, "unavailable",
                   "no workers: nginx answers 502 problem+json")
        ok(r.header("retry-after") == "1", "502 carries Retry-After: 1", r)

        # -- kill -9 one worker -----------------------------------------------
        inst.start_workers()
        inst.wait_healthy()
        ok(True, "workers restart on the same socket and database")
        pids = wait_until(lambda: len(inst.worker_pids()) == 2 and
                          inst.worker_pids(), 5.0)
        ok(pids, "2 workers again", inst.worker_pids())
        victim = pids[0] if pids else None
        if victim:
            os.kill(victim, signal.SIGKILL)
            back = wait_until(lambda: len(inst.worker_pids()) == 2 and
                              victim not in inst.worker_pids(), 5.0)
            ok(back, "multiwatch replaces a worker killed with -9",
               inst.worker_pids())
        good = 0
        for _ in range(20):
            good += inst.healthy()
        is_eq(good, 20, "requests keep working after a worker died")
        r = inst.create("https://example.com/after-crash")
        ok(r.status == 201, "create works after a worker died", r)

        # -- an acknowledged create survives kill -9 of everything ------------
        r = inst.create("https://example.com/durable?k=v", code="durable")
        ok(r.status == 201, "create durable (acknowledged)", r)
        everyone = [inst.fcgi.pid] + inst.worker_pids()
        os.killpg(inst.fcgi.pid, signal.SIGKILL)
        inst.fcgi.wait(5)
        gone = wait_until(lambda: not any(kurz.pid_alive(p)
                                          for p in everyone), 5.0)
        ok(gone, "kill -9 of multiwatch and all workers")
        inst.start_workers()
        inst.wait_healthy()
        g = inst.request("GET", "/api/v1/links/durable")
        ok(g.status == 200 and (g.json() or {}).get("url")
           == "https://example.com/durable?k=v",
           "acknowledged create is there after kill -9 and restart", g)
        g = inst.request("GET", "/durable", key=False)
        ok(g.status == 302 and g.header("location")
           == "https://example.com/durable?k=v", "and it redirects", g)
        ok(inst.scalar("PRAGMA integrity_check") == "ok",
           "database integrity_check ok")


if __name__ == "__main__":
    kurz.run(main)
