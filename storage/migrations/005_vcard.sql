-- vcard (XEP-0054): the user's whole <vCard xmlns='vcard-temp'/> element as
-- XML text. jabberd2's table of the same name kept a fixed set of fields as
-- columns and dropped the rest; an import from jabberd2 builds the element
-- from them.
CREATE TABLE "vcard" (
    "collection-owner" TEXT NOT NULL PRIMARY KEY,
    "xml" TEXT NOT NULL
);
