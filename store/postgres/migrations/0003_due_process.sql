-- Schema version 3: due process. List entries and the transitions that end
-- them, cases (objections and credit repair applications) and their one
-- decision each, the records whose publicity an approved repair ended,
-- organization and administrator accounts, and the notice inboxes.
--
-- Every table is append-only: rows are inserted once and never updated or
-- deleted. What must hold across nodes is a constraint: one entry per key,
-- one transition per entry, one decision per case, one repair per record,
-- one account per id and per token hash, one notice per key.
--
-- These tables are read across organizations (a list, an authority's cases,
-- an inbox) and by id far more than by organization, and they are small
-- beside records: they are keyed by their own ids and not partitioned by
-- code. On a distributed PostgreSQL, list_entries, list_transitions, cases,
-- case_decisions and notices would be distributed by id (entry, case_id) or
-- kept whole on the coordinator; accounts and account_tokens are reference
-- tables like authorities.
--
-- Times are nanoseconds since 1970 (*_ns), NULL for a zero time, as in
-- records. writer and filing columns hold a random token of the call that
-- stored the row, so that a call whose commit went through but whose
-- acknowledgement was lost recognises its own row when it runs again.

CREATE SEQUENCE list_entry_ids AS bigint;
CREATE SEQUENCE list_transition_ids AS bigint;
CREATE SEQUENCE case_ids AS bigint;
CREATE SEQUENCE notice_ids AS bigint;

-- list_entries holds every entry as its creator made it. key makes
-- creation idempotent; content_hash (ListEntry.ContentHash) tells a repeat
-- from a clash.
CREATE TABLE list_entries (
    id              bigint PRIMARY KEY,
    key             text COLLATE "C" NOT NULL UNIQUE,
    content_hash    text NOT NULL,
    list            text COLLATE "C" NOT NULL,
    list_version    text NOT NULL,
    subject         text COLLATE "C" NOT NULL,
    division        text COLLATE "C" NOT NULL,
    authority       text COLLATE "C" NOT NULL,
    source          text NOT NULL,
    legal_basis     text NOT NULL,
    decision_number text NOT NULL,
    reasons         jsonb,
    decided_ns      bigint,
    notified_ns     bigint,
    effective_ns    bigint,
    repair_from_ns  bigint,
    until_ns        bigint,
    escalated_from  bigint,
    recorded_ns     bigint
);
CREATE INDEX list_entries_list ON list_entries (list, id);
CREATE INDEX list_entries_subject ON list_entries (subject, id);
-- division is "C"-collated, so this index serves prefix ranges.
CREATE INDEX list_entries_division ON list_entries (division, id);

-- list_transitions holds the stored steps of entries; each ends its entry,
-- so an entry has at most one (UNIQUE (entry)).
CREATE TABLE list_transitions (
    id          bigint PRIMARY KEY,
    entry       bigint NOT NULL UNIQUE,
    status      text NOT NULL,
    reason      text NOT NULL,
    note        text NOT NULL,
    actor       text NOT NULL,
    case_id     bigint,
    at_ns       bigint,
    recorded_ns bigint,
    writer      text NOT NULL
);

-- cases holds objections and repair applications as filed; attachments is
-- the JSON of []credo.Attachment (bytes in base64).
CREATE TABLE cases (
    id           bigint PRIMARY KEY,
    kind         text NOT NULL,
    subject      text COLLATE "C" NOT NULL,
    target_kind  text COLLATE "C" NOT NULL,
    target_id    bigint NOT NULL,
    authority    text COLLATE "C" NOT NULL,
    reasons      text NOT NULL,
    attachments  jsonb,
    commitment   boolean NOT NULL,
    filed_by     text NOT NULL,
    filed_ns     bigint,
    decide_by_ns bigint,
    filing       text NOT NULL UNIQUE
);
CREATE INDEX cases_subject ON cases (subject, id);
CREATE INDEX cases_authority ON cases (authority, id);
CREATE INDEX cases_target ON cases (target_kind, target_id, id);
CREATE INDEX cases_decide_by ON cases (decide_by_ns, id);

-- case_decisions holds the one decision on a case (its primary key).
CREATE TABLE case_decisions (
    case_id bigint PRIMARY KEY,
    outcome text NOT NULL,
    reasons text NOT NULL,
    actor   text NOT NULL,
    record  bigint,
    at_ns   bigint,
    writer  text NOT NULL
);

-- record_repairs names the records whose publicity an approved repair
-- ended, and when; written with the decision, read with the records
-- (Record.RepairedAt) by a join on the primary key.
CREATE TABLE record_repairs (
    record_id bigint PRIMARY KEY,
    at_ns     bigint,
    case_id   bigint NOT NULL
);

CREATE TABLE accounts (
    id         text COLLATE "C" PRIMARY KEY,
    role       text NOT NULL,
    subject    text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    created_ns bigint
);

CREATE TABLE account_tokens (
    token_hash text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL REFERENCES accounts (id)
);
CREATE INDEX account_tokens_account ON account_tokens (account_id);

-- notices holds the inboxes; key, when set, makes a notice idempotent.
-- (writer, ord) is the call that stored it and its place in the batch.
CREATE TABLE notices (
    id             bigint PRIMARY KEY,
    audience       text COLLATE "C" NOT NULL,
    subject        text COLLATE "C" NOT NULL,
    kind           text NOT NULL,
    what           text NOT NULL,
    why            text NOT NULL,
    options        jsonb,
    ref_record     bigint,
    ref_list_entry bigint,
    ref_case       bigint,
    ref_measure    text NOT NULL,
    at_ns          bigint,
    key            text COLLATE "C" UNIQUE,
    writer         text NOT NULL,
    ord            integer NOT NULL,
    UNIQUE (writer, ord)
);
CREATE INDEX notices_audience ON notices (audience, id);
