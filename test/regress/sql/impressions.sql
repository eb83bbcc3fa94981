-- Impressions change the next list: an item shown again and again without the
-- user acting on it moves down (rec.impression_decay), reason 'impressed'
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SET rec.campaign = 'main';
CREATE TEMP TABLE before AS SELECT * FROM rec.recommend(1, 10);

-- shown once: nothing changes
SELECT rec.log_impression(1, (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM before), 'main');
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 10))
     = (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM before) AS same_list;

-- shown twice without a click: the list turns over, the shown items say why
SELECT rec.log_impression(1, (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM before), 'main');
SELECT count(*) FILTER (WHERE item_id NOT IN (SELECT item_id FROM before)) > 0 AS new_items_in_list,
       bool_and(reason = 'impressed') FILTER (WHERE item_id IN (SELECT item_id FROM before)) AS shown_ones_impressed,
       bool_and(reason <> 'impressed') FILTER (WHERE item_id NOT IN (SELECT item_id FROM before)) AS others_not
FROM rec.recommend(1, 10);
-- the list keeps rec's one scale (positive scores sum to 1)
SELECT round((sum(r.score) FILTER (WHERE r.score > 0))::numeric, 3) AS positive_total
FROM rec.recommend(1, 10000, exclude_seen => false) r;
-- the shown ones still come in their own order, and behind them a because item
SELECT (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM rec.recommend(1, 400) WHERE reason = 'impressed')
     = (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM before) AS same_order,
       (SELECT bool_and(because_item_id IS NOT NULL) FROM rec.recommend(1, 400) WHERE reason = 'impressed') AS because_kept;

-- an item the user acts on is no longer demoted
SELECT item_id AS clicked FROM before ORDER BY score DESC, item_id LIMIT 1 \gset
SELECT rec.log_event(1, :clicked);
SELECT reason FROM rec.recommend(1, 400, exclude_seen => false) WHERE item_id = :clicked;
SELECT count(*) AS still_impressed FROM rec.recommend(1, 400) WHERE reason = 'impressed';

-- another user's impressions are theirs
SELECT count(*) AS impressed FROM rec.recommend(2, 25) WHERE reason = 'impressed';

-- rec.impression_decay = 1 turns it off
SET rec.impression_decay = 1;
SELECT count(*) AS impressed FROM rec.recommend(1, 400) WHERE reason = 'impressed';
RESET rec.impression_decay;
SET rec.impression_decay = 2;
-- clean up: the next test starts from the sample data
TRUNCATE rec.impression;
