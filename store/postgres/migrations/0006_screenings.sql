-- Screenings: the decisions callers made about candidates (appended; the
-- latest per owner, input and code counts), and jobs too large to answer
-- at once: their rows, their results as they are made, and their end.
-- Nothing here is updated. Times are unix nanoseconds.
CREATE TABLE screening_decisions (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner   text COLLATE "C" NOT NULL,
    input   text COLLATE "C" NOT NULL,
    code    text COLLATE "C" NOT NULL,
    verdict text NOT NULL,
    note    text NOT NULL,
    decided_by text NOT NULL,
    at_ns   bigint NOT NULL
);
CREATE INDEX screening_decisions_input ON screening_decisions (owner, input, code, id);

CREATE TABLE screening_jobs (
    id         text COLLATE "C" PRIMARY KEY,
    owner      text COLLATE "C" NOT NULL,
    action     text NOT NULL,
    depth      integer NOT NULL,
    inputs     bytea NOT NULL,
    total      integer NOT NULL,
    created_ns bigint NOT NULL
);

CREATE TABLE screening_results (
    job  text COLLATE "C" NOT NULL REFERENCES screening_jobs (id),
    line integer NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (job, line)
);

CREATE TABLE screening_job_ends (
    job         text COLLATE "C" PRIMARY KEY REFERENCES screening_jobs (id),
    finished_ns bigint NOT NULL
);
