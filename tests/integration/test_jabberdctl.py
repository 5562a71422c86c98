"""jabberdctl against a running suite's database: accounts it creates, one
by one or from a list, can log in, passwords it sets take effect, a bad list
writes nothing, and deleting an account leaves no row of it anywhere."""

import asyncio
import os
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


# ---- user add-many --------------------------------------------------------

def write_accounts(suite, name, text):
    """An account list in the suite's directory, where suite.ctl runs: the
    relative `name` is what jabberdctl's messages start with."""
    with open(os.path.join(suite.dir, name), "w", newline="") as f:
        f.write(text)
    return name


def authreg_rows(suite):
    return db_rows(suite, 'SELECT "username", "realm", "scram-sha1-salt", "scram-sha256-salt",'
                          ' "scram-sha256-stored-key" FROM "authreg" ORDER BY "username"')


async def refused(suite, jid, password):
    try:
        await Client(suite, jid, password).login(timeout=5)
    except AssertionError:
        return True
    return False


def test_add_many_creates_accounts_that_log_in(suite):
    path = write_accounts(suite, "accounts.txt", "\n".join([
        "# students of the first year",
        "amy@localhost amy-pw",
        "",
        "   ",
        "Ben@LocalHost\tben-pw",            # normalised: ben@localhost
        "cleo@localhost  two words ",       # the password is 'two words '
        "dora@localhost dora-pw\r",         # CRLF line
        "  # an indented comment",
        "emil@localhost emil-pw",           # the last line has no newline
    ]))
    done = suite.ctl("user", "add-many", path)
    assert done.stdout.strip().splitlines()[-1] == "created 5, skipped 0 (already exist)"
    assert done.stderr == ""
    assert suite.ctl("user", "list", "localhost").stdout.split() == [
        "amy", "ben", "cleo", "dora", "emil"]

    async def body():
        for jid, password in [("amy@localhost", "amy-pw"), ("ben@localhost", "ben-pw"),
                              ("cleo@localhost", "two words "), ("dora@localhost", "dora-pw"),
                              ("emil@localhost", "emil-pw")]:
            c = await login(suite, jid + "/r", password)
            await c.close()
        # Spaces are part of the password, a trailing CR is not.
        assert await refused(suite, "cleo@localhost/r", "two words")
        assert await refused(suite, "dora@localhost/r", "dora-pw\r")

    run(body())


def test_add_many_skips_existing_accounts_and_keeps_their_password(suite):
    suite.add_user("fred", "fred-old-pw")
    before = [r for r in authreg_rows(suite) if r[0] == "fred"]
    path = write_accounts(suite, "more.txt", "fred@localhost fred-new-pw\ngwen@localhost gwen-pw\n")
    done = suite.ctl("user", "add-many", path)
    assert done.returncode == 0
    assert "more.txt:1: fred@localhost exists already, skipped" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "created 1, skipped 1 (already exist)"
    assert [r for r in authreg_rows(suite) if r[0] == "fred"] == before

    # The same input again: nothing left to create.
    again = suite.ctl("user", "add-many", path)
    assert again.stdout.strip().splitlines()[-1] == "created 0, skipped 2 (already exist)"

    async def body():
        f = await login(suite, "fred@localhost/r", "fred-old-pw")
        await f.close()
        assert await refused(suite, "fred@localhost/r", "fred-new-pw")
        g = await login(suite, "gwen@localhost/r", "gwen-pw")
        await g.close()

    run(body())


def test_add_many_reports_every_bad_line_and_writes_nothing(suite):
    suite.add_user("hank", "hank-pw")
    before = authreg_rows(suite)
    path = write_accounts(suite, "bad.txt", "\n".join([
        "ivy@localhost ivy-pw",
        "not a jid ivy-pw",
        "jack@localhost",
        "kate@localhost " + "k" * 5000,
        "liam@localhost/phone liam-pw",
        "IVY@localhost other-pw",
        "@localhost secret-pw",
        "mia@localhost mia-pw",
    ]) + "\n")
    bad = suite.ctl("user", "add-many", path, check=False)
    assert bad.returncode != 0
    lines = bad.stderr.splitlines()
    assert lines[0].startswith("bad.txt:2: bad JID: ")
    assert lines[1] == "bad.txt:3: jack@localhost: no password after the JID"
    assert lines[2] == "bad.txt:4: line longer than 4096 bytes"
    assert lines[3].startswith("bad.txt:5: bad JID: ")
    assert lines[4] == "bad.txt:6: ivy@localhost is on line 1 already"
    assert lines[5].startswith("bad.txt:7: bad JID: ")
    assert lines[6] == "jabberdctl: bad.txt: 6 bad line(s); no account was created"
    assert len(lines) == 7
    # No password is ever echoed.
    assert "secret-pw" not in bad.stderr and "kkkk" not in bad.stderr
    assert bad.stdout == ""
    # ivy and mia were fine, but nothing at all was written.
    assert authreg_rows(suite) == before


def test_add_many_from_standard_input(suite):
    proc = subprocess.run(
        [suite.build_dir + "/tools/jabberdctl/jabberdctl", "-c", suite.config_path("sm-1"),
         "user", "add-many", "-"],
        input="nina@localhost nina-pw\nomar@localhost omar-pw\nnina@localhost again\n",
        capture_output=True, text=True)
    assert proc.returncode != 0
    assert "stdin:3: nina@localhost is on line 1 already" in proc.stderr
    assert suite.ctl("user", "list", "localhost").stdout.split() == []

    proc = subprocess.run(
        [suite.build_dir + "/tools/jabberdctl/jabberdctl", "-c", suite.config_path("sm-1"),
         "user", "add-many", "-"],
        input="nina@localhost nina-pw\nomar@localhost omar-pw\n",
        capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "created 2, skipped 0 (already exist)"

    async def body():
        for jid, password in [("nina@localhost", "nina-pw"), ("omar@localhost", "omar-pw")]:
            c = await login(suite, jid + "/r", password)
            await c.close()

    run(body())
