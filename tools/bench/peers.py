"""The three peers of the side-by-side benchmark, Prosody, ejabberd and
jabberd2, from Debian's packages, each run as processes this module starts
from configs it writes (never the system services). servers.py says what
every server gets.

Accounts are made with each peer's own tool: prosodyctl's shell,
ejabberd's `register` command (through its HTTP API: ejabberdctl starts an
Erlang node per call, a second each), and rows in jabberd2's SQLite
`authreg` table. Standard library only."""

import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from server_base import (DOMAIN, SCRAM_ITERATIONS, Server, ServerMissing, comm_of, lua_bool,
                         package_version, process_tree, stop_process_group, tail, wait_listening)


class Prosody(Server):
    name = "prosody"
    package = "prosody"
    storage = "SQLite (mod_storage_sql, LuaDBI)"
    notes = ("one Lua process; internal_hashed offers SCRAM-SHA-1 (loadgen speaks SCRAM-SHA-256) "
             "and PLAIN, which costs a PBKDF2 per login")

    def __init__(self, directory, base_port, cert, tls="starttls"):
        super().__init__(directory, base_port, cert, tls)
        if not self.encrypted:
            self.notes = "one Lua process; internal_plain (plain-text passwords), PLAIN without TLS"

    def check_installed(self):
        super().check_installed()
        if package_version("lua-dbi-sqlite3") is None:
            raise ServerMissing("package lua-dbi-sqlite3 is not installed (tools/install-deps bench)")

    def prepare(self):
        self.proc = None
        self.config = os.path.join(self.dir, "prosody.cfg.lua")
        self.log = os.path.join(self.dir, "prosody.log")
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "certs"), exist_ok=True)
        for ext in (".crt", ".key"):  # one PEM holds both; Prosody looks them up by name
            shutil.copyfile(self.cert, os.path.join(self.dir, "certs", DOMAIN + ext))
        # Debian's shipped module set, less what needs a service (posix:
        # daemonizing; register/invites: no registration here), with SQL
        # storage and without the 10 kB/s c2s limit.
        with open(self.config, "w") as f:
            f.write(textwrap.dedent("""\
                -- written by tools/bench: everything in this directory
                pidfile = "{dir}/prosody.pid"
                data_path = "{dir}/data"
                certificates = "{dir}/certs"
                admin_socket = "{dir}/prosody.sock"
                run_as_root = {root}
                log = {{ {{ levels = {{ min = "warn" }}, to = "file", filename = "{log}" }} }}
                interfaces = {{ "127.0.0.1" }}
                local_interfaces = {{ "127.0.0.1" }}
                use_ipv6 = false
                c2s_ports = {{ {port} }}
                c2s_direct_tls_ports = {{ }}
                s2s_ports = {{ }}
                component_ports = {{ }}
                http_ports = {{ }}
                https_ports = {{ }}
                modules_enabled = {{
                    "disco"; "roster"; "saslauth"; "tls"; "blocklist"; "bookmarks"; "carbons";
                    "pep"; "private"; "smacks"; "vcard4"; "vcard_legacy"; "csi_simple";
                    "ping"; "time"; "uptime"; "version"; "admin_shell";
                }}
                modules_disabled = {{ "s2s" }}
                c2s_require_encryption = {require}
                allow_unencrypted_plain_auth = {clear_plain}
                authentication = "{auth}"
                default_iteration_count = {iterations}
                storage = "sql"
                sql = {{ driver = "SQLite3", database = "{dir}/prosody.sqlite" }}
                VirtualHost "{domain}"
                """).format(dir=self.dir, log=self.log, port=self.port, domain=DOMAIN,
                            iterations=SCRAM_ITERATIONS, root="true" if os.geteuid() == 0 else "false",
                            require=lua_bool(self.encrypted), clear_plain=lua_bool(not self.encrypted),
                            auth="internal_hashed" if self.encrypted else "internal_plain"))

    def start(self):
        out = open(os.path.join(self.dir, "prosody.out"), "wb")
        self.proc = subprocess.Popen(["prosody", "-F", "--config", self.config], cwd=self.dir,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        wait_listening(self.port, self.proc, 30, "prosody", self.log)
        deadline = time.monotonic() + 10
        while not os.path.exists(os.path.join(self.dir, "prosody.sock")) and time.monotonic() < deadline:
            time.sleep(0.1)

    def add_users(self, count, password):
        # prosodyctl's shell talks to the running server over its admin
        # socket: one process for all accounts (prosodyctl register loads
        # the whole server per call).
        script = "".join("user:create('user%d@%s', '%s')\n" % (i, DOMAIN, password) for i in range(count))
        out = subprocess.run(["prosodyctl", "--config", self.config, "shell"], input=script,
                             capture_output=True, text=True, timeout=600)
        created = out.stdout.count("User created")
        if created != count:
            raise RuntimeError("prosodyctl shell created %d of %d accounts:\n%s%s"
                               % (created, count, out.stdout[-2000:], out.stderr[-2000:]))

    def pids(self):
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    def stop(self):
        stop_process_group(self.proc)

    def log_tail(self):
        return tail(self.log)


class Ejabberd(Server):
    name = "ejabberd"
    package = "ejabberd"
    mechanisms = ("PLAIN", "SCRAM-SHA-256")
    storage = "SQLite (sql_type: sqlite)"
    notes = ("one Erlang VM (beam.smp; epmd, shared by every Erlang node, not counted); "
             "SCRAM-SHA-256 keys, 4096 iterations (fixed in 23.01)")

    def __init__(self, directory, base_port, cert, tls="starttls"):
        super().__init__(directory, base_port, cert, tls)
        if not self.encrypted:
            # SCRAM from plain-text passwords would cost it a PBKDF2 per
            # login: PLAIN, as in the reference figures.
            self.mechanisms = ("PLAIN",)
            self.notes = "one Erlang VM (beam.smp; epmd not counted); plain-text passwords, PLAIN without TLS"

    def check_installed(self):
        super().check_installed()
        if package_version("erlang-p1-sqlite3") is None:
            raise ServerMissing("package erlang-p1-sqlite3 is not installed (tools/install-deps bench)")

    def prepare(self):
        self.proc = None
        self.api_port = self.base_port + 5
        self.node = "jngbench%d@localhost" % self.base_port
        self.config = os.path.join(self.dir, "ejabberd.yml")
        self.logs = os.path.join(self.dir, "logs")
        self.log = os.path.join(self.logs, "ejabberd.log")
        for sub in ("logs", "spool"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        cert = os.path.join(self.dir, DOMAIN + ".pem")
        shutil.copyfile(self.cert, cert)
        # Debian's shipped modules (those a client session touches), SQLite
        # for auth and every module, no c2s shaper. The listener backlog is
        # set to Prosody's and the kernel's usual 128 (ejabberd's default is
        # 5, which drops SYNs in a login storm and measures TCP retries).
        with open(self.config, "w") as f:
            f.write(textwrap.dedent("""\
                # written by tools/bench: everything in this directory
                hosts: [{domain}]
                loglevel: warning
                certfiles: ["{cert}"]
                c2s_protocol_options: ["no_sslv3", "no_tlsv1", "no_tlsv1_1", "cipher_server_preference", "no_compression"]
                listen:
                  - port: {port}
                    ip: "127.0.0.1"
                    module: ejabberd_c2s
                    max_stanza_size: 262144
                    access: c2s
                    starttls_required: {starttls_required}
                    backlog: 128
                  - port: {api_port}
                    ip: "127.0.0.1"
                    module: ejabberd_http
                    request_handlers:
                      /api: mod_http_api
                sql_type: sqlite
                sql_database: "{dir}/ejabberd.db"
                default_db: sql
                auth_method: sql
                auth_password_format: {password_format}
                auth_scram_hash: sha256
                access_rules:
                  local:
                    allow: all
                  c2s:
                    allow: all
                api_permissions:
                  "loopback registration":
                    from: [mod_http_api]
                    who:
                      ip: "127.0.0.0/8"
                    what: ["register"]
                shaper_rules:
                  max_user_sessions: 10
                  max_user_offline_messages: 5000
                modules:
                  mod_blocking: {{}}
                  mod_caps: {{}}
                  mod_carboncopy: {{}}
                  mod_client_state: {{}}
                  mod_disco: {{}}
                  mod_last: {{}}
                  mod_offline:
                    access_max_user_messages: max_user_offline_messages
                  mod_ping: {{}}
                  mod_privacy: {{}}
                  mod_private: {{}}
                  mod_roster:
                    versioning: true
                  mod_stream_mgmt: {{}}
                  mod_vcard: {{}}
                  mod_version: {{}}
                """).format(domain=DOMAIN, cert=cert, port=self.port, api_port=self.api_port, dir=self.dir,
                            starttls_required="true" if self.encrypted else "false",
                            password_format="scram" if self.encrypted else "plain"))
        with open(os.path.join(self.dir, "inetrc"), "w") as f:
            f.write("{lookup,[file,native]}.\n{host,{127,0,0,1}, [\"localhost\"]}.\n")
        if os.geteuid() == 0:
            # ejabberdctl runs the VM as the package's user when started by
            # root: that user must reach this directory.
            parent = os.path.dirname(os.path.abspath(self.dir))
            while parent != "/":
                if not os.stat(parent).st_mode & 0o001:
                    raise RuntimeError("ejabberd runs as the user ejabberd, which cannot enter %s: "
                                       "use a work directory others may traverse" % parent)
                parent = os.path.dirname(parent)
            shutil.chown(self.dir, "ejabberd", "ejabberd")
            for base, dirs, files in os.walk(self.dir):
                for n in dirs + files:
                    shutil.chown(os.path.join(base, n), "ejabberd", "ejabberd")

    def _ctl(self, *args):
        return ["ejabberdctl", "--config-dir", self.dir, "--config", self.config,
                "--spool", os.path.join(self.dir, "spool"), "--logs", self.logs, "--node", self.node, *args]

    def start(self):
        out = open(os.path.join(self.dir, "ejabberd.out"), "wb")
        cmd, env = self._ctl("foreground"), None
        if os.geteuid() == 0:
            # Started by root, ejabberdctl becomes its user through su, whose
            # pam_limits cuts the open-file limit to 1,024: the VM then fails
            # accept() past a thousand sessions (Debian's unit gives it
            # 65,536). Becoming the user without PAM keeps the limit every
            # other server here has.
            user = pwd.getpwnam("ejabberd")
            cmd = ["setpriv", "--reuid", str(user.pw_uid), "--regid", str(user.pw_gid),
                   "--init-groups", "--", *cmd]
            env = dict(os.environ, HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=env)
        out.close()
        wait_listening(self.port, self.proc, 60, "ejabberd", self.log)
        wait_listening(self.api_port, self.proc, 30, "ejabberd", self.log)

    def add_users(self, count, password):
        def register(i):
            body = json.dumps({"user": "user%d" % i, "host": DOMAIN, "password": password}).encode()
            req = urllib.request.Request("http://127.0.0.1:%d/api/register" % self.api_port, data=body,
                                         method="POST")
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(register, range(count)))
        if any(s != 200 for s in statuses):
            raise RuntimeError("ejabberd register failed for some accounts")

    def pids(self):
        if not self.proc or self.proc.poll() is not None:
            return []
        return [p for p in process_tree(self.proc.pid) if comm_of(p).startswith("beam")]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(self._ctl("stop"), capture_output=True, timeout=60)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        stop_process_group(self.proc)

    def log_tail(self):
        return (tail(os.path.join(self.dir, "ejabberd.out")) + tail(self.log)
                + tail(os.path.join(self.logs, "error.log")))


class Jabberd2(Server):
    name = "jabberd2"
    package = "jabberd2"
    storage = "SQLite (storage and authreg), with indexes on status and logout"
    notes = ("router + sm + c2s; authreg stores plain-text passwords and offers PLAIN "
             "and DIGEST-MD5 only; Debian's SQLite schema plus the two indexes an operator adds")
    SCHEMA = "/usr/share/doc/jabberd2/db-setup.sqlite.gz"
    SBIN = "/usr/sbin"
    LIBDIR = "/usr/lib/x86_64-linux-gnu/jabberd2"

    def prepare(self):
        import gzip
        self.procs = {}
        self.db = os.path.join(self.dir, "jabberd2.db")
        self.router_port = self.base_port
        secret = "bench-secret"
        cert = os.path.join(self.dir, DOMAIN + ".pem")
        shutil.copyfile(self.cert, cert)
        with gzip.open(self.SCHEMA, "rt") as f:
            schema = f.read()
        with sqlite3.connect(self.db) as db:
            db.executescript(schema)
            # Every login reads and writes these by owner; Debian's schema
            # has no index on them (the issue's ≈300 vs ≈650 logins/s).
            db.execute('CREATE INDEX IF NOT EXISTS i_status_owner ON "status"("collection-owner")')
            db.execute('CREATE INDEX IF NOT EXISTS i_logout_owner ON "logout"("collection-owner")')
        log = lambda name: ("<log type='file'><ident>jabberd/{0}</ident><file>{1}/{0}.log</file></log>"
                            .format(name, self.dir))
        router_link = ("<router><ip>127.0.0.1</ip><port>{port}</port><user>jabberd</user>"
                       "<pass>{secret}</pass><retry><init>10</init><lost>3</lost><sleep>1</sleep></retry>"
                       "</router>").format(port=self.router_port, secret=secret)
        sqlite_block = ("<sqlite><dbname>{db}</dbname><sql>PRAGMA synchronous = NORMAL;</sql>"
                        "<busy-timeout>2000</busy-timeout>{extra}</sqlite>")
        files = {
            "router-users.xml": "<users><user><name>jabberd</name><secret>%s</secret></user></users>" % secret,
            "router-filter.xml": "<filter></filter>",
            "router.xml": """<router><id>router</id><pidfile>{dir}/router.pid</pidfile>{log}
                <local><ip>127.0.0.1</ip><port>{port}</port><users>{dir}/router-users.xml</users>
                <secret>{secret}</secret></local>
                <check><interval>60</interval><keepalive>0</keepalive></check>
                <io><max_fds>65536</max_fds><limits><bytes>0</bytes><connects>0</connects></limits>
                <access><order>allow,deny</order></access></io>
                <aliases/><aci><acl type='all'><user>jabberd</user></acl>
                <filter>{dir}/router-filter.xml</filter></aci></router>""".format(
                dir=self.dir, log=log("router"), port=self.router_port, secret=secret),
            "sm.xml": self._sm_config(log("sm"), router_link, sqlite_block.format(db=self.db, extra="")),
            "c2s.xml": """<c2s><id>c2s</id><pidfile>{dir}/c2s.pid</pidfile>{router}{log}
                <local><id {require}pemfile='{cert}'>{domain}</id>
                <ip>127.0.0.1</ip><port>{port}</port></local>
                <io><max_fds>65536</max_fds>
                <limits><bytes>0</bytes><stanzas>0</stanzas><connects>0</connects>
                <stanzasize>262144</stanzasize></limits>
                <access><order>allow,deny</order></access>
                <check><interval>0</interval><idle>0</idle><keepalive>0</keepalive></check></io>
                <authreg><path>{lib}</path><module>sqlite</module>
                <mechanisms><traditional><plain/></traditional><sasl><plain/></sasl></mechanisms>
                <ssl-mechanisms><traditional><plain/></traditional><sasl><plain/></sasl></ssl-mechanisms>
                {sqlite}</authreg></c2s>""".format(
                dir=self.dir, router=router_link, log=log("c2s"), cert=cert, domain=DOMAIN, port=self.port,
                lib=self.LIBDIR, require="require-starttls='mu' " if self.encrypted else "",
                sqlite=sqlite_block.format(db=self.db, extra="<password_type><plaintext/></password_type>")),
        }
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write("<?xml version='1.0'?>\n" + text + "\n")

    def _sm_config(self, log, router_link, sqlite_block):
        # Debian's sm.xml chains, as shipped.
        chains = {
            "sess-start": "status", "sess-end": "status iq-last",
            "in-sess": "validate status privacy roster vacation iq-vcard iq-ping iq-private disco amp "
                       "offline announce presence deliver",
            "out-sess": "",
            "in-router": "session validate presence privacy", "out-router": "privacy",
            "pkt-sm": "iq-last iq-ping iq-time iq-version amp disco announce help echo status presence",
            "pkt-user": "roster presence disco iq-vcard amp deliver vacation offline iq-last",
            "pkt-router": "session disco",
            "user-load": "active roster roster-publish privacy vacation", "user-unload": "",
            "user-create": "active template-roster",
            "user-delete": "active announce offline privacy roster vacation status iq-last iq-private iq-vcard",
            "disco-extend": "iq-version help",
        }
        chain_xml = "".join("<chain id='%s'>%s</chain>" % (c, "".join("<module>%s</module>" % m for m in ms.split()))
                            for c, ms in chains.items())
        return """<sm><id>sm</id><pidfile>{dir}/sm.pid</pidfile>{router}{log}
            <local><id>{domain}</id></local>
            <storage><path>{lib}</path><driver>sqlite</driver><limits/>{sqlite}</storage>
            <aci><acl type='all'><jid>admin@{domain}</jid></acl></aci>
            <modules><path>{lib}</path>{chains}</modules>
            <discovery><identity><category>server</category><type>im</type><name>jabberd2</name></identity>
            <agents/><items/></discovery>
            <user><auto-create/></user></sm>""".format(
            domain=DOMAIN, dir=self.dir, router=router_link, log=log, lib=self.LIBDIR, sqlite=sqlite_block,
            chains=chain_xml)

    def add_users(self, count, password):
        # jabberd2's authreg table, as its sqlite module reads it, and the
        # sm's `active` row that its user-create chain writes: created at the
        # first login instead (<auto-create/>), some of a login storm's
        # first sessions fail with internal-server-error.
        now = int(time.time())
        with sqlite3.connect(self.db) as db:
            db.executemany('INSERT INTO "authreg" ("username", "realm", "password") VALUES (?, ?, ?)',
                           [("user%d" % i, DOMAIN, password) for i in range(count)])
            db.executemany('INSERT INTO "active" ("collection-owner", "time") VALUES (?, ?)',
                           [("user%d@%s" % (i, DOMAIN), now) for i in range(count)])

    def start(self):
        for name in ("router", "sm", "c2s"):
            out = open(os.path.join(self.dir, name + ".out"), "wb")
            self.procs[name] = subprocess.Popen(
                [os.path.join(self.SBIN, "jabberd2-" + name), "-c", os.path.join(self.dir, name + ".xml")],
                cwd=self.dir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            out.close()
            if name == "router":
                wait_listening(self.router_port, self.procs[name], 20, "jabberd2 router",
                               os.path.join(self.dir, "router.log"))
            time.sleep(0.5)  # sm binds its domain at the router before c2s takes clients
        wait_listening(self.port, self.procs["c2s"], 20, "jabberd2 c2s", os.path.join(self.dir, "c2s.log"))

    def pids(self):
        return [p.pid for p in self.procs.values() if p.poll() is None]

    def stop(self):
        for name in ("c2s", "sm", "router"):
            stop_process_group(self.procs.get(name))

    def log_tail(self):
        return "\n".join("-- %s\n%s" % (n, tail(os.path.join(self.dir, n + ".log"))) for n in self.procs)
