-- Watchlists (credo.WatchlistStore). A watchlist is never deleted: its
-- deletion is deleted_at. Its membership history is
-- watchlist_member_changes, append-only (added 1, removed 0);
-- watchlist_members is the current set that history makes, kept in the
-- same transaction, so that counting and reading members reads no history.
CREATE TABLE watchlists (
	id            INTEGER PRIMARY KEY,
	owner         TEXT    NOT NULL,
	name          TEXT    NOT NULL,
	types         TEXT    NOT NULL,
	partner_depth INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	deleted_at    INTEGER
);
CREATE INDEX watchlists_owner ON watchlists(owner, id);

CREATE TABLE watchlist_member_changes (
	id        INTEGER PRIMARY KEY,
	watchlist INTEGER NOT NULL REFERENCES watchlists(id),
	code      TEXT    NOT NULL,
	added     INTEGER NOT NULL,
	at        INTEGER NOT NULL
);

CREATE TABLE watchlist_members (
	watchlist INTEGER NOT NULL REFERENCES watchlists(id),
	code      TEXT    NOT NULL,
	PRIMARY KEY (watchlist, code)
) WITHOUT ROWID;
CREATE INDEX watchlist_members_code ON watchlist_members(code);
