-- 004_admin: sessions of the admin page.
--
-- A session is a random token in an HttpOnly cookie; only its SHA-256 is
-- kept, like an API key's. It belongs to the key that signed in, so a
-- revoked key ends its sessions too. csrf is the token that every form of
-- the session carries. Signing out deletes the row.

CREATE TABLE admin_sessions (
	hash		BLOB PRIMARY KEY,		-- SHA-256 of the token
	key_id		INTEGER NOT NULL REFERENCES api_keys(id),
	csrf		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);
CREATE INDEX admin_sessions_key ON admin_sessions (key_id);
