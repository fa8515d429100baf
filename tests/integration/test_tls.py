#!/usr/bin/env python3
"""The production server blocks (nginx/kurz.conf) in front of a real
kurz instance, with a self-signed certificate for s.example.com: TLS 1.2
and 1.3 only, HSTS and the security headers (once each) on a redirect
and on API answers, plain HTTP sent to HTTPS, unknown names refused on
both ports, limit_req on /api/ answering 429 problem+json with
Retry-After, and bodies over 64 KiB answered 413 problem+json.

kurz.conf is rendered for the test: the ports become free loopback
ports (the IPv6 listeners are dropped), the certificate paths and the
socket become the test's, fastcgi_params is included from /etc/nginx;
everything else is used as shipped."""

import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, diag, is_eq, ok  # noqa: E402

NAME = "s.example.com"
OPENSSL = shutil.which("openssl")
CONF = os.path.join(kurz.SRCDIR, "nginx", "kurz.conf")
SECURITY = {
    "strict-transport-security": "max-age=63072000",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
FLOOD = 60          # requests to /api/ in the limit_req test


class TLSNginx:
    """nginx with kurz.conf on two free loopback ports; `with` starts
    and stops it."""

    def __init__(self, inst):
        self.inst = inst
        self.dir = os.path.join(inst.dir, "tls")
        self.http_port = kurz.free_port()
        self.https_port = kurz.free_port()
        self.proc = None

    def __enter__(self):
        os.makedirs(os.path.join(self.dir, "tmp"))
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        p = subprocess.run(
            [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=" + NAME, "-addext", "subjectAltName=DNS:" + NAME,
             "-keyout", self.key, "-out", self.cert],
            capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise kurz.StartError("openssl req failed:\n" + p.stderr)
        self._render()
        argv = [kurz.NGINX, "-p", self.dir + "/", "-e", self.path("error.log"),
                "-c", self.path("nginx.conf")]
        t = subprocess.run(argv + ["-t", "-q"], capture_output=True,
                           text=True, timeout=10)
        if t.returncode != 0:
            raise kurz.StartError("nginx -t failed:\n" + t.stderr)
        with open(self.path("stderr.log"), "ab") as log:
            self.proc = subprocess.Popen(argv + ["-g", "daemon off;"],
                                         cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         start_new_session=True)
        if not kurz.wait_until(lambda: self._listening(), 10):
            raise kurz.StartError("TLS nginx did not listen:\n" +
                                  self.read("error.log"))
        return self

    def __exit__(self, *exc):
        kurz._stop_process(self.proc, signal.SIGTERM, 10.0)
        return False

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _listening(self):
        for port in (self.http_port, self.https_port):
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
            except OSError:
                return False
        return True

    def _render(self):
        with open(CONF) as f:
            conf = f.read()
        conf = re.sub(r"(?m)^\s*listen\s+\[::\]:\d+[^;]*;\n", "", conf)
        conf = re.sub(r"\blisten\s+80\b", "listen 127.0.0.1:%d"
                      % self.http_port, conf)
        conf = re.sub(r"\blisten\s+443\b", "listen 127.0.0.1:%d"
                      % self.https_port, conf)
        conf = re.sub(r"(?m)^(\s*ssl_certificate)\s+\S+;",
                      r"\1 %s;" % self.cert, conf)
        conf = re.sub(r"(?m)^(\s*ssl_certificate_key)\s+\S+;",
                      r"\1 %s;" % self.key, conf)
        conf = conf.replace("include fastcgi_params;",
                            "include /etc/nginx/fastcgi_params;")
        conf = conf.replace("unix:/run/kurz/kurz.sock",
                            "unix:" + self.inst.sock)
        conf = conf.replace("/var/log/nginx/", self.dir + "/")
        code = re.sub(r"(?m)#.*$", "", conf)
        left = re.findall(r"(?m)^\s*listen\s+(?!127\.0\.0\.1:)\S+", code)
        if (left or "/run/kurz/" in code or "/etc/ssl/kurz" in code or
                "/var/log/" in code):
            raise kurz.StartError("kurz.conf changed shape; the test cannot "
                                  "render it: %r" % (left,))
        with open(self.path("kurz.conf"), "w") as f:
            f.write(conf)
        tmp = self.path("tmp")
        main = """user %(user)s;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log %(dir)s/access.log;
    client_body_temp_path %(tmp)s/body;
    proxy_temp_path %(tmp)s/proxy;
    fastcgi_temp_path %(tmp)s/fastcgi;
    uwsgi_temp_path %(tmp)s/uwsgi;
    scgi_temp_path %(tmp)s/scgi;
    include %(dir)s/kurz.conf;
}
""" % {"user": pwd.getpwuid(os.getuid()).pw_name, "dir": self.dir,
       "tmp": tmp}
        with open(self.path("nginx.conf"), "w") as f:
            f.write(main)

    # -- clients -----------------------------------------------------------

    def context(self, version=None):
        """A client context that trusts the test certificate; version
        pins both ends of the protocol range."""
        ctx = ssl.create_default_context(cafile=self.cert)
        if version is not None:
            ctx.minimum_version = version
            ctx.maximum_version = version
        return ctx

    def tls(self, sni=NAME, ctx=None, timeout=10):
        """A TLS connection to the HTTPS port with the given SNI (None:
        none); raises ssl.SSLError when the handshake fails."""
        ctx = ctx or self.context()
        if sni is None or sni != NAME:
            ctx.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", self.https_port),
                                       timeout)
        try:
            return ctx.wrap_socket(raw, server_hostname=sni)
        except BaseException:
            raw.close()
            raise

    def https(self, method, path, body=None, headers=None, key=True,
              conn=None):
        """One request over TLS (a new connection unless conn is given);
        returns a kurz.Response whose headers map each lower-cased name
        to the list of its values."""
        own = conn is None
        if own:
            conn = self.connection()
        hdrs = {"Host": NAME}
        if key is True:
            hdrs["Authorization"] = "Bearer " + self.inst.key
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            h = {}
            for k, v in resp.getheaders():
                h.setdefault(k.lower(), []).append(v)
            return kurz.Response(resp.status, h, data, "%s https://%s%s"
                                 % (method, NAME, path))
        finally:
            if own:
                conn.close()

    def connection(self):
        conn = http.client.HTTPConnection(NAME, self.https_port, timeout=10)
        conn.sock = self.tls()
        return conn

    def plain(self, data, timeout=5):
        """Raw bytes to the HTTP port; what came back before it closed."""
        return kurz.send_raw(self.http_port, data, timeout)


def one(r, name):
    """The single value of header name, or None when absent or doubled."""
    v = r.headers.get(name, [])
    return v[0] if len(v) == 1 else None


def headers_ok(r, what):
    """One test point: HSTS, nosniff, DENY, a Referrer-Policy and a
    Content-Security-Policy, each exactly once."""
    reasons = []
    for k, want in SECURITY.items():
        got = r.headers.get(k, [])
        if got != [want]:
            reasons.append("%s: %r, want [%r]" % (k, got, want))
    for k in ("referrer-policy", "content-security-policy"):
        if len(r.headers.get(k, [])) != 1:
            reasons.append("%s: %r, want exactly one" % (k, r.headers.get(k)))
    return ok(not reasons, "%s: HSTS and the security headers, once each"
              % what, "; ".join(reasons), describe(r))


def describe(r):
    hdrs = "\n".join("%s: %s" % (k, v) for k, vs in sorted(r.headers.items())
                     for v in vs)
    return "%s\nstatus %s\n%s\n\n%s" % (r.request, r.status, hdrs,
                                         r.body[:500].decode("utf-8",
                                                             "replace"))


def problem(r, status, code, what):
    """One test point: r is problem+json with status and code."""
    try:
        j = json.loads(r.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        j = None
    ctype = (one(r, "content-type") or "").split(";")[0].strip()
    good = (r.status == status and ctype == "application/problem+json" and
            isinstance(j, dict) and j.get("status") == status and
            j.get("code") == code)
    return ok(good, "%s -> %d problem+json %s" % (what, status, code),
              describe(r))


def handshake(ng, version, sni=NAME):
    """(True, protocol) when a handshake with the pinned version works,
    else (False, the error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = ng.context(version)
    if version is not None and version < ssl.TLSVersion.TLSv1_2:
        # OpenSSL 3 offers TLS 1.0 and 1.1 only at security level 0.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        s = ng.tls(sni, ctx)
    except (ssl.SSLError, OSError) as e:
        return False, e
    try:
        return True, s.version()
    finally:
        s.close()


def client_refused(err):
    """True when the client, not the server, refused the old version."""
    text = str(err).upper()
    return "NO_PROTOCOLS_AVAILABLE" in text or "NO PROTOCOLS" in text


def old_version_refused(ng, version, flag):
    """Whether the server refuses version: through Python's ssl when
    the local OpenSSL offers it, else through openssl s_client; None
    when neither can offer it."""
    good, err = handshake(ng, version)
    if good:
        return False, "handshake succeeded with %s" % err
    if not client_refused(err):
        return True, "ssl: %s" % err
    p = subprocess.run([OPENSSL, "s_client", flag, "-cipher",
                        "DEFAULT@SECLEVEL=0", "-connect",
                        "127.0.0.1:%d" % ng.https_port, "-servername", NAME],
                       input="", capture_output=True, text=True, timeout=20)
    out = p.stdout + p.stderr
    if re.search(r"no protocols available|unsupported protocol.*client",
                 out, re.I) and "alert" not in out.lower():
        return None, out[-400:]
    return p.returncode != 0 and "BEGIN CERTIFICATE" not in out, out[-400:]


def test_protocols(ng):
    for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
                          (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
        good, got = handshake(ng, version)
        ok(good and got == name, "%s handshake with SNI %s succeeds "
           "(certificate and name verified)" % (name, NAME), str(got))
    for version, name, flag in ((ssl.TLSVersion.TLSv1_1, "TLSv1.1",
                                 "-tls1_1"),
                                (ssl.TLSVersion.TLSv1, "TLSv1", "-tls1")):
        refused, why = old_version_refused(ng, version, flag)
        if refused is None:
            ok(True, "%s refused # SKIP this OpenSSL cannot offer %s"
               % (name, name))
        else:
            ok(refused, "%s handshake is refused by the server" % name, why)

    ctx = ng.context()
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    s = ng.tls(NAME, ctx)
    is_eq(s.selected_alpn_protocol(), "h2", "HTTP/2 is offered (ALPN h2)")
    s.close()

    for sni, what in (("other.example.org", "an unknown name"),
                      (None, "no name at all")):
        good, err = handshake(ng, None, sni)
        ok(not good and isinstance(err, ssl.SSLError),
           "SNI %s: the handshake is rejected (ssl_reject_handshake)" % what,
           str(err))


def test_plain_http(ng):
    out = ng.plain(b"GET /docs/x?y=1 HTTP/1.1\r\nHost: " + NAME.encode() +
                   b"\r\nConnection: close\r\n\r\n")
    r = kurz.parse_raw(out)
    is_eq(r.status, 301, "plain HTTP to %s -> 301" % NAME, out[:400])
    is_eq(r.header("location"), "https://%s/docs/x?y=1" % NAME,
          "  to the same path and query over https")
    out = ng.plain(b"GET / HTTP/1.1\r\nHost: other.example.org\r\n"
                   b"Connection: close\r\n\r\n")
    is_eq(out, b"", "plain HTTP with an unknown Host: connection closed, "
          "nothing sent (444)")
    out = ng.plain(b"GET / HTTP/1.0\r\n\r\n")
    is_eq(out, b"", "plain HTTP/1.0 without Host: nothing sent (444)")


def test_headers(ng):
    r = ng.https("POST", "/api/v1/links",
                 {"url": "https://example.com/tls", "code": "tls"})
    is_eq(r.status, 201, "create a link over TLS", describe(r))
    headers_ok(r, "201 from the API")
    r = ng.https("GET", "/api/v1/links?limit=5")
    is_eq(r.status, 200, "list links over TLS", describe(r))
    headers_ok(r, "200 from the API")
    r = ng.https("GET", "/api/v1/links/nosuch")
    is_eq(r.status, 404, "an unknown link -> 404", describe(r))
    headers_ok(r, "404 problem from the API")
    r = ng.https("GET", "/tls", key=False)
    ok(r.status == 302 and one(r, "location") == "https://example.com/tls",
       "GET /tls -> 302 to the target", describe(r))
    headers_ok(r, "302 redirect")
    r = ng.https("GET", "/healthz", key=False)
    is_eq(r.status, 200, "healthz over TLS", describe(r))


def test_body_limit(ng):
    body = json.dumps({"url": "https://example.com/big",
                       "title": "x" * (65 * 1024)})
    r = ng.https("POST", "/api/v1/links", body,
                 headers={"Content-Type": "application/json"})
    problem(r, 413, "body_too_large", "a body of %d bytes" % len(body))
    body = json.dumps({"url": "https://example.com/small", "title": "x" * 100})
    r = ng.https("POST", "/api/v1/links", body,
                 headers={"Content-Type": "application/json"})
    is_eq(r.status, 201, "a small body still passes", describe(r))


def test_rate_limit(ng):
    # 10 r/s with a burst of 20, no delay: 60 requests at once must see
    # 429s, and not before the burst is spent. The requests before this
    # one used up some of it: let the bucket drain (20 at 10 r/s) first.
    time.sleep(2.5)
    statuses, first429 = [], None
    conn = ng.connection()
    t0 = time.monotonic()
    try:
        for i in range(FLOOD):
            try:
                r = ng.https("GET", "/api/v1/links?limit=1", conn=conn)
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = ng.connection()
                r = ng.https("GET", "/api/v1/links?limit=1", conn=conn)
            statuses.append(r.status)
            if r.status == 429 and first429 is None:
                first429 = (i, r)
    finally:
        conn.close()
    took = time.monotonic() - t0
    n429 = statuses.count(429)
    diag("%d requests in %.2f s: %d x 200, %d x 429" % (
        FLOOD, took, statuses.count(200), n429))
    ok(n429 > 0 and set(statuses) <= {200, 429},
       "a flood of %d requests to /api/ is limited (429)" % FLOOD,
       "statuses: %r" % statuses)
    ok(first429 is None or first429[0] >= 20,
       "  not before the burst of 20 is spent (first 429 at %s)"
       % (first429[0] if first429 else None))
    if first429 is None:
        return
    r = first429[1]
    problem(r, 429, "rate_limited", "the limited request")
    is_eq(r.headers.get("retry-after"), ["1"], "  with Retry-After: 1",
          describe(r))
    headers_ok(r, "429 from nginx")
    time.sleep(2.5)
    r = ng.https("GET", "/api/v1/links?limit=1")
    is_eq(r.status, 200, "after 2.5 s the API answers again", describe(r))


def main():
    with Instance(workers=2, name="tls") as inst:
        with TLSNginx(inst) as ng:
            test_protocols(ng)
            test_plain_http(ng)
            test_headers(ng)
            test_body_limit(ng)
            test_rate_limit(ng)
            errs = [l for l in ng.read("error.log").splitlines()
                    if re.search(r"\[(emerg|alert|crit)\]", l)]
            ok(not errs, "no emerg/alert/crit in nginx's error log", *errs[:5])
        ok(not inst.log_lines("error"), "no error lines in kurz.log",
           *inst.log_lines("error")[:5])


if __name__ == "__main__":
    if OPENSSL is None:
        print("1..0 # SKIP openssl(1) not found (Debian package openssl)")
        sys.exit(0)
    if not os.path.exists("/etc/nginx/fastcgi_params"):
        print("1..0 # SKIP /etc/nginx/fastcgi_params not found")
        sys.exit(0)
    kurz.run(main)
