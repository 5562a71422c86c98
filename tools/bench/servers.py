"""The four servers of the side-by-side benchmark, each run as processes
this module starts from configs it writes into a directory of its own:
jabberd-ng from the build tree, Prosody, ejabberd and jabberd2 from Debian's
packages. Never the system services: those stay as they are.

Every server gets the same things: one domain (localhost), one self-signed
certificate (RSA-2048, or ECDSA P-256 when asked for), STARTTLS required
on one loopback port, SQLite storage where it has it, warnings-only
logging, SCRAM keys with 4096 iterations where the server stores SCRAM
keys and lets that be set, and no per-connection traffic shaping
(jabberd-ng and jabberd2 ship without one; Prosody's and ejabberd's
shipped shapers, 10 kB/s and 3 kB/s per connection, would measure the
shaper, not the server).

With tls="none" every server is set up as the reference figures in
docs/benchmarks.md were measured: no TLS, SASL PLAIN without it,
passwords in plain text where the server can keep them so. jabberd-ng
stores SCRAM keys only and never takes PLAIN in the clear, so it is
measured with SCRAM-SHA-256.

Accounts are made with each server's own tool: jabberdctl for jabberd-ng,
the peers' own for them (peers.py). What every server shares, the Server
interface and the process helpers, is in server_base.py. Standard library
only."""

import os
import shutil
import subprocess
import sys

from peers import Ejabberd, Jabberd2, Prosody
from server_base import (DOMAIN, ROOT, SCRAM_ITERATIONS, TLS_MODES, Server, ServerMissing, comm_of,
                         open_files_limit, wait_listening)

sys.path.insert(0, os.path.join(ROOT, "tools"))
import jng_instance  # noqa: E402

# What side_by_side.py, capacity.py and the tests reach through this module.
__all__ = ["DOMAIN", "SCRAM_ITERATIONS", "SERVERS", "TLS_MODES", "JabberdNg", "ServerMissing", "comm_of",
           "jng_instance", "open_files_limit", "wait_listening"]


class JabberdNg(Server):
    name = "jabberd-ng"
    mechanisms = ("PLAIN", "SCRAM-SHA-256")
    storage = "SQLite (WAL)"
    notes = "router + sm + c2s; SCRAM keys stored, PLAIN checks them with one PBKDF2 per login"

    def __init__(self, directory, base_port, cert, build_dir, c2s_processes=1, tls="starttls"):
        super().__init__(directory, base_port, cert, tls)
        self.build_dir = build_dir
        if not self.encrypted:
            # c2s never offers PLAIN in the clear.
            self.mechanisms = ("SCRAM-SHA-256",)
            self.notes = "router + sm + c2s; SCRAM keys stored; STARTTLS offered, not required, not used"
        # Several c2s share the client port (SO_REUSEPORT): the kernel
        # spreads connections over them, as in a deployment scaled by c2s.
        self.c2s_ids = tuple("c2s-%d" % (i + 1) for i in range(c2s_processes))
        if c2s_processes > 1:
            self.notes = self.notes.replace("router + sm + c2s",
                                            "router + sm + %d c2s on one port" % c2s_processes)
        self.inst = jng_instance.Instance(os.path.join(directory, "jng"), build_dir, base_port=base_port,
                                          log_level="warning")
        self.port = self.inst.c2s_port

    def version(self):
        out = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip() or "?"

    def check_installed(self):
        if not os.path.exists(jng_instance.binary_path(self.build_dir, "c2s")):
            raise ServerMissing("no build in %s" % self.build_dir)

    def prepare(self):
        os.makedirs(os.path.dirname(self.inst.cert), exist_ok=True)
        shutil.copyfile(self.cert, self.inst.cert)  # the shared certificate, not one of its own
        os.chmod(self.inst.cert, 0o600)
        self.inst.write_configs(c2s_ids=self.c2s_ids, edit=self._edit)

    def _edit(self, name, tree):
        if name.startswith("c2s") and not self.encrypted:
            tree.getroot().find("tls").set("required", "false")

    def add_users(self, count, password):
        # What an operator runs to provision many accounts.
        accounts = os.path.join(self.dir, "accounts.txt")
        with open(accounts, "w") as f:
            for i in range(count):
                f.write("user%d@%s %s\n" % (i, DOMAIN, password))
        self.inst.ctl("--iterations", str(SCRAM_ITERATIONS), "user", "add-many", accounts)

    def start(self):
        self.inst.start_all(c2s_ids=self.c2s_ids)

    def pids(self):
        return [p.pid for p in self.inst.procs.values() if p.poll() is None]

    def stop(self):
        self.inst.stop_all()

    def log_tail(self):
        return "\n".join("-- %s\n%s" % (n, self.inst.tail(n)) for n in self.inst.procs)


SERVERS = {"jabberd-ng": JabberdNg, "prosody": Prosody, "ejabberd": Ejabberd, "jabberd2": Jabberd2}
