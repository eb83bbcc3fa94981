-- Impressions change the next list: an item shown again and again without the
-- user acting on it moves down (training parameter impression_decay), reason
-- 'impressed'; log_event records the list shown with an event (impression)
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SET rec.campaign = 'main';
-- the default is stored with the version's hyperparameters
SELECT params -> 'impression_decay' AS impression_decay FROM rec.solution_version WHERE solution = 'up';
CREATE TEMP TABLE before AS SELECT * FROM rec.recommend(1, 10);
SELECT item_id AS top, score AS top_score FROM before ORDER BY score DESC, item_id LIMIT 1 \gset
SELECT sum(contribution) AS top_explained FROM rec.explain(1, :top) \gset

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

-- shown three times: they move further down, most of them out of the top 10
SELECT rec.log_impression(1, (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM before), 'main');
SELECT count(*) FILTER (WHERE item_id IN (SELECT item_id FROM before)) < 5 AS mostly_out
FROM rec.recommend(1, 10);
SELECT min(r.rank) > (SELECT min(b.rank) FROM before b) AS moved_down
FROM (SELECT item_id, row_number() OVER (ORDER BY score DESC, item_id) AS rank FROM rec.recommend(1, 400)) r
WHERE r.item_id IN (SELECT item_id FROM before);
-- rec.explain says so, and its contributions move down as the score does
SELECT round((sum(contribution) / :top_explained)::numeric, 3)
     = (SELECT round((score / :top_score)::numeric, 3) FROM rec.recommend(1, 400) WHERE item_id = :top) AS explains_score
FROM rec.explain(1, :top);

-- an item the user acts on is no longer demoted
SELECT rec.log_event(1, :top);
SELECT reason FROM rec.recommend(1, 400, exclude_seen => false) WHERE item_id = :top;
SELECT count(*) AS still_impressed FROM rec.recommend(1, 400) WHERE reason = 'impressed';
SELECT count(*) > 0 AS explained FROM rec.explain(1, :top);

-- another user's impressions are theirs, another campaign's are its own
SELECT count(*) AS impressed FROM rec.recommend(2, 25) WHERE reason = 'impressed';
SELECT rec.deploy('other', 'up');
SELECT count(*) AS impressed FROM rec.recommend(1, 400, campaign => 'other') WHERE reason = 'impressed';

-- log_event with impression: the event and the list shown with it, in one call
CREATE TEMP TABLE shown2 AS SELECT * FROM rec.recommend(2, 10);
SELECT item_id AS clicked2 FROM shown2 ORDER BY score DESC, item_id LIMIT 1 \gset
SELECT rec.log_event(2, :clicked2, campaign => 'main',
                     impression => (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM shown2));
SELECT rec.log_event(2, :clicked2,
                     impression => (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM shown2));
SELECT campaign, variant, cardinality(items) AS shown FROM rec.impression WHERE campaign = 'main' AND user_id = 2 ORDER BY ts;
SELECT count(*) AS attributed FROM rec.event_attribution WHERE user_id = 2;
-- the clicked item is not demoted, the others shown twice are
SELECT count(*) FILTER (WHERE reason = 'impressed') AS impressed,
       count(*) FILTER (WHERE reason = 'impressed' AND item_id = :clicked2) AS clicked_impressed
FROM rec.recommend(2, 400, exclude_seen => false);
-- text ids go through the same path (and a text or uuid group's keys)
SELECT rec.log_event('3', '5', campaign => 'main', impression => '{7,9}'::text[]);
SELECT items FROM rec.impression WHERE campaign = 'main' AND user_id = 3;
-- items the model does not know are recorded, and move nothing
SELECT rec.log_event(3, 5, impression => '{999999}');
SELECT rec.log_event(3, 5, impression => '{999999}');
SELECT count(*) AS impressed FROM rec.recommend(3, 400) WHERE reason = 'impressed';

-- bad impressions: nothing is written
SELECT count(*) AS user_4_events FROM rec.interactions WHERE user_id = 4 \gset
SELECT rec.log_event(4, 5, impression => '{1,NULL}');
SELECT rec.log_event(4, 5, impression => '{}');
SELECT rec.log_event(4, 5, impression => '{{1,2},{3,4}}');
\set VERBOSITY terse
SELECT rec.log_event('4', '5', impression => '{abc}'::text[]);
\set VERBOSITY default
SELECT rec.log_event(4, 5, campaign => 'no-such-campaign', impression => '{1}');
SET rec.campaign = '';
SELECT rec.log_event(4, 5, impression => '{1}');
SET rec.campaign = 'main';
SELECT count(*) = :user_4_events AS no_event_written FROM rec.interactions WHERE user_id = 4;
SELECT count(*) AS user_4_impressions FROM rec.impression WHERE campaign = 'main' AND user_id = 4;

-- impression_decay 1 (or 0) turns it off; out of range is refused
SELECT rec.train('up_off', 'user-personalization', params => '{"impression_decay": 1, "tune": false}') > 0 AS trained;
SELECT rec.deploy('main_off', 'up_off');
INSERT INTO rec.impression (campaign, variant, user_id, items)
SELECT 'main_off', 'main_off', user_id, items FROM rec.impression WHERE campaign = 'main' AND user_id = 1;
SELECT count(*) AS impressed FROM rec.recommend(1, 400, campaign => 'main_off') WHERE reason = 'impressed';
SELECT rec.train('bad', 'user-personalization', params => '{"impression_decay": 2}');
SELECT rec.train('bad', 'popularity-count', params => '{"impression_decay": 0.5}');
-- clean up: the next test starts from the sample data
TRUNCATE rec.impression, rec.event_attribution;
