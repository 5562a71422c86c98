"""jabberdctl against a running suite's database: accounts it creates can
log in, passwords it sets take effect, and deleting an account leaves no
row of it anywhere."""

import asyncio
import sqlite3
import subprocess
import time

from xmpp import Client, login, run


def owner_keyed_tables(suite):
    db = sqlite3.connect("file:%s?mode=ro" % suite.database, uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [t for t in tables
                if any(c[1] == "collection-owner" for c in db.execute('PRAGMA table_info("%s")' % t))]
    finally:
        db.close()


def rows_of(suite, owner, username, realm):
    """Every row that names the account, in every table."""
    db = sqlite3.connect("file:%s?mode=ro" % suite.database, uri=True)
    try:
        counts = {t: db.execute('SELECT COUNT(*) FROM "%s" WHERE "collection-owner" = ?' % t,
                                (owner,)).fetchone()[0]
                  for t in owner_keyed_tables(suite)}
        counts["authreg"] = db.execute(
            'SELECT COUNT(*) FROM "authreg" WHERE "username" = ? AND "realm" = ?',
            (username, realm)).fetchone()[0]
        return {t: n for t, n in counts.items() if n}
    finally:
        db.close()


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
    status = suite.ctl("db", "status").stdout
    assert "sqlite schema version" in status and "up to date" in status
    assert "up to date" in suite.ctl("db", "migrate").stdout
