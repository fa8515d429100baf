#!/usr/bin/env python3
"""Workers die with SIGKILL under load: 16 clients create links and
follow them through 4 workers while a random worker is killed every
~0.5 s. No acknowledged link may be lost, the database stays sound,
multiwatch brings every worker back, and the only server errors a client
sees are nginx's 502s for the one request a killed worker had in hand."""

import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import diag, is_eq, ok, wait_until  # noqa: E402
from faults import Counter, FaultInstance  # noqa: E402

WORKERS = 4
CLIENTS = 16
MAX_SECONDS = 8.0       # hard bound of the traffic
MAX_REQUESTS = 40000    # hard bound of the traffic, all clients together
KILL_EVERY = 0.5        # seconds between two SIGKILLs
CREATE_GAP = 1.0 / 20   # per client: at most 20 creates a second, so that
                        # 16 clients stay under nginx's 500 r/s on /api/


def main():
    # multiwatch gives up on a slot whose child dies more than -r times
    # within -t ms (3 in 10 s by default); ~16 kills over 4 slots in 8 s
    # would exceed that, so this instance allows many more restarts.
    with FaultInstance(workers=WORKERS, retries=1000, retry_ms=10000,
                       name="kill9") as inst:
        first = wait_until(lambda: len(inst.worker_pids()) == WORKERS and
                           inst.worker_pids(), 5.0)
        if not ok(first, "multiwatch runs %d workers" % WORKERS,
                  inst.worker_pids()):
            return

        stat = Counter()            # "create 201", "follow 302", ...
        acked = {}                  # code -> url, every 201
        lock = threading.Lock()
        stop = threading.Event()
        sent = [0]
        kills = []
        seen = set(first)
        t_start = time.monotonic()

        def budget():
            with lock:
                if sent[0] >= MAX_REQUESTS:
                    return False
                sent[0] += 1
            return not stop.is_set() and \
                time.monotonic() - t_start < MAX_SECONDS

        def call(kind, method, path, body=None):
            try:
                return inst.request(method, path, body, key=(kind == "create"),
                                    timeout=15)
            except Exception as e:  # noqa: B902 (tallied as a failure)
                stat.add("%s exception" % kind, repr(e))
                return None

        def client(n):
            i = 0
            next_create = 0.0
            while budget():
                now = time.monotonic()
                if now < next_create:
                    time.sleep(next_create - now)
                next_create = time.monotonic() + CREATE_GAP
                code = "k9-%d-%d" % (n, i)
                url = "https://example.com/kill9/%d/%d?q=%d" % (n, i, i * 7)
                i += 1
                r = call("create", "POST", "/api/v1/links",
                         {"url": url, "code": code})
                if r is None:
                    continue
                stat.add("create %d" % r.status, r.describe()[:400])
                if r.status != 201:
                    continue
                with lock:
                    acked[code] = url
                for _ in range(2):
                    if not budget():
                        return
                    g = call("follow", "GET", "/" + code)
                    if g is None:
                        continue
                    good = g.status == 302 and g.header("location") == url
                    stat.add("follow %d%s" % (g.status, "" if good or
                                              g.status != 302 else " wrong"),
                             g.describe()[:400])

        def killer():
            rnd = random.Random(os.getpid())
            while not stop.wait(KILL_EVERY):
                if time.monotonic() - t_start >= MAX_SECONDS:
                    return
                pids = inst.worker_pids()
                seen.update(pids)
                if not pids:
                    continue
                victim = rnd.choice(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills.append(victim)
                except ProcessLookupError:
                    pass

        threads = [threading.Thread(target=client, args=(n,), daemon=True)
                   for n in range(CLIENTS)]
        kt = threading.Thread(target=killer, daemon=True)
        for t in threads:
            t.start()
        kt.start()
        for t in threads:
            t.join(MAX_SECONDS + 30)
        stop.set()
        kt.join(5)
        took = time.monotonic() - t_start
        ok(not any(t.is_alive() for t in threads + [kt]),
           "clients and killer finished")
        counts = stat.snapshot()
        n201 = counts.get("create 201", 0)
        n502 = sum(v for k, v in counts.items() if k.endswith(" 502"))
        diag("%.1f s, %d requests, %d kills, %d workers seen; tallies: %s"
             % (took, sent[0], len(kills), len(seen), sorted(counts.items())))

        ok(len(kills) >= 10, "at least 10 workers killed with SIGKILL "
           "during the traffic (%d)" % len(kills))
        ok(n201 >= 200, "links were created meanwhile (%d acknowledged)"
           % n201)
        ok(counts.get("follow 302", 0) >= n201,
           "links were followed meanwhile (%d good 302s)"
           % counts.get("follow 302", 0))

        # -- what the clients saw -------------------------------------------
        other5xx = {k: v for k, v in counts.items()
                    if k.split()[-1].isdigit() and
                    int(k.split()[-1]) >= 500 and not k.endswith(" 502")}
        ok(not other5xx, "no 5xx other than nginx's 502 (%r)" % other5xx,
           *[e for k in other5xx for e in stat.examples.get(k, [])[:2]])
        ok(n502 <= len(kills), "502s (%d) <= kills (%d): a kill breaks at "
           "most the request in hand" % (n502, len(kills)),
           *[e for k in counts if k.endswith(" 502")
             for e in stat.examples.get(k, [])[:2]])
        unexpected = {k: v for k, v in counts.items()
                      if k not in ("create 201", "follow 302") and
                      not k.endswith(" 502") and k not in other5xx}
        ok(not unexpected, "every other answer was a 201 or a right 302 "
           "(%r)" % unexpected,
           *[e for k in unexpected for e in stat.examples.get(k, [])[:2]])

        # -- multiwatch brought them back -----------------------------------
        ok(inst.fcgi.poll() is None, "multiwatch still runs")
        back = wait_until(lambda: len(inst.worker_pids()) == WORKERS and
                          all(kurz.pid_alive(p) for p in inst.worker_pids())
                          and inst.worker_pids(), 10.0)
        ok(back, "multiwatch runs %d workers again" % WORKERS,
           inst.worker_pids(), inst.logs())
        seen.update(back or [])
        ready_pids = set()
        ok(back and wait_until(lambda: _ready(inst, ready_pids, back), 5.0),
           "each of the %d current workers logged 'ready'" % WORKERS,
           "current %r, ready %r" % (back, sorted(ready_pids)))
        health = Counter()

        def probe():
            for _ in range(10):
                try:
                    health.add(inst.request("GET", "/healthz", key=False,
                                            timeout=10).status)
                except Exception as e:  # noqa: B902
                    health.add(repr(e))
        ps = [threading.Thread(target=probe) for _ in range(8)]
        for t in ps:
            t.start()
        for t in ps:
            t.join(30)
        is_eq(health.snapshot(), {200: 80},
              "80 concurrent /healthz after the kills all answer 200")

        # -- nothing acknowledged was lost ----------------------------------
        rows = {r["code"]: r["url"] for r in inst.query(
            "SELECT code, url FROM links WHERE code LIKE 'k9-%'")}
        lost_db = sorted(c for c in acked if rows.get(c) != acked[c])
        lost_api = []
        codes = sorted(acked)
        check_lock = threading.Lock()

        def check(part):
            for code in part:
                try:
                    # nginx allows 500 r/s on /api/: wait out its 429s
                    for _ in range(50):
                        g = inst.request("GET", "/api/v1/links/" + code,
                                         timeout=10)
                        if g.status != 429:
                            break
                        time.sleep(0.1)
                    good = g.status == 200 and \
                        (g.json() or {}).get("url") == acked[code]
                    desc = g.describe()[:300]
                except Exception as e:  # noqa: B902
                    good, desc = False, repr(e)
                if not good:
                    with check_lock:
                        lost_api.append((code, desc))
        cs = [threading.Thread(target=check, args=(codes[k::8],))
              for k in range(8)]
        for t in cs:
            t.start()
        for t in cs:
            t.join(60)
        is_eq(len(lost_db), 0, "every acknowledged link is in the database "
              "with its URL (%d acknowledged, %d lost)"
              % (len(acked), len(lost_db)), lost_db[:10])
        is_eq(len(lost_api), 0, "every acknowledged link answers GET "
              "/api/v1/links/{code} with its URL", *lost_api[:5])
        extra = len(rows) - len(acked)
        diag("links in the database: %d (%d acknowledged, %d more whose "
             "201 never arrived: created by a worker killed before it "
             "answered)" % (len(rows), len(acked), extra))
        ok(extra >= 0 and extra <= n502, "links created without a 201 "
           "(%d) <= create 502s" % extra)
        is_eq(inst.scalar("PRAGMA integrity_check"), "ok",
              "PRAGMA integrity_check is ok")
        is_eq(inst.scalar("PRAGMA foreign_key_check"), None,
              "PRAGMA foreign_key_check finds nothing")
        errors = [l for l in inst.log_lines("error")]
        ok(not errors, "no error lines in kurz.log", *errors[:10])
        diag("SUMMARY kill9: kills=%d acknowledged=%d lost=%d 502s=%d "
             "(create %d, follow %d) requests=%d"
             % (len(kills), n201, len(set(lost_db) |
                                     {c for c, _ in lost_api}), n502,
                counts.get("create 502", 0), counts.get("follow 502", 0),
                sent[0]))


def _ready(inst, ready_pids, back):
    """True when every pid of back has logged 'ready on schema N'."""
    for line in inst.log_lines("info"):
        if " ready on schema " in line:
            ready_pids.add(int(line.split("[", 1)[1].split("]", 1)[0]))
    return set(back) <= ready_pids


if __name__ == "__main__":
    kurz.run(main, timeout=60)
