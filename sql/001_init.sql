-- 001_init: links, their tags, clicks and API keys.
--
-- Times are whole seconds since the epoch (UTC) except clicks.ts, which
-- is in milliseconds. A link is never removed, only marked deleted, so
-- that its code stays taken and its clicks keep their owner.

PRAGMA application_id = 1802859130;	-- 'kurz'

CREATE TABLE api_keys (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	hash		BLOB NOT NULL UNIQUE,		-- SHA-256 of the key
	shown		TEXT NOT NULL,			-- its first characters
	scope		TEXT NOT NULL DEFAULT 'admin'
			CHECK (scope IN ('read', 'write', 'admin')),
	created_at	INTEGER NOT NULL,
	revoked_at	INTEGER
);

CREATE TABLE links (
	id		INTEGER PRIMARY KEY,
	domain		TEXT NOT NULL DEFAULT '',
	code		TEXT NOT NULL,
	url		TEXT NOT NULL,
	title		TEXT,
	redirect_status	INTEGER NOT NULL DEFAULT 302
			CHECK (redirect_status IN (301, 302, 307, 308)),
	expires_at	INTEGER,
	max_clicks	INTEGER CHECK (max_clicks IS NULL OR max_clicks >= 1),
	clicks		INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	deleted_at	INTEGER,
	version		INTEGER NOT NULL DEFAULT 1,
	key_id		INTEGER REFERENCES api_keys(id)
);

-- Codes are unique per domain without regard to case, deleted ones too.
CREATE UNIQUE INDEX links_domain_code ON links (domain, code COLLATE NOCASE);
CREATE INDEX links_created ON links (created_at, id);

CREATE TABLE link_tags (
	link_id		INTEGER NOT NULL REFERENCES links(id),
	pos		INTEGER NOT NULL,
	tag		TEXT NOT NULL,
	PRIMARY KEY (link_id, pos)
) WITHOUT ROWID;
CREATE INDEX link_tags_tag ON link_tags (tag, link_id);

CREATE TABLE clicks (
	id		INTEGER PRIMARY KEY,
	link_id		INTEGER NOT NULL REFERENCES links(id),
	ts		INTEGER NOT NULL,		-- milliseconds
	referrer	TEXT,
	user_agent	TEXT,
	bot		INTEGER NOT NULL DEFAULT 0,
	visitor		BLOB				-- keyed hash, never an IP
);
CREATE INDEX clicks_link_ts ON clicks (link_id, ts);
