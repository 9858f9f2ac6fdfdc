-- The registry schema, version 1.
--
-- Every table that holds data about one organization has its code (column
-- subject or code) first in its primary key, so that a distributed
-- PostgreSQL can shard the registry by organization (docs/SCALING.md).
-- record_keys is the one large table that is not subject-scoped: it holds
-- what must be unique across organizations.
--
-- Code, authority and external-id columns use the "C" collation: they are
-- identifiers, compared and ordered byte-wise like the embedded store does.

CREATE SEQUENCE record_ids AS bigint;

-- record_keys enforces one record per (authority, external_id) wherever the
-- record's subject lives, remembers the submitted content hash so that a
-- resubmission is recognised, and finds a record's subject from its id.
CREATE TABLE record_keys (
    authority    text COLLATE "C" NOT NULL,
    external_id  text COLLATE "C" NOT NULL,
    subject      text COLLATE "C" NOT NULL,
    id           bigint NOT NULL,
    content_hash bytea NOT NULL,
    PRIMARY KEY (authority, external_id)
);
CREATE UNIQUE INDEX record_keys_id ON record_keys (id) INCLUDE (subject);

-- records holds each record whole (body, the JSON of credo.Record) beside
-- the columns it is found and ordered by. occurred_ns is OccurredAt in
-- nanoseconds since 1970 (timestamptz keeps only microseconds).
CREATE TABLE records (
    subject     text COLLATE "C" NOT NULL,
    id          bigint NOT NULL,
    authority   text COLLATE "C" NOT NULL,
    category    text NOT NULL,
    kind        text NOT NULL,
    occurred_ns bigint NOT NULL,
    supersedes  bigint,
    body        json NOT NULL,
    PRIMARY KEY (subject, id)
);
CREATE INDEX records_by_decision ON records (subject, occurred_ns DESC, id DESC);
CREATE INDEX records_superseding ON records (subject, supersedes) WHERE supersedes IS NOT NULL;

-- subject_versions holds every version of every organization's
-- registration data (body, the JSON of credo.Subject).
CREATE TABLE subject_versions (
    code         text COLLATE "C" NOT NULL,
    version      integer NOT NULL,
    content_hash text NOT NULL,
    body         json NOT NULL,
    PRIMARY KEY (code, version)
);

-- subjects names the latest version of each code, with what search finds
-- and ranks it by (norm_name is search.Normalize of name; search.Score reads
-- the names); its row is what a writer locks to add a version.
CREATE TABLE subjects (
    code         text COLLATE "C" PRIMARY KEY,
    version      integer NOT NULL,
    content_hash text NOT NULL,
    division     text COLLATE "C" NOT NULL,
    name         text NOT NULL,
    norm_name    text COLLATE "C" NOT NULL,
    former_names text[] NOT NULL
);
CREATE INDEX subjects_division ON subjects (division, code);
CREATE INDEX subjects_norm_name ON subjects (norm_name);

-- subject_grams indexes the latest version's current and former names for
-- search: one row per gram of search.Grams.
CREATE TABLE subject_grams (
    code text COLLATE "C" NOT NULL,
    gram text COLLATE "C" NOT NULL,
    PRIMARY KEY (code, gram)
);
CREATE INDEX subject_grams_gram ON subject_grams (gram, code);

-- The small tables: replicated whole to every node of a distributed
-- database (Citus reference tables).
CREATE TABLE authorities (
    id   text COLLATE "C" PRIMARY KEY,
    body json NOT NULL
);

CREATE TABLE authority_tokens (
    token_hash   text COLLATE "C" PRIMARY KEY,
    authority_id text COLLATE "C" NOT NULL REFERENCES authorities (id)
);
CREATE INDEX authority_tokens_authority ON authority_tokens (authority_id);

CREATE TABLE secrets (
    name  text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

-- counters keep the counts Stats reports, so that it scans nothing. Each
-- count is spread over 16 rows that writers pick at random, so concurrent
-- writers on many nodes rarely wait for each other's row lock.
CREATE TABLE counters (
    name text COLLATE "C" NOT NULL,
    slot smallint NOT NULL,
    n    bigint NOT NULL,
    PRIMARY KEY (name, slot)
);
INSERT INTO counters (name, slot, n)
SELECT name, slot, 0 FROM unnest(ARRAY['records', 'organizations']) AS name, generate_series(0, 15) AS slot;

-- job_claims makes a time-driven change happen once per slot, whichever
-- node's clock fires first.
CREATE TABLE job_claims (
    job        text COLLATE "C" NOT NULL,
    slot       timestamptz NOT NULL,
    claimant   text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, slot)
);
