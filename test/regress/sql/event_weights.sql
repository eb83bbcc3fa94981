-- Event values and types in training and serving: event_value_threshold and
-- event_weights (Personalize's EVENT_VALUE threshold and event type weights)
\i data/reset_sample.psql

SELECT parameter, type, default_value, min_value, max_value FROM rec.recipe_parameters('ease')
WHERE parameter LIKE 'event%' ORDER BY parameter;
SELECT event_type, count(*), count(event_value) AS with_value, min(event_value) AS min_value
FROM rec.interactions GROUP BY event_type ORDER BY event_type;

-- a threshold trains on the events with at least that value (events without a value are left out)
SELECT rec.train('valued', 'popularity-count', params => '{"event_value_threshold": 5}') > 0 AS trained;
SELECT n_interactions = (SELECT count(*) FROM rec.interactions WHERE event_value >= 5) AS only_valued,
	params
FROM rec.solution_version WHERE solution = 'valued';

-- weights: an event counts as much as its type weighs (types not named weigh 1)
SELECT rec.train('weighted-pop', 'popularity-count', params => '{"event_weights": {"purchase": 3}}') > 0 AS trained;
SELECT params FROM rec.solution_version WHERE solution = 'weighted-pop';
SELECT rec.deploy('weighted-pop', 'weighted-pop');
WITH w AS (
	SELECT item_id, sum(CASE WHEN event_type = 'purchase' THEN 3 ELSE 1 END)::float8 AS weight FROM rec.interactions GROUP BY item_id
)
SELECT count(*) AS listed,
	bool_and(round(r.score::numeric, 5) = round((w.weight / (SELECT sum(weight) FROM w))::numeric, 5)) AS weighted_shares
FROM rec.recommend(999999, 10, campaign => 'weighted-pop') r JOIN w USING (item_id);

-- weight 0 leaves a type out, in training and in the serving history alike
SELECT rec.train('purchases', 'ease', params => '{"event_weights": {"click": 0}}') > 0 AS trained;
SELECT n_interactions = (SELECT count(*) FROM rec.interactions WHERE event_type <> 'click') AS clicks_left_out
FROM rec.solution_version WHERE solution = 'purchases';
SELECT rec.deploy('purchases', 'purchases');
BEGIN;
SELECT rec.log_event(9001, 1, 'click');
SELECT DISTINCT reason FROM rec.recommend(9001, 5, campaign => 'purchases');
SELECT rec.log_event(9001, 1, 'purchase', 9.99);
SELECT DISTINCT reason FROM rec.recommend(9001, 5, campaign => 'purchases');
ROLLBACK;

-- the serving history weighs each event by its type: a heavy purchase leads the list
SELECT rec.train('heavy', 'ease', params => '{"event_weights": {"purchase": 1000}}') > 0 AS trained;
SELECT rec.deploy('heavy', 'heavy');
SELECT item_id AS bought FROM rec.items WHERE item_id NOT IN (SELECT item_id FROM rec.interactions WHERE user_id = 7)
	AND item_id IN (SELECT item_id FROM rec.interactions) ORDER BY item_id LIMIT 1 \gset
BEGIN;
SELECT rec.log_event(7, :bought, 'purchase', 5.99);
SELECT because_item_id = :bought AS led_by_purchase FROM rec.recommend(7, 1, campaign => 'heavy');
SELECT h.history_item_id = :bought AS largest_contribution FROM rec.explain(7,
	(SELECT item_id FROM rec.recommend(7, 1, campaign => 'heavy')), campaign => 'heavy') h LIMIT 1;
ROLLBACK;

-- the threshold applies to the serving history too
SELECT rec.train('valued-ease', 'ease', params => '{"event_value_threshold": 1}') > 0 AS trained;
SELECT rec.deploy('valued-ease', 'valued-ease');
BEGIN;
SELECT rec.log_event(9002, 1, 'click');
SELECT DISTINCT reason FROM rec.recommend(9002, 5, campaign => 'valued-ease');
SELECT rec.log_event(9002, 1, 'purchase', 2.5);
SELECT DISTINCT reason FROM rec.recommend(9002, 5, campaign => 'valued-ease');
ROLLBACK;

-- offline metrics and batch recommendations read the events the same way
SELECT (metrics ? 'normalized_discounted_cumulative_gain_at_10') AS has_metrics
FROM rec.solution_version WHERE solution = 'purchases';
SELECT count(*) AS rows FROM rec.batch_recommend('purchases', 5, users => '{1,2,3}');

-- bad input
SELECT rec.train('x', 'ease', params => '{"event_weights": [1, 2]}');
SELECT rec.train('x', 'ease', params => '{"event_weights": {"purchase": "3"}}');
SELECT rec.train('x', 'ease', params => '{"event_weights": {"purchase": -1}}');
SELECT rec.train('x', 'ease', params => '{"event_weights": {"purchase": 1001}}');
SELECT rec.train('x', 'ease', params => '{"event_weights": {"purchase": 1e-50}}');
SELECT rec.train('x', 'ease', params => '{"event_value_threshold": "5"}');
SELECT rec.train('x', 'ease', params => '{"event_value_threshold": 1e16}');
SELECT rec.train('x', 'ease', params => '{"event_value_threshold": 1000}');
CREATE TABLE plain_events AS SELECT user_id, item_id, ts FROM rec.interactions;
SELECT rec.create_dataset_group('plain', 'plain_events');
SELECT rec.train('x', 'ease', 'plain', '{"event_weights": {"purchase": 3}}');
SELECT rec.train('x', 'ease', 'plain', '{"event_value_threshold": 1}');
SELECT count(*) AS versions FROM rec.solution_version WHERE solution = 'x';
SELECT rec.drop_dataset_group('plain');
DROP TABLE plain_events;
