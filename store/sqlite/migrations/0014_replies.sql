-- Published replies (credo.ReplyStore): an organization's short text on an
-- adverse item about itself, append-only; the latest per target is shown.
CREATE TABLE replies (
	id          INTEGER PRIMARY KEY,
	subject     TEXT    NOT NULL,
	target_kind TEXT    NOT NULL,
	target_id   INTEGER NOT NULL,
	text        TEXT    NOT NULL,
	by_actor    TEXT    NOT NULL,
	at          INTEGER NOT NULL
);
CREATE INDEX replies_subject ON replies(subject, id);
