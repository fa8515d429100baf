"""The admin page in a real browser: Debian's Chromium, driven by
playwright-core from tests/browser/admin.js, against a running kurz and
a small target server of our own.

The target server answers on two loopback addresses: 127.0.0.2 (another
site than kurz on 127.0.0.1, for the links' targets and a cross-site
form) and 127.0.0.1 on another port (the same site as kurz, another
origin). Short links redirect to it, so a click never leaves the
machine.

Environment, besides kurz.py's:
  KURZ_NODE_MODULES      the folder holding playwright-core (default:
                         tests/browser/node_modules of the source tree)
  KURZ_CHROMIUM          the browser (default /usr/bin/chromium)
  KURZ_ARTIFACTS         where the screenshots go (default:
                         $KURZ_BUILDDIR/browser-artifacts)
  KURZ_BROWSER_OPTIONAL  1: skip when node, Chromium or playwright-core
                         is missing; otherwise that is a failure
"""

import html
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, diag, ok  # noqa: E402

BROWSER_DIR = os.path.join(kurz.SRCDIR, "tests", "browser")
SCRIPT = os.path.join(BROWSER_DIR, "admin.js")
MODULES = os.environ.get("KURZ_NODE_MODULES") or \
    os.path.join(BROWSER_DIR, "node_modules")
CHROMIUM = os.environ.get("KURZ_CHROMIUM") or "/usr/bin/chromium"
NODE = shutil.which("node") or shutil.which("nodejs")
ARTIFACTS = os.environ.get("KURZ_ARTIFACTS") or \
    os.path.join(kurz.BUILDDIR, "browser-artifacts")

STEP_MS = 5000          # one browser action or wait
RUN_S = 150             # the whole browser run
TIMEOUT_S = 240         # this file (a larger KURZ_TEST_TIMEOUT wins)

PAGES = {
    "/landing": "Landing one",
    "/landing2": "Landing two",
}


def missing():
    """What the browser run lacks, or None."""
    if not NODE:
        return "node not found"
    if not os.access(CHROMIUM, os.X_OK):
        return "%s not found" % CHROMIUM
    if not os.path.isfile(os.path.join(MODULES, "playwright-core",
                                       "package.json")):
        return "playwright-core not in %s (contrib/dev test installs it)" \
            % MODULES
    return None


class Target(http.server.BaseHTTPRequestHandler):
    """The links' targets, and a page that posts a form to kurz."""

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        self.server.seen.append(self.path)
        if u.path in PAGES:
            t = PAGES[u.path]
            body = ("<!doctype html><title>%s</title><h1>%s</h1>" % (t, t))
        elif u.path == "/attack":
            # What another site would do: a form that posts itself to
            # kurz, with a made-up token.
            body = ("<!doctype html><title>Win a prize</title>"
                    "<form method=post action=\"%s\">"
                    "<input name=url value=\"https://example.com/evil\">"
                    "<input name=code value=\"%s\">"
                    "<input name=csrf value=\"guessed\">"
                    "<button>Go</button></form>"
                    "<script>addEventListener('load', function () {"
                    " setTimeout(function () { document.forms[0].submit(); },"
                    " 50); });</script>"
                    % (html.escape(q.get("action", ""), quote=True),
                       html.escape(q.get("code", ""), quote=True)))
        else:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def serve(host):
    """A Target server on host, port chosen by the kernel, in a thread."""
    srv = http.server.ThreadingHTTPServer((host, 0), Target)
    srv.daemon_threads = True
    srv.seen = []
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()
    return srv


def leftovers(tmp):
    """Pids of processes whose command line names tmp (the browser's
    profile lives there)."""
    pids = []
    for ent in os.listdir("/proc"):
        if not ent.isdigit() or int(ent) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % ent, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if tmp.encode() in cmd:
            pids.append(int(ent))
    return pids


def run_node(env, tmp):
    """Run admin.js, turning each line it prints into a test point or a
    diagnostic as it comes. Returns (exit status, saw the end)."""
    errlog = os.path.join(tmp, "node-stderr.log")
    with open(errlog, "wb") as err:
        p = subprocess.Popen([NODE, SCRIPT], env=env, cwd=tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=err, start_new_session=True)
    lines = queue.Queue()

    def reader():
        for raw in p.stdout:
            lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + RUN_S + 15
    done = False
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                ok(False, "node admin.js finished within %d s" % (RUN_S + 15))
                break
            if line is None:
                break
            try:
                o = json.loads(line)
            except ValueError:
                diag("node: " + line)
                continue
            if o.get("t") == "ok":
                ok(o.get("pass"), o.get("name", "?"), *o.get("diag", []))
            elif o.get("t") == "diag":
                diag(o.get("msg", ""))
            elif o.get("t") == "done":
                done = True
    finally:
        # SIGTERM first: Playwright closes the browser on it.
        status = kurz._stop_process(p, signal.SIGTERM, 10.0)
    with open(errlog, "rb") as f:
        err = f.read().decode("utf-8", "replace").strip()
    if err:
        diag("node stderr (last lines):\n" + "\n".join(
            err.splitlines()[-20:]))
    return status, done


def main():
    why = missing()
    if why:
        ok(False, "the browser test can run: " + why +
           " (KURZ_BROWSER_OPTIONAL=1 skips)")
        return
    os.makedirs(ARTIFACTS, exist_ok=True)
    other = serve("127.0.0.2")
    same = serve("127.0.0.1")
    tmp = tempfile.mkdtemp(prefix="kurz-browser-")
    try:
        with Instance(workers=2, env={"KURZ_CLICK_FLUSH_MS": "200"}) as inst:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("ASAN_", "UBSAN_", "LSAN_"))
                   and k != "LD_PRELOAD"}
            env.update({
                "BASE_URL": inst.base_url,
                "API_KEY": inst.key,
                "TARGET_URL": "http://127.0.0.2:%d" % other.server_port,
                "SAME_SITE_URL": "http://127.0.0.1:%d" % same.server_port,
                "ARTIFACTS": ARTIFACTS,
                "KURZ_CHROMIUM": CHROMIUM,
                "KURZ_NODE_MODULES": MODULES,
                "STEP_TIMEOUT_MS": str(STEP_MS),
                "TOTAL_TIMEOUT_MS": str(RUN_S * 1000),
                # The browser's profile, caches and crash reports stay in
                # tmp, which goes when the test ends.
                "TMPDIR": tmp,
                "HOME": tmp,
                "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
                "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
            })
            diag("screenshots go to %s" % ARTIFACTS)
            status, done = run_node(env, tmp)
            ok(status == 0 and done, "node admin.js ran to its end "
               "(exit status %s)" % status)
            left = leftovers(tmp)
            ok(not left, "no browser process is left behind", left)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            ok(inst.healthy(), "kurz is still healthy")
    finally:
        for srv in (other, same):
            srv.shutdown()
            srv.server_close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    reason = missing()
    if reason and os.environ.get("KURZ_BROWSER_OPTIONAL") == "1":
        print("1..0 # SKIP %s" % reason)
        sys.exit(0)
    kurz.run(main, timeout=max(TIMEOUT_S, int(
        os.environ.get("KURZ_TEST_TIMEOUT") or 0)))
