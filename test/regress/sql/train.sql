-- rec.train, rec.recipes, rec.solution_metrics, rec.drop_solution
\i data/reset_sample.psql

SELECT * FROM rec.recipes() ORDER BY name;
SELECT parameter, type, default_value, min_value, max_value FROM rec.recipe_parameters('ease');
SELECT recipe, count(*) AS parameters, count(*) FILTER (WHERE type = 'number') AS numbers
FROM rec.recipe_parameters() GROUP BY recipe ORDER BY recipe;
SELECT * FROM rec.recipe_parameters('no-such-recipe');

-- each recipe trains, and records what it was trained with
SELECT rec.train('pop', 'popularity-count') > 0 AS trained;
SELECT rec.train('sims', 'sims', params => '{"neighbors": 20}') > 0 AS trained;
SELECT rec.train('up', 'user-personalization') > 0 AS trained;
SELECT rec.train('ease', 'ease', 'default', '{"lambda": 50}') > 0 AS trained;
-- (a self-tuned version shows which parameters it recorded: the values it
-- chose may vary with the CPU's last bits when two candidates are close)
SELECT solution, recipe,
	CASE WHEN params ? 'tuning' THEN (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(params) k) ELSE params END AS params,
	n_users, n_items, n_interactions, length(model) > 0 AS has_model
FROM rec.solution_version ORDER BY id;
SELECT name, recipe, dataset_group, params FROM rec.solution ORDER BY name;

-- a second training of a solution adds a version and keeps the recipe
SELECT rec.train('up') > 0 AS trained;
SELECT solution, count(*) FROM rec.solution_version GROUP BY 1 ORDER BY 1;

-- offline metrics, Personalize's way: deterministic holdout of users
SELECT metric, CASE WHEN metric = 'holdout_users' THEN value::text ELSE (value > 0 AND value <= 1)::text END AS value
FROM rec.solution_metrics('up') ORDER BY metric;
SELECT metric, round(value::numeric, 4) FROM rec.solution_metrics('pop') ORDER BY metric;
-- a personalized recipe beats popularity on the sample data
SELECT (SELECT value FROM rec.solution_metrics('up') WHERE metric = 'normalized_discounted_cumulative_gain_at_10')
     > (SELECT value FROM rec.solution_metrics('pop') WHERE metric = 'normalized_discounted_cumulative_gain_at_10') * 1.5
     AS up_beats_popularity;

-- training on one event type only
SELECT rec.train('purchases', 'popularity-count', params => '{"event_type": "purchase"}') > 0 AS trained;
SELECT n_interactions = (SELECT count(*) FROM rec.interactions WHERE event_type = 'purchase') AS only_purchases
FROM rec.solution_version WHERE solution = 'purchases';

-- bad input: every error leaves nothing behind
SELECT count(*) AS versions_before FROM rec.solution_version;
SELECT rec.train(NULL, 'sims');
SELECT rec.train('x', 'sims', params => NULL);
SELECT rec.train('x', 'no-such-recipe');
SELECT rec.train('no-such-solution');
SELECT rec.train('up', 'sims');
SELECT rec.train('up', dataset_group => 'other');
SELECT rec.train('x', 'sims', 'no-such-group');
SELECT rec.train('x', 'sims', params => '{"lambda": 10}');
SELECT rec.train('x', 'ease', params => '{"lambda": "ten"}');
SELECT rec.train('x', 'ease', params => '{"lambda": -1}');
SELECT rec.train('x', 'sims', params => '{"neighbors": 2.5}');
SELECT rec.train('x', 'sims', params => '{"event_type": 3}');
SELECT rec.train('x', 'sims', params => '[1, 2]');
SELECT rec.train('x', 'sims', params => '{"event_type": "no-such-type"}');
SELECT count(*) AS versions_after, (SELECT count(*) FROM rec.solution WHERE name = 'x') AS solutions_x
FROM rec.solution_version;

-- a dataset group with too few events, and an empty one
CREATE TABLE tiny (user_id int, item_id int, ts timestamptz);
INSERT INTO tiny VALUES (1, 1, '2026-01-01'), (1, 2, '2026-01-02'), (2, 1, '2026-01-03');
SELECT rec.create_dataset_group('tiny', 'tiny');
SELECT rec.train('tiny', 'sims', 'tiny');
TRUNCATE tiny;
SELECT rec.train('tiny', 'popularity-count', 'tiny');

-- a catalogue too large for EASE's dense matrices within the memory limit
-- trains user-personalization's sparse model by default, and says so
CREATE TABLE wide (user_id int, item_id int, ts timestamptz);
INSERT INTO wide SELECT u, (u * 7 + j * 13) % 1400 + 1, '2026-01-01'::timestamptz + (u * 20 + j) * interval '1 hour'
FROM generate_series(1, 300) u, generate_series(1, 12) j;
SELECT rec.create_dataset_group('wide', 'wide');
SET rec.train_memory_limit = '16MB';
SELECT rec.train('wide_up', 'user-personalization', 'wide') > 0 AS trained;
-- a dense model asked for explicitly must fit: an error, no fallback
SELECT rec.train('wide_dense', 'user-personalization', 'wide', '{"neighbors": 0}');
RESET rec.train_memory_limit;
SET rec.train_memory_limit = '1MB';
SET rec.train_memory_limit = '2TB';
SELECT n_items, params->>'structure' AS structure, params->'neighbors' AS neighbors,
       params->>'algorithm' AS algorithm
FROM rec.solution_version WHERE solution = 'wide_up';
SELECT rec.deploy('wide', 'wide_up') > 0 AS deployed;
SELECT count(*) AS recommended, min(reason) AS reason FROM rec.recommend(1, 10, campaign => 'wide');
SELECT rec.drop_dataset_group('wide');
DROP TABLE wide;

-- solution_metrics errors
SELECT * FROM rec.solution_metrics('no-such-solution');
SELECT * FROM rec.solution_metrics('up', version => 999999);

-- dropping a solution drops its versions and campaigns
SELECT rec.deploy('c_up', 'up');
SELECT rec.drop_solution('up');
SELECT count(*) AS versions, (SELECT count(*) FROM rec.campaign WHERE name = 'c_up') AS campaigns
FROM rec.solution_version WHERE solution = 'up';
SELECT rec.drop_solution('up');
SELECT rec.drop_dataset_group('tiny');
DROP TABLE tiny CASCADE;
