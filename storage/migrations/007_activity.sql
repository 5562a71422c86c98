-- logout (XEP-0012 last activity) and active (first activity): jabberd2's
-- tables, one row per user, times in unix seconds. logout gains "status", the
-- text of the last unavailable presence.
CREATE TABLE "logout" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "time" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT ''
);

CREATE TABLE "active" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "time" BIGINT NOT NULL
);
