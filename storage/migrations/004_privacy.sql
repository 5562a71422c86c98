-- privacy-items and privacy-default (XEP-0016): jabberd2's tables and column
-- names, so that its rows import as they are. "type" is 'jid', 'group',
-- 'subscription', or NULL for the fall-through item (whose "value" is NULL
-- too); "deny" is the action, 0 allow or 1 deny; "block" is the stanza kinds
-- the item applies to as a bitmask (message 1, presence-in 2, presence-out 4,
-- iq 8), 0 meaning every kind. "order" is BIGINT: XEP-0016 makes it an
-- unsigned 32-bit integer.
CREATE TABLE "privacy-items" (
    "object-sequence" @SERIAL@,
    "collection-owner" TEXT NOT NULL,
    "list" TEXT NOT NULL,
    "type" TEXT,
    "value" TEXT,
    "deny" INTEGER NOT NULL,
    "order" BIGINT NOT NULL,
    "block" INTEGER NOT NULL DEFAULT 0
);

-- An order is unique within a list (XEP-0016 §2.1). The same index serves
-- reading one list or all of an owner's lists in order, and deleting them.
CREATE UNIQUE INDEX "privacy-items-owner-list-order"
    ON "privacy-items" ("collection-owner", "list", "order");

-- The user's default list, by name; no row when there is none.
CREATE TABLE "privacy-default" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "default" TEXT NOT NULL
);
