-- vacation-settings: jabberd2's mod_vacation table, one row per user. "start"
-- and "end" are unix seconds, 0 for an open end.
CREATE TABLE "vacation-settings" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "start" BIGINT NOT NULL DEFAULT 0,
    "end" BIGINT NOT NULL DEFAULT 0,
    "message" TEXT NOT NULL
);
