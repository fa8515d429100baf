"""Integration test harness for kurz: a TAP emitter and a throw-away
instance (SQLite file, kurz-fcgi workers under spawn-fcgi + multiwatch,
nginx from nginx/kurz-dev.conf.in) on 127.0.0.1.

Environment:
  KURZ_BUILDDIR    where kurz-fcgi and kurzctl were built (default: the
                   current directory if it holds them, else
                   $KURZ_SRCDIR/build/dev)
  KURZ_SRCDIR      the source tree (default: two levels above this file)
  KURZ_DEBUG_KEEP  keep each instance's directory and print its path
  KURZ_TEST_TIMEOUT  overall bound of one test file in seconds (120)

Python 3 standard library only.
"""

import http.client
import json
import os
import pwd
import re
import shutil
import signal
import random
import socket
import sqlite3
import threading
import subprocess
import sys
import tempfile
import time
import traceback

# --------------------------------------------------------------------------
# TAP

_count = 0
_failed = 0


def diag(msg):
    """Print msg as TAP diagnostics (every line prefixed with '# ')."""
    for line in str(msg).splitlines() or [""]:
        print("# " + line)
    sys.stdout.flush()


def ok(cond, name, *diags):
    """Emit one test point. On failure print every item of diags (strings,
    or Response objects) as diagnostics. Returns bool(cond)."""
    global _count, _failed
    _count += 1
    name = re.sub(r"[#\r\n]", " ", str(name))
    if cond:
        print("ok %d - %s" % (_count, name))
    else:
        _failed += 1
        print("not ok %d - %s" % (_count, name))
        for d in diags:
            diag(d.describe() if isinstance(d, Response) else d)
    sys.stdout.flush()
    return bool(cond)


def is_eq(got, want, name, *diags):
    """ok(got == want) with both values in the diagnostics."""
    return ok(got == want, name, "got:  %r" % (got,), "want: %r" % (want,),
              *diags)


class Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise Timeout("test file exceeded its time bound")


def run(main, timeout=None):
    """Run main() under a global time bound, print the plan and exit:
    0 when every test point passed, 1 otherwise. An exception or the
    timeout is reported as a failed test point."""
    if timeout is None:
        timeout = int(os.environ.get("KURZ_TEST_TIMEOUT", "120"))
    missing = prerequisites_missing()
    if missing:
        print("1..0 # SKIP %s" % missing)
        sys.exit(0)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(timeout)
    try:
        main()
    except BaseException as e:  # noqa: B902 (report everything, then exit)
        first = (str(e).splitlines() or [""])[0][:160]
        ok(False, "test file ran to completion (%s: %s)"
           % (type(e).__name__, first), traceback.format_exc())
    finally:
        signal.alarm(0)
    print("1..%d" % _count)
    sys.stdout.flush()
    sys.exit(1 if _failed or _count == 0 else 0)


# --------------------------------------------------------------------------
# Locations

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("KURZ_SRCDIR")
                         or os.path.join(HERE, "..", ".."))


def _builddir():
    d = os.environ.get("KURZ_BUILDDIR")
    if d:
        return os.path.abspath(d)
    for cand in (os.getcwd(), os.path.join(SRCDIR, "build", "dev")):
        if _find_bin(cand, "kurz-fcgi"):
            return os.path.abspath(cand)
    return os.path.join(SRCDIR, "build", "dev")


def _find_bin(builddir, name):
    for cand in (os.path.join(builddir, name),
                 os.path.join(builddir, "src", name)):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


BUILDDIR = _builddir()
KURZ_FCGI = _find_bin(BUILDDIR, "kurz-fcgi")
KURZCTL = _find_bin(BUILDDIR, "kurzctl")
NGINX_TEMPLATE = os.path.join(SRCDIR, "nginx", "kurz-dev.conf.in")
SPAWN_FCGI = shutil.which("spawn-fcgi") or "/usr/bin/spawn-fcgi"
MULTIWATCH = shutil.which("multiwatch") or "/usr/bin/multiwatch"
NGINX = (shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
         or "/usr/sbin/nginx")

# The alphabet of generated codes: no 0/1/o/i/l look-alikes.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

SANITIZER_PATTERNS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "runtime error:", "has encountered a fatal error")


def prerequisites_missing():
    """A reason to skip the whole file, or None."""
    if not KURZ_FCGI:
        return "kurz-fcgi not built in %s (set KURZ_BUILDDIR)" % BUILDDIR
    if not KURZCTL:
        return "kurzctl not built in %s (set KURZ_BUILDDIR)" % BUILDDIR
    for p in (SPAWN_FCGI, MULTIWATCH, NGINX, NGINX_TEMPLATE):
        if not os.path.exists(p):
            return "%s not found" % p
    return None


# --------------------------------------------------------------------------
# HTTP

class Response:
    """status (int), headers (dict, lower-cased names; repeated headers
    joined with ', ' except set-cookie joined with '\\n'), body (bytes)."""

    def __init__(self, status, headers, body, request=""):
        self.status = status
        self.headers = headers
        self.body = body
        self.request = request

    def __iter__(self):  # allows: status, headers, body = inst.request(...)
        return iter((self.status, self.headers, self.body))

    def json(self):
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def content_type(self):
        """The media type without parameters, lower-cased."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def describe(self):
        body = self.body[:2000]
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body = repr(body)
        hdrs = "\n".join("%s: %s" % kv for kv in sorted(self.headers.items()))
        return "request: %s\nstatus: %s\n%s\n\n%s" % (
            self.request, self.status, hdrs, body)


def problem_ok(r, status, code=None, name=None, field=None, detail=True):
    """Check that r is an RFC 9457 problem with the given HTTP status,
    machine code, and (when field is given) an errors member naming the
    field. Emits one test point; returns its verdict."""
    name = name or "%s -> %d %s" % (r.request, status, code or "")
    j = r.json()
    reasons = []
    if r.status != status:
        reasons.append("status %s, want %d" % (r.status, status))
    if r.content_type() != "application/problem+json":
        reasons.append("content-type %r" % r.header("content-type"))
    if not isinstance(j, dict):
        reasons.append("body is not a JSON object")
    else:
        if j.get("status") != r.status:
            reasons.append("body status %r != HTTP status" % j.get("status"))
        if code is not None and j.get("code") != code:
            reasons.append("code %r, want %r" % (j.get("code"), code))
        if code is None and not isinstance(j.get("code"), str):
            reasons.append("no code")
        if detail and not (isinstance(j.get("detail"), str) and j["detail"]):
            reasons.append("no detail")
        if field is not None:
            errs = j.get("errors")
            if not isinstance(errs, dict) or field not in errs:
                reasons.append("errors does not name %r" % field)
    return ok(not reasons, name, "; ".join(reasons), r)


# --------------------------------------------------------------------------
# Processes


def send_raw(port, data, timeout=10):
    """Send raw bytes to 127.0.0.1:port on a new connection and read
    until the server closes it (or timeout); the bytes received."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    chunks = []
    try:
        s.sendall(data)
        while True:
            try:
                c = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not c:
                break
            chunks.append(c)
    finally:
        s.close()
    return b"".join(chunks)


def threads(n, fn, timeout=60):
    """Run fn(i) in n threads started together; (results, errors)."""
    res, errs = [None] * n, []
    bar = threading.Barrier(n)

    def wrap(i):
        try:
            bar.wait(10)
            res[i] = fn(i)
        except Exception as e:  # reported by the caller
            errs.append("thread %d: %r" % (i, e))

    ts = [threading.Thread(target=wrap, args=(i,), daemon=True)
          for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout)
    return res, errs

def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A free loopback port below the kernel's ephemeral range: a port
    that bind(0) hands out can be taken by any outgoing connection before
    nginx binds it; one below the range cannot."""
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(10000, max(low, 10001))
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port below %d" % low)


def proc_children(pid):
    """Pids whose parent is pid (from /proc)."""
    kids = []
    for ent in os.listdir("/proc"):
        if not ent.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % ent) as f:
                stat = f.read()
        except OSError:
            continue
        # comm may hold spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[0] != "Z" and int(fields[1]) == pid:
            kids.append(int(ent))
    return sorted(kids)


def pid_alive(pid):
    """True when pid exists and one of its threads is not a zombie. A
    process whose main thread has exited shows as a zombie while another
    thread (a worker's click flush, in an fsync) still runs and holds the
    process's files, its listening socket among them."""
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return False
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rfind(")") + 2:].split()[0] != "Z":
            return True
    return False


def wait_until(pred, timeout, interval=0.05):
    """Poll pred() until it is true or timeout seconds have passed; return
    its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def _stop_process(p, sig=signal.SIGTERM, timeout=10.0):
    """Send sig to p, wait up to timeout, then SIGKILL its process group.
    Returns the exit status (negative for a signal) or None."""
    if p is None:
        return None
    if p.poll() is None:
        try:
            p.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(p.pid, signal.SIGKILL)  # leftovers of its session
    except (ProcessLookupError, PermissionError):
        pass
    try:
        return p.wait(5)
    except subprocess.TimeoutExpired:
        return None


def parse_raw(out, data=b""):
    """Parse the first HTTP response in the bytes out into a Response."""
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0] if lines else "")
    h = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
    if h.get("content-length", "").isdigit():
        body = body[:int(h["content-length"])]
    r = Response(int(m.group(1)) if m else 0, h, body, "raw %r" % data[:200])
    r.raw = out
    return r


class StartError(Exception):
    pass


class Instance:
    """A running kurz: `with Instance(workers=2, env={...}) as inst:`.

    Attributes: dir, port, base_url, db_path, sock, key (admin key or None
    when migrate=False), env (the workers' environment), log_path.
    """

    def __init__(self, workers=2, env=None, migrate=True, create_key=True,
                 start=True, name="kurz"):
        self.workers = workers
        self.extra_env = dict(env or {})
        self.migrate = migrate
        self.create_key = create_key and migrate
        self.autostart = start
        self.name = name
        self.key = None
        self.fcgi = None
        self.nginx = None
        self.dir = None
        self.sanitizer_reports = []

    # -- set-up -----------------------------------------------------------

    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self._teardown()
            raise
        return self

    def __exit__(self, *exc):
        self._teardown()
        return False

    def _setup(self):
        self.dir = tempfile.mkdtemp(prefix="kurz-it-")
        os.chmod(self.dir, 0o755)
        for sub in ("log", "nginx-tmp"):
            os.mkdir(os.path.join(self.dir, sub))
        self.sock = os.path.join(self.dir, "kurz.sock")
        self.db_path = os.path.join(self.dir, "kurz.db")
        self.log_path = os.path.join(self.dir, "log", "kurz.log")
        self.port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("KURZ_") and k not in ("KURZ_BUILDDIR",
                                                    "KURZ_SRCDIR"):
                del self.env[k]
        self.env.update({
            "KURZ_DB": self.db_path,
            "KURZ_BASE_URL": self.base_url,
            "KURZ_LOG_LEVEL": "info",
            "KURZ_BUSY_TIMEOUT_MS": "5000",
        })
        self.env.update(self.extra_env)
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        if self.migrate:
            self.kurzctl("migrate")
        if self.create_key:
            self.key = self.key_create("test")
        self._render_nginx_conf()
        if self.autostart:
            self.start_workers()
            self.start_nginx()
            self.wait_healthy()

    def _render_nginx_conf(self):
        with open(NGINX_TEMPLATE) as f:
            conf = f.read()
        subst = {
            "@USER@": pwd.getpwuid(os.getuid()).pw_name,
            "@LISTEN@": "127.0.0.1:%d" % self.port,
            "@STATE_DIR@": self.dir,
            "@SOCKET@": self.sock,
            "@STATIC_DIR@": os.path.join(SRCDIR, "nginx", "static"),
        }
        for k, v in subst.items():
            conf = conf.replace(k, v)
        left = re.findall(r"@[A-Z_]+@", conf)
        if left:
            raise StartError("unsubstituted placeholders in %s: %s"
                             % (NGINX_TEMPLATE, sorted(set(left))))
        self.nginx_conf = os.path.join(self.dir, "nginx.conf")
        with open(self.nginx_conf, "w") as f:
            f.write(conf)
        t = subprocess.run(self._nginx_argv() + ["-t", "-q"],
                           capture_output=True, text=True, timeout=10)
        if t.returncode != 0:
            raise StartError("nginx -t failed:\n" + t.stderr)

    def _nginx_argv(self):
        return [NGINX, "-p", self.dir + "/",
                "-e", os.path.join(self.dir, "log", "nginx-error.log"),
                "-c", self.nginx_conf]

    def kurzctl(self, *args, check=True):
        """Run kurzctl with the instance's environment; returns the
        CompletedProcess (text). Raises StartError when check and it
        fails."""
        p = subprocess.run([KURZCTL] + list(args), env=self.env,
                           capture_output=True, text=True, timeout=20)
        self._scan_text(p.stderr, "kurzctl " + " ".join(args))
        if check and p.returncode != 0:
            raise StartError("kurzctl %s exited %d:\n%s%s"
                             % (" ".join(args), p.returncode, p.stdout,
                                p.stderr))
        return p

    def try_key_create(self, name, scope=None):
        """key_create() as a test point: the key, or None (and a failed
        test point) when kurzctl fails."""
        try:
            return self.key_create(name, scope)
        except StartError as e:
            ok(False, "kurzctl key create %s%s" % (
                name, " --scope " + scope if scope else ""), str(e))
            return None

    def key_create(self, name, scope=None):
        args = ["key", "create", name]
        if scope:
            args += ["--scope", scope]
        p = self.kurzctl(*args)
        lines = p.stdout.splitlines()
        if len(lines) != 1 or not lines[0].strip():
            raise StartError("kurzctl key create printed %r, want one line"
                             % p.stdout)
        return lines[0].strip()

    def start_workers(self):
        """Start spawn-fcgi (-n, so it execs multiwatch in the same pid)."""
        if self.fcgi is not None and self.fcgi.poll() is None:
            raise StartError("workers already running")
        argv = [SPAWN_FCGI, "-n", "-s", self.sock, "-M", "0660", "--",
                MULTIWATCH, "-f", str(self.workers), "-s", "TERM", "--",
                KURZ_FCGI]
        with open(self.log_path, "ab") as log:
            self.fcgi = subprocess.Popen(argv, env=self.env, cwd=self.dir,
                                         stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         start_new_session=True)
        return self.fcgi

    def start_nginx(self):
        with open(os.path.join(self.dir, "log", "nginx-stderr.log"),
                  "ab") as log:
            self.nginx = subprocess.Popen(
                self._nginx_argv() + ["-g", "daemon off;"], cwd=self.dir,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)

    def wait_healthy(self, timeout=10.0):
        """Wait until GET /healthz answers 200; raise StartError (with the
        logs) otherwise."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for p, what in ((self.fcgi, "spawn-fcgi/multiwatch"),
                            (self.nginx, "nginx")):
                if p is not None and p.poll() is not None:
                    raise StartError("%s exited with %s\n%s" % (
                        what, p.returncode, self.logs()))
            try:
                r = self.request("GET", "/healthz", key=False, timeout=2)
                if r.status == 200:
                    return r
                last = r.describe()
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        raise StartError("GET /healthz did not answer 200 within %.0fs; "
                         "last: %s\n%s" % (timeout, last, self.logs()))

    def worker_pids(self):
        """The kurz-fcgi processes under multiwatch."""
        if self.fcgi is None or self.fcgi.poll() is not None:
            return []
        return proc_children(self.fcgi.pid)

    def stop_workers(self, sig=signal.SIGTERM, timeout=10.0):
        status = _stop_process(self.fcgi, sig, timeout)
        return status

    # -- tear-down --------------------------------------------------------

    def _teardown(self):
        _stop_process(self.nginx, signal.SIGTERM, 10.0)
        _stop_process(self.fcgi, signal.SIGTERM, 10.0)
        if self.dir is None:
            return
        self.scan_log()
        ok(not self.sanitizer_reports,
           "%s: no sanitizer reports in kurz.log" % self.name,
           *self.sanitizer_reports[:3])
        if os.environ.get("KURZ_DEBUG_KEEP"):
            diag("kept instance directory %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _scan_text(self, text, where):
        for i, line in enumerate(text.splitlines()):
            if any(p in line for p in SANITIZER_PATTERNS):
                ctx = "\n".join(text.splitlines()[i:i + 30])
                self.sanitizer_reports.append("%s:\n%s" % (where, ctx))
                return

    def scan_log(self):
        """Collect sanitizer reports from kurz.log (idempotent)."""
        self.sanitizer_reports = [r for r in self.sanitizer_reports
                                  if not r.startswith("kurz.log")]
        self._scan_text(self.read_log(), "kurz.log")
        return self.sanitizer_reports

    def read_log(self, name="kurz.log"):
        if name == "nginx-access.log":
            # nginx buffers its access log (flush=1s in kurz-dev.conf.in):
            # what it holds is on disk a second after it was logged.
            time.sleep(1.2)
        try:
            with open(os.path.join(self.dir, "log", name), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_lines(self, level):
        """Lines of kurz.log at the given level ("prog[pid]: level: ...")."""
        pat = re.compile(r"^\S+\[\d+\]: %s: " % re.escape(level))
        return [l for l in self.read_log().splitlines() if pat.match(l)]

    def logs(self, tail=40):
        out = []
        for name in ("kurz.log", "nginx-error.log", "nginx-stderr.log"):
            lines = self.read_log(name).splitlines()[-tail:]
            out.append("--- %s (last %d lines)\n%s"
                       % (name, len(lines), "\n".join(lines)))
        return "\n".join(out)

    # -- HTTP -------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, key=True,
                timeout=10):
        """One request on a fresh connection. body: dict/list (sent as
        JSON), str or bytes (sent as is, Content-Type application/json
        unless headers give one) or None. key: True (the admin key as
        Bearer), False (no key) or a string (that key as Bearer).
        Returns a Response (iterable as status, headers, body)."""
        hdrs = {}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        given = {k.lower() for k in (headers or {})}
        if body is not None and "content-type" not in given:
            hdrs["Content-Type"] = "application/json"
        if key is True and self.key and "authorization" not in given \
                and "x-api-key" not in given:
            hdrs["Authorization"] = "Bearer " + self.key
        elif isinstance(key, str):
            hdrs["Authorization"] = "Bearer " + key
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            h = {}
            for k, v in resp.getheaders():
                k = k.lower()
                if k in h:
                    h[k] += ("\n" if k == "set-cookie" else ", ") + v
                else:
                    h[k] = v
            shown = body if body is None or len(body) <= 300 else \
                body[:300] + b"...(%d bytes)" % len(body)
            return Response(resp.status, h, data,
                            "%s %s %r" % (method, path, shown))
        finally:
            conn.close()

    def raw(self, data, timeout=10):
        """Send raw bytes on a new connection, read until the server
        closes it (or timeout); return the raw bytes received."""
        return send_raw(self.port, data, timeout)

    def raw_response(self, data, timeout=10):
        """raw() parsed into a Response (first response only); the bytes
        received are in its .raw attribute."""
        return parse_raw(self.raw(data, timeout), data)

    def create(self, url, **fields):
        """POST /api/v1/links with {"url": url, **fields}."""
        doc = {"url": url}
        doc.update(fields)
        return self.request("POST", "/api/v1/links", doc)

    def healthy(self):
        try:
            return self.request("GET", "/healthz", key=False,
                                timeout=5).status == 200
        except OSError:
            return False

    # -- database ---------------------------------------------------------

    def db(self):
        """A read-only connection to the database (close it yourself)."""
        c = sqlite3.connect("file:%s?mode=ro" % self.db_path, uri=True,
                            timeout=5)
        c.row_factory = sqlite3.Row
        return c

    def query(self, sql, args=()):
        c = self.db()
        try:
            return [dict(r) for r in c.execute(sql, args).fetchall()]
        finally:
            c.close()

    def scalar(self, sql, args=()):
        c = self.db()
        try:
            row = c.execute(sql, args).fetchone()
            return row[0] if row else None
        finally:
            c.close()

    def columns(self, table):
        return [r["name"] for r in self.query("PRAGMA table_info(%s)" % table)]

    def links_count(self):
        return self.scalar("SELECT count(*) FROM links")
