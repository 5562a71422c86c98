"""Logging in, as slixmpp does it against the real c2s and sm: in-band
registration (XEP-0077), SASL over STARTTLS and direct TLS (RFC 6120 §6,
XEP-0368) with each mechanism we offer, channel binding, failures, resource
binding (RFC 6120 §7) and what a second login with the same resource does
under each `sessions@conflict` policy."""

import asyncio
import base64
import ssl
import xml.etree.ElementTree as ET

from xmpp import NS_STANZAS, Client, Raw, error_condition, is_message, login, run

NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_REGISTER = "jabber:iq:register"


def features_with(client, ns):
    """The stream features the client was offered that contain `ns`."""
    return [st for st in client.seen
            if st.name == "features" and st.xml.find("{%s}*" % ns) is not None]


def offered_mechanisms(client):
    [features] = features_with(client, NS_SASL)
    return [m.text for m in features.xml.iter("{%s}mechanism" % NS_SASL)]


async def greet(sender, recipient, body):
    """`sender` writes to `recipient`'s full JID; `recipient` must get it."""
    mark = recipient.mark()
    sender.send_message(mto=recipient.boundjid.full, mbody=body, mtype="chat")
    msg = await recipient.received(is_message(frm=sender.boundjid.full, body=body), since=mark)
    assert msg["to"] == recipient.boundjid


# ---- in-band registration (XEP-0077) -------------------------------------------------------


def test_register_then_login(suite):
    async def body():
        # A new user registers before authenticating, then logs in with the
        # new account on the same stream.
        newbie = Client(suite, "newbie@localhost/laptop", "s3cret", register=True)
        await newbie.login()
        form = newbie.registration_form.xml.find("{%s}query" % NS_REGISTER)
        assert form.find("{%s}username" % NS_REGISTER) is not None
        assert form.find("{%s}password" % NS_REGISTER) is not None
        assert newbie.registration["type"] == "result"
        assert newbie.boundjid.full == "newbie@localhost/laptop"
        await newbie.close()

        # The account is real: a plain login (no registration) works.
        again = await login(suite, "newbie@localhost/desk", "s3cret")
        assert again.boundjid.full == "newbie@localhost/desk"
        await again.close()

    run(body())


def test_register_existing_name_conflicts(suite):
    suite.add_user("alice", "original")

    async def body():
        # Someone tries to register alice's name: conflict (XEP-0077 §3.1).
        squatter = Client(suite, "alice@localhost/x", "stolen", register=True)
        try:
            await squatter.login()
        except AssertionError:
            pass
        else:
            raise AssertionError("registering a taken name logged in")
        answer = squatter.registration
        assert answer["type"] == "error"
        assert error_condition(answer) == "conflict"
        assert answer.xml.find("{jabber:client}error").get("type") == "cancel"
        await squatter.close()

        # Alice's password did not change.
        alice = await login(suite, "alice@localhost/home", "original")
        assert alice.boundjid.full == "alice@localhost/home"
        await alice.close()

    run(body())


# ---- SASL mechanisms -----------------------------------------------------------------------


def test_features_before_and_after_tls(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/home", "pw")
        # Before STARTTLS: only TLS, required; no SASL in the clear.
        first = alice.seen[0]
        assert first.name == "features"
        starttls = first.xml.find("{urn:ietf:params:xml:ns:xmpp-tls}starttls")
        assert starttls is not None
        assert starttls.find("{urn:ietf:params:xml:ns:xmpp-tls}required") is not None
        assert first.xml.find("{%s}mechanisms" % NS_SASL) is None
        # Over TLS: every SCRAM variant, PLUS first, and PLAIN.
        assert offered_mechanisms(alice) == ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
                                             "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]
        # After authentication: bind, and RFC 6121 §3.4 pre-approval.
        bind = features_with(alice, "urn:ietf:params:xml:ns:xmpp-bind")
        assert len(bind) == 1
        assert bind[0].xml.find("{urn:xmpp:features:pre-approval}sub") is not None
        await alice.close()

    run(body())


def test_scram_sha256_over_starttls(suite):
    suite.add_user("alice", "pw")

    async def body():
        # A client without channel-binding support (GS2 flag 'n').
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256",
                            channel_binding=False)
        assert alice.mechanism == "SCRAM-SHA-256"
        assert alice.socket.version() in ("TLSv1.2", "TLSv1.3")
        assert alice.boundjid.full == "alice@localhost/home"
        await alice.close()

    run(body())


def test_scram_sha256_over_direct_tls(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256",
                            channel_binding=False, direct_tls=True)
        assert alice.mechanism == "SCRAM-SHA-256"
        assert alice.transport.get_extra_info("peername")[1] == suite.c2s_tls_port
        # TLS from the first byte: no STARTTLS was offered.
        assert not features_with(alice, "urn:ietf:params:xml:ns:xmpp-tls")
        assert "SCRAM-SHA-256-PLUS" in offered_mechanisms(alice)
        await alice.close()

    run(body())


def test_scram_sha1(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-1",
                            channel_binding=False)
        assert alice.mechanism == "SCRAM-SHA-1"
        assert alice.boundjid.full == "alice@localhost/home"
        await alice.close()

    run(body())


def test_scram_sha1_plus(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-1-PLUS")
        assert alice.mechanism == "SCRAM-SHA-1-PLUS"
        await alice.close()

    run(body())


def test_scram_sha256_plus_tls12(suite):
    suite.add_user("alice", "pw")

    async def body():
        # tls-unique, as RFC 5929 defines it for TLS 1.2.
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256-PLUS",
                            tls_max=ssl.TLSVersion.TLSv1_2)
        assert alice.socket.version() == "TLSv1.2"
        assert alice.mechanism == "SCRAM-SHA-256-PLUS"
        await alice.close()

    run(body())


def test_scram_sha256_plus_tls13(suite):
    suite.add_user("alice", "pw")

    async def body():
        # slixmpp sends tls-unique on TLS 1.3 too; c2s accepts it there
        # (sasl@tls-unique-on-tls13, docs/security.md).
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256-PLUS")
        assert alice.socket.version() == "TLSv1.3"
        assert alice.mechanism == "SCRAM-SHA-256-PLUS"
        await alice.close()

    run(body())


def test_scram_plus_over_direct_tls(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256-PLUS",
                            direct_tls=True)
        assert alice.mechanism == "SCRAM-SHA-256-PLUS"
        await alice.close()

    run(body())


def test_scram_plus_with_wrong_binding_fails(suite):
    suite.add_user("alice", "pw")

    async def body():
        # A man in the middle has a TLS connection of its own: its binding
        # data differs from the server's, and the proof must not verify.
        alice = Client(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256-PLUS")
        mech = alice["feature_mechanisms"]
        default = mech._default_credentials

        def other_channel(required, optional):
            creds = default(required, optional)
            creds["channel_binding"] = b"\x00" * 12
            return creds

        mech.sasl_callback = other_channel
        try:
            await alice.login()
        except AssertionError:
            pass
        else:
            raise AssertionError("logged in with another connection's channel binding")
        assert [f["condition"] for f in alice.auth_failures] == ["not-authorized"]
        await alice.close()

    run(body())


def test_scram_downgrade_is_detected(suite):
    suite.add_user("alice", "pw")

    async def body():
        # The client supports channel binding but saw no -PLUS offered (GS2
        # flag 'y'): the offer was stripped on the way, RFC 5802 §6.
        alice = Client(suite, "alice@localhost/home", "pw", mechanism="SCRAM-SHA-256")
        try:
            await alice.login()
        except AssertionError:
            pass
        else:
            raise AssertionError("a downgraded SCRAM exchange succeeded")
        assert [f["condition"] for f in alice.auth_failures] == ["not-authorized"]
        await alice.close()

    run(body())


def test_plain_over_tls(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/home", "pw", mechanism="PLAIN")
        assert alice.mechanism == "PLAIN"
        assert alice.boundjid.full == "alice@localhost/home"
        await alice.close()

    run(body())


def test_plain_is_refused_before_tls(suite):
    suite.add_user("alice", "pw")
    raw = Raw(suite)
    try:
        raw.open_stream()
        token = base64.b64encode(b"\0alice\0pw").decode()
        raw.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, token))
        reply = raw.read_until("</failure>")
        assert "<encryption-required" in reply
        assert "<success" not in reply
    finally:
        raw.close()


def test_wrong_password_then_right_one(suite):
    suite.add_user("alice", "pw")

    async def body():
        intruder = Client(suite, "alice@localhost/home", "guess", mechanism="SCRAM-SHA-256-PLUS")
        try:
            await intruder.login()
        except AssertionError:
            pass
        else:
            raise AssertionError("logged in with a wrong password")
        # RFC 6120 §6.5.10: not-authorized, nothing more telling.
        [failure] = intruder.auth_failures
        assert failure["condition"] == "not-authorized"
        assert failure.xml.find("{%s}text" % NS_SASL) is None
        await intruder.close()

        # A wrong PLAIN password is refused the same way.
        plain = Client(suite, "alice@localhost/home", "guess", mechanism="PLAIN")
        try:
            await plain.login()
        except AssertionError:
            pass
        assert [f["condition"] for f in plain.auth_failures] == ["not-authorized"]
        await plain.close()

        # The account is untouched.
        alice = await login(suite, "alice@localhost/home", "pw")
        assert alice.boundjid.full == "alice@localhost/home"
        await alice.close()

    run(body())


def test_unknown_user_looks_like_wrong_password(suite):
    async def body():
        ghost = Client(suite, "ghost@localhost/home", "pw", mechanism="SCRAM-SHA-256-PLUS")
        try:
            await ghost.login()
        except AssertionError:
            pass
        else:
            raise AssertionError("logged in without an account")
        assert [f["condition"] for f in ghost.auth_failures] == ["not-authorized"]
        await ghost.close()

    run(body())


# ---- resource binding ------------------------------------------------------------------------


def test_server_generated_resource(suite):
    suite.add_user("alice", "pw")

    async def body():
        # RFC 6120 §7.6: no resource asked for, the server makes one up,
        # different for each session.
        first = await login(suite, "alice@localhost", "pw")
        second = await login(suite, "alice@localhost", "pw")
        for c in (first, second):
            assert c.boundjid.bare == "alice@localhost"
            assert c.boundjid.resource
        assert first.boundjid.resource != second.boundjid.resource
        await greet(second, first, "both of us are here")
        await first.close()
        await second.close()

    run(body())


def test_resource_conflict_replaces_old_session(suite):
    suite.add_user("alice", "pw")
    suite.add_user("bob", "pw")

    async def body():
        old = await login(suite, "alice@localhost/home", "pw")
        bob = await login(suite, "bob@localhost/desk", "pw")
        # The default policy (sessions@conflict='replace'): the new login
        # takes the resource, the old stream ends with <conflict/>
        # (RFC 6120 §7.7.2.2).
        new = await login(suite, "alice@localhost/home", "pw")
        assert new.boundjid.full == "alice@localhost/home"
        await asyncio.wait_for(old.gone.wait(), 10)
        assert [e["condition"] for e in old.stream_errors] == ["conflict"]
        # What is sent to alice/home now reaches the new session.
        await greet(bob, new, "are you the new one?")
        assert not [st for st in old.seen if st.name == "message"]
        await new.close()
        await bob.close()

    run(body())


def conflict_policy(policy):
    def edit(name, tree):
        if name.startswith("sm-"):
            tree.getroot().find("sessions").set("conflict", policy)
    return edit


def test_resource_conflict_refused(suites):
    suite = suites.make(edit=conflict_policy("refuse"))
    suite.add_user("alice", "pw")
    suite.add_user("bob", "pw")

    async def body():
        first = await login(suite, "alice@localhost/home", "pw")
        # A second stream asks for the same resource: its bind fails with
        # conflict (RFC 6120 §7.7.2.2) and the first session carries on.
        raw = Raw(suite)
        try:
            raw.starttls()
            raw.open_stream()
            token = base64.b64encode(b"\0alice\0pw").decode()
            raw.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, token))
            raw.read_until("<success")
            raw.buf = b""
            raw.open_stream()
            raw.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<resource>home</resource></bind></iq>")
            reply = raw.read_until("</iq>")
            iq = ET.fromstring(reply[reply.index("<iq"):reply.index("</iq>") + len("</iq>")])
            assert iq.get("type") == "error"
            assert iq.get("id") == "b1"
            assert iq.find("error/{%s}conflict" % NS_STANZAS) is not None
            assert iq.find(".//jid") is None
        finally:
            raw.close()
        assert not first.stream_errors
        bob = await login(suite, "bob@localhost/desk", "pw")
        await greet(bob, first, "still there?")
        await first.close()
        await bob.close()

    run(body())


def test_resource_conflict_renamed(suites):
    suite = suites.make(edit=conflict_policy("rename"))
    suite.add_user("alice", "pw")
    suite.add_user("bob", "pw")

    async def body():
        first = await login(suite, "alice@localhost/home", "pw")
        # The second login gets a resource of the server's choosing; both
        # sessions live on.
        second = await login(suite, "alice@localhost/home", "pw")
        assert first.boundjid.full == "alice@localhost/home"
        assert second.boundjid.bare == "alice@localhost"
        assert second.boundjid.resource.startswith("home")
        assert second.boundjid.resource != "home"
        bob = await login(suite, "bob@localhost/desk", "pw")
        await greet(bob, first, "to the first")
        await greet(bob, second, "to the second")
        assert not first.stream_errors and not second.stream_errors
        for c in (first, second, bob):
            await c.close()

    run(body())
