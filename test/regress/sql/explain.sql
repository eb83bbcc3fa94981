-- rec.explain, the reason of each recommended row, cold items and exploration
\i data/reset_sample.psql

-- three new documentaries, listed in rec.items but without any event (cold items)
INSERT INTO rec.items (item_id, title, categories, created_at) VALUES
	(9001, 'New documentary 1', '{documentary}', '2026-08-15'),
	(9002, 'New documentary 2', '{documentary}', '2026-08-01'),
	(9003, 'Old documentary', '{documentary}', '2020-01-01'),
	(9004, 'Lone western', '{western}', '2026-08-20');	-- a category no other item has
SELECT rec.train('up', 'user-personalization', params => '{"session_weight": 0.75}') > 0 AS trained;
SELECT rec.train('up_explore', 'user-personalization', params => '{"exploration_weight": 0.5, "session_weight": 0.75}') > 0 AS trained;
SELECT rec.train('up_no_explore', 'user-personalization', params => '{"exploration_weight": 0, "session_weight": 0.75}') > 0 AS trained;
SELECT rec.deploy('main', 'up') > 0 AS deployed, rec.deploy('explore', 'up_explore') > 0 AS deployed,
       rec.deploy('no_explore', 'up_no_explore') > 0 AS deployed;
SET rec.campaign = 'main';

-- every personalized row names the history item behind it, which explain ranks first
SELECT r.item_id, r.reason, r.because_item_id,
       r.because_item_id = (SELECT e.history_item_id FROM rec.explain(1, r.item_id) e LIMIT 1) AS top_contributor
FROM rec.recommend(1, 5) r ORDER BY r.score DESC, r.item_id;
SELECT history_item_id, round(contribution::numeric, 4) AS contribution, round(share::numeric, 4) AS share
FROM rec.explain(1, 310) LIMIT 5;
SELECT round(sum(share)::numeric, 4) AS shares_sum, bool_and(contribution > 0) AS all_positive,
       count(*) = count(DISTINCT history_item_id) AS once_each
FROM rec.explain(1, 310);
-- explained items come from the user's history
SELECT count(*) AS outside_history FROM rec.explain(1, 310) e
WHERE e.history_item_id NOT IN (SELECT item_id FROM rec.interactions WHERE user_id = 1);
-- a user without history: nothing to explain, popular rows say so
SELECT count(*) FROM rec.explain(999999, 310);
SELECT DISTINCT reason, because_item_id FROM rec.recommend(999999, 5);

-- documentaries after three documentary events: session rows name a documentary event
BEGIN;
SELECT count(rec.log_event(185, item_id, ts => '2026-09-01'::timestamptz + item_id * interval '1 minute')) AS logged
FROM (VALUES (108), (115), (134)) v(item_id);
SELECT r.reason, count(*) AS rows, bool_and(r.because_item_id IN (108, 115, 134)) AS because_documentary
FROM rec.recommend(185, 10) r JOIN rec.items i USING (item_id)
WHERE 'documentary' = ANY (i.categories) GROUP BY r.reason ORDER BY r.reason;
-- exploration: the newest documentary makes the list (freshness falls with age), the old one is past the cutoff
SELECT item_id, reason, because_item_id FROM rec.recommend(185, 25, campaign => 'explore') WHERE item_id > 9000 ORDER BY score DESC;
SELECT count(*) AS explored_without_exploration FROM rec.recommend(185, 25, campaign => 'no_explore') WHERE item_id > 9000;
ROLLBACK;

-- a cold item's similar items share its categories
SELECT s.item_id, i.categories, s.reason FROM rec.similar_items(9001, 3) s JOIN rec.items i USING (item_id) ORDER BY s.score DESC, s.item_id;
-- after the items sharing a category, and for a cold item sharing none, the most popular with score 0
SELECT reason, count(*), bool_and('documentary' = ANY (i.categories)) AS documentaries, max(score) = 0 AS zero
FROM rec.similar_items(9001, 20) s JOIN rec.items i USING (item_id) GROUP BY reason ORDER BY reason;
SELECT item_id, score, reason FROM rec.similar_items(9004, 3);
SELECT array_agg(item_id) = (SELECT array_agg(item_id) FROM rec.recommend(999999, 3)) AS as_popular
FROM rec.similar_items(9004, 3);
SELECT count(*) AS explained FROM rec.explain(1, 9001);

-- bad input
SELECT * FROM rec.explain(NULL, 1);
SELECT * FROM rec.explain(1, NULL);
SELECT * FROM rec.explain(1, 999999);
SELECT * FROM rec.explain(1, 1, campaign => 'no-such-campaign');
SELECT rec.train('x', 'user-personalization', params => '{"exploration_weight": 2}');
SELECT rec.train('x', 'sims', params => '{"exploration_weight": 0.5}');
