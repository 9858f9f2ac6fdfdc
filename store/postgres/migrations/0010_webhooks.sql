-- Schema version 10: webhooks (credo.WebhookStore): the endpoints
-- watchlists name, and their delivery queue, shared by every node through
-- leases (lease_owner, lease_until: a node claims a delivery for a while;
-- a killed node's claims run out and another node takes them). The queue
-- is working state: a delivered event leaves it; a dead letter stays
-- (dead_ns) until replayed. webhook_cursor holds the change-log position
-- up to which changes were matched and queued, moved in the same
-- transaction as the deliveries it queued. writer makes a retried create
-- find its row.
CREATE TABLE webhooks (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner          text   NOT NULL,
	watchlist      bigint NOT NULL REFERENCES watchlists(id),
	url            text   NOT NULL,
	secret         text   NOT NULL,
	previous       text   NOT NULL DEFAULT '',
	previous_until bigint NOT NULL DEFAULT 0,
	created_ns     bigint NOT NULL,
	deleted_ns     bigint,
	paused_ns      bigint,
	failing_ns     bigint,
	writer         text   NOT NULL UNIQUE
);
CREATE INDEX webhooks_owner ON webhooks(owner, id);
CREATE INDEX webhooks_watchlist ON webhooks(watchlist);

CREATE TABLE webhook_deliveries (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook         bigint  NOT NULL REFERENCES webhooks(id),
	position        bigint  NOT NULL,
	subject         text    NOT NULL,
	event           bytea   NOT NULL,
	attempts        integer NOT NULL DEFAULT 0,
	first_failed_ns bigint  NOT NULL DEFAULT 0,
	next_ns         bigint  NOT NULL,
	last_status     integer NOT NULL DEFAULT 0,
	last_error      text    NOT NULL DEFAULT '',
	dead_ns         bigint,
	replayed        boolean NOT NULL DEFAULT false,
	lease_owner     text    NOT NULL DEFAULT '',
	lease_ns        bigint  NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_group ON webhook_deliveries(webhook, subject, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_ns) WHERE dead_ns IS NULL;
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries(webhook, id) WHERE dead_ns IS NOT NULL;

CREATE TABLE webhook_cursor (
	one      integer PRIMARY KEY CHECK (one = 1),
	position bigint  NOT NULL
);
INSERT INTO webhook_cursor(one, position) VALUES (1, 0);
