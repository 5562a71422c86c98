"""Starts a local jabberd-ng (router, resolver, sm, muc, s2s, c2s) and keeps it
running until Ctrl-C. Called by tools/run after the build."""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jng_instance import Instance, DaemonFailed  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True)
    ap.add_argument("--dir", default=os.path.join(os.getcwd(), "run"),
                    help="configs, database, certificates and logs (default ./run)")
    ap.add_argument("--base-port", type=int, default=None,
                    help="router on N, c2s on N+1 (STARTTLS) and N+2 (TLS), "
                         "s2s on N+8 and N+9; default: 5347, 5222, 5223, 5269, 5270")
    ap.add_argument("--domain", default="localhost")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    inst = Instance(args.dir, args.build, base_port=args.base_port, domains=[args.domain],
                    log_level=args.log_level)
    inst.write_configs()
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for name in ("router", "resolver", "sm-1", "muc", "s2s", "c2s-1"):
            inst.start(name)
            print("started %-7s pid %-7d log %s" % (name, inst.procs[name].pid, inst.log_path(name)))
    except DaemonFailed as e:
        print(e, file=sys.stderr)
        inst.stop_all()
        return 1

    ctl = "%s/tools/jabberdctl/jabberdctl -c %s" % (args.build, inst.config_path("sm-1"))
    print("""
jabberd-ng is running for %(domain)s
  clients:     %(addr)s:%(c2s)d (STARTTLS), %(addr)s:%(tls)d (direct TLS)
  servers:     %(addr)s:%(s2s)d (STARTTLS), %(addr)s:%(s2stls)d (direct TLS)
  components:  %(addr)s:%(router)d
  group chat:  %(muc)s
  configs:     %(dir)s/etc    database: %(db)s
  certificate: %(cert)s (self-signed: accept it in your client)

Create an account (or register from the client, in-band registration is on):
  %(ctl)s user add alice@%(domain)s
Then log in as alice@%(domain)s with any XMPP client, e.g.
  go-sendxmpp, Gajim, Dino, Conversations (server %(addr)s, port %(c2s)d).

Ctrl-C stops everything.""" % dict(
        domain=args.domain, addr=inst.address, c2s=inst.c2s_port, tls=inst.c2s_tls_port,
        s2s=inst.s2s_port, s2stls=inst.s2s_tls_port,
        router=inst.router_port, muc=inst.muc_service(), dir=inst.dir, db=inst.database, cert=inst.cert, ctl=ctl))

    while not stopping:
        for name, proc in inst.procs.items():
            if proc.poll() is not None:
                print("%s exited with status %s; its log:\n%s"
                      % (name, proc.returncode, inst.tail(name)), file=sys.stderr)
                stopping = True
                break
        time.sleep(0.5)
    print("\nstopping...")
    inst.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
