"""Helpers of the fault tests (test_kill9, test_lock, test_diskfull,
test_corrupt, test_wal): an Instance whose multiwatch may restart its
workers more often, tmpfs mounts, filling a file system, WAL sizes.

Python 3 standard library only; everything here runs as root in CI
(mounts need CAP_SYS_ADMIN; callers skip when a mount fails).
"""

import errno
import os
import subprocess
import threading

import kurz


class FaultInstance(kurz.Instance):
    """kurz.Instance with multiwatch's restart limits as parameters:
    retries (-r, multiwatch's default 3) restarts of one worker slot
    within retry_ms (-t, default 10000) before multiwatch gives up on
    that slot. None keeps multiwatch's default."""

    def __init__(self, *args, retries=None, retry_ms=None, **kw):
        self.mw_retries = retries
        self.mw_retry_ms = retry_ms
        super().__init__(*args, **kw)

    def start_workers(self):
        if self.fcgi is not None and self.fcgi.poll() is None:
            raise kurz.StartError("workers already running")
        mw = [kurz.MULTIWATCH, "-f", str(self.workers), "-s", "TERM"]
        if self.mw_retries is not None:
            mw += ["-r", str(self.mw_retries)]
        if self.mw_retry_ms is not None:
            mw += ["-t", str(self.mw_retry_ms)]
        argv = [kurz.SPAWN_FCGI, "-n", "-s", self.sock, "-M", "0660",
                "--"] + mw + ["--", kurz.KURZ_FCGI]
        with open(self.log_path, "ab") as log:
            self.fcgi = subprocess.Popen(argv, env=self.env, cwd=self.dir,
                                         stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         start_new_session=True)
        return self.fcgi


class Counter:
    """Thread-safe tallies by key, and a list of examples per key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = {}
        self.examples = {}

    def add(self, key, example=None, keep=5):
        with self.lock:
            self.n[key] = self.n.get(key, 0) + 1
            if example is not None:
                ex = self.examples.setdefault(key, [])
                if len(ex) < keep:
                    ex.append(example)

    def get(self, key):
        with self.lock:
            return self.n.get(key, 0)

    def total(self):
        with self.lock:
            return sum(self.n.values())

    def snapshot(self):
        with self.lock:
            return dict(self.n)


# --------------------------------------------------------------------------
# Mounts

def _run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, repr(e)
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def mount_tmpfs(path, size="4m"):
    """Mount a tmpfs of the given size on path (made if need be).
    Returns None on success, else the reason (for a TAP skip)."""
    os.makedirs(path, exist_ok=True)
    good, out = _run(["mount", "-t", "tmpfs", "-o",
                      "size=%s,mode=0755" % size, "tmpfs", path])
    return None if good else "mount -t tmpfs failed: %s" % out


def remount(path, readonly):
    """Remount the file system on path read-only or read-write. Returns
    None on success, else the reason ("busy" while a file is open for
    writing on it)."""
    good, out = _run(["mount", "-o", "remount,%s" % ("ro" if readonly
                                                      else "rw"), path])
    return None if good else out


def umount(path):
    """Unmount path (lazily when it is busy); True when done."""
    good, _ = _run(["umount", path])
    if not good:
        good, _ = _run(["umount", "-l", path])
    return good


def fill(path, chunk=65536, limit=1 << 30):
    """Write zeros to path until the file system is full (ENOSPC), each
    chunk fsynced so that the space is really taken. Returns the bytes
    written. A smaller chunk then tops up what a larger one could not."""
    written = 0
    with open(path, "ab", buffering=0) as f:
        for size in (chunk, 4096, 512, 1):
            block = b"\0" * size
            while written < limit:
                try:
                    n = f.write(block)
                except OSError as e:
                    if e.errno in (errno.ENOSPC, errno.EDQUOT):
                        break
                    raise
                written += n or 0
                if not n:
                    break
        try:
            os.fsync(f.fileno())
        except OSError:
            pass
    return written


def statvfs_free(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


# --------------------------------------------------------------------------
# Files of a database

def file_size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def wal_size(db_path):
    return file_size(db_path + "-wal")


def mib(n):
    return "%.2f MiB" % (n / 1048576.0)


def retry_after_ok(r):
    """True when r carries a Retry-After of delta-seconds."""
    v = r.header("retry-after")
    return v is not None and v.strip().isdigit()


def skip(reason):
    """Emit one skipped TAP test point: 'ok N # SKIP reason' (kurz.ok()
    strips '#' from names, so this writes the line itself)."""
    kurz._count += 1
    print("ok %d # SKIP %s" % (kurz._count,
                               " ".join(str(reason).split())[:200]))
    kurz.sys.stdout.flush()
