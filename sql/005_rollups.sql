-- 005_rollups: a link's visits per calendar month and value of a
-- dimension, so that a year's top referrers read about twelve rows a
-- value instead of 365 (the days of months that a range covers only in
-- part are still read from link_dims); and the visitors of a day kept
-- together, so that pruning them needs no second index to write.

-- No REFERENCES: each link of a batch is checked once when its clicks
-- are written (store_clicks_write), not once per row.
CREATE TABLE link_dims_months (
	link_id		INTEGER NOT NULL,
	dim		TEXT NOT NULL,
	month		INTEGER NOT NULL,		-- months since 1970-01, UTC
	value		TEXT NOT NULL,
	visits		INTEGER NOT NULL DEFAULT 0,
	bots		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (link_id, dim, month, value)
) WITHOUT ROWID;

INSERT INTO link_dims_months (link_id, dim, month, value, visits, bots)
	SELECT link_id, dim,
	    (CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) - 1970)
	    * 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1,
	    value, sum(visits), sum(bots)
	FROM link_dims GROUP BY 1, 2, 3, 4;

CREATE TABLE link_visitors_by_day (
	day		INTEGER NOT NULL,
	link_id		INTEGER NOT NULL,
	visitor		BLOB NOT NULL,
	PRIMARY KEY (day, link_id, visitor)
) WITHOUT ROWID;
INSERT INTO link_visitors_by_day (day, link_id, visitor)
	SELECT day, link_id, visitor FROM link_visitors;
DROP TABLE link_visitors;
ALTER TABLE link_visitors_by_day RENAME TO link_visitors;
