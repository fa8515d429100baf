-- 003_lifecycle: notes, query forwarding and passwords on links;
-- idempotent creation; failed password tries.

ALTER TABLE links ADD COLUMN notes TEXT;
ALTER TABLE links ADD COLUMN forward_query INTEGER NOT NULL DEFAULT 1;
ALTER TABLE links ADD COLUMN password_hash TEXT;	-- Argon2id, libsodium's string form

-- Newest first, for lists; by domain for lists of one domain.
CREATE INDEX links_domain_id ON links (domain, id);

-- The first answer to a POST with an Idempotency-Key, replayed for the
-- same key and body. Kept a day.
CREATE TABLE idempotency_keys (
	key_id		INTEGER NOT NULL,		-- the API key that sent it
	idem_key	TEXT NOT NULL,
	request_hash	BLOB NOT NULL,			-- SHA-256 of method, path, body
	status		INTEGER NOT NULL,
	location	TEXT,
	body		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	PRIMARY KEY (key_id, idem_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

-- Wrong passwords per link and client, to slow down guessing.
CREATE TABLE password_failures (
	id		INTEGER PRIMARY KEY,
	link_id		INTEGER NOT NULL,
	client		BLOB NOT NULL,			-- keyed hash of the address
	ts		INTEGER NOT NULL		-- seconds
);
CREATE INDEX password_failures_link ON password_failures (link_id, client, ts);
