-- motd-message and motd-times: jabberd2's mod_announce tables.
-- motd-message is keyed by domain: its "collection-owner" holds the domain,
-- as in jabberd2, and the row outlives every account. "time" (unix seconds)
-- is new: jabberd2 parsed it back out of the stored stanza's delay stamp.
CREATE TABLE "motd-message" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "xml" TEXT NOT NULL,
    "time" BIGINT NOT NULL
);

-- When each user last received the message of the day.
CREATE TABLE "motd-times" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "time" BIGINT NOT NULL
);
