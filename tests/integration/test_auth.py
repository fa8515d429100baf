#!/usr/bin/env python3
"""API keys: both headers, stored only as a hash, listing, revocation,
scopes."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok  # noqa: E402

LINKS = "/api/v1/links"


def main():
    with Instance(workers=2) as inst:
        key = inst.key
        ok(key.startswith("kz_") and len(key) >= 32,
           "kurzctl key create prints one key of the documented shape",
           "key length %d" % len(key))

        r = inst.request("POST", LINKS, {"url": "https://example.com/b"},
                         key=False, headers={"Authorization": "Bearer " + key})
        ok(r.status == 201, "Authorization: Bearer works", r)
        r = inst.request("POST", LINKS, {"url": "https://example.com/x"},
                         key=False, headers={"X-API-Key": key})
        ok(r.status == 201, "X-API-Key works", r)
        r = inst.request("POST", LINKS, {"url": "https://example.com/l"},
                         key=False, headers={"Authorization": "bearer " + key})
        ok(r.status == 201, "auth scheme is case-insensitive (bearer)", r)
        r = inst.request("GET", "/docs-none", key=False)
        is_eq(r.status, 404, "redirects need no key", r)

        # -- stored only as a hash ---------------------------------------
        rows = inst.query("SELECT * FROM api_keys")
        ok(rows, "api_keys has rows", rows)
        leaks = [(k, v) for row in rows for k, v in row.items()
                 if (isinstance(v, str) and key in v)
                 or (isinstance(v, bytes) and key.encode() in v)]
        ok(not leaks, "the key is not stored in api_keys in plain text",
           leaks)
        blob = b""
        for suffix in ("", "-wal"):
            try:
                with open(inst.db_path + suffix, "rb") as f:
                    blob += f.read()
            except OSError:
                pass
        ok(key.encode() not in blob,
           "the key appears nowhere in the database files")
        ok(key not in inst.read_log(), "the key is not in kurz.log")

        # -- listing -------------------------------------------------------
        p = inst.kurzctl("key", "list")
        ok("test" in p.stdout, "kurzctl key list shows the name",
           p.stdout)
        ok(key not in p.stdout and key not in p.stderr,
           "kurzctl key list does not show the key", p.stdout)

        # -- scopes --------------------------------------------------------
        reader = inst.try_key_create("reader", scope="read")
        writer = inst.try_key_create("writer", scope="write")
        r = inst.request("POST", LINKS, {"url": "https://example.com/w",
                                         "code": "scoped"})
        ok(r.status == 201, "create scoped", r)
        if writer:
            r = inst.request("POST", LINKS, {"url": "https://example.com/w"},
                             key=writer)
            ok(r.status == 201, "write-scope key can create", r)
        if reader:
            r = inst.request("GET", LINKS + "/scoped", key=reader)
            ok(r.status == 200, "read-scope key can read", r)
            r = inst.request("POST", LINKS, {"url": "https://example.com/r"},
                             key=reader)
            problem_ok(r, 403, "forbidden",
                       "read-scope key cannot create: 403")

        # -- revocation ----------------------------------------------------
        temp = inst.key_create("temp")
        r = inst.request("GET", LINKS + "/scoped", key=temp)
        ok(r.status == 200, "a new key works at once", r)
        # Reach both workers before the revocation, so that a worker
        # caching keys would be caught.
        for _ in range(6):
            inst.request("GET", LINKS + "/scoped", key=temp)
        p = inst.kurzctl("key", "revoke", "temp", check=False)
        is_eq(p.returncode, 0, "kurzctl key revoke exits 0", p.stderr)
        for i in range(6):
            r = inst.request("GET", LINKS + "/scoped", key=temp)
            if r.status != 401:
                break
        problem_ok(r, 401, "unauthorized",
                   "revocation takes effect on the next request")
        r = inst.request("GET", LINKS + "/scoped", key=False,
                         headers={"X-API-Key": temp})
        is_eq(r.status, 401, "revoked key refused via X-API-Key too", r)
        r = inst.request("GET", LINKS + "/scoped")
        is_eq(r.status, 200, "other keys keep working", r)
        p = inst.kurzctl("key", "revoke", "no-such-key", check=False)
        ok(p.returncode != 0, "revoking an unknown key fails",
           p.stdout + p.stderr)


if __name__ == "__main__":
    kurz.run(main)
