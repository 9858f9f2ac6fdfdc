-- Schema version 4: the change log (credo.ChangeLog). Every committed
-- change is appended in the same transaction as the change.
--
-- Positions are handed out by change_head, one row: a writer adds its
-- changes as the last statement of its transaction, taking the row's lock
-- and holding it until COMMIT. Writers of the log therefore commit in
-- position order (the next one waits for the row until the previous one
-- has committed and become visible), so a reader that sees position N
-- sees every position below it: no transaction can later commit a lower
-- one. A plain sequence would not do: numbers drawn in one order commit
-- in another. See docs/ARCHITECTURE.md.
--
-- key is NULL but for changes that happen by time alone (an entry taking
-- effect or ending), which every node may find due: one row per key.
-- data is the change's JSON as written (text, byte for byte: its
-- canonical form). at is nanoseconds since 1970, as elsewhere.

CREATE TABLE change_head (
	one      boolean PRIMARY KEY DEFAULT true CHECK (one),
	position bigint  NOT NULL
);
INSERT INTO change_head (position) VALUES (0);

CREATE TABLE changes (
	position bigint PRIMARY KEY,
	type     text   NOT NULL,
	subject  text   NOT NULL,
	ref      text   NOT NULL,
	at_ns    bigint NOT NULL,
	key      text,
	data     text   NOT NULL
);
CREATE INDEX changes_subject ON changes (subject, position);
-- Partial: most changes have no key, and they cost no entry here.
CREATE UNIQUE INDEX changes_key ON changes (key) WHERE key IS NOT NULL;

-- The durable positions of the log's consumers.
CREATE TABLE change_cursors (
	name     text   PRIMARY KEY,
	position bigint NOT NULL
);
