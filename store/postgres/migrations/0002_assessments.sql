-- Schema version 2: published rulebooks, and each organization's current
-- assessment and the history of its changes.
--
-- assessments and assessment_history are about one organization each and
-- have its code first in their primary keys, like records and subjects, so
-- that they shard by organization code beside them (docs/SCALING.md).
-- rulebooks is small and read whole: replicated to every node.
--
-- Times a query compares are nanoseconds since 1970 (*_ns), as in records;
-- the JSON bodies keep every time as given.

-- rulebooks holds every published rulebook version, never changed; source
-- is the bytes as submitted. seq is the publication order. publication
-- names the PublishRulebook call that stored the row, so that a call whose
-- commit went through but whose acknowledgement was lost recognises its
-- own row when it runs again.
CREATE TABLE rulebooks (
    id           text COLLATE "C" NOT NULL,
    version      text COLLATE "C" NOT NULL,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    hash         text NOT NULL,
    source       bytea NOT NULL,
    published_ns bigint NOT NULL,
    publication  text NOT NULL,
    PRIMARY KEY (id, version)
);

-- assessments holds each organization's current assessment (body, the JSON
-- of credo.Assessment). grades is what a new assessment is compared with
-- to decide whether it is a change (the comprehensive grade and every
-- dimension's grade and score); seq is the number of its last history
-- entry. next_change_ns is NULL when no change by time alone is known. The
-- row is what a writer locks to compare and replace it.
CREATE TABLE assessments (
    code           text COLLATE "C" PRIMARY KEY,
    grades         text NOT NULL,
    seq            integer NOT NULL,
    next_change_ns bigint,
    body           json NOT NULL
);
CREATE INDEX assessments_due ON assessments (next_change_ns, code) WHERE next_change_ns IS NOT NULL;

-- assessment_history holds every change of an organization's assessment
-- (body, the JSON of credo.AssessmentChange), numbered 1, 2, ... per code in
-- the order they were stored.
CREATE TABLE assessment_history (
    code  text COLLATE "C" NOT NULL,
    seq   integer NOT NULL,
    at_ns bigint NOT NULL,
    body  json NOT NULL,
    PRIMARY KEY (code, seq)
);
