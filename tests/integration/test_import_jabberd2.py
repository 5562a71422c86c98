"""jabberdctl import-jabberd2 on a database built from jabberd2's own
published schema (tools/db-setup.sqlite and db-setup.pgsql, as Debian's
jabberd2 2.7 package ships them), filled here the way jabberd2 2.x wrote its
rows: the imported users log in with their old passwords and find their
roster, vCard, private XML, privacy list and offline messages; what cannot
be imported is named in the report; a user whose writing fails leaves no
row behind; and running the import again changes nothing.

Both source forms are tested: a SQLite file, and a PostgreSQL database
(JNG_TEST_PGSQL, which tools/test provides)."""

import fcntl
import glob
import gzip
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import pytest

from user_services import request
from xmpp import Client, collection_owner_tables, db_rows, login, roster_items, run, stored_rows

PGSQL_SERVER = os.environ.get("JNG_TEST_PGSQL")
SCHEMA_CACHE = os.path.join(tempfile.gettempdir(), "jng-jabberd2-schema")

COMPONENT = "http://jabberd.jabberstudio.org/ns/component/1.0"
SESSION = "http://jabberd.jabberstudio.org/ns/session/1.0"


# ---- jabberd2's schema ---------------------------------------------------------

def schema_dir():
    """A directory holding db-setup.sqlite and db-setup.pgsql: JNG_JABBERD2_SCHEMA,
    an installed jabberd2's docs, or the files of Debian's jabberd2 package,
    fetched once with `apt-get download` (no installation) and kept in the
    temp directory for later runs."""
    given = os.environ.get("JNG_JABBERD2_SCHEMA")
    if given:
        return given
    if glob.glob("/usr/share/doc/jabberd2/db-setup.sqlite*"):
        return "/usr/share/doc/jabberd2"
    os.makedirs(SCHEMA_CACHE, exist_ok=True)
    with open(SCHEMA_CACHE + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # test processes side by side fetch once
        if not os.path.exists(os.path.join(SCHEMA_CACHE, "db-setup.pgsql")):
            if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
                pytest.skip("jabberd2's schema: no apt-get to fetch Debian's jabberd2 package; "
                            "set JNG_JABBERD2_SCHEMA to a directory with db-setup.sqlite and "
                            "db-setup.pgsql")
            work = tempfile.mkdtemp(prefix="jng-jabberd2-deb-")
            try:
                fetched = subprocess.run(["apt-get", "download", "jabberd2"], cwd=work,
                                         capture_output=True, text=True)
                debs = glob.glob(os.path.join(work, "jabberd2_*.deb"))
                assert fetched.returncode == 0 and debs, (
                    "apt-get download jabberd2 failed (is `apt-get update` done?):\n"
                    + fetched.stderr)
                subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(work, "root")], check=True)
                docs = os.path.join(work, "root", "usr", "share", "doc", "jabberd2")
                for name in ("db-setup.sqlite", "db-setup.pgsql"):
                    plain, packed = os.path.join(docs, name), os.path.join(docs, name + ".gz")
                    text = gzip.open(packed, "rt").read() if os.path.exists(packed) else open(plain).read()
                    with open(os.path.join(SCHEMA_CACHE, name + ".tmp"), "w") as out:
                        out.write(text)
                    os.replace(os.path.join(SCHEMA_CACHE, name + ".tmp"),
                               os.path.join(SCHEMA_CACHE, name))
            finally:
                shutil.rmtree(work, ignore_errors=True)
    return SCHEMA_CACHE


def schema(kind):
    base = os.path.join(schema_dir(), "db-setup." + kind)
    if os.path.exists(base):
        return open(base).read()
    return gzip.open(base + ".gz", "rt").read()


# ---- the rows, as jabberd2 2.x wrote them ------------------------------------------

def nad(stanza):
    """A stanza as jabberd2's storage drivers kept a NAD: "NAD", then the
    router envelope the sm received it in, session attributes and all."""
    return ("NAD<route xmlns='%s' xmlns:sm='%s' to='sm' from='c2s'>%s</route>"
            % (COMPONENT, SESSION, stanza))


def queued_message(frm, body, stamp, type="chat"):
    return nad("<message xmlns='jabber:client' sm:c2s='17' from='%s' to='alice@localhost' "
               "type='%s'><body>%s</body><x xmlns='jabber:x:delay' stamp='%s' "
               "from='localhost'/></message>" % (frm, type, body, stamp))


BOOKMARKS = ("<storage xmlns='storage:bookmarks'><conference name='Tea' "
             "jid='tea@conference.localhost' autojoin='true'><nick>al</nick></conference>"
             "</storage>")

ROWS = [
    # authreg: clear-text passwords, as authreg_sqlite/pgsql keep them by default
    ("authreg", ("username", "realm", "password"), [
        ("alice", "localhost", "alice-pw"),
        ("bob", "localhost", "b\u00f6b pass"),      # SASLprep'd at import
        ("frank", "localhost", "frank-pw"),         # the destination refuses his private XML
        ("carol", "localhost", None),               # no clear-text password: skipped
        ("bad user", "localhost", "x"),             # not a JID: skipped
    ]),
    ("roster-items", ("collection-owner", "jid", "name", "to", "from", "ask"), [
        ("alice@localhost", "bob@localhost", "Bob", True, True, 0),
        ("alice@localhost", "dave@example.org", None, False, False, 1),
        ("alice@localhost", "not a jid@@", "Broken", True, True, 0),
        ("bob@localhost", "alice@localhost", "Alice", True, True, 0),
        ("frank@localhost", "alice@localhost", None, True, False, 0),
    ]),
    ("roster-groups", ("collection-owner", "jid", "group"), [
        ("alice@localhost", "bob@localhost", "Friends"),
        ("alice@localhost", "bob@localhost", "Work"),
        ("alice@localhost", "dave@example.org", "Remote"),
    ]),
    ("queue", ("collection-owner", "xml"), [
        ("alice@localhost", queued_message("bob@localhost/home", "hello from jabberd2",
                                           "20240102T03:04:05")),
        ("alice@localhost", queued_message("dave@example.org/x", "second", "20240102T03:05:00",
                                           type="normal")),
        ("alice@localhost", nad("<presence xmlns='jabber:client' type='subscribe' "
                                "from='erin@localhost' to='alice@localhost'/>")),
        ("alice@localhost", queued_message("news.localhost", "headline", "20240102T03:06:00",
                                           type="headline")),
        ("alice@localhost", "NAD<route><message from='bob@localhost'><body>cut short"),
        ("alice@localhost", queued_message("bob@localhost", "x" * (1100 * 1024),
                                           "20240102T03:07:00")),
        ("ghost@localhost", queued_message("bob@localhost", "to no one", "20240102T03:08:00")),
    ]),
    ("vcard", ("collection-owner", "fn", "nickname", "email", "n-given", "n-family"), [
        ("alice@localhost", "Alice Liddell", "al", "alice@mail.example", "Alice", "Liddell"),
    ]),
    ("private", ("collection-owner", "ns", "xml"), [
        ("alice@localhost", "storage:bookmarks",
         nad("<iq xmlns='jabber:client' type='set' id='p1'><query xmlns='jabber:iq:private'>%s"
             "</query></iq>" % BOOKMARKS)),
        ("frank@localhost", "storage:bookmarks",
         nad("<iq xmlns='jabber:client' type='set'><query xmlns='jabber:iq:private'>"
             "<storage xmlns='storage:bookmarks'/></query></iq>")),
    ]),
    ("privacy-items", ("collection-owner", "list", "type", "value", "deny", "order", "block"), [
        ("alice@localhost", "no-spam", "jid", "spam@localhost", True, 1, 0),
        ("alice@localhost", "no-spam", None, None, False, 2, 0),
    ]),
    ("privacy-default", ("collection-owner", "default"), [
        ("alice@localhost", "no-spam"),
    ]),
    ("logout", ("collection-owner", "time"), [
        ("alice@localhost", 1700000000),
    ]),
]


def fill(db, placeholder):
    cur = db.cursor()
    for table, columns, rows in ROWS:
        sql = 'INSERT INTO "%s" (%s) VALUES (%s)' % (
            table, ", ".join('"%s"' % c for c in columns), ", ".join([placeholder] * len(columns)))
        for r in rows:
            cur.execute(sql, r)
    db.commit()


@pytest.fixture(params=["sqlite", "pgsql"])
def jabberd2(request):
    """--from for a jabberd2 database made from the published schema and
    filled with ROWS: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        directory = tempfile.mkdtemp(prefix="jng-jd2-")
        path = os.path.join(directory, "jabberd2.db")
        db = sqlite3.connect(path)
        db.executescript(schema("sqlite"))
        fill(db, "?")
        db.close()
        yield path
        shutil.rmtree(directory, ignore_errors=True)
        return
    if not PGSQL_SERVER:
        pytest.skip("the PostgreSQL source needs a server: JNG_TEST_PGSQL is unset "
                    "(tools/test starts one with tests/pgsql_server.sh)")
    import psycopg2
    name = "jd2_" + secrets.token_hex(4)
    db = psycopg2.connect(PGSQL_SERVER)
    try:
        with db.cursor() as cur:
            cur.execute('CREATE SCHEMA "%s"' % name)
            cur.execute('SET search_path TO "%s"' % name)
            cur.execute(schema("pgsql"))
        fill(db, "%s")
        yield "%s options='-c search_path=%s'" % (PGSQL_SERVER, name)
    finally:
        db.rollback()
        with db.cursor() as cur:
            cur.execute('DROP SCHEMA IF EXISTS "%s" CASCADE' % name)
        db.commit()
        db.close()


# ---- the destination ------------------------------------------------------------------

def refuse_private_of(suite, owner):
    """A trigger on the destination that fails the write of `owner`'s private
    XML: the last write of that user's import, after the account and roster."""
    if suite.storage == "pgsql":
        import psycopg2
        db = psycopg2.connect(suite.pgsql_conninfo)
        with db, db.cursor() as cur:
            cur.execute("""
                CREATE FUNCTION refuse_private() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
                CREATE TRIGGER refuse_private BEFORE INSERT ON "private" FOR EACH ROW
                  WHEN (NEW."collection-owner" = '%s') EXECUTE FUNCTION refuse_private();
                """ % owner)
        db.close()
        return
    db = sqlite3.connect(suite.database)
    with db:
        db.execute("""CREATE TRIGGER refuse_private BEFORE INSERT ON "private"
                      WHEN NEW."collection-owner" = '%s'
                      BEGIN SELECT RAISE(ABORT, 'refused by the test'); END""" % owner)
    db.close()


def rows_of(suite, owner):
    counts = {t: stored_rows(suite, t, owner) for t in collection_owner_tables(suite)}
    user, realm = owner.split("@")
    counts["authreg"] = db_rows(
        suite, 'SELECT COUNT(*) FROM "authreg" WHERE "username" = ? AND "realm" = ?',
        (user, realm))[0][0]
    return {t: n for t, n in counts.items() if n}


def import_from(suite, source, *extra):
    return suite.ctl("import-jabberd2", "--from", source, *extra, check=False)


# ---- the tests ------------------------------------------------------------------------

def test_import_and_log_in(suites, jabberd2):
    suite = suites.make(start=False)
    suite.ctl("db", "migrate")  # the destination's schema, for the trigger
    refuse_private_of(suite, "frank@localhost")

    dry = import_from(suite, jabberd2, "--dry-run")
    assert dry.returncode == 3, dry.stdout + dry.stderr
    assert "would import alice@localhost" in dry.stdout
    assert rows_of(suite, "alice@localhost") == {}, "a dry run wrote something"

    done = import_from(suite, jabberd2)
    report = done.stdout
    assert done.returncode == 3, report + done.stderr
    assert ("imported alice@localhost: 2 roster items, 1 subscription request, "
            "2 offline messages, 1 privacy list (default 'no-spam'), a vCard, "
            "1 private XML element") in report, report
    assert "imported bob@localhost: 1 roster item" in report
    for expected in (
            "skipped account carol@localhost: no password",
            "skipped account 'bad user@localhost': not a valid JID",
            "skipped account frank@localhost: writing it failed, so none of it was written",
            "skipped roster item 'not a jid@@' of alice@localhost",
            "a headline message is not kept offline",
            "not well-formed XML",
            "more than 1048576",
            "skipped the rows of 'ghost@localhost', which has no account in authreg: "
            "1 row in \"queue\"",
            'not imported: "logout" (1 row)'):
        assert expected in report, "%r not in the report:\n%s" % (expected, report)
    assert "done: 2 accounts imported, 3 accounts skipped" in report

    # frank's import failed at its last write: nothing of him is left.
    assert rows_of(suite, "frank@localhost") == {}
    assert rows_of(suite, "carol@localhost") == {}
    before = rows_of(suite, "alice@localhost")
    assert before["queue"] == 2 and before["authreg"] == 1

    suite.start_all()

    async def body():
        # Subscription requests are the test's to answer, as a user would.
        alice = Client(suite, "alice@localhost/home", "alice-pw", auto_authorize=None)
        await alice.login()
        first = await alice.received(lambda s: s.name == "message" and s["body"] == "hello from jabberd2",
                                     what="the first offline message")
        delay = first.xml.find("{urn:xmpp:delay}delay")
        assert delay is not None and delay.get("stamp") == "2024-01-02T03:04:05Z"
        assert str(first["from"]) == "bob@localhost/home"
        await alice.received(lambda s: s.name == "message" and s["body"] == "second",
                             what="the second offline message")
        await alice.received(lambda s: s.name == "presence" and s["type"] == "subscribe"
                             and str(s["from"]) == "erin@localhost",
                             what="erin's pending subscription request")

        roster = await request(alice, "get", "<query xmlns='jabber:iq:roster'/>")
        items = {i["jid"]: i for i in roster_items(roster)}
        assert set(items) == {"bob@localhost", "dave@example.org"}, items  # erin is no contact yet
        assert items["bob@localhost"]["name"] == "Bob"
        assert items["bob@localhost"]["subscription"] == "both"
        assert sorted(items["bob@localhost"]["groups"]) == ["Friends", "Work"]
        assert items["dave@example.org"]["subscription"] == "none"
        assert items["dave@example.org"].get("ask") == "subscribe"
        assert items["dave@example.org"]["groups"] == ["Remote"]

        card = await request(alice, "get", "<vCard xmlns='vcard-temp'/>", to="alice@localhost")
        assert card["type"] == "result"
        v = card.xml.find("{vcard-temp}vCard")
        assert v.findtext("{vcard-temp}FN") == "Alice Liddell"
        assert v.findtext("{vcard-temp}NICKNAME") == "al"
        assert v.findtext("{vcard-temp}N/{vcard-temp}GIVEN") == "Alice"
        assert v.findtext("{vcard-temp}EMAIL/{vcard-temp}USERID") == "alice@mail.example"

        private = await request(alice, "get", "<query xmlns='jabber:iq:private'>"
                                "<storage xmlns='storage:bookmarks'/></query>")
        conf = private.xml.find("{jabber:iq:private}query/{storage:bookmarks}storage/"
                                "{storage:bookmarks}conference")
        assert conf is not None and conf.get("jid") == "tea@conference.localhost"
        assert conf.findtext("{storage:bookmarks}nick") == "al"

        lists = await request(alice, "get", "<query xmlns='jabber:iq:privacy'>"
                              "<list name='no-spam'/></query>")
        assert lists["type"] == "result", str(lists)
        got = lists.xml.find("{jabber:iq:privacy}query/{jabber:iq:privacy}list")
        rules = [(i.get("type"), i.get("value"), i.get("action"), i.get("order"))
                 for i in got.findall("{jabber:iq:privacy}item")]
        assert rules == [("jid", "spam@localhost", "deny", "1"), (None, None, "allow", "2")]
        default = await request(alice, "get", "<query xmlns='jabber:iq:privacy'/>")
        assert default.xml.find("{jabber:iq:privacy}query/{jabber:iq:privacy}default").get(
            "name") == "no-spam"

        # bob's non-ASCII password, over both SCRAM hashes (without channel
        # binding: a client that could bind and picks a plain SCRAM is a
        # downgrade the server refuses), and over PLAIN, which c2s checks
        # by deriving the stored keys from it.
        for mechanism in ("SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"):
            bob = await login(suite, "bob@localhost/m", "b\u00f6b pass", mechanism=mechanism,
                              channel_binding=False)
            roster = await request(bob, "get", "<query xmlns='jabber:iq:roster'/>")
            assert [i["jid"] for i in roster_items(roster)] == ["alice@localhost"]
            await bob.close()
        await alice.close()

        # Skipped accounts do not exist.
        carol = Client(suite, "carol@localhost/r", "anything")
        refused = False
        try:
            await carol.login(timeout=5)
        except AssertionError:
            refused = True
        assert refused

    run(body())

    # The messages were delivered and removed; running the import again
    # adds nothing to accounts that exist.
    again = import_from(suite, jabberd2)
    assert "skipped account alice@localhost: an account of that name exists already" in again.stdout
    assert "done: 0 accounts imported" in again.stdout
    assert rows_of(suite, "alice@localhost").get("queue") is None


def test_without_passwords(suites, jabberd2):
    suite = suites.make()
    done = import_from(suite, jabberd2, "--without-passwords", "--domain", "localhost")
    assert "imported carol@localhost" in done.stdout, done.stdout
    assert "no password: set one with `jabberdctl user passwd`" in done.stdout
    suite.ctl("user", "passwd", "carol@localhost", "new-pw")

    async def body():
        c = await login(suite, "carol@localhost/r", "new-pw")
        await c.close()
        refused = False
        try:
            await Client(suite, "alice@localhost/r", "alice-pw").login(timeout=5)
        except AssertionError:
            refused = True
        assert refused, "an account imported without a password accepted the old one"

    run(body())


def test_bad_sources(suite):
    missing = import_from(suite, os.path.join(suite.dir, "no-such.db"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    not_a_db = import_from(suite, suite.config_path("sm-1"))
    assert not_a_db.returncode == 1 and "not a SQLite database" in not_a_db.stderr
    empty = os.path.join(suite.dir, "empty.db")
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
    no_authreg = import_from(suite, empty)
    assert no_authreg.returncode == 1 and "not a jabberd2 database" in no_authreg.stderr
    usage = suite.ctl("import-jabberd2", check=False)
    assert usage.returncode == 1 and "--from" in usage.stderr
