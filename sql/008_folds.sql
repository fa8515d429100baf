-- 008_folds: a link's months of dimensions are folded from its days when
-- the link's next month begins, not added to on every click.
--
-- Until now each click raised a row of link_dims and a row of
-- link_dims_months for each of its dimensions: ten upserts of the
-- thirteen a click made, and over 100,000 links the month rows dirtied
-- as many pages as the day rows (about a third of the flush's time).
-- Now link_dims_months holds whole months only, up to link_folds.month
-- for each link; the months after it are read from link_dims, which has
-- every day. The flush folds a link's months when it writes the link's
-- first click of a later month (store_clicks_write), so that for a link
-- in use only its current month is read day by day, as a range that
-- ends today always read it. A link without a row here has nothing
-- folded.

CREATE TABLE link_folds (
	link_id		INTEGER PRIMARY KEY,	-- no REFERENCES, as 005
	month		INTEGER NOT NULL	-- folded through this month
);

-- Every month was whole in link_dims_months. The last month of each link
-- becomes its first unfolded one: clicks may still come in it.
INSERT INTO link_folds (link_id, month)
	SELECT link_id, max(month) - 1 FROM link_dims_months GROUP BY link_id;
DELETE FROM link_dims_months WHERE month > (SELECT f.month FROM link_folds f
	WHERE f.link_id = link_dims_months.link_id);
