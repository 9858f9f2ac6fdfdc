-- Records: append-only. id is assigned by the single writer (max(id)+1),
-- so ids increase in append order. occurred_at and recorded_at are unix
-- nanoseconds; supersedes is the resolved id. body is the JSON of the rest
-- of the record (decision number, legal basis, description, amounts, ...,
-- supersedes_external_id as submitted). hash is Record.ContentHash of the
-- record as submitted, which a resubmission is compared with.
CREATE TABLE records (
	id          INTEGER PRIMARY KEY,
	subject     TEXT    NOT NULL,
	authority   TEXT    NOT NULL,
	external_id TEXT    NOT NULL,
	category    TEXT    NOT NULL,
	kind        TEXT    NOT NULL,
	occurred_at INTEGER NOT NULL,
	recorded_at INTEGER NOT NULL,
	supersedes  INTEGER,
	hash        BLOB    NOT NULL,
	body        BLOB    NOT NULL
);
CREATE UNIQUE INDEX records_external ON records(authority, external_id);
CREATE INDEX records_subject ON records(subject, occurred_at, id);
CREATE INDEX records_supersedes ON records(supersedes) WHERE supersedes IS NOT NULL;

-- Subject versions: every version of every organization's registration
-- data, body the JSON of the full credo.Subject.
CREATE TABLE subject_versions (
	code        TEXT    NOT NULL,
	version     INTEGER NOT NULL,
	hash        TEXT    NOT NULL,
	recorded_at INTEGER NOT NULL,
	body        BLOB    NOT NULL,
	PRIMARY KEY (code, version)
) WITHOUT ROWID;

-- Subjects: the latest version of each code and what search reads to
-- verify and rank candidates: the name normalized (exact and prefix
-- matches by index) and the former names joined by U+001F.
CREATE TABLE subjects (
	code      TEXT    PRIMARY KEY,
	version   INTEGER NOT NULL,
	hash      TEXT    NOT NULL,
	name      TEXT    NOT NULL,
	norm_name TEXT    NOT NULL,
	former    TEXT    NOT NULL,
	division  TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX subjects_norm_name ON subjects(norm_name);
CREATE INDEX subjects_division ON subjects(division, code);

-- The search index: search.Grams of the latest version's current and former
-- names.
CREATE TABLE subject_grams (
	gram TEXT NOT NULL,
	code TEXT NOT NULL,
	PRIMARY KEY (gram, code)
) WITHOUT ROWID;

CREATE TABLE authorities (
	id   TEXT PRIMARY KEY,
	body BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE authority_tokens (
	hash         TEXT PRIMARY KEY,
	authority_id TEXT NOT NULL REFERENCES authorities(id)
) WITHOUT ROWID;
CREATE INDEX authority_tokens_authority ON authority_tokens(authority_id);

CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

-- Counts kept by the writer, so that Stats does not scan big tables.
CREATE TABLE counts (
	name TEXT PRIMARY KEY,
	n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counts(name, n) VALUES ('records', 0), ('organizations', 0);
