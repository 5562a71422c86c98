-- disco-items: the items a domain lists in disco#items besides its
-- components. Keyed by domain: "collection-owner" holds the domain and the
-- rows outlive every account. (jabberd2's mod_disco_publish used the name for
-- items a user published, keyed by the user: a different collection, not
-- imported here.) An item is identified by its jid and node (XEP-0030 §4.1);
-- an absent node or name is ''.
CREATE TABLE "disco-items" (
    "collection-owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "node" TEXT NOT NULL DEFAULT '',
    PRIMARY KEY ("collection-owner", "jid", "node")
);
