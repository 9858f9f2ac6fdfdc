-- Webhooks (credo.WebhookStore): the endpoints watchlists name, and their
-- delivery queue. An endpoint is never deleted: its deletion is
-- deleted_at. The queue is working state: a delivered event leaves it; a
-- dead letter stays (dead_at) until replayed. webhook_cursor holds the
-- change-log position up to which changes were matched and queued, moved
-- in the same transaction as the deliveries it queued.
CREATE TABLE webhooks (
	id             INTEGER PRIMARY KEY,
	owner          TEXT    NOT NULL,
	watchlist      INTEGER NOT NULL REFERENCES watchlists(id),
	url            TEXT    NOT NULL,
	secret         TEXT    NOT NULL,
	previous       TEXT    NOT NULL DEFAULT '',
	previous_until INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	deleted_at     INTEGER,
	paused_at      INTEGER,
	failing_since  INTEGER
);
CREATE INDEX webhooks_owner ON webhooks(owner, id);
CREATE INDEX webhooks_watchlist ON webhooks(watchlist);

CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY,
	webhook         INTEGER NOT NULL REFERENCES webhooks(id),
	position        INTEGER NOT NULL,
	subject         TEXT    NOT NULL,
	event           BLOB    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	first_failed_at INTEGER NOT NULL DEFAULT 0,
	next_at         INTEGER NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	dead_at         INTEGER,
	replayed        INTEGER NOT NULL DEFAULT 0,
	lease_owner     TEXT    NOT NULL DEFAULT '',
	lease_until     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_group ON webhook_deliveries(webhook, subject, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_at) WHERE dead_at IS NULL;
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries(webhook, id) WHERE dead_at IS NOT NULL;

CREATE TABLE webhook_cursor (
	one      INTEGER PRIMARY KEY CHECK (one = 1),
	position INTEGER NOT NULL
);
INSERT INTO webhook_cursor(one, position) VALUES (1, 0);
