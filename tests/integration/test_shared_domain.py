"""Several session managers serving one domain (docs/deployment.md): the
router places each user on one sm by a consistent hash of the bare JID,
users on different sms talk through the router, and when an sm joins, the
users it takes over are sent to it."""

import bisect

from xmpp import Client, login, run


def ring_hash(data):
    """FNV-1a 64 with the fmix64 finalizer, as common/hash_ring.cpp: computed
    here independently so the test checks the placement, not just itself."""
    mask = (1 << 64) - 1
    h = 0xCBF29CE484222325
    for b in data.encode():
        h ^= b
        h = (h * 0x100000001B3) & mask
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & mask
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & mask
    h ^= h >> 33
    return h


def owner(members, key):
    points = sorted((ring_hash("%s#%d" % (m, p)), m) for m in members for p in range(128))
    i = bisect.bisect_left(points, (ring_hash(key), ""))
    return points[i % len(points)][1]


def users_on(members, want, count=2):
    """`count` user names placed on sm `want` among `members`."""
    names = []
    i = 0
    while len(names) < count:
        name = "user%d" % i
        if owner(members, name + "@localhost") == want:
            names.append(name)
        i += 1
    return names


def started_on(suite, sm, jid):
    return ("session" in suite.log_text(sm)) and ("started for %s" % jid) in suite.log_text(sm)


def test_users_are_placed_by_the_ring_and_talk_across_session_managers(suites):
    suite = suites.make(sm_ids=("sm-1", "sm-2"))
    members = ["sm-1", "sm-2"]
    a_name = users_on(members, "sm-1", 1)[0]
    b_name = users_on(members, "sm-2", 1)[0]
    for n in (a_name, b_name):
        suite.add_user(n, "pw-" + n)

    async def body():
        a = await login(suite, "%s@localhost/r" % a_name, "pw-" + a_name)
        b = await login(suite, "%s@localhost/r" % b_name, "pw-" + b_name)
        assert started_on(suite, "sm-1", "%s@localhost/r" % a_name)
        assert started_on(suite, "sm-2", "%s@localhost/r" % b_name)
        assert not started_on(suite, "sm-2", "%s@localhost/r" % a_name)

        # A message and a subscription cross from sm-1 to sm-2 and back.
        a.send_message(mto="%s@localhost" % b_name, mbody="across", mtype="chat")
        m = await b.expect(lambda s: s.name == "message" and s["body"] == "across")
        assert str(m["from"]) == "%s@localhost/r" % a_name
        a.send_presence(pto="%s@localhost" % b_name, ptype="subscribe")
        await b.expect(lambda s: s.name == "presence" and s["type"] == "subscribe")
        b.send_presence(pto="%s@localhost" % a_name, ptype="subscribed")
        await a.expect(lambda s: s.name == "presence" and s["type"] == "subscribed")
        # Now subscribed, a sees b's presence, broadcast from the other sm.
        b.send_presence(pstatus="here")
        p = await a.expect(lambda s: s.name == "presence" and s["status"] == "here")
        assert str(p["from"]) == "%s@localhost/r" % b_name
        await a.close()
        await b.close()

    run(body())


def test_a_joining_session_manager_takes_over_its_users(suites):
    suite = suites.make(sm_ids=("sm-1", "sm-2", "sm-3"), start=False)
    suite.start("router")
    suite.start("sm-1")
    suite.start("sm-2")
    suite.start("c2s-1")
    before, after = ["sm-1", "sm-2"], ["sm-1", "sm-2", "sm-3"]
    # One user who moves to sm-3 when it joins, one who stays where he is.
    moving = next(n for n in ("user%d" % i for i in range(1000))
                  if owner(after, n + "@localhost") == "sm-3")
    staying = next(n for n in ("user%d" % i for i in range(1000))
                   if owner(after, n + "@localhost") == owner(before, n + "@localhost"))
    for n in (moving, staying):
        suite.add_user(n, "pw-" + n)

    async def body():
        mover = await login(suite, "%s@localhost/r" % moving, "pw-" + moving)
        stayer = await login(suite, "%s@localhost/r" % staying, "pw-" + staying)
        suite.start("sm-3")
        # The session on the old owner ends with <reset/>: the client is told
        # to reconnect.
        await mover.failed.wait()
        assert any(e["condition"] == "reset" for e in mover.stream_errors)
        # The other user's session is untouched: he still gets messages.
        mover_again = await login(suite, "%s@localhost/r2" % moving, "pw-" + moving)
        mover_again.send_message(mto="%s@localhost/r" % staying, mbody="still here?", mtype="chat")
        await stayer.expect(lambda s: s.name == "message" and s["body"] == "still here?")
        assert not stayer.failed.is_set()
        again = mover_again
        assert started_on(suite, "sm-3", "%s@localhost/r2" % moving)
        stayer.send_message(mto="%s@localhost/r2" % moving, mbody="found you", mtype="chat")
        await again.expect(lambda s: s.name == "message" and s["body"] == "found you")
        await again.close()
        await stayer.close()

    run(body())
