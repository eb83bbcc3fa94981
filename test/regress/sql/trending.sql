-- trending-now: items whose events rise fastest in the newest window, read
-- at request time (log_event shows at once), the same for every user
\i data/reset_sample.psql

SELECT name, algorithm FROM rec.recipes() WHERE name = 'trending-now';
SELECT parameter, type, default_value, min_value, max_value FROM rec.recipe_parameters('trending-now');

-- no parameters: the window is chosen from the data (the newest 5% of the events, at most 5,000)
SELECT rec.train('trend', 'trending-now') AS version;
SELECT params, round((metrics->>'trend_prediction_accuracy')::numeric, 2) AS accuracy,
	metrics - 'trend_prediction_accuracy' AS counts,
	metrics ? 'trend_prediction_accuracy' AS has_accuracy,
	(metrics->>'trend_prediction_accuracy')::float8 BETWEEN 0 AND 1 AS accuracy_in_range,
	(metrics->>'trend_window')::float8 = (params->>'trend_window')::float8 AS metric_window
FROM rec.solution_version WHERE solution = 'trend';
-- the window holds about the newest 5% of the events
SELECT count(*) BETWEEN 900 AND 1200 AS window_events
FROM rec.interactions, rec.solution_version v
WHERE v.solution = 'trend'
  AND ts > (SELECT max(ts) FROM rec.interactions) - make_interval(secs => (v.params->>'trend_window')::float8);
SELECT rec.deploy('trending', 'trend');

-- the list: positive rises first ('trending'), then the popularity fill ('popular')
SELECT item_id, round(score::numeric, 4) AS score, reason FROM rec.recommend(999999, 5, campaign => 'trending');
SELECT count(*) AS listed, count(*) FILTER (WHERE reason = 'trending') > 0 AS some_trending,
	bool_and(reason IN ('trending', 'popular')) AS reasons
FROM rec.recommend(999999, 25, campaign => 'trending');
-- the same for every user, except what each has seen
SELECT count(*) AS differ FROM (
	(SELECT item_id FROM rec.recommend(999999, 10, campaign => 'trending')
	 EXCEPT SELECT item_id FROM rec.recommend(999998, 10, campaign => 'trending'))) d;
SELECT count(*) AS seen_recommended
FROM rec.recommend(1, 100, campaign => 'trending') r
JOIN rec.interactions i ON i.user_id = 1 AND i.item_id = r.item_id;
-- the trending items are the rise (c - x) / sqrt(x + 1) counted in SQL: c the item's events in the
-- current window, x its events in the previous one scaled by the change of all events between them
WITH w AS (
	SELECT (params->>'trend_window')::float8 AS w FROM rec.solution_version WHERE solution = 'trend'),
e AS (SELECT max(extract(epoch FROM ts)) AS e FROM rec.interactions),
counts AS (
	SELECT item_id,
		count(*) FILTER (WHERE extract(epoch FROM ts) > e - w) AS c,
		count(*) FILTER (WHERE extract(epoch FROM ts) <= e - w) AS p
	FROM rec.interactions, w, e
	WHERE extract(epoch FROM ts) > e - 2 * w GROUP BY item_id),
scaled AS (
	SELECT item_id, c, p * (SELECT sum(c) FROM counts) / (SELECT sum(p) FROM counts) AS x FROM counts),
expected AS (
	SELECT item_id, (c - x) / sqrt(x + 1) AS rise FROM scaled WHERE c > 0 AND c > x),
listed AS (
	SELECT item_id, score FROM rec.recommend(999999, 10000, campaign => 'trending') WHERE reason = 'trending')
SELECT (SELECT count(*) FROM expected) AS rising, (SELECT count(*) FROM listed) AS listed_trending,
	(SELECT count(*) FROM expected JOIN listed USING (item_id)) AS both,
	(SELECT array_agg(item_id ORDER BY rise DESC, item_id) FROM (SELECT * FROM expected ORDER BY rise DESC, item_id LIMIT 5) t)
	= (SELECT array_agg(item_id ORDER BY score DESC, item_id) FROM (SELECT * FROM listed ORDER BY score DESC, item_id LIMIT 5) t)
	AS same_top5;

-- a burst on a cold item (the fewest events of the catalogue) puts it at the top of the next call,
-- in the same transaction
SELECT i.item_id AS cold, count(x.item_id) AS cold_events FROM rec.items i
LEFT JOIN rec.interactions x ON x.item_id = i.item_id
GROUP BY i.item_id ORDER BY count(x.item_id), i.item_id LIMIT 1 \gset
SELECT :cold_events AS cold_events, :cold NOT IN (SELECT item_id FROM rec.recommend(999999, 25, campaign => 'trending')) AS not_listed;
BEGIN;
SELECT rec.log_event(u, :cold, ts => (SELECT max(ts) FROM rec.interactions))
FROM generate_series(500001, 500020) u;
SELECT item_id = :cold AS burst_on_top, reason, round(score::numeric, 4) > 0 AS positive
FROM rec.recommend(999999, 1, campaign => 'trending');
SELECT item_id = :cold AS ranked_first FROM rec.rank(999999, ARRAY[1, 2, 3, :cold]::bigint[], campaign => 'trending') LIMIT 1;
-- filters and promotions take the same path as every list
SELECT rec.create_filter('no-cold', 'EXCLUDE ItemID WHERE Items.item_id IN ($ids)');
SELECT count(*) AS cold_filtered_in
FROM rec.recommend(999999, 10, campaign => 'trending', filter => 'no-cold',
	filter_values => jsonb_build_object('ids', jsonb_build_array(:cold))) WHERE item_id = :cold;
SELECT count(*) AS listed_through_filter
FROM rec.recommend(999999, 10, campaign => 'trending', filter => 'no-cold',
	filter_values => jsonb_build_object('ids', jsonb_build_array(:cold)));
SELECT count(*) AS excluded_by_id
FROM rec.recommend(999999, 10, campaign => 'trending', exclude_items => ARRAY[:cold]::bigint[]) WHERE item_id = :cold;
-- a user who has seen it does not get it
SELECT count(*) AS seen_burst FROM rec.recommend(500001, 10, campaign => 'trending') WHERE item_id = :cold;
ROLLBACK;
-- rolled back: the item is cold again
SELECT count(*) AS cold_after_rollback FROM rec.recommend(999999, 10, campaign => 'trending') WHERE item_id = :cold;

-- an item added after training is left out until rec.refresh brings it into the model, which keeps
-- the window
BEGIN;
INSERT INTO rec.items (item_id, title, categories) VALUES (100001, 'New release', '{drama}');
SELECT count(*) AS logged FROM (
	SELECT rec.log_event(u, 100001, ts => (SELECT max(ts) FROM rec.interactions))
	FROM generate_series(500001, 500020) u) l;
SELECT count(*) AS new_item_listed FROM rec.recommend(999999, 25, campaign => 'trending') WHERE item_id = 100001;
SELECT rec.refresh('trending') > 1 AS refreshed;
SELECT item_id, reason FROM rec.recommend(999999, 1, campaign => 'trending');
SELECT params->>'trend_window' = (SELECT params->>'trend_window' FROM rec.solution_version WHERE id = 1) AS same_window
FROM rec.solution_version WHERE solution = 'trend' ORDER BY id DESC LIMIT 1;
ROLLBACK;

-- the offline metric: the sample data has no lasting trends (what rose in one window falls back in the
-- next), a group whose items keep rising has; ten quiet items rise over the last three windows here
SELECT (params->>'trend_window')::float8 AS w, extract(epoch FROM (SELECT max(ts) FROM rec.interactions)) AS e
FROM rec.solution_version WHERE solution = 'trend' \gset
BEGIN;
INSERT INTO rec.interactions (user_id, item_id, ts)
SELECT 700000 + n, item, to_timestamp(:e - (b + 0.5) * :w + n)
FROM (SELECT i.item_id AS item FROM rec.items i
	  LEFT JOIN rec.interactions x ON x.item_id = i.item_id AND extract(epoch FROM x.ts) > :e - 3 * :w
	  GROUP BY i.item_id ORDER BY count(x.item_id), i.item_id LIMIT 10) quiet,
	(VALUES (2, 1), (1, 15), (0, 60)) v(b, events), generate_series(1, events) n;
SELECT rec.train('rising', 'trending-now', params => jsonb_build_object('trend_window', :w)) > 0 AS trained;
SELECT (metrics->>'trend_prediction_accuracy')::float8 >= 0.4 AS rising_predicted,
	metrics->'trending_items_predicted' AS predicted
FROM rec.solution_version WHERE solution = 'rising';
ROLLBACK;

-- a group of text users and uuid items, bound to its own relation: the same trend, key for key
CREATE TABLE ev_keyed (customer text, product uuid, at timestamptz);
INSERT INTO ev_keyed SELECT 'user ' || user_id, md5('i' || item_id)::uuid, ts FROM rec.interactions;
SELECT rec.create_dataset_group('keyed', 'ev_keyed',
	columns => '{"user_id": "customer", "item_id": "product", "ts": "at"}');
SELECT rec.train('trend_keyed', 'trending-now', 'keyed') > 0 AS trained;
SELECT rec.deploy('trending_keyed', 'trend_keyed') > 0 AS deployed;
SELECT (SELECT array_agg(item_id ORDER BY rank) FROM rec.recommend('nobody', 10, campaign => 'trending_keyed'))
	= (SELECT array_agg(md5('i' || item_id)::uuid::text ORDER BY rank) FROM rec.recommend(999999, 10, campaign => 'trending'))
	AS same_as_bigint;

-- trend_window given: seconds or an interval
SELECT rec.train('trend_h', 'trending-now', params => '{"trend_window": 3600}') > 0 AS trained;
SELECT rec.train('trend_d', 'trending-now', params => '{"trend_window": "2 days"}') > 0 AS trained;
SELECT solution, params->>'trend_window' AS trend_window FROM rec.solution_version
WHERE solution IN ('trend_h', 'trend_d') ORDER BY solution;
-- bad windows
SELECT rec.train('bad', 'trending-now', params => '{"trend_window": 0}');
SELECT rec.train('bad', 'trending-now', params => '{"trend_window": -60}');
SELECT rec.train('bad', 'trending-now', params => '{"trend_window": "-1 hour"}');
SELECT rec.train('bad', 'trending-now', params => '{"trend_window": "soon"}');
SELECT rec.train('bad', 'trending-now', params => '{"trend_window": true}');
SELECT rec.train('bad', 'trending-now', params => '{"trend_window": 1e12}');
SELECT rec.train('bad', 'trending-now', params => '{"lambda": 10}');
SELECT count(*) AS bad_solutions FROM rec.solution WHERE name = 'bad';

-- k out of range, unknown campaign, batch
SELECT * FROM rec.recommend(1, 0, campaign => 'trending');
SELECT * FROM rec.recommend(1, 100001, campaign => 'trending');
SELECT * FROM rec.recommend(1, 5, campaign => 'no-such-campaign');
SELECT * FROM rec.batch_recommend('trending', 5);
SELECT * FROM rec.holdout_recommend('trending', 'rec.interactions');
