-- rec.refresh: new items and events folded into the served version without retraining
\i data/reset_sample.psql

SELECT rec.train('up', 'user-personalization') AS v1 \gset
SELECT rec.deploy('main', 'up') = :v1 AS deployed;
SELECT rec.deploy('pinned', version => :v1) = :v1 AS deployed;

-- a new item arrives and 500 new users watch it; a user with no history gets the popularity fallback
INSERT INTO rec.items (item_id, categories, created_at) VALUES (5001, '{documentary}', now());
INSERT INTO rec.interactions (user_id, item_id, ts) SELECT u, 5001, now() FROM generate_series(100001, 100500) u;
SELECT count(*) AS before FROM rec.recommend(999999, 5, campaign => 'main') WHERE item_id = 5001;

SELECT rec.refresh('main') AS v2 \gset
SELECT :v2 > :v1 AS new_version;
-- same solution, recipe and parameters; its metrics say where it came from
SELECT sv.solution, sv.recipe, sv.params = old.params AS same_params,
	   (sv.metrics->>'refreshed_from')::bigint = :v1 AS refreshed_from_v1,
	   sv.n_items = old.n_items + 1 AS one_more_item
FROM rec.solution_version sv, rec.solution_version old WHERE sv.id = :v2 AND old.id = :v1;
-- the campaign follows it, and the new item is now the most popular
SELECT solution_version FROM rec.campaign WHERE name = 'main';
SELECT item_id, rank, reason FROM rec.recommend(999999, 3, campaign => 'main') ORDER BY rank;
SELECT count(*) > 0 AS served FROM rec.similar_items(5001, 5, campaign => 'main');
-- a pinned campaign moves to its refreshed version
SELECT rec.refresh('pinned') > :v2 AS newer;
SELECT solution_version = (SELECT max(id) FROM rec.solution_version) AS moved FROM rec.campaign WHERE name = 'pinned';

-- refresh solves the transitions again: on data where users watch pairs of items
-- (4 pairs each: an item x, then x + 1), the defaults keep transitions; after training,
-- 300 new users each go from item 10 to item 40.  A user whose newest event is item 10
-- gets item 40 at the top of their list after the refresh, not before: EASE's weights stay as
-- trained, the transitions follow the events read now.
CREATE TABLE seq_events (user_id bigint, item_id bigint, ts timestamptz);
INSERT INTO seq_events
SELECT DISTINCT ON (u, item) u, item, t FROM (
	SELECT u, CASE WHEN k = 0 THEN x ELSE x % 60 + 1 END AS item,
		'2026-01-01'::timestamptz + u * interval '1 hour' + (2 * p + k) * interval '1 minute' AS t
	FROM generate_series(1, 600) u, generate_series(0, 3) p,
		LATERAL (SELECT 1 + ('x' || substr(md5(u || ',' || p), 1, 8))::bit(32)::bigint % 60 AS x) r,
		generate_series(0, 1) k) z
ORDER BY u, item, t;
SELECT rec.create_dataset_group('seq', 'seq_events') IS NOT NULL AS created;
SELECT rec.train('seq', 'user-personalization', 'seq') AS s1 \gset
SELECT (params->>'transition_weight')::float8 > 0 AS has_transitions FROM rec.solution_version WHERE id = :s1;
SELECT rec.deploy('seq', 'seq') = :s1 AS deployed;
-- the same with the sparse model (the default above 3,000 items)
SELECT rec.train('seq-sparse', 'user-personalization', 'seq', '{"neighbors": 20}') AS s2 \gset
SELECT params->>'structure' AS structure, (params->>'transition_weight')::float8 > 0 AS has_transitions
FROM rec.solution_version WHERE id = :s2;
SELECT rec.deploy('seq-sparse', 'seq-sparse') = :s2 AS deployed;
INSERT INTO seq_events
SELECT u, it, '2026-03-01'::timestamptz + u * interval '1 hour' + (it / 40) * interval '1 minute'
FROM generate_series(1001, 1300) u, unnest(ARRAY[10, 40]) it;
INSERT INTO seq_events VALUES (2000, 3, '2026-04-01 00:00'), (2000, 4, '2026-04-01 00:01'),
	(2000, 25, '2026-04-01 00:02'), (2000, 26, '2026-04-01 00:03'), (2000, 10, '2026-04-01 00:04');
SELECT c, rank > 5 AS item_40_below_top_5 FROM unnest(ARRAY['seq', 'seq-sparse']) c,
	rec.recommend(2000, 50, campaign => c) WHERE item_id = 40 ORDER BY c;
SELECT rec.refresh('seq') > :s1 AS refreshed, rec.refresh('seq-sparse') > :s2 AS refreshed_sparse;
SELECT c, rank <= 2 AS item_40_in_top_2 FROM unnest(ARRAY['seq', 'seq-sparse']) c,
	rec.recommend(2000, 50, campaign => c) WHERE item_id = 40 ORDER BY c;
DELETE FROM rec.campaign WHERE name IN ('seq', 'seq-sparse');
SELECT rec.drop_solution('seq'), rec.drop_solution('seq-sparse');
SELECT rec.drop_dataset_group('seq');
DROP TABLE seq_events;

-- errors
SELECT rec.refresh(NULL);
SELECT rec.refresh('nope');
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.deploy('popular', 'pop') > 0 AS deployed;
SELECT rec.refresh('popular');
SELECT rec.deploy('pinned2', version => :v1) = :v1 AS deployed;
SELECT rec.deploy('ab', variants => '{"pinned2": 0.5, "pinned": 0.5}') > 0 AS deployed;
SELECT rec.refresh('ab');

-- clean up: the next test starts from the sample data
DELETE FROM rec.campaign;
DELETE FROM rec.solution;
DELETE FROM rec.interactions WHERE item_id = 5001 OR user_id > 100000;
DELETE FROM rec.items WHERE item_id > 5000;
