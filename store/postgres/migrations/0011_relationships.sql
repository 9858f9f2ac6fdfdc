-- Relationships between organizations: every version, append-only
-- (credo.Relationship). Each field has a column, so that a walk of the
-- graph reads rows without decoding bodies. Times are unix nanoseconds
-- (until 0: open); roles is "from roles;to roles", each comma-separated.
-- A version supersedes at most one and is superseded by at most one (the
-- unique index on supersedes): of two writers superseding one version on
-- any nodes, one wins.
CREATE SEQUENCE relationship_ids;
CREATE TABLE relationships (
    id          bigint PRIMARY KEY DEFAULT nextval('relationship_ids'),
    key         text COLLATE "C" NOT NULL,
    kind        text NOT NULL,
    source      text NOT NULL,
    from_code   text COLLATE "C" NOT NULL,
    to_code     text COLLATE "C" NOT NULL,
    since       bigint NOT NULL,
    until       bigint NOT NULL,
    share       double precision NOT NULL,
    person_key  text NOT NULL,
    person_name text NOT NULL,
    roles       text NOT NULL,
    reference   text NOT NULL,
    authority   text NOT NULL,
    declarant   text NOT NULL,
    account     text NOT NULL,
    recorded_at bigint NOT NULL,
    supersedes  bigint,
    hash        text NOT NULL
);
ALTER SEQUENCE relationship_ids OWNED BY relationships.id;
CREATE UNIQUE INDEX relationships_supersedes ON relationships (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX relationships_from ON relationships (from_code, recorded_at);
CREATE INDEX relationships_to ON relationships (to_code, recorded_at);
CREATE INDEX relationships_key ON relationships (key, id);

-- The walk's index: each version once per end (code), with what a walk
-- needs, so that a hop reads an organization's ties by one index range.
-- superseded_at is the recorded time of the version that superseded it
-- (0 while none has): set when that version is stored, the one change
-- this index takes, so that "in force at t" needs no lookup per row.
CREATE TABLE adjacency (
    code          text COLLATE "C" NOT NULL,
    id            bigint NOT NULL,
    other         text COLLATE "C" NOT NULL,
    outgoing      boolean NOT NULL, -- code is the version's from
    kind          text NOT NULL,
    source        text NOT NULL,
    declarant     text NOT NULL,
    since         bigint NOT NULL,
    until         bigint NOT NULL,
    share         double precision NOT NULL,
    recorded_at   bigint NOT NULL,
    superseded_at bigint NOT NULL,
    PRIMARY KEY (code, id)
);

-- People of each organization's latest registration (credo.PersonRoles),
-- replaced with every new version: an index, the history being in
-- subject_versions. roles is comma-separated.
CREATE TABLE people (
    person_key text COLLATE "C" NOT NULL,
    code       text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    roles      text NOT NULL,
    version    integer NOT NULL,
    PRIMARY KEY (person_key, code)
);
CREATE INDEX people_code ON people (code);

-- The people of registrations stored before this migration (their
-- relationships are derived when each is next registered).
INSERT INTO people (person_key, code, name, roles, version)
SELECT person_key, code, min(name), string_agg(DISTINCT role, ',' ORDER BY role), version FROM (
    SELECT v.code, v.version, o->>'person_key' AS person_key, o->>'name' AS name, o->>'role' AS role
    FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version,
        json_array_elements(coalesce(v.body->'officers', '[]'::json)) AS o
    UNION ALL
    SELECT v.code, v.version, h->>'person_key', h->>'name', 'shareholder'
    FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version,
        json_array_elements(coalesce(v.body->'shareholders', '[]'::json)) AS h
    WHERE h->>'type' = 'person'
) AS p WHERE person_key IS NOT NULL AND person_key <> ''
GROUP BY person_key, code, version;
