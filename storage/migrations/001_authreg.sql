-- authreg: one row per account, keyed by (username, realm) as in jabberd2.
-- No password column: only SCRAM credentials (RFC 5802 §3), one set per hash;
-- iterations 0 with empty strings means "no credential for this hash".
CREATE TABLE "authreg" (
    "username" TEXT NOT NULL,
    "realm" TEXT NOT NULL,
    "scram-sha1-iterations" INTEGER NOT NULL DEFAULT 0,
    "scram-sha1-salt" TEXT NOT NULL DEFAULT '',
    "scram-sha1-stored-key" TEXT NOT NULL DEFAULT '',
    "scram-sha1-server-key" TEXT NOT NULL DEFAULT '',
    "scram-sha256-iterations" INTEGER NOT NULL DEFAULT 0,
    "scram-sha256-salt" TEXT NOT NULL DEFAULT '',
    "scram-sha256-stored-key" TEXT NOT NULL DEFAULT '',
    "scram-sha256-server-key" TEXT NOT NULL DEFAULT '',
    "created" BIGINT NOT NULL,
    PRIMARY KEY ("username", "realm")
);

-- Listing the accounts of one domain (jabberdctl) without a full scan.
CREATE INDEX "authreg-realm" ON "authreg" ("realm", "username");
