"""Third-party XEP-0114 components at the router: slixmpp's own
ComponentXMPP attaches with its secret from router-users.xml, talks with
clients, and is refused or cut off when it gets the protocol wrong - while
the router keeps routing for everyone else."""

import re
import secrets
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from xmpp import Component, RawComponent, login, run

BOT = "bot.localhost"
# A second component, driven by hand for what slixmpp never sends.
RAW, RAW_SECRET = "raw.localhost", secrets.token_hex(16)
# A component the router lets send route envelopes, as it lets c2s and sm.
ENV, ENV_SECRET = "env.localhost", secrets.token_hex(16)


@pytest.fixture
def bot_secret():
    return secrets.token_hex(16)


@pytest.fixture
def server(suites, bot_secret):
    def edit(name, tree):
        if name == "router-users":
            ET.SubElement(tree.getroot(), "component", name=BOT, secret=bot_secret)
            ET.SubElement(tree.getroot(), "component", name=RAW, secret=RAW_SECRET)
            env = ET.SubElement(tree.getroot(), "component", name=ENV, secret=ENV_SECRET)
            ET.SubElement(env, "envelopes")
        elif name == "router":
            tree.getroot().find("limits").set("handshake-timeout", "1")
    s = suites.make(edit=edit)
    s.add_user("alice", "alice-pw")
    s.add_user("bob", "bob-pw")
    return s


def error_of(stanza):
    """(type, condition) of a stanza's <error/>. Read from the XML: slixmpp's
    component looks for <error/> in jabber:client only, while on a
    component stream it is (rightly) in jabber:component:accept."""
    for child in stanza.xml:
        if child.tag.endswith("}error"):
            for cond in child:
                if cond.tag.startswith("{urn:ietf:params:xml:ns:xmpp-stanzas}") \
                        and not cond.tag.endswith("}text"):
                    return child.get("type"), cond.tag.split("}")[1]
    return None


def is_message(body):
    return lambda st: st.name == "message" and st["body"] == body


async def attached(server, secret):
    bot = Component(server, BOT, secret)
    assert await bot.attach(), "the router refused %s: %s" % (BOT, bot.stream_errors)
    return bot


async def assert_routing(server, bot, body="routing works"):
    """A client and the component still reach each other both ways."""
    bob = await login(server, "bob@localhost/check", "bob-pw")
    bob.send_message(mto=BOT, mbody=body)
    got = await bot.expect(is_message(body))
    assert got["from"] == "bob@localhost/check"
    bot.send_message(mto="bob@localhost/check", mfrom=BOT, mbody=body + " (reply)")
    await bob.expect(is_message(body + " (reply)"))
    await bob.close()


def test_component_talks_with_clients(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        alice = await login(server, "alice@localhost/phone", "alice-pw")

        alice.send_message(mto=BOT, mbody="hello bot", mtype="chat")
        got = await bot.expect(is_message("hello bot"))
        assert got["from"] == "alice@localhost/phone"
        assert got["to"] == BOT

        bot.send_message(mto="alice@localhost/phone", mfrom=BOT, mbody="hello human", mtype="chat")
        reply = await alice.expect(is_message("hello human"))
        assert reply["from"] == BOT

        # Any JID at the component's domain is the component's (XEP-0114).
        alice.send_message(mto="echo@%s/room" % BOT, mbody="to a user of the bot")
        got = await bot.expect(is_message("to a user of the bot"))
        assert got["to"] == "echo@%s/room" % BOT
        bot.send_message(mto="alice@localhost", mfrom="echo@%s/room" % BOT, mbody="from a user of the bot")
        reply = await alice.expect(is_message("from a user of the bot"))
        assert reply["from"] == "echo@%s/room" % BOT

        await alice.close()
        await bot.close()
    run(body())
    assert "component %s connected" % BOT in server.log_text("router")


def test_iq_to_the_component_and_its_result(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        bot["xep_0030"].add_identity(category="component", itype="generic", name="Test bot",
                                     jid=BOT)
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        info = await alice["xep_0030"].get_info(jid=BOT, timeout=10)
        assert info["type"] == "result"
        assert info["from"] == BOT
        assert ("component", "generic", None, "Test bot") in info["disco_info"]["identities"]

        # And the other way: the component asks the client.
        iq = bot.make_iq_get(ito="alice@localhost/phone", ifrom=BOT)
        iq.enable("ping")
        result = await iq.send(timeout=10)
        assert result["type"] == "result"
        assert result["from"] == "alice@localhost/phone"
        await alice.close()
        await bot.close()
    run(body())


def test_wrong_secret_is_not_authorized(server, bot_secret):
    async def body():
        bot = Component(server, BOT, "not-" + bot_secret)
        assert not await bot.attach()
        assert [e["condition"] for e in bot.stream_errors] == ["not-authorized"]
        # The right secret still works afterwards.
        good = await attached(server, bot_secret)
        await assert_routing(server, good)
        await good.close()
    run(body())
    log = server.log_text("router")
    assert "%s (" % BOT in log and "stream error not-authorized: wrong secret" in log


def test_unknown_component_name_is_not_authorized(server, bot_secret):
    raw = RawComponent(server)
    answer = raw.handshake("stranger.localhost", bot_secret)
    assert "<not-authorized" in answer
    assert raw.error_and_close() == "not-authorized"
    raw.close()
    assert "unknown component name" in server.log_text("router")


def test_forged_from_is_invalid_from_and_others_keep_talking(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        raw = RawComponent(server)
        answer = raw.handshake(RAW, RAW_SECRET)
        assert "<handshake" in answer, answer
        raw.send("<message from='someoneelse.localhost' to='alice@localhost/phone'>"
                 "<body>forged</body></message>")
        assert raw.error_and_close() == "invalid-from"
        raw.close()
        await alice.quiet(is_message("forged"), seconds=0.5)
        await assert_routing(server, bot)
        await alice.close()
        await bot.close()
    run(body())
    assert "'someoneelse.localhost' is not a name of %s" % RAW in server.log_text("router")


async def expect_extension(client, body, ns, value, inner):
    """The message with `body` arrives with <x a=`value`><y>`inner`</y></x> in `ns`."""
    got = await client.expect(is_message(body))
    x = got.xml.find("{%s}x" % ns)
    assert x is not None, ET.tostring(got.xml)
    assert x.get("{%s}a" % ns) == value
    assert x.find("{%s}y" % ns).text == inner


def test_payloads_keep_their_namespaces_whoever_declared_the_prefix(server):
    """The router relays an element as it came when every prefix in it is
    declared inside it, and writes it out afresh when it uses one of its
    stream header's: the client gets the same payload either way."""
    async def body():
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        raw = RawComponent(server)
        answer = raw.handshake(RAW, RAW_SECRET, declare="xmlns:h='urn:example:header'")
        assert "<handshake" in answer, answer
        raw.send("<message from='%s' to='alice@localhost/phone'><body>own</body>"
                 "<o:x xmlns:o='urn:example:own' o:a='1'><o:y>one</o:y></o:x></message>" % RAW)
        raw.send("<message from='%s' to='alice@localhost/phone'><body>header</body>"
                 "<h:x h:a='2'><h:y>two</h:y></h:x></message>" % RAW)
        await expect_extension(alice, "own", "urn:example:own", "1", "one")
        await expect_extension(alice, "header", "urn:example:header", "2", "two")
        raw.close()
        await alice.close()
    run(body())


def test_forged_local_user_is_invalid_from(server, bot_secret):
    # A component posing as a local user: the domain is the sm's.
    async def body():
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        raw = RawComponent(server)
        assert "<handshake" in raw.handshake(RAW, RAW_SECRET)
        raw.send("<message from='bob@localhost/desk' to='alice@localhost/phone'>"
                 "<body>i am bob</body></message>")
        assert raw.error_and_close() == "invalid-from"
        raw.close()
        await alice.quiet(is_message("i am bob"), seconds=0.5)
        await alice.close()
    run(body())


def test_message_to_a_domain_nobody_serves_bounces(server, bot_secret):
    async def body():
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        alice.send_message(mto="someone@nowhere.example", mbody="anyone?", mtype="chat")
        err = await alice.expect(lambda st: st.name == "message" and st["type"] == "error")
        assert err["from"] == "someone@nowhere.example"
        assert err["error"]["condition"] == "remote-server-not-found"
        assert err["error"]["type"] == "cancel"
        # RFC 6120 §8.3.1: the original payload comes back with the error.
        assert err["body"] == "anyone?"

        iq = alice.make_iq_get(ito="nowhere.example")
        iq.enable("ping")
        with pytest.raises(IqError) as answer:
            await iq.send(timeout=10)
        assert answer.value.iq["error"]["condition"] == "remote-server-not-found"
        assert answer.value.iq["from"] == "nowhere.example"
        await alice.close()
    run(body())


def test_component_to_a_domain_nobody_serves_bounces(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        bot.send_message(mto="x@nowhere.example", mfrom=BOT, mbody="lost")
        err = await bot.expect(lambda st: st.name == "message" and st["type"] == "error")
        assert error_of(err) == ("cancel", "remote-server-not-found")
        assert err["from"] == "x@nowhere.example" and err["to"] == BOT
        assert err["body"] == "lost"

        # RFC 6120 §8.3.3.8: a malformed address bounces with jid-malformed.
        bot.send_message(mto="@bad", mfrom=BOT, mbody="malformed")
        err = await bot.expect(lambda st: st.name == "message" and st["type"] == "error")
        assert error_of(err) == ("modify", "jid-malformed")
        assert err["body"] == "malformed"
        await bot.close()
    run(body())


def test_second_component_with_the_same_name_is_a_conflict(server, bot_secret):
    async def body():
        first = await attached(server, bot_secret)
        second = Component(server, BOT, bot_secret)
        assert not await second.attach()
        assert [e["condition"] for e in second.stream_errors] == ["conflict"]
        raw = RawComponent(server)
        assert "<conflict" in raw.handshake(BOT, bot_secret)
        assert raw.error_and_close() == "conflict"
        raw.close()
        # The first one keeps its name and its traffic.
        await assert_routing(server, first)
        await first.close()
    run(body())
    assert "a component with this name is already connected" in server.log_text("router")


def test_component_reconnects_after_a_disconnect(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        await bot.close()
        again = await attached(server, bot_secret)
        await assert_routing(server, again)
        await again.close()
    run(body())


EXT = "urn:jabberd-ng:component:1"


def test_component_cannot_start_sessions_for_local_users(server, bot_secret):
    # Route envelopes carry client sessions between c2s and sm: a third-party
    # component that could send them would speak (and read) as any local user.
    async def body():
        bob = await login(server, "bob@localhost/desk", "bob-pw")
        raw = RawComponent(server)
        assert "<handshake" in raw.handshake(RAW, RAW_SECRET)
        raw.send("<route xmlns='%s' from='%s' to='localhost' user='alice@localhost' session='s1'>"
                 "<session xmlns='%s' action='start' jid='alice@localhost/stolen'/></route>"
                 % (EXT, RAW, EXT))
        raw.send("<route xmlns='%s' from='%s' to='localhost' user='alice@localhost' session='s1'>"
                 "<message xmlns='jabber:client' to='bob@localhost/desk' type='chat'>"
                 "<body>impostor</body></message></route>" % (EXT, RAW))
        assert raw.error_and_close() == "policy-violation"
        raw.close()
        await bob.quiet(is_message("impostor"), seconds=1)
        await bob.close()
    run(body())
    assert "alice@localhost/stolen" not in server.log_text("sm-1")


def test_an_envelope_nobody_takes_comes_back_with_its_payload(server):
    # The router reads only the head of what it relays; an envelope it
    # returns is read again whole from the bytes it came as.
    raw = RawComponent(server)
    assert "<handshake" in raw.handshake(ENV, ENV_SECRET)
    raw.buf = b""
    raw.send("<route xmlns='%s' from='%s' to='nobody.localhost' session='s1'>"
             "<message xmlns='jabber:client' to='x@nobody.localhost' type='chat'>"
             "<body>back to me</body><x xmlns='urn:example'><y a='1'/></x></message></route>"
             % (EXT, ENV))
    text = raw.read_until("</route>")
    raw.close()
    route = ET.fromstring(text[text.index("<route"):])
    assert route.tag == "{%s}route" % EXT
    assert route.get("type") == "error" and route.get("condition") == "item-not-found"
    assert route.get("session") == "s1"
    message = route.find("{jabber:client}message")
    assert message is not None and message.get("to") == "x@nobody.localhost"
    assert message.findtext("{jabber:client}body") == "back to me"
    assert message.find("{urn:example}x/{urn:example}y").get("a") == "1"


def test_what_an_envelope_carries_reaches_the_client_whole(server):
    """c2s writes a payload out to the client as the envelope carried it when
    it stands on its own, and reads it whole first when it leans on a prefix
    declared on the envelope."""
    async def body():
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        bound = re.search(r"client (\S+) \(\S+\) bound alice@localhost/phone on",
                          server.log_text("c2s-1"))
        assert bound, "no session id in the c2s log"
        raw = RawComponent(server)
        assert "<handshake" in raw.handshake(ENV, ENV_SECRET)
        raw.send("<route xmlns='%s' from='%s' to='c2s-1' session='%s'>"
                 "<message xmlns='jabber:client' from='x@%s' to='alice@localhost/phone'>"
                 "<body>as carried</body><o:x xmlns:o='urn:example:own' o:a='1'>"
                 "<o:y>one &amp; &lt;</o:y></o:x></message></route>"
                 % (EXT, ENV, bound.group(1), ENV))
        raw.send("<route xmlns='%s' xmlns:e='urn:example:envelope' from='%s' to='c2s-1' "
                 "session='%s'><message xmlns='jabber:client' from='x@%s' "
                 "to='alice@localhost/phone'><body>read again</body>"
                 "<e:x e:a='2'><e:y>two</e:y></e:x></message></route>"
                 % (EXT, ENV, bound.group(1), ENV))
        await expect_extension(alice, "as carried", "urn:example:own", "1", "one & <")
        await expect_extension(alice, "read again", "urn:example:envelope", "2", "two")
        raw.close()
        await alice.close()
    run(body())


def test_stanzas_before_the_handshake_are_not_authorized(server):
    raw = RawComponent(server)
    raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
             "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>" % RAW)
    raw.read_header()
    raw.send("<message from='%s' to='alice@localhost'><body>early</body></message>" % RAW)
    assert raw.error_and_close() == "not-authorized"
    raw.close()


def test_a_silent_component_is_timed_out(server):
    # router.xml limits@handshake-timeout, 1 s in this suite.
    raw = RawComponent(server)
    raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
             "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>" % RAW)
    raw.read_header()
    assert raw.error_and_close(timeout=5) == "connection-timeout"
    raw.close()


def test_wrong_stream_namespace_is_invalid_namespace(server):
    raw = RawComponent(server)
    raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
             "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>" % RAW)
    assert raw.error_and_close() == "invalid-namespace"
    raw.close()


def test_presence_to_the_component_and_unavailable_at_logout(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        alice.send_presence(pto=BOT, pstatus="here")
        got = await bot.received(lambda st: st.name == "presence" and st["from"] == "alice@localhost/phone")
        assert got["status"] == "here"
        await alice.close()
        # RFC 6121 §4.6.3: who got directed presence learns the session ended.
        await bot.received(lambda st: st.name == "presence" and st["type"] == "unavailable"
                           and st["from"] == "alice@localhost/phone")
        await bot.close()
    run(body())


def test_component_message_to_an_offline_user_waits_for_her(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        bot.send_message(mto="alice@localhost", mfrom=BOT, mbody="while you were away", mtype="chat")
        # The sm takes the bot's stanzas in order: once this is answered,
        # the message is stored.
        await bot["xep_0030"].get_info(jid="localhost", ifrom=BOT, timeout=10)
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        msg = await alice.expect(is_message("while you were away"))
        assert msg["from"] == BOT
        delay = msg.xml.find("{urn:xmpp:delay}delay")  # XEP-0203: from the offline store
        assert delay is not None and delay.get("from") == "localhost", msg
        await alice.close()
        await bot.close()
    run(body())


def test_messages_to_a_component_that_left_bounce(server, bot_secret):
    async def body():
        bot = await attached(server, bot_secret)
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        await bot.close()
        alice.send_message(mto=BOT, mbody="are you there?", mtype="chat")
        err = await alice.expect(lambda st: st.name == "message" and st["type"] == "error")
        assert err["from"] == BOT
        assert err["error"]["condition"] == "remote-server-not-found"
        await alice.close()
    run(body())
