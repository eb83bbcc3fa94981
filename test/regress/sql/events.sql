-- rec.log_event and real time: the next recommend() sees the event
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization', params => '{"session_weight": 0.75}') > 0 AS trained;
SELECT rec.deploy('main', 'up');
SET rec.campaign = 'main';

-- user 185 has never touched a documentary nor a comedy
SELECT count(*) FILTER (WHERE 'documentary' = ANY (i.categories)) AS documentaries,
       count(*) FILTER (WHERE 'comedy' = ANY (i.categories)) AS comedies, count(*) AS events
FROM rec.interactions e JOIN rec.items i USING (item_id) WHERE e.user_id = 185;
SELECT count(*) AS documentaries_before
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id) WHERE 'documentary' = ANY (i.categories);

-- three documentary events, in the same transaction as the next recommend()
BEGIN;
SELECT rec.log_event(185, item_id, ts => '2026-09-01'::timestamptz + item_id * interval '1 minute')
FROM (VALUES (108), (115), (134)) v(item_id);
SELECT count(*) >= 3 AS documentaries_rise
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id) WHERE 'documentary' = ANY (i.categories);
SELECT count(*) AS logged_items_recommended FROM rec.recommend(185, 25) WHERE item_id IN (108, 115, 134);
ROLLBACK;
-- rolled back with the transaction: the list is as before
SELECT count(*) AS documentaries_after_rollback
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id) WHERE 'documentary' = ANY (i.categories);

-- a common category rises too
SELECT count(*) AS comedies_before
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id) WHERE 'comedy' = ANY (i.categories);
SELECT rec.log_event(185, item_id, 'click', NULL, '2026-09-02'::timestamptz + item_id * interval '1 minute')
FROM (SELECT item_id FROM rec.items WHERE categories = '{comedy}' ORDER BY item_id LIMIT 3) v;
SELECT count(*) >= 3 AS comedies_rise
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id) WHERE 'comedy' = ANY (i.categories);

-- a brand-new user becomes personalized from the first event
SELECT DISTINCT reason FROM rec.recommend(5000, 5);
SELECT rec.log_event(5000, 108);
SELECT DISTINCT reason FROM rec.recommend(5000, 5);

-- the row as stored, defaults included
SELECT rec.log_event(5000, 115, 'purchase', 12.5, '2026-09-03 10:00:00+00');
SELECT user_id, item_id, event_type, event_value, ts FROM rec.interactions WHERE user_id = 5000 AND item_id = 115;
SELECT event_type, event_value, ts > now() - interval '1 hour' AS recent
FROM rec.interactions WHERE user_id = 5000 AND item_id = 108;

-- events on items the model has never seen are stored, and ignored when scoring
SELECT rec.log_event(5001, 77777);
SELECT DISTINCT reason FROM rec.recommend(5001, 5);

-- bad input: nothing is stored
SELECT count(*) AS events_before FROM rec.interactions;
SELECT rec.log_event(NULL, 1);
SELECT rec.log_event(1, NULL);
SELECT rec.log_event(1, 1, ts => NULL);
SELECT rec.log_event(1, 1, event_value => 'NaN');
SELECT rec.log_event(1, 1, ts => 'infinity');
SELECT rec.log_event(1, 1, ts => '2999-01-01 00:00:00+00');
SELECT rec.log_event(1, 1, dataset_group => NULL);
SELECT rec.log_event(1, 1, dataset_group => 'no-such-group');
SELECT count(*) AS events_after FROM rec.interactions;

-- a clock a little ahead is accepted; a NULL event type takes the column's default
SELECT rec.log_event(5002, 1, NULL, ts => now() + interval '1 hour');
SELECT event_type FROM rec.interactions WHERE user_id = 5002;

-- a group without event type and value columns: giving one is an error, not a silent drop
CREATE TABLE plain_events AS SELECT user_id, item_id, ts FROM rec.interactions;
SELECT rec.create_dataset_group('plain', 'plain_events');
SELECT rec.log_event(1, 1, 'purchase', dataset_group => 'plain');
SELECT rec.log_event(1, 1, event_value => 3, dataset_group => 'plain');
SELECT rec.log_event(1, 1, dataset_group => 'plain');
SELECT count(*) AS stored FROM plain_events WHERE user_id = 1 AND item_id = 1;
SELECT rec.drop_dataset_group('plain');
DROP TABLE plain_events;

-- events dated after now() loaded by hand train as if they happened now
INSERT INTO rec.interactions (user_id, item_id, ts) VALUES (5003, 1, '2999-01-01'), (5003, 2, '2999-01-02');
SELECT rec.train('future', 'popularity-count') > 0 AS trained;
