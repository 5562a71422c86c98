-- queue: offline stanzas. "object-sequence" never repeats (even after the
-- newest row is deleted), so a stale "delivered up to N" can only ever
-- remove stanzas that were really delivered.
CREATE TABLE "queue" (
    "object-sequence" @SERIAL@,
    "collection-owner" TEXT NOT NULL,
    "xml" TEXT NOT NULL
);

CREATE INDEX "queue-owner-sequence" ON "queue" ("collection-owner", "object-sequence");
