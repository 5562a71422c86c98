"""jabberdctl against a running suite's database: accounts it creates can
log in, passwords it sets take effect, and deleting an account leaves no
row of it anywhere."""

import asyncio
import subprocess
import time

from xmpp import Client, collection_owner_tables, db_rows, login, run, stored_rows


def rows_of(suite, owner, username, realm):
    """Every row that names the account, in every table."""
    counts = {t: stored_rows(suite, t, owner) for t in collection_owner_tables(suite)}
    counts["authreg"] = db_rows(
        suite, 'SELECT COUNT(*) FROM "authreg" WHERE "username" = ? AND "realm" = ?',
        (username, realm))[0][0]
    return {t: n for t, n in counts.items() if n}


def test_add_list_passwd(suite):
    out = suite.ctl("user", "add", "carol@localhost", "first-pw").stdout
    assert "created carol@localhost" in out
    again = suite.ctl("user", "add", "carol@localhost", "x", check=False)
    assert again.returncode != 0 and "exists already" in again.stderr
    bad = suite.ctl("user", "add", "not a jid@localhost", "x", check=False)
    assert bad.returncode != 0
    suite.ctl("user", "add", "dave@localhost", "dave-pw")
    listed = suite.ctl("user", "list", "localhost").stdout.split()
    assert sorted(listed) == ["carol", "dave"]

    async def body():
        c = await login(suite, "carol@localhost/r", "first-pw")
        await c.close()
        assert "password of carol@localhost changed" in suite.ctl(
            "user", "passwd", "carol@localhost", "second-pw").stdout
        old = Client(suite, "carol@localhost/r", "first-pw")
        refused = False
        try:
            await old.login(timeout=5)
        except AssertionError:
            refused = True
        assert refused, "the old password still works"
        c = await login(suite, "carol@localhost/r", "second-pw")
        await c.close()

    run(body())


def test_password_from_standard_input(suite):
    proc = subprocess.run(
        [suite.build_dir + "/tools/jabberdctl/jabberdctl", "-c", suite.config_path("sm-1"),
         "user", "add", "erin@localhost"],
        input="stdin-pw\n", capture_output=True, text=True, check=True)
    assert "created erin@localhost" in proc.stdout

    async def body():
        e = await login(suite, "erin@localhost/r", "stdin-pw")
        await e.close()

    run(body())


def test_delete_removes_every_row_of_the_account(suite):
    suite.add_user("frank", "frank-pw")
    suite.add_user("gina", "gina-pw")

    async def body():
        f = await login(suite, "frank@localhost/r", "frank-pw")
        g = await login(suite, "gina@localhost/r", "gina-pw")
        # Roster rows on both sides, then an offline message for frank.
        f.send_presence(pto="gina@localhost", ptype="subscribe")
        await g.expect(lambda s: s.name == "presence" and s["type"] == "subscribe")
        g.send_presence(pto="frank@localhost", ptype="subscribed")
        await f.expect(lambda s: s.name == "presence" and s["type"] == "subscribed")
        await f.close()
        g.send_message(mto="frank@localhost", mbody="for later", mtype="chat")
        # The offline store writes on its own thread: wait for the row.
        deadline = time.monotonic() + 5
        while not rows_of(suite, "frank@localhost", "frank", "localhost").get("queue"):
            assert time.monotonic() < deadline, "the message was never stored"
            await asyncio.sleep(0.05)
        await g.close()

    run(body())
    before = rows_of(suite, "frank@localhost", "frank", "localhost")
    assert before.get("roster-items") and before.get("queue") and before.get("authreg")

    out = suite.ctl("user", "delete", "frank@localhost").stdout
    assert "deleted frank@localhost" in out
    assert rows_of(suite, "frank@localhost", "frank", "localhost") == {}
    # Only frank went: gina keeps her account and her roster item for him.
    assert rows_of(suite, "gina@localhost", "gina", "localhost").get("authreg") == 1
    missing = suite.ctl("user", "delete", "frank@localhost", check=False)
    assert missing.returncode != 0 and "no account" in missing.stderr


def test_db_status_and_migrate(suite):
    # The daemons open the database lazily: it may not be migrated yet.
    status = suite.ctl("db", "status").stdout
    assert suite.storage + " schema version" in status
    assert "up to date" in suite.ctl("db", "migrate").stdout
    assert "up to date" in suite.ctl("db", "status").stdout
    # Migrating an up-to-date schema is a no-op.
    assert "up to date" in suite.ctl("db", "migrate").stdout
