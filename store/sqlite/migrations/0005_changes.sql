-- The change log: every committed change, appended in the same transaction
-- as the change, in position order (see credo.ChangeLog). The one writer
-- assigns positions (max+1), so they grow in commit order. key is NULL
-- but for changes that happen by time alone, which are appended once.
-- data is the change's JSON exactly as written (its canonical form).
CREATE TABLE changes (
	position INTEGER PRIMARY KEY,
	type     TEXT    NOT NULL,
	subject  TEXT    NOT NULL,
	ref      TEXT    NOT NULL,
	at       INTEGER NOT NULL,
	key      TEXT,
	data     TEXT    NOT NULL
);
-- No index by subject: keeping one costs an import a third more per
-- record (organizations arrive in no order). A reader filtering by
-- organization scans the log after its position, which for a reader that
-- follows the log is what it reads anyway; an organization's history from
-- the start is better read from its own routes.
-- Partial: most changes have no key, and they cost no entry here.
CREATE UNIQUE INDEX changes_key ON changes(key) WHERE key IS NOT NULL;

-- The durable positions of the log's consumers.
CREATE TABLE change_cursors (
	name     TEXT    PRIMARY KEY,
	position INTEGER NOT NULL
);
