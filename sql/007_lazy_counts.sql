-- 007_lazy_counts: a link's row in link_counts comes with its first visit.
--
-- The trigger of 006 gave every new link its row at once, so that each
-- create wrote two more B-trees (link_counts and link_counts_clicks), a
-- fifth of the time of a create. Now the writes that count a visit make
-- the row when it is missing (INSERT ... ON CONFLICT DO UPDATE, from the
-- link's own row, so that a link that does not exist gets none), and a
-- link without a row has had no visits: every reader takes it as 0.

DROP TRIGGER links_count;
