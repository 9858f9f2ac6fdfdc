-- Schema version 12: published replies (credo.ReplyStore): an organization's
-- short text on an adverse item about itself, append-only; the latest per
-- target is shown. writer makes a retried write find its own row.
CREATE TABLE replies (
	id          bigserial PRIMARY KEY,
	subject     text   NOT NULL,
	target_kind text   NOT NULL,
	target_id   bigint NOT NULL,
	text        text   NOT NULL,
	by_actor    text   NOT NULL,
	at          bigint NOT NULL,
	writer      text   NOT NULL UNIQUE
);
CREATE INDEX replies_subject ON replies(subject, id);
