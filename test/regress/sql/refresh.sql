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
