"""Helpers for the multi-user chat tests (test_muc_*.py): a suite with the
muc daemon, slixmpp clients with the XEP-0045 and XEP-0249 plugins, and
predicates on what rooms send."""

import asyncio

from slixmpp.exceptions import PresenceError
from slixmpp.xmlstream import ET

from xmpp import TIMEOUT, Client, error_condition

NS_MUC = "http://jabber.org/protocol/muc"
NS_USER = NS_MUC + "#user"
NS_ADMIN = NS_MUC + "#admin"
NS_OWNER = NS_MUC + "#owner"
NS_DATA = "jabber:x:data"
NS_DELAY = "urn:xmpp:delay"
NS_CONFERENCE = "jabber:x:conference"
ROOMCONFIG = NS_MUC + "#roomconfig"

USERS = ("alice", "bob", "carol", "dave")


def muc_suite(suites, limits=None, rooms=None, defaults=None, admins=(), users=USERS,
              log_level="debug", domains=("localhost",)):
    """A running suite (router, sm, c2s) with the muc daemon, muc.xml made
    from etc/muc.xml with `limits`, `rooms` and `defaults` attributes
    changed, and `users` (password NAME-pw) created on the first domain.
    The muc serves conference.DOMAIN for each of `domains`."""
    def edit(name, tree):
        if name != "muc":
            return
        root = tree.getroot()
        for path, attrs in (("limits", limits), ("rooms", rooms), ("defaults", defaults)):
            for key, value in (attrs or {}).items():
                root.find(path).set(key, str(value))
        box = root.find("admins")
        for jid in admins:
            ET.SubElement(box, "jid").text = jid
    suite = suites.make(edit=edit, log_level=log_level, domains=domains)
    for user in users:
        suite.add_user(user, user + "-pw")
    suite.start("muc")
    return suite


def room_jid(suite, name):
    return "%s@%s" % (name, suite.muc_service())


class MucClient(Client):
    """A client that speaks MUC through slixmpp's own plugins."""

    def __init__(self, suite, jid, password, **kw):
        super().__init__(suite, jid, password, **kw)
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0045")
        self.register_plugin("xep_0082")
        self.register_plugin("xep_0203")
        self.register_plugin("xep_0249")

    @property
    def muc(self):
        return self["xep_0045"]

    async def enter(self, room, nick, **kw):
        """Joins with slixmpp's join_muc_wait: (self-presence, subject,
        occupants, history); raises PresenceError when refused."""
        return await self.muc.join_muc_wait(room, nick, timeout=TIMEOUT, **kw)

    async def refused(self, room, nick, **kw):
        """Joins and expects an error; returns its condition."""
        try:
            await self.enter(room, nick, **kw)
        except PresenceError as e:
            return error_condition(e.presence)
        raise AssertionError("%s entered %s as %s" % (self.boundjid, room, nick))

    def raw_iq(self, to, type_, payload):
        iq = self.Iq()
        iq["type"] = type_
        iq["to"] = to
        iq.append(ET.fromstring(payload))
        return iq

    async def request(self, to, type_, payload):
        """An iq with a payload given as XML text; the answer (result or
        error)."""
        return await self.query(self.raw_iq(to, type_, payload))

    async def configure(self, room, **fields):
        """Submits a muc#roomconfig form with `fields` (name without the
        muc#roomconfig_ prefix; a list for list-multi). Returns the answer."""
        form = ET.Element("{%s}x" % NS_DATA, type="submit")
        f = ET.SubElement(form, "{%s}field" % NS_DATA, var="FORM_TYPE")
        ET.SubElement(f, "{%s}value" % NS_DATA).text = ROOMCONFIG
        for name, value in fields.items():
            var = name if name.startswith("muc#") else "muc#roomconfig_" + name
            f = ET.SubElement(form, "{%s}field" % NS_DATA, var=var)
            for v in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(v, bool):
                    v = "1" if v else "0"
                ET.SubElement(f, "{%s}value" % NS_DATA).text = str(v)
        query = ET.Element("{%s}query" % NS_OWNER)
        query.append(form)
        iq = self.Iq()
        iq["type"] = "set"
        iq["to"] = room
        iq.append(query)
        return await self.query(iq)

    async def create(self, room, nick, **fields):
        """Creates `room` (locked, status 201) and configures it with
        `fields` - none makes an instant room (§10.1.2)."""
        since = self.mark()
        self.send_raw("<presence to='%s/%s'><x xmlns='%s'/></presence>" % (room, nick, NS_MUC))
        created = await self.received(is_muc_presence(room + "/" + nick, self_presence=True),
                                      since=since, what="self-presence in " + room)
        assert "201" in statuses(created), created
        answer = await self.configure(room, **fields)
        assert answer["type"] == "result", answer
        # slixmpp's own bookkeeping of the room, as join_muc_wait does it.
        self.muc.rooms[room] = {}
        self.muc.our_nicks[room] = nick
        return created

    async def admin(self, room, **item):
        """One muc#admin item set (role= or affiliation=, nick= or jid=,
        reason=); the answer."""
        reason = item.pop("reason", None)
        attrs = " ".join("%s='%s'" % kv for kv in item.items())
        body = "<reason>%s</reason>" % reason if reason else ""
        return await self.request(room, "set", "<query xmlns='%s'><item %s>%s</item></query>"
                                  % (NS_ADMIN, attrs, body))

    async def affiliations(self, room, affiliation):
        """The jids of one affiliation list, or the error condition."""
        answer = await self.request(room, "get", "<query xmlns='%s'><item affiliation='%s'/>"
                                    "</query>" % (NS_ADMIN, affiliation))
        if answer["type"] != "result":
            return error_condition(answer)
        query = answer.xml.find("{%s}query" % NS_ADMIN)
        return sorted(i.get("jid") for i in query.findall("{%s}item" % NS_ADMIN))

    def say(self, room, body):
        self.send_message(mto=room, mbody=body, mtype="groupchat")


async def muc_login(suite, user, resource="muc", **kw):
    client = MucClient(suite, "%s@%s/%s" % (user, suite.domains[0], resource), user + "-pw",
                       **kw)
    return await client.login()


async def muc_logins(suite, *users):
    return await asyncio.gather(*(muc_login(suite, u) for u in users))


# ---- what rooms send -------------------------------------------------------

def muc_user_x(stanza):
    return stanza.xml.find("{%s}x" % NS_USER)


def statuses(stanza):
    x = muc_user_x(stanza)
    if x is None:
        return []
    return [s.get("code") for s in x.findall("{%s}status" % NS_USER)]


def item(stanza):
    """The attributes of the muc#user <item/>, plus 'actor' and 'reason'."""
    x = muc_user_x(stanza)
    if x is None:
        return None
    i = x.find("{%s}item" % NS_USER)
    if i is None:
        return None
    out = dict(i.attrib)
    actor = i.find("{%s}actor" % NS_USER)
    if actor is not None:
        out["actor"] = actor.get("nick")
    reason = i.find("{%s}reason" % NS_USER)
    if reason is not None:
        out["reason"] = reason.text or ""
    return out


def is_muc_presence(frm=None, type=None, code=None, self_presence=None):
    """A presence from a room (an occupant JID `frm`), of `type`
    ('available' for none), with status `code`; `self_presence`: with 110."""
    def match(st):
        if st.name != "presence" or muc_user_x(st) is None:
            return False
        if frm is not None and str(st["from"]) != frm:
            return False
        if type is not None and (st.xml.get("type") or "available") != type:
            return False
        codes = statuses(st)
        if code is not None and str(code) not in codes:
            return False
        if self_presence is not None and ("110" in codes) != self_presence:
            return False
        return True
    return match


def is_groupchat(frm=None, body=None):
    def match(st):
        return (st.name == "message" and st.xml.get("type") == "groupchat"
                and (frm is None or str(st["from"]) == frm)
                and (body is None or st["body"] == body))
    return match


def is_error(name=None, condition=None, frm=None):
    """An error stanza (presence, message or iq) with `condition`."""
    def match(st):
        if st.xml.get("type") != "error":
            return False
        if name is not None and st.name != name:
            return False
        if frm is not None and str(st["from"]) != frm:
            return False
        return condition is None or error_condition(st) == condition
    return match


def error_type(stanza):
    error = stanza.xml.find("{%s}error" % stanza.namespace)
    return None if error is None else error.get("type")


def delay_of(stanza):
    return stanza.xml.find("{%s}delay" % NS_DELAY)


def disco_features(answer):
    query = answer.xml.find("{http://jabber.org/protocol/disco#info}query")
    return {f.get("var") for f in query.findall("{http://jabber.org/protocol/disco#info}feature")}


def disco_items(answer):
    query = answer.xml.find("{http://jabber.org/protocol/disco#items}query")
    return {i.get("jid"): i.get("name")
            for i in query.findall("{http://jabber.org/protocol/disco#items}item")}


def room_info_field(answer, var):
    query = answer.xml.find("{http://jabber.org/protocol/disco#info}query")
    form = query.find("{%s}x" % NS_DATA)
    for f in form.findall("{%s}field" % NS_DATA):
        if f.get("var") == var:
            return [v.text or "" for v in f.findall("{%s}value" % NS_DATA)]
    return None


def others(occupants, own):
    """The presences join_muc_wait collected, without the joiner's own
    (`own`: its occupant JID), in the order they came."""
    return [p for p in occupants if str(p["from"]) != own]


async def leave(client, room, nick):
    """Leaves and waits for the room's goodbye: entering again before it
    came would let slixmpp take that goodbye for the answer to the join."""
    mark = client.mark()
    client.muc.leave_muc(room, nick)
    await client.received(is_muc_presence(room + "/" + nick, type="unavailable",
                                          self_presence=True), since=mark)
