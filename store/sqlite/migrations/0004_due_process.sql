-- Due process: list entries and their transitions, cases (objections and
-- repair applications) and their decisions, the repairs of records those
-- decisions approved, accounts, and notices. Every table is append-only:
-- nothing here is updated or deleted. Times are unix nanoseconds, 0 for
-- the zero time, as everywhere else.

-- List entries: created once, never changed. key is ListEntry.Key (one
-- entry per key), hash its ContentHash, which a repeated creation is
-- compared with; reasons is a JSON array of strings. The rowid is assigned
-- by the single writer (max+1), so ids increase.
CREATE TABLE list_entries (
	id              INTEGER PRIMARY KEY,
	key             TEXT    NOT NULL UNIQUE,
	hash            TEXT    NOT NULL,
	list            TEXT    NOT NULL,
	list_version    TEXT    NOT NULL,
	subject         TEXT    NOT NULL,
	division        TEXT    NOT NULL,
	authority       TEXT    NOT NULL,
	source          TEXT    NOT NULL,
	legal_basis     TEXT    NOT NULL,
	decision_number TEXT    NOT NULL,
	reasons         TEXT    NOT NULL,
	decided_at      INTEGER NOT NULL,
	notified_at     INTEGER NOT NULL,
	effective_at    INTEGER NOT NULL,
	repair_from     INTEGER NOT NULL,
	until           INTEGER NOT NULL,
	escalated_from  INTEGER,
	recorded_at     INTEGER NOT NULL
);
CREATE INDEX list_entries_list ON list_entries(list, id);
CREATE INDEX list_entries_subject ON list_entries(subject, id);
CREATE INDEX list_entries_division ON list_entries(division, id);

-- List transitions: each ends its entry, so an entry has at most one.
CREATE TABLE list_transitions (
	id          INTEGER PRIMARY KEY,
	entry       INTEGER NOT NULL UNIQUE REFERENCES list_entries(id),
	status      TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	note        TEXT    NOT NULL,
	actor       TEXT    NOT NULL,
	case_id     INTEGER,
	at          INTEGER NOT NULL,
	recorded_at INTEGER NOT NULL
);

-- Cases: filed once. attachments is the JSON array of credo.Attachment,
-- their bytes included (base64).
CREATE TABLE cases (
	id          INTEGER PRIMARY KEY,
	kind        TEXT    NOT NULL,
	subject     TEXT    NOT NULL,
	target_kind TEXT    NOT NULL,
	target_id   INTEGER NOT NULL,
	authority   TEXT    NOT NULL,
	reasons     TEXT    NOT NULL,
	attachments TEXT    NOT NULL,
	commitment  INTEGER NOT NULL,
	filed_by    TEXT    NOT NULL,
	filed_at    INTEGER NOT NULL,
	decide_by   INTEGER NOT NULL
);
CREATE INDEX cases_subject ON cases(subject, id);
CREATE INDEX cases_authority ON cases(authority, id);
CREATE INDEX cases_target ON cases(target_kind, target_id, id);

-- The one decision on a case.
CREATE TABLE case_decisions (
	id        INTEGER PRIMARY KEY,
	case_id   INTEGER NOT NULL UNIQUE REFERENCES cases(id),
	outcome   TEXT    NOT NULL,
	reasons   TEXT    NOT NULL,
	actor     TEXT    NOT NULL,
	record_id INTEGER,
	at        INTEGER NOT NULL
);

-- Records whose publicity an approved repair ended, and when: written with
-- the decision, read beside every record read that fills RepairedAt (a
-- rowid lookup). The first approved repair of a record is kept.
CREATE TABLE record_repairs (
	record_id INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL
);

-- Accounts of organizations and administrators, each with one token hash.
CREATE TABLE accounts (
	id         TEXT    PRIMARY KEY,
	role       TEXT    NOT NULL,
	subject    TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	token_hash TEXT    NOT NULL UNIQUE
);

-- Notices: options is a JSON array of strings, refs the JSON of
-- credo.Refs; key (NULL when the notice has none) is unique.
CREATE TABLE notices (
	id       INTEGER PRIMARY KEY,
	audience TEXT    NOT NULL,
	subject  TEXT    NOT NULL,
	kind     TEXT    NOT NULL,
	what     TEXT    NOT NULL,
	why      TEXT    NOT NULL,
	options  TEXT    NOT NULL,
	refs     TEXT    NOT NULL,
	at       INTEGER NOT NULL,
	key      TEXT
);
CREATE UNIQUE INDEX notices_key ON notices(key) WHERE key IS NOT NULL;
CREATE INDEX notices_audience ON notices(audience, id);
