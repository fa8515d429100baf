#!/usr/bin/env python3
"""Many clients at once against two workers; several workers starting at
once on a database that no one has migrated."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok  # noqa: E402

THREADS = 16
PER_THREAD = 25


def main():
    with Instance(workers=2) as inst:
        def creator(i):
            out = []
            for j in range(PER_THREAD):
                url = "https://example.com/t%d/n%d" % (i, j)
                out.append((url, inst.create(url)))
            return out

        t0 = time.monotonic()
        results, errors = kurz.threads(THREADS, creator)
        took = time.monotonic() - t0
        ok(not errors, "%d threads ran without transport errors"
           % THREADS, *errors[:5])
        pairs = [p for res in results if res for p in res]
        total = THREADS * PER_THREAD
        statuses = {}
        for _, r in pairs:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        bad = [r for _, r in pairs if r.status != 201]
        ok(len(pairs) == total and not bad,
           "%d concurrent creates all 201 (%.1f s)" % (total, took),
           "statuses: %r" % statuses, *bad[:3])
        ok(not any(r.status >= 500 for _, r in pairs), "no 5xx under load",
           "statuses: %r" % statuses)
        codes = [(r.json() or {}).get("code") for _, r in pairs
                 if r.status == 201]
        is_eq(len(set(codes)), len(codes), "all generated codes distinct")
        is_eq(inst.links_count(), total, "%d rows in links" % total)

        def redirector(i):
            wrong = []
            for url, r in pairs[i::THREADS]:
                code = (r.json() or {}).get("code")
                if code is None:
                    continue
                g = inst.request("GET", "/" + code, key=False)
                if g.status != 302 or g.header("location") != url:
                    wrong.append(g)
            return wrong
        results, errors = kurz.threads(THREADS, redirector)
        wrong = [w for res in results if res for w in res]
        ok(not errors and not wrong,
           "all %d links redirect to their URL (concurrently)" % len(codes),
           *(errors[:3] + wrong[:3]))
        ok(not inst.log_lines("error"), "no error lines in kurz.log",
           *inst.log_lines("error")[:10])

    # Four workers, started at the same moment, on a database file that
    # does not exist yet: the migrations must not race.
    with Instance(workers=4, migrate=False, name="fresh-db") as inst:
        ok(inst.healthy(), "4 workers on a fresh database: /healthz 200")
        time.sleep(0.3)
        pids = inst.worker_pids()
        is_eq(len(pids), 4, "all 4 workers are running",
              inst.logs())
        for _ in range(20):
            if not inst.healthy():
                break
        ok(inst.healthy(), "repeated /healthz answers")
        ver = inst.scalar("PRAGMA user_version")
        ok(isinstance(ver, int) and ver >= 1,
           "schema migrated (user_version %r)" % ver)
        tables = {r["name"] for r in inst.query(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        ok({"links", "clicks", "api_keys"} <= tables,
           "tables created", sorted(tables))
        errs = inst.log_lines("error")
        ok(not errs, "no error lines in kurz.log", *errs[:10])
        # Now a key can be made and used against the migrated file.
        inst.key = inst.key_create("late")
        r = inst.create("https://example.com/fresh")
        ok(r.status == 201, "create works on the worker-migrated database",
           r)


if __name__ == "__main__":
    kurz.run(main)
