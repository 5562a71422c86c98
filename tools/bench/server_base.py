"""What every server of the side-by-side benchmark shares: the settings all
of them get (domain, TLS modes, SCRAM iterations), the Server interface
side_by_side.py drives, and the process helpers the servers use to start,
watch and stop what they run. Standard library only."""

import os
import signal
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

DOMAIN = "localhost"
SCRAM_ITERATIONS = 4096
# starttls: required on the client port (the default run); none: clients
# never start TLS (the method of the reference figures, docs/benchmarks.md).
TLS_MODES = ("starttls", "none")


class ServerMissing(RuntimeError):
    """The server is not installed: the benchmark skips it with this reason."""


def wait_listening(port, proc, timeout, what, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with status %s; log:\n%s" % (what, proc.returncode, tail(log)))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("%s not listening on %d after %ss; log:\n%s" % (what, port, timeout, tail(log)))


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def package_version(package):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package],
                         capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.startswith("install ok installed"):
        return None
    return out.stdout.split()[-1]


def stop_process_group(proc, timeout=15):
    """Ends a server started with start_new_session: SIGTERM to its group
    (ejabberdctl and erl are a shell, su and the VM), then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def process_tree(root_pid):
    """root_pid and every descendant (from /proc), for memory sums."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(out)


def comm_of(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def open_files_limit(pid):
    """A process's soft limit on open files (from /proc), or None."""
    try:
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
    except (OSError, IndexError, ValueError):
        pass
    return None


def lua_bool(value):
    return "true" if value else "false"


class Server:
    name = ""
    package = None
    # SASL mechanisms loadgen speaks that the server offers with its storage.
    mechanisms = ("PLAIN",)
    storage = ""
    notes = ""

    def __init__(self, directory, base_port, cert, tls="starttls"):
        if tls not in TLS_MODES:
            raise ValueError("tls must be one of " + ", ".join(TLS_MODES))
        self.dir = directory
        self.base_port = base_port
        self.port = base_port + 1
        self.cert = cert
        self.tls = tls
        os.makedirs(directory, exist_ok=True)

    @property
    def encrypted(self):
        return self.tls != "none"

    def version(self):
        return package_version(self.package) if self.package else None

    def check_installed(self):
        if self.package and self.version() is None:
            raise ServerMissing("package %s is not installed (tools/install-deps bench)" % self.package)

    def describe(self):
        return {"name": self.name, "version": self.version(), "port": self.port, "tls": self.tls,
                "storage": self.storage, "mechanisms": list(self.mechanisms), "notes": self.notes}
