-- the sparse item model of ease and user-personalization: the neighbors parameter
\i data/reset_sample.psql

-- the structure used is recorded: dense by default on the 400-item sample, sparse on request
SELECT rec.train('up_auto', 'user-personalization', params => '{"tune": false}') > 0 AS trained;
SELECT rec.train('up_dense', 'user-personalization', params => '{"tune": false, "neighbors": 0}') > 0 AS trained;
SELECT rec.train('up_sparse', 'user-personalization', params => '{"tune": false, "neighbors": 100}') > 0 AS trained;
SELECT rec.train('ease_dense', 'ease', params => '{"neighbors": 0}') > 0 AS trained;
SELECT rec.train('ease_sparse', 'ease', params => '{"neighbors": 100}') > 0 AS trained;
SELECT rec.train('ease_small', 'ease', params => '{"neighbors": 5}') > 0 AS trained;
SELECT solution, params->>'structure' AS structure, params->'neighbors' AS neighbors
FROM rec.solution_version ORDER BY id;
SELECT recipe, default_value AS neighbors FROM rec.recipe_parameters()
WHERE parameter = 'neighbors' AND recipe IN ('ease', 'user-personalization', 'personalized-ranking', 'sims') ORDER BY recipe;
-- tuning records the structure too
SELECT rec.train('up_tuned', 'user-personalization', params => '{"neighbors": 50}') > 0 AS trained;
SELECT params->>'structure' AS structure, params->'neighbors' AS neighbors, params->'tuning' ? 'ndcg_at_10' AS tuned
FROM rec.solution_version WHERE solution = 'up_tuned';

SELECT rec.deploy('up_dense', 'up_dense') > 0, rec.deploy('up_sparse', 'up_sparse') > 0,
       rec.deploy('ease_dense', 'ease_dense') > 0, rec.deploy('ease_sparse', 'ease_sparse') > 0,
       rec.deploy('ease_small', 'ease_small') > 0;

-- sparse and dense agree: most of the top 10 of 50 users is the same
CREATE TEMP TABLE agreement AS
SELECT u AS user_id,
       (SELECT count(*) FROM rec.recommend(u, 10, campaign => 'up_dense') d
        JOIN rec.recommend(u, 10, campaign => 'up_sparse') s USING (item_id)) AS up_common,
       (SELECT count(*) FROM rec.recommend(u, 10, campaign => 'ease_dense') d
        JOIN rec.recommend(u, 10, campaign => 'ease_sparse') s USING (item_id)) AS ease_common
FROM generate_series(1, 50) u;
SELECT avg(up_common) >= 7 AS up_agrees, avg(ease_common) >= 8 AS ease_agrees FROM agreement;
-- and their offline metrics are close
SELECT abs((s.metrics->>'normalized_discounted_cumulative_gain_at_10')::float8
           - (d.metrics->>'normalized_discounted_cumulative_gain_at_10')::float8) < 0.02 AS close_ndcg
FROM rec.solution_version s, rec.solution_version d
WHERE s.solution = 'up_sparse' AND d.solution = 'up_dense';

-- every row of a sparse model's list is personalized, and at most 5 weights per item keep
-- the small model's lists short of nothing
SELECT count(*) AS rows, min(reason) AS reason FROM rec.recommend(1, 25, campaign => 'ease_small');

-- explanations of a sparse model with transitions add up to the score: for a user with
-- two events whose contributions are all positive (explain leaves out negative ones)
BEGIN;
SELECT rec.log_event(900001, 50, ts => '2026-09-01 10:00') IS NOT NULL AS logged,
       rec.log_event(900001, 181, ts => '2026-09-01 10:01') IS NOT NULL AS logged;
SELECT r.reason, count(*) > 0 AS explained_rows,
       bool_and(abs(e.total - r.score) <= 1e-4 * abs(r.score)) AS sums_to_score
FROM rec.recommend(900001, 10, campaign => 'up_sparse') r,
     LATERAL (SELECT sum(contribution) AS total, count(*) AS n
              FROM rec.explain(900001, r.item_id, campaign => 'up_sparse')) e
WHERE e.n = 2 GROUP BY r.reason;
ROLLBACK;
SELECT r.item_id, r.because_item_id = (SELECT e.history_item_id FROM rec.explain(1, r.item_id, campaign => 'up_sparse') e
                                       LIMIT 1) AS top_contributor
FROM rec.recommend(1, 3, campaign => 'up_sparse') r ORDER BY r.score DESC, r.item_id;
-- and of whole lists of 20 users (a sparse list is explained in one pass over the history)
SELECT count(*) > 400 AS personalized_rows,
       count(*) FILTER (WHERE r.because_item_id IS DISTINCT FROM
           (SELECT e.history_item_id FROM rec.explain(u, r.item_id, campaign => 'up_sparse') e LIMIT 1)) AS differ
FROM generate_series(1, 20) u, LATERAL rec.recommend(u, 25, campaign => 'up_sparse') r
WHERE r.reason = 'personalized';

-- batch and single-user scoring agree on the sparse model
SELECT count(*) AS differ FROM (
	SELECT item_id FROM rec.recommend(7, 10, campaign => 'up_sparse')
	EXCEPT
	SELECT item_id FROM rec.batch_recommend('up_sparse', 10, users => '{7}')) d;
-- a new event moves the sparse model's list at once
BEGIN;
SELECT rec.log_event(7, 1) IS NOT NULL AS logged;
SELECT count(*) > 0 AS explained_by_new_event FROM rec.explain(7, (SELECT item_id FROM rec.recommend(7, 1, campaign => 'up_sparse')), campaign => 'up_sparse');
ROLLBACK;

-- similar_items and rank serve the sparse model too
SELECT count(*) AS similar FROM rec.similar_items(1, 10, campaign => 'up_sparse');
SELECT rec.train('pr_sparse', 'personalized-ranking', params => '{"tune": false, "neighbors": 50}') > 0 AS trained;
SELECT rec.deploy('pr_sparse', 'pr_sparse') > 0 AS deployed;
SELECT count(*) AS ranked, count(score) AS scored FROM rec.rank(1, '{1,2,3,999999}', campaign => 'pr_sparse');

-- bad values of neighbors
SELECT rec.train('x', 'user-personalization', params => '{"neighbors": -1}');
SELECT rec.train('x', 'ease', params => '{"neighbors": 2.5}');
SELECT rec.train('x', 'ease', params => '{"neighbors": 10001}');
SELECT rec.train('x', 'ease', params => '{"neighbors": "auto"}');
SELECT rec.train('x', 'sims', params => '{"neighbors": 0}');
SELECT rec.train('x', 'item-knn', params => '{"neighbors": 0}');
SELECT rec.train('x', 'popularity-count', params => '{"neighbors": 10}');
SELECT count(*) AS versions FROM rec.solution_version WHERE solution = 'x';

-- the neighbourhood systems are solved on rec.threads threads: the same model, byte for byte
SET rec.threads = 2;
SELECT rec.train('up_sparse_2threads', 'user-personalization', params => '{"tune": false, "neighbors": 100}') > 0 AS trained;
SET rec.threads = 1;
SELECT a.model = b.model AS same_model FROM rec.solution_version a, rec.solution_version b
WHERE a.solution = 'up_sparse' AND b.solution = 'up_sparse_2threads';

-- a transition decay of 0 (or one that underflows over a long window) adds weights of 0:
-- the sparse statistics must not list an item once per such weight
SELECT rec.train('up_sparse_decay0', 'user-personalization',
                 params => '{"tune": false, "neighbors": 100, "transition_decay": 0, "transition_window": 100}') > 0 AS trained;
SELECT rec.train('up_sparse_underflow', 'user-personalization',
                 params => '{"tune": false, "neighbors": 100, "transition_decay": 0.3, "transition_window": 100}') > 0 AS trained;
SELECT rec.deploy('up_sparse_decay0', 'up_sparse_decay0') > 0 AS deployed;
SELECT count(*) AS recommended FROM rec.recommend(1, 10, campaign => 'up_sparse_decay0');
