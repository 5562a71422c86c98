"""PostgreSQL restarted under live traffic: while it is down, clients get
errors rather than hangs and online chat goes on; once it is back, the
daemons reconnect by themselves and every offline message stored before
the outage is delivered.

The test stops the server that JNG_TEST_PGSQL names, so nothing else may use
it meanwhile: it runs in a ctest entry of its own (integration_pgsql_outage),
and is skipped elsewhere."""

import asyncio
import os
import shlex
import subprocess
import time

import pytest
from slixmpp.xmlstream import ET

from xmpp import Client, error_condition, is_message, login, run

CTL = os.environ.get("JNG_TEST_PGSQL_CTL")

pytestmark = pytest.mark.skipif(
    not CTL or os.environ.get("JNG_PGSQL_OUTAGE") != "1",
    reason="stops the PostgreSQL server: runs only as ctest's integration_pgsql_outage "
           "(JNG_PGSQL_OUTAGE=1 with JNG_TEST_PGSQL_CTL from tools/test)")


def server(action):
    subprocess.run(shlex.split(CTL) + [action], check=True, capture_output=True, timeout=60)


async def login_once_storage_is_back(suite, jid, password, deadline):
    """c2s reconnects to the database on its own backoff, apart from the
    sm's: a login in that window gets temporary-auth-failure (RFC 6120
    §6.5.9), and a client tries again later. Any other failure fails."""
    while True:
        client = Client(suite, jid, password)
        try:
            return await client.login()
        except AssertionError:
            temporary = any(f["condition"] == "temporary-auth-failure" for f in client.auth_failures)
            client.drop()
            if not temporary or time.monotonic() > deadline:
                raise
        await asyncio.sleep(1)


async def vcard_get(client, timeout=15):
    """A read the sm cannot answer from memory (the roster it can)."""
    iq = client.Iq()
    iq["type"] = "get"
    iq.append(ET.Element("{vcard-temp}vCard"))
    return await client.query(iq, timeout=timeout)


def test_restart_under_traffic(suites):
    suite = suites.make(storage="pgsql")
    for name in ("alice", "bob", "carol", "dave"):
        suite.add_user(name, "pw")

    async def body():
        alice = await login(suite, "alice@localhost/phone", "pw")
        bob = await login(suite, "bob@localhost/desk", "pw")
        # Stored before the outage, for carol who is offline.
        for n in range(5):
            alice.make_message(mto="carol@localhost", mbody="before %d" % n, mtype="chat").send()
        await alice.none_received(is_message(type="error"), seconds=0.5)

        server("stop")
        try:
            # Reading storage fails with an error, in bounded time.
            started = time.monotonic()
            answer = await vcard_get(bob)
            assert answer["type"] == "error", answer
            assert error_condition(answer) in ("internal-server-error", "resource-constraint")
            assert time.monotonic() - started < 15

            # A message that cannot be stored comes back as an error: it is
            # not acknowledged, so the sender knows it was not kept.
            alice.make_message(mto="carol@localhost", mbody="during", mtype="chat").send()
            bounced = await alice.received(is_message(type="error"), timeout=15)
            assert error_condition(bounced) in ("internal-server-error", "resource-constraint")

            # Chat between online users needs no storage and goes on.
            alice.make_message(mto="bob@localhost/desk", mbody="still here", mtype="chat").send()
            await bob.received(is_message(body="still here"))

            # A login cannot check the password: a temporary failure, not a hang.
            dave = Client(suite, "dave@localhost/pc", "pw")
            dave.start()
            await asyncio.wait_for(dave.failed.wait(), 20)
            assert not dave.online.is_set()
            assert any(f["condition"] == "temporary-auth-failure" for f in dave.auth_failures), \
                [str(f) for f in dave.auth_failures]
            dave.drop()
        finally:
            server("start")

        # The daemons come back by themselves (reconnect with backoff).
        deadline = time.monotonic() + 60
        while True:
            answer = await vcard_get(bob)
            if answer["type"] == "result":
                break
            assert time.monotonic() < deadline, "storage did not come back: %s" % answer
            await asyncio.sleep(1)

        # Nothing acknowledged was lost: carol gets the five messages, once.
        carol = await login_once_storage_is_back(suite, "carol@localhost/tablet", "pw", deadline)
        for n in range(5):
            await carol.received(is_message(body="before %d" % n))
        await carol.none_received(is_message(body="during"), seconds=0.5)
        got = [st for st in carol.seen if st.name == "message" and st["body"].startswith("before")]
        assert len(got) == 5
        # And new logins work again.
        dave = await login_once_storage_is_back(suite, "dave@localhost/pc", "pw", deadline)
        for c in (alice, bob, carol, dave):
            await c.close()

    run(body(), timeout=240)
