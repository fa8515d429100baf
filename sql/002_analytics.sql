-- 002_analytics: what a click says about its visitor, and rollups that
-- keep stats as cheap for a link with ten million clicks as for one
-- with ten. Raw clicks can be pruned; the rollups stay.

ALTER TABLE clicks ADD COLUMN referrer_host TEXT;
ALTER TABLE clicks ADD COLUMN browser TEXT;
ALTER TABLE clicks ADD COLUMN os TEXT;
ALTER TABLE clicks ADD COLUMN device TEXT;
ALTER TABLE clicks ADD COLUMN country TEXT;
CREATE INDEX clicks_ts ON clicks (ts);

-- One random salt per UTC day for visitor hashes. A day's salt is
-- deleted the day after, and with it any way to tie its hashes to an
-- address.
CREATE TABLE salts (
	day		INTEGER PRIMARY KEY,		-- days since the epoch
	salt		BLOB NOT NULL
);

CREATE TABLE link_hours (
	link_id		INTEGER NOT NULL REFERENCES links(id),
	hour		INTEGER NOT NULL,		-- hours since the epoch
	visits		INTEGER NOT NULL DEFAULT 0,	-- people
	bots		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (link_id, hour)
) WITHOUT ROWID;

CREATE TABLE link_days (
	link_id		INTEGER NOT NULL REFERENCES links(id),
	day		INTEGER NOT NULL,
	visits		INTEGER NOT NULL DEFAULT 0,
	uniques		INTEGER NOT NULL DEFAULT 0,	-- distinct visitors that day
	bots		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (link_id, day)
) WITHOUT ROWID;
CREATE INDEX link_days_day ON link_days (day);

-- Who has been counted for a link on a day, so that each counts once.
CREATE TABLE link_visitors (
	link_id		INTEGER NOT NULL,
	day		INTEGER NOT NULL,
	visitor		BLOB NOT NULL,
	PRIMARY KEY (link_id, day, visitor)
) WITHOUT ROWID;
CREATE INDEX link_visitors_day ON link_visitors (day);

-- Visits per link, day and value of a dimension: referrer (host),
-- browser, os, device, country.
CREATE TABLE link_dims (
	link_id		INTEGER NOT NULL REFERENCES links(id),
	dim		TEXT NOT NULL,
	day		INTEGER NOT NULL,
	value		TEXT NOT NULL,
	visits		INTEGER NOT NULL DEFAULT 0,
	bots		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (link_id, dim, day, value)
) WITHOUT ROWID;

-- Visits to codes that name no link, so that owners see what is missing.
CREATE TABLE misses (
	code		TEXT NOT NULL,
	day		INTEGER NOT NULL,
	visits		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (code, day)
) WITHOUT ROWID;
CREATE INDEX misses_day ON misses (day);

CREATE INDEX links_clicks ON links (clicks);

-- Clicks written before this schema become rollups too.
INSERT INTO link_hours (link_id, hour, visits, bots)
	SELECT link_id, ts / 3600000, sum(bot = 0), sum(bot != 0)
	FROM clicks GROUP BY 1, 2;
INSERT INTO link_days (link_id, day, visits, bots)
	SELECT link_id, ts / 86400000, sum(bot = 0), sum(bot != 0)
	FROM clicks GROUP BY 1, 2;
