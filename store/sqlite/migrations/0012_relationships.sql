-- Relationships between organizations: every version, append-only
-- (credo.Relationship). Each field has a column, so that a walk of the
-- graph reads rows without decoding bodies. Times are unix nanoseconds
-- (until 0: open); roles is "from roles;to roles", each comma-separated.
-- A version supersedes at most one and is superseded by at most one: the
-- unique index on supersedes.
CREATE TABLE relationships (
	id          INTEGER PRIMARY KEY,
	key         TEXT    NOT NULL,
	kind        TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	from_code   TEXT    NOT NULL,
	to_code     TEXT    NOT NULL,
	since       INTEGER NOT NULL,
	until       INTEGER NOT NULL,
	share       REAL    NOT NULL,
	person_key  TEXT    NOT NULL,
	person_name TEXT    NOT NULL,
	roles       TEXT    NOT NULL,
	reference   TEXT    NOT NULL,
	authority   TEXT    NOT NULL,
	declarant   TEXT    NOT NULL,
	account     TEXT    NOT NULL,
	recorded_at INTEGER NOT NULL,
	supersedes  INTEGER,
	hash        TEXT    NOT NULL
);
CREATE UNIQUE INDEX relationships_supersedes ON relationships(supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX relationships_from ON relationships(from_code, recorded_at);
CREATE INDEX relationships_to ON relationships(to_code, recorded_at);
CREATE INDEX relationships_key ON relationships(key, id);

-- The walk's index: each version once per end (code), with what a walk
-- needs, clustered by code so that one seek reads an organization's ties.
-- superseded_at is the recorded time of the version that superseded it
-- (0 while none has): set when that version is stored, the one change
-- this index takes, so that "in force at t" needs no lookup per row.
CREATE TABLE adjacency (
	code          TEXT    NOT NULL,
	id            INTEGER NOT NULL,
	other         TEXT    NOT NULL,
	outgoing      INTEGER NOT NULL, -- 1 when code is the version's from
	kind          TEXT    NOT NULL,
	source        TEXT    NOT NULL,
	declarant     TEXT    NOT NULL,
	since         INTEGER NOT NULL,
	until         INTEGER NOT NULL,
	share         REAL    NOT NULL,
	recorded_at   INTEGER NOT NULL,
	superseded_at INTEGER NOT NULL,
	PRIMARY KEY (code, id)
) WITHOUT ROWID;

-- People of each organization's latest registration (credo.PersonRoles),
-- replaced with every new version: an index, the history being in
-- subject_versions. roles is comma-separated.
CREATE TABLE people (
	person_key TEXT    NOT NULL,
	code       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	roles      TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	PRIMARY KEY (person_key, code)
) WITHOUT ROWID;
CREATE INDEX people_code ON people(code);

-- The people of registrations stored before this migration (their
-- relationships are derived when each is next registered).
INSERT OR IGNORE INTO people(person_key, code, name, roles, version)
SELECT person_key, code, min(name), group_concat(DISTINCT role), version FROM (
	SELECT v.code AS code, v.version AS version, json_extract(o.value, '$.person_key') AS person_key,
		json_extract(o.value, '$.name') AS name, json_extract(o.value, '$.role') AS role
	FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version,
		json_each(CAST(v.body AS TEXT), '$.officers') AS o
	UNION ALL
	SELECT v.code, v.version, json_extract(h.value, '$.person_key'), json_extract(h.value, '$.name'), 'shareholder'
	FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version,
		json_each(CAST(v.body AS TEXT), '$.shareholders') AS h
	WHERE json_extract(h.value, '$.type') = 'person'
) WHERE person_key IS NOT NULL AND person_key <> ''
GROUP BY person_key, code;
