-- private (XEP-0049): jabberd2's table, one stored element per user and
-- namespace. The namespace is client input: it is compared as bytes and only
-- ever bound as a parameter.
CREATE TABLE "private" (
    "collection-owner" TEXT NOT NULL,
    "ns" TEXT NOT NULL,
    "xml" TEXT NOT NULL,
    PRIMARY KEY ("collection-owner", "ns")
);
