"""Helpers for the tests of the sm's per-user services (vCards, private XML,
last activity, the account itself): iq requests whose payload is written as
XML text, and waiting for what the sm writes on its storage thread."""

import asyncio
import time
import xml.etree.ElementTree as ET

from xmpp import db_rows, error_condition


async def request(client, type, payload, to=None, timeout=10):
    """Sends <iq type=`type` to=`to`>`payload`</iq> (payload: XML text) and
    returns the answer, result or error."""
    iq = client.Iq()
    iq["type"] = type
    if to is not None:
        iq["to"] = to
    iq.xml.append(ET.fromstring(payload))
    return await client.query(iq, timeout=timeout)


def child(stanza, ns, name):
    """The payload element {ns}name of an answer, or None."""
    return stanza.xml.find("{%s}%s" % (ns, name))


def error_text(stanza):
    """The <text/> of an error stanza ("" when it has none)."""
    text = stanza.xml.find("{%s}error/{urn:ietf:params:xml:ns:xmpp-stanzas}text" % stanza.namespace)
    return "" if text is None else (text.text or "")


def assert_error(stanza, condition):
    assert stanza["type"] == "error" and error_condition(stanza) == condition, str(stanza)


def sql(suite, statement, args=()):
    """Runs one statement on the suite's database (behind the sm's back, as
    damage or an operator would) and returns the rows."""
    return db_rows(suite, statement, args, write=True)


async def eventually(predicate, what, timeout=5):
    """Waits until predicate() is true: the sm answers before some of its
    writes (a logout time, a first activity) reach the database."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError("%s did not happen within %ss" % (what, timeout))
        await asyncio.sleep(0.05)


async def subscribe(watcher, watched):
    """`watcher` subscribes to the presence of `watched` (a Client that
    approves requests by itself): afterwards `watched` has a contact with a
    'from' subscription."""
    target = watched.boundjid.bare
    watcher.send_presence(pto=target, ptype="subscribe")
    await watcher.expect(lambda s: s.name == "presence" and s["type"] == "subscribed"
                         and s["from"].bare == target, what="subscribed from %s" % target)
