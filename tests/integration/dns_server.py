"""A real DNS server for the tests: Debian's unbound, run as an ordinary
process on a loopback port of the test's own, serving made-up zones (the
resolver tests' SRV records, the federation tests' servers). Named
dns_server, not dns, so that it never hides dnspython from slixmpp."""

import os
import socket
import struct
import subprocess
import time

from jng_instance import DaemonFailed

UNBOUND = "/usr/sbin/unbound"


def dns_query(name, qtype):
    """A DNS query message (RFC 1035 §4.1) for `name`."""
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return struct.pack(">HHHHHH", 0x4a4e, 0x0100, 1, 0, 0, 0) + labels + b"\0" + \
        struct.pack(">HH", qtype, 1)


class Unbound:
    """unbound in the foreground, unprivileged in all it does: a high port
    on a loopback address, its config, log and nothing else in `directory`,
    no control socket, no chroot, no user switch, no trust anchor.

    `records`: local-data lines ("name TTL IN TYPE data"); `zones`: (zone,
    type) pairs of local-zone, e.g. ("test.", "static"): names of a static
    zone without records do not exist (NXDOMAIN)."""

    def __init__(self, directory, port, records, zones=(("test.", "static"),),
                 address="127.0.0.1"):
        self.dir = directory
        self.port = port
        self.address = address
        self.probe = "probe." + zones[0][0] if zones else "probe.test."
        self.proc = None
        os.makedirs(directory, exist_ok=True)
        self.conf = os.path.join(directory, "unbound.conf")
        self.log = os.path.join(directory, "unbound.log")
        lines = [
            "server:",
            "  interface: %s" % address,
            "  port: %d" % port,
            "  do-ip6: no",
            "  do-daemonize: no",
            "  username: \"\"",
            "  chroot: \"\"",
            "  directory: \"%s\"" % directory,
            "  pidfile: \"\"",
            "  use-syslog: no",
            "  logfile: \"%s\"" % self.log,
            "  log-queries: yes",
            "  verbosity: 0",
            "  num-threads: 1",
            "  module-config: \"iterator\"",
            "  access-control: 127.0.0.0/8 allow",
        ] + ["  local-zone: \"%s\" %s" % z for z in zones] + \
            ["  local-data: \"%s\"" % r for r in records] + [
            "remote-control:",
            "  control-enable: no",
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    @property
    def server(self):
        """"address:port", as resolver.xml's <dns><server> takes it."""
        return "%s:%d" % (self.address, self.port)

    def start(self, timeout=10):
        self.proc = subprocess.Popen([UNBOUND, "-d", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise DaemonFailed("unbound exited: %s" % self.queries())
                s.sendto(dns_query(self.probe, 1), (self.address, self.port))
                try:
                    s.recv(512)
                    return self
                except socket.timeout:
                    continue
        self.stop()
        raise DaemonFailed("unbound did not answer within %ss" % timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def queries(self):
        """What unbound logged: one line per query it received."""
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""
