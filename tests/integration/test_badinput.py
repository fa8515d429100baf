#!/usr/bin/env python3
"""Hostile and malformed input: every answer is a 4xx problem+json, the
worker keeps answering, and nothing is written."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, ok, problem_ok  # noqa: E402

LINKS = "/api/v1/links"


def main():
    # KURZ_BODY_MAX below nginx's 64 KiB so that the worker's own limit can
    # be hit, above the 2 KiB URL cap so that the long-URL case reaches the
    # URL validator.
    with Instance(workers=2, env={"KURZ_BODY_MAX": "8192"}) as inst:
        base_count = inst.links_count()

        def after(name):
            """The worker answers and the links table is unchanged."""
            n = inst.links_count()
            h = inst.healthy()
            ok(h and n == base_count,
               "%s: worker still answers, no row written" % name,
               "healthy: %s rows: %s (want %s)" % (h, n, base_count))

        def bad(name, r, status, code, field=None, detail=True):
            problem_ok(r, status, code, "%s -> %d %s" % (name, status, code),
                       field=field, detail=detail)
            after(name)

        # -- URLs ------------------------------------------------------
        bad_urls = [
            ("javascript: URL", "javascript:alert(1)"),
            ("data: URL", "data:text/html,x"),
            ("file: URL", "file:///etc/passwd"),
            ("ftp: URL", "ftp://x.org/"),
            ("scheme-relative URL", "//evil.com/x"),
            ("mailto: URL", "mailto:a@b.c"),
            ("space in host", "https://exa mple.com/"),
            ("space in path", "https://example.com/a b"),
            ("CR LF in URL", "https://example.com/\r\nSet-Cookie: x=1"),
            ("TAB in URL", "https://example.com/\tx"),
            ("NUL in URL", "https://example.com/\u0000x"),
            ("no host", "https://"),
            ("port out of range", "https://example.com:99999/"),
            ("port not a number", "https://example.com:abc/"),
            ("empty port", "https://example.com:/"),
            ("URL longer than 2048", "https://example.com/" + "a" * 2100),
            ("URL to the service itself", inst.base_url + "/x"),
        ]
        for name, url in bad_urls:
            bad(name, inst.create(url), 422, "invalid_url", field="url")

        # -- JSON --------------------------------------------------------
        bad_json = [
            ("body not JSON", b"{"),
            ("body is an array", b"[]"),
            ("body is a string", b'"str"'),
            ("body is a number", b"42"),
            ("body is null", b"null"),
            ("trailing garbage", b'{"url":"https://a.b/"} x'),
            ("invalid UTF-8 in a string", b'{"url":"https://a.b/\xff\xfe"}'),
            ("nesting deeper than 8",
             b'{"url":"https://a.b/","tags":[[[[[[[[[]]]]]]]]]}'),
            ("empty body", b""),
        ]
        for name, body in bad_json:
            bad(name, inst.request("POST", LINKS, body), 400, "invalid_json")

        # -- fields --------------------------------------------------------
        wrong_types = [
            ("url", {"url": 5}),
            ("code", {"url": "https://a.b/", "code": 5}),
            ("tags", {"url": "https://a.b/", "tags": "x"}),
            ("tags", {"url": "https://a.b/", "tags": [1]}),
            ("title", {"url": "https://a.b/", "title": []}),
            ("redirect_status", {"url": "https://a.b/",
                                 "redirect_status": "302"}),
        ]
        for field, doc in wrong_types:
            bad("wrong type %s" % kurz.json.dumps(doc),
                inst.request("POST", LINKS, doc), 422, "invalid_field",
                field=field)
        bad("missing url", inst.request("POST", LINKS, {"code": "abc"}),
            422, None, field="url")
        bad("unknown field bogus",
            inst.request("POST", LINKS, {"url": "https://a.b/", "bogus": 1}),
            422, "unknown_field")

        # -- codes ---------------------------------------------------------
        for code in ("a/b", "a b", "a.b", "\u00e4", "a" * 65, "",
                     "a\nb", "..", "a%2Fb"):
            bad("code %r" % code, inst.create("https://a.b/", code=code),
                422, "invalid_code", field="code")
        for code in ("api", "admin", "healthz", "static", "API", "Healthz"):
            bad("reserved code %r" % code,
                inst.create("https://a.b/", code=code), 422, "reserved_code")

        # -- sizes ---------------------------------------------------------
        big = b'{"url":"https://a.b/","title":"' + b"x" * 70000 + b'"}'
        r = inst.raw_response(
            b"POST /api/v1/links HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + inst.key.encode() + b"\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(big)
            + big)
        bad("body of 70,000 bytes (nginx)", r, 413, "body_too_large")

        mid = b'{"url":"https://a.b/","title":"' + b"x" * 59970 + b'"}'
        r = inst.request("POST", LINKS, mid)
        bad("body of %d bytes over KURZ_BODY_MAX=8192 (worker)" % len(mid),
            r, 413, "body_too_large")

        # -- media type ------------------------------------------------------
        r = inst.request("POST", LINKS, {"url": "https://a.b/"},
                         headers={"Content-Type": "text/plain"})
        bad("Content-Type text/plain", r, 415, "unsupported_media_type")

        # -- authentication and authorisation --------------------------------
        r = inst.request("POST", LINKS, {"url": "https://a.b/"}, key=False)
        bad("no key", r, 401, "unauthorized")
        ok((r.header("www-authenticate") or "").lower().startswith("bearer"),
           "no key: WWW-Authenticate: Bearer", r)

        wrong = "kz_" + "A" * 43
        for name, hdrs in (
                ("wrong Bearer key", {"Authorization": "Bearer " + wrong}),
                ("malformed Bearer key", {"Authorization": "Bearer nope"}),
                ("wrong X-API-Key", {"X-API-Key": wrong}),
                ("Basic auth", {"Authorization": "Basic dXNlcjpwYXNz"})):
            r = inst.request("POST", LINKS, {"url": "https://a.b/"},
                             headers=hdrs, key=False)
            bad(name, r, 401, "unauthorized")
            ok((r.header("www-authenticate") or "").lower()
               .startswith("bearer"), "%s: WWW-Authenticate: Bearer" % name,
               r)

        gone = inst.key_create("gone")
        inst.kurzctl("key", "revoke", "gone")
        r = inst.request("POST", LINKS, {"url": "https://a.b/"}, key=gone)
        bad("revoked key", r, 401, "unauthorized")

        reader = inst.try_key_create("reader", scope="read")
        if reader:
            r = inst.request("POST", LINKS, {"url": "https://a.b/"},
                             key=reader)
            bad("read-scope key POSTing", r, 403, "forbidden")

        # -- routes and methods ----------------------------------------------
        bad("unknown route", inst.request("GET", "/api/v1/nope"), 404,
            "not_found")
        for method, path in (("DELETE", "/healthz"), ("PUT", LINKS),
                             ("POST", "/healthz")):
            r = inst.request(method, path,
                             {"url": "https://a.b/"} if method != "DELETE"
                             else None)
            bad("%s %s" % (method, path), r, 405, "method_not_allowed")
            ok(r.header("allow"), "%s %s: Allow header present"
               % (method, path), r)

        # -- malformed requests (nginx or worker, both problem+json) ---------
        for path in (b"/%zz", b"/api/v1/links/%zz", b"/api/v1/links/%"):
            r = inst.raw_response(b"GET " + path + b" HTTP/1.1\r\n"
                                  b"Host: 127.0.0.1\r\n"
                                  b"Connection: close\r\n\r\n")
            bad("raw GET %s" % path.decode(), r, 400, None)

        # -- the positive controls: the limits are not too tight -------------
        r = inst.create("https://example.com/" + "a" * 2000,
                        code="b" * 64)
        ok(r.status == 201, "2020-char URL and 64-char code accepted", r)
        r = inst.request("POST", LINKS, {"url": "https://a.b/"},
                         headers={"Content-Type":
                                  "application/json; charset=utf-8"})
        ok(r.status == 201, "Content-Type with charset parameter accepted", r)


if __name__ == "__main__":
    kurz.run(main)
