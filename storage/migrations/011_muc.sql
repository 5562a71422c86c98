-- muc-rooms and muc-affiliations: the persistent rooms of the muc daemon's
-- services (XEP-0045). Keyed by service: "collection-owner" holds the
-- service's domain (conference.example.com) and "room" the room's localpart,
-- so the rows belong to the service, not to any account, and account removal
-- leaves them alone (muc/README.md says why). "config" is the room's
-- configuration as the muc daemon serializes it (a muc#roomconfig form);
-- "subject-nick" is who set the subject ('' when the room did). Occupants
-- and history are never stored.
CREATE TABLE "muc-rooms" (
    "collection-owner" TEXT NOT NULL,
    "room" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "subject-nick" TEXT NOT NULL DEFAULT '',
    "created" BIGINT NOT NULL,
    PRIMARY KEY ("collection-owner", "room")
);

-- An affiliation ('owner', 'admin', 'member' or 'outcast'; "none" has no row)
-- of a bare JID, or of a domain for all its users. It belongs to its room:
-- removing the room removes it.
CREATE TABLE "muc-affiliations" (
    "collection-owner" TEXT NOT NULL,
    "room" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "affiliation" TEXT NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    PRIMARY KEY ("collection-owner", "room", "jid"),
    FOREIGN KEY ("collection-owner", "room")
        REFERENCES "muc-rooms" ("collection-owner", "room") ON DELETE CASCADE
);
