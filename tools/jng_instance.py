"""One jabberd-ng installation in a directory of its own.

Used by `tools/run` (an operator's local suite) and by the integration tests:
configs are made from the shipped files in etc/ (so what is tested is what
ships), with ports, paths and secrets changed; daemons are started with a
systemd-style NOTIFY_SOCKET each, so "started" means they said READY=1.
Standard library only.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ETC = os.path.join(ROOT, "etc")

DAEMONS = ("router", "resolver", "sm", "muc", "s2s", "c2s")
# Started first to last, stopped last to first.


class DaemonFailed(RuntimeError):
    pass


def binary_path(build_dir, daemon):
    sub = "tools/jabberdctl" if daemon == "jabberdctl" else daemon.split("-")[0]
    name = "jabberdctl" if daemon == "jabberdctl" else "jabberd-ng-" + daemon.split("-")[0]
    return os.path.join(build_dir, sub, name)


# Key types make_certificate knows, as openssl req's -newkey arguments.
CERTIFICATE_KEYS = {"rsa": ["rsa:2048"], "ecdsa": ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]}


def make_certificate(path, domains, key="rsa"):
    """A self-signed certificate (and key, in the same PEM file) for
    `domains`; `key` is "rsa" (2048 bits) or "ecdsa" (P-256)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    san = ",".join("DNS:" + d for d in domains)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", *CERTIFICATE_KEYS[key], "-nodes", "-days", "3650",
         "-subj", "/CN=" + domains[0], "-addext", "subjectAltName=" + san,
         "-keyout", path + ".key", "-out", path + ".crt"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path, "w") as out:
        for part in (".crt", ".key"):
            with open(path + part) as f:
                out.write(f.read())
            os.unlink(path + part)
    os.chmod(path, 0o600)


class Instance:
    """Configs, state and logs of one suite under `directory`.

    Ports: with `base_port` the router listens on base, c2s on base+1
    (STARTTLS) and base+2 (direct TLS), s2s on base+8 and base+9; without it
    the standard ports (5347, 5222, 5223, 5269, 5270).
    Every c2s shares those two ports (SO_REUSEPORT) unless the configs are
    written with `separate_c2s_ports`: then the n-th c2s (from 0) listens on
    base+1+2n and base+2+2n, see `c2s_ports()`.
    """

    def __init__(self, directory, build_dir, base_port=None, domains=("localhost",),
                 address="127.0.0.1", log_level="info", storage="sqlite", pgsql_server=None):
        """`storage`: "sqlite" (a file under var/) or "pgsql": then
        `pgsql_server` is a libpq conninfo (key=value form) for a server where
        the instance creates a schema of its own (see write_configs) and drops
        it in remove()."""
        if storage not in ("sqlite", "pgsql"):
            raise ValueError("storage is sqlite or pgsql, not %r" % storage)
        if storage == "pgsql" and not pgsql_server:
            raise ValueError("storage='pgsql' needs pgsql_server (a conninfo)")
        self.storage = storage
        self.pgsql_server = pgsql_server
        self.pgsql_schema = None
        self.dir = os.path.abspath(directory)
        self.build_dir = os.path.abspath(build_dir)
        self.domains = list(domains)
        self.address = address
        self.log_level = log_level
        if base_port is None:
            self.router_port, self.c2s_port, self.c2s_tls_port = 5347, 5222, 5223
            self.s2s_port, self.s2s_tls_port = 5269, 5270
        else:
            self.router_port = base_port
            self.c2s_port = base_port + 1
            self.c2s_tls_port = base_port + 2
            self.s2s_port = base_port + 8
            self.s2s_tls_port = base_port + 9
        self.base_port = base_port
        self.procs = {}
        self.secrets = {}
        self._c2s_ports = {}

    # ---- paths -------------------------------------------------------------
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def config_path(self, name):
        return self.path("etc", name + ".xml")

    def log_path(self, name):
        return self.path("log", name + ".log")

    @property
    def cert(self):
        return self.path("certs", self.domains[0] + ".pem")

    def muc_service(self, domain=None):
        """The MUC service of a domain (the first one by default)."""
        return "conference." + (domain or self.domains[0])

    @property
    def database(self):
        """The SQLite file (storage='sqlite')."""
        return self.path("var", "jabberd-ng.db")

    @property
    def pgsql_conninfo(self):
        """What the daemons connect with (storage='pgsql'): the server, with
        the instance's schema first on the search_path."""
        return "%s options='-c search_path=%s'" % (self.pgsql_server, self.pgsql_schema)

    def psql(self, sql):
        """Runs SQL (no parameters: our own constants only) on the pgsql server."""
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.pgsql_server,
                        "-c", sql], check=True, capture_output=True, text=True)

    # ---- configuration -----------------------------------------------------
    def c2s_ports(self, c2s_id="c2s-1"):
        """(STARTTLS port, direct TLS port) of one c2s."""
        return self._c2s_ports.get(c2s_id, (self.c2s_port, self.c2s_tls_port))

    def write_configs(self, sm_ids=("sm-1",), c2s_ids=("c2s-1",), edit=None,
                      separate_c2s_ports=False, overrides=None, dns_servers=()):
        """Writes etc/*.xml for this instance. `edit(name, tree)` may change
        any config before it is written (tests use it for special settings).
        `separate_c2s_ports`: each c2s gets ports of its own (needs
        `base_port`), so a test knows which c2s a client talks to.
        `overrides`: {domain: [(host, port, "starttls"|"direct"), ...]} for the
        resolver, which finds other servers there instead of in DNS;
        `dns_servers`: "address:port" of the DNS servers it asks otherwise."""
        if separate_c2s_ports and self.base_port is None:
            raise ValueError("separate_c2s_ports needs a base_port")
        for d in ("etc", "log", "var", "run", "certs"):
            os.makedirs(self.path(d), exist_ok=True)
        if self.storage == "pgsql" and self.pgsql_schema is None:
            # A schema per instance, named after its directory: instances
            # side by side (federation tests, parallel runs) never share rows.
            name = "jng_" + "".join(c if c.isalnum() else "_"
                                    for c in os.path.basename(self.dir)).lower()
            self.psql("CREATE SCHEMA %s" % name)
            self.pgsql_schema = name
        if not os.path.exists(self.cert):
            make_certificate(self.cert, self.domains)
        self.secrets = {kind: secrets.token_hex(16)
                        for kind in ("c2s", "sm", "s2s", "resolver", "muc")}

        router = ET.parse(os.path.join(ETC, "router.xml"))
        r = router.getroot()
        self._log(r)
        r.find("listen").set("address", self.address)
        r.find("listen").set("port", str(self.router_port))
        self._write(router, "router", edit)

        users = ET.parse(os.path.join(ETC, "router-users.xml"))
        u = users.getroot()
        for comp in u.findall("component"):
            if comp.get("name").startswith("conference."):
                # The muc's services: one entry per domain, made below.
                u.remove(comp)
                continue
            kind = comp.get("name").split("-")[0]
            comp.set("secret", self.secrets[kind])
            if kind == "sm":
                for b in comp.findall("bind"):
                    comp.remove(b)
                for d in self.domains:
                    ET.SubElement(comp, "bind", name=d)
        for d in self.domains:
            ET.SubElement(u, "component", name=self.muc_service(d), secret=self.secrets["muc"])
        self._write(users, "router-users", edit)

        for sm_id in sm_ids:
            sm = ET.parse(os.path.join(ETC, "sm.xml"))
            s = sm.getroot()
            self._log(s)
            s.find("id").text = sm_id
            self._router_link(s, "sm")
            self._domains(s)
            if len(sm_ids) > 1:
                s.find("local").set("shared", "true")
            self._storage(s)
            self._write(sm, sm_id, edit)

        for n, c2s_id in enumerate(c2s_ids):
            if separate_c2s_ports:
                self._c2s_ports[c2s_id] = (self.base_port + 1 + 2 * n, self.base_port + 2 + 2 * n)
            c2s = ET.parse(os.path.join(ETC, "c2s.xml"))
            c = c2s.getroot()
            self._log(c)
            c.find("id").text = c2s_id
            self._router_link(c, "c2s")
            self._domains(c)
            plain, tls = c.findall("listen")
            for listen, port in zip((plain, tls), self.c2s_ports(c2s_id)):
                listen.set("address", self.address)
                listen.set("port", str(port))
            c.find("tls").set("cert", self.cert)
            self._storage(c)
            self._write(c2s, c2s_id, edit)

        resolver = ET.parse(os.path.join(ETC, "resolver.xml"))
        res = resolver.getroot()
        self._log(res)
        self._router_link(res, "resolver")
        dns = res.find("dns")
        for server in dns.findall("server"):
            dns.remove(server)
        for server in dns_servers:
            ET.SubElement(dns, "server").text = server
        for domain, targets in (overrides or {}).items():
            o = ET.SubElement(res, "override", domain=domain)
            for host, port, tls in targets:
                ET.SubElement(o, "target", host=host, port=str(port), tls=tls)
        self._write(resolver, "resolver", edit)

        s2s = ET.parse(os.path.join(ETC, "s2s.xml"))
        fed = s2s.getroot()
        self._log(fed)
        self._router_link(fed, "s2s")
        plain, tls = fed.findall("listen")
        for listen, port in ((plain, self.s2s_port), (tls, self.s2s_tls_port)):
            listen.set("address", self.address)
            listen.set("port", str(port))
        local = fed.find("local")
        for d in local.findall("domain"):
            local.remove(d)
        for d in self.domains:
            ET.SubElement(local, "domain", name=d, cert=self.cert)
        fed.find("tls").set("cert", self.cert)
        self._write(s2s, "s2s", edit)

        muc = ET.parse(os.path.join(ETC, "muc.xml"))
        m = muc.getroot()
        self._log(m)
        self._router_link(m, "muc")
        for service in m.findall("service"):
            m.remove(service)
        for d in self.domains:
            ET.SubElement(m, "service", jid=self.muc_service(d), name="Chatrooms")
        self._storage(m)
        self._write(muc, "muc", edit)

        if self.storage == "pgsql":
            # The daemons do not create a PostgreSQL schema: the tool does,
            # as an administrator would before starting them.
            self.ctl("db", "init", config=sm_ids[0])

    def _storage(self, root):
        """Points a daemon config's <storage> block at this instance's database."""
        storage = root.find("storage")
        for child in list(storage):
            storage.remove(child)
        storage.set("driver", self.storage)
        if self.storage == "pgsql":
            ET.SubElement(storage, "pgsql", conninfo=self.pgsql_conninfo)
        else:
            ET.SubElement(storage, "sqlite", path=self.database)

    def _log(self, root):
        root.find("log/level").text = self.log_level

    def _router_link(self, root, kind):
        link = root.find("router")
        link.set("address", self.address)
        link.set("port", str(self.router_port))
        link.set("secret", self.secrets[kind])

    def _domains(self, root):
        local = root.find("local")
        for i in local.findall("id"):
            local.remove(i)
        for d in self.domains:
            ET.SubElement(local, "id").text = d

    def _write(self, tree, name, edit):
        if edit:
            edit(name, tree)
        tree.write(self.config_path(name), encoding="unicode", xml_declaration=True)

    # ---- processes -----------------------------------------------------------
    def start(self, name, timeout=20, extra_args=()):
        """Starts daemon `name` ("router", "sm-1", "c2s-1") and waits for READY=1."""
        if name in self.procs and self.procs[name].poll() is None:
            raise RuntimeError(name + " is already running")
        notify = self.path("run", name + ".notify")
        if os.path.exists(notify):
            os.unlink(notify)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(notify)
        sock.settimeout(0.2)
        env = dict(os.environ, NOTIFY_SOCKET=notify)
        env.pop("JOURNAL_STREAM", None)
        logf = open(self.log_path(name), "ab")
        proc = subprocess.Popen(
            [binary_path(self.build_dir, name), "-c", self.config_path(name), *extra_args],
            cwd=self.dir, env=env, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        self.procs[name] = proc
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise DaemonFailed("%s exited with status %s; log:\n%s"
                                       % (name, proc.returncode, self.tail(name)))
                try:
                    msg = sock.recv(4096).decode()
                except socket.timeout:
                    continue
                if "READY=1" in msg.split("\n"):
                    return proc
            raise DaemonFailed("%s not ready after %ss; log:\n%s" % (name, timeout, self.tail(name)))
        finally:
            sock.close()

    def start_all(self, sm_ids=("sm-1",), c2s_ids=("c2s-1",), federation=False, muc=False):
        """Router, session managers and c2s; with `federation` also the
        resolver and s2s; with `muc` the multi-user chat daemon."""
        self.start("router")
        if federation:
            self.start("resolver")
        for s in sm_ids:
            self.start(s)
        if muc:
            self.start("muc")
        if federation:
            self.start("s2s")
        for c in c2s_ids:
            self.start(c)

    def stop(self, name, sig=signal.SIGTERM, timeout=10):
        proc = self.procs.get(name)
        if not proc or proc.poll() is not None:
            return None
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def kill(self, name):
        return self.stop(name, signal.SIGKILL)

    def stop_all(self):
        # Front to back: clients' daemons first, the router last.
        for name in sorted(self.procs, key=lambda n: DAEMONS.index(n.split("-")[0]), reverse=True):
            self.stop(name)

    def running(self, name):
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def tail(self, name, lines=40):
        try:
            with open(self.log_path(name), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_text(self, name):
        with open(self.log_path(name), errors="replace") as f:
            return f.read()

    def log_size(self, name):
        """Where daemon `name`'s log ends now: pass it as `since` to
        wait_log() to look only at what is written afterwards."""
        try:
            return os.path.getsize(self.log_path(name))
        except OSError:
            return 0

    def wait_log(self, name, needle, timeout=10, since=0):
        """Waits until `needle` appears in daemon `name`'s log after byte
        `since`; returns that part of the log."""
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log_path(name), "rb") as f:
                f.seek(since)
                text = f.read().decode(errors="replace")
            if needle in text:
                return text
            if time.monotonic() >= deadline:
                raise AssertionError("no %r in the log of %s within %ss; it ends with:\n%s"
                                     % (needle, name, timeout, text[-3000:]))
            time.sleep(0.05)

    # ---- administration ------------------------------------------------------
    def ctl(self, *args, check=True, config="sm-1"):
        """Runs jabberdctl against this instance's storage."""
        return subprocess.run(
            [binary_path(self.build_dir, "jabberdctl"), "-c", self.config_path(config), *args],
            cwd=self.dir, check=check, capture_output=True, text=True)

    def add_user(self, node, password, domain=None):
        self.ctl("user", "add", "%s@%s" % (node, domain or self.domains[0]), password)

    def remove(self):
        if self.pgsql_schema is not None:
            try:
                self.psql("DROP SCHEMA %s CASCADE" % self.pgsql_schema)
            except subprocess.CalledProcessError:
                pass  # the server is gone already: nothing left to drop
            self.pgsql_schema = None
        shutil.rmtree(self.dir, ignore_errors=True)
