-- Schema version 7: watchlists (credo.WatchlistStore). A watchlist is
-- never deleted: its deletion is deleted_ns. Its membership history is
-- watchlist_member_changes, append-only; watchlist_members is the current
-- set that history makes, kept in the same transaction. writer is the
-- creating call's random token, so that a create retried after an
-- unacknowledged commit finds its row instead of making a second one.
CREATE TABLE watchlists (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner         text     NOT NULL,
	name          text     NOT NULL,
	types         text[]   NOT NULL,
	partner_depth smallint NOT NULL,
	created_ns    bigint   NOT NULL,
	deleted_ns    bigint,
	writer        text     NOT NULL UNIQUE
);
CREATE INDEX watchlists_owner ON watchlists(owner, id);

CREATE TABLE watchlist_member_changes (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	watchlist bigint  NOT NULL REFERENCES watchlists(id),
	code      text    NOT NULL,
	added     boolean NOT NULL,
	at_ns     bigint  NOT NULL
);

CREATE TABLE watchlist_members (
	watchlist bigint NOT NULL REFERENCES watchlists(id),
	code      text   NOT NULL,
	PRIMARY KEY (watchlist, code)
);
CREATE INDEX watchlist_members_code ON watchlist_members(code);
