-- 006_counts: each link's visit count in a narrow table of its own.
--
-- Every click batch raises the counts of the links it visited. While the
-- count was a column of links, each batch rewrote the pages of links
-- that the redirects read (and links_clicks, an index of all of them):
-- over 100,000 links, a batch of 4,096 clicks dirtied some 1,800 links
-- pages, which then sat in the WAL until the next checkpoint, where every
-- redirect read them with a system call instead of through mmap. Here a
-- batch touches only link_counts, about 12 bytes a link, and links is
-- written only when a link is.

CREATE TABLE link_counts (
	link_id		INTEGER PRIMARY KEY
			REFERENCES links(id) ON DELETE CASCADE,
	clicks		INTEGER NOT NULL DEFAULT 0
);
INSERT INTO link_counts (link_id, clicks) SELECT id, clicks FROM links;
-- For the instance's top links.
CREATE INDEX link_counts_clicks ON link_counts (clicks);

DROP INDEX links_clicks;
ALTER TABLE links DROP COLUMN clicks;

-- Every link has its count from the start, whichever way it was made
-- (the API, a batch, an import, a plain INSERT): a click batch then
-- raises it with an UPDATE alone, which also tells that the link exists.
CREATE TRIGGER links_count AFTER INSERT ON links BEGIN
	INSERT INTO link_counts (link_id) VALUES (new.id);
END;
