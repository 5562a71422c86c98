-- roster-items and roster-groups: jabberd2's tables and column names, plus
-- the RFC 6121 state jabberd2 lacked (pre-approval, a stored pending-in
-- subscribe, server-only items). Flags are INTEGER 0/1 on both drivers; the
-- driver checks every value it reads back.
CREATE TABLE "roster-items" (
    "collection-owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "to" INTEGER NOT NULL DEFAULT 0,
    "from" INTEGER NOT NULL DEFAULT 0,
    "ask" INTEGER NOT NULL DEFAULT 0,
    "approved" INTEGER NOT NULL DEFAULT 0,
    "pending-in" TEXT,
    "hidden" INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY ("collection-owner", "jid")
);

-- A group belongs to one item: deleting the item deletes its groups, and the
-- primary key serves "every group of this owner" and "of this item" alike.
CREATE TABLE "roster-groups" (
    "collection-owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    PRIMARY KEY ("collection-owner", "jid", "group"),
    FOREIGN KEY ("collection-owner", "jid")
        REFERENCES "roster-items" ("collection-owner", "jid") ON DELETE CASCADE
);
